"""``@record``: a frozen dataclass, made with one compile instead of six.

``@dataclass(frozen=True)`` generates and compiles six methods (``__init__``, ``__repr__``,
``__eq__``, ``__hash__``, ``__setattr__``, ``__delattr__``): about 0.6 ms a class on Python
3.11, mostly in ``compile``, and ``ciliumdrift check`` creates more than a hundred classes
before it reads a file. :func:`record` lets :func:`dataclasses.dataclass` make the fields (so
``fields``, ``replace``, ``asdict``, ``__match_args__`` and slots work as for any dataclass)
without methods, compiles ``__init__`` only (its signature is the class's), and installs
the other five as closures over the field names, computing the same values.
``tests/unit/test_records.py`` compares every method with the standard library's.
"""

from __future__ import annotations

import inspect
import reprlib
from collections.abc import Callable
from dataclasses import MISSING, Field, FrozenInstanceError, dataclass, field, fields
from operator import attrgetter
from typing import TYPE_CHECKING, Any, TypeVar, overload

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform
else:
    try:
        from typing import dataclass_transform
    except ImportError:  # Python 3.10: only type checkers read it

        def dataclass_transform(**_: Any) -> Callable[[Any], Any]:
            return lambda decorated: decorated


_T = TypeVar("_T")


@overload
def record(cls: type[_T], /) -> type[_T]: ...


@overload
def record(*, slots: bool = False) -> Callable[[type[_T]], type[_T]]: ...


@dataclass_transform(frozen_default=True, field_specifiers=(field, Field))
def record(cls: type[_T] | None = None, /, *, slots: bool = False) -> Any:
    """``@dataclass(frozen=True)`` (``slots=True`` as there), faster to create."""

    def wrap(cls: type[_T]) -> type[_T]:
        documented = bool(cls.__dict__.get("__doc__"))
        if not documented:
            cls.__doc__ = cls.__name__  # set below, as dataclass() would
        # Inheriting from a dataclass: frozen from frozen only, as dataclass() has it; the
        # base's __setattr__ and __delattr__ are then dataclass()'s to make (it checks).
        based = [_params(b).frozen for b in cls.__mro__[1:] if _is_dataclass(b)]
        if based and not all(based):
            raise TypeError("cannot inherit frozen dataclass from a non-frozen one")
        made: type[_T] = dataclass(
            cls, init=False, repr=False, eq=False, frozen=bool(based), slots=slots
        )
        _add_methods(made, own=cls.__dict__, slots=slots, frozen=not based)
        # What the class is, for dataclass() when it makes a subclass (frozen from frozen).
        params = _params(made)
        params.init = params.repr = params.eq = params.frozen = True
        if not documented:
            try:
                made.__doc__ = made.__name__ + str(inspect.signature(made)).replace(" -> None", "")
            except (TypeError, ValueError):  # pragma: no cover - as dataclass() does
                made.__doc__ = made.__name__
        return made

    return wrap if cls is None else wrap(cls)


class _Factory:
    """Marks an argument left to its field's default_factory."""

    def __repr__(self) -> str:
        return "<factory>"


_FACTORY = _Factory()


def _is_dataclass(cls: type[Any]) -> bool:
    return "__dataclass_fields__" in cls.__dict__


def _params(cls: type[Any]) -> Any:
    return cls.__dataclass_params__


def _add_methods(cls: type[Any], *, own: Any, slots: bool, frozen: bool) -> None:
    every = fields(cls)
    names = tuple(f.name for f in every)
    scope: dict[str, Any] = {"__setter": object.__setattr__, "__factory": _FACTORY}
    positional: list[str] = []
    keyword: list[str] = []
    body: list[str] = []
    for f in every:
        if f.default_factory is not MISSING:
            scope[f"__f_{f.name}"] = f.default_factory
            value = (
                f"__f_{f.name}() if {f.name} is __factory else {f.name}"
                if f.init
                else f"__f_{f.name}()"
            )
            default = "=__factory"
        elif f.default is not MISSING:
            scope[f"__d_{f.name}"] = f.default
            value = f.name if f.init else f"__d_{f.name}"
            default = f"=__d_{f.name}"
        else:
            value, default = f.name, ""
        if f.init:
            (keyword if f.kw_only else positional).append(f"{f.name}{default}")
        elif value == f.name:  # init=False without a default: left unset, as dataclass() does
            continue
        body.append(f"  __setter(self, {f.name!r}, {value})")
    if hasattr(cls, "__post_init__"):
        body.append("  self.__post_init__()")
    arguments = ", ".join(["self", *positional, *(["*", *keyword] if keyword else [])])
    source = "\n".join([f"def __init__({arguments}):", *(body or ["  pass"])])
    exec(compile(source, f"<record {cls.__qualname__}>", "exec"), scope)
    init = scope["__init__"]
    init.__annotations__ = {f.name: f.type for f in every if f.init} | {"return": None}
    methods = {
        "__init__": init,
        "__repr__": _repr(tuple(f.name for f in every if f.repr)),
        "__eq__": _eq(_key(tuple(f.name for f in every if f.compare))),
    }
    for name, method in methods.items():
        if name not in own:
            _install(cls, name, method)
    explicit_hash = own.get("__hash__", MISSING)
    if explicit_hash is MISSING or (explicit_hash is None and "__eq__" in own):
        hashed = tuple(f.name for f in every if (f.compare if f.hash is None else f.hash))
        _install(cls, "__hash__", _hash(_key(hashed)))
    if not frozen:  # dataclass() made them
        return
    _install(cls, "__setattr__", _setattr(cls, frozenset(names)))
    _install(cls, "__delattr__", _delattr(cls, frozenset(names)))
    if slots:  # pickle and copy set the slots of a frozen instance through these
        _install(cls, "__getstate__", _getstate)
        _install(cls, "__setstate__", _setstate)


# The methods below are closures, not generated code: compiling is what costs (the values
# they compute are those of dataclass()'s generated methods: tuples of the same fields).


def _key(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    if not names:
        return lambda _: ()
    if len(names) == 1:
        one = attrgetter(names[0])
        return lambda self: (one(self),)
    many: Callable[[Any], tuple[Any, ...]] = attrgetter(*names)
    return many


def _repr(names: tuple[str, ...]) -> Callable[[Any], str]:
    @reprlib.recursive_repr()
    def __repr__(self: Any) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
        return f"{self.__class__.__qualname__}({shown})"

    return __repr__


def _eq(key: Callable[[Any], tuple[Any, ...]]) -> Callable[[Any, Any], Any]:
    def __eq__(self: Any, other: Any) -> Any:
        if other.__class__ is self.__class__:
            return key(self) == key(other)
        return NotImplemented

    return __eq__


def _hash(key: Callable[[Any], tuple[Any, ...]]) -> Callable[[Any], int]:
    def __hash__(self: Any) -> int:
        return hash(key(self))

    return __hash__


def _setattr(cls: type[Any], names: frozenset[str]) -> Callable[[Any, str, Any], None]:
    def __setattr__(self: Any, name: str, value: Any) -> None:
        if type(self) is cls or name in names:
            raise FrozenInstanceError(f"cannot assign to field {name!r}")
        super(cls, self).__setattr__(name, value)

    return __setattr__


def _delattr(cls: type[Any], names: frozenset[str]) -> Callable[[Any, str], None]:
    def __delattr__(self: Any, name: str) -> None:
        if type(self) is cls or name in names:
            raise FrozenInstanceError(f"cannot delete field {name!r}")
        super(cls, self).__delattr__(name)

    return __delattr__


def _install(cls: type[Any], name: str, function: Any) -> None:
    function.__qualname__ = f"{cls.__qualname__}.{name}"
    setattr(cls, name, function)


def _getstate(self: Any) -> list[Any]:
    return [getattr(self, f.name) for f in fields(self)]


def _setstate(self: Any, state: list[Any]) -> None:
    for f, value in zip(fields(self), state):  # noqa: B905 - as dataclasses does
        object.__setattr__(self, f.name, value)


__all__ = ["record"]
