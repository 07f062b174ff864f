"""Line-oriented text for ``lint`` and ``impact`` reports.

Lint prints one ``file:line:col: CODE name [severity] message`` line per violation: the
format editors and CI log parsers already understand (flake8, ruff, yamllint
``parsable``), so it stays useful when piped. Impact prints one line per status line that
changes, with the keys that move it. Colour is added only on a terminal (NO_COLOR /
FORCE_COLOR decide, as everywhere: :func:`ciliumdrift.report.style.use_colour`).
"""

from __future__ import annotations

from typing import Any

from ciliumdrift.model import Severity
from ciliumdrift.report.escape import inline
from ciliumdrift.report.style import paint, use_colour


def lint_text(report: Any, *, colour: bool | None = None) -> str:
    coloured = use_colour(colour)
    lines = [_violation(v, coloured) for v in report.violations]
    for diagnostic in report.diagnostics:
        lines.append(f"note: {inline(diagnostic)}")
    counts = {s: sum(1 for v in report.violations if v.severity is s) for s in Severity}
    files = len(report.files)
    if report.violations:
        summary = (
            f"{len(report.violations)} violation(s) in {files} file(s): "
            f"{counts[Severity.ERROR]} error(s), {counts[Severity.WARNING]} warning(s), "
            f"{counts[Severity.NOTE]} note(s)"
        )
    else:
        summary = f"no violations in {files} file(s)"
    summary += f" (Cilium {report.cilium_version}"
    summary += f", {report.suppressed} suppressed)" if report.suppressed else ")"
    lines.append(summary)
    return "\n".join(lines) + "\n"


def _violation(violation: Any, coloured: bool) -> str:
    label = f"{violation.code} {violation.name}"
    severity = paint(violation.severity.value, violation.severity, coloured)
    text = f"{inline(violation.position)}: {label} [{severity}] {inline(violation.message)}"
    if violation.fix:
        text += f" (fix: {inline(violation.fix)})"
    return text


def impact_text(report: Any) -> str:
    out = [
        inline(
            f"ciliumdrift impact: {report.base} -> {report.head} "
            f"(Cilium {report.cilium_version or '?'})"
        ),
        "",
    ]
    if not report.changes:
        out.append("No cilium status line changes.")
    for change in report.changes:
        mark = "DISRUPTIVE " if change.disruptive else ""
        node = f" [{change.node}]" if change.node else ""
        out.append(
            inline(
                f"{mark}{change.status_line}{node}: {change.before or '(not shown)'} -> "
                f"{change.after or '(not shown)'}"
            )
        )
        for key in change.keys:
            out.append(f"    because {inline(key.describe())}")
        if change.disruptive:
            out.append(f"    disruptive: {inline(change.why_disruptive)}")
    if report.unexplained_keys:
        out += ["", "Changed keys that move no status line:"]
        out += [f"    {inline(k.describe())}" for k in report.unexplained_keys]
    for diagnostic in report.diagnostics:
        out.append(f"note: {inline(diagnostic)}")
    out += ["", report.summary()]
    return "\n".join(out) + "\n"


__all__ = ["impact_text", "lint_text"]
