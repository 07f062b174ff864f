"""No import cycles in the package, visible or hidden behind a function-level import.

A function-level import is how Python code hides a cycle (the import runs late, when both
modules are loaded) or defers a heavy dependency for start-up. Cycles are refused either
way; function-level imports of the package's own modules may only shrink (a ratchet: they
exist to keep `--help` and `check` from loading what they do not use).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from tests.conftest import REPO

PACKAGE = REPO / "ciliumdrift"
#: Function-level imports of ciliumdrift's own modules today; lower it when you remove some.
INTERNAL_LAZY_IMPORTS = 241


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


def _graph(*, hidden: bool) -> tuple[dict[str, set[str]], int]:
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    lazy = 0
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for target in _targets(module, path, node):
                    graph[module].update(_edges(module, target))
        for function in ast.walk(tree):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(function):
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    targets = list(_targets(module, path, node))
                    if any(t.startswith("ciliumdrift") for t in targets):
                        lazy += 1
                    if hidden:
                        for target in targets:
                            graph[module].update(_edges(module, target))
    return graph, lazy


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
    graph, _ = _graph(hidden=False)
    assert _cycles(graph) == []


def test_no_cycle_hidden_behind_a_function_level_import() -> None:
    graph, _ = _graph(hidden=True)
    assert _cycles(graph) == []


def test_function_level_imports_of_the_package_only_shrink() -> None:
    _, lazy = _graph(hidden=True)
    assert lazy <= INTERNAL_LAZY_IMPORTS, (
        f"{lazy} function-level imports of ciliumdrift modules (the limit is "
        f"{INTERNAL_LAZY_IMPORTS}): import at the top unless it is for start-up"
    )


def test_the_cycle_finder_finds_cycles() -> None:
    assert _cycles({"a": {"b"}, "b": {"a"}, "c": set()}) == [["a", "b"]]
