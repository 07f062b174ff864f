"""Why an observed line differs from the expected one: ranked causes and a concrete fix.

Facts propose candidate causes with a weight (how likely, given the evidence at hand);
this module adds the causes every mismatch shares (a config that was never rolled out, a
per-node override, a default of another version), ranks them and builds the fix in the
forms a user applies: a values snippet, a ``--set`` flag, or a Talos machine-config patch.

Weights, in short: a cause backed by evidence in the user's own files (a conflicting
setting at a known position, a known kernel below the threshold) ranks above one that is
merely possible (a config not rolled out), which ranks above a guess.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ciliumdrift.agent.fact import Explanation
from ciliumdrift.agent.tables import default_varies
from ciliumdrift.load.model import split_key
from ciliumdrift.model import Cause, CauseKind, Evidence, Fix, Layer, Located, Origin
from ciliumdrift.records import record

if TYPE_CHECKING:
    from ciliumdrift.agent.fact import Expectation, Explanation, Fact, NodeContext

# How much a kind of evidence weighs; the facts pick from these so rankings stay comparable.
CERTAIN = 0.95  # the evidence decides it (another node matches, a version mismatch)
STRONG = 0.85  # a setting or kernel in the user's own inputs explains the observation
LIKELY = 0.65  # the usual reason for this kind of drift
POSSIBLE = 0.45  # plausible, nothing in the inputs points at it
WEAK = 0.2
LAST = 0.05

RESTART = "kubectl -n kube-system rollout restart daemonset/cilium"


@record
class Candidate:
    """A cause with the weight a fact gives it before ranking."""

    weight: float
    cause: Cause
    fix: Fix | None = None


def yaml_scalar(value: Any) -> str:
    """A value as a YAML scalar a user can paste (quoted when YAML would misread it)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(yaml_scalar(v) for v in value) + "]"
    text = str(value)
    plain = text and text[0] not in "!&*-?{[|>'\"%@`#,: " and ": " not in text and "#" not in text
    if plain and text.lower() not in ("true", "false", "yes", "no", "null", "on", "off", "~"):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def nested_yaml(key: str, value: Any) -> str:
    """``bpf.masquerade``, True -> ``bpf:\\n  masquerade: true``."""
    parts = split_key(key)
    lines = [f"{'  ' * depth}{part}:" for depth, part in enumerate(parts[:-1])]
    lines.append(f"{'  ' * (len(parts) - 1)}{parts[-1]}: {yaml_scalar(value)}")
    return "\n".join(lines)


def set_flag(key: str, value: Any) -> str:
    if isinstance(value, (list, tuple)):
        body = "{" + ",".join(str(v) for v in value) + "}"
    elif isinstance(value, bool):
        body = "true" if value else "false"
    else:
        body = str(value).replace(",", "\\,")
    return f"--set {key}={body}"


def values_fix(summary: str, settings: Sequence[tuple[str, Any]]) -> Fix:
    """A fix that changes Helm values: one snippet and one ``--set`` flag per key."""
    return Fix(
        summary=summary,
        values_snippet="\n".join(nested_yaml(key, value) for key, value in settings),
        set_flag=" ".join(set_flag(key, value) for key, value in settings),
    )


def talos_fix(summary: str, path: str, value: Any) -> Fix:
    """A fix that patches the Talos machine config (a strategic-merge patch)."""
    return Fix(summary=summary, talos_patch=nested_yaml(path, value))


def restart_fix(key: str | None = None, value: Any = None) -> Fix:
    settings = [(key, value)] if key is not None else []
    summary = f"Roll the agents out so they start with the declared config: {RESTART}"
    fix = values_fix(summary, settings) if settings else Fix(summary=summary)
    return fix


def where(origin: Origin | None) -> str:
    return origin.describe() if origin is not None else "unknown origin"


def said(label: str, located: Located[Any] | None) -> Evidence:
    """Evidence that a declared value is what it is, at the place that declares it."""
    if located is None:
        return Evidence(f"{label} is not set")
    return Evidence(
        f"{label} = {yaml_scalar(located.value)} ({where(located.origin)})", located.origin
    )


def kernel_evidence(ctx: NodeContext) -> Evidence:
    if ctx.kernel is None:
        return Evidence(
            "the node's kernel is unknown (pass --kernel NODE=VERSION or a Talos config)"
        )
    return Evidence(f"kernel {ctx.kernel.value} ({where(ctx.kernel.origin)})", ctx.kernel.origin)


def rule_evidence(text: str, version: str) -> Evidence:
    return Evidence(text, Origin(Layer.AGENT_DEFAULT, version=version, detail=text))


def cause(kind: CauseKind, summary: str, *evidence: Evidence) -> Cause:
    return Cause(kind=kind, summary=summary, evidence=tuple(evidence))


def not_applied(ctx: NodeContext, key: str | None, declared: Located[Any] | None) -> Candidate:
    """The agents run an older config: cilium-config is read only when an agent starts."""
    evidence = [said(key, declared)] if key is not None else []
    evidence.append(
        Evidence(
            "the agent reads cilium-config once, at pod start "
            "(https://docs.cilium.io/en/stable/configuration/per-node-config/)"
        )
    )
    value = declared.value if declared is not None else None
    return Candidate(
        LIKELY,
        cause(
            CauseKind.NOT_APPLIED,
            "The running agents were started with an older config: the values change was not "
            "deployed, or the agents were not restarted after it.",
            *evidence,
        ),
        restart_fix(key, value) if key is not None else restart_fix(),
    )


def per_node_override(ctx: NodeContext, weight: float, peers: str) -> Candidate:
    return Candidate(
        weight,
        cause(
            CauseKind.PER_NODE_OVERRIDE,
            "This node runs with a per-node override (a CiliumNodeConfig matching its labels, "
            "or config.cilium.io node annotations) that changes this setting.",
            Evidence(peers),
            Evidence(
                "per-node sources are merged over cilium-config "
                "(https://docs.cilium.io/en/stable/configuration/per-node-config/)"
            ),
        ),
        Fix(
            summary="Find the override: kubectl get ciliumnodeconfigs -A -o yaml, and compare "
            "its spec.defaults and nodeSelector with this node's labels.",
        ),
    )


def version_default(ctx: NodeContext, key: str, declared: Located[Any] | None) -> Candidate:
    """The key is unset: a default decides here, and the running config may differ.

    Weighed by evidence: when the chart defaults of the collected versions differ (or
    upgradeCompatibility picks the template default), another version's default is a
    likely cause; otherwise the usual reason is a values layer not given to ciliumdrift
    (another -f file, --set, valuesFrom, ``cilium config set``), just below a config that
    was not rolled out.
    """

    varies = default_varies(key) or key == "kubeProxyReplacement"
    weight = LIKELY + 0.01 if varies else LIKELY - 0.01
    summary = (
        f"{key} is not set in the given values, so a default decides; the running config was "
        "rendered with another chart version (or upgradeCompatibility) whose default differs, "
        "or sets the key in a layer not given here (another values file, --set, valuesFrom, "
        "cilium config set)."
        if varies
        else f"{key} is not set in the given values, so the default decides; the running config "
        "sets it in a layer not given here (another values file, --set, valuesFrom, extraConfig, "
        "cilium config set)."
    )
    evidence = [said(key, declared)]
    if varies:
        evidence.append(Evidence(f"the default of {key} differs between chart versions"))
    return Candidate(
        weight,
        cause(CauseKind.VERSION_DEFAULT, summary, *evidence),
        values_fix(f"Set {key} explicitly so no version default decides", [(key, declared.value)])
        if declared is not None and declared.value is not None
        else None,
    )


def unknown() -> Candidate:
    return Candidate(
        LAST,
        cause(
            CauseKind.UNKNOWN, "No declared setting explains this; check the agent log at start-up."
        ),
        Fix(
            summary="kubectl -n kube-system logs ds/cilium -c cilium-agent "
            "| grep -iE 'fall|disabl|requir'"
        ),
    )


def rank(candidates: Iterable[Candidate]) -> tuple[tuple[Cause, ...], Fix | None]:
    """Causes by weight (stable for ties), duplicates dropped; the fix of the best one.

    The generic :func:`unknown` says that nothing else explains the observation, so it is
    kept only when no other cause is ranked.
    """
    given = list(candidates)
    generic = unknown().cause
    if any(c.cause != generic for c in given):
        given = [c for c in given if c.cause != generic]
    ordered = sorted(enumerate(given), key=lambda item: (-item[1].weight, item[0]))
    seen: set[tuple[str, str]] = set()
    causes: list[Cause] = []
    fix: Fix | None = None
    for _, candidate in ordered:
        mark = (candidate.cause.kind.value, candidate.cause.summary)
        if mark in seen:
            continue
        seen.add(mark)
        causes.append(candidate.cause)
        if fix is None and candidate.fix is not None:
            fix = candidate.fix
    return tuple(causes), fix


def explanation(candidates: Iterable[Candidate]) -> Explanation:
    causes, fix = rank(candidates)
    return Explanation(causes=causes, fix=fix)


def explain_drift(
    fact: Fact,
    ctx: NodeContext,
    expectation: Expectation,
    observed: str,
    *,
    peers_matching: Sequence[str | None] = (),
    peers_differing: Sequence[str | None] = (),
    extra: Sequence[Candidate] = (),
) -> Explanation:
    """The fact's own causes plus what the fleet says: other nodes that do match point at
    a per-node override; a fleet that differs everywhere points at the cluster-wide config.

    ``extra`` are the node's own candidates (known behaviours, the agent log, per-node
    overrides: :mod:`ciliumdrift.agent.node`), ranked with the rest; the best of them
    that has a fix gives the fix when it outranks the fact's own first cause.
    """

    own = fact.explain(ctx, expectation, observed)
    weight = LIKELY
    candidates = [
        # The evidence-free "check the agent log" guess stays last, below any node fact.
        Candidate(LAST if c.kind is CauseKind.UNKNOWN and not c.evidence else weight - i * 0.01, c)
        for i, c in enumerate(own.causes)
    ]
    if own.causes and extra:
        # The fact's first cause keeps the weight its own explainer gave it when that was
        # evidence-backed, so that a node fact only outranks it on stronger evidence.
        candidates[0] = Candidate(max(weight, _own_weight(own.causes[0])), own.causes[0])
    candidates.extend(extra)
    if not own.causes:
        candidates.append(unknown())
    if peers_matching:
        named = [str(n) for n in peers_matching if n is not None]
        more = f" and {len(named) - 5} more" if len(named) > 5 else ""
        names = f"other nodes ({', '.join(named[:5])}{more})" if named else "other statuses"
        override = per_node_override(
            ctx,
            CERTAIN,
            f"{names} are expected to show {expectation.value!r} as well, and show it",
        )
        causes, fix = rank([override, *candidates])
        return Explanation(causes=causes, fix=fix if fix else own.fix)
    causes, _ = rank(candidates)
    best = max(extra, key=lambda c: c.weight, default=None)
    if best is not None and causes and causes[0] == best.cause and best.fix is not None:
        return Explanation(causes=causes, fix=best.fix)
    return Explanation(causes=causes, fix=own.fix)


def _own_weight(first: Cause) -> float:
    """The weight a fact's first cause stands for: strong when the user's inputs back it."""
    backed = any(e.origin is not None for e in first.evidence)
    strong_kinds = (
        CauseKind.KERNEL_TOO_OLD,
        CauseKind.CONFLICTING_SETTING,
        CauseKind.KEY_IGNORED,
        CauseKind.DEPRECATED_VALUE,
        CauseKind.TALOS_CONFLICT,
        CauseKind.REQUIREMENT_MISSING,
    )
    return STRONG if backed and first.kind in strong_kinds else LIKELY
