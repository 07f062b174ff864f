"""Values files as the user wrote them: every key and scalar with its position and style.

The linter needs more than merged values: the quoting of a scalar (``"7445"``), keys that
appear twice in one mapping, YAML 1.1 booleans (``yes``), placeholders in the text, and
the place of every key in every file. So it reads each file at the YAML *node* level
(ruamel's composer), unwraps Flux HelmReleases, Argo CD Applications and kustomize
``helmCharts`` to the values they carry, and merges the user's layers in order the way
Helm merges ``-f`` files (maps merge, everything else is replaced; no chart defaults).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ciliumdrift.errors import YamlError
from ciliumdrift.load.model import HelmValues, join_key
from ciliumdrift.model import Diagnostic, Layer, Origin, Position

#: Walking more nodes than this means alias expansion ("billion laughs"), not a values file.
MAX_NODES = 200_000

_NULL = re.compile(r"^(~|null|Null|NULL|)$")
_TRUE = re.compile(r"^(y|Y|yes|Yes|YES|true|True|TRUE|on|On|ON)$")
_FALSE = re.compile(r"^(n|N|no|No|NO|false|False|FALSE|off|Off|OFF)$")
_INT = re.compile(r"^[-+]?(0|[1-9][0-9_]*)$")
_HEX = re.compile(r"^[-+]?0x[0-9a-fA-F_]+$")
_OCT = re.compile(r"^[-+]?0[0-7_]+$")
_FLOAT = re.compile(
    r"^[-+]?([0-9][0-9_]*)?\.[0-9_]*([eE][-+]?[0-9]+)?$|^[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+$"
)
#: YAML 1.1 booleans that YAML 1.2 (and most editors) read as strings.
YAML11_ONLY_BOOLEANS = frozenset(
    {
        "y",
        "Y",
        "yes",
        "Yes",
        "YES",
        "n",
        "N",
        "no",
        "No",
        "NO",
        "on",
        "On",
        "ON",
        "off",
        "Off",
        "OFF",
    }
)


@dataclass(frozen=True, eq=False)
class YamlNode:
    """One YAML node: a mapping (``pairs``), a sequence (``items``) or a scalar (``text``)."""

    kind: str  # "map" | "seq" | "scalar"
    position: Position
    tag: str = ""
    style: str | None = None  # '"', "'", "|", ">" or None (plain) for scalars
    text: str = ""
    pairs: tuple[tuple[YamlNode, YamlNode], ...] = ()
    items: tuple[YamlNode, ...] = ()

    @property
    def is_map(self) -> bool:
        return self.kind == "map"

    @property
    def quoted(self) -> bool:
        return self.kind == "scalar" and self.style in {'"', "'"}

    def get(self, key: str) -> YamlNode | None:
        """The value node of ``key`` in a mapping (the last one, as Helm keeps the last)."""
        found = None
        for k, v in self.pairs:
            if k.kind == "scalar" and k.text == key:
                found = v
        return found

    def scalar(self) -> Any:
        """A scalar as Helm types it (YAML 1.1: ``yes`` is true, ``0755`` is octal)."""
        text = self.text
        if self.style is not None or self.tag.startswith("!"):
            return text  # quoted, block or locally tagged scalars stay strings
        if _NULL.match(text):
            return None
        if _TRUE.match(text):
            return True
        if _FALSE.match(text):
            return False
        cleaned = text.replace("_", "")
        try:
            if _INT.match(text):
                return int(cleaned)
            if _HEX.match(text):
                return int(cleaned, 16)
            if _OCT.match(text):
                return int(cleaned, 8)
            if _FLOAT.match(text):
                return float(cleaned)
        except ValueError:
            return text
        if text in {".inf", ".Inf", ".INF", "+.inf"}:
            return float("inf")
        if text in {"-.inf", "-.Inf", "-.INF"}:
            return float("-inf")
        if text in {".nan", ".NaN", ".NAN"}:
            return float("nan")
        return text

    def to_python(self, budget: list[int] | None = None) -> Any:
        """The value as Helm sees it; raises YamlError past MAX_NODES (alias expansion)."""
        budget = [MAX_NODES] if budget is None else budget
        budget[0] -= 1
        if budget[0] < 0:
            raise YamlError("too many nodes (alias expansion?)", self.position)
        if self.kind == "scalar":
            return self.scalar()
        if self.kind == "seq":
            return [item.to_python(budget) for item in self.items]
        out: dict[str, Any] = {}
        for k, v in self.pairs:
            if k.kind == "scalar" and k.text == "<<" and not k.quoted:
                for source in v.items if v.kind == "seq" else (v,):
                    if source.is_map:
                        for mk, mv in source.to_python(budget).items():
                            out.setdefault(mk, mv)
                continue
            out[_key_text(k)] = v.to_python(budget)
        return out


def _key_text(node: YamlNode) -> str:
    if node.kind == "scalar":
        value = node.scalar()
        if isinstance(value, bool):
            return "true" if value else "false"
        return node.text if value is None else str(value)
    return f"<{node.kind}>"


@dataclass(frozen=True)
class Entry:
    """One ``key: value`` pair of a values mapping, with its dotted path."""

    path: tuple[str, ...]
    key: YamlNode
    value: YamlNode

    @property
    def dotted(self) -> str:
        return join_key(self.path)


@dataclass(frozen=True)
class ValuesDocument:
    """The values of one layer: a plain values file or the values a wrapper carries."""

    name: str
    text: str
    root: YamlNode | None
    kind: str = "values"  # values | helmrelease | argocd | kustomize
    chart_version: str | None = None
    chart_version_position: Position | None = None
    diagnostics: tuple[Diagnostic, ...] = ()
    unresolved: tuple[tuple[str, Position], ...] = ()  # (what, where) not linted

    def entries(self) -> Iterator[Entry]:
        """Every key of every mapping under the root (not inside lists), depth first."""
        if self.root is None or not self.root.is_map:
            return
        budget = [MAX_NODES]

        def walk(prefix: tuple[str, ...], node: YamlNode) -> Iterator[Entry]:
            for k, v in node.pairs:
                budget[0] -= 1
                if budget[0] < 0:
                    raise YamlError("too many nodes (alias expansion?)", k.position)
                path = (*prefix, _key_text(k))
                yield Entry(path, k, v)
                if v.is_map:
                    yield from walk(path, v)

        yield from walk((), self.root)

    def scalars(self) -> Iterator[tuple[tuple[str, ...], YamlNode]]:
        """Every scalar under the root, in lists too, with the key path that holds it."""
        if self.root is None:
            return
        budget = [MAX_NODES]

        def walk(
            prefix: tuple[str, ...], node: YamlNode
        ) -> Iterator[tuple[tuple[str, ...], YamlNode]]:
            budget[0] -= 1
            if budget[0] < 0:
                raise YamlError("too many nodes (alias expansion?)", node.position)
            if node.kind == "scalar":
                yield prefix, node
            elif node.kind == "seq":
                for item in node.items:
                    yield from walk(prefix, item)
            else:
                for k, v in node.pairs:
                    yield (*prefix, _key_text(k)), k
                    yield from walk((*prefix, _key_text(k)), v)

        yield from walk((), self.root)


# -- reading ------------------------------------------------------------------------------


def read_documents(name: str, text: str) -> tuple[ValuesDocument, ...]:
    """All values layers a file holds, in the order Helm would merge them."""
    nodes = _compose(name, text)
    wrappers = [w for w in (_unwrap(name, text, n) for n in nodes) if w is not None]
    if wrappers:
        cilium = [w for w in wrappers if w[1]]
        return tuple(doc for doc, _ in (cilium or wrappers))
    layers = [n for n in nodes if n is not None and not _is_k8s_object(n)]
    if not layers:
        return (ValuesDocument(name, text, None),)
    return tuple(ValuesDocument(name, text, n) for n in layers)


def _compose(
    name: str, text: str, *, line_offset: int = 0, column_offset: int = 0
) -> list[YamlNode | None]:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    yaml = YAML(typ="rt")
    memo: dict[int, YamlNode] = {}

    def position(mark: Any) -> Position:
        line = mark.line + line_offset + 1
        column = mark.column + column_offset + 1
        return Position(name, line, column)

    def convert(node: Any) -> YamlNode:
        seen = memo.get(id(node))
        if seen is not None:
            return seen
        kind = type(node).__name__
        tag = str(getattr(node.tag, "value", node.tag) or "")
        if kind == "MappingNode":
            out = YamlNode(
                "map",
                position(node.start_mark),
                tag,
                pairs=tuple((convert(k), convert(v)) for k, v in node.value),
            )
        elif kind == "SequenceNode":
            out = YamlNode(
                "seq", position(node.start_mark), tag, items=tuple(convert(i) for i in node.value)
            )
        else:
            out = YamlNode("scalar", position(node.start_mark), tag, node.style, str(node.value))
        memo[id(node)] = out
        return out

    try:
        return [
            convert(doc) if doc is not None else None for doc in yaml.compose_all(io.StringIO(text))
        ]
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = position(mark) if mark is not None else Position(name, 1, 1)
        problem = " ".join(str(error.problem or error.context or "invalid YAML").split())
        raise YamlError(f"invalid YAML: {problem}", where) from None
    except YAMLError as error:
        raise YamlError(
            f"invalid YAML: {' '.join(str(error).split())}", Position(name, 1, 1)
        ) from None
    except RecursionError:
        raise YamlError("YAML nested too deeply", Position(name, 1, 1)) from None


def _is_k8s_object(node: YamlNode | None) -> bool:
    return (
        node is not None
        and node.is_map
        and node.get("apiVersion") is not None
        and node.get("kind") is not None
    )


def _text(node: YamlNode | None) -> str | None:
    return node.text if node is not None and node.kind == "scalar" else None


def _path(node: YamlNode | None, *keys: str) -> YamlNode | None:
    for key in keys:
        if node is None or not node.is_map:
            return None
        node = node.get(key)
    return node


def _unwrap(name: str, text: str, node: YamlNode | None) -> tuple[ValuesDocument, bool] | None:
    """(values layer, names the cilium chart) for a wrapper document, else None."""
    if node is None or not node.is_map:
        return None
    kind, api = _text(node.get("kind")), _text(node.get("apiVersion")) or ""
    if kind == "HelmRelease" and "fluxcd.io" in api:
        chart = _path(node, "spec", "chart", "spec")
        version = _path(chart, "version")
        values_from = _path(node, "spec", "valuesFrom") or YamlNode("seq", node.position)
        unresolved = tuple((_describe_source(item), item.position) for item in values_from.items)
        doc = ValuesDocument(
            name,
            text,
            _path(node, "spec", "values"),
            "helmrelease",
            _text(version),
            version.position if version is not None else None,
            unresolved=unresolved,
        )
        return doc, (_text(_path(chart, "chart")) or "").endswith("cilium")
    if kind in {"Application", "ApplicationSet"} and "argoproj.io" in api:
        spec = (
            _path(node, "spec", "template", "spec")
            if kind == "ApplicationSet"
            else _path(node, "spec")
        )
        sources = [
            s
            for s in (
                [
                    _path(spec, "source"),
                    *list((_path(spec, "sources") or YamlNode("seq", node.position)).items),
                ]
            )
            if s is not None
        ]
        for source in sources:
            helm = _path(source, "helm")
            if helm is None and _text(_path(source, "chart")) is None:
                continue
            version = _path(source, "targetRevision")
            values: YamlNode | None = _path(helm, "valuesObject")
            inline = _path(helm, "values")
            if values is None and inline is not None and inline.kind == "scalar":
                values = _embedded(name, text, inline)
            files = _path(helm, "valueFiles")
            unresolved = tuple(
                (f"valueFiles {item.text}", item.position)
                for item in (files.items if files is not None else ())
            )
            doc = ValuesDocument(
                name,
                text,
                values,
                "argocd",
                _text(version),
                version.position if version is not None else None,
                unresolved=unresolved,
            )
            return doc, (_text(_path(source, "chart")) or "").endswith("cilium")
        return None
    if kind == "Kustomization" and _path(node, "helmCharts") is not None:
        for chart in (_path(node, "helmCharts") or YamlNode("seq", node.position)).items:
            if not chart.is_map:
                continue
            version = chart.get("version")
            files = chart.get("valuesFile")
            unresolved = (
                ((f"valuesFile {files.text}", files.position),) if files is not None else ()
            )
            doc = ValuesDocument(
                name,
                text,
                chart.get("valuesInline"),
                "kustomize",
                _text(version),
                version.position if version is not None else None,
                unresolved=unresolved,
            )
            return doc, (_text(chart.get("name")) or "") == "cilium"
    return None


def _describe_source(item: YamlNode) -> str:
    kind = _text(_path(item, "kind")) or ""
    name = _text(_path(item, "name")) or ""
    return f"valuesFrom {kind} {name}".strip()


def _embedded(name: str, text: str, node: YamlNode) -> YamlNode | None:
    """Values given as a YAML string inside a wrapper, positioned in the outer file."""
    lines = text.splitlines()
    if node.style in {"|", ">"}:
        start = node.position.line  # content begins on the line after the indicator (1-based)
        indent = 0
        for line in lines[start:]:
            if line.strip():
                indent = len(line) - len(line.lstrip(" "))
                break
        parsed = _compose(name, node.text, line_offset=start, column_offset=indent)
    else:
        parsed = _compose(
            name, node.text, line_offset=node.position.line - 1, column_offset=node.position.column
        )
    return next((p for p in parsed if p is not None), None)


# -- merging ------------------------------------------------------------------------------


@dataclass(frozen=True)
class MergedValues:
    """The user's layers merged like Helm merges ``-f`` files, with key and value positions."""

    values: HelmValues
    value_positions: Mapping[str, Position] = field(default_factory=dict)


def merge_documents(
    documents: tuple[ValuesDocument, ...], chart_version: str | None
) -> MergedValues:
    merged: dict[str, Any] = {}
    sources: dict[str, Origin] = {}
    value_positions: dict[str, Position] = {}

    def forget(prefix: str) -> None:
        for table in (sources, value_positions):
            for key in [k for k in table if k.startswith(prefix + ".")]:
                del table[key]

    budget = [MAX_NODES]

    def merge(target: dict[str, Any], node: YamlNode, prefix: tuple[str, ...]) -> None:
        for k, v in node.pairs:
            budget[0] -= 1
            if budget[0] < 0:
                raise YamlError("too many nodes (alias expansion?)", k.position)
            key = _key_text(k)
            if key == "<<" and not k.quoted:
                explicit = {_key_text(kk) for kk, _ in node.pairs}
                for merged_key, merged_value in node.to_python(budget).items():
                    if merged_key not in explicit and merged_key not in target:
                        dotted = join_key((*prefix, merged_key))
                        target[merged_key] = merged_value
                        sources[dotted] = Origin(Layer.VALUES_FILE, key=dotted, position=k.position)
                        value_positions[dotted] = v.position
                continue
            path = (*prefix, key)
            dotted = join_key(path)
            if v.is_map and isinstance(target.get(key), dict):
                merge(target[key], v, path)
            elif v.is_map:
                if key in target:
                    forget(dotted)  # an earlier layer's subtree is replaced
                target[key] = {}
                merge(target[key], v, path)
            else:
                if key in target:
                    forget(dotted)
                target[key] = v.to_python(budget)
            sources[dotted] = Origin(Layer.VALUES_FILE, key=dotted, position=k.position)
            value_positions[dotted] = v.position

    for doc in documents:
        if doc.root is not None and doc.root.is_map:
            merge(merged, doc.root, ())
    helm = HelmValues(
        values=merged,
        sources=sources,
        chart_version=chart_version,
        user_keys=frozenset(sources),
    )
    return MergedValues(helm, value_positions)
