"""Family 3: Talos cross-checks. Values that contradict the Talos machine config.

These rules run only when Talos files are given (``--talos``). Facts come from the Talos
loader (:class:`~ciliumdrift.load.model.TalosFacts`), whose values carry their own
positions; a violation points at the values line and names the Talos line in its message.
References: https://www.talos.dev/v1.12/reference/configuration/v1alpha1/config/ (fields and
defaults), https://docs.siderolabs.com/kubernetes-guides/cni/deploying-cilium (the Talos
guide for Cilium) and the kernel of each Talos release (its release notes on
https://github.com/siderolabs/talos/releases).

Most rules here are *views* of the model of the agent (``lint.model``): they hold only their
documentation, so they are declared as data: a summary, why, a Bad and a Good example, and
the fix. The Talos side of an example is built from the few lines that differ (a kernel rule's
examples differ only in the Talos release). CD312 and CD313 are checks of their own: no status
line shows the agent pod's spec.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ciliumdrift.lint.rule import LintContext, Rule, Violation, declare_rule
from ciliumdrift.model import Severity

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})


def _talos(machine: str = "", cluster: str = "") -> str:
    """A Talos controlplane config with these lines under ``machine:`` and ``cluster:``."""
    text = "version: v1alpha1\nmachine:\n  type: controlplane\n" + _indent(machine)
    return text + ("cluster:\n" + _indent(cluster) if cluster else "")


def _indent(lines: str) -> str:
    return "".join(f"  {line}\n" for line in lines.splitlines())


def _installer(tag: str) -> str:
    """A Talos config that installs this Talos release (whose kernel the table knows)."""
    return _talos(machine=f"install:\n  image: ghcr.io/siderolabs/installer:{tag}\n")


#: Talos configs several examples share.
_POD_SUBNETS = _talos(cluster="network:\n  podSubnets: [10.244.0.0/16]\n")
_KUBEPRISM_ON = _talos(machine="features:\n  kubePrism:\n    enabled: true\n    port: 7445\n")
_KUBE_PROXY_OFF = _talos(cluster="proxy:\n  disabled: true\n")
_HOST_DNS_FORWARD = _talos(
    machine="features:\n  hostDNS:\n    enabled: true\n    forwardKubeDNSToHost: true\n"
)


@dataclass(frozen=True)
class _Case:
    """One documented example: values, the Talos config, and the run's Cilium version and
    node kernel when they matter (``kernel``: a Talos release older than the kernel table)."""

    values: str
    talos: str
    cilium: str | None = None
    kernel: str | None = None

    def markdown(self) -> str:
        cilium = f" cilium={self.cilium}" if self.cilium else ""
        kernel = f" kernel={self.kernel}" if self.kernel else ""
        return f"```yaml{cilium}\n{self.values}```\n```yaml talos{kernel}\n{self.talos}```"


def _doc(summary: str, why: str, bad: _Case, good: _Case, fix: str) -> str:
    return (
        f"{summary}\n\n## Why\n{inspect.cleandoc(why)}\n\n## Bad\n{bad.markdown()}\n\n"
        f"## Good\n{good.markdown()}\n\n## Fix\n{inspect.cleandoc(fix)}"
    )


def _view(
    *,
    code: str,
    name: str,
    severity: Severity,
    summary: str,
    why: str,
    bad: _Case,
    good: _Case,
    fix: str,
    check: Callable[[LintContext], Iterator[Violation]] | None = None,
) -> Rule:
    """A Talos rule: a view of the model (documentation only: the model finds the conflict),
    or, with ``check``, a check of its own."""
    return declare_rule(
        code=code,
        name=name,
        doc=_doc(summary, why, bad, good, fix),
        check=check,
        severity=severity,
        needs_talos=True,
        view=check is None,
    )


def _kernel_view(
    *,
    code: str,
    name: str,
    severity: Severity,
    summary: str,
    why: str,
    values: str,
    too_old: tuple[str, str | None],
    new_enough: str,
    fix: str,
    cilium: str | None = None,
) -> Rule:
    """A view about the kernel a Talos release ships: the same values fail on ``too_old``
    (release, and its kernel when the table lacks it) and pass on ``new_enough``."""
    release, kernel = too_old
    return _view(
        code=code,
        name=name,
        severity=severity,
        summary=summary,
        why=why,
        bad=_Case(values, _installer(release), cilium, kernel),
        good=_Case(values, _installer(new_enough), cilium),
        fix=fix,
    )


native_routing_cidr_misses_pod_subnets = _view(
    code="CD301",
    name="native-routing-cidr-misses-pod-subnets",
    severity=Severity.ERROR,
    summary="The native-routing CIDR does not cover Talos' pod subnets.",
    why="""
        Pods get addresses from Talos' `cluster.network.podSubnets` (with `ipam.mode:
        kubernetes`). Traffic to pod addresses outside `ipv4NativeRoutingCIDR` is masqueraded or
        sent to the default route instead of being routed natively
        (https://docs.cilium.io/en/stable/network/concepts/masquerading/).
    """,
    bad=_Case(
        "routingMode: native\nipv4NativeRoutingCIDR: 10.42.0.0/16\nipam:\n  mode: kubernetes\n",
        _POD_SUBNETS,
    ),
    good=_Case(
        "routingMode: native\nipv4NativeRoutingCIDR: 10.244.0.0/16\nipam:\n  mode: kubernetes\n",
        _POD_SUBNETS,
    ),
    fix="""
        Set `ipv4NativeRoutingCIDR` (and `ipv6NativeRoutingCIDR`) to a prefix that contains every
        Talos pod subnet of that family.
    """,
)


netkit_kernel_too_old = _kernel_view(
    code="CD302",
    name="netkit-kernel-too-old",
    severity=Severity.ERROR,
    summary="netkit device mode on a Talos release whose kernel has no netkit.",
    why="""
        netkit needs Linux 6.7 (`CONFIG_NETKIT`). Cilium 1.17+ exits at start (`netkit devices
        need kernel 6.7.0 or newer`), 1.16 starts but pods never get their devices; there is no
        fallback to veth (cilium/cilium@v1.17.0:daemon/cmd/daemon_main.go initEnv). Talos 1.5–1.8
        ship 6.1 or 6.6 kernels (https://github.com/siderolabs/talos/releases/tag/v1.8.0).
    """,
    values="bpf:\n  datapathMode: netkit\n",
    too_old=("v1.8.3", None),
    new_enough="v1.9.4",
    fix="""
        Upgrade Talos to 1.9 or newer before switching to netkit, or keep `bpf.datapathMode: veth`.
    """,
)


tcx_kernel_too_old = _kernel_view(
    code="CD303",
    name="tcx-kernel-too-old",
    severity=Severity.WARNING,
    summary="TCX attachment asked for on a Talos release whose kernel has no TCX.",
    why="""
        TCX links need Linux 6.6. Without them the agent silently attaches with legacy tc and
        `cilium status` shows `Attach Mode: Legacy TC`
        (cilium/cilium@v1.16.0:pkg/datapath/loader/tc.go). Talos 1.5/1.6 ship Linux 6.1.
    """,
    values="bpf:\n  enableTCX: true\n",
    too_old=("v1.6.7", None),
    new_enough="v1.7.6",
    fix="""
        Upgrade Talos to 1.7 or newer, or expect `Attach Mode: Legacy TC`.
    """,
)


bbr_kernel_too_old = _kernel_view(
    code="CD304",
    name="bbr-kernel-too-old",
    severity=Severity.ERROR,
    summary="BBR for pods on a Talos release whose kernel is older than 5.18.",
    why="""
        The agent exits with `cannot enable --enable-bbr, needs kernel 5.18 or newer`
        (cilium/cilium@v1.16.0:pkg/datapath/linux/bandwidth/bandwidth.go). Every Talos release
        since 1.5 ships a newer kernel; Talos 1.3 and
        older ship Linux 5.15.
    """,
    values="bandwidthManager:\n  enabled: true\n  bbr: true\n",
    too_old=("v1.3.7", "5.15.83"),
    new_enough="v1.9.4",
    fix="""
        Upgrade Talos, or turn `bandwidthManager.bbr` off.
    """,
)


big_tcp_kernel_too_old = _kernel_view(
    code="CD305",
    name="big-tcp-kernel-too-old",
    severity=Severity.WARNING,
    summary="BIG TCP on a Talos release whose kernel cannot do it.",
    why="""
        IPv4 BIG TCP needs Linux 6.3, IPv6 BIG TCP 5.19. On an older kernel the agent keeps
        running with BIG TCP off, and from 1.15 `cilium status` still says `Enabled`, only with
        `[65536]` (cilium/cilium@v1.16.0:pkg/datapath/linux/bigtcp/bigtcp.go). Talos 1.5/1.6 ship
        Linux 6.1.
    """,
    values="routingMode: native\nipv4NativeRoutingCIDR: 10.244.0.0/16\nenableIPv4BIGTCP: true\n",
    too_old=("v1.6.7", None),
    new_enough="v1.7.6",
    fix="""
        Upgrade Talos to 1.7 or newer, or drop the BIG TCP setting.
    """,
)


host_dns_forward_with_bpf_host_routing = _view(
    code="CD306",
    name="host-dns-forward-with-bpf-host-routing",
    severity=Severity.ERROR,
    summary="Talos `forwardKubeDNSToHost` with Cilium eBPF host routing: pod DNS times out.",
    why="""
        With `machine.features.hostDNS.forwardKubeDNSToHost: true` CoreDNS forwards to
        169.254.116.108 on the host. With eBPF host routing (kube-proxy replacement and BPF
        masquerading, Cilium 1.16.5 and newer) those packets never reach the host resolver and
        CoreDNS logs `i/o timeout` (siderolabs/talos#10002, cilium/cilium#36737, cilium/cilium PR
        #36852; https://docs.cilium.io/en/stable/installation/k8s-install-talos-linux/).
    """,
    bad=_Case(
        "kubeProxyReplacement: true\nbpf:\n  masquerade: true\n",
        _HOST_DNS_FORWARD,
        cilium="1.18.4",
    ),
    good=_Case(
        "kubeProxyReplacement: true\nbpf:\n  masquerade: true\n"
        "  hostLegacyRouting: true  # siderolabs/talos#10002\n",
        _HOST_DNS_FORWARD,
        cilium="1.18.4",
    ),
    fix="""
        Either set `bpf.hostLegacyRouting: true` in the values (Cilium's documented fix) or
        `machine.features.hostDNS.forwardKubeDNSToHost: false` in Talos (Talos' documented fix).
    """,
)


kubeprism_disabled = _view(
    code="CD307",
    name="kubeprism-disabled",
    severity=Severity.ERROR,
    summary="Cilium talks to the API server through KubePrism, but Talos has KubePrism off.",
    why="""
        `k8sServiceHost: localhost` (or 127.0.0.1) only works because Talos' KubePrism listens
        there. Configs generated for Talos 1.5 or older, or with `--kubeprism-port 0`, have it
        off, and the agents crash-loop unable to reach the API (siderolabs/talos#9132;
        https://www.talos.dev/v1.12/kubernetes-guides/configuration/kubeprism/).
    """,
    bad=_Case(
        "k8sServiceHost: localhost\nk8sServicePort: 7445\n",
        _talos(machine="features:\n  kubePrism:\n    enabled: false\n"),
    ),
    good=_Case(
        "k8sServiceHost: localhost\nk8sServicePort: 7445\n",
        _KUBEPRISM_ON,
    ),
    fix="""
        Enable KubePrism in Talos (`machine.features.kubePrism.enabled: true`), or point
        `k8sServiceHost`/`k8sServicePort` at the real API endpoint.
    """,
)


kubeprism_port_mismatch = _view(
    code="CD308",
    name="kubeprism-port-mismatch",
    severity=Severity.ERROR,
    summary="`k8sServicePort` is not the port Talos' KubePrism listens on.",
    why="""
        With `k8sServiceHost: localhost` the agent connects to KubePrism on the node; any other
        port (6443 is the usual mistake) has nothing listening and the agent cannot reach the
        API server (https://www.talos.dev/v1.12/kubernetes-guides/configuration/kubeprism/).
    """,
    bad=_Case(
        "k8sServiceHost: localhost\nk8sServicePort: 6443\n",
        _KUBEPRISM_ON,
    ),
    good=_Case(
        "k8sServiceHost: localhost\nk8sServicePort: 7445\n",
        _KUBEPRISM_ON,
    ),
    fix="""
        Set `k8sServicePort` to the KubePrism port (7445 unless changed in Talos).
    """,
)


kube_proxy_still_running = _view(
    code="CD309",
    name="kube-proxy-still-running",
    severity=Severity.WARNING,
    summary="Kube-proxy replacement while Talos still deploys kube-proxy.",
    why="""
        With `cluster.proxy.disabled` not set, Talos deploys kube-proxy and both it and Cilium
        program services; the Talos guide pairs `kubeProxyReplacement: true` with
        `cluster.proxy.disabled: true` (https://docs.siderolabs.com/kubernetes-guides/cni/deploying-cilium).
    """,
    bad=_Case("kubeProxyReplacement: true\n", _talos(cluster="proxy:\n  disabled: false\n")),
    good=_Case("kubeProxyReplacement: true\n", _KUBE_PROXY_OFF),
    fix="""
        Set `cluster.proxy.disabled: true` in Talos (and remove the running kube-proxy DaemonSet).
    """,
)


no_service_implementation = _view(
    code="CD310",
    name="no-service-implementation",
    severity=Severity.ERROR,
    summary="Talos has kube-proxy disabled but Cilium does not replace it.",
    why="""
        With `cluster.proxy.disabled: true` and `kubeProxyReplacement` false (the default since
        Cilium 1.14) nothing implements Services: ClusterIPs do not answer
        (https://docs.siderolabs.com/kubernetes-guides/cni/deploying-cilium).
    """,
    bad=_Case("ipam:\n  mode: kubernetes\n", _KUBE_PROXY_OFF),
    good=_Case(
        "ipam:\n  mode: kubernetes\nkubeProxyReplacement: true\n",
        _KUBE_PROXY_OFF,
    ),
    fix="""
        Set `kubeProxyReplacement: true` (with `k8sServiceHost`/`k8sServicePort`), or let Talos
        deploy kube-proxy.
    """,
)


talos_cni_not_none = _view(
    code="CD311",
    name="talos-cni-not-none",
    severity=Severity.ERROR,
    summary="Talos still installs its own CNI (Flannel) next to Cilium.",
    why="""
        Talos deploys Flannel unless `cluster.network.cni.name` is `none` (or `custom`); two CNIs
        on one node fight over pod networking
        (https://www.talos.dev/v1.12/reference/configuration/v1alpha1/config/, cluster.network.cni).
    """,
    bad=_Case(
        "kubeProxyReplacement: true\n", _talos(cluster="network:\n  cni:\n    name: flannel\n")
    ),
    good=_Case(
        "kubeProxyReplacement: true\n", _talos(cluster="network:\n  cni:\n    name: none\n")
    ),
    fix="""
        Set `cluster.network.cni.name: none` in Talos.
    """,
)


ipam_ignores_talos_pod_subnets = _view(
    code="CD314",
    name="ipam-ignores-talos-pod-subnets",
    severity=Severity.WARNING,
    summary="Cluster-pool IPAM hands out pod addresses outside Talos' pod subnets.",
    why="""
        Talos' controller manager assigns each node a pod CIDR from `podSubnets`; Cilium uses
        them only with `ipam.mode: kubernetes`. The chart default `cluster-pool` allocates from
        10.0.0.0/8 instead, which Talos' node pod CIDRs, native-routing CIDR and firewall rules do
        not expect (https://docs.cilium.io/en/stable/installation/k8s-install-talos-linux/).
    """,
    bad=_Case("kubeProxyReplacement: true\n", _POD_SUBNETS),
    good=_Case(
        "kubeProxyReplacement: true\nipam:\n  mode: kubernetes\n",
        _POD_SUBNETS,
    ),
    fix="""
        Set `ipam.mode: kubernetes`.
    """,
)


bandwidth_manager_kernel_too_old = _kernel_view(
    code="CD315",
    name="bandwidth-manager-kernel-too-old",
    severity=Severity.WARNING,
    summary="The bandwidth manager on a kernel older than 5.1: the agent disables it.",
    why="""
        Up to Cilium 1.16 the agent turns the bandwidth manager off by itself on a kernel
        older than 5.1 ("BPF bandwidth manager needs kernel 5.1 or newer. Disabling the
        feature."): pod bandwidth limits are silently not enforced.
    """,
    values="bandwidthManager:\n  enabled: true\n",
    too_old=("v1.3.7", "4.19.0"),
    new_enough="v1.9.4",
    fix="""
        Run a Talos release whose kernel is 5.1 or newer.
    """,
    cilium="1.16",
)


wireguard_kernel_too_old = _kernel_view(
    code="CD316",
    name="wireguard-kernel-too-old",
    severity=Severity.ERROR,
    summary="WireGuard encryption on a kernel without WireGuard (older than 5.6).",
    why="""
        The agent creates the `cilium_wg0` device at start; on a kernel older than 5.6 there is
        no WireGuard and the agent exits ("WireGuard not supported by the Linux kernel").
    """,
    values="encryption:\n  enabled: true\n  type: wireguard\n",
    too_old=("v1.3.7", "5.4.0"),
    new_enough="v1.9.4",
    fix="""
        Run a Talos release whose kernel is 5.6 or newer, or use IPsec.
    """,
)


kernel_below_cilium_minimum = _kernel_view(
    code="CD317",
    name="kernel-below-cilium-minimum",
    severity=Severity.ERROR,
    summary="A node kernel below the minimum this Cilium version starts on.",
    why="""
        Cilium 1.18 and newer need `bpf_redirect_neigh()` (Linux 5.10) and exit at start on an
        older kernel (`cilium/cilium@v1.18.4:pkg/datapath/linux/requirements.go`).
    """,
    values="ipam:\n  mode: kubernetes\n",
    too_old=("v1.3.7", "5.4.0"),
    new_enough="v1.9.4",
    fix="""
        Run a Talos release whose kernel is 5.10 or newer, or stay on Cilium 1.17.
    """,
    cilium="1.18",
)


def _cgroup_automount(ctx: LintContext) -> Iterator[Violation]:
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


cgroup_automount_on_talos = _view(
    code="CD312",
    name="cgroup-automount-on-talos",
    severity=Severity.WARNING,
    summary="Cilium mounts its own cgroup2 hierarchy on Talos instead of using Talos' mount.",
    why="""
        Talos already mounts cgroup v2 at `/sys/fs/cgroup`; the Talos guide sets
        `cgroup.autoMount.enabled: false` and `cgroup.hostRoot: /sys/fs/cgroup`. A misspelled
        `cgroup.automount` leaves the chart default (`true`) in place
        (https://docs.siderolabs.com/kubernetes-guides/cni/deploying-cilium).
    """,
    bad=_Case("cgroup:\n  automount:\n    enabled: false\n  hostRoot: /sys/fs/cgroup\n", _talos()),
    good=_Case("cgroup:\n  autoMount:\n    enabled: false\n  hostRoot: /sys/fs/cgroup\n", _talos()),
    fix="Set `cgroup.autoMount.enabled: false` and `cgroup.hostRoot: /sys/fs/cgroup`.",
    check=_cgroup_automount,
)


def _sys_module(ctx: LintContext) -> Iterator[Violation]:
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


_CAPABILITIES = "securityContext:\n  capabilities:\n    ciliumAgent: [{}]\n"
sys_module_capability_on_talos = _view(
    code="CD313",
    name="sys-module-capability-on-talos",
    severity=Severity.WARNING,
    summary="The agent asks for `SYS_MODULE`, which Talos never grants.",
    why="""
        Talos blocks module loading for every workload, so the Talos guide drops `SYS_MODULE`
        from `securityContext.capabilities.ciliumAgent` (the chart default includes it); modules
        Cilium needs must be listed in `machine.kernel.modules`
        (https://www.talos.dev/v1.8/learn-more/process-capabilities/).
    """,
    bad=_Case(
        _CAPABILITIES.format("CHOWN, KILL, NET_ADMIN, NET_RAW, SYS_MODULE, SYS_ADMIN"), _talos()
    ),
    good=_Case(_CAPABILITIES.format("CHOWN, KILL, NET_ADMIN, NET_RAW, SYS_ADMIN"), _talos()),
    fix="""
        Set `securityContext.capabilities.ciliumAgent` to the Talos guide's list (without
        `SYS_MODULE`).
    """,
    check=_sys_module,
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
    bandwidth_manager_kernel_too_old,
    wireguard_kernel_too_old,
    kernel_below_cilium_minimum,
)
