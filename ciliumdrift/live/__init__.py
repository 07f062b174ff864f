"""Live: check a running cluster (or a sysdump of one) against the declared config.

Public API::

    check_cluster(declared, *, kubeconfig=None, context=None, namespace="kube-system",
                  selector="k8s-app=cilium", concurrency=16, timeout=30.0,
                  read_helm_release=False, helm_release="cilium") -> LiveResult
    live_report(values_files=(), *, set_flags=(), talos_files=(), cilium_version=None,
                chart=None, kernels=(), **cluster options) -> Report
    ciliumdrift.live.sysdump.read_sysdump(path) -> LiveResult
    ciliumdrift.live.kubeconfig.resolve(kubeconfig=None, context=None) -> ClusterAccess

Importing this package imports no Kubernetes client; the collection does, when it runs.
Every error is a :class:`~ciliumdrift.errors.CiliumdriftError`: a cluster that cannot be
reached is a :class:`~ciliumdrift.errors.CollectionError`, one node that cannot be read is
an observation with ``error`` set.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ciliumdrift.api import build_report, declared_for, gather_inputs, read_node_config_files
from ciliumdrift.compare import merge_nodes
from ciliumdrift.errors import UnsupportedVersion
from ciliumdrift.inputs import VersionSource
from ciliumdrift.live.collect import (
    LiveOptions,
    agents_to_log,
    collect,
    no_gc_pauses,
    observation,
    read_agent_logs,
)
from ciliumdrift.live.kubeconfig import resolve
from ciliumdrift.live.layers import attribute, layer_findings
from ciliumdrift.live.model import (
    DEFAULT_CONCURRENCY,
    DEFAULT_TIMEOUT,
    AgentPod,
    AgentResult,
    Deployed,
    ExecOutcome,
    HelmRelease,
    LiveResult,
    NodeConfigOverride,
    NodeFacts,
)
from ciliumdrift.live.prometheus import collect_with_prometheus
from ciliumdrift.model import Position, Report

if TYPE_CHECKING:
    from ciliumdrift.load.model import Declared

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


def check_cluster(
    declared: Declared | None,
    *,
    kubeconfig: str | None = None,
    context: str | None = None,
    namespace: str = "kube-system",
    selector: str = "k8s-app=cilium",
    concurrency: int = DEFAULT_CONCURRENCY,
    timeout: float = DEFAULT_TIMEOUT,
    read_helm_release: bool = False,
    helm_release: str = "cilium",
    cancel: threading.Event | None = None,
    agent_log: bool = True,
) -> LiveResult:
    """Read every agent and layer of the cluster; findings say which layer diverged.

    ``timeout`` bounds each agent (all its execs together) and each API call. Reading the
    Helm release needs ``read_helm_release`` because it reads a Secret.
    """

    options = LiveOptions(
        kubeconfig=kubeconfig,
        context=context,
        namespace=namespace,
        selector=selector,
        concurrency=concurrency,
        timeout=timeout,
        read_helm_release=read_helm_release,
        helm_release=helm_release,
        agent_log=agent_log,
    )
    result = collect(options, cancel=cancel)
    return replace(result, findings=layer_findings(declared, result))


def live_report(
    values_files: Sequence[str] = (),
    *,
    set_flags: Sequence[Any] = (),
    talos_files: Sequence[str] = (),
    cilium_version: str | None = None,
    chart: str | None = None,
    kernels: Mapping[str | None, str] | Sequence[str] = (),
    kubeconfig: str | None = None,
    context: str | None = None,
    namespace: str = "kube-system",
    selector: str = "k8s-app=cilium",
    concurrency: int = DEFAULT_CONCURRENCY,
    timeout: float = DEFAULT_TIMEOUT,
    read_helm_release: bool = False,
    helm_release: str = "cilium",
    agent_log: bool = True,
    prometheus: Any = None,
    sample: int | None = None,
    node_configs: Sequence[str] = (),
) -> Report:
    """The ``ciliumdrift live`` pipeline in one call: collect, load, compare, attribute.

    The Cilium version is ``cilium_version``, else the wrapper's chart version, else the
    deployed release's chart version, else the version most agents run. ``prometheus`` (a
    :class:`~ciliumdrift.live.prometheus.PrometheusSource`) reads the agents' metrics
    instead of exec-ing into every agent; ``sample`` bounds the execs per group then.
    ``node_configs`` are CiliumNodeConfig files declared with the config (``--node-config``):
    the nodes they select are expected to run their values, as in ``check``; the cluster's
    own CiliumNodeConfigs still explain drift per node (:mod:`ciliumdrift.live.layers`).
    """

    options = LiveOptions(
        kubeconfig=kubeconfig,
        context=context,
        namespace=namespace,
        selector=selector,
        concurrency=concurrency,
        timeout=timeout,
        read_helm_release=read_helm_release,
        helm_release=helm_release,
        agent_log=agent_log,
    )
    access = resolve(options.kubeconfig, options.context, light=True)
    with no_gc_pauses():
        if prometheus is not None:
            live = collect_with_prometheus(prometheus, options, access=access, sample=sample)
        else:
            live = collect(options, access=access)
        inputs: dict[str, Any] = {
            "values_files": values_files,
            "set_flags": set_flags,
            "talos_files": talos_files,
            "cilium_version": cilium_version,
            "chart": chart,
            "kernels": kernels,
            "node_configs": node_configs,
        }
        report = report_from(live, **inputs)
        with_logs = _with_agent_logs(live, report, options, access)
        return report if with_logs is None else report_from(with_logs, **inputs)


def _with_agent_logs(
    live: LiveResult, report: Report, options: Any, access: Any
) -> LiveResult | None:
    """The agents' logs where they can explain a finding (a few per group of identical ones).

    A fleet's logs are read only there: the log of an agent that shows what the config asks
    for explains nothing, and thousands of logs would load the API server for nothing.
    """

    if not options.agent_log:
        return None
    logs = read_agent_logs(access, agents_to_log(report.findings, live.agents), options)
    if not logs:
        return None
    nodes = {n.name: n for n in live.nodes}
    agents = []
    logged: dict[str, Any] = {}
    for agent in live.agents:
        if agent.pod.name in logs:
            parsed = observation(replace(agent, log_text=logs[agent.pod.name]), nodes)
            logged[parsed.name or ""] = parsed.agent_log
            agent = replace(agent, log_text="")  # parsed: the raw text is not kept
        agents.append(agent)
    observations = tuple(
        replace(o, agent_log=logged[o.name]) if o.name in logged else o for o in live.observations
    )
    return replace(live, agents=tuple(agents), observations=observations)


def report_from(
    live: LiveResult,
    *,
    values_files: Sequence[str] = (),
    set_flags: Sequence[Any] = (),
    talos_files: Sequence[str] = (),
    cilium_version: str | None = None,
    chart: str | None = None,
    kernels: Mapping[str | None, str] | Sequence[str] = (),
    node_configs: Sequence[str] = (),
) -> Report:
    """A Report for collected (live or sysdump) data against the declared files.

    The Cilium version is resolved once (:func:`ciliumdrift.api.gather_inputs`): the flag,
    else the wrapper's pin, else ``.ciliumdrift.yaml``, else the deployed Helm release's
    chart, else the version most agents run.
    """

    release = live.deployed.release
    reported: list[tuple[str, str]] = []
    if live.cilium_version:
        reported.append(("the version most agents run", live.cilium_version))
    inputs, _ = gather_inputs(
        values_files=values_files,
        set_flags=set_flags,
        talos_files=talos_files,
        cilium_version=cilium_version,
        kernels=kernels,
        chart=chart,
        observations=live.observations,
        reported_versions=reported,
        deployed_version=release.chart_version if release is not None else None,
    )
    try:
        declared = declared_for(inputs)
    except UnsupportedVersion as error:
        if inputs.version.source not in (VersionSource.DEPLOYED, VersionSource.OBSERVED):
            raise
        # The version came from the cluster or sysdump, not from --cilium-version.
        raise UnsupportedVersion(
            f"{error.message} (the version was taken from {inputs.version.detail} of "
            f"{live.source}; pass --cilium-version)",
            Position(live.source, 1, 1),
        ) from None
    described = inputs.to_dict()
    if not inputs.version.known:
        described["cilium_version_source"]["stand_in"] = declared.values.chart_version
    report = build_report(
        declared,
        live.observations,
        kernels=inputs.kernels,
        extra_findings=layer_findings(declared, live),
        diagnostics=list(live.diagnostics),
        per_node=True,
        node_configs=read_node_config_files(node_configs),
        inputs={
            **described,
            **({"node_configs": list(node_configs)} if node_configs else {}),
            "cluster": live.source,
            "server": live.server,
            "context": live.context,
            "nodes": len(live.observations),
            "unreachable": len(live.unreachable),
            "cilium_version": declared.values.chart_version
            if inputs.version.value is None
            else inputs.version.value,
        },
    )
    # Per-node layers first, then identical findings across nodes become one.
    return replace(report, findings=merge_nodes(attribute(report.findings, declared, live)))
