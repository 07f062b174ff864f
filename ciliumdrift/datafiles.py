"""The hand-edited data tables (kernel thresholds, Talos releases, removed keys, ...).

The YAML files under ``ciliumdrift/data/`` are the source of truth, written and reviewed by
hand with a source on every row. Parsing YAML in pure Python costs hundreds of milliseconds
at every start, so ``tools/compile_data.py`` writes them once into ``data/compiled.json``;
a test keeps that file equal to a fresh compilation. :func:`load` reads the compiled form.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

#: The data files that are compiled, as paths relative to ``ciliumdrift/data``.
SOURCES = (
    "agent_defaults.yaml",
    "kernel.yaml",
    "known_behaviours.yaml",
    "removed.yaml",
    "config_keys.yaml",
    "gates.yaml",
    "talos.yaml",
    "talos_secrets.yaml",
    "lint/disruptive.yaml",
    "lint/enums.yaml",
)

COMPILED = "compiled.json"


def data_root() -> Path:
    # The package's own directory, not importlib.resources: pip installs packages unzipped,
    # and importlib.resources costs zipfile and its readers (4 ms) at every start.
    return Path(__file__).resolve().parent / "data"


@cache
def _compiled() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(data_root().joinpath(COMPILED).read_text("utf-8"))
    return loaded


def load(name: str) -> Any:
    """The parsed content of one data file (``"kernel.yaml"``, ``"lint/enums.yaml"``)."""
    if name not in SOURCES:
        raise KeyError(f"{name} is not a compiled data file; add it to SOURCES")
    return _compiled()[name]


def compile_sources() -> dict[str, Any]:
    """Parse every source YAML file (slow: for the compiler and its up-to-date test)."""
    from ruamel.yaml import YAML

    parser = YAML(typ="safe", pure=True)
    root = data_root()
    return {name: parser.load(root.joinpath(name).read_text("utf-8")) for name in SOURCES}


def render_compiled(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


#: The JSON schemas of every output and input document (also at the repository's ``schemas/``).
SCHEMAS = ("impact", "lint", "report", "status", "values")


def schema(name: str) -> Any:
    """The JSON schema ``name`` (one of :data:`SCHEMAS`), read from the installed package."""
    if name not in SCHEMAS:
        raise KeyError(name)
    text = (data_root().parent / "schemas" / f"{name}.schema.json").read_text("utf-8")
    return json.loads(text)
