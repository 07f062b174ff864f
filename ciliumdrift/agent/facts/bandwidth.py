"""The bandwidth manager (EDT) and its congestion control (CUBIC or BBR), and BIG TCP."""

from __future__ import annotations

from collections.abc import Sequence

from ciliumdrift.agent import settings as s
from ciliumdrift.agent.decide import (
    conflict,
    host_routing,
    intent_severity,
    kernel,
    kernel_candidate,
)
from ciliumdrift.agent.explain import (
    LIKELY,
    POSSIBLE,
    STRONG,
    Candidate,
    cause,
    kernel_evidence,
    said,
    values_fix,
)
from ciliumdrift.agent.fact import Conflict, Expectation, NodeContext, fact
from ciliumdrift.agent.facts._common import expect, standard
from ciliumdrift.model import CauseKind, Fix, Severity
from ciliumdrift.parse.model import BigTcp, Status

_BWM_READS = (
    "bandwidthManager.enabled",
    "bandwidthManager.bbr",
    "bandwidthManager.bbrHostNamespaceOnly",
    "encryption.enabled",
    "encryption.type",
    "bpf.hostLegacyRouting",
    "cni.chainingMode",
    "cni.chainingTarget",
    "kubeProxyReplacement",
    "upgradeCompatibility",
    "nodePort.enabled",
    "bpf.masquerade",
    "enableIPv4Masquerade",
    "enableIPv6Masquerade",
    "ipv4.enabled",
    "ipv6.enabled",
    "eni.enabled",
)


def _observe_bwm(status: Status) -> str | None:
    bwm = status.bandwidth_manager
    if bwm is None:
        return None
    if not bwm.enabled:
        return "Disabled"
    mode = bwm.mode or "EDT with BPF"
    return f"{mode} [{bwm.congestion_control}]" if bwm.congestion_control else mode


def _matches_bwm(expected: str, observed: str) -> bool:
    if "[" not in observed and observed != "Disabled":
        return expected.split(" [", 1)[0].casefold() == observed.casefold()
    return " ".join(expected.split()).casefold() == " ".join(observed.split()).casefold()


def _bbr_conflicts(ctx: NodeContext) -> list[Conflict]:
    bbr = s.helm(ctx, "bandwidthManager.bbr")
    out: list[Conflict] = []
    fix = values_fix(
        "Use CUBIC until every node runs Linux 5.18+", [("bandwidthManager.bbr", False)]
    )
    check = kernel(ctx, "bbr")
    if check.too_old:
        out.append(
            conflict(
                "bbr-kernel-too-old",
                "cannot enable --enable-bbr, needs kernel 5.18 or newer: the agent exits at start.",
                [kernel_candidate(ctx, check, "BBR for pods", fix)],
                bbr.origin,
                fatal=True,
            )
        )
    hostns_only = s.gate(ctx, "bbr-host-namespace-only") and s.truthy(
        s.helm(ctx, "bandwidthManager.bbrHostNamespaceOnly").value
    )
    routing = host_routing(ctx)
    if routing.value == "Legacy" and not hostns_only:
        # The check reads enable-host-legacy-routing. On 1.14 it runs after the KPR fallbacks,
        # so any Legacy is fatal. From 1.15 it runs in the bandwidth cell's start hook, which
        # the daemon depends on, so it runs before the daemon demotes host routing: only the
        # declared value (explicit, or written by the chart for CNI chaining) is fatal; a
        # demotion leaves the agent running with BBR that does not reach pods.
        declared = s.host_legacy_routing(ctx).value
        certain = declared or s.gate(ctx, "bbr-legacy-host-routing-fatal")
        message = (
            "BPF bandwidth manager's BBR setup requires BPF host routing: the agent exits at start."
            if certain
            else "BBR for pods needs eBPF host routing, which this config demotes to Legacy: the "
            "agent starts, but pods keep CUBIC pacing (the check runs before the demotion)."
        )
        hint = (
            "bandwidthManager.bbrHostNamespaceOnly: true (1.18+) keeps BBR for host-network "
            "pods only (cilium/cilium PR #38898)."
            if s.gate(ctx, "bbr-host-namespace-only")
            else "Cilium 1.18+ offers bandwidthManager.bbrHostNamespaceOnly (PR #38898)."
        )
        out.append(
            conflict(
                "bbr-needs-bpf-host-routing",
                message,
                [
                    Candidate(
                        STRONG,
                        cause(
                            CauseKind.REQUIREMENT_MISSING,
                            f"BBR for pods needs eBPF host routing; host routing is Legacy here. "
                            f"{hint}",
                            said("bandwidthManager.bbr", bbr),
                            *(c.cause.evidence[0] for c in routing.reasons[:2] if c.cause.evidence),
                        ),
                        routing.reasons[0].fix if routing.reasons else None,
                    )
                ],
                bbr.origin,
                fatal=certain,
                severity=Severity.ERROR if certain else Severity.WARNING,
            )
        )
    return out


def _bwm_hook(ctx: NodeContext, expectation: Expectation, observed: str) -> Sequence[Candidate]:
    out: list[Candidate] = []
    if observed == "Disabled" and expectation.value != "Disabled":
        check = kernel(ctx, "bandwidth-manager")
        if check.unknown:
            out.append(kernel_candidate(ctx, check, "The bandwidth manager", weight=POSSIBLE))
        # Reports of an enabled manager showing Disabled were runtime probes, not stale
        # configs: procfs unreadable in nested netns (kind, cilium/cilium#33851), no device.
        known_ok = not check.unknown and not check.too_old
        out.append(
            Candidate(
                LIKELY + 0.02 if known_ok else POSSIBLE,
                cause(
                    CauseKind.REQUIREMENT_MISSING,
                    "The agent disabled the bandwidth manager at start: net.core.default_qdisc "
                    "unreadable (nested network namespaces such as kind), no native device, or "
                    "IPsec in the running config (log: 'BPF bandwidth manager ... Disabling').",
                    kernel_evidence(ctx),
                ),
                Fix(
                    summary="kubectl -n kube-system logs ds/cilium -c cilium-agent | grep -i "
                    "'bandwidth manager'"
                ),
            )
        )
    return out


@fact(
    id="bandwidth-manager",
    status_line="BandwidthManager",
    reads=_BWM_READS,
    observe=_observe_bwm,
    explain=standard("bandwidthManager.enabled", _bwm_hook),
    matches=_matches_bwm,
)
def bandwidth_manager(ctx: NodeContext) -> Expectation:
    """The EDT bandwidth manager and its congestion control: `EDT with BPF [BBR|CUBIC]`.

    ## Rule
    The chart writes the block only when bandwidthManager.enabled is true (then enable-bbr from
    bandwidthManager.bbr; a bbr: true without enabled is silently dropped). Status:
    `EDT with BPF [BBR]` or `[CUBIC]` plus the devices, or `Disabled`.

    ## Fallbacks
    Disabled at runtime by IPsec, an unreadable net.core.default_qdisc (nested network
    namespaces such as kind, cilium/cilium#33851), no device, or a kernel older than 5.1
    (1.14-1.16; 1.17+ require 5.1). BBR on a kernel older than 5.18 is fatal. BBR with Legacy
    host routing: fatal when enable-host-legacy-routing is declared (explicit, or written by
    the chart for CNI chaining); on 1.15+ a demotion by the daemon (no KPR, iptables
    masquerading, IPsec) is not fatal, because the check runs in the bandwidth cell's start
    hook, which the daemon depends on and which therefore runs first (verified at the source:
    `probe()` reads `DaemonConfig.EnableHostLegacyRouting` from `Start`; the demotion is in the
    daemon's `finishKubeProxyReplacementInit`) - the agent starts with BBR not reaching pods.
    1.14 checks after the fallbacks, so any Legacy is fatal. 1.18+ skip the check with
    bbrHostNamespaceOnly (PR #38898) and refuse bbrHostNamespaceOnly without bbr.

    ## Sources
    cilium/cilium@v1.14.0:pkg/bandwidth/bandwidth.go;
    cilium/cilium@v1.16.0:pkg/datapath/linux/bandwidth/bandwidth.go and cell.go (same at
    v1.15.0-v1.19.0);
    cilium/cilium@v1.18.0:install/kubernetes/cilium/templates/cilium-configmap.yaml
    (bandwidthManager block); cilium/cilium PR #38898 (enable-bbr-hostns-only), issue #33851;
    https://docs.cilium.io/en/stable/network/kubernetes/bandwidth-manager/
    """
    enabled = s.helm(ctx, "bandwidthManager.enabled")
    bbr = s.helm(ctx, "bandwidthManager.bbr")
    if not s.truthy(enabled.value):
        conflicts: list[Conflict] = []
        if s.truthy(bbr.value) and s.is_set(ctx, "bandwidthManager.bbr"):
            conflicts.append(
                conflict(
                    "bbr-without-bandwidth-manager",
                    "bandwidthManager.bbr is true but the bandwidth manager is off: the chart "
                    "drops it.",
                    [
                        Candidate(
                            STRONG,
                            cause(
                                CauseKind.KEY_IGNORED,
                                "The chart writes enable-bbr only when bandwidthManager.enabled "
                                "is true.",
                                said("bandwidthManager.bbr", bbr),
                                said("bandwidthManager.enabled", enabled),
                            ),
                            values_fix(
                                "Enable the bandwidth manager", [("bandwidthManager.enabled", True)]
                            ),
                        )
                    ],
                    bbr.origin,
                    severity=Severity.WARNING,
                )
            )
        return expect("Disabled", enabled.origin, conflicts=conflicts)
    reasons: list[Candidate] = []
    ipsec = s.encryption_mode(ctx).value == "ipsec"
    if ipsec:
        reasons.append(
            Candidate(
                STRONG,
                cause(
                    CauseKind.CONFLICTING_SETTING,
                    "The bandwidth manager cannot be used with IPsec; the agent disables it.",
                    said("encryption.type", s.encryption_mode(ctx)),
                ),
                values_fix("Use WireGuard", [("encryption.type", "wireguard")]),
            )
        )
    check = kernel(ctx, "bandwidth-manager")
    if check.too_old:
        reasons.append(kernel_candidate(ctx, check, "The bandwidth manager"))
    conflicts = _bbr_conflicts(ctx) if s.truthy(bbr.value) else []
    hostns = s.helm(ctx, "bandwidthManager.bbrHostNamespaceOnly")
    if (
        s.gate(ctx, "bbr-host-namespace-only")
        and s.truthy(hostns.value)
        and not s.truthy(bbr.value)
    ):
        conflicts.append(
            conflict(
                "bbr-hostns-only-without-bbr",
                "cannot enable --enable-bbr-hostns-only without enabling --enable-bbr: the agent "
                "exits at start.",
                [
                    Candidate(
                        STRONG,
                        cause(
                            CauseKind.REQUIREMENT_MISSING,
                            "bandwidthManager.bbrHostNamespaceOnly needs bandwidthManager.bbr.",
                            said("bandwidthManager.bbrHostNamespaceOnly", hostns),
                            said("bandwidthManager.bbr", bbr),
                        ),
                        values_fix("Enable BBR", [("bandwidthManager.bbr", True)]),
                    )
                ],
                hostns.origin,
                fatal=True,
            )
        )
    if reasons:
        conflicts.append(
            conflict(
                # IPsec disables it on any kernel, with or without a Talos config to tell one
                "bandwidth-manager-with-ipsec" if ipsec else "bandwidth-manager-kernel-too-old",
                "The agent disables the bandwidth manager.",
                reasons,
                enabled.origin,
                severity=intent_severity(ctx, "bandwidthManager.enabled"),
            )
        )
        return expect("Disabled", enabled.origin, reasons=reasons, conflicts=conflicts)
    source = bbr.origin if s.truthy(bbr.value) else enabled.origin
    congestion = "BBR" if s.truthy(bbr.value) else "CUBIC"
    return expect(f"EDT with BPF [{congestion}]", source, conflicts=conflicts)


def _observe_big_tcp(family: str):  # type: ignore[no-untyped-def]
    def observe(status: Status) -> str | None:
        section: BigTcp | None = status.ipv4_big_tcp if family == "ipv4" else status.ipv6_big_tcp
        if section is None:
            return None
        if not section.enabled:
            return "Disabled"
        size = section.max_gso or section.max_gro
        return f"Enabled [{size}]" if size else "Enabled"

    return observe


def _matches_big_tcp(expected: str, observed: str) -> bool:
    if observed == "Enabled":
        return expected.startswith("Enabled")
    return " ".join(expected.split()) == " ".join(observed.split())


def _big_tcp_hook(family: str):  # type: ignore[no-untyped-def]
    def hook(ctx: NodeContext, expectation: Expectation, observed: str) -> Sequence[Candidate]:
        out: list[Candidate] = []
        if observed.startswith("Enabled [") and expectation.value == "Enabled [196608]":
            check = kernel(ctx, f"{family}-big-tcp")
            if check.unknown:
                out.append(kernel_candidate(ctx, check, f"{family.upper()} BIG TCP", weight=LIKELY))
            out.append(
                Candidate(
                    LIKELY + (0.1 if not check.unknown else -0.05),
                    cause(
                        CauseKind.HARDWARE_UNSUPPORTED,
                        "The NIC driver cannot raise GSO/GRO above 64k (BIG TCP needs e.g. mlx4, "
                        "mlx5, ice; virtio-net cannot), so the agent keeps 65536.",
                    ),
                )
            )
        return out

    return hook


_BIG_TCP_READS = (
    "extraConfig",
    "loadBalancer.dsrDispatch",
    "loadBalancer.mode",
    "routingMode",
    "gke.enabled",
    "eni.enabled",
    "tunnel",
    "encryption.enabled",
    "encryption.type",
    "bpf.hostLegacyRouting",
    "cni.chainingMode",
    "cni.chainingTarget",
    "bpf.datapathMode",
)


def _extra(ctx: NodeContext, key: str) -> object:
    """A cilium-config key written through extraConfig (agent flags the chart has no value for)."""
    extra = ctx.values.get("extraConfig")
    if extra is None or not isinstance(extra.value, dict):
        return None
    return extra.value.get(key)


def _big_tcp(ctx: NodeContext, family: str, key: str) -> Expectation:
    enabled = s.helm(ctx, key)
    if not s.truthy(enabled.value):
        quirk = None
        if family == "ipv6" and s.truthy(s.helm(ctx, "enableIPv4BIGTCP").value):
            quirk = (
                "the text status may print IPv6 BIG TCP as 'Enabled' with the IPv4 size when only "
                "IPv4 BIG TCP is on (cilium/cilium#45513, fixed by PR #45529); JSON is right"
            )
        return expect("Disabled", enabled.origin, condition=quirk)
    blockers: list[tuple[str, str, object]] = []
    tunnel_big_tcp = s.gate(ctx, "tunnel-big-tcp") and s.truthy(
        _extra(ctx, "enable-tunnel-big-tcp")
    )
    if s.routing_mode(ctx).value == "tunnel" and not tunnel_big_tcp:
        text = (
            "BIG TCP in tunneling mode requires pending kernel support and needs to be enabled "
            "by enable-tunnel-big-tcp"
            if s.gate(ctx, "tunnel-big-tcp")
            else "BIG TCP is not supported in tunneling mode"
        )
        blockers.append((text, "routingMode", s.routing_mode(ctx)))
    dispatch = s.helm(ctx, "loadBalancer.dsrDispatch")
    lb_mode = str(s.helm(ctx, "loadBalancer.mode").value or "snat")
    if s.gate(ctx, "big-tcp-dsr-dispatch-check") and lb_mode in ("dsr", "hybrid"):
        if dispatch.value == "ipip":
            blockers.append(
                (
                    "bpf-lb-dsr-dispatch ipip creates IPIP tunnels that aren't compatible with "
                    "BIG TCP",
                    "loadBalancer.dsrDispatch",
                    dispatch,
                )
            )
        elif dispatch.value == "geneve" and not tunnel_big_tcp:
            blockers.append(
                (
                    "bpf-lb-dsr-dispatch geneve requires pending kernel support and needs to be "
                    "enabled by enable-tunnel-big-tcp",
                    "loadBalancer.dsrDispatch",
                    dispatch,
                )
            )
    encryption = s.encryption_mode(ctx)
    if encryption.value == "ipsec" or (
        encryption.value == "wireguard" and not s.gate(ctx, "big-tcp-with-wireguard")
    ):
        blockers.append(
            ("BIG TCP is not supported with encryption enabled", "encryption.type", encryption)
        )
    legacy = s.host_legacy_routing(ctx)
    if legacy.value:
        blockers.append(
            ("BIG TCP is not supported with legacy host routing", "bpf.hostLegacyRouting", legacy)
        )
    mode = s.datapath_mode(ctx)
    if mode.value != "veth" and s.gate(ctx, "big-tcp-veth-only"):
        blockers.append(
            ("BIG TCP is supported only in veth datapath mode", "bpf.datapathMode", mode)
        )
    elif mode.value not in ("veth", "netkit") and s.gate(ctx, "big-tcp-veth-and-netkit-only"):
        blockers.append(
            ("BIG TCP is supported only in veth & netkit datapath mode", "bpf.datapathMode", mode)
        )
    conflicts = [
        conflict(
            "big-tcp-incompatible",
            f"{text}: the agent exits at start.",
            [
                Candidate(
                    STRONG,
                    cause(CauseKind.CONFLICTING_SETTING, f"{text}.", said(other, located)),  # type: ignore[arg-type]
                    values_fix(f"Turn {family.upper()} BIG TCP off", [(key, False)]),
                )
            ],
            enabled.origin,
            fatal=True,
        )
        for text, other, located in blockers
    ]
    check = kernel(ctx, f"{family}-big-tcp")
    if check.too_old:
        reason = kernel_candidate(ctx, check, f"{family.upper()} BIG TCP")
        conflicts.append(
            conflict(
                "big-tcp-kernel-too-old",
                f"The kernel is too old for {family.upper()} BIG TCP: the agent keeps 64k GSO/GRO.",
                [reason],
                enabled.origin,
                severity=Severity.WARNING,
            )
        )
        value = "Enabled [65536]" if s.gate(ctx, "big-tcp-status-shows-size") else "Disabled"
        return expect(value, enabled.origin, reasons=[reason], conflicts=conflicts)
    condition = "the NIC driver must support GSO/GRO above 64k (mlx4, mlx5, ice)"
    if check.unknown:
        needed = check.rule.min_kernel if check.rule else "?"
        condition += f"; {family.upper()} BIG TCP needs Linux {needed} (kernel unknown)"
    return expect("Enabled [196608]", enabled.origin, conflicts=conflicts, condition=condition)


@fact(
    id="ipv4-big-tcp",
    status_line="IPv4 BIG TCP",
    reads=("enableIPv4BIGTCP", *_BIG_TCP_READS),
    observe=_observe_big_tcp("ipv4"),
    explain=standard("enableIPv4BIGTCP", _big_tcp_hook("ipv4")),
    matches=_matches_big_tcp,
)
def ipv4_big_tcp(ctx: NodeContext) -> Expectation:
    """IPv4 BIG TCP: GSO/GRO of 192k for IPv4 pods (Linux 6.3+, a NIC that supports it).

    ## Rule
    enableIPv4BIGTCP (default false). Enabled: `Enabled [196608]` when the kernel (6.3+) and the
    NIC driver allow it; the NIC is a node fact, so the expectation is conditional.

    ## Fallbacks
    Kernel or NIC too limited: 1.15+ still print `Enabled` but with `[65536]` (the status reads
    the user config copy); 1.14 prints `Disabled`. Fatal at start (validateConfig runs when the
    cell is built, before the daemon demotes host routing, so only a declared legacy routing
    counts - verified in cilium/cilium@v1.16.0:pkg/datapath/linux/bigtcp/bigtcp.go): tunnel
    routing (1.19+: unless extraConfig enable-tunnel-big-tcp, PR #43416), IPsec (WireGuard up
    to 1.18), declared
    legacy host routing, non-veth devices on <= 1.15 and netkit-l2 on 1.16/1.17, and on 1.20
    DSR with ipip dispatch (or geneve without enable-tunnel-big-tcp).

    ## Sources
    cilium/cilium@v1.16.0:pkg/datapath/linux/bigtcp/bigtcp.go (same at v1.15.0-v1.19.0;
    validateConfig), cilium/cilium PR #43416 (BIG TCP for tunnels),
    cilium/cilium@v1.18.0:pkg/status/status_collector.go (BigTCPUserConfig);
    https://docs.cilium.io/en/stable/operations/performance/tuning/ (IPv4/IPv6 BIG TCP).
    """
    return _big_tcp(ctx, "ipv4", "enableIPv4BIGTCP")


@fact(
    id="ipv6-big-tcp",
    status_line="IPv6 BIG TCP",
    reads=("enableIPv6BIGTCP", "enableIPv4BIGTCP", *_BIG_TCP_READS),
    observe=_observe_big_tcp("ipv6"),
    explain=standard("enableIPv6BIGTCP", _big_tcp_hook("ipv6")),
    matches=_matches_big_tcp,
)
def ipv6_big_tcp(ctx: NodeContext) -> Expectation:
    """IPv6 BIG TCP: GSO/GRO of 192k for IPv6 pods (Linux 5.19+, a NIC that supports it).

    ## Rule
    enableIPv6BIGTCP (default false); as IPv4 BIG TCP with the 5.19 kernel threshold.

    ## Fallbacks
    As IPv4 BIG TCP: `Enabled [65536]` on 1.15+ after a kernel/NIC fallback, fatal with a
    tunnel, encryption or explicit legacy host routing. With only IPv4 BIG TCP on, the text
    status may print this line as `Enabled` with the IPv4 size (cilium/cilium#45513, fixed by
    PR #45529): the expectation `Disabled` is then conditional, not drift.

    ## Sources
    cilium/cilium@v1.16.0:pkg/datapath/linux/bigtcp/bigtcp.go (same at v1.15.0-v1.19.0);
    https://docs.cilium.io/en/stable/operations/performance/tuning/ (BIG TCP).
    """
    return _big_tcp(ctx, "ipv6", "enableIPv6BIGTCP")


FACTS = (bandwidth_manager, ipv4_big_tcp, ipv6_big_tcp)
