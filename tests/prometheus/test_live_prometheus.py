"""``live --prometheus`` against a real Prometheus server and the fake API server."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.fakecluster import FakeCluster, make_agents, statuses
from tests.live.conftest import SEED_ARGS
from tests.prometheus.server import INSTALL_HINT, AgentMetrics, free_port, installed, prometheus

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(not installed(), reason=INSTALL_HINT),
]

Cli = Callable[..., tuple[int, str, str]]


@pytest.fixture
def live_prometheus(run_cli: Cli) -> Cli:
    """``ciliumdrift live`` with the seed config, a kubeconfig and a Prometheus URL."""

    def run(kubeconfig: Path, url: str, *args: str) -> tuple[int, str, str]:
        return run_cli(
            "live", *SEED_ARGS, "--kubeconfig", str(kubeconfig), "--prometheus", url, *args
        )

    return run


def metrics_for(cluster: FakeCluster) -> list[AgentMetrics]:
    return [
        AgentMetrics(node=a.node, pod=a.pod, ip=f"192.168.{i // 250}.{i % 250 + 1}")
        for i, a in enumerate(cluster.agents)
    ]


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[tuple[FakeCluster, Path]]:
    started = FakeCluster(make_agents(8)).start()
    try:
        yield started, started.kubeconfig(tmp_path / "kubeconfig")
    finally:
        started.stop()


def status_execs(cluster: FakeCluster) -> list[str]:
    return [pod for pod, command, _ in cluster.exec_log if "status" in command]


def test_clean_fleet_reads_metrics_and_execs_only_a_sample(
    cluster: tuple[FakeCluster, Path], tmp_path: Path, live_prometheus: Cli
) -> None:
    fake, kubeconfig = cluster
    with prometheus(metrics_for(fake), tmp_path / "prom") as url:
        code, out, err = live_prometheus(kubeconfig, url, "--format", "json")
    assert code == 0, (out, err)
    report = json.loads(out)
    assert report["inputs"]["nodes"] == 8 and report["findings"] == []
    # one group of identical metrics: three agents exec'd, the five others read from metrics
    assert len(status_execs(fake)) == 3
    note = next(d["message"] for d in report["diagnostics"] if "Prometheus" in d["message"])
    assert "metrics for 8 of 8 agents" in note and "exec'd on 3 node(s)" in note
    by_node: dict[str, dict[str, Any]] = {}
    for row in report["rows"]:
        by_node.setdefault(row["node"], {})[row["fact"]] = row
    metric_only = [n for n in by_node if n not in {a.node for a in fake.agents[:3]}]
    assert len(metric_only) == 5
    for node in metric_only:
        # covered by the feature metrics ...
        assert by_node[node]["device-mode"]["observed"] == "netkit"
        assert by_node[node]["kube-proxy-replacement"]["observed"] == "True"
        assert by_node[node]["routing"]["observed"] == "Native"
        # ... and not covered: never invented
        assert by_node[node]["host-routing"]["verdict"] == "not-observed"
        assert by_node[node]["attach-mode"]["verdict"] == "not-observed"
    assert report["fleet"]["nodes"] == 8


def test_metric_drift_is_found_without_exec_and_delta_nodes_are_execd(
    cluster: tuple[FakeCluster, Path], tmp_path: Path, live_prometheus: Cli
) -> None:
    fake, kubeconfig = cluster
    agents = metrics_for(fake)
    # node-005 runs veth (its metrics say so); node-006's drift checker counts two keys
    agents[5].modes["cilium_feature_datapath_config"] = "veth"
    agents[6].drift_delta = 2
    fake.agents[6].drift_delta = 2
    with prometheus(agents, tmp_path / "prom") as url:
        code, out, err = live_prometheus(kubeconfig, url, "--sample", "0", "--format", "json")
    assert code == 1, (out, err)
    report = json.loads(out)
    device = [f for f in report["findings"] if f["fact"] == "device-mode"]
    assert [(f["node"], f["observed"]) for f in device] == [("node-005", "veth")]
    # with --sample 0 only the node whose drift checker counts a delta is exec'd
    assert status_execs(fake) == ["cilium-00006"]
    drift = [f for f in report["findings"] if f["fact"] == "agent-config-drift"]
    assert [f["node"] for f in drift] == ["node-006"]
    groups = report["fleet"]["groups"]
    assert sum(len(g["nodes"]) for g in groups) == 8 and len(groups) >= 2


def test_agents_without_feature_metrics_are_execd(
    cluster: tuple[FakeCluster, Path], tmp_path: Path, live_prometheus: Cli
) -> None:
    fake, kubeconfig = cluster
    agents = metrics_for(fake)
    agents[7].features = False  # a 1.16 agent: only cilium_version
    del agents[3]  # node-003 is not scraped at all
    with prometheus(agents, tmp_path / "prom") as url:
        code, out, err = live_prometheus(kubeconfig, url, "--sample", "1", "--format", "json")
    assert code == 0, (out, err)
    execd = set(status_execs(fake))
    assert {"cilium-00003", "cilium-00007"} <= execd and len(execd) == 3
    notes = " ".join(d["message"] for d in json.loads(out)["diagnostics"])
    assert "no metrics for 1 agent(s)" in notes and "node-003" in notes


def test_prometheus_down_is_one_clear_line(
    cluster: tuple[FakeCluster, Path], live_prometheus: Cli
) -> None:
    _, kubeconfig = cluster
    port = free_port()
    code, out, err = live_prometheus(kubeconfig, f"http://127.0.0.1:{port}")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"cannot reach Prometheus at http://127.0.0.1:{port}" in err


class _Fake(BaseHTTPRequestHandler):
    delay = 0.0
    body = b""
    status = 200

    def do_GET(self) -> None:
        time.sleep(self.delay)
        try:
            self.send_response(self.status)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(self.body)))
            self.end_headers()
            self.wfile.write(self.body)
        except OSError:
            pass

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def fake_prometheus() -> Iterator[Callable[..., str]]:
    servers: list[ThreadingHTTPServer] = []

    def start(**attributes: Any) -> str:
        handler = type("Handler", (_Fake,), attributes)
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_prometheus_answering_garbage_is_one_clear_line(
    cluster: tuple[FakeCluster, Path], live_prometheus: Cli, fake_prometheus: Callable[..., str]
) -> None:
    _, kubeconfig = cluster
    url = fake_prometheus(body=b"<html><body>Grafana login</body></html>")
    code, out, err = live_prometheus(kubeconfig, url)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "did not answer with JSON (is this the Prometheus HTTP API?)" in err
    wrong = fake_prometheus(body=json.dumps({"status": "success", "data": {"x": 1}}).encode())
    code, _, err = live_prometheus(kubeconfig, wrong)
    assert code == 2 and "sent no query result" in err
    failing = fake_prometheus(status=503, body=b'{"status":"error","error":"overloaded"}')
    code, _, err = live_prometheus(kubeconfig, failing)
    assert code == 2 and "answered 503" in err and "overloaded" in err


def test_slow_prometheus_times_out_with_one_line(
    cluster: tuple[FakeCluster, Path], live_prometheus: Cli, fake_prometheus: Callable[..., str]
) -> None:
    _, kubeconfig = cluster
    url = fake_prometheus(delay=5.0, body=b"{}")
    started = time.monotonic()
    code, out, err = live_prometheus(kubeconfig, url, "--timeout", "1")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "timed out" in err
    assert time.monotonic() - started < 5


def test_a_password_in_the_url_is_never_printed(
    cluster: tuple[FakeCluster, Path], live_prometheus: Cli
) -> None:
    _, kubeconfig = cluster
    port = free_port()
    code, _, err = live_prometheus(kubeconfig, f"http://admin:s3cret-pw@127.0.0.1:{port}")
    assert code == 2 and "s3cret-pw" not in err and "***@127.0.0.1" in err


def test_seed_status_matches_what_the_metrics_say() -> None:
    # the fake agents' status and the default AgentMetrics describe the same seed datapath
    status = statuses.seed_status("n")
    assert (
        status["datapath-mode"]
        == AgentMetrics("n", "p", "1.1.1.1").modes["cilium_feature_datapath_config"]
    )
    assert status["routing"]["inter-host-routing-mode"] == "Native"
