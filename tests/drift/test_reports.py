"""Drift scenarios rebuilt from real reports, each from the values, the `cilium status` lines,
the Cilium version and the kernel (or Talos facts) the report gives.

Every scenario cites its report and asserts where the true cause ranks (first unless the
report leaves two causes equally plausible) and which declared key the finding points at.
The clean scenarios are real configurations whose status must not be reported as drift.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from ciliumdrift.compare import compare
from ciliumdrift.model import CauseKind, Finding, FindingKind, NodeObservation, Severity, Verdict
from ciliumdrift.parse import parse_status
from tests.derive.builders import declared, seed_talos


@dataclass(frozen=True)
class Report:
    id: str
    url: str
    values: str
    fact: str
    cause: CauseKind
    where: str  # a dotted Helm key in values.yaml, "talos:<field>", or "layer:<layer>"
    version: str
    status: str | None = None  # the report's status lines; None: config only (cross-checks)
    kernel: str | None = None
    talos: dict[str, Any] | None = None  # Talos facts over the seed's; None: not Talos
    kind: FindingKind | None = None
    rank: int = 0  # the true cause's index among the ranked causes (0: first)


REPORTS = [
    Report(
        "kpr-off-demotes-host-routing",
        "https://github.com/cilium/cilium/pull/44041",
        "kubeProxyReplacement: false\nbpf:\n  hostLegacyRouting: false\n",
        "host-routing",
        CauseKind.REQUIREMENT_MISSING,
        "kubeProxyReplacement",
        "1.19.0",
        status="Routing:                 Network: Tunnel [vxlan]   Host: Legacy\n",
        kernel="6.8.0",
        kind=FindingKind.CROSS_CHECK,
    ),
    Report(
        "native-routing-without-bpf-masquerade",
        "https://github.com/gardener/gardener-extension-networking-cilium/issues/349",
        "kubeProxyReplacement: strict\nroutingMode: native\nipv4NativeRoutingCIDR: 10.250.0.0/16\n",
        "host-routing",
        CauseKind.REQUIREMENT_MISSING,
        # the conflict points at the value that asks for eBPF host routing (lint shows it
        # there too); the unset bpf.masquerade has no line of its own
        "kubeProxyReplacement",
        "1.15.7",
        status=(
            "Host Routing:            Legacy\n"
            "Masquerading:            IPTables [IPv4: Enabled, IPv6: Disabled]\n"
        ),
        kernel="5.15.0",
        kind=FindingKind.CROSS_CHECK,
    ),
    Report(
        "bpf-masquerade-without-nodeport-fatal-on-1.15",
        "https://github.com/cilium/cilium/pull/29778",
        "kubeProxyReplacement: false\nbpf:\n  masquerade: true\n",
        "masquerading",
        CauseKind.REQUIREMENT_MISSING,
        "bpf.masquerade",
        "1.15.0",
        kernel="6.5.0",
    ),
    Report(
        "kpr-strict-refused-by-chart-1.18",
        "https://github.com/kubernetes-sigs/kubespray/issues/12887",
        "kubeProxyReplacement: strict\n",
        "kube-proxy-replacement",
        CauseKind.DEPRECATED_VALUE,
        "kubeProxyReplacement",
        "1.18.4",
    ),
    Report(
        "upgrade-compatibility-1.11-kpr-default",
        "https://github.com/cilium/cilium/issues/27344",
        (
            "gke:\n  enabled: true\nipam:\n  mode: kubernetes\n"
            'ipv4NativeRoutingCIDR: 10.5.64.0/18\nupgradeCompatibility: "1.11"\n'
        ),
        "kube-proxy-replacement",
        CauseKind.DEPRECATED_VALUE,
        "upgradeCompatibility",
        "1.16.19",
    ),
    Report(
        "bbr-with-explicit-legacy-routing-fatal",
        "https://github.com/cilium/cilium/pull/38898",
        (
            "kubeProxyReplacement: true\nbpf:\n  masquerade: true\n  hostLegacyRouting: true\n"
            "bandwidthManager:\n  enabled: true\n  bbr: true\n"
        ),
        "bandwidth-manager",
        CauseKind.REQUIREMENT_MISSING,
        "bandwidthManager.bbr",
        "1.17.4",
        kernel="6.8.0",
    ),
    Report(
        "netkit-with-legacy-routing-refused-1.20",
        "https://github.com/cilium/cilium/pull/44713",
        (
            "kubeProxyReplacement: true\nbpf:\n  masquerade: true\n  hostLegacyRouting: true\n"
            "  datapathMode: netkit\n"
        ),
        "device-mode",
        CauseKind.CONFLICTING_SETTING,
        "bpf.datapathMode",
        "1.20.0",
        kernel="6.12.0",
    ),
    Report(
        "netkit-demoted-to-legacy-refused-1.20",
        "https://github.com/cilium/cilium/pull/46032",
        "kubeProxyReplacement: false\nbpf:\n  masquerade: true\n  datapathMode: netkit\n",
        "device-mode",
        CauseKind.REQUIREMENT_MISSING,
        "bpf.datapathMode",
        "1.20.0",
        kernel="6.12.0",
    ),
    Report(
        "talos-hostdns-with-netkit-1.16.3",
        "https://github.com/siderolabs/talos/pull/9200",
        (
            "kubeProxyReplacement: true\nk8sServiceHost: 127.0.0.1\nk8sServicePort: 7445\n"
            "routingMode: native\nipv4NativeRoutingCIDR: 10.244.0.0/16\n"
            "autoDirectNodeRoutes: true\n"
            "ipam:\n  mode: kubernetes\nbpf:\n  masquerade: true\n  hostLegacyRouting: false\n"
            "  datapathMode: netkit\n"
        ),
        "host-routing",
        CauseKind.TALOS_CONFLICT,
        "talos:forward_kube_dns_to_host",
        "1.16.3",
        talos={"forward_kube_dns_to_host": True, "pod_subnets": ("10.244.0.0/16",)},
    ),
    Report(
        "talos-hostdns-link-local-with-bpf-masquerade",
        "https://github.com/cilium/cilium/issues/35153",
        (
            "k8sServiceHost: localhost\nk8sServicePort: 7445\nkubeProxyReplacement: true\n"
            "installNoConntrackIptablesRules: true\nroutingMode: native\n"
            "autoDirectNodeRoutes: true\n"
            "ipv4NativeRoutingCIDR: 10.244.0.0/16\nlocalRedirectPolicy: true\nipam:\n"
            "  mode: kubernetes\nbpf:\n  masquerade: true\nipMasqAgent:\n  enabled: true\n"
            "  config:\n    masqLinkLocal: false\nbandwidthManager:\n  enabled: true\n  bbr: true\n"
        ),
        "host-routing",
        CauseKind.TALOS_CONFLICT,
        "talos:forward_kube_dns_to_host",
        "1.16.2",
        talos={"forward_kube_dns_to_host": True, "pod_subnets": ("10.244.0.0/16",)},
        rank=1,
    ),
    Report(
        "kubeprism-disabled-but-localhost",
        "https://github.com/siderolabs/talos/issues/9156",
        "kubeProxyReplacement: true\nk8sServiceHost: localhost\nk8sServicePort: 7445\n",
        "kubernetes",
        CauseKind.TALOS_CONFLICT,
        "k8sServiceHost",
        "1.16.0",
        talos={"kubeprism_enabled": False},
    ),
    Report(
        "bandwidth-manager-disabled-in-nested-netns",
        "https://github.com/cilium/cilium/issues/33851",
        "bandwidthManager:\n  enabled: true\n",
        "bandwidth-manager",
        CauseKind.REQUIREMENT_MISSING,
        "bandwidthManager.enabled",
        "1.16.0",
        status="BandwidthManager:        Disabled\n",
        kernel="6.5.0",
        kind=FindingKind.DRIFT,
    ),
    Report(
        "tcx-turned-off-outside-the-values",
        "https://github.com/grafana/beyla/pull/1545",
        "kubeProxyReplacement: true\n",
        "attach-mode",
        CauseKind.CONFLICTING_SETTING,
        "layer:chart-default",
        "1.16.5",
        status="Attach Mode:             Legacy TC\n",
        kernel="6.8.0",
        kind=FindingKind.DRIFT,
        rank=1,
    ),
    Report(
        "cluster-pool-list-changed-after-allocation",
        "https://github.com/cilium/cilium/issues/27245",
        (
            "encryption:\n  enabled: true\n  type: wireguard\n"
            "hubble:\n  relay:\n    enabled: true\n"
            "ipam:\n  operator:\n    clusterPoolIPv4PodCIDRList:\n    - 192.168.0.0/16\n"
        ),
        "ipam",
        CauseKind.NOT_APPLIED,
        "ipam.operator.clusterPoolIPv4PodCIDRList",
        "1.14.0",
        status="IPAM:                    IPv4: 5/254 allocated from 10.221.239.0/24, \n",
        kernel="5.15.117",
        kind=FindingKind.DRIFT,
    ),
    Report(
        "removed-cluster-pool-cidr-key",
        "https://github.com/cilium/cilium/issues/23872",
        (
            "cluster:\n  id: 2\n  name: cluster2\nipam:\n  operator:\n"
            "    clusterPoolIPv4PodCIDR: 10.1.0.0/16\n"
        ),
        "ipam",
        CauseKind.DEPRECATED_VALUE,
        "ipam.operator.clusterPoolIPv4PodCIDR",
        "1.14.19",
        status=(
            "IPAM:                    IPv4: 4/254 allocated from 10.0.1.0/24, \n"
            "Global Identity Range:   min 131072, max 196607\n"
        ),
        kind=FindingKind.CROSS_CHECK,
    ),
    Report(
        "ipsec-keeps-legacy-host-routing-on-1.16",
        "https://github.com/isovalent/terraform-aws-talos/pull/174",
        (
            "kubeProxyReplacement: true\nk8sServiceHost: localhost\nk8sServicePort: 7445\n"
            "routingMode: native\nipv4NativeRoutingCIDR: 10.0.0.0/16\nbpf:\n  masquerade: true\n"
            "encryption:\n  enabled: true\n  type: ipsec\n"
        ),
        "host-routing",
        CauseKind.CONFLICTING_SETTING,
        "encryption.type",
        "1.16.5",
        status="Routing:                 Network: Native   Host: Legacy\n",
        talos={"pod_subnets": ("10.0.0.0/16",), "kernel": "6.6.33-talos"},
        kind=FindingKind.CROSS_CHECK,
    ),
    Report(
        "fragment-values-miss-kpr",
        "https://github.com/cilium/cilium/issues/18120",
        (
            "bpf:\n  masquerade: true\n  hostLegacyRouting: false\nroutingMode: native\n"
            "ipv4NativeRoutingCIDR: 10.132.0.0/14\n"
        ),
        "kube-proxy-replacement",
        CauseKind.VERSION_DEFAULT,
        "layer:chart-default",
        "1.18.4",
        status="KubeProxyReplacement:    True   [eth0   10.0.0.4 (Direct Routing)]\n",
        kernel="6.8.0",
        kind=FindingKind.DRIFT,
        rank=1,
    ),
]


@dataclass(frozen=True)
class Clean:
    """A real configuration whose status must match (no error-level drift)."""

    id: str
    url: str
    values: str
    version: str
    status: str
    kernel: str
    talos: dict[str, Any] | None = None
    quiet_facts: tuple[str, ...] = field(default_factory=tuple)


CLEAN = [
    Clean(
        "ipv6-big-tcp-printed-with-ipv4-values",
        "https://github.com/cilium/cilium/issues/45513",
        (
            "kubeProxyReplacement: true\nroutingMode: native\nipv4NativeRoutingCIDR: 10.0.0.0/8\n"
            "autoDirectNodeRoutes: true\nbpf:\n  masquerade: true\nenableIPv4BIGTCP: true\n"
            "enableIPv6BIGTCP: false\n"
        ),
        "1.19.3",
        (
            "IPv4 BIG TCP:            Enabled   [196608]\n"
            "IPv6 BIG TCP:            Enabled   [196608]\n"
        ),
        "6.12.0",
        quiet_facts=("ipv4-big-tcp", "ipv6-big-tcp"),
    ),
    Clean(
        "bbr-host-namespace-only-with-legacy-routing",
        "https://github.com/cilium/cilium/pull/38898",
        (
            "kubeProxyReplacement: true\nroutingMode: native\nipv4NativeRoutingCIDR: 10.0.0.0/8\n"
            "bpf:\n  masquerade: true\n  hostLegacyRouting: true\nbandwidthManager:\n"
            "  enabled: true\n  bbr: true\n  bbrHostNamespaceOnly: true\n"
        ),
        "1.18.4",
        (
            "BandwidthManager:        EDT with BPF [BBR] [eth0]\n"
            "Routing:                 Network: Native   Host: Legacy\n"
        ),
        "6.8.0",
        quiet_facts=("bandwidth-manager", "host-routing"),
    ),
    Clean(
        "ipsec-with-bpf-host-routing-on-1.19",
        "https://github.com/cilium/cilium/pull/36258",
        (
            "kubeProxyReplacement: true\nroutingMode: native\n"
            "ipv4NativeRoutingCIDR: 100.64.0.0/10\n"
            "bpf:\n  masquerade: true\n  hostLegacyRouting: false\nencryption:\n  enabled: true\n"
            "  type: ipsec\n"
        ),
        "1.19.3",
        (
            "Routing:                 Network: Native   Host: BPF\n"
            "Masquerading:            BPF  [eth0]  100.64.0.0/10 [IPv4: Enabled, IPv6: Disabled]\n"
            "Encryption:              IPsec\n"
        ),
        "6.8.0",
        quiet_facts=("host-routing", "masquerading", "masquerading-cidr", "encryption"),
    ),
]


def _observations(status: str | None, name: str) -> list[NodeObservation]:
    if status is None:
        return []
    return [NodeObservation(name=None, status=parse_status(status, source=f"{name}.txt"))]


def _talos(fields: dict[str, Any] | None) -> Any:
    return seed_talos(**fields) if fields is not None else None


def _findings(report: Report) -> list[Finding]:
    decl = declared(report.values, version=report.version, talos_facts=_talos(report.talos))
    kernels = {None: report.kernel} if report.kernel else {}
    comparison = compare(decl, _observations(report.status, report.id), kernels=kernels)
    found = [f for f in comparison.findings if f.fact == report.fact and f.causes]
    return [f for f in found if report.kind is None or f.kind is report.kind]


def _points_at(finding: Finding, where: str) -> bool:
    source = finding.source
    if source is None:
        return False
    if where.startswith("layer:"):
        return source.layer.value == where.partition(":")[2]
    if where.startswith("talos:"):
        return (
            source.position is not None
            and source.position.file == "talos.yaml"
            and source.key == where.partition(":")[2]
        )
    return (
        source.position is not None
        and source.position.file == "values.yaml"
        and source.key == where
    )


@pytest.mark.parametrize("report", REPORTS, ids=[r.id for r in REPORTS])
def test_true_cause_ranks_and_points_at_the_declaration(report: Report) -> None:
    findings = _findings(report)
    assert findings, f"no finding on {report.fact}"
    ranked = [f for f in findings if report.cause in [c.kind for c in f.causes[: report.rank + 1]]]
    assert ranked, [[c.kind.value for c in f.causes[:3]] for f in findings]
    assert any(_points_at(f, report.where) for f in ranked), [
        (f.source.describe() if f.source else None) for f in ranked
    ]
    assert all(f.fix is not None for f in ranked if f.kind is not FindingKind.HEALTH)
    assert report.url.startswith("https://github.com/")


@pytest.mark.parametrize("clean", CLEAN, ids=[c.id for c in CLEAN])
def test_real_configs_show_no_false_drift(clean: Clean) -> None:
    decl = declared(clean.values, version=clean.version, talos_facts=_talos(clean.talos))
    comparison = compare(decl, _observations(clean.status, clean.id), kernels={None: clean.kernel})
    rows = [r for r in comparison.rows if r.fact in clean.quiet_facts]
    assert rows, "the status lines were not compared"
    assert all(r.verdict in (Verdict.MATCH, Verdict.CONDITIONAL) for r in rows), [
        (r.fact, r.expected, r.observed, r.verdict.value) for r in rows
    ]
    loud = [
        f
        for f in comparison.findings
        if f.fact in clean.quiet_facts and f.severity in (Severity.ERROR, Severity.WARNING)
    ]
    assert not loud, [f.message for f in loud]


def test_at_least_15_reported_scenarios() -> None:
    assert len({r.id for r in REPORTS}) + len({c.id for c in CLEAN}) >= 15
    assert len({r.url for r in REPORTS}) >= 12
