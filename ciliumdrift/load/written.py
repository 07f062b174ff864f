"""Values as the user wrote them, for lint: every layer's YAML nodes, not merged with the chart.

The linter needs more than typed, merged values: the quoting of a scalar (``"7445"``), keys
that appear twice in one mapping, YAML 1.1 booleans (``yes``), placeholders in the text,
and the place of every key in every file. It gets them from the same reader and the same
unwrapping as every other command: :func:`ciliumdrift.load.yaml.load_yaml_documents` inside
:func:`~ciliumdrift.load.yaml.lenient_reading` (duplicate keys recorded, not refused) and
:func:`ciliumdrift.load.wrappers.wrapper_values` (where a Flux HelmRelease, an Argo CD
Application, a kustomization or a k3s HelmChart keeps its values). Each layer stays a
:class:`~ciliumdrift.load.yaml.YamlNode` tree; :func:`merge_documents` merges the layers
as Helm merges ``-f`` files (maps merge, everything else is replaced; no chart defaults),
typing scalars with :func:`ciliumdrift.load.scalars.helm_scalar`. Inside one lenient reading
each text is parsed once: the loader, run on the same files for the model of the agent, gets
these very documents (see :func:`~ciliumdrift.load.yaml.load_yaml_documents`).

Values read from another file (a ``valuesFrom`` ConfigMap, an Argo CD ``valueFiles`` entry,
a kustomize ``valuesFile``) are layers *of that file*: findings point at its lines, and its
suppression comments apply. What cannot be found is listed on the wrapper's layer
(``unresolved``) and reported by CD505.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ciliumdrift.errors import ValuesError, YamlError
from ciliumdrift.limits import escapes
from ciliumdrift.load import gitops
from ciliumdrift.load.model import HelmValues, join_key
from ciliumdrift.load.scalars import helm_key, helm_scalar
from ciliumdrift.load.wrappers import (
    UMBRELLA_KEYS,
    argo_relative,
    chart_ref_version,
    embedded_roots,
    find_above,
    found_entry,
    same_or_suffix,
    wrapper_kind,
    wrapper_values,
    wrappers_of,
)
from ciliumdrift.load.yaml import (
    Comment,
    YamlNode,
    iter_mapping,
    lenient_reading,
    load_yaml_documents,
)
from ciliumdrift.model import Diagnostic, Layer, Origin, Position
from ciliumdrift.textio import read_text

#: Walking more nodes than this means alias expansion, not a values file.
MAX_WALKED = 200_000

#: YAML 1.1 booleans that YAML 1.2 (and most editors) read as strings.
YAML11_ONLY_BOOLEANS = frozenset(
    {"y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO"}
    | {"on", "On", "ON", "off", "Off", "OFF"}
)

#: Lint's names of the wrapper kinds (in messages and ``ValuesDocument.kind``).
_KIND_NAMES = {"flux": "helmrelease", "argo": "argocd", "kustomize": "kustomize", "k3s": "k3s"}


def value_of(node: YamlNode) -> Any:
    """A node as Helm types it (YAML 1.1); a scalar Helm would refuse stays its text."""
    if node.kind == "scalar":
        try:
            return helm_scalar(node)
        except YamlError:
            return node.text
    if node.kind == "seq":
        return [value_of(item) for item in node.items]
    return {key_text(k): value_of(v) for k, v in iter_mapping(node)}


def key_text(node: YamlNode) -> str:
    """A mapping key as Helm names it (``yes`` is ``true``); odd keys keep their text."""
    if node.kind != "scalar":
        return f"<{node.kind}>"
    try:
        return helm_key(node)
    except YamlError:
        return node.text


def is_merge_key(node: YamlNode) -> bool:
    return node.kind == "scalar" and node.text == "<<" and node.style is None


@dataclass(frozen=True)
class Entry:
    """One ``key: value`` pair of a values mapping, with its dotted path."""

    path: tuple[str, ...]
    key: YamlNode
    value: YamlNode

    @property
    def dotted(self) -> str:
        return join_key(self.path)


class _Budget:
    def __init__(self) -> None:
        self.left = MAX_WALKED

    def spend(self, where: Position) -> None:
        self.left -= 1
        if self.left < 0:
            raise YamlError("too many nodes (alias expansion?)", where)


@dataclass(frozen=True)
class ValuesDocument:
    """The values of one layer as written: a plain values file or what a wrapper carries."""

    name: str
    text: str
    root: YamlNode | None
    kind: str = "values"  # values | helmrelease | argocd | kustomize | k3s | umbrella | configmap
    chart_version: str | None = None
    chart_version_position: Position | None = None
    unresolved: tuple[tuple[str, Position], ...] = ()  # (what, where) not linted

    def entries(self) -> Iterator[Entry]:
        """Every key of every mapping under the root (not inside lists), depth first."""
        if self.root is None or self.root.kind != "map":
            return
        budget = _Budget()

        def walk(prefix: tuple[str, ...], node: YamlNode) -> Iterator[Entry]:
            for k, v in iter_mapping(node):
                budget.spend(k.position)
                path = (*prefix, key_text(k))
                yield Entry(path, k, v)
                if v.kind == "map":
                    yield from walk(path, v)

        yield from walk((), self.root)

    def scalars(self) -> Iterator[tuple[tuple[str, ...], YamlNode]]:
        """Every scalar under the root (keys too, lists too), with the key path that holds it."""
        if self.root is None:
            return
        budget = _Budget()

        def walk(
            prefix: tuple[str, ...], node: YamlNode
        ) -> Iterator[tuple[tuple[str, ...], YamlNode]]:
            budget.spend(node.position)
            if node.kind == "scalar":
                yield prefix, node
            elif node.kind == "seq":
                for item in node.items:
                    yield from walk(prefix, item)
            else:
                for k, v in node.entries:
                    if is_merge_key(k):
                        continue  # the merged map's own text is walked where it is written
                    yield (*prefix, key_text(k)), k
                    yield from walk((*prefix, key_text(k)), v)

        yield from walk((), self.root)


# -- one file ---------------------------------------------------------------------------------
@dataclass
class WrittenFile:
    """One file's own values layers and what it points at, before references are followed."""

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


def read_written(name: str, text: str) -> WrittenFile:
    """A file's own values layers (a wrapper's values, or plain values) and references.

    Raises :class:`YamlError` for broken YAML (a file with merge-conflict markers too: the
    caller decides whether that is a finding).
    """
    with lenient_reading():
        return _read_written(name, text)


def _read_written(name: str, text: str) -> WrittenFile:
    documents = load_yaml_documents(text, name)
    written = WrittenFile(name, text)
    plain: list[YamlNode] = []
    kinds = [(d, wrapper_kind(d.root)) for d in documents if d.root is not None]
    for document, kind in kinds:
        root = document.root
        assert root is not None
        if kind == "values-object":
            identity = (
                gitops.text_at(root, "kind") or "",
                gitops.text_at(root, "metadata", "name") or "",
            )
            written.objects[identity] = root
        elif kind == "flux-source":
            found = gitops.source_version(root)
            if found is not None:
                written.flux_sources.append(found)
        elif kind is None:
            plain.append(root)
    wrappers = wrappers_of(kinds)
    if wrappers:
        document, kind = wrappers[0]
        assert document.root is not None
        written.kind = "wrapper"
        written.documents = [_wrapper_document(written, document.root, kind)]
        return written
    if written.objects or written.flux_sources:
        written.kind = "objects"
        return written
    layers = [n for n in plain if not n.is_null_text]
    if not layers:
        written.kind = "other"
        written.documents = [ValuesDocument(name, text, None)]
        return written
    written.not_a_mapping = next((n for n in layers if n.kind != "map"), None)
    written.documents = _umbrella(
        [ValuesDocument(name, text, n) for n in layers if n.kind == "map"]
    )
    return written


def _wrapper_document(written: WrittenFile, root: YamlNode, kind: str) -> ValuesDocument:
    """The layer a wrapper carries, and (on ``written``) what it takes from elsewhere."""
    name, text = written.name, written.text
    where = wrapper_values(kind, root)
    values = where.values
    if values is not None and values.kind == "scalar" and not values.is_null_text:
        values = next(iter(embedded_roots(text, values, name)), None)
    elif values is not None and values.kind != "map":
        values = None
    version = (
        where.version if where.version is not None and where.version.kind == "scalar" else None
    )
    entry = where.entry
    if kind == "flux":
        written.values_refs = gitops.values_refs(root)
        written.chart_ref = gitops.chart_ref(root)
    elif kind == "argo" and entry is not None:
        files = gitops.node_at(entry, "helm", "valueFiles")
        path = gitops.text_at(entry, "path")
        for item in files.items if isinstance(files, YamlNode) else ():
            if item.kind == "scalar" and item.text:
                written.value_files.append((item.text, item.position, path))
    elif kind == "kustomize" and entry is not None:
        values_file = entry.get("valuesFile")
        if values_file is not None and values_file.kind == "scalar" and values_file.text:
            written.local_files.append((values_file.text, values_file.position, 0))
        extra = entry.get("additionalValuesFiles")
        for item in extra.items if extra is not None else ():
            if item.kind == "scalar" and item.text:
                written.local_files.append((item.text, item.position, 1))
        if gitops.text_at(entry, "valuesMerge") == "replace":
            written.local_files = [f for f in written.local_files if f[2] == 1]
    return ValuesDocument(
        name,
        text,
        values,
        _KIND_NAMES[kind],
        version.text if version is not None else None,
        version.position if version is not None else None,
    )


def _umbrella(documents: list[ValuesDocument]) -> list[ValuesDocument]:
    """An umbrella chart's values: lint the map under ``cilium:``."""
    keys = {k.text for d in documents if d.root is not None for k, _ in d.root.entries}
    if "cilium" not in keys or not keys <= UMBRELLA_KEYS:
        return documents
    inner = [d.root.get("cilium") if d.root is not None else None for d in documents]
    if not all(node.kind == "map" for node in inner if node is not None):
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


def read_documents(name: str, text: str) -> tuple[ValuesDocument, ...]:
    """All values layers a file holds itself, in order (references not followed)."""
    written = read_written(name, text)
    return tuple(written.documents) or (ValuesDocument(name, text, None),)


# -- several files ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Reading:
    """Every values layer to lint, the files read besides the given ones, and remarks."""

    documents: tuple[ValuesDocument, ...]
    extra_texts: tuple[tuple[str, str], ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    #: The comments of every file read, by name (a file not read as YAML has none here).
    comments: Mapping[str, tuple[Comment, ...]] = field(default_factory=dict)


def _read_or_conflicted(name: str, text: str, conflicted: Sequence[str]) -> WrittenFile:
    try:
        return read_written(name, text)
    except YamlError:
        if name not in conflicted:
            raise
        return WrittenFile(name, text, [ValuesDocument(name, text, None)], kind="other")


def _refuse_non_mapping(written: WrittenFile) -> None:
    if written.not_a_mapping is not None:
        found = "a list" if written.not_a_mapping.kind == "seq" else "a scalar"
        raise ValuesError(
            f"Helm values must be a mapping, found {found}", written.not_a_mapping.position
        )


def read_written_sources(
    sources: Sequence[tuple[str, str]], *, conflicted: Sequence[str] = ()
) -> Reading:
    """The values layers of ``sources`` in Helm's merge order, references followed.

    ``conflicted`` names files that hold merge-conflict markers: when such a file cannot be
    read, it contributes an empty layer instead of an error (lint reports the markers).
    """
    with lenient_reading() as record:  # the files a wrapper points at too
        reading = _read_sources(sources, conflicted)
    comments = {name: tuple(found) for name, found in record.comments.items()}
    return replace(reading, comments=comments)


def _read_sources(sources: Sequence[tuple[str, str]], conflicted: Sequence[str]) -> Reading:
    files = [_read_or_conflicted(name, text, conflicted) for name, text in sources]
    for written in files:
        _refuse_non_mapping(written)
    objects = {k: (p, node) for p in files for k, node in p.objects.items()}
    used: set[tuple[str, str]] = set()
    extra: dict[str, str] = {}
    diagnostics: list[Diagnostic] = []
    documents: list[ValuesDocument] = []
    given = [Path(p.name) for p in files]
    pinned = chart_ref_version(files, diagnostics)
    version_doc = None
    if pinned is not None and pinned.origin.position is not None:
        version_doc = (pinned.value, pinned.origin.position)
    for index, written in enumerate(files):
        front: list[ValuesDocument] = []
        unresolved: list[tuple[str, Position]] = []
        for ref in written.values_refs:
            layers = _values_from(ref, written, objects, used, extra)
            if layers is None:
                unresolved.append((f"valuesFrom {ref.kind} {ref.name}", ref.position))
            elif layers:
                where = layers[0].root.position if layers[0].root is not None else layers[0].name
                note = f"valuesFrom {ref.describe()} linted where it is: {where}"
                diagnostics.append(Diagnostic(note, ref.position))
            front.extend(layers or ())
        for entry, position, source_path in written.value_files:
            layers = _value_file(entry, written, given[:index], source_path, extra)
            if layers is None:
                unresolved.append((f"valueFiles {entry}", position))
            elif layers:
                note = f"valueFiles entry {entry!r} linted where it is: {layers[0].name}"
                diagnostics.append(Diagnostic(note, position))
            front.extend(layers or ())
        kustomize_after: list[ValuesDocument] = []
        for relative, position, after in written.local_files:
            layers = _local_file(written.name, relative, extra)
            if layers is None:
                unresolved.append((f"valuesFile {relative}", position))
            (kustomize_after if after else front).extend(layers or ())
        own = [replace(d, unresolved=tuple(unresolved)) for d in written.documents] or (
            [ValuesDocument(written.name, written.text, None, unresolved=tuple(unresolved))]
            if unresolved
            else []
        )
        if version_doc is not None and own and own[0].chart_version is None:
            own[0] = replace(
                own[0], chart_version=version_doc[0], chart_version_position=version_doc[1]
            )
        documents.extend(front + own + kustomize_after)
    for written in files:
        if written.kind != "objects":
            continue
        for identity, node in written.objects.items():
            if identity in used:
                continue
            data = gitops.values_entry(node, gitops.DEFAULT_VALUES_KEY)
            if isinstance(data, YamlNode):
                documents.extend(_configmap_layers(written.name, written.text, data))
    return Reading(tuple(documents), tuple(extra.items()), tuple(diagnostics))


def _configmap_layers(name: str, text: str, entry: YamlNode) -> list[ValuesDocument]:
    roots = embedded_roots(text, entry, name)
    return [ValuesDocument(name, text, roots[0] if roots else None, "configmap")]


def _values_from(
    ref: gitops.ValuesRef,
    written: WrittenFile,
    objects: dict[tuple[str, str], tuple[WrittenFile, YamlNode]],
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
            return _configmap_layers(holder.name, holder.text, entry)
    found = gitops.find_values_object(ref, written.name)
    if found is None:
        return None
    extra.setdefault(found.file, found.text)
    if not found.entry:
        return _plain_documents(found.file, found.text)
    entry = found_entry(found, ref)
    return _configmap_layers(found.file, found.text, entry) if entry is not None else None


def _plain_documents(name: str, text: str) -> list[ValuesDocument]:
    written = read_written(name, text)
    _refuse_non_mapping(written)
    return [d for d in written.documents if d.root is not None]


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
    written: WrittenFile,
    given: list[Path],
    source_path: str | None,
    extra: dict[str, str],
) -> list[ValuesDocument] | None:
    relative = argo_relative(entry)
    if not relative:
        return None
    if any(same_or_suffix(earlier, relative) for earlier in given):
        return []  # linted as the file it is
    found = find_above(written.name, relative, source_path)
    if found is None:
        return None
    return _read(found, extra)


# -- merging ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class MergedValues:
    """The user's layers merged like Helm merges ``-f`` files, with key and value positions."""

    values: HelmValues
    value_positions: Mapping[str, Position] = field(default_factory=dict)


def merge_documents(documents: Sequence[ValuesDocument], chart_version: str | None) -> MergedValues:
    """The layers merged in order (no chart defaults); each key keeps the position of the
    key that set it, and ``value_positions`` the position of its value."""
    merged: dict[str, Any] = {}
    sources: dict[str, Origin] = {}
    value_positions: dict[str, Position] = {}
    budget = _Budget()

    def forget(prefix: str) -> None:
        for table in (sources, value_positions):
            for key in [k for k in table if k.startswith(prefix + ".")]:
                del table[key]

    def merge(target: dict[str, Any], node: YamlNode, prefix: tuple[str, ...]) -> None:
        explicit = {key_text(k) for k, _ in node.entries if not is_merge_key(k)}
        for k, v in node.entries:
            budget.spend(k.position)
            if is_merge_key(k):
                for source in v.items if v.kind == "seq" else [v]:
                    if source.kind != "map":
                        continue
                    for merged_key, merged_value in value_of(source).items():
                        if merged_key not in explicit and merged_key not in target:
                            dotted = join_key((*prefix, merged_key))
                            target[merged_key] = merged_value
                            sources[dotted] = Origin(
                                Layer.VALUES_FILE, key=dotted, position=k.position
                            )
                            value_positions[dotted] = v.position
                continue
            key = key_text(k)
            path = (*prefix, key)
            dotted = join_key(path)
            if v.kind == "map" and isinstance(target.get(key), dict):
                merge(target[key], v, path)
            elif v.kind == "map":
                if key in target:
                    forget(dotted)  # an earlier layer's subtree is replaced
                target[key] = {}
                merge(target[key], v, path)
            else:
                if key in target:
                    forget(dotted)
                target[key] = value_of(v)
            sources[dotted] = Origin(Layer.VALUES_FILE, key=dotted, position=k.position)
            value_positions[dotted] = v.position

    for doc in documents:
        if doc.root is not None and doc.root.kind == "map":
            merge(merged, doc.root, ())
    helm = HelmValues(
        values=merged,
        sources=sources,
        chart_version=chart_version,
        user_keys=frozenset(sources),
    )
    return MergedValues(helm, value_positions)


__all__ = [
    "YAML11_ONLY_BOOLEANS",
    "Entry",
    "MergedValues",
    "Reading",
    "ValuesDocument",
    "WrittenFile",
    "key_text",
    "merge_documents",
    "read_documents",
    "read_written",
    "read_written_sources",
    "value_of",
]
