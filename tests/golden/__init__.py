"""Golden outputs: the expected files, and one way a run's output is held against them."""

from __future__ import annotations

import os
from pathlib import Path

EXPECTED = Path(__file__).parent / "expected"
SEED = "examples/talos-netkit-native"


def assert_golden(name: str, code: int, out: str) -> None:
    """``exit: <code>`` and the output, byte for byte as ``expected/<name>``
    (``UPDATE_GOLDEN=1`` writes it instead; review the diff like code)."""
    actual = f"exit: {code}\n{out}"
    target = EXPECTED / name
    if os.environ.get("UPDATE_GOLDEN"):
        target.write_text(actual, encoding="utf-8")
    assert target.exists(), f"no golden file {target.name}: run UPDATE_GOLDEN=1 pytest tests/golden"
    assert actual == target.read_text(encoding="utf-8")
