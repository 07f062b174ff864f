"""One version type for the package: Cilium, chart, kernel and Talos versions alike.

``Version.parse("v1.18.4-afda2aa9")`` is ``1.18.4``; ``Version.parse("6.18.0-talos")`` is
``6.18.0``; text without a version is None. Comparison is numeric, part by part. A
version-dependent behaviour of the agent is never an inline comparison: it is a named gate
in ``data/gates.yaml`` (:mod:`ciliumdrift.agent.gates`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ciliumdrift.regex import lazy_pattern

_NUMBERS = lazy_pattern(r"(\d+)\.(\d+)(?:\.(\d+))?(?:\.(\d+))?(?P<pre>-[0-9A-Za-z.-]+)?")


@dataclass(frozen=True, order=True)
class Version:
    """A dotted version: ``numbers`` are its parts (two to four), ``pre`` a suffix, if any."""

    numbers: tuple[int, ...]

    @staticmethod
    def parse(text: object) -> Version | None:
        """The first ``X.Y[.Z[.W]]`` in ``text`` (a leading ``v`` and suffixes allowed)."""
        return _parse(str(text)) if text is not None and text != "" else None

    @property
    def minor(self) -> tuple[int, int]:
        return (self.numbers[0], self.numbers[1])

    @property
    def minor_text(self) -> str:
        return f"{self.numbers[0]}.{self.numbers[1]}"

    @property
    def has_patch(self) -> bool:
        return len(self.numbers) > 2

    def next_minor(self) -> Version:
        return Version((self.numbers[0], self.numbers[1] + 1))

    def at_least(self, other: Version | str) -> bool:
        """True when this is ``other`` or newer; a bare ``X.Y`` compares minors only."""
        wanted = other if isinstance(other, Version) else Version.parse(other)
        if wanted is None:
            raise ValueError(f"{other!r} is not a version")
        if not wanted.has_patch:
            return self.minor >= wanted.minor
        return self.numbers[: len(wanted.numbers)] >= wanted.numbers

    def at_most(self, other: Version | str) -> bool:
        """True when this is ``other`` or older; a bare ``X.Y`` means any patch of it."""
        wanted = other if isinstance(other, Version) else Version.parse(other)
        if wanted is None:
            raise ValueError(f"{other!r} is not a version")
        if not wanted.has_patch:
            return self.minor <= wanted.minor
        return self.numbers[: len(wanted.numbers)] <= wanted.numbers

    def __str__(self) -> str:
        return ".".join(str(n) for n in self.numbers)


@lru_cache(maxsize=512)
def _parse(text: str) -> Version | None:
    found = _NUMBERS.search(text)
    if found is None:
        return None
    return Version(tuple(int(part) for part in found.groups()[:4] if part is not None))


def version_tuple(text: object) -> tuple[int, ...]:
    """The numeric parts of a version (``()`` when ``text`` holds none)."""
    found = Version.parse(text)
    return found.numbers if found is not None else ()


__all__ = ["Version", "version_tuple"]
