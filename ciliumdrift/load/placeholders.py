"""Unrendered templates in declared values: recognised, reported by key, never taken as values.

GitOps repositories hold files that a tool renders before Helm or Talos sees them: Flux
``postBuild`` substitution and talhelper/envsubst (``${CLUSTER_CIDR}``), Go and Helm
templates (``{{ .cilium_hostname }}``), Terraform/OpenTofu ``templatefile`` (``${var}``,
``%{ if ... }``). Their text is not the value the cluster gets, so the loaders drop such
a value and record its key and origin instead.
"""

from __future__ import annotations

from ciliumdrift.load.model import join_key
from ciliumdrift.load.tree import Node
from ciliumdrift.model import Origin
from ciliumdrift.regex import lazy_pattern

PLACEHOLDER = lazy_pattern(r"(?<!\$)\$\{[^}\n]+\}|\{\{.*?\}\}|%\{[^}\n]+\}")


def _node_holds(node: Node) -> bool:
    if isinstance(node.value, str):
        return PLACEHOLDER.search(node.value) is not None
    if isinstance(node.value, list):
        return any(_node_holds(item) for item in node.value)
    return False


def extract_placeholders(
    entries: dict[str, Node], prefix: tuple[str, ...] = ()
) -> dict[str, Origin]:
    """Remove every map entry whose value (a string, or a list holding one) is a template.

    Returns ``dotted key -> origin`` of what was removed; maps are searched recursively.
    """
    found: dict[str, Origin] = {}
    for name in list(entries):
        node = entries[name]
        path = (*prefix, name)
        if isinstance(node.value, dict):
            found.update(extract_placeholders(node.value, path))
        elif _node_holds(node):
            found[join_key(path)] = node.origin
            del entries[name]
    return found
