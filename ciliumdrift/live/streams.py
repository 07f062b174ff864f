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


#: Calls given up at their deadline, still blocked in a library: the process must then end
#: with os._exit (an interpreter shutdown would wait on, or abort in, their locks).
ABANDONED: list[threading.Thread] = []


def abandoned() -> bool:
    return any(thread.is_alive() for thread in ABANDONED)
