"""Every renderer of every command: one module per format, each ``render(report) -> str``.

:class:`Format` is the one list of output formats; the CLI imports it. Findings reports
(``check``, ``live``, ``lint``, ``impact``) render in every format
(:data:`REPORT_FORMATS`); documents (``status``, ``values``, ``expect``) in text and JSON
(:data:`DOCUMENT_FORMATS`). A format module is imported only when it is asked for, and no
renderer does I/O. Adding a format is one module here plus one member of :class:`Format`.
"""

from __future__ import annotations

import enum
import importlib
from typing import TYPE_CHECKING, Any

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_INPUT = 2


class FailOn(str, enum.Enum):
    """The lowest severity that makes a run exit 1 (``--fail-on``; see :mod:`.policy`)."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


class Format(str, enum.Enum):
    TEXT = "text"
    JSON = "json"
    SARIF = "sarif"
    GITHUB = "github"
    JUNIT = "junit"
    MARKDOWN = "markdown"
    HTML = "html"  # a self-contained fleet report (report/html.py)


REPORT_FORMATS: tuple[Format, ...] = tuple(Format)
DOCUMENT_FORMATS: tuple[Format, ...] = (Format.TEXT, Format.JSON)


def _choice(name: str, members: tuple[Format, ...]) -> type[enum.Enum]:
    """The formats one command accepts, as the choice type typer lists in ``--help``."""
    return enum.Enum(name, {m.name: m.value for m in members}, type=str)  # type: ignore[return-value]


if TYPE_CHECKING:  # both are subsets of Format, with the same member names and values
    ReportFormat = Format
    DocumentFormat = Format
else:
    ReportFormat = _choice("ReportFormat", REPORT_FORMATS)
    DocumentFormat = _choice("DocumentFormat", DOCUMENT_FORMATS)


def render(report: Any, fmt: Format | str, **options: Any) -> str:
    """Render any report or document in the named format."""
    name = Format(getattr(fmt, "value", fmt)).value
    module = importlib.import_module(f"ciliumdrift.report.{name}")
    text: str = module.render(report, **options)
    return text


__all__ = [
    "DOCUMENT_FORMATS",
    "EXIT_CLEAN",
    "EXIT_FINDINGS",
    "EXIT_INPUT",
    "REPORT_FORMATS",
    "DocumentFormat",
    "FailOn",
    "Format",
    "ReportFormat",
    "render",
]
