"""Size and time limits on real-sized input (load/yaml.py documents the numbers).

Bad input fails within a second, whatever its size up to the limits: a README or a log
passed by mistake, a huge Talos config with a broken line at the end. Real Talos configs
carry inline manifests of a megabyte or more: they load (the Talos limit is 4 MiB, Talos'
own maintenance-mode ceiling), and their manifests never reach the facts.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ciliumdrift.errors import InputError, YamlError
from ciliumdrift.lint import lint
from ciliumdrift.load import load_talos, load_values
from ciliumdrift.load.yaml import (
    FAST_SCAN_BYTES,
    MAX_TALOS_BYTES,
    MAX_YAML_BYTES,
    YamlNode,
    load_yaml_documents,
)
from tests.conftest import CHART_REFERENCE

HERE = Path(__file__).resolve().parent
CONFIG = HERE / "talos" / "trentscholl-controlplane.yaml"
CHART_VALUES = CHART_REFERENCE / "1.20.0" / "values.yaml"
BUDGET = 1.0  # seconds for bad input (issue 5), measured in-process


def _timed(call: Callable[[], object]) -> tuple[BaseException | None, float]:
    start = time.perf_counter()
    try:
        call()
    except InputError as error:
        return error, time.perf_counter() - start
    return None, time.perf_counter() - start


def _prose(size: int) -> str:
    words = ["cilium", "talos", "datapath", "the", "values", "routing", "node", "kernel"]
    lines, total, index = [], 0, 0
    while total < size:
        line = " ".join(words[(index + k) % len(words)] for k in range(11))
        lines.append(line)
        total += len(line) + 1
        index += 3
    return "\n".join(lines) + "\n"


def _with_inline_manifest(megabytes: float) -> str:
    body = CHART_VALUES.read_text(encoding="utf-8")
    manifest = ("---\n" + body * (int(megabytes * 1024 * 1024) // len(body) + 1))[
        : int(megabytes * 1024 * 1024)
    ]
    block = "\n".join("          " + line for line in manifest.splitlines())
    text = CONFIG.read_text(encoding="utf-8")
    return text.replace(
        "    inlineManifests: []\n",
        "    inlineManifests:\n      - name: cilium\n        contents: |\n" + block + "\n",
    )


def test_a_megabyte_of_prose_fails_fast_everywhere(tmp_path: Path) -> None:
    path = tmp_path / "README.yaml"
    path.write_text(_prose(900 * 1024), encoding="utf-8")
    for call in (
        lambda: load_values([str(path)]),
        lambda: load_talos([str(path)]),
        lambda: lint([str(path)]),
    ):
        error, seconds = _timed(call)
        assert isinstance(error, YamlError) and "plain text, not YAML" in str(error)
        assert str(error).startswith(f"{path}:1:1: ")
        assert seconds < BUDGET


def test_a_log_file_hits_the_node_limit_fast(tmp_path: Path) -> None:
    path = tmp_path / "cilium.log"
    lines = [
        f"2025-01-0{i % 9 + 1} 12:00:00 level=info msg{i}: endpoint {i} ready"
        for i in range(16_000)
    ]
    path.write_text("\n".join(lines), encoding="utf-8")
    assert path.stat().st_size < MAX_YAML_BYTES
    for call in (lambda: load_values([str(path)]), lambda: lint([str(path)])):
        error, seconds = _timed(call)
        assert isinstance(error, YamlError) and "more than 20000 YAML nodes" in str(error)
        assert seconds < BUDGET


def test_a_real_config_with_a_large_inline_manifest_loads(tmp_path: Path) -> None:
    path = tmp_path / "controlplane.yaml"
    path.write_text(_with_inline_manifest(3.0), encoding="utf-8")
    assert 1024 * 1024 < path.stat().st_size < MAX_TALOS_BYTES  # over the old 1 MiB limit
    start = time.perf_counter()
    talos = load_talos([str(path)])
    assert time.perf_counter() - start < 3 * BUDGET  # valid input: no budget, but no crawl
    assert talos.version is not None and talos.version.value == "1.7.5"
    assert talos.kubeprism_port is not None and talos.kubeprism_port.value == 7445
    assert "Deprecated" not in repr(talos)  # the manifest text never reaches the facts


def test_a_large_config_broken_at_the_end_fails_fast(tmp_path: Path) -> None:
    text = _with_inline_manifest(3.0)
    path = tmp_path / "controlplane.yaml"
    path.write_text(text + "cluster:\n\tbroken: true\n", encoding="utf-8")
    error, seconds = _timed(lambda: load_talos([str(path)]))
    assert isinstance(error, YamlError) and "tab" in str(error)
    assert error.position is not None and error.position.line == text.count("\n") + 2
    assert seconds < BUDGET


def test_over_the_limits_is_refused_before_reading(tmp_path: Path) -> None:
    talos = tmp_path / "huge.yaml"
    talos.write_text("a: " + "x" * MAX_TALOS_BYTES + "\n", encoding="utf-8")
    error, seconds = _timed(lambda: load_talos([str(talos)]))
    assert error is not None and "4 MiB limit" in str(error) and seconds < BUDGET
    values = tmp_path / "values.yaml"
    values.write_text("a: " + "x" * MAX_YAML_BYTES + "\n", encoding="utf-8")
    error, _ = _timed(lambda: load_values([str(values)]))
    assert error is not None and "1 MiB limit" in str(error)
    error, _ = _timed(lambda: lint([str(values)]))
    assert error is not None and "1 MiB limit" in str(error)


# -- the libyaml path builds the very same trees ---------------------------------------------
_SCALARS = st.one_of(
    st.integers(-(10**6), 10**6),
    st.booleans(),
    st.none(),
    st.text(alphabet="abcXYZ019 -_./:é", min_size=0, max_size=12),
)
_TREES = st.recursive(
    _SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(alphabet="abkz_", min_size=1, max_size=6), children, max_size=4),
    ),
    max_leaves=30,
)


def _shape(node: YamlNode | None) -> object:
    if node is None:
        return None
    where = (node.position.line, node.position.column)
    if node.kind == "scalar":
        return ("s", node.text, node.style, node.tag, where)
    if node.kind == "seq":
        return ("q", node.flow, where, [_shape(i) for i in node.items])
    return ("m", node.flow, where, [(_shape(k), _shape(v)) for k, v in node.entries])


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree=st.dictionaries(st.text(alphabet="abk", min_size=1, max_size=4), _TREES, max_size=6))
def test_large_and_small_texts_parse_alike(tree: dict[str, object]) -> None:
    """Texts over FAST_SCAN_BYTES (pre-scanned, refused with libyaml's message) parse alike.

    libyaml may refuse what ruamel accepts (a plain scalar starting with ``:`` in a flow
    collection, which go-yaml, Helm's and Talos' parser, refuses as well), never the reverse.
    """
    import io

    from ruamel.yaml import YAML

    stream = io.StringIO()
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = None
    yaml.dump(tree, stream)
    small = stream.getvalue()
    padding = "#" + "x" * 78 + "\n"
    large = padding * (FAST_SCAN_BYTES // len(padding) + 1) + small
    offset = large.count("\n") - small.count("\n")
    try:
        (b,) = load_yaml_documents(large, "v.yaml")
    except YamlError:
        return  # stricter than ruamel, like go-yaml
    (a,) = load_yaml_documents(small, "v.yaml")

    def moved(shape: object) -> object:
        if isinstance(shape, tuple) and len(shape) == 5 and shape[0] == "s":
            line, column = shape[4]
            return (*shape[:4], (line + offset, column))
        if isinstance(shape, tuple) and shape[0] in ("q", "m"):
            (line, column) = shape[2]
            rest = shape[3]
            if shape[0] == "q":
                return (shape[0], shape[1], (line + offset, column), [moved(i) for i in rest])
            return (
                shape[0],
                shape[1],
                (line + offset, column),
                [(moved(k), moved(v)) for k, v in rest],
            )
        return shape

    assert moved(_shape(a.root)) == _shape(b.root)
