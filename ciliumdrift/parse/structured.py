"""The agent's ``cilium status -o json`` / ``-o yaml``: the /healthz ``StatusResponse``.

Mapped to the same model and spellings as the text output (``iptables`` -> ``IPTables``,
``tcx`` -> ``TCX``, ``tc`` -> ``Legacy TC``, ``native`` -> ``Native``), so a status read from
JSON and one read from text compare equal where both say the same thing. Go omits false,
zero and empty fields (``omitempty``): a missing ``enabledProtocols.ipv6`` is False.
Values of the wrong JSON type become warnings, never exceptions.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ciliumdrift import limits
from ciliumdrift.errors import InputError, StatusParseError
from ciliumdrift.load.plain import load_plain
from ciliumdrift.model import Diagnostic, Position
from ciliumdrift.parse import values
from ciliumdrift.parse.model import (
    AllocatedAddress,
    BandwidthManager,
    BigTcp,
    BpfMap,
    BpfMapSizing,
    CiliumState,
    ClockSource,
    ClusterMesh,
    ConfigView,
    Controller,
    ControllerStatus,
    Encryption,
    HostFirewall,
    Hubble,
    IdentityRange,
    Ipam,
    KprDetails,
    KprDevice,
    KprService,
    KubeProxyReplacement,
    KubernetesStatus,
    Masquerading,
    Nat46x64,
    NodeMonitor,
    ProxyStatus,
    Redirect,
    RemoteCluster,
    Routing,
    SRv6,
    StateMessage,
    Status,
    StructuredExtra,
    WireguardInterface,
)
from ciliumdrift.parse.prepare import SourceLine, prepare
from ciliumdrift.regex import lazy_pattern

_N = TypeVar("_N", int, float)

#: Top-level keys of StatusResponse (1.14 - 1.20); others are reported as unknown.
KNOWN_KEYS = frozenset(
    {
        "attach-mode",
        "auth-certificate-provider",
        "bandwidth-manager",
        "bpf-maps",
        "cilium",
        "client-id",
        "clock-source",
        "cluster",
        "cluster-mesh",
        "cni-chaining",
        "cni-file",
        "container-runtime",
        "controllers",
        "configured-datapath-mode",
        "datapath-mode",
        "encryption",
        "host-firewall",
        "host-routing",
        "hubble",
        "hubble-metrics",
        "identity-range",
        "ipam",
        "ipv4-big-tcp",
        "ipv6-big-tcp",
        "kube-proxy-replacement",
        "kubernetes",
        "kvstore",
        "masquerading",
        "nodeMonitor",
        "proxy",
        "routing",
        "srv6",
        "stale",
    }
)
#: Keys every full payload has; with them present, a missing optional section means "off".
_FULL_PAYLOAD = ("kubernetes", "kube-proxy-replacement")
_ATTACH_MODES = {"tc": "Legacy TC", "tcx": "TCX"}
_CAPITALISED = {
    "native": "Native",
    "tunnel": "Tunnel",
    "bpf": "BPF",
    "legacy": "Legacy",
    "iptables": "IPTables",
}
_ZERO_TIME = "0001-01-01T00:00:00"
_DURATION_PART = lazy_pattern(r"([0-9]*\.?[0-9]+)(ns|us|µs|μs|ms|s|m|h)")
_DURATION_SECONDS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "μs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}
#: ``{`` or a JSON array; not ``[root@node ~]# kubectl …``, a prompt that starts with a bracket.
JSON_START = lazy_pattern(r'\{|\[\s*(?:$|[\[{"\]\d-]|true|false|null)')
#: YAML nodes of one ``-o yaml`` status (thousands of controllers, ~10 nodes each).
STATUS_YAML_NODES = 300_000
#: Walking a hostile YAML alias graph must stay bounded.
_MAX_NODES = 200_000


class _Budget:
    def __init__(self) -> None:
        self.left = _MAX_NODES

    def spend(self) -> None:
        self.left -= 1
        if self.left < 0:
            raise ValueError("document too large")


@dataclass
class _Reader:
    """Typed access to one payload; wrong types become diagnostics."""

    source: str
    #: The line of each top-level key, or how to find them (only a warning needs them).
    key_lines: dict[str, int] | Callable[[], dict[str, int]]
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def warn(self, path: str, message: str) -> None:
        top = path.split(".")[0]
        if callable(self.key_lines):
            self.key_lines = self.key_lines()
        line = self.key_lines.get(top, 1)
        self.diagnostics.append(
            Diagnostic(f"{path}: {message}", Position(self.source, line, 1), "status-json-value")
        )

    def mapping(self, data: Mapping[str, Any], key: str, path: str) -> dict[str, Any] | None:
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.warn(f"{path}{key}", f"expected an object, got {type(value).__name__}")
            return None
        return value

    def items(self, data: Mapping[str, Any], key: str, path: str) -> list[Any]:
        value = data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.warn(f"{path}{key}", f"expected a list, got {type(value).__name__}")
            return []
        return value

    def text(self, data: Mapping[str, Any], key: str, path: str) -> str | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.warn(f"{path}{key}", f"expected a string, got {type(value).__name__}")
            return None
        return str(value)

    def number(self, data: Mapping[str, Any], key: str, path: str) -> int | None:
        return self._numeric(data, key, path, int)

    def real(self, data: Mapping[str, Any], key: str, path: str) -> float | None:
        return self._numeric(data, key, path, float)

    def _numeric(
        self, data: Mapping[str, Any], key: str, path: str, convert: Callable[[Any], _N]
    ) -> _N | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            self.warn(f"{path}{key}", f"expected a number, got {type(value).__name__}")
            return None
        try:
            return convert(value)
        except (ValueError, OverflowError):
            self.warn(f"{path}{key}", f"expected a number, got {value!r}")
            return None

    def flag(self, data: Mapping[str, Any], key: str, path: str) -> bool:
        value = data.get(key)
        if value is None:
            return False
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        self.warn(f"{path}{key}", f"expected true or false, got {value!r}")
        return False

    def texts(self, data: Mapping[str, Any], key: str, path: str) -> tuple[str, ...]:
        out = []
        for item in self.items(data, key, path):
            if isinstance(item, (str, int, float)) and not isinstance(item, bool):
                out.append(str(item))
            else:
                self.warn(f"{path}{key}", f"expected strings, got {type(item).__name__}")
        return tuple(out)


def parse_json_text(text: str, source: str) -> Status | None:
    """The fast path for ``-o json`` as the agent prints it: the text is the JSON document.

    None when it is not (invalid JSON, not a status object): the caller then takes the
    general path, which finds the JSON inside a paste and reports errors with positions.
    """
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or not KNOWN_KEYS & data.keys():
        return None

    def key_lines() -> dict[str, int]:
        return _key_lines(list(prepare(text, source).lines), '"')

    return _Mapper(_Reader(source, key_lines), data).status("json")


def parse_json(lines: list[SourceLine], source: str) -> Status:
    start = next(i for i, line in enumerate(lines) if JSON_START.match(line.text))
    body = lines[start:]
    text = "\n".join(" " * line.indent + line.text for line in body)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        line = body[min(error.lineno, len(body)) - 1]
        raise StatusParseError(
            f"not valid JSON: {error.msg}",
            Position(source, line.number, max(error.colno - line.indent, 0) + line.column - 1 or 1),
        ) from None
    key_lines = _key_lines(body, '"')
    return _from_payload(data, lines, start, key_lines, source, "json")


def parse_yaml(lines: list[SourceLine], source: str) -> Status:
    """``cilium status -o yaml``, through the one bounded YAML reader (per-file node and
    alias budget, no excerpt in messages)."""

    body = [line for line in lines]
    text = "\n".join(" " * line.indent + line.text for line in body)

    # A status is larger than a values file (a controller is ~10 nodes): its own budget.
    budget = limits.current()
    try:
        with limits.override(yaml_nodes=max(budget.yaml_nodes, STATUS_YAML_NODES)):
            data = load_plain(text, source, limit=len(text.encode("utf-8", "replace")) + 1)
    except InputError as error:
        row = error.position.line - 1 if error.position is not None else 0
        line = body[min(max(row, 0), len(body) - 1)] if body else None
        raise StatusParseError(
            f"not valid YAML: {error.message}",
            Position(source, line.number, line.column) if line else Position(source, 1, 1),
        ) from None
    data = _plain(data, _Budget())
    return _from_payload(data, lines, 0, _key_lines(body, ""), source, "yaml")


def _plain(value: Any, budget: _Budget) -> Any:
    """YAML nodes -> JSON-like values, with a bound on the work (aliases may repeat)."""
    budget.spend()
    if isinstance(value, dict):
        return {str(k): _plain(v, budget) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v, budget) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def _key_lines(body: list[SourceLine], quote: str) -> dict[str, int]:
    """Line of each top-level key, for warnings (the first line that names it)."""
    found: dict[str, int] = {}
    depth = min((line.indent for line in body if line.text and line.text[0] not in "{}"), default=0)
    for line in body:
        if line.indent != depth or not line.text.startswith(quote):
            continue
        key = line.text[len(quote) :].partition(quote + ":")[0]
        found.setdefault(key, line.number)
    return found


def _from_payload(
    data: Any,
    lines: list[SourceLine],
    start: int,
    key_lines: dict[str, int],
    source: str,
    kind: str,
) -> Status:
    first = lines[start]
    position = Position(source, first.number, first.column)
    if isinstance(data, dict) and data.get("kind") == "ConfigMap":
        return _configmap(data, source)
    if not isinstance(data, dict):
        raise StatusParseError(
            f"the {kind.upper()} is not an object, so not a cilium status payload", position
        )
    if not KNOWN_KEYS & set(data):
        raise StatusParseError(
            f"the {kind.upper()} object has none of the keys of the agent's status "
            "(kvstore, kubernetes, cilium, …)",
            position,
        )
    reader = _Reader(source, key_lines)
    for line in lines[:start]:
        if line.text:
            reader.diagnostics.append(
                Diagnostic(
                    f"skipped a line before the {kind.upper()}: {line.text[:80]}",
                    Position(source, line.number, line.column),
                    "status-skipped-line",
                )
            )
    status = _Mapper(reader, data).status(kind)
    return status


def _configmap(data: dict[str, Any], source: str) -> Status:
    entries = data.get("data")
    pairs = []
    if isinstance(entries, dict):
        pairs = [(str(k), "" if v is None else str(v)) for k, v in entries.items()]
    return Status(
        format="configmap",
        source=source,
        extra=ConfigView(kind="configmap", entries=tuple(pairs)),
    )


def go_duration_seconds(text: str) -> float | None:
    """``1m36.566274746s`` -> 96.566274746; None when it is not a Go duration."""
    text = text.strip()
    if not text:
        return None
    total = 0.0
    position = 0
    for match in _DURATION_PART.finditer(text):
        if match.start() != position:
            return None
        total += float(match[1]) * _DURATION_SECONDS[match[2]]
        position = match.end()
    return total if position == len(text) else None


class _Mapper:
    def __init__(self, reader: _Reader, data: dict[str, Any]) -> None:
        self.r = reader
        self.data = data
        self.full = all(key in data for key in _FULL_PAYLOAD)

    def status(self, kind: str) -> Status:
        data = self.data
        unknown = tuple(sorted(key for key in data if key not in KNOWN_KEYS))
        for key in unknown:
            self.r.warn(key, "unknown key kept unread")
        kpr, kpr_details = self.kube_proxy_replacement()
        cluster = self.r.mapping(data, "cluster", "") or {}
        self_node = self.r.text(cluster, "self", "cluster.")
        extra = StructuredExtra(
            node=self_node,
            client_id=self.r.number(data, "client-id", ""),
            auth_certificate_provider=self.state(data, "auth-certificate-provider"),
            ipsec_keys_in_use=self.ipsec_keys(),
            unknown_keys=unknown,
        )
        return Status(
            format=kind,
            source=self.r.source,
            node=self_node.rsplit("/", 1)[-1] if self_node else None,
            kvstore=self.state(data, "kvstore"),
            container_runtime=self.state(data, "container-runtime"),
            kubernetes=self.kubernetes(),
            kube_proxy_replacement=kpr,
            host_firewall=self.host_firewall(),
            srv6=self.srv6(),
            cni_chaining=self.cni_chaining(),
            cni_config=self.cni_config(),
            cilium=self.cilium(),
            stale=self.stale(),
            node_monitor=self.node_monitor(),
            health_daemon=self.state(cluster, "ciliumHealth", "cluster."),
            ipam=self.ipam(),
            cluster_mesh=self.cluster_mesh(),
            ipv4_big_tcp=self.big_tcp("ipv4-big-tcp"),
            ipv6_big_tcp=self.big_tcp("ipv6-big-tcp"),
            bandwidth_manager=self.bandwidth_manager(),
            routing=self.routing(),
            attach_mode=self.attach_mode(),
            device_mode=self.device_mode(data),
            masquerading=self.masquerading(kpr),
            clock_source=self.clock_source(),
            controllers=self.controllers(),
            proxy=self.proxy(),
            identity_range=self.identity_range(),
            hubble=self.hubble(),
            kpr_details=kpr_details,
            bpf_maps=self.bpf_maps(),
            bpf_map_sizing=self.bpf_map_sizing(),
            encryption=self.encryption(),
            diagnostics=tuple(self.r.diagnostics),
            extra=extra,
        )

    # -- small sections

    def state(self, data: Mapping[str, Any], key: str, path: str = "") -> StateMessage | None:
        obj = self.r.mapping(data, key, path)
        if obj is None:
            return None
        return StateMessage(
            state=self.r.text(obj, "state", f"{path}{key}.") or "",
            message=values.squash(self.r.text(obj, "msg", f"{path}{key}.") or ""),
        )

    def kubernetes(self) -> KubernetesStatus | None:
        obj = self.r.mapping(self.data, "kubernetes", "")
        if obj is None:
            return None
        state = self.r.text(obj, "state", "kubernetes.") or ""
        problems: list[str] = []
        parsed = values.kubernetes(
            f"{state} {self.r.text(obj, 'msg', 'kubernetes.') or ''}", problems
        )
        apis = self.r.texts(obj, "k8s-api-versions", "kubernetes.")
        if state == "Disabled":
            return parsed
        return KubernetesStatus(
            state=parsed.state,
            version=parsed.version,
            git_version=parsed.git_version,
            platform=parsed.platform,
            message=parsed.message,
            apis=tuple(sorted(a for a in apis if a)),
        )

    def kube_proxy_replacement(self) -> tuple[KubeProxyReplacement | None, KprDetails | None]:
        obj = self.r.mapping(self.data, "kube-proxy-replacement", "")
        if obj is None:
            return None, None
        path = "kube-proxy-replacement."
        direct = self.r.text(obj, "directRoutingDevice", path)
        devices = []
        for entry in self.r.items(obj, "deviceList", path):
            if not isinstance(entry, dict):
                self.r.warn(f"{path}deviceList", "expected objects")
                continue
            name = self.r.text(entry, "name", f"{path}deviceList.") or ""
            addresses = tuple(a for a in self.r.texts(entry, "ip", f"{path}deviceList.") if a)
            devices.append(KprDevice(name=name, addresses=addresses, direct_routing=name == direct))
        if not devices:
            devices = [
                KprDevice(name=name, direct_routing=name == direct)
                for name in self.r.texts(obj, "devices", path)
            ]
        kpr = KubeProxyReplacement(
            mode=self.r.text(obj, "mode", path) or "", devices=tuple(devices)
        )
        features = self.r.mapping(obj, "features", path)
        details = self.kpr_details(kpr, features, obj) if features is not None else None
        return kpr, details

    def kpr_details(
        self, kpr: KubeProxyReplacement, features: dict[str, Any], obj: dict[str, Any]
    ) -> KprDetails:
        path = "kube-proxy-replacement.features."
        r = self.r

        def enabled(key: str) -> bool | None:
            sub = r.mapping(features, key, path)
            return None if sub is None else r.flag(sub, "enabled", f"{path}{key}.")

        node_port = r.mapping(features, "nodePort", path) or {}
        np_on = r.flag(node_port, "enabled", f"{path}nodePort.")
        algorithm = r.text(node_port, "algorithm", f"{path}nodePort.")
        acceleration = r.text(node_port, "acceleration", f"{path}nodePort.")
        services = [KprService("ClusterIP", True)]
        port_min = r.number(node_port, "portMin", f"{path}nodePort.")
        port_max = r.number(node_port, "portMax", f"{path}nodePort.")
        services.append(
            KprService(
                "NodePort",
                np_on,
                f"Range: {port_min}-{port_max}" if np_on and port_min is not None else None,
            )
        )
        services.append(KprService("LoadBalancer", np_on))
        services.append(KprService("externalIPs", enabled("externalIPs")))
        services.append(KprService("HostPort", enabled("hostPort")))
        nat = r.mapping(features, "nat46X64", path)
        nat_details = None
        if nat is not None and not r.flag(nat, "enabled", f"{path}nat46X64."):
            nat_details = Nat46x64(enabled=False)
        elif nat is not None:
            service = r.mapping(nat, "service", f"{path}nat46X64.") or {}
            gateway = r.mapping(nat, "gateway", f"{path}nat46X64.") or {}
            nat_details = Nat46x64(
                enabled=r.flag(nat, "enabled", f"{path}nat46X64."),
                services=r.flag(service, "enabled", f"{path}nat46X64.service."),
                gateway=r.flag(gateway, "enabled", f"{path}nat46X64.gateway."),
                prefixes=r.texts(gateway, "prefixes", f"{path}nat46X64.gateway."),
            )
        hostns_only = r.flag(features, "bpfSocketLBHostnsOnly", path)
        return KprDetails(
            status=kpr.mode,
            socket_lb=enabled("socketLB"),
            socket_lb_tracing=enabled("socketLBTracing"),
            socket_lb_coverage="Hostns-only" if hostns_only else "Full",
            devices=kpr.devices,
            mode=r.text(node_port, "mode", f"{path}nodePort.") if np_on else None,
            dsr_dispatch_mode=r.text(node_port, "dsrMode", f"{path}nodePort."),
            backend_selection=algorithm if np_on else None,
            maglev_table_size=(
                r.number(node_port, "lutSize", f"{path}nodePort.")
                if algorithm == "Maglev"
                else None
            ),
            session_affinity=enabled("sessionAffinity"),
            graceful_termination=enabled("gracefulTermination"),
            nat46x64=nat_details,
            xdp_acceleration=("Disabled" if acceleration == "None" else acceleration)
            if np_on
            else None,
            services=tuple(services),
            annotations=tuple(sorted(r.texts(features, "annotations", path))),
        )

    def host_firewall(self) -> HostFirewall | None:
        obj = self.r.mapping(self.data, "host-firewall", "")
        if obj is None:
            return None
        return HostFirewall(
            mode=self.r.text(obj, "mode", "host-firewall.") or "",
            devices=self.r.texts(obj, "devices", "host-firewall."),
        )

    def srv6(self) -> SRv6 | None:
        obj = self.r.mapping(self.data, "srv6", "")
        if obj is None:
            return None
        on = self.r.flag(obj, "enabled", "srv6.")
        return SRv6(
            enabled=on, encap_mode=self.r.text(obj, "srv6EncapMode", "srv6.") if on else None
        )

    def cni_chaining(self) -> str | None:
        obj = self.r.mapping(self.data, "cni-chaining", "")
        if obj is None:
            return None
        return self.r.text(obj, "mode", "cni-chaining.") or "none"

    def cni_config(self) -> str | None:
        obj = self.r.mapping(self.data, "cni-file", "")
        if obj is None:
            return None
        return values.squash(self.r.text(obj, "msg", "cni-file.") or "")

    def cilium(self) -> CiliumState | None:
        obj = self.r.mapping(self.data, "cilium", "")
        if obj is None:
            return None
        state = self.r.text(obj, "state", "cilium.") or ""
        message = self.r.text(obj, "msg", "cilium.") or ""
        return values.cilium(f"{state}   {message}", [])

    def stale(self) -> str | None:
        obj = self.r.mapping(self.data, "stale", "")
        if not obj:
            return None
        return ", ".join(f'"{probe}" since {obj[probe]}' for probe in sorted(obj))

    def node_monitor(self) -> NodeMonitor | None:
        obj = self.r.mapping(self.data, "nodeMonitor", "")
        if obj is None:
            return NodeMonitor(enabled=False) if self.full else None
        path = "nodeMonitor."
        return NodeMonitor(
            enabled=True,
            cpus=self.r.number(obj, "cpus", path),
            pages=self.r.number(obj, "npages", path),
            page_size=self.r.number(obj, "pagesize", path),
            lost=self.r.number(obj, "lost", path) or None,
            unknown=self.r.number(obj, "unknown", path) or None,
        )

    def ipam(self) -> Ipam | None:
        obj = self.r.mapping(self.data, "ipam", "")
        if obj is None:
            return None
        families, message = values.ipam(self.r.text(obj, "status", "ipam.") or "", [])
        allocations = self.r.mapping(obj, "allocations", "ipam.") or {}
        allocated = tuple(
            AllocatedAddress(address=str(ip), owner=str(owner))
            for ip, owner in sorted(allocations.items())
        )
        return Ipam(families=families, allocated=allocated, message=message)

    def cluster_mesh(self) -> ClusterMesh | None:
        obj = self.r.mapping(self.data, "cluster-mesh", "")
        if obj is None:
            return None
        clusters = []
        for entry in self.r.items(obj, "clusters", "cluster-mesh."):
            if isinstance(entry, dict):
                clusters.append(self.remote_cluster(entry))
        return ClusterMesh(
            ready=sum(1 for c in clusters if c.ready),
            total=len(clusters),
            global_services=self.r.number(obj, "num-global-services", "cluster-mesh.") or 0,
            clusters=tuple(clusters),
        )

    def remote_cluster(self, entry: dict[str, Any]) -> RemoteCluster:
        path = "cluster-mesh.clusters."
        r = self.r
        status = r.text(entry, "status", path)
        return RemoteCluster(
            name=r.text(entry, "name", path) or "",
            ready=r.flag(entry, "ready", path),
            nodes=r.number(entry, "num-nodes", path) or 0,
            endpoints=r.number(entry, "num-endpoints", path) or 0,
            identities=r.number(entry, "num-identities", path) or 0,
            services=r.number(entry, "num-shared-services", path) or 0,
            failures=r.number(entry, "num-failures", path) or 0,
            last_failure=r.text(entry, "last-failure", path),
            details=(status,) if status else (),
        )

    def big_tcp(self, key: str) -> BigTcp | None:
        obj = self.r.mapping(self.data, key, "")
        if obj is None:
            return None
        on = self.r.flag(obj, "enabled", f"{key}.")
        if not on:
            return BigTcp(enabled=False)
        return BigTcp(
            enabled=True,
            max_gro=self.r.number(obj, "maxGRO", f"{key}."),
            max_gso=self.r.number(obj, "maxGSO", f"{key}."),
        )

    def bandwidth_manager(self) -> BandwidthManager | None:
        obj = self.r.mapping(self.data, "bandwidth-manager", "")
        if obj is None:
            return None
        path = "bandwidth-manager."
        if not self.r.flag(obj, "enabled", path):
            return BandwidthManager(enabled=False)
        congestion = self.r.text(obj, "congestionControl", path)
        return BandwidthManager(
            enabled=True,
            mode="EDT with BPF",
            congestion_control=congestion.upper() if congestion else None,
            devices=self.r.texts(obj, "devices", path),
        )

    def routing(self) -> Routing | None:
        obj = self.r.mapping(self.data, "routing", "")
        if obj is not None:
            network = _spell(self.r.text(obj, "inter-host-routing-mode", "routing."))
            protocol = self.r.text(obj, "tunnel-protocol", "routing.")
            return Routing(
                host=_spell(self.r.text(obj, "intra-host-routing-mode", "routing.")),
                network=network,
                tunnel_protocol=protocol if network == "Tunnel" and protocol else None,
            )
        legacy = self.r.mapping(self.data, "host-routing", "")
        if legacy is None:
            return None
        return Routing(host=_spell(self.r.text(legacy, "mode", "host-routing.")))

    def device_mode(self, data: Mapping[str, Any]) -> str | None:
        """``datapath-mode``, with 1.20's ``configured-datapath-mode`` as the text prints it
        when they differ (``veth [Configured: auto]``, cilium/cilium PR #43062)."""
        mode = self.r.text(data, "datapath-mode", "")
        configured = self.r.text(data, "configured-datapath-mode", "")
        if mode and configured and configured != mode:
            return f"{mode} [Configured: {configured}]"
        return mode

    def attach_mode(self) -> str | None:
        mode = self.r.text(self.data, "attach-mode", "")
        return _ATTACH_MODES.get(mode, mode) if mode else None

    def masquerading(self, kpr: KubeProxyReplacement | None) -> Masquerading | None:
        obj = self.r.mapping(self.data, "masquerading", "")
        if obj is None:
            return None
        path = "masquerading."
        protocols = self.r.mapping(obj, "enabledProtocols", path)
        if protocols is None:
            return Masquerading(mode="Enabled" if self.r.flag(obj, "enabled", path) else "Disabled")
        ipv4 = self.r.flag(protocols, "ipv4", f"{path}enabledProtocols.")
        ipv6 = self.r.flag(protocols, "ipv6", f"{path}enabledProtocols.")
        if not ipv4 and not ipv6:
            return Masquerading(mode="Disabled")
        mode = _spell(self.r.text(obj, "mode", path)) or ""
        if mode != "BPF":
            return Masquerading(mode=mode, ipv4=ipv4, ipv6=ipv6)
        v4 = self.r.text(obj, "snat-exclusion-cidr-v4", path) or self.r.text(
            obj, "snat-exclusion-cidr", path
        )
        v6 = self.r.text(obj, "snat-exclusion-cidr-v6", path)
        return Masquerading(
            mode=mode,
            ip_masq_agent=self.r.flag(obj, "ip-masq-agent", path),
            devices=tuple(device.name for device in kpr.devices) if kpr else (),
            cidrs=tuple(cidr for cidr in (v4, v6) if cidr),
            ipv4=ipv4,
            ipv6=ipv6,
        )

    def clock_source(self) -> ClockSource | None:
        obj = self.r.mapping(self.data, "clock-source", "")
        if obj is None:
            return None
        mode = self.r.text(obj, "mode", "clock-source.") or ""
        hertz = self.r.number(obj, "hertz", "clock-source.")
        return ClockSource(mode=mode, hertz=hertz if mode == "jiffies" and hertz else None)

    def controllers(self) -> ControllerStatus | None:
        entries = self.r.items(self.data, "controllers", "")
        if "controllers" not in self.data:
            return None
        rows = []
        for entry in entries:
            fast = _controller(entry)
            if fast is not None:
                rows.append(fast)
                continue
            if not isinstance(entry, dict):
                self.r.warn("controllers", "expected objects")
                continue
            status = self.r.mapping(entry, "status", "controllers.") or {}
            path = "controllers.status."
            rows.append(
                Controller(
                    name=self.r.text(entry, "name", "controllers.") or "",
                    last_success=_time(self.r.text(status, "last-success-timestamp", path)),
                    last_error=_time(self.r.text(status, "last-failure-timestamp", path)),
                    failure_count=self.r.number(status, "consecutive-failure-count", path) or 0,
                    message=values.squash(self.r.text(status, "last-failure-msg", path) or "")
                    or "no error",
                )
            )
        rows.sort(key=lambda row: row.name)
        return ControllerStatus(
            healthy=sum(1 for row in rows if row.failure_count == 0),
            total=len(rows),
            controllers=tuple(rows),
        )

    def proxy(self) -> ProxyStatus | None:
        obj = self.r.mapping(self.data, "proxy", "")
        if obj is None:
            if self.full:
                return ProxyStatus(enabled=False, message="No managed proxy redirect")
            return None
        path = "proxy."
        redirects = []
        for entry in self.r.items(obj, "redirects", path):
            if isinstance(entry, dict):
                redirects.append(
                    Redirect(
                        protocol=self.r.text(entry, "proxy", f"{path}redirects.") or "",
                        name=self.r.text(entry, "name", f"{path}redirects.") or "",
                        port=self.r.number(entry, "proxy-port", f"{path}redirects."),
                    )
                )
        return ProxyStatus(
            enabled=True,
            ip=self.r.text(obj, "ip", path),
            redirects=self.r.number(obj, "total-redirects", path) or 0,
            port_range=self.r.text(obj, "port-range", path),
            envoy=self.r.text(obj, "envoy-deployment-mode", path),
            redirect_table=tuple(redirects),
        )

    def identity_range(self) -> IdentityRange | None:
        obj = self.r.mapping(self.data, "identity-range", "")
        if obj is None:
            return None
        return IdentityRange(
            minimum=self.r.number(obj, "min-identity", "identity-range."),
            maximum=self.r.number(obj, "max-identity", "identity-range."),
        )

    def hubble(self) -> Hubble | None:
        obj = self.r.mapping(self.data, "hubble", "")
        if obj is None:
            return None
        path = "hubble."
        observer = self.r.mapping(obj, "observer", path) or {}
        current = self.r.number(observer, "current-flows", f"{path}observer.")
        maximum = self.r.number(observer, "max-flows", f"{path}observer.")
        seen = self.r.number(observer, "seen-flows", f"{path}observer.")
        uptime = go_duration_seconds(self.r.text(observer, "uptime", f"{path}observer.") or "")
        metrics = self.r.mapping(self.data, "hubble-metrics", "") or self.r.mapping(
            obj, "metrics", path
        )
        fill = None
        if maximum:
            fill = round((current or 0) * 100 / maximum, 2)
        return Hubble(
            state=self.r.text(obj, "state", path) or "",
            message=values.squash(self.r.text(obj, "msg", path) or ""),
            current_flows=(current or 0) if maximum else None,
            max_flows=maximum or None,
            fill_percent=fill,
            flows_per_second=round((seen or 0) / uptime, 2) if uptime else None,
            metrics_state=self.r.text(metrics, "state", "hubble-metrics.") if metrics else None,
        )

    def bpf_maps(self) -> tuple[BpfMap, ...] | None:
        obj = self.r.mapping(self.data, "bpf-maps", "")
        if obj is None:
            return None
        rows = []
        for entry in self.r.items(obj, "maps", "bpf-maps."):
            if isinstance(entry, dict):
                rows.append(
                    BpfMap(
                        name=self.r.text(entry, "name", "bpf-maps.maps.") or "",
                        size=self.r.number(entry, "size", "bpf-maps.maps."),
                    )
                )
        return tuple(rows)

    def bpf_map_sizing(self) -> BpfMapSizing | None:
        obj = self.r.mapping(self.data, "bpf-maps", "")
        if obj is None:
            return None
        ratio = self.r.real(obj, "dynamic-size-ratio", "bpf-maps.")
        dynamic = ratio is not None and 0 < ratio <= 1
        return BpfMapSizing(dynamic=dynamic, ratio=ratio if dynamic else None)

    def encryption(self) -> Encryption | None:
        obj = self.r.mapping(self.data, "encryption", "")
        if obj is None:
            return None
        path = "encryption."
        mode = self.r.text(obj, "mode", path) or ""
        message = values.squash(self.r.text(obj, "msg", path) or "")
        wireguard = self.r.mapping(obj, "wireguard", path)
        if message or wireguard is None or mode != "Wireguard":
            return Encryption(mode=mode, message=message)
        interfaces = []
        for entry in self.r.items(wireguard, "interfaces", f"{path}wireguard."):
            if isinstance(entry, dict):
                sub = f"{path}wireguard.interfaces."
                interfaces.append(
                    WireguardInterface(
                        name=self.r.text(entry, "name", sub) or "",
                        public_key=self.r.text(entry, "public-key", sub),
                        port=self.r.number(entry, "listen-port", sub) or 0,
                        peers=self.r.number(entry, "peer-count", sub) or 0,
                    )
                )
        node = self.r.text(wireguard, "node-encryption", f"{path}wireguard.")
        return Encryption(
            mode=mode,
            node_encryption=node == "Enabled" if node else None,
            interfaces=tuple(interfaces),
        )

    def ipsec_keys(self) -> int | None:
        encryption = self.r.mapping(self.data, "encryption", "")
        ipsec = self.r.mapping(encryption, "ipsec", "encryption.") if encryption else None
        return self.r.number(ipsec, "keys-in-use", "encryption.ipsec.") if ipsec else None


def _controller(entry: Any) -> Controller | None:
    """One controller as the agent writes it (every field of the type it should have), or None.

    Agents report hundreds of controllers, so the common shape is read without the
    per-field checks; anything else takes the checked path, which warns about it.
    """
    if type(entry) is not dict:
        return None
    name = entry.get("name")
    status = entry.get("status")
    if type(name) is not str or type(status) is not dict:
        return None
    success = status.get("last-success-timestamp")
    failure = status.get("last-failure-timestamp")
    count = status.get("consecutive-failure-count", 0)
    message = status.get("last-failure-msg")
    if (
        (success is not None and type(success) is not str)
        or (failure is not None and type(failure) is not str)
        or (count is not None and type(count) is not int)
        or (message is not None and type(message) is not str)
    ):
        return None
    return Controller(
        name,
        None if not success or success.startswith(_ZERO_TIME) else success,
        None if not failure or failure.startswith(_ZERO_TIME) else failure,
        count or 0,
        (" ".join(message.split()) if message else "") or "no error",
    )


def _spell(value: str | None) -> str | None:
    if value is None:
        return None
    return _CAPITALISED.get(value.lower(), value)


def _time(value: str | None) -> str | None:
    """Go's zero time means never."""
    if not value or value.startswith(_ZERO_TIME):
        return None
    return value
