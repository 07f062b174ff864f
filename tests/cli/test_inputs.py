"""The inputs of a run: one Cilium version with its origin, folder order, settings, file kinds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ciliumdrift.api import discover, gather_inputs
from ciliumdrift.errors import InputError
from ciliumdrift.inputs import VersionSource, resolve_cilium_version
from ciliumdrift.model import Layer, Located, Origin
from tests.conftest import CORPUS, EXAMPLES, invoke

SEED = EXAMPLES / "talos-netkit-native"


# -- the version, resolved once ---------------------------------------------------------------
def test_precedence_flag_wrapper_settings_deployed_observed() -> None:
    pin = Located("1.17.3", Origin(Layer.VALUES_FILE, detail="HelmRelease spec.chart.spec.version"))
    observed = [("node-1", "1.16.5")]
    assert resolve_cilium_version(flag="v1.18.4", wrapper=pin).source is VersionSource.FLAG
    assert resolve_cilium_version(wrapper=pin, settings="1.15.0").value == "1.17.3"
    got = resolve_cilium_version(settings="1.15.0", observed=observed, settings_source="x.yaml")
    assert (got.value, got.source) == ("1.15.0", VersionSource.SETTINGS)
    got = resolve_cilium_version(deployed="1.19.1", observed=observed)
    assert (got.value, got.source) == ("1.19.1", VersionSource.DEPLOYED)
    got = resolve_cilium_version(observed=observed)
    assert (got.value, got.source) == ("1.16.5", VersionSource.OBSERVED)
    assert "node-1" in got.detail
    assert not resolve_cilium_version().known


def test_check_names_the_version_and_its_origin_on_the_first_line(repo_cwd: Path) -> None:
    _code, out, _ = invoke("check", "-f", f"{SEED}/values.yaml", "--status", f"{SEED}/status.txt")
    first = out.splitlines()[0]
    assert "Cilium 1.18.4 (from the Cilium line of the status)" in first
    _code, out, _ = invoke("check", f"{SEED}/", "--cilium-version", "1.18.4", "--format", "json")
    source = json.loads(out)["inputs"]["cilium_version_source"]
    assert source == {"version": "1.18.4", "source": "flag", "detail": "--cilium-version 1.18.4"}


def test_no_version_anywhere_is_said_on_the_first_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    values = tmp_path / "values.yaml"
    values.write_text("routingMode: native\nipv4NativeRoutingCIDR: 10.0.0.0/8\n")
    inputs, _ = gather_inputs(values_files=[str(values)])
    assert inputs.version.source is VersionSource.NONE
    code, out, err = invoke("check", "-f", str(values), "--status", f"{SEED}/status.txt")
    assert "Cilium 1.18.4 (from the Cilium line" in out.splitlines()[0]  # status says it
    code, out, err = invoke("expect", "-f", str(values), "--format", "json")
    assert code == 0, err


def test_settings_give_the_version_and_the_files_to_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "cilium").mkdir()
    (tmp_path / "cilium" / "values.yaml").write_text((SEED / "values.yaml").read_text())
    (tmp_path / "status.txt").write_text((SEED / "status.txt").read_text())
    (tmp_path / ".ciliumdrift.yaml").write_text(
        "cilium-version: 1.18.4\nvalues: [cilium/values.yaml]\n"
    )
    monkeypatch.chdir(tmp_path)
    code, out, err = invoke("check", "--status", "status.txt", "--format", "json")
    assert code in (0, 1), err
    report = json.loads(out)
    assert report["inputs"]["values"] == [str(Path("cilium") / "values.yaml")] or report["inputs"][
        "values"
    ][0].endswith("cilium/values.yaml")
    assert report["inputs"]["cilium_version_source"]["source"] == "settings"


# -- folder order -----------------------------------------------------------------------------
def test_folder_merges_values_yaml_before_the_override(tmp_path: Path) -> None:
    (tmp_path / "values.yaml").write_text("routingMode: tunnel\nipam:\n  mode: kubernetes\n")
    (tmp_path / "values-override.yaml").write_text("routingMode: native\n")
    found = discover(tmp_path)
    assert [Path(v).name for v in found.values] == ["values.yaml", "values-override.yaml"]
    layers = [arg for value in found.values for arg in ("-f", value)]
    code, out, err = invoke("values", *layers, "--chart", "none", "--format", "json")
    assert code == 0, err
    assert json.loads(out)["values"]["routingMode"] == "native"  # the override is not lost


def test_folder_with_conflicting_overlays_is_refused(tmp_path: Path) -> None:
    (tmp_path / "values.yaml").write_text("ipam:\n  mode: kubernetes\n")
    (tmp_path / "values-a.yaml").write_text("routingMode: native\n")
    (tmp_path / "values-b.yaml").write_text("routingMode: tunnel\n")
    with pytest.raises(InputError, match="both set routingMode"):
        discover(tmp_path)
    code, _, err = invoke("check", str(tmp_path))
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert "values-b.yaml" in err and "-f" in err


def test_folder_with_independent_overlays_merges_by_name(tmp_path: Path) -> None:
    (tmp_path / "values.yaml").write_text("ipam:\n  mode: kubernetes\n")
    (tmp_path / "values-hubble.yaml").write_text("hubble:\n  enabled: false\n")
    (tmp_path / "values-bpf.yaml").write_text("bpf:\n  masquerade: true\n")
    names = [Path(v).name for v in discover(tmp_path).values]
    assert names == ["values.yaml", "values-bpf.yaml", "values-hubble.yaml"]


# -- file kinds -------------------------------------------------------------------------------
def test_lint_refuses_a_talos_config(repo_cwd: Path) -> None:
    talos = CORPUS / "talos" / "talos-001.yaml"
    code, out, err = invoke("lint", str(talos))
    assert code == 2
    assert err.strip().count("\n") == 0
    assert "a Talos machine config" in err and "--talos" in err
    assert "CD101" not in out


@pytest.mark.parametrize("mib", [2, 5], ids=["over-the-values-limit", "over-the-talos-limit"])
def test_lint_refuses_a_large_talos_config_as_talos(tmp_path: Path, mib: int) -> None:
    """A real control-plane config carries MiBs of inline manifests: still named Talos."""
    config = tmp_path / "controlplane.yaml"
    manifest = "        # a rendered manifest\n" * (mib * 1024 * 1024 // 32)
    config.write_text(
        "version: v1alpha1\nmachine:\n  type: controlplane\ncluster:\n  inlineManifests:\n"
        f"    - name: cilium\n      contents: |\n{manifest}"
    )
    code, _, err = invoke("lint", str(config))
    assert code == 2 and err.strip().count("\n") == 0
    assert "a Talos machine config" in err and "--talos" in err


def test_lint_reads_values_with_a_commented_cluster_block(tmp_path: Path) -> None:
    """``cluster:`` with a long run of comments (the chart's own values.yaml has one): values,
    unless a Talos child follows the comments."""
    values = tmp_path / "values.yaml"
    comments = "  # -- the cluster's name and id\n" * 60
    values.write_text(f"cluster:\n{comments}  name: default\n  id: 0\n")
    code, _, err = invoke("lint", str(values), "--cilium-version", "1.18.4")
    assert code == 0, err
    values.write_text(f"cluster:\n{comments}  network:\n    cni:\n      name: none\n")
    code, _, err = invoke("lint", str(values), "--cilium-version", "1.18.4")
    assert code == 2 and "a Talos machine config" in err


def test_talos_option_refuses_helm_values(repo_cwd: Path) -> None:
    code, _, err = invoke(
        "check",
        "-f",
        f"{SEED}/values.yaml",
        "--talos",
        f"{SEED}/values.yaml",
        "--status",
        f"{SEED}/status.txt",
    )
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert "not a Talos machine config or patch" in err


def test_a_talos_patch_invents_no_conflict(tmp_path: Path, repo_cwd: Path) -> None:
    patch = tmp_path / "patch.yaml"
    patch.write_text(
        "machine:\n  kubelet:\n    extraArgs:\n      rotate-server-certificates: true\n"
    )
    code, out, err = invoke(
        "check",
        "-f",
        f"{SEED}/values.yaml",
        "--talos",
        str(patch),
        "--status",
        f"{SEED}/status.txt",
        "--format",
        "json",
    )
    assert code in (0, 1), err
    findings = json.loads(out)["findings"]
    text = json.dumps(findings)
    assert "flannel" not in text and "10.244.0.0/16" not in text
    assert not [
        f for f in findings if "kube-proxy" in json.dumps(f).lower() and "Talos" in json.dumps(f)
    ]


def test_lint_without_a_version_says_so_first_and_does_not_fail_on_versions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no .ciliumdrift.yaml above
    values = tmp_path / "values.yaml"
    values.write_text("kubeProxyReplacement: strict\nenableTunnelBIGTCP: true\n")
    code, out, _ = invoke("lint", str(values))
    assert out.splitlines()[0].startswith("note: Cilium version unknown")
    assert code == 0  # removed value and a key of other patch releases: notes
    assert "CD402" in out and "[note]" in out
    code, out, _ = invoke("lint", str(values), "--cilium-version", "1.19.6")
    assert code == 1 and "[error]" in out
    typo = tmp_path / "typo.yaml"
    typo.write_text("bpf:\n  masqurade: true\n")
    code, out, _ = invoke("lint", str(typo))
    assert code == 1  # unknown to every chart version: a typo whatever the version
