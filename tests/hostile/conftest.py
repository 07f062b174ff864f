"""The hostile-input suite runs the real CLI in child processes (see harness.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hostile.harness import baseline


@pytest.fixture(scope="session", autouse=True)
def _measure_start_up() -> None:
    baseline()
    baseline(live=True)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path
