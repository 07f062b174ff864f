"""What the fake agents print: the seed case's `cilium-dbg status` in JSON and text form.

The JSON is the agent's ``/v1/healthz`` StatusResponse (status-format.md §5) for the seed
cluster (Cilium 1.18.4 on Talos 1.12: netkit, native routing, BPF host routing, BBR),
with the node-specific parts (node name, pod CIDR, addresses) filled in per agent and any
field overridable so that a test can make one agent drift. The text form is the seed's
``status.txt`` with the same per-node substitutions.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
SEED_TEXT = REPO / "examples" / "talos-netkit-native" / "status.txt"
SEED_VERSION = "1.18.4"
SEED_REVISION = "v1.18.4-afda2aa9"


def seed_status(
    node: str,
    *,
    pod_cidr: str = "10.100.1.0/24",
    node_ip: str = "192.168.95.210",
    version: str = SEED_VERSION,
) -> dict[str, Any]:
    """The seed agent's StatusResponse for one node (keys as `-o json` prints them)."""
    router_ip = pod_cidr.rsplit(".", 1)[0] + ".1" if pod_cidr.count(".") == 3 else "10.100.1.1"
    return {
        "attach-mode": "tcx",
        "bandwidth-manager": {"congestionControl": "bbr", "devices": ["eth0"], "enabled": True},
        "cilium": {"msg": f"{version} (v{version}-afda2aa9)", "state": "Ok"},
        "clock-source": {"mode": "ktime"},
        "cluster": {"ciliumHealth": {"state": "Ok"}, "self": f"default/{node}"},
        "cni-chaining": {"mode": "none"},
        "cni-file": {
            "msg": "successfully wrote CNI configuration file to "
            "/host/etc/cni/net.d/05-cilium.conflist",
            "state": "Ok",
        },
        "controllers": [],
        "datapath-mode": "netkit",
        "encryption": {"mode": "Disabled"},
        "host-firewall": {"devices": ["eth0"], "mode": "Disabled"},
        "hubble": {
            "observer": {
                "current-flows": 2204,
                "max-flows": 4095,
                "seen-flows": 52311,
                "uptime": "10h5m2s",
            },
            "state": "Ok",
        },
        "hubble-metrics": {"state": "Ok"},
        "identity-range": {"max-identity": 65535, "min-identity": 256},
        "ipam": {
            "allocations": {router_ip: "router"},
            "ipv4": [router_ip],
            "status": f"IPv4: 2/254 allocated from {pod_cidr}, ",
        },
        "ipv4-big-tcp": {},
        "ipv6-big-tcp": {},
        "kube-proxy-replacement": {
            "deviceList": [{"ip": ["", "", node_ip, "fe80::be24:11ff:fecd:f514"], "name": "eth0"}],
            "devices": ["eth0"],
            "directRoutingDevice": "eth0",
            "features": {
                "externalIPs": {"enabled": True},
                "hostPort": {"enabled": True},
                "nodePort": {
                    "algorithm": "Random",
                    "enabled": True,
                    "mode": "SNAT",
                    "portMax": 32767,
                    "portMin": 30000,
                    "acceleration": "Disabled",
                },
                "socketLB": {"enabled": True},
                "sessionAffinity": {"enabled": True},
            },
            "mode": "True",
        },
        "kubernetes": {
            "k8s-api-versions": [
                "EndpointSliceOrEndpoint",
                "cilium/v2::CiliumNode",
                "core/v1::Pods",
            ],
            "msg": "1.34 (v1.34.2) [linux/amd64]",
            "state": "Ok",
        },
        "kvstore": {"state": "Disabled"},
        "masquerading": {
            "enabled": True,
            "enabledProtocols": {"ipv4": True},
            "mode": "BPF",
            "snat-exclusion-cidr": "10.100.0.0/16",
            "snat-exclusion-cidr-v4": "10.100.0.0/16",
        },
        "nodeMonitor": {"cpus": 2, "npages": 64, "pagesize": 4096},
        "routing": {
            "inter-host-routing-mode": "Native",
            "intra-host-routing-mode": "BPF",
            "tunnel-protocol": "vxlan",
        },
        "srv6": {},
    }


def with_changes(status: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``status`` with dotted-path changes (``routing.intra-host-routing-mode``)."""
    result = copy.deepcopy(status)
    for dotted, value in changes.items():
        node = result
        *parents, last = dotted.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return result


def as_json(status: dict[str, Any]) -> str:
    """As the agent prints it: Go's MarshalIndent with two spaces, keys sorted."""
    return json.dumps(status, indent=2, sort_keys=True) + "\n"


def seed_text(node: str, *, pod_cidr: str = "10.100.1.0/24", device_mode: str = "netkit") -> str:
    """The seed's text status with this node's pod CIDR and device mode."""
    text = SEED_TEXT.read_text(encoding="utf-8")
    text = text.replace("10.100.1.0/24", pod_cidr)
    return text.replace(
        "Device Mode:             netkit", f"Device Mode:             {device_mode}"
    )


def drift_metric(value: float) -> str:
    """`cilium-dbg metrics list -p drift_checker_config_delta -o json` (1.17+ agents)."""
    return (
        json.dumps(
            [{"labels": {}, "name": "cilium_drift_checker_config_delta", "value": value}], indent=2
        )
        + "\n"
    )
