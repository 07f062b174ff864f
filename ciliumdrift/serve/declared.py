"""Where ``serve`` finds the declared config inside a cluster, read afresh on every run.

* mounted files (``-f``, ``--talos``): a ConfigMap or Secret volume, which the kubelet
  updates in place, so each run reads the current content;
* a ConfigMap of values (``--values-configmap [NS/]NAME[:KEY]``): the way Flux
  ``valuesFrom`` and many GitOps layouts keep Helm values;
* the deployed Helm release (``--values-from-helm-release``, opt-in: Helm stores it in a
  Secret): the values the release was installed or upgraded with (``helm get values``).

The loaders take files, so the values read from the API are written to a work directory
(an ``emptyDir`` when the root filesystem is read-only) under names that say where they
came from; the findings' ``file:line:column`` then name e.g.
``configmap/kube-system/cilium-values/values.yaml``.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ciliumdrift.errors import CollectionError, InputError

DEFAULT_CONFIGMAP_KEY = "values.yaml"


@dataclass(frozen=True)
class ConfigMapRef:
    """``[NAMESPACE/]NAME[:KEY]`` of a ConfigMap that holds Helm values."""

    namespace: str
    name: str
    key: str = DEFAULT_CONFIGMAP_KEY

    @classmethod
    def parse(cls, text: str, default_namespace: str) -> ConfigMapRef:
        ref, _, key = text.partition(":")
        namespace, _, name = ref.rpartition("/")
        if not name or "/" in namespace or key in (".", ".."):
            raise InputError(f"--values-configmap {text!r}: expected [NAMESPACE/]NAME[:KEY]")
        return cls(namespace or default_namespace, name, key or DEFAULT_CONFIGMAP_KEY)

    def __str__(self) -> str:
        return f"{self.namespace}/{self.name}:{self.key}"


@dataclass(frozen=True)
class DeclaredSources:
    """The declared inputs of every run, in Helm's merge order: ConfigMaps, release, files."""

    values_files: tuple[str, ...] = ()
    configmaps: tuple[ConfigMapRef, ...] = ()
    helm_release: bool = False  # the release's user-supplied values come first
    talos_files: tuple[str, ...] = ()

    def check_files(self) -> None:
        """Fail at start-up, not at the first run, when a named file does not exist."""
        for path in (*self.values_files, *self.talos_files):
            if not Path(path).is_file():
                raise InputError(f"{path}:1:1: no such file")

    def describe(self) -> str:
        parts = []
        if self.helm_release:
            parts.append("the deployed Helm release")
        parts.extend(f"ConfigMap {ref}" for ref in self.configmaps)
        parts.extend(self.values_files)
        parts.extend(f"Talos {path}" for path in self.talos_files)
        return ", ".join(parts) or "the chart defaults"


class WorkDir:
    """The directory the API-sourced values are written to; files not rewritten are removed."""

    def __init__(self, path: str | None = None) -> None:
        self.path = Path(path) if path else Path(tempfile.mkdtemp(prefix="ciliumdrift-serve-"))
        self.path.mkdir(parents=True, exist_ok=True)
        self._written: set[Path] = set()

    def write(self, relative: str, text: str) -> str:
        target = self.path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=target.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, target)
        self._written.add(target)
        return str(target)

    def sweep(self) -> None:
        """Remove the files an earlier run wrote and this one did not (an old revision)."""
        for path in sorted(self.path.rglob("*"), reverse=True):
            if path.is_file() and path not in self._written:
                path.unlink(missing_ok=True)
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()
        self._written = set()


def read_configmap_values(configuration: Any, ref: ConfigMapRef, timeout: float) -> str:
    """The text under ``ref.key`` of the ConfigMap; CollectionError when it cannot be had."""
    from kubernetes.client import ApiClient, CoreV1Api
    from kubernetes.client.exceptions import ApiException

    client = ApiClient(configuration)
    try:
        response: Any = CoreV1Api(client).read_namespaced_config_map(
            ref.name,
            ref.namespace,
            _preload_content=False,
            _request_timeout=(min(timeout, 10.0), timeout),
        )
        body = json.loads(response.data)
    except ApiException as error:
        reason = {403: "forbidden (RBAC)", 404: "not found"}.get(error.status, error.reason)
        raise CollectionError(f"values ConfigMap {ref}: {reason}") from None
    except ValueError:
        raise CollectionError(f"values ConfigMap {ref}: the API server sent no JSON") from None
    except Exception as error:  # connection errors: the run fails and is retried
        raise CollectionError(
            f"values ConfigMap {ref}: cannot reach the API server ({type(error).__name__})"
        ) from None
    finally:
        client.close()  # type: ignore[no-untyped-call]
    data = (body.get("data") or {}) if isinstance(body, dict) else {}
    if ref.key not in data:
        keys = ", ".join(sorted(data)) or "none"
        raise CollectionError(f"values ConfigMap {ref}: no key {ref.key!r} (keys: {keys})")
    return str(data[ref.key])


def release_values_yaml(values: Any) -> str:
    """The release's user-supplied values as YAML (block style, keys in stored order)."""
    import yaml

    if not values:
        return "{}\n"
    text: str = yaml.safe_dump(dict(values), sort_keys=False, default_flow_style=False)
    return text


def materialise(
    sources: DeclaredSources,
    *,
    configuration: Any,
    release: Any,
    work: WorkDir,
    timeout: float,
) -> tuple[str, ...]:
    """The values files of this run, in merge order (API-sourced ones written to ``work``).

    ``release`` is the run's :class:`~ciliumdrift.live.model.HelmRelease` (or None when
    the release was not read or none is deployed).
    """
    files: list[str] = []
    if sources.helm_release:
        if release is None:
            raise CollectionError(
                "--values-from-helm-release: no deployed Helm release found (see --release)"
            )
        name = f"helm-release/{release.namespace}/{release.name}/v{release.revision}.yaml"
        files.append(work.write(name, release_values_yaml(release.values)))
    for ref in sources.configmaps:
        text = read_configmap_values(configuration, ref, timeout)
        files.append(work.write(f"configmap/{ref.namespace}/{ref.name}/{ref.key}", text))
    files.extend(sources.values_files)
    work.sweep()
    return tuple(files)


def parse_configmaps(texts: Sequence[str], namespace: str) -> tuple[ConfigMapRef, ...]:
    return tuple(ConfigMapRef.parse(text, namespace) for text in texts)
