"""Masquerading: BPF or iptables per family, and the CIDR the agent does not SNAT."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from ciliumdrift.agent import settings as s
from ciliumdrift.agent.decide import (
    bpf_masquerade_requested,
    conflict,
    masquerade_mode,
    masquerading_families,
)
from ciliumdrift.agent.explain import (
    LIKELY,
    STRONG,
    Candidate,
    cause,
    said,
    values_fix,
)
from ciliumdrift.agent.fact import Conflict, Expectation, NodeContext, fact
from ciliumdrift.agent.facts._common import expect, standard
from ciliumdrift.model import CauseKind, Evidence, Severity
from ciliumdrift.parse.model import Status

_READS = (
    "bpf.masquerade",
    "enableIPv4Masquerade",
    "enableIPv6Masquerade",
    "ipv4.enabled",
    "ipv6.enabled",
    "eni.enabled",
    "ipMasqAgent.enabled",
    "kubeProxyReplacement",
    "upgradeCompatibility",
    "nodePort.enabled",
)


def _families(v4: bool, v6: bool) -> str:
    def word(on: bool) -> str:
        return "Enabled" if on else "Disabled"

    return f"[IPv4: {word(v4)}, IPv6: {word(v6)}]"


def _observe_mode(status: Status) -> str | None:
    masq = status.masquerading
    if masq is None:
        return None
    if masq.mode == "Disabled":
        return "Disabled"
    mode = masq.mode + (" (ip-masq-agent)" if masq.ip_masq_agent else "")
    if masq.ipv4 is None and masq.ipv6 is None:
        return mode
    return f"{mode} {_families(bool(masq.ipv4), bool(masq.ipv6))}"


def _matches_mode(expected: str, observed: str) -> bool:
    # A status that omits the family bracket (JSON without enabledProtocols) matches on mode.
    if "[" not in observed:
        return expected.split(" [", 1)[0].casefold() == observed.casefold()
    return " ".join(expected.split()).casefold() == " ".join(observed.split()).casefold()


def _mode_conflicts(ctx: NodeContext, mode: str) -> list[Conflict]:
    out: list[Conflict] = []
    requested = bpf_masquerade_requested(ctx)
    v4, v6 = masquerading_families(ctx)
    agent_on = s.truthy(s.helm(ctx, "ipMasqAgent.enabled").value)
    if (
        requested.value
        and (v4 or v6)
        and not s.node_port_enabled(ctx)
        and s.gate(ctx, "bpf-masquerade-nodeport-fatal")
    ):
        out.append(
            conflict(
                "bpf-masquerade-without-kpr",
                "unable to initialize BPF masquerade support: BPF masquerade requires NodePort "
                '(--enable-node-port="true"): the agent exits at start.',
                [
                    Candidate(
                        STRONG,
                        cause(
                            CauseKind.REQUIREMENT_MISSING,
                            "bpf.masquerade needs kube-proxy replacement (or nodePort.enabled) on "
                            "Cilium 1.15-1.18.",
                            said("bpf.masquerade", requested),
                            said("kubeProxyReplacement", s.kpr_value(ctx)),
                        ),
                        values_fix(
                            "Enable kube-proxy replacement", [("kubeProxyReplacement", True)]
                        ),
                    )
                ],
                requested.origin,
                fatal=True,
            )
        )
    if (
        requested.value
        and not (v4 or v6)
        and s.gate(ctx, "bpf-masquerade-without-masquerading-refused")
    ):
        out.append(
            conflict(
                "bpf-masquerade-without-masquerading",
                "BPF masquerade requires enable-ipv4-masquerade or enable-ipv6-masquerade: the "
                "agent exits at start.",
                [
                    Candidate(
                        STRONG,
                        cause(
                            CauseKind.CONFLICTING_SETTING,
                            "bpf.masquerade is true while both masquerading families are off.",
                            said("bpf.masquerade", requested),
                            said("enableIPv4Masquerade", s.ipv4_masquerade(ctx)),
                        ),
                        values_fix("Do not ask for BPF masquerading", [("bpf.masquerade", False)]),
                    )
                ],
                requested.origin,
                fatal=True,
            )
        )
    if agent_on and mode != "BPF":
        located = s.helm(ctx, "ipMasqAgent.enabled")
        out.append(
            conflict(
                "ip-masq-agent-without-bpf-masquerade",
                "BPF ip-masq-agent requires BPF masquerading: the agent exits at start.",
                [
                    Candidate(
                        STRONG,
                        cause(
                            CauseKind.REQUIREMENT_MISSING,
                            "ipMasqAgent.enabled needs bpf.masquerade: true and a masquerading "
                            "family.",
                            said("ipMasqAgent.enabled", located),
                            said("bpf.masquerade", requested),
                        ),
                        values_fix("Masquerade in eBPF", [("bpf.masquerade", True)]),
                    )
                ],
                located.origin,
                fatal=True,
            )
        )
    return out


def _mode_hook(ctx: NodeContext, expectation: Expectation, observed: str) -> Sequence[Candidate]:
    out: list[Candidate] = []
    requested = bpf_masquerade_requested(ctx)
    if (
        observed.startswith("IPTables")
        and expectation.value
        and expectation.value.startswith("BPF")
    ):
        if s.gate(ctx, "bpf-masquerade-nodeport-fallback") and not s.node_port_enabled(ctx):
            out.append(
                Candidate(
                    STRONG,
                    cause(
                        CauseKind.REQUIREMENT_MISSING,
                        "Cilium 1.14 falls back to iptables masquerading without NodePort.",
                        said("kubeProxyReplacement", s.kpr_value(ctx)),
                    ),
                )
            )
        out.append(
            Candidate(
                LIKELY - 0.02,
                cause(
                    CauseKind.CONFLICTING_SETTING,
                    "The running config lacks enable-bpf-masquerade: true (bpf.masquerade unset "
                    "in the deployed release).",
                    said("bpf.masquerade", requested),
                ),
            )
        )
    return out


@fact(
    id="masquerading",
    status_line="Masquerading",
    reads=_READS,
    observe=_observe_mode,
    explain=standard("bpf.masquerade", _mode_hook),
    matches=_matches_mode,
)
def masquerading(ctx: NodeContext) -> Expectation:
    """Pod traffic leaving the cluster is SNATed in eBPF (BPF) or by iptables, per family.

    ## Rule
    Families: IPvX masquerades iff enableIPvXMasquerade and ipvX.enabled (1.18+ charts default
    IPv4 masquerading off with eni.enabled). Both off: `Disabled`. Else `BPF` iff bpf.masquerade
    (agent default false), `BPF (ip-masq-agent)` with ipMasqAgent.enabled, else `IPTables`;
    followed by `[IPv4: Enabled|Disabled, IPv6: Enabled|Disabled]`.

    ## Fallbacks
    1.14: BPF masquerading without NodePort falls back to iptables (and Legacy host routing);
    1.15-1.18 exit at start instead (1.15 verified: PR #29778 "Fail init if requirements for
    BPF masquerade are not met", upgrade note filed under 1.15, reported on 1.15.0 in
    cilium/cilium#30609); 1.19 accepts it. Both families off with bpf.masquerade is
    fatal from 1.16; the ip-masq-agent without BPF masquerading is always fatal.

    ## Sources
    cilium/cilium@v1.14.0:daemon/cmd/daemon.go, cilium/cilium@v1.16.0:daemon/cmd/daemon.go
    and cilium/cilium@v1.18.0:daemon/cmd/daemon.go (BPF masquerade checks);
    cilium/cilium@v1.16.0:Documentation/operations/upgrade.rst ("fail to initialize");
    https://docs.cilium.io/en/stable/network/concepts/masquerading/
    """
    outcome = masquerade_mode(ctx)
    v4, v6 = masquerading_families(ctx)
    conflicts = _mode_conflicts(ctx, outcome.value)
    if outcome.reasons:
        conflicts.append(
            conflict(
                "bpf-masquerade-without-kpr",
                "The agent falls back to iptables masquerading.",
                list(outcome.reasons),
                outcome.source,
                severity=Severity.WARNING,
                settled_by_status=True,
            )
        )
    if outcome.value == "Disabled":
        return expect("Disabled", outcome.source, conflicts=conflicts)
    mode = outcome.value
    if mode == "BPF" and s.truthy(s.helm(ctx, "ipMasqAgent.enabled").value):
        mode = "BPF (ip-masq-agent)"
    return expect(
        f"{mode} {_families(v4, v6)}",
        outcome.source,
        reasons=outcome.reasons,
        conflicts=conflicts,
    )


def _observe_cidr(status: Status) -> str | None:
    masq = status.masquerading
    if masq is None or not masq.cidrs:
        return None
    return " ".join(masq.cidrs)


def _same_networks(expected: str, observed: str) -> bool:
    def networks(text: str) -> set[str]:
        out = set()
        for item in text.split():
            try:
                out.add(str(ipaddress.ip_network(item, strict=False)))
            except ValueError:
                out.add(item)
        return out

    return networks(expected) == networks(observed)


def _covers(outer: str, inner: str) -> bool:
    try:
        big = ipaddress.ip_network(outer, strict=False)
        small = ipaddress.ip_network(inner, strict=False)
    except ValueError:
        return True
    return big.version == small.version and small.subnet_of(big)  # type: ignore[arg-type]


def _cidr_conflicts(ctx: NodeContext, family: str) -> list[Conflict]:
    talos = ctx.talos
    declared = s.native_routing_cidr(ctx, family)
    if talos is None or talos.pod_subnets is None or declared is None:
        return []
    version = 6 if family == "ipv6" else 4
    subnets = [c for c in talos.pod_subnets.value if (":" in c) == (version == 6)]
    uncovered = [c for c in subnets if not _covers(declared.value, c)]
    if not uncovered:
        return []
    return [
        conflict(
            "native-routing-cidr-misses-pod-subnets",
            f"{family}NativeRoutingCIDR {declared.value} does not cover the Talos pod subnet "
            f"{', '.join(uncovered)}: pod-to-pod traffic between nodes would be masqueraded.",
            [
                Candidate(
                    STRONG,
                    cause(
                        CauseKind.TALOS_CONFLICT,
                        "The native-routing CIDR must contain the pod CIDRs Talos' controller "
                        "manager hands out (cluster.network.podSubnets).",
                        said(f"{family}NativeRoutingCIDR", declared),
                        said("cluster.network.podSubnets", talos.pod_subnets),
                    ),
                    values_fix(
                        "Use the Talos pod subnet as the native-routing CIDR",
                        [(f"{family}NativeRoutingCIDR", uncovered[0])],
                    ),
                )
            ],
            declared.origin,
        )
    ]


def _cidr_hook(ctx: NodeContext, expectation: Expectation, observed: str) -> Sequence[Candidate]:
    talos = ctx.talos
    out: list[Candidate] = []
    if talos is not None and talos.pod_subnets is not None:
        declared = s.native_routing_cidr(ctx)
        matches_talos = any(_same_networks(c, observed.split()[0]) for c in talos.pod_subnets.value)
        if declared is not None and not any(
            _covers(declared.value, c) for c in talos.pod_subnets.value
        ):
            out.append(
                Candidate(
                    LIKELY - 0.01 if not matches_talos else LIKELY - 0.005,
                    cause(
                        CauseKind.TALOS_CONFLICT,
                        "The declared ipv4NativeRoutingCIDR does not cover the Talos pod subnet"
                        + (" that the running agents use." if matches_talos else "."),
                        said("ipv4NativeRoutingCIDR", declared),
                        said("cluster.network.podSubnets", talos.pod_subnets),
                    ),
                    values_fix(
                        "Use the Talos pod subnet",
                        [("ipv4NativeRoutingCIDR", talos.pod_subnets.value[0])],
                    ),
                )
            )
    return out


@fact(
    id="masquerading-cidr",
    status_line="Masquerading",
    reads=(*_READS, "ipv4NativeRoutingCIDR", "ipv6NativeRoutingCIDR", "ipam.mode"),
    observe=_observe_cidr,
    explain=standard("ipv4NativeRoutingCIDR", _cidr_hook),
    matches=_same_networks,
)
def masquerading_cidr(ctx: NodeContext) -> Expectation | None:
    """The destination CIDR BPF masquerading leaves alone (the native-routing CIDR).

    ## Rule
    Printed only in BPF mode: `ipv4-native-routing-cidr` (ipv4NativeRoutingCIDR) when set,
    else the node's own pod CIDR (not the cluster pool); ENI/Alibaba IPAM autodetect the VPC
    CIDR. From 1.18 the IPv6 CIDR follows when IPv6 masquerades. Talos: the CIDR must cover
    cluster.network.podSubnets.

    ## Fallbacks
    None; without a native-routing CIDR the expectation is the node's pod CIDR (a node fact).

    ## Sources
    cilium/cilium@v1.18.0:pkg/datapath/types/config.go (RemoteSNATDstAddrExclusionCIDR),
    cilium/cilium PR #38075 (the v6 CIDR on the line);
    https://docs.cilium.io/en/stable/network/concepts/masquerading/
    """
    outcome = masquerade_mode(ctx)
    conflicts = _cidr_conflicts(ctx, "ipv4") + _cidr_conflicts(ctx, "ipv6")
    if outcome.value != "BPF":
        return expect(None, outcome.source, conflicts=conflicts, detail="printed in BPF mode only")
    v4, v6 = masquerading_families(ctx)
    parts: list[str] = []
    source = None
    condition = None
    for family, on in (("ipv4", v4), ("ipv6", v6 and s.gate(ctx, "ipv6-masquerade-status"))):
        if not on:
            continue
        declared = s.native_routing_cidr(ctx, family)
        if declared is not None:
            parts.append(declared.value)
            source = source or declared.origin
        elif ctx.pod_cidrs:
            wanted = [c for c in ctx.pod_cidrs if (":" in c) == (family == "ipv6")]
            parts.extend(wanted[:1])
            condition = "no native-routing CIDR: the node's own pod CIDR"
        else:
            return expect(
                None,
                source or bpf_masquerade_requested(ctx).origin,
                conflicts=conflicts,
                detail=f"no {family}NativeRoutingCIDR: the node's own pod CIDR is excluded",
            )
    if not parts:
        return expect(None, source, conflicts=conflicts)
    return expect(" ".join(parts), source, conflicts=conflicts, condition=condition)


FACTS = (masquerading, masquerading_cidr)

__all__ = ["FACTS", "Evidence"]
