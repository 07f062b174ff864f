"""Fixtures for the live tests: a fake API server per test, driven by the real client."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.conftest import EXAMPLES
from tests.fakecluster import FakeCluster

SEED = EXAMPLES / "talos-netkit-native"
SEED_ARGS = ["-f", str(SEED / "values.yaml"), "--talos", str(SEED / "talos.yaml")]

pytestmark = pytest.mark.live


@pytest.fixture
def fake_cluster(tmp_path: Path) -> Iterator[Callable[..., tuple[FakeCluster, Path]]]:
    """Start a FakeCluster with the given arguments; returns (cluster, kubeconfig path)."""
    started: list[FakeCluster] = []

    def start(*args: Any, **kwargs: Any) -> tuple[FakeCluster, Path]:
        cluster = FakeCluster(*args, **kwargs).start()
        started.append(cluster)
        return cluster, cluster.kubeconfig(tmp_path / f"kubeconfig-{len(started)}")

    yield start
    for cluster in started:
        cluster.stop()


@pytest.fixture
def run_cli(monkeypatch: pytest.MonkeyPatch) -> Callable[..., tuple[int, str, str]]:
    """Run ``ciliumdrift <args>`` in-process; returns (exit code, stdout, stderr)."""
    from ciliumdrift.cli import app

    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("KUBECONFIG", raising=False)

    def run(*args: str) -> tuple[int, str, str]:
        result = CliRunner().invoke(app, list(args))
        return result.exit_code, result.stdout, result.stderr

    return run


def findings(stdout: str) -> list[dict[str, Any]]:
    return list(json.loads(stdout)["findings"])
