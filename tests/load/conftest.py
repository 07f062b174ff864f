"""Shared fixtures of the load tests: the corpus and Helm's SDK as an oracle."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
REFERENCE = CORPUS / "chart"


def corpus(kind: str) -> list[Path]:
    folder = CORPUS / kind
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.yaml"))


def write(tmp: Path, name: str, text: str) -> str:
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return str(path)


class HelmOracle:
    """Helm's own Go SDK (helm-python-sdk), for differential tests."""

    def __init__(self, module: Any) -> None:
        self.helm = module
        self.directory = Path(tempfile.mkdtemp(prefix="helm-oracle-"))
        (self.directory / "Chart.yaml").write_text("apiVersion: v2\nname: oracle\nversion: 0.1.0\n")

    def chart_values(self, values_yaml: str) -> Any:
        (self.directory / "values.yaml").write_text(values_yaml)
        return self.helm.Chart.load(str(self.directory)).values

    def coalesce(self, defaults: dict[str, Any], user: dict[str, Any]) -> Any:
        (self.directory / "values.yaml").write_text(json.dumps(defaults))
        return self.helm.Chart.load(str(self.directory)).merge_values(user)


@pytest.fixture(scope="session")
def helm() -> Iterator[HelmOracle]:
    module = pytest.importorskip(
        "helm_python", reason="Helm's SDK oracle: pip install helm-python-sdk (the [test] extra)"
    )
    yield HelmOracle(module)
