"""``ciliumdrift expect``: the status every node should show, with provenance and conditions."""

# No ``from __future__ import annotations``: typer evaluates the annotations (cli/check.py).

import typer

from ciliumdrift.api import parse_kernels
from ciliumdrift.cli._common import (
    CiliumVersion,
    DocumentFormatOption,
    Kernels,
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
from ciliumdrift.derive.expected import expected_state
from ciliumdrift.load import load_declared, set_flags_from_options
from ciliumdrift.report import DocumentFormat, Format, render

#: The command on its own; the root command loads this module only to run it (cli.COMMANDS).
app = typer.Typer(add_completion=False)


@app.command("expect")
def expect_command(
    *,
    values: ValuesFiles = [],  # noqa: B006  (typer reads the default; never mutated)
    set_: SetValues = [],  # noqa: B006
    set_string: SetStrings = [],  # noqa: B006
    set_json: SetJsons = [],  # noqa: B006
    set_file: SetFiles = [],  # noqa: B006
    set_literal: SetLiterals = [],  # noqa: B006
    talos: TalosFiles = [],  # noqa: B006
    cilium_version: CiliumVersion = None,
    kernel: Kernels = [],  # noqa: B006
    fmt: DocumentFormatOption = DocumentFormat.TEXT,
) -> None:
    """Print what each config-determined `cilium status` line must show, and why."""

    def body() -> int:
        flags = set_flags_from_options(
            set=set_,
            set_string=set_string,
            set_json=set_json,
            set_file=set_file,
            set_literal=set_literal,
        )
        if not (values or talos or flags):
            usage("give --values/--set or --talos input")
        declared = load_declared(
            tuple(values),
            set_flags=tuple(flags),
            talos_files=tuple(talos),
            cilium_version=cilium_version,
        )
        state = expected_state(declared, parse_kernels(kernel))
        emit(render(state, Format(fmt.value)))
        return 0

    run(body)
