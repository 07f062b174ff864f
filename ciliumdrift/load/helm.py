"""``load_values``: Helm values exactly as Helm hands them to the chart, with provenance.

Order (Helm ``MergeValues`` then ``CoalesceValues``): the ``-f`` files in order (each
wrapper contributing its layers, see :mod:`ciliumdrift.load.wrappers`), merged with
``mergeMaps``; then the ``--set`` family in Helm's kind order; then the chart's defaults
under it all (``coalesce``). Every merged key keeps the origin of the value that won.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ciliumdrift.errors import InputError, UnsupportedVersion
from ciliumdrift.load.chart import ChartData, bundled_chart, load_user_chart, resolve_version
from ciliumdrift.load.merge import coalesce, merge_maps
from ciliumdrift.load.model import HelmValues, split_key
from ciliumdrift.load.placeholders import extract_placeholders
from ciliumdrift.load.setflags import HELM_ORDER, SetFlag, apply_set_flag, helm_order
from ciliumdrift.load.tree import Node, copy_tree, flatten_origins, to_plain
from ciliumdrift.load.wrappers import assemble
from ciliumdrift.model import Diagnostic, Layer, Located, Origin, Position
from ciliumdrift.textio import read_text


def read_set_file(path: str) -> str:
    """``--set-file key=path``: the file's whole content as a string (``-`` is stdin)."""

    return read_text(path.strip() if path.strip() == "-" else path, field_name="yaml_bytes")[1]


def _is_chart_path(chart: str) -> bool:
    return (
        Path(chart).exists() or chart.endswith((".tgz", ".tar.gz")) or "/" in chart or "\\" in chart
    )


def load_values(
    files: Sequence[str],
    *,
    set_flags: Sequence[SetFlag] = (),
    chart: str | None = None,
    cilium_version: str | None = None,
) -> HelmValues:
    """Merge values files and ``--set`` flags over the chart defaults, as Helm does."""
    return load_values_and_version(
        files, set_flags=set_flags, chart=chart, cilium_version=cilium_version
    )[0]


def load_values_and_version(
    files: Sequence[str],
    *,
    set_flags: Sequence[SetFlag] = (),
    chart: str | None = None,
    cilium_version: str | None = None,
    texts: Sequence[tuple[str, str]] = (),
) -> tuple[HelmValues, Located[str] | None]:
    """:func:`load_values`, and the chart version a wrapper declares (each file read once).

    ``texts`` are ``(name, text)`` values layers already read, merged after ``files``.
    """
    diagnostics: list[Diagnostic] = []
    placeholders: dict[str, Origin] = {}
    user: dict[str, Node] = {}
    assembly = assemble(files, texts=texts)
    wrapper_version = assembly.chart_version
    for source in assembly.sources:
        diagnostics.extend(source.diagnostics)
        for layer in source.layers:
            found = extract_placeholders(layer)
            for key in [k for k in placeholders if _sets(layer, k)]:
                del placeholders[key]
            placeholders.update(found)
            user = merge_maps(user, layer)
        if source.flags:
            user = copy_tree(Node(user, Origin(Layer.VALUES_FILE))).value
            # Argo CD passes parameters as --set/--set-string: Helm's kind order applies.
            for flag, position in sorted(
                source.flags, key=lambda item: HELM_ORDER.index(item[0].kind)
            ):
                apply_set_flag(flag, user, read_file=None, position=position)
    diagnostics.extend(assembly.diagnostics)
    for key, origin in placeholders.items():
        diagnostics.append(
            Diagnostic(
                f"{key}: unrendered template (Flux/Terraform/Go placeholder); "
                "the value is not used",
                origin.position,
                code="values-placeholder",
            )
        )
    user = copy_tree(Node(user, Origin(Layer.VALUES_FILE))).value
    counts: dict[Layer, int] = {}
    for flag in helm_order(set_flags):
        counts[flag.kind] = counts.get(flag.kind, 0) + 1
        apply_set_flag(flag, user, read_file=read_set_file, index=counts[flag.kind])
        for key in [k for k in placeholders if _sets(user, k)]:
            del placeholders[key]
    user_keys = frozenset(key for key, _ in flatten_origins(user))

    requested = cilium_version or (wrapper_version.value if wrapper_version is not None else None)
    data: ChartData | None = None
    chart_version = requested
    if chart is not None and chart.strip().lower() == "none":
        pass
    elif chart is not None and _is_chart_path(chart):
        data = load_user_chart(chart)
        chart_version = data.version
    else:
        wanted = chart if chart is not None else requested
        try:
            resolved, note = resolve_version(wanted)
        except UnsupportedVersion as error:
            if chart is None and cilium_version is None and wrapper_version is not None:
                raise UnsupportedVersion(error.message, wrapper_version.origin.position) from None
            option = "--chart" if chart is not None else "--cilium-version"
            raise UnsupportedVersion(error.message, Position(option, 1, 1)) from None
        data = bundled_chart(resolved)
        chart_version = wanted.lstrip("v") if wanted else resolved
        if note:
            diagnostics.append(Diagnostic(note, code="chart-version-note"))

    def warn(message: str, node: Node) -> None:
        diagnostics.append(
            Diagnostic(f"Helm: warning: {message}", node.origin.position, code="helm-type-conflict")
        )

    merged = coalesce(data.defaults if data is not None else {}, user, warn)
    loaded = HelmValues(
        values=to_plain(Node(merged, Origin(Layer.CHART_DEFAULT))),
        sources=dict(flatten_origins(merged)),
        chart_version=chart_version,
        user_keys=user_keys,
        placeholders=placeholders,
        diagnostics=tuple(diagnostics),
    )
    return loaded, wrapper_version


def _sets(entries: dict[str, Node], dotted: str) -> bool:
    node: dict[str, Node] | None = entries
    parts = split_key(dotted)
    for index, part in enumerate(parts):
        if node is None or part not in node:
            return False
        child = node[part]
        if index == len(parts) - 1:
            return True
        node = child.value if isinstance(child.value, dict) else None
    return False


def wrapper_chart_version(files: Sequence[str]) -> Located[str] | None:
    """The chart version the wrappers among ``files`` declare (or their chartRef pins)."""
    try:
        return assemble(files).chart_version
    except InputError:
        return None
