"""Shared test fixtures: where the repository, its examples and the corpus (tests/corpus) are."""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType

import pytest
from typer.testing import CliRunner

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
SCHEMAS = REPO / "schemas"
CORPUS = REPO / "tests" / "corpus"
CHART_REFERENCE = CORPUS / "chart"


@pytest.fixture
def repo_cwd(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run from the repository root so that paths in outputs are short and stable."""
    monkeypatch.chdir(REPO)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.setenv("COLUMNS", "160")
    return REPO


def load_script(path: Path, name: str | None = None) -> ModuleType:
    """A script of tools/ or benchmarks/ as a module, registered under its name (a
    dataclass looks its module up in sys.modules)."""
    spec = importlib.util.spec_from_file_location(name or path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def invoke(
    *args: str, input: str | None = None, env: Mapping[str, str] | None = None
) -> tuple[int, str, str]:
    """Run ``ciliumdrift <args>`` in-process: (exit code, stdout, stderr), never a traceback."""
    from ciliumdrift.cli import app  # not at the top: collecting a test needs no CLI

    result = CliRunner().invoke(app, list(args), input=input, env=env)
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def run_cli(monkeypatch: pytest.MonkeyPatch) -> Callable[..., tuple[int, str, str]]:
    """:func:`invoke` without colour and without the user's KUBECONFIG (the cluster tests)."""
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("KUBECONFIG", raising=False)
    return invoke


def corpus_files(kind: str, pattern: str = "*") -> list[Path]:
    folder = CORPUS / kind
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob(pattern) if p.name != "MANIFEST.tsv")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI (CILIUMDRIFT_FORBID_SKIPS=1) a skipped test fails the run: CI installs everything.

    A skip on a developer's machine names what to install; in CI it would hide a test that
    never ran, so the run fails and the skip summary (``-rs``) says which ones.
    """
    if os.environ.get("CILIUMDRIFT_FORBID_SKIPS") != "1" or hasattr(session.config, "workerinput"):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter is not None else []
    if skipped and session.exitstatus == 0:
        reporter.write_line(f"CILIUMDRIFT_FORBID_SKIPS: {len(skipped)} test(s) skipped", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
