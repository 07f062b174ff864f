"""Known failures before merge: the values (with Talos) match a row of known_behaviours.yaml.

The rows are the same that ``check`` ranks as causes (``ciliumdrift.agent.known``): a
config that makes the agent exit at start, keep retrying its datapath, or run with traffic
broken, for the declared Cilium version and the declared or Talos-implied kernel. Only rows
whose every condition the files decide are reported; rows that need the node's runtime
(its devices' drivers, its environment) wait for ``check`` and its agent log.
"""

from __future__ import annotations

from ciliumdrift.lint.rule import LintContext, rule
from ciliumdrift.model import Severity


@rule(code="CD214", name="known-failure", severity=Severity.ERROR, view=True)
def known_failure(ctx: LintContext) -> None:
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


RULES = (known_failure,)
