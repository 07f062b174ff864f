"""The intent a status shows when no config is given: the features it shows on were asked for.

A status is the agent's config as it runs. With no values, Talos config or ``--set`` at all,
comparing it with the chart's defaults reports every setting the user made as drift and
hides what matters: the fallbacks. So a status-only check takes the features the status
shows *on* (and the modes that are a choice, never a fallback) as the declared intent, and
the model derives the rest: a line that the inferred intent would make different (BPF host
routing with strict kube-proxy replacement and BPF masquerading) is a fallback, explained
like any other mismatch.

Only on-states and choices are read: an iptables masquerading, a legacy host routing or a
disabled bandwidth manager can be a fallback, so they are never taken as intent; a disabled
L7 proxy or Hubble, or a kube-proxy replacement mode, is what the config said.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from ciliumdrift.agent.facts import FACTS
from ciliumdrift.derive import derive_context, status_free_context
from ciliumdrift.load.model import Declared
from ciliumdrift.model import Finding, FindingKind, Located, Severity
from ciliumdrift.parse.model import Status
from ciliumdrift.records import record

_KPR_MODES = {
    "strict": "strict",
    "partial": "partial",
    "probe": "probe",
    "disabled": "disabled",
    "true": "true",
    "false": "false",
}


@record
class Inferred:
    """One Helm value the status implies, with the status line that implies it."""

    key: str
    value: str
    line: str

    @property
    def set_text(self) -> str:
        return f"{self.key}={self.value}"


def inferred_intent(status: Status) -> list[Inferred]:
    """The Helm values the on-features of ``status`` imply (see the module docs)."""
    out: list[Inferred] = []
    kpr = status.kube_proxy_replacement
    if kpr is not None and kpr.mode.strip().lower() in _KPR_MODES:
        mode = _KPR_MODES[kpr.mode.strip().lower()]
        out.append(Inferred("kubeProxyReplacement", mode, f"KubeProxyReplacement: {kpr.mode}"))
    masq = status.masquerading
    if masq is not None and masq.mode.strip().upper() == "BPF":
        out.append(Inferred("bpf.masquerade", "true", "Masquerading: BPF"))
        # BPF masquerading prints the IPv4 SNAT exclusion CIDR: the native-routing CIDR.
        v4 = next((c for c in masq.cidrs if ":" not in c), None)
        if v4 is not None:
            out.append(Inferred("ipv4NativeRoutingCIDR", v4, f"Masquerading: BPF ... {v4}"))
    bwm = status.bandwidth_manager
    if bwm is not None and bwm.enabled:
        out.append(Inferred("bandwidthManager.enabled", "true", "BandwidthManager: EDT with BPF"))
        if (bwm.congestion_control or "").upper() == "BBR":
            out.append(Inferred("bandwidthManager.bbr", "true", "BandwidthManager: [BBR]"))
    routing = status.routing
    if routing is not None and (routing.host or "").upper() == "BPF":
        out.append(Inferred("bpf.hostLegacyRouting", "false", "Host Routing: BPF"))
    if routing is not None and routing.network:
        network = routing.network.strip().lower()
        if network in ("native", "tunnel"):
            out.append(Inferred("routingMode", network, f"Routing: Network: {routing.network}"))
        if network == "tunnel" and routing.tunnel_protocol:
            proto = routing.tunnel_protocol.strip().lower()
            out.append(Inferred("tunnelProtocol", proto, f"Routing: Tunnel [{proto}]"))
    encryption = status.encryption
    if encryption is not None and encryption.mode.strip().lower() in ("ipsec", "wireguard"):
        kind = encryption.mode.strip().lower()
        out.append(Inferred("encryption.enabled", "true", f"Encryption: {encryption.mode}"))
        out.append(Inferred("encryption.type", kind, f"Encryption: {encryption.mode}"))
    for family, big_tcp in (("IPv4", status.ipv4_big_tcp), ("IPv6", status.ipv6_big_tcp)):
        if big_tcp is not None and big_tcp.enabled and big_tcp.max_gro:
            line = f"{family} BIG TCP: Enabled [{big_tcp.max_gro}]"
            out.append(Inferred(f"enable{family}BIGTCP", "true", line))
    if status.device_mode and status.device_mode.split(" [", 1)[0].strip() in (
        "netkit",
        "netkit-l2",
    ):
        mode = status.device_mode.split(" [", 1)[0].strip()
        out.append(Inferred("bpf.datapathMode", mode, f"Device Mode: {mode}"))
    proxy = status.proxy
    if proxy is not None and not proxy.enabled:
        out.append(Inferred("l7Proxy", "false", "Proxy Status: No managed proxy redirect"))
    hubble = status.hubble
    if hubble is not None and hubble.state.strip().lower() == "disabled":
        out.append(Inferred("hubble.enabled", "false", "Hubble: Disabled"))
    firewall = status.host_firewall
    if firewall is not None and firewall.mode.strip().lower() == "enabled":
        out.append(Inferred("hostFirewall.enabled", "true", "Host firewall: Enabled"))
    return out


def common_intent(statuses: Sequence[Status]) -> list[Inferred]:
    """What every status implies (a value only some nodes show may be a per-node override)."""
    if not statuses:
        return []
    first, *rest = (inferred_intent(s) for s in statuses)
    shared = {(i.key, i.value) for i in first}
    for other in rest:
        shared &= {(i.key, i.value) for i in other}
    return [i for i in first if (i.key, i.value) in shared]


def unchanged_facts(
    plain: Declared, inferred: Declared, kernel: Located[str] | str | None = None
) -> frozenset[str]:
    """Facts whose expectation the inferred intent leaves at the chart's defaults."""
    before = derive_context(status_free_context(plain, kernel=kernel), FACTS)
    after = derive_context(status_free_context(inferred, kernel=kernel), FACTS)
    return frozenset(
        fact
        for fact, found in after.items()
        if fact in before and before[fact].value == found.value
    )


def defaults_only(findings: Sequence[Finding], facts: frozenset[str]) -> tuple[Finding, ...]:
    """In a status-only check, drift on a line only the chart's defaults decide is a note
    (the status may show what the user chose), and so is a contradiction of the inferred
    config (no one wrote it: the status shows only part of the config)."""
    out = []
    for finding in findings:
        if finding.kind is FindingKind.DRIFT and finding.fact in facts:
            finding = replace(
                finding,
                severity=Severity.NOTE,
                message=finding.message + " (no config given: only the chart default to compare)",
            )
        elif finding.kind is FindingKind.CROSS_CHECK:
            finding = replace(
                finding,
                severity=Severity.NOTE,
                message=finding.message + " (no config given: about the config the status implies)",
            )
        out.append(finding)
    return tuple(out)


__all__ = ["Inferred", "common_intent", "defaults_only", "inferred_intent", "unchanged_facts"]
