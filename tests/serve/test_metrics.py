"""Folding a report into the scrape state, and the metric families built from it."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry, generate_latest

from ciliumdrift.model import (
    Cause,
    CauseKind,
    Finding,
    FindingKind,
    Report,
    Severity,
)
from ciliumdrift.serve.metrics import DriftCollector
from ciliumdrift.serve.state import (
    ALL_NODES,
    RunRecord,
    Snapshot,
    failure_reason,
    fold,
)
from tests.serve.conftest import metric_samples


def finding(
    node: str | None,
    line: str,
    cause: CauseKind | None = CauseKind.NOT_APPLIED,
    *,
    kind: FindingKind = FindingKind.DRIFT,
    severity: Severity = Severity.ERROR,
) -> Finding:
    return Finding(
        fact="f",
        status_line=line,
        node=node,
        kind=kind,
        expected="a",
        observed="b",
        source=None,
        message="m",
        causes=(Cause(cause, "why"),) if cause is not None else (),
        severity=severity,
    )


def scrape(snapshot: Snapshot, max_pairs: int = 10_000) -> str:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DriftCollector(lambda: snapshot, version="9.9", max_pair_series=max_pairs))
    return generate_latest(registry).decode()


def test_fold_keeps_the_most_severe_cause_per_pair_and_counts_everything() -> None:
    report = Report(
        rows=(),
        findings=(
            finding("n1", "Device Mode", CauseKind.NOT_APPLIED, severity=Severity.WARNING),
            finding("n1", "Device Mode", CauseKind.KERNEL_TOO_OLD, severity=Severity.ERROR),
            finding("n2", "Device Mode", CauseKind.KERNEL_TOO_OLD),
            finding(
                None, "Host Routing", CauseKind.CONFLICTING_SETTING, kind=FindingKind.CROSS_CHECK
            ),
            finding("n3", "Agent", None, kind=FindingKind.HEALTH, severity=Severity.WARNING),
        ),
    )
    state = fold(
        report,
        nodes=[("n1", None), ("n2", None), ("n3", "unreachable: timed out"), ("n4", None)],
        finished_at=1.0,
    )
    assert state.pairs[("n1", "Device Mode")].cause == "kernel-too-old"
    assert state.pairs[("n1", "Device Mode")].severity == "error"
    assert state.pairs[(ALL_NODES, "Host Routing")].cause == "conflicting-setting"
    assert ("n3", "Agent") not in state.pairs  # health is not drift
    assert state.node_drift_lines == {"n1": 1, "n2": 1, "n3": 0, "n4": 0}
    assert state.failures == {"n3": "unreachable"}
    assert state.line_nodes == {
        ("Device Mode", "kernel-too-old"): 2,
        ("Host Routing", "conflicting-setting"): 1,
    }
    assert state.findings[("warning", "health", "unknown")] == 1
    assert sum(state.findings.values()) == 5
    assert state.exit_code == 1
    assert json.loads(state.report_json())["summary"]["findings"] == 4


def test_failure_reasons() -> None:
    assert failure_reason("unreachable: the agent did not answer") == "unreachable"
    assert failure_reason("unparseable: `cilium-dbg status` printed garbage") == "unparseable"
    assert failure_reason("not Ready: agent pod kube-system/cilium-1") == "not-ready"
    assert failure_reason("something new") == "other"


def test_metrics_before_any_run_have_no_state_series() -> None:
    text = scrape(Snapshot())
    assert metric_samples(text, "ciliumdrift_node_drifting_lines") == []
    assert metric_samples(text, "ciliumdrift_last_run_success") == []
    assert metric_samples(text, "ciliumdrift_run_in_progress") == [({}, 0.0)]
    assert metric_samples(text, "ciliumdrift_build_info") == [({"version": "9.9"}, 1.0)]


def test_a_failed_run_keeps_the_last_state_and_says_so() -> None:
    report = Report(rows=(), findings=(finding("n1", "KubeProxyReplacement"),))
    state = fold(report, nodes=[("n1", None)], finished_at=10.0)
    snapshot = Snapshot(
        state=state,
        last=RunRecord(7, 20.0, 3.5, "failure", "cannot reach"),
        last_success_at=10.0,
        runs={"success": 6, "failure": 1},
    )
    text = scrape(snapshot)
    assert metric_samples(text, "ciliumdrift_last_run_success") == [({}, 0.0)]
    assert metric_samples(text, "ciliumdrift_last_success_timestamp_seconds") == [({}, 10.0)]
    assert metric_samples(text, "ciliumdrift_last_run_duration_seconds") == [({}, 3.5)]
    assert ({"outcome": "failure"}, 1.0) in metric_samples(text, "ciliumdrift_runs_total")
    assert metric_samples(text, "ciliumdrift_drift") == [
        (
            {
                "node": "n1",
                "status_line": "KubeProxyReplacement",
                "cause": "not-applied",
                "severity": "error",
            },
            1.0,
        )
    ]


@settings(max_examples=40, deadline=None)
@given(
    nodes=st.integers(min_value=0, max_value=60),
    lines=st.lists(
        st.sampled_from(["Device Mode", "Routing", "Masquerading", "KubeProxyReplacement"]),
        unique=True,
    ),
    failing=st.integers(min_value=0, max_value=60),
    max_pairs=st.integers(min_value=0, max_value=100),
)
def test_series_count_is_bounded(
    nodes: int, lines: list[str], failing: int, max_pairs: int
) -> None:
    """Series = nodes + min(drifting pairs, bound) + failed nodes + aggregates + fixed."""
    names = [f"node-{i:04d}" for i in range(nodes)]
    report = Report(rows=(), findings=tuple(finding(n, line) for n in names for line in lines))
    node_errors = [(n, "unreachable: x" if i < failing else None) for i, n in enumerate(names)]
    state = fold(report, nodes=node_errors, finished_at=1.0)
    text = scrape(Snapshot(state=state, last=RunRecord(1, 0.0, 1.0, "success")), max_pairs)
    pairs = nodes * len(lines)
    drift = metric_samples(text, "ciliumdrift_drift")
    assert len(drift) == min(pairs, max_pairs)
    assert metric_samples(text, "ciliumdrift_drift_series_dropped") == [
        ({}, float(max(0, pairs - max_pairs)))
    ]
    assert len(metric_samples(text, "ciliumdrift_node_drifting_lines")) == nodes
    assert len(metric_samples(text, "ciliumdrift_node_collection_failed")) == min(failing, nodes)
    per_line = metric_samples(text, "ciliumdrift_status_line_drifting_nodes")
    assert len(per_line) == (len(lines) if nodes else 0)
    assert all(value == nodes for _, value in per_line)  # exact even when pairs are dropped
    total = sum(1 for line in text.splitlines() if line and not line.startswith("#"))
    fixed = 14  # build, 3 runs_total (+3 _created), run gauges, nodes, dropped, exit code
    assert total <= nodes + min(pairs, max_pairs) + nodes + len(lines) + 3 + fixed


def test_a_node_that_cannot_be_read_keeps_its_last_known_drift() -> None:
    from ciliumdrift.serve.state import carry_over

    before = fold(
        Report(
            rows=(),
            findings=(finding("n1", "Device Mode"), finding("n2", "Routing")),
        ),
        nodes=[("n1", None), ("n2", None)],
        finished_at=1.0,
    )
    # n1 is unreachable now; n2 was read and no longer drifts
    now = fold(
        Report(rows=(), findings=()),
        nodes=[("n1", "unreachable: timed out"), ("n2", None)],
        finished_at=2.0,
    )
    merged = carry_over(before, now)
    assert merged.pairs == {("n1", "Device Mode"): before.pairs[("n1", "Device Mode")]}
    assert merged.node_drift_lines == {"n1": 1, "n2": 0}
    assert merged.line_nodes == {("Device Mode", "not-applied"): 1}
    assert merged.failures == {"n1": "unreachable"}
    assert carry_over(None, now) is now
    # read again and clean: the drift clears
    clean = fold(Report(rows=(), findings=()), nodes=[("n1", None), ("n2", None)], finished_at=3)
    assert carry_over(merged, clean).pairs == {}


def test_a_clean_fleet_is_one_series_per_node_plus_13() -> None:
    """The figure the README gives: a clean N-node cluster is N + 13 ciliumdrift_* series."""
    nodes = [(f"node-{i:04d}", None) for i in range(250)]
    state = fold(Report(rows=(), findings=()), nodes=nodes, finished_at=1.0)
    text = scrape(
        Snapshot(state=state, last=RunRecord(1, 0.0, 1.0, "success"), last_success_at=1.0)
    )
    samples = [line for line in text.splitlines() if line.startswith("ciliumdrift_")]
    assert len(samples) == 250 + 13
