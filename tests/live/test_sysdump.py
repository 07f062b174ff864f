"""Reading a cilium sysdump archive: the same observations and layers as a live run."""

from __future__ import annotations

import io
import json
import tarfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ciliumdrift.errors import CollectionError
from ciliumdrift.live import report_from
from ciliumdrift.live.sysdump import read_sysdump
from tests.fakecluster import FakeCluster, make_agents, seed_configmap
from tests.fakecluster.statuses import as_json
from tests.live.conftest import SEED

TS = "20260101-101010"
Cli = Callable[..., tuple[int, str, str]]


def tarball(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def make_sysdump(
    path: Path, *, helm: dict[str, Any] | None = None, datapath: str = "netkit"
) -> Path:
    cluster = FakeCluster(make_agents(3))
    agents = cluster.agents
    pods = [cluster.pod_object(a) for a in agents]
    pods.append(
        {
            "metadata": {"name": "coredns-1", "labels": {"k8s-app": "kube-dns"}},
            "spec": {},
            "status": {},
        }
    )
    root = f"cilium-sysdump-{TS}/"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            root + f"k8s-nodes-{TS}.yaml",
            json.dumps({"kind": "NodeList", "items": [cluster.node_object(a) for a in agents]}),
        )
        archive.writestr(
            root + f"k8s-pods-{TS}.yaml", json.dumps({"kind": "PodList", "items": pods})
        )
        archive.writestr(
            root + f"cilium-configmap-{TS}.yaml",
            json.dumps(
                {
                    "kind": "ConfigMap",
                    "metadata": {"name": "cilium-config"},
                    "data": {**seed_configmap(), "datapath-mode": datapath},
                }
            ),
        )
        archive.writestr(
            root + f"ciliumnodeconfigs-{TS}.yaml", "apiVersion: v1\nkind: List\nitems: []\n"
        )
        archive.writestr(
            root + f"cilium-bugtool-cilium-00000-{TS}.tar.gz",
            tarball(
                {
                    "cilium-bugtool-x/cmd/cilium-dbg-status---verbose.md": agents[0].text,
                    "cilium-bugtool-x/cmd/cilium-dbg-status--o-json.md": as_json(agents[0].status),
                    "cilium-bugtool-x/cmd/ip-a.md": "1: lo: <LOOPBACK>",
                }
            ),
        )
        archive.writestr(root + "cilium-status-cilium-00001.txt", agents[1].text)
        # cilium/cilium#33455: the agent disabled the bandwidth manager (logrus logfmt).
        archive.writestr(
            root + f"logs-cilium-00001-cilium-agent-{TS}.log",
            'time="2024-07-16T17:44:57Z" level=warning msg="BPF bandwidth manager could not '
            'read procfs. Disabling the feature." subsys=bandwidth-manager\n',
        )
        archive.writestr(
            root + f"logs-cilium-00001-cilium-agent-{TS}-prev.log", "level=info msg=old\n"
        )
        archive.writestr(root + "hubble-flows-cilium-00000.json", "{}")
        if helm is not None:
            archive.writestr(root + f"cilium-helm-values-{TS}.yaml", json.dumps(helm))
            archive.writestr(
                root + f"cilium-helm-metadata-{TS}.yaml",
                "name: cilium\nnamespace: kube-system\nrevision: 5\nstatus: deployed\n"
                "chart: cilium\nversion: 1.18.4\n",
            )
    return path


def test_observations_from_a_sysdump(tmp_path: Path) -> None:
    result = read_sysdump(make_sysdump(tmp_path / "dump.zip"))
    by_node = {o.name: o for o in result.observations}
    assert set(by_node) == {"node-000", "node-001", "node-002"}
    assert by_node["node-000"].status.format == "json"  # type: ignore[union-attr]  # JSON wins
    assert by_node["node-001"].status.format.startswith("text")  # type: ignore[union-attr]
    assert by_node["node-002"].status is None
    assert by_node["node-002"].error == "unreachable: the sysdump holds no status for this agent"
    assert by_node["node-000"].kernel == "6.18.0-talos"
    assert (
        by_node["node-000"].source is not None
        and "cilium-dbg-status--o-json.md" in by_node["node-000"].source
    )
    assert (
        result.deployed.configmap is not None
        and result.deployed.configmap["datapath-mode"] == "netkit"
    )
    assert result.cilium_version == "1.18.4"
    log = by_node["node-001"].agent_log
    assert log is not None and "could not read procfs" in log.entries[0].message
    assert by_node["node-000"].agent_log is None


def test_sysdump_layers_against_the_declared_files(tmp_path: Path) -> None:
    helm = {"bpf": {"datapathMode": "veth"}}
    result = read_sysdump(make_sysdump(tmp_path / "dump.zip", helm=helm, datapath="veth"))
    assert result.deployed.release is not None and result.deployed.release.chart_version == "1.18.4"
    report = report_from(result, values_files=[str(SEED / "values.yaml")])
    facts = {f.fact for f in report.findings}
    assert "deployed-values" in facts
    values = next(
        f for f in report.findings if f.fact == "deployed-values" and f.expected == "netkit"
    )
    assert values.observed == "veth" and values.causes[0].kind.value == "not-applied"


def test_check_sysdump_command(tmp_path: Path, run_cli: Cli) -> None:
    dump = make_sysdump(tmp_path / "dump.zip")
    code, out, err = run_cli(
        "check",
        "-f",
        str(SEED / "values.yaml"),
        "--talos",
        str(SEED / "talos.yaml"),
        "--sysdump",
        str(dump),
        "--format",
        "json",
    )
    assert code == 0, (out, err)
    report = json.loads(out)
    assert {r["node"] for r in report["rows"]} == {"node-000", "node-001"}
    assert [f["nodes"] for f in report["findings"] if f["kind"] == "health"] == [["node-002"]]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not a zip", "not a zip archive"),
        (None, "no Cilium agent pods or statuses"),
    ],
)
def test_unusable_archives(tmp_path: Path, content: bytes | None, message: str) -> None:
    path = tmp_path / "bad.zip"
    if content is None:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("readme.txt", "hello")
    else:
        path.write_bytes(content)
    with pytest.raises(CollectionError, match=message):
        read_sysdump(path)
    with pytest.raises(CollectionError, match="no such file"):
        read_sysdump(tmp_path / "missing.zip")


def test_oversized_members_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"k8s-nodes-{TS}.yaml", b"\0" * (16 * 1024 * 1024 + 10))
    with pytest.raises(CollectionError, match="larger than the 16 MiB limit"):
        read_sysdump(path)


def test_broken_members_become_diagnostics(tmp_path: Path) -> None:
    path = make_sysdump(tmp_path / "dump.zip")
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr(f"ciliumnodeconfigs-{TS}.json", "items: [")
        archive.writestr(f"cilium-bugtool-cilium-00002-{TS}.tar.gz", b"not a tarball")
        archive.writestr("cilium-status-cilium-00002.md", "\x00\x01 garbage {{{")
    result = read_sysdump(path)
    codes = [d.message for d in result.diagnostics]
    assert any("not valid YAML" in m for m in codes)
    assert any("not a readable bugtool archive" in m for m in codes)
    node2 = next(o for o in result.observations if o.name == "node-002")
    assert node2.error is not None and node2.error.startswith("unparseable")
