"""What one run leaves behind for the scrapes: small, immutable, bounded.

A run's :class:`~ciliumdrift.model.Report` can hold 100,000 rows at 5,000 nodes; it is
folded at once into a :class:`DriftState` (counts and the drifting pairs, nothing per
matching row) plus the rendered JSON report, gzip-compressed, for ``/report``. The Report
itself is dropped, so the memory of ``serve`` does not depend on how many runs it made.

Scrapes read :class:`Snapshot` objects that are replaced whole, never mutated: a scrape
during a run sees the previous run's complete state.
"""

from __future__ import annotations

import gzip
import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ciliumdrift.model import CauseKind, Finding, FindingKind, Report, Severity
from ciliumdrift.report.policy import exit_code

#: The label value of a finding that applies to every node (a contradiction in the config).
ALL_NODES = "*"

#: How a node's collection error starts (collect.py) → the ``reason`` label.
FAILURE_REASONS = (
    ("unreachable", "unreachable"),
    ("unparseable", "unparseable"),
    ("not ready", "not-ready"),
)


@dataclass(frozen=True)
class DriftPair:
    """One status line that drifts on one node: its top cause and its severity."""

    cause: str
    severity: str


@dataclass(frozen=True)
class DriftState:
    """The outcome of the last successful run, folded for the metrics and ``/report``."""

    finished_at: float
    node_drift_lines: Mapping[str, int]  # every checked node → its drifting status lines
    pairs: Mapping[tuple[str, str], DriftPair]  # (node, status line) → cause, severity
    failures: Mapping[str, str]  # node → reason (unreachable, unparseable, not-ready)
    findings: Mapping[tuple[str, str, str], int]  # (severity, kind, cause) → count
    line_nodes: Mapping[tuple[str, str], int]  # (status line, cause) → drifting nodes
    exit_code: int
    report_gzip: bytes = b""

    @property
    def drifting_nodes(self) -> int:
        return sum(1 for count in self.node_drift_lines.values() if count)

    def report_json(self) -> bytes:
        return gzip.decompress(self.report_gzip) if self.report_gzip else b""


@dataclass(frozen=True)
class RunRecord:
    """One run, successful or not (its findings are in :class:`DriftState` when it was)."""

    number: int
    started_at: float  # wall clock, seconds since the epoch
    seconds: float
    outcome: str  # success | failure | abandoned
    error: str | None = None
    trigger: str = "interval"  # interval | request | start


@dataclass(frozen=True)
class Snapshot:
    """Everything a scrape shows; replaced whole after each run."""

    state: DriftState | None = None  # the last successful run
    last: RunRecord | None = None  # the last run, whatever its outcome
    last_success_at: float | None = None
    runs: Mapping[str, int] = field(default_factory=dict)  # outcome → count
    running_since: float | None = None  # wall clock of the run in progress


def failure_reason(error: str) -> str:
    """The ``reason`` label of a node whose status could not be read."""
    lowered = error.lower()
    for prefix, reason in FAILURE_REASONS:
        if lowered.startswith(prefix):
            return reason
    return "other"


def top_cause(finding: Finding) -> str:
    return finding.causes[0].kind.value if finding.causes else CauseKind.UNKNOWN.value


_SEVERITY_RANK = {Severity.ERROR.value: 0, Severity.WARNING.value: 1, Severity.NOTE.value: 2}


def fold(
    report: Report,
    *,
    nodes: list[tuple[str, str | None]],
    finished_at: float,
    fail_on_health: bool = False,
) -> DriftState:
    """Fold a run's report into what the metrics need.

    ``nodes`` are the checked nodes with their collection error (None when read). A drift
    finding's pair keeps the highest severity and, among equals, the first finding's top
    cause: the report orders findings by importance.
    """
    pairs: dict[tuple[str, str], DriftPair] = {}
    findings: Counter[tuple[str, str, str]] = Counter()
    for finding in report.findings:
        cause = top_cause(finding)
        findings[(finding.severity.value, finding.kind.value, cause)] += 1
        if finding.kind is FindingKind.HEALTH:
            continue
        candidate = DriftPair(cause=cause, severity=finding.severity.value)
        # A finding that reads the same on several nodes lists them (``applies_to``).
        for node in finding.applies_to or (None,):
            key = (node or ALL_NODES, finding.status_line)
            current = pairs.get(key)
            if current is None or (
                _SEVERITY_RANK[candidate.severity] < _SEVERITY_RANK[current.severity]
            ):
                pairs[key] = candidate
    node_lines: Counter[str] = Counter({name: 0 for name, _ in nodes})
    line_nodes: Counter[tuple[str, str]] = Counter()
    for (node, line), pair in pairs.items():
        if node != ALL_NODES:  # a config contradiction is no node's drift count
            node_lines[node] += 1
        line_nodes[(line, pair.cause)] += 1
    failures = {name: failure_reason(error) for name, error in nodes if error}
    # One-shot encoding (the C encoder); the dict and the text are dropped right after.
    body = json.dumps(report.to_dict(), separators=(",", ":")).encode()
    return DriftState(
        finished_at=finished_at,
        node_drift_lines=dict(node_lines),
        pairs=pairs,
        failures=failures,
        findings=dict(findings),
        line_nodes=dict(line_nodes),
        exit_code=exit_code(report, fail_on_health=fail_on_health),
        report_gzip=gzip.compress(body, compresslevel=6),
    )


def carry_over(previous: DriftState | None, current: DriftState) -> DriftState:
    """Keep the last known drift of nodes that could not be read in this run.

    One failed exec must not clear a node's drift series (which would reset the alert's
    ``for`` timer, and record a DriftCleared Event): a node that failed keeps its pairs
    from the run before, next to its ``ciliumdrift_node_collection_failed`` series.
    """
    if previous is None or not current.failures:
        return current
    carried = {
        key: pair
        for key, pair in previous.pairs.items()
        if key[0] in current.failures and key not in current.pairs
    }
    if not carried:
        return current
    pairs = {**current.pairs, **carried}
    node_lines = dict(current.node_drift_lines)
    line_nodes: Counter[tuple[str, str]] = Counter(current.line_nodes)
    for (node, line), pair in carried.items():
        node_lines[node] = node_lines.get(node, 0) + 1
        line_nodes[(line, pair.cause)] += 1
    return replace(current, pairs=pairs, node_drift_lines=node_lines, line_nodes=dict(line_nodes))


def summary(state: DriftState | None) -> dict[str, Any]:
    """A short JSON-able summary of a state (logs and ``/healthz``)."""
    if state is None:
        return {}
    return {
        "nodes": len(state.node_drift_lines),
        "drifting_nodes": state.drifting_nodes,
        "drifting_pairs": len(state.pairs),
        "failed_nodes": len(state.failures),
        "exit_code": state.exit_code,
    }
