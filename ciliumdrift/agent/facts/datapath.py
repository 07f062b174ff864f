"""How pods are wired: device mode (veth/netkit) and attach mode (TCX or legacy TC)."""

from __future__ import annotations

from collections.abc import Sequence

from ciliumdrift.agent import settings as s
from ciliumdrift.agent.decide import (
    KernelCheck,
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
    per_node_override,
    said,
    values_fix,
)
from ciliumdrift.agent.fact import Conflict, Expectation, NodeContext, fact
from ciliumdrift.agent.facts._common import expect, standard
from ciliumdrift.model import CauseKind, Evidence, Fix, Located, Severity
from ciliumdrift.parse.model import Status
from ciliumdrift.regex import lazy_pattern

_NETKIT = ("netkit", "netkit-l2")


def _valid_modes(ctx: NodeContext) -> tuple[str, ...]:
    modes = [
        ("auto", "datapath-mode-auto"),
        ("veth", None),
        ("netkit", "datapath-mode-netkit"),
        ("netkit-l2", "datapath-mode-netkit"),
        ("lb-only", "datapath-mode-lb-only"),
    ]
    return tuple(mode for mode, needs in modes if needs is None or s.gate(ctx, needs))


def _observe_device(status: Status) -> str | None:
    # 1.20 appends the configured mode when it differs: "veth [Configured: auto]".
    mode = status.device_mode
    return mode.split(" [", 1)[0].strip() if mode else mode


def _observe_configured(status: Status) -> str | None:
    mode = status.device_mode
    if not mode:
        return None
    match = _CONFIGURED.search(mode)
    return match.group(1) if match else mode.strip()


_CONFIGURED = lazy_pattern(r"\[Configured:\s*([\w-]+)\]")


def _device_conflicts(ctx: NodeContext, mode: str) -> list[Conflict]:
    declared = s.datapath_mode(ctx)
    out: list[Conflict] = []
    if mode not in _valid_modes(ctx):
        out.append(
            conflict(
                "invalid-value",
                f'datapath mode "{mode}" is not valid for Cilium {ctx.cilium_version}: the agent '
                "exits at start (Invalid datapath mode).",
                [
                    Candidate(
                        STRONG,
                        cause(
                            CauseKind.DEPRECATED_VALUE
                            if mode == "lb-only"
                            else CauseKind.CONFLICTING_SETTING,
                            f"bpf.datapathMode {mode!r} is not one of "
                            f"{', '.join(_valid_modes(ctx))}.",
                            said("bpf.datapathMode", declared),
                        ),
                        values_fix("Use a valid device mode", [("bpf.datapathMode", "veth")]),
                    )
                ],
                declared.origin,
                fatal=True,
            )
        )
        return out
    if mode not in _NETKIT:
        return out
    out.extend(_netkit_legacy_conflicts(ctx, declared))
    probe = kernel(ctx, "netkit")
    unprobed = kernel(ctx, "netkit-unprobed")

    def fix_for(check: KernelCheck) -> Fix:
        # The kernel named in the fix is the threshold of the cause it fixes (data/kernel.yaml).
        floor = check.rule.min_kernel if check.rule is not None else "6.8"
        return values_fix(
            f"Use veth until every node runs Linux {floor}+", [("bpf.datapathMode", "veth")]
        )

    if probe.too_old:
        out.append(
            conflict(
                "netkit-kernel-too-old",
                f"netkit devices need kernel {_floor(probe)} or newer and CONFIG_NETKIT: the "
                "agent exits at start (netkit never falls back to veth).",
                [kernel_candidate(ctx, probe, "netkit", fix_for(probe))],
                declared.origin,
                fatal=True,
            )
        )
    elif unprobed.too_old:
        out.append(
            conflict(
                "netkit-kernel-too-old",
                f"netkit on a kernel older than {_floor(unprobed)}: Cilium 1.16 starts, but pods "
                "stay in ContainerCreating (cilium/cilium#33878).",
                [kernel_candidate(ctx, unprobed, "netkit", fix_for(unprobed))],
                declared.origin,
            )
        )
    else:
        floor = kernel(ctx, "netkit-supported")
        if floor.too_old:
            out.append(
                conflict(
                    "netkit-kernel-too-old",
                    "netkit runs on this kernel, but the documented support floor is Linux "
                    f"{_floor(floor)}.",
                    [
                        kernel_candidate(
                            ctx, floor, "Supported netkit", fix_for(floor), weight=LIKELY
                        )
                    ],
                    declared.origin,
                    severity=Severity.NOTE,
                )
            )
    return out


def _floor(check: KernelCheck) -> str:
    return check.rule.min_kernel if check.rule is not None else "?"


def _netkit_legacy_conflicts(ctx: NodeContext, declared: Located[str]) -> list[Conflict]:
    """1.20 refuses netkit with legacy host routing, explicit or demoted (PRs #44713, #46032)."""
    if not s.gate(ctx, "netkit-refuses-legacy-host-routing"):
        return []
    routing = host_routing(ctx)
    if routing.value != "Legacy":
        return []
    explicit = s.truthy(s.helm(ctx, "bpf.hostLegacyRouting").value)
    reasons = [
        Candidate(
            STRONG,
            cause(
                CauseKind.CONFLICTING_SETTING if explicit else CauseKind.REQUIREMENT_MISSING,
                "netkit requires eBPF host routing from Cilium 1.20; "
                + (
                    "bpf.hostLegacyRouting asks for legacy routing."
                    if explicit
                    else "this config demotes host routing to Legacy instead of falling back."
                ),
                said("bpf.datapathMode", declared),
                *(c.cause.evidence[0] for c in routing.reasons[:2] if c.cause.evidence),
            ),
            routing.reasons[0].fix
            if routing.reasons
            else values_fix("Use veth", [("bpf.datapathMode", "veth")]),
        )
    ]
    return [
        conflict(
            "netkit-with-legacy-host-routing",
            "netkit is incompatible with legacy host routing: Cilium 1.20 exits at start "
            "(cilium/cilium PR #44713, #46032).",
            reasons,
            declared.origin,
            fatal=True,
        )
    ]


def _device_hook(ctx: NodeContext, expectation: Expectation, observed: str) -> Sequence[Candidate]:
    # The Cilium docs recommend a CiliumNodeConfig exactly for moving nodes to netkit one by one.
    return [
        per_node_override(
            ctx,
            LIKELY,
            "the Cilium docs migrate nodes between veth and netkit with CiliumNodeConfig "
            "(https://docs.cilium.io/en/stable/operations/performance/tuning/, per-node "
            "configuration)",
        )
    ]


@fact(
    id="device-mode",
    status_line="Device Mode",
    since="1.16",
    reads=("bpf.datapathMode",),
    observe=_observe_device,
    explain=standard("bpf.datapathMode", _device_hook),
)
def device_mode(ctx: NodeContext) -> Expectation | None:
    """Pods attach through veth, netkit or netkit-l2 devices.

    ## Rule
    The status prints the configured `datapath-mode` (bpf.datapathMode; chart default veth),
    not a probe of the pods' devices. Valid: veth, netkit, netkit-l2 (1.16+; lb-only up to 1.17).

    ## Fallbacks
    None: netkit never falls back to veth. On 1.17+ a kernel without netkit (< 6.7 or no
    CONFIG_NETKIT) makes the agent exit (`netkit devices need kernel 6.7.0 or newer and
    CONFIG_NETKIT`); 1.16 starts and pods hang (PR #35551 merged 2024-10-25 for 1.17; a 1.16
    backport was not found). Docs name 6.8 and eBPF host routing as requirements; the agent
    enforces host routing from 1.20: netkit with legacy host routing, declared or demoted, is
    fatal (PRs #44713, #46032), and 1.20's `auto` picks netkit only when it can. A node that
    differs from the others is most often a CiliumNodeConfig override.

    ## Sources
    cilium/cilium@v1.17.0:daemon/cmd/daemon_main.go initEnv (probes.HaveNetkit; same to
    v1.19.0), cilium/cilium PR #35551, issue #33878, PRs #44713/#46032 (1.20);
    cilium/cilium@v1.19.0:Documentation/operations/performance/tuning.rst (netkit device mode);
    https://docs.cilium.io/en/stable/configuration/per-node-config/ (per-node overrides);
    cilium/cilium@v1.20.0:install/kubernetes/cilium/values.yaml (bpf.datapathMode auto).
    """
    declared = s.datapath_mode(ctx)
    conflicts = _device_conflicts(ctx, declared.value)
    if not s.gate(ctx, "device-mode-status-line"):
        return expect(
            None, declared.origin, conflicts=conflicts, detail="no Device Mode line before 1.16"
        )
    if declared.value not in _valid_modes(ctx) or declared.value == "lb-only":
        return expect(None, declared.origin, conflicts=conflicts, detail="the agent does not start")
    if declared.value == "auto":
        # 1.20 picks netkit when the kernel and host routing allow it, else veth.
        return expect(
            "netkit",
            declared.origin,
            conflicts=conflicts,
            condition="auto picks netkit only with netkit kernel support and eBPF host routing, "
            "else veth",
        )
    return expect(declared.value, declared.origin, conflicts=conflicts)


@fact(
    id="device-mode-configured",
    status_line="Device Mode",
    since="1.20",
    reads=("bpf.datapathMode",),
    observe=_observe_configured,
    explain=standard("bpf.datapathMode", _device_hook),
)
def device_mode_configured(ctx: NodeContext) -> Expectation | None:
    """The configured device mode 1.20 prints beside the running one (`veth [Configured: auto]`).

    ## Rule
    From 1.20 the status carries the configured `datapath-mode` (bpf.datapathMode, chart
    default veth) next to the mode the agent runs; the text prints `[Configured: X]` only when
    they differ, JSON always (`configured-datapath-mode`). The configured value is the
    declared one exactly: a difference means the agent runs another config.

    ## Fallbacks
    None on this part: `auto` resolving to veth (bpf.tproxy on, PR #44048; legacy host
    routing, PR #44713) shows as `veth [Configured: auto]` and is the device-mode fact's.

    ## Sources
    cilium/cilium PR #43062 (configured datapath mode in the status),
    cilium/cilium@v1.20.0:install/kubernetes/cilium/values.yaml (bpf.datapathMode auto);
    https://docs.cilium.io/en/stable/operations/performance/tuning/.
    """
    if not s.gate(ctx, "device-mode-configured-in-status"):
        return None
    declared = s.datapath_mode(ctx)
    if declared.value not in _valid_modes(ctx):
        return None
    return expect(declared.value, declared.origin)


def _observe_attach(status: Status) -> str | None:
    return status.attach_mode


def _attach_hook(ctx: NodeContext, expectation: Expectation, observed: str) -> Sequence[Candidate]:
    out: list[Candidate] = []
    if observed == "Legacy TC" and expectation.value == "TCX":
        check = kernel(ctx, "tcx")
        if check.unknown:
            out.append(kernel_candidate(ctx, check, "TCX", weight=LIKELY + 0.1))
        # With a kernel known to have tcx, only enable-tcx: false explains Legacy TC; it is
        # set outside the values to share tc hooks with other tools (grafana/beyla#1545).
        known_ok = not check.unknown and not check.too_old
        out.append(
            Candidate(
                LIKELY + 0.02 if known_ok else POSSIBLE,
                cause(
                    CauseKind.CONFLICTING_SETTING,
                    "The running config has enable-tcx: false (bpf.enableTCX: false in the "
                    "deployed values, extraConfig, or `cilium config set enable-tcx false` to "
                    "coexist with other tc/tcx programs).",
                    said("bpf.enableTCX", s.helm(ctx, "bpf.enableTCX")),
                    kernel_evidence(ctx),
                ),
                values_fix("Attach with tcx", [("bpf.enableTCX", True)]),
            )
        )
    return out


@fact(
    id="attach-mode",
    status_line="Attach Mode",
    since="1.16",
    reads=("bpf.enableTCX", "bpf.datapathMode"),
    observe=_observe_attach,
    explain=standard("bpf.enableTCX", _attach_hook),
)
def attach_mode(ctx: NodeContext) -> Expectation | None:
    """BPF programs attach with tcx links (TCX) or the legacy tc qdisc (Legacy TC).

    ## Rule
    `TCX` iff enable-tcx (bpf.enableTCX, default true from 1.16; forced on by netkit) and the
    kernel supports tcx links (Linux 6.6+); otherwise `Legacy TC`. No line before 1.16.

    ## Fallbacks
    On a kernel without tcx the agent silently falls back to legacy tc per attachment. With a
    kernel known to have tcx, `Legacy TC` means enable-tcx: false in the running config, often
    set outside the values to share tc hooks with other eBPF tools (grafana/beyla#1545).

    ## Sources
    cilium/cilium@v1.16.0:pkg/datapath/loader/tc.go attachSKBProgram (PR #30103),
    cilium/cilium@v1.16.0:daemon/cmd/status.go getAttachModeStatus (`EnableTCX &&
    probes.HaveTCX() == nil`, same to v1.19.0);
    cilium/cilium@v1.16.0:Documentation/operations/upgrade.rst ("Cilium by default switches
    to tcx" on 6.6+).
    """
    tcx = s.flag(ctx, "bpf.enableTCX", "enable-tcx")
    mode = s.datapath_mode(ctx)
    if not s.gate(ctx, "attach-mode-status-line"):
        return None
    forced = mode.value in _NETKIT
    source = mode.origin if forced and not tcx.value else tcx.origin
    if not tcx.value and not forced:
        return expect("Legacy TC", tcx.origin)
    check = kernel(ctx, "tcx")
    if check.too_old:
        reason = kernel_candidate(ctx, check, "TCX")
        fallback = conflict(
            "tcx-kernel-too-old",
            "The kernel has no tcx links: the agent falls back to legacy tc.",
            [reason],
            source,
            severity=intent_severity(ctx, "bpf.enableTCX"),
        )
        return expect("Legacy TC", source, reasons=[reason], conflicts=[fallback])
    condition = "TCX needs Linux 6.6 or newer (kernel unknown)" if check.unknown else None
    detail = "netkit forces tcx" if forced else None
    return expect("TCX", source, condition=condition, detail=detail)


FACTS = (device_mode, device_mode_configured, attach_mode)

__all__ = ["FACTS", "Evidence"]
