"""The typer command line: a thin layer over the library.

Each command lives in its own module and registers itself on :data:`app` when imported.
Command modules import nothing heavy at module level: ``ciliumdrift --help`` stays fast.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any

import typer
from typer.core import TyperGroup


def _plain_help_wanted() -> bool:
    """NO_COLOR (https://no-color.org: set and not empty) asks for help without ANSI codes.

    Rich honours NO_COLOR for colours but still prints bold and dim, so help is then
    rendered by click's plain formatter instead.
    """
    return bool(os.environ.get("NO_COLOR")) or os.environ.get("TERM") == "dumb"


class _CommandLine(TyperGroup):
    """The root command: every usage error is one line on stderr and exit 2.

    click (as bundled by typer) prints a usage box, or a traceback for errors raised inside
    a command; this turns all of them into ``ciliumdrift: usage: <message>``, whether the
    command line came from the console script or from a test's ``CliRunner``.
    """

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        self._set_help_style()
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except KeyboardInterrupt:
            typer.echo("ciliumdrift: interrupted", err=True)
            code = 130
        except Exception as error:  # click's exceptions are not importable by a stable name
            code, line = _error_line(error)
            if line:
                typer.echo(f"ciliumdrift: {line}", err=True)
        code = code if isinstance(code, int) else 0
        if standalone_mode:
            sys.exit(code)
        return code

    def _set_help_style(self) -> None:
        plain = _plain_help_wanted()
        for command in (self, *self.commands.values()):
            if not hasattr(command, "_rich_markup_mode_default"):
                command._rich_markup_mode_default = getattr(  # type: ignore[attr-defined]
                    command, "rich_markup_mode", None
                )
            command.rich_markup_mode = (  # type: ignore[attr-defined]
                None if plain else command._rich_markup_mode_default  # type: ignore[attr-defined]
            )


def _error_line(error: BaseException) -> tuple[int, str]:
    """The exit code and the one line for an error that reached the root command."""
    from ciliumdrift.cli._common import usage_message

    if type(error).__name__ == "NoArgsIsHelpError":  # bare `ciliumdrift`: help, exit 2
        ctx = getattr(error, "ctx", None)
        if ctx is not None:
            typer.echo(ctx.get_help())
        return 2, ""
    from ciliumdrift.report.escape import message as safe_message

    message = usage_message(error)
    if message is not None:
        return 2, f"usage: {safe_message(message)}"
    if type(error).__name__ == "Abort":
        return 1, "aborted"
    # The exception's text is not shown: it may quote input (a secret, for one).
    return 2, f"internal error: {type(error).__name__} (please report this)"


app = typer.Typer(
    name="ciliumdrift",
    cls=_CommandLine,
    help="Is the Cilium datapath that is running the one your config asks for? If not, why?",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def main() -> None:
    """Console-script entry point (the root command does the error handling)."""
    _quiet_dependencies()
    _exit_cleanly_on_signals()
    app()


def _quiet_dependencies() -> None:
    """Dependencies' warnings and log records never reach the terminal unfiltered.

    ruamel's ``ReusedAnchorWarning``, urllib3's ``FutureWarning`` and retry warnings, and the
    kubernetes client's ``logging.error`` of an exec plugin's output (which can hold its
    credentials) are dropped: what matters reaches the user as ciliumdrift's own message.
    """
    import logging
    import warnings

    warnings.simplefilter("ignore")
    logging.captureWarnings(True)
    silent = logging.NullHandler()
    # Records logged on the root logger itself come from libraries (the kubernetes client
    # calls logging.error()); ours are named ciliumdrift.* and propagate to root's handlers.
    logging.getLogger().addFilter(lambda record: record.name.startswith("ciliumdrift"))
    for name in ("urllib3", "kubernetes", "websocket", "py.warnings", "oauthlib", "google"):
        logger = logging.getLogger(name)
        logger.addHandler(silent)
        logger.propagate = False


def _exit_cleanly_on_signals() -> None:
    """SIGTERM and SIGHUP end the run like Ctrl-C does: ``finally`` blocks and exit
    handlers run (temporary files are removed), and the exit code is 128 + the signal."""
    import contextlib
    import signal

    def stop(number: int, _frame: object) -> None:
        raise SystemExit(128 + number)

    for name in ("SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is not None:
            with contextlib.suppress(ValueError, OSError):  # not the main thread
                signal.signal(number, stop)


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
