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
from ciliumdrift.load.yaml import FAST_SCAN_BYTES, precheck
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


def is_merge_key(node: YamlNode) -> bool:
    """A YAML merge key (``<<``, plain), which Helm's YAML 1.1 reader expands."""
    return node.kind == "scalar" and node.text == "<<" and not node.quoted


def merged_pairs(node: YamlNode) -> Iterator[tuple[YamlNode, YamlNode]]:
    """A mapping's pairs with merge keys expanded the way YAML 1.1 does: own keys win."""
    own = {_key_text(k) for k, _ in node.pairs if not is_merge_key(k)}
    seen: set[str] = set()
    for key, value in node.pairs:
        if not is_merge_key(key):
            yield key, value
            continue
        for source in value.items if value.kind == "seq" else (value,):
            if not source.is_map:
                continue
            for inner_key, inner_value in merged_pairs(source):
                name = _key_text(inner_key)
                if name not in own and name not in seen:
                    seen.add(name)
                    yield inner_key, inner_value


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
            for k, v in merged_pairs(node):
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
                    if is_merge_key(k):
                        continue  # the merged map's own text is walked where it is written
                    yield (*prefix, _key_text(k)), k
                    yield from walk((*prefix, _key_text(k)), v)

        yield from walk((), self.root)


# -- reading ------------------------------------------------------------------------------


def compose(
    name: str, text: str, *, line_offset: int = 0, column_offset: int = 0
) -> list[YamlNode | None]:
    """Every document of ``text`` as nodes with positions (offsets place an embedded text).

    The cheap refusals of :func:`ciliumdrift.load.yaml.precheck` come first (size, plain
    text, libyaml's pre-scan of large texts), so a wrong file fails as fast here as in the
    loaders.
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    yaml = YAML(typ="safe", pure=True)
    memo: dict[int, YamlNode] = {}

    def position(mark: Any) -> Position:
        line = mark.line + line_offset + 1
        column = mark.column + column_offset + 1
        return Position(name, line, column)

    precheck(
        text,
        lambda line, column: Position(name, line + line_offset + 1, column + column_offset + 1),
    )

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
            style = node.style or None  # libyaml marks a plain scalar with ""
            out = YamlNode("scalar", position(node.start_mark), tag, style, str(node.value))
        memo[id(node)] = out
        return out

    fast = _c_compose(text)
    errors: tuple[type[BaseException], ...] = (YAMLError,) if fast is None else (YAMLError, fast[1])
    try:
        documents = fast[0] if fast is not None else yaml.compose_all(io.StringIO(text))
        return [convert(doc) if doc is not None else None for doc in documents]
    except errors as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        if mark is None:
            raise YamlError(
                f"invalid YAML: {' '.join(str(error).split())}", Position(name, 1, 1)
            ) from None
        problem = getattr(error, "problem", None) or getattr(error, "context", None)
        problem = " ".join(str(problem or "invalid YAML").split())
        raise YamlError(f"invalid YAML: {problem}", position(mark)) from None
    except RecursionError:
        raise YamlError("YAML nested too deeply", Position(name, 1, 1)) from None


def _c_compose(text: str) -> tuple[Iterator[Any], type[BaseException]] | None:
    """libyaml's composer for large texts (same nodes, a hundred times faster)."""

    if len(text) <= FAST_SCAN_BYTES:
        return None
    try:
        import yaml
    except ImportError:  # pragma: no cover - the kubernetes client depends on PyYAML
        return None
    if not getattr(yaml, "__with_libyaml__", False):  # pragma: no cover - platform wheels
        return None
    return yaml.compose_all(text, Loader=yaml.CSafeLoader), yaml.YAMLError


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
