"""Find the cluster exactly as kubectl does, then hand the client a finished configuration.

kubectl's rules (https://kubernetes.io/docs/concepts/configuration/organize-cluster-access-kubeconfig/),
which the Python client does not all follow:

* ``--kubeconfig FILE``: that file only, and it must exist.
* else ``KUBECONFIG``: a ``os.pathsep`` list; empty entries and missing files are skipped,
  a file that does not parse is an error. **The first file to set a value wins**: the first
  file with a non-empty ``current-context`` decides it (the Python client's merger lets the
  last one win), and of two clusters, users or contexts with one name the first is kept
  whole, never merged field by field.
* else ``~/.kube/config``.
* no kubeconfig at all (or one with nothing in it) inside a pod: the in-cluster service
  account (``KUBERNETES_SERVICE_HOST``/``_PORT``, the token and CA under
  ``/var/run/secrets/kubernetes.io/serviceaccount``).

Relative file references (certificate-authority, client-certificate, client-key,
tokenFile, and an exec command that names a path) are relative to the file that holds
them, as in client-go's ``ResolvePaths``. The merged dict goes to the client's own loader
(so OIDC and client certificates keep working) with ``persist_config`` off: a read-only
tool never writes the user's kubeconfig back.

**Plugins run, as kubectl runs them.** A user's ``exec`` credential plugin is a command
named in the kubeconfig, and it is run (with the kubeconfig's ``args`` and ``env``); an
``auth-provider`` (oidc, gcp, azure) may make network calls while the kubeconfig is read.
Only use a kubeconfig you would give to kubectl.

Everything read is bounded (:mod:`ciliumdrift.limits`): the kubeconfig files (regular
files only, ``kubeconfig_bytes``, YAML limits per file), the files they reference
(``tokenFile``, certificates and keys: regular files, ``credential_bytes``; a FIFO or
``/dev/zero`` is refused at once), the exec plugin (``call_seconds``, its output capped, its
stderr never shown: it may hold credentials). No message quotes the kubeconfig's text, and
a server URL's credentials are masked. Keys and certificates never stay on disk: the
client's temporary files are moved into anonymous in-memory files (``memfd``) and deleted
as soon as the client is configured.
"""

from __future__ import annotations

import atexit
import base64
import copy
import json
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ciliumdrift import limits
from ciliumdrift.errors import CiliumdriftError, CollectionError, InputError
from ciliumdrift.live.streams import ABANDONED, drain_process
from ciliumdrift.load.plain import load_plain
from ciliumdrift.report.escape import mask_credentials
from ciliumdrift.textio import decode

SERVICE_ACCOUNT = Path("/var/run/secrets/kubernetes.io/serviceaccount")
MAX_KUBECONFIG_BYTES = limits.DEFAULTS.kubeconfig_bytes
_NAMED_LISTS = ("clusters", "users", "contexts")
_RELATIVE_FILES = {
    "clusters": ("cluster", ("certificate-authority",)),
    "users": ("user", ("client-certificate", "client-key", "tokenFile")),
}


@dataclass(frozen=True)
class ClusterAccess:
    """A ready client configuration and where it came from (for messages and the report)."""

    configuration: Any  # kubernetes.client.Configuration, shared by every per-worker ApiClient
    server: str
    context: str | None
    source: str  # "kubeconfig a.yaml:b.yaml" or "in-cluster service account"
    namespace: str | None = None  # the context's namespace (kubectl's default for -n)


def kubeconfig_paths(
    explicit: str | os.PathLike[str] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    home: Path | None = None,
) -> tuple[list[Path], bool]:
    """The files kubectl would read, in precedence order, and whether they were named explicitly."""
    env = os.environ if environ is None else environ
    if explicit is not None and str(explicit) != "":
        path = Path(explicit).expanduser()
        if not path.exists():
            raise CollectionError(f"{path}:1:1: kubeconfig file does not exist")
        return [path], True
    listed = env.get("KUBECONFIG")
    if listed:
        seen: list[Path] = []
        for entry in listed.split(os.pathsep):
            candidate = Path(entry).expanduser() if entry else None
            if candidate is not None and candidate not in seen and candidate.is_file():
                seen.append(candidate)
        return seen, False
    default = (home if home is not None else Path.home()) / ".kube" / "config"
    return ([default] if default.is_file() else []), False


def read_kubeconfig(path: Path) -> dict[str, Any]:
    """One kubeconfig file as a dict (an empty file is an empty config).

    Read within the budget and through the one YAML reader, whose messages give a position
    and never quote the text (a kubeconfig holds tokens and keys).
    """

    name = str(path)
    budget = limits.current().kubeconfig_bytes
    try:
        data = limits.read_regular(path, budget, "kubeconfig_bytes", what="kubeconfig")
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # kubectl reads UTF-8 only
            raise InputError("is not UTF-8 text", None)
        text = decode(data, name)
    except InputError as error:
        reason = "is not UTF-8 text" if "UTF-8" in error.message else error.message
        raise CollectionError(f"{error.position or f'{path}:1:1'}: kubeconfig {reason}") from None
    try:
        document = load_plain(text, name, limit=budget)
    except InputError as error:
        raise CollectionError(
            f"{error.position}: kubeconfig is not valid YAML: {error.message}"
        ) from None
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise CollectionError(f"{path}:1:1: kubeconfig is not a mapping")
    for key in _NAMED_LISTS:
        entries = document.get(key)
        if entries is None:
            continue
        if not isinstance(entries, list):
            raise CollectionError(f"{path}:1:1: kubeconfig {key!r} is not a list")
        inner = key[:-1]
        for index, entry in enumerate(entries):
            if not (
                isinstance(entry, dict)
                and isinstance(entry.get("name"), str)
                and isinstance(entry.get(inner, {}), dict)
            ):
                raise CollectionError(
                    f"{path}:1:1: kubeconfig {key}[{index}] is not a mapping with a name "
                    f"and a {inner!r} mapping"
                )
    for key in ("current-context",):
        if document.get(key) is not None and not isinstance(document[key], str):
            raise CollectionError(f"{path}:1:1: kubeconfig {key!r} is not a string")
    return _resolve_relative(document, path.parent)


def _resolve_relative(document: dict[str, Any], base: Path) -> dict[str, Any]:
    for key, (inner, fields) in _RELATIVE_FILES.items():
        for entry in document.get(key) or ():
            body = entry.get(inner) if isinstance(entry, dict) else None
            if not isinstance(body, dict):
                continue
            for name in fields:
                value = body.get(name)
                if isinstance(value, str) and value and not os.path.isabs(value):
                    body[name] = str(base / value)
            exec_config = body.get("exec") if inner == "user" else None
            if isinstance(exec_config, dict):
                command = exec_config.get("command")
                # client-go resolves an exec command only when it names a path, not a PATH lookup
                if isinstance(command, str) and os.sep in command and not os.path.isabs(command):
                    exec_config["command"] = str(base / command)
    return document


def merge_kubeconfigs(documents: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Merge kubeconfig files in precedence order with kubectl's first-wins rule."""
    merged: dict[str, Any] = {"apiVersion": "v1", "kind": "Config"}
    named: dict[str, dict[str, Any]] = {key: {} for key in _NAMED_LISTS}
    for document in documents:
        for key in _NAMED_LISTS:
            for entry in document.get(key) or ():
                if isinstance(entry, dict) and isinstance(entry.get("name"), str):
                    named[key].setdefault(entry["name"], entry)
        for key, value in document.items():
            if key in _NAMED_LISTS or key in ("apiVersion", "kind"):
                continue
            if isinstance(value, dict) and isinstance(merged.get(key), dict):
                merged[key] = {**value, **merged[key]}
            elif key not in merged or merged[key] in (None, ""):
                merged[key] = value
    for key in _NAMED_LISTS:
        merged[key] = list(named[key].values())
    return merged


def resolve(
    kubeconfig: str | os.PathLike[str] | None = None,
    context: str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    home: Path | None = None,
    light: bool = False,
) -> ClusterAccess:
    """The cluster to talk to, as kubectl would pick it; :class:`CollectionError` when none.

    ``light``: a :class:`LightConfiguration` when the context needs nothing of the client
    (what ciliumdrift's own transport reads); else always the client's Configuration.
    """
    env = os.environ if environ is None else environ
    paths, explicit = kubeconfig_paths(kubeconfig, environ=env, home=home)
    merged = merge_kubeconfigs([read_kubeconfig(p) for p in paths])
    has_config = bool(merged["contexts"] or merged["clusters"])
    if not has_config and not explicit and _in_cluster_possible(env):
        return _in_cluster(env)
    source = "kubeconfig " + os.pathsep.join(str(p) for p in paths)
    if not paths:
        raise CollectionError(
            "no kubeconfig: pass --kubeconfig, set KUBECONFIG, create ~/.kube/config, "
            "or run inside the cluster"
        )
    wanted = context or merged.get("current-context") or None
    names = [c["name"] for c in merged["contexts"]]
    if wanted is None:
        raise CollectionError(
            f"{source} has no current-context; pass --context NAME"
            + (f" (contexts: {', '.join(names)})" if names else "")
        )
    if wanted not in names:
        raise CollectionError(
            f"context {wanted!r} is not in {source}"
            + (f" (contexts: {', '.join(names)})" if names else "")
        )
    found = _light(merged, wanted, source) if light else None
    return found or _from_dict(merged, wanted, source)


def _from_dict(merged: dict[str, Any], context: str, source: str) -> ClusterAccess:
    merged = _inline_credentials(merged, context, source)  # before the client is imported
    from kubernetes.client import Configuration
    from kubernetes.config.config_exception import ConfigException
    from kubernetes.config.kube_config import KubeConfigLoader

    configuration = Configuration()
    scratch = Path(tempfile.mkdtemp(prefix="ciliumdrift-"))  # 0700, ours alone

    def load() -> None:
        loader = KubeConfigLoader(  # type: ignore[no-untyped-call]
            config_dict=merged,
            active_context=context,
            config_persister=None,
            temp_file_path=str(scratch),
        )
        loader.load_and_set(configuration)  # type: ignore[no-untyped-call]

    try:
        _within(limits.current().call_seconds, load, f"{source}: context {context!r}")
    except CiliumdriftError:
        raise
    except ConfigException as error:
        raise CollectionError(f"{source}: context {context!r}: {_one_line(error)}") from None
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise CollectionError(
            f"{source}: context {context!r} is incomplete or of the wrong shape "
            f"({type(error).__name__})"
        ) from None
    except Exception as error:  # an auth-provider's network or library failure
        raise CollectionError(
            f"{source}: context {context!r}: the credentials could not be loaded "
            f"({type(error).__name__})"
        ) from None
    finally:
        _keep_in_memory(configuration, scratch)
    namespace = None
    for entry in merged["contexts"]:
        if entry.get("name") == context and isinstance(entry.get("context"), dict):
            namespace = entry["context"].get("namespace") or None
    _limit_retries(configuration)
    server = _mask(str(configuration.host))
    return ClusterAccess(configuration, server, context, source, namespace)


def _mask(text: str) -> str:
    return mask_credentials(text)


def _within(seconds: float, body: Callable[[], None], what: str) -> None:
    """Run ``body`` with an overall deadline (an auth-provider may hang on the network)."""
    outcome: list[BaseException | None] = []

    def target() -> None:
        try:
            body()
            outcome.append(None)
        except BaseException as error:  # handed to the caller's thread
            outcome.append(error)

    worker = threading.Thread(target=target, name="ciliumdrift-kubeconfig", daemon=True)
    worker.start()
    worker.join(seconds)
    if not outcome:
        ABANDONED.append(worker)
        raise CollectionError(f"{what}: loading the credentials took longer than {seconds:g}s")
    if outcome[0] is not None:
        raise outcome[0]


# -- credentials: read within the budget, kept in memory ------------------------------------


def _named(merged: Mapping[str, Any], key: str, name: object) -> dict[str, Any] | None:
    for entry in merged.get(key) or ():
        if isinstance(entry, dict) and entry.get("name") == name:
            return entry
    return None


def _inline_credentials(merged: dict[str, Any], context: str, source: str) -> dict[str, Any]:
    """The merged config with the context's referenced files read (bounded) into it.

    The client would ``open().read()`` them itself, without a size limit and blocking on a
    FIFO; and it would run an exec plugin without a deadline and print its stderr. So the
    files become ``*-data``/``token`` fields and the plugin is run here, bounded.
    """
    merged = copy.deepcopy(merged)
    entry = _named(merged, "contexts", context) or {}
    body = entry.get("context") if isinstance(entry.get("context"), dict) else {}
    assert isinstance(body, dict)
    cluster = _named(merged, "clusters", body.get("cluster"))
    user = _named(merged, "users", body.get("user"))
    cluster_body = cluster.get("cluster") if cluster is not None else None
    if isinstance(cluster_body, dict):
        _inline_file(cluster_body, "certificate-authority", source)
        server = cluster_body.get("server")
        if server is not None and not isinstance(server, str):
            raise CollectionError(f"{source}: context {context!r}: the server is not a string")
    user_body = user.get("user") if user is not None else None
    if isinstance(user_body, dict):
        _inline_file(user_body, "client-certificate", source)
        _inline_file(user_body, "client-key", source)
        token_file = user_body.get("tokenFile")
        if isinstance(token_file, str) and token_file and not user_body.get("token"):
            token = _read_credential(token_file, "tokenFile", source)
            user_body["token"] = token.decode("utf-8", "replace").strip()
        user_body.pop("tokenFile", None)
        exec_config = user_body.get("exec")
        if isinstance(exec_config, dict) and not user_body.get("token"):
            status = run_exec_plugin(exec_config, cluster_body, source)
            user_body.pop("exec")
            if isinstance(status.get("token"), str):
                user_body["token"] = status["token"]
            else:
                user_body["client-certificate-data"] = _b64(status["clientCertificateData"])
                user_body["client-key-data"] = _b64(status["clientKeyData"])
    return merged


def _b64(text: str) -> str:
    return base64.standard_b64encode(text.encode("utf-8")).decode("ascii")


def _inline_file(body: dict[str, Any], field: str, source: str) -> None:
    reference = body.get(field)
    if not isinstance(reference, str) or not reference or body.get(f"{field}-data"):
        body.pop(field, None) if reference is not None and body.get(f"{field}-data") else None
        return
    body[f"{field}-data"] = base64.standard_b64encode(
        _read_credential(reference, field, source)
    ).decode("ascii")
    body.pop(field)


def _read_credential(path: str, field: str, source: str) -> bytes:
    """A file a kubeconfig names: a regular file within ``credential_bytes``; never quoted."""
    budget = limits.current().credential_bytes
    try:
        return limits.read_regular(path, budget, "credential_bytes", what=field)
    except InputError as error:
        raise CollectionError(f"{error.position}: {field} of {source}: {error.message}") from None


def run_exec_plugin(
    exec_config: Mapping[str, Any], cluster: Mapping[str, Any] | None, source: str
) -> dict[str, Any]:
    """Run a kubeconfig ``exec`` credential plugin as kubectl does, within the budget.

    The command, its ``args`` and ``env`` come from the kubeconfig; the plugin gets
    ``KUBERNETES_EXEC_INFO`` and no terminal. It must finish within ``call_seconds``; its
    stdout is capped at ``credential_bytes`` and its stderr (which may hold credentials)
    is read, capped, and never shown.
    """

    command = exec_config.get("command")
    if not isinstance(command, str) or not command:
        raise CollectionError(f"{source}: the exec plugin has no command")
    args = exec_config.get("args") or []
    if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
        raise CollectionError(f"{source}: the exec plugin's args are not a list of strings")
    env = dict(os.environ)
    for item in exec_config.get("env") or []:
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            env[item["name"]] = str(item.get("value", ""))
    info: dict[str, Any] = {
        "apiVersion": exec_config.get("apiVersion", "client.authentication.k8s.io/v1"),
        "kind": "ExecCredential",
        "spec": {"interactive": False},
    }
    if exec_config.get("provideClusterInfo") and cluster is not None:
        info["spec"]["cluster"] = {k: v for k, v in cluster.items() if isinstance(k, str)}
    env["KUBERNETES_EXEC_INFO"] = json.dumps(info)
    shown = os.path.basename(command)
    budget = limits.current()
    try:
        process = subprocess.Popen(
            [command, *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            start_new_session=True,
        )
    except OSError as error:
        raise CollectionError(
            f"{source}: the exec plugin {shown!r} could not be started "
            f"({error.strerror or type(error).__name__})"
        ) from None
    outcome = drain_process(
        process,
        seconds=budget.call_seconds,
        stdout_limit=budget.credential_bytes,
        stderr_limit=budget.exec_side_bytes,
    )
    if outcome.problem is not None:
        raise CollectionError(f"{source}: the exec plugin {shown!r} {outcome.problem}")
    if outcome.returncode != 0:
        raise CollectionError(
            f"{source}: the exec plugin {shown!r} exited with status {outcome.returncode} "
            f"(its stderr, {len(outcome.stderr)} bytes, is not shown: it may hold credentials; "
            "run the command yourself to see it)"
        )
    try:
        document = json.loads(outcome.stdout)
    except (ValueError, RecursionError):
        raise CollectionError(
            f"{source}: the exec plugin {shown!r} did not print an ExecCredential (JSON)"
        ) from None
    status = document.get("status") if isinstance(document, dict) else None
    if not isinstance(status, dict) or not (
        isinstance(status.get("token"), str)
        or (
            isinstance(status.get("clientCertificateData"), str)
            and isinstance(status.get("clientKeyData"), str)
        )
    ):
        raise CollectionError(
            f"{source}: the exec plugin {shown!r} printed no token and no client certificate"
        )
    return status


def _keep_in_memory(configuration: Any, scratch: Path) -> None:
    """Move the client's temporary key/cert files into memory; delete them from disk now.

    The client writes ``*-data`` fields to temporary files for urllib3; a kill would leave
    them behind. On Linux an anonymous ``memfd`` holds them instead (urllib3 opens
    ``/proc/self/fd/N``); elsewhere they stay in our private folder until exit.
    """
    memfd = getattr(os, "memfd_create", None)
    moved = True
    for attribute in ("cert_file", "key_file", "ssl_ca_cert"):
        path = getattr(configuration, attribute, None)
        if not isinstance(path, str) or not path.startswith(str(scratch)):
            continue
        if memfd is None or not Path("/proc/self/fd").is_dir():
            moved = False
            continue
        with open(path, "rb") as handle:
            content = handle.read()
        descriptor = memfd(f"ciliumdrift-{attribute}", 0)
        os.write(descriptor, content)
        _MEMORY_FILES.append(descriptor)
        setattr(configuration, attribute, f"/proc/self/fd/{descriptor}")
    if moved:
        shutil.rmtree(scratch, ignore_errors=True)
    else:  # pragma: no cover - platforms without memfd_create
        atexit.register(shutil.rmtree, scratch, True)


#: Descriptors of the in-memory credential files; they live as long as the process.
_MEMORY_FILES: list[int] = []


@dataclass
class LightConfiguration:
    """The parts of a client Configuration that ciliumdrift uses, without the client.

    Importing the Kubernetes client costs a noticeable part of a run's start-up; a
    kubeconfig whose user is a token, a token file, basic auth or a client certificate (and
    whose cluster names no proxy) needs none of it. Exec plugins, auth providers and
    proxies go to the client's own loader.
    """

    host: str
    token: str | None = None
    token_file: str | None = None
    username: str | None = None
    password: str | None = None
    ssl_ca_cert: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    verify_ssl: bool = True
    tls_server_name: str | None = None
    proxy: str | None = None
    retries: int = 1

    def auth_settings(self) -> dict[str, dict[str, str]]:
        token = self.token
        if self.token_file:  # read at every use, as kubectl does (a rotated token), bounded
            raw = _read_credential(self.token_file, "tokenFile", self.token_file)
            token = raw.decode("utf-8", "replace").strip()
        if token:
            return {
                "BearerToken": {"in": "header", "key": "authorization", "value": f"Bearer {token}"}
            }
        if self.username is not None:
            pair = f"{self.username}:{self.password or ''}".encode()
            return {
                "BasicAuth": {
                    "in": "header",
                    "key": "authorization",
                    "value": "Basic " + base64.b64encode(pair).decode(),
                }
            }
        return {}


def _light(merged: dict[str, Any], context: str, source: str) -> ClusterAccess | None:
    """A :class:`LightConfiguration` when the context needs nothing of the client; else None."""
    contexts = {c.get("name"): c.get("context") for c in merged["contexts"] if isinstance(c, dict)}
    ctx = contexts.get(context)
    if not isinstance(ctx, dict):
        return None
    clusters = {c.get("name"): c.get("cluster") for c in merged["clusters"] if isinstance(c, dict)}
    users = {u.get("name"): u.get("user") for u in merged["users"] if isinstance(u, dict)}
    cluster = clusters.get(ctx.get("cluster"))
    user = users.get(ctx.get("user")) if ctx.get("user") else {}
    if not isinstance(cluster, dict) or not isinstance(user, dict):
        return None
    simple_user = {
        "token",
        "tokenFile",
        "username",
        "password",
        "client-certificate",
        "client-certificate-data",
        "client-key",
        "client-key-data",
    }
    simple_cluster = {
        "server",
        "certificate-authority",
        "certificate-authority-data",
        "insecure-skip-tls-verify",
        "tls-server-name",
        "extensions",
    }
    if not set(user) <= simple_user or not set(cluster) <= simple_cluster:
        return None  # exec plugins, auth providers, impersonation, proxies: the client's loader
    server = cluster.get("server")
    if not isinstance(server, str) or not server.startswith(("https://", "http://")):
        return None
    token_file = user.get("tokenFile") or None
    if isinstance(token_file, str):
        _read_credential(token_file, "tokenFile", source)  # refused now, with one line
    try:
        configuration = LightConfiguration(
            host=server.rstrip("/"),
            token=user.get("token") or None,
            token_file=token_file if isinstance(token_file, str) else None,
            username=user.get("username"),
            password=user.get("password"),
            ssl_ca_cert=_file_or_data(cluster, "certificate-authority"),
            cert_file=_file_or_data(user, "client-certificate"),
            key_file=_file_or_data(user, "client-key"),
            verify_ssl=not bool(cluster.get("insecure-skip-tls-verify")),
            tls_server_name=cluster.get("tls-server-name") or None,
        )
    except (ValueError, OSError):
        return None  # undecodable data: the client's loader says what is wrong
    namespace = ctx.get("namespace") or None
    return ClusterAccess(configuration, configuration.host, context, source, namespace)


def _file_or_data(entry: Mapping[str, Any], name: str) -> str | None:
    """The path of ``name``, or of a private temporary file holding ``name-data``."""

    data = entry.get(f"{name}-data")
    if data:
        raw = base64.b64decode(str(data), validate=False)
        handle = tempfile.NamedTemporaryFile(prefix="ciliumdrift-", delete=False)  # noqa: SIM115
        with handle:
            os.chmod(handle.name, 0o600)
            handle.write(raw)
        atexit.register(_unlink, handle.name)
        return handle.name
    path = entry.get(name)
    return str(path) if path else None


def _unlink(path: str) -> None:
    with suppress(OSError):  # already gone
        os.unlink(path)


def _in_cluster_possible(env: Mapping[str, str]) -> bool:
    return bool(env.get("KUBERNETES_SERVICE_HOST") and env.get("KUBERNETES_SERVICE_PORT"))


def _in_cluster(env: Mapping[str, str], account: Path | None = None) -> ClusterAccess:
    from kubernetes.client import Configuration
    from kubernetes.config.config_exception import ConfigException
    from kubernetes.config.incluster_config import InClusterConfigLoader

    account = SERVICE_ACCOUNT if account is None else account
    for name in ("token", "ca.crt"):  # the client reads them unbounded: check them first
        if (account / name).exists():
            _read_credential(str(account / name), name, "in-cluster service account")
    configuration = Configuration()
    try:
        loader = InClusterConfigLoader(  # type: ignore[no-untyped-call]
            token_filename=str(account / "token"),
            cert_filename=str(account / "ca.crt"),
            environ=env,
        )
        loader.load_and_set(configuration)  # type: ignore[no-untyped-call]
    except ConfigException as error:
        raise CollectionError(f"in-cluster config: {_one_line(error)}") from None
    namespace_file = account / "namespace"
    namespace = None
    if namespace_file.exists():
        raw = _read_credential(str(namespace_file), "namespace", "in-cluster service account")
        namespace = raw.decode("utf-8", "replace").strip() or None
    _limit_retries(configuration)
    return ClusterAccess(
        configuration, str(configuration.host), None, "in-cluster service account", namespace
    )


def _limit_retries(configuration: Any) -> None:
    # urllib3 retries a refused or timed-out connection three times by default; one retry
    # keeps an unreachable API server a quick, clear failure.
    configuration.retries = 1


def _one_line(error: BaseException) -> str:
    """The client's message on one line, credentials masked, at most 200 characters."""
    text = _mask(" ".join(str(error).split())) or type(error).__name__
    return text if len(text) <= 200 else text[:197] + "..."
