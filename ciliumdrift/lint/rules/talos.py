"""Family 3: Talos cross-checks. Values that contradict the Talos machine config.

These rules run only when Talos files are given (``--talos``). Facts come from the Talos
loader (:class:`~ciliumdrift.load.model.TalosFacts`), whose values carry their own
positions; a violation points at the values line and names the Talos line in its message.
References: https://www.talos.dev/v1.12/reference/configuration/v1alpha1/config/ (fields and
defaults), https://docs.siderolabs.com/kubernetes-guides/cni/deploying-cilium (the Talos
guide for Cilium) and the kernel of each Talos release (its release notes on
https://github.com/siderolabs/talos/releases).
"""

from __future__ import annotations

from collections.abc import Iterator

from ciliumdrift.lint.rule import LintContext, Violation, rule
from ciliumdrift.model import Severity

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})


@rule(
    code="CD301",
    name="native-routing-cidr-misses-pod-subnets",
    severity=Severity.ERROR,
    needs_talos=True,
    view=True,
)
def native_routing_cidr_misses_pod_subnets(ctx: LintContext) -> None:
    """The native-routing CIDR does not cover Talos' pod subnets.

    ## Why
    Pods get addresses from Talos' `cluster.network.podSubnets` (with `ipam.mode:
    kubernetes`). Traffic to pod addresses outside `ipv4NativeRoutingCIDR` is masqueraded or
    sent to the default route instead of being routed natively
    (https://docs.cilium.io/en/stable/network/concepts/masquerading/).

    ## Bad
    ```yaml
    routingMode: native
    ipv4NativeRoutingCIDR: 10.42.0.0/16
    ipam:
      mode: kubernetes
    ```
    ```yaml talos
    version: v1alpha1
    machine:
      type: controlplane
    cluster:
      network:
        podSubnets: [10.244.0.0/16]
    ```

    ## Good
    ```yaml
    routingMode: native
    ipv4NativeRoutingCIDR: 10.244.0.0/16
    ipam:
      mode: kubernetes
    ```
    ```yaml talos
    version: v1alpha1
    machine:
      type: controlplane
    cluster:
      network:
        podSubnets: [10.244.0.0/16]
    ```

    ## Fix
    Set `ipv4NativeRoutingCIDR` (and `ipv6NativeRoutingCIDR`) to a prefix that contains every
    Talos pod subnet of that family.
    """


@rule(
    code="CD302", name="netkit-kernel-too-old", severity=Severity.ERROR, needs_talos=True, view=True
)
def netkit_kernel_too_old(ctx: LintContext) -> None:
    """netkit device mode on a Talos release whose kernel has no netkit.

    ## Why
    netkit needs Linux 6.7 (`CONFIG_NETKIT`). Cilium 1.17+ exits at start (`netkit devices
    need kernel 6.7.0 or newer`), 1.16 starts but pods never get their devices; there is no
    fallback to veth (cilium/cilium@v1.17.0:daemon/cmd/daemon_main.go initEnv). Talos 1.5–1.8
    ship 6.1 or 6.6 kernels (https://github.com/siderolabs/talos/releases/tag/v1.8.0).

    ## Bad
    ```yaml
    bpf:
      datapathMode: netkit
    ```
    ```yaml talos
    version: v1alpha1
    machine:
      type: controlplane
      install:
        image: ghcr.io/siderolabs/installer:v1.8.3
    ```

    ## Good
    ```yaml
    bpf:
      datapathMode: netkit
    ```
    ```yaml talos
    version: v1alpha1
    machine:
      type: controlplane
      install:
        image: ghcr.io/siderolabs/installer:v1.9.4
    ```

    ## Fix
    Upgrade Talos to 1.9 or newer before switching to netkit, or keep `bpf.datapathMode: veth`.
    """


@rule(
    code="CD303", name="tcx-kernel-too-old", severity=Severity.WARNING, needs_talos=True, view=True
)
def tcx_kernel_too_old(ctx: LintContext) -> None:
    """TCX attachment asked for on a Talos release whose kernel has no TCX.

    ## Why
    TCX links need Linux 6.6. Without them the agent silently attaches with legacy tc and
    `cilium status` shows `Attach Mode: Legacy TC`
    (cilium/cilium@v1.16.0:pkg/datapath/loader/tc.go). Talos 1.5/1.6 ship Linux 6.1.

    ## Bad
    ```yaml
    bpf:
      enableTCX: true
    ```
    ```yaml talos
    version: v1alpha1
    machine:
      type: controlplane
      install:
        image: ghcr.io/siderolabs/installer:v1.6.7
    ```

    ## Good
    ```yaml
    bpf:
      enableTCX: true
    ```
    ```yaml talos
    version: v1alpha1
    machine:
      type: controlplane
      install:
        image: ghcr.io/siderolabs/installer:v1.7.6
    ```

    ## Fix
    Upgrade Talos to 1.7 or newer, or expect `Attach Mode: Legacy TC`.
    """


@rule(code="CD304", name="bbr-kernel-too-old", severity=Severity.ERROR, needs_talos=True, view=True)
def bbr_kernel_too_old(ctx: LintContext) -> None:
    """BBR for pods on a Talos release whose kernel is older than 5.18.

    ## Why
    The agent exits with `cannot enable --enable-bbr, needs kernel 5.18 or newer`
    (cilium/cilium@v1.16.0:pkg/datapath/linux/bandwidth/bandwidth.go). Every Talos release
    since 1.5 ships a newer kernel; Talos 1.3 and
    older ship Linux 5.15.

    ## Bad
    ```yaml
    bandwidthManager:
      enabled: true
      bbr: true
    ```
    ```yaml talos kernel=5.15.83
    version: v1alpha1
    machine:
      type: controlplane
      install:
        image: ghcr.io/siderolabs/installer:v1.3.7
    ```

    ## Good
    ```yaml
    bandwidthManager:
      enabled: true
      bbr: true
    ```
    ```yaml talos
    version: v1alpha1
    machine:
      type: controlplane
      install:
        image: ghcr.io/siderolabs/installer:v1.9.4
    ```

    ## Fix
    Upgrade Talos, or turn `bandwidthManager.bbr` off.
    """


@rule(
    code="CD305",
    name="big-tcp-kernel-too-old",
    severity=Severity.WARNING,
    needs_talos=True,
    view=True,
)
def big_tcp_kernel_too_old(ctx: LintContext) -> None:
    """BIG TCP on a Talos release whose kernel cannot do it.

    ## Why
    IPv4 BIG TCP needs Linux 6.3, IPv6 BIG TCP 5.19. On an older kernel the agent keeps
    running with BIG TCP off, and from 1.15 `cilium status` still says `Enabled`, only with
    `[65536]` (cilium/cilium@v1.16.0:pkg/datapath/linux/bigtcp/bigtcp.go). Talos 1.5/1.6 ship
    Linux 6.1.

    ## Bad
    ```yaml
    routingMode: native
    ipv4NativeRoutingCIDR: 10.244.0.0/16
    enableIPv4BIGTCP: true
    ```
    ```yaml talos
    version: v1alpha1
    machine:
      type: controlplane
      install:
        image: ghcr.io/siderolabs/installer:v1.6.7
    ```

    ## Good
    ```yaml
    routingMode: native
    ipv4NativeRoutingCIDR: 10.244.0.0/16
    enableIPv4BIGTCP: true
    ```
    ```yaml talos
    version: v1alpha1
    machine:
      type: controlplane
      install:
        image: ghcr.io/siderolabs/installer:v1.7.6
    ```

    ## Fix
    Upgrade Talos to 1.7 or newer, or drop the BIG TCP setting.
    """


@rule(
    code="CD306",
    name="host-dns-forward-with-bpf-host-routing",
    severity=Severity.ERROR,
    needs_talos=True,
    view=True,
)
def host_dns_forward_with_bpf_host_routing(ctx: LintContext) -> None:
    """Talos `forwardKubeDNSToHost` with Cilium eBPF host routing: pod DNS times out.

    ## Why
    With `machine.features.hostDNS.forwardKubeDNSToHost: true` CoreDNS forwards to
    169.254.116.108 on the host. With eBPF host routing (kube-proxy replacement and BPF
    masquerading, Cilium 1.16.5 and newer) those packets never reach the host resolver and
    CoreDNS logs `i/o timeout` (siderolabs/talos#10002, cilium/cilium#36737, cilium/cilium PR
    #36852; https://docs.cilium.io/en/stable/installation/k8s-install-talos-linux/).

    ## Bad
    ```yaml cilium=1.18.4
    kubeProxyReplacement: true
    bpf:
      masquerade: true
    ```
    ```yaml talos
    version: v1alpha1
    machine:
      type: controlplane
      features:
        hostDNS:
          enabled: true
          forwardKubeDNSToHost: true
    ```

    ## Good
    ```yaml cilium=1.18.4
    kubeProxyReplacement: true
    bpf:
      masquerade: true
      hostLegacyRouting: true  # siderolabs/talos#10002
    ```
    ```yaml talos
    version: v1alpha1
    machine:
      type: controlplane
      features:
        hostDNS:
          enabled: true
          forwardKubeDNSToHost: true
    ```

    ## Fix
    Either set `bpf.hostLegacyRouting: true` in the values (Cilium's documented fix) or
    `machine.features.hostDNS.forwardKubeDNSToHost: false` in Talos (Talos' documented fix).
    """


@rule(code="CD307", name="kubeprism-disabled", severity=Severity.ERROR, needs_talos=True, view=True)
def kubeprism_disabled(ctx: LintContext) -> None:
    """Cilium talks to the API server through KubePrism, but Talos has KubePrism off.

    ## Why
    `k8sServiceHost: localhost` (or 127.0.0.1) only works because Talos' KubePrism listens
    there. Configs generated for Talos 1.5 or older, or with `--kubeprism-port 0`, have it
    off, and the agents crash-loop unable to reach the API (siderolabs/talos#9132;
    https://www.talos.dev/v1.12/kubernetes-guides/configuration/kubeprism/).

    ## Bad
    ```yaml
    k8sServiceHost: localhost
    k8sServicePort: 7445
    ```
    ```yaml talos
    version: v1alpha1
    machine:
      type: controlplane
      features:
        kubePrism:
          enabled: false
    ```

    ## Good
    ```yaml
    k8sServiceHost: localhost
    k8sServicePort: 7445
    ```
    ```yaml talos
    version: v1alpha1
    machine:
      type: controlplane
      features:
        kubePrism:
          enabled: true
          port: 7445
    ```

    ## Fix
    Enable KubePrism in Talos (`machine.features.kubePrism.enabled: true`), or point
    `k8sServiceHost`/`k8sServicePort` at the real API endpoint.
    """


@rule(
    code="CD308",
    name="kubeprism-port-mismatch",
    severity=Severity.ERROR,
    needs_talos=True,
    view=True,
)
def kubeprism_port_mismatch(ctx: LintContext) -> None:
    """`k8sServicePort` is not the port Talos' KubePrism listens on.

    ## Why
    With `k8sServiceHost: localhost` the agent connects to KubePrism on the node; any other
    port (6443 is the usual mistake) has nothing listening and the agent cannot reach the
    API server (https://www.talos.dev/v1.12/kubernetes-guides/configuration/kubeprism/).

    ## Bad
    ```yaml
    k8sServiceHost: localhost
    k8sServicePort: 6443
    ```
    ```yaml talos
    version: v1alpha1
    machine:
      type: controlplane
      features:
        kubePrism:
          enabled: true
          port: 7445
    ```

    ## Good
    ```yaml
    k8sServiceHost: localhost
    k8sServicePort: 7445
    ```
    ```yaml talos
    version: v1alpha1
    machine:
      type: controlplane
      features:
        kubePrism:
          enabled: true
          port: 7445
    ```

    ## Fix
    Set `k8sServicePort` to the KubePrism port (7445 unless changed in Talos).
    """


@rule(
    code="CD309",
    name="kube-proxy-still-running",
    severity=Severity.WARNING,
    needs_talos=True,
    view=True,
)
def kube_proxy_still_running(ctx: LintContext) -> None:
    """Kube-proxy replacement while Talos still deploys kube-proxy.

    ## Why
    With `cluster.proxy.disabled` not set, Talos deploys kube-proxy and both it and Cilium
    program services; the Talos guide pairs `kubeProxyReplacement: true` with
    `cluster.proxy.disabled: true` (https://docs.siderolabs.com/kubernetes-guides/cni/deploying-cilium).

    ## Bad
    ```yaml
    kubeProxyReplacement: true
    ```
    ```yaml talos
    version: v1alpha1
    machine:
      type: controlplane
    cluster:
      proxy:
        disabled: false
    ```

    ## Good
    ```yaml
    kubeProxyReplacement: true
    ```
    ```yaml talos
    version: v1alpha1
    machine:
      type: controlplane
    cluster:
      proxy:
        disabled: true
    ```

    ## Fix
    Set `cluster.proxy.disabled: true` in Talos (and remove the running kube-proxy DaemonSet).
    """


@rule(
    code="CD310",
    name="no-service-implementation",
    severity=Severity.ERROR,
    needs_talos=True,
    view=True,
)
def no_service_implementation(ctx: LintContext) -> None:
    """Talos has kube-proxy disabled but Cilium does not replace it.

    ## Why
    With `cluster.proxy.disabled: true` and `kubeProxyReplacement` false (the default since
    Cilium 1.14) nothing implements Services: ClusterIPs do not answer
    (https://docs.siderolabs.com/kubernetes-guides/cni/deploying-cilium).

    ## Bad
    ```yaml
    ipam:
      mode: kubernetes
    ```
    ```yaml talos
    version: v1alpha1
    machine:
      type: controlplane
    cluster:
      proxy:
        disabled: true
    ```

    ## Good
    ```yaml
    ipam:
      mode: kubernetes
    kubeProxyReplacement: true
    ```
    ```yaml talos
    version: v1alpha1
    machine:
      type: controlplane
    cluster:
      proxy:
        disabled: true
    ```

    ## Fix
    Set `kubeProxyReplacement: true` (with `k8sServiceHost`/`k8sServicePort`), or let Talos
    deploy kube-proxy.
    """


@rule(code="CD311", name="talos-cni-not-none", severity=Severity.ERROR, needs_talos=True, view=True)
def talos_cni_not_none(ctx: LintContext) -> None:
    """Talos still installs its own CNI (Flannel) next to Cilium.

    ## Why
    Talos deploys Flannel unless `cluster.network.cni.name` is `none` (or `custom`); two CNIs
    on one node fight over pod networking
    (https://www.talos.dev/v1.12/reference/configuration/v1alpha1/config/, cluster.network.cni).

    ## Bad
    ```yaml
    kubeProxyReplacement: true
    ```
    ```yaml talos
    version: v1alpha1
    machine:
      type: controlplane
    cluster:
      network:
        cni:
          name: flannel
    ```

    ## Good
    ```yaml
    kubeProxyReplacement: true
    ```
    ```yaml talos
    version: v1alpha1
    machine:
      type: controlplane
    cluster:
      network:
        cni:
          name: none
    ```

    ## Fix
    Set `cluster.network.cni.name: none` in Talos.
    """


@rule(code="CD312", name="cgroup-automount-on-talos", severity=Severity.WARNING, needs_talos=True)
def cgroup_automount_on_talos(ctx: LintContext) -> Iterator[Violation]:
    """Cilium mounts its own cgroup2 hierarchy on Talos instead of using Talos' mount.

    ## Why
    Talos already mounts cgroup v2 at `/sys/fs/cgroup`; the Talos guide sets
    `cgroup.autoMount.enabled: false` and `cgroup.hostRoot: /sys/fs/cgroup`. A misspelled
    `cgroup.automount` leaves the chart default (`true`) in place
    (https://docs.siderolabs.com/kubernetes-guides/cni/deploying-cilium).

    ## Bad
    ```yaml
    cgroup:
      automount:
        enabled: false
      hostRoot: /sys/fs/cgroup
    ```
    ```yaml talos
    version: v1alpha1
    machine:
      type: controlplane
    ```

    ## Good
    ```yaml
    cgroup:
      autoMount:
        enabled: false
      hostRoot: /sys/fs/cgroup
    ```
    ```yaml talos
    version: v1alpha1
    machine:
      type: controlplane
    ```

    ## Fix
    Set `cgroup.autoMount.enabled: false` and `cgroup.hostRoot: /sys/fs/cgroup`.
    """
    if ctx.talos is None:
        return
    if ctx.flag("cgroup.autoMount.enabled", True):
        key = "cgroup" if ctx.values.has("cgroup") else "cgroup.autoMount.enabled"
        yield cgroup_automount_on_talos.violation(
            ctx,
            "cgroup.autoMount.enabled is true (chart default): on Talos set it to false and "
            "use hostRoot /sys/fs/cgroup",
            ctx.where(key),
            key="cgroup.autoMount.enabled",
            fix="cgroup.autoMount.enabled: false",
        )
    root = ctx.effective("cgroup.hostRoot")
    if (
        root is not None
        and str(root).rstrip("/") != "/sys/fs/cgroup"
        and ctx.values.has("cgroup.hostRoot")
    ):
        yield cgroup_automount_on_talos.violation(
            ctx,
            f"cgroup.hostRoot is {root}: Talos mounts cgroup v2 at /sys/fs/cgroup",
            ctx.value_at("cgroup.hostRoot"),
            key="cgroup.hostRoot",
            fix="cgroup.hostRoot: /sys/fs/cgroup",
        )


@rule(
    code="CD313", name="sys-module-capability-on-talos", severity=Severity.WARNING, needs_talos=True
)
def sys_module_capability_on_talos(ctx: LintContext) -> Iterator[Violation]:
    """The agent asks for `SYS_MODULE`, which Talos never grants.

    ## Why
    Talos blocks module loading for every workload, so the Talos guide drops `SYS_MODULE`
    from `securityContext.capabilities.ciliumAgent` (the chart default includes it); modules
    Cilium needs must be listed in `machine.kernel.modules`
    (https://www.talos.dev/v1.8/learn-more/process-capabilities/).

    ## Bad
    ```yaml
    securityContext:
      capabilities:
        ciliumAgent: [CHOWN, KILL, NET_ADMIN, NET_RAW, SYS_MODULE, SYS_ADMIN]
    ```
    ```yaml talos
    version: v1alpha1
    machine:
      type: controlplane
    ```

    ## Good
    ```yaml
    securityContext:
      capabilities:
        ciliumAgent: [CHOWN, KILL, NET_ADMIN, NET_RAW, SYS_ADMIN]
    ```
    ```yaml talos
    version: v1alpha1
    machine:
      type: controlplane
    ```

    ## Fix
    Set `securityContext.capabilities.ciliumAgent` to the Talos guide's list (without
    `SYS_MODULE`).
    """
    if ctx.talos is None or ctx.flag("securityContext.privileged"):
        return
    key = "securityContext.capabilities.ciliumAgent"
    capabilities = ctx.effective(key)
    if isinstance(capabilities, list) and "SYS_MODULE" in [str(c) for c in capabilities]:
        where = ctx.value_at(key) if ctx.values.has(key) else ctx.where("securityContext")
        source = "" if ctx.values.has(key) else " (chart default)"
        yield sys_module_capability_on_talos.violation(
            ctx, f"{key} includes SYS_MODULE{source}, which Talos does not allow", where, key=key
        )


@rule(
    code="CD314",
    name="ipam-ignores-talos-pod-subnets",
    severity=Severity.WARNING,
    needs_talos=True,
    view=True,
)
def ipam_ignores_talos_pod_subnets(ctx: LintContext) -> None:
    """Cluster-pool IPAM hands out pod addresses outside Talos' pod subnets.

    ## Why
    Talos' controller manager assigns each node a pod CIDR from `podSubnets`; Cilium uses
    them only with `ipam.mode: kubernetes`. The chart default `cluster-pool` allocates from
    10.0.0.0/8 instead, which Talos' node pod CIDRs, native-routing CIDR and firewall rules do
    not expect (https://docs.cilium.io/en/stable/installation/k8s-install-talos-linux/).

    ## Bad
    ```yaml
    kubeProxyReplacement: true
    ```
    ```yaml talos
    version: v1alpha1
    machine:
      type: controlplane
    cluster:
      network:
        podSubnets: [10.244.0.0/16]
    ```

    ## Good
    ```yaml
    kubeProxyReplacement: true
    ipam:
      mode: kubernetes
    ```
    ```yaml talos
    version: v1alpha1
    machine:
      type: controlplane
    cluster:
      network:
        podSubnets: [10.244.0.0/16]
    ```

    ## Fix
    Set `ipam.mode: kubernetes`.
    """


@rule(
    code="CD315",
    name="bandwidth-manager-kernel-too-old",
    severity=Severity.WARNING,
    needs_talos=True,
    view=True,
)
def bandwidth_manager_kernel_too_old(ctx: LintContext) -> None:
    """The bandwidth manager on a kernel older than 5.1: the agent disables it.

    ## Why
    Up to Cilium 1.16 the agent turns the bandwidth manager off by itself on a kernel
    older than 5.1 ("BPF bandwidth manager needs kernel 5.1 or newer. Disabling the
    feature."): pod bandwidth limits are silently not enforced.

    ## Bad
    ```yaml cilium=1.16
    bandwidthManager:
      enabled: true
    ```
    ```yaml talos kernel=4.19.0
    version: v1alpha1
    machine:
      type: controlplane
      install:
        image: ghcr.io/siderolabs/installer:v1.3.7
    ```

    ## Good
    ```yaml cilium=1.16
    bandwidthManager:
      enabled: true
    ```
    ```yaml talos
    version: v1alpha1
    machine:
      type: controlplane
      install:
        image: ghcr.io/siderolabs/installer:v1.9.4
    ```

    ## Fix
    Run a Talos release whose kernel is 5.1 or newer.
    """


@rule(
    code="CD316",
    name="wireguard-kernel-too-old",
    severity=Severity.ERROR,
    needs_talos=True,
    view=True,
)
def wireguard_kernel_too_old(ctx: LintContext) -> None:
    """WireGuard encryption on a kernel without WireGuard (older than 5.6).

    ## Why
    The agent creates the `cilium_wg0` device at start; on a kernel older than 5.6 there is
    no WireGuard and the agent exits ("WireGuard not supported by the Linux kernel").

    ## Bad
    ```yaml
    encryption:
      enabled: true
      type: wireguard
    ```
    ```yaml talos kernel=5.4.0
    version: v1alpha1
    machine:
      type: controlplane
      install:
        image: ghcr.io/siderolabs/installer:v1.3.7
    ```

    ## Good
    ```yaml
    encryption:
      enabled: true
      type: wireguard
    ```
    ```yaml talos
    version: v1alpha1
    machine:
      type: controlplane
      install:
        image: ghcr.io/siderolabs/installer:v1.9.4
    ```

    ## Fix
    Run a Talos release whose kernel is 5.6 or newer, or use IPsec.
    """


@rule(
    code="CD317",
    name="kernel-below-cilium-minimum",
    severity=Severity.ERROR,
    needs_talos=True,
    view=True,
)
def kernel_below_cilium_minimum(ctx: LintContext) -> None:
    """A node kernel below the minimum this Cilium version starts on.

    ## Why
    Cilium 1.18 and newer need `bpf_redirect_neigh()` (Linux 5.10) and exit at start on an
    older kernel (`cilium/cilium@v1.18.4:pkg/datapath/linux/requirements.go`).

    ## Bad
    ```yaml cilium=1.18
    ipam:
      mode: kubernetes
    ```
    ```yaml talos kernel=5.4.0
    version: v1alpha1
    machine:
      type: controlplane
      install:
        image: ghcr.io/siderolabs/installer:v1.3.7
    ```

    ## Good
    ```yaml cilium=1.18
    ipam:
      mode: kubernetes
    ```
    ```yaml talos
    version: v1alpha1
    machine:
      type: controlplane
      install:
        image: ghcr.io/siderolabs/installer:v1.9.4
    ```

    ## Fix
    Run a Talos release whose kernel is 5.10 or newer, or stay on Cilium 1.17.
    """


RULES = (
    native_routing_cidr_misses_pod_subnets,
    netkit_kernel_too_old,
    tcx_kernel_too_old,
    bbr_kernel_too_old,
    big_tcp_kernel_too_old,
    host_dns_forward_with_bpf_host_routing,
    kubeprism_disabled,
    kubeprism_port_mismatch,
    kube_proxy_still_running,
    no_service_implementation,
    talos_cni_not_none,
    cgroup_automount_on_talos,
    sys_module_capability_on_talos,
    ipam_ignores_talos_pod_subnets,
    bandwidth_manager_kernel_too_old,
    wireguard_kernel_too_old,
    kernel_below_cilium_minimum,
)
