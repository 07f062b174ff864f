"""The rule registry: IDs, documentation, and the documented examples run as tests."""

from __future__ import annotations

import importlib
import re

import pytest

from ciliumdrift.lint.docs import rules_markdown
from ciliumdrift.lint.examples import run_example
from ciliumdrift.lint.rule import Family, Rule
from ciliumdrift.lint.rules import RULES, find_rule
from tests.conftest import REPO

FAMILY_MODULES = ("keys", "datapath", "talos", "deprecated", "hygiene")


def test_at_least_thirty_rules_in_every_family() -> None:
    assert len(RULES) >= 30
    for family in Family:
        assert any(r.family is family for r in RULES), family


def test_codes_and_names_are_unique_and_well_formed() -> None:
    codes = [r.code for r in RULES]
    names = [r.name for r in RULES]
    assert len(set(codes)) == len(codes)
    assert len(set(names)) == len(names)
    for unit in RULES:
        assert re.fullmatch(r"CD[1-5]\d\d", unit.code)
        assert int(unit.code[2]) == unit.family.value
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", unit.name)


def test_every_rule_defined_in_a_family_module_is_registered() -> None:
    registered = {id(r) for r in RULES}
    for name in FAMILY_MODULES:
        module = importlib.import_module(f"ciliumdrift.lint.rules.{name}")
        declared = [v for v in vars(module).values() if isinstance(v, Rule)]
        assert declared, name
        for unit in declared:
            assert id(unit) in registered, f"{unit.code} is not in RULES"


@pytest.mark.parametrize("unit", RULES, ids=lambda r: r.code)
def test_rule_documentation_has_every_section(unit: Rule) -> None:
    assert unit.summary and not unit.summary.endswith(":")
    assert len(unit.rationale) > 40
    assert unit.fix_text
    assert unit.bad, "a Bad example"
    assert unit.good, "a Good example"


CASES = [(u, "bad", i) for u in RULES for i in range(len(u.bad))] + [
    (u, "good", i) for u in RULES for i in range(len(u.good))
]


@pytest.mark.parametrize(
    ("unit", "kind", "index"), CASES, ids=lambda v: v.code if isinstance(v, Rule) else str(v)
)
def test_documented_examples(unit: Rule, kind: str, index: int) -> None:
    example = (unit.bad if kind == "bad" else unit.good)[index]
    found = run_example(unit, example)
    if kind == "bad":
        assert found, f"{unit.code}: the Bad example does not fail the rule"
        for violation in found:
            assert violation.position.line >= 1 and violation.position.column >= 1
    else:
        assert not found, f"{unit.code}: the Good example fails: {[v.message for v in found]}"


def test_docs_rules_md_is_current() -> None:
    committed = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    assert committed == rules_markdown(RULES), (
        "regenerate: python -m ciliumdrift.lint.docs > docs/rules.md"
    )


def test_find_rule_by_code_name_and_case() -> None:
    assert find_rule("cd101") is find_rule("unknown-key") is find_rule("CD101")
    assert find_rule("CD999") is None


def test_selectors_match_codes_names_and_prefixes() -> None:
    unit = find_rule("CD306")
    assert unit is not None
    assert (
        unit.matches("CD306")
        and unit.matches("cd3")
        and unit.matches("host-dns-forward-with-bpf-host-routing")
    )
    assert unit.matches("all")
    assert unit.matches("CD30")
    assert not unit.matches("CD4")
    assert not unit.matches("CD3061")
