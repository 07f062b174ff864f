"""The lint view of the model of the agent: its status-free conflicts, as violations.

Lint does not restate what the agent does. It loads the linted files with the same loader
``check`` uses (leniently: what only lint reports, such as a duplicate key, does not stop
it; inside lint's one reading the loader gets the documents lint parsed for its text rules,
so each file is parsed once), derives the same node context, and takes the conflicts the
facts declare. A lint rule
whose name is a conflict's name (``native-routing-without-cidr``) is a *view*: it reports
exactly those conflicts, with the model's words, at the model's position. So ``lint`` and
``check`` without a status report the same conflicts on the same lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ciliumdrift.agent.fact import Conflict, Expectation
from ciliumdrift.agent.facts import FACTS
from ciliumdrift.derive import derive_context, status_free_context
from ciliumdrift.derive.coherent import lead_of, merge_groups, merged
from ciliumdrift.load.helm import load_values_and_version
from ciliumdrift.load.model import Declared, HelmValues, TalosFacts
from ciliumdrift.load.yaml import lenient_reading
from ciliumdrift.model import (
    Finding,
    FindingKind,
    Fix,
    Layer,
    Located,
    Origin,
    Position,
    Severity,
)


@dataclass(frozen=True)
class AgentConflict:
    """One status-free conflict of the model, placed for lint."""

    name: str  # the conflict's name: the lint rule that shows it
    fact: str  # the fact (status line) that declares it
    message: str
    position: Position | None
    severity: Severity
    cause: str | None  # the best cause's kind
    key: str | None = None
    fix: str | None = None


def agent_conflicts(
    sources: Sequence[tuple[str, str]],
    *,
    talos: TalosFacts | None,
    cilium_version: str | None,
) -> tuple[AgentConflict, ...]:
    """The model's conflicts for the values in ``sources`` merged in order (as check merges
    its ``-f`` files) at ``cilium_version`` (None: unknown, the newest chart stands in and
    the model knows it, as in check). Raises the loader's
    :class:`~ciliumdrift.errors.InputError` when even a lenient read refuses them."""
    with lenient_reading():
        values, _ = load_values_and_version((), texts=sources, cilium_version=cilium_version)
    version = (
        Located(
            cilium_version, Origin(Layer.SET, key="cilium-version", detail="the linted version")
        )
        if cilium_version is not None
        else None
    )
    declared = Declared(values=values, talos=talos, cilium_version=version)
    ctx = status_free_context(declared)
    named: list[tuple[str, Finding]] = []
    seen: set[tuple[str, str]] = set()
    for fact_id, expectation in derive_context(ctx, FACTS).items():
        for conflict in expectation.conflicts:
            if (fact_id, conflict.message) in seen:
                continue  # told once, as check tells it (one finding per fact and message)
            seen.add((fact_id, conflict.message))
            named.append((conflict.name, _finding(fact_id, conflict, expectation)))
    found: list[AgentConflict] = []
    # Conflicts about one declared value whose fixes disagree are one, as in check: the
    # lead's rule shows it, with every cause and the one fix.
    for group in merge_groups([finding for _, finding in named]):
        members = [named[i][1] for i in group]
        lead = lead_of(members)
        one = merged(members) if len(members) > 1 else lead
        name = next(n for n, f in named if f is lead)
        source = one.source
        if source is not None and source.layer in _DEFAULTS:
            source = None  # decided by defaults alone: no line of the files states it
        found.append(
            AgentConflict(
                name=name,
                fact=one.fact,
                message=one.message,
                position=source.position if source is not None else None,
                severity=one.severity,
                cause=one.causes[0].kind.value if one.causes else None,
                # a key only where the violation points at it (a default has no line)
                key=_helm_key(source.key, values)
                if source is not None and source.position is not None
                else None,
                fix=_fix_text(one.fix),
            )
        )
    return tuple(found)


def _finding(fact_id: str, conflict: Conflict, expectation: Expectation) -> Finding:
    """The conflict as check's cross-check finding (compare._cross_check, for no node)."""
    return Finding(
        fact=fact_id,
        status_line=fact_id,
        node=None,
        kind=FindingKind.CROSS_CHECK,
        expected=expectation.value,
        observed=None,
        source=conflict.source or expectation.source,
        message=conflict.message,
        causes=conflict.causes,
        fix=conflict.fix,
        severity=conflict.severity,
    )


_DEFAULTS = (Layer.CHART_DEFAULT, Layer.AGENT_DEFAULT)


def _helm_key(key: str | None, values: HelmValues) -> str | None:
    """The Helm key as the chart reads it: an umbrella chart's ``cilium.x`` is ``x``."""
    if key is not None and key.startswith("cilium.") and values.get(key) is None:
        inner = key.removeprefix("cilium.")
        if values.get(inner) is not None:
            return inner
    return key


def _fix_text(fix: Fix | None) -> str | None:
    if fix is None:
        return None
    snippet = fix.values_snippet or fix.talos_patch
    if snippet and "\n" not in snippet:
        return f"{fix.summary}: {snippet}"
    if fix.set_flag:
        return f"{fix.summary}: {fix.set_flag}"
    return fix.summary


__all__ = ["AgentConflict", "agent_conflicts"]
