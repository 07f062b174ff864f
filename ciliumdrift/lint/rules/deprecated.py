"""Family 4: deprecated and removed settings, driven by ``ciliumdrift/data/removed.yaml``.

The data file lists every removed or renamed key and value with the version and a source;
these rules only compare the user's keys with it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ciliumdrift.lint.rule import LintContext, Violation, rule
from ciliumdrift.model import Severity


def _rows(ctx: LintContext, kind: str) -> tuple[dict[str, Any], ...]:
    return tuple(dict(r) for r in ctx.data.get("removed", {}).get(kind, ()))


def _key_index(ctx: LintContext, wanted: set[str]) -> dict[str, list[tuple[str, Any]]]:
    """Dotted key -> (key, position) wherever the user wrote one of ``wanted``: one walk."""
    index: dict[str, list[tuple[str, Any]]] = {}
    for doc in ctx.documents:
        for entry in doc.entries():
            dotted = entry.dotted
            if dotted in wanted:
                index.setdefault(dotted, []).append((dotted, entry.key.position))
    return index


def _replacement(row: dict[str, Any]) -> str:
    text = str(row.get("replacement") or "")
    return (
        f"; use {text}"
        if text and not text.startswith("nothing")
        else (f"; {text}" if text else "")
    )


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@rule(code="CD401", name="removed-key", severity=Severity.ERROR)
def removed_key(ctx: LintContext) -> Iterator[Violation]:
    """A key that this Cilium version no longer reads (`tunnel`, `bgp`, `containerRuntime`).

    ## Why
    Removed keys either make the chart refuse to render (its `validate.yaml` names them) or
    are silently ignored, so the setting has no effect. Examples: `tunnel` (1.15, use
    `routingMode`/`tunnelProtocol`), the MetalLB-based `bgp` block (1.15, use
    `bgpControlPlane`), `containerRuntime.integration` (1.16). The list with sources is
    `ciliumdrift/data/removed.yaml`.

    ## Bad
    ```yaml cilium=1.16.19
    tunnel: vxlan
    ```

    ## Good
    ```yaml cilium=1.16.19
    routingMode: tunnel
    tunnelProtocol: vxlan
    ```

    ## Fix
    Replace the key as the message says, or delete it.
    """
    rows = [r for r in _rows(ctx, "keys") if r.get("removed") and ctx.at_least(str(r["removed"]))]
    index = _key_index(ctx, {str(r["key"]) for r in rows})
    for row in rows:
        for key, position in index.get(str(row["key"]), ()):
            effect = {
                "render-fails": ": the chart refuses to render it",
                "ignored": ": it is silently ignored",
            }.get(str(row.get("effect")), "")
            message = f"'{key}' was removed in Cilium {row['removed']}{effect}{_replacement(row)}"
            yield removed_key.violation(
                ctx, message, position, key=key, fix=str(row.get("replacement") or "") or None
            )


@rule(code="CD402", name="removed-value", severity=Severity.ERROR)
def removed_value(ctx: LintContext) -> Iterator[Violation]:
    """A value spelling this Cilium version rejects (`kubeProxyReplacement: strict`).

    ## Why
    `kubeProxyReplacement` accepted `strict`, `partial` and `disabled` until 1.15; from 1.16
    the chart fails (`kubeProxyReplacement must be explicitly set to a valid value (true or
    false)`) and the agent exits. `probe` was already invalid in 1.14, and
    `bpf.datapathMode: lb-only` is gone in 1.18 (cilium/cilium PR #31286;
    cilium/cilium@v1.18.0:Documentation/operations/upgrade.rst).

    ## Bad
    ```yaml cilium=1.16.19
    kubeProxyReplacement: strict
    ```

    ## Good
    ```yaml cilium=1.16.19
    kubeProxyReplacement: true
    ```

    ## Fix
    Use the replacement the message names (`strict` becomes `true`; `partial` and
    `disabled` become `false` plus the individual features you need).
    """
    for row in _rows(ctx, "values"):
        if ctx.below(str(row["removed"])):
            continue
        key = str(row["key"])
        value = ctx.user(key)
        if value is None or _text(value) not in [str(v) for v in row["values"]]:
            continue
        message = (
            f"'{key}: {_text(value)}' is not accepted since Cilium "
            f"{row['removed']}{_replacement(row)}"
        )
        yield removed_value.violation(
            ctx, message, ctx.value_at(key), key=key, fix=str(row.get("replacement") or "") or None
        )


@rule(code="CD403", name="deprecated-key", severity=Severity.WARNING)
def deprecated_key(ctx: LintContext) -> Iterator[Violation]:
    """A key that still works in this version but is deprecated (`localRedirectPolicy`).

    ## Why
    Deprecated keys are removed in a later release, and the upgrade then silently drops the
    setting or fails the render. Renaming now keeps the upgrade uneventful.

    ## Bad
    ```yaml cilium=1.18.4
    localRedirectPolicy: true
    ```

    ## Good
    ```yaml cilium=1.18.4
    localRedirectPolicies:
      enabled: true
    ```

    ## Fix
    Use the replacement the message names.
    """
    rows = [
        r
        for r in _rows(ctx, "keys")
        if r.get("deprecated")
        and ctx.at_least(str(r["deprecated"]))
        and not (r.get("removed") and ctx.at_least(str(r["removed"])))  # CD401 reports those
    ]
    index = _key_index(ctx, {str(r["key"]) for r in rows})
    for row in rows:
        for key, position in index.get(str(row["key"]), ()):
            until = f" (removed in {row['removed']})" if row.get("removed") else ""
            message = (
                f"'{key}' is deprecated since Cilium {row['deprecated']}{until}{_replacement(row)}"
            )
            yield deprecated_key.violation(
                ctx, message, position, key=key, fix=str(row.get("replacement") or "") or None
            )


@rule(code="CD404", name="deprecated-value", severity=Severity.WARNING)
def deprecated_value(ctx: LintContext) -> Iterator[Violation]:
    """A value spelling that still works in this version but is deprecated.

    ## Why
    On Cilium 1.14 and 1.15 `kubeProxyReplacement: strict|partial|disabled` still works with
    a deprecation warning in the agent log; the 1.16 upgrade then fails the render
    (cilium/cilium PR #31286; cilium/cilium@v1.18.0:pkg/kpr/kpr.go).

    ## Bad
    ```yaml cilium=1.15.19
    kubeProxyReplacement: partial
    ```

    ## Good
    ```yaml cilium=1.15.19
    kubeProxyReplacement: false
    ```

    ## Fix
    Use `true` or `false`.
    """
    for row in _rows(ctx, "values"):
        if (
            not row.get("deprecated")
            or ctx.below(str(row["deprecated"]))
            or ctx.at_least(str(row["removed"]))
        ):
            continue
        key = str(row["key"])
        value = ctx.user(key)
        if value is None or _text(value) not in [str(v) for v in row["values"]]:
            continue
        message = (
            f"'{key}: {_text(value)}' is deprecated and rejected from Cilium "
            f"{row['removed']}{_replacement(row)}"
        )
        yield deprecated_value.violation(ctx, message, ctx.value_at(key), key=key)


RULES = (removed_key, removed_value, deprecated_key, deprecated_value)
