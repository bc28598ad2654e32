"""The SARIF 2.1.0 format, for code-scanning dashboards (GitHub code scanning and others).

One run: the tool's every rule (id, name, short and full description, default
level, help), every finding as a result with its rule, level, message and
location (artifact URI, start line and column, byte offset), and the inputs
that could not be read as notifications of the run's invocation.

Columns: maillint counts columns in octets, the one unit that is unambiguous in
a message whose charset may be unknown.  SARIF has no octet column kind, so the
run says ``unicodeCodePoints`` (the same number on every ASCII line, which is
every line a standard message may hold) and each region also gives
``byteOffset``, which is exact.
"""

from __future__ import annotations

import json
import posixpath
from pathlib import PurePath
from typing import TYPE_CHECKING
from urllib.parse import quote

from maillint.explain import explain
from maillint.findings import Finding, Severity
from maillint.registry import Rule, all_rules

if TYPE_CHECKING:
    from maillint.report import RenderOptions
    from maillint.runner import Results

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def artifact_uri(path: str) -> str:
    """A file path as a SARIF artifact URI: relative paths stay relative (to the checkout)."""
    if path == "-" or not path:
        return "stdin"
    pure = PurePath(path)
    if pure.is_absolute():
        return pure.as_uri()
    posix = posixpath.normpath(pure.as_posix())
    return quote(posix, safe="/")


def _rule_descriptor(rule: Rule) -> dict[str, object]:
    doc = " ".join(rule.doc.split()) or rule.summary
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": doc},
        "help": {"text": explain(rule)},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {
            "tags": [rule.family],
            "references": list(rule.references),
        },
    }


def _result(finding: Finding, rule_index: dict[str, int], report_index: int | None) -> dict:
    location: dict[str, object] = {
        "physicalLocation": {
            "artifactLocation": {"uri": artifact_uri(finding.path)},
            "region": {
                "startLine": max(finding.line, 1),
                "startColumn": max(finding.column, 1),
                "byteOffset": max(finding.offset, 0),
            },
        }
    }
    where = []
    if finding.part:
        where.append(f"part {finding.part}")
    if finding.field:
        where.append(f"field {finding.field}")
    if where:
        location["logicalLocations"] = [{"fullyQualifiedName": ", ".join(where)}]
    result: dict[str, object] = {
        "ruleId": finding.code,
        "level": LEVELS[finding.severity],
        "message": {"text": finding.message},
        "locations": [location],
    }
    if finding.code in rule_index:
        result["ruleIndex"] = rule_index[finding.code]
    properties: dict[str, object] = {"name": finding.name}
    if report_index is not None:
        properties["mboxMessage"] = report_index
    if finding.field:
        properties["field"] = finding.field
    if finding.part:
        properties["part"] = finding.part
    result["properties"] = properties
    return result


def to_dict(results: Results) -> dict[str, object]:
    """The SARIF log as plain data."""
    from maillint import __version__

    rules = list(all_rules().values())
    rule_index = {rule.code: i for i, rule in enumerate(rules)}
    sarif_results = [
        _result(finding, rule_index, report.index)
        for report in results.reports
        for finding in report.findings
    ]
    notifications = [
        {
            "level": "error",
            "message": {"text": error.message},
            "locations": [
                {"physicalLocation": {"artifactLocation": {"uri": artifact_uri(error.path)}}}
            ],
        }
        for error in results.errors
    ]
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "maillint",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": [_rule_descriptor(rule) for rule in rules],
                    }
                },
                "invocations": [
                    {
                        "executionSuccessful": not results.errors,
                        "toolExecutionNotifications": notifications,
                    }
                ],
                "columnKind": "unicodeCodePoints",
                "results": sarif_results,
                "properties": {"profile": results.profile},
            }
        ],
    }


def render(results: Results, options: RenderOptions) -> str:
    """The SARIF log as indented JSON, one trailing newline."""
    return json.dumps(to_dict(results), indent=2, ensure_ascii=False) + "\n"
