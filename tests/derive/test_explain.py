"""Every mismatch gets ranked causes and a fix; the fix forms are pasteable."""

from __future__ import annotations

from typing import Any

import pytest

from ciliumdrift.agent.explain import nested_yaml, set_flag, values_fix, yaml_scalar
from ciliumdrift.compare import compare
from ciliumdrift.model import CauseKind, FindingKind, NodeObservation
from ciliumdrift.parse import model as p
from tests.derive.builders import SEED_VALUES, declared, seed_status, seed_talos

FLIPS: list[tuple[str, dict[str, Any]]] = [
    ("kube-proxy-replacement", {"kube_proxy_replacement": p.KubeProxyReplacement("False")}),
    (
        "kpr-devices",
        {"kube_proxy_replacement": p.KubeProxyReplacement("True", (p.KprDevice("bond0"),))},
    ),
    ("host-firewall", {"host_firewall": p.HostFirewall("Enabled", ("eth0",))}),
    ("srv6", {"srv6": p.SRv6(True, "srh")}),
    ("cni-chaining", {"cni_chaining": "portmap"}),
    ("kvstore", {"kvstore": p.StateMessage("Ok", "etcd: 1/1 connected")}),
    ("ipam", {"ipam": p.Ipam((p.IpamFamily("IPv4", 2, 254, "10.244.1.0/24"),))}),
    ("ipv4-big-tcp", {"ipv4_big_tcp": p.BigTcp(True, 196608, 196608)}),
    ("bandwidth-manager", {"bandwidth_manager": p.BandwidthManager(False)}),
    ("routing", {"routing": p.Routing("BPF", "Tunnel", "vxlan")}),
    ("host-routing", {"routing": p.Routing("Legacy", "Native")}),
    ("attach-mode", {"attach_mode": "Legacy TC"}),
    ("device-mode", {"device_mode": "veth"}),
    ("masquerading", {"masquerading": p.Masquerading("IPTables", ipv4=True, ipv6=False)}),
    ("l7-proxy", {"proxy": p.ProxyStatus(True, envoy="external")}),
    ("identity-range", {"identity_range": p.IdentityRange(65536, 131071)}),
    ("hubble", {"hubble": p.Hubble("Disabled", metrics_state="Disabled")}),
    ("encryption", {"encryption": p.Encryption("Wireguard", node_encryption=False)}),
    ("clock-source", {"clock_source": p.ClockSource("jiffies", 250), "format": "text-verbose"}),
]

VALUES = SEED_VALUES + "devices: eth+\n"


@pytest.mark.parametrize(("fact", "overrides"), FLIPS, ids=[f for f, _ in FLIPS])
def test_every_mismatch_is_explained(fact: str, overrides: dict[str, Any]) -> None:
    status = seed_status(**overrides)
    comparison = compare(declared(VALUES, talos_facts=seed_talos()), [NodeObservation("n", status)])
    drift = [f for f in comparison.findings if f.kind is FindingKind.DRIFT and f.fact == fact]
    assert len(drift) == 1, [(f.fact, f.message) for f in comparison.findings]
    finding = drift[0]
    assert finding.causes and finding.causes[-1].kind in (
        CauseKind.UNKNOWN,
        CauseKind.VERSION_DEFAULT,
        CauseKind.NOT_APPLIED,
        CauseKind.HARDWARE_UNSUPPORTED,
        CauseKind.TALOS_CONFLICT,
        CauseKind.REQUIREMENT_MISSING,
        CauseKind.CONFLICTING_SETTING,
        CauseKind.PER_NODE_OVERRIDE,
        CauseKind.KERNEL_TOO_OLD,
        CauseKind.KEY_IGNORED,
        CauseKind.ENVIRONMENT,
        CauseKind.KNOWN_BUG,
    )
    assert len({(c.kind, c.summary) for c in finding.causes}) == len(finding.causes)
    assert finding.fix is not None and finding.fix.summary
    assert finding.message.startswith(finding.status_line)


def test_unknown_kernel_ranks_kernel_first_for_legacy_tc() -> None:
    facts = seed_talos()
    facts = type(facts)(**{**facts.__dict__, "kernel": None})
    status = seed_status(attach_mode="Legacy TC", device_mode="veth")
    comparison = compare(
        declared(SEED_VALUES.replace("netkit", "veth"), talos_facts=facts),
        [NodeObservation("n", status)],
    )
    finding = next(f for f in comparison.findings if f.fact == "attach-mode")
    assert finding.causes[0].kind is CauseKind.KERNEL_TOO_OLD


def test_fallback_not_seen_points_at_the_kernel_assumption() -> None:
    status = seed_status(attach_mode="TCX", device_mode="veth")
    decl = declared(SEED_VALUES.replace("netkit", "veth"), talos_facts=seed_talos(kernel="6.1.0"))
    finding = next(
        f
        for f in compare(decl, [NodeObservation("n", status)]).findings
        if f.fact == "attach-mode" and f.kind is FindingKind.DRIFT
    )
    assert {c.kind for c in finding.causes[:2]} == {CauseKind.UNKNOWN, CauseKind.NOT_APPLIED}


@pytest.mark.parametrize(
    ("value", "scalar"),
    [
        (True, "true"),
        (None, "null"),
        (7445, "7445"),
        ("10.0.0.0/8", "10.0.0.0/8"),
        ("true", '"true"'),
        ("a: b", '"a: b"'),
        (["x", 1], "[x, 1]"),
    ],
)
def test_yaml_scalar(value: Any, scalar: str) -> None:
    assert yaml_scalar(value) == scalar


def test_fix_forms() -> None:
    assert nested_yaml("bpf.masquerade", True) == "bpf:\n  masquerade: true"
    assert (
        set_flag("hubble.metrics.enabled", ["dns", "drop"])
        == "--set hubble.metrics.enabled={dns,drop}"
    )
    assert set_flag("a", "x,y") == "--set a=x\\,y"
    fix = values_fix("s", [("a.b", 1), ("c", False)])
    assert (
        fix.values_snippet == "a:\n  b: 1\nc: false" and fix.set_flag == "--set a.b=1 --set c=false"
    )
