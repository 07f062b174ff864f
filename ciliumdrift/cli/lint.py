"""``ciliumdrift lint``: check Helm values before they are merged."""

# No ``from __future__ import annotations``: typer evaluates the annotations (cli/check.py).

from pathlib import Path
from typing import Annotated

import typer

from ciliumdrift.cli._common import FailOnOption, Output, ReportFormatOption, emit, run, usage
from ciliumdrift.config import find_settings, load_settings
from ciliumdrift.errors import CiliumdriftError, InputError
from ciliumdrift.lint import lint
from ciliumdrift.load.talos import looks_like_talos
from ciliumdrift.model import Position
from ciliumdrift.report import FailOn, Format, ReportFormat, render
from ciliumdrift.report.policy import exit_code
from ciliumdrift.textio import read_text, reading_once

#: The command on its own; the root command loads this module only to run it (cli.COMMANDS).
app = typer.Typer(add_completion=False)


@app.command("lint")
def lint_command(
    files: Annotated[
        list[str] | None,
        typer.Argument(metavar="FILE...", help="Values files in -f order; - is stdin."),
    ] = None,
    *,
    talos: Annotated[
        list[str], typer.Option("--talos", metavar="FILE", help="Talos machine config or patch.")
    ] = [],  # noqa: B006  (typer reads the default; it is never mutated)
    cilium_version: Annotated[
        str | None, typer.Option("--cilium-version", metavar="V", help="Chart version to lint for.")
    ] = None,
    select: Annotated[
        list[str],
        typer.Option("--select", metavar="ID", help="Only these rules (code, name or CD3)."),
    ] = [],  # noqa: B006
    ignore: Annotated[
        list[str], typer.Option("--ignore", metavar="ID", help="Skip these rules.")
    ] = [],  # noqa: B006
    fmt: ReportFormatOption = ReportFormat.TEXT,
    output: Output = None,
    config: Annotated[
        Path | None,
        typer.Option("--config", metavar="FILE", help="pyproject.toml or .ciliumdrift.yaml."),
    ] = None,
    layered: Annotated[
        bool, typer.Option("--layered", help="The files are -f layers of one release: merge them.")
    ] = False,
    fail_on: FailOnOption = FailOn.ERROR,
    exit_zero: Annotated[
        bool, typer.Option("--exit-zero", help="Exit 0 even with violations.")
    ] = False,
) -> None:
    """Lint Cilium Helm values (and their Talos pairing) against the chart of a Cilium version."""

    def body() -> int:
        settings = (load_settings(config) if config is not None else None) or find_settings()
        settings = settings.merged(
            select=tuple(select),
            ignore=tuple(ignore),
            cilium_version=cilium_version,
            talos=tuple(talos),
        )
        paths, merge = list(files or ()), layered
        if not paths:  # the configured files are the -f layers of one release, in order
            paths, merge = list(settings.values), True
        if not paths:
            usage("give at least one values file (or `values` in .ciliumdrift.yaml)")
        with reading_once():  # the Talos check reads each file for lint: once
            _refuse_talos_configs(paths)
            report = lint(
                paths,
                talos_files=settings.talos,
                cilium_version=settings.cilium_version,
                settings=settings,
                layered=merge,
            )
        chosen = Format(fmt.value)
        emit(render(report, chosen), output, workflow_commands=chosen is Format.GITHUB)
        return 0 if exit_zero else exit_code(report, fail_on=fail_on)

    run(body)


#: How much of a file the Talos signature is looked for in (a config starts with it).
_HEAD = 256 * 1024


def _refuse_talos_configs(paths: list[str]) -> None:
    """A Talos machine config given as values is refused on one line, not linted as Helm."""

    for path in paths:
        if path == "-" or not Path(path).is_file():
            continue
        try:  # read for lint too (reading_once): a values file is read from disk once
            _, text = read_text(path, field_name="talos_bytes")
        except CiliumdriftError:  # too large or not text: lint says so, unless it is Talos
            with open(path, encoding="utf-8", errors="replace") as handle:
                text = handle.read(_HEAD)
        if looks_like_talos(text[:_HEAD]):
            raise InputError(
                "a Talos machine config or patch, not Helm values: give it with --talos "
                "beside the values files",
                Position(path, 1, 1),
            )
