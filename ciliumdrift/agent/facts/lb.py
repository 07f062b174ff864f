"""The load-balancer details of `cilium status --verbose` that the config decides.

``KubeProxyReplacement Details`` prints, with kube-proxy replacement on: Socket LB, the
NodePort mode (SNAT/DSR/Hybrid), the DSR dispatch mode, the backend selection and the
XDP acceleration. Each is a fact of its own; a brief status prints none of them (the
rows are then not compared).
"""

from __future__ import annotations

from ciliumdrift.agent import settings as s
from ciliumdrift.agent.fact import Expectation, NodeContext, fact
from ciliumdrift.agent.facts._common import expect, standard
from ciliumdrift.model import Layer, Located, Origin
from ciliumdrift.parse.model import Status

_ACCELERATION = {
    "disabled": "Disabled",
    "native": "Native",
    "best-effort": "Best-Effort",
    "testing-only": "Generic",
}
_DISPATCH = {"opt": "IP Option/Extension", "ipip": "IPIP", "geneve": "Geneve"}
_MODES = {"snat": "SNAT", "dsr": "DSR", "hybrid": "Hybrid", "annotation": "SNAT"}


def _details(status: Status) -> object | None:
    details: object | None = status.kpr_details
    return details


def _same_words(expected: str, observed: str) -> bool:
    def norm(text: str) -> str:
        return "".join(ch for ch in text.casefold() if ch.isalnum())

    return norm(expected) == norm(observed)


def _observe_xdp(status: Status) -> str | None:
    details = _details(status)
    return getattr(details, "xdp_acceleration", None) if details is not None else None


def _node_port(ctx: NodeContext) -> bool:
    return s.node_port_enabled(ctx)


def _value(ctx: NodeContext, key: str, config_key: str, default: str) -> Located[str]:
    """The Helm value as the chart writes it; the agent's own default when it writes none."""
    value = s.helm(ctx, key)
    if value.value is None or str(value.value).strip() == "":
        origin = Origin(
            Layer.AGENT_DEFAULT,
            key=config_key,
            version=ctx.cilium_version,
            detail=f"{key} unset: the chart writes no {config_key}; the agent uses {default}",
        )
        return Located(default, origin)
    return Located(str(value.value).strip().lower(), value.origin)


@fact(
    id="xdp-acceleration",
    status_line="XDP Acceleration",
    reads=(
        "loadBalancer.acceleration",
        "kubeProxyReplacement",
        "nodePort.enabled",
        "upgradeCompatibility",
    ),
    observe=_observe_xdp,
    explain=standard("loadBalancer.acceleration"),
    matches=_same_words,
)
def xdp_acceleration(ctx: NodeContext) -> Expectation | None:
    """XDP acceleration of NodePort/LoadBalancer services (verbose: `XDP Acceleration: Native`).

    ## Rule
    bpf-lb-acceleration = loadBalancer.acceleration (chart default `disabled`): `Disabled`,
    `Native`, `Best-Effort` (1.17+), `Generic` (`testing-only`). Printed in the
    KubeProxyReplacement details when BPF NodePort is on.

    ## Fallbacks
    None on the line: a device without native XDP (WireGuard, Talos KubeSpan, VLAN,
    bridge, some virtual NICs) makes the agent exit at start ("Failed to compile XDP
    program"), so the node has no status; the known behaviour
    `xdp-native-on-device-without-native-xdp` names it from the Talos config, `--device`
    or the agent log.

    ## Sources
    cilium/cilium@v1.18.4:install/kubernetes/cilium/templates/cilium-configmap.yaml
    (bpf-lb-acceleration), pkg/client status printer (XDP Acceleration), PR #10910;
    https://docs.cilium.io/en/stable/network/kubernetes/kubeproxy-free/#loadbalancer-nodeport-xdp-acceleration;
    hcloud-talos/terraform-hcloud-talos#119.
    """
    if not _node_port(ctx):
        return None
    value = _value(ctx, "loadBalancer.acceleration", "bpf-lb-acceleration", "disabled")
    return expect(_ACCELERATION.get(value.value, value.value), value.origin)


def _observe_socket_lb(status: Status) -> str | None:
    details = _details(status)
    enabled = getattr(details, "socket_lb", None) if details is not None else None
    if enabled is None:
        return None
    return "Enabled" if enabled else "Disabled"


@fact(
    id="socket-lb",
    status_line="Socket LB",
    reads=("socketLB.enabled", "kubeProxyReplacement", "upgradeCompatibility"),
    observe=_observe_socket_lb,
    explain=standard("socketLB.enabled"),
)
def socket_lb(ctx: NodeContext) -> Expectation | None:
    """Socket-level load balancing (verbose: `Socket LB: Enabled`).

    ## Rule
    Full kube-proxy replacement turns socket LB on whatever bpf-lb-sock says; without it,
    bpf-lb-sock = socketLB.enabled (default false).

    ## Fallbacks
    None: the ConfigMap may say `bpf-lb-sock: "false"` while KPR runs it
    (cilium/cilium#47417), which is why the expectation follows KPR.

    ## Sources
    cilium/cilium@v1.18.4:pkg/kpr/kpr.go (initKubeProxyReplacementOptions), issue #47417,
    #26758; cilium/cilium@v1.18.4:install/kubernetes/cilium/values.yaml `socketLB`;
    https://docs.cilium.io/en/stable/network/kubernetes/kubeproxy-free/#socket-loadbalancer-bypass-in-pod-namespace.
    """
    if s.kpr_enabled(ctx):
        return expect("Enabled", s.kpr_value(ctx).origin)
    value = s.helm(ctx, "socketLB.enabled")
    if not s.truthy(value.value):
        return None  # no details block without KPR unless socket LB is on
    return expect("Enabled" if s.truthy(value.value) else "Disabled", value.origin)


def _observe_mode(status: Status) -> str | None:
    details = _details(status)
    return getattr(details, "mode", None) if details is not None else None


@fact(
    id="lb-mode",
    status_line="Mode",
    reads=("loadBalancer.mode", "kubeProxyReplacement", "nodePort.enabled", "upgradeCompatibility"),
    observe=_observe_mode,
    explain=standard("loadBalancer.mode"),
    matches=_same_words,
)
def lb_mode(ctx: NodeContext) -> Expectation | None:
    """How NodePort traffic reaches remote backends (verbose: `Mode: SNAT|DSR|Hybrid`).

    ## Rule
    bpf-lb-mode = loadBalancer.mode (chart default `snat`); `annotation` prints SNAT (the
    per-service annotation decides). Printed with BPF NodePort on.

    ## Fallbacks
    DSR needs native routing up to 1.14 (Geneve dispatch lifts it): a refusal at start.

    ## Sources
    cilium/cilium@v1.18.4:install/kubernetes/cilium/templates/cilium-configmap.yaml (bpf-lb-mode);
    https://docs.cilium.io/en/stable/network/kubernetes/kubeproxy-free/#direct-server-return-dsr.
    """
    if not _node_port(ctx):
        return None
    value = _value(ctx, "loadBalancer.mode", "bpf-lb-mode", "snat")
    return expect(_MODES.get(value.value, value.value), value.origin)


def _observe_dispatch(status: Status) -> str | None:
    details = _details(status)
    return getattr(details, "dsr_dispatch_mode", None) if details is not None else None


@fact(
    id="dsr-dispatch",
    status_line="DSR Dispatch Mode",
    reads=(
        "loadBalancer.dsrDispatch",
        "loadBalancer.mode",
        "kubeProxyReplacement",
        "nodePort.enabled",
        "upgradeCompatibility",
    ),
    observe=_observe_dispatch,
    explain=standard("loadBalancer.dsrDispatch"),
    matches=_same_words,
)
def dsr_dispatch(ctx: NodeContext) -> Expectation | None:
    """How DSR carries the service address to the backend (`IP Option/Extension|IPIP|Geneve`).

    ## Rule
    bpf-lb-dsr-dispatch = loadBalancer.dsrDispatch (chart default `opt`), printed when the
    mode is DSR or Hybrid.

    ## Fallbacks
    None on the line; Geneve dispatch creates a Geneve tunnel device, where BIG TCP fails
    (known behaviour `big-tcp-tunnel-from-dsr-geneve`, cilium/cilium#43938).

    ## Sources
    cilium/cilium@v1.18.4:install/kubernetes/cilium/templates/cilium-configmap.yaml
    (bpf-lb-dsr-dispatch); issue #43938;
    https://docs.cilium.io/en/stable/network/kubernetes/kubeproxy-free/#direct-server-return-dsr.
    """
    if not _node_port(ctx):
        return None
    mode = str(s.helm(ctx, "loadBalancer.mode").value or "snat").strip().lower()
    if mode not in ("dsr", "hybrid"):
        return None
    value = _value(ctx, "loadBalancer.dsrDispatch", "bpf-lb-dsr-dispatch", "opt")
    return expect(_DISPATCH.get(value.value, value.value), value.origin)


def _observe_backend(status: Status) -> str | None:
    details = _details(status)
    return getattr(details, "backend_selection", None) if details is not None else None


@fact(
    id="backend-selection",
    status_line="Backend Selection",
    reads=(
        "loadBalancer.algorithm",
        "kubeProxyReplacement",
        "nodePort.enabled",
        "upgradeCompatibility",
    ),
    observe=_observe_backend,
    explain=standard("loadBalancer.algorithm"),
    matches=_same_words,
)
def backend_selection(ctx: NodeContext) -> Expectation | None:
    """How a service backend is picked (verbose: `Backend Selection: Random|Maglev`).

    ## Rule
    bpf-lb-algorithm = loadBalancer.algorithm (chart default `random`); printed with BPF
    NodePort on. The Maglev table size is not compared.

    ## Fallbacks
    None.

    ## Sources
    cilium/cilium@v1.18.4:install/kubernetes/cilium/templates/cilium-configmap.yaml
    (bpf-lb-algorithm);
    https://docs.cilium.io/en/stable/network/kubernetes/kubeproxy-free/#maglev-consistent-hashing.
    """
    if not _node_port(ctx):
        return None
    value = _value(ctx, "loadBalancer.algorithm", "bpf-lb-algorithm", "random")
    return expect(value.value.capitalize(), value.origin)


FACTS = (socket_lb, lb_mode, dsr_dispatch, backend_selection, xdp_acceleration)
VERBOSE_ONLY = frozenset(f.id for f in FACTS)
