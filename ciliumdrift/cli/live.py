"""``ciliumdrift live``: the declared config against every agent of a running cluster."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ciliumdrift.cli import app
from ciliumdrift.cli._common import (
    CiliumVersion,
    FailOnOption,
    Output,
    Quiet,
    ReportFormatOption,
    SetFiles,
    SetJsons,
    SetLiterals,
    SetStrings,
    SetValues,
    TalosFiles,
    ValuesFiles,
    Verbose,
    finish_check,
    run,
)
from ciliumdrift.live.model import DEFAULT_CONCURRENCY, DEFAULT_TIMEOUT
from ciliumdrift.report import FailOn, ReportFormat


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
    kubeconfig: Annotated[
        str | None,
        typer.Option(
            "--kubeconfig",
            metavar="PATH",
            help="Only this kubeconfig (else KUBECONFIG). Its exec plugins run, as with kubectl.",
        ),
    ] = None,
    context: Annotated[
        str | None, typer.Option("--context", metavar="NAME", help="kubeconfig context.")
    ] = None,
    namespace: Annotated[
        str, typer.Option("--namespace", "-n", metavar="NS", help="Where the agents run.")
    ] = "kube-system",
    selector: Annotated[
        str, typer.Option("--selector", "-l", metavar="LABELS", help="Agent pod label selector.")
    ] = "k8s-app=cilium",
    concurrency: Annotated[
        int,
        typer.Option(
            "--concurrency",
            metavar="N",
            min=1,
            max=1024,
            help="Execs in flight at once (bounds the streams the API server proxies).",
        ),
    ] = DEFAULT_CONCURRENCY,
    timeout: Annotated[
        float,
        typer.Option(
            "--timeout",
            metavar="SECONDS",
            min=0.1,
            help="Per exec (connect, upgrade, output) and per API call.",
        ),
    ] = DEFAULT_TIMEOUT,
    read_helm_release: Annotated[
        bool,
        typer.Option("--read-helm-release", help="Also read the Helm release Secret (needs RBAC)."),
    ] = False,
    helm_release: Annotated[
        str, typer.Option("--release", metavar="NAME", help="Helm release name.")
    ] = "cilium",
    cilium_version: CiliumVersion = None,
    kernel: Annotated[
        list[str], typer.Option("--kernel", metavar="[NODE=]VERSION", help="Override a kernel.")
    ] = [],  # noqa: B006
    chart: Annotated[
        str | None, typer.Option("--chart", metavar="VERSION|DIR|TGZ|none", help="Chart defaults.")
    ] = None,
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
    prometheus: Annotated[
        str | None,
        typer.Option(
            "--prometheus",
            metavar="URL",
            help="Read the agents' config from this Prometheus (cilium_feature_*, drift "
            "checker, versions); exec only where the metrics do not tell.",
        ),
    ] = None,
    prometheus_token: Annotated[
        Path | None,
        typer.Option(
            "--prometheus-bearer-token-file", metavar="FILE", help="Bearer token for Prometheus."
        ),
    ] = None,
    prometheus_ca: Annotated[
        Path | None,
        typer.Option("--prometheus-ca-file", metavar="FILE", help="CA bundle for Prometheus."),
    ] = None,
    sample: Annotated[
        int,
        typer.Option(
            "--sample",
            metavar="N",
            min=0,
            help="With --prometheus: cilium-dbg status execs per group of identical nodes.",
        ),
    ] = 3,
) -> None:
    """Check every agent of a running cluster against the config; say which layer diverged.

    The kubeconfig is used as kubectl uses it: a user's exec credential plugin is a command
    that is run, and an auth-provider (oidc, gcp, azure) may call the network. Use only a
    kubeconfig you would give to kubectl. Every API call and exec has an overall deadline
    (--timeout) and a size cap; see docs/limits.md.
    """

    def body() -> int:
        from ciliumdrift.live import live_report
        from ciliumdrift.load import set_flags_from_options

        flags = set_flags_from_options(
            set=set_,
            set_string=set_string,
            set_json=set_json,
            set_file=set_file,
            set_literal=set_literal,
        )
        source = None
        if prometheus is not None:
            from ciliumdrift.live.prometheus import PrometheusSource

            source = PrometheusSource(
                prometheus,
                bearer_token_file=str(prometheus_token) if prometheus_token else None,
                ca_file=str(prometheus_ca) if prometheus_ca else None,
                timeout=timeout,
            )
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
        )
        if quiet or verbose or fmt.value not in ("markdown", "json", "html"):
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
            )
        from ciliumdrift.cli._common import emit, fail
        from ciliumdrift.report.policy import exit_code, nothing_compared

        code = exit_code(report, fail_on=fail_on, fail_on_health=fail_on_health)
        emit(render_live(report, fmt.value, code), output)
        reason = nothing_compared(report)
        if reason is not None:
            fail(_missing(report, namespace, selector) or reason)
        return code

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


def render_live(report: Any, fmt: str, exit_code: int) -> str:
    """A fleet is read as groups of nodes: markdown, JSON and HTML show the fleet view
    (text is the shared renderer's with the fleet matrix: ``finish_check(matrix=True)``).

    JSON keeps the report's own fields (rows per node, findings) and adds ``fleet``; SARIF,
    GitHub and JUnit stay per finding, as their consumers expect.
    """
    from ciliumdrift.report.fleet import fleet_view, render_markdown

    view = fleet_view(report, exit_code=exit_code)
    if fmt == "markdown":
        return render_markdown(view)
    if fmt == "html":
        from ciliumdrift.report.html import render_view

        return render_view(view)
    import json

    document = report.to_dict()
    document["fleet"] = view.to_dict()
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"
