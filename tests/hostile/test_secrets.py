"""No message quotes a secret: kubeconfigs, Talos configs, token files, plugin stderr."""

from __future__ import annotations

import base64
import os
import re
import sys
from pathlib import Path

import pytest

from tests.hostile import inputs
from tests.hostile.harness import assert_refused, run_cli

SECRET = inputs.SECRET
SECRETS = (SECRET, inputs.TOKEN, "PlantedKeyMaterial")


def _kubeconfig(tmp: Path, text: str) -> str:
    path = tmp / "kubeconfig"
    path.write_text(text)
    return str(path)


def test_duplicate_key_in_a_kubeconfig_quotes_neither_value(workdir: Path) -> None:
    key = base64.b64encode(inputs.KEY_PEM.encode()).decode()
    text = (
        "apiVersion: v1\nusers:\n- name: u\n  user:\n"
        f"    token: {inputs.TOKEN}\n    client-key-data: {key}\n    token: {SECRET}\n"
    )
    run = run_cli("live", "--kubeconfig", _kubeconfig(workdir, text))
    assert_refused(run, secrets=SECRETS, needle="duplicate")


def test_a_secret_read_as_an_alias_is_not_echoed(workdir: Path) -> None:
    text = f"apiVersion: v1\nusers:\n- name: u\n  user:\n    token: *{SECRET}\n"
    run = run_cli("live", "--kubeconfig", _kubeconfig(workdir, text))
    assert_refused(run, secrets=SECRETS, needle="alias")
    talos = workdir / "talos.yaml"
    talos.write_text(f"version: v1alpha1\nmachine:\n  token: *{SECRET}\n")
    run = run_cli("expect", "--talos", str(talos))
    assert_refused(run, secrets=SECRETS, needle="alias")


def test_a_template_holding_a_secret_is_named_not_quoted(workdir: Path) -> None:
    talos = workdir / "talos.yaml"
    talos.write_text(f"version: v1alpha1\nmachine:\n  token: {{{{ {SECRET} }}\n  ca: [\n")
    run = run_cli("expect", "--talos", str(talos))
    assert run.code == 2
    assert_refused(run, secrets=SECRETS)


def test_a_wrong_file_given_as_a_status_is_not_quoted(workdir: Path) -> None:
    token = workdir / "token"
    token.write_text(inputs.TOKEN + "\n")
    run = run_cli("status", str(token))
    assert_refused(run, secrets=SECRETS, needle="not a cilium status")


def test_url_credentials_are_masked(workdir: Path) -> None:
    text = inputs.kubeconfig(f"https://admin:{SECRET}@127.0.0.1:1", {"token": "t"})
    run = run_cli("live", "--kubeconfig", _kubeconfig(workdir, text), "--timeout", "2")
    assert_refused(run, secrets=SECRETS)


def _exec_user(script: str) -> dict[str, object]:
    return {
        "exec": {
            "apiVersion": "client.authentication.k8s.io/v1",
            "command": sys.executable,
            "args": ["-c", script],
        }
    }


def test_a_failing_exec_plugin_stderr_is_never_shown(workdir: Path) -> None:
    script = f"import sys; sys.stderr.write({SECRET!r} * 3 + '\\n'); sys.exit(3)"
    text = inputs.kubeconfig("http://127.0.0.1:1", _exec_user(script))
    run = run_cli("live", "--kubeconfig", _kubeconfig(workdir, text))
    assert_refused(run, secrets=SECRETS, needle="exited with status 3")


def test_a_hanging_exec_plugin_meets_the_deadline(workdir: Path) -> None:
    text = inputs.kubeconfig("http://127.0.0.1:1", _exec_user("import time; time.sleep(60)"))
    run = run_cli(
        "live",
        "--kubeconfig",
        _kubeconfig(workdir, text),
        env={"CILIUMDRIFT_LIMIT_CALL_SECONDS": "0.5"},
    )
    assert_refused(run, secrets=SECRETS, needle="longer than")


def test_an_exec_plugin_flooding_stdout_is_stopped(workdir: Path) -> None:
    script = "import sys\nwhile True: sys.stdout.write('x' * 65536)"
    text = inputs.kubeconfig("http://127.0.0.1:1", _exec_user(script))
    run = run_cli("live", "--kubeconfig", _kubeconfig(workdir, text))
    assert_refused(run, secrets=SECRETS, needle="printed more than")


@pytest.mark.parametrize("special", ["fifo", "/dev/zero"])
def test_a_token_file_that_is_not_a_regular_file_is_refused(special: str, workdir: Path) -> None:
    target = str(inputs.fifo(workdir / "token")) if special == "fifo" else special
    text = inputs.kubeconfig("http://127.0.0.1:1", {"tokenFile": target})
    run = run_cli("live", "--kubeconfig", _kubeconfig(workdir, text), timeout=10)
    assert_refused(run, needle="tokenFile")


def test_a_huge_token_file_is_refused(workdir: Path) -> None:
    token = workdir / "token"
    token.write_bytes(b"x" * (2 * 1024 * 1024))
    text = inputs.kubeconfig("http://127.0.0.1:1", {"tokenFile": "token"})
    run = run_cli("live", "--kubeconfig", _kubeconfig(workdir, text))
    assert_refused(run, needle="larger than")


def test_client_keys_never_stay_on_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The client's temporary key files are moved into memory and deleted at once."""
    import tempfile

    from ciliumdrift.live import kubeconfig as kc

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    key = inputs.KEY_PEM.encode()
    user = {
        "client-certificate-data": base64.b64encode(b"CERT").decode(),
        "client-key-data": base64.b64encode(key).decode(),
    }
    path = tmp_path / "kc"
    path.write_text(inputs.kubeconfig("https://127.0.0.1:6443", user))
    access = kc.resolve(str(path))
    configuration = access.configuration
    assert list(scratch.iterdir()) == []  # nothing left in the temporary folder
    if hasattr(os, "memfd_create"):
        assert configuration.key_file.startswith("/proc/self/fd/")
        assert Path(configuration.key_file).read_bytes() == key


def test_a_kubeconfig_of_the_wrong_shape_is_one_line(workdir: Path) -> None:
    for text in (
        "clusters: [1, 2]\n",
        "users:\n- name: u\n  user: 5\n",
        "current-context: [a]\n",
        "contexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\n"
        "clusters:\n- name: c\n  cluster: {server: [1]}\n",
    ):
        run = run_cli("live", "--kubeconfig", _kubeconfig(workdir, text))
        assert_refused(run, secrets=SECRETS)


def test_exec_plugins_are_documented_in_live_help() -> None:
    run = run_cli("live", "--help")
    assert run.code == 0
    text = " ".join(run.stdout.split())
    assert "exec" in text and "kubectl" in text, text


@pytest.mark.parametrize(
    "broken",
    [
        f"hubble:\n  tls:\n    key: *{SECRET}\n",  # an alias to no anchor
        f'hubble:\n  tls:\n    key: "{SECRET}\n',  # an unterminated quote
        f"hubble:\n  tls:\n    key: {{{{ {SECRET} }}\n  ca: [\n",  # an unrendered template
        f"hubble:\n  tls:\n\tkey: {SECRET}\n",  # a tab as indentation
    ],
    ids=["alias", "quote", "template", "tab"],
)
def test_lint_reads_values_with_load_and_never_quotes_a_broken_line(
    workdir: Path, broken: str
) -> None:
    values = workdir / "values.yaml"
    values.write_text(broken)
    run = run_cli("lint", str(values))
    assert_refused(run, secrets=SECRETS)
    assert re.match(rf"^{re.escape(str(values))}:[34]:\d+: ", run.lines[0]), run.lines[0]


def test_lint_of_an_argo_string_with_a_secret_and_a_broken_line(workdir: Path) -> None:
    app = workdir / "app.yaml"
    app.write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nspec:\n  source:\n"
        "    chart: cilium\n    targetRevision: 1.18.4\n    helm:\n      values: |\n"
        f"        hubble:\n          tls:\n            key: *{SECRET}\n"
    )
    run = run_cli("lint", str(app))
    # the embedded text is reported at its line in the outer file, without the secret
    assert_refused(run, secrets=SECRETS, needle="app.yaml:11:")
