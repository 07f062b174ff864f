"""The expected state per node as data (``ciliumdrift expect``): value, provenance, conditions."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ciliumdrift.derive import derive_context, node_context
from ciliumdrift.load.model import Declared


def expected_state(
    declared: Declared, kernels: Mapping[str | None, str] | None = None
) -> dict[str, Any]:
    """One entry per node named in ``kernels`` (or one for every node when none is named)."""
    from ciliumdrift.agent.facts import FACTS
    from ciliumdrift.compare import status_label

    kernel_map = dict(kernels or {})
    names: list[str | None] = [n for n in kernel_map if n is not None] or [None]
    nodes = []
    for name in names:
        kernel = kernel_map.get(name, kernel_map.get(None))
        ctx = node_context(declared, node=name, kernel=kernel)
        expectations = derive_context(ctx, FACTS)
        facts = []
        for fact in FACTS:
            found = expectations.get(fact.id)
            if found is None:
                continue
            facts.append(
                {
                    "fact": fact.id,
                    "status_line": status_label(fact, ctx.cilium_version),
                    "expected": found.value,
                    "source": found.source.to_dict() if found.source else None,
                    "condition": found.condition,
                    "detail": found.detail,
                    "fallbacks": [c.to_dict() for c in found.fallbacks],
                    "conflicts": [
                        {
                            "message": c.message,
                            "severity": c.severity.value,
                            "fatal": c.fatal,
                            "source": c.source.to_dict() if c.source else None,
                            "causes": [cause.to_dict() for cause in c.causes],
                            "fix": c.fix.to_dict() if c.fix else None,
                        }
                        for c in found.conflicts
                    ],
                }
            )
        nodes.append(
            {
                "node": name,
                "cilium_version": ctx.cilium_version,
                "kernel": (
                    {"version": ctx.kernel.value, "origin": ctx.kernel.origin.to_dict()}
                    if ctx.kernel
                    else None
                ),
                "facts": facts,
            }
        )
    return {"nodes": nodes}


def render_json(state: Mapping[str, Any]) -> str:
    return json.dumps(state, indent=2, sort_keys=False)


def render_text(state: Mapping[str, Any]) -> str:
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
                else f"{source.get('layer', '?')} {source.get('version', '')}".strip()
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
                lines.append(f"  {'':<{width}}   ! {conflict['severity']}: {conflict['message']}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
