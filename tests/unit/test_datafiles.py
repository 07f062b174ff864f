"""The compiled data equals a fresh compilation of the hand-edited YAML sources."""

from __future__ import annotations

from importlib import resources

from ciliumdrift import datafiles


def test_compiled_data_is_current() -> None:
    shipped = resources.files("ciliumdrift").joinpath("data", datafiles.COMPILED).read_text("utf-8")
    fresh = datafiles.render_compiled(datafiles.compile_sources())
    assert shipped == fresh, "run: python tools/compile_data.py"


def test_every_source_is_loadable() -> None:
    for name in datafiles.SOURCES:
        assert datafiles.load(name) is not None


def test_unknown_name_is_refused() -> None:
    import pytest

    with pytest.raises(KeyError):
        datafiles.load("nope.yaml")
