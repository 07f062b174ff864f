"""Fixtures for the serve tests: a fake cluster with extras, ``serve`` as a real process.

``ServeCluster`` is the live tests' fake API server plus what ``serve`` also uses: extra
ConfigMaps (declared values), Event writes (POST/GET/PATCH), and a restart on the same
port (the API server going away and coming back).
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import EXAMPLES, REPO
from tests.fakecluster import FakeCluster, clusters
from tests.fakecluster import cluster as fake
from tests.fakecluster.statuses import with_changes

SEED = EXAMPLES / "talos-netkit-native"
SEED_ARGS = ["-f", str(SEED / "values.yaml"), "--talos", str(SEED / "talos.yaml")]

pytestmark = pytest.mark.live


class _ServeHandler(fake._Handler):
    cluster: ServeCluster

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0].rstrip("/")
        prefix = f"/api/v1/namespaces/{self.cluster.namespace}/"
        name = path.removeprefix(prefix + "configmaps/")
        if path.startswith(prefix + "configmaps/") and name in self.cluster.configmaps:
            self._json(
                200,
                {
                    "kind": "ConfigMap",
                    "apiVersion": "v1",
                    "metadata": {"name": name, "namespace": self.cluster.namespace},
                    "data": self.cluster.configmaps[name],
                },
            )
            return
        if re.fullmatch(r"/api/v1/namespaces/[^/]+/events/[^/]+", path):
            event = self.cluster.events.get(path.rsplit("/", 1)[1])
            if event is None:
                self._json(404, fake._not_found(path))
            else:
                self._json(200, event)
            return
        super().do_GET()

    def _body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length) or b"{}")

    def do_POST(self) -> None:
        path = self.path.split("?", 1)[0].rstrip("/")
        if m := re.fullmatch(r"/api/v1/namespaces/([^/]+)/events", path):
            body = self._body()
            name = body["metadata"]["name"]
            involved = body.get("involvedObject", {})
            # the API server's rule: an Event about a Node lives in "default" (or ""), an
            # Event about a namespaced object in that object's namespace
            allowed = (
                ("default", "") if involved.get("kind") == "Node" else (involved.get("namespace"),)
            )
            if m.group(1) not in allowed or body["metadata"].get("namespace") != m.group(1):
                self._json(422, {"kind": "Status", "code": 422, "reason": "Invalid"})
                return
            with self.cluster._lock:
                self.cluster.event_writes.append(("create", name))
                if name in self.cluster.events:
                    self._json(409, {"kind": "Status", "code": 409, "reason": "AlreadyExists"})
                    return
                self.cluster.events[name] = body
            self._json(201, body)
            return
        self._json(404, fake._not_found(path))

    def do_PATCH(self) -> None:
        path = self.path.split("?", 1)[0].rstrip("/")
        name = path.rsplit("/", 1)[1]
        body = self._body()
        with self.cluster._lock:
            self.cluster.event_writes.append(("patch", name))
            if name not in self.cluster.events:
                self._json(404, fake._not_found(path))
                return
            self.cluster.events[name].update(body)
            self._json(200, self.cluster.events[name])


class ServeCluster(FakeCluster):
    """The fake API server with extra ConfigMaps, Events and a restart on the same port."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.configmaps: dict[str, dict[str, str]] = dict(kwargs.pop("configmaps", {}))
        super().__init__(*args, **kwargs)
        self.events: dict[str, dict[str, Any]] = {}
        self.event_writes: list[tuple[str, str]] = []
        self.port = 0

    def start(self, port: int = 0) -> ServeCluster:
        handler = type("Handler", (_ServeHandler,), {"cluster": self})
        server = ThreadingHTTPServer(("127.0.0.1", port), handler, bind_and_activate=False)
        server.daemon_threads = True
        server.allow_reuse_address = True
        server.server_bind()
        server.server_activate()
        self._stopping.clear()
        self._server = server
        self.port = server.server_address[1]
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def drift(self, node: str, **changes: Any) -> None:
        """Make the agent on ``node`` report ``changes`` (dotted status paths)."""
        agent = self.agent(node)
        agent.status = with_changes(agent.status, changes)
        if "datapath-mode" in changes:
            agent.text = agent.text.replace(
                "Device Mode:             netkit",
                f"Device Mode:             {changes['datapath-mode']}",
            )

    def heal(self, node: str) -> None:
        fresh = fake.make_agents(len(self.agents))[self.agents.index(self.agent(node))]
        agent = self.agent(node)
        agent.status, agent.text = fresh.status, fresh.text


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Callable[..., tuple[ServeCluster, Path]]]:
    yield from clusters(ServeCluster, tmp_path)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class ServeProcess:
    """``ciliumdrift serve`` as a child process on a free port on 127.0.0.1."""

    def __init__(self, args: list[str], log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self._log_handle = log.open("w")
        env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(REPO)}
        env.pop("KUBECONFIG", None)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "ciliumdrift",
                "serve",
                "--listen",
                f"127.0.0.1:{self.port}",
                *args,
            ],
            cwd=REPO,
            stdout=self._log_handle,
            stderr=subprocess.STDOUT,
            env=env,
        )

    def get(self, path: str, *, timeout: float = 5.0) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=timeout) as response:
                return int(response.status), bytes(response.read())
        except urllib.error.HTTPError as error:
            return int(error.code), bytes(error.read())

    def post(self, path: str) -> tuple[int, Any]:
        request = urllib.request.Request(self.url + path, data=b"", method="POST")
        with urllib.request.urlopen(request, timeout=5) as response:
            return int(response.status), json.loads(response.read())

    def health(self) -> Mapping[str, Any]:
        _, body = self.get("/healthz")
        result: Mapping[str, Any] = json.loads(body)
        return result

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"serve exited {self.process.returncode}: {self.output()}")
            try:
                if self.get("/healthz", timeout=1)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"serve did not come up: {self.output()}")

    def wait_for(
        self, predicate: Callable[[Mapping[str, Any]], bool], timeout: float = 30.0
    ) -> Mapping[str, Any]:
        deadline = time.monotonic() + timeout
        health: Mapping[str, Any] = {}
        while time.monotonic() < deadline:
            health = self.health()
            if predicate(health):
                return health
            time.sleep(0.1)
        raise AssertionError(f"timed out; last /healthz: {health}; log: {self.output()}")

    def runs(self) -> int:
        last = self.health().get("last_run")
        return int(last["number"]) if last else 0

    def output(self) -> str:
        self._log_handle.flush()
        return self.log.read_text(errors="replace")[-4000:]

    def terminate(self, timeout: float = 30.0) -> tuple[int, float]:
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout)
        return code, time.monotonic() - started

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self._log_handle.close()


@pytest.fixture
def serve_process(tmp_path: Path) -> Iterator[Callable[..., ServeProcess]]:
    started: list[ServeProcess] = []

    def start(*args: str) -> ServeProcess:
        one = ServeProcess(list(args), tmp_path / f"serve-{len(started)}.log")
        started.append(one)
        one.wait_ready()
        return one

    yield start
    for one in started:
        one.close()


def metric_samples(text: str, name: str) -> list[tuple[dict[str, str], float]]:
    """The samples of one family from a Prometheus text exposition."""
    from prometheus_client.parser import text_string_to_metric_families

    found = []
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                found.append((dict(sample.labels), float(sample.value)))
    return found
