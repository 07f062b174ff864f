"""Talos facts as known-behaviour conditions: the node runs Talos, its release, its modules."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ciliumdrift.agent import known
from ciliumdrift.compare import compare
from ciliumdrift.derive import node_context
from ciliumdrift.model import CauseKind, Layer, Located, NodeObservation, Origin
from ciliumdrift.parse.agentlog import parse_agent_log
from tests.derive.builders import declared, seed_talos

MODULE_LINE = (
    'level=fatal msg="failed to start: could not load module xt_socket: exit status 1"'
    " subsys=daemon\n"
)


def _row(*conditions: dict[str, object]) -> known.Behaviour:
    base = known.behaviour("talos-workloads-cannot-load-kernel-modules")
    return replace(base, when=tuple(known._condition(c) for c in conditions))


@pytest.mark.parametrize(
    ("talos", "kernel", "expected"),
    [
        (True, None, True),
        (False, "6.12.18-talos", True),
        (False, "5.15.0-127-generic", False),
        (False, None, None),
    ],
)
def test_the_node_runs_talos_from_its_config_or_its_kernel(
    talos: bool, kernel: str | None, expected: bool | None
) -> None:
    decl = declared("", talos_facts=seed_talos() if talos else None)
    ctx = node_context(decl, node="n1", kernel=kernel)
    found = known.runs_talos(ctx)
    assert (found.value if found is not None else None) is expected


@pytest.mark.parametrize(
    ("version", "holds"), [("1.8.3", True), ("1.9.0", True), ("1.10.0", False), ("1.7.6", False)]
)
def test_a_talos_release_range_is_a_condition(version: str, holds: bool) -> None:
    row = _row({"talos": "version", "since": "1.8", "before": "1.10"})
    assert row.when[0].test == "range"
    assert "since 1.8 before 1.10" in row.when[0].describe()
    ctx = node_context(declared("", talos_facts=seed_talos(version=version)), node="n1")
    assert (known.evaluate(row, ctx) is not None) is holds


def test_an_unknown_talos_release_leaves_the_row_uncertain() -> None:
    row = _row({"talos": "version", "since": "1.8"})
    found = known.evaluate(row, node_context(declared(""), node="n1"))
    assert found is not None and not found.certain


def test_declared_kernel_modules_are_a_condition() -> None:
    row = _row({"talos": "kernel-modules", "not_in": ["sch_fq"]})
    facts = seed_talos()
    where = Origin(Layer.TALOS, key="machine.kernel.modules")
    loaded = replace(facts, kernel_modules=(Located("sch_fq", where),))
    other = replace(facts, kernel_modules=(Located("nbd", where),))
    assert known.evaluate(row, node_context(declared("", talos_facts=loaded), node="n")) is None
    assert known.evaluate(row, node_context(declared("", talos_facts=other), node="n")) is not None


def _first_causes(kernel: str, talos: bool) -> list[CauseKind]:
    decl = declared("", talos_facts=seed_talos() if talos else None)
    log = parse_agent_log(MODULE_LINE, source="agent.log")
    result = compare(
        decl,
        [NodeObservation("n1", None, error="no status", agent_log=log)],
        kernels={None: kernel},
    )
    return [f.causes[0].kind for f in result.findings if f.causes and f.fact == "agent-log"]


def test_a_module_the_agent_cannot_load_on_talos_is_the_talos_row() -> None:
    assert CauseKind.TALOS_CONFLICT in _first_causes("6.12.18-talos", talos=False)
    assert CauseKind.TALOS_CONFLICT in _first_causes("6.18.0-talos", talos=True)


def test_the_same_line_off_talos_is_not_blamed_on_talos() -> None:
    assert CauseKind.TALOS_CONFLICT not in _first_causes("5.15.0-127-generic", talos=False)
