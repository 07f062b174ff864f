"""The shared model: positions, origins, findings and the exit-code decision."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ciliumdrift.errors import InputError, StatusParseError
from ciliumdrift.model import (
    Cause,
    CauseKind,
    Evidence,
    Finding,
    FindingKind,
    Fix,
    Layer,
    Origin,
    Position,
    Report,
    Row,
    Severity,
    Verdict,
)
from ciliumdrift.report.policy import FailOn, exit_code

positions = st.builds(
    Position,
    st.text(min_size=1, max_size=20).filter(lambda s: ":" not in s),
    st.integers(1, 10_000),
    st.integers(1, 500),
)


@given(positions, st.text(max_size=40))
def test_input_error_is_file_line_column_message(position: Position, message: str) -> None:
    error = StatusParseError(message, position)
    assert str(error) == f"{position.file}:{position.line}:{position.column}: {message}"
    assert isinstance(error, InputError)


def test_origin_describe() -> None:
    assert Origin(Layer.VALUES_FILE, "a", Position("v.yaml", 3, 5)).describe() == "v.yaml:3:5"
    assert (
        Origin(Layer.CHART_DEFAULT, "a", version="1.18.4").describe() == "chart default of 1.18.4"
    )
    assert Origin(Layer.AGENT_DEFAULT).describe() == "agent default"
    assert Origin(Layer.SET, "a", detail="--set a=1").describe() == "--set a=1"


def _finding(kind: FindingKind, severity: Severity = Severity.ERROR) -> Finding:
    return Finding(
        fact="device-mode",
        status_line="Device Mode",
        node=None,
        kind=kind,
        expected="netkit",
        observed="veth",
        source=Origin(Layer.VALUES_FILE, "bpf.datapathMode", Position("v.yaml", 1, 1)),
        message="m",
        causes=(Cause(CauseKind.KERNEL_TOO_OLD, "s", (Evidence("kernel 6.1"),)),),
        fix=Fix("set it", values_snippet="bpf:\n  datapathMode: veth\n"),
        severity=severity,
    )


def test_exit_code_counts_health_only_when_asked() -> None:
    health = Report(rows=(), findings=(_finding(FindingKind.HEALTH),))
    assert exit_code(health) == 0
    assert exit_code(health, fail_on_health=True) == 1
    drift = Report(rows=(), findings=(_finding(FindingKind.DRIFT),))
    assert exit_code(drift) == 1
    note = Report(rows=(), findings=(_finding(FindingKind.DRIFT, Severity.NOTE),))
    assert exit_code(note) == 0
    assert exit_code(note, fail_on="note") == 1
    warning = Report(rows=(), findings=(_finding(FindingKind.CROSS_CHECK, Severity.WARNING),))
    assert exit_code(warning) == 0
    assert exit_code(warning, fail_on=FailOn.WARNING) == 1
    assert exit_code(warning, fail_on=FailOn.NOTE) == 1


def test_report_dict_counts() -> None:
    row = Row("device-mode", "Device Mode", None, "netkit", "veth", Verdict.MISMATCH, None)
    data = Report(rows=(row,), findings=(_finding(FindingKind.DRIFT),)).to_dict()
    assert data["summary"] == {"rows": 1, "mismatches": 1, "findings": 1, "health": 0}
    assert data["findings"][0]["causes"][0]["kind"] == "kernel-too-old"
    assert data["findings"][0]["source"]["line"] == 1
