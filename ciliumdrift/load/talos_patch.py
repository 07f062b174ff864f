"""Applying Talos patches the way ``talosctl`` does, on origin-carrying Nodes.

Strategic merge (Talos "Configuration Patches", merging rules, docs v1.5-v1.14): maps merge;
scalars in the patch replace; a list in the patch is *appended*, except
``cluster.network.podSubnets``/``serviceSubnets`` (and ``KubeNetworkConfig`` subnets) which
are replaced, ``network.interfaces`` items merged by ``interface:`` or ``deviceSelector:``,
``vlans`` merged by ``vlanId:``; ``cluster.apiServer.auditPolicy`` is replaced whole.
``$patch: delete`` (Talos 1.8+) as a key of a mapping deletes that mapping (or a whole
document). A null in a patch changes nothing.

JSON patches (RFC 6902: add, remove, replace, move, copy, test) apply to the v1alpha1
document only ("JSON patches don't support multi-document machine configuration").
"""

from __future__ import annotations

from typing import Any

from ciliumdrift.errors import TalosError
from ciliumdrift.load.tree import Node, copy_tree, to_plain
from ciliumdrift.model import Position

_REPLACED_LISTS = frozenset(
    {
        ("cluster", "network", "podSubnets"),
        ("cluster", "network", "serviceSubnets"),
        ("KubeNetworkConfig", "podSubnets"),
        ("KubeNetworkConfig", "serviceSubnets"),
    }
)
_REPLACED_MAPS = frozenset({("cluster", "apiServer", "auditPolicy")})
DELETE_KEYS = ("$patch", "$$patch")


def is_delete(node: Node) -> bool:
    """A mapping carrying ``$patch: delete`` (talhelper files write ``$$patch``)."""
    if not isinstance(node.value, dict):
        return False
    return any(k in node.value and node.value[k].value == "delete" for k in DELETE_KEYS)


def strategic_merge(base: Node, patch: Node, path: tuple[str, ...]) -> Node:
    """``patch`` merged into ``base`` (a new Node; neither input is changed)."""
    if (
        not isinstance(base.value, dict)
        or not isinstance(patch.value, dict)
        or path in _REPLACED_MAPS
    ):
        return _without_directives(patch)
    out = dict(base.value)
    for key, node in patch.value.items():
        if key in DELETE_KEYS:
            continue
        child = (*path, key)
        if is_delete(node):
            out.pop(key, None)
            continue
        current = out.get(key)
        if node.value is None:
            continue
        if current is None or current.value is None:
            out[key] = _without_directives(node)
        elif isinstance(current.value, dict) and isinstance(node.value, dict):
            out[key] = strategic_merge(current, node, child)
        elif isinstance(current.value, list) and isinstance(node.value, list):
            out[key] = Node(_merge_lists(current.value, node.value, child), node.origin)
        else:
            out[key] = _without_directives(node)
    return Node(out, base.origin)


def _identity(item: Node, path: tuple[str, ...]) -> Any:
    if not isinstance(item.value, dict):
        return None
    if path[-1] == "interfaces":
        for key in ("interface", "deviceSelector"):
            if key in item.value:
                return (key, repr(to_plain(item.value[key])))
    if path[-1] == "vlans" and "vlanId" in item.value:
        return ("vlanId", to_plain(item.value["vlanId"]))
    return None


def _merge_lists(base: list[Node], patch: list[Node], path: tuple[str, ...]) -> list[Node]:
    if path in _REPLACED_LISTS:
        return [_without_directives(n) for n in patch]
    if path[-1] not in ("interfaces", "vlans"):
        return [*base, *(_without_directives(n) for n in patch)]
    out = list(base)
    for item in patch:
        identity = _identity(item, path)
        match = next(
            (
                i
                for i, b in enumerate(out)
                if identity is not None and _identity(b, path) == identity
            ),
            None,
        )
        if match is None:
            if not is_delete(item):
                out.append(_without_directives(item))
        elif is_delete(item):
            del out[match]
        else:
            out[match] = strategic_merge(out[match], item, path)
    return out


def _without_directives(node: Node) -> Node:
    if isinstance(node.value, dict):
        return Node(
            {
                k: _without_directives(v)
                for k, v in node.value.items()
                if k not in DELETE_KEYS and not is_delete(v)
            },
            node.origin,
            node.text,
        )
    if isinstance(node.value, list):
        return Node(
            [_without_directives(v) for v in node.value if not is_delete(v)], node.origin, node.text
        )
    return node


# -- RFC 6902 ------------------------------------------------------------------------------
class PatchMiss(Exception):
    """A JSON patch names a path the config does not hold."""


def _pointer(text: str, where: Position) -> list[str]:
    if text == "":
        return []
    if not text.startswith("/"):
        raise TalosError(f"JSON patch path {text!r} must start with /", where)
    return [part.replace("~1", "/").replace("~0", "~") for part in text[1:].split("/")]


def _child(node: Node, part: str, *, for_add: bool = False) -> tuple[Any, Any]:
    """(container value, key-or-index) for ``part`` inside ``node``."""
    if isinstance(node.value, dict):
        return node.value, part
    if isinstance(node.value, list):
        if part == "-" and for_add:
            return node.value, len(node.value)
        if not part.isdigit() or (len(part) > 1 and part.startswith("0")):
            raise PatchMiss(part)
        index = int(part)
        if index > len(node.value) or (index == len(node.value) and not for_add):
            raise PatchMiss(part)
        return node.value, index
    raise PatchMiss(part)


def _walk(root: Node, parts: list[str]) -> Node:
    node = root
    for part in parts:
        container, key = _child(node, part)
        if isinstance(container, dict):
            if key not in container:
                raise PatchMiss(part)
            node = container[key]
        else:
            node = container[key]
    return node


def apply_json_patch(root: Node, operations: list[Node], name: str) -> Node:
    """Apply RFC 6902 operations to a copy of ``root``; PatchMiss names a missing path."""
    target = copy_tree(root)
    for op_node in operations:
        where = op_node.origin.position or Position(name, 1, 1)
        if not isinstance(op_node.value, dict):
            raise TalosError("a JSON patch operation must be a mapping", where)
        fields = op_node.value
        op = fields.get("op")
        path = fields.get("path")
        if (
            op is None
            or path is None
            or not isinstance(op.value, str)
            or not isinstance(path.value, str)
        ):
            raise TalosError("a JSON patch operation needs op and path", where)
        parts = _pointer(path.value, where)
        kind = op.value
        if kind not in ("add", "remove", "replace", "move", "copy", "test"):
            raise TalosError(f"unknown JSON patch op {kind!r}", op.origin.position or where)
        value = fields.get("value")
        if kind in ("add", "replace", "test") and value is None:
            raise TalosError(f"JSON patch op {kind} needs a value", where)
        if kind in ("move", "copy"):
            source = fields.get("from")
            if source is None or not isinstance(source.value, str):
                raise TalosError(f"JSON patch op {kind} needs from", where)
            moved = copy_tree(_walk(target, _pointer(source.value, where)))
            if kind == "move":
                target = _remove(target, _pointer(source.value, where))
            target = _add(target, parts, moved)
        elif kind == "add":
            assert value is not None
            target = _add(target, parts, copy_tree(value))
        elif kind == "remove":
            target = _remove(target, parts)
        elif kind == "replace":
            assert value is not None
            _walk(target, parts)
            target = _add(target, parts, copy_tree(value), replace=True)
        else:
            assert value is not None
            if to_plain(_walk(target, parts)) != to_plain(value):
                raise TalosError(f"JSON patch test failed at {path.value}", where)
    return target


def _add(root: Node, parts: list[str], value: Node, *, replace: bool = False) -> Node:
    if not parts:
        return value
    parent = _walk(root, parts[:-1])
    container, key = _child(parent, parts[-1], for_add=True)
    if isinstance(container, dict) or replace:
        container[key] = value
    else:
        container.insert(key, value)
    return root


def _remove(root: Node, parts: list[str]) -> Node:
    if not parts:
        raise PatchMiss("")
    parent = _walk(root, parts[:-1])
    container, key = _child(parent, parts[-1])
    if isinstance(container, dict):
        if key not in container:
            raise PatchMiss(parts[-1])
        del container[key]
    else:
        del container[key]
    return root
