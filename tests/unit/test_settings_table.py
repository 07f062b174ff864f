"""A pyproject.toml is parsed only when it may declare ``[tool.ciliumdrift]``; every TOML
spelling of that table is still found, and its settings read."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ciliumdrift.config import _MAY_DECLARE_TABLE, load_settings

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: pytest brings tomli
    import tomli as tomllib

SPELLINGS = [
    '[tool.ciliumdrift]\nselect = ["CD101"]\n',
    '[ tool . "ciliumdrift" ]\nselect = ["CD101"]\n',
    "['tool'.ciliumdrift]\nselect = ['CD101']\n",
    '[tool]\nciliumdrift = { select = ["CD101"] }\n',
    '[tool]\nciliumdrift.select = ["CD101"]\n',
    'tool.ciliumdrift.select = ["CD101"]\n',
    'tool = { ciliumdrift = { select = ["CD101"] } }\n',
]
PROJECT = (
    '[project]\nname = "ciliumdrift"\n[project.scripts]\nciliumdrift = "ciliumdrift.cli:main"\n'
)
OTHER_TOOLS = '[tool.mypy]\nfiles = ["ciliumdrift"]\n[tool.ciliumdriftx]\nselect = ["CD101"]\n'


@pytest.mark.parametrize("text", SPELLINGS)
def test_every_spelling_of_the_table_is_read(tmp_path: Path, text: str) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text(text + PROJECT)  # root keys come before any table
    settings = load_settings(path)
    assert settings is not None
    if "select" in text:
        assert settings.select == ("CD101",)


def test_a_project_naming_ciliumdrift_without_the_table_is_not_configured(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    # Broken TOML after the project's names: not parsed, so not an error either.
    path.write_text(PROJECT + OTHER_TOOLS + "[broken\n")
    assert load_settings(path) is None


_KEY = st.sampled_from(["tool", '"tool"', "ciliumdrift", "'ciliumdrift'", "ruff", "project", "x"])
_HEADER = st.lists(_KEY, min_size=1, max_size=3).map(lambda keys: "[" + " . ".join(keys) + "]")
_LINE = st.one_of(
    _HEADER,
    st.builds(lambda k, v: f"{k} = {v}", _KEY, st.sampled_from(['"ciliumdrift"', "1", "{}"])),
    st.builds(lambda a, b: f"{a}.{b} = 1", _KEY, _KEY),
)


@given(lines=st.lists(_LINE, max_size=6))
def test_whatever_toml_holds_the_table_is_parsed(lines: list[str]) -> None:
    text = "\n".join(lines) + "\n"
    try:
        tool = tomllib.loads(text).get("tool")
    except tomllib.TOMLDecodeError:
        return
    if isinstance(tool, dict) and "ciliumdrift" in tool:
        assert _MAY_DECLARE_TABLE.search(text), text
