"""The CI formats (SARIF, GitHub workflow commands, JUnit, Markdown) for lint and check."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

import jsonschema
import pytest

from ciliumdrift.lint import lint_texts
from ciliumdrift.lint.rule import LintReport
from ciliumdrift.model import (
    Cause,
    CauseKind,
    Finding,
    FindingKind,
    Fix,
    Layer,
    Origin,
    Position,
    Report,
    Row,
    Verdict,
)
from ciliumdrift.report import render
from ciliumdrift.report.github import escape_data, escape_property
from tests.conftest import REPO

VALUES = (
    "kubeProxyReplacement: strict\n"
    "cgroup:\n"
    "  automount:\n"
    "    enabled: false\n"
    'k8sServicePort: "7445"\n'
    "hubble:\n"
    "  enabled: yes # ciliumdrift: ignore[CD106]\n"
)


@pytest.fixture(scope="module")
def report() -> LintReport:
    return lint_texts([("deploy/values, 1.yaml", VALUES)], cilium_version="1.18.4")


@pytest.fixture(scope="module")
def sarif_schema() -> jsonschema.Draft4Validator:
    schema = json.loads(
        (REPO / "tests" / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8")
    )
    return jsonschema.Draft4Validator(schema)


def check_report() -> Report:
    source = Origin(
        Layer.VALUES_FILE, key="bpf.datapathMode", position=Position("values.yaml", 12, 3)
    )
    return Report(
        rows=(
            Row("device-mode", "Device Mode", "node-1", "netkit", "veth", Verdict.MISMATCH, source),
            Row(
                "routing",
                "Routing",
                "node-1",
                "Network: Native Host: BPF",
                "Network: Native Host: BPF",
                Verdict.MATCH,
                None,
            ),
        ),
        findings=(
            Finding(
                fact="device-mode",
                status_line="Device Mode",
                node="node-1",
                kind=FindingKind.DRIFT,
                expected="netkit",
                observed="veth",
                source=source,
                message="Device Mode differs",
                causes=(Cause(CauseKind.NOT_APPLIED, "the agent runs an older config"),),
                fix=Fix("restart the agents"),
            ),
        ),
        tool_version="0.1.0",
    )


def test_lint_sarif_is_valid_and_carries_rule_help(
    report: LintReport, sarif_schema: jsonschema.Draft4Validator
) -> None:
    document = json.loads(render(report, "sarif"))
    sarif_schema.validate(document)
    run = document["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert {"CD101", "CD402", "CD504"} <= set(rules)
    assert (
        "did you mean" not in rules["CD101"]["help"]["markdown"]
    )  # help is the rule's doc, not a result
    assert "## Why" in rules["CD101"]["help"]["markdown"] and rules["CD101"]["helpUri"].startswith(
        "https://"
    )
    results = {r["ruleId"]: r for r in run["results"]}
    assert set(results) == {"CD101", "CD402", "CD504"}
    location = results["CD101"]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "deploy/values, 1.yaml"
    assert (location["region"]["startLine"], location["region"]["startColumn"]) == (3, 3)
    assert run["tool"]["driver"]["rules"][results["CD101"]["ruleIndex"]]["id"] == "CD101"
    assert run["automationDetails"]["id"] == "ciliumdrift/lint/"


def test_sarif_fingerprints_survive_lines_added_above() -> None:
    def fingerprints(text: str) -> dict[str, str]:
        document = json.loads(
            render(lint_texts([("v.yaml", text)], cilium_version="1.18.4"), "sarif")
        )
        return {
            r["ruleId"]: r["partialFingerprints"]["primaryLocationLineHash"]
            for r in document["runs"][0]["results"]
        }

    before = fingerprints(VALUES)
    after = fingerprints("# a new comment\nipam:\n  mode: kubernetes\n" + VALUES)
    assert before == after and len(set(before.values())) == len(before)


def test_check_report_sarif(sarif_schema: jsonschema.Draft4Validator) -> None:
    document = json.loads(render(check_report(), "sarif"))
    sarif_schema.validate(document)
    (result,) = document["runs"][0]["results"]
    assert result["ruleId"] == "device-mode"
    assert "expected netkit, observed veth" in result["message"]["text"]
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 12


def test_github_escaping() -> None:
    assert escape_data("50% a\r\nb") == "50%25 a%0D%0Ab"
    assert escape_property("a,b:c%") == "a%2Cb%3Ac%25"


def test_lint_github_commands(report: LintReport) -> None:
    lines = render(report, "github").splitlines()
    errors = [line for line in lines if line.startswith("::error ")]
    assert len(errors) == 2
    typo = next(line for line in errors if "CD101" in line)
    assert typo.startswith(
        "::error file=deploy/values%2C 1.yaml,line=3,col=3,title=CD101 unknown-key::"
    )
    assert any(line.startswith("::warning file=") and "CD504" in line for line in lines)
    assert lines[-1].startswith("::notice title=ciliumdrift lint::")
    for line in lines:
        _head, _, message = line.partition("::")[2].partition("::")
        assert "\n" not in message and "\r" not in message


def test_lint_junit_has_a_case_per_rule_and_file(report: LintReport) -> None:
    root = ET.fromstring(render(report, "junit"))
    suite = root.find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    assert len(cases) == len(report.rules) * len(report.files) == int(suite.get("tests", "0"))
    failed = [c for c in cases if c.find("failure") is not None]
    assert {c.get("name", "").split()[0] for c in failed} == {"CD101", "CD402", "CD504"}
    assert int(suite.get("failures", "0")) == 3
    names = [c.get("name") for c in cases]
    assert len(set(names)) == len(names)  # GitLab keeps only the first of equal names
    failure = failed[0].find("failure")
    assert failure is not None and failure.text and failure.get("message")


def test_check_junit_case_per_fact_and_node() -> None:
    root = ET.fromstring(render(check_report(), "junit"))
    cases = root.findall("testsuite/testcase")
    assert {(c.get("classname"), c.get("name")) for c in cases} == {
        ("ciliumdrift.check.node-1", "device-mode [node-1]"),
        ("ciliumdrift.check.node-1", "routing [node-1]"),
    }
    assert [c.get("name") for c in cases if c.find("failure") is not None] == [
        "device-mode [node-1]"
    ]


def test_markdown_table(report: LintReport) -> None:
    text = render(report, "markdown")
    assert text.startswith("### ciliumdrift lint")
    assert text.count("| ❌ |") == 2 and "CD504" in text


def test_text_and_json(report: LintReport) -> None:
    text = render(report, "text", colour=False)
    assert "deploy/values, 1.yaml:3:3: CD101 unknown-key [error]" in text
    assert "1 suppressed" in text
    document = json.loads(render(report, "json"))
    schema = json.loads((REPO / "schemas" / "lint.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(document)
    assert document["summary"]["suppressed"] == 1 and document["summary"]["error"] == 2
