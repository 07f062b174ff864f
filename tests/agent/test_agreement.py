"""lint and check agree: the status-free conflicts of ``check`` and the agent-behaviour
violations of ``lint`` are the same set of (file, line, cause kind), on every values and
Talos file of the repository: the corpus (tests/corpus, tests/realworld), the reported cases
(tests/cases), the examples (examples/, the golden tests' inputs), the facts' case files
(ciliumdrift/agent/facts/cases) and every rule's documented examples, each at a few Cilium
versions. tests/agent/test_agreement_property.py does the same on generated values.

Both come from one model of the agent (:mod:`ciliumdrift.lint.model`); this test proves it
from the outside, through the public ``lint`` and ``check`` of the library.
"""

from __future__ import annotations

import json
import tempfile
from functools import cache
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from ciliumdrift import api
from ciliumdrift.cli import app
from ciliumdrift.config import Settings
from ciliumdrift.errors import InputError
from ciliumdrift.lint import lint
from ciliumdrift.lint.rules import BY_CODE
from ciliumdrift.model import FindingKind, Layer
from tests.conftest import CORPUS, REPO
from tests.lint.test_talos_corpus import PAIRS
from tests.realworld.test_realworld import CASES, HERE

SEED_VALUES = REPO / "examples" / "talos-netkit-native" / "values.yaml"
VERSIONS = ("1.16.19", "1.18.4", "1.20.0")

Run = tuple[tuple[str, ...], tuple[str, ...], str | None]  # values, Talos files, version


def _runs() -> list[tuple[str, Run]]:
    runs: list[tuple[str, Run]] = []
    for path in sorted((CORPUS / "values").glob("*.yaml")):
        for version in (*VERSIONS, None):  # None: no version given (the newest chart stands in)
            runs.append((f"{path.name}@{version}", ((str(path),), (), version)))
    for path in sorted((CORPUS / "talos").glob("*.yaml")):
        runs.append((f"seed+{path.name}", ((str(SEED_VALUES),), (str(path),), "1.18.4")))
    for values, talos, version, _, _ in PAIRS:
        files = (str(CORPUS / "values" / values),)
        found = tuple(str(CORPUS / "talos" / t) for t in talos)
        runs.append((f"{values}+{'+'.join(talos)}", (files, found, version or "1.18.4")))
    for case in CASES:
        files = tuple(str(HERE / v) for v in case.values)
        found = tuple(str(HERE / t) for t in case.talos)
        runs.append((f"realworld:{case.id}", (files, found, case.version or "1.18.4")))
    runs.extend(_case_runs())
    runs.extend(_example_runs())
    runs.extend(_fact_case_runs())
    runs.extend(_rule_example_runs())
    return runs


def _versions(pinned: object) -> tuple[str | None, ...]:
    """The case's own version first (when it names one), the usual three, and none given."""
    return tuple(dict.fromkeys((*((str(pinned),) if pinned else ()), *VERSIONS, None)))


def _case_runs() -> list[tuple[str, Run]]:
    """tests/cases/*: each reported case's values (and Talos config) at its version and more."""
    runs: list[tuple[str, Run]] = []
    for folder in sorted((REPO / "tests" / "cases").iterdir()):
        values = folder / "values.yaml"
        if not values.is_file():
            continue
        case = yaml.safe_load((folder / "case.yaml").read_text(encoding="utf-8"))
        talos = (str(folder / "talos.yaml"),) if (folder / "talos.yaml").is_file() else ()
        for version in _versions(case.get("cilium_version")):
            runs.append((f"case:{folder.name}@{version}", ((str(values),), talos, version)))
    return runs


def _example_runs() -> list[tuple[str, Run]]:
    """examples/*: the README's examples, also the golden tests' inputs."""
    runs: list[tuple[str, Run]] = []
    for folder in sorted((REPO / "examples").iterdir()):
        values = folder / "values.yaml"
        if not values.is_file():
            continue
        talos = (str(folder / "talos.yaml"),) if (folder / "talos.yaml").is_file() else ()
        for version in (*VERSIONS, None):
            runs.append((f"example:{folder.name}@{version}", ((str(values),), talos, version)))
    return runs


# The facts' case files and the rules' examples hold their YAML inline: written out once.
_INLINE = Path(tempfile.mkdtemp(prefix="ciliumdrift-agreement-inline-"))


def _inline(name: str, text: str) -> str:
    path = _INLINE / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _fact_case_runs() -> list[tuple[str, Run]]:
    """ciliumdrift/agent/facts/cases/*.yaml (a case that fixes the kernel is left out: lint
    takes a kernel only from a Talos config)."""
    runs: list[tuple[str, Run]] = []
    folder = REPO / "ciliumdrift" / "agent" / "facts" / "cases"
    for path in sorted(folder.glob("*.yaml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        for index, case in enumerate(document["cases"]):
            if case.get("kernel"):
                continue
            stem = f"{path.stem}-{index}"
            values = _inline(f"{stem}-values.yaml", case["values"])
            talos = (_inline(f"{stem}-talos.yaml", case["talos"]),) if case.get("talos") else ()
            for version in _versions(case["version"]):
                runs.append((f"fact:{stem}@{version}", ((values,), talos, version)))
    return runs


def _rule_example_runs() -> list[tuple[str, Run]]:
    """Every rule's documented Bad and Good examples, at their version or the usual three (an
    example whose Talos release the kernel table lacks names its kernel: left out)."""
    runs: list[tuple[str, Run]] = []
    examples = [
        (unit.code, kind, index, example)
        for unit in BY_CODE.values()
        for kind, found in (("bad", unit.bad), ("good", unit.good))
        for index, example in enumerate(found)
    ]
    for code, kind, index, example in examples:
        if example.kernel is not None:
            continue
        stem = f"{code}-{kind}-{index}"
        values = _inline(f"{stem}-values.yaml", example.values.replace("\\r\n", "\r\n"))
        talos = (_inline(f"{stem}-talos.yaml", example.talos),) if example.talos else ()
        for version in (example.cilium_version,) if example.cilium_version else VERSIONS:
            runs.append((f"rule:{stem}@{version}", ((values,), talos, version)))
    return runs


RUNS = _runs()

Mark = tuple[str, int, str | None]  # (file, line, cause kind)


@cache  # the files of a run do not change: the coverage test reuses what a run found
def _check_marks(run: Run) -> frozenset[Mark] | None:
    values, talos, version = run
    try:
        report = api.check(values_files=values, talos_files=talos, cilium_version=version)
    except InputError:
        return None  # check refuses the input (a strict read): nothing to compare
    marks: set[Mark] = set()
    for finding in report.findings:
        if finding.kind is not FindingKind.CROSS_CHECK:
            continue
        source = finding.source
        written = source is not None and source.layer not in (
            Layer.CHART_DEFAULT,
            Layer.AGENT_DEFAULT,
        )
        position = source.position if source is not None and written else None
        where = (position.file, position.line) if position is not None else (values[0], 1)
        marks.add((*where, finding.causes[0].kind.value if finding.causes else None))
    return frozenset(marks)


#: Talos rules about the agent pod's own spec (a cgroup mount, a capability), not about the
#: agent's configuration: no status line shows them, so the model has no conflict for them.
POD_SPEC_RULES = frozenset({"CD312", "CD313"})


def _agent_behaviour(code: str) -> bool:
    """Datapath and Talos rules restate the agent; keys and removed-key rules do where the
    model reads the key (their violations then carry the model's fact)."""
    return code[2] in "23" and code not in POD_SPEC_RULES


def test_every_agent_behaviour_rule_is_a_view_of_the_model() -> None:
    for code, unit in BY_CODE.items():
        if _agent_behaviour(code):
            assert unit.view, f"{code} restates the agent but is not a view of the model"


@cache
def _lint_marks(run: Run) -> frozenset[Mark]:
    values, talos, version = run
    report = lint(list(values), talos_files=list(talos), cilium_version=version, layered=True)
    return frozenset(
        (v.position.file, v.position.line, v.cause)
        for v in report.violations
        if _agent_behaviour(v.code) or (BY_CODE[v.code].view and v.fact is not None)
    )


def assert_agreement(run: Run) -> None:
    """lint reports the conflicts check reports, on the same lines with the same causes."""
    from_check = _check_marks(run)
    if from_check is None:
        # check reads strictly and refuses the file (a duplicate key, say): lint, reading
        # leniently, must report that very line (CD107 for a duplicate key), or refuse the
        # input at that line too (a wrapper pinning a version with no chart data)
        with pytest.raises(InputError) as refused:
            api.check(values_files=run[0], talos_files=run[1], cilium_version=run[2])
        assert refused.value.position is not None
        where = (refused.value.position.file, refused.value.position.line)
        try:
            report = lint(list(run[0]), talos_files=list(run[1]), cilium_version=run[2])
        except InputError as error:
            assert error.position is not None
            assert (error.position.file, error.position.line) == where
            return
        assert where in {(v.position.file, v.position.line) for v in report.violations}
        return
    assert _lint_marks(run) == from_check


@pytest.mark.parametrize("run", [r for _, r in RUNS], ids=[name for name, _ in RUNS])
def test_lint_and_check_report_the_same_conflicts(run: Run) -> None:
    assert_agreement(run)


def test_the_agreement_covers_the_corpus_and_finds_conflicts() -> None:
    """The runs are many, check reads nearly all of them, and they are not all silent."""
    assert len(RUNS) >= 500
    compared = [run for _, run in RUNS if _check_marks(run) is not None]
    assert len(compared) >= len(RUNS) - 12, "check refuses too much of the corpus"
    assert sum(1 for run in compared if _lint_marks(run)) >= 10


def test_the_issue_example_gives_the_same_conflicts_in_the_same_words(tmp_path: Path) -> None:
    """Two misspelled bpf.* keys, native routing without a CIDR and KPR without an API
    server address: the same five conflicts, words and lines from lint and from check."""
    values = tmp_path / "values.yaml"
    values.write_text(
        "kubeProxyReplacement: true\n"
        "routingMode: native\n"
        "bpf:\n"
        "  masqurade: true\n"
        "  hostLegacyRoutng: false\n"
    )
    report = api.check(values_files=[str(values)], cilium_version="1.18.4")
    checked = {
        (f.source.position.line if f.source and f.source.position else 1, f.message)
        for f in report.findings
        if f.kind is FindingKind.CROSS_CHECK
    }
    linted = lint([values], cilium_version="1.18.4")
    views = {(v.position.line, v.message) for v in linted.violations if v.fact is not None}
    assert views == checked
    codes = sorted(v.code for v in linted.violations)
    assert codes == ["CD101", "CD101", "CD201", "CD205", "CD215"]


# -- disagreements found on generated values, each fixed in the shared model -----------------


def _marks_of(
    tmp_path: Path, text: str, version: str | None
) -> tuple[frozenset[Mark], frozenset[Mark]]:
    values = tmp_path / "values.yaml"
    values.write_text(text, encoding="utf-8")
    run: Run = ((str(values),), (), version)
    from_check = _check_marks(run)
    assert from_check is not None
    return from_check, _lint_marks(run)


def test_a_talos_family_view_reports_its_conflict_without_a_talos_config(tmp_path: Path) -> None:
    """IPsec disables the bandwidth manager whatever the kernel: check said so with no Talos
    config, lint did not (the view was a Talos rule, skipped without --talos). It is its own
    view now (CD222), and a view runs whenever the model finds its conflict."""
    text = "bandwidthManager:\n  enabled: true\nencryption:\n  enabled: true\n  type: ipsec\n"
    from_check, from_lint = _marks_of(tmp_path, text, "1.17.18")
    assert from_check == from_lint == {(str(tmp_path / "values.yaml"), 2, "conflicting-setting")}
    report = lint([tmp_path / "values.yaml"], cilium_version="1.17.18")
    assert [v.code for v in report.violations if v.fact] == ["CD222"]


def test_conflicts_about_one_value_with_opposite_fixes_are_one_in_lint_too(
    tmp_path: Path,
) -> None:
    """kubeProxyReplacement: disabled on 1.19: removed (fix: false) and demoting host routing
    (fix: true). check tells them as one finding led by the removed value; lint told two,
    with opposite fixes. Both now merge them by one rule (derive.coherent)."""
    text = "kubeProxyReplacement: disabled\nbpf:\n  hostLegacyRouting: false\n"
    from_check, from_lint = _marks_of(tmp_path, text, "1.19.6")
    assert from_check == from_lint
    assert (str(tmp_path / "values.yaml"), 1, "deprecated-value") in from_lint
    report = lint([tmp_path / "values.yaml"], cilium_version="1.19.6")
    on_line = [v for v in report.violations if v.fact and v.position.line == 1]
    assert [v.code for v in on_line] == ["CD402"]
    checked = api.check(values_files=[str(tmp_path / "values.yaml")], cilium_version="1.19.6")
    (finding,) = [
        f
        for f in checked.findings
        if f.source and f.source.position and f.source.position.line == 1
    ]
    assert on_line[0].message == finding.message
    assert "; " in finding.message  # both conflicts told, in check's words


_FLUX = """\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {{name: cilium}}
spec:
  chart:
    spec:
      chart: cilium
      version: "{pin}"
  values:
    routingMode: native
    kubeProxyReplacement: true
"""


def test_a_wrapper_range_across_minors_leaves_the_version_unknown_for_both(
    tmp_path: Path,
) -> None:
    """A Flux pin of `*` names no version: check went on with the version unknown (the newest
    chart stands in), lint found no chart for `*` and skipped the model. One reading now
    (load.gitops.chart_pin)."""
    from_check, from_lint = _marks_of(tmp_path, _FLUX.format(pin="*"), None)
    assert from_check == from_lint
    assert {line for _, line, _ in from_lint} == {10, 11}
    report = lint([tmp_path / "values.yaml"])
    assert any(d.code == "version-unknown" for d in report.diagnostics)


def test_a_wrapper_pin_without_chart_data_is_refused_by_both_at_the_pin(tmp_path: Path) -> None:
    """A Flux pin of 1.9.5 (older than the bundled charts): check refused it at the pin, lint
    noted "key checks skipped" and passed. Both refuse it there now."""
    values = tmp_path / "values.yaml"
    values.write_text(_FLUX.format(pin="1.9.5"), encoding="utf-8")
    with pytest.raises(InputError) as by_check:
        api.check(values_files=[str(values)])
    with pytest.raises(InputError) as by_lint:
        lint([values])
    assert by_check.value.position == by_lint.value.position
    assert by_lint.value.position is not None and by_lint.value.position.line == 8
    assert "1.9.5" in by_lint.value.message


def test_a_conflict_no_line_states_is_on_the_first_file_named(tmp_path: Path) -> None:
    """Talos' default CNI (flannel, no line in any file) next to Cilium: check reports it with
    no position (line 1 of the first file named), lint put it on the first document it read,
    the values file the kustomization points at. Both name the kustomization now."""
    (tmp_path / "values.yaml").write_text("routingMode: tunnel\n", encoding="utf-8")
    kustomization = tmp_path / "kustomization.yaml"
    kustomization.write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\n"
        "kind: Kustomization\n"
        "helmCharts:\n"
        "  - name: cilium\n"
        "    repo: https://helm.cilium.io\n"
        "    version: 1.18.4\n"
        "    valuesFile: values.yaml\n",
        encoding="utf-8",
    )
    talos = tmp_path / "talos.yaml"
    talos.write_text("version: v1alpha1\nmachine:\n  type: controlplane\n", encoding="utf-8")
    run: Run = ((str(kustomization),), (str(talos),), "1.18.4")
    from_check = _check_marks(run)
    assert from_check == _lint_marks(run)
    assert (str(kustomization), 1, "talos-conflict") in from_check


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {a: b}\n", 1),
        ("routingMode: native\nbpf:\n  hostLegacyRouting: {{ .Values.x }}\n", 3),
    ],
    ids=["a-lone-configmap", "a-map-as-key"],
)
def test_what_check_refuses_and_no_rule_reports_lint_refuses_too(
    tmp_path: Path, text: str, line: int
) -> None:
    """check refused these (no Helm values; a template that YAML reads as a map key) with
    exit 2; lint noted "the model was not evaluated" and passed them. Now it refuses them
    at the same line."""
    values = tmp_path / "values.yaml"
    values.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as by_check:
        api.check(values_files=[str(values)], cilium_version="1.18.4")
    with pytest.raises(InputError) as by_lint:
        lint([values], cilium_version="1.18.4")
    assert by_lint.value.position is not None and by_lint.value.position.line == line
    assert by_check.value.position == by_lint.value.position


def test_what_check_refuses_and_a_rule_reports_lint_reports(tmp_path: Path) -> None:
    """A duplicate key: check refuses it, lint goes on and reports the line (CD107)."""
    values = tmp_path / "values.yaml"
    values.write_text("routingMode: native\nroutingMode: tunnel\n", encoding="utf-8")
    with pytest.raises(InputError):
        api.check(values_files=[str(values)], cilium_version="1.18.4")
    report = lint([values], cilium_version="1.18.4")
    assert ("CD107", 2) in {(v.code, v.position.line) for v in report.violations}


def test_without_a_version_lint_knows_it_is_unknown_as_check_does() -> None:
    """No --cilium-version and no pin: check derives with the version unknown (known
    behaviours of a version range are not certain), lint derived at the stand-in chart's
    version as if the user had named it, and reported a known bug check did not. lint now
    hands the model an unknown version."""
    folder = REPO / "tests" / "cases" / "drift-bigtcp-dsr-geneve-native-1.18"
    run: Run = ((str(folder / "values.yaml"),), (), None)
    from_check = _check_marks(run)
    assert from_check == _lint_marks(run)
    assert (str(folder / "values.yaml"), 7, "conflicting-setting") in (from_check or set())


def test_a_wrappers_pin_comes_before_the_settings_version_in_lint_as_in_check(
    tmp_path: Path,
) -> None:
    """A Flux pin of 1.16.19 and cilium-version 1.20.0 in the settings: check takes the pin
    (flag, wrapper, settings), lint took the settings' version and missed a conflict of
    1.16 (multi-pool IPAM in tunnel mode)."""
    values = tmp_path / "values.yaml"
    values.write_text(
        _FLUX.format(pin="1.16.19").replace(
            "    routingMode: native\n", "    routingMode: tunnel\n    ipam: {mode: multi-pool}\n"
        ),
        encoding="utf-8",
    )
    settings = Settings(cilium_version="1.20.0")
    checked = api.check(values_files=[str(values)], settings=settings)
    linted = lint([values], settings=settings)
    assert linted.cilium_version == "1.16.19"
    lines = {
        (f.source.position.line, f.message)
        for f in checked.findings
        if f.source and f.source.position
    }
    views = {(v.position.line, v.message) for v in linted.violations if v.fact is not None}
    assert views == lines
    assert any(v.code == "CD211" for v in linted.violations)


def test_the_commands_take_the_wrappers_pin_before_the_configured_version(
    tmp_path: Path,
) -> None:
    """The same through the CLI: `lint` handed the configured version to the library as if
    it were --cilium-version, so it came before the wrapper's pin; `check` puts it after."""
    values = tmp_path / "values.yaml"
    values.write_text(
        _FLUX.format(pin="1.16.19").replace(
            "    routingMode: native\n", "    routingMode: tunnel\n    ipam: {mode: multi-pool}\n"
        ),
        encoding="utf-8",
    )
    config = tmp_path / ".ciliumdrift.yaml"
    config.write_text("cilium-version: 1.20.0\n", encoding="utf-8")
    runner = CliRunner()
    common = ["--config", str(config), "--format", "json"]
    checked = json.loads(runner.invoke(app, ["check", "-f", str(values), *common]).stdout)
    linted = json.loads(runner.invoke(app, ["lint", str(values), *common]).stdout)
    assert linted["cilium_version"] == "1.16.19"
    from_check = {
        (f["source"]["line"], f["causes"][0]["kind"])
        for f in checked["findings"]
        if f["kind"] == "cross-check"
    }
    from_lint = {(v["line"], v["cause"]) for v in linted["violations"] if v["fact"]}
    assert from_lint == from_check
    assert any(v["code"] == "CD211" for v in linted["violations"])


#: Ways values reach the chart that the generated runs do not write: a k3s HelmChart, a
#: kustomization (valuesFile and valuesInline), a Flux HelmRelease taking values from a
#: ConfigMap of another file, an Argo CD Application with several sources, a multi-document
#: file, an umbrella chart whose Chart.yaml pins the version.
_CONFLICTING = (
    "routingMode: native\n"
    "kubeProxyReplacement: true\n"
    "bpf: {masquerade: true, hostLegacyRouting: false}\n"
    "bandwidthManager: {enabled: true, bbr: true}\n"
    "encryption: {enabled: true, type: ipsec}\n"
)


def _indent(text: str, by: int) -> str:
    return "".join(" " * by + line + "\n" for line in text.splitlines())


SHAPES: dict[str, dict[str, str]] = {
    "k3s-helmchart": {
        "chart.yaml": "apiVersion: helm.cattle.io/v1\nkind: HelmChart\n"
        "metadata: {name: cilium, namespace: kube-system}\n"
        "spec:\n  chart: cilium\n  repo: https://helm.cilium.io\n  version: 1.17.4\n"
        "  valuesContent: |-\n" + _indent(_CONFLICTING, 4),
    },
    "kustomize": {
        "kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1beta1\n"
        "kind: Kustomization\nhelmCharts:\n  - name: cilium\n"
        "    repo: https://helm.cilium.io\n    version: 1.16.5\n    releaseName: cilium\n"
        "    valuesFile: values.yaml\n    valuesInline:\n"
        "      hostFirewall: {enabled: true}\n      encryption: {enabled: true, type: ipsec}\n",
        "values.yaml": "routingMode: native\nbandwidthManager: {enabled: true}\n",
    },
    "flux-values-from": {
        "release.yaml": "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\n"
        "metadata: {name: cilium, namespace: kube-system}\n"
        "spec:\n  chart:\n    spec: {chart: cilium, version: 1.18.4}\n"
        "  valuesFrom:\n    - kind: ConfigMap\n      name: cilium-values\n"
        "  values:\n    kubeProxyReplacement: true\n",
        "configmap.yaml": "apiVersion: v1\nkind: ConfigMap\n"
        "metadata: {name: cilium-values, namespace: kube-system}\n"
        "data:\n  values.yaml: |\n" + _indent(_CONFLICTING, 4),
    },
    "argo-sources": {
        "app.yaml": "apiVersion: argoproj.io/v1alpha1\nkind: Application\n"
        "metadata: {name: cilium, namespace: argocd}\nspec:\n  sources:\n"
        "    - repoURL: https://helm.cilium.io\n      chart: cilium\n"
        "      targetRevision: 1.18.4\n      helm:\n        values: |\n"
        + _indent(_CONFLICTING, 10)
        + "    - repoURL: https://github.com/example/config\n      ref: values\n",
    },
    "multi-document": {
        "values.yaml": "routingMode: native\nkubeProxyReplacement: true\n---\n"
        "routingMode: tunnel\nautoDirectNodeRoutes: true\nbpf:\n  masquerade: true\n",
    },
    "umbrella-chart": {
        "Chart.yaml": "apiVersion: v2\nname: network\nversion: 0.1.0\ndependencies:\n"
        "  - name: cilium\n    version: 1.16.5\n    repository: https://helm.cilium.io\n",
        "values.yaml": "cilium:\n" + _indent(_CONFLICTING, 2),
    },
}

_TALOS_WITHOUT_CNI = (
    "version: v1alpha1\nmachine:\n  type: controlplane\n  install:\n"
    "    image: ghcr.io/siderolabs/installer:v1.8.3\n"
)


@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize("version", ["1.16.19", "1.18.4", None])
@pytest.mark.parametrize("with_talos", [False, True], ids=["values", "values+talos"])
def test_lint_and_check_agree_on_every_way_values_reach_the_chart(
    tmp_path: Path, shape: str, version: str | None, with_talos: bool
) -> None:
    files = SHAPES[shape]
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    given = tuple(str(tmp_path / name) for name in files if name != "Chart.yaml")
    talos: tuple[str, ...] = ()
    if with_talos:
        (tmp_path / "talos.yaml").write_text(_TALOS_WITHOUT_CNI, encoding="utf-8")
        talos = (str(tmp_path / "talos.yaml"),)
    run: Run = (given, talos, version)
    assert_agreement(run)
    assert _check_marks(run), "the shape's values conflict: both must say so"
