"""The inputs of one run, and the Cilium version resolved once from them, with its origin.

Every command (``check``, ``expect``, ``lint``, ``impact``, ``live``) builds one
:class:`Inputs`; the Cilium version is chosen here and nowhere else. Downstream code reads
``inputs.version`` (a :class:`CiliumVersion`) and never guesses a version of its own.

Resolution order (the first that says something wins):

1. ``--cilium-version`` (or the library's ``cilium_version=`` argument);
2. the chart version a wrapper pins: Flux ``HelmRelease`` ``spec.chart.spec.version`` (or the
   ``OCIRepository`` its ``chartRef`` names), Argo CD ``targetRevision``, kustomize
   ``helmCharts[].version``, an umbrella ``Chart.yaml`` dependency, or ``--chart``'s own
   ``Chart.yaml``;
3. ``cilium-version`` in ``.ciliumdrift.yaml`` / ``[tool.ciliumdrift]``;
4. (``live``) the chart version of the Helm release deployed in the cluster;
5. the version the agents report on their ``Cilium:`` status line (``check``, ``live``).

When none of them exists the version is *unknown*: the run says so on its first line, the
newest bundled chart's defaults stand in for the merge, and findings that depend on the
version (deprecations, keys unknown to a chart) are notes that do not fail the run.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import field
from typing import Any

from ciliumdrift.model import Layer, Located, Origin, Position
from ciliumdrift.records import record
from ciliumdrift.regex import lazy_pattern

_VERSION = lazy_pattern(r"^v?(?P<major>\d+)\.(?P<minor>\d+)(?:\.(?P<patch>\d+))?(?P<pre>[-+].*)?$")


class VersionSource(str, enum.Enum):
    """Where the Cilium version of a run came from (highest precedence first)."""

    FLAG = "flag"
    WRAPPER = "wrapper"
    SETTINGS = "settings"
    DEPLOYED = "deployed"
    OBSERVED = "observed"
    NONE = "none"


@record
class CiliumVersion:
    """The Cilium version of a run, resolved once, and where it came from.

    ``value`` is the normalised version (``1.18.4``, no ``v``; a minor alone, ``1.18``, when
    the pin says no more); None when the version is unknown. ``detail`` says in words where
    it came from (``--cilium-version 1.18.4``, ``HelmRelease spec.chart.spec.version``,
    ``.ciliumdrift.yaml``, ``the Cilium line of node-1's status``); ``position`` points at the
    declaring line when there is one.
    """

    value: str | None
    source: VersionSource
    detail: str = ""
    position: Position | None = None

    @property
    def known(self) -> bool:
        return self.value is not None

    @property
    def parts(self) -> tuple[int, int, int | None] | None:
        """``(major, minor, patch)`` (patch None for a minor-only pin); None when unknown."""
        if self.value is None:
            return None
        match = _VERSION.match(self.value)
        if match is None:
            return None
        patch = match.group("patch")
        return int(match.group("major")), int(match.group("minor")), int(patch) if patch else None

    @property
    def minor(self) -> tuple[int, int] | None:
        parts = self.parts
        return None if parts is None else parts[:2]

    @property
    def origin(self) -> Origin:
        """The version's provenance in the shared :class:`Origin` form."""
        layer = {
            VersionSource.FLAG: Layer.SET,
            VersionSource.WRAPPER: Layer.VALUES_FILE,
            VersionSource.SETTINGS: Layer.VALUES_FILE,
            VersionSource.DEPLOYED: Layer.DEPLOYED,
            VersionSource.OBSERVED: Layer.OBSERVED,
            VersionSource.NONE: Layer.AGENT_DEFAULT,
        }[self.source]
        return Origin(
            layer,
            key="cilium-version",
            position=self.position,
            version=self.value,
            detail=self.detail or None,
        )

    @property
    def located(self) -> Located[str] | None:
        return None if self.value is None else Located(self.value, self.origin)

    def describe(self) -> str:
        """One line for the top of a report: the version and where it came from."""
        if self.value is None:
            return (
                "Cilium version unknown (no --cilium-version, wrapper chart pin, "
                ".ciliumdrift.yaml or status): version-dependent findings are notes"
            )
        return f"Cilium {self.value} (from {self.detail or self.source.value})"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"version": self.value, "source": self.source.value}
        if self.detail:
            out["detail"] = self.detail
        if self.position is not None:
            out.update(self.position.to_dict())
        return out


UNKNOWN_VERSION = CiliumVersion(None, VersionSource.NONE)


def version_title(inputs: Mapping[str, Any]) -> str:
    """The version part of a report's first line, from a report's ``inputs`` mapping.

    `` · Cilium 1.18.4 (from --cilium-version 1.18.4)``, or, when no version is known,
    `` · Cilium version unknown: 1.20.0 chart stands in, version-dependent findings are
    notes``. Reports from before the resolution (no ``cilium_version_source``)
    keep the plain `` · Cilium <version>``.
    """
    info = inputs.get("cilium_version_source")
    if not isinstance(info, Mapping):
        version = inputs.get("cilium_version")
        return f" · Cilium {version}" if version else ""
    if info.get("source") == VersionSource.NONE.value:
        stand_in = info.get("stand_in")
        text = " · Cilium version unknown"
        if stand_in:
            text += f": {stand_in} chart stands in,"
        return text + " version-dependent findings are notes"
    detail = info.get("detail")
    return f" · Cilium {info.get('version')}" + (f" (from {detail})" if detail else "")


def normalise_version(text: str) -> str | None:
    """``v1.18.4`` -> ``1.18.4``; ``1.18`` stays; None for anything that is not a version."""
    text = str(text).strip()
    match = _VERSION.match(text)
    if match is None:
        return None
    return text[1:] if text.startswith("v") else text


def resolve_cilium_version(
    *,
    flag: str | None = None,
    wrapper: Located[str] | None = None,
    settings: str | None = None,
    settings_source: str | None = None,
    observed: Sequence[tuple[str | None, str]] = (),
    reported: Sequence[tuple[str, str]] = (),
    deployed: str | None = None,
) -> CiliumVersion:
    """Choose the run's Cilium version by the documented precedence (see module docs).

    ``observed`` holds ``(node, version)`` pairs read from status ``Cilium:`` lines; the
    first one is used (the comparison reports nodes that run another version).
    ``reported`` holds ``(where, version)`` pairs a cluster reports as a whole (the deployed
    Helm release's chart, the version most agents run); they come before ``observed``.
    ``deployed`` is the chart version of the Helm release deployed in the cluster (``live``
    reads it from the release secret): what is installed, after the settings.
    """
    if flag is not None and str(flag).strip():
        value = normalise_version(flag) or str(flag).strip()
        return CiliumVersion(value, VersionSource.FLAG, f"--cilium-version {str(flag).strip()}")
    if wrapper is not None and str(wrapper.value).strip():
        value = normalise_version(wrapper.value) or str(wrapper.value).strip()
        detail = wrapper.origin.detail or wrapper.origin.key or "the wrapper's chart version"
        return CiliumVersion(value, VersionSource.WRAPPER, detail, wrapper.origin.position)
    if settings is not None and str(settings).strip():
        value = normalise_version(settings) or str(settings).strip()
        where = settings_source or ".ciliumdrift.yaml"
        return CiliumVersion(
            value, VersionSource.SETTINGS, f"cilium-version in {where}", Position(where, 1, 1)
        )
    if deployed is not None and normalise_version(deployed) is not None:
        return CiliumVersion(
            normalise_version(deployed), VersionSource.DEPLOYED, "the deployed Helm release"
        )
    for where, said in reported:
        whole = normalise_version(said)
        if whole is not None:
            return CiliumVersion(whole, VersionSource.OBSERVED, where)
    for node, reported_by_node in observed:
        seen = normalise_version(reported_by_node)
        if seen is not None:
            whose = f"{node}'s status" if node else "the status"
            return CiliumVersion(seen, VersionSource.OBSERVED, f"the Cilium line of {whose}")
    return UNKNOWN_VERSION


@record
class Inputs:
    """Everything one run reads, as the user named it, with the resolved Cilium version.

    Built once by the CLI or the library front door (:mod:`ciliumdrift.api`); stages take
    what they need from it. ``kernels`` maps a node name (None: every node) to a kernel
    version; ``statuses`` holds ``[NODE=]FILE`` specs.
    """

    values: tuple[str, ...] = ()
    set_flags: tuple[Any, ...] = ()
    talos: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    kernels: Mapping[str | None, str] = field(default_factory=dict)
    chart: str | None = None
    version: CiliumVersion = UNKNOWN_VERSION
    settings_source: str | None = None
    agent_logs: tuple[str, ...] = ()  # ``[NODE=]FILE`` agent logs a folder holds
    kernel_logs: tuple[str, ...] = ()  # ``[NODE=]FILE`` kernel logs (dmesg) a folder holds
    node_configs: tuple[str, ...] = ()  # CiliumNodeConfig files a folder holds

    def to_dict(self) -> dict[str, Any]:
        return {
            "values": list(self.values),
            "set": [getattr(flag, "text", str(flag)) for flag in self.set_flags],
            "talos": list(self.talos),
            "status": list(self.statuses),
            "cilium_version": self.version.value,
            "cilium_version_source": self.version.to_dict(),
            "kernels": {k or "*": v for k, v in self.kernels.items()},
        }


__all__ = [
    "UNKNOWN_VERSION",
    "CiliumVersion",
    "Inputs",
    "VersionSource",
    "normalise_version",
    "resolve_cilium_version",
]
