"""Reading values files at the node level: positions, Helm's scalar typing, wrappers."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ciliumdrift.errors import CiliumdriftError, YamlError
from ciliumdrift.lint import lint_texts
from ciliumdrift.load.written import merge_documents, read_documents, value_of


def test_positions_are_one_based_for_keys_and_values() -> None:
    (doc,) = read_documents("v.yaml", 'a:\n  b: "7445"\n')
    entries = {e.dotted: e for e in doc.entries()}
    assert (entries["a.b"].key.position.line, entries["a.b"].key.position.column) == (2, 3)
    assert (entries["a.b"].value.position.line, entries["a.b"].value.position.column) == (2, 6)
    assert entries["a.b"].value.quoted and value_of(entries["a.b"].value) == "7445"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("yes", True),
        ("off", False),
        ("~", None),
        ("0x1F", 31),
        ("0755", 493),
        ("1.5", 1.5),
        ("'yes'", "yes"),
        ("1_000", 1000),
        ("abc", "abc"),
    ],
)
def test_scalars_are_typed_like_helm_yaml_1_1(text: str, value: object) -> None:
    (doc,) = read_documents("v.yaml", f"k: {text}\n")
    assert doc.root is not None and value_of(doc.root) == {"k": value}


def test_merge_keys_and_layers() -> None:
    docs = read_documents("a.yaml", "base: &b\n  x: 1\nover:\n  <<: *b\n  z: 2\n") + read_documents(
        "b.yaml", "base:\n  x: 3\n"
    )
    merged = merge_documents(docs, "1.18.4")
    assert merged.values.values == {"base": {"x": 3}, "over": {"x": 1, "z": 2}}
    assert str(merged.values.sources["base.x"].position) == "b.yaml:2:3"


def test_flux_helmrelease_and_argo_inline_values_are_unwrapped() -> None:
    flux = (
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: cilium}\n"
        "spec:\n  chart:\n    spec: {chart: cilium, version: 1.16.6}\n  values:\n    "
        "routingMode: native\n"
    )
    (doc,) = read_documents("hr.yaml", flux)
    assert (doc.kind, doc.chart_version) == ("helmrelease", "1.16.6")
    assert doc.root is not None and value_of(doc.root) == {"routingMode": "native"}
    argo = (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nspec:\n  source:\n    chart: cilium\n"
        "    targetRevision: 1.18.4\n    helm:\n      values: |\n        "
        "kubeProxyReplacement: true\n        bpf:\n          masquerade: true\n"
    )
    (app,) = read_documents("app.yaml", argo)
    entries = {e.dotted: e for e in app.entries()}
    # positions of values inside the embedded string point into the outer file
    assert str(entries["bpf.masquerade"].key.position) == "app.yaml:11:11"


def test_lint_reports_values_inside_an_argo_string_at_their_outer_line() -> None:
    argo = (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nspec:\n  source:\n    chart: cilium\n"
        "    targetRevision: 1.18.4\n    helm:\n      values: |\n        cgroup:\n          "
        "automount:\n            enabled: false\n"
    )
    report = lint_texts([("app.yaml", argo)])
    assert [(v.code, v.position.line, v.position.column) for v in report.violations] == [
        ("CD101", 10, 11)
    ]
    assert report.cilium_version == "1.18.4"


def test_broken_yaml_is_a_positioned_error() -> None:
    with pytest.raises(YamlError) as caught:
        lint_texts([("bad.yaml", "a: [1, 2\nb: c\n")])
    assert str(caught.value).startswith("bad.yaml:")


def test_conflict_markers_are_a_violation_not_a_crash() -> None:
    text = "a: 1\n<<<<<<< HEAD\nrouting: x\n=======\nrouting: y\n>>>>>>> branch\n"
    report = lint_texts([("c.yaml", text)], cilium_version="1.18.4")
    assert [(v.code, v.position.line) for v in report.violations if v.code == "CD502"] == [
        ("CD502", 2),
        ("CD502", 4),
        ("CD502", 6),
    ]


def test_alias_expansion_is_bounded() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [
        f"a{i}: &a{i} {{{', '.join(f'k{j}: *a{i - 1}' for j in range(10))}}}" for i in range(1, 8)
    ]
    with pytest.raises(YamlError):
        lint_texts([("bomb.yaml", "\n".join(lines) + "\n")], cilium_version="1.18.4")


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=300))
def test_arbitrary_text_raises_only_library_errors(text: str) -> None:
    try:
        report = lint_texts([("fuzz.yaml", text)], cilium_version="1.18.4")
    except CiliumdriftError:
        return
    for violation in report.violations:
        assert violation.position.line >= 1 and violation.position.column >= 1
    assert not [d for d in report.diagnostics if "failed" in d.message]


@settings(max_examples=100, deadline=None)
@given(
    st.recursive(
        st.one_of(
            st.booleans(),
            # Helm passes values through JSON (float64): beyond 2**53 integers lose digits
            st.integers(min_value=-(2**53), max_value=2**53),
            st.text(alphabet=st.characters(categories=("L", "N", "P", "Zs")), max_size=8),
            st.none(),
        ),
        lambda inner: st.dictionaries(
            st.text(alphabet="abcdefgXYZ.", min_size=1, max_size=6), inner, max_size=4
        ),
        max_leaves=12,
    )
)
def test_generated_values_round_trip_through_the_node_reader(value: object) -> None:
    import json

    text = json.dumps({"root": value}, ensure_ascii=False)  # JSON is YAML
    (doc,) = read_documents("gen.yaml", text)
    assert doc.root is not None and value_of(doc.root) == {"root": value}


def test_merge_keys_are_expanded_not_reported() -> None:
    text = (
        "x-common: &common\n  rollOutPod: true\n  replicas: 2\n"
        "operator:\n  <<: *common\n  replicas: 1\n"
        "hubble:\n  relay:\n    <<: [*common]\n    enabled: true\n"
    )
    report = lint_texts([("m.yaml", text)], cilium_version="1.18.4")
    found = {(v.code, v.key, v.position.line) for v in report.violations}
    # the typo in the anchor is reported wherever it is merged, at the anchor's own line;
    # `<<` itself is not a key, and the own `replicas: 1` wins over the merged one
    assert found == {
        ("CD101", "x-common", 1),
        ("CD101", "operator.rollOutPod", 2),
        ("CD101", "hubble.relay.rollOutPod", 2),
    }
    (doc,) = read_documents("m.yaml", text)
    entries = {e.dotted: e for e in doc.entries()}
    assert entries["operator.replicas"].value.text == "1"
    assert "operator.<<" not in entries


def test_a_duplicate_key_inside_an_argo_values_string_is_a_finding_not_an_error() -> None:
    # the embedded text is read by the same lenient reader as the file around it
    argo = (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nspec:\n  source:\n    chart: cilium\n"
        "    targetRevision: 1.18.4\n    helm:\n      values: |\n        bpf:\n          "
        "masquerade: true\n        bpf:\n          datapathMode: netkit\n"
    )
    report = lint_texts([("app.yaml", argo)])
    found = [(v.code, v.position.line, v.position.column) for v in report.violations]
    assert ("CD107", 11, 9) in found


def test_lint_reads_no_yaml_itself() -> None:
    """One reader: lint takes nodes and layers from ciliumdrift.load, never a parser."""
    import ast

    from tests.conftest import REPO

    for path in sorted((REPO / "ciliumdrift" / "lint").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""] + [f"{node.module}.{a.name}" for a in node.names]
            for name in names:
                assert not name.startswith(("ruamel", "yaml")), (path, name)
                assert not name.endswith(("load_yaml_documents", "load_plain")), (path, name)


#: Modules outside load/ that may import a YAML library, and why: neither reads input.
_WRITES_OR_COMPILES_DATA = {
    "datafiles.py",  # compile_sources(): the data compiler's reading of the package's own files
    "serve/declared.py",  # yaml.safe_dump: writes the release's values, reads nothing
}


def test_only_load_reads_yaml() -> None:
    """One reader for the whole package: every YAML text a user gives goes through load/."""
    import ast

    from tests.conftest import REPO

    package = REPO / "ciliumdrift"
    found: list[str] = []
    for path in sorted(package.rglob("*.py")):
        where = path.relative_to(package).as_posix()
        if where.startswith("load/") or where in _WRITES_OR_COMPILES_DATA:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            found += [f"{where}: {n}" for n in names if n.split(".")[0] in ("yaml", "ruamel")]
    assert found == []
