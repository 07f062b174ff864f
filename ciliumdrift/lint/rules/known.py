"""Known failures before merge: the values (with Talos) match a row of known_behaviours.yaml.

The rows are the same that ``check`` ranks as causes (``ciliumdrift.agent.known``): a
config that makes the agent exit at start, keep retrying its datapath, or run with traffic
broken, for the declared Cilium version and the declared or Talos-implied kernel. Only rows
whose every condition the files decide are reported; rows that need the node's runtime
(its devices' drivers, its environment) wait for ``check`` and its agent log.
"""

from __future__ import annotations

from collections.abc import Iterator

from ciliumdrift.agent import known
from ciliumdrift.agent.devices import talos_devices, values_devices
from ciliumdrift.agent.fact import NodeContext
from ciliumdrift.agent.facts import fact_by_id
from ciliumdrift.lint.rule import LintContext, Violation, rule
from ciliumdrift.model import Severity

_EFFECTS = known.EFFECTS


def _node(ctx: LintContext) -> NodeContext:
    talos = ctx.talos
    return NodeContext(
        values=ctx.values,
        cilium_version=ctx.cilium_version,
        kernel=talos.kernel if talos is not None else None,
        talos=talos,
        devices=(*values_devices(ctx.values), *talos_devices(talos)),
    )


@rule(code="CD214", name="known-failure", severity=Severity.ERROR)
def known_failure(ctx: LintContext) -> Iterator[Violation]:
    """The config matches a known failure of this Cilium version, kernel or Talos setup.

    ## Why
    Some combinations are fine in the values file and fail on the node: XDP acceleration
    `native` on Talos KubeSpan's WireGuard link (no native XDP: the agent is fatal,
    hcloud-talos/terraform-hcloud-talos#119), KubeSpan with eBPF host routing
    (siderolabs/talos#9043), BIG TCP in native routing with egress gateway on 1.19 (the
    VXLAN device refuses the sizes, cilium/cilium#44198), DSR with Geneve dispatch and BIG TCP
    (cilium/cilium#43938), BPF masquerading on a 5.4 kernel with 1.16+ (verifier rejection,
    cilium/cilium#37478). Each row of `ciliumdrift/data/known_behaviours.yaml` names its
    versions, kernels, conditions and public sources; `docs/known-behaviours.md` lists them.

    ## Bad
    ```yaml cilium=1.18.4
    kubeProxyReplacement: true
    loadBalancer:
      acceleration: native
    ```
    ```yaml talos
    version: v1alpha1
    machine:
      type: worker
      install:
        image: ghcr.io/siderolabs/installer:v1.12.0
      network:
        kubespan:
          enabled: true
    ```

    ## Good
    ```yaml cilium=1.18.4
    kubeProxyReplacement: true
    loadBalancer:
      acceleration: best-effort
    ```
    ```yaml talos
    version: v1alpha1
    machine:
      type: worker
      install:
        image: ghcr.io/siderolabs/installer:v1.12.0
      network:
        kubespan:
          enabled: true
    ```

    ## Fix
    Apply the row's fix (the message names it): usually a value that avoids the device or
    kernel limitation, or legacy host routing next to KubeSpan.
    """
    node = _node(ctx)
    rows = [r for r in known.behaviours() if r.lint]
    needed = {c.name for r in rows for c in r.when if c.subject == "fact"}
    expectations = {}
    for fact_id in sorted(needed):
        derived = fact_by_id(fact_id).derive(node)
        if derived is not None:
            expectations[fact_id] = derived
    for row in rows:
        found = known.evaluate(row, node, expectations)
        if found is None or not found.certain:
            continue
        helm_keys = [c.name for c in row.when if c.subject == "helm"]
        key = next((k for k in helm_keys if ctx.values.has(k)), None)
        position = ctx.where(key) if key is not None else ctx.start()
        message = (
            f"{row.summary} ({_EFFECTS[row.effect]}; known behaviour {row.id}: {row.sources[0]})"
        )
        fix = row.fix.summary if row.fix is not None else None
        severity = Severity.ERROR if row.effect == "fatal" else Severity.WARNING
        yield known_failure.violation(ctx, message, position, key=key, fix=fix, severity=severity)


RULES = (known_failure,)
