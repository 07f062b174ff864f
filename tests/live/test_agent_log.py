"""live reads each agent container's log (bounded) and uses it as evidence; --no-agent-log."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.fakecluster import FakeCluster, make_agents
from tests.fakecluster.statuses import with_changes
from tests.live.conftest import SEED_ARGS, findings

Start = Callable[..., tuple[FakeCluster, Path]]
Cli = Callable[..., tuple[int, str, str]]

# cilium/cilium#33455: the bandwidth manager in kind (logrus logfmt, as kubectl logs prints it).
BANDWIDTH_LOG = (
    'time="2024-07-16T17:44:56Z" level=info msg="  --enable-bandwidth-manager=\'true\'" '
    "subsys=daemon\n"
    'time="2024-07-16T17:44:57Z" level=warning msg="BPF bandwidth manager could not read procfs. '
    'Disabling the feature." subsys=bandwidth-manager\n'
)


def _bandwidth_off(agent: Any) -> None:
    agent.status = with_changes(agent.status, {"bandwidth-manager": {"enabled": False}})


def test_live_log_line_is_the_top_cause(fake_cluster: Start, run_live: Cli) -> None:
    agents = make_agents(2)
    _bandwidth_off(agents[1])
    agents[1].log = BANDWIDTH_LOG
    cluster, kubeconfig = fake_cluster(agents)
    code, out, err = run_live(kubeconfig)
    assert code == 1, err
    drift = [f for f in findings(out) if f["fact"] == "bandwidth-manager" and f["kind"] == "drift"]
    assert [f["node"] for f in drift] == ["node-001"]
    top = drift[0]["causes"][0]
    assert top["kind"] == "environment"
    assert any("log:2" in e["text"] for e in top["evidence"])
    assert any(path.endswith("/log") for path in cluster.requests)


def test_no_agent_log_reads_no_log(fake_cluster: Start, run_cli: Cli) -> None:
    agents = make_agents(1)
    agents[0].log = BANDWIDTH_LOG
    cluster, kubeconfig = fake_cluster(agents)
    run_cli("live", *SEED_ARGS, "--kubeconfig", str(kubeconfig), "--no-agent-log")
    assert not any(path.endswith("/log") for path in cluster.requests)


def test_a_refused_log_is_no_failure(fake_cluster: Start, run_live: Cli) -> None:
    agents = make_agents(1)
    _bandwidth_off(agents[0])  # drift: its log would be read, but the API answers 404
    cluster, kubeconfig = fake_cluster(agents)
    code, out, err = run_live(kubeconfig)
    assert code == 1, (out, err)
    assert [f["fact"] for f in findings(out) if f["kind"] == "drift"] == ["bandwidth-manager"]
    assert any(path.endswith("/log") for path in cluster.requests)


def test_logs_are_read_only_where_they_can_explain_a_finding(
    fake_cluster: Start, run_cli: Cli, run_live: Cli
) -> None:
    # a fleet's logs are not read when every agent shows what the config asks for ...
    agents = make_agents(12)
    for agent in agents:
        agent.log = BANDWIDTH_LOG
    cluster, kubeconfig = fake_cluster(agents)
    code, _, err = run_cli("live", *SEED_ARGS, "--kubeconfig", str(kubeconfig))
    assert code == 0, err
    assert not any(path.endswith("/log") for path in cluster.requests)
    # ... and of identical findings, a few nodes' logs tell what all of them would
    for agent in agents:
        _bandwidth_off(agent)
    cluster.requests.clear()
    code, _, err = run_live(kubeconfig)
    assert code == 1, err
    logs = [path for path in cluster.requests if path.endswith("/log")]
    assert len(logs) == 3
