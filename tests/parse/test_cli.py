"""`ciliumdrift status`: text and JSON output, exit codes, stdin, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ciliumdrift.cli import app
from tests.parse.test_corpus import CORPUS, FILES, SCHEMA
from tests.parse.test_formats import BRIEF_118

runner = CliRunner()


@pytest.fixture(scope="module")
def validator() -> Any:
    import jsonschema

    return jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))


def test_text_output_lists_typed_fields(tmp_path: Path) -> None:
    path = tmp_path / "status.txt"
    path.write_text(BRIEF_118, encoding="utf-8")
    result = runner.invoke(app, ["status", str(path)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert any(line.split() == ["device_mode", "netkit"] for line in lines)
    assert any(line.split() == ["routing.network", "Native"] for line in lines)
    assert any(
        line.split()[:2] == ["kube_proxy_replacement.direct_routing_device", "eth0"]
        for line in lines
    )


def test_json_from_stdin_validates(validator: Any) -> None:
    result = runner.invoke(app, ["status", "-", "--format", "json"], input=BRIEF_118)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["source"] == "<stdin>"
    assert data["cilium"]["version"] == "1.18.4"
    assert list(validator.iter_errors(data)) == []


def test_output_file_is_written(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    result = runner.invoke(
        app, ["status", "-", "--format", "json", "--output", str(target)], input=BRIEF_118
    )
    assert result.exit_code == 0
    assert result.stdout == ""
    assert json.loads(target.read_text(encoding="utf-8"))["attach_mode"] == "TCX"


def test_not_a_status_exits_2_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("shopping list\n- eggs\n", encoding="utf-8")
    result = runner.invoke(app, ["status", str(path)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        f"{path}:1:1: not a cilium status output (no known status line)"
    ]


def test_missing_file_exits_2() -> None:
    result = runner.invoke(app, ["status", "/nonexistent/status.txt"])
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1


def test_warnings_are_shown_in_text(tmp_path: Path) -> None:
    path = tmp_path / "s.txt"
    path.write_text(BRIEF_118.split("Cluster health:")[0], encoding="utf-8")
    result = runner.invoke(app, ["status", str(path)])
    assert result.exit_code == 0
    assert "truncated" in result.stdout
    assert any(line.startswith("warning: ") for line in result.stdout.splitlines())


@pytest.mark.parametrize("name", FILES)
def test_corpus_json_validates(name: str, validator: Any) -> None:
    result = runner.invoke(app, ["status", str(CORPUS / name), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert list(validator.iter_errors(json.loads(result.stdout))) == []
