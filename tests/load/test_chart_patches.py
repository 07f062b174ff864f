"""Keys that differ between patch releases of one minor: patches.json and its use."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ciliumdrift.cli import app
from ciliumdrift.load.chart import bundled_chart, known_keys
from tests.conftest import load_script

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "ciliumdrift" / "data" / "chart"
MINORS = sorted(
    (p.name for p in DATA.iterdir() if p.is_dir()), key=lambda m: tuple(map(int, m.split(".")))
)


def _tool() -> Any:
    return load_script(REPO / "tools" / "refresh_chart_data.py")


@pytest.mark.parametrize(
    ("version", "known"),
    [("1.19.0", True), ("1.19.2", True), ("1.19", True), ("1.19.3", False), ("1.19.6", False)],
)
def test_a_key_of_early_patch_releases_is_known_only_there(version: str, known: bool) -> None:
    # enableTunnelBIGTCP is in the cilium-1.19.0 .. 1.19.2 charts and gone from 1.19.3.
    assert ("enableTunnelBIGTCP" in known_keys(version)) is known


def test_a_key_added_in_a_patch_release_is_unknown_before_it() -> None:
    assert "configDriftDetection.enabled" not in known_keys("1.19.2")
    assert "configDriftDetection.enabled" in known_keys("1.19.3")


def test_patch_span_names_the_releases() -> None:
    assert bundled_chart("1.19").patch_span("enableTunnelBIGTCP") == "1.19.0-1.19.2"
    assert bundled_chart("1.19").patch_span("routingMode") is None


@pytest.mark.parametrize("minor", MINORS)
def test_patches_agree_with_the_bundled_release(minor: str) -> None:
    """The newest patch release's keys per patches.json are exactly keys.json's."""
    patches = json.loads((DATA / minor / "patches.json").read_text("utf-8"))
    keys = set(json.loads((DATA / minor / "keys.json").read_text("utf-8"))["known_keys"])
    bundled = json.loads((DATA / "index.json").read_text("utf-8"))["versions"][minor]
    releases = patches["releases"]
    assert releases == sorted(releases, key=lambda v: int(v.rsplit(".", 1)[1]))
    assert releases[-1] == bundled
    for key, spans in patches["keys"].items():
        present = any(
            int(a.rsplit(".", 1)[1]) <= int(bundled.rsplit(".", 1)[1]) <= int(b.rsplit(".", 1)[1])
            for a, b in spans
        )
        assert (key in keys) == present, (minor, key, spans)
    assert known_keys(bundled) == frozenset(keys)


def test_patch_ranges_join_consecutive_releases_only() -> None:
    ranges = _tool().patch_ranges(
        ["1.9.0", "1.9.1", "1.9.2", "1.9.4"],
        {
            "1.9.0": {"a", "b", "gone"},
            "1.9.1": {"a", "b"},
            "1.9.2": {"a", "gone", "new"},
            "1.9.4": {"a", "new"},
        },
    )
    assert ranges == {
        "b": [["1.9.0", "1.9.1"]],
        "gone": [["1.9.0", "1.9.0"], ["1.9.2", "1.9.2"]],
        "new": [["1.9.2", "1.9.4"]],
    }


def test_lint_knows_the_key_of_the_declared_patch_release(tmp_path: Path) -> None:
    values = tmp_path / "values.yaml"
    values.write_text("enableTunnelBIGTCP: true\n")
    runner = CliRunner()
    early = runner.invoke(app, ["lint", str(values), "--cilium-version", "1.19.0"])
    assert early.exit_code == 0, early.stdout
    assert "CD101" not in early.stdout
    late = runner.invoke(app, ["lint", str(values), "--cilium-version", "1.19.3"])
    assert late.exit_code == 1
    assert "CD101" in late.stdout and "enableTunnelBIGTCP" in late.stdout
