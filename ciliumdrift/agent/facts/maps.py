"""The BPF map sizing of `cilium status --verbose` (`BPF Maps: dynamic sizing: on (ratio: …)`)."""

from __future__ import annotations

from ciliumdrift.agent import settings as s
from ciliumdrift.agent.fact import Expectation, NodeContext, fact
from ciliumdrift.agent.facts._common import expect, standard
from ciliumdrift.agent.gates import gate
from ciliumdrift.model import Layer, Located, Origin
from ciliumdrift.parse.model import Status

# The chart's default ratio when upgradeCompatibility is 1.8 or newer (or unset).
_CHART_RATIO = 0.0025


def _spelled(ratio: float) -> str:
    if 0 < ratio <= 1:
        return f"on (ratio: {ratio:f})"
    return "off"


def _observe(status: Status) -> str | None:
    sizing = status.bpf_map_sizing
    if sizing is None:
        return None
    if not sizing.dynamic:
        return "off"
    return f"on (ratio: {sizing.ratio:f})" if sizing.ratio is not None else "on"


def _matches(expected: str, observed: str) -> bool:
    if expected == observed:
        return True
    return expected.startswith("on") and observed == "on"  # a ratio the output did not print


def _ratio(ctx: NodeContext) -> Located[float]:
    value = s.helm(ctx, "bpf.mapDynamicSizeRatio")
    if value.value not in (None, ""):
        try:
            return Located(float(value.value), value.origin)
        except (TypeError, ValueError):
            return Located(0.0, value.origin)
    compat = s.helm(ctx, "upgradeCompatibility")
    if compat.value not in (None, "") and not gate("dynamic-map-sizing-default", str(compat.value)):
        return Located(0.0, compat.origin)
    return Located(
        _CHART_RATIO,
        Origin(
            Layer.CHART_DEFAULT,
            key="bpf.mapDynamicSizeRatio",
            version=s.chart_version(ctx),
            detail="the chart writes bpf-map-dynamic-size-ratio: 0.0025 when the value is unset",
        ),
    )


@fact(
    id="bpf-map-sizing",
    status_line="BPF Maps",
    reads=("bpf.mapDynamicSizeRatio", "upgradeCompatibility"),
    observe=_observe,
    explain=standard("bpf.mapDynamicSizeRatio"),
    matches=_matches,
)
def bpf_map_sizing(ctx: NodeContext) -> Expectation:
    """Dynamic BPF map sizing from the node's memory (verbose: `BPF Maps: dynamic sizing: on`).

    ## Rule
    bpf-map-dynamic-size-ratio = bpf.mapDynamicSizeRatio, else the chart's 0.0025 (0.0 with
    upgradeCompatibility below 1.8). The status prints `dynamic sizing: on (ratio: %f)` for a
    ratio in (0, 1], else `dynamic sizing: off`; the sizes below it are the node's memory times
    the ratio, bounded by the per-map limits, and are not compared.

    ## Fallbacks
    None: a ratio outside (0, 1] turns dynamic sizing off.

    ## Sources
    cilium/cilium@v1.18.4:install/kubernetes/cilium/templates/cilium-configmap.yaml
    ($defaultBpfMapDynamicSizeRatio), cilium/cilium@v1.18.4:pkg/client/client.go (BPF Maps);
    https://docs.cilium.io/en/stable/network/ebpf/maps/.
    """
    ratio = _ratio(ctx)
    return expect(_spelled(ratio.value), ratio.origin)


FACTS = (bpf_map_sizing,)
VERBOSE_ONLY = frozenset(f.id for f in FACTS)
