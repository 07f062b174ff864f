"""Test builders: declared config with real positions, Talos facts and statuses, built
directly on the shared models so the derive tests do not wait for the loaders."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ruamel.yaml import YAML

from ciliumdrift.load.model import Declared, HelmValues, TalosFacts, join_key
from ciliumdrift.model import Layer, Located, Origin, Position
from ciliumdrift.parse import model as p


def values(text: str, *, file: str = "values.yaml", version: str = "1.18.4") -> HelmValues:
    """Parse a values YAML with positions; every key keeps the value's file:line:col."""
    data = YAML(typ="rt").load(text) or {}
    sources: dict[str, Origin] = {}

    def walk(node: Any, prefix: tuple[str, ...]) -> Any:
        if isinstance(node, Mapping):
            out: dict[str, Any] = {}
            for key in node:
                path = (*prefix, str(key))
                line, column = node.lc.value(key) if hasattr(node, "lc") else (0, 0)
                sources[join_key(path)] = Origin(
                    Layer.VALUES_FILE,
                    key=join_key(path),
                    position=Position(file, line + 1, column + 1),
                )
                out[str(key)] = walk(node[key], path)
            return out
        if isinstance(node, list):
            return [walk(item, prefix) for item in node]
        if node is not None and type(node).__name__ in (
            "ScalarFloat",
            "ScalarInt",
            "ScalarBoolean",
        ):
            return type(node).__mro__[1](node) if not isinstance(node, bool) else bool(node)
        return str(node) if node is not None and not isinstance(node, (bool, int, float)) else node

    plain = walk(data, ())
    return HelmValues(
        values=plain,
        sources=sources,
        chart_version=version,
        user_keys=frozenset(sources),
    )


def talos_origin(key: str, line: int, file: str = "talos.yaml") -> Origin:
    return Origin(Layer.TALOS, key=key, position=Position(file, line, 7))


def talos(**fields: Any) -> TalosFacts:
    """TalosFacts whose fields are given as plain values; each gets a position in talos.yaml."""
    located: dict[str, Any] = {}
    lines = {
        "kernel": 1,
        "version": 2,
        "cni": 60,
        "kube_proxy_disabled": 84,
        "pod_subnets": 56,
        "kubeprism_enabled": 39,
        "kubeprism_port": 40,
        "host_dns_enabled": 42,
        "forward_kube_dns_to_host": 43,
    }
    for name, value in fields.items():
        if name == "kernel":
            located[name] = Located(
                value, Origin(Layer.TALOS, detail="kernel of Talos 1.12", version="1.12")
            )
        else:
            located[name] = Located(value, talos_origin(name, lines.get(name, 1)))
    return TalosFacts(files=("talos.yaml",), **located)


def declared(
    text: str = "",
    *,
    version: str = "1.18.4",
    talos_facts: TalosFacts | None = None,
) -> Declared:
    helm = values(text, version=version)
    return Declared(
        values=helm,
        talos=talos_facts,
        cilium_version=Located(version, Origin(Layer.SET, detail=f"--cilium-version {version}")),
    )


SEED_VALUES = """\
ipam:
  mode: kubernetes
k8sServiceHost: localhost
k8sServicePort: 7445
kubeProxyReplacement: true
routingMode: native
ipv4NativeRoutingCIDR: 10.100.0.0/16
autoDirectNodeRoutes: true
bpf:
  masquerade: true
  hostLegacyRouting: false
  datapathMode: netkit
bandwidthManager:
  enabled: true
  bbr: true
l7Proxy: false
hubble:
  enabled: true
  relay:
    enabled: true
  ui:
    enabled: true
  metrics:
    enabled:
      - dns
      - drop
      - tcp
      - flow
      - icmp
      - http
encryption:
  enabled: false
"""


def seed_talos(**overrides: Any) -> TalosFacts:
    fields: dict[str, Any] = {
        "kernel": "6.18.0-talos",
        "cni": "none",
        "kube_proxy_disabled": True,
        "pod_subnets": ("10.100.0.0/16",),
        "kubeprism_enabled": True,
        "kubeprism_port": 7445,
        "host_dns_enabled": True,
        "forward_kube_dns_to_host": False,
    }
    fields.update(overrides)
    return talos(**fields)


def seed_status(**overrides: Any) -> p.Status:
    """The seed's `cilium status` (status-015.txt) as a parsed Status."""
    sections: dict[str, Any] = {
        "kvstore": p.StateMessage("Disabled"),
        "kubernetes": p.KubernetesStatus("Ok", "1.34", "v1.34.2", "linux/amd64"),
        "kube_proxy_replacement": p.KubeProxyReplacement(
            "True",
            (p.KprDevice("eth0", ("192.168.95.210", "fe80::be24:11ff:fecd:f514"), True),),
        ),
        "host_firewall": p.HostFirewall("Disabled"),
        "srv6": p.SRv6(False),
        "cni_chaining": "none",
        "cilium": p.CiliumState("Ok", "1.18.4", "v1.18.4-afda2aa9"),
        "health_daemon": p.StateMessage("Ok"),
        "ipam": p.Ipam((p.IpamFamily("IPv4", 2, 254, "10.100.1.0/24"),)),
        "ipv4_big_tcp": p.BigTcp(False),
        "ipv6_big_tcp": p.BigTcp(False),
        "bandwidth_manager": p.BandwidthManager(True, "EDT with BPF", "BBR", ("eth0",)),
        "routing": p.Routing("BPF", "Native"),
        "attach_mode": "TCX",
        "device_mode": "netkit",
        "masquerading": p.Masquerading("BPF", False, ("eth0",), ("10.100.0.0/16",), True, False),
        "controllers": p.ControllerStatus(16, 16),
        "proxy": p.ProxyStatus(False, message="No managed proxy redirect"),
        "identity_range": p.IdentityRange(256, 65535),
        "hubble": p.Hubble("Ok", "", 2204, 4095, 53.82, 6.8, "Ok"),
        "encryption": p.Encryption("Disabled"),
        "cluster_health": p.ClusterHealth(3, 3),
        "modules_health": p.ModulesHealth(11, 0, 77),
    }
    sections.update(overrides)
    sections.setdefault("format", "text")
    return p.Status(source="status.txt", **sections)
