"""Benchmark: ``ciliumdrift live`` as a user runs it, cold, with the default options.

Each case starts the fake API server of the tests in its own process (``python -m
tests.fakecluster``; its threads neither share the measured process's GIL nor count towards
its memory), then times a fresh ``ciliumdrift live -f values.yaml --talos talos.yaml``
subprocess (start-up, imports, collection, comparison and output included) and reads that
process's own peak RSS from ``wait4``. Targets (issue 14):

* 500 agents, 100 ms exec latency: <= 2 s wall, <= 150 MiB
* 5,000 agents, 100 ms exec latency: <= 15 s wall, <= 300 MiB
* 5,000 agents with ``--prometheus`` (a real Prometheus on a 5,000-node TSDB block): <= 3 s

    python benchmarks/bench_live.py [--cases 500,5000,prometheus] [--runs 3]

The median of ``--runs`` runs is held against the target. Exit 1 when a target is
missed. The Prometheus case is skipped (and said so) when the Debian ``prometheus``
package is not installed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "examples" / "talos-netkit-native"
TARGETS = {"500": (500, 2.0, 150), "5000": (5000, 15.0, 300), "prometheus": (5000, 3.0, 300)}


@contextmanager
def fake_cluster(agents: int, latency_ms: float) -> Iterator[str]:
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.fakecluster",
            "--agents",
            str(agents),
            "--latency-ms",
            str(latency_ms),
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        assert server.stdout is not None
        yield server.stdout.readline().strip()
    finally:
        server.terminate()
        server.wait(30)


def run_cli(args: list[str]) -> tuple[float, float, int, str, float]:
    """(wall seconds, peak RSS MiB, exit code, last stdout line, CPU seconds) of one cold CLI
    run. The CPU time (user + system) of the CLI alone says what a loaded machine's wall
    time hides."""
    command = [shutil.which("ciliumdrift") or "ciliumdrift", *args]
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert process.stdout is not None and process.stderr is not None
    out = process.stdout.read()
    err = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        print(err.decode(errors="replace")[-2000:], file=sys.stderr)
    lines = out.decode(errors="replace").strip().splitlines()
    cpu = usage.ru_utime + usage.ru_stime
    return wall, usage.ru_maxrss / 1024, code, lines[-1] if lines else "", cpu


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", default="500,5000,prometheus")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--latency-ms", type=float, default=100.0)
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    seed = ["-f", str(SEED / "values.yaml"), "--talos", str(SEED / "talos.yaml")]
    failed = False
    for case in args.cases.split(","):
        agents, wall_target, rss_target = TARGETS[case]
        with ExitStack() as stack:
            kubeconfig = stack.enter_context(fake_cluster(agents, args.latency_ms))
            extra: list[str] = []
            if case == "prometheus":
                from tests.fakecluster.cluster import make_agents
                from tests.prometheus.server import AgentMetrics, installed, prometheus

                if not installed():
                    print("prometheus: skipped (apt-get install -y prometheus)")
                    continue
                workdir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
                metrics = [
                    AgentMetrics(a.node, a.pod, f"10.{i // 65536}.{i // 256 % 256}.{i % 256}")
                    for i, a in enumerate(make_agents(agents))
                ]
                url = stack.enter_context(prometheus(metrics, workdir))
                extra = ["--prometheus", url]
            command = ["live", "--kubeconfig", kubeconfig, *seed, *extra]
            results = [run_cli(command) for _ in range(args.runs)]
        # The median run against the target: a shared machine's noise moves single runs.
        median = statistics.median(r[0] for r in results)
        cpu = statistics.median(r[4] for r in results)
        peak = max(r[1] for r in results)
        ok = all(r[2] == 0 for r in results) and median <= wall_target and peak <= rss_target
        failed |= not ok
        print(
            f"{case:>10}: {agents:,} agents, exec latency {args.latency_ms:g} ms: "
            f"wall {', '.join(f'{r[0]:.2f} s' for r in results)}, median {median:.2f} s "
            f"(CLI CPU median {cpu:.2f} s; load {os.getloadavg()[0]:.1f}) "
            f"(target <= {wall_target:g} s), peak RSS {peak:.0f} MiB (target <= {rss_target} "
            f"MiB), exit {','.join(str(r[2]) for r in results)} {'ok' if ok else 'MISSED'}"
        )
        print(f"{'':>12}ciliumdrift {' '.join(command[:1])} ... -> {results[-1][3]}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
