"""Read a running cluster and report on it: ``check_cluster`` and ``live_report``.

Importing this module imports the collection (the kubeconfig, the exec transport with
asyncio and ssl, the Prometheus reader); the Kubernetes client itself is imported when a
collection runs. ``ciliumdrift.live`` imports this module on first use of these names.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ciliumdrift.live.collect import (
    LiveOptions,
    agents_to_log,
    collect,
    no_gc_pauses,
    read_agent_logs,
)
from ciliumdrift.live.kubeconfig import resolve
from ciliumdrift.live.layers import layer_findings
from ciliumdrift.live.model import DEFAULT_CONCURRENCY, DEFAULT_TIMEOUT, LiveResult
from ciliumdrift.live.objects import observation
from ciliumdrift.live.prometheus import collect_with_prometheus
from ciliumdrift.live.report import report_from
from ciliumdrift.model import Report

if TYPE_CHECKING:
    from ciliumdrift.load.model import Declared


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
