"""The maillint command, through click's runner and, where it matters, the real script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from maillint.cli import main
from maillint.registry import all_rules
from support import msg

CLEAN = msg()
LONG = msg(body=b"x" * 1000 + b"\r\n")  # LN001 error at 7:999, LN002 warning at 7:79
WARN_ONLY = msg(body=b"y" * 90 + b"\r\n")  # LN002 warning only


def invoke(*args: str, input: bytes | None = None, env: dict | None = None):
    return CliRunner().invoke(main, list(args), input=input, env=env, catch_exceptions=False)


@pytest.fixture
def files(tmp_path):
    (tmp_path / "clean.eml").write_bytes(CLEAN)
    (tmp_path / "long.eml").write_bytes(LONG)
    (tmp_path / "warn.eml").write_bytes(WARN_ONLY)
    return tmp_path


@pytest.fixture(autouse=True)
def no_config(tmp_path, monkeypatch):
    """Run from an empty folder, so no configuration file of the checkout applies."""
    home = tmp_path / "cwd"
    home.mkdir()
    monkeypatch.chdir(home)
    for name in ("NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)


def test_clean_file_exits_zero_with_summary(files):
    result = invoke("check", str(files / "clean.eml"))
    assert result.exit_code == 0
    assert result.stdout.strip() == (
        "Found 0 problems (0 errors, 0 warnings, 0 infos) in 1 message (1 clean)."
    )


def test_error_is_reported_like_a_compiler_and_exits_one(files):
    path = files / "long.eml"
    result = invoke("check", str(path))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == f"{path}:7:79: LN002 [warning] line is 1000 octets (limit 78) (line-over-78)"
    assert (
        lines[1] == f"{path}:7:999: LN001 [error] line is 1000 octets (limit 998) (line-too-long)"
    )
    assert lines[-1].startswith("Found 2 problems (1 error, 1 warning, 0 infos) in 1 message")


def test_fail_on_and_exit_zero(files):
    warn = str(files / "warn.eml")
    assert invoke("check", warn).exit_code == 0
    assert invoke("check", "--fail-on", "warning", warn).exit_code == 1
    assert invoke("check", "--fail-on", "warning", "--exit-zero", warn).exit_code == 0


def test_json_document(files):
    result = invoke("check", "--format", "json", str(files / "clean.eml"), str(files / "long.eml"))
    document = json.loads(result.stdout)
    assert document["summary"] == {
        "messages": 2,
        "error": 1,
        "warning": 1,
        "info": 0,
        "unreadable": 0,
    }
    first, second = document["results"]
    assert first["findings"] == []
    assert [(f["code"], f["line"], f["column"]) for f in second["findings"]] == [
        ("LN002", 7, 79),
        ("LN001", 7, 999),
    ]
    finding = second["findings"][1]
    assert finding["path"] == str(files / "long.eml")
    assert {"code", "name", "severity", "message", "line", "column", "offset"} <= finding.keys()
    assert finding["offset"] == LONG.index(b"x" * 1000) + 998


def test_output_file(files, tmp_path):
    out = tmp_path / "report.json"
    result = invoke("check", "--format", "json", "-o", str(out), str(files / "long.eml"))
    assert result.stdout == "" and result.exit_code == 1
    assert json.loads(out.read_text())["summary"]["error"] == 1


def test_folder_is_walked_for_eml_and_suffixless_files(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.eml").write_bytes(LONG)
    (tmp_path / "sub" / "b").write_bytes(LONG)
    (tmp_path / "notes.txt").write_bytes(LONG)
    (tmp_path / ".hidden.eml").write_bytes(LONG)
    result = invoke("check", "--format", "json", str(tmp_path))
    paths = [r["path"] for r in json.loads(result.stdout)["results"]]
    assert paths == [str(tmp_path / "sub" / "a.eml"), str(tmp_path / "sub" / "b")]


def test_maildir(tmp_path):
    for sub in ("cur", "new", "tmp"):
        (tmp_path / sub).mkdir()
    (tmp_path / "cur" / "1700000000.M1P2.host:2,S").write_bytes(LONG)
    (tmp_path / "new" / "1700000001.M3P4.host").write_bytes(CLEAN)
    result = invoke("check", "--format", "json", str(tmp_path))
    assert len(json.loads(result.stdout)["results"]) == 2


def test_mbox_gives_one_result_per_message_with_file_line_numbers(tmp_path):
    one = CLEAN.replace(b"\r\n", b"\n")
    two = LONG.replace(b"\r\n", b"\n")
    mbox = b"From alice@example.com Mon Jan  1 00:00:00 2024\n" + one + b"\n"
    second_start = mbox.count(b"\n") + 2  # the second message's first line in the file
    mbox += b"From bob@example.org Mon Jan  1 00:00:01 2024\n" + two + b"\n"
    path = tmp_path / "box.mbox"
    path.write_bytes(mbox)
    result = invoke("check", "--format", "json", str(path))
    first, second = json.loads(result.stdout)["results"]
    assert (first["index"], second["index"]) == (1, 2)
    assert first["line_endings"] == "stored"
    assert second["first_line"] == second_start
    long_line = second_start + 6
    codes = [(f["code"], f["line"], f["column"]) for f in second["findings"]]
    assert ("LN001", long_line, 999) in codes
    finding = next(f for f in second["findings"] if f["code"] == "LN001")
    assert mbox[finding["offset"] - 998 : finding["offset"]] == b"x" * 998


def test_stdin_with_a_name():
    result = invoke("check", "--stdin-filename", "piped.eml", "-", input=LONG)
    assert result.exit_code == 1
    assert result.stdout.startswith("piped.eml:7:79: LN002")


def test_missing_input_is_one_error_line_and_others_are_linted(files):
    result = invoke("check", str(files / "nope.eml"), str(files / "long.eml"))
    assert result.exit_code == 2
    assert result.stderr == f"maillint: error: {files / 'nope.eml'}: no such file or directory\n"
    assert "LN001" in result.stdout


def test_broken_symlink_in_folder_is_an_io_error(tmp_path):
    (tmp_path / "good.eml").write_bytes(LONG)
    os.symlink(tmp_path / "gone", tmp_path / "dangling.eml")
    result = invoke("check", str(tmp_path))
    assert result.exit_code == 2
    assert "dangling.eml" in result.stderr and "LN001" in result.stdout


def test_select_ignore_and_unknown_code(files):
    path = str(files / "long.eml")
    assert "LN002" not in invoke("check", "--select", "LN001", path).stdout
    assert "LN001" not in invoke("check", "--ignore", "LN001", path).stdout
    result = invoke("check", "--ignore", "LNX", path)
    assert result.exit_code == 2 and "unknown rule code or prefix 'LNX'" in result.stderr


def test_statistics_and_quiet(files):
    path = str(files / "long.eml")
    result = invoke("check", "--statistics", path, path)
    assert "      2  LN001  line-too-long" in result.stdout.splitlines()
    quiet = invoke("check", "-q", path)
    assert "Found" not in quiet.stdout and quiet.exit_code == 1


def test_colour_choices(files):
    path = str(files / "long.eml")
    assert "\x1b[" in invoke("check", "--color", "always", path).stdout
    assert "\x1b[" not in invoke("check", "--color", "never", path).stdout
    assert "\x1b[" not in invoke("check", path).stdout  # not a terminal
    assert "\x1b[" in invoke("check", path, env={"FORCE_COLOR": "1"}).stdout
    assert "\x1b[" not in invoke("check", path, env={"FORCE_COLOR": "1", "NO_COLOR": "1"}).stdout


def test_line_endings_option(tmp_path):
    path = tmp_path / "unix.eml"
    path.write_bytes(CLEAN.replace(b"\r\n", b"\n"))
    assert invoke("check", str(path)).exit_code == 0
    wire = invoke("check", "--line-endings", "wire", str(path))
    assert wire.exit_code == 1 and "LN003 [error]" in wire.stdout


def test_parallel_run_matches_serial_run(tmp_path):
    for number in range(40):
        (tmp_path / f"m{number:02}.eml").write_bytes(LONG if number % 3 else CLEAN)
    serial = invoke("check", "-j", "1", str(tmp_path))
    parallel = invoke("check", "-j", "2", str(tmp_path))
    assert serial.stdout == parallel.stdout and serial.exit_code == parallel.exit_code == 1
    assert serial.stdout.count("LN001") == 26


def test_config_file_is_found_upwards(files, tmp_path, monkeypatch):
    project = tmp_path / "project"
    (project / "deep").mkdir(parents=True)
    (project / ".maillint.toml").write_text(
        'ignore = ["LN002"]\nfail-on = "warning"\n[rules.LN001]\nmax-octets = 2000\n'
    )
    monkeypatch.chdir(project / "deep")
    result = invoke("check", str(files / "long.eml"), str(files / "warn.eml"))
    assert "LN00" not in result.stdout
    assert result.exit_code == 0
    assert invoke("check", "--isolated", str(files / "long.eml")).exit_code == 1


def test_pyproject_tool_section(files, tmp_path, monkeypatch):
    project = tmp_path / "py"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        '[tool.maillint]\nselect = ["LN002"]\nfail-on = "warning"\n'
    )
    monkeypatch.chdir(project)
    result = invoke("check", str(files / "long.eml"))
    assert "LN002" in result.stdout and "LN001" not in result.stdout
    assert result.exit_code == 1


def test_bad_config_is_a_clear_error(tmp_path, monkeypatch, files):
    (tmp_path / "cwd" / ".maillint.toml").write_text('fail_on = "warning"\n')
    result = invoke("check", str(files / "clean.eml"))
    assert result.exit_code == 2
    assert ".maillint.toml:1: unknown key 'fail_on'" in result.stderr


def test_rules_explain_profiles():
    rules = invoke("rules")
    lines = rules.stdout.splitlines()
    assert lines == sorted(lines) and len(lines) == len(all_rules())
    assert any(line.startswith("LN001  error    line-too-long  ") for line in lines)
    explained = invoke("explain", "ln007")
    assert explained.stdout.startswith("LN007 smtp-smuggling-sequence [error]")
    assert "Why it matters:" in explained.stdout and "text\\n" in explained.stdout
    assert invoke("explain", "line-too-long").stdout.startswith("LN001")
    unknown = invoke("explain", "ZZ999")
    assert unknown.exit_code == 2 and "unknown rule" in unknown.stderr
    assert invoke("profiles").stdout.startswith("default")


def test_installed_script_finds_its_profiles(tmp_path):
    """The console script, run away from the checkout, lists the profiles the wheel carries."""
    script = Path(sys.executable).with_name("maillint")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "maillint"]
    result = subprocess.run([*command, "profiles"], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("default ")


def test_python_dash_m_and_real_exit_status(files, tmp_path):
    env = {**os.environ, "NO_COLOR": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "maillint", "check", str(files / "long.eml")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 1 and "LN001" in result.stdout


# --- folders of messages with other names: --include, and the note ------------------


def txt_folder(tmp_path):
    """A folder as the stdlib's test messages are kept: *.txt, and one .eml."""
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "msg_01.txt").write_bytes(LONG)
    (folder / "msg_02.txt").write_bytes(LONG)
    (folder / "image.png").write_bytes(b"\x89PNG\r\n")
    return folder


def test_a_folder_of_txt_messages_gets_a_note_not_silence(tmp_path):
    folder = txt_folder(tmp_path)
    result = invoke("check", "--isolated", str(folder))
    assert result.exit_code == 0
    assert "in 0 messages" in result.stdout
    assert result.stderr.startswith(f"maillint: note: no message files found in {folder}: ")
    assert "--include GLOB" in result.stderr


def test_include_adds_file_names_to_the_folder_walk(tmp_path):
    folder = txt_folder(tmp_path)
    result = invoke("check", "--isolated", "--include", "*.txt", str(folder))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    linted = sorted({line.split(":")[0] for line in lines if ": LN001" in line})
    assert linted == [str(folder / "msg_01.txt"), str(folder / "msg_02.txt")]
    assert "note:" not in result.stderr


def test_include_in_the_configuration_file_and_on_the_command_line_add_up(tmp_path):
    folder = txt_folder(tmp_path)
    (folder / "msg_03.msg").write_bytes(LONG)
    config = tmp_path / ".maillint.toml"
    config.write_text('include = ["*.txt"]\n', encoding="utf-8")
    result = invoke("check", "--config", str(config), "--include", "*.msg", "-q", str(folder))
    names = {Path(line.split(":")[0]).name for line in result.stdout.splitlines()}
    assert names == {"msg_01.txt", "msg_02.txt", "msg_03.msg"}
    config.write_text("include = [1]\n", encoding="utf-8")
    bad = invoke("check", "--config", str(config), str(folder))
    assert bad.exit_code == 2 and "'include' must be a list of file name globs" in bad.stderr
