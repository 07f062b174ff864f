"""Which layer diverged: declared (the files), deployed (Helm release, ConfigMap), running.

A mismatch between the files and an agent has one of a few histories, and the layers tell
them apart:

* **values changed but not deployed**: the Helm release (``--read-helm-release``) or the
  ``cilium-config`` ConfigMap still holds the old value -> ``not-applied``.
* **ConfigMap changed but agents not restarted**: the agent resolves its config once per
  pod start (https://docs.cilium.io/en/stable/configuration/per-node-config/), so an agent
  that started before the
  ConfigMap's last write runs the previous config; 1.17+ agents count the difference
  themselves (``drift_checker_config_delta``) -> ``not-applied``.
* **one node overridden**: a CiliumNodeConfig selects the node and sets the key
  (v2alpha1 then v2, each by name, later wins) -> ``per-node-override``.
* **the agent fell back**: deployed and declared agree, nothing overrides, the agent
  started after the change: the derivation's own causes (kernel, requirement) stand.

:func:`layer_findings` reports the layers themselves; :func:`attribute` puts the layer
cause first on the compare stage's per-node findings it explains.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from ciliumdrift.agent.configmap import by_config_key, keys_of_fact, verbatim_keys
from ciliumdrift.live.model import AgentResult, HelmRelease, LiveResult, NodeConfigOverride
from ciliumdrift.load.model import Declared, split_key
from ciliumdrift.model import (
    Cause,
    CauseKind,
    Evidence,
    Finding,
    FindingKind,
    Fix,
    Layer,
    Origin,
    Severity,
)
from ciliumdrift.regex import lazy_pattern

#: Values under keys like these are never printed (Helm values can carry keys and certs).
_SECRET_KEY = lazy_pattern(r"(key|cert|crt|secret|password|token|credential|psk)", re.I)
MAX_VALUE_FINDINGS = 50
_MISSING = object()
RESTART_FIX = "kubectl -n {namespace} rollout restart daemonset/cilium"
#: The fact IDs of :func:`layer_findings` (never produced by the comparison of statuses).
LAYER_FACTS = frozenset(
    {
        "agent-config-drift",
        "agent-restart",
        "deployed-chart",
        "deployed-config",
        "deployed-values",
        "helm-revision",
        "node-override",
    }
)


def layer_findings(declared: Declared | None, live: LiveResult) -> tuple[Finding, ...]:
    """Findings about the deployed layer and the agents' view of it (no per-fact drift)."""
    findings: list[Finding] = []
    release = live.deployed.release
    if declared is not None and release is not None:
        findings.extend(_release_findings(declared, release))
    findings.extend(_failed_upgrades(live))
    if declared is not None and live.deployed.configmap is not None:
        findings.extend(_configmap_findings(declared, live))
    findings.extend(_restart_findings(live))
    findings.extend(_override_findings(live))
    return tuple(findings)


# -- declared vs deployed -------------------------------------------------------------------


def _release_findings(declared: Declared, release: HelmRelease) -> list[Finding]:
    findings: list[Finding] = []
    values = declared.values
    where = f"Helm release {release.namespace}/{release.name} revision {release.revision}"
    wanted_version = values.chart_version or (
        declared.cilium_version.value if declared.cilium_version else None
    )
    if (
        wanted_version
        and release.chart_version
        and _bare(wanted_version) != _bare(release.chart_version)
    ):
        origin = declared.cilium_version.origin if declared.cilium_version else None
        findings.append(
            _release_drift(
                "deployed-chart",
                f"the files are for chart {_bare(wanted_version)} but {where} deployed chart "
                f"{_bare(release.chart_version)}",
                _not_deployed_cause(
                    "The chart version changed in the files but was not deployed.",
                    f"{where} uses chart {release.chart_version}",
                    None,
                    release,
                ),
                expected=_bare(wanted_version),
                observed=_bare(release.chart_version),
                source=origin,
                fix=Fix(
                    f"Upgrade the release to chart {_bare(wanted_version)} (helm upgrade --version "
                    f"{_bare(wanted_version)})"
                ),
            )
        )
    diffs = list(_value_differences(declared, release))
    for key, declared_value, deployed_value in diffs[:MAX_VALUE_FINDINGS]:
        shown_declared = _shown(key, declared_value)
        shown_deployed = _shown(key, deployed_value)
        set_in_files = values.is_user_set(key) or key in values.user_keys
        origin = values.origin(key) if declared_value is not _MISSING else None
        message = (
            f"{key} is {shown_declared} in the files but {shown_deployed} in the deployed {where}"
            if set_in_files
            else f"{key} is {shown_deployed} in the deployed {where} but the files leave it at "
            f"{shown_declared}"
        )
        findings.append(
            _release_drift(
                "deployed-values",
                message,
                _not_deployed_cause(
                    "The values changed in the files but were not deployed: the cluster runs an "
                    "older release.",
                    f"{where} ({release.status}, {release.deployed_at or 'time unknown'}) has "
                    f"{key}: {shown_deployed}",
                    key,
                    release,
                ),
                expected=shown_declared,
                observed=shown_deployed,
                source=origin,
                fix=Fix(
                    f"Deploy the files (helm upgrade {release.name}, or let Flux/Argo CD "
                    f"reconcile), or set {key} back to {shown_deployed} in them"
                ),
            )
        )
    if len(diffs) > MAX_VALUE_FINDINGS:
        findings.append(
            _release_drift(
                "deployed-values",
                f"{len(diffs) - MAX_VALUE_FINDINGS} more values differ between the files and "
                f"the deployed {where}",
                _not_deployed_cause(
                    "The values changed in the files but were not deployed.", where, None, release
                ),
            )
        )
    return findings


def _value_differences(declared: Declared, release: HelmRelease) -> Iterator[tuple[str, Any, Any]]:
    """(key, declared, deployed) for every leaf the files or the release set, where they differ."""
    values = declared.values
    deployed_user = dict(_leaves(release.values))
    seen: set[str] = set()
    for key, value in values.items():
        if not (values.is_user_set(key) or key in deployed_user):
            continue
        seen.add(key)
        deployed = deployed_user.get(key, _MISSING)
        if deployed is _MISSING:
            deployed = _lookup(release.chart_values, key)
        if deployed is _MISSING and not release.chart_values:
            continue  # a chart default on both sides (the record carried no defaults to compare)
        if _canonical(value) != _canonical(deployed):
            yield key, value, deployed
    for key, deployed in deployed_user.items():
        if key in seen or values.has(key):
            continue
        # the release sets a key the files (and the chart defaults we hold) do not have at all
        yield key, _MISSING, deployed


def _failed_upgrades(live: LiveResult) -> list[Finding]:
    deployed = live.deployed.release
    findings = []
    for newer in live.deployed.newer_releases:
        if deployed is None or newer.status == "superseded":
            continue
        findings.append(
            _release_drift(
                "helm-revision",
                f"Helm release {newer.namespace}/{newer.name} revision {newer.revision} is "
                f"{newer.status}: the cluster still runs revision {deployed.revision}",
                _not_deployed_cause(
                    f"The last upgrade did not complete ({newer.status}).",
                    f"revision {newer.revision}: {newer.status}; "
                    f"revision {deployed.revision}: deployed",
                    None,
                    newer,
                ),
                expected=f"revision {newer.revision}",
                observed=f"revision {deployed.revision}",
                fix=Fix(
                    f"Look at `helm history {newer.name} -n {newer.namespace}`, fix the failing "
                    "upgrade and run it again"
                ),
            )
        )
    return findings


def _configmap_findings(declared: Declared, live: LiveResult) -> list[Finding]:
    configmap = live.deployed.configmap or {}
    values = declared.values
    release = live.deployed.release
    findings = []
    for key in verbatim_keys():
        if not values.is_user_set(key.helm):
            continue
        wanted = key.rendered(values.raw(key.helm))
        have = configmap.get(key.config)
        if wanted is None or have is None or _same(wanted, have):
            continue
        in_release = _lookup(release.values, key.helm) if release is not None else _MISSING
        if release is not None and _canonical(in_release) != _canonical(values.raw(key.helm)):
            continue  # the release finding already says the values were not deployed
        if release is not None:
            cause = Cause(
                CauseKind.UNKNOWN,
                f"The deployed Helm release has {key.helm} as the files say, but cilium-config "
                "differs: the ConfigMap was changed outside Helm.",
                (_configmap_evidence(live, key.config, have),),
            )
            fix = Fix(
                f"Run helm upgrade to restore cilium-config, and find what edited {key.config}"
            )
        else:
            cause = _not_deployed_cause(
                "The values changed in the files but were not deployed: cilium-config still has "
                "the old value.",
                None,
                None,
                None,
                evidence=(_configmap_evidence(live, key.config, have),),
            )
            fix = Fix("Deploy the files (helm upgrade, or let Flux/Argo CD reconcile)")
        findings.append(
            Finding(
                fact="deployed-config",
                status_line="cilium-config",
                node=None,
                kind=FindingKind.DRIFT,
                expected=f"{key.config}: {wanted}",
                observed=f"{key.config}: {have}",
                source=values.origin(key.helm),
                message=f"{key.helm} ({key.config}: {wanted}) is not what the deployed "
                f"cilium-config "
                f"says ({key.config}: {have})",
                causes=(cause,),
                fix=fix,
            )
        )
    return findings


# -- deployed vs running --------------------------------------------------------------------


def stale_agents(live: LiveResult) -> list[AgentResult]:
    """Agents that started before the ConfigMap's last write (and do not say they are in sync)."""
    changed = live.deployed.configmap_changed_at
    if changed is None:
        return []
    return [
        a
        for a in live.agents
        if a.pod.started_at is not None
        and _before(a.pod.started_at, changed)
        and a.drift_delta != 0
    ]


def _restart_findings(live: LiveResult) -> list[Finding]:
    changed = live.deployed.configmap_changed_at
    findings = []
    stale = {a.pod.name for a in stale_agents(live)}
    for agent in live.agents:
        node = agent.pod.node or agent.pod.name
        if agent.pod.name in stale and changed is not None and agent.pod.started_at is not None:
            metric = agent.drift_delta is not None and agent.drift_delta > 0
            findings.append(
                Finding(
                    fact="agent-restart",
                    status_line="cilium-config",
                    node=node,
                    kind=FindingKind.DRIFT,
                    expected=f"agent started after {_iso(changed)}",
                    observed=f"agent started {_iso(agent.pod.started_at)}",
                    source=_configmap_origin(live, None),
                    message=f"cilium-config changed after the agent on {node} started: "
                    "it still runs "
                    "the previous config",
                    causes=(_restart_cause(live, agent),),
                    fix=Fix(
                        "Restart the agents: " + RESTART_FIX.format(namespace=agent.pod.namespace)
                    ),
                    severity=Severity.ERROR if metric else Severity.WARNING,
                )
            )
        elif agent.drift_delta is not None and agent.drift_delta > 0:
            overrides = node_overrides(live, agent.pod.node)
            if overrides:
                cause = Cause(
                    CauseKind.PER_NODE_OVERRIDE,
                    "CiliumNodeConfig overrides on this node make the agent differ from "
                    "cilium-config, as intended.",
                    tuple(_override_evidence(k, v, c) for k, (v, c) in sorted(overrides.items())),
                )
                severity = Severity.NOTE
            else:
                cause = Cause(
                    CauseKind.UNKNOWN,
                    "The agent runs with settings that differ from cilium-config although it "
                    "started after its last change: command-line flags and CILIUM_* environment "
                    "variables (the chart's extraArgs/extraEnv) beat the ConfigMap.",
                    (Evidence(f"drift_checker_config_delta = {agent.drift_delta:g} on {node}"),),
                )
                severity = Severity.WARNING
            findings.append(
                Finding(
                    fact="agent-config-drift",
                    status_line="cilium-config",
                    node=node,
                    kind=FindingKind.DRIFT,
                    expected="0 keys differ from cilium-config",
                    observed=f"{agent.drift_delta:g} keys differ",
                    source=_configmap_origin(live, None),
                    message=f"the agent on {node} reports {agent.drift_delta:g} config keys "
                    "that differ "
                    "from cilium-config",
                    causes=(cause,),
                    severity=severity,
                )
            )
    return findings


def _restart_cause(live: LiveResult, agent: AgentResult) -> Cause:
    changed = live.deployed.configmap_changed_at
    evidence = [
        Evidence(f"cilium-config last written {_iso(changed)}", _configmap_origin(live, None)),
        Evidence(
            f"agent pod {agent.pod.namespace}/{agent.pod.name} started {_iso(agent.pod.started_at)}"
        ),
    ]
    if agent.drift_delta is not None and agent.drift_delta > 0:
        evidence.append(
            Evidence(
                f"the agent's own drift checker counts {agent.drift_delta:g} keys that differ from "
                "cilium-config (drift_checker_config_delta)"
            )
        )
    return Cause(
        CauseKind.NOT_APPLIED,
        "cilium-config changed but the agent was not restarted: agents read their config once, "
        "when the pod starts.",
        tuple(evidence),
    )


def node_overrides(live: LiveResult, node: str | None) -> dict[str, tuple[str, NodeConfigOverride]]:
    """The effective CiliumNodeConfig overrides on ``node``: key -> (value, the CNC that won)."""
    facts = live.node(node)
    if facts is None:
        return {}
    effective: dict[str, tuple[str, NodeConfigOverride]] = {}
    ordered = sorted(
        live.deployed.node_configs,
        key=lambda c: (c.api_version.endswith("/v2"), c.name),
    )
    for config in ordered:
        if config.defaults and config.selects(facts.labels):
            for key, value in config.defaults.items():
                effective[key] = (value, config)
    return effective


def _override_findings(live: LiveResult) -> list[Finding]:
    configmap = live.deployed.configmap or {}
    findings = []
    for agent in live.agents:
        node = agent.pod.node
        for key, (value, config) in sorted(node_overrides(live, node).items()):
            base = configmap.get(key)
            if base is not None and _same(base, value):
                continue
            findings.append(
                Finding(
                    fact="node-override",
                    status_line="CiliumNodeConfig",
                    node=node,
                    kind=FindingKind.DRIFT,
                    expected=f"{key}: {base}" if base is not None else f"{key} not set",
                    observed=f"{key}: {value}",
                    source=Origin(Layer.DEPLOYED, key=key, detail=_cnc_name(config)),
                    message=f"{_cnc_name(config)} overrides {key} on node {node}",
                    causes=(
                        Cause(
                            CauseKind.PER_NODE_OVERRIDE,
                            "A CiliumNodeConfig selects this node and overrides the "
                            "cluster-wide value.",
                            (_override_evidence(key, value, config, base),),
                        ),
                    ),
                    severity=Severity.NOTE,
                )
            )
    return findings


# -- attribution of per-node drift -----------------------------------------------------------


def attribute(
    findings: Sequence[Finding], declared: Declared | None, live: LiveResult
) -> tuple[Finding, ...]:
    """Put the layer that explains a per-node mismatch first among its causes."""
    agents = {a.pod.node or a.pod.name: a for a in live.agents}
    stale = {id(a) for a in stale_agents(live)}
    return tuple(_attributed(f, declared, live, agents, stale) for f in findings)


def _attributed(
    finding: Finding,
    declared: Declared | None,
    live: LiveResult,
    agents: Mapping[str, AgentResult],
    stale: set[int],
) -> Finding:
    if finding.kind is not FindingKind.DRIFT or finding.node is None:
        return finding
    keys = _config_keys(finding.fact)
    if not keys:
        return finding
    found: list[Cause] = []
    fix: Fix | None = None
    overrides = node_overrides(live, finding.node)
    configmap = live.deployed.configmap or {}
    for key in keys:
        if key in overrides:
            value, config = overrides[key]
            found.append(
                Cause(
                    CauseKind.PER_NODE_OVERRIDE,
                    f"{_cnc_name(config)} sets {key}: {value} on node {finding.node}.",
                    (_override_evidence(key, value, config, configmap.get(key)),),
                )
            )
            fix = fix or Fix(
                f"Declare the override in Git, or remove {key} from {_cnc_name(config)} "
                f"(kubectl -n {config.namespace} edit ciliumnodeconfig {config.name})"
            )
    if declared is not None:
        for key in keys:
            entry = by_config_key().get(key)
            if entry is None or not declared.values.is_user_set(entry.helm) or key not in configmap:
                continue
            wanted = entry.rendered(declared.values.raw(entry.helm))
            if wanted is not None and not _same(wanted, configmap[key]) and key not in overrides:
                found.append(
                    _not_deployed_cause(
                        f"{entry.helm} changed in the files but was not deployed: "
                        "cilium-config still "
                        f"has {key}: {configmap[key]}.",
                        None,
                        None,
                        None,
                        evidence=(_configmap_evidence(live, key, configmap[key]),),
                    )
                )
                fix = fix or Fix("Deploy the files (helm upgrade, or let Flux/Argo CD reconcile)")
    agent = agents.get(finding.node)
    if agent is not None and id(agent) in stale and not found:
        found.append(_restart_cause(live, agent))
        fix = Fix("Restart the agents: " + RESTART_FIX.format(namespace=agent.pod.namespace))
    if not found:
        return finding
    kinds = {(c.kind, c.summary) for c in found}
    rest = tuple(c for c in finding.causes if (c.kind, c.summary) not in kinds)
    return replace(finding, causes=(*found, *rest), fix=fix or finding.fix)


def _config_keys(fact_id: str) -> tuple[str, ...]:
    return keys_of_fact(fact_id)


# -- shared pieces --------------------------------------------------------------------------


def _release_drift(
    fact: str,
    message: str,
    cause: Cause,
    *,
    expected: str | None = None,
    observed: str | None = None,
    source: Origin | None = None,
    fix: Fix | None = None,
) -> Finding:
    """The deployed Helm release differs from the files: one finding for the cluster."""
    return Finding(
        fact=fact,
        status_line="Helm release",
        node=None,
        kind=FindingKind.DRIFT,
        expected=expected,
        observed=observed,
        source=source,
        message=message,
        causes=(cause,),
        fix=fix,
    )


def _not_deployed_cause(
    summary: str,
    text: str | None,
    key: str | None,
    release: HelmRelease | None,
    *,
    evidence: tuple[Evidence, ...] = (),
) -> Cause:
    items = list(evidence)
    if text is not None:
        detail = release.source if release is not None else None
        items.append(Evidence(text, Origin(Layer.DEPLOYED, key=key, detail=detail)))
    return Cause(CauseKind.NOT_APPLIED, summary, tuple(items))


def _configmap_origin(live: LiveResult, key: str | None) -> Origin:
    return Origin(
        Layer.DEPLOYED, key=key, detail=f"ConfigMap cilium-config ({live.deployed.source})"
    )


def _configmap_evidence(live: LiveResult, key: str, value: str) -> Evidence:
    return Evidence(f"cilium-config has {key}: {value}", _configmap_origin(live, key))


def _override_evidence(
    key: str, value: str, config: NodeConfigOverride, base: str | None = None
) -> Evidence:
    selector = ", ".join(f"{k}={v}" for k, v in sorted(config.match_labels.items())) or "every node"
    text = (
        f"{_cnc_name(config)} ({config.api_version}, nodeSelector {selector}) sets {key}: {value}"
    )
    if base is not None:
        text += f" (cilium-config: {base})"
    return Evidence(text, Origin(Layer.DEPLOYED, key=key, detail=_cnc_name(config)))


def _cnc_name(config: NodeConfigOverride) -> str:
    return (
        f"CiliumNodeConfig {config.namespace}/{config.name}"
        if config.namespace
        else f"CiliumNodeConfig {config.name}"
    )


def _leaves(tree: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in tree.items():
        dotted = f"{prefix}.{_escape(str(key))}" if prefix else _escape(str(key))
        if isinstance(value, Mapping) and value:
            yield from _leaves(value, dotted)
        else:
            yield dotted, value


def _escape(key: str) -> str:
    return key.replace(".", "\\.")


def _lookup(tree: Mapping[str, Any], key: str) -> Any:
    node: Any = tree
    for part in split_key(key):
        if not isinstance(node, Mapping) or part not in node:
            return _MISSING
        node = node[part]
    return node


def _canonical(value: Any) -> str:
    """One spelling per value, so that true == "true" and 1 == 1.0 (Helm and YAML differ)."""
    if value is _MISSING or value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return format(float(value), "g")
    if isinstance(value, str):
        text = value.strip()
        lowered = text.lower()
        if lowered in ("true", "false", "null"):
            return lowered
        try:
            return format(float(text), "g")
        except ValueError:
            return text
    try:
        return json.dumps(value, sort_keys=True, default=str)
    except (TypeError, ValueError):
        return str(value)


def _shown(key: str, value: Any) -> str:
    if value is _MISSING:
        return "(not set)"
    if _SECRET_KEY.search(key.rsplit(".", 1)[-1]):
        return "<redacted>"
    text = _canonical(value) if not isinstance(value, str) else value
    return text if len(text) <= 200 else text[:197] + "..."


def _same(left: str, right: str) -> bool:
    return left.strip().lower() == right.strip().lower()


def _bare(version: str) -> str:
    return version.strip().lstrip("v")


def _before(earlier: datetime, later: datetime) -> bool:
    try:
        return earlier < later
    except TypeError:  # one naive, one aware: compare as UTC wall times
        return earlier.replace(tzinfo=None) < later.replace(tzinfo=None)


def _iso(moment: datetime | None) -> str:
    if moment is None:
        return "unknown"
    return moment.isoformat().replace("+00:00", "Z")
