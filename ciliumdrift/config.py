"""Project settings: ``[tool.ciliumdrift]`` in pyproject.toml, or ``.ciliumdrift.yaml``.

Looked up from the working directory upwards (the first directory that has either file
wins; pyproject.toml without a ``[tool.ciliumdrift]`` table does not count). Command-line
options override what the file says. Recognised keys (dashes or underscores)::

    select = ["CD1", "CD301"]        # rules to run (codes, names or code prefixes)
    ignore = ["CD503"]               # rules never to run
    cilium-version = "1.18.4"        # chart/agent version when the files do not say
    talos = ["talos/controlplane.yaml"]  # Talos machine configs or patches
    values = ["cilium/values.yaml"]  # values files, in -f order (for the check hook)
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ciliumdrift.errors import InputError
from ciliumdrift.load.plain import load_plain
from ciliumdrift.model import Position
from ciliumdrift.records import record
from ciliumdrift.regex import lazy_pattern
from ciliumdrift.textio import read_text

CONFIG_FILES = ("pyproject.toml", ".ciliumdrift.yaml", ".ciliumdrift.yml")


@record
class Settings:
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    cilium_version: str | None = None
    talos: tuple[str, ...] = ()
    values: tuple[str, ...] = ()
    source: str | None = None  # the file the settings came from

    def path_of(self, path: str) -> str:
        """A configured file, relative to the settings file's folder when it is there."""
        if self.source is None or Path(path).is_absolute() or path == "-":
            return path
        beside = Path(self.source).parent / path
        return str(beside) if beside.exists() or not Path(path).exists() else path

    def merged(
        self,
        *,
        select: tuple[str, ...] = (),
        ignore: tuple[str, ...] = (),
        cilium_version: str | None = None,
        talos: tuple[str, ...] = (),
    ) -> Settings:
        """These settings overridden by command-line options (given ones win)."""
        return Settings(
            select=select or self.select,
            ignore=(*self.ignore, *ignore),
            cilium_version=cilium_version or self.cilium_version,
            talos=talos or self.talos,
            values=self.values,
            source=self.source,
        )


def find_settings(start: Path | None = None) -> Settings:
    """The settings of the nearest configured directory at or above ``start``."""
    directory = (start or Path.cwd()).resolve()
    for folder in (directory, *directory.parents):
        for name in CONFIG_FILES:
            candidate = folder / name
            if candidate.is_file():
                settings = load_settings(candidate)
                if settings is not None:
                    return settings
    return Settings()


def load_settings(path: Path) -> Settings | None:
    """Settings from one file; None for a pyproject.toml without ``[tool.ciliumdrift]``."""

    name, text = read_text(path, field_name="text_bytes")
    if path.name == "pyproject.toml":
        table = _toml_table(name, text)
        if table is None:
            return None
    else:
        table = _yaml_table(name, text)
    return _settings(name, table)


#: Where a ``[tool.ciliumdrift]`` table can be declared: its header (or one of a sub-table),
#: a ``[tool]`` table holding a ``ciliumdrift`` key, or a root ``tool`` dotted key or inline
#: table. A pyproject.toml with none of them (this project's own names ciliumdrift only as
#: its name and script) is not parsed: TOML costs more than the rest of reading settings.
_MAY_DECLARE_TABLE = lazy_pattern(
    r"""^[ \t]*(?:\[\[?[ \t]*(["']?)tool\1[ \t]*"""
    r"""(?:\]|\.[ \t]*(["']?)ciliumdrift\2[ \t]*(?:[.\]]|$))"""
    r"""|(["']?)tool\3[ \t]*[.=])""",
    re.MULTILINE,
)


def _toml_table(name: str, text: str) -> Mapping[str, Any] | None:
    if "ciliumdrift" not in text or not _MAY_DECLARE_TABLE.search(text):
        return None
    try:
        tomllib: Any = importlib.import_module("tomllib")
    except ModuleNotFoundError:  # Python 3.10: tomli if installed, else no pyproject settings
        try:
            tomllib = importlib.import_module("tomli")
        except ModuleNotFoundError:
            return None
    try:
        data = tomllib.loads(text)
    except RecursionError:
        raise InputError("TOML nested too deeply", Position(name, 1, 1)) from None
    except tomllib.TOMLDecodeError as error:
        line = getattr(error, "lineno", 1) or 1
        column = getattr(error, "colno", 1) or 1
        raise InputError(
            f"invalid TOML: {error.args[0] if error.args else error}", Position(name, line, column)
        ) from None
    tool = data.get("tool")
    table = tool.get("ciliumdrift") if isinstance(tool, dict) else None
    if table is None:
        return None
    if not isinstance(table, dict):
        raise InputError("[tool.ciliumdrift] must be a table", Position(name, 1, 1))
    return table


def _yaml_table(name: str, text: str) -> Mapping[str, Any]:
    data = load_plain(text, name)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError("settings must be a mapping", Position(name, 1, 1))
    return data


def _strings(name: str, table: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = table.get(key, table.get(key.replace("-", "_"), ()))
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise InputError(
            f"setting {key!r} must be a string or a list of strings", Position(name, 1, 1)
        )
    return tuple(value)


def _settings(name: str, table: Mapping[str, Any]) -> Settings:
    known = {"select", "ignore", "cilium-version", "cilium_version", "talos", "values"}
    unknown = sorted(set(table) - known)
    if unknown:
        raise InputError(
            f"unknown setting {unknown[0]!r} (known: select, ignore, cilium-version, talos, "
            "values)",
            Position(name, 1, 1),
        )
    version = table.get("cilium-version", table.get("cilium_version"))
    if version is not None and not isinstance(version, (str, int, float)):
        raise InputError("setting 'cilium-version' must be a string", Position(name, 1, 1))
    return Settings(
        select=_strings(name, table, "select"),
        ignore=_strings(name, table, "ignore"),
        cilium_version=str(version) if version is not None else None,
        talos=_strings(name, table, "talos"),
        values=_strings(name, table, "values"),
        source=name,
    )
