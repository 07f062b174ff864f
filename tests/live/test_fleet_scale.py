"""The fleet-scale shortcuts of the comparison give exactly what per-node derivation gives."""

from __future__ import annotations

import importlib
import random
from dataclasses import replace

import pytest

from ciliumdrift.agent.facts import FACTS
from ciliumdrift.derive import derive_context, node_context
from ciliumdrift.load import load_declared, set_flags_from_options
from ciliumdrift.model import NodeObservation
from ciliumdrift.parse import parse_status
from tests.conftest import EXAMPLES
from tests.fakecluster import statuses

compare_module = importlib.import_module("ciliumdrift.compare")
SEED = EXAMPLES / "talos-netkit-native"
VARIANTS = [
    [],
    ["ipv4NativeRoutingCIDR=null"],
    ["ipam.mode=cluster-pool", "ipv4NativeRoutingCIDR=null"],
    ["routingMode=tunnel", "bpf.masquerade=false"],
    ["ipv6.enabled=true", "ipv4NativeRoutingCIDR=null", "ipam.mode=kubernetes"],
    ["enableIPv4Masquerade=false"],
]


def declared_for(flags: list[str], talos: bool):  # type: ignore[no-untyped-def]
    return load_declared(
        (str(SEED / "values.yaml"),),
        set_flags=tuple(set_flags_from_options(set=flags)),
        talos_files=(str(SEED / "talos.yaml"),) if talos else (),
        cilium_version="1.18.4",
    )


def fleet(seed: int) -> list[NodeObservation]:
    rng = random.Random(seed)
    out = []
    for index in range(30):
        cidrs = [f"10.{rng.randrange(100, 200)}.{rng.randrange(256)}.0/24"]
        if rng.random() < 0.3:
            cidrs.append(f"fd00:{rng.randrange(4096):x}::/64")
        if rng.random() < 0.1:
            cidrs = []
        status = statuses.seed_status(f"n{index}", pod_cidr=cidrs[0] if cidrs else "10.1.1.0/24")
        if rng.random() < 0.2:
            status = statuses.with_changes(status, {"datapath-mode": "veth"})
        out.append(
            NodeObservation(
                name=f"n{index}",
                status=parse_status(statuses.as_json(status), source=f"n{index}"),
                kernel=rng.choice(["6.18.0-talos", "5.15.0", "6.1.0", None]),
                pod_cidrs=tuple(cidrs),
            )
        )
    return out


@pytest.mark.parametrize("flags", VARIANTS, ids=lambda f: ",".join(f) or "seed")
@pytest.mark.parametrize("talos", [True, False])
def test_shared_derivation_equals_per_node_derivation(
    flags: list[str], talos: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    declared = declared_for(flags, talos)
    observations = fleet(len(flags) * 2 + talos)
    fast = compare_module.compare(declared, observations)
    monkeypatch.setattr(
        compare_module._Deriver, "__call__", lambda self, ctx: derive_context(ctx, FACTS)
    )
    slow = compare_module.compare(declared, observations)
    assert fast.rows == slow.rows
    assert [f.to_dict() for f in fast.findings] == [f.to_dict() for f in slow.findings]


@pytest.mark.parametrize("flags", VARIANTS, ids=lambda f: ",".join(f) or "seed")
def test_the_watched_context_derives_what_the_plain_one_does(flags: list[str]) -> None:
    ctx = node_context(declared_for(flags, True), node="n", pod_cidrs=("10.9.9.0/24", "fd00::/64"))
    readers = {f.id for f in FACTS if compare_module._reads_node(f, ctx)}
    assert "ipam" in readers or "ipam.mode=cluster-pool" in flags  # the pod CIDR is read
    for fact in FACTS:
        watched = compare_module._Watched(**{k: getattr(ctx, k) for k in ctx.__dataclass_fields__})
        assert fact.derive(watched) == fact.derive(replace(ctx))
