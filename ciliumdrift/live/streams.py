"""Bounded reading of everything that streams in: a plugin's pipes, an API body, exec channels.

One place per kind of stream, each with a byte cap and an overall deadline from
:mod:`ciliumdrift.limits`: what a hostile API server, agent or plugin sends can cost at most
the cap in memory and the deadline in time, and the outcome says which bound was hit.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ciliumdrift.limits import Deadline, describe_size


@dataclass(frozen=True)
class ProcessOutcome:
    """What a bounded child process left: its output, exit status, or why it was stopped."""

    stdout: bytes
    stderr: bytes
    returncode: int | None
    problem: str | None = None  # "took longer than 30s", "printed more than 1 MiB"


def drain_process(
    process: subprocess.Popen[bytes],
    *,
    seconds: float,
    stdout_limit: int,
    stderr_limit: int,
) -> ProcessOutcome:
    """Read both pipes of ``process`` until it exits, within ``seconds`` and the caps.

    Output beyond ``stderr_limit`` on stderr is read and dropped (a chatty plugin is not an
    error); beyond ``stdout_limit`` on stdout, or past the deadline, the process group is
    killed and the outcome names the problem.
    """
    deadline = Deadline(seconds)
    limits = {"stdout": stdout_limit, "stderr": stderr_limit}
    buffers: dict[str, bytearray] = {"stdout": bytearray(), "stderr": bytearray()}
    problem: str | None = None
    with selectors.DefaultSelector() as selector:
        for name in ("stdout", "stderr"):
            stream = getattr(process, name)
            if stream is not None:
                os.set_blocking(stream.fileno(), False)
                selector.register(stream, selectors.EVENT_READ, name)
        while selector.get_map() and problem is None:
            left = deadline.remaining()
            if left <= 0:
                problem = f"took longer than {seconds:g}s"
                break
            for key, _ in selector.select(timeout=min(left, 0.2)):
                name = key.data
                try:
                    chunk = os.read(key.fd, 64 * 1024)
                except BlockingIOError:  # pragma: no cover - select said readable
                    continue
                if not chunk:
                    selector.unregister(key.fileobj)
                    continue
                room = limits[name] - len(buffers[name])
                if name == "stdout" and len(chunk) > room:
                    problem = f"printed more than {describe_size(stdout_limit)}"
                    break
                buffers[name] += chunk[: max(room, 0)]
    if problem is None:
        try:
            returncode: int | None = process.wait(timeout=max(deadline.remaining(), 0.05))
        except subprocess.TimeoutExpired:
            problem = f"took longer than {seconds:g}s"
            returncode = None
    else:
        returncode = None
    if problem is not None:
        _kill(process)
    for stream in (process.stdout, process.stderr):
        if stream is not None:
            stream.close()
    return ProcessOutcome(bytes(buffers["stdout"]), bytes(buffers["stderr"]), returncode, problem)


def _kill(process: subprocess.Popen[Any]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (OSError, AttributeError):
        process.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=1.0)


# --- API response bodies ------------------------------------------------------------------


class StreamLimitError(Exception):
    """A stream crossed its byte cap or its deadline (turned into the caller's own error)."""


def read_body(response: Any, *, limit: int, deadline: Deadline, what: str) -> bytes:
    """An HTTP response body (urllib3, ``_preload_content=False``) within ``limit`` bytes
    and the call's overall deadline: a 3 GB body or a server that trickles one byte every
    few seconds (each read within the socket timeout) both stop here."""
    length = _declared_length(response)
    if length is not None and length > limit:
        _release(response)
        raise StreamLimitError(f"{what}: the answer is larger than {describe_size(limit)}")
    chunks: list[bytes] = []
    total = 0
    try:
        while True:
            if deadline.expired():
                raise StreamLimitError(f"{what}: the answer took longer than {deadline.seconds:g}s")
            chunk = response.read(64 * 1024)
            if not chunk:
                break
            total += len(chunk)
            if total > limit:
                raise StreamLimitError(f"{what}: the answer is larger than {describe_size(limit)}")
            chunks.append(chunk)
    finally:
        _release(response)
    return b"".join(chunks)


def _declared_length(response: Any) -> int | None:
    headers = getattr(response, "headers", None) or {}
    try:
        value = headers.get("Content-Length")
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _release(response: Any) -> None:
    for name in ("release_conn", "close"):
        method = getattr(response, name, None)
        if callable(method):
            with contextlib.suppress(Exception):
                method()


def call_with_deadline(seconds: float, body: Any, what: str) -> Any:
    """Run ``body()`` with an overall deadline: a server that sends its headers one byte at
    a time (each within the socket timeout) cannot hold the run past ``seconds``. The call
    is abandoned on a daemon thread; the caller gets a :class:`StreamLimitError`."""

    outcome: list[tuple[bool, Any]] = []

    def target() -> None:
        try:
            outcome.append((True, body()))
        except BaseException as error:  # handed to the caller's thread
            outcome.append((False, error))

    worker = threading.Thread(target=target, name="ciliumdrift-api-call", daemon=True)
    worker.start()
    worker.join(seconds)
    if not outcome:
        ABANDONED.append(worker)
        raise StreamLimitError(f"{what}: no complete answer within {seconds:g}s")
    ok, value = outcome[0]
    if not ok:
        raise value
    return value


# --- exec websockets ------------------------------------------------------------------------


def cap_websocket_frames(limit: int) -> None:
    """Refuse a websocket frame whose header declares more than ``limit`` bytes, before its
    payload is read (websocket-client would buffer a frame declaring 3 GB whole).

    Installed once per process on websocket-client's frame reader (the exec channels of the
    Kubernetes client's ``stream()``); the refusal surfaces as that agent's exec failure.
    """
    from websocket import _abnf

    reader = _abnf.frame_buffer
    original = reader.recv_length
    if getattr(original, "_ciliumdrift_cap", None) is not None:
        original = original._ciliumdrift_original  # type: ignore[attr-defined]

    def recv_length(self: Any) -> None:
        original(self)
        if self.length is not None and self.length > limit:
            raise StreamLimitError(
                f"a websocket frame of {self.length} bytes (the cap is {describe_size(limit)})"
            )
        bounds = getattr(_EXEC_BOUNDS, "current", None)
        if bounds is not None:
            bounds.take(self.length or 0)

    recv_length._ciliumdrift_cap = limit  # type: ignore[attr-defined]
    recv_length._ciliumdrift_original = original  # type: ignore[attr-defined]
    reader.recv_length = recv_length  # type: ignore[method-assign]


_EXEC_BOUNDS = threading.local()
#: Calls given up at their deadline, still blocked in a library: the process must then end
#: with os._exit (an interpreter shutdown would wait on, or abort in, their locks).
ABANDONED: list[threading.Thread] = []


def abandoned() -> bool:
    return any(thread.is_alive() for thread in ABANDONED)


@dataclass
class ExecBounds:
    """What one exec may still receive, checked as each frame header arrives: the Kubernetes
    client's ``update()`` reads every frame that is already there before it returns, so an
    endless fast stream would otherwise never give control back to the deadline check."""

    deadline: float  # time.monotonic() value
    limit: int  # bytes over every channel together
    frame_limit: int
    received: int = 0
    frames: int = 0

    def take(self, length: int) -> None:
        self.received += length
        self.frames += 1
        if time.monotonic() > self.deadline:
            raise StreamLimitError("timed out while the agent kept sending")
        if self.received > self.limit:
            raise StreamLimitError(f"output larger than {describe_size(self.limit)}")
        if self.frames > self.frame_limit:
            raise StreamLimitError(f"more than {self.frame_limit} websocket frames")


@contextlib.contextmanager
def exec_bounds(bounds: ExecBounds) -> Iterator[ExecBounds]:
    """Apply ``bounds`` to the websocket frames this thread reads inside the block."""
    previous = getattr(_EXEC_BOUNDS, "current", None)
    _EXEC_BOUNDS.current = bounds
    try:
        yield bounds
    finally:
        _EXEC_BOUNDS.current = previous


@dataclass
class ChannelCaps:
    """Bytes seen on each exec channel and frames seen, against the limits: the one place
    an exec's output is bounded (stdout ``exec_stdout_bytes``, stderr and the error channel
    ``exec_side_bytes``, frames ``exec_frames``)."""

    stdout_limit: int
    side_limit: int
    frame_limit: int
    frames: int = 0

    def problem(self, stdout: int, stderr: int, error: int) -> str | None:
        self.frames += 1
        if stdout > self.stdout_limit:
            return f"output larger than {describe_size(self.stdout_limit)}"
        if stderr > self.side_limit:
            return f"stderr larger than {describe_size(self.side_limit)}"
        if error > self.side_limit:
            return f"error channel larger than {describe_size(self.side_limit)}"
        if self.frames > self.frame_limit:
            return f"more than {self.frame_limit} websocket reads"
        return None
