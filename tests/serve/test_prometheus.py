"""A real Prometheus scrapes ``serve``; the drift series appear and clear with the agents."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.fakecluster import Fault
from tests.serve.conftest import SEED_ARGS, ServeCluster, ServeProcess
from tests.serve.prom import INSTALL_HINT, Prometheus, prometheus_binary

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(prometheus_binary() is None, reason=INSTALL_HINT),
]


def test_drift_series_appear_and_clear_in_prometheus(
    tmp_path: Path,
    cluster: Callable[..., tuple[ServeCluster, Path]],
    serve_process: Callable[..., ServeProcess],
) -> None:
    fake, kubeconfig = cluster(4)
    serve = serve_process(*SEED_ARGS, "--kubeconfig", str(kubeconfig), "--interval", "1s")
    prometheus = Prometheus(tmp_path / "prom", [f"127.0.0.1:{serve.port}"])
    try:
        # clean: every node has its series, at 0, and no drift series
        clean = prometheus.wait_for(
            "ciliumdrift_node_drifting_lines", lambda r: len(r) == 4, timeout=40
        )
        assert {s["metric"]["node"] for s in clean} == {f"node-00{i}" for i in range(4)}
        assert all(s["value"][1] == "0" for s in clean)
        assert prometheus.query("ciliumdrift_drift") == []
        assert prometheus.query("ciliumdrift_last_run_success")[0]["value"][1] == "1"

        # node-002's agent now runs veth, the config says netkit
        fake.drift("node-002", **{"datapath-mode": "veth"})
        drifting = prometheus.wait_for("ciliumdrift_drift == 1", lambda r: len(r) >= 1)
        assert {s["metric"]["node"] for s in drifting} == {"node-002"}
        lines = {s["metric"]["status_line"] for s in drifting}
        assert "Device Mode" in lines, lines
        assert all(s["metric"]["cause"] and s["metric"]["severity"] for s in drifting)
        per_node = prometheus.query('ciliumdrift_node_drifting_lines{node="node-002"}')
        assert int(per_node[0]["value"][1]) == len(drifting)
        aggregate = prometheus.query(
            'sum(ciliumdrift_status_line_drifting_nodes{status_line="Device Mode"})'
        )
        assert aggregate[0]["value"][1] == "1"
        errors = prometheus.query('sum(ciliumdrift_findings{kind="drift"})')
        assert float(errors[0]["value"][1]) >= 1

        # the agent stops answering: its last known drift stays, beside the failure
        fake.agent("node-002").fault = Fault.ERROR
        prometheus.wait_for("ciliumdrift_node_collection_failed", lambda r: len(r) == 1)
        failed = prometheus.query("ciliumdrift_node_collection_failed")[0]["metric"]
        assert (failed["node"], failed["reason"]) == ("node-002", "unreachable")
        assert len(prometheus.query("ciliumdrift_drift == 1")) == len(drifting)

        # the agent is restarted with the declared config: the series go away
        fake.agent("node-002").fault = Fault.NONE
        fake.heal("node-002")
        prometheus.wait_for("ciliumdrift_drift", lambda r: r == [])
        assert prometheus.query("ciliumdrift_node_collection_failed") == []
        healed = prometheus.query('ciliumdrift_node_drifting_lines{node="node-002"}')
        assert healed[0]["value"][1] == "0"
        assert prometheus.query("ciliumdrift_run_in_progress")[0]["value"][1] in ("0", "1")
    finally:
        prometheus.close()
