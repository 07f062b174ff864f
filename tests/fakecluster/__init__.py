"""A fake Kubernetes API server with Cilium agents, for the live tests and the benchmark."""

from tests.fakecluster.cluster import (
    Agent,
    FakeCluster,
    Fault,
    clusters,
    helm_release_payload,
    helm_secret,
    make_agents,
    node_config,
    seed_configmap,
)

__all__ = [
    "Agent",
    "FakeCluster",
    "Fault",
    "clusters",
    "helm_release_payload",
    "helm_secret",
    "make_agents",
    "node_config",
    "seed_configmap",
]
