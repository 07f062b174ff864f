"""Reading user files as text, safely: a size limit, no binary, one encoding rule.

Every stage reads its input through :func:`read_text`, so that a missing file, a binary
file or a 2 GiB file gives the same kind of one-line error everywhere, in bounded memory.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from ciliumdrift import limits
from ciliumdrift.errors import InputError
from ciliumdrift.model import Position

#: Kept for callers that name the general limit; the value in force is
#: :attr:`ciliumdrift.limits.Limits.status_bytes` (adjustable, see :mod:`ciliumdrift.limits`).
MAX_INPUT_BYTES = 8 * 1024 * 1024

STDIN = "<stdin>"

#: The files read in the current reading (:func:`reading_once`), by name: (bytes, text).
_READ: ContextVar[dict[str, tuple[int, str]] | None] = ContextVar("ciliumdrift_read", default=None)


@contextmanager
def reading_once() -> Iterator[None]:
    """Inside, each file is read from disk once: a later :func:`read_text` of the same name
    (within its limit) gets the text of the first (lint reads a file a wrapper points at
    for its layers as written, for the model, and on its own). Nested readings share it."""
    if _READ.get() is not None:
        yield
        return
    token = _READ.set({})
    try:
        yield
    finally:
        _READ.reset(token)


def read_text(
    path: str | Path, *, limit: int | None = None, field_name: str = "status_bytes"
) -> tuple[str, str]:
    """Return ``(name, text)`` for a regular file or ``-`` (standard input).

    Decodes UTF-8 (a BOM is dropped; UTF-16 with a BOM is accepted); refuses files over
    ``limit`` bytes (default: the status limit in force), anything but a regular file (a
    FIFO, device or socket is refused before it is opened), and text with NUL bytes.
    """

    if limit is None:
        limit = getattr(limits.current(), field_name)
    name = STDIN if str(path) == "-" else str(path)
    read = _READ.get()
    found = read.get(name) if read is not None else None
    if found is not None and found[0] <= limit:
        return name, found[1]
    if name == STDIN:
        data = limits.read_bounded(sys.stdin.buffer, limit, name, field_name, "input")
    else:
        data = limits.read_regular(path, limit, field_name, name=name)
    limits.start_file(name)
    text = decode(data, name)
    if read is not None and name != STDIN:
        read[name] = (len(data), text)
    return name, text


def decode(data: bytes, name: str) -> str:
    """Bytes to text with a BOM rule; NUL bytes or undecodable bytes are an InputError."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise InputError("not valid UTF-16 text", Position(name, 1, 1)) from None
        nul = text.find("\x00")
        if nul >= 0:
            line = text.count("\n", 0, nul) + 1
            column = nul - (text.rfind("\n", 0, nul) + 1) + 1
            raise InputError("binary data (NUL character), not text", Position(name, line, column))
        return text.removeprefix("\ufeff")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        column = nul - (data.rfind(b"\n", 0, nul) + 1) + 1
        raise InputError("binary data (NUL byte), not text", Position(name, line, column))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise InputError("not UTF-8 text", Position(name, line, column)) from None
