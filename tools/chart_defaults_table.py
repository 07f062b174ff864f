"""Fill the ``chart:`` table of ciliumdrift/data/agent_defaults.yaml from the bundled charts.

    python tools/chart_defaults_table.py [KEY ...]

For every key the table lists (and every KEY given), add the default of each bundled chart
version (``ciliumdrift/data/chart/<minor>/defaults.json``, generated from the chart's own
values.yaml by tools/refresh_chart_data.py) that the key's map lacks. A chart without the key
gets no entry (the table's convention: no default there). Existing entries are kept as they
are; the file's comments and order are kept (rows are inserted in version order).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
TABLE = REPO / "ciliumdrift" / "data" / "agent_defaults.yaml"
CHARTS = REPO / "ciliumdrift" / "data" / "chart"
_MISSING = object()
_KEY = re.compile(r'^  "(?P<key>[^"]+)":')
_ROW = re.compile(r'^    "(?P<version>[\d.]+)":')
_HEADER = "  # read from cilium/cilium@v<version>:install/kubernetes/cilium/values.yaml"


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split("."))


def bundled() -> dict[str, dict[str, Any]]:
    """Chart version -> its values, for every bundled minor."""
    index = json.loads((CHARTS / "index.json").read_text("utf-8"))["versions"]
    out = {}
    for minor, version in index.items():
        data = json.loads((CHARTS / minor / "defaults.json").read_text("utf-8"))
        out[version] = data["values"]
    return dict(sorted(out.items(), key=lambda kv: _version(kv[0])))


def lookup(values: dict[str, Any], key: str) -> Any:
    node: Any = values
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return _MISSING
        node = node[part]
    return node


def fill(text: str, extra: list[str], charts: dict[str, dict[str, Any]]) -> str:
    lines = text.splitlines()
    start = lines.index("chart:") + 1
    end = next(i for i in range(start, len(lines)) if lines[i] and not lines[i].startswith(" "))
    blocks: list[tuple[str, list[str]]] = []
    head: str | None = None
    rows: list[str] = []
    for line in lines[start:end]:
        match = _KEY.match(line)
        if match:
            if head is not None:
                blocks.append((head, rows))
            head, rows = line, []
        elif line.strip():
            rows.append(line)
    if head is not None:
        blocks.append((head, rows))
    known = {_KEY.match(h).group("key") for h, _ in blocks}  # type: ignore[union-attr]
    blocks += [(f'  "{key}":{_HEADER}', []) for key in extra if key not in known]
    out: list[str] = []
    for head, rows in blocks:
        key = _KEY.match(head).group("key")  # type: ignore[union-attr]
        have = {_ROW.match(r).group("version"): r for r in rows if _ROW.match(r)}  # type: ignore[union-attr]
        for version, values in charts.items():
            value = lookup(values, key)
            if version not in have and value is not _MISSING and not isinstance(value, dict):
                have[version] = f'    "{version}": {json.dumps(value)}'
        out.append(head)
        out += [have[v] for v in sorted(have, key=_version)]
    return "\n".join([*lines[:start], *out, *lines[end:]]) + "\n"


def main(argv: list[str]) -> int:
    TABLE.write_text(fill(TABLE.read_text("utf-8"), argv[1:], bundled()), encoding="utf-8")
    print(f"wrote {TABLE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
