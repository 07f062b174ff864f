"""Read a running cluster through the Kubernetes API: every agent, every node, the layers.

The client's pitfalls (kubernetes-client/python's ``kubernetes.stream``) decide the shape of
this module:

* ``stream()`` swaps ``call_api`` on the ApiClient it is given, so concurrent execs on one
  ApiClient break each other. Every worker thread owns its ApiClient; they share only the
  read-only :class:`Configuration`.
* ``_preload_content=True`` mixes stdout and stderr and loses the exit code (and mangles
  JSON). Every exec uses ``_preload_content=False`` and reads channel 1, 2 and 3 apart.
* nothing times out unless told to: the websocket connect takes the websocket library's
  default timeout (set for the run), each exec loop stops at the node's deadline, and
  every plain API call passes ``_request_timeout``.

One node's failure never fails the run: an agent that hangs, errors, prints garbage, is
not Ready or vanishes becomes a :class:`NodeObservation` with ``error`` set. An API
server that cannot be reached, or refuses the credentials, is a :class:`CollectionError`.
Ctrl-C sets a cancel flag the workers check at least every 200 ms, and propagates.
"""

from __future__ import annotations

import gc
import json
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from concurrent.futures import Future
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote

from ciliumdrift import limits
from ciliumdrift.agent.gates import gate
from ciliumdrift.agent.nodeconfig import node_config
from ciliumdrift.errors import CiliumdriftError, CollectionError
from ciliumdrift.live.helm_release import pick_deployed, release_from_secret
from ciliumdrift.live.kubeconfig import resolve
from ciliumdrift.live.model import (
    DEFAULT_CONCURRENCY,
    DEFAULT_TIMEOUT,
    AgentPod,
    AgentResult,
    Deployed,
    ExecOutcome,
    HelmRelease,
    LiveResult,
    NodeConfigOverride,
    NodeFacts,
)
from ciliumdrift.live.objects import (
    AGENT_CONTAINER,
    Parser,
    agent_pod,
    configmap_changed_at,
    default_parser,
    node_facts,
    observation,
)
from ciliumdrift.live.progress import Progress
from ciliumdrift.live.streams import StreamLimitError, call_with_deadline
from ciliumdrift.live.transport import Endpoint, http_get, run_exec
from ciliumdrift.model import Diagnostic

CONFIGMAP = "cilium-config"
#: How often the run looks at the cancel flag and redraws its progress line.
POLL_SECONDS = 0.2
DRIFT_METRIC = "drift_checker_config_delta"
NODE_CONFIG_VERSIONS = ("v2alpha1", "v2")  # v2 read last: its keys win
# (cilium/cilium@v1.16.0:pkg/option/resolver/resolver.go readNodeConfigsAllVersions)

#: How much of each agent's log is read: the start, where the agent logs its flags, its
#: fallbacks and its refusals (kubectl logs --limit-bytes semantics: the first bytes).
AGENT_LOG_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class LiveOptions:
    """How to reach and read the cluster (the CLI's flags)."""

    kubeconfig: str | None = None
    context: str | None = None
    namespace: str = "kube-system"
    selector: str = "k8s-app=cilium"
    concurrency: int = DEFAULT_CONCURRENCY
    timeout: float = DEFAULT_TIMEOUT
    read_helm_release: bool = False
    helm_release: str = "cilium"
    container: str = AGENT_CONTAINER
    agent_log: bool = True  # read each agent container's log since its start (--no-agent-log)
    agent_log_bytes: int = AGENT_LOG_BYTES


Gather = Callable[..., list[AgentResult]]


def collect(
    options: LiveOptions,
    *,
    cancel: threading.Event | None = None,
    parse: Parser | None = None,
    access: Any = None,
    gather: Gather | None = None,
) -> LiveResult:
    """Read every agent, node and layer of the cluster the kubeconfig points at.

    ``access`` (a :class:`~ciliumdrift.live.kubeconfig.ClusterAccess`) skips the kubeconfig
    lookup; ``parse`` replaces the status parser (tests); ``cancel`` stops the run early;
    ``gather(access, pods, nodes, options, cancel, parse)`` replaces reading every agent by
    exec (the Prometheus source).
    """

    if options.concurrency < 1:
        raise CollectionError(f"--concurrency must be at least 1, not {options.concurrency}")
    if not options.timeout > 0:
        raise CollectionError(f"--timeout must be positive, not {options.timeout:g}")
    started = time.monotonic()
    if access is None:
        access = resolve(options.kubeconfig, options.context, light=True)
    stop = cancel or threading.Event()
    reader = _ApiReader(access.configuration, access.server, options.timeout)
    # The nodes and the deployed layer on a second connection while the pods are listed:
    # at thousands of nodes each list is a large answer the API server takes its time over.
    side = _ApiReader(access.configuration, access.server, options.timeout)
    diagnostics: list[Diagnostic] = []
    with reader, side:
        layers: Future[Any] = Future()

        def read_layers() -> None:
            try:
                layers.set_result((_nodes(side), _deployed(side, options)))
            except BaseException as error:  # raised below, after the pods' own errors
                layers.set_exception(error)

        reading = threading.Thread(target=read_layers, name="api-layers", daemon=True)
        reading.start()
        try:
            pods = _agent_pods(reader, options)
        finally:
            reading.join()  # never leave it using `side` after the with block closes it
        (nodes, node_note), (deployed, deployed_notes) = layers.result()
        diagnostics.extend(node_note)
        diagnostics.extend(deployed_notes)
        if not pods:
            diagnostics.append(
                Diagnostic(
                    f"no pods match {options.selector!r} in namespace {options.namespace!r}: "
                    "is Cilium installed there (see -n/--namespace and --selector)?",
                    code="live-no-agents",
                )
            )
        with no_gc_pauses():
            agents = (gather or _gather_by_exec)(
                access, pods, nodes, options, stop, parse or default_parser()
            )
    observations = tuple(observation(a, nodes) for a in agents)
    diagnostics.extend(_uncovered_nodes(nodes, agents))
    versions = Counter(a.version for a in agents if a.version)
    return LiveResult(
        observations=observations,
        agents=tuple(agents),
        nodes=tuple(nodes.values()),
        deployed=deployed,
        diagnostics=tuple(diagnostics),
        cilium_version=versions.most_common(1)[0][0] if versions else None,
        server=access.server,
        context=access.context,
        source=access.source,
        seconds=time.monotonic() - started,
    )


# -- plain API reads ------------------------------------------------------------------------


class _Forbidden(CiliumdriftError):
    pass


class _ApiReader:
    """Plain GETs with a timeout, raw JSON (no model deserialisation), one clear error.

    Over one keep-alive ``http.client`` connection with the credentials of the client's
    Configuration (the generated API classes cost seconds to import), through the
    kubeconfig's proxy as a CONNECT tunnel when it names one (as the execs go).
    """

    def __init__(self, configuration: Any, server: str, timeout: float) -> None:
        self.server = server
        self.timeout = timeout
        self.configuration = configuration
        self.endpoint = Endpoint.from_configuration(configuration)
        self._connection: Any = None

    def __enter__(self) -> _ApiReader:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._connection is not None:
            self._connection.close()

    def get(self, what: str, path: str, **query: str) -> Any:
        """The decoded JSON body of ``GET path?query``; None when it does not exist (404)."""
        from urllib.parse import urlencode

        target = self.endpoint.base_path + path + (f"?{urlencode(query)}" if query else "")

        def answer() -> tuple[int, str, bytes]:
            return self._request(target)

        try:
            # The whole call, headers and body, within one deadline: a server that trickles
            # a byte at a time keeps every single read within the socket timeout.
            status, reason, body = call_with_deadline(self.timeout, answer, what)
        except StreamLimitError as error:
            # abandoned mid-answer: never reused, and not closed here (closing would wait for
            # the abandoned reader's lock on the socket's buffer)
            self._connection = None
            raise CollectionError(f"{error} (the API server at {self.server})") from None
        if status == 404:
            return None
        if status == 403:
            raise _Forbidden(f"{what}: forbidden ({_status_message(body)})")
        if status == 401:
            raise CollectionError(
                f"the Kubernetes API server at {self.server} refused the credentials "
                "(401 Unauthorized)"
            )
        if status != 200:
            raise CollectionError(
                f"{what}: the API server at {self.server} answered {status} "
                f"{reason}: {_status_message(body)}"
            )
        try:
            return _json_shape(json.loads(body), what, self.server)
        except RecursionError:
            raise CollectionError(f"{what}: the API server sent JSON nested too deeply") from None
        except ValueError:
            raise CollectionError(f"{what}: the API server at {self.server} sent no JSON") from None

    def _request(self, target: str) -> tuple[int, str, bytes]:
        import http.client

        for attempt in (1, 2):  # a kept-alive connection the server closed: once more, anew
            if self._connection is None:
                endpoint, proxy = self.endpoint, self.endpoint.proxy
                if proxy is not None and not proxy.host:
                    raise CollectionError(
                        f"the kubeconfig's proxy {proxy.url} is not an http:// proxy "
                        "(the only kind supported)"
                    )
                host, port = (proxy.host, proxy.port) if proxy else (endpoint.host, endpoint.port)
                if endpoint.tls is not None:
                    self._connection = http.client.HTTPSConnection(
                        host, port, timeout=self.timeout, context=endpoint.tls
                    )
                else:
                    self._connection = http.client.HTTPConnection(host, port, timeout=self.timeout)
                if proxy is not None:
                    self._connection.set_tunnel(
                        endpoint.host, endpoint.port, headers=dict(proxy.headers)
                    )
            headers = {"Accept": "application/json", "User-Agent": "ciliumdrift"}
            headers.update(self.endpoint.headers())
            try:
                self._connection.request("GET", target, headers=headers)
                response = self._connection.getresponse()
                limit = _api_body_limit()
                body = response.read(limit + 1)
                if len(body) > limit:
                    self._connection.close()
                    self._connection = None
                    raise CollectionError(
                        f"{target}: the API server at {self.server} answered more than "
                        f"{limit // (1024 * 1024)} MiB"
                    )
                return response.status, response.reason, body
            except CollectionError:
                raise
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self._connection.close()
                self._connection = None
                if attempt == 2:
                    raise CollectionError(
                        f"cannot reach the Kubernetes API server at {self.server}: "
                        "connection closed"
                    ) from None
            except Exception as error:  # refused, DNS, TLS and timeout errors
                self._connection.close()
                self._connection = None
                raise CollectionError(
                    f"cannot reach the Kubernetes API server at {self.server}: "
                    f"{_transport_reason(error)}"
                ) from None
        raise AssertionError("unreachable")


def _api_body_limit() -> int:
    """The byte cap of one API answer (``ciliumdrift.limits``: one place for every cap)."""

    return int(limits.current().api_body_bytes)


def _json_shape(body: Any, what: str, server: str) -> Any:
    """A list answer whose ``items`` is not a list of objects is refused (not a defect)."""
    if not isinstance(body, dict):
        raise CollectionError(f"{what}: the API server at {server} sent a non-object answer")
    items = body.get("items")
    if "items" in body:
        if not isinstance(items, list):
            raise CollectionError(
                f"{what}: the API server at {server} sent items of the wrong type"
            )
        body["items"] = [item for item in items if isinstance(item, dict)]
    return body


def _agent_pods(reader: _ApiReader, options: LiveOptions) -> list[AgentPod]:
    try:
        body = reader.get(
            f"list pods {options.selector!r} in {options.namespace}",
            f"/api/v1/namespaces/{quote(options.namespace)}/pods",
            labelSelector=options.selector,
        )
    except _Forbidden as error:
        raise CollectionError(f"{error} (examples/live-rbac.yaml lists what live needs)") from None
    pods = [agent_pod(item, options.container) for item in (body or {}).get("items") or ()]
    return _one_pod_per_node(pods)


def _one_pod_per_node(pods: Sequence[AgentPod]) -> list[AgentPod]:
    """During a rollout a node can have an old and a new agent pod: keep the one that serves."""
    chosen: dict[str, AgentPod] = {}
    unscheduled = []
    for pod in pods:
        if pod.node is None:
            unscheduled.append(pod)
            continue
        current = chosen.get(pod.node)
        if current is None or _preference(pod) > _preference(current):
            chosen[pod.node] = pod
    return sorted(chosen.values(), key=lambda p: (p.node or "", p.name)) + unscheduled


def _preference(pod: AgentPod) -> tuple[bool, bool, bool, float]:
    started = pod.started_at.timestamp() if pod.started_at else 0.0
    return (not pod.terminating, pod.running, pod.ready, started)


def _nodes(reader: _ApiReader) -> tuple[dict[str, NodeFacts], list[Diagnostic]]:
    try:
        body = reader.get("list nodes", "/api/v1/nodes")
    except _Forbidden as error:
        return {}, [Diagnostic(f"{error}: kernels and OS images are unknown", code="live-rbac")]
    nodes = [node_facts(item) for item in (body or {}).get("items") or ()]
    return {n.name: n for n in nodes}, []


def _deployed(reader: _ApiReader, options: LiveOptions) -> tuple[Deployed, list[Diagnostic]]:
    notes: list[Diagnostic] = []
    configmap, changed_at = None, None
    try:
        body = reader.get(
            f"get configmap {options.namespace}/{CONFIGMAP}",
            f"/api/v1/namespaces/{quote(options.namespace)}/configmaps/{CONFIGMAP}",
        )
    except _Forbidden as error:
        body = None
        notes.append(Diagnostic(str(error), code="live-rbac"))
    else:
        if body is None:
            notes.append(
                Diagnostic(
                    f"ConfigMap {options.namespace}/{CONFIGMAP} not found: "
                    "the deployed layer is unknown",
                    code="live-no-configmap",
                )
            )
    if body is not None:
        configmap = {str(k): str(v) for k, v in (body.get("data") or {}).items()}
        changed_at = configmap_changed_at(body)
    node_configs, cnc_notes = _node_configs(reader, options.namespace)
    notes.extend(cnc_notes)
    release: HelmRelease | None = None
    newer: tuple[HelmRelease, ...] = ()
    if options.read_helm_release:
        release, newer, helm_notes = _helm_release(reader, options)
        notes.extend(helm_notes)
    return Deployed(
        configmap=configmap,
        configmap_changed_at=changed_at,
        release=release,
        newer_releases=newer,
        node_configs=node_configs,
        source=f"{reader.server} namespace {options.namespace}",
    ), notes


def _node_configs(
    reader: _ApiReader, namespace: str
) -> tuple[tuple[NodeConfigOverride, ...], list[Diagnostic]]:
    found: list[NodeConfigOverride] = []
    for version in NODE_CONFIG_VERSIONS:
        try:
            body = reader.get(
                f"list ciliumnodeconfigs.cilium.io/{version}",
                f"/apis/cilium.io/{version}/namespaces/{quote(namespace)}/ciliumnodeconfigs",
            )
        except _Forbidden as error:
            return tuple(found), [
                Diagnostic(f"{error}: per-node overrides unknown", code="live-rbac")
            ]
        found.extend(
            node_config(item, f"cilium.io/{version}") for item in (body or {}).get("items") or ()
        )
    return tuple(found), []


def _helm_release(
    reader: _ApiReader, options: LiveOptions
) -> tuple[HelmRelease | None, tuple[HelmRelease, ...], list[Diagnostic]]:
    try:
        body = reader.get(
            f"list Helm release secrets of {options.helm_release!r}",
            f"/api/v1/namespaces/{quote(options.namespace)}/secrets",
            labelSelector=f"owner=helm,name={options.helm_release}",
        )
    except _Forbidden as error:
        return (
            None,
            (),
            [Diagnostic(f"{error}: the Helm release layer is unknown", code="live-rbac")],
        )
    releases, notes = [], []
    for item in (body or {}).get("items") or ():
        try:
            releases.append(release_from_secret(item))
        except CollectionError as error:
            notes.append(Diagnostic(str(error), code="live-helm-release"))
    deployed, newer = pick_deployed(releases)
    if deployed is None:
        notes.append(
            Diagnostic(
                f"no deployed Helm release {options.helm_release!r} "
                f"in namespace {options.namespace}",
                code="live-helm-release",
            )
        )
    return deployed, newer, notes


# -- concurrency ----------------------------------------------------------------------------


@contextmanager
def no_gc_pauses() -> Iterator[None]:
    """The cyclic collector off while thousands of statuses are parsed, kept and compared.

    Every collection pass walks all live objects, and a fleet's results are long-lived and
    acyclic: with the collector on, the passes cost more than the parsing. Nested uses keep
    it off until the outermost one ends.
    """

    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _close_client(client: Any) -> None:
    with suppress(Exception):  # closing is best effort; nothing useful to report
        client.close()


# -- one agent ------------------------------------------------------------------------------


def _summarise(problems: Sequence[str]) -> str:
    if not problems:
        return "unreachable: no answer"
    kind = "unparseable" if all(p.startswith("unparseable") for p in problems) else "unreachable"
    unique = list(dict.fromkeys(p.removeprefix("unparseable output of ") for p in problems))
    return f"{kind}: " + "; ".join(unique)


def _exec_problem(outcome: ExecOutcome) -> str:
    if outcome.failure is not None and outcome.exit_code is None:
        return f"`{outcome.describe()}` failed: {outcome.failure}"
    detail = _first_line(outcome.stderr) or _first_line(outcome.stdout)
    if outcome.exit_code == 0:
        return f"`{outcome.describe()}` printed nothing"
    return f"`{outcome.describe()}` exited {outcome.exit_code}" + (f": {detail}" if detail else "")


def _source(pod: AgentPod, command: Sequence[str]) -> str:
    return f"{pod.namespace}/{pod.name} ({' '.join(command)})"


def _status_version(status: Any) -> str | None:
    cilium = getattr(status, "cilium", None)
    version = getattr(cilium, "version", None)
    return str(version) if version else None


def drift_delta(text: str) -> float | None:
    """The summed ``*drift_checker_config_delta`` gauge from ``metrics list -o json``."""
    try:
        metrics = json.loads(text)
    except ValueError:
        return None
    if not isinstance(metrics, list):
        return None
    values = [
        float(m["value"])
        for m in metrics
        if isinstance(m, dict)
        and DRIFT_METRIC in str(m.get("name", ""))
        and isinstance(m.get("value"), (int, float))
    ]
    return sum(values) if values else None


def _uncovered_nodes(
    nodes: Mapping[str, NodeFacts], agents: Sequence[AgentResult]
) -> list[Diagnostic]:
    covered = {a.pod.node for a in agents}
    missing = sorted(n for n in nodes if n not in covered)
    if not missing:
        return []
    shown = ", ".join(missing[:10]) + (
        f" and {len(missing) - 10} more" if len(missing) > 10 else ""
    )
    return [Diagnostic(f"no Cilium agent pod on node(s) {shown}", code="live-no-agent")]


# -- small text helpers ---------------------------------------------------------------------


def _status_message(body: Any) -> str:
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    try:
        parsed = json.loads(body) if isinstance(body, str) else body
    except ValueError:
        return _one_line(str(body))[:200]
    if isinstance(parsed, dict) and parsed.get("message"):
        return _one_line(str(parsed["message"]))[:300]
    return _one_line(str(body))[:200]


def _transport_reason(error: BaseException) -> str:
    reason = getattr(error, "reason", None) or error
    text = _one_line(str(reason))
    match = re.search(r"\[Errno -?\d+\] ([^')\]]+)", text)
    if match:
        return match.group(1).strip()
    if "timed out" in text.lower():
        return "timed out"
    return text[:200]


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")[:300]


def _one_line(error: object) -> str:
    return " ".join(str(error).split())


# -- many agents on one event loop -------------------------------------------------------------


def _gather_by_exec(
    access: Any,
    pods: Sequence[AgentPod],
    nodes: Mapping[str, NodeFacts],
    options: LiveOptions,
    cancel: threading.Event,
    parse: Parser,
) -> list[AgentResult]:
    return collect_agents(access, pods, options, cancel, parse)


def collect_agents(
    access: Any,
    pods: Sequence[AgentPod],
    options: LiveOptions,
    cancel: threading.Event,
    parse: Parser,
    delta_known: Collection[str] = (),
) -> list[AgentResult]:
    """Every agent's status, ``options.concurrency`` execs in flight, with a progress line.

    ``delta_known``: pods whose drift checker delta is known already (from Prometheus):
    their ``metrics list`` exec is skipped.

    The asyncio exec client (:mod:`ciliumdrift.live.transport`; through the kubeconfig's
    proxy too) reads all agents from one thread. Each result is folded as it arrives: the
    raw output is dropped once parsed, so memory grows with the number of nodes, not with
    the size of their outputs.
    """

    progress = Progress(len(pods))
    try:
        return _run_loop(access, pods, options, cancel, parse, progress, frozenset(delta_known))
    finally:
        progress.close()


def _run_loop(
    access: Any,
    pods: Sequence[AgentPod],
    options: LiveOptions,
    cancel: threading.Event,
    parse: Parser,
    progress: Any,
    delta_known: frozenset[str] = frozenset(),
) -> list[AgentResult]:
    import asyncio

    endpoint = Endpoint.from_configuration(access.configuration)

    async def main() -> list[AgentResult]:
        gate = asyncio.Semaphore(options.concurrency)
        pending: dict[str, float] = {}

        async def one(pod: AgentPod) -> AgentResult:
            try:
                async with gate:
                    pending[pod.name] = time.monotonic()
                    try:
                        result = _folded(
                            await _agent(
                                endpoint, pod, options, cancel, parse, pod.name not in delta_known
                            )
                        )
                    except Exception as error:  # one agent's defect must not end the run
                        result = AgentResult(
                            pod, error=f"unreachable: {type(error).__name__}: {_one_line(error)}"
                        )
                    finally:
                        pending.pop(pod.name, None)
            except asyncio.CancelledError:  # cancelled while waiting or reading: interrupted
                return AgentResult(pod, error="unreachable: interrupted")
            progress.advance(failed=result.status is None)
            return result

        tasks = [asyncio.ensure_future(one(pod)) for pod in pods]

        async def watch() -> None:
            while True:
                await asyncio.sleep(POLL_SECONDS)
                if cancel.is_set():
                    for task in tasks:
                        task.cancel()
                    return
                if pending:
                    name, since = min(pending.items(), key=lambda item: item[1])
                    waited = time.monotonic() - since
                    progress.waiting_on = f"{name} ({waited:.0f} s)" if waited >= 2 else None
                progress.draw(force=True)

        watcher = asyncio.ensure_future(watch())
        try:
            return list(await asyncio.gather(*tasks))
        finally:
            watcher.cancel()

    loop = asyncio.new_event_loop()
    try:
        results = loop.run_until_complete(main())
    except KeyboardInterrupt:
        cancel.set()
        _abandon(loop)
        raise
    finally:
        loop.close()
    if cancel.is_set():
        raise KeyboardInterrupt
    return results


def _abandon(loop: Any) -> None:
    """Cancel what still runs on ``loop`` (a hung exec) and let it close its sockets."""
    import asyncio

    tasks = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for task in tasks:
        task.cancel()
    with suppress(BaseException):  # the tasks end in CancelledError; nothing to report
        loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))


#: What is kept of an exec's stderr once folded (warnings the agent printed, for messages).
FOLDED_STDERR_CHARS = 2048


def _folded(result: AgentResult) -> AgentResult:
    """The compact form kept for the report: the parsed status, never the raw outputs."""
    attempts = tuple(
        ExecOutcome(
            a.command,
            stderr=a.stderr[:FOLDED_STDERR_CHARS],
            exit_code=a.exit_code,
            failure=a.failure,
            http_status=a.http_status,
            timed_out=a.timed_out,
            seconds=a.seconds,
        )
        for a in result.attempts
    )
    return replace(result, status_text=None, attempts=attempts)


async def _agent(
    endpoint: Any,
    pod: AgentPod,
    options: LiveOptions,
    cancel: threading.Event,
    parse: Parser,
    drift_metric: bool = True,
) -> AgentResult:
    """One agent's status (JSON, else text; ``cilium-dbg``, else ``cilium``) and its drift
    checker metric (unless known otherwise: ``drift_metric``). A timed-out exec ends the
    agent: a hung agent is not waited on twice."""

    if not pod.running:
        return AgentResult(
            pod,
            error=f"unreachable: agent pod {pod.namespace}/{pod.name} is not "
            f"running ({pod.reason})",
        )
    attempts: list[ExecOutcome] = []
    problems: list[str] = []
    found: tuple[tuple[str, ...], Any] | None = None
    fatal: str | None = None
    for binary in ("cilium-dbg", "cilium"):
        for form in (("-o", "json"), ()):
            command = (binary, "status", *form)
            deadline = time.monotonic() + options.timeout
            outcome = await run_exec(
                endpoint, pod.namespace, pod.name, options.container, command, deadline
            )
            attempts.append(outcome)
            if outcome.timed_out:
                fatal = (
                    f"unreachable: the agent did not answer `{outcome.describe()}` within "
                    f"{options.timeout:g}s"
                )
            elif outcome.http_status == 404:
                fatal = (
                    f"unreachable: agent pod {pod.namespace}/{pod.name} is gone (404 Not "
                    f"Found): the node left during the run?"
                )
            elif cancel.is_set():
                fatal = "unreachable: interrupted"
            if fatal:
                break
            if outcome.binary_missing:
                problems.append(f"`{binary}` is not in the agent image")
                break
            if not outcome.succeeded or not outcome.stdout.strip():
                problems.append(_exec_problem(outcome))
                if outcome.failure is not None and outcome.exit_code is None:
                    break  # the exec itself was refused: another form will not help
                continue
            try:
                found = (command, parse(outcome.stdout, _source(pod, command)))
                break
            except CiliumdriftError as parse_error:
                detail = getattr(parse_error, "message", None) or _one_line(parse_error)
                problems.append(f"unparseable output of `{outcome.describe()}`: {detail}")
        if found or fatal or not (attempts and attempts[-1].binary_missing):
            break
    if found is None:
        return AgentResult(pod, error=fatal or _summarise(problems), attempts=tuple(attempts))
    command, status = found
    version = _status_version(status)
    delta = None
    if (
        drift_metric
        and version is not None
        and gate("drift-checker-metric", version)
        and not cancel.is_set()
    ):
        metric = await run_exec(
            endpoint,
            pod.namespace,
            pod.name,
            options.container,
            (command[0], "metrics", "list", "-p", DRIFT_METRIC, "-o", "json"),
            time.monotonic() + options.timeout,
        )
        attempts.append(metric)
        delta = drift_delta(metric.stdout) if metric.succeeded else None
    error = None
    if not pod.ready:
        error = f"not Ready: agent pod {pod.namespace}/{pod.name} ({pod.reason})"
    return AgentResult(
        pod,
        status_command=command,
        drift_delta=delta,
        error=error,
        attempts=tuple(attempts),
        status=status,
        version=version,
    )


#: Agent logs read per group of identical findings, and at most in a run: a log is evidence
#: for a cause, and a few nodes with the same finding tell what all of them would.
LOGS_PER_FINDING = 3
LOGS_MAX = 20


def agents_to_log(findings: Sequence[Any], agents: Sequence[AgentResult]) -> list[AgentResult]:
    """The agents whose log can explain a finding: a few per group of identical findings."""
    by_node = {a.pod.node or a.pod.name: a for a in agents}
    taken: dict[tuple[Any, ...], int] = {}
    chosen: dict[str, AgentResult] = {}
    for finding in findings:
        nodes = getattr(finding, "applies_to", None) or ((finding.node,) if finding.node else ())
        for node in nodes:
            agent = by_node.get(node)
            if agent is None or agent.log_text is not None or agent.pod.name in chosen:
                continue
            key = (finding.fact, finding.expected, finding.observed, agent.error is None)
            if taken.get(key, 0) >= LOGS_PER_FINDING:
                break
            taken[key] = taken.get(key, 0) + 1
            chosen[agent.pod.name] = agent
            if len(chosen) >= LOGS_MAX:
                return list(chosen.values())
    return list(chosen.values())


def read_agent_logs(
    access: Any, agents: Sequence[AgentResult], options: LiveOptions
) -> dict[str, str]:
    """Each agent container's log from its start (``--limit-bytes``), by pod name.

    A crash-looping agent's previous container; a refused or missing log is simply absent:
    the log is evidence, never a reason to fail the run.
    """
    import asyncio

    if not agents or not options.agent_log:
        return {}
    endpoint = Endpoint.from_configuration(access.configuration)

    async def main() -> dict[str, str]:
        gate = asyncio.Semaphore(options.concurrency)

        async def one(agent: AgentResult) -> tuple[str, str | None]:
            pod = agent.pod
            query = f"container={quote(options.container)}&limitBytes={options.agent_log_bytes}"
            if not pod.running:
                query += "&previous=true"
            path = f"/api/v1/namespaces/{quote(pod.namespace)}/pods/{quote(pod.name)}/log?{query}"
            async with gate:
                status, body = await http_get(
                    endpoint, path, time.monotonic() + options.timeout, options.agent_log_bytes
                )
            return pod.name, body.decode("utf-8", "replace") if status == 200 else None

        found = await asyncio.gather(*(one(a) for a in agents))
        return {name: text for name, text in found if text is not None}

    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(main())
    finally:
        loop.close()
