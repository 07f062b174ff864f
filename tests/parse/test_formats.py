"""The forms of status people paste, one behaviour per test (JSON/YAML, truncation, damage)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ciliumdrift.errors import StatusParseError
from ciliumdrift.parse import parse_status, status_to_dict
from ciliumdrift.parse.model import CliSummary, ConfigView, StructuredExtra
from ciliumdrift.parse.structured import go_duration_seconds

SEED = Path(__file__).resolve().parents[1] / "corpus" / "seed"
SEED_DOC = SEED / "production-deployment-verification.md"

SAMPLES = Path(__file__).resolve().parent / "samples"
BRIEF_118 = (SAMPLES / "brief-1.18.txt").read_text(encoding="utf-8")

PAYLOAD = {
    "attach-mode": "tcx",
    "bandwidth-manager": {"congestionControl": "bbr", "devices": ["eth0"], "enabled": True},
    "cilium": {"msg": "1.18.4 (v1.18.4-afda2aa9)", "state": "Ok"},
    "cluster": {"ciliumHealth": {"state": "Ok"}, "self": "default/node-1"},
    "cni-chaining": {"mode": "none"},
    "cni-file": {
        "msg": "successfully wrote CNI configuration file to "
        "/host/etc/cni/net.d/05-cilium.conflist",
        "state": "Ok",
    },
    "controllers": [
        {
            "name": "sync-host-ips",
            "status": {
                "consecutive-failure-count": 2,
                "last-failure-msg": "boom  now",
                "last-failure-timestamp": "2025-12-27T10:45:00Z",
                "last-success-timestamp": "0001-01-01T00:00:00.000Z",
            },
        }
    ],
    "datapath-mode": "netkit",
    "encryption": {
        "mode": "Wireguard",
        "wireguard": {
            "node-encryption": "Enabled",
            "interfaces": [
                {"name": "cilium_wg0", "public-key": "k=", "listen-port": 51871, "peer-count": 2}
            ],
        },
    },
    "host-firewall": {"mode": "Enabled", "devices": ["eth0"]},
    "hubble": {
        "observer": {"current-flows": 2204, "max-flows": 4095, "seen-flows": 100, "uptime": "50s"},
        "state": "Ok",
    },
    "hubble-metrics": {"state": "Ok"},
    "identity-range": {"max-identity": 65535, "min-identity": 256},
    "ipam": {
        "allocations": {"10.100.1.5": "router"},
        "status": "IPv4: 2/254 allocated from 10.100.1.0/24, ",
    },
    "ipv4-big-tcp": {"enabled": True, "maxGRO": 196608, "maxGSO": 65536},
    "ipv6-big-tcp": {},
    "kube-proxy-replacement": {
        "deviceList": [{"ip": ["", "", "192.168.95.210", "fe80::1"], "name": "eth0"}],
        "directRoutingDevice": "eth0",
        "mode": "True",
        "features": {
            "nodePort": {
                "enabled": True,
                "mode": "DSR",
                "dsrMode": "Geneve",
                "algorithm": "Maglev",
                "lutSize": 16381,
                "acceleration": "None",
                "portMin": 30000,
                "portMax": 32767,
            },
            "socketLB": {"enabled": True},
            "nat46X64": {
                "enabled": True,
                "gateway": {"enabled": True, "prefixes": ["64:ff9b::/96"]},
            },
        },
    },
    "kubernetes": {
        "k8s-api-versions": ["core/v1::Pods", "EndpointSliceOrEndpoint"],
        "msg": "1.34 (v1.34.2) [linux/amd64]",
        "state": "Ok",
    },
    "kvstore": {"state": "Disabled"},
    "masquerading": {
        "enabled": True,
        "enabledProtocols": {"ipv4": True},
        "mode": "BPF",
        "snat-exclusion-cidr-v4": "10.100.0.0/16",
    },
    "nodeMonitor": {"cpus": 2, "npages": 64, "pagesize": 4096, "lost": 3},
    "routing": {
        "inter-host-routing-mode": "tunnel",
        "intra-host-routing-mode": "legacy",
        "tunnel-protocol": "geneve",
    },
    "srv6": {},
}


def test_brief_fields() -> None:
    status = parse_status(BRIEF_118, source="brief.txt")
    assert status.format == "text"
    assert status.kvstore is not None and status.kvstore.state == "Disabled"
    assert status.kube_proxy_replacement is not None
    assert status.kube_proxy_replacement.direct_routing_device == "eth0"
    assert status.kube_proxy_replacement.devices[0].addresses == (
        "192.168.95.210",
        "fe80::be24:11ff:fecd:f514",
    )
    assert status.masquerading is not None and status.masquerading.cidrs == ("10.100.0.0/16",)
    assert status.bandwidth_manager is not None
    assert status.bandwidth_manager.congestion_control == "BBR"
    assert status.hubble is not None and status.hubble.fill_percent == 53.82
    assert status.cluster_health is not None
    assert status.cluster_health.probe_interval == "1m56.754608943s"
    assert status.modules_health is not None and status.modules_health.stopped == 11
    assert [line.label for line in status.lines][:3] == ["KVStore", "Kubernetes", "Kubernetes APIs"]
    assert status.lines[3].line == 4
    assert status.diagnostics == ()


def test_json_maps_to_text_spellings() -> None:
    status = parse_status(json.dumps(PAYLOAD, indent=2), source="s.json")
    assert status.format == "json"
    assert status.attach_mode == "TCX"
    assert status.routing is not None
    assert (status.routing.network, status.routing.host, status.routing.tunnel_protocol) == (
        "Tunnel",
        "Legacy",
        "geneve",
    )
    assert status.kube_proxy_replacement is not None
    assert status.kube_proxy_replacement.devices[0].addresses == ("192.168.95.210", "fe80::1")
    assert status.bandwidth_manager is not None
    assert status.bandwidth_manager.congestion_control == "BBR"
    assert status.masquerading is not None
    assert (status.masquerading.mode, status.masquerading.ipv6) == ("BPF", False)
    assert status.masquerading.devices == ("eth0",)
    assert status.node_monitor is not None and status.node_monitor.lost == 3
    assert status.hubble is not None
    assert (status.hubble.flows_per_second, status.hubble.metrics_state) == (2.0, "Ok")
    assert status.ipv4_big_tcp is not None and status.ipv4_big_tcp.max_gro == 196608
    assert status.proxy is not None and not status.proxy.enabled
    assert status.encryption is not None and status.encryption.node_encryption is True
    assert status.kubernetes is not None
    assert status.kubernetes.apis == ("EndpointSliceOrEndpoint", "core/v1::Pods")
    assert status.controllers is not None
    assert (status.controllers.healthy, status.controllers.total) == (0, 1)
    row = status.controllers.controllers[0]
    assert (row.last_success, row.message) == (None, "boom now")
    details = status.kpr_details
    assert details is not None
    assert (details.mode, details.dsr_dispatch_mode, details.maglev_table_size) == (
        "DSR",
        "Geneve",
        16381,
    )
    assert details.xdp_acceleration == "Disabled"
    assert details.nat46x64 is not None and details.nat46x64.prefixes == ("64:ff9b::/96",)
    assert isinstance(status.extra, StructuredExtra) and status.node == "node-1"


def test_json_and_text_agree_where_both_speak() -> None:
    text = parse_status(BRIEF_118)
    payload = dict(PAYLOAD)
    payload["routing"] = {"inter-host-routing-mode": "Native", "intra-host-routing-mode": "BPF"}
    payload["encryption"] = {"mode": "Disabled"}
    payload["host-firewall"] = {"mode": "Disabled"}
    payload["ipv4-big-tcp"] = {}
    payload["kube-proxy-replacement"] = {
        "deviceList": [
            {"ip": ["", "", "192.168.95.210", "fe80::be24:11ff:fecd:f514"], "name": "eth0"}
        ],
        "directRoutingDevice": "eth0",
        "mode": "True",
    }
    data = parse_status(json.dumps(payload))
    for name in (
        "kvstore",
        "kube_proxy_replacement",
        "host_firewall",
        "srv6",
        "cni_chaining",
        "cni_config",
        "cilium",
        "health_daemon",
        "ipv4_big_tcp",
        "ipv6_big_tcp",
        "bandwidth_manager",
        "routing",
        "attach_mode",
        "device_mode",
        "masquerading",
        "proxy",
        "identity_range",
        "encryption",
    ):
        assert getattr(data, name) == getattr(text, name), name


def test_yaml_payload() -> None:
    yaml_text = (
        "cilium:\n  msg: 1.16.5 (v1.16.5-ad688277)\n  state: Ok\nattach-mode: tc\n"
        "kvstore:\n  msg: Disabled\n  state: Ok\nmasquerading:\n  enabledProtocols:\n"
        "    ipv4: true\n  mode: iptables\n"
    )
    status = parse_status(yaml_text, source="s.yaml")
    assert status.format == "yaml"
    assert status.attach_mode == "Legacy TC"
    assert status.masquerading is not None and status.masquerading.mode == "IPTables"
    assert status.cilium is not None and status.cilium.version == "1.16.5"


def test_json_errors_have_positions() -> None:
    with pytest.raises(StatusParseError) as error:
        parse_status('{\n  "cilium": {\n    "state": "Ok",\n  }\n}', source="bad.json")
    assert str(error.value).startswith("bad.json:4:")
    with pytest.raises(StatusParseError, match="none of the keys"):
        parse_status('{"foo": 1}', source="x.json")
    with pytest.raises(StatusParseError, match="not an object"):
        parse_status("[1, 2]", source="x.json")


def test_json_wrong_types_are_warnings() -> None:
    status = parse_status(json.dumps({"cilium": {"state": 3}, "kvstore": [], "bogus": 1}))
    messages = [d.message for d in status.diagnostics]
    assert any("kvstore" in m and "expected an object" in m for m in messages)
    assert any(m.startswith("bogus") for m in messages)


def test_not_a_status_is_an_error_with_position() -> None:
    with pytest.raises(StatusParseError) as error:
        parse_status("\n\nhello there\nthis is a poem\n", source="poem.txt")
    assert str(error.value).startswith("poem.txt:3:1: not a cilium status output")
    with pytest.raises(StatusParseError, match="empty input"):
        parse_status("   \n\n")


def test_agent_unreachable_is_named() -> None:
    text = (
        'Get "http:///var/run/cilium/cilium.sock/v1/healthz": dial unix: connect: no such file\n'
        "Is the agent running?\n"
    )
    with pytest.raises(StatusParseError, match="agent did not answer"):
        parse_status(text, source="down.txt")


def test_truncated_after_encryption_when_cilium_failing() -> None:
    head = BRIEF_118.split("Cluster health:")[0].replace(
        "Cilium:                  Ok   1.18.4 (v1.18.4-afda2aa9)",
        "Cilium:                  Failure   1.18.4 (v1.18.4-afda2aa9)    "
        "Kubernetes service is not ready",
    )
    status = parse_status(head)
    assert status.truncated and status.format == "text"
    assert status.cilium is not None and status.cilium.message == "Kubernetes service is not ready"
    truncation = [d for d in status.diagnostics if d.code == "status-truncated"]
    assert len(truncation) == 1 and "Failure" in truncation[0].message
    assert truncation[0].position is not None and truncation[0].position.line == 24


def test_cut_by_hand_after_encryption_says_so() -> None:
    status = parse_status(BRIEF_118.split("Cluster health:")[0])
    assert status.truncated
    assert any("cut off" in d.message for d in status.diagnostics)


def test_unknown_lines_are_warnings_with_line_numbers() -> None:
    text = BRIEF_118.replace(
        "SRv6:                    Disabled\n",
        "SRv6:                    Disabled\nFancy New Feature:       Enabled\n%%% garbage %%%\n",
    )
    status = parse_status(text, source="s.txt")
    unknown = [d for d in status.diagnostics if d.code == "status-unknown-line"]
    assert [d.position.line for d in unknown if d.position] == [7, 8]
    assert any(line.label == "Fancy New Feature" for line in status.lines)
    assert status.srv6 is not None and not status.srv6.enabled


def test_wrapped_api_list_and_label_alone() -> None:
    text = BRIEF_118.replace(
        'Kubernetes APIs:         ["EndpointSliceOrEndpoint", "core/v1::Pods"]',
        'Kubernetes APIs:\n["EndpointSliceOrEndpoint",\n"core/v1::Pods"]',
    )
    status = parse_status(text)
    assert status.kubernetes is not None
    assert status.kubernetes.apis == ("EndpointSliceOrEndpoint", "core/v1::Pods")
    assert not [d for d in status.diagnostics if d.code != "status-skipped-line"]


def test_hard_wrap_at_terminal_width() -> None:
    width = 50
    lines = []
    for line in BRIEF_118.splitlines():
        while len(line) > width:
            lines.append(line[:width])
            line = line[width:]
        lines.append(line)
    status = parse_status("\n".join(lines))
    assert status.kubernetes is not None and status.kubernetes.apis == (
        "EndpointSliceOrEndpoint",
        "core/v1::Pods",
    )
    assert status.cni_config == (
        "successfully wrote CNI configuration file to /host/etc/cni/net.d/05-cilium.conflist"
    )
    assert status == parse_status(BRIEF_118).__class__(
        **{
            **parse_status(BRIEF_118).__dict__,
            "lines": status.lines,
            "diagnostics": status.diagnostics,
        }
    )


def test_second_output_is_not_merged() -> None:
    status = parse_status(BRIEF_118 + "\n" + BRIEF_118.replace("1.18.4", "1.18.5"))
    assert status.cilium is not None and status.cilium.version == "1.18.4"
    assert any("second status output" in d.message for d in status.diagnostics)


def test_markdown_document_reads_its_status_block() -> None:
    status = parse_status(SEED_DOC.read_text(encoding="utf-8"), source="seed.md")
    assert status.format == "text"
    assert status.device_mode == "netkit"
    skipped = [d for d in status.diagnostics if d.code == "status-skipped-line"]
    assert len(skipped) == 1 and "outside the status code block" in skipped[0].message


def test_failing_controllers_and_lost_events() -> None:
    text = BRIEF_118.replace(
        "Controller Status:       16/16 healthy\n",
        "Controller Status:       15/16 healthy\n"
        "  Name                    Last success   Last error   Count   Message\n"
        "  sync-host-ips (42)      never          2s ago       7       "
        "unable to sync: timeout   \n",
    ).replace(
        "of shared memory\n",
        "of shared memory\n                         3 events lost, 0 unknown notifications\n",
    )
    status = parse_status(text)
    assert status.format == "text"
    assert status.controllers is not None
    row = status.controllers.controllers[0]
    assert (row.name, row.last_success, row.last_error, row.failure_count) == (
        "sync-host-ips (42)",
        None,
        "2s",
        7,
    )
    assert row.message == "unable to sync: timeout"
    assert status.node_monitor is not None
    assert (status.node_monitor.lost, status.node_monitor.unknown) == (3, 0)


def test_cluster_mesh_clusters_and_old_health_rows() -> None:
    text = (SAMPLES / "mesh-and-old-health.txt").read_text(encoding="utf-8")
    status = parse_status(text)
    mesh = status.cluster_mesh
    assert mesh is not None and (mesh.ready, mesh.total, mesh.global_services) == (1, 2, 3)
    assert (
        mesh.clusters[0].details[1]
        == "remote configuration: expected=true, retrieved=true, cluster-id=1"
    )
    assert mesh.clusters[1].failures == 12 and mesh.clusters[1].last_failure == "5m ago"
    assert mesh.clusters[1].other_counts == (("MCS-API service exports", 0),)
    health = status.cluster_health
    assert health is not None and health.nodes_elided
    assert [(n.name, n.reachable, n.localhost) for n in health.nodes] == [
        ("m1", False, True),
        ("m2", False, False),
    ]
    assert health.nodes[1].host == "1/2 (1 unknown)"
    assert status.node == "m1"


def test_kpr_details_with_nat46_and_dsr() -> None:
    text = (SAMPLES / "kpr-details-dsr.txt").read_text(encoding="utf-8")
    status = parse_status(text)
    details = status.kpr_details
    assert details is not None
    assert details.socket_lb_coverage == "Hostns-only"
    assert details.devices[0].direct_routing
    assert (details.mode, details.dsr_dispatch_mode) == ("DSR", "IP Option/Extension")
    assert (details.backend_selection, details.maglev_table_size) == ("Maglev", 16381)
    assert details.graceful_termination is True
    assert details.nat46x64 is not None and details.nat46x64.prefixes == ("64:ff9b::/96",)
    assert details.xdp_acceleration == "Native"
    assert [(s.name, s.enabled) for s in details.services][3] == ("externalIPs", False)
    assert details.services[1].detail == "Range: 30000-32767"


def test_kpr_rows_cut_from_their_header_still_read_as_kpr_details() -> None:
    # A post's `cilium status --verbose` excerpt: "..." then the rows it cares about, the
    # `KubeProxyReplacement Details:` header left out.
    text = (
        "...\n"
        "  Mode:                  DSR\n"
        "    DSR Dispatch Mode:   Geneve\n"
        "  Backend Selection:     Maglev (Table Size: 16381)\n"
        "  Session Affinity:     Enabled\n"
        "...\n"
    )
    details = parse_status(text).kpr_details
    assert details is not None
    assert (details.mode, details.dsr_dispatch_mode) == ("DSR", "Geneve")
    assert (details.backend_selection, details.maglev_table_size) == ("Maglev", 16381)
    assert details.session_affinity is True
    # the same rows grepped alone (their common indentation removed with the paste's)
    alone = parse_status("  Mode:                 SNAT\n  Backend Selection:    Random\n")
    assert alone.kpr_details is not None and alone.kpr_details.mode == "SNAT"
    assert alone.kpr_details.backend_selection == "Random"
    # rows that are not the block's own labels do not open it
    with pytest.raises(StatusParseError):
        parse_status("...\n  Status:   True\n  Devices:  eth0\n")


def test_modules_tree_after_pr_46739() -> None:
    text = """\
Modules Health:   Stopped(0) Degraded(1) OK(2)
  agent
  ├── controlplane
  │   ├── auth
  │   │   └── job-gc                  [OK] Primed (2m59s, x1)
  │   └── l2                          [DEGRADED] Failed -- boom (1s, x4)
  └── infra
      └── shell
          └── job-listener            [OK] Listening on /var/run/cilium/shell.sock (2m59s, x1)
"""
    modules = parse_status(text).modules_health
    assert modules is not None and modules.degraded == 1
    assert [(m.path, m.state, m.count) for m in modules.modules] == [
        ("agent.controlplane.auth.job-gc", "OK", 1),
        ("agent.controlplane.l2", "DEGRADED", 4),
        ("agent.infra.shell.job-listener", "OK", 1),
    ]
    assert modules.modules[1].message == "Failed -- boom"


def test_probe_disabled_and_warning_health() -> None:
    status = parse_status(
        "Encryption:              Disabled\nCluster health:                     Probe disabled\n"
    )
    assert status.cluster_health is not None and status.cluster_health.message == "Probe disabled"
    status = parse_status("Cluster health:         Warning   cilium-health daemon unreachable\n")
    assert status.cluster_health is not None
    assert status.cluster_health.message == "Warning cilium-health daemon unreachable"


def test_cli_summary_errors_block_and_agent_output_together() -> None:
    text = """\
    /¯¯\\
 /¯¯\\__/¯¯\\    Cilium:             1 errors
 \\__/¯¯\\__/    Operator:           OK
 /¯¯\\__/¯¯\\    Envoy DaemonSet:    OK
 \\__/¯¯\\__/    Hubble Relay:       OK
    \\__/       ClusterMesh:        disabled

DaemonSet              cilium             Desired: 2, Ready: 1/2, Available: 1/2
Containers:            cilium             Pending: 1, Running: 1
Cluster Pods:          4/15 managed by Cilium
Helm chart version:    1.18.6
Image versions         cilium             quay.io/cilium/cilium:v1.18.6@sha256:42: 2
Errors:                cilium             cilium-x7k2p    unable to retrieve cilium status
Warnings:              cilium             cilium-x7k2p    pod is not ready
"""
    status = parse_status(text)
    assert status.format == "cli-summary"
    summary = status.extra
    assert isinstance(summary, CliSummary)
    assert summary.containers[0].states == (("Pending", 1), ("Running", 1))
    assert [p.severity for p in summary.problems] == ["error", "warning"]
    assert summary.problems[0].message == "unable to retrieve cilium status"
    assert status.cilium is not None
    assert (status.cilium.state, status.cilium.version) == ("Failure", "1.18.6")
    assert status.hubble is not None and status.hubble.state == "Ok"
    both = parse_status(text + "\n" + BRIEF_118)
    assert both.format == "text" and isinstance(both.extra, CliSummary)
    assert both.cilium is not None and both.cilium.state == "Ok"


def test_config_outputs() -> None:
    agent = parse_status(
        "##### Read-write configurations #####\nDebug                 : Disabled\n"
        "PolicyEnforcement     : default\n"
    )
    assert agent.format == "config-view"
    assert isinstance(agent.extra, ConfigView) and agent.extra.get("PolicyEnforcement") == "default"
    view = parse_status("routing-mode          native\nenable-bpf-masquerade   true\n")
    assert isinstance(view.extra, ConfigView) and view.extra.get("routing-mode") == "native"
    configmap = parse_status(
        json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "data": {"tunnel-protocol": "vxlan"}})
    )
    assert configmap.format == "configmap"
    assert (
        isinstance(configmap.extra, ConfigView)
        and configmap.extra.get("tunnel-protocol") == "vxlan"
    )


def test_comment_prefixed_crlf_paste() -> None:
    pasted = "\r\n".join(f"# {line}" for line in BRIEF_118.splitlines())
    assert status_to_dict(parse_status(pasted))["device_mode"] == "netkit"


def test_go_durations() -> None:
    assert go_duration_seconds("1m36.5s") == 96.5
    assert go_duration_seconds("145.787µs") == pytest.approx(145.787e-6)
    assert go_duration_seconds("10h5m2s") == 36302
    assert go_duration_seconds("5 minutes") is None
    assert go_duration_seconds("") is None


def test_versions_before_116_and_ipv6_only_ipam() -> None:
    text = (
        "KubeProxyReplacement:    Strict   [eth0 192.168.53.201 (Direct Routing)]\n"
        "Host Routing:            BPF\n"
        "IPAM:                    , IPv6: 4/18446744073709551614 allocated from fc01::/64\n"
        "Masquerading:            BPF (ip-masq-agent)   []    fd00::/10 "
        "[IPv4: Disabled, IPv6: Enabled]\n"
        "Clock Source for BPF:    jiffies   [250 Hz]\n"
        "BPF Maps:   dynamic sizing: off\n"
        "IPv6 BIG TCP:            Enabled   [196608]\n"
        'Stale status:            "cilium-health-ep" since 2025-01-01T00:00:00Z\n'
    )
    status = parse_status(text)
    assert status.format == "fragment"
    assert status.kube_proxy_replacement is not None
    assert status.kube_proxy_replacement.devices[0].addresses == ("192.168.53.201",)
    assert status.routing is not None and status.routing.host == "BPF"
    assert status.ipam is not None and status.ipam.families[0].total == 18446744073709551614
    assert status.masquerading is not None and status.masquerading.ip_masq_agent
    assert status.masquerading.cidrs == ("fd00::/10",) and status.masquerading.devices == ()
    assert status.clock_source is not None and status.clock_source.hertz == 250
    assert status.bpf_map_sizing is not None and not status.bpf_map_sizing.dynamic
    assert status.ipv6_big_tcp is not None and status.ipv6_big_tcp.max_gro == 196608
    assert status.stale == '"cilium-health-ep" since 2025-01-01T00:00:00Z'


def test_unreadable_values_are_warned_not_dropped() -> None:
    status = parse_status("Cilium:   Bogus\nRouting:  sideways\nIPAM:  ???\n")
    codes = [d.code for d in status.diagnostics]
    assert codes.count("status-unparsed-value") >= 3
    assert status.cilium is not None and status.cilium.state == "Bogus"
    assert status.ipam is not None and status.ipam.message == "???"


def test_json_of_an_older_agent_and_odd_types() -> None:
    payload = {
        "cilium": {"msg": "1.15.5 (v1.15.5-8c7e442c)", "state": "Warning"},
        "kubernetes": {"state": "Disabled"},
        "kube-proxy-replacement": {
            "mode": "Strict",
            "devices": ["eth0", "eth1"],
            "directRoutingDevice": "eth1",
        },
        "host-routing": {"mode": "Legacy"},
        "srv6": {"enabled": True, "srv6EncapMode": "reduced"},
        "stale": {"b-probe": "2025-01-01T00:00:00Z", "a-probe": "2025-01-02T00:00:00Z"},
        "clock-source": {"mode": "jiffies", "hertz": 250},
        "bpf-maps": {"dynamic-size-ratio": 0.0025, "maps": [{"name": "NAT", "size": 131072}]},
        "cluster-mesh": {
            "num-global-services": 2,
            "clusters": [
                {
                    "name": "c1",
                    "ready": True,
                    "num-nodes": 3,
                    "num-failures": 1,
                    "last-failure": "2025-01-01T00:00:00Z",
                    "status": "etcd: 1/1 connected",
                }
            ],
        },
        "proxy": {
            "ip": "10.0.0.1",
            "port-range": "10000-20000",
            "total-redirects": 1,
            "redirects": [{"proxy": "http", "name": "1:ingress:TCP:80", "proxy-port": 123}],
        },
        "hubble": {"state": "Ok", "metrics": {"state": "Ok"}, "observer": {"max-flows": "x"}},
        "masquerading": {"enabled": True},
        "ipv6-big-tcp": {"enabled": "yes"},
        "identity-range": {"min-identity": 1.5, "max-identity": [1]},
        "encryption": {"mode": "IPsec", "ipsec": {"keys-in-use": 2}},
        "client-id": True,
    }
    status = parse_status(json.dumps(payload))
    assert status.kubernetes is not None and status.kubernetes.apis is None
    kpr = status.kube_proxy_replacement
    assert kpr is not None and kpr.direct_routing_device == "eth1"
    assert status.routing is not None and status.routing.host == "Legacy"
    assert status.srv6 is not None and status.srv6.encap_mode == "reduced"
    assert (
        status.stale == '"a-probe" since 2025-01-02T00:00:00Z, "b-probe" since 2025-01-01T00:00:00Z'
    )
    assert status.clock_source is not None and status.clock_source.hertz == 250
    assert status.bpf_map_sizing is not None and status.bpf_map_sizing.ratio == 0.0025
    assert status.cluster_mesh is not None and status.cluster_mesh.clusters[0].nodes == 3
    assert status.proxy is not None and status.proxy.redirect_table[0].port == 123
    assert status.hubble is not None and status.hubble.metrics_state == "Ok"
    assert status.masquerading is not None and status.masquerading.mode == "Enabled"
    assert status.ipv6_big_tcp is not None and not status.ipv6_big_tcp.enabled
    assert status.identity_range is not None and status.identity_range.minimum == 1
    assert status.identity_range.maximum is None
    assert isinstance(status.extra, StructuredExtra) and status.extra.ipsec_keys_in_use == 2
    warned = {d.message.split(":")[0] for d in status.diagnostics}
    assert {"hubble.observer.max-flows", "ipv6-big-tcp.enabled", "client-id"} <= warned


def test_yaml_errors_and_configmap_yaml() -> None:
    with pytest.raises(StatusParseError) as error:
        parse_status("cilium:\n  state: [Ok\nkvstore: {}\n", source="bad.yaml")
    assert str(error.value).startswith("bad.yaml:")
    configmap = parse_status(
        "apiVersion: v1\nkind: ConfigMap\ndata:\n  a: '1'\n  b: |\n    x\n    y\n"
        '  c: "q" # note\n  ??? bad\nmetadata:\n  name: cilium-config\n'
    )
    assert isinstance(configmap.extra, ConfigView)
    assert configmap.extra.entries == (("a", "1"), ("b", "x\ny"), ("c", "q"))
    assert [d.code for d in configmap.diagnostics] == ["status-unknown-line"]


def test_brief_flag_output() -> None:
    ok = parse_status("OK\n")
    assert ok.format == "fragment" and ok.cilium is not None and ok.cilium.state == "Ok"
    failing = parse_status("error in kubernetes: timeout\n")
    assert failing.cilium is not None and failing.cilium.state == "Failure"
    assert failing.cilium.message == "error in kubernetes: timeout"


def test_grep_that_keeps_first_and_last_lines_is_not_called_cut() -> None:
    text = "\n".join(line for line in BRIEF_118.splitlines() if line.startswith(("KVStore", "Mod")))
    status = parse_status(text)
    assert status.format == "fragment"
    assert not [d for d in status.diagnostics if d.code == "status-cut-off"]
