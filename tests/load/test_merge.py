"""Helm's merges: laws, provenance, and Helm's own SDK as the oracle."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ciliumdrift.load.merge import coalesce, merge_maps
from ciliumdrift.load.tree import Node, from_plain, to_plain
from ciliumdrift.model import Layer, Origin

_KEYS = st.sampled_from(["a", "b", "c"])
_LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.sampled_from(["x", "", "y"]),
    st.lists(st.integers(0, 3), max_size=2),
)
_TREES = st.recursive(
    _LEAVES, lambda inner: st.dictionaries(_KEYS, inner, max_size=3), max_leaves=8
)
_MAPS = st.dictionaries(_KEYS, _TREES, max_size=3)


def nodes(
    value: dict[str, Any], layer: Layer = Layer.VALUES_FILE, tag: str = ""
) -> dict[str, Node]:
    root = from_plain(value, lambda path: Origin(layer, key=".".join(path), detail=tag))
    assert isinstance(root.value, dict)
    return root.value


def plain(entries: dict[str, Node]) -> Any:
    return to_plain(Node(entries, Origin(Layer.VALUES_FILE)))


def warn(_message: str, _node: Node) -> None:
    return None


@given(a=_MAPS, b=_MAPS)
def test_merge_laws(a: dict[str, Any], b: dict[str, Any]) -> None:
    merged = plain(merge_maps(nodes(a), nodes(b)))
    for key, value in b.items():
        if isinstance(value, dict) and isinstance(a.get(key), dict):
            assert isinstance(merged[key], dict)  # maps merge
        else:
            assert merged[key] == value  # scalars, lists and nulls of the later file replace
    for key in a.keys() - b.keys():
        assert merged[key] == a[key]


@given(defaults=_MAPS, user=_MAPS)
def test_coalesce_laws(defaults: dict[str, Any], user: dict[str, Any]) -> None:
    merged = plain(coalesce(nodes(defaults, Layer.CHART_DEFAULT), nodes(user), warn))
    for key, value in user.items():
        if value is None and key in defaults:
            assert key not in merged  # a top-level null deletes the chart default
        elif isinstance(value, list):
            assert merged[key] == value  # lists are replaced, never merged
    for key in defaults.keys() - user.keys():
        if defaults[key] is None:
            assert key not in merged  # the chart's own nulls are dropped (cleanNilValues)
        else:
            assert merged[key] == _clean(defaults[key])


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if v is not None}
    return value


@given(defaults=_MAPS, user=_MAPS)
def test_coalesce_never_mutates_inputs(defaults: dict[str, Any], user: dict[str, Any]) -> None:
    d, u = nodes(defaults), nodes(user)
    coalesce(d, u, warn)
    assert plain(d) == defaults and plain(u) == user


@given(defaults=_MAPS, user=_MAPS)
def test_provenance_follows_the_winning_layer(
    defaults: dict[str, Any], user: dict[str, Any]
) -> None:
    merged = coalesce(nodes(defaults, Layer.CHART_DEFAULT), nodes(user, Layer.VALUES_FILE), warn)
    for key, node in merged.items():
        if key in user and not isinstance(user[key], dict):
            assert node.origin.layer is Layer.VALUES_FILE
        if key not in user:
            assert node.origin.layer is Layer.CHART_DEFAULT


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(defaults=_MAPS, user=_MAPS)
def test_coalesce_matches_helm(helm: Any, defaults: dict[str, Any], user: dict[str, Any]) -> None:
    ours = plain(coalesce(nodes(defaults, Layer.CHART_DEFAULT), nodes(user), warn))
    assert ours == helm.coalesce(defaults, user)


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(layers=st.lists(_MAPS, min_size=1, max_size=4))
def test_values_file_layers_match_helm(helm: Any, layers: list[dict[str, Any]]) -> None:
    """-f layers merge like the documents of one values file (both use Helm's MergeMaps)."""
    ours: dict[str, Node] = {}
    for layer in layers:
        ours = merge_maps(ours, nodes(layer))
    theirs = helm.chart_values("\n---\n".join(json.dumps(layer) for layer in layers))
    assert plain(ours) == theirs
