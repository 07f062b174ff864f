"""Start-up stays lean: the CLI imports none of the heavy modules until a command needs them."""

from __future__ import annotations

import subprocess
import sys

from ciliumdrift.cli import COMMANDS, load_command

HEAVY = ("kubernetes", "deepdiff", "jsonschema", "rich", "ruamel", "hypothesis")


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys\nprint('\\n'.join(sys.modules))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return {line.split(".")[0] for line in out.splitlines()}


def test_cli_import_is_lean() -> None:
    loaded = _modules_after("import ciliumdrift.cli")
    assert not loaded & set(HEAVY), loaded & set(HEAVY)


def test_package_import_is_lean() -> None:
    loaded = _modules_after("import ciliumdrift")
    assert not loaded & {*HEAVY, "typer"}


def test_help_runs_without_heavy_imports() -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys\nfrom ciliumdrift.cli import main\nsys.argv=['ciliumdrift','--help']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "heavy = ('kubernetes', 'deepdiff', 'jsonschema', 'ruamel')\n"
            "print('HEAVY:' + ','.join(m for m in heavy if m in sys.modules))",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert "check" in out
    assert out.strip().endswith("HEAVY:")


def test_each_command_is_loaded_only_to_run_it() -> None:
    code = (
        "import sys\nfrom ciliumdrift.cli import main\nsys.argv=['ciliumdrift', *sys.argv[1:]]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('LOADED:' + ','.join(sorted(m for m in sys.modules if m.startswith("
        "'ciliumdrift.cli.') and m != 'ciliumdrift.cli._common')))"
    )

    def loaded(*args: str) -> str:
        out = subprocess.run(
            [sys.executable, "-c", code, *args], check=True, capture_output=True, text=True
        ).stdout
        return out.strip().rsplit("LOADED:", 1)[1]

    assert loaded("--help") == ""
    assert loaded("rules") == "ciliumdrift.cli.rules"
    assert loaded("status", "--help") == "ciliumdrift.cli.status"


def test_the_command_table_says_what_each_command_says() -> None:
    """`--help` lists COMMANDS' one-line help: it is the first line of each command's own."""
    for name, (_, summary) in COMMANDS.items():
        command = load_command(name)
        assert command.name == name
        assert (command.help or "").splitlines()[0] == summary, name


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ciliumdrift", *args], capture_output=True, text=True, check=False
    )


def test_usage_errors_are_one_line_and_exit_2() -> None:
    for args in (("check", "--format", "yaml"), ("bogus",), ("status",)):
        done = _cli(*args)
        assert done.returncode == 2, (args, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("ciliumdrift: usage: "), done.stderr


def test_version_flag() -> None:
    done = _cli("--version")
    assert done.returncode == 0 and done.stdout.startswith("ciliumdrift ")
