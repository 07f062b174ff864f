"""Files, standard input and special files: refused in one line, in bounded time and memory."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.hostile import inputs
from tests.hostile.harness import assert_bounds, assert_clean_output, assert_refused, run_cli

Case = Callable[[Path], tuple[list[str], bytes | None]]


def _file(tmp: Path, name: str, data: str | bytes) -> str:
    path = tmp / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return str(path)


FILE_CASES: dict[str, tuple[Case, str | None]] = {
    # size, before parsing
    "values-over-1MiB": (
        lambda t: (["values", "-f", _file(t, "v.yaml", "a: " + "x" * (1024 * 1024 + 10))], None),
        "larger than",
    ),
    "status-stdin-over-limit": (
        lambda t: (["status", "-"], b"KVStore: Ok\n" * 800_000),
        "larger than",
    ),
    "status-31MB-repeated-lines": (
        lambda t: (["status", _file(t, "s.txt", b"KVStore: Ok\n" * 2_700_000)], None),
        "larger than",
    ),
    "status-too-many-lines": (
        lambda t: (["status", _file(t, "s.txt", b"KVStore: Ok\n" * 60_000)], None),
        "lines",
    ),
    "kubeconfig-13MB": (
        lambda t: (
            ["live", "--kubeconfig", _file(t, "kc", "a: " + "x" * (13 * 1024 * 1024))],
            None,
        ),
        "larger than",
    ),
    # YAML structure counted per file, every document together
    "alias-bomb": (
        lambda t: (["values", "-f", _file(t, "v.yaml", inputs.alias_bomb_document(7))], None),
        "aliases",
    ),
    "multi-document-alias-bomb": (
        lambda t: (["values", "-f", _file(t, "v.yaml", inputs.multi_document_bomb(40))], None),
        "aliases expand",
    ),
    "many-documents-1MiB": (
        lambda t: (["values", "-f", _file(t, "v.yaml", inputs.many_documents(1000 * 1024))], None),
        None,
    ),
    "talos-many-documents-4MiB": (
        lambda t: (
            ["expect", "--talos", _file(t, "talos.yaml", inputs.many_documents(4000 * 1024))],
            None,
        ),
        None,
    ),
    "lint-multi-document-bomb": (
        lambda t: (["lint", _file(t, "v.yaml", inputs.multi_document_bomb(40))], None),
        None,
    ),
    "merge-key-anchors": (
        lambda t: (["values", "-f", _file(t, "v.yaml", inputs.merge_key_anchors(30))], None),
        None,
    ),
    "deep-flow": (
        lambda t: (["values", "-f", _file(t, "v.yaml", inputs.deep_flow())], None),
        "nested",
    ),
    "deep-block": (
        lambda t: (["values", "-f", _file(t, "v.yaml", inputs.deep_block())], None),
        "nested",
    ),
    "deep-json-status": (lambda t: (["status", "-"], b"[" * 200_000 + b"]" * 200_000), None),
    "deep-toml": (
        lambda t: (
            ["lint", _file(t, "values.yaml", "a: 1\n")],
            None,
        ),
        None,
    ),
    # encodings
    "utf16-values": (
        lambda t: (["values", "-f", _file(t, "v.yaml", inputs.utf16("a: [\n"))], None),
        None,
    ),
    "overlong-utf8": (
        lambda t: (["values", "-f", _file(t, "v.yaml", inputs.overlong_utf8())], None),
        "UTF-8",
    ),
    "nul-byte": (
        lambda t: (["values", "-f", _file(t, "v.yaml", inputs.nul_in_text())], None),
        "NUL",
    ),
    "garbage-status-31MB": (
        lambda t: (["status", _file(t, "g.txt", bytes(range(32, 127)) * 330_000)], None),
        "larger than",
    ),
    "garbage-status": (
        lambda t: (["status", _file(t, "g.txt", (bytes(range(33, 127)) + b"\n") * 20_000)], None),
        "not a cilium status",
    ),
    "yaml-status-bomb": (
        lambda t: (
            [
                "status",
                _file(
                    t, "s.yaml", "cilium:\n  " + inputs.alias_bomb_document(7).replace("\n", "\n  ")
                ),
            ],
            None,
        ),
        None,
    ),
}


@pytest.mark.parametrize("case", sorted(FILE_CASES))
def test_hostile_file_is_refused_in_one_line(case: str, workdir: Path) -> None:
    build, needle = FILE_CASES[case]
    if case == "deep-toml":
        (workdir / "pyproject.toml").write_text(
            "[tool.ciliumdrift]\nx = " + "[" * 5000 + "]" * 5000
        )
    args, stdin = build(workdir)
    run = run_cli(*args, stdin=stdin, cwd=workdir)
    assert_refused(run, needle=needle)


@pytest.mark.parametrize(
    "option",
    [
        ["values", "-f"],
        ["expect", "--talos"],
        ["status"],
        ["lint"],
        ["values", "--set-file", "a=@"],
        ["check", "--status"],
    ],
    ids=["values", "talos", "status", "lint", "set-file", "check-status"],
)
def test_a_fifo_is_refused_at_once(option: list[str], workdir: Path) -> None:
    pipe = inputs.fifo(workdir / "pipe.yaml")
    args = [*option[:-1], f"a={pipe}"] if option[-1] == "a=@" else [*option, str(pipe)]
    run = run_cli(*args, cwd=workdir, timeout=10)
    assert_refused(run, needle="FIFO")


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null", "/dev/urandom"])
def test_a_device_is_refused_at_once(device: str, workdir: Path) -> None:
    if not Path(device).exists():
        pytest.skip(f"{device} missing")
    run = run_cli("values", "-f", device, cwd=workdir, timeout=10)
    assert_refused(run, needle="device")


def test_a_directory_and_a_socket_are_refused(workdir: Path) -> None:
    import socket

    run = run_cli("status", str(workdir), cwd=workdir)
    assert_refused(run, needle="directory")
    path = workdir / "sock"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    try:
        run = run_cli("lint", str(path), cwd=workdir, timeout=10)
        assert_refused(run, needle="socket")
    finally:
        server.close()


def test_limits_are_adjustable(workdir: Path) -> None:
    text = "a: " + "x" * 2000 + "\n"
    path = _file(workdir, "v.yaml", text)
    refused = run_cli(
        "values", "-f", path, "--chart", "none", env={"CILIUMDRIFT_LIMIT_YAML_BYTES": "1KiB"}
    )
    assert_refused(refused, needle="CILIUMDRIFT_LIMIT_YAML_BYTES")
    accepted = run_cli(
        "values", "-f", path, "--chart", "none", env={"CILIUMDRIFT_LIMIT_YAML_BYTES": "4KiB"}
    )
    assert accepted.code == 0, accepted.stderr
    bad = run_cli(
        "values", "-f", path, "--chart", "none", env={"CILIUMDRIFT_LIMIT_YAML_BYTES": "lots"}
    )
    assert_refused(bad, needle="CILIUMDRIFT_LIMIT_YAML_BYTES")


def test_a_large_but_valid_status_stays_in_memory_bounds(workdir: Path) -> None:
    """Not a refusal: a status near the line limit is read, within the memory ceiling."""
    path = _file(
        workdir, "s.txt", b"KVStore: Ok\n" + b"Controller Status:   30/30 healthy\n" * 30_000
    )
    run = run_cli("status", path, cwd=workdir)
    assert run.code in (0, 2), run.stderr
    assert_bounds(run, seconds=8.0)
    assert_clean_output(run)
