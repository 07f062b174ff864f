"""Cold `ciliumdrift lint` on a large values file and on the corpora, wall and CPU time.

lint reads every file once (one YAML parse per file per run serves both the layers as
written and the model of the agent; docs/architecture.md): these figures show what a run
costs from a new process. The cases:

* a large values file: a full copy of the Cilium 1.18.4 chart's values.yaml (160 KiB, the
  largest values file users keep; above the reader's 64 KiB fast-scan threshold);
* the values corpus: every file of ``tests/corpus/values`` in one run (each linted on its own);
* the real-world repositories: every values file and wrapper of ``tests/realworld/values``
  (Flux HelmReleases with ``valuesFrom``, Argo CD Applications, kustomizations) in one run.

What users run is measured: the ``ciliumdrift`` console script of this environment (``nox
-s bench`` installs the package with ``pip install .``). ``--tree DIR`` (repeatable) runs
``python -m ciliumdrift`` from a source tree instead, with the inputs of that tree, so that
two checkouts can be compared on the same machine load: the trees take turns, every case is
run once first unmeasured (disk cache, .pyc files), and the median of N runs is printed.
Wall time is noisy on a shared machine; the CPU time (user + system of the child) less so.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RUNS = int(os.environ.get("BENCH_RUNS", "9"))
# A user's shell does not set it; with it, modules without a .pyc are compiled on every run.
ENV = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPATH")}


def cases(tree: Path) -> dict[str, list[str]]:
    """Each case's lint arguments, with paths relative to ``tree`` (the run's folder)."""
    large = "tests/corpus/chart/1.18.4/values.yaml"
    corpus = sorted(str(p.relative_to(tree)) for p in (tree / "tests/corpus/values").glob("*.yaml"))
    realworld = sorted(
        str(p.relative_to(tree))
        for p in (tree / "tests/realworld/values").rglob("*")
        if p.suffix in (".yaml", ".yml") and p.is_file()
    )
    return {
        "large values file (160 KiB)": ["lint", large, "--cilium-version", "1.18.4"],
        f"values corpus ({len(corpus)} files)": ["lint", *corpus],
        f"real-world wrappers ({len(realworld)} files)": ["lint", *realworld],
    }


def measure(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child) of one run in a new process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):  # findings are expected; bad input is not
        sys.exit(f"{' '.join(argv[:4])}...: exit {done.returncode}: {done.stderr.decode()[:300]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def runners(trees: list[Path]) -> list[tuple[str, list[str], Path, dict[str, str]]]:
    """(label, command prefix, folder, environment) for each checkout measured."""
    if not trees:
        script = Path(sys.executable).parent / "ciliumdrift"
        found = str(script) if script.exists() else shutil.which("ciliumdrift")
        if found is None:
            sys.exit("the ciliumdrift console script is not installed: `pip install .` first")
        return [("installed", [found], REPO, ENV)]
    out = []
    for tree in trees:
        env = {**ENV, "PYTHONPATH": str(tree)}
        out.append((str(tree), [sys.executable, "-m", "ciliumdrift"], tree, env))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", action="append", type=Path, default=[], help="source tree")
    options = parser.parse_args()
    chosen = runners([t.resolve() for t in options.tree])
    for _, prefix, cwd, env in chosen:
        for argv in cases(cwd).values():
            measure([*prefix, *argv], cwd, env)  # warm: disk cache and .pyc files
    names = list(cases(chosen[0][2]))
    for name in names:
        times: dict[str, list[tuple[float, float]]] = {label: [] for label, *_ in chosen}
        for _ in range(RUNS):
            for label, prefix, cwd, env in chosen:
                times[label].append(measure([*prefix, *cases(cwd)[name]], cwd, env))
        print(f"lint, {name}, cold, median of {RUNS}:")
        for label, found in times.items():
            wall = statistics.median(w for w, _ in found)
            cpu = statistics.median(c for _, c in found)
            print(f"  {label}: wall {wall * 1000:.0f} ms, CPU {cpu * 1000:.0f} ms")


if __name__ == "__main__":
    main()
