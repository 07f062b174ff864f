"""One safe YAML reader for every user file, with positions and hard limits.

Everything ciliumdrift reads as YAML (Helm values, wrappers, Talos configs and patches,
chart values.yaml) goes through :func:`load_yaml_documents`. It does not build Python
objects with a YAML library's constructors: it reads the parser's *event* stream (an
iterative state machine, so deep nesting cannot blow the Python stack) and builds a small
tree of :class:`YamlNode` objects, each with the 1-based position where its text starts.
The events are libyaml's when PyYAML has libyaml (a C parser: a values file parses in a
twentieth of the time, which start-up needs) and ruamel's pure-Python parser's otherwise;
both give the same events, marks and styles (``tests/load/test_parsers.py`` compares the
trees of every YAML file of the repository), except that libyaml places an empty value
(``key:`` alone) right after its colon and ruamel at the next token. Typing of
scalars is left to the caller, because Helm (go-yaml v2, YAML 1.1) and Talos (go-yaml v3)
type the same text differently (see :mod:`ciliumdrift.load.scalars`).

Limits (each violation is a :class:`~ciliumdrift.errors.YamlError` naming
``file:line:column``, raised before the limit costs time or memory):

* size: :data:`MAX_YAML_BYTES` (1 MiB) for Helm values and wrappers, :data:`MAX_TALOS_BYTES`
  (4 MiB) for Talos configs, checked before parsing. A values file is ~10 KiB and a full copy
  of the Cilium 1.20 chart's values.yaml 184 KiB. Talos configs are larger: ``inlineManifests``
  carry rendered manifests (a Cilium install, Gateway API CRDs, cert-manager: 0.5-1.5 MiB
  each), so a real control-plane config passes 1 MiB; 4 MiB is Talos' own ceiling for
  applying a config to a node in maintenance mode (gRPC's 4 MiB message limit,
  siderolabs/talos#7482, siderolabs/omni#2744), so a larger file cannot be a working config.
* time: ruamel's pure-Python parser reads ~3 MiB/s of scalars and ~1.4 MiB/s of structure,
  and bad input must fail within a second. So :func:`precheck` refuses cheaply what would be
  slow to refuse by parsing: above :data:`FAST_SCAN_BYTES`, a document that starts as plain
  text (a README or a log passed by mistake: ruamel would scan the whole file as one
  multi-line scalar first) and, with libyaml's C parser (PyYAML ships it; the kubernetes
  client already requires PyYAML), anything malformed or over the node and depth limits,
  at the same ``line:column``. Built from libyaml's events, a 3.7 MiB Talos config with an
  inline Cilium manifest loads in ~0.5 s. libyaml is a little stricter than ruamel (a plain
  scalar that starts with ``:`` inside ``{...}``), as go-yaml, the parser Helm and Talos
  use, is: a text up to FAST_SCAN_BYTES that libyaml refuses is read again by ruamel, which
  decides; a larger one is refused with libyaml's message. Without libyaml the pure parser
  is used throughout (slower, same results).
* nodes: :data:`MAX_NODES` (20,000) scalars and collections per document as written (the
  Cilium chart's values.yaml has ~3,500; the parser handles ~30,000 a second).
* nesting: :data:`MAX_DEPTH` (100) levels of mappings and sequences. Real configs stay
  under 20; 10,000-deep input is refused at the 101st level, in constant stack.
* alias expansion: :data:`MAX_EXPANDED_NODES` (250,000) nodes once every alias is
  expanded, counted without expanding (a "billion laughs" file is refused at the alias
  that crosses the limit).
* duplicate mapping keys are an error (Helm would silently keep the last one; Talos
  refuses them), at the second occurrence.
* git merge-conflict markers (``<<<<<<<``, ``>>>>>>>``) are an error at the marker line.
* tabs used as indentation, unterminated quotes, bad indentation: the parser's problem text
  and position, never an excerpt of the file (an excerpt could quote a secret). When the
  line holds an unrendered template (``{% if %}``, ``%{ if }``, ``{{ }}``), the message
  names it first: such files must be rendered before they are checked.
* a byte-order mark at the start is dropped (by :func:`ciliumdrift.textio.decode`); one
  anywhere else is an error. CRLF line endings are read as line breaks (positions stay
  right).

Lint reads through this module too (:mod:`ciliumdrift.load.written`), inside
:func:`lenient_reading`: every node keeps its position and scalar style (``quoted``), and a
repeated key is recorded on the document (``YamlDocument.duplicates``) instead of refused,
and the comments of every text read are recorded (:class:`LenientRecord`). A lenient reading
parses each text once: a second read of the same text at the same place gets the documents
(or the error) of the first, so lint's layers as written and its model share one parse.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import field
from typing import Any

from ciliumdrift import limits
from ciliumdrift.errors import YamlError
from ciliumdrift.load.pyyaml import pyyaml
from ciliumdrift.model import Position
from ciliumdrift.records import record
from ciliumdrift.regex import lazy_pattern

# The defaults of the budget in :mod:`ciliumdrift.limits`, where the values in force live
# (structure is counted per file, every document together; see that module).
MAX_YAML_BYTES = limits.DEFAULTS.yaml_bytes
MAX_TALOS_BYTES = limits.DEFAULTS.talos_bytes
FAST_SCAN_BYTES = 64 * 1024
MAX_DEPTH = limits.DEFAULTS.yaml_depth
MAX_NODES = limits.DEFAULTS.yaml_nodes
MAX_EXPANDED_NODES = limits.DEFAULTS.yaml_expanded_nodes

#: Maps a 0-based (line, column) of the parsed text to the Position to report. Embedded
#: documents (an Argo CD ``helm.values`` string) use it to report outer-file positions.
Locator = Callable[[int, int], Position]

_LENIENT: ContextVar[LenientRecord | None] = ContextVar("ciliumdrift_lenient_yaml", default=None)
_CONFLICT_MARKER = lazy_pattern(r"^(?:<{7}|>{7})(?: |$)|^={7}$", re.MULTILINE)
_BOM = "\ufeff"


@record(frozen=False, eq=False)
class YamlNode:
    """A YAML node: ``kind`` is ``scalar``, ``map`` or ``seq``.

    ``tag`` is the explicit tag or None; ``style`` is the scalar style (None = plain, ``'``,
    ``"``, ``|``, ``>``); ``flow`` marks ``{...}``/``[...]`` collections. ``size`` counts the
    nodes this one expands to (aliases included) for the alias-bomb limit.
    """

    kind: str
    position: Position
    text: str = ""
    tag: str | None = None
    style: str | None = None
    flow: bool = False
    entries: list[tuple[YamlNode, YamlNode]] = field(default_factory=list)
    items: list[YamlNode] = field(default_factory=list)
    size: int = 1

    @property
    def is_null_text(self) -> bool:
        return (
            self.kind == "scalar"
            and self.style is None
            and self.tag is None
            and (self.text in ("", "~", "null", "Null", "NULL"))
        )

    @property
    def quoted(self) -> bool:
        """A single- or double-quoted scalar (a string whatever its text says)."""
        return self.kind == "scalar" and self.style in ("'", '"')

    def get(self, key: str) -> YamlNode | None:
        """The value of a plain string key of a mapping (the last one wins), or None."""
        found = None
        if self.kind == "map":
            for k, v in self.entries:
                if k.kind == "scalar" and k.text == key:
                    found = v
        return found


@record
class YamlDocument:
    """One document of a stream: its root (None for an empty document) and start.

    ``duplicates`` lists (first key, repeated key) pairs; only a lenient read records them
    (a strict one refuses the document at the repeated key).
    """

    root: YamlNode | None
    position: Position
    duplicates: tuple[tuple[YamlNode, YamlNode], ...] = ()


def load_yaml_documents(
    text: str,
    name: str,
    *,
    locate: Locator | None = None,
    limit: int | None = None,
    lenient: bool | None = None,
) -> list[YamlDocument]:
    """Parse every document of ``text``; raise :class:`YamlError` on broken or hostile input.

    Structure is counted for the whole text; a text embedded in a file (``locate`` given)
    counts towards that file's budget (:func:`ciliumdrift.limits.budget_for`).
    ``lenient`` (lint) records what a strict read refuses but Helm accepts, instead of
    raising: duplicate keys (the last one wins, as in Helm) are listed on the document.
    None: lenient inside :func:`lenient_reading`, strict elsewhere.
    """
    where = locate or (lambda line, column: Position(name, line + 1, column + 1))
    record = _LENIENT.get()
    chosen = record is not None if lenient is None else lenient

    def parse() -> list[YamlDocument]:
        precheck(text, where, limit=limit)
        budget = limits.budget_for(where(0, 0).file) if locate is not None else None
        builder = _Builder(text, where, budget, lenient=chosen, record=record if chosen else None)
        return builder.documents()

    if record is None or not chosen:
        return parse()
    # A reading parses each text once: lint's layers as written and its model share the
    # documents (and a broken text's error), and the comments are recorded once.
    key = (where(0, 0), text, limit)
    found = record.parsed.get(key)
    if found is None:
        try:
            found = parse()
        except YamlError as error:
            found = error
        record.parsed[key] = found
    if isinstance(found, YamlError):
        raise found
    return list(found)


@record
class Comment:
    """A comment as the parser sees it: a ``#`` outside every scalar, to the end of its line
    (a ``#`` inside a quoted string or a block scalar is text, not a comment)."""

    position: Position
    text: str


@record(frozen=False)
class LenientRecord:
    """What the reads inside :func:`lenient_reading` saw that only lint reports.

    ``comments`` maps each file read (by the name its positions carry) to its comments,
    those of a YAML text embedded in it (an Argo CD ``helm.values`` string) included, at
    their place in the file.
    """

    comments: dict[str, list[Comment]] = field(default_factory=dict)
    #: Every text parsed, by (start, text, size limit): its documents, or the error it raised.
    parsed: dict[tuple[Position, str, int | None], list[YamlDocument] | YamlError] = field(
        default_factory=dict
    )


@contextmanager
def lenient_reading() -> Iterator[LenientRecord]:
    """Every read inside (wrappers, embedded values, referenced files) is lenient, and is
    recorded on the record this yields (a read nested in another shares the outer record)."""
    outer = _LENIENT.get()
    if outer is not None:
        yield outer
        return
    record = LenientRecord()
    token = _LENIENT.set(record)
    try:
        yield record
    finally:
        _LENIENT.reset(token)


def precheck(text: str, where: Locator, *, limit: int | None = None, scan: bool = True) -> None:
    """The checks that are cheap before parsing: size, stray BOM, deep flow, plain text.

    Raise :class:`YamlError` for input that would only be refused after a slow parse (see
    the module docstring).
    """
    limit = limits.current().yaml_bytes if limit is None else limit
    size = len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))
    if size > limit:
        raise YamlError(limits.too_large("YAML", limit, "yaml_bytes"), where(0, 0))
    _refuse_conflict_markers(text, where)
    bom = text.find(_BOM)
    if bom >= 0:
        line, column = _line_column(text, bom)
        raise YamlError(
            "byte-order mark inside the text (only allowed at the start)", where(line, column)
        )
    _refuse_deep_flow(text, where)
    if size > FAST_SCAN_BYTES:  # small files: the caller's own message ("found a scalar")
        _refuse_plain_text(text, where)
        if scan:  # callers that build from libyaml's events themselves count there
            _fast_scan(text, where)


def _at(event: Any, where: Locator) -> Position:
    mark = getattr(event, "start_mark", None)
    return where(mark.line, mark.column) if mark is not None else where(0, 0)


def _describe_size(limit: int) -> str:
    mib = 1024 * 1024
    return f"{limit // mib} MiB" if limit % mib == 0 else f"{limit // 1024} KiB"


#: Characters that start something other than a plain scalar at the start of a document.
_NOT_PLAIN_START = set("-?:,[]{}#&*!|>'\"%@`")
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})


def _refuse_plain_text(text: str, where: Locator) -> None:
    """Refuse a first document that is prose, not a mapping or a list.

    ruamel scans such a document as one multi-line plain scalar before reporting anything,
    which takes seconds for a large file. A plain scalar starts with no indicator character
    and, unlike an implicit mapping key, has no ``": "`` on its first line.
    """
    index = 0
    length = len(text)
    while index < length:
        end = text.find("\n", index)
        end = length if end < 0 else end
        line = text[index:end].rstrip("\r")
        stripped = line.strip()
        if stripped.startswith("---"):
            rest = stripped[3:]
            if rest[:1] in ("", " ", "\t"):
                stripped = rest.strip()
        if not stripped or stripped.startswith(("#", "%")) or stripped == "...":
            index = end + 1
            continue
        if stripped in _NULLS or stripped[0] in _NOT_PLAIN_START:
            return
        body = stripped.split(" #", 1)[0]
        if ": " in body or ":\t" in body or body.endswith(":"):
            return
        row = text.count("\n", 0, index)
        column = line.index(stripped[0])
        raise YamlError(
            "plain text, not YAML: expected `key: value` lines (is this the right file?)",
            where(row, column),
        )
    return


def _c_events(text: str) -> tuple[Iterator[Any], type[BaseException]] | None:
    """libyaml's event stream for ``text`` and its error class, when PyYAML has libyaml."""
    yaml = pyyaml()
    if yaml is None:  # pragma: no cover - platform wheels have libyaml
        return None
    return yaml.parse(text, Loader=yaml.CSafeLoader), yaml.YAMLError


def _fast_scan(text: str, where: Locator) -> None:
    """Validate a large text with libyaml's C parser (when PyYAML has it): syntax and limits.

    Every problem ruamel would report later is reported here at the same position, in a
    hundredth of the time; texts that pass are parsed by ruamel as usual.
    """
    yaml = pyyaml()
    if yaml is None:  # pragma: no cover - platform wheels have libyaml
        return
    budget = limits.FileBudget()
    max_depth, max_nodes = budget.limits.yaml_depth, budget.limits.yaml_nodes
    max_documents = budget.limits.yaml_documents
    depth = nodes = documents = 0
    starts = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
    ends = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
    try:
        for event in yaml.parse(text, Loader=yaml.CSafeLoader):
            kind = type(event)
            if kind is yaml.ScalarEvent:
                nodes += 1
            elif kind in starts:
                nodes += 1
                depth += 1
                if depth > max_depth:
                    raise YamlError(f"nested deeper than {max_depth} levels", _at(event, where))
            elif kind in ends:
                depth -= 1
            elif kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > max_documents:
                    budget.documents = documents
                    budget.document(_at(event, where))
                depth = 0
            if nodes > max_nodes:  # a Position is made only for the refusal
                budget.nodes = nodes
                budget.node(_at(event, where), 0)
    except yaml.YAMLError as error:
        raise _yaml_error(error, text, where) from None


def _refuse_conflict_markers(text: str, where: Locator) -> None:
    marker = _CONFLICT_MARKER.search(text)
    if marker is None:
        return
    # "=======" alone is a valid plain scalar; only the full marker set proves a conflict.
    if marker.group(0).startswith("=") and not re.search(r"^(?:<{7}|>{7})(?: |$)", text, re.M):
        return
    line, _ = _line_column(text, marker.start())
    raise YamlError("git merge-conflict marker: resolve the conflict first", where(line, 0))


_BRACKETS = lazy_pattern(r"[\[\]{}\n\"'#]")


def _refuse_deep_flow(text: str, where: Locator) -> None:
    """Refuse ``[[[[...`` nesting before ruamel's scanner (quadratic in flow depth) sees it.

    A rough count: brackets outside quotes and comments. It can only err by counting a
    bracket inside a plain scalar, which needs more than MAX_DEPTH of them unclosed.
    """
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return
    depth = 0
    quote = ""
    comment = False
    for match in _BRACKETS.finditer(text):
        char = match.group()
        if char == "\n":
            comment = False
            continue
        if comment:
            continue
        if quote:
            quote = "" if char == quote else quote
            continue
        if char in "\"'":
            if depth:  # quotes only delimit scalars inside flow context here
                quote = char
            continue
        if char == "#":
            comment = match.start() == 0 or text[match.start() - 1] in " \t\n"
            continue
        depth = depth + 1 if char in "[{" else max(depth - 1, 0)
        if depth > MAX_DEPTH:
            line, column = _line_column(text, match.start())
            raise YamlError(f"nested deeper than {MAX_DEPTH} levels", where(line, column))


def _line_column(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index)
    column = index - (text.rfind("\n", 0, index) + 1)
    return line, column


def _yaml_error(error: Exception, text: str, where: Locator) -> YamlError:
    """The parser's problem and mark, without the excerpt it would quote.

    Works for ruamel's errors and for PyYAML's (the libyaml pre-scan), which share the
    ``problem``/``problem_mark`` and ``position``/``character`` attributes.
    """
    position = getattr(error, "position", None)
    if isinstance(position, int) and hasattr(error, "character"):  # a reader error
        line, column = _line_column(text, min(position, len(text)))
        char = getattr(error, "character", None)
        shown = f"#x{char:04x}" if isinstance(char, int) else repr(char)
        return YamlError(f"character {shown} is not allowed in YAML", where(line, column))
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    if mark is not None or hasattr(error, "problem"):
        problem = str(getattr(error, "problem", None) or getattr(error, "context", None) or "")
        problem = problem or "invalid YAML"
        line, column = (mark.line, mark.column) if mark is not None else (0, 0)
        template = _template_on_line(text, line)
        if "\t" in problem or "'\\t'" in problem:
            problem = "tab character where YAML expects indentation or a token (use spaces)"
        elif template is not None:
            problem = f"unrendered {template}: render the template first (YAML: {problem})"
        elif line < text.count("\n") + 1 and _indented_with_tab(text, line):
            problem = f"{problem} (the line is indented with a tab; YAML needs spaces)"
        return YamlError(problem.replace("\n", " "), where(line, column))
    return YamlError(f"invalid YAML: {type(error).__name__}", where(0, 0))


_TEMPLATE_SYNTAX = (
    (lazy_pattern(r"\{%-?.*?-?%\}|\{%"), "Jinja statement"),
    (lazy_pattern(r"%\{[^}]*\}?"), "Terraform directive"),
    (lazy_pattern(r"\{\{-?.*?-?\}\}"), "Go/Helm/Jinja expression"),
)


def _template_on_line(text: str, line: int) -> str | None:
    """``Jinja statement '{% if x %}'`` when that line holds template syntax."""
    lines = text.splitlines()
    if line >= len(lines):
        return None
    for pattern, kind in _TEMPLATE_SYNTAX:
        found = pattern.search(lines[line])
        if found is not None:
            # Only the opener: the expression itself can hold a secret.
            return f"{kind} ({found.group(0)[:2]}...)"
    return None


def _indented_with_tab(text: str, line: int) -> bool:
    lines = text.splitlines()
    if line >= len(lines):
        return False
    body = lines[line]
    indent = body[: len(body) - len(body.lstrip(" \t"))]
    return "\t" in indent


class _Builder:
    """Turns a parser's event stream (libyaml's or ruamel's) into YamlNode trees, enforcing
    the limits."""

    def __init__(
        self,
        text: str,
        where: Locator,
        budget: limits.FileBudget | None,
        *,
        lenient: bool = False,
        record: LenientRecord | None = None,
    ) -> None:
        self.text = text
        self.where = where
        self.budget = budget or limits.FileBudget()
        self.lenient = lenient
        self.record = record
        self.duplicates: list[tuple[YamlNode, YamlNode]] = []
        self.scalars: list[tuple[int, int, int, int]] = []  # start and end (line, column)

    def documents(self) -> list[YamlDocument]:
        """Built from libyaml's events when PyYAML has libyaml, else from ruamel's.

        Both parsers give the same events, marks and styles (tests/load/test_parsers.py
        compares the trees on every YAML file of the repository and on generated ones);
        libyaml's C parser reads a values file in a twentieth of the time. libyaml is a
        little stricter than ruamel (see the module docstring): a text up to
        FAST_SCAN_BYTES that libyaml refuses is read again by ruamel, which decides (its
        document, or its message); a larger one is refused with libyaml's message.
        """
        documents = self._parse()
        if self.record is not None:
            found = self.record.comments.setdefault(self.where(0, 0).file, [])
            found.extend(_comments(self.text, self.scalars, self.where))
        return documents

    def _parse(self) -> list[YamlDocument]:
        fast = _c_events(self.text)
        if fast is not None:
            events, c_error = fast
            budget = self.budget
            counted = (budget.documents, budget.nodes, budget.expanded)
            try:
                return self._build(events)
            except c_error as error:
                if len(self.text) > FAST_SCAN_BYTES:
                    raise _yaml_error(error, self.text, self.where) from None  # type: ignore[arg-type]
                budget.documents, budget.nodes, budget.expanded = counted
        from ruamel.yaml import YAML
        from ruamel.yaml.error import YAMLError

        try:
            return self._build(YAML(typ="safe", pure=True).parse(self.text))
        except YAMLError as error:
            raise _yaml_error(error, self.text, self.where) from None

    def _build(self, events: Iterator[Any]) -> list[YamlDocument]:
        self.duplicates = []
        self.scalars = []
        try:
            return list(self._walk(events))
        except RecursionError:  # pragma: no cover - the depth limit comes first
            raise YamlError("nesting too deep", self.where(0, 0)) from None

    def _walk(self, events: Iterator[Any]) -> Iterator[YamlDocument]:
        # Events of PyYAML's libyaml parser or of ruamel's (the fallback): the same
        # classes by name, attributes and marks; plain scalars have style None or "".
        stack: list[YamlNode] = []
        pending_key: list[YamlNode | None] = []
        seen_keys: list[dict[str, YamlNode]] = []
        anchors: dict[str, YamlNode] = {}
        root: YamlNode | None = None
        doc_start = self.where(0, 0)
        budget = self.budget
        max_depth = budget.limits.yaml_depth
        max_expanded = budget.limits.yaml_expanded_nodes
        for event in events:
            position = self.where(event.start_mark.line, event.start_mark.column)
            name = type(event).__name__
            if name == "DocumentStartEvent":
                root, doc_start, anchors = None, position, {}
                budget.document(position)
                self.duplicates = []
                continue
            if name == "DocumentEndEvent":
                yield YamlDocument(root, doc_start, tuple(self.duplicates))
                continue
            if name in ("StreamStartEvent", "StreamEndEvent"):
                continue
            node: YamlNode | None = None
            if name == "ScalarEvent":
                if self.record is not None:
                    end = event.end_mark
                    self.scalars.append(
                        (event.start_mark.line, event.start_mark.column, end.line, end.column)
                    )
                node = YamlNode(
                    "scalar",
                    position,
                    text=event.value,
                    tag=_explicit_tag(event.tag),
                    style=event.style or None,
                )
                if event.anchor:
                    anchors[event.anchor] = node
            elif name == "AliasEvent":
                target = anchors.get(event.anchor)
                if target is None:
                    # The name is not quoted: in a kubeconfig or a Talos config an unquoted
                    # secret that starts with `*` is read as an alias.
                    raise YamlError("alias (*name) names no earlier anchor", position)
                node = target
            elif name in ("MappingStartEvent", "SequenceStartEvent"):
                if len(stack) >= max_depth:
                    raise YamlError(f"nested deeper than {max_depth} levels", position)
                kind = "map" if name == "MappingStartEvent" else "seq"
                container = YamlNode(
                    kind, position, tag=_explicit_tag(event.tag), flow=bool(event.flow_style)
                )
                container.text = event.anchor or ""
                stack.append(container)
                pending_key.append(None)
                seen_keys.append({})
                continue
            elif name in ("MappingEndEvent", "SequenceEndEvent"):
                node = stack.pop()
                pending_key.pop()
                seen_keys.pop()
                if node.text:
                    anchors[node.text] = node
                node.text = ""
            if node is None:  # pragma: no cover - every event kind is handled above
                continue
            if name != "AliasEvent":
                budget.node(position)
            budget.expand(node.size if name == "AliasEvent" else (node.kind == "scalar"), position)
            if not stack:
                root = node
                continue
            parent = stack[-1]
            parent.size += node.size
            if parent.size > max_expanded:
                raise YamlError(
                    f"aliases expand to more than {max_expanded} nodes (a YAML bomb?)", position
                )
            if parent.kind == "seq":
                parent.items.append(node)
            elif pending_key[-1] is None:
                pending_key[-1] = node
            else:
                key = pending_key[-1]
                assert key is not None
                first = _refuse_duplicate(seen_keys[-1], key, lenient=self.lenient)
                if first is not None:
                    self.duplicates.append((first, key))
                parent.entries.append((key, node))
                pending_key[-1] = None


def _comments(
    text: str, scalars: list[tuple[int, int, int, int]], where: Locator
) -> Iterator[Comment]:
    """Every ``#`` that starts a comment: at a line start or after a blank, outside the
    scalars (``(line, column)`` spans, which the parser's marks give in characters)."""
    starts = [0]
    for row in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(row))

    def offset(line: int, column: int) -> int:
        return starts[min(line, len(starts) - 1)] + column

    spans = sorted((offset(a, b), offset(c, d)) for a, b, c, d in scalars)
    begins = [begin for begin, _ in spans]
    # ``line`` counts the newlines before ``counted``. Comments come in text order, so each
    # stretch of text is counted once: a chart's values.yaml has thousands of comments.
    line = counted = 0
    index = text.find("#")
    while index >= 0:
        inside = bisect.bisect_right(begins, index) - 1
        if (index == 0 or text[index - 1] in " \t\r\n") and not (
            inside >= 0 and spans[inside][1] > index
        ):
            end = text.find("\n", index)
            end = len(text) if end < 0 else end
            line, counted = line + text.count("\n", counted, index), index
            column = index - (text.rfind("\n", 0, index) + 1)
            yield Comment(where(line, column), text[index:end].rstrip("\r"))
            index = text.find("#", end)
        else:
            index = text.find("#", index + 1)


def _refuse_duplicate(
    seen: dict[str, YamlNode], key: YamlNode, *, lenient: bool = False
) -> YamlNode | None:
    """Raise at a repeated key; leniently, return the first occurrence instead."""
    if key.kind != "scalar" or key.text == "<<":
        return None
    existing = seen.get(key.text)
    if existing is None:
        seen[key.text] = key
        return None
    if lenient:
        return existing
    # Only a key shaped like a config key is named: in a Talos config or a kubeconfig a
    # malformed line that holds a secret can become a key, and must not be quoted.
    shown = f"key {key.text!r}" if _looks_like_key(key.text) else "mapping key"
    raise YamlError(f"duplicate {shown} (first at line {existing.position.line})", key.position)


_KEY_SHAPE = lazy_pattern(r"^[A-Za-z_][A-Za-z0-9_.\-/]{0,39}$")


def _looks_like_key(text: str) -> bool:
    """A camelCase or dotted word with few digits (a token or base64 text has many)."""
    return bool(_KEY_SHAPE.match(text)) and sum(c.isdigit() for c in text) <= 4


def _explicit_tag(tag: str | None) -> str | None:
    if tag is None or tag == "!":
        return None
    return tag.replace("tag:yaml.org,2002:", "!!")


def block_scalar_locator(text: str, node: YamlNode, name: str) -> Locator:
    """Positions inside a block scalar (``key: |``) as positions of the outer file.

    A literal block's lines are the outer lines that follow the indicator, minus the block's
    indentation. Folded, quoted or plain multi-line strings have no such simple mapping:
    every position inside them is reported at the string's own start.
    """
    start = node.position
    if node.style != "|":  # folded (>) text joins lines: no line-for-line mapping
        return lambda line, column: start
    lines = text.splitlines()
    first = start.line  # 0-based index of the first content line (the line after the indicator)
    indent = 0
    for candidate in lines[first:]:
        if candidate.strip():
            indent = len(candidate) - len(candidate.lstrip(" "))
            break

    def locate(line: int, column: int) -> Position:
        return Position(start.file, first + line + 1, column + indent + 1)

    return locate


def iter_mapping(node: YamlNode) -> Iterator[tuple[YamlNode, YamlNode]]:
    """Entries of a mapping with YAML merge keys (``<<: *anchor``) expanded, own keys last."""
    merged: list[tuple[YamlNode, YamlNode]] = []
    own: list[tuple[YamlNode, YamlNode]] = []
    for key, value in node.entries:
        if key.kind == "scalar" and key.text == "<<" and key.style is None and key.tag is None:
            sources = value.items if value.kind == "seq" else [value]
            for source in sources:
                if source.kind != "map":
                    raise YamlError(
                        "a merge key (<<) needs a mapping or a list of mappings", value.position
                    )
                merged.extend(iter_mapping(source))
        else:
            own.append((key, value))
    if not merged:
        yield from own
        return
    own_keys = {k.text for k, _ in own if k.kind == "scalar"}
    seen: set[str] = set()
    for key, value in merged:
        if key.text in own_keys or key.text in seen:
            continue
        seen.add(key.text)
        yield key, value
    yield from own


def scalar_map(node: YamlNode | None) -> Mapping[str, YamlNode]:
    """A mapping's plain-key entries as a dict (merge keys applied), empty for non-maps."""
    if node is None or node.kind != "map":
        return {}
    return {k.text: v for k, v in iter_mapping(node) if k.kind == "scalar"}
