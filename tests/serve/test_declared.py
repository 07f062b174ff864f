"""Declared input inside the cluster: a values ConfigMap, the Helm release, mounted files."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ciliumdrift.errors import CollectionError, InputError
from ciliumdrift.serve.declared import ConfigMapRef, DeclaredSources, WorkDir
from ciliumdrift.serve.runner import RunOptions, run_once
from ciliumdrift.serve.state import DriftState
from tests.fakecluster import helm_release_payload
from tests.serve.conftest import SEED, ServeCluster

pytestmark = pytest.mark.live

Cluster = Callable[..., tuple[ServeCluster, Path]]
SEED_VALUES = (SEED / "values.yaml").read_text(encoding="utf-8")
TALOS = (str(SEED / "talos.yaml"),)


def seed_values() -> dict[str, Any]:
    from ruamel.yaml import YAML

    loaded: dict[str, Any] = YAML(typ="safe").load(SEED_VALUES)
    return loaded


def run(kubeconfig: Path, work: WorkDir, sources: DeclaredSources) -> DriftState:
    options = RunOptions(sources=sources, kubeconfig=str(kubeconfig), timeout=10.0)
    return run_once(options, threading.Event(), work)


def device_mode_sources(state: DriftState) -> set[str]:
    report = json.loads(state.report_json())
    return {
        f["source"]["file"]
        for f in report["findings"]
        if f["status_line"] == "Device Mode" and f.get("source")
    }


def test_values_from_a_configmap_are_read_every_run(cluster: Cluster, tmp_path: Path) -> None:
    fake, kubeconfig = cluster(2, configmaps={"cilium-values": {"values.yaml": SEED_VALUES}})
    work = WorkDir(str(tmp_path / "work"))
    sources = DeclaredSources(
        configmaps=(ConfigMapRef("kube-system", "cilium-values"),), talos_files=TALOS
    )
    clean = run(kubeconfig, work, sources)
    assert clean.pairs == {} and clean.exit_code == 0
    # GitOps changes the ConfigMap to veth; the agents still run netkit: every node drifts
    fake.configmaps["cilium-values"] = {
        "values.yaml": SEED_VALUES.replace("datapathMode: netkit", "datapathMode: veth")
    }
    assert "datapathMode: veth" in fake.configmaps["cilium-values"]["values.yaml"]
    drifted = run(kubeconfig, work, sources)
    assert {node for node, line in drifted.pairs if line == "Device Mode"} == {
        "node-000",
        "node-001",
    }
    written = tmp_path / "work" / "configmap" / "kube-system" / "cilium-values" / "values.yaml"
    assert device_mode_sources(drifted) == {str(written)}
    assert "datapathMode: veth" in written.read_text()


def test_configmap_problems_fail_the_run_with_a_clear_message(
    cluster: Cluster, tmp_path: Path
) -> None:
    _fake, kubeconfig = cluster(1, configmaps={"cilium-values": {"other.yaml": "{}"}})
    work = WorkDir(str(tmp_path / "work"))
    with pytest.raises(CollectionError, match=r"no key 'values.yaml' \(keys: other.yaml\)"):
        run(
            kubeconfig,
            work,
            DeclaredSources(configmaps=(ConfigMapRef.parse("cilium-values", "kube-system"),)),
        )
    with pytest.raises(CollectionError, match=r"kube-system/absent:values\.yaml: not found"):
        run(
            kubeconfig,
            work,
            DeclaredSources(configmaps=(ConfigMapRef.parse("absent", "kube-system"),)),
        )


def test_values_from_the_helm_release(cluster: Cluster, tmp_path: Path) -> None:
    releases = [helm_release_payload(revision=2, config=seed_values())]
    fake, kubeconfig = cluster(2, releases=releases)
    work = WorkDir(str(tmp_path / "work"))
    sources = DeclaredSources(helm_release=True, talos_files=TALOS)
    clean = run(kubeconfig, work, sources)
    assert clean.pairs == {}, clean.pairs
    assert any("/secrets" in path for path in fake.requests)
    fake.drift("node-001", **{"datapath-mode": "veth"})
    drifted = run(kubeconfig, work, sources)
    assert {node for node, line in drifted.pairs if line == "Device Mode"} == {"node-001"}
    release_file = tmp_path / "work" / "helm-release" / "kube-system" / "cilium" / "v2.yaml"
    assert device_mode_sources(drifted) == {str(release_file)}
    # a new revision replaces the file of the old one
    fake.releases = [helm_release_payload(revision=3, config=seed_values())]
    run(kubeconfig, work, sources)
    assert not release_file.exists()
    assert (release_file.parent / "v3.yaml").is_file()
    report = json.loads(drifted.report_json())
    assert "U0VDUkVULURPLU5PVC1QUklOVA" not in json.dumps(report)


def test_no_release_deployed(cluster: Cluster, tmp_path: Path) -> None:
    _fake, kubeconfig = cluster(1)
    with pytest.raises(CollectionError, match="no deployed Helm release"):
        run(kubeconfig, WorkDir(str(tmp_path)), DeclaredSources(helm_release=True))


def test_configmap_references() -> None:
    assert ConfigMapRef.parse("v", "kube-system") == ConfigMapRef("kube-system", "v", "values.yaml")
    assert ConfigMapRef.parse("flux/v:x.yaml", "kube-system") == ConfigMapRef("flux", "v", "x.yaml")
    for bad in ("", "a/b/c", "ns/", "v:.."):
        with pytest.raises(InputError, match="--values-configmap"):
            ConfigMapRef.parse(bad, "kube-system")


def test_missing_mounted_files_fail_at_start(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        DeclaredSources(values_files=(str(tmp_path / "absent.yaml"),)).check_files()
    DeclaredSources(values_files=(str(SEED / "values.yaml"),), talos_files=TALOS).check_files()
