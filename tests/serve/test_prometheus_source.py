"""``serve --prometheus``: every run reads the agents' config from a real Prometheus.

The Prometheus is the one ``live --prometheus`` is tested against (a TSDB block of what the
agents export, tests/prometheus/server.py); the API server is the serve tests' fake. With
``--sample 0`` no agent is exec'd: the drift of node-004 (its metrics say veth, the config
netkit) reaches ``/metrics`` from the metrics alone, and the run's notes say where the
config came from. The bearer token file is read and sent (Prometheus ignores it); a token
file that cannot be read fails the run with a message naming the file, and serve keeps going.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.prometheus.server import INSTALL_HINT, AgentMetrics, installed, prometheus
from tests.serve.conftest import SEED_ARGS, ServeCluster, ServeProcess, metric_samples

pytestmark = [pytest.mark.live, pytest.mark.skipif(not installed(), reason=INSTALL_HINT)]


def test_serve_reads_the_agents_config_from_prometheus(
    tmp_path: Path,
    cluster: Callable[..., tuple[ServeCluster, Path]],
    serve_process: Callable[..., ServeProcess],
) -> None:
    fake, kubeconfig = cluster(6)
    agents = [
        AgentMetrics(node=a.node, pod=a.pod, ip=f"192.168.0.{i + 1}")
        for i, a in enumerate(fake.agents)
    ]
    agents[4].modes["cilium_feature_datapath_config"] = "veth"
    token = tmp_path / "token"
    token.write_text("a-token-prometheus-ignores\n", encoding="utf-8")
    with prometheus(agents, tmp_path / "prom") as url:
        serve = serve_process(
            *SEED_ARGS,
            "--kubeconfig",
            str(kubeconfig),
            "--interval",
            "1h",
            "--prometheus",
            url,
            "--prometheus-bearer-token-file",
            str(token),
            "--sample",
            "0",
        )
        health = serve.wait_for(lambda h: bool(h.get("last_run")))
        assert health["last_run"]["outcome"] == "success", serve.output()
        _, body = serve.get("/metrics")
        drift = metric_samples(body.decode(), "ciliumdrift_drift")
        drifting = {(labels["node"], labels["status_line"]) for labels, value in drift if value}
        assert drifting == {("node-004", "Device Mode")}, drift
        nodes = metric_samples(body.decode(), "ciliumdrift_node_drifting_lines")
        assert {labels["node"] for labels, _ in nodes} == {f"node-00{i}" for i in range(6)}
        assert not [c for _, c, _ in fake.exec_log if "status" in c]  # metrics only
        _, report = serve.get("/report")
        notes = " ".join(d["message"] for d in json.loads(report)["diagnostics"])
        assert f"Prometheus {url}: metrics for 6 of 6 agents" in notes

        # the token file goes away: the next run fails and says why; the state stays
        token.unlink()
        assert serve.post("/run")[0] == 202
        failed = serve.wait_for(lambda h: h["last_run"]["number"] >= 2)
        assert failed["last_run"]["outcome"] != "success"
        assert f"{token}:1:1: cannot read the bearer token" in failed["last_run"]["error"]
        _, body = serve.get("/metrics")
        kept = metric_samples(body.decode(), "ciliumdrift_drift")
        assert {(labels["node"], labels["status_line"]) for labels, v in kept if v} == drifting
