"""Runtime decisions several facts share: kernel thresholds, host routing, masquerading.

Each decision returns an :class:`Outcome`: the value the agent ends up with, the declared
value that decided it, and every reason the agent demotes what the config asks for, as
weighted candidates with their fix (so that facts, conflicts and explanations agree).
"""

from __future__ import annotations

from ciliumdrift.agent import settings as s
from ciliumdrift.agent.explain import (
    STRONG,
    Candidate,
    cause,
    kernel_evidence,
    rank,
    rule_evidence,
    said,
    talos_fix,
    values_fix,
    where,
)
from ciliumdrift.agent.fact import Conflict, NodeContext
from ciliumdrift.agent.tables import KernelRule, first_talos_with, kernel_rule
from ciliumdrift.model import Cause, CauseKind, Evidence, Fix, Layer, Located, Origin, Severity
from ciliumdrift.records import record


@record
class Outcome:
    value: str
    source: Origin | None
    reasons: tuple[Candidate, ...] = ()
    condition: str | None = None


@record
class KernelCheck:
    """The result of one kernel threshold on one node: ``ok`` None when the kernel is unknown."""

    rule: KernelRule | None
    ok: bool | None

    @property
    def too_old(self) -> bool:
        return self.rule is not None and self.ok is False

    @property
    def unknown(self) -> bool:
        return self.rule is not None and self.ok is None


def kernel(ctx: NodeContext, feature: str) -> KernelCheck:
    rule = kernel_rule(feature, ctx.cilium_version)
    if rule is None:
        return KernelCheck(None, True)
    if ctx.kernel is None:
        return KernelCheck(rule, None)
    return KernelCheck(rule, rule.satisfied_by(ctx.kernel.value))


def kernel_candidate(
    ctx: NodeContext, check: KernelCheck, what: str, fix: Fix | None = None, weight: float = STRONG
) -> Candidate:
    assert check.rule is not None
    rule = check.rule
    if fix is None:
        fix = kernel_fix(ctx, rule)
    verb = "is older than" if check.ok is False else "may be older than"
    return Candidate(
        weight,
        cause(
            CauseKind.KERNEL_TOO_OLD,
            f"{what} needs Linux {rule.min_kernel} or newer; the node's kernel {verb} that.",
            kernel_evidence(ctx),
            rule_evidence(f"{rule.message or rule.feature} ({rule.source})", ctx.cilium_version),
        ),
        fix,
    )


def kernel_fix(ctx: NodeContext, rule: KernelRule) -> Fix:
    """Run a newer kernel: on Talos, the first release whose kernel passes the threshold."""
    release = first_talos_with(rule.min_kernel)
    if ctx.talos is not None and release is not None:
        return talos_fix(
            f"Upgrade the node to Talos {release} or newer (Linux {rule.min_kernel}+)",
            "machine.install.image",
            f"ghcr.io/siderolabs/installer:v{release}.0",
        )
    return Fix(summary=f"Run Linux {rule.min_kernel} or newer on this node")


def conflict(
    name: str,
    message: str,
    candidates: list[Candidate],
    source: Origin | None,
    *,
    severity: Severity = Severity.ERROR,
    fatal: bool = False,
    settled_by_status: bool = False,
) -> Conflict:
    """A named conflict (its ``name`` is the lint rule that shows it before any status)."""
    causes, fix = rank(candidates)
    return Conflict(
        message=message,
        causes=causes,
        source=anchor(source, causes),
        fix=fix,
        severity=severity,
        fatal=fatal,
        name=name,
        settled_by_status=settled_by_status,
    )


_WRITTEN_LAYERS = (
    Layer.VALUES_FILE,
    Layer.SET,
    Layer.SET_STRING,
    Layer.SET_JSON,
    Layer.SET_FILE,
    Layer.SET_LITERAL,
    Layer.TALOS,
)


def anchor(source: Origin | None, causes: tuple[Cause, ...]) -> Origin | None:
    """Where a conflict points: the value it is about when the user wrote it (Helm values or
    the Talos config), else the first value the user wrote among its evidence (a default
    has no line to edit), else what it is about. lint and check report it there."""
    if source is not None and source.layer in _WRITTEN_LAYERS and source.position:
        return source
    for found in causes:
        for evidence in found.evidence:
            origin = evidence.origin
            if origin is not None and origin.layer in _WRITTEN_LAYERS and origin.position:
                return origin
    return source


def intent_severity(ctx: NodeContext, *keys: str) -> Severity:
    """A fallback from something the user asked for is a warning; from a default, a note."""
    return Severity.WARNING if any(s.is_set(ctx, key) for key in keys) else Severity.NOTE


def masquerading_families(ctx: NodeContext) -> tuple[bool, bool]:
    v4 = s.ipv4_masquerade(ctx).value and s.ipv4_enabled(ctx).value
    v6 = s.ipv6_masquerade(ctx).value and s.ipv6_enabled(ctx).value
    return bool(v4), bool(v6)


def bpf_masquerade_requested(ctx: NodeContext) -> Located[bool]:
    return s.flag(ctx, "bpf.masquerade", "enable-bpf-masquerade")


def masquerade_mode(ctx: NodeContext) -> Outcome:
    """BPF, IPTables or Disabled (cilium/cilium@v1.16.0:daemon/cmd/daemon.go)."""
    v4, v6 = masquerading_families(ctx)
    requested = bpf_masquerade_requested(ctx)
    if not (v4 or v6):
        source = s.ipv4_masquerade(ctx).origin
        return Outcome("Disabled", source)
    if not requested.value:
        return Outcome("IPTables", requested.origin)
    if not s.node_port_enabled(ctx) and s.gate(ctx, "bpf-masquerade-nodeport-fallback"):
        reason = Candidate(
            STRONG,
            cause(
                CauseKind.REQUIREMENT_MISSING,
                "BPF masquerade requires NodePort; Cilium 1.14 falls back to iptables "
                "masquerading.",
                said("kubeProxyReplacement", s.kpr_value(ctx)),
            ),
            values_fix("Enable kube-proxy replacement", [("kubeProxyReplacement", True)]),
        )
        return Outcome("IPTables", requested.origin, (reason,))
    return Outcome("BPF", requested.origin)


def host_routing(ctx: NodeContext) -> Outcome:
    """BPF or Legacy host routing with every demotion rule, in the agent's order.

    cilium/cilium@v1.17.0:daemon/cmd/kube_proxy_replacement.go finishKubeProxyReplacementInit,
    cilium/cilium@v1.19.0:pkg/kpr/initializer/kube_proxy_replacement.go.
    """
    reasons: list[Candidate] = []
    legacy = s.host_legacy_routing(ctx)
    source: Origin | None = legacy.origin
    if legacy.value:
        chaining = s.chaining_mode(ctx)
        via_chaining = not s.is_set(ctx, "bpf.hostLegacyRouting") and chaining.value != "none"
        summary = (
            f"CNI chaining ({chaining.value}) makes the chart write enable-host-legacy-routing: "
            "true."
            if via_chaining
            else "bpf.hostLegacyRouting is true: legacy host routing is asked for explicitly."
        )
        reasons.append(
            Candidate(
                STRONG,
                cause(
                    CauseKind.CONFLICTING_SETTING, summary, said("bpf.hostLegacyRouting", legacy)
                ),
                values_fix("Ask for eBPF host routing", [("bpf.hostLegacyRouting", False)]),
            )
        )
    kpr = s.kpr_value(ctx)
    if not s.kpr_enabled(ctx):
        text = (
            "kubeProxyReplacement=disabled falls back to legacy host routing"
            if kpr.value == "disabled" and s.gate(ctx, "kpr-legacy-modes")
            else "BPF host routing requires kube-proxy-replacement=true"
        )
        reasons.append(
            Candidate(
                STRONG,
                cause(CauseKind.REQUIREMENT_MISSING, f"{text}.", said("kubeProxyReplacement", kpr)),
                values_fix("Enable kube-proxy replacement", [("kubeProxyReplacement", True)]),
            )
        )
        source = source if legacy.value else kpr.origin
    encryption = s.encryption_mode(ctx)
    if encryption.value == "ipsec" and not s.gate(ctx, "bpf-host-routing-with-ipsec"):
        reasons.append(
            Candidate(
                STRONG,
                cause(
                    CauseKind.CONFLICTING_SETTING,
                    "BPF host routing is incompatible with IPsec up to Cilium 1.18 (allowed from "
                    "1.19).",
                    said("encryption.type", encryption),
                ),
                values_fix("Use WireGuard instead of IPsec", [("encryption.type", "wireguard")]),
            )
        )
        source = source if reasons[:-1] else encryption.origin
    v4, v6 = masquerading_families(ctx)
    masq = masquerade_mode(ctx)
    if (v4 or v6) and masq.value != "BPF":
        requested = bpf_masquerade_requested(ctx)
        reasons.append(
            Candidate(
                STRONG,
                cause(
                    CauseKind.REQUIREMENT_MISSING,
                    "BPF host routing requires BPF masquerading (bpf.masquerade: true) while "
                    "masquerading is on; iptables masquerading forces legacy host routing.",
                    said("bpf.masquerade", requested),
                    said("enableIPv4Masquerade", s.ipv4_masquerade(ctx)),
                ),
                values_fix("Masquerade in eBPF", [("bpf.masquerade", True)]),
            )
        )
        source = source if reasons[:-1] else requested.origin
    check = kernel(ctx, "bpf-host-routing")
    condition = None
    if check.too_old:
        reasons.append(kernel_candidate(ctx, check, "BPF host routing"))
    elif check.unknown and not reasons:
        condition = "BPF host routing needs Linux 5.10 or newer on Cilium <= 1.17 (kernel unknown)"
    return Outcome("Legacy" if reasons else "BPF", source, tuple(reasons), condition)


def describe(located: Located[object]) -> str:
    return f"{located.value} ({where(located.origin)})"


__all__ = [
    "Evidence",
    "KernelCheck",
    "Outcome",
    "bpf_masquerade_requested",
    "conflict",
    "describe",
    "host_routing",
    "intent_severity",
    "kernel",
    "kernel_candidate",
    "masquerade_mode",
    "masquerading_families",
]
