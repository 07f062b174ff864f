"""Human text for a check Report: a table of every compared line, then each finding explained.

Colour follows rich's rules (NO_COLOR disables it, FORCE_COLOR forces it) and is off when
the output is not a terminal; the layout needs no colour to be read.
"""

from __future__ import annotations

import io
import os
import shutil
import sys
from typing import Any

from ciliumdrift.model import Finding, FindingKind, Report, Row, Verdict
from ciliumdrift.report.escape import inline

_VERDICT_STYLE = {
    Verdict.MATCH: ("ok", "green"),
    Verdict.MISMATCH: ("DRIFT", "bold red"),
    Verdict.CONDITIONAL: ("depends", "yellow"),
    Verdict.NOT_OBSERVED: ("not shown", "dim"),
    Verdict.CROSS_CHECK: ("conflict", "bold red"),
}


def _use_colour(colour: bool | None) -> bool:
    if colour is not None:
        return colour
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return sys.stdout.isatty()


def render(report: Any, *, colour: bool | None = None, width: int | None = None) -> str:
    if not isinstance(report, Report):
        renderer = getattr(report, "render_text", None)
        if renderer is None:
            raise TypeError(f"no text rendering for {type(report).__name__}")
        text: str = renderer()
        return text
    from rich.console import Console

    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width or max(160, shutil.get_terminal_size((160, 40)).columns),
        force_terminal=_use_colour(colour),
        no_color=not _use_colour(colour),
        highlight=False,
        emoji=False,
        soft_wrap=False,
    )
    _header(console, report)
    if report.rows:
        _rows_table(console, report.rows)
    findings = [f for f in report.findings if f.kind is not FindingKind.HEALTH]
    health = [f for f in report.findings if f.kind is FindingKind.HEALTH]
    for title, group in (("Findings", findings), ("Health", health)):
        if group:
            console.print()
            console.print(f"[bold]{title} ({len(group)})[/bold]")
            for finding in group:
                _finding(console, finding)
    if report.diagnostics:
        console.print()
        console.print("[bold]Notes[/bold]")
        for diagnostic in report.diagnostics:
            console.print(f"  - {inline(diagnostic)}", markup=False)
    console.print()
    console.print(_summary(report), markup=False)
    return buffer.getvalue()


def _header(console: Any, report: Report) -> None:
    inputs = report.inputs
    title = f"ciliumdrift {report.tool_version}"
    if inputs.get("cilium_version"):
        title += f" · Cilium {inputs['cilium_version']}"
    console.print(inline(title), markup=False)
    for key in ("values", "set", "talos", "status"):
        files = inputs.get(key) or []
        if files:
            shown = inline(", ".join(str(f) for f in files))
            console.print(f"  {key + ':':<8}{shown}", markup=False)


def _rows_table(console: Any, rows: tuple[Row, ...]) -> None:
    from rich import box
    from rich.table import Table

    several_nodes = len({r.node for r in rows}) > 1
    labels = [r.status_line for r in rows]
    shared_labels = {label for label in labels if labels.count(label) > 1}
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    if several_nodes:
        table.add_column("Node", overflow="fold")
    table.add_column("Status line", no_wrap=True)
    table.add_column("Expected", overflow="fold")
    table.add_column("Observed", overflow="fold")
    table.add_column("Verdict", no_wrap=True)
    table.add_column("Declared at", no_wrap=True, overflow="fold")
    for row in rows:
        label, style = _VERDICT_STYLE[row.verdict]
        source = ""
        if row.source is not None:
            source = row.source.describe()
            if row.source.key and row.source.position is not None:
                source += f" ({row.source.key})"
        if row.condition and row.verdict is Verdict.CONDITIONAL:
            source = f"{source}; {row.condition}" if source else row.condition
        verdict = f"[{style}]{label}[/{style}]"
        cells = [
            _escape(
                f"{row.status_line} ({row.fact})"
                if row.status_line in shared_labels
                else row.status_line
            ),
            _escape(row.expected if row.expected is not None else "-"),
            _escape(row.observed if row.observed is not None else "-"),
            verdict,
            _escape(source),
        ]
        if several_nodes:
            cells.insert(0, _escape(row.node or "-"))
        table.add_row(*cells)
    console.print(table)


def _escape(text: str) -> str:
    """A field for rich markup: no markup, no control character, one line."""
    from rich.markup import escape

    return escape(inline(text))


def _finding(console: Any, finding: Finding) -> None:
    where = f" on {finding.node}" if finding.node else ""
    mark = "x" if finding.severity.value == "error" else "!"
    console.print(
        f"[bold red]{mark}[/bold red] [bold]{_escape(finding.status_line)}[/bold]"
        f"{_escape(where)} [dim]({finding.fact})[/dim]: {_escape(finding.message)}"
    )
    lines: list[tuple[str, str]] = []
    if finding.expected is not None:
        lines.append(("expected", finding.expected))
    if finding.observed is not None:
        lines.append(("observed", finding.observed))
    if finding.source is not None:
        declared = finding.source.describe()
        if finding.source.key:
            declared += f" ({finding.source.key})"
        lines.append(("declared", declared))
    for label, value in lines:
        console.print(f"    {label:<9} {inline(value)}", markup=False)
    for rank, cause in enumerate(finding.causes, 1):
        console.print(
            f"    {'causes' if rank == 1 else '':<9} {rank}. [{cause.kind.value}] "
            f"{inline(cause.summary)}",
            markup=False,
        )
        for evidence in cause.evidence:
            origin = ""
            if evidence.origin is not None and evidence.origin.describe() not in evidence.text:
                origin = f" ({evidence.origin.describe()})"
            console.print(f"    {'':<9}    - {inline(evidence.text + origin)}", markup=False)
    if finding.fix is not None:
        console.print(f"    {'fix':<9} {inline(finding.fix.summary)}", markup=False)
        for snippet in (finding.fix.values_snippet, finding.fix.set_flag, finding.fix.talos_patch):
            if snippet:
                for line in snippet.rstrip("\n").splitlines():
                    console.print(f"    {'':<9}   {inline(line)}", markup=False)


def _summary(report: Report) -> str:
    counts = {verdict: 0 for verdict in Verdict}
    for row in report.rows:
        counts[row.verdict] += 1
    nodes = len({r.node for r in report.rows}) or 0
    text = (
        f"{len(report.rows)} status lines compared on {nodes} node(s): "
        f"{counts[Verdict.MATCH]} match, {counts[Verdict.MISMATCH]} drift, "
        f"{counts[Verdict.CONDITIONAL]} conditional, {counts[Verdict.NOT_OBSERVED]} not shown; "
        f"{len(report.drift)} finding(s), {len(report.health)} health finding(s)."
    )
    return text
