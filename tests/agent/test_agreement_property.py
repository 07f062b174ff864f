"""lint and check agree on values files unlike the corpus: generated from the keys the model
reads, written in the ways people write them (quoted booleans, YAML 1.1 words, numbers as
strings, nulls, wrong types, flow maps, anchors and merge keys, a duplicate key, CRLF and a
byte-order mark; plain, under an umbrella chart, in a Flux HelmRelease or an Argo CD
Application pinned to a version, a range or a version without chart data; one to three
``-f`` layers that override each other), with or without a Talos machine config, talhelper
config or patch, at a Cilium version or none.

The comparison is the one of :mod:`tests.agent.test_agreement`: the status-free conflicts of
``check`` and the agent-behaviour violations of ``lint``, as sets of (file, line, cause kind).
"""

from __future__ import annotations

import itertools
import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

from tests.agent.test_agreement import Run, _check_marks, _lint_marks, assert_agreement

# -- the values --------------------------------------------------------------------------------

BOOL = "bool"
#: Helm keys the facts and conflicts read (agent/facts ``reads``, settings, known behaviours),
#: a few misspelled or removed keys the model reports, and values each may take (BOOL: any
#: spelling of a boolean).
KEYS: dict[str, tuple[Any, ...] | str] = {
    "routingMode": ("native", "tunnel", "", "Native", "direct"),
    "tunnelProtocol": ("vxlan", "geneve", "", "gre"),
    "tunnel": ("vxlan", "disabled", "geneve"),
    "ipv4NativeRoutingCIDR": ("10.0.0.0/8", "10.244.0.0/16", ""),
    "ipv6NativeRoutingCIDR": ("fd00::/100",),
    "nativeRoutingCIDR": ("10.0.0.0/8",),
    "autoDirectNodeRoutes": BOOL,
    "kubeProxyReplacement": (
        True,
        False,
        "true",
        "false",
        "strict",
        "partial",
        "disabled",
        "probe",
    ),
    "kubeProxyReplacementHealthzBindAddr": ("0.0.0.0:10256", ""),
    "k8sServiceHost": ("localhost", "10.0.0.1", "api.example.com", "", "127.0.0.1"),
    "k8sServicePort": (7445, 6443, "6443", "7445", ""),
    "bpf.masquerade": BOOL,
    "bpf.hostLegacyRouting": BOOL,
    "bpf.datapathMode": ("netkit", "veth", "netkit-l2", "netkit-l3"),
    "bpf.enableTCX": BOOL,
    "bpf.mapDynamicSizeRatio": (0.0025, "0.005"),
    "bpf.masqurade": BOOL,
    "bpfClockProbe": BOOL,
    "enableIPv4Masquerade": BOOL,
    "enableIPv6Masquerade": BOOL,
    "ipv4.enabled": BOOL,
    "ipv6.enabled": BOOL,
    "ipMasqAgent.enabled": BOOL,
    "bandwidthManager.enabled": BOOL,
    "bandwidthManager.bbr": BOOL,
    "bandwidthManager.bbrHostNamespaceOnly": BOOL,
    "encryption.enabled": BOOL,
    "encryption.type": ("wireguard", "ipsec", "ztunnel", "WireGuard"),
    "encryption.nodeEncryption": BOOL,
    "hubble.enabled": BOOL,
    "hubble.metrics.enabled": (("dns", "drop", "tcp"), ()),
    "hubble.metrics.dynamic.enabled": BOOL,
    "hostFirewall.enabled": BOOL,
    "ipam.mode": ("kubernetes", "cluster-pool", "multi-pool", "eni", "crd", "azure"),
    "ipam.operator.clusterPoolIPv4PodCIDRList": (("10.42.0.0/16",), "10.0.0.0/8"),
    "ipam.operator.clusterPoolIPv4MaskSize": (24, "26"),
    "l7Proxy": BOOL,
    "installIptablesRules": BOOL,
    "envoy.enabled": BOOL,
    "ingressController.enabled": BOOL,
    "gatewayAPI.enabled": BOOL,
    "loadBalancer.mode": ("snat", "dsr", "hybrid", "DSR"),
    "loadBalancer.acceleration": ("disabled", "native", "best-effort"),
    "loadBalancer.dsrDispatch": ("opt", "ipip", "geneve"),
    "loadBalancer.algorithm": ("random", "maglev"),
    "nodePort.enabled": BOOL,
    "socketLB.enabled": BOOL,
    "enableIPv4BIGTCP": BOOL,
    "enableIPv6BIGTCP": BOOL,
    "cluster.id": (0, 1, "3", 255, 300),
    "cluster.name": ("default", "mesh-1"),
    "clustermesh.useAPIServer": BOOL,
    "clustermesh.config.enabled": BOOL,
    "clustermesh.maxConnectedClusters": (255, 511),
    "egressGateway.enabled": BOOL,
    "cni.chainingMode": ("none", "aws-cni", "generic-veth"),
    "eni.enabled": BOOL,
    "endpointRoutes.enabled": BOOL,
    "devices": ("eth0", ("eth0", "eth1"), "bond0+"),
    "upgradeCompatibility": ("1.14",),
    "extraConfig": ({"enable-bpf-masquerade": "true"}, {"enable-l7-proxy": "false"}),
}
NAMES = tuple(KEYS)

#: How a person writes true and false in a values file (Helm reads YAML 1.1 words as booleans,
#: a quoted word is a string the chart's templates test as a non-empty string).
_TRUE = ("true", "True", "TRUE", "yes", "on", '"true"', "'true'")
_FALSE = ("false", "False", "FALSE", "no", "off", '"false"', "'false'")


@st.composite
def _scalar_text(draw: st.DrawFn, value: Any, key: str) -> str:
    """``value`` as YAML text, in one of the ways a human writes it."""
    if KEYS.get(key) == BOOL:
        return draw(st.sampled_from(_TRUE if value else _FALSE))
    if isinstance(value, bool):
        return draw(st.sampled_from(("true", '"true"') if value else ("false", '"false"')))
    if isinstance(value, (int, float)):
        return draw(st.sampled_from((str(value), f'"{value}"')))
    if value == "":
        return draw(st.sampled_from(('""', "''")))
    return draw(st.sampled_from((str(value), f'"{value}"', f"'{value}'")))


def _values_of(key: str) -> st.SearchStrategy[Any]:
    pool = KEYS[key]
    return st.booleans() if pool == BOOL else st.sampled_from(pool)


Flat = dict[str, Any]  # dotted key -> value (one values layer)

_layer: st.SearchStrategy[Flat] = st.lists(st.sampled_from(NAMES), max_size=9, unique=True).flatmap(
    lambda keys: st.fixed_dictionaries({k: _values_of(k) for k in keys})
)


def _nest(flat: Flat) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for key, value in flat.items():
        *parents, last = key.split(".")
        node = tree
        for parent in parents:
            child = node.setdefault(parent, {})
            if not isinstance(child, dict):  # `tunnel: x` and `tunnel.y`: keep the first
                break
            node = child
        else:
            node[last] = value
    return tree


_NULLS = ("null", "~", "")


def _rarely(draw: st.DrawFn, one_in: int) -> bool:
    """True once in ``one_in`` draws (st.integers favours its bounds, sampled_from does not)."""
    return bool(draw(st.sampled_from(range(one_in))) == one_in - 1)


@st.composite
def _scalar(draw: st.DrawFn, value: Any, key: str, anchors: dict[str, str]) -> str:
    """A scalar as a person may write it: now and then null (deleting the chart default), a
    map or a list where the chart expects a scalar, or an alias of an equal value above."""
    odd = draw(st.sampled_from(range(30)))  # uniform (st.integers favours its bounds)
    if odd == 28:
        return draw(st.sampled_from(_NULLS))
    if odd == 29:
        return draw(st.sampled_from(("{enabled: true}", "[x]", "{}")))
    text = draw(_scalar_text(value, key))
    if text in anchors and draw(st.booleans()):
        return f"*{anchors[text]}"
    if text not in anchors and _rarely(draw, 4):
        anchors[text] = f"a{len(anchors)}"
        return f"&{anchors[text]} {text}"
    return text


@st.composite
def _render(
    draw: st.DrawFn,
    tree: dict[str, Any],
    indent: int,
    path: tuple[str, ...],
    anchors: dict[str, str] | None = None,
) -> str:
    """A nested map as block YAML: some maps in flow style or through a merge key, some lists
    inline, a comment here and there, and rarely a key written twice."""
    anchors = {} if anchors is None else anchors
    pad = " " * indent
    lines: list[str] = []
    for name, value in tree.items():
        key = ".".join((*path, name))
        if isinstance(value, dict):
            style = draw(st.sampled_from(range(8)))
            if value and style == 6 and all(not isinstance(v, dict) for v in value.values()):
                inner = ", ".join(f"{k}: {json.dumps(v)}" for k, v in value.items())
                lines.append(f"{pad}{name}: {{{inner}}}")
            elif value and style == 7 and all(not isinstance(v, dict) for v in value.values()):
                # a YAML merge key (<<) with the values in an inline map
                inner = ", ".join(f"{k}: {json.dumps(v)}" for k, v in value.items())
                lines.append(f"{pad}{name}:")
                lines.append(f"{pad}  <<: {{{inner}}}")
            elif not value:
                lines.append(f"{pad}{name}: {{}}")
            else:
                lines.append(f"{pad}{name}:")
                lines.append(draw(_render(value, indent + 2, (*path, name), anchors)))
        elif isinstance(value, tuple):
            if not value:
                lines.append(f"{pad}{name}: []")
            elif draw(st.booleans()):
                lines.append(f"{pad}{name}: [{', '.join(value)}]")
            else:
                lines.append(f"{pad}{name}:")
                lines.extend(f"{pad}- {item}" for item in value)
        else:
            text = draw(_scalar(value, key, anchors))
            comment = draw(st.sampled_from(("", "", "  # set by hand")))
            lines.append(f"{pad}{name}: {text}{comment}".rstrip())
            if _rarely(draw, 150):
                again = draw(_scalar_text(draw(_values_of(key)) if key in KEYS else value, key))
                lines.append(f"{pad}{name}: {again}")  # a duplicate key: check refuses it
    return "\n".join(lines)


def _argo_parameters(flat: Flat) -> tuple[Flat, list[str]]:
    """Scalars moved from the values into Argo CD ``helm.parameters`` (``--set``)."""
    kept: Flat = {}
    lines: list[str] = []
    for key, value in flat.items():
        if isinstance(value, (dict, tuple)) or len(lines) >= 2:
            kept[key] = value
            continue
        text = str(value).lower() if isinstance(value, bool) else str(value)
        lines += [f"        - name: {key}", f"          value: {json.dumps(text)}"]
    return kept, lines


@st.composite
def _values_text(draw: st.DrawFn, flat: Flat) -> tuple[str, str | None]:
    """One values layer as a file: plain, under an umbrella chart's ``cilium:``, or wrapped
    in a Flux HelmRelease or an Argo CD Application (values string, valuesObject, parameters).
    Returns the text and the chart version the wrapper pins (None: no pin)."""
    text, pin = draw(_values_shape(flat))
    ending = draw(st.sampled_from(range(10)))
    if ending == 8:
        text = text.replace("\n", "\r\n")  # written on Windows
    elif ending == 9:
        text = "\ufeff" + text  # a byte-order mark
    return text, pin


#: The chart versions wrappers pin: exact, a range inside one minor, a range across minors
#: (no version), newer and older than the bundled chart data.
_PINS = (
    "1.16.19",
    "1.18.4",
    "1.20.0",
    "v1.19.6",
    "1.16.x",
    "~1.18.0",
    ">=1.17.0 <1.18.0",
    "*",
    "^1.16",
    "1.21.0",
    "1.9.5",
)


@st.composite
def _values_shape(draw: st.DrawFn, flat: Flat) -> tuple[str, str | None]:
    shape = draw(
        st.sampled_from(("plain", "plain", "umbrella", "flux", "argo", "argo-object", "argo-set"))
    )
    parameters: list[str] = []
    if shape == "argo-set":
        flat, parameters = _argo_parameters(flat)
    tree = _nest(flat)
    header = draw(st.sampled_from(("", "---\n", "# Cilium values\n")))
    if shape == "plain":
        return header + draw(_render(tree, 0, ())) + "\n", None
    if shape == "umbrella":
        return header + "cilium:\n" + draw(_render(tree, 2, ())) + "\n", None
    pin = draw(st.sampled_from(_PINS))
    if shape == "flux":
        body = draw(_render(tree, 4, ())) if tree else "    {}"
        return (
            "apiVersion: helm.toolkit.fluxcd.io/v2\n"
            "kind: HelmRelease\n"
            "metadata:\n  name: cilium\n  namespace: kube-system\n"
            "spec:\n  interval: 30m\n"
            "  chart:\n    spec:\n      chart: cilium\n"
            f"      version: {json.dumps(pin)}\n"
            "      sourceRef: {kind: HelmRepository, name: cilium}\n"
            "  values:\n" + body + "\n",
            pin,
        )
    head = (
        "apiVersion: argoproj.io/v1alpha1\n"
        "kind: Application\n"
        "metadata: {name: cilium, namespace: argocd}\n"
        "spec:\n  source:\n    repoURL: https://helm.cilium.io\n    chart: cilium\n"
        f"    targetRevision: {json.dumps(pin)}\n    helm:\n"
    )
    body = draw(_render(tree, 8, ())) if tree else "        {}"
    if shape == "argo-object":
        return head + "      valuesObject:\n" + body + "\n", pin
    text = head + "      values: |\n" + body + "\n"
    if parameters:
        text += "      parameters:\n" + "\n".join(parameters) + "\n"
    return text, pin


# -- the Talos machine config -------------------------------------------------------------------

_talos_fields = st.fixed_dictionaries(
    {},
    optional={
        "release": st.sampled_from(("1.6.7", "1.8.3", "1.10.5", "1.11.2")),
        "cni": st.sampled_from(("none", "flannel", "custom")),
        "proxy_disabled": st.booleans(),
        "pod_subnets": st.sampled_from((("10.244.0.0/16",), ("10.42.0.0/16", "fd00:10::/56"))),
        "kubeprism": st.sampled_from(((True, 7445), (False, 7445), (True, 7446))),
        "host_dns": st.sampled_from(((True, True), (True, False), (False, False))),
        "kubespan": st.booleans(),
        "interfaces": st.sampled_from((("eth0",), ("bond0", "eth1"), ("enp1s0.70",))),
        "factory": st.booleans(),  # an Image Factory installer instead of ghcr.io's
        "talhelper": st.booleans(),  # a talhelper talconfig.yaml instead of a machine config
    },
)


def _talhelper_text(fields: dict[str, Any]) -> str:
    """The same facts as a talhelper talconfig.yaml (its own field names)."""
    lines = ["clusterName: lab", "endpoint: https://10.0.0.10:6443"]
    if "release" in fields:
        lines.append(f"talosVersion: v{fields['release']}")
    if "pod_subnets" in fields:
        lines += ["clusterPodNets:", *(f'  - "{s}"' for s in fields["pod_subnets"])]
    if "cni" in fields:
        lines += ["cniConfig:", f"  name: {fields['cni']}"]
    lines += ["nodes:", "  - hostname: cp-1", "    ipAddress: 10.0.0.11", "    controlPlane: true"]
    if "interfaces" in fields:
        lines.append("    networkInterfaces:")
        lines += [f"      - interface: {name}\n        dhcp: true" for name in fields["interfaces"]]
    patch: list[str] = []
    if "proxy_disabled" in fields:
        patch += [
            "      cluster:",
            f"        proxy: {{disabled: {str(fields['proxy_disabled']).lower()}}}",
        ]
    if "kubeprism" in fields:
        enabled, port = fields["kubeprism"]
        patch += [
            "      machine:",
            f"        features: {{kubePrism: {{enabled: {str(enabled).lower()}, port: {port}}}}}",
        ]
    if patch:
        lines += ["patches:", "  - |-", *patch]
    return "\n".join(lines) + "\n"


def _talos_text(fields: dict[str, Any]) -> str:
    if fields.get("talhelper"):
        return _talhelper_text(fields)
    machine: list[str] = ["machine:", "  type: controlplane"]
    if "release" in fields:
        registry = (
            "factory.talos.dev/installer/376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba"
            if fields.get("factory")
            else "ghcr.io/siderolabs/installer"
        )
        machine += ["  install:", f"    image: {registry}:v{fields['release']}"]
    features: list[str] = []
    if "kubeprism" in fields:
        enabled, port = fields["kubeprism"]
        features += [
            "    kubePrism:",
            f"      enabled: {str(enabled).lower()}",
            f"      port: {port}",
        ]
    if "host_dns" in fields:
        enabled, forward = fields["host_dns"]
        features += [
            "    hostDNS:",
            f"      enabled: {str(enabled).lower()}",
            f"      forwardKubeDNSToHost: {str(forward).lower()}",
        ]
    if features:
        machine += ["  features:", *features]
    network: list[str] = []
    if fields.get("kubespan"):
        network += ["    kubespan:", "      enabled: true"]
    if "interfaces" in fields:
        network += ["    interfaces:"]
        network += [
            f"      - interface: {name}\n        dhcp: true" for name in fields["interfaces"]
        ]
    if network:
        machine += ["  network:", *network]
    cluster: list[str] = ["cluster:"]
    pods: list[str] = []
    if "cni" in fields:
        pods += ["    cni:", f"      name: {fields['cni']}"]
    if "pod_subnets" in fields:
        pods += ["    podSubnets:", *(f"      - {s}" for s in fields["pod_subnets"])]
    if pods:
        cluster += ["  network:", *pods]
    if "proxy_disabled" in fields:
        cluster += ["  proxy:", f"    disabled: {str(fields['proxy_disabled']).lower()}"]
    lines = ["version: v1alpha1", *machine]
    if len(cluster) > 1:
        lines += cluster
    return "\n".join(lines) + "\n"


# -- the runs ------------------------------------------------------------------------------------

# None: no version given (the wrapper's pin, else the newest chart stands in)
_VERSIONS = (
    "1.14.19",
    "1.15.19",
    "1.16.19",
    "1.17.18",
    "1.18.4",
    "1.19.6",
    "1.20.0",
    None,
    "v1.17.3",
    "1.16",
    "1.21.0",
    "1.13.4",
    "1.12.19",
)
_COUNTER = itertools.count()


def _write(folder: Path, name: str, text: str) -> str:
    path = folder / f"{next(_COUNTER)}-{name}"
    path.write_text(text, encoding="utf-8")
    return str(path)


_FOLDER = Path(tempfile.mkdtemp(prefix="ciliumdrift-agreement-"))


@st.composite
def _runs(draw: st.DrawFn) -> Run:
    layers = draw(st.lists(_layer, min_size=1, max_size=3))
    if len(layers) > 1 and draw(st.booleans()):
        # a later layer overrides some keys of the first one (another value, same key)
        first = layers[0]
        overridden = {k: draw(_values_of(k)) for k in list(first)[:2]}
        layers[-1] = {**layers[-1], **overridden}
    texts = [draw(_values_text(layer)) for layer in layers]
    files = tuple(_write(_FOLDER, "values.yaml", text) for text, _ in texts)
    talos: tuple[str, ...] = ()
    if draw(st.booleans()):
        talos = (_write(_FOLDER, "talos.yaml", _talos_text(draw(_talos_fields))),)
        if draw(st.booleans()):  # a patch over it, as talosctl --config-patch applies one
            patch = _talos_text(draw(_talos_fields)).replace("version: v1alpha1\n", "")
            talos = (*talos, _write(_FOLDER, "patch.yaml", patch))
    return files, talos, draw(st.sampled_from(_VERSIONS))


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(_runs())
def test_lint_and_check_agree_on_generated_values(run: Run) -> None:
    assert_agreement(run)


def test_the_generated_runs_reach_the_conflicts() -> None:
    """Not a vacuous agreement: the generator reaches runs where both report conflicts, and
    one with a Talos conflict (what check refuses is rarer: tests/agent/test_agreement.py
    has those runs)."""
    # generate only: the first run found will do (shrinking it would run check hundreds of times)
    quick = settings(max_examples=300, deadline=None, database=None, phases=[Phase.generate])
    found = find(_runs(), lambda run: len(_check_marks(run) or ()) >= 3, settings=quick)
    assert _lint_marks(found) == _check_marks(found)
    talos = find(
        _runs(),
        lambda run: any(kind == "talos-conflict" for *_, kind in _check_marks(run) or ()),
        settings=quick,
    )
    assert _lint_marks(talos) == _check_marks(talos)
