"""Hubble: the observer and its metrics server."""

from __future__ import annotations

from ciliumdrift.agent import settings as s
from ciliumdrift.agent.fact import Expectation, NodeContext, fact
from ciliumdrift.agent.facts._common import expect, standard
from ciliumdrift.parse.model import Status

# Warning/Failure mean "on but unhealthy": a health finding, not a config mismatch.
_ON_STATES = ("ok", "warning", "failure")


def _matches_state(expected: str, observed: str) -> bool:
    if expected.casefold() == "ok":
        return observed.casefold() in _ON_STATES
    return expected.casefold() == observed.casefold()


def _observe_hubble(status: Status) -> str | None:
    return status.hubble.state if status.hubble is not None else None


@fact(
    id="hubble",
    status_line="Hubble",
    reads=("hubble.enabled",),
    observe=_observe_hubble,
    explain=standard("hubble.enabled"),
    matches=_matches_state,
)
def hubble(ctx: NodeContext) -> Expectation:
    """Whether the Hubble observer runs in the agent (`Ok …` or `Disabled`).

    ## Rule
    enable-hubble = hubble.enabled (chart default true; 1.14-1.16 write the key only when
    true, and the agent default is false). `Warning`/`Failure` are health, not config.

    ## Fallbacks
    None.

    ## Sources
    cilium/cilium@v1.16.0:daemon/cmd/hubble.go getHubbleStatus (same from v1.14.0),
    cilium/cilium@v1.18.0:pkg/hubble/cell/hubbleintegration.go (same in v1.17.0),
    cilium/cilium@v1.18.0:pkg/client/client.go (the Hubble line).
    """
    enabled = s.flag(ctx, "hubble.enabled", "enable-hubble")
    return expect("Ok" if enabled.value else "Disabled", enabled.origin)


def _observe_metrics(status: Status) -> str | None:
    return status.hubble.metrics_state if status.hubble is not None else None


@fact(
    id="hubble-metrics",
    status_line="Hubble",
    reads=("hubble.enabled", "hubble.metrics.enabled", "hubble.metrics.dynamic.enabled"),
    observe=_observe_metrics,
    explain=standard("hubble.metrics.enabled"),
    matches=_matches_state,
)
def hubble_metrics(ctx: NodeContext) -> Expectation | None:
    """The Hubble metrics server (`Metrics: Ok` or `Metrics: Disabled` on the Hubble line).

    ## Rule
    The chart writes hubble-metrics-server only with Hubble on and a non-empty
    hubble.metrics.enabled list (1.17+: or hubble.metrics.dynamic.enabled). Up to 1.17 the
    metrics cell is printed only with Hubble on; from 1.18 always.

    ## Fallbacks
    None (≤1.17 prints a hard-coded Ok whenever the server address is set).

    ## Sources
    cilium/cilium@v1.18.0:pkg/hubble/metrics/cell/server.go (cilium/cilium PR #39549),
    cilium/cilium@v1.18.0:install/kubernetes/cilium/templates/cilium-configmap.yaml
    (hubble-metrics-server).
    """
    enabled = s.flag(ctx, "hubble.enabled", "enable-hubble")
    metrics = s.helm(ctx, "hubble.metrics.enabled")
    dynamic = (
        s.helm(ctx, "hubble.metrics.dynamic.enabled")
        if s.gate(ctx, "hubble-dynamic-metrics")
        else None
    )
    on = enabled.value and (
        s.truthy(metrics.value) or (dynamic is not None and s.truthy(dynamic.value))
    )
    if not enabled.value and s.gate(ctx, "hubble-metrics-line-needs-hubble"):
        return None
    source = metrics.origin if enabled.value else enabled.origin
    return expect("Ok" if on else "Disabled", source)


FACTS = (hubble, hubble_metrics)
