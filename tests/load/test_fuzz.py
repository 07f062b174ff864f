"""Loaders raise only CiliumdriftError, and provenance points at the text holding each value."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ciliumdrift.errors import CiliumdriftError
from ciliumdrift.load import load_talos, load_values
from ciliumdrift.load.setflags import SetFlag
from ciliumdrift.model import Layer

_YAMLISH = st.text(
    alphabet=st.sampled_from(list("ab:- \n\t[]{}&*!|>'\"#,?%@`~01\\\r\ufeff")), max_size=60
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=_YAMLISH)
def test_only_ciliumdrift_errors_escape(tmp_path: Path, text: str) -> None:
    path = tmp_path / "f.yaml"
    path.write_text(text, encoding="utf-8")
    for load in (lambda: load_values([str(path)], chart="none"), lambda: load_talos([str(path)])):
        try:
            load()
        except CiliumdriftError as error:
            assert "\n" not in str(error)


@settings(max_examples=150, deadline=None)
@given(
    text=st.text(max_size=30),
    kind=st.sampled_from(
        [Layer.SET, Layer.SET_STRING, Layer.SET_JSON, Layer.SET_FILE, Layer.SET_LITERAL]
    ),
)
def test_flags_raise_only_ciliumdrift_errors(text: str, kind: Layer) -> None:
    try:
        load_values([], set_flags=[SetFlag(kind, text)], chart="none")
    except CiliumdriftError as error:
        assert "\n" not in str(error)


_YAML11_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}
_KEY = st.from_regex(r"\A[a-z][a-zA-Z]{0,6}\Z").filter(lambda k: k.lower() not in _YAML11_WORDS)
_LEAF = st.one_of(
    st.booleans(), st.integers(-1000, 1000), st.from_regex(r"\A[a-z][a-z0-9./-]{0,8}\Z")
)
_TREE = st.recursive(
    _LEAF, lambda inner: st.dictionaries(_KEY, inner, min_size=1, max_size=3), max_leaves=10
)


def _block(value: dict[str, Any], indent: int = 0) -> str:
    lines = []
    for key, child in value.items():
        if isinstance(child, dict):
            lines.append(" " * indent + f"{key}:")
            lines.append(_block(child, indent + 2))
        else:
            lines.append(" " * indent + f"{key}: {json.dumps(child)}")
    return "\n".join(lines)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(tree=st.dictionaries(_KEY, _TREE, min_size=1, max_size=4))
def test_provenance_points_at_the_text_that_holds_the_value(
    tmp_path: Path, tree: dict[str, Any]
) -> None:
    text = _block(tree) + "\n"
    path = tmp_path / "v.yaml"
    path.write_text(text)
    values = load_values([str(path)], chart="none")
    assert values.values == tree
    lines = text.splitlines()
    for key, value in values.items():
        origin = values.origin(key)
        assert origin.position is not None and origin.position.file == str(path)
        held = lines[origin.position.line - 1][origin.position.column - 1 :]
        assert held == json.dumps(value)
