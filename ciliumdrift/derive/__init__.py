"""Derive: the runtime state a declared config implies, node by node.

``derive(declared, node=..., kernel=...)`` runs every fact of :data:`facts.FACTS` for one
node and returns its expectations keyed by fact ID. The kernel is the explicit one, else
the Talos release's kernel, else unknown (kernel-dependent expectations become conditional).
"""

from __future__ import annotations

from dataclasses import replace

from ciliumdrift.agent import known
from ciliumdrift.agent.devices import node_devices
from ciliumdrift.agent.explain import cause, said, values_fix
from ciliumdrift.agent.fact import Conflict, Expectation, Fact, NodeContext
from ciliumdrift.agent.facts import FACTS
from ciliumdrift.agent.keys import ignored_keys
from ciliumdrift.load.chart import available_versions
from ciliumdrift.load.model import Declared
from ciliumdrift.model import CauseKind, Layer, Located, Origin, Severity


def node_context(
    declared: Declared,
    *,
    node: str | None = None,
    kernel: Located[str] | str | None = None,
    pod_cidrs: tuple[str, ...] = (),
) -> NodeContext:
    """The inputs of every fact for one node (version, kernel, Talos facts).

    The Cilium version is the one resolved for the run (``declared.cilium_version``, see
    :mod:`ciliumdrift.inputs`); when none is known the chart the values were merged over
    (the newest bundled one) stands in and the context says the version is unknown.
    """
    version_known = declared.cilium_version is not None
    if declared.cilium_version is not None:
        version = declared.cilium_version.value
        version_origin: Origin | None = declared.cilium_version.origin
    else:
        version = declared.values.chart_version or available_versions()[-1]
        version_origin = Origin(
            Layer.AGENT_DEFAULT,
            key="cilium-version",
            version=version,
            detail=f"no Cilium version known; the chart of {version} stands in",
        )
    located: Located[str] | None
    if isinstance(kernel, Located):
        located = kernel
    elif isinstance(kernel, str) and kernel.strip():
        where = f"--kernel {node}={kernel}" if node else f"--kernel {kernel}"
        located = Located(kernel.strip(), Origin(Layer.KERNEL, detail=where))
    elif declared.talos is not None and declared.talos.kernel is not None:
        located = declared.talos.kernel
    else:
        located = None
    return NodeContext(
        values=declared.values,
        cilium_version=version.lstrip("v"),
        node=node,
        kernel=located,
        talos=declared.talos,
        pod_cidrs=tuple(pod_cidrs),
        version_origin=version_origin,
        version_known=version_known,
    )


def status_free_context(
    declared: Declared, *, kernel: Located[str] | str | None = None
) -> NodeContext:
    """The context of a run that has no status (check without one, and lint): the node
    facts are what the files declare, the devices too (Talos KubeSpan, links, ``devices``)."""
    ctx = node_context(declared, kernel=kernel)
    return replace(ctx, devices=node_devices(declared.values, declared.talos))


# The last values' ignored-key conflicts: they depend on the values alone, and a fleet
# derives thousands of nodes from one set of values (the object is kept, so its id is unique).
_IGNORED_MEMO: list[tuple[object, dict[str, list[Conflict]]]] = []


def _ignored_key_conflicts(ctx: NodeContext) -> dict[str, list[Conflict]]:
    if _IGNORED_MEMO and _IGNORED_MEMO[0][0] is ctx.values:
        return _IGNORED_MEMO[0][1]
    out = _ignored_key_conflicts_uncached(ctx)
    _IGNORED_MEMO[:] = [(ctx.values, out)]
    return out


def _ignored_key_conflicts_uncached(ctx: NodeContext) -> dict[str, list[Conflict]]:
    reads = {key for f in FACTS for key in f.reads}
    out: dict[str, list[Conflict]] = {}
    for ignored in ignored_keys(ctx.values, reads):
        if ignored.removed:
            message = (
                f"{ignored.key} was removed from the chart (use {ignored.meant}): Helm ignores "
                "it silently."
            )
        else:
            message = (
                f"{ignored.key} is not a key the chart reads (did you mean {ignored.meant}?): "
                f"Helm ignores it silently."
            )
        made = Conflict(
            message=message,
            causes=(
                cause(
                    CauseKind.DEPRECATED_VALUE if ignored.removed else CauseKind.KEY_IGNORED,
                    f"{ignored.key} is ignored; {ignored.meant} keeps its default.",
                    said(ignored.key, ignored.value),
                    said(ignored.meant, ctx.values.get(ignored.meant)),
                ),
            ),
            source=ignored.value.origin,
            fix=values_fix(
                f"Write the key the chart reads ({ignored.meant})",
                [(ignored.meant, ignored.meant_value)],
            ),
            # Which keys a chart reads depends on its version: a note when none is known.
            severity=Severity.WARNING if ctx.version_known else Severity.NOTE,
            name="removed-key"
            if ignored.removed
            else "misplaced-key"
            if ignored.misplaced
            else "unknown-key",
        )
        owner = next((f for f in FACTS if f.reads[:1] == (ignored.meant,)), None) or next(
            (f for f in FACTS if ignored.meant in f.reads), None
        )
        if owner is not None:
            out.setdefault(owner.id, []).append(made)
    return out


def derive(
    declared: Declared,
    *,
    node: str | None = None,
    kernel: Located[str] | str | None = None,
    pod_cidrs: tuple[str, ...] = (),
) -> dict[str, Expectation]:
    """Every fact's expectation for one node, keyed by fact ID (status-line order)."""

    ctx = node_context(declared, node=node, kernel=kernel, pod_cidrs=pod_cidrs)
    return derive_context(ctx, FACTS)


def derive_context(ctx: NodeContext, facts: tuple[Fact, ...]) -> dict[str, Expectation]:
    """Run ``facts`` on a prepared context, adding the ignored-key cross-checks."""
    ignored = _ignored_key_conflicts(ctx)
    out: dict[str, Expectation] = {}
    for fact in facts:
        expectation = fact.derive(ctx)
        extra = ignored.get(fact.id, [])
        if expectation is None:
            if not extra:
                continue
            expectation = Expectation(value=None, source=None)
        if extra:
            expectation = replace(expectation, conflicts=(*expectation.conflicts, *extra))
        out[fact.id] = expectation
    # Known behaviours that certainly hold here and need no status (data/known_behaviours.yaml).
    wanted = {f.id for f in facts}
    for fact_id, found in known.conflicts(ctx, out, wanted).items():
        current = out.get(fact_id) or Expectation(value=None, source=None)
        out[fact_id] = replace(current, conflicts=_merge_known(current.conflicts, found))
    return out


def _merge_known(own: tuple[Conflict, ...], found: list[Conflict]) -> tuple[Conflict, ...]:
    """Add known-behaviour conflicts; one about the very key a fact's conflict names is the
    same failure told twice, so its cause leads that conflict instead of a second finding."""
    merged = list(own)
    for conflict in found:
        same = next(
            (
                i
                for i, c in enumerate(merged)
                if conflict.source is not None and c.source == conflict.source
            ),
            None,
        )
        if same is None:
            merged.append(conflict)
            continue
        first = merged[same]
        merged[same] = replace(first, causes=(*conflict.causes, *first.causes))
    return tuple(merged)


__all__ = ["derive", "derive_context", "node_context", "status_free_context"]
