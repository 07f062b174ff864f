"""``@record`` behaves as ``@dataclass(frozen=True)``: the same methods, the same values.

Each case declares one class twice, with the standard library's decorator and with
``record``, and compares what users of a dataclass see: construction (positional, keyword,
defaults, default factories, keyword-only fields, ``__post_init__``), repr, equality, hash,
immutability, ``fields``/``replace``/``asdict``, ``__match_args__``, pickling and copying
(slots included), the signature and the generated docstring.
"""

from __future__ import annotations

import copy
import dataclasses
import inspect
import pickle
from dataclasses import FrozenInstanceError, field
from typing import Any, ClassVar

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ciliumdrift.records import record


def _pair(slots: bool) -> tuple[type[Any], type[Any]]:
    def body(decorate: Any) -> type[Any]:
        @decorate
        class Point:
            x: int
            y: str = "y"
            tags: tuple[str, ...] = ()
            seen: list[int] = field(default_factory=list, compare=False)
            note: str = field(default="n", repr=False)
            hidden: int = field(default=0, hash=False)
            label: str = field(default="", kw_only=True)

        return Point

    return (
        body(dataclasses.dataclass(frozen=True, slots=slots)),
        body(record(slots=True) if slots else record),
    )


@record(slots=True)
class SlotPoint:
    x: int
    y: str = "y"
    tags: tuple[str, ...] = ()


@record
class DictPoint:
    x: int
    y: str = "y"
    tags: tuple[str, ...] = ()


SLOTS = [False, True]
VALUES = st.tuples(st.integers(), st.text(max_size=5), st.lists(st.text(max_size=3), max_size=3))


def _same_repr(theirs: Any, ours: Any) -> None:
    assert repr(theirs) == repr(ours)


@pytest.mark.parametrize("slots", SLOTS)
@given(one=VALUES, two=VALUES)
def test_the_methods_compute_what_dataclass_computes(
    slots: bool, one: tuple[int, str, list[str]], two: tuple[int, str, list[str]]
) -> None:
    Theirs, Ours = _pair(slots)
    for a, b in ((one, two), (one, one)):
        ta, tb = Theirs(a[0], a[1], tuple(a[2])), Theirs(b[0], b[1], tuple(b[2]), label="l")
        oa, ob = Ours(a[0], a[1], tuple(a[2])), Ours(b[0], b[1], tuple(b[2]), label="l")
        _same_repr(ta, oa)
        _same_repr(tb, ob)
        assert (ta == tb) == (oa == ob)
        assert hash(ta) == hash(oa) and hash(tb) == hash(ob)
        assert dataclasses.asdict(ta) == dataclasses.asdict(oa)
        assert dataclasses.astuple(tb) == dataclasses.astuple(ob)


@pytest.mark.parametrize("slots", SLOTS)
def test_construction_defaults_and_factories(slots: bool) -> None:
    Theirs, Ours = _pair(slots)
    theirs, ours = Theirs(1), Ours(1)
    assert dataclasses.astuple(theirs) == dataclasses.astuple(ours) == (1, "y", (), [], "n", 0, "")
    assert ours.seen is not Ours(1).seen  # a new list each time, as default_factory says
    assert Ours(x=2, y="a", label="b") == Ours(2, "a", label="b")
    assert Ours(1, seen=[5]).seen == [5]
    assert Ours(1) == Ours(1, seen=[9])  # compare=False
    assert Ours(1, hidden=1) != Ours(1, hidden=2) and hash(Ours(1, hidden=1)) == hash(Ours(1))
    for bad in ((), (1, 2, 3, 4, 5, 6, 7, 8)):
        with pytest.raises(TypeError):
            Theirs(*bad)
        with pytest.raises(TypeError):
            Ours(*bad)
    with pytest.raises(TypeError):
        Ours(1, "y", (), [], "n", 0, "positional label")  # keyword-only
    assert str(inspect.signature(Theirs)) == str(inspect.signature(Ours))
    assert Theirs.__doc__ == Ours.__doc__
    assert Theirs.__match_args__ == Ours.__match_args__
    assert [f.name for f in dataclasses.fields(Theirs)] == [
        f.name for f in dataclasses.fields(Ours)
    ]


@pytest.mark.parametrize("slots", SLOTS)
def test_frozen_replace_copy_and_pickle(slots: bool) -> None:
    Ours = SlotPoint if slots else DictPoint
    point = Ours(1, "a", ("t",))
    with pytest.raises(FrozenInstanceError):
        point.x = 2
    with pytest.raises(FrozenInstanceError):
        del point.y
    assert dataclasses.replace(point, x=3) == Ours(3, "a", ("t",))
    assert copy.copy(point) == point and copy.deepcopy(point) == point
    assert pickle.loads(pickle.dumps(point)) == point
    assert hasattr(point, "__dict__") is not slots
    assert point != (1, "a", ("t",)) and point.__eq__(object()) is NotImplemented


def test_post_init_inheritance_and_own_methods() -> None:
    calls: list[int] = []

    @record
    class Base:
        a: int

        def __post_init__(self) -> None:
            calls.append(self.a)

    @record
    class Child(Base):
        b: int = 2

        def __repr__(self) -> str:
            return "mine"

    child = Child(1)
    assert calls == [1] and (child.a, child.b) == (1, 2) and repr(child) == "mine"
    assert Child(1) == Child(1) and Child(1) != Base(1)
    with pytest.raises(FrozenInstanceError):
        child.b = 3


def test_dataclasses_and_records_inherit_from_each_other_as_frozen_ones_do() -> None:
    @dataclasses.dataclass(frozen=True)
    class Theirs(DictPoint):
        z: int = 0

    @record(slots=True)
    class Ours(Theirs):
        w: int = 1

    ours = Ours(1, z=2)
    assert (ours.x, ours.z, ours.w) == (1, 2, 1) and Ours(1, z=2) == ours
    assert dataclasses.replace(ours, w=5).w == 5 and copy.deepcopy(ours) == ours
    with pytest.raises(FrozenInstanceError):
        ours.z = 3

    @dataclasses.dataclass
    class Mutable:
        a: int = 0

    with pytest.raises(TypeError):
        record(type("Frozen", (Mutable,), {"__annotations__": {"b": int}, "b": 1}))
    with pytest.raises(TypeError):
        dataclasses.dataclass(type("Loose", (DictPoint,), {"__annotations__": {"b": int}}))


def test_a_record_refers_to_itself_without_recursion() -> None:
    boxes = []
    for decorate in (dataclasses.dataclass(frozen=True), record):

        @decorate
        class Box:
            items: list[Any]

        box = Box([])
        box.items.append(box)
        boxes.append(box)
    assert repr(boxes[0]) == repr(boxes[1])
    assert repr(boxes[1]).endswith(".Box(items=[...])")


def test_classes_of_one_shape_keep_their_own_names_and_defaults() -> None:
    # Both share one compiled __init__ (same shape of fields): each must get its own names.
    @record
    class Left:
        a: int
        b: str = "left"

    @record(slots=True)
    class Right:
        first: int
        second: str = "right"

    assert (Left(1).a, Left(1).b) == (1, "left")
    assert (Right(2).first, Right(2).second) == (2, "right")
    assert Left(b="x", a=3) == Left(3, "x")
    assert str(inspect.signature(Right)) == "(first: 'int', second: 'str' = 'right') -> None"
    with pytest.raises(TypeError):
        Right(1, "a", "too many")


def test_a_required_field_after_a_default_is_refused_as_dataclass_refuses_it() -> None:
    with pytest.raises(TypeError, match="non-default argument 'b' follows default argument"):

        @record
        class Wrong:
            a: int = 0
            b: int


OPTIONS = [
    {"frozen": False},
    {"frozen": False, "eq": False},
    {"frozen": True, "order": True},
    {"frozen": False, "order": True},
    {"frozen": True, "order": True, "slots": True},
]


def _declared(decorate: Any) -> type[Any]:
    @decorate
    class Item:
        name: str
        size: int = 0
        parts: tuple[str, ...] = field(default_factory=tuple)
        note: str = field(default="", compare=False)

    return Item


@pytest.mark.parametrize("options", OPTIONS, ids=str)
@given(
    one=st.tuples(st.text(max_size=3), st.integers()),
    two=st.tuples(st.text(max_size=3), st.integers()),
)
def test_mutable_and_ordered_records_behave_as_dataclass(
    options: dict[str, bool], one: tuple[str, int], two: tuple[str, int]
) -> None:
    Theirs, Ours = _declared(dataclasses.dataclass(**options)), _declared(record(**options))
    ta, tb, oa, ob = Theirs(*one), Theirs(*two, note="x"), Ours(*one), Ours(*two, note="x")
    assert repr(ta) == repr(oa) and repr(tb) == repr(ob)
    assert (ta == tb) == (oa == ob) and (ta == Theirs(*one)) == (oa == Ours(*one))
    assert (Theirs.__hash__ is None) == (Ours.__hash__ is None)
    if Theirs.__hash__ is not None and options.get("eq", True):
        assert hash(ta) == hash(oa)
    if options.get("order"):
        for op in ("__lt__", "__le__", "__gt__", "__ge__"):
            assert getattr(ta, op)(tb) == getattr(oa, op)(ob)
        assert sorted([tb, ta]) == sorted([tb, ta]) and [x.name for x in sorted([ob, oa])] == [
            x.name for x in sorted([tb, ta])
        ]
    else:
        with pytest.raises(TypeError):
            _ = oa < ob  # type: ignore[operator]
    if not options.get("frozen"):
        oa.size = 5
        assert oa.size == 5
    else:
        with pytest.raises(FrozenInstanceError):
            oa.size = 5
    assert str(inspect.signature(Theirs)) == str(inspect.signature(Ours))
    assert Theirs.__doc__ == Ours.__doc__
    params = ("eq", "order", "frozen")
    assert [getattr(Theirs.__dataclass_params__, p) for p in params] == [
        getattr(Ours.__dataclass_params__, p) for p in params
    ]


def test_a_mutable_record_sets_fields_by_assignment_as_dataclass_does() -> None:
    seen: list[str] = []

    @record(frozen=False)
    class Watched:
        value: int

        def __setattr__(self, name: str, value: Any) -> None:
            seen.append(name)
            object.__setattr__(self, name, value)

    Watched(1)
    assert seen == ["value"]


def test_order_without_eq_and_mixed_frozen_inheritance_are_refused() -> None:
    with pytest.raises(ValueError, match="eq must be true if order is true"):
        record(eq=False, order=True)
    with pytest.raises(TypeError, match="non-frozen dataclass from a frozen one"):

        @record(frozen=False)
        class Child(SlotPoint):  # type: ignore[misc]
            extra: int = 0


_FIELD_ATTRIBUTES = ("name", "type", "default", "default_factory", "init", "repr", "hash")
_FIELD_ATTRIBUTES += ("compare", "metadata", "kw_only")


@pytest.mark.parametrize("slots", SLOTS)
def test_the_fields_and_class_attributes_are_dataclass_s(slots: bool) -> None:
    Theirs, Ours = _pair(slots)
    for theirs, ours in zip(dataclasses.fields(Theirs), dataclasses.fields(Ours), strict=True):
        for name in _FIELD_ATTRIBUTES:
            assert getattr(theirs, name) == getattr(ours, name), name
    for name in ("x", "y", "tags", "seen", "note", "hidden", "label"):
        assert hasattr(Theirs, name) == hasattr(Ours, name), name
        if not slots and hasattr(Theirs, name):
            assert getattr(Theirs, name) == getattr(Ours, name)
    assert getattr(Theirs, "__slots__", None) == getattr(Ours, "__slots__", None)
    assert dataclasses.is_dataclass(Ours) and dataclasses.is_dataclass(Ours(1))

    @dataclasses.dataclass(frozen=True)
    class Sub(Ours):  # dataclass() reads a record's fields and params as its own
        extra: int = 9

    assert [f.name for f in dataclasses.fields(Sub)][-1] == "extra"
    assert Sub(1).extra == 9 and Sub(1).y == "y"


def test_what_only_dataclass_interprets_is_left_to_it() -> None:
    @record
    class Counted:
        count: ClassVar[int] = 0
        name: str = "n"

    assert [f.name for f in dataclasses.fields(Counted)] == ["name"]
    assert Counted.count == 0 and Counted().name == "n"


def test_declaration_errors_are_dataclass_s() -> None:
    with pytest.raises(ValueError, match="mutable default <class 'list'> for field items"):

        @record
        class Mutable:
            items: list[int] = []  # noqa: RUF012

    with pytest.raises(TypeError, match="'loose' is a field but has no type annotation"):

        @record
        class Loose:
            loose = field(default=1)


class _Slotted:
    __slots__ = ("shared",)


class _OneSlot:
    __slots__ = "single"


@pytest.mark.parametrize("base", [_Slotted, _OneSlot])
def test_slots_a_base_already_has_are_not_declared_again(base: type[Any]) -> None:
    def declare(decorate: Any) -> type[Any]:
        @decorate
        class Child(base):  # type: ignore[valid-type, misc]
            shared: int = 0
            own: str = ""

        return Child

    Theirs = declare(dataclasses.dataclass(frozen=True, slots=True))
    Ours = declare(record(slots=True))
    assert Theirs.__slots__ == Ours.__slots__
    assert Ours(1, "x").shared == 1 and not hasattr(Ours(1, "x"), "__dict__")
