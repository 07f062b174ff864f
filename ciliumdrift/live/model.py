"""What a live run (or a sysdump) yields: the three layers of one cluster.

* declared: the files (not here; :class:`~ciliumdrift.load.model.Declared`).
* deployed: the Helm release values and chart version, the ``cilium-config`` ConfigMap and
  the CiliumNodeConfig overrides (:class:`Deployed`).
* running: what every agent reports (:class:`AgentResult`, turned into
  :class:`~ciliumdrift.model.NodeObservation`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import field
from datetime import datetime
from typing import Any

from ciliumdrift.model import Diagnostic, Finding, NodeObservation
from ciliumdrift.model import NodeConfigOverride as NodeConfigOverride
from ciliumdrift.records import record

#: Execs in flight at once. An exec is a long-running request: the API server's inflight
#: limits (``--max-requests-inflight``, 400 by default) do not count it, but each one holds a
#: stream through the API server to a kubelet. cilium-cli's ``cilium features status`` opens
#: one per agent pod with no bound; 200 reads a 5,000-node fleet in ~25 rounds while keeping
#: the API server to a bounded number of streams. ``--concurrency`` changes it.
DEFAULT_CONCURRENCY = 200
#: Seconds per exec (connect, upgrade and output together) and per API call.
DEFAULT_TIMEOUT = 10.0


@record
class AgentPod:
    """One Cilium agent pod as the pod list shows it."""

    name: str
    namespace: str
    node: str | None
    running: bool  # the agent container is running (exec can work)
    ready: bool
    reason: str | None = None  # why it is not running / not Ready
    started_at: datetime | None = None  # the agent container's start (config is read then)
    image: str | None = None
    terminating: bool = False
    ip: str | None = None  # status.podIP (the node's address: agents use the host network)


@record
class NodeFacts:
    """What the Node object says about the machine an agent runs on."""

    name: str
    kernel: str | None = None
    os_image: str | None = None  # "Talos (v1.12.0)"
    pod_cidrs: tuple[str, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    addresses: tuple[str, ...] = ()  # status.addresses (InternalIP, Hostname, ...)

    @property
    def talos_version(self) -> str | None:
        """``v1.12.0`` from ``Talos (v1.12.0)``; None on other operating systems."""
        match = re.match(r"^\s*Talos\s*\((v?[0-9][^)\s]*)\)", self.os_image or "")
        return match.group(1) if match else None


@record
class ExecOutcome:
    """One command run in an agent container: its streams kept apart and its exit code.

    ``failure`` is set when the command did not run to completion (the exec was refused,
    the pod is gone, the runtime could not start it, the time ran out); ``exit_code`` is
    None then, unless the API server reported one.
    """

    command: tuple[str, ...]
    stdout: str = ""
    stderr: str = ""
    exit_code: int | None = None
    failure: str | None = None
    http_status: int | None = None
    timed_out: bool = False
    seconds: float = 0.0

    @property
    def succeeded(self) -> bool:
        return self.failure is None and self.exit_code == 0

    @property
    def binary_missing(self) -> bool:
        """The container has no such program (an agent older than ``cilium-dbg``)."""
        text = f"{self.failure or ''} {self.stderr}".lower()
        return (
            self.exit_code in (126, 127)
            or "executable file not found" in text
            or ("no such file or directory" in text and "exec" in text)
        )

    def describe(self) -> str:
        return " ".join(self.command)


@record
class AgentResult:
    """Everything collected from one agent, or why nothing could be."""

    pod: AgentPod
    status_text: str | None = None
    status_command: tuple[str, ...] | None = None
    drift_delta: float | None = None  # cilium_drift_checker_config_delta (1.17+)
    error: str | None = None
    attempts: tuple[ExecOutcome, ...] = ()
    status: Any = None  # the parsed Status (ciliumdrift.parse.model.Status)
    version: str | None = None
    log_text: str | None = None  # the agent container's log since its start (bounded)


@record
class HelmRelease:
    """The deployed Helm release: the values it was installed with and its chart."""

    name: str
    namespace: str
    revision: int
    status: str  # deployed | failed | pending-upgrade | superseded ...
    chart_name: str | None
    chart_version: str | None
    app_version: str | None
    values: Mapping[str, Any]  # the user-supplied values (`helm get values`)
    chart_values: Mapping[str, Any] = field(default_factory=dict)  # the chart's defaults
    deployed_at: str | None = None
    source: str = ""  # the Secret (or sysdump file) it was read from


@record
class Deployed:
    """The deployed layer: what Helm and the ConfigMap hand the agents."""

    configmap: Mapping[str, str] | None = None
    configmap_changed_at: datetime | None = None
    release: HelmRelease | None = None
    newer_releases: tuple[HelmRelease, ...] = ()  # revisions after the deployed one (failed...)
    node_configs: tuple[NodeConfigOverride, ...] = ()
    source: str = ""


@record
class LiveResult:
    """The outcome of a live run or a sysdump: observations plus the layers behind them."""

    observations: tuple[NodeObservation, ...]
    agents: tuple[AgentResult, ...] = ()
    nodes: tuple[NodeFacts, ...] = ()
    deployed: Deployed = field(default_factory=Deployed)
    findings: tuple[Finding, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    cilium_version: str | None = None
    server: str | None = None
    context: str | None = None
    source: str = ""
    seconds: float = 0.0

    @property
    def unreachable(self) -> tuple[NodeObservation, ...]:
        return tuple(o for o in self.observations if o.error is not None)

    def node(self, name: str | None) -> NodeFacts | None:
        # An index built on first use: findings ask once per node of fleets of thousands.
        index: dict[str, NodeFacts] | None = self.__dict__.get("_node_index")
        if index is None:
            index = {n.name: n for n in self.nodes}
            object.__setattr__(self, "_node_index", index)
        return index.get(name) if name is not None else None
