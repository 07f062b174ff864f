"""What one node's own facts say about a mismatch: its agent log, devices and overrides.

:mod:`ciliumdrift.explain` ranks the causes every fact shares; this module adds the ones
that only the node can give:

* known behaviours (``data/known_behaviours.yaml``) whose conditions hold on this node, or
  whose log lines the node's agent printed;
* the flags the agent logged at start (``--enable-bpf-masquerade='false'``): the config it
  really runs with, which tells a config not rolled out from a fallback;
* a CiliumNodeConfig that selects the node: when the node still shows the ConfigMap's
  value, the override did not reach the agent.

It also turns agent log lines that no status shows (a fatal agent has no status) into
findings of their own (:func:`agent_log_findings`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from ciliumdrift.agent import known
from ciliumdrift.agent.configmap import by_config_key
from ciliumdrift.agent.explain import CERTAIN, RESTART, STRONG, Candidate, cause
from ciliumdrift.agent.fact import Expectation, Fact, NodeContext
from ciliumdrift.agent.facts import fact_by_id
from ciliumdrift.model import (
    Cause,
    CauseKind,
    Evidence,
    Finding,
    FindingKind,
    Fix,
    Layer,
    Origin,
    Severity,
)
from ciliumdrift.parse.agentlog import AgentLog, LogEntry, refusals
from ciliumdrift.parse.kernellog import failures, process_of


def node_candidates(
    fact: Fact, ctx: NodeContext, expectation: Expectation, observed: str
) -> list[Candidate]:
    """Candidates from the node's own facts for a mismatch of ``fact`` on this node."""
    out = known.drift_candidates(fact.id, ctx, expectation, observed)
    out.extend(_override_candidates(fact, ctx, expectation, observed))
    if ctx.agent_log is not None:
        out.extend(_flag_candidates(fact, ctx, ctx.agent_log))
    return out


def _override_candidates(
    fact: Fact, ctx: NodeContext, expectation: Expectation, observed: str
) -> list[Candidate]:
    if ctx.base_values is None:
        return []
    base = fact.derive(replace(ctx, values=ctx.base_values, base_values=None))
    source = expectation.source
    overridden = source is not None and source.layer is Layer.DEPLOYED
    if base is None or base.value is None or not overridden:
        return []
    if not fact.matches(base.value, observed):
        return []
    assert source is not None
    return [
        Candidate(
            CERTAIN + 0.02,
            cause(
                CauseKind.NOT_APPLIED,
                "The node runs the ConfigMap's value although a CiliumNodeConfig overrides it "
                "here: the agent was not restarted after the override was created (the init "
                "container resolves overrides at pod start), or its labels do not match the "
                "selector on the live node.",
                Evidence(source.detail or "a CiliumNodeConfig override", source),
                Evidence(f"without the override this line shows {base.value!r}"),
            ),
            Fix(
                summary="Restart the agent on this node so that it resolves the override: "
                f"kubectl -n kube-system delete pod -l k8s-app=cilium --field-selector "
                f"spec.nodeName={ctx.node}"
                if ctx.node
                else f"Restart the agents: {RESTART}"
            ),
        )
    ]


def _flag_candidates(fact: Fact, ctx: NodeContext, log: AgentLog) -> list[Candidate]:
    """The agent's start-up flags against the declared values, key by key."""
    out: list[Candidate] = []
    for config_key in fact.config_keys:
        started = log.flag(config_key)
        entry = by_config_key().get(config_key)
        if started is None or entry is None:
            continue
        declared = ctx.values.get(entry.helm)
        wanted = entry.rendered(declared.value) if declared is not None else None
        value, line = started
        where = Origin(Layer.OBSERVED, key=config_key, detail=f"{log.source}:{line}")
        said_log = Evidence(f"agent log {log.source}:{line}: --{config_key}='{value}'", where)
        if wanted is None:
            continue
        if wanted.strip().lower() != value.strip().lower():
            out.append(
                Candidate(
                    CERTAIN,
                    cause(
                        CauseKind.NOT_APPLIED,
                        f"The agent started with {config_key}={value!r}, not the declared "
                        f"{wanted!r}: it runs another config (not deployed, not restarted, "
                        "or overridden for this node).",
                        said_log,
                        Evidence(
                            f"{entry.helm} = {wanted} ({declared.origin.describe()})"
                            if declared is not None
                            else f"{entry.helm} is not set",
                            declared.origin if declared is not None else None,
                        ),
                    ),
                    Fix(summary=f"Roll the agents out with the declared config: {RESTART}"),
                )
            )
        else:
            out.append(
                Candidate(
                    STRONG - 0.02,
                    cause(
                        CauseKind.UNKNOWN,
                        f"The agent started with the declared {config_key}={value!r} and "
                        "changed it itself: a fallback at start (kernel, device, environment); "
                        "the agent log around this line says why.",
                        said_log,
                    ),
                )
            )
    return out


# -- log lines as findings ---------------------------------------------------------------


def _label(fact_id: str | None) -> str:
    # A log line no status line names is about the agent itself: the Cilium line.
    if fact_id is None:
        return "Cilium"
    try:
        label: str = fact_by_id(fact_id).status_line
    except KeyError:
        return "Cilium"
    return label


_Candidate = tuple[known.Behaviour, LogEntry, known.Match]


def _best_per_line(
    ctx: NodeContext,
    matches: Iterable[tuple[known.Behaviour, LogEntry]],
    expectations: Mapping[str, Expectation],
    rank: Callable[[_Candidate], Any],
) -> list[_Candidate]:
    """One known behaviour per log line: the one ``rank`` puts highest."""
    by_line: dict[int, list[_Candidate]] = {}
    for row, entry in matches:
        found = known.evaluate(row, ctx, expectations, defaults_decide=False)
        if found is None:
            # The row's conditions are known false here: its pattern matched another failure.
            continue
        by_line.setdefault(entry.line, []).append((row, entry, found))
    return [max(group, key=rank) for _, group in sorted(by_line.items())]


def _rows_to_report(
    ctx: NodeContext,
    node: str | None,
    matches: Iterable[tuple[known.Behaviour, LogEntry]],
    expectations: Mapping[str, Expectation],
    drift: Sequence[Finding],
    rank: Callable[[_Candidate], Any],
) -> tuple[list[tuple[known.Behaviour, LogEntry, known.Match, Expectation | None]], list[int]]:
    """The best known behaviour of each log line, but for the facts a drift finding on this
    node already explains; and every line a known behaviour explains (reported or not)."""
    explained = {(f.node, f.fact) for f in drift}
    rows = []
    lines = []
    for row, entry, found in _best_per_line(ctx, matches, expectations, rank):
        lines.append(entry.line)
        if row.fact is not None and (node, row.fact) in explained:
            continue
        expectation = expectations.get(row.fact) if row.fact else None
        rows.append((row, entry, found, expectation))
    return rows, lines


def _row_severity(row: known.Behaviour) -> Severity:
    return Severity.ERROR if row.effect in ("fatal", "retry") else Severity.WARNING


def _held(item: _Candidate) -> int:
    """How well the inputs confirm a row's conditions: certainly or possibly."""
    return 2 if item[2].certain else 1


def agent_log_findings(
    ctx: NodeContext,
    node: str | None,
    expectations: Mapping[str, Expectation],
    drift: Sequence[Finding],
    matched: frozenset[str] = frozenset(),
) -> list[Finding]:
    """Log lines that show a fallback or a refusal no status line explains.

    A line that matches a known behaviour becomes a finding with that behaviour's cause
    and fix, unless a drift finding on the same node and line already carries it; a
    warning, error or fatal line that reads as a fallback or refusal and matches no known
    behaviour becomes a finding too (fatal: an error; otherwise a note, since the log does
    not say whether the config asked for it). ``matched`` are the facts whose status line
    on this node shows the expected value: a log line about them is from an earlier run.
    """
    log = ctx.agent_log
    if log is None:
        return []
    out: list[Finding] = []
    rows, covered = _rows_to_report(ctx, node, known.log_matches(log), expectations, drift, _held)
    for row, entry, found, expectation in rows:
        evidence = [known.log_evidence(log, entry), *found.evidence]
        evidence.append(Evidence(f"known behaviour {row.id}: {row.source_text()}"))
        severity = _row_severity(row)
        message = f"agent log {log.where(entry)}: {row.summary}"
        if row.fact in matched and row.observed is not None:
            # The status shows the configured value: the line is from an earlier run.
            severity = Severity.NOTE
            message += " (the status shows the configured value: an earlier run logged this)"
        out.append(
            _row_finding("agent-log", row, node, expectation, entry, message, evidence, severity)
        )
    for refusal in refusals(log):
        entry = refusal.entry
        if entry.line in covered:
            continue
        out.append(
            _unexplained_finding(
                "agent-log",
                node,
                entry,
                f"agent log {log.where(entry)}: {entry.message}",
                "The agent logged a fallback or a refusal that no known behaviour explains.",
                known.log_evidence(log, entry),
                Severity.ERROR if refusal.fatal else Severity.NOTE,
            )
        )
    return out


def _row_finding(
    fact: str,
    row: known.Behaviour,
    node: str | None,
    expectation: Expectation | None,
    entry: LogEntry,
    message: str,
    evidence: Sequence[Evidence],
    severity: Severity,
) -> Finding:
    """A log line a known behaviour explains, as a finding on the row's fact (else ``fact``)."""
    return Finding(
        fact=row.fact or fact,
        status_line=_label(row.fact),
        node=node,
        kind=FindingKind.DRIFT,
        expected=expectation.value if expectation is not None else None,
        observed=entry.message,
        source=expectation.source if expectation is not None else None,
        message=message,
        causes=(Cause(row.cause, row.summary, tuple(evidence)),),
        fix=row.fix,
        severity=severity,
    )


def _unexplained_finding(
    fact: str,
    node: str | None,
    entry: LogEntry,
    message: str,
    why: str,
    evidence: Evidence,
    severity: Severity,
) -> Finding:
    """A log line that shows a failure no known behaviour explains (its cause is unknown)."""
    return Finding(
        fact=fact,
        status_line="Cilium",
        node=node,
        kind=FindingKind.DRIFT,
        expected=None,
        observed=entry.message,
        source=None,
        message=message,
        causes=(Cause(CauseKind.UNKNOWN, why, (evidence,)),),
        severity=severity,
    )


def _fit(item: _Candidate) -> tuple[int, int]:
    row = item[0]
    bounds = (row.kernel != (None, None)) + (row.cilium != (None, None))
    return _held(item), len(row.when) + bounds


# Lines of one kernel warning (from its "cut here" to the end of its trace) are one failure.
_TRACE_LINES = 40


def kernel_log_findings(
    ctx: NodeContext,
    node: str | None,
    expectations: Mapping[str, Expectation],
    drift: Sequence[Finding],
) -> list[Finding]:
    """Kernel log lines that show a failure no status line can show.

    A line that matches a known behaviour's ``kernel_logs`` pattern becomes a finding with
    that behaviour's cause and fix (unless a drift finding on the node already carries it);
    any other BPF failure the kernel logged (a verifier bug, a warning raised in
    kernel/bpf/) becomes a finding with an unknown cause, once per kernel trace. A trace that
    names another process than the agent (``Comm:``) is only a note: another BPF user hit it.
    """
    log = ctx.kernel_log
    if log is None:
        return []
    out: list[Finding] = []
    # One row per line: the one whose conditions hold, the most specific first.
    rows, reported = _rows_to_report(
        ctx, node, known.kernel_log_matches(log), expectations, drift, _fit
    )
    for row, entry, found, expectation in rows:
        evidence = [known.log_evidence(log, entry), *found.evidence]
        if found.unknown:
            evidence.append(Evidence("not known from the inputs: " + "; ".join(found.unknown)))
        evidence.append(Evidence(f"known behaviour {row.id}: {row.source_text()}"))
        severity = _row_severity(row)
        process = process_of(log, entry)
        if process is not None and not process.startswith("cilium"):
            # The trace names another process: another BPF user hit it, not the agent.
            evidence.append(Evidence(f"the kernel trace names process {process}, not the agent"))
            severity = Severity.NOTE
        message = f"kernel log {log.where(entry)}: {row.summary}"
        out.append(
            _row_finding("kernel-log", row, node, expectation, entry, message, evidence, severity)
        )
    for entry in failures(log):
        if any(0 <= entry.line - line <= _TRACE_LINES for line in reported):
            continue
        reported.append(entry.line)
        process = process_of(log, entry)
        out.append(
            _unexplained_finding(
                "kernel-log",
                node,
                entry,
                f"kernel log {log.where(entry)}: {entry.message}",
                "The kernel logged a BPF failure that no known behaviour explains: the verifier "
                "or the BPF subsystem failed on a program (the agent's, when the trace names "
                "cilium-agent).",
                known.log_evidence(log, entry),
                # Only a trace that names the agent is about Cilium for certain.
                Severity.WARNING
                if process is not None and process.startswith("cilium")
                else Severity.NOTE,
            )
        )
    return out


__all__ = ["agent_log_findings", "kernel_log_findings", "node_candidates"]
