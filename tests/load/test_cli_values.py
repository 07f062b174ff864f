"""``ciliumdrift values``: JSON and text outputs, exit codes, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import invoke as run

from .conftest import CORPUS, write

REPO = Path(__file__).resolve().parents[2]


def invoke(*args: str) -> tuple[int, str, str]:
    return run("values", *args)


def test_json_output_matches_the_schema(tmp_path: Path) -> None:
    import jsonschema

    path = write(tmp_path, "v.yaml", "bpf:\n  masquerade: true\n")
    code, out, _ = invoke(
        "-f", path, "--set", "routingMode=native", "--cilium-version", "1.18.4", "--format", "json"
    )
    assert code == 0
    document = json.loads(out)
    schema = json.loads((REPO / "schemas" / "values.schema.json").read_text())
    jsonschema.validate(document, schema)
    assert document["values"]["bpf"]["masquerade"] is True
    assert document["values"]["routingMode"] == "native"
    assert document["sources"]["bpf.masquerade"] == f"{path}:2:15"
    assert document["sources"]["routingMode"] == "--set routingMode=native"
    assert document["sources"]["bpf.datapathMode"].endswith(
        "values.yaml:"
        + document["sources"]["bpf.datapathMode"].split(":")[-2]
        + ":"
        + document["sources"]["bpf.datapathMode"].split(":")[-1]
    )
    assert document["chart_version"] == "1.18.4"


def test_chart_none_gives_the_user_layers_only(tmp_path: Path) -> None:
    path = write(tmp_path, "v.yaml", "a:\n  b: 1\n")
    code, out, _ = invoke(
        "-f", path, "--set-string", "a.c=2", "--chart", "none", "--format", "json"
    )
    assert code == 0
    assert json.loads(out)["values"] == {"a": {"b": 1, "c": "2"}}


def test_text_output_and_output_file(tmp_path: Path) -> None:
    path = write(tmp_path, "v.yaml", "kubeProxyReplacement: true\n")
    target = tmp_path / "out.txt"
    code, out, _ = invoke("-f", path, "--chart", "1.17", "-o", str(target))
    assert code == 0 and out == ""
    text = target.read_text()
    assert f"* kubeProxyReplacement = true  # {path}:1:23" in text
    assert "  bpf.enableTCX = true  # cilium-1.17." in text


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--set", "a..b=1"), "--set:1:"),
        (("--set-json", "a={"), "--set-json:1:"),
        (("--chart", "1.2"), "--chart:1:1:"),
        (("--cilium-version", "banana"), "--cilium-version:1:1:"),
        (("-f", "/nonexistent/values.yaml"), "/nonexistent/values.yaml:1:1: no such file"),
        (("--set-file", "a=/nonexistent/file"), "--set-file:1:"),
    ],
)
def test_bad_input_exit_2_one_line(args: tuple[str, ...], needle: str) -> None:
    code, out, err = invoke(*args)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and needle in err


def test_bad_yaml_exit_2_writes_nothing(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.yaml", "a: 1\n<<<<<<< HEAD\n")
    target = tmp_path / "out.json"
    code, _, err = invoke("-f", path, "-o", str(target), "--format", "json")
    assert code == 2 and err.startswith(f"{path}:2:1:") and not target.exists()


def test_corpus_wrapper_through_the_cli() -> None:
    code, out, _ = invoke("-f", str(CORPUS / "values" / "values-025.yaml"), "--format", "json")
    assert code == 0
    document = json.loads(out)
    assert document["chart_version"] == "1.15.2"
    assert "ipv4NativeRoutingCIDR" in document["placeholders"]
    assert document["values"]["bpf"]["masquerade"] is False
