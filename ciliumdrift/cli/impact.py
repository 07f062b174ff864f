"""``ciliumdrift impact``: what a values change does to the running datapath."""

# No ``from __future__ import annotations``: typer evaluates the annotations (cli/check.py).

from typing import Annotated

import typer

from ciliumdrift.cli._common import Output, ReportFormatOption, emit, run, usage
from ciliumdrift.impact import impact, load_git_side, load_side
from ciliumdrift.report import FailOn, Format, ReportFormat, render
from ciliumdrift.report.policy import exit_code

#: The command on its own; the root command loads this module only to run it (cli.COMMANDS).
app = typer.Typer(add_completion=False)


@app.command("impact")
def impact_command(
    paths: Annotated[
        list[str] | None,
        typer.Argument(metavar="[PATHS]...", help="With --git-base: values files or folders."),
    ] = None,
    *,
    base: Annotated[
        list[str], typer.Option("--base", metavar="FILE|DIR", help="The values before the change.")
    ] = [],  # noqa: B006  (typer reads the default; it is never mutated)
    head: Annotated[
        list[str], typer.Option("--head", metavar="FILE|DIR", help="The values after the change.")
    ] = [],  # noqa: B006
    git_base: Annotated[
        str | None,
        typer.Option("--git-base", metavar="REF", help="Compare PATHS with themselves at REF."),
    ] = None,
    talos: Annotated[
        list[str],
        typer.Option("--talos", metavar="FILE", help="Talos machine config (both sides)."),
    ] = [],  # noqa: B006
    cilium_version: Annotated[
        str | None, typer.Option("--cilium-version", metavar="V", help="Chart/agent version.")
    ] = None,
    node: Annotated[
        list[str], typer.Option("--node", metavar="NAME[=KERNEL]", help="Show the impact per node.")
    ] = [],  # noqa: B006
    fmt: ReportFormatOption = ReportFormat.TEXT,
    output: Output = None,
    fail_on: Annotated[
        FailOn,
        typer.Option(
            "--fail-on",
            help="Exit 1 on changes of this severity: note (any change, the default) or "
            "warning (disruptive changes only).",
            case_sensitive=False,
        ),
    ] = FailOn.NOTE,
    exit_zero: Annotated[
        bool, typer.Option("--exit-zero", help="Exit 0 even when status lines change.")
    ] = False,
) -> None:
    """Show which `cilium status` lines a values change moves, why, and which are disruptive."""

    def body() -> int:
        if git_base is not None:
            if base or not paths:
                usage("--git-base REF takes PATHS (and no --base)")
            targets = head or list(paths)
            before = load_git_side(git_base, targets, talos=talos, cilium_version=cilium_version)
            after = load_side(targets, talos=talos, cilium_version=cilium_version)
            labels = (f"{git_base}:{' '.join(targets)}", " ".join(targets))
        else:
            if not base or not head or paths:
                usage("give --base OLD and --head NEW (or --git-base REF PATHS)")
            before = load_side(base, talos=talos, cilium_version=cilium_version)
            after = load_side(head, talos=talos, cilium_version=cilium_version)
            labels = (" ".join(base), " ".join(head))
        nodes: list[tuple[str | None, str | None]] = [
            (n.split("=", 1)[0], n.split("=", 1)[1] if "=" in n else None) for n in node
        ] or [(None, None)]
        report = impact(before, after, nodes=nodes, base_label=labels[0], head_label=labels[1])
        chosen = Format(fmt.value)
        emit(render(report, chosen), output, workflow_commands=chosen is Format.GITHUB)
        return 0 if exit_zero else exit_code(report, fail_on=fail_on)

    run(body)
