"""The one YAML reader: positions, YAML 1.1 typing as Helm does it, and every bad input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ciliumdrift.errors import InputError, ValuesError, YamlError
from ciliumdrift.load import load_values
from ciliumdrift.load.scalars import helm_scalar
from ciliumdrift.load.written import read_documents
from ciliumdrift.load.yaml import MAX_DEPTH, load_yaml_documents

from .conftest import write


def _key_positions(text: str) -> dict[str, str]:
    """Dotted key -> ``file:line:column`` of the key, as lint sees a values file."""
    (document,) = read_documents("f.yaml", text)
    return {entry.dotted: str(entry.key.position) for entry in document.entries()}


def test_positions_are_one_based_and_survive_crlf_and_bom() -> None:
    text = "\ufeffa:\r\n  b: 1\r\n  c: [x, y]\r\n"
    from ciliumdrift.textio import decode

    decoded = decode(text.encode("utf-8"), "f.yaml")
    assert _key_positions(decoded) == _key_positions("a:\n  b: 1\n  c: [x, y]\n")
    assert _key_positions(decoded) == {"a": "f.yaml:1:1", "a.b": "f.yaml:2:3", "a.c": "f.yaml:3:3"}


BAD_INPUTS = {
    "broken": ("a: b: c\n", "mapping values are not allowed", (1, 5)),
    "conflict": (
        "a: 1\n<<<<<<< HEAD\nb: 2\n=======\nb: 3\n>>>>>>> branch\n",
        "merge-conflict",
        (2, 1),
    ),
    "duplicate": ("a: 1\nb: 2\na: 3\n", "duplicate key 'a'", (3, 1)),
    "tab": ("a:\n\tb: 1\n", "tab", (2, 1)),
    "bom-inside": ("a: 1\n\ufeffb: 2\n", "byte-order mark", (2, 1)),
    "undefined-alias": ("a: *nope\n", "alias (*name) names no earlier anchor", (1, 4)),
    "unterminated": ('a: "abc\n', "", (2, 1)),
    "control": ("a: \x07\n", "not allowed", (1, 4)),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_yaml_is_one_line_with_position(case: str, tmp_path: Path) -> None:
    text, message, (line, column) = BAD_INPUTS[case]
    path = write(tmp_path, f"{case}.yaml", text)
    with pytest.raises(YamlError) as caught:
        load_values([path], chart="none")
    error = caught.value
    assert message in error.message
    assert error.position is not None
    assert (error.position.line, error.position.column)[: 1 if case == "unterminated" else 2] == (
        (line, column)[: 1 if case == "unterminated" else 2]
    )
    assert "\n" not in str(error) and str(error).startswith(path + ":")


def test_alias_bomb_is_refused_fast() -> None:
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]']
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 10)]
    with pytest.raises(YamlError, match="YAML bomb") as caught:
        load_yaml_documents("\n".join(lines), "bomb.yaml")
    assert caught.value.position is not None and caught.value.position.line > 1


@pytest.mark.parametrize("shape", ["flow", "block"])
def test_ten_thousand_deep_nesting(shape: str) -> None:
    text = "[" * 10_000 + "]" * 10_000 if shape == "flow" else "- " * 10_000 + "x\n"
    with pytest.raises(YamlError, match=f"deeper than {MAX_DEPTH}"):
        load_yaml_documents(text, "deep.yaml")


def test_size_limit_and_binary(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text("a: " + "x" * (5 * 1024 * 1024) + "\n")
    with pytest.raises(InputError, match="MiB limit"):
        load_values([str(big)], chart="none")
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"a: 1\n\x00\x01\x02")
    with pytest.raises(InputError, match="binary") as caught:
        load_values([str(binary)], chart="none")
    assert str(caught.value).startswith(f"{binary}:2:1:")


@pytest.mark.parametrize(
    ("text", "message"),
    [("- a\n- b\n", "must be a mapping, found a list"), ("just text\n", "found a scalar")],
)
def test_wrong_type_where_a_map_belongs(text: str, message: str, tmp_path: Path) -> None:
    with pytest.raises(ValuesError, match=message) as caught:
        load_values([write(tmp_path, "v.yaml", text)], chart="none")
    assert caught.value.position is not None and caught.value.position.line == 1


def test_empty_and_null_documents_are_empty_values(tmp_path: Path) -> None:
    for text in ("", "~\n", "# only a comment\n", "---\n"):
        assert load_values([write(tmp_path, "v.yaml", text)], chart="none").values == {}


def test_merge_keys_and_anchors(tmp_path: Path) -> None:
    text = "base: &b {p: 1, q: 2}\nother:\n  <<: *b\n  q: 3\ny: 1\n"
    values = load_values([write(tmp_path, "v.yaml", text)], chart="none")
    assert values.values["other"] == {"p": 1, "q": 3}
    assert values.values["true"] == 1  # go-yaml v2: the key y is the boolean true


# -- scalar typing against Helm ----------------------------------------------------------------
_PLAIN = st.one_of(
    st.sampled_from(
        [
            "yes",
            "No",
            "ON",
            "off",
            "y",
            "N",
            "true",
            "TRUE",
            "tRue",
            "~",
            "null",
            "Null",
            "0x1F",
            "0o17",
            "017",
            "08",
            "0b101",
            "-0b11",
            "1e3",
            "1E3",
            "1_000",
            "1__0",
            "+1",
            "-0",
            ".5",
            "1.",
            "0.1e1",
            "2001-12-14",
            "12:30:00",
            "12345678901234567890",
            "9223372036854775807",
            "-9223372036854775809",
            "1.5",
            "09.5",
            "0xFF_FF",
            "+0x1",
            "0777",
            "1e+3",
            "abc",
            "x1",
            "-",
            "+",
            ".",
            "0x",
            "0b",
            "1e",
            "e3",
        ]
    ),
    st.from_regex(r"\A[-+]?[0-9_]{1,6}(\.[0-9_]{0,3})?([eE][-+]?[0-9]{1,2})?\Z"),
    st.from_regex(r"\A[-+]?0[xXoObB][0-9a-fA-F_]{1,5}\Z"),
)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=_PLAIN)
def test_scalar_typing_matches_helm(helm: Any, text: str) -> None:
    try:
        theirs: Any = ("ok", helm.helm.values_from_yaml(f"v: {text}\n")["v"])
    except Exception:
        theirs = ("error", None)
    try:
        document = load_yaml_documents(f"v: {text}\n", "t.yaml")[0]
        assert document.root is not None
        ours: Any = ("ok", helm_scalar(document.root.entries[0][1]))
    except YamlError:
        ours = ("error", None)
    assert ours == theirs
    if ours[0] == "ok":
        assert type(ours[1]) is type(theirs[1])


def test_lenient_reading_records_the_comments_the_parser_sees() -> None:
    from ciliumdrift.load.yaml import lenient_reading

    text = (
        "# head\r\n"
        'a: "x # not a comment"  # real\r\n'
        "b: |\r\n  # block text\r\n  line\r\n"
        "# after the block\r\n"
        "c: plain#text # yes\r\n"
        "d: [1, 2] # flow\r\n"
    )
    with lenient_reading() as record:
        load_yaml_documents(text, "f.yaml")
    found = [(str(c.position), c.text) for c in record.comments["f.yaml"]]
    assert found == [
        ("f.yaml:1:1", "# head"),
        ("f.yaml:2:25", "# real"),
        ("f.yaml:6:1", "# after the block"),
        ("f.yaml:7:15", "# yes"),
        ("f.yaml:8:11", "# flow"),
    ]
    load_yaml_documents(text, "g.yaml")  # a strict read records nothing
    assert "g.yaml" not in record.comments


_COMMENT_LINES = st.lists(
    st.sampled_from(
        [
            "# a comment",
            "k: v # after a value",
            'q: "x # inside quotes" # after quotes',
            "s: plain#text",
            "f: [1, 2] # after a flow list",
            "b: |\n  # block text\n  more",
            "",
        ]
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(lines=_COMMENT_LINES, newline=st.sampled_from(["\n", "\r\n"]))
def test_each_comment_is_recorded_at_its_hash(lines: list[str], newline: str) -> None:
    from ciliumdrift.load.yaml import lenient_reading

    keyed = [line.replace(": ", f"{index}: ", 1) for index, line in enumerate(lines)]
    text = newline.join(line.replace("\n", newline) for line in keyed) + newline
    with lenient_reading() as record:
        load_yaml_documents(text, "f.yaml")
    rows = text.split("\n")
    found = record.comments.get("f.yaml", [])
    for comment in found:
        row = rows[comment.position.line - 1].rstrip("\r")
        assert row[comment.position.column - 1 :] == comment.text
    # every comment outside quotes and block text, in text order
    expected = sum(
        line.count(" #") + line.startswith("#") - ("inside" in line) - ("block" in line)
        for line in keyed
        if "#" in line
    )
    assert len(found) == expected
    assert [c.position.line for c in found] == sorted(c.position.line for c in found)


def test_a_lenient_reading_parses_each_text_once() -> None:
    from ciliumdrift.load.yaml import lenient_reading

    text = "a: 1 # one\na: 2\n"
    with lenient_reading() as record:
        first = load_yaml_documents(text, "f.yaml")
        again = load_yaml_documents(text, "f.yaml")
        elsewhere = load_yaml_documents(text, "g.yaml")  # other positions: its own parse
        with pytest.raises(YamlError, match="duplicate key 'a'"):
            load_yaml_documents(text, "f.yaml", lenient=False)  # strict is never shared
        for _ in range(2):  # a broken text: the same error, from one parse
            with pytest.raises(YamlError, match=r"b.yaml:2:1: expected ','"):
                load_yaml_documents("a: [1\n", "b.yaml")
    assert first[0].root is again[0].root and first is not again
    assert elsewhere[0].root is not first[0].root
    assert len(first[0].duplicates) == 1
    assert [c.text for c in record.comments["f.yaml"]] == ["# one"]  # recorded once
    assert len(record.parsed) == 3
    with lenient_reading():  # a new reading parses afresh
        assert load_yaml_documents(text, "f.yaml")[0].root is not first[0].root
