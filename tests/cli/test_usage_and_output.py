"""Usage errors are one line and exit 2; ``-o`` writes files atomically and devices directly.

Each case runs through ``CliRunner`` (the typer app) and, for the contract that matters most,
through the installed console script as a user would.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, invoke

SEED_STATUS = EXAMPLES / "talos-netkit-native" / "status.txt"


USAGE_MISTAKES = [
    (
        ("check",),
        "ciliumdrift: usage: give a folder, or --values/--talos/--status/--agent-log files",
    ),
    (("lint",), "ciliumdrift: usage: give at least one values file"),
    (("impact",), "ciliumdrift: usage: give --base OLD and --head NEW"),
    (("values", "--format", "sarif"), "ciliumdrift: usage: "),
    (("expect",), "ciliumdrift: usage: give --values/--set or --talos input"),
    # click words it "No such option: --x" or "No such option '--x'." depending on its version
    (("check", "--no-such-option"), "ciliumdrift: usage: No such option"),
    (("chekc",), "ciliumdrift: usage: No such command 'chekc'"),
    (("status", str(SEED_STATUS), "-o", "json"), "did you mean --format json?"),
    (("lint", "-o", "sarif", "values.yaml"), "did you mean --format sarif?"),
]


@pytest.mark.parametrize(("args", "line"), USAGE_MISTAKES, ids=lambda a: " ".join(a))
def test_usage_mistakes_are_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...], line: str
) -> None:
    monkeypatch.chdir(tmp_path)  # no .ciliumdrift.yaml above, and nothing written by mistake
    code, out, err = invoke(*args)
    assert code == 2, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert line in lines[0]
    assert all(arg in lines[0] for arg in args if arg.startswith("--no-such"))
    assert "internal error" not in err and "Traceback" not in err
    assert "please report" not in err
    assert list(tmp_path.iterdir()) == []  # `-o json` wrote no file named json


@pytest.mark.parametrize(
    "args",
    [
        ("check",),
        ("lint",),
        ("impact",),
        ("values", "--format", "sarif"),
        ("status", "x", "-o", "json"),
    ],
    ids=lambda a: " ".join(a),
)
def test_console_script_usage_errors(tmp_path: Path, args: tuple[str, ...]) -> None:
    script = shutil.which("ciliumdrift", path=str(Path(sys.executable).parent))
    assert script is not None, "the console script is installed with the package"
    done = subprocess.run(
        [script, *args], capture_output=True, text=True, cwd=tmp_path, timeout=60, check=False
    )
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert done.stderr.startswith("ciliumdrift: usage: "), done.stderr


def test_a_file_named_like_a_format_is_written_with_dot_slash(tmp_path: Path) -> None:
    target = tmp_path / "json"
    code, _, err = invoke("status", str(SEED_STATUS), "--format", "json", "-o", str(target))
    assert code == 0, err  # a path with a folder is a file, not a format name
    assert target.read_text().lstrip().startswith("{")


@pytest.mark.parametrize("args", [("--help",), ("check", "--help"), ("lint", "--help")])
def test_help_respects_no_color(args: tuple[str, ...]) -> None:
    # FORCE_COLOR makes rich emit ANSI codes even into a pipe; NO_COLOR must still win.
    code, out, _ = invoke(*args, env={"NO_COLOR": "1", "FORCE_COLOR": "1"})
    assert code == 0
    assert "Usage:" in out
    assert "\x1b[" not in out


def test_help_keeps_its_style_without_no_color() -> None:
    code, out, _ = invoke("--help", env={"NO_COLOR": "", "FORCE_COLOR": "1"})
    assert code == 0
    assert "\x1b[" in out  # the NO_COLOR switch is what removes the codes, nothing else


def _status_to(target: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    script = shutil.which("ciliumdrift", path=str(Path(sys.executable).parent))
    assert script is not None
    return subprocess.run(
        [script, "status", str(SEED_STATUS), "--format", "json", "-o", target],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
        check=False,
    )


def test_output_file_gets_the_umask_mode(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        code, _, err = invoke("status", str(SEED_STATUS), "-o", str(tmp_path / "out.txt"))
    finally:
        os.umask(old)
    assert code == 0, err
    assert stat.S_IMODE((tmp_path / "out.txt").stat().st_mode) == 0o644
    old = os.umask(0o027)
    try:
        code, _, err = invoke("status", str(SEED_STATUS), "-o", str(tmp_path / "group.txt"))
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "group.txt").stat().st_mode) == 0o640


def test_output_file_is_replaced_atomically_and_keeps_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("old\n")
    target.chmod(0o600)
    code, _, err = invoke("status", str(SEED_STATUS), "--format", "json", "-o", str(target))
    assert code == 0, err
    assert target.read_text().startswith("{")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]  # no temporary file left


def test_output_through_a_symlink_writes_the_target(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    real.write_text("")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    code, _, err = invoke("status", str(SEED_STATUS), "--format", "json", "-o", str(link))
    assert code == 0, err
    assert link.is_symlink()
    assert real.read_text().startswith("{")


def test_output_to_a_fifo_is_written_directly(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE, text=True)
    done = _status_to(str(fifo), tmp_path)
    out, _ = reader.communicate(timeout=60)
    assert done.returncode == 0, done.stderr
    assert out.startswith("{")
    assert stat.S_ISFIFO(fifo.stat().st_mode)  # still a pipe, not replaced by a file


def test_output_to_dev_stdout_is_written_directly(tmp_path: Path) -> None:
    done = _status_to("/dev/stdout", tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("{")


def test_output_dash_is_stdout(tmp_path: Path) -> None:
    done = _status_to("-", tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("{")
    assert list(tmp_path.iterdir()) == []


def test_output_into_a_directory_is_one_line(tmp_path: Path) -> None:
    code, _, err = invoke("status", str(SEED_STATUS), "-o", str(tmp_path))
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert "is a directory" in err
