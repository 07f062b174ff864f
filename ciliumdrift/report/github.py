"""GitHub Actions workflow commands: one ``::error``/``::warning``/``::notice`` per result.

Escaping follows actions/toolkit (``command.ts``): in the message ``%`` ``\\r`` ``\\n``
become ``%25`` ``%0D`` ``%0A``; in properties ``:`` and ``,`` also become ``%3A`` ``%2C``.
GitHub shows at most 10 annotations of each kind per step, so a summary line closes the
output (and SARIF upload is the complete channel).
"""

from __future__ import annotations

from typing import Any

from ciliumdrift.report import escape
from ciliumdrift.report.records import Record, artifact_uri, records_of

_COMMAND = {"error": "error", "warning": "warning", "note": "notice"}


def escape_data(text: str) -> str:
    return escape.github_data(text)


def escape_property(text: str) -> str:
    return escape.github_property(text)


def render(report: Any, **_options: Any) -> str:
    records = records_of(report)
    lines = [_line(record, records.rule(record.rule_id)) for record in records.records]
    lines.append(
        f"::notice title=ciliumdrift {records.kind}::{escape_data(records.summary or 'done')}"
    )
    return "\n".join(lines) + "\n"


def _line(record: Record, rule: Any) -> str:
    title = record.rule_id if rule is None or rule.name == rule.id else f"{rule.id} {rule.name}"
    if record.group and record.position is None:
        title += f" ({record.group})"
    properties: list[tuple[str, str]] = []
    if record.position is not None:
        properties += [
            ("file", artifact_uri(record.position.file)),
            ("line", str(record.position.line)),
            ("col", str(record.position.column)),
        ]
    properties.append(("title", title))
    rendered = ",".join(f"{name}={escape_property(value)}" for name, value in properties)
    return f"::{_COMMAND.get(record.level, 'warning')} {rendered}::{escape_data(record.message)}"
