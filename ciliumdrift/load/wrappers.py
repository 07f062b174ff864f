"""Helm values inside GitOps wrappers: Flux HelmRelease, Argo CD Application(Set), kustomize.

A values file (``-f``) may be plain values or a wrapper; a multi-document file may hold a
Namespace, a HelmRepository and the HelmRelease: :func:`read_values_file` picks the
wrapper whose chart is Cilium (or the only wrapper). What each wrapper contributes, in the
order its controller hands it to Helm:

* Flux ``helm.toolkit.fluxcd.io`` v2beta1/v2beta2/v2 ``HelmRelease``: ``spec.valuesFrom``
  ConfigMaps and Secrets, then ``spec.values``. A ``valuesFrom`` object is taken from the
  files given (any ``-f`` file, in any order) or else from the HelmRelease's own folder
  (a ConfigMap document, or the ``kustomization.yaml`` ``configMapGenerator`` that builds
  it from a values file); one found nowhere is reported "not resolved". Chart version from
  ``spec.chart.spec.version``, or from the ``OCIRepository``/``HelmChart`` that
  ``spec.chartRef`` names (found the same way); a range such as ``1.16.x`` is reported, not
  used.
* Argo CD ``Application`` / ``ApplicationSet`` (``spec.source``, ``spec.sources`` or
  ``spec.template.spec...``), the source whose ``chart`` is cilium: ``helm.valueFiles``
  (repository paths, ``$ref/...`` in multi-source apps: an earlier ``-f`` file with that
  path, else the file at that path in a folder above the Application, else reported),
  then ``helm.valuesObject`` or, when there is none, the ``helm.values`` string (parsed
  with positions of the outer file), then ``helm.parameters`` (``--set``, or
  ``--set-string`` with ``forceString``). Chart version from ``targetRevision``.
* kustomize ``helmCharts`` entries (``name: cilium``; ``kind: Kustomization`` may be
  omitted): ``valuesFile`` merged with ``valuesInline`` (``valuesMerge`` override/merge:
  inline wins; replace: inline only), then ``additionalValuesFiles``; files are read
  relative to the kustomization.
* A ConfigMap or Secret given with ``-f`` on its own contributes its ``values.yaml`` key
  where it stands in the ``-f`` order; a Flux source object (``OCIRepository``...) given
  with ``-f`` contributes only the chart version a HelmRelease's ``chartRef`` needs.
* An umbrella chart's values (everything under a top-level ``cilium:`` key) are the Cilium
  subchart's values; the version comes from the umbrella ``Chart.yaml`` dependency.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import field
from pathlib import Path
from typing import Protocol

from ciliumdrift.errors import ValuesError
from ciliumdrift.limits import configured_root, confine
from ciliumdrift.load import gitops
from ciliumdrift.load.merge import merge_maps
from ciliumdrift.load.model import join_key
from ciliumdrift.load.scalars import helm_key, helm_scalar
from ciliumdrift.load.setflags import SetFlag
from ciliumdrift.load.tree import Node, from_yaml
from ciliumdrift.load.yaml import (
    YamlDocument,
    YamlNode,
    block_scalar_locator,
    load_yaml_documents,
    scalar_map,
)
from ciliumdrift.model import Diagnostic, Layer, Located, Origin, Position
from ciliumdrift.records import record
from ciliumdrift.regex import lazy_pattern
from ciliumdrift.textio import read_text

_EXACT_VERSION = lazy_pattern(r"^v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$")
#: Top-level keys an umbrella chart's values may hold besides its ``cilium:`` subchart map.
UMBRELLA_KEYS = frozenset({"cilium", "global"})


@record(frozen=False)
class ValueFile:
    """An Argo CD ``helm.valueFiles`` entry, resolved when the sources are assembled."""

    entry: str
    position: Position
    source_path: str | None  # the Argo source's ``path`` (the chart's folder in the repo)


@record(frozen=False)
class ValuesSource:
    """What one ``-f`` file contributes: value layers in order, flags, a chart version.

    ``values_refs`` (Flux ``valuesFrom``) and ``value_files`` (Argo ``valueFiles``) are
    merged before ``layers`` once :func:`assemble` has found them; ``objects`` are the
    ConfigMaps/Secrets this file holds, ``flux_sources`` its Flux source objects.
    """

    name: str = ""
    layers: list[dict[str, Node]] = field(default_factory=list)
    flags: list[tuple[SetFlag, Position]] = field(default_factory=list)
    chart_version: Located[str] | None = None
    kind: str = "values"
    diagnostics: list[Diagnostic] = field(default_factory=list)
    values_refs: tuple[gitops.ValuesRef, ...] = ()
    chart_ref: gitops.ChartRef | None = None
    value_files: list[ValueFile] = field(default_factory=list)
    objects: dict[tuple[str, str], YamlNode] = field(default_factory=dict)
    flux_sources: list[gitops.SourceVersion] = field(default_factory=list)
    text: str = ""


def values_tree(root: YamlNode, text_name: str) -> dict[str, Node]:
    """A values mapping as Helm types it, every key with its origin in the file."""

    def origin_for(path: tuple[str, ...], node: YamlNode, key: YamlNode | None) -> Origin:
        block = node.kind != "scalar" and not node.flow and key is not None
        where = key.position if block and key is not None else node.position
        return Origin(Layer.VALUES_FILE, key=join_key(path) if path else None, position=where)

    if root.kind != "map":
        found = "a list" if root.kind == "seq" else "a scalar"
        raise ValuesError(f"Helm values must be a mapping, found {found}", root.position)
    tree = from_yaml(root, origin_for, helm_scalar, helm_key)
    assert isinstance(tree.value, dict)
    return tree.value


def _text(node: YamlNode | None) -> str | None:
    return node.text if node is not None and node.kind == "scalar" else None


def wrapper_kind(root: YamlNode | None) -> str | None:
    entries = scalar_map(root)
    if "helmCharts" in entries and (
        entries.get("kind") is None or _text(entries.get("kind")) == "Kustomization"
    ):
        return "kustomize"
    api, kind = _text(entries.get("apiVersion")), _text(entries.get("kind"))
    if api is None or kind is None:
        return None
    if api.startswith("helm.toolkit.fluxcd.io/") and kind == "HelmRelease":
        return "flux"
    if api.startswith("argoproj.io/") and kind in ("Application", "ApplicationSet"):
        return "argo"
    if api.startswith("helm.cattle.io/") and kind in ("HelmChart", "HelmChartConfig"):
        return "k3s"
    if gitops.is_values_object(root):
        return "values-object"
    if gitops.is_flux_source(root):
        return "flux-source"
    return "object"


def _chart_name(kind: str, root: YamlNode) -> str:
    top = scalar_map(root)
    if kind == "flux":
        spec = scalar_map(top.get("spec"))
        chart = scalar_map(scalar_map(spec.get("chart")).get("spec"))
        return (
            _text(chart.get("chart")) or _text(scalar_map(spec.get("chartRef")).get("name")) or ""
        )
    if kind == "argo":
        return " ".join(_text(scalar_map(s).get("chart")) or "" for s in _argo_sources(root))
    if kind == "kustomize":
        charts = top["helmCharts"]
        return " ".join(_text(scalar_map(c).get("name")) or "" for c in charts.items)
    if kind == "k3s":
        spec = scalar_map(top.get("spec"))
        name = _text(scalar_map(top.get("metadata")).get("name")) or ""
        return f"{_text(spec.get('chart')) or ''} {name}"
    return ""


WRAPPER_KINDS = ("flux", "argo", "kustomize", "k3s")


def wrappers_of(
    kinds: Sequence[tuple[YamlDocument, str | None]],
) -> list[tuple[YamlDocument, str]]:
    """The wrapper documents to read, first the one to use: those whose chart is Cilium, else
    every wrapper (a multi-document file may hold a Namespace, a source and the wrapper)."""
    wrappers = [(d, k) for d, k in kinds if k is not None and k in WRAPPER_KINDS]
    cilium = [
        (d, k)
        for d, k in wrappers
        if d.root is not None and "cilium" in _chart_name(k, d.root).lower()
    ]
    return cilium or wrappers


def read_values_file(text: str, name: str) -> ValuesSource:
    """The Helm values a ``-f`` file contributes (plain values or a wrapper)."""
    documents = [
        d for d in load_yaml_documents(text, name) if d.root is not None and not d.root.is_null_text
    ]
    kinds = [(d, wrapper_kind(d.root)) for d in documents]
    chosen = wrappers_of(kinds)
    source = ValuesSource(name=name, text=text)
    if chosen:
        cilium = (
            chosen[0][0].root is not None
            and "cilium" in _chart_name(chosen[0][1], chosen[0][0].root).lower()
        )
        document, kind = chosen[0]
        source = _read_wrapper(kind, document, text, name)
        if len(chosen) > 1:
            source.diagnostics.append(
                Diagnostic(
                    f"{len(chosen)} Helm wrappers in this file: "
                    f"using the first one (line {document.position.line})",
                    document.position,
                    code="values-several-wrappers",
                )
            )
        elif not cilium:
            source.diagnostics.append(
                Diagnostic(
                    "this wrapper's chart is not named cilium; its values are used anyway",
                    document.position,
                )
            )
    _collect_objects(source, kinds)
    if chosen or source.objects or source.flux_sources:
        if not chosen:
            source.kind = "objects"
        return source
    objects = [d for d, k in kinds if k == "object"]
    if objects:
        first = objects[0]
        kind_text = _text(scalar_map(first.root).get("kind"))
        raise ValuesError(
            f"no Helm values here: the file holds a Kubernetes {kind_text} object "
            "but no HelmRelease, Argo CD Application, kustomize helmCharts or values ConfigMap",
            first.position,
        )
    for document in documents:
        assert document.root is not None
        source.layers.append(values_tree(document.root, name))
    if len(documents) > 1:
        source.diagnostics.append(
            Diagnostic(
                f"{len(documents)} YAML documents merged in order "
                "(Helm 4 does this; Helm 3 reads only the first)",
                documents[1].position,
                code="values-multi-document",
            )
        )
    _unwrap_umbrella(source)
    return source


def _collect_objects(
    source: ValuesSource, kinds: Sequence[tuple[YamlDocument, str | None]]
) -> None:
    for document, kind in kinds:
        root = document.root
        if root is None:
            continue
        if kind == "values-object":
            object_kind = _text(root.get("kind")) or ""
            object_name = _text(scalar_map(root.get("metadata")).get("name")) or ""
            source.objects[(object_kind, object_name)] = root
        elif kind == "flux-source":
            found = gitops.source_version(root)
            if found is not None:
                source.flux_sources.append(found)


def _unwrap_umbrella(source: ValuesSource) -> None:
    """Values for an umbrella chart: the ``cilium:`` map is what the Cilium subchart gets."""
    if not source.layers:
        return
    keys = set().union(*(layer.keys() for layer in source.layers))
    if "cilium" not in keys or not keys <= UMBRELLA_KEYS:
        return
    inner = [layer["cilium"] for layer in source.layers if "cilium" in layer]
    if not all(isinstance(node.value, dict) for node in inner):
        return
    source.kind = "umbrella"
    source.layers = [node.value for node in inner]
    source.diagnostics.append(
        Diagnostic(
            "umbrella chart values: the map under 'cilium:' is what the Cilium subchart gets",
            inner[0].origin.position,
            code="values-umbrella",
        )
    )
    found = gitops.umbrella_version(source.name)
    if found is not None:
        version, position = found
        source.chart_version = Located(
            version,
            Origin(Layer.VALUES_FILE, key="dependencies.version", position=position),
        )


def _read_wrapper(kind: str, document: YamlDocument, text: str, name: str) -> ValuesSource:
    assert document.root is not None
    if kind == "flux":
        source = _read_flux(document.root, name)
    elif kind == "argo":
        source = _read_argo(document.root, text, name)
    elif kind == "k3s":
        source = _read_k3s(document.root, text, name)
    else:
        source = _read_kustomize(document.root, name)
    source.name, source.text = name, text
    return source


def _version(node: YamlNode | None, source: ValuesSource, what: str) -> None:
    version = _text(node)
    if node is None or version is None or not version:
        return
    if _EXACT_VERSION.match(version):
        source.chart_version = Located(
            version.lstrip("v"),
            Origin(Layer.VALUES_FILE, key=what, position=node.position, detail=what),
        )
    else:
        minor = gitops.minor_of_range(version)
        if minor is not None:
            source.chart_version = Located(
                minor, Origin(Layer.VALUES_FILE, key=what, position=node.position, detail=what)
            )
        taken = f"using Cilium {minor}'s chart data" if minor else "pass --cilium-version"
        source.diagnostics.append(
            Diagnostic(
                f"chart version {version!r} is a range, not a version: {taken}",
                node.position,
                code="values-version-range",
            )
        )


def _mapping_layer(node: YamlNode | None, name: str, what: str, source: ValuesSource) -> None:
    if node is None or node.is_null_text:
        return
    if node.kind != "map":
        raise ValuesError(f"{what} must be a mapping of Helm values", node.position)
    source.layers.append(values_tree(node, name))


def _read_flux(root: YamlNode, name: str) -> ValuesSource:
    source = ValuesSource(kind="flux")
    where = wrapper_values("flux", root)
    _version(where.version, source, where.version_key)
    source.chart_ref = gitops.chart_ref(root)
    source.values_refs = gitops.values_refs(root)
    _mapping_layer(where.values, name, "spec.values", source)
    return source


@record
class WrapperValues:
    """Where one wrapper keeps what it hands Helm, as written (nothing typed yet).

    ``values`` is a mapping (``spec.values``, ``valuesObject``, ``valuesInline``) or a YAML
    string (Argo CD ``helm.values``, k3s ``valuesContent``); ``entry`` is the Argo CD source
    or kustomize chart entry chosen. The loader types these nodes and lint reads them as
    written: both take them from here.
    """

    kind: str  # flux | argo | k3s | kustomize
    values: YamlNode | None
    version: YamlNode | None
    version_key: str
    entry: YamlNode | None = None


def wrapper_values(kind: str, root: YamlNode) -> WrapperValues:
    """The values node and chart version node of a wrapper of ``kind`` (see the module doc)."""
    top = scalar_map(root)
    if kind == "flux":
        spec = scalar_map(top.get("spec"))
        chart = scalar_map(scalar_map(spec.get("chart")).get("spec"))
        return WrapperValues(
            kind, spec.get("values"), chart.get("version"), "spec.chart.spec.version"
        )
    if kind == "argo":
        chosen = argo_source(root)
        entries = scalar_map(chosen)
        helm = scalar_map(entries.get("helm"))
        values_object, values_text = helm.get("valuesObject"), helm.get("values")
        taken = values_object
        if values_object is None or values_object.is_null_text:
            taken = values_text
        version = entries.get("targetRevision") if _text(entries.get("chart")) else None
        return WrapperValues(kind, taken, version, "targetRevision", chosen)
    if kind == "k3s":
        spec = scalar_map(top.get("spec"))
        return WrapperValues(kind, spec.get("valuesContent"), spec.get("version"), "spec.version")
    charts = top["helmCharts"]
    if charts.kind != "seq" or not charts.items:
        raise ValuesError("helmCharts must be a list of charts", charts.position)
    chosen = next(
        (c for c in charts.items if "cilium" in (_text(scalar_map(c).get("name")) or "").lower()),
        charts.items[0],
    )
    entry = scalar_map(chosen)
    return WrapperValues(
        kind, entry.get("valuesInline"), entry.get("version"), "helmCharts.version", chosen
    )


def _argo_sources(root: YamlNode) -> list[YamlNode]:
    spec = scalar_map(scalar_map(root).get("spec"))
    if _text(scalar_map(root).get("kind")) == "ApplicationSet":
        spec = scalar_map(scalar_map(spec.get("template")).get("spec"))
    found: list[YamlNode] = []
    single = spec.get("source")
    if single is not None and single.kind == "map":
        found.append(single)
    many = spec.get("sources")
    if many is not None and many.kind == "seq":
        found.extend(item for item in many.items if item.kind == "map")
    return found


def argo_source(root: YamlNode) -> YamlNode | None:
    """The Application source that installs Cilium, else the first with Helm settings, else
    the first."""
    sources = _argo_sources(root)
    charts = [s for s in sources if "cilium" in (_text(scalar_map(s).get("chart")) or "").lower()]
    candidates = charts or [s for s in sources if "helm" in scalar_map(s)] or sources
    return candidates[0] if candidates else None


def _read_argo(root: YamlNode, text: str, name: str) -> ValuesSource:
    source = ValuesSource(kind="argo")
    where = wrapper_values("argo", root)
    if where.entry is None:
        source.diagnostics.append(Diagnostic("Argo CD application without a source", root.position))
        return source
    entries = scalar_map(where.entry)
    _version(where.version, source, where.version_key)
    helm = scalar_map(entries.get("helm"))
    files = helm.get("valueFiles")
    if files is not None and files.kind == "seq":
        for item in files.items:
            if _text(item):
                source.value_files.append(
                    ValueFile(item.text, item.position, _text(entries.get("path")))
                )
    values_text = helm.get("values")
    if where.values is not None and where.values is not values_text:
        _mapping_layer(where.values, name, "helm.valuesObject", source)
        if values_text is not None:
            source.diagnostics.append(
                Diagnostic(
                    "helm.values is ignored: helm.valuesObject takes precedence",
                    values_text.position,
                )
            )
    elif values_text is not None and values_text.kind == "scalar" and values_text.text.strip():
        source.layers.extend(_embedded_values(text, values_text, name))
    elif values_text is not None and values_text.kind == "map":
        _mapping_layer(values_text, name, "helm.values", source)
    parameters = helm.get("parameters")
    if parameters is not None and parameters.kind == "seq":
        for item in parameters.items:
            parameter = scalar_map(item)
            key, value = _text(parameter.get("name")), _text(parameter.get("value"))
            if key is None:
                raise ValuesError("helm.parameters entry without a name", item.position)
            forced = _text(parameter.get("forceString")) in ("true", "True")
            kind = Layer.SET_STRING if forced else Layer.SET
            source.flags.append((SetFlag(kind, f"{key}={value or ''}"), item.position))
    return source


def _read_k3s(root: YamlNode, text: str, name: str) -> ValuesSource:
    """k3s/RKE2 ``HelmChart``/``HelmChartConfig``: ``valuesContent``, then ``set`` flags.

    The helm-controller writes ``valuesContent`` to a values file and turns ``spec.set``
    into ``--set`` flags (``--set-string`` for strings it must not retype).
    """
    source = ValuesSource(kind="k3s")
    spec = scalar_map(scalar_map(root).get("spec"))
    where = wrapper_values("k3s", root)
    _version(where.version, source, where.version_key)
    content = where.values
    if content is not None and content.kind == "scalar" and content.text.strip():
        source.layers.extend(_embedded_values(text, content, name))
    flags = spec.get("set")
    if flags is not None and flags.kind == "map":
        for key, value in flags.entries:
            if key.kind == "scalar" and value.kind == "scalar":
                kind = Layer.SET_STRING if value.style is not None else Layer.SET
                source.flags.append((SetFlag(kind, f"{key.text}={value.text}"), key.position))
    return source


def _embedded_values(text: str, node: gitops.NodeLike, name: str) -> list[dict[str, Node]]:
    """Values written as a YAML string inside a wrapper, positioned in the outer file."""
    return [values_tree(root, name) for root in embedded_roots(text, node, name)]


def embedded_roots(text: str, node: gitops.NodeLike, name: str) -> list[YamlNode]:
    """The documents of a YAML string inside a wrapper (Argo CD ``helm.values``, k3s
    ``valuesContent``, a ConfigMap's ``values.yaml``), positioned in the outer file."""
    assert isinstance(node, YamlNode)
    locate = block_scalar_locator(text, node, name)
    return [
        document.root
        for document in load_yaml_documents(node.text, name, locate=locate)
        if document.root is not None and not document.root.is_null_text
    ]


def _read_kustomize(root: YamlNode, name: str) -> ValuesSource:
    source = ValuesSource(kind="kustomize")
    where = wrapper_values("kustomize", root)
    entry = scalar_map(where.entry)
    _version(where.version, source, where.version_key)
    base = Path(name).parent
    file_layer: dict[str, Node] = {}
    values_file = entry.get("valuesFile")
    if _text(values_file):
        assert values_file is not None
        file_layer = _kustomize_file(base, values_file, source)
    inline_source = ValuesSource()
    _mapping_layer(where.values, name, "valuesInline", inline_source)
    inline = inline_source.layers[0] if inline_source.layers else {}
    mode = _text(entry.get("valuesMerge")) or "override"
    source.layers.append(inline if mode == "replace" else merge_maps(file_layer, inline))
    extra = entry.get("additionalValuesFiles")
    if extra is not None and extra.kind == "seq":
        for item in extra.items:
            if _text(item):
                source.layers.append(_kustomize_file(base, item, source))
    return source


def _kustomize_file(base: Path, node: YamlNode, source: ValuesSource) -> dict[str, Node]:
    relative = node.text
    if "://" not in relative:  # kustomize refuses files outside the kustomization's folder
        confine(relative, base, node.position, what="values file")
    path = base / relative
    if "://" in relative or not path.is_file():
        source.diagnostics.append(
            Diagnostic(
                f"values file {relative!r} not found: pass it with -f",
                node.position,
                code="values-file-not-resolved",
            )
        )
        return {}
    return read_plain_values(str(path))


def read_plain_values(path: str) -> dict[str, Node]:
    """A plain values file (every document merged), for files a wrapper points at."""

    name, text = read_text(path, field_name="yaml_bytes")
    layer: dict[str, Node] = {}
    for part in _plain_layers(text, name):
        layer = merge_maps(layer, part)
    return layer


def _plain_layers(text: str, name: str) -> list[dict[str, Node]]:
    return [
        values_tree(document.root, name)
        for document in load_yaml_documents(text, name)
        if document.root is not None and not document.root.is_null_text
    ]


# -- several files together ----------------------------------------------------------------------
@record(frozen=False)
class Assembly:
    """Every ``-f`` file read, with what a wrapper points at found and merged in place."""

    sources: list[ValuesSource]
    chart_version: Located[str] | None
    diagnostics: list[Diagnostic]


def assemble(paths: Sequence[str], *, texts: Sequence[tuple[str, str]] = ()) -> Assembly:
    """Read the ``-f`` files and resolve valuesFrom, valueFiles and chartRef between them.

    ``texts`` are ``(name, text)`` pairs already read (lint reads standard input and files
    once), taken after ``paths``.
    """

    read = [read_text(path, field_name="yaml_bytes") for path in paths]
    sources = [read_values_file(text, name) for name, text in (*read, *texts)]
    objects: dict[tuple[str, str], tuple[ValuesSource, YamlNode]] = {}
    for source in sources:
        for identity, root in source.objects.items():
            objects[identity] = (source, root)
    used: set[tuple[str, str]] = set()
    diagnostics: list[Diagnostic] = []
    given = [Path(s.name) for s in sources]
    for index, source in enumerate(sources):
        front: list[dict[str, Node]] = []
        for ref in source.values_refs:
            front.extend(_values_from(ref, source, objects, used))
        for value_file in source.value_files:
            front.extend(_value_file(value_file, source, given[:index]))
        source.layers[:0] = front
    for source in sources:
        if source.kind == "objects":
            _object_layers(source, used)
    version = next((s.chart_version for s in sources if s.chart_version is not None), None)
    if version is None:
        version = chart_ref_version(sources, diagnostics)
    for source in sources:
        contributes = (
            source.layers
            or any(identity in used for identity in source.objects)
            or _pins_version(source, version)
        )
        if source.kind == "objects" and not contributes:
            raise ValuesError(
                f"no Helm values here: {_describe_objects(source)} that no HelmRelease among "
                "the files uses",
                Position(source.name, 1, 1),
            )
    return Assembly(sources, version, diagnostics)


def _object_layers(source: ValuesSource, used: set[tuple[str, str]]) -> None:
    """A ConfigMap/Secret given on its own: its values.yaml key, where the file stands."""
    for (kind, name), root in source.objects.items():
        if (kind, name) in used:
            continue  # merged where the HelmRelease that names it stands
        entry = gitops.values_entry(root, gitops.DEFAULT_VALUES_KEY)
        if entry is None:
            source.diagnostics.append(
                Diagnostic(
                    f"{kind} {name} has no {gitops.DEFAULT_VALUES_KEY} key: "
                    "no values taken from it",
                    root.position,
                    code="values-object-without-values",
                )
            )
            continue
        source.layers.extend(_embedded_values(source.text, entry, source.name))


def _pins_version(source: ValuesSource, version: Located[str] | None) -> bool:
    if version is None or version.origin.position is None:
        return False
    return version.origin.position.file == source.name


def _describe_objects(source: ValuesSource) -> str:
    kinds = [kind for kind, _ in source.objects] + [s.kind for s in source.flux_sources]
    shown = ", ".join(dict.fromkeys(kinds))
    return f"the file holds a Kubernetes {shown}"


def _values_from(
    ref: gitops.ValuesRef,
    source: ValuesSource,
    objects: dict[tuple[str, str], tuple[ValuesSource, YamlNode]],
    used: set[tuple[str, str]],
) -> list[dict[str, Node]]:
    """The layers one ``valuesFrom`` entry brings, found in the files or the folder."""
    if ref.target_path:
        source.diagnostics.append(
            Diagnostic(
                f"valuesFrom {ref.describe()} with targetPath {ref.target_path} is not merged "
                "(a single value from a Secret/ConfigMap key)",
                ref.position,
                code="values-from-not-resolved",
            )
        )
        return []
    given = objects.get((ref.kind, ref.name))
    if given is not None:
        holder, root = given
        entry = gitops.values_entry(root, ref.key)
        if entry is not None:
            used.add((ref.kind, ref.name))
            source.diagnostics.append(
                Diagnostic(
                    f"valuesFrom {ref.describe()} key {ref.key} read from {entry.position}",
                    ref.position,
                    code="values-from-resolved",
                )
            )
            return _embedded_values(holder.text, entry, holder.name)
    found = _values_from_folder(ref, source)
    if found is not None:
        return found
    source.diagnostics.append(
        Diagnostic(
            f"valuesFrom {ref.describe()} not resolved: pass its values with -f before this file",
            ref.position,
            code="values-from-not-resolved",
        )
    )
    return []


def _values_from_folder(
    ref: gitops.ValuesRef, source: ValuesSource
) -> list[dict[str, Node]] | None:
    found = gitops.find_values_object(ref, source.name)
    if found is None:
        return None
    source.diagnostics.append(
        Diagnostic(
            f"valuesFrom {ref.describe()} key {ref.key} {found.note}",
            ref.position,
            code="values-from-resolved",
        )
    )
    if not found.entry:
        return _plain_layers(found.text, found.file)
    entry = found_entry(found, ref)
    return _embedded_values(found.text, entry, found.file) if entry is not None else None


def found_entry(found: gitops.FoundValues, ref: gitops.ValuesRef) -> YamlNode | None:
    """The ``data`` (``stringData``) entry ``ref`` names in the ConfigMap (Secret) that
    :func:`ciliumdrift.load.gitops.find_values_object` found in the HelmRelease's folder."""
    for document in load_yaml_documents(found.text, found.file):
        root = document.root
        if root is None or gitops.text_at(root, "metadata", "name") != ref.name:
            continue
        entry = gitops.values_entry(root, ref.key)
        if isinstance(entry, YamlNode) and gitops.kind_of(root)[1] == ref.kind:
            return entry
    return None  # pragma: no cover - find_values_object found this very entry


def _value_file(
    value_file: ValueFile, source: ValuesSource, given: list[Path]
) -> list[dict[str, Node]]:
    """An Argo CD valueFiles entry: an earlier -f file, a file above the app, or reported."""
    relative = argo_relative(value_file.entry)
    raw = (
        value_file.entry.partition("/")[2] if value_file.entry.startswith("$") else value_file.entry
    )
    _refuse_escape(raw, value_file.position, "valueFiles entry")
    if value_file.source_path:
        _refuse_escape(value_file.source_path, value_file.position, "spec.source.path")
    for earlier in given:
        if relative and same_or_suffix(earlier, relative):
            source.diagnostics.append(
                Diagnostic(
                    f"valueFiles entry {value_file.entry!r} is the earlier -f file {earlier}",
                    value_file.position,
                    code="values-file-resolved",
                )
            )
            return []
    found = find_above(source.name, relative, value_file.source_path) if relative else None
    if found is not None:
        source.diagnostics.append(
            Diagnostic(
                f"valueFiles entry {value_file.entry!r} read from {found}",
                value_file.position,
                code="values-file-resolved",
            )
        )
        name, text = read_text(found, field_name="yaml_bytes")
        inner = read_values_file(text, name)
        if inner.kind not in ("values", "umbrella"):
            raise ValuesError(
                f"valueFiles entry {value_file.entry!r} is not a values file ({found})",
                value_file.position,
            )
        source.diagnostics.extend(inner.diagnostics)
        if source.chart_version is None:
            source.chart_version = inner.chart_version
        return inner.layers
    source.diagnostics.append(
        Diagnostic(
            f"valueFiles entry {value_file.entry!r} not resolved: "
            "pass that file with -f before this one",
            value_file.position,
            code="values-file-not-resolved",
        )
    )
    return []


def _refuse_escape(relative: str, position: Position, what: str) -> None:
    """Argo CD refuses a path that is absolute or leaves the repository with ``..``."""

    if relative and "://" not in relative:
        confine(
            relative, Path("/__repository__"), position, root=Path("/__repository__"), what=what
        )


def argo_relative(entry: str) -> str:
    """``$values/a/b.yaml`` -> ``a/b.yaml``; URLs give ""."""
    if "://" in entry:
        return ""
    if entry.startswith("$"):
        _, _, rest = entry.partition("/")
        return rest
    return entry.lstrip("./")


def same_or_suffix(path: Path, relative: str) -> bool:
    parts = Path(relative).parts
    return bool(parts) and path.parts[-len(parts) :] == parts


#: How many folders above an Application its repository root may be.
_MAX_LEVELS = 8


def find_above(app: str, relative: str, source_path: str | None) -> Path | None:
    """The file an Argo CD value file path names, looked up from the app's folder upwards."""
    if app == "-" or app.startswith("<") or not Path(app).is_file():
        return None
    folder = Path(app).resolve().parent
    fence = _repository_root(folder)
    for _ in range(_MAX_LEVELS):
        candidates = [folder / relative]
        if source_path:
            candidates.insert(0, folder / source_path / relative)
        for candidate in candidates:
            if _inside(candidate, fence) and candidate.is_file():
                return _relative_to_cwd(candidate)
        if (folder / ".git").exists() or folder.parent == folder:
            return None
        folder = folder.parent
    return None


def _repository_root(folder: Path) -> Path:
    """Where an Application's files may come from: the root the user names
    (``CILIUMDRIFT_ROOT``), else the git repository holding it, else its own folder."""

    named = configured_root()
    if named is not None:
        return named.resolve()
    here = folder
    for _ in range(_MAX_LEVELS):
        if (here / ".git").exists():
            return here
        if here.parent == here:
            break
        here = here.parent
    return folder


def _inside(path: Path, fence: Path) -> bool:
    resolved = path.resolve()
    return resolved == fence or fence in resolved.parents


def _relative_to_cwd(path: Path) -> Path:
    """``path`` as the user would type it from here, when it lies below the current folder."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


class PinsChart(Protocol):
    """A file read for its values (the loader's or lint's reading): the parts a chartRef
    lookup needs."""

    name: str
    chart_ref: gitops.ChartRef | None
    flux_sources: list[gitops.SourceVersion]


def chart_ref_version(
    sources: Sequence[PinsChart], diagnostics: list[Diagnostic]
) -> Located[str] | None:
    """The version a HelmRelease's chartRef pins, from the files or the HelmRelease's folder."""
    wrapper = next((s for s in sources if s.chart_ref is not None), None)
    if wrapper is None or wrapper.chart_ref is None:
        return None
    ref = wrapper.chart_ref
    known = [v for s in sources for v in s.flux_sources]
    found, in_folder = gitops.resolve_chart_ref(ref, known, wrapper.name)
    where = " (found next to the HelmRelease)" if in_folder else ""
    if found is None:
        diagnostics.append(
            Diagnostic(
                f"chart version unknown: chartRef {ref.kind}/{ref.name} not found; pass that "
                "file with -f or give --cilium-version",
                ref.position,
                code="values-chart-ref-not-resolved",
            )
        )
        return None
    if found.version is None:
        diagnostics.append(
            Diagnostic(
                f"chart version unknown: {ref.kind}/{ref.name} pins {found.text}, not a version: "
                "pass --cilium-version",
                found.position,
                code="values-version-range",
            )
        )
        return None
    diagnostics.append(
        Diagnostic(
            f"chart version {found.version} from {ref.kind}/{ref.name} at {found.position}{where}",
            ref.position,
            code="values-chart-ref-resolved",
        )
    )
    return Located(
        found.version,
        Origin(Layer.VALUES_FILE, key="spec.ref", position=found.position, detail=found.text),
    )
