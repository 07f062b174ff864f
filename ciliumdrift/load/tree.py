"""Values that remember where they came from: a tree of :class:`Node`.

Every loader builds Nodes (from YAML, from a ``--set`` flag, from chart data); the merges
of :mod:`ciliumdrift.load.merge` and the Talos patcher move whole Nodes around, so a value
keeps its origin however it travels. At the end :func:`to_plain` gives the plain value and
:func:`flatten_origins` the ``dotted key -> Origin`` map.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from ciliumdrift.load.model import join_key
from ciliumdrift.load.yaml import YamlNode, iter_mapping
from ciliumdrift.model import Origin


class Node:
    """A value (``dict[str, Node]``, ``list[Node]`` or a scalar) and its origin.

    ``text`` keeps a scalar's source text (Talos sysctls are strings whatever YAML says).
    """

    __slots__ = ("origin", "text", "value")

    def __init__(self, value: Any, origin: Origin, text: str | None = None) -> None:
        self.value = value
        self.origin = origin
        self.text = text

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"Node({to_plain(self)!r} @ {self.origin.describe()})"


#: Builds the origin of the node at a path from the YAML node that holds it.
OriginFor = Callable[[tuple[str, ...], YamlNode, YamlNode | None], Origin]


def from_yaml(
    node: YamlNode,
    origin_for: OriginFor,
    scalar: Callable[[YamlNode], Any],
    key: Callable[[YamlNode], str],
    path: tuple[str, ...] = (),
    key_node: YamlNode | None = None,
) -> Node:
    """Type a YAML tree into Nodes; ``origin_for(path, value_node, key_node)`` places each."""
    origin = origin_for(path, node, key_node)
    if node.kind == "scalar":
        return Node(scalar(node), origin, node.text)
    if node.kind == "seq":
        items = [from_yaml(item, origin_for, scalar, key, path, None) for item in node.items]
        return Node(items, origin)
    entries: dict[str, Node] = {}
    for k, v in iter_mapping(node):
        name = key(k)
        entries[name] = from_yaml(v, origin_for, scalar, key, (*path, name), k)
    return Node(entries, origin)


def to_plain(node: Node) -> Any:
    """The plain value: dicts, lists and scalars, origins dropped."""
    value = node.value
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_plain(v) for v in value]
    return value


def flatten_origins(
    entries: dict[str, Node], prefix: tuple[str, ...] = ()
) -> Iterator[tuple[str, Origin]]:
    """``(dotted key, origin)`` for every mapping key, maps and leaves; lists are leaves."""
    for name, child in entries.items():
        path = (*prefix, name)
        yield join_key(path), child.origin
        if isinstance(child.value, dict):
            yield from flatten_origins(child.value, path)


def copy_tree(node: Node) -> Node:
    """A structural copy (origins shared: they are frozen)."""
    value = node.value
    if isinstance(value, dict):
        return Node({k: copy_tree(v) for k, v in value.items()}, node.origin, node.text)
    if isinstance(value, list):
        return Node([copy_tree(v) for v in value], node.origin, node.text)
    return Node(value, node.origin, node.text)


def from_plain(
    value: Any, origin_at: Callable[[tuple[str, ...]], Origin], path: tuple[str, ...] = ()
) -> Node:
    """Nodes for a plain value; ``origin_at(path)`` gives each node's origin."""
    if isinstance(value, dict):
        return Node(
            {str(k): from_plain(v, origin_at, (*path, str(k))) for k, v in value.items()},
            origin_at(path),
        )
    if isinstance(value, list):
        return Node([from_plain(v, origin_at, path) for v in value], origin_at(path))
    return Node(value, origin_at(path))
