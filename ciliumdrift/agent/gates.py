"""Named version gates: the version-dependent behaviours of the chart and the agent.

Every gate is a row of ``data/gates.yaml`` (name, ``since``/``until`` bounds, what it means,
its upstream source). Code asks ``gate("kpr-legacy-modes", version)``; it never compares
version numbers inline, so a new Cilium minor that changes a behaviour is a data change.
"""

from __future__ import annotations

from functools import cache

from ciliumdrift.datafiles import load
from ciliumdrift.records import record
from ciliumdrift.versions import Version


@record
class Gate:
    """One version-dependent behaviour: it holds from ``since`` through ``until``."""

    name: str
    means: str
    source: str
    since: Version | None = None
    until: Version | None = None

    def holds(self, version: Version | str | None) -> bool:
        """True when the behaviour holds at ``version`` (a version that cannot be read:
        the newest behaviour, as if no upper bound applied and every lower one did)."""
        found = version if isinstance(version, Version) else Version.parse(version)
        if found is None:
            return self.until is None
        if self.since is not None and not found.at_least(self.since):
            return False
        return self.until is None or found.at_most(self.until)


@cache
def gates() -> dict[str, Gate]:
    """Every gate by name."""
    out: dict[str, Gate] = {}
    for row in load("gates.yaml")["gates"]:
        since = Version.parse(row.get("since")) if row.get("since") else None
        until = Version.parse(row.get("until")) if row.get("until") else None
        out[row["name"]] = Gate(row["name"], row["means"], row["source"], since, until)
    return out


def gate(name: str, version: Version | str | None) -> bool:
    """True when the named behaviour holds at ``version``; KeyError for an unknown name."""
    try:
        found = gates()[name]
    except KeyError:
        raise KeyError(f"no version gate {name!r} in data/gates.yaml") from None
    return found.holds(version)


__all__ = ["Gate", "gate", "gates"]
