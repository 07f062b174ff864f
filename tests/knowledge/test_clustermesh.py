"""The ClusterMesh fact: the `ClusterMesh:` line in text (1.14 to 1.20 spellings) and JSON."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ciliumdrift.agent.facts.clustermesh import cluster_mesh
from ciliumdrift.compare import compare
from ciliumdrift.model import CauseKind, FindingKind, NodeObservation, Verdict
from ciliumdrift.parse import parse_status
from ciliumdrift.parse.model import ClusterMesh
from tests.derive.builders import declared, seed_status

MESHED = "cluster:\n  name: east\n  id: 3\n"


@pytest.mark.parametrize(
    ("line", "ready", "total", "services"),
    [
        ("ClusterMesh:   0/0 clusters ready, 0 global-services", 0, 0, 0),  # before PR #32951
        ("ClusterMesh:   1/2 remote clusters ready, 4 global-services", 1, 2, 4),
        ("ClusterMesh:   2/2 remote clusters ready", 2, 2, None),  # 1.19 drops the count
    ],
)
def test_the_line_parses_in_every_spelling(
    line: str, ready: int, total: int, services: int | None
) -> None:
    status = parse_status(f"Cilium:   Ok   1.19.6 (v1.19.6-abc)\n{line}\n")
    mesh = status.cluster_mesh
    assert mesh is not None and (mesh.ready, mesh.total) == (ready, total)
    assert mesh.global_services == services
    assert cluster_mesh.observe(status) == "Enabled"


def test_json_cluster_mesh_is_enabled() -> None:
    status = parse_status(
        '{"cilium": {"state": "Ok", "msg": "1.20.0"}, "cluster-mesh": {"clusters": '
        '[{"name": "west", "ready": true}], "num-global-services": 1}}'
    )
    assert status.cluster_mesh is not None and status.cluster_mesh.total == 1
    assert cluster_mesh.observe(status) == "Enabled"


def test_a_whole_status_without_the_line_is_disabled_an_excerpt_says_nothing() -> None:
    assert cluster_mesh.observe(seed_status()) == "Disabled"
    excerpt = parse_status("Cilium:   Ok   1.18.4 (v1.18.4-afda2aa9)\nHost routing: BPF\n")
    assert cluster_mesh.observe(excerpt) is None


def _row_and_findings(values: str, status: object) -> tuple[object, list[object]]:
    result = compare(declared(values, version="1.18.4"), [NodeObservation("n1", status)])  # type: ignore[arg-type]
    row = next(r for r in result.rows if r.fact == "cluster-mesh")
    return row, [f for f in result.findings if f.fact == "cluster-mesh"]


def test_a_meshed_cluster_whose_agent_has_no_client_is_drift() -> None:
    row, found = _row_and_findings(MESHED, seed_status())
    assert row.expected == "Enabled" and row.verdict is Verdict.MISMATCH  # type: ignore[attr-defined]
    assert found and found[0].kind is FindingKind.DRIFT  # type: ignore[attr-defined]


def test_an_agent_with_a_client_the_values_do_not_ask_for_was_configured_elsewhere() -> None:
    meshed = replace(seed_status(), cluster_mesh=ClusterMesh(ready=1, total=1))
    row, found = _row_and_findings("cluster:\n  name: east\n", meshed)
    assert row.expected == "Disabled" and row.observed == "Enabled"  # type: ignore[attr-defined]
    assert found[0].causes[0].kind is CauseKind.NOT_APPLIED  # type: ignore[attr-defined]
    assert "cluster.id" in found[0].causes[0].evidence[0].text  # type: ignore[attr-defined]


def test_matching_mesh_is_clean() -> None:
    meshed = replace(seed_status(), cluster_mesh=ClusterMesh(ready=0, total=0))
    row, found = _row_and_findings(MESHED, meshed)
    assert row.verdict is Verdict.MATCH and not found  # type: ignore[attr-defined]
