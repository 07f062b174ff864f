"""Rows of the tables and trees that follow some status lines.

The agent prints these with nested tabwriters (already space-padded) or as plain indented
text; none of them has a ``Label:``. Each reader takes one stripped line and returns the
typed row, or None when the line is not such a row. Rows are read by words from the ends
(names may hold spaces, messages anything), never by column offsets.
"""

from __future__ import annotations

from ciliumdrift.parse.model import (
    AllocatedAddress,
    BpfMap,
    Controller,
    HealthNode,
    HealthProbe,
    Redirect,
)
from ciliumdrift.records import record
from ciliumdrift.regex import lazy_pattern

CONTROLLER_HEADER = ("Name", "Last", "success", "Last", "error", "Count", "Message")
REDIRECT_HEADER = ("Protocol", "Redirect", "Proxy", "Port")
BPF_MAP_HEADER = ("Name", "Size")
HEALTH_HEADER = ("Name", "IP", "Node", "Endpoints")
MODULE_TABLE_HEADER = ("Module", "Status", "Message", "Last", "Updated")

_REACHABILITY = ("reachable", "unreachable", "unknown")
_COUNT_CELL = lazy_pattern(r"\d+/\d+")
_PROBE_PATH = lazy_pattern(r"((?:Secondary )?(?:Host|Endpoint)) connectivity to (\S+):")
_PROBE_CHECKS = ("ICMP to stack", "HTTP to agent")
_RTT = lazy_pattern(r"RTT=(\S+)")
_TREE_GLYPHS = "├└│"
_MODULE_STATE = lazy_pattern(r"(?:^|(?<=\s))\[([A-Z][A-Z_-]*)\](?=\s|$)")
_AGE = lazy_pattern(r"(.+), x(\d+)")


def words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def _time_cell(tokens: tuple[str, ...], index: int) -> tuple[str | None, int] | None:
    """``never`` or ``<duration> ago`` at ``index``; returns (duration or None, next index)."""
    if index < len(tokens) and tokens[index] == "never":
        return None, index + 1
    if index + 1 < len(tokens) and tokens[index + 1] == "ago":
        return tokens[index], index + 2
    return None


def controller_row(text: str) -> Controller | None:
    """``cilium-health-ep   58s ago   never   0   no error``; names may hold spaces."""
    tokens = words(text)
    for start in range(1, len(tokens)):
        success = _time_cell(tokens, start)
        if success is None:
            continue
        error = _time_cell(tokens, success[1])
        if error is None or error[1] >= len(tokens) or not tokens[error[1]].isdecimal():
            continue
        return Controller(
            name=" ".join(tokens[:start]),
            last_success=success[0],
            last_error=error[0],
            failure_count=int(tokens[error[1]]),
            message=" ".join(tokens[error[1] + 1 :]),
        )
    return None


def redirect_row(text: str) -> Redirect | None:
    tokens = words(text)
    if len(tokens) < 3 or not tokens[-1].isdecimal():
        return None
    return Redirect(protocol=tokens[0], name=" ".join(tokens[1:-1]), port=int(tokens[-1]))


def bpf_map_row(text: str) -> BpfMap | None:
    tokens = words(text)
    if len(tokens) < 2 or not tokens[-1].isdecimal():
        return None
    return BpfMap(name=" ".join(tokens[:-1]), size=int(tokens[-1]))


def allocated_row(text: str) -> AllocatedAddress | None:
    """``10.0.0.220 (kube-system/coredns-54558b56c7-zth5g [restored])``."""
    address, sep, owner = text.partition(" ")
    owner = owner.strip()
    if not sep or not owner.startswith("(") or not owner.endswith(")"):
        return None
    if not any(char in address for char in ".:"):
        return None
    return AllocatedAddress(address=address, owner=owner[1:-1].strip())


def _health_cell(tokens: tuple[str, ...], end: int) -> tuple[str, int] | None:
    """The cell ending at ``end`` (exclusive): reachable | 1/2 | 1/2 (1 unknown)."""
    if end < 1:
        return None
    last = tokens[end - 1]
    if last in _REACHABILITY or _COUNT_CELL.fullmatch(last):
        return last, end - 1
    if (
        last == "unknown)"
        and end >= 3
        and tokens[end - 2].startswith("(")
        and _COUNT_CELL.fullmatch(tokens[end - 3])
    ):
        return " ".join(tokens[end - 3 : end]), end - 3
    return None


def cell_reachable(cell: str) -> bool | None:
    if cell in _REACHABILITY:
        return {"reachable": True, "unreachable": False}.get(cell)
    ok, _, rest = cell.partition("/")
    total = rest.split(" ")[0]
    if not (ok.isdecimal() and total.isdecimal()) or int(total) == 0:
        return None
    return ok == total and "unknown" not in rest


def _looks_like_address(token: str) -> bool:
    return any(char in token for char in ".:") and (not token.endswith(":") or token.endswith("::"))


def health_row(text: str) -> HealthNode | None:
    """``k8s-worker-1 (localhost)   10.0.0.2,fd00::2   reachable   1/1``."""
    tokens = words(text)
    endpoints = _health_cell(tokens, len(tokens))
    if endpoints is None:
        return None
    host = _health_cell(tokens, endpoints[1])
    if host is None or host[1] < 2 or not _looks_like_address(tokens[host[1] - 1]):
        return None
    addresses = tokens[host[1] - 1].split(",")
    name_tokens = tokens[: host[1] - 1]
    localhost = name_tokens[-1] == "(localhost)"
    if localhost:
        name_tokens = name_tokens[:-1]
    if not name_tokens:
        return None
    host_ok = cell_reachable(host[0])
    endpoints_ok = cell_reachable(endpoints[0])
    reachable = None if host_ok is None or endpoints_ok is None else bool(host_ok and endpoints_ok)
    return HealthNode(
        name=" ".join(name_tokens),
        reachable=reachable,
        address=addresses[0],
        endpoints=endpoints[0],
        localhost=localhost,
        host=host[0],
        secondary_addresses=tuple(address for address in addresses[1:] if address),
    )


def probe_path(text: str) -> tuple[str, str] | None:
    """``Host connectivity to 10.0.0.1:`` -> ("Host", "10.0.0.1")."""
    match = _PROBE_PATH.fullmatch(text)
    return (match[1], match[2]) if match else None


def probe_line(text: str, path: str, address: str) -> HealthProbe | None:
    """``ICMP to stack:   OK, RTT=145.787µs   (Last probed: 2025-08-03T14:23:01Z)``."""
    check, sep, result = text.partition(":")
    if not sep or check not in _PROBE_CHECKS:
        return None
    result = " ".join(result.split())
    last_probed = None
    cut = result.rfind("(Last probed:")
    if cut >= 0 and result.endswith(")"):
        last_probed = result[cut + len("(Last probed:") : -1].strip()
        result = result[:cut].strip()
    rtt = _RTT.search(result)
    return HealthProbe(
        path=path,
        address=address,
        check=check,
        ok=result.startswith("OK"),
        result=result,
        rtt=rtt[1].rstrip(",") if rtt else None,
        last_probed=last_probed,
    )


def node_block_name(text: str) -> tuple[str, bool] | None:
    """``k8s-master-n1 (localhost):`` -> ("k8s-master-n1", True)."""
    if not text.endswith(":") or " connectivity to " in text:
        return None
    name = text[:-1].strip()
    localhost = name.endswith("(localhost)")
    if localhost:
        name = name[: -len("(localhost)")].strip()
    if not name or len(name.split()) > 1:
        return None
    return name, localhost


def is_tree_line(text: str) -> bool:
    return text[:1] in _TREE_GLYPHS


@record(slots=True)
class TreeLine:
    """One line of the Modules Health tree: its branch column, glyph depth and content."""

    branch_column: int  # column of ├ / └ relative to the line's text start
    glyph_depth: int  # how many │ ├ └ glyphs precede the name
    name: str
    state: str | None
    message: str
    age: str | None
    count: int | None


def tree_line(text: str) -> TreeLine | None:
    # The glyphs before the name: "│" and spaces, then the branch "├" or "└" and its "─"s.
    branch = len(text) - len(text.lstrip("│ "))
    if branch >= len(text) or text[branch] not in "├└":
        return None
    depth = text.count("│", 0, branch) + 1
    index = len(text) - len(text[branch + 1 :].lstrip("─"))
    body = text[index:].strip()
    match = _MODULE_STATE.search(body)
    if match is None:
        return TreeLine(branch, depth, body, None, "", None, None)
    name = body[: match.start()].strip()
    rest = body[match.end() :].strip()
    age = None
    count = None
    cut = rest.rfind(" (")
    if rest.endswith(")") and (cut >= 0 or rest.startswith("(")):
        inner = rest[cut + 2 : -1] if cut >= 0 else rest[1:-1]
        timing = _AGE.fullmatch(inner)
        if timing and timing[2].isdecimal():
            age, count = timing[1].strip(), int(timing[2])
            rest = rest[:cut].strip() if cut >= 0 else ""
    return TreeLine(branch, depth, name, match[1], rest, age, count)
