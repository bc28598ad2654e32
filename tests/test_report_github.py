"""The GitHub Actions format: workflow commands and the Markdown step summary, through the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from maillint.cli import main
from maillint.report import github
from support import msg

LONG = msg(body=b"x" * 1000 + b"\r\n")  # LN001 error 7:999, LN002 warning 7:79
DOT = msg(body=b"Hi\r\n.\r\nbye\r\n")  # LN008 info 7:1
# HD005 quotes the field name in its message: hostile text reaches the output.
HOSTILE_NAME = msg(extra=b"X-<b>|[a](www.evil.example)%0A : v\r\n")


def invoke(*args: str, env: dict | None = None, input: bytes | None = None):
    return CliRunner().invoke(main, list(args), env=env, input=input, catch_exceptions=False)


@pytest.fixture(autouse=True)
def in_empty_folder(tmp_path, monkeypatch):
    home = tmp_path / "cwd"
    home.mkdir()
    monkeypatch.chdir(home)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)


def annotations(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("::")]


def test_one_command_per_finding_with_file_line_col_and_title(tmp_path):
    Path("long.eml").write_bytes(LONG)
    Path("dot.eml").write_bytes(DOT)
    summary = tmp_path / "summary.md"
    result = invoke(
        "check",
        "--format",
        "github",
        "long.eml",
        "dot.eml",
        env={"GITHUB_STEP_SUMMARY": str(summary)},
    )
    assert result.exit_code == 1
    assert annotations(result.stdout) == [
        "::warning file=long.eml,line=7,col=79,title=LN002 line-over-78::"
        "line is 1000 octets (limit 78)",
        "::error file=long.eml,line=7,col=999,title=LN001 line-too-long::"
        "line is 1000 octets (limit 998)",
        "::notice file=dot.eml,line=8,col=1,title=LN008 leading-dot-line::"
        "body line starts with '.'",
    ]
    assert result.stdout == "\n".join(annotations(result.stdout)) + "\n"  # nothing else


def test_properties_and_messages_are_escaped_like_the_actions_toolkit(tmp_path):
    odd = Path("a,b:c%d.eml")
    odd.write_bytes(LONG)
    result = invoke(
        "check", "--format", "github", str(odd), env={"GITHUB_STEP_SUMMARY": str(tmp_path / "s.md")}
    )
    lines = annotations(result.stdout)
    assert lines[0].startswith(
        "::warning file=a%2Cb%3Ac%25d.eml,line=7,col=79,title=LN002 line-over-78::"
    )
    assert github.escape_data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert github.escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"


def test_hostile_text_stays_inside_its_command_and_its_table_cell(tmp_path):
    Path("name.eml").write_bytes(HOSTILE_NAME)
    summary = tmp_path / "s.md"
    env = {"GITHUB_STEP_SUMMARY": str(summary)}
    result = invoke("check", "--format", "github", "--select", "HD005", "name.eml", env=env)
    (line,) = annotations(result.stdout)
    assert line.startswith("::warning file=name.eml,line=6,col=")
    assert "%250A" in line  # the message's own "%0A" cannot become a line break
    assert line.count("::") == 2
    text = summary.read_text()
    (row,) = [line for line in text.splitlines() if "HD005" in line and "name" in line]
    assert row.count(" | ") == 3  # the message's '|' is escaped: the row keeps its four cells
    assert "<b>" not in row and "\\<b\\>" in row
    assert "](" not in row and "www.evil" not in row  # no link, no autolink


def test_summary_goes_to_the_step_summary_file_appended(tmp_path):
    Path("long.eml").write_bytes(LONG)
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    invoke("check", "--format", "github", "long.eml", env={"GITHUB_STEP_SUMMARY": str(summary)})
    text = summary.read_text()
    assert text.startswith("earlier step\n## maillint\n")
    assert "**1 error, 1 warning, 0 infos** in 1 message (0 clean)" in text
    assert "| LN001 | line-too-long | 1 |" in text
    assert (
        "| long\\-line\\.eml\\:7\\:999 | error | LN001 line-too-long |" not in text
    )  # name is long.eml
    assert (
        "| long\\.eml\\:7\\:999 | error | LN001 line-too-long "
        "| line is 1000 octets \\(limit 998\\) |" in text
    )
    rows = [line for line in text.splitlines() if line.startswith("| long")]
    assert rows[0].split(" | ")[1] == "error"  # worst first


def test_without_step_summary_the_summary_follows_the_annotations():
    Path("long.eml").write_bytes(LONG)
    result = invoke("check", "--format", "github", "long.eml")
    head, _, tail = result.stdout.partition("\n\n")
    assert all(line.startswith("::") for line in head.splitlines())
    assert tail.startswith("## maillint\n")


def test_summary_lists_a_bounded_number_of_findings(tmp_path, monkeypatch):
    monkeypatch.setattr(github, "SUMMARY_ROWS", 3)
    for n in range(3):
        Path(f"m{n}.eml").write_bytes(LONG)
    summary = tmp_path / "s.md"
    result = invoke("check", "--format", "github", ".", env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert len(annotations(result.stdout)) == 6  # every finding is annotated
    text = summary.read_text()
    assert len([line for line in text.splitlines() if line.startswith("| m")]) == 3
    assert "3 more findings not listed" in text


def test_unreadable_input_and_unwritable_summary(tmp_path):
    Path("long.eml").write_bytes(LONG)
    result = invoke(
        "check",
        "--format",
        "github",
        "long.eml",
        "missing.eml",
        env={"GITHUB_STEP_SUMMARY": str(tmp_path / "no" / "such" / "dir")},
    )
    assert result.exit_code == 2
    lines = annotations(result.stdout)
    assert "::error file=missing.eml,title=maillint::no such file or directory" in lines
    assert lines[-1].startswith("::warning title=maillint::cannot write the step summary to ")


def test_clean_run_has_no_annotations_and_a_short_summary(tmp_path):
    Path("clean.eml").write_bytes(msg())
    summary = tmp_path / "s.md"
    result = invoke(
        "check", "--format", "github", "clean.eml", env={"GITHUB_STEP_SUMMARY": str(summary)}
    )
    assert result.exit_code == 0
    assert result.stdout == "\n"
    assert "**0 errors, 0 warnings, 0 infos** in 1 message (1 clean)" in summary.read_text()
