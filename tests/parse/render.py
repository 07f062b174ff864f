"""A test-only renderer: a Status model back to the text the agent would print.

It reproduces Go's text/tabwriter (minwidth 2, padding 3, column blocks that end at any
line without a tab, padded cells before a bare newline leaving trailing spaces) and the
version quirks the parser must cope with: KVStore ``Ok   Disabled`` before 1.17, the
N+1 spaces after a KPR device name since 1.15, devices hidden for KPR False since 1.16,
``Host Routing`` before 1.16, the two masquerading CIDRs of 1.18+, the probe interval of
1.18+, the unindented cluster-health header of 1.17+. Nested tables (controllers, KPR
details, BPF maps) are pre-padded text without tabs, as the agent's nested writers emit.
"""

from __future__ import annotations

from ciliumdrift.parse.model import Status

Version = tuple[int, int]


def tabwriter(text: str, *, minwidth: int = 2, padding: int = 3) -> str:
    """Go text/tabwriter with flags 0: cells end at tabs; blocks of lines share widths."""
    lines = [line.split("\t") for line in text.split("\n")]
    out: list[str] = []
    widths: list[int] = []

    def write_lines(line0: int, line1: int) -> None:
        for index in range(line0, line1):
            cells = lines[index]
            parts = []
            for column, cell in enumerate(cells):
                if column < len(widths) and column < len(cells) - 1:
                    parts.append(cell + " " * (widths[column] - len(cell)))
                else:
                    parts.append(cell)
            out.append("".join(parts))

    def format_block(line0: int, line1: int) -> None:
        column = len(widths)
        this = line0
        while this < line1:
            if column >= len(lines[this]) - 1:
                this += 1
                continue
            write_lines(line0, this)
            line0 = this
            width = minwidth
            while this < line1 and column < len(lines[this]) - 1:
                width = max(width, len(lines[this][column]) + padding)
                this += 1
            widths.append(width)
            format_block(line0, this)
            widths.pop()
            line0 = this
        write_lines(line0, line1)

    format_block(0, len(lines))
    return "\n".join(out)


def nested_table(rows: list[list[str]], *, indent: str = "  ", trailing_tab: bool = False) -> str:
    """A nested tabwriter flushed into the outer one: space-padded, no tabs left."""
    text = "\n".join(
        indent + "\t".join(row) + ("\t" if trailing_tab and number else "")
        for number, row in enumerate(rows)
    )
    return tabwriter(text)


def _device(name: str, addresses: tuple[str, ...], direct: bool, version: Version) -> str:
    if version >= (1, 15):
        text = name + " " * (len(addresses) + 1) + " ".join(addresses)
    else:
        text = " ".join((name, *addresses))
    return text.rstrip(" ") + " (Direct Routing)" if direct else text


def render(status: Status, version: Version, *, verbose: bool = False) -> str:
    """The agent's text output for ``status`` as ``version`` prints it."""
    out: list[str] = []
    add = out.append
    if status.kvstore is not None:
        add(f"KVStore:\t{status.kvstore.state}\t{status.kvstore.message}")
    k8s = status.kubernetes
    if k8s is not None:
        if k8s.version is not None:
            add(f"Kubernetes:\t{k8s.state}\t{k8s.version} ({k8s.git_version}) [{k8s.platform}]")
        else:
            add(f"Kubernetes:\t{k8s.state}\t{k8s.message}")
        if k8s.apis is not None:
            add("Kubernetes APIs:\t[" + ", ".join(f'"{a}"' for a in k8s.apis) + "]")
    kpr = status.kube_proxy_replacement
    if kpr is not None:
        devices = ", ".join(
            _device(d.name, d.addresses, d.direct_routing, version) for d in kpr.devices
        )
        add(f"KubeProxyReplacement:\t{kpr.mode}\t" + (f"[{devices}]" if kpr.devices else ""))
    if status.host_firewall is not None:
        fw = status.host_firewall
        add(f"Host firewall:\t{fw.mode}" + (f"\t[{', '.join(fw.devices)}]" if fw.devices else ""))
    if status.srv6 is not None:
        if status.srv6.enabled:
            add(f"SRv6:\tEnabled\t[encap-mode: {status.srv6.encap_mode}]")
        else:
            add("SRv6:\tDisabled")
    if status.cni_chaining is not None:
        add(f"CNI Chaining:\t{status.cni_chaining}")
    if status.cni_config is not None:
        add(f"CNI Config file:\t{status.cni_config}")
    if status.cilium is not None:
        c = status.cilium
        message = f"{c.version} ({c.git_revision})" if c.version else ""
        if c.message:
            message = f"{message}    {c.message}" if message else c.message
        add(f"Cilium:\t{c.state}   {message}")
    if status.stale is not None:
        add(f"Stale status:\t{status.stale}")
    nm = status.node_monitor
    if nm is not None:
        if nm.enabled:
            add(
                f"NodeMonitor:\tListening for events on {nm.cpus} CPUs with "
                f"{nm.pages}x{nm.page_size} of shared memory"
            )
            if nm.lost is not None:
                add(f"\t{nm.lost} events lost, {nm.unknown} unknown notifications")
        else:
            add("NodeMonitor:\tDisabled")
    if status.health_daemon is not None:
        add(f"Cilium health daemon:\t{status.health_daemon.state}\t{status.health_daemon.message}")
    if status.ipam is not None:
        parts = {f.family: f for f in status.ipam.families}
        text = ""
        for family in ("IPv4", "IPv6"):
            f = parts.get(family)
            if f is None:
                text += ", " if family == "IPv4" else ""
                continue
            cidr = f" from {f.cidr}" if f.cidr else ""
            text += f"{family}: {f.used}/{f.total} allocated{cidr}" + (
                ", " if family == "IPv4" else ""
            )
        add(f"IPAM:\t{text}")
        if verbose and status.ipam.allocated:
            add("Allocated addresses:")
            for address in status.ipam.allocated:
                add(f"  {address.address} ({address.owner})")
    mesh = status.cluster_mesh
    if mesh is not None:
        add(
            f"ClusterMesh:\t{mesh.ready}/{mesh.total} remote clusters ready, "
            f"{mesh.global_services} global-services"
        )
        for cluster in mesh.clusters:
            add(
                f"   {cluster.name}: {'ready' if cluster.ready else 'not-ready'}, "
                f"{cluster.nodes} nodes, {cluster.endpoints} endpoints, "
                f"{cluster.identities} identities, {cluster.services} services, "
                f"{cluster.failures} reconnections (last: {cluster.last_failure})"
            )
            for detail in cluster.details:
                add(f"   └  {detail}")
    for label, big in (
        ("IPv4 BIG TCP", status.ipv4_big_tcp),
        ("IPv6 BIG TCP", status.ipv6_big_tcp),
    ):
        if big is None:
            continue
        if not big.enabled:
            add(f"{label}:\tDisabled")
        elif big.max_gro == big.max_gso:
            add(f"{label}:\tEnabled\t[{big.max_gso}]")
        else:
            add(f"{label}:\tEnabled\t[{big.max_gro}, {big.max_gso}]")
    bw = status.bandwidth_manager
    if bw is not None:
        if bw.enabled:
            add(f"BandwidthManager:\t{bw.mode} [{bw.congestion_control}] [{', '.join(bw.devices)}]")
        else:
            add("BandwidthManager:\tDisabled")
    routing = status.routing
    if routing is not None:
        if routing.network is None:
            add(f"Host Routing:\t{routing.host}")
        else:
            proto = f" [{routing.tunnel_protocol}]" if routing.tunnel_protocol else ""
            add(f"Routing:\tNetwork: {routing.network}{proto}\tHost: {routing.host}")
    if status.attach_mode is not None:
        add(f"Attach Mode:\t{status.attach_mode}")
    if status.device_mode is not None:
        add(f"Device Mode:\t{status.device_mode}")
    masq = status.masquerading
    if masq is not None:
        if masq.ipv4 is None:
            add(f"Masquerading:\t{masq.mode}")
        else:
            text = masq.mode + (" (ip-masq-agent)" if masq.ip_masq_agent else "")
            if masq.mode == "BPF":
                cidrs = " ".join(masq.cidrs)
                if version >= (1, 18) and len(masq.cidrs) == 1:
                    cidrs += " "
                text += f"\t[{', '.join(masq.devices)}]\t{cidrs}"
            flags = f"[IPv4: {_ed(masq.ipv4)}, IPv6: {_ed(masq.ipv6)}]"
            add(f"Masquerading:\t{text} {flags}")
    if verbose and status.clock_source is not None:
        cs = status.clock_source
        add(f"Clock Source for BPF:\t{cs.mode}" + (f"\t[{cs.hertz} Hz]" if cs.hertz else ""))
    ctl = status.controllers
    if ctl is not None:
        add(f"Controller Status:\t{ctl.healthy}/{ctl.total} healthy")
        if ctl.controllers:
            rows = [["Name", "Last success", "Last error", "Count", "Message"]]
            for row in ctl.controllers:
                rows.append(
                    [
                        row.name,
                        f"{row.last_success} ago" if row.last_success else "never",
                        f"{row.last_error} ago" if row.last_error else "never",
                        str(row.failure_count),
                        row.message,
                    ]
                )
            table = nested_table(rows, trailing_tab=True)
            out.extend(table.split("\n"))
    proxy = status.proxy
    if proxy is not None:
        if proxy.enabled:
            add(
                f"Proxy Status:\tOK, ip {proxy.ip}, {proxy.redirects} redirects active on ports "
                f"{proxy.port_range}, Envoy: {proxy.envoy}"
            )
        else:
            add(f"Proxy Status:\t{proxy.message}")
    if status.identity_range is not None:
        ir = status.identity_range
        add(f"Global Identity Range:\tmin {ir.minimum}, max {ir.maximum}")
    hubble = status.hubble
    if hubble is not None:
        cells = [hubble.state + (f" {hubble.message}" if hubble.message else "")]
        observer = []
        if hubble.max_flows:
            observer.append(
                f"Current/Max Flows: {hubble.current_flows}/{hubble.max_flows} "
                f"({hubble.fill_percent:.2f}%)"
            )
        if hubble.flows_per_second is not None:
            observer.append(f"Flows/s: {hubble.flows_per_second:.2f}")
        if observer:
            cells.append(", ".join(observer))
        if hubble.metrics_state is not None:
            cells.append(f"Metrics: {hubble.metrics_state}")
        add("Hubble:\t" + "\t".join(cells))
    if verbose:
        out.extend(render_kpr_details(status, version))
    if verbose and status.bpf_maps is not None and status.bpf_map_sizing is not None:
        sizing = status.bpf_map_sizing
        ratio = f"on (ratio: {sizing.ratio:f})" if sizing.dynamic else "off"
        add(f"BPF Maps:\tdynamic sizing: {ratio}")
        rows = [["Name", "Size"]] + [[m.name, str(m.size)] for m in status.bpf_maps]
        out.extend(nested_table(rows).split("\n"))
    enc = status.encryption
    if enc is not None:
        if enc.interfaces:
            interfaces = ", ".join(
                f"{i.name} (Pubkey: {i.public_key}, Port: {i.port}, Peers: {i.peers})"
                for i in enc.interfaces
            )
            node = f"NodeEncryption: {_ed(enc.node_encryption)}, "
            add(f"Encryption:\t{enc.mode}\t[{node}{interfaces}]")
        else:
            add(f"Encryption:\t{enc.mode}\t{enc.message}")
    health = status.cluster_health
    if health is not None:
        if health.reachable is None:
            add(f"Cluster health:\t\t{health.message}")
        else:
            line = (
                f"Cluster health:\t{health.reachable}/{health.total} reachable"
                f"\t({health.probe_time})"
            )
            if health.probe_interval is not None:
                line += f"\t(Probe interval: {health.probe_interval})"
            add(line)
        if health.nodes or (version >= (1, 17) and health.reachable is not None):
            indent = "" if version >= (1, 17) else "  "
            add(f"{indent}Name\tIP\tNode\tEndpoints")
            for node in health.nodes:
                name = node.name + (" (localhost)" if node.localhost else "")
                ips = ",".join((node.address or "", *node.secondary_addresses))
                add(f"  {name}\t{ips}\t{node.host}\t{node.endpoints}")
    modules = status.modules_health
    if modules is not None:
        add(
            f"Modules Health:\tStopped({modules.stopped}) "
            f"Degraded({modules.degraded}) OK({modules.ok})"
        )
    return tabwriter("\n".join(out)) + "\n"


def _ed(flag: bool | None) -> str:
    return "Enabled" if flag else "Disabled"


def render_kpr_details(status: Status, version: Version) -> list[str]:
    """``KubeProxyReplacement Details:`` as the nested writer prints it (tab-less lines)."""
    details = status.kpr_details
    if details is None:
        return []
    rows: list[str] = []
    flag = _ed
    rows.append(f"  Status:\t{details.status}")
    rows.append(f"  Socket LB:\t{flag(details.socket_lb)}")
    rows.append(f"  Socket LB Tracing:\t{flag(details.socket_lb_tracing)}")
    rows.append(f"  Socket LB Coverage:\t{details.socket_lb_coverage}")
    if details.devices:
        devices = ", ".join(
            _device(d.name, d.addresses, d.direct_routing, version) for d in details.devices
        )
        rows.append(f"  Devices:\t{devices}")
    if details.mode is not None:
        rows.append(f"  Mode:\t{details.mode}")
    if details.dsr_dispatch_mode is not None:
        rows.append(f"    DSR Dispatch Mode:\t{details.dsr_dispatch_mode}")
    if details.backend_selection is not None:
        size = details.maglev_table_size
        rows.append(
            f"  Backend Selection:\t{details.backend_selection}"
            + (f" (Table Size: {size})" if size is not None else "")
        )
    rows.append(f"  Session Affinity:\t{flag(details.session_affinity)}")
    if details.graceful_termination is not None:
        rows.append(f"  Graceful Termination:\t{flag(details.graceful_termination)}")
    rows.append("  NAT46/64 Support:\tDisabled")
    if details.xdp_acceleration is not None:
        rows.append(f"  XDP Acceleration:\t{details.xdp_acceleration}")
    head = tabwriter("\n".join(rows))
    services = ["  Services:"]
    service_rows = []
    for service in details.services:
        detail = f" ({service.detail})" if service.detail else ""
        tail = "" if service.name in ("ClusterIP", "HostPort") else " "
        service_rows.append(f"  - {service.name}:\t{flag(service.enabled)}{detail}{tail}")
    services.extend(tabwriter("\n".join(service_rows)).split("\n") if service_rows else [])
    annotations = []
    if details.annotations:
        annotations = ["  Annotations:", *(f"  - {a}" for a in details.annotations)]
    return ["KubeProxyReplacement Details:", *head.split("\n"), *services, *annotations]
