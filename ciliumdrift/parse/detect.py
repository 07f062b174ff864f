"""Which form of status a paste holds, and the reader for it."""

from __future__ import annotations

import re
from dataclasses import replace

from ciliumdrift.errors import StatusParseError
from ciliumdrift.model import Position
from ciliumdrift.parse.config import config_kind, is_configmap, parse_config, parse_configmap
from ciliumdrift.parse.labels import TOP_LABELS
from ciliumdrift.parse.model import CiliumState, Status
from ciliumdrift.parse.prepare import Prepared, SourceLine

_YAML_KEY = re.compile(r"[a-z][A-Za-z0-9-]*:(?: |$)")
_NOISE_PREFIXES = ('Defaulted container "', "Unable to use a TTY", "$ ", "kubectl ")


def parse_prepared(prepared: Prepared, source: str) -> Status:
    first = next(
        (
            line
            for line in prepared.lines
            if line.text and not line.text.startswith(_NOISE_PREFIXES)
        ),
        None,
    )
    if first is not None and first.text.partition(":")[0] in TOP_LABELS:
        # The agent's text output, as almost every paste is: no other detector can match.
        return _with_prepared_diagnostics(_text(prepared, source), prepared)
    lines = [line for line in prepared.lines if line.text]
    if not lines:
        raise StatusParseError("empty input: no cilium status output", Position(source, 1, 1))
    body = [line for line in lines if not line.text.startswith(_NOISE_PREFIXES)] or lines
    first = body[0]
    if len(body) == 1 and (first.text == "OK" or first.text.startswith("error in ")):
        return _brief(first.text, source)
    if first.text.startswith(("{", "[")):
        from ciliumdrift.parse.structured import parse_json

        status = parse_json(list(prepared.lines), source)
    elif _is_yaml(body):
        if is_configmap(body):
            status = parse_configmap(body, source)
        else:
            from ciliumdrift.parse.structured import parse_yaml

            status = parse_yaml(list(prepared.lines), source)
    elif (kind := _config(body)) is not None:
        status = parse_config(body, kind, source)
    else:
        status = _text(prepared, source)
    return _with_prepared_diagnostics(status, prepared)


def _text(prepared: Prepared, source: str) -> Status:
    from ciliumdrift.parse.text import TextParser

    return TextParser(prepared.lines, source).parse()


def _with_prepared_diagnostics(status: Status, prepared: Prepared) -> Status:
    if prepared.diagnostics:
        status = replace(status, diagnostics=prepared.diagnostics + status.diagnostics)
    return status


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
