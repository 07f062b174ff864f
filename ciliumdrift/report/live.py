"""A live run's report as markdown, JSON and HTML: the fleet view.

A fleet is read as groups of nodes: markdown, JSON and HTML show the fleet view (text is
the check renderer's, with the fleet matrix). JSON keeps the report's own fields (rows per
node, findings) and adds ``fleet``; SARIF, GitHub and JUnit stay per finding, as their
consumers expect, and are rendered as for ``check``.
"""

from __future__ import annotations

import json

from ciliumdrift.model import Report
from ciliumdrift.report.fleet import fleet_view, render_markdown
from ciliumdrift.report.html import render_view

#: The formats a live run renders as the fleet view.
FLEET_FORMATS = frozenset({"markdown", "json", "html"})


def render_fleet(report: Report, fmt: str, exit_code: int) -> str:
    """``report`` in ``fmt`` (one of :data:`FLEET_FORMATS`), as the fleet view."""
    view = fleet_view(report, exit_code=exit_code)
    if fmt == "markdown":
        return render_markdown(view)
    if fmt == "html":
        return render_view(view)
    document = report.to_dict()
    document["fleet"] = view.to_dict()
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


__all__ = ["FLEET_FORMATS", "render_fleet"]
