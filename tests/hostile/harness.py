"""Run the CLI in a child process and measure what a hostile input costs it.

The child runs under an address-space ceiling (``RLIMIT_AS``, a safety net so a regression
cannot take the test machine down) and its peak resident memory is read from ``wait4``'s
rusage, the figure the issue's bounds are about. Each run returns exit code, stdout,
stderr, wall time and peak RSS, and :func:`assert_refused` / :func:`assert_clean_output`
hold the assertions every hostile case shares.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
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
    cpu_seconds: float = 0.0
    live: bool = False

    @property
    def lines(self) -> list[str]:
        return self.stderr.splitlines()


#: A small launcher forks the CLI and reports its rusage: a child forked straight from the
#: test process would count the test process's own memory in its peak RSS (Linux carries
#: the pre-exec high-water mark over into ``ru_maxrss``).
_LAUNCHER = """
import json, os, resource, sys
report, limit = sys.argv[1], int(sys.argv[2])
pid = os.fork()
if pid == 0:
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    os.execv(sys.executable, [sys.executable, "-m", "ciliumdrift", *sys.argv[3:]])
_, status, usage = os.wait4(pid, 0)
with open(report, "w") as handle:
    json.dump([status, usage.ru_maxrss, usage.ru_utime + usage.ru_stime], handle)
"""


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
    fd, report = tempfile.mkstemp(prefix="hostile-rusage-")
    os.close(fd)
    process = subprocess.Popen(
        [sys.executable, "-c", _LAUNCHER, report, str(_SAFETY_AS), *args],
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environment,
        cwd=cwd,
        start_new_session=True,
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
    killer = threading.Timer(timeout, lambda: os.killpg(process.pid, signal.SIGKILL))
    killer.start()
    try:
        process.wait()
    finally:
        killer.cancel()
    seconds = time.monotonic() - started
    for reader in readers:
        reader.join()
    try:
        status, maxrss, cpu = json.loads(Path(report).read_text() or "[9, 0, 0]")
    finally:
        Path(report).unlink(missing_ok=True)
    return Run(
        code=os.waitstatus_to_exitcode(status) if process.returncode == 0 else -9,
        stdout=b"".join(out).decode("utf-8", "replace"),
        stderr=b"".join(err).decode("utf-8", "replace"),
        seconds=seconds,
        peak_mib=maxrss / 1024,
        cpu_seconds=cpu,
        live=bool(args) and args[0] == "live",
    )


_BASELINE: dict[bool, Run] = {}


def baseline(live: bool = False) -> Run:
    """The cost of starting the CLI at all, measured once: ``ciliumdrift rules``, and for
    ``live`` a run that imports the kubernetes client and fails to connect at once."""
    if live not in _BASELINE:
        if live:
            import tempfile

            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / "kubeconfig"
                path.write_text(
                    '{"current-context": "c", "contexts": [{"name": "c", "context": '
                    '{"cluster": "c", "user": "u"}}], "clusters": [{"name": "c", "cluster": '
                    '{"server": "http://127.0.0.1:1"}}], "users": [{"name": "u", "user": '
                    '{"token": "t"}}]}'
                )
                _BASELINE[live] = run_cli("live", "--kubeconfig", str(path), "--timeout", "2")
        else:
            _BASELINE[live] = run_cli("rules")
    return _BASELINE[live]


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


#: CI machines are shared: the time bound is the issue's second, times this factor (set
#: HOSTILE_TIME_SLACK=1 on a quiet machine to hold the exact bound).
TIME_SLACK = float(os.environ.get("HOSTILE_TIME_SLACK", "2"))


#: Wall time beyond start-up that still cannot be a hang (the machine may be busy).
HANG_SECONDS = 8.0


def assert_bounds(run: Run, seconds: float = SECONDS) -> None:
    """Within ``seconds`` of CPU work beyond start-up, no hang, under the memory ceiling.

    CPU time (user + system, from rusage) is the cost of the input, whatever else the
    machine runs; wall time catches waiting (a FIFO, a slow server) with room for load.
    """
    start = baseline(run.live)
    work = run.cpu_seconds - start.cpu_seconds
    assert work < seconds * TIME_SLACK, (run.cpu_seconds, start.cpu_seconds)
    assert run.seconds < start.seconds + HANG_SECONDS, (run.seconds, start.seconds)
    assert run.peak_mib < PEAK_MIB, run.peak_mib


def assert_clean_output(run: Run, *, secrets: tuple[str, ...] = ()) -> None:
    """No control byte on the terminal, no workflow command, no planted secret."""
    for stream in (run.stdout, run.stderr):
        assert "Traceback" not in stream, stream[-2000:]
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
