"""The ``/metrics`` families, built at scrape time from the current :class:`Snapshot`.

A custom collector (not module-level gauges that are set and forgotten) so that a series
exists only while the last run says it should: a node that stops drifting or leaves the
cluster loses its series at the next scrape, and nothing accumulates over runs.

Series at N nodes (the cardinality contract, also in the README):

======================================================  =====================================
family                                                  series
======================================================  =====================================
``ciliumdrift_node_drifting_lines{node}``               N (every checked node; 0 = no drift)
``ciliumdrift_drift{node,status_line,cause,severity}``  drifting (node, line) pairs only,
                                                        at most ``max_pair_series``
``ciliumdrift_node_collection_failed{node,reason}``     failed nodes only (≤ N)
``ciliumdrift_status_line_drifting_nodes{...}``         status lines × causes (≤ ~300)
``ciliumdrift_findings{severity,kind,cause}``           ≤ 3 × 3 × 11
run, node-count, build and dropped-series families      13
======================================================  =====================================

A clean 5,000-node cluster is therefore 5,000 + ~15 series; the worst case (every node
drifting on every line and failing) is bounded by 2 N + ``max_pair_series`` + ~420.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    InfoMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from ciliumdrift.serve.state import Snapshot

PREFIX = "ciliumdrift"
#: Default bound on the per-(node, status line) series; the per-line aggregate stays exact.
MAX_PAIR_SERIES = 10_000
OUTCOMES = ("success", "failure", "abandoned")


class DriftCollector(Collector):
    """Yields the metric families of the snapshot ``current()`` returns at scrape time."""

    def __init__(
        self,
        current: Callable[[], Snapshot],
        *,
        version: str,
        max_pair_series: int = MAX_PAIR_SERIES,
    ) -> None:
        self._current = current
        self._version = version
        self._max_pairs = max_pair_series

    def collect(self) -> Iterator[Metric]:
        snapshot = self._current()
        yield from self._run_families(snapshot)
        state = snapshot.state
        lines = GaugeMetricFamily(
            f"{PREFIX}_node_drifting_lines",
            "Status lines of the node that differ from the declared config (0: none), "
            "as of the last successful run.",
            labels=["node"],
        )
        drift = GaugeMetricFamily(
            f"{PREFIX}_drift",
            "1 for each status line that drifts on a node (node * for a contradiction in "
            "the declared config), with the top cause kind; absent when it does not drift.",
            labels=["node", "status_line", "cause", "severity"],
        )
        failed = GaugeMetricFamily(
            f"{PREFIX}_node_collection_failed",
            "1 for each node whose agent could not be read in the last successful run.",
            labels=["node", "reason"],
        )
        per_line = GaugeMetricFamily(
            f"{PREFIX}_status_line_drifting_nodes",
            "Nodes on which the status line drifts, by top cause kind.",
            labels=["status_line", "cause"],
        )
        findings = GaugeMetricFamily(
            f"{PREFIX}_findings",
            "Findings of the last successful run by severity, kind and top cause kind.",
            labels=["severity", "kind", "cause"],
        )
        nodes = GaugeMetricFamily(
            f"{PREFIX}_nodes",
            "Nodes in the last successful run by state (checked: read; failed: not read).",
            labels=["state"],
        )
        dropped = GaugeMetricFamily(
            f"{PREFIX}_drift_series_dropped",
            "Drifting (node, status line) pairs left out of ciliumdrift_drift by the "
            "series bound (--max-drift-series); the per-line aggregate still counts them.",
        )
        exit_code = GaugeMetricFamily(
            f"{PREFIX}_last_exit_code",
            "The exit code `ciliumdrift live` would have given for the last successful run "
            "(0 clean, 1 drift).",
        )
        if state is not None:
            for node, count in sorted(state.node_drift_lines.items()):
                lines.add_metric([node], count)
            ordered = sorted(state.pairs.items())
            for (node, line), pair in ordered[: self._max_pairs]:
                drift.add_metric([node, line, pair.cause, pair.severity], 1)
            dropped.add_metric([], max(0, len(ordered) - self._max_pairs))
            for node, reason in sorted(state.failures.items()):
                failed.add_metric([node, reason], 1)
            for (line, cause), count in sorted(state.line_nodes.items()):
                per_line.add_metric([line, cause], count)
            for (severity, kind, cause), count in sorted(state.findings.items()):
                findings.add_metric([severity, kind, cause], count)
            total = len(state.node_drift_lines)
            nodes.add_metric(["checked"], total - len(state.failures))
            nodes.add_metric(["failed"], len(state.failures))
            exit_code.add_metric([], state.exit_code)
        yield from (lines, drift, failed, per_line, findings, nodes, dropped, exit_code)

    def _run_families(self, snapshot: Snapshot) -> Iterator[Metric]:
        info = InfoMetricFamily(f"{PREFIX}_build", "The ciliumdrift version serving.")
        info.add_metric([], {"version": self._version})
        yield info
        runs = CounterMetricFamily(
            f"{PREFIX}_runs", "Runs since start, by outcome.", labels=["outcome"]
        )
        for outcome in OUTCOMES:
            runs.add_metric([outcome], snapshot.runs.get(outcome, 0))
        yield runs
        last = snapshot.last
        success = GaugeMetricFamily(
            f"{PREFIX}_last_run_success",
            "1 when the last run read the cluster, 0 when it failed or was abandoned.",
        )
        started = GaugeMetricFamily(
            f"{PREFIX}_last_run_timestamp_seconds",
            "When the last run started (seconds since the epoch).",
        )
        duration = GaugeMetricFamily(
            f"{PREFIX}_last_run_duration_seconds", "How long the last run took."
        )
        if last is not None:
            success.add_metric([], 1 if last.outcome == "success" else 0)
            started.add_metric([], last.started_at)
            duration.add_metric([], last.seconds)
        yield from (success, started, duration)
        succeeded = GaugeMetricFamily(
            f"{PREFIX}_last_success_timestamp_seconds",
            "When the last successful run finished (seconds since the epoch).",
        )
        if snapshot.last_success_at is not None:
            succeeded.add_metric([], snapshot.last_success_at)
        yield succeeded
        running = GaugeMetricFamily(
            f"{PREFIX}_run_in_progress", "1 while a run is collecting, else 0."
        )
        running.add_metric([], 1 if snapshot.running_since is not None else 0)
        yield running
