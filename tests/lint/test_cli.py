"""``ciliumdrift lint`` and ``ciliumdrift rules``: exit codes, formats, stdin, settings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ciliumdrift.cli import app
from tests.conftest import CORPUS

RUNNER = CliRunner()
TYPO = CORPUS / "values" / "values-001.yaml"


def _run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = RUNNER.invoke(app, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no pyproject.toml of the repository applies
    monkeypatch.setenv("NO_COLOR", "1")


def test_clean_file_exits_zero(tmp_path: Path) -> None:
    clean = tmp_path / "values.yaml"
    clean.write_text(
        "ipam:\n  mode: kubernetes\nkubeProxyReplacement: true\nbpf:\n  masquerade: true\n"
    )
    code, out, _ = _run("lint", str(clean), "--cilium-version", "1.18.4")
    assert code == 0 and "no violations in 1 file(s)" in out


def test_findings_exit_one_with_positions() -> None:
    code, out, _ = _run("lint", str(TYPO), "--cilium-version", "1.18.4")
    assert code == 1
    assert f"{TYPO}:15:3: CD101 unknown-key [error]" in out


def test_select_ignore_and_exit_zero() -> None:
    code, out, _ = _run("lint", str(TYPO), "--select", "CD4", "--format", "json")
    # a deprecated key is a warning: printed, exit 0 unless --fail-on warning asks otherwise
    assert code == 0 and {v["code"] for v in json.loads(out)["violations"]} == {"CD403"}
    code, _, _ = _run("lint", str(TYPO), "--select", "CD4", "--fail-on", "warning")
    assert code == 1
    code, _, _ = _run("lint", str(TYPO), "--ignore", "CD1", "--ignore", "deprecated-key")
    assert code == 0
    code, _, _ = _run("lint", str(TYPO), "--exit-zero")
    assert code == 0


def test_stdin_is_read_with_dash() -> None:
    code, out, _ = _run("lint", "-", "--format", "github", stdin="bbr: true\n")
    assert code == 1 and out.startswith(
        "::error file=stdin,line=1,col=1,title=CD102 misplaced-key::"
    )


@pytest.mark.parametrize(
    ("args", "stdin", "needle"),
    [
        (["lint", "missing.yaml"], None, "missing.yaml:1:1: no such file"),
        (["lint", "-"], "a: [1\n", "<stdin>:"),
        (["lint", "-", "--select", "CD999"], "a: 1\n", "unknown rule 'CD999'"),
        (["lint", "-", "--cilium-version", "1.2.3"], "a: 1\n", "older than the oldest"),
        (["lint"], None, "give at least one values file"),
    ],
)
def test_bad_input_exits_two_with_one_line(args: list[str], stdin: str | None, needle: str) -> None:
    code, out, err = _run(*args, stdin=stdin)
    assert code == 2
    assert needle in err + out
    assert "Traceback" not in err + out


def test_settings_from_pyproject(tmp_path: Path) -> None:
    (tmp_path / "values.yaml").write_text("bbr: true\n")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.ciliumdrift]\nignore = ["CD102"]\nvalues = ["values.yaml"]\n'
    )
    code, out, _ = _run("lint")
    assert code == 0, out


def test_output_file_is_written(tmp_path: Path) -> None:
    target = tmp_path / "out.sarif"
    code, out, _ = _run(
        "lint", "-", "--format", "sarif", "--output", str(target), stdin="bbr: true\n"
    )
    assert code == 1 and out == ""
    assert json.loads(target.read_text())["version"] == "2.1.0"


def test_rules_list_and_one_rule() -> None:
    code, out, _ = _run("rules")
    assert code == 0 and len(out.splitlines()) >= 30 and out.startswith("CD101  unknown-key")
    code, out, _ = _run("rules", "kubeprism-port-mismatch")
    assert code == 0 and out.startswith("# CD308 kubeprism-port-mismatch") and "## Fix" in out
    code, out, _ = _run("rules", "--markdown")
    assert code == 0 and out.startswith("# ciliumdrift lint rules")
    code, _, err = _run("rules", "CD999")
    assert code == 2 and "unknown rule" in err


def test_files_are_linted_one_by_one_unless_layered(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("kubeProxyReplacement: true\nbpf:\n  masquerade: true\n")
    (tmp_path / "b.yaml").write_text("kubeProxyReplacement: false\n")
    args = ["lint", "a.yaml", "b.yaml", "--cilium-version", "1.18.4", "--format", "json"]
    code, out, _ = _run(*args)
    assert code == 0, out  # each file is consistent on its own
    assert json.loads(out)["files"] == ["a.yaml", "b.yaml"]
    code, out, _ = _run(*args, "--layered")
    # merged, b.yaml turns KPR off under a.yaml's BPF masquerading: the agent would not start
    assert code == 1 and [v["code"] for v in json.loads(out)["violations"]] == ["CD208"]
