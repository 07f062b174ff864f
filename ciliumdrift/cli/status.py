"""``ciliumdrift status``: read one pasted ``cilium status`` and print what it says, typed."""

# No ``from __future__ import annotations``: typer evaluates the annotations (cli/check.py).

from typing import Annotated

import typer

from ciliumdrift.cli._common import (
    EXIT_CLEAN,
    DocumentFormatOption,
    Output,
    emit,
    read_input,
    run,
)
from ciliumdrift.parse import parse_status
from ciliumdrift.report import DocumentFormat, Format, render

#: The command on its own; the root command loads this module only to run it (cli.COMMANDS).
app = typer.Typer(add_completion=False)


@app.command("status")
def status_command(
    file: Annotated[
        str, typer.Argument(metavar="FILE|-", help="A `cilium status` output; - is stdin.")
    ],
    *,
    fmt: DocumentFormatOption = DocumentFormat.TEXT,
    output: Output = None,
) -> None:
    """Parse a `cilium status` (text, --verbose, -o json/yaml, cilium-cli summary) and print it."""

    def body() -> int:
        name, text = read_input(file)
        status = parse_status(text, source=name)
        emit(render(status, Format(fmt.value)), output)
        return EXIT_CLEAN

    run(body)
