"""The deployed Helm release, read from its ``sh.helm.release.v1.<name>.v<revision>`` Secret.

Helm 3 stores each revision as a Secret of type ``helm.sh/release.v1`` labelled
``owner=helm, name=<release>, status=<status>, version=<revision>``. Its ``data.release``
is, after the Secret's own base64, Helm's encoding of the release record: base64 of the
gzip of the JSON (older Helm wrote it without gzip; the magic bytes tell). The record holds
the user-supplied values (``config``), the chart's metadata and default values, and the
rendered manifest. Only the values and the chart version are kept: the manifest can hold
rendered Secrets (Hubble and ClusterMesh certificates) and is dropped unread.

Reading a Secret needs RBAC on secrets, so this runs only when the user asks for it.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from collections.abc import Iterable, Mapping
from typing import Any

from ciliumdrift.errors import CollectionError
from ciliumdrift.live.model import HelmRelease

MAX_RELEASE_BYTES = 16 * 1024 * 1024  # the Cilium release record (chart included) is ~2 MiB
_GZIP_MAGIC = b"\x1f\x8b"


def decode_release(encoded: str | bytes, *, source: str = "helm release") -> dict[str, Any]:
    """Helm's stored form (base64, usually of gzip) to the release record."""
    data = encoded.encode("ascii", "replace") if isinstance(encoded, str) else encoded
    try:
        raw = base64.b64decode(data, validate=False)
    except (binascii.Error, ValueError):
        raise CollectionError(f"{source}: release data is not base64") from None
    if raw[:2] == _GZIP_MAGIC:
        raw = _gunzip(raw, source)
    try:
        record = json.loads(raw)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise CollectionError(f"{source}: release data is not a Helm release record") from None
    if not isinstance(record, dict):
        raise CollectionError(f"{source}: release data is not a Helm release record")
    return record


def _gunzip(data: bytes, source: str) -> bytes:
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, MAX_RELEASE_BYTES + 1)
    except zlib.error:
        raise CollectionError(f"{source}: release data is not valid gzip") from None
    if len(out) > MAX_RELEASE_BYTES:
        raise CollectionError(f"{source}: release record larger than 16 MiB")
    return out


def release_from_record(record: Mapping[str, Any], *, source: str) -> HelmRelease:
    """The parts of a release record that the layers compare."""
    info = _mapping(record.get("info"))
    chart = _mapping(record.get("chart"))
    metadata = _mapping(chart.get("metadata"))
    config = record.get("config")
    chart_values = chart.get("values")
    try:
        revision = int(record.get("version") or 0)
    except (TypeError, ValueError):
        revision = 0
    return HelmRelease(
        name=str(record.get("name") or ""),
        namespace=str(record.get("namespace") or ""),
        revision=revision,
        status=str(info.get("status") or "unknown"),
        chart_name=_text(metadata.get("name")),
        chart_version=_text(metadata.get("version")),
        app_version=_text(metadata.get("appVersion")),
        values=dict(config) if isinstance(config, Mapping) else {},
        chart_values=dict(chart_values) if isinstance(chart_values, Mapping) else {},
        deployed_at=_text(info.get("last_deployed")),
        source=source,
    )


def release_from_secret(secret: Mapping[str, Any]) -> HelmRelease:
    """Decode one ``sh.helm.release.v1.*`` Secret (as the API returns it, data base64)."""
    metadata = _mapping(secret.get("metadata"))
    name = f"secret {metadata.get('namespace', '')}/{metadata.get('name', '?')}"
    data = _mapping(secret.get("data"))
    stored = data.get("release")
    if not isinstance(stored, str):
        raise CollectionError(f"{name}: no release data")
    try:
        helm_encoded = base64.b64decode(stored.encode("ascii", "replace"), validate=False)
    except (binascii.Error, ValueError):
        raise CollectionError(f"{name}: release data is not base64") from None
    return release_from_record(decode_release(helm_encoded, source=name), source=name)


def pick_deployed(
    releases: Iterable[HelmRelease],
) -> tuple[HelmRelease | None, tuple[HelmRelease, ...]]:
    """The revision the cluster runs (the newest ``deployed``) and any newer revisions.

    A newer revision that is ``failed`` or ``pending-*`` is the trace of an upgrade that
    did not land: its values are declared somewhere but not deployed.
    """
    ordered = sorted(releases, key=lambda r: r.revision)
    deployed = next((r for r in reversed(ordered) if r.status == "deployed"), None)
    if deployed is None:
        return None, tuple(ordered)
    return deployed, tuple(r for r in ordered if r.revision > deployed.revision)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
