"""Errors that stop ciliumdrift from continuing.

Findings and lint violations are data, never exceptions. An exception means the input
cannot be used at all; the CLI turns it into one ``file:line:column: message`` line on
stderr and exit code 2.

    CiliumdriftError
     ├── InputError                 (carries a Position; str() is "file:line:col: message")
     │    ├── YamlError             broken, hostile or oversized YAML
     │    ├── ValuesError           Helm values that cannot be merged (bad --set, wrong type)
     │    ├── TalosError            a Talos machine config or patch that cannot be applied
     │    ├── StatusParseError      text that is not a `cilium status` output
     │    └── UnsupportedVersion    a Cilium or Talos version we hold no data for
     └── CollectionError            a live cluster or sysdump could not be read
"""

from __future__ import annotations

import functools
import os
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

from ciliumdrift.model import Position

_Function = TypeVar("_Function", bound=Callable[..., Any])


class CiliumdriftError(Exception):
    """Base of every error a public ciliumdrift function may raise."""


class InputError(CiliumdriftError):
    """An input file, flag or stream that cannot be used."""

    def __init__(self, message: str, position: Position | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.position = position

    def __str__(self) -> str:
        if self.position is None:
            return self.message
        return f"{self.position}: {self.message}"


class YamlError(InputError):
    """Broken, hostile (alias bombs, deep nesting) or oversized YAML."""


class ValuesError(InputError):
    """Helm values or flags that Helm itself would reject."""


class TalosError(InputError):
    """A Talos machine config or patch that cannot be loaded or applied."""


class StatusParseError(InputError):
    """Text that is not any form of `cilium status` output."""


class UnsupportedVersion(InputError):
    """A version for which no bundled data exists."""


class CollectionError(CiliumdriftError):
    """A live cluster, kubeconfig or sysdump that could not be read."""


class InternalError(CiliumdriftError):
    """A defect in ciliumdrift (the cause is chained); please report it."""


def guarded(function: _Function) -> _Function:
    """A public function whose every failure is a :class:`CiliumdriftError`.

    A ``RecursionError`` or ``MemoryError`` (input beyond what the limits foresaw) becomes
    an :class:`InputError` at the first input named in the call; any other exception an
    :class:`InternalError` whose message never quotes input. Dependencies' warnings (ruamel's
    ``ReusedAnchorWarning``, urllib3's) are not passed on to the caller.
    """

    @functools.wraps(function)
    def call(*args: Any, **kwargs: Any) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                return function(*args, **kwargs)
            except CiliumdriftError:
                raise
            except RecursionError:
                raise InputError(
                    "input nested too deeply (see docs/limits.md)", _first_input(args, kwargs)
                ) from None
            except MemoryError:
                raise InputError(
                    "input too large for the memory available (see docs/limits.md)",
                    _first_input(args, kwargs),
                ) from None
            except (KeyboardInterrupt, SystemExit, GeneratorExit):
                raise
            except Exception as error:
                raise InternalError(
                    f"internal error: {type(error).__name__} (please report this)"
                ) from error

    return call  # type: ignore[return-value]


def _first_input(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Position:
    """The ``source`` named in the call, else the first argument that names a file."""
    source = kwargs.get("source")
    if isinstance(source, str) and source:
        return Position(source, 1, 1)
    for value in (*args, *kwargs.values()):
        if isinstance(value, (list, tuple)) and value:
            value = value[0]
        if isinstance(value, (str, os.PathLike)) and _names_a_file(value):
            return Position(str(value), 1, 1)
    return Position("<input>", 1, 1)


def _names_a_file(value: str | os.PathLike[str]) -> bool:
    text = str(value)
    if len(text) > 4096 or "\n" in text or "\x00" in text:
        return False
    try:
        return os.path.exists(text)
    except (OSError, ValueError):
        return False
