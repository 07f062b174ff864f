"""``cilium config`` outputs people paste as "the status": read as key/value, not a status.

Three shapes: the agent's ``cilium-dbg config`` (``Key   : Value`` under ``#####`` headers),
the cilium-cli ``cilium config view`` (``key   value``), and the ``cilium-config`` ConfigMap
as ``kubectl get cm -o yaml`` prints it (its ``data:`` block). The ConfigMap is read line
by line rather than as YAML, because pasted ones carry annotations that break YAML (a
poster's ``>>>>`` markers after a quoted value); such trailing text becomes a warning.
"""

from __future__ import annotations

from ciliumdrift.model import Diagnostic, Position
from ciliumdrift.parse.model import ConfigView, Status
from ciliumdrift.parse.prepare import SourceLine
from ciliumdrift.regex import lazy_pattern

_AGENT_ROW = lazy_pattern(r"([A-Za-z][A-Za-z0-9_.-]*) +: ?(.*)")
_AGENT_HEADER = lazy_pattern(r"#{3,} .* #{3,}")
_VIEW_ROW = lazy_pattern(r"([a-z0-9][a-z0-9._-]*[a-z0-9])(?:  +(\S.*))?")
_CONFIGMAP_ROW = lazy_pattern(r"([A-Za-z0-9][A-Za-z0-9._-]*): ?(.*)")


def config_kind(lines: list[SourceLine]) -> str | None:
    """``agent-config`` / ``config-view`` when most lines read as such, else None."""
    agent = view = 0
    for line in lines:
        if _AGENT_HEADER.fullmatch(line.text) or _AGENT_ROW.fullmatch(line.text):
            agent += 1
            continue
        match = _VIEW_ROW.fullmatch(line.text)
        if match and (match[2] is not None or "-" in match[1]):
            view += 1
    total = len(lines)
    if total and agent * 10 >= total * 8 and any(_AGENT_ROW.fullmatch(x.text) for x in lines):
        return "agent-config"
    has_value = any((m := _VIEW_ROW.fullmatch(x.text)) and m[2] is not None for x in lines)
    if total and view * 10 >= total * 8 and has_value:
        return "config-view"
    return None


def parse_config(lines: list[SourceLine], kind: str, source: str) -> Status:
    entries: list[tuple[str, str]] = []
    diagnostics: list[Diagnostic] = []
    for line in lines:
        if kind == "agent-config":
            if _AGENT_HEADER.fullmatch(line.text):
                continue
            match = _AGENT_ROW.fullmatch(line.text)
        else:
            match = _VIEW_ROW.fullmatch(line.text)
        if match is None:
            diagnostics.append(_unknown(line, source))
            continue
        entries.append((match[1], (match[2] or "").strip()))
    return Status(
        format="config-view",
        source=source,
        extra=ConfigView(kind=kind, entries=tuple(entries)),
        diagnostics=tuple(diagnostics),
    )


def is_configmap(lines: list[SourceLine]) -> bool:
    texts = {line.text for line in lines if line.indent == 0}
    return "kind: ConfigMap" in texts or ("data:" in texts and "apiVersion: v1" in texts)


def parse_configmap(lines: list[SourceLine], source: str) -> Status:
    """The ``data:`` block of a ConfigMap, one ``key: value`` per line (block scalars joined)."""
    entries: list[tuple[str, str]] = []
    diagnostics: list[Diagnostic] = []
    in_data = False
    block: list[str] | None = None
    for line in lines:
        if line.indent == 0:
            in_data = line.text == "data:"
            block = None
            continue
        if not in_data:
            continue
        if block is not None and line.indent > 2:
            block.append(line.text)
            key = entries[-1][0]
            entries[-1] = (key, "\n".join(block))
            continue
        match = _CONFIGMAP_ROW.fullmatch(line.text)
        if match is None:
            diagnostics.append(_unknown(line, source))
            continue
        value, rest = _scalar(match[2])
        if value in ("|", "|-", ">", ">-"):
            block = []
            entries.append((match[1], ""))
            continue
        block = None
        if rest:
            diagnostics.append(
                Diagnostic(
                    f"text after the value of {match[1]!r} ignored: {rest}",
                    Position(source, line.number, line.column),
                    "status-unparsed-value",
                )
            )
        entries.append((match[1], value))
    return Status(
        format="configmap",
        source=source,
        extra=ConfigView(kind="configmap", entries=tuple(entries)),
        diagnostics=tuple(diagnostics),
    )


def _scalar(text: str) -> tuple[str, str]:
    """A YAML scalar as written on one line -> (value, anything after it)."""
    text = text.strip()
    if text[:1] in ("'", '"'):
        quote = text[0]
        end = text.find(quote, 1)
        while end > 0 and quote == '"' and text[end - 1] == "\\":
            end = text.find(quote, end + 1)
        if end > 0:
            rest = text[end + 1 :].strip()
            return text[1:end], "" if rest.startswith("#") else rest
    value = text.partition(" #")[0]
    return value.strip(), ""


def _unknown(line: SourceLine, source: str) -> Diagnostic:
    return Diagnostic(
        f"unknown config line kept unread: {line.text[:80]}",
        Position(source, line.number, line.column),
        "status-unknown-line",
    )
