"""How pods are wired: device mode (veth/netkit) and attach mode (TCX or legacy TC)."""

from __future__ import annotations

from collections.abc import Sequence

from ciliumdrift.derive import settings as s
from ciliumdrift.derive.decide import conflict, intent_severity, kernel, kernel_candidate
from ciliumdrift.derive.fact import Conflict, Expectation, NodeContext, fact
from ciliumdrift.derive.facts._common import expect, standard
from ciliumdrift.explain import (
    LIKELY,
    POSSIBLE,
    STRONG,
    Candidate,
    cause,
    per_node_override,
    said,
    values_fix,
)
from ciliumdrift.model import CauseKind, Evidence, Severity
from ciliumdrift.parse.model import Status

_NETKIT = ("netkit", "netkit-l2")


def _valid_modes(ctx: NodeContext) -> tuple[str, ...]:
    if s.minor(ctx) <= (1, 15):
        return ("veth", "lb-only")
    if s.minor(ctx) <= (1, 17):
        return ("veth", "netkit", "netkit-l2", "lb-only")
    return ("veth", "netkit", "netkit-l2")


def _observe_device(status: Status) -> str | None:
    return status.device_mode


def _device_conflicts(ctx: NodeContext, mode: str) -> list[Conflict]:
    declared = s.datapath_mode(ctx)
    out: list[Conflict] = []
    if mode not in _valid_modes(ctx):
        out.append(
            conflict(
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
    probe = kernel(ctx, "netkit")
    unprobed = kernel(ctx, "netkit-unprobed")
    fix = values_fix("Use veth until every node runs Linux 6.8+", [("bpf.datapathMode", "veth")])
    if probe.too_old:
        out.append(
            conflict(
                "netkit devices need kernel 6.7.0 or newer and CONFIG_NETKIT: the agent exits at "
                "start (netkit never falls back to veth).",
                [kernel_candidate(ctx, probe, "netkit", fix)],
                declared.origin,
                fatal=True,
            )
        )
    elif unprobed.too_old:
        out.append(
            conflict(
                "netkit on a kernel older than 6.7: Cilium 1.16 starts, but pods stay in "
                "ContainerCreating (cilium/cilium#33878).",
                [kernel_candidate(ctx, unprobed, "netkit", fix)],
                declared.origin,
            )
        )
    else:
        floor = kernel(ctx, "netkit-supported")
        if floor.too_old:
            out.append(
                conflict(
                    "netkit runs on this kernel, but the documented support floor is Linux 6.8.",
                    [kernel_candidate(ctx, floor, "Supported netkit", fix, weight=LIKELY)],
                    declared.origin,
                    severity=Severity.NOTE,
                )
            )
    return out


def _device_hook(ctx: NodeContext, expectation: Expectation, observed: str) -> Sequence[Candidate]:
    # The Cilium docs recommend a CiliumNodeConfig exactly for moving nodes to netkit one by one.
    return [
        per_node_override(
            ctx,
            LIKELY,
            "the Cilium docs migrate nodes between veth and netkit with CiliumNodeConfig "
            "(tuning.rst, per-node configuration)",
        )
    ]


@fact(
    id="device-mode",
    status_line="Device Mode",
    since="1.16",
    reads=("bpf.datapathMode",),
    config_keys=("datapath-mode",),
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
    CONFIG_NETKIT`); 1.16 starts and pods hang. Docs name 6.8 as the support floor. A node
    that differs from the others is most often a CiliumNodeConfig override.

    ## Sources
    cilium-rules.md §5, §1.2, §16.2; cilium/cilium daemon/cmd/daemon_main.go initEnv
    (probes.HaveNetkit) @v1.17-v1.19, PR #35551, issue #33878; Documentation/operations/
    performance/tuning.rst @v1.19.
    """
    declared = s.datapath_mode(ctx)
    conflicts = _device_conflicts(ctx, declared.value)
    if s.minor(ctx) < (1, 16):
        return expect(
            None, declared.origin, conflicts=conflicts, detail="no Device Mode line before 1.16"
        )
    if declared.value not in _valid_modes(ctx) or declared.value == "lb-only":
        return expect(None, declared.origin, conflicts=conflicts, detail="the agent does not start")
    return expect(declared.value, declared.origin, conflicts=conflicts)


def _observe_attach(status: Status) -> str | None:
    return status.attach_mode


def _attach_hook(ctx: NodeContext, expectation: Expectation, observed: str) -> Sequence[Candidate]:
    out: list[Candidate] = []
    if observed == "Legacy TC" and expectation.value == "TCX":
        check = kernel(ctx, "tcx")
        if check.unknown:
            out.append(kernel_candidate(ctx, check, "TCX", weight=LIKELY + 0.1))
        out.append(
            Candidate(
                POSSIBLE,
                cause(
                    CauseKind.CONFLICTING_SETTING,
                    "The running config has enable-tcx: false (for instance bpf.enableTCX: false "
                    "in an older release of the values, or extraConfig).",
                    said("bpf.enableTCX", s.helm(ctx, "bpf.enableTCX")),
                ),
            )
        )
    return out


@fact(
    id="attach-mode",
    status_line="Attach Mode",
    since="1.16",
    reads=("bpf.enableTCX", "bpf.datapathMode"),
    config_keys=("enable-tcx", "datapath-mode"),
    observe=_observe_attach,
    explain=standard("bpf.enableTCX", _attach_hook),
)
def attach_mode(ctx: NodeContext) -> Expectation | None:
    """BPF programs attach with tcx links (TCX) or the legacy tc qdisc (Legacy TC).

    ## Rule
    `TCX` iff enable-tcx (bpf.enableTCX, default true from 1.16; forced on by netkit) and the
    kernel supports tcx links (Linux 6.6+); otherwise `Legacy TC`. No line before 1.16.

    ## Fallbacks
    On a kernel without tcx the agent silently falls back to legacy tc per attachment.

    ## Sources
    cilium-rules.md §6; cilium/cilium pkg/datapath/loader/tc.go attachSKBProgram,
    daemon/cmd/status.go getAttachModeStatus @v1.16-v1.19; Documentation/operations/upgrade.rst
    @v1.16 ("Cilium by default switches to tcx" on 6.6+).
    """
    tcx = s.flag(ctx, "bpf.enableTCX", "enable-tcx")
    mode = s.datapath_mode(ctx)
    if s.minor(ctx) < (1, 16):
        return None
    forced = mode.value in _NETKIT
    source = mode.origin if forced and not tcx.value else tcx.origin
    if not tcx.value and not forced:
        return expect("Legacy TC", tcx.origin)
    check = kernel(ctx, "tcx")
    if check.too_old:
        reason = kernel_candidate(ctx, check, "TCX")
        fallback = conflict(
            "The kernel has no tcx links: the agent falls back to legacy tc.",
            [reason],
            source,
            severity=intent_severity(ctx, "bpf.enableTCX"),
        )
        return expect("Legacy TC", source, reasons=[reason], conflicts=[fallback])
    condition = "TCX needs Linux 6.6 or newer (kernel unknown)" if check.unknown else None
    detail = "netkit forces tcx" if forced else None
    return expect("TCX", source, condition=condition, detail=detail)


FACTS = (device_mode, attach_mode)

__all__ = ["FACTS", "Evidence"]
