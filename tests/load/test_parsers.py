"""libyaml's C parser and ruamel's pure one build the same trees, or libyaml defers to ruamel.

The reader builds from libyaml's events when PyYAML has libyaml (start-up: a values file
parses in a twentieth of the time) and from ruamel's otherwise. Every YAML file of the
repository (corpus, real-world cases, examples, data) and generated texts must give the same
nodes, positions, styles and tags both ways, or the same error.

One difference is known and kept: an empty value (``key:`` and nothing else) is a scalar
that libyaml places right after the colon, on the key's line, and ruamel at the next token
(often the next key, lines below). The reader reports libyaml's, the better of the two; the
comparison leaves out the position of empty values only.
"""

from __future__ import annotations

import io
from pathlib import Path
from unittest import mock

import pytest
import yaml as pyyaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from ciliumdrift.errors import YamlError
from ciliumdrift.load import yaml as reader
from ciliumdrift.load.yaml import YamlNode, load_yaml_documents
from ciliumdrift.textio import decode
from tests.conftest import REPO
from tests.realworld.test_limits import _TREES

FILES = sorted(
    path
    for folder in ("tests", "examples", "ciliumdrift/data")
    for pattern in ("*.yaml", "*.yml")
    for path in (REPO / folder).rglob(pattern)
)


def _shape(node: YamlNode | None) -> object:
    if node is None:
        return None
    where = (node.position.line, node.position.column)
    if node.kind == "scalar":
        if node.text == "" and node.style is None and node.tag is None:
            return ("s", "", None, None, "(empty: positions differ)")
        return ("s", node.text, node.style, node.tag, where)
    if node.kind == "seq":
        return ("q", node.flow, where, [_shape(i) for i in node.items])
    return ("m", node.flow, where, [(_shape(k), _shape(v)) for k, v in node.entries])


def _read(text: str) -> object:
    try:
        documents = load_yaml_documents(text, "f.yaml", lenient=True)
    except YamlError as error:
        return ("refused", str(error))
    return [
        (_shape(d.root), d.position, [(_shape(a), _shape(b)) for a, b in d.duplicates])
        for d in documents
    ]


def _with_ruamel(text: str) -> object:
    with mock.patch.object(reader, "_c_events", return_value=None):
        return _read(text)


def test_libyaml_is_there() -> None:
    """Otherwise the comparison below compares ruamel with itself."""
    assert pyyaml.__with_libyaml__
    assert reader._c_events("a: 1") is not None


def test_the_repository_has_yaml_files_to_compare() -> None:
    assert len(FILES) > 100


def test_an_empty_value_is_on_the_line_of_its_key() -> None:
    (document,) = load_yaml_documents("a:\n# comment\nb: 1\n", "f.yaml")
    assert document.root is not None
    key, value = document.root.entries[0]
    assert (value.text, value.position.line) == ("", key.position.line)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_both_parsers_read_every_file_alike(path: Path) -> None:
    text = decode(path.read_bytes(), str(path))
    assert _read(text) == _with_ruamel(text)


@pytest.mark.parametrize(
    "text",
    [
        "a: {b: :c}\n",  # libyaml refuses, ruamel reads: ruamel decides (a small text)
        "a: 1\na: 2\n",
        "a:\n\tb: 1\n",
        "a: *x\n",
        "a: &x [1, 2]\nb: *x\nc: !!str 3\nd: |\n  text\n  more\ne: 'q'\nf: \"w\"\n",
        "---\na: 1\n...\n---\n- x\n",
        "a: é\nb: ü: x\n",
        "a:\n# comment\nb: 1\n",
    ],
)
def test_both_parsers_read_edge_cases_alike(text: str) -> None:
    assert _read(text) == _with_ruamel(text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    tree=st.dictionaries(st.text(alphabet="abk", min_size=1, max_size=4), _TREES, max_size=6),
    flow=st.sampled_from([None, False, True]),
)
def test_both_parsers_read_generated_texts_alike(
    tree: dict[str, object], flow: bool | None
) -> None:
    stream = io.StringIO()
    dumper = YAML(typ="safe", pure=True)
    dumper.default_flow_style = flow
    dumper.dump(tree, stream)
    text = stream.getvalue()
    assert _read(text) == _with_ruamel(text)
