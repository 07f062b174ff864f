"""Precision of the verdicts on the repository's real-world material (`nox -s accuracy`).

Two numbers:

* clean: real clusters whose status matches their config (the corpus captures posted with the
  values they were installed with, the seed example) must exit 0 with no finding above note;
* drift: drift cases rebuilt from real reports (tests/drift) must rank their established
  cause in the top two of a finding on the right status line.

Run from the repository root: ``python benchmarks/accuracy.py`` (``-v`` lists every case).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ciliumdrift.cli import app  # noqa: E402

STATUS = ROOT / "tests" / "corpus" / "status"

# Corpus captures posted together with the values the cluster was installed with. Left out:
# status-015 (its values are fragments a document quotes line by line: kubeProxyReplacement
# and the native-routing CIDR are not among them, the status shows both set) and status-023
# (a grep of ClusterMesh lines: no compared line, so the run exits 2, not 0).
CLEAN_CAPTURES = ("004", "008", "010", "019", "020", "021")


@dataclass(frozen=True)
class Outcome:
    case: str
    ok: bool
    detail: str


def _cli(args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(app, [*args, "--format", "json"], env={"NO_COLOR": "1"})
    return result.exit_code, result.stdout


def clean_cases() -> list[Outcome]:
    import json

    runs = {
        f"status-{n}": [
            "check",
            "-f",
            str(STATUS / f"status-{n}.values.yaml"),
            "--status",
            str(STATUS / f"status-{n}.txt"),
        ]
        for n in CLEAN_CAPTURES
    }
    runs["seed example"] = ["check", str(ROOT / "examples" / "talos-netkit-native")]
    out = []
    for case, args in runs.items():
        code, text = _cli(args)
        findings = json.loads(text)["findings"] if text.strip() else []
        loud = [
            f"{f['severity']}: {f['message'][:80]}" for f in findings if f["severity"] != "note"
        ]
        out.append(Outcome(case, code == 0 and not loud, f"exit {code}; " + "; ".join(loud)))
    out += _clean_reports()
    return out


def _clean_reports() -> list[Outcome]:
    """The real configurations of tests/drift/test_reports.py whose status lines are given."""
    from ciliumdrift.compare import compare
    from ciliumdrift.model import Severity
    from tests.derive.builders import declared
    from tests.drift.test_reports import CLEAN, _observations, _talos

    out = []
    for clean in CLEAN:
        decl = declared(clean.values, version=clean.version, talos_facts=_talos(clean.talos))
        comparison = compare(
            decl, _observations(clean.status, clean.id), kernels={None: clean.kernel}
        )
        loud = [
            f.message[:80]
            for f in comparison.findings
            if f.fact in clean.quiet_facts and f.severity is not Severity.NOTE
        ]
        out.append(Outcome(clean.id, not loud, "; ".join(loud)))
    return out


def drift_cases() -> list[Outcome]:
    from tests.drift.test_drift import SCENARIOS, _run
    from tests.drift.test_reports import REPORTS, _findings

    out = []
    for report in REPORTS:
        found = _findings(report)
        tops = [[c.kind for c in f.causes[:2]] for f in found]
        ok = any(report.cause in kinds for kinds in tops)
        out.append(Outcome(report.id, ok, f"{report.cause.value} in {tops}"))
    for scenario in SCENARIOS:
        found = [f for f in _run(scenario) if scenario.kind is None or f.kind is scenario.kind]
        tops = [[c.kind for c in f.causes[:2]] for f in found]
        ok = any(scenario.cause in kinds for kinds in tops)
        out.append(Outcome(scenario.id, ok, f"{scenario.cause.value} in {tops}"))
    return out


def main() -> int:
    verbose = "-v" in sys.argv
    clean = clean_cases()
    drift = drift_cases()
    for title, outcomes in (("clean", clean), ("drift", drift)):
        passed = sum(o.ok for o in outcomes)
        print(f"{title}: {passed}/{len(outcomes)}")
        for outcome in outcomes:
            if verbose or not outcome.ok:
                print(f"  {'ok  ' if outcome.ok else 'FAIL'} {outcome.case}: {outcome.detail}")
    return 0 if all(o.ok for o in clean) else 1


if __name__ == "__main__":
    raise SystemExit(main())
