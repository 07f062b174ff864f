"""Human text for a lint report: one ``file:line:col: CODE name message`` line per violation.

The line format is the one editors and CI log parsers already understand (flake8, ruff,
yamllint ``parsable``), so it stays useful when piped; colour is added only on a terminal
and follows NO_COLOR / FORCE_COLOR.
"""

from __future__ import annotations

import os
import sys

from ciliumdrift.lint.rule import LintReport, Violation
from ciliumdrift.model import Severity
from ciliumdrift.report.escape import inline

_COLOUR = {Severity.ERROR: "\x1b[31m", Severity.WARNING: "\x1b[33m", Severity.NOTE: "\x1b[36m"}


def _use_colour(colour: bool | None) -> bool:
    if colour is not None:
        return colour
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return sys.stdout.isatty()


def render_text(report: LintReport, *, colour: bool | None = None) -> str:
    paint = _use_colour(colour)
    lines = [_line(v, paint) for v in report.violations]
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


def _line(violation: Violation, paint: bool) -> str:
    label = f"{violation.code} {violation.name}"
    severity = violation.severity.value
    if paint:
        severity = f"{_COLOUR[violation.severity]}{severity}\x1b[0m"
    text = f"{inline(violation.position)}: {label} [{severity}] {inline(violation.message)}"
    if violation.fix:
        text += f" (fix: {inline(violation.fix)})"
    return text
