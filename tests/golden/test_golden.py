"""Golden CLI outputs: every command in every format, byte for byte.

Regenerate after an intended change with ``UPDATE_GOLDEN=1 pytest tests/golden`` and review
the diff like code.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import invoke
from tests.golden import SEED, assert_golden

DRIFT = "examples/talos-netkit-drift"
VERSION = ("--cilium-version", "1.18.4")
EXPECT_SEED = ("expect", "-f", f"{SEED}/values.yaml", "--talos", f"{SEED}/talos.yaml", *VERSION)
LINT_DRIFT = ("lint", f"{DRIFT}/values.yaml", "--talos", f"{DRIFT}/talos.yaml", *VERSION)

CASES: dict[str, tuple[str, ...]] = {
    "check-seed.txt": ("check", SEED),
    "check-seed.json": ("check", SEED, "--format", "json"),
    "check-drift.txt": ("check", DRIFT),
    "check-drift.json": ("check", DRIFT, "--format", "json"),
    "check-drift.sarif": ("check", DRIFT, "--format", "sarif"),
    "check-drift.github": ("check", DRIFT, "--format", "github"),
    "check-drift.junit.xml": ("check", DRIFT, "--format", "junit"),
    "status-seed.txt": ("status", f"{SEED}/status.txt"),
    "status-seed.json": ("status", f"{SEED}/status.txt", "--format", "json"),
    "values-seed.json": (
        "values",
        "-f",
        f"{SEED}/values.yaml",
        "--chart",
        "none",
        "--format",
        "json",
    ),
    "values-seed.txt": ("values", "-f", f"{SEED}/values.yaml", "--chart", "none"),
    "expect-seed.txt": EXPECT_SEED,
    "expect-seed.json": (*EXPECT_SEED, "--format", "json"),
    "facts.txt": ("facts",),
    "facts-device-mode.txt": ("facts", "device-mode"),
    "lint-drift.txt": LINT_DRIFT,
    "lint-drift.json": (*LINT_DRIFT, "--format", "json"),
    "lint-drift.sarif": (*LINT_DRIFT, "--format", "sarif"),
    "lint-drift.github": (*LINT_DRIFT, "--format", "github"),
    "lint-drift.junit.xml": (*LINT_DRIFT, "--format", "junit"),
    "rules.txt": ("rules",),
    "impact.md": ("impact", "--base", SEED, "--head", DRIFT, "--format", "markdown"),
    "impact.txt": ("impact", "--base", SEED, "--head", DRIFT),
    "impact.json": ("impact", "--base", SEED, "--head", DRIFT, "--format", "json"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden(name: str, repo_cwd: Path) -> None:
    code, out, err = invoke(*CASES[name])
    assert code in (0, 1), out + err
    assert_golden(name, code, out)
