"""check --agent-log / --node-config / --device / --node-label through the CLI and the API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ciliumdrift.agent.devices import parse_device_flags
from ciliumdrift.agent.nodeconfig import effective, labels_for, overlay, read_node_configs
from ciliumdrift.api import check
from ciliumdrift.cli import app
from ciliumdrift.errors import InputError
from ciliumdrift.model import CauseKind, FindingKind
from tests.derive.builders import values
from tests.knowledge.test_agentlog import XDP_KUBESPAN

SEED = Path(__file__).resolve().parents[2] / "examples" / "talos-netkit-native"

CNC = """\
apiVersion: cilium.io/v2
kind: CiliumNodeConfig
metadata:
  namespace: kube-system
  name: legacy-routing
spec:
  nodeSelector:
    matchLabels:
      kubernetes.io/hostname: node-2
  defaults:
    enable-host-legacy-routing: "true"
"""


def test_node_config_overrides_the_selected_node_only(tmp_path: Path) -> None:
    path = tmp_path / "node-config.yaml"
    path.write_text(CNC, encoding="utf-8")
    configs = read_node_configs([str(path)])
    assert effective(configs, labels_for("node-1", None)) == {}
    found = effective(configs, labels_for("node-2", None))
    assert found["enable-host-legacy-routing"].helm == "bpf.hostLegacyRouting"
    merged = overlay(values("bpf:\n  masquerade: true\n"), found)
    assert merged.raw("bpf.hostLegacyRouting") is True and merged.raw("bpf.masquerade") is True
    assert "legacy-routing" in (merged.origin("bpf.hostLegacyRouting").detail or "")


@pytest.mark.parametrize(
    ("text", "where"),
    [
        (CNC + "  broken: [\n", ":13:"),  # unclosed flow sequence
        (CNC.replace("  name: legacy-routing", "  name: a\n  name: b"), ":6:"),  # duplicate key
    ],
)
def test_a_broken_node_config_is_one_positioned_input_error(
    tmp_path: Path, text: str, where: str
) -> None:
    path = tmp_path / "node-config.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_node_configs([str(path)])
    message = str(caught.value)
    assert message.startswith(f"{path}{where}") and "\n" not in message


def test_node_running_the_configmap_value_despite_the_override_is_explained(tmp_path: Path) -> None:
    config = tmp_path / "node-config.yaml"
    config.write_text(CNC, encoding="utf-8")
    status = (SEED / "status.txt").read_text(encoding="utf-8")
    for node in ("node-1", "node-2"):
        (tmp_path / f"status-{node}.txt").write_text(status, encoding="utf-8")
    report = check(
        None,
        values_files=[str(SEED / "values.yaml")],
        talos_files=[str(SEED / "talos.yaml")],
        status_files=[f"{n}={tmp_path / f'status-{n}.txt'}" for n in ("node-1", "node-2")],
        node_configs=[str(config)],
    )
    drift = [f for f in report.findings if f.kind is FindingKind.DRIFT and f.fact == "host-routing"]
    assert [f.node for f in drift] == ["node-2"]
    assert drift[0].expected == "Legacy" and drift[0].causes[0].kind is CauseKind.NOT_APPLIED
    assert "CiliumNodeConfig kube-system/legacy-routing" in drift[0].causes[0].evidence[0].text


def test_cli_agent_log_for_a_node_without_status(tmp_path: Path) -> None:
    log = tmp_path / "agent.log"
    log.write_text(XDP_KUBESPAN + "\n", encoding="utf-8")
    vals = tmp_path / "values.yaml"
    vals.write_text("kubeProxyReplacement: true\nloadBalancer:\n  acceleration: native\n")
    result = CliRunner().invoke(
        app,
        ["check", "-f", str(vals), "--agent-log", f"node-1={log}", "--format", "json"],
    )
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    xdp = [f for f in report["findings"] if f["fact"] == "xdp-acceleration"]
    assert len(xdp) == 1 and xdp[0]["node"] == "node-1"
    assert xdp[0]["causes"][0]["kind"] == "hardware-unsupported"
    assert f"{log}:1" in xdp[0]["causes"][0]["evidence"][0]["text"]
    assert "best-effort" in xdp[0]["fix"]["set_flag"]


def test_cli_bad_device_flag_is_a_usage_error(tmp_path: Path) -> None:
    vals = tmp_path / "values.yaml"
    vals.write_text("kubeProxyReplacement: true\n")
    result = CliRunner().invoke(app, ["check", "-f", str(vals), "--device", "eth0"])
    assert result.exit_code == 2
    assert "NAME:DRIVER" in result.output


def test_device_flags_know_driver_kinds() -> None:
    found = parse_device_flags(["n1=wg0:wireguard", "eth0:virtio_net"])
    assert [(d.name, d.kind) for d in found["n1"]] == [("wg0", "wireguard")]
    assert [(d.name, d.kind) for d in found[None]] == [("eth0", "virtual")]


def test_a_folder_with_only_an_agent_log_is_checked(tmp_path: Path) -> None:
    # cilium/cilium#16284: the bandwidth manager's sysctl write fails without sch_fq.
    (tmp_path / "agent-node-a.log").write_text(
        'level=fatal msg="Failed to set sysctl needed by BPF bandwidth manager." '
        'error="could not write to the systctl file /proc/sys/net/core/default_qdisc: write '
        '/proc/sys/net/core/default_qdisc: no such file or directory" subsys=bandwidth-manager '
        "sysParamName=net.core.default_qdisc sysParamValue=fq\n",
        encoding="utf-8",
    )
    report = check(tmp_path, cilium_version="1.11.0")
    found = [f for f in report.findings if f.fact == "bandwidth-manager"]
    assert [f.node for f in found] == ["node-a"]
    assert found[0].causes[0].kind is CauseKind.REQUIREMENT_MISSING
    # 1.11 has bundled chart data now: no stand-in.
    assert not any("older than the bundled chart data" in d.message for d in report.diagnostics)
    # Older than every bundled chart: the log is still read, against the oldest chart.
    report = check(tmp_path, cilium_version="1.9.0")
    found = [f for f in report.findings if f.fact == "bandwidth-manager"]
    assert [f.node for f in found] == ["node-a"]
    assert any("older than the bundled chart data" in d.message for d in report.diagnostics)


def test_an_old_version_with_values_and_no_log_is_still_refused(tmp_path: Path) -> None:
    from ciliumdrift.errors import UnsupportedVersion

    (tmp_path / "values.yaml").write_text("kubeProxyReplacement: true\n", encoding="utf-8")
    with pytest.raises(UnsupportedVersion):
        check(tmp_path, cilium_version="1.9.0")
