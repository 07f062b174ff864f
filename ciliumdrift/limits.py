"""One input budget for every path: bytes, YAML nodes, documents, aliases, time.

Whatever ciliumdrift reads (a file, standard input, a sysdump member, a kubeconfig, a token
file, an API response body, an exec channel) is bounded *before* it is parsed and *while*
it is read: nothing calls an unbounded ``read()``, and YAML structure is counted per file
(all documents together), so many small documents cannot add up to what one large one
may not. A refusal is an :class:`~ciliumdrift.errors.InputError` with a position.

The limits (defaults below, sized from real inputs; see ``docs/limits.md``) can be changed
for one run with environment variables ``CILIUMDRIFT_LIMIT_<NAME>`` (for instance
``CILIUMDRIFT_LIMIT_STATUS_BYTES=16MiB``) or in code with :func:`override`.

Files are opened only if they are regular files (or ``-``, standard input): a FIFO, a
device or a socket is refused from ``stat`` before ``open``, and ``open`` itself is
non-blocking, so a FIFO swapped in between cannot hang the run either.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields, replace
from pathlib import Path
from typing import IO

from ciliumdrift.errors import InputError, YamlError
from ciliumdrift.model import Position
from ciliumdrift.records import record
from ciliumdrift.regex import lazy_pattern

KiB = 1024
MiB = 1024 * KiB


@record
class Limits:
    """Every bound on input, in one place (see the module docstring for how to change them).

    Byte limits apply to the file as stored (and, for archives, to each member and to the
    unpacked total); structure limits apply to one file, all its YAML documents together.
    """

    #: A values file is ~10 KiB; the full Cilium 1.20 chart values.yaml is 184 KiB.
    yaml_bytes: int = 1 * MiB
    #: Talos configs carry inline manifests; 4 MiB is Talos' own gRPC ceiling for a config.
    talos_bytes: int = 4 * MiB
    #: A verbose status of a node with thousands of controllers is 1-3 MiB and ~15,000
    #: lines (``-o json`` is read whole by the JSON parser and has no line limit).
    status_bytes: int = 8 * MiB
    status_lines: int = 40_000
    #: Any other text input (pyproject.toml, --set-file, a chart file).
    text_bytes: int = 8 * MiB
    #: A kubeconfig with hundreds of contexts is well under 1 MiB.
    kubeconfig_bytes: int = 4 * MiB
    #: A token, a CA bundle, a client key.
    credential_bytes: int = 1 * MiB
    #: One API response body (a pod list of a 5,000-node cluster is ~40 MiB of JSON).
    api_body_bytes: int = 64 * MiB
    #: One exec channel (stdout of `cilium status -o json`; stderr and the error channel
    #: are capped at :attr:`exec_side_bytes`).
    exec_stdout_bytes: int = 16 * MiB
    exec_side_bytes: int = 64 * KiB
    #: Websocket frames of one exec (a status arrives in a few hundred frames).
    exec_frames: int = 100_000
    #: A sysdump zip on disk, one member unpacked, and everything unpacked together.
    archive_bytes: int = 2048 * MiB
    member_bytes: int = 16 * MiB
    unpacked_bytes: int = 256 * MiB
    archive_members: int = 50_000
    #: Archives inside archives (a bugtool tarball inside a sysdump zip is depth 1).
    archive_depth: int = 1
    #: YAML structure per file: nodes as written, documents, nodes once aliases expand, depth.
    yaml_nodes: int = 20_000
    yaml_documents: int = 1_000
    yaml_expanded_nodes: int = 250_000
    yaml_depth: int = 100
    #: Overall deadline of one API call and of one exec, in seconds (the CLI's --timeout).
    call_seconds: float = 30.0


DEFAULTS = Limits()
_ENV_PREFIX = "CILIUMDRIFT_LIMIT_"
_SIZE = lazy_pattern(r"^\s*(\d+(?:\.\d+)?)\s*(b|kib|kb|k|mib|mb|m|gib|gb|g)?\s*$", re.I)
_UNITS = {"": 1, "b": 1, "k": KiB, "kb": KiB, "kib": KiB, "m": MiB, "mb": MiB, "mib": MiB}
_UNITS.update({"g": 1024 * MiB, "gb": 1024 * MiB, "gib": 1024 * MiB})
_override: Limits | None = None


def current() -> Limits:
    """The limits in force: :func:`override`, else the environment, else the defaults."""
    if _override is not None:
        return _override
    return from_environment(os.environ)


def from_environment(environ: os._Environ[str] | dict[str, str]) -> Limits:
    """The defaults with every ``CILIUMDRIFT_LIMIT_<FIELD>`` variable applied."""
    changes: dict[str, int | float] = {}
    for spec in fields(Limits):
        raw = environ.get(_ENV_PREFIX + spec.name.upper())
        if raw is None or raw.strip() == "":
            continue
        changes[spec.name] = _parse_limit(spec.name, raw, float if spec.type == "float" else int)
    return replace(DEFAULTS, **changes) if changes else DEFAULTS  # type: ignore[arg-type]


def _parse_limit(name: str, raw: str, kind: type[int] | type[float]) -> int | float:
    match = _SIZE.match(raw)
    if match is None:
        raise InputError(
            f"{_ENV_PREFIX}{name.upper()}: expected a number (with KiB/MiB/GiB for sizes)"
        )
    number = float(match.group(1)) * _UNITS[(match.group(2) or "").lower()]
    if number <= 0:
        raise InputError(f"{_ENV_PREFIX}{name.upper()}: must be positive")
    return kind(number)


@contextmanager
def override(**changes: int | float) -> Iterator[Limits]:
    """Run a block with some limits changed (``with override(status_bytes=16 * MiB):``)."""
    global _override
    previous = _override
    _override = replace(current(), **changes)  # type: ignore[arg-type]
    try:
        yield _override
    finally:
        _override = previous


def describe_size(size: int) -> str:
    """``1 MiB``, ``64 KiB``, ``300 bytes``: how messages name a byte limit."""
    if size >= MiB and size % MiB == 0:
        return f"{size // MiB} MiB"
    if size >= KiB and size % KiB == 0:
        return f"{size // KiB} KiB"
    return f"{size} bytes"


def too_large(what: str, limit: int, field_name: str) -> str:
    """The one wording of a byte-limit refusal, naming the variable that raises it."""
    return (
        f"{what} larger than the {describe_size(limit)} limit "
        f"(raise it with {_ENV_PREFIX}{field_name.upper()})"
    )


# --- files ---------------------------------------------------------------------------------

_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a directory"),
)


def _kind_of(mode: int) -> str:
    for test, kind in _KINDS:
        if test(mode):
            return kind
    return "not a regular file"


def _refuse_mode(mode: int, name: str) -> None:
    if not stat.S_ISREG(mode):
        kind = _kind_of(mode)
        text = kind if kind.startswith("not") else f"is {kind}, not a regular file"
        raise InputError(text, Position(name, 1, 1))


def open_regular(path: str | os.PathLike[str], name: str | None = None) -> IO[bytes]:
    """Open a regular file for reading; refuse anything else at once, never block.

    ``stat`` before ``open`` refuses a FIFO, device, socket or directory without touching
    it; ``open`` is non-blocking (a FIFO swapped in afterwards cannot hang it) and ``fstat``
    confirms what was opened.
    """
    shown = str(path) if name is None else name
    try:
        _refuse_mode(os.stat(path).st_mode, shown)
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
        descriptor = os.open(path, flags | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise InputError("no such file", Position(shown, 1, 1)) from None
    except PermissionError:
        raise InputError("permission denied", Position(shown, 1, 1)) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a regular file", Position(shown, 1, 1)) from None
    except OSError as error:
        reason = "cannot read" if error.errno in (errno.ENXIO, None) else error.strerror
        raise InputError(reason or "cannot read", Position(shown, 1, 1)) from None
    try:
        _refuse_mode(os.fstat(descriptor).st_mode, shown)
    except BaseException:
        os.close(descriptor)
        raise
    return os.fdopen(descriptor, "rb")


def read_bounded(stream: IO[bytes], limit: int, name: str, field_name: str, what: str) -> bytes:
    """Read at most ``limit`` bytes in chunks; one byte more is a refusal (never a big read)."""
    chunks: list[bytes] = []
    total = 0
    chunk = 256 * KiB
    while True:
        try:
            data = stream.read(min(chunk, limit + 1 - total))
        except BlockingIOError:  # pragma: no cover - a regular file never blocks
            raise InputError("would block: not a regular file", Position(name, 1, 1)) from None
        except OSError as error:
            raise InputError(error.strerror or "cannot read", Position(name, 1, 1)) from None
        if not data:
            break
        chunks.append(data)
        total += len(data)
        if total > limit:
            raise InputError(too_large(what, limit, field_name), Position(name, 1, 1))
    return b"".join(chunks)


def read_regular(
    path: str | os.PathLike[str],
    limit: int,
    field_name: str,
    *,
    name: str | None = None,
    what: str = "file",
) -> bytes:
    """The bytes of a regular file, refused (at ``name:1:1``) when over ``limit``."""
    shown = str(path) if name is None else name
    with open_regular(path, shown) as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > limit:
            raise InputError(too_large(what, limit, field_name), Position(shown, 1, 1))
        return read_bounded(handle, limit, shown, field_name, what)


def is_regular(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` names a regular file (following symlinks), without opening it."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


# --- paths referenced from inside files ----------------------------------------------------


def confine(
    reference: str,
    base: Path,
    position: Position,
    *,
    root: Path | None = None,
    what: str = "file",
) -> Path:
    """Resolve a path written in a wrapper (kustomize, Argo CD, Flux) inside its folder.

    kustomize refuses files outside the kustomization root and Argo CD refuses
    ``spec.source.path`` outside the repository; so does this: an absolute path, or one
    whose ``..`` (or a symlink) leaves ``root`` (default: ``base``, the folder of the file
    that names it; a root given with ``--root`` / ``CILIUMDRIFT_ROOT`` widens it), is an
    :class:`InputError` at the reference's position.
    """
    if "\x00" in reference:
        raise InputError(f"{what} path holds a NUL character", position)
    if reference.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:[\\/]", reference):
        raise InputError(
            f"{what} path is absolute: only paths inside the folder of the file that names "
            "them are read (as kustomize and Argo CD require)",
            position,
        )
    fence = (root if root is not None else configured_root() or base).resolve()
    target = (base / reference).resolve()
    if target != fence and fence not in target.parents:
        raise InputError(
            f"{what} path leaves {fence_description(root)}: only paths inside it are read "
            "(as kustomize and Argo CD require; name a wider root with CILIUMDRIFT_ROOT)",
            position,
        )
    return base / reference


def escapes(reference: str, base: Path, *, root: Path | None = None) -> bool:
    """Whether :func:`confine` would refuse ``reference`` (for callers that skip, not fail)."""
    try:
        confine(reference, base, Position(str(base), 1, 1), root=root)
    except InputError:
        return True
    return False


def configured_root() -> Path | None:
    """The root the user named (``CILIUMDRIFT_ROOT``) that referenced files may use."""
    raw = os.environ.get("CILIUMDRIFT_ROOT")
    return Path(raw) if raw else None


def fence_description(root: Path | None) -> str:
    if root is not None or configured_root() is not None:
        return "the root folder"
    return "the folder of the file that names it"


# --- structure -----------------------------------------------------------------------------


class FileBudget:
    """YAML structure counted for one whole file, every document together.

    The YAML reader calls :meth:`document`, :meth:`node` and :meth:`expand` as it builds;
    each raises :class:`~ciliumdrift.errors.YamlError` at the position that crosses a limit.
    """

    __slots__ = ("documents", "expanded", "limits", "nodes")

    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or current()
        self.documents = 0
        self.nodes = 0
        self.expanded = 0

    def document(self, position: Position) -> None:
        self.documents += 1
        if self.documents > self.limits.yaml_documents:
            _yaml_refusal(
                f"more than {self.limits.yaml_documents} YAML documents in one file", position
            )

    def node(self, position: Position, count: int = 1) -> None:
        self.nodes += count
        if self.nodes > self.limits.yaml_nodes:
            _yaml_refusal(f"more than {self.limits.yaml_nodes} YAML nodes in one file", position)

    def expand(self, size: int, position: Position) -> None:
        self.expanded += size
        if self.expanded > self.limits.yaml_expanded_nodes:
            _yaml_refusal(
                f"aliases expand to more than {self.limits.yaml_expanded_nodes} nodes in one "
                "file (a YAML bomb?)",
                position,
            )


#: The budget of each file read in this process, for texts embedded in it (an Argo CD
#: ``helm.values`` string, a Talos patch in a talconfig) that are parsed on their own.
_FILE_BUDGETS: dict[str, FileBudget] = {}
_MAX_TRACKED_FILES = 4096


def start_file(name: str) -> FileBudget:
    """A fresh budget for a file that is being read (again); embedded texts share it."""
    if len(_FILE_BUDGETS) >= _MAX_TRACKED_FILES:
        _FILE_BUDGETS.clear()
    budget = _FILE_BUDGETS[name] = FileBudget()
    return budget


def budget_for(name: str) -> FileBudget:
    """The budget of the file ``name`` (fresh when the file was not read through textio)."""
    budget = _FILE_BUDGETS.get(name)
    return budget if budget is not None else start_file(name)


def _yaml_refusal(message: str, position: Position) -> None:
    raise YamlError(message, position)


# --- time ----------------------------------------------------------------------------------


class Deadline:
    """An overall deadline (monotonic clock): per API call, per exec, per plugin run."""

    __slots__ = ("end", "seconds")

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def remaining(self) -> float:
        return max(self.end - time.monotonic(), 0.0)

    def expired(self) -> bool:
        return time.monotonic() >= self.end
