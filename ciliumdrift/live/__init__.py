"""Live: check a running cluster (or a sysdump of one) against the declared config.

Public API::

    check_cluster(declared, *, kubeconfig=None, context=None, namespace="kube-system",
                  selector="k8s-app=cilium", concurrency=200, timeout=10.0,
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

from ciliumdrift.errors import UnsupportedVersion
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
from ciliumdrift.model import Diagnostic, Position, Report

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
    from ciliumdrift.live.collect import LiveOptions, collect
    from ciliumdrift.live.layers import layer_findings

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
) -> Report:
    """The ``ciliumdrift live`` pipeline in one call: collect, load, compare, attribute.

    The Cilium version is ``cilium_version``, else the wrapper's chart version, else the
    deployed release's chart version, else the version most agents run. ``prometheus`` (a
    :class:`~ciliumdrift.live.prometheus.PrometheusSource`) reads the agents' metrics
    instead of exec-ing into every agent; ``sample`` bounds the execs per group then.
    """
    from ciliumdrift.live.collect import LiveOptions, collect, no_gc_pauses
    from ciliumdrift.live.kubeconfig import resolve

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
            from ciliumdrift.live.prometheus import collect_with_prometheus

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
    from ciliumdrift.live.collect import agents_to_log, observation, read_agent_logs

    if not options.agent_log or getattr(access.configuration, "proxy", None):
        return None  # through a proxy, the client path read every agent's log already
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


def _declared_for(
    live: LiveResult,
    values_files: Sequence[str],
    set_flags: Sequence[Any],
    talos_files: Sequence[str],
    cilium_version: str | None,
    chart: str | None,
) -> tuple[Declared, list[Diagnostic], str | None]:
    """The declared config, its version decided as the docstring of live_report says."""
    from ciliumdrift.load import load_declared
    from ciliumdrift.load.helm import wrapper_chart_version

    diagnostics: list[Diagnostic] = []
    version = cilium_version
    where = "the cluster"
    if version is None and wrapper_chart_version(values_files) is None:
        release = live.deployed.release
        if release is not None and release.chart_version:
            version = release.chart_version
            where = "the deployed Helm release"
        else:
            version = live.cilium_version
            where = "the running agents"
        if version is not None:
            diagnostics.append(
                Diagnostic(f"Cilium version {version} taken from {where}", code="version")
            )
    try:
        declared = load_declared(
            tuple(values_files),
            set_flags=tuple(set_flags),
            talos_files=tuple(talos_files),
            cilium_version=version,
            chart=chart,
        )
    except UnsupportedVersion as error:
        if cilium_version is not None or version is None:
            raise
        # The version came from the cluster or sysdump, not from --cilium-version.
        raise UnsupportedVersion(
            f"{error.message} (the version was taken from {where} of {live.source}; "
            "pass --cilium-version)",
            Position(live.source, 1, 1),
        ) from None
    return declared, diagnostics, version


def report_from(
    live: LiveResult,
    *,
    values_files: Sequence[str] = (),
    set_flags: Sequence[Any] = (),
    talos_files: Sequence[str] = (),
    cilium_version: str | None = None,
    chart: str | None = None,
    kernels: Mapping[str | None, str] | Sequence[str] = (),
) -> Report:
    """A Report for collected (live or sysdump) data against the declared files."""
    from ciliumdrift.api import build_report, parse_kernels
    from ciliumdrift.live.layers import attribute, layer_findings

    declared, notes, version = _declared_for(
        live, values_files, set_flags, talos_files, cilium_version, chart
    )
    diagnostics: list[Diagnostic] = [*live.diagnostics, *notes]
    kernel_map = dict(kernels) if isinstance(kernels, Mapping) else parse_kernels(kernels)
    report = build_report(
        declared,
        live.observations,
        kernels=kernel_map,
        extra_findings=layer_findings(declared, live),
        diagnostics=diagnostics,
        inputs={
            "values": list(values_files),
            "set": [getattr(flag, "text", str(flag)) for flag in set_flags],
            "talos": list(talos_files),
            "cluster": live.source,
            "server": live.server,
            "context": live.context,
            "nodes": len(live.observations),
            "unreachable": len(live.unreachable),
            "cilium_version": declared.values.chart_version or version,
            "kernels": {k or "*": v for k, v in kernel_map.items()},
        },
    )
    return replace(report, findings=attribute(report.findings, declared, live))
