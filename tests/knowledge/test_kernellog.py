"""Kernel logs (`check --kernel-log`): every shape users paste, and failures as findings."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from ciliumdrift.agent import known
from ciliumdrift.api import check
from ciliumdrift.cli import app
from ciliumdrift.model import CauseKind, FindingKind
from ciliumdrift.parse.kernellog import failures, parse_kernel_line, parse_kernel_log

# siderolabs/talos#12726 (talosctl dmesg on a 6.18.5 Talos node running Cilium 1.18.6).
TALOS_DMESG = (
    Path(__file__).resolve().parents[1]
    / "cases"
    / "drift-talos-6.18-verifier-invariant-violation-1.18"
    / "dmesg.log"
).read_text(encoding="utf-8")


def test_talos_dmesg_lines_keep_level_message_and_kernel() -> None:
    log = parse_kernel_log(TALOS_DMESG, source="dmesg.log")
    assert [e.line for e in log.entries] == [1, 2, 3, 4, 5, 6, 7]
    assert all(e.level == "warning" for e in log.entries)
    assert log.entries[1].message.startswith("verifier bug: REG INVARIANTS VIOLATION")
    assert log.kernel == "6.18.5-talos"
    assert [e.line for e in failures(log)] == [2, 3]


def test_talosctl_node_prefix_names_the_node() -> None:
    entry, node = parse_kernel_line("10.5.0.2: kern: err: [2026-02-07T05:07:46.3Z]: boom", 7)
    assert node == "10.5.0.2" and entry is not None
    assert (entry.line, entry.level, entry.message) == (7, "error", "boom")


def test_dmesg_shapes() -> None:
    cases = {
        "[   12.345678] Linux version 6.1.0-13-amd64 (debian-kernel@lists.debian.org)": "",
        "<3>[    1.200000] bpf: oops": "error",
        "kern  :warn  : [   12.300000] hi": "warning",
        "Feb 07 05:07:46 host kernel: journal": "",
        "2026-02-07T05:07:46,389459+00:00 iso": "",
        "[Sat Feb  7 05:07:46 2026] human": "",
    }
    for raw, level in cases.items():
        entry, _ = parse_kernel_line(raw, 1)
        assert entry is not None and entry.level == level, raw
        assert not entry.message.startswith(("[", "<", "kern", "Feb", "2026")), raw
    log = parse_kernel_log("[   12.345678] Linux version 6.1.0-13-amd64 (gcc)\n")
    assert log.kernel == "6.1.0-13-amd64"


def test_info_lines_are_no_failures() -> None:
    log = parse_kernel_log("[    1.0] bpf: JIT enabled\n[    2.0] eth0: link up\n")
    assert failures(log) == ()


@given(st.text(max_size=2000))
def test_any_text_parses_and_line_numbers_stay_in_range(text: str) -> None:
    log = parse_kernel_log(text)
    assert all(1 <= e.line <= max(log.lines, 1) for e in log.entries)
    assert all(e.level in ("", "debug", "info", "warning", "error", "fatal") for e in log.entries)


@given(
    st.sampled_from(["emerg", "crit", "err", "warning", "notice", "info", "debug"]),
    st.text(
        alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")),
        min_size=1,
        max_size=60,
    ).filter(lambda s: s.strip() == s and s),
)
def test_talos_message_round_trips(level: str, message: str) -> None:
    entry, _ = parse_kernel_line(f"kern: {level}: [2026-01-01T00:00:00Z]: {message}", 1)
    assert entry is not None and entry.message == message


def test_the_specific_row_wins_over_the_generic_verifier_row(tmp_path: Path) -> None:
    path = tmp_path / "dmesg.log"
    path.write_text(TALOS_DMESG, encoding="utf-8")
    report = check(tmp_path, cilium_version="1.18.6")
    logged = [f for f in report.findings if f.fact == "kernel-log"]
    # One finding for the one trace: the verifier warning two lines on is the same failure.
    assert len(logged) == 1 and logged[0].kind is FindingKind.DRIFT
    assert logged[0].status_line == "Cilium"
    cause = logged[0].causes[0]
    assert cause.kind is CauseKind.KNOWN_BUG
    assert any(f"{path}:2" in e.text for e in cause.evidence)
    assert any("verifier-reg-invariants-violation-kernel-6-17" in e.text for e in cause.evidence)
    # The kernel the log names stands in for --kernel.
    assert any("kernel 6.18.5-talos" in e.text for e in cause.evidence)


def test_a_kernel_before_the_regression_falls_back_to_the_generic_row(tmp_path: Path) -> None:
    path = tmp_path / "dmesg.log"
    path.write_text(TALOS_DMESG, encoding="utf-8")
    report = check(tmp_path, cilium_version="1.18.6", kernels=["6.12.9"])
    logged = [f for f in report.findings if f.fact == "kernel-log"]
    assert len(logged) == 1
    assert "known behaviour verifier-rejection" in logged[0].causes[0].evidence[-1].text


def test_an_unknown_bpf_warning_is_a_finding_of_its_own(tmp_path: Path) -> None:
    path = tmp_path / "kernel.log"
    path.write_text(
        "[  100.1] WARNING: CPU: 0 PID: 9 at kernel/bpf/core.c:1 bpf_prog_free+0x1/0x2\n",
        encoding="utf-8",
    )
    report = check(tmp_path, cilium_version="1.18.6")
    logged = [f for f in report.findings if f.fact == "kernel-log"]
    assert len(logged) == 1 and logged[0].causes[0].kind is CauseKind.UNKNOWN
    assert f"{path}:1" in logged[0].causes[0].evidence[0].text
    # No trace names the agent: a note, not a warning.
    assert logged[0].severity.value == "note"


def test_a_trace_of_another_process_is_only_a_note(tmp_path: Path) -> None:
    other = TALOS_DMESG.replace("Comm: cilium-agent", "Comm: mimic")
    (tmp_path / "dmesg.log").write_text(other, encoding="utf-8")
    report = check(tmp_path, cilium_version="1.18.6")
    logged = [f for f in report.findings if f.fact == "kernel-log"]
    assert [f.severity.value for f in logged] == ["note"]
    assert any("process mimic" in e.text for e in logged[0].causes[0].evidence)


def test_row_patterns_match_their_example() -> None:
    for row in known.behaviours():
        if row.kernel_logs and row.log_example:
            entry, _ = parse_kernel_line(row.log_example, 1)
            assert entry is not None
            assert any(p.search(entry.message) for p in row.kernel_patterns), row.id


def test_cli_kernel_log_for_a_node_with_a_status(tmp_path: Path) -> None:
    dmesg = tmp_path / "dmesg.txt"
    dmesg.write_text(TALOS_DMESG, encoding="utf-8")
    vals = tmp_path / "values.yaml"
    vals.write_text("kubeProxyReplacement: true\n", encoding="utf-8")
    result = CliRunner().invoke(
        app,
        [
            "check", "-f", str(vals), "--cilium-version", "1.18.6",
            "--kernel-log", f"node-1={dmesg}", "--format", "json",
        ],
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    logged = [f for f in report["findings"] if f["fact"] == "kernel-log"]
    assert [f["node"] for f in logged] == ["node-1"]
    assert report["inputs"]["kernel_logs"] == [f"node-1={dmesg}"]
