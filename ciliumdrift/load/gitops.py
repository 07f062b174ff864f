"""What a GitOps wrapper points at: the chart version and the values it does not hold itself.

A Flux ``HelmRelease`` often names its chart through ``spec.chartRef`` (an ``OCIRepository``
whose ``spec.ref.tag`` is the version) and takes its values from ``spec.valuesFrom``
ConfigMaps that a ``kustomization.yaml`` ``configMapGenerator`` builds from a values file
next to it. Flux resolves both in the cluster; a checker reading the repository has to find
the same objects in the files it was given or, failing that, in the wrapper's own folder,
which is where these repositories keep them (one folder per app: ``helmrelease.yaml``,
``ocirepository.yaml``, ``kustomization.yaml``, ``helm/values.yaml``).

Helpers here work on any YAML node with ``kind``/``text``/``position``/``get`` (the loader's
and the linter's node types both qualify) and return *where* something is, so that each
reader parses the file itself with the positions it needs. Every finding is reported by the
caller as a diagnostic naming the file it came from: nothing is used silently.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from ciliumdrift.errors import CiliumdriftError
from ciliumdrift.limits import confine
from ciliumdrift.load.yaml import load_yaml_documents
from ciliumdrift.model import Position
from ciliumdrift.records import record
from ciliumdrift.regex import lazy_pattern
from ciliumdrift.textio import read_text

#: Flux source kinds: they hold no values; an OCIRepository or HelmChart holds a version.
FLUX_SOURCE_KINDS = frozenset({"OCIRepository", "HelmChart", "HelmRepository", "GitRepository"})
#: The key Flux reads from a valuesFrom ConfigMap or Secret when none is given.
DEFAULT_VALUES_KEY = "values.yaml"
#: A folder with more YAML files than this is not one app's folder: it is not searched.
MAX_SIBLING_FILES = 64
#: Neighbours larger than this are not read (an app folder holds small manifests).
_SIBLING_BYTES = 256 * 1024
_EXACT_VERSION = lazy_pattern(r"^v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$")


class NodeLike(Protocol):
    """The part of a YAML node these helpers read."""

    @property
    def kind(self) -> str: ...

    @property
    def text(self) -> str: ...

    @property
    def position(self) -> Position: ...

    def get(self, key: str) -> NodeLike | None: ...


def text_at(node: NodeLike | None, *keys: str) -> str | None:
    """The scalar text at a key path, or None."""
    found = node_at(node, *keys)
    return found.text if found is not None and found.kind == "scalar" else None


def node_at(node: NodeLike | None, *keys: str) -> NodeLike | None:
    for key in keys:
        if node is None or node.kind != "map":
            return None
        node = node.get(key)
    return node


def kind_of(document: NodeLike | None) -> tuple[str, str]:
    """``(apiVersion, kind)`` of a Kubernetes object ("" when absent)."""
    return text_at(document, "apiVersion") or "", text_at(document, "kind") or ""


def is_flux_source(document: NodeLike | None) -> bool:
    api, kind = kind_of(document)
    return api.startswith("source.toolkit.fluxcd.io/") and kind in FLUX_SOURCE_KINDS


def is_values_object(document: NodeLike | None) -> bool:
    """A ConfigMap (``data``) or Secret (``stringData``) that can carry Helm values."""
    api, kind = kind_of(document)
    return api == "v1" and kind in ("ConfigMap", "Secret")


# -- chart version ------------------------------------------------------------------------------
@record
class ChartRef:
    """A HelmRelease's ``spec.chartRef``."""

    kind: str
    name: str
    position: Position


@record
class SourceVersion:
    """The version a Flux source object pins, or why it pins none."""

    kind: str
    name: str
    version: str | None  # an exact version, or None
    position: Position
    text: str  # what the object says (a tag, a semver range, a digest)


def chart_ref(helm_release: NodeLike) -> ChartRef | None:
    ref = node_at(helm_release, "spec", "chartRef")
    name = text_at(ref, "name")
    if ref is None or not name:
        return None
    return ChartRef(text_at(ref, "kind") or "OCIRepository", name, ref.position)


def source_version(document: NodeLike) -> SourceVersion | None:
    """The chart version an OCIRepository (``spec.ref``) or HelmChart (``spec.version``) pins."""
    if not is_flux_source(document):
        return None
    _, kind = kind_of(document)
    name = text_at(document, "metadata", "name") or ""
    if kind == "OCIRepository":
        ref = node_at(document, "spec", "ref")
        for field in ("tag", "semver", "digest"):
            node = node_at(ref, field)
            if node is not None and node.kind == "scalar" and node.text:
                exact = field == "tag" and _EXACT_VERSION.match(node.text) is not None
                version = node.text.lstrip("v") if exact else None
                return SourceVersion(kind, name, version, node.position, f"{field} {node.text}")
        where = ref.position if ref is not None else document.position
        return SourceVersion(kind, name, None, where, "no ref (the latest tag)")
    if kind == "HelmChart":
        node = node_at(document, "spec", "version")
        if node is not None and node.kind == "scalar" and node.text:
            exact = _EXACT_VERSION.match(node.text) is not None
            version = node.text.lstrip("v") if exact else None
            return SourceVersion(kind, name, version, node.position, f"version {node.text}")
        return SourceVersion(kind, name, None, document.position, "no version (the latest)")
    return None


_RANGE_MINOR = lazy_pattern(
    r"^\s*(?:[~=v]|~>)?\s*v?(?P<major>\d+)\.(?P<minor>\d+)(?:\.(?:[xX*]|\d+))?\s*$"
)
_BOUNDED = lazy_pattern(
    r"^\s*>=?\s*v?(?P<major>\d+)\.(?P<minor>\d+)(?:\.\d+)?\s*,?\s*<\s*v?(?P<major2>\d+)"
    r"\.(?P<minor2>\d+)(?:\.0)?\s*$"
)


def minor_of_range(text: str) -> str | None:
    """The one minor release a version range allows (``1.16.x``, ``~1.16.0``), else None.

    Flux and Argo CD accept semver ranges; when a range stays inside one minor release, the
    chart data of that minor applies whatever patch the controller picks. ``^1.16`` or
    ``*`` span minors: None.
    """
    found = _RANGE_MINOR.match(text)
    if (
        found is not None
        and not text.strip().startswith("=")
        and ("x" in text.lower() or "*" in text or text.strip().startswith("~"))
    ):
        return f"{found.group('major')}.{found.group('minor')}"
    bounded = _BOUNDED.match(text)
    if bounded is not None:
        major, minor = int(bounded.group("major")), int(bounded.group("minor"))
        upper = (int(bounded.group("major2")), int(bounded.group("minor2")))
        if upper == (major, minor + 1):
            return f"{major}.{minor}"
    return None


def chart_pin(text: str) -> str | None:
    """The Cilium version a wrapper's chart pin names: the version itself (``v`` dropped),
    the one minor a range stays in, else None (``*``, ``^1.16``: the version is unknown).
    check and lint both take the wrapper's version from here."""
    text = str(text).strip()
    if _EXACT_VERSION.match(text):
        return text.lstrip("v")
    return minor_of_range(text)


# -- values a wrapper takes from elsewhere -------------------------------------------------------
@record
class ValuesRef:
    """One ``spec.valuesFrom`` entry of a HelmRelease."""

    kind: str
    name: str
    key: str
    position: Position
    optional: bool = False
    target_path: str | None = None

    def describe(self) -> str:
        return f"{self.kind}/{self.name}"


def values_refs(helm_release: NodeLike) -> tuple[ValuesRef, ...]:
    refs: list[ValuesRef] = []
    values_from = node_at(helm_release, "spec", "valuesFrom")
    if values_from is None or values_from.kind != "seq":
        return ()
    for item in _items(values_from):
        refs.append(
            ValuesRef(
                kind=text_at(item, "kind") or "ConfigMap",
                name=text_at(item, "name") or "?",
                key=text_at(item, "valuesKey") or DEFAULT_VALUES_KEY,
                position=item.position,
                optional=(text_at(item, "optional") or "").lower() == "true",
                target_path=text_at(item, "targetPath"),
            )
        )
    return tuple(refs)


def _items(node: NodeLike) -> Iterator[NodeLike]:
    """The items of a sequence node of either node type."""
    items: Sequence[NodeLike] = getattr(node, "items", ())
    yield from items


def values_entry(document: NodeLike, key: str) -> NodeLike | None:
    """The scalar holding Helm values in a ConfigMap's ``data`` or a Secret's ``stringData``."""
    _, kind = kind_of(document)
    field = "data" if kind == "ConfigMap" else "stringData"
    entry = node_at(document, field, key)
    return entry if entry is not None and entry.kind == "scalar" else None


# -- the wrapper's folder -------------------------------------------------------------------------
@record
class Sibling:
    """A YAML file next to a wrapper, read as text."""

    name: str
    text: str


def siblings(path: str, *, containing: str) -> tuple[Sibling, ...]:
    """YAML files in ``path``'s folder (not ``path`` itself) whose text holds ``containing``."""
    here = Path(path)
    if path == "-" or path.startswith("<") or not here.is_file():
        return ()  # standard input or a text not read from a file: it has no folder
    itself = here.resolve()
    return tuple(
        s
        for s in _folder(str(here.parent))
        if s.text.find(containing) >= 0 and Path(s.name).resolve() != itself
    )


def _folder(folder: str) -> tuple[Sibling, ...]:
    directory = Path(folder)
    try:
        candidates = sorted(
            p for p in directory.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file()
        )
    except OSError:
        return ()
    if len(candidates) > MAX_SIBLING_FILES:
        return ()
    found: list[Sibling] = []
    for candidate in candidates:
        try:
            stat = candidate.stat()
        except OSError:
            continue
        if stat.st_size > _SIBLING_BYTES:
            continue
        sibling = _read_sibling(str(candidate), stat.st_mtime_ns, stat.st_size)
        if sibling is not None:
            found.append(sibling)
    return tuple(found)


@lru_cache(maxsize=256)
def _read_sibling(path: str, mtime_ns: int, size: int) -> Sibling | None:
    """One neighbour's text, cached while the file is unchanged (lint and load both look)."""

    del mtime_ns, size  # part of the cache key only
    try:
        name, text = read_text(path, limit=_SIBLING_BYTES)
    except CiliumdriftError:
        return None  # an unreadable neighbour is not the user's input: skip it
    return Sibling(name, text)


@record
class Generated:
    """A ConfigMap a kustomization's ``configMapGenerator`` builds from a file."""

    kustomization: str
    position: Position  # the generator's ``files`` entry
    file: str  # the file whose content becomes the data key


def generated_file(kustomization_name: str, document: NodeLike, ref: ValuesRef) -> Generated | None:
    """The file a ``configMapGenerator`` (or ``secretGenerator``) turns into ``ref``."""
    field = "configMapGenerator" if ref.kind == "ConfigMap" else "secretGenerator"
    generators = node_at(document, field)
    if generators is None or generators.kind != "seq":
        return None
    for generator in _items(generators):
        if text_at(generator, "name") != ref.name:
            continue
        files = node_at(generator, "files")
        if files is None or files.kind != "seq":
            continue
        for entry in _items(files):
            if entry.kind != "scalar":
                continue
            key, _, source = entry.text.partition("=")
            if not source:
                key, source = Path(entry.text).name, entry.text
            if key.strip() == ref.key:
                target = Path(kustomization_name).parent / source.strip()
                return Generated(kustomization_name, entry.position, str(target))
    return None


def _confine_generated(generated: Generated) -> None:
    base = Path(generated.kustomization).parent
    try:
        relative = str(Path(generated.file).relative_to(base))
    except ValueError:
        relative = generated.file  # absolute: refused by confine
    confine(relative, base, generated.position, what="configMapGenerator file")


def resolve_chart_ref(
    ref: ChartRef, known: Sequence[SourceVersion], wrapper_path: str
) -> tuple[SourceVersion | None, bool]:
    """The source object ``ref`` names: among ``known``, else in the wrapper's folder.

    Returns ``(source, found_in_folder)``.
    """

    for candidate in known:
        if (candidate.kind, candidate.name) == (ref.kind, ref.name):
            return candidate, False
    for sibling in siblings(wrapper_path, containing=ref.kind):
        try:
            documents = load_yaml_documents(sibling.text, sibling.name)
        except CiliumdriftError:
            continue
        for document in documents:
            found = source_version(document.root) if document.root is not None else None
            if found is not None and (found.kind, found.name) == (ref.kind, ref.name):
                return found, True
    return None, False


@record
class FoundValues:
    """Where the values of a ``valuesFrom`` entry are, in the HelmRelease's folder.

    ``entry`` is True when ``file`` holds the ConfigMap itself (take ``ref.key`` from its
    ``data``), False when ``file`` is the plain values file a ``configMapGenerator`` reads.
    """

    file: str
    text: str
    entry: bool
    note: str


def find_values_object(ref: ValuesRef, wrapper_path: str) -> FoundValues | None:
    """A ConfigMap/Secret document, or the generator input, that ``ref`` names."""

    for sibling in siblings(wrapper_path, containing=ref.name):
        try:
            documents = load_yaml_documents(sibling.text, sibling.name)
        except CiliumdriftError:
            continue
        for document in documents:
            root = document.root
            if root is None:
                continue
            if is_values_object(root) and kind_of(root)[1] == ref.kind:
                entry = values_entry(root, ref.key)
                if text_at(root, "metadata", "name") == ref.name and entry is not None:
                    note = f"read from {entry.position} (found next to the HelmRelease)"
                    return FoundValues(sibling.name, sibling.text, True, note)
            generated = generated_file(sibling.name, root, ref)
            if generated is not None:  # kustomize refuses files outside its folder
                _confine_generated(generated)
            if generated is not None and Path(generated.file).is_file():
                try:
                    name, text = read_text(generated.file, field_name="yaml_bytes")
                except CiliumdriftError:
                    continue
                note = f"read from {name} (generated by {generated.position})"
                return FoundValues(name, text, False, note)
    return None


def umbrella_version(values_path: str) -> tuple[str, Position] | None:
    """The cilium dependency version of the umbrella ``Chart.yaml`` next to a values file."""

    if values_path == "-":
        return None
    chart = Path(values_path).parent / "Chart.yaml"
    if not chart.is_file():
        return None
    try:
        name, text = read_text(chart, limit=_SIBLING_BYTES)
        documents = load_yaml_documents(text, name)
    except CiliumdriftError:
        return None
    for document in documents:
        dependencies = node_at(document.root, "dependencies")
        if dependencies is None or dependencies.kind != "seq":
            continue
        for item in _items(dependencies):
            version = node_at(item, "version")
            exact = version is not None and _EXACT_VERSION.match(version.text) is not None
            if text_at(item, "name") == "cilium" and version is not None and exact:
                return version.text.lstrip("v"), version.position
    return None
