"""Routing: the network mode with its tunnel protocol, and BPF or Legacy host routing."""

from __future__ import annotations

from collections.abc import Sequence

from ciliumdrift.agent import settings as s
from ciliumdrift.agent.decide import (
    conflict,
    kernel,
    kernel_candidate,
    masquerading_families,
)
from ciliumdrift.agent.decide import (
    host_routing as decide_host_routing,
)
from ciliumdrift.agent.explain import (
    LIKELY,
    POSSIBLE,
    STRONG,
    Candidate,
    cause,
    said,
    talos_fix,
    values_fix,
)
from ciliumdrift.agent.fact import Conflict, Expectation, NodeContext, fact
from ciliumdrift.agent.facts._common import expect, from_outcome, possible, standard
from ciliumdrift.model import CauseKind, Evidence, Origin, Severity
from ciliumdrift.parse.model import Status

_VALID_ROUTING = ("tunnel", "native")
_VALID_PROTOCOLS = ("vxlan", "geneve")


def _observe_network(status: Status) -> str | None:
    routing = status.routing
    if routing is None or routing.network is None:
        return None
    if routing.network == "Tunnel" and routing.tunnel_protocol:
        return f"Tunnel [{routing.tunnel_protocol}]"
    return routing.network


def _routing_conflicts(ctx: NodeContext, mode: str, protocol: str) -> list[Conflict]:
    out: list[Conflict] = []
    routing = s.routing_mode(ctx)
    if mode not in _VALID_ROUTING:
        out.append(
            conflict(
                "invalid-value",
                f'invalid routing mode "{mode}": the agent exits at start',
                [
                    Candidate(
                        STRONG,
                        cause(
                            CauseKind.CONFLICTING_SETTING,
                            f'routingMode "{mode}" is neither tunnel nor native; the chart passes '
                            "it through unchecked and the agent refuses it.",
                            said("routingMode", routing),
                        ),
                        values_fix("Spell the routing mode", [("routingMode", "native")]),
                    )
                ],
                routing.origin,
                fatal=True,
            )
        )
    if protocol not in _VALID_PROTOCOLS:
        tunnel = s.tunnel_protocol(ctx)
        out.append(
            conflict(
                "invalid-value",
                f'invalid tunnel protocol "{protocol}": the agent exits at start',
                [
                    Candidate(
                        STRONG,
                        cause(
                            CauseKind.CONFLICTING_SETTING,
                            "tunnelProtocol is validated even in native routing.",
                            said("tunnelProtocol", tunnel),
                        ),
                        values_fix("Use vxlan or geneve", [("tunnelProtocol", "vxlan")]),
                    )
                ],
                tunnel.origin,
                fatal=True,
            )
        )
    adr = s.helm(ctx, "autoDirectNodeRoutes")
    if mode == "tunnel" and s.truthy(adr.value):
        out.append(
            conflict(
                "auto-direct-routes-with-tunnel",
                "auto-direct-node-routes cannot be used with tunneling: the agent exits at start",
                [
                    Candidate(
                        STRONG,
                        cause(
                            CauseKind.CONFLICTING_SETTING,
                            "autoDirectNodeRoutes is true while routing is tunnel.",
                            said("autoDirectNodeRoutes", adr),
                            said("routingMode", routing),
                        ),
                        values_fix("Route natively", [("routingMode", "native")]),
                    )
                ],
                adr.origin,
                fatal=True,
            )
        )
    v4, _ = masquerading_families(ctx)
    ipam = s.ipam_mode(ctx).value
    masq_agent = s.truthy(s.helm(ctx, "ipMasqAgent.enabled").value) and s.gate(
        ctx, "ip-masq-agent-replaces-native-cidr"
    )
    if (
        mode == "native"
        and v4
        and s.native_routing_cidr(ctx) is None
        and "ipv4NativeRoutingCIDR" not in ctx.values.placeholders
        and ipam not in ("eni", "alibabacloud")
        and not masq_agent
    ):
        out.append(
            _without_native_cidr(
                "native-routing-without-cidr",
                "ipv4",
                (said("routingMode", routing),),
                "Name the CIDR that is routable without masquerading",
                _pod_cidr_hint(ctx),
                routing.origin,
            )
        )
    _, v6 = masquerading_families(ctx)
    if (
        mode == "native"
        and v6
        and s.native_routing_cidr(ctx, "ipv6") is None
        and "ipv6NativeRoutingCIDR" not in ctx.values.placeholders
        and not s.truthy(s.helm(ctx, "ipMasqAgent.enabled").value)
    ):
        out.append(
            _without_native_cidr(
                "native-routing-without-ipv6-cidr",
                "ipv6",
                (said("routingMode", routing), said("ipv6.enabled", s.ipv6_enabled(ctx))),
                "Name the IPv6 CIDR that is routable without masquerading",
                "fd00::/104",
                routing.origin,
            )
        )
    out.extend(_dsr_conflicts(ctx, mode, protocol))
    return out


def _without_native_cidr(
    id: str,
    family: str,
    shown: tuple[Evidence, ...],
    fix: str,
    hint: str,
    origin: Origin | None,
) -> Conflict:
    """Native routing with ``family`` masquerading and no ``<family>NativeRoutingCIDR``: the
    agent exits at start (checkIPv4NativeRoutingCIDR, checkIPv6NativeRoutingCIDR)."""
    key = f"{family}NativeRoutingCIDR"
    check = f"check{family.replace('ipv', 'IPv')}NativeRoutingCIDR"
    return conflict(
        id,
        f"native routing with {family.replace('ipv', 'IPv')} masquerading needs {key}: the agent "
        "exits at start",
        [
            Candidate(
                STRONG,
                cause(
                    CauseKind.REQUIREMENT_MISSING,
                    "native routing cidr must be configured with option "
                    f"--{family}-native-routing-cidr ({check}).",
                    *shown,
                    said(key, None),
                ),
                values_fix(fix, [(key, hint)]),
            )
        ],
        origin,
        fatal=True,
    )


def _dsr_conflicts(ctx: NodeContext, mode: str, protocol: str) -> list[Conflict]:
    """DSR or hybrid load balancing across a tunnel that cannot carry it."""
    lb = s.helm(ctx, "loadBalancer.mode")
    lb_mode = str(lb.value or "").strip().lower()
    if lb_mode not in ("dsr", "hybrid") or not s.is_set(ctx, "loadBalancer.mode"):
        return []
    dispatch = s.helm(ctx, "loadBalancer.dsrDispatch")
    dispatched = str(dispatch.value or "opt").strip().lower() or "opt"
    geneve = s.gate(ctx, "dsr-geneve-dispatch")
    # A tunnel only the chart default implies is not evidence (values given in part).
    if mode == "tunnel" and not (s.is_set(ctx, "routingMode") or s.is_set(ctx, "tunnelProtocol")):
        mode = "unknown"
    if mode == "tunnel" and protocol == "vxlan":
        message = f"loadBalancer.mode {lb_mode} cannot be used with vxlan tunneling"
        where, fix = lb, values_fix("Tunnel with geneve", [("tunnelProtocol", "geneve")])
    elif mode == "tunnel" and dispatched != "geneve" and geneve:
        message = f"tunnel routing with loadBalancer.mode {lb_mode} needs dsrDispatch geneve"
        where = lb
        fix = values_fix("Dispatch DSR in geneve", [("loadBalancer.dsrDispatch", "geneve")])
    elif dispatched == "geneve" and protocol != "geneve" and geneve:
        message = "loadBalancer.dsrDispatch geneve requires tunnelProtocol: geneve"
        where, fix = dispatch, values_fix("Tunnel with geneve", [("tunnelProtocol", "geneve")])
    else:
        return []
    return [
        conflict(
            "dsr-tunnel-mismatch",
            f"{message}: the agent exits at start.",
            [
                Candidate(
                    STRONG,
                    cause(
                        CauseKind.CONFLICTING_SETTING,
                        "DSR carries the client address to the backend node; across a tunnel "
                        "only geneve (with geneve dispatch) can carry it.",
                        said("loadBalancer.mode", lb),
                        said("routingMode", s.routing_mode(ctx)),
                        said("tunnelProtocol", s.tunnel_protocol(ctx)),
                    ),
                    fix,
                )
            ],
            where.origin,
            fatal=True,
        )
    ]


def _pod_cidr_hint(ctx: NodeContext) -> str:
    talos = ctx.talos
    if talos is not None and talos.pod_subnets is not None:
        for cidr in talos.pod_subnets.value:
            if ":" not in cidr:
                return cidr
    return "10.0.0.0/8"


def _routing_hook(ctx: NodeContext, expectation: Expectation, observed: str) -> Sequence[Candidate]:
    out: list[Candidate] = []
    gke = s.helm(ctx, "gke.enabled")
    if s.truthy(gke.value):
        out.append(
            possible(
                CauseKind.CONFLICTING_SETTING,
                "gke.enabled forces native routing.",
                said("gke.enabled", gke),
            )
        )
    return out


@fact(
    id="routing",
    status_line="Routing",
    since="1.16",
    reads=(
        "routingMode",
        "tunnelProtocol",
        "tunnel",
        "gke.enabled",
        "eni.enabled",
        "autoDirectNodeRoutes",
        "ipv4NativeRoutingCIDR",
        "enableIPv4Masquerade",
        "enableIPv6Masquerade",
        "ipv4.enabled",
        "ipv6.enabled",
        "ipam.mode",
        "ipMasqAgent.enabled",
        "ipv6NativeRoutingCIDR",
        "loadBalancer.mode",
        "loadBalancer.dsrDispatch",
    ),
    observe=_observe_network,
    explain=standard("routingMode", _routing_hook),
)
def routing(ctx: NodeContext) -> Expectation | None:
    """Native routing or a tunnel (vxlan/geneve) between nodes.

    ## Rule
    `routing-mode` = routingMode, else native with gke.enabled (and 1.19+ eni.enabled), else
    tunnel; `tunnel-protocol` = tunnelProtocol, else vxlan. 1.14 still maps the legacy `tunnel`
    key (disabled -> native). Status (1.16+): `Network: Native` or `Network: Tunnel [vxlan]`.

    ## Fallbacks
    None: an invalid mode or protocol, autoDirectNodeRoutes with a tunnel, and native routing
    with IPv4 masquerading but no ipv4NativeRoutingCIDR (unless ENI/Alibaba IPAM or the
    ip-masq-agent) make the agent exit at start (reported as cross-checks).

    ## Sources
    cilium/cilium@v1.16.0:pkg/option/config.go Validate,
    cilium/cilium@v1.16.0:pkg/datapath/tunnel/tunnel.go,
    cilium/cilium@v1.16.0:daemon/cmd/daemon_main.go initEnv,
    cilium/cilium@v1.18.0:install/kubernetes/cilium/templates/cilium-configmap.yaml
    (routing-mode, tunnel-protocol); https://docs.cilium.io/en/stable/network/concepts/routing/
    """
    mode = s.routing_mode(ctx)
    protocol = s.tunnel_protocol(ctx)
    conflicts = _routing_conflicts(ctx, mode.value, protocol.value)
    if not s.gate(ctx, "routing-status-line"):
        return expect(None, mode.origin, conflicts=conflicts, detail="no Routing line before 1.16")
    if mode.value == "native":
        return expect("Native", mode.origin, conflicts=conflicts)
    if mode.value == "tunnel":
        source = protocol.origin if s.is_set(ctx, "tunnelProtocol") else mode.origin
        return expect(f"Tunnel [{protocol.value}]", source, conflicts=conflicts)
    return expect(None, mode.origin, conflicts=conflicts, detail="the agent does not start")


def _observe_host(status: Status) -> str | None:
    routing = status.routing
    return routing.host if routing is not None else None


def _host_hook(ctx: NodeContext, expectation: Expectation, observed: str) -> Sequence[Candidate]:
    out: list[Candidate] = []
    if observed == "Legacy" and expectation.value == "BPF":
        check = kernel(ctx, "bpf-host-routing")
        if check.unknown:
            out.append(kernel_candidate(ctx, check, "BPF host routing", weight=LIKELY))
        out.append(
            possible(
                CauseKind.REQUIREMENT_MISSING,
                "The running config lacks a requirement of BPF host routing "
                "(kubeProxyReplacement=true, bpf.masquerade=true, no IPsec up to 1.18, no CNI "
                "chaining).",
                said("bpf.masquerade", s.helm(ctx, "bpf.masquerade")),
            )
        )
        legacy = ctx.values.get("bpf.hostLegacyRouting")
        if legacy is None:
            out.append(
                possible(
                    CauseKind.KEY_IGNORED,
                    "bpf.hostLegacyRouting is not set where the chart reads it (a misplaced or "
                    "misspelled key such as bpf.hostRouting is silently ignored).",
                )
            )
    return out


def _host_dns_conflict(ctx: NodeContext, value: str) -> list[Conflict]:
    """Talos' link-local DNS forwarder against eBPF host routing (with BPF masquerade).

    Certain from Cilium 1.16.5 (cilium/cilium PR #35098, siderolabs/talos#10002); reported
    on 1.16.0-1.16.4 too with BPF masquerade (cilium/cilium#35153) and with netkit
    (siderolabs/talos PR #9200, a 1.16.3 netkit cluster that works only with legacy routing).
    """
    talos = ctx.talos
    if talos is None or value != "BPF" or not s.gate(ctx, "host-dns-bpf-host-routing"):
        return []
    forward = talos.forward_kube_dns_to_host
    host_dns = talos.host_dns_enabled
    if forward is None or not forward.value:
        return []
    if host_dns is not None and not host_dns.value:
        return []
    masquerade = s.helm(ctx, "bpf.masquerade")
    netkit = s.datapath_mode(ctx).value in ("netkit", "netkit-l2")
    certain = s.gate(ctx, "host-dns-bpf-host-routing-fixed")
    if certain:
        why = (
            f"Cilium {ctx.cilium_version} >= 1.16.5 (cilium/cilium PR #35098, "
            "siderolabs/talos#10002)"
        )
    elif netkit:
        why = (
            f"Cilium {ctx.cilium_version} with netkit: reported broken until legacy host "
            "routing (siderolabs/talos PR #9200)"
        )
    else:
        why = (
            f"Cilium {ctx.cilium_version} with BPF masquerade: 169.254.116.108 reported "
            "unreachable from pods (cilium/cilium#35153)"
        )
    return [
        conflict(
            "host-dns-forward-with-bpf-host-routing",
            "Talos forwards kube-dns to the host DNS (169.254.116.108) while Cilium runs eBPF "
            "host routing with BPF masquerade: pod DNS times out (siderolabs/talos#10002).",
            [
                Candidate(
                    STRONG if certain or netkit else LIKELY + 0.1,
                    cause(
                        CauseKind.TALOS_CONFLICT,
                        "hostDNS forwardKubeDNSToHost does not work with eBPF host routing "
                        "(cilium/cilium#36737, siderolabs/talos#10002; Cilium's Talos guide "
                        "asks for bpf.hostLegacyRouting: true).",
                        said("machine.features.hostDNS.forwardKubeDNSToHost", forward),
                        said("bpf.masquerade", masquerade),
                        Evidence(why),
                    ),
                    talos_fix(
                        "Stop forwarding kube-dns to the host resolver (Talos docs), or set "
                        "bpf.hostLegacyRouting: true (Cilium docs)",
                        "machine.features.hostDNS.forwardKubeDNSToHost",
                        False,
                    ),
                ),
                Candidate(
                    LIKELY,
                    cause(
                        CauseKind.CONFLICTING_SETTING,
                        "eBPF host routing with BPF masquerade bypasses the host path that Talos' "
                        "link-local DNS forwarder needs.",
                        said("bpf.hostLegacyRouting", s.helm(ctx, "bpf.hostLegacyRouting")),
                    ),
                    values_fix("Route the host path legacy", [("bpf.hostLegacyRouting", True)]),
                ),
            ],
            forward.origin if forward.origin.position is not None else masquerade.origin,
            severity=Severity.ERROR if certain or netkit else Severity.WARNING,
        )
    ]


@fact(
    id="host-routing",
    status_line="Routing",
    reads=(
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
        "encryption.enabled",
        "encryption.type",
    ),
    observe=_observe_host,
    explain=standard("bpf.hostLegacyRouting", _host_hook),
)
def host_routing(ctx: NodeContext) -> Expectation:
    """eBPF host routing (BPF) or the kernel's stack (Legacy) for traffic to and from pods.

    ## Rule
    BPF unless one of the demotions applies (all of them, in this order): explicit
    bpf.hostLegacyRouting (or CNI chaining, whose chart default writes it true); kube-proxy
    replacement not true (1.14/1.15 `disabled` too); IPsec up to 1.18; iptables masquerading
    in use (a masquerading family on without bpf.masquerade); a kernel older than 5.10 on
    1.14-1.17 (1.18+ refuse to start below 5.10). Talos: hostDNS forwardKubeDNSToHost with BPF
    host routing breaks pod DNS on Cilium >= 1.16.5 (siderolabs/talos#10002); on 1.16.0-1.16.4
    it is reported with BPF masquerade (cilium/cilium#35153, a warning) and with netkit
    (siderolabs/talos PR #9200, an error).
    The line is `Routing: ... Host:` on 1.16+, `Host Routing:` on 1.14/1.15.

    ## Fallbacks
    Every demotion is silent or an Info log; the status shows `Legacy`.

    ## Sources
    cilium/cilium@v1.17.0:daemon/cmd/kube_proxy_replacement.go finishKubeProxyReplacementInit
    (same from v1.14.0; NodePort off -> disableNodePort() -> Legacy; then IPsec, iptables
    masquerading, KPR not true/strict, no bpf_redirect_neigh/peer, in that order),
    cilium/cilium@v1.19.0:pkg/kpr/initializer/kube_proxy_replacement.go, cilium/cilium
    commit 4687ca1e53 (IPsec, 1.19);
    https://docs.cilium.io/en/stable/installation/k8s-install-talos-linux/;
    cilium/cilium PR #36852; siderolabs/talos#10002.
    """
    outcome = decide_host_routing(ctx)
    conflicts = _host_dns_conflict(ctx, outcome.value)
    if outcome.reasons and outcome.value == "Legacy":
        # A conflict only when the values ask for what eBPF host routing needs and the
        # agent still ends in Legacy; Legacy from defaults alone is the expected state.
        intents = [
            key
            for key, wants_bpf in (
                ("bpf.hostLegacyRouting", not s.truthy(s.helm(ctx, "bpf.hostLegacyRouting").value)),
                ("bpf.masquerade", s.truthy(s.helm(ctx, "bpf.masquerade").value)),
                ("kubeProxyReplacement", s.kpr_enabled(ctx)),
            )
            if wants_bpf and s.is_set(ctx, key)
        ]
        explicit_legacy = s.truthy(s.helm(ctx, "bpf.hostLegacyRouting").value)
        if intents and not explicit_legacy:
            asked = intents[0] in ("bpf.hostLegacyRouting", "bpf.masquerade")
            conflicts.append(
                conflict(
                    "implicit-legacy-host-routing",
                    f"host routing will be Legacy, not BPF: {outcome.reasons[0].cause.summary}",
                    list(outcome.reasons),
                    ctx.values.get(intents[0]).origin  # type: ignore[union-attr]
                    if outcome.source is None or not s.is_set(ctx, outcome.source.key or "")
                    else outcome.source,
                    severity=Severity.WARNING if asked else Severity.NOTE,
                    settled_by_status=True,
                )
            )
    return from_outcome(outcome, conflicts=conflicts)


FACTS = (routing, host_routing)

__all__ = ["FACTS", "POSSIBLE"]
