"""IPAM: the allocator mode and the pod CIDR a node allocates from; the identity range."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from ciliumdrift.agent import settings as s
from ciliumdrift.agent.decide import conflict
from ciliumdrift.agent.explain import LIKELY, STRONG, Candidate, cause, said, talos_fix, values_fix
from ciliumdrift.agent.fact import Conflict, Expectation, NodeContext, fact
from ciliumdrift.agent.facts._common import expect, standard
from ciliumdrift.model import CauseKind, Evidence, Fix, Located, Severity
from ciliumdrift.parse.model import Status

_HOST_SCOPE = ("cluster-pool", "kubernetes")
_POOLED = ("eni", "azure", "alibabacloud", "crd")


def _observe(status: Status) -> str | None:
    ipam = status.ipam
    if ipam is None:
        return None
    parts = []
    for family in ipam.families:
        if family.cidr:
            parts.append(f"{family.family}: {family.cidr}")
        else:
            parts.append(f"{family.family}: allocated")
    if not parts:
        return ipam.message or None
    return ", ".join(parts)


def _networks(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def _within(expected: str, observed: str) -> bool:
    """``IPv4: /24 within 10.100.0.0/16`` against ``IPv4: 10.100.1.0/24``, per family."""
    wanted = dict(part.split(": ", 1) for part in _networks(expected) if ": " in part)
    seen = dict(part.split(": ", 1) for part in _networks(observed) if ": " in part)
    if not wanted:
        return " ".join(expected.split()) == " ".join(observed.split())
    for family, rule in wanted.items():
        got = seen.get(family)
        if got is None:
            return False
        if rule in ("allocated", "pool(s) available", "delegated to plugin"):
            continue
        size, _, pools = rule.partition(" within ")
        try:
            network = ipaddress.ip_network(got, strict=False)
        except ValueError:
            return False
        if size.startswith("/") and network.prefixlen != int(size[1:]):
            return False
        if not any(
            network.version == p.version and network.subnet_of(p)  # type: ignore[arg-type]
            for p in (ipaddress.ip_network(x, strict=False) for x in pools.split())
        ):
            return False
    return True


def _pools(
    ctx: NodeContext, mode: str, family: str
) -> tuple[list[str], Located[object] | None, int | None]:
    """The CIDRs node pod CIDRs come from, where that was declared, and the mask size."""
    if mode == "cluster-pool":
        key = "clusterPoolIPv4PodCIDRList" if family == "IPv4" else "clusterPoolIPv6PodCIDRList"
        mask_key = "clusterPoolIPv4MaskSize" if family == "IPv4" else "clusterPoolIPv6MaskSize"
        pools = s.helm(ctx, f"ipam.operator.{key}")
        mask = s.helm(ctx, f"ipam.operator.{mask_key}")
        raw = pools.value
        items = raw if isinstance(raw, (list, tuple)) else str(raw or "").split()
        default_mask = 24 if family == "IPv4" else 120
        size = int(mask.value) if isinstance(mask.value, int) else default_mask
        return [str(i) for i in items], pools, size
    talos = ctx.talos
    if talos is not None and talos.pod_subnets is not None:
        subnets = [c for c in talos.pod_subnets.value if (":" in c) == (family == "IPv6")]
        return subnets, talos.pod_subnets, 24 if family == "IPv4" else 64  # type: ignore[return-value]
    return [], None, None


def _talos_conflicts(ctx: NodeContext, mode: str) -> list[Conflict]:
    talos = ctx.talos
    if talos is None or talos.pod_subnets is None:
        return []
    if mode != "cluster-pool":
        return []
    pools, _, _ = _pools(ctx, mode, "IPv4")
    subnets = [c for c in talos.pod_subnets.value if ":" not in c]
    if not subnets or not pools:
        return []
    return [
        conflict(
            "ipam-ignores-talos-pod-subnets",
            "IPAM cluster-pool allocates pod CIDRs from "
            f"{' '.join(pools)}, not from the Talos pod subnet {', '.join(subnets)}: Talos' "
            "controller manager hands nodes other CIDRs than Cilium uses.",
            [
                Candidate(
                    STRONG,
                    cause(
                        CauseKind.TALOS_CONFLICT,
                        "On Talos the node pod CIDRs come from cluster.network.podSubnets; Talos "
                        "and Cilium guides use ipam.mode: kubernetes.",
                        said("ipam.mode", s.ipam_mode(ctx)),
                        said("cluster.network.podSubnets", talos.pod_subnets),
                    ),
                    values_fix(
                        "Use the node pod CIDRs Talos assigns", [("ipam.mode", "kubernetes")]
                    ),
                )
            ],
            s.ipam_mode(ctx).origin,
            severity=Severity.WARNING,
        )
    ]


def _hook(ctx: NodeContext, expectation: Expectation, observed: str) -> Sequence[Candidate]:
    out: list[Candidate] = []
    mode = s.ipam_mode(ctx)
    if mode.value == "cluster-pool" and "allocated" not in observed:
        pools = s.helm(ctx, "ipam.operator.clusterPoolIPv4PodCIDRList")
        # The operator hands a node its podCIDRs once and keeps them in the CiliumNode: a
        # changed pool list reaches new nodes only (cilium/cilium#27245; Cilium docs,
        # "cluster-pool": do not change existing elements of the list).
        out.append(
            Candidate(
                STRONG,
                cause(
                    CauseKind.NOT_APPLIED,
                    "The node keeps the pod CIDR the operator allocated before the pool changed: "
                    "CiliumNode spec.ipam.podCIDRs are never re-allocated, so a new "
                    "clusterPoolIPv4PodCIDRList applies to new nodes only.",
                    said("ipam.operator.clusterPoolIPv4PodCIDRList", pools),
                    Evidence(f"the node allocates from {observed}"),
                ),
                Fix(
                    summary="Recreate the node's CiliumNode (drain, kubectl delete ciliumnode "
                    "<node>, restart its agent) or keep the old CIDR in the pool list"
                ),
            )
        )
    if mode.value == "kubernetes" and ctx.talos is not None and ctx.talos.pod_subnets is not None:
        out.append(
            Candidate(
                LIKELY + 0.05,
                cause(
                    CauseKind.TALOS_CONFLICT,
                    "The node's spec.podCIDR is not inside the Talos pod subnets: the cluster was "
                    "created with other podSubnets (Kubernetes never changes a node's podCIDR).",
                    said("cluster.network.podSubnets", ctx.talos.pod_subnets),
                ),
                talos_fix(
                    "Declare the pod subnet the cluster actually uses",
                    "cluster.network.podSubnets",
                    [observed.split(": ", 1)[-1]],
                ),
            )
        )
    return out


@fact(
    id="ipam",
    status_line="IPAM",
    reads=(
        "ipam.mode",
        "ipam.operator.clusterPoolIPv4PodCIDRList",
        "ipam.operator.clusterPoolIPv4MaskSize",
        "ipam.operator.clusterPoolIPv6PodCIDRList",
        "ipam.operator.clusterPoolIPv6MaskSize",
        "ipv4.enabled",
        "ipv6.enabled",
    ),
    observe=_observe,
    explain=standard("ipam.mode", _hook),
    matches=_within,
)
def ipam(ctx: NodeContext) -> Expectation:
    """The IPAM mode and the pod CIDR each family allocates from.

    ## Rule
    `ipam` = ipam.mode (default cluster-pool). cluster-pool: a /clusterPoolIPv4MaskSize (24)
    subnet of clusterPoolIPv4PodCIDRList (10.0.0.0/8). kubernetes: the Node's spec.podCIDR,
    which on Talos is a /24 of cluster.network.podSubnets (default 10.244.0.0/16). ENI, Azure,
    Alibaba, CRD print `allocated` without a CIDR; multi-pool `IPAM pool(s) available`.

    ## Fallbacks
    None. Without Talos facts the Kubernetes pod CIDR is a node fact (conditional). In
    cluster-pool mode a node keeps the CIDR the operator gave it: a changed
    clusterPoolIPv4PodCIDRList reaches new nodes only (cilium/cilium#27245). The removed
    singular clusterPoolIPv4PodCIDR is ignored (cilium/cilium#23872, data/removed.yaml).

    ## Sources
    cilium/cilium@v1.18.0:pkg/ipam/hostscope.go and crd.go (Dump),
    cilium/cilium@v1.18.0:operator/cmd/flags.go; https://docs.cilium.io/en/stable/network/concepts/ipam/;
    https://docs.cilium.io/en/stable/installation/k8s-install-talos-linux/ (ipam.mode kubernetes);
    https://www.talos.dev/v1.12/reference/configuration/v1alpha1/config/ (podSubnets default).
    """
    mode = s.ipam_mode(ctx)
    conflicts = _talos_conflicts(ctx, mode.value)
    families = [
        f
        for f, on in (("IPv4", s.ipv4_enabled(ctx).value), ("IPv6", s.ipv6_enabled(ctx).value))
        if on
    ]
    parts: list[str] = []
    source = mode.origin
    condition = None
    for family in families:
        if mode.value in _HOST_SCOPE:
            if ctx.pod_cidrs:
                own = [c for c in ctx.pod_cidrs if (":" in c) == (family == "IPv6")]
                if own:
                    net = ipaddress.ip_network(own[0], strict=False)
                    parts.append(f"{family}: /{net.prefixlen} within {net}")
                    continue
            pools, located, size = _pools(ctx, mode.value, family)
            if not pools:
                parts.append(f"{family}: allocated")
                condition = "the node's pod CIDR comes from kube-controller-manager (unknown here)"
                continue
            if located is not None and mode.value == "cluster-pool":
                source = located.origin
            parts.append(f"{family}: /{size} within {' '.join(pools)}")
            if mode.value == "kubernetes":
                condition = (
                    "the node's pod CIDR mask is kube-controller-manager's node-cidr-mask-size"
                )
        elif mode.value in _POOLED:
            parts.append(f"{family}: allocated")
        elif mode.value == "multi-pool":
            return expect(
                "IPAM pool(s) available", mode.origin, conflicts=conflicts, condition="multi-pool"
            )
        else:
            return expect(None, mode.origin, conflicts=conflicts, detail=f"ipam mode {mode.value}")
    return expect(", ".join(parts), source, conflicts=conflicts, condition=condition)


def _observe_identity(status: Status) -> str | None:
    rng = status.identity_range
    if rng is None or rng.minimum is None or rng.maximum is None:
        return None
    return f"min {rng.minimum}, max {rng.maximum}"


def identity_bounds(cluster_id: int, max_clusters: int) -> tuple[int, int]:
    shift = 24 - (max_clusters + 1).bit_length() + 1
    low = (1 << shift) * cluster_id if cluster_id > 0 else 256
    high = (1 << shift) * (cluster_id + 1) - 1
    return low, high


@fact(
    id="identity-range",
    status_line="Global Identity Range",
    reads=("cluster.id", "cluster.name", "clustermesh.maxConnectedClusters"),
    observe=_observe_identity,
    explain=standard("cluster.id"),
)
def identity_range(ctx: NodeContext) -> Expectation:
    """The global security-identity range, from the cluster ID.

    ## Rule
    shift = 24 - log2(max-connected-clusters + 1) (255 -> 16, 511 -> 15; fixed 16 in 1.14);
    min = cluster-id > 0 ? (1 << shift) * id : 256; max = (1 << shift) * (id + 1) - 1.

    ## Fallbacks
    None. Fatal: cluster-id outside 0..max-connected-clusters; a non-zero id with the cluster
    name `default`; max-connected-clusters other than 255/511.

    ## Sources
    cilium/cilium@v1.14.0:pkg/identity/numericidentity.go and
    cilium/cilium@v1.18.0:pkg/identity/numericidentity.go (identity range from cluster-id),
    cilium/cilium@v1.15.0:pkg/clustermesh/types/option.go (max-connected-clusters).
    """
    located = s.helm(ctx, "cluster.id")
    try:
        cluster_id = int(located.value or 0)
    except (TypeError, ValueError):
        cluster_id = 0
    maximum = 255
    if s.gate(ctx, "max-connected-clusters"):
        raw = s.helm(ctx, "clustermesh.maxConnectedClusters").value
        maximum = int(raw) if isinstance(raw, int) else 255
    conflicts: list[Conflict] = []
    name = s.helm(ctx, "cluster.name")
    problems: list[tuple[str, str]] = []
    if maximum not in (255, 511):
        problems.append(
            (
                f"--max-connected-clusters={maximum} is invalid; supported values are [255, 511]",
                "clustermesh.maxConnectedClusters",
            )
        )
    if not 0 <= cluster_id <= maximum:
        problems.append(
            (f"invalid cluster id {cluster_id}: must be in range 0..{maximum}", "cluster.id")
        )
    if cluster_id != 0 and str(name.value or "default") == "default":
        problems.append(
            ("cannot use default cluster name (default) with option cluster-id", "cluster.name")
        )
    for message, key in problems:
        conflicts.append(
            conflict(
                "invalid-value",
                f"{message}: the agent exits at start.",
                [
                    Candidate(
                        STRONG,
                        cause(
                            CauseKind.CONFLICTING_SETTING,
                            message,
                            said(key, s.helm(ctx, key)),
                            Evidence("cilium/cilium@v1.18.0:pkg/identity/numericidentity.go"),
                        ),
                        values_fix("Name the cluster", [("cluster.name", "my-cluster")])
                        if key == "cluster.name"
                        else None,
                    )
                ],
                s.helm(ctx, key).origin,
                fatal=True,
            )
        )
    if maximum not in (255, 511):
        maximum = 255
    low, high = identity_bounds(max(cluster_id, 0), maximum)
    return expect(f"min {low}, max {high}", located.origin, conflicts=conflicts)


FACTS = (ipam, identity_range)
