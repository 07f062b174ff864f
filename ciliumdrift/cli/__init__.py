"""The typer command line: a thin layer over the library.

Each command lives in its own module and registers itself on :data:`app` when imported.
Command modules import nothing heavy at module level: ``ciliumdrift --help`` stays fast.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    name="ciliumdrift",
    help="Is the Cilium datapath that is running the one your config asks for? If not, why?",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def main() -> None:
    """Console-script entry point."""
    app()


def _print_version(value: bool) -> None:
    if value:
        from ciliumdrift import __version__

        typer.echo(f"ciliumdrift {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", is_eager=True, callback=_print_version, help="Print the version."
    ),
) -> None:
    """Is the Cilium datapath that is running the one your config asks for? If not, why?"""


# The import order is the order of `--help`.
from ciliumdrift.cli import (  # noqa: E402
    check,
    expect,
    facts,
    impact,
    lint,
    live,
    rules,
    status,
    values,
)

__all__ = [
    "app",
    "check",
    "expect",
    "facts",
    "impact",
    "lint",
    "live",
    "main",
    "rules",
    "status",
    "values",
]
