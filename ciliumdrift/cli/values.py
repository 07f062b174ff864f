"""``ciliumdrift values``: the merged Helm values with the source of every key (a debugging aid)."""

# No ``from __future__ import annotations``: typer evaluates the annotations (cli/check.py).

from typing import Annotated

import typer

from ciliumdrift.cli._common import DocumentFormatOption, Output, emit, run
from ciliumdrift.load import load_values, set_flags_from_options
from ciliumdrift.report import DocumentFormat, Format, render

#: The command on its own; the root command loads this module only to run it (cli.COMMANDS).
app = typer.Typer(add_completion=False)


@app.command("values")
def values_command(
    *,
    values: Annotated[
        list[str],
        typer.Option(
            "--values", "-f", metavar="FILE", help="Helm values file or wrapper, in order."
        ),
    ] = [],  # noqa: B006  (typer reads the default; it is never mutated)
    set_: Annotated[list[str], typer.Option("--set", metavar="K=V", help="Helm --set.")] = [],  # noqa: B006
    set_string: Annotated[
        list[str], typer.Option("--set-string", metavar="K=V", help="Helm --set-string.")
    ] = [],  # noqa: B006
    set_json: Annotated[
        list[str], typer.Option("--set-json", metavar="K=JSON", help="Helm --set-json.")
    ] = [],  # noqa: B006
    set_file: Annotated[
        list[str], typer.Option("--set-file", metavar="K=PATH", help="Helm --set-file.")
    ] = [],  # noqa: B006
    set_literal: Annotated[
        list[str], typer.Option("--set-literal", metavar="K=V", help="Helm --set-literal.")
    ] = [],  # noqa: B006
    chart: Annotated[
        str | None,
        typer.Option(
            "--chart",
            metavar="VERSION|DIR|TGZ|none",
            help="Chart defaults to merge under (none: user layers only).",
        ),
    ] = None,
    cilium_version: Annotated[
        str | None,
        typer.Option(
            "--cilium-version", metavar="V", help="Cilium version whose chart defaults apply."
        ),
    ] = None,
    fmt: DocumentFormatOption = DocumentFormat.TEXT,
    output: Output = None,
) -> None:
    """Print the values Helm would hand to the chart, with each key's file:line:column or layer."""

    def body() -> int:
        flags = set_flags_from_options(
            set=set_,
            set_string=set_string,
            set_json=set_json,
            set_file=set_file,
            set_literal=set_literal,
        )
        loaded = load_values(values, set_flags=flags, chart=chart, cilium_version=cilium_version)
        emit(render(loaded, Format(fmt.value)), output)
        return 0

    run(body)
