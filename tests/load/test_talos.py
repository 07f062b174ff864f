"""Talos configs, patches, talconfig: facts, patch semantics, and secrets never escaping."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ciliumdrift.errors import CiliumdriftError, TalosError
from ciliumdrift.load import load_talos
from ciliumdrift.load.talos import looks_like_talos, parse_talos_version

from .conftest import CORPUS, corpus, write

TALOS = corpus("talos")


@pytest.mark.parametrize("path", TALOS, ids=lambda p: p.name)
def test_every_corpus_talos_file_loads(path: Path) -> None:
    facts = load_talos([str(path)])
    assert facts.files == (str(path),)
    whole = "version: v1alpha1" in path.read_text(encoding="utf-8", errors="replace")
    for located in (
        facts.pod_subnets,
        facts.kubeprism_port,
        facts.cni,
        facts.forward_kube_dns_to_host,
    ):
        # A whole config (or a talconfig) knows every fact; a patch may leave one unknown.
        if located is None:
            assert not whole, path.name
            continue
        assert (
            located.origin.position is not None or located.origin.detail
        )  # a place or a stated default


def test_full_config_facts() -> None:
    facts = load_talos([str(CORPUS / "talos" / "talos-001.yaml")])
    assert facts.version is not None and facts.version.value == "1.11.0-beta.1"
    assert facts.kernel is not None and facts.kernel.value.startswith("6.12.")
    assert facts.cni is not None and facts.cni.value == "none"
    assert facts.kube_proxy_disabled is not None and facts.kube_proxy_disabled.value is True
    assert facts.pod_subnets is not None and facts.pod_subnets.value == ("10.42.0.0/16",)
    assert facts.service_subnets is not None and facts.service_subnets.value == ("10.43.0.0/16",)
    assert facts.kubeprism_port is not None and facts.kubeprism_port.value == 7445
    assert facts.kubeprism_enabled is not None and facts.kubeprism_enabled.value is True
    assert (
        facts.forward_kube_dns_to_host is not None and facts.forward_kube_dns_to_host.value is False
    )
    assert facts.forward_kube_dns_to_host.origin.position is not None
    assert facts.forward_kube_dns_to_host.origin.position.line == 16
    assert [m.value for m in facts.kernel_modules] == ["nbd", "thunderbolt", "thunderbolt_net"]
    assert facts.sysctls["net.ipv4.tcp_congestion_control"].value == "bbr"


def test_config_plus_patches_in_order() -> None:
    facts = load_talos(
        [str(CORPUS / "talos" / n) for n in ("talos-001.yaml", "talos-002.yaml", "talos-010.yaml")]
    )
    assert (
        facts.forward_kube_dns_to_host is not None and facts.forward_kube_dns_to_host.value is False
    )
    assert facts.forward_kube_dns_to_host.origin.position.file.endswith("talos-010.yaml")  # type: ignore[union-attr]
    # lists are appended by strategic merge, duplicates shown once
    assert [m.value for m in facts.kernel_modules] == ["nbd", "thunderbolt", "thunderbolt_net"]
    facts = load_talos([str(CORPUS / "talos" / n) for n in ("talos-010.yaml", "talos-002.yaml")])
    assert (
        facts.forward_kube_dns_to_host is not None and facts.forward_kube_dns_to_host.value is True
    )


def test_talhelper_talconfig() -> None:
    facts = load_talos([str(CORPUS / "talos" / "talos-005.yaml")])
    assert facts.version is not None and facts.version.value == "1.6.7"
    assert facts.kernel is not None and facts.kernel.value.startswith("6.1.")
    assert facts.pod_subnets is not None and facts.pod_subnets.value == ("10.69.0.0/16",)
    assert facts.kube_proxy_disabled is not None and facts.kube_proxy_disabled.value is True
    assert facts.kube_proxy_disabled.origin.position is not None  # inside the inline patch string
    where = facts.kube_proxy_disabled.origin.position
    line = (CORPUS / "talos" / "talos-005.yaml").read_text().splitlines()[where.line - 1]
    assert line[where.column - 1 :] == "true" and line.strip() == "disabled: true"
    assert (
        facts.host_dns_enabled is not None and facts.host_dns_enabled.value is False
    )  # 1.6 generated none
    assert (
        facts.kubeprism_enabled is not None and facts.kubeprism_enabled.value is True
    )  # 1.6 gen config
    assert {"10.10.200.41", "10.10.200.42", "10.10.200.43"} <= {
        a.value for a in facts.node_addresses
    }
    assert facts.sysctls["fs.inotify.max_user_watches"].value == "524288"


def test_multidoc_1_14_and_network_documents() -> None:
    facts = load_talos([str(CORPUS / "talos" / "talos-007.yaml")])
    assert facts.pod_subnets is not None and facts.pod_subnets.value == ("10.69.0.0/16",)
    assert {"bond0", "bond0.30", "bond0.50", "bond0.99"} <= {i.value for i in facts.interfaces}
    facts = load_talos([str(CORPUS / "talos" / "talos-004.yaml")])
    assert [i.value for i in facts.interfaces] == ["net0", "bond0", "bond0.70", "bond0.90"]


def test_kube_documents_and_document_deletion(tmp_path: Path) -> None:
    base = write(
        tmp_path,
        "base.yaml",
        (
            "version: v1alpha1\nmachine:\n  install:\n"
            "    image: factory.talos.dev/installer/abc:v1.14.1\n"
            "cluster:\n  network:\n    podSubnets: [10.244.0.0/16]\n"
            "---\napiVersion: v1alpha1\nkind: KubeProxyConfig\nenabled: true\n"
            "---\napiVersion: v1alpha1\nkind: KubePrismConfig\nport: 7445\n"
            "---\napiVersion: v1alpha1\nkind: KubeNetworkConfig\npodSubnets: [10.1.0.0/16]\n"
        ),
    )
    patch = write(
        tmp_path,
        "patch.yaml",
        (
            "apiVersion: v1alpha1\nkind: KubeProxyConfig\nenabled: false\n"
            "---\napiVersion: v1alpha1\nkind: KubePrismConfig\n$patch: delete\n"
            "---\ncluster:\n  network:\n    podSubnets: [10.2.0.0/16]\n"
        ),
    )
    facts = load_talos([base, patch])
    assert facts.version is not None and facts.version.value == "1.14.1"
    assert facts.kernel is not None and facts.kernel.value == "6.18.51"
    assert facts.kube_proxy_disabled is not None and facts.kube_proxy_disabled.value is True
    assert facts.kubeprism_enabled is not None and facts.kubeprism_enabled.value is False
    assert facts.pod_subnets is not None and facts.pod_subnets.value == ("10.1.0.0/16",)
    assert any(d.code == "talos-subnets-conflict" for d in facts.diagnostics)


def test_strategic_merge_rules(tmp_path: Path) -> None:
    base = write(
        tmp_path,
        "c.yaml",
        (
            "version: v1alpha1\nmachine:\n  kernel:\n    modules: [{name: a}]\n"
            "  network:\n    interfaces:\n      - interface: eth0\n"
            "        addresses: [10.0.0.1/24]\n"
            "cluster:\n  network:\n    podSubnets: [10.244.0.0/16]\n  proxy:\n    disabled: false\n"
            "  apiServer:\n    admissionControl: [{name: x}]\n"
        ),
    )
    patch = write(
        tmp_path,
        "p.yaml",
        (
            "machine:\n  kernel:\n    modules: [{name: b}]\n"
            "  network:\n    interfaces:\n      - interface: eth0\n"
            "        addresses: [10.0.0.2/24]\n"
            "      - interface: eth1\n"
            "cluster:\n  network:\n    podSubnets: [10.9.0.0/16]\n  proxy:\n    disabled: true\n"
            "  apiServer:\n    admissionControl:\n      $patch: delete\n"
        ),
    )
    facts = load_talos([base, patch])
    assert [m.value for m in facts.kernel_modules] == ["a", "b"]  # appended
    assert facts.pod_subnets is not None and facts.pod_subnets.value == ("10.9.0.0/16",)  # replaced
    assert [i.value for i in facts.interfaces] == ["eth0", "eth1"]  # merged by name
    assert [a.value for a in facts.node_addresses] == ["10.0.0.1/24", "10.0.0.2/24"]
    assert facts.kube_proxy_disabled is not None and facts.kube_proxy_disabled.value is True


def test_json_patches(tmp_path: Path) -> None:
    base = write(
        tmp_path,
        "c.yaml",
        "version: v1alpha1\nmachine: {}\ncluster:\n  network:\n    cni: {name: flannel}\n",
    )
    patch = write(
        tmp_path,
        "p.yaml",
        (
            '[{"op": "replace", "path": "/cluster/network/cni", "value": {"name": "none"}},\n'
            ' {"op": "add", "path": "/cluster/proxy", "value": {"disabled": true}},\n'
            ' {"op": "add", "path": "/machine/kernel", "value": {"modules": []}},\n'
            ' {"op": "add", "path": "/machine/kernel/modules/-",'
            ' "value": {"name": "br_netfilter"}},\n'
            ' {"op": "test", "path": "/cluster/proxy/disabled", "value": true}]\n'
        ),
    )
    facts = load_talos([base, patch])
    assert facts.cni is not None and facts.cni.value == "none"
    assert facts.kube_proxy_disabled is not None and facts.kube_proxy_disabled.value is True
    assert [m.value for m in facts.kernel_modules] == ["br_netfilter"]
    missing = write(tmp_path, "m.yaml", "- {op: remove, path: /cluster/nothing}\n")
    with pytest.raises(TalosError, match="does not exist") as caught:
        load_talos([base, missing])
    assert str(caught.value).startswith(f"{missing}:1:")
    bad = write(tmp_path, "b.yaml", "- {op: frobnicate, path: /x}\n")
    with pytest.raises(TalosError, match="unknown JSON patch op"):
        load_talos([base, bad])


SECRETS = {
    "token": "abcdef.0123456789abcdef",
    "key": "LS0tLS1CRUdJTiBFQyBQUklWQVRFIEtFWS0tLS0tCnNlY3JldA==",
    "aescbc": "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3I=",
    "sops": "ENC[AES256_GCM,data:Zm9vYmFy,iv:abc,tag:def,type:str]",
    "manifest": "kind: Secret\ndata:\n  password: aHVudGVyMg==\n",
    "passphrase": "correct-horse-battery-staple",
}


def _secret_config(broken: str = "") -> str:
    return (
        "version: v1alpha1\nmachine:\n"
        f"  token: {SECRETS['token']}\n  ca:\n    crt: {SECRETS['key']}\n"
        f"    key: {SECRETS['key']}\n"
        "  systemDiskEncryption:\n    state:\n      keys:\n        - static:\n"
        f"            passphrase: {SECRETS['passphrase']}\n"
        "  install:\n    image: ghcr.io/siderolabs/installer:v1.9.4\n"
        f'cluster:\n  aescbcEncryptionSecret: {SECRETS["aescbc"]}\n  secret: "{SECRETS["sops"]}"\n'
        "  inlineManifests:\n    - name: cilium\n      contents: |\n"
        + "".join(f"        {line}\n" for line in SECRETS["manifest"].splitlines())
        + broken
    )


def _all_text(facts: object) -> str:
    return repr(facts)


def test_secrets_never_reach_the_model(tmp_path: Path) -> None:
    facts = load_talos([write(tmp_path, "c.yaml", _secret_config())])
    text = _all_text(facts)
    for secret in SECRETS.values():
        for part in secret.splitlines():
            assert part.strip() not in text
    assert facts.kernel is not None and facts.kernel.value == "6.12.13"


@pytest.mark.parametrize(
    "broken",
    [
        f'  extra: "{SECRETS["passphrase"]}\n',  # unterminated quote after secrets
        f"\t{SECRETS['passphrase']}: x\n",  # a tab where indentation belongs
        f"  secret: {SECRETS['passphrase']}\n",  # a duplicate key holding a secret
    ],
)
def test_secrets_never_reach_an_error(tmp_path: Path, broken: str) -> None:
    path = write(tmp_path, "c.yaml", _secret_config(broken))
    with pytest.raises(CiliumdriftError) as caught:
        load_talos([path])
    message = str(caught.value)
    assert message.startswith(path + ":") and "\n" not in message
    for secret in SECRETS.values():
        for part in secret.splitlines():
            assert part.strip() not in message


def test_json_patch_values_are_redacted(tmp_path: Path) -> None:
    base = write(tmp_path, "c.yaml", "version: v1alpha1\nmachine: {}\ncluster: {}\n")
    patch = write(
        tmp_path,
        "p.yaml",
        f'- {{op: add, path: /cluster/secret, value: "{SECRETS["passphrase"]}"}}\n',
    )
    assert SECRETS["passphrase"] not in _all_text(load_talos([base, patch]))


def test_placeholders_are_reported_not_used(tmp_path: Path) -> None:
    facts = load_talos(
        [write(tmp_path, "p.yaml", "machine:\n  install:\n    image: ${installer}\n")]
    )
    assert "machine.install.image" in facts.placeholders
    assert facts.version is None


def test_not_a_talos_file(tmp_path: Path) -> None:
    with pytest.raises(TalosError, match="not a Talos"):
        load_talos(
            [write(tmp_path, "k.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")]
        )


@pytest.mark.parametrize(
    ("image", "version"),
    [
        ("ghcr.io/siderolabs/installer:v1.8.3", "1.8.3"),
        ("factory.talos.dev/installer/3765679:v1.12.4", "1.12.4"),
        ("registry.example:5000/siderolabs/installer:v1.7.6@sha256:" + "a" * 64, "1.7.6"),
        ("factory.talos.dev/metal-installer/4c07:v1.11.0-beta.1", "1.11.0-beta.1"),
        ("ghcr.io/siderolabs/installer:latest", None),
        ("registry.example:5000/siderolabs/installer", None),
    ],
)
def test_installer_versions(image: str, version: str | None) -> None:
    assert parse_talos_version(image) == version


def test_a_patch_leaves_unset_fields_unknown(tmp_path: Path) -> None:
    patch = tmp_path / "patch.yaml"
    patch.write_text("cluster:\n  proxy:\n    disabled: true\n")
    facts = load_talos([str(patch)])
    assert facts.kube_proxy_disabled is not None and facts.kube_proxy_disabled.value is True
    # no invented flannel, 10.244.0.0/16 or KubePrism setting: the patch does not say
    assert facts.cni is None
    assert facts.pod_subnets is None and facts.service_subnets is None
    assert facts.kubeprism_enabled is None and facts.host_dns_enabled is None


def test_a_whole_config_still_gets_talos_defaults(tmp_path: Path) -> None:
    config = tmp_path / "controlplane.yaml"
    config.write_text("version: v1alpha1\nmachine:\n  type: controlplane\ncluster: {}\n")
    facts = load_talos([str(config)])
    assert facts.cni is not None and facts.cni.value == "flannel"
    assert facts.pod_subnets is not None and facts.pod_subnets.value == ("10.244.0.0/16",)


def test_helm_values_given_as_talos_are_refused(tmp_path: Path) -> None:
    values = tmp_path / "values.yaml"
    values.write_text("kubeProxyReplacement: true\nipam:\n  mode: kubernetes\n")
    with pytest.raises(TalosError, match="not a Talos machine config or patch"):
        load_talos([str(values)])


_CLUSTER_CHILDREN = [
    "network",
    "proxy",
    "apiServer",
    "controllerManager",
    "controlPlane",
    "inlineManifests",
    "extraManifests",
    "etcd",
    "discovery",
    "scheduler",
    "allowSchedulingOnControlPlanes",
]


def _cluster_with_talos_child(text: str) -> bool:
    """The ``cluster:`` part of the Talos signature, line by line: a top-level ``cluster:``
    whose block (indented, blank and comment lines) holds an indented Talos child key."""
    rows = text.split("\n")
    for index, row in enumerate(rows[:-1]):  # ``cluster:`` must end its line
        if not row.startswith("cluster:"):
            continue
        for number in range(index + 1, len(rows)):
            line = rows[number]
            body = line.lstrip(" \t")
            if body != line and any(body.startswith(f"{c}:") for c in _CLUSTER_CHILDREN):
                return True
            if number == len(rows) - 1 or not (body == "" or body[0] == "#" or body != line):
                break  # the text ends, or a top-level key ends the block
    return False


_SIGNATURE_LINES = st.sampled_from(
    [
        "cluster:",
        "cluster: {}",
        "  name: default",
        "  # -- a comment",
        "# top-level comment",
        "\t# tab comment",
        "",
        "  ",
        "  \r",
        "  network:",
        "    proxy: {}",
        "  networking: x",
        "  etcd: {}",
        "ipam: {}",
    ]
)


@settings(max_examples=150, deadline=None)
@given(lines=st.lists(_SIGNATURE_LINES, max_size=60), end=st.sampled_from(["", "\n"]))
def test_the_cluster_signature_is_read_line_by_line(lines: list[str], end: str) -> None:
    """Runs of blank and comment lines of any length (the old pattern took exponential time
    in them: 20 comment lines under ``cluster:`` kept lint busy for a minute)."""
    text = "\n".join(lines) + end
    assert looks_like_talos(text) == _cluster_with_talos_child(text)
