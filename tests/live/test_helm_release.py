"""Decoding Helm's release Secrets: base64, gzip, JSON; bounded; the manifest dropped."""

from __future__ import annotations

import base64
import contextlib
import gzip
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ciliumdrift.errors import CollectionError
from ciliumdrift.live.helm_release import (
    decode_release,
    pick_deployed,
    release_from_record,
    release_from_secret,
)
from tests.fakecluster import helm_release_payload, helm_secret


def test_secret_round_trip() -> None:
    payload = helm_release_payload(
        revision=7,
        chart_version="1.18.4",
        config={"bpf": {"datapathMode": "netkit"}},
        chart_values={"bpf": {"datapathMode": "veth"}},
    )
    release = release_from_secret(helm_secret(payload))
    assert (release.name, release.namespace, release.revision) == ("cilium", "kube-system", 7)
    assert (release.status, release.chart_name, release.chart_version) == (
        "deployed",
        "cilium",
        "1.18.4",
    )
    assert release.values == {"bpf": {"datapathMode": "netkit"}}
    assert release.chart_values == {"bpf": {"datapathMode": "veth"}}
    assert release.source == "secret kube-system/sh.helm.release.v1.cilium.v7"
    assert "manifest" not in repr(release)


def test_uncompressed_records_from_old_helm() -> None:
    record = {"name": "cilium", "version": 1, "config": {"a": 1}}
    assert decode_release(base64.b64encode(json.dumps(record).encode())) == record


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (base64.b64encode(b"\x1f\x8bnot gzip at all"), "not valid gzip"),
        (base64.b64encode(b"[1, 2]"), "not a Helm release record"),
        (base64.b64encode(b"\xff\xfe"), "not a Helm release record"),
        ("!!!", "not a Helm release record"),
    ],
)
def test_bad_release_data(data: bytes | str, message: str) -> None:
    with pytest.raises(CollectionError, match=message):
        decode_release(data, source="secret x")


def test_gzip_bomb_is_refused() -> None:
    bomb = gzip.compress(b" " * (17 * 1024 * 1024), compresslevel=9)
    with pytest.raises(CollectionError, match="larger than 16 MiB"):
        decode_release(base64.b64encode(bomb))


def test_secret_without_release_data() -> None:
    with pytest.raises(CollectionError, match="no release data"):
        release_from_secret({"metadata": {"name": "s", "namespace": "n"}, "data": {}})


def test_odd_records_still_give_a_release() -> None:
    release = release_from_record({"version": "x", "info": [], "chart": None}, source="s")
    assert release.revision == 0 and release.status == "unknown" and release.values == {}


def test_pick_deployed_and_newer_revisions() -> None:
    def rel(revision: int, status: str) -> Any:
        return release_from_record(
            {"name": "cilium", "version": revision, "info": {"status": status}}, source="s"
        )

    deployed, newer = pick_deployed([rel(3, "failed"), rel(1, "superseded"), rel(2, "deployed")])
    assert deployed is not None and deployed.revision == 2
    assert [r.revision for r in newer] == [3]
    deployed, newer = pick_deployed([rel(1, "failed")])
    assert deployed is None and [r.revision for r in newer] == [1]


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(10**6), 10**6), st.text(max_size=20)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.text(max_size=10), json_values, max_size=6), st.booleans())
def test_decode_is_the_inverse_of_helms_encoding(config: dict[str, Any], compressed: bool) -> None:
    record = {"name": "cilium", "version": 1, "config": config}
    raw = json.dumps(record).encode()
    encoded = base64.b64encode(gzip.compress(raw) if compressed else raw)
    assert decode_release(encoded) == record


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_never_raise_anything_but_collection_error(data: bytes) -> None:
    with contextlib.suppress(CollectionError):
        decode_release(base64.b64encode(data))
