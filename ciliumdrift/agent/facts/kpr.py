"""KubeProxyReplacement: the mode line and the devices it lists."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ciliumdrift.agent import settings as s
from ciliumdrift.agent.decide import conflict
from ciliumdrift.agent.explain import (
    STRONG,
    Candidate,
    cause,
    said,
    talos_fix,
    values_fix,
)
from ciliumdrift.agent.fact import Conflict, Expectation, NodeContext, fact
from ciliumdrift.agent.facts._common import expect, standard
from ciliumdrift.model import CauseKind, Evidence, Severity
from ciliumdrift.parse.model import Status

_LEGACY_MODES = {"strict": "Strict", "partial": "Partial", "disabled": "Disabled"}


def _observe_mode(status: Status) -> str | None:
    kpr = status.kube_proxy_replacement
    return kpr.mode if kpr is not None else None


def _deprecated_hook(
    ctx: NodeContext, expectation: Expectation, observed: str
) -> Sequence[Candidate]:
    value = s.kpr_value(ctx)
    if value.value.lower() in _LEGACY_MODES and not s.gate(ctx, "kpr-legacy-modes"):
        return [
            Candidate(
                STRONG,
                cause(
                    CauseKind.DEPRECATED_VALUE,
                    f"kubeProxyReplacement {value.value!r} was removed in Cilium 1.16: the chart "
                    "refuses to render, so the cluster still runs the previous release.",
                    said("kubeProxyReplacement", value),
                ),
                values_fix("Use true or false", [("kubeProxyReplacement", True)]),
            )
        ]
    return []


def _talos_conflicts(ctx: NodeContext, enabled: bool) -> list[Conflict]:
    talos = ctx.talos
    if talos is None or talos.kube_proxy_disabled is None:
        return []
    disabled = talos.kube_proxy_disabled
    kpr = s.kpr_value(ctx)
    if enabled and not disabled.value:
        return [
            conflict(
                "kube-proxy-still-running",
                "kubeProxyReplacement is true but Talos still deploys kube-proxy: both program "
                "the services.",
                [
                    Candidate(
                        STRONG,
                        cause(
                            CauseKind.TALOS_CONFLICT,
                            "Talos deploys kube-proxy (cluster.proxy.disabled is false) while "
                            "Cilium replaces it.",
                            said("cluster.proxy.disabled", disabled),
                            said("kubeProxyReplacement", kpr),
                        ),
                        talos_fix(
                            "Stop Talos from deploying kube-proxy", "cluster.proxy.disabled", True
                        ),
                    )
                ],
                kpr.origin,
                severity=Severity.WARNING,
            )
        ]
    if not enabled and disabled.value:
        return [
            conflict(
                "no-service-implementation",
                "Talos does not deploy kube-proxy and Cilium does not replace it: no component "
                "implements Services.",
                [
                    Candidate(
                        STRONG,
                        cause(
                            CauseKind.TALOS_CONFLICT,
                            "cluster.proxy.disabled is true in Talos but kubeProxyReplacement is "
                            f"{kpr.value!r}.",
                            said("cluster.proxy.disabled", disabled),
                            said("kubeProxyReplacement", kpr),
                        ),
                        values_fix(
                            "Let Cilium replace kube-proxy", [("kubeProxyReplacement", True)]
                        ),
                    )
                ],
                kpr.origin,
            )
        ]
    return []


@fact(
    id="kube-proxy-replacement",
    status_line="KubeProxyReplacement",
    reads=("kubeProxyReplacement", "upgradeCompatibility"),
    observe=_observe_mode,
    explain=standard("kubeProxyReplacement", _deprecated_hook),
)
def kube_proxy_replacement(ctx: NodeContext) -> Expectation:
    """Whether Cilium replaces kube-proxy (True/False; Strict/Partial/Disabled up to 1.15).

    ## Rule
    The status prints the configured kube-proxy-replacement string: `True`/`False` (1.16+),
    and on 1.14/1.15 also `Strict`, `Partial`, `Disabled`. The chart writes
    `coalesce(kubeProxyReplacement, "false")` (`disabled` with upgradeCompatibility 1.12/1.13).
    Talos: `cluster.proxy.disabled` must pair with kubeProxyReplacement true.

    ## Fallbacks
    None on the line itself (a NodePort fallback shows only in the verbose details).
    Chart >= 1.16 refuses any value but true/false (kubernetes-sigs/kubespray#12887 on 1.18.4);
    1.14/1.15 agents warn on the deprecated values; `probe` is fatal. An old
    upgradeCompatibility without kubeProxyReplacement makes the chart default to `probe`
    (< 1.12) or `disabled` (1.12/1.13), which chart >= 1.16 refuses (cilium/cilium#27344): the
    finding points at upgradeCompatibility.

    ## Sources
    cilium/cilium@v1.17.0:daemon/cmd/kube_proxy_replacement.go (same from v1.14.0),
    cilium/cilium@v1.18.0:pkg/kpr/kpr.go, cilium/cilium@v1.19.0:pkg/kpr/kpr.go,
    cilium/cilium@v1.18.0:install/kubernetes/cilium/templates/cilium-configmap.yaml;
    cilium/cilium PR #31286 (commit 6a83269bee);
    https://docs.siderolabs.com/kubernetes-guides/cni/deploying-cilium (proxy.disabled).
    """
    value = s.kpr_value(ctx)
    lowered = value.value.lower()
    conflicts = _talos_conflicts(ctx, s.kpr_enabled(ctx))
    if lowered in ("true", "false"):
        return expect(lowered.capitalize(), value.origin, conflicts=conflicts)
    if lowered in _LEGACY_MODES and s.gate(ctx, "kpr-legacy-modes"):
        return expect(_LEGACY_MODES[lowered], value.origin, conflicts=conflicts)
    removed = lowered in _LEGACY_MODES
    via_compat = not s.is_set(ctx, "kubeProxyReplacement")
    message = (
        f"upgradeCompatibility {s.helm(ctx, 'upgradeCompatibility').value} makes the chart "
        f"default kubeProxyReplacement to {value.value!r}, which chart "
        f'{s.chart_version(ctx)} refuses ("kubeProxyReplacement must be explicitly set to a '
        'valid value (true or false)"): set kubeProxyReplacement explicitly.'
        if via_compat and not s.gate(ctx, "kpr-legacy-modes")
        else None
    ) or (
        f"kubeProxyReplacement {value.value!r} was removed in Cilium 1.16: the chart refuses "
        'to render ("kubeProxyReplacement must be explicitly set to a valid value (true or '
        'false)").'
        if removed
        else f"kubeProxyReplacement {value.value!r} is not a valid value: the chart (or the "
        "agent) refuses to start with it."
    )
    conflicts.append(
        conflict(
            "removed-value" if removed else "invalid-value",
            message,
            [
                Candidate(
                    STRONG,
                    cause(
                        CauseKind.DEPRECATED_VALUE
                        if removed or lowered == "probe"
                        else CauseKind.CONFLICTING_SETTING,
                        message,
                        said("kubeProxyReplacement", value),
                        Evidence("removed by cilium/cilium PR #31286 in Cilium 1.16"),
                    ),
                    values_fix(
                        "Use true (strict) or false (disabled/partial)",
                        [("kubeProxyReplacement", lowered == "strict")],
                    ),
                )
            ],
            value.origin,
            fatal=True,
        )
    )
    return expect(None, value.origin, conflicts=conflicts, detail="the chart does not render")


def _device_patterns(raw: object) -> tuple[str, ...]:
    if isinstance(raw, (list, tuple)):
        items = [str(x) for x in raw]
    else:
        items = re.split(r"[\s,]+", str(raw or ""))
    return tuple(item for item in (i.strip() for i in items) if item)


def _matches_devices(expected: str, observed: str) -> bool:
    patterns = _device_patterns(expected)
    names = _device_patterns(observed)
    if not names:
        return False

    def fits(name: str) -> bool:
        return any(name.startswith(p[:-1]) if p.endswith("+") else name == p for p in patterns)

    return all(fits(name) for name in names)


def _observe_devices(status: Status) -> str | None:
    kpr = status.kube_proxy_replacement
    if kpr is None or not kpr.devices:
        return None
    return " ".join(device.name for device in kpr.devices)


@fact(
    id="kpr-devices",
    status_line="KubeProxyReplacement",
    reads=("devices", "kubeProxyReplacement", "upgradeCompatibility"),
    observe=_observe_devices,
    explain=standard("devices"),
    matches=_matches_devices,
)
def kpr_devices(ctx: NodeContext) -> Expectation | None:
    """The native devices the agent attaches to, when the values name them.

    ## Rule
    With `devices` set (a list, or a space-separated string; `eth+` is a prefix wildcard),
    every device in the KubeProxyReplacement bracket must match one of the patterns.
    Without `devices` the agent auto-detects, and the config decides nothing.
    1.16+ prints no device list when kube-proxy-replacement is false.

    ## Fallbacks
    Which devices exist is a node fact: the expectation carries that condition.

    ## Sources
    cilium/cilium@v1.18.0:install/kubernetes/cilium/values.yaml (`devices`),
    cilium/cilium@v1.18.0:pkg/datapath/linux/devices.go (device detection).
    """
    devices = ctx.values.get("devices")
    if devices is None or not _device_patterns(devices.value):
        return None
    if s.gate(ctx, "kpr-devices-need-kpr") and not s.kpr_enabled(ctx):
        return None
    return expect(
        " ".join(_device_patterns(devices.value)),
        devices.origin,
        condition="the node must have network devices matching these names",
    )


FACTS = (kube_proxy_replacement, kpr_devices)
