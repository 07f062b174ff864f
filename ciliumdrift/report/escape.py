"""Neutralise text from input at every output boundary: one module, one set of rules.

Anything read from a file, a cluster or a sysdump (values keys and values, status text, node
and pod names, file names, API error messages, agent stderr) may hold bytes meant for
whoever reads the output: a terminal (ESC/CSI/OSC sequences: OSC 52 writes the clipboard,
RIS resets the screen), a GitHub Actions runner (a line that starts with ``::`` is a
workflow command), a Markdown renderer (raw HTML, ``@team`` mentions, ``</details>``,
backtick break-outs) or an XML parser (characters XML 1.0 forbids). Each renderer calls
the function for its boundary; :func:`output` is the last pass over everything printed.

Escapes are visible and reversible by a reader: ``\\u001b``, ``\\n``, ``\\u009b`` (the
JSON spelling, so the final pass over a JSON document keeps it valid and equal).
"""

from __future__ import annotations

import re

from ciliumdrift.regex import lazy_pattern

# C0 controls, DEL, C1 controls (0x80-0x9f: 0x9b is an 8-bit CSI), Unicode line and
# paragraph separators, and the bidirectional overrides that reorder text on screen.
_CONTROL = lazy_pattern("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# The same minus newline and tab: the layout characters of a whole rendered output.
_CONTROL_IN_OUTPUT = lazy_pattern(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
# Our own colour codes (SGR) survive the final pass; every other escape sequence does not.
_OWN_SGR = lazy_pattern(r"\x1b\[[0-9;]{0,32}m")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# A runner trims any leading whitespace (Unicode too: a no-break space) before `::`.
_WORKFLOW_COMMAND = lazy_pattern(r"^([^\S\n]*):(?=:)", re.MULTILINE)
_URL_CREDENTIALS = lazy_pattern(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@:]*(?::[^/\s@]*)?@")
# XML 1.0 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].
_XML_ILLEGAL = lazy_pattern("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _visible(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named is not None:
        return named
    # \uXXXX rather than \xXX: the same escape is valid inside a JSON string.
    return f"\\u{ord(char):04x}"


def inline(text: object) -> str:
    """One field on one line: every control character visible (newlines as ``\\n``)."""
    value = str(text)
    return _CONTROL.sub(_visible, value) if _CONTROL.search(value) else value


def terminal(text: object) -> str:
    """Multi-line text for a terminal: control characters visible, newlines and tabs kept."""
    value = str(text)
    return _CONTROL_IN_OUTPUT.sub(_visible, value) if _CONTROL_IN_OUTPUT.search(value) else value


def mask_credentials(text: str) -> str:
    """``https://user:secret@host`` -> ``https://***@host`` (any scheme)."""
    return _URL_CREDENTIALS.sub(r"\1***@", text) if "@" in text else text


def message(text: object) -> str:
    """An error message for stderr: one line, no control characters, no URL credentials."""
    line = mask_credentials(inline(" ".join(str(text).split())))
    return "\\u003a" + line[1:] if line.startswith("::") else line


def output(text: str, *, workflow_commands: bool = False) -> str:
    """The last pass over a whole rendered output before it is written.

    Control characters other than newline and tab become visible (our own SGR colour codes
    stay); unless the output *is* workflow commands (``--format github``), a line that
    would start with ``::`` gets its first colon escaped, so no runner executes it.
    """
    if "\x1b" in text:
        pieces = _OWN_SGR.split(text)
        codes = _OWN_SGR.findall(text)
        safe = [terminal(piece) for piece in pieces]
        text = "".join(p + c for p, c in zip(safe, [*codes, ""], strict=True))
    else:
        text = terminal(text)
    if not workflow_commands and "::" in text:
        text = _WORKFLOW_COMMAND.sub(r"\1\\u003a", text)
    return text


# --- Markdown --------------------------------------------------------------------------------

_MARKDOWN_SPECIAL = lazy_pattern(r"[\\`*_\[\]<>&|~@!#]")
_MARKDOWN_ENTITY = {
    "<": "&lt;",
    ">": "&gt;",
    "&": "&amp;",
    "@": "&#64;",  # no @user / @org/team mention, no email autolink
    "`": "&#96;",
    "|": "\\|",
}


def markdown(text: object) -> str:
    """Text inside a Markdown paragraph or table cell: inert, on one line.

    HTML is shown, not rendered (``</details>`` cannot close our block); ``@`` never
    mentions; backticks cannot open code; emphasis, links, images and table pipes are
    escaped; control characters (CR included) are visible.
    """
    value = inline(text)
    return _MARKDOWN_SPECIAL.sub(lambda m: _MARKDOWN_ENTITY.get(m.group(), "\\" + m.group()), value)


def markdown_code(text: object) -> str:
    """Text for inside a backtick code span: a backtick cannot end it, a pipe cannot end
    a table cell, and no control character or raw HTML-significant newline remains."""
    return inline(text).replace("`", "\u02cb").replace("|", "\\|")


# --- XML (JUnit) -----------------------------------------------------------------------------


def xml(text: object) -> str:
    """Text XML 1.0 can hold: forbidden characters shown as escapes (ElementTree escapes
    ``<&>`` itself); ESC and the other controls visible too."""
    value = terminal(text)
    return _XML_ILLEGAL.sub(_visible, value) if _XML_ILLEGAL.search(value) else value


def xml_attribute(text: object) -> str:
    """An XML attribute value on one line."""
    return xml(inline(text))


# --- GitHub workflow commands ----------------------------------------------------------------


def github_data(text: object) -> str:
    """A workflow command's message (actions/toolkit ``escapeData``), controls visible."""
    value = str(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return terminal(value)


def github_property(text: object) -> str:
    """A workflow command property (actions/toolkit ``escapeProperty``)."""
    return github_data(text).replace(":", "%3A").replace(",", "%2C")
