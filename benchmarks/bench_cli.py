"""Cold start-up of `ciliumdrift check` on the seed example against check-jsonschema.

check-jsonschema validating the same values file against the chart's values.schema.json is
what pre-commit hooks run on Cilium values today; the target is a ratio of at most 0.6.
Prints the median wall time of each over N cold runs (new process every time).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "examples" / "talos-netkit-native"
SCHEMA = REPO / "tests" / "corpus" / "chart" / "1.18.4" / "values.schema.json"
RUNS = int(os.environ.get("BENCH_RUNS", "15"))


def median_seconds(argv: list[str]) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(
            argv, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
        )
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    ours = median_seconds([sys.executable, "-m", "ciliumdrift", "check", str(SEED)])
    helps = median_seconds([sys.executable, "-m", "ciliumdrift", "--help"])
    print(f"ciliumdrift check (seed, cold, median of {RUNS}): {ours * 1000:.0f} ms")
    print(f"ciliumdrift --help (cold, median of {RUNS}):      {helps * 1000:.0f} ms")
    tool = shutil.which("check-jsonschema")
    if tool is None or not SCHEMA.exists():
        print("check-jsonschema or the chart schema is missing: ratio not measured")
        return
    theirs = median_seconds([tool, "--schemafile", str(SCHEMA), str(SEED / "values.yaml")])
    print(f"check-jsonschema on values.yaml (cold, median of {RUNS}): {theirs * 1000:.0f} ms")
    print(f"ratio ciliumdrift/check-jsonschema: {ours / theirs:.2f} (target <= 0.60)")


if __name__ == "__main__":
    main()
