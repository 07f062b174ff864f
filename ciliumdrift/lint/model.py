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

from ciliumdrift.agent.facts import FACTS
from ciliumdrift.derive import derive_context, status_free_context
from ciliumdrift.errors import InputError
from ciliumdrift.load.helm import load_values_and_version
from ciliumdrift.load.model import Declared, HelmValues, TalosFacts
from ciliumdrift.load.yaml import lenient_reading
from ciliumdrift.model import Diagnostic, Fix, Layer, Located, Origin, Position, Severity


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
    cilium_version: str,
) -> tuple[tuple[AgentConflict, ...], tuple[Diagnostic, ...]]:
    """The model's conflicts for the values in ``sources`` merged in order (as check merges
    its ``-f`` files) at ``cilium_version``; a diagnostic instead when they cannot load."""
    try:
        with lenient_reading():
            values, _ = load_values_and_version((), texts=sources, cilium_version=cilium_version)
    except InputError as error:
        note = f"the model of the agent was not evaluated: {error.message}"
        return (), (Diagnostic(note, error.position),)
    version = Located(
        cilium_version, Origin(Layer.SET, key="cilium-version", detail="the linted version")
    )
    declared = Declared(values=values, talos=talos, cilium_version=version)
    ctx = status_free_context(declared)
    found: list[AgentConflict] = []
    for fact_id, expectation in derive_context(ctx, FACTS).items():
        for conflict in expectation.conflicts:
            source = conflict.source or expectation.source
            if source is not None and source.layer in _DEFAULTS:
                source = None  # decided by defaults alone: no line of the files states it
            found.append(
                AgentConflict(
                    name=conflict.name,
                    fact=fact_id,
                    message=conflict.message,
                    position=source.position if source is not None else None,
                    severity=conflict.severity,
                    cause=conflict.causes[0].kind.value if conflict.causes else None,
                    # a key only where the violation points at it (a default has no line)
                    key=_helm_key(source.key, values)
                    if source is not None and source.position is not None
                    else None,
                    fix=_fix_text(conflict.fix),
                )
            )
    return tuple(found), ()


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
