"""Loader figures: corpus load times, and time and peak memory of each hostile input.

Every hostile input runs in a fresh process (``ciliumdrift values -f FILE --chart none``)
so that the peak resident memory (ru_maxrss of the child) is the whole cost of refusing
it. The issue's budget is 1 s and 100 MiB per bad input.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"


def hostile_inputs(folder: Path) -> dict[str, Path]:
    bomb = ['a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]']
    bomb += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 12)]
    files = {
        "alias bomb (10^12 nodes)": "\n".join(bomb) + "\n",
        "10,000-deep flow nesting": "[" * 10_000 + "]" * 10_000 + "\n",
        "10,000-deep block nesting": "- " * 10_000 + "x\n",
        "0.9 MiB of keys, broken": "".join(f"k{i}: v\n" for i in range(200_000))[:900_000]
        + "\na: b: c\n",
        "0.9 MiB of plain text, broken": "a: " + "x y " * 230_000 + "\nb: c: d\n",
        "5 MiB over the size limit": "a: " + "x" * (5 * 1024 * 1024) + "\n",
        "merge-conflict markers": "a: 1\n<<<<<<< HEAD\nb: 2\n=======\nb: 3\n>>>>>>> x\n",
        "duplicate keys": "a: 1\n" * 2,
        "binary": "a: 1\n\x00\x01",
    }
    paths = {}
    for index, (label, text) in enumerate(files.items()):
        path = folder / f"bad-{index}.yaml"
        path.write_text(text, encoding="utf-8")
        paths[label] = path
    return paths


def run_child(argv: list[str]) -> tuple[float, float, int, str]:
    """Run in a fresh process measuring its own peak RSS (ru_maxrss of *its* children)."""
    probe = (
        "import resource, subprocess, sys, time;"
        "t = time.perf_counter();"
        "p = subprocess.run(sys.argv[1:], capture_output=True, text=True);"
        "e = time.perf_counter() - t;"
        "m = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss;"
        "print(e, m, p.returncode); print(p.stderr.strip())"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, *argv], cwd=REPO, capture_output=True, text=True
    )
    first, _, stderr = done.stdout.partition("\n")
    elapsed, peak_kib, code = first.split()
    return float(elapsed), int(peak_kib) / 1024, int(code), stderr.strip()


def main() -> None:
    from ciliumdrift.load import load_talos, load_values

    values = sorted((CORPUS / "values").glob("values-*.yaml"))
    talos = sorted((CORPUS / "talos").glob("talos-*.yaml"))
    if values:
        times = []
        for _ in range(5):
            start = time.perf_counter()
            for path in values:
                load_values([str(path)])
            times.append(time.perf_counter() - start)
        print(
            f"load_values, {len(values)} corpus files with chart defaults: "
            f"{statistics.median(times) / len(values) * 1000:.1f} ms per file (median of 5 rounds)"
        )
    if talos:
        start = time.perf_counter()
        for path in talos:
            load_talos([str(path)])
        per_file = (time.perf_counter() - start) / len(talos) * 1000
        print(f"load_talos, {len(talos)} corpus files: {per_file:.1f} ms per file")
    with tempfile.TemporaryDirectory() as folder:
        for label, path in hostile_inputs(Path(folder)).items():
            elapsed, peak_mib, code, stderr = run_child(
                [sys.executable, "-m", "ciliumdrift", "values", "-f", str(path), "--chart", "none"]
            )
            print(
                f"{label:30s} exit {code} {elapsed * 1000:6.0f} ms (whole process) "
                f"peak RSS {peak_mib:4.0f} MiB | {stderr[-70:]}"
            )


if __name__ == "__main__":
    main()
