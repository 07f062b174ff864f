"""Inline suppression, rule selection and project settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from ciliumdrift.config import Settings, find_settings, load_settings
from ciliumdrift.errors import InputError
from ciliumdrift.lint import lint_texts, select_rules
from ciliumdrift.lint.rules import RULES
from ciliumdrift.lint.suppress import parse_suppressions

TYPO = "cgroup:\n  automount:\n    enabled: false\n"


def _codes(text: str, **kwargs: object) -> list[str]:
    report = lint_texts([("values.yaml", text)], cilium_version="1.18.4", **kwargs)  # type: ignore[arg-type]
    return [v.code for v in report.violations]


def test_unsuppressed_typo_is_reported() -> None:
    assert _codes(TYPO) == ["CD101"]


@pytest.mark.parametrize(
    "text",
    [
        "cgroup:\n  automount:  # ciliumdrift: ignore[CD101]\n    enabled: false\n",
        "cgroup:\n  # ciliumdrift: ignore[unknown-key] the chart fork reads it\n  "
        "automount:\n    enabled: false\n",
        "cgroup:\n  automount:  # ciliumdrift: ignore[CD102, CD1]\n    enabled: false\n",
        "# ciliumdrift: ignore-file[CD101]\n" + TYPO,
    ],
)
def test_suppression_on_the_line_the_line_above_or_the_file(text: str) -> None:
    report = lint_texts([("values.yaml", text)], cilium_version="1.18.4")
    assert [v.code for v in report.violations] == []
    assert report.suppressed == 1


def test_suppression_two_lines_above_does_not_count() -> None:
    text = "# ciliumdrift: ignore[CD101]\ncgroup:\n  automount:\n    enabled: false\n"
    assert _codes(text) == ["CD101"]


def test_suppression_of_another_rule_does_not_count() -> None:
    text = "cgroup:\n  automount:  # ciliumdrift: ignore[CD102]\n    enabled: false\n"
    assert _codes(text) == ["CD101"]


def test_parse_suppressions() -> None:
    found = parse_suppressions(
        "a: 1 # ciliumdrift: ignore[CD101,  x-y]\n# ciliumdrift: ignore-file[CD5]\n"
    )
    assert found.by_line == {1: frozenset({"CD101", "x-y"})}
    assert found.whole_file == frozenset({"CD5"})


def test_select_and_ignore() -> None:
    assert {r.code[:3] for r in select_rules(RULES, ["CD4"], [])} == {"CD4"}
    chosen = select_rules(RULES, [], ["CD101", "misplaced-key"])
    assert "CD101" not in {r.code for r in chosen} and "CD102" not in {r.code for r in chosen}
    with pytest.raises(InputError):
        select_rules(RULES, ["CD999"], [])
    assert _codes(TYPO, settings=Settings(ignore=("CD1",))) == []


def test_settings_from_pyproject_and_yaml(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.ciliumdrift]\nselect = ["CD1"]\nignore = "CD109"\ncilium-version = '
        '"1.17.18"\ntalos = ["t.yaml"]\n'
    )
    found = find_settings(tmp_path / "sub" if (tmp_path / "sub").mkdir() is None else tmp_path)
    assert found == Settings(
        select=("CD1",),
        ignore=("CD109",),
        cilium_version="1.17.18",
        talos=("t.yaml",),
        source=str(tmp_path / "pyproject.toml"),
    )
    merged = found.merged(select=("CD2",), ignore=("CD101",), cilium_version=None)
    assert (
        merged.select == ("CD2",)
        and merged.ignore == ("CD109", "CD101")
        and merged.cilium_version == "1.17.18"
    )
    other = tmp_path / "other"
    other.mkdir()
    (other / ".ciliumdrift.yaml").write_text("ignore: [CD503]\nvalues: [a.yaml, b.yaml]\n")
    assert find_settings(other).values == ("a.yaml", "b.yaml")


def test_pyproject_without_table_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert load_settings(tmp_path / "pyproject.toml") is None


@pytest.mark.parametrize(
    "text",
    [
        '[tool.ciliumdrift]\nselct = ["CD1"]\n',
        "[tool.ciliumdrift]\nselect = 3\n",
        "[tool.ciliumdrift\n",
    ],
)
def test_bad_settings_are_input_errors(tmp_path: Path, text: str) -> None:
    (tmp_path / "pyproject.toml").write_text(text)
    with pytest.raises(InputError) as caught:
        load_settings(tmp_path / "pyproject.toml")
    assert "pyproject.toml:" in str(caught.value)


def test_a_suppression_is_a_comment_the_yaml_reader_found() -> None:
    # `# ciliumdrift: ignore` inside a quoted string or a block scalar is text, not a comment
    text = (
        'cluster:\n  name: "a # ciliumdrift: ignore[CD101]"\n'
        "tunel: vxlan\n"
        "extraConfig:\n  note: |\n    # ciliumdrift: ignore[CD101]\n"
        "bpff: {}\n"
        "hubbel: {}  # ciliumdrift: ignore[CD101]\n"
    )
    report = lint_texts([("v.yaml", text)], cilium_version="1.18.4")
    unknown = sorted(v.key for v in report.violations if v.code == "CD101")
    assert unknown == ["bpff", "tunel"]
    assert report.suppressed == 1


def test_a_suppression_inside_an_argo_values_string_applies_at_its_line() -> None:
    argo = (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nspec:\n  source:\n"
        "    chart: cilium\n    targetRevision: 1.18.4\n    helm:\n      values: |\n"
        "        # ciliumdrift: ignore[CD101]\n        tunel: vxlan\n        bpff: {}\n"
    )
    report = lint_texts([("app.yaml", argo)])
    assert [(v.key, v.position.line) for v in report.violations if v.code == "CD101"] == [
        ("bpff", 11)
    ]
