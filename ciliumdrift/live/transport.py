"""Exec into many agent pods at once: a small asyncio client for the Kubernetes exec websocket.

Why not the Kubernetes client's ``stream()``: it costs a thread, an ApiClient and several
milliseconds of Python per exec, so a fleet of thousands of agents spends its time in the
client rather than waiting for the agents. This module speaks the same protocol (an HTTP/1.1
Upgrade to an RFC 6455 websocket on ``pods/<name>/exec``, subprotocol ``v5.channel.k8s.io``
or ``v4.channel.k8s.io``; channel 1 stdout, 2 stderr, 3 the ``metav1.Status`` with the exit
code) on one event loop, with the credentials and TLS settings of the client's finished
:class:`kubernetes.client.Configuration` (token, basic auth, client certificate, CA, exec
plugins through the configuration's refresh hook).

Every exec has a deadline that covers connecting, the upgrade and the output. Transient
failures of the upgrade (a proxy's 502/503/504, 429 with Retry-After, a connection reset
before any answer) are retried with backoff inside that deadline; a timeout is never retried.
Output is read into one :class:`_Capped` buffer per stream: the single place a byte cap lives.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import ipaddress
import json
import os
import random
import socket
import ssl
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

from ciliumdrift import limits
from ciliumdrift.limits import describe_size
from ciliumdrift.live.model import ExecOutcome

CHANNEL_PROTOCOLS = "v5.channel.k8s.io, v4.channel.k8s.io"
#: Output of one stream beyond this is not a status: the exec is cut off, never buffered.
#: (The default of ``run_exec``; a run uses :attr:`ciliumdrift.limits.Limits.exec_stdout_bytes`,
#: with ``exec_side_bytes`` for stderr and ``exec_frames`` for the frames.)
MAX_STREAM_BYTES = 16 * 1024 * 1024
#: An HTTP answer that refuses the upgrade is a Status object: a few KiB at most.
MAX_REFUSAL_BYTES = 64 * 1024
MAX_HEADER_BYTES = 64 * 1024
#: Status codes of an exec upgrade worth another try: a proxy or an overloaded API server.
TRANSIENT_STATUS = frozenset({429, 502, 503, 504})
#: Retries after the first attempt (cilium-cli retries exec on AKS exec-proxy 502s too).
RETRIES = 3
BACKOFF_SECONDS = 0.25
AUTH_REFRESH_SECONDS = 30.0


class ExecError(Exception):
    """Raised inside one exec; turned into an :class:`ExecOutcome` before it leaves."""


@dataclass(frozen=True)
class Endpoint:
    """Where the API server is and how to authenticate, from a client Configuration."""

    host: str
    port: int
    base_path: str
    tls: ssl.SSLContext | None
    server_hostname: str | None
    configuration: Any = None  # refreshes the Authorization header (exec plugins, OIDC)
    static_headers: tuple[tuple[str, str], ...] = ()
    #: The kubeconfig's ``proxy-url`` (or the environment's): every connection is a CONNECT
    #: tunnel through it, as the client's urllib3 ProxyManager and websocket do.
    proxy: Proxy | None = None
    _auth: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_configuration(cls, configuration: Any) -> Endpoint:
        parts = urlsplit(str(configuration.host))
        secure = parts.scheme == "https"
        tls = _tls_context(configuration) if secure else None
        server_hostname = None
        if secure:
            server_hostname = getattr(configuration, "tls_server_name", None) or parts.hostname
        return cls(
            host=parts.hostname or "localhost",
            port=parts.port or (443 if secure else 80),
            base_path=parts.path.rstrip("/"),
            tls=tls,
            server_hostname=server_hostname,
            configuration=configuration,
            proxy=Proxy.from_configuration(configuration),
        )

    def headers(self) -> list[tuple[str, str]]:
        """Authorization as the client would send it (refreshed token, basic auth).

        Asked of the configuration at most every :data:`AUTH_REFRESH_SECONDS` (its refresh
        hook runs an exec plugin or reads a token file; thousands of execs share the answer).
        """
        now = time.monotonic()
        if self._auth and now - self._auth["at"] < AUTH_REFRESH_SECONDS:
            return list(self._auth["headers"])
        headers = self._fresh_headers()
        self._auth.update(at=now, headers=headers)
        return list(headers)

    def _fresh_headers(self) -> list[tuple[str, str]]:
        out = list(self.static_headers)
        configuration = self.configuration
        if configuration is None:
            return out
        try:
            settings = configuration.auth_settings()
        except Exception:  # a refresh hook that fails: the API server will answer 401
            settings = {}
        for setting in settings.values():
            if setting.get("in") == "header" and setting.get("value"):
                out.append((str(setting["key"]), str(setting["value"])))
        return out


@dataclass(frozen=True)
class Proxy:
    """An HTTP proxy the API server is reached through (``CONNECT host:port``)."""

    url: str
    host: str
    port: int
    headers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_configuration(cls, configuration: Any) -> Proxy | None:
        url = getattr(configuration, "proxy", None)
        if not url:
            return None
        if _bypassed(str(configuration.host), getattr(configuration, "no_proxy", None) or ""):
            return None
        parts = urlsplit(str(url))
        headers = [
            (str(k), str(v))
            for k, v in (getattr(configuration, "proxy_headers", None) or {}).items()
        ]
        if parts.username is not None and not any(
            k.lower() == "proxy-authorization" for k, _ in headers
        ):
            pair = f"{parts.username}:{parts.password or ''}".encode()
            headers.append(("Proxy-Authorization", "Basic " + base64.b64encode(pair).decode()))
        shown = f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")
        return (
            cls(shown, parts.hostname or "", parts.port or 80, tuple(headers))
            if (parts.scheme == "http")
            else cls(shown, "", 0)
        )  # no host: refused with a message at the first connection


def _bypassed(server: str, no_proxy: str) -> bool:
    """Whether NO_PROXY names the server (``*``, a host, a domain suffix or a CIDR)."""
    parts = urlsplit(server)
    host = (parts.hostname or "").lower()
    for entry in (e.strip().lower() for e in no_proxy.split(",")):
        if not entry:
            continue
        if entry == "*":
            return True
        name, _, port = entry.partition(":") if entry.count(":") == 1 else (entry, "", "")
        if port and parts.port is not None and str(parts.port) != port:
            continue
        if "/" in name:
            with contextlib.suppress(ValueError):
                if ipaddress.ip_address(host) in ipaddress.ip_network(name, strict=False):
                    return True
            continue
        name = name.lstrip(".")
        if host == name or host.endswith("." + name):
            return True
    return False


async def _connect(endpoint: Endpoint) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A stream to the API server: directly, or through the proxy's CONNECT tunnel."""
    proxy = endpoint.proxy
    if proxy is None:
        return await asyncio.open_connection(
            endpoint.host,
            endpoint.port,
            ssl=endpoint.tls,
            server_hostname=endpoint.server_hostname,
            limit=MAX_HEADER_BYTES,
        )
    if not proxy.host:
        raise ExecError(f"the proxy {proxy.url} is not an http:// proxy (the only kind supported)")
    loop = asyncio.get_running_loop()
    family, kind, protocol, _, address = (
        await loop.getaddrinfo(proxy.host, proxy.port, type=socket.SOCK_STREAM)
    )[0]
    sock = socket.socket(family, kind, protocol)
    sock.setblocking(False)
    try:
        await loop.sock_connect(sock, address)
        target = f"{endpoint.host}:{endpoint.port}"
        head = [f"CONNECT {target} HTTP/1.1", f"Host: {target}", "User-Agent: ciliumdrift"]
        head += [f"{name}: {value}" for name, value in proxy.headers]
        await loop.sock_sendall(sock, ("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
        # Nothing follows the proxy's answer until the client speaks: reading up to the blank
        # line takes only the answer.
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = await loop.sock_recv(sock, 4096)
            if not chunk or len(answer) > MAX_HEADER_BYTES:
                raise ExecError(f"the proxy {proxy.url} closed the tunnel to {target}")
            answer += chunk
        status = answer.split(b"\r\n", 1)[0].decode("latin-1").split(" ", 2)
        if len(status) < 2 or status[1] != "200":
            reason = " ".join(status[1:])[:120]
            raise ExecError(f"the proxy {proxy.url} refused a tunnel to {target}: {reason}")
        return await asyncio.open_connection(
            sock=sock,
            ssl=endpoint.tls,
            server_hostname=endpoint.server_hostname,
            limit=MAX_HEADER_BYTES,
        )
    except BaseException:
        sock.close()
        raise


def _tls_context(configuration: Any) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=getattr(configuration, "ssl_ca_cert", None))
    if not getattr(configuration, "verify_ssl", True):
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    cert = getattr(configuration, "cert_file", None)
    if cert:
        context.load_cert_chain(cert, getattr(configuration, "key_file", None))
    return context


class _Capped:
    """One stream's bytes, up to a cap (the only place output size is bounded)."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.parts: list[bytes] = []
        self.size = 0
        self.overflow = False

    def add(self, data: bytes) -> None:
        if self.size + len(data) > self.cap:
            self.overflow = True
            data = data[: max(self.cap - self.size, 0)]
        self.parts.append(data)
        self.size += len(data)

    def text(self) -> str:
        return b"".join(self.parts).decode("utf-8", "replace")


def exec_path(base: str, namespace: str, pod: str, container: str, command: tuple[str, ...]) -> str:
    query = "&".join(
        [
            *(f"command={quote(part, safe='')}" for part in command),
            f"container={quote(container, safe='')}",
            "stdin=false",
            "stdout=true",
            "stderr=true",
            "tty=false",
        ]
    )
    return f"{base}/api/v1/namespaces/{quote(namespace)}/pods/{quote(pod)}/exec?{query}"


async def run_exec(
    endpoint: Endpoint,
    namespace: str,
    pod: str,
    container: str,
    command: tuple[str, ...],
    deadline: float,
    *,
    max_stream_bytes: int | None = None,
) -> ExecOutcome:
    """Run one command in a container, retrying transient upgrade failures before the deadline."""
    started = time.monotonic()
    attempt = 0
    while True:
        outcome, retry_after = await _attempt(
            endpoint, namespace, pod, container, command, deadline, max_stream_bytes
        )
        transient = retry_after is not None
        if not transient or attempt >= RETRIES:
            return _with_seconds(outcome, time.monotonic() - started)
        pause = retry_after or BACKOFF_SECONDS * (2**attempt) * (0.5 + random.random())
        if time.monotonic() + pause >= deadline:
            return _with_seconds(outcome, time.monotonic() - started)
        attempt += 1
        await asyncio.sleep(pause)


def _with_seconds(outcome: ExecOutcome, seconds: float) -> ExecOutcome:
    return ExecOutcome(
        outcome.command,
        outcome.stdout,
        outcome.stderr,
        exit_code=outcome.exit_code,
        failure=outcome.failure,
        http_status=outcome.http_status,
        timed_out=outcome.timed_out,
        seconds=seconds,
    )


async def _attempt(
    endpoint: Endpoint,
    namespace: str,
    pod: str,
    container: str,
    command: tuple[str, ...],
    deadline: float,
    cap: int | None,
) -> tuple[ExecOutcome, float | None]:
    """One try: (outcome, None) when final, (outcome, pause or 0.0) when worth retrying."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        return ExecOutcome(command, failure="timed out", timed_out=True), None
    budget = limits.current()
    cap = budget.exec_stdout_bytes if cap is None else cap
    stdout, stderr = _Capped(cap), _Capped(min(cap, budget.exec_side_bytes))
    state: dict[str, Any] = {"upgraded": False, "writer": None, "frames": budget.exec_frames}
    try:
        answer = await asyncio.wait_for(
            _exchange(endpoint, namespace, pod, container, command, stdout, stderr, state),
            remaining,
        )
    except asyncio.TimeoutError:
        failure = "timed out" if state["upgraded"] else "timed out before the exec started"
        return (
            ExecOutcome(command, stdout.text(), stderr.text(), failure=failure, timed_out=True),
            None,
        )
    except (ConnectionError, asyncio.IncompleteReadError) as error:
        if state["upgraded"]:
            return ExecOutcome(command, failure=f"connection lost: {_reason(error)}"), None
        # Reset before any answer: a load balancer or a restarting API server; worth a retry.
        return ExecOutcome(command, failure=f"connection failed: {_reason(error)}"), 0.0
    except (OSError, ssl.SSLError, ExecError, ValueError) as error:
        return ExecOutcome(command, failure=_reason(error)), None
    finally:
        if state["writer"] is not None:
            state["writer"].close()
    if isinstance(answer, tuple):
        return answer
    status_text = answer
    if stdout.overflow or stderr.overflow:
        which, size = ("output", cap) if stdout.overflow else ("stderr", stderr.cap)
        return ExecOutcome(command, failure=f"{which} larger than {describe_size(size)}"), None
    code, problem = exit_status(status_text)
    return (
        ExecOutcome(command, stdout.text(), stderr.text(), exit_code=code, failure=problem),
        None,
    )


async def _exchange(
    endpoint: Endpoint,
    namespace: str,
    pod: str,
    container: str,
    command: tuple[str, ...],
    stdout: _Capped,
    stderr: _Capped,
    state: dict[str, Any],
) -> str | tuple[ExecOutcome, float | None]:
    """Connect, upgrade and read: channel 3's text, or the refusal as a final outcome."""
    reader, writer = await _connect(endpoint)
    state["writer"] = writer
    key = base64.b64encode(os.urandom(16)).decode()
    head = [
        f"GET {exec_path(endpoint.base_path, namespace, pod, container, command)} HTTP/1.1",
        f"Host: {endpoint.host}:{endpoint.port}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13",
        f"Sec-WebSocket-Protocol: {CHANNEL_PROTOCOLS}",
        "User-Agent: ciliumdrift",
        *(f"{name}: {value}" for name, value in endpoint.headers()),
    ]
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
    status, headers = await _read_head(reader)
    if status != 101:
        body = await _read_body(reader, headers)
        return _refused(command, status, headers, body)
    state["upgraded"] = True
    return await _read_frames(reader, writer, stdout, stderr, state["frames"])


async def _read_head(reader: asyncio.StreamReader) -> tuple[int, dict[str, str]]:
    try:
        raw = await reader.readuntil(b"\r\n\r\n")
    except asyncio.LimitOverrunError:
        raise ExecError("the API server's answer has oversized headers") from None
    lines = raw.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[1].isdigit():
        raise ExecError(f"not an HTTP answer: {lines[0][:80]!r}")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name:
            headers[name.strip().lower()] = value.strip()
    return int(parts[1]), headers


async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
    length = headers.get("content-length", "")
    try:
        if length.isdigit():
            return await reader.readexactly(min(int(length), MAX_REFUSAL_BYTES))
        return await reader.read(MAX_REFUSAL_BYTES)
    except (asyncio.IncompleteReadError, ConnectionError):
        return b""


def _refused(
    command: tuple[str, ...], status: int, headers: dict[str, str], body: bytes
) -> tuple[ExecOutcome, float | None]:
    message = _status_message(body) or headers.get("x-content-type-options", "")
    outcome = ExecOutcome(
        command, failure=f"{status} {message}".strip(), http_status=status, exit_code=None
    )
    if status not in TRANSIENT_STATUS:
        return outcome, None
    retry_after = headers.get("retry-after", "")
    return outcome, float(retry_after) if retry_after.isdigit() else 0.0


async def _read_frames(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    stdout: _Capped,
    stderr: _Capped,
    max_frames: int,
) -> str:
    """Channel data until the server closes; returns channel 3 (the exit Status)."""
    status = b""
    message = b""
    frames = 0
    while True:
        frames += 1
        if frames > max_frames:
            raise ExecError(f"more than {max_frames:,} websocket frames")
        try:
            first, second = await reader.readexactly(2)
        except asyncio.IncompleteReadError:
            return status.decode("utf-8", "replace")  # closed without a close frame
        final, opcode = first & 0x80, first & 0x0F
        size = second & 0x7F
        if size == 126:
            size = int.from_bytes(await reader.readexactly(2), "big")
        elif size == 127:
            size = int.from_bytes(await reader.readexactly(8), "big")
        if second & 0x80:
            mask = await reader.readexactly(4)
        else:
            mask = b""
        if size > stdout.cap + 1:
            stdout.overflow = True
            return ""
        payload = await reader.readexactly(size) if size else b""
        if mask:
            payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        if opcode == 8:
            _send(writer, 8, payload[:2])
            return status.decode("utf-8", "replace")
        if opcode == 9:
            _send(writer, 10, payload)
            continue
        if opcode in (0, 1, 2):  # continuation, text, binary
            message += payload
            if not final:
                if len(message) > stdout.cap:
                    stdout.overflow = True
                    return ""
                continue
            data, message = message, b""
            if not data:
                continue
            channel, data = data[0], data[1:]
            if channel == 1:
                stdout.add(data)
            elif channel == 2:
                stderr.add(data)
            elif channel == 3:
                status += data[:MAX_REFUSAL_BYTES]
            if stdout.overflow or stderr.overflow:
                return ""


def _send(writer: asyncio.StreamWriter, opcode: int, payload: bytes) -> None:
    """One masked client frame (RFC 6455 section 5.3: a client masks everything it sends)."""
    mask = os.urandom(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    writer.write(bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + masked)


def exit_status(text: str) -> tuple[int | None, str | None]:
    """Channel 3's ``metav1.Status``: (exit code, failure message when there is no exit code)."""
    if not text.strip():
        return None, "the API server sent no exit status"
    try:
        status = json.loads(text)
    except ValueError:
        first = next((line.strip() for line in text.splitlines() if line.strip()), "")
        return None, f"unreadable exit status: {first[:300]}"
    if not isinstance(status, dict):
        return None, "unreadable exit status"
    if status.get("status") == "Success":
        return 0, None
    details = status.get("details")
    if not isinstance(details, dict):
        details = {}
    for cause in details.get("causes") or ():
        if isinstance(cause, dict) and cause.get("reason") == "ExitCode":
            try:
                return int(str(cause.get("message"))), None
            except ValueError:
                break
    message = str(status.get("message") or status.get("reason") or "exec failed")
    return None, " ".join(message.split())[:300]


def _status_message(body: bytes) -> str:
    text = body.decode("utf-8", "replace")
    try:
        parsed = json.loads(text)
    except ValueError:
        return " ".join(text.split())[:200]
    if isinstance(parsed, dict) and parsed.get("message"):
        return " ".join(str(parsed["message"]).split())[:300]
    return " ".join(text.split())[:200]


def _reason(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text[:200]


async def http_get(
    endpoint: Endpoint, path: str, deadline: float, max_bytes: int
) -> tuple[int, bytes]:
    """``GET path`` on a connection of its own: (status, at most ``max_bytes`` of the body).

    A body longer than the cap is cut there (``kubectl logs --limit-bytes`` semantics); a
    timeout, a refused connection or a broken answer is status 0.
    """
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        return 0, b""
    state: dict[str, Any] = {"writer": None}

    async def fetch() -> tuple[int, bytes]:
        reader, writer = await _connect(endpoint)
        state["writer"] = writer
        head = [
            f"GET {endpoint.base_path}{path} HTTP/1.1",
            f"Host: {endpoint.host}:{endpoint.port}",
            "Connection: close",
            "User-Agent: ciliumdrift",
            *(f"{name}: {value}" for name, value in endpoint.headers()),
        ]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
        status, headers = await _read_head(reader)
        body = _Capped(max_bytes)
        if headers.get("transfer-encoding", "").lower() == "chunked":
            while not body.overflow:
                size_line = await reader.readuntil(b"\r\n")
                size = int(size_line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    break
                body.add(await reader.readexactly(size))
                await reader.readexactly(2)
        else:
            length = headers.get("content-length", "")
            while not body.overflow:
                chunk = await reader.read(65536)
                if not chunk:
                    break
                body.add(chunk)
                if length.isdigit() and body.size >= int(length):
                    break
        return status, b"".join(body.parts)

    try:
        return await asyncio.wait_for(fetch(), remaining)
    except (asyncio.TimeoutError, OSError, ssl.SSLError, ExecError, ValueError):
        return 0, b""
    except asyncio.IncompleteReadError:
        return 0, b""
    finally:
        if state["writer"] is not None:
            state["writer"].close()
