"""``ciliumdrift expect``: the status every node should show, with provenance and conditions."""

from __future__ import annotations

from typing import Annotated

import typer

from ciliumdrift.cli import app
from ciliumdrift.cli._common import OutputFormat, emit, fail, run


@app.command("expect")
def expect_command(
    *,
    values: Annotated[
        list[str],
        typer.Option("--values", "-f", metavar="FILE", help="Helm values file, in order."),
    ] = [],  # noqa: B006  (typer reads the default; it is never mutated)
    set_: Annotated[list[str], typer.Option("--set", metavar="K=V", help="Helm --set.")] = [],  # noqa: B006
    set_string: Annotated[list[str], typer.Option("--set-string", metavar="K=V")] = [],  # noqa: B006
    set_json: Annotated[list[str], typer.Option("--set-json", metavar="K=JSON")] = [],  # noqa: B006
    set_file: Annotated[list[str], typer.Option("--set-file", metavar="K=PATH")] = [],  # noqa: B006
    set_literal: Annotated[list[str], typer.Option("--set-literal", metavar="K=V")] = [],  # noqa: B006
    talos: Annotated[
        list[str], typer.Option("--talos", metavar="FILE", help="Talos machine config or patch.")
    ] = [],  # noqa: B006
    cilium_version: Annotated[
        str | None, typer.Option("--cilium-version", metavar="V", help="Chart/agent version.")
    ] = None,
    kernel: Annotated[
        list[str], typer.Option("--kernel", metavar="[NODE=]VERSION", help="A node's kernel.")
    ] = [],  # noqa: B006
    fmt: Annotated[
        OutputFormat, typer.Option("--format", help="text or json.")
    ] = OutputFormat.text,
) -> None:
    """Print what each config-determined `cilium status` line must show, and why."""

    def body() -> int:
        from ciliumdrift.api import parse_kernels
        from ciliumdrift.derive.expected import expected_state, render_json, render_text
        from ciliumdrift.load import load_declared, set_flags_from_options

        if fmt not in (OutputFormat.text, OutputFormat.json):
            fail(f"--format {fmt.value} is not supported by expect (text or json)")
        flags = set_flags_from_options(
            set=set_,
            set_string=set_string,
            set_json=set_json,
            set_file=set_file,
            set_literal=set_literal,
        )
        if not (values or talos or flags):
            raise typer.BadParameter("give --values/--set or --talos input")
        declared = load_declared(
            tuple(values),
            set_flags=tuple(flags),
            talos_files=tuple(talos),
            cilium_version=cilium_version,
        )
        state = expected_state(declared, parse_kernels(kernel))
        emit(render_json(state) if fmt is OutputFormat.json else render_text(state))
        return 0

    run(body)
