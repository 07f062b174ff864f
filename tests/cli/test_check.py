"""`ciliumdrift check` end to end on the shipped examples: the report contract."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from ciliumdrift.datafiles import schema
from tests.conftest import EXAMPLES, invoke

REPORT_SCHEMA = schema("report")


def test_seed_example_matches_everywhere(repo_cwd: Path) -> None:
    code, out, err = invoke("check", "examples/talos-netkit-native/", "--format", "json")
    assert code == 0, out + err
    report = json.loads(out)
    jsonschema.validate(report, REPORT_SCHEMA)
    verdicts = {row["status_line"]: row["verdict"] for row in report["rows"]}
    for line in (
        "Device Mode",
        "Attach Mode",
        "Routing",
        "Masquerading",
        "BandwidthManager",
        "KubeProxyReplacement",
        "Encryption",
        "Hubble",
        "Proxy Status",
    ):
        assert verdicts.get(line) == "match", (line, verdicts)
    assert "mismatch" not in verdicts.values()
    assert report["summary"]["findings"] == 0


def test_seed_example_text_names_every_line(repo_cwd: Path) -> None:
    code, out, _ = invoke("check", "examples/talos-netkit-native/")
    assert code == 0
    for label in ("Device Mode", "netkit", "Routing", "Attach Mode", "TCX", "values.yaml"):
        assert label in out
    assert "\x1b[" not in out  # NO_COLOR


def test_drift_example_names_file_line_column(repo_cwd: Path) -> None:
    code, out, err = invoke("check", "examples/talos-netkit-drift/", "--format", "json")
    assert code == 1, out + err
    report = json.loads(out)
    jsonschema.validate(report, REPORT_SCHEMA)
    drift = [f for f in report["findings"] if f["kind"] == "drift"]
    assert drift, report["findings"]
    masq = next(f for f in drift if f["status_line"] == "Masquerading")
    source = masq["source"]
    assert source["file"].endswith("talos-netkit-drift/values.yaml")
    assert source["key"] == "ipv4NativeRoutingCIDR"
    line = (
        (EXAMPLES / "talos-netkit-drift/values.yaml").read_text().splitlines()[source["line"] - 1]
    )
    assert "10.200.0.0/16" in line
    assert masq["causes"] and masq["fix"]


def test_explicit_files_equal_folder(repo_cwd: Path) -> None:
    folder = "examples/talos-netkit-native"
    code, out, _ = invoke(
        "check",
        "-f",
        f"{folder}/values.yaml",
        "--talos",
        f"{folder}/talos.yaml",
        "--status",
        f"{folder}/status.txt",
        "--format",
        "json",
    )
    assert code == 0
    _, out2, _ = invoke("check", folder, "--format", "json")
    rows = lambda text: [(r["status_line"], r["verdict"]) for r in json.loads(text)["rows"]]  # noqa: E731
    assert rows(out) == rows(out2)


def test_status_from_stdin(repo_cwd: Path) -> None:
    folder = "examples/talos-netkit-native"
    text = (EXAMPLES / "talos-netkit-native/status.txt").read_text()
    code, out, _ = invoke("check", "-f", f"{folder}/values.yaml", "--status", "-", input=text)
    assert code == 0, out


def test_set_flag_creates_drift_located_at_the_flag(repo_cwd: Path) -> None:
    code, out, _ = invoke(
        "check",
        "examples/talos-netkit-native/",
        "--set",
        "bpf.datapathMode=veth",
        "--format",
        "json",
    )
    assert code == 1
    finding = next(f for f in json.loads(out)["findings"] if f["status_line"] == "Device Mode")
    assert finding["expected"] == "veth" and finding["observed"] == "netkit"
    assert finding["source"]["layer"] == "set"


def test_kernel_flag_changes_expectation(repo_cwd: Path) -> None:
    # TCX needs kernel 6.6: on 6.1 the agent falls back to legacy TC, so observed TCX is drift.
    code, out, _ = invoke(
        "check", "examples/talos-netkit-native/", "--kernel", "6.1.0", "--format", "json"
    )
    assert code == 1
    report = json.loads(out)
    attach = next(r for r in report["rows"] if r["status_line"] == "Attach Mode")
    assert attach["expected"] == "Legacy TC"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("check", "--status", "does-not-exist.txt"), "does-not-exist.txt:1:1"),
        (
            ("check", "-f", "README.md", "--status", "examples/talos-netkit-native/status.txt"),
            "README.md",
        ),
        (("check", "--status", "pyproject.toml"), "pyproject.toml:"),
        (("check", "--kernel", "banana", "examples/talos-netkit-native/"), "--kernel"),
        (("check",), "give a folder"),
        (("check", "no-such-folder/"), "no-such-folder"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    repo_cwd: Path, args: tuple[str, ...], needle: str
) -> None:
    code, out, err = invoke(*args)
    assert code == 2, (out, err)
    assert needle in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err + out


def test_broken_yaml_is_one_line_with_position(repo_cwd: Path, tmp_path: Path) -> None:
    broken = tmp_path / "values.yaml"
    broken.write_text("bpf:\n  masquerade: true\n  datapathMode: [netkit\n")
    code, _, err = invoke(
        "check", "-f", str(broken), "--status", "examples/talos-netkit-native/status.txt"
    )
    assert code == 2
    first = err.strip()
    assert first.startswith(f"{broken}:") and len(first.splitlines()) == 1
    _, line, column = first.split(":", 3)[:3]
    assert int(line) >= 1 and int(column) >= 1


def test_output_file_is_written_whole(repo_cwd: Path, tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    code, out, _ = invoke(
        "check", "examples/talos-netkit-drift/", "--format", "json", "-o", str(target)
    )
    assert code == 1 and out == ""
    jsonschema.validate(json.loads(target.read_text()), REPORT_SCHEMA)
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_no_secret_from_talos_reaches_any_output(repo_cwd: Path) -> None:
    talos = (EXAMPLES / "talos-netkit-native/talos.yaml").read_text()
    secrets = [
        "FAKE.notarealtoken00000",
        "RkFLRS1DTFVTVEVSLVNFQ1JFVA==",
        "fakeid.fakesecret0000000",
        "RkFLRS1QUklWQVRFLUtFWS1OT1QtQS1SRUFMLUtFWQ==",
        "RkFLRS1TRUNSRVRCT1gtU0VDUkVU",
    ]
    assert all(s in talos for s in secrets)
    for fmt in ("text", "json"):
        _, out, err = invoke("check", "examples/talos-netkit-drift/", "--format", fmt)
        for secret in secrets:
            assert secret not in out + err
