"""Every fact's case files (ciliumdrift/agent/facts/cases/<fact>.yaml), run through the model.

A case gives the inputs (values, Talos config, kernel, Cilium version) and what the fact must
derive: the status-line value, the agent's fallback (its cause kind), and each status-free
conflict with its name (the lint rule that shows it), its position (``file:line``, null when
only defaults decide it) and its best cause kind.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from ciliumdrift.agent.facts import FACTS
from ciliumdrift.derive import derive_context, node_context
from ciliumdrift.load import load_declared
from ciliumdrift.model import Layer
from tests.conftest import REPO

CASES_DIR = REPO / "ciliumdrift" / "agent" / "facts" / "cases"


def _files() -> list[Path]:
    return sorted(CASES_DIR.glob("*.yaml"))


def _cases() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in _files():
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in document["cases"]:
            found.append((document["fact"], case))
    return found


CASES = _cases()


def test_every_fact_has_a_case_file() -> None:
    named = {path.stem for path in _files()}
    assert named == {fact.id for fact in FACTS}
    for path in _files():
        assert yaml.safe_load(path.read_text(encoding="utf-8"))["fact"] == path.stem


def _where(origin: Any) -> str | None:
    if origin is None or origin.position is None:
        return None
    if origin.layer in (Layer.CHART_DEFAULT, Layer.AGENT_DEFAULT):
        return None
    return f"{Path(origin.position.file).name}:{origin.position.line}"


@pytest.mark.parametrize(
    ("fact_id", "case"), CASES, ids=[f"{fact}:{case['name']}" for fact, case in CASES]
)
def test_case(fact_id: str, case: dict[str, Any], tmp_path: Path) -> None:
    values = tmp_path / "values.yaml"
    values.write_text(case["values"], encoding="utf-8")
    talos: list[str] = []
    if case.get("talos"):
        (tmp_path / "talos.yaml").write_text(case["talos"], encoding="utf-8")
        talos = [str(tmp_path / "talos.yaml")]
    declared = load_declared([str(values)], talos_files=talos, cilium_version=str(case["version"]))
    ctx = node_context(declared, kernel=case.get("kernel"))
    expectation = derive_context(ctx, FACTS)[fact_id]
    expect = case["expect"]
    assert expectation.value == expect["line"]
    fallback = expectation.fallbacks[0].kind.value if expectation.fallbacks else None
    assert fallback == expect.get("fallback")
    conflicts = [
        {"name": c.name, "at": _where(c.source), "cause": c.causes[0].kind.value}
        for c in expectation.conflicts
    ]
    assert conflicts == expect.get("conflicts", [])
