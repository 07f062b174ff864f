"""kubectl's kubeconfig rules, not the Python client's (ecosystem.md A2.1/A2.2)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ciliumdrift.errors import CollectionError
from ciliumdrift.live import kubeconfig as kc


def write(
    path: Path, *, current: str | None, contexts: dict[str, str], token: str = "t0k3n"
) -> Path:
    """A kubeconfig with one cluster per context (server port = context index)."""
    config: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": c, "cluster": {"server": server}} for c, server in contexts.items()],
        "users": [{"name": "u", "user": {"token": token}}],
        "contexts": [
            {"name": c, "context": {"cluster": c, "user": "u", "namespace": "ns-" + c}}
            for c in contexts
        ],
    }
    if current is not None:
        config["current-context"] = current
    path.write_text(json.dumps(config))
    return path


def test_first_file_that_sets_current_context_wins(tmp_path: Path) -> None:
    first = write(tmp_path / "a", current="alpha", contexts={"alpha": "http://127.0.0.1:1"})
    second = write(tmp_path / "b", current="beta", contexts={"beta": "http://127.0.0.1:2"})
    env = {"KUBECONFIG": f"{first}:{second}"}
    access = kc.resolve(environ=env)
    assert access.context == "alpha" and access.server == "http://127.0.0.1:1"
    assert access.namespace == "ns-alpha"
    # the Python client's own merger lets the last file win: the reason this module exists
    from kubernetes.config.kube_config import KubeConfigMerger

    assert KubeConfigMerger(f"{first}:{second}").config["current-context"] == "beta"


def test_a_file_without_current_context_does_not_decide(tmp_path: Path) -> None:
    first = write(tmp_path / "a", current=None, contexts={"alpha": "http://127.0.0.1:1"})
    empty = write(tmp_path / "e", current="", contexts={})
    second = write(tmp_path / "b", current="beta", contexts={"beta": "http://127.0.0.1:2"})
    access = kc.resolve(environ={"KUBECONFIG": f"{first}::{tmp_path / 'missing'}:{empty}:{second}"})
    assert access.context == "beta"
    assert str(second) in access.source and "missing" not in access.source


def test_context_flag_and_unknown_contexts(tmp_path: Path) -> None:
    path = write(
        tmp_path / "a",
        current="alpha",
        contexts={"alpha": "http://127.0.0.1:1", "beta": "http://127.0.0.1:2"},
    )
    assert kc.resolve(str(path), "beta").server == "http://127.0.0.1:2"
    with pytest.raises(
        CollectionError, match=r"context 'gamma' is not in .*\(contexts: alpha, beta\)"
    ):
        kc.resolve(str(path), "gamma")
    bare = write(tmp_path / "b", current=None, contexts={"alpha": "http://127.0.0.1:1"})
    with pytest.raises(CollectionError, match="no current-context; pass --context"):
        kc.resolve(str(bare))


def test_explicit_kubeconfig_only_and_must_exist(tmp_path: Path) -> None:
    other = write(tmp_path / "other", current="beta", contexts={"beta": "http://127.0.0.1:2"})
    path = write(tmp_path / "a", current="alpha", contexts={"alpha": "http://127.0.0.1:1"})
    access = kc.resolve(str(path), environ={"KUBECONFIG": str(other)})
    assert access.context == "alpha"
    with pytest.raises(CollectionError, match=r"nope:1:1: kubeconfig file does not exist"):
        kc.resolve(str(tmp_path / "nope"))


def test_home_kubeconfig_and_none_at_all(tmp_path: Path) -> None:
    (tmp_path / ".kube").mkdir()
    write(tmp_path / ".kube" / "config", current="home", contexts={"home": "http://127.0.0.1:3"})
    assert kc.resolve(environ={}, home=tmp_path).context == "home"
    with pytest.raises(CollectionError, match="no kubeconfig"):
        kc.resolve(environ={}, home=tmp_path / "nowhere")


def test_broken_yaml_names_the_place_and_never_quotes_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken"
    path.write_text("users:\n- name: u\n  user:\n    token: SECRET-TOKEN-VALUE\n  : [\n")
    with pytest.raises(CollectionError) as caught:
        kc.resolve(str(path))
    message = str(caught.value)
    assert message.startswith(f"{path}:") and "not valid YAML" in message
    assert "SECRET-TOKEN-VALUE" not in message
    for text, expected in (
        ("- a\n- b\n", "not a mapping"),
        ("users: {}\n", "'users' is not a list"),
        ("\xff\xfe\x00garbage", "not UTF-8"),
    ):
        path.write_bytes(text.encode("latin-1"))
        with pytest.raises(CollectionError, match=expected):
            kc.resolve(str(path))


def test_relative_files_are_relative_to_their_kubeconfig(tmp_path: Path) -> None:
    document = {
        "clusters": [{"name": "c", "cluster": {"certificate-authority": "pki/ca.crt"}}],
        "users": [
            {
                "name": "u",
                "user": {
                    "client-key": "/abs/key",
                    "tokenFile": "tok",
                    "exec": {"command": "./bin/login"},
                },
            },
            {"name": "v", "user": {"exec": {"command": "kubelogin"}}},
        ],
    }
    resolved = kc._resolve_relative(document, tmp_path)
    assert resolved["clusters"][0]["cluster"]["certificate-authority"] == str(
        tmp_path / "pki/ca.crt"
    )
    user = resolved["users"][0]["user"]
    assert user["client-key"] == "/abs/key" and user["tokenFile"] == str(tmp_path / "tok")
    assert user["exec"]["command"] == str(tmp_path / "bin/login")
    assert resolved["users"][1]["user"]["exec"]["command"] == "kubelogin"  # a PATH lookup


def test_same_named_entries_keep_the_first_whole() -> None:
    merged = kc.merge_kubeconfigs(
        [
            {
                "users": [{"name": "red", "user": {"token": "first"}}],
                "preferences": {"colors": True},
            },
            {
                "users": [
                    {"name": "red", "user": {"client-key": "k", "token": "second"}},
                    {"name": "blue", "user": {}},
                ],
                "preferences": {"colors": False, "extensions": []},
                "current-context": "x",
            },
        ]
    )
    assert merged["users"] == [
        {"name": "red", "user": {"token": "first"}},
        {"name": "blue", "user": {}},
    ]
    assert merged["preferences"] == {"colors": True, "extensions": []}
    assert merged["current-context"] == "x"


names = st.sampled_from(["a", "b", "c", "d"])
documents = st.lists(
    st.fixed_dictionaries(
        {
            "contexts": st.lists(
                st.fixed_dictionaries({"name": names, "context": st.integers()}), max_size=4
            ),
            "current-context": st.one_of(st.just(""), names),
        }
    ),
    max_size=5,
)


@settings(max_examples=150, deadline=None)
@given(documents)
def test_merge_is_first_wins_for_every_name_and_the_current_context(
    docs: list[dict[str, Any]],
) -> None:
    merged = kc.merge_kubeconfigs(docs)
    first: dict[str, Any] = {}
    for doc in docs:
        for entry in doc["contexts"]:
            first.setdefault(entry["name"], entry)
    assert merged["contexts"] == list(first.values())
    current = next((d["current-context"] for d in docs if d["current-context"]), None)
    assert (merged.get("current-context") or None) == current


def test_resolving_never_touches_the_global_client_configuration(tmp_path: Path) -> None:
    from kubernetes.client import Configuration

    before = Configuration.get_default_copy().host
    path = write(tmp_path / "a", current="alpha", contexts={"alpha": "http://127.0.0.1:9"})
    content = path.read_text()
    access = kc.resolve(str(path))
    assert access.configuration.host == "http://127.0.0.1:9"
    assert Configuration.get_default_copy().host == before
    assert path.read_text() == content  # persist_config is off
    assert access.configuration.retries == 1


def test_incomplete_context_is_a_collection_error(tmp_path: Path) -> None:
    path = tmp_path / "a"
    path.write_text(
        json.dumps(
            {"contexts": [{"name": "x", "context": {"cluster": "missing"}}], "current-context": "x"}
        )
    )
    with pytest.raises(CollectionError, match="context 'x'"):
        kc.resolve(str(path))


def test_in_cluster_service_account(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    account = tmp_path / "sa"
    account.mkdir()
    (account / "token").write_text("in-cluster-token")
    (account / "ca.crt").write_text(
        "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    )
    (account / "namespace").write_text("kube-system\n")
    monkeypatch.setattr(kc, "SERVICE_ACCOUNT", account)
    env = {"KUBERNETES_SERVICE_HOST": "127.0.0.1", "KUBERNETES_SERVICE_PORT": "6443"}
    access = kc.resolve(environ=env, home=tmp_path / "nowhere")
    assert access.server == "https://127.0.0.1:6443"
    assert access.source == "in-cluster service account" and access.namespace == "kube-system"
    (account / "token").unlink()
    with pytest.raises(
        CollectionError, match="in-cluster config: Service token file does not exist"
    ):
        kc.resolve(environ=env, home=tmp_path / "nowhere")
