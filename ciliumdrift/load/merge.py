"""Helm's two merges, on origin-carrying Nodes.

* :func:`merge_maps` is what ``helm install -f a.yaml -f b.yaml`` does between values files
  (helm/helm@v3.21.4:pkg/cli/values/options.go ``mergeMaps``; Helm 4 ``loader.MergeMaps``, also used
  between the documents of one file): maps merge recursively, anything else in the later
  file replaces the earlier value whole; a ``null`` is kept (it only acts at coalesce).
* :func:`coalesce` is ``CoalesceValues`` (helm/helm@v4.2.3:pkg/chart/common/util/coalesce.go,
  as in Helm 4.2.3, the version of the SDK the tests use as oracle) for a chart without
  subcharts: user values over the chart's defaults; maps merge, scalars and lists are
  replaced; a user ``null`` deletes the chart default; a ``null`` for a key the chart does
  not have (or holds as null) is kept; a top-level user ``null`` always goes. The chart's
  own ``null`` defaults are dropped (``cleanNilValues``), so ``bpf.masquerade: ~`` in the
  chart means "absent" to the templates. Type conflicts keep the user value and produce
  Helm's warning text.

Both return new dicts and never mutate their inputs (chart defaults are cached).
"""

from __future__ import annotations

from collections.abc import Callable

from ciliumdrift.load.tree import Node, to_plain

Warn = Callable[[str, Node], None]


def merge_maps(base: dict[str, Node], overlay: dict[str, Node]) -> dict[str, Node]:
    """Helm's ``mergeMaps(base, overlay)``: overlay wins, maps merge recursively."""
    out = dict(base)
    for key, node in overlay.items():
        current = out.get(key)
        if isinstance(node.value, dict) and current is not None and isinstance(current.value, dict):
            out[key] = Node(merge_maps(current.value, node.value), node.origin)
        else:
            out[key] = node
    return out


def coalesce(defaults: dict[str, Node], user: dict[str, Node], warn: Warn) -> dict[str, Node]:
    """Helm's ``CoalesceValues`` for the top-level chart: ``user`` over ``defaults``."""
    out: dict[str, Node] = {}
    for key, default in defaults.items():
        if key not in user:
            if default.value is not None:
                out[key] = _without_nulls(default)
            continue
        mine = user[key]
        if mine.value is None:
            continue  # a top-level null removes the key, whatever the chart holds
        if isinstance(mine.value, dict):
            if isinstance(default.value, dict):
                cleaned = _without_nulls(default).value
                out[key] = Node(_coalesce_tables(mine.value, cleaned, key, warn), mine.origin)
                continue
            if default.value is not None:
                warn(f"skipped value for {key}: Not a table.", mine)
        out[key] = mine
    for key, mine in user.items():
        if key not in defaults:
            out[key] = mine
    return out


def _without_nulls(node: Node) -> Node:
    """Helm's ``cleanNilValues``: null entries of maps dropped, recursively (not in lists)."""
    if not isinstance(node.value, dict):
        return node
    kept = {k: _without_nulls(v) for k, v in node.value.items() if v.value is not None}
    return Node(kept, node.origin, node.text)


def _coalesce_tables(
    dst: dict[str, Node], src: dict[str, Node], prefix: str, warn: Warn
) -> dict[str, Node]:
    """``coalesceTablesFullKey(dst, src)`` with merge=false; dst (the user) is authoritative."""
    out = dict(dst)
    for key, default in src.items():
        full = f"{prefix}.{key}"
        mine = dst.get(key)
        if mine is None:
            out[key] = default
        elif mine.value is None:
            if default.value is not None:
                del out[key]  # the user nulls a chart default: the key goes
        elif isinstance(default.value, dict):
            if isinstance(mine.value, dict):
                out[key] = Node(
                    _coalesce_tables(mine.value, default.value, full, warn), mine.origin
                )
            else:
                warn(f"cannot overwrite table with non table for {full} ({_show(default)})", mine)
        elif isinstance(mine.value, dict) and default.value is not None:
            warn(
                f"destination for {full} is a table. Ignoring non-table value ({_show(default)})",
                mine,
            )
    return out


def _show(node: Node) -> str:
    text = repr(to_plain(node))
    return text if len(text) <= 60 else text[:57] + "..."
