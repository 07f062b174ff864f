"""Keys the user wrote that no chart reads, matched to the key they most likely meant.

Helm ignores unknown keys silently (the chart's values.schema.json has no
``additionalProperties``), so `bpf.masqurade: true` leaves
masquerading on iptables without a word. A key is flagged when the data table of known
misplacements names it, or when it is a near miss (case or at most two edits in its last
segment, same parent) of a key some fact reads.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from ciliumdrift.agent.tables import _load
from ciliumdrift.load.model import HelmValues, split_key
from ciliumdrift.model import Layer, Located


@dataclass(frozen=True)
class IgnoredKey:
    key: str
    value: Located[Any]
    meant: str

    @property
    def removed(self) -> bool:
        """The key was read by an older chart: a removed key, not a typo."""
        return self.key in _removed()

    @property
    def meant_value(self) -> Any:
        """The value to write under the meant key (``bpf.hostRouting: true`` means legacy off)."""
        if self.meant == "bpf.hostLegacyRouting" and self.key.lower().endswith("hostrouting"):
            value = self.value.value
            return not value if isinstance(value, bool) else value
        if self.meant.endswith("List") and isinstance(self.value.value, str):
            return [self.value.value]
        return self.value.value


@cache
def _removed() -> frozenset[str]:
    """Keys some chart version read and a later one dropped (data/removed.yaml)."""
    rows = _load("removed.yaml").get("keys") or []
    return frozenset(str(row["key"]) for row in rows)


@cache
def _misplaced() -> dict[str, str]:
    return dict(_load("agent_defaults.yaml").get("misplaced") or {})


@cache
def _chart_keys() -> frozenset[str]:
    return frozenset(_load("agent_defaults.yaml")["chart"])


def _distance(a: str, b: str, limit: int = 2) -> int:
    """Levenshtein distance, stopping early once it exceeds ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def _user_keys(values: HelmValues) -> Iterable[str]:
    for key, _ in values.items():
        if values.is_user_set(key):
            yield key
            continue
        origin = values.sources.get(key)
        if origin is not None and origin.layer not in (Layer.CHART_DEFAULT, Layer.AGENT_DEFAULT):
            yield key


def _meant(key: str, known: frozenset[str]) -> str | None:
    table = _misplaced()
    if key in table:
        return table[key]
    if key in known or key in _chart_keys():
        return None
    parts = split_key(key)
    for candidate in known:
        other = split_key(candidate)
        if len(other) != len(parts):
            continue
        if [p.lower() for p in other[:-1]] != [p.lower() for p in parts[:-1]]:
            continue
        if parts[-1].lower() == other[-1].lower():
            return candidate
        if len(parts[-1]) >= 6 and _distance(parts[-1].lower(), other[-1].lower()) <= 2:
            return candidate
    return None


def ignored_keys(values: HelmValues, known: Iterable[str]) -> tuple[IgnoredKey, ...]:
    """The user's keys that no chart reads, with the known key each one most likely meant."""
    reads = frozenset(known)
    found: list[IgnoredKey] = []
    for key in _user_keys(values):
        meant = _meant(key, reads)
        if meant is None or (meant in set(_user_keys(values))):
            continue
        located = values.get(key)
        if located is not None:
            found.append(IgnoredKey(key, located, meant))
    return tuple(found)
