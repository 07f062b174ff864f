"""Cold start-up of `ciliumdrift check` on the seed example against check-jsonschema.

check-jsonschema validating the same values file against the chart's values.schema.json is
what pre-commit hooks run on Cilium values today; the target is a ratio of at most 0.6.

What users run is measured: the ``ciliumdrift`` console script of the environment this runs
in (``nox -s bench`` installs the package with ``pip install .``, which writes the .pyc files),
default options, a new process every time. The two commands alternate, so that both see the
same load on the machine; each is run once first, unmeasured, so that the disk cache is warm.
Prints the median wall time of each over N runs, and their ratio.
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
# A user's shell does not set it; with it, modules without a .pyc are compiled on every run.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def seconds(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        argv, cwd=REPO, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
    )
    return time.perf_counter() - start


def console_script(name: str) -> str | None:
    """The script installed next to this interpreter (the environment's), else on PATH."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name)


def where_ciliumdrift_runs_from() -> str:
    """The package this environment imports (an installed copy, not the source tree)."""
    done = subprocess.run(
        [sys.executable, "-c", "import ciliumdrift; print(ciliumdrift.__file__)"],
        cwd="/",
        env=ENV,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() or "not importable"


def main() -> None:
    ours = console_script("ciliumdrift")
    theirs = console_script("check-jsonschema")
    if ours is None:
        print("the ciliumdrift console script is not installed: `pip install .` first")
        return
    check = [ours, "check", str(SEED)]
    helps = [ours, "--help"]
    print(f"ciliumdrift: {ours} (package {where_ciliumdrift_runs_from()})")
    if theirs is None or not SCHEMA.exists():
        seconds(check)
        mine = statistics.median(seconds(check) for _ in range(RUNS))
        print(f"ciliumdrift check (seed, cold, median of {RUNS}): {mine * 1000:.0f} ms")
        print("check-jsonschema or the chart schema is missing: ratio not measured")
        return
    validate = [theirs, "--schemafile", str(SCHEMA), str(SEED / "values.yaml")]
    for argv in (check, helps, validate):
        seconds(argv)  # warm the disk cache
    pairs = [(seconds(check), seconds(validate)) for _ in range(RUNS)]
    mine = statistics.median(p[0] for p in pairs)
    other = statistics.median(p[1] for p in pairs)
    help_time = statistics.median(seconds(helps) for _ in range(RUNS))
    print(f"ciliumdrift check (seed, cold, median of {RUNS}):      {mine * 1000:.0f} ms")
    print(f"check-jsonschema on values.yaml (cold, median of {RUNS}): {other * 1000:.0f} ms")
    print(f"ciliumdrift --help (cold, median of {RUNS}):            {help_time * 1000:.0f} ms")
    print(f"ratio ciliumdrift/check-jsonschema: {mine / other:.2f} (target <= 0.60)")
    per_pair = statistics.median(p[0] / p[1] for p in pairs)
    print(f"median of the {RUNS} paired ratios:     {per_pair:.2f}")
    instructions(check, validate)


def instructions(check: list[str], validate: list[str]) -> None:
    """The same ratio in instructions executed (valgrind, when installed): one run each.

    Wall time on a shared two-core machine moves by a fifth between runs; the count of
    instructions a cold start executes does not (it moves by about 1% with hash seeds).
    """
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        print("valgrind is not installed: instruction counts not measured")
        return
    counts = []
    for argv in (check, validate):
        done = subprocess.run(
            [valgrind, "--tool=callgrind", "--callgrind-out-file=/dev/null", *argv],
            cwd=REPO,
            env=ENV,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
        found = [line for line in done.stderr.splitlines() if "Collected :" in line]
        if not found:
            print("valgrind did not report a count: instruction counts not measured")
            return
        counts.append(int(found[-1].rsplit(":", 1)[1].strip()))
    mine, other = counts
    print(f"instructions, ciliumdrift check:      {mine / 1e6:.0f} M")
    print(f"instructions, check-jsonschema:       {other / 1e6:.0f} M")
    print(f"ratio in instructions: {mine / other:.2f} (target <= 0.60)")


if __name__ == "__main__":
    main()
