"""Which values layers the linted files hold: wrappers unwrapped, their references followed.

The linter sees what the loader sees (:mod:`ciliumdrift.load.wrappers` documents the
rules): a Flux HelmRelease's ``valuesFrom`` ConfigMaps and ``chartRef`` version, an Argo CD
Application's ``valueFiles``, a kustomization's ``valuesFile``, found among the files given
or next to the wrapper (:mod:`ciliumdrift.load.gitops`). Values read from another file are
linted *in that file*: findings point at its lines, and its suppression comments apply.
What cannot be found is listed on the wrapper's layer and reported by CD505.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from ciliumdrift.errors import CiliumdriftError, ValuesError, YamlError
from ciliumdrift.limits import escapes
from ciliumdrift.lint.document import ValuesDocument, YamlNode, compose
from ciliumdrift.lint.rules.hygiene import has_conflict_marker
from ciliumdrift.load import gitops
from ciliumdrift.load.wrappers import argo_relative, find_above, same_or_suffix
from ciliumdrift.model import Diagnostic, Position
from ciliumdrift.textio import read_text

_UMBRELLA_KEYS = frozenset({"cilium", "global"})


@dataclass
class ParsedFile:
    """One file as the linter reads it, before references between files are followed."""

    name: str
    text: str
    documents: list[ValuesDocument] = field(default_factory=list)
    kind: str = "values"  # values | wrapper | objects | other
    values_refs: tuple[gitops.ValuesRef, ...] = ()
    chart_ref: gitops.ChartRef | None = None
    value_files: list[tuple[str, Position, str | None]] = field(default_factory=list)
    local_files: list[tuple[str, Position, int]] = field(default_factory=list)
    objects: dict[tuple[str, str], YamlNode] = field(default_factory=dict)
    flux_sources: list[gitops.SourceVersion] = field(default_factory=list)
    not_a_mapping: YamlNode | None = None


@dataclass(frozen=True)
class Reading:
    """Every values layer to lint, the files read besides the given ones, and remarks."""

    documents: tuple[ValuesDocument, ...]
    extra_texts: tuple[tuple[str, str], ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()


def _text(node: YamlNode | None) -> str | None:
    return node.text if node is not None and node.kind == "scalar" else None


def _path(node: YamlNode | None, *keys: str) -> YamlNode | None:
    for key in keys:
        if node is None or not node.is_map:
            return None
        node = node.get(key)
    return node


def parse_file(name: str, text: str) -> ParsedFile:
    """A file's own values layers (a wrapper's values, or plain values) and references."""

    try:
        nodes = compose(name, text)
    except YamlError:
        if not has_conflict_marker(text):
            raise
        # CD502 explains a half-resolved merge; nothing else can be read from the file
        return ParsedFile(name, text, [ValuesDocument(name, text, None)], kind="other")
    parsed = ParsedFile(name, text)
    wrappers: list[tuple[ValuesDocument, bool, YamlNode]] = []
    plain: list[YamlNode] = []
    for node in nodes:
        if node is None:
            continue
        if gitops.is_values_object(node):
            identity = (_text(node.get("kind")) or "", _text(_path(node, "metadata", "name")) or "")
            parsed.objects[identity] = node
            continue
        if gitops.is_flux_source(node):
            found = gitops.source_version(node)
            if found is not None:
                parsed.flux_sources.append(found)
            continue
        unwrapped = _unwrap(parsed, node)
        if unwrapped is not None:
            wrappers.append((*unwrapped, node))
        elif not _is_k8s_object(node):
            plain.append(node)
    if wrappers:
        cilium = [w for w in wrappers if w[1]]
        chosen = (cilium or wrappers)[0]
        parsed.kind = "wrapper"
        _references(parsed, chosen[2], chosen[0])
        parsed.documents = [chosen[0]]
        return parsed
    if parsed.objects or parsed.flux_sources:
        parsed.kind = "objects"
        return parsed
    layers = [n for n in plain if not (n.kind == "scalar" and n.to_python() is None)]
    if not layers:
        parsed.kind = "other"
        parsed.documents = [ValuesDocument(name, text, None)]
        return parsed
    parsed.not_a_mapping = next((n for n in layers if not n.is_map), None)
    parsed.documents = _umbrella([ValuesDocument(name, text, n) for n in layers if n.is_map])
    return parsed


def _umbrella(documents: list[ValuesDocument]) -> list[ValuesDocument]:
    """An umbrella chart's values: lint the map under ``cilium:``."""
    keys = {k.text for d in documents if d.root is not None for k, _ in d.root.pairs}
    if "cilium" not in keys or not keys <= _UMBRELLA_KEYS:
        return documents
    inner = [d.root.get("cilium") if d.root is not None else None for d in documents]
    if not all(node is not None and node.is_map for node in inner if node is not None):
        return documents
    found = gitops.umbrella_version(documents[0].name) if documents else None
    out: list[ValuesDocument] = []
    for doc, node in zip(documents, inner, strict=True):
        if node is None:
            continue
        out.append(
            replace(
                doc,
                root=node,
                kind="umbrella",
                chart_version=found[0] if found else doc.chart_version,
                chart_version_position=found[1] if found else doc.chart_version_position,
            )
        )
    return out


def _is_k8s_object(node: YamlNode | None) -> bool:
    return (
        node is not None
        and node.is_map
        and node.get("apiVersion") is not None
        and node.get("kind") is not None
    )


def _unwrap(parsed: ParsedFile, node: YamlNode) -> tuple[ValuesDocument, bool] | None:
    """(values layer, names the cilium chart) for a wrapper document, else None."""
    name, text = parsed.name, parsed.text
    if not node.is_map:
        return None
    kind, api = _text(node.get("kind")), _text(node.get("apiVersion")) or ""
    if kind == "HelmRelease" and "fluxcd.io" in api:
        chart = _path(node, "spec", "chart", "spec")
        version = _path(chart, "version")
        doc = ValuesDocument(
            name,
            text,
            _path(node, "spec", "values"),
            "helmrelease",
            _text(version),
            version.position if version is not None else None,
        )
        named = _text(_path(chart, "chart")) or _text(_path(node, "spec", "chartRef", "name"))
        return doc, (named or "").endswith("cilium")
    if kind in {"Application", "ApplicationSet"} and "argoproj.io" in api:
        return _unwrap_argo(name, text, node, kind)
    if kind in {"HelmChart", "HelmChartConfig"} and api.startswith("helm.cattle.io/"):
        content = _path(node, "spec", "valuesContent")
        version = _path(node, "spec", "version")
        root = embedded(name, text, content) if content is not None else None
        doc = ValuesDocument(
            name,
            text,
            root if content is not None and content.kind == "scalar" else None,
            "k3s",
            _text(version),
            version.position if version is not None else None,
        )
        named = (
            f"{_text(_path(node, 'spec', 'chart')) or ''} {_text(_path(node, 'metadata', 'name'))}"
        )
        return doc, "cilium" in named
    helm_charts = _path(node, "helmCharts")
    if helm_charts is not None and (kind is None or kind == "Kustomization"):
        charts = [c for c in helm_charts.items if c.is_map]
        if not charts:
            return None
        chart = next((c for c in charts if _text(c.get("name")) == "cilium"), charts[0])
        version = chart.get("version")
        doc = ValuesDocument(
            name,
            text,
            chart.get("valuesInline"),
            "kustomize",
            _text(version),
            version.position if version is not None else None,
        )
        return doc, _text(chart.get("name")) == "cilium"
    return None


def _argo_source(node: YamlNode, kind: str) -> YamlNode | None:
    """The Application source that installs Cilium (else the first with Helm settings)."""
    spec = (
        _path(node, "spec", "template", "spec") if kind == "ApplicationSet" else _path(node, "spec")
    )
    candidates = [_path(spec, "source")]
    many = _path(spec, "sources")
    if many is not None:
        candidates.extend(many.items)
    sources = [s for s in candidates if s is not None and s.is_map]
    chosen = next((s for s in sources if "cilium" in (_text(s.get("chart")) or "")), None)
    return chosen or next((s for s in sources if s.get("helm") is not None), None)


def _unwrap_argo(
    name: str, text: str, node: YamlNode, kind: str
) -> tuple[ValuesDocument, bool] | None:
    chosen = _argo_source(node, kind)
    if chosen is None:
        return None
    helm = _path(chosen, "helm")
    version = _path(chosen, "targetRevision") if _text(chosen.get("chart")) else None
    values: YamlNode | None = _path(helm, "valuesObject")
    inline = _path(helm, "values")
    if values is None and inline is not None and inline.kind == "scalar":
        values = embedded(name, text, inline)
    doc = ValuesDocument(
        name,
        text,
        values,
        "argocd",
        _text(version),
        version.position if version is not None else None,
    )
    return doc, (_text(chosen.get("chart")) or "").endswith("cilium")


def _references(parsed: ParsedFile, node: YamlNode, doc: ValuesDocument) -> None:
    """What the chosen wrapper takes from elsewhere: followed in :func:`read_values_sources`."""
    if doc.kind == "helmrelease":
        parsed.values_refs = gitops.values_refs(node)
        parsed.chart_ref = gitops.chart_ref(node)
    elif doc.kind == "argocd":
        source = _argo_source(node, _text(node.get("kind")) or "")
        files = _path(source, "helm", "valueFiles")
        path = _text(_path(source, "path"))
        for item in files.items if files is not None else ():
            if item.kind == "scalar" and item.text:
                parsed.value_files.append((item.text, item.position, path))
    elif doc.kind == "kustomize":
        charts = [c for c in (_path(node, "helmCharts") or node).items if c.is_map]
        chart = next((c for c in charts if _text(c.get("name")) == "cilium"), charts[0])
        values_file = chart.get("valuesFile")
        if values_file is not None and values_file.kind == "scalar" and values_file.text:
            parsed.local_files.append((values_file.text, values_file.position, 0))
        extra = chart.get("additionalValuesFiles")
        for item in extra.items if extra is not None else ():
            if item.kind == "scalar" and item.text:
                parsed.local_files.append((item.text, item.position, 1))
        if _text(chart.get("valuesMerge")) == "replace":
            parsed.local_files = [f for f in parsed.local_files if f[2] == 1]


def embedded(name: str, text: str, node: YamlNode) -> YamlNode | None:
    """Values given as a YAML string inside a wrapper, positioned in the outer file."""
    lines = text.splitlines()
    if node.style in {"|", ">"}:
        start = node.position.line  # content begins on the line after the indicator (1-based)
        indent = 0
        for line in lines[start:]:
            if line.strip():
                indent = len(line) - len(line.lstrip(" "))
                break
        parsed = compose(name, node.text, line_offset=start, column_offset=indent)
    else:
        parsed = compose(
            name, node.text, line_offset=node.position.line - 1, column_offset=node.position.column
        )
    return next((p for p in parsed if p is not None), None)


def read_documents(name: str, text: str) -> tuple[ValuesDocument, ...]:
    """All values layers a file holds itself (a wrapper's values, or plain values), in order.

    References to other files are not followed here; :func:`read_values_sources` does.
    """
    parsed = parse_file(name, text)
    return tuple(parsed.documents) or (ValuesDocument(name, text, None),)


# -- several files ----------------------------------------------------------------------------
def read_values_sources(sources: Sequence[tuple[str, str]]) -> Reading:
    """The values layers of ``sources`` in Helm's merge order, references followed."""
    files = [parse_file(name, text) for name, text in sources]
    for parsed in files:
        if parsed.not_a_mapping is not None:
            found = "a list" if parsed.not_a_mapping.kind == "seq" else "a scalar"
            raise ValuesError(
                f"Helm values must be a mapping, found {found}", parsed.not_a_mapping.position
            )
    objects = {k: (p, node) for p in files for k, node in p.objects.items()}
    used: set[tuple[str, str]] = set()
    extra: dict[str, str] = {}
    diagnostics: list[Diagnostic] = []
    documents: list[ValuesDocument] = []
    given = [Path(p.name) for p in files]
    version_doc = _chart_ref_version(files, diagnostics)
    for index, parsed in enumerate(files):
        front: list[ValuesDocument] = []
        unresolved: list[tuple[str, Position]] = []
        for ref in parsed.values_refs:
            layers = _values_from(ref, parsed, objects, used, extra)
            if layers is None:
                unresolved.append((f"valuesFrom {ref.kind} {ref.name}", ref.position))
            elif layers:
                where = layers[0].root.position if layers[0].root is not None else layers[0].name
                note = f"valuesFrom {ref.describe()} linted where it is: {where}"
                diagnostics.append(Diagnostic(note, ref.position))
            front.extend(layers or ())
        for entry, position, source_path in parsed.value_files:
            layers = _value_file(entry, parsed, given[:index], source_path, extra, diagnostics)
            if layers is None:
                unresolved.append((f"valueFiles {entry}", position))
            elif layers:
                note = f"valueFiles entry {entry!r} linted where it is: {layers[0].name}"
                diagnostics.append(Diagnostic(note, position))
            front.extend(layers or ())
        kustomize_after: list[ValuesDocument] = []
        for relative, position, after in parsed.local_files:
            layers = _local_file(parsed.name, relative, extra)
            if layers is None:
                unresolved.append((f"valuesFile {relative}", position))
            (kustomize_after if after else front).extend(layers or ())
        own = [replace(d, unresolved=tuple(unresolved)) for d in parsed.documents] or (
            [ValuesDocument(parsed.name, parsed.text, None, unresolved=tuple(unresolved))]
            if unresolved
            else []
        )
        if version_doc is not None and own and own[0].chart_version is None:
            own[0] = replace(
                own[0], chart_version=version_doc[0], chart_version_position=version_doc[1]
            )
        documents.extend(front + own + kustomize_after)
    for parsed in files:
        if parsed.kind != "objects":
            continue
        for identity, node in parsed.objects.items():
            if identity in used:
                continue
            data = gitops.values_entry(node, gitops.DEFAULT_VALUES_KEY)
            if isinstance(data, YamlNode):
                root = embedded(parsed.name, parsed.text, data)
                documents.append(ValuesDocument(parsed.name, parsed.text, root, "configmap"))
    return Reading(tuple(documents), tuple(extra.items()), tuple(diagnostics))


def _values_from(
    ref: gitops.ValuesRef,
    parsed: ParsedFile,
    objects: dict[tuple[str, str], tuple[ParsedFile, YamlNode]],
    used: set[tuple[str, str]],
    extra: dict[str, str],
) -> list[ValuesDocument] | None:
    if ref.target_path:
        return None
    given = objects.get((ref.kind, ref.name))
    if given is not None:
        holder, node = given
        entry = gitops.values_entry(node, ref.key)
        if isinstance(entry, YamlNode):
            used.add((ref.kind, ref.name))
            root = embedded(holder.name, holder.text, entry)
            return [ValuesDocument(holder.name, holder.text, root, "configmap")]
    found = gitops.find_values_object(ref, parsed.name)
    if found is None:
        return None
    extra.setdefault(found.file, found.text)
    if not found.entry:
        return _plain_documents(found.file, found.text)
    for document in compose(found.file, found.text):
        if document is None or gitops.text_at(document, "metadata", "name") != ref.name:
            continue
        data = gitops.values_entry(document, ref.key)
        if isinstance(data, YamlNode):
            root = embedded(found.file, found.text, data)
            return [ValuesDocument(found.file, found.text, root, "configmap")]
    return None  # pragma: no cover - find_values_object found this very entry


def _plain_documents(name: str, text: str) -> list[ValuesDocument]:
    parsed = parse_file(name, text)
    if parsed.not_a_mapping is not None:
        found = "a list" if parsed.not_a_mapping.kind == "seq" else "a scalar"
        raise ValuesError(
            f"Helm values must be a mapping, found {found}", parsed.not_a_mapping.position
        )
    return [d for d in parsed.documents if d.root is not None]


def _read(path: Path, extra: dict[str, str]) -> list[ValuesDocument]:
    name, text = read_text(path, field_name="yaml_bytes")
    extra.setdefault(name, text)
    return _plain_documents(name, text)


def _local_file(
    kustomization: str, relative: str, extra: dict[str, str]
) -> list[ValuesDocument] | None:
    path = Path(kustomization).parent / relative
    if "://" in relative or kustomization == "-" or escapes(relative, Path(kustomization).parent):
        return None  # outside the kustomization's folder: never read (load refuses it)
    if not path.is_file():
        return None
    return _read(path, extra)


def _value_file(
    entry: str,
    parsed: ParsedFile,
    given: list[Path],
    source_path: str | None,
    extra: dict[str, str],
    diagnostics: list[Diagnostic],
) -> list[ValuesDocument] | None:
    relative = argo_relative(entry)
    if not relative:
        return None
    if any(same_or_suffix(earlier, relative) for earlier in given):
        return []  # linted as the file it is
    found = find_above(parsed.name, relative, source_path)
    if found is None:
        return None
    return _read(found, extra)


def _chart_ref_version(
    files: Sequence[ParsedFile], diagnostics: list[Diagnostic]
) -> tuple[str, Position] | None:
    wrapper = next((p for p in files if p.chart_ref is not None), None)
    if wrapper is None or wrapper.chart_ref is None:
        return None
    known = [v for p in files for v in p.flux_sources]
    try:
        found, _ = gitops.resolve_chart_ref(wrapper.chart_ref, known, wrapper.name)
    except CiliumdriftError:  # pragma: no cover - siblings are read defensively
        return None
    ref = wrapper.chart_ref
    if found is not None and found.version is not None:
        diagnostics.append(
            Diagnostic(
                f"chart version {found.version} from {ref.kind}/{ref.name} at {found.position}",
                ref.position,
            )
        )
    if found is None or found.version is None:
        what = "not found" if found is None else f"pins {found.text}"
        diagnostics.append(
            Diagnostic(
                f"chart version unknown: chartRef {ref.kind}/{ref.name} {what}; "
                "pass --cilium-version",
                ref.position,
            )
        )
        return None
    return found.version, found.position
