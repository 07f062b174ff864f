"""The HTTP endpoints and ``serve()`` itself, in this process (signals on the main thread)."""

from __future__ import annotations

import gzip
import json
import os
import signal
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from ciliumdrift.errors import InputError
from ciliumdrift.model import Report
from ciliumdrift.serve import RunOptions, serve
from ciliumdrift.serve.declared import DeclaredSources
from ciliumdrift.serve.http import ServeHTTPServer
from ciliumdrift.serve.metrics import DriftCollector
from ciliumdrift.serve.runner import Runner
from ciliumdrift.serve.state import fold
from tests.serve.conftest import SEED, ServeCluster, free_port, metric_samples


def request(url: str, *, method: str = "GET", headers: dict[str, str] | None = None) -> Any:
    data = b"{}" if method == "POST" else None
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture
def endpoint() -> Iterator[tuple[str, Runner, threading.Event]]:
    gate = threading.Event()

    def run(options: RunOptions, cancel: threading.Event, work: Any) -> Any:
        gate.wait(10)
        gate.clear()
        return fold(Report(rows=(), findings=()), nodes=[("n1", None)], finished_at=time.time())

    runner = Runner(RunOptions(), interval=3600, run=run)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DriftCollector(lambda: runner.snapshot, version="t"))
    server = ServeHTTPServer(("127.0.0.1", 0), runner, registry)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield url, runner, gate
    finally:
        gate.set()
        runner.stop(3)
        server.shutdown()
        server.server_close()
        thread.join()


def test_endpoints_before_and_after_the_first_run(
    endpoint: tuple[str, Runner, threading.Event],
) -> None:
    url, runner, gate = endpoint
    assert request(url + "/readyz")[0] == 503
    code, _, body = request(url + "/report")
    assert code == 503 and json.loads(body)["error"] == "no successful run yet"
    runner.start()
    code, _, body = request(url + "/healthz")
    assert code == 200 and json.loads(body)["status"] == "ok"
    gate.set()
    deadline = time.monotonic() + 10
    while runner.snapshot.state is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert request(url + "/readyz")[0] == 200
    code, headers, body = request(url + "/report")
    assert code == 200 and headers["Content-Type"] == "application/json"
    assert json.loads(body)["tool"]["name"] == "ciliumdrift"
    code, headers, body = request(url + "/report", headers={"Accept-Encoding": "gzip"})
    assert headers["Content-Encoding"] == "gzip" and json.loads(gzip.decompress(body))
    code, headers, body = request(url + "/metrics")
    assert code == 200 and headers["Content-Type"].startswith("text/plain; version=0.0.4")
    assert metric_samples(body.decode(), "ciliumdrift_node_drifting_lines") == [({"node": "n1"}, 0)]
    code, headers, body = request(
        url + "/metrics", headers={"Accept": "application/openmetrics-text; version=1.0.0"}
    )
    assert headers["Content-Type"].startswith("application/openmetrics-text")
    assert body.endswith(b"# EOF\n")
    code, _, body = request(url + "/run", method="POST")
    assert code == 202 and json.loads(body)["accepted"] is True
    assert request(url + "/nowhere")[0] == 404
    assert request(url + "/nowhere", method="POST")[0] == 404
    assert request(url + "/")[0] == 200
    gate.set()
    runner.stop(3)
    assert request(url + "/healthz")[0] == 503
    assert request(url + "/run", method="POST")[0] == 503


def test_serve_runs_until_sigterm_and_returns_0(tmp_path: Path) -> None:
    with ServeCluster(2) as cluster:
        kubeconfig = cluster.kubeconfig(tmp_path / "kubeconfig")
        port = free_port()
        seen: dict[str, Any] = {}

        def drive() -> None:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    code, _, body = request(f"http://127.0.0.1:{port}/healthz")
                    health = json.loads(body)
                    if code == 200 and health["last_run"]:
                        seen["health"] = health
                        break
                except OSError:
                    pass
                time.sleep(0.05)
            seen["metrics"] = request(f"http://127.0.0.1:{port}/metrics")[2].decode()
            os.kill(os.getpid(), signal.SIGTERM)

        driver = threading.Thread(target=drive)
        driver.start()
        previous = signal.getsignal(signal.SIGTERM)
        options = RunOptions(
            sources=DeclaredSources(
                values_files=(str(SEED / "values.yaml"),),
                talos_files=(str(SEED / "talos.yaml"),),
            ),
            kubeconfig=str(kubeconfig),
            work_dir=str(tmp_path / "work"),
        )
        assert serve(options, listen=f"127.0.0.1:{port}", interval=3600, grace=5) == 0
        driver.join()
        assert signal.getsignal(signal.SIGTERM) is previous
    assert seen["health"]["last_run"]["outcome"] == "success", seen
    assert seen["health"]["state"]["nodes"] == 2
    rss = metric_samples(seen["metrics"], "process_resident_memory_bytes")
    assert rss and rss[0][1] > 0


def test_serve_refuses_a_port_in_use_and_missing_files(tmp_path: Path) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(InputError, match="--listen"):
            serve(RunOptions(), listen=f"127.0.0.1:{port}")
    missing = RunOptions(sources=DeclaredSources(talos_files=(str(tmp_path / "no.yaml"),)))
    with pytest.raises(InputError, match="no such file"):
        serve(missing, listen="127.0.0.1:0")


def test_the_cli_serves_in_process(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from ciliumdrift.cli import app

    with ServeCluster(1) as cluster:
        kubeconfig = cluster.kubeconfig(tmp_path / "kubeconfig")
        port = free_port()
        seen: dict[str, Any] = {}

        def drive() -> None:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and "health" not in seen:
                try:
                    health = json.loads(request(f"http://127.0.0.1:{port}/healthz")[2])
                    if health["last_run"]:
                        seen["health"] = health
                except (OSError, ValueError):
                    pass
                time.sleep(0.05)
            os.kill(os.getpid(), signal.SIGTERM)

        driver = threading.Thread(target=drive)
        driver.start()
        result = CliRunner().invoke(
            app,
            [
                "serve",
                "-f",
                str(SEED / "values.yaml"),
                "--talos",
                str(SEED / "talos.yaml"),
                "--set",
                "bpf.datapathMode=veth",
                "--values-configmap",
                "kube-system/absent",
                "--kubeconfig",
                str(kubeconfig),
                "--listen",
                f"127.0.0.1:{port}",
                "--interval",
                "1h",
                "--grace-period",
                "5s",
                "--log-level",
                "debug",
            ],
        )
        driver.join()
    assert result.exit_code == 0, result.output
    # the ConfigMap is absent: the run fails, says why, and serve keeps going until SIGTERM
    assert seen["health"]["last_run"]["outcome"] == "failure"
    assert "kube-system/absent:values.yaml: not found" in seen["health"]["last_run"]["error"]
