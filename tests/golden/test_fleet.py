"""Golden grouped output: 1, 3 and 300 nodes, and the width a terminal gives.

Nodes with identical results print as one group line (``297 nodes: 23/23 lines match``),
findings that read the same on several nodes print once with their nodes, and no line is
wider than the terminal. Regenerate with ``UPDATE_GOLDEN=1 pytest -p no:xdist tests/golden``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import invoke
from tests.golden import SEED, assert_golden

FLEET = "tests/golden/fleet"
BASE = ("check", "-f", f"{SEED}/values.yaml", "--talos", f"{SEED}/talos.yaml")


def _statuses(count: int, odd: dict[int, str]) -> list[str]:
    """``--status node-NNN=FILE`` for ``count`` nodes: the seed status, or ``odd[i]``."""
    args: list[str] = []
    for index in range(count):
        path = odd.get(index, f"{SEED}/status.txt")
        args += ["--status", f"node-{index:03d}={path}"]
    return args


VETH = f"{FLEET}/status-veth.txt"
LEGACY = f"{FLEET}/status-legacy-tc.txt"
RUNS: dict[str, tuple[tuple[str, ...], int]] = {
    "fleet-1.txt": ((*BASE, "--status", f"node-000={SEED}/status.txt"), 100),
    "fleet-3.txt": ((*BASE, *_statuses(3, {1: VETH})), 100),
    "fleet-300.txt": ((*BASE, *_statuses(300, {7: VETH, 150: VETH, 299: LEGACY})), 100),
    "fleet-3-verbose.txt": ((*BASE, *_statuses(3, {1: VETH}), "--verbose"), 100),
    "fleet-300-quiet.txt": ((*BASE, *_statuses(300, {7: VETH, 150: VETH}), "--quiet"), 100),
    "fleet-3-80-columns.txt": ((*BASE, *_statuses(3, {1: VETH})), 80),
}


def _run(args: tuple[str, ...], columns: int) -> tuple[int, str]:
    code, out, err = invoke(*args, env={"COLUMNS": str(columns), "NO_COLOR": "1"})
    assert code in (0, 1), out + err
    return code, out


@pytest.mark.parametrize("name", sorted(RUNS))
def test_grouped_golden(name: str, repo_cwd: Path) -> None:
    args, columns = RUNS[name]
    code, out = _run(args, columns)
    assert_golden(name, code, out)
    assert max(len(line) for line in out.splitlines()) <= columns


def test_300_nodes_fit_100_columns_and_stay_short(repo_cwd: Path) -> None:
    code, out = _run(RUNS["fleet-300.txt"][0], 100)
    lines = out.splitlines()
    assert code == 1
    assert max(len(line) for line in lines) <= 100
    assert len(lines) < 150, len(lines)  # 300 nodes, yet about one screen of groups
    assert "297 nodes: 23/23 lines match" in out
    assert "2 nodes: 22/23 lines match, 1 drift (node-007, node-150)" in out
    # one finding for the two veth nodes, naming both
    assert out.count("[device-mode]:") == 1
    assert "Device Mode on 2 nodes (node-007, node-150) [device-mode]" in out


def test_a_clean_fleet_is_one_line_per_group(repo_cwd: Path) -> None:
    code, out = _run((*BASE, *_statuses(300, {})), 100)
    assert code == 0
    assert "300 nodes: 23/23 lines match" in out
    assert "Findings" not in out
    quiet_code, quiet = _run((*BASE, *_statuses(300, {}), "--quiet"), 100)
    assert quiet_code == 0 and quiet == ""  # --quiet prints only findings: there are none


def test_verbose_keeps_every_node_row(repo_cwd: Path) -> None:
    _, out = _run((*BASE, *_statuses(3, {1: VETH}), "--verbose"), 100)
    for node in ("node-000", "node-001", "node-002"):
        assert sum(1 for line in out.splitlines() if line.startswith(node)) >= 20
