"""The check text renderer: fits the width, groups nodes, prints alike findings once."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ciliumdrift.api import build_report
from ciliumdrift.model import NodeObservation
from ciliumdrift.parse import model as p
from ciliumdrift.report.groups import group_nodes
from ciliumdrift.report.text import check_text
from tests.derive.builders import SEED_VALUES, declared, seed_status, seed_talos

POOL = SEED_VALUES.replace(
    "ipam:\n  mode: kubernetes\n",
    "ipam:\n  mode: cluster-pool\n  operator:\n    clusterPoolIPv4PodCIDRList: [10.200.0.0/16]\n",
)


def _fleet(values: str, count: int) -> list[NodeObservation]:
    del values
    return [
        NodeObservation(
            name=f"n{i:03d}",
            status=seed_status(ipam=p.Ipam((p.IpamFamily("IPv4", 2, 254, f"10.100.{i}.0/24"),))),
        )
        for i in range(count)
    ]


def test_per_node_values_keep_one_group_and_one_finding() -> None:
    decl = declared(POOL, talos_facts=seed_talos())
    report = build_report(decl, _fleet(POOL, 50), kernels={None: "6.12.0"})
    ipam = [f for f in report.findings if f.fact == "ipam" and f.kind.value == "drift"]
    assert len(ipam) == 50  # the JSON keeps every node's own values
    assert len(group_nodes(report.rows)) == 1  # the drift reads alike on every node
    text = check_text(report, width=100, colour=False)
    flat = " ".join(text.split())
    assert text.count("x error: IPAM on 50 nodes") == 1
    assert "Findings (2; 51 per node)" in text  # the drift once, and the IPAM cross-check
    assert "on 50 nodes (n000, n001, n002, n003, … n049)" in flat
    assert "(one of 50 per-node values)" in flat
    assert max(len(line) for line in text.splitlines()) <= 100
    verbose = check_text(report, width=100, colour=False, verbose=True)
    assert verbose.count("x error: IPAM on n0") == 50


def test_every_width_is_respected() -> None:
    decl = declared(SEED_VALUES, talos_facts=seed_talos())
    report = build_report(decl, _fleet(SEED_VALUES, 3), kernels={None: "6.12.0"})
    for width in (60, 80, 100, 132, 200):
        text = check_text(report, width=width, colour=False)
        assert max(len(line) for line in text.splitlines()) <= width, width
        assert "3 nodes: " in text


def test_severities_are_told_apart_without_colour() -> None:
    values = "kubeProxyReplacement: true\n"  # a note: nothing says kube-proxy is gone
    report = build_report(declared(values), [NodeObservation("n1", seed_status(kubernetes=None))])
    text = check_text(report, width=100, colour=False)
    assert "i note: Kubernetes [kubernetes]" in text  # one node: the whole cluster
    assert "\x1b[" not in text
    coloured = check_text(report, width=100, colour=True)
    assert "\x1b[36mi note\x1b[0m" in coloured


@given(width=st.integers(min_value=60, max_value=140))  # the renderer's narrowest is 60
@settings(max_examples=40, deadline=None)
def test_the_summary_never_parts_a_count_from_its_noun(width: int) -> None:
    decl = declared(POOL, talos_facts=seed_talos())
    report = build_report(decl, _fleet(POOL, 12), kernels={None: "6.12.0"})
    text = check_text(report, width=width, colour=False)
    start = text.rindex("\n", 0, text.rindex("status lines compared")) + 1
    lines = text[start:].rstrip("\n").split("\n")
    assert lines[-1].endswith("note(s).")
    assert all(len(line) <= width for line in lines)
    for line in lines[:-1]:
        assert not line.rstrip()[-1].isdigit(), line  # a count never ends a line
    assert "\u00a0" not in text
