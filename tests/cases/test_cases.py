"""The real cases under tests/cases are well-formed, and the clean controls exit 0.

The cause accuracy itself is a measurement (``nox -s accuracy``), not a test; what is tested
here is that every case can be measured: its case.yaml follows the schema, it names a public
source, its files parse, and a control (a real cluster whose status matches its config) gives
exit code 0 with no finding above note when the CLI is run on it as a user would.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import yaml

from ciliumdrift.model import CauseKind
from tests.conftest import load_script

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


accuracy = load_script(ROOT / "tools" / "accuracy.py")
FOLDERS = list(accuracy.discover(HERE))
KINDS = sorted({k.value for k in CauseKind} | set(accuracy.PENDING_CAUSE_KINDS))
# the collection only grows: raise these as cases are added, never lower them
MIN_CONTROLS = 18
MIN_DRIFT = 41


def _manifest() -> dict[str, dict[str, str]]:
    with (HERE / "MANIFEST.tsv").open(encoding="utf-8", newline="") as handle:
        return {row["case"]: row for row in csv.DictReader(handle, delimiter="\t")}


def test_there_are_enough_cases() -> None:
    cases = [accuracy.load_case(f, KINDS) for f in FOLDERS]
    assert sum(c.kind == "control" for c in cases) >= MIN_CONTROLS
    assert sum(c.kind == "drift" for c in cases) >= MIN_DRIFT


def test_manifest_is_current() -> None:
    cases = [accuracy.load_case(f, KINDS) for f in FOLDERS]
    current = (HERE / "MANIFEST.tsv").read_text(encoding="utf-8")
    assert current == accuracy.manifest(cases), "run: python tools/accuracy.py --write-manifest"


def test_manifest_lists_every_case_once() -> None:
    manifest = _manifest()
    assert sorted(manifest) == sorted(f.name for f in FOLDERS)
    for folder in FOLDERS:
        case = accuracy.load_case(folder, KINDS)
        row = manifest[folder.name]
        assert row["kind"] == case.kind
        assert row["source"] == case.sources[0]
        assert row["special"].strip(), f"{folder.name}: say what is special"


@pytest.mark.parametrize("folder", FOLDERS, ids=[f.name for f in FOLDERS])
def test_case_is_well_formed(folder: Path) -> None:
    case = accuracy.load_case(folder, KINDS)
    assert all(url.startswith("https://") for url in case.sources)
    names = {p.name for p in folder.iterdir()}
    assert names - {"case.yaml"}, "a case carries the files its thread shows"
    for path in folder.iterdir():
        if path.suffix in (".yaml", ".yml"):
            docs = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
            assert any(doc is not None for doc in docs), f"{path.name} is empty"
        elif path.suffix in (".txt", ".log"):
            assert path.read_text(encoding="utf-8").strip(), f"{path.name} is empty"
    if case.kind == "drift":
        assert case.cause in KINDS
        assert case.affected


def test_scoring_reads_the_finding_on_the_affected_line() -> None:
    """The scorer itself: top-1, top-2 and false alarms come from the right finding."""
    case = accuracy.Case(
        path=HERE,
        id="synthetic",
        kind="drift",
        sources=("https://github.com/cilium/cilium/issues/1",),
        cilium_version="1.18.4",
        summary="x" * 40,
        cause="talos-conflict",
        affected=("Routing",),
    )

    def report(*findings: dict[str, object]) -> str:
        return json.dumps({"findings": list(findings)})

    def finding(line: str, *kinds: str, kind: str = "drift") -> dict[str, object]:
        return {"status_line": line, "kind": kind, "causes": [{"kind": k} for k in kinds]}

    first = accuracy.score(case, 1, report(finding("Routing", "talos-conflict")), "")
    assert (first.top1, first.top2) == (True, True)
    second = accuracy.score(case, 1, report(finding("Routing", "unknown", "talos-conflict")), "")
    assert (second.top1, second.top2) == (False, True)
    third = accuracy.score(case, 1, report(finding("Routing", "a", "b", "talos-conflict")), "")
    assert (third.top1, third.top2) == (False, False)
    assert "rank 3" in third.note
    elsewhere = accuracy.score(case, 1, report(finding("Masquerading", "talos-conflict")), "")
    assert not elsewhere.top2 and "no finding on Routing" in elsewhere.note
    # the drift finding on the line wins over a cross-check listed before it
    both = report(
        finding("Routing", "unknown", kind="cross-check"), finding("Routing", "talos-conflict")
    )
    assert accuracy.score(case, 1, both, "").top1
    control = accuracy.Case(**{**case.__dict__, "kind": "control", "cause": None})
    assert accuracy.score(control, 1, report(), "").false_alarm
    warned = report({**finding("Routing"), "severity": "warning"})
    assert accuracy.score(control, 0, warned, "").false_alarm
    noted = report({**finding("Routing"), "severity": "note"})
    assert not accuracy.score(control, 0, noted, "").false_alarm
    assert accuracy.score(control, 2, "", "bad input").false_alarm


CONTROLS = [f for f in FOLDERS if accuracy.load_case(f, KINDS).kind == "control"]


def _control_param(folder: Path) -> object:
    case = accuracy.load_case(folder, KINDS)
    marks = [pytest.mark.xfail(reason=case.xfail, strict=True)] if case.xfail else []
    return pytest.param(folder, id=folder.name, marks=marks)


@pytest.mark.parametrize("folder", [_control_param(f) for f in CONTROLS])
def test_control_is_clean(folder: Path) -> None:
    """A real cluster whose status matches its config: exit 0, nothing above note."""
    result = accuracy.run_case(accuracy.load_case(folder, KINDS))
    assert result.exit_code == 0, result.note or result.stderr
    assert not result.alarms, result.alarms
