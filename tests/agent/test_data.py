"""The model's data tables: the cilium-config mapping and the named version gates."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from ciliumdrift.agent.configmap import by_config_key, config_keys, keys_of_fact, verbatim_keys
from ciliumdrift.agent.facts import FACTS
from ciliumdrift.agent.gates import gate, gates
from ciliumdrift.versions import Version, version_tuple

PACKAGE = Path(__file__).resolve().parents[2] / "ciliumdrift"


def test_every_config_key_row_names_known_facts_and_a_render_kind() -> None:
    ids = {fact.id for fact in FACTS}
    for key in config_keys():
        assert key.render in ("bool", "text", "derived"), key
        assert set(key.facts) <= ids, f"{key.config} names unknown facts {set(key.facts) - ids}"
    assert len(by_config_key()) == len(config_keys()), "a cilium-config key is listed twice"


def test_facts_and_live_read_the_same_table() -> None:
    by_fact = {fact.id: fact.config_keys for fact in FACTS}
    assert by_fact["host-routing"] == (
        "kube-proxy-replacement",
        "enable-bpf-masquerade",
        "enable-host-legacy-routing",
    )
    assert keys_of_fact("masquerading") == by_fact["masquerading"]
    # Every verbatim key live compares is a key some fact or the IP families depend on.
    assert {k.config for k in verbatim_keys()} >= {"enable-bpf-masquerade", "datapath-mode"}
    assert all(k.rendered(None) is None for k in config_keys())
    derived = by_config_key()["devices"]
    assert derived.rendered("eth0") is None, "a derived key is never compared verbatim"


def test_gates_parse_and_hold_at_their_bounds() -> None:
    for found in gates().values():
        assert found.since is not None or found.until is not None, found.name
        assert found.source and found.means, found.name
        if found.since is not None:
            assert found.holds(found.since), found.name
        if found.until is not None:
            assert found.holds(found.until), found.name
            assert not found.holds(found.until.next_minor()), found.name
    assert gate("kpr-legacy-modes", "1.15.19") and not gate("kpr-legacy-modes", "1.16.0")
    assert not gate("host-dns-bpf-host-routing-fixed", "1.16.4")
    assert gate("host-dns-bpf-host-routing-fixed", "v1.16.5-abc")
    assert gate("big-tcp-veth-and-netkit-only", "1.17.9")
    assert not gate("big-tcp-veth-and-netkit-only", "1.15.0")
    with pytest.raises(KeyError, match="no version gate"):
        gate("no-such-gate", "1.18.0")


def test_every_named_gate_is_used_and_every_used_gate_exists() -> None:
    asked: set[str] = set()
    literals: set[str] = set()
    pattern = re.compile(r"gate\(\s*(?:ctx,\s*)?\"([a-z0-9-]+)\"")
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text("utf-8")
        asked.update(pattern.findall(text))
        literals.update(re.findall(r'"([a-z0-9-]+)"', text))
    assert asked <= set(gates()), f"unknown gates: {asked - set(gates())}"
    assert set(gates()) <= literals, f"gates nobody asks: {set(gates()) - literals}"


def test_no_inline_version_comparisons_in_the_package() -> None:
    """Version-dependent behaviour is a named gate, never ``minor >= (1, 16)`` inline."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Compare):
                continue
            for side in (node.left, *node.comparators):
                if (
                    isinstance(side, ast.Tuple)
                    and len(side.elts) >= 2
                    and all(
                        isinstance(e, ast.Constant) and isinstance(e.value, int) for e in side.elts
                    )
                    and getattr(side.elts[0], "value", None) == 1
                ):
                    offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert not offenders, offenders


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("v1.18.4-afda2aa9", (1, 18, 4)),
        ("6.18.0-talos", (6, 18, 0)),
        ("1.16", (1, 16)),
        ("Linux 5.15.0.1", (5, 15, 0, 1)),
        ("none", ()),
        ("", ()),
    ],
)
def test_one_version_parser(text: str, numbers: tuple[int, ...]) -> None:
    assert version_tuple(text) == numbers


def test_version_bounds_compare_minors_unless_a_patch_is_named() -> None:
    version = Version.parse("1.16.3")
    assert version is not None
    assert version.at_least("1.16") and version.at_most("1.16")
    assert not version.at_least("1.16.5") and version.at_most("1.16.5")
    assert version.next_minor() == Version((1, 17))
