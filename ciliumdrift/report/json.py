"""JSON: the report's own ``to_dict()``, stable key order, validated against schemas/."""

from __future__ import annotations

import json
from typing import Any


def render(report: Any, **_options: Any) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"
