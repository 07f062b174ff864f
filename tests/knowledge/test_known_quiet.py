"""Known behaviours stay quiet where they are not true.

Two guards against over-broad rows, which make false alarms and wrong causes on clusters
the rows were not written from:

* no row fires on a clean cluster: every control case under tests/cases and the seed
  example (a real cluster whose status matches its config) gets no finding that cites a
  known behaviour, and no row is a status-free conflict there;
* a row's log pattern alone does not make it the cause: with a value the user declared
  that refutes one of the row's conditions, a log line matching the row's pattern does not
  put the row first (neither as the cause of a log finding nor as a drift candidate).
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ciliumdrift.agent import known
from ciliumdrift.agent.facts import FACTS
from ciliumdrift.cli import app
from ciliumdrift.compare import compare
from ciliumdrift.derive import derive_context, node_context
from ciliumdrift.model import NodeObservation
from ciliumdrift.parse.agentlog import parse_agent_log
from tests.conftest import load_script
from tests.derive.builders import declared

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "tests" / "cases"
SEED = ROOT / "examples" / "talos-netkit-native"


accuracy = load_script(ROOT / "tools" / "accuracy.py")
CONTROLS = [
    case
    for case in (accuracy.load_case(folder) for folder in accuracy.discover(CASES))
    if case.kind == "control"
]


def _cites_a_row(report: dict[str, Any]) -> list[str]:
    """Rows cited where they should not be: above a note, or for a line they do not explain.

    A note may name a row as the likely reason for a fallback the status shows (TCX on an
    unknown kernel shown as legacy tc): that is the row's own observed value, not an alarm.
    """
    wrong = []
    for finding in report.get("findings", []):
        for cause in finding.get("causes", []):
            for evidence in cause.get("evidence", []):
                text = str(evidence.get("text", ""))
                if not text.startswith("known behaviour "):
                    continue
                row = known.behaviour(text.removeprefix("known behaviour ").split(":")[0])
                explains = row.observed is not None and str(
                    finding.get("observed") or ""
                ).casefold().startswith(row.observed.casefold())
                if finding.get("severity") != "note" or not explains:
                    wrong.append(f"{finding.get('severity')} {finding.get('fact')}: {text}")
    return wrong


def _run(args: list[str]) -> dict[str, Any]:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.stdout + result.stderr
    loaded: dict[str, Any] = json.loads(result.stdout)
    return loaded


def test_there_are_controls_to_check() -> None:
    assert len(CONTROLS) >= 18


@pytest.mark.parametrize("case", CONTROLS, ids=[c.id for c in CONTROLS])
def test_no_row_fires_on_a_control_case(case: Any) -> None:
    args = accuracy.command(case)[3:]  # drop "python -m ciliumdrift"
    report = _run(args)
    assert _cites_a_row(report) == []


def test_no_row_fires_on_the_seed_example() -> None:
    report = _run(["check", str(SEED), "--format", "json"])
    assert report["findings"] == [] or _cites_a_row(report) == []
    lint = CliRunner().invoke(app, ["lint", str(SEED), "--format", "json"])
    assert "known-failure" not in lint.stdout and "CD214" not in lint.stdout


# -- a log pattern alone ------------------------------------------------------------------

# A value the user may declare that refutes `in`/`is` conditions on string keys.
_OTHER = {
    "loadBalancer.acceleration": "disabled",
    "loadBalancer.dsrDispatch": "opt",
    "loadBalancer.mode": "snat",
    "bpf.datapathMode": "veth",
    "encryption.type": "wireguard",
    "tunnelProtocol": "vxlan",
    "kubeProxyReplacement": "false",
    "cni.chainingMode": "none",
}


def _refuting_value(condition: known.Condition) -> Any:
    if condition.test == "truthy":
        return not condition.operand
    if condition.test == "is" and isinstance(condition.operand, bool):
        return not condition.operand
    other = _OTHER[condition.name]
    assert not known._holds(condition, other)
    return other


def _yaml(key: str, value: Any) -> str:
    parts = key.split(".")
    lines = [f"{'  ' * i}{p}:" for i, p in enumerate(parts[:-1])]
    rendered = ("true" if value else "false") if isinstance(value, bool) else f'"{value}"'
    lines.append(f"{'  ' * (len(parts) - 1)}{parts[-1]}: {rendered}")
    return "\n".join(lines) + "\n"


def _sample(pattern: str) -> str:
    """A log message the pattern matches: the first alternative of each group, literals."""
    text = re.sub(r"\(\?![^)]*\)\)?", "", pattern)  # negative lookaheads
    text = text.replace("\\(", "\x01").replace("\\)", "\x02")  # literal parentheses
    while re.search(r"\(([^()]*)\)", text):
        text = re.sub(r"\(([^()]*)\)\??", lambda m: m.group(1).split("|")[0], text)
    text = text.replace(".*", " x ").replace("\\", "")
    text = re.sub(r"(\w)\?", r"\1", text).replace("[- ]", "-")
    return text.replace("\x01", "(").replace("\x02", ")")


def _version(row: known.Behaviour) -> str:
    since = row.cilium[0]
    if since and known.in_range("1.14.19", (since, None)) is False:
        padded = since.split("-")[0] + (".0" if since.count(".") == 1 else "")
        return padded
    return "1.18.4"


HELM_LOGGED = [
    row for row in known.behaviours() if row.logs and any(c.subject == "helm" for c in row.when)
]


@pytest.mark.parametrize("row", HELM_LOGGED, ids=[r.id for r in HELM_LOGGED])
def test_a_log_line_alone_does_not_make_a_refuted_row_the_cause(row: known.Behaviour) -> None:
    condition = next(c for c in row.when if c.subject == "helm")
    values = _yaml(condition.name, _refuting_value(condition))
    message = _sample(row.logs[0])
    assert row.patterns[0].search(message), message
    log = parse_agent_log(f'level=fatal msg="{message}"\n', source="agent.log")
    decl = declared(values, version=_version(row))
    ctx = node_context(decl, node="n1", kernel="6.1.0")
    assert known.evaluate(row, ctx, defaults_decide=False) is None

    result = compare(decl, [NodeObservation("n1", None, error="no status", agent_log=log)])
    first = [f.causes[0].summary for f in result.findings if f.causes]
    assert row.summary not in first

    if row.fact is not None:
        with_log = replace(ctx, agent_log=log)
        expectations = derive_context(with_log, FACTS)
        expectation = expectations.get(row.fact)
        if expectation is not None:
            candidates = known.drift_candidates(
                row.fact, with_log, expectation, row.observed or "", expectations
            )
            assert all(c.cause.summary != row.summary for c in candidates)


def test_the_log_line_still_names_the_row_when_only_a_default_disagrees() -> None:
    # cilium/cilium#16284: no values shown, the bandwidth manager's sysctl write failed: the
    # chart default (off) does not refute what the log shows the agent ran with.
    row = known.behaviour("bandwidth-manager-sch-fq-missing")
    assert row.log_example is not None
    log = parse_agent_log(row.log_example + "\n", source="agent.log")
    decl = declared("", version="1.18.4")
    result = compare(decl, [NodeObservation("n1", None, error="no status", agent_log=log)])
    assert any(f.causes and f.causes[0].summary == row.summary for f in result.findings)
    declared_off = declared("bandwidthManager:\n  enabled: false\n", version="1.18.4")
    result = compare(declared_off, [NodeObservation("n1", None, error="no status", agent_log=log)])
    assert all(not f.causes or f.causes[0].summary != row.summary for f in result.findings)


def test_a_vxlan_port_clash_is_not_the_big_tcp_egress_bug() -> None:
    # cilium/cilium#38581: the VXLAN port is taken; nothing about BIG TCP or egress gateway.
    row = known.behaviour("vxlan-port-in-use")
    assert row.log_example is not None
    log = parse_agent_log(f'level=warn msg="x" error="{row.log_example}"\n', source="agent.log")
    ids = {r.id for r, _ in known.log_matches(log)}
    assert "vxlan-port-in-use" in ids
    assert not ids & {"big-tcp-tunnel-from-egress-gateway", "big-tcp-tunnel-high-tso-nic"}


@pytest.mark.parametrize("version", ["1.15.7", "1.16.6", "1.18.4", "1.19.4"])
def test_no_row_holds_for_the_chart_defaults_on_a_current_kernel(version: str) -> None:
    # A row whose conditions any default install meets would be a cause of every drift on
    # its fact; such rows must wait for their log line (needs_log).
    ctx = node_context(declared("", version=version), node="n1", kernel="6.8.0")
    expectations = derive_context(ctx, FACTS)
    holding = [
        row.id
        for row in known.behaviours()
        if not row.needs_log
        and (found := known.evaluate(row, ctx, expectations)) is not None
        and found.certain
    ]
    assert holding == []
