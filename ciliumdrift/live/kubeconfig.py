"""Find the cluster exactly as kubectl does, then hand the client a finished configuration.

kubectl's rules (ecosystem.md A2.1), which the Python client does not all follow:

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
(so exec credential plugins, OIDC and client certificates keep working) with
``persist_config`` off: a read-only tool never writes the user's kubeconfig back.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ciliumdrift.errors import CollectionError

SERVICE_ACCOUNT = Path("/var/run/secrets/kubernetes.io/serviceaccount")
MAX_KUBECONFIG_BYTES = 16 * 1024 * 1024
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
        if not path.is_file():
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
    """One kubeconfig file as a dict (an empty file is an empty config)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_KUBECONFIG_BYTES + 1)
    except OSError as error:
        raise CollectionError(f"{path}:1:1: cannot read kubeconfig: {error.strerror}") from None
    if len(data) > MAX_KUBECONFIG_BYTES:
        raise CollectionError(f"{path}:1:1: kubeconfig larger than 16 MiB")
    try:
        document = YAML(typ="safe", pure=True).load(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise CollectionError(f"{path}:1:1: kubeconfig is not UTF-8 text") from None
    except MarkedYAMLError as error:
        # Only the parser's problem statement: the excerpt could quote a token or a key.
        mark = error.problem_mark or error.context_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else f"{path}:1:1"
        raise CollectionError(f"{where}: kubeconfig is not valid YAML: {error.problem}") from None
    except YAMLError:
        raise CollectionError(f"{path}:1:1: kubeconfig is not valid YAML") from None
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise CollectionError(f"{path}:1:1: kubeconfig is not a mapping")
    for key in _NAMED_LISTS:
        entries = document.get(key)
        if entries is not None and not isinstance(entries, list):
            raise CollectionError(f"{path}:1:1: kubeconfig {key!r} is not a list")
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
) -> ClusterAccess:
    """The cluster to talk to, as kubectl would pick it; :class:`CollectionError` when none."""
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
    return _light(merged, wanted, source) or _from_dict(merged, wanted, source)


def _from_dict(merged: dict[str, Any], context: str, source: str) -> ClusterAccess:
    from kubernetes.client import Configuration
    from kubernetes.config.config_exception import ConfigException
    from kubernetes.config.kube_config import KubeConfigLoader

    configuration = Configuration()
    try:
        loader = KubeConfigLoader(  # type: ignore[no-untyped-call]
            config_dict=merged, active_context=context, config_persister=None
        )
        loader.load_and_set(configuration)  # type: ignore[no-untyped-call]
    except ConfigException as error:
        raise CollectionError(f"{source}: context {context!r}: {_one_line(error)}") from None
    except (KeyError, TypeError, ValueError) as error:
        raise CollectionError(
            f"{source}: context {context!r} is incomplete ({type(error).__name__}: "
            f"{_one_line(error)})"
        ) from None
    namespace = None
    for entry in merged["contexts"]:
        if entry.get("name") == context and isinstance(entry.get("context"), dict):
            namespace = entry["context"].get("namespace") or None
    _limit_retries(configuration)
    return ClusterAccess(configuration, str(configuration.host), context, source, namespace)


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
        if self.token_file:
            try:
                token = Path(self.token_file).read_text(encoding="utf-8").strip()
            except OSError:
                token = None
        if token:
            return {
                "BearerToken": {"in": "header", "key": "authorization", "value": f"Bearer {token}"}
            }
        if self.username is not None:
            import base64

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
    try:
        configuration = LightConfiguration(
            host=server.rstrip("/"),
            token=user.get("token") or None,
            token_file=user.get("tokenFile") or None,
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
    import atexit
    import base64
    import tempfile

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
    from contextlib import suppress

    with suppress(OSError):  # already gone
        os.unlink(path)


def _in_cluster_possible(env: Mapping[str, str]) -> bool:
    return bool(env.get("KUBERNETES_SERVICE_HOST") and env.get("KUBERNETES_SERVICE_PORT"))


def _in_cluster(env: Mapping[str, str], account: Path | None = None) -> ClusterAccess:
    from kubernetes.client import Configuration
    from kubernetes.config.config_exception import ConfigException
    from kubernetes.config.incluster_config import InClusterConfigLoader

    account = SERVICE_ACCOUNT if account is None else account
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
    namespace = namespace_file.read_text().strip() if namespace_file.is_file() else None
    _limit_retries(configuration)
    return ClusterAccess(
        configuration, str(configuration.host), None, "in-cluster service account", namespace
    )


def _limit_retries(configuration: Any) -> None:
    # urllib3 retries a refused or timed-out connection three times by default; one retry
    # keeps an unreachable API server a quick, clear failure.
    configuration.retries = 1


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__
