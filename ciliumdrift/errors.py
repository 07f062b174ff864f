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

from ciliumdrift.model import Position


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
