"""Cilium 1.10 to 1.13: bundled chart data, the old chart spellings, and status-only checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from ciliumdrift.agent import settings as s
from ciliumdrift.agent.facts import FACTS
from ciliumdrift.api import check
from ciliumdrift.derive import derive_context, node_context
from ciliumdrift.derive.intent import common_intent, inferred_intent
from ciliumdrift.errors import UnsupportedVersion
from ciliumdrift.lint import lint
from ciliumdrift.load.chart import available_versions, resolve_version
from ciliumdrift.model import CauseKind, FindingKind
from ciliumdrift.parse import parse_status
from tests.derive.builders import declared

CASES = Path(__file__).resolve().parents[1] / "cases"
STATUS_1_10 = (
    CASES / "drift-kernel-5.8-bpf-host-routing-falls-back-1.10rc2" / "status.txt"
).read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("version", "bundled"),
    [
        ("1.10.0-rc2", "1.10.20"),
        ("1.11.7", "1.11.20"),
        ("1.12.1", "1.12.19"),
        ("1.13.5", "1.13.18"),
    ],
)
def test_old_minors_have_chart_data(version: str, bundled: str) -> None:
    assert resolve_version(version)[0] == bundled
    assert bundled in available_versions()


def test_older_than_every_bundled_chart_is_refused() -> None:
    with pytest.raises(UnsupportedVersion):
        resolve_version("1.9.18")


def _ctx(text: str, version: str, kernel: str = "5.15.0") -> object:
    return node_context(declared(text, version=version), node="n1", kernel=kernel)


@pytest.mark.parametrize(("version", "default"), [("1.13.5", "disabled"), ("1.14.19", "false")])
def test_kpr_template_default_of_a_fresh_install(version: str, default: str) -> None:
    assert s.kpr_value(_ctx("ipam:\n  mode: kubernetes\n", version)).value == default


def test_a_boolean_bandwidth_manager_switch_of_the_1_10_chart_is_read() -> None:
    on = derive_context(_ctx("bandwidthManager: true\n", "1.10.20"), FACTS)
    off = derive_context(_ctx("ipam:\n  mode: kubernetes\n", "1.10.20"), FACTS)
    assert str(on["bandwidth-manager"].value).startswith("EDT with BPF")
    assert off["bandwidth-manager"].value == "Disabled"


def test_bpf_host_routing_key_of_the_1_11_chart_is_legacy_routing() -> None:
    ctx = _ctx("bpf:\n  hostRouting: true\n", "1.11.20")
    assert s.host_legacy_routing(ctx).value is True
    # From 1.13 the chart reads only bpf.hostLegacyRouting.
    assert s.host_legacy_routing(_ctx("bpf:\n  hostRouting: true\n", "1.13.18")).value is False


def test_a_1_10_status_parses() -> None:
    status = parse_status(STATUS_1_10, source="status.txt")
    assert status.kube_proxy_replacement is not None
    assert status.kube_proxy_replacement.mode == "Strict"
    assert status.routing is not None and status.routing.host == "Legacy"
    assert status.bandwidth_manager is not None and status.bandwidth_manager.enabled
    assert status.masquerading is not None and status.masquerading.mode == "BPF"
    assert status.cilium is not None and status.cilium.version == "1.10.0-rc2"


def test_intent_is_only_what_the_status_shows_on() -> None:
    status = parse_status(STATUS_1_10, source="status.txt")
    inferred = {i.key: i.value for i in inferred_intent(status)}
    assert inferred["kubeProxyReplacement"] == "strict"
    assert inferred["bpf.masquerade"] == "true"
    assert inferred["bandwidthManager.enabled"] == "true"
    assert inferred["l7Proxy"] == "false"
    # Legacy host routing can be a fallback: never taken as intent.
    assert "bpf.hostLegacyRouting" not in inferred


def test_common_intent_drops_what_only_some_nodes_show() -> None:
    one = parse_status(STATUS_1_10, source="a.txt")
    two = parse_status(STATUS_1_10.replace("Masquerading:           BPF", "Masquerading: IPTables"))
    keys = {i.key for i in common_intent([one, two])}
    assert "bpf.masquerade" not in keys and "kubeProxyReplacement" in keys


def test_status_only_check_finds_the_kernel_fallback(tmp_path: Path) -> None:
    (tmp_path / "status.txt").write_text(STATUS_1_10, encoding="utf-8")
    report = check(tmp_path, cilium_version="1.10.0-rc2", kernels=["5.8"])
    drift = [f for f in report.findings if f.kind is FindingKind.DRIFT]
    assert [f.fact for f in drift] == ["host-routing"]
    assert drift[0].causes[0].kind is CauseKind.KERNEL_TOO_OLD
    assert any(d.code == "inferred-intent" for d in report.diagnostics)


def test_status_only_on_a_new_kernel_is_clean(tmp_path: Path) -> None:
    bpf = STATUS_1_10.replace("Host Routing:           Legacy", "Host Routing:           BPF")
    (tmp_path / "status.txt").write_text(bpf, encoding="utf-8")
    report = check(tmp_path, cilium_version="1.10.0-rc2", kernels=["5.10.0"])
    assert not [f for f in report.findings if f.kind is FindingKind.DRIFT]


def test_a_values_file_turns_inference_off(tmp_path: Path) -> None:
    (tmp_path / "status.txt").write_text(STATUS_1_10, encoding="utf-8")
    (tmp_path / "values.yaml").write_text("kubeProxyReplacement: strict\n", encoding="utf-8")
    report = check(tmp_path, cilium_version="1.10.0-rc2", kernels=["5.8"])
    assert not any(d.code == "inferred-intent" for d in report.diagnostics)


def test_status_only_drift_against_a_bare_default_is_a_note(tmp_path: Path) -> None:
    # The agent runs a cluster-mesh client (cluster.id set somewhere): with no config given,
    # the chart default (cluster.id 0) is no intent, so the difference is only a note.
    meshed = STATUS_1_10.replace(
        "BandwidthManager:",
        "ClusterMesh:   0/0 clusters ready, 0 global-services\nBandwidthManager:",
    )
    (tmp_path / "status.txt").write_text(meshed, encoding="utf-8")
    report = check(tmp_path, cilium_version="1.10.0-rc2", kernels=["5.8"])
    mesh = [f for f in report.findings if f.fact == "cluster-mesh"]
    assert [f.severity.value for f in mesh] == ["note"]
    assert "only the chart default" in mesh[0].message
    # The fallback from the inferred intent stays an error.
    routing = [f for f in report.findings if f.fact == "host-routing"]
    assert [f.severity.value for f in routing] == ["error"]


OLD_KEYS = "tunnel: disabled\nnativeRoutingCIDR: 10.0.0.0/8\nbpf:\n  hostRouting: true\n"


def test_keys_an_old_chart_reads_are_not_ignored_there(tmp_path: Path) -> None:
    path = tmp_path / "values.yaml"
    path.write_text(OLD_KEYS, encoding="utf-8")
    old = {(v.code, v.position.line) for v in lint([str(path)], cilium_version="1.11.7").violations}
    new = {(v.code, v.position.line) for v in lint([str(path)], cilium_version="1.14.7").violations}
    assert not {code for code, _ in old} & {"CD101", "CD201"}
    assert ("CD101", 2) in new and ("CD101", 4) in new  # removed in later charts: flagged there
    ctx = _ctx(OLD_KEYS, "1.11.20")
    cidr = s.native_routing_cidr(ctx)
    assert cidr is not None and cidr.value == "10.0.0.0/8"


def test_a_clean_status_alone_raises_nothing_above_a_note(tmp_path: Path) -> None:
    # The seed's 1.18 status (native routing, BPF masquerading, netkit, KPR): the intent it
    # implies includes the native-routing CIDR BPF masquerading prints, so no contradiction.
    seed = Path(__file__).resolve().parents[2] / "examples" / "talos-netkit-native" / "status.txt"
    (tmp_path / "status.txt").write_text(seed.read_text(encoding="utf-8"), encoding="utf-8")
    report = check(tmp_path)
    loud = [f for f in report.findings if f.severity.value != "note" and f.kind.value != "health"]
    assert loud == []
    inferred = next(d for d in report.diagnostics if d.code == "inferred-intent")
    assert "ipv4NativeRoutingCIDR=10.100.0.0/16" in inferred.message
