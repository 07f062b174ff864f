"""How Helm and Talos type a YAML scalar, and how Helm numbers come out of the JSON round trip.

Helm reads values files with ``sigs.k8s.io/yaml``: go-yaml **v2** resolves each plain
scalar with YAML 1.1 rules (``yes``/``on``/``y`` are booleans, ``0x1F`` and ``017`` are
integers, ``_`` is ignored in numbers, timestamps stay strings), then the document goes
through JSON, so every number becomes a float64 (``1.0`` and ``1`` are the same value,
``12345678901234567890`` loses precision, ``.inf``/``.nan`` are refused). Checked against
Helm's own SDK (helm-python-sdk ``values_from_yaml``) by tests/load/test_helm_oracle.py.

Talos reads its configs with go-yaml **v3** (YAML 1.2 core schema: only ``true``/``false``
are booleans).
"""

from __future__ import annotations

import base64
import binascii
import math
from decimal import Decimal
from typing import Any

from ciliumdrift.errors import YamlError
from ciliumdrift.load.yaml import YamlNode
from ciliumdrift.regex import lazy_pattern

_V2_BOOLS = {
    **dict.fromkeys(
        ("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"), True
    ),
    **dict.fromkeys(
        ("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"), False
    ),
}
_NULLS = frozenset(("", "~", "null", "Null", "NULL"))
_SPECIAL_FLOATS = frozenset(
    (
        ".nan",
        ".NaN",
        ".NAN",
        ".inf",
        ".Inf",
        ".INF",
        "+.inf",
        "+.Inf",
        "+.INF",
        "-.inf",
        "-.Inf",
        "-.INF",
    )
)
_YAML_STYLE_FLOAT = lazy_pattern(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_TIMESTAMP = lazy_pattern(r"^\d{4}-\d{1,2}-\d{1,2}([Tt ]|$)")
_GO_INT = lazy_pattern(r"^[-+]?(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$")
_INT64 = (-(2**63), 2**63 - 1)
_UINT64_MAX = 2**64 - 1


def go_number(value: float | int) -> int | float:
    """A number as Go's float64 holds it and encoding/json prints it (1.0 -> 1)."""
    as_float = float(value)
    if as_float.is_integer() and abs(as_float) < 1e21:
        # Go prints the shortest decimal that reads back as the same float64.
        return int(Decimal(repr(as_float)))
    return as_float


def _go_parse_int(text: str) -> int | None:
    """strconv.ParseInt(text, 0, 64), falling back to ParseUint, like go-yaml v2 does."""
    if not _GO_INT.match(text):
        return None
    sign = -1 if text.startswith("-") else 1
    body = text.lstrip("+-")
    lowered = body.lower()
    if lowered.startswith("0x"):
        number = int(body[2:], 16)
    elif lowered.startswith("0o"):
        number = int(body[2:], 8)
    elif lowered.startswith("0b"):
        number = int(body[2:], 2)
    elif len(body) > 1 and body.startswith("0"):
        number = int(body[1:], 8)
    else:
        number = int(body)
    number *= sign
    if _INT64[0] <= number <= _INT64[1] or 0 <= number <= _UINT64_MAX:
        return number
    return None


def helm_scalar(node: YamlNode) -> Any:
    """The value Helm gets for one scalar of a values file (after the JSON round trip)."""
    text, tag = node.text, node.tag
    if tag == "!!str" or (node.style is not None and tag is None):
        return text
    if tag == "!!binary":
        try:
            return base64.b64decode("".join(text.split()), validate=True).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            raise YamlError("!!binary value is not base64", node.position) from None
    if tag is not None and tag not in ("!!int", "!!float", "!!bool", "!!null"):
        return text  # go-yaml v2 leaves an unknown tag's scalar a string
    value = _resolve_v2(text)
    if (tag == "!!int" and not isinstance(value, int)) or (
        tag == "!!float" and not isinstance(value, (int, float))
    ):
        # The text is not quoted: it can be a secret (a kubeconfig token, a Talos key).
        raise YamlError(f"the value cannot be decoded as {tag}", node.position)
    if isinstance(value, float) and not math.isfinite(value):
        raise YamlError(
            "Helm cannot use .inf or .nan (it passes values through JSON)", node.position
        )
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return go_number(value)
    return value


def _resolve_v2(text: str) -> Any:
    if text in _V2_BOOLS:
        return _V2_BOOLS[text]
    if text in _NULLS:
        return None
    if text in _SPECIAL_FLOATS:
        return float(text.lower().replace(".", ""))
    if not text or text[0] not in "+-.0123456789":
        return text
    if text[0] == ".":
        try:
            return float(text)
        except ValueError:
            return text
    if _TIMESTAMP.match(text):
        return text  # v2 decodes timestamps into interface{} as strings
    plain = text.replace("_", "")
    number = _go_parse_int(plain)
    if number is not None:
        return number
    if _YAML_STYLE_FLOAT.match(plain):
        try:
            return float(plain)
        except ValueError:  # pragma: no cover - the pattern only admits floats
            return text
    if plain.startswith("-0b"):
        try:
            return -int(plain[3:], 2)
        except ValueError:
            return text
    return text


def helm_key(node: YamlNode) -> str:
    """A mapping key as sigs.k8s.io/yaml turns it into a JSON object key."""
    if node.kind != "scalar":
        raise YamlError(
            "a mapping key must be a scalar (Helm cannot use a list or map as key)", node.position
        )
    value = helm_scalar(node)
    if value is None:
        raise YamlError("a null mapping key is not allowed in Helm values", node.position)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def talos_scalar(node: YamlNode) -> Any:
    """The value Talos (go-yaml v3, YAML 1.2 core schema) gets for one scalar."""
    text, tag = node.text, node.tag
    if tag == "!!str" or node.style is not None:
        return text
    if text in ("true", "True", "TRUE"):
        return True
    if text in ("false", "False", "FALSE"):
        return False
    if text in _NULLS:
        return None
    if text and text[0] in "+-0123456789":
        plain = text.replace("_", "")
        number = _go_parse_int(plain)
        if number is not None and not (
            len(plain.lstrip("+-")) > 1
            and plain.lstrip("+-")[0] == "0"
            and plain.lstrip("+-")[1].isdigit()
        ):
            return number
        if _YAML_STYLE_FLOAT.match(plain):
            return float(plain)
    return text
