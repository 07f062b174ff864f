"""What a wrapper points at: chartRef versions, valuesFrom objects, umbrella charts, k3s charts.

The real-world files (tests/realworld) show these in their natural habitat; the cases here
pin the edges each helper handles: ranges and digests, a missing key, a targetPath, files
not read from disk, a crowded folder.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ciliumdrift.errors import ValuesError
from ciliumdrift.lint import lint, lint_texts
from ciliumdrift.load import gitops, load_values
from ciliumdrift.load.yaml import load_yaml_documents

HR = """\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: cilium}
spec:
  chartRef: {kind: OCIRepository, name: cilium}
  values:
    ipam: {mode: kubernetes}
"""


def write(folder: Path, name: str, text: str) -> str:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return str(path)


def root(text: str) -> gitops.NodeLike:
    (document,) = load_yaml_documents(text, "x.yaml")
    assert document.root is not None
    return document.root


@pytest.mark.parametrize(
    ("spec", "version", "said"),
    [
        ("ref: {tag: v1.18.4}", "1.18.4", "tag v1.18.4"),
        ("ref: {semver: '>=1.18.0'}", None, "semver >=1.18.0"),
        ("ref: {digest: 'sha256:ab'}", None, "digest sha256:ab"),
        ("url: oci://x", None, "no ref (the latest tag)"),
    ],
)
def test_oci_repository_versions(spec: str, version: str | None, said: str) -> None:
    text = (
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata: {name: c}\n"
        f"spec: {{{spec}}}\n"
    )
    found = gitops.source_version(root(text))
    assert found is not None and (found.version, found.text) == (version, said)


def test_helm_chart_versions_and_other_objects() -> None:
    chart = "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmChart\nmetadata: {name: c}\n"
    found = gitops.source_version(root(chart + "spec: {version: 1.17.4}\n"))
    assert found is not None and found.version == "1.17.4"
    found = gitops.source_version(root(chart + "spec: {version: 1.17.x}\n"))
    assert found is not None and found.version is None
    found = gitops.source_version(root(chart + "spec: {}\n"))
    assert found is not None and found.text == "no version (the latest)"
    repository = "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata: {}\n"
    assert gitops.source_version(root(repository)) is None
    assert gitops.source_version(root("apiVersion: v1\nkind: ConfigMap\n")) is None


def test_values_refs_read_every_field() -> None:
    text = HR + (
        "  valuesFrom:\n    - kind: Secret\n      name: s\n      valuesKey: v.yaml\n"
        "      optional: true\n      targetPath: a.b\n    - name: m\n"
    )
    first, second = gitops.values_refs(root(text))
    assert (first.kind, first.key, first.optional, first.target_path) == (
        "Secret",
        "v.yaml",
        True,
        "a.b",
    )
    assert (second.kind, second.key, second.describe()) == (
        "ConfigMap",
        "values.yaml",
        "ConfigMap/m",
    )
    assert gitops.values_refs(root("spec: {valuesFrom: x}\n")) == ()


def test_chart_ref_from_a_file_given_or_the_folder(tmp_path: Path) -> None:
    hr = write(tmp_path, "app/helmrelease.yaml", HR)
    values = load_values([hr])
    assert any(d.code == "values-chart-ref-not-resolved" for d in values.diagnostics)
    write(
        tmp_path,
        "app/oci.yaml",
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n"
        "  name: cilium\nspec:\n  ref:\n    semver: 1.18.x\n",
    )
    write(tmp_path, "app/broken.yaml", "OCIRepository: [\n")  # a broken neighbour is skipped
    values = load_values([hr])
    assert any(d.code == "values-version-range" for d in values.diagnostics)
    report = lint([hr])
    assert "pins semver 1.18.x" in str(report.diagnostics)


def test_a_secret_and_a_configmap_without_values(tmp_path: Path) -> None:
    secret = write(
        tmp_path,
        "secret.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData:\n  values.yaml: |\n"
        "    routingMode: native\n",
    )
    assert load_values([secret], chart="none").raw("routingMode") == "native"
    empty = write(
        tmp_path, "cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {a: b}\n"
    )
    with pytest.raises(ValuesError, match="no Helm values here"):
        load_values([empty])
    # lint: a ConfigMap on its own is linted where its values are
    report = lint([secret], cilium_version="1.18.4")
    assert report.violations == () or all(v.file == secret for v in report.violations)


def test_target_path_and_optional_entries_are_reported(tmp_path: Path) -> None:
    hr = write(
        tmp_path,
        "hr.yaml",
        HR.replace(
            "chartRef: {kind: OCIRepository, name: cilium}",
            "chart: {spec: {chart: cilium, version: 1.18.4}}",
        )
        + "  valuesFrom:\n    - {kind: Secret, name: s, valuesKey: k, targetPath: a.b}\n",
    )
    values = load_values([hr])
    assert any("targetPath" in d.message for d in values.diagnostics)
    report = lint([hr])
    assert [v.code for v in report.violations] == ["CD505"]


def test_generator_file_without_a_key_name(tmp_path: Path) -> None:
    write(tmp_path, "app/helm/values.yaml", "routingMode: native\nbpf:\n  masquerade: true\n")
    write(
        tmp_path,
        "app/kustomization.yaml",
        "configMapGenerator:\n  - name: other\n    files: [x.yaml]\n"
        "  - name: cilium-values\n    files: [./helm/values.yaml]\n",
    )
    hr = write(
        tmp_path,
        "app/hr.yaml",
        HR.replace(
            "chartRef: {kind: OCIRepository, name: cilium}",
            "chart: {spec: {chart: cilium, version: 1.18.4}}",
        )
        + "  valuesFrom:\n    - {kind: ConfigMap, name: cilium-values}\n",
    )
    values = load_values([hr])
    assert values.raw("bpf.masquerade") is True
    assert str(values.origin("bpf.masquerade").position).endswith("helm/values.yaml:3:15")


def test_texts_not_read_from_a_file_have_no_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(
        tmp_path,
        "cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cilium-values}\ndata:\n"
        "  values.yaml: |\n    tunnel: vxlan\n",
    )
    text = HR + "  valuesFrom:\n    - {kind: ConfigMap, name: cilium-values}\n"
    report = lint_texts([("hr.yaml", text)], cilium_version="1.18.4")  # no such file here
    assert [v.code for v in report.violations] == ["CD505"]
    assert gitops.siblings("-", containing="x") == ()


def test_a_crowded_folder_is_not_searched(tmp_path: Path) -> None:
    for index in range(gitops.MAX_SIBLING_FILES + 1):
        write(tmp_path, f"f{index}.yaml", "kind: OCIRepository\n")
    assert gitops.siblings(str(tmp_path / "f0.yaml"), containing="OCIRepository") == ()


def test_umbrella_without_a_chart_yaml_or_with_a_range(tmp_path: Path) -> None:
    values = write(tmp_path, "u/values.yaml", "cilium:\n  routingMode: native\nglobal: {}\n")
    loaded = load_values([values], chart="none")
    assert loaded.raw("routingMode") == "native" and loaded.chart_version is None
    write(tmp_path, "u/Chart.yaml", "dependencies:\n  - {name: cilium, version: ~1.18}\n")
    assert gitops.umbrella_version(values) is None
    write(tmp_path, "u/Chart.yaml", "dependencies: [\n")
    assert gitops.umbrella_version(values) is None
    # not an umbrella: other top-level keys, or cilium is not a map
    plain = write(tmp_path, "p.yaml", "cilium: 1\nrouting: x\n")
    assert load_values([plain], chart="none").raw("cilium") == 1


def test_k3s_helm_chart_with_set_flags(tmp_path: Path) -> None:
    chart = write(
        tmp_path,
        "chart.yaml",
        "apiVersion: helm.cattle.io/v1\nkind: HelmChart\nmetadata: {name: cilium}\n"
        "spec:\n  chart: cilium\n  version: 1.18.4\n  set:\n    kubeProxyReplacement: 'true'\n"
        "    operator.replicas: 1\n  valuesContent: |-\n    routingMode: native\n",
    )
    values = load_values([chart])
    assert values.chart_version == "1.18.4"
    assert values.raw("kubeProxyReplacement") == "true"  # quoted: --set-string
    assert values.raw("operator.replicas") == 1
    assert values.raw("routingMode") == "native"
    report = lint([chart])
    assert report.cilium_version == "1.18.4"


def test_lint_refuses_a_list_where_values_belong(tmp_path: Path) -> None:
    path = write(tmp_path, "l.yaml", "- a\n- b\n")
    with pytest.raises(ValuesError, match="found a list"):
        lint([path])


@pytest.mark.parametrize(
    ("text", "minor"),
    [
        ("1.16.x", "1.16"),
        ("~1.16.0", "1.16"),
        (">=1.16.0 <1.17.0", "1.16"),
        ("v1.18.*", "1.18"),
        ("^1.16.0", None),
        (">=1.15.0 <1.17.0", None),
        ("*", None),
        ("1.16.3", None),
    ],
)
def test_ranges_within_one_minor(text: str, minor: str | None) -> None:
    assert gitops.minor_of_range(text) == minor


@pytest.mark.parametrize(
    ("text", "pinned"),
    [
        ("1.16.3", "1.16.3"),
        (" v1.18.4 ", "1.18.4"),
        ("1.17.0-rc.1", "1.17.0-rc.1"),
        ("1.16.x", "1.16"),
        (">=1.16.0 <1.17.0", "1.16"),
        ("*", None),
        ("^1.16", None),
        ("latest", None),
    ],
)
def test_the_version_a_chart_pin_names(text: str, pinned: str | None) -> None:
    """One reading of a wrapper's pin for check and lint: a version, a minor, or none."""
    assert gitops.chart_pin(text) == pinned


def test_a_range_version_uses_its_minor(tmp_path: Path) -> None:
    hr = write(
        tmp_path,
        "hr.yaml",
        HR.replace(
            "chartRef: {kind: OCIRepository, name: cilium}",
            "chart: {spec: {chart: cilium, version: 1.16.x}}",
        ),
    )
    values = load_values([hr])
    assert values.chart_version == "1.16"
    assert any("using Cilium 1.16's chart data" in d.message for d in values.diagnostics)
    report = lint([hr])
    assert report.cilium_version == "1.16" and "is a range" in str(report.diagnostics)
