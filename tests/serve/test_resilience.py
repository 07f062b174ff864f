"""``serve`` as a process: the API server going away and back, scrapes during a run, SIGTERM."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.fakecluster import Fault
from tests.serve.conftest import SEED_ARGS, ServeCluster, ServeProcess, metric_samples

pytestmark = pytest.mark.live

Cluster = Callable[..., tuple[ServeCluster, Path]]
Serve = Callable[..., ServeProcess]


def stop_seconds(log: str) -> float:
    """From "received SIGTERM" to "stopped" in serve's log (its own timestamps)."""
    from datetime import datetime

    def when(marker: str) -> datetime:
        line = next(line for line in log.splitlines() if marker in line)
        return datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f")

    return (when("stopped (") - when("received SIGTERM")).total_seconds()


def _value(serve: ServeProcess, name: str) -> float | None:
    _, body = serve.get("/metrics")
    samples = metric_samples(body.decode(), name)
    return samples[0][1] if samples else None


def test_api_server_goes_away_and_comes_back(cluster: Cluster, serve_process: Serve) -> None:
    fake, kubeconfig = cluster(3)
    fake.drift("node-001", **{"datapath-mode": "veth"})
    serve = serve_process(*SEED_ARGS, "--kubeconfig", str(kubeconfig), "--interval", "0.5s")
    serve.wait_for(lambda h: h["last_run"] and h["last_run"]["outcome"] == "success")
    fake.stop()
    failed = serve.wait_for(lambda h: h["last_run"]["outcome"] == "failure")
    assert "cannot reach" in failed["last_run"]["error"], failed
    # the last known state stays exported, flagged by the run metrics
    assert _value(serve, "ciliumdrift_last_run_success") == 0
    _, body = serve.get("/metrics")
    drift = metric_samples(body.decode(), "ciliumdrift_drift")
    assert {labels["node"] for labels, _ in drift} == {"node-001"}
    assert (_value(serve, "ciliumdrift_runs_total") or 0) >= 1
    assert serve.get("/report")[0] == 200
    before = serve.runs()
    fake.start(fake.port)  # the same address, as a restarted API server
    fake.heal("node-001")
    back = serve.wait_for(
        lambda h: h["last_run"]["number"] > before and h["last_run"]["outcome"] == "success"
    )
    assert back["state"]["drifting_pairs"] == 0
    assert _value(serve, "ciliumdrift_last_run_success") == 1
    assert serve.process.poll() is None


def test_scrapes_during_a_run_see_the_previous_state(
    cluster: Cluster, serve_process: Serve
) -> None:
    _fake, kubeconfig = cluster(6, latency_ms=400)
    serve = serve_process(
        *SEED_ARGS, "--kubeconfig", str(kubeconfig), "--interval", "1h", "--concurrency", "2"
    )
    first = serve.wait_for(lambda h: h["last_run"] is not None, timeout=60)
    assert first["last_run"]["outcome"] == "success"
    code, answer = serve.post("/run")
    assert code == 202 and answer["accepted"]
    serve.wait_for(lambda h: h["running"])
    scraped = 0
    while serve.health()["running"]:
        started = time.monotonic()
        status, body = serve.get("/metrics", timeout=2)
        assert status == 200 and time.monotonic() - started < 1.0
        text = body.decode()
        assert metric_samples(text, "ciliumdrift_run_in_progress")[0][1] in (0.0, 1.0)
        assert len(metric_samples(text, "ciliumdrift_node_drifting_lines")) == 6
        assert json.loads(serve.get("/report")[1])["inputs"]["nodes"] == 6
        scraped += 1
        time.sleep(0.05)
    assert scraped >= 3
    assert serve.runs() == 2
    # a burst of requests while a run is in progress: coalesced, never concurrent
    serve.post("/run")
    serve.wait_for(lambda h: h["running"])
    answers = [serve.post("/run")[1] for _ in range(5)]
    assert all(a["queued"] for a in answers)
    serve.wait_for(lambda h: h["last_run"]["number"] == 4 and not h["running"], timeout=60)
    time.sleep(1.5)
    assert serve.runs() == 4, "five requests during run 3 are one more run, not five"


def test_sigterm_abandons_a_hung_run_within_the_grace_period(
    cluster: Cluster, serve_process: Serve
) -> None:
    _fake, kubeconfig = cluster(3, faults={"node-001": Fault.HANG})
    serve = serve_process(
        *SEED_ARGS,
        "--kubeconfig",
        str(kubeconfig),
        "--timeout",
        "60",
        "--grace-period",
        "4s",
    )
    serve.wait_for(lambda h: h["running"])
    time.sleep(0.5)
    code, seconds = serve.terminate()
    assert code == 0, serve.output()
    # serve's own stop takes the grace period at most; the process's exit comes on top,
    # within the margin deploy/deployment.yaml leaves (terminationGracePeriodSeconds 30
    # for --grace-period 25s)
    assert stop_seconds(serve.output()) <= 4 + 0.5, serve.output()
    assert seconds < 4 + 5, (seconds, serve.output())
    assert "abandon" in serve.output(), serve.output()


def test_sigterm_lets_a_short_run_finish(cluster: Cluster, serve_process: Serve) -> None:
    _fake, kubeconfig = cluster(4, latency_ms=300)
    serve = serve_process(
        *SEED_ARGS, "--kubeconfig", str(kubeconfig), "--concurrency", "1", "--grace-period", "20s"
    )
    serve.wait_for(lambda h: h["running"])
    code, seconds = serve.terminate()
    assert code == 0, serve.output()
    assert seconds < 20
    assert stop_seconds(serve.output()) < 20
    assert "run finished" in serve.output()
    assert "run 1 (start) took" in serve.output()


def test_unreachable_agents_are_collection_failures_per_node(
    cluster: Cluster, serve_process: Serve
) -> None:
    _fake, kubeconfig = cluster(3, faults={"node-000": Fault.ERROR, "node-002": Fault.CRASHLOOP})
    serve = serve_process(*SEED_ARGS, "--kubeconfig", str(kubeconfig))
    serve.wait_for(lambda h: h["last_run"] is not None)
    _, body = serve.get("/metrics")
    failed = metric_samples(body.decode(), "ciliumdrift_node_collection_failed")
    assert {labels["node"]: labels["reason"] for labels, _ in failed} == {
        "node-000": "unreachable",
        "node-002": "unreachable",
    }
    nodes = {
        labels["state"]: value
        for labels, value in metric_samples(body.decode(), "ciliumdrift_nodes")
    }
    assert nodes == {"checked": 1, "failed": 2}


def test_bad_listen_address_is_a_usage_error(tmp_path: Path) -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "ciliumdrift", "serve", "--listen", "nonsense", "--interval", "1s"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "--listen" in done.stderr
    done = subprocess.run(
        [sys.executable, "-m", "ciliumdrift", "serve", "--interval", "soon"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "duration" in done.stderr
