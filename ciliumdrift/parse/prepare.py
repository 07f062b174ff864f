"""Undo what pasting does to a status before anything reads it.

People paste through terminals, chat tools, markdown and shell comments. This module turns
the raw text into :class:`SourceLine` records that keep the original line number and column,
with the paste decorations removed: CRLF/CR line ends, ANSI colours, non-breaking and
zero-width spaces, ``# `` / ``> `` line prefixes, a common markdown indentation, and the
lines outside a fenced code block when the paste is a whole markdown document.
Everything here is a single pass over the text (linear time).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import overload

from ciliumdrift.model import Diagnostic, Position
from ciliumdrift.parse.labels import TOP_LABELS
from ciliumdrift.records import record
from ciliumdrift.regex import lazy_pattern

# Line ends as editors count them; other Unicode separators stay inside the line.
_LINE_END = lazy_pattern(r"\r\n|\r|\n")
# Colour codes survive when a terminal session is captured with `script` or tmux.
_ANSI = lazy_pattern(r"\x1b\[[0-9;?]{0,32}[A-Za-z]|\x1b\][^\x07\x1b]{0,256}(?:\x07|\x1b\\)")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\x00"), None)
_SPACES = dict.fromkeys(map(ord, "\u00a0\u2007\u202f\u3000\x0b\x0c"), " ")
_ODD_CHARACTERS = tuple(chr(code) for code in (*_INVISIBLE, *_SPACES))
_FENCE = ("```", "~~~")
#: How many nested ``# `` / ``> `` decorations are peeled off one line.
_MAX_DECORATIONS = 4


@dataclass(slots=True)
class SourceLine:
    """One input line with paste decorations removed.

    ``text`` has no leading or trailing whitespace; ``indent`` counts the spaces before it
    (after the common indentation of the paste was removed); ``width`` is the length of the
    line as pasted after decorations, trailing spaces included (hard wraps show in it).
    """

    number: int
    column: int
    indent: int
    text: str
    width: int


class LineTable(Sequence[SourceLine]):
    """The lines of a paste with nothing to undo (no decorations, fences or indentation).

    The text parser reads most lines from ``texts`` alone, so a :class:`SourceLine` is made
    only when something asks for it (a table row, a warning's position), and not kept: a
    long verbose output would otherwise keep one object per line alive for the collector.
    """

    __slots__ = ("logo", "raw", "texts")

    def __init__(self, raw: list[str], texts: list[str], logo: bool) -> None:
        self.raw = raw
        self.texts = texts
        self.logo = logo  # whether any line may hold the cilium-cli logo

    def __len__(self) -> int:
        return len(self.raw)

    @overload
    def __getitem__(self, index: int) -> SourceLine: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[SourceLine]: ...

    def __getitem__(self, index: int | slice) -> SourceLine | Sequence[SourceLine]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self.raw)))]
        raw = self.raw[index]
        text = self.texts[index]
        indent = len(raw) - len(raw.lstrip(" ")) if text else 0
        number = index + 1 if index >= 0 else len(self.raw) + index + 1
        return SourceLine(number, indent + 1, indent, text, len(raw))

    def __iter__(self) -> Iterator[SourceLine]:
        return (self[index] for index in range(len(self.raw)))


@record(slots=True)
class Prepared:
    lines: Sequence[SourceLine]
    diagnostics: tuple[Diagnostic, ...]


def _clean(text: str) -> str:
    """Whole-text clean-up (one C-level pass each, only when the text needs it)."""
    if "\x1b" in text:
        text = _ANSI.sub("", text)
    if not text.isascii() and any(odd in text for odd in _ODD_CHARACTERS):
        # str.translate with a table is slow per character: only when there is work for it
        # (one search per character is a memchr-like scan, a regex class is not).
        text = text.translate(_INVISIBLE).translate(_SPACES)
    elif "\x00" in text:
        text = text.replace("\x00", "")
    if "\t" in text:
        # The agent's tabwriter emits spaces; a tab means an editor converted them.
        text = text.replace("\t", "   ")
    return text


def _peel(line: str) -> tuple[str, int]:
    """Remove shell-comment and quote prefixes; return the rest and how many chars went."""
    removed = 0
    for _ in range(_MAX_DECORATIONS):
        stripped = line.lstrip(" ")
        if stripped[:1] not in ("#", ">") or stripped[1:2] not in (" ", ""):
            break
        cut = len(line) - len(stripped) + (2 if stripped[1:2] == " " else 1)
        line = line[cut:]
        removed += cut
    return line, removed


def prepare(text: str, source: str) -> Prepared:
    """Split ``text`` into cleaned lines; keep only the fenced block holding the status."""
    text = _clean(text)
    raw_lines = _LINE_END.split(text) if "\r" in text else text.split("\n")
    if raw_lines and raw_lines[-1] == "":
        raw_lines.pop()
    # One-character tests first: they are memchr scans, the three-character ones are not.
    fenced = ("`" in text and "```" in text) or ("~" in text and "~~~" in text)
    if "#" in text or ">" in text:
        lines, common = _decorated_lines(raw_lines)
    else:
        texts = [raw.strip() for raw in raw_lines]
        first = next((index for index, line in enumerate(texts) if line), None)
        if not fenced and first is not None and raw_lines[first][:1] != " ":
            # Nothing to undo, and the first line is flush left, so no common indentation.
            logo = "¯" in text or ("\\" in text and "\\__/" in text)
            return Prepared(LineTable(raw_lines, texts, logo), ())
        lines, common = _plain_lines(raw_lines)
    if common > 0:
        # A markdown code block or a quoted paste: indentation relative to the block.
        for line in lines:
            line.indent = max(line.indent - common, 0)
            line.width -= common
    if fenced:
        return _select_fenced_block(lines, source)
    return Prepared(tuple(lines), ())


def _plain_lines(raw_lines: list[str]) -> tuple[list[SourceLine], int]:
    """The common paste, with nothing to peel (the hot loop of every text parse).

    Returns the lines and the smallest indentation of a non-blank line.
    """
    lines: list[SourceLine] = []
    append = lines.append
    flush_left = False
    for number, raw in enumerate(raw_lines, start=1):
        content = raw.strip()
        if raw[:1] == " " and content:
            indent = len(raw) - len(raw.lstrip(" "))
            append(SourceLine(number, indent + 1, indent, content, len(raw)))
        else:
            flush_left = flush_left or bool(content)
            append(SourceLine(number, 1, 0, content, len(raw)))
    if flush_left:
        return lines, 0
    return lines, min((line.indent for line in lines if line.text), default=0)


def _decorated_lines(raw_lines: list[str]) -> tuple[list[SourceLine], int]:
    lines = []
    for number, raw in enumerate(raw_lines, start=1):
        raw, removed = _peel(raw)
        content = raw.strip()
        indent = len(raw) - len(raw.lstrip(" ")) if content else 0
        lines.append(SourceLine(number, removed + indent + 1, indent, content, len(raw)))
    return lines, min((line.indent for line in lines if line.text), default=0)


def _is_fence(line: SourceLine) -> bool:
    return line.text.startswith(_FENCE)


def _select_fenced_block(lines: list[SourceLine], source: str) -> Prepared:
    """A markdown paste: keep the fenced block that reads most like a status."""
    fences = [index for index, line in enumerate(lines) if _is_fence(line)]
    if not fences:
        return Prepared(tuple(lines), ())
    blocks: list[tuple[int, int]] = []
    for pair in range(0, len(fences), 2):
        start = fences[pair] + 1
        end = fences[pair + 1] if pair + 1 < len(fences) else len(lines)
        blocks.append((start, end))
    best = max(blocks, key=lambda block: _score(lines[block[0] : block[1]]))
    if _score(lines[best[0] : best[1]]) == 0:
        kept = [line for line in lines if not _is_fence(line)]
        skipped = [line for line in lines if _is_fence(line)]
    else:
        kept = lines[best[0] : best[1]]
        skipped = [line for line in lines[: best[0]] + lines[best[1] :] if line.text]
    diagnostics: tuple[Diagnostic, ...] = ()
    if skipped:
        first = skipped[0]
        diagnostics = (
            Diagnostic(
                f"ignored {len(skipped)} markdown line(s) outside the status code block "
                f"(lines {first.number}-{skipped[-1].number})",
                Position(source, first.number, first.column),
                "status-skipped-line",
            ),
        )
    return Prepared(tuple(kept), diagnostics)


def _score(block: list[SourceLine]) -> int:
    """How status-like a block is: labelled lines, JSON/YAML keys or the CLI logo."""

    score = 0
    for line in block:
        label = line.text.partition(":")[0]
        if (
            label in TOP_LABELS
            or "¯" in line.text
            or line.text.startswith(('"kvstore"', '"cilium"'))
        ):
            score += 1
    return score
