"""Health facts: status lines whose state no config decides (the agent or cluster is unwell).

Each is a declared unit like a config fact (ID, status line, summary, documentation, a case
file in ``cases/health/``), but it derives nothing: it never makes a row or a verdict, only a
health finding (a warning that fails a run only with ``--fail-on-health``, docs/verdicts.md).
``HEALTH`` lists them in the order of ``cilium status``; compare runs every one on every node.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from ciliumdrift.agent.fact import Expectation, HealthFact, Unhealthy, health
from ciliumdrift.model import Cause, CauseKind, Evidence, NodeObservation

_UNWELL = ("Warning", "Failure")


def _state_line(state: str, message: str) -> str:
    return f"{state} {message}".strip()


def _unwell(observation: NodeObservation, section: str, only: tuple[str, ...] = ()) -> Any:
    """The status section (``kvstore``, ``hubble``…) when its state is unwell, else None:
    a state in ``only``, or (without ``only``) any state but ``Ok`` and ``Disabled``."""
    status = observation.status
    found = getattr(status, section, None) if status is not None else None
    if found is None:
        return None
    unwell = found.state in only if only else found.state not in ("Ok", "Disabled")
    return found if unwell else None


def _short(good: int | None, total: int | None, word: str, missing: str) -> Unhealthy | None:
    """``<good>/<total> <word>`` when some of ``total`` are not good, with how many are not."""
    if good is None or total is None or good >= total:
        return None
    return Unhealthy(f"{good}/{total} {word}", f"{total - good} {missing}")


def _state_finding(
    observation: NodeObservation,
    section: str,
    label: str,
    only: tuple[str, ...] = (),
    message: bool = True,
) -> Unhealthy | None:
    """``<label> is <state> <message>`` for an unwell ``<state> <message>`` line (the state
    alone without ``message``)."""
    state = _unwell(observation, section, only)
    if state is None:
        return None
    text = _state_line(state.state, state.message) if message else state.state
    return Unhealthy(text, f"{label} is {text}")


def _state_fact(
    id: str,
    status_line: str,
    section: str,
    doc: str,
    *,
    only: tuple[str, ...] = (),
    message: bool = True,
) -> HealthFact:
    """A ``<status_line>: <state> <message>`` line that is unwell (see :func:`_unwell`):
    observed as the state and, with ``message``, the agent's message after it."""

    def check(
        observation: NodeObservation, expectations: Mapping[str, Expectation]
    ) -> Unhealthy | None:
        return _state_finding(observation, section, status_line, only, message)

    check.__doc__ = doc
    return health(id=id, status_line=status_line)(check)


def _count_fact(
    id: str,
    status_line: str,
    section: str,
    doc: str,
    *,
    good: str,
    word: str,
    missing: str,
    failing: Callable[[Any], list[str]] | None = None,
) -> HealthFact:
    """A ``<good>/<total> <word>`` line with fewer good than total; ``failing`` names the
    ones that are not (the first five)."""

    def check(
        observation: NodeObservation, expectations: Mapping[str, Expectation]
    ) -> Unhealthy | None:
        state = getattr(observation.status, section, None)
        if state is None:
            return None
        down = failing(state) if failing is not None else []
        named = f" ({', '.join(down[:5])})" if down else ""
        return _short(getattr(state, good), state.total, word, f"{missing}{named}")

    check.__doc__ = doc
    return health(id=id, status_line=status_line)(check)


@health(id="node", status_line="Node", expected=None)
def node(observation: NodeObservation, expectations: Mapping[str, Expectation]) -> Unhealthy | None:
    """The node's status could not be read: nothing on it was compared.

    ## Rule
    A node whose agent could not be reached (live: the pod is not Ready, `kubectl exec`
    failed or timed out) or whose output is not a `cilium status` has no status; every
    other line of that node is unknown, so this one finding stands for them.

    ## Sources
    The run itself: `ciliumdrift live` reads `cilium-dbg status` in each agent pod, and
    `check --status` reads the files given.
    """
    if observation.error is None and observation.status is not None:
        return None
    reason = observation.error or "no status"
    return Unhealthy(
        None,
        f"no status from this node: {reason}",
        (
            Cause(
                CauseKind.UNKNOWN,
                "The node or its agent could not be read (unreachable, not Ready, or its output "
                "is not a status).",
                (Evidence(reason),),
            ),
        ),
    )


cilium = _state_fact(
    "cilium",
    "Cilium",
    "cilium",
    """The agent says it is not Ok (`Cilium: Warning` or `Failure`).

    ## Rule
    The `Cilium:` line is the agent's own verdict over its probes (a probe that has not run
    yet, a failed subsystem). Anything but `Ok` (or `Disabled`) is reported with the
    agent's message.

    ## Sources
    cilium/cilium@v1.18.0:pkg/client/client.go FormatStatusResponse (`Cilium:\\t<state>
    <msg>`), cilium/cilium@v1.18.0:pkg/status/status_collector.go (the probes).
    """,
)


@health(id="kubernetes", status_line="Kubernetes")
def kubernetes(
    observation: NodeObservation, expectations: Mapping[str, Expectation]
) -> Unhealthy | None:
    """The agent cannot talk to the Kubernetes API server.

    ## Rule
    Anything but `Ok` (or `Disabled`) on the `Kubernetes:` line. When the config alone
    explains it (the `kubernetes` fact's conflicts: no API server address with kube-proxy
    replacement, KubePrism off or on another port on Talos), those causes are the finding's
    causes, with the lines that state them.

    ## Sources
    cilium/cilium@v1.18.0:pkg/client/client.go FormatStatusResponse
    (`Kubernetes:\\t<state>\\t<msg>`), cilium/cilium@v1.18.0:daemon/cmd/status.go (the
    API server probe).
    """
    found = _state_finding(observation, "kubernetes", "Kubernetes")
    known = expectations.get("kubernetes")
    causes = tuple(c for conflict in (known.conflicts if known else ()) for c in conflict.causes)
    return replace(found, causes=causes) if found is not None else None


kvstore = _state_fact(
    "kvstore",
    "KVStore",
    "kvstore",
    """The agent's etcd kvstore is in `Warning` or `Failure`.

    ## Rule
    With `etcd.enabled` the agent keeps identities in etcd; `Warning`/`Failure` on the
    `KVStore:` line means it cannot reach or use it (the `kvstore` fact checks only whether
    the kvstore is used at all).

    ## Sources
    cilium/cilium@v1.18.0:pkg/client/client.go FormatStatusResponse
    (`KVStore:\\t<state>\\t<msg>`), cilium/cilium@v1.18.0:pkg/status/status_collector.go.
    """,
    only=_UNWELL,
    message=False,
)


health_daemon = _state_fact(
    "health-daemon",
    "Cilium health daemon",
    "health_daemon",
    """cilium-health, the agent's connectivity prober, is not Ok.

    ## Rule
    Anything but `Ok` (or `Disabled`, with `healthChecking: false`) on the `Cilium health
    daemon:` line: the node-to-node probes behind `Cluster health` are not running.

    ## Sources
    cilium/cilium@v1.18.0:pkg/client/client.go FormatStatusResponse (`Cilium health
    daemon:\\t<state>\\t<msg>`).
    """,
    message=False,
)


hubble = _state_fact(
    "hubble",
    "Hubble",
    "hubble",
    """Hubble is enabled but in `Warning` or `Failure`.

    ## Rule
    `Warning`/`Failure` on the `Hubble:` line means Hubble is on but unwell (its server not
    initialised, its ring buffer failing); whether it is on at all is the `hubble` fact.

    ## Sources
    cilium/cilium@v1.18.0:pkg/client/client.go FormatStatusResponse (`Hubble:\\t<state>
    <msg>`).
    """,
    only=_UNWELL,
)


@health(id="hubble-metrics", status_line="Hubble")
def hubble_metrics(
    observation: NodeObservation, expectations: Mapping[str, Expectation]
) -> Unhealthy | None:
    """Hubble's metrics server is in `Warning` or `Failure`.

    ## Rule
    `Metrics: Warning`/`Failure` on the `Hubble:` line: the metrics the config enables
    (`hubble.metrics.enabled`) are not served; whether they are on is the `hubble-metrics`
    fact.

    ## Sources
    cilium/cilium@v1.18.0:pkg/client/client.go FormatStatusResponse (`Metrics: <state>`).
    """
    state = observation.status.hubble if observation.status is not None else None
    if state is None or state.metrics_state not in _UNWELL:
        return None
    return Unhealthy(state.metrics_state or "", f"Hubble metrics are {state.metrics_state}")


cluster_mesh = _count_fact(
    "cluster-mesh",
    "ClusterMesh",
    "cluster_mesh",
    """Some remote clusters of the mesh are not ready on this node.

    ## Rule
    `ClusterMesh: <ready>/<total> remote clusters ready` with fewer ready than total: the
    agent cannot reach or sync a remote cluster's clustermesh-apiserver (its address, its
    certificates, a cluster ID or name clash). The not-ready clusters are named (the line
    lists them under the summary).

    ## Sources
    cilium/cilium@v1.18.0:pkg/client/client.go FormatStatusResponse (`ClusterMesh:\t%d/%d
    remote clusters ready`, a not-ready cluster printed below it), and
    cilium/cilium@v1.18.0:api/v1/models/cluster_mesh_status.go.
    """,
    good="ready",
    word="remote clusters ready",
    missing="remote cluster(s) not ready",
    failing=lambda mesh: [c.name for c in mesh.clusters if not c.ready],
)


controllers = _count_fact(
    "controllers",
    "Controller Status",
    "controllers",
    """Some of the agent's controllers keep failing.

    ## Rule
    `Controller Status: <healthy>/<total> healthy` with fewer healthy than total: a
    controller whose last runs failed (a sync with the API server, an ipcache or a map
    update). The first five failing controllers are named (`--verbose` prints them all).

    ## Sources
    cilium/cilium@v1.18.0:pkg/client/client.go FormatStatusResponse (`Controller
    Status:\\t%d/%d healthy`, a controller with ConsecutiveFailureCount > 0 is failing).
    """,
    good="healthy",
    word="healthy",
    missing="controller(s) failing",
    failing=lambda state: [c.name for c in state.controllers if c.failure_count > 0],
)


cluster_health = _count_fact(
    "cluster-health",
    "Cluster health",
    "cluster_health",
    """Some nodes do not answer this node's connectivity probes.

    ## Rule
    `Cluster health: <reachable>/<total> reachable` with fewer reachable than total: the
    agent's health prober cannot reach some nodes (or their endpoints) over the datapath,
    a firewall or MTU problem as often as a node that is down.

    ## Sources
    cilium/cilium@v1.18.0:cilium-dbg/cmd/status.go (the `Cluster health:` line, printed by
    GetAndFormatHealthStatus of cilium/cilium@v1.18.0:pkg/health/client, `%d/%d reachable`).
    """,
    good="reachable",
    word="reachable",
    missing="node(s) unreachable",
)


@health(id="modules-health", status_line="Modules Health")
def modules_health(
    observation: NodeObservation, expectations: Mapping[str, Expectation]
) -> Unhealthy | None:
    """Some of the agent's modules report themselves degraded.

    ## Rule
    `Modules Health: ... Degraded(<n>) ...` with n above zero: a module of the agent's
    cell graph reported a degraded state (Cilium 1.15 and newer print the line).

    ## Sources
    cilium/cilium@v1.18.0:cilium-dbg/cmd/status.go (the `Modules Health:` line, printed by
    GetAndFormatModulesHealth of cilium/cilium@v1.18.0:pkg/health/client:
    `Stopped(n) Degraded(n) OK(n) Unknown(n)`).
    """
    state = observation.status.modules_health if observation.status is not None else None
    if state is None or not state.degraded:
        return None
    return Unhealthy(f"Degraded({state.degraded})", f"{state.degraded} module(s) degraded")


HEALTH: tuple[HealthFact, ...] = (
    node,
    cilium,
    kubernetes,
    kvstore,
    health_daemon,
    hubble,
    hubble_metrics,
    cluster_mesh,
    controllers,
    cluster_health,
    modules_health,
)

__all__ = ["HEALTH"]
