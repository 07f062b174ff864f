"""What every command shares: the exit-code decision, one-line errors, output writing."""

from __future__ import annotations

import enum
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn

import typer

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_INPUT = 2
EXIT_INTERRUPTED = 130


class OutputFormat(str, enum.Enum):
    text = "text"
    json = "json"
    sarif = "sarif"
    github = "github"
    junit = "junit"
    markdown = "markdown"
    html = "html"


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
