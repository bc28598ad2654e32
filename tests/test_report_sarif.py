"""The SARIF 2.1.0 format, through the CLI, validated against the OASIS schema.

tests/data/sarif-schema-2.1.0.json is the OASIS SARIF 2.1.0 schema as SchemaStore
publishes it (``$id`` .../sarif-spec/master/Schemata/sarif-schema-2.1.0.json).
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from maillint.cli import main
from maillint.registry import all_rules
from support import msg

SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text())

LONG = msg(body=b"x" * 1000 + b"\r\n")  # LN001 error 7:999, LN002 warning 7:79
DOT = msg(body=b"Hi\r\n.\r\nbye\r\n")  # LN008 info 7:1
BAD_FIELD = msg(extra=b"Subject : second\r\n")  # HD005 (field Subject), HD009


def invoke(*args: str, env: dict | None = None):
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


@pytest.fixture(autouse=True)
def in_empty_folder(tmp_path, monkeypatch):
    home = tmp_path / "cwd"
    home.mkdir()
    monkeypatch.chdir(home)


@pytest.fixture
def inbox(tmp_path):
    folder = tmp_path / "cwd" / "inbox"
    folder.mkdir()
    (folder / "long.eml").write_bytes(LONG)
    (folder / "dot.eml").write_bytes(DOT)
    (folder / "field.eml").write_bytes(BAD_FIELD)
    mbox = b"From a@example.com Mon Jan  1 00:00:00 2024\n" + LONG.replace(b"\r\n", b"\n")
    (folder / "box.mbox").write_bytes(mbox)
    return folder


def sarif_of(*args: str) -> dict:
    result = invoke("check", "--format", "sarif", *args)
    assert result.exit_code in (0, 1, 2), result.output
    return json.loads(result.stdout)


def json_of(*args: str) -> dict:
    return json.loads(invoke("check", "--format", "json", *args).stdout)


def validate(document: dict) -> None:
    validator = jsonschema.Draft7Validator(SCHEMA)
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


def test_document_is_valid_sarif_2_1_0_with_one_run(inbox):
    document = sarif_of("inbox")
    validate(document)
    assert document["version"] == "2.1.0"
    assert len(document["runs"]) == 1
    run = document["runs"][0]
    assert run["tool"]["driver"]["name"] == "maillint"
    assert run["invocations"][0]["executionSuccessful"] is True


def test_every_rule_is_described_from_the_registry():
    document = sarif_of(str(Path(__file__)))  # any file: the rules do not depend on it
    validate(document)
    rules = document["runs"][0]["tool"]["driver"]["rules"]
    registry = all_rules()
    assert [r["id"] for r in rules] == list(registry)
    levels = {"error": "error", "warning": "warning", "info": "note"}
    for descriptor in rules:
        rule = registry[descriptor["id"]]
        assert descriptor["name"] == rule.name
        assert descriptor["shortDescription"]["text"] == rule.summary
        assert descriptor["fullDescription"]["text"].startswith("What it does")
        assert descriptor["defaultConfiguration"]["level"] == levels[str(rule.severity)]
        assert rule.code in descriptor["help"]["text"]


def test_results_match_the_json_findings_with_locations_and_levels(inbox):
    run = sarif_of("inbox")["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    findings = [f for r in json_of("inbox")["results"] for f in r["findings"]]
    assert len(run["results"]) == len(findings) > 0
    levels = {"error": "error", "warning": "warning", "info": "note"}
    for result, finding in zip(run["results"], findings, strict=True):
        assert result["ruleId"] == finding["code"]
        assert rules[result["ruleIndex"]]["id"] == finding["code"]
        assert result["level"] == levels[finding["severity"]]
        assert result["message"]["text"] == finding["message"]
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"] == finding["path"]  # relative, as given
        assert location["region"] == {
            "startLine": finding["line"],
            "startColumn": finding["column"],
            "byteOffset": finding["offset"],
        }
    got = {(r["ruleId"], r["level"]) for r in run["results"]}
    assert {("LN001", "error"), ("LN002", "warning"), ("LN008", "note")} <= got


def test_mbox_results_point_at_the_line_of_the_file(inbox):
    run = sarif_of("inbox/box.mbox")["runs"][0]
    (long_line,) = [r for r in run["results"] if r["ruleId"] == "LN001"]
    assert long_line["locations"][0]["physicalLocation"]["region"]["startLine"] == 8
    assert long_line["properties"]["mboxMessage"] == 1


def test_field_and_part_are_kept(inbox):
    run = sarif_of("inbox/field.eml")["runs"][0]
    (spaced,) = [r for r in run["results"] if r["ruleId"] == "HD005"]
    assert spaced["properties"]["field"] == "Subject"
    assert spaced["locations"][0]["logicalLocations"] == [{"fullyQualifiedName": "field Subject"}]


def test_uris_absolute_odd_names_and_stdin(tmp_path):
    odd = tmp_path / "a dir" / "100% #1.eml"
    odd.parent.mkdir()
    odd.write_bytes(LONG)
    document = sarif_of(str(odd))
    validate(document)
    uri = document["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert uri["artifactLocation"]["uri"] == odd.as_uri()
    assert "%25%20%231.eml" in odd.as_uri()

    result = CliRunner().invoke(main, ["check", "--format", "sarif", "-"], input=LONG)
    document = json.loads(result.stdout)
    validate(document)
    location = document["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "stdin"


def test_unreadable_input_is_a_notification_and_the_run_not_successful(inbox):
    result = invoke("check", "--format", "sarif", "inbox/long.eml", "missing.eml")
    assert result.exit_code == 2
    document = json.loads(result.stdout)
    validate(document)
    invocation = document["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    (note,) = invocation["toolExecutionNotifications"]
    assert note["level"] == "error"
    assert note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "missing.eml"


def test_clean_run_is_valid_with_no_results(tmp_path):
    clean = tmp_path / "clean.eml"
    clean.write_bytes(msg())
    document = sarif_of(str(clean))
    validate(document)
    assert document["runs"][0]["results"] == []


def test_several_outputs_in_one_run(inbox):
    Path("out").mkdir()
    result = invoke(
        "check",
        "inbox",
        "--output-format",
        "sarif:out/report.sarif",
        "--output-format",
        "json:report.json",
        "--output-format",
        "html:report.html",
    )
    assert result.exit_code == 1  # LN001 is an error
    assert "LN001 [error]" in result.stdout  # the text format on the terminal, as usual
    sarif = json.loads(Path("out/report.sarif").read_text())
    validate(sarif)
    report = json.loads(Path("report.json").read_text())
    findings = [f for r in report["results"] for f in r["findings"]]
    assert len(sarif["runs"][0]["results"]) == len(findings)
    page = Path("report.html").read_text()
    assert page.startswith("<!DOCTYPE html>")
    assert page.count('<div class="fa f s-') == len(findings)  # every finding marked in the source


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("sarif", "expected FORMAT:PATH"),
        ("sarif:", "expected FORMAT:PATH"),
        ("pdf:report.pdf", "unknown format 'pdf'"),
    ],
)
def test_bad_output_format_is_a_usage_error(inbox, value, error):
    result = CliRunner().invoke(main, ["check", "inbox", "--output-format", value])
    assert result.exit_code == 2
    assert error in result.output


def test_unwritable_output_path_is_an_error(inbox):
    result = CliRunner().invoke(
        main, ["check", "inbox", "--output-format", "sarif:nowhere/x.sarif"]
    )
    assert result.exit_code == 2
    assert "nowhere/x.sarif: cannot write" in result.output
