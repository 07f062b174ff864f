"""The contracts around the facts: `reads` is honest, docs/facts.md is current, the corpus
derives, the CLI commands print what the library derives, compare reports health."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from ciliumdrift.agent.docs import facts_markdown
from ciliumdrift.agent.facts import FACTS
from ciliumdrift.compare import compare
from ciliumdrift.derive import derive, node_context
from ciliumdrift.derive.expected import expected_state
from ciliumdrift.load.model import Declared, HelmValues
from ciliumdrift.model import (
    CauseKind,
    FindingKind,
    Layer,
    Located,
    NodeObservation,
    Severity,
    Verdict,
)
from ciliumdrift.parse import model as p
from ciliumdrift.report import render
from tests.derive.builders import SEED_VALUES, declared, seed_status, seed_talos, values

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "tests" / "corpus"


@dataclass(frozen=True)
class RecordingValues(HelmValues):
    """HelmValues that remembers every key a fact asked for."""

    asked: list[str] = field(default_factory=list)

    def raw(self, key: str, default: Any = None) -> Any:
        self.asked.append(key)
        return super().raw(key, default)


VARIANTS = [
    SEED_VALUES,
    "",
    "kubeProxyReplacement: strict\nencryption:\n  enabled: true\n  type: ipsec\nhostFirewall:\n  "
    "enabled: true\n",
    "bandwidthManager:\n  enabled: true\n  bbr: true\nbpf:\n  hostLegacyRouting: "
    "true\nenableIPv4BIGTCP: true\n",
    "routingMode: native\ncni:\n  chainingMode: aws-cni\nipam:\n  mode: kubernetes\ncluster:\n  "
    "id: 2\n",
]


@pytest.mark.parametrize("text", VARIANTS)
@pytest.mark.parametrize("version", ["1.14.19", "1.16.19", "1.18.4", "1.19.6"])
def test_facts_read_only_declared_keys(text: str, version: str) -> None:
    base = values(text, version=version)
    for fact in FACTS:
        recording = RecordingValues(
            values=base.values,
            sources=base.sources,
            chart_version=version,
            user_keys=base.user_keys,
        )
        ctx = node_context(
            Declared(values=recording, talos=seed_talos(kernel="5.4.0")), kernel="5.4.0"
        )
        fact.derive(ctx)
        undeclared = {k for k in recording.asked if k not in fact.reads}
        assert not undeclared, (fact.id, undeclared)


def test_docs_facts_md_is_current() -> None:
    assert (REPO / "docs" / "facts.md").read_text(encoding="utf-8") == facts_markdown()


def test_seed_case_all_rows_match() -> None:
    comparison = compare(
        declared(SEED_VALUES, talos_facts=seed_talos()),
        [NodeObservation(name=None, status=seed_status())],
    )
    assert comparison.rows and {r.verdict for r in comparison.rows} == {Verdict.MATCH}
    assert not [f for f in comparison.findings if f.severity is not Severity.NOTE]


def test_drift_example_names_the_values_position() -> None:
    text = SEED_VALUES.replace(
        "ipv4NativeRoutingCIDR: 10.100.0.0/16", "ipv4NativeRoutingCIDR: 10.200.0.0/16"
    )
    comparison = compare(
        declared(text, talos_facts=seed_talos()), [NodeObservation(name=None, status=seed_status())]
    )
    drift = [f for f in comparison.findings if f.kind is FindingKind.DRIFT]
    assert [f.fact for f in drift] == ["masquerading-cidr"]
    position = drift[0].source.position if drift[0].source else None
    assert position is not None and (position.file, position.line, position.column) == (
        "values.yaml",
        7,
        24,
    )
    assert drift[0].fix is not None and drift[0].fix.set_flag


def test_without_status_only_cross_checks_run() -> None:
    comparison = compare(declared(SEED_VALUES, talos_facts=seed_talos(kubeprism_port=7446)), [])
    assert comparison.rows == ()
    assert [f.status_line for f in comparison.findings] == ["Kubernetes"]
    assert comparison.findings[0].kind is FindingKind.CROSS_CHECK


def test_health_findings() -> None:
    sick = seed_status(
        cilium=p.CiliumState("Warning", "1.18.4", message="Not all probes executed at least once"),
        controllers=p.ControllerStatus(15, 16, (p.Controller("ipcache-sync", failure_count=3),)),
        cluster_health=p.ClusterHealth(2, 3),
        modules_health=p.ModulesHealth(11, 2, 75),
        hubble=p.Hubble("Warning", "Server not initialized", metrics_state="Failure"),
        kubernetes=p.KubernetesStatus("Failure", message="connection refused"),
        health_daemon=p.StateMessage("Failure"),
    )
    decl = declared(SEED_VALUES, talos_facts=seed_talos(kubeprism_enabled=False))
    comparison = compare(
        decl, [NodeObservation(name="n1", status=sick), NodeObservation(name="n2", error="timeout")]
    )
    health = {f.fact for f in comparison.findings if f.kind is FindingKind.HEALTH}
    assert health == {
        "cilium",
        "controllers",
        "cluster-health",
        "modules-health",
        "hubble",
        "hubble-metrics",
        "kubernetes",
        "health-daemon",
        "node",
    }
    kube = next(
        f for f in comparison.findings if f.fact == "kubernetes" and f.kind is FindingKind.HEALTH
    )
    assert kube.causes[0].kind.value == "talos-conflict"
    hubble_row = next(r for r in comparison.rows if r.fact == "hubble")
    assert hubble_row.verdict is Verdict.MATCH  # unhealthy is health, not drift


def test_per_node_kernels_and_labels() -> None:
    decl = declared(
        SEED_VALUES.replace("netkit", "veth"), version="1.15.19", talos_facts=seed_talos()
    )
    status = seed_status(routing=p.Routing("BPF"), device_mode=None, attach_mode=None)
    comparison = compare(
        decl,
        [NodeObservation(name="a", status=status), NodeObservation(name="b", status=status)],
        kernels={"a": "6.18.0", "b": "6.18.0"},
    )
    labels = {r.status_line for r in comparison.rows if r.fact == "host-routing"}
    assert labels == {"Host Routing"}


def test_compare_never_picks_a_version_of_its_own() -> None:
    # The version is resolved once, before compare (ciliumdrift.inputs): with none known,
    # the Cilium line is conditional, not drift against whatever chart stood in.
    bare = Declared(values=values(SEED_VALUES, version=""))
    status = seed_status(cilium=p.CiliumState("Ok", "1.16.5"))
    comparison = compare(bare, [NodeObservation(name=None, status=status)])
    version_row = next(r for r in comparison.rows if r.fact == "cilium-version")
    assert version_row.verdict is not Verdict.MISMATCH
    assert all(
        f.severity is Severity.NOTE for f in comparison.findings if f.fact == "cilium-version"
    )


def test_expect_renders_per_node() -> None:
    state = expected_state(
        declared(SEED_VALUES, talos_facts=seed_talos()), {"n1": "6.1.0", "n2": "6.18.0"}
    )
    assert [n["node"] for n in state["nodes"]] == ["n1", "n2"]
    by_node = {n["node"]: {f["fact"]: f for f in n["facts"]} for n in state["nodes"]}
    assert by_node["n1"]["attach-mode"]["expected"] == "Legacy TC"
    assert by_node["n2"]["attach-mode"]["expected"] == "TCX"
    assert by_node["n1"]["device-mode"]["conflicts"][0]["fatal"] is True
    assert json.loads(render(state, "json")) == state
    text = render(state, "text")
    assert "values.yaml:12:17" in text and "node n1" in text


def test_kernel_argument_forms() -> None:
    decl = declared(SEED_VALUES)
    assert derive(decl, kernel="6.5.0")["attach-mode"].value == "Legacy TC"
    origin = seed_talos().kernel
    assert origin is not None
    assert derive(decl, kernel=Located("6.6.1", origin.origin))["attach-mode"].value == "TCX"
    assert derive(decl)["attach-mode"].condition is not None


def _corpus_values() -> list[Path]:
    folder = CORPUS / "values"
    return sorted(folder.glob("*.yaml"))


@pytest.mark.parametrize("path", _corpus_values(), ids=lambda p: p.name)
def test_corpus_values_derive(path: Path) -> None:
    from ciliumdrift import load

    try:
        helm = load.load_values([str(path)])
    except Exception as error:  # the loader may reject a file (placeholders, wrappers)
        from ciliumdrift.errors import CiliumdriftError

        assert isinstance(error, CiliumdriftError)
        return
    expectations = derive(Declared(values=helm), kernel="6.12.5")
    assert "kube-proxy-replacement" in expectations
    assert all(e.value is None or isinstance(e.value, str) for e in expectations.values())


def test_corpus_seed_status_matches_when_parser_is_there() -> None:
    from ciliumdrift import parse

    status_file = CORPUS / "status" / "status-015.txt"
    status = parse.parse_status(status_file.read_text(encoding="utf-8"), source=str(status_file))
    comparison = compare(
        declared(SEED_VALUES, talos_facts=seed_talos()), [NodeObservation(name=None, status=status)]
    )
    assert {r.verdict for r in comparison.rows} == {Verdict.MATCH}, [
        (r.fact, r.expected, r.observed) for r in comparison.rows if r.verdict is not Verdict.MATCH
    ]


def _corpus_pairs() -> list[Path]:
    folder = CORPUS / "status"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.txt") if p.with_suffix(".values.yaml").is_file())


@pytest.mark.parametrize("status_file", _corpus_pairs(), ids=lambda p: p.name)
def test_corpus_pairs_drift_is_explained_by_missing_values(status_file: Path) -> None:
    """The corpus values are fragments quoted beside each status: a line that differs from
    what a default predicts must be explained by that default (the fragment misses the key),
    never by a guess, and a key the user did set must match the observed line."""
    from ciliumdrift.api import check

    report = check(
        values_files=[str(status_file.with_suffix(".values.yaml"))],
        status_files=[str(status_file)],
    )
    defaults = (Layer.CHART_DEFAULT, Layer.AGENT_DEFAULT)
    for finding in report.findings:
        if finding.kind is not FindingKind.DRIFT:
            continue
        top = {c.kind for c in finding.causes[:2]}
        assert finding.source is not None and finding.source.layer in defaults, finding.message
        # A kernel-dependent default on a node whose kernel the fragment does not give may
        # also be the kernel's doing (status-008: EKS, Legacy TC).
        assert top & {CauseKind.VERSION_DEFAULT, CauseKind.KERNEL_TOO_OLD}, (finding.message, top)
