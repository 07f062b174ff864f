"""The observed state: one typed, frozen model for every form of `cilium status`.

Modes and states keep the spelling the agent's text output uses (``Native``, ``BPF``,
``IPTables``, ``Legacy TC``, ``netkit``); the JSON form is mapped to the same spellings so
that a status read from text and one read from ``-o json`` compare equal.
Every section is None when the status did not contain it (a fragment, an older agent).
"""

from __future__ import annotations

from typing import Any

from ciliumdrift.model import Diagnostic
from ciliumdrift.records import record


@record(slots=True)
class StateMessage:
    """A ``<state> <message>`` line (KVStore, Kubernetes, health daemon, ContainerRuntime)."""

    state: str
    message: str = ""


@record(slots=True)
class KubernetesStatus:
    state: str
    version: str | None = None  # "1.34"
    git_version: str | None = None  # "v1.34.2"
    platform: str | None = None  # "linux/amd64"
    message: str = ""
    apis: tuple[str, ...] | None = None


@record(slots=True)
class KprDevice:
    name: str
    addresses: tuple[str, ...] = ()
    direct_routing: bool = False


@record(slots=True)
class KubeProxyReplacement:
    mode: str  # True | False | Strict | Partial | Disabled | Probe
    devices: tuple[KprDevice, ...] = ()

    @property
    def direct_routing_device(self) -> str | None:
        return next((d.name for d in self.devices if d.direct_routing), None)


@record(slots=True)
class HostFirewall:
    mode: str  # Enabled | Disabled
    devices: tuple[str, ...] = ()


@record(slots=True)
class SRv6:
    enabled: bool
    encap_mode: str | None = None


@record(slots=True)
class CiliumState:
    state: str  # Ok | Warning | Failure | Disabled
    version: str | None = None  # "1.18.4"
    git_revision: str | None = None  # "v1.18.4-afda2aa9"
    message: str = ""


@record(slots=True)
class NodeMonitor:
    enabled: bool
    cpus: int | None = None
    pages: int | None = None
    page_size: int | None = None
    lost: int | None = None
    unknown: int | None = None


@record(slots=True)
class IpamFamily:
    family: str  # IPv4 | IPv6
    used: int | None = None
    total: int | None = None
    cidr: str | None = None


@record(slots=True)
class AllocatedAddress:
    address: str
    owner: str


@record(slots=True)
class Ipam:
    families: tuple[IpamFamily, ...] = ()
    allocated: tuple[AllocatedAddress, ...] = ()
    message: str = ""

    def family(self, name: str) -> IpamFamily | None:
        return next((f for f in self.families if f.family == name), None)


@record(slots=True)
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
    other_counts: tuple[
        tuple[str, int], ...
    ] = ()  # counters newer agents add ("MCS-API service exports")


@record(slots=True)
class ClusterMesh:
    ready: int
    total: int
    global_services: int | None = None
    clusters: tuple[RemoteCluster, ...] = ()


@record(slots=True)
class BigTcp:
    enabled: bool
    max_gro: int | None = None
    max_gso: int | None = None


@record(slots=True)
class BandwidthManager:
    enabled: bool
    mode: str | None = None  # "EDT with BPF"
    congestion_control: str | None = None  # BBR | CUBIC
    devices: tuple[str, ...] = ()


@record(slots=True)
class Routing:
    """``Routing:`` (1.16+) or ``Host Routing:`` (1.14/1.15, where network is None)."""

    host: str | None  # BPF | Legacy
    network: str | None = None  # Native | Tunnel
    tunnel_protocol: str | None = None  # vxlan | geneve


@record(slots=True)
class Masquerading:
    mode: str  # BPF | IPTables | Enabled | Disabled
    ip_masq_agent: bool = False
    devices: tuple[str, ...] = ()
    cidrs: tuple[str, ...] = ()
    ipv4: bool | None = None
    ipv6: bool | None = None


@record(slots=True)
class ClockSource:
    mode: str  # ktime | jiffies
    hertz: int | None = None


@record(slots=True)
class Controller:
    name: str
    last_success: str | None = None
    last_error: str | None = None
    failure_count: int = 0
    message: str = ""


@record(slots=True)
class ControllerStatus:
    healthy: int
    total: int
    controllers: tuple[Controller, ...] = ()


@record(slots=True)
class Redirect:
    protocol: str
    name: str
    port: int | None = None


@record(slots=True)
class ProxyStatus:
    enabled: bool  # False for "No managed proxy redirect"
    ip: str | None = None
    redirects: int | None = None
    port_range: str | None = None
    envoy: str | None = None  # embedded | external
    message: str = ""
    redirect_table: tuple[Redirect, ...] = ()


@record(slots=True)
class IdentityRange:
    minimum: int | None
    maximum: int | None


@record(slots=True)
class Hubble:
    state: str  # Ok | Warning | Failure | Disabled
    message: str = ""
    current_flows: int | None = None
    max_flows: int | None = None
    fill_percent: float | None = None
    flows_per_second: float | None = None
    metrics_state: str | None = None


@record(slots=True)
class WireguardInterface:
    name: str
    public_key: str | None = None
    port: int | None = None
    peers: int | None = None


@record(slots=True)
class Encryption:
    mode: str  # Disabled | IPsec | Wireguard
    node_encryption: bool | None = None
    interfaces: tuple[WireguardInterface, ...] = ()
    message: str = ""


@record(slots=True)
class HealthProbe:
    """One verbose connectivity line: ``ICMP to stack:   OK, RTT=145.787µs   (Last probed: …)``."""

    path: str  # Host | Endpoint | Secondary Host | Secondary Endpoint
    address: str
    check: str  # "ICMP to stack" | "HTTP to agent"
    ok: bool
    result: str  # "OK, RTT=145.787µs" or the error text
    rtt: str | None = None
    last_probed: str | None = None


@record(slots=True)
class HealthNode:
    name: str
    reachable: bool | None = None
    address: str | None = None
    endpoints: str | None = None
    details: tuple[str, ...] = ()
    localhost: bool = False
    host: str | None = None  # the Node cell as printed: reachable | unreachable | unknown | 1/1
    secondary_addresses: tuple[str, ...] = ()
    probes: tuple[HealthProbe, ...] = ()  # verbose per-node connectivity lines


@record(slots=True)
class ClusterHealth:
    reachable: int | None = None
    total: int | None = None
    probe_time: str | None = None
    probe_interval: str | None = None
    message: str = ""  # "Probe disabled", warnings
    nodes: tuple[HealthNode, ...] = ()
    nodes_elided: bool = False  # the agent printed "..." after 10 rows


@record(slots=True)
class ModuleHealth:
    path: str
    state: str
    message: str = ""
    age: str | None = None
    count: int | None = None  # the "x3" of "(57s, x3)": how often the status was reported


@record(slots=True)
class ModulesHealth:
    stopped: int | None = None
    degraded: int | None = None
    ok: int | None = None
    unknown: int | None = None
    modules: tuple[ModuleHealth, ...] = ()
    message: str = ""  # an error instead of the counters ("no health payload detected")


@record(slots=True)
class BpfMap:
    name: str
    size: int | None = None


@record(slots=True)
class BpfMapSizing:
    """``BPF Maps:   dynamic sizing: on (ratio: 0.002500)``."""

    dynamic: bool
    ratio: float | None = None


@record(slots=True)
class KprService:
    """One ``- NodePort:   Enabled (Range: 30000-32767)`` row of the KPR details."""

    name: str
    enabled: bool | None
    detail: str | None = None  # "Range: 30000-32767"


@record(slots=True)
class Nat46x64:
    enabled: bool
    services: bool | None = None
    gateway: bool | None = None
    prefixes: tuple[str, ...] = ()


@record(slots=True)
class KprDetails:
    """``KubeProxyReplacement Details:`` (verbose), or ``features`` of the JSON."""

    status: str | None = None
    socket_lb: bool | None = None
    socket_lb_tracing: bool | None = None
    socket_lb_coverage: str | None = None  # Full | Hostns-only
    socket_lb_protocols: str | None = None  # <=1.11
    devices: tuple[KprDevice, ...] = ()
    mode: str | None = None  # SNAT | DSR | Hybrid
    dsr_dispatch_mode: str | None = None  # IP Option/Extension | IPIP | Geneve
    backend_selection: str | None = None  # Random | Maglev
    maglev_table_size: int | None = None
    session_affinity: bool | None = None
    graceful_termination: bool | None = None
    nat46x64: Nat46x64 | None = None
    xdp_acceleration: str | None = None  # Disabled | Native | Generic | Best-Effort
    services: tuple[KprService, ...] = ()
    annotations: tuple[str, ...] = ()
    other: tuple[tuple[str, str], ...] = ()  # labels this parser does not know, kept verbatim


@record(slots=True)
class SummaryWorkload:
    """A ``DaemonSet   cilium   Desired: 3, Ready: 3/3, Available: 3/3`` row of the CLI summary."""

    kind: str  # DaemonSet | Deployment
    name: str
    desired: int | None = None
    ready: int | None = None
    available: int | None = None
    unavailable: int | None = None
    text: str = ""


@record(slots=True)
class SummaryContainer:
    name: str
    states: tuple[tuple[str, int], ...] = ()  # ("Running", 3), ("Pending", 1)


@record(slots=True)
class SummaryImage:
    container: str
    image: str
    count: int | None = None
    version: str | None = None  # "1.18.6" when the tag is a release tag


@record(slots=True)
class SummaryProblem:
    """A row of the ``Errors:`` / ``Warnings:`` block of a failing CLI summary."""

    severity: str  # error | warning
    component: str
    name: str
    message: str


@record(slots=True)
class CliSummary:
    """What the cilium-cli ``cilium status`` (with the ASCII logo) says about the installation."""

    components: tuple[tuple[str, str], ...] = ()  # ("Cilium", "OK"), ("Hubble Relay", "disabled")
    workloads: tuple[SummaryWorkload, ...] = ()
    containers: tuple[SummaryContainer, ...] = ()
    cluster_pods_managed: int | None = None
    cluster_pods_total: int | None = None
    helm_chart_version: str | None = None
    images: tuple[SummaryImage, ...] = ()
    problems: tuple[SummaryProblem, ...] = ()
    errors: tuple[str, ...] = ()  # "Error: Unable to determine status: …" printed before the logo

    def component(self, name: str) -> str | None:
        return next((state for label, state in self.components if label == name), None)


@record(slots=True)
class ConfigView:
    """``cilium config view``, ``cilium-dbg config`` or the cilium-config ConfigMap: key/value."""

    kind: str  # config-view | agent-config | configmap
    entries: tuple[tuple[str, str], ...] = ()

    def get(self, key: str) -> str | None:
        return next((value for name, value in self.entries if name == key), None)


@record(slots=True)
class StructuredExtra:
    """Fields of the ``-o json`` / ``-o yaml`` payload that the text output never prints."""

    node: str | None = None  # cluster.self as the agent spells it ("default/kind-worker")
    client_id: int | None = None
    auth_certificate_provider: StateMessage | None = None
    ipsec_keys_in_use: int | None = None
    unknown_keys: tuple[str, ...] = ()


@record(slots=True)
class StatusLine:
    """One labelled line as it stood in the input, for reports and unknown-line warnings."""

    label: str
    value: str
    line: int


@record
class Status:
    """One agent's status, from whatever form the user had.

    ``format`` is one of ``text``, ``text-verbose``, ``json``, ``yaml``, ``cli-summary``,
    ``fragment``, ``config-view``, ``configmap``. ``kpr_details`` is a :class:`KprDetails`;
    ``extra`` is a :class:`CliSummary`, :class:`ConfigView` or :class:`StructuredExtra`.
    ``truncated`` is True when the output stops after ``Encryption:`` because
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
    bpf_map_sizing: BpfMapSizing | None = None


_STATUS_DEFAULTS: dict[str, Any] = {
    name: getattr(Status, name) for name in Status.__dataclass_fields__ if name != "format"
}
_STATUS_FIELDS = frozenset(Status.__dataclass_fields__)


def build_status(fields: dict[str, Any]) -> Status:
    """``Status(**fields)`` at a tenth of the cost, for the parsers' hot path.

    A frozen dataclass sets each of its 40-odd fields through ``object.__setattr__``; the
    parsers build one Status per input (thousands per second from a fleet), so they fill the
    instance dict in one step instead. The result is indistinguishable from the constructor's
    (tests compare them); a field name Status does not have is a TypeError, as there.
    """
    if "format" not in fields or not fields.keys() <= _STATUS_FIELDS:
        return Status(**fields)  # raises the constructor's own TypeError
    status = object.__new__(Status)
    object.__setattr__(status, "__dict__", {"format": "", **_STATUS_DEFAULTS, **fields})
    return status
