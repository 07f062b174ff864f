"""Kubernetes objects read into the live model, alike for the API's JSON and a sysdump's YAML
(a CiliumNodeConfig as the files' are: :func:`ciliumdrift.agent.nodeconfig.node_config`).

Nothing here talks to a cluster, so ``check --sysdump`` reads an archive without the
collection's transport (asyncio, ssl, the kubernetes client); see :mod:`ciliumdrift.live.collect`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from ciliumdrift.live.model import AgentPod, AgentResult, NodeFacts
from ciliumdrift.model import NodeObservation
from ciliumdrift.parse import parse_status
from ciliumdrift.parse.agentlog import parse_agent_log

AGENT_CONTAINER = "cilium-agent"

Parser = Callable[[str, str], Any]


def agent_pod(item: Mapping[str, Any], container: str = AGENT_CONTAINER) -> AgentPod:
    """An AgentPod from a Pod object (API JSON or a sysdump's YAML)."""
    metadata = item.get("metadata") or {}
    spec = item.get("spec") or {}
    status = item.get("status") or {}
    statuses = status.get("containerStatuses") or []
    agent = next(
        (c for c in statuses if c.get("name") == container), statuses[0] if statuses else {}
    )
    state = agent.get("state") or {}
    running_state = state.get("running")
    conditions = {c.get("type"): c for c in status.get("conditions") or ()}
    ready_condition = conditions.get("Ready") or {}
    ready = str(ready_condition.get("status")) == "True"
    running = status.get("phase") == "Running" and running_state is not None
    reason = None
    if not running:
        waiting = state.get("waiting") or state.get("terminated") or {}
        reason = ": ".join(
            str(p)
            for p in (
                waiting.get("reason") or status.get("phase") or "not running",
                waiting.get("message"),
            )
            if p
        )
    elif not ready:
        reason = ready_condition.get("message") or ready_condition.get("reason") or "Ready is False"
    return AgentPod(
        name=str(metadata.get("name") or "?"),
        namespace=str(metadata.get("namespace") or ""),
        node=spec.get("nodeName"),
        running=running,
        ready=ready,
        reason=reason,
        started_at=timestamp((running_state or {}).get("startedAt") or status.get("startTime")),
        image=agent.get("image"),
        terminating=metadata.get("deletionTimestamp") is not None,
        ip=status.get("podIP") or None,
    )


def node_facts(item: Mapping[str, Any]) -> NodeFacts:
    """NodeFacts from a Node object (API JSON or a sysdump's YAML)."""
    metadata = item.get("metadata") or {}
    spec = item.get("spec") or {}
    info = (item.get("status") or {}).get("nodeInfo") or {}
    cidrs = tuple(spec.get("podCIDRs") or ((spec["podCIDR"],) if spec.get("podCIDR") else ()))
    return NodeFacts(
        name=str(metadata.get("name") or "?"),
        kernel=info.get("kernelVersion") or None,
        os_image=info.get("osImage") or None,
        pod_cidrs=tuple(str(c) for c in cidrs),
        labels={str(k): str(v) for k, v in (metadata.get("labels") or {}).items()},
        addresses=tuple(
            str(a.get("address"))
            for a in (item.get("status") or {}).get("addresses") or ()
            if isinstance(a, dict) and a.get("address")
        ),
    )


def configmap_changed_at(body: Mapping[str, Any]) -> datetime | None:
    """When the ConfigMap's data last changed: the newest managedFields entry.

    ConfigMaps carry no modification time; the field managers' timestamps are the API
    server's record of the last write (creation time when there are none).
    """
    metadata = body.get("metadata") or {}
    times = [timestamp(entry.get("time")) for entry in metadata.get("managedFields") or ()]
    known = [t for t in times if t is not None]
    if known:
        return max(known)
    return timestamp(metadata.get("creationTimestamp"))


def observation(agent: AgentResult, nodes: Mapping[str, NodeFacts]) -> NodeObservation:
    """The compare stage's view of one agent and its node."""
    facts = nodes.get(agent.pod.node or "")
    command = " ".join(agent.status_command) if agent.status_command else "no status"
    log = None
    if agent.log_text:
        log = parse_agent_log(
            agent.log_text,
            source=f"{agent.pod.namespace}/{agent.pod.name} log",
            node=agent.pod.node,
        )
    return NodeObservation(
        name=agent.pod.node or agent.pod.name,
        status=agent.status,
        kernel=facts.kernel if facts else None,
        os_image=facts.os_image if facts else None,
        pod_cidrs=facts.pod_cidrs if facts else (),
        error=agent.error,
        source=f"{agent.pod.namespace}/{agent.pod.name} ({command})",
        agent_log=log,
        labels=dict(facts.labels) if facts else None,
    )


def default_parser() -> Parser:
    def parse(text: str, source: str) -> Any:
        return parse_status(text, source=source)

    return parse


def timestamp(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
