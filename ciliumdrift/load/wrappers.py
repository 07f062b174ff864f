"""Helm values inside GitOps wrappers: Flux HelmRelease, Argo CD Application(Set), kustomize.

A values file (``-f``) may be plain values or a wrapper; a multi-document file may hold a
Namespace, a HelmRepository and the HelmRelease: :func:`read_values_file` picks the
wrapper whose chart is Cilium (or the only wrapper). What each wrapper contributes, in the
order its controller hands it to Helm:

* Flux ``helm.toolkit.fluxcd.io`` v2beta1/v2beta2/v2 ``HelmRelease``: ``spec.valuesFrom``
  (ConfigMaps/Secrets: cannot be read from a file, reported "not resolved"; pass their
  content with an earlier ``-f``), then ``spec.values``. Chart version from
  ``spec.chart.spec.version`` (a range such as ``1.16.x`` is reported, not used).
* Argo CD ``Application`` / ``ApplicationSet`` (``spec.source``, ``spec.sources`` or
  ``spec.template.spec...``), the source whose ``chart`` is cilium: ``helm.valueFiles``
  (repository paths: not resolved, reported), then ``helm.valuesObject`` or, when there is
  none, the ``helm.values`` string (parsed with positions of the outer file), then
  ``helm.parameters`` (``--set``, or ``--set-string`` with ``forceString``). Chart version
  from ``targetRevision``.
* kustomize ``helmCharts`` entries (``name: cilium``): ``valuesFile`` merged with
  ``valuesInline`` (``valuesMerge`` override/merge: inline wins; replace: inline only), then
  ``additionalValuesFiles``; files are read relative to the kustomization.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ciliumdrift.errors import InputError, ValuesError
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

_EXACT_VERSION = re.compile(r"^v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$")


@dataclass
class ValuesSource:
    """What one ``-f`` file contributes: value layers in order, flags, a chart version."""

    layers: list[dict[str, Node]] = field(default_factory=list)
    flags: list[tuple[SetFlag, Position]] = field(default_factory=list)
    chart_version: Located[str] | None = None
    kind: str = "values"
    diagnostics: list[Diagnostic] = field(default_factory=list)


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


def _wrapper_kind(root: YamlNode | None) -> str | None:
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
    return ""


def read_values_file(text: str, name: str) -> ValuesSource:
    """The Helm values a ``-f`` file contributes (plain values or a wrapper)."""
    documents = [
        d for d in load_yaml_documents(text, name) if d.root is not None and not d.root.is_null_text
    ]
    kinds = [(d, _wrapper_kind(d.root)) for d in documents]
    wrappers = [(d, k) for d, k in kinds if k in ("flux", "argo", "kustomize")]
    if wrappers:
        cilium = [
            (d, k)
            for d, k in wrappers
            if d.root is not None and "cilium" in _chart_name(k, d.root).lower()
        ]
        chosen = cilium or wrappers
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
        return source
    objects = [d for d, k in kinds if k == "object"]
    if objects:
        first = objects[0]
        kind_text = _text(scalar_map(first.root).get("kind"))
        raise ValuesError(
            f"no Helm values here: the file holds a Kubernetes {kind_text} object "
            "but no HelmRelease, "
            "Argo CD Application or kustomize helmCharts",
            first.position,
        )
    source = ValuesSource()
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
    return source


def _read_wrapper(kind: str, document: YamlDocument, text: str, name: str) -> ValuesSource:
    assert document.root is not None
    if kind == "flux":
        return _read_flux(document.root, name)
    if kind == "argo":
        return _read_argo(document.root, text, name)
    return _read_kustomize(document.root, name)


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
        source.diagnostics.append(
            Diagnostic(
                f"chart version {version!r} is a range, not a version: pass --cilium-version",
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
    spec = scalar_map(scalar_map(root).get("spec"))
    chart = scalar_map(scalar_map(spec.get("chart")).get("spec"))
    _version(chart.get("version"), source, "spec.chart.spec.version")
    values_from = spec.get("valuesFrom")
    if values_from is not None and values_from.kind == "seq":
        for item in values_from.items:
            entry = scalar_map(item)
            ref = f"{_text(entry.get('kind')) or '?'}/{_text(entry.get('name')) or '?'}"
            source.diagnostics.append(
                Diagnostic(
                    f"valuesFrom {ref} not resolved: pass its values with -f before this file",
                    item.position,
                    code="values-from-not-resolved",
                )
            )
    _mapping_layer(spec.get("values"), name, "spec.values", source)
    return source


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


def _read_argo(root: YamlNode, text: str, name: str) -> ValuesSource:
    source = ValuesSource(kind="argo")
    sources = _argo_sources(root)
    charts = [s for s in sources if "cilium" in (_text(scalar_map(s).get("chart")) or "").lower()]
    candidates = charts or [s for s in sources if "helm" in scalar_map(s)] or sources
    if not candidates:
        source.diagnostics.append(Diagnostic("Argo CD application without a source", root.position))
        return source
    entries = scalar_map(candidates[0])
    _version(entries.get("targetRevision"), source, "targetRevision")
    helm = scalar_map(entries.get("helm"))
    files = helm.get("valueFiles")
    if files is not None and files.kind == "seq":
        for item in files.items:
            source.diagnostics.append(
                Diagnostic(
                    f"valueFiles entry {_text(item)!r} not resolved: "
                    "pass that file with -f before this one",
                    item.position,
                    code="values-file-not-resolved",
                )
            )
    values_object = helm.get("valuesObject")
    values_text = helm.get("values")
    if values_object is not None and not values_object.is_null_text:
        _mapping_layer(values_object, name, "helm.valuesObject", source)
        if values_text is not None:
            source.diagnostics.append(
                Diagnostic(
                    "helm.values is ignored: helm.valuesObject takes precedence",
                    values_text.position,
                )
            )
    elif values_text is not None and values_text.kind == "scalar" and values_text.text.strip():
        locate = block_scalar_locator(text, values_text, name)
        for document in load_yaml_documents(values_text.text, name, locate=locate):
            if document.root is not None and not document.root.is_null_text:
                source.layers.append(values_tree(document.root, name))
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


def _read_kustomize(root: YamlNode, name: str) -> ValuesSource:
    source = ValuesSource(kind="kustomize")
    charts = scalar_map(root)["helmCharts"]
    if charts.kind != "seq" or not charts.items:
        raise ValuesError("helmCharts must be a list of charts", charts.position)
    chosen = next(
        (c for c in charts.items if "cilium" in (_text(scalar_map(c).get("name")) or "").lower()),
        charts.items[0],
    )
    entry = scalar_map(chosen)
    _version(entry.get("version"), source, "helmCharts.version")
    base = Path(name).parent
    file_layer: dict[str, Node] = {}
    values_file = entry.get("valuesFile")
    if _text(values_file):
        assert values_file is not None
        file_layer = _kustomize_file(base, values_file, source)
    inline_source = ValuesSource()
    _mapping_layer(entry.get("valuesInline"), name, "valuesInline", inline_source)
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
    from ciliumdrift.load.yaml import MAX_YAML_BYTES
    from ciliumdrift.textio import read_text

    relative = node.text
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
    try:
        name, text = read_text(path, limit=MAX_YAML_BYTES)
    except InputError:
        raise
    layer: dict[str, Node] = {}
    for document in load_yaml_documents(text, name):
        if document.root is not None and not document.root.is_null_text:
            layer = merge_maps(layer, values_tree(document.root, name))
    return layer
