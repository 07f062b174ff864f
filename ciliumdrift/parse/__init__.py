"""Parse: every form of ``cilium status`` people paste, into one typed :class:`Status`.

:func:`parse_status` detects the form itself: the agent's text output (brief or
``--verbose``, 1.14 - 1.20, whole or grep'ed), its ``-o json`` / ``-o yaml`` payload, the
cilium-cli summary with the ASCII logo, and the ``cilium config`` outputs (read into a
key/value :class:`ConfigView`). Paste damage (CRLF, ``# `` prefixes, markdown fences and
indentation, kubectl notices, re-wrapped lines) is undone first. Text that is none of
these raises :class:`~ciliumdrift.errors.StatusParseError` with the position it gave up at.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ciliumdrift.errors import CiliumdriftError, StatusParseError
from ciliumdrift.model import Position
from ciliumdrift.parse.detect import parse_text
from ciliumdrift.parse.model import Status
from ciliumdrift.parse.serialize import to_dict

__all__ = ["Status", "parse_status", "status_to_dict"]

DEFAULT_SOURCE = "<string>"


def parse_status(text: str, *, source: str | None = None) -> Status:
    """Read one ``cilium status`` output (any supported form) into a :class:`Status`.

    Raises :class:`~ciliumdrift.errors.StatusParseError` (and nothing else) when ``text``
    is not a status at all; every line it could not read is a warning in
    ``Status.diagnostics`` with its line number.
    """
    name = source or DEFAULT_SOURCE
    try:
        return _parse(text, name)
    except CiliumdriftError:
        raise
    except RecursionError:
        raise StatusParseError("input nested too deeply", Position(name, 1, 1)) from None
    except MemoryError:
        raise StatusParseError("input too large", Position(name, 1, 1)) from None
    except Exception as error:  # a defect must still surface as the library's error
        raise StatusParseError(  # the exception's text may quote the input: not shown
            f"internal parser error ({type(error).__name__}); please report this",
            Position(name, 1, 1),
        ) from error


def _parse(text: str, source: str) -> Status:
    """:func:`parse_status` without the error boundary (tests call it to see defects)."""
    if not isinstance(text, str):
        raise StatusParseError("status input must be text", Position(source, 1, 1))
    if not _READER:
        # Imported on first use, so that importing the model stays light; kept here because
        # an import statement per call costs more than a small status takes to read.

        _READER.append(parse_text)
    return _READER[0](text, source)


_READER: list[Callable[[str, str], Status]] = []


def status_to_dict(status: Status) -> dict[str, Any]:
    """The JSON-ready form of ``status`` (what ``ciliumdrift status --format json`` prints)."""

    return to_dict(status)
