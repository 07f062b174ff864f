"""Input never injects into an output: terminal, GitHub workflow commands, Markdown, JUnit."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.hostile import inputs
from tests.hostile.harness import assert_clean_output, assert_well_formed_xml, run_cli

FORMATS = ["text", "json", "sarif", "github", "junit", "markdown"]


def _values(tmp: Path) -> Path:
    path = tmp / "values.yaml"
    path.write_text(inputs.injection_values().replace("\\e", "\\x1b"))
    return path


def _check_format(fmt: str, stdout: str) -> None:
    if fmt == "junit":
        assert_well_formed_xml(stdout)
    if fmt in ("json", "sarif"):
        json.loads(stdout)
    if fmt == "markdown":
        # Inside a code span HTML is shown, not rendered; everywhere else it must be escaped.
        prose = re.sub(r"`[^`\n]*`", "", stdout)
        assert "<img" not in prose and "</details>" not in prose.replace("\n</details>", "")
        assert not re.search(r"(?<![\w&#])@org/team", prose)
        assert "\r" not in stdout
        assert "`" not in re.sub(r"`[^`\n]*`", "", stdout.replace("```", ""))  # no break-out
    if fmt == "github":
        for line in stdout.splitlines():
            assert line.startswith("::") and re.match(r"^::(error|warning|notice) ", line), line


@pytest.mark.parametrize("fmt", FORMATS)
def test_lint_output_cannot_be_injected(fmt: str, workdir: Path) -> None:
    values = _values(workdir)
    run = run_cli("lint", str(values), "--format", fmt, cwd=workdir)
    assert run.code in (0, 1), run.stderr
    if fmt != "github":
        assert_clean_output(run)
    else:
        assert "\x1b" not in run.stdout and "\x9b" not in run.stdout
    _check_format(fmt, run.stdout)


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_impact_output_cannot_be_injected(fmt: str, workdir: Path) -> None:
    base = workdir / "base.yaml"
    base.write_text("tunnelProtocol: geneve\n")
    head = _values(workdir)
    run = run_cli("impact", "--base", str(base), "--head", str(head), "--format", fmt, cwd=workdir)
    assert run.code in (0, 1), run.stderr
    assert_clean_output(run)
    _check_format(fmt, run.stdout)


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_status_and_values_output_cannot_be_injected(fmt: str, workdir: Path) -> None:
    status = workdir / "status.txt"
    status.write_text(inputs.status_with_escapes())
    run = run_cli("status", str(status), "--format", fmt, cwd=workdir)
    assert run.code == 0, run.stderr
    assert_clean_output(run)
    run = run_cli("values", "-f", str(_values(workdir)), "--chart", "none", "--format", fmt)
    assert run.code == 0, run.stderr
    assert_clean_output(run)


@pytest.mark.parametrize("fmt", ["text", "github", "junit", "markdown", "sarif"])
def test_check_output_cannot_be_injected(fmt: str, workdir: Path) -> None:
    status = workdir / "status.txt"
    status.write_text(inputs.status_with_escapes())
    values = workdir / "values.yaml"
    values.write_text("routingMode: native\nkubeProxyReplacement: true\n")
    run = run_cli(
        "check",
        "-f",
        str(values),
        "--status",
        f"node\x1b]52;c;QUFB\x07=1={status}",
        "--cilium-version",
        "1.18.4",
        "--format",
        fmt,
        cwd=workdir,
    )
    assert "\x1b" not in run.stdout + run.stderr and "\x9b" not in run.stdout + run.stderr
    if fmt != "github":
        assert_clean_output(run)
    if run.code in (0, 1):
        _check_format(fmt, run.stdout)


def test_a_file_name_cannot_start_a_workflow_command(workdir: Path) -> None:
    name = workdir / "::error::pwned.yaml"
    name.write_text("tunnel: vxlan\n")
    run = run_cli("lint", str(name.name), cwd=workdir)
    assert_clean_output(run)
    run = run_cli("lint", "::warning::missing.yaml", cwd=workdir)
    assert run.code == 2
    assert_clean_output(run)


def test_error_messages_escape_control_characters(workdir: Path) -> None:
    run = run_cli("status", "nothing\x1b]52;c;QUFB\x07\x9b31m.txt", cwd=workdir)
    assert run.code == 2
    assert_clean_output(run)
    assert "\\u001b" in run.stderr
