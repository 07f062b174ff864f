"""Every label the agent's ``cilium status`` prints, and the Status field each one fills.

This table is the only place the labels are spelled. Facts refer to a status line by its
label (``status_line="Device Mode"``), so a label missing here is a fact that can never
observe anything.
"""

from __future__ import annotations

#: Top-level ``Label:`` lines of the agent's text output (1.14 - 1.20), in output order,
#: mapped to the :class:`~ciliumdrift.parse.model.Status` field they fill.
TOP_LABELS: dict[str, str] = {
    "KVStore": "kvstore",
    "ContainerRuntime": "container_runtime",
    "Kubernetes": "kubernetes",
    "Kubernetes APIs": "kubernetes",
    "KubeProxyReplacement": "kube_proxy_replacement",
    "Host firewall": "host_firewall",
    "SRv6": "srv6",
    "CNI Chaining": "cni_chaining",
    "CNI Config file": "cni_config",
    "Cilium": "cilium",
    "Stale status": "stale",
    "NodeMonitor": "node_monitor",
    "Cilium health daemon": "health_daemon",
    "IPAM": "ipam",
    "Allocated addresses": "ipam",
    "ClusterMesh": "cluster_mesh",
    "IPv4 BIG TCP": "ipv4_big_tcp",
    "IPv6 BIG TCP": "ipv6_big_tcp",
    "BandwidthManager": "bandwidth_manager",
    "Host Routing": "routing",
    "Routing": "routing",
    "Attach Mode": "attach_mode",
    "Device Mode": "device_mode",
    "Masquerading": "masquerading",
    "Clock Source for BPF": "clock_source",
    "Controller Status": "controllers",
    "Proxy Status": "proxy",
    "Global Identity Range": "identity_range",
    "Hubble": "hubble",
    "KubeProxyReplacement Details": "kpr_details",
    "BPF Maps": "bpf_maps",
    "Encryption": "encryption",
    "Cluster health": "cluster_health",
    "Modules Health": "modules_health",
}

#: Lines only ``--verbose`` (or a ``--all-*`` flag) prints; their presence makes the format
#: ``text-verbose``.
VERBOSE_LABELS = frozenset(
    {"Allocated addresses", "Clock Source for BPF", "KubeProxyReplacement Details", "BPF Maps"}
)

#: A full (non-fragment) output has all of these; ``KVStore`` or ``Kubernetes`` opens it.
FULL_OUTPUT_LABELS = ("Cilium", "IPAM", "Controller Status", "Encryption")
OPENING_LABELS = ("KVStore", "Kubernetes")

#: Printed after ``Encryption:`` only when Cilium is Ok or Disabled (the agent exits 1 first).
AFTER_ENCRYPTION_LABELS = ("Cluster health", "Modules Health")

#: ``KubeProxyReplacement Details:`` rows -> KprDetails field.
KPR_DETAIL_LABELS: dict[str, str] = {
    "Status": "status",
    "Socket LB": "socket_lb",
    "Socket LB Tracing": "socket_lb_tracing",
    "Socket LB Coverage": "socket_lb_coverage",
    "Socket LB Protocols": "socket_lb_protocols",
    "Devices": "devices",
    "Mode": "mode",
    "DSR Dispatch Mode": "dsr_dispatch_mode",
    "Backend Selection": "backend_selection",
    "Session Affinity": "session_affinity",
    "Graceful Termination": "graceful_termination",
    "NAT46/64 Support": "nat46x64",
    "XDP Acceleration": "xdp_acceleration",
    "Services": "services",
    "Annotations": "annotations",
}

#: The component lines beside the cilium-cli ASCII logo.
CLI_COMPONENTS = ("Cilium", "Operator", "Envoy DaemonSet", "Hubble Relay", "ClusterMesh")
#: Block labels of the cilium-cli summary below the logo.
CLI_BLOCKS = (
    "DaemonSet",
    "Deployment",
    "Containers",
    "Cluster Pods",
    "Helm chart version",
    "Image versions",
    "Errors",
    "Warnings",
)
