"""A hostile Kubernetes API server beside the fake one: what a compromised or broken server
(or an agent behind it) can send to ``ciliumdrift live``.

Raw sockets on 127.0.0.1, one thread per connection. Every response is normal except the
one the :class:`Attack` names: a body of gigabytes, headers trickled one byte at a time
(slowloris), an exec websocket frame whose header declares 3 GB, an endless stream of
small frames, an endless stderr, a huge error channel. The cluster has one agent pod.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import json
import socket
import struct
import threading
import time
from pathlib import Path
from typing import Any

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
POD = "cilium-hostile"
NODE = "node-hostile"
#: A second, well-behaved agent: the run must complete with it although the first fails.
HEALTHY_POD = "cilium-healthy"
HEALTHY_NODE = "node-healthy"
HEALTHY_STATUS = (
    "KVStore:                 Ok   Disabled\n"
    "Kubernetes:              Ok   1.30 (v1.30.0) [linux/amd64]\n"
    "Cilium:                  Ok   1.18.4 (v1.18.4-abc)\n"
    "Routing:                 Network: Tunnel [vxlan]   Host: Legacy\n"
)


class Attack(str, enum.Enum):
    HUGE_BODY = "huge-body"  # the pod list is 3 GB (declared) of JSON
    ENDLESS_BODY = "endless-body"  # chunked, never ends, no length declared
    SLOW_HEADERS = "slow-headers"  # one header byte every 0.5 s, forever
    SLOW_BODY = "slow-body"  # headers at once, then one body byte every 0.5 s
    HUGE_FRAME = "huge-frame"  # exec: a frame header declaring 3 GB, then a trickle
    ENDLESS_FRAMES = "endless-frames"  # exec: small stdout frames, forever
    ENDLESS_STDERR = "endless-stderr"  # exec: stderr frames, forever
    HUGE_ERROR = "huge-error"  # exec: the error channel (3) gets megabytes
    WRONG_SHAPE = "wrong-shape"  # the pod list is {"items": 5}
    ESCAPES = "escapes"  # names and messages full of terminal escape sequences


class HostileServer:
    def __init__(self, attack: Attack) -> None:
        self.attack = attack
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self) -> HostileServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        self.listener.close()

    def kubeconfig(self, folder: Path) -> Path:
        path = folder / "kubeconfig"
        path.write_text(
            json.dumps(
                {
                    "apiVersion": "v1",
                    "kind": "Config",
                    "current-context": "hostile",
                    "clusters": [
                        {"name": "h", "cluster": {"server": f"http://127.0.0.1:{self.port}"}}
                    ],
                    "users": [{"name": "u", "user": {"token": "t"}}],
                    "contexts": [{"name": "hostile", "context": {"cluster": "h", "user": "u"}}],
                }
            )
        )
        return path

    # -- serving -------------------------------------------------------------------------------

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        try:
            with connection:
                while not self.stopped.is_set():
                    request = _read_request(connection)
                    if request is None:
                        return
                    if not self._answer(connection, *request):
                        return
        except OSError:
            return

    def _answer(self, connection: socket.socket, path: str, headers: dict[str, str]) -> bool:
        if "/exec" in path and headers.get("upgrade", "").lower() == "websocket":
            self._exec(connection, headers, healthy=HEALTHY_POD in path)
            return False
        if "/pods" in path and "labelSelector" in path:
            return self._pod_list(connection)
        if path.startswith("/api/v1/nodes"):
            nodes = [_node(NODE), _node(HEALTHY_NODE)]
            return _send_json(connection, 200, {"kind": "NodeList", "items": nodes})
        return _send_json(connection, 404, {"kind": "Status", "status": "Failure", "code": 404})

    def _pod_list(self, connection: socket.socket) -> bool:
        attack = self.attack
        if attack is Attack.HUGE_BODY:
            connection.sendall(_head(200, {"Content-Length": str(3 * 1024**3)}))
            _stream(connection, self.stopped, b'{"items": [' + b" " * 65536)
            return False
        if attack is Attack.ENDLESS_BODY:
            connection.sendall(_head(200, {"Transfer-Encoding": "chunked"}))
            chunk = b" " * 65536
            framed = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
            connection.sendall(b'b\r\n{"items": [\r\n')
            _stream(connection, self.stopped, framed)
            return False
        if attack is Attack.SLOW_HEADERS:
            _trickle(connection, self.stopped, b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 10**6)
            return False
        if attack is Attack.SLOW_BODY:
            connection.sendall(_head(200, {"Content-Length": "1000000"}))
            _trickle(connection, self.stopped, b'{"items": [' + b" " * 10**6)
            return False
        if attack is Attack.WRONG_SHAPE:
            return _send_json(connection, 200, {"kind": "PodList", "items": 5})
        pods = [_pod(self.attack), _pod(Attack.WRONG_SHAPE, HEALTHY_POD, HEALTHY_NODE)]
        return _send_json(connection, 200, {"kind": "PodList", "items": pods})

    def _exec(self, connection: socket.socket, headers: dict[str, str], healthy: bool) -> None:
        key = headers.get("sec-websocket-key", "")
        accept = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
        offered = [p.strip() for p in headers.get("sec-websocket-protocol", "").split(",")]
        protocol = next((p for p in offered if p.startswith("v4.")), offered[0])
        head = (
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Accept: {accept}\r\nSec-WebSocket-Protocol: {protocol}\r\n\r\n"
        )
        connection.sendall(head.encode())
        attack = self.attack
        if healthy:
            connection.sendall(_frame(1, HEALTHY_STATUS.encode()))
            connection.sendall(_frame(3, json.dumps({"status": "Success"}).encode()))
            connection.sendall(b"\x88\x00")
        elif attack is Attack.HUGE_FRAME:
            connection.sendall(b"\x82\x7f" + struct.pack("!Q", 3 * 1024**3) + b"\x01")
            _trickle(connection, self.stopped, b"x" * 10**6, pause=0.05)
        elif attack is Attack.ENDLESS_FRAMES:
            _stream(connection, self.stopped, _frame(1, b"KVStore: Ok\n"), pause=0.001)
        elif attack is Attack.ENDLESS_STDERR:
            _stream(connection, self.stopped, _frame(2, b"e" * 4096))
        elif attack is Attack.HUGE_ERROR:
            _stream(connection, self.stopped, _frame(3, b"{" + b" " * 60000))
        else:
            text = "KVStore: Ok\x1b]52;c;QUFB\x07\nCilium: Ok 1.18.4\x9b31m\n"
            connection.sendall(_frame(1, text.encode()))
            status = {"status": "Failure", "message": "\x1bc\x1b[2Jboom\n::error::x", "code": 500}
            connection.sendall(_frame(3, json.dumps(status).encode()))
            connection.sendall(b"\x88\x00")


def _read_request(connection: socket.socket) -> tuple[str, dict[str, str]] | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            return None
        data += chunk
        if len(data) > 1024 * 1024:
            return None
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    path = head[0].split(" ")[1] if len(head[0].split(" ")) > 1 else "/"
    headers = {}
    for line in head[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return path, headers


def _head(code: int, headers: dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {code} X", "Content-Type: application/json"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _send_json(connection: socket.socket, code: int, body: Any) -> bool:
    data = json.dumps(body).encode()
    connection.sendall(_head(code, {"Content-Length": str(len(data))}) + data)
    return True


def _stream(
    connection: socket.socket, stopped: threading.Event, chunk: bytes, pause: float = 0.0
) -> None:
    deadline = time.monotonic() + 120
    while not stopped.is_set() and time.monotonic() < deadline:
        connection.sendall(chunk)
        if pause:
            time.sleep(pause)


def _trickle(
    connection: socket.socket, stopped: threading.Event, data: bytes, pause: float = 0.5
) -> None:
    for byte in data:
        if stopped.is_set():
            return
        connection.sendall(bytes([byte]))
        time.sleep(pause)


def _frame(channel: int, payload: bytes) -> bytes:
    data = bytes([channel]) + payload
    length = len(data)
    if length < 126:
        header = bytes([0x82, length])
    elif length < 65536:
        header = b"\x82\x7e" + struct.pack("!H", length)
    else:
        header = b"\x82\x7f" + struct.pack("!Q", length)
    return header + data


def _pod(attack: Attack, pod: str = POD, node: str = NODE) -> dict[str, Any]:
    name = pod + ("\x1b]52;c;QUFB\x07\x9b31m" if attack is Attack.ESCAPES else "")
    return {
        "metadata": {
            "name": name,
            "namespace": "kube-system",
            "labels": {"k8s-app": "cilium"},
            "creationTimestamp": "2026-01-01T09:00:00Z",
        },
        "spec": {"nodeName": node, "containers": [{"name": "cilium-agent", "image": "x"}]},
        "status": {
            "phase": "Running",
            "startTime": "2026-01-01T09:00:00Z",
            "conditions": [{"type": "Ready", "status": "True"}],
            "containerStatuses": [
                {"name": "cilium-agent", "ready": True, "restartCount": 0, "state": {"running": {}}}
            ],
        },
    }


def _node(name: str) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "labels": {}},
        "spec": {"podCIDR": "10.0.0.0/24"},
        "status": {"nodeInfo": {"kernelVersion": "6.12.5", "osImage": "Talos (v1.12.0)"}},
    }
