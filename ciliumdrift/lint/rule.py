"""The lint rule unit: a small declared check with its ID, summary and documentation.

A rule is one decorated function in a family module (``rules/keys.py``, ``rules/talos.py``
…). The decorator reads the function's docstring, whose first line is the summary and
whose fixed headings (``## Why``, ``## Bad``, ``## Good``, ``## Fix``) are the
documentation that ``ciliumdrift rules`` prints, SARIF carries as help, and the tests run
(every Bad example must fail the rule, every Good example must pass it).

Rules receive a :class:`LintContext` and yield :class:`Violation` objects. Violations are
data, never exceptions; suppression comments and ``--select``/``--ignore`` are applied
centrally by :func:`ciliumdrift.lint.lint`, not by each rule.
"""

from __future__ import annotations

import enum
import hashlib
import inspect
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ciliumdrift.agent.gates import gate
from ciliumdrift.load.model import HelmValues, TalosFacts, join_key, split_key
from ciliumdrift.model import Diagnostic, Position, Severity
from ciliumdrift.regex import lazy_pattern
from ciliumdrift.versions import Version

DOCS_URL = "https://github.com/ciliumdrift/ciliumdrift/blob/main/docs/rules.md"


class Family(enum.IntEnum):
    """Rule families; the digit after ``CD`` in a rule code."""

    KEYS = 1
    DATAPATH = 2
    TALOS = 3
    DEPRECATED = 4
    HYGIENE = 5

    @property
    def title(self) -> str:
        return _FAMILY_TITLES[self]


_FAMILY_TITLES = {
    Family.KEYS: "Keys and schema",
    Family.DATAPATH: "Datapath consistency",
    Family.TALOS: "Talos cross-checks",
    Family.DEPRECATED: "Deprecated and removed settings",
    Family.HYGIENE: "Templates and hygiene",
}


@dataclass(frozen=True, slots=True)
class Violation:
    """One place where a values file breaks a rule."""

    code: str
    name: str
    message: str
    position: Position
    severity: Severity
    key: str | None = None  # dotted Helm key the violation is about, when there is one
    fix: str | None = None
    fact: str | None = None  # the status line a model view's conflict decides (fact ID)
    cause: str | None = None  # a model view's best cause kind (as check ranks it)

    @property
    def file(self) -> str:
        return self.position.file

    def fingerprint(self) -> str:
        """Stable across edits elsewhere in the file: rule, file and key, not the line."""

        anchor = self.key if self.key is not None else f"line:{self.position.line}"
        text = f"{self.code}\0{self.position.file}\0{anchor}\0{self.message}"
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "severity": self.severity.value,
            "message": self.message,
            "file": self.position.file,
            "line": self.position.line,
            "column": self.position.column,
            "key": self.key,
            "fix": self.fix,
            "fact": self.fact,
            "cause": self.cause,
            "fingerprint": self.fingerprint(),
            "url": f"{DOCS_URL}#{self.code.lower()}-{self.name}",
        }


@dataclass(frozen=True, slots=True)
class Example:
    """A documented example: values YAML, optionally a Talos config and a Cilium version."""

    values: str
    talos: str | None = None
    cilium_version: str | None = None
    kernel: str | None = None  # the node kernel the Talos release ships, when the table lacks it


Check = Callable[["LintContext"], Iterable[Violation]]


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    family: Family
    severity: Severity
    summary: str
    doc: str
    check: Check
    reads: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    needs_talos: bool = False
    view: bool = False  # a view of the model's conflicts of the same name (lint.model)

    @property
    def url(self) -> str:
        return f"{DOCS_URL}#{self.code.lower()}-{self.name}"

    def section(self, heading: str) -> str:
        """The text under ``## heading`` in the docstring, stripped ("" when absent)."""
        return _sections(self.doc).get(heading, "").strip()

    @property
    def rationale(self) -> str:
        return self.section("Why")

    @property
    def fix_text(self) -> str:
        return self.section("Fix")

    @property
    def bad(self) -> tuple[Example, ...]:
        return _examples(self.section("Bad"))

    @property
    def good(self) -> tuple[Example, ...]:
        return _examples(self.section("Good"))

    def matches(self, selector: str) -> bool:
        """True for this rule's code, name, alias, or a code prefix such as ``CD3``."""
        wanted = selector.strip()
        if wanted.lower() in {self.name, *(a.lower() for a in self.aliases)}:
            return True
        upper = wanted.upper()
        return upper == "ALL" or (upper.startswith("CD") and self.code.startswith(upper))

    def violation(
        self,
        ctx: LintContext,
        message: str,
        position: Position,
        *,
        key: str | None = None,
        fix: str | None = None,
        severity: Severity | None = None,
    ) -> Violation:
        del ctx  # present so rules read as `RULE.violation(ctx, ...)` uniformly
        return Violation(
            code=self.code,
            name=self.name,
            message=message,
            position=position,
            severity=severity or self.severity,
            key=key,
            fix=fix,
        )

    def run(self, ctx: LintContext) -> Iterator[Violation]:
        if self.needs_talos and ctx.talos is None and not self.view:
            return  # a view reports what the model finds, with a Talos config or without
        yield from self.check(ctx)


_CODE = lazy_pattern(r"^CD[1-5]\d\d$")
_NAME = lazy_pattern(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_HEADINGS = ("Why", "Bad", "Good", "Fix")


def rule(
    *,
    code: str,
    name: str,
    severity: Severity = Severity.WARNING,
    reads: tuple[str, ...] = (),
    aliases: tuple[str, ...] = (),
    needs_talos: bool = False,
    view: bool = False,
) -> Callable[[Callable[..., Any]], Rule]:
    """Declare a lint rule; the decorated function becomes a :class:`Rule`.

    ``view=True`` declares a view of the model of the agent: the rule reports the model's
    conflicts named like the rule, with the model's message, position and severity
    (:mod:`ciliumdrift.lint.model`). The function then holds only the documentation, or a
    check from data for what the model does not cover (every unknown key, not only the
    keys the agent reads); on a line both report, the model's violation stands.
    """

    def wrap(function: Callable[..., Any]) -> Rule:
        return declare_rule(
            code=code,
            name=name,
            doc=_dedent(function.__doc__ or ""),
            check=function,
            severity=severity,
            reads=reads,
            aliases=aliases,
            needs_talos=needs_talos,
            view=view,
        )

    return wrap


def declare_rule(
    *,
    code: str,
    name: str,
    doc: str,
    check: Callable[..., Any] | None = None,
    severity: Severity = Severity.WARNING,
    reads: tuple[str, ...] = (),
    aliases: tuple[str, ...] = (),
    needs_talos: bool = False,
    view: bool = False,
) -> Rule:
    """A rule from its documentation text (what :func:`rule` reads from a docstring), for
    rules declared as data: a view needs no check of its own."""
    if not _CODE.match(code):
        raise ValueError(f"rule code {code!r} is not CD + family digit + two digits")
    if not _NAME.match(name):
        raise ValueError(f"rule name {name!r} is not kebab-case")
    summary = doc.strip().splitlines()[0].strip() if doc.strip() else ""
    missing = [h for h in _HEADINGS if h not in _sections(doc)]
    if not summary or missing:
        raise ValueError(f"rule {code} docstring lacks a summary or headings {missing}")
    own = check if check is not None else _nothing
    return Rule(
        code=code,
        name=name,
        family=Family(int(code[2])),
        severity=severity,
        summary=summary,
        doc=doc,
        check=_model_view(code, name, own) if view else own,
        reads=reads,
        aliases=aliases,
        needs_talos=needs_talos,
        view=view,
    )


def _nothing(ctx: LintContext) -> Iterator[Violation]:
    return iter(())


def _model_view(code: str, name: str, own: Callable[..., Any]) -> Check:
    def check(ctx: LintContext) -> Iterator[Violation]:
        # the model's first: of a data check's violation with the very same words on the same
        # line, the model's (which carries its fact) is the one kept
        for found in ctx.conflicts:
            if found.name != name:
                continue
            yield Violation(
                code=code,
                name=name,
                message=found.message,
                position=found.position or _first_line(ctx),
                severity=found.severity,
                key=found.key,
                fix=found.fix,
                fact=found.fact,
                cause=found.cause,
            )
        yield from own(ctx) or ()

    return check


def _first_line(ctx: LintContext) -> Position:
    """Where a conflict that no line states is reported (decided by defaults alone): the
    first line of the first linted file (the first the user named, not the first document:
    a kustomization's valuesFile is read before it), as check reports it with no position."""
    first = next(iter(ctx.texts), None) or (ctx.documents[0].name if ctx.documents else None)
    return Position(first or "<values>", 1, 1)


def _dedent(doc: str) -> str:
    return inspect.cleandoc(doc)


def _sections(doc: str) -> dict[str, str]:
    out: dict[str, str] = {}
    current: str | None = None
    lines: list[str] = []
    for line in doc.splitlines():
        if line.startswith("## "):
            if current is not None:
                out[current] = "\n".join(lines)
            current, lines = line[3:].strip(), []
        elif current is not None:
            lines.append(line)
    if current is not None:
        out[current] = "\n".join(lines)
    return out


_FENCE = lazy_pattern(r"^```yaml(?P<info>[^\n]*)\n(?P<body>.*?)^```", re.MULTILINE | re.DOTALL)


def _examples(section: str) -> tuple[Example, ...]:
    """Fenced ``yaml`` blocks; ``yaml talos`` blocks attach to the values block before them.

    The info string may carry ``cilium=1.15`` to run the example against that version, and a
    ``talos`` block ``kernel=5.15.0`` for a Talos release older than the kernel table.
    """
    examples: list[Example] = []
    for match in _FENCE.finditer(section):
        info = match.group("info").split()
        body = match.group("body")
        version = next((i.split("=", 1)[1] for i in info if i.startswith("cilium=")), None)
        if "talos" in info and examples:
            last = examples[-1]
            kernel = next((i.split("=", 1)[1] for i in info if i.startswith("kernel=")), None)
            examples[-1] = Example(last.values, body, last.cilium_version, kernel)
        else:
            examples.append(Example(body, None, version))
    return tuple(examples)


@dataclass(frozen=True)
class LintContext:
    """What a rule may look at.

    ``values`` holds the *user's* layers merged in order (no chart defaults), with the
    position of every key in ``values.sources``; ``documents`` holds each file as written,
    for rules about the text itself (duplicate keys, quoting, placeholders).
    ``chart_defaults`` is the chart's own ``values.yaml`` for ``cilium_version`` when the
    chart data is available, else empty.
    """

    documents: tuple[Any, ...]  # tuple[load.written.ValuesDocument, ...]: the layers as written
    values: HelmValues
    cilium_version: str
    texts: Mapping[str, str] = field(default_factory=dict)  # file name -> full text
    value_positions: Mapping[str, Position] = field(default_factory=dict)
    known_keys: frozenset[str] | None = None
    open_maps: frozenset[str] = frozenset()
    chart_defaults: Mapping[str, Any] = field(default_factory=dict)
    talos: TalosFacts | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    conflicts: tuple[Any, ...] = ()  # tuple[lint.model.AgentConflict, ...]: the model's view

    # -- reading values ----------------------------------------------------------------

    def user(self, key: str, default: Any = None) -> Any:
        """The merged user value at a dotted key (``default`` when the user did not set it)."""
        return self.values.raw(key, default)

    def is_set(self, key: str) -> bool:
        return self.values.has(key) and self.values.raw(key) is not None

    def chart_default(self, key: str, default: Any = None) -> Any:
        node: Any = self.chart_defaults
        for part in split_key(key):
            if not isinstance(node, Mapping) or part not in node:
                return default
            node = node[part]
        return node

    def effective(self, key: str, agent_default: Any = None) -> Any:
        """User value, else a non-empty chart default, else what the agent assumes."""
        value = self.user(key)
        if value is None:
            value = self.chart_default(key)
        if value is None or value == "":
            return agent_default
        return value

    def flag(self, key: str, agent_default: bool = False) -> bool:
        """A boolean setting as Helm's template sees it (a non-empty string is truthy)."""
        value = self.effective(key, agent_default)
        if isinstance(value, str):
            return value.strip().lower() not in {"", "false"}
        return bool(value)

    def value_at(self, key: str) -> Position:
        """The position of the user's *value* for ``key`` (falls back to the key)."""
        found = self.value_positions.get(key)
        return found if found is not None else self.where(key)

    def where(self, key: str) -> Position:
        """The position of the user's value for ``key`` (or the first file's start)."""
        origin = self.values.sources.get(key)
        if origin is not None and origin.position is not None:
            return origin.position
        path = split_key(key)
        while path:
            path = path[:-1]
            parent = self.values.sources.get(join_key(path))
            if parent is not None and parent.position is not None:
                return parent.position
        return self.start()

    def start(self) -> Position:
        """Where the first values document begins (for findings about the file as a whole)."""
        for doc in self.documents:
            if doc.root is not None:
                return doc.root.position  # type: ignore[no-any-return]
        first = self.documents[0].name if self.documents else "<values>"
        return Position(first, 1, 1)

    # -- versions ----------------------------------------------------------------------

    def gate(self, name: str) -> bool:
        """The named version gate (data/gates.yaml) at the linted Cilium version."""

        return gate(name, self.cilium_version)

    def at_least(self, version: str) -> bool:
        """The linted version is a data row's ``version`` or newer (False when unknown)."""
        have = Version.parse(self.cilium_version)
        return have is not None and have.at_least(version)

    def below(self, version: str) -> bool:
        return not self.at_least(version)

    def within(self, since: str | None = None, until: str | None = None) -> bool:
        """The linted version lies in a data row's ``since``..``until`` (inclusive; a bare
        minor means every patch of it)."""
        have = Version.parse(self.cilium_version)
        if have is None:
            return not since
        if since and not have.at_least(since):
            return False
        return not until or have.at_most(until)

    # -- derived datapath terms shared by several rules -----------------------------------

    @property
    def routing_mode(self) -> str:
        mode = self.effective("routingMode")
        if mode is None and self.gate("legacy-tunnel-key"):
            legacy = self.user("tunnel")
            if legacy == "disabled":
                return "native"
        return str(mode) if mode is not None else "tunnel"

    @property
    def kpr(self) -> bool:
        value = self.effective("kubeProxyReplacement", "false")
        text = "true" if value is True else str(value).strip().lower()
        return text == "true" or (text == "strict" and self.gate("kpr-legacy-modes"))

    @property
    def encryption_type(self) -> str | None:
        if not self.flag("encryption.enabled"):
            return None
        return str(self.effective("encryption.type", "ipsec"))

    @property
    def ipv4(self) -> bool:
        return self.flag("ipv4.enabled", True)

    @property
    def ipv6(self) -> bool:
        return self.flag("ipv6.enabled", False)

    def host_routing_legacy_reason(self) -> str | None:
        """Why the agent ends in Legacy host routing, or None when eBPF host routing holds.

        Follows the agent's demotion order
        (cilium/cilium@v1.17.0:daemon/cmd/kube_proxy_replacement.go).
        """
        explicit = self.user("bpf.hostLegacyRouting")
        if explicit is True or str(explicit).lower() == "true":
            return "bpf.hostLegacyRouting is true"
        if explicit is None and str(self.effective("cni.chainingMode", "none")) not in {
            "none",
            "",
        }:
            return "CNI chaining makes the chart set legacy host routing"
        if not self.kpr:
            return "kubeProxyReplacement is not true"
        if self.encryption_type == "ipsec" and not self.gate("bpf-host-routing-with-ipsec"):
            return "IPsec forces legacy host routing before Cilium 1.19"
        masquerading = (self.ipv4 and self.flag("enableIPv4Masquerade", True)) or (
            self.ipv6 and self.flag("enableIPv6Masquerade", True)
        )
        if masquerading and not self.flag("bpf.masquerade", False):
            return "masquerading is done by iptables (bpf.masquerade is not true)"
        return None


@dataclass(frozen=True)
class LintReport:
    """The result of :func:`ciliumdrift.lint.lint`."""

    violations: tuple[Violation, ...]
    files: tuple[str, ...]
    cilium_version: str
    rules: tuple[str, ...]  # codes of the rules that ran
    diagnostics: tuple[Diagnostic, ...] = ()
    suppressed: int = 0
    tool_version: str = ""

    def to_dict(self) -> dict[str, Any]:
        counts = {s.value: 0 for s in Severity}
        for v in self.violations:
            counts[v.severity.value] += 1
        return {
            "schema_version": 1,
            "tool": {"name": "ciliumdrift", "version": self.tool_version},
            "cilium_version": self.cilium_version,
            "files": list(self.files),
            "summary": {
                "violations": len(self.violations),
                "suppressed": self.suppressed,
                **counts,
            },
            "rules": list(self.rules),
            "violations": [v.to_dict() for v in self.violations],
            "diagnostics": [d.to_dict() for d in self.diagnostics],
        }
