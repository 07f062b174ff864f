"""Flux, Argo CD and kustomize wrappers; embedded strings keep outer-file positions."""

from __future__ import annotations

from pathlib import Path

import pytest

from ciliumdrift.errors import ValuesError
from ciliumdrift.load import load_declared, load_values
from ciliumdrift.model import Layer

from .conftest import write

ARGO = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: cilium}
spec:
  source:
    repoURL: https://helm.cilium.io
    chart: cilium
    targetRevision: 1.18.4
    helm:
      values: |
        kubeProxyReplacement: true
        bpf:
          masquerade: true
      parameters:
        - name: bpf.datapathMode
          value: netkit
        - name: k8sServicePort
          value: "7445"
          forceString: true
"""


def test_argo_values_string_positions_are_outer_file_positions(tmp_path: Path) -> None:
    path = write(tmp_path, "app.yaml", ARGO)
    values = load_values([path])
    assert values.chart_version == "1.18.4"
    assert values.raw("bpf.masquerade") is True
    where = values.origin("bpf.masquerade").position
    assert where is not None and (where.line, where.column) == (13, 23)
    assert ARGO.splitlines()[where.line - 1][where.column - 1 :] == "true"
    assert values.raw("bpf.datapathMode") == "netkit"
    assert values.origin("bpf.datapathMode").position.line == 15  # type: ignore[union-attr]
    assert values.raw("k8sServicePort") == "7445"
    assert values.origin("k8sServicePort").layer is Layer.SET_STRING


def test_argo_values_object_wins_and_application_set(tmp_path: Path) -> None:
    text = ARGO.replace(
        "      parameters:", "      valuesObject:\n        routingMode: native\n      parameters:"
    )
    text = text.replace("kind: Application\n", "kind: ApplicationSet\n").replace(
        "spec:\n  source:", "spec:\n  template:\n   spec:\n    source:"
    )
    text = "\n".join(
        ("  " + line[2:] if line.startswith("    ") and i > 5 else line)
        for i, line in enumerate(text.splitlines())
    )
    path = write(
        tmp_path,
        "appset.yaml",
        ARGO.replace(
            "      parameters:",
            "      valuesObject:\n        routingMode: native\n      parameters:",
        ),
    )
    values = load_values([path])
    assert values.raw("routingMode") == "native"
    assert values.origin("kubeProxyReplacement").layer is Layer.CHART_DEFAULT
    assert any("valuesObject takes precedence" in d.message for d in values.diagnostics)


def test_multi_document_file_picks_the_cilium_release(tmp_path: Path) -> None:
    text = """\
apiVersion: v1
kind: Namespace
metadata: {name: kube-system}
---
apiVersion: helm.toolkit.fluxcd.io/v2beta1
kind: HelmRelease
metadata: {name: other}
spec:
  chart: {spec: {chart: ingress-nginx, version: 4.0.0}}
  values: {routingMode: wrong}
---
apiVersion: helm.toolkit.fluxcd.io/v2beta1
kind: HelmRelease
metadata: {name: cilium}
spec:
  chart: {spec: {chart: cilium, version: 1.16.x}}
  values:
    routingMode: native
"""
    values = load_values([write(tmp_path, "hr.yaml", text)], cilium_version="1.16.5")
    assert values.raw("routingMode") == "native"
    assert any(d.code == "values-version-range" for d in values.diagnostics)
    assert values.chart_version == "1.16.5"


def test_kubernetes_objects_without_a_wrapper_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValuesError, match="no Helm values here") as caught:
        load_values(
            [write(tmp_path, "cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")]
        )
    assert caught.value.position is not None


def test_kustomize_helm_charts(tmp_path: Path) -> None:
    write(tmp_path, "base-values.yaml", "routingMode: native\nbpf:\n  masquerade: false\n")
    write(tmp_path, "extra.yaml", "bpf:\n  masquerade: true\n")
    kustomization = write(
        tmp_path,
        "kustomization.yaml",
        """\
helmCharts:
  - name: cilium
    repo: https://helm.cilium.io
    version: 1.17.4
    valuesFile: base-values.yaml
    additionalValuesFiles: [extra.yaml, missing.yaml]
    valuesInline:
      tunnelProtocol: geneve
""",
    )
    declared = load_declared([kustomization])
    assert declared.cilium_version is not None and declared.cilium_version.value == "1.17.4"
    values = declared.values
    assert values.raw("routingMode") == "native"
    assert values.origin("routingMode").position.file.endswith("base-values.yaml")  # type: ignore[union-attr]
    assert values.raw("bpf.masquerade") is True
    assert values.raw("tunnelProtocol") == "geneve"
    assert any(d.code == "values-file-not-resolved" for d in values.diagnostics)


def test_multi_document_plain_values_merge_like_helm_4(tmp_path: Path) -> None:
    values = load_values(
        [write(tmp_path, "v.yaml", "a: 1\nb: {c: 1}\n---\nb: {d: 2}\n")], chart="none"
    )
    assert values.values == {"a": 1, "b": {"c": 1, "d": 2}}
    assert any(d.code == "values-multi-document" for d in values.diagnostics)


def test_chart_none_version_and_dir(tmp_path: Path) -> None:
    path = write(tmp_path, "v.yaml", "bpf:\n  masquerade: true\ngone: null\n")
    assert load_values([path], chart="none").values == {"bpf": {"masquerade": True}, "gone": None}
    chart = tmp_path / "chart"
    chart.mkdir()
    write(chart, "Chart.yaml", "apiVersion: v2\nname: cilium\nversion: 9.9.9\n")
    write(chart, "values.yaml", "bpf:\n  masquerade: false\n  tproxy: false\ngone: 1\n")
    values = load_values([path], chart=str(chart))
    assert values.values == {"bpf": {"masquerade": True, "tproxy": False}}
    assert values.chart_version == "9.9.9"
    assert values.origin("bpf.tproxy").position.file.endswith("values.yaml")  # type: ignore[union-attr]
    assert load_values([path], chart="1.16").raw("bpf.datapathMode") == "veth"
