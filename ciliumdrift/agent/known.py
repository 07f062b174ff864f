"""Known behaviours: conditions real clusters hit, read from ``data/known_behaviours.yaml``.

A row names a condition (Cilium and kernel ranges, settings, Talos facts, node devices,
the node's environment) and what it produces: the status line, the agent log lines, the
kind of cause, the fix and its public sources. This module evaluates the rows against one
node's :class:`~ciliumdrift.derive.fact.NodeContext`, three-valued: a condition holds, does
not hold, or cannot be decided from the inputs (an unknown kernel, no device facts).

Three users:

* :func:`conflicts` - rows that certainly hold and break the node without any status
  (fatal at start, traffic broken): cross-checks for ``check`` and the CD320 lint rule;
* :func:`drift_candidates` - rows that explain an observed mismatch, ranked above the
  generic causes when every condition holds, and above everything when the agent log says so;
* :func:`log_matches` - the agent log lines that match a row's log patterns.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

from ciliumdrift.agent import settings as s
from ciliumdrift.agent.explain import (
    CERTAIN,
    LIKELY,
    POSSIBLE,
    STRONG,
    Candidate,
    cause,
    said,
    talos_fix,
    values_fix,
)
from ciliumdrift.agent.fact import Conflict, Expectation, NodeContext
from ciliumdrift.datafiles import load
from ciliumdrift.model import CauseKind, Evidence, Fix, Layer, Located, Origin, Severity
from ciliumdrift.records import record
from ciliumdrift.regex import lazy_pattern
from ciliumdrift.versions import version_tuple

if TYPE_CHECKING:
    from ciliumdrift.parse.agentlog import AgentLog, LogEntry
    from ciliumdrift.parse.kernellog import KernelLog

DATA_FILE = "known_behaviours.yaml"
#: The fact whose line (`Cilium:`) carries what is about the agent as a whole.
AGENT_FACT = "cilium-version"
EFFECTS = {
    "fatal": "the agent exits at start",
    "broken": "the agent runs but traffic fails",
    "retry": "the agent keeps retrying its datapath set-up",
    "fallback": "the agent falls back from what the config asks",
}

_EFFECTS = ("fatal", "fallback", "broken", "retry")
_TESTS = ("is", "in", "not_in", "truthy", "range")
_SUBJECTS = ("helm", "setting", "fact", "talos", "node")


@record
class Condition:
    """One test on one input: ``{helm: loadBalancer.acceleration, in: [native]}``."""

    subject: str  # helm | setting | fact | talos | node
    name: str
    test: str  # is | in | not_in | truthy
    operand: Any

    def describe(self) -> str:
        operand = self.operand
        if self.test == "range":
            since, before = operand
            return f"{self.subject} {self.name} since {since or '-'} before {before or '-'}"
        if isinstance(operand, (list, tuple)):
            operand = "[" + ", ".join(str(o) for o in operand) + "]"
        return f"{self.subject} {self.name} {self.test} {operand}"


@record
class Behaviour:
    """One row of the data file."""

    id: str
    summary: str
    cause: CauseKind
    effect: str
    fact: str | None
    observed: str | None
    cilium: tuple[str | None, str | None]
    kernel: tuple[str | None, str | None]
    when: tuple[Condition, ...]
    logs: tuple[str, ...]
    fix: Fix | None
    sources: tuple[str, ...]
    lint: bool = True
    log_example: str | None = None
    needs_log: bool = False
    kernel_logs: tuple[str, ...] = ()  # patterns of the node's kernel log (dmesg)

    @property
    def patterns(self) -> tuple[re.Pattern[str], ...]:
        return _compiled(self.logs)

    @property
    def kernel_patterns(self) -> tuple[re.Pattern[str], ...]:
        return _compiled(self.kernel_logs)

    def source_text(self) -> str:
        return "; ".join(self.sources)


@record
class Match:
    """A row evaluated on one node: ``certain`` when every condition is known to hold."""

    behaviour: Behaviour
    certain: bool
    evidence: tuple[Evidence, ...]
    unknown: tuple[str, ...] = ()  # the conditions the inputs cannot decide


@cache
def _compiled(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, re.IGNORECASE) for p in patterns)


def _range(raw: Any) -> tuple[str | None, str | None]:
    if not raw:
        return (None, None)
    since = raw.get("since")
    before = raw.get("before")
    return (str(since) if since else None, str(before) if before else None)


def _fix(raw: Any) -> Fix | None:
    if not raw:
        return None
    summary = str(raw.get("summary", ""))
    values = raw.get("values") or {}
    talos = raw.get("talos") or {}
    if values:
        made = values_fix(summary, list(values.items()))
        if talos:
            path, value = next(iter(talos.items()))
            made = Fix(
                summary=made.summary,
                values_snippet=made.values_snippet,
                set_flag=made.set_flag,
                talos_patch=talos_fix(summary, path, value).talos_patch,
            )
        return made
    if talos:
        path, value = next(iter(talos.items()))
        return talos_fix(summary, path, value)
    return Fix(summary=summary)


def _condition(raw: Mapping[str, Any]) -> Condition:
    subject = next((k for k in _SUBJECTS if k in raw), None)
    test = next((k for k in _TESTS if k in raw), None)
    if subject is not None and test is None and ("since" in raw or "before" in raw):
        # {talos: version, since: "1.8", before: "1.10"}: a version range, since inclusive
        return Condition(subject, str(raw[subject]), "range", _range(raw))
    if subject is None or test is None:
        raise ValueError(f"condition {dict(raw)!r} needs one of {_SUBJECTS} and one of {_TESTS}")
    return Condition(subject, str(raw[subject]), test, raw[test])


@cache
def behaviours() -> tuple[Behaviour, ...]:
    """Every row of the data file, validated."""
    rows = load(DATA_FILE)["behaviours"]
    out = []
    for row in rows:
        effect = str(row["effect"])
        if effect not in _EFFECTS:
            raise ValueError(f"{row['id']}: effect {effect!r} is not one of {_EFFECTS}")
        out.append(
            Behaviour(
                id=str(row["id"]),
                summary=str(row["summary"]),
                cause=CauseKind(str(row["cause"])),
                effect=effect,
                fact=str(row["fact"]) if row.get("fact") else None,
                observed=str(row["observed"]) if row.get("observed") else None,
                cilium=_range(row.get("cilium")),
                kernel=_range(row.get("kernel")),
                when=tuple(_condition(c) for c in row.get("when") or ()),
                logs=tuple(str(p) for p in row.get("logs") or ()),
                fix=_fix(row.get("fix")),
                sources=tuple(str(x) for x in row.get("sources") or ()),
                lint=bool(row.get("lint", True)),
                log_example=str(row["log_example"]) if row.get("log_example") else None,
                needs_log=bool(row.get("needs_log", False)),
                kernel_logs=tuple(str(p) for p in row.get("kernel_logs") or ()),
            )
        )
    return tuple(out)


def behaviour(behaviour_id: str) -> Behaviour:
    for row in behaviours():
        if row.id == behaviour_id:
            return row
    raise KeyError(behaviour_id)


@cache
def drivers() -> Mapping[str, Mapping[str, Any]]:
    """Driver name -> {kind, xdp_native, source} (the data file's ``drivers`` table)."""
    table: Mapping[str, Mapping[str, Any]] = load(DATA_FILE).get("drivers") or {}
    return table


# -- ranges ------------------------------------------------------------------------------


def in_range(version: str | None, bounds: tuple[str | None, str | None]) -> bool | None:
    """Whether ``version`` is in ``[since, before)``; None when the version is unknown.

    A bound with two parts (``1.19``) compares the minor only: ``before: "1.19"`` ends
    with the last 1.18 patch, ``since: "1.19"`` starts at 1.19.0.
    """
    since, before = bounds
    if since is None and before is None:
        return True
    have = version_tuple(version)
    if not have:
        return None
    # A release candidate comes before its release: 1.15.0-rc.0 is "before 1.15.0".
    pre = bool(_PRERELEASE.search(str(version)))
    if since is not None:
        want = version_tuple(since)
        since_pre = bool(_PRERELEASE.search(since))
        head = have[: len(want)]
        if head < want or (pre and not since_pre and len(want) > 2 and head == want):
            return False
    if before is not None:
        want = version_tuple(before)
        reached = have[: len(want)] > want or (have[: len(want)] == want and not pre)
        if reached or (len(want) <= 2 and have[: len(want)] == want):
            return False
    return True


_PRERELEASE = lazy_pattern(r"\d+\.\d+\.\d+-(rc|pre|beta|alpha|snapshot)", re.IGNORECASE)


# -- inputs ------------------------------------------------------------------------------

Getter = Callable[[NodeContext], Located[Any] | None]


def _tunnel_device(ctx: NodeContext) -> Located[Any]:
    """A tunnel netdev exists: tunnel routing, egress gateway, or DSR with Geneve dispatch."""
    routing = s.routing_mode(ctx)
    if routing.value == "tunnel":
        return Located(True, routing.origin)
    egress = s.helm(ctx, "egressGateway.enabled")
    if s.truthy(egress.value):
        return Located(True, egress.origin)
    mode = s.helm(ctx, "loadBalancer.mode")
    dispatch = s.helm(ctx, "loadBalancer.dsrDispatch")
    if str(mode.value or "") in ("dsr", "hybrid") and str(dispatch.value or "") == "geneve":
        return Located(True, dispatch.origin)
    return Located(False, routing.origin)


def _big_tcp(ctx: NodeContext) -> Located[Any]:
    for key in ("enableIPv4BIGTCP", "enableIPv6BIGTCP"):
        value = s.helm(ctx, key)
        if s.truthy(value.value):
            return Located(True, value.origin)
    return Located(False, s.helm(ctx, "enableIPv4BIGTCP").origin)


def _kpr(ctx: NodeContext) -> Located[Any]:
    return Located(s.kpr_enabled(ctx), s.kpr_value(ctx).origin)


def _tcx(ctx: NodeContext) -> Located[Any]:
    return s.flag(ctx, "bpf.enableTCX", "enable-tcx")


#: Settings the rows may name (``setting: <name>``): the chart's and agent's derivations.
SETTINGS: Mapping[str, Getter] = {
    "routing-mode": s.routing_mode,
    "tunnel-device": _tunnel_device,
    "big-tcp": _big_tcp,
    "kpr": _kpr,
    "tcx": _tcx,
    "datapath-mode": s.datapath_mode,
    "encryption": s.encryption_mode,
}


_TALOS_KERNEL = lazy_pattern(r"-talos\b")


def runs_talos(ctx: NodeContext) -> Located[bool] | None:
    """Whether the node runs Talos: a Talos machine config was given, or its kernel says so.

    Talos kernels carry the ``-talos`` suffix (``6.12.18-talos``), so a status or kernel flag
    alone tells Talos from other systems; None when neither input is there.
    """
    if ctx.talos is not None and ctx.talos.files:
        where = Origin(
            Layer.TALOS, detail="a Talos machine config was given: " + ctx.talos.files[0]
        )
        return Located(True, where)
    kernel = ctx.kernel
    if kernel is None or not kernel.value:
        return None
    return Located(bool(_TALOS_KERNEL.search(str(kernel.value))), kernel.origin)


def _talos(ctx: NodeContext, name: str) -> Located[Any] | None:
    if name == "node":
        return runs_talos(ctx)
    talos = ctx.talos
    if talos is None:
        return None
    if name == "version":
        return talos.version
    if name == "kernel-modules":
        if not talos.kernel_modules:
            return None
        names = tuple(m.value for m in talos.kernel_modules)
        return Located(names, talos.kernel_modules[0].origin)
    if name == "kubespan":
        return getattr(talos, "kubespan_enabled", None)
    if name == "forward-kube-dns":
        return talos.forward_kube_dns_to_host
    if name == "host-dns":
        return talos.host_dns_enabled
    if name == "kube-proxy-disabled":
        return talos.kube_proxy_disabled
    raise ValueError(f"unknown Talos fact {name!r}")


_KIND_NODE = lazy_pattern(r"^[\w.-]*-(control-plane\d*|worker\d*)$")


def environment(ctx: NodeContext) -> Located[str] | None:
    """Where the node runs, when something says so: ``kind`` or ``nested-netns``."""
    log = ctx.agent_log
    if log is not None:
        for entry in log.entries:
            if "could not read procfs" in entry.message.lower():
                where = Origin(Layer.OBSERVED, detail=f"{log.source}:{entry.line}")
                return Located("nested-netns", where)
    node = ctx.node or ""
    if _KIND_NODE.match(node) and (node.startswith("kind") or "-control-plane" in node):
        return Located("kind", Origin(Layer.OBSERVED, detail=f"node name {node}"))
    return None


def device_kinds(ctx: NodeContext) -> Located[tuple[str, ...]] | None:
    """The kinds of the node's known devices (None when nothing is known about them)."""
    devices = ctx.devices
    if not devices:
        return None
    kinds = tuple(dict.fromkeys(d.kind for d in devices))
    first = devices[0].origin
    names = ", ".join(f"{d.name} ({d.kind})" for d in devices[:6])
    return Located(kinds, Origin(first.layer, key=first.key, position=first.position, detail=names))


def _node(ctx: NodeContext, name: str) -> Located[Any] | None:
    if name == "device-kinds":
        return device_kinds(ctx)
    if name == "environment":
        return environment(ctx)
    raise ValueError(f"unknown node fact {name!r}")


def _value(
    ctx: NodeContext, condition: Condition, expectations: Mapping[str, Expectation]
) -> Located[Any] | None:
    if condition.subject == "helm":
        return s.helm(ctx, condition.name)
    if condition.subject == "setting":
        return SETTINGS[condition.name](ctx)
    if condition.subject == "fact":
        found = expectations.get(condition.name)
        if found is None or found.value is None or found.condition:
            return None
        return Located(found.value, found.source or Origin(Layer.AGENT_DEFAULT))
    if condition.subject == "talos":
        return _talos(ctx, condition.name)
    return _node(ctx, condition.name)


def _words(value: Any) -> set[str]:
    if isinstance(value, (list, tuple, set)):
        return {_word(v) for v in value}
    return {_word(value)}


def _word(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip().lower()


def _holds(condition: Condition, value: Any) -> bool:
    if condition.test == "range":
        return in_range(str(value), condition.operand) is True
    if condition.test == "truthy":
        return s.truthy(value) == bool(condition.operand)
    have = _words(value)
    if condition.test == "is":
        return _word(condition.operand) in have
    wanted = _words(condition.operand)
    if condition.test == "in":
        return bool(have & wanted)
    return not (have & wanted)


def version_known(ctx: NodeContext) -> bool:
    """False when no input names the Cilium version (the newest chart stands in for it)."""
    origin = ctx.version_origin
    if origin is not None and "assumed" in (origin.detail or ""):
        return False
    return not any("no Cilium version given" in d.message for d in ctx.values.diagnostics)


#: Layers that only stand in for an input nobody wrote: a chart or agent default.
_DEFAULT_LAYERS = frozenset({Layer.CHART_DEFAULT, Layer.AGENT_DEFAULT})


def _from_default(located: Located[Any]) -> bool:
    return located.origin is not None and located.origin.layer in _DEFAULT_LAYERS


def evaluate(
    row: Behaviour,
    ctx: NodeContext,
    expectations: Mapping[str, Expectation] | None = None,
    *,
    defaults_decide: bool = True,
) -> Match | None:
    """The row on this node: None when a condition is known not to hold.

    ``defaults_decide=False`` is for a row whose log line matched: a condition that fails
    only on a chart or agent default (the inputs do not show that key) is then unknown, not
    false, since the log line shows the agent ran with the feature; a condition that fails
    on a value the user declared (or on the kernel, version or Talos config) still refutes.
    """
    known = expectations or {}
    evidence: list[Evidence] = []
    unknown: list[str] = []
    version = in_range(ctx.cilium_version if version_known(ctx) else None, row.cilium)
    if version is False:
        return None
    if version is None:
        unknown.append("the Cilium version")
    kernel = ctx.kernel.value if ctx.kernel is not None else None
    in_kernel = in_range(kernel, row.kernel)
    if in_kernel is False:
        return None
    if in_kernel is None:
        unknown.append("the node's kernel")
    elif row.kernel != (None, None) and ctx.kernel is not None:
        evidence.append(Evidence(f"kernel {ctx.kernel.value}", ctx.kernel.origin))
    for condition in row.when:
        try:
            located = _value(ctx, condition, known)
        except (KeyError, ValueError):
            located = None
        if located is None:
            unknown.append(condition.describe())
            continue
        if not _holds(condition, located.value):
            if defaults_decide or not _from_default(located):
                return None
            unknown.append(f"{condition.describe()} (only a default says otherwise)")
            continue
        label = condition.name if condition.subject in ("helm", "talos") else condition.describe()
        evidence.append(said(label, located))
    return Match(row, certain=not unknown, evidence=tuple(evidence), unknown=tuple(unknown))


def matches(
    ctx: NodeContext, expectations: Mapping[str, Expectation] | None = None
) -> tuple[Match, ...]:
    """Every row that holds, or may hold, on this node."""
    found = (evaluate(row, ctx, expectations) for row in behaviours())
    return tuple(m for m in found if m is not None)


# -- the agent log -----------------------------------------------------------------------


def log_matches(log: AgentLog) -> tuple[tuple[Behaviour, LogEntry], ...]:
    """(row, entry) for every log line that matches a row's patterns (first line per row)."""
    out: list[tuple[Behaviour, LogEntry]] = []
    for row in behaviours():
        if not row.logs:
            continue
        for entry in log.entries:
            text = entry.text
            if any(p.search(text) for p in row.patterns):
                out.append((row, entry))
                break
    return tuple(out)


def log_evidence(log: AgentLog | KernelLog, entry: LogEntry) -> Evidence:
    what = "agent log" if hasattr(log, "flags") else "kernel log"
    return Evidence(
        f"{what} {log.where(entry)}: {entry.quote()}",
        Origin(Layer.OBSERVED, detail=log.where(entry)),
    )


def kernel_log_matches(log: KernelLog) -> tuple[tuple[Behaviour, LogEntry], ...]:
    """(row, entry) for every kernel log line that matches a row's ``kernel_logs`` patterns."""
    out: list[tuple[Behaviour, LogEntry]] = []
    for row in behaviours():
        if not row.kernel_logs:
            continue
        for entry in log.entries:
            if any(p.search(entry.message) for p in row.kernel_patterns):
                out.append((row, entry))
                break
    return tuple(out)


# -- what the users get ------------------------------------------------------------------


def _sources(row: Behaviour) -> Evidence:
    return Evidence(f"known behaviour {row.id}: {row.source_text()}")


def _cause(row: Match | Behaviour, extra: Sequence[Evidence] = ()) -> Any:
    found = row.behaviour if isinstance(row, Match) else row
    evidence = [*(row.evidence if isinstance(row, Match) else ()), *extra, _sources(found)]
    if isinstance(row, Match) and row.unknown:
        evidence.append(Evidence("not known from the inputs: " + "; ".join(row.unknown)))
    return cause(found.cause, found.summary, *evidence)


def conflicts(
    ctx: NodeContext,
    expectations: Mapping[str, Expectation],
    facts: Collection[str] | None = None,
) -> dict[str, list[Conflict]]:
    """Status-free conflicts: rows that certainly hold and stop or break the node.

    ``facts``: only rows about these fact IDs (a fleet re-derives a few facts per node, and
    evaluating every row for each of 5,000 nodes was most of a ``live --prometheus`` run).
    """
    out: dict[str, list[Conflict]] = {}
    for row in behaviours():
        if not row.lint or (facts is not None and (row.fact or AGENT_FACT) not in facts):
            continue
        found = evaluate(row, ctx, expectations)
        if found is None or not found.certain:
            continue
        source = next((e.origin for e in found.evidence if e.origin is not None), None)
        effect = EFFECTS[row.effect]
        out.setdefault(row.fact or AGENT_FACT, []).append(
            Conflict(
                message=f"{row.summary} ({effect}; known behaviour {row.id})",
                causes=(_cause(found),),
                source=source,
                fix=row.fix,
                severity=Severity.ERROR if row.effect == "fatal" else Severity.WARNING,
                fatal=row.effect == "fatal",
                name="known-failure",
            )
        )
    return out


def _observed_fits(row: Behaviour, observed: str) -> bool:
    if row.observed is None:
        return row.effect != "broken"
    return observed.strip().casefold().startswith(row.observed.casefold())


def drift_candidates(
    fact_id: str,
    ctx: NodeContext,
    expectation: Expectation,
    observed: str,
    expectations: Mapping[str, Expectation] | None = None,
) -> list[Candidate]:
    """Rows that explain ``observed`` on this fact, weighed by what confirms them.

    An agent log line that matches the row is the strongest evidence there is (CERTAIN);
    every condition holding in the inputs is STRONG; a row whose conditions the inputs
    cannot all decide is LIKELY (just above the generic causes).
    """
    out: list[Candidate] = []
    logged: dict[str, tuple[AgentLog | KernelLog, LogEntry]] = {}
    if ctx.kernel_log is not None:
        logged.update(
            {row.id: (ctx.kernel_log, entry) for row, entry in kernel_log_matches(ctx.kernel_log)}
        )
    if ctx.agent_log is not None:
        logged.update({row.id: (ctx.agent_log, entry) for row, entry in log_matches(ctx.agent_log)})
    for row in behaviours():
        if row.fact != fact_id or not _observed_fits(row, observed):
            continue
        said_by = logged.get(row.id)
        found = evaluate(row, ctx, expectations, defaults_decide=said_by is None)
        if found is None:
            # A condition is known false: the log line alone does not make the row the cause
            # (a broad pattern would claim failures the row does not explain).
            continue
        if said_by is not None:
            log, entry = said_by
            out.append(
                Candidate(CERTAIN + 0.03, _cause(found, [log_evidence(log, entry)]), row.fix)
            )
        elif found is not None and row.needs_log:
            # Without its log line, a row no input points at (no condition) is no cause.
            if row.when or row.kernel != (None, None):
                out.append(Candidate(POSSIBLE, _cause(found), row.fix))
        elif found is not None and found.certain:
            out.append(Candidate(STRONG + 0.06, _cause(found), row.fix))
        elif found is not None and (row.when or row.kernel != (None, None)):
            out.append(Candidate(LIKELY + 0.03, _cause(found), row.fix))
    return out


__all__ = [
    "SETTINGS",
    "Behaviour",
    "Condition",
    "Match",
    "behaviour",
    "behaviours",
    "conflicts",
    "device_kinds",
    "drift_candidates",
    "drivers",
    "environment",
    "evaluate",
    "in_range",
    "kernel_log_matches",
    "log_evidence",
    "log_matches",
    "matches",
    "runs_talos",
]


_CAUSE_DOCS = {
    CauseKind.KERNEL_TOO_OLD: "The kernel lacks what the feature needs; the agent falls back.",
    CauseKind.REQUIREMENT_MISSING: "A setting the feature needs is off; the agent falls back.",
    CauseKind.CONFLICTING_SETTING: "Two declared settings exclude each other.",
    CauseKind.KEY_IGNORED: "A key the chart does not read (misspelled, misplaced).",
    CauseKind.DEPRECATED_VALUE: "A removed key or value.",
    CauseKind.VERSION_DEFAULT: "An unset key whose default differs between versions or layers.",
    CauseKind.NOT_APPLIED: "The agents run another config (not deployed, not restarted).",
    CauseKind.PER_NODE_OVERRIDE: "A CiliumNodeConfig or node annotation changes this node.",
    CauseKind.HARDWARE_UNSUPPORTED: "The NIC or another device cannot take what the config sends "
    "to it (no native XDP on WireGuard, KubeSpan or a VLAN; no BIG TCP on virtio-net or a tunnel).",
    CauseKind.TALOS_CONFLICT: "The Talos machine config and the values disagree.",
    CauseKind.ENVIRONMENT: "Where the node runs, not the config: nested network namespaces "
    "(kind, CI runners), a host stack the datapath bypasses (KubeSpan), a read-only /proc/sys.",
    CauseKind.KNOWN_BUG: "A bug of a Cilium release range or a kernel series, with its issue.",
    CauseKind.UNKNOWN: "Nothing in the inputs explains it; the agent log says why.",
}


def behaviours_markdown() -> str:
    """docs/known-behaviours.md: the cause kinds and every known behaviour with its sources."""
    lines = [
        "# Known behaviours and cause kinds",
        "",
        "Generated from `ciliumdrift/data/known_behaviours.yaml` by",
        "`ciliumdrift.agent.known.behaviours_markdown()`; do not edit by hand.",
        "",
        "## Cause kinds",
        "",
        "| Kind | Meaning |",
        "|---|---|",
    ]
    lines += [f"| `{kind.value}` | {text} |" for kind, text in _CAUSE_DOCS.items()]
    lines += ["", "## Behaviours", ""]
    for row in behaviours():
        lines += [f"### `{row.id}`", "", row.summary, ""]
        lines.append(f"- Cause: `{row.cause.value}`; effect: {row.effect}")
        if row.fact:
            shown = f" (shows `{row.observed}`)" if row.observed else ""
            lines.append(f"- Status line: fact `{row.fact}`{shown}")
        if row.cilium != (None, None):
            lines.append(f"- Cilium: since {row.cilium[0] or '-'}, before {row.cilium[1] or '-'}")
        if row.kernel != (None, None):
            lines.append(f"- Kernel: since {row.kernel[0] or '-'}, before {row.kernel[1] or '-'}")
        for condition in row.when:
            lines.append(f"- When: {condition.describe()}")
        for pattern in row.logs:
            lines.append(f"- Log: `{pattern}`")
        for pattern in row.kernel_logs:
            lines.append(f"- Kernel log: `{pattern}`")
        if row.fix is not None:
            lines.append(f"- Fix: {row.fix.summary}")
        lines += [f"- Source: {source}" for source in row.sources]
        lines.append("")
    return "\n".join(lines)
