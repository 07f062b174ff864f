"""JSON: a report's own ``to_dict()`` (stable key order, validated against schemas/), or
the document of ``status``, ``values`` and ``expect``."""

from __future__ import annotations

import json
from typing import Any

from ciliumdrift.load.model import HelmValues
from ciliumdrift.parse.model import Status
from ciliumdrift.report.documents import (
    expected_json,
    is_expected_state,
    status_json,
    values_json,
)


def render(report: Any, **_options: Any) -> str:
    if isinstance(report, Status):
        return status_json(report)
    if isinstance(report, HelmValues):
        return values_json(report)
    if is_expected_state(report):
        return expected_json(report)
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"
