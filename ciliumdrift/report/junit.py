"""JUnit XML: one test case per rule (or fact) and file (or node), failing ones included.

Readable by GitHub test-report actions, GitLab (which shows ``classname`` as the suite and
ignores ``failure@message``, so the message is also the element text) and Jenkins
(testsuite ``name tests failures errors skipped time``; testcase ``name classname time``).
"""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

from ciliumdrift.report.escape import inline, xml, xml_attribute
from ciliumdrift.report.records import Record, artifact_uri, records_of


def render(report: Any, **_options: Any) -> str:
    records = records_of(report)
    failing: dict[tuple[str, str], list[Record]] = {}
    for record in records.records:
        failing.setdefault((record.rule_id, record.group), []).append(record)
    cases = list(dict.fromkeys([*records.cases, *failing]))
    failures = sum(1 for case in cases if any(r.level != "note" for r in failing.get(case, ())))
    suites = ET.Element(
        "testsuites",
        name=f"ciliumdrift {records.kind}",
        tests=str(len(cases)),
        failures=str(failures),
        errors="0",
        time="0",
    )
    suite = ET.SubElement(
        suites,
        "testsuite",
        name=f"ciliumdrift {records.kind}",
        tests=str(len(cases)),
        failures=str(failures),
        errors="0",
        skipped="0",
        time="0",
    )
    for rule_id, group in cases:
        rule = records.rule(rule_id)
        name = rule_id if rule is None or rule.name == rule_id else f"{rule_id} {rule.name}"
        attributes = {
            "classname": xml_attribute(f"ciliumdrift.{records.kind}.{_group(group)}"),
            "name": xml_attribute(f"{name} [{group}]"),
            "time": "0",
        }
        found = failing.get((rule_id, group), [])
        positioned = next((r.position for r in found if r.position is not None), None)
        if positioned is not None:
            attributes["file"] = xml_attribute(artifact_uri(positioned.file))
            attributes["line"] = str(positioned.line)
        case = ET.SubElement(suite, "testcase", attributes)
        problems = [r for r in found if r.level != "note"]
        notes = [r for r in found if r.level == "note"]
        if problems:
            failure = ET.SubElement(
                case, "failure", message=xml_attribute(problems[0].message), type=rule_id
            )
            failure.text = "\n".join(xml(_describe(r)) for r in problems)
        if notes:
            out = ET.SubElement(case, "system-out")
            out.text = "\n".join(xml(_describe(r)) for r in notes)
    ET.indent(suites)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
    )


def _group(group: str) -> str:
    return group.replace("/", ".").replace("\\", ".").strip(".") or "cluster"


def _describe(record: Record) -> str:
    """One line per result: a newline from input stays escaped inside it."""

    where = f"{record.position}: " if record.position is not None else ""
    return inline(f"{where}{record.level}: {record.message}")
