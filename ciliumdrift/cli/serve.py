"""``ciliumdrift serve``: run the live check on an interval and export it to Prometheus."""

# No ``from __future__ import annotations``: typer evaluates the annotations (cli/check.py).

import logging
from typing import Annotated

import typer

from ciliumdrift.cli._common import (
    AgentNamespace,
    AgentSelector,
    Chart,
    CiliumVersion,
    Concurrency,
    HelmReleaseName,
    Kernels,
    Kubeconfig,
    KubeContext,
    PrometheusCa,
    PrometheusToken,
    PrometheusUrl,
    ReadHelmRelease,
    Sample,
    SetFiles,
    SetJsons,
    SetLiterals,
    SetStrings,
    SetValues,
    TalosFiles,
    Timeout,
    ValuesFiles,
    run,
)
from ciliumdrift.live.prometheus import source_from_flags
from ciliumdrift.load import set_flags_from_options
from ciliumdrift.regex import lazy_pattern
from ciliumdrift.serve import RunOptions, serve
from ciliumdrift.serve.declared import DeclaredSources, parse_configmaps

_DURATION = lazy_pattern(r"(\d+(?:\.\d+)?)(ms|s|m|h)?")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}


def parse_duration(text: str) -> float:
    """Seconds from ``300``, ``30s``, ``5m``, ``1h30m`` or ``250ms`` (Go's duration style)."""
    compact = text.strip().lower()
    position, total = 0, 0.0
    for match in _DURATION.finditer(compact):
        if match.start() != position:
            break
        total += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        position = match.end()
    if not compact or position != len(compact):
        raise typer.BadParameter(f"{text!r} is not a duration (e.g. 30s, 5m, 1h)")
    return total


Duration = Annotated[str, typer.Option(metavar="DURATION")]


#: The command on its own; the root command loads this module only to run it (cli.COMMANDS).
app = typer.Typer(add_completion=False)


@app.command("serve")
def serve_command(
    *,
    values: ValuesFiles = [],  # noqa: B006  (typer reads the default; never mutated)
    set_: SetValues = [],  # noqa: B006
    set_string: SetStrings = [],  # noqa: B006
    set_json: SetJsons = [],  # noqa: B006
    set_file: SetFiles = [],  # noqa: B006
    set_literal: SetLiterals = [],  # noqa: B006
    talos: TalosFiles = [],  # noqa: B006
    values_configmap: Annotated[
        list[str],
        typer.Option(
            "--values-configmap",
            metavar="[NS/]NAME[:KEY]",
            help="Helm values from a ConfigMap key (default key values.yaml), read every run.",
        ),
    ] = [],  # noqa: B006
    values_from_helm_release: Annotated[
        bool,
        typer.Option(
            "--values-from-helm-release",
            help="Declared values = the deployed Helm release's (reads a Secret: opt-in).",
        ),
    ] = False,
    listen: Annotated[
        str, typer.Option("--listen", metavar="HOST:PORT", help="Where to serve /metrics.")
    ] = "0.0.0.0:9876",
    interval: Annotated[
        str, typer.Option("--interval", metavar="DURATION", help="Time between runs (5m, 30s).")
    ] = "5m",
    grace: Annotated[
        str,
        typer.Option(
            "--grace-period",
            metavar="DURATION",
            help="On SIGTERM, let a run finish this long, then abandon it.",
        ),
    ] = "25s",
    max_drift_series: Annotated[
        int,
        typer.Option(
            "--max-drift-series",
            metavar="N",
            min=0,
            help="Bound on the per-(node, status line) drift series.",
        ),
    ] = 10_000,
    events: Annotated[
        bool,
        typer.Option("--events", help="Record Kubernetes Events on drift onset and clearance."),
    ] = False,
    kubeconfig: Kubeconfig = None,
    context: KubeContext = None,
    namespace: AgentNamespace = "kube-system",
    selector: AgentSelector = "k8s-app=cilium",
    # kept low: a background check is gentle on the API server
    concurrency: Concurrency = 16,
    timeout: Timeout = 30.0,
    read_helm_release: ReadHelmRelease = False,
    helm_release: HelmReleaseName = "cilium",
    prometheus: PrometheusUrl = None,
    prometheus_token: PrometheusToken = None,
    prometheus_ca: PrometheusCa = None,
    sample: Sample = 3,
    cilium_version: CiliumVersion = None,
    kernel: Kernels = [],  # noqa: B006
    chart: Chart = None,
    fail_on_health: Annotated[
        bool,
        typer.Option("--fail-on-health", help="Unreachable agents count in last_exit_code too."),
    ] = False,
    work_dir: Annotated[
        str | None,
        typer.Option("--work-dir", metavar="DIR", help="Where API-sourced values are written."),
    ] = None,
    log_level: Annotated[
        str, typer.Option("--log-level", metavar="LEVEL", help="debug, info, warning.")
    ] = "info",
) -> None:
    """Run the live check every --interval (and on POST /run); serve /metrics and /report."""
    every, grace_seconds = parse_duration(interval), parse_duration(grace)
    if every <= 0:
        raise typer.BadParameter("--interval must be positive")

    def body() -> int:

        # serve's own records only, on stderr: the root logger stays silenced (dependencies'
        # records can hold credentials; see cli.main)
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        served = logging.getLogger("ciliumdrift.serve")
        served.handlers[:] = [handler]
        served.setLevel(getattr(logging, log_level.upper(), logging.INFO))
        served.propagate = False
        flags = set_flags_from_options(
            set=set_,
            set_string=set_string,
            set_json=set_json,
            set_file=set_file,
            set_literal=set_literal,
        )
        sources = DeclaredSources(
            values_files=tuple(values),
            configmaps=parse_configmaps(values_configmap, namespace),
            helm_release=values_from_helm_release,
            talos_files=tuple(talos),
        )
        options = RunOptions(
            sources=sources,
            set_flags=tuple(flags),
            cilium_version=cilium_version,
            chart=chart,
            kernels=tuple(kernel),
            kubeconfig=kubeconfig,
            context=context,
            namespace=namespace,
            selector=selector,
            concurrency=concurrency,
            timeout=timeout,
            helm_release=helm_release,
            read_helm_release=read_helm_release,
            fail_on_health=fail_on_health,
            work_dir=work_dir,
            prometheus=source_from_flags(prometheus, prometheus_token, prometheus_ca, timeout),
            sample=sample,
        )
        return serve(
            options,
            listen=listen,
            interval=every,
            grace=grace_seconds,
            max_pair_series=max_drift_series,
            events=events,
        )

    run(body)
