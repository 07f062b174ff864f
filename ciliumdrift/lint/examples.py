"""Run a rule's documented examples: every Bad example must fail it, every Good one pass.

The examples in a rule's docstring are the rule's test cases (sqlfluff and ruff do the same
with their fixtures), so the documentation cannot drift from the behaviour. In an example,
``\\r`` at the end of a line stands for a carriage return.
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path

from ciliumdrift.config import Settings
from ciliumdrift.lint import lint_texts
from ciliumdrift.lint.rule import Example, Rule, Violation
from ciliumdrift.load import load_talos
from ciliumdrift.model import Layer, Located, Origin


def run_example(unit: Rule, example: Example) -> tuple[Violation, ...]:
    """The violations of ``unit`` (and only of it) for one documented example."""

    text = example.values.replace("\\r\n", "\r\n")
    talos = None
    if example.talos is not None:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "talos.yaml"
            path.write_text(example.talos, encoding="utf-8")
            talos = load_talos((str(path),))
        if example.kernel is not None:
            kernel = Located(example.kernel, Origin(Layer.KERNEL, detail="example kernel"))
            talos = replace(talos, kernel=kernel)
    report = lint_texts(
        [(f"<example {unit.code}>", text)],
        talos=talos,
        cilium_version=example.cilium_version,
        settings=Settings(select=(unit.code,)),
    )
    return tuple(v for v in report.violations if v.code == unit.code)
