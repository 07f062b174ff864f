"""The exit policy of every command, decided in one place.

=====  =====================================================================================
code   meaning
=====  =====================================================================================
0      nothing at or above the ``--fail-on`` severity (default ``error``): warnings and
       notes are printed, labelled ``warning`` / ``note``, and do not fail the run
1      a finding at or above ``--fail-on``: drift, an error, a fatal conflict (``check``,
       ``live``), an error violation (``lint``), a status line that changes (``impact``,
       whose changes are warnings when disruptive and notes otherwise, so its default is
       ``note``)
2      bad input or usage, and a run that compared nothing (``check`` without a status,
       ``live`` that found no agent): one line on stderr says what was missing
=====  =====================================================================================

Health findings (an unreachable node, failing controllers) are about the cluster, not the
config: they never fail a run, unless ``--fail-on-health`` asks, and then any of them does.
The convention is ruff's and kube-linter's: severities are labels, the threshold is the
user's.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ciliumdrift.model import FindingKind, Report, Severity, Verdict
from ciliumdrift.report import EXIT_CLEAN, EXIT_FINDINGS, EXIT_INPUT, FailOn

_RANK = {Severity.ERROR: 3, Severity.WARNING: 2, Severity.NOTE: 1}
_THRESHOLD = {FailOn.ERROR: 3, FailOn.WARNING: 2, FailOn.NOTE: 1}


def counts(severity: Severity, fail_on: FailOn | str) -> bool:
    """Whether a result of this severity fails a run with this threshold."""
    return _RANK[severity] >= _THRESHOLD[FailOn(fail_on)]


def default_fail_on(report: Any) -> FailOn:
    """``impact`` fails on any change (a note); every other report on errors."""
    return FailOn.NOTE if type(report).__name__ == "ImpactReport" else FailOn.ERROR


def severities(report: Any) -> list[Severity]:
    """The severities of the results that the ``--fail-on`` threshold applies to."""
    if isinstance(report, Report):
        return [f.severity for f in report.findings if f.kind is not FindingKind.HEALTH]
    if type(report).__name__ == "ImpactReport":
        return [Severity.WARNING if c.disruptive else Severity.NOTE for c in report.changes]
    violations: Iterable[Any] = getattr(report, "violations", ())
    return [v.severity for v in violations]


def exit_code(
    report: Any,
    *,
    fail_on: FailOn | str | None = None,
    fail_on_health: bool = False,
) -> int:
    """0 or 1 for a check, live, lint or impact report (see the module docs).

    A check report that compared nothing is not decided here: call :func:`nothing_compared`
    first and exit 2 with its reason.
    """
    threshold = FailOn(fail_on) if fail_on is not None else default_fail_on(report)
    if fail_on_health and isinstance(report, Report) and report.health:
        return EXIT_FINDINGS
    found = severities(report)
    return EXIT_FINDINGS if any(counts(s, threshold) for s in found) else EXIT_CLEAN


def compared(report: Report) -> int:
    """How many status lines were actually compared (observed on some node)."""
    return sum(1 for row in report.rows if row.verdict is not Verdict.NOT_OBSERVED)


def nothing_compared(report: Report) -> str | None:
    """Why a check or live run compared nothing (it then exits 2), or None when it did.

    The reasons, in the order a user would fix them: no status was given, no agent was
    found, no agent could be read, the statuses show none of the config-determined lines.
    """
    if compared(report) or any(f.kind is FindingKind.DRIFT for f in report.findings):
        return None  # a drift finding is an observation compared, whatever it came from
    inputs = report.inputs
    if "cluster" in inputs:  # live or sysdump
        nodes = int(inputs.get("nodes") or 0)
        where = inputs.get("cluster") or "the cluster"
        if nodes == 0:
            return f"no Cilium agent found in {where}: nothing was compared"
        errors = [f.message for f in report.findings if f.fact == "node"]
        if errors and len(errors) >= nodes:
            return f"none of the {nodes} Cilium agent(s) could be read ({errors[0]})"
        return f"the {nodes} agent(s) show none of the config-determined status lines"
    statuses = list(inputs.get("status") or ())
    if not statuses:
        return (
            "no status given: nothing was compared (pass --status FILE, --sysdump ZIP or a "
            "folder with status*.txt; `ciliumdrift lint` checks the config alone)"
        )
    errors = [f.message for f in report.findings if f.fact == "node"]
    if errors:
        return f"no status could be read: {errors[0]}"
    shown = ", ".join(str(s) for s in statuses[:3]) + (" …" if len(statuses) > 3 else "")
    return f"{shown}: the status shows none of the config-determined lines; nothing was compared"


__all__ = [
    "EXIT_CLEAN",
    "EXIT_FINDINGS",
    "EXIT_INPUT",
    "FailOn",
    "compared",
    "counts",
    "default_fail_on",
    "exit_code",
    "nothing_compared",
    "severities",
]
