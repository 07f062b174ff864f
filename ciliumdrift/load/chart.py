"""The Cilium chart's defaults: bundled per minor release, or read from the user's chart.

Bundled data lives in ``ciliumdrift/data/chart/<minor>/`` and is *generated* by
``tools/refresh_chart_data.py`` from the chart's own ``values.yaml`` (and
``values.schema.json``): ``defaults.json`` holds the values exactly as Helm loads them plus
the ``line:column`` of every key; ``keys.json`` the dotted keys valid in that chart (values,
schema properties, and keys the chart documents only as comments, such as
``loadBalancer.mode``) and the "open maps" whose children are free-form.

``--chart DIR`` or ``--chart chart.tgz`` reads the user's chart instead (its
``values.yaml``, ``values.schema.json`` and ``Chart.yaml`` version).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ciliumdrift.datafiles import data_root
from ciliumdrift.errors import InputError, UnsupportedVersion, YamlError
from ciliumdrift.load.merge import merge_maps
from ciliumdrift.load.model import HelmValues, join_key
from ciliumdrift.load.scalars import helm_key, helm_scalar
from ciliumdrift.load.tree import Node, flatten_origins, from_yaml, to_plain
from ciliumdrift.load.yaml import YamlNode, load_yaml_documents
from ciliumdrift.model import Layer, Origin, Position
from ciliumdrift.records import record
from ciliumdrift.regex import lazy_pattern
from ciliumdrift.textio import decode

_VERSION = lazy_pattern(
    r"^v?(?P<major>\d+)\.(?P<minor>\d+)(?:\.(?P<patch>\d+))?(?P<pre>[-+][0-9A-Za-z.+-]*)?$"
)
_COMMENTED_KEY = lazy_pattern(r"^(?P<indent> *)#(?P<gap> *)(?P<key>[a-z][A-Za-z0-9]*):(?:\s|$)")
_KEY_LINE = lazy_pattern(r"^(?P<indent> *)(?P<key>[^#\s'\"-][^:#]*?|\"[^\"]+\"|'[^']+'):(?:\s|$)")


@record
class ChartData:
    """One chart's defaults (as Nodes) and its key catalogue."""

    version: str
    label: str
    defaults: dict[str, Node]
    known_keys: frozenset[str]
    open_maps: frozenset[str]
    # Keys some patch release of the minor lacks -> the (first, last) patch numbers that have
    # them; ``known_keys`` is the union over the minor's patch releases.
    patch_ranges: Mapping[str, tuple[tuple[int, int], ...]] = field(default_factory=dict)

    def keys_of(self, version: str | None) -> frozenset[str]:
        """The keys the chart of ``version`` reads: its patch release's when the version
        names one, else every key of the minor (a key any of its patch releases has)."""
        patch = _patch_of(version)
        if patch is None or not self.patch_ranges:
            return self.known_keys
        missing = {
            key
            for key, spans in self.patch_ranges.items()
            if not any(first <= patch <= last for first, last in spans)
        }
        return self.known_keys - missing

    def patch_span(self, key: str) -> str | None:
        """``1.19.0-1.19.2`` for a key only some patch releases have; None otherwise."""
        spans = self.patch_ranges.get(key)
        if not spans:
            return None
        minor = _minor_of(self.version)
        return ", ".join(f"{minor}.{a}" if a == b else f"{minor}.{a}-{minor}.{b}" for a, b in spans)


def _patch_of(version: str | None) -> int | None:
    if not version:
        return None
    try:
        return parse_version(version)[2]
    except UnsupportedVersion:
        return None


def _data_dir() -> Path:
    return data_root() / "chart"


# -- versions -----------------------------------------------------------------------
def parse_version(text: str) -> tuple[int, int, int | None, str]:
    """``v1.18.4`` -> (1, 18, 4, ""); raise UnsupportedVersion for anything else."""
    match = _VERSION.match(text.strip())
    if match is None:
        raise UnsupportedVersion(f"{text!r} is not a Cilium version (expected e.g. 1.18.4)")
    patch = match.group("patch")
    return (
        int(match.group("major")),
        int(match.group("minor")),
        int(patch) if patch else None,
        match.group("pre") or "",
    )


@lru_cache(maxsize=1)
def _index() -> dict[str, Any]:
    text = _data_dir().joinpath("index.json").read_text("utf-8")
    index: dict[str, Any] = json.loads(text)
    return index


def available_versions() -> tuple[str, ...]:
    """The chart versions whose defaults are bundled, oldest first."""
    versions = _index()["versions"]
    return tuple(sorted(versions.values(), key=lambda v: parse_version(v)[:3]))


def resolve_version(version: str | None) -> tuple[str, str | None]:
    """The bundled data version for a Cilium version, and a note when they differ."""
    bundled = available_versions()
    newest = bundled[-1]
    if version is None:
        return (
            newest,
            f"no Cilium version given: using the chart defaults of {newest}, the newest bundled",
        )
    major, minor, patch, pre = parse_version(version)
    by_minor = {parse_version(v)[:2]: v for v in bundled}
    found = by_minor.get((major, minor))
    if found is None:
        oldest = parse_version(bundled[0])[:2]
        if (major, minor) < oldest:
            raise UnsupportedVersion(
                f"Cilium {version} is older than the oldest bundled chart data ({bundled[0]}); "
                "pass --chart DIR|TGZ with that chart"
            )
        return newest, (
            f"Cilium {version} is newer than the newest bundled chart data: "
            f"using {newest}'s defaults; "
            "pass --chart DIR|TGZ for exact defaults"
        )
    requested = f"{major}.{minor}.{patch}{pre}" if patch is not None else None
    if requested == found:
        return found, None
    return found, f"chart defaults of {found} stand in for {version} (same minor release)"


# -- parsing a chart's values.yaml ------------------------------------------------------
def parse_chart_values(text: str, name: str, version: str, label: str) -> dict[str, Node]:
    """A chart's values.yaml as Helm loads it (documents merged), with key positions."""

    def origin_for(path: tuple[str, ...], node: YamlNode, key: YamlNode | None) -> Origin:
        where = key.position if key is not None else node.position
        return Origin(
            Layer.CHART_DEFAULT,
            key=join_key(path) if path else None,
            position=Position(label, where.line, where.column),
            version=version,
        )

    merged: dict[str, Node] = {}
    for document in load_yaml_documents(text, name, limit=_MAX_CHART_FILE):
        if document.root is None or document.root.is_null_text:
            continue
        if document.root.kind != "map":
            raise YamlError("a chart's values.yaml must be a mapping", document.root.position)
        tree = from_yaml(document.root, origin_for, helm_scalar, helm_key)
        merged = merge_maps(merged, tree.value)
    return merged


def commented_keys(text: str) -> set[str]:
    """Keys the chart documents only as comments (``# mode: snat`` under ``loadBalancer:``)."""
    stack: list[tuple[int, tuple[str, ...]]] = []
    found: set[str] = set()
    for line in text.splitlines():
        commented = _COMMENTED_KEY.match(line)
        real = None if commented else _KEY_LINE.match(line)
        if commented is not None:
            column = len(commented.group("indent")) + max(len(commented.group("gap")) - 1, 0)
            key = commented.group("key")
        elif real is not None:
            column = len(real.group("indent"))
            key = real.group("key").strip().strip("'\"")
        else:
            continue
        while stack and stack[-1][0] >= column:
            stack.pop()
        path = (*(stack[-1][1] if stack else ()), key)
        stack.append((column, path))
        if commented is not None:
            found.add(join_key(path))
    return found


def _schema_keys(schema: Any, prefix: tuple[str, ...], keys: set[str], open_maps: set[str]) -> None:
    if not isinstance(schema, dict):
        return
    properties = schema.get("properties")
    if isinstance(properties, dict):
        for name, sub in properties.items():
            path = (*prefix, str(name))
            keys.add(join_key(path))
            _schema_keys(sub, path, keys, open_maps)
    elif prefix and _allows_object(schema):
        open_maps.add(join_key(prefix))
    extra = schema.get("additionalProperties")
    if (prefix and (extra is True or isinstance(extra, dict))) or schema.get("patternProperties"):
        open_maps.add(join_key(prefix))
    for combinator in ("anyOf", "oneOf", "allOf"):
        for option in schema.get(combinator, []) or []:
            _schema_keys(option, prefix, keys, open_maps)


def _allows_object(schema: dict[str, Any]) -> bool:
    kind = schema.get("type")
    return kind == "object" or (isinstance(kind, list) and "object" in kind)


def key_catalogue(
    defaults: dict[str, Node], values_text: str, schema: Any | None
) -> tuple[set[str], set[str]]:
    """(known dotted keys, open maps) from the defaults, the comments and the schema."""
    known = {key for key, _ in flatten_origins(defaults)}
    known |= commented_keys(values_text)
    open_maps: set[str] = set()

    def walk(entries: dict[str, Node], prefix: tuple[str, ...]) -> None:
        for name, node in entries.items():
            path = (*prefix, name)
            if isinstance(node.value, dict):
                if not node.value:
                    open_maps.add(join_key(path))
                walk(node.value, path)

    walk(defaults, ())
    if schema is not None:
        _schema_keys(schema, (), known, open_maps)
    return known, open_maps


# -- bundled data ---------------------------------------------------------------------------
def bundle_files(values_text: str, schema_text: str | None, version: str) -> dict[str, str]:
    """The generated data files of one chart version (what refresh_chart_data.py writes)."""
    label = f"cilium-{version}/values.yaml"
    defaults = parse_chart_values(values_text, label, version, label)
    schema = json.loads(schema_text) if schema_text else None
    known, open_maps = key_catalogue(defaults, values_text, schema)
    positions = {
        key: [o.position.line, o.position.column]
        for key, o in flatten_origins(defaults)
        if o.position
    }
    defaults_doc = {
        "chart": "cilium",
        "version": version,
        "generated_from": "values.yaml" + (" + values.schema.json" if schema_text else ""),
        "values": to_plain(Node(defaults, Origin(Layer.CHART_DEFAULT))),
        "positions": positions,
    }
    keys_doc = {"version": version, "known_keys": sorted(known), "open_maps": sorted(open_maps)}
    return {
        "defaults.json": json.dumps(defaults_doc, indent=1, ensure_ascii=False) + "\n",
        "keys.json": json.dumps(keys_doc, indent=1, ensure_ascii=False) + "\n",
    }


def _minor_of(version: str) -> str:
    major, minor, _, _ = parse_version(version)
    return f"{major}.{minor}"


@lru_cache(maxsize=16)
def _bundled(version: str) -> ChartData:
    folder = _data_dir().joinpath(_minor_of(version))
    defaults_doc = json.loads(folder.joinpath("defaults.json").read_text("utf-8"))
    keys_doc = json.loads(folder.joinpath("keys.json").read_text("utf-8"))
    real = defaults_doc["version"]
    label = f"cilium-{real}/values.yaml"
    positions: dict[str, list[int]] = defaults_doc["positions"]

    def build(value: Any, key: str, prefix: str) -> Node:
        # ``key`` is join_key() of the path, extended one level at a time (``prefix`` is
        # ``key + "."`` below the root): the tree has some 1,500 nodes, built at every start.
        at = positions.get(key)
        origin = Origin(
            Layer.CHART_DEFAULT,
            key=key or None,
            position=Position(label, at[0], at[1]) if at else None,
            version=real,
        )
        if isinstance(value, dict):
            children = {}
            for name, child in value.items():
                child_key = prefix + name.replace(".", "\\.")
                children[name] = build(child, child_key, child_key + ".")
            return Node(children, origin)
        if isinstance(value, list):
            return Node([build(v, key, prefix) for v in value], origin)
        return Node(value, origin)

    root = build(defaults_doc["values"], "", "")
    ranges: dict[str, tuple[tuple[int, int], ...]] = {}
    patches = folder.joinpath("patches.json")
    if patches.is_file():
        for key, spans in json.loads(patches.read_text("utf-8"))["keys"].items():
            ranges[key] = tuple(
                (int(a.rsplit(".", 1)[1]), int(b.rsplit(".", 1)[1])) for a, b in spans
            )
    return ChartData(
        real,
        label,
        root.value,
        frozenset(keys_doc["known_keys"]) | frozenset(ranges),
        frozenset(keys_doc["open_maps"]),
        ranges,
    )


def bundled_chart(version: str) -> ChartData:
    """The bundled chart data for a version (a patch release maps to its minor's data)."""
    resolved, _ = resolve_version(version)
    return _bundled(resolved)


def chart_defaults(version: str) -> HelmValues:
    """The chart defaults of a version, each key's origin pointing into its values.yaml."""
    data = bundled_chart(version)
    return HelmValues(
        values=to_plain(Node(data.defaults, Origin(Layer.CHART_DEFAULT))),
        sources=dict(flatten_origins(data.defaults)),
        chart_version=data.version,
    )


def known_keys(version: str) -> frozenset[str]:
    """Dotted keys valid in that chart (values, schema, documented-as-comment keys).

    A patch version (``1.19.0``) gets exactly its patch release's keys; a minor (``1.19``)
    gets every key any patch release of the minor has.
    """
    return bundled_chart(version).keys_of(version)


def open_maps(version: str) -> frozenset[str]:
    """Dotted keys whose children are free-form (default ``{}``, property-less schema objects)."""
    return bundled_chart(version).open_maps


# -- the user's own chart ------------------------------------------------------------------
_MAX_CHART_FILE = 4 * 1024 * 1024


def load_user_chart(path: str) -> ChartData:
    """``--chart DIR`` or ``--chart chart.tgz``: that chart's values, schema and version."""

    source = Path(path)
    where = Position(path, 1, 1)
    files: dict[str, tuple[str, str]] = {}
    if source.is_dir():
        for name in ("Chart.yaml", "values.yaml", "values.schema.json"):
            candidate = source / name
            if candidate.is_file():
                if candidate.stat().st_size > _MAX_CHART_FILE:
                    raise InputError(f"{name} is larger than 4 MiB", Position(str(candidate), 1, 1))
                files[name] = (str(candidate), decode(candidate.read_bytes(), str(candidate)))
    elif source.is_file():
        files = _read_chart_archive(path)
    else:
        raise InputError("--chart: no such chart directory or archive", where)
    if "values.yaml" not in files:
        raise InputError("--chart: the chart has no values.yaml", where)
    version = "unknown"
    if "Chart.yaml" in files:
        chart_name, chart_text = files["Chart.yaml"]
        for document in load_yaml_documents(chart_text, chart_name):
            node = document.root.get("version") if document.root is not None else None
            if node is not None and node.kind == "scalar":
                version = node.text
    values_name, values_text = files["values.yaml"]
    defaults = parse_chart_values(values_text, values_name, version, values_name)
    schema = None
    if "values.schema.json" in files:
        schema_name, schema_text = files["values.schema.json"]
        try:
            schema = json.loads(schema_text)
        except json.JSONDecodeError as error:
            raise InputError(
                f"invalid JSON: {error.msg}", Position(schema_name, error.lineno, error.colno)
            ) from None
    known, open_ = key_catalogue(defaults, values_text, schema)
    return ChartData(version, values_name, defaults, frozenset(known), frozenset(open_))


def _read_chart_archive(path: str) -> dict[str, tuple[str, str]]:
    import tarfile  # only a --chart archive needs it: 3 ms of every start otherwise

    wanted = {"Chart.yaml", "values.yaml", "values.schema.json"}
    files: dict[str, tuple[str, str]] = {}
    try:
        with tarfile.open(path, "r:*") as archive:
            for member in archive:
                parts = member.name.split("/")
                if len(parts) != 2 or parts[1] not in wanted or not member.isfile():
                    continue
                if member.size > _MAX_CHART_FILE:
                    raise InputError(f"{member.name} is larger than 4 MiB", Position(path, 1, 1))
                handle = archive.extractfile(member)
                if handle is None:  # pragma: no cover - isfile() members always have data
                    continue
                label = f"{path}!{member.name}"
                files.setdefault(parts[1], (label, decode(handle.read(_MAX_CHART_FILE + 1), label)))
    except (tarfile.TarError, EOFError, OSError) as error:
        raise InputError(
            f"--chart: not a readable chart archive ({type(error).__name__})", Position(path, 1, 1)
        ) from None
    return files
