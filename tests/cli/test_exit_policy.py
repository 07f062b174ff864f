"""The exit policy, through the CLI: errors fail, warnings and notes are labelled and do
not (unless --fail-on asks), a run that compared nothing exits 2 with one line, and every
command accepts and lists exactly its formats."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ciliumdrift.report import DOCUMENT_FORMATS, REPORT_FORMATS, Format
from tests.conftest import invoke as run

SEED = "examples/talos-netkit-native"
DRIFT = "examples/talos-netkit-drift"
CORPUS = Path("tests/corpus/status")


def invoke(*args: str) -> tuple[int, str, str]:
    return run(*args, env={"NO_COLOR": "1", "COLUMNS": "100"})


def test_check_without_a_status_compared_nothing(repo_cwd: Path) -> None:
    code, _, err = invoke("check", "-f", f"{SEED}/values.yaml", "--talos", f"{SEED}/talos.yaml")
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert "no status given" in err and "--status" in err


def test_a_status_that_shows_none_of_the_lines_compared_nothing(
    repo_cwd: Path, tmp_path: Path
) -> None:
    status = tmp_path / "status.txt"
    status.write_text("NodeMonitor:   Listening for events on 4 CPUs\n")
    code, out, err = invoke("check", "-f", f"{SEED}/values.yaml", "--status", str(status))
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "shows none of the config-determined lines" in err
    assert "0 match" in out  # the report is still printed: it says what was not shown


def test_a_warning_is_labelled_and_exits_0_unless_fail_on_asks(
    repo_cwd: Path, tmp_path: Path
) -> None:
    # Talos still deploys kube-proxy while Cilium replaces it: a warning no status settles.
    talos = tmp_path / "talos.yaml"
    seed = Path(f"{SEED}/talos.yaml").read_text(encoding="utf-8")
    assert "    disabled: true\n" in seed
    talos.write_text(seed.replace("    disabled: true\n", "    disabled: false\n", 1))
    args = (
        "check",
        "-f",
        f"{SEED}/values.yaml",
        "--talos",
        str(talos),
        "--status",
        f"{SEED}/status.txt",
    )
    code, out, _ = invoke(*args)
    assert code == 0
    assert re.search(r"^! warning: KubeProxyReplacement", out, re.M), out
    assert not re.search(r"^x error", out, re.M)
    assert invoke(*args, "--fail-on", "warning")[0] == 1
    assert invoke(*args, "--fail-on", "note")[0] == 1


def test_a_settled_advisory_is_a_note_on_a_clean_cluster(repo_cwd: Path) -> None:
    # status-010: KPR without k8sServiceHost, but the status shows Kubernetes: Ok
    args = (
        "check",
        "-f",
        str(CORPUS / "status-010.values.yaml"),
        "--status",
        str(CORPUS / "status-010.txt"),
    )
    code, out, _ = invoke(*args)
    assert code == 0
    assert re.search(r"^i note: Kubernetes", out, re.M), out
    assert "the status shows Kubernetes: Ok" in out
    assert invoke(*args, "--fail-on", "warning")[0] == 0  # a note, not a warning
    assert invoke(*args, "--fail-on", "note")[0] == 1


def test_drift_fails_and_quiet_prints_only_findings(repo_cwd: Path) -> None:
    code, out, _ = invoke("check", DRIFT, "--quiet")
    assert code == 1
    assert out.startswith("x error: Masquerading")
    assert "Status line" not in out and "Notes" not in out
    code, out, _ = invoke("check", SEED, "--quiet")
    assert (code, out) == (0, "")


@pytest.mark.parametrize("command", ["check", "live", "lint", "impact"])
def test_report_commands_list_every_format(command: str) -> None:
    _, out, _ = invoke(command, "--help")
    listed = " ".join(out.split())
    for fmt in REPORT_FORMATS:
        assert fmt.value in listed, (command, fmt)


@pytest.mark.parametrize("command", ["status", "values", "expect"])
def test_document_commands_list_and_accept_only_text_and_json(command: str) -> None:
    _, out, _ = invoke(command, "--help")
    # click shows choices as <a|b> or [a|b] depending on its version
    choices = re.search(r"--format [<\[](text\|[a-z|]+)[>\]]", " ".join(out.split()))
    assert choices is not None, out
    assert choices.group(1).split("|") == [f.value for f in DOCUMENT_FORMATS]
    refused = [f for f in Format if f not in DOCUMENT_FORMATS]
    for fmt in refused:
        code, _, err = invoke(command, "x", "--format", fmt.value)
        assert code == 2 and len(err.strip().splitlines()) == 1, err


def test_impact_fails_on_any_change_or_only_disruptive_ones(repo_cwd: Path) -> None:
    assert invoke("impact", "--base", SEED, "--head", DRIFT)[0] == 1
    code, out, _ = invoke("impact", "--base", SEED, "--head", DRIFT, "--fail-on", "warning")
    assert code == (1 if "DISRUPTIVE" in out else 0)
