"""Markdown for pull-request comments and ``$GITHUB_STEP_SUMMARY``.

An impact report renders as the table a reviewer wants: which status lines change, from
what to what, on which nodes, why (the changed keys with their lines), and which changes
disrupt running workloads. Lint and check reports render as a table of results.
"""

from __future__ import annotations

from typing import Any

from ciliumdrift.report import escape
from ciliumdrift.report.records import records_of


def _cell(text: object) -> str:
    return escape.markdown(text if text is not None else "")


def _code(text: object) -> str:
    return escape.markdown_code(text if text is not None else "")


def render(report: Any, **_options: Any) -> str:
    if type(report).__name__ == "ImpactReport":
        text: str = report.render_markdown()
        return text
    records = records_of(report)
    lines = [f"### ciliumdrift {records.kind}", "", records.summary, ""]
    if not records.records:
        lines.append("No findings.")
        return "\n".join(lines) + "\n"
    lines += ["| | Rule | Where | Message |", "|---|---|---|---|"]
    icons = {"error": "❌", "warning": "⚠️", "note": "ℹ️"}
    for record in records.records:
        rule = records.rule(record.rule_id)
        name = f"[{record.rule_id}]({rule.url})" if rule is not None else record.rule_id
        where = str(record.position) if record.position is not None else record.group
        lines.append(
            f"| {icons.get(record.level, '')} | {name} | `{_code(where)}` | "
            f"{_cell(record.message)} |"
        )
    return "\n".join(lines) + "\n"
