"""Every corpus values file lints with the findings its MANIFEST notes lead to.

The expectations below are written from MANIFEST.tsv (and the reference notes it cites),
not from the linter's output: each entry says which rule must fire on which key, and the
set of rule codes is exact so that a new false positive on real files fails the test.
Versions: a wrapper's chart version when the file names one, else the newest bundled chart.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ciliumdrift.lint import lint
from ciliumdrift.report import render
from ciliumdrift.report.policy import exit_code
from tests.conftest import CORPUS, REPO, corpus_files

# file -> {rule code: key it is about (None: not about a key)}
EXPECTED: dict[str, dict[str, str | None]] = {
    # cgroup.automount typo (chart key is autoMount); localRedirectPolicy is deprecated in 1.18+
    "values-001.yaml": {"CD101": "cgroup.automount", "CD403": "localRedirectPolicy"},
    "values-002.yaml": {"CD101": "cgroup.automount", "CD403": "localRedirectPolicy"},
    "values-004.yaml": {"CD101": "cgroup.automount", "CD403": "localRedirectPolicy"},
    # + a top-level podDisruptionBudget: the agent has none, operator/relay/... do
    "values-005.yaml": {
        "CD101": "cgroup.automount",
        "CD102": "podDisruptionBudget",
        "CD403": "localRedirectPolicy",
    },
    "values-007.yaml": {"CD101": "cgroup.automount", "CD403": "localRedirectPolicy"},
    "values-008.yaml": {"CD101": "cgroup.automount", "CD403": "localRedirectPolicy"},
    # externalIPs left the chart in 1.17; loadBalancer.standalone (lb-only) is gone after 1.17
    "values-009.yaml": {"CD401": "externalIPs", "CD101": "loadBalancer.standalone"},
    # kubeProxyReplacement "strict" (removed 1.16), legacy bgp block, cluster.id as a string
    "values-013.yaml": {
        "CD402": "kubeProxyReplacement",
        "CD401": "bgp",
        "CD110": "cluster.id",
        "CD403": "localRedirectPolicy",
    },
    # native routing without ipv4NativeRoutingCIDR is fine: masquerading is off for both families
    "values-014.yaml": {},
    # Talos-guide values: KPR without bpf.masquerade -> Host: Legacy (a note, not a failure)
    "values-015.yaml": {"CD205": "kubeProxyReplacement"},
    "values-016.yaml": {"CD205": "kubeProxyReplacement"},
    # Flux wrappers: valuesFrom not linted, ${...} postBuild substitution in the ingress host
    "values-017.yaml": {"CD505": None, "CD501": "hubble.ui.ingress.hosts"},
    "values-018.yaml": {"CD505": None, "CD501": "hubble.ui.ingress.hosts"},
    # Argo CD Application without inline values: only the valueFiles note
    "values-020.yaml": {"CD505": None},
    "values-021.yaml": {"CD205": "kubeProxyReplacement"},
    # chart 1.15.2: automount typo, containerRuntime deprecated, ${CLUSTER_CIDR},
    # bpf.masquerade false
    "values-025.yaml": {
        "CD101": "cgroup.automount",
        "CD403": "containerRuntime",
        "CD501": "ipv4NativeRoutingCIDR",
        "CD205": "bpf.masquerade",
    },
    "values-030.yaml": {"CD101": "cgroup.automount", "CD403": "localRedirectPolicy"},
    # enableRuntimeDeviceDetection left the chart in 1.18 (a no-op since 1.16)
    "values-031.yaml": {"CD401": "enableRuntimeDeviceDetection", "CD403": "localRedirectPolicy"},
}

FILES = corpus_files("values", "*.yaml")


def test_every_corpus_file_has_an_expectation() -> None:
    assert {p.name for p in FILES} == set(EXPECTED)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_corpus_file_lints_as_its_manifest_says(path: Path) -> None:
    report = lint([path])
    expected = EXPECTED[path.name]
    found = {v.code for v in report.violations}
    assert found == set(expected), [
        f"{v.position}: {v.code} {v.message}" for v in report.violations
    ]
    for code, key in expected.items():
        hits = [v for v in report.violations if v.code == code]
        if key is not None:
            assert any(v.key == key for v in hits), (code, key, [v.key for v in hits])
        for v in hits:
            # the position points at the text of that key (or value) in that file
            line = path.read_text(encoding="utf-8").splitlines()[v.position.line - 1]
            if v.key is not None and v.code not in {"CD205", "CD505"}:
                assert v.key.split(".")[-1] in line or "${" in line, (v.position, line)
    assert exit_code(report) == (
        1 if any(v.severity.value == "error" for v in report.violations) else 0
    )
    assert exit_code(report, fail_on="warning") == (
        1 if any(v.severity.value != "note" for v in report.violations) else 0
    )


def test_did_you_mean_for_the_automount_typo() -> None:
    report = lint([CORPUS / "values" / "values-001.yaml"])
    (typo,) = [v for v in report.violations if v.code == "CD101"]
    assert "did you mean 'cgroup.autoMount'" in typo.message
    assert (typo.position.line, typo.position.column) == (15, 3)


def test_kube_proxy_replacement_strict_is_fine_on_1_15() -> None:
    report = lint([CORPUS / "values" / "values-013.yaml"], cilium_version="1.15.19")
    codes = {v.code for v in report.violations}
    assert "CD402" not in codes and "CD404" in codes
    assert "CD401" in codes  # the MetalLB bgp block does nothing since 1.15


@pytest.fixture(scope="module")
def sarif_validator() -> object:
    import jsonschema

    schema = json.loads(
        (REPO / "tests" / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8")
    )
    return jsonschema.Draft4Validator(schema)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_corpus_sarif_is_valid_sarif_2_1_0(path: Path, sarif_validator: object) -> None:
    report = lint([path])
    document = json.loads(render(report, "sarif"))
    errors = sorted(sarif_validator.iter_errors(document), key=str)  # type: ignore[attr-defined]
    assert not errors, errors[0].message
    run = document["runs"][0]
    assert len(run["results"]) == len(report.violations)
    ids = {r["id"] for r in run["tool"]["driver"]["rules"]}
    for result in run["results"]:
        assert result["ruleId"] in ids
        region = result["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_corpus_json_matches_the_lint_schema(path: Path) -> None:
    import jsonschema

    schema = json.loads((REPO / "schemas" / "lint.schema.json").read_text(encoding="utf-8"))
    document = json.loads(render(lint([path]), "json"))
    jsonschema.Draft202012Validator(schema).validate(document)
