"""``ciliumdrift live``: the declared config against every agent of a running cluster."""

# No ``from __future__ import annotations``: typer evaluates the annotations (cli/check.py).

from typing import Annotated

import typer

from ciliumdrift.cli._common import (
    AgentNamespace,
    AgentSelector,
    Chart,
    CiliumVersion,
    Concurrency,
    FailOnOption,
    HelmReleaseName,
    Kernels,
    Kubeconfig,
    KubeContext,
    NodeConfigs,
    Output,
    PrometheusCa,
    PrometheusToken,
    PrometheusUrl,
    Quiet,
    ReadHelmRelease,
    ReportFormatOption,
    Sample,
    SetFiles,
    SetJsons,
    SetLiterals,
    SetStrings,
    SetValues,
    TalosFiles,
    Timeout,
    ValuesFiles,
    Verbose,
    finish_check,
    run,
)
from ciliumdrift.live.cluster import live_report
from ciliumdrift.live.model import DEFAULT_CONCURRENCY, DEFAULT_TIMEOUT
from ciliumdrift.live.prometheus import source_from_flags
from ciliumdrift.load import set_flags_from_options
from ciliumdrift.report import FailOn, ReportFormat
from ciliumdrift.report.live import FLEET_FORMATS, render_fleet

#: The command on its own; the root command loads this module only to run it (cli.COMMANDS).
app = typer.Typer(add_completion=False)


@app.command("live")
def live_command(
    *,
    values: ValuesFiles = [],  # noqa: B006  (typer reads the default; never mutated)
    set_: SetValues = [],  # noqa: B006
    set_string: SetStrings = [],  # noqa: B006
    set_json: SetJsons = [],  # noqa: B006
    set_file: SetFiles = [],  # noqa: B006
    set_literal: SetLiterals = [],  # noqa: B006
    talos: TalosFiles = [],  # noqa: B006
    node_config: NodeConfigs = [],  # noqa: B006
    kubeconfig: Kubeconfig = None,
    context: KubeContext = None,
    namespace: AgentNamespace = "kube-system",
    selector: AgentSelector = "k8s-app=cilium",
    concurrency: Concurrency = DEFAULT_CONCURRENCY,
    timeout: Timeout = DEFAULT_TIMEOUT,
    read_helm_release: ReadHelmRelease = False,
    helm_release: HelmReleaseName = "cilium",
    cilium_version: CiliumVersion = None,
    kernel: Kernels = [],  # noqa: B006
    chart: Chart = None,
    fmt: ReportFormatOption = ReportFormat.TEXT,
    fail_on: FailOnOption = FailOn.ERROR,
    fail_on_health: Annotated[
        bool, typer.Option("--fail-on-health", help="Unreachable agents and health also exit 1.")
    ] = False,
    verbose: Verbose = False,
    quiet: Quiet = False,
    output: Output = None,
    no_agent_log: Annotated[
        bool,
        typer.Option("--no-agent-log", help="Do not read the agent containers' logs."),
    ] = False,
    prometheus: PrometheusUrl = None,
    prometheus_token: PrometheusToken = None,
    prometheus_ca: PrometheusCa = None,
    sample: Sample = 3,
) -> None:
    """Check every agent of a running cluster against the config; say which layer diverged.

    The kubeconfig is used as kubectl uses it: a user's exec credential plugin is a command
    that is run, and an auth-provider (oidc, gcp, azure) may call the network. Use only a
    kubeconfig you would give to kubectl. Every API call and exec has an overall deadline
    (--timeout) and a size cap; see docs/limits.md.
    """

    def body() -> int:
        flags = set_flags_from_options(
            set=set_,
            set_string=set_string,
            set_json=set_json,
            set_file=set_file,
            set_literal=set_literal,
        )
        source = source_from_flags(prometheus, prometheus_token, prometheus_ca, timeout)
        report = live_report(
            values,
            set_flags=flags,
            talos_files=talos,
            cilium_version=cilium_version,
            chart=chart,
            kernels=kernel,
            kubeconfig=kubeconfig,
            context=context,
            namespace=namespace,
            selector=selector,
            concurrency=concurrency,
            timeout=timeout,
            read_helm_release=read_helm_release,
            helm_release=helm_release,
            agent_log=not no_agent_log,
            prometheus=source,
            sample=sample,
            node_configs=node_config,
        )
        fleet = not (quiet or verbose) and fmt.value in FLEET_FORMATS
        return finish_check(
            report,
            fmt,
            output,
            fail_on=fail_on,
            fail_on_health=fail_on_health,
            verbose=verbose,
            quiet=quiet,
            missing=_missing(report, namespace, selector),
            matrix=True,
            render_as=(lambda shown, code: render_fleet(shown, fmt.value, code)) if fleet else None,
        )

    run(body)


def _missing(report: object, namespace: str, selector: str) -> str | None:
    """What a live run that found no agent was looking for (the namespace and selector)."""
    inputs = getattr(report, "inputs", {})
    if int(inputs.get("nodes") or 0) == 0:
        return (
            f"no Cilium agent found: no pod matches -l {selector} in namespace {namespace} "
            "(nothing was compared; see --namespace and --selector)"
        )
    return None
