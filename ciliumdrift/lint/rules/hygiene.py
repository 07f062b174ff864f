"""Family 5: templates and hygiene. Text that was never meant to reach Helm as it is."""

from __future__ import annotations

from collections.abc import Iterator

from ciliumdrift.lint.rule import LintContext, Violation, rule
from ciliumdrift.load.model import join_key
from ciliumdrift.model import Position, Severity
from ciliumdrift.regex import lazy_pattern

_PLACEHOLDERS = (
    (lazy_pattern(r"\$\{\{?\s*[^}]*\}\}?"), "a Flux/Terraform/shell substitution"),
    (lazy_pattern(r"\{\{-?\s*[^}]*-?\}\}"), "a Go/Helm/Jinja template expression"),
    (lazy_pattern(r"%\{[^}]*\}"), "a Terraform template directive"),
    (lazy_pattern(r"<no value>"), "the output of a template that found no value"),
    (lazy_pattern(r"\(\(\s*[A-Za-z0-9_.-]+\s*\)\)"), "a Concourse/BOSH variable"),
)


def placeholder_in(text: str) -> tuple[str, str] | None:
    """(the placeholder, what kind it is) when ``text`` holds an unrendered placeholder."""
    for pattern, kind in _PLACEHOLDERS:
        match = pattern.search(text)
        if match:
            return match.group(0), kind
    return None


@rule(code="CD501", name="unrendered-placeholder", severity=Severity.ERROR)
def unrendered_placeholder(ctx: LintContext) -> Iterator[Violation]:
    """An unrendered template placeholder (`${CLUSTER_CIDR}`, `{{ .x }}`) in a value or key.

    ## Why
    Values files are often rendered by Flux post-build substitution, Terraform
    `templatefile`, envsubst or Jinja before Helm sees them. When the file is used as it is,
    Helm takes the placeholder literally: `ipv4NativeRoutingCIDR: ${CLUSTER_CIDR}` reaches
    the agent as that string and the agent exits.

    ## Bad
    ```yaml
    routingMode: native
    ipv4NativeRoutingCIDR: "${CLUSTER_CIDR}"
    ```

    ## Good
    ```yaml
    routingMode: native
    ipv4NativeRoutingCIDR: 10.244.0.0/16
    ```

    ## Fix
    Lint the rendered file, or suppress the line (`# ciliumdrift: ignore[CD501]`) when the
    substitution is guaranteed to happen before Helm.
    """
    for doc in ctx.documents:
        flux = doc.kind == "helmrelease"
        for path, node in doc.scalars():
            found = placeholder_in(node.text)
            if found is None:
                continue
            placeholder, kind = found
            key = join_key(path) if path else None
            message = f"unrendered placeholder {placeholder} ({kind})" + (
                f" in '{key}'" if key else ""
            )
            severity = None
            if flux and placeholder.startswith("${"):
                message += (
                    ": Helm gets it literally unless a Flux Kustomization's postBuild "
                    "substitutes it"
                )
                severity = Severity.WARNING
            yield unrendered_placeholder.violation(
                ctx, message, node.position, key=key, severity=severity
            )


_MARKER = lazy_pattern(r"^(<{7}|={7}|>{7}|\|{7})(?:\s|$)")


def has_conflict_marker(text: str) -> bool:
    """True when a line of ``text`` starts with a git merge-conflict marker."""
    return any(_MARKER.match(line) for line in text.splitlines())


@rule(code="CD502", name="merge-conflict-marker", severity=Severity.ERROR)
def merge_conflict_marker(ctx: LintContext) -> Iterator[Violation]:
    """A git merge-conflict marker (`<<<<<<<`, `=======`, `>>>>>>>`) in a values file.

    ## Why
    A half-resolved merge either breaks the YAML or, worse, still parses and carries both
    sides' settings in an order nobody chose.

    ## Bad
    ```yaml
    routingMode: tunnel
    # <<<<<<< HEAD is only harmless inside a comment
    <<<<<<< HEAD
    ```

    ## Good
    ```yaml
    routingMode: tunnel
    ```

    ## Fix
    Resolve the conflict and delete the markers.
    """
    for name, text in ctx.texts.items():
        for number, line in enumerate(text.splitlines(), start=1):
            match = _MARKER.match(line)
            if match:
                yield merge_conflict_marker.violation(
                    ctx, f"merge-conflict marker {match.group(1)}", Position(name, number, 1)
                )


@rule(code="CD503", name="crlf-line-endings", severity=Severity.NOTE)
def crlf_line_endings(ctx: LintContext) -> Iterator[Violation]:
    """Windows (CRLF) line endings.

    ## Why
    Helm reads CRLF files, but block scalars (`|`) keep the carriage returns, so multi-line
    values such as certificates or `extraConfig` snippets end up with `\\r` in them, and
    diffs show every line changed.

    ## Bad
    ```yaml
    routingMode: tunnel\\r
    ```

    ## Good
    ```yaml
    routingMode: tunnel
    ```

    ## Fix
    Convert the file to LF line endings (and add `*.yaml text eol=lf` to `.gitattributes`).
    """
    for name, text in ctx.texts.items():
        index = text.find("\r\n")
        if index >= 0:
            line = text.count("\n", 0, index) + 1
            column = index - (text.rfind("\n", 0, index) + 1) + 1
            yield crlf_line_endings.violation(
                ctx, "the file uses CRLF line endings", Position(name, line, column)
            )


_PORT_KEY = lazy_pattern(r"(^|[a-z])(port|Port)$")


def is_port_key(name: str) -> bool:
    return _PORT_KEY.search(name) is not None


@rule(code="CD504", name="port-as-string", severity=Severity.WARNING)
def port_as_string(ctx: LintContext) -> Iterator[Violation]:
    """A port number written as a quoted string (`k8sServicePort: "7445"`).

    ## Why
    Ports are numbers in the chart and in everything that compares them (Talos' KubePrism
    port, probes, Service ports). A quoted port passes the 1.16+ schema only where the
    schema also allows strings, and it hides typos (`"74450"`) from range checks.
    Keys whose chart default is itself a string (some Prometheus ports) are not reported.

    ## Bad
    ```yaml
    k8sServiceHost: localhost
    k8sServicePort: "7445"
    ```

    ## Good
    ```yaml
    k8sServiceHost: localhost
    k8sServicePort: 7445
    ```

    ## Fix
    Remove the quotes.
    """
    for doc in ctx.documents:
        for entry in doc.entries():
            value = entry.value
            if not value.quoted or not _PORT_KEY.search(entry.path[-1]):
                continue
            if not value.text.strip().isdigit():
                continue
            default = ctx.chart_default(entry.dotted)
            if isinstance(default, str) and default.strip().isdigit():
                continue  # the chart itself writes this port as a string
            message = f"'{entry.dotted}' is the string \"{value.text}\", not a port number"
            if not 0 < int(value.text) < 65536:
                message += f" (and {value.text} is outside 1-65535)"
            yield port_as_string.violation(
                ctx,
                message,
                value.position,
                key=entry.dotted,
                fix=f"{entry.path[-1]}: {value.text.strip()}",
            )


@rule(code="CD505", name="values-not-linted", severity=Severity.NOTE)
def values_not_linted(ctx: LintContext) -> Iterator[Violation]:
    """Values a wrapper pulls from elsewhere (`valuesFrom`, `valueFiles`) are not in the lint.

    ## Why
    A Flux HelmRelease's `valuesFrom` ConfigMaps and an Argo CD Application's `valueFiles`
    are merged by the controller at deploy time. Only what the files given to `ciliumdrift
    lint` contain is checked; settings in the other sources are invisible to the rules.

    ## Bad
    ```yaml
    apiVersion: helm.toolkit.fluxcd.io/v2
    kind: HelmRelease
    metadata:
      name: cilium
    spec:
      chart:
        spec:
          chart: cilium
          version: 1.18.4
      valuesFrom:
        - kind: ConfigMap
          name: cilium-values
    ```

    ## Good
    ```yaml
    apiVersion: helm.toolkit.fluxcd.io/v2
    kind: HelmRelease
    metadata:
      name: cilium
    spec:
      chart:
        spec:
          chart: cilium
          version: 1.18.4
      values:
        kubeProxyReplacement: true
    ```

    ## Fix
    Pass the referenced values files to `ciliumdrift lint` as well (in merge order).
    """
    for doc in ctx.documents:
        for what, position in doc.unresolved:
            yield values_not_linted.violation(
                ctx, f"{what} is merged at deploy time and not linted here", position
            )


_PRIVATE_KEY = lazy_pattern(r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----")


@rule(code="CD506", name="private-key-in-values", severity=Severity.ERROR)
def private_key_in_values(ctx: LintContext) -> Iterator[Violation]:
    """A private key in a values file (for instance an inline Hubble or CA key).

    ## Why
    Values files live in git and in the Helm release secret; a private key there is a
    leaked key. The chart can generate certificates (`certgen`, `cronJob`) or read them from
    existing Secrets. The key itself is never printed.

    ## Bad
    ```yaml
    tls:
      ca:
        key: |
          -----BEGIN RSA PRIVATE KEY-----
          not-a-real-key
          -----END RSA PRIVATE KEY-----
    ```

    ## Good
    ```yaml
    hubble:
      tls:
        auto:
          method: cronJob
    ```

    ## Fix
    Remove the key, rotate it, and let the chart generate certificates or reference an
    existing Secret.
    """
    for doc in ctx.documents:
        for path, node in doc.scalars():
            if _PRIVATE_KEY.search(node.text):
                key = join_key(path) if path else None
                message = "a private key is embedded in the values" + (
                    f" at '{key}'" if key else ""
                )
                yield private_key_in_values.violation(ctx, message, node.position, key=key)


RULES = (
    unrendered_placeholder,
    merge_conflict_marker,
    crlf_line_endings,
    port_as_string,
    values_not_linted,
    private_key_in_values,
)
