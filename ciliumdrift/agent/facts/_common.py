"""What the fact modules share: building expectations and the standard explanation."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ciliumdrift.agent import settings as s
from ciliumdrift.agent.decide import Outcome
from ciliumdrift.agent.explain import (
    LIKELY,
    POSSIBLE,
    STRONG,
    Candidate,
    cause,
    explanation,
    kernel_evidence,
    not_applied,
    unknown,
    version_default,
)
from ciliumdrift.agent.fact import Conflict, Expectation, Explainer, Explanation, NodeContext
from ciliumdrift.model import Cause, CauseKind, Evidence, Layer, Origin

_IGNORED_KINDS = (CauseKind.KEY_IGNORED, CauseKind.DEPRECATED_VALUE)

Hook = Callable[[NodeContext, Expectation, str], Sequence[Candidate]]


def expect(
    value: str | None,
    source: Origin | None,
    *,
    reasons: Sequence[Candidate] = (),
    conflicts: Sequence[Conflict] = (),
    condition: str | None = None,
    detail: str | None = None,
) -> Expectation:
    return Expectation(
        value=value,
        source=source,
        condition=condition,
        fallbacks=tuple(r.cause for r in reasons),
        detail=detail,
        conflicts=tuple(conflicts),
    )


def from_outcome(
    outcome: Outcome, *, conflicts: Sequence[Conflict] = (), detail: str | None = None
) -> Expectation:
    return expect(
        outcome.value,
        outcome.source,
        reasons=outcome.reasons,
        conflicts=conflicts,
        condition=outcome.condition,
        detail=detail,
    )


def standard(primary: str, hook: Hook | None = None) -> Explainer:
    """The explanation most facts give: their own hook's causes, then the shared ones.

    When the expectation already carries the agent's fallbacks and the node did not fall
    back, the running config (or kernel) is not the declared one: the setting that forces
    the fallback was not rolled out, or the node's kernel is newer than assumed.
    """

    def explain(ctx: NodeContext, expectation: Expectation, observed: str) -> Explanation:
        candidates: list[Candidate] = list(hook(ctx, expectation, observed)) if hook else []
        # A key of this fact that the chart ignores (misspelled, misplaced, removed) is the
        # user's own file saying why the running value is not the one they meant.
        for found in expectation.conflicts:
            ignored = [c for c in found.causes if c.kind in _IGNORED_KINDS]
            candidates.extend(Candidate(STRONG + 0.05, c, found.fix) for c in ignored[:1])
        declared = s.helm(ctx, primary)
        shared = not_applied(ctx, primary, declared)
        if expectation.fallbacks:
            kernel_based = any(c.kind is CauseKind.KERNEL_TOO_OLD for c in expectation.fallbacks)
            if kernel_based:
                candidates.append(
                    Candidate(
                        STRONG,
                        cause(
                            CauseKind.UNKNOWN,
                            "The node runs a newer kernel than the one assumed, so the agent did "
                            "not fall back; pass the node's real kernel with --kernel.",
                            kernel_evidence(ctx),
                        ),
                    )
                )
            shared = Candidate(STRONG - 0.01, shared.cause, shared.fix)
            # A fallback forced by a default (a key the user never set) that did not happen
            # means the running config sets that key: the given values miss it.
            for key in _defaulted_keys(ctx, expectation.fallbacks)[:1]:
                weighted = version_default(ctx, key, s.helm(ctx, key))
                candidates.append(Candidate(STRONG + 0.02, weighted.cause, weighted.fix))
        candidates.append(shared)
        if not s.is_set(ctx, primary):
            candidates.append(version_default(ctx, primary, declared))
        candidates.append(unknown())
        return explanation(candidates)

    return explain


def _defaulted_keys(ctx: NodeContext, fallbacks: Sequence[Cause]) -> list[str]:
    """Helm keys the fallbacks' evidence names that only a chart or agent default decides."""
    keys: list[str] = []
    for fallback in fallbacks:
        for evidence in fallback.evidence:
            origin = evidence.origin
            if origin is None or origin.layer not in (Layer.CHART_DEFAULT, Layer.AGENT_DEFAULT):
                continue
            label = evidence.text.split(" = ", 1)[0].strip()
            if " " in label or s.is_set(ctx, label) or label in keys:
                continue
            keys.append(label)
    return keys


def likely(kind: CauseKind, summary: str, *evidence: object) -> Candidate:
    items = tuple(e if isinstance(e, Evidence) else Evidence(str(e)) for e in evidence)
    return Candidate(LIKELY, cause(kind, summary, *items))


def possible(kind: CauseKind, summary: str, *evidence: object) -> Candidate:
    items = tuple(e if isinstance(e, Evidence) else Evidence(str(e)) for e in evidence)
    return Candidate(POSSIBLE, cause(kind, summary, *items))


__all__ = ["STRONG", "expect", "from_outcome", "likely", "possible", "standard"]
