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

    _quiet_dependencies()
    _exit_cleanly_on_signals()
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
        from ciliumdrift.report.escape import message as safe_message

        text = safe_message(message) if usage else ""  # a defect's text may quote input
        if text or not usage:  # no-args help has already been printed and has no message
            typer.echo(f"ciliumdrift: {prefix}" + (f": {text}" if text else ""), err=True)
        code = 2
    except KeyboardInterrupt:
        typer.echo("ciliumdrift: interrupted", err=True)
        code = 130
    sys.exit(code if isinstance(code, int) else 0)


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
    root = logging.getLogger()
    root.addHandler(silent)  # no "last resort" handler printing records on stderr
    root.setLevel(logging.CRITICAL + 1)
    for name in ("urllib3", "kubernetes", "websocket", "py.warnings"):
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
