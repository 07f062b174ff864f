"""Fixtures for the live tests: a fake API server per test, driven by the real client."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import EXAMPLES
from tests.fakecluster import FakeCluster, clusters

SEED = EXAMPLES / "talos-netkit-native"
SEED_ARGS = ["-f", str(SEED / "values.yaml"), "--talos", str(SEED / "talos.yaml")]

pytestmark = pytest.mark.live


@pytest.fixture
def fake_cluster(tmp_path: Path) -> Iterator[Callable[..., tuple[FakeCluster, Path]]]:
    """Start a FakeCluster with the given arguments; returns (cluster, kubeconfig path)."""
    yield from clusters(FakeCluster, tmp_path)


@pytest.fixture
def run_live(run_cli: Callable[..., tuple[int, str, str]]) -> Callable[..., tuple[int, str, str]]:
    """``ciliumdrift live`` with the seed config against a kubeconfig, in JSON."""

    def run(kubeconfig: Path, *args: str) -> tuple[int, str, str]:
        return run_cli(
            "live", *SEED_ARGS, *args, "--kubeconfig", str(kubeconfig), "--format", "json"
        )

    return run


def drifted(result: tuple[int, str, str]) -> list[dict[str, Any]]:
    """The findings of a run that must find drift (exit 1)."""
    code, out, err = result
    assert code == 1, err
    return findings(out)


def findings(stdout: str) -> list[dict[str, Any]]:
    return list(json.loads(stdout)["findings"])
