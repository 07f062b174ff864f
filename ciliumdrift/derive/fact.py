"""A fact: one config-determined line of `cilium status`, declared as a small unit.

A fact knows the status line it predicts, the Helm keys it reads, how to derive the
expected value for one node (with the agent's fallbacks), how to read the observed value
out of a parsed :class:`~ciliumdrift.parse.model.Status`, and how to explain a mismatch.
Expected and observed values are both *canonical strings* in the agent's own spelling
(``netkit``, ``Native``, ``BPF``), so that a mismatch prints the way the status does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ciliumdrift.load.model import HelmValues, TalosFacts
from ciliumdrift.model import Cause, Fix, Located, Origin
from ciliumdrift.parse.model import Status


@dataclass(frozen=True)
class NodeContext:
    """Everything a fact may use to derive one node's expectation."""

    values: HelmValues
    cilium_version: str  # full version, e.g. "1.18.4"
    node: str | None = None
    kernel: Located[str] | None = None  # None: unknown kernel (expectations become conditional)
    talos: TalosFacts | None = None


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class Explanation:
    causes: tuple[Cause, ...]
    fix: Fix | None = None


Deriver = Callable[[NodeContext], Expectation | None]
Observer = Callable[[Status], str | None]
Explainer = Callable[[NodeContext, Expectation, str], Explanation]
Matcher = Callable[[str, str], bool]


def _same_text(expected: str, observed: str) -> bool:
    return " ".join(expected.split()).casefold() == " ".join(observed.split()).casefold()


@dataclass(frozen=True)
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
    config_keys: tuple[str, ...] = ()  # cilium-config ConfigMap keys it corresponds to
    matches: Matcher = field(default=_same_text)
