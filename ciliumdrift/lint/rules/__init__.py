"""The rule registry: every lint rule, in code order, assembled from the family modules."""

from __future__ import annotations

from ciliumdrift.lint.rule import Rule
from ciliumdrift.lint.rules import datapath, deprecated, hygiene, keys, known, talos

RULES: tuple[Rule, ...] = tuple(
    sorted(
        (
            *keys.RULES,
            *datapath.RULES,
            *known.RULES,
            *talos.RULES,
            *deprecated.RULES,
            *hygiene.RULES,
        ),
        key=lambda r: r.code,
    )
)

BY_CODE: dict[str, Rule] = {r.code: r for r in RULES}


def find_rule(selector: str) -> Rule | None:
    """The rule with this code, name or alias (case-insensitive), or None."""
    wanted = selector.strip()
    for candidate in RULES:
        if wanted.upper() == candidate.code or wanted.lower() in {
            candidate.name,
            *candidate.aliases,
        }:
            return candidate
    return None
