"""The cilium-config keys the chart writes, from which Helm value, for which facts.

One table, ``data/config_keys.yaml``, read by the facts (:attr:`Fact.config_keys`) and by
live (the deployed ConfigMap against the files). Keys the chart copies one to one
(``render: bool`` or ``text``) can be compared with the Helm value alone; keys the chart
derives from several values (``render: derived``) are compared only through the facts.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from ciliumdrift.datafiles import load
from ciliumdrift.records import record


@record
class ConfigKey:
    """One ``cilium-config`` key and the Helm key the chart writes it from."""

    config: str
    helm: str
    render: str = "text"  # bool | text | derived
    facts: tuple[str, ...] = ()

    @property
    def verbatim(self) -> bool:
        """True when the chart writes the Helm value itself (no other value decides it)."""
        return self.render in ("bool", "text")

    def rendered(self, value: Any) -> str | None:
        """The ConfigMap string the chart writes for ``value`` (None: it writes nothing, or
        the key is derived from more than this value)."""
        if value is None or not self.verbatim:
            return None
        if self.render == "bool":
            if isinstance(value, bool):
                return "true" if value else "false"
            text = str(value).strip().lower()
            return text if text in ("true", "false") else None
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (dict, list)):
            return None
        return str(value)


@cache
def config_keys() -> tuple[ConfigKey, ...]:
    """Every row of data/config_keys.yaml, in file order."""
    return tuple(
        ConfigKey(
            config=str(row["config"]),
            helm=str(row["helm"]),
            render=str(row.get("render", "text")),
            facts=tuple(str(f) for f in row.get("facts") or ()),
        )
        for row in load("config_keys.yaml")["keys"]
    )


@cache
def verbatim_keys() -> tuple[ConfigKey, ...]:
    """The keys the chart copies from one Helm value (what live compares directly)."""
    return tuple(key for key in config_keys() if key.verbatim)


@cache
def by_config_key() -> dict[str, ConfigKey]:
    return {key.config: key for key in config_keys()}


@cache
def keys_of_fact(fact_id: str) -> tuple[str, ...]:
    """The cilium-config keys that decide a fact's status line."""
    return tuple(key.config for key in config_keys() if fact_id in key.facts)


__all__ = ["ConfigKey", "by_config_key", "config_keys", "keys_of_fact", "verbatim_keys"]
