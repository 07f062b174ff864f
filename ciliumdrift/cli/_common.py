"""What every command shares: the exit-code decision, one-line errors, output writing."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from ciliumdrift.report import DocumentFormat, ReportFormat
from ciliumdrift.report.policy import EXIT_CLEAN as EXIT_CLEAN
from ciliumdrift.report.policy import EXIT_FINDINGS as EXIT_FINDINGS
from ciliumdrift.report.policy import EXIT_INPUT, FailOn

EXIT_INTERRUPTED = 130


def fail(message: str, code: int = EXIT_INPUT) -> NoReturn:
    """Print one line on stderr and exit; never a traceback."""
    line = " ".join(str(message).split())
    typer.echo(f"ciliumdrift: {line}" if not _has_position(line) else line, err=True)
    raise typer.Exit(code)


def _has_position(line: str) -> bool:
    head = line.split(": ", 1)[0]
    parts = head.rsplit(":", 2)
    return len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit()


@contextmanager
def errors_to_exit() -> Iterator[None]:
    """Turn library errors into one stderr line and exit 2; Ctrl-C into exit 130."""
    from ciliumdrift.errors import CiliumdriftError

    try:
        yield
    except typer.Exit:
        raise
    except CiliumdriftError as error:
        fail(str(error))
    except KeyboardInterrupt:
        typer.echo("ciliumdrift: interrupted", err=True)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except OSError as error:
        name = getattr(error, "filename", None)
        reason = error.strerror or str(error)
        fail(f"{name}:1:1: {reason}" if name else reason)
    except RecursionError:
        fail("input nested too deeply")
    except MemoryError:
        fail("input too large")
    except Exception as error:  # a defect: still one line, never a traceback
        fail(f"internal error: {type(error).__name__}: {error} (please report this)")


def emit(text: str, output: Path | None = None) -> None:
    """Write the whole rendered output at once: to stdout, or atomically to a file."""
    if not text.endswith("\n"):
        text += "\n"
    if output is None or str(output) == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    directory = output.parent if str(output.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{output.name}.", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, output)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_input(path: str) -> tuple[str, str]:
    """Read a text input ('-' is standard input); returns (display name, text)."""
    from ciliumdrift.textio import read_text

    return read_text(path)


Runner = Callable[[], int]


def run(body: Runner) -> None:
    """Run a command body inside the error boundary and exit with its code."""
    with errors_to_exit():
        code = body()
    raise typer.Exit(code)


# Options that several commands share, declared once (typer reads the Annotated metadata).
ValuesFiles = Annotated[
    list[str], typer.Option("--values", "-f", metavar="FILE", help="Helm values file, in order.")
]
SetValues = Annotated[list[str], typer.Option("--set", metavar="K=V", help="Helm --set.")]
SetStrings = Annotated[list[str], typer.Option("--set-string", metavar="K=V")]
SetJsons = Annotated[list[str], typer.Option("--set-json", metavar="K=JSON")]
SetFiles = Annotated[list[str], typer.Option("--set-file", metavar="K=PATH")]
SetLiterals = Annotated[list[str], typer.Option("--set-literal", metavar="K=V")]
TalosFiles = Annotated[
    list[str], typer.Option("--talos", metavar="FILE", help="Talos machine config or patch.")
]
CiliumVersion = Annotated[
    str | None, typer.Option("--cilium-version", metavar="V", help="Chart/agent version.")
]
Kernels = Annotated[
    list[str], typer.Option("--kernel", metavar="[NODE=]VERSION", help="A node's kernel.")
]

# Output options: every command that prints findings takes the same ones.
ReportFormatOption = Annotated[
    ReportFormat, typer.Option("--format", help="Output format.", case_sensitive=False)
]
DocumentFormatOption = Annotated[
    DocumentFormat, typer.Option("--format", help="Output format.", case_sensitive=False)
]
FailOnOption = Annotated[
    FailOn,
    typer.Option(
        "--fail-on",
        help="Exit 1 on findings of this severity or above (warnings and notes exit 0 by default).",
        case_sensitive=False,
    ),
]
Output = Annotated[
    Path | None, typer.Option("--output", "-o", metavar="FILE", help="Write here, atomically.")
]
Verbose = Annotated[
    bool, typer.Option("--verbose", "-v", help="Every node's full table and every node name.")
]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Print only the findings.")]


def finish_check(
    report: object,
    fmt: ReportFormat,
    output: Path | None,
    *,
    fail_on: FailOn,
    fail_on_health: bool = False,
    verbose: bool = False,
    quiet: bool = False,
    missing: str | None = None,
) -> int:
    """Render a check or live report, then decide the exit code (2 when nothing compared)."""
    from ciliumdrift.model import Report
    from ciliumdrift.report import Format, render
    from ciliumdrift.report.policy import exit_code, nothing_compared

    assert isinstance(report, Report)
    chosen = Format(fmt.value)
    options = {"verbose": verbose, "quiet": quiet} if chosen is Format.TEXT else {}
    text = render(report, chosen, **options)
    if text or output is not None:  # --quiet on a clean run prints nothing at all
        emit(text, output)
    reason = nothing_compared(report)
    if reason is not None:
        fail(missing or reason)
    return exit_code(report, fail_on=fail_on, fail_on_health=fail_on_health)
