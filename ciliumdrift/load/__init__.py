"""Load what the operator declared: Helm values (as Helm merges them) and Talos facts.

Public API::

    load_values(files, *, set_flags=(), chart=None, cilium_version=None) -> HelmValues
    load_talos(files) -> TalosFacts
    load_declared(values_files=(), *, set_flags=(), talos_files=(), cilium_version=None,
                  chart=None) -> Declared
    SetFlag, set_flags_from_options(...)
    ciliumdrift.load.chart: available_versions, resolve_version, chart_defaults, known_keys,
                            open_maps
    ciliumdrift.load.yaml: load_yaml_documents, lenient_reading, precheck, YamlError limits
    ciliumdrift.load.helm: load_values_and_version (values and the wrapper's chart version)
    ciliumdrift.load.gitops: what a wrapper points at (chartRef sources, valuesFrom objects,
                             umbrella Chart.yaml, version ranges)
    ciliumdrift.load.written: read_written_sources, merge_documents (values layers as written,
                              for lint)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ciliumdrift.errors import UnsupportedVersion
from ciliumdrift.inputs import VersionSource, resolve_cilium_version
from ciliumdrift.load.helm import load_values, load_values_and_version
from ciliumdrift.load.model import Declared, HelmValues, TalosFacts
from ciliumdrift.load.setflags import SetFlag, set_flags_from_options
from ciliumdrift.load.talos import load_talos

if TYPE_CHECKING:
    from ciliumdrift.inputs import CiliumVersion

__all__ = [
    "Declared",
    "HelmValues",
    "SetFlag",
    "TalosFacts",
    "load_declared",
    "load_talos",
    "load_values",
    "set_flags_from_options",
]


def load_declared(
    values_files: Sequence[str] = (),
    *,
    set_flags: Sequence[SetFlag] = (),
    talos_files: Sequence[str] = (),
    cilium_version: str | None = None,
    chart: str | None = None,
    version: CiliumVersion | None = None,
) -> Declared:
    """Everything declared: merged values, Talos facts and the Cilium version in use.

    ``version`` is the run's version, resolved once by :func:`ciliumdrift.api.gather_inputs`
    (flag, wrapper pin, settings, observed status). Library callers may pass only
    ``cilium_version`` (``--cilium-version``): the version is then that, else the chart
    version a wrapper declares (Flux ``spec.chart.spec.version`` or the OCIRepository its
    ``chartRef`` names, Argo CD ``targetRevision``, kustomize and k3s ``version``, an
    umbrella ``Chart.yaml`` dependency), else unknown (None).
    """

    if version is not None and version.source is not VersionSource.WRAPPER:
        requested = version.value  # the loader finds a wrapper's pin itself
    else:
        requested = cilium_version if version is None else None
    try:
        values, from_wrapper = load_values_and_version(
            values_files, set_flags=set_flags, chart=chart, cilium_version=requested
        )
    except UnsupportedVersion as error:
        named_elsewhere = (VersionSource.SETTINGS, VersionSource.OBSERVED)
        if version is not None and version.source in named_elsewhere:
            where = version.position or error.position
            raise UnsupportedVersion(f"{error.message} (from {version.detail})", where) from None
        raise
    if version is None:
        version = resolve_cilium_version(flag=cilium_version, wrapper=from_wrapper)
    talos = load_talos(talos_files) if talos_files else None
    diagnostics = values.diagnostics + (talos.diagnostics if talos is not None else ())
    return Declared(
        values=values, talos=talos, cilium_version=version.located, diagnostics=diagnostics
    )
