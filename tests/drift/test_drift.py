"""Drift scenarios drawn from real reports: each names its issue and asserts the finding's
top-ranked cause kind and the declared location it points at."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from ciliumdrift.compare import compare
from ciliumdrift.model import CauseKind, Finding, FindingKind, NodeObservation
from ciliumdrift.parse import model as p
from tests.derive.builders import SEED_VALUES, declared, seed_status, seed_talos

VEth = SEED_VALUES.replace("datapathMode: netkit", "datapathMode: veth")


@dataclass(frozen=True)
class Scenario:
    id: str
    url: str
    values: str
    fact: str
    cause: CauseKind
    location: str  # "values.yaml:<key>" (line found in the text), "talos.yaml:<line>", or "<layer>"
    version: str = "1.18.4"
    talos: dict[str, Any] = field(default_factory=dict)
    statuses: dict[str | None, dict[str, Any]] | None = None  # None: config only (cross-checks)
    kernels: dict[str | None, str] = field(default_factory=dict)
    kind: FindingKind | None = None


def _replace(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new)


SCENARIOS = [
    Scenario(
        "tcx-kernel-too-old",
        "https://github.com/cilium/cilium/pull/30103",
        _replace(VEth, "  datapathMode: veth", "  datapathMode: veth\n  enableTCX: true"),
        "attach-mode",
        CauseKind.KERNEL_TOO_OLD,
        "values.yaml:enableTCX",
        talos={"kernel": "6.1.67"},
        statuses={None: {"attach_mode": "Legacy TC", "device_mode": "veth"}},
    ),
    Scenario(
        "tcx-unknown-kernel-falls-back",
        "https://github.com/cilium/cilium/pull/32228",
        VEth,
        "attach-mode",
        CauseKind.KERNEL_TOO_OLD,
        "chart-default",
        talos={"kernel": None},
        statuses={None: {"attach_mode": "Legacy TC", "device_mode": "veth"}},
    ),
    Scenario(
        "netkit-kernel-too-old-refuses-start",
        "https://github.com/cilium/cilium/issues/33878",
        SEED_VALUES,
        "device-mode",
        CauseKind.KERNEL_TOO_OLD,
        "values.yaml:datapathMode",
        talos={"kernel": "6.1.67"},
    ),
    Scenario(
        "netkit-1.16-pods-hang",
        "https://github.com/cilium/cilium/issues/33878",
        SEED_VALUES,
        "device-mode",
        CauseKind.KERNEL_TOO_OLD,
        "values.yaml:datapathMode",
        version="1.16.19",
        talos={"kernel": "6.6.28"},
    ),
    Scenario(
        "bbr-kernel-too-old",
        "https://github.com/cilium/cilium/pull/19287",
        VEth,
        "bandwidth-manager",
        CauseKind.KERNEL_TOO_OLD,
        "values.yaml:bbr",
        version="1.16.19",
        kernels={None: "5.15.0"},
    ),
    Scenario(
        "big-tcp-kernel-too-old",
        "https://github.com/cilium/cilium/pull/26172",
        VEth + "enableIPv4BIGTCP: true\n",
        "ipv4-big-tcp",
        CauseKind.KERNEL_TOO_OLD,
        "values.yaml:enableIPv4BIGTCP",
        talos={"kernel": "6.1.67"},
        statuses={
            None: {
                "ipv4_big_tcp": p.BigTcp(True, 65536, 65536),
                "device_mode": "veth",
                "attach_mode": "Legacy TC",
            }
        },
    ),
    Scenario(
        "big-tcp-virtio-nic",
        "https://github.com/cilium/cilium/issues/32942",
        SEED_VALUES + "enableIPv4BIGTCP: true\n",
        "ipv4-big-tcp",
        CauseKind.HARDWARE_UNSUPPORTED,
        "values.yaml:enableIPv4BIGTCP",
        statuses={None: {"ipv4_big_tcp": p.BigTcp(True, 65536, 65536)}},
    ),
    Scenario(
        "big-tcp-with-tunnel-fatal",
        "https://github.com/cilium/cilium/pull/20349",
        _replace(SEED_VALUES, "routingMode: native", "routingMode: tunnel").replace(
            "autoDirectNodeRoutes: true", "autoDirectNodeRoutes: false"
        )
        + "enableIPv6BIGTCP: true\n",
        "ipv6-big-tcp",
        CauseKind.CONFLICTING_SETTING,
        "values.yaml:enableIPv6BIGTCP",
    ),
    Scenario(
        "bpf-host-routing-kernel-too-old-1.17",
        "https://github.com/cilium/cilium/issues/18120",
        VEth,
        "host-routing",
        CauseKind.KERNEL_TOO_OLD,
        "values.yaml:hostLegacyRouting",
        version="1.17.18",
        kernels={None: "5.4.0"},
        statuses={
            None: {
                "routing": p.Routing("Legacy", "Native"),
                "device_mode": "veth",
                "attach_mode": "Legacy TC",
            }
        },
    ),
    Scenario(
        "misplaced-bpf-hostRouting-key",
        "https://github.com/cilium/cilium/issues/18120",
        _replace(VEth, "  hostLegacyRouting: false\n", "  hostRouting: false\n"),
        "host-routing",
        CauseKind.KEY_IGNORED,
        "values.yaml:hostRouting",
    ),
    Scenario(
        "misspelled-bpf-masquerade",
        "https://github.com/cilium/cilium/issues/35153",
        _replace(SEED_VALUES, "  masquerade: true", "  masqurade: true"),
        "masquerading",
        CauseKind.KEY_IGNORED,
        "values.yaml:masqurade",
    ),
    Scenario(
        "kpr-strict-removed-in-1.16",
        "https://github.com/kubernetes-sigs/kubespray/issues/11417",
        _replace(SEED_VALUES, "kubeProxyReplacement: true", "kubeProxyReplacement: strict"),
        "kube-proxy-replacement",
        CauseKind.DEPRECATED_VALUE,
        "values.yaml:kubeProxyReplacement",
        version="1.16.19",
    ),
    Scenario(
        "kpr-partial-on-1.18",
        "https://github.com/kubernetes-sigs/kubespray/issues/11417",
        _replace(SEED_VALUES, "kubeProxyReplacement: true", "kubeProxyReplacement: partial"),
        "kube-proxy-replacement",
        CauseKind.DEPRECATED_VALUE,
        "values.yaml:kubeProxyReplacement",
        statuses={None: {}},
    ),
    Scenario(
        "hostdns-forward-with-bpf-host-routing",
        "https://github.com/siderolabs/talos/issues/10002",
        SEED_VALUES,
        "host-routing",
        CauseKind.TALOS_CONFLICT,
        "talos.yaml:43",
        talos={"forward_kube_dns_to_host": True},
    ),
    Scenario(
        "hostdns-forward-status-shows-bpf",
        "https://github.com/cilium/cilium/issues/36737",
        SEED_VALUES,
        "host-routing",
        CauseKind.TALOS_CONFLICT,
        "talos.yaml:43",
        version="1.16.5",
        talos={"forward_kube_dns_to_host": True},
        statuses={None: {"cilium": p.CiliumState("Ok", "1.16.5")}},
    ),
    Scenario(
        "kubeprism-port-mismatch",
        "https://github.com/siderolabs/talos/issues/9132",
        _replace(SEED_VALUES, "k8sServicePort: 7445", "k8sServicePort: 6443"),
        "kubernetes",
        CauseKind.TALOS_CONFLICT,
        "values.yaml:k8sServicePort",
    ),
    Scenario(
        "kubeprism-disabled",
        "https://github.com/siderolabs/talos/issues/9132",
        SEED_VALUES,
        "kubernetes",
        CauseKind.TALOS_CONFLICT,
        "values.yaml:k8sServiceHost",
        talos={"kubeprism_enabled": False},
    ),
    Scenario(
        "wrong-native-routing-cidr-not-rolled-out",
        "https://github.com/cilium/cilium/issues/38055",
        _replace(SEED_VALUES, "10.100.0.0/16", "10.200.0.0/16"),
        "masquerading-cidr",
        CauseKind.NOT_APPLIED,
        "values.yaml:ipv4NativeRoutingCIDR",
        statuses={None: {}},
        kind=FindingKind.DRIFT,
    ),
    Scenario(
        "native-routing-cidr-outside-talos-pod-subnet",
        "https://github.com/siderolabs/talos/issues/10002",
        _replace(SEED_VALUES, "10.100.0.0/16", "10.200.0.0/16"),
        "masquerading-cidr",
        CauseKind.TALOS_CONFLICT,
        "values.yaml:ipv4NativeRoutingCIDR",
        kind=FindingKind.CROSS_CHECK,
    ),
    Scenario(
        "per-node-netkit-override",
        "https://github.com/cilium/cilium/issues/33878",
        VEth,
        "device-mode",
        CauseKind.PER_NODE_OVERRIDE,
        "values.yaml:datapathMode",
        statuses={"node-a": {"device_mode": "veth"}, "node-b": {"device_mode": "netkit"}},
    ),
    Scenario(
        "kpr-without-masquerade-legacy",
        "https://github.com/cilium/cilium/issues/18120",
        _replace(VEth, "  masquerade: true\n", ""),
        "host-routing",
        CauseKind.REQUIREMENT_MISSING,
        "values.yaml:hostLegacyRouting",
        statuses={
            None: {
                "routing": p.Routing("Legacy", "Native"),
                "device_mode": "veth",
                "masquerading": p.Masquerading("IPTables", ipv4=True, ipv6=False),
            }
        },
    ),
    Scenario(
        "ipsec-forces-legacy-host-routing",
        "https://github.com/cilium/cilium/issues/28223",
        _replace(
            VEth, "encryption:\n  enabled: false", "encryption:\n  enabled: true\n  type: ipsec"
        ),
        "host-routing",
        CauseKind.CONFLICTING_SETTING,
        "values.yaml:type",
    ),
    Scenario(
        "ipsec-with-kpr-on-1.14",
        "https://github.com/cilium/cilium/issues/28223",
        _replace(
            VEth, "encryption:\n  enabled: false", "encryption:\n  enabled: true\n  type: ipsec"
        ),
        "encryption",
        CauseKind.CONFLICTING_SETTING,
        "values.yaml:type",
        version="1.14.19",
    ),
    Scenario(
        "bpf-masquerade-without-kpr-fatal",
        "https://github.com/cilium/cilium/issues/29663",
        _replace(VEth, "kubeProxyReplacement: true", "kubeProxyReplacement: false"),
        "masquerading",
        CauseKind.REQUIREMENT_MISSING,
        "values.yaml:masquerade",
        version="1.16.19",
    ),
    Scenario(
        "kpr-true-but-talos-kube-proxy-on",
        "https://github.com/siderolabs/talos/issues/9132",
        SEED_VALUES,
        "kube-proxy-replacement",
        CauseKind.TALOS_CONFLICT,
        "values.yaml:kubeProxyReplacement",
        talos={"kube_proxy_disabled": False},
    ),
    Scenario(
        "talos-flannel-beside-cilium",
        "https://github.com/siderolabs/talos/issues/2638",
        SEED_VALUES,
        "cni-chaining",
        CauseKind.TALOS_CONFLICT,
        "talos.yaml:60",
        talos={"cni": "flannel"},
    ),
    Scenario(
        "bbr-dropped-without-bandwidth-manager",
        "https://github.com/cilium/cilium/issues/32909",
        _replace(
            SEED_VALUES, "bandwidthManager:\n  enabled: true", "bandwidthManager:\n  enabled: false"
        ),
        "bandwidth-manager",
        CauseKind.KEY_IGNORED,
        "values.yaml:bbr",
    ),
    Scenario(
        "upgrade-not-rolled-out-version",
        "https://github.com/cilium/cilium/issues/46010",
        SEED_VALUES,
        "cilium-version",
        CauseKind.NOT_APPLIED,
        "set",
        version="1.19.6",
        statuses={None: {}},
    ),
    Scenario(
        "envoy-embedded-after-upgrade",
        "https://github.com/cilium/cilium/issues/32909",
        _replace(VEth, "l7Proxy: false", "l7Proxy: true"),
        "l7-proxy",
        CauseKind.VERSION_DEFAULT,
        "values.yaml:l7Proxy",
        statuses={None: {"device_mode": "veth", "proxy": p.ProxyStatus(True, envoy="embedded")}},
    ),
    Scenario(
        "wireguard-typo-encryption-type",
        "https://github.com/cilium/cilium/issues/28223",
        _replace(
            SEED_VALUES,
            "encryption:\n  enabled: false",
            "encryption:\n  enabled: true\n  type: wireGuard",
        ),
        "encryption",
        CauseKind.KEY_IGNORED,
        "values.yaml:type",
    ),
]


def _line_of(text: str, key: str) -> int:
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip().startswith(f"{key}:"):
            return number
    raise AssertionError(f"{key} not in values")


def _run(s: Scenario) -> list[Finding]:
    talos_fields = dict(s.talos)
    kernel = talos_fields.pop("kernel", "6.18.0-talos")
    facts = seed_talos(kernel=kernel, **talos_fields) if kernel else seed_talos(**talos_fields)
    if kernel is None:
        facts = type(facts)(**{**facts.__dict__, "kernel": None})
    decl = declared(s.values, version=s.version, talos_facts=facts)
    observations = []
    for node, overrides in (s.statuses or {}).items():
        status = seed_status(**overrides)
        observations.append(NodeObservation(name=node, status=status))
    comparison = compare(decl, observations, kernels=s.kernels)
    return [f for f in comparison.findings if f.fact == s.fact and f.causes]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.id for s in SCENARIOS])
def test_top_cause_and_location(scenario: Scenario) -> None:
    findings = _run(scenario)
    if scenario.kind is not None:
        findings = [f for f in findings if f.kind is scenario.kind]
    assert findings, f"no finding on {scenario.fact}"
    tops = [f.causes[0].kind for f in findings]
    assert scenario.cause in tops, tops
    finding = findings[tops.index(scenario.cause)]
    source = finding.source
    assert source is not None
    where, _, what = scenario.location.partition(":")
    if where == "values.yaml":
        assert source.position is not None and source.position.file == "values.yaml"
        assert source.position.line == _line_of(scenario.values, what)
    elif where == "talos.yaml":
        assert source.position is not None and source.position.file == "talos.yaml"
        assert source.position.line == int(what)
    else:
        assert source.layer.value == where
    assert finding.fix is not None or finding.kind is FindingKind.HEALTH
    assert scenario.url.startswith("https://github.com/")


def test_at_least_25_scenarios() -> None:
    assert len({s.id for s in SCENARIOS}) >= 25
