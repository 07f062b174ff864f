"""One neutral shape for every report, built once, that the CI formats render.

SARIF, GitHub workflow commands, JUnit and Markdown all need the same things: the rules
(or facts) that were checked with their documentation, the results with a level, a
message and a place, and, for JUnit, every (rule, file-or-node) pair that was checked so
that passing checks show up too. :func:`records_of` turns a check
:class:`~ciliumdrift.model.Report`, a :class:`~ciliumdrift.lint.rule.LintReport` or an
:class:`~ciliumdrift.impact.ImpactReport` into that shape; no format walks a domain model.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ciliumdrift.agent.facts import FACTS, HEALTH
from ciliumdrift.lint.docs import rule_markdown
from ciliumdrift.lint.rule import LintReport
from ciliumdrift.lint.rules import BY_CODE
from ciliumdrift.model import FindingKind, Position, Report, Severity


@dataclass(frozen=True)
class RuleInfo:
    id: str
    name: str
    summary: str
    description: str
    help_markdown: str
    level: str  # error | warning | note
    url: str
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Record:
    rule_id: str
    level: str  # error | warning | note
    message: str
    position: Position | None
    group: str  # a file (lint) or a node (check, impact): the JUnit test-case subject
    subject: str | None = None  # a Helm key or a status line
    fingerprint: str = ""

    @property
    def title(self) -> str:
        return self.message.split(": ", 1)[0] if len(self.message) > 120 else self.message


@dataclass(frozen=True)
class Records:
    kind: str  # check | lint | impact
    tool_version: str
    rules: tuple[RuleInfo, ...]
    records: tuple[Record, ...]
    cases: tuple[tuple[str, str], ...]  # every (rule id, group) that was checked
    summary: str = ""

    def rule(self, rule_id: str) -> RuleInfo | None:
        return next((r for r in self.rules if r.id == rule_id), None)


def _level(severity: Severity) -> str:
    return severity.value


def _fingerprint(*parts: object) -> str:
    return hashlib.sha256("\0".join(str(p) for p in parts).encode("utf-8")).hexdigest()[:32]


def artifact_uri(file: str) -> str:
    """A repository-relative, forward-slash path (what code scanning wants), never absolute
    when the file is under the working directory."""
    if file in {"<stdin>", "-"}:
        return "stdin"
    path = Path(file)
    if path.is_absolute():
        try:
            path = path.resolve().relative_to(Path.cwd().resolve())
        except ValueError:
            return path.as_posix()
    return os.path.normpath(path.as_posix()).replace(os.sep, "/")


def records_of(report: Any) -> Records:
    if isinstance(report, LintReport):
        return _lint(report)
    if isinstance(report, Report):
        return _check(report)
    if type(report).__name__ == "ImpactReport":
        return _impact(report)
    raise TypeError(f"cannot render a {type(report).__name__}")


def _lint(report: Any) -> Records:
    rules = []
    for code in report.rules:
        unit = BY_CODE[code]
        rules.append(
            RuleInfo(
                id=unit.code,
                name=unit.name,
                summary=unit.summary,
                description=unit.rationale or unit.summary,
                help_markdown=rule_markdown(unit, heading="##")
                + f"\n[Rule documentation]({unit.url})\n",
                level=_level(unit.severity),
                url=unit.url,
                tags=("cilium", "helm", unit.family.title.lower()),
            )
        )
    records = tuple(
        Record(
            rule_id=v.code,
            level=_level(v.severity),
            message=v.message,
            position=v.position,
            group=v.position.file,
            subject=v.key,
            fingerprint=v.fingerprint(),
        )
        for v in report.violations
    )
    cases = tuple((code, file) for file in report.files for code in report.rules)
    errors = sum(1 for v in report.violations if v.severity is Severity.ERROR)
    summary = (
        f"{len(report.violations)} violation(s), {errors} error(s), {len(report.files)} "
        f"file(s), Cilium {report.cilium_version}"
    )
    return Records("lint", report.tool_version, tuple(rules), records, cases, summary)


def _fact_rules(ids: list[str], health_ids: frozenset[str] = frozenset()) -> tuple[RuleInfo, ...]:
    """SARIF/JUnit rule metadata for the facts the rows and findings name; ``health_ids``
    are the IDs that health findings name (a health fact's, or both when they share one)."""
    try:
        facts = {f.id: f for f in FACTS}
        health = {h.id: h for h in HEALTH}
    except ImportError:  # the derivation is not installed in this build
        facts, health = {}, {}
    out = []
    for fact_id in dict.fromkeys(ids):
        fact = facts.get(fact_id)
        unit = health.get(fact_id) if fact_id in health_ids else None
        described = fact or unit
        summary = described.summary if described is not None else fact_id
        doc = described.doc if described is not None and described.doc else summary
        status_line = described.status_line if described is not None else fact_id
        if fact is not None and unit is not None:
            # one status line, two questions: what the config decides, and its health
            doc = f"{doc}\n\n## Health\n{unit.summary}\n\n{unit.doc}"
        runtime_only = fact is None and unit is not None
        out.append(
            RuleInfo(
                id=fact_id,
                name=fact_id,
                summary=f"{status_line}: {summary}",
                description=doc.split("\n\n", 1)[0],
                help_markdown=f"## {status_line} ({fact_id})\n\n{doc}\n",
                level="warning" if runtime_only else "error",
                url="https://github.com/ciliumdrift/ciliumdrift/blob/main/docs/facts.md#" + fact_id,
                tags=("cilium", "health") if runtime_only else ("cilium", "runtime"),
            )
        )
    return tuple(out)


def _check(report: Any) -> Records:
    first_file = _first_file(report.inputs)
    records = []
    for finding in report.findings:
        position = finding.source.position if finding.source is not None else None
        if position is None and first_file is not None:
            position = Position(first_file, 1, 1)
        message = finding.message
        shown = [
            f"{label} {value}"
            for label, value in (("expected", finding.expected), ("observed", finding.observed))
            if value is not None and value not in message
        ]
        if shown:
            message += f" ({', '.join(shown)})"
        if finding.causes:
            message += f"; likely cause: {finding.causes[0].summary}"
        if finding.fix is not None:
            message += f"; fix: {finding.fix.summary}"
        # A finding that reads the same on several nodes is one record per node: CI formats
        # (JUnit cases, code-scanning alerts) are per node and file.
        for node in finding.applies_to or ("cluster",):
            records.append(
                Record(
                    rule_id=finding.fact,
                    level=_level(finding.severity),
                    message=message,
                    position=position,
                    group=node,
                    subject=finding.status_line,
                    fingerprint=_fingerprint(
                        finding.fact, node, finding.expected, finding.observed
                    ),
                )
            )
    ids = [r.fact for r in report.rows] + [f.fact for f in report.findings]
    checked = {(r.fact, r.node or "cluster") for r in report.rows}
    cases = tuple(dict.fromkeys((r.fact, r.node or "cluster") for r in report.rows)) + tuple(
        dict.fromkeys(
            (f.fact, node)
            for f in report.findings
            for node in f.applies_to or ("cluster",)
            if (f.fact, node) not in checked
        )
    )
    summary = f"{len(report.rows)} status line(s) compared, {len(report.findings)} finding(s)"
    unwell = frozenset(f.fact for f in report.findings if f.kind is FindingKind.HEALTH)
    rules = _fact_rules(ids, unwell)
    return Records("check", report.tool_version, rules, tuple(records), cases, summary)


def _first_file(inputs: Any) -> str | None:
    for key in ("values", "values_files", "talos", "talos_files", "status", "status_files"):
        found = inputs.get(key) if hasattr(inputs, "get") else None
        if isinstance(found, (list, tuple)) and found:
            first = found[0]
            return str(first.get("file") if isinstance(first, dict) else first)
    return None


def _impact(report: Any) -> Records:
    records = []
    for change in report.changes:
        records.append(
            Record(
                rule_id=change.fact,
                level="warning" if change.disruptive else "note",
                message=change.message(),
                position=change.position,
                group=change.node or "cluster",
                subject=change.status_line,
                fingerprint=_fingerprint(change.fact, change.node, change.before, change.after),
            )
        )
    ids = [c.fact for c in report.changes] + list(report.facts)
    cases = tuple(
        dict.fromkeys(
            (fact, node or "cluster") for fact in report.facts for node in (report.nodes or (None,))
        )
    )
    summary = report.summary()
    return Records("impact", report.tool_version, _fact_rules(ids), tuple(records), cases, summary)
