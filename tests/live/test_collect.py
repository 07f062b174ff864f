"""Live collection through the real kubernetes client against the fake API server."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from ciliumdrift.datafiles import schema
from ciliumdrift.errors import CollectionError
from ciliumdrift.live import check_cluster, live_report
from ciliumdrift.live.collect import LiveOptions, collect
from ciliumdrift.live.transport import exit_status
from tests.fakecluster import FakeCluster, Fault, make_agents, statuses
from tests.fakecluster.proxy import ConnectProxy
from tests.live.conftest import SEED, SEED_ARGS, findings

Start = Callable[..., tuple[FakeCluster, Path]]
Cli = Callable[..., tuple[int, str, str]]


def test_clean_cluster_matches_the_seed_config(fake_cluster: Start, run_live: Cli) -> None:
    cluster, kubeconfig = fake_cluster(4)
    code, out, err = run_live(kubeconfig)
    assert code == 0, (out, err)
    report = json.loads(out)
    assert report["findings"] == []
    nodes = {row["node"] for row in report["rows"]}
    assert nodes == {a.node for a in cluster.agents}
    assert all(row["verdict"] in ("match", "conditional", "not-observed") for row in report["rows"])
    assert report["inputs"]["nodes"] == 4 and report["inputs"]["unreachable"] == 0
    import jsonschema

    jsonschema.validate(report, schema("report"))
    # every agent answered the JSON status first, then the 1.17+ drift metric
    commands = sorted({c for _, c, _ in cluster.exec_log})
    assert commands == [
        ("cilium-dbg", "metrics", "list", "-p", "drift_checker_config_delta", "-o", "json"),
        ("cilium-dbg", "status", "-o", "json"),
    ]
    # the Helm release Secret is read only when asked for
    assert not any("/secrets" in path for path in cluster.requests)


def test_node_facts_come_from_the_node_objects(fake_cluster: Start) -> None:
    agents = make_agents(2)
    agents[1].kernel, agents[1].os_image = "6.12.5-talos", "Talos (v1.9.1)"
    _, kubeconfig = fake_cluster(agents)
    result = check_cluster(None, kubeconfig=str(kubeconfig))
    by_node = {o.name: o for o in result.observations}
    assert by_node["node-001"].kernel == "6.12.5-talos"
    assert by_node["node-001"].os_image == "Talos (v1.9.1)"
    assert by_node["node-000"].pod_cidrs == ("10.100.0.0/24",)
    assert result.node("node-001") is not None
    assert result.node("node-001").talos_version == "v1.9.1"  # type: ignore[union-attr]
    assert result.cilium_version == "1.18.4"
    assert by_node["node-000"].status.device_mode == "netkit"  # type: ignore[union-attr]


@pytest.mark.parametrize("protocols", [("v4.channel.k8s.io",), ("v5.channel.k8s.io",)])
def test_exec_channel_protocol_is_negotiated(
    fake_cluster: Start, protocols: tuple[str, ...]
) -> None:
    cluster, kubeconfig = fake_cluster(2, protocols=protocols)
    result = check_cluster(None, kubeconfig=str(kubeconfig))
    assert all(o.error is None and o.status is not None for o in result.observations)
    assert {p for _, _, p in cluster.exec_log} == set(protocols)


def test_stdout_stderr_and_exit_code_are_kept_apart(fake_cluster: Start) -> None:
    agents = make_agents(1)
    agents[0].stderr = b'level=warning msg="deprecated flag" subsys=daemon\n'
    _, kubeconfig = fake_cluster(agents)
    result = check_cluster(None, kubeconfig=str(kubeconfig))
    agent = result.agents[0]
    first = agent.attempts[0]
    assert first.exit_code == 0 and first.failure is None
    assert first.stderr.startswith("level=warning")
    assert agent.error is None and agent.status is not None
    assert agent.status.device_mode == "netkit"  # stdout alone was parsed
    # folded: the raw output is not kept once parsed (memory grows with nodes, not outputs)
    assert first.stdout == "" and agent.status_text is None
    # the transport itself keeps the streams apart
    import asyncio

    from ciliumdrift.live.kubeconfig import resolve
    from ciliumdrift.live.transport import Endpoint, run_exec

    endpoint = Endpoint.from_configuration(resolve(str(kubeconfig)).configuration)
    raw = asyncio.run(
        run_exec(
            endpoint,
            "kube-system",
            agent.pod.name,
            "cilium-agent",
            ("cilium-dbg", "status", "-o", "json"),
            time.monotonic() + 5,
        )
    )
    assert raw.exit_code == 0 and raw.stderr.startswith("level=warning")
    assert "level=warning" not in raw.stdout
    assert json.loads(raw.stdout)["datapath-mode"] == "netkit"


def test_concurrent_execs_each_get_their_own_client(fake_cluster: Start) -> None:
    # 24 agents with 150 ms each: sequentially 3.6 s (7.2 s with the metric); 24 workers
    # sharing one ApiClient would break each other's exec (kubernetes-client/python#928).
    _, kubeconfig = fake_cluster(24, latency_ms=150)
    started = time.monotonic()
    result = collect(LiveOptions(kubeconfig=str(kubeconfig), concurrency=24))
    elapsed = time.monotonic() - started
    assert [o.error for o in result.observations] == [None] * 24
    assert all(o.status is not None for o in result.observations)
    assert elapsed < 2.5


def test_faults_are_reported_per_node_and_the_run_completes(
    fake_cluster: Start, run_cli: Cli, run_live: Cli
) -> None:
    faults = {
        "cilium-00001": Fault.HANG,
        "cilium-00002": Fault.ERROR,
        "cilium-00003": Fault.GARBAGE,
        "cilium-00004": Fault.NOT_READY,
        "cilium-00005": Fault.CRASHLOOP,
        "cilium-00006": Fault.VANISH,
    }
    cluster, kubeconfig = fake_cluster(8, faults=faults)
    started = time.monotonic()
    code, out, err = run_live(kubeconfig, "--timeout", "1.5")
    elapsed = time.monotonic() - started
    assert elapsed < 6, "a hung agent must not hold the run beyond its timeout"
    assert code == 0, (out, err)  # unreachable nodes are health findings: exit 0 ...
    health = {n: f["message"] for f in findings(out) if f["kind"] == "health" for n in f["nodes"]}
    assert "did not answer" in health["node-001"] and "1.5s" in health["node-001"]
    assert "connection refused" in health["node-002"] and "exited 1" in health["node-002"]
    assert "unparseable" in health["node-003"]
    assert "not Ready" in health["node-004"]
    assert "not running" in health["node-005"] and "CrashLoopBackOff" in health["node-005"]
    assert "gone (404 Not Found)" in health["node-006"]
    assert set(health) == {f"node-00{i}" for i in range(1, 7)}
    # ... no exec is attempted into a container that is not running
    assert not any(pod == "cilium-00005" for pod, _, _ in cluster.exec_log)
    code, _, _ = run_cli(
        "live", *SEED_ARGS, "--kubeconfig", str(kubeconfig), "--timeout", "1.5", "--fail-on-health"
    )
    assert code == 1  # ... and exit 1 when health counts


def test_older_agents_fall_back_to_text_and_to_cilium(fake_cluster: Start) -> None:
    agents = make_agents(3)
    agents[0].fault = Fault.TEXT_ONLY
    old = make_agents(1, version="1.14.19")[0]
    old.node, old.pod = "node-old", "cilium-old"
    agents.append(old)
    cluster, kubeconfig = fake_cluster(agents)
    result = check_cluster(None, kubeconfig=str(kubeconfig))
    by_pod = {a.pod.name: a for a in result.agents}
    text_only = by_pod["cilium-00000"]
    assert text_only.error is None and text_only.status_command == ("cilium-dbg", "status")
    assert text_only.status.format.startswith("text")
    legacy = by_pod["cilium-old"]
    assert legacy.error is None
    assert legacy.status_command == ("cilium", "status", "-o", "json")
    assert legacy.attempts[0].binary_missing
    assert legacy.drift_delta is None  # the drift metric exists from 1.17 on only
    assert not any(c[1] == "metrics" for p, c, _ in cluster.exec_log if p == "cilium-old")
    assert by_pod["cilium-00001"].drift_delta == 0.0


def test_transient_exec_proxy_errors_are_retried(fake_cluster: Start) -> None:
    cluster, kubeconfig = fake_cluster(2, faults={"cilium-00000": Fault.FLAKY})
    result = check_cluster(None, kubeconfig=str(kubeconfig))
    assert [o.error for o in result.observations] == [None, None]
    assert cluster.agent("cilium-00000").execs >= 3  # 502, then status, then the metric


def test_unreachable_api_server_is_one_clear_line(tmp_path: Path, run_cli: Cli) -> None:
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    cluster = FakeCluster(1)
    kubeconfig = tmp_path / "kc"
    cluster._server = type("S", (), {"server_address": ("127.0.0.1", port)})()  # type: ignore[assignment]
    cluster.kubeconfig(kubeconfig)
    started = time.monotonic()
    code, out, err = run_cli("live", *SEED_ARGS, "--kubeconfig", str(kubeconfig), "--timeout", "3")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"cannot reach the Kubernetes API server at http://127.0.0.1:{port}" in err
    assert time.monotonic() - started < 10


def test_wrong_credentials_are_one_clear_line(
    fake_cluster: Start, tmp_path: Path, run_cli: Cli
) -> None:
    cluster, _ = fake_cluster(1)
    kubeconfig = cluster.kubeconfig(tmp_path / "bad", token="wrong-token")
    code, out, err = run_cli("live", "--kubeconfig", str(kubeconfig))
    assert code == 2 and out == ""
    assert "refused the credentials (401 Unauthorized)" in err and err.count("\n") == 1
    assert "wrong-token" not in err


def test_no_agents_is_a_diagnostic_not_a_crash(fake_cluster: Start) -> None:
    _, kubeconfig = fake_cluster(2)
    result = check_cluster(None, kubeconfig=str(kubeconfig), selector="k8s-app=nothing")
    assert result.observations == ()
    assert any(d.code == "live-no-agents" for d in result.diagnostics)


def test_option_validation(fake_cluster: Start) -> None:
    _, kubeconfig = fake_cluster(1)
    with pytest.raises(CollectionError, match="concurrency"):
        collect(LiveOptions(kubeconfig=str(kubeconfig), concurrency=0))
    with pytest.raises(CollectionError, match="timeout"):
        collect(LiveOptions(kubeconfig=str(kubeconfig), timeout=0))


def test_cancel_stops_a_run_with_hung_agents_promptly(fake_cluster: Start) -> None:
    _, kubeconfig = fake_cluster(6, faults={f"cilium-0000{i}": Fault.HANG for i in range(6)})
    cancel = threading.Event()
    threading.Timer(0.5, cancel.set).start()
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        collect(LiveOptions(kubeconfig=str(kubeconfig), timeout=30), cancel=cancel)
    assert time.monotonic() - started < 2.0


def test_ctrl_c_exits_130_without_a_traceback(fake_cluster: Start) -> None:
    import os
    import signal
    import subprocess
    import sys

    from tests.conftest import REPO

    cluster, kubeconfig = fake_cluster(4, faults={f"cilium-0000{i}": Fault.HANG for i in range(4)})
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ciliumdrift",
            "live",
            "--kubeconfig",
            str(kubeconfig),
            "--timeout",
            "60",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    deadline = time.monotonic() + 60
    while not cluster.exec_log and time.monotonic() < deadline:  # start-up, then execs hang
        time.sleep(0.05)
    time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=10)
    assert process.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err and out == ""


def test_a_defect_in_one_agent_stays_with_that_agent(fake_cluster: Start) -> None:
    _cluster, kubeconfig = fake_cluster(3)
    from ciliumdrift.live.objects import default_parser

    parse = default_parser()

    def defective(text: str, source: str) -> object:
        if "cilium-00001" in source:
            raise RuntimeError("boom")  # not a CiliumdriftError: a defect, not bad output
        return parse(text, source)

    result = collect(LiveOptions(kubeconfig=str(kubeconfig)), parse=defective)
    errors = {a.pod.name: a.error for a in result.agents}
    assert errors == {
        "cilium-00000": None,
        "cilium-00001": "unreachable: RuntimeError: boom",
        "cilium-00002": None,
    }


def test_execs_and_logs_go_through_the_kubeconfigs_proxy(
    fake_cluster: Start, tmp_path: Path
) -> None:
    """``proxy-url`` in the kubeconfig: API reads, execs and agent logs all go through it."""
    cluster, kubeconfig = fake_cluster(4)
    cluster.agents[2].status = statuses.with_changes(
        cluster.agents[2].status, {"datapath-mode": "veth"}
    )
    cluster.agents[2].log = "level=info msg=starting\n"
    with ConnectProxy() as proxy:
        config = json.loads(kubeconfig.read_text())
        config["clusters"][0]["cluster"]["proxy-url"] = proxy.url
        proxied = tmp_path / "kubeconfig-proxied"
        proxied.write_text(json.dumps(config))
        report = live_report(
            [str(SEED / "values.yaml")],
            talos_files=[str(SEED / "talos.yaml")],
            kubeconfig=str(proxied),
        )
    assert report.inputs["nodes"] == 4
    drift = [f for f in report.findings if f.fact == "device-mode"]
    assert [f.node for f in drift] == ["node-002"]
    # the API reads (two connections), every exec and the log read: CONNECT tunnels to the
    # API server, and nothing went around the proxy
    target = cluster.url.removeprefix("http://")
    assert proxy.tunnels.count(target) == len(proxy.tunnels) >= 2 + 4 + 1, proxy.tunnels
    assert proxy.tunnels.count(target) >= len(cluster.exec_log) + 2


def test_a_proxy_that_refuses_the_tunnel_is_one_clear_error(
    fake_cluster: Start, tmp_path: Path
) -> None:
    _cluster, kubeconfig = fake_cluster(2)
    with ConnectProxy(refuse=True) as proxy:
        config = json.loads(kubeconfig.read_text())
        config["clusters"][0]["cluster"]["proxy-url"] = proxy.url
        proxied = tmp_path / "kubeconfig-proxied"
        proxied.write_text(json.dumps(config))
        with pytest.raises(CollectionError, match="Tunnel connection failed: 403 Forbidden"):
            collect(LiveOptions(kubeconfig=str(proxied), timeout=5))
    assert proxy.tunnels


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"metadata":{},"status":"Success"}', (0, None)),
        (
            '{"status":"Failure","reason":"NonZeroExitCode",'
            '"details":{"causes":[{"reason":"ExitCode","message":"3"}]}}',
            (3, None),
        ),
        (
            '{"status":"Failure","message":"OCI runtime exec failed","reason":"InternalError"}',
            (None, "OCI runtime exec failed"),
        ),
        ("", (None, "the API server sent no exit status")),
        ("not json", (None, "unreadable exit status: not json")),
        ("[1]", (None, "unreadable exit status")),
    ],
)
def test_exit_status_channel(text: str, expected: tuple[int | None, str | None]) -> None:
    assert exit_status(text) == expected


def test_rbac_gaps_degrade_to_diagnostics(fake_cluster: Start) -> None:
    _, kubeconfig = fake_cluster(2, forbidden={"nodes", "ciliumnodeconfigs", "secrets"})
    result = check_cluster(None, kubeconfig=str(kubeconfig), read_helm_release=True)
    assert all(o.status is not None and o.kernel is None for o in result.observations)
    messages = [d.message for d in result.diagnostics if d.code == "live-rbac"]
    assert len(messages) == 3 and all("forbidden" in m for m in messages)
    assert result.deployed.release is None and result.deployed.node_configs == ()


def test_forbidden_pods_is_a_collection_error(fake_cluster: Start) -> None:
    _, kubeconfig = fake_cluster(1, forbidden={"pods"})
    with pytest.raises(CollectionError, match=r"forbidden .*examples/live-rbac.yaml"):
        check_cluster(None, kubeconfig=str(kubeconfig))


def test_missing_configmap_and_rollout_duplicates(fake_cluster: Start) -> None:
    cluster = FakeCluster(make_agents(1))
    old = cluster.pod_object(cluster.agents[0])
    old["metadata"] = {
        **old["metadata"],
        "name": "cilium-old",
        "deletionTimestamp": "2026-01-01T11:00:00Z",
    }
    pending = cluster.pod_object(cluster.agents[0])
    pending["metadata"] = {**pending["metadata"], "name": "cilium-pending"}
    pending["spec"] = {"containers": []}
    pending["status"] = {"phase": "Pending"}
    fake, kubeconfig = fake_cluster(make_agents(1), extra_pods=[old, pending])
    fake.configmap = None  # type: ignore[assignment]
    result = check_cluster(None, kubeconfig=str(kubeconfig))
    assert [a.pod.name for a in result.agents] == ["cilium-00000", "cilium-pending"]
    assert result.agents[0].error is None
    assert result.agents[1].error is not None and "Pending" in result.agents[1].error
    assert result.deployed.configmap is None
    assert any(d.code == "live-no-configmap" for d in result.diagnostics)
