"""SARIF 2.1.0 for GitHub code scanning (and any SARIF viewer).

Follows the properties GitHub reads (its docs page "SARIF support for code scanning",
https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/):
rules with short and full descriptions and help (text and Markdown, the rule URL repeated
inside because GitHub does not show ``helpUri``), results with a level, a message, one
physical location with a region (line and column) and ``partialFingerprints`` that do not
depend on the line number, and ``automationDetails.id`` to keep lint, check and impact
analyses apart.
"""

from __future__ import annotations

import json
from typing import Any

from ciliumdrift.report.records import Record, Records, artifact_uri, records_of

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/ciliumdrift/ciliumdrift"


def render(report: Any, **_options: Any) -> str:
    return json.dumps(sarif_log(records_of(report)), indent=2, ensure_ascii=False) + "\n"


def sarif_log(records: Records) -> dict[str, Any]:
    index = {rule.id: i for i, rule in enumerate(records.rules)}
    driver: dict[str, Any] = {
        "name": "ciliumdrift",
        "informationUri": INFORMATION_URI,
        "rules": [
            {
                "id": rule.id,
                "name": rule.name,
                "shortDescription": {"text": rule.summary[:1024] or rule.id},
                "fullDescription": {"text": rule.description or rule.summary or rule.id},
                "help": {
                    "text": _plain(rule.help_markdown) or rule.summary,
                    "markdown": rule.help_markdown,
                },
                "helpUri": rule.url,
                "defaultConfiguration": {"level": rule.level},
                "properties": {
                    "tags": list(rule.tags),
                    "precision": "high",
                    "problem.severity": {"error": "error", "warning": "warning"}.get(
                        rule.level, "recommendation"
                    ),
                },
            }
            for rule in records.rules
        ],
    }
    if records.tool_version:
        driver["version"] = records.tool_version
        driver["semanticVersion"] = records.tool_version
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "automationDetails": {"id": f"ciliumdrift/{records.kind}/"},
        "columnKind": "unicodeCodePoints",
        "results": [_result(record, index) for record in records.records],
    }
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def _result(record: Record, index: dict[str, int]) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": record.rule_id,
        "level": record.level,
        "message": {"text": record.message},
        "partialFingerprints": {
            "primaryLocationLineHash": record.fingerprint,
            "ciliumdrift/v1": record.fingerprint,
        },
    }
    if record.rule_id in index:
        result["ruleIndex"] = index[record.rule_id]
    if record.position is not None:
        position = record.position
        length = len(record.subject.split(".")[-1]) if record.subject else 1
        result["locations"] = [
            {
                "physicalLocation": {
                    "artifactLocation": {
                        "uri": artifact_uri(position.file),
                        "uriBaseId": "%SRCROOT%",
                    },
                    "region": {
                        "startLine": max(1, position.line),
                        "startColumn": max(1, position.column),
                        "endLine": max(1, position.line),
                        "endColumn": max(1, position.column) + max(1, length),
                    },
                }
            }
        ]
    properties: dict[str, Any] = {"group": record.group}
    if record.subject:
        properties["subject"] = record.subject
    result["properties"] = properties
    return result


def _plain(markdown: str) -> str:
    return markdown.replace("```yaml", "").replace("```", "").strip()
