"""Prometheus as a source: what every agent already exports, read in four instant queries.

At thousands of nodes, exec-ing into every agent loads the API server; the cluster's
Prometheus already holds what the agents export about their running config:

* ``cilium_feature_*`` gauges (cilium/cilium@v1.18.4:pkg/metrics/features/metrics.go):
  the agent registers every label combination at 0 (``NewMetrics(true)``) and sets the
  active one to 1, so only series above 0 are read. Device mode
  (``cilium_feature_datapath_config{mode}``; from 1.20 ``{configured_mode,
  operational_mode}``, of which the operational one is what runs), network mode
  (``..._datapath_network{mode="overlay-vxlan|overlay-geneve|direct-routing"}``), chaining,
  KPR (``..._adv_connect_and_lb_kube_proxy_replacement_enabled``), node-port
  mode/algorithm/acceleration, transparent encryption
  (``{mode="ipsec|wireguard",node2node_enabled,strict_mode_enabled}``), bandwidth manager,
  BIG TCP (``{address_family}``), host firewall, kernel (``..._datapath_kernel_version``).
* ``cilium_drift_checker_config_delta`` (cilium/cilium@v1.18.4:pkg/driftchecker/metrics.go): keys of
  ``cilium-config`` that differ from what the agent started with: strong evidence that a
  config change was not applied.
* ``cilium_version{version,revision,arch}`` (cilium/cilium@v1.18.4:pkg/metrics/metrics.go; value 0).

Series are matched to nodes by the scrape target's labels, which the scrape config decides:
``node`` (the chart's ServiceMonitor relabels ``__meta_kubernetes_pod_node_name`` to it),
``kubernetes_node``/``nodename``, else the agent pod (``pod``, ``kubernetes_pod_name``),
else the ``instance`` address (agents use the host network: the pod IP is the node's).

Lines the metrics do not cover (host routing, attach mode, masquerading, BBR, Hubble, the L7
proxy, IPAM allocations) still need ``cilium-dbg status``: it is exec'd only on the nodes
that need it, namely nodes whose drift checker counts a delta, nodes Prometheus has no
feature metrics for, and a bounded sample of every group of nodes whose metrics are
identical. The report says which.
"""

from __future__ import annotations

import base64
import json
import ssl
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from ciliumdrift.errors import CollectionError
from ciliumdrift.live.collect import collect, collect_agents
from ciliumdrift.live.model import AgentPod, AgentResult, LiveResult, NodeFacts
from ciliumdrift.model import Diagnostic
from ciliumdrift.parse.model import (
    BandwidthManager,
    BigTcp,
    CiliumState,
    Encryption,
    HostFirewall,
    KubeProxyReplacement,
    Routing,
    Status,
)

#: The feature gauges read (exact names: Prometheus answers an alternation of names from its
#: index). Those that map to a status line, and those that set nodes apart (IPAM, node port,
#: address families, CiliumNodeConfig in use) so that differing nodes form their own group.
FEATURE_METRICS = (
    "datapath_config",
    "datapath_network",
    "datapath_chaining_enabled",
    "datapath_internet_protocol",
    "datapath_kernel_version",
    "datapath_endpoint_routes_enabled",
    "controlplane_ipam",
    "adv_connect_and_lb_kube_proxy_replacement_enabled",
    "adv_connect_and_lb_node_port_configuration",
    "adv_connect_and_lb_bandwidth_manager_enabled",
    "adv_connect_and_lb_big_tcp_enabled",
    "adv_connect_and_lb_transparent_encryption",
    "adv_connect_and_lb_egress_gateway_enabled",
    "adv_connect_and_lb_cilium_node_config_enabled",
    "network_policies_host_firewall_enabled",
)
#: The feature gauges in two queries that Prometheus evaluates at once: selecting every
#: registered label combination of 5,000 agents (~150,000 series, most at 0) is its work of
#: a run, and one query uses one core (at 5,000 nodes: 1.0 s as one query, 0.75 s as two).
FEATURES_QUERIES = tuple(
    '{__name__=~"' + "|".join(f"cilium_feature_{name}" for name in names) + '"} > 0'
    for names in (FEATURE_METRICS[:6], FEATURE_METRICS[6:])
)
DRIFT_QUERY = "cilium_drift_checker_config_delta"
VERSION_QUERY = "cilium_version"
#: Execs of ``cilium-dbg status`` per group of nodes with identical metrics.
DEFAULT_SAMPLE = 3
#: A query answer larger than this is not what these instant queries return.
MAX_RESPONSE_BYTES = 256 * 1024 * 1024
NODE_LABELS = ("node", "kubernetes_node", "nodename", "node_name")
POD_LABELS = ("pod", "kubernetes_pod_name", "pod_name")
_TARGET_LABELS = frozenset(
    {
        "__name__",
        "instance",
        "job",
        "namespace",
        "service",
        "endpoint",
        "container",
        "prometheus",
        "prometheus_replica",
        "k8s_app",
        "app_kubernetes_io_name",
        "app_kubernetes_io_part_of",
        *NODE_LABELS,
        *POD_LABELS,
    }
)


@dataclass(frozen=True)
class PrometheusSource:
    """Where the Prometheus HTTP API is and how to authenticate to it."""

    url: str
    bearer_token_file: str | None = None
    ca_file: str | None = None
    timeout: float = 10.0

    @property
    def shown(self) -> str:
        """The URL as messages print it: a password in it is masked."""
        parts = urlsplit(self.url)
        if parts.password is None:
            return self.url
        netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def source_from_flags(
    url: str | None, token: Path | None, ca: Path | None, timeout: float
) -> PrometheusSource | None:
    """The source the ``--prometheus*`` flags of ``live`` and ``serve`` name (None: no URL)."""
    if url is None:
        return None
    return PrometheusSource(
        url,
        bearer_token_file=str(token) if token else None,
        ca_file=str(ca) if ca else None,
        timeout=timeout,
    )


@dataclass(frozen=True)
class NodeMetrics:
    """What Prometheus says about one agent."""

    features: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]  # (metric, labels) set to 1
    version: str | None = None
    drift_delta: float | None = None

    def signature(self) -> tuple[Any, ...]:
        return (self.features, self.version, (self.drift_delta or 0) > 0)

    def labels(self, metric: str) -> list[dict[str, str]]:
        return [dict(labels) for name, labels in self.features if name == metric]

    def has(self, metric: str) -> bool:
        return any(name == metric for name, _ in self.features)


_NONE = NodeMetrics(())


# -- the HTTP API ------------------------------------------------------------------------------


def query(source: PrometheusSource, promql: str) -> list[dict[str, Any]]:
    """One instant query; the vector's samples. Any failure is one clear CollectionError."""
    import urllib.error
    import urllib.request

    parts = urlsplit(source.url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CollectionError(f"--prometheus {source.shown!r}: expected an http(s):// URL")
    netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
    base = urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))
    request = urllib.request.Request(
        f"{base}/api/v1/query?{urlencode({'query': promql})}",
        headers={"Accept": "application/json", "User-Agent": "ciliumdrift"},
    )
    if parts.username is not None:
        pair = f"{parts.username}:{parts.password or ''}".encode()
        request.add_header("Authorization", "Basic " + base64.b64encode(pair).decode())
    if source.bearer_token_file:
        try:
            with open(source.bearer_token_file, encoding="utf-8") as handle:
                token = handle.read(64 * 1024).strip()
        except OSError as error:
            raise CollectionError(
                f"{source.bearer_token_file}:1:1: cannot read the bearer token: {error.strerror}"
            ) from None
        request.add_header("Authorization", f"Bearer {token}")
    context = None
    if parts.scheme == "https":
        try:
            context = ssl.create_default_context(cafile=source.ca_file)
        except (OSError, ssl.SSLError) as error:
            raise CollectionError(
                f"{source.ca_file}:1:1: cannot use the CA file: {error}"
            ) from None
    where = f"Prometheus at {source.shown}"
    try:
        with urllib.request.urlopen(request, timeout=source.timeout, context=context) as answer:
            body = answer.read(MAX_RESPONSE_BYTES + 1)
    except urllib.error.HTTPError as error:
        detail = _error_detail(error.read(64 * 1024))
        raise CollectionError(
            f"{where} answered {error.code} {error.reason}" + (f": {detail}" if detail else "")
        ) from None
    except urllib.error.URLError as error:
        raise CollectionError(f"cannot reach {where}: {_reason(error.reason)}") from None
    except (TimeoutError, OSError) as error:
        raise CollectionError(f"cannot reach {where}: {_reason(error)}") from None
    if len(body) > MAX_RESPONSE_BYTES:
        raise CollectionError(f"{where}: the answer to {promql!r} is larger than 256 MiB")
    try:
        document = json.loads(body)
    except ValueError:
        raise CollectionError(
            f"{where} did not answer with JSON (is this the Prometheus HTTP API?)"
        ) from None
    data = document.get("data") if isinstance(document, dict) else None
    if (
        not isinstance(document, dict)
        or document.get("status") != "success"
        or not isinstance(data, dict)
        or data.get("resultType") != "vector"
        or not isinstance(data.get("result"), list)
    ):
        problem = document.get("error") if isinstance(document, dict) else None
        raise CollectionError(
            f"{where} sent no query result"
            + (f": {_reason(problem)}" if problem else " (is this the Prometheus HTTP API?)")
        )
    return [s for s in data["result"] if isinstance(s, dict) and isinstance(s.get("metric"), dict)]


def _error_detail(body: bytes) -> str:
    try:
        parsed = json.loads(body)
    except ValueError:
        return " ".join(body.decode("utf-8", "replace").split())[:200]
    if isinstance(parsed, dict) and parsed.get("error"):
        return " ".join(str(parsed["error"]).split())[:200]
    return ""


def _reason(error: object) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return ("timed out" if "timed out" in text.lower() else text)[:200]


def read_fleet(source: PrometheusSource) -> tuple[list[dict[str, Any]], ...]:
    """The queries at once: (features, drift deltas, versions)."""
    queries = (*FEATURES_QUERIES, DRIFT_QUERY, VERSION_QUERY)
    with ThreadPoolExecutor(max_workers=len(queries)) as pool:
        *features, deltas, versions = [
            f.result() for f in [pool.submit(query, source, q) for q in queries]
        ]
    return [sample for part in features for sample in part], deltas, versions


# -- series to nodes ---------------------------------------------------------------------------


class NodeResolver:
    """Which node a series belongs to, from the labels the scrape config left on it."""

    def __init__(self, pods: Sequence[AgentPod], nodes: Mapping[str, NodeFacts]) -> None:
        self.nodes = set(nodes) | {p.node for p in pods if p.node}
        self.by_pod = {p.name: p.node for p in pods if p.node}
        self.by_ip: dict[str, str] = {}
        for pod in pods:
            if pod.ip and pod.node:
                self.by_ip[pod.ip] = pod.node
        for facts in nodes.values():
            for address in facts.addresses:
                self.by_ip.setdefault(address, facts.name)

    def node(self, labels: Mapping[str, str]) -> str | None:
        for key in NODE_LABELS:
            value = labels.get(key)
            if value and value in self.nodes:
                return value
        for key in POD_LABELS:
            value = labels.get(key)
            if value and value in self.by_pod:
                return self.by_pod[value]
        instance = labels.get("instance", "")
        host = instance.rsplit(":", 1)[0].strip("[]") if instance else ""
        return self.by_ip.get(host)


def node_metrics(
    features: Sequence[Mapping[str, Any]],
    deltas: Sequence[Mapping[str, Any]],
    versions: Sequence[Mapping[str, Any]],
    resolver: NodeResolver,
) -> tuple[dict[str, NodeMetrics], int]:
    """Per node, its metrics; and how many series matched no node."""
    found: dict[str, set[tuple[str, tuple[tuple[str, str], ...]]]] = {}
    version: dict[str, str] = {}
    delta: dict[str, float] = {}
    unmatched = 0
    for sample in features:
        labels = sample["metric"]
        node = resolver.node(labels)
        if node is None:
            unmatched += 1
            continue
        own = tuple(sorted((k, str(v)) for k, v in labels.items() if k not in _TARGET_LABELS))
        found.setdefault(node, set()).add((str(labels.get("__name__", "")), own))
    for sample in versions:
        node = resolver.node(sample["metric"])
        if node is not None and sample["metric"].get("version"):
            version[node] = str(sample["metric"]["version"]).lstrip("v")
    for sample in deltas:
        node = resolver.node(sample["metric"])
        value = _value(sample)
        if node is not None and value is not None:
            delta[node] = max(delta.get(node, 0.0), value)
    out = {
        node: NodeMetrics(tuple(sorted(found.get(node, ()))), version.get(node), delta.get(node))
        for node in set(found) | set(version) | set(delta)
    }
    return out, unmatched


def _value(sample: Mapping[str, Any]) -> float | None:
    pair = sample.get("value")
    if not isinstance(pair, list) or len(pair) != 2:
        return None
    try:
        return float(pair[1])
    except (TypeError, ValueError):
        return None


# -- metrics to the status lines they cover -----------------------------------------------------

_F = "cilium_feature_"


def status_from_metrics(metrics: NodeMetrics, source: str) -> Any:
    """A partial :class:`~ciliumdrift.parse.model.Status` of the lines the metrics cover.

    Sections the metrics say nothing about stay None (compared as "not shown").
    """

    fields: dict[str, Any] = {"format": "metrics", "source": source}
    if metrics.version:
        # The agent is scraped (its metrics are fresh): it runs; its health is not known here.
        fields["cilium"] = CiliumState("Ok", version=metrics.version, message="from metrics")
    if not any(name.startswith(_F) for name, _ in metrics.features):
        return Status(**fields)
    device = metrics.labels(_F + "datapath_config")
    if device:
        mode = device[0].get("operational_mode") or device[0].get("mode")
        if mode:
            fields["device_mode"] = mode
    kpr = metrics.has(_F + "adv_connect_and_lb_kube_proxy_replacement_enabled")
    fields["kube_proxy_replacement"] = KubeProxyReplacement("True" if kpr else "False")
    fields["bandwidth_manager"] = BandwidthManager(
        metrics.has(_F + "adv_connect_and_lb_bandwidth_manager_enabled")
    )
    families = {
        labels.get("address_family")
        for labels in metrics.labels(_F + "adv_connect_and_lb_big_tcp_enabled")
    }
    dual = "ipv4-ipv6-dual-stack" in families
    fields["ipv4_big_tcp"] = BigTcp(dual or "ipv4-only" in families)
    fields["ipv6_big_tcp"] = BigTcp(dual or "ipv6-only" in families)
    encryption = metrics.labels(_F + "adv_connect_and_lb_transparent_encryption")
    if encryption:
        chosen = encryption[0]
        mode = {"ipsec": "IPsec", "wireguard": "Wireguard"}.get(chosen.get("mode", ""), "")
        node2node = chosen.get("node2node_enabled")
        fields["encryption"] = Encryption(
            mode or chosen.get("mode", "Unknown"),
            node_encryption=(node2node == "true") if mode == "Wireguard" and node2node else None,
        )
    else:
        fields["encryption"] = Encryption("Disabled")
    network = metrics.labels(_F + "datapath_network")
    if network:
        mode = network[0].get("mode", "")
        if mode.startswith("overlay-"):
            fields["routing"] = Routing(None, "Tunnel", mode.removeprefix("overlay-"))
        elif mode == "direct-routing":
            fields["routing"] = Routing(None, "Native")
    chaining = metrics.labels(_F + "datapath_chaining_enabled")
    if chaining and chaining[0].get("mode"):
        fields["cni_chaining"] = chaining[0]["mode"]
    firewall = metrics.has(_F + "network_policies_host_firewall_enabled")
    fields["host_firewall"] = HostFirewall("Enabled" if firewall else "Disabled")
    return Status(**fields)


def kernel_from_metrics(metrics: NodeMetrics) -> str | None:
    found = metrics.labels(_F + "datapath_kernel_version")
    version = found[0].get("version") if found else None
    return version if version and version != "unknown" else None


# -- the collection -----------------------------------------------------------------------------


def collect_with_prometheus(
    source: PrometheusSource,
    options: Any,
    *,
    access: Any = None,
    sample: int | None = None,
    cancel: threading.Event | None = None,
) -> LiveResult:
    """The cluster's layers from the API server, the agents' config from Prometheus, and
    ``cilium-dbg status`` by exec only on the nodes that need it."""

    per_group = DEFAULT_SAMPLE if sample is None else sample
    if per_group < 0:
        raise CollectionError(f"--sample must be 0 or more, not {per_group}")
    # Prometheus answers while the API server lists the pods and nodes (each takes about a
    # second at 5,000 nodes): the queries run on their own thread, the gather waits for them.
    # A daemon thread: a Prometheus that hangs is bounded by its timeout, never waited on.
    fleet: Future[tuple[list[dict[str, Any]], ...]] = Future()

    def read() -> None:
        try:
            fleet.set_result(read_fleet(source))
        except BaseException as error:  # handed to the gather, which raises it
            fleet.set_exception(error)

    threading.Thread(target=read, name="prometheus", daemon=True).start()
    features: Sequence[Mapping[str, Any]] = ()
    deltas: Sequence[Mapping[str, Any]] = ()
    versions: Sequence[Mapping[str, Any]] = ()
    notes: list[Diagnostic] = []

    def gather(
        access: Any,
        pods: Sequence[AgentPod],
        nodes: Mapping[str, NodeFacts],
        options: Any,
        stop: threading.Event,
        parse: Any,
    ) -> list[AgentResult]:
        nonlocal features, deltas, versions
        features, deltas, versions = fleet.result()
        resolver = NodeResolver(pods, nodes)
        metrics, unmatched = node_metrics(features, deltas, versions, resolver)
        chosen, reasons = _exec_plan(pods, metrics, per_group)
        # The drift checker's delta is in the metrics: no `metrics list` exec where it is.
        known = {
            p.name
            for p in pods
            if p.name in chosen and metrics.get(p.node or "", _NONE).drift_delta is not None
        }
        execed = {
            a.pod.name: a
            for a in collect_agents(
                access, [p for p in pods if p.name in chosen], options, stop, parse, known
            )
        }
        results = []
        shared: dict[tuple[Any, ...], Any] = {}  # one Status per set of identical metrics
        for pod in pods:
            node_metric = metrics.get(pod.node or "")
            if pod.name in execed:
                result = execed[pod.name]
                if node_metric is not None and node_metric.drift_delta is not None:
                    result = replace(result, drift_delta=node_metric.drift_delta)
                results.append(result)
                continue
            assert node_metric is not None  # every pod without metrics is exec'd
            signature = (node_metric.features, node_metric.version)
            status = shared.get(signature)
            if status is None:
                status = shared[signature] = status_from_metrics(
                    node_metric, f"prometheus {source.shown}"
                )
            results.append(
                AgentResult(
                    pod,
                    status_command=("prometheus",),
                    drift_delta=node_metric.drift_delta,
                    status=status,
                    version=node_metric.version,
                    error=None if pod.ready else f"not Ready: agent pod {pod.namespace}/{pod.name}",
                )
            )
        notes.append(
            Diagnostic(
                f"Prometheus {source.shown}: metrics for {len(metrics):,} of {len(pods):,} "
                f"agents ({len(features):,} feature series"
                + (f", {unmatched:,} matched no node" if unmatched else "")
                + f"); cilium-dbg status exec'd on {len(chosen):,} node(s): "
                + "; ".join(f"{count:,} {why}" for why, count in reasons.items() if count),
                code="live-prometheus",
            )
        )
        if metrics and len(metrics) < len(pods):
            missing = [p.node or p.name for p in pods if (p.node or "") not in metrics]
            notes.append(
                Diagnostic(
                    f"Prometheus has no metrics for {len(missing):,} agent(s) (not scraped?): "
                    + ", ".join(missing[:10])
                    + (f" and {len(missing) - 10:,} more" if len(missing) > 10 else ""),
                    code="live-prometheus",
                )
            )
        return results

    live = collect(options, access=access, cancel=cancel, gather=gather)
    kernels = _metric_kernels(live, features, deltas, versions)
    if kernels:
        observations = tuple(
            replace(o, kernel=kernels.get(o.name or ""))
            if o.kernel is None and kernels.get(o.name or "")
            else o
            for o in live.observations
        )
        live = replace(live, observations=observations)
    return replace(
        live,
        diagnostics=(*live.diagnostics, *notes),
        source=f"{live.source}; Prometheus {source.shown}",
    )


def _metric_kernels(
    live: LiveResult,
    features: Sequence[Mapping[str, Any]],
    deltas: Sequence[Mapping[str, Any]],
    versions: Sequence[Mapping[str, Any]],
) -> dict[str, str]:
    if all(o.kernel for o in live.observations):
        return {}
    resolver = NodeResolver([a.pod for a in live.agents], {n.name: n for n in live.nodes})
    metrics, _ = node_metrics(features, deltas, versions, resolver)
    return {node: k for node, m in metrics.items() if (k := kernel_from_metrics(m))}


def _exec_plan(
    pods: Sequence[AgentPod], metrics: Mapping[str, NodeMetrics], per_group: int
) -> tuple[set[str], dict[str, int]]:
    """Which agents get ``cilium-dbg status``, and why (for the report)."""
    chosen: set[str] = set()
    reasons = {
        "without feature metrics": 0,
        "whose drift checker counts a delta": 0,
        f"as a sample (up to {per_group} per group of identical metrics)": 0,
    }
    groups: dict[tuple[Any, ...], list[AgentPod]] = {}
    for pod in sorted(pods, key=lambda p: p.node or p.name):
        found = metrics.get(pod.node or "")
        if found is None or not any(n.startswith(_F) for n, _ in found.features):
            chosen.add(pod.name)
            reasons["without feature metrics"] += 1
        elif (found.drift_delta or 0) > 0:
            chosen.add(pod.name)
            reasons["whose drift checker counts a delta"] += 1
        else:
            groups.setdefault(found.signature(), []).append(pod)
    for members in groups.values():
        for pod in members[:per_group]:
            chosen.add(pod.name)
            reasons[f"as a sample (up to {per_group} per group of identical metrics)"] += 1
    return chosen, reasons
