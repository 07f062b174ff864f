"""Keys the user wrote that no chart reads, matched to the key they most likely meant.

Helm ignores unknown keys silently (the chart's values.schema.json has no
``additionalProperties``), so `bpf.masqurade: true` leaves
masquerading on iptables without a word. A key is flagged when the data table of known
misplacements names it, or when it is a near miss (case or at most two edits in its last
segment, same parent) of a key some fact reads.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from functools import cache, lru_cache
from typing import Any

from ciliumdrift.agent.tables import _load
from ciliumdrift.errors import CiliumdriftError
from ciliumdrift.load.chart import known_keys
from ciliumdrift.load.model import HelmValues, split_key
from ciliumdrift.model import Layer, Located
from ciliumdrift.records import record


@record
class IgnoredKey:
    key: str
    value: Located[Any]
    meant: str

    @property
    def removed(self) -> bool:
        """The key was read by an older chart: a removed key, not a typo."""
        return self.key in _removed()

    @property
    def misplaced(self) -> bool:
        """A real chart key written at the wrong level (``bbr`` for ``bandwidthManager.bbr``)."""
        return split_key(self.key)[-1] == split_key(self.meant)[-1] and self.key != self.meant

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


def closest(name: str, candidates: Iterable[str]) -> str | None:
    """The candidate a misspelled ``name`` most likely means: the same name in another case,
    else the closest by difflib's ratio (at least 0.8). The one typo suggestion of the
    package: the model's ignored keys and lint's unknown keys both use it."""

    options = sorted(set(candidates))
    for option in options:
        if option.lower() == name.lower():
            return option
    close = difflib.get_close_matches(name, options, n=1, cutoff=0.8)
    return close[0] if close else None


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
    siblings = _siblings(known).get(tuple(part.lower() for part in parts[:-1]), {})
    found = closest(parts[-1], siblings)
    return siblings[found] if found is not None else None


@lru_cache(maxsize=8)
def _siblings(known: frozenset[str]) -> dict[tuple[str, ...], dict[str, str]]:
    """Parent path (compared without case) -> each known child's name -> its key: built
    once per set of known keys instead of scanning them all for every ignored key."""
    index: dict[tuple[str, ...], dict[str, str]] = {}
    for candidate in known:
        path = split_key(candidate)
        parent = tuple(part.lower() for part in path[:-1])
        index.setdefault(parent, {})[path[-1]] = candidate
    return index


def _read_by_this_chart(key: str, chart_version: str | None) -> bool:
    """An older chart's own key (``bpf.hostRouting`` up to 1.12): read, not ignored, there."""
    if not chart_version:
        return False
    try:
        return key in known_keys(chart_version)
    except CiliumdriftError:
        return False


def ignored_keys(values: HelmValues, known: Iterable[str]) -> tuple[IgnoredKey, ...]:
    """The user's keys that no chart reads, with the known key each one most likely meant."""
    reads = frozenset(known)
    found: list[IgnoredKey] = []
    user = tuple(_user_keys(values))  # once: it walks every merged value, defaults included
    for key in user:
        meant = _meant(key, reads)
        if meant is None or meant in user:
            continue
        if key in _misplaced() and _read_by_this_chart(key, values.chart_version):
            continue
        located = values.get(key)
        if located is not None:
            found.append(IgnoredKey(key, located, meant))
    return tuple(found)
