"""lint reads and parses each file once: one parse serves the layers as written and the model.

The input is what a GitOps repository holds: a Flux HelmRelease whose ``valuesFrom``
ConfigMap a kustomization generates from a values file next to it, an Argo CD Application
with a ``helm.values`` string and a ``valueFiles`` entry naming a values file also given on
its own, and a Talos machine config with a patch. Every YAML parse goes through the one
reader (``ciliumdrift.load.yaml``) and every file read through ``ciliumdrift.textio``; the
test counts the parses, by where each text starts, and the reads from disk, by file.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ciliumdrift import limits
from ciliumdrift.cli import app
from ciliumdrift.load import yaml as reader

FILES = {
    "flux/helmrelease.yaml": """\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: cilium
  namespace: kube-system
spec:
  chart:
    spec:
      chart: cilium
      version: 1.18.4
      sourceRef:
        kind: HelmRepository
        name: cilium
  valuesFrom:
    - kind: ConfigMap
      name: cilium-values
  values:
    routingMode: native
""",
    "flux/kustomization.yaml": """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ./helmrelease.yaml
configMapGenerator:
  - name: cilium-values
    files:
      - values.yaml=./base-values.yaml
""",
    "flux/base-values.yaml": """\
kubeProxyReplacement: true
ipam:
  mode: kubernetes
""",
    "argo/app.yaml": """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: cilium
spec:
  source:
    chart: cilium
    repoURL: https://helm.cilium.io
    targetRevision: 1.18.4
    helm:
      valueFiles:
        - values.yaml
      values: |
        kubeProxyReplacement: "true"
""",
    "argo/values.yaml": """\
routingMode: native
ipam:
  mode: kubernetes
  mode: cluster-pool  # a duplicate key: lint reports it, the model takes the last one
""",
    "talos/controlplane.yaml": """\
version: v1alpha1
machine:
  type: controlplane
  install:
    image: ghcr.io/siderolabs/installer:v1.9.5
cluster:
  network:
    cni:
      name: none
  proxy:
    disabled: true
""",
    "talos/patch.yaml": """\
machine:
  kernel:
    modules:
      - name: br_netfilter
""",
}
VALUES = ["argo/values.yaml", "argo/app.yaml", "flux/helmrelease.yaml"]
TALOS = ["talos/controlplane.yaml", "talos/patch.yaml"]


@pytest.fixture
def repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, text in FILES.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # short names; no pyproject.toml of the repository applies
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Every parse of the reader, by the position where the parsed text starts."""
    counted: Counter[str] = Counter()
    parse = reader._Builder._parse

    def counting(builder: reader._Builder) -> list[reader.YamlDocument]:
        counted[str(builder.where(0, 0))] += 1
        return parse(builder)

    monkeypatch.setattr(reader._Builder, "_parse", counting)
    return counted


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Every file read from disk, by name."""
    counted: Counter[str] = Counter()
    read = limits.read_regular

    def counting(path: str, limit: int, field_name: str, **options: str) -> bytes:
        counted[str(path)] += 1
        return read(path, limit, field_name, **options)

    monkeypatch.setattr(limits, "read_regular", counting)
    return counted


def _lint(*extra: str) -> str:
    talos = [arg for name in TALOS for arg in ("--talos", name)]
    result = CliRunner().invoke(app, ["lint", *VALUES, *talos, *extra])
    assert result.exit_code == 1, result.output  # findings, not bad input
    return result.stdout


@pytest.mark.parametrize("layered", [False, True], ids=["file-by-file", "layered"])
def test_each_file_is_read_and_parsed_once(
    repository: Path, parses: Counter[str], reads: Counter[str], layered: bool
) -> None:
    out = _lint(*(["--layered"] if layered else []))
    assert reads == dict.fromkeys(FILES, 1)  # the values file beside the HelmRelease too
    # every file was read (those a wrapper points at too), and the embedded helm.values
    assert {key.split(":")[0] for key in parses} == set(FILES)
    assert "argo/app.yaml:14:9" in parses  # helm.values, parsed at its place in the file
    assert {key: count for key, count in parses.items() if count != 1} == {}
    # those parses served both views: a rule on the text as written, the model's conflicts
    assert "argo/values.yaml:4:3: CD107 duplicate-key" in out  # only a lenient read sees it
    assert "flux/base-values.yaml:1:23: CD215 kpr-without-api-server-address" in out
    if not layered:  # linted on its own, the Application's helm.values decides this one
        assert "argo/app.yaml:14:31: CD215 kpr-without-api-server-address" in out
    assert "flux/helmrelease.yaml:18:18: CD201 native-routing-without-cidr" in out


def test_each_run_reads_afresh(repository: Path, parses: Counter[str], reads: Counter[str]) -> None:
    """The reads are shared within one run, never between runs (a file may change)."""
    first = _lint()
    (repository / "argo/values.yaml").write_text("routingMode: tunnel\n", encoding="utf-8")
    second = _lint()
    assert parses["argo/values.yaml:1:1"] == 2 and reads["argo/values.yaml"] == 2
    assert "argo/values.yaml:4:3" in first and "argo/values.yaml:4:3" not in second
