"""The verbose KPR details and BPF Maps facts on a real verbose status (tests/corpus status-011)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ciliumdrift.compare import compare
from ciliumdrift.model import NodeObservation, Verdict
from ciliumdrift.parse import parse_status
from tests.derive.builders import declared

STATUS = Path(__file__).resolve().parents[1] / "corpus" / "status" / "status-011.txt"
VALUES = "kubeProxyReplacement: true\nk8sServiceHost: 10.0.0.1\nk8sServicePort: 6443\n"
FACTS = ("socket-lb", "lb-mode", "backend-selection", "xdp-acceleration", "bpf-map-sizing")


def _rows(values: str) -> dict[str, object]:
    status = parse_status(STATUS.read_text(encoding="utf-8"), source="status-011.txt")
    result = compare(declared(values, version="1.18.0"), [NodeObservation("n1", status)])
    return {r.fact: r for r in result.rows if r.fact in FACTS}


def test_defaults_match_the_real_verbose_status() -> None:
    rows = _rows(VALUES)
    assert set(rows) == set(FACTS)
    assert {f: r.verdict for f, r in rows.items()} == dict.fromkeys(FACTS, Verdict.MATCH)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("extra", "fact", "expected"),
    [
        ("loadBalancer:\n  acceleration: native\n", "xdp-acceleration", "Native"),
        ("loadBalancer:\n  algorithm: maglev\n", "backend-selection", "Maglev"),
        ("loadBalancer:\n  mode: dsr\n", "lb-mode", "DSR"),
        ("bpf:\n  mapDynamicSizeRatio: 0.005\n", "bpf-map-sizing", "on (ratio: 0.005000)"),
    ],
)
def test_a_declared_value_the_node_does_not_run_is_drift(
    extra: str, fact: str, expected: str
) -> None:
    row = _rows(VALUES + extra)[fact]
    assert row.verdict is Verdict.MISMATCH and row.expected == expected  # type: ignore[attr-defined]


def test_brief_status_does_not_compare_verbose_lines() -> None:
    brief = (
        "KubeProxyReplacement:    True   [eth0   10.0.0.2 (Direct Routing)]\n"
        "Cilium:   Ok   1.18.0\n"
    )
    result = compare(
        declared(VALUES, version="1.18.0"), [NodeObservation("n1", parse_status(brief))]
    )
    assert not [r for r in result.rows if r.fact in FACTS]


def _device_rows(values: str, status_text: str) -> dict[str, object]:
    status = parse_status(status_text, source="status.txt")
    result = compare(declared(values, version="1.20.0"), [NodeObservation("n1", status)])
    return {r.fact: r for r in result.rows if r.fact.startswith("device-mode")}


AUTO_TEXT = "Device Mode:             veth [Configured: auto]\nCilium:   Ok   1.20.0\n"


def test_1_20_configured_device_mode_from_text() -> None:
    rows = _device_rows("bpf:\n  datapathMode: auto\n", AUTO_TEXT)
    assert rows["device-mode-configured"].verdict is Verdict.MATCH  # type: ignore[attr-defined]
    assert rows["device-mode"].observed == "veth"  # type: ignore[attr-defined]
    status = parse_status(AUTO_TEXT)
    assert not [d for d in status.diagnostics if "Device Mode" in d.message]


def test_1_20_configured_device_mode_from_json_differs_from_the_values() -> None:
    payload = (
        '{"cilium": {"state": "Ok", "msg": "1.20.0"}, "datapath-mode": "veth", '
        '"configured-datapath-mode": "veth"}'
    )
    rows = _device_rows("bpf:\n  datapathMode: auto\n", payload)
    configured = rows["device-mode-configured"]
    assert configured.verdict is Verdict.MISMATCH and configured.observed == "veth"  # type: ignore[attr-defined]
