"""Run the CLI in a child process and measure what a hostile input costs it.

The child runs under an address-space ceiling (``RLIMIT_AS``, a safety net so a regression
cannot take the test machine down) and its peak resident memory is read from ``wait4``'s
rusage, the figure the issue's bounds are about. Each run returns exit code, stdout,
stderr, wall time and peak RSS, and :func:`assert_refused` / :func:`assert_clean_output`
hold the assertions every hostile case shares.
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET

#: The bounds of the issue: a refusal within a second and 150 MiB.
SECONDS = 1.0
PEAK_MIB = 150
#: Start-up of the interpreter and the CLI is not the input's cost; it is measured once.
_SAFETY_AS = 2048 * 1024 * 1024
#: Control bytes that must never reach a terminal (tab and newline are layout).
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str
    seconds: float
    peak_mib: float

    @property
    def lines(self) -> list[str]:
        return self.stderr.splitlines()


def _limit() -> None:  # pragma: no cover - runs in the child
    resource.setrlimit(resource.RLIMIT_AS, (_SAFETY_AS, _SAFETY_AS))


def run_cli(
    *args: str,
    stdin: bytes | None = None,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 20.0,
) -> Run:
    """``python -m ciliumdrift ARGS`` with its wall time and peak RSS (from wait4)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CILIUMDRIFT_")}
    environment.update({"NO_COLOR": "1", "PYTHONDONTWRITEBYTECODE": "1"})
    environment.update(env or {})
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "ciliumdrift", *args],
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environment,
        cwd=cwd,
        preexec_fn=_limit,
    )
    out: list[bytes] = []
    err: list[bytes] = []
    readers = [
        threading.Thread(target=lambda: out.append(process.stdout.read())),  # type: ignore[union-attr]
        threading.Thread(target=lambda: err.append(process.stderr.read())),  # type: ignore[union-attr]
    ]
    for reader in readers:
        reader.start()
    if stdin is not None:
        assert process.stdin is not None
        try:
            process.stdin.write(stdin)
            process.stdin.close()
        except BrokenPipeError:
            pass
    killer = threading.Timer(timeout, process.kill)
    killer.start()
    try:
        _, status, usage = os.wait4(process.pid, 0)
    finally:
        killer.cancel()
    seconds = time.monotonic() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    for reader in readers:
        reader.join()
    return Run(
        code=process.returncode,
        stdout=b"".join(out).decode("utf-8", "replace"),
        stderr=b"".join(err).decode("utf-8", "replace"),
        seconds=seconds,
        peak_mib=usage.ru_maxrss / 1024,
    )


_BASELINE: list[Run] = []


def baseline() -> Run:
    """The cost of starting the CLI at all (``ciliumdrift rules``), measured once."""
    if not _BASELINE:
        _BASELINE.append(run_cli("rules"))
    return _BASELINE[0]


def assert_refused(run: Run, *, secrets: tuple[str, ...] = (), needle: str | None = None) -> None:
    """Exit 2, one line with a position, within the time and memory bounds, nothing leaked."""
    assert run.code == 2, (run.code, run.stderr[-500:], run.stdout[-500:])
    assert len(run.lines) == 1, run.stderr[-2000:]
    line = run.lines[0]
    assert re.match(r"^(ciliumdrift: |.+:\d+:\d+: )", line), line
    if needle is not None:
        assert needle in line, line
    assert_bounds(run)
    assert_clean_output(run, secrets=secrets)


def assert_bounds(run: Run, seconds: float = SECONDS) -> None:
    """Within ``seconds`` of work beyond start-up, and under the memory ceiling."""
    start = baseline().seconds
    assert run.seconds < start + seconds, (run.seconds, start)
    assert run.peak_mib < PEAK_MIB, run.peak_mib


def assert_clean_output(run: Run, *, secrets: tuple[str, ...] = ()) -> None:
    """No control byte on the terminal, no workflow command, no planted secret."""
    for stream in (run.stdout, run.stderr):
        found = CONTROL.search(stream)
        assert found is None, (
            repr(found.group()),
            stream[max(found.start() - 80, 0) : found.end() + 80],
        )
        for secret in secrets:
            assert secret not in stream, secret
    for line in run.stdout.splitlines() + run.stderr.splitlines():
        assert not line.lstrip().startswith("::"), line


def assert_well_formed_xml(text: str) -> ET.Element:
    return ET.fromstring(text.encode("utf-8"))
