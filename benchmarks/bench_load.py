"""Loader figures: corpus load times, and time and peak memory of each hostile input.

Every hostile input runs in a fresh process (``ciliumdrift values -f FILE --chart none``)
so that the peak resident memory (ru_maxrss of the child) is the whole cost of refusing
it. The issue's budget is 1 s and 100 MiB per bad input.
"""

from __future__ import annotations

import resource
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
        "3.9 MiB broken at the end": "".join(f"k{i}: v\n" for i in range(500_000))[:3_900_000]
        + "a: b: c\n",
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
    start = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    done = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, max(peak, before) / 1024, done.returncode, done.stderr.strip()


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
        print(
            f"load_talos, {len(talos)} corpus files: {(time.perf_counter() - start) / len(talos) * 1000:.1f} ms per file"
        )
    with tempfile.TemporaryDirectory() as folder:
        for label, path in hostile_inputs(Path(folder)).items():
            elapsed, peak_mib, code, stderr = run_child(
                [sys.executable, "-m", "ciliumdrift", "values", "-f", str(path), "--chart", "none"]
            )
            print(
                f"{label:32s} exit {code}  {elapsed * 1000:6.0f} ms (process)  peak RSS <= {peak_mib:5.0f} MiB  | {stderr[:90]}"
            )


if __name__ == "__main__":
    main()
