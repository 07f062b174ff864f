"""Known behaviours: the data file is well-formed and each row fires on its real condition."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from ciliumdrift.agent import known
from ciliumdrift.agent.devices import Device, parse_device_flags
from ciliumdrift.agent.facts import FACTS
from ciliumdrift.compare import compare
from ciliumdrift.derive import derive_context, node_context
from ciliumdrift.model import CauseKind, FindingKind, Layer, Located, NodeObservation, Origin
from ciliumdrift.parse.agentlog import parse_agent_log
from tests.derive.builders import declared, seed_status, seed_talos
from tests.knowledge.test_agentlog import BANDWIDTH_KIND, EGRESS_VXLAN, XDP_KUBESPAN

REPO = Path(__file__).resolve().parents[2]


def test_every_row_has_a_public_source_a_fix_and_a_known_fact() -> None:
    ids = {f.id for f in FACTS}
    rows = known.behaviours()
    assert len({r.id for r in rows}) == len(rows) >= 15
    for row in rows:
        assert row.sources and all(
            s.startswith(("https://", "cilium/cilium", "siderolabs/talos")) for s in row.sources
        ), row.id
        assert row.fix is not None and row.fix.summary, row.id
        assert row.fact is None or row.fact in ids, row.id
        for pattern in row.patterns:
            assert pattern.pattern


def test_docs_are_current() -> None:
    assert (REPO / "docs" / "known-behaviours.md").read_text(
        encoding="utf-8"
    ) == known.behaviours_markdown() + "\n"


@pytest.mark.parametrize(
    ("version", "bounds", "expected"),
    [
        ("1.18.6", ("1.16.5", None), True),
        ("1.16.4", ("1.16.5", None), False),
        ("1.18.12", (None, "1.19"), True),
        ("1.19.0", (None, "1.19"), False),
        ("1.19.4", ("1.19.4", None), True),
        (None, ("1.14", None), None),
    ],
)
def test_version_ranges(
    version: str | None, bounds: tuple[str | None, str | None], expected: bool | None
) -> None:
    assert known.in_range(version, bounds) is expected


def _ctx(values: str, version: str = "1.18.4", **talos: object) -> object:
    decl = declared(values, version=version, talos_facts=seed_talos(**talos) if talos else None)
    return node_context(decl, node="node-1")


def test_xdp_native_with_kubespan_is_a_fatal_cross_check_from_talos_alone() -> None:
    ctx = _ctx("kubeProxyReplacement: true\nloadBalancer:\n  acceleration: native\n")
    kubespan = Located(True, Origin(Layer.TALOS, key="machine.network.kubespan.enabled"))
    ctx = replace(ctx, devices=(Device("kubespan", "kubespan", kubespan.origin),))
    expectations = derive_context(ctx, FACTS)
    conflicts = expectations["xdp-acceleration"].conflicts
    assert any(c.fatal and c.causes[0].kind is CauseKind.HARDWARE_UNSUPPORTED for c in conflicts)


def test_xdp_native_on_physical_devices_is_no_conflict() -> None:
    ctx = _ctx("kubeProxyReplacement: true\nloadBalancer:\n  acceleration: native\n")
    ctx = replace(ctx, devices=tuple(parse_device_flags(["eth0:mlx5_core"])[None]))
    found = known.evaluate(known.behaviour("xdp-native-on-device-without-native-xdp"), ctx)
    assert found is None


def test_egress_gateway_big_tcp_row_needs_1_19() -> None:
    values = "routingMode: native\nenableIPv4BIGTCP: true\negressGateway:\n  enabled: true\n"
    row = known.behaviour("big-tcp-tunnel-from-egress-gateway")
    assert known.evaluate(row, _ctx(values, "1.19.0")) is not None
    assert known.evaluate(row, _ctx(values, "1.18.6")) is None
    assert known.evaluate(row, _ctx(values.replace("true\n", "false\n", 1), "1.19.0")) is None


def test_unknown_inputs_make_a_row_uncertain_not_false() -> None:
    row = known.behaviour("bandwidth-manager-nested-netns")
    found = known.evaluate(row, _ctx("bandwidthManager:\n  enabled: true\n"))
    assert found is not None and not found.certain and found.unknown


def test_kind_node_names_are_an_environment() -> None:
    ctx = replace(_ctx("bandwidthManager:\n  enabled: true\n"), node="kind-worker")
    found = known.evaluate(known.behaviour("bandwidth-manager-nested-netns"), ctx)
    assert found is not None and found.certain


def test_log_line_matches_its_row() -> None:
    log = parse_agent_log(XDP_KUBESPAN)
    ids = {row.id for row, _ in known.log_matches(log)}
    assert "xdp-native-on-device-without-native-xdp" in ids


def test_drift_ranks_the_logged_behaviour_first_with_the_line() -> None:
    # cilium/cilium#33455: bandwidth manager on in kind disables itself.
    decl = declared("bandwidthManager:\n  enabled: true\n", version="1.16.0")
    status = seed_status(
        bandwidth_manager=__import__(
            "ciliumdrift.parse.model", fromlist=["BandwidthManager"]
        ).BandwidthManager(False)
    )
    log = parse_agent_log(BANDWIDTH_KIND, source="agent.log")
    result = compare(decl, [NodeObservation("n1", status, agent_log=log)], kernels={None: "6.5.0"})
    drift = [
        f for f in result.findings if f.fact == "bandwidth-manager" and f.kind is FindingKind.DRIFT
    ]
    assert drift and drift[0].causes[0].kind is CauseKind.ENVIRONMENT
    assert any("agent.log:3" in e.text for e in drift[0].causes[0].evidence)


def test_agent_without_status_gets_a_finding_from_its_log() -> None:
    values = "routingMode: native\nenableIPv4BIGTCP: true\negressGateway:\n  enabled: true\n"
    decl = declared(values, version="1.19.0")
    log = parse_agent_log(EGRESS_VXLAN, source="agent-n1.log")
    result = compare(decl, [NodeObservation("n1", None, error="no status", agent_log=log)])
    logged = [f for f in result.findings if f.fact == "ipv4-big-tcp"]
    assert logged and logged[0].causes[0].kind is CauseKind.KNOWN_BUG
    assert logged[0].fix is not None and "enableIPv4BIGTCP" in (logged[0].fix.values_snippet or "")


@pytest.mark.parametrize(
    ("values", "version", "holds"),
    [
        (
            "bpf:\n  datapathMode: netkit\nencryption:\n  enabled: true\n  type: ipsec\n",
            "1.17.6",
            True,
        ),
        # IPsec keeps eBPF host routing from 1.19: no longer the known failure.
        (
            "bpf:\n  datapathMode: netkit\nencryption:\n  enabled: true\n  type: ipsec\n",
            "1.19.0",
            False,
        ),
        (
            "bpf:\n  datapathMode: netkit\nencryption:\n  enabled: true\n  type: wireguard\n",
            "1.17.6",
            False,
        ),
        (
            "bpf:\n  datapathMode: veth\nencryption:\n  enabled: true\n  type: ipsec\n",
            "1.17.6",
            False,
        ),
    ],
)
def test_netkit_with_ipsec_is_a_cross_check_before_1_19(
    values: str, version: str, holds: bool
) -> None:
    ctx = _ctx(values, version)
    conflicts = derive_context(ctx, FACTS)["device-mode"].conflicts
    named = [c for c in conflicts if "netkit-with-ipsec-legacy-host-routing" in c.message]
    assert bool(named) is holds
    if holds:
        assert named[0].causes[0].kind is CauseKind.CONFLICTING_SETTING
        assert named[0].fix is not None and "veth" in (named[0].fix.values_snippet or "")
