"""The data tables of the derive stage: kernel thresholds, chart and agent defaults.

The tables live in ``ciliumdrift/data`` (``kernel.yaml``, ``agent_defaults.yaml``) and are
compiled into data/compiled.json (ciliumdrift.datafiles); this module only looks things up.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from ciliumdrift.datafiles import load
from ciliumdrift.records import record
from ciliumdrift.versions import Version, version_tuple

_MISSING: Any = object()


def _within(version: str, since: str | None, until: str | None) -> bool:
    """True when ``version`` lies in the minor range ``since``..``until`` (either open)."""
    found = Version.parse(version)
    if found is None:
        return until is None
    if since and not found.at_least(Version(found_minor(since))):
        return False
    return not until or found.at_most(Version(found_minor(until)))


def found_minor(text: str) -> tuple[int, int]:
    """The ``(major, minor)`` a table row names (rows name minors: ``"1.16"``)."""
    found = Version.parse(text)
    if found is None:
        raise ValueError(f"{text!r} is not a version in a data table")
    return found.minor


def _load(name: str) -> Any:
    # The compiled form of the hand-written YAML (ciliumdrift.datafiles): no YAML parse at start.

    return load(name)


@record
class KernelRule:
    """One kernel threshold of the agent (a row of ``data/kernel.yaml``)."""

    feature: str
    min_kernel: str
    since_cilium: str
    until_cilium: str | None
    effect: str  # fallback | fatal | broken | documented
    source: str
    message: str = ""
    status: str = ""

    def applies_to(self, cilium_version: str) -> bool:
        return _within(cilium_version, self.since_cilium, self.until_cilium)

    def satisfied_by(self, kernel: str) -> bool:
        return version_tuple(kernel) >= version_tuple(self.min_kernel)


@cache
def kernel_rules() -> tuple[KernelRule, ...]:
    rows = _load("kernel.yaml")["rows"]
    return tuple(
        KernelRule(
            feature=row["feature"],
            min_kernel=str(row["min_kernel"]),
            since_cilium=str(row["since_cilium"]),
            until_cilium=str(row["until_cilium"]) if row.get("until_cilium") else None,
            effect=row["effect"],
            source=row["source"],
            message=row.get("message", ""),
            status=row.get("status", ""),
        )
        for row in rows
    )


def kernel_rule(feature: str, cilium_version: str) -> KernelRule | None:
    """The threshold for ``feature`` that applies to this Cilium version, if any."""
    for rule in kernel_rules():
        if rule.feature == feature and rule.applies_to(cilium_version):
            return rule
    return None


def _nearest_chart_version(versions: list[str], wanted: str) -> str | None:
    """The collected chart version of the same minor closest at or below ``wanted``."""
    target = version_tuple(wanted)
    if not target:
        return None
    same_minor = sorted(
        (v for v in versions if version_tuple(v)[:2] == target[:2]), key=version_tuple
    )
    if same_minor:
        below = [v for v in same_minor if version_tuple(v) <= target]
        return below[-1] if below else same_minor[0]
    older = sorted((v for v in versions if version_tuple(v) < target), key=version_tuple)
    if older:
        return older[-1]
    newer = sorted(versions, key=version_tuple)
    return newer[0] if newer else None


def chart_default(key: str, chart_version: str) -> tuple[bool, Any]:
    """``(True, default)`` when the chart of that version has ``key``, else ``(False, None)``."""
    table: dict[str, Any] = _load("agent_defaults.yaml")["chart"].get(key) or {}
    version = _nearest_chart_version(list(table), chart_version)
    if version is None:
        # The key is in no collected chart near this version: decide by the nearest chart.
        return False, None
    collected = _load("agent_defaults.yaml")["chart"]
    all_versions = sorted({v for entry in collected.values() for v in entry}, key=version_tuple)
    nearest = _nearest_chart_version(all_versions, chart_version)
    if nearest is not None and nearest not in table:
        return False, None
    return True, table[version]


def default_varies(key: str) -> bool:
    """True when the collected charts of different versions disagree on ``key``'s default."""
    table: dict[str, Any] = _load("agent_defaults.yaml")["chart"].get(key) or {}
    return len({repr(value) for value in table.values()}) > 1


def agent_default(key: str, cilium_version: str) -> tuple[bool, Any]:
    """``(True, default)`` when the agent of that version has the flag ``key``."""
    entry = _load("agent_defaults.yaml")["agent"].get(key)
    if entry is None:
        return False, None
    since, until = entry.get("since"), entry.get("until")
    if not _within(cilium_version, str(since) if since else None, str(until) if until else None):
        return False, None
    return True, entry["default"]


def first_talos_with(min_kernel: str) -> str | None:
    """The first Talos minor whose kernel is at least ``min_kernel`` (data/talos.yaml)."""
    releases = _load("talos.yaml").get("releases") or []
    table: dict[str, str] = {str(row["talos"]): str(row["kernel"]) for row in releases}
    for release in sorted(table, key=version_tuple):
        if version_tuple(table[release]) >= version_tuple(min_kernel):
            return release
    return None
