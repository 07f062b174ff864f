"""A :class:`Status` as plain JSON data (the shape ``schemas/status.schema.json`` describes)."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from ciliumdrift.model import Diagnostic
from ciliumdrift.parse.model import KubeProxyReplacement, Status

#: ``extra`` and ``kpr_details`` hold one of several classes; the dict names which.
_KIND_KEY = "type"


def to_dict(status: Status) -> dict[str, Any]:
    out = _value(status)
    assert isinstance(out, dict)
    return out


def _value(value: Any) -> Any:
    if isinstance(value, Diagnostic):
        return value.to_dict()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {}
        if type(value).__name__ in _TAGGED:
            out[_KIND_KEY] = _TAGGED[type(value).__name__]
        for item in dataclasses.fields(value):
            out[item.name] = _value(getattr(value, item.name))
        if isinstance(value, KubeProxyReplacement):
            out["direct_routing_device"] = value.direct_routing_device
        return out
    if isinstance(value, tuple | list):
        return [_value(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


_TAGGED = {
    "CliSummary": "cli-summary",
    "ConfigView": "config-view",
    "StructuredExtra": "structured",
    "KprDetails": "kpr-details",
}
