"""The typer command line: a thin layer over the library.

Each command lives in its own module and registers itself on :data:`app`. Command
modules import nothing heavy at module level: ``ciliumdrift --help`` must stay fast.
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

# Registration happens on import; the order is the order of `--help`.
from ciliumdrift.cli import _optional  # noqa: E402
from ciliumdrift.cli import check as _check  # noqa: E402,F401


def main() -> None:
    """Console-script entry point."""
    _optional.register_all()
    app()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", help="Print the version and exit."),
) -> None:
    if version:
        from ciliumdrift import __version__

        typer.echo(f"ciliumdrift {__version__}")
        raise typer.Exit(0)
