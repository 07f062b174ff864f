"""Inline suppression: ``# ciliumdrift: ignore[ID, ...]`` on the line or the line above.

Suppressions are read from the comments the YAML reader found (:mod:`ciliumdrift.load.yaml`,
lenient mode), so the same text inside a quoted string or a block scalar suppresses nothing.

``ID`` is a rule code (``CD101``), its kebab name (``unknown-key``) or a family prefix
(``CD3``). ``# ciliumdrift: ignore-file[ID]`` anywhere in a file silences the rule for the
whole file. Suppression belongs to the violation, not to each rule, so it is applied once,
centrally, after every rule has run (as flake8 does with ``# noqa``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ciliumdrift.lint.rule import Rule, Violation
from ciliumdrift.regex import lazy_pattern

_COMMENT = lazy_pattern(r"(?:^|\s)#\s*ciliumdrift:\s*ignore(?P<file>-file)?\[(?P<ids>[^\]]*)\]")


@dataclass(frozen=True)
class Suppressions:
    """The suppression comments of one file: per line, and for the whole file."""

    by_line: Mapping[int, frozenset[str]] = field(default_factory=dict)
    whole_file: frozenset[str] = frozenset()

    def silences(self, rule: Rule, line: int) -> bool:
        selectors = self.whole_file | self.by_line.get(line, frozenset())
        selectors |= self.by_line.get(line - 1, frozenset())
        return any(rule.matches(s) for s in selectors)


def parse_suppressions(text: str) -> Suppressions:
    """The suppressions of a text that is not read as YAML (a file with merge-conflict
    markers): every line is searched."""
    return suppressions_in(enumerate(text.splitlines(), start=1))


def suppressions_in(comments: Iterable[tuple[int, str]]) -> Suppressions:
    """The suppressions in ``(line, comment)`` pairs: the comments the YAML reader found
    (``load.written.Reading.comments``), so a ``#`` inside a string or a block is not one."""
    by_line: dict[int, frozenset[str]] = {}
    whole: set[str] = set()
    for number, line in comments:
        if "ciliumdrift:" not in line:
            continue
        for match in _COMMENT.finditer(line):
            ids = {part.strip() for part in match.group("ids").split(",") if part.strip()}
            if match.group("file"):
                whole |= ids
            else:
                by_line[number] = by_line.get(number, frozenset()) | frozenset(ids)
    return Suppressions(by_line, frozenset(whole))


def apply_suppressions(
    violations: Iterable[Violation],
    rules: Mapping[str, Rule],
    suppressions: Mapping[str, Suppressions],
) -> tuple[list[Violation], int]:
    """(violations that remain, how many were suppressed)."""
    kept: list[Violation] = []
    dropped = 0
    for violation in violations:
        found = suppressions.get(violation.position.file)
        rule = rules[violation.code]
        if found is not None and found.silences(rule, violation.position.line):
            dropped += 1
        else:
            kept.append(violation)
    return kept, dropped
