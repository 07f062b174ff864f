"""A plain-text table that fits a width: cells wrap, nothing is cut off.

Columns start at their natural width; while the table is too wide, the widest column
that may still shrink gives up one character. Cells then wrap on spaces (and inside
words only when a word is longer than its column), so every character stays printed.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from ciliumdrift.records import record


@record
class Column:
    title: str
    minimum: int = 8  # the narrowest this column may get
    wrap: bool = True  # False: never narrower than its widest cell


def _natural(column: Column, cells: Sequence[str]) -> int:
    return max([len(column.title), *(len(c) for c in cells)])


def widths(
    columns: Sequence[Column], rows: Sequence[Sequence[str]], width: int, gap: int = 2
) -> list[int]:
    """Column widths whose sum (with gaps) is at most ``width`` when the minimums allow."""
    out = [_natural(col, [r[i] for r in rows]) for i, col in enumerate(columns)]
    # A column first gives up the room its longest word does not need: words stay whole
    # unless even the minimums do not fit.
    words = [max([len(w) for r in rows for w in r[i].split()] or [0]) for i in range(len(columns))]
    floor = [
        out[i] if not col.wrap else min(out[i], max(col.minimum, words[i]))
        for i, col in enumerate(columns)
    ]
    budget = width - gap * (len(columns) - 1)
    for limits in (
        floor,
        [min(f, col.minimum) if col.wrap else f for f, col in zip(floor, columns, strict=True)],
    ):
        _shrink(out, limits, budget)
    return out


def _shrink(out: list[int], floor: Sequence[int], budget: int) -> None:
    while sum(out) > budget:
        shrinkable = [i for i in range(len(out)) if out[i] > floor[i]]
        if not shrinkable:
            break
        widest = max(shrinkable, key=lambda i: (out[i] - floor[i], out[i]))
        out[widest] -= 1


def breaks_words(rows: Sequence[Sequence[str]], sizes: Sequence[int]) -> bool:
    """Whether a column is narrower than a word in it (the table then reads badly)."""
    return any(
        len(word) > size
        for row in rows
        for cell, size in zip(row, sizes, strict=True)
        for word in cell.split()
    )


def wrap(text: str, width: int) -> list[str]:
    if len(text) <= width:
        return [text]
    return textwrap.wrap(text, width=width, break_long_words=True, break_on_hyphens=False) or [""]


def render_table(
    columns: Sequence[Column],
    rows: Sequence[Sequence[str]],
    width: int,
    *,
    gap: int = 2,
    indent: str = "",
    sizes: Sequence[int] | None = None,
) -> list[str]:
    """The header, a rule and the rows, each line at most ``width`` (minimums allowing).

    ``sizes`` fixes the column widths (to print rows one by one with the same layout).
    """
    if sizes is None:
        sizes = widths(columns, rows, width - len(indent), gap)
    spacer = " " * gap
    titles = [c.title.ljust(w) for c, w in zip(columns, sizes, strict=True)]
    lines = [(indent + spacer.join(titles)).rstrip()]
    lines.append(indent + spacer.join("-" * w for w in sizes))
    for row in rows:
        cells = [wrap(cell, size) for cell, size in zip(row, sizes, strict=True)]
        height = max(len(c) for c in cells)
        for line in range(height):
            parts = [
                (cell[line] if line < len(cell) else "").ljust(size)
                for cell, size in zip(cells, sizes, strict=True)
            ]
            lines.append((indent + spacer.join(parts)).rstrip())
    return lines


def wrap_line(text: str, width: int, indent: str = "", hanging: str | None = None) -> list[str]:
    """One paragraph wrapped to ``width``: ``indent`` first, then ``hanging`` (or ``indent``)."""
    rest = indent if hanging is None else hanging
    return textwrap.wrap(
        text,
        width=width,
        initial_indent=indent,
        subsequent_indent=rest,
        break_long_words=True,
        break_on_hyphens=False,
        drop_whitespace=True,
    ) or [indent.rstrip()]


__all__ = ["Column", "breaks_words", "render_table", "widths", "wrap", "wrap_line"]
