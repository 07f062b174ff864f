"""Kubernetes Events on drift onset and clearance, as Flux reports ``DriftDetected``.

One Event per transition of a (node, status line) pair, never one per run:

* onset (``DriftDetected``, type Warning): the pair drifts now and did not in the run
  before; clearance (``DriftCleared``, type Normal): it drifted and no longer does;
* the Event is about the Node (``kubectl describe node`` lists it), in the ``default``
  namespace as the API server requires of Events about cluster-scoped objects (as the
  kubelet's are); a contradiction in the declared config (node ``*``) is about the
  ``cilium-config`` ConfigMap, in its namespace;
* names are deterministic (``ciliumdrift.<hash of node and line>.<reason>``): after a
  restart the first run knows no previous state, and an onset whose Event already exists
  is not recorded again (the API server answers 409); a later transition updates the
  existing Event's count and time, as client-go's event correlator does.

At most :data:`MAX_EVENTS_PER_RUN` Events per run: a fleet-wide change is one line in
the logs and the metrics, not 5,000 API writes.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timezone
from typing import Any

from ciliumdrift.live.kubeconfig import resolve
from ciliumdrift.serve.runner import RunOptions
from ciliumdrift.serve.state import ALL_NODES, DriftPair, DriftState

log = logging.getLogger("ciliumdrift.serve")

MAX_EVENTS_PER_RUN = 100
#: Where Events about Nodes must live: the API server accepts only "" or "default" for an
#: Event about a cluster-scoped object (kubernetes/kubernetes pkg/apis/core/validation,
#: ValidateEvent), and the kubelet writes its node Events there too.
NODE_EVENT_NAMESPACE = "default"
COMPONENT = "ciliumdrift"


class EventRecorder:
    """``record(previous, current)`` is the runner's ``on_state`` hook."""

    def __init__(self, options: RunOptions) -> None:
        self.options = options

    def record(self, previous: DriftState | None, current: DriftState) -> int:
        """Write the Events of this run's transitions; returns how many were written."""

        before = previous.pairs if previous is not None else {}
        onsets = [(k, p) for k, p in sorted(current.pairs.items()) if k not in before]
        clears = [(k, p) for k, p in sorted(before.items()) if k not in current.pairs]
        transitions = [(k, p, True) for k, p in onsets] + [(k, p, False) for k, p in clears]
        if not transitions:
            return 0
        if len(transitions) > MAX_EVENTS_PER_RUN:
            log.info(
                "%d drift transitions; recording Events for the first %d",
                len(transitions),
                MAX_EVENTS_PER_RUN,
            )
        access = resolve(self.options.kubeconfig, self.options.context)
        from kubernetes.client import ApiClient, CoreV1Api

        client = ApiClient(access.configuration)
        written = 0
        try:
            api = CoreV1Api(client)
            for (node, line), pair, onset in transitions[:MAX_EVENTS_PER_RUN]:
                body = event_body(self.options.namespace, node, line, pair, onset=onset)
                if self._write(api, body, update=previous is not None):
                    written += 1
        finally:
            client.close()  # type: ignore[no-untyped-call]
        return written

    def _write(self, api: Any, body: dict[str, Any], *, update: bool) -> bool:
        from kubernetes.client.exceptions import ApiException

        namespace, name = body["metadata"]["namespace"], body["metadata"]["name"]
        timeout = (5.0, self.options.timeout)
        try:
            api.create_namespaced_event(namespace, body, _request_timeout=timeout)
            return True
        except ApiException as error:
            if error.status != 409:
                log.warning("event %s: %s %s", name, error.status, error.reason)
                return False
        if not update:  # first run after a start: the onset was recorded before the restart
            return False
        try:
            existing = api.read_namespaced_event(name, namespace, _request_timeout=timeout)
            count = int(getattr(existing, "count", None) or 1) + 1
            patch = {
                "count": count,
                "lastTimestamp": body["lastTimestamp"],
                "message": body["message"],
            }
            api.patch_namespaced_event(name, namespace, patch, _request_timeout=timeout)
            return True
        except ApiException as error:
            log.warning("event %s: %s %s", name, error.status, error.reason)
            return False


def event_name(node: str, line: str, reason: str) -> str:
    digest = hashlib.sha256(f"{node}\0{line}".encode()).hexdigest()[:16]
    return f"ciliumdrift.{digest}.{reason.lower()}"


def event_body(
    namespace: str, node: str, line: str, pair: DriftPair, *, onset: bool
) -> dict[str, Any]:
    """A core/v1 Event about the node (or the ConfigMap for a config contradiction)."""
    reason = "DriftDetected" if onset else "DriftCleared"
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if node == ALL_NODES:
        involved = {"kind": "ConfigMap", "name": "cilium-config", "namespace": namespace}
        where = "on every node (the declared config contradicts itself)"
    else:
        involved = {"kind": "Node", "name": node, "apiVersion": "v1"}
        where = f"on node {node}"
        namespace = NODE_EVENT_NAMESPACE
    message = (
        f"{line} drifts {where}: top cause {pair.cause} ({pair.severity})"
        if onset
        else f"{line} no longer drifts {where}"
    )
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {
            "name": event_name(node, line, reason),
            "namespace": namespace,
            "labels": {"app.kubernetes.io/name": COMPONENT},
        },
        "involvedObject": involved,
        "reason": reason,
        "message": message,
        "type": "Warning" if onset else "Normal",
        "source": {"component": COMPONENT},
        "reportingComponent": COMPONENT,
        "firstTimestamp": now,
        "lastTimestamp": now,
        "count": 1,
    }
