"""Kubernetes Events on drift onset and clearance: one per transition, deduplicated."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from ciliumdrift.serve.declared import DeclaredSources, WorkDir
from ciliumdrift.serve.events import MAX_EVENTS_PER_RUN, EventRecorder, event_name
from ciliumdrift.serve.runner import RunOptions, run_once
from ciliumdrift.serve.state import DriftPair, DriftState
from tests.serve.conftest import SEED, ServeCluster

pytestmark = pytest.mark.live

Cluster = Callable[..., tuple[ServeCluster, Path]]


def test_onset_and_clearance_are_recorded_once(cluster: Cluster, tmp_path: Path) -> None:
    fake, kubeconfig = cluster(3)
    options = RunOptions(
        sources=DeclaredSources(
            values_files=(str(SEED / "values.yaml"),), talos_files=(str(SEED / "talos.yaml"),)
        ),
        kubeconfig=str(kubeconfig),
    )
    work = WorkDir(str(tmp_path / "work"))
    recorder = EventRecorder(options)

    def run() -> DriftState:
        return run_once(options, threading.Event(), work)

    clean = run()
    assert recorder.record(None, clean) == 0
    fake.drift("node-002", **{"datapath-mode": "veth"})
    drifted = run()
    onsets = recorder.record(clean, drifted)
    assert onsets == len(drifted.pairs) >= 1
    detected = fake.events[event_name("node-002", "Device Mode", "DriftDetected")]
    assert detected["type"] == "Warning" and detected["reason"] == "DriftDetected"
    assert detected["involvedObject"] == {"kind": "Node", "name": "node-002", "apiVersion": "v1"}
    assert detected["metadata"]["namespace"] == "default"
    assert "Device Mode drifts on node node-002" in detected["message"]
    # the same state again: no transition, no write
    writes = len(fake.event_writes)
    assert recorder.record(drifted, run()) == 0
    assert len(fake.event_writes) == writes
    # cleared
    fake.heal("node-002")
    healed = run()
    assert recorder.record(drifted, healed) == onsets
    cleared = fake.events[event_name("node-002", "Device Mode", "DriftCleared")]
    assert cleared["type"] == "Normal" and "no longer drifts" in cleared["message"]
    # drifts again: the existing Event's count goes up, no second object
    fake.drift("node-002", **{"datapath-mode": "veth"})
    again = run()
    assert recorder.record(healed, again) == onsets
    assert fake.events[event_name("node-002", "Device Mode", "DriftDetected")]["count"] == 2
    # a restarted serve (no previous state) does not repeat an onset already recorded
    writes = len(fake.event_writes)
    assert EventRecorder(options).record(None, again) == 0
    assert all(kind == "create" for kind, _ in fake.event_writes[writes:])


def test_a_fleet_wide_change_is_bounded(cluster: Cluster) -> None:
    fake, kubeconfig = cluster(1)
    pairs = {(f"node-{i}", "Device Mode"): DriftPair("not-applied", "error") for i in range(250)}
    state = DriftState(
        finished_at=0.0,
        node_drift_lines={n: 1 for n, _ in pairs},
        pairs=pairs,
        failures={},
        findings={},
        line_nodes={},
        exit_code=1,
    )
    written = EventRecorder(RunOptions(kubeconfig=str(kubeconfig))).record(None, state)
    assert written == MAX_EVENTS_PER_RUN == len(fake.events)


def test_event_objects_and_namespaces() -> None:
    from ciliumdrift.serve.events import event_body

    pair = DriftPair("conflicting-setting", "error")
    config = event_body("kube-system", "*", "Host Routing", pair, onset=True)
    assert config["metadata"]["namespace"] == "kube-system"
    assert config["involvedObject"]["kind"] == "ConfigMap"
    assert config["involvedObject"]["namespace"] == "kube-system"
    assert "every node" in config["message"]
    node = event_body("kube-system", "node-1", "Host Routing", pair, onset=False)
    assert node["metadata"]["namespace"] == "default"
    assert (node["type"], node["reason"]) == ("Normal", "DriftCleared")
    assert node["metadata"]["name"] != config["metadata"]["name"]
    assert len(node["metadata"]["name"]) <= 253
