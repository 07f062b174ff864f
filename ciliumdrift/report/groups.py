"""Nodes with identical results, grouped: what keeps a 500-node report short.

Two nodes are in one group when every compared status line has the same verdict, condition
and declared source on both. Lines may show per-node values (each node's pod CIDR on the IPAM
line): the group keeps the first node's and counts the distinct ones
(:attr:`NodeGroup.spread`); every node's own values stay in the rows (``--verbose``, JSON).

Any renderer (text, the fleet view, HTML) calls :func:`group_nodes` and prints one summary
line per group, such as ``498 nodes: 22/22 lines match``, instead of one table per node.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import field

from ciliumdrift.model import Row, Verdict
from ciliumdrift.records import record


@record
class NodeGroup:
    """Nodes whose rows are identical; ``rows`` are the first node's rows, in order."""

    nodes: tuple[str | None, ...]
    rows: tuple[Row, ...]
    # fact -> how many distinct (expected, observed) pairs its matching line shows in the group
    spread: Mapping[str, int] = field(default_factory=dict)

    def count(self, verdict: Verdict) -> int:
        return sum(1 for row in self.rows if row.verdict is verdict)

    @property
    def all_match(self) -> bool:
        return all(row.verdict is Verdict.MATCH for row in self.rows)

    def summary(self) -> str:
        """``498 nodes: 22/22 lines match`` (plus drift, conditional and not-shown counts)."""
        size = len(self.nodes)
        text = (
            f"{size} node{'s' if size != 1 else ''}: "
            f"{self.count(Verdict.MATCH)}/{len(self.rows)} lines match"
        )
        extra = [
            f"{self.count(verdict)} {label}"
            for verdict, label in (
                (Verdict.MISMATCH, "drift"),
                (Verdict.CONDITIONAL, "conditional"),
                (Verdict.NOT_OBSERVED, "not shown"),
            )
            if self.count(verdict)
        ]
        return text + (", " + ", ".join(extra) if extra else "")


def _signature(row: Row) -> tuple[object, ...]:
    source = row.source.describe() if row.source is not None else None
    # Per-node values (each node's pod CIDR) are no difference: the verdict is.
    return (row.fact, row.verdict, row.condition, source)


def group_nodes(rows: Iterable[Row]) -> list[NodeGroup]:
    """Nodes grouped by identical rows: largest group first, then by first node name."""
    by_node: dict[str | None, list[Row]] = {}
    for row in rows:
        by_node.setdefault(row.node, []).append(row)
    groups: dict[tuple[object, ...], list[str | None]] = {}
    first_rows: dict[tuple[object, ...], tuple[Row, ...]] = {}
    values: dict[tuple[object, ...], dict[str, set[tuple[str | None, str | None]]]] = {}
    for node, node_rows in by_node.items():
        key = tuple(_signature(r) for r in node_rows)
        groups.setdefault(key, []).append(node)
        first_rows.setdefault(key, tuple(node_rows))
        seen = values.setdefault(key, {})
        for row in node_rows:
            seen.setdefault(row.fact, set()).add((row.expected, row.observed))
    ordered = sorted(groups.items(), key=lambda item: (-len(item[1]), str(item[1][0])))
    return [
        NodeGroup(
            tuple(nodes),
            first_rows[key],
            {fact: len(pairs) for fact, pairs in values[key].items() if len(pairs) > 1},
        )
        for key, nodes in ordered
    ]


def name_list(nodes: Sequence[str | None], limit: int = 6, *, unit: str = "nodes") -> str:
    """``a, b, c`` or ``n001, n002, n003, n004, … n498`` when there are more than ``limit``
    (with `` (498 nodes)`` after it unless ``unit`` is empty)."""
    names = [str(n) if n is not None else "-" for n in nodes]
    if len(names) <= limit:
        return ", ".join(names)
    head = ", ".join(names[: limit - 2])
    return f"{head}, … {names[-1]}" + (f" ({len(names)} {unit})" if unit else "")


__all__ = ["NodeGroup", "group_nodes", "name_list"]
