"""Family 2: datapath consistency. Settings that contradict each other inside the values.

Each rule states the agent behaviour it relies on with the Cilium source that shows it
(a cilium/cilium path at a release tag, or a docs.cilium.io page).
"""

from __future__ import annotations

from ciliumdrift.lint.rule import LintContext, rule
from ciliumdrift.model import Severity


@rule(code="CD201", name="native-routing-without-cidr", severity=Severity.ERROR, view=True)
def native_routing_without_cidr(ctx: LintContext) -> None:
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


@rule(code="CD202", name="native-routing-without-ipv6-cidr", severity=Severity.ERROR, view=True)
def native_routing_without_ipv6_cidr(ctx: LintContext) -> None:
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


@rule(code="CD203", name="auto-direct-routes-with-tunnel", severity=Severity.ERROR, view=True)
def auto_direct_routes_with_tunnel(ctx: LintContext) -> None:
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


@rule(code="CD204", name="dsr-tunnel-mismatch", severity=Severity.ERROR, view=True)
def dsr_tunnel_mismatch(ctx: LintContext) -> None:
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
    routingMode: tunnel
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


@rule(code="CD205", name="implicit-legacy-host-routing", severity=Severity.NOTE, view=True)
def implicit_legacy_host_routing(ctx: LintContext) -> None:
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


@rule(code="CD206", name="bbr-needs-bpf-host-routing", severity=Severity.ERROR, view=True)
def bbr_needs_bpf_host_routing(ctx: LintContext) -> None:
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


@rule(code="CD207", name="big-tcp-incompatible", severity=Severity.ERROR, view=True)
def big_tcp_incompatible(ctx: LintContext) -> None:
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


@rule(code="CD208", name="bpf-masquerade-without-kpr", severity=Severity.ERROR, view=True)
def bpf_masquerade_without_kpr(ctx: LintContext) -> None:
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


@rule(code="CD209", name="bbr-without-bandwidth-manager", severity=Severity.WARNING, view=True)
def bbr_without_bandwidth_manager(ctx: LintContext) -> None:
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


@rule(code="CD210", name="host-firewall-with-ipsec", severity=Severity.ERROR, view=True)
def host_firewall_with_ipsec(ctx: LintContext) -> None:
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


@rule(code="CD211", name="multi-pool-in-tunnel-mode", severity=Severity.ERROR, view=True)
def multi_pool_in_tunnel_mode(ctx: LintContext) -> None:
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


@rule(code="CD212", name="bbr-hostns-only-without-bbr", severity=Severity.ERROR, view=True)
def bbr_hostns_only_without_bbr(ctx: LintContext) -> None:
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


@rule(code="CD213", name="kpr-healthz-without-kpr", severity=Severity.NOTE, view=True)
def kpr_healthz_without_kpr(ctx: LintContext) -> None:
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


@rule(code="CD215", name="kpr-without-api-server-address", severity=Severity.WARNING, view=True)
def kpr_without_api_server_address(ctx: LintContext) -> None:
    """Kube-proxy replacement without `k8sServiceHost`: the agent cannot find the API server.

    ## Why
    Without kube-proxy nothing programs the `kubernetes` Service before the agent runs, so
    a kube-proxy-free agent must be told where the API server is (`k8sServiceHost` and
    `k8sServicePort`; on Talos, KubePrism at `localhost:7445`). Left empty, the agent
    cannot reach the API server at start on a fresh node.

    ## Bad
    ```yaml
    kubeProxyReplacement: true
    ```

    ## Good
    ```yaml
    kubeProxyReplacement: true
    k8sServiceHost: localhost
    k8sServicePort: 7445
    ```

    ## Fix
    Set `k8sServiceHost` and `k8sServicePort` to an address of the API server that works
    without kube-proxy (a load balancer, or KubePrism on Talos).
    """


@rule(code="CD216", name="netkit-with-legacy-host-routing", severity=Severity.ERROR, view=True)
def netkit_with_legacy_host_routing(ctx: LintContext) -> None:
    """netkit devices with legacy host routing: Cilium 1.20 refuses to start.

    ## Why
    netkit moves the pod end of the device into BPF; Cilium 1.20 refuses it together with
    legacy host routing, whether the values ask for legacy routing or another setting
    demotes eBPF host routing (cilium/cilium PRs #44713, #46032).

    ## Bad
    ```yaml cilium=1.20
    bpf:
      datapathMode: netkit
      hostLegacyRouting: true
    ```

    ## Good
    ```yaml cilium=1.20
    kubeProxyReplacement: true
    bpf:
      datapathMode: netkit
      masquerade: true
    ```

    ## Fix
    Enable eBPF host routing (kube-proxy replacement and BPF masquerading, no
    `bpf.hostLegacyRouting`), or use `bpf.datapathMode: veth`.
    """


@rule(code="CD217", name="wireguard-with-ipsec", severity=Severity.ERROR, view=True)
def wireguard_with_ipsec(ctx: LintContext) -> None:
    """WireGuard and IPsec both turned on: the agent refuses to start.

    ## Why
    `encryption.type` picks one; an `extraConfig` entry that turns on the other one
    (`enable-wireguard` beside IPsec, `enable-ipsec` beside WireGuard) makes the agent exit
    at start (`cilium/cilium@v1.18.4:daemon/cmd/cells.go`, newWireguardAgent).

    ## Bad
    ```yaml
    encryption:
      enabled: true
      type: ipsec
    extraConfig:
      enable-wireguard: "true"
    ```

    ## Good
    ```yaml
    encryption:
      enabled: true
      type: wireguard
    ```

    ## Fix
    Keep one encryption: `encryption.type`, and drop the `extraConfig` entry.
    """


@rule(code="CD218", name="ipsec-with-bpf-nodeport", severity=Severity.ERROR, view=True)
def ipsec_with_bpf_nodeport(ctx: LintContext) -> None:
    """IPsec with BPF NodePort on Cilium 1.14/1.15: the agent refuses to start.

    ## Why
    Up to Cilium 1.15 the agent refuses IPsec encryption together with BPF NodePort (full
    kube-proxy replacement or `nodePort.enabled`): it exits at start.

    ## Bad
    ```yaml cilium=1.15
    kubeProxyReplacement: true
    encryption:
      enabled: true
      type: ipsec
    ```

    ## Good
    ```yaml cilium=1.15
    kubeProxyReplacement: true
    encryption:
      enabled: true
      type: wireguard
    ```

    ## Fix
    Use WireGuard, or upgrade to Cilium 1.16 or newer.
    """


@rule(code="CD219", name="bpf-masquerade-without-masquerading", severity=Severity.ERROR, view=True)
def bpf_masquerade_without_masquerading(ctx: LintContext) -> None:
    """`bpf.masquerade` while masquerading is off for every family: the agent refuses it.

    ## Why
    From Cilium 1.16 the agent requires `enable-ipv4-masquerade` or
    `enable-ipv6-masquerade` when BPF masquerading is asked for, and exits at start
    otherwise.

    ## Bad
    ```yaml cilium=1.16
    kubeProxyReplacement: true
    enableIPv4Masquerade: false
    bpf:
      masquerade: true
    ```

    ## Good
    ```yaml cilium=1.16
    kubeProxyReplacement: true
    enableIPv4Masquerade: false
    bpf:
      masquerade: false
    ```

    ## Fix
    Drop `bpf.masquerade`, or turn masquerading on.
    """


@rule(code="CD220", name="ip-masq-agent-without-bpf-masquerade", severity=Severity.ERROR, view=True)
def ip_masq_agent_without_bpf_masquerade(ctx: LintContext) -> None:
    """The BPF ip-masq-agent without BPF masquerading: the agent refuses to start.

    ## Why
    `ipMasqAgent.enabled` is the BPF implementation of ip-masq-agent; it needs BPF
    masquerading (`bpf.masquerade: true`), and the agent exits at start without it.

    ## Bad
    ```yaml
    ipMasqAgent:
      enabled: true
    ```

    ## Good
    ```yaml
    kubeProxyReplacement: true
    ipMasqAgent:
      enabled: true
    bpf:
      masquerade: true
    ```

    ## Fix
    Set `bpf.masquerade: true` (with kube-proxy replacement), or drop `ipMasqAgent`.
    """


@rule(code="CD221", name="l7-proxy-without-iptables-rules", severity=Severity.ERROR, view=True)
def l7_proxy_without_iptables_rules(ctx: LintContext) -> None:
    """The L7 proxy with `installIptablesRules: false`: the agent refuses to start.

    ## Why
    The L7 proxy (`l7Proxy`, on by default) redirects traffic with iptables rules the
    agent installs; with `installIptablesRules: false` the agent exits at start.

    ## Bad
    ```yaml
    installIptablesRules: false
    ```

    ## Good
    ```yaml
    installIptablesRules: false
    l7Proxy: false
    ```

    ## Fix
    Keep `installIptablesRules`, or turn the L7 proxy off (`l7Proxy: false`).
    """


@rule(code="CD222", name="bandwidth-manager-with-ipsec", severity=Severity.WARNING, view=True)
def bandwidth_manager_with_ipsec(ctx: LintContext) -> None:
    """The bandwidth manager together with IPsec encryption: the agent disables it.

    ## Why
    `The bandwidth manager cannot be used with IPSec. Disabling the bandwidth manager.`: the
    agent starts with the bandwidth manager off, whatever the kernel, so pod bandwidth limits
    (`kubernetes.io/egress-bandwidth`) and BBR are silently not applied
    (cilium/cilium@v1.16.0:pkg/datapath/linux/bandwidth/bandwidth.go, same up to v1.19.0).

    ## Bad
    ```yaml
    bandwidthManager:
      enabled: true
    encryption:
      enabled: true
      type: ipsec
    ```

    ## Good
    ```yaml
    bandwidthManager:
      enabled: true
    encryption:
      enabled: true
      type: wireguard
    ```

    ## Fix
    Use WireGuard encryption, or turn the bandwidth manager off.
    """


@rule(code="CD229", name="clustermesh-without-cluster-id", severity=Severity.WARNING, view=True)
def clustermesh_without_cluster_id(ctx: LintContext) -> None:
    """ClusterMesh asked for with cluster.id 0: the agent starts no cluster-mesh client.

    ## Why
    The agent builds its cluster-mesh client only for a non-zero cluster ID
    (cilium/cilium@v1.18.0:pkg/clustermesh/clustermesh.go, NewClusterMesh); with the
    clustermesh-apiserver deployed or remote clusters listed but cluster.id 0, no remote
    cluster is ever connected and the status has no `ClusterMesh:` line.

    ## Bad
    ```yaml cilium=1.18
    clustermesh:
      useAPIServer: true
    ```

    ## Good
    ```yaml cilium=1.18
    cluster:
      name: east
      id: 1
    clustermesh:
      useAPIServer: true
    ```

    ## Fix
    Give each meshed cluster a unique `cluster.id` (1 to the maximum) and `cluster.name`.
    """


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
    kpr_without_api_server_address,
    netkit_with_legacy_host_routing,
    wireguard_with_ipsec,
    ipsec_with_bpf_nodeport,
    bpf_masquerade_without_masquerading,
    ip_masq_agent_without_bpf_masquerade,
    l7_proxy_without_iptables_rules,
    bandwidth_manager_with_ipsec,
    clustermesh_without_cluster_id,
)
