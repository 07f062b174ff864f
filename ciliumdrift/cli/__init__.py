"""The typer command line: a thin layer over the library.

Each command lives in its own module, on its own one-command ``typer.Typer`` (``app``). The
root command loads only the module of the command being run: :data:`COMMANDS` declares every
command's module and its one-line help, which ``ciliumdrift --help`` lists without importing
any of them (``tests/unit/test_startup.py`` keeps each line equal to the command's docstring).
"""

from __future__ import annotations

import contextlib
import importlib
import os
import signal
import sys
import warnings
from collections.abc import Sequence
from difflib import get_close_matches
from functools import cache
from typing import Any

import click
import typer
from typer.core import TyperGroup

from ciliumdrift import __version__
from ciliumdrift.cli._common import usage_message
from ciliumdrift.report.escape import message as safe_message

#: Every command, in the order of ``--help``: its module and its one-line help.
COMMANDS: dict[str, tuple[str, str]] = {
    "check": (
        "ciliumdrift.cli.check",
        "Check that the running datapath is the one the config asks for; explain every mismatch.",
    ),
    "expect": (
        "ciliumdrift.cli.expect",
        "Print what each config-determined `cilium status` line must show, and why.",
    ),
    "facts": (
        "ciliumdrift.cli.facts",
        "List the status lines ciliumdrift derives, or print one fact's documentation.",
    ),
    "impact": (
        "ciliumdrift.cli.impact",
        "Show which `cilium status` lines a values change moves, why, and which are disruptive.",
    ),
    "lint": (
        "ciliumdrift.cli.lint",
        "Lint Cilium Helm values (and their Talos pairing) against the chart of a Cilium version.",
    ),
    "live": (
        "ciliumdrift.cli.live",
        "Check every agent of a running cluster against the config; say which layer diverged.",
    ),
    "rules": ("ciliumdrift.cli.rules", "List the lint rules, or print one rule's documentation."),
    "serve": (
        "ciliumdrift.cli.serve",
        "Run the live check every --interval (and on POST /run); serve /metrics and /report.",
    ),
    "status": (
        "ciliumdrift.cli.status",
        "Parse a `cilium status` (text, --verbose, -o json/yaml, cilium-cli summary) and print it.",
    ),
    "values": (
        "ciliumdrift.cli.values",
        "Print the values Helm would hand to the chart, with each key's file:line:column or layer.",
    ),
}

#: The commands that load the Kubernetes client: its loggers are silenced before they run.
CLUSTER_COMMANDS = frozenset({"live", "serve"})


def load_command(name: str) -> click.Command:
    """The click command of one entry of :data:`COMMANDS` (importing its module)."""
    module = importlib.import_module(COMMANDS[name][0])
    return typer.main.get_command(module.app)


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

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        if self._listing:  # the root's help lists the one-line help of every command
            summary = COMMANDS[cmd_name][1]
            return click.Command(cmd_name, help=summary)
        command = self.commands.get(cmd_name)
        if cmd_name in CLUSTER_COMMANDS:
            _quiet_cluster_client_logs()
        if command is None:
            command = self.commands[cmd_name] = load_command(cmd_name)
            self._set_help_style(command)
        return command

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as error:
            matches = get_close_matches(args[0], COMMANDS) if args else []
            if not matches or "Did you mean" in error.message:
                raise
            suggestions = ", ".join(repr(match) for match in matches)
            message = f"{error.message.rstrip('.')}. Did you mean {suggestions}?"
            raise click.UsageError(message, error.ctx) from None

    _listing = False

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        self._set_help_style(self)
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

    @staticmethod
    def _set_help_style(command: click.Command) -> None:
        if not hasattr(command, "_rich_markup_mode_default"):
            command._rich_markup_mode_default = getattr(  # type: ignore[attr-defined]
                command, "rich_markup_mode", None
            )
        command.rich_markup_mode = (  # type: ignore[attr-defined]
            None if _plain_help_wanted() else command._rich_markup_mode_default  # type: ignore[attr-defined]
        )


def _error_line(error: BaseException) -> tuple[int, str]:
    """The exit code and the one line for an error that reached the root command."""
    if type(error).__name__ == "NoArgsIsHelpError":  # bare `ciliumdrift`: help, exit 2
        ctx = getattr(error, "ctx", None)
        if ctx is not None:
            typer.echo(ctx.get_help())
        return 2, ""
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
    warnings.simplefilter("ignore")  # ruamel's ReusedAnchorWarning, urllib3's FutureWarning
    _exit_cleanly_on_signals()
    try:
        app()
    except SystemExit as done:
        _end_now_if_calls_were_abandoned(done.code)
        raise


def _end_now_if_calls_were_abandoned(code: object) -> None:
    """A call abandoned at its deadline may still hold a library lock: end the process
    without an interpreter shutdown that would wait on it (or abort)."""
    streams = sys.modules.get("ciliumdrift.live.streams")
    if streams is not None and streams.abandoned():
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code if isinstance(code, int) else 0)


@cache  # once: each call would add another handler
def _quiet_cluster_client_logs() -> None:
    """The cluster client's log records never reach the terminal unfiltered.

    urllib3's retry warnings and the kubernetes client's ``logging.error`` of an exec
    plugin's output (which can hold its credentials) are dropped: what matters reaches the
    user as ciliumdrift's own message. Only the commands that load that client pay for
    importing :mod:`logging` (4 ms of every start otherwise).
    """
    import logging

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

    def stop(number: int, _frame: object) -> None:
        raise SystemExit(128 + number)

    for name in ("SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is not None:
            with contextlib.suppress(ValueError, OSError):  # not the main thread
                signal.signal(number, stop)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"ciliumdrift {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", is_eager=True, callback=_print_version, help="Print the version."
    ),
) -> None:
    """Is the Cilium datapath that is running the one your config asks for? If not, why?"""


__all__ = ["COMMANDS", "app", "load_command", "main"]
