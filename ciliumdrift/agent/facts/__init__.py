"""The fact registry: every config-determined status line, as declared units.

``FACTS`` is the explicit tuple of all facts in status-line order; ``fact_by_id`` finds one.
``HEALTH`` lists the health facts (:mod:`ciliumdrift.agent.facts.health`): status lines no
config decides, which compare reports as health findings and never as rows.
"""

from __future__ import annotations

from ciliumdrift.agent.fact import Fact
from ciliumdrift.agent.facts import (
    bandwidth,
    clustermesh,
    datapath,
    encryption,
    hubble,
    ipam,
    kpr,
    lb,
    maps,
    masquerade,
    misc,
    proxy,
    routing,
)
from ciliumdrift.agent.facts.health import HEALTH

FACTS: tuple[Fact, ...] = (
    misc.kvstore,
    misc.kubernetes,
    *kpr.FACTS,
    *lb.FACTS,
    misc.host_firewall,
    misc.srv6,
    misc.cni_chaining,
    misc.cilium_version,
    ipam.ipam,
    *clustermesh.FACTS,
    bandwidth.ipv4_big_tcp,
    bandwidth.ipv6_big_tcp,
    bandwidth.bandwidth_manager,
    *routing.FACTS,
    datapath.attach_mode,
    datapath.device_mode,
    datapath.device_mode_configured,
    *masquerade.FACTS,
    misc.clock_source,
    *proxy.FACTS,
    ipam.identity_range,
    *hubble.FACTS,
    *maps.FACTS,
    *encryption.FACTS,
)

_BY_ID = {f.id: f for f in FACTS}


def fact_by_id(fact_id: str) -> Fact:
    """The fact with this ID; KeyError names the known IDs when there is none."""
    try:
        return _BY_ID[fact_id]
    except KeyError:
        known = ", ".join(sorted(_BY_ID))
        raise KeyError(f"no fact {fact_id!r}; known facts: {known}") from None


__all__ = ["FACTS", "HEALTH", "fact_by_id"]
