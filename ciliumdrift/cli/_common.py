"""What every command shares: the exit-code decision, one-line errors, output writing."""

from __future__ import annotations

import errno
import os
import stat
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from ciliumdrift.errors import CiliumdriftError
from ciliumdrift.model import Report
from ciliumdrift.report import EXIT_CLEAN as EXIT_CLEAN
from ciliumdrift.report import EXIT_FINDINGS as EXIT_FINDINGS
from ciliumdrift.report import EXIT_INPUT, DocumentFormat, FailOn, Format, ReportFormat, render
from ciliumdrift.report.escape import message as safe_message
from ciliumdrift.report.escape import output as safe_output
from ciliumdrift.report.policy import exit_code, nothing_compared
from ciliumdrift.textio import read_text

EXIT_INTERRUPTED = 130


def fail(message: str, code: int = EXIT_INPUT) -> NoReturn:
    """Print one line on stderr and exit; never a traceback, never a control character
    or URL credentials from input (:func:`ciliumdrift.report.escape.message`)."""

    line = safe_message(message)
    typer.echo(f"ciliumdrift: {line}" if not _has_position(line) else line, err=True)
    raise typer.Exit(code)


def usage(message: str) -> NoReturn:
    """A command line that cannot work (a missing input, a format the command lacks): exit 2."""
    fail(f"usage: {message}")


def _has_position(line: str) -> bool:
    head = line.split(": ", 1)[0]
    parts = head.rsplit(":", 2)
    return len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit()


@contextmanager
def errors_to_exit() -> Iterator[None]:
    """Turn library errors into one stderr line and exit 2; Ctrl-C into exit 130."""

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
        fail("input nested too deeply (see docs/limits.md)")
    except MemoryError:
        fail("input too large (see docs/limits.md)")
    except Exception as error:
        usage = usage_message(error)
        if usage is not None:  # typer.BadParameter and the rest of click's UsageError family
            fail(f"usage: {usage}")
        # A defect: still one line, never a traceback; the exception's text is not shown
        # (it may quote input, a secret for one). Developers can ask for the traceback.
        if os.environ.get("CILIUMDRIFT_DEBUG_TRACEBACK") == "1":
            traceback.print_exc()
        fail(f"internal error: {type(error).__name__} (please report this)")


def usage_message(error: BaseException) -> str | None:
    """The one-line text of a click usage error (exit code 2), None for anything else.

    typer bundles its own copy of click, so the classes are matched by behaviour: a
    ``format_message`` method and ``exit_code`` 2.
    """
    formatter = getattr(error, "format_message", None)
    if not callable(formatter) or getattr(error, "exit_code", None) != 2:
        return None
    return " ".join(str(formatter()).split())


# Every output format name any command accepts.
FORMAT_NAMES = frozenset(f.value for f in Format)


def check_output(value: Path | None) -> Path | None:
    """``-o json`` names a format, not a file: refuse it with the hint the user needs."""
    if value is not None and str(value) in FORMAT_NAMES and not value.exists():
        raise typer.BadParameter(
            f"{value} names an output format, not a file: did you mean --format {value}? "
            f"(-o ./{value} writes a file of that name)",
            param_hint="-o",
        )
    return value


def emit(text: str, output: Path | None = None, *, workflow_commands: bool = False) -> None:
    """Write the whole rendered output at once.

    ``None`` and ``-`` are standard output. A regular file (or a name that does not exist
    yet) is written atomically: a temporary file in the same folder, then a rename over the
    target, with the mode a new file gets under the umask (an existing file keeps its mode;
    a symlink is followed, not replaced). Anything else (``/dev/stdout``, a pipe such as
    ``-o >(gzip > out.gz)``, a terminal) is opened and written directly: renaming over a
    device would replace it with a regular file.
    """

    # The last neutralising pass: no control character from input reaches the terminal, and
    # no line starts a GitHub workflow command unless the output is meant to be commands.
    text = safe_output(text, workflow_commands=workflow_commands)
    if not text.endswith("\n"):
        text += "\n"
    if output is None or str(output) == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        existing: os.stat_result | None = os.stat(output)  # follows /dev/stdout -> pipe
    except FileNotFoundError:
        existing = None
    if existing is not None and stat.S_ISDIR(existing.st_mode):
        raise IsADirectoryError(errno.EISDIR, "is a directory", str(output))
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        with open(output, "w", encoding="utf-8") as stream:  # a device or a pipe
            stream.write(text)
        return
    target = Path(os.path.realpath(output))  # a symlinked file: replace its target, not the link
    mode = stat.S_IMODE(existing.st_mode) if existing is not None else _new_file_mode()
    fd, tmp = _new_sibling(target)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _new_sibling(target: Path) -> tuple[int, str]:
    """A new, exclusive file beside ``target`` (what ``tempfile.mkstemp`` does, without the
    2 ms that importing tempfile adds to every start)."""
    for attempt in range(100):
        name = str(target.parent / f".{target.name}.{os.getpid()}.{attempt}.tmp")
        try:
            return os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), name
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary name", str(target.parent))


def _new_file_mode() -> int:
    """0o666 less the umask: the mode ``open()`` would give a new file."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def read_input(path: str) -> tuple[str, str]:
    """Read a text input ('-' is standard input); returns (display name, text)."""

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
Output = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        metavar="FILE",
        callback=check_output,
        help="Write here (a file atomically; - , a pipe or a device directly).",
    ),
]
AgentLogs = Annotated[
    list[str],
    typer.Option(
        "--agent-log",
        metavar="[NODE=]FILE",
        help="An agent log (kubectl -n kube-system logs ds/cilium -c cilium-agent).",
    ),
]
KernelLogs = Annotated[
    list[str],
    typer.Option(
        "--kernel-log",
        metavar="[NODE=]FILE",
        help="A node's kernel log (dmesg, talosctl dmesg, journalctl -k).",
    ),
]
NodeConfigs = Annotated[
    list[str],
    typer.Option("--node-config", metavar="FILE", help="CiliumNodeConfig overrides (YAML)."),
]
Devices = Annotated[
    list[str],
    typer.Option(
        "--device", metavar="[NODE=]NAME:DRIVER", help="A node device and its driver (ethtool -i)."
    ),
]
NodeLabels = Annotated[
    list[str],
    typer.Option("--node-label", metavar="NODE=KEY=VALUE", help="A node label (node selectors)."),
]

# Cluster options: ``live`` and ``serve`` read a cluster the same way (defaults stay with
# each command: serve is gentler on the API server).
Kubeconfig = Annotated[
    str | None,
    typer.Option(
        "--kubeconfig",
        metavar="PATH",
        help="Only this kubeconfig (else KUBECONFIG, else in-cluster). Its exec plugins run, "
        "as with kubectl.",
    ),
]
KubeContext = Annotated[
    str | None, typer.Option("--context", metavar="NAME", help="kubeconfig context.")
]
AgentNamespace = Annotated[
    str, typer.Option("--namespace", "-n", metavar="NS", help="Where the agents run.")
]
AgentSelector = Annotated[
    str, typer.Option("--selector", "-l", metavar="LABELS", help="Agent pod label selector.")
]
Concurrency = Annotated[
    int,
    typer.Option(
        "--concurrency",
        metavar="N",
        min=1,
        max=1024,
        help="Execs in flight at once (bounds the streams the API server proxies).",
    ),
]
Timeout = Annotated[
    float,
    typer.Option(
        "--timeout",
        metavar="SECONDS",
        min=0.1,
        help="Per exec (connect, upgrade, output) and per API call.",
    ),
]
ReadHelmRelease = Annotated[
    bool,
    typer.Option("--read-helm-release", help="Also read the Helm release Secret (needs RBAC)."),
]
HelmReleaseName = Annotated[
    str, typer.Option("--release", metavar="NAME", help="Helm release name.")
]
Chart = Annotated[
    str | None, typer.Option("--chart", metavar="VERSION|DIR|TGZ|none", help="Chart defaults.")
]
PrometheusUrl = Annotated[
    str | None,
    typer.Option(
        "--prometheus",
        metavar="URL",
        help="Read the agents' config from this Prometheus (cilium_feature_*, drift "
        "checker, versions); exec only where the metrics do not tell.",
    ),
]
PrometheusToken = Annotated[
    Path | None,
    typer.Option(
        "--prometheus-bearer-token-file", metavar="FILE", help="Bearer token for Prometheus."
    ),
]
PrometheusCa = Annotated[
    Path | None,
    typer.Option("--prometheus-ca-file", metavar="FILE", help="CA bundle for Prometheus."),
]
Sample = Annotated[
    int,
    typer.Option(
        "--sample",
        metavar="N",
        min=0,
        help="With --prometheus: cilium-dbg status execs per group of identical nodes.",
    ),
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
    matrix: bool = False,
    render_as: Callable[[Report, int], str] | None = None,
) -> int:
    """Render a check or live report, then decide the exit code (2 when nothing compared).

    ``matrix``: text shows the fleet matrix (``live``) instead of a table per group.
    ``render_as``: the text from the report and its exit code, instead of the format's own
    renderer (``live``'s fleet view).
    """

    assert isinstance(report, Report)
    code = exit_code(report, fail_on=fail_on, fail_on_health=fail_on_health)
    chosen = Format(fmt.value)
    if render_as is not None:
        text = render_as(report, code)
    else:
        options = (
            {"verbose": verbose, "quiet": quiet, "matrix": matrix} if chosen is Format.TEXT else {}
        )
        text = render(report, chosen, **options)
    if text or output is not None:  # --quiet on a clean run prints nothing at all
        emit(text, output, workflow_commands=chosen is Format.GITHUB)
    reason = nothing_compared(report)
    if reason is not None:
        fail(missing or reason)
    return code
