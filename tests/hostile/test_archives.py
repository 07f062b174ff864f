"""Sysdump archives: bombs, nesting, odd member names, wrong shapes."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from tests.hostile import inputs
from tests.hostile.harness import assert_bounds, assert_clean_output, assert_refused, run_cli

TS = inputs.TS


def _sysdump(tmp: Path, members: dict[str, bytes], **options: int) -> str:
    path = tmp / "sysdump.zip"
    path.write_bytes(inputs.zip_bytes(members, **options))
    return str(path)


def _check(tmp: Path, path: str) -> object:
    values = tmp / "values.yaml"
    values.write_text("routingMode: tunnel\n")
    return run_cli(
        "check", "-f", str(values), "--sysdump", path, "--cilium-version", "1.18.4", cwd=tmp
    )


def test_a_yaml_bomb_member_is_a_diagnostic_not_a_gigabyte(workdir: Path) -> None:
    members = inputs.sysdump_minimal()
    members[f"cilium-sysdump/k8s-nodes-{TS}.yaml"] = inputs.alias_bomb_document(9).encode()
    run = _check(workdir, _sysdump(workdir, members))
    assert run.code in (0, 1, 2), run.stderr  # type: ignore[attr-defined]
    assert_bounds(run)  # type: ignore[arg-type]
    assert_clean_output(run)  # type: ignore[arg-type]


def test_a_large_member_is_refused(workdir: Path) -> None:
    members = inputs.sysdump_minimal()
    members["cilium-sysdump/cilium-status-cilium-big.txt"] = b"KVStore: Ok\n" * 5_000_000
    run = _check(workdir, _sysdump(workdir, members))
    assert_refused(run, needle="larger than")  # type: ignore[arg-type]


def test_many_large_status_members_hit_the_unpacked_limit(workdir: Path) -> None:
    members = inputs.sysdump_minimal()
    for index in range(40):
        members[f"cilium-sysdump/cilium-status-cilium-{index:05}.txt"] = (
            b"KVStore: Ok\n" * 1_300_000
        )
    run = _check(workdir, _sysdump(workdir, members))
    assert_refused(run)  # type: ignore[arg-type]


def test_a_member_count_bomb_is_refused_before_the_list_is_read(workdir: Path) -> None:
    members = {f"m{i}": b"" for i in range(60_000)}
    run = _check(workdir, _sysdump(workdir, members, compression=zipfile.ZIP_STORED))
    assert_refused(run, needle="files in the archive")  # type: ignore[arg-type]


def test_a_nested_tarball_bomb_stops_at_its_limit(workdir: Path) -> None:
    members = inputs.sysdump_minimal()
    members[f"cilium-sysdump/cilium-bugtool-cilium-abcde-{TS}.tar.gz"] = inputs.tar_gz_of_zeros(
        "cmd/cilium-dbg-status.md", 600 * 1024 * 1024
    )
    run = _check(workdir, _sysdump(workdir, members))
    assert run.code in (0, 1, 2), run.stderr  # type: ignore[attr-defined]
    assert_bounds(run, seconds=4.0)  # type: ignore[arg-type]
    assert_clean_output(run)  # type: ignore[arg-type]


def test_odd_member_names_are_never_followed_and_shown_escaped(workdir: Path) -> None:
    members = inputs.sysdump_minimal()
    members["../../etc/cilium-status-cilium-x\x1b]52;c;QUFB\x07.txt"] = b"garbage"
    members["/abs/cilium-status-cilium-y.txt"] = b"garbage"
    nested = inputs.tar_gz(
        {"../../cmd/cilium-dbg-status.md": inputs.status_with_escapes().encode()},
        symlinks={"cmd/cilium-dbg-status--verbose.md": "/etc/shadow"},
    )
    members[f"cilium-sysdump/cilium-bugtool-cilium-abcde-{TS}.tar.gz"] = nested
    members["cilium-sysdump/inner.zip"] = inputs.zip_bytes({"a": b"b"})
    run = _check(workdir, _sysdump(workdir, members))
    assert run.code in (0, 1), run.stderr  # type: ignore[attr-defined]
    assert_clean_output(run)  # type: ignore[arg-type]
    assert not (workdir.parent / "etc").exists()


def test_members_of_the_wrong_shape_are_diagnostics(workdir: Path) -> None:
    members = inputs.sysdump_minimal()
    members[f"cilium-sysdump/k8s-nodes-{TS}.yaml"] = json.dumps({"items": 5}).encode()
    members[f"cilium-sysdump/cilium-configmap-{TS}.yaml"] = b"data: [1, 2]\n"
    members[f"cilium-sysdump/cilium-helm-metadata-{TS}.yaml"] = b"version: {a: b}\nrevision: x\n"
    members[f"cilium-sysdump/ciliumnodeconfigs-{TS}.yaml"] = b"items: [1, {spec: 5}]\n"
    run = _check(workdir, _sysdump(workdir, members))
    assert run.code in (0, 1, 2), run.stderr  # type: ignore[attr-defined]
    assert "internal error" not in run.stderr  # type: ignore[attr-defined]
    assert_clean_output(run)  # type: ignore[arg-type]
