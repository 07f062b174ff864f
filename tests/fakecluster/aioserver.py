"""The fake API server's transport: one asyncio event loop on its own thread.

A thread per connection (``ThreadingHTTPServer``) costs the fake cluster more than the exec
costs ciliumdrift at thousands of agents, so the benchmark would measure the fake. This
loop speaks just enough HTTP/1.1 (keep-alive GETs with ``Content-Length`` answers, and the
exec upgrade to a websocket) and hands every request to the same routing code
(:class:`~tests.fakecluster.cluster._Handler`), so both paths answer identically.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.fakecluster.cluster import FakeCluster


class Headers(dict[str, str]):
    """Request headers with the case-insensitive ``get`` of ``email.message.Message``."""

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        return super().get(key.lower(), default)


class AsyncServer:
    """``server_address``, ``shutdown()`` and ``server_close()``, as the threaded server has."""

    def __init__(self, cluster: FakeCluster, port: int = 0) -> None:
        self.cluster = cluster
        self.loop = asyncio.new_event_loop()
        self.server_address: tuple[str, int] = ("127.0.0.1", port)
        self._ready = threading.Event()
        self._server: asyncio.base_events.Server | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._thread = threading.Thread(target=self._run, name="fakecluster", daemon=True)
        self._thread.start()
        self._ready.wait(30)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self._server = self.loop.run_until_complete(
            asyncio.start_server(
                self._client, "127.0.0.1", self.server_address[1], backlog=4096, limit=1 << 20
            )
        )
        host, port = self._server.sockets[0].getsockname()[:2]
        self.server_address = (host, port)
        self._ready.set()
        self.loop.run_forever()

    def shutdown(self) -> None:
        if self.loop.is_closed():
            return

        def close() -> None:
            if self._server is not None:
                self._server.close()
            for task in list(self._tasks):
                task.cancel()
            self.loop.call_later(0.05, self.loop.stop)

        self.loop.call_soon_threadsafe(close)
        self._thread.join(10)

    def server_close(self) -> None:
        if not self.loop.is_running() and not self.loop.is_closed():
            self.loop.close()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                    return
                lines = head.decode("latin-1").split("\r\n")
                method, target, *_ = [*lines[0].split(" "), "", ""]
                headers = Headers()
                for line in lines[1:]:
                    name, _, value = line.partition(":")
                    if name:
                        headers[name.strip().lower()] = value.strip()
                length = int(headers.get("content-length") or 0)
                if length:
                    await reader.readexactly(length)
                shim = _shim(self.cluster, target, headers)
                if method != "GET":
                    shim._json(405, {"kind": "Status", "code": 405, "message": "GET only"})
                else:
                    shim.do_GET()
                if shim.exec_request is not None:
                    pod, query = shim.exec_request
                    await self._exec(reader, writer, headers, pod, query)
                    return
                code, body = shim.response or (500, b"{}")
                self._send(writer, code, body)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            return
        finally:
            self._tasks.discard(task)
            writer.close()

    @staticmethod
    def _send(writer: asyncio.StreamWriter, code: int, body: bytes, close: bool = False) -> None:
        reason = HTTPStatus(code).phrase if code in HTTPStatus._value2member_map_ else "Unknown"
        writer.write(
            (
                f"HTTP/1.1 {code} {reason}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n"
                + ("Connection: close\r\n" if close else "")
                + "\r\n"
            ).encode("latin-1")
            + body
        )

    async def _exec(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        headers: Headers,
        pod: str,
        query: dict[str, list[str]],
    ) -> None:
        cluster = self.cluster
        started = cluster.start_exec(
            pod,
            query,
            upgrade=headers.get("upgrade") or "",
            offered=headers.get("sec-websocket-protocol") or "",
            key=headers.get("sec-websocket-key") or "",
        )
        if isinstance(started, tuple):
            code, body = started
            self._send(writer, code, json.dumps(body).encode(), close=True)
            return
        writer.write(
            (
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Accept: {started.accept}\r\n"
                f"Sec-WebSocket-Protocol: {started.protocol}\r\n\r\n"
            ).encode("latin-1")
        )
        if started.hangs:
            await _until_closed(reader, None)
            return
        if started.delay:
            await asyncio.sleep(started.delay)
        writer.write(cluster.exec_frames(started))
        with contextlib.suppress(ConnectionError):
            await writer.drain()
        await _until_closed(reader, 1.0)


async def _until_closed(reader: asyncio.StreamReader, seconds: float | None) -> None:
    """Until the client closes (or ``seconds``; forever for a hung agent)."""

    async def drain() -> None:
        while await reader.read(65536):
            pass

    with contextlib.suppress(asyncio.TimeoutError, ConnectionError):
        await asyncio.wait_for(drain(), seconds)


_SHIM: list[type] = []


def _shim(cluster: FakeCluster, target: str, headers: Headers) -> Any:
    """The routing of the threaded handler, answering into attributes instead of a socket."""
    if not _SHIM:
        from tests.fakecluster.cluster import _Handler

        class Shim(_Handler):
            response: tuple[int, bytes] | None
            exec_request: tuple[str, dict[str, list[str]]] | None

            def __init__(self) -> None:  # no socket: BaseHTTPRequestHandler's init is skipped
                pass

            def _raw(self, code: int, content_type: str, data: bytes) -> None:
                self.response = (code, data)

            def _exec(self, pod: str, query: dict[str, list[str]]) -> None:
                self.exec_request = (pod, query)

        _SHIM.append(Shim)
    shim = _SHIM[0]()
    shim.cluster = cluster
    shim.path = target
    shim.headers = headers
    shim.response = None
    shim.exec_request = None
    return shim
