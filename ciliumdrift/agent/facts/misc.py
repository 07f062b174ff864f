"""The remaining config-determined lines: host firewall, SRv6, CNI chaining, KVStore,
Cilium version, clock source, and the Kubernetes connection (KubePrism on Talos)."""

from __future__ import annotations

from collections.abc import Sequence

from ciliumdrift.agent import settings as s
from ciliumdrift.agent.decide import conflict, kernel, kernel_candidate
from ciliumdrift.agent.explain import (
    CERTAIN,
    STRONG,
    Candidate,
    cause,
    explanation,
    restart_fix,
    said,
    talos_fix,
    values_fix,
    where,
)
from ciliumdrift.agent.fact import Conflict, Expectation, NodeContext, fact
from ciliumdrift.agent.facts._common import expect, standard
from ciliumdrift.model import CauseKind, Evidence, Fix, Layer, Origin, Severity
from ciliumdrift.parse.model import Status
from ciliumdrift.versions import version_tuple

_STATE_ON = ("ok", "warning", "failure")


def _observe_firewall(status: Status) -> str | None:
    return status.host_firewall.mode if status.host_firewall is not None else None


@fact(
    id="host-firewall",
    status_line="Host firewall",
    reads=("hostFirewall.enabled",),
    observe=_observe_firewall,
    explain=standard("hostFirewall.enabled"),
)
def host_firewall(ctx: NodeContext) -> Expectation:
    """The eBPF host firewall: `Enabled [devices]` or `Disabled`.

    ## Rule
    enable-host-firewall = hostFirewall.enabled (default false; written only when true up to 1.18).

    ## Fallbacks
    None; IPsec with the host firewall is fatal (see encryption).

    ## Sources
    cilium/cilium@v1.17.0:daemon/cmd/status.go, cilium/cilium@v1.18.0:pkg/option/config.go
    (enable-host-firewall); https://docs.cilium.io/en/stable/security/host-firewall/
    """
    enabled = s.flag(ctx, "hostFirewall.enabled", "enable-host-firewall")
    return expect("Enabled" if enabled.value else "Disabled", enabled.origin)


def _observe_srv6(status: Status) -> str | None:
    srv6 = status.srv6
    if srv6 is None:
        return None
    if not srv6.enabled:
        return "Disabled"
    return f"Enabled [encap-mode: {srv6.encap_mode}]" if srv6.encap_mode else "Enabled"


def _extra(ctx: NodeContext, key: str) -> tuple[object, Origin | None]:
    extra = ctx.values.get("extraConfig")
    if extra is None or not isinstance(extra.value, dict) or key not in extra.value:
        return None, None
    return extra.value[key], ctx.values.origin(f"extraConfig.{key}")


@fact(
    id="srv6",
    status_line="SRv6",
    since="1.15",
    reads=("extraConfig",),
    observe=_observe_srv6,
    explain=standard("extraConfig"),
)
def srv6(ctx: NodeContext) -> Expectation | None:
    """Segment Routing over IPv6: `Disabled` or `Enabled [encap-mode: reduced|srh]`.

    ## Rule
    The chart has no SRv6 value; enable-srv6 (default false) and srv6-encap-mode (default
    reduced) reach cilium-config only through extraConfig. Line printed from 1.15.

    ## Fallbacks
    None; SRv6 without IPv6 is fatal.

    ## Sources
    cilium/cilium@v1.18.0:pkg/option/config.go (enable-srv6, srv6-encap-mode).
    """
    if not s.gate(ctx, "srv6-status-line"):
        return None
    value, origin = _extra(ctx, "enable-srv6")
    if value is None or not s.truthy(value):
        source = origin or Origin(
            Layer.AGENT_DEFAULT, key="enable-srv6", version=ctx.cilium_version
        )
        return expect("Disabled", source)
    mode, _ = _extra(ctx, "srv6-encap-mode")
    return expect(f"Enabled [encap-mode: {mode or 'reduced'}]", origin)


def _observe_chaining(status: Status) -> str | None:
    return status.cni_chaining


def _cni_conflicts(ctx: NodeContext, mode: str) -> list[Conflict]:
    talos = ctx.talos
    if talos is None or talos.cni is None:
        return []
    name = str(talos.cni.value)
    if name == "none" or (name == "flannel" and mode == "flannel"):
        return []
    if name == "custom":
        return []
    return [
        conflict(
            "talos-cni-not-none",
            f"Talos deploys its own CNI ({name}) beside Cilium.",
            [
                Candidate(
                    STRONG,
                    cause(
                        CauseKind.TALOS_CONFLICT,
                        "cluster.network.cni.name must be none when Cilium is the CNI.",
                        said("cluster.network.cni.name", talos.cni),
                    ),
                    talos_fix("Let Cilium be the only CNI", "cluster.network.cni.name", "none"),
                )
            ],
            talos.cni.origin,
        )
    ]


@fact(
    id="cni-chaining",
    status_line="CNI Chaining",
    reads=("cni.chainingMode", "cni.chainingTarget"),
    observe=_observe_chaining,
    explain=standard("cni.chainingMode"),
)
def cni_chaining(ctx: NodeContext) -> Expectation:
    """Whether Cilium chains behind another CNI (`none`, `aws-cni`, `generic-veth`, …).

    ## Rule
    cni.chainingMode, else generic-veth when cni.chainingTarget is set, else none. A chaining
    mode also makes the chart write enable-host-legacy-routing: true. Talos: cni.name must be
    none (else Talos deploys Flannel too).

    ## Fallbacks
    None.

    ## Sources
    cilium/cilium@v1.18.0:install/kubernetes/cilium/templates/cilium-configmap.yaml
    (cni-chaining-mode, enable-host-legacy-routing);
    https://www.talos.dev/v1.12/reference/configuration/v1alpha1/config/ (cluster.network.cni).
    """
    mode = s.chaining_mode(ctx)
    return expect(mode.value, mode.origin, conflicts=_cni_conflicts(ctx, mode.value))


def _observe_kvstore(status: Status) -> str | None:
    kv = status.kvstore
    if kv is None:
        return None
    if kv.state == "Ok" and kv.message.strip() == "Disabled":
        return "Disabled"
    return kv.state


def _matches_kvstore(expected: str, observed: str) -> bool:
    if expected == "Ok":
        return observed.casefold() in _STATE_ON
    return expected.casefold() == observed.casefold()


@fact(
    id="kvstore",
    status_line="KVStore",
    reads=("etcd.enabled",),
    observe=_observe_kvstore,
    explain=standard("etcd.enabled"),
    matches=_matches_kvstore,
)
def kvstore(ctx: NodeContext) -> Expectation:
    """Whether the agent uses an etcd kvstore (`Disabled` in CRD mode).

    ## Rule
    etcd.enabled writes kvstore: etcd; otherwise identities live in CRDs and the line says
    `Disabled` (1.17+) or `Ok   Disabled` (up to 1.16).

    ## Fallbacks
    None; an unreachable etcd is health.

    ## Sources
    cilium/cilium@v1.18.0:pkg/status/status_collector.go (KVStore probe),
    cilium/cilium@v1.18.0:install/kubernetes/cilium/templates/cilium-configmap.yaml (etcd);
    cilium/cilium@v1.16.0:pkg/client/client.go FormatStatusResponse (`KVStore:\t<state>\t<msg>`,
    hence `Ok Disabled` up to 1.16; real 1.16.4 outputs show `Ok Disabled`, 1.17 ones
    `Disabled`).
    """
    etcd = s.helm(ctx, "etcd.enabled")
    return expect("Ok" if s.truthy(etcd.value) else "Disabled", etcd.origin)


def _observe_version(status: Status) -> str | None:
    return status.cilium.version if status.cilium is not None else None


def _same_version(expected: str, observed: str) -> bool:
    return version_tuple(expected) == version_tuple(observed)


def _version_explain(ctx: NodeContext, expectation: Expectation, observed: str):  # type: ignore[no-untyped-def]
    return explanation(
        [
            Candidate(
                CERTAIN,
                cause(
                    CauseKind.NOT_APPLIED,
                    f"The agents run Cilium {observed}, not the declared {expectation.value}: the "
                    "upgrade was not deployed, is still rolling, or failed (a chart render error "
                    "keeps the previous release).",
                    Evidence(
                        f"declared {expectation.value} ({where(expectation.source)})",
                        expectation.source,
                    ),
                ),
                Fix(
                    summary="Deploy the declared chart version (helm upgrade … --version "
                    f"{expectation.value}) and check `helm history cilium -n kube-system`.",
                ),
            )
        ]
    )


@fact(
    id="cilium-version",
    status_line="Cilium",
    reads=(),
    observe=_observe_version,
    explain=_version_explain,
    matches=_same_version,
)
def cilium_version(ctx: NodeContext) -> Expectation:
    """The Cilium version the agents run is the declared chart version.

    ## Rule
    The declared version (--cilium-version, the Flux/Argo chart version, or the chart the
    values were merged over) must be the version in `Cilium: Ok <version>`. Kernel floor:
    Cilium 1.18+ exits at start below Linux 5.10.

    ## Fallbacks
    None.

    ## Sources
    cilium/cilium@v1.18.0:pkg/datapath/linux/requirements.go (minimum kernel),
    cilium/cilium@v1.18.0:pkg/client/client.go (the Cilium line);
    https://docs.cilium.io/en/stable/operations/system_requirements/
    """
    origin = ctx.version_origin or Origin(
        Layer.DEPLOYED, detail=f"declared Cilium {ctx.cilium_version}", version=ctx.cilium_version
    )
    conflicts: list[Conflict] = []
    check = kernel(ctx, "agent-minimum")
    if check.too_old and check.rule is not None and check.rule.effect == "fatal":
        conflicts.append(
            conflict(
                "kernel-below-cilium-minimum",
                f"Cilium {ctx.cilium_version} requires Linux {check.rule.min_kernel}: the agent "
                "exits at start.",
                [kernel_candidate(ctx, check, f"Cilium {ctx.cilium_version}")],
                origin,
                fatal=True,
            )
        )
    if not ctx.version_known:  # nothing declared: any version the agents run is possible
        return expect(
            ctx.cilium_version,
            origin,
            conflicts=conflicts,
            condition="no Cilium version given (--cilium-version, a wrapper pin or "
            ".ciliumdrift.yaml)",
        )
    return expect(ctx.cilium_version, origin, conflicts=conflicts)


def _observe_clock(status: Status) -> str | None:
    return status.clock_source.mode if status.clock_source is not None else None


def _clock_hook(ctx: NodeContext, expectation: Expectation, observed: str) -> Sequence[Candidate]:
    if observed == "ktime" and expectation.value == "jiffies":
        return [
            Candidate(
                STRONG,
                cause(
                    CauseKind.REQUIREMENT_MISSING,
                    "The agent could not determine KERNEL_HZ or the kernel does not expose "
                    "jiffies, "
                    "so it auto-disabled the BPF clock probe.",
                ),
            )
        ]
    return []


@fact(
    id="clock-source",
    status_line="Clock Source for BPF",
    reads=("bpfClockProbe",),
    observe=_observe_clock,
    explain=standard("bpfClockProbe", _clock_hook),
)
def clock_source(ctx: NodeContext) -> Expectation:
    """The BPF clock source (verbose only): `jiffies [<HZ> Hz]` or `ktime`.

    ## Rule
    bpfClockProbe (default false) asks for jiffies; otherwise ktime.

    ## Fallbacks
    ktime when KERNEL_HZ cannot be determined, the kernel lacks bpf_jiffies64 (< 5.5,
    1.14-1.17) or does not expose jiffies.

    ## Sources
    cilium/cilium@v1.17.0:daemon/cmd/daemon_main.go initClockSourceOption (same from
    v1.14.0), cilium/cilium@v1.18.0:daemon/cmd/daemon_main.go.
    """
    probe = s.flag(ctx, "bpfClockProbe", "enable-bpf-clock-probe")
    if not probe.value:
        return expect("ktime", probe.origin)
    check = kernel(ctx, "clock-jiffies")
    if check.too_old:
        reason = kernel_candidate(ctx, check, "The jiffies clock source")
        return expect("ktime", probe.origin, reasons=[reason])
    return expect(
        "jiffies",
        probe.origin,
        condition="the kernel must expose jiffies and KERNEL_HZ",
    )


def _observe_kubernetes(status: Status) -> str | None:
    return status.kubernetes.state if status.kubernetes is not None else None


def _matches_kubernetes(expected: str, observed: str) -> bool:
    # Not Ok is health (the API server may be down); config decides only Ok vs Disabled.
    return observed.casefold() in _STATE_ON if expected == "Ok" else expected == observed


_LOCAL = ("localhost", "127.0.0.1", "::1", "[::1]")


def kubernetes_conflicts(ctx: NodeContext) -> list[Conflict]:
    """KubePrism against k8sServiceHost/Port, and KPR without a reachable API address."""
    host = s.helm(ctx, "k8sServiceHost")
    port = s.helm(ctx, "k8sServicePort")
    talos = ctx.talos
    out: list[Conflict] = []
    host_value = str(host.value or "").strip()
    if talos is not None and host_value in _LOCAL:
        enabled = talos.kubeprism_enabled
        prism_port = talos.kubeprism_port
        if enabled is not None and not enabled.value:
            out.append(
                conflict(
                    "kubeprism-disabled",
                    f"k8sServiceHost {host_value} points at KubePrism, which the Talos config does "
                    "not enable: the agent cannot reach the API server.",
                    [
                        Candidate(
                            STRONG,
                            cause(
                                CauseKind.TALOS_CONFLICT,
                                "KubePrism is disabled in Talos (machine.features.kubePrism).",
                                said("k8sServiceHost", host),
                                said("machine.features.kubePrism.enabled", enabled),
                            ),
                            talos_fix(
                                "Enable KubePrism", "machine.features.kubePrism.enabled", True
                            ),
                        )
                    ],
                    host.origin,
                )
            )
        elif prism_port is not None and str(port.value or "").strip() not in (
            "",
            str(prism_port.value),
        ):
            out.append(
                conflict(
                    "kubeprism-port-mismatch",
                    f"k8sServicePort {port.value} is not the KubePrism port {prism_port.value}: "
                    "the agent cannot reach the API server on localhost.",
                    [
                        Candidate(
                            STRONG,
                            cause(
                                CauseKind.TALOS_CONFLICT,
                                f"KubePrism listens on {prism_port.value} (siderolabs/talos#9132).",
                                said("k8sServicePort", port),
                                said("machine.features.kubePrism.port", prism_port),
                            ),
                            values_fix(
                                "Use the KubePrism port", [("k8sServicePort", prism_port.value)]
                            ),
                        )
                    ],
                    port.origin,
                )
            )
    if host_value == "" and s.kpr_enabled(ctx):
        proxy_gone = (
            talos is not None
            and talos.kube_proxy_disabled is not None
            and talos.kube_proxy_disabled.value
        )
        if proxy_gone or talos is None:
            out.append(
                conflict(
                    "kpr-without-api-server-address",
                    "kubeProxyReplacement is true but k8sServiceHost is empty: without kube-proxy "
                    "the "
                    "agent cannot reach the API server through the kubernetes Service.",
                    [
                        Candidate(
                            STRONG if proxy_gone else STRONG - 0.2,
                            cause(
                                CauseKind.REQUIREMENT_MISSING,
                                "Kube-proxy-free installs must name the API server "
                                "(k8sServiceHost/Port).",
                                said("k8sServiceHost", host),
                                said("kubeProxyReplacement", s.kpr_value(ctx)),
                            ),
                            values_fix(
                                "Name the API server (KubePrism on Talos)",
                                [("k8sServiceHost", "localhost"), ("k8sServicePort", 7445)],
                            ),
                        )
                    ],
                    host.origin,
                    # Without a Talos config nothing says kube-proxy is gone: kubeadm deploys it,
                    # and installers (cilium-cli, cloud add-ons) fill the address in at install
                    # time. Only Talos' cluster.proxy.disabled makes the failure certain.
                    severity=Severity.ERROR if proxy_gone else Severity.NOTE,
                    # `Kubernetes: Ok` shows the agents reach the API server all the same.
                    settled_by_status=True,
                )
            )
    return out


@fact(
    id="kubernetes",
    status_line="Kubernetes",
    reads=("k8sServiceHost", "k8sServicePort", "kubeProxyReplacement", "upgradeCompatibility"),
    observe=_observe_kubernetes,
    explain=standard("k8sServiceHost"),
    matches=_matches_kubernetes,
)
def kubernetes(ctx: NodeContext) -> Expectation:
    """The agent reaches the Kubernetes API server (on Talos usually through KubePrism).

    ## Rule
    Always `Ok` when configured right. k8sServiceHost/Port become KUBERNETES_SERVICE_HOST/PORT
    of the agent; `localhost`/`127.0.0.1` means KubePrism on Talos, which must be enabled and
    listen on k8sServicePort. Kube-proxy-free installs need k8sServiceHost.

    ## Fallbacks
    None; a wrong address shows as a failing Kubernetes line or an agent that never starts.

    ## Sources
    https://www.talos.dev/v1.12/kubernetes-guides/configuration/kubeprism/; siderolabs/talos#9132;
    https://docs.cilium.io/en/stable/installation/k8s-install-talos-linux/ (k8sServiceHost
    localhost, k8sServicePort 7445).
    """
    host = s.helm(ctx, "k8sServiceHost")
    return expect("Ok", host.origin, conflicts=kubernetes_conflicts(ctx))


FACTS = (
    host_firewall,
    srv6,
    cni_chaining,
    kvstore,
    cilium_version,
    clock_source,
    kubernetes,
)

__all__ = ["FACTS", "restart_fix"]
