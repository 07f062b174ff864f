"""``ciliumdrift values``: the merged Helm values with the source of every key (a debugging aid)."""

from __future__ import annotations

from typing import Annotated

import typer

from ciliumdrift.cli import app
from ciliumdrift.cli._common import Output, OutputFormat, emit, run, usage


@app.command("values")
def values_command(
    *,
    values: Annotated[
        list[str],
        typer.Option(
            "--values", "-f", metavar="FILE", help="Helm values file or wrapper, in order."
        ),
    ] = [],  # noqa: B006  (typer reads the default; it is never mutated)
    set_: Annotated[list[str], typer.Option("--set", metavar="K=V", help="Helm --set.")] = [],  # noqa: B006
    set_string: Annotated[
        list[str], typer.Option("--set-string", metavar="K=V", help="Helm --set-string.")
    ] = [],  # noqa: B006
    set_json: Annotated[
        list[str], typer.Option("--set-json", metavar="K=JSON", help="Helm --set-json.")
    ] = [],  # noqa: B006
    set_file: Annotated[
        list[str], typer.Option("--set-file", metavar="K=PATH", help="Helm --set-file.")
    ] = [],  # noqa: B006
    set_literal: Annotated[
        list[str], typer.Option("--set-literal", metavar="K=V", help="Helm --set-literal.")
    ] = [],  # noqa: B006
    chart: Annotated[
        str | None,
        typer.Option(
            "--chart",
            metavar="VERSION|DIR|TGZ|none",
            help="Chart defaults to merge under (none: user layers only).",
        ),
    ] = None,
    cilium_version: Annotated[
        str | None,
        typer.Option(
            "--cilium-version", metavar="V", help="Cilium version whose chart defaults apply."
        ),
    ] = None,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", help="text or json.")
    ] = OutputFormat.text,
    output: Output = None,
) -> None:
    """Print the values Helm would hand to the chart, with each key's file:line:column or layer."""

    def body() -> int:
        from ciliumdrift.load import load_values, set_flags_from_options

        if fmt not in (OutputFormat.text, OutputFormat.json):
            usage("values writes --format text or json")
        flags = set_flags_from_options(
            set=set_,
            set_string=set_string,
            set_json=set_json,
            set_file=set_file,
            set_literal=set_literal,
        )
        loaded = load_values(values, set_flags=flags, chart=chart, cilium_version=cilium_version)
        emit(render_json(loaded) if fmt is OutputFormat.json else render_text(loaded), output)
        return 0

    run(body)


def values_document(loaded: object) -> dict[str, object]:
    """The JSON document of ``ciliumdrift values`` (schemas/values.schema.json)."""
    from ciliumdrift.load.model import HelmValues

    assert isinstance(loaded, HelmValues)
    return {
        "values": loaded.values,
        "sources": {key: origin.describe() for key, origin in loaded.sources.items()},
        "origins": {key: origin.to_dict() for key, origin in loaded.sources.items()},
        "chart_version": loaded.chart_version,
        "user_keys": sorted(loaded.user_keys),
        "placeholders": {key: origin.describe() for key, origin in loaded.placeholders.items()},
        "diagnostics": [d.to_dict() for d in loaded.diagnostics],
    }


def render_json(loaded: object) -> str:
    import json

    return json.dumps(values_document(loaded), indent=2, ensure_ascii=False)


def render_text(loaded: object) -> str:
    import json

    from ciliumdrift.load.model import HelmValues
    from ciliumdrift.report.escape import inline

    assert isinstance(loaded, HelmValues)
    lines = [f"# chart version: {loaded.chart_version or 'none'}"]
    for key, value in loaded.items():
        marker = "*" if key in loaded.user_keys else " "
        shown = json.dumps(value, ensure_ascii=False)
        origin = inline(loaded.origin(key).describe())
        lines.append(f"{marker} {inline(key)} = {inline(shown)}  # {origin}")
    for key, place in loaded.placeholders.items():
        lines.append(f"! {inline(key)} = <unrendered template>  # {inline(place.describe())}")
    for diagnostic in loaded.diagnostics:
        lines.append(f"# note: {inline(diagnostic)}")
    return "\n".join(lines)
