"""Declared vs deployed vs running: each drift layer, end to end through the fake cluster."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from ciliumdrift.live.layers import node_overrides
from ciliumdrift.live.model import Deployed, LiveResult, NodeConfigOverride, NodeFacts
from tests.fakecluster import (
    FakeCluster,
    helm_release_payload,
    make_agents,
    node_config,
    seed_configmap,
)
from tests.fakecluster.statuses import with_changes
from tests.live.conftest import SEED, drifted, findings

Start = Callable[..., tuple[FakeCluster, Path]]
Cli = Callable[..., tuple[int, str, str]]


def seed_values() -> dict[str, Any]:
    loaded: dict[str, Any] = YAML(typ="safe").load((SEED / "values.yaml").read_text())
    return loaded


def running(agents: list[Any], **changes: Any) -> None:
    for agent in agents:
        agent.status = with_changes(agent.status, changes)


def by_fact(items: list[dict[str, Any]], fact: str) -> list[dict[str, Any]]:
    return [f for f in items if f["fact"] == fact]


def values_line(key_text: str) -> int:
    lines = (SEED / "values.yaml").read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if key_text in line)


def test_values_changed_but_not_deployed_configmap(fake_cluster: Start, run_live: Cli) -> None:
    _, kubeconfig = fake_cluster(3)
    result = drifted(run_live(kubeconfig, "--set", "bpf.datapathMode=veth"))
    deployed = by_fact(result, "deployed-config")
    assert len(deployed) == 1
    assert deployed[0]["expected"] == "datapath-mode: veth"
    assert deployed[0]["observed"] == "datapath-mode: netkit"
    assert deployed[0]["source"]["layer"] == "set"
    assert deployed[0]["causes"][0]["kind"] == "not-applied"
    per_node = by_fact(result, "device-mode")
    assert {n for f in per_node for n in f["nodes"]} == {"node-000", "node-001", "node-002"}
    for finding in per_node:
        assert finding["causes"][0]["kind"] == "not-applied"
        assert "not deployed" in finding["causes"][0]["summary"]
        assert "helm upgrade" in finding["fix"]["summary"]


def test_values_changed_but_not_deployed_helm_release(fake_cluster: Start, run_live: Cli) -> None:
    # The files say netkit; the deployed release (and so its ConfigMap and agents) say veth.
    old = seed_values()
    old["bpf"]["datapathMode"] = "veth"
    agents = make_agents(2)
    running(agents, **{"datapath-mode": "veth"})
    configmap = {**seed_configmap(), "datapath-mode": "veth"}
    releases = [
        helm_release_payload(revision=1, config=old, status="superseded"),
        helm_release_payload(revision=2, config=old),
    ]
    cluster, kubeconfig = fake_cluster(agents, configmap=configmap, releases=releases)
    ran = run_live(kubeconfig, "--read-helm-release")
    result = drifted(ran)
    values = by_fact(result, "deployed-values")
    assert [(f["expected"], f["observed"]) for f in values] == [("netkit", "veth")]
    source = values[0]["source"]
    assert source["file"].endswith("values.yaml")
    assert source["line"] == values_line("datapathMode")
    assert "revision 2" in values[0]["message"]
    evidence = values[0]["causes"][0]["evidence"][0]
    assert evidence["origin"]["layer"] == "deployed"
    assert "sh.helm.release.v1.cilium.v2" in evidence["origin"]["detail"]
    assert by_fact(result, "deployed-config") == []  # the release finding already says it
    for finding in by_fact(result, "device-mode"):
        assert finding["causes"][0]["kind"] == "not-applied"
    assert any("/secrets" in path for path in cluster.requests)
    assert "U0VDUkVULURPLU5PVC1QUklOVA" not in ran[1]  # the manifest's rendered Secrets stay unread


def test_failed_upgrade_and_chart_version(fake_cluster: Start, run_live: Cli) -> None:
    values = seed_values()
    releases = [
        helm_release_payload(revision=3, config=values, chart_version="1.17.6"),
        helm_release_payload(revision=4, config=values, status="failed"),
    ]
    _, kubeconfig = fake_cluster(1, releases=releases)
    result = drifted(run_live(kubeconfig, "--cilium-version", "1.18.4", "--read-helm-release"))
    revision = by_fact(result, "helm-revision")
    assert len(revision) == 1 and "revision 4 is failed" in revision[0]["message"]
    chart = by_fact(result, "deployed-chart")
    assert [(f["expected"], f["observed"]) for f in chart] == [("1.18.4", "1.17.6")]


def test_configmap_changed_but_agents_not_restarted(fake_cluster: Start, run_live: Cli) -> None:
    agents = make_agents(3)
    for agent in agents:
        agent.drift_delta = 1
    agents[2].started_at = "2026-01-01T13:00:00Z"  # restarted after the change: in sync
    agents[2].drift_delta = 0
    running(agents[2:], **{"datapath-mode": "veth"})
    configmap = {**seed_configmap(), "datapath-mode": "veth"}
    _, kubeconfig = fake_cluster(
        agents, configmap=configmap, configmap_changed_at="2026-01-01T12:00:00Z"
    )
    result = drifted(run_live(kubeconfig, "--set", "bpf.datapathMode=veth"))
    restart = by_fact(result, "agent-restart")
    assert {n for f in restart for n in f["nodes"]} == {"node-000", "node-001"}
    assert all(f["severity"] == "error" for f in restart)  # the agents' own metric confirms it
    assert "rollout restart daemonset/cilium" in restart[0]["fix"]["summary"]
    assert by_fact(result, "deployed-config") == []  # the ConfigMap is what the files say
    device = {n: f for f in by_fact(result, "device-mode") for n in f["nodes"]}
    assert set(device) == {"node-000", "node-001"}
    top = device["node-000"]["causes"][0]
    assert top["kind"] == "not-applied" and "not restarted" in top["summary"]
    texts = " ".join(e["text"] for e in top["evidence"])
    assert "2026-01-01T12:00:00Z" in texts and "drift_checker_config_delta" in texts


def test_one_node_overridden_by_a_ciliumnodeconfig(fake_cluster: Start, run_live: Cli) -> None:
    agents = make_agents(3)
    agents[1].labels = {"datapath": "veth"}
    agents[1].drift_delta = 1
    agents[2].drift_delta = 3  # differs without any override: extraArgs/extraEnv
    running(agents[1:2], **{"datapath-mode": "veth"})
    configs = [node_config("veth-nodes", {"datapath": "veth"}, {"datapath-mode": "veth"})]
    _, kubeconfig = fake_cluster(agents, node_configs=configs, cnc_versions=("v2",))
    result = drifted(run_live(kubeconfig))
    device = by_fact(result, "device-mode")
    assert [f["nodes"] for f in device] == [["node-001"]]
    top = device[0]["causes"][0]
    assert top["kind"] == "per-node-override"
    assert "CiliumNodeConfig kube-system/veth-nodes" in top["summary"]
    assert "kubectl -n kube-system edit ciliumnodeconfig veth-nodes" in device[0]["fix"]["summary"]
    override = by_fact(result, "node-override")
    assert [(f["node"], f["severity"], f["observed"]) for f in override] == [
        ("node-001", "note", "datapath-mode: veth")
    ]
    drift = {n: f for f in by_fact(result, "agent-config-drift") for n in f["nodes"]}
    assert drift["node-001"]["severity"] == "note"
    assert drift["node-001"]["causes"][0]["kind"] == "per-node-override"
    assert drift["node-002"]["severity"] == "warning"
    assert "extraArgs" in drift["node-002"]["causes"][0]["summary"]


def test_the_agent_fell_back_is_left_to_the_derivation(fake_cluster: Start, run_live: Cli) -> None:
    agents = make_agents(1)
    agents[0].kernel = "6.1.67-talos"  # no TCX before 6.6: the agent attaches with legacy TC
    running(agents, **{"attach-mode": "tc", "datapath-mode": "veth"})
    configmap = {**seed_configmap(), "datapath-mode": "veth"}
    _, kubeconfig = fake_cluster(agents, configmap=configmap)
    _, out, _ = run_live(kubeconfig, "--set", "bpf.datapathMode=veth")
    report = json.loads(out)
    attach = [r for r in report["rows"] if r["fact"] == "attach-mode"]
    assert attach and attach[0]["observed"] == "Legacy TC"
    layer_kinds = {"not-applied", "per-node-override"}
    for finding in report["findings"]:
        assert not (finding["causes"] and finding["causes"][0]["kind"] in layer_kinds), finding


def test_node_config_precedence_v2_over_v2alpha1_and_by_name() -> None:
    def cnc(name: str, version: str, value: str, **labels: str) -> NodeConfigOverride:
        return NodeConfigOverride(
            name,
            "kube-system",
            f"cilium.io/{version}",
            {"datapath-mode": value},
            match_labels=labels,
        )

    live = LiveResult(
        observations=(),
        nodes=(NodeFacts("n1", labels={"pool": "a"}),),
        deployed=Deployed(
            node_configs=(
                cnc("zz", "v2alpha1", "netkit-l2"),
                cnc("b", "v2", "netkit", pool="a"),
                cnc("a", "v2", "veth", pool="a"),
                cnc("c", "v2", "veth", pool="other"),
            )
        ),
    )
    value, winner = node_overrides(live, "n1")["datapath-mode"]
    assert (value, winner.name) == ("netkit", "b")
    assert node_overrides(live, "unknown") == {}


def test_label_selector_expressions() -> None:
    def selects(op: str, values: list[str], labels: dict[str, str]) -> bool:
        expression = {"key": "k", "operator": op, "values": values}
        return NodeConfigOverride(
            "x", "", "cilium.io/v2", {}, match_expressions=(expression,)
        ).selects(labels)

    assert selects("In", ["a"], {"k": "a"}) and not selects("In", ["a"], {"k": "b"})
    assert not selects("In", ["a"], {})
    assert selects("NotIn", ["a"], {"k": "b"}) and not selects("NotIn", ["a"], {"k": "a"})
    assert selects("Exists", [], {"k": ""}) and not selects("Exists", [], {})
    assert selects("DoesNotExist", [], {}) and not selects("DoesNotExist", [], {"k": "x"})
    assert not selects("Gt", ["1"], {"k": "2"})


def test_config_keys_render_as_the_chart_writes_them() -> None:
    from ciliumdrift.agent.configmap import by_config_key

    flag, text = by_config_key()["enable-bpf-masquerade"], by_config_key()["datapath-mode"]
    assert [flag.rendered(v) for v in (True, False, "True", "yes", None)] == [
        "true",
        "false",
        "true",
        None,
        None,
    ]
    assert [text.rendered(v) for v in ("netkit", True, {"a": 1}, 7)] == [
        "netkit",
        "true",
        None,
        "7",
    ]


def test_live_node_config_file_sets_the_selected_nodes_expectation(
    fake_cluster: Start, run_live: Cli, tmp_path: Path
) -> None:
    # The cluster has no CiliumNodeConfig: the one declared with the config (--node-config)
    # moves node-001 to veth, so the node running veth is what the files ask for.
    agents = make_agents(2)
    agents[1].labels = {"datapath": "veth"}
    running(agents[1:2], **{"datapath-mode": "veth"})
    _, kubeconfig = fake_cluster(agents)
    declared = tmp_path / "node-config.yaml"
    declared.write_text(
        json.dumps(node_config("veth-nodes", {"datapath": "veth"}, {"datapath-mode": "veth"})),
        encoding="utf-8",
    )
    _, out, _ = run_live(kubeconfig)
    assert [f["nodes"] for f in by_fact(findings(out), "device-mode")] == [["node-001"]]
    _, out, err = run_live(kubeconfig, "--node-config", str(declared))
    report = json.loads(out)
    assert by_fact(findings(out), "device-mode") == [], err
    rows = {r["node"]: r for r in report["rows"] if r["fact"] == "device-mode"}
    assert rows["node-001"]["expected"] == "veth" and rows["node-001"]["verdict"] == "match"
    assert rows["node-000"]["expected"] == "netkit"
    assert report["inputs"]["node_configs"] == [str(declared)]
