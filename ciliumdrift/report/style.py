"""Colour and the labels that tell severities apart, shared by every text renderer.

Colour follows the usual rules: NO_COLOR disables it, FORCE_COLOR forces it, otherwise it
is on only when stdout is a terminal. The layout never needs colour: every severity has
its own word (``error``, ``warning``, ``note``) and its own mark.
"""

from __future__ import annotations

import os
import shutil
import sys

from ciliumdrift.model import Severity

# The mark before a finding and the word after it: distinguishable without colour.
MARK = {Severity.ERROR: "x", Severity.WARNING: "!", Severity.NOTE: "i"}
_ANSI = {Severity.ERROR: "\x1b[31m", Severity.WARNING: "\x1b[33m", Severity.NOTE: "\x1b[36m"}
_RESET = "\x1b[0m"

DEFAULT_WIDTH = 100  # when the output is not a terminal and COLUMNS is not set
MIN_WIDTH = 60


def use_colour(colour: bool | None = None) -> bool:
    if colour is not None:
        return colour
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return sys.stdout.isatty()


def paint(text: str, severity: Severity, coloured: bool) -> str:
    return f"{_ANSI[severity]}{text}{_RESET}" if coloured else text


def terminal_width(width: int | None = None) -> int:
    """The width to render for: the caller's, else COLUMNS or the terminal's, else 100."""
    if width is not None:
        return max(MIN_WIDTH, width)
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return max(MIN_WIDTH, int(columns))
    if sys.stdout.isatty():
        return max(MIN_WIDTH, shutil.get_terminal_size((DEFAULT_WIDTH, 40)).columns)
    return DEFAULT_WIDTH


__all__ = ["DEFAULT_WIDTH", "MARK", "paint", "terminal_width", "use_colour"]
