"""Edge cases of the loaders: tags, versions, JSON patch ops, talhelper files, declared."""

from __future__ import annotations

from pathlib import Path

import pytest

from ciliumdrift.errors import TalosError, UnsupportedVersion, ValuesError, YamlError
from ciliumdrift.load import SetFlag, load_declared, load_talos, load_values
from ciliumdrift.model import Layer

from .conftest import write


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: !!binary aGVsbG8=\n", "hello"),
        ("a: !!int '3'\n", 3),
        ("a: !custom 1\n", "1"),
        ("a: !!str 1\n", "1"),
        ("a: 0b101\n", 5),
        ("a: -0b11\n", -3),
        ("a: 12345678901234567890\n", 12345678901234567000),
        ("1.5: x\n", None),
    ],
)
def test_tags_and_numbers(tmp_path: Path, text: str, expected: object) -> None:
    values = load_values([write(tmp_path, "v.yaml", text)], chart="none")
    if expected is None:
        assert values.values == {"1.5": "x"}
    else:
        assert values.values["a"] == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: !!binary '%%%'\n", "not base64"),
        ("a: !!int abc\n", "as !!int"),
        ("a: .inf\n", ".inf or .nan"),
        ("? [a]\n: 1\n", "must be a scalar"),
        ("~: 1\n", "null mapping key"),
        ("<<: 1\n", "merge key"),
    ],
)
def test_values_that_helm_refuses(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises((YamlError, ValuesError), match=message):
        load_values([write(tmp_path, "v.yaml", text)], chart="none")


def test_version_from_a_wrapper_and_its_errors(tmp_path: Path) -> None:
    release = (
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: cilium}\n"
        "spec:\n  chart:\n    spec: {chart: cilium, version: 1.9.0}\n  values: {a: 1}\n"
    )
    path = write(tmp_path, "hr.yaml", release)
    with pytest.raises(UnsupportedVersion) as caught:
        load_values([path])
    assert str(caught.value).startswith(f"{path}:6:")
    declared = load_declared([path], chart="none")
    assert declared.cilium_version is not None and declared.cilium_version.value == "1.9.0"
    assert declared.cilium_version.origin.position is not None
    declared = load_declared([path], cilium_version="v1.18.4")
    assert declared.cilium_version is not None and declared.cilium_version.value == "1.18.4"
    assert declared.values.chart_version == "1.18.4" and declared.talos is None


def test_declared_with_talos(tmp_path: Path) -> None:
    values = write(tmp_path, "v.yaml", "kubeProxyReplacement: true\n")
    talos = write(tmp_path, "t.yaml", "cluster:\n  proxy:\n    disabled: true\n")
    declared = load_declared([values], set_flags=[SetFlag(Layer.SET, "a=1")], talos_files=[talos])
    assert declared.talos is not None and declared.talos.kube_proxy_disabled is not None
    assert declared.talos.kube_proxy_disabled.value is True
    assert declared.values.raw("a") == 1 and "a" in declared.values.user_keys


def test_set_file_and_placeholders_overridden(tmp_path: Path) -> None:
    content = write(tmp_path, "cfg.txt", "line1\nline2\n")
    values_path = write(tmp_path, "v.yaml", "cidr: ${CLUSTER_CIDR}\nhost: '{{ .host }}'\n")
    values = load_values(
        [values_path],
        set_flags=[
            SetFlag(Layer.SET_FILE, f"cfg={content}"),
            SetFlag(Layer.SET, "cidr=10.0.0.0/8"),
        ],
        chart="none",
    )
    assert values.values == {"cfg": "line1\nline2\n", "cidr": "10.0.0.0/8"}
    assert list(values.placeholders) == ["host"]


def test_json_patch_operations(tmp_path: Path) -> None:
    base = write(
        tmp_path,
        "c.yaml",
        "version: v1alpha1\nmachine:\n  kernel:\n    modules: [{name: a}, {name: b}]\n"
        "  sysctls: {x: '1'}\ncluster: {}\n",
    )
    ops = write(
        tmp_path,
        "p.yaml",
        "- {op: copy, from: /machine/sysctls/x, path: /machine/sysctls/y}\n"
        "- {op: move, from: /machine/sysctls/x, path: /machine/sysctls/z}\n"
        "- {op: remove, path: /machine/kernel/modules/0}\n"
        "- {op: replace, path: /machine/kernel/modules/0/name, value: c}\n"
        "- {op: add, path: /machine/kernel/modules/0, value: {name: first}}\n",
    )
    facts = load_talos([base, ops])
    assert [m.value for m in facts.kernel_modules] == ["first", "c"]
    assert {k: v.value for k, v in facts.sysctls.items()} == {"y": "1", "z": "1"}
    for bad, message in [
        ("- {op: test, path: /machine/sysctls/x, value: '2'}\n", "test failed"),
        ("- {op: add, path: machine}\n", "must start with /"),
        ("- {path: /x}\n", "needs op and path"),
        ("- {op: add, path: /x}\n", "needs a value"),
        ("- {op: copy, path: /x}\n", "needs from"),
        ("- 1\n", "must be a mapping"),
        ("- {op: remove, path: /machine/kernel/modules/7}\n", "does not exist"),
    ]:
        with pytest.raises(TalosError, match=message):
            load_talos([base, write(tmp_path, "bad.yaml", bad)])


def test_talconfig_file_patches_and_vlans(tmp_path: Path) -> None:
    (tmp_path / "patches").mkdir()
    write(
        tmp_path / "patches",
        "net.yaml",
        "machine:\n  network:\n    interfaces:\n"
        "      - interface: eth0\n        vlans: [{vlanId: 70}]\n        $$patch: replace\n",
    )
    write(
        tmp_path / "patches",
        "json.yaml",
        "- {op: add, path: /machine/kernel, value: {modules: [{name: br}]}}\n",
    )
    talconfig = write(
        tmp_path,
        "talconfig.yaml",
        "clusterName: c1\ntalosVersion: v1.99.0\nendpoint: https://10.0.0.1:6443\n"
        "cniConfig: {name: none}\n"
        "patches:\n  - '@./patches/net.yaml'\n  - '@./patches/json.yaml'\n"
        "  - '@./patches/missing.yaml'\n"
        "  - {machine: {sysctls: {a.b: 1}}}\n"
        "controlPlane:\n  inlinePatch:\n    cluster:\n      proxy:\n        disabled: true\n"
        "worker:\n  patches: []\n"
        "nodes:\n  - hostname: n1\n    ipAddress: 10.0.0.2, 10.0.0.3\n"
        "    talosImageURL: factory.talos.dev/installer/abc\n"
        "    networkInterfaces:\n      - interface: eth1\n        addresses: [10.0.0.2/24]\n",
    )
    facts = load_talos([talconfig])
    assert facts.cluster_name is not None and facts.cluster_name.value == "c1"
    assert facts.control_plane_endpoint is not None
    assert facts.version is not None and facts.version.value == "1.99.0"
    assert facts.kernel is None and any("no kernel known" in d.message for d in facts.diagnostics)
    assert {"eth0", "eth0.70", "eth1"} <= {i.value for i in facts.interfaces}
    assert [m.value for m in facts.kernel_modules] == ["br"]
    assert facts.sysctls["a.b"].value == "1"
    assert {"10.0.0.2", "10.0.0.3"} <= {a.value for a in facts.node_addresses}
    assert facts.kube_proxy_disabled is not None and facts.kube_proxy_disabled.value is True
    assert any("not found" in d.message for d in facts.diagnostics)
    assert any("worker" in d.message for d in facts.diagnostics)


def test_talos_without_version_and_resolver_document(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "p.yaml",
        "apiVersion: v1alpha1\nkind: ResolverConfig\n"
        "hostDNS:\n  enabled: true\n  forwardKubeDNSToHost: false\n"
        "---\napiVersion: v1alpha1\nkind: KernelModuleConfig\nname: nbd\n"
        "---\napiVersion: v1alpha1\nkind: KubePrismConfig\nport: 7446\n"
        "---\napiVersion: v1alpha1\nkind: WireguardConfig\nname: wg0\nprivateKey: c2VjcmV0\n",
    )
    facts = load_talos([path])
    assert (
        facts.forward_kube_dns_to_host is not None and facts.forward_kube_dns_to_host.value is False
    )
    assert [m.value for m in facts.kernel_modules] == ["nbd"]
    assert facts.kubeprism_port is not None and facts.kubeprism_port.value == 7446
    assert "c2VjcmV0" not in repr(facts)
    assert "wg0" in {i.value for i in facts.interfaces}


def test_full_config_without_kubeprism_is_off(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "c.yaml",
        "version: v1alpha1\nmachine:\n  install:\n    image: x/installer:latest\ncluster: {}\n",
    )
    facts = load_talos([path, path])
    assert facts.kubeprism_enabled is not None and facts.kubeprism_enabled.value is False
    assert facts.version is None
    assert any(d.code == "talos-second-config" for d in facts.diagnostics)
    with pytest.raises(TalosError, match="scalar document"):
        load_talos([write(tmp_path, "s.yaml", "just text\n")])
    with pytest.raises(TalosError, match="port"):
        load_talos(
            [write(tmp_path, "port.yaml", "machine:\n  features:\n    kubePrism: {port: abc}\n")]
        )
