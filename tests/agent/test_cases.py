"""Every fact's case files (ciliumdrift/agent/facts/cases/<fact>.yaml), run through the model,
and every health fact's (cases/health/<id>.yaml), run through compare with a status.

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

from ciliumdrift.agent.facts import FACTS, HEALTH
from ciliumdrift.compare import compare
from ciliumdrift.derive import derive_context, node_context
from ciliumdrift.load import load_declared
from ciliumdrift.model import FindingKind, Layer, NodeObservation, Severity
from ciliumdrift.parse import parse_status
from tests.conftest import REPO

CASES_DIR = REPO / "ciliumdrift" / "agent" / "facts" / "cases"


def _files(folder: Path = CASES_DIR) -> list[Path]:
    return sorted(folder.glob("*.yaml"))


def _cases(folder: Path = CASES_DIR, kind: str = "fact") -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in _files(folder):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in document["cases"]:
            found.append((document[kind], case))
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


def _declared(case: dict[str, Any], tmp_path: Path) -> Any:
    """The case's values (and Talos config) loaded as check loads them, at its version."""
    values = tmp_path / "values.yaml"
    values.write_text(case["values"], encoding="utf-8")
    talos: list[str] = []
    if case.get("talos"):
        (tmp_path / "talos.yaml").write_text(case["talos"], encoding="utf-8")
        talos = [str(tmp_path / "talos.yaml")]
    return load_declared([str(values)], talos_files=talos, cilium_version=str(case["version"]))


@pytest.mark.parametrize(
    ("fact_id", "case"), CASES, ids=[f"{fact}:{case['name']}" for fact, case in CASES]
)
def test_case(fact_id: str, case: dict[str, Any], tmp_path: Path) -> None:
    declared = _declared(case, tmp_path)
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


# -- health facts ------------------------------------------------------------------------------
HEALTH_DIR = CASES_DIR / "health"


HEALTH_CASES = _cases(HEALTH_DIR, "health")


def test_every_health_fact_has_a_case_file_with_a_clean_and_an_unwell_case() -> None:
    assert {path.stem for path in _files(HEALTH_DIR)} == {unit.id for unit in HEALTH}
    for unit in HEALTH:
        expected = [case["expect"] for fact_id, case in HEALTH_CASES if fact_id == unit.id]
        assert None in expected, f"{unit.id}: no case where the node is healthy"
        assert any(e is not None for e in expected), f"{unit.id}: no unwell case"


def _first_position(finding: Any) -> str | None:
    """Where the best cause's evidence is stated (null: runtime health no file states)."""
    for evidence in finding.causes[0].evidence if finding.causes else ():
        where = _where(evidence.origin)
        if where is not None:
            return where
    return None


@pytest.mark.parametrize(
    ("health_id", "case"),
    HEALTH_CASES,
    ids=[f"health-{unit}:{case['name']}" for unit, case in HEALTH_CASES],
)
def test_health_case(health_id: str, case: dict[str, Any], tmp_path: Path) -> None:
    declared = _declared(case, tmp_path)
    status = parse_status(case["status"], source="status.txt") if case.get("status") else None
    observation = NodeObservation(name="node-1", status=status, error=case.get("error"))
    comparison = compare(declared, [observation])
    found = [f for f in comparison.findings if f.kind is FindingKind.HEALTH and f.fact == health_id]
    # a health fact never makes a row: rows are the config-determined lines only
    assert {row.fact for row in comparison.rows} <= {fact.id for fact in FACTS}
    expect = case["expect"]
    if expect is None:
        assert found == []
        return
    assert len(found) == 1
    finding = found[0]
    assert finding.severity is Severity.WARNING
    assert (finding.observed, finding.message) == (expect["observed"], expect["message"])
    assert finding.causes[0].kind.value == expect["cause"]
    assert _first_position(finding) == expect["at"]


def test_every_health_fact_has_sarif_rule_metadata() -> None:
    from ciliumdrift.report.records import _fact_rules

    for unit in HEALTH:
        (rule,) = _fact_rules([unit.id], frozenset({unit.id}))
        shared = unit.id in {fact.id for fact in FACTS}
        if shared:  # the config fact's rule, with the health fact's part under `## Health`
            assert f"## Health\n{unit.summary}" in rule.help_markdown
        else:
            assert rule.summary == f"{unit.status_line}: {unit.summary}"
        assert unit.doc in rule.help_markdown
        assert "## Sources" in unit.doc
        # a health-only line is a warning; one shared with a config fact keeps that fact's level
        assert (rule.level, "health" in rule.tags) == (
            ("error", False) if shared else ("warning", True)
        )


def test_facts_command_prints_a_health_facts_documentation() -> None:
    from typer.testing import CliRunner

    from ciliumdrift.cli import app

    configured = {fact.id for fact in FACTS}
    for unit in HEALTH:
        result = CliRunner().invoke(app, ["facts", unit.id])
        assert result.exit_code == 0, result.stderr
        assert unit.summary in result.stdout and unit.doc.splitlines()[-1] in result.stdout
        # a line both a fact and a health fact: the fact first, then its health
        heading = f"## `{unit.id}` health" if unit.id in configured else f"## `{unit.id}`"
        assert heading in result.stdout
