"""Parse speed: the seed status per second on one core, and linear time on huge verbose output.

Targets (issue 4): >= 20,000 seed statuses per second; a verbose status with 50,000
controller and module lines takes at most 11 times as long as one with 5,000.
Run: python benchmarks/bench_parse.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ciliumdrift.parse import parse_status  # noqa: E402

SEED = REPO / "examples" / "talos-netkit-native" / "status.txt"
VERBOSE = REPO.parent / "shared" / "corpus" / "status" / "status-011.txt"


def seed_rate(seconds: float = 3.0) -> float:
    text = SEED.read_text(encoding="utf-8")
    parse_status(text)
    count = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(200):
            parse_status(text, source="seed")
        count += 200
    return count / (time.perf_counter() - start)


def varied_rate(count: int = 20_000) -> float:
    """Distinct statuses (counters, addresses, timestamps differ), as a fleet produces them:
    the per-line reading cache only helps with the lines that repeat."""
    text = SEED.read_text(encoding="utf-8")
    variants = [
        text.replace("2204/4095 (53.82%)", f"{i % 4096}/4095 (53.82%)")
        .replace("Flows/s: 6.80", f"Flows/s: {i / 100:.2f}")
        .replace("IPv4: 2/254", f"IPv4: {i % 254}/254")
        .replace("192.168.95.210", f"192.168.{i // 250 % 250}.{i % 250}")
        .replace("10:45:53Z", f"10:{i // 60 % 60:02d}:{i % 60:02d}Z")
        .replace("16/16 healthy", f"{i}/{i} healthy")
        for i in range(count)
    ]
    start = time.perf_counter()
    for variant in variants:
        parse_status(variant, source="node")
    return count / (time.perf_counter() - start)


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


def median_time(text: str, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        status = parse_status(text)
        times.append(time.perf_counter() - start)
    assert status.controllers is not None
    return statistics.median(times)


def main() -> None:
    rate = seed_rate()
    print(f"seed status ({SEED.name}): {rate:,.0f} parses/s on one core (target >= 20,000)")
    print(f"distinct seed-like statuses: {varied_rate():,.0f} parses/s on one core")
    if not VERBOSE.exists():
        print("shared corpus missing: linear-time figure not measured")
        return
    small, large = verbose_status(5_000), verbose_status(50_000)
    t_small, t_large = median_time(small), median_time(large)
    lines_small, lines_large = small.count("\n"), large.count("\n")
    print(
        f"verbose, 5,000 controllers + 5,000 modules ({lines_small:,} lines): "
        f"{t_small * 1000:.1f} ms"
    )
    print(
        f"verbose, 50,000 controllers + 50,000 modules ({lines_large:,} lines): "
        f"{t_large * 1000:.1f} ms"
    )
    print(f"ratio for 10x input: {t_large / t_small:.2f} (target <= 11)")


if __name__ == "__main__":
    main()
