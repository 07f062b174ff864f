"""The expected state per node as data (``ciliumdrift expect``): value, provenance, conditions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ciliumdrift.agent.fact import status_label
from ciliumdrift.agent.facts import FACTS
from ciliumdrift.derive import derive_context, node_context
from ciliumdrift.load.model import Declared


def expected_state(
    declared: Declared, kernels: Mapping[str | None, str] | None = None
) -> dict[str, Any]:
    """One entry per node named in ``kernels`` (or one for every node when none is named)."""

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
