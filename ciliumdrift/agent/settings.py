"""From merged Helm values to the settings the agent starts with, each with its origin.

This is the Helm-template half of the derivation
(cilium/cilium@v1.18.0:install/kubernetes/cilium/templates/cilium-configmap.yaml): which value the
chart writes into ``cilium-config`` for a Helm key, and which default applies when it
writes none (the chart default of that version, else the agent's own default). The
runtime half (the agent's fallbacks) lives in the fact modules.
"""

from __future__ import annotations

from typing import Any

from ciliumdrift.agent.fact import NodeContext
from ciliumdrift.agent.gates import gate as version_gate
from ciliumdrift.agent.tables import agent_default, chart_default
from ciliumdrift.load.talos import TALHELPER_DEFAULT
from ciliumdrift.model import Layer, Located, Origin

_FALSE_WORDS = frozenset({"false", "0", "no", "off", ""})


def chart_version(ctx: NodeContext) -> str:
    return ctx.values.chart_version or ctx.cilium_version


def gate(ctx: NodeContext, name: str) -> bool:
    """The named version gate (data/gates.yaml) at the node's Cilium version."""
    return version_gate(name, ctx.cilium_version)


def chart_gate(ctx: NodeContext, name: str) -> bool:
    """The named version gate at the chart version the values are merged over."""
    return version_gate(name, chart_version(ctx))


def truthy(value: Any) -> bool:
    """Helm's idea of a set flag: booleans as they are, strings unless they say false."""
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, (int, float)):
        return value != 0
    if isinstance(value, (list, tuple, dict)):
        return len(value) > 0
    return str(value).strip().lower() not in _FALSE_WORDS


# Helm lookups of the last values: a fleet derives thousands of nodes from one set of values,
# and every fact asks for the same keys (the values object is kept, so its id is unique).
_HELM_MEMO: list[tuple[object, dict[tuple[str, str, str], Located[Any]]]] = []


def helm(ctx: NodeContext, key: str) -> Located[Any]:
    """The merged value of a Helm key, falling back to the chart default of the version."""
    if not (_HELM_MEMO and _HELM_MEMO[0][0] is ctx.values):
        _HELM_MEMO[:] = [(ctx.values, {})]
    memo = _HELM_MEMO[0][1]
    memo_key = (ctx.cilium_version, chart_version(ctx), key)
    found = memo.get(memo_key)
    if found is None:
        found = memo[memo_key] = _helm(ctx, key)
    return found


def _helm(ctx: NodeContext, key: str) -> Located[Any]:
    found = ctx.values.get(key)
    if found is not None:
        return found
    has_default, default = chart_default(key, chart_version(ctx))
    if not has_default and key.endswith(".enabled"):
        # Charts before 1.12 spell some switches as one boolean (`bandwidthManager: true`,
        # `hostFirewall: false`) where later charts have `<switch>.enabled`.
        switch = key.removesuffix(".enabled")
        has_switch, switch_default = chart_default(switch, chart_version(ctx))
        spelled = ctx.values.get(switch) if isinstance(switch_default, bool) else None
        if spelled is not None and isinstance(spelled.value, bool):
            return spelled
        if spelled is None and has_switch and isinstance(switch_default, bool):
            return Located(
                switch_default,
                Origin(Layer.CHART_DEFAULT, key=switch, version=chart_version(ctx)),
            )
    detail = None if has_default else f"{key} is not in the {chart_version(ctx)} chart"
    return Located(
        default if has_default else None,
        Origin(Layer.CHART_DEFAULT, key=key, version=chart_version(ctx), detail=detail),
    )


def is_set(ctx: NodeContext, key: str) -> bool:
    """True when some values layer the user wrote (file or flag) set ``key``."""
    if ctx.values.is_user_set(key):
        return True
    found = ctx.values.get(key)
    return found is not None and found.origin.layer not in (
        Layer.CHART_DEFAULT,
        Layer.AGENT_DEFAULT,
    )


def agent(ctx: NodeContext, config_key: str, why: str) -> Located[Any]:
    """The agent's own default for a cilium-config key the chart did not write."""
    _, default = agent_default(config_key, ctx.cilium_version)
    return Located(
        default,
        Origin(Layer.AGENT_DEFAULT, key=config_key, version=ctx.cilium_version, detail=why),
    )


def flag(ctx: NodeContext, key: str, config_key: str) -> Located[bool]:
    """A boolean Helm key the chart writes when not null; the agent default otherwise."""
    value = helm(ctx, key)
    if value.value is None:
        fallback = agent(ctx, config_key, f"{key} unset: the chart writes no {config_key}")
        return Located(truthy(fallback.value), fallback.origin)
    return Located(truthy(value.value), value.origin)


def text(ctx: NodeContext, key: str, default: str) -> Located[str]:
    """A string Helm key; ``default`` (the template's own default) when empty or absent."""
    value = helm(ctx, key)
    if value.value is None or str(value.value).strip() == "":
        return Located(default, value.origin)
    return Located(str(value.value).strip(), value.origin)


def ipv4_enabled(ctx: NodeContext) -> Located[bool]:
    return flag(ctx, "ipv4.enabled", "enable-ipv4")


def ipv6_enabled(ctx: NodeContext) -> Located[bool]:
    return flag(ctx, "ipv6.enabled", "enable-ipv6")


def kpr_value(ctx: NodeContext) -> Located[str]:
    """The ``kube-proxy-replacement`` string the chart writes (template default "false")."""
    raw = ctx.values.get("kubeProxyReplacement")
    if raw is None or raw.value is None or str(raw.value) == "":
        compat = helm(ctx, "upgradeCompatibility")
        # Charts before 1.14 write "disabled" for a fresh install (their template default).
        default = "disabled" if chart_gate(ctx, "kpr-chart-default-disabled") else "false"
        if compat.value is not None and str(compat.value) != "":
            if version_gate("kpr-template-default-disabled", str(compat.value)):
                default = "disabled"
            elif version_gate("kpr-template-default-probe", str(compat.value)):
                default = "probe"
        if raw is None and default != "false" and compat.value not in (None, ""):
            # upgradeCompatibility picked the template default: point at it (cilium#27344).
            return Located(default, compat.origin)
        origin = (
            raw.origin
            if raw is not None
            else Origin(
                Layer.CHART_DEFAULT,
                key="kubeProxyReplacement",
                version=chart_version(ctx),
                detail=f"template default {default!r} of chart {chart_version(ctx)}",
            )
        )
        return Located(default, origin)
    value = raw.value
    spelled = ("true" if value else "false") if isinstance(value, bool) else str(value).strip()
    return Located(spelled.lower() if spelled.lower() in ("true", "false") else spelled, raw.origin)


def kpr_enabled(ctx: NodeContext) -> bool:
    """KPR in its full form: ``true`` (or ``strict`` where the version still accepts it)."""
    value = kpr_value(ctx).value.lower()
    return value == "true" or (value == "strict" and gate(ctx, "kpr-legacy-modes"))


def node_port_enabled(ctx: NodeContext) -> bool:
    """BPF NodePort on: implied by full KPR, else ``nodePort.enabled`` (gone in 1.19)."""
    if kpr_enabled(ctx):
        return True
    if gate(ctx, "nodeport-key-removed"):
        return False
    if kpr_value(ctx).value.lower() == "disabled":
        return False
    return truthy(helm(ctx, "nodePort.enabled").value)


def ipv4_masquerade(ctx: NodeContext) -> Located[bool]:
    """``enable-ipv4-masquerade``: 1.18+ charts default it from ``eni.enabled``."""
    value = helm(ctx, "enableIPv4Masquerade")
    if value.value is None:
        eni = truthy(helm(ctx, "eni.enabled").value)
        if chart_gate(ctx, "eni-disables-ipv4-masquerade-default") and eni:
            return Located(False, helm(ctx, "eni.enabled").origin)
        return Located(
            True,
            Origin(
                Layer.CHART_DEFAULT,
                key="enableIPv4Masquerade",
                version=chart_version(ctx),
                detail="the chart writes enable-ipv4-masquerade: true",
            ),
        )
    return Located(truthy(value.value), value.origin)


def ipv6_masquerade(ctx: NodeContext) -> Located[bool]:
    value = helm(ctx, "enableIPv6Masquerade")
    if value.value is None:
        return agent(ctx, "enable-ipv6-masquerade", "enableIPv6Masquerade unset")
    return Located(truthy(value.value), value.origin)


def encryption_mode(ctx: NodeContext) -> Located[str]:
    """``ipsec``, ``wireguard``, ``ztunnel`` (from 1.19) or ``disabled``, as the chart writes
    enable-ipsec / enable-wireguard / enable-ztunnel."""
    enabled = helm(ctx, "encryption.enabled")
    if not truthy(enabled.value):
        return Located("disabled", enabled.origin)
    kind = helm(ctx, "encryption.type")
    spelled = str(kind.value or "").strip()
    if spelled in ("ipsec", "wireguard") or (
        spelled == "ztunnel" and gate(ctx, "encryption-ztunnel")
    ):
        return Located(spelled, kind.origin)
    return Located("disabled", kind.origin)


def chaining_mode(ctx: NodeContext) -> Located[str]:
    """The effective CNI chaining mode: chainingMode, else generic-veth with a target."""
    mode = helm(ctx, "cni.chainingMode")
    if mode.value not in (None, ""):
        return Located(str(mode.value), mode.origin)
    target = helm(ctx, "cni.chainingTarget")
    if target.value not in (None, ""):
        return Located("generic-veth", target.origin)
    return Located("none", mode.origin)


def host_legacy_routing(ctx: NodeContext) -> Located[bool]:
    """``enable-host-legacy-routing`` as written: the value, else true when chaining."""
    value = helm(ctx, "bpf.hostLegacyRouting")
    if value.value is not None:
        return Located(truthy(value.value), value.origin)
    if chart_gate(ctx, "legacy-host-routing-key"):
        # Charts up to 1.12 write bpf.hostRouting (despite its name) as enable-host-legacy-routing.
        old = ctx.values.get("bpf.hostRouting")
        if old is not None and old.value is not None:
            return Located(truthy(old.value), old.origin)
    chaining = chaining_mode(ctx)
    if chaining.value != "none":
        return Located(True, chaining.origin)
    return agent(ctx, "enable-host-legacy-routing", "bpf.hostLegacyRouting unset")


def datapath_mode(ctx: NodeContext) -> Located[str]:
    value = helm(ctx, "bpf.datapathMode")
    if value.value in (None, ""):
        return Located("veth", value.origin)
    return Located(str(value.value).strip(), value.origin)


def routing_mode(ctx: NodeContext) -> Located[str]:
    """``routing-mode`` as the chart writes it (``cilium-configmap.yaml``, routingMode)."""
    mode = helm(ctx, "routingMode")
    if mode.value not in (None, ""):
        return Located(str(mode.value).strip(), mode.origin)
    gke = helm(ctx, "gke.enabled")
    if truthy(gke.value):
        return Located("native", gke.origin)
    eni = helm(ctx, "eni.enabled")
    if truthy(eni.value) and chart_gate(ctx, "eni-native-routing-default"):
        return Located("native", eni.origin)
    if gate(ctx, "legacy-tunnel-key"):
        legacy = ctx.values.get("tunnel")
        if legacy is not None and legacy.value not in (None, ""):
            return Located("native" if str(legacy.value) == "disabled" else "tunnel", legacy.origin)
    return Located("tunnel", mode.origin)


def tunnel_protocol(ctx: NodeContext) -> Located[str]:
    proto = helm(ctx, "tunnelProtocol")
    if proto.value not in (None, ""):
        return Located(str(proto.value).strip(), proto.origin)
    if gate(ctx, "legacy-tunnel-key"):
        legacy = ctx.values.get("tunnel")
        if legacy is not None and str(legacy.value) in ("vxlan", "geneve"):
            return Located(str(legacy.value), legacy.origin)
    return Located("vxlan", proto.origin)


def native_routing_cidr(ctx: NodeContext, family: str = "ipv4") -> Located[str] | None:
    if family == "ipv4" and chart_gate(ctx, "legacy-native-routing-cidr-key"):
        # Charts up to 1.11 read nativeRoutingCIDR (1.11: before ipv4NativeRoutingCIDR).
        old = ctx.values.get("nativeRoutingCIDR")
        if old is not None and old.value not in (None, ""):
            return Located(str(old.value).strip(), old.origin)
    value = helm(ctx, f"{family}NativeRoutingCIDR")
    if value.value in (None, ""):
        return None
    return Located(str(value.value).strip(), value.origin)


def ipam_mode(ctx: NodeContext) -> Located[str]:
    return text(ctx, "ipam.mode", "cluster-pool")


def l7_proxy(ctx: NodeContext) -> Located[bool]:
    return flag(ctx, "l7Proxy", "enable-l7-proxy")


def talos_stated(ctx: NodeContext, located: Located[Any] | None) -> bool:
    """A Talos fact written in a file, or the default of a whole machine config (not of a
    patch, which says nothing about what it leaves out), or of a talconfig whose patches
    were all read (talhelper generates the rest)."""
    if located is None or ctx.talos is None:
        return False
    if (located.origin.detail or "").startswith(TALHELPER_DEFAULT):
        return True
    return located.origin.position is not None or ctx.talos.machine_type is not None


def wanted(ctx: NodeContext, key: str) -> Located[Any] | None:
    """The user's own value of a key (file or flag), or None when only a default exists."""
    return ctx.values.get(key) if is_set(ctx, key) else None
