"""Every corpus file through the CLI as a user would run it: never a traceback,
never an exit code outside 0/1/2, and the check pipeline runs on every status with its values."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ciliumdrift.cli import app
from tests.conftest import corpus_files

runner = CliRunner()

STATUSES = corpus_files("status", "*.txt") + corpus_files("status", "*.json")
VALUES = corpus_files("values", "*.yaml")
TALOS = corpus_files("talos", "*.yaml")


def _run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    assert "Traceback" not in result.stdout + result.stderr
    assert result.exit_code in (0, 1, 2), result.stdout + result.stderr
    if result.exit_code == 2:
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("path", STATUSES, ids=lambda p: p.name)
def test_status_command(path: Path) -> None:
    code, out, _ = _run("status", str(path), "--format", "json")
    if code == 0:
        assert isinstance(json.loads(out), dict)


@pytest.mark.parametrize("path", VALUES, ids=lambda p: p.name)
def test_lint_command(path: Path) -> None:
    _run("lint", str(path), "--format", "json")


@pytest.mark.parametrize("path", VALUES, ids=lambda p: p.name)
def test_expect_command(path: Path) -> None:
    _run("expect", "-f", str(path), "--format", "json")


@pytest.mark.parametrize("path", TALOS, ids=lambda p: p.name)
def test_talos_with_seed_values(path: Path) -> None:
    _run("expect", "-f", "examples/talos-netkit-native/values.yaml", "--talos", str(path))


@pytest.mark.parametrize(
    "path",
    [p for p in STATUSES if p.with_suffix(".values.yaml").exists()],
    ids=lambda p: p.name,
)
def test_check_status_with_its_values(path: Path, repo_cwd: Path) -> None:
    code, out, _ = _run(
        "check",
        "-f",
        str(path.with_suffix(".values.yaml")),
        "--status",
        str(path),
        "--format",
        "json",
    )
    rows = json.loads(out)["rows"]
    assert rows
    compared = [r for r in rows if r["verdict"] != "not-observed"]
    # a status that shows none of the compared lines is a run that compared nothing: exit 2
    assert code == (2 if not compared else code) and code in (0, 1, 2)
    assert (code == 2) == (not compared)
