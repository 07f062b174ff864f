"""Every corpus values file loads; specific facts per file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ciliumdrift.load import load_values
from ciliumdrift.model import Layer

from .conftest import CORPUS, corpus

FILES = corpus("values")

# file -> {dotted key: expected merged value}; "<default>": only the chart default (if any)
EXPECTED: dict[str, dict[str, Any]] = {
    "values-001.yaml": {
        "bpf.datapathMode": "netkit",
        "bpf.masquerade": True,
        "k8sServicePort": 7445,
        "cgroup.automount.enabled": False,
        "cgroup.autoMount.enabled": True,
        "ipv4NativeRoutingCIDR": "10.42.0.0/16",
        "routingMode": "native",
    },
    "values-002.yaml": {"bpf.datapathMode": "netkit", "ipv4NativeRoutingCIDR": "10.244.0.0/16"},
    "values-004.yaml": {"bpf.hostLegacyRouting": True, "bpf.datapathMode": "veth"},
    "values-009.yaml": {
        "tunnelProtocol": "geneve",
        "loadBalancer.dsrDispatch": "geneve",
        "k8sServiceHost": "localhost",
        "envoy.prometheus.port": "9964",
    },
    "values-013.yaml": {"kubeProxyReplacement": "strict", "cluster.id": "0", "bgp.enabled": True},
    "values-014.yaml": {
        "ipv6.enabled": True,
        "enableIPv6Masquerade": False,
        "bpf.mapDynamicSizeRatio": 0.08,
        "securityContext.capabilities.ciliumAgent": [
            "CHOWN",
            "KILL",
            "NET_ADMIN",
            "NET_RAW",
            "IPC_LOCK",
            "SYS_ADMIN",
            "SYS_RESOURCE",
            "DAC_OVERRIDE",
            "FOWNER",
            "SETGID",
            "SETUID",
        ],
    },
    "values-016.yaml": {"k8sServiceHost": "localhost", "ipam.mode": "kubernetes"},
    "values-017.yaml": {"hubble.relay.enabled": True, "hubble.ui.ingress.hosts": "<default>"},
    "values-025.yaml": {
        "bpf.masquerade": False,
        "ipv4NativeRoutingCIDR": "<default>",
        "cluster.id": 1,
        "containerRuntime.integration": "containerd",
    },
    "values-030.yaml": {"bpf.datapathMode": "netkit", "devices": "eth+"},
    "values-031.yaml": {
        "devices": "ens+ bond+",
        "ipv6NativeRoutingCIDR": "fd42::/48",
        "bpf.tproxy": True,
    },
}
VERSIONS = {
    "values-017.yaml": "1.17.1",
    "values-018.yaml": "1.16.6",
    "values-020.yaml": "1.19.0",
    "values-025.yaml": "1.15.2",
}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_corpus_values_file_loads(path: Path) -> None:
    values = load_values([str(path)])
    assert values.values, "merged values are never empty (chart defaults)"
    assert values.chart_version == VERSIONS.get(path.name, values.chart_version)
    for key, expected in EXPECTED.get(path.name, {}).items():
        if expected == "<default>":  # the user's text was a placeholder: the chart default stays
            assert not values.has(key) or values.origin(key).layer is Layer.CHART_DEFAULT, key
        else:
            assert values.raw(key) == expected, key
    # every user key points into the file, at the line that holds it
    text = path.read_text().splitlines()
    for key in values.user_keys:
        origin = values.sources.get(key)
        if origin is None or origin.layer is not Layer.VALUES_FILE:
            continue
        assert origin.position is not None and origin.position.file == str(path)
        line = text[origin.position.line - 1]
        leaf = key.rsplit(".", 1)[-1].replace("\\.", ".")
        assert leaf in line or line[origin.position.column - 1 :].strip(), (key, line)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_key_has_a_source(path: Path) -> None:
    values = load_values([str(path)])

    def walk(node: Any, prefix: str) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                key = (
                    f"{prefix}.{k.replace('.', chr(92) + '.')}" if prefix else k.replace(".", "\\.")
                )
                assert key in values.sources, key
                walk(v, key)

    walk(values.values, "")


def test_flux_wrapper_reports_values_from_and_placeholders() -> None:
    values = load_values([str(CORPUS / "values" / "values-017.yaml")])
    codes = {d.code for d in values.diagnostics}
    assert {"values-from-not-resolved", "values-placeholder", "chart-version-note"} <= codes
    origin = values.placeholders["hubble.ui.ingress.hosts"]
    assert origin.position is not None and origin.position.line == 56


def test_argo_multi_source_with_the_referenced_values_file() -> None:
    values = load_values(
        [str(CORPUS / "values" / "values-021.yaml"), str(CORPUS / "values" / "values-020.yaml")]
    )
    assert values.chart_version == "1.19.0"
    assert values.raw("encryption.type") == "wireguard"
    assert values.origin("encryption.type").position.file.endswith("values-021.yaml")  # type: ignore[union-attr]


def test_later_files_and_flags_win_with_provenance() -> None:
    files = [str(CORPUS / "values" / "values-016.yaml"), str(CORPUS / "values" / "values-001.yaml")]
    from ciliumdrift.load import SetFlag

    values = load_values(
        files, set_flags=[SetFlag(Layer.SET, "bpf.datapathMode=veth")], cilium_version="1.18.4"
    )
    assert values.raw("k8sServiceHost") == "127.0.0.1"
    assert values.origin("k8sServiceHost").position.file.endswith("values-001.yaml")  # type: ignore[union-attr]
    assert values.raw("bpf.datapathMode") == "veth"
    assert values.origin("bpf.datapathMode").layer is Layer.SET
    assert values.chart_version == "1.18.4"
    assert values.origin("bpf.enableTCX").layer is Layer.CHART_DEFAULT
