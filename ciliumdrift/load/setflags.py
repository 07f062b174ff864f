"""The ``--set`` family (``--set-string``, ``-json``, ``-file``, ``-literal``) as Helm parses it.

The grammar and typing follow helm/helm@v3.21.4:pkg/strvals/parser.go and literal_parser.go
(behaviour identical in Helm 3.21 and 4.x; checked differentially against Helm's own SDK in
tests/load/test_helm_oracle.py):

* pairs split on ``,``; a key path uses ``.`` and ``[N]``; ``\\`` escapes the next character
  in keys and values (not for ``--set-literal``, whose value is the rest of the argument);
* ``{a,b}`` is a list (elements typed one by one, spaces kept); ``a=`` is ``""``;
* ``--set`` typing: ``true``/``false``/``null`` in any case, ``0``, and base-10 int64 not
  starting with ``0`` become bool/null/int; everything else (``01``, ``0x1``, ``1e3``,
  ``1.5``, ``yes``) stays a string;
* ``--set-json`` values are JSON (numbers become float64; empty means null);
* ``--set-file`` reads the named file as a string;
* list gaps are filled with null; indexes above 65,536 and names nested deeper than 30
  levels are refused; using a list as a map (or the reverse) is an error.

Helm applies the kinds in a fixed order whatever the command line says: every
``--set-json``, then ``--set``, ``--set-string``, ``--set-file``, ``--set-literal``
(helm/helm@v3.21.4:pkg/cli/values/options.go
``MergeValues``). :func:`set_flags_from_options` returns
flags in that order.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from typing import Any

from ciliumdrift.errors import InputError, ValuesError
from ciliumdrift.load.model import join_key
from ciliumdrift.load.scalars import go_number
from ciliumdrift.load.tree import Node, from_plain
from ciliumdrift.model import Layer, Origin, Position
from ciliumdrift.records import record

MAX_INDEX = 65536
MAX_NESTED_NAME_LEVEL = 30

_FLAG_NAMES = {
    Layer.SET: "--set",
    Layer.SET_STRING: "--set-string",
    Layer.SET_JSON: "--set-json",
    Layer.SET_FILE: "--set-file",
    Layer.SET_LITERAL: "--set-literal",
}
#: Helm's application order (MergeValues), not the order on the command line.
HELM_ORDER = (Layer.SET_JSON, Layer.SET, Layer.SET_STRING, Layer.SET_FILE, Layer.SET_LITERAL)


@record
class SetFlag:
    """One ``--set``-family argument: its kind and its text (``a.b=1,c=2``)."""

    kind: Layer
    text: str

    def __post_init__(self) -> None:
        if self.kind not in _FLAG_NAMES:
            raise ValueError(f"not a --set kind: {self.kind}")

    @property
    def flag(self) -> str:
        return _FLAG_NAMES[self.kind]

    def describe(self) -> str:
        return f"{self.flag} {self.text}"


def set_flags_from_options(
    *,
    set: Sequence[str] = (),
    set_string: Sequence[str] = (),
    set_json: Sequence[str] = (),
    set_file: Sequence[str] = (),
    set_literal: Sequence[str] = (),
) -> list[SetFlag]:
    """The flags of a command line in the order Helm applies them."""
    given = {
        Layer.SET_JSON: set_json,
        Layer.SET: set,
        Layer.SET_STRING: set_string,
        Layer.SET_FILE: set_file,
        Layer.SET_LITERAL: set_literal,
    }
    return [SetFlag(kind, text) for kind in HELM_ORDER for text in given[kind]]


def helm_order(flags: Sequence[SetFlag]) -> list[SetFlag]:
    """Flags sorted into Helm's kind order, stable within a kind."""
    return sorted(flags, key=lambda flag: HELM_ORDER.index(flag.kind))


class _ParseError(Exception):
    """Helm's error text for a flag; turned into a ValuesError naming the flag."""


class _EOF(Exception):
    """Go's io.EOF: the end of the flag text, which ends parsing without error."""


FileReader = Callable[[str], str]


def apply_set_flag(
    flag: SetFlag,
    data: dict[str, Node],
    read_file: FileReader | None = None,
    index: int = 1,
    position: Position | None = None,
) -> None:
    """Apply one flag to the accumulated user values in place, as ``strvals.ParseInto`` does.

    ``index`` numbers the flag among its kind (for error positions); ``position`` places a
    flag that a file declared (an Argo CD ``helm.parameters`` entry).
    """
    origin_detail = flag.describe()

    def origin_at(path: tuple[str, ...]) -> Origin:
        return Origin(
            flag.kind, key=join_key(path) if path else None, position=position, detail=origin_detail
        )

    parser = _Parser(flag, origin_at, read_file)
    try:
        parser.parse(data)
    except _ParseError as error:
        where = position or Position(flag.flag, index, parser.offset + 1)
        raise ValuesError(f"{flag.flag} {flag.text!r}: {error}", where) from None
    except RecursionError:  # pragma: no cover - the nesting limit comes first
        raise ValuesError(
            f"{flag.flag}: nested too deeply", Position(flag.flag, index, 1)
        ) from None


class _Parser:
    """A port of Helm's strvals parser working on Nodes (own code, same behaviour)."""

    def __init__(
        self,
        flag: SetFlag,
        origin_at: Callable[[tuple[str, ...]], Origin],
        read_file: FileReader | None,
    ):
        self.text = flag.text
        self.offset = 0
        self.kind = flag.kind
        self.literal = flag.kind is Layer.SET_LITERAL
        self.origin_at = origin_at
        self.read_file = read_file

    # -- scanning ---------------------------------------------------------------
    def _read(self) -> str | None:
        if self.offset >= len(self.text):
            return None
        char = self.text[self.offset]
        self.offset += 1
        return char

    def _unread(self) -> None:
        self.offset -= 1

    def _until(self, stop: str) -> tuple[str, str | None]:
        """Read up to a stop character (consumed); ``\\`` escapes. Stop is None at the end."""
        out: list[str] = []
        while True:
            char = self._read()
            if char is None:
                return "".join(out), None
            if char in stop:
                return "".join(out), char
            if char == "\\" and not self.literal:
                following = self._read()
                if following is None:
                    return "".join(out), None
                out.append(following)
            else:
                out.append(char)

    # -- values -------------------------------------------------------------------
    def _typed(self, raw: str, path: tuple[str, ...]) -> Node:
        if self.kind is Layer.SET_FILE:
            if self.read_file is None:
                raise _ParseError("--set-file is not available here")
            try:
                content = self.read_file(raw)
            except InputError as error:
                raise _ParseError(f"cannot read {raw!r}: {error.message}") from None
            return Node(content, self.origin_at(path))
        if self.kind in (Layer.SET_STRING, Layer.SET_LITERAL):
            return Node(raw, self.origin_at(path))
        return Node(typed_value(raw), self.origin_at(path))

    def _json_value(self, path: tuple[str, ...]) -> Node:
        rest = self.text[self.offset :]
        stripped = rest.lstrip(" \t\r\n")
        skipped = len(rest) - len(stripped)
        try:
            decoded, end = _JSON.raw_decode(stripped)
            value = _go_json(decoded)
        except ValueError as error:
            message = error.msg if isinstance(error, json.JSONDecodeError) else str(error)
            raise _ParseError(f"invalid JSON value: {message}") from None
        self.offset += skipped + end
        return from_plain(value, lambda sub: self.origin_at((*path, *sub)))

    def _empty_value(self) -> bool:
        """Skip spaces; True at a comma (consumed) or the end."""
        while True:
            char = self._read()
            if char is None or char == ",":
                return True
            if not char.isspace():
                self._unread()
                return False

    def _value_list(self, path: tuple[str, ...]) -> list[Node] | None:
        """``{a,b}`` -> list; None when the value is not a list; raise _EOF at the end."""
        char = self._read()
        if char is None:
            raise _EOF
        if char != "{":
            self._unread()
            return None
        items: list[Node] = []
        while True:
            chars, last = self._until(",}")
            if last is None:
                raise _ParseError("list must terminate with '}'")
            if last == "}":
                following = self._read()
                if following is not None and following != ",":
                    self._unread()
                items.append(self._typed(chars, path))
                return items
            items.append(self._typed(chars, path))

    # -- grammar ------------------------------------------------------------------
    def parse(self, data: dict[str, Node]) -> None:
        while True:
            try:
                self._key(data, 0, ())
            except _EOF:
                return

    def _set(self, data: dict[str, Node], key: str, node: Node) -> None:
        if key:
            data[key] = node

    def _key(self, data: dict[str, Node], level: int, prefix: tuple[str, ...]) -> None:
        stops = "=[." if self.literal else "=[,."
        key, last = self._until(stops)
        path = (*prefix, key)
        if last is None:
            if not key:
                raise _EOF
            raise _ParseError(f"key {key!r} has no value")
        if last == "[":
            index = self._index()
            existing = data.get(key)
            items: list[Node] = []
            if existing is not None:
                if not isinstance(existing.value, list):
                    raise _ParseError(f"unable to parse key: {join_key(path)} is not a list")
                items = existing.value
            try:
                items = self._list_item(items, index, level, path)
            finally:
                self._set(data, key, Node(items, self.origin_at(path)))
            return
        if last == "=":
            if self.literal:
                rest = self.text[self.offset :]
                self.offset = len(self.text)
                self._set(data, key, Node(rest, self.origin_at(path)))
                return
            if self.kind is Layer.SET_JSON:
                if self._empty_value():
                    self._set(data, key, Node(None, self.origin_at(path)))
                    return
                self._set(data, key, self._json_value(path))
                self._empty_value()
                return
            try:
                listed = self._value_list(path)
            except _EOF:
                self._set(data, key, Node("", self.origin_at(path)))
                raise
            if listed is not None:
                self._set(data, key, Node(listed, self.origin_at(path)))
                return
            raw, _ = self._until(",")
            self._set(data, key, self._typed(raw, path))
            return
        if last == ",":
            self._set(data, key, Node("", self.origin_at(path)))
            raise _ParseError(f"key {key!r} has no value (cannot end with ,)")
        # last == "."
        level += 1
        if level > MAX_NESTED_NAME_LEVEL:
            raise _ParseError(
                "value name nested level is greater than maximum supported nested level of "
                f"{MAX_NESTED_NAME_LEVEL}"
            )
        existing = data.get(key)
        inner: dict[str, Node] = {}
        if existing is not None:
            if not isinstance(existing.value, dict):
                raise _ParseError(f"unable to parse key: {join_key(path)} is not a map")
            inner = existing.value
        try:
            self._key(inner, level, path)
        except _EOF:
            if inner:
                self._set(data, key, Node(inner, self.origin_at(path)))
            raise
        except _ParseError:
            if inner:
                self._set(data, key, Node(inner, self.origin_at(path)))
            raise
        if not inner:
            raise _ParseError(f"key map {key!r} has no value")
        self._set(data, key, Node(inner, self.origin_at(path)))

    def _index(self) -> int:
        chars, last = self._until("]")
        if last is None:
            raise _EOF
        text = chars
        body = text[1:] if text[:1] in "+-" else text
        if not body or not body.isascii() or not body.isdigit():
            raise _ParseError(
                f'error parsing index: strconv.Atoi: parsing "{text}": invalid syntax'
            )
        value = int(text)
        if not -(2**63) <= value < 2**63:
            raise _ParseError(
                f'error parsing index: strconv.Atoi: parsing "{text}": value out of range'
            )
        return value

    def _set_index(
        self, items: list[Node], index: int, node: Node, path: tuple[str, ...]
    ) -> list[Node]:
        if index < 0:
            raise _ParseError(f"negative {index} index not allowed")
        if index > MAX_INDEX:
            raise _ParseError(
                f"index of {index} is greater than maximum supported index of {MAX_INDEX}"
            )
        if len(items) <= index:
            items = items + [
                Node(None, self.origin_at(path)) for _ in range(index + 1 - len(items))
            ]
        items[index] = node
        return items

    def _list_item(
        self, items: list[Node], index: int, level: int, path: tuple[str, ...]
    ) -> list[Node]:
        if index < 0:
            raise _ParseError(f"negative {index} index not allowed")
        key, last = self._until("[.=")
        if key:
            raise _ParseError(f"unexpected data at end of array index: {key!r}")
        if last is None:
            raise _EOF
        if last == "=":
            if self.literal:
                rest = self.text[self.offset :]
                self.offset = len(self.text)
                return self._set_index(items, index, Node(rest, self.origin_at(path)), path)
            if self.kind is Layer.SET_JSON:
                if self._empty_value():
                    return self._set_index(items, index, Node(None, self.origin_at(path)), path)
                items = self._set_index(items, index, self._json_value(path), path)
                self._empty_value()
                return items
            try:
                listed = self._value_list(path)
            except _EOF:
                return self._set_index(items, index, Node("", self.origin_at(path)), path)
            if listed is not None:
                return self._set_index(items, index, Node(listed, self.origin_at(path)), path)
            raw, _ = self._until(",")
            return self._set_index(items, index, self._typed(raw, path), path)
        if last == "[":
            next_index = self._index()
            current: list[Node] = []
            if len(items) > index and items[index].value is not None:
                if not isinstance(items[index].value, list):
                    raise _ParseError(
                        f"unable to parse key: {join_key(path)}[{index}] is not a list"
                    )
                current = items[index].value
            nested = self._list_item(current, next_index, level, path)
            return self._set_index(items, index, Node(nested, self.origin_at(path)), path)
        # last == "."
        inner: dict[str, Node] = {}
        if len(items) > index:
            if isinstance(items[index].value, dict):
                inner = items[index].value
            else:
                # in place, as Helm does: the replacement survives a value cut short by the end
                # of the flag (`a[0]=1,a[0].a=` gives a: [{a: ""}])
                items[index] = Node(inner, self.origin_at(path))
        self._key(inner, level, path)
        return self._set_index(items, index, Node(inner, self.origin_at(path)), path)


def typed_value(raw: str) -> Any:
    """How ``--set`` types a value (strvals ``typedVal``)."""
    lowered = raw.casefold()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    if lowered == "null":
        return None
    if raw == "0":
        return 0
    if raw and raw[0] != "0":
        body = raw[1:] if raw[0] in "+-" else raw
        if body and body.isascii() and body.isdigit():
            number = int(raw)
            if -(2**63) <= number < 2**63:
                return number
    return raw


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


_JSON = json.JSONDecoder(parse_constant=_reject_constant)


def _go_json(value: Any) -> Any:
    """A decoded JSON value as Go's encoding/json gives it (numbers are float64)."""
    if isinstance(value, str):
        # Go replaces lone surrogates (from \\ud800 escapes) with U+FFFD.
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        try:
            number = float(value)
        except OverflowError:
            raise ValueError("number out of range") from None
        if not math.isfinite(number):
            raise ValueError("number out of range")
        return go_number(number)
    if isinstance(value, list):
        return [_go_json(v) for v in value]
    return {_go_json(k): _go_json(v) for k, v in value.items()}
