"""No import cycles in the package, visible or hidden behind a function-level import.

A function-level import is how Python code hides a cycle (the import runs late, when both
modules are loaded) or defers a heavy dependency for start-up. Cycles are refused either way.
An import inside a function is only for a heavy optional dependency (:data:`HEAVY`): the
package's own modules are imported at the top, layered so that imports point downward
(load -> agent -> derive -> compare -> report -> api -> cli), and the CLI loads the module of
the command it runs from its declared table (``ciliumdrift.cli.COMMANDS``), not by an import.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO

PACKAGE = REPO / "ciliumdrift"
#: What a function may import (first name of the module): the cluster client and its
#: transports (``live``, ``serve``), the diff and schema libraries, the metrics client, and
#: the YAML parsers (``--help``, ``rules``, ``facts`` and JSON input need none of them).
HEAVY = frozenset(
    {
        "kubernetes",
        "websocket",
        "deepdiff",
        "jsonschema",
        "prometheus_client",
        "ruamel",
        "yaml",
        "asyncio",
        "http",
        "urllib",
        # standard modules that one path needs and every start would pay for (measured with
        # python -X importtime): chart archives (--chart) and the cluster client's loggers
        "tarfile",
        "logging",
    }
)
#: The stages, lowest first: a module imports from its own stage or from lower ones only.
LAYERS: tuple[frozenset[str], ...] = tuple(
    frozenset(layer)
    for layer in (
        # the shared vocabulary: findings and origins, errors, limits, versions, data files
        {
            "ciliumdrift",
            "records",
            "regex",
            "model",
            "errors",
            "limits",
            "textio",
            "versions",
            "datafiles",
        },
        {"inputs"},
        {"load"},
        {"config"},
        {"parse"},
        {"agent"},
        {"derive"},
        {"compare", "impact", "lint"},
        {"report"},
        {"api"},
        {"live"},
        {"serve"},
        {"cli", "__main__"},
    )
)
#: The package's own modules imported inside a function, with the reason: (module, target).
INTERNAL_LAZY = {
    # `check --sysdump` reads an archive with the collection code, which brings the cluster
    # transport (asyncio, ssl) that a `check` of files does not need.
    ("ciliumdrift.cli.check", "ciliumdrift.live"),
    ("ciliumdrift.cli.check", "ciliumdrift.live.sysdump"),
}


def _name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_name(p): p for p in PACKAGE.rglob("*.py")}


def _targets(module: str, path: Path, node: ast.Import | ast.ImportFrom) -> Iterator[str]:
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
        return
    base = node.module or ""
    if node.level:
        package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
        package = package[: len(package) - node.level + 1]
        base = ".".join([*package, base] if base else package)
    for alias in node.names:
        full = f"{base}.{alias.name}"
        yield full if full in MODULES else base


def _edges(module: str, target: str) -> Iterator[str]:
    """Importing a.b.c runs a, a.b and a.b.c (a module's own packages are already running)."""
    parts = target.split(".")
    for end in range(1, len(parts) + 1):
        name = ".".join(parts[:end])
        if name in MODULES and name != module and not module.startswith(name + "."):
            yield name


def _function_level_imports() -> Iterator[tuple[str, str]]:
    """(module, imported module) for every import inside a function of the package."""
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(function):
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    for target in _targets(module, path, node):
                        yield module, target


def _graph(*, hidden: bool) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for target in _targets(module, path, node):
                    graph[module].update(_edges(module, target))
    if hidden:
        for module, target in _function_level_imports():
            graph[module].update(_edges(module, target))
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative enough)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles() -> None:
    assert _cycles(_graph(hidden=False)) == []


def test_no_cycle_hidden_behind_a_function_level_import() -> None:
    assert _cycles(_graph(hidden=True)) == []


def _stage(module: str) -> int:
    name = module.split(".")[1] if "." in module else module
    return next(i for i, layer in enumerate(LAYERS) if name in layer)


def test_imports_point_down_the_stages() -> None:
    upward = sorted(
        f"{module} -> {target}"
        for module, targets in _graph(hidden=True).items()
        for target in targets
        if _stage(target) > _stage(module)
    )
    assert upward == []


def test_every_package_has_a_stage() -> None:
    for module in MODULES:
        _stage(module)


def test_a_function_imports_only_heavy_optional_dependencies() -> None:
    internal = {(m, t) for m, t in _function_level_imports() if t.startswith("ciliumdrift")}
    assert internal == INTERNAL_LAZY, (
        "import the package's own modules at the top of the module (move what both sides "
        f"need to a lower module if that makes a cycle): {sorted(internal - INTERNAL_LAZY)}"
    )
    other = {
        (m, t)
        for m, t in _function_level_imports()
        if not t.startswith("ciliumdrift") and t.split(".")[0] not in HEAVY
    }
    assert other == set(), f"import these at the top of the module: {sorted(other)}"


def test_the_cycle_finder_finds_cycles() -> None:
    assert _cycles({"a": {"b"}, "b": {"a"}, "c": set()}) == [["a", "b"]]


def test_the_import_finder_finds_function_level_imports() -> None:
    found = set(_function_level_imports())
    assert ("ciliumdrift.cli.check", "ciliumdrift.live.sysdump") in found
    assert any(t.startswith("kubernetes") for _, t in found)


def test_the_live_package_loads_the_collection_only_when_asked() -> None:
    # `check --sysdump` imports ciliumdrift.live, its report_from and the sysdump reader:
    # none of the cluster transport (asyncio, ssl, the exec and Prometheus readers).
    code = (
        "import sys, ciliumdrift.live, ciliumdrift.live.sysdump\n"
        "from ciliumdrift.live import report_from\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    loaded = set(done.stdout.split())
    assert "ciliumdrift.live.report" in loaded and "ciliumdrift.live.objects" in loaded
    collection = {
        "ciliumdrift.live.cluster",
        "ciliumdrift.live.collect",
        "ciliumdrift.live.kubeconfig",
        "ciliumdrift.live.prometheus",
        "ciliumdrift.live.transport",
        "asyncio",
        "ssl",
    }
    assert loaded & collection == set()


def test_the_live_package_names_resolve_to_their_modules() -> None:
    import ciliumdrift.live as live
    from ciliumdrift.live import cluster, report

    assert live.check_cluster is cluster.check_cluster
    assert live.live_report is cluster.live_report
    assert live.report_from is report.report_from
    assert all(getattr(live, name) is not None for name in live.__all__)
    with pytest.raises(AttributeError, match="no attribute 'collect_everything'"):
        live.collect_everything  # noqa: B018
