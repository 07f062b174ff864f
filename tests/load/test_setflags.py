"""--set family: Helm's grammar and typing, checked against Helm's own parser."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ciliumdrift.errors import ValuesError
from ciliumdrift.load import SetFlag, set_flags_from_options
from ciliumdrift.load.setflags import apply_set_flag, typed_value
from ciliumdrift.load.tree import Node, to_plain
from ciliumdrift.model import Layer, Origin


def parse(kind: Layer, text: str, reader: Any = None) -> Any:
    data: dict[str, Node] = {}
    apply_set_flag(SetFlag(kind, text), data, read_file=reader)
    return to_plain(Node(data, Origin(kind)))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a=true", {"a": True}),
        ("a=TRUE", {"a": True}),
        ("a=null", {"a": None}),
        ("a=0", {"a": 0}),
        ("a=01", {"a": "01"}),
        ("a=0x1", {"a": "0x1"}),
        ("a=1e3", {"a": "1e3"}),
        ("a=1.5", {"a": "1.5"}),
        ("a=-1", {"a": -1}),
        ("a=+5", {"a": 5}),
        ("a=yes", {"a": "yes"}),
        ("a=9223372036854775808", {"a": "9223372036854775808"}),
        ("a=", {"a": ""}),
        ("a={x, y}", {"a": ["x", " y"]}),
        ("a=[]", {"a": "[]"}),
        ("list[0]=foo,list[3]=bar", {"list": ["foo", None, None, "bar"]}),
        ("name=value1\\,value2", {"name": "value1,value2"}),
        (
            "nodeSelector.kubernetes\\.io/role=master",
            {"nodeSelector": {"kubernetes.io/role": "master"}},
        ),
        (
            "servers[0].port=80,servers[0].host=example",
            {"servers": [{"port": 80, "host": "example"}]},
        ),
        ("a[0][1]=x", {"a": [[None, "x"]]}),
    ],
)
def test_set_typing_and_grammar(text: str, expected: Any) -> None:
    assert parse(Layer.SET, text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a", "has no value"),
        ("a,b=c", "cannot end with ,"),
        ("a.=b", "key map"),
        ("a[-1]=x", "negative -1 index"),
        ("a[65537]=x", "maximum supported index"),
        ("a=1,a.b=2", "unable to parse key"),
        ("a={b", "list must terminate"),
        (".".join("k" * 1 for _ in range(32)) + "=1", "nested level"),
    ],
)
def test_set_errors_name_the_flag(text: str, message: str) -> None:
    with pytest.raises(ValuesError) as caught:
        parse(Layer.SET, text)
    assert message in str(caught.value)
    assert str(caught.value).startswith("--set:1:")
    assert "\n" not in str(caught.value)


def test_other_kinds() -> None:
    assert parse(Layer.SET_STRING, "a=true,b=1,c=null") == {"a": "true", "b": "1", "c": "null"}
    assert parse(Layer.SET_JSON, 'a={"b":[1,2.5,null]},c=') == {
        "a": {"b": [1, 2.5, None]},
        "c": None,
    }
    assert parse(Layer.SET_JSON, "a=1e3,b=12345678901234567890") == {
        "a": 1000,
        "b": 12345678901234567000,
    }
    assert parse(Layer.SET_LITERAL, "a.b=x,y=z\\q") == {"a": {"b": "x,y=z\\q"}}
    assert parse(Layer.SET_FILE, "cfg=some/path", reader=lambda p: f"content of {p}") == {
        "cfg": "content of some/path"
    }
    with pytest.raises(ValuesError, match="invalid JSON"):
        parse(Layer.SET_JSON, "a=NaN")


def test_helm_application_order_not_argv_order() -> None:
    flags = set_flags_from_options(
        set=["a=2"], set_string=["a=1"], set_json=['a="y"'], set_literal=["b=l"], set_file=[]
    )
    assert [f.kind for f in flags] == [
        Layer.SET_JSON,
        Layer.SET,
        Layer.SET_STRING,
        Layer.SET_LITERAL,
    ]
    data: dict[str, Node] = {}
    for flag in flags:
        apply_set_flag(flag, data)
    assert to_plain(Node(data, Origin(Layer.SET))) == {"a": "1", "b": "l"}
    assert data["a"].origin.detail == "--set-string a=1"


def test_origins_name_the_flag_for_every_key() -> None:
    data: dict[str, Node] = {}
    apply_set_flag(SetFlag(Layer.SET, "bpf.masquerade=true"), data)
    assert data["bpf"].origin.layer is Layer.SET
    assert data["bpf"].value["masquerade"].origin.key == "bpf.masquerade"
    assert data["bpf"].value["masquerade"].origin.describe() == "--set bpf.masquerade=true"


# -- differential against Helm ---------------------------------------------------------------
_TOKENS = st.sampled_from(
    [
        "1",
        "0",
        "01",
        "-3",
        "+4",
        "true",
        "False",
        "NULL",
        "null",
        "yes",
        "1e3",
        "0x1",
        "1.5",
        "",
        " x",
        "a\\,b",
        "{p,q}",
        "{}",
        "{a}",
        "{1,true}",
        "9223372036854775807",
        "9223372036854775808",
        "x=y",
        "\\",
        "[]",
        "~",
    ]
)
_NAMES = st.sampled_from(["a", "b", "c", "k\\.d", ""])


@st.composite
def _paths(draw: st.DrawFn) -> str:
    parts = [draw(_NAMES)]
    for _ in range(draw(st.integers(0, 3))):
        if draw(st.booleans()):
            parts.append("." + draw(_NAMES))
        else:
            parts.append(f"[{draw(st.integers(-1, 3))}]")
    return "".join(parts)


_EXPRESSIONS = st.lists(st.tuples(_paths(), _TOKENS), min_size=1, max_size=4).map(
    lambda pairs: ",".join(f"{k}={v}" for k, v in pairs)
)


def _outcome(call: Any) -> Any:
    try:
        return ("ok", call())
    except Exception:
        return ("error", None)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(expression=_EXPRESSIONS)
@example(expression="a[0]=1,a[0].a=")  # a scalar replaced by a map, then the flag ends
@example(expression="a[0][0]=1,a[0][0].a=")
def test_set_matches_helm(helm: Any, expression: str) -> None:
    ours = _outcome(lambda: parse(Layer.SET, expression))
    theirs = _outcome(lambda: helm.helm.parse_set_string(expression))
    assert ours == theirs


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(expression=_EXPRESSIONS)
def test_set_string_and_literal_match_helm(helm: Any, expression: str) -> None:
    assert _outcome(lambda: parse(Layer.SET_STRING, expression)) == _outcome(
        lambda: helm.helm.parse_set_string_values(expression)
    )
    assert _outcome(lambda: parse(Layer.SET_LITERAL, expression)) == _outcome(
        lambda: helm.helm.parse_set_literal(expression)
    )


_JSON_VALUES = st.sampled_from(
    [
        "1",
        "1.0",
        "1e3",
        '"s"',
        "null",
        "",
        " ",
        "true",
        '[1,"a",null]',
        '{"x":{"y":2}}',
        "NaN",
        "1e400",
        "tru",
        '"a,b"',
        "12345678901234567890",
        "-0",
        "0.1",
        "[]",
        "{}",
        '"\\u00e9"',
    ]
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(pairs=st.lists(st.tuples(_paths(), _JSON_VALUES), min_size=1, max_size=3))
def test_set_json_matches_helm(helm: Any, pairs: list[tuple[str, str]]) -> None:
    expression = ",".join(f"{k}={v}" for k, v in pairs)
    assert _outcome(lambda: parse(Layer.SET_JSON, expression)) == _outcome(
        lambda: helm.helm.parse_set_json(expression)
    )


# -- round trip ------------------------------------------------------------------------------
_SCALARS = st.one_of(
    st.booleans(),
    st.none(),
    st.integers(-(2**63), 2**63 - 1),
    st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=12),
)


def _escape(text: str) -> str:
    return "".join("\\" + c if c in ",\\{}=.[" else c for c in text)


@given(value=_SCALARS)
def test_round_trip_value_to_flag_and_back(value: Any) -> None:
    """value -> --set-string/--set flag -> parse -> same value (strings, ints, bools, null)."""
    if isinstance(value, str):
        assert parse(Layer.SET_STRING, f"k={_escape(value)}") == {"k": value}
        flag_text = f"k={_escape(value)}"
        assert parse(Layer.SET, flag_text)["k"] == typed_value(value)
    else:
        text = "null" if value is None else str(value).lower()
        assert parse(Layer.SET, f"k={text}") == {"k": value}
