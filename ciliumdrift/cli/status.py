"""``ciliumdrift status``: read one pasted ``cilium status`` and print what it says, typed."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ciliumdrift.cli import app
from ciliumdrift.cli._common import EXIT_CLEAN, Output, emit, read_input, run

if TYPE_CHECKING:
    from ciliumdrift.parse.model import Status


class StatusFormat(str, enum.Enum):
    text = "text"
    json = "json"


@app.command("status")
def status_command(
    file: Annotated[
        str, typer.Argument(metavar="FILE|-", help="A `cilium status` output; - is stdin.")
    ],
    *,
    fmt: Annotated[
        StatusFormat, typer.Option("--format", help="Output format.")
    ] = StatusFormat.text,
    output: Output = None,
) -> None:
    """Parse a `cilium status` (text, --verbose, -o json/yaml, cilium-cli summary) and print it."""

    def body() -> int:
        from ciliumdrift.parse import parse_status, status_to_dict

        name, text = read_input(file)
        status = parse_status(text, source=name)
        if fmt is StatusFormat.json:
            import json

            emit(json.dumps(status_to_dict(status), indent=2, ensure_ascii=False), output)
        else:
            emit(render_text(status), output)
        return EXIT_CLEAN

    run(body)


def render_text(status: Status) -> str:
    """A plain aligned listing: one ``name  value`` row per typed field that is present."""
    from ciliumdrift.parse import status_to_dict
    from ciliumdrift.report.escape import inline

    data = status_to_dict(status)
    rows: list[tuple[str, str]] = []
    for key, value in data.items():
        if key in ("lines", "diagnostics") or value in (None, [], {}):
            continue
        _flatten(key, value, rows)
    width = max((len(name) for name, _ in rows), default=0)
    out = [f"{inline(name).ljust(width)}  {inline(value)}" for name, value in rows]
    for diagnostic in status.diagnostics:
        out.append(f"warning: {inline(diagnostic)}")
    return "\n".join(out)


def _flatten(prefix: str, value: Any, rows: list[tuple[str, str]]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if item in (None, [], {}, ""):
                continue
            _flatten(f"{prefix}.{key}", item, rows)
    elif isinstance(value, list) and any(isinstance(item, (dict, list)) for item in value):
        for index, item in enumerate(value):
            _flatten(f"{prefix}[{index}]", item, rows)
    elif isinstance(value, list):
        rows.append((prefix, ", ".join(str(item) for item in value)))
    elif isinstance(value, bool):
        rows.append((prefix, "yes" if value else "no"))
    else:
        rows.append((prefix, str(value)))
