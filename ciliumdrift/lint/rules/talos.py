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

import ipaddress
from collections.abc import Iterator
from typing import Any

from ciliumdrift.lint.rule import LintContext, Violation, rule
from ciliumdrift.model import Located, Severity
from ciliumdrift.versions import version_tuple

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})


def _where(located: Located[Any] | None) -> str:
    if located is None:
        return "Talos default"
    origin = located.origin
    if origin.position is not None:
        return str(origin.position)
    return origin.detail or "Talos default"


def _explicit_or_full(ctx: LintContext, located: Located[Any] | None) -> bool:
    """A Talos fact stated in a file, or a default of a full machine config (not a patch),
    or of a talconfig whose patches were all read (talhelper generated the rest)."""
    from ciliumdrift.load.talos import TALHELPER_DEFAULT

    if located is None or ctx.talos is None:
        return False
    if (located.origin.detail or "").startswith(TALHELPER_DEFAULT):
        return True
    return located.origin.position is not None or ctx.talos.machine_type is not None


def _kernel_row(ctx: LintContext, feature: str) -> dict[str, Any] | None:
    for row in ctx.data.get("kernel", {}).get("rows", ()):
        if row.get("feature") != feature:
            continue
        since, until = row.get("since_cilium"), row.get("until_cilium")
        if not ctx.within(str(since) if since else None, str(until) if until else None):
            continue
        return dict(row)
    return None


def _kernel_too_old(ctx: LintContext, feature: str) -> tuple[str, dict[str, Any]] | None:
    """(kernel, threshold row) when the Talos release's kernel is below the feature minimum."""
    talos = ctx.talos
    if talos is None or talos.kernel is None:
        return None
    row = _kernel_row(ctx, feature)
    if row is None:
        return None
    kernel = str(talos.kernel.value)
    have = version_tuple(kernel)
    if have and have < version_tuple(str(row["min_kernel"])):
        return kernel, row
    return None


def _talos_release(ctx: LintContext) -> str:
    talos = ctx.talos
    if talos is None or talos.version is None:
        return "this Talos release"
    return f"Talos {talos.version.value}"


def _kernel_violation(
    ctx: LintContext, unit: Any, feature: str, key: str, what: str
) -> Iterator[Violation]:
    found = _kernel_too_old(ctx, feature)
    if found is None:
        return
    kernel, row = found
    effect = {
        "fatal": "the agent will not start",
        "fallback": "the agent silently falls back",
        "broken": "pods will not start",
    }.get(str(row.get("effect")), "it is not supported")
    message = (
        f"{what} needs Linux {row['min_kernel']} or newer but {_talos_release(ctx)} ships {kernel}"
        f" ({_where(ctx.talos.kernel if ctx.talos else None)}): {effect}"
    )
    severity = Severity.ERROR if row.get("effect") in {"fatal", "broken"} else Severity.WARNING
    yield unit.violation(ctx, message, ctx.value_at(key), key=key, severity=severity)


@rule(
    code="CD301",
    name="native-routing-cidr-misses-pod-subnets",
    severity=Severity.ERROR,
    needs_talos=True,
)
def native_routing_cidr_misses_pod_subnets(ctx: LintContext) -> Iterator[Violation]:
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
    talos = ctx.talos
    if talos is None or ctx.routing_mode != "native":
        return
    if talos.pod_subnets is None or not _explicit_or_full(ctx, talos.pod_subnets):
        return  # a patch that says nothing about subnets: the default is not evidence
    for key, family in (("ipv4NativeRoutingCIDR", 4), ("ipv6NativeRoutingCIDR", 6)):
        text = ctx.user(key)
        if not text:
            continue
        try:
            cidr = ipaddress.ip_network(str(text), strict=False)
        except ValueError:
            continue  # CD108 or CD501 report it
        for subnet in talos.pod_subnets.value:
            try:
                pods = ipaddress.ip_network(str(subnet), strict=False)
            except ValueError:
                continue
            if pods.version != family or cidr.version != family:
                continue
            if not pods.subnet_of(cidr):  # type: ignore[arg-type]
                message = (
                    f"{key} {cidr} does not contain the Talos pod subnet {pods}"
                    f" ({_where(talos.pod_subnets)})"
                )
                yield native_routing_cidr_misses_pod_subnets.violation(
                    ctx, message, ctx.value_at(key), key=key, fix=f"{key}: {pods}"
                )


@rule(code="CD302", name="netkit-kernel-too-old", severity=Severity.ERROR, needs_talos=True)
def netkit_kernel_too_old(ctx: LintContext) -> Iterator[Violation]:
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
    mode = str(ctx.effective("bpf.datapathMode", "veth"))
    if mode in {"netkit", "netkit-l2"}:
        feature = "netkit" if ctx.gate("netkit-kernel-probe") else "netkit-unprobed"
        yield from _kernel_violation(
            ctx, netkit_kernel_too_old, feature, "bpf.datapathMode", f"datapath mode {mode}"
        )


@rule(code="CD303", name="tcx-kernel-too-old", severity=Severity.WARNING, needs_talos=True)
def tcx_kernel_too_old(ctx: LintContext) -> Iterator[Violation]:
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
    if ctx.user("bpf.enableTCX") is True and ctx.gate("attach-mode-status-line"):
        yield from _kernel_violation(
            ctx, tcx_kernel_too_old, "tcx", "bpf.enableTCX", "bpf.enableTCX"
        )


@rule(code="CD304", name="bbr-kernel-too-old", severity=Severity.ERROR, needs_talos=True)
def bbr_kernel_too_old(ctx: LintContext) -> Iterator[Violation]:
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
    if ctx.flag("bandwidthManager.enabled") and ctx.flag("bandwidthManager.bbr"):
        yield from _kernel_violation(ctx, bbr_kernel_too_old, "bbr", "bandwidthManager.bbr", "BBR")


@rule(code="CD305", name="big-tcp-kernel-too-old", severity=Severity.WARNING, needs_talos=True)
def big_tcp_kernel_too_old(ctx: LintContext) -> Iterator[Violation]:
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
    for key, feature, what in (
        ("enableIPv4BIGTCP", "ipv4-big-tcp", "IPv4 BIG TCP"),
        ("enableIPv6BIGTCP", "ipv6-big-tcp", "IPv6 BIG TCP"),
    ):
        if ctx.flag(key):
            yield from _kernel_violation(ctx, big_tcp_kernel_too_old, feature, key, what)


@rule(
    code="CD306",
    name="host-dns-forward-with-bpf-host-routing",
    severity=Severity.ERROR,
    needs_talos=True,
)
def host_dns_forward_with_bpf_host_routing(ctx: LintContext) -> Iterator[Violation]:
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
    talos = ctx.talos
    if talos is None or talos.forward_kube_dns_to_host is None:
        return
    if not talos.forward_kube_dns_to_host.value:
        return
    if talos.host_dns_enabled is not None and not talos.host_dns_enabled.value:
        return
    if not ctx.gate("host-dns-bpf-host-routing-fixed"):
        return
    if ctx.host_routing_legacy_reason() is not None:
        return
    key = "bpf.masquerade" if ctx.values.has("bpf.masquerade") else "kubeProxyReplacement"
    message = (
        "eBPF host routing breaks Talos hostDNS forwardKubeDNSToHost"
        f" ({_where(talos.forward_kube_dns_to_host)}): pod DNS queries to 169.254.116.108 time out"
        " (siderolabs/talos#10002)"
    )
    yield host_dns_forward_with_bpf_host_routing.violation(
        ctx, message, ctx.value_at(key), key=key, fix="bpf.hostLegacyRouting: true"
    )


def _service_host(ctx: LintContext) -> str | None:
    host = ctx.user("k8sServiceHost")
    return str(host).strip().lower() if host is not None else None


@rule(code="CD307", name="kubeprism-disabled", severity=Severity.ERROR, needs_talos=True)
def kubeprism_disabled(ctx: LintContext) -> Iterator[Violation]:
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
    talos = ctx.talos
    if talos is None or _service_host(ctx) not in LOCAL_HOSTS:
        return
    enabled = talos.kubeprism_enabled
    if enabled is None or enabled.value or not _explicit_or_full(ctx, enabled):
        return
    message = (
        f"k8sServiceHost {ctx.user('k8sServiceHost')} relies on Talos KubePrism, which is "
        f"disabled ({_where(enabled)})"
    )
    yield kubeprism_disabled.violation(
        ctx, message, ctx.value_at("k8sServiceHost"), key="k8sServiceHost"
    )


@rule(code="CD308", name="kubeprism-port-mismatch", severity=Severity.ERROR, needs_talos=True)
def kubeprism_port_mismatch(ctx: LintContext) -> Iterator[Violation]:
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
    talos = ctx.talos
    if talos is None or _service_host(ctx) not in LOCAL_HOSTS:
        return
    if talos.kubeprism_enabled is not None and not talos.kubeprism_enabled.value:
        return  # CD307
    port = talos.kubeprism_port.value if talos.kubeprism_port is not None else 7445
    declared = ctx.user("k8sServicePort")
    try:
        same = declared is not None and int(str(declared).strip()) == int(port)
    except ValueError:
        same = False
    if same:
        return
    shown = "not set" if declared in (None, "") else str(declared)
    message = (
        f"k8sServicePort is {shown} but Talos KubePrism listens on {port} "
        f"({_where(talos.kubeprism_port)})"
    )
    yield kubeprism_port_mismatch.violation(
        ctx,
        message,
        ctx.value_at("k8sServicePort"),
        key="k8sServicePort",
        fix=f"k8sServicePort: {port}",
    )


@rule(code="CD309", name="kube-proxy-still-running", severity=Severity.WARNING, needs_talos=True)
def kube_proxy_still_running(ctx: LintContext) -> Iterator[Violation]:
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
    talos = ctx.talos
    if talos is None or not ctx.kpr:
        return
    disabled = talos.kube_proxy_disabled
    if disabled is None or disabled.value or not _explicit_or_full(ctx, disabled):
        return
    message = (
        f"kubeProxyReplacement is true but Talos still deploys kube-proxy ({_where(disabled)})"
    )
    yield kube_proxy_still_running.violation(
        ctx, message, ctx.value_at("kubeProxyReplacement"), key="kubeProxyReplacement"
    )


@rule(code="CD310", name="no-service-implementation", severity=Severity.ERROR, needs_talos=True)
def no_service_implementation(ctx: LintContext) -> Iterator[Violation]:
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
    talos = ctx.talos
    if talos is None or ctx.kpr or talos.kube_proxy_disabled is None:
        return
    if not talos.kube_proxy_disabled.value:
        return
    key = "kubeProxyReplacement"
    message = (
        f"Talos disables kube-proxy ({_where(talos.kube_proxy_disabled)}) but "
        "kubeProxyReplacement is not true: no Service implementation"
    )
    yield no_service_implementation.violation(
        ctx, message, ctx.value_at(key), key=key, fix="kubeProxyReplacement: true"
    )


@rule(code="CD311", name="talos-cni-not-none", severity=Severity.ERROR, needs_talos=True)
def talos_cni_not_none(ctx: LintContext) -> Iterator[Violation]:
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
    talos = ctx.talos
    if talos is None or talos.cni is None:
        return
    if str(talos.cni.value) in {"none", "custom"} or not _explicit_or_full(ctx, talos.cni):
        return
    message = f"Talos installs the CNI '{talos.cni.value}' ({_where(talos.cni)}) alongside Cilium"
    position = ctx.where("cni") if ctx.values.has("cni") else ctx.start()
    yield talos_cni_not_none.violation(ctx, message, position)


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
    code="CD314", name="ipam-ignores-talos-pod-subnets", severity=Severity.WARNING, needs_talos=True
)
def ipam_ignores_talos_pod_subnets(ctx: LintContext) -> Iterator[Violation]:
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
    if ctx.talos is None or not _explicit_or_full(ctx, ctx.talos.pod_subnets):
        return
    assert ctx.talos.pod_subnets is not None
    mode = str(ctx.effective("ipam.mode", "cluster-pool"))
    if mode != "cluster-pool":
        return
    pools = ctx.effective("ipam.operator.clusterPoolIPv4PodCIDRList", ["10.0.0.0/8"])
    subnets = ", ".join(str(s) for s in ctx.talos.pod_subnets.value)
    key = "ipam.mode" if ctx.values.has("ipam.mode") else "ipam"
    yield ipam_ignores_talos_pod_subnets.violation(
        ctx,
        f"ipam.mode is cluster-pool ({pools}): pods will not get addresses from the Talos pod "
        f"subnets {subnets}",
        ctx.value_at(key) if ctx.values.has(key) else ctx.where(key),
        key="ipam.mode",
        fix="ipam.mode: kubernetes",
    )


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
)
