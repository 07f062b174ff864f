"""A small Kubernetes API server for the live tests: real HTTP paths, real exec websockets.

Standard library only. It serves, on 127.0.0.1 and nowhere else, what ``ciliumdrift live``
reads: ``/version``; pods (with ``labelSelector``), nodes, ConfigMaps and Secrets of the
core API; ``CiliumNodeConfig`` objects of ``cilium.io/v2`` and ``v2alpha1``; and
``pods/<name>/exec`` as the API server does it: an HTTP/1.1 Upgrade to an RFC 6455
websocket whose subprotocol is the first of the client's offer (``v5.channel.k8s.io``,
``v4.channel.k8s.io``) that the server supports, channel 1 stdout, 2 stderr and 3 the
``metav1.Status`` that carries the exit code.

Every agent is a pod on its own node that answers ``cilium-dbg status [-o json]``,
``cilium status`` and ``cilium-dbg metrics list`` from its fixture, after the configured
latency, unless a :class:`Fault` says otherwise.
"""

from __future__ import annotations

import base64
import enum
import gzip
import hashlib
import json
import re
import select
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

from tests.fakecluster import statuses

WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
CHANNEL_PROTOCOLS = ("v5.channel.k8s.io", "v4.channel.k8s.io")
STDOUT, STDERR, ERROR = 1, 2, 3


class Fault(str, enum.Enum):
    """How one agent misbehaves."""

    NONE = "none"
    HANG = "hang"  # the exec upgrade succeeds, then nothing ever comes back
    ERROR = "error"  # every cilium command exits 1: the agent does not answer on its socket
    GARBAGE = "garbage"  # exit 0 with output that is no status at all
    NOT_READY = "not-ready"  # the pod's Ready condition is False (the agent still answers)
    CRASHLOOP = "crashloop"  # the agent container is waiting in CrashLoopBackOff
    VANISH = "vanish"  # pod and node are deleted right after the first pod list
    TEXT_ONLY = "text-only"  # `-o json` fails; the text form works
    FLAKY = "flaky"  # the first exec gets 502 Bad Gateway from the exec proxy


@dataclass
class Agent:
    """One Cilium agent pod and the node it runs on."""

    node: str
    pod: str
    status: dict[str, Any]
    text: str
    version: str = statuses.SEED_VERSION
    fault: Fault = Fault.NONE
    kernel: str = "6.18.0-talos"
    os_image: str = "Talos (v1.12.0)"
    pod_cidr: str = "10.100.1.0/24"
    labels: dict[str, str] = field(default_factory=dict)
    started_at: str = "2026-01-01T10:00:00Z"
    drift_delta: float = 0.0
    latency: float | None = None
    stderr: bytes = b""  # printed on stderr next to every successful status (warnings)
    gone: bool = False
    execs: int = 0
    log: str | None = None  # the agent container's log (None: the API answers 404)
    previous_log: str | None = None  # the last terminated container's log
    encoded: tuple[Any, bytes] | None = field(default=None, repr=False, compare=False)

    @property
    def minor(self) -> tuple[int, int]:
        major, minor, *_ = (int(p) for p in re.findall(r"\d+", self.version)[:2])
        return major, minor


def seed_configmap() -> dict[str, str]:
    """The `cilium-config` data Helm renders for the seed values (the keys that matter here)."""
    return {
        "kube-proxy-replacement": "true",
        "routing-mode": "native",
        "ipv4-native-routing-cidr": "10.100.0.0/16",
        "auto-direct-node-routes": "true",
        "enable-bpf-masquerade": "true",
        "enable-host-legacy-routing": "false",
        "datapath-mode": "netkit",
        "enable-bandwidth-manager": "true",
        "enable-bbr": "true",
        "enable-l7-proxy": "false",
        "ipam": "kubernetes",
        "enable-hubble": "true",
        "enable-ipv4": "true",
        "enable-ipv6": "false",
        "tunnel-protocol": "vxlan",
    }


def helm_release_payload(
    *,
    name: str = "cilium",
    namespace: str = "kube-system",
    revision: int = 1,
    chart_version: str = statuses.SEED_VERSION,
    config: Mapping[str, Any] | None = None,
    chart_values: Mapping[str, Any] | None = None,
    status: str = "deployed",
) -> dict[str, Any]:
    """A Helm v3 release record as Helm stores it (the parts ciliumdrift reads, plus a manifest)."""
    return {
        "name": name,
        "namespace": namespace,
        "version": revision,
        "info": {
            "status": status,
            "last_deployed": "2026-01-01T09:58:00Z",
            "description": "Upgrade complete",
        },
        "chart": {
            "metadata": {"name": "cilium", "version": chart_version, "appVersion": chart_version},
            "values": dict(chart_values or {}),
        },
        "config": dict(config or {}),
        "manifest": "---\n# Source: cilium/templates/secret.yaml\nkind: Secret\n"
        "data:\n  ca.key: U0VDUkVULURPLU5PVC1QUklOVA==\n",
    }


def helm_secret(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The ``sh.helm.release.v1.<name>.v<revision>`` Secret holding a release record."""
    encoded = base64.b64encode(gzip.compress(json.dumps(payload).encode()))
    name, revision = payload["name"], payload["version"]
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "helm.sh/release.v1",
        "metadata": {
            "name": f"sh.helm.release.v1.{name}.v{revision}",
            "namespace": payload.get("namespace", "kube-system"),
            "labels": {
                "name": name,
                "owner": "helm",
                "status": payload["info"]["status"],
                "version": str(revision),
            },
        },
        "data": {"release": base64.b64encode(encoded).decode()},
    }


def node_config(
    name: str,
    match_labels: Mapping[str, str],
    defaults: Mapping[str, str],
    *,
    namespace: str = "kube-system",
) -> dict[str, Any]:
    """A CiliumNodeConfig that overrides ``defaults`` on nodes with ``match_labels``."""
    return {
        "kind": "CiliumNodeConfig",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"nodeSelector": {"matchLabels": dict(match_labels)}, "defaults": dict(defaults)},
    }


@dataclass(frozen=True)
class ExecStart:
    """An accepted exec: the agent, its command, the upgrade's answer, how to behave."""

    agent: Agent
    command: list[str]
    protocol: str
    accept: str  # Sec-WebSocket-Accept
    delay: float  # seconds before the agent answers
    hangs: bool  # never answers


def _failure(code: int, message: str, reason: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"kind": "Status", "status": "Failure", "code": code, "message": message}
    if reason is not None:
        body["reason"] = reason
    return body


class FakeCluster:
    """The fake API server and the agents it plays; a context manager."""

    def __init__(
        self,
        agents: int | Iterable[Agent] = 3,
        *,
        latency_ms: float = 0.0,
        namespace: str = "kube-system",
        token: str = "fake-token-not-a-secret",
        configmap: Mapping[str, str] | None = None,
        configmap_changed_at: str = "2026-01-01T09:59:00Z",
        releases: Iterable[Mapping[str, Any]] = (),
        node_configs: Iterable[Mapping[str, Any]] = (),
        cnc_versions: tuple[str, ...] = ("v2", "v2alpha1"),
        protocols: tuple[str, ...] = CHANNEL_PROTOCOLS,
        faults: Mapping[str, Fault] | None = None,
        forbidden: Iterable[str] = (),
        extra_pods: Iterable[Mapping[str, Any]] = (),
    ) -> None:
        if isinstance(agents, int):
            agents = make_agents(agents)
        self.agents: list[Agent] = list(agents)
        for pod, fault in (faults or {}).items():
            self.agent(pod).fault = fault
        self.latency = latency_ms / 1000.0
        self.namespace = namespace
        self.token = token
        self.configmap = dict(seed_configmap() if configmap is None else configmap)
        self.configmap_changed_at = configmap_changed_at
        self.releases = [dict(r) for r in releases]
        self.node_configs = {v: [dict(c) for c in node_configs] for v in cnc_versions}
        self.protocols = protocols
        self.forbidden = set(forbidden)  # resources RBAC denies: pods, nodes, secrets, ...
        self.extra_pods = [dict(p) for p in extra_pods]
        self.exec_log: list[tuple[str, tuple[str, ...], str]] = []
        self.requests: list[str] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def start(self, port: int = 0) -> FakeCluster:
        from tests.fakecluster.aioserver import AsyncServer

        self._server = AsyncServer(self, port)  # type: ignore[assignment]
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeCluster:
        return self.start() if self._server is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the cluster first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def kubeconfig(self, path: Path, *, context: str = "fake", token: str | None = None) -> Path:
        """Write a kubeconfig for this server (JSON, which is YAML) and return its path."""
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": context, "cluster": {"server": self.url}}],
            "users": [{"name": f"{context}-user", "user": {"token": token or self.token}}],
            "contexts": [
                {"name": context, "context": {"cluster": context, "user": f"{context}-user"}}
            ],
            "current-context": context,
        }
        path.write_text(json.dumps(config, indent=2), encoding="utf-8")
        return path

    # -- state -----------------------------------------------------------------------------

    def agent(self, pod_or_node: str) -> Agent:
        return next(a for a in self.agents if pod_or_node in (a.pod, a.node))

    def live_agent(self, pod: str) -> Agent | None:
        """The running agent of that pod name (an index: a fleet has thousands of pods)."""
        index = self.__dict__.get("_pod_index")
        if index is None or len(index) != len(self.agents):
            index = self.__dict__["_pod_index"] = {a.pod: a for a in self.agents}
        agent = index.get(pod)
        if agent is None or agent.pod != pod:  # renamed since: rebuild once
            self.__dict__["_pod_index"] = None
            agent = next((a for a in self.agents if a.pod == pod), None)
        return agent if agent is not None and not agent.gone else None

    def live_agents(self) -> list[Agent]:
        with self._lock:
            return [a for a in self.agents if not a.gone]

    def pods_listed(self) -> None:
        with self._lock:
            for agent in self.agents:
                if agent.fault is Fault.VANISH:
                    agent.gone = True

    def start_exec(
        self, pod: str, query: Mapping[str, list[str]], *, upgrade: str, offered: str, key: str
    ) -> ExecStart | tuple[int, dict[str, Any]]:
        """An exec request as the API server judges it, for both transports of the fake:
        the refusal (status, Status body), or what to answer once upgraded."""
        agent = self.live_agent(pod)
        if agent is None:
            return 404, _not_found(f'pods "{pod}"')
        with self._lock:
            agent.execs += 1
            first = agent.execs == 1
        if agent.fault is Fault.CRASHLOOP:
            return 400, _failure(
                400,
                'container "cilium-agent" in pod is waiting to start: CrashLoopBackOff',
                "BadRequest",
            )
        if agent.fault is Fault.FLAKY and first:
            return 502, _failure(502, "error dialing backend: 502 Bad Gateway")
        if upgrade.lower() != "websocket":
            return 400, _failure(400, "Upgrade request required", "BadRequest")
        protocols = [p.strip() for p in offered.split(",")]
        protocol = next((p for p in protocols if p in self.protocols), None)
        if protocol is None:
            return 403, _failure(403, "no supported channel protocol offered")
        accept = base64.b64encode(hashlib.sha1((key + WEBSOCKET_GUID).encode()).digest()).decode()
        command = list(query.get("command", []))
        with self._lock:
            self.exec_log.append((pod, tuple(command), protocol))
        delay = agent.latency if agent.latency is not None else self.latency
        return ExecStart(agent, command, protocol, accept, delay, agent.fault is Fault.HANG)

    def exec_frames(self, started: ExecStart) -> bytes:
        """The agent's answer as websocket frames: stdout, stderr, the exit Status, close."""
        stdout, stderr, status = self.answer(started.agent, started.command)
        frames = [
            _frame(2, bytes([channel]) + data[start : start + 32 * 1024])
            for channel, data in ((STDOUT, stdout), (STDERR, stderr))
            for start in range(0, len(data), 32 * 1024)
        ]
        frames.append(_frame(2, bytes([ERROR]) + json.dumps(status).encode()))
        frames.append(_frame(8, (1000).to_bytes(2, "big")))
        return b"".join(frames)

    def pod_object(self, agent: Agent) -> dict[str, Any]:
        running = agent.fault is not Fault.CRASHLOOP
        ready = agent.fault not in (Fault.NOT_READY, Fault.CRASHLOOP)
        state: dict[str, Any] = (
            {"running": {"startedAt": agent.started_at}}
            if running
            else {
                "waiting": {
                    "reason": "CrashLoopBackOff",
                    "message": "back-off 5m0s restarting failed container",
                }
            }
        )
        return {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": agent.pod,
                "namespace": self.namespace,
                "labels": {"k8s-app": "cilium", "app.kubernetes.io/name": "cilium-agent"},
                "creationTimestamp": "2026-01-01T09:00:00Z",
            },
            "spec": {
                "nodeName": agent.node,
                "containers": [
                    {"name": "cilium-agent", "image": f"quay.io/cilium/cilium:v{agent.version}"}
                ],
            },
            "status": {
                "phase": "Running",
                "startTime": agent.started_at,
                "conditions": [
                    {
                        "type": "Ready",
                        "status": "True" if ready else "False",
                        **(
                            {}
                            if ready
                            else {
                                "reason": "ContainersNotReady",
                                "message": "containers with unready status: [cilium-agent]",
                            }
                        ),
                    }
                ],
                "containerStatuses": [
                    {
                        "name": "cilium-agent",
                        "ready": ready,
                        "restartCount": 0 if running else 7,
                        "image": f"quay.io/cilium/cilium:v{agent.version}",
                        "state": state,
                    }
                ],
            },
        }

    def node_object(self, agent: Agent) -> dict[str, Any]:
        return {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {
                "name": agent.node,
                "labels": {"kubernetes.io/hostname": agent.node, **agent.labels},
            },
            "spec": {"podCIDR": agent.pod_cidr, "podCIDRs": [agent.pod_cidr]},
            "status": {
                "nodeInfo": {
                    "kernelVersion": agent.kernel,
                    "osImage": agent.os_image,
                    "kubeletVersion": "v1.34.2",
                    "architecture": "amd64",
                    "containerRuntimeVersion": "containerd://2.1.5",
                    "operatingSystem": "linux",
                },
                "conditions": [{"type": "Ready", "status": "True"}],
            },
        }

    # -- what an agent answers ---------------------------------------------------------------

    def answer(self, agent: Agent, command: list[str]) -> tuple[bytes, bytes, dict[str, Any]]:
        """(stdout, stderr, the channel-3 Status) for one exec in ``agent``."""
        binary, args = (command[0], command[1:]) if command else ("", [])
        if binary == "cilium-dbg" and agent.minor < (1, 15):
            return (
                b"",
                b"",
                _internal_error(
                    "OCI runtime exec failed: exec failed: unable to start container process: "
                    "exec: "
                    '"cilium-dbg": executable file not found in $PATH: unknown'
                ),
            )
        if binary not in ("cilium", "cilium-dbg"):
            return b"", f"{binary}: not found\n".encode(), _exit_status(command, 127)
        if agent.fault is Fault.ERROR:
            return (
                b"",
                (
                    b'Error: Get "http://localhost/v1/healthz": '
                    b"dial unix /var/run/cilium/cilium.sock: "
                    b"connect: connection refused\nIs the agent running?\n"
                ),
                _exit_status(command, 1),
            )
        if agent.fault is Fault.GARBAGE:
            return b"\x1b[31m{{{ segfault at 0000 }}\n\x00\x01 core dumped\n" * 4, b"", _SUCCESS
        if args[:1] == ["status"]:
            if "-o" in args and "json" in args:
                if agent.fault is Fault.TEXT_ONLY:
                    return (
                        b"",
                        b"Error: unknown shorthand flag: 'o' in -o\n",
                        _exit_status(command, 1),
                    )
                cached = agent.encoded
                if cached is None or cached[0] is not agent.status:
                    # encoding is the server's main cost at thousands of agents: once per status
                    cached = agent.encoded = (agent.status, statuses.as_json(agent.status).encode())
                return cached[1], agent.stderr, _SUCCESS
            return agent.text.encode(), agent.stderr, _SUCCESS
        if args[:2] == ["metrics", "list"]:
            if agent.minor < (1, 17):
                return b"[]\n", b"", _SUCCESS
            return statuses.drift_metric(agent.drift_delta).encode(), b"", _SUCCESS
        return b"", f"Error: unknown command {args!r}\n".encode(), _exit_status(command, 1)


_SUCCESS: dict[str, Any] = {"metadata": {}, "status": "Success"}


def _exit_status(command: list[str], code: int) -> dict[str, Any]:
    return {
        "metadata": {},
        "status": "Failure",
        "message": f"command terminated with non-zero exit code: error executing command "
        f"{command}, exit code {code}",
        "reason": "NonZeroExitCode",
        "details": {"causes": [{"reason": "ExitCode", "message": str(code)}]},
    }


def _internal_error(message: str) -> dict[str, Any]:
    return {
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": "InternalError",
        "code": 500,
    }


_Cluster = TypeVar("_Cluster", bound="FakeCluster")


def clusters(kind: type[_Cluster], folder: Path) -> Iterator[Callable[..., tuple[_Cluster, Path]]]:
    """For a fixture: start clusters of ``kind`` on demand, each with its own kubeconfig in
    ``folder`` (``start(*args) -> (cluster, kubeconfig)``); stop every one afterwards."""
    started: list[_Cluster] = []

    def start(*args: Any, **kwargs: Any) -> tuple[_Cluster, Path]:
        cluster = kind(*args, **kwargs)
        cluster.start()
        started.append(cluster)
        return cluster, cluster.kubeconfig(folder / f"kubeconfig-{len(started)}")

    yield start
    for cluster in started:
        cluster.stop()


def make_agents(count: int, *, version: str = statuses.SEED_VERSION) -> list[Agent]:
    """``count`` healthy seed agents on nodes ``node-000``..., each with its own /24."""
    agents = []
    for index in range(count):
        node = f"node-{index:03d}"
        cidr = f"10.100.{index % 250}.0/24"
        agents.append(
            Agent(
                node=node,
                pod=f"cilium-{index:05d}",
                status=statuses.seed_status(node, pod_cidr=cidr, version=version),
                text=statuses.seed_text(node, pod_cidr=cidr),
                version=version,
                pod_cidr=cidr,
            )
        )
    return agents


# -- HTTP --------------------------------------------------------------------------------------


def _selector_matches(selector: str, labels: Mapping[str, str]) -> bool:
    for term in filter(None, (t.strip() for t in selector.split(","))):
        if "!=" in term:
            key, value = term.split("!=", 1)
            if labels.get(key.strip()) == value.strip():
                return False
        elif "=" in term:
            key, value = term.replace("==", "=").split("=", 1)
            if labels.get(key.strip()) != value.strip():
                return False
        elif term.startswith("!"):
            if term[1:] in labels:
                return False
        elif term not in labels:
            return False
    return True


def _not_found(what: str) -> dict[str, Any]:
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": f"{what} not found",
        "reason": "NotFound",
        "code": 404,
    }


class _Handler(BaseHTTPRequestHandler):
    cluster: FakeCluster
    protocol_version = "HTTP/1.1"
    server_version = "fake-kube-apiserver/1.34"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        cluster = self.cluster
        parts = urlsplit(self.path)
        query = parse_qs(parts.query, keep_blank_values=True)
        path = parts.path.rstrip("/")
        cluster.requests.append(path)
        scheme, _, token = self.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or token != cluster.token:
            self._json(
                401,
                {
                    "kind": "Status",
                    "status": "Failure",
                    "message": "Unauthorized",
                    "reason": "Unauthorized",
                    "code": 401,
                },
            )
            return
        resource = next((r for r in self.cluster.forbidden if f"/{r}" in path), None)
        if resource is not None:
            self._json(
                403,
                {
                    "kind": "Status",
                    "status": "Failure",
                    "reason": "Forbidden",
                    "code": 403,
                    "message": f'{resource} is forbidden: User "ci" cannot list resource '
                    f'"{resource}"',
                },
            )
            return
        if path == "/version":
            self._json(
                200,
                {"major": "1", "minor": "34", "gitVersion": "v1.34.2", "platform": "linux/amd64"},
            )
            return
        ns = re.escape(cluster.namespace)
        if m := re.fullmatch(rf"/api/v1/namespaces/{ns}/pods/([^/]+)/exec", path):
            self._exec(m.group(1), query)
            return
        if m := re.fullmatch(rf"/api/v1/namespaces/{ns}/pods/([^/]+)/log", path):
            agent = cluster.live_agent(m.group(1))
            previous = query.get("previous", ["false"])[0] == "true"
            text = None if agent is None else agent.previous_log if previous else agent.log
            if text is None:
                self._json(404, _not_found(f'pods "{m.group(1)}" log'))
                return
            data = text.encode()
            limit = int(query.get("limitBytes", [str(len(data))])[0])
            self._raw(200, "text/plain", data[:limit])
            return
        if re.fullmatch(rf"/api/v1/namespaces/{ns}/pods", path):
            selector = query.get("labelSelector", [""])[0]
            items = [
                p
                for a in cluster.live_agents()
                if _selector_matches(selector, (p := cluster.pod_object(a))["metadata"]["labels"])
            ]
            items.extend(
                p
                for p in cluster.extra_pods
                if _selector_matches(selector, p["metadata"].get("labels", {}))
            )
            cluster.pods_listed()
            self._json(
                200,
                {
                    "kind": "PodList",
                    "apiVersion": "v1",
                    "metadata": {"resourceVersion": "1"},
                    "items": items,
                },
            )
            return
        if path == "/api/v1/nodes":
            items = [cluster.node_object(a) for a in cluster.live_agents()]
            self._json(
                200, {"kind": "NodeList", "apiVersion": "v1", "metadata": {}, "items": items}
            )
            return
        if m := re.fullmatch(rf"/api/v1/namespaces/{ns}/configmaps/([^/]+)", path):
            if m.group(1) != "cilium-config" or cluster.configmap is None:
                self._json(404, _not_found(f'configmaps "{m.group(1)}"'))
                return
            self._json(
                200,
                {
                    "kind": "ConfigMap",
                    "apiVersion": "v1",
                    "metadata": {
                        "name": "cilium-config",
                        "namespace": cluster.namespace,
                        "managedFields": [
                            {
                                "manager": "helm",
                                "operation": "Update",
                                "apiVersion": "v1",
                                "time": cluster.configmap_changed_at,
                            }
                        ],
                    },
                    "data": cluster.configmap,
                },
            )
            return
        if re.fullmatch(rf"/api/v1/namespaces/{ns}/secrets", path):
            selector = query.get("labelSelector", [""])[0]
            items = [
                s
                for r in cluster.releases
                if _selector_matches(selector, (s := helm_secret(r))["metadata"]["labels"])
            ]
            self._json(
                200, {"kind": "SecretList", "apiVersion": "v1", "metadata": {}, "items": items}
            )
            return
        if m := re.fullmatch(rf"/apis/cilium\.io/([^/]+)/namespaces/{ns}/ciliumnodeconfigs", path):
            version = m.group(1)
            if version not in cluster.node_configs:
                self._json(
                    404,
                    {
                        "kind": "Status",
                        "status": "Failure",
                        "reason": "NotFound",
                        "message": "the server could not find the requested resource",
                        "code": 404,
                    },
                )
                return
            items = [
                {"apiVersion": f"cilium.io/{version}", **c} for c in cluster.node_configs[version]
            ]
            self._json(
                200,
                {
                    "kind": "CiliumNodeConfigList",
                    "apiVersion": f"cilium.io/{version}",
                    "metadata": {},
                    "items": items,
                },
            )
            return
        self._json(404, _not_found(path))

    def _json(self, code: int, body: Any) -> None:
        self._raw(code, "application/json", json.dumps(body).encode())

    def _raw(self, code: int, content_type: str, data: bytes) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    # -- exec over a websocket ---------------------------------------------------------------

    def _exec(self, pod: str, query: dict[str, list[str]]) -> None:
        cluster = self.cluster
        started = cluster.start_exec(
            pod,
            query,
            upgrade=self.headers.get("Upgrade", ""),
            offered=self.headers.get("Sec-WebSocket-Protocol", ""),
            key=self.headers.get("Sec-WebSocket-Key", ""),
        )
        if isinstance(started, tuple):
            self._json(*started)
            return
        self.send_response_only(101, "Switching Protocols")
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", started.accept)
        self.send_header("Sec-WebSocket-Protocol", started.protocol)
        self.end_headers()
        self.wfile.flush()
        self.close_connection = True
        sock = self.connection
        if started.hangs:
            self._wait_for_client(sock, forever=True)
            return
        if started.delay:
            time.sleep(started.delay)
        try:
            sock.sendall(cluster.exec_frames(started))
        except OSError:
            return
        self._wait_for_client(sock, forever=False)

    def _wait_for_client(self, sock: socket.socket, *, forever: bool) -> None:
        """Until the client closes (or 1 s after our close frame; forever for a hung agent)."""
        deadline = time.monotonic() + 1.0
        while not self.cluster._stopping.is_set() and (forever or time.monotonic() < deadline):
            try:
                readable, _, _ = select.select([sock], [], [], 0.05)
                if readable and not sock.recv(65536):
                    return
            except OSError:
                return


def _frame(opcode: int, payload: bytes) -> bytes:
    """One unmasked, final server frame (RFC 6455 §5.2)."""
    size = len(payload)
    if size < 126:
        header = bytes([0x80 | opcode, size])
    elif size < 1 << 16:
        header = bytes([0x80 | opcode, 126]) + size.to_bytes(2, "big")
    else:
        header = bytes([0x80 | opcode, 127]) + size.to_bytes(8, "big")
    return header + payload
