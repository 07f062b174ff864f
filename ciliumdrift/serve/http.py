"""The HTTP side: ``/metrics``, ``/healthz``, ``/readyz``, ``/report`` and ``POST /run``.

Standard library server, one thread per request: a scrape never waits for a run (it
reads the last published snapshot). ``/metrics`` negotiates the Prometheus text or
OpenMetrics format and gzip as ``prometheus_client``'s own server does.
"""

from __future__ import annotations

import gzip
import json
import logging
import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from prometheus_client import CollectorRegistry
from prometheus_client.exposition import choose_encoder

from ciliumdrift.serve.runner import Runner, summary_of

log = logging.getLogger("ciliumdrift.serve")


class ServeHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(
        self, address: tuple[str, int], runner: Runner, registry: CollectorRegistry
    ) -> None:
        self.runner = runner
        self.registry = registry
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: ServeHTTPServer
    server_version = "ciliumdrift-serve"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def do_GET(self) -> None:
        path = urlsplit(self.path).path.rstrip("/") or "/"
        runner = self.server.runner
        if path == "/metrics":
            encoder, content_type = choose_encoder(self.headers.get("Accept", ""))
            self._send(200, encoder(self.server.registry), content_type)
        elif path == "/healthz":
            # Liveness: the run loop is alive. Not the cluster's health: a pod restart does
            # not bring an API server back.
            body = dict(summary_of(runner.snapshot))
            body["status"] = "ok" if runner.alive else "stopping"
            self._json(200 if runner.alive else 503, body)
        elif path == "/readyz":
            ready = runner.snapshot.last is not None
            self._json(200 if ready else 503, {"ready": ready})
        elif path == "/report":
            state = runner.snapshot.state
            if state is None:
                self._json(503, {"error": "no successful run yet", **summary_of(runner.snapshot)})
                return
            if "gzip" in self.headers.get("Accept-Encoding", ""):
                self._send(200, state.report_gzip, "application/json", encoding="gzip")
            else:
                self._send(200, state.report_json(), "application/json")
        elif path == "/":
            self._send(
                200,
                b"ciliumdrift serve: /metrics /healthz /readyz /report, POST /run\n",
                "text/plain; charset=utf-8",
            )
        else:
            self._json(404, {"error": f"no such path: {path}"})

    def do_POST(self) -> None:
        path = urlsplit(self.path).path.rstrip("/")
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(min(length, 65536))
        if path != "/run":
            self._json(404, {"error": f"no such path: {path}"})
            return
        if not self.server.runner.alive:
            self._json(503, {"accepted": False, "error": "shutting down"})
            return
        self._json(202, self.server.runner.request())

    def _json(self, code: int, body: Any) -> None:
        self._send(code, json.dumps(body).encode() + b"\n", "application/json")

    def _send(self, code: int, data: bytes, content_type: str, encoding: str | None = None) -> None:
        if (
            encoding is None
            and len(data) > 4096
            and "gzip" in self.headers.get("Accept-Encoding", "")
        ):
            data, encoding = gzip.compress(data, compresslevel=5), "gzip"
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        if encoding:
            self.send_header("Content-Encoding", encoding)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
