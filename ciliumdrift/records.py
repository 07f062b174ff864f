"""``@record``: a dataclass made in a fraction of dataclass()'s time.

``@dataclass(frozen=True)`` generates and compiles six methods (``__init__``, ``__repr__``,
``__eq__``, ``__hash__``, ``__setattr__``, ``__delattr__``) and parses every string
annotation: about 0.6 ms a class on Python 3.11, and ``ciliumdrift check`` creates more
than a hundred classes before it reads a file. :func:`record` makes the same fields (the
same ``Field`` objects, so ``fields``, ``replace``, ``asdict``, ``__match_args__``, slots and
dataclass() subclasses work as for any dataclass), compiles ``__init__`` once per shape of
fields (its signature is the class's) and installs the other methods as closures over the
field names, computing the same values. What only dataclass() interprets (``ClassVar``,
``InitVar``, ``KW_ONLY``, a dataclass base) is left to it.
``tests/unit/test_records.py`` compares every method and field with the standard library's.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import inspect
import operator
import reprlib
from collections.abc import Callable
from dataclasses import MISSING, Field, FrozenInstanceError, dataclass, field, fields
from operator import attrgetter
from types import FunctionType
from typing import TYPE_CHECKING, Any, TypeVar, overload

from ciliumdrift.regex import lazy_pattern

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
def record(
    *, slots: bool = False, frozen: bool = True, eq: bool = True, order: bool = False
) -> Callable[[type[_T]], type[_T]]: ...


@dataclass_transform(frozen_default=True, field_specifiers=(field, Field))
def record(
    cls: type[_T] | None = None,
    /,
    *,
    slots: bool = False,
    frozen: bool = True,
    eq: bool = True,
    order: bool = False,
) -> Any:
    """``@dataclass(frozen=True)`` (``slots``, ``frozen``, ``eq`` and ``order`` as there),
    faster to create."""
    if order and not eq:
        raise ValueError("eq must be true if order is true")

    def wrap(cls: type[_T]) -> type[_T]:
        documented = bool(cls.__dict__.get("__doc__"))
        if not documented:
            cls.__doc__ = cls.__name__  # set below, as dataclass() would
        # Inheriting from a dataclass: frozen from frozen only, as dataclass() has it; the
        # base's __setattr__ and __delattr__ are then dataclass()'s to make (it checks).
        based = [_params(b).frozen for b in cls.__mro__[1:] if _is_dataclass(b)]
        if frozen and based and not all(based):
            raise TypeError("cannot inherit frozen dataclass from a non-frozen one")
        if not frozen and any(based):
            raise TypeError("cannot inherit non-frozen dataclass from a frozen one")
        declared = None if based else _declared_fields(cls)
        made: type[_T]
        if declared is None:  # what only dataclass() can tell: it makes the fields
            made = dataclass(
                cls, init=False, repr=False, eq=False, frozen=frozen and bool(based), slots=slots
            )
        else:
            made = _with_fields(cls, declared, slots=slots)
            made.__dataclass_params__ = copy.copy(_empty_params())  # type: ignore[attr-defined]
        _add_methods(
            made,
            own=cls.__dict__,
            slots=slots,
            frozen=frozen,
            eq=eq,
            order=order,
            based=bool(based),
        )
        # What the class is, for dataclass() when it makes a subclass (frozen from frozen).
        params = _params(made)
        params.init = params.repr = True
        params.eq, params.order, params.frozen = eq, order, frozen
        if hasattr(params, "slots"):  # Python 3.12+
            params.slots = slots
        if not documented:
            made.__doc__ = made.__name__ + _signature_text(made)
        return made

    return wrap if cls is None else wrap(cls)


# -- the fields, as dataclass() finds them -------------------------------------------------------
# dataclass() spends most of a class's creation in bookkeeping that records do not need:
# parsing every string annotation for ClassVar, InitVar and KW_ONLY, abstract methods, and
# methods it is told not to make. Where a class has none of those, and no dataclass base,
# the fields are made here, as the same Field objects in the same attributes, so that
# fields(), replace(), asdict() and dataclass() subclasses see what they always see.

#: An annotation that only dataclass() interprets: such a class is left to it.
_INTERPRETED_ANNOTATION = lazy_pattern(r"^\s*(?:\w+\.)*(?:ClassVar|InitVar|KW_ONLY)\b")
#: How dataclasses marks a Field as a field (not a ClassVar or an InitVar); without it (a
#: future Python) every class goes through dataclass().
_FIELD_MARK: Any = getattr(dataclasses, "_FIELD", None)


def _declared_fields(cls: type[Any]) -> dict[str, Field[Any]] | None:
    """The fields of a class with string annotations only, or None for dataclass() to find."""
    own = cls.__dict__
    annotations = own.get("__annotations__")
    # Python 3.14 computes annotations on demand (no __annotations__ in the class body's
    # namespace without the __future__ import): dataclass() knows how to ask for them.
    if _FIELD_MARK is None or not isinstance(annotations, dict):
        return None
    found: dict[str, Field[Any]] = {}
    for name, annotation in annotations.items():
        if not isinstance(annotation, str) or _INTERPRETED_ANNOTATION.match(annotation):
            return None
        declared = own.get(name, MISSING)
        made: Field[Any] = declared if isinstance(declared, Field) else field(default=declared)
        made.name, made.type = name, annotation
        made._field_type = _FIELD_MARK  # type: ignore[attr-defined]
        if made.kw_only is MISSING:
            made.kw_only = False
        if made.default is not MISSING and made.default.__class__.__hash__ is None:
            raise ValueError(
                f"mutable default {type(made.default)} for field {name} is not allowed: "
                "use default_factory"
            )
        found[name] = made
    for name, value in own.items():
        if isinstance(value, Field) and name not in annotations:
            raise TypeError(f"{name!r} is a field but has no type annotation")
    return found


def _with_fields(cls: type[_T], declared: dict[str, Field[Any]], *, slots: bool) -> type[_T]:
    for name, made in declared.items():  # a Field in the class body gives way to its default
        if isinstance(cls.__dict__.get(name), Field):
            if made.default is MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, made.default)
    cls.__dataclass_fields__ = declared  # type: ignore[attr-defined]
    if "__match_args__" not in cls.__dict__:
        positional = (made.name for made in declared.values() if made.init and not made.kw_only)
        setattr(cls, "__match_args__", tuple(positional))  # noqa: B010 - mypy refuses the plain form
    if not slots:
        return cls
    inherited = {slot for base in cls.__mro__[1:-1] for slot in _slots_of(base)}
    body = dict(cls.__dict__)
    for name in (*declared, "__dict__", "__weakref__"):
        body.pop(name, None)
    body["__slots__"] = tuple(name for name in declared if name not in inherited)
    metaclass: Any = type(cls)
    slotted: type[_T] = metaclass(cls.__name__, cls.__bases__, body)
    slotted.__qualname__ = cls.__qualname__
    return slotted


def _slots_of(cls: type[Any]) -> tuple[str, ...]:
    slots = cls.__dict__.get("__slots__", ())
    return (slots,) if isinstance(slots, str) else tuple(slots)


@functools.cache
def _empty_params() -> Any:
    """A ``__dataclass_params__`` to copy (its class is private; its fields are set below)."""
    empty: Any = dataclass(type("_Empty", (), {}), init=False, repr=False, eq=False)
    return empty.__dataclass_params__


class _Factory:
    """Marks an argument left to its field's default_factory."""

    def __repr__(self) -> str:
        return "<factory>"


_FACTORY = _Factory()


def _is_dataclass(cls: type[Any]) -> bool:
    return "__dataclass_fields__" in cls.__dict__


def _params(cls: type[Any]) -> Any:
    return cls.__dataclass_params__


def _add_methods(
    cls: type[Any], *, own: Any, slots: bool, frozen: bool, eq: bool, order: bool, based: bool
) -> None:
    every = fields(cls)
    names = tuple(f.name for f in every)
    init = _init(cls, every, frozen=frozen)
    init.__annotations__ = {f.name: f.type for f in every if f.init} | {"return": None}
    compared = _key(tuple(f.name for f in every if f.compare))
    methods = {"__init__": init, "__repr__": _repr(tuple(f.name for f in every if f.repr))}
    if eq:
        methods["__eq__"] = _eq(compared)
    for name, method in methods.items():
        if name not in own:
            _install(cls, name, method)
    if order:
        for name, compare in _ORDER.items():
            if name in own:
                raise TypeError(
                    f"Cannot overwrite attribute {name} in class {cls.__name__}. "
                    "Consider using functools.total_ordering"
                )
            _install(cls, name, _ordered(compared, compare))
    # dataclass()'s table for __hash__ (unsafe_hash=False): made for eq and frozen, None for
    # eq alone, left alone without eq or where the class body wrote its own.
    explicit_hash = own.get("__hash__", MISSING)
    if eq and (explicit_hash is MISSING or (explicit_hash is None and "__eq__" in own)):
        if frozen:
            hashed = tuple(f.name for f in every if (f.compare if f.hash is None else f.hash))
            _install(cls, "__hash__", _hash(_key(hashed)))
        else:
            cls.__hash__ = None  # type: ignore[assignment]
    if not frozen or based:  # nothing to freeze, or dataclass() froze it (a frozen base)
        return
    _install(cls, "__setattr__", _setattr(cls, frozenset(names)))
    _install(cls, "__delattr__", _delattr(cls, frozenset(names)))
    if slots:  # pickle and copy set the slots of a frozen instance through these
        _install(cls, "__getstate__", _getstate)
        _install(cls, "__setstate__", _setstate)


def _signature_text(cls: type[Any]) -> str:
    """``str(inspect.signature(cls))`` without ``-> None``, as dataclass() puts in ``__doc__``;
    formatted here when every annotation is a string (``from __future__ import annotations``),
    which is what inspect would print, and far cheaper than building a Signature."""
    every = [f for f in fields(cls) if f.init]
    if not all(isinstance(f.type, str) for f in every):
        return str(inspect.signature(cls)).replace(" -> None", "")
    shown: list[str] = []
    starred = False
    for f in every:
        if f.kw_only and not starred:
            shown.append("*")
            starred = True
        text = f"{f.name}: {f.type!r}"
        if f.default_factory is not MISSING:
            text += f" = {_FACTORY!r}"
        elif f.default is not MISSING:
            text += f" = {f.default!r}"
        shown.append(text)
    return "(" + ", ".join(shown) + ")"


def _init(cls: type[Any], every: tuple[Field[Any], ...], *, frozen: bool) -> Any:
    """``__init__`` for these fields: the compiled code of its shape, renamed for them."""
    shape = tuple(_kind(f) for f in every)
    post_init = hasattr(cls, "__post_init__")
    template = _init_template(shape, post_init, frozen)
    code = template.__code__
    placeholders = _placeholders(len(every))
    renamed = dict(zip(placeholders, (f.name for f in every), strict=True))
    varnames = tuple(renamed.get(name, name) for name in code.co_varnames)
    consts = tuple(renamed.get(c, c) if isinstance(c, str) else c for c in code.co_consts)
    attributes = tuple(renamed.get(name, name) for name in code.co_names)
    code = code.replace(
        co_varnames=varnames,
        co_consts=consts,
        co_names=attributes,
        co_filename=f"<record {cls.__qualname__}>",
    )
    scope: dict[str, Any] = {"__setter": object.__setattr__, "__factory": _FACTORY}
    positional_defaults: list[Any] = []
    keyword_defaults: dict[str, Any] = {}
    for index, f in enumerate(every):
        if f.init and not f.kw_only and positional_defaults and _required(f):
            raise TypeError(f"non-default argument {f.name!r} follows default argument")
        if f.default_factory is not MISSING:
            scope[f"__f_{index}"] = f.default_factory
            default: Any = _FACTORY
        elif f.default is not MISSING:
            scope[f"__d_{index}"] = f.default
            default = f.default
        else:
            continue
        if not f.init:
            continue
        if f.kw_only:
            keyword_defaults[f.name] = default
        else:
            positional_defaults.append(default)
    made = FunctionType(code, scope, "__init__", tuple(positional_defaults) or None)
    made.__kwdefaults__ = keyword_defaults or None
    return made


def _required(f: Field[Any]) -> bool:
    return f.default is MISSING and f.default_factory is MISSING


def _kind(f: Field[Any]) -> tuple[str, bool]:
    # Every argument has the same code (its default is the function's, and a factory's
    # marker is checked for all of them), so that classes share templates by field count.
    if f.init:
        kind = "argument"
    elif f.default_factory is not MISSING:
        kind = "factory"
    elif f.default is not MISSING:
        kind = "default"
    else:
        kind = "unset"
    return kind, bool(f.kw_only)


def _placeholders(count: int) -> tuple[str, ...]:
    return tuple(f"_record_field_{index}" for index in range(count))


@functools.cache
def _init_template(shape: tuple[tuple[str, bool], ...], post_init: bool, frozen: bool) -> Any:
    """One compile per shape of fields (most records share a few): names are placeholders,
    renamed per class by :func:`_init`; defaults are given to the function, not the code."""
    positional: list[str] = []
    keyword: list[str] = []
    body: list[str] = []
    for index, (name, (kind, kw_only)) in enumerate(
        zip(_placeholders(len(shape)), shape, strict=True)
    ):
        if kind == "unset":  # init=False without a default: left unset, as dataclass() does
            continue
        if kind == "factory":
            value = f"__f_{index}()"
        elif kind == "default":
            value = f"__d_{index}"
        else:  # only a field with a default_factory has the marker as its default
            value = f"{name} if {name} is not __factory else __f_{index}()"
            (keyword if kw_only else positional).append(name)
        # As dataclass(): a frozen instance is set through object.__setattr__, another by
        # assignment (which a property or a __setattr__ of the class then sees).
        body.append(
            f"  __setter(self, {name!r}, {value})" if frozen else f"  self.{name} = {value}"
        )
    if post_init:
        body.append("  self.__post_init__()")
    arguments = ", ".join(["self", *positional, *(["*", *keyword] if keyword else [])])
    source = "\n".join([f"def __init__({arguments}):", *(body or ["  pass"])])
    scope: dict[str, Any] = {}
    exec(compile(source, "<record>", "exec"), scope)
    return scope["__init__"]


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


_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "__lt__": operator.lt,
    "__le__": operator.le,
    "__gt__": operator.gt,
    "__ge__": operator.ge,
}


def _ordered(
    key: Callable[[Any], tuple[Any, ...]], compare: Callable[[Any, Any], bool]
) -> Callable[[Any, Any], Any]:
    def method(self: Any, other: Any) -> Any:
        if other.__class__ is self.__class__:
            return compare(key(self), key(other))
        return NotImplemented

    return method


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
