"""Hypothesis drives the loaders, parsers and renderers with the suite's assertions.

Any text: loaders and parsers raise only ciliumdrift's own errors, whose messages are one
line with no control character; every renderer's output is inert for its reader.
"""

from __future__ import annotations

import json
import re
from unittest import mock
from xml.etree import ElementTree as ET

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ciliumdrift.errors import CiliumdriftError
from ciliumdrift.model import Position
from ciliumdrift.report import escape
from ciliumdrift.report.records import Record, Records

CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
HOSTILE = st.lists(
    st.one_of(
        st.characters(),
        st.sampled_from(["\x1b", "\x9b", "\n", "\r", "::", "<", "@", "`", "|", "&", "\u202e"]),
    ),
    max_size=80,
).map("".join)
YAMLISH = st.text(
    alphabet=st.sampled_from(list("ab:- \n[]{}&*!|>'\"#%@`,?0\t\x1b\x85\ufeff<")), max_size=300
)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(HOSTILE)
def test_inline_text_is_one_line_without_controls(text: str) -> None:
    shown = escape.inline(text)
    assert CONTROL.search(shown) is None and "\n" not in shown and "\t" not in shown


@SETTINGS
@given(st.lists(HOSTILE, max_size=5))
def test_the_final_pass_leaves_no_control_and_no_workflow_command(parts: list[str]) -> None:
    text = "\n".join(parts)
    shown = escape.output(text + "\x1b[31mred\x1b[0m")
    assert CONTROL.search(shown.replace("\x1b[31m", "").replace("\x1b[0m", "")) is None
    assert not any(line.lstrip().startswith("::") for line in shown.splitlines())


@SETTINGS
@given(HOSTILE)
def test_markdown_text_is_inert(text: str) -> None:
    shown = escape.markdown(text)
    assert not re.search(r"[<>`\n\r]", shown)
    assert "@" not in shown
    code = escape.markdown_code(text)
    assert "`" not in code and "\n" not in code and CONTROL.search(code) is None


@SETTINGS
@given(HOSTILE)
def test_xml_text_is_well_formed(text: str) -> None:
    element = ET.Element("e", attribute=escape.xml_attribute(text))
    element.text = escape.xml(text)
    ET.fromstring(ET.tostring(element, encoding="unicode"))


@SETTINGS
@given(HOSTILE)
def test_error_messages_are_one_clean_line_without_credentials(text: str) -> None:
    shown = escape.message(f"https://user:{text}@host/ {text}")
    assert CONTROL.search(shown) is None and "\n" not in shown
    assert not shown.startswith("::")


def _message_is_clean(error: CiliumdriftError) -> None:
    line = escape.message(str(error))
    assert CONTROL.search(line) is None and "\n" not in line


@SETTINGS
@given(YAMLISH)
def test_yaml_loaders_raise_only_their_own_errors(text: str) -> None:
    from ciliumdrift.load.plain import load_plain_documents
    from ciliumdrift.load.yaml import load_yaml_documents

    for load in (load_yaml_documents, load_plain_documents):
        try:
            load(text, "t.yaml")
        except CiliumdriftError as error:
            _message_is_clean(error)


@SETTINGS
@given(st.binary(max_size=300))
def test_decoding_raises_only_input_errors(data: bytes) -> None:
    from ciliumdrift.textio import decode

    try:
        text = decode(data, "f")
    except CiliumdriftError as error:
        _message_is_clean(error)
    else:
        assert "\x00" not in text


@SETTINGS
@given(st.one_of(HOSTILE, YAMLISH))
def test_the_status_parser_raises_only_its_own_errors(text: str) -> None:
    import ciliumdrift

    try:
        ciliumdrift.parse_status(text, source="s.txt")
    except CiliumdriftError as error:
        _message_is_clean(error)


RECORDS = st.lists(
    st.builds(
        Record,
        rule_id=st.sampled_from(["CD001", "drift"]),
        level=st.sampled_from(["error", "warning", "note"]),
        message=HOSTILE,
        position=st.one_of(
            st.none(), st.builds(Position, HOSTILE, st.integers(1, 9), st.integers(1, 9))
        ),
        group=HOSTILE,
    ),
    max_size=4,
)


@SETTINGS
@given(RECORDS, HOSTILE)
def test_ci_renderers_are_inert_for_their_readers(records: list[Record], summary: str) -> None:
    from ciliumdrift.report import github, junit, markdown, sarif

    bundle = Records("lint", "0", (), tuple(records), (), summary)
    for module in (github, junit, markdown, sarif):
        with mock.patch.object(module, "records_of", return_value=bundle):
            text = escape.output(module.render(object()), workflow_commands=module is github)
        assert CONTROL.search(text) is None
        if module is junit:
            ET.fromstring(text.encode("utf-8"))
        elif module is sarif:
            json.loads(text)
        elif module is github:
            for line in text.splitlines():
                assert re.match(r"^::(error|warning|notice) ", line), line
        else:
            prose = re.sub(r"`[^`\n]*`", "", text)
            assert "<" not in prose and "@" not in prose
