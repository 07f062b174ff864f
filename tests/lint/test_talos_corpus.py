"""Talos cross-checks on the corpus pairs the MANIFESTs name (same repository)."""

from __future__ import annotations

import pytest

from ciliumdrift.lint import lint
from tests.conftest import CORPUS

PAIRS = [
    # onedr0p: hostDNS forwardKubeDNSToHost TRUE patch + netkit/bpf.masquerade values without
    # hostLegacyRouting = siderolabs/talos#10002 (MANIFEST talos-002)
    ("values-001.yaml", ("talos-002.yaml",), "1.18.4", {"CD306"}, {"CD301", "CD314"}),
    # the full control-plane config disables forwardKubeDNSToHost: no #10002 finding; its pod
    # subnet 10.42.0.0/16 matches the native-routing CIDR (MANIFEST talos-001)
    (
        "values-001.yaml",
        ("talos-001.yaml",),
        "1.18.4",
        {"CD312"},
        {"CD306", "CD301", "CD309", "CD311"},
    ),
    # axeII: hostLegacyRouting true with the #10002 comment, proxy disabled (MANIFEST talos-016)
    ("values-004.yaml", ("talos-016.yaml",), "1.18.4", {"CD312"}, {"CD306", "CD310", "CD309"}),
    # DRAGandDROP: Talos 1.6.7 (kernel 6.1), pod subnet 10.69.0.0/16 (MANIFEST talos-005)
    ("values-025.yaml", ("talos-005.yaml",), None, set(), {"CD302", "CD306"}),
]


@pytest.mark.parametrize(
    ("values", "talos", "version", "present", "absent"),
    PAIRS,
    ids=lambda v: str(sorted(v)) if isinstance(v, (set, frozenset)) else str(v),
)
def test_talos_pairs(
    values: str, talos: tuple[str, ...], version: str | None, present: set[str], absent: set[str]
) -> None:
    paths = [CORPUS / "talos" / t for t in talos]
    assert all(p.exists() for p in paths), paths
    report = lint([CORPUS / "values" / values], talos_files=paths, cilium_version=version)
    codes = {v.code for v in report.violations}
    assert present <= codes, [f"{v.code} {v.message}" for v in report.violations]
    assert not (absent & codes), [
        f"{v.code} {v.message}" for v in report.violations if v.code in absent
    ]
    for violation in report.violations:
        if violation.code.startswith("CD3"):
            assert violation.position.file.endswith(values)
