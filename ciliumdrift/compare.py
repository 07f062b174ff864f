"""Compare: expected runtime (per node) against the observed status, as rows and findings.

One row per config-determined line per node; a finding for every mismatch (explained by
:mod:`ciliumdrift.agent.explain`), for every declared conflict that needs no status (the agent
would not start, Talos and the values disagree, the agent falls back), and for health that
no config decides: the health facts (:mod:`ciliumdrift.agent.facts.health`: failing
controllers, unreachable nodes, Cilium or Hubble not Ok), which add findings but no rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import fields, replace
from typing import Any

from ciliumdrift.agent import nodeconfig
from ciliumdrift.agent.devices import Device, node_devices
from ciliumdrift.agent.explain import explain_drift
from ciliumdrift.agent.fact import Conflict, Expectation, Fact, NodeContext, status_label
from ciliumdrift.agent.facts import FACTS, HEALTH, lb, maps
from ciliumdrift.agent.node import agent_log_findings, kernel_log_findings, node_candidates
from ciliumdrift.derive import derive_context, node_context, status_free_context
from ciliumdrift.derive.coherent import coherent, fix_settings, merge_nodes, merge_subjects
from ciliumdrift.load.model import Declared
from ciliumdrift.model import (
    Cause,
    CauseKind,
    Evidence,
    Finding,
    FindingKind,
    Fix,
    Layer,
    Located,
    NodeConfigOverride,
    NodeObservation,
    Origin,
    Row,
    Severity,
    Verdict,
)
from ciliumdrift.parse.model import Status
from ciliumdrift.records import record

# Lines only `cilium status --verbose` prints: absent from a brief status is not news.
_VERBOSE_ONLY = frozenset({"clock-source", *lb.VERBOSE_ONLY, *maps.VERBOSE_ONLY})


@record
class Comparison:
    rows: tuple[Row, ...]
    findings: tuple[Finding, ...]


@record
class _Line:
    fact: Fact
    ctx: NodeContext
    node: str | None
    expectation: Expectation
    observed: str | None
    verdict: Verdict


def _verdict(fact: Fact, expectation: Expectation, observed: str | None) -> Verdict:
    if observed is None:
        return Verdict.NOT_OBSERVED
    assert expectation.value is not None
    if fact.matches(expectation.value, observed):
        return Verdict.MATCH
    return Verdict.CONDITIONAL if expectation.condition else Verdict.MISMATCH


def _kernel_for(
    observation: NodeObservation, kernels: Mapping[str | None, str]
) -> Located[str] | str | None:
    if observation.name is not None and observation.name in kernels:
        return kernels[observation.name]
    if None in kernels:
        return kernels[None]
    kernel_log = observation.kernel_log
    if kernel_log is not None and kernel_log.kernel:
        return Located(
            kernel_log.kernel, Origin(Layer.KERNEL, detail=f"the kernel log {kernel_log.source}")
        )
    if observation.kernel:
        # The Node object's kernel: one origin for every node, so that a fleet shares its
        # derivation (the node is named by the finding itself).
        return Located(observation.kernel, _NODE_KERNEL)
    return None


_NODE_KERNEL = Origin(
    Layer.KERNEL, key="kernelVersion", detail="Node status.nodeInfo.kernelVersion"
)


def _context(
    declared: Declared,
    observation: NodeObservation,
    kernels: Mapping[str | None, str],
    node_configs: Sequence[NodeConfigOverride] = (),
    devices: dict[tuple[object, ...], tuple[Device, ...]] | None = None,
) -> NodeContext:
    node = observation.name or (observation.status.node if observation.status else None)
    ctx = node_context(
        declared,
        node=node,
        kernel=_kernel_for(observation, kernels),
        pod_cidrs=observation.pod_cidrs,
    )
    ctx = _node_facts(ctx, declared, observation, node, node_configs, devices)
    # The version is the run's (ciliumdrift.inputs), observed or not: never chosen here.
    return ctx


def _node_facts(
    ctx: NodeContext,
    declared: Declared,
    observation: NodeObservation,
    node: str | None,
    node_configs: Sequence[NodeConfigOverride],
    known_devices: dict[tuple[object, ...], tuple[Device, ...]] | None = None,
) -> NodeContext:
    """The node's own facts: its agent log, devices, labels and CiliumNodeConfig overrides.

    ``known_devices`` keeps the devices of every (status, flags, log) seen in one comparison:
    a fleet read from metrics shares one status object among thousands of nodes. The key
    holds object ids, valid while the caller keeps the observations.
    """
    labels = nodeconfig.labels_for(node, observation.labels)
    key = (id(observation.status), observation.devices, id(observation.agent_log))
    devices = known_devices.get(key) if known_devices is not None else None
    if devices is None:
        devices = node_devices(
            declared.values,
            declared.talos,
            observation.status,
            {None: observation.devices},
            log=observation.agent_log,
        )
        if known_devices is not None:
            known_devices[key] = devices
    ctx = replace(
        ctx,
        agent_log=observation.agent_log,
        kernel_log=observation.kernel_log,
        devices=devices,
        labels=labels,
    )
    overrides = nodeconfig.effective(node_configs, labels) if node_configs else {}
    if overrides:
        ctx = replace(ctx, values=nodeconfig.overlay(ctx.values, overrides), base_values=ctx.values)
    return ctx


def _observe(fact: Fact, status: Status) -> str | None:
    try:
        return fact.observe(status)
    except (AttributeError, TypeError, ValueError):
        # A parsed section the fact cannot read counts as not observed, never as a crash.
        return None


def compare(
    declared: Declared,
    observations: Sequence[NodeObservation],
    *,
    kernels: Mapping[str | None, str] | None = None,
    node_configs: Sequence[NodeConfigOverride] = (),
) -> Comparison:
    """Rows and findings for every node; with no observations, only the cross-checks.

    ``node_configs`` are CiliumNodeConfig overrides: a node they select is expected to
    run their values.
    """
    kernel_map = dict(kernels or {})
    derived = _Deriver()
    devices: dict[tuple[object, ...], tuple[Device, ...]] = {}
    verdicts: dict[tuple[object, ...], Verdict] = {}
    # Sources that read a fleet hand identical statuses as one object (metrics): observe once.
    # The observations keep every status alive for the whole call, so ids are not reused.
    observed_of: dict[tuple[str, int], str | None] = {}
    lines: list[_Line] = []
    conflicts: dict[tuple[str, str], tuple[Fact, Conflict, Expectation, list[str | None], str]] = {}
    findings: list[Finding] = []
    contexts: list[NodeContext] = []
    log_only: list[tuple[NodeContext, str | None, Mapping[str, Expectation]]] = []
    if not observations:
        ctx = status_free_context(declared, kernel=kernel_map.get(None))
        contexts.append(ctx)
        _collect_conflicts(ctx, derive_context(ctx, FACTS), None, conflicts)
    for observation in observations:
        node = observation.name or (observation.status.node if observation.status else None)
        if observation.error is not None or observation.status is None:
            # only the node itself is reported: what status there is was not read
            findings.extend(_health(replace(observation, status=None), node, {}))
            if observation.agent_log is not None or observation.kernel_log is not None:
                # No status, but a log: the node's status-free conflicts still stand.
                ctx = _context(declared, observation, kernel_map, node_configs)
                contexts.append(ctx)
                expectations = derive_context(ctx, FACTS)
                _collect_conflicts(ctx, expectations, node, conflicts)
                log_only.append((ctx, node, expectations))
            continue
        ctx = _context(declared, observation, kernel_map, node_configs, devices)
        contexts.append(ctx)
        expectations = derived(ctx)
        _collect_conflicts(ctx, expectations, node, conflicts)
        for fact in FACTS:
            expectation = expectations.get(fact.id)
            if expectation is None or expectation.value is None:
                continue
            observed_key = (fact.id, id(observation.status))
            if observed_key in observed_of:
                observed = observed_of[observed_key]
            else:
                observed = observed_of[observed_key] = _observe(fact, observation.status)
            if (
                observed is None
                and fact.id in _VERBOSE_ONLY
                and observation.status.format != "text-verbose"
            ):
                continue
            verdict_key = (fact.id, expectation.value, bool(expectation.condition), observed)
            verdict = verdicts.get(verdict_key)
            if verdict is None:
                verdict = verdicts[verdict_key] = _verdict(fact, expectation, observed)
            lines.append(_Line(fact, ctx, node, expectation, observed, verdict))
        findings.extend(_health(observation, node, expectations))
        if observation.agent_log is not None or observation.kernel_log is not None:
            log_only.append((ctx, node, expectations))
    labels: dict[tuple[str, str], str] = {}
    for line in lines:
        label_key = (line.fact.id, line.ctx.cilium_version)
        if label_key not in labels:
            labels[label_key] = status_label(line.fact, line.ctx.cilium_version)
    rows = tuple(
        Row(
            fact=line.fact.id,
            status_line=labels[line.fact.id, line.ctx.cilium_version],
            node=line.node,
            expected=line.expectation.value,
            observed=line.observed,
            verdict=line.verdict,
            source=line.expectation.source,
            condition=line.expectation.condition,
        )
        for line in lines
    )
    differing = [line for line in lines if line.verdict in (Verdict.MISMATCH, Verdict.CONDITIONAL)]
    # The peers index walks every line: only a fleet with drift needs it.
    peers = _Peers(lines if differing else ())
    drift = [_drift(line, peers) for line in differing]
    nodes_seen = len(contexts)
    running = {
        observation.name or (observation.status.node if observation.status else None)
        for observation in observations
        if observation.status is not None
        and observation.status.cilium is not None
        and observation.status.cilium.state == "Ok"
    }
    shown = (
        {
            (line.fact.id, line.node): line.observed
            for line in lines
            if line.verdict is Verdict.MATCH and line.observed is not None
        }
        if conflicts
        else {}
    )
    cross = [
        _settled(_cross_check(*entry, nodes_seen, running), entry, shown, bool(observations))
        for entry in conflicts.values()
    ]
    logged = [
        finding
        for ctx, node, expectations in log_only
        for finding in agent_log_findings(
            ctx,
            node,
            expectations,
            drift,
            frozenset(
                line.fact.id
                for line in lines
                if line.node == node and line.verdict is Verdict.MATCH
            ),
        )
    ]
    logged.extend(
        finding
        for ctx, node, expectations in log_only
        for finding in kernel_log_findings(ctx, node, expectations, drift)
    )
    ordered = [f for group in (drift, _flatten(cross), logged, findings) for f in group]
    return Comparison(rows=rows, findings=tuple(merge_subjects(ordered)))


class _Deriver:
    """``derive_context`` with what does not depend on the node computed once per kind of node.

    Nodes of one kind share their version, kernel, values (after CiliumNodeConfig overlays),
    Talos facts, devices and agent log. Of their expectations, only those of facts that read
    a node's own attributes (:data:`NODE_ATTRIBUTES`: its name, labels and pod CIDRs) are
    derived per node. Which facts those are is observed, not declared: the first node of each
    kind is derived on a context that notes which attributes a fact reads. A fact that read
    none took a path that depends on none of them, so its expectation stands for every node
    of that kind.
    """

    def __init__(self) -> None:
        self._shared: dict[tuple[object, ...], dict[str, Expectation]] = {}
        self._readers: dict[tuple[object, ...], tuple[Fact, ...]] = {}

    def __call__(self, ctx: NodeContext) -> dict[str, Expectation]:
        key = _kind(ctx)
        shared = self._shared.get(key)
        if shared is None:
            shared = self._shared[key] = derive_context(ctx, FACTS)
            self._readers[key] = tuple(f for f in FACTS if _reads_node(f, ctx))
            return shared
        readers = self._readers[key]
        if not readers:
            return shared
        own = derive_context(ctx, readers)
        ids = {f.id for f in readers}
        return {
            fact.id: expectation
            for fact in FACTS
            if (expectation := (own if fact.id in ids else shared).get(fact.id)) is not None
        }


#: What makes one node's context differ from another's of the same kind.
NODE_ATTRIBUTES = frozenset({"node", "labels", "pod_cidrs"})


def _kind(ctx: NodeContext) -> tuple[object, ...]:
    devices: object = ctx.devices
    try:
        hash(devices)
    except TypeError:
        devices = id(devices)
    return (
        ctx.cilium_version,
        ctx.kernel,
        ctx.version_origin,
        id(ctx.values),
        id(ctx.talos),
        devices,
        id(ctx.agent_log) if ctx.agent_log is not None else None,
        id(ctx.kernel_log) if ctx.kernel_log is not None else None,
        id(ctx.base_values) if ctx.base_values is not None else None,
        ctx.node is None,
    )


class _Watched(NodeContext):
    """A NodeContext that notes which of the node's own attributes a fact reads."""

    def __getattribute__(self, name: str) -> Any:
        if name in NODE_ATTRIBUTES:
            object.__getattribute__(self, "__dict__").setdefault("_read", set()).add(name)
        return super().__getattribute__(name)


def _reads_node(fact: Fact, ctx: NodeContext) -> bool:
    watched = _Watched(**{f.name: getattr(ctx, f.name) for f in fields(NodeContext)})
    try:
        fact.derive(watched)
    except Exception:  # a fact that fails here fails in derive_context too: derive per node
        return True
    return bool(watched.__dict__.get("_read"))


def _flatten(groups: list[list[Finding]]) -> list[Finding]:
    return [finding for group in groups for finding in group]


def _collect_conflicts(
    ctx: NodeContext,
    expectations: Mapping[str, Expectation],
    node: str | None,
    into: dict[tuple[str, str], tuple[Fact, Conflict, Expectation, list[str | None], str]],
) -> None:
    by_id = {fact.id: fact for fact in FACTS}
    for fact_id, expectation in expectations.items():
        for found in expectation.conflicts:
            key = (fact_id, found.message)
            if key in into:
                into[key][3].append(node)
            else:
                fact = by_id[fact_id]
                into[key] = (
                    fact,
                    found,
                    expectation,
                    [node],
                    status_label(fact, ctx.cilium_version),
                )


def _cross_check(
    fact: Fact,
    found: Conflict,
    expectation: Expectation,
    nodes: list[str | None],
    label: str,
    seen: int,
    running: set[str | None] | None = None,
) -> list[Finding]:
    targets: list[str | None] = [None] if len(nodes) >= seen else nodes
    causes = found.causes
    if found.fatal and running and any(node in running for node in nodes):
        # The agent would not start with this config, yet it runs: what runs is another config.
        ran = [node for node in nodes if node in running]
        causes = (*causes[:1], _running_anyway(ran), *causes[1:])
    return [
        Finding(
            fact=fact.id,
            status_line=label,
            node=node,
            kind=FindingKind.CROSS_CHECK,
            expected=expectation.value,
            observed=None,
            source=found.source or expectation.source,
            message=found.message,
            causes=causes,
            fix=found.fix,
            severity=found.severity,
        )
        for node in targets
    ]


def _running_anyway(nodes: list[str | None]) -> Cause:
    named = sorted(str(n) for n in nodes if n is not None)
    shown = (
        f"the status shows Cilium: Ok on {', '.join(named)}"
        if named
        else ("the status shows Cilium: Ok")
    )
    return Cause(
        CauseKind.NOT_APPLIED,
        "The agents run although this config would stop them at start: they run another config "
        "(these values are not deployed yet, and the agents will fail when they are), or the "
        "deployed values set keys these files do not.",
        (Evidence(shown),),
    )


class _Peers:
    """Per fact, the nodes that match and those that differ (one pass over every line)."""

    def __init__(self, lines: Sequence[_Line]) -> None:
        self.matching: dict[tuple[str, str | None], list[tuple[int, str | None]]] = {}
        self.differing: dict[tuple[str, str | None], list[tuple[int, str | None]]] = {}
        for index, line in enumerate(lines):
            key = (line.fact.id, line.expectation.value)
            if line.verdict is Verdict.MATCH:
                self.matching.setdefault(key, []).append((index, line.node))
            elif line.verdict in (Verdict.MISMATCH, Verdict.CONDITIONAL):
                self.differing.setdefault(key, []).append((index, line.node))
        self._index = {id(line): index for index, line in enumerate(lines)}

    def of(self, line: _Line) -> tuple[list[str | None], list[str | None]]:
        """(matching, differing) peers of ``line``, itself excluded, in line order.

        At most :data:`PEERS_NAMED` of each: the explanation names five, and a fleet of
        thousands of drifting nodes must not cost a scan of all the others per node.
        """
        me = self._index[id(line)]
        key = (line.fact.id, line.expectation.value)
        # Every matching peer (explain_drift counts them); differing ones only as named.
        matching = [n for i, n in self.matching.get(key, ()) if i != me]
        return matching, _first(self.differing.get(key, ()), me)


PEERS_NAMED = 5


def _first(peers: Sequence[tuple[int, str | None]], me: int) -> list[str | None]:
    out: list[str | None] = []
    for index, node in peers:
        if index != me:
            out.append(node)
            if len(out) == PEERS_NAMED:
                break
    return out


def _drift(line: _Line, peers: _Peers) -> Finding:
    assert line.observed is not None and line.expectation.value is not None
    # Only nodes expected to show the same value say anything about this node: a node that
    # shows what it is expected to show, when that is what this node should show too, points
    # at a per-node override; one whose expectation differs (another kernel) does not.
    matching, differing = peers.of(line)
    explained = explain_drift(
        line.fact,
        line.ctx,
        line.expectation,
        line.observed,
        peers_matching=matching,
        peers_differing=differing,
        extra=node_candidates(line.fact, line.ctx, line.expectation, line.observed),
    )
    label = status_label(line.fact, line.ctx.cilium_version)
    source = line.expectation.source
    where = source.describe() if source is not None else "no declared value"
    conditional = line.verdict is Verdict.CONDITIONAL
    message = (
        f"{label}: expected {line.expectation.value!r} ({where}), observed {line.observed!r}"
        + (f"; condition: {line.expectation.condition}" if conditional else "")
    )
    return Finding(
        fact=line.fact.id,
        status_line=label,
        node=line.node,
        kind=FindingKind.DRIFT,
        expected=line.expectation.value,
        observed=line.observed,
        source=source,
        message=message,
        causes=explained.causes,
        fix=explained.fix,
        severity=Severity.NOTE if conditional else Severity.ERROR,
    )


def _health(
    observation: NodeObservation, node: str | None, expectations: Mapping[str, Expectation]
) -> list[Finding]:
    """The health facts' findings for one node (agent/facts/health.py): never rows."""
    out: list[Finding] = []
    for unit in HEALTH:
        found = unit.check(observation, expectations)
        if found is None:
            continue
        causes = found.causes or (
            Cause(
                CauseKind.UNKNOWN,
                "Runtime health, not decided by the config.",
                (Evidence(found.observed or ""),),
            ),
        )
        out.append(
            Finding(
                fact=unit.id,
                status_line=unit.status_line,
                node=node,
                kind=FindingKind.HEALTH,
                expected=unit.expected,
                observed=found.observed,
                source=None,
                message=found.message,
                causes=causes,
                # the agent's log is where runtime health is explained; a known cause has its own
                fix=None if found.causes else _AGENT_LOGS,
                severity=Severity.WARNING,
            )
        )
    return out


_AGENT_LOGS = Fix(summary="kubectl -n kube-system logs ds/cilium -c cilium-agent")


# -- settled by the status -------------------------------------------------------------------


def _settled(
    found: list[Finding],
    entry: tuple[Fact, Conflict, Expectation, list[str | None], str],
    shown: Mapping[tuple[str, str | None], str],
    observed: bool,
) -> list[Finding]:
    """A conflict the status settles becomes a note, with the status line as evidence.

    Only a conflict that says its own status line shows whether it matters
    (``Conflict.settled_by_status``) and is not fatal; only when that line was observed and
    matched on every node the conflict applies to.
    """
    fact, conflict, _expectation, nodes, label = entry
    if not observed or conflict.fatal or not conflict.settled_by_status:
        return found
    seen = [shown.get((fact.id, node)) for node in nodes]
    if not seen or any(value is None for value in seen):
        return found
    named = [str(node) for node in nodes if node is not None]
    where = f" on {', '.join(named[:5])}{' …' if len(named) > 5 else ''}" if named else ""
    evidence = Evidence(
        f"the status shows {label}: {seen[0]}{where}, as this config derives: the running "
        "agents are not affected"
    )
    out = []
    for finding in found:
        causes = finding.causes
        if causes:
            first = causes[0]
            causes = (replace(first, evidence=(*first.evidence, evidence)), *causes[1:])
        out.append(replace(finding, severity=Severity.NOTE, causes=causes))
    return out


__all__ = ["Comparison", "coherent", "compare", "fix_settings", "merge_nodes"]
