"""A hostile API server or agent: bounded bodies, overall deadlines, one node's failure."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakecluster.hostile import Attack, HostileServer
from tests.hostile.harness import assert_bounds, assert_clean_output, assert_refused, run_cli

VALUES = "routingMode: tunnel\n"


def _live(tmp: Path, server: HostileServer, timeout: str = "3", **env: str) -> object:
    values = tmp / "values.yaml"
    values.write_text(VALUES)
    return run_cli(
        "live",
        "-f",
        str(values),
        "--kubeconfig",
        str(server.kubeconfig(tmp)),
        "--timeout",
        timeout,
        "--cilium-version",
        "1.18.4",
        "--format",
        "json",
        env=env,
        timeout=40,
    )


@pytest.mark.parametrize(
    "attack",
    [
        Attack.HUGE_BODY,
        Attack.ENDLESS_BODY,
        Attack.SLOW_HEADERS,
        Attack.SLOW_BODY,
        Attack.WRONG_SHAPE,
    ],
    ids=lambda a: a.value,
)
def test_a_hostile_api_answer_is_refused_in_bounds(attack: Attack, workdir: Path) -> None:
    with HostileServer(attack) as server:
        run = _live(workdir, server, CILIUMDRIFT_LIMIT_API_BODY_BYTES="4MiB")
    assert_refused(run)  # type: ignore[arg-type]
    assert "internal error" not in run.stderr  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "attack",
    [
        Attack.HUGE_FRAME,
        Attack.ENDLESS_FRAMES,
        Attack.ENDLESS_STDERR,
        Attack.HUGE_ERROR,
        Attack.ESCAPES,
    ],
    ids=lambda a: a.value,
)
def test_a_hostile_agent_is_that_nodes_failure(attack: Attack, workdir: Path) -> None:
    with HostileServer(attack) as server:
        run = _live(workdir, server)
    assert run.code in (0, 1), run.stderr  # type: ignore[attr-defined]
    assert "node-hostile" in run.stdout  # type: ignore[attr-defined]
    assert "node-healthy" in run.stdout  # type: ignore[attr-defined]  (the run went on)
    assert_bounds(run, seconds=4.0)  # type: ignore[arg-type]
    assert_clean_output(run)  # type: ignore[arg-type]
