"""Real values files, wrappers and Talos configs from public repositories (see MANIFEST.tsv).

None of these files is in tests/corpus. Each case below was checked by hand against
the file it reads: the exact set of lint findings (rule code and the key it is about, so a
new false positive or a lost true one fails), and facts the loaders must get right (the
chart version read from the wrapper or what it points at, merged values, Talos facts).
Where a case pairs files of different commits, MANIFEST.tsv says so.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ciliumdrift.cli import app
from ciliumdrift.errors import InputError, YamlError
from ciliumdrift.lint import lint
from ciliumdrift.load import load_declared, load_talos, load_values, set_flags_from_options

HERE = Path(__file__).resolve().parent
RUNNER = CliRunner()


@dataclass(frozen=True)
class Case:
    """One lint/load run over real files, with what a careful reader expects of it."""

    id: str
    values: tuple[str, ...]
    findings: frozenset[tuple[str, str | None]]  # (rule code, key) of every violation
    version: str | None = None  # --cilium-version; None: what the files say
    talos: tuple[str, ...] = ()
    chart_version: str | None = None  # the version the loader resolves
    facts: dict[str, Any] = field(default_factory=dict)  # dotted key -> merged value
    talos_facts: dict[str, Any] = field(default_factory=dict)  # TalosFacts field -> value
    diagnostics: frozenset[str] = frozenset()  # loader diagnostic codes that must appear


def _f(*pairs: tuple[str, str | None]) -> frozenset[tuple[str, str | None]]:
    return frozenset(pairs)


CASES = (
    Case(
        "isac322-argo-multisource",
        ("values/isac322/argocd/apps/cilium.yaml",),
        _f(),
        chart_version="1.19.6",
        facts={"routingMode": "native", "bpf.datapathMode": "veth", "upgradeCompatibility": "1.19"},
        diagnostics=frozenset({"values-file-resolved"}),
    ),
    Case(
        "isac322-values-1.20",
        ("values/isac322/values/cilium/backbone.yaml",),
        _f(),
        version="1.20.0",
        chart_version="1.20.0",
        facts={"pmtuDiscovery.enabled": True, "defaultLBServiceIPAM": "nodeipam"},
    ),
    Case(
        "pf56-argo-values-object-1.14",
        ("values/pf56-app.yaml",),
        _f(("CD404", "kubeProxyReplacement")),
        chart_version="1.14.4",
        facts={"kubeProxyReplacement": "strict", "MTU": 1360, "cgroup.autoMount.enabled": False},
    ),
    Case(
        "rcanderson23-app-finds-its-value-file",
        ("values/rcanderson23/argocd/apps/cilium.yaml",),
        _f(("CD205", "kubeProxyReplacement")),
        chart_version="1.15.6",
        facts={"k8sServicePort": 7445, "ipam.mode": "kubernetes"},
        diagnostics=frozenset({"values-file-resolved"}),
    ),
    Case(
        "rcanderson23-value-file-given-first",
        (
            "values/rcanderson23/argocd/values/cilium.yaml",
            "values/rcanderson23/argocd/apps/cilium.yaml",
        ),
        _f(("CD205", "kubeProxyReplacement")),
        chart_version="1.15.6",
        facts={"k8sServiceHost": "localhost"},
        diagnostics=frozenset({"values-file-resolved"}),
    ),
    Case(
        "maksimshakavin-valuesfrom-elsewhere",
        ("values/maksimshakavin-hr.yaml",),
        _f(("CD501", "hubble.ui.ingress.hosts"), ("CD505", None)),
        chart_version="1.15.6",
        facts={"hubble.relay.enabled": True},
        diagnostics=frozenset({"values-from-not-resolved", "values-placeholder"}),
    ),
    Case(
        "cedsbe-kustomize-values-file",
        ("values/cedsbe/kustomization.yaml",),
        _f(("CD401", "externalIPs")),
        talos=("talos/adampetrovic-machine-features.yaml",),
        chart_version="1.19.1",
        facts={"bpf.hostLegacyRouting": True, "envoy.prometheus.port": "9964"},
    ),
    Case(
        "mnrowe-kustomize",
        ("values/mnrowe/kustomization.yaml",),
        _f(("CD205", "kubeProxyReplacement")),
        chart_version="1.16.5",
        facts={"cluster.name": "talos-homelab"},
    ),
    Case(
        "jbaikge-configmap-given",
        ("values/jbaikge/config-map.yaml", "values/jbaikge/helm-release.yaml"),
        _f(("CD205", "kubeProxyReplacement"), ("CD401", "externalIPs")),
        chart_version="1.18.1",
        facts={"ciliumEndpointSlice.enabled": True, "cluster.name": "hardwood"},
        diagnostics=frozenset({"values-from-resolved"}),
    ),
    Case(
        "jbaikge-configmap-found-next-to-the-helmrelease",
        ("values/jbaikge/helm-release.yaml",),
        _f(("CD205", "kubeProxyReplacement"), ("CD401", "externalIPs")),
        chart_version="1.18.1",
        facts={"ingressController.loadbalancerMode": "shared"},
        diagnostics=frozenset({"values-from-resolved"}),
    ),
    Case(
        "bjw-s-valuesfrom-generated-next-to-the-helmrelease",
        ("values/bjw-s/helmrelease.yaml",),
        _f(
            ("CD102", "hubble.ui.ingress.rollOutPods"),
            ("CD403", "enableRuntimeDeviceDetection"),
        ),
        chart_version="1.16.5",
        facts={
            "hubble.ui.ingress.enabled": True,
            "hubble.ui.enabled": False,
            "hubble.enabled": True,  # the HelmRelease's own values come after valuesFrom
            "bpf.datapathMode": "netkit",
            "devices": "bond+",
        },
        diagnostics=frozenset({"values-from-resolved"}),
    ),
    Case(
        "jfroy-hubble-certmanager",
        ("values/jfroy-hr.yaml",),
        _f(("CD501", "hubble.ui.ingress.hosts"), ("CD505", None)),
        chart_version="1.15.6",
        facts={"hubble.tls.auto.method": "certmanager", "loadBalancer.l7.backend": "envoy"},
    ),
    Case(
        "soulwhisper-chartref-given",
        ("values/soulwhisper/ocirepository.yaml", "values/soulwhisper/helmrelease.yaml"),
        _f(("CD101", "bpf.distributedLRU\\.enabled")),
        chart_version="1.19.3",
        facts={"bpf.datapathMode": "netkit", "loadBalancer.mode": "hybrid"},
        diagnostics=frozenset({"values-chart-ref-resolved"}),
    ),
    Case(
        "soulwhisper-chartref-found-next-to-the-helmrelease",
        ("values/soulwhisper/helmrelease.yaml",),
        _f(("CD101", "bpf.distributedLRU\\.enabled")),
        chart_version="1.19.3",
        facts={"bpf.datapathMode": "netkit", "bpf.distributedLRU.enabled": False},
        diagnostics=frozenset({"values-chart-ref-resolved"}),
    ),
    Case(
        "geckosplinter-talconfig",
        ("values/geckosplinter-values.yaml",),
        _f(
            ("CD101", "cgroup.automount"),
            ("CD312", "cgroup.autoMount.enabled"),
            ("CD403", "localRedirectPolicy"),
        ),
        version="1.18.4",
        talos=("talos/geckosplinter/talconfig.yaml",),
        chart_version="1.18.4",
        facts={"bpf.hostLegacyRouting": True, "ipv4NativeRoutingCIDR": "10.69.0.0/16"},
        talos_facts={
            "version": "1.11.3",
            "kernel": "6.12.43",
            "cni": "none",
            "kube_proxy_disabled": True,
            "pod_subnets": ("10.69.0.0/16",),
            "kubeprism_port": 7445,
            "forward_kube_dns_to_host": True,
        },
    ),
    Case(
        "geckosplinter-talos-1.14-documents",
        ("values/geckosplinter-values.yaml",),
        _f(
            ("CD101", "cgroup.automount"),
            ("CD312", "cgroup.autoMount.enabled"),
            ("CD403", "localRedirectPolicy"),
        ),
        version="1.18.4",
        talos=(
            "talos/geckosplinter/all/10-cluster.yaml",
            "talos/geckosplinter/control-plane/00-cluster.yaml",
        ),
        chart_version="1.18.4",
        talos_facts={"cni": "none", "kube_proxy_disabled": True, "pod_subnets": ("10.69.0.0/16",)},
    ),
    Case(
        "adampetrovic-hostdns-patch",
        ("values/adampetrovic-values.yaml",),
        _f(
            ("CD101", "cgroup.automount"),
            ("CD205", "bpf.masquerade"),
            ("CD312", "cgroup.autoMount.enabled"),
        ),
        version="1.17.4",
        talos=("talos/adampetrovic-machine-features.yaml",),
        chart_version="1.17.4",
        facts={"bpf.masquerade": False, "loadBalancer.mode": "dsr"},
        talos_facts={"host_dns_enabled": True, "forward_kube_dns_to_host": False},
    ),
    Case(
        "roeldev-kindless-kustomization",
        ("values/roeldev/kustomization.yaml",),
        _f(("CD205", "kubeProxyReplacement"), ("CD404", "kubeProxyReplacement")),
        talos=("talos/roeldev-default.yaml.tpl", "talos/roeldev-control-plane.yaml.tpl"),
        chart_version="1.15.4",
        facts={"kubeProxyReplacement": "strict", "priorityClassName": "high-priority"},
        talos_facts={"cni": "none", "kubeprism_port": 7445, "kernel_modules": ("br_netfilter",)},
    ),
    Case(
        "roeldev-1.14-legacy-bgp",
        ("values/roeldev-values-1.14.yaml",),
        _f(
            ("CD205", "kubeProxyReplacement"),
            ("CD403", "bgp"),
            ("CD404", "kubeProxyReplacement"),
        ),
        version="1.14.2",
        talos=("talos/roeldev-default.yaml.tpl",),
        chart_version="1.14.2",
        facts={"bgp.enabled": True},
    ),
    Case(
        "tim275-hostdns-with-legacy-routing",
        ("values/tim275-cilium-values.yaml",),
        _f(("CD101", "loadBalancer.enabled"), ("CD401", "externalIPs")),
        version="1.18.2",
        talos=("talos/tim275-common.yaml.tftpl",),
        chart_version="1.18.2",
        talos_facts={
            "forward_kube_dns_to_host": True,
            "interfaces": ("lo",),
            "kubeprism_port": 7445,
        },
    ),
    Case(
        "pale-whale-terraform-values",
        ("values/pale-whale-values.yaml.tpl",),
        # localRedirectPolicies.enabled next to the old key: written for 1.18
        _f(("CD501", "ipv4NativeRoutingCIDR"), ("CD403", "localRedirectPolicy")),
        version="1.18.4",
        chart_version="1.18.4",
        facts={"kubeProxyReplacement": "true", "maglev.hashSeed": "JAeU+bGYbg1OJFJd"},
        diagnostics=frozenset({"values-placeholder"}),
    ),
    Case(
        "szinn-chartref-older-commit",
        ("values/szinn/helmrelease.yaml",),
        _f(("CD101", "cgroup.automount"), ("CD101", "localRedirectPolicies")),
        chart_version="1.17.3",
        facts={"bpf.datapathMode": "netkit", "enableIPv4BIGTCP": True},
    ),
    Case(
        "szinn-as-1.18",
        ("values/szinn/helmrelease.yaml",),
        _f(("CD101", "cgroup.automount")),
        version="1.18.4",
        chart_version="1.18.4",
    ),
    Case(
        "haraldkoch-dual-stack-talconfig",
        ("values/haraldkoch/helmrelease.yaml",),
        _f(
            ("CD101", "cgroup.automount"),
            ("CD102", "prometheus.annotations"),
            ("CD312", "cgroup.autoMount.enabled"),
        ),
        talos=("talos/haraldkoch/talconfig.yaml",),
        chart_version="1.18.4",
        facts={"ipv6NativeRoutingCIDR": "fdd5:aa8:9535:42::/108", "bpf.datapathMode": "netkit"},
        talos_facts={
            "version": "1.11.0-beta.2",
            "pod_subnets": ("10.42.0.0/16", "fdd5:aa8:9535:42::/108"),
            "forward_kube_dns_to_host": False,
            "kube_proxy_disabled": True,
        },
    ),
    Case(
        "xxczaki-dual-stack-argo",
        ("values/xxczaki-app.yaml",),
        _f(("CD205", "bpf.masquerade")),
        chart_version="1.19.4",
        facts={"ipv6.enabled": True, "extraConfig.enable-ipv6-ndp": "true"},
    ),
    Case(
        "trentscholl-1.14-k3s",
        ("values/trentscholl-hr.yaml",),
        _f(("CD403", "bgp"), ("CD403", "containerRuntime"), ("CD403", "tunnel")),
        chart_version="1.14.5",
        facts={
            "tunnel": "disabled",
            "hubble.ui.ingress.tls": [{"hosts": ["hubble.trentscholl.com"]}],
        },
    ),
    Case(
        "trentscholl-with-its-full-talos-config",
        ("values/trentscholl-hr.yaml",),
        _f(
            ("CD301", "ipv4NativeRoutingCIDR"),
            ("CD309", "kubeProxyReplacement"),
            ("CD311", None),
            ("CD312", "cgroup.autoMount.enabled"),
            ("CD403", "bgp"),
            ("CD403", "containerRuntime"),
            ("CD403", "tunnel"),
        ),
        talos=("talos/trentscholl-controlplane.yaml",),
        chart_version="1.14.5",
        talos_facts={
            "version": "1.7.5",
            "machine_type": "controlplane",
            "cni": "flannel",
            "kube_proxy_disabled": False,
            "forward_kube_dns_to_host": False,
            "pod_subnets": ("10.244.0.0/16",),
        },
    ),
    Case(
        "kenlasko-affinity-and-removed-tunnel",
        ("values/kenlasko-values.yaml",),
        _f(("CD101", "bpf.hostRouting"), ("CD401", "tunnel")),
        version="1.16.3",
        chart_version="1.16.3",
        facts={"k8sServicePort": 6444, "cluster.id": 0},
    ),
    Case(
        "dsuprunov-umbrella-values",
        ("values/dsuprunov/argocd/workloads/cilium/values.yaml",),
        _f(("CD101", "nodePort.directRoutingDevice"), ("CD205", "kubeProxyReplacement")),
        chart_version="1.19.5",
        facts={"devices": "eth0", "gatewayAPI.enabled": True},
        diagnostics=frozenset({"values-umbrella"}),
    ),
    Case(
        "dsuprunov-app-on-a-git-path",
        ("values/dsuprunov/argocd/applications/cilium.yaml",),
        _f(("CD101", "nodePort.directRoutingDevice"), ("CD205", "kubeProxyReplacement")),
        chart_version="1.19.5",
        facts={"socketLB.hostNamespaceOnly": True},
        diagnostics=frozenset({"values-file-resolved", "values-umbrella"}),
    ),
    Case(
        "oquinena-cluster-pool-scalar",
        ("values/oquinena/argocd/applications/cilium.yaml",),
        # no k8sServiceHost under kube-proxy replacement: the model (and check) flag it
        _f(("CD205", "kubeProxyReplacement"), ("CD215", "kubeProxyReplacement")),
        chart_version="1.18.3",
        facts={"ipam.operator.clusterPoolIPv4PodCIDRList": "10.0.0.0/16", "routingMode": "tunnel"},
    ),
    Case(
        "xenitab-terraform-aks",
        ("values/xenitab-values.yaml.tpl",),
        _f(
            ("CD205", "kubeProxyReplacement"),
            ("CD404", "kubeProxyReplacement"),
            ("CD501", "k8sServiceHost"),
            ("CD501", "k8sServicePort"),
        ),
        version="1.15.7",
        chart_version="1.15.7",
        facts={"aksbyocni.enabled": True, "nodePort.enabled": True},
    ),
    Case(
        "zifeo-rke2-helmchartconfig",
        ("values/zifeo-rke2-cilium.yml.tpl",),
        _f(
            ("CD205", "kubeProxyReplacement"),
            ("CD404", "kubeProxyReplacement"),
            ("CD501", "cluster.id"),
            ("CD501", "cluster.name"),
            ("CD501", "k8sServiceHost"),
            ("CD501", "operator.replicas"),
        ),
        version="1.14.19",
        chart_version="1.14.19",
        facts={"eni.enabled": True, "k8sServicePort": 6443},
    ),
    Case(
        "mnrowe-networking-duplicates-linted",
        ("values/mnrowe-networking/kustomization.yaml",),
        _f(
            ("CD101", "bpf.ctAnyTimeout"),
            ("CD101", "bpf.ctTcpTimeout"),
            ("CD101", "gatewayAPI.sessionAffinityTimeoutSeconds"),
            ("CD102", "gatewayAPI.sessionAffinity"),
            ("CD107", "cgroup"),
            ("CD107", "k8sServiceHost"),
            ("CD107", "k8sServicePort"),
            ("CD504", "k8sServicePort"),
        ),
    ),
)

BY_ID = {case.id: case for case in CASES}


def _paths(names: tuple[str, ...]) -> list[str]:
    return [str(HERE / name) for name in names]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_lint_findings_are_exactly_the_real_ones(case: Case) -> None:
    report = lint(
        _paths(case.values),
        talos_files=_paths(case.talos),
        cilium_version=case.version,
        layered=True,
    )
    found = {(v.code, v.key) for v in report.violations}
    assert found == case.findings, [
        f"{v.position}: {v.code} {v.message}" for v in report.violations
    ]
    if case.chart_version is not None:
        assert report.cilium_version == case.chart_version
    for violation in report.violations:
        # every finding points into a real line of a real file, at the key it names
        lines = Path(violation.position.file).read_text(encoding="utf-8").splitlines()
        line = lines[violation.position.line - 1]
        if violation.key is not None and violation.code not in {"CD205", "CD312", "CD309"}:
            last = violation.key.replace("\\.", ".").split(".")[-1]
            assert last in line or "${" in line, (violation.position, line)


LOADABLE = [case for case in CASES if case.chart_version is not None]


@pytest.mark.parametrize("case", LOADABLE, ids=lambda c: c.id)
def test_loader_facts(case: Case) -> None:
    declared = load_declared(
        _paths(case.values), talos_files=_paths(case.talos), cilium_version=case.version
    )
    values = declared.values
    assert values.chart_version == case.chart_version
    assert declared.cilium_version is not None
    assert declared.cilium_version.value == case.chart_version
    for key, expected in case.facts.items():
        assert values.raw(key) == expected, key
        assert values.origin(key).position is not None or key in {"hubble.ui.enabled"}, key
    codes = {d.code for d in values.diagnostics}
    assert case.diagnostics <= codes, codes
    if case.talos_facts:
        assert declared.talos is not None
        for name, expected in case.talos_facts.items():
            got = getattr(declared.talos, name)
            if isinstance(got, tuple) and got and hasattr(got[0], "value"):
                got = tuple(item.value for item in got)
            elif hasattr(got, "value"):
                got = got.value
            assert got == expected, name


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_every_command_runs_on_the_files(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no repository settings apply
    version = ["--cilium-version", case.version] if case.version else []
    values = [arg for path in _paths(case.values) for arg in ("-f", path)]
    talos = [arg for path in _paths(case.talos) for arg in ("--talos", path)]
    loads = case.chart_version is not None
    result = RUNNER.invoke(app, ["values", *values, "--format", "json", *version])
    assert result.exit_code == (0 if loads else 2), result.output
    if loads:
        document = json.loads(result.stdout)
        assert document["chart_version"] == case.chart_version
        assert all(isinstance(v, str) for v in document["sources"].values())
    result = RUNNER.invoke(
        app, ["lint", *_paths(case.values), "--layered", *talos, "--format", "json", *version]
    )
    report = json.loads(result.stdout)
    assert {(v["code"], v["key"]) for v in report["violations"]} == set(case.findings)
    result = RUNNER.invoke(app, ["expect", *values, *talos, "--format", "json", *version])
    assert result.exit_code == (0 if loads else 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


# -- files that must be refused, with the right one-line error --------------------------------
def test_duplicate_keys_refused_by_the_loader_where_helm_keeps_the_last() -> None:
    with pytest.raises(YamlError) as caught:
        load_values(_paths(("values/mnrowe-networking/kustomization.yaml",)))
    assert str(caught.value).endswith(
        "mnrowe-networking/values.yaml:22:1: duplicate key 'k8sServiceHost' (first at line 6)"
    )


def test_a_1_11_wrapper_is_read_with_the_bundled_1_11_chart() -> None:
    # The wrapper pins Cilium 1.11.6 (line 11): 1.10 to 1.13 charts are bundled now.
    path = _paths(("values/hiroyaonoe-app.yaml",))
    assert load_values(path).chart_version == "1.11.6"
    result = RUNNER.invoke(app, ["expect", "-f", path[0], "--format", "json"])
    assert result.exit_code == 0, result.stderr
    report = lint(path)
    assert "chart defaults of 1.11.20 stand in for 1.11.6" in str(report.diagnostics)
    assert "key checks skipped" not in str(report.diagnostics)


@pytest.mark.parametrize(
    ("talos", "where", "template"),
    [
        ("talos/tim275-control-plane.yaml.tftpl", (12, 2), "'%{ if vip != null }'"),
        ("talos/pale-whale-default.yaml.tpl", (30, 2), "'%{ if deploy_cilium_cni ~}'"),
        ("talos/szinn-machineconfig.yaml.j2", (7, 6), "'{% if ENV.IS_CONTROLPLANE %}'"),
    ],
)
def test_unrendered_template_directives_are_named(
    talos: str, where: tuple[int, int], template: str
) -> None:
    with pytest.raises(YamlError) as caught:
        load_talos(_paths((talos,)))
    error = caught.value
    assert error.position is not None
    assert (error.position.line, error.position.column) == where
    assert f"unrendered {'Jinja statement' if '{%' in template else 'Terraform directive'} " in str(
        error
    )
    # The excerpt is not quoted (a template expression can hold a secret): only its opener.
    assert template not in str(error) and template[1:3] in str(error)
    assert "\n" not in str(error)


# -- Talos files on their own ------------------------------------------------------------------
def test_soupglasses_talconfig_and_the_set_flags_its_cilium_job_runs() -> None:
    """The values are the `cilium install --set` flags of the inline-manifest Job."""
    flags = set_flags_from_options(
        set=[
            "ipam.mode=kubernetes",
            "routingMode=native",
            "kubeProxyReplacement=true",
            "ipv4NativeRoutingCIDR=10.42.0.0/16",
            "k8sServiceHost=localhost",
            "k8sServicePort=7445",
        ]
    )
    declared = load_declared(
        set_flags=flags,
        talos_files=_paths(("talos/soupglasses/talconfig.yaml",)),
        cilium_version="1.18.4",
    )
    talos = declared.talos
    assert talos is not None and talos.version is not None and talos.version.value == "1.10.7"
    assert talos.cni is not None and talos.cni.value == "none"
    assert talos.pod_subnets is not None and talos.pod_subnets.value == ("10.244.0.0/16",)
    # every patch the talconfig names was read: the default is certain, not a guess
    assert (talos.pod_subnets.origin.detail or "").startswith("talhelper default")
    assert [m.value for m in talos.kernel_modules] == []  # node patches are not merged
    assert declared.values.raw("ipv4NativeRoutingCIDR") == "10.42.0.0/16"
    assert any(d.code == "talos-json-patch-skipped" for d in talos.diagnostics)


def test_minimal_cilium_patch() -> None:
    talos = load_talos(_paths(("talos/jdmarble-cilium.yaml",)))
    assert talos.cni is not None and talos.cni.value == "none"
    assert talos.kube_proxy_disabled is not None and talos.kube_proxy_disabled.value is True
    assert talos.machine_type is None  # a patch, not a machine config


def test_real_secrets_are_fakes_and_never_reach_the_facts() -> None:
    path = HERE / "talos" / "trentscholl-controlplane.yaml"
    text = path.read_text(encoding="utf-8")
    assert "RkFLRS" in text and "PRIVATE KEY" not in text
    talos = load_talos([str(path)])
    assert "RkFLRS" not in repr(talos)


# -- the collection itself -----------------------------------------------------------------------
def _manifest() -> list[dict[str, str]]:
    with (HERE / "MANIFEST.tsv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def test_manifest_lists_every_file_with_its_source() -> None:
    rows = _manifest()
    listed = {row["file"] for row in rows}
    present = {
        str(p.relative_to(HERE))
        for p in HERE.rglob("*")
        if p.is_file() and p.suffix != ".py" and p.name != "MANIFEST.tsv" and "__" not in p.name
    }
    assert listed == present
    for row in rows:
        assert len(row["commit"]) == 40 and row["repo"].count("/") == 1, row
    values_repos = {r["repo"] for r in rows if r["file"].startswith("values/")}
    talos_repos = {r["repo"] for r in rows if r["file"].startswith("talos/")}
    assert len(values_repos) >= 25 and len(talos_repos) >= 10


def test_every_file_is_exercised() -> None:
    used = {name for case in CASES for name in (*case.values, *case.talos)}
    referenced = {
        # read through the wrapper or talconfig that names them
        "values/isac322/values/cilium/backbone.yaml",
        "values/rcanderson23/argocd/values/cilium.yaml",
        "values/cedsbe/values.yaml",
        "values/mnrowe/values.yaml",
        "values/mnrowe-networking/values.yaml",
        "values/dsuprunov/argocd/workloads/cilium/Chart.yaml",
        "values/haraldkoch/ocirepository.yaml",
        "values/szinn/ocirepository.yaml",
        "values/roeldev/values.yaml",
        "values/bjw-s/values.yaml",
        "values/bjw-s/kustomization.yaml",
        "values/oquinena/networking/cilium-values.yaml",
        "talos/geckosplinter/talenv.yaml",
        "talos/geckosplinter/patches/controller/cluster.yaml",
        "talos/haraldkoch/talenv.yaml",
        "talos/haraldkoch/patches/controller/cluster.yaml",
        # the tests above
        "talos/tim275-control-plane.yaml.tftpl",
        "talos/pale-whale-default.yaml.tpl",
        "talos/szinn-machineconfig.yaml.j2",
        "talos/soupglasses/talconfig.yaml",
        "talos/soupglasses/patches/cilium.yaml",
        "talos/soupglasses/patches/cluster.yaml",
        "talos/soupglasses/patches/cluster-machine.yaml",
        "talos/soupglasses/patches/openebs.yaml",
        "talos/soupglasses/patches/nvidia.yaml",
        "talos/jdmarble-cilium.yaml",
        "values/hiroyaonoe-app.yaml",
    }
    assert {row["file"] for row in _manifest()} <= used | referenced


def test_input_errors_are_one_line() -> None:
    for case in CASES:
        try:
            load_declared(_paths(case.values), talos_files=_paths(case.talos))
        except InputError as error:
            assert "\n" not in str(error) and str(error).count(":") >= 3
