"""``ciliumdrift check``: declared config against observed status, per node, explained."""

# No ``from __future__ import annotations`` here: typer reads the parameters' annotations,
# and evaluating them as strings at each start costs more than building them once.

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ciliumdrift.api import check
from ciliumdrift.cli._common import (
    AgentLogs,
    CiliumVersion,
    Devices,
    FailOnOption,
    KernelLogs,
    Kernels,
    NodeConfigs,
    NodeLabels,
    Output,
    Quiet,
    ReportFormatOption,
    SetFiles,
    SetJsons,
    SetLiterals,
    SetStrings,
    SetValues,
    TalosFiles,
    ValuesFiles,
    Verbose,
    finish_check,
    run,
    usage,
)
from ciliumdrift.config import find_settings, load_settings
from ciliumdrift.load import set_flags_from_options
from ciliumdrift.report import FailOn, ReportFormat

if TYPE_CHECKING:
    from ciliumdrift.load import SetFlag
    from ciliumdrift.model import Report


#: The command on its own; the root command loads this module only to run it (cli.COMMANDS).
app = typer.Typer(add_completion=False)


@app.command("check")
def check_command(
    directory: Annotated[
        Path | None,
        typer.Argument(
            help="A folder holding values*.yaml, talos*.yaml and status*.txt files; values "
            "merge as wrappers, values.yaml, then the other values*.yaml by name.",
        ),
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
    kernel_log: KernelLogs = [],  # noqa: B006
    node_config: NodeConfigs = [],  # noqa: B006
    device: Devices = [],  # noqa: B006
    node_label: NodeLabels = [],  # noqa: B006
    chart: Annotated[
        str | None, typer.Option("--chart", metavar="VERSION|DIR|TGZ|none", help="Chart defaults.")
    ] = None,
    fmt: ReportFormatOption = ReportFormat.TEXT,
    fail_on: FailOnOption = FailOn.ERROR,
    fail_on_health: Annotated[
        bool, typer.Option("--fail-on-health", help="Health findings also exit 1.")
    ] = False,
    verbose: Verbose = False,
    quiet: Quiet = False,
    output: Output = None,
    config: Annotated[
        Path | None,
        typer.Option("--config", metavar="FILE", help="pyproject.toml or .ciliumdrift.yaml."),
    ] = None,
) -> None:
    """Check that the running datapath is the one the config asks for; explain every mismatch."""

    def body() -> int:
        flags = set_flags_from_options(
            set=set_,
            set_string=set_string,
            set_json=set_json,
            set_file=set_file,
            set_literal=set_literal,
        )
        start = directory if directory is not None and directory.is_dir() else None
        settings = (load_settings(config) if config is not None else None) or find_settings(start)
        if sysdump is not None:
            report = _check_sysdump(sysdump, values, flags, talos, cilium_version, kernel, chart)
        else:
            configured = settings.values or settings.talos
            given = values or talos or status or flags or agent_log or kernel_log or configured
            if directory is None and not given:
                usage("give a folder, or --values/--talos/--status/--agent-log files")
            report = check(
                directory,
                values_files=values,
                set_flags=flags,
                talos_files=talos,
                status_files=status,
                cilium_version=cilium_version,
                kernels=kernel,
                chart=chart,
                settings=settings,
                agent_logs=agent_log,
                kernel_logs=kernel_log,
                node_configs=node_config,
                devices=device,
                node_labels=node_label,
            )
        return finish_check(
            report,
            fmt,
            output,
            fail_on=fail_on,
            fail_on_health=fail_on_health,
            verbose=verbose,
            quiet=quiet,
        )

    run(body)


def _check_sysdump(
    path: Path,
    values: list[str],
    flags: "list[SetFlag]",
    talos: list[str],
    cilium_version: str | None,
    kernel: list[str],
    chart: str | None,
) -> "Report":
    # The collection machinery (asyncio, ssl, the kubernetes transport) only for --sysdump.
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
