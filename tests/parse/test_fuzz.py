"""Any text, any bytes: the parser returns a Status or raises StatusParseError, nothing else."""

from __future__ import annotations

import contextlib

from hypothesis import given, settings
from hypothesis import strategies as st

from ciliumdrift.errors import CiliumdriftError, StatusParseError
from ciliumdrift.parse import _parse, parse_status
from ciliumdrift.parse.model import Status

FUZZ = settings(max_examples=200, deadline=None)

#: Fragments of real outputs, so that fuzzing reaches deep into the readers.
PIECES = [
    "KVStore:",
    "Kubernetes:",
    "Kubernetes APIs:",
    "KubeProxyReplacement:",
    "Cilium:",
    "IPAM:",
    "NodeMonitor:",
    "Hubble:",
    "Masquerading:",
    "Routing:",
    "Encryption:",
    "Cluster health:",
    "Modules Health:",
    "Controller Status:",
    "Proxy Status:",
    "BPF Maps:",
    "ClusterMesh:",
    "KubeProxyReplacement Details:",
    "Allocated addresses:",
    "  Name   Last success",
    "├── ",
    "│   └── ",
    "[OK]",
    "(2m59s, x1)",
    "Ok",
    "Disabled",
    "[",
    "]",
    "(",
    ")",
    '"',
    ",",
    ":",
    " ",
    "   ",
    "\n",
    "\r\n",
    "\t",
    "# ",
    "```",
    "{",
    "}",
    "1/2",
    "reachable",
    "10.0.0.1",
    "fe80::1",
    "(Direct Routing)",
    "IPv4: 5/254 allocated from 10.0.0.0/24, ",
    "Name IP Node Endpoints",
    "  node1 (localhost)   10.0.0.1   1/1   0/1",
    "   └  ",
    "never",
    "ago",
    "Stopped(1)",
    "¯",
    "/¯¯\\",
    "Containers:",
    "Image versions",
    "kind: ConfigMap",
    "data:",
    "apiVersion: v1",
    "cilium:",
    "  state: Ok",
    '{"cilium": {"state": "Ok"}}',
    "Host connectivity to 1.2.3.4:",
    "ICMP to stack:",
    "Wireguard",
    "[NodeEncryption: Enabled, wg0 (Pubkey: k, Port: 1, Peers: 2)]",
]


def _outcome(text: str) -> None:
    try:
        status = _parse(text, "fuzz")
    except StatusParseError as error:
        assert error.position is not None
        assert str(error).startswith("fuzz:")
        return
    assert isinstance(status, Status)


@FUZZ
@given(st.text())
def test_arbitrary_text(text: str) -> None:
    _outcome(text)


@FUZZ
@given(st.binary())
def test_arbitrary_bytes_decoded(data: bytes) -> None:
    _outcome(data.decode("utf-8", errors="replace"))
    _outcome(data.decode("latin-1"))


@FUZZ
@given(st.lists(st.sampled_from(PIECES) | st.text(max_size=5), max_size=60).map("".join))
def test_status_like_noise(text: str) -> None:
    _outcome(text)


@FUZZ
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
        lambda inner: (
            st.lists(inner, max_size=4)
            | st.dictionaries(
                st.sampled_from(
                    [
                        "cilium",
                        "kvstore",
                        "kubernetes",
                        "hubble",
                        "masquerading",
                        "ipam",
                        "kube-proxy-replacement",
                        "routing",
                        "encryption",
                        "state",
                        "msg",
                        "observer",
                        "enabledProtocols",
                        "deviceList",
                        "ip",
                        "name",
                        "features",
                        "nodePort",
                        "controllers",
                        "status",
                        "cluster",
                        "self",
                        "x",
                    ]
                ),
                inner,
                max_size=5,
            )
        ),
        max_leaves=30,
    )
)
def test_arbitrary_json_payloads(payload: object) -> None:
    import json

    _outcome(json.dumps(payload))


def test_public_function_only_raises_library_errors() -> None:
    for text in ["", "\x00", "{", "[1]", "a: [", "KVStore:", "\ud800"]:
        with contextlib.suppress(CiliumdriftError):
            parse_status(text)
