"""`ciliumdrift expect` and `ciliumdrift facts`: thin layers that print what derive says."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ciliumdrift.agent.facts import FACTS
from ciliumdrift.cli import app

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "talos-netkit-native"


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    return CliRunner()


def test_facts_lists_every_fact(runner: CliRunner) -> None:
    result = runner.invoke(app, ["facts"])
    assert result.exit_code == 0
    assert [line.split()[0] for line in result.output.splitlines()] == [f.id for f in FACTS]


def test_facts_documents_one_and_rejects_unknown(runner: CliRunner) -> None:
    result = runner.invoke(app, ["facts", "host-routing"])
    assert (
        result.exit_code == 0
        and "## `host-routing`" in result.output
        and "### Rule" in result.output
    )
    assert runner.invoke(app, ["facts", "--markdown"]).output.startswith("# Facts")
    bad = runner.invoke(app, ["facts", "no-such"])
    assert bad.exit_code == 2


def test_expect_json_per_node(runner: CliRunner) -> None:
    args = ["expect", "-f", str(EXAMPLE / "values.yaml"), "--talos", str(EXAMPLE / "talos.yaml")]
    args += ["--cilium-version", "1.18.4", "--kernel", "a=6.1.0", "--kernel", "b=6.18.0"]
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    state = json.loads(result.output)
    devices = {n["node"]: {f["fact"]: f for f in n["facts"]} for n in state["nodes"]}
    assert devices["a"]["device-mode"]["conflicts"][0]["fatal"] is True
    assert devices["b"]["device-mode"]["conflicts"] == []
    assert devices["b"]["device-mode"]["source"]["line"] > 0
    text = runner.invoke(app, args)
    assert text.exit_code == 0 and "node a:" in text.output


def test_expect_needs_input(runner: CliRunner) -> None:
    assert runner.invoke(app, ["expect"]).exit_code == 2
    assert runner.invoke(app, ["expect", "--set", "a=b", "--format", "sarif"]).exit_code == 2
