"""The L7 proxy (Proxy Status) and where Envoy runs (embedded or its own DaemonSet)."""

from __future__ import annotations

from collections.abc import Sequence

from ciliumdrift.agent import settings as s
from ciliumdrift.agent.decide import conflict
from ciliumdrift.agent.explain import STRONG, Candidate, cause, said, values_fix, version_default
from ciliumdrift.agent.fact import Expectation, NodeContext, fact
from ciliumdrift.agent.facts._common import expect, standard
from ciliumdrift.agent.gates import gate
from ciliumdrift.model import CauseKind, Layer, Located, Origin
from ciliumdrift.parse.model import Status

_OFF = "No managed proxy redirect"


def _observe(status: Status) -> str | None:
    proxy = status.proxy
    if proxy is None:
        return None
    if not proxy.enabled:
        return _OFF
    return f"OK, Envoy: {proxy.envoy}" if proxy.envoy else "OK"


def _matches(expected: str, observed: str) -> bool:
    if observed == "OK":
        return expected.startswith("OK")
    return " ".join(expected.split()).casefold() == " ".join(observed.split()).casefold()


def envoy_external(ctx: NodeContext) -> Located[bool]:
    """``external-envoy-proxy`` as the chart's envoyDaemonSetEnabled helper decides it."""
    envoy = s.helm(ctx, "envoy.enabled")
    if envoy.value is not None:
        return Located(s.truthy(envoy.value), envoy.origin)
    compat = s.helm(ctx, "upgradeCompatibility")
    if compat.value not in (None, "") and not gate("envoy-daemonset-default", str(compat.value)):
        return Located(False, compat.origin)
    external = gate("envoy-daemonset-default", s.chart_version(ctx))
    return Located(
        external,
        Origin(
            Layer.CHART_DEFAULT,
            key="envoy.enabled",
            version=s.chart_version(ctx),
            detail="chart 1.16+ runs Envoy as a DaemonSet for new installs",
        ),
    )


def _hook(ctx: NodeContext, expectation: Expectation, observed: str) -> Sequence[Candidate]:
    if (
        "Envoy" in observed
        and "Envoy" in (expectation.value or "")
        and not s.is_set(ctx, "envoy.enabled")
    ):
        weighted = version_default(ctx, "envoy.enabled", envoy_external(ctx))
        return [Candidate(STRONG - 0.05, weighted.cause, weighted.fix)]
    return []


@fact(
    id="l7-proxy",
    status_line="Proxy Status",
    reads=("l7Proxy", "envoy.enabled", "upgradeCompatibility", "installIptablesRules"),
    observe=_observe,
    explain=standard("l7Proxy", _hook),
    matches=_matches,
)
def l7_proxy(ctx: NodeContext) -> Expectation:
    """The L7 proxy: `OK, ..., Envoy: embedded|external` or `No managed proxy redirect`.

    ## Rule
    enable-l7-proxy = l7Proxy (default true). Off: `No managed proxy redirect`. On: `OK, ip …,
    Envoy: external` when external-envoy-proxy (chart: false without l7Proxy; envoy.enabled when
    set; else true for chart 1.16+ unless upgradeCompatibility <= 1.15; false for 1.14/1.15).
    Before 1.14 the line has no Envoy word: `OK, ip …, N redirects active on ports …`.

    ## Fallbacks
    None; L7 proxy with installIptablesRules false is fatal. The Envoy word reflects the flag,
    not the cilium-envoy DaemonSet's health.

    ## Sources
    cilium/cilium@v1.18.0:pkg/proxy/proxy.go GetStatusModel,
    cilium/cilium@v1.18.0:pkg/client/client.go (`No managed proxy redirect`),
    cilium/cilium@v1.16.0:install/kubernetes/cilium/templates/_helpers.tpl
    (envoyDaemonSetEnabled).
    """
    enabled = s.l7_proxy(ctx)
    if not enabled.value:
        return expect(_OFF, enabled.origin)
    conflicts = []
    rules = s.helm(ctx, "installIptablesRules")
    if rules.value is not None and not s.truthy(rules.value):
        conflicts.append(
            conflict(
                "l7-proxy-without-iptables-rules",
                'L7 proxy requires iptables rules (--install-iptables-rules="true"): the agent '
                "exits at start.",
                [
                    Candidate(
                        STRONG,
                        cause(
                            CauseKind.CONFLICTING_SETTING,
                            "installIptablesRules is false while l7Proxy is on.",
                            said("installIptablesRules", rules),
                        ),
                        values_fix("Turn the L7 proxy off", [("l7Proxy", False)]),
                    )
                ],
                rules.origin,
                fatal=True,
            )
        )
    if not s.gate(ctx, "proxy-status-envoy"):
        return expect("OK", enabled.origin, conflicts=conflicts)
    external = envoy_external(ctx)
    where = "external" if external.value else "embedded"
    source = external.origin if s.is_set(ctx, "envoy.enabled") else enabled.origin
    return expect(f"OK, Envoy: {where}", source, conflicts=conflicts)


FACTS = (l7_proxy,)
