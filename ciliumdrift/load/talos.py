"""``load_talos``: the facts a Cilium check needs from Talos machine configs and patches.

Inputs, in the order given (the way ``talosctl gen config --config-patch`` applies them):

* full machine configs (``version: v1alpha1`` plus documents such as ``UserVolumeConfig``);
* strategic merge patches (partial configs, possibly multi-document, ``$patch: delete``);
* RFC 6902 JSON patches (a YAML/JSON list of ``{op, path, value}``);
* Talos 1.12+ network documents and 1.14 ``Kube*Config`` documents;
* talhelper ``talconfig.yaml`` (``talosVersion``, ``clusterPodNets``, ``cniConfig``, global
  and control-plane patches, inline or ``@file``, nodes' interfaces and addresses).

Secrets (the fields of ``data/talos_secrets.yaml``: tokens, keys, certificates, encryption
secrets, inline manifests, SOPS blobs) are replaced by ``<redacted>`` as each document is
read, before any patch or fact sees them; YAML errors never quote the file. So nothing
secret can reach a fact, a diagnostic or an error message.

Defaults come from ``data/talos.yaml``: when a full machine config is loaded, an absent
field takes the Go accessor's default (KubePrism off, hostDNS off); when a talconfig is
loaded, the config is generated, so an absent field takes what ``talosctl gen config``
writes for that Talos version (KubePrism on since 1.6, hostDNS since 1.7,
forwardKubeDNSToHost since 1.8). When only patches or snippets are loaded, nothing says
what the machine config under them holds: a field they do not set is unknown (None), not
a Talos default, so no flannel, kube-proxy or 10.244.0.0/16 the user never wrote.

A document that is plainly not Talos (Helm values: top-level keys such as
``kubeProxyReplacement`` and none of ``machine``, ``cluster``, ``version``) is refused.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ciliumdrift.datafiles import load as load_data
from ciliumdrift.errors import InputError, TalosError
from ciliumdrift.limits import current as current_limits
from ciliumdrift.load.model import TalosFacts, join_key
from ciliumdrift.load.placeholders import PLACEHOLDER, extract_placeholders
from ciliumdrift.load.scalars import talos_scalar
from ciliumdrift.load.talos_patch import PatchMiss, apply_json_patch, is_delete, strategic_merge
from ciliumdrift.load.tree import Node, from_yaml
from ciliumdrift.load.yaml import (
    YamlNode,
    block_scalar_locator,
    load_yaml_documents,
)
from ciliumdrift.model import Diagnostic, Layer, Located, Origin, Position
from ciliumdrift.records import record
from ciliumdrift.regex import lazy_pattern
from ciliumdrift.textio import read_text

REDACTED = "<redacted>"
_DOC_IDENTITY = ("apiVersion", "kind", "name")
# Top-level keys of a v1alpha1 machine config or a patch of one (a Helm values file has none).
_TALOS_TOP_LEVEL = frozenset({"machine", "cluster", "version", "debug", "persist", "$patch"})
_INSTALLER_TAG = lazy_pattern(r"^v?(\d+)\.(\d+)(\.\d+)?(-[0-9A-Za-z.]+)?$")


# -- data -------------------------------------------------------------------------------------
def _data(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = load_data(name)  # compiled.json: no YAML parse at start-up
    return loaded


@record
class _Secrets:
    paths: tuple[tuple[str, ...], ...]
    key_names: frozenset[str]
    document_kinds: frozenset[str]
    document_fields: dict[str, tuple[str, ...]]
    patterns: tuple[re.Pattern[str], ...]


@lru_cache(maxsize=1)
def _secrets() -> _Secrets:
    data = _data("talos_secrets.yaml")
    return _Secrets(
        paths=tuple(tuple(p.split(".")) for p in data["paths"]),
        key_names=frozenset(k.lower() for k in data["key_names"]),
        document_kinds=frozenset(data["document_kinds"]),
        document_fields={k: tuple(v) for k, v in data["document_fields"].items()},
        patterns=tuple(re.compile(p) for p in data["value_patterns"]),
    )


# -- redaction ----------------------------------------------------------------------------------
def _redact_all(node: Node) -> Node:
    if isinstance(node.value, dict):
        return Node({k: _redact_all(v) for k, v in node.value.items()}, node.origin)
    if isinstance(node.value, list):
        return Node([_redact_all(v) for v in node.value], node.origin)
    if node.value is None or isinstance(node.value, bool):
        return Node(node.value, node.origin)
    return Node(REDACTED, node.origin, REDACTED)


def redact(node: Node, path: tuple[str, ...] = (), kind: str | None = None) -> Node:
    """A copy of a Talos document with every secret value replaced by ``<redacted>``."""
    secrets = _secrets()
    if (
        kind is not None
        and kind in secrets.document_kinds
        and path
        and path[0] not in _DOC_IDENTITY
    ):
        return _redact_all(node)
    if path and path[-1].lower() in secrets.key_names:
        return _redact_all(node)
    if kind is None and any(_matches(pattern, path) for pattern in secrets.paths):
        return _redact_all(node)
    if kind is not None and len(path) == 1 and path[0] in secrets.document_fields.get(kind, ()):
        return _redact_all(node)
    if isinstance(node.value, dict):
        return Node({k: redact(v, (*path, k), kind) for k, v in node.value.items()}, node.origin)
    if isinstance(node.value, list):
        return Node([redact(v, (*path, "*"), kind) for v in node.value], node.origin)
    if isinstance(node.value, str) and any(p.search(node.value) for p in secrets.patterns):
        return Node(REDACTED, node.origin, REDACTED)
    return node


def _matches(pattern: tuple[str, ...], path: tuple[str, ...]) -> bool:
    return len(pattern) == len(path) and all(
        p in ("*", q) for p, q in zip(pattern, path, strict=True)
    )


# -- reading documents ----------------------------------------------------------------------------
def _node_from(root: YamlNode, name: str) -> Node:
    def origin_for(path: tuple[str, ...], node: YamlNode, key: YamlNode | None) -> Origin:
        block = node.kind != "scalar" and not node.flow and key is not None
        where = key.position if block and key is not None else node.position
        return Origin(Layer.TALOS, key=join_key(path) if path else None, position=where)

    def key_of(node: YamlNode) -> str:
        if node.kind != "scalar":
            raise TalosError("a mapping key must be a scalar", node.position)
        return node.text

    return from_yaml(root, origin_for, talos_scalar, key_of)


@record(frozen=False)
class _State:
    v1alpha1: Node | None = None
    documents: list[tuple[str, str | None, Node]] = field(default_factory=list)
    full: bool = False
    version: Located[str] | None = None
    files: list[str] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    placeholders: dict[str, Origin] = field(default_factory=dict)
    interfaces: list[Located[str]] = field(default_factory=list)
    addresses: list[Located[str]] = field(default_factory=list)
    installer: Located[str] | None = None
    cluster_name: Located[str] | None = None
    endpoint: Located[str] | None = None
    talconfig: str | None = None
    missing_patches: int = 0


#: The ``detail`` of a default that a talconfig makes certain: talhelper generated the
#: config from it and every patch it names was read, so nothing else can set the field.
TALHELPER_DEFAULT = "talhelper default"


def _text(node: Node | None) -> str | None:
    if node is None or node.value is None or isinstance(node.value, (dict, list)):
        return None
    return node.text if node.text is not None else str(node.value)


def _get(node: Node | None, *path: str) -> Node | None:
    for part in path:
        if node is None or not isinstance(node.value, dict):
            return None
        node = node.value.get(part)
    return node


# Under ``cluster:``, each line is blank or a comment, or else indented text: the two kinds
# never match the same line, so a long run of comments costs linear time, not exponential.
_TALOS_SIGNATURE = lazy_pattern(
    r"^(?:machine:|version:\s*['\"]?v1alpha1\b|apiVersion:\s*['\"]?v1alpha1\b|"
    r"talosVersion:|clusterPodNets:|"
    r"cluster:[^\n]*\n(?:[ \t]*(?:#[^\n]*)?\n|[ \t]+[^#\n \t][^\n]*\n)*?[ \t]+"
    r"(?:network|proxy|apiServer|controllerManager|controlPlane|inlineManifests|"
    r"extraManifests|etcd|discovery|scheduler|allowSchedulingOnControlPlanes):)",
    re.M,
)


def looks_like_talos(text: str) -> bool:
    """A Talos config, patch or talconfig, not Helm values: a top-level ``machine:``,
    ``version: v1alpha1``, a ``v1alpha1`` Talos document, ``talosVersion:`` (talhelper), or a
    ``cluster:`` with Talos children (``network``, ``proxy``...).

    The Cilium chart has no top-level ``machine`` or ``version`` key, and its ``cluster`` has
    only ``name`` and ``id``, so these mean a machine config or a patch of one was given
    where Helm values were expected.
    """
    return _TALOS_SIGNATURE.search(text) is not None


def load_talos(files: Sequence[str]) -> TalosFacts:
    """Load configs, patches and talconfig files in order; extract the Cilium-relevant facts."""

    state = _State()
    for path in files:
        name, text = read_text(path, field_name="talos_bytes")
        state.files.append(name)
        _load_file(state, _with_talenv(state, text, name), name)
    return _facts(state)


_TALENV_FILES = ("talenv.yaml", "talenv.yml")
_ENV_REFERENCE = lazy_pattern(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")


def _with_talenv(state: _State, text: str, name: str) -> str:
    """A talconfig with ``${var}`` taken from the ``talenv.yaml`` beside it, as talhelper does.

    talhelper substitutes environment variables, and the variables of ``talenv.yaml``
    (``talenv.sops.yaml`` is encrypted: not read), into ``talconfig.yaml`` before parsing
    it; ``talosVersion: ${talosVersion}`` is the common case. Variables it does not define
    stay as they are (and are reported as placeholders).
    """
    if name == "-" or "talosVersion" not in text or "$" not in text:
        return text
    env_file = next(
        (Path(name).parent / f for f in _TALENV_FILES if (Path(name).parent / f).is_file()), None
    )
    if env_file is None:
        return text

    try:
        env_name, env_text = read_text(env_file, field_name="talos_bytes")
        documents = load_yaml_documents(env_text, env_name)
    except InputError as error:
        state.diagnostics.append(Diagnostic(f"talenv not read: {error.message}", error.position))
        return text
    env: dict[str, str] = {}
    for document in documents:
        if document.root is not None and document.root.kind == "map":
            for key, value in document.root.entries:
                if key.kind == "scalar" and value.kind == "scalar":
                    env[key.text] = value.text
    used: list[str] = []

    def substitute(match: re.Match[str]) -> str:
        variable = match.group(1) or match.group(2)
        if variable not in env or "\n" in env[variable]:
            return match.group(0)
        used.append(variable)
        return env[variable]

    rendered = _ENV_REFERENCE.sub(substitute, text)
    if used:
        names = ", ".join(dict.fromkeys(used))
        state.diagnostics.append(
            Diagnostic(
                f"{names} substituted from {env_name} (as talhelper does)",
                Position(name, 1, 1),
                "talos-talenv",
            )
        )
    return rendered


def _load_file(state: _State, text: str, name: str, *, talhelper: bool = False) -> None:
    documents = [
        d
        for d in load_yaml_documents(text, name, limit=current_limits().talos_bytes)
        if d.root is not None and not d.root.is_null_text
    ]
    for document in documents:
        assert document.root is not None
        root = document.root
        if root.kind == "seq":
            _apply_json_patch(state, _node_from(root, name), name, document.position)
            continue
        if root.kind != "map":
            raise TalosError(
                "not a Talos machine config, patch or talconfig (a scalar document)", root.position
            )
        keys = {k.text for k, _ in root.entries if k.kind == "scalar"}
        if keys & {"nodes", "talosVersion", "clusterPodNets", "cniConfig"} and not keys & {
            "machine",
            "cluster",
        }:
            _load_talconfig(state, root, text, name)
            continue
        node = _node_from(root, name)
        kind = _text(_get(node, "kind"))
        api = _text(_get(node, "apiVersion"))
        if kind is not None and api == "v1alpha1" and not keys & {"machine", "cluster"}:
            _apply_document(state, redact(node, (), kind), kind, name, talhelper)
            continue
        if (kind is not None or api is not None) and not keys & {"machine", "cluster"}:
            raise TalosError(
                f"a Kubernetes {kind or 'object'} ({api}) is not a Talos machine config or patch",
                document.position,
            )
        if not keys & _TALOS_TOP_LEVEL:
            shown = ", ".join(sorted(keys)[:3]) + (", ..." if len(keys) > 3 else "")
            raise TalosError(
                f"not a Talos machine config or patch (top-level keys {shown}; Talos has "
                "machine, cluster, version): Helm values? pass them with -f",
                document.position,
            )
        node = redact(node)
        state.placeholders.update(extract_placeholders(node.value))
        if _text(_get(node, "version")) == "v1alpha1" and "machine" in keys:
            if state.full:
                state.diagnostics.append(
                    Diagnostic(
                        "a second full machine config: merged as a patch",
                        document.position,
                        "talos-second-config",
                    )
                )
            state.full = True
        state.v1alpha1 = (
            node if state.v1alpha1 is None else strategic_merge(state.v1alpha1, node, ())
        )


def _apply_document(state: _State, node: Node, kind: str, name: str, talhelper: bool) -> None:
    doc_name = _text(_get(node, "name"))
    state.placeholders.update(extract_placeholders(node.value))
    index = next(
        (i for i, (k, n, _) in enumerate(state.documents) if k == kind and n == doc_name), None
    )
    if is_delete(node):
        if index is not None:
            del state.documents[index]
        elif kind in ("KubePrismConfig", "KubeProxyConfig", "KubeFlannelCNIConfig"):
            # deleting a generated default document: remember that it is gone
            state.documents.append(
                (kind, doc_name, Node({"$deleted": Node(True, node.origin)}, node.origin))
            )
        return
    if index is None:
        state.documents.append((kind, doc_name, node))
    else:
        state.documents[index] = (
            kind,
            doc_name,
            strategic_merge(state.documents[index][2], node, (kind,)),
        )


def _apply_json_patch(state: _State, operations: Node, name: str, where: Position) -> None:
    assert isinstance(operations.value, list)
    operations = Node([redact_json_op(op) for op in operations.value], operations.origin)
    base = state.v1alpha1 or Node({}, Origin(Layer.TALOS, position=where))
    try:
        state.v1alpha1 = apply_json_patch(base, operations.value, name)
    except PatchMiss as miss:
        if state.full:
            raise TalosError(
                f"JSON patch: path element {str(miss)!r} does not exist in the config", where
            ) from None
        state.diagnostics.append(
            Diagnostic(
                "JSON patch not applied: its path is not in the patches loaded so far "
                "(the generated base config is not known)",
                where,
                code="talos-json-patch-skipped",
            )
        )


def redact_json_op(op: Node) -> Node:
    """A JSON patch operation whose value is redacted as if it sat at its path."""
    path = _text(_get(op, "path")) or ""
    value = _get(op, "value")
    if value is None or not isinstance(op.value, dict):
        return op
    parts = tuple(p for p in path.strip("/").split("/") if p)
    parts = tuple("*" if p.isdigit() or p == "-" else p for p in parts)
    redacted = redact(Node({parts[-1]: value}, op.origin), parts[:-1])
    out = dict(op.value)
    out["value"] = redacted.value[parts[-1]] if parts else redact(value)
    return Node(out, op.origin)


# -- talhelper -------------------------------------------------------------------------------------
def _load_talconfig(state: _State, root: YamlNode, text: str, name: str) -> None:
    state.talconfig = name
    config = redact(_node_from(root, name))
    state.placeholders.update(extract_placeholders(config.value))
    version = _get(config, "talosVersion")
    if _text(version):
        assert version is not None
        state.version = Located(str(_text(version)).lstrip("v"), version.origin)
    for key, target in (("clusterName", "cluster_name"), ("endpoint", "endpoint")):
        node = _get(config, key)
        if _text(node):
            assert node is not None
            setattr(state, target, Located(str(_text(node)), node.origin))
    cluster: dict[str, Node] = {}
    network: dict[str, Node] = {}
    for key, target in (("clusterPodNets", "podSubnets"), ("clusterSvcNets", "serviceSubnets")):
        node = _get(config, key)
        if node is not None and isinstance(node.value, list):
            network[target] = node
    cni = _get(config, "cniConfig")
    if cni is not None and isinstance(cni.value, dict):
        network["cni"] = cni
    if network:
        cluster["network"] = Node(network, config.origin)
    generated = Node({"cluster": Node(cluster, config.origin)}, config.origin)
    state.v1alpha1 = (
        generated if state.v1alpha1 is None else strategic_merge(state.v1alpha1, generated, ())
    )
    entries = {k: v for k, v in root.entries if k.kind == "scalar"} if root.kind == "map" else {}
    raw_entries = {k.text: v for k, v in entries.items()}
    _talhelper_patches(state, raw_entries.get("patches"), text, name)
    control = raw_entries.get("controlPlane")
    if control is not None and control.kind == "map":
        control_entries = {k.text: v for k, v in control.entries if k.kind == "scalar"}
        _talhelper_patches(state, control_entries.get("patches"), text, name)
        inline = control_entries.get("inlinePatch")
        if inline is not None and inline.kind == "map":
            _load_patch_node(state, inline, name)
    worker = raw_entries.get("worker")
    if worker is not None and worker.kind == "map":
        state.diagnostics.append(
            Diagnostic(
                "talconfig worker patches are not applied (facts follow the control plane)",
                worker.position,
            )
        )
    nodes = _get(config, "nodes")
    if nodes is not None and isinstance(nodes.value, list):
        for item in nodes.value:
            _talhelper_node(state, item)


def _talhelper_node(state: _State, item: Node) -> None:
    address = _get(item, "ipAddress")
    if _text(address):
        assert address is not None
        for part in str(_text(address)).split(","):
            state.addresses.append(Located(part.strip(), address.origin))
    image = _get(item, "talosImageURL")
    if _text(image) and state.installer is None and state.version is not None:
        assert image is not None
        state.installer = Located(f"{_text(image)}:v{state.version.value}", image.origin)
    interfaces = _get(item, "networkInterfaces")
    if interfaces is not None and isinstance(interfaces.value, list):
        _collect_interfaces(state, interfaces)


def _talhelper_patches(state: _State, patches: YamlNode | None, text: str, name: str) -> None:
    if patches is None or patches.kind != "seq":
        return
    for item in patches.items:
        if item.kind == "scalar" and item.text.startswith("@"):
            target = Path(name).parent / item.text[1:]
            if not target.is_file():
                state.missing_patches += 1
                state.diagnostics.append(
                    Diagnostic(
                        f"patch file {item.text[1:]!r} not found: pass it with --talos",
                        item.position,
                    )
                )
                continue

            patch_name, patch_text = read_text(target, field_name="talos_bytes")
            _load_file(state, patch_text.replace("$$patch", "$patch"), patch_name, talhelper=True)
        elif item.kind == "scalar":
            locate = block_scalar_locator(text, item, name)
            inner = item.text.replace("$$patch", "$patch")
            talos_limit = current_limits().talos_bytes
            for document in load_yaml_documents(inner, name, locate=locate, limit=talos_limit):
                if document.root is None or document.root.is_null_text:
                    continue
                if document.root.kind == "seq":
                    _apply_json_patch(
                        state, _node_from(document.root, name), name, document.position
                    )
                else:
                    _load_patch_node(state, document.root, name)
        elif item.kind == "map":
            _load_patch_node(state, item, name)


def _load_patch_node(state: _State, root: YamlNode, name: str) -> None:
    node = _node_from(root, name)
    kind = _text(_get(node, "kind"))
    if kind is not None and _get(node, "machine") is None and _get(node, "cluster") is None:
        _apply_document(state, redact(node, (), kind), kind, name, True)
        return
    node = redact(node)
    state.placeholders.update(extract_placeholders(node.value))
    state.v1alpha1 = node if state.v1alpha1 is None else strategic_merge(state.v1alpha1, node, ())


# -- facts -----------------------------------------------------------------------------------------
def _document(state: _State, kind: str) -> Node | None:
    for k, _, node in state.documents:
        if k == kind:
            return node
    return None


def _default(field_name: str, version: tuple[int, int] | None, full: bool) -> tuple[Any, str]:
    """The value of an unset field: accessor default (full config) or gen config's."""
    data = _data("talos.yaml")
    absent = data["absent"][field_name]
    if full:
        return absent["value"], f"Talos default when unset ({absent['source']})"
    for row in data["generated"]:
        if row["field"] != field_name:
            continue
        since = tuple(int(x) for x in str(row["since"]).split("."))
        if version is None:
            return row[
                "value"
            ], f"written by talosctl gen config since Talos {row['since']} (version unknown)"
        if version >= since:
            return row[
                "value"
            ], f"written by talosctl gen config for Talos >= {row['since']} ({row['source']})"
        return absent[
            "value"
        ], f"not written by gen config before Talos {row['since']}: Talos default when unset"
    return absent["value"], f"Talos default when unset ({absent['source']})"


def _patches_only(state: _State) -> bool:
    """Only patches or snippets: no machine config or talconfig says what lies under them."""
    return not state.full and state.talconfig is None


def _defaulted(
    state: _State, field_name: str, version: tuple[int, int] | None, key: str
) -> Located[Any] | None:
    """The default of an unset field, or None when only patches were loaded (unknown)."""
    if _patches_only(state):
        return None
    value, why = _default(field_name, version, state.full)
    why = _certain(state, why)
    return Located(value, Origin(Layer.TALOS, key=key, detail=why))


def _certain(state: _State, why: str) -> str:
    """Mark a default as certain when a complete talconfig generated the config."""
    if state.talconfig is None or state.missing_patches or state.full:
        return why
    return f"{TALHELPER_DEFAULT} ({state.talconfig} and every patch it names set nothing): {why}"


def _located(node: Node | None, convert: Any = None) -> Located[Any] | None:
    if node is None or node.value is None:
        return None
    value = node.value if convert is None else convert(node)
    return Located(value, node.origin)


def _bool(node: Node) -> bool:
    value = node.value
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "1")
    return bool(value)


def _int(node: Node) -> int:
    try:
        return int(node.value)
    except (TypeError, ValueError):
        raise TalosError("expected a port number", node.origin.position) from None


def _strings(node: Node) -> tuple[str, ...]:
    if isinstance(node.value, list):
        return tuple(str(_text(item)) for item in node.value if _text(item) is not None)
    if isinstance(node.value, str):
        return (node.value,)
    raise TalosError("expected a list of subnets", node.origin.position)


def parse_talos_version(image: str) -> str | None:
    """``factory.talos.dev/installer/<id>:v1.12.4@sha256:...`` -> ``1.12.4``."""
    reference = image.split("@", 1)[0]
    last = reference.rsplit("/", 1)[-1]
    if ":" not in last:
        return None
    match = _INSTALLER_TAG.match(last.rsplit(":", 1)[1])
    if match is None:
        return None
    return last.rsplit(":", 1)[1].lstrip("v")


def _kernel(version: str) -> tuple[str, str] | None:
    match = _INSTALLER_TAG.match(version)
    if match is None:
        return None
    minor = f"{match.group(1)}.{match.group(2)}"
    exact = f"{minor}{match.group(3) or ''}"
    for row in _data("talos.yaml")["releases"]:
        if str(row["talos"]) == minor:
            patched = (row.get("patches") or {}).get(exact)
            kernel = patched or row["kernel"]
            return str(
                kernel
            ), f"kernel of Talos {exact if patched else minor} (data/talos.yaml: {row['source']})"
    return None


def _collect_interfaces(state: _State, interfaces: Node) -> None:
    assert isinstance(interfaces.value, list)
    for item in interfaces.value:
        name = _get(item, "interface")
        selector = _get(item, "deviceSelector")
        if _text(name):
            assert name is not None
            state.interfaces.append(Located(str(_text(name)), name.origin))
            vlans = _get(item, "vlans")
            if vlans is not None and isinstance(vlans.value, list):
                for vlan in vlans.value:
                    vid = _get(vlan, "vlanId")
                    if _text(vid):
                        assert vid is not None
                        state.interfaces.append(Located(f"{_text(name)}.{_text(vid)}", vid.origin))
        elif selector is not None and isinstance(selector.value, dict):
            described = ",".join(
                f"{k}={_text(v)}" for k, v in selector.value.items() if _text(v) is not None
            )
            state.interfaces.append(Located(f"deviceSelector({described})", selector.origin))
        addresses = _get(item, "addresses")
        if addresses is not None and isinstance(addresses.value, list):
            for address in addresses.value:
                if _text(address):
                    state.addresses.append(Located(str(_text(address)), address.origin))


_LINK_KINDS = (
    "LinkConfig",
    "LinkAliasConfig",
    "BondConfig",
    "BridgeConfig",
    "VLANConfig",
    "DummyLinkConfig",
    "WireguardConfig",
)


def _facts(state: _State) -> TalosFacts:
    config = state.v1alpha1
    machine = _get(config, "machine")
    cluster = _get(config, "cluster")
    diagnostics = list(state.diagnostics)

    image_node = _get(machine, "install", "image") or _get(
        _document(state, "UnattendedInstallConfig"), "image"
    )
    version = state.version
    installer = image_node if _text(image_node) else None
    if installer is not None:
        parsed = parse_talos_version(str(_text(installer)))
        if parsed is not None:
            version = Located(parsed, installer.origin)
        elif version is None:
            diagnostics.append(
                Diagnostic("installer image has no version tag", installer.origin.position)
            )
    elif state.installer is not None and version is not None:
        pass
    kernel: Located[str] | None = None
    minor: tuple[int, int] | None = None
    if version is not None:
        match = _INSTALLER_TAG.match(version.value)
        if match is not None:
            minor = (int(match.group(1)), int(match.group(2)))
            found = _kernel(version.value)
            if found is not None:
                kernel = Located(found[0], Origin(Layer.KERNEL, key="kernel", detail=found[1]))
            else:
                diagnostics.append(
                    Diagnostic(
                        f"no kernel known for Talos {version.value}", version.origin.position
                    )
                )

    network = _get(cluster, "network")
    kube_network = _document(state, "KubeNetworkConfig")
    cni_node = _get(network, "cni", "name")
    cni = _located(cni_node, lambda n: str(_text(n)))
    if cni is None:
        flannel = _document(state, "KubeFlannelCNIConfig")
        if flannel is not None:
            cni = Located("none" if _get(flannel, "$deleted") else "flannel", flannel.origin)
        else:
            cni = _defaulted(state, "cni", minor, "cluster.network.cni.name")

    proxy_doc = _document(state, "KubeProxyConfig")
    proxy_disabled: Located[bool] | None
    if proxy_doc is not None:
        enabled = _get(proxy_doc, "enabled")
        if _get(proxy_doc, "$deleted") is not None:
            proxy_disabled = Located(True, proxy_doc.origin)
        elif enabled is not None and enabled.value is not None:
            proxy_disabled = Located(not _bool(enabled), enabled.origin)
        else:
            proxy_disabled = Located(False, proxy_doc.origin)
    else:
        proxy_disabled = _located(_get(cluster, "proxy", "disabled"), _bool) or _defaulted(
            state, "proxyDisabled", minor, "cluster.proxy.disabled"
        )

    subnets: dict[str, Located[tuple[str, ...]]] = {}
    for key in ("podSubnets", "serviceSubnets"):
        legacy = _located(_get(network, key), _strings)
        modern = _located(_get(kube_network, key), _strings)
        if legacy is not None and modern is not None and legacy.value != modern.value:
            diagnostics.append(
                Diagnostic(
                    f"KubeNetworkConfig.{key} {list(modern.value)} differs from "
                    f"cluster.network.{key} "
                    f"{list(legacy.value)}: using KubeNetworkConfig",
                    modern.origin.position,
                    code="talos-subnets-conflict",
                )
            )
        chosen = modern or legacy
        if chosen is None and _patches_only(state):
            continue  # a patch that does not set the subnets says nothing about them
        if chosen is None:
            value, why = _default(key, minor, True)
            why = _certain(state, why)
            chosen = Located(
                tuple(value), Origin(Layer.TALOS, key=f"cluster.network.{key}", detail=why)
            )
        subnets[key] = chosen

    prism_doc = _document(state, "KubePrismConfig")
    prism = _get(machine, "features", "kubePrism")
    prism_enabled: Located[bool] | None
    prism_port: Located[int] | None
    if prism_doc is not None and _get(prism_doc, "$deleted") is None:
        prism_enabled = Located(True, prism_doc.origin)
        port_node = _get(prism_doc, "port")
        prism_port = _located(port_node, _int) or _defaulted(
            state, "kubePrismPort", minor, "KubePrismConfig.port"
        )
    elif prism_doc is not None:
        prism_enabled = Located(False, prism_doc.origin)
        prism_port = _defaulted(state, "kubePrismPort", minor, "KubePrismConfig.port")
    else:
        prism_enabled = _located(_get(prism, "enabled"), _bool) or _defaulted(
            state, "kubePrismEnabled", minor, "machine.features.kubePrism.enabled"
        )
        port_node = _get(prism, "port")
        prism_port = (
            _located(port_node, _int) if port_node is not None and _int(port_node) != 0 else None
        ) or _defaulted(state, "kubePrismPort", minor, "machine.features.kubePrism.port")

    resolver = _get(_document(state, "ResolverConfig"), "hostDNS")
    host_dns = _get(machine, "features", "hostDNS")
    host_dns_enabled = (
        _located(_get(resolver, "enabled"), _bool)
        or _located(_get(host_dns, "enabled"), _bool)
        or _defaulted(state, "hostDNSEnabled", minor, "machine.features.hostDNS.enabled")
    )
    forward = (
        _located(_get(resolver, "forwardKubeDNSToHost"), _bool)
        or _located(_get(host_dns, "forwardKubeDNSToHost"), _bool)
        or _defaulted(
            state, "forwardKubeDNSToHost", minor, "machine.features.hostDNS.forwardKubeDNSToHost"
        )
    )

    interfaces = _get(machine, "network", "interfaces")
    if interfaces is not None and isinstance(interfaces.value, list):
        _collect_interfaces(state, interfaces)
    link_kinds: list[Located[tuple[str, str]]] = []
    if interfaces is not None and isinstance(interfaces.value, list):
        link_kinds.extend(_legacy_link_kinds(interfaces))
    for kind, name, node in state.documents:
        if kind in _LINK_KINDS and name:
            state.interfaces.append(Located(name, node.origin))
            link_kinds.append(Located((name, kind), node.origin))
            for address in _list(_get(node, "addresses")):
                text = _text(_get(address, "address")) or _text(address)
                if text:
                    state.addresses.append(Located(text, address.origin))
    kubespan_doc = _document(state, "KubeSpanConfig")
    kubespan = (
        _located(_get(kubespan_doc, "enabled"), _bool)
        if kubespan_doc is not None
        else _located(_get(machine, "network", "kubespan", "enabled"), _bool)
    )

    modules: list[Located[str]] = []
    for module in _list(_get(machine, "kernel", "modules")):
        name_node = _get(module, "name")
        if _text(name_node):
            assert name_node is not None
            modules.append(Located(str(_text(name_node)), name_node.origin))
    for kind, name, node in state.documents:
        if kind == "KernelModuleConfig" and name:
            modules.append(Located(name, node.origin))

    sysctls: dict[str, Located[str]] = {}
    for source in (
        _get(machine, "sysctls"),
        *(_get(n, "sysctls") for k, _, n in state.documents if k == "SysctlConfig"),
    ):
        if source is not None and isinstance(source.value, dict):
            for key, node in source.value.items():
                if _text(node) is not None:
                    sysctls[key] = Located(str(_text(node)), node.origin)

    name_node = _get(cluster, "clusterName")
    endpoint_node = _get(cluster, "controlPlane", "endpoint")
    placeholders = dict(state.placeholders)
    for key, origin in placeholders.items():
        diagnostics.append(
            Diagnostic(
                f"{key}: unrendered template; the value is not used",
                origin.position,
                "talos-placeholder",
            )
        )
    return TalosFacts(
        files=tuple(state.files),
        version=version,
        kernel=kernel,
        machine_type=_located(_get(machine, "type"), lambda n: str(_text(n))),
        cluster_name=_located(name_node, lambda n: str(_text(n))) or state.cluster_name,
        control_plane_endpoint=_located(endpoint_node, lambda n: str(_text(n))) or state.endpoint,
        cni=cni,
        kube_proxy_disabled=proxy_disabled,
        pod_subnets=subnets.get("podSubnets"),
        service_subnets=subnets.get("serviceSubnets"),
        kubeprism_enabled=prism_enabled,
        kubeprism_port=prism_port,
        host_dns_enabled=host_dns_enabled,
        forward_kube_dns_to_host=forward,
        interfaces=tuple(_unique(state.interfaces)),
        node_addresses=tuple(_unique(state.addresses)),
        kernel_modules=tuple(_unique(modules)),
        sysctls=sysctls,
        placeholders=placeholders,
        diagnostics=tuple(diagnostics),
        kubespan_enabled=kubespan,
        link_kinds=tuple(link_kinds),
    )


def _legacy_link_kinds(interfaces: Node) -> list[Located[tuple[str, str]]]:
    """Bonds, bridges, WireGuard links and VLANs of ``machine.network.interfaces``."""
    out: list[Located[tuple[str, str]]] = []
    assert isinstance(interfaces.value, list)
    for item in interfaces.value:
        name = _get(item, "interface")
        if not _text(name):
            continue
        assert name is not None
        for key, kind in (
            ("bond", "BondConfig"),
            ("bridge", "BridgeConfig"),
            ("wireguard", "WireguardConfig"),
        ):
            if _get(item, key) is not None:
                out.append(Located((str(_text(name)), kind), name.origin))
        for vlan in _list(_get(item, "vlans")):
            vid = _get(vlan, "vlanId")
            if _text(vid) and vid is not None:
                out.append(Located((f"{_text(name)}.{_text(vid)}", "VLANConfig"), vid.origin))
    return out


def _list(node: Node | None) -> list[Node]:
    return node.value if node is not None and isinstance(node.value, list) else []


def _unique(items: list[Located[str]]) -> list[Located[str]]:
    seen: set[str] = set()
    out: list[Located[str]] = []
    for item in items:
        if item.value not in seen and not PLACEHOLDER.search(item.value):
            seen.add(item.value)
            out.append(item)
    return out
