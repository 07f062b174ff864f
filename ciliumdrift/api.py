"""The library's front door: ``check`` runs the whole pipeline on files.

load (declared) -> parse (observed) -> compare (derive + explain) -> Report.
The CLI's ``check`` command is a thin layer over :func:`check`; ``live`` and ``--sysdump``
produce :class:`NodeObservation` objects themselves and call :func:`build_report`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ciliumdrift import __version__
from ciliumdrift.agent.devices import parse_device_flags
from ciliumdrift.agent.nodeconfig import read_node_configs
from ciliumdrift.agent.tables import chart_default
from ciliumdrift.compare import compare, merge_nodes
from ciliumdrift.config import find_settings
from ciliumdrift.derive.expected import expected_state
from ciliumdrift.derive.intent import common_intent, defaults_only, unchanged_facts
from ciliumdrift.errors import InputError, UnsupportedVersion
from ciliumdrift.inputs import UNKNOWN_VERSION, Inputs, resolve_cilium_version
from ciliumdrift.load import load_declared
from ciliumdrift.load.chart import available_versions, resolve_version
from ciliumdrift.load.helm import wrapper_chart_version
from ciliumdrift.load.model import Declared, join_key
from ciliumdrift.load.setflags import SetFlag
from ciliumdrift.load.tree import to_plain
from ciliumdrift.load.wrappers import assemble
from ciliumdrift.parse import parse_status
from ciliumdrift.parse.agentlog import parse_agent_log
from ciliumdrift.parse.kernellog import parse_kernel_log
from ciliumdrift.textio import read_text

if TYPE_CHECKING:
    from ciliumdrift.config import Settings
    from ciliumdrift.inputs import Inputs
from ciliumdrift.model import (
    Diagnostic,
    Finding,
    Layer,
    NodeObservation,
    Position,
    Report,
)
from ciliumdrift.records import record
from ciliumdrift.regex import lazy_pattern

_VALUES_NAMES = lazy_pattern(
    r"^(values|helmrelease|application|kustomization)[\w.-]*\.ya?ml$", re.I
)
_TALOS_NAMES = lazy_pattern(
    r"^(talos|controlplane|worker|machine|talconfig|patch)[\w.-]*\.ya?ml$", re.I
)
_STATUS_NAMES = lazy_pattern(r"^status(?:[-_.](?P<node>[\w.-]+?))?\.(txt|json|ya?ml|log)$", re.I)
_AGENT_LOG_NAMES = lazy_pattern(r"^agent(?:[-_.](?P<node>[\w.-]+?))?\.log$", re.I)
_KERNEL_LOG_NAMES = lazy_pattern(
    r"^(?:dmesg|kernel)(?:[-_.](?P<node>[\w.-]+?))?\.(?:log|txt)$", re.I
)
_NODE_CONFIG_NAMES = lazy_pattern(r"^node-?config[\w.-]*\.ya?ml$", re.I)


@record
class ExampleFiles:
    """The files of an example-shaped folder, in the order they are merged."""

    values: tuple[str, ...]
    talos: tuple[str, ...]
    statuses: tuple[str, ...]
    agent_logs: tuple[str, ...] = ()
    node_configs: tuple[str, ...] = ()
    kernel_logs: tuple[str, ...] = ()


_BASE_VALUES = ("values.yaml", "values.yml")


def discover(directory: str | Path) -> ExampleFiles:
    """Pick up ``values*.yaml``, ``talos*.yaml``, ``status*.txt``, ``agent*.log``,
    ``dmesg*.log`` / ``kernel*.log`` and ``node-config*.yaml`` files of a folder.

    Values are merged in this order, as ``helm -f`` would be given them: wrappers
    (``helmrelease*``, ``application*``, ``kustomization*``), then ``values.yaml``, then the
    other ``values*.yaml`` files in name order (``values-override.yaml`` after
    ``values.yaml``). When two of those other files set the same key to different values,
    their order matters and a folder cannot say it: the folder is refused, naming the key;
    pass the files with ``-f`` in order (or list them under ``values`` in
    ``.ciliumdrift.yaml``). A status named ``status-<node>.txt`` (a log ``agent-<node>.log``)
    (a kernel log ``dmesg-<node>.log``) is that node's; plain ``status.txt`` has no node name.
    """
    folder = Path(directory)
    if not folder.is_dir():
        raise InputError("not a directory", Position(str(directory), 1, 1))
    names = sorted(p.name for p in folder.iterdir() if p.is_file())
    candidates = [n for n in names if _VALUES_NAMES.match(n)]
    base = [n for n in candidates if n.lower() in _BASE_VALUES]
    if len(base) > 1:
        raise InputError(
            "both values.yaml and values.yml: which one does Helm get? Keep one, or pass "
            "them with -f in order",
            Position(str(folder / base[1]), 1, 1),
        )
    plain = [n for n in candidates if n.lower().startswith("values") and n not in base]
    wrappers = [n for n in candidates if n not in base and n not in plain]
    if len(plain) > 1:
        _refuse_ambiguous_overlays(folder, plain)
    values = tuple(str(folder / n) for n in (*wrappers, *base, *plain))
    talos = tuple(str(folder / n) for n in names if _TALOS_NAMES.match(n))
    statuses = tuple(
        (f"{m.group('node')}={folder / n}" if m.group("node") else str(folder / n))
        for n in names
        if (m := _STATUS_NAMES.match(n))
    )
    logs = tuple(
        (f"{m.group('node')}={folder / n}" if m.group("node") else str(folder / n))
        for n in names
        if (m := _AGENT_LOG_NAMES.match(n))
    )
    kernel_logs = tuple(
        (f"{m.group('node')}={folder / n}" if m.group("node") else str(folder / n))
        for n in names
        if (m := _KERNEL_LOG_NAMES.match(n))
    )
    configs = tuple(str(folder / n) for n in names if _NODE_CONFIG_NAMES.match(n))
    if not (values or talos or statuses or logs or kernel_logs):
        raise InputError(
            "no values*.yaml, talos*.yaml, status*.txt, agent*.log or dmesg*.log files in this "
            "folder",
            Position(str(directory), 1, 1),
        )
    return ExampleFiles(values, talos, statuses, logs, configs, kernel_logs)


def _refuse_ambiguous_overlays(folder: Path, names: Sequence[str]) -> None:
    """Refuse overlays whose merge order would change the result (a key set two ways)."""

    seen: dict[str, tuple[str, Any]] = {}
    for name in names:
        for source in assemble([str(folder / name)]).sources:
            for layer in source.layers:
                for key, value, position in _leaves(layer, ()):
                    earlier = seen.setdefault(key, (name, value))
                    if earlier[0] != name and earlier[1] != value:
                        raise InputError(
                            f"{earlier[0]} and {name} both set {key}, differently, and a "
                            "folder does not say which one Helm gets last: pass them with -f "
                            "in that order (or list them under `values` in .ciliumdrift.yaml)",
                            position or Position(str(folder / name), 1, 1),
                        )


def _leaves(entries: Any, prefix: tuple[str, ...]) -> Iterator[tuple[str, Any, Position | None]]:
    """``(dotted key, plain value, position)`` of every non-map value of a layer."""

    for name, node in entries.items():
        path = (*prefix, name)
        if isinstance(node.value, dict) and node.value:
            yield from _leaves(node.value, path)
        else:
            yield join_key(path), to_plain(node), node.origin.position


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

    observations = []
    for spec in specs:
        node, path = split_node_spec(spec)
        name, text = read_text(path)
        status = parse_status(text, source=name)
        observations.append(NodeObservation(name=node, status=status, source=name))
    return observations


def observed_versions(observations: Sequence[NodeObservation]) -> list[tuple[str | None, str]]:
    """``(node, version)`` of every status whose ``Cilium:`` line names a version."""
    found: list[tuple[str | None, str]] = []
    for observation in observations:
        status = observation.status
        if status is not None and status.cilium is not None and status.cilium.version:
            found.append((observation.name or status.node, status.cilium.version))
    return found


def gather_inputs(
    directory: str | Path | None = None,
    *,
    values_files: Sequence[str] = (),
    set_flags: Sequence[Any] = (),
    talos_files: Sequence[str] = (),
    status_files: Sequence[str] = (),
    cilium_version: str | None = None,
    kernels: Mapping[str | None, str] | Sequence[str] = (),
    chart: str | None = None,
    settings: Settings | None = None,
    observations: Sequence[NodeObservation] | None = None,
    reported_versions: Sequence[tuple[str, str]] = (),
    deployed_version: str | None = None,
) -> tuple[Inputs, list[NodeObservation]]:
    """Everything a run reads, with the Cilium version resolved once (:mod:`ciliumdrift.inputs`).

    ``directory`` adds the files of an example-shaped folder (see :func:`discover`) before
    the explicit ones. Settings (``.ciliumdrift.yaml`` or ``[tool.ciliumdrift]``, looked up
    from ``directory`` or the working directory) supply the values and Talos files when
    none are given, and a Cilium version below the flag and the wrapper's pin.
    ``observations`` are statuses already collected (live, sysdump); otherwise
    ``status_files`` are read. ``reported_versions`` are ``(where, version)`` pairs a cluster
    reports as a whole (see :func:`ciliumdrift.inputs.resolve_cilium_version`).
    """

    if settings is None:
        start = Path(directory) if directory is not None and Path(directory).is_dir() else None
        settings = find_settings(start)
    values = list(values_files)
    talos = list(talos_files)
    statuses = list(status_files)
    found_logs: tuple[str, ...] = ()
    found_kernel_logs: tuple[str, ...] = ()
    found_configs: tuple[str, ...] = ()
    if directory is not None:
        found = discover(directory)
        values = [*found.values, *values]
        talos = [*found.talos, *talos]
        statuses = [*found.statuses, *statuses]
        found_logs, found_configs = found.agent_logs, found.node_configs
        found_kernel_logs = found.kernel_logs
    if not values and not set_flags and settings.values:
        values = [settings.path_of(v) for v in settings.values]
    if not talos and settings.talos:
        talos = [settings.path_of(t) for t in settings.talos]
    kernel_map = dict(kernels) if isinstance(kernels, Mapping) else parse_kernels(kernels)
    seen = list(observations) if observations is not None else read_statuses(statuses)
    version = resolve_cilium_version(
        flag=cilium_version,
        wrapper=wrapper_chart_version(values) if values else None,
        settings=settings.cilium_version,
        settings_source=settings.source,
        observed=observed_versions(seen),
        reported=reported_versions,
        deployed=deployed_version,
    )
    inputs = Inputs(
        values=tuple(values),
        set_flags=tuple(set_flags),
        talos=tuple(talos),
        statuses=tuple(o.source or "-" for o in seen) if observations is None else tuple(statuses),
        kernels=kernel_map,
        chart=chart,
        version=version,
        settings_source=settings.source,
        agent_logs=found_logs,
        kernel_logs=found_kernel_logs,
        node_configs=found_configs,
    )
    return inputs, seen


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
    settings: Settings | None = None,
    agent_logs: Sequence[str] = (),
    node_configs: Sequence[str] = (),
    devices: Sequence[str] = (),
    node_labels: Sequence[str] = (),
    kernel_logs: Sequence[str] = (),
) -> Report:
    """Compare what the files declare with what the statuses show; one call, one Report.

    The inputs are gathered by :func:`gather_inputs` (folder, explicit files, settings); the
    Cilium version is the flag's, else the wrapper's pin, else the settings', else the one
    the statuses report, else unknown (said on the report's first line).

    ``agent_logs`` (``[NODE=]FILE``) are agent logs whose lines explain findings or become
    findings; ``node_configs`` are CiliumNodeConfig files whose overrides the selected nodes
    are expected to run (selected by ``node_labels``, ``NODE=KEY=VALUE``, and the hostname
    label); ``devices`` (``[NODE=]NAME:DRIVER``) say what the nodes' devices are;
    ``kernel_logs`` (``[NODE=]FILE``, dmesg or ``talosctl dmesg``) are the nodes' kernel logs,
    read like the agent logs (a BPF failure the kernel logged becomes a finding).
    """
    inputs, observations = gather_inputs(
        directory,
        values_files=values_files,
        set_flags=set_flags,
        talos_files=talos_files,
        status_files=status_files,
        cilium_version=cilium_version,
        kernels=kernels,
        chart=chart,
        settings=settings,
    )
    agent_logs = _found_then_given(inputs.agent_logs, agent_logs)
    node_configs = _found_then_given(inputs.node_configs, node_configs)
    kernel_logs = _found_then_given(inputs.kernel_logs, kernel_logs)
    observations = with_node_inputs(
        observations, agent_logs, devices, node_labels, kernel_logs=kernel_logs
    )
    diagnostics: list[Diagnostic] = []
    inputs, inferred = _status_intent(inputs, observations)
    if inferred is not None:
        diagnostics.append(inferred)
    try:
        declared = declared_for(inputs)
    except UnsupportedVersion:
        version = inputs.version.value
        if not (agent_logs or kernel_logs) or version is None or chart is not None:
            raise
        # The agent logs are evidence of their own: read them against the known behaviours
        # of this version, with the oldest bundled chart standing in for the values' defaults
        # (no chart at all when there are no values).

        stand_in = available_versions()[0] if (inputs.values or set_flags) else "none"
        declared = replace(
            declared_for(replace(inputs, chart=stand_in, version=UNKNOWN_VERSION)),
            cilium_version=inputs.version.located,
        )
        diagnostics.append(
            Diagnostic(
                f"Cilium {version} is older than the bundled chart data: the agent logs are "
                "checked against this version"
                + (
                    f", the values against the {stand_in} chart's defaults"
                    if stand_in != "none"
                    else ""
                ),
                code="version",
            )
        )
    named = {"agent_logs": agent_logs, "kernel_logs": kernel_logs, "node_configs": node_configs}
    extra: dict[str, Any] = {key: files for key, files in named.items() if files}
    report = report_for(
        inputs,
        observations,
        extra_inputs=extra,
        diagnostics=diagnostics,
        node_configs=read_node_config_files(node_configs),
        declared=declared,
    )
    if inferred is None:
        return report
    plain = replace(declared, values=declared_for(replace(inputs, set_flags=())).values)
    kernel = inputs.kernels.get(None) if isinstance(inputs.kernels, Mapping) else None
    chosen = unchanged_facts(plain, declared, kernel)
    return replace(report, findings=defaults_only(report.findings, chosen))


def _found_then_given(found: Sequence[str], given: Sequence[str]) -> list[str]:
    """A folder's files, then the flags'; a flag for the same file replaces the folder's
    (one log per node)."""
    return [*(f for f in found if f not in given), *given]


def _status_intent(
    inputs: Inputs, observations: Sequence[NodeObservation]
) -> tuple[Inputs, Diagnostic | None]:
    """With statuses but no config at all, the intent the statuses show (derive.intent)."""
    statuses = [o.status for o in observations if o.status is not None]
    if inputs.values or inputs.set_flags or inputs.talos or not statuses:
        return inputs, None
    inferred = common_intent(statuses)
    if not inferred:
        return inputs, Diagnostic(
            "no values, Talos config or --set given: the status is held against the chart's "
            "defaults only, so a line that differs is a note",
            code="inferred-intent",
        )
    flags = tuple(SetFlag(Layer.SET, _spelled(i.set_text, inputs)) for i in inferred)
    said = "; ".join(f"{i.set_text} ({i.line})" for i in inferred)
    return replace(inputs, set_flags=flags), Diagnostic(
        "no values, Talos config or --set given: the intent is inferred from the features "
        f"the status shows on, and only fallbacks from it are checked: {said}",
        code="inferred-intent",
    )


def _spelled(set_text: str, inputs: Inputs) -> str:
    """``a.enabled=v`` as ``a=v`` where the version's chart spells switch ``a`` as a boolean."""
    key, _, value = set_text.partition("=")
    if not key.endswith(".enabled") or inputs.version.value is None:
        return set_text
    try:
        chart, _ = resolve_version(inputs.version.value)
    except UnsupportedVersion:
        return set_text
    switch = key.removesuffix(".enabled")
    has, default = chart_default(switch, chart)
    return f"{switch}={value}" if has and isinstance(default, bool) else set_text


def report_for(
    inputs: Inputs,
    observations: Sequence[NodeObservation],
    *,
    extra_findings: Sequence[Finding] = (),
    diagnostics: Sequence[Diagnostic] = (),
    extra_inputs: Mapping[str, Any] | None = None,
    node_configs: Sequence[Any] = (),
    declared: Declared | None = None,
    per_node: bool = False,
) -> Report:
    """Load what ``inputs`` declare (unless ``declared`` is given) and compare it with
    ``observations``: one Report (``per_node``: as in :func:`build_report`)."""
    if declared is None:
        declared = declared_for(inputs)
    described = {**inputs.to_dict(), **(extra_inputs or {})}
    if not inputs.version.known:  # name the chart whose defaults stood in for the version
        described["cilium_version_source"] = {
            **described["cilium_version_source"],
            "stand_in": declared.values.chart_version,
        }
    return build_report(
        declared,
        observations,
        kernels=inputs.kernels,
        extra_findings=extra_findings,
        diagnostics=diagnostics,
        inputs=described,
        node_configs=node_configs,
        per_node=per_node,
    )


def declared_for(inputs: Inputs) -> Declared:
    """The declared config of ``inputs``, at the run's resolved Cilium version."""

    return load_declared(
        inputs.values,
        set_flags=tuple(inputs.set_flags),
        talos_files=inputs.talos,
        chart=inputs.chart,
        version=inputs.version,
    )


def read_node_config_files(paths: Sequence[str]) -> tuple[Any, ...]:
    """The CiliumNodeConfig objects of ``--node-config`` files."""
    if not paths:
        return ()

    return read_node_configs(paths)


def with_node_inputs(
    observations: Sequence[NodeObservation],
    agent_logs: Sequence[str] = (),
    devices: Sequence[str] = (),
    node_labels: Sequence[str] = (),
    *,
    kernel_logs: Sequence[str] = (),
) -> list[NodeObservation]:
    """Attach agent and kernel logs, device facts and labels to the observations of their nodes.

    A log, device or label for a node without a status gets an observation of its own (a
    fatal agent has no status, but its log says why). An unnamed log goes to the only
    status when there is one, else stands alone.
    """
    out = list(observations)
    if not (agent_logs or devices or node_labels or kernel_logs):
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

    # Agent logs first: a node that only a log names gets its observation in that order.
    logs: tuple[tuple[str, Callable[..., Any], Sequence[str]], ...] = (
        ("agent_log", parse_agent_log, agent_logs),
        ("kernel_log", parse_kernel_log, kernel_logs),
    )
    for field, parse, specs in logs:
        for spec in specs:
            node, path = split_node_spec(spec)
            name, text = read_text(path)
            i = index(node)
            parsed = parse(text, source=name, node=node or out[i].name)
            out[i] = replace(out[i], **{field: parsed})
    if devices:
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


def build_report(
    declared: Declared,
    observations: Sequence[NodeObservation],
    *,
    kernels: Mapping[str | None, str] | None = None,
    extra_findings: Sequence[Finding] = (),
    diagnostics: Sequence[Diagnostic] = (),
    inputs: Mapping[str, Any] | None = None,
    node_configs: Sequence[Any] = (),
    per_node: bool = False,
) -> Report:
    """Compare and wrap: the one place a Report is assembled, for files, live and sysdump.

    Findings that read the same on several nodes become one finding listing its nodes,
    unless ``per_node`` keeps them apart for a caller that adds per-node causes first (and
    then calls :func:`ciliumdrift.compare.merge_nodes`).
    """

    comparison = compare(declared, observations, kernels=kernels, node_configs=node_configs)
    remarks: list[Diagnostic] = [*declared.diagnostics, *diagnostics]
    remarks.extend(declared.values.diagnostics)
    if declared.talos is not None:
        remarks.extend(declared.talos.diagnostics)
    for observation in observations:
        if observation.status is not None:
            remarks.extend(observation.status.diagnostics)
    found = (*comparison.findings, *extra_findings)
    return Report(
        rows=comparison.rows,
        findings=found if per_node else merge_nodes(found),
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
    settings: Settings | None = None,
) -> dict[str, Any]:
    """The status every node should show, with provenance and conditions (no status needed)."""

    inputs, _ = gather_inputs(
        values_files=values_files,
        set_flags=set_flags,
        talos_files=talos_files,
        cilium_version=cilium_version,
        kernels=kernels,
        chart=chart,
        settings=settings,
        observations=(),
    )
    return expected_state(declared_for(inputs), dict(inputs.kernels))
