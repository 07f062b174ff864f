"""The library's front door: ``check`` runs the whole pipeline on files.

load (declared) -> parse (observed) -> compare (derive + explain) -> Report.
The CLI's ``check`` command is a thin layer over :func:`check`; ``live`` and ``--sysdump``
produce :class:`NodeObservation` objects themselves and call :func:`build_report`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ciliumdrift import __version__
from ciliumdrift.errors import InputError
from ciliumdrift.load.model import Declared
from ciliumdrift.model import (
    Diagnostic,
    Finding,
    Layer,
    Located,
    NodeObservation,
    Origin,
    Position,
    Report,
)

_VALUES_NAMES = re.compile(r"^(values|helmrelease|application|kustomization)[\w.-]*\.ya?ml$", re.I)
_TALOS_NAMES = re.compile(
    r"^(talos|controlplane|worker|machine|talconfig|patch)[\w.-]*\.ya?ml$", re.I
)
_STATUS_NAMES = re.compile(r"^status(?:[-_.](?P<node>[\w.-]+?))?\.(txt|json|ya?ml|log)$", re.I)


@dataclass(frozen=True)
class ExampleFiles:
    """The files of an example-shaped folder, sorted so that the merge order is stable."""

    values: tuple[str, ...]
    talos: tuple[str, ...]
    statuses: tuple[str, ...]


def discover(directory: str | Path) -> ExampleFiles:
    """Pick up ``values*.yaml``, ``talos*.yaml`` and ``status*.txt`` files of a folder.

    A status named ``status-<node>.txt`` is that node's; plain ``status.txt`` has no node name.
    """
    folder = Path(directory)
    if not folder.is_dir():
        raise InputError("not a directory", Position(str(directory), 1, 1))
    names = sorted(p.name for p in folder.iterdir() if p.is_file())
    values = tuple(str(folder / n) for n in names if _VALUES_NAMES.match(n))
    talos = tuple(str(folder / n) for n in names if _TALOS_NAMES.match(n))
    statuses = tuple(
        (f"{m.group('node')}={folder / n}" if m.group("node") else str(folder / n))
        for n in names
        if (m := _STATUS_NAMES.match(n))
    )
    if not (values or talos or statuses):
        raise InputError(
            "no values*.yaml, talos*.yaml or status*.txt files in this folder",
            Position(str(directory), 1, 1),
        )
    return ExampleFiles(values, talos, statuses)


def split_node_spec(spec: str) -> tuple[str | None, str]:
    """``node-1=path`` -> ("node-1", "path"); a bare path (or ``-``) has no node name."""
    if "=" in spec:
        node, _, rest = spec.partition("=")
        if node and rest and "/" not in node and not Path(spec).exists():
            return node, rest
    return None, spec


def parse_kernels(specs: Iterable[str]) -> dict[str | None, str]:
    """``--kernel 6.6.1`` (every node) and ``--kernel node-1=6.1.0`` (one node)."""
    kernels: dict[str | None, str] = {}
    for spec in specs:
        node, _, version = spec.rpartition("=")
        version = version.strip()
        if not re.match(r"^\d+\.\d+", version):
            raise InputError(f"--kernel {spec!r}: expected [NODE=]VERSION such as 6.12.5")
        kernels[node or None] = version
    return kernels


def read_statuses(specs: Sequence[str]) -> list[NodeObservation]:
    """Parse each ``[NODE=]FILE`` status spec into an observation."""
    from ciliumdrift.parse import parse_status
    from ciliumdrift.textio import read_text

    observations = []
    for spec in specs:
        node, path = split_node_spec(spec)
        name, text = read_text(path)
        status = parse_status(text, source=name)
        observations.append(NodeObservation(name=node, status=status, source=name))
    return observations


def _observed_version(observations: Sequence[NodeObservation]) -> str | None:
    for observation in observations:
        status = observation.status
        if status is not None and status.cilium is not None and status.cilium.version:
            return status.cilium.version
    return None


def check(
    directory: str | Path | None = None,
    *,
    values_files: Sequence[str] = (),
    set_flags: Sequence[Any] = (),
    talos_files: Sequence[str] = (),
    status_files: Sequence[str] = (),
    cilium_version: str | None = None,
    kernels: Mapping[str | None, str] | Sequence[str] = (),
    chart: str | None = None,
    agent_logs: Sequence[str] = (),
    node_configs: Sequence[str] = (),
    devices: Sequence[str] = (),
    node_labels: Sequence[str] = (),
) -> Report:
    """Compare what the files declare with what the statuses show; one call, one Report.

    ``agent_logs`` (``[NODE=]FILE``) are agent logs whose lines explain findings or become
    findings; ``node_configs`` are CiliumNodeConfig files whose overrides the selected nodes
    are expected to run (selected by ``node_labels``, ``NODE=KEY=VALUE``, and the hostname
    label); ``devices`` (``[NODE=]NAME:DRIVER``) say what the nodes' devices are.

    ``directory`` adds the files of an example-shaped folder (see :func:`discover`) before
    the explicit ones. ``status_files`` and ``kernels`` accept ``NODE=`` prefixes. The Cilium
    version is the flag's, else the wrapper's chart version, else the observed agent's.
    """
    from ciliumdrift.load import load_declared

    values = list(values_files)
    talos = list(talos_files)
    statuses = list(status_files)
    if directory is not None:
        found = discover(directory)
        values = [*found.values, *values]
        talos = [*found.talos, *talos]
        statuses = [*found.statuses, *statuses]
    kernel_map = dict(kernels) if isinstance(kernels, Mapping) else parse_kernels(kernels)
    observations = read_statuses(statuses)
    observations = with_node_inputs(observations, agent_logs, devices, node_labels)
    diagnostics: list[Diagnostic] = []
    version = cilium_version
    observed_version = None
    if version is None and not _wrapper_declares_version(values):
        version = observed_version = _observed_version(observations)
        if version is not None:
            diagnostics.append(
                Diagnostic(
                    f"Cilium version {version} taken from the observed status", code="version"
                )
            )
    declared = load_declared(
        tuple(values),
        set_flags=tuple(set_flags),
        talos_files=tuple(talos),
        cilium_version=version,
        chart=chart,
    )
    if observed_version is not None and declared.cilium_version is not None:
        origin = Origin(Layer.OBSERVED, key="cilium-version", detail="the observed Cilium line")
        declared = replace(declared, cilium_version=Located(declared.cilium_version.value, origin))
    inputs = {
        "values": values,
        "set": [getattr(flag, "text", str(flag)) for flag in set_flags],
        "talos": talos,
        "status": [o.source for o in observations],
        "cilium_version": declared.values.chart_version,
        "kernels": {k or "*": v for k, v in kernel_map.items()},
    }
    if agent_logs:
        inputs["agent_logs"] = list(agent_logs)
    if node_configs:
        inputs["node_configs"] = list(node_configs)
    return build_report(
        declared,
        observations,
        kernels=kernel_map,
        diagnostics=diagnostics,
        inputs=inputs,
        node_configs=read_node_config_files(node_configs),
    )


def read_node_config_files(paths: Sequence[str]) -> tuple[Any, ...]:
    """The CiliumNodeConfig objects of ``--node-config`` files."""
    if not paths:
        return ()
    from ciliumdrift.agent.nodeconfig import read_node_configs

    return read_node_configs(paths)


def with_node_inputs(
    observations: Sequence[NodeObservation],
    agent_logs: Sequence[str] = (),
    devices: Sequence[str] = (),
    node_labels: Sequence[str] = (),
) -> list[NodeObservation]:
    """Attach agent logs, device facts and labels to the observations of their nodes.

    A log, device or label for a node without a status gets an observation of its own (a
    fatal agent has no status, but its log says why). An unnamed log goes to the only
    status when there is one, else stands alone.
    """
    out = list(observations)
    if not (agent_logs or devices or node_labels):
        return out

    def index(node: str | None) -> int:
        for i, observation in enumerate(out):
            if observation.name == node or (
                node is not None
                and observation.name is None
                and observation.status is not None
                and observation.status.node == node
            ):
                return i
        if node is None and len(out) == 1:
            return 0
        out.append(NodeObservation(name=node, error="no status given for this node"))
        return len(out) - 1

    if agent_logs:
        from ciliumdrift.parse.agentlog import parse_agent_log
        from ciliumdrift.textio import read_text

        for spec in agent_logs:
            node, path = split_node_spec(spec)
            name, text = read_text(path)
            i = index(node)
            log = parse_agent_log(text, source=name, node=node or out[i].name)
            out[i] = replace(out[i], agent_log=log)
    if devices:
        from ciliumdrift.agent.devices import parse_device_flags

        for node, found in parse_device_flags(devices).items():
            targets = range(len(out)) if node is None else [index(node)]
            for i in targets:
                out[i] = replace(out[i], devices=(*out[i].devices, *found))
    for spec in node_labels:
        node, _, label = spec.partition("=")
        key, sep, value = label.partition("=")
        if not node or not sep or not key:
            raise InputError(f"--node-label {spec!r}: expected NODE=KEY=VALUE")
        i = index(node)
        out[i] = replace(out[i], labels={**(out[i].labels or {}), key: value})
    return out


def _wrapper_declares_version(values_files: Sequence[str]) -> bool:
    """Cheap look for a Flux/Argo wrapper whose chart version should win over the status."""
    for path in values_files:
        try:
            head = Path(path).read_text(encoding="utf-8", errors="replace")[:4096]
        except OSError:
            continue
        if re.search(r"^kind:\s*(HelmRelease|Application|ApplicationSet)\b", head, re.M):
            return True
    return False


def build_report(
    declared: Declared,
    observations: Sequence[NodeObservation],
    *,
    kernels: Mapping[str | None, str] | None = None,
    extra_findings: Sequence[Finding] = (),
    diagnostics: Sequence[Diagnostic] = (),
    inputs: Mapping[str, Any] | None = None,
    node_configs: Sequence[Any] = (),
) -> Report:
    """Compare and wrap: the one place a Report is assembled, for files, live and sysdump."""
    from ciliumdrift.compare import compare

    comparison = compare(declared, observations, kernels=kernels, node_configs=node_configs)
    remarks: list[Diagnostic] = [*declared.diagnostics, *diagnostics]
    remarks.extend(declared.values.diagnostics)
    if declared.talos is not None:
        remarks.extend(declared.talos.diagnostics)
    for observation in observations:
        if observation.status is not None:
            remarks.extend(observation.status.diagnostics)
    return Report(
        rows=comparison.rows,
        findings=(*comparison.findings, *extra_findings),
        diagnostics=tuple(dict.fromkeys(remarks)),
        inputs=dict(inputs or {}),
        tool_version=__version__,
    )


def expect(
    *,
    values_files: Sequence[str] = (),
    set_flags: Sequence[Any] = (),
    talos_files: Sequence[str] = (),
    cilium_version: str | None = None,
    kernels: Mapping[str | None, str] | Sequence[str] = (),
    chart: str | None = None,
) -> dict[str, Any]:
    """The status every node should show, with provenance and conditions (no status needed)."""
    from ciliumdrift.derive.expected import expected_state
    from ciliumdrift.load import load_declared

    declared = load_declared(
        tuple(values_files),
        set_flags=tuple(set_flags),
        talos_files=tuple(talos_files),
        cilium_version=cilium_version,
        chart=chart,
    )
    kernel_map = dict(kernels) if isinstance(kernels, Mapping) else parse_kernels(kernels)
    return expected_state(declared, kernel_map)
