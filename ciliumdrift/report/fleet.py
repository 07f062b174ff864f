"""The fleet view: every node x every status line, nodes grouped by identical results.

The layout of ``cilium features status`` (one row per status line, one column per node, a
*Uniform* column saying whether every node agrees) plus what the config expects: an
*Expected* column, and a verdict per cell. Nodes with identical results share one column
(a *group*), so 5,000 healthy nodes are one column, and the odd ten are another. Findings
that are the same on many nodes are one entry listing those nodes.

:func:`fleet_view` builds the model from any check :class:`~ciliumdrift.model.Report`
(``live``, ``check`` with several statuses, a sysdump); :func:`render_text`,
:func:`render_markdown` and :meth:`FleetView.to_dict` render it, and the HTML report
(:mod:`ciliumdrift.report.html`) draws it. Values that are expected to differ per node (the
node's own pod CIDR) are grouped by their verdict, not by their text.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import field
from typing import Any

from ciliumdrift.model import Finding, FindingKind, Report, Row, Severity, Verdict
from ciliumdrift.records import record
from ciliumdrift.report.escape import inline
from ciliumdrift.report.policy import exit_code
from ciliumdrift.report.table import Column, render_table, wrap_line

#: Groups shown as columns in text and markdown; the rest are listed by name below.
TEXT_GROUPS = 6
#: Node names listed per group or finding before "and N more".
NAMES_SHOWN = 8
#: What a cell prints for a value that matches its node's own (per-node) expectation.
OWN_VALUE = "= expected"

_VERDICT_WORD = {
    Verdict.MATCH: "ok",
    Verdict.MISMATCH: "DRIFT",
    Verdict.CONDITIONAL: "depends",
    Verdict.NOT_OBSERVED: "not shown",
    Verdict.CROSS_CHECK: "conflict",
}


@record
class FleetLine:
    """One status line (a fact) across the fleet."""

    fact: str
    status_line: str
    expected: str | None  # the one expected value, or None when it differs per node
    per_node: bool  # the expected value differs per node (pod CIDRs)
    example: str | None  # an expected value when per_node (for the reader)
    declared_at: str | None
    uniform: bool  # every node shows the same value
    drift_nodes: int


@record
class Cell:
    """What one group shows on one line."""

    verdict: Verdict | None  # None: the line was not compared on these nodes
    observed: str | None
    expected: str | None = None  # set when it differs from the line's expected value

    def text(self) -> str:
        if self.verdict is None:
            return "-"
        if self.verdict is Verdict.NOT_OBSERVED:
            return "not shown"
        value = self.observed if self.observed is not None else "-"
        if self.verdict is Verdict.MATCH:
            return value
        return f"{value} [{_VERDICT_WORD[self.verdict]}]"


@record
class FleetGroup:
    """Nodes whose every line shows the same result."""

    label: str  # A, B, ... (largest first)
    nodes: tuple[str, ...]
    cells: tuple[Cell, ...]  # aligned with FleetView.lines

    @property
    def drifts(self) -> bool:
        return any(c.verdict in (Verdict.MISMATCH, Verdict.CROSS_CHECK) for c in self.cells)


@record
class FleetFinding:
    """One finding, with every node it is found on."""

    id: str
    fact: str
    status_line: str
    kind: str
    severity: str
    expected: str | None
    observed: str | None
    message: str
    nodes: tuple[str, ...]
    declared_at: str | None
    causes: tuple[dict[str, Any], ...]
    fix: dict[str, Any] | None


@record
class FleetView:
    lines: tuple[FleetLine, ...]
    groups: tuple[FleetGroup, ...]
    findings: tuple[FleetFinding, ...]
    nodes: int
    unreachable: int
    notes: tuple[str, ...] = ()
    inputs: Mapping[str, Any] = field(default_factory=dict)
    title: str = "ciliumdrift"
    exit_code: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "nodes": self.nodes,
            "unreachable": self.unreachable,
            "lines": [
                {
                    "fact": line.fact,
                    "status_line": line.status_line,
                    "expected": line.expected,
                    "per_node": line.per_node,
                    "declared_at": line.declared_at,
                    "uniform": line.uniform,
                    "drift_nodes": line.drift_nodes,
                }
                for line in self.lines
            ],
            "groups": [
                {
                    "label": group.label,
                    "nodes": list(group.nodes),
                    "cells": {
                        line.fact: {
                            "verdict": cell.verdict.value if cell.verdict else None,
                            "observed": cell.observed,
                            **({"expected": cell.expected} if cell.expected else {}),
                        }
                        for line, cell in zip(self.lines, group.cells, strict=True)
                    },
                }
                for group in self.groups
            ],
            "findings": [
                {
                    "id": f.id,
                    "fact": f.fact,
                    "status_line": f.status_line,
                    "kind": f.kind,
                    "severity": f.severity,
                    "expected": f.expected,
                    "observed": f.observed,
                    "message": f.message,
                    "nodes": list(f.nodes),
                    "declared_at": f.declared_at,
                    "causes": list(f.causes),
                    "fix": f.fix,
                }
                for f in self.findings
            ],
            "notes": list(self.notes),
        }


def fleet_view(report: Report, *, exit_code: int | None = None) -> FleetView:
    """The fleet view of a check report (rows grouped by node, findings by content)."""
    by_node: dict[str, dict[str, Row]] = {}
    facts: dict[str, Row] = {}
    for row in report.rows:
        node = row.node or "-"
        by_node.setdefault(node, {})[row.fact] = row
        facts.setdefault(row.fact, row)
    fact_ids = list(facts)
    labels = [facts[f].status_line for f in fact_ids]
    lines: list[FleetLine] = []
    per_node_facts: set[str] = set()
    for fact_id in fact_ids:
        rows = [node_rows[fact_id] for node_rows in by_node.values() if fact_id in node_rows]
        expected_values = {r.expected for r in rows}
        observed_values = {r.observed for r in rows}
        per_node = len(expected_values) > 1
        if per_node:
            per_node_facts.add(fact_id)
        first = facts[fact_id]
        source = first.source.describe() if first.source is not None else None
        if first.source is not None and first.source.key and first.source.position is not None:
            source = f"{source} ({first.source.key})"
        lines.append(
            FleetLine(
                fact=fact_id,
                status_line=(
                    f"{first.status_line} ({fact_id})"
                    if labels.count(first.status_line) > 1
                    else first.status_line
                ),
                expected=None if per_node else first.expected,
                per_node=per_node,
                example=first.expected if per_node else None,
                declared_at=source,
                uniform=len(observed_values) == 1 and len(rows) == len(by_node),
                drift_nodes=sum(
                    1 for r in rows if r.verdict in (Verdict.MISMATCH, Verdict.CROSS_CHECK)
                ),
            )
        )
    grouped: dict[tuple[Cell, ...], list[str]] = {}
    made: dict[tuple[Any, ...], Cell] = {}  # thousands of nodes share a few distinct cells

    def cell(row: Row | None, per_node: bool) -> Cell:
        key = (
            (None,)
            if row is None
            else (row.verdict, row.observed, row.expected if per_node else None, per_node)
        )
        found = made.get(key)
        if found is None:
            found = made[key] = _cell(row, per_node)
        return found

    for node, node_rows in by_node.items():
        cells = tuple(cell(node_rows.get(f), f in per_node_facts) for f in fact_ids)
        grouped.setdefault(cells, []).append(node)
    ordered = sorted(grouped.items(), key=lambda item: (-len(item[1]), item[1][0]))
    groups = tuple(
        FleetGroup(_label(index), tuple(nodes), cells)
        for index, (cells, nodes) in enumerate(ordered)
    )
    nodes_total = report.inputs.get("nodes")
    unreachable = report.inputs.get("unreachable")
    unreached = sum(1 for f in report.findings if f.fact == "node")
    title = f"ciliumdrift {report.tool_version}".strip()
    if report.inputs.get("cilium_version"):
        title += f" · Cilium {report.inputs['cilium_version']}"
    return FleetView(
        lines=tuple(lines),
        groups=groups,
        findings=tuple(_grouped_findings(report.findings)),
        nodes=int(nodes_total) if isinstance(nodes_total, int) else len(by_node) + unreached,
        unreachable=int(unreachable) if isinstance(unreachable, int) else unreached,
        notes=tuple(dict.fromkeys(str(d) for d in report.diagnostics)),
        inputs=dict(report.inputs),
        title=title,
        exit_code=_exit_code(report) if exit_code is None else exit_code,
    )


def _exit_code(report: Report) -> int:
    return int(exit_code(report))


def _cell(row: Row | None, per_node: bool) -> Cell:
    if row is None:
        return Cell(None, None)
    if per_node and row.verdict is Verdict.MATCH:
        return Cell(Verdict.MATCH, OWN_VALUE)
    if row.verdict is Verdict.NOT_OBSERVED:
        return Cell(Verdict.NOT_OBSERVED, None)
    if per_node:
        return Cell(row.verdict, row.observed, row.expected)
    return Cell(row.verdict, row.observed)


def _label(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _grouped_findings(findings: Iterable[Finding]) -> list[FleetFinding]:
    grouped: dict[tuple[Any, ...], list[Finding]] = {}
    for finding in findings:
        node = finding.node or ""
        message = finding.message.replace(node, "<node>") if node else finding.message
        key = (
            finding.fact,
            finding.status_line,
            finding.kind,
            finding.severity,
            finding.expected,
            finding.observed,
            message,
            finding.causes[0].kind if finding.causes else None,
        )
        grouped.setdefault(key, []).append(finding)
    order = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.NOTE: 2}
    kinds = {FindingKind.DRIFT: 0, FindingKind.CROSS_CHECK: 1, FindingKind.HEALTH: 2}
    out = []
    for index, members in enumerate(
        sorted(
            grouped.values(),
            key=lambda m: (kinds[m[0].kind], order[m[0].severity], -len(m), m[0].status_line),
        )
    ):
        first = members[0]
        declared = None
        if first.source is not None:
            declared = first.source.describe()
            if first.source.key and first.source.position is not None:
                declared += f" ({first.source.key})"
        out.append(
            FleetFinding(
                id=f"F{index + 1}",
                fact=first.fact,
                status_line=first.status_line,
                kind=first.kind.value,
                severity=first.severity.value,
                expected=first.expected,
                observed=first.observed,
                message=first.message,
                nodes=tuple(dict.fromkeys(n for f in members for n in _applies_to(f))),
                declared_at=declared,
                causes=tuple(c.to_dict() for c in first.causes),
                fix=first.fix.to_dict() if first.fix is not None else None,
            )
        )
    return out


def _applies_to(finding: Finding) -> tuple[str, ...]:
    nodes = getattr(finding, "applies_to", None)  # several nodes merged into one finding
    if nodes is not None:
        return tuple(nodes)
    return (finding.node,) if finding.node else ()


def names(nodes: Sequence[str], shown: int = NAMES_SHOWN) -> str:
    """``a, b, c and 4,990 more``."""
    if len(nodes) <= shown:
        return ", ".join(nodes)
    return ", ".join(nodes[:shown]) + f" and {len(nodes) - shown:,} more"


# -- text ---------------------------------------------------------------------------------------


def render_text(view: FleetView, *, width: int | None = None) -> str:
    """The matrix (lines x groups), the groups' nodes, the findings with their nodes."""
    width = width or shutil.get_terminal_size((100, 40)).columns
    out: list[str] = [view.title]
    for key in ("values", "set", "talos"):
        files = view.inputs.get(key) or []
        if files:
            out.append(f"  {key + ':':<8}{', '.join(str(f) for f in files)}")
    if view.inputs.get("server"):
        out.append(f"  cluster: {view.inputs['server']}")
    out.append("")
    out.extend(matrix_lines(view, width))
    if view.findings:
        out.append("")
        out.append(f"Findings ({len(view.findings)}):")
        for finding in view.findings:
            out.extend(_finding_text(finding))
    if view.notes:
        out.append("")
        out.append("Notes:")
        out.extend(f"  - {note}" for note in view.notes)
    out.append("")
    out.append(summary(view))
    return "\n".join(out) + "\n"


#: The narrowest a group's column gets in text (its cells wrap below that).
GROUP_COLUMN = 10


def matrix_lines(view: FleetView, width: int) -> list[str]:
    """The nodes x status-lines matrix for a terminal, then every group's nodes.

    One row per status line with its Expected and Uniform columns, one column per group of
    identical nodes (as many of the largest groups as fit ``width``, at most
    :data:`TEXT_GROUPS`); every group is listed below with its nodes. Cells wrap, never cut.
    """
    if not view.lines:
        return ["No status line was compared."]
    fixed = [Column("Status line", 14), Column("Expected", 12), Column("Uniform", wrap=False)]
    room = (width - 14 - 12 - len("per node") - 4) // (GROUP_COLUMN + 2)
    shown = view.groups[: max(1, min(TEXT_GROUPS, room))]
    columns = [*fixed, *(Column(f"{g.label} ({len(g.nodes):,})", GROUP_COLUMN) for g in shown)]
    rows = []
    for index, line in enumerate(view.lines):
        expected = line.expected if not line.per_node else f"per node, e.g. {line.example}"
        uniform = "Yes" if line.uniform else ("per node" if line.per_node else "No")
        rows.append(
            [inline(line.status_line), inline(expected or "-"), uniform]
            + [inline(g.cells[index].text()) for g in shown]
        )
    out = render_table(columns, rows, width)
    out.append("")
    hidden = len(view.groups) - len(shown)
    out.append(
        "Groups (nodes with identical results"
        + (f"; the {hidden:,} smallest are not columns above" if hidden else "")
        + "):"
    )
    for group in view.groups:
        drift = sum(
            1 for cell in group.cells if cell.verdict in (Verdict.MISMATCH, Verdict.CROSS_CHECK)
        )
        mark = f"{drift} drift" if drift else "ok"
        out += wrap_line(
            inline(f"{group.label} [{mark}] {len(group.nodes):,} node(s): {names(group.nodes)}"),
            width,
            "  ",
            "      ",
        )
    return out


def summary(view: FleetView) -> str:
    drift = sum(len(g.nodes) for g in view.groups if g.drifts)
    findings = sum(1 for f in view.findings if f.kind != FindingKind.HEALTH.value)
    health = len(view.findings) - findings
    return (
        f"{view.nodes:,} node(s) in {len(view.groups)} group(s): {drift:,} with drift, "
        f"{view.unreachable:,} unreachable; {len(view.lines)} status line(s); "
        f"{findings} finding(s), {health} health finding(s)."
    )


def _finding_text(finding: FleetFinding) -> list[str]:
    mark = {"error": "x", "warning": "!", "note": "i"}.get(finding.severity, "-")
    where = f" on {len(finding.nodes):,} node(s)" if finding.nodes else ""
    lines = [f"{mark} [{finding.id}] {finding.message}{where}"]
    if finding.nodes:
        lines.append(f"    nodes     {names(finding.nodes)}")
    if finding.declared_at:
        lines.append(f"    declared  {finding.declared_at}")
    for rank, cause in enumerate(finding.causes[:3], 1):
        label = "causes" if rank == 1 else ""
        lines.append(f"    {label:<9} {rank}. [{cause['kind']}] {cause['summary']}")
    if finding.fix is not None:
        lines.append(f"    fix       {finding.fix['summary']}")
    return lines


# -- markdown -----------------------------------------------------------------------------------


def render_markdown(view: FleetView) -> str:
    def cell(text: object) -> str:
        return str(text if text is not None else "").replace("|", "\\|").replace("\n", " ")

    out = [f"### {view.title}", "", summary(view), ""]
    shown = view.groups[:TEXT_GROUPS]
    if view.lines:
        header = ["Status line", "Expected", "Uniform"] + [
            f"{g.label} ({len(g.nodes):,} nodes)" for g in shown
        ]
        out.append("| " + " | ".join(header) + " |")
        out.append("|" + "---|" * len(header))
        for index, line in enumerate(view.lines):
            expected = line.expected if not line.per_node else f"per node, e.g. {line.example}"
            uniform = "Yes" if line.uniform else ("per node" if line.per_node else "No")
            cells = [line.status_line, expected or "-", uniform] + [
                g.cells[index].text() for g in shown
            ]
            out.append("| " + " | ".join(cell(c) for c in cells) + " |")
        out.append("")
    if view.groups:
        out.append("**Groups**")
        out.append("")
        for group in view.groups:
            out.append(f"- **{group.label}** ({len(group.nodes):,}): {cell(names(group.nodes))}")
        out.append("")
    if view.findings:
        out.append("**Findings**")
        out.append("")
        icons = {"error": "❌", "warning": "⚠️", "note": "ℹ️"}
        for finding in view.findings:
            where = (
                f" — {len(finding.nodes):,} node(s): {names(finding.nodes)}"
                if finding.nodes
                else ""
            )
            out.append(f"- {icons.get(finding.severity, '')} {cell(finding.message)}{cell(where)}")
            if finding.causes:
                top = finding.causes[0]
                out.append(f"  - likely cause [{top['kind']}]: {cell(top['summary'])}")
            if finding.fix is not None:
                out.append(f"  - fix: {cell(finding.fix['summary'])}")
        out.append("")
    return "\n".join(out) + "\n"
