"""The run loop: one live check at a time, on an interval and on request.

* never two runs at once: one thread runs them, in turn;
* a request during a run is coalesced into one more run right after it (a burst of
  ``POST /run`` after a ``helm upgrade`` costs one extra run, not one per request);
* a run that fails (the API server is gone, the credentials are refused) is recorded and
  the loop goes on: the next interval tries again, and the last successful run's state
  stays on ``/metrics`` with ``ciliumdrift_last_run_success 0`` beside it;
* :meth:`Runner.stop` lets the run in progress finish within a grace period, then
  cancels it (the collection's workers check the cancel flag every 200 ms).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ciliumdrift.errors import CiliumdriftError
from ciliumdrift.live.collect import LiveOptions, collect
from ciliumdrift.live.kubeconfig import resolve
from ciliumdrift.live.prometheus import collect_with_prometheus
from ciliumdrift.live.report import report_from
from ciliumdrift.serve.declared import DeclaredSources, WorkDir, materialise
from ciliumdrift.serve.state import (
    DriftState,
    RunRecord,
    Snapshot,
    carry_over,
    fold,
    summary,
)

log = logging.getLogger("ciliumdrift.serve")


@dataclass(frozen=True)
class RunOptions:
    """What every run reads and how (the ``serve`` flags that are not about serving)."""

    sources: DeclaredSources = field(default_factory=DeclaredSources)
    set_flags: Sequence[Any] = ()
    cilium_version: str | None = None
    chart: str | None = None
    kernels: Sequence[str] = ()
    kubeconfig: str | None = None
    context: str | None = None
    namespace: str = "kube-system"
    selector: str = "k8s-app=cilium"
    concurrency: int = 16
    timeout: float = 30.0
    helm_release: str = "cilium"
    read_helm_release: bool = False
    fail_on_health: bool = False
    work_dir: str | None = None
    #: A :class:`~ciliumdrift.live.prometheus.PrometheusSource`: the agents' config from their
    #: metrics, ``cilium-dbg status`` only on the nodes that need it (``sample`` per group).
    prometheus: Any = None
    sample: int | None = None


#: One run: (options, cancel flag, work dir) → (folded state). Replaced in tests only.
RunFunction = Callable[[RunOptions, threading.Event, WorkDir], DriftState]


def run_once(options: RunOptions, cancel: threading.Event, work: WorkDir) -> DriftState:
    """Collect, load the declared config as it is now, compare, fold."""

    access = resolve(options.kubeconfig, options.context)  # per run: rotated tokens
    live_options = LiveOptions(
        kubeconfig=options.kubeconfig,
        context=options.context,
        namespace=options.namespace,
        selector=options.selector,
        concurrency=options.concurrency,
        timeout=options.timeout,
        read_helm_release=options.read_helm_release or options.sources.helm_release,
        helm_release=options.helm_release,
    )
    if options.prometheus is not None:
        live = collect_with_prometheus(
            options.prometheus, live_options, access=access, sample=options.sample, cancel=cancel
        )
    else:
        live = collect(live_options, access=access, cancel=cancel)
    if cancel.is_set():
        raise KeyboardInterrupt
    values_files = materialise(
        options.sources,
        configuration=access.configuration,
        release=live.deployed.release,
        work=work,
        timeout=options.timeout,
    )
    report = report_from(
        live,
        values_files=values_files,
        set_flags=options.set_flags,
        talos_files=options.sources.talos_files,
        cilium_version=options.cilium_version,
        chart=options.chart,
        kernels=options.kernels,
    )
    nodes = [(o.name or "?", o.error) for o in live.observations]
    return fold(report, nodes=nodes, finished_at=time.time(), fail_on_health=options.fail_on_health)


class Runner:
    """Runs the check on a thread; :attr:`snapshot` is what scrapes read."""

    def __init__(
        self,
        options: RunOptions,
        *,
        interval: float,
        run: RunFunction = run_once,
        on_state: Callable[[DriftState | None, DriftState], object] | None = None,
    ) -> None:
        self.options = options
        self.interval = interval
        self._run = run
        self._on_state = on_state
        self._work = WorkDir(options.work_dir)
        self._snapshot = Snapshot()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._cancel = threading.Event()
        self._lock = threading.Lock()
        self._requested = False
        self._runs: Counter[str] = Counter()
        self._number = 0
        self._thread = threading.Thread(target=self._loop, name="ciliumdrift-runner", daemon=True)

    # -- what the HTTP side reads and asks -----------------------------------------------------

    @property
    def snapshot(self) -> Snapshot:
        return self._snapshot

    def request(self) -> dict[str, Any]:
        """Ask for a run now; coalesced with any run already asked for."""
        with self._lock:
            running = self._snapshot.running_since is not None
            already = self._requested
            self._requested = True
        self._wake.set()
        return {"accepted": True, "running": running, "queued": running or already}

    @property
    def alive(self) -> bool:
        return self._thread.is_alive() and not self._stopping.is_set()

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> Runner:
        self._thread.start()
        return self

    def stop(self, grace: float) -> bool:
        """Stop after the run in progress, cancelling it after ``grace`` seconds.

        True when the loop ended in time (the run finished or was abandoned).
        """
        self._stopping.set()
        self._wake.set()
        if not self._thread.is_alive():
            return True
        self._thread.join(max(0.0, grace - 2.0))
        if self._thread.is_alive():
            log.warning("run still in progress after the grace period: abandoning it")
            self._cancel.set()
            self._thread.join(2.0)
        return not self._thread.is_alive()

    # -- the loop --------------------------------------------------------------------------

    def _loop(self) -> None:
        trigger = "start"
        while not self._stopping.is_set():
            self._one(trigger)
            if self._stopping.is_set():
                break
            woken = self._wait_next()
            trigger = "request" if woken else "interval"

    def _wait_next(self) -> bool:
        """Sleep until the interval ends or a run is requested; True when requested."""
        with self._lock:
            if self._requested:
                self._requested = False
                return True
            self._wake.clear()
        self._wake.wait(self.interval)
        with self._lock:
            requested = self._requested
            self._requested = False
        return requested

    def _one(self, trigger: str) -> None:
        self._number += 1
        number = self._number
        started_wall, started = time.time(), time.monotonic()
        self._cancel = threading.Event()
        self._publish(running_since=started_wall)
        previous = self._snapshot.state
        state: DriftState | None = None
        error: str | None = None
        try:
            state = carry_over(previous, self._run(self.options, self._cancel, self._work))
            outcome = "success"
        except KeyboardInterrupt:
            outcome, error = "abandoned", "cancelled at shutdown"
        except CiliumdriftError as failure:
            outcome, error = "failure", " ".join(str(failure).split())
        except Exception as defect:  # never end the loop: record and go on
            outcome = "failure"
            error = f"internal error: {type(defect).__name__}: {' '.join(str(defect).split())}"
            log.exception("run %d: internal error", number)
        seconds = time.monotonic() - started
        self._runs[outcome] += 1
        record = RunRecord(number, started_wall, seconds, outcome, error, trigger)
        changes: dict[str, Any] = {"last": record, "runs": dict(self._runs)}
        if state is not None:
            changes.update(state=state, last_success_at=state.finished_at)
        self._publish(running_since=None, **changes)
        if state is not None:
            log.info(
                "run %d (%s) took %.1fs: %s",
                number,
                trigger,
                seconds,
                " ".join(f"{k}={v}" for k, v in summary(state).items()),
            )
            if self._on_state is not None:
                try:
                    self._on_state(previous, state)
                except Exception:  # events are best effort; the metrics are the contract
                    log.exception("run %d: recording events failed", number)
        else:
            log.warning("run %d (%s) %s after %.1fs: %s", number, trigger, outcome, seconds, error)

    def _publish(self, **changes: Any) -> None:
        with self._lock:
            self._snapshot = replace(self._snapshot, **changes)


def summary_of(snapshot: Snapshot) -> Mapping[str, Any]:
    """The ``/healthz`` body: the last run and the state's counts."""
    last = snapshot.last
    return {
        "running": snapshot.running_since is not None,
        "last_run": None
        if last is None
        else {
            "number": last.number,
            "started_at": last.started_at,
            "seconds": round(last.seconds, 3),
            "outcome": last.outcome,
            "trigger": last.trigger,
            "error": last.error,
        },
        "last_success_at": snapshot.last_success_at,
        "state": summary(snapshot.state),
    }
