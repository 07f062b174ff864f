"""Table tests per fact at each version boundary and kernel threshold the reference names."""

from __future__ import annotations

import re
from typing import Any

import pytest

from ciliumdrift.agent.fact import Expectation
from ciliumdrift.agent.facts import FACTS, fact_by_id
from ciliumdrift.agent.facts.ipam import identity_bounds
from ciliumdrift.derive import derive
from ciliumdrift.model import CauseKind, Layer
from tests.derive.builders import SEED_VALUES, declared, seed_talos


def expect_for(
    fact: str, values: str = "", *, version: str = "1.18.4", kernel: str | None = None, **talos: Any
) -> Expectation | None:
    facts = seed_talos(**talos) if talos else None
    return derive(declared(values, version=version, talos_facts=facts), kernel=kernel).get(fact)


def value(fact: str, values: str = "", **kw: Any) -> str | None:
    found = expect_for(fact, values, **kw)
    return found.value if found else None


def conflict_kinds(found: Expectation | None) -> list[CauseKind]:
    return [c.causes[0].kind for c in (found.conflicts if found else ())]


@pytest.mark.parametrize(
    ("values", "version", "expected"),
    [
        ("", "1.18.4", "False"),
        ("kubeProxyReplacement: true\n", "1.18.4", "True"),
        ("kubeProxyReplacement: strict\n", "1.14.19", "Strict"),
        ("kubeProxyReplacement: partial\n", "1.15.19", "Partial"),
        ("kubeProxyReplacement: strict\n", "1.16.19", None),
        ("upgradeCompatibility: '1.13'\n", "1.15.19", "Disabled"),
    ],
)
def test_kube_proxy_replacement(values: str, version: str, expected: str | None) -> None:
    assert value("kube-proxy-replacement", values, version=version) == expected


def test_kpr_removed_value_is_a_fatal_deprecated_conflict() -> None:
    found = expect_for(
        "kube-proxy-replacement", "kubeProxyReplacement: strict\n", version="1.16.19"
    )
    assert found is not None and found.conflicts[0].fatal
    assert conflict_kinds(found) == [CauseKind.DEPRECATED_VALUE]


@pytest.mark.parametrize(
    ("values", "version", "expected"),
    [
        ("", "1.18.4", "Tunnel [vxlan]"),
        ("routingMode: native\nipv4NativeRoutingCIDR: 10.0.0.0/8\n", "1.18.4", "Native"),
        ("tunnelProtocol: geneve\n", "1.17.18", "Tunnel [geneve]"),
        ("gke:\n  enabled: true\n", "1.16.19", "Native"),
        ("eni:\n  enabled: true\n", "1.19.6", "Native"),
        ("eni:\n  enabled: true\n", "1.18.4", "Tunnel [vxlan]"),
        ("routingMode: native\n", "1.15.19", None),  # no Routing line before 1.16
    ],
)
def test_routing(values: str, version: str, expected: str | None) -> None:
    assert value("routing", values, version=version) == expected


def test_native_routing_without_cidr_is_fatal() -> None:
    found = expect_for("routing", "routingMode: native\n")
    assert conflict_kinds(found) == [CauseKind.REQUIREMENT_MISSING]
    ok = expect_for("routing", "routingMode: native\nipMasqAgent:\n  enabled: true\n")
    assert ok is not None and not ok.conflicts


KPR_BPF = "kubeProxyReplacement: true\nbpf:\n  masquerade: true\n"
DUAL = (
    KPR_BPF + "ipv4NativeRoutingCIDR: 10.1.0.0/16\nipv6NativeRoutingCIDR: fd00::/100\n"
    "ipv6:\n  enabled: true\n"
)


@pytest.mark.parametrize(
    ("values", "version", "kernel", "expected"),
    [
        (KPR_BPF, "1.18.4", "6.18.0", "BPF"),
        ("kubeProxyReplacement: true\n", "1.18.4", "6.18.0", "Legacy"),  # rule f
        ("bpf:\n  masquerade: true\n", "1.18.4", "6.18.0", "Legacy"),  # rule c/g
        (KPR_BPF + "  hostLegacyRouting: true\n", "1.18.4", "6.18.0", "Legacy"),  # rule a
        (KPR_BPF + "cni:\n  chainingMode: aws-cni\n", "1.18.4", "6.18.0", "Legacy"),
        (KPR_BPF + "encryption:\n  enabled: true\n  type: ipsec\n", "1.18.4", "6.18.0", "Legacy"),
        (KPR_BPF + "encryption:\n  enabled: true\n  type: ipsec\n", "1.19.6", "6.18.0", "BPF"),
        (KPR_BPF, "1.17.18", "5.4.0", "Legacy"),  # rule h
        (KPR_BPF, "1.17.18", "5.10.0", "BPF"),
        (KPR_BPF, "1.18.4", "5.4.0", "BPF"),  # 1.18+: fatal instead (cilium-version conflict)
        ("kubeProxyReplacement: true\nenableIPv4Masquerade: false\n", "1.18.4", "6.18.0", "BPF"),
    ],
)
def test_host_routing(values: str, version: str, kernel: str, expected: str) -> None:
    assert value("host-routing", values, version=version, kernel=kernel) == expected


def test_old_kernel_on_1_18_refuses_to_start() -> None:
    found = expect_for("cilium-version", KPR_BPF, kernel="5.4.0")
    assert found is not None and found.conflicts and found.conflicts[0].fatal


@pytest.mark.parametrize(
    ("values", "version", "kernel", "expected"),
    [
        ("", "1.16.19", "6.6.0", "TCX"),
        ("", "1.16.19", "6.5.9", "Legacy TC"),
        ("bpf:\n  enableTCX: false\n", "1.18.4", "6.18.0", "Legacy TC"),
        ("bpf:\n  enableTCX: false\n  datapathMode: netkit\n", "1.18.4", "6.18.0", "TCX"),
        ("", "1.15.19", "6.6.0", None),
    ],
)
def test_attach_mode(values: str, version: str, kernel: str, expected: str | None) -> None:
    assert value("attach-mode", values, version=version, kernel=kernel) == expected


def test_attach_mode_unknown_kernel_is_conditional() -> None:
    found = expect_for("attach-mode", "", kernel=None)
    assert found is not None and found.value == "TCX" and found.condition


@pytest.mark.parametrize(
    ("version", "kernel", "fatal", "conflicts"),
    [
        ("1.18.4", "6.6.0", True, 1),
        ("1.17.18", "6.7.0", False, 1),  # below the documented 6.8 floor: a note
        ("1.17.18", "6.8.0", False, 0),
        ("1.16.19", "6.6.0", False, 1),  # 1.16 has no probe: pods hang
    ],
)
def test_netkit_kernel(version: str, kernel: str, fatal: bool, conflicts: int) -> None:
    found = expect_for(
        "device-mode", "bpf:\n  datapathMode: netkit\n", version=version, kernel=kernel
    )
    assert found is not None and found.value == "netkit"
    assert len(found.conflicts) == conflicts
    assert any(c.fatal for c in found.conflicts) is fatal


def test_device_mode_invalid_and_old_versions() -> None:
    assert value("device-mode", "bpf:\n  datapathMode: lb-only\n", version="1.18.4") is None
    assert value("device-mode", "", version="1.15.19") is None
    assert value("device-mode", "") == "veth"


@pytest.mark.parametrize(
    ("values", "version", "expected"),
    [
        ("", "1.18.4", "IPTables [IPv4: Enabled, IPv6: Disabled]"),
        (KPR_BPF, "1.18.4", "BPF [IPv4: Enabled, IPv6: Disabled]"),
        (KPR_BPF + "ipv6:\n  enabled: true\n", "1.18.4", "BPF [IPv4: Enabled, IPv6: Enabled]"),
        ("enableIPv4Masquerade: false\n", "1.18.4", "Disabled"),
        ("eni:\n  enabled: true\n", "1.18.4", "Disabled"),
        ("eni:\n  enabled: true\n", "1.17.18", "IPTables [IPv4: Enabled, IPv6: Disabled]"),
        ("bpf:\n  masquerade: true\n", "1.14.19", "IPTables [IPv4: Enabled, IPv6: Disabled]"),
        (
            KPR_BPF + "ipMasqAgent:\n  enabled: true\n",
            "1.18.4",
            "BPF (ip-masq-agent) [IPv4: Enabled, IPv6: Disabled]",
        ),
    ],
)
def test_masquerading(values: str, version: str, expected: str) -> None:
    assert value("masquerading", values, version=version) == expected


def test_bpf_masquerade_without_nodeport() -> None:
    fatal = expect_for("masquerading", "bpf:\n  masquerade: true\n", version="1.16.19")
    assert fatal is not None and any(c.fatal for c in fatal.conflicts)
    accepted = expect_for("masquerading", "bpf:\n  masquerade: true\n", version="1.19.6")
    assert accepted is not None and not accepted.conflicts
    assert accepted.value and accepted.value.startswith("BPF")


@pytest.mark.parametrize(
    ("values", "version", "expected"),
    [
        (KPR_BPF + "ipv4NativeRoutingCIDR: 10.100.0.0/16\n", "1.18.4", "10.100.0.0/16"),
        (
            DUAL,
            "1.18.4",
            "10.1.0.0/16 fd00::/100",
        ),
        (
            DUAL,
            "1.17.18",
            "10.1.0.0/16",
        ),
        (KPR_BPF, "1.18.4", None),  # the node's own pod CIDR: a node fact
        ("ipv4NativeRoutingCIDR: 10.1.0.0/16\n", "1.18.4", None),  # iptables: no CIDR printed
    ],
)
def test_masquerading_cidr(values: str, version: str, expected: str | None) -> None:
    assert value("masquerading-cidr", values, version=version) == expected


@pytest.mark.parametrize(
    ("values", "version", "kernel", "expected", "fatal"),
    [
        ("", "1.18.4", "6.18.0", "Disabled", False),
        ("bandwidthManager:\n  enabled: true\n", "1.18.4", "6.18.0", "EDT with BPF [CUBIC]", False),
        (
            KPR_BPF + "bandwidthManager:\n  enabled: true\n  bbr: true\n",
            "1.18.4",
            "6.18.0",
            "EDT with BPF [BBR]",
            False,
        ),
        (
            KPR_BPF + "bandwidthManager:\n  enabled: true\n  bbr: true\n",
            "1.18.4",
            "5.17.0",
            "EDT with BPF [BBR]",
            True,
        ),
        ("bandwidthManager:\n  enabled: true\n", "1.16.19", "5.0.0", "Disabled", False),
        (
            "bandwidthManager:\n  enabled: true\nencryption:\n  enabled: true\n  type: ipsec\n",
            "1.18.4",
            "6.18.0",
            "Disabled",
            False,
        ),
        (
            "bandwidthManager:\n  enabled: true\n  bbr: true\nbpf:\n  hostLegacyRouting: true\n",
            "1.18.4",
            "6.18.0",
            "EDT with BPF [BBR]",
            True,
        ),
    ],
)
def test_bandwidth_manager(
    values: str, version: str, kernel: str, expected: str, fatal: bool
) -> None:
    found = expect_for("bandwidth-manager", values, version=version, kernel=kernel)
    assert found is not None and found.value == expected
    assert any(c.fatal for c in found.conflicts) is fatal


@pytest.mark.parametrize(
    ("fact", "key", "version", "kernel", "expected"),
    [
        ("ipv4-big-tcp", "enableIPv4BIGTCP", "1.18.4", "6.3.0", "Enabled [196608]"),
        ("ipv4-big-tcp", "enableIPv4BIGTCP", "1.18.4", "6.2.0", "Enabled [65536]"),
        ("ipv4-big-tcp", "enableIPv4BIGTCP", "1.14.19", "6.2.0", "Disabled"),
        ("ipv6-big-tcp", "enableIPv6BIGTCP", "1.18.4", "5.19.0", "Enabled [196608]"),
        ("ipv6-big-tcp", "enableIPv6BIGTCP", "1.15.19", "5.18.0", "Enabled [65536]"),
    ],
)
def test_big_tcp(fact: str, key: str, version: str, kernel: str, expected: str) -> None:
    values = KPR_BPF + "routingMode: native\nipv4NativeRoutingCIDR: 10.0.0.0/8\n" + f"{key}: true\n"
    found = expect_for(fact, values, version=version, kernel=kernel)
    assert found is not None and found.value == expected
    if expected == "Enabled [196608]":
        assert found.condition and "NIC" in found.condition


def test_big_tcp_fatal_with_wireguard_until_1_18() -> None:
    values = (
        KPR_BPF
        + "routingMode: native\nipv4NativeRoutingCIDR: 10.0.0.0/8\nenableIPv4BIGTCP: true\n"
        + "encryption:\n  enabled: true\n  type: wireguard\n"
    )
    assert any(c.fatal for c in expect_for("ipv4-big-tcp", values, kernel="6.18.0").conflicts)  # type: ignore[union-attr]
    assert not any(
        c.fatal
        for c in expect_for("ipv4-big-tcp", values, version="1.19.6", kernel="6.18.0").conflicts
    )  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("values", "version", "expected"),
    [
        ("", "1.18.4", "OK, Envoy: external"),
        ("", "1.15.19", "OK, Envoy: embedded"),
        ("upgradeCompatibility: '1.15'\n", "1.18.4", "OK, Envoy: embedded"),
        ("envoy:\n  enabled: false\n", "1.18.4", "OK, Envoy: embedded"),
        ("l7Proxy: false\n", "1.18.4", "No managed proxy redirect"),
    ],
)
def test_l7_proxy(values: str, version: str, expected: str) -> None:
    assert value("l7-proxy", values, version=version) == expected


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ("", "Disabled"),
        ("encryption:\n  enabled: true\n", "IPsec"),
        (
            "encryption:\n  enabled: true\n  type: wireguard\n",
            "Wireguard [NodeEncryption: Disabled]",
        ),
        (
            "encryption:\n  enabled: true\n  type: wireguard\n  nodeEncryption: true\n",
            "Wireguard [NodeEncryption: Enabled]",
        ),
        ("encryption:\n  enabled: false\n  type: wireguard\n", "Disabled"),
    ],
)
def test_encryption(values: str, expected: str) -> None:
    assert value("encryption", values) == expected


@pytest.mark.parametrize(
    ("values", "version", "hubble", "metrics"),
    [
        ("", "1.18.4", "Ok", "Disabled"),
        ("hubble:\n  metrics:\n    enabled: [dns]\n", "1.18.4", "Ok", "Ok"),
        ("hubble:\n  enabled: false\n", "1.18.4", "Disabled", "Disabled"),
        ("hubble:\n  enabled: false\n", "1.17.18", "Disabled", None),
        ("hubble:\n  metrics:\n    enabled: []\n", "1.16.19", "Ok", "Disabled"),
    ],
)
def test_hubble(values: str, version: str, hubble: str, metrics: str | None) -> None:
    assert value("hubble", values, version=version) == hubble
    assert value("hubble-metrics", values, version=version) == metrics


@pytest.mark.parametrize(
    ("cluster_id", "max_clusters", "expected"),
    [
        (0, 255, (256, 65535)),
        (1, 255, (65536, 131071)),
        (0, 511, (256, 32767)),
        (3, 511, (98304, 131071)),
    ],
)
def test_identity_bounds(cluster_id: int, max_clusters: int, expected: tuple[int, int]) -> None:
    assert identity_bounds(cluster_id, max_clusters) == expected


def test_identity_range_from_values() -> None:
    assert value("identity-range", "cluster:\n  id: 1\n  name: c1\n") == "min 65536, max 131071"
    found = expect_for("identity-range", "cluster:\n  id: 1\n")
    assert found is not None and found.conflicts and found.conflicts[0].fatal


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ("", "IPv4: /24 within 10.0.0.0/8"),
        (
            "ipam:\n  operator:\n    clusterPoolIPv4PodCIDRList: [10.8.0.0/16]\n    "
            "clusterPoolIPv4MaskSize: 26\n",
            "IPv4: /26 within 10.8.0.0/16",
        ),
        ("ipam:\n  mode: eni\n", "IPv4: allocated"),
        ("ipam:\n  mode: kubernetes\n", "IPv4: allocated"),
    ],
)
def test_ipam(values: str, expected: str) -> None:
    assert value("ipam", values) == expected


def test_ipam_matcher_checks_mask_and_pool() -> None:
    fact = fact_by_id("ipam")
    assert fact.matches("IPv4: /24 within 10.100.0.0/16", "IPv4: 10.100.1.0/24")
    assert not fact.matches("IPv4: /24 within 10.100.0.0/16", "IPv4: 10.200.1.0/24")
    assert not fact.matches("IPv4: /24 within 10.100.0.0/16", "IPv4: 10.100.1.0/26")


def test_ipam_kubernetes_uses_talos_pod_subnets() -> None:
    found = expect_for(
        "ipam", "ipam:\n  mode: kubernetes\n", kernel="6.18.0", pod_subnets=("10.42.0.0/16",)
    )
    assert found is not None and found.value == "IPv4: /24 within 10.42.0.0/16"


def test_misc_lines() -> None:
    assert value("host-firewall", "hostFirewall:\n  enabled: true\n") == "Enabled"
    assert value("cni-chaining", "cni:\n  chainingMode: aws-cni\n") == "aws-cni"
    assert value("cni-chaining", "cni:\n  chainingTarget: flannel\n") == "generic-veth"
    assert value("kvstore", "etcd:\n  enabled: true\n") == "Ok"
    assert value("srv6", "extraConfig:\n  enable-srv6: 'true'\n") == "Enabled [encap-mode: reduced]"
    assert value("srv6", "", version="1.14.19") is None
    assert value("clock-source", "bpfClockProbe: true\n", kernel="6.1.0") == "jiffies"
    assert (
        value("clock-source", "bpfClockProbe: true\n", version="1.17.18", kernel="5.4.0") == "ktime"
    )
    assert value("cilium-version", "", version="1.19.6") == "1.19.6"


def test_defaults_say_where_they_came_from() -> None:
    found = expect_for("attach-mode", "", kernel="6.18.0")
    assert found is not None and found.source is not None
    assert found.source.layer is Layer.CHART_DEFAULT and found.source.version == "1.18.4"
    srv6 = expect_for("srv6", "")
    assert srv6 is not None and srv6.source is not None and srv6.source.layer is Layer.AGENT_DEFAULT


def test_seed_derives_the_seed_status_lines() -> None:
    expectations = derive(declared(SEED_VALUES, talos_facts=seed_talos()))
    got = {k: v.value for k, v in expectations.items()}
    assert got["device-mode"] == "netkit"
    assert got["host-routing"] == "BPF"
    assert got["attach-mode"] == "TCX"
    assert got["bandwidth-manager"] == "EDT with BPF [BBR]"
    assert got["masquerading-cidr"] == "10.100.0.0/16"
    assert got["l7-proxy"] == "No managed proxy redirect"
    assert not [c for e in expectations.values() for c in e.conflicts]


def test_every_fact_has_the_fixed_headings() -> None:
    ids = [f.id for f in FACTS]
    assert len(ids) == len(set(ids))
    for fact in FACTS:
        assert fact.summary and fact.status_line
        for heading in ("## Rule", "## Fallbacks", "## Sources"):
            assert heading in fact.doc, (fact.id, heading)
        sources = fact.doc.split("## Sources", 1)[1]
        # Public sources only: a path at a release tag or a docs page.
        assert "§" not in sources and re.search(
            r"(cilium/cilium|siderolabs/talos)@v\d+\.\d+|https://docs\.cilium\.io/", sources
        ), fact.id


def test_fact_by_id_names_known_facts() -> None:
    with pytest.raises(KeyError, match="device-mode"):
        fact_by_id("no-such-fact")


# Rules verified at the source in this round (see the facts' "Sources").


def test_ipsec_with_wireguard_through_extra_config_is_fatal_in_every_version() -> None:
    values = (
        "encryption:\n  enabled: true\n  type: ipsec\nextraConfig:\n  enable-wireguard: 'true'\n"
    )
    for version in ("1.14.19", "1.18.4"):
        found = expect_for("encryption", values, version=version)
        assert found is not None and any(c.fatal for c in found.conflicts)
        assert CauseKind.CONFLICTING_SETTING in conflict_kinds(found)
    assert conflict_kinds(expect_for("encryption", values.split("extraConfig")[0])) == []


@pytest.mark.parametrize(
    ("legacy", "version", "fatal"),
    [("true", "1.17.4", True), (None, "1.17.4", False), (None, "1.14.19", True)],
)
def test_bbr_fatal_only_with_declared_legacy_routing_from_1_15(
    legacy: str | None, version: str, fatal: bool
) -> None:
    # Without bpf.masquerade host routing is demoted (iptables masquerading).
    values = "kubeProxyReplacement: true\nbandwidthManager:\n  enabled: true\n  bbr: true\n"
    if legacy is not None:
        values += f"bpf:\n  hostLegacyRouting: {legacy}\n"
    found = expect_for("bandwidth-manager", values, version=version, kernel="6.8.0")
    assert found is not None
    bbr = [c for c in found.conflicts if "BBR" in c.message]
    assert bbr and bbr[0].fatal is fatal


def test_bbr_host_namespace_only_needs_bbr_on_1_18() -> None:
    values = "bandwidthManager:\n  enabled: true\n  bbrHostNamespaceOnly: true\n"
    found = expect_for("bandwidth-manager", values, kernel="6.8.0")
    assert found is not None and any(c.fatal for c in found.conflicts)
    older = expect_for("bandwidth-manager", values, version="1.17.4", kernel="6.8.0")
    assert older is not None and not any(c.fatal for c in older.conflicts)


@pytest.mark.parametrize(
    ("extra", "version", "fatal"),
    [
        ("", "1.19.6", True),
        ("extraConfig:\n  enable-tunnel-big-tcp: 'true'\n", "1.19.6", False),
        ("extraConfig:\n  enable-tunnel-big-tcp: 'true'\n", "1.18.4", True),
    ],
)
def test_big_tcp_in_tunnel_mode(extra: str, version: str, fatal: bool) -> None:
    found = expect_for("ipv4-big-tcp", "enableIPv4BIGTCP: true\n" + extra, version=version)
    assert found is not None
    assert any(c.fatal and "tunnel" in c.message for c in found.conflicts) is fatal


@pytest.mark.parametrize(("dispatch", "fatal"), [("ipip", True), ("geneve", True), ("opt", False)])
def test_big_tcp_with_dsr_dispatch_on_1_20(dispatch: str, fatal: bool) -> None:
    values = (
        "enableIPv4BIGTCP: true\nroutingMode: native\nipv4NativeRoutingCIDR: 10.0.0.0/8\n"
        f"loadBalancer:\n  mode: dsr\n  dsrDispatch: {dispatch}\n"
    )
    found = expect_for("ipv4-big-tcp", values, version="1.20.0")
    assert found is not None
    assert any(c.fatal and "dispatch" in c.message for c in found.conflicts) is fatal


def test_big_tcp_netkit_l2_is_fatal_on_1_16_and_1_17_only() -> None:
    values = (
        "enableIPv6BIGTCP: true\nroutingMode: native\nipv4NativeRoutingCIDR: 10.0.0.0/8\n"
        "bpf:\n  datapathMode: netkit-l2\n"
    )
    assert any(c.fatal for c in expect_for("ipv6-big-tcp", values, version="1.17.4").conflicts)  # type: ignore[union-attr]
    assert not any(c.fatal for c in expect_for("ipv6-big-tcp", values).conflicts)  # type: ignore[union-attr]


def test_ipv6_big_tcp_status_quirk_is_a_condition() -> None:
    found = expect_for("ipv6-big-tcp", "enableIPv4BIGTCP: true\n")
    assert found is not None and found.value == "Disabled" and "45513" in (found.condition or "")
    assert expect_for("ipv6-big-tcp", "").condition is None  # type: ignore[union-attr]


def test_device_mode_auto_on_1_20_is_conditional_netkit() -> None:
    found = expect_for("device-mode", "bpf:\n  datapathMode: auto\n", version="1.20.0")
    assert found is not None and found.value == "netkit" and found.condition
    invalid = expect_for("device-mode", "bpf:\n  datapathMode: auto\n", version="1.19.6")
    assert invalid is not None and invalid.value is None


def test_hostdns_conflict_before_1_16_5_is_a_warning_with_bpf_masquerade() -> None:
    values = (
        "kubeProxyReplacement: true\nroutingMode: native\nipv4NativeRoutingCIDR: 10.244.0.0/16\n"
        "bpf:\n  masquerade: true\n"
    )
    early = expect_for("host-routing", values, version="1.16.2", forward_kube_dns_to_host=True)
    late = expect_for("host-routing", values, version="1.16.5", forward_kube_dns_to_host=True)
    older = expect_for("host-routing", values, version="1.15.19", forward_kube_dns_to_host=True)
    assert early is not None and late is not None and older is not None
    assert [c.severity.value for c in early.conflicts] == ["warning"]
    assert [c.severity.value for c in late.conflicts] == ["error"]
    assert older.conflicts == ()


def test_kpr_default_from_upgrade_compatibility_points_at_it() -> None:
    found = expect_for(
        "kube-proxy-replacement", "upgradeCompatibility: '1.11'\n", version="1.16.19"
    )
    assert found is not None and found.conflicts
    assert found.conflicts[0].source is not None
    assert found.conflicts[0].source.key == "upgradeCompatibility"
    assert "upgradeCompatibility" in found.conflicts[0].message
