"""The output schemas ship inside the package and are found through importlib.resources."""

from __future__ import annotations

from pathlib import Path

import pytest

from ciliumdrift.datafiles import SCHEMAS, schema

REPO = Path(__file__).resolve().parents[2]


def test_every_schema_file_is_listed_and_loads() -> None:
    on_disk = {p.name.removesuffix(".schema.json") for p in (REPO / "schemas").glob("*.json")}
    assert on_disk == set(SCHEMAS)
    for name in SCHEMAS:
        assert schema(name)["$schema"].startswith("https://json-schema.org/")


def test_an_unknown_schema_is_refused() -> None:
    with pytest.raises(KeyError):
        schema("nope")
