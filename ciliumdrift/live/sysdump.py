"""Read the same facts as ``live`` from a cilium sysdump archive (what users attach to bugs).

``cilium sysdump`` (cilium/cilium-cli@v0.16.0:sysdump/constants.go) writes one folder, zipped, with
files named ``<kind>-<timestamp>.<ext>``. This reads:

* ``k8s-nodes-*.yaml``: kernels, OS images (Talos version), pod CIDRs, labels;
* ``k8s-pods-*.yaml``: the agent pods (``k8s-app=cilium``) and their nodes and start times;
* ``cilium-configmap-*.yaml`` and ``ciliumnodeconfigs-*.yaml``: the deployed layer;
* ``cilium-helm-values-*.yaml`` / ``cilium-helm-metadata-*.yaml``: the Helm release;
* per agent, its status: ``cilium-bugtool-<pod>-<ts>.tar.gz`` members ``cmd/cilium*-status*``
  (bugtool's file names: the command with spaces as dashes), or loose files
  ``cilium*-status*<pod>*`` beside them. The JSON form wins over ``--verbose`` over brief.

Every read is bounded (member count, member size, total bytes, nested tarball size), so a
hostile archive fails with one clear :class:`CollectionError` instead of filling memory.
"""

from __future__ import annotations

import io
import re
import tarfile
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ciliumdrift.errors import CiliumdriftError, CollectionError
from ciliumdrift.live.collect import (
    agent_pod,
    configmap_changed_at,
    node_config,
    node_facts,
    observation,
)
from ciliumdrift.live.model import (
    AgentPod,
    AgentResult,
    Deployed,
    HelmRelease,
    LiveResult,
    NodeConfigOverride,
    NodeFacts,
)
from ciliumdrift.model import Diagnostic

MAX_MEMBERS = 200_000
MAX_MEMBER_BYTES = 64 * 1024 * 1024
MAX_TOTAL_BYTES = 1024 * 1024 * 1024
AGENT_LABEL = ("k8s-app", "cilium")

_BUGTOOL = re.compile(r"^cilium-bugtool-(?P<pod>.+?)-(?P<ts>\d{8}-\d{6})\.tar(?:\.gz)?$")
_STATUS_FILE = re.compile(r"^cilium(?:-dbg)?-status(?P<args>[-\w]*?)(?:\.(?:md|txt|json|log))?$")
_LOOSE_STATUS = re.compile(r"^cilium(?:-dbg)?-status-(?P<rest>.+)\.(?:md|txt|json|log)$")


@dataclass
class _Budget:
    remaining: int = MAX_TOTAL_BYTES

    def take(self, size: int, name: str) -> None:
        if size > MAX_MEMBER_BYTES:
            raise CollectionError(f"{name}: member larger than 64 MiB")
        self.remaining -= size
        if self.remaining < 0:
            raise CollectionError(f"{name}: the archive unpacks to more than 1 GiB")


@dataclass
class _Found:
    nodes: list[NodeFacts] = field(default_factory=list)
    pods: list[AgentPod] = field(default_factory=list)
    configmap: Mapping[str, Any] | None = None
    node_configs: list[NodeConfigOverride] = field(default_factory=list)
    helm_values: Mapping[str, Any] | None = None
    helm_metadata: Mapping[str, Any] | None = None
    statuses: dict[str, list[tuple[int, str, str]]] = field(
        default_factory=dict
    )  # pod -> (rank, name, text)
    diagnostics: list[Diagnostic] = field(default_factory=list)


def read_sysdump(path: str | Path, *, parse: Any = None) -> LiveResult:
    """The observations and layers a sysdump archive holds."""
    from ciliumdrift.live.collect import default_parser

    archive_name = str(path)
    try:
        handle = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise CollectionError(f"{archive_name}:1:1: no such file") from None
    except IsADirectoryError:
        raise CollectionError(f"{archive_name}:1:1: is a directory, not a sysdump zip") from None
    except (zipfile.BadZipFile, OSError, ValueError):
        raise CollectionError(
            f"{archive_name}:1:1: not a zip archive (a cilium sysdump is one)"
        ) from None
    found = _Found()
    with handle:
        members = handle.infolist()
        if len(members) > MAX_MEMBERS:
            raise CollectionError(
                f"{archive_name}:1:1: more than {MAX_MEMBERS} files in the archive"
            )
        budget = _Budget()
        for member in members:
            if member.is_dir():
                continue
            name = member.filename.rsplit("/", 1)[-1]
            _read_member(handle, member, name, found, budget, archive_name)
    if not (found.pods or found.statuses):
        raise CollectionError(
            f"{archive_name}:1:1: no Cilium agent pods or statuses in this archive "
            "(is it a cilium sysdump?)"
        )
    return _result(found, archive_name, parse or default_parser())


def _read_member(
    handle: zipfile.ZipFile,
    member: zipfile.ZipInfo,
    name: str,
    found: _Found,
    budget: _Budget,
    archive: str,
) -> None:
    where = f"{archive}:{member.filename}"
    kind = _kind(name)
    bugtool = _BUGTOOL.match(name)
    loose = _LOOSE_STATUS.match(name)
    if kind is None and bugtool is None and loose is None:
        return
    budget.take(member.file_size, where)
    with handle.open(member) as stream:
        data = _read_bounded(stream, where)
    if bugtool is not None:
        _read_bugtool(data, bugtool.group("pod"), found, budget, where)
    elif loose is not None:
        pod, rank = _loose_status_pod(loose.group("rest"))
        found.statuses.setdefault(pod, []).append((rank, where, _text(data)))
    elif kind is not None:
        try:
            document = _yaml(data, where)
        except CollectionError as error:
            found.diagnostics.append(Diagnostic(str(error), code="sysdump"))
            return
        _use_document(kind, document, found, where)


def _kind(name: str) -> str | None:
    for prefix in (
        "k8s-nodes-",
        "k8s-pods-",
        "cilium-configmap-",
        "ciliumnodeconfigs-",
        "cilium-helm-values-",
        "cilium-helm-metadata-",
    ):
        if name.startswith(prefix) and name.endswith((".yaml", ".yml", ".json")):
            return prefix.rstrip("-")
    return None


def _use_document(kind: str, document: Any, found: _Found, where: str) -> None:
    items = _items(document)
    if kind == "k8s-nodes":
        found.nodes.extend(node_facts(item) for item in items)
    elif kind == "k8s-pods":
        for item in items:
            labels = (item.get("metadata") or {}).get("labels") or {}
            if labels.get(AGENT_LABEL[0]) == AGENT_LABEL[1]:
                found.pods.append(agent_pod(item))
    elif kind == "cilium-configmap" and isinstance(document, Mapping):
        found.configmap = document
    elif kind == "ciliumnodeconfigs":
        found.node_configs.extend(node_config(item) for item in items)
    elif kind == "cilium-helm-values" and isinstance(document, Mapping):
        found.helm_values = document
    elif kind == "cilium-helm-metadata" and isinstance(document, Mapping):
        found.helm_metadata = document
    else:
        found.diagnostics.append(
            Diagnostic(f"{where}: unexpected content, skipped", code="sysdump")
        )


def _items(document: Any) -> list[Mapping[str, Any]]:
    if isinstance(document, Mapping):
        items = document.get("items")
        if isinstance(items, list):
            return [i for i in items if isinstance(i, Mapping)]
        return [document] if document.get("kind") not in (None, "List") else []
    if isinstance(document, list):
        return [i for i in document if isinstance(i, Mapping)]
    return []


def _read_bugtool(data: bytes, pod: str, found: _Found, budget: _Budget, where: str) -> None:
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as tar:
            for count, member in enumerate(tar):
                if count > MAX_MEMBERS:
                    raise CollectionError(f"{where}: more than {MAX_MEMBERS} files")
                if not member.isfile():
                    continue
                base = member.name.rsplit("/", 1)[-1]
                match = _STATUS_FILE.match(base)
                if match is None:
                    continue
                budget.take(member.size, f"{where}:{member.name}")
                extracted = tar.extractfile(member)
                if extracted is None:
                    continue
                text = _text(_read_bounded(extracted, f"{where}:{member.name}"))
                found.statuses.setdefault(pod, []).append(
                    (_rank(match.group("args")), f"{where}:{member.name}", text)
                )
    except (tarfile.TarError, OSError, EOFError):
        found.diagnostics.append(
            Diagnostic(f"{where}: not a readable bugtool archive", code="sysdump")
        )


def _rank(args: str) -> int:
    """Prefer ``-o json`` (lossless), then ``--verbose``, then the brief form."""
    if "json" in args:
        return 0
    if "verbose" in args:
        return 1
    return 2


def _loose_status_pod(rest: str) -> tuple[str, int]:
    """``cilium-status-<pod>[-<ts>]`` / ``cilium-dbg-status--o-json-<pod>`` -> (pod, rank)."""
    rank = _rank(rest)
    rest = re.sub(r"^-*(o-json|-verbose|verbose)-", "", rest)
    rest = re.sub(r"-\d{8}-\d{6}$", "", rest)
    return rest, rank


def _read_bounded(stream: IO[bytes], where: str) -> bytes:
    data = stream.read(MAX_MEMBER_BYTES + 1)
    if len(data) > MAX_MEMBER_BYTES:
        raise CollectionError(f"{where}: member larger than 64 MiB")
    return data


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace")


def _yaml(data: bytes, where: str) -> Any:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        return YAML(typ="safe", pure=True).load(_text(data))
    except YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f"{mark.line + 1}:{mark.column + 1}" if mark else "1:1"
        raise CollectionError(f"{where}:{line}: not valid YAML") from None
    except (RecursionError, ValueError, TypeError):
        raise CollectionError(f"{where}:1:1: not valid YAML") from None


def _result(found: _Found, archive: str, parse: Any) -> LiveResult:
    nodes = {n.name: n for n in found.nodes}
    pods = {p.name: p for p in found.pods}
    for pod in found.statuses:
        pods.setdefault(pod, AgentPod(name=pod, namespace="", node=None, running=True, ready=True))
    agents = [
        _agent(pod, found.statuses.get(pod.name, []), parse) for pod in _ordered(pods.values())
    ]
    configmap = found.configmap
    deployed = Deployed(
        configmap={str(k): str(v) for k, v in (configmap.get("data") or {}).items()}
        if configmap is not None
        else None,
        configmap_changed_at=configmap_changed_at(configmap) if configmap is not None else None,
        release=_release(found, archive),
        node_configs=tuple(found.node_configs),
        source=f"sysdump {archive}",
    )
    versions = [a.version for a in agents if a.version]
    return LiveResult(
        observations=tuple(observation(a, nodes) for a in agents),
        agents=tuple(agents),
        nodes=tuple(nodes.values()),
        deployed=deployed,
        diagnostics=tuple(found.diagnostics),
        cilium_version=max(set(versions), key=versions.count) if versions else None,
        source=f"sysdump {archive}",
    )


def _ordered(pods: Iterator[AgentPod] | Any) -> list[AgentPod]:
    return sorted(pods, key=lambda p: (p.node or "", p.name))


def _agent(pod: AgentPod, statuses: list[tuple[int, str, str]], parse: Any) -> AgentResult:
    problems = []
    for _, where, text in sorted(statuses):
        try:
            status = parse(text, where)
        except CiliumdriftError as error:
            problems.append(f"{where}: {getattr(error, 'message', error)}")
            continue
        cilium = getattr(status, "cilium", None)
        version = getattr(cilium, "version", None)
        error_text = (
            None if pod.ready else f"not Ready: agent pod {pod.namespace}/{pod.name} ({pod.reason})"
        )
        return AgentResult(
            pod,
            status_text=text,
            status_command=("sysdump", where.rsplit(":", 1)[-1]),
            status=status,
            version=str(version) if version else None,
            error=error_text,
        )
    if problems:
        return AgentResult(pod, error="unparseable: " + "; ".join(problems))
    if not pod.running:
        return AgentResult(
            pod,
            error=f"unreachable: agent pod {pod.namespace}/{pod.name} was not "
            f"running ({pod.reason})",
        )
    return AgentResult(pod, error="unreachable: the sysdump holds no status for this agent")


def _release(found: _Found, archive: str) -> HelmRelease | None:
    if found.helm_values is None and found.helm_metadata is None:
        return None
    meta = found.helm_metadata or {}

    def pick(*keys: str) -> str | None:
        for key in keys:
            if meta.get(key) not in (None, ""):
                return str(meta[key])
        return None

    try:
        revision = int(pick("revision", "version_number") or 0)
    except ValueError:
        revision = 0
    return HelmRelease(
        name=pick("name") or "cilium",
        namespace=pick("namespace") or "",
        revision=revision,
        status=pick("status") or "deployed",
        chart_name=pick("chart") or "cilium",
        chart_version=pick("version", "chart_version", "chartVersion"),
        app_version=pick("app_version", "appVersion"),
        values=dict(found.helm_values or {}),
        deployed_at=pick("deployedAt", "deployed_at", "updated"),
        source=f"sysdump {archive}",
    )
