"""ClusterMesh: whether the agent runs its cluster-mesh client (the `ClusterMesh:` line)."""

from __future__ import annotations

from collections.abc import Sequence

from ciliumdrift.agent import settings as s
from ciliumdrift.agent.decide import conflict
from ciliumdrift.agent.explain import STRONG, Candidate, cause, said, values_fix
from ciliumdrift.agent.fact import Conflict, Expectation, NodeContext, fact
from ciliumdrift.agent.facts._common import expect, standard
from ciliumdrift.model import CauseKind, Located, Severity
from ciliumdrift.parse.model import Status

#: Status formats that print every section the agent reports (a cli summary or a
#: fragment says nothing about the line either way).
_WHOLE = frozenset({"text", "text-verbose", "json", "yaml"})


def _observe(status: Status) -> str | None:
    mesh = status.cluster_mesh
    if mesh is not None:
        return "Enabled"
    # The line is printed between IPAM and the BIG TCP / bandwidth / routing / masquerading
    # lines: only a status that holds both sides says it is missing (a pasted excerpt does not).
    after = (
        status.ipv4_big_tcp,
        status.ipv6_big_tcp,
        status.bandwidth_manager,
        status.routing,
        status.masquerading,
        status.controllers,
        status.proxy,
    )
    whole = status.format in _WHOLE and not status.truncated
    if whole and status.ipam is not None and any(line is not None for line in after):
        return "Disabled"
    return None


def _cluster_id(ctx: NodeContext) -> tuple[int | None, Located[object]]:
    located = s.helm(ctx, "cluster.id")
    try:
        return int(str(located.value or 0)), located
    except ValueError:
        return None, located  # not a number: the identity-range fact reports it


def _mesh_wanted(ctx: NodeContext) -> Located[object] | None:
    """The values that ask for a mesh: the clustermesh-apiserver, or remote clusters listed."""
    for key in ("clustermesh.useAPIServer", "clustermesh.config.enabled"):
        value = s.helm(ctx, key)
        if s.truthy(value.value) and s.is_set(ctx, key):
            return value
    return None


def _conflicts(ctx: NodeContext, cluster_id: int | None) -> list[Conflict]:
    wanted = _mesh_wanted(ctx)
    if wanted is None or cluster_id != 0:
        return []
    key = wanted.origin.key or "clustermesh.useAPIServer"
    return [
        conflict(
            "clustermesh-without-cluster-id",
            f"{key} is on but cluster.id is 0: the agent starts no cluster-mesh client (it needs "
            "a cluster ID between 1 and the maximum and a cluster name other than `default`), "
            "so no remote cluster is ever connected.",
            [
                Candidate(
                    STRONG,
                    cause(
                        CauseKind.REQUIREMENT_MISSING,
                        "ClusterMesh needs a non-zero cluster.id (and a unique cluster.name).",
                        said(key, wanted),
                    ),
                    values_fix(
                        "Give the cluster a unique ID and name",
                        [("cluster.id", 1), ("cluster.name", "<unique-name>")],
                    ),
                )
            ],
            wanted.origin,
            severity=Severity.WARNING,
        )
    ]


def _hook(ctx: NodeContext, expectation: Expectation, observed: str) -> Sequence[Candidate]:
    cluster_id, located = _cluster_id(ctx)
    if observed == "Enabled" and cluster_id == 0:
        return [
            Candidate(
                STRONG,
                cause(
                    CauseKind.NOT_APPLIED,
                    "The agent runs a cluster-mesh client, so it started with a non-zero "
                    "cluster-id: the running cilium-config sets cluster-id in a layer not given "
                    "here (another values file, --set, `cilium clustermesh enable`).",
                    said("cluster.id", located),
                ),
            )
        ]
    return []


@fact(
    id="cluster-mesh",
    status_line="ClusterMesh",
    reads=(
        "cluster.id",
        "cluster.name",
        "clustermesh.useAPIServer",
        "clustermesh.config.enabled",
    ),
    observe=_observe,
    explain=standard("cluster.id", _hook),
)
def cluster_mesh(ctx: NodeContext) -> Expectation | None:
    """Whether the agent runs its cluster-mesh client: `ClusterMesh: <r>/<n> remote clusters ready`.

    ## Rule
    The chart always points the agent at its cluster-mesh configuration directory
    (`CILIUM_CLUSTERMESH_CONFIG=/var/lib/cilium/clustermesh/`); the agent builds its
    cluster-mesh client, and the status gets a `ClusterMesh:` line, exactly when cluster.id
    is not 0. Enabled: the line is there (how many remote clusters are ready is health, not
    config: clusters are often connected with `cilium clustermesh connect`, outside the
    values). Disabled: a whole status (text, verbose or JSON) has no such line.

    ## Fallbacks
    None. A non-zero cluster.id with cluster.name `default` stops the agent at start (the
    identity-range fact reports it). The clustermesh-apiserver (clustermesh.useAPIServer) or
    listed remote clusters (clustermesh.config.enabled) with cluster.id 0: no client, no
    mesh (conflict `clustermesh-without-cluster-id`).

    ## Sources
    cilium/cilium@v1.18.0:pkg/clustermesh/clustermesh.go (NewClusterMesh returns nil when
    ClusterInfo.ID == 0 or ClusterMeshConfig is empty);
    cilium/cilium@v1.18.0:install/kubernetes/cilium/templates/cilium-agent/daemonset.yaml
    (CILIUM_CLUSTERMESH_CONFIG); cilium/cilium@v1.18.0:pkg/clustermesh/types/option.go
    (cannot use default cluster name with cluster-id); the status line:
    cilium/cilium@v1.18.0:pkg/client/client.go FormatStatusResponse (`ClusterMesh:\\t%d/%d
    remote clusters ready, %d global-services`; 1.19 drops the global-services count) and
    cilium/cilium@v1.18.0:api/v1/models/cluster_mesh_status.go (JSON `cluster-mesh`).
    """
    cluster_id, located = _cluster_id(ctx)
    if cluster_id is None:
        return None
    return expect(
        "Enabled" if cluster_id != 0 else "Disabled",
        located.origin,
        conflicts=_conflicts(ctx, cluster_id),
    )


FACTS = (cluster_mesh,)

__all__ = ["FACTS", "cluster_mesh"]
