"""Regular expressions compiled the first time they are used, not when their module loads.

The package declares about 150 module-level patterns (status lines, agent and kernel log
formats, GitOps version ranges, escaping), and ``re.compile`` costs 30 to 500 µs each: a
``ciliumdrift check`` of the seed example uses 38 of them, and compiling all of them at
import took about 13 ms of every start, 8 ms of it for patterns that check never used.
:func:`lazy_pattern` returns a stand-in that compiles on the first attribute it is asked
for, then keeps the compiled pattern's bound methods as its own attributes, so that later
calls cost what a compiled pattern's calls cost.
"""

from __future__ import annotations

import re
from typing import Any, cast


class _LazyPattern:
    def __init__(self, source: str, flags: int) -> None:
        self._source = source
        self._flags = flags

    def __getattr__(self, name: str) -> Any:
        # Only reached for names not yet in __dict__: compile once, then keep what was asked.
        compiled = self.__dict__.get("_compiled")
        if compiled is None:
            if name.startswith("__"):
                raise AttributeError(name)
            compiled = re.compile(self._source, self._flags)
            self.__dict__["_compiled"] = compiled
        value = getattr(compiled, name)
        self.__dict__[name] = value
        return value

    def __repr__(self) -> str:
        return f"lazy_pattern({self._source!r})"


def lazy_pattern(source: str, flags: int | re.RegexFlag = 0) -> re.Pattern[str]:
    """``re.compile(source, flags)``, done when the pattern is first used."""
    # Typed as what it stands in for: it answers every attribute a Pattern has.
    return cast("re.Pattern[str]", _LazyPattern(source, int(flags)))


__all__ = ["lazy_pattern"]
