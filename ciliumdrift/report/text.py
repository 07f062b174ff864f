"""Human text: the check report grouped by node and fitted to the terminal, and every
other report or document through its own renderer.

A check report prints, in order: what was read; one line per group of nodes with
identical results (``498 nodes: 22/22 lines match``) followed by the table of the
largest group and, for every other group, the lines that read differently there; then
each finding once, with the nodes it applies to, its ranked causes and its fix; the notes;
a one-line summary. ``verbose`` prints the whole per-node table instead of the groups,
``quiet`` prints only the findings. Lines are wrapped to the width (COLUMNS, else the
terminal's, else 100), never cut. Colour follows NO_COLOR / FORCE_COLOR and is off when
the output is not a terminal; the layout needs none (``x error``, ``! warning``, ``i note``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ciliumdrift.inputs import version_title
from ciliumdrift.load.model import HelmValues
from ciliumdrift.model import Finding, FindingKind, Report, Row, Severity, Verdict
from ciliumdrift.parse.model import Status
from ciliumdrift.report import documents, listing
from ciliumdrift.report.escape import inline
from ciliumdrift.report.fleet import fleet_view, matrix_lines
from ciliumdrift.report.groups import NodeGroup, group_nodes, name_list
from ciliumdrift.report.style import MARK, paint, terminal_width, use_colour
from ciliumdrift.report.table import Column, breaks_words, render_table, widths
from ciliumdrift.report.table import wrap_line as _wrap_line

_VERDICT = {
    Verdict.MATCH: "ok",
    Verdict.MISMATCH: "DRIFT",
    Verdict.CONDITIONAL: "depends",
    Verdict.NOT_OBSERVED: "not shown",
    Verdict.CROSS_CHECK: "conflict",
}
_DECLARED_MIN = 36  # narrower than this, "declared at" moves to a line of its own


def wrap_line(text: str, width: int, indent: str = "", hanging: str | None = None) -> list[str]:
    """Every printed paragraph passes here: input-derived text is made inert first."""
    return _wrap_line(inline(text), width, indent, hanging)


def render(
    report: Any,
    *,
    colour: bool | None = None,
    width: int | None = None,
    verbose: bool = False,
    quiet: bool = False,
    matrix: bool = False,
) -> str:
    if isinstance(report, Report):
        return check_text(
            report, colour=colour, width=width, verbose=verbose, quiet=quiet, matrix=matrix
        )
    return _other(report, colour=colour)


def _other(report: Any, *, colour: bool | None) -> str:
    if isinstance(report, Status):
        return documents.status_text(report)
    if isinstance(report, HelmValues):
        return documents.values_text(report)
    if documents.is_expected_state(report):
        return documents.expected_text(report)
    if type(report).__name__ == "ImpactReport":
        return listing.impact_text(report)
    if type(report).__name__ == "LintReport":
        return listing.lint_text(report, colour=colour)
    raise TypeError(f"no text rendering for {type(report).__name__}")


def check_text(
    report: Report,
    *,
    colour: bool | None = None,
    width: int | None = None,
    verbose: bool = False,
    quiet: bool = False,
    matrix: bool = False,
) -> str:
    """The check/live report as text, every line at most ``width`` columns.

    ``matrix``: the rows as the fleet matrix (status lines x groups of identical nodes, with
    Expected and Uniform columns; :func:`ciliumdrift.report.fleet.matrix_lines`) instead of
    one table per group; ``live`` prints it.
    """
    size = terminal_width(width)
    coloured = use_colour(colour)
    out: list[str] = []
    if not quiet:
        out += _header(report, size)
        if report.rows:
            out.append("")
            short = short_paths(report.inputs)
            if matrix and not verbose:
                out += matrix_lines(fleet_view(report), size)
            else:
                table = _full_table if verbose else _grouped
                out += table(report.rows, size, short)
    findings = [f for f in report.findings if f.kind is not FindingKind.HEALTH]
    health = [f for f in report.findings if f.kind is FindingKind.HEALTH]
    for title, group in (("Findings", findings), ("Health", health)):
        if group:
            if out:
                out.append("")
            printed = _alike(group, verbose)
            if not quiet:
                count = f"{len(printed)}" + (
                    f"; {len(group)} per node" if len(printed) != len(group) else ""
                )
                out.append(f"{title} ({count})")
            for finding, alike in printed:
                out += _finding(finding, size, coloured, verbose, alike)
    if not quiet:
        if report.diagnostics:
            out += ["", "Notes"]
            for diagnostic in report.diagnostics:
                out += wrap_line(f"- {diagnostic}", size, "  ", "    ")
        # A count and its noun stay on one line ("3 / finding(s)" read as two numbers).
        summary = wrap_line(_summary(report), size)
        out += ["", *(line.replace(_GLUE, " ") for line in summary)]
    return "\n".join(out) + "\n" if out else ""


def _header(report: Report, width: int) -> list[str]:
    inputs = report.inputs
    title = f"ciliumdrift {report.tool_version}"
    title += version_title(inputs)  # says so when no version is known (ciliumdrift.inputs)
    lines = wrap_line(title, width)
    for key in ("values", "set", "talos", "status", "cluster"):
        found = inputs.get(key) or []
        files = [found] if isinstance(found, str) else [str(f) for f in found]
        if not files:
            continue
        distinct = list(dict.fromkeys(files))
        shown = name_list(distinct, unit="files")
        if len(distinct) < len(files):  # one status file given for several nodes
            shown += f" ({len(files)} {key}es)" if key == "status" else f" ({len(files)})"
        label = f"{key + ':':<{max(8, len(key) + 2)}}"
        lines += wrap_line(f"{label}{shown}", width, "  ", " " * (2 + len(label)))
    return lines


def short_paths(inputs: Any) -> dict[str, str]:
    """Input files by their base name where that is unambiguous (the header names them)."""
    files: list[str] = []
    for key in ("values", "talos", "status"):
        found = inputs.get(key) or []
        files += [str(f) for f in ([found] if isinstance(found, str) else found)]
    names = [f.rsplit("/", 1)[-1] for f in files]
    return {f: n for f, n in zip(files, names, strict=True) if names.count(n) == 1 and f != n}


def _declared(row: Row, short: dict[str, str]) -> str:
    if row.source is None:
        where = ""
    else:
        where = row.source.describe()
        position = row.source.position
        if position is not None and position.file in short:
            where = f"{short[position.file]}{where[len(position.file) :]}"
        if row.source.key and row.source.position is not None:
            where += f" ({row.source.key})"
    if row.condition and row.verdict is Verdict.CONDITIONAL:
        where = f"{where}; {row.condition}" if where else row.condition
    return where


def _labels(rows: Sequence[Row]) -> dict[str, str]:
    """Status lines that two facts share are told apart by the fact ID."""
    seen: dict[str, set[str]] = {}
    for row in rows:
        seen.setdefault(row.status_line, set()).add(row.fact)
    return {
        row.fact: f"{row.status_line} ({row.fact})"
        if len(seen[row.status_line]) > 1
        else row.status_line
        for row in rows
    }


def _rows_table(
    rows: Sequence[Row],
    width: int,
    short: dict[str, str],
    *,
    node_column: bool = False,
    spread: Mapping[str, int] | None = None,
) -> list[str]:
    labels = _labels(rows)
    columns = [
        Column("Status line", 14),
        Column("Expected", 12),
        Column("Observed", 12),
        Column("Verdict", wrap=False),
    ]
    cells = [
        [
            labels[r.fact],
            r.expected if r.expected is not None else "-",
            (r.observed if r.observed is not None else "-") + _others(r.fact, spread),
            _VERDICT[r.verdict],
        ]
        for r in rows
    ]
    if node_column:
        columns.insert(0, Column("Node", 10))
        for row, cell in zip(rows, cells, strict=True):
            cell.insert(0, row.node or "-")
    declared = [inline(_declared(r, short)) for r in rows]
    cells = [[inline(cell) for cell in row] for row in cells]
    with_declared = [*columns, Column("Declared at", _DECLARED_MIN)]
    rows_with = [[*c, d] for c, d in zip(cells, declared, strict=True)]
    sizes = widths(with_declared, rows_with, width)
    fits = (
        sum(sizes) + 2 * (len(sizes) - 1) <= width
        and sizes[-1] >= _DECLARED_MIN
        and not breaks_words(cells, sizes[:-1])
    )
    if fits:
        return render_table(with_declared, rows_with, width, sizes=sizes)
    # Too narrow for a fifth column: each row's declaration follows it on its own line.
    sizes = widths(columns, cells, width)
    out = render_table(columns, cells, width, sizes=sizes)[:2]
    for cell, where in zip(cells, declared, strict=True):
        out += render_table(columns, [cell], width, sizes=sizes)[2:]
        if where:
            out += wrap_line(f"declared at {where}", width, "    ", "      ")
    return out


def _others(fact: str, spread: Mapping[str, int] | None) -> str:
    count = (spread or {}).get(fact, 0)
    return f" (one of {count} per-node values)" if count > 1 else ""


def _full_table(rows: Sequence[Row], width: int, short: dict[str, str]) -> list[str]:
    several = len({r.node for r in rows}) > 1
    return _rows_table(rows, width, short, node_column=several)


def _grouped(rows: Sequence[Row], width: int, short: dict[str, str]) -> list[str]:
    groups = group_nodes(rows)
    out: list[str] = []
    reference = groups[0]
    for index, group in enumerate(groups):
        out += _group_line(group, width)
        if index == 0:
            out += _rows_table(reference.rows, width, short, spread=reference.spread)
        else:
            differing = _differing(group, reference)
            if differing:
                out += _rows_table(differing, width, short, spread=group.spread)
        if index + 1 < len(groups):
            out.append("")
    return out


def _group_line(group: NodeGroup, width: int) -> list[str]:
    named = [n for n in group.nodes if n is not None]
    text = group.summary()
    if named:
        text += f" ({name_list(named, unit='')})"
    return wrap_line(text, width, "", "  ")


def _differing(group: NodeGroup, reference: NodeGroup) -> list[Row]:
    """The rows of ``group`` that read otherwise than the reference group's (a matching
    line that shows another per-node value does not)."""
    theirs = {r.fact: r for r in reference.rows}

    def same(row: Row, other: Row | None) -> bool:
        if other is None or (row.verdict, row.condition) != (other.verdict, other.condition):
            return False
        return row.verdict is Verdict.MATCH or (row.expected, row.observed) == (
            other.expected,
            other.observed,
        )

    return [r for r in group.rows if not same(r, theirs.get(r.fact))]


def _shape(finding: Finding) -> tuple[object, ...]:
    """What two findings share when they differ only in per-node values."""
    source = finding.source.describe() if finding.source is not None else None
    return (
        finding.fact,
        finding.kind,
        finding.severity,
        finding.status_line,
        source,
        tuple((c.kind, c.summary) for c in finding.causes),
        finding.fix.summary if finding.fix is not None else None,
    )


def _alike(findings: Sequence[Finding], verbose: bool) -> list[tuple[Finding, list[Finding]]]:
    """Each finding with the others on other nodes that read alike but for their values
    (each node's pod CIDR): printed once, with their nodes. ``verbose`` prints every one."""
    if verbose:
        return [(f, [f]) for f in findings]
    groups: dict[tuple[object, ...], list[Finding]] = {}
    for finding in findings:
        key = _shape(finding) if finding_nodes(finding) else (id(finding),)
        groups.setdefault(key, []).append(finding)
    return [(group[0], group) for group in groups.values()]


def _finding(
    finding: Finding,
    width: int,
    coloured: bool,
    verbose: bool,
    alike: Sequence[Finding] = (),
) -> list[str]:
    mark = paint(f"{MARK[finding.severity]} {finding.severity.value}", finding.severity, coloured)
    nodes = list(dict.fromkeys(n for f in alike or [finding] for n in finding_nodes(f)))
    values = {
        label: len({getattr(f, label) for f in alike})
        for label in ("expected", "observed")
        if len(alike) > 1
    }
    where = ""
    if len(nodes) == 1:
        where = f" on {nodes[0]}"
    elif nodes:
        named = ", ".join(nodes) if verbose else name_list(nodes, unit="")
        where = f" on {len(nodes)} nodes ({named})"
    plain_mark = f"{MARK[finding.severity]} {finding.severity.value}"
    head = f"{plain_mark}: {finding.status_line}{where} [{finding.fact}]: {finding.message}"
    lines = wrap_line(head, width, "", "    ")
    lines[0] = lines[0].replace(plain_mark, mark, 1)
    details: list[tuple[str, str]] = []
    if finding.expected is not None and finding.kind is not FindingKind.HEALTH:
        details.append(("expected", finding.expected))
    if finding.observed is not None:
        details.append(("observed", finding.observed))
    if finding.source is not None:
        declared = finding.source.describe()
        if finding.source.key:
            declared += f" ({finding.source.key})"
        details.append(("declared", declared))
    for label, value in details:
        count = values.get(label, 1)
        shown = f"{value} (one of {count} per-node values)" if count > 1 else value
        lines += wrap_line(f"{label:<9} {shown}", width, "    ", " " * 14)
    for rank, cause in enumerate(finding.causes, 1):
        label = "causes" if rank == 1 else ""
        lines += wrap_line(
            f"{label:<9} {rank}. [{cause.kind.value}] {cause.summary}", width, "    ", " " * 17
        )
        for evidence in cause.evidence:
            origin = ""
            if evidence.origin is not None and evidence.origin.describe() not in evidence.text:
                origin = f" ({evidence.origin.describe()})"
            lines += wrap_line(f"- {evidence.text}{origin}", width, " " * 17, " " * 19)
    if finding.fix is not None:
        lines += wrap_line(f"{'fix':<9} {finding.fix.summary}", width, "    ", " " * 14)
        for snippet in (finding.fix.values_snippet, finding.fix.set_flag, finding.fix.talos_patch):
            if snippet:
                for line in snippet.rstrip("\n").splitlines():
                    # Snippets are pasted as they are: wrapped only when longer than the width.
                    lines += (
                        wrap_line(line, width, " " * 16, " " * 18)
                        if len(line) + 16 > width
                        else [" " * 16 + inline(line)]
                    )
    return lines


def finding_nodes(finding: Finding) -> list[str]:
    """The nodes a finding applies to (none: the whole cluster or a single unnamed status)."""
    nodes = list(getattr(finding, "nodes", ()) or ())
    if not nodes and finding.node:
        nodes = [finding.node]
    return nodes


#: Joins a count to its noun in the summary (textwrap breaks at spaces only).
_GLUE = "\u00a0"


def _summary(report: Report) -> str:
    counts = {verdict: 0 for verdict in Verdict}
    for row in report.rows:
        counts[row.verdict] += 1
    nodes = len({r.node for r in report.rows})
    severities = {s: 0 for s in Severity}
    for finding in report.findings:
        severities[finding.severity] += 1
    g = _GLUE
    return (
        f"{len(report.rows)}{g}status lines compared on {nodes}{g}node(s): "
        f"{counts[Verdict.MATCH]}{g}match, {counts[Verdict.MISMATCH]}{g}drift, "
        f"{counts[Verdict.CONDITIONAL]}{g}conditional, "
        f"{counts[Verdict.NOT_OBSERVED]}{g}not shown; "
        f"{len(report.drift)}{g}finding(s), {len(report.health)}{g}health finding(s): "
        f"{severities[Severity.ERROR]}{g}error(s), {severities[Severity.WARNING]}{g}warning(s), "
        f"{severities[Severity.NOTE]}{g}note(s)."
    )


__all__ = ["check_text", "finding_nodes", "render"]
