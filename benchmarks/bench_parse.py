"""Parse speed: the seed status per second on one core, linear time on huge verbose output,
and the agent's ``-o json`` as the live collector reads it.

Targets (issue 4): >= 20,000 seed statuses per second; a verbose status with 50,000
controller and module lines takes at most 11 times as long as one with 5,000.

The headline is DISTINCT seed-like statuses, as a fleet produces them: every line that
differs between nodes (addresses, pod CIDR, counters, flows, timestamps, CPUs) differs in
every input. The parser remembers lines it has seen twice (``KVStore: Disabled`` reads the
same on every node), so parsing one text over and over would mostly measure that memory;
that figure is printed too, labelled, and so is the figure with the memory switched off.

Run: python benchmarks/bench_parse.py
"""

from __future__ import annotations

import gc
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ciliumdrift.parse import parse_status  # noqa: E402
from ciliumdrift.parse import text as text_parser  # noqa: E402

SEED = REPO / "examples" / "talos-netkit-native" / "status.txt"
VERBOSE = REPO.parent / "shared" / "corpus" / "status" / "status-011.txt"


def seed_variants(count: int) -> list[str]:
    """``count`` seed statuses of different nodes: each per-node value is different."""
    text = SEED.read_text(encoding="utf-8")
    variants = []
    for i in range(count):
        a, b = i // 250 % 250, i % 250
        variants.append(
            text.replace("192.168.95.210", f"192.168.{a}.{b}")
            .replace("fe80::be24:11ff:fecd:f514", f"fe80::be24:11ff:fe{a:02x}:{b:04x}")
            .replace(
                "IPv4: 2/254 allocated from 10.100.1.0/24",
                f"IPv4: {i % 254}/254 allocated from 10.{a}.{b}.0/24",
            )
            .replace("on 2 CPUs", f"on {2 + i % 63} CPUs")
            .replace("16/16 healthy", f"{16 + i % 40}/{16 + i % 40} healthy")
            .replace("2204/4095 (53.82%)", f"{i % 4096}/4095 ({i % 4096 * 100 / 4095:.2f}%)")
            .replace("Flows/s: 6.80", f"Flows/s: {i / 100:.2f}")
            .replace("3/3 reachable", f"{i % 7 + 1}/{i % 7 + 1} reachable")
            .replace("10:45:53Z", f"{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z")
            .replace("1m56.754608943s", f"1m{i % 60}.{i:09d}s")
            .replace("OK(77)", f"OK({77 + i % 5})")
        )
    return variants


def rate(texts: list[str], rounds: int = 3) -> float:
    """Statuses per second over ``texts`` (best of ``rounds``, garbage collector on)."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for text in texts:
            parse_status(text, source="node")
        best = min(best, time.perf_counter() - start)
    return len(texts) / best


def without_line_memory(measure: Callable[[], float]) -> float:
    """``measure()`` with the parser's memory of repeated lines switched off."""
    saved = text_parser._REMEMBER_MAX_VALUE
    text_parser._REMEMBERED.clear()
    text_parser._REMEMBER_MAX_VALUE = -1  # no value is short enough to be kept
    try:
        return measure()
    finally:
        text_parser._REMEMBER_MAX_VALUE = saved


def verbose_status(rows: int) -> str:
    """A --verbose output with ``rows`` controller rows and ``rows`` module-tree leaves."""
    head = VERBOSE.read_text(encoding="utf-8")
    before, _, _ = head.partition("  cilium-health-ep")
    after = "Proxy Status:" + head.partition("Proxy Status:")[2].partition("Modules Health:")[0]
    controllers = "".join(
        f"  sync-policymap-{i:<40}   2m52s ago      never        0       no error   \n"
        for i in range(rows)
    )
    tree = ["Modules Health:   Stopped(0) Degraded(0) OK(1)", "  agent", "  ├── controlplane"]
    tree += [f"  │   ├── job-{i:<40}   [OK] Running (2m59s, x1)" for i in range(rows)]
    tree.append("  └── infra")
    return before + controllers + after + "\n".join(tree) + "\n"


def median_time(text: str, runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        status = parse_status(text)
        times.append(time.perf_counter() - start)
        del status
    return statistics.median(times)


def agent_json(node: int, controllers: int) -> str:
    """The agent's ``-o json`` for one node of the seed cluster (as the fake cluster serves
    it), with ``controllers`` controllers as a real agent reports them."""
    from tests.fakecluster.statuses import as_json, seed_status

    payload = seed_status(f"node-{node}", node_ip=f"192.168.1.{node % 250}")
    payload["controllers"] = [
        {
            "name": f"sync-{index}",
            "status": {
                "consecutive-failure-count": 0,
                "last-failure-timestamp": "0001-01-01T00:00:00.000Z",
                "last-success-timestamp": f"2025-12-27T10:{index % 60:02d}:53.123Z",
                "success-count": 42 + node,
            },
        }
        for index in range(controllers)
    ]
    return as_json(payload)


def main() -> None:
    gc.collect()
    variants = seed_variants(20_000)
    seed = SEED.read_text(encoding="utf-8")
    print("command: python benchmarks/bench_parse.py")
    print(
        f"HEADLINE distinct seed-like statuses ({SEED.name}, every per-node value varied): "
        f"{rate(variants):,.0f} parses/s on one core (target >= 20,000)"
    )
    cold = without_line_memory(lambda: rate(variants[:5_000]))
    print(f"  same, with the memory of repeated lines switched off: {cold:,.0f} parses/s")
    repeated = rate([seed] * 20_000)
    print(f"  the identical seed text parsed again and again (memory hits): {repeated:,.0f}/s")

    for controllers in (0, 120, 250):
        payloads = [agent_json(node, controllers) for node in range(500)]
        json.loads(payloads[0])
        per_status = 1000 / rate(payloads)
        print(
            f"agent -o json, seed payload with {controllers} controllers "
            f"({len(payloads[0]):,} chars): {per_status:.3f} ms each (500 nodes)"
        )

    if not VERBOSE.exists():
        print("shared corpus missing: linear-time figure not measured")
        return
    small, large = verbose_status(5_000), verbose_status(50_000)
    parse_status(small)
    t_small, t_large = median_time(small), median_time(large)
    lines_small, lines_large = small.count("\n"), large.count("\n")
    print(
        f"verbose, 5,000 controllers + 5,000 modules ({lines_small:,} lines): "
        f"{t_small * 1000:.1f} ms ({t_small / lines_small * 1e6:.2f} us/line)"
    )
    print(
        f"verbose, 50,000 controllers + 50,000 modules ({lines_large:,} lines): "
        f"{t_large * 1000:.1f} ms ({t_large / lines_large * 1e6:.2f} us/line)"
    )
    print(f"ratio for 10x input: {t_large / t_small:.2f} (target <= 11)")


if __name__ == "__main__":
    main()
