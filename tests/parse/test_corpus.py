"""Every corpus status parses to its hand-checked expected JSON, valid against the schema.

Set CILIUMDRIFT_WRITE_EXPECTED=1 to (re)write a missing expected file; every written file
is then read and checked by hand against its source text before it is committed.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import Any

import pytest

from ciliumdrift.parse import parse_status, status_to_dict

HERE = Path(__file__).resolve().parent
CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "status"
EXPECTED = HERE / "expected"
SCHEMA = Path(__file__).resolve().parents[2] / "schemas" / "status.schema.json"

#: What the MANIFEST's `kind` column documents -> the format the parser must report.
FORMAT_OF_KIND = {
    "brief": "text",
    "verbose": "text-verbose",
    "fragment": "fragment",
    "cli-summary": "cli-summary",
    "config-view": "config-view",
    "configmap": "configmap",
}


def _manifest() -> dict[str, dict[str, str]]:
    path = CORPUS / "MANIFEST.tsv"
    if not path.exists():
        return {}
    with path.open(encoding="utf-8") as handle:
        return {row["file"]: row for row in csv.DictReader(handle, delimiter="\t")}


MANIFEST = _manifest()
FILES = sorted(MANIFEST)


def _parsed(name: str) -> dict[str, Any]:
    text = (CORPUS / name).read_text(encoding="utf-8")
    return status_to_dict(parse_status(text, source=name))


@pytest.fixture(scope="module")
def validator() -> Any:
    import jsonschema

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_every_corpus_file_is_listed() -> None:
    present = {p.name for p in CORPUS.iterdir() if not p.name.endswith(".values.yaml")}
    assert present - {"MANIFEST.tsv"} == set(FILES)


@pytest.mark.parametrize("name", FILES)
def test_matches_hand_checked_expected(name: str) -> None:
    got = _parsed(name)
    expected_file = EXPECTED / f"{name}.json"
    if not expected_file.exists() and os.environ.get("CILIUMDRIFT_WRITE_EXPECTED"):
        expected_file.write_text(json.dumps(got, indent=2, ensure_ascii=False) + "\n", "utf-8")
    assert json.loads(expected_file.read_text(encoding="utf-8")) == got


@pytest.mark.parametrize("name", FILES)
def test_documented_format(name: str) -> None:
    assert _parsed(name)["format"] == FORMAT_OF_KIND[MANIFEST[name]["kind"]]


@pytest.mark.parametrize("name", FILES)
def test_validates_against_schema(name: str, validator: Any) -> None:
    errors = [error.message for error in validator.iter_errors(_parsed(name))]
    assert errors == []


@pytest.mark.parametrize("name", [n for n in FILES if MANIFEST[n]["kind"] in ("brief", "verbose")])
def test_status_outputs_have_no_unread_lines(name: str) -> None:
    codes = {d["code"] for d in _parsed(name)["diagnostics"]}
    assert codes <= {"status-skipped-line"}


@pytest.mark.parametrize("name", FILES)
def test_version_agrees_with_manifest(name: str) -> None:
    cilium = _parsed(name)["cilium"]
    version = MANIFEST[name]["cilium_version"]
    if cilium is not None and cilium["version"] is not None and version[:1].isdigit():
        assert cilium["version"] == version.split()[0]
