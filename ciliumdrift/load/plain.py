"""Plain Python values (dict, list, str, int, float, bool, None) from YAML, within the budget.

Kubeconfigs, sysdump members and ``cilium status -o yaml`` are read as data, the way
kubectl reads them (``sigs.k8s.io/yaml``: go-yaml v2, YAML 1.1 scalars, JSON-shaped). They
are built straight from the parser's event stream (libyaml's when PyYAML has it, else
ruamel's pure one), never with a ruamel or PyYAML constructor, whose duplicate-key and
alias errors quote values: a kubeconfig holds tokens and keys. Messages give a position and
a description only.

Limits (:mod:`ciliumdrift.limits`) are those of every YAML file: bytes, nodes, documents
and alias expansion per file, nesting depth. For the large lists a sysdump holds (every pod
of the cluster), :func:`iter_items` hands over one ``items`` entry at a time, so only the
entries a caller keeps stay in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from ciliumdrift import limits
from ciliumdrift.errors import YamlError
from ciliumdrift.load.pyyaml import pyyaml
from ciliumdrift.load.scalars import _resolve_v2
from ciliumdrift.load.yaml import _yaml_error, precheck
from ciliumdrift.model import Position

#: Decides, for each entry of a top-level ``items`` list, what to keep (None drops it).
Keep = Callable[[Any], Any]


def load_plain_documents(
    text: str, name: str, *, limit: int | None = None, keep_item: Keep | None = None
) -> list[Any]:
    """Every document of ``text`` as plain values (an empty document is None).

    With ``keep_item``, each entry of a document's top-level ``items`` list is passed to it
    as soon as it is complete, and only what it returns is kept (a filtered pod list).
    """

    def where(line: int, column: int) -> Position:
        return Position(name, line + 1, column + 1)

    precheck(text, where, limit=limit, scan=False)
    return list(_Builder(text, name, keep_item).documents())


def load_plain(text: str, name: str, *, limit: int | None = None) -> Any:
    """The first document of ``text`` as plain values (None when there is none)."""
    documents = load_plain_documents(text, name, limit=limit)
    return documents[0] if documents else None


def _events(text: str) -> tuple[Iterator[Any], tuple[type[BaseException], ...]]:
    yaml = pyyaml()
    if yaml is not None:
        return yaml.parse(text, Loader=yaml.CSafeLoader), (yaml.YAMLError,)
    from ruamel.yaml import YAML  # pragma: no cover - platforms without libyaml
    from ruamel.yaml.error import YAMLError  # pragma: no cover

    return YAML(typ="safe", pure=True).parse(text), (YAMLError,)  # pragma: no cover


class _Frame:
    __slots__ = ("anchor", "is_items", "key", "own", "size", "value")

    def __init__(self, value: Any, anchor: str | None, is_items: bool) -> None:
        self.value = value
        self.own: set[str] = set()
        self.anchor = anchor
        self.key: Any = _NO_KEY
        self.size = 1
        self.is_items = is_items


_NO_KEY = object()


class _Builder:
    def __init__(self, text: str, name: str, keep_item: Keep | None) -> None:
        self.text = text
        self.name = name
        self.keep_item = keep_item
        self.budget = limits.FileBudget()

    def _at(self, event: Any) -> Position:
        mark = getattr(event, "start_mark", None)
        if mark is None:
            return Position(self.name, 1, 1)
        return Position(self.name, mark.line + 1, mark.column + 1)

    def documents(self) -> Iterator[Any]:
        events, errors = _events(self.text)
        try:
            yield from self._walk(events)
        except errors as error:
            raise _yaml_error(
                error,  # type: ignore[arg-type]
                self.text,
                lambda line, column: Position(self.name, line + 1, column + 1),
            ) from None

    def _walk(self, events: Iterator[Any]) -> Iterator[Any]:
        # The hot loop: counters are local ints, and a Position is made only for an error.
        kinds = _event_kinds()
        budget = self.budget
        limit = budget.limits
        max_depth, max_nodes = limit.yaml_depth, limit.yaml_nodes
        max_expanded, max_documents = limit.yaml_expanded_nodes, limit.yaml_documents
        nodes = expanded = documents = 0
        stack: list[_Frame] = []
        anchors: dict[str, tuple[Any, int]] = {}
        root: Any = None
        keep_item = self.keep_item
        for event in events:
            kind = kinds.get(type(event), "")
            if kind == "scalar":
                nodes += 1
                expanded += 1
                value, size = _scalar(event), 1
                if event.anchor:
                    anchors[event.anchor] = (value, 1)
            elif kind == "start":
                if len(stack) >= max_depth:
                    raise YamlError(f"nested deeper than {max_depth} levels", self._at(event))
                nodes += 1
                expanded += 1
                is_items = (
                    keep_item is not None
                    and len(stack) == 1
                    and stack[0].key == "items"
                    and type(event).__name__ == "SequenceStartEvent"
                )
                container: Any = {} if type(event).__name__ == "MappingStartEvent" else []
                stack.append(_Frame(container, event.anchor, is_items))
                if nodes > max_nodes:
                    budget.nodes = nodes
                    budget.node(self._at(event), 0)
                continue
            elif kind == "end":
                frame = stack.pop()
                if frame.anchor:
                    anchors[frame.anchor] = (frame.value, frame.size)
                value, size = frame.value, frame.size
            elif kind == "alias":
                found = anchors.get(event.anchor)
                if found is None:
                    raise YamlError("alias (*name) names no earlier anchor", self._at(event))
                value, size = found
                expanded += size
            elif kind == "document-start":
                documents += 1
                if documents > max_documents:
                    budget.documents = documents
                    budget.document(self._at(event))
                anchors, root = {}, None
                continue
            elif kind == "document-end":
                yield root
                continue
            else:
                continue
            if nodes > max_nodes:
                budget.nodes = nodes
                budget.node(self._at(event), 0)
            if expanded > max_expanded:
                budget.expanded = expanded
                budget.expand(0, self._at(event))
            if not stack:
                root = value
                continue
            parent = stack[-1]
            parent.size += size
            if parent.is_items:
                assert keep_item is not None
                value = keep_item(value)
                if value is not None:
                    parent.value.append(value)
            elif type(parent.value) is list:
                parent.value.append(value)
            elif parent.key is _NO_KEY:
                parent.key = value
            else:
                self._set(parent, value, event)

    def _set(self, parent: _Frame, value: Any, event: Any) -> None:
        key = parent.key
        parent.key = _NO_KEY
        mapping: dict[str, Any] = parent.value
        if key == "<<" and isinstance(value, (dict, list)):  # a merge key: own keys win
            sources = value if isinstance(value, list) else [value]
            for source in sources:
                if not isinstance(source, dict):
                    raise YamlError(
                        "a merge key (<<) needs a mapping or a list of mappings", self._at(event)
                    )
                for merged_key, merged_value in source.items():
                    if merged_key not in parent.own:
                        mapping.setdefault(merged_key, merged_value)
            return
        if isinstance(key, (dict, list)):
            raise YamlError("a mapping key must be a scalar", self._at(event))
        text = _key_text(key)
        if text in parent.own:
            raise YamlError("duplicate mapping key", self._at(event))
        parent.own.add(text)
        mapping[text] = value


def _event_kinds() -> dict[type, str]:
    """Event class -> kind, for both parsers' event classes (same names)."""
    classes: list[type] = []
    yaml = pyyaml()
    if yaml is not None:
        classes += [getattr(yaml, n) for n in _EVENT_NAMES]
    with_libyaml = yaml is not None
    if not with_libyaml:  # pragma: no cover - ruamel's pure parser is used then
        from ruamel.yaml import events as ruamel_events

        classes += [getattr(ruamel_events, n) for n in _EVENT_NAMES]
    return {cls: _EVENT_NAMES[cls.__name__] for cls in classes}


_EVENT_NAMES = {
    "ScalarEvent": "scalar",
    "MappingStartEvent": "start",
    "SequenceStartEvent": "start",
    "MappingEndEvent": "end",
    "SequenceEndEvent": "end",
    "AliasEvent": "alias",
    "DocumentStartEvent": "document-start",
    "DocumentEndEvent": "document-end",
}


def _key_text(key: Any) -> str:
    if key is None:
        return "null"
    if isinstance(key, bool):
        return "true" if key else "false"
    return str(key)


def _scalar(event: Any) -> Any:
    """A scalar as go-yaml v2 (sigs.k8s.io/yaml) types it."""

    tag = event.tag
    text: str = event.value
    if event.style not in (None, "") or tag in ("tag:yaml.org,2002:str", "!!str", "!"):
        return text
    if tag not in (None, "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "!!int", "!!float"):
        if tag in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:null", "!!bool", "!!null"):
            return _resolve_v2(text)
        return text  # go-yaml v2 leaves an unknown tag's scalar a string
    return _resolve_v2(text)
