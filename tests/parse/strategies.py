"""Hypothesis strategies: Status models that a given agent version could have printed."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

from ciliumdrift.parse.model import (
    AllocatedAddress,
    BandwidthManager,
    BigTcp,
    BpfMap,
    BpfMapSizing,
    CiliumState,
    ClockSource,
    ClusterHealth,
    ClusterMesh,
    Controller,
    ControllerStatus,
    Encryption,
    HealthNode,
    HostFirewall,
    Hubble,
    IdentityRange,
    Ipam,
    IpamFamily,
    KprDetails,
    KprDevice,
    KprService,
    KubeProxyReplacement,
    KubernetesStatus,
    Masquerading,
    ModulesHealth,
    Nat46x64,
    NodeMonitor,
    ProxyStatus,
    RemoteCluster,
    Routing,
    SRv6,
    StateMessage,
    Status,
    WireguardInterface,
)

VERSIONS = [(1, 14), (1, 15), (1, 16), (1, 17), (1, 18), (1, 19), (1, 20)]

names = st.from_regex(r"[a-z][a-z0-9-]{0,12}", fullmatch=True)
ifnames = st.from_regex(r"(eth|ens|enp0s|bond)[0-9]{1,2}", fullmatch=True)
ipv4 = st.ip_addresses(v=4).map(str)
ipv6 = st.ip_addresses(v=6).map(str)
cidr4 = st.tuples(st.integers(1, 223), st.integers(0, 255), st.sampled_from([8, 16, 24])).map(
    lambda t: f"{t[0]}.{t[1]}.0.0/{t[2]}"
)
words = st.lists(st.from_regex(r"[a-z][a-z0-9]{0,8}", fullmatch=True), min_size=1, max_size=6).map(
    " ".join
)
durations = st.sampled_from(["0s", "9s", "58s", "2m59s", "3m1s", "1h2m3s"])
flags = st.booleans()


@dataclass(frozen=True)
class Case:
    status: Status
    version: tuple[int, int]
    verbose: bool


@st.composite
def kpr_devices(draw: st.DrawFn) -> tuple[KprDevice, ...]:
    count = draw(st.integers(0, 3))
    device_names = draw(st.lists(ifnames, min_size=count, max_size=count, unique=True))
    direct = draw(st.integers(-1, count - 1)) if count else -1
    return tuple(
        KprDevice(
            name=name,
            addresses=tuple(draw(st.lists(ipv4 | ipv6, max_size=5))),
            direct_routing=index == direct,
        )
        for index, name in enumerate(device_names)
    )


@st.composite
def statuses(draw: st.DrawFn) -> Case:
    version = draw(st.sampled_from(VERSIONS))
    verbose = draw(flags)
    minor = version[1]
    kvstore = StateMessage("Disabled", "") if minor >= 17 else StateMessage("Ok", "Disabled")
    k8s_minor = draw(st.integers(25, 35))
    kubernetes = KubernetesStatus(
        state="Ok",
        version=f"1.{k8s_minor}",
        git_version=f"v1.{k8s_minor}.{draw(st.integers(0, 12))}",
        platform=draw(st.sampled_from(["linux/amd64", "linux/arm64"])),
        apis=tuple(sorted(draw(st.lists(st.sampled_from(_APIS), min_size=1, unique=True)))),
    )
    modes = ["Strict", "Partial", "Disabled", "True", "False"] if minor <= 15 else ["True", "False"]
    mode = draw(st.sampled_from(modes))
    hidden = (minor >= 16 and mode == "False") or (minor <= 15 and mode == "Disabled")
    devices = () if hidden else draw(kpr_devices())
    kpr = KubeProxyReplacement(mode=mode, devices=devices)
    patch = draw(st.integers(0, 9))
    release = f"1.{minor}.{patch}"
    cilium = CiliumState(
        state="Ok",
        version=release,
        git_revision=f"v{release}-{draw(st.from_regex(r'[0-9a-f]{8}', fullmatch=True))}",
    )
    status = Status(
        format="text",
        kvstore=kvstore,
        kubernetes=kubernetes,
        kube_proxy_replacement=kpr,
        host_firewall=draw(
            st.just(HostFirewall("Disabled"))
            | st.builds(
                HostFirewall,
                st.just("Enabled"),
                st.lists(ifnames, min_size=1, max_size=3, unique=True).map(tuple),
            )
        ),
        srv6=(draw(st.sampled_from([SRv6(False), SRv6(True, "srh")])) if minor >= 15 else None),
        cni_chaining=draw(st.sampled_from(["none", "portmap", "aws-cni", "generic-veth"])),
        cni_config=draw(
            st.none()
            | st.just(
                "successfully wrote CNI configuration file to "
                "/host/etc/cni/net.d/05-cilium.conflist"
            )
        ),
        cilium=cilium,
        node_monitor=draw(node_monitors()),
        health_daemon=StateMessage("Ok", ""),
        ipam=draw(ipams(verbose)),
        cluster_mesh=draw(st.none() | cluster_meshes()),
        ipv4_big_tcp=draw(big_tcps()),
        ipv6_big_tcp=draw(big_tcps()),
        bandwidth_manager=draw(bandwidth_managers()),
        routing=draw(routings(minor)),
        attach_mode=draw(st.sampled_from(["TCX", "Legacy TC"])) if minor >= 16 else None,
        device_mode=draw(st.sampled_from(["veth", "netkit", "netkit-l2"])) if minor >= 16 else None,
        masquerading=draw(masqueradings(minor, devices)),
        clock_source=draw(clock_sources()) if verbose else None,
        controllers=draw(controller_statuses(verbose)),
        proxy=draw(proxies()),
        identity_range=IdentityRange(256, 65535),
        hubble=draw(hubbles(minor)),
        kpr_details=draw(kpr_details(kpr)) if verbose else None,
        bpf_maps=draw(bpf_maps()) if verbose else None,
        encryption=draw(encryptions()),
        cluster_health=draw(cluster_healths(minor)),
        modules_health=draw(modules_healths()) if minor >= 15 else None,
    )
    if verbose:
        status = _with(status, bpf_map_sizing=draw(bpf_sizings()))
    return Case(status, version, verbose)


def _with(status: Status, **changes: object) -> Status:
    from dataclasses import replace

    return replace(status, **changes)


_APIS = [
    "EndpointSliceOrEndpoint",
    "cilium/v2::CiliumCIDRGroup",
    "cilium/v2::CiliumClusterwideNetworkPolicy",
    "cilium/v2::CiliumEndpoint",
    "cilium/v2::CiliumNetworkPolicy",
    "cilium/v2::CiliumNode",
    "core/v1::Pods",
    "networking.k8s.io/v1::NetworkPolicy",
]


@st.composite
def node_monitors(draw: st.DrawFn) -> NodeMonitor:
    if draw(flags):
        return NodeMonitor(enabled=False)
    lost = draw(st.none() | st.integers(1, 10**6))
    return NodeMonitor(
        enabled=True,
        cpus=draw(st.integers(1, 256)),
        pages=draw(st.sampled_from([64, 128])),
        page_size=4096,
        lost=lost,
        unknown=None if lost is None else draw(st.integers(0, 100)),
    )


@st.composite
def ipams(draw: st.DrawFn, verbose: bool) -> Ipam:
    families = []
    which = draw(st.sampled_from(["IPv4", "IPv6", "both"]))
    for family in ("IPv4", "IPv6"):
        if which not in (family, "both"):
            continue
        total = draw(st.integers(1, 2**64))
        cidr = draw(st.none() | (cidr4 if family == "IPv4" else st.just("fd00:10:244::/64")))
        families.append(IpamFamily(family, draw(st.integers(0, total)), total, cidr))
    allocated: tuple[AllocatedAddress, ...] = ()
    if verbose:
        entries = draw(
            st.lists(
                st.tuples(
                    ipv4,
                    st.sampled_from(
                        ["router", "health", "ingress", "kube-system/coredns-1 [restored]"]
                    ),
                ),
                unique_by=lambda e: e[0],
                max_size=6,
            )
        )
        allocated = tuple(AllocatedAddress(a, o) for a, o in sorted(entries))
    return Ipam(families=tuple(families), allocated=allocated)


@st.composite
def cluster_meshes(draw: st.DrawFn) -> ClusterMesh:
    clusters = tuple(
        RemoteCluster(
            name=name,
            ready=draw(flags),
            nodes=draw(st.integers(0, 50)),
            endpoints=draw(st.integers(0, 500)),
            identities=draw(st.integers(0, 500)),
            services=draw(st.integers(0, 50)),
            failures=draw(st.integers(0, 9)),
            last_failure=draw(st.sampled_from(["never", "5m3s ago"])),
            details=tuple(
                draw(
                    st.lists(
                        st.sampled_from(
                            [
                                "remote configuration: expected=true, retrieved=true, cluster-id=2",
                                "synchronization status: nodes=true, endpoints=true",
                            ]
                        ),
                        max_size=2,
                    )
                )
            ),
        )
        for name in draw(st.lists(names, max_size=3, unique=True))
    )
    return ClusterMesh(
        ready=sum(1 for c in clusters if c.ready),
        total=len(clusters),
        global_services=draw(st.integers(0, 20)),
        clusters=clusters,
    )


@st.composite
def big_tcps(draw: st.DrawFn) -> BigTcp:
    if draw(flags):
        return BigTcp(False)
    gro = draw(st.sampled_from([65536, 196608]))
    gso = draw(st.sampled_from([gro, 65536, 196608]))
    return BigTcp(True, gro, gso)


@st.composite
def bandwidth_managers(draw: st.DrawFn) -> BandwidthManager:
    if draw(flags):
        return BandwidthManager(False)
    return BandwidthManager(
        True,
        "EDT with BPF",
        draw(st.sampled_from(["BBR", "CUBIC"])),
        tuple(draw(st.lists(ifnames, min_size=1, max_size=2, unique=True))),
    )


@st.composite
def routings(draw: st.DrawFn, minor: int) -> Routing:
    host = draw(st.sampled_from(["BPF", "Legacy"]))
    if minor <= 15:
        return Routing(host=host)
    network = draw(st.sampled_from(["Native", "Tunnel"]))
    protocol = draw(st.sampled_from(["vxlan", "geneve"])) if network == "Tunnel" else None
    return Routing(host=host, network=network, tunnel_protocol=protocol)


@st.composite
def masqueradings(draw: st.DrawFn, minor: int, devices: tuple[KprDevice, ...]) -> Masquerading:
    mode = draw(st.sampled_from(["BPF", "IPTables", "Disabled"]))
    if mode == "Disabled":
        return Masquerading("Disabled")
    ipv4, ipv6 = draw(st.sampled_from([(True, False), (False, True), (True, True)]))
    if mode == "IPTables":
        return Masquerading("IPTables", ipv4=ipv4, ipv6=ipv6)
    cidrs: list[str] = [draw(cidr4)]
    if minor >= 18 and draw(flags):
        cidrs.append("fd00::/10")
    return Masquerading(
        "BPF",
        ip_masq_agent=draw(flags),
        devices=tuple(d.name for d in devices),
        cidrs=tuple(cidrs),
        ipv4=ipv4,
        ipv6=ipv6,
    )


def clock_sources() -> st.SearchStrategy[ClockSource]:
    return st.just(ClockSource("ktime")) | st.builds(
        ClockSource, st.just("jiffies"), st.sampled_from([100, 250, 1000])
    )


controller_names = st.tuples(
    st.from_regex(r"[a-z][a-z0-9-]{2,40}", fullmatch=True), st.none() | st.integers(1, 4000)
).map(lambda t: t[0] if t[1] is None else f"{t[0]} ({t[1]})")


@st.composite
def controller_statuses(draw: st.DrawFn, verbose: bool) -> ControllerStatus:
    rows = []
    for name in sorted(draw(st.lists(controller_names, max_size=8, unique=True))):
        failing = draw(st.integers(0, 3))
        rows.append(
            Controller(
                name=name,
                last_success=draw(st.none() | durations),
                last_error=draw(durations) if failing else None,
                failure_count=failing,
                message=draw(words) if failing else "no error",
            )
        )
    if verbose:
        healthy = sum(1 for row in rows if row.failure_count == 0)
        return ControllerStatus(healthy, len(rows), tuple(rows))
    shown = tuple(row for row in rows if row.failure_count > 0)
    healthy = draw(st.integers(0, 300))
    return ControllerStatus(healthy, healthy + len(shown), shown)


@st.composite
def proxies(draw: st.DrawFn) -> ProxyStatus:
    if draw(flags):
        return ProxyStatus(enabled=False, message="No managed proxy redirect")
    return ProxyStatus(
        enabled=True,
        ip=draw(ipv4),
        redirects=draw(st.integers(0, 50)),
        port_range="10000-20000",
        envoy=draw(st.sampled_from(["embedded", "external"])),
    )


@st.composite
def hubbles(draw: st.DrawFn, minor: int) -> Hubble:
    kind = draw(st.sampled_from(["ok", "disabled", "warning"]))
    metrics = draw(st.sampled_from(["Ok", "Disabled"]))
    if kind == "disabled":
        return Hubble("Disabled", metrics_state="Disabled" if minor >= 18 else None)
    if kind == "warning":
        return Hubble("Warning", "Server not initialized")
    maximum = draw(st.integers(1, 65535))
    current = draw(st.integers(0, maximum))
    return Hubble(
        "Ok",
        current_flows=current,
        max_flows=maximum,
        fill_percent=round(current * 100 / maximum, 2),
        flows_per_second=draw(st.integers(0, 10**6)) / 100,
        metrics_state=metrics,
    )


@st.composite
def kpr_details(draw: st.DrawFn, kpr: KubeProxyReplacement) -> KprDetails:
    node_port = draw(flags)
    mode = draw(st.sampled_from(["SNAT", "DSR", "Hybrid"])) if node_port else None
    backend = draw(st.sampled_from(["Random", "Maglev"])) if node_port else None
    return KprDetails(
        status=kpr.mode,
        socket_lb=draw(flags),
        socket_lb_tracing=draw(flags),
        socket_lb_coverage=draw(st.sampled_from(["Full", "Hostns-only"])),
        devices=kpr.devices,
        mode=mode,
        dsr_dispatch_mode=draw(st.sampled_from(["IP Option/Extension", "IPIP", "Geneve"]))
        if mode in ("DSR", "Hybrid")
        else None,
        backend_selection=backend,
        maglev_table_size=draw(st.sampled_from([16381, 65521])) if backend == "Maglev" else None,
        session_affinity=draw(flags),
        graceful_termination=draw(st.none() | flags),
        nat46x64=Nat46x64(enabled=False),
        xdp_acceleration=draw(st.sampled_from(["Disabled", "Native", "Best-Effort"]))
        if node_port
        else None,
        services=(
            KprService("ClusterIP", True),
            KprService("NodePort", node_port, "Range: 30000-32767" if node_port else None),
            KprService("LoadBalancer", node_port),
            KprService("externalIPs", node_port),
            KprService("HostPort", draw(flags)),
        ),
        annotations=tuple(
            sorted(
                draw(
                    st.lists(
                        st.sampled_from(["service.cilium.io/node", "service.cilium.io/type"]),
                        unique=True,
                    )
                )
            )
        ),
    )


def bpf_maps() -> st.SearchStrategy[tuple[BpfMap, ...]]:
    return st.lists(
        st.builds(
            BpfMap,
            st.sampled_from(["Auth", "Non-TCP connection tracking", "IP cache", "NAT"]),
            st.integers(1, 2**24),
        ),
        max_size=5,
    ).map(tuple)


def bpf_sizings() -> st.SearchStrategy[BpfMapSizing]:
    return st.just(BpfMapSizing(False)) | st.integers(1, 10**6).map(
        lambda n: BpfMapSizing(True, n / 10**6)
    )


@st.composite
def encryptions(draw: st.DrawFn) -> Encryption:
    mode = draw(st.sampled_from(["Disabled", "IPsec", "Wireguard"]))
    if mode != "Wireguard":
        return Encryption(mode)
    return Encryption(
        "Wireguard",
        node_encryption=draw(flags),
        interfaces=(
            WireguardInterface(
                "cilium_wg0",
                draw(st.from_regex(r"[A-Za-z0-9+/]{43}=", fullmatch=True)),
                51871,
                draw(st.integers(0, 500)),
            ),
        ),
    )


@st.composite
def cluster_healths(draw: st.DrawFn, minor: int) -> ClusterHealth:
    if draw(st.integers(0, 9)) == 0:
        return ClusterHealth(message="Probe disabled")
    rows = []
    for index, name in enumerate(draw(st.lists(names, max_size=4, unique=True))):
        if minor >= 17:
            total = draw(st.integers(1, 2))
            host = f"{draw(st.integers(0, total))}/{total}"
            endpoints = f"{draw(st.integers(0, total))}/{total}"
        else:
            host = draw(st.sampled_from(["reachable", "unreachable"]))
            endpoints = draw(st.sampled_from(["reachable", "unreachable"]))
        from ciliumdrift.parse.tables import cell_reachable

        host_ok, endpoints_ok = cell_reachable(host), cell_reachable(endpoints)
        rows.append(
            HealthNode(
                name=name,
                reachable=None
                if host_ok is None or endpoints_ok is None
                else host_ok and endpoints_ok,
                address=draw(ipv4),
                endpoints=endpoints,
                localhost=index == 0,
                host=host,
                secondary_addresses=tuple(draw(st.lists(ipv6, max_size=1))),
            )
        )
    total = draw(st.integers(1, 500))
    return ClusterHealth(
        reachable=draw(st.integers(0, total)),
        total=total,
        probe_time="2025-12-27T10:45:53Z",
        probe_interval="1m56.754608943s" if minor >= 18 else None,
        nodes=tuple(rows),
    )


def modules_healths() -> st.SearchStrategy[ModulesHealth]:
    counts = st.integers(0, 300)
    return st.builds(ModulesHealth, counts, counts, counts)
