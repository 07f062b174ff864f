"""Shared test fixtures: where the repository, its examples and the shared corpus are."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
SCHEMAS = REPO / "schemas"
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus"


@pytest.fixture
def repo_cwd(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run from the repository root so that paths in outputs are short and stable."""
    monkeypatch.chdir(REPO)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.setenv("COLUMNS", "160")
    return REPO


def corpus_files(kind: str, pattern: str = "*") -> list[Path]:
    folder = CORPUS / kind
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob(pattern) if p.name != "MANIFEST.tsv")
