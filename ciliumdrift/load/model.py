"""What the operator declared: merged Helm values and Talos facts, each value with its origin."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import field
from typing import Any

from ciliumdrift.model import Diagnostic, Layer, Located, Origin
from ciliumdrift.records import record


def split_key(key: str) -> tuple[str, ...]:
    """``a.b\\.c.d`` -> ``("a", "b.c", "d")``: a backslash escapes a dot inside a key."""
    if "\\" not in key:  # nearly every key: nothing escaped
        return tuple(key.split("."))
    parts: list[str] = []
    current: list[str] = []
    escaped = False
    for char in key:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == ".":
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return tuple(parts)


def join_key(path: tuple[str, ...]) -> str:
    """The inverse of :func:`split_key`."""
    joined = ".".join(path)
    if joined.count(".") == len(path) - 1:  # no part holds a dot: nothing to escape
        return joined
    return ".".join(p.replace(".", "\\.") for p in path)


_MISSING = object()


@record
class HelmValues:
    """Merged Helm values exactly as Helm hands them to the chart, plus provenance.

    ``sources`` maps every dotted key (leaves and maps alike) to the origin of the value
    that won the merge. ``user_keys`` is the set of dotted keys that some user layer set
    (a values file or a flag), as opposed to keys that only exist as chart defaults.
    """

    values: Mapping[str, Any]
    sources: Mapping[str, Origin] = field(default_factory=dict)
    chart_version: str | None = None
    user_keys: frozenset[str] = frozenset()
    placeholders: Mapping[str, Origin] = field(default_factory=dict)
    diagnostics: tuple[Diagnostic, ...] = ()

    def raw(self, key: str, default: Any = None) -> Any:
        """The merged value at a dotted key, or ``default``."""
        node: Any = self.values
        for part in split_key(key):
            if not isinstance(node, Mapping) or part not in node:
                return default
            node = node[part]
        return node

    def has(self, key: str) -> bool:
        return self.raw(key, _MISSING) is not _MISSING

    def get(self, key: str) -> Located[Any] | None:
        """The merged value at a dotted key with its origin, or None when absent."""
        value = self.raw(key, _MISSING)
        if value is _MISSING:
            return None
        return Located(value, self.origin(key))

    def origin(self, key: str) -> Origin:
        """Where the value at ``key`` came from; the nearest set ancestor when not recorded."""

        path = split_key(key)
        while path:
            found = self.sources.get(join_key(path))
            if found is not None:
                return found
            path = path[:-1]
        return Origin(Layer.CHART_DEFAULT, key=key, version=self.chart_version)

    def is_user_set(self, key: str) -> bool:
        return key in self.user_keys

    def items(self) -> Iterator[tuple[str, Any]]:
        """Every leaf as (dotted key, value), in document order."""

        def walk(prefix: tuple[str, ...], node: Any) -> Iterator[tuple[str, Any]]:
            if isinstance(node, Mapping) and node:
                for k, v in node.items():
                    yield from walk((*prefix, str(k)), v)
            elif prefix:
                yield join_key(prefix), node

        yield from walk((), self.values)


@record
class TalosFacts:
    """Facts extracted from Talos machine configs and patches (secrets already removed).

    Every field is None when no loaded document says anything about it; defaults of the
    Talos version are applied by the loader and carry an origin of layer ``talos`` with
    ``detail`` naming the default.
    """

    files: tuple[str, ...] = ()
    version: Located[str] | None = None
    kernel: Located[str] | None = None
    machine_type: Located[str] | None = None
    cluster_name: Located[str] | None = None
    control_plane_endpoint: Located[str] | None = None
    cni: Located[str] | None = None
    kube_proxy_disabled: Located[bool] | None = None
    pod_subnets: Located[tuple[str, ...]] | None = None
    service_subnets: Located[tuple[str, ...]] | None = None
    kubeprism_enabled: Located[bool] | None = None
    kubeprism_port: Located[int] | None = None
    host_dns_enabled: Located[bool] | None = None
    forward_kube_dns_to_host: Located[bool] | None = None
    interfaces: tuple[Located[str], ...] = ()
    node_addresses: tuple[Located[str], ...] = ()
    kernel_modules: tuple[Located[str], ...] = ()
    sysctls: Mapping[str, Located[str]] = field(default_factory=dict)
    placeholders: Mapping[str, Origin] = field(default_factory=dict)
    diagnostics: tuple[Diagnostic, ...] = ()
    kubespan_enabled: Located[bool] | None = None  # KubeSpan's WireGuard mesh (`kubespan` link)
    link_kinds: tuple[Located[tuple[str, str]], ...] = ()  # (link name, its document kind)


@record
class Declared:
    """Everything declared: the merged values, the Talos facts and the Cilium version."""

    values: HelmValues
    talos: TalosFacts | None = None
    cilium_version: Located[str] | None = None
    diagnostics: tuple[Diagnostic, ...] = ()
