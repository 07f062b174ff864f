"""A real Prometheus server for the tests, loaded with agent metrics as a TSDB block.

Rather than scraping thousands of targets, the metrics the agents of a fake fleet would
export are written as OpenMetrics (timestamps a minute ago, inside the default 5-minute
lookback of an instant query) and turned into a block with ``promtool tsdb
create-blocks-from openmetrics``; ``prometheus`` then serves that storage on 127.0.0.1 on a
free port. The label layout is the one the Cilium chart's ServiceMonitor produces (``node``
from ``__meta_kubernetes_pod_node_name``, plus the operator's ``pod``, ``instance``, ``job``,
``namespace``, ``service``, ``endpoint``), and every feature gauge is registered at 0 for all
its values with the active one at 1, as the agent does (``NewMetrics(true)``).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

INSTALL_HINT = (
    "prometheus and promtool are not installed: apt-get install -y prometheus "
    "(the Debian package; .ci/run installs it)"
)

# (metric, label name, every value the agent registers) for the gauges with a mode label
_MODES: dict[str, tuple[str, tuple[str, ...]]] = {
    "cilium_feature_datapath_network": (
        "mode",
        ("overlay-vxlan", "overlay-geneve", "direct-routing"),
    ),
    "cilium_feature_datapath_config": ("mode", ("veth", "netkit", "netkit-l2")),
    "cilium_feature_controlplane_ipam": (
        "mode",
        ("kubernetes", "crd", "eni", "azure", "cluster-pool", "multi-pool"),
    ),
    "cilium_feature_datapath_chaining_enabled": (
        "mode",
        ("none", "aws-cni", "calico", "flannel", "generic-veth", "portmap"),
    ),
    "cilium_feature_datapath_internet_protocol": (
        "address_family",
        ("ipv4-only", "ipv6-only", "ipv4-ipv6-dual-stack"),
    ),
    "cilium_feature_adv_connect_and_lb_big_tcp_enabled": (
        "address_family",
        ("ipv4-only", "ipv6-only", "ipv4-ipv6-dual-stack"),
    ),
}
_FLAGS = (
    "cilium_feature_adv_connect_and_lb_kube_proxy_replacement_enabled",
    "cilium_feature_adv_connect_and_lb_bandwidth_manager_enabled",
    "cilium_feature_network_policies_host_firewall_enabled",
    "cilium_feature_adv_connect_and_lb_egress_gateway_enabled",
    "cilium_feature_datapath_endpoint_routes_enabled",
)


@dataclass
class AgentMetrics:
    """What one agent exports (the seed cluster's config unless changed)."""

    node: str
    pod: str
    ip: str
    version: str = "1.18.4"
    modes: dict[str, str] = field(
        default_factory=lambda: {
            "cilium_feature_datapath_network": "direct-routing",
            "cilium_feature_datapath_config": "netkit",
            "cilium_feature_controlplane_ipam": "kubernetes",
            "cilium_feature_datapath_chaining_enabled": "none",
            "cilium_feature_datapath_internet_protocol": "ipv4-only",
        }
    )
    flags: set[str] = field(
        default_factory=lambda: {
            "cilium_feature_adv_connect_and_lb_kube_proxy_replacement_enabled",
            "cilium_feature_adv_connect_and_lb_bandwidth_manager_enabled",
        }
    )
    drift_delta: float = 0.0
    kernel: str = "6.18.0-talos"
    features: bool = True  # False: an agent older than the feature metrics (1.16)


def openmetrics(agents: Iterable[AgentMetrics], at: float) -> str:
    """The agents' series as one OpenMetrics exposition (families grouped, ``# EOF``)."""
    families: dict[str, list[str]] = {}

    def add(name: str, labels: Mapping[str, str], value: float, agent: AgentMetrics) -> None:
        target = {
            "node": agent.node,
            "pod": agent.pod,
            "instance": f"{agent.ip}:9962",
            "job": "cilium-agent",
            "namespace": "kube-system",
            "service": "cilium-agent",
            "endpoint": "metrics",
        }
        text = ",".join(f'{k}="{v}"' for k, v in {**labels, **target}.items())
        families.setdefault(name, []).append(f"{name}{{{text}}} {value:g} {at:.3f}")

    for agent in agents:
        add(
            "cilium_version",
            {"version": agent.version, "revision": "afda2aa9", "arch": "amd64"},
            0,
            agent,
        )
        if not agent.features:
            continue
        for name, (label, values) in _MODES.items():
            active = agent.modes.get(name)
            for value in values:
                add(name, {label: value}, 1 if value == active else 0, agent)
        for name in _FLAGS:
            add(name, {}, 1 if name in agent.flags else 0, agent)
        add("cilium_feature_datapath_kernel_version", {"version": agent.kernel}, 1, agent)
        add("cilium_drift_checker_config_delta", {}, agent.drift_delta, agent)
    out = []
    for name, lines in families.items():
        out.append(f"# TYPE {name} gauge")
        out.extend(lines)
    out.append("# EOF")
    return "\n".join(out) + "\n"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def installed() -> bool:
    return shutil.which("prometheus") is not None and shutil.which("promtool") is not None


@contextmanager
def prometheus(
    agents: Iterable[AgentMetrics], workdir: Path, *, lookback: str = "5m"
) -> Iterator[str]:
    """A running Prometheus holding the agents' metrics; yields its base URL.

    The samples are a minute old when it starts: an instant query sees them for the
    lookback (Prometheus' default 5m, as in a cluster). A benchmark that runs longer passes
    a longer ``lookback`` (``--query.lookback-delta``) rather than going stale midway.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    source = workdir / "agents.om.txt"
    storage = workdir / "data"
    source.write_text(openmetrics(agents, time.time() - 60), encoding="utf-8")
    subprocess.run(
        ["promtool", "tsdb", "create-blocks-from", "openmetrics", str(source), str(storage)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    config = workdir / "prometheus.yml"
    config.write_text("global:\n  scrape_interval: 1m\n", encoding="utf-8")
    port = free_port()
    log = (workdir / "prometheus.log").open("wb")
    process = subprocess.Popen(
        [
            "prometheus",
            f"--config.file={config}",
            f"--storage.tsdb.path={storage}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--storage.tsdb.retention.time=1d",
            f"--query.lookback-delta={lookback}",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/-/ready", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    "prometheus did not start: " + (workdir / "prometheus.log").read_text()[-2000:]
                )
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
