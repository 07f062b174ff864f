"""The runtime impact of a values change, in every format, from files, folders and git."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from ciliumdrift.errors import InputError
from ciliumdrift.impact import ImpactReport, diff_values, impact, load_git_side, load_side
from ciliumdrift.load import load_values
from ciliumdrift.report import render
from ciliumdrift.report.policy import exit_code
from tests.conftest import CORPUS, REPO

BASE = (
    "kubeProxyReplacement: true\nk8sServiceHost: localhost\nk8sServicePort: 7445\n"
    "routingMode: tunnel\nbpf:\n  masquerade: true\n"
)
HEAD = (
    "kubeProxyReplacement: true\nk8sServiceHost: localhost\nk8sServicePort: 7445\n"
    "routingMode: native\nipv4NativeRoutingCIDR: 10.244.0.0/16\nautoDirectNodeRoutes: true\n"
    "bpf:\n  masquerade: true\n  datapathMode: netkit\nhubble:\n  ui:\n    enabled: true\n"
)


@pytest.fixture
def sides(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "base.yaml").write_text(BASE)
    (tmp_path / "head.yaml").write_text(HEAD)
    return tmp_path / "base.yaml", tmp_path / "head.yaml"


def _report(base: Path, head: Path, **kwargs: object) -> ImpactReport:
    before = load_side([str(base)], cilium_version="1.18.4")
    after = load_side([str(head)], cilium_version="1.18.4")
    return impact(before, after, **kwargs)  # type: ignore[arg-type]


def test_status_lines_that_change_with_reasons_and_disruption(sides: tuple[Path, Path]) -> None:
    report = _report(*sides)
    changes = {c.fact: c for c in report.changes}
    assert changes["routing"].before.startswith("Tunnel") and changes["routing"].after.startswith(
        "Native"
    )
    assert changes["routing"].disruptive and "pod-to-pod" in (
        changes["routing"].why_disruptive or ""
    )
    assert {k.key for k in changes["routing"].keys} >= {"routingMode"}
    routing_key = next(k for k in changes["routing"].keys if k.key == "routingMode")
    assert routing_key.position is not None and routing_key.position.line == 4
    assert (changes["device-mode"].before, changes["device-mode"].after) == ("veth", "netkit")
    assert changes["device-mode"].disruptive
    assert not any(c.fact == "hubble" for c in report.changes)
    assert [k.key for k in report.unexplained_keys] == ["hubble.ui.enabled"]
    assert exit_code(report) == 1
    assert exit_code(report, fail_on="warning") == 1  # the routing change is disruptive


def test_no_change_means_exit_zero(sides: tuple[Path, Path]) -> None:
    base, _ = sides
    report = _report(base, base)
    assert report.changes == () and report.key_changes == () and exit_code(report) == 0
    assert "No cilium status line changes." in render(report, "text")


def test_per_node_impact(sides: tuple[Path, Path]) -> None:
    report = _report(*sides, nodes=(("node-a", "6.1.0"), ("node-b", "6.12.0")))
    assert {c.node for c in report.changes} == {"node-a", "node-b"}


def test_diff_values_reports_lists_whole_and_removed_keys() -> None:
    before = load_values([str(CORPUS / "values" / "values-001.yaml")], chart="none")
    after = load_values([str(CORPUS / "values" / "values-002.yaml")], chart="none")
    keys = {c.key: c for c in diff_values(before, after)}
    assert keys["ipv4NativeRoutingCIDR"].before == "10.42.0.0/16"
    assert keys["ipv4NativeRoutingCIDR"].after == "10.244.0.0/16"
    assert keys["devices"].kind == "removed" and keys["devices"].position is not None
    assert all(".0" not in k and not k.endswith("]") for k in keys)


def test_formats_validate(sides: tuple[Path, Path]) -> None:
    report = _report(*sides)
    schema = json.loads((REPO / "schemas" / "impact.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(json.loads(render(report, "json")))
    sarif = json.loads(render(report, "sarif"))
    sarif_schema = json.loads(
        (REPO / "tests" / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8")
    )
    jsonschema.Draft4Validator(sarif_schema).validate(sarif)
    assert {r["level"] for r in sarif["runs"][0]["results"]} == {"warning", "note"}
    markdown = render(report, "markdown")
    assert "> [!WARNING]" in markdown and "| ⚠️ | Routing | all |" in markdown
    assert "`routingMode` tunnel → native" in markdown
    github = render(report, "github")
    assert "::warning file=" in github and "title=routing" in github
    junit = render(report, "junit")
    assert "<failure" in junit and 'name="device-mode [cluster]"' in junit


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def test_git_base_reads_the_same_paths_at_a_ref(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _git(tmp_path, "init", "-q")
    folder = tmp_path / "cilium"
    folder.mkdir()
    (folder / "values.yaml").write_text(BASE)
    _git(tmp_path, "add", ".")
    _git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "base")
    (folder / "values.yaml").write_text(HEAD)
    monkeypatch.chdir(tmp_path)
    before = load_git_side("HEAD", ["cilium"], cilium_version="1.18.4")
    after = load_side(["cilium"], cilium_version="1.18.4")
    report = impact(before, after)
    assert {"routing", "device-mode"} <= {c.fact for c in report.changes}
    removed = [k for k in report.key_changes if k.key == "routingMode"]
    assert (
        removed
        and removed[0].position is not None
        and removed[0].position.file == "cilium/values.yaml"
    )
    origin = before.values.sources["routingMode"]
    assert origin.position is not None and origin.position.file == "HEAD:cilium/values.yaml"
    with pytest.raises(InputError):
        load_git_side("no-such-ref", ["cilium"])
    with pytest.raises(InputError):
        load_git_side("--upload-pack=x", ["cilium"])


def test_cli_impact(sides: tuple[Path, Path]) -> None:
    from ciliumdrift.cli import app

    base, head = sides
    runner = CliRunner()
    result = runner.invoke(
        app, ["impact", "--base", str(base), "--head", str(head), "--cilium-version", "1.18.4"]
    )
    assert result.exit_code == 1, result.output
    assert "DISRUPTIVE Routing" in result.output
    result = runner.invoke(
        app, ["impact", "--base", str(base), "--head", str(base), "--format", "json"]
    )
    assert result.exit_code == 0 and json.loads(result.output)["changes"] == []
    result = runner.invoke(app, ["impact", "--base", str(base)])
    assert result.exit_code == 2
    result = runner.invoke(
        app, ["impact", "--base", str(base), "--head", str(base.parent / "missing.yaml")]
    )
    assert result.exit_code == 2 and "missing.yaml" in result.output
