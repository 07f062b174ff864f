"""``ciliumdrift check``: declared config against observed status, per node, explained."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ciliumdrift.cli import app
from ciliumdrift.cli._common import (
    AgentLogs,
    CiliumVersion,
    Devices,
    Kernels,
    NodeConfigs,
    NodeLabels,
    Output,
    OutputFormat,
    SetFiles,
    SetJsons,
    SetLiterals,
    SetStrings,
    SetValues,
    TalosFiles,
    ValuesFiles,
    emit,
    run,
    usage,
)

if TYPE_CHECKING:
    from ciliumdrift.load import SetFlag
    from ciliumdrift.model import Report


@app.command("check")
def check_command(
    directory: Annotated[
        Path | None,
        typer.Argument(help="A folder holding values*.yaml, talos*.yaml and status*.txt files."),
    ] = None,
    *,
    values: ValuesFiles = [],  # noqa: B006  (typer reads the default; never mutated)
    set_: SetValues = [],  # noqa: B006
    set_string: SetStrings = [],  # noqa: B006
    set_json: SetJsons = [],  # noqa: B006
    set_file: SetFiles = [],  # noqa: B006
    set_literal: SetLiterals = [],  # noqa: B006
    talos: TalosFiles = [],  # noqa: B006
    status: Annotated[
        list[str],
        typer.Option(
            "--status", metavar="[NODE=]FILE", help="A `cilium status` output; - is stdin."
        ),
    ] = [],  # noqa: B006
    sysdump: Annotated[
        Path | None, typer.Option("--sysdump", metavar="ZIP", help="Read statuses from a sysdump.")
    ] = None,
    cilium_version: CiliumVersion = None,
    kernel: Kernels = [],  # noqa: B006
    agent_log: AgentLogs = [],  # noqa: B006
    node_config: NodeConfigs = [],  # noqa: B006
    device: Devices = [],  # noqa: B006
    node_label: NodeLabels = [],  # noqa: B006
    chart: Annotated[
        str | None, typer.Option("--chart", metavar="VERSION|DIR|TGZ|none", help="Chart defaults.")
    ] = None,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", help="Output format.")
    ] = OutputFormat.text,
    fail_on_health: Annotated[
        bool, typer.Option("--fail-on-health", help="Health findings also exit 1.")
    ] = False,
    output: Output = None,
) -> None:
    """Check that the running datapath is the one the config asks for; explain every mismatch."""

    def body() -> int:
        from ciliumdrift.api import check
        from ciliumdrift.load import set_flags_from_options
        from ciliumdrift.report import render

        flags = set_flags_from_options(
            set=set_,
            set_string=set_string,
            set_json=set_json,
            set_file=set_file,
            set_literal=set_literal,
        )
        if sysdump is not None:
            report = _check_sysdump(sysdump, values, flags, talos, cilium_version, kernel, chart)
        else:
            if directory is None and not (values or talos or status or flags):
                usage("give a folder, or --values/--talos/--status files")
            report = check(
                directory,
                values_files=values,
                set_flags=flags,
                talos_files=talos,
                status_files=status,
                cilium_version=cilium_version,
                kernels=kernel,
                chart=chart,
                agent_logs=agent_log,
                node_configs=node_config,
                devices=device,
                node_labels=node_label,
            )
        emit(
            render(report, fmt.value),
            output,
            workflow_commands=fmt is OutputFormat.github,
        )
        return report.exit_code(fail_on_health=fail_on_health)

    run(body)


def _check_sysdump(
    path: Path,
    values: list[str],
    flags: list[SetFlag],
    talos: list[str],
    cilium_version: str | None,
    kernel: list[str],
    chart: str | None,
) -> Report:
    from ciliumdrift.live import report_from
    from ciliumdrift.live.sysdump import read_sysdump

    return report_from(
        read_sysdump(str(path)),
        values_files=values,
        set_flags=flags,
        talos_files=talos,
        cilium_version=cilium_version,
        chart=chart,
        kernels=kernel,
    )
