"""Load what the operator declared: Helm values (as Helm merges them) and Talos facts.

Public API::

    load_values(files, *, set_flags=(), chart=None, cilium_version=None) -> HelmValues
    load_talos(files) -> TalosFacts
    load_declared(values_files=(), *, set_flags=(), talos_files=(), cilium_version=None,
                  chart=None) -> Declared
    SetFlag, set_flags_from_options(...)
    ciliumdrift.load.chart: available_versions, resolve_version, chart_defaults, known_keys,
                            open_maps
    ciliumdrift.load.yaml: load_yaml_documents, key_positions, precheck, YamlError limits
    ciliumdrift.load.helm: load_values_and_version (values and the wrapper's chart version)
    ciliumdrift.load.gitops: what a wrapper points at (chartRef sources, valuesFrom objects,
                             umbrella Chart.yaml, version ranges)
"""

from __future__ import annotations

from collections.abc import Sequence

from ciliumdrift.load.helm import load_values
from ciliumdrift.load.model import Declared, HelmValues, TalosFacts
from ciliumdrift.load.setflags import SetFlag, set_flags_from_options
from ciliumdrift.load.talos import load_talos
from ciliumdrift.model import Layer, Located, Origin

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
) -> Declared:
    """Everything declared: merged values, Talos facts and the Cilium version in use.

    The Cilium version is the ``cilium_version`` argument (``--cilium-version``), else the
    chart version a wrapper declares (Flux ``spec.chart.spec.version`` or the OCIRepository
    its ``chartRef`` names, Argo CD ``targetRevision``, kustomize and k3s ``version``, an
    umbrella ``Chart.yaml`` dependency), else unknown (None).
    """
    from ciliumdrift.load.helm import load_values_and_version

    explicit: Located[str] | None = None
    if cilium_version is not None:
        explicit = Located(
            cilium_version.strip().lstrip("v"),
            Origin(Layer.SET, key="cilium-version", detail=f"--cilium-version {cilium_version}"),
        )
    values, from_wrapper = load_values_and_version(
        values_files, set_flags=set_flags, chart=chart, cilium_version=cilium_version
    )
    version = explicit or from_wrapper
    talos = load_talos(talos_files) if talos_files else None
    diagnostics = values.diagnostics + (talos.diagnostics if talos is not None else ())
    return Declared(values=values, talos=talos, cilium_version=version, diagnostics=diagnostics)
