"""Helm keys the chart copies into ``cilium-config`` one to one, declared as a table.

Only keys whose ConfigMap value follows from the Helm value alone are listed (the chart's
``cilium-configmap.yaml`` writes them when the Helm key is set;
cilium/cilium@v1.18.0:install/kubernetes/cilium/templates/cilium-configmap.yaml).
They let the layers say "the files say X, the deployed ConfigMap says Y" without the Helm
release Secret. Keys the chart derives from several values (kube-proxy-replacement's
upgradeCompatibility default, host-legacy-routing under CNI chaining) are compared only
when the user set the Helm key, which is when the chart writes it verbatim.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ConfigKey:
    """One Helm key and the ``cilium-config`` key the chart writes from it."""

    helm: str
    config: str
    kind: str = "text"  # "bool": the chart writes "true"/"false"; "text": the value as a string

    def rendered(self, value: Any) -> str | None:
        """The ConfigMap string the chart writes for ``value`` (None: it writes nothing)."""
        if value is None:
            return None
        if self.kind == "bool":
            if isinstance(value, bool):
                return "true" if value else "false"
            text = str(value).strip().lower()
            return text if text in ("true", "false") else None
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (dict, list)):
            return None
        return str(value)


CONFIG_KEYS: tuple[ConfigKey, ...] = (
    ConfigKey("kubeProxyReplacement", "kube-proxy-replacement"),
    ConfigKey("routingMode", "routing-mode"),
    ConfigKey("tunnelProtocol", "tunnel-protocol"),
    ConfigKey("ipv4NativeRoutingCIDR", "ipv4-native-routing-cidr"),
    ConfigKey("ipv6NativeRoutingCIDR", "ipv6-native-routing-cidr"),
    ConfigKey("autoDirectNodeRoutes", "auto-direct-node-routes", "bool"),
    ConfigKey("bpf.masquerade", "enable-bpf-masquerade", "bool"),
    ConfigKey("bpf.hostLegacyRouting", "enable-host-legacy-routing", "bool"),
    ConfigKey("bpf.datapathMode", "datapath-mode"),
    ConfigKey("bpf.enableTCX", "enable-tcx", "bool"),
    ConfigKey("bandwidthManager.enabled", "enable-bandwidth-manager", "bool"),
    ConfigKey("bandwidthManager.bbr", "enable-bbr", "bool"),
    ConfigKey("l7Proxy", "enable-l7-proxy", "bool"),
    ConfigKey("ipam.mode", "ipam"),
    ConfigKey("hubble.enabled", "enable-hubble", "bool"),
    ConfigKey("hostFirewall.enabled", "enable-host-firewall", "bool"),
    ConfigKey("enableIPv4BIGTCP", "enable-ipv4-big-tcp", "bool"),
    ConfigKey("enableIPv6BIGTCP", "enable-ipv6-big-tcp", "bool"),
    ConfigKey("ipv4.enabled", "enable-ipv4", "bool"),
    ConfigKey("ipv6.enabled", "enable-ipv6", "bool"),
    ConfigKey("enableIPv4Masquerade", "enable-ipv4-masquerade", "bool"),
    ConfigKey("enableIPv6Masquerade", "enable-ipv6-masquerade", "bool"),
    ConfigKey("cni.chainingMode", "cni-chaining-mode"),
)

BY_CONFIG_KEY = {k.config: k for k in CONFIG_KEYS}
