"""The data that passes between the stages: positions, origins, findings, reports.

Every stage (load, derive, parse, compare, report) exchanges these frozen dataclasses and
nothing else. Stage-specific models live beside their stage (``load/model.py`` for the
declared config, ``parse/model.py`` for the observed status); this module holds only what
two or more stages share.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ciliumdrift.records import record

if TYPE_CHECKING:
    from ciliumdrift.parse.model import Status

T = TypeVar("T")


@record(slots=True, order=True)
class Position:
    """A 1-based place in a file as the user named it (``<stdin>`` for standard input)."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "column": self.column}


class Layer(str, enum.Enum):
    """Where a declared or expected value came from."""

    CHART_DEFAULT = "chart-default"
    VALUES_FILE = "values-file"
    SET = "set"
    SET_STRING = "set-string"
    SET_JSON = "set-json"
    SET_FILE = "set-file"
    SET_LITERAL = "set-literal"
    TALOS = "talos"
    AGENT_DEFAULT = "agent-default"
    KERNEL = "kernel"
    DEPLOYED = "deployed"
    OBSERVED = "observed"


@record(slots=True)
class Origin:
    """The provenance of one value: its layer, and its position where it has one.

    ``version`` names the chart or agent version for defaults; ``detail`` holds what a
    flag said (``--set bpf.masquerade=true``) or which default table a value came from.
    """

    layer: Layer
    key: str | None = None
    position: Position | None = None
    version: str | None = None
    detail: str | None = None

    def describe(self) -> str:
        """A short human form: ``values.yaml:12:3`` or ``chart default of 1.18.4``."""
        if self.position is not None:
            return str(self.position)
        if self.layer is Layer.CHART_DEFAULT:
            where = f"chart default of {self.version}" if self.version else "chart default"
            return where
        if self.layer is Layer.AGENT_DEFAULT:
            return f"agent default of {self.version}" if self.version else "agent default"
        if self.detail:
            return self.detail
        return str(self.layer.value)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"layer": self.layer.value}
        if self.key is not None:
            out["key"] = self.key
        if self.position is not None:
            out.update(self.position.to_dict())
        if self.version is not None:
            out["version"] = self.version
        if self.detail is not None:
            out["detail"] = self.detail
        return out


@record(slots=True)
class Located(Generic[T]):
    """A value together with where it came from."""

    value: T
    origin: Origin


class CauseKind(str, enum.Enum):
    """Why an observed value differs from the expected one (the report contract's list)."""

    KERNEL_TOO_OLD = "kernel-too-old"
    REQUIREMENT_MISSING = "requirement-missing"
    CONFLICTING_SETTING = "conflicting-setting"
    KEY_IGNORED = "key-ignored"
    DEPRECATED_VALUE = "deprecated-value"
    VERSION_DEFAULT = "version-default"
    NOT_APPLIED = "not-applied"
    PER_NODE_OVERRIDE = "per-node-override"
    # The NIC or another device the config sends a feature to cannot take it (no native XDP
    # on WireGuard, KubeSpan or a VLAN; no BIG TCP on virtio-net or on a tunnel device).
    HARDWARE_UNSUPPORTED = "hardware-unsupported"
    TALOS_CONFLICT = "talos-conflict"
    # The node's environment, not the config: nested network namespaces (kind, CI runners),
    # a host stack the datapath bypasses (Talos KubeSpan), a read-only /proc/sys.
    ENVIRONMENT = "environment"
    # A bug of a Cilium release range or a kernel series (verifier rejections, a probe that
    # pushes settings onto the wrong device), with its upstream issue.
    KNOWN_BUG = "known-bug"
    UNKNOWN = "unknown"


@record(slots=True)
class Evidence:
    """One fact that supports a cause, with the place that states it when there is one."""

    text: str
    origin: Origin | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"text": self.text}
        if self.origin is not None:
            out["origin"] = self.origin.to_dict()
        return out


@record(slots=True)
class Cause:
    """A ranked explanation of a mismatch."""

    kind: CauseKind
    summary: str
    evidence: tuple[Evidence, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "summary": self.summary,
            "evidence": [e.to_dict() for e in self.evidence],
        }


@record(slots=True)
class Fix:
    """A concrete change that removes the mismatch, in the forms the user can apply."""

    summary: str
    values_snippet: str | None = None
    set_flag: str | None = None
    talos_patch: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"summary": self.summary}
        if self.values_snippet is not None:
            out["values_snippet"] = self.values_snippet
        if self.set_flag is not None:
            out["set_flag"] = self.set_flag
        if self.talos_patch is not None:
            out["talos_patch"] = self.talos_patch
        return out


class Verdict(str, enum.Enum):
    """The outcome of comparing one expected status line with the observed one."""

    MATCH = "match"
    MISMATCH = "mismatch"
    NOT_OBSERVED = "not-observed"  # the status has no such line (fragment, older agent)
    CONDITIONAL = "conditional"  # the config cannot decide; the stated condition explains it
    CROSS_CHECK = "cross-check"  # no status needed: a declared conflict breaks this line


class FindingKind(str, enum.Enum):
    DRIFT = "drift"  # expected and observed differ
    CROSS_CHECK = "cross-check"  # the declared config contradicts itself or Talos
    HEALTH = "health"  # something no config decides is not healthy


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


@record(slots=True)
class Finding:
    """One thing the user should look at, with its explanation."""

    fact: str
    status_line: str
    node: str | None
    kind: FindingKind
    expected: str | None
    observed: str | None
    source: Origin | None
    message: str
    causes: tuple[Cause, ...] = ()
    fix: Fix | None = None
    severity: Severity = Severity.ERROR
    # Every node this finding applies to when it is the same on several (``node`` is then
    # None); empty for one node (``node``) or the whole cluster.
    nodes: tuple[str, ...] = ()

    @property
    def applies_to(self) -> tuple[str, ...]:
        """The named nodes of this finding (none: the cluster, or one unnamed status)."""
        if self.nodes:
            return self.nodes
        return (self.node,) if self.node else ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "fact": self.fact,
            "status_line": self.status_line,
            "node": self.node,
            "nodes": list(self.applies_to),
            "kind": self.kind.value,
            "severity": self.severity.value,
            "expected": self.expected,
            "observed": self.observed,
            "source": self.source.to_dict() if self.source is not None else None,
            "message": self.message,
            "causes": [c.to_dict() for c in self.causes],
            "fix": self.fix.to_dict() if self.fix is not None else None,
        }


@record(slots=True)
class Row:
    """One config-determined status line on one node: expected, observed and the verdict."""

    fact: str
    status_line: str
    node: str | None
    expected: str | None
    observed: str | None
    verdict: Verdict
    source: Origin | None
    condition: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "fact": self.fact,
            "status_line": self.status_line,
            "node": self.node,
            "expected": self.expected,
            "observed": self.observed,
            "verdict": self.verdict.value,
            "source": self.source.to_dict() if self.source is not None else None,
            "condition": self.condition,
        }


@record
class NodeObservation:
    """What was observed on one node: its status (or why there is none) and node facts.

    ``name`` is the node name (or the status file's name when no node is known).
    ``error`` says why a node has no usable status (unreachable, not Ready, unparseable).
    ``kernel`` and ``os_image`` come from the Node object (live) or ``--kernel`` flags.
    """

    name: str | None
    status: Status | None = None
    kernel: str | None = None
    os_image: str | None = None
    pod_cidrs: tuple[str, ...] = ()
    error: str | None = None
    source: str | None = None
    agent_log: Any = None  # ciliumdrift.parse.agentlog.AgentLog: the agent's log, when given
    kernel_log: Any = None  # ciliumdrift.parse.kernellog.KernelLog: the node's kernel log
    labels: Mapping[str, str] | None = None  # the Node's labels (live, --node-label)
    devices: tuple[Any, ...] = ()  # ciliumdrift.agent.devices.Device: --device flags


@record(slots=True)
class Diagnostic:
    """A non-fatal remark about the input (an unknown status line, an unresolved valuesFrom)."""

    message: str
    position: Position | None = None
    code: str | None = None

    def __str__(self) -> str:
        return f"{self.position}: {self.message}" if self.position else self.message

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"message": self.message}
        if self.position is not None:
            out["position"] = self.position.to_dict()
        if self.code is not None:
            out["code"] = self.code
        return out


@record(slots=True)
class Report:
    """The result of ``check``: every compared row, the findings, and remarks on the input."""

    rows: tuple[Row, ...]
    findings: tuple[Finding, ...]
    diagnostics: tuple[Diagnostic, ...] = ()
    inputs: Mapping[str, Any] = field(default_factory=dict)
    tool_version: str = ""

    @property
    def drift(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.kind is not FindingKind.HEALTH)

    @property
    def health(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.kind is FindingKind.HEALTH)

    def to_dict(self) -> dict[str, Any]:
        return {
            "tool": {"name": "ciliumdrift", "version": self.tool_version},
            "inputs": dict(self.inputs),
            "summary": {
                "rows": len(self.rows),
                "mismatches": sum(1 for r in self.rows if r.verdict is Verdict.MISMATCH),
                "findings": len(self.drift),
                "health": len(self.health),
            },
            "rows": [r.to_dict() for r in self.rows],
            "findings": [f.to_dict() for f in self.findings],
            "diagnostics": [d.to_dict() for d in self.diagnostics],
        }


@record
class NodeConfigOverride:
    """A CiliumNodeConfig: config keys that override ``cilium-config`` on selected nodes."""

    name: str
    namespace: str
    api_version: str  # cilium.io/v2 or cilium.io/v2alpha1
    defaults: Mapping[str, str]
    match_labels: Mapping[str, str] = field(default_factory=dict)
    match_expressions: tuple[Mapping[str, Any], ...] = ()

    def selects(self, labels: Mapping[str, str]) -> bool:
        """Kubernetes label-selector semantics (an empty selector selects every node)."""
        if any(labels.get(k) != v for k, v in self.match_labels.items()):
            return False
        for expression in self.match_expressions:
            key = str(expression.get("key", ""))
            operator = str(expression.get("operator", ""))
            values = [str(v) for v in expression.get("values") or ()]
            present = key in labels
            if operator == "In" and (not present or labels[key] not in values):
                return False
            if operator == "NotIn" and present and labels[key] in values:
                return False
            if operator == "Exists" and not present:
                return False
            if operator == "DoesNotExist" and present:
                return False
            if operator not in ("In", "NotIn", "Exists", "DoesNotExist"):
                return False  # an unknown operator selects nothing, as the API server rejects it
        return True
