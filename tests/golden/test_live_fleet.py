"""Golden ``live`` output: the fleet matrix in text (two widths), markdown and JSON.

A 40-node fake cluster where 3 agents run veth instead of netkit and one does not answer:
the text output is the nodes x status-lines matrix with Expected and Uniform columns, one
column per group of identical nodes (not one per node), the groups with their nodes, then
each finding once with its nodes. The fake API server's address and the kubeconfig's path
change per run and are replaced by placeholders. Regenerate with
``UPDATE_GOLDEN=1 pytest -p no:xdist tests/golden/test_live_fleet.py``.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import invoke
from tests.fakecluster import FakeCluster
from tests.fakecluster.cluster import Fault, make_agents
from tests.fakecluster.statuses import with_changes
from tests.golden import SEED, assert_golden

BASE = ("live", "-f", f"{SEED}/values.yaml", "--talos", f"{SEED}/talos.yaml")
VETH = (5, 17, 33)
SILENT = 21

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def cluster() -> Iterator[tuple[FakeCluster, Path]]:
    agents = make_agents(40)
    for index in VETH:
        agents[index].status = with_changes(agents[index].status, {"datapath-mode": "veth"})
    fake = FakeCluster(agents, faults={agents[SILENT].pod: Fault.ERROR}).start()
    # The header prints the kubeconfig's path, wrapped: a path of one length (not pytest's
    # per-worker tmp dirs) wraps the same way on every run.
    with tempfile.TemporaryDirectory(prefix="cdlive", dir="/tmp") as work:
        try:
            yield fake, fake.kubeconfig(Path(work) / "kubeconfig")
        finally:
            fake.stop()


def _run(kubeconfig: Path, url: str, *args: str, columns: int = 100) -> tuple[int, str]:
    env = {"COLUMNS": str(columns), "NO_COLOR": "1"}
    code, out, err = invoke(*BASE, "--kubeconfig", str(kubeconfig), *args, env=env)
    assert code in (0, 1), out + err
    return code, out.replace(str(kubeconfig), "<kubeconfig>").replace(url, "<server>")


RUNS: dict[str, tuple[tuple[str, ...], int]] = {
    "live-fleet-40.txt": ((), 100),
    "live-fleet-40-80-columns.txt": ((), 80),
    "live-fleet-40.md": (("--format", "markdown"), 100),
}


@pytest.mark.parametrize("name", sorted(RUNS))
def test_live_fleet_golden(name: str, cluster: tuple[FakeCluster, Path], repo_cwd: Path) -> None:
    fake, kubeconfig = cluster
    args, columns = RUNS[name]
    code, out = _run(kubeconfig, fake.url, *args, columns=columns)
    assert_golden(name, code, out)
    if name.endswith(".txt"):
        assert max(len(line) for line in out.splitlines()) <= columns


def test_live_fleet_json_golden(cluster: tuple[FakeCluster, Path], repo_cwd: Path) -> None:
    fake, kubeconfig = cluster
    code, out = _run(kubeconfig, fake.url, "--format", "json")
    fleet = json.loads(out)["fleet"]
    assert_golden("live-fleet-40.fleet.json", code, json.dumps(fleet, indent=1) + "\n")


def test_the_text_matrix_has_a_column_per_group_not_per_node(
    cluster: tuple[FakeCluster, Path], repo_cwd: Path
) -> None:
    fake, kubeconfig = cluster
    code, out = _run(kubeconfig, fake.url)
    assert code == 1
    header = next(line for line in out.splitlines() if line.startswith("Status line"))
    assert re.split(r"\s{2,}", header) == ["Status line", "Expected", "Uniform", "A (36)", "B (3)"]
    device = next(line for line in out.splitlines() if line.startswith("Device Mode"))
    assert re.split(r"\s{2,}", device) == ["Device Mode", "netkit", "No", "netkit", "veth [DRIFT]"]
    veth = ", ".join(f"node-{i:03d}" for i in VETH)
    assert f"B [1 drift] 3 node(s): {veth}" in out
    # the silent agent is no column (it has no status) but a health finding naming it
    assert f"node-{SILENT:03d}" in out.split("Health", 1)[1]
    assert "compared on 39 node(s)" in out  # 40 agents, one without a status
