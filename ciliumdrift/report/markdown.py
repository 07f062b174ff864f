"""Markdown for pull-request comments and ``$GITHUB_STEP_SUMMARY``.

An impact report renders as the table a reviewer wants: which status lines change, from
what to what, on which nodes, why (the changed keys with their lines), and which changes
disrupt running workloads. Lint and check reports render as a table of results.
"""

from __future__ import annotations

from typing import Any

from ciliumdrift.impact import show_value
from ciliumdrift.report import escape
from ciliumdrift.report.records import records_of


def _show(value: object) -> str:
    return show_value(value)


def _cell(text: object) -> str:
    return escape.markdown(text if text is not None else "")


def _code(text: object) -> str:
    return escape.markdown_code(text if text is not None else "")


def render(report: Any, **_options: Any) -> str:
    if type(report).__name__ == "ImpactReport":
        return impact_markdown(report)
    records = records_of(report)
    lines = [f"### ciliumdrift {records.kind}", "", _cell(records.summary), ""]
    if not records.records:
        lines.append("No findings.")
        return "\n".join(lines) + "\n"
    lines += ["| | Rule | Where | Message |", "|---|---|---|---|"]
    icons = {"error": "❌", "warning": "⚠️", "note": "ℹ️"}
    for record in records.records:
        rule = records.rule(record.rule_id)
        name = f"[{record.rule_id}]({rule.url})" if rule is not None else _cell(record.rule_id)
        where = str(record.position) if record.position is not None else record.group
        lines.append(
            f"| {icons.get(record.level, '')} | {name} | `{_code(where)}` | "
            f"{_cell(record.message)} |"
        )
    return "\n".join(lines) + "\n"


def impact_markdown(report: Any) -> str:
    out = [
        f"### ciliumdrift impact: `{_code(report.base)}` → `{_code(report.head)}`",
        "",
        f"**{report.summary()}**",
        "",
    ]
    if report.disruptive:
        out += ["> [!WARNING]", "> This change disrupts running workloads:"]
        out += [
            f"> - **{_cell(c.status_line)}**: {_cell(c.why_disruptive)}" for c in report.disruptive
        ]
        out.append("")
    if report.changes:
        out += ["| | Status line | Node | Before | After | Why |", "|---|---|---|---|---|---|"]
        for c in report.changes:
            why = "<br>".join(
                f"`{_code(k.key)}` {_cell(_show(k.before))} → {_cell(_show(k.after))}"
                + (f" ({_cell(k.position)})" if k.position else "")
                for k in c.keys
            )
            mark = "⚠️" if c.disruptive else ""
            out.append(
                f"| {mark} | {_cell(c.status_line)} | {_cell(c.node or 'all')} | "
                f"`{_code(c.before or '-')}` | `{_code(c.after or '-')}` | {why} |"
            )
    else:
        out.append("No `cilium status` line changes.")
    if report.unexplained_keys:
        out += ["", "<details><summary>Changed keys that move no status line</summary>", ""]
        out += [
            f"- `{_code(k.key)}`: {_cell(_show(k.before))} → {_cell(_show(k.after))}"
            for k in report.unexplained_keys
        ]
        out += ["", "</details>"]
    return "\n".join(out) + "\n"
