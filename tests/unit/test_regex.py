"""``lazy_pattern`` behaves as the compiled pattern, compiles on first use, and is used for
every module-level pattern of the package (compiling them all at import cost start-up)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ciliumdrift.regex import lazy_pattern

PACKAGE = Path(__file__).resolve().parents[2] / "ciliumdrift"
SOURCES = [r"(\d+)/(\d+) healthy", r"^\s*--(?P<name>[\w.-]+)='(?P<value>.*)'\s*$", r"[a-c]+"]


def test_nothing_is_compiled_before_first_use() -> None:
    pattern = lazy_pattern(r"(unbalanced")  # invalid: only noticed when used
    assert "_compiled" not in vars(pattern)
    with pytest.raises(re.error):
        pattern.match("x")


@pytest.mark.parametrize("source", SOURCES)
@given(text=st.text(alphabet="abc0123456789/ -='healthy", max_size=40))
def test_answers_what_the_compiled_pattern_answers(source: str, text: str) -> None:
    lazy, compiled = lazy_pattern(source, re.I), re.compile(source, re.I)
    for name in ("match", "search", "fullmatch"):
        ours, theirs = getattr(lazy, name)(text), getattr(compiled, name)(text)
        assert (ours and ours.groups()) == (theirs and theirs.groups())
    assert lazy.findall(text) == compiled.findall(text)
    assert lazy.sub("#", text) == compiled.sub("#", text)
    assert [m.span() for m in lazy.finditer(text)] == [m.span() for m in compiled.finditer(text)]
    assert (lazy.pattern, lazy.flags, lazy.groups) == (source, compiled.flags, compiled.groups)


def test_no_module_level_pattern_is_compiled_at_import() -> None:
    eager: list[str] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "regex.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        functions = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
        inside = {
            id(node) for fn in ast.walk(tree) if isinstance(fn, functions) for node in ast.walk(fn)
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and id(node) not in inside
                and ast.unparse(node.func) == "re.compile"
            ):
                eager.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}")
    assert eager == [], "use ciliumdrift.regex.lazy_pattern for these: " + ", ".join(eager)
