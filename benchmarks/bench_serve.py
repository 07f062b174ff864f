"""Benchmark: ``ciliumdrift serve`` at 5,000 nodes over 200 consecutive runs.

What it measures, through the CLI as a user runs it (``ciliumdrift serve`` in its own
process, default options except a short ``--interval``), against the tests' fake API
server on 127.0.0.1 (in this process, on threads):

* the series count of ``/metrics`` with no drift and with ``--drift-nodes`` drifting
  (their agents switch between netkit and veth every ``--flip-every`` runs, so series
  appear and disappear all along);
* the resident memory (``VmRSS`` of the serve process, from /proc) after every run, and
  its growth from the end of the warm-up to the last run: bounded memory means no growth;
  and the peak of every run (``VmHWM``, reset after each run through ``clear_refs``): where
  a run ends in its allocation cycle moves the first, not the second;
* each run's duration, and that SIGTERM ends serve with exit code 0.

``--source prometheus`` runs ``serve --prometheus URL`` instead (the way to run it at
thousands of nodes): a real Prometheus (the Debian package) serves a TSDB block of what the
agents export, ``--drift-nodes`` of them reporting veth in their metrics, and only the
sampled agents are exec'd (their statuses still flip). A run then takes about a second at
5,000 nodes where the exec source takes ten or more, so 200 runs fit in minutes.

    python benchmarks/bench_serve.py [--nodes 5000] [--runs 200] [--interval 0.1s]
                                     [--source exec|prometheus]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import ExitStack, suppress
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "examples" / "talos-netkit-native"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def get(url: str, timeout: float = 30.0) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        body: bytes = response.read()
        return body


def rss_mib(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of a process in MiB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return fields["VmRSS"], fields["VmHWM"]


def reset_peak(pid: int) -> None:
    """Reset the process's VmHWM (Linux: 5 > /proc/PID/clear_refs), so each run has its own."""
    with suppress(OSError):
        Path(f"/proc/{pid}/clear_refs").write_text("5")


def series(text: str) -> tuple[int, int]:
    """(all samples, ciliumdrift_* samples) of an exposition."""
    samples = [line for line in text.splitlines() if line and not line.startswith("#")]
    return len(samples), sum(1 for line in samples if line.startswith("ciliumdrift_"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--interval", default="0.1s")
    parser.add_argument("--drift-nodes", type=int, default=250)
    parser.add_argument("--flip-every", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    parser.add_argument("--source", choices=("exec", "prometheus"), default="exec")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    from tests.fakecluster import FakeCluster, make_agents
    from tests.fakecluster.statuses import with_changes

    agents = make_agents(args.nodes)
    netkit = [(a.status, a.text) for a in agents[: args.drift_nodes]]
    veth = [
        (
            with_changes(status, {"datapath-mode": "veth"}),
            text.replace("Device Mode:             netkit", "Device Mode:             veth"),
        )
        for status, text in netkit
    ]

    def set_drift(on: bool) -> None:
        for agent, (status, text) in zip(agents, veth if on else netkit, strict=False):
            agent.status, agent.text = status, text

    workdir = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    cluster = FakeCluster(agents).start()
    kubeconfig = cluster.kubeconfig(workdir / "kubeconfig")
    stack = ExitStack()
    source: list[str] = []
    if args.source == "prometheus":
        from tests.prometheus.server import AgentMetrics, installed, prometheus

        if not installed():
            raise SystemExit("--source prometheus: apt-get install -y prometheus")
        metrics = [
            AgentMetrics(a.node, a.pod, f"10.{i // 65536}.{i // 256 % 256}.{i % 256}")
            for i, a in enumerate(agents)
        ]
        for metric in metrics[: args.drift_nodes]:
            metric.modes["cilium_feature_datapath_config"] = "veth"
        url = stack.enter_context(prometheus(metrics, workdir / "prom", lookback="6h"))
        source = ["--prometheus", url]
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = (workdir / "serve.log").open("w")
    command = [
        sys.executable,
        "-m",
        "ciliumdrift",
        "serve",
        "-f",
        str(SEED / "values.yaml"),
        "--talos",
        str(SEED / "talos.yaml"),
        "--kubeconfig",
        str(kubeconfig),
        "--listen",
        f"127.0.0.1:{port}",
        "--interval",
        args.interval,
        "--log-level",
        "warning",
        *source,
    ]
    serve = subprocess.Popen(command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    print(
        f"nodes: {args.nodes}  runs: {args.runs}  interval: {args.interval}  "
        f"drifting nodes: {args.drift_nodes} (flip every {args.flip_every} runs)  "
        f"source: {args.source}"
    )
    print("command:", " ".join(command[1:]).replace(str(REPO) + "/", ""))
    rss: list[float] = []
    peaks: list[float] = []  # VmHWM of each run (reset after each)
    durations: list[float] = []
    counts: dict[str, tuple[int, int]] = {}
    distinct: dict[str, set[int]] = {}  # series counts seen, per state of the fleet
    scrape_seconds: list[float] = []
    drifting = False
    seen = 0
    started = time.monotonic()
    try:
        while seen < args.runs:
            if serve.poll() is not None:
                raise SystemExit(f"serve exited {serve.returncode}; see {log.name}")
            try:
                health = json.loads(get(url + "/healthz", timeout=5))
            except OSError:
                time.sleep(0.2)
                continue
            last = health.get("last_run")
            if not last or last["number"] <= seen:
                time.sleep(0.05)
                continue
            seen = last["number"]
            if last["outcome"] != "success":
                raise SystemExit(f"run {seen} {last['outcome']}: {last['error']}")
            durations.append(last["seconds"])
            now, peak = rss_mib(serve.pid)
            rss.append(now)
            peaks.append(peak)
            reset_peak(serve.pid)
            began = time.perf_counter()
            text = get(url + "/metrics").decode()
            scrape_seconds.append(time.perf_counter() - began)
            state = health["state"]
            key = "drift" if state["drifting_nodes"] else "clean"
            counts[key] = series(text)
            distinct.setdefault(f"{key} ({state['drifting_nodes']} drifting)", set()).add(
                counts[key][0]
            )
            if seen % args.flip_every == 0:
                drifting = not drifting
                set_drift(drifting)
            if seen % 20 == 0 or seen in (1, 10):
                print(
                    f"  run {seen:4d}: {last['seconds']:6.2f} s  RSS {rss[-1]:7.1f} MiB  "
                    f"drifting nodes {state['drifting_nodes']:5d}  series {counts[key][0]}"
                )
        total = time.monotonic() - started
        serve.send_signal(signal.SIGTERM)
        stop_started = time.monotonic()
        code = serve.wait(60)
        stop_seconds = time.monotonic() - stop_started
    finally:
        if serve.poll() is None:
            serve.kill()
        cluster.stop()
        stack.close()
        log.close()
    hwm = max(rss)
    after_warmup = rss[args.warmup - 1 :] if len(rss) >= args.warmup else rss
    at_10 = rss[9] if len(rss) >= 10 else rss[0]
    growth = after_warmup[-1] - after_warmup[0]
    slope = _slope(after_warmup)
    figures = {
        "nodes": args.nodes,
        "runs": len(durations),
        "wall_seconds": round(total, 1),
        "run_seconds_median": round(statistics.median(durations), 2),
        "run_seconds_max": round(max(durations), 2),
        "scrape_seconds_max": round(max(scrape_seconds), 3),
        "series_clean": counts.get("clean"),
        "series_drift": counts.get("drift"),
        "series_counts_seen": {k: sorted(v) for k, v in sorted(distinct.items())},
        "source": args.source,
        "rss_mib_first": round(rss[0], 1),
        "rss_mib_run_10": round(at_10, 1),
        "rss_mib_after_warmup": round(after_warmup[0], 1),
        "rss_mib_last": round(rss[-1], 1),
        "rss_mib_max": round(hwm, 1),
        "run_peak_mib_run_10": round(peaks[9] if len(peaks) >= 10 else peaks[0], 1),
        "run_peak_mib_last": round(peaks[-1], 1),
        "run_peak_mib_max": round(max(peaks), 1),
        "rss_growth_after_warmup_mib": round(growth, 1),
        "rss_slope_mib_per_100_runs": round(slope * 100, 2),
        "sigterm_exit_code": code,
        "sigterm_seconds": round(stop_seconds, 2),
    }
    print(
        f"runs: {len(durations)} in {total:.0f} s; run median {figures['run_seconds_median']} s, "
        f"max {figures['run_seconds_max']} s; /metrics scrape max "
        f"{figures['scrape_seconds_max']} s"
    )
    for key in ("clean", "drift"):
        if key in counts:
            print(f"series ({key}): {counts[key][0]} samples, {counts[key][1]} ciliumdrift_*")
    print(
        f"RSS: first run {rss[0]:.1f} MiB, run 10 {at_10:.1f} MiB, "
        f"run {args.warmup} {after_warmup[0]:.1f} MiB, "
        f"last {rss[-1]:.1f} MiB, max {hwm:.1f} MiB; growth after warm-up {growth:+.1f} MiB "
        f"(fit {slope * 100:+.2f} MiB per 100 runs)"
    )
    for state, seen_counts in sorted(distinct.items()):
        print(f"series counts seen with {state}: {sorted(seen_counts)}")
    print(
        f"peak RSS of a run: run 10 {figures['run_peak_mib_run_10']} MiB, last "
        f"{figures['run_peak_mib_last']} MiB, max {figures['run_peak_mib_max']} MiB"
    )
    print(f"SIGTERM: exit {code} after {stop_seconds:.2f} s")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0 if code == 0 else 1


def _slope(values: list[float]) -> float:
    """Least-squares slope per run."""
    if len(values) < 2:
        return 0.0
    xs = range(len(values))
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(values)
    numerator = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, values, strict=False))
    denominator = sum((x - mean_x) ** 2 for x in xs)
    return numerator / denominator


if __name__ == "__main__":
    os.environ.setdefault("NO_COLOR", "1")
    sys.exit(main())
