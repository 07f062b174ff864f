"""Bundled chart data: regenerated from the charts, equal to Helm's reading of them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ciliumdrift.errors import UnsupportedVersion
from ciliumdrift.load.chart import (
    available_versions,
    chart_defaults,
    commented_keys,
    known_keys,
    load_user_chart,
    open_maps,
    resolve_version,
)
from ciliumdrift.model import Layer
from tests.conftest import load_script

from .conftest import REFERENCE

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "ciliumdrift" / "data" / "chart"


def _tool() -> Any:
    return load_script(REPO / "tools" / "refresh_chart_data.py")


def test_shipped_data_equals_a_fresh_regeneration() -> None:
    generated = _tool().generate(REFERENCE)
    shipped = {
        str(p.relative_to(DATA)): p.read_text("utf-8") for p in DATA.rglob("*") if p.is_file()
    }
    assert set(generated) == set(shipped)
    for name, content in generated.items():
        assert shipped[name] == content, name


def test_index_lists_exactly_the_folders() -> None:
    index = json.loads((DATA / "index.json").read_text())
    folders = {p.name for p in DATA.iterdir() if p.is_dir()}
    assert set(index["versions"]) == folders
    assert [v.rsplit(".", 1)[0] for v in available_versions()] == sorted(
        folders, key=lambda m: tuple(map(int, m.split(".")))
    )


@pytest.mark.parametrize("version", ["1.14.19", "1.16.19", "1.18.12", "1.20.0"])
def test_bundled_defaults_equal_helms_reading(helm: Any, version: str, tmp_path: Path) -> None:
    text = (REFERENCE / version / "values.yaml").read_text()
    assert chart_defaults(version).values == helm.chart_values(text)


def test_resolve_version() -> None:
    newest = available_versions()[-1]
    assert resolve_version(None)[0] == newest and "newest" in (resolve_version(None)[1] or "")
    data, note = resolve_version("v1.18.4")
    assert data.startswith("1.18.") and note is not None and "1.18.4" in note
    assert resolve_version(data) == (data, None)
    assert resolve_version("1.99.0")[0] == newest
    with pytest.raises(UnsupportedVersion):
        resolve_version("1.9.0")
    with pytest.raises(UnsupportedVersion):
        resolve_version("latest")


def test_chart_defaults_carry_values_yaml_positions() -> None:
    defaults = chart_defaults("1.18")
    origin = defaults.sources["bpf.datapathMode"]
    assert origin.layer is Layer.CHART_DEFAULT and origin.version == defaults.chart_version
    assert origin.position is not None and origin.position.file.endswith("values.yaml")
    if REFERENCE.is_dir():
        assert defaults.chart_version is not None
        line = (
            (REFERENCE / defaults.chart_version / "values.yaml")
            .read_text()
            .splitlines()[origin.position.line - 1]
        )
        assert line.strip().startswith("datapathMode:")
    assert defaults.values["bpf"]["datapathMode"] == "veth"


def test_known_keys_and_open_maps() -> None:
    keys = known_keys("1.17")
    assert {
        "bpf.masquerade",
        "kubeProxyReplacement",
        "loadBalancer.mode",
        "cgroup.autoMount.enabled",
    } <= keys
    assert "cgroup.automount.enabled" not in keys
    assert "bpf.datapathMode" not in known_keys("1.15")
    assert "podAnnotations" in open_maps("1.18")
    assert commented_keys("a:\n  # mode: snat\n  b: 1\n# top: 2\n") == {"a.mode", "top"}


def test_user_chart_dir_and_archive(tmp_path: Path) -> None:
    import tarfile

    chart = tmp_path / "mychart"
    chart.mkdir()
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: cilium\nversion: 1.18.99\n")
    (chart / "values.yaml").write_text("bpf:\n  masquerade: yes\n  # tproxy: true\n")
    data = load_user_chart(str(chart))
    assert data.version == "1.18.99"
    assert data.defaults["bpf"].value["masquerade"].value is True
    assert "bpf.tproxy" in data.known_keys
    archive = tmp_path / "mychart.tgz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(chart, arcname="mychart")
    assert load_user_chart(str(archive)).defaults["bpf"].value["masquerade"].value is True


def test_the_chart_default_table_has_every_bundled_chart() -> None:
    # tools/chart_defaults_table.py fills data/agent_defaults.yaml from the bundled charts:
    # run again, it changes nothing, and an old chart's boolean switch has its row.
    tool = load_script(REPO / "tools" / "chart_defaults_table.py")
    text = tool.TABLE.read_text("utf-8")
    assert tool.fill(text, [], tool.bundled()) == text
    assert '  "bandwidthManager":' in text and '    "1.10.20": false' in text
