"""Output formats: one module per format, each ``render(report) -> str``; no I/O here.

Every format renders the same records (a check :class:`~ciliumdrift.model.Report`, a lint
report or an impact report); a format module is imported only when it is asked for.
"""

from __future__ import annotations

import enum
import importlib
from typing import Any


class Format(str, enum.Enum):
    TEXT = "text"
    JSON = "json"
    SARIF = "sarif"
    GITHUB = "github"
    JUNIT = "junit"
    MARKDOWN = "markdown"
    HTML = "html"  # a self-contained fleet report (report/html.py)


def render(report: Any, fmt: Format | str, **options: Any) -> str:
    """Render any report in the named format."""
    name = Format(fmt).value
    module = importlib.import_module(f"ciliumdrift.report.{name}")
    text: str = module.render(report, **options)
    return text
