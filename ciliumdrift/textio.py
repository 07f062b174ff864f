"""Reading user files as text, safely: a size limit, no binary, one encoding rule.

Every stage reads its input through :func:`read_text`, so that a missing file, a binary
file or a 2 GiB file gives the same kind of one-line error everywhere, in bounded memory.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ciliumdrift.errors import InputError
from ciliumdrift.model import Position

#: Larger inputs are refused before they are read (a values file is ~10 KiB, a verbose
#: status with thousands of controllers a few MiB).
MAX_INPUT_BYTES = 32 * 1024 * 1024

STDIN = "<stdin>"


def read_text(path: str | Path, *, limit: int = MAX_INPUT_BYTES) -> tuple[str, str]:
    """Return ``(name, text)`` for a path or ``-`` (standard input).

    Decodes UTF-8 (a BOM is dropped; UTF-16 with a BOM is accepted); refuses files over
    ``limit`` bytes and files that hold NUL bytes or are not text.
    """
    name = STDIN if str(path) == "-" else str(path)
    if name == STDIN:
        data = sys.stdin.buffer.read(limit + 1)
    else:
        file = Path(path)
        try:
            if file.is_dir():
                raise InputError("is a directory, not a file", Position(name, 1, 1))
            with file.open("rb") as handle:
                data = handle.read(limit + 1)
        except FileNotFoundError:
            raise InputError("no such file", Position(name, 1, 1)) from None
        except PermissionError:
            raise InputError("permission denied", Position(name, 1, 1)) from None
        except IsADirectoryError:
            raise InputError("is a directory, not a file", Position(name, 1, 1)) from None
        except OSError as error:
            raise InputError(error.strerror or "cannot read", Position(name, 1, 1)) from None
    if len(data) > limit:
        raise InputError(
            f"larger than the {limit // (1024 * 1024)} MiB limit", Position(name, 1, 1)
        )
    return name, decode(data, name)


def decode(data: bytes, name: str) -> str:
    """Bytes to text with a BOM rule; NUL bytes or undecodable bytes are an InputError."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise InputError("not valid UTF-16 text", Position(name, 1, 1)) from None
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
