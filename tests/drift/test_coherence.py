"""Findings that are true and coherent, checked against the data they cite.

Multi-node situations are built from the seed config with per-node kernels and statuses;
every evidence string that names nodes and values is checked against the compared rows,
fixes about one key never disagree, and ``unknown`` appears only when nothing else does.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pytest

from ciliumdrift.compare import Comparison, compare, fix_settings
from ciliumdrift.datafiles import load
from ciliumdrift.model import CauseKind, Finding, FindingKind, NodeObservation, Severity
from ciliumdrift.parse.model import Masquerading, Routing
from tests.derive.builders import SEED_VALUES, declared, seed_status, seed_talos
from tests.drift.test_drift import SCENARIOS, _run
from tests.drift.test_reports import REPORTS, _findings

VETH = SEED_VALUES.replace("datapathMode: netkit", "datapathMode: veth")
PEERS = re.compile(r"other nodes \((?P<names>[^)]*)\) are expected to show '(?P<value>[^']*)'")


def _compare(
    values: str,
    statuses: dict[str, dict[str, object]],
    kernels: dict[str | None, str] | None = None,
    talos: bool = True,
) -> Comparison:
    decl = declared(values, talos_facts=seed_talos() if talos else None)
    observations = [
        NodeObservation(name=node, status=seed_status(**overrides))
        for node, overrides in statuses.items()
    ]
    return compare(decl, observations, kernels=kernels or {})


def _evidence(finding: Finding) -> list[str]:
    return [e.text for c in finding.causes for e in c.evidence]


def assert_peer_evidence_true(comparison: Comparison) -> None:
    """Every "other nodes (…) are expected to show V" names nodes that do expect and show V."""
    rows = {(r.fact, r.node): r for r in comparison.rows}
    for finding in comparison.findings:
        for text in _evidence(finding):
            for match in PEERS.finditer(text):
                value = match.group("value")
                for name in match.group("names").split(", "):
                    row = rows[(finding.fact, name.split(" and ")[0])]
                    assert row.expected == value and row.observed == value, (text, row)


def test_a_node_expected_otherwise_is_no_evidence_of_an_override() -> None:
    # n1 runs an old kernel: Legacy TC is expected there, TCX on n2; n1 shows TCX anyway.
    comparison = _compare(
        VETH,
        {"n1": {"attach_mode": "TCX", "device_mode": "veth"}, "n2": {"device_mode": "veth"}},
        kernels={"n1": "6.1.0", "n2": "6.12.0"},
    )
    (finding,) = [f for f in comparison.findings if f.fact == "attach-mode"]
    assert finding.node == "n1" and finding.expected == "Legacy TC"
    assert CauseKind.PER_NODE_OVERRIDE not in [c.kind for c in finding.causes]
    assert not any("n2" in text for text in _evidence(finding)), _evidence(finding)
    assert_peer_evidence_true(comparison)


def test_an_override_names_the_nodes_that_show_the_expected_value() -> None:
    comparison = _compare(
        VETH,
        {
            "n1": {"attach_mode": "Legacy TC", "device_mode": "veth"},
            "n2": {"device_mode": "veth"},
            "n3": {"device_mode": "veth"},
        },
        kernels={None: "6.12.0"},
    )
    (finding,) = [f for f in comparison.findings if f.fact == "attach-mode"]
    assert finding.causes[0].kind is CauseKind.PER_NODE_OVERRIDE
    assert any("(n2, n3)" in text for text in _evidence(finding)), _evidence(finding)
    assert_peer_evidence_true(comparison)


def test_identical_findings_on_several_nodes_are_one_finding() -> None:
    from ciliumdrift.compare import merge_nodes

    statuses = {f"n{i}": {"device_mode": "veth"} for i in range(1, 4)}
    comparison = _compare(SEED_VALUES, statuses, kernels={None: "6.12.0"})
    per_node = [f for f in comparison.findings if f.fact == "device-mode"]
    assert [f.node for f in per_node] == ["n1", "n2", "n3"]
    (merged,) = merge_nodes(per_node)
    assert merged.applies_to == ("n1", "n2", "n3") and merged.node is None
    # every node shows veth: no node is cited as showing the expected netkit
    assert not any("show 'netkit'" in text for text in _evidence(merged))
    assert_peer_evidence_true(comparison)


def test_findings_merge_across_nodes_in_the_report() -> None:
    from ciliumdrift.api import build_report

    decl = declared(SEED_VALUES, talos_facts=seed_talos())
    observations = [
        NodeObservation(name=f"n{i}", status=seed_status(device_mode="veth")) for i in range(3)
    ]
    report = build_report(decl, observations, kernels={None: "6.12.0"})
    device = [f for f in report.findings if f.fact == "device-mode"]
    assert [f.applies_to for f in device] == [("n0", "n1", "n2")]
    assert device[0].node is None
    assert report.to_dict()["findings"][0]["nodes"] == ["n0", "n1", "n2"]


def test_running_agents_are_named_never_none() -> None:
    # Native routing without a CIDR stops the agent at start, yet the status says it runs.
    values = SEED_VALUES.replace("ipv4NativeRoutingCIDR: 10.100.0.0/16\n", "")
    decl = declared(values, talos_facts=seed_talos())
    unnamed = compare(decl, [NodeObservation(name=None, status=seed_status())])
    named = compare(decl, [NodeObservation(name="n1", status=seed_status())])
    for comparison, needle in ((unnamed, "the status shows Cilium: Ok"), (named, "Ok on n1")):
        texts = [t for f in comparison.findings for t in _evidence(f)]
        assert any(needle in t for t in texts), texts
        assert not any("None" in t for t in texts), texts


def test_kernel_floor_of_the_cause_is_the_fixs_and_the_datas() -> None:
    rows = {row["feature"]: row["min_kernel"] for row in load("kernel.yaml")["rows"]}
    comparison = _compare(SEED_VALUES, {"n1": {}}, kernels={None: "6.1.0"})
    found = [f for f in comparison.findings if f.fact == "device-mode"]
    assert found
    for finding in found:
        floors = set(re.findall(r"Linux (\d+\.\d+)", " ".join(c.summary for c in finding.causes)))
        assert finding.fix is not None
        fix_floors = set(re.findall(r"Linux (\d+\.\d+)", finding.fix.summary))
        assert floors and fix_floors <= floors, (floors, finding.fix.summary)
        assert floors <= {rows["netkit"], rows["netkit-supported"]}, floors


def test_a_wrong_declared_value_is_fixed_first_and_never_rolled_out() -> None:
    values = SEED_VALUES.replace("10.100.0.0/16", "10.200.0.0/16")
    comparison = _compare(values, {"n1": {}})
    found = [f for f in comparison.findings if f.fact == "masquerading-cidr"]
    assert len(found) == 1, [f.message for f in found]
    (finding,) = found
    assert finding.kind is FindingKind.DRIFT
    assert finding.fix is not None
    assert finding.fix.summary.startswith("The declared value is itself wrong")
    assert "rollout restart" not in finding.fix.summary
    assert fix_settings(finding.fix) == {"ipv4NativeRoutingCIDR": "10.100.0.0/16"}
    assert finding.observed == "10.100.0.0/16"  # what the fix proposes is what runs


def test_kube_proxy_replacement_gets_one_value_from_one_finding() -> None:
    values = SEED_VALUES.replace("kubeProxyReplacement: true", "kubeProxyReplacement: partial")
    comparison = _compare(values, {"n1": {}})
    proposals = {
        fix_settings(f.fix).get("kubeProxyReplacement")
        for f in comparison.findings
        if f.fix is not None and "kubeProxyReplacement" in fix_settings(f.fix)
    }
    assert proposals == {"true"}, proposals


def _contradictions(findings: Sequence[Finding]) -> list[tuple[str, set[str]]]:
    proposed: dict[str, set[str]] = {}
    for finding in findings:
        for key, value in fix_settings(finding.fix).items():
            proposed.setdefault(key, set()).add(value)
    return [(key, values) for key, values in proposed.items() if len(values) > 1]


def _all_findings(scenario_findings: Sequence[Finding]) -> None:
    assert not _contradictions(scenario_findings), _contradictions(scenario_findings)
    texts = [f.message for f in scenario_findings] + [
        t for f in scenario_findings for t in _evidence(f)
    ]
    assert not [t for t in texts if re.search(r"\bNone\b", t)], texts
    for finding in scenario_findings:
        kinds = [c.kind for c in finding.causes]
        generic = [c for c in finding.causes if c.kind is CauseKind.UNKNOWN and not c.evidence]
        assert not generic or len(kinds) == 1, kinds


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.id for s in SCENARIOS])
def test_drift_scenarios_are_coherent(scenario: object) -> None:
    _all_findings(_run(scenario))  # type: ignore[arg-type]


@pytest.mark.parametrize("report", REPORTS, ids=[r.id for r in REPORTS])
def test_reported_scenarios_are_coherent(report: object) -> None:
    _all_findings(_findings(report))  # type: ignore[arg-type]


def _kubernetes(comparison: Comparison) -> Finding:
    (finding,) = [
        f for f in comparison.findings if f.fact == "kubernetes" and "k8sServiceHost" in f.message
    ]
    return finding


def test_a_requirement_the_status_proves_met_is_a_note() -> None:
    # Talos disables kube-proxy and k8sServiceHost is empty: certain failure, unless the
    # status shows the agents reach the API server all the same.
    values = SEED_VALUES.replace("k8sServiceHost: localhost\n", "")
    ok = _kubernetes(_compare(values, {"n1": {}}))
    assert ok.severity is Severity.NOTE
    assert any("Kubernetes: Ok on n1" in t for t in _evidence(ok)), _evidence(ok)
    # Without the Kubernetes line the status proves nothing: the error stays.
    unseen = _kubernetes(_compare(values, {"n1": {"kubernetes": None}}))
    assert unseen.severity is Severity.ERROR
    # Without Talos nothing says kube-proxy is gone: a note from the start.
    plain = _kubernetes(
        _compare("kubeProxyReplacement: true\n", {"n1": {"kubernetes": None}}, talos=False)
    )
    assert plain.severity is Severity.NOTE


def test_a_fallback_the_status_shows_as_derived_is_a_note() -> None:
    values = "kubeProxyReplacement: true\nbpf:\n  masquerade: false\n  hostLegacyRouting: false\n"
    status = {
        "routing": Routing("Legacy", "Tunnel", "vxlan"),
        "masquerading": Masquerading("IPTables", ipv4=True, ipv6=False),
    }
    comparison = _compare(values, {"n1": status}, talos=False)
    fallback = [f for f in comparison.findings if f.fact == "host-routing"]
    assert fallback and all(f.severity is Severity.NOTE for f in fallback)
    # The same config where the status shows BPF host routing is drift, not a note.
    other = _compare(values, {"n1": {}}, talos=False)
    assert any(f.fact == "host-routing" and f.severity is Severity.ERROR for f in other.findings)
