"""Live verdicts: a selector or namespace that finds no agent exits 2 with one line, and a
large clean cluster prints a few lines that fit a 100-column terminal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.fakecluster import make_agents
from tests.live.conftest import SEED_ARGS

Cli = Callable[..., tuple[int, str, str]]


@pytest.mark.parametrize(
    ("flags", "needle"),
    [
        (("-l", "app=foo"), "-l app=foo in namespace kube-system"),
        (("-n", "cilium"), "in namespace cilium"),
    ],
)
def test_no_agent_found_compared_nothing(
    fake_cluster: Any, run_cli: Cli, flags: tuple[str, ...], needle: str
) -> None:
    _, kubeconfig = fake_cluster(make_agents(2))
    code, _, err = run_cli("live", *SEED_ARGS, "--kubeconfig", str(kubeconfig), *flags)
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1
    assert "no Cilium agent found" in err and needle in err


def test_a_large_clean_cluster_is_one_group_that_fits(
    fake_cluster: Any, run_cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    _, kubeconfig = fake_cluster(make_agents(120))  # each node shows its own pod CIDR
    code, out, err = run_cli("live", *SEED_ARGS, "--kubeconfig", str(kubeconfig))
    assert code == 0, err
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 100
    assert len(lines) < 80, len(lines)
    # the fleet matrix: one column for the one group of identical nodes
    header = next(line for line in lines if line.startswith("Status line"))
    assert header.split() == ["Status", "line", "Expected", "Uniform", "A", "(120)"]
    assert any(line.startswith("  A [ok] 120 node(s): node-000, ") for line in lines)
    # the IPAM line: each node shows its own pod CIDR, as expected of it
    ipam = next(line for line in lines if line.startswith("IPAM "))
    assert "per node" in ipam and "= expected" in ipam
