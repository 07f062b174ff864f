"""Quality gates: `nox` runs lint, typecheck and tests; `nox -s bench` prints benchmarks."""

from __future__ import annotations

import nox

nox.options.sessions = ["lint", "typecheck", "tests"]
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = False

PYTHON = None  # the interpreter nox runs under: CI and developers have one Python 3.10+


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check."""
    session.install("ruff>=0.6")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the package."""
    session.install("mypy>=1.10", "types-PyYAML", "-e", ".[test]")
    session.run("mypy", "--strict", "ciliumdrift")


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """pytest with coverage (fail-under in pyproject.toml)."""
    session.install("-e", ".[test]")
    session.run(
        "pytest",
        "--cov=ciliumdrift",
        "--cov-report=term",
        "-n",
        "auto",
        *session.posargs,
    )


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Benchmarks that print their figures (start-up, lint, parse, load, live collection)."""
    # Installed as users install it (not editable: `pip install .` writes the .pyc files),
    # so that bench_cli.py times the console script users run.
    session.install(".[test]", "check-jsonschema")
    session.install("--force-reinstall", "--no-deps", ".")  # this tree, even in a reused venv
    scripts = ("bench_cli.py", "bench_lint.py", "bench_parse.py", "bench_load.py", "bench_live.py")
    for script in scripts:
        session.run("python", f"benchmarks/{script}")
    # 200 runs at 5,000 nodes: through Prometheus a run takes seconds, by exec ten or more
    session.run("python", "benchmarks/bench_serve.py", "--source", "prometheus")


@nox.session(python=PYTHON)
def accuracy(session: nox.Session) -> None:
    """Cause accuracy over the real cases in tests/cases (a measurement: never fails on numbers)."""
    session.install("-e", ".")
    session.run("python", "tools/accuracy.py", *session.posargs)
    # The verdicts on the corpus captures and the drift reports (clean pass, cause in top two).
    session.run("python", "benchmarks/accuracy.py")
