"""The run loop on its own: one run at a time, coalesced requests, failures, stop."""

from __future__ import annotations

import threading
import time

import pytest

from ciliumdrift.cli.serve import parse_duration
from ciliumdrift.errors import CollectionError
from ciliumdrift.model import Report
from ciliumdrift.serve import parse_listen
from ciliumdrift.serve.declared import WorkDir
from ciliumdrift.serve.runner import Runner, RunOptions
from ciliumdrift.serve.state import DriftState, fold


class Recorder:
    """A run function that records overlap and can be held open, fail, or hang."""

    def __init__(self, seconds: float = 0.0) -> None:
        self.seconds = seconds
        self.active = 0
        self.most_active = 0
        self.calls = 0
        self.fail_next: Exception | None = None
        self.hang = False
        self.lock = threading.Lock()

    def __call__(self, options: RunOptions, cancel: threading.Event, work: WorkDir) -> DriftState:
        with self.lock:
            self.active += 1
            self.calls += 1
            self.most_active = max(self.most_active, self.active)
            failure, self.fail_next = self.fail_next, None
        try:
            deadline = time.monotonic() + (3600 if self.hang else self.seconds)
            while time.monotonic() < deadline:
                if cancel.wait(0.01):
                    raise KeyboardInterrupt
            if failure is not None:
                raise failure
            return fold(Report(rows=(), findings=()), nodes=[("n", None)], finished_at=time.time())
        finally:
            with self.lock:
                self.active -= 1


def wait(predicate: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(predicate) and predicate():
            return
        time.sleep(0.01)
    raise AssertionError("condition not reached")


def test_requests_never_overlap_and_are_coalesced() -> None:
    work = Recorder(seconds=0.2)
    runner = Runner(RunOptions(), interval=3600, run=work).start()
    try:
        wait(lambda: runner.snapshot.running_since is not None)
        threads = [threading.Thread(target=runner.request) for _ in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wait(lambda: runner.snapshot.last is not None and runner.snapshot.last.number == 2)
        time.sleep(0.5)
        assert work.most_active == 1
        assert work.calls == 2, "twenty requests during the first run are one more run"
        assert runner.snapshot.last is not None and runner.snapshot.last.trigger == "request"
    finally:
        assert runner.stop(5)


def test_the_interval_repeats_and_a_failure_does_not_stop_the_loop() -> None:
    work = Recorder()
    work.fail_next = CollectionError("cannot reach the Kubernetes API server at x: refused")
    runner = Runner(RunOptions(), interval=0.05, run=work).start()
    try:
        wait(lambda: work.calls >= 4)
        snapshot = runner.snapshot
        assert snapshot.runs["failure"] == 1 and snapshot.runs["success"] >= 2
        assert snapshot.state is not None and snapshot.last_success_at is not None
    finally:
        assert runner.stop(5)


def test_a_defect_in_a_run_is_recorded_not_fatal() -> None:
    work = Recorder()
    work.fail_next = ZeroDivisionError("boom")
    runner = Runner(RunOptions(), interval=3600, run=work).start()
    try:
        wait(lambda: runner.snapshot.last is not None)
        last = runner.snapshot.last
        assert last is not None and last.outcome == "failure"
        assert last.error is not None and "ZeroDivisionError: boom" in last.error
        runner.request()
        wait(lambda: runner.snapshot.runs.get("success") == 1)
    finally:
        assert runner.stop(5)


def test_stop_abandons_a_hung_run_within_the_grace_period() -> None:
    work = Recorder()
    work.hang = True
    runner = Runner(RunOptions(), interval=3600, run=work).start()
    wait(lambda: runner.snapshot.running_since is not None)
    started = time.monotonic()
    assert runner.stop(2.5)
    assert time.monotonic() - started < 2.5 + 0.5
    last = runner.snapshot.last
    assert last is not None and last.outcome == "abandoned"
    assert runner.snapshot.runs == {"abandoned": 1}


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("300", 300), ("30s", 30), ("5m", 300), ("1h30m", 5400), ("250ms", 0.25), ("1.5s", 1.5)],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "soon", "5 m", "m5", "5x", "-1s"])
def test_bad_durations(text: str) -> None:
    import typer

    with pytest.raises(typer.BadParameter):
        parse_duration(text)


def test_listen_addresses() -> None:
    assert parse_listen(":9876") == ("0.0.0.0", 9876)
    assert parse_listen("127.0.0.1:1") == ("127.0.0.1", 1)
    assert parse_listen("[::1]:9876") == ("::1", 9876)
    for bad in ("9876", "host:", "host:99999", "host:x"):
        with pytest.raises(Exception, match="--listen"):
            parse_listen(bad)
