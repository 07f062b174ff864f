"""Which form of status a paste holds, and the reader for it."""

from __future__ import annotations

from dataclasses import replace

from ciliumdrift import limits
from ciliumdrift.errors import StatusParseError
from ciliumdrift.model import Position
from ciliumdrift.parse.config import config_kind, is_configmap, parse_config, parse_configmap
from ciliumdrift.parse.labels import TOP_LABELS
from ciliumdrift.parse.model import CiliumState, Status
from ciliumdrift.parse.prepare import LineTable, Prepared, SourceLine, prepare
from ciliumdrift.parse.structured import JSON_START, parse_json, parse_json_text, parse_yaml
from ciliumdrift.parse.text import TextParser, is_command
from ciliumdrift.regex import lazy_pattern

_YAML_KEY = lazy_pattern(r"[a-z][A-Za-z0-9-]*:(?: |$)")
_NOISE_PREFIXES = ('Defaulted container "', "Unable to use a TTY", "$ ", "kubectl ")


def parse_text(text: str, source: str) -> Status:
    """Any supported form of status, from the text as pasted."""
    if text[:1] == "{" or text[:256].lstrip()[:1] == "{":
        # ``-o json`` straight from the agent (the live collector's input): no paste to undo.

        status = parse_json_text(text, source)
        if status is not None:
            return status
    _refuse_too_many_lines(text, source)
    return parse_prepared(prepare(text, source), source)


def _refuse_too_many_lines(text: str, source: str) -> None:
    """A text status is read line by line; more lines than any agent prints is refused
    before the first is read (``status_lines``, :mod:`ciliumdrift.limits`)."""

    most = limits.current().status_lines
    if text.count("\n") > most:
        raise StatusParseError(
            f"more than {most} lines: longer than any cilium status output "
            "(raise it with CILIUMDRIFT_LIMIT_STATUS_LINES)",
            Position(source, most + 1, 1),
        )


def parse_prepared(prepared: Prepared, source: str) -> Status:
    lines = prepared.lines
    texts = lines.texts if isinstance(lines, LineTable) else [line.text for line in lines]
    head = next((text for text in texts if text and not _is_noise(text)), "")
    if head.partition(":")[0] in TOP_LABELS:
        # The agent's text output, as almost every paste is: no other detector can match.
        return _with_prepared_diagnostics(_text(prepared, source), prepared)
    nonblank = [line for line in lines if line.text]
    if not nonblank:
        raise StatusParseError("empty input: no cilium status output", Position(source, 1, 1))
    body = [line for line in nonblank if not _is_noise(line.text)] or nonblank
    first = body[0]
    if len(body) == 1 and (first.text == "OK" or first.text.startswith("error in ")):
        return _brief(first.text, source)
    if JSON_START.match(first.text):
        status = parse_json(list(prepared.lines), source)
    elif _is_yaml(body):
        if is_configmap(body):
            status = parse_configmap(body, source)
        else:
            status = parse_yaml(list(prepared.lines), source)
    elif (kind := _config(body)) is not None:
        status = parse_config(body, kind, source)
    else:
        status = _text(prepared, source)
    return _with_prepared_diagnostics(status, prepared)


def _text(prepared: Prepared, source: str) -> Status:
    return TextParser(prepared.lines, source).parse()


def _with_prepared_diagnostics(status: Status, prepared: Prepared) -> Status:
    if prepared.diagnostics:
        status = replace(status, diagnostics=prepared.diagnostics + status.diagnostics)
    return status


def _is_noise(text: str) -> bool:
    """A line pasted with the status that is not part of it: a kubectl notice, the command."""
    if text.partition(":")[0] in TOP_LABELS:
        return False  # the common case, decided without looking for a command
    return text.startswith(_NOISE_PREFIXES) or is_command(text)


def _brief(text: str, source: str) -> Status:
    """``cilium status --brief``: ``OK``, or ``error in <what>: <message>``."""
    if text == "OK":
        cilium = CiliumState(state="Ok", message="cilium status --brief: OK")
    else:
        cilium = CiliumState(state="Failure", message=text)
    return Status(format="fragment", source=source, cilium=cilium)


def _is_yaml(lines: list[SourceLine]) -> bool:
    first = lines[0].text
    label = first.partition(":")[0]
    return bool(_YAML_KEY.match(first)) and label not in TOP_LABELS and lines[0].indent == 0


def _config(lines: list[SourceLine]) -> str | None:
    if any(line.text.partition(":")[0].strip() in TOP_LABELS for line in lines):
        return None
    return config_kind(lines)
