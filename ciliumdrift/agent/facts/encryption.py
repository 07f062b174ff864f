"""Transparent encryption: IPsec, WireGuard (with node encryption), or none."""

from __future__ import annotations

from collections.abc import Sequence

from ciliumdrift.agent import settings as s
from ciliumdrift.agent.decide import conflict, kernel, kernel_candidate
from ciliumdrift.agent.explain import STRONG, Candidate, cause, said, values_fix
from ciliumdrift.agent.fact import Conflict, Expectation, NodeContext, fact
from ciliumdrift.agent.facts._common import expect, standard
from ciliumdrift.model import CauseKind
from ciliumdrift.parse.model import Status


def _observe(status: Status) -> str | None:
    enc = status.encryption
    if enc is None:
        return None
    if enc.mode == "Wireguard" and enc.node_encryption is not None:
        word = "Enabled" if enc.node_encryption else "Disabled"
        return f"Wireguard [NodeEncryption: {word}]"
    return enc.mode


def _matches(expected: str, observed: str) -> bool:
    if observed == "Wireguard":
        return expected.startswith("Wireguard")
    return " ".join(expected.split()).casefold() == " ".join(observed.split()).casefold()


def _conflicts(ctx: NodeContext, mode: str) -> list[Conflict]:
    out: list[Conflict] = []
    located = s.encryption_mode(ctx)
    kind = s.helm(ctx, "encryption.type")
    if s.truthy(s.helm(ctx, "encryption.enabled").value) and mode == "disabled":
        out.append(
            conflict(
                "invalid-value",
                f"encryption.type {kind.value!r} is not ipsec, wireguard or (from 1.19) "
                "ztunnel: the chart writes nothing and encryption stays off.",
                [
                    Candidate(
                        STRONG,
                        cause(
                            CauseKind.KEY_IGNORED,
                            "The chart ignores an unknown encryption.type.",
                            said("encryption.type", kind),
                        ),
                        values_fix("Spell the encryption type", [("encryption.type", "wireguard")]),
                    )
                ],
                kind.origin,
            )
        )
    extra = s.helm(ctx, "extraConfig")
    extras = extra.value if isinstance(extra.value, dict) else {}
    other = {"ipsec": "enable-wireguard", "wireguard": "enable-ipsec"}.get(mode)
    if other is not None and s.truthy(extras.get(other)):
        out.append(
            conflict(
                "wireguard-with-ipsec",
                "WireGuard (--enable-wireguard) cannot be used with IPsec (--enable-ipsec): the "
                "agent exits at start.",
                [
                    Candidate(
                        STRONG,
                        cause(
                            CauseKind.CONFLICTING_SETTING,
                            f"extraConfig.{other} turns on the other encryption beside "
                            f"encryption.type {mode}; every version checks this "
                            "(cilium/cilium@v1.18.0:daemon/cmd/cells.go newWireguardAgent).",
                            said("encryption.type", kind),
                            said(f"extraConfig.{other}", extra),
                        ),
                        values_fix("Keep one encryption", [(f"extraConfig.{other}", "false")]),
                    )
                ],
                located.origin,
                fatal=True,
            )
        )
    if mode == "ipsec":
        firewall = s.helm(ctx, "hostFirewall.enabled")
        if s.truthy(firewall.value):
            out.append(
                conflict(
                    "host-firewall-with-ipsec",
                    "IPSec cannot be used with the host firewall: the agent exits at start.",
                    [
                        Candidate(
                            STRONG,
                            cause(
                                CauseKind.CONFLICTING_SETTING,
                                "hostFirewall.enabled with IPsec.",
                                said("hostFirewall.enabled", firewall),
                            ),
                            values_fix("Use WireGuard", [("encryption.type", "wireguard")]),
                        )
                    ],
                    located.origin,
                    fatal=True,
                )
            )
        if s.gate(ctx, "ipsec-refuses-bpf-nodeport") and s.node_port_enabled(ctx):
            out.append(
                conflict(
                    "ipsec-with-bpf-nodeport",
                    "IPSec cannot be used with BPF NodePort on Cilium 1.14/1.15: the agent exits "
                    "at start.",
                    [
                        Candidate(
                            STRONG,
                            cause(
                                CauseKind.CONFLICTING_SETTING,
                                "kube-proxy replacement (NodePort) with IPsec is allowed only "
                                "from 1.16.",
                                said("kubeProxyReplacement", s.kpr_value(ctx)),
                            ),
                            values_fix("Use WireGuard", [("encryption.type", "wireguard")]),
                        )
                    ],
                    located.origin,
                    fatal=True,
                )
            )
    if mode == "wireguard":
        check = kernel(ctx, "wireguard")
        if check.too_old:
            out.append(
                conflict(
                    "wireguard-kernel-too-old",
                    "WireGuard not supported by the Linux kernel: the agent exits at start.",
                    [kernel_candidate(ctx, check, "WireGuard")],
                    located.origin,
                    fatal=True,
                )
            )
    return out


def _hook(ctx: NodeContext, expectation: Expectation, observed: str) -> Sequence[Candidate]:
    return []


@fact(
    id="encryption",
    status_line="Encryption",
    reads=(
        "encryption.enabled",
        "encryption.type",
        "encryption.nodeEncryption",
        "hostFirewall.enabled",
        "kubeProxyReplacement",
        "upgradeCompatibility",
        "nodePort.enabled",
        "extraConfig",
    ),
    observe=_observe,
    explain=standard("encryption.enabled", _hook),
    matches=_matches,
)
def encryption(ctx: NodeContext) -> Expectation:
    """Transparent encryption between pods: `Disabled`, `IPsec`, or `Wireguard [NodeEncryption: …]`.

    ## Rule
    Only with encryption.enabled: type ipsec writes enable-ipsec, wireguard writes
    enable-wireguard (plus encrypt-node with nodeEncryption); any other type writes nothing.

    ## Fallbacks
    None on the line (config-driven). Fatal: IPsec with the host firewall; IPsec with BPF
    NodePort on 1.14/1.15; WireGuard without kernel support (5.6+); IPsec and WireGuard
    together (only reachable through extraConfig, as encryption.type picks one): every
    version refuses it, not only 1.19 (verified: `newWireguardAgent` in
    cilium/cilium@v1.18.0:daemon/cmd/cells.go
    fatals `WireGuard (--enable-wireguard) cannot be used with IPsec (--enable-ipsec)` since
    WireGuard support landed, cilium/cilium PR #15383).

    ## Sources
    cilium/cilium@v1.18.0:pkg/status/status_collector.go (Encryption),
    cilium/cilium@v1.18.0:daemon/cmd/cells.go newWireguardAgent, cilium/cilium PR #15383;
    cilium/cilium@v1.18.0:install/kubernetes/cilium/templates/cilium-configmap.yaml
    (encryption keys); https://docs.cilium.io/en/stable/security/network/encryption-wireguard/
    """
    mode = s.encryption_mode(ctx)
    conflicts = _conflicts(ctx, mode.value)
    if mode.value == "ipsec":
        return expect("IPsec", mode.origin, conflicts=conflicts)
    if mode.value == "ztunnel":
        return expect("Ztunnel", mode.origin, conflicts=conflicts)
    if mode.value == "wireguard":
        node = s.truthy(s.helm(ctx, "encryption.nodeEncryption").value)
        word = "Enabled" if node else "Disabled"
        return expect(f"Wireguard [NodeEncryption: {word}]", mode.origin, conflicts=conflicts)
    return expect("Disabled", mode.origin, conflicts=conflicts)


FACTS = (encryption,)
