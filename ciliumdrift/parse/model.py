"""The observed state: one typed, frozen model for every form of `cilium status`.

Modes and states keep the spelling the agent's text output uses (``Native``, ``BPF``,
``IPTables``, ``Legacy TC``, ``netkit``); the JSON form is mapped to the same spellings so
that a status read from text and one read from ``-o json`` compare equal.
Every section is None when the status did not contain it (a fragment, an older agent).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ciliumdrift.model import Diagnostic


@dataclass(frozen=True, slots=True)
class StateMessage:
    """A ``<state> <message>`` line (KVStore, Kubernetes, health daemon, ContainerRuntime)."""

    state: str
    message: str = ""


@dataclass(frozen=True, slots=True)
class KubernetesStatus:
    state: str
    version: str | None = None  # "1.34"
    git_version: str | None = None  # "v1.34.2"
    platform: str | None = None  # "linux/amd64"
    message: str = ""
    apis: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class KprDevice:
    name: str
    addresses: tuple[str, ...] = ()
    direct_routing: bool = False


@dataclass(frozen=True, slots=True)
class KubeProxyReplacement:
    mode: str  # True | False | Strict | Partial | Disabled | Probe
    devices: tuple[KprDevice, ...] = ()

    @property
    def direct_routing_device(self) -> str | None:
        return next((d.name for d in self.devices if d.direct_routing), None)


@dataclass(frozen=True, slots=True)
class HostFirewall:
    mode: str  # Enabled | Disabled
    devices: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SRv6:
    enabled: bool
    encap_mode: str | None = None


@dataclass(frozen=True, slots=True)
class CiliumState:
    state: str  # Ok | Warning | Failure | Disabled
    version: str | None = None  # "1.18.4"
    git_revision: str | None = None  # "v1.18.4-afda2aa9"
    message: str = ""


@dataclass(frozen=True, slots=True)
class NodeMonitor:
    enabled: bool
    cpus: int | None = None
    pages: int | None = None
    page_size: int | None = None
    lost: int | None = None
    unknown: int | None = None


@dataclass(frozen=True, slots=True)
class IpamFamily:
    family: str  # IPv4 | IPv6
    used: int | None = None
    total: int | None = None
    cidr: str | None = None


@dataclass(frozen=True, slots=True)
class AllocatedAddress:
    address: str
    owner: str


@dataclass(frozen=True, slots=True)
class Ipam:
    families: tuple[IpamFamily, ...] = ()
    allocated: tuple[AllocatedAddress, ...] = ()
    message: str = ""

    def family(self, name: str) -> IpamFamily | None:
        return next((f for f in self.families if f.family == name), None)


@dataclass(frozen=True, slots=True)
class RemoteCluster:
    name: str
    ready: bool
    nodes: int | None = None
    endpoints: int | None = None
    identities: int | None = None
    services: int | None = None
    failures: int | None = None
    last_failure: str | None = None
    details: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ClusterMesh:
    ready: int
    total: int
    global_services: int | None = None
    clusters: tuple[RemoteCluster, ...] = ()


@dataclass(frozen=True, slots=True)
class BigTcp:
    enabled: bool
    max_gro: int | None = None
    max_gso: int | None = None


@dataclass(frozen=True, slots=True)
class BandwidthManager:
    enabled: bool
    mode: str | None = None  # "EDT with BPF"
    congestion_control: str | None = None  # BBR | CUBIC
    devices: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Routing:
    """``Routing:`` (1.16+) or ``Host Routing:`` (1.14/1.15, where network is None)."""

    host: str | None  # BPF | Legacy
    network: str | None = None  # Native | Tunnel
    tunnel_protocol: str | None = None  # vxlan | geneve


@dataclass(frozen=True, slots=True)
class Masquerading:
    mode: str  # BPF | IPTables | Enabled | Disabled
    ip_masq_agent: bool = False
    devices: tuple[str, ...] = ()
    cidrs: tuple[str, ...] = ()
    ipv4: bool | None = None
    ipv6: bool | None = None


@dataclass(frozen=True, slots=True)
class ClockSource:
    mode: str  # ktime | jiffies
    hertz: int | None = None


@dataclass(frozen=True, slots=True)
class Controller:
    name: str
    last_success: str | None = None
    last_error: str | None = None
    failure_count: int = 0
    message: str = ""


@dataclass(frozen=True, slots=True)
class ControllerStatus:
    healthy: int
    total: int
    controllers: tuple[Controller, ...] = ()


@dataclass(frozen=True, slots=True)
class Redirect:
    protocol: str
    name: str
    port: int | None = None


@dataclass(frozen=True, slots=True)
class ProxyStatus:
    enabled: bool  # False for "No managed proxy redirect"
    ip: str | None = None
    redirects: int | None = None
    port_range: str | None = None
    envoy: str | None = None  # embedded | external
    message: str = ""
    redirect_table: tuple[Redirect, ...] = ()


@dataclass(frozen=True, slots=True)
class IdentityRange:
    minimum: int | None
    maximum: int | None


@dataclass(frozen=True, slots=True)
class Hubble:
    state: str  # Ok | Warning | Failure | Disabled
    message: str = ""
    current_flows: int | None = None
    max_flows: int | None = None
    fill_percent: float | None = None
    flows_per_second: float | None = None
    metrics_state: str | None = None


@dataclass(frozen=True, slots=True)
class WireguardInterface:
    name: str
    public_key: str | None = None
    port: int | None = None
    peers: int | None = None


@dataclass(frozen=True, slots=True)
class Encryption:
    mode: str  # Disabled | IPsec | Wireguard
    node_encryption: bool | None = None
    interfaces: tuple[WireguardInterface, ...] = ()
    message: str = ""


@dataclass(frozen=True, slots=True)
class HealthNode:
    name: str
    reachable: bool | None = None
    address: str | None = None
    endpoints: str | None = None
    details: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ClusterHealth:
    reachable: int | None = None
    total: int | None = None
    probe_time: str | None = None
    probe_interval: str | None = None
    message: str = ""  # "Probe disabled", warnings
    nodes: tuple[HealthNode, ...] = ()


@dataclass(frozen=True, slots=True)
class ModuleHealth:
    path: str
    state: str
    message: str = ""
    age: str | None = None


@dataclass(frozen=True, slots=True)
class ModulesHealth:
    stopped: int | None = None
    degraded: int | None = None
    ok: int | None = None
    unknown: int | None = None
    modules: tuple[ModuleHealth, ...] = ()


@dataclass(frozen=True, slots=True)
class BpfMap:
    name: str
    size: int | None = None


@dataclass(frozen=True, slots=True)
class StatusLine:
    """One labelled line as it stood in the input, for reports and unknown-line warnings."""

    label: str
    value: str
    line: int


@dataclass(frozen=True)
class Status:
    """One agent's status, from whatever form the user had.

    ``format`` is one of ``text``, ``text-verbose``, ``json``, ``yaml``, ``cli-summary``,
    ``fragment``. ``truncated`` is True when the output stops after ``Encryption:`` because
    Cilium was not Ok. ``lines`` keeps every labelled line in input order.
    """

    format: str
    source: str | None = None
    node: str | None = None
    kvstore: StateMessage | None = None
    container_runtime: StateMessage | None = None
    kubernetes: KubernetesStatus | None = None
    kube_proxy_replacement: KubeProxyReplacement | None = None
    host_firewall: HostFirewall | None = None
    srv6: SRv6 | None = None
    cni_chaining: str | None = None
    cni_config: str | None = None
    cilium: CiliumState | None = None
    stale: str | None = None
    node_monitor: NodeMonitor | None = None
    health_daemon: StateMessage | None = None
    ipam: Ipam | None = None
    cluster_mesh: ClusterMesh | None = None
    ipv4_big_tcp: BigTcp | None = None
    ipv6_big_tcp: BigTcp | None = None
    bandwidth_manager: BandwidthManager | None = None
    routing: Routing | None = None
    attach_mode: str | None = None  # TCX | Legacy TC
    device_mode: str | None = None  # veth | netkit | netkit-l2
    masquerading: Masquerading | None = None
    clock_source: ClockSource | None = None
    controllers: ControllerStatus | None = None
    proxy: ProxyStatus | None = None
    identity_range: IdentityRange | None = None
    hubble: Hubble | None = None
    kpr_details: Any = None  # parse-owned structure for `KubeProxyReplacement Details:`
    bpf_maps: tuple[BpfMap, ...] | None = None
    encryption: Encryption | None = None
    cluster_health: ClusterHealth | None = None
    modules_health: ModulesHealth | None = None
    truncated: bool = False
    lines: tuple[StatusLine, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    extra: Any = None  # format-specific leftovers (cli-summary tables, JSON-only fields)
