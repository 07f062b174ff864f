"""`nox -s accuracy` as a test: every clean real cluster passes, every drift case ranks its
established cause in the top two (the benchmark prints the same numbers)."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import load_script

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "accuracy.py"


@pytest.fixture(scope="module")
def accuracy() -> ModuleType:
    return load_script(BENCH, "bench_accuracy")  # not tools/accuracy.py's name


def test_clean_real_clusters_exit_0_with_nothing_above_note(
    accuracy: ModuleType, repo_cwd: Path
) -> None:
    outcomes = accuracy.clean_cases()
    assert len(outcomes) >= 10
    assert [o for o in outcomes if not o.ok] == []


def test_drift_cases_rank_their_cause_in_the_top_two(accuracy: ModuleType) -> None:
    outcomes = accuracy.drift_cases()
    assert len(outcomes) >= 40
    assert [o for o in outcomes if not o.ok] == []
