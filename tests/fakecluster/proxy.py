"""An HTTP proxy on 127.0.0.1 for the tests: ``CONNECT`` tunnels only.

A kubeconfig's ``proxy-url`` sends ciliumdrift's API reads, execs and log reads through it
as ``CONNECT host:port`` tunnels. It records their targets, and can refuse every tunnel
(``refuse=True``) as a proxy whose policy forbids the target does; any other request is
answered 405.
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
from typing import Any


class ConnectProxy:
    """A context manager: ``url`` while it runs; ``tunnels`` and ``forwarded`` after."""

    def __init__(self, *, refuse: bool = False) -> None:
        self.refuse = refuse
        self.tunnels: list[str] = []  # CONNECT targets, host:port
        proxy = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                proxy._handle(self.request)

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> ConnectProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handle(self, client: socket.socket) -> None:
        head = _read_head(client)
        if not head:
            return
        line = head.split(b"\r\n", 1)[0]
        method, target, _ = line.decode("latin-1").split(" ", 2)
        if method == "CONNECT":
            self.tunnels.append(target)
            if self.refuse:
                client.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
                return
            host, port = target.rsplit(":", 1)
            upstream = socket.create_connection((host, int(port)), timeout=30)
            client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            _relay(client, upstream)
            return
        client.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")


def _read_head(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(1)  # byte by byte: what follows the head is not ours to read
        if not chunk:
            return b""
        data += chunk
    return data[:-4]


def _relay(client: socket.socket, upstream: socket.socket) -> None:
    def pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                _shut(sock)

    other = threading.Thread(target=pump, args=(upstream, client), daemon=True)
    other.start()
    pump(client, upstream)
    other.join(30)


def _shut(sock: Any) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
