"""Renderers of the commands that print a document rather than findings.

``status`` (one parsed ``cilium status``), ``values`` (the merged Helm values with each
key's source) and ``expect`` (the status every node should show) print in ``text`` and
``json`` only; :data:`ciliumdrift.report.DOCUMENT_FORMATS` names them. The JSON documents
follow ``schemas/status.schema.json``, ``values.schema.json`` and the expect contract.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ciliumdrift.load.model import HelmValues
from ciliumdrift.model import Severity
from ciliumdrift.parse import status_to_dict
from ciliumdrift.parse.model import Status
from ciliumdrift.report.escape import inline
from ciliumdrift.report.style import MARK


def is_expected_state(document: Any) -> bool:
    """The ``expect`` document: ``{"nodes": [{"node", "cilium_version", "facts"}, …]}``."""
    return isinstance(document, Mapping) and isinstance(document.get("nodes"), list)


# -- status ---------------------------------------------------------------------------------


def status_json(status: Status) -> str:
    return json.dumps(status_to_dict(status), indent=2, ensure_ascii=False) + "\n"


def status_text(status: Status) -> str:
    """A plain aligned listing: one ``name  value`` row per typed field that is present."""

    data = status_to_dict(status)
    rows: list[tuple[str, str]] = []
    for key, value in data.items():
        if key in ("lines", "diagnostics") or value in (None, [], {}):
            continue
        _flatten(key, value, rows)
    width = max((len(name) for name, _ in rows), default=0)
    out = [f"{inline(name).ljust(width)}  {inline(value)}" for name, value in rows]
    for diagnostic in status.diagnostics:
        out.append(f"warning: {inline(diagnostic)}")
    return "\n".join(out) + "\n"


def _flatten(prefix: str, value: Any, rows: list[tuple[str, str]]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if item in (None, [], {}, ""):
                continue
            _flatten(f"{prefix}.{key}", item, rows)
    elif isinstance(value, list) and any(isinstance(item, (dict, list)) for item in value):
        for index, item in enumerate(value):
            _flatten(f"{prefix}[{index}]", item, rows)
    elif isinstance(value, list):
        rows.append((prefix, ", ".join(str(item) for item in value)))
    elif isinstance(value, bool):
        rows.append((prefix, "yes" if value else "no"))
    else:
        rows.append((prefix, str(value)))


# -- values ---------------------------------------------------------------------------------


def values_document(loaded: HelmValues) -> dict[str, object]:
    """The JSON document of ``ciliumdrift values`` (schemas/values.schema.json)."""
    return {
        "values": loaded.values,
        "sources": {key: origin.describe() for key, origin in loaded.sources.items()},
        "origins": {key: origin.to_dict() for key, origin in loaded.sources.items()},
        "chart_version": loaded.chart_version,
        "user_keys": sorted(loaded.user_keys),
        "placeholders": {key: origin.describe() for key, origin in loaded.placeholders.items()},
        "diagnostics": [d.to_dict() for d in loaded.diagnostics],
    }


def values_json(loaded: HelmValues) -> str:
    return json.dumps(values_document(loaded), indent=2, ensure_ascii=False) + "\n"


def values_text(loaded: HelmValues) -> str:
    lines = [f"# chart version: {loaded.chart_version or 'none'}"]
    for key, value in loaded.items():
        marker = "*" if key in loaded.user_keys else " "
        shown = json.dumps(value, ensure_ascii=False)
        origin = inline(loaded.origin(key).describe())
        lines.append(f"{marker} {inline(key)} = {inline(shown)}  # {origin}")
    for key, place in loaded.placeholders.items():
        lines.append(f"! {inline(key)} = <unrendered template>  # {inline(place.describe())}")
    for diagnostic in loaded.diagnostics:
        lines.append(f"# note: {inline(diagnostic)}")
    return "\n".join(lines) + "\n"


# -- expect ---------------------------------------------------------------------------------


def expected_json(state: Mapping[str, Any]) -> str:
    return json.dumps(state, indent=2, sort_keys=False) + "\n"


def expected_text(state: Mapping[str, Any]) -> str:
    lines: list[str] = []
    for node in state["nodes"]:
        kernel = node["kernel"]["version"] if node["kernel"] else "unknown"
        lines.append(
            f"node {node['node'] or '*'}: Cilium {node['cilium_version']}, kernel {kernel}"
        )
        width = max((len(f["status_line"]) for f in node["facts"]), default=10) + 1
        for fact in node["facts"]:
            source = fact["source"] or {}
            where = (
                f"{source['file']}:{source['line']}:{source['column']}"
                if "file" in source
                # a flag or an observation says best where it came from (--cilium-version 1.18.4)
                else (source.get("layer") in ("set", "observed") and source.get("detail"))
                or f"{source.get('layer', '?')} {source.get('version', '')}".strip()
            )
            shown = (
                fact["expected"]
                if fact["expected"] is not None
                else f"({fact['detail'] or 'not shown'})"
            )
            lines.append(
                f"  {fact['status_line'] + ':':<{width}} {shown}   <- {where}  [{fact['fact']}]"
            )
            if fact["condition"]:
                lines.append(f"  {'':<{width}}   if {fact['condition']}")
            for conflict in fact["conflicts"]:
                mark = MARK[Severity(conflict["severity"])]
                lines.append(
                    f"  {'':<{width}}   {mark} {conflict['severity']}: {conflict['message']}"
                )
        lines.append("")
    return "\n".join(inline(line) for line in lines).rstrip() + "\n"


__all__ = [
    "expected_json",
    "expected_text",
    "is_expected_state",
    "status_json",
    "status_text",
    "values_document",
    "values_json",
    "values_text",
]
