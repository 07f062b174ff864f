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
    """Console-script entry point: usage errors are one line on stderr and exit 2, too."""
    import sys

    try:
        code = app(standalone_mode=False)
    except typer.Exit as done:
        code = done.exit_code
    except Exception as error:
        # click's UsageError family (bundled by typer) carries the exit code 2; anything else
        # reaching here is a defect, reported on one line all the same.
        formatter = getattr(error, "format_message", None)
        message = formatter() if callable(formatter) else str(error)
        usage = getattr(error, "exit_code", None) == 2
        prefix = "usage" if usage else f"internal error: {type(error).__name__}"
        text = " ".join(str(message).split())
        if text:  # no-args help has already been printed and has no message
            typer.echo(f"ciliumdrift: {prefix}: {text}", err=True)
        code = 2
    except KeyboardInterrupt:
        typer.echo("ciliumdrift: interrupted", err=True)
        code = 130
    sys.exit(code if isinstance(code, int) else 0)


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
    serve,
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
    "serve",
    "status",
    "values",
]
