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
from ciliumdrift.parse.agentlog import AgentLog, parse_agent_log
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


def _told(log: AgentLog) -> set[str]:
    """The IDs of the known behaviours whose log patterns the log's lines match."""
    return {row.id for row, _ in known.log_matches(log)}


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
    ids = _told(log)
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


def test_wireguard_with_l7_proxy_is_fatal_only_before_1_14() -> None:
    # kubernetes-sigs/kubespray#10538: WireGuard with the default L7 proxy on Cilium 1.13.8.
    values = "encryption:\n  enabled: true\n  type: wireguard\n"
    row = known.behaviour("wireguard-with-l7-proxy-before-1.14")
    assert known.evaluate(row, _ctx(values, "1.13.8")) is not None
    assert known.evaluate(row, _ctx(values, "1.14.0")) is None
    assert known.evaluate(row, _ctx(values + "l7Proxy: false\n", "1.13.8")) is None
    ipsec = values.replace("wireguard", "ipsec")
    assert known.evaluate(row, _ctx(ipsec, "1.13.8")) is None


def test_xdp_native_on_a_bond_needs_kernel_5_15() -> None:
    # cilium/cilium#12662: the bonding driver has native XDP from Linux 5.15.
    row = known.behaviour("xdp-native-on-bond-kernel-before-5.15")

    def kernel(version: str) -> Located[str]:
        return Located(version, Origin(Layer.KERNEL, detail="--kernel"))

    base = _ctx("kubeProxyReplacement: true\nloadBalancer:\n  acceleration: native\n")
    bond = replace(base, devices=tuple(parse_device_flags(["bond0:bonding"])[None]))
    assert known.evaluate(row, replace(bond, kernel=kernel("5.10.0"))) is not None
    assert known.evaluate(row, replace(bond, kernel=kernel("5.15.0"))) is None
    nic = replace(base, devices=tuple(parse_device_flags(["eth0:mlx5_core"])[None]))
    assert known.evaluate(row, replace(nic, kernel=kernel("5.10.0"))) is None


def test_kpr_probe_is_refused_from_1_13() -> None:
    # kubean-io/kubean#604: probe, the old chart default, after its removal in 1.13.
    row = known.behaviour("kpr-probe-removed-1.13")
    assert known.evaluate(row, _ctx("kubeProxyReplacement: probe\n", "1.14.0")) is not None
    assert known.evaluate(row, _ctx("kubeProxyReplacement: probe\n", "1.12.9")) is None
    assert known.evaluate(row, _ctx("kubeProxyReplacement: true\n", "1.14.0")) is None
    log = parse_agent_log(
        "daemon creation failed: unable to initialize kube-proxy replacement options: "
        "Invalid value for --kube-proxy-replacement: probe\n"
    )
    assert "kpr-probe-removed-1.13" in _told(log)


def test_vxlan_port_in_use_is_told_by_its_log_line_only() -> None:
    # cilium/cilium#38581: fan networking already holds 8472.
    log = parse_agent_log(
        "failed to setup vxlan tunnel device: setting up vxlan device: creating vxlan device "
        "cilium_vxlan: setting up device cilium_vxlan: address already in use\n"
    )
    assert "vxlan-port-in-use" in _told(log)
    other = parse_agent_log(
        "failed to setup vxlan tunnel device: "
        "setting up GSO/GRO on VXLAN netdev: invalid argument\n"
    )
    assert "vxlan-port-in-use" not in _told(other)


def test_direct_routing_device_on_loopback_needs_1_15_and_devices() -> None:
    # cilium/cilium#30889: node IP on lo, transit VLANs in devices.
    row = known.behaviour("direct-routing-device-on-loopback-1.15")
    values = "devices: vlan100,vlan200\n"
    assert known.evaluate(row, _ctx(values, "1.15.1")) is not None
    assert known.evaluate(row, _ctx(values, "1.14.4")) is None
    assert known.evaluate(row, _ctx("kubeProxyReplacement: true\n", "1.15.1")) is None


def test_xtables_and_ip6tables_module_rows_come_from_their_log_lines() -> None:
    # cilium/cilium PR #36857 (Ubuntu 5.15.0-127) and issue #31263 (kind in a devcontainer).
    mark = parse_agent_log(
        'msg="Failed to install iptables rules" error="cannot install static proxy rules: '
        'Warning: Extension MARK revision 0 not supported, missing kernel module?" '
        "subsys=iptables\n"
    )
    assert "xtables-target-missing" in _told(mark)
    six = parse_agent_log(
        'level=fatal msg="failed to start: IPv6 is enabled and ip6tables modules initialization '
        'failed: could not load module ip6_tables: exit status 1" subsys=daemon\n'
    )
    assert "ipv6-ip6tables-modules-missing" in _told(six)
    assert "xtables-target-missing" not in _told(six)


def test_generic_veth_chaining_with_bpf_host_routing_is_a_conflict() -> None:
    # cilium/cilium#20135: BPF host routing bypasses the routes the chained plugin set up.
    row = known.behaviour("cni-chaining-with-bpf-host-routing")
    forced = (
        "kubeProxyReplacement: true\nbpf:\n  masquerade: true\n  hostLegacyRouting: false\n"
        "cni:\n  chainingMode: generic-veth\n"
    )
    ctx = _ctx(forced, "1.18.4")
    assert known.evaluate(row, ctx, derive_context(ctx, FACTS)) is not None
    plain = _ctx(forced.replace("generic-veth", "portmap"), "1.18.4")
    assert known.evaluate(row, plain, derive_context(plain, FACTS)) is None


def test_ipv6_rule_removal_bug_is_bounded_to_1_15_before_1_15_5() -> None:
    # cilium/cilium#31944, fixed for 1.15 by PR #32007.
    row = known.behaviour("ipv6-proxy-rule-removal-eafnosupport")
    assert known.evaluate(row, _ctx("ipv6:\n  enabled: false\n", "1.15.4")) is not None
    assert known.evaluate(row, _ctx("ipv6:\n  enabled: false\n", "1.15.5")) is None
    assert known.evaluate(row, _ctx("ipv6:\n  enabled: true\n", "1.15.4")) is None
    log = parse_agent_log(
        "failed to start: daemon creation failed: error while initializing daemon: failed while "
        "reinitializing datapath: listing routing rules: address family not supported by protocol\n"
    )
    assert "ipv6-proxy-rule-removal-eafnosupport" in _told(log)


def test_ipsec_key_row_is_told_by_the_log_for_ipsec_only() -> None:
    # isovalent/terraform-k8s-cilium PR #11: a secret in the wrong format.
    row = known.behaviour("ipsec-key-missing-or-invalid")
    ipsec = "encryption:\n  enabled: true\n  type: ipsec\n"
    assert known.evaluate(row, _ctx(ipsec)) is not None
    assert known.evaluate(row, _ctx(ipsec.replace("ipsec", "wireguard"))) is None
    log = parse_agent_log(
        'level=fatal msg="Error while creating daemon" error="unable to setup encryption: '
        'missing IPSec key or invalid format" subsys=daemon\n'
    )
    assert "ipsec-key-missing-or-invalid" in _told(log)


def test_a_known_row_on_the_key_a_fact_refuses_leads_that_conflict() -> None:
    # kubernetes-sigs/kubespray#13267: `tunnelProtocol: disabled`, the old tunnel idiom. The
    # routing fact refuses the value itself; the known row says why, on the same key, so the
    # two are one conflict whose first cause is the row's.
    ctx = _ctx("routingMode: native\nipv4NativeRoutingCIDR: 10.0.0.0/8\ntunnelProtocol: disabled\n")
    conflicts = derive_context(ctx, FACTS)["routing"].conflicts
    on_key = [c for c in conflicts if c.source is not None and c.source.key == "tunnelProtocol"]
    assert len(on_key) == 1
    kinds = [c.kind for c in on_key[0].causes]
    assert kinds[:2] == [CauseKind.DEPRECATED_VALUE, CauseKind.CONFLICTING_SETTING]
