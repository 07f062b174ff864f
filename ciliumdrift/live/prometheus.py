"""Prometheus as a source of the agents' running config (being written)."""

from __future__ import annotations

from typing import Any

from ciliumdrift.live.model import LiveResult


def collect_with_prometheus(
    source: Any, options: Any, *, access: Any = None, sample: int | None = None
) -> LiveResult:
    raise NotImplementedError
