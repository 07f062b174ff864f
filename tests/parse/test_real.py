"""Real pastes that are not in tests/corpus (tests/parse/samples/real-*.txt, verbatim).

Where each came from is in samples/REAL.tsv. Every expected value below was read off the
text by hand; none was copied from the parser's output.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from ciliumdrift.parse import parse_status, status_to_dict
from ciliumdrift.parse.model import KprDetails, Status

SAMPLES = Path(__file__).resolve().parent / "samples"
SCHEMA = Path(__file__).resolve().parents[2] / "schemas" / "status.schema.json"

with (SAMPLES / "REAL.tsv").open(encoding="utf-8") as _handle:
    REAL = {row["file"]: row for row in csv.DictReader(_handle, delimiter="\t")}

FORMAT_OF_KIND = {"brief": "text", "verbose": "text-verbose", "fragment": "fragment"}

#: The warnings each sample must give, by code: the lines around the status that are not
#: part of it (prompts, kubectl notices, `...`) are skipped and said so; nothing is unread.
EXPECTED_CODES: dict[str, dict[str, int]] = {
    "real-1.14.5-kubekey-kpr-false.txt": {"status-skipped-line": 2},
    "real-1.16.3-ec2-comment-prefixed.txt": {
        "status-skipped-line": 3,
        "status-duplicate-line": 1,
    },
    "real-1.17.2-minikube-arm64.txt": {"status-skipped-line": 2},
    "real-1.17.6-cee-brief-agent-shell.txt": {"status-skipped-line": 1},
    "real-1.17.6-cee-verbose-enterprise.txt": {"status-skipped-line": 1},
    "real-1.19.2-kubeadm-tunnel.txt": {"status-skipped-line": 1},
    "real-1.20.1-minikube-grep.txt": {},
    "real-1.20.2-kind-grep.txt": {},
    "real-1.17-dev-clustermesh-health.txt": {"status-skipped-line": 1},
    "real-1.17-dev-clustermesh-health-verbose.txt": {},
    "real-docs-clustermesh-all-clusters.txt": {},
    "real-docs-servicemesh-proxy-redirects.txt": {"status-skipped-line": 2},
    "real-docs-servicemesh-kpr-services.txt": {"status-skipped-line": 4},
    "real-fragment-health-masked-ips.txt": {},
    "real-wireguard-node-encryption-grep.txt": {"status-skipped-line": 1},
    "real-ipsec-rst-console.txt": {"status-skipped-line": 2},
    "real-docs-host-firewall-grep.txt": {"status-skipped-line": 1},
}


def _parse(name: str) -> Status:
    return parse_status((SAMPLES / name).read_text(encoding="utf-8"), source=name)


def test_every_real_sample_is_listed_with_its_source() -> None:
    files = {path.name for path in SAMPLES.glob("real-*.txt")}
    assert files == set(REAL) == set(EXPECTED_CODES)
    assert all(row["source"] and row["kind"] in FORMAT_OF_KIND for row in REAL.values())


@pytest.mark.parametrize("name", sorted(REAL))
def test_format_is_the_documented_kind(name: str) -> None:
    assert _parse(name).format == FORMAT_OF_KIND[REAL[name]["kind"]]


@pytest.mark.parametrize("name", sorted(REAL))
def test_nothing_is_left_unread(name: str) -> None:
    status = _parse(name)
    codes = Counter(d.code for d in status.diagnostics)
    assert codes == Counter(EXPECTED_CODES[name]), [str(d) for d in status.diagnostics]
    assert not status.truncated


@pytest.mark.parametrize("name", sorted(REAL))
def test_version_agrees_with_the_listing(name: str) -> None:
    status = _parse(name)
    listed = REAL[name]["cilium_version"]
    has_line = "Cilium:  " in (SAMPLES / name).read_text(encoding="utf-8")
    assert (status.cilium is not None) == has_line
    if has_line and listed[:1].isdigit() and " " not in listed:
        assert status.cilium is not None and status.cilium.version == listed


@pytest.mark.parametrize("name", sorted(REAL))
def test_json_validates_against_the_schema(name: str) -> None:
    import jsonschema

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    data: dict[str, Any] = status_to_dict(_parse(name))
    assert [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(data)] == []


def test_1_14_5_kpr_false_with_an_addressless_device_and_host_routing() -> None:
    status = _parse("real-1.14.5-kubekey-kpr-false.txt")
    kpr = status.kube_proxy_replacement
    assert kpr is not None and kpr.mode == "False"
    assert [(d.name, d.addresses, d.direct_routing) for d in kpr.devices] == [("enp1s0", (), True)]
    assert status.kvstore is not None and (status.kvstore.state, status.kvstore.message) == (
        "Ok",
        "Disabled",
    )
    assert status.srv6 is None  # 1.14 has no SRv6 line
    assert status.routing is not None and (status.routing.host, status.routing.network) == (
        "Legacy",
        None,
    )
    assert status.proxy is not None and status.proxy.envoy == "embedded"
    assert status.hubble is not None
    assert (status.hubble.current_flows, status.hubble.fill_percent) == (140, 3.42)
    health = status.cluster_health
    assert health is not None and (health.reachable, health.total) == (0, 1)
    assert [(n.name, n.localhost, n.host, n.endpoints, n.reachable) for n in health.nodes] == [
        ("m1", True, "reachable", "unreachable", False)
    ]
    assert status.node == "m1"
    assert status.modules_health is None  # 1.14 prints no Modules Health


def test_1_16_3_shell_comment_paste_keeps_the_first_kpr_line() -> None:
    status = _parse("real-1.16.3-ec2-comment-prefixed.txt")
    assert status.cilium is not None and status.cilium.git_revision == "v1.16.3-f2217191"
    kpr = status.kube_proxy_replacement
    assert kpr is not None and kpr.direct_routing_device == "ens5"
    assert kpr.devices[0].addresses == ("192.168.10.10", "fe80::b1:11ff:feba:7ce9")
    masq = status.masquerading
    assert masq is not None and (masq.mode, masq.devices, masq.cidrs) == (
        "BPF",
        ("ens5",),
        ("192.168.0.0/16",),
    )
    assert status.hubble is not None and status.hubble.metrics_state == "Ok"
    assert status.modules_health is not None and status.modules_health.ok == 45
    duplicate = next(d for d in status.diagnostics if d.code == "status-duplicate-line")
    assert duplicate.position is not None and duplicate.position.line == 30


def test_1_17_2_minikube_arm64_without_trailing_spaces() -> None:
    status = _parse("real-1.17.2-minikube-arm64.txt")
    assert status.kvstore is not None and status.kvstore.state == "Disabled"
    assert status.kubernetes is not None and status.kubernetes.platform == "linux/arm64"
    assert status.routing is not None
    assert (status.routing.network, status.routing.tunnel_protocol, status.routing.host) == (
        "Tunnel",
        "vxlan",
        "Legacy",
    )
    assert (status.attach_mode, status.device_mode) == ("TCX", "veth")
    assert status.ipam is not None and status.ipam.families[0].cidr == "10.244.0.0/24"
    assert status.health_daemon is not None and status.health_daemon.state == "Ok"
    assert status.controllers is not None and status.controllers.total == 26
    assert status.cluster_health is not None and status.cluster_health.nodes == ()


def test_1_17_6_enterprise_brief_from_an_agent_shell() -> None:
    status = _parse("real-1.17.6-cee-brief-agent-shell.txt")
    assert status.cilium is not None
    assert (status.cilium.version, status.cilium.git_revision) == (
        "1.17.6-cee.1",
        "v1.17.6-cee.1-a33b0b85",
    )
    assert status.kubernetes is not None and status.kubernetes.apis is not None
    assert "isovalent/v1alpha1::IsovalentNetworkPolicy" in status.kubernetes.apis
    assert len(status.kubernetes.apis) == 12
    assert status.routing is not None and (status.routing.network, status.routing.host) == (
        "Native",
        "BPF",
    )
    assert status.hubble is not None and status.hubble.fill_percent == 61.59
    assert status.modules_health is not None and status.modules_health.ok == 68


def test_1_17_6_enterprise_verbose() -> None:
    status = _parse("real-1.17.6-cee-verbose-enterprise.txt")
    assert status.ipam is not None
    assert [a.owner for a in status.ipam.allocated][2:4] == ["health", "router"]
    controllers = status.controllers
    assert controllers is not None and (controllers.healthy, controllers.total) == (36, 36)
    assert len(controllers.controllers) == 36
    row = controllers.controllers[31]
    assert (row.name, row.last_success, row.last_error) == (
        "sync-to-k8s-ciliumendpoint (196)",
        "1s",
        None,
    )
    assert status.clock_source is not None and status.clock_source.mode == "ktime"
    details = status.kpr_details
    assert isinstance(details, KprDetails)
    assert (details.mode, details.backend_selection, details.xdp_acceleration) == (
        "SNAT",
        "Random",
        "Disabled",
    )
    assert details.annotations[-1] == "service.cilium.io/type"
    assert [s.name for s in details.services] == [
        "ClusterIP",
        "NodePort",
        "LoadBalancer",
        "externalIPs",
        "HostPort",
    ]
    assert status.bpf_map_sizing is not None and status.bpf_map_sizing.ratio == 0.0025
    assert status.bpf_maps is not None and len(status.bpf_maps) == 21
    assert (status.bpf_maps[-1].name, status.bpf_maps[-1].size) == ("Sock reverse NAT", 65536)
    health = status.cluster_health
    assert health is not None and [n.name for n in health.nodes] == [
        "k8s-node-3",
        "k8s-node-1",
        "k8s-node-2",
    ]
    assert status.node == "k8s-node-3"
    assert health.nodes[1].address == "10.75.59.81"
    assert health.nodes[1].probes[1].rtt == "1.042743ms"
    assert all(node.reachable for node in health.nodes)
    modules = status.modules_health
    assert modules is not None and modules.ok is None  # this layout prints no counters
    paths = [m.path for m in modules.modules]
    assert len(paths) == 67
    assert paths[0] == (
        "enterprise-agent.agent.controlplane.auth.observer-job-auth-gc-identity-events"
    )
    assert modules.modules[0].message == "OK (1.812µs) [5]"
    assert paths[-1] == (
        "enterprise-agent.enterprise-controlplane.cec-ingress-policy."
        "timer-job-enterprise-endpoint-policy-periodic-regeneration"
    )
    collect = next(m for m in modules.modules if m.path.endswith("metrics.job-collect"))
    assert (collect.age, collect.count) == ("2m1s", 1)
    assert collect.message.endswith("m=+1803.177514891")


def test_1_19_2_bracketed_prompt_is_not_json() -> None:
    status = _parse("real-1.19.2-kubeadm-tunnel.txt")
    assert status.ipam is not None
    assert (status.ipam.families[0].used, status.ipam.families[0].total) == (2, 14)
    kpr = status.kube_proxy_replacement
    assert kpr is not None and kpr.devices[0].addresses == ("192.168.55.11",)
    assert status.attach_mode == "Legacy TC"
    assert status.masquerading is not None and status.masquerading.mode == "IPTables"
    assert status.proxy is not None and status.proxy.envoy == "external"
    health = status.cluster_health
    assert health is not None and health.probe_interval == "1m56.754608943s"
    assert status.modules_health is not None and status.modules_health.stopped == 23


def test_1_20_grep_fragments() -> None:
    first = _parse("real-1.20.1-minikube-grep.txt")
    assert first.kube_proxy_replacement is not None
    assert (first.kube_proxy_replacement.mode, first.kube_proxy_replacement.devices) == (
        "False",
        (),
    )
    assert first.kubernetes is not None and first.kubernetes.version == "1.37"
    assert first.device_mode == "veth"
    second = _parse("real-1.20.2-kind-grep.txt")
    hubble = second.hubble
    assert hubble is not None
    assert (hubble.current_flows, hubble.max_flows, hubble.fill_percent) == (252, 4095, 6.15)
    assert (hubble.flows_per_second, hubble.metrics_state) == (None, None)
    assert second.proxy is not None and second.proxy.envoy == "embedded"
    assert second.cni_config is not None and second.cni_config.endswith("05-cilium.conflist")


def test_cluster_mesh_health_rows_with_dual_stack_addresses() -> None:
    brief = _parse("real-1.17-dev-clustermesh-health.txt").cluster_health
    assert brief is not None and (brief.reachable, brief.total) == (2, 4)
    assert [(n.name, n.address, n.secondary_addresses, n.reachable) for n in brief.nodes] == [
        ("clustermesh1/clustermesh1-control-plane", "172.19.0.3", ("fc00:c111::3",), False),
        ("clustermesh1/clustermesh1-worker", "172.19.0.2", ("fc00:c111::2",), False),
    ]
    verbose = _parse("real-1.17-dev-clustermesh-health-verbose.txt")
    assert verbose.cluster_health is not None and len(verbose.cluster_health.nodes) == 4
    assert verbose.node == "clustermesh2-worker"
    assert [n.reachable for n in verbose.cluster_health.nodes] == [True, False, False, True]


def test_docs_cluster_mesh_remote_cluster() -> None:
    mesh = _parse("real-docs-clustermesh-all-clusters.txt").cluster_mesh
    assert mesh is not None and (mesh.ready, mesh.total, mesh.global_services) == (1, 1, 10)
    remote = mesh.clusters[0]
    assert (remote.name, remote.ready, remote.nodes, remote.endpoints) == ("k8s-c2", True, 3, 25)
    assert (remote.identities, remote.services, remote.failures) == (8, 10, 0)
    assert len(remote.details) == 3
    assert remote.details[1].startswith("remote configuration: expected=true")


def test_docs_fragments_with_elisions() -> None:
    proxy = _parse("real-docs-servicemesh-proxy-redirects.txt")
    assert proxy.proxy is not None
    assert (proxy.proxy.ip, proxy.proxy.redirects, proxy.proxy.envoy) == ("10.0.0.25", 6, None)
    assert proxy.identity_range is not None and proxy.identity_range.maximum == 65535
    details = _parse("real-docs-servicemesh-kpr-services.txt").kpr_details
    assert isinstance(details, KprDetails)
    assert [(s.name, s.enabled, s.detail) for s in details.services] == [
        ("ClusterIP", True, None),
        ("NodePort", True, "Range: 30000-32767"),
    ]


def test_masked_addresses_in_health_rows() -> None:
    health = _parse("real-fragment-health-masked-ips.txt").cluster_health
    assert health is not None and (health.reachable, health.total) == (1, 3)
    assert [(n.name, n.address, n.host, n.endpoints) for n in health.nodes] == [
        ("kubernetes/worker1", "xxx.xx.xx.xxx", "unreachable", "reachable"),
        ("kubernetes/worker2", "xxx.xx.xx.xxx", "unreachable", "reachable"),
    ]


def test_encryption_and_host_firewall_lines() -> None:
    wireguard = _parse("real-wireguard-node-encryption-grep.txt").encryption
    assert wireguard is not None and wireguard.mode == "Wireguard"
    assert wireguard.node_encryption is False
    assert [(i.name, i.port, i.peers) for i in wireguard.interfaces] == [("cilium_wg0", 51871, 2)]
    assert wireguard.interfaces[0].public_key == "THkcMCKollaI03vpIU/OuUiTKW6pAwvDfQMXTkcEkF4="
    ipsec = _parse("real-ipsec-rst-console.txt").encryption
    assert ipsec is not None and (ipsec.mode, ipsec.interfaces) == ("IPsec", ())
    firewall = _parse("real-docs-host-firewall-grep.txt").host_firewall
    assert firewall is not None and (firewall.mode, firewall.devices) == ("Enabled", ("eth0",))
