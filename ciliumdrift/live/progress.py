"""A one-line progress display on stderr, only when stderr is a terminal.

``agents 1234/5000 · 3 failed · 2.1 s · ETA 6 s`` redrawn in place at most ten times a
second, then erased: a run that waits on a hung agent says so instead of going silent, and
piped or redirected output (CI logs, ``2>file``) never sees a control character.
"""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO

REDRAW_SECONDS = 0.1


class Progress:
    """Counts done and failed units of work and draws them; a no-op when not on a terminal."""

    def __init__(
        self,
        total: int,
        what: str = "agents",
        stream: TextIO | None = None,
        *,
        enabled: bool | None = None,
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        if enabled is None:
            enabled = _is_terminal(self.stream) and not os.environ.get("CILIUMDRIFT_NO_PROGRESS")
        self.enabled = enabled
        self.total = total
        self.what = what
        self.done = 0
        self.failed = 0
        self.waiting_on: str | None = None
        self.started = time.monotonic()
        self._drawn = 0.0
        self._width = 0

    def advance(self, *, failed: bool = False) -> None:
        self.done += 1
        self.failed += int(failed)
        self.draw()

    def line(self) -> str:
        elapsed = time.monotonic() - self.started
        parts = [f"{self.what} {self.done}/{self.total}"]
        if self.failed:
            parts.append(f"{self.failed} failed")
        parts.append(f"{elapsed:.1f} s")
        if 0 < self.done < self.total:
            eta = elapsed / self.done * (self.total - self.done)
            parts.append(f"ETA {eta:.0f} s")
        if self.waiting_on and self.done < self.total:
            parts.append(f"waiting on {self.waiting_on}")
        return " · ".join(parts)

    def draw(self, *, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._drawn < REDRAW_SECONDS and self.done < self.total:
            return
        self._drawn = now
        text = self.line()
        pad = max(self._width - len(text), 0)
        self._width = len(text)
        self.stream.write("\r" + text + " " * pad)
        self.stream.flush()

    def close(self) -> None:
        if self.enabled and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
