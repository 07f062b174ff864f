"""The Report of collected data (a live run's or a sysdump's) against the declared files.

No cluster is read here, so ``check --sysdump`` and ``serve`` build their Report without
the collection's transport (:mod:`ciliumdrift.live.cluster` reads a cluster).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from ciliumdrift.api import declared_for, gather_inputs, read_node_config_files, report_for
from ciliumdrift.compare import merge_nodes
from ciliumdrift.errors import UnsupportedVersion
from ciliumdrift.inputs import VersionSource
from ciliumdrift.live.layers import attribute, layer_findings
from ciliumdrift.live.model import LiveResult
from ciliumdrift.model import Position, Report


def report_from(
    live: LiveResult,
    *,
    values_files: Sequence[str] = (),
    set_flags: Sequence[Any] = (),
    talos_files: Sequence[str] = (),
    cilium_version: str | None = None,
    chart: str | None = None,
    kernels: Mapping[str | None, str] | Sequence[str] = (),
    node_configs: Sequence[str] = (),
) -> Report:
    """A Report for collected (live or sysdump) data against the declared files.

    The Cilium version is resolved once (:func:`ciliumdrift.api.gather_inputs`): the flag,
    else the wrapper's pin, else ``.ciliumdrift.yaml``, else the deployed Helm release's
    chart, else the version most agents run.
    """

    release = live.deployed.release
    reported: list[tuple[str, str]] = []
    if live.cilium_version:
        reported.append(("the version most agents run", live.cilium_version))
    inputs, _ = gather_inputs(
        values_files=values_files,
        set_flags=set_flags,
        talos_files=talos_files,
        cilium_version=cilium_version,
        kernels=kernels,
        chart=chart,
        observations=live.observations,
        reported_versions=reported,
        deployed_version=release.chart_version if release is not None else None,
    )
    try:
        declared = declared_for(inputs)
    except UnsupportedVersion as error:
        if inputs.version.source not in (VersionSource.DEPLOYED, VersionSource.OBSERVED):
            raise
        # The version came from the cluster or sysdump, not from --cilium-version.
        raise UnsupportedVersion(
            f"{error.message} (the version was taken from {inputs.version.detail} of "
            f"{live.source}; pass --cilium-version)",
            Position(live.source, 1, 1),
        ) from None
    report = report_for(
        inputs,
        live.observations,
        declared=declared,
        extra_findings=layer_findings(declared, live),
        diagnostics=live.diagnostics,
        node_configs=read_node_config_files(node_configs),
        per_node=True,
        extra_inputs={
            **({"node_configs": list(node_configs)} if node_configs else {}),
            "cluster": live.source,
            "server": live.server,
            "context": live.context,
            "nodes": len(live.observations),
            "unreachable": len(live.unreachable),
            "cilium_version": declared.values.chart_version
            if inputs.version.value is None
            else inputs.version.value,
        },
    )
    # Per-node layers first, then identical findings across nodes become one.
    return replace(report, findings=merge_nodes(attribute(report.findings, declared, live)))
