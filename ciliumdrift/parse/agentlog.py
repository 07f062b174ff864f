"""The Cilium agent's log: what it says at start about fallbacks, refusals and its flags.

Reads the output of ``kubectl -n kube-system logs ds/cilium -c cilium-agent`` (or a
sysdump's ``logs-cilium-*-cilium-agent-*.log``) in every shape the agent has written:

* logrus logfmt up to 1.17: ``level=warning msg="..." subsys=datapath-loader``, with or
  without ``time="..."``;
* slog text from 1.18: ``time=2026-01-27T20:31:03Z level=info msg="..." module=agent.datapath``
  (levels ``INFO``/``WARN``/``ERROR`` or lower case);
* JSON lines (``log-driver``/``--log-opt format=json``, slog ``json``):
  ``{"level":"warning","msg":"...","subsys":"daemon"}``;
* the prefixes that ``kubectl logs --timestamps``/``--prefix``, docker compose and
  journald put in front of each line, and kubectl's "Defaulted container" notice.

Each entry keeps its 1-based line number, so a log line can be cited as evidence. The
agent's start-up dump of its flags (``  --enable-bpf-masquerade='true'``) is collected as
the configuration the agent actually started with.
"""

from __future__ import annotations

import json
import re
from dataclasses import field
from typing import Any

from ciliumdrift.records import record
from ciliumdrift.regex import lazy_pattern

#: A log larger than this is read from its start only (the start is where the agent logs
#: its flags, fallbacks and refusals); the rest is counted as truncated.
MAX_LOG_BYTES = 8 * 1024 * 1024

_LEVELS = {
    "trace": "debug",
    "debug": "debug",
    "dbg": "debug",
    "info": "info",
    "inf": "info",
    "warn": "warning",
    "warning": "warning",
    "wrn": "warning",
    "error": "error",
    "err": "error",
    "fatal": "fatal",
    "panic": "fatal",
    "crit": "fatal",
}

# kubectl --prefix: "[pod/cilium-abcde/cilium-agent] "; compose: "cilium-agent  | ";
# journald: "Jun 23 03:50:22 host cilium-agent[8207]: "; --timestamps: RFC 3339 + space.
_PREFIXES = (
    lazy_pattern(r"^\[pod/(?P<pod>[\w.-]+)/[\w.-]+\]\s+"),
    lazy_pattern(r"^[\w.-]+\s+\|\s+"),
    lazy_pattern(r"^[A-Z][a-z]{2} +\d+ \d\d:\d\d:\d\d \S+ [\w.-]+(?:\[\d+\])?:\s+"),
    lazy_pattern(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)\s+(?=\S+=|\{)"),
)
_PAIR = lazy_pattern(r'(?P<key>[\w.@/-]+)=(?:"(?P<quoted>(?:[^"\\]|\\.)*)"|(?P<bare>[^\s"]*))')
_FLAG = lazy_pattern(r"^\s*--(?P<name>[\w.-]+)='(?P<value>.*)'\s*$")
_VERSION = lazy_pattern(r"\bCilium (?P<version>\d+\.\d+\.\d+[\w.-]*)\b")
# Older agents print levels in upper case with the time in brackets:
# "WARN  [2019-08-20T20:10:55Z] cilium.io/agent: "message" subsys=iptables".
_BRACKETED = lazy_pattern(
    r'^(?P<level>[A-Z]+)\s+\[[^\]]*\]\s+[\w./-]+:\s+"(?P<msg>(?:[^"\\]|\\.)*)"'
)


@record(slots=True)
class LogEntry:
    """One line of the agent log that carries a message."""

    line: int
    level: str  # debug | info | warning | error | fatal | "" (unknown)
    message: str
    fields: tuple[tuple[str, str], ...] = ()
    raw: str = ""

    def field(self, name: str) -> str | None:
        return next((value for key, value in self.fields if key == name), None)

    @property
    def text(self) -> str:
        """The message with its error, reason and device fields: what a pattern is matched against.

        The device tells a refusal on a tunnel device (cilium_vxlan) from one on a NIC.
        """
        extra = [value for key, value in self.fields if key in ("error", "reason", "err", "device")]
        return " ".join([self.message, *extra])

    def quote(self, limit: int = 240) -> str:
        raw = self.raw.strip()
        return raw if len(raw) <= limit else raw[: limit - 1] + "…"


@record
class AgentLog:
    """One agent's log (one node), parsed."""

    source: str
    node: str | None = None
    entries: tuple[LogEntry, ...] = ()
    flags: tuple[tuple[str, str, int], ...] = ()  # (flag, value, line) of the start-up dump
    version: str | None = None
    lines: int = 0
    truncated: bool = False
    pod: str | None = None

    def flag(self, name: str) -> tuple[str, int] | None:
        """The value the agent started with for ``--name``, with its line."""
        found = None
        for key, value, line in self.flags:
            if key == name:
                found = (value, line)  # the last start-up dump wins (a restarted container)
        return found

    def where(self, entry: LogEntry) -> str:
        return f"{self.source}:{entry.line}"


def _unescape(text: str) -> str:
    return text.replace('\\"', '"').replace("\\\\", "\\")


def _strip_prefixes(text: str) -> tuple[str, str | None]:
    pod = None
    for _ in range(3):
        for pattern in _PREFIXES:
            match = pattern.match(text)
            if match is not None:
                pod = match.groupdict().get("pod") or pod
                text = text[match.end() :]
                break
        else:
            break
    return text, pod


def _from_json(text: str) -> tuple[str, str, tuple[tuple[str, str], ...]] | None:
    try:
        data: Any = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    message = str(data.get("msg", data.get("message", "")))
    level = str(data.get("level", data.get("severity", "")))
    fields = tuple(
        (str(k), v if isinstance(v, str) else json.dumps(v))
        for k, v in data.items()
        if k not in ("msg", "message", "level", "severity")
    )
    return level, message, fields


def _from_logfmt(text: str) -> tuple[str, str, tuple[tuple[str, str], ...]] | None:
    pairs = [
        (
            m.group("key"),
            _unescape(m.group("quoted")) if m.group("quoted") is not None else m.group("bare"),
        )
        for m in _PAIR.finditer(text)
    ]
    keys = {key for key, _ in pairs}
    if "msg" not in keys and "level" not in keys:
        return None
    level = next((value for key, value in pairs if key == "level"), "")
    message = next((value for key, value in pairs if key == "msg"), "")
    if not message:
        cut = _OPEN_MESSAGE.search(text)
        if cut is not None:
            message = _unescape(cut.group("rest")).strip()
    fields = tuple((key, value) for key, value in pairs if key not in ("msg", "level"))
    return level, message, fields


# Quotes a rich-text editor put in a pasted log (“ ” „): read as the ASCII quote.
_SMART_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u201e": '"'})
# An unterminated quoted message (a log line cut when pasted): the rest of the line.
_OPEN_MESSAGE = lazy_pattern(r'\bmsg="(?P<rest>(?:[^"\\]|\\.)*)$')


def parse_entry(raw: str, line: int) -> tuple[LogEntry | None, str | None]:
    """One log line as an entry (None for blank and notice lines), and its pod prefix."""
    text, pod = _strip_prefixes(raw.rstrip("\r\n").translate(_SMART_QUOTES))
    stripped = text.strip()
    if not stripped or stripped.startswith("Defaulted container"):
        return None, pod
    parsed = _from_json(stripped) if stripped.startswith("{") else None
    if parsed is None:
        parsed = _from_logfmt(stripped)
    if parsed is None:
        bracketed = _BRACKETED.match(stripped)
        if bracketed is not None:
            rest = stripped[bracketed.end() :]
            fields = tuple(
                (m.group("key"), _unescape(m.group("quoted") or m.group("bare") or ""))
                for m in _PAIR.finditer(rest)
            )
            parsed = (bracketed.group("level"), _unescape(bracketed.group("msg")), fields)
    if parsed is None:
        # A line in no known shape (a Go panic trace, a klog line): kept, level unknown.
        return LogEntry(line=line, level="", message=stripped, raw=raw), pod
    level, message, fields = parsed
    return (
        LogEntry(
            line=line,
            level=_LEVELS.get(level.strip().lower(), level.strip().lower()),
            message=message,
            fields=fields,
            raw=raw,
        ),
        pod,
    )


def parse_agent_log(
    text: str, *, source: str = "<agent-log>", node: str | None = None, limit: int = MAX_LOG_BYTES
) -> AgentLog:
    """Parse an agent log; only the first ``limit`` bytes are read (see :data:`MAX_LOG_BYTES`)."""
    truncated = len(text) > limit
    if truncated:
        text = text[:limit]
        text = text[: text.rfind("\n") + 1] if "\n" in text else text
    entries: list[LogEntry] = []
    flags: list[tuple[str, str, int]] = []
    version: str | None = None
    pod: str | None = None
    count = 0
    for count, raw in enumerate(text.splitlines(), start=1):
        entry, prefix_pod = parse_entry(raw, count)
        pod = pod or prefix_pod
        if entry is None:
            continue
        flag = _FLAG.match(entry.message)
        if flag is not None:
            flags.append((flag.group("name"), flag.group("value"), count))
            continue
        if version is None:
            found = _VERSION.search(entry.message)
            if found is not None and entry.message.lstrip().startswith(("Cilium ", "     _ _ _")):
                version = found.group("version")
        entries.append(entry)
    return AgentLog(
        source=source,
        node=node,
        entries=tuple(entries),
        flags=tuple(flags),
        version=version,
        lines=count,
        truncated=truncated,
        pod=pod,
    )


# Messages that say the agent gave up on something the config asked for: a fallback, a
# refusal, a fatal start-up error. Matched on the message with its error field.
_REFUSAL = lazy_pattern(
    r"disabling the feature|falling back|fall back to|fallback to|not supported|"
    r"needs kernel|requires kernel|requires? .* or newer|cannot enable|could not enable|"
    r"failed to (?:compile|load|attach|initialize|install|setup|set up|enable)|verifier error|"
    r"load program: permission denied|unable to (?:enable|attach)|is not compatible",
    re.IGNORECASE,
)


@record
class Refusal:
    """A log line that shows a fallback or a refusal: the agent did less than asked."""

    entry: LogEntry
    fatal: bool = field(default=False)


def refusals(log: AgentLog) -> tuple[Refusal, ...]:
    """Warning, error and fatal lines that read as a fallback or a refusal (deduplicated)."""
    seen: set[str] = set()
    out: list[Refusal] = []
    for entry in log.entries:
        if entry.level not in ("warning", "error", "fatal", ""):
            continue
        if entry.level == "" and not _REFUSAL.search(entry.message):
            continue
        if entry.level != "fatal" and not _REFUSAL.search(entry.text):
            continue
        mark = entry.message
        if mark in seen:
            continue
        seen.add(mark)
        out.append(Refusal(entry, fatal=entry.level == "fatal"))
    return tuple(out)


__all__ = [
    "MAX_LOG_BYTES",
    "AgentLog",
    "LogEntry",
    "Refusal",
    "parse_agent_log",
    "parse_entry",
    "refusals",
]
