"""A fact: one config-determined line of `cilium status`, declared as a small unit.

A fact knows the status line it predicts, the Helm keys it reads, how to derive the
expected value for one node (with the agent's fallbacks), how to read the observed value
out of a parsed :class:`~ciliumdrift.parse.model.Status`, and how to explain a mismatch.
Expected and observed values are both *canonical strings* in the agent's own spelling
(``netkit``, ``Native``, ``BPF``), so that a mismatch prints the way the status does.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import field
from typing import TYPE_CHECKING, Any

from ciliumdrift.agent.configmap import keys_of_fact
from ciliumdrift.agent.gates import gate
from ciliumdrift.load.model import HelmValues, TalosFacts
from ciliumdrift.model import Cause, Fix, Located, NodeObservation, Origin, Severity
from ciliumdrift.parse.model import Status
from ciliumdrift.records import record

if TYPE_CHECKING:
    from ciliumdrift.agent.devices import Device
    from ciliumdrift.parse.agentlog import AgentLog
    from ciliumdrift.parse.kernellog import KernelLog


@record
class NodeContext:
    """Everything a fact may use to derive one node's expectation."""

    values: HelmValues
    cilium_version: str  # full version, e.g. "1.18.4"
    node: str | None = None
    kernel: Located[str] | None = None  # None: unknown kernel (expectations become conditional)
    talos: TalosFacts | None = None
    pod_cidrs: tuple[str, ...] = ()  # the Node's spec.podCIDRs when known (live), else empty
    version_origin: Origin | None = None  # where the Cilium version was declared
    devices: tuple[Device, ...] = ()  # what the config, Talos, --device and the status say
    agent_log: AgentLog | None = None  # the node's agent log (--agent-log, live)
    kernel_log: KernelLog | None = None  # the node's kernel log (--kernel-log)
    labels: Any = None  # the node's labels (Mapping[str, str]) when known
    base_values: HelmValues | None = None  # the values before per-node overrides, when any
    # False when no Cilium version is known (ciliumdrift.inputs): the newest bundled chart
    # stands in, and findings that depend on the version are notes.
    version_known: bool = True


@record
class Conflict:
    """A declared contradiction that needs no status to be seen.

    The agent refuses to start (``fatal``), the chart fails to render, the agent falls back
    from what the config asks for, or Talos and the values disagree. ``source`` is the
    declared value the conflict is about; ``causes`` are ranked, best first.
    """

    message: str
    causes: tuple[Cause, ...]
    source: Origin | None = None
    fix: Fix | None = None
    severity: Severity = Severity.ERROR
    fatal: bool = False
    name: str = ""  # the conflict's stable name: the lint rule that reports it (rule name)
    # The fact's own status line shows whether this matters (a fallback the agents show as
    # derived, a requirement they evidently meet): where that line is observed and matches on
    # every node the conflict applies to, compare reports it as a note with that evidence.
    settled_by_status: bool = False


@record
class Expectation:
    """What one status line must show on one node.

    ``value`` None means the line is not expected at all for this version/config.
    ``condition`` is set when the config alone cannot decide (NIC driver support, node
    addresses): a differing observation is then reported as conditional, not as drift.
    ``fallbacks`` are the agent's own fallbacks already applied to ``value`` (a kernel too
    old, a missing requirement), each as a Cause the user should know about.
    """

    value: str | None
    source: Origin | None
    condition: str | None = None
    fallbacks: tuple[Cause, ...] = ()
    detail: str | None = None
    conflicts: tuple[Conflict, ...] = ()


@record
class Explanation:
    causes: tuple[Cause, ...]
    fix: Fix | None = None


Deriver = Callable[[NodeContext], Expectation | None]
Observer = Callable[[Status], str | None]
Explainer = Callable[[NodeContext, Expectation, str], Explanation]
Matcher = Callable[[str, str], bool]


def _same_text(expected: str, observed: str) -> bool:
    return " ".join(expected.split()).casefold() == " ".join(observed.split()).casefold()


@record
class Fact:
    id: str
    status_line: str
    summary: str
    reads: tuple[str, ...]
    doc: str
    derive: Deriver
    observe: Observer
    explain: Explainer
    since: str | None = None
    matches: Matcher = field(default=_same_text)

    @property
    def config_keys(self) -> tuple[str, ...]:
        """The cilium-config keys that decide this line (data/config_keys.yaml)."""
        return keys_of_fact(self.id)


# Labels that changed between versions; everything else prints as the fact declares.
_OLD_LABELS = {"host-routing": ("host-routing-label-capitalised", "Host Routing")}


def status_label(fact: Fact, cilium_version: str) -> str:
    """The label of the fact's status line as the agent of that version prints it."""
    old = _OLD_LABELS.get(fact.id)
    if old is not None and gate(old[0], cilium_version):
        return old[1]
    return fact.status_line


def fact(
    *,
    id: str,
    status_line: str,
    reads: tuple[str, ...],
    observe: Observer,
    explain: Explainer,
    since: str | None = None,
    matches: Matcher | None = None,
) -> Callable[[Deriver], Fact]:
    """Declare a fact from its derivation function; the docstring is its documentation.

    The docstring's first line is the one-line summary, the rest (with the fixed headings
    ``## Rule``, ``## Fallbacks``, ``## Sources``) is the documentation ``facts`` prints.
    """

    def declare(derive: Deriver) -> Fact:
        summary, doc = _documented(derive)
        return Fact(
            id=id,
            status_line=status_line,
            summary=summary,
            reads=reads,
            doc=doc,
            derive=derive,
            observe=observe,
            explain=explain,
            since=since,
            matches=matches or _same_text,
        )

    return declare


# -- health ----------------------------------------------------------------------------------------
@record
class Unhealthy:
    """What a health check saw on one node: the line as it reads, and why (when known)."""

    observed: str | None
    message: str
    causes: tuple[Cause, ...] = ()  # empty: runtime health no config decides


#: Reads one node's observation (its status, or why there is none) and the expectations
#: derived for it; returns what is unhealthy, or None.
HealthObserver = Callable[[NodeObservation, Mapping[str, Expectation]], Unhealthy | None]


@record
class HealthFact:
    """A status line whose state no config decides: the agent or the cluster is unwell.

    ``expected`` is what a healthy node shows (``Ok``; None for the node itself). A health
    fact never makes a row or a verdict: it adds a health finding where ``check`` finds one,
    and a clean cluster has none (docs/verdicts.md).
    """

    id: str
    status_line: str
    summary: str
    doc: str
    check: HealthObserver
    expected: str | None = "Ok"


def health(
    *, id: str, status_line: str, expected: str | None = "Ok"
) -> Callable[[HealthObserver], HealthFact]:
    """Declare a health fact from its check; the docstring is its documentation (summary
    line, then ``## Rule`` and ``## Sources``)."""

    def declare(check: HealthObserver) -> HealthFact:
        summary, doc = _documented(check)
        return HealthFact(id, status_line, summary, doc, check, expected)

    return declare


def _documented(function: Callable[..., Any]) -> tuple[str, str]:
    """A declared unit's docstring: its one-line summary, and the documentation after it."""
    summary, _, doc = inspect.cleandoc(function.__doc__ or "").partition("\n")
    return summary.strip(), doc.strip()
