"""Read the same facts as ``live`` from a cilium sysdump archive (what users attach to bugs).

``cilium sysdump`` (cilium/cilium-cli@v0.16.0:sysdump/constants.go) writes one folder, zipped, with
files named ``<kind>-<timestamp>.<ext>``. This reads:

* ``k8s-nodes-*.yaml``: kernels, OS images (Talos version), pod CIDRs, labels;
* ``k8s-pods-*.yaml``: the agent pods (``k8s-app=cilium``) and their nodes and start times;
* ``cilium-configmap-*.yaml`` and ``ciliumnodeconfigs-*.yaml``: the deployed layer;
* ``cilium-helm-values-*.yaml`` / ``cilium-helm-metadata-*.yaml``: the Helm release;
* per agent, its status: ``cilium-bugtool-<pod>-<ts>.tar.gz`` members ``cmd/cilium*-status*``
  (bugtool's file names: the command with spaces as dashes), or loose files
  ``cilium*-status*<pod>*`` beside them. The JSON form wins over ``--verbose`` over brief;
* per agent, its log: ``logs-<pod>-cilium-agent-<ts>.log`` (the previous run's,
  ``…-prev.log``, when it is the only one: a crash-looping agent) - ``ciliumLogsFileName``
  in cilium/cilium@v1.18.4:cilium-cli/sysdump/constants.go.

Every read is bounded by :mod:`ciliumdrift.limits` (the archive's size and member count
read from its end record before the member list is loaded, each member's unpacked size
counted while it is read, the total unpacked, a bugtool tarball's unpacked stream, archives
nested at most once), so a hostile archive fails with one clear :class:`CollectionError`
in bounded memory. YAML members go through the one bounded YAML reader (structure counted
per member; of the pod list only the agent pods are kept). Nothing is extracted to disk, so
``..``, absolute and symlink member names cannot reach outside; names are shown escaped.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import re
import tarfile
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import field, replace
from pathlib import Path
from struct import error as struct_error
from typing import IO, Any

from ciliumdrift import limits
from ciliumdrift.agent.nodeconfig import node_config
from ciliumdrift.errors import CiliumdriftError, CollectionError, InputError
from ciliumdrift.live.model import (
    AgentPod,
    AgentResult,
    Deployed,
    HelmRelease,
    LiveResult,
    NodeConfigOverride,
    NodeFacts,
)
from ciliumdrift.live.objects import (
    agent_pod,
    configmap_changed_at,
    default_parser,
    node_facts,
    observation,
)
from ciliumdrift.load.plain import load_plain_documents
from ciliumdrift.model import Diagnostic
from ciliumdrift.records import record
from ciliumdrift.regex import lazy_pattern

# Defaults of the limits in force (:func:`ciliumdrift.limits.current`).
MAX_MEMBERS = limits.DEFAULTS.archive_members
MAX_MEMBER_BYTES = limits.DEFAULTS.member_bytes
MAX_TOTAL_BYTES = limits.DEFAULTS.unpacked_bytes
#: Status texts kept at once, in units of the status limit (32 MiB by default).
STATUS_TEXTS_PER_LIMIT = 4
#: YAML structure allowed in one sysdump member (a pod list of a large cluster).
MEMBER_YAML_NODES = 2_000_000
AGENT_LABEL = ("k8s-app", "cilium")

_BUGTOOL = lazy_pattern(r"^cilium-bugtool-(?P<pod>.+?)-(?P<ts>\d{8}-\d{6})\.tar(?:\.gz)?$")
_STATUS_FILE = lazy_pattern(r"^cilium(?:-dbg)?-status(?P<args>[-\w]*?)(?:\.(?:md|txt|json|log))?$")
_LOOSE_STATUS = lazy_pattern(r"^cilium(?:-dbg)?-status-(?P<rest>.+)\.(?:md|txt|json|log)$")


@record(frozen=False)
class _Budget:
    """Unpacked bytes of the whole archive, checked before and while members are read."""

    limits: limits.Limits = field(default_factory=limits.current)
    remaining: int = -1

    def __post_init__(self) -> None:
        self.remaining = self.limits.unpacked_bytes

    def take(self, size: int, name: str) -> None:
        if size > self.limits.member_bytes:
            refusal = limits.too_large("member", self.limits.member_bytes, "member_bytes")
            raise CollectionError(f"{name}:1:1: {refusal}")
        self.remaining -= size
        if self.remaining < 0:
            raise CollectionError(
                f"{name}:1:1: the archive unpacks to more than "
                f"{limits.describe_size(self.limits.unpacked_bytes)} (raise it with "
                "CILIUMDRIFT_LIMIT_UNPACKED_BYTES)"
            )


@record(frozen=False)
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
    kept_status_bytes: int = 0
    logs: dict[str, tuple[bool, str]] = field(default_factory=dict)  # pod -> (previous, text)


def read_sysdump(path: str | Path, *, parse: Any = None) -> LiveResult:
    """The observations and layers a sysdump archive holds."""

    archive_name = str(path)
    budget = _Budget()
    try:
        raw = limits.open_regular(path, archive_name)
    except InputError as error:
        message = error.message
        if "directory" in message:
            message = "is a directory, not a sysdump zip"
        raise CollectionError(f"{archive_name}:1:1: {message}") from None
    with raw:
        size = os.fstat(raw.fileno()).st_size
        if size > budget.limits.archive_bytes:
            raise CollectionError(
                f"{archive_name}:1:1: "
                + limits.too_large("sysdump", budget.limits.archive_bytes, "archive_bytes")
            )
        _refuse_many_members(raw, archive_name, budget.limits.archive_members)
        try:
            handle = zipfile.ZipFile(raw)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            raise CollectionError(
                f"{archive_name}:1:1: not a zip archive (a cilium sysdump is one)"
            ) from None
        found = _Found()
        with handle:
            for member in handle.infolist():
                if member.is_dir():
                    continue
                name = member.filename.rsplit("/", 1)[-1]
                try:
                    _read_member(handle, member, name, found, budget, archive_name)
                except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
                    found.diagnostics.append(
                        Diagnostic(
                            f"{archive_name}:{member.filename}: unreadable member, skipped",
                            code="sysdump",
                        )
                    )
                except NotImplementedError:  # an unsupported compression method
                    found.diagnostics.append(
                        Diagnostic(
                            f"{archive_name}:{member.filename}: unsupported compression, skipped",
                            code="sysdump",
                        )
                    )
    if not (found.pods or found.statuses):
        raise CollectionError(
            f"{archive_name}:1:1: no Cilium agent pods or statuses in this archive "
            "(is it a cilium sysdump?)"
        )
    return _result(found, archive_name, parse or default_parser())


def _refuse_many_members(raw: IO[bytes], archive: str, most: int) -> None:
    """Read the member count from the zip's end record before the member list is loaded
    (zipfile builds one object per member up front: a million-member zip is the bomb)."""
    try:
        end = zipfile._EndRecData(raw)  # type: ignore[attr-defined]
    except (OSError, ValueError, struct_error):
        end = None
    raw.seek(0)
    if end is None:
        raise CollectionError(f"{archive}:1:1: not a zip archive (a cilium sysdump is one)")
    if int(end[zipfile._ECD_ENTRIES_TOTAL]) > most:  # type: ignore[attr-defined]
        raise CollectionError(
            f"{archive}:1:1: more than {most} files in the archive "
            "(raise it with CILIUMDRIFT_LIMIT_ARCHIVE_MEMBERS)"
        )


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
    log = _AGENT_LOG.match(name)
    if kind is None and bugtool is None and loose is None and log is None:
        return
    budget.take(member.file_size, where)
    with handle.open(member) as stream:
        data = _read_bounded(stream, where, budget)
    if log is not None:
        previous = log.group("prev") is not None
        known = found.logs.get(log.group("pod"))
        if known is None or (known[0] and not previous):  # the current run wins
            found.logs[log.group("pod")] = (previous, _text(data))
    elif bugtool is not None:
        _read_bugtool(data, bugtool.group("pod"), found, budget, where)
    elif loose is not None:
        pod, rank = _loose_status_pod(loose.group("rest"))
        _keep_status(found, budget, pod, rank, where, data)
    elif kind is not None:
        try:
            document = _yaml(data, where, kind)
        except CollectionError as error:
            found.diagnostics.append(Diagnostic(str(error), code="sysdump"))
            return
        try:
            _use_document(kind, document, found, where)
        except (AttributeError, TypeError, ValueError, KeyError):  # the wrong shape
            found.diagnostics.append(
                Diagnostic(f"{where}: not the expected {kind} content, skipped", code="sysdump")
            )


_AGENT_LOG = lazy_pattern(r"^logs-(?P<pod>.+)-cilium-agent-\d{8}-\d{6}(?P<prev>-prev)?\.log$")


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
        found.pods.extend(agent_pod(item) for item in items if _is_agent(item))
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


def _is_agent(item: Any) -> bool:
    metadata = item.get("metadata") if isinstance(item, Mapping) else None
    labels = metadata.get("labels") if isinstance(metadata, Mapping) else None
    return isinstance(labels, Mapping) and labels.get(AGENT_LABEL[0]) == AGENT_LABEL[1]


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
    """The status files of a bugtool tarball (an archive in the archive: depth 1, never more).

    The tarball is read as a stream through a decompressor whose output is counted, so a
    small tarball that unpacks to gigabytes stops at the limit.
    """
    if budget.limits.archive_depth < 1:
        found.diagnostics.append(
            Diagnostic(f"{where}: nested archive not read (archive_depth is 0)", code="sysdump")
        )
        return
    stream = _Unpacked(_decompressor(data), _nested_limit(budget), where)
    try:
        with tarfile.open(fileobj=stream, mode="r|") as tar:
            for count, member in enumerate(tar):
                if count > budget.limits.archive_members:
                    raise CollectionError(
                        f"{where}:1:1: more than {budget.limits.archive_members} files"
                    )
                if not member.isfile():  # symlinks, devices, folders: never followed
                    continue
                base = member.name.rsplit("/", 1)[-1]
                match = _STATUS_FILE.match(base)
                if match is None:
                    continue
                inner = f"{where}:{member.name}"
                budget.take(member.size, inner)
                extracted = tar.extractfile(member)
                if extracted is None:
                    continue
                data = _read_bounded(extracted, inner, budget)
                _keep_status(found, budget, pod, _rank(match.group("args")), inner, data)
    except CollectionError as error:
        found.diagnostics.append(Diagnostic(str(error), code="sysdump"))
    except (tarfile.TarError, OSError, EOFError, lzma.LZMAError, ValueError):
        found.diagnostics.append(
            Diagnostic(f"{where}: not a readable bugtool archive", code="sysdump")
        )


def _nested_limit(budget: _Budget) -> int:
    return min(budget.limits.member_bytes * 4, max(budget.remaining, 0))


def _decompressor(data: bytes) -> Any:
    raw = io.BytesIO(data)
    if data.startswith(b"\x1f\x8b"):
        return gzip.GzipFile(fileobj=raw, mode="rb")
    if data.startswith(b"BZh"):
        return bz2.BZ2File(raw)
    if data.startswith((b"\xfd7zXZ\x00", b"\x5d\x00\x00")):
        return lzma.LZMAFile(raw)
    return raw


class _Unpacked(io.RawIOBase):
    """A read-only stream that stops with a CollectionError after ``limit`` bytes."""

    def __init__(self, inner: IO[bytes], limit: int, where: str) -> None:
        self.inner = inner
        self.left = limit
        self.limit = limit
        self.where = where

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        chunk = self.inner.read(min(len(buffer), 1024 * 1024))
        self.left -= len(chunk)
        if self.left < 0:
            raise CollectionError(
                f"{self.where}:1:1: the nested archive unpacks to more than "
                f"{limits.describe_size(self.limit)}"
            )
        buffer[: len(chunk)] = chunk
        return len(chunk)


def _keep_status(
    found: _Found, budget: _Budget, pod: str, rank: int, where: str, data: bytes
) -> None:
    """Keep a status text for later parsing, within the status limit and a total: texts
    wait until every pod is known, so what they hold together is bounded too."""
    most = budget.limits.status_bytes
    if len(data) > most:
        found.diagnostics.append(
            Diagnostic(
                f"{where}:1:1: {limits.too_large('status', most, 'status_bytes')}", code="sysdump"
            )
        )
        return
    found.kept_status_bytes += len(data)
    if found.kept_status_bytes > most * STATUS_TEXTS_PER_LIMIT:
        raise CollectionError(
            f"{where}:1:1: the statuses in this archive add up to more than "
            f"{limits.describe_size(most * STATUS_TEXTS_PER_LIMIT)} (raise "
            "CILIUMDRIFT_LIMIT_STATUS_BYTES)"
        )
    found.statuses.setdefault(pod, []).append((rank, where, _text(data)))


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


def _read_bounded(stream: IO[bytes], where: str, budget: _Budget) -> bytes:
    """A member's bytes, counted while read (the size a header declares may lie)."""
    most = budget.limits.member_bytes
    try:
        return limits.read_bounded(stream, most, where, "member_bytes", "member")
    except InputError as error:
        raise CollectionError(str(error)) from None


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace")


def _yaml(data: bytes, where: str, kind: str) -> Any:
    """A YAML/JSON member through the bounded reader; of a pod list only agent pods stay."""

    keep = (lambda item: item if _is_agent(item) else None) if kind == "k8s-pods" else None
    member_limits = budget_limits = limits.current()
    with limits.override(
        yaml_nodes=max(budget_limits.yaml_nodes, MEMBER_YAML_NODES),
        yaml_expanded_nodes=max(budget_limits.yaml_expanded_nodes, MEMBER_YAML_NODES),
    ):
        try:
            documents = load_plain_documents(
                _text(data), where, limit=member_limits.member_bytes, keep_item=keep
            )
        except InputError as error:
            raise CollectionError(f"{error.position}: not valid YAML: {error.message}") from None
    return documents[0] if documents else None


def _result(found: _Found, archive: str, parse: Any) -> LiveResult:
    nodes = {n.name: n for n in found.nodes}
    pods = {p.name: p for p in found.pods}
    for pod in found.statuses:
        pods.setdefault(pod, AgentPod(name=pod, namespace="", node=None, running=True, ready=True))
    agents = [
        replace(
            _agent(pod, found.statuses.get(pod.name, []), parse),
            log_text=found.logs[pod.name][1] if pod.name in found.logs else None,
        )
        for pod in _ordered(pods.values())
    ]
    configmap = found.configmap
    data = configmap.get("data") if configmap is not None else None
    if configmap is not None and not isinstance(data, Mapping):
        if data is not None:
            found.diagnostics.append(
                Diagnostic(
                    f"sysdump {archive}: the ConfigMap's data is not a mapping", code="sysdump"
                )
            )
        data = {}
    deployed = Deployed(
        configmap={str(k): str(v) for k, v in data.items()} if data is not None else None,
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
