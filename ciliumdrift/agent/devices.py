"""Device facts: what the config, Talos, the status and the user say about a node's devices.

The agent attaches its programs (XDP, tc/tcx, BIG TCP sizes) to the node's native
devices, and some of them cannot take what the config asks (WireGuard has no native XDP,
virtio-net no BIG TCP). This module gathers the devices each input names, with a kind:

* Talos: KubeSpan (its ``kubespan`` WireGuard link), bonds, VLANs, bridges, WireGuard links
  of ``machine.network.interfaces`` and the 1.12+ link documents;
* the values: ``devices`` and the direct-routing device (names only: the kind is a guess
  from the name);
* the status: the KubeProxyReplacement device list (names, the direct-routing flag);
* ``--device NODE=NAME:DRIVER``: the user's own knowledge, the most certain of all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from ciliumdrift.agent.known import drivers
from ciliumdrift.errors import InputError
from ciliumdrift.load.model import HelmValues, TalosFacts
from ciliumdrift.model import Layer, Origin
from ciliumdrift.records import record
from ciliumdrift.regex import lazy_pattern


@record
class Device:
    """One network device of a node."""

    name: str
    kind: str  # physical | wireguard | kubespan | bond | vlan | bridge | dummy | virtual | unknown
    origin: Origin
    driver: str | None = None
    direct_routing: bool = False


# Name shapes: a guess, used only when no input states the kind.
_BY_NAME = (
    (lazy_pattern(r"^kubespan$"), "kubespan"),
    (lazy_pattern(r"^(wg|wireguard)\w*$"), "wireguard"),
    (lazy_pattern(r"^bond\w*$"), "bond"),
    (lazy_pattern(r"^[\w-]+\.\d+$|^vlan\d+$"), "vlan"),
    (lazy_pattern(r"^(br|bridge|virbr)[\w-]*$"), "bridge"),
    (lazy_pattern(r"^(eth|en|eno|ens|enp|em|ib)\w*$"), "physical"),
)

_TALOS_KINDS = {
    "BondConfig": "bond",
    "VLANConfig": "vlan",
    "BridgeConfig": "bridge",
    "WireguardConfig": "wireguard",
    "DummyLinkConfig": "dummy",
    "LinkConfig": "physical",
}


def kind_from_name(name: str) -> str:
    for pattern, kind in _BY_NAME:
        if pattern.match(name):
            return kind
    return "unknown"


def kind_from_driver(driver: str) -> str:
    row = drivers().get(driver.strip().lower())
    return str(row["kind"]) if row else "physical"


def talos_devices(talos: TalosFacts | None) -> list[Device]:
    """KubeSpan and the links a Talos machine config declares."""
    if talos is None:
        return []
    out: list[Device] = []
    kubespan = talos.kubespan_enabled
    if kubespan is not None and kubespan.value:
        out.append(Device("kubespan", "kubespan", kubespan.origin, driver="wireguard"))
    for link in talos.link_kinds:
        name, kind = link.value
        out.append(Device(name, _TALOS_KINDS.get(kind, kind), link.origin))
    for interface in talos.interfaces:
        text = interface.value
        if any(d.name == text for d in out) or text.startswith("deviceSelector"):
            continue
        out.append(Device(text, kind_from_name(text), interface.origin))
    return out


def values_devices(values: HelmValues) -> list[Device]:
    """Devices the values name (``devices``, ``nodePort.directRoutingDevice``)."""
    out: list[Device] = []
    devices = values.get("devices")
    if devices is not None and devices.value:
        raw = devices.value
        names = raw if isinstance(raw, (list, tuple)) else re.split(r"[\s,]+", str(raw))
        for name in (str(n).strip() for n in names):
            if name and not name.endswith("+"):
                out.append(Device(name, kind_from_name(name), devices.origin))
    for key in ("directRoutingDevice", "nodePort.directRoutingDevice"):
        found = values.get(key)
        if found is not None and found.value:
            name = str(found.value)
            out.append(Device(name, kind_from_name(name), found.origin, direct_routing=True))
    return out


def status_devices(status: object) -> list[Device]:
    """The devices the KubeProxyReplacement line lists."""
    kpr = getattr(status, "kube_proxy_replacement", None)
    if kpr is None:
        return []
    origin = Origin(Layer.OBSERVED, detail="the KubeProxyReplacement line")
    return [
        Device(d.name, kind_from_name(d.name), origin, direct_routing=d.direct_routing)
        for d in kpr.devices
    ]


_LOG_DEVICE = lazy_pattern(r"\bto (?:interface|device) (?P<name>[\w.@-]+)")


def log_devices(log: object) -> list[Device]:
    """Devices the agent log names when it attaches programs to them (and fails)."""
    out: list[Device] = []
    for entry in getattr(log, "entries", ()):
        found = _LOG_DEVICE.search(entry.text)
        if found is not None and not found.group("name").startswith(("cilium_", "lxc")):
            name = found.group("name").rstrip(":")
            detail = f"{log.source}:{entry.line}"  # type: ignore[attr-defined]
            out.append(Device(name, kind_from_name(name), Origin(Layer.OBSERVED, detail=detail)))
    return out


def parse_device_flags(specs: Iterable[str]) -> dict[str | None, list[Device]]:
    """``--device node-1=eth0:virtio_net`` (one node) or ``--device kubespan:wireguard`` (all)."""
    out: dict[str | None, list[Device]] = {}
    for spec in specs:
        node, _, rest = spec.rpartition("=")
        name, _, driver = rest.partition(":")
        name, driver = name.strip(), driver.strip()
        if not name or not driver or not re.match(r"^[\w.@-]+$", name):
            raise InputError(
                f"--device {spec!r}: expected [NODE=]NAME:DRIVER such as eth0:virtio_net"
            )
        origin = Origin(Layer.OBSERVED, detail=f"--device {spec}")
        out.setdefault(node or None, []).append(
            Device(name, kind_from_driver(driver), origin, driver=driver.lower())
        )
    return out


def merge(*groups: Sequence[Device]) -> tuple[Device, ...]:
    """One device per name; a later group (more certain) replaces an earlier one."""
    by_name: dict[str, Device] = {}
    for group in groups:
        for device in group:
            earlier = by_name.get(device.name)
            if earlier is not None and device.kind == "unknown":
                device = Device(
                    device.name, earlier.kind, device.origin, device.driver, device.direct_routing
                )
            by_name[device.name] = device
    return tuple(by_name.values())


def node_devices(
    values: HelmValues,
    talos: TalosFacts | None,
    status: object | None = None,
    flags: Mapping[str | None, Sequence[Device]] | None = None,
    node: str | None = None,
    log: object | None = None,
) -> tuple[Device, ...]:
    """Everything known about one node's devices, most certain last."""
    given = flags or {}
    user = [*given.get(None, ()), *(given.get(node, ()) if node is not None else ())]
    return merge(
        values_devices(values),
        talos_devices(talos),
        status_devices(status) if status is not None else [],
        log_devices(log) if log is not None else [],
        user,
    )


def xdp_capable(device: Device) -> bool | None:
    """Whether the device's driver has native XDP (None: not known)."""
    if device.kind in ("wireguard", "kubespan", "vlan", "bridge", "dummy"):
        return False
    if device.driver is not None:
        row = drivers().get(device.driver)
        return bool(row["xdp_native"]) if row else None
    return None


__all__ = [
    "Device",
    "kind_from_driver",
    "kind_from_name",
    "merge",
    "node_devices",
    "parse_device_flags",
    "status_devices",
    "talos_devices",
    "values_devices",
    "xdp_capable",
]
