"""The real-world material ships with the tests: a fresh clone has all of it, with provenance."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parent
#: a path that leaves the repository for the material the project started from
SHARED = re.compile(r"\.\./shared|(parent|parents\[\d\])\s*/\s*\"shared\"")
KINDS = ("status", "values", "talos", "chart", "seed")


@pytest.mark.parametrize("kind", KINDS)
def test_every_file_has_a_manifest_row_with_its_source(kind: str) -> None:
    folder = CORPUS / kind
    with (folder / "MANIFEST.tsv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    listed = {row["file"] for row in rows}
    on_disk = {
        str(p.relative_to(folder))
        for p in folder.rglob("*")
        if p.is_file() and p.name != "MANIFEST.tsv"
    }
    # a companion file (status-020.values.yaml) is described in the row of the file it goes with
    stems = {name.split(".", 1)[0] for name in listed}
    unlisted = {f for f in on_disk - listed if f.split(".", 1)[0] not in stems}
    assert listed <= on_disk and unlisted == set()
    assert all(row["source"].strip() for row in rows)


def test_no_test_reads_outside_the_repository() -> None:
    tests = CORPUS.parent
    offenders = [
        str(p.relative_to(tests))
        for p in tests.rglob("*.py")
        if p != Path(__file__) and SHARED.search(p.read_text("utf-8"))
    ]
    assert offenders == []
