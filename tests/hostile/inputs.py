"""Hostile inputs, generated at test time (nothing large is committed).

Each generator returns bytes (or writes files) shaped like one attack of issue 16 or one
of its kind. Secrets are planted with :data:`SECRET` so a test can assert they never appear.
"""

from __future__ import annotations

import io
import json
import os
import tarfile
import zipfile
from pathlib import Path

SECRET = "hunter2-planted-secret-d41d8cd98f00"
TOKEN = "eyJhbGciOiJSUzI1NiJ9.planted-token-" + "Zm9vYmFy" * 8
KEY_PEM = (
    "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIPlantedKeyMaterial"
    + "A" * 40
    + "\n-----END EC PRIVATE KEY-----\n"
)
TS = "20260101-101010"

# Terminal attacks: ESC sequences (CSI, OSC 52 clipboard write, RIS, DCS), BEL, C1 CSI.
TERMINAL_ATTACKS = (
    "\x1b[2J\x1b[H",
    "\x1b]52;c;" + "QUFBQQ==" * 300 + "\x07",
    "\x1bc",
    "\x1bP1$r0m\x1b\\",
    "\x07",
    "\x9b31m",
    "\u202e",
)
WORKFLOW_COMMANDS = ("::error::pwned", "::stop-commands::token", "::add-mask::x")


def alias_bomb_document(levels: int = 6, width: int = 9) -> str:
    """A "billion laughs" document: ``width ** levels`` nodes once expanded."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for level in range(1, levels):
        refs = ", ".join(f"*a{level - 1}" for _ in range(width))
        lines.append(f"a{level}: &a{level} [{refs}]")
    return "\n".join(lines) + "\n"


def multi_document_bomb(documents: int = 40) -> str:
    """Many small documents each just under a per-document alias limit (~137k nodes)."""
    one = alias_bomb_document(levels=6, width=7)  # 7**6 = 117,649 expanded nodes
    return "---\n".join(one for _ in range(documents))


def many_documents(limit_bytes: int) -> str:
    """Documents of a few keys until ``limit_bytes`` (per-file node/document budget)."""
    one = "a: 1\nb: [1, 2, 3]\nc: {d: e}\n---\n"
    return one * (limit_bytes // len(one))


def deep_flow(depth: int = 50_000) -> str:
    return "a: " + "[" * depth + "]" * depth + "\n"


def deep_block(depth: int = 400) -> str:
    return "".join(" " * i + f"k{i}:\n" for i in range(depth)) + " " * depth + "v: 1\n"


def merge_key_anchors(levels: int = 20) -> str:
    """Anchors in merge keys, each level merging the previous one twice."""
    lines = ["b0: &b0 {x: 1, y: 2}"]
    for level in range(1, levels):
        lines.append(f"b{level}: &b{level} {{<<: [*b{level - 1}, *b{level - 1}], z{level}: 1}}")
    return "\n".join(lines) + "\n"


def utf16(text: str) -> bytes:
    return "\ufeff".encode("utf-16-le") + text.encode("utf-16-le")


def overlong_utf8() -> bytes:
    return b"cluster:\n  name: \xc0\xaf\xe0\x80\xaf\n"


def nul_in_text() -> bytes:
    return b"cluster:\n  name: a\x00b\n"


def injection_values() -> str:
    """A values file whose keys and values carry newlines, workflow commands and escapes."""
    lines = [
        '"key\\n::error::pwned": 1',
        '"::stop-commands::tok": 2',
        f'"esc{TERMINAL_ATTACKS[0]!s}": 3'.replace("\x1b", "\\e"),
        '"osc\\e]52;c;QUFB\\a": 4',
        '"c1\\x9b31m": 5',
        '"bidi\\u202eevil": 6',
        '"<img src=x onerror=alert(1)> @org/team </details> `x` ]](javascript:)": 7',
        '"cr\\rline": 8',
        '"tunnel\\n::error::x": vxlan',
        '"ipam":',
        '  "mode\\n::warning::y": "cluster-pool\\n::error::z"',
        '"kubeProxyReplacement": "true\\n::error::kpr\\e[2J"',
    ]
    return "\n".join(lines) + "\n"


def status_with_escapes() -> str:
    """A brief status whose values carry terminal attacks and workflow commands."""
    return (
        "KVStore:                 Ok   Disabled\n"
        "Kubernetes:              Ok   1.30 (v1.30.0) [linux/amd64]\n"
        "KubeProxyReplacement:    True   [eth0 \x1b]52;c;QUFB\x07 10.0.0.1]\n"
        "Host firewall:           Disabled\x9b31m\n"
        "CNI Chaining:            none\n"
        "Cilium:                  Ok   1.18.4 (v1.18.4-abc)\x1bc\n"
        "NodeMonitor:             Listening for events on 8 CPUs with 64x4096 of shared memory\n"
        "Cilium health daemon:    Ok\n"
        "IPAM:                    IPv4: 5/254 allocated from 10.0.1.0/24,\n"
        "Routing:                 Network: Tunnel [vxlan\x1b[31m]   Host: Legacy\n"
        "Masquerading:            IPTables [IPv4: Enabled, IPv6: Disabled]\n"
        "Encryption:              Disabled\n"
    )


def kubeconfig(server: str, user: dict[str, object], *, extra: str = "") -> str:
    document = {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": "ctx",
        "clusters": [{"name": "c", "cluster": {"server": server}}],
        "users": [{"name": "u", "user": user}],
        "contexts": [{"name": "ctx", "context": {"cluster": "c", "user": "u"}}],
    }
    return json.dumps(document, indent=1) + extra


def zip_bytes(members: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def tar_gz(members: dict[str, bytes], *, symlinks: dict[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        for name, target in (symlinks or {}).items():
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            archive.addfile(info)
    return buffer.getvalue()


def tar_gz_of_zeros(name: str, size: int) -> bytes:
    """A tarball whose one member is ``size`` zero bytes (compresses ~1000:1)."""

    class Zeros(io.RawIOBase):
        def __init__(self) -> None:
            self.left = size

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
            count = min(len(buffer), self.left)
            buffer[:count] = b"\0" * count
            self.left -= count
            return count

    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz", compresslevel=1) as archive:
        info = tarfile.TarInfo(name)
        info.size = size
        archive.addfile(info, io.BufferedReader(Zeros()))
    return out.getvalue()


def sysdump_minimal() -> dict[str, bytes]:
    """The members a sysdump needs to be read at all: one agent pod and its status."""
    pods = {
        "items": [
            {
                "metadata": {
                    "name": "cilium-abcde",
                    "namespace": "kube-system",
                    "labels": {"k8s-app": "cilium"},
                },
                "spec": {"nodeName": "node-1"},
                "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]},
            }
        ]
    }
    return {
        f"cilium-sysdump/k8s-pods-{TS}.yaml": json.dumps(pods).encode(),
        "cilium-sysdump/cilium-status-cilium-abcde.txt": status_with_escapes().encode(),
    }


def fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path
