"""Live: check a running cluster (or a sysdump of one) against the declared config.

Public API::

    check_cluster(declared, *, kubeconfig=None, context=None, namespace="kube-system",
                  selector="k8s-app=cilium", concurrency=200, timeout=10.0,
                  read_helm_release=False, helm_release="cilium") -> LiveResult
    live_report(values_files=(), *, set_flags=(), talos_files=(), cilium_version=None,
                chart=None, kernels=(), **cluster options) -> Report
    report_from(live_result, *, values_files=(), ...) -> Report
    ciliumdrift.live.sysdump.read_sysdump(path) -> LiveResult
    ciliumdrift.live.kubeconfig.resolve(kubeconfig=None, context=None) -> ClusterAccess

Importing this package imports only the model; each function loads its module on first
use: :func:`report_from` the comparison (:mod:`ciliumdrift.live.report`, what
``check --sysdump`` needs with :mod:`ciliumdrift.live.sysdump`), ``check_cluster`` and
``live_report`` the collection (:mod:`ciliumdrift.live.cluster`: the kubeconfig, the exec
transport, Prometheus); the Kubernetes client is imported when a collection runs. Every
error is a :class:`~ciliumdrift.errors.CiliumdriftError`: a cluster that cannot be reached
is a :class:`~ciliumdrift.errors.CollectionError`, one node that cannot be read is an
observation with ``error`` set.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ciliumdrift.live.model import (
    AgentPod,
    AgentResult,
    Deployed,
    ExecOutcome,
    HelmRelease,
    LiveResult,
    NodeConfigOverride,
    NodeFacts,
)

if TYPE_CHECKING:
    from ciliumdrift.live.cluster import check_cluster, live_report
    from ciliumdrift.live.report import report_from

__all__ = [
    "AgentPod",
    "AgentResult",
    "Deployed",
    "ExecOutcome",
    "HelmRelease",
    "LiveResult",
    "NodeConfigOverride",
    "NodeFacts",
    "check_cluster",
    "live_report",
    "report_from",
]

#: The functions and their modules, imported on first use (as the package's top-level names
#: are: ``ciliumdrift.__getattr__``).
_FUNCTIONS = {
    "check_cluster": "ciliumdrift.live.cluster",
    "live_report": "ciliumdrift.live.cluster",
    "report_from": "ciliumdrift.live.report",
}


def __getattr__(name: str) -> Any:
    module = _FUNCTIONS.get(name)
    if module is None:
        raise AttributeError(f"module 'ciliumdrift.live' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
