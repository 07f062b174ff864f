"""Family 2: datapath consistency. Settings that contradict each other inside the values.

Each rule states the agent behaviour it relies on with the Cilium source that shows it
(a cilium/cilium path at a release tag, or a docs.cilium.io page).
"""

from __future__ import annotations

from collections.abc import Iterator

from ciliumdrift.lint.rule import LintContext, Violation, rule
from ciliumdrift.model import Severity


def _lower(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip().lower() if value is not None else ""


def _masquerades(ctx: LintContext, family: int) -> bool:
    if family == 4:
        return ctx.ipv4 and ctx.flag("enableIPv4Masquerade", True)
    return ctx.ipv6 and ctx.flag("enableIPv6Masquerade", True)


@rule(code="CD201", name="native-routing-without-cidr", severity=Severity.ERROR)
def native_routing_without_cidr(ctx: LintContext) -> Iterator[Violation]:
    """Native routing with IPv4 masquerading needs `ipv4NativeRoutingCIDR`.

    ## Why
    In native routing mode the agent must know which destinations are pod addresses that
    must not be masqueraded. Without `ipv4NativeRoutingCIDR` it refuses to start:
    `native routing cidr must be configured with option --ipv4-native-routing-cidr …`
    (cilium/cilium@v1.16.0:pkg/option/config.go checkIPv4NativeRoutingCIDR). Charts before 1.18
    render such values without complaint.

    ## Bad
    ```yaml
    routingMode: native
    autoDirectNodeRoutes: true
    ```

    ## Good
    ```yaml
    routingMode: native
    autoDirectNodeRoutes: true
    ipv4NativeRoutingCIDR: 10.244.0.0/16
    ```

    ## Fix
    Set `ipv4NativeRoutingCIDR` to the cluster's pod CIDR (on Talos: `cluster.network.podSubnets`),
    or turn IPv4 masquerading off (`enableIPv4Masquerade: false`) when the network routes pod
    addresses itself.
    """
    if ctx.routing_mode != "native" or not _masquerades(ctx, 4):
        return
    if ctx.effective("ipv4NativeRoutingCIDR"):
        return
    if ctx.flag("ipMasqAgent.enabled") and ctx.gate("ip-masq-agent-replaces-native-cidr"):
        return
    if _lower(ctx.effective("ipam.mode")) in {"eni", "alibabacloud"} or ctx.flag("eni.enabled"):
        return
    yield native_routing_without_cidr.violation(
        ctx,
        "routingMode is native with IPv4 masquerading but ipv4NativeRoutingCIDR is not set: "
        "the agent will not start",
        ctx.value_at("routingMode"),
        key="routingMode",
        fix="ipv4NativeRoutingCIDR: <pod CIDR>",
    )


@rule(code="CD202", name="native-routing-without-ipv6-cidr", severity=Severity.ERROR)
def native_routing_without_ipv6_cidr(ctx: LintContext) -> Iterator[Violation]:
    """Native routing with IPv6 masquerading needs `ipv6NativeRoutingCIDR`.

    ## Why
    The IPv6 analogue of CD201: with IPv6 enabled, native routing and IPv6 masquerading on,
    the agent refuses to start without `ipv6NativeRoutingCIDR`
    (cilium/cilium@v1.16.0:pkg/option/config.go; charts
    1.18+ fail the render, older charts render and the agent exits).

    ## Bad
    ```yaml
    routingMode: native
    ipv4NativeRoutingCIDR: 10.244.0.0/16
    ipv6:
      enabled: true
    ```

    ## Good
    ```yaml
    routingMode: native
    ipv4NativeRoutingCIDR: 10.244.0.0/16
    ipv6NativeRoutingCIDR: fd00:10:244::/56
    ipv6:
      enabled: true
    ```

    ## Fix
    Set `ipv6NativeRoutingCIDR` to the IPv6 pod CIDR, or `enableIPv6Masquerade: false`.
    """
    if ctx.routing_mode != "native" or not _masquerades(ctx, 6):
        return
    if ctx.effective("ipv6NativeRoutingCIDR") or ctx.flag("ipMasqAgent.enabled"):
        return
    yield native_routing_without_ipv6_cidr.violation(
        ctx,
        "routingMode is native with IPv6 masquerading but ipv6NativeRoutingCIDR is not set: "
        "the agent will not start",
        ctx.value_at("ipv6.enabled"),
        key="ipv6NativeRoutingCIDR",
        fix="ipv6NativeRoutingCIDR: <IPv6 pod CIDR>",
    )


@rule(code="CD203", name="auto-direct-routes-with-tunnel", severity=Severity.ERROR)
def auto_direct_routes_with_tunnel(ctx: LintContext) -> Iterator[Violation]:
    """`autoDirectNodeRoutes` in tunnel mode (the default routing mode).

    ## Why
    Direct node routes only make sense when pod traffic is routed natively. The agent exits:
    `auto-direct-node-routes cannot be used with tunneling. Packets must be routed through the
    tunnel device.` (cilium/cilium@v1.16.0:daemon/cmd/daemon_main.go initEnv). `routingMode`
    defaults to `tunnel`, so setting only
    `autoDirectNodeRoutes` is enough to hit it.

    ## Bad
    ```yaml
    autoDirectNodeRoutes: true
    ```

    ## Good
    ```yaml
    routingMode: native
    ipv4NativeRoutingCIDR: 10.244.0.0/16
    autoDirectNodeRoutes: true
    ```

    ## Fix
    Either switch to `routingMode: native` (with a native-routing CIDR) or drop
    `autoDirectNodeRoutes`.
    """
    if ctx.routing_mode == "tunnel" and ctx.flag("autoDirectNodeRoutes"):
        yield auto_direct_routes_with_tunnel.violation(
            ctx,
            "autoDirectNodeRoutes is true but routing mode is tunnel: the agent will not start",
            ctx.value_at("autoDirectNodeRoutes"),
            key="autoDirectNodeRoutes",
        )


@rule(code="CD204", name="dsr-tunnel-mismatch", severity=Severity.ERROR)
def dsr_tunnel_mismatch(ctx: LintContext) -> Iterator[Violation]:
    """DSR or hybrid load balancing with a tunnel protocol or dispatch that cannot carry it.

    ## Why
    DSR needs the original client address to reach the backend. The agent exits with
    `Node Port "dsr" mode cannot be used with vxlan tunneling.`, with `Tunnel routing with
    Node Port mode requires geneve dispatch.`, or (1.15+, native routing too) with
    `… with "geneve" dispatch requires geneve tunnel protocol.`
    (cilium/cilium@v1.18.0:pkg/loadbalancer/config.go).

    ## Bad
    ```yaml
    kubeProxyReplacement: true
    loadBalancer:
      mode: dsr
    ```

    ## Good
    ```yaml
    kubeProxyReplacement: true
    routingMode: tunnel
    tunnelProtocol: geneve
    loadBalancer:
      mode: dsr
      dsrDispatch: geneve
    ```

    ## Fix
    In tunnel mode use `tunnelProtocol: geneve` with `loadBalancer.dsrDispatch: geneve`; in
    native routing use the default `opt` dispatch, or set `tunnelProtocol: geneve` for
    geneve dispatch.
    """
    mode = _lower(ctx.user("loadBalancer.mode"))
    if mode not in {"dsr", "hybrid"}:
        return
    protocol = _lower(ctx.effective("tunnelProtocol", "vxlan")) or "vxlan"
    dispatch = _lower(ctx.effective("loadBalancer.dsrDispatch", "opt")) or "opt"
    where = ctx.value_at("loadBalancer.mode")
    if ctx.routing_mode == "tunnel" and protocol == "vxlan":
        message = (
            f"loadBalancer.mode {mode} cannot be used with vxlan tunneling (the default "
            "tunnel protocol)"
        )
        yield dsr_tunnel_mismatch.violation(ctx, message, where, key="loadBalancer.mode")
    elif ctx.routing_mode == "tunnel" and dispatch != "geneve" and ctx.gate("dsr-geneve-dispatch"):
        message = (
            f"tunnel routing with loadBalancer.mode {mode} requires loadBalancer.dsrDispatch: "
            "geneve"
        )
        yield dsr_tunnel_mismatch.violation(ctx, message, where, key="loadBalancer.dsrDispatch")
    elif dispatch == "geneve" and protocol != "geneve" and ctx.gate("dsr-geneve-dispatch"):
        message = "loadBalancer.dsrDispatch geneve requires tunnelProtocol: geneve"
        yield dsr_tunnel_mismatch.violation(
            ctx, message, ctx.value_at("loadBalancer.dsrDispatch"), key="tunnelProtocol"
        )


@rule(code="CD205", name="implicit-legacy-host-routing", severity=Severity.NOTE)
def implicit_legacy_host_routing(ctx: LintContext) -> Iterator[Violation]:
    """Kube-proxy replacement without BPF masquerading: host routing silently stays Legacy.

    ## Why
    eBPF host routing needs BPF masquerading whenever masquerading is on. With
    `kubeProxyReplacement: true` but no `bpf.masquerade: true`, the agent logs `BPF host
    routing requires enable-bpf-masquerade. Falling back to legacy host routing` and
    `cilium status` shows `Host: Legacy`
    (cilium/cilium@v1.17.0:daemon/cmd/kube_proxy_replacement.go).

    ## Bad
    ```yaml
    kubeProxyReplacement: true
    ```

    ## Good
    ```yaml
    kubeProxyReplacement: true
    bpf:
      masquerade: true
    ```

    ## Fix
    Set `bpf.masquerade: true` to get eBPF host routing, or `bpf.hostLegacyRouting: true` to
    state that Legacy is intended.
    """
    if not ctx.kpr or ctx.values.has("bpf.hostLegacyRouting"):
        return
    reason = ctx.host_routing_legacy_reason()
    if reason is None or "bpf.masquerade" not in reason:
        return
    key = "bpf.masquerade" if ctx.values.has("bpf.masquerade") else "kubeProxyReplacement"
    yield implicit_legacy_host_routing.violation(
        ctx,
        f"host routing will be Legacy, not BPF: {reason}",
        ctx.value_at(key),
        key=key,
        fix="bpf.masquerade: true",
    )


@rule(code="CD206", name="bbr-needs-bpf-host-routing", severity=Severity.ERROR)
def bbr_needs_bpf_host_routing(ctx: LintContext) -> Iterator[Violation]:
    """BBR for pods with legacy host routing: the agent refuses to start.

    ## Why
    `BPF bandwidth manager's BBR setup requires BPF host routing.` is fatal
    (cilium/cilium@v1.16.0:pkg/datapath/linux/bandwidth/bandwidth.go). Explicit
    `bpf.hostLegacyRouting: true` always trips it; an implied fallback to Legacy
    (no BPF masquerading, IPsec) tripped it on 1.14 and may on later versions depending on
    start order, so it is reported as a warning.

    ## Bad
    ```yaml
    kubeProxyReplacement: true
    bpf:
      masquerade: true
      hostLegacyRouting: true
    bandwidthManager:
      enabled: true
      bbr: true
    ```

    ## Good
    ```yaml
    kubeProxyReplacement: true
    bpf:
      masquerade: true
    bandwidthManager:
      enabled: true
      bbr: true
    ```

    ## Fix
    Remove `bpf.hostLegacyRouting: true` (and make sure eBPF host routing holds), or turn
    BBR off, or on 1.18+ set `bandwidthManager.bbrHostNamespaceOnly: true`.
    """
    if not (ctx.flag("bandwidthManager.enabled") and ctx.flag("bandwidthManager.bbr")):
        return
    if ctx.gate("bbr-host-namespace-only") and ctx.flag("bandwidthManager.bbrHostNamespaceOnly"):
        return
    reason = ctx.host_routing_legacy_reason()
    if reason is None:
        return
    explicit = reason.startswith("bpf.hostLegacyRouting")
    yield bbr_needs_bpf_host_routing.violation(
        ctx,
        f"bandwidthManager.bbr needs eBPF host routing but host routing is Legacy ({reason})",
        ctx.value_at("bandwidthManager.bbr"),
        key="bandwidthManager.bbr",
        severity=Severity.ERROR
        if explicit or ctx.gate("bbr-legacy-host-routing-fatal")
        else Severity.WARNING,
    )


@rule(code="CD207", name="big-tcp-incompatible", severity=Severity.ERROR)
def big_tcp_incompatible(ctx: LintContext) -> Iterator[Violation]:
    """BIG TCP with tunnelling, encryption or explicit legacy host routing.

    ## Why
    The agent refuses BIG TCP at start with `BIG TCP is not supported in tunneling mode`,
    `… with encryption enabled` (IPsec; WireGuard too before 1.19) and `… with legacy host
    routing` (cilium/cilium@v1.16.0:pkg/datapath/linux/bigtcp/bigtcp.go). Tunnel is the
    default routing mode.

    ## Bad
    ```yaml
    enableIPv4BIGTCP: true
    ```

    ## Good
    ```yaml
    routingMode: native
    ipv4NativeRoutingCIDR: 10.244.0.0/16
    kubeProxyReplacement: true
    bpf:
      masquerade: true
    enableIPv4BIGTCP: true
    ```

    ## Fix
    Use native routing without IPsec (and without WireGuard before 1.19), or turn BIG TCP off.
    """
    keys = [k for k in ("enableIPv4BIGTCP", "enableIPv6BIGTCP") if ctx.flag(k)]
    if not keys:
        return
    problems: list[str] = []
    if ctx.routing_mode == "tunnel":
        problems.append("tunnel routing")
    encryption = ctx.encryption_type
    if encryption == "ipsec" or (
        encryption == "wireguard" and not ctx.gate("big-tcp-with-wireguard")
    ):
        problems.append(f"{encryption} encryption")
    if ctx.user("bpf.hostLegacyRouting") is True:
        problems.append("bpf.hostLegacyRouting: true")
    if ctx.gate("big-tcp-veth-only") and _lower(ctx.effective("bpf.datapathMode", "veth")) not in {
        "veth",
        "",
    }:
        problems.append("a datapath mode other than veth")
    if problems:
        yield big_tcp_incompatible.violation(
            ctx,
            f"{keys[0]} is not supported with {' and '.join(problems)}: the agent will not start",
            ctx.value_at(keys[0]),
            key=keys[0],
        )


@rule(code="CD208", name="bpf-masquerade-without-kpr", severity=Severity.ERROR)
def bpf_masquerade_without_kpr(ctx: LintContext) -> Iterator[Violation]:
    """BPF masquerading without kube-proxy replacement (NodePort) on Cilium 1.14–1.18.

    ## Why
    BPF masquerading is part of the BPF NodePort code. From 1.16 to 1.18 the agent exits with
    `BPF masquerade requires NodePort (--enable-node-port="true")`; 1.14 silently falls back to
    iptables and Legacy host routing. 1.19 accepts it (cilium/cilium@v1.16.0:daemon/cmd/daemon.go,
    cilium/cilium commit 31eecce183).

    ## Bad
    ```yaml cilium=1.18.4
    bpf:
      masquerade: true
    ```

    ## Good
    ```yaml cilium=1.18.4
    kubeProxyReplacement: true
    bpf:
      masquerade: true
    ```

    ## Fix
    Set `kubeProxyReplacement: true` (or `nodePort.enabled: true` before 1.19), or drop
    `bpf.masquerade`.
    """
    if not ctx.flag("bpf.masquerade") or ctx.kpr or ctx.gate("nodeport-key-removed"):
        return
    if ctx.flag("nodePort.enabled"):
        return
    fatal = not ctx.gate("bpf-masquerade-nodeport-fallback")
    yield bpf_masquerade_without_kpr.violation(
        ctx,
        "bpf.masquerade needs NodePort (kubeProxyReplacement: true)"
        + (": the agent will not start" if fatal else ": the agent falls back to iptables"),
        ctx.value_at("bpf.masquerade"),
        key="bpf.masquerade",
        severity=Severity.ERROR if fatal else Severity.WARNING,
    )


@rule(code="CD209", name="bbr-without-bandwidth-manager", severity=Severity.WARNING)
def bbr_without_bandwidth_manager(ctx: LintContext) -> Iterator[Violation]:
    """`bandwidthManager.bbr` without `bandwidthManager.enabled`: BBR is silently dropped.

    ## Why
    The chart writes the whole bandwidth-manager block, `enable-bbr` included, only when
    `bandwidthManager.enabled` is true
    (cilium/cilium@v1.18.0:install/kubernetes/cilium/templates/cilium-configmap.yaml).
    `bbr: true` alone
    never reaches the agent and `cilium status` shows `BandwidthManager: Disabled`.

    ## Bad
    ```yaml
    bandwidthManager:
      bbr: true
    ```

    ## Good
    ```yaml
    bandwidthManager:
      enabled: true
      bbr: true
    ```

    ## Fix
    Add `bandwidthManager.enabled: true`.
    """
    if ctx.flag("bandwidthManager.bbr") and not ctx.flag("bandwidthManager.enabled"):
        yield bbr_without_bandwidth_manager.violation(
            ctx,
            "bandwidthManager.bbr is true but bandwidthManager.enabled is not: the chart drops BBR",
            ctx.value_at("bandwidthManager.bbr"),
            key="bandwidthManager.bbr",
            fix="bandwidthManager.enabled: true",
        )


@rule(code="CD210", name="host-firewall-with-ipsec", severity=Severity.ERROR)
def host_firewall_with_ipsec(ctx: LintContext) -> Iterator[Violation]:
    """The host firewall together with IPsec encryption.

    ## Why
    `IPSec cannot be used with the host firewall.` is fatal in every version
    (cilium/cilium@v1.16.0:daemon/cmd/daemon_main.go initEnv).

    ## Bad
    ```yaml
    hostFirewall:
      enabled: true
    encryption:
      enabled: true
      type: ipsec
    ```

    ## Good
    ```yaml
    hostFirewall:
      enabled: true
    encryption:
      enabled: true
      type: wireguard
    ```

    ## Fix
    Use WireGuard encryption, or turn the host firewall off.
    """
    if ctx.flag("hostFirewall.enabled") and ctx.encryption_type == "ipsec":
        yield host_firewall_with_ipsec.violation(
            ctx,
            "hostFirewall.enabled cannot be combined with IPsec encryption: the agent will "
            "not start",
            ctx.value_at("hostFirewall.enabled"),
            key="hostFirewall.enabled",
        )


@rule(code="CD211", name="multi-pool-in-tunnel-mode", severity=Severity.ERROR)
def multi_pool_in_tunnel_mode(ctx: LintContext) -> Iterator[Violation]:
    """Multi-pool IPAM in tunnel routing mode before Cilium 1.18.

    ## Why
    Cilium 1.14–1.17 exit with `Cannot specify IPAM mode multi-pool in tunnel mode.`; tunnel
    is the default routing mode (cilium/cilium@v1.17.0:pkg/option/config.go). 1.18 allows it.

    ## Bad
    ```yaml cilium=1.17.18
    ipam:
      mode: multi-pool
    ```

    ## Good
    ```yaml cilium=1.17.18
    routingMode: native
    ipv4NativeRoutingCIDR: 10.0.0.0/8
    ipam:
      mode: multi-pool
    ```

    ## Fix
    Use native routing with multi-pool IPAM, or upgrade to 1.18+.
    """
    if (
        _lower(ctx.user("ipam.mode")) == "multi-pool"
        and ctx.routing_mode == "tunnel"
        and not ctx.gate("multi-pool-tunnel")
    ):
        yield multi_pool_in_tunnel_mode.violation(
            ctx,
            f"ipam.mode multi-pool cannot be used in tunnel mode on Cilium {ctx.cilium_version}",
            ctx.value_at("ipam.mode"),
            key="ipam.mode",
        )


@rule(code="CD212", name="bbr-hostns-only-without-bbr", severity=Severity.ERROR)
def bbr_hostns_only_without_bbr(ctx: LintContext) -> Iterator[Violation]:
    """`bandwidthManager.bbrHostNamespaceOnly` without `bandwidthManager.bbr`.

    ## Why
    From 1.18 the agent exits with `cannot enable --enable-bbr-hostns-only without enabling
    --enable-bbr` (cilium/cilium@v1.18.0:pkg/datapath/linux/bandwidth/bandwidth.go).

    ## Bad
    ```yaml cilium=1.18.4
    bandwidthManager:
      enabled: true
      bbrHostNamespaceOnly: true
    ```

    ## Good
    ```yaml cilium=1.18.4
    bandwidthManager:
      enabled: true
      bbr: true
      bbrHostNamespaceOnly: true
    ```

    ## Fix
    Add `bandwidthManager.bbr: true`, or drop `bbrHostNamespaceOnly`.
    """
    if (
        ctx.gate("bbr-host-namespace-only")
        and ctx.flag("bandwidthManager.enabled")
        and ctx.flag("bandwidthManager.bbrHostNamespaceOnly")
        and not ctx.flag("bandwidthManager.bbr")
    ):
        yield bbr_hostns_only_without_bbr.violation(
            ctx,
            "bandwidthManager.bbrHostNamespaceOnly needs bandwidthManager.bbr: the agent will "
            "not start",
            ctx.value_at("bandwidthManager.bbrHostNamespaceOnly"),
            key="bandwidthManager.bbrHostNamespaceOnly",
        )


@rule(code="CD213", name="kpr-healthz-without-kpr", severity=Severity.NOTE)
def kpr_healthz_without_kpr(ctx: LintContext) -> Iterator[Violation]:
    """`kubeProxyReplacementHealthzBindAddr` while kube-proxy replacement is off.

    ## Why
    From chart 1.16 the health-check bind address is written only when
    `kubeProxyReplacement` is `"true"`
    (cilium/cilium@v1.16.0:install/kubernetes/cilium/templates/cilium-configmap.yaml); with KPR off
    the setting is dropped, which usually means KPR was meant to be on.

    ## Bad
    ```yaml
    kubeProxyReplacementHealthzBindAddr: 0.0.0.0:10256
    ```

    ## Good
    ```yaml
    kubeProxyReplacement: true
    kubeProxyReplacementHealthzBindAddr: 0.0.0.0:10256
    ```

    ## Fix
    Set `kubeProxyReplacement: true`, or remove the bind address.
    """
    if (
        ctx.effective("kubeProxyReplacementHealthzBindAddr")
        and not ctx.kpr
        and ctx.gate("kpr-healthz-needs-kpr")
    ):
        yield kpr_healthz_without_kpr.violation(
            ctx,
            "kubeProxyReplacementHealthzBindAddr is ignored because kubeProxyReplacement is "
            "not true",
            ctx.value_at("kubeProxyReplacementHealthzBindAddr"),
            key="kubeProxyReplacementHealthzBindAddr",
        )


RULES = (
    native_routing_without_cidr,
    native_routing_without_ipv6_cidr,
    auto_direct_routes_with_tunnel,
    dsr_tunnel_mismatch,
    implicit_legacy_host_routing,
    bbr_needs_bpf_host_routing,
    big_tcp_incompatible,
    bpf_masquerade_without_kpr,
    bbr_without_bandwidth_manager,
    host_firewall_with_ipsec,
    multi_pool_in_tunnel_mode,
    bbr_hostns_only_without_bbr,
    kpr_healthz_without_kpr,
)
