"""The value of each ``cilium status`` line, read into its typed section.

Every reader takes the value text (after ``Label:``) and a ``problems`` list. It always
returns its section, as complete as the text allows, and appends a short reason to
``problems`` for each part it could not read, so the caller can report the line instead of
dropping it. Readers never rely on column offsets: tabwriter padding, trimmed trailing
spaces and spaces collapsed by a chat tool all read the same. All patterns are anchored or
free of nested quantifiers, so each reader is linear in the length of its line.
"""

from __future__ import annotations

import re

from ciliumdrift.parse.model import (
    BandwidthManager,
    BigTcp,
    BpfMapSizing,
    CiliumState,
    ClockSource,
    ClusterHealth,
    ClusterMesh,
    ControllerStatus,
    Encryption,
    HostFirewall,
    Hubble,
    IdentityRange,
    IpamFamily,
    KprDevice,
    KubeProxyReplacement,
    KubernetesStatus,
    Masquerading,
    ModulesHealth,
    NodeMonitor,
    ProxyStatus,
    RemoteCluster,
    Routing,
    SRv6,
    StateMessage,
    WireguardInterface,
)
from ciliumdrift.regex import lazy_pattern

Problems = list[str]

STATES = ("Ok", "Warning", "Failure", "Disabled")
DIRECT_ROUTING = "(Direct Routing)"

_K8S_MESSAGE = lazy_pattern(r"(\S+) \((\S+)\) \[([^\]\s]+)\]")
_CILIUM_VERSION = lazy_pattern(r"(\d[^\s()]*) \(([^\s()]+)\)")
_NODE_MONITOR = lazy_pattern(
    r"Listening for events on (\d+) CPUs with (\d+)x(\d+) of shared memory"
)
_NODE_MONITOR_COMMON = lazy_pattern(
    r"Listening for events on (\d+) CPUs with (\d+)x(\d+) of shared memory"
)
_LOST_EVENTS = lazy_pattern(r"(?<!\d)(\d+) events lost, (\d+) unknown notifications")
_IPAM_FAMILY = lazy_pattern(r"(IPv[46]): (\d+)/(\d+) allocated(?: from ([^\s,]+))?")
_MESH_SUMMARY = lazy_pattern(
    r"(?<!\d)(\d+)/(\d+) (?:remote )?clusters ready(?:, (\d+) global-services?)?"
)
_MESH_COUNT = lazy_pattern(r"(\d+) ([^,()]+)")
_BRACKETS = lazy_pattern(r"\[([^\[\]]*)\]")
_ROUTING = lazy_pattern(r"Network: ?(\S+)(?: ?\[([^\]]*)\])?")
_ROUTING_HOST = lazy_pattern(r"Host: ?(\S+)")
_MASQ_PROTOCOLS = lazy_pattern(r"\[IPv4: (\w+), IPv6: (\w+)\]")
_JIFFIES = lazy_pattern(r"\[(\d+) Hz\]")
_HEALTHY = lazy_pattern(r"(?<!\d)(\d+)/(\d+) healthy")
_PROXY_IP = lazy_pattern(r"ip (\S+)")
_PROXY_REDIRECTS = lazy_pattern(r"(?<!\d)(\d+) redirects active on ports (\S+)")
_PROXY_ENVOY = lazy_pattern(r"Envoy: (\S+)")
_IDENTITY_RANGE = lazy_pattern(r"min (\d+), max (\d+)")
_HUBBLE_FLOWS = lazy_pattern(r"Current/Max Flows: (\d+)/(\d+)(?: \(([\d.]+)%\))?")
_HUBBLE_RATE = lazy_pattern(r"Flows/s: ([\d.]+)")
_HUBBLE_METRICS = lazy_pattern(r"Metrics: (\S+)")
_NODE_ENCRYPTION = lazy_pattern(r"NodeEncryption: (\w+)")
_WIREGUARD = lazy_pattern(
    r"(?<![^\s,\[])([^\s,()\[\]]+) \(Pubkey: ([^,()\s]*), Port: (\d+), Peers: (\d+)\)"
)
_REACHABLE = lazy_pattern(r"(\d+)/(\d+) reachable")
_REACHABLE_COMMON = lazy_pattern(
    r"(\d+)/(\d+) reachable +\(([^\s()]+)\)(?: +\(Probe interval: ([^\s()]+)\))?"
)
_PAREN = lazy_pattern(r"\(([^()]*)\)")
_MODULE_COUNT = lazy_pattern(r"(Stopped|Degraded|OK|Unknown)\((\d+)\)")
_BPF_RATIO = lazy_pattern(r"dynamic sizing: (on|off)(?: \(ratio: ([\d.eE+-]+)\))?")
_SRV6_MODE = lazy_pattern(r"\[encap-mode: ([^\]]*)\]")


def squash(text: str) -> str:
    """Collapse whitespace runs: padding is layout, not content."""
    return " ".join(text.split())


def head_and_rest(value: str) -> tuple[str, str]:
    parts = value.split(None, 1)
    if not parts:
        return "", ""
    return parts[0], parts[1] if len(parts) > 1 else ""


def _int(text: str | None) -> int | None:
    return int(text) if text is not None and text.isdecimal() else None


def _float(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def _check_state(state: str, problems: Problems) -> None:
    if state not in STATES:
        problems.append(f"unexpected state {state!r}")


def single_word(value: str, problems: Problems) -> str:
    """``CNI Chaining: none``, ``Device Mode: netkit``: one word."""
    text = squash(value)
    if len(text.split()) != 1:
        problems.append(f"expected one word, got {text!r}")
    return text


_CONFIGURED_MODE = lazy_pattern(r"^[\w-]+ \[Configured: [\w-]+\]$")


def device_mode(value: str, problems: Problems) -> str:
    """``Device Mode: netkit``; 1.20 adds the configured mode when it differs:
    ``veth [Configured: auto]`` (cilium/cilium PR #43062)."""
    text = squash(value)
    if len(text.split()) != 1 and not _CONFIGURED_MODE.match(text):
        problems.append(f"expected a device mode, got {text!r}")
    return text


def attach_mode(value: str, problems: Problems) -> str:
    text = squash(value)
    if text not in ("TCX", "Legacy TC"):
        problems.append(f"unexpected attach mode {text!r}")
    return text


def enabled_flag(text: str, problems: Problems) -> bool | None:
    word = text.split()[0] if text.split() else ""
    if word == "Enabled":
        return True
    if word == "Disabled":
        return False
    problems.append(f"expected Enabled or Disabled, got {text!r}")
    return None


def state_message(value: str, problems: Problems) -> StateMessage:
    """``Ok   Disabled``, ``Disabled``, ``Failure   <error>``."""
    state, rest = head_and_rest(value)
    if not state:
        problems.append("empty value")
    else:
        _check_state(state, problems)
    return StateMessage(state=state, message=squash(rest))


_K8S_COMMON = lazy_pattern(r"Ok +(\S+) \((\S+)\) \[([^\]\s]+)\]")


def kubernetes(value: str, problems: Problems) -> KubernetesStatus:
    common = _K8S_COMMON.fullmatch(value)
    if common is not None:
        return KubernetesStatus(
            state="Ok", version=common[1], git_version=common[2], platform=common[3]
        )
    state, rest = head_and_rest(value)
    _check_state(state, problems)
    message = squash(rest)
    match = _K8S_MESSAGE.fullmatch(message)
    if state == "Ok" and match:
        return KubernetesStatus(
            state=state, version=match[1], git_version=match[2], platform=match[3]
        )
    if state == "Ok" and message:
        problems.append("version not in the '<minor> (<gitVersion>) [<platform>]' form")
    return KubernetesStatus(state=state, message=message)


_QUOTED = lazy_pattern(r'"((?:[^"\\]|\\.)*)"')


def api_list(value: str, problems: Problems) -> tuple[str, ...]:
    """``["a", "b"]`` (sorted by the agent; ``[""]`` when empty)."""
    text = value.strip()
    if text.startswith('["') and text.endswith('"]') and "\\" not in text:
        parts = text[2:-2].split('", "')
        if text.count('"') == 2 * len(parts):
            # Every quote is one of the separators: no name holds one.
            return tuple([name for name in parts if name])
    if not (text.startswith("[") and text.endswith("]")):
        problems.append("API list is not enclosed in [ ]")
    names = tuple(_QUOTED.findall(text))
    if text.count('"') % 2:
        problems.append("unbalanced quotes in the API list")
    return tuple(name for name in names if name)


def device_entries(text: str, problems: Problems) -> tuple[KprDevice, ...]:
    """``eth0   10.0.0.1 fe80::1 (Direct Routing), eth1   10.0.1.1``.

    Since 1.15 the agent puts N+1 spaces between the name and N addresses (it pads the
    address list with N empty strings); splitting on whitespace reads every version alike.
    """
    if "," not in text:
        # One device, as most nodes have: the loop below for a single entry.
        entry = text.strip()
        direct = entry.endswith(DIRECT_ROUTING)
        if direct:
            entry = entry[: -len(DIRECT_ROUTING)]
        words = entry.split()
        if words:
            return (KprDevice(name=words[0], addresses=tuple(words[1:]), direct_routing=direct),)
        if not direct:
            return ()
    devices = []
    for entry in text.split(","):
        entry = entry.strip()
        if not entry:
            continue
        direct = entry.endswith(DIRECT_ROUTING)
        if direct:
            entry = entry[: -len(DIRECT_ROUTING)].strip()
        words = entry.split()
        if not words:
            problems.append("device entry without a name")
            continue
        devices.append(KprDevice(name=words[0], addresses=tuple(words[1:]), direct_routing=direct))
    return tuple(devices)


def _bracketed(rest: str, problems: Problems, what: str) -> str | None:
    rest = rest.strip()
    if not rest:
        return None
    if rest.startswith("[") and rest.endswith("]"):
        return rest[1:-1]
    problems.append(f"{what} is not enclosed in [ ]")
    return rest.strip("[]")


_KPR_COMMON = lazy_pattern(r"(True|False|Strict|Partial|Probe|Disabled)(?: +\[([^\[\]]*)\])?")


def kube_proxy_replacement(value: str, problems: Problems) -> KubeProxyReplacement:
    common = _KPR_COMMON.fullmatch(value)
    if common is not None:
        inner = common[2]
        devices = device_entries(inner, problems) if inner is not None else ()
        return KubeProxyReplacement(mode=common[1], devices=devices)
    mode, rest = head_and_rest(value)
    if mode not in ("True", "False", "Strict", "Partial", "Probe", "Disabled"):
        problems.append(f"unexpected mode {mode!r}")
    inner = _bracketed(rest, problems, "device list")
    devices = device_entries(inner, problems) if inner is not None else ()
    return KubeProxyReplacement(mode=mode, devices=devices)


def name_list(text: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in text.split(",") if name.strip())


def host_firewall(value: str, problems: Problems) -> HostFirewall:
    mode, rest = head_and_rest(value)
    if mode not in ("Enabled", "Disabled"):
        problems.append(f"unexpected mode {mode!r}")
    inner = _bracketed(rest, problems, "device list")
    return HostFirewall(mode=mode, devices=name_list(inner) if inner is not None else ())


def srv6(value: str, problems: Problems) -> SRv6:
    mode, rest = head_and_rest(value)
    match = _SRV6_MODE.search(rest)
    if mode not in ("Enabled", "Disabled"):
        problems.append(f"unexpected SRv6 state {mode!r}")
    if rest and not match:
        problems.append("SRv6 encap mode not in '[encap-mode: <mode>]' form")
    return SRv6(enabled=mode == "Enabled", encap_mode=match[1].strip() if match else None)


_CILIUM_COMMON = lazy_pattern(r"(Ok|Warning|Failure|Disabled) +(\d[^\s()]*) \(([^\s()]+)\)")


def cilium(value: str, problems: Problems) -> CiliumState:
    """``Ok   1.18.4 (v1.18.4-afda2aa9)``, ``Warning   1.17.0 (v…)    Stale status data``."""
    common = _CILIUM_COMMON.fullmatch(value)
    if common is not None:
        return CiliumState(state=common[1], version=common[2], git_revision=common[3])
    state, rest = head_and_rest(value)
    _check_state(state, problems)
    rest = rest.strip()
    match = _CILIUM_VERSION.match(rest)
    if match is None:
        return CiliumState(state=state, message=squash(rest))
    return CiliumState(
        state=state,
        version=match[1],
        git_revision=match[2],
        message=squash(rest[match.end() :]),
    )


def node_monitor(value: str, problems: Problems) -> NodeMonitor:
    common = _NODE_MONITOR_COMMON.fullmatch(value)
    if common is not None:
        return NodeMonitor(
            enabled=True, cpus=int(common[1]), pages=int(common[2]), page_size=int(common[3])
        )
    text = squash(value)
    if text == "Disabled":
        return NodeMonitor(enabled=False)
    match = _NODE_MONITOR.match(text)
    lost = _LOST_EVENTS.search(text)
    if match is None:
        problems.append("not 'Listening for events on N CPUs with PxS of shared memory'")
        return NodeMonitor(enabled=True)
    return NodeMonitor(
        enabled=True,
        cpus=int(match[1]),
        pages=int(match[2]),
        page_size=int(match[3]),
        lost=int(lost[1]) if lost else None,
        unknown=int(lost[2]) if lost else None,
    )


def lost_events(text: str) -> tuple[int, int] | None:
    match = _LOST_EVENTS.fullmatch(squash(text))
    return (int(match[1]), int(match[2])) if match else None


_IPAM_COMMON = lazy_pattern(
    r"(IPv[46]): (\d+)/(\d+) allocated from ([^\s,]+)"
    r"(?:, (IPv[46]): (\d+)/(\d+) allocated from ([^\s,]+))?[ ,]*"
)


def ipam(value: str, problems: Problems) -> tuple[tuple[IpamFamily, ...], str]:
    """``IPv4: 5/254 allocated from 10.0.0.0/24, IPv6: …`` -> (families, leftover message)."""
    common = _IPAM_COMMON.fullmatch(value)
    if common is not None:
        first = IpamFamily(
            family=common[1], used=int(common[2]), total=int(common[3]), cidr=common[4]
        )
        if common[5] is None:
            return (first,), ""
        second = IpamFamily(
            family=common[5], used=int(common[6]), total=int(common[7]), cidr=common[8]
        )
        return (first, second), ""
    families = []
    leftover = []
    position = 0
    for match in _IPAM_FAMILY.finditer(value):
        leftover.append(value[position : match.start()])
        position = match.end()
        families.append(
            IpamFamily(family=match[1], used=int(match[2]), total=int(match[3]), cidr=match[4])
        )
    leftover.append(value[position:])
    if "".join(leftover).strip(" ,"):
        if not families:
            problems.append("no 'IPvN: used/total allocated' part")
        return tuple(families), squash(value).strip(" ,")
    return tuple(families), ""


def cluster_mesh(value: str, problems: Problems) -> ClusterMesh:
    match = _MESH_SUMMARY.search(value)
    if match is None:
        problems.append("not '<ready>/<total> remote clusters ready, <n> global-services'")
        return ClusterMesh(ready=0, total=0)
    return ClusterMesh(ready=int(match[1]), total=int(match[2]), global_services=_int(match[3]))


def remote_cluster(text: str) -> RemoteCluster | None:
    """``c2: ready, 3 nodes, 9 endpoints, 7 identities, 4 services, 0 failures (last: never)``."""
    name, sep, rest = text.partition(": ")
    state, _, rest = rest.partition(",")
    if not sep or state.strip() not in ("ready", "not-ready") or not name.strip():
        return None
    last = None
    cut = rest.rfind("(last:")
    if cut >= 0:
        last = rest[cut + len("(last:") :].strip().rstrip(")").strip()
        rest = rest[:cut]
    counts: dict[str, int] = {}
    others: list[tuple[str, int]] = []
    for part in rest.split(","):
        match = _MESH_COUNT.fullmatch(part.strip())
        if match is None:
            continue
        word = match[2].strip()
        if word in ("nodes", "endpoints", "identities", "services", "failures", "reconnections"):
            counts[word] = int(match[1])
        else:
            others.append((word, int(match[1])))
    return RemoteCluster(
        name=name.strip(),
        ready=state.strip() == "ready",
        nodes=counts.get("nodes"),
        endpoints=counts.get("endpoints"),
        identities=counts.get("identities"),
        services=counts.get("services"),
        failures=counts.get("failures", counts.get("reconnections")),
        last_failure=last,
        other_counts=tuple(others),
    )


def big_tcp(value: str, problems: Problems) -> BigTcp:
    state, rest = head_and_rest(value)
    if state == "Disabled":
        return BigTcp(enabled=False)
    if state != "Enabled":
        problems.append(f"unexpected BIG TCP state {state!r}")
    inner = _bracketed(rest, problems, "GRO/GSO sizes")
    sizes = [_int(size.strip()) for size in inner.split(",")] if inner else []
    if any(size is None for size in sizes) or len(sizes) > 2:
        problems.append("GRO/GSO sizes are not one or two numbers")
        sizes = []
    if len(sizes) == 1:
        return BigTcp(enabled=state == "Enabled", max_gro=sizes[0], max_gso=sizes[0])
    if len(sizes) == 2:
        return BigTcp(enabled=state == "Enabled", max_gro=sizes[0], max_gso=sizes[1])
    return BigTcp(enabled=state == "Enabled")


_BANDWIDTH_COMMON = lazy_pattern(r"EDT with BPF +(?:\[(BBR|CUBIC)\] +)?\[([^\[\]\s]*)\]")


def bandwidth_manager(value: str, problems: Problems) -> BandwidthManager:
    """``EDT with BPF [BBR] [eth0]``; before 1.12 ``EDT with BPF   [eth0]``."""
    common = _BANDWIDTH_COMMON.fullmatch(value)
    if common is not None and (common[1] is not None or common[2] not in ("BBR", "CUBIC")):
        return BandwidthManager(
            enabled=True,
            mode="EDT with BPF",
            congestion_control=common[1],
            devices=name_list(common[2]),
        )
    text = value.strip()
    if text == "Disabled":
        return BandwidthManager(enabled=False)
    cut = text.find("[")
    mode = squash(text if cut < 0 else text[:cut])
    groups = _BRACKETS.findall(text)
    congestion = None
    devices: tuple[str, ...] = ()
    if len(groups) >= 2:
        congestion, devices = groups[0].strip(), name_list(groups[1])
    elif len(groups) == 1 and groups[0].strip().upper() in ("BBR", "CUBIC"):
        congestion = groups[0].strip()
    elif len(groups) == 1:
        devices = name_list(groups[0])
    if not mode:
        problems.append("no bandwidth manager mode")
    return BandwidthManager(
        enabled=True, mode=mode or None, congestion_control=congestion, devices=devices
    )


def host_routing(value: str, problems: Problems) -> Routing:
    mode = squash(value)
    if mode not in ("BPF", "Legacy"):
        problems.append(f"unexpected host routing {mode!r}")
    return Routing(host=mode or None)


_ROUTING_COMMON = lazy_pattern(r"Network: (\S+)(?: \[([^\]\s]*)\])? +Host: (\S+)")


def routing(value: str, problems: Problems) -> Routing:
    """``Network: Tunnel [vxlan]   Host: Legacy``."""
    common = _ROUTING_COMMON.fullmatch(value)
    if common is not None:
        return Routing(host=common[3], network=common[1], tunnel_protocol=common[2] or None)
    text = squash(value)
    network = _ROUTING.search(text)
    host = _ROUTING_HOST.search(text)
    if network is None or host is None:
        problems.append("not 'Network: <mode> [<protocol>]   Host: <mode>'")
    protocol = network[2].strip() if network and network[2] is not None else None
    return Routing(
        host=host[1] if host else None,
        network=network[1] if network else None,
        tunnel_protocol=protocol or None,
    )


_MASQ_COMMON = lazy_pattern(
    r"(BPF|IPTables)(?: +\[([^\[\]()]*)\])?((?: +[^\s\[\]()]+)*)"
    r" *\[IPv4: (Enabled|Disabled), IPv6: (Enabled|Disabled)\]"
)


def masquerading(value: str, problems: Problems) -> Masquerading:
    """``BPF (ip-masq-agent)   [eth0]   10.0.0.0/8  [IPv4: Enabled, IPv6: Disabled]``."""
    common = _MASQ_COMMON.fullmatch(value)
    if common is not None:
        return Masquerading(
            mode=common[1],
            devices=name_list(common[2]) if common[2] is not None else (),
            cidrs=tuple(common[3].split()),
            ipv4=common[4] == "Enabled",
            ipv6=common[5] == "Enabled",
        )
    text = value.strip()
    protocols = None
    for match in _MASQ_PROTOCOLS.finditer(text):
        protocols = match  # the last one: the per-family flags end the line
    body = text[: protocols.start()] if protocols else text
    ip_masq_agent = "(ip-masq-agent)" in body
    body = body.replace("(ip-masq-agent)", " ")
    mode, rest = head_and_rest(body)
    if mode not in ("BPF", "IPTables", "Enabled", "Disabled"):
        problems.append(f"unexpected masquerading mode {mode!r}")
    devices: tuple[str, ...] = ()
    rest = rest.strip()
    if rest.startswith("["):
        close = rest.find("]")
        if close < 0:
            problems.append("unterminated device list")
            close = len(rest)
        devices = name_list(rest[1:close])
        rest = rest[close + 1 :]
    cidrs = tuple(rest.split())
    if protocols is None and mode not in ("Enabled", "Disabled"):
        problems.append("no '[IPv4: …, IPv6: …]' part")
    return Masquerading(
        mode=mode,
        ip_masq_agent=ip_masq_agent,
        devices=devices,
        cidrs=cidrs,
        ipv4=protocols[1] == "Enabled" if protocols else None,
        ipv6=protocols[2] == "Enabled" if protocols else None,
    )


def clock_source(value: str, problems: Problems) -> ClockSource:
    mode, rest = head_and_rest(value)
    hertz = _JIFFIES.search(rest)
    if mode not in ("ktime", "jiffies"):
        problems.append(f"unexpected clock source {mode!r}")
    return ClockSource(mode=mode, hertz=int(hertz[1]) if hertz else None)


def controller_status(value: str, problems: Problems) -> ControllerStatus:
    healthy, _, rest = value.partition("/")
    total, _, word = rest.partition(" ")
    if word == "healthy" and healthy.isdecimal() and total.isdecimal():
        return ControllerStatus(healthy=int(healthy), total=int(total))
    match = _HEALTHY.search(value)
    if match is None:
        problems.append("not '<healthy>/<total> healthy'")
        return ControllerStatus(healthy=0, total=0)
    return ControllerStatus(healthy=int(match[1]), total=int(match[2]))


def proxy_status(value: str, problems: Problems) -> ProxyStatus:
    text = squash(value)
    if text.startswith("No managed proxy"):
        return ProxyStatus(enabled=False, message=text)
    ip = _PROXY_IP.search(text)
    redirects = _PROXY_REDIRECTS.search(text)
    envoy = _PROXY_ENVOY.search(text)
    if not text.startswith("OK") or ip is None or redirects is None:
        problems.append("not 'OK, ip <ip>, <n> redirects active on ports <range>'")
        return ProxyStatus(enabled=True, message=text)
    return ProxyStatus(
        enabled=True,
        ip=ip[1].rstrip(","),
        redirects=int(redirects[1]),
        port_range=redirects[2].rstrip(","),
        envoy=envoy[1] if envoy else None,
    )


def identity_range(value: str, problems: Problems) -> IdentityRange:
    match = _IDENTITY_RANGE.search(value)
    if match is None:
        if squash(value) != "Unknown":
            problems.append("not 'min <n>, max <n>'")
        return IdentityRange(minimum=None, maximum=None)
    return IdentityRange(minimum=int(match[1]), maximum=int(match[2]))


_HUBBLE_COMMON = lazy_pattern(
    r"(Ok|Warning|Failure|Disabled) +Current/Max Flows: (\d+)/(\d+) \((\d+\.\d+)%\), "
    r"Flows/s: (\d+\.\d+)(?: +Metrics: (\S+))?"
)


def hubble(value: str, problems: Problems) -> Hubble:
    """``Ok   Current/Max Flows: 4095/4095 (100.00%), Flows/s: 8.49   Metrics: Disabled``."""
    common = _HUBBLE_COMMON.fullmatch(value)
    if common is not None:
        # The line as every running agent prints it: one match reads all of it.
        return Hubble(
            state=common[1],
            current_flows=int(common[2]),
            max_flows=int(common[3]),
            fill_percent=float(common[4]),
            flows_per_second=float(common[5]),
            metrics_state=common[6],
        )
    text = squash(value)
    cuts = [
        index
        for index in (text.find("Current/Max Flows:"), text.find("Flows/s:"), text.find("Metrics:"))
        if index >= 0
    ]
    head = text[: min(cuts)] if cuts else text
    state, message = head_and_rest(head)
    _check_state(state, problems)
    flows = _HUBBLE_FLOWS.search(text)
    rate = _HUBBLE_RATE.search(text)
    metrics = _HUBBLE_METRICS.search(text)
    return Hubble(
        state=state,
        message=message.strip().rstrip(","),
        current_flows=int(flows[1]) if flows else None,
        max_flows=int(flows[2]) if flows else None,
        fill_percent=_float(flows[3]) if flows else None,
        flows_per_second=_float(rate[1]) if rate else None,
        metrics_state=metrics[1] if metrics else None,
    )


def encryption(value: str, problems: Problems) -> Encryption:
    """``Wireguard   [NodeEncryption: Disabled, cilium_wg0 (Pubkey: …, Port: 51871, Peers: 2)]``."""
    mode, rest = head_and_rest(value)
    if mode not in ("Disabled", "IPsec", "Wireguard"):
        problems.append(f"unexpected encryption mode {mode!r}")
    rest = rest.strip()
    if not (rest.startswith("[") and rest.endswith("]")):
        return Encryption(mode=mode, message=squash(rest))
    node = _NODE_ENCRYPTION.search(rest)
    interfaces = tuple(
        WireguardInterface(name=m[1], public_key=m[2], port=int(m[3]), peers=int(m[4]))
        for m in _WIREGUARD.finditer(rest)
    )
    if node is None and not interfaces:
        return Encryption(mode=mode, message=squash(rest))
    return Encryption(
        mode=mode,
        node_encryption=node[1] == "Enabled" if node else None,
        interfaces=interfaces,
    )


def cluster_health(value: str, problems: Problems) -> ClusterHealth:
    """``3/3 reachable   (2025-12-27T10:45:53Z)   (Probe interval: 1m56.754608943s)``."""
    common = _REACHABLE_COMMON.fullmatch(value)
    if common is not None:
        return ClusterHealth(
            reachable=int(common[1]),
            total=int(common[2]),
            probe_time=common[3],
            probe_interval=common[4],
        )
    text = squash(value)
    match = _REACHABLE.match(text)
    if match is None:
        return ClusterHealth(message=text)
    probe_time = None
    interval = None
    for group in _PAREN.findall(text[match.end() :]):
        if group.startswith("Probe interval:"):
            interval = group[len("Probe interval:") :].strip()
        elif probe_time is None:
            probe_time = group.strip()
    return ClusterHealth(
        reachable=int(match[1]),
        total=int(match[2]),
        probe_time=probe_time,
        probe_interval=interval,
    )


def modules_summary(value: str) -> tuple[ModulesHealth | None, str]:
    """``Stopped(0) Degraded(0) OK(58)`` -> counters; anything else is returned as text."""
    counts = {m[1]: int(m[2]) for m in _MODULE_COUNT.finditer(value)}
    if not counts:
        return None, squash(value)
    return (
        ModulesHealth(
            stopped=counts.get("Stopped"),
            degraded=counts.get("Degraded"),
            ok=counts.get("OK"),
            unknown=counts.get("Unknown"),
        ),
        "",
    )


_MODULES_COMMON = lazy_pattern(r"Stopped\((\d+)\) +Degraded\((\d+)\) +OK\((\d+)\)")


def modules_reading(value: str, problems: Problems) -> tuple[ModulesHealth | None, str]:
    common = _MODULES_COMMON.fullmatch(value)
    if common is not None:
        return (
            ModulesHealth(stopped=int(common[1]), degraded=int(common[2]), ok=int(common[3])),
            "",
        )
    summary, text = modules_summary(value)
    if summary is not None and _MODULE_COUNT.sub("", value).strip():
        problems.append("text besides the Stopped/Degraded/OK counters")
    return summary, text


def bpf_map_sizing(value: str, problems: Problems) -> BpfMapSizing:
    match = _BPF_RATIO.search(squash(value))
    if match is None:
        problems.append("not 'dynamic sizing: on (ratio: <r>)' or 'dynamic sizing: off'")
        return BpfMapSizing(dynamic=False)
    return BpfMapSizing(dynamic=match[1] == "on", ratio=_float(match[2]))


def maglev(value: str) -> tuple[str, int | None]:
    """``Maglev (Table Size: 16381)`` -> ("Maglev", 16381)."""
    name, _, rest = squash(value).partition(" (")
    size = re.search(r"Table Size: (\d+)", rest)
    return name, int(size[1]) if size else None


def unbalanced(text: str) -> bool:
    """True while a value still waits for its closing bracket, parenthesis or quote."""
    return (
        text.count("[") > text.count("]")
        or text.count("(") > text.count(")")
        or text.count('"') % 2 == 1
    )
