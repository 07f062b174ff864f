"""A node's kernel log: what the kernel said while the agent loaded its programs.

The BPF verifier reports some failures only in the kernel log (a ``verifier bug`` warning
with a stack trace), where neither the status nor the agent log shows them. Reads the
kernel log in the shapes users paste:

* ``dmesg``: ``[   12.345678] message``; ``dmesg -T``: ``[Sat Feb  7 05:07:46 2026] message``;
  ``dmesg -x``: ``kern  :warn  : [   12.345678] message``; ``dmesg --time-format iso``:
  ``2026-02-07T05:07:46,389459+00:00 message``; raw ``/dev/kmsg`` priorities ``<4>[ 1.2] ...``;
* ``talosctl dmesg``: ``kern: warning: [2026-02-07T05:07:46.389459964Z]: message``, with
  ``NODE: `` in front when several nodes are asked;
* ``journalctl -k``: ``Feb 07 05:07:46 host kernel: message``.

Each entry keeps its 1-based line number (the evidence cites it), its level and the
message. A line in no known shape is kept as a message with an unknown level (a stack
trace continues the line above). The kernel version is read from ``Linux version X``
or a warning's ``Not tainted X`` / ``Tainted: ... X`` line.
"""

from __future__ import annotations

import re

from ciliumdrift.parse.agentlog import LogEntry
from ciliumdrift.records import record
from ciliumdrift.regex import lazy_pattern

#: Only the first bytes are read: a kernel log of a long-running node is mostly noise.
MAX_KERNEL_LOG_BYTES = 8 * 1024 * 1024

_LEVELS = {
    "emerg": "fatal",
    "alert": "fatal",
    "crit": "fatal",
    "err": "error",
    "error": "error",
    "warn": "warning",
    "warning": "warning",
    "notice": "info",
    "info": "info",
    "debug": "debug",
}
_PRIORITIES = ("fatal", "fatal", "fatal", "error", "warning", "info", "info", "debug")

_TALOS = lazy_pattern(
    r"^(?:(?P<node>[\w.:-]+):\s+)?(?P<facility>kern|user|daemon|auth|syslog):\s*"
    r"(?P<level>[a-z]+):\s*\[(?P<time>[^\]]*)\]:\s?(?P<msg>.*)$"
)
_DMESG_X = lazy_pattern(
    r"^(?P<facility>[a-z]+)\s*:(?P<level>[a-z]+)\s*:\s*(?:\[[^\]]*\]\s?)?(?P<msg>.*)$"
)
_PRIORITY = lazy_pattern(r"^<(?P<prio>\d+)>(?P<rest>.*)$")
_BRACKET_TIME = lazy_pattern(
    r"^\[\s*(?:\d+\.\d+|[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d [\d:]+ \d{4})\]\s?"
)
_ISO_TIME = lazy_pattern(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[,.]\d+(?:Z|[+-]\d\d:?\d\d)?\s+")
_JOURNAL = lazy_pattern(r"^[A-Z][a-z]{2} +\d+ \d\d:\d\d:\d\d \S+ kernel:\s?")
_KERNEL_VERSION = (
    lazy_pattern(r"\bLinux version (?P<v>\d+\.\d+(?:\.\d+)?[\w.+~-]*)"),
    lazy_pattern(r"\b(?:Not tainted|Tainted: [A-Z ]+?)\s+(?P<v>\d+\.\d+(?:\.\d+)?[\w.+~-]*)"),
)


@record
class KernelLog:
    """One node's kernel log, parsed."""

    source: str
    node: str | None = None
    entries: tuple[LogEntry, ...] = ()
    kernel: str | None = None  # the kernel version the log names, when it does
    lines: int = 0
    truncated: bool = False

    def where(self, entry: LogEntry) -> str:
        return f"{self.source}:{entry.line}"


def parse_kernel_line(raw: str, line: int) -> tuple[LogEntry | None, str | None]:
    """One kernel log line as an entry (None when blank), and the node a Talos prefix names."""
    text = raw.rstrip("\r\n").strip()
    if not text:
        return None, None
    node: str | None = None
    level = ""
    talos = _TALOS.match(text)
    if talos is not None:
        node = talos.group("node")
        level = _LEVELS.get(talos.group("level"), "")
        text = talos.group("msg")
    else:
        priority = _PRIORITY.match(text)
        if priority is not None:
            level = _PRIORITIES[int(priority.group("prio")) % 8]
            text = priority.group("rest")
        extended = _DMESG_X.match(text)
        if extended is not None and extended.group("level") in _LEVELS:
            level = _LEVELS[extended.group("level")]
            text = extended.group("msg")
        for pattern in (_JOURNAL, _ISO_TIME, _BRACKET_TIME):
            match = pattern.match(text)
            if match is not None:
                text = text[match.end() :]
                break
    return LogEntry(line=line, level=level, message=text.strip(), raw=raw), node


def parse_kernel_log(
    text: str,
    *,
    source: str = "<kernel-log>",
    node: str | None = None,
    limit: int = MAX_KERNEL_LOG_BYTES,
) -> KernelLog:
    """Parse a kernel log; only the first ``limit`` bytes are read."""
    truncated = len(text) > limit
    if truncated:
        text = text[:limit]
        text = text[: text.rfind("\n") + 1] if "\n" in text else text
    entries: list[LogEntry] = []
    kernel: str | None = None
    named: str | None = None
    count = 0
    for count, raw in enumerate(text.splitlines(), start=1):
        entry, prefix = parse_kernel_line(raw, count)
        if entry is None:
            continue
        named = named or prefix
        if kernel is None:
            for pattern in _KERNEL_VERSION:
                found = pattern.search(entry.message)
                if found is not None:
                    kernel = found.group("v")
                    break
        entries.append(entry)
    return KernelLog(
        source=source,
        node=node or named,
        entries=tuple(entries),
        kernel=kernel,
        lines=count,
        truncated=truncated,
    )


# Kernel lines that show the BPF subsystem failing for the agent: a verifier bug or a
# kernel warning raised from kernel/bpf/ (a program the agent loads), a BPF oops.
_FAILURE = lazy_pattern(
    r"verifier bug|WARNING: .* at kernel/bpf/|BUG: .*\bbpf|"
    r"bpf_prog_\w+.*(?:Oops|general protection)",
    re.IGNORECASE,
)


_COMM = lazy_pattern(r"\bComm: (?P<comm>\S+)")
# A kernel warning's trace spans the lines between its "cut here" marker and its end.
_TRACE_LINES = 40


def process_of(log: KernelLog, entry: LogEntry) -> str | None:
    """The process (``Comm:``) the kernel trace around ``entry`` names, when it names one."""
    near = [e for e in log.entries if abs(e.line - entry.line) <= _TRACE_LINES]
    after = [e for e in near if e.line >= entry.line]
    before = sorted((e for e in near if e.line < entry.line), key=lambda e: -e.line)
    for candidate in (*after, *before):
        found = _COMM.search(candidate.message)
        if found is not None:
            return found.group("comm")
    return None


def failures(log: KernelLog) -> tuple[LogEntry, ...]:
    """Lines that show a BPF failure in the kernel (first of each message)."""
    seen: set[str] = set()
    out: list[LogEntry] = []
    for entry in log.entries:
        if not _FAILURE.search(entry.message) or entry.message in seen:
            continue
        seen.add(entry.message)
        out.append(entry)
    return tuple(out)


__all__ = [
    "MAX_KERNEL_LOG_BYTES",
    "KernelLog",
    "failures",
    "parse_kernel_line",
    "parse_kernel_log",
    "process_of",
]
