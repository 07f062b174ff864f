"""Findings as the user reads them: one per declared value, one across nodes.

``check`` merges the findings about one declared value (:func:`merge_subjects`), and ``lint``
merges the model's conflicts by the same rule (:mod:`ciliumdrift.lint.model`), so that the
two report the same conflicts on the same lines.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace

from ciliumdrift.agent.explain import unknown
from ciliumdrift.model import Cause, CauseKind, Finding, FindingKind, Fix, Severity
from ciliumdrift.regex import lazy_pattern

# -- coherent findings -------------------------------------------------------------------------

_SEVERITY_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.NOTE: 2}
_SET_FLAG = lazy_pattern(r"--set(?:-string)? ([^=\s]+)=(\S*)")


def fix_settings(fix: Fix | None) -> dict[str, str]:
    """The Helm keys a fix sets and the values it sets them to (from its ``--set`` form)."""
    if fix is None or not fix.set_flag:
        return {}
    return dict(_SET_FLAG.findall(fix.set_flag))


def _subject(finding: Finding) -> tuple[str, str] | None:
    source = finding.source
    if source is None or source.key is None:
        return None
    where = str(source.position) if source.position is not None else source.describe()
    return (source.key, where)


def _contradict(one: Fix | None, other: Fix | None) -> bool:
    mine, theirs = fix_settings(one), fix_settings(other)
    return any(key in theirs and theirs[key] != value for key, value in mine.items())


def _about_one_value(one: Finding, other: Finding) -> bool:
    """A drift and a conflict on one status line, or two findings whose fixes disagree."""
    kinds = {one.kind, other.kind}
    if one.fact == other.fact and FindingKind.DRIFT in kinds and len(kinds) == 2:
        return True
    return _contradict(one.fix, other.fix)


def _same_scope(one: Finding, other: Finding) -> bool:
    a, b = set(one.applies_to), set(other.applies_to)
    return not a or not b or bool(a & b)


def coherent(findings: Sequence[Finding]) -> tuple[Finding, ...]:
    """Findings as the user should read them: one per declared value, one across nodes.

    1. A drift and the conflicts about the same declared value on the same status line (or
       whose fixes set the same key to different values) are one finding: when the declared
       value itself is wrong, its fix comes first and no roll-out of that value is advised.
    2. Findings that read the same on several nodes are one finding listing its nodes.
    """
    return merge_nodes(merge_subjects(list(findings)))


def merge_subjects(findings: list[Finding]) -> list[Finding]:
    """Rule 1 of :func:`coherent`: the findings about one declared value as one finding."""
    return [
        findings[group[0]] if len(group) == 1 else merged([findings[i] for i in group])
        for group in merge_groups(findings)
    ]


def merge_groups(findings: Sequence[Finding]) -> list[list[int]]:
    """The indexes of ``findings`` that :func:`merge_subjects` makes one, in order."""
    out: list[list[int]] = []
    used: set[int] = set()
    for index, finding in enumerate(findings):
        if index in used:
            continue
        subject = _subject(finding)
        if subject is None or finding.kind is FindingKind.HEALTH:
            out.append([index])
            continue
        partners = [
            other_index
            for other_index, other in enumerate(findings)
            if other_index > index
            and other_index not in used
            and other.kind is not FindingKind.HEALTH
            and _subject(other) == subject
            and _same_scope(finding, other)
            and _about_one_value(finding, other)
        ]
        used.update(partners)
        out.append([index, *partners])
    return out


_INVALID = frozenset({CauseKind.DEPRECATED_VALUE, CauseKind.KEY_IGNORED})


def _invalid(finding: Finding) -> bool:
    """The finding says the value is not one the chart or agent accepts at all."""
    return bool(finding.causes) and finding.causes[0].kind in _INVALID


def lead_of(group: Sequence[Finding]) -> Finding:
    """The finding a merged group is told as: the drift, else the gravest conflict (one
    saying the value is not accepted at all first)."""
    drift = [f for f in group if f.kind is FindingKind.DRIFT]
    if drift:
        return drift[0]
    return min(
        (f for f in group if f.kind is not FindingKind.DRIFT),
        key=lambda f: (_SEVERITY_ORDER[f.severity], not _invalid(f)),
    )


def merged(group: list[Finding]) -> Finding:
    """One finding for several about one declared value (the drift leads, if there is one).

    Causes: the lead's in their rank, then the others' (a value the chart or agent does not
    accept at all first). Fix: when a conflict says the declared value is wrong, its fix,
    preferring one constrained by another input (Talos, a requirement) over a generic
    "use a valid value", so the finding proposes one value, never two.
    """
    drift = [f for f in group if f.kind is FindingKind.DRIFT]
    conflicts = sorted(
        (f for f in group if f.kind is not FindingKind.DRIFT),
        key=lambda f: (_SEVERITY_ORDER[f.severity], not _invalid(f)),
    )
    lead = lead_of(group)
    rest = [f for f in group if f is not lead]
    rest.sort(
        key=lambda f: (f.kind is FindingKind.DRIFT, _SEVERITY_ORDER[f.severity], not _invalid(f))
    )
    severity = min((f.severity for f in group), key=lambda s: _SEVERITY_ORDER[s])
    wrong = [f for f in conflicts if f.fix is not None and f.severity is not Severity.NOTE]
    wrong.sort(key=lambda f: _invalid(f))
    causes: list[Cause] = []
    # The lead's causes keep their rank (they explain what was observed); the others follow.
    for finding in [lead, *rest]:
        for found in finding.causes:
            if all(not _same_cause(c, found) for c in causes):
                causes.append(found)
    generic = unknown().cause
    if any(c != generic for c in causes):
        causes = [c for c in causes if c != generic]
    fix = lead.fix
    if wrong and wrong[0].fix is not None:
        first = wrong[0].fix
        summary = (
            f"The declared value is itself wrong: {first.summary[:1].lower()}{first.summary[1:]}"
            ". Do not roll out the value as it is declared."
            if drift
            else first.summary
        )
        fix = replace(first, summary=summary)
    messages = [lead.message, *(f.message for f in rest if f.message != lead.message)]
    nodes = tuple(dict.fromkeys(n for f in group for n in f.applies_to))
    return replace(
        lead,
        message="; ".join(messages),
        causes=tuple(causes),
        fix=fix,
        severity=severity,
        node=nodes[0] if len(nodes) == 1 else None,
        nodes=nodes if len(nodes) > 1 else (),
    )


def _same_cause(one: Cause, other: Cause) -> bool:
    """The same cause, or the same kind resting on the same evidence."""
    if (one.kind, one.summary) == (other.kind, other.summary):
        return True
    texts = [e.text for e in one.evidence]
    return one.kind is other.kind and bool(texts) and texts == [e.text for e in other.evidence]


def _signature(finding: Finding) -> str:
    data = finding.to_dict()
    data.pop("node")
    data.pop("nodes")
    return json.dumps(data, sort_keys=True, default=str)


def merge_nodes(findings: Sequence[Finding]) -> tuple[Finding, ...]:
    """Findings that read the same on several nodes, as one finding listing its nodes.

    Whoever adds per-node causes to findings (the live layers) does so before this.
    """
    groups: dict[str, list[Finding]] = {}
    for finding in findings:
        groups.setdefault(_signature(finding), []).append(finding)
    out = []
    for group in groups.values():
        first = group[0]
        nodes = tuple(dict.fromkeys(n for f in group for n in f.applies_to))
        if len(group) == 1 or len(nodes) <= 1:
            out.append(first)
            continue
        out.append(replace(first, node=None, nodes=nodes))
    return tuple(out)


__all__ = [
    "coherent",
    "fix_settings",
    "lead_of",
    "merge_groups",
    "merge_nodes",
    "merge_subjects",
    "merged",
]
