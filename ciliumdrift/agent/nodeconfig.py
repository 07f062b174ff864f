"""CiliumNodeConfig as declared input: per-node overrides of ``cilium-config``.

A CiliumNodeConfig (``cilium.io/v2alpha1`` from 1.13, ``v2`` from 1.16) selects nodes by
label and sets ``cilium-config`` keys for them in ``spec.defaults``; the agent's init
container resolves them once, at pod start (docs.cilium.io/en/stable/configuration/
per-node-config/). With ``--node-config FILE`` (and in ``live``, from the cluster), the
expectation of every selected node follows the override: the key is mapped back to its
Helm key (the table of ``data/config_keys.yaml``) and set over the merged values with
the override as its origin. A node that still shows the ConfigMap's value is explained
by the comparison with the values without the override.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from ciliumdrift.agent.configmap import by_config_key
from ciliumdrift.errors import InputError
from ciliumdrift.load.model import HelmValues, join_key, split_key
from ciliumdrift.load.plain import load_plain_documents
from ciliumdrift.model import Layer, NodeConfigOverride, Origin, Position
from ciliumdrift.records import record
from ciliumdrift.textio import read_text

_KINDS = ("CiliumNodeConfig",)


@record
class Override:
    """One effective override on one node: the config key, its value and the CNC that set it."""

    key: str
    value: str
    config: NodeConfigOverride
    helm: str | None  # the Helm key the chart writes the config key from (None: not mapped)

    @property
    def name(self) -> str:
        config = self.config
        where = f"{config.namespace}/{config.name}" if config.namespace else config.name
        return f"CiliumNodeConfig {where}"

    def origin(self) -> Origin:
        return Origin(
            Layer.DEPLOYED,
            key=self.helm or self.key,
            detail=f"{self.name} sets {self.key}: {self.value}",
        )


def node_config(item: Mapping[str, Any], api_version: str | None = None) -> NodeConfigOverride:
    """A CiliumNodeConfig object (a file's, a sysdump's or the API's, whose list items may
    leave out the ``api_version`` they were listed at)."""
    metadata = item.get("metadata") or {}
    spec = item.get("spec") or {}
    selector = spec.get("nodeSelector") or {}
    return NodeConfigOverride(
        name=str(metadata.get("name") or "?"),
        namespace=str(metadata.get("namespace") or ""),
        api_version=str(item.get("apiVersion") or api_version or "cilium.io/v2"),
        defaults={str(k): str(v) for k, v in (spec.get("defaults") or {}).items()},
        match_labels={str(k): str(v) for k, v in (selector.get("matchLabels") or {}).items()},
        match_expressions=tuple(selector.get("matchExpressions") or ()),
    )


def _items(document: Any) -> Iterable[Mapping[str, Any]]:
    if not isinstance(document, Mapping):
        return
    if str(document.get("kind", "")).endswith("List") and isinstance(document.get("items"), list):
        for item in document["items"]:
            yield from _items(item)
    elif document.get("kind") in _KINDS:
        yield document


def read_node_configs(paths: Sequence[str]) -> tuple[NodeConfigOverride, ...]:
    """Every CiliumNodeConfig in the files (multi-document YAML, ``kind: List`` too)."""
    found: list[NodeConfigOverride] = []
    for path in paths:
        name, text = read_text(path)
        documents = load_plain_documents(text, name)  # the one reader: its errors, its limits
        configs = [node_config(item) for doc in documents for item in _items(doc)]
        if not configs:
            raise InputError("no CiliumNodeConfig in this file", Position(name, 1, 1))
        found.extend(configs)
    return tuple(found)


def labels_for(node: str | None, labels: Mapping[str, str] | None) -> dict[str, str]:
    """The node's labels; the hostname label at least (kubelet sets it to the node name)."""
    known = dict(labels or {})
    if node and "kubernetes.io/hostname" not in known:
        known["kubernetes.io/hostname"] = node
    return known


def effective(
    configs: Sequence[NodeConfigOverride], labels: Mapping[str, str]
) -> dict[str, Override]:
    """The overrides that apply: v2alpha1 before v2, by name within each; later wins."""
    out: dict[str, Override] = {}
    ordered = sorted(configs, key=lambda c: (c.api_version.endswith("/v2"), c.name))
    for config in ordered:
        if not config.selects(labels):
            continue
        for key, value in config.defaults.items():
            entry = by_config_key().get(key)
            out[key] = Override(key, value, config, entry.helm if entry is not None else None)
    return out


def _helm_value(override: Override) -> Any:
    entry = by_config_key().get(override.key)
    text = override.value.strip()
    if entry is not None and entry.render == "bool":
        return text.lower() == "true"
    if override.key == "kube-proxy-replacement" and text.lower() in ("true", "false"):
        return text.lower() == "true"
    return text


def overlay(values: HelmValues, overrides: Mapping[str, Override]) -> HelmValues:
    """The values with every mapped override set over them, each with its CNC as origin."""
    mapped = [o for o in overrides.values() if o.helm is not None]
    if not mapped:
        return values
    tree: dict[str, Any] = _copy(values.values)
    sources = dict(values.sources)
    user = set(values.user_keys)
    for override in mapped:
        assert override.helm is not None
        node = tree
        parts = split_key(override.helm)
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = {}
                node[part] = child
            node = child
        node[parts[-1]] = _helm_value(override)
        sources[join_key(parts)] = override.origin()
        user.add(override.helm)
    return replace(values, values=tree, sources=sources, user_keys=frozenset(user))


def _copy(node: Any) -> Any:
    if isinstance(node, Mapping):
        return {k: _copy(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_copy(v) for v in node]
    return node


__all__ = ["Override", "effective", "labels_for", "node_config", "overlay", "read_node_configs"]
