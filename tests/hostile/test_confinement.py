"""Files named inside wrappers are read only from inside the referencing folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hostile import inputs
from tests.hostile.harness import assert_refused, run_cli

OUTSIDE_VALUE = "outside-the-repository-" + inputs.SECRET


def _outside(tmp: Path) -> Path:
    secret = tmp / "outside" / "secret-values.yaml"
    secret.parent.mkdir()
    secret.write_text(f"cluster:\n  name: {OUTSIDE_VALUE}\n")
    return secret


def _kustomization(repo: Path, body: str) -> Path:
    path = repo / "kustomization.yaml"
    path.write_text("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n" + body)
    return path


CASES = {
    "valuesFile-absolute": lambda secret: (
        f"helmCharts:\n- name: cilium\n  version: 1.18.4\n  valuesFile: {secret}\n"
    ),
    "valuesFile-dotdot": lambda secret: (
        "helmCharts:\n- name: cilium\n  version: 1.18.4\n"
        "  valuesFile: ../outside/secret-values.yaml\n"
    ),
    "additionalValuesFiles": lambda secret: (
        "helmCharts:\n- name: cilium\n  version: 1.18.4\n"
        f"  additionalValuesFiles:\n  - ../../{secret.parent.parent.name}/outside/"
        "secret-values.yaml\n"
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_kustomize_references_outside_the_folder_are_refused(case: str, workdir: Path) -> None:
    secret = _outside(workdir)
    repo = workdir / "repo"
    repo.mkdir()
    path = _kustomization(repo, CASES[case](secret))
    for command in (
        ["values", "-f", str(path)],
        ["impact", "--base", str(path), "--head", str(path), "--format", "markdown"],
    ):
        run = run_cli(*command, cwd=workdir)
        assert OUTSIDE_VALUE not in run.stdout + run.stderr
        if command[0] == "values":
            assert_refused(run, secrets=(OUTSIDE_VALUE,), needle="path")


def test_config_map_generator_files_stay_inside(workdir: Path) -> None:
    secret = _outside(workdir)
    repo = workdir / "repo"
    repo.mkdir()
    _kustomization(
        repo,
        f"configMapGenerator:\n- name: cilium-values\n  files:\n  - values.yaml={secret}\n",
    )
    release = repo / "helmrelease.yaml"
    release.write_text(
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: cilium\n"
        "spec:\n  chart:\n    spec:\n      chart: cilium\n      version: 1.18.4\n"
        "  valuesFrom:\n  - kind: ConfigMap\n    name: cilium-values\n"
    )
    run = run_cli("values", "-f", str(release), cwd=workdir)
    assert_refused(run, secrets=(OUTSIDE_VALUE,), needle="configMapGenerator")


@pytest.mark.parametrize(
    ("field", "value"),
    [("path", "/etc"), ("valueFiles", "../../../outside/secret-values.yaml")],
)
def test_argo_paths_outside_the_repository_are_refused(
    field: str, value: str, workdir: Path
) -> None:
    _outside(workdir)
    repo = workdir / "repo"
    (repo / ".git").mkdir(parents=True)
    source = (
        f"    path: {value}\n    helm:\n      valueFiles: [values.yaml]\n"
        if field == "path"
        else "    chart: cilium\n    targetRevision: 1.18.4\n"
        f"    helm:\n      valueFiles:\n      - {value}\n"
    )
    app = repo / "application.yaml"
    app.write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: cilium\n"
        "spec:\n  source:\n    repoURL: https://example.invalid/repo.git\n" + source
    )
    run = run_cli("values", "-f", str(app), cwd=workdir)
    assert_refused(run, secrets=(OUTSIDE_VALUE,))


def test_a_named_root_widens_the_fence(workdir: Path) -> None:
    _outside(workdir)
    repo = workdir / "repo"
    repo.mkdir()
    path = _kustomization(
        repo,
        "helmCharts:\n- name: cilium\n  version: 1.18.4\n"
        "  valuesFile: ../outside/secret-values.yaml\n",
    )
    run = run_cli("values", "-f", str(path), cwd=workdir, env={"CILIUMDRIFT_ROOT": str(workdir)})
    assert run.code == 0, run.stderr
    assert OUTSIDE_VALUE in run.stdout
