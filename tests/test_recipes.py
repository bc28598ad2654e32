"""The README's recipes for other languages, run as written: shell, Perl's Net::SMTP, pre-commit.

The shell and Perl code is taken from the README itself, so the documentation
cannot drift from what is tested.  Servers run on 127.0.0.1 on a free port.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from smtp_support import WAIT, Lines

from support import msg

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
BIN = Path(sys.executable).parent  # where the maillint script is installed
CLEAN = msg().replace(b"\r\n", b"\n")  # as saved on disk
LONG = msg(body=b"x" * 1000 + b"\r\n").replace(b"\r\n", b"\n")


def section(title: str) -> str:
    start = README.index(f"\n## {title}\n")
    return README[start : README.index("\n## ", start + 1)]


SENDING = section("Sending from scripts: API, smtplib, serve")


def code_block(language: str, containing: str) -> str:
    blocks = re.findall(rf"```{language}\n(.*?)```", SENDING, re.S)
    found = [b for b in blocks if containing in b]
    assert len(found) == 1, f"one {language} block with {containing!r} in the README"
    return found[0]


def test_the_section_comes_right_before_rules():
    headings = re.findall(r"^## (.+)$", README, re.M)
    where = headings.index("Sending from scripts: API, smtplib, serve")
    # Only the section on `maillint fix` (issue 7) stands between it and the rule table.
    following = [h for h in headings[where + 1 :] if h != "Fixing: maillint fix"]
    assert following[0] == "Rules"


# ---------------------------------------------------------------- shell


@pytest.fixture
def shell_env(tmp_path):
    """A fake sendmail on PATH that keeps what it is given, and the real maillint."""
    if shutil.which("bash") is None:
        pytest.skip("bash is not installed")
    fake = tmp_path / "bin"
    fake.mkdir()
    sendmail = fake / "sendmail"
    sendmail.write_text('#!/bin/sh\ncat > "$SENT"\n', encoding="utf-8")
    sendmail.chmod(0o755)
    env = dict(os.environ, PATH=f"{fake}{os.pathsep}{BIN}{os.pathsep}{os.environ['PATH']}")
    env["SENT"] = str(tmp_path / "sent.eml")
    assert shutil.which("maillint", path=env["PATH"]), "the maillint script is not installed"
    return env


@pytest.mark.parametrize(("message", "status"), [(CLEAN, 0), (LONG, 1)], ids=["clean", "long"])
def test_shell_pre_send_hook(tmp_path, shell_env, message, status):
    recipe = code_block("sh", "maillint check --fail-on error -").strip()
    assert recipe == "maillint check --fail-on error - < message.eml && sendmail -t < message.eml"
    (tmp_path / "message.eml").write_bytes(message)
    (tmp_path / ".maillint.toml").write_text("", encoding="utf-8")  # no outer configuration
    result = subprocess.run(
        ["bash", "-c", recipe],
        cwd=tmp_path,
        env=shell_env,
        capture_output=True,
        text=True,
        timeout=WAIT * 3,
    )
    assert result.returncode == status, result.stderr
    sent = tmp_path / "sent.eml"
    if status == 0:
        assert sent.read_bytes() == message
    else:
        assert not sent.exists()
        assert "-:7:999: LN001 [error] line is 1000 octets (limit 998)" in result.stdout


# ---------------------------------------------------------------- Perl's Net::SMTP


@pytest.fixture(scope="module")
def perl():
    path = shutil.which("perl")
    if path is None:
        pytest.skip("perl is not installed")
    if subprocess.run([path, "-MNet::SMTP", "-e1"], capture_output=True).returncode != 0:
        pytest.skip("Perl's Net::SMTP is not installed")
    return path


@pytest.fixture
def maillint_serve(tmp_path):
    """The real `maillint serve --store outbox/` on a free port; yields (port, outbox)."""
    outbox = tmp_path / "outbox"
    process = subprocess.Popen(
        [sys.executable, "-m", "maillint", "serve", "--isolated", "--port", "0"]
        + ["--store", str(outbox)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )
    lines = Lines(process.stdout)
    try:
        start = lines.next()
        yield int(start.split("127.0.0.1:")[1].split(" ")[0]), outbox
    finally:
        process.terminate()
        process.wait(timeout=WAIT)
        process.stderr.close()
        lines.rest()


def run_perl(perl: str, script: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [perl, "-e", script], cwd=cwd, capture_output=True, text=True, timeout=WAIT * 3
    )


def test_perl_net_smtp_recipe(tmp_path, perl, maillint_serve):
    port, outbox = maillint_serve
    recipe = code_block("perl", "Net::SMTP->new")
    assert "Port => 2525" in recipe
    script = recipe.replace("Port => 2525", f"Port => {port}")
    (tmp_path / "message.eml").write_bytes(CLEAN)
    result = run_perl(perl, script, tmp_path)
    assert (result.returncode, result.stdout) == (0, "sent\n"), result.stderr
    [stored] = sorted(outbox.glob("*.eml"))
    assert stored.read_bytes() == CLEAN.replace(b"\n", b"\r\n")  # Net::SMTP sends CRLF

    (tmp_path / "message.eml").write_bytes(LONG)
    result = run_perl(perl, script, tmp_path)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "refused: 550",
        "5.6.0 LN001 line 7: line is 1000 octets (limit 998) [error]",
        "5.6.0 LN002 line 7: line is 1000 octets (limit 78) [warning]",
        "5.6.0 message rejected by maillint: 1 error, 1 warning (reject-on error)",
    ]
    assert len(list(outbox.glob("*.eml"))) == 1


def test_perl_sends_nul_and_control_octets(tmp_path, perl, maillint_serve):
    """The seed note's Net::SMTP script: "\\x1\\x0\\x1" as the whole message, never a crash."""
    port, outbox = maillint_serve
    script = f"""
use Net::SMTP;
my $smtp = Net::SMTP->new('127.0.0.1', Port => {port}) or die "cannot connect: $@";
$smtp->mail('from\\@mail.example.org');
$smtp->to('to\\@mail.example.org');
$smtp->data();
$smtp->datasend("\\x1\\x0\\x1");
my $sent = $smtp->dataend();
print $smtp->code(), "\\n", join('', $smtp->message());
$smtp->quit();
"""
    result = run_perl(perl, script, tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "550"
    assert any(line.startswith("5.6.0 LN005 line 1: ") for line in lines)  # nul-octet
    # and the server is still there for the next client
    (tmp_path / "message.eml").write_bytes(CLEAN)
    script = code_block("perl", "Net::SMTP->new").replace("Port => 2525", f"Port => {port}")
    assert run_perl(perl, script, tmp_path).stdout == "sent\n"


# ---------------------------------------------------------------- pre-commit


def hook_definition() -> dict[str, str]:
    """The one hook of .pre-commit-hooks.yaml (flat ``key: value`` lines; no YAML library)."""
    text = (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    hooks = text.split("\n- ")[1:]
    assert len(hooks) == 1
    fields = {}
    for line in hooks[0].splitlines():
        key, _, value = line.strip().partition(":")
        if key and not key.startswith("#"):
            fields[key] = value.strip().strip("'\"")
    return fields


def test_pre_commit_hook_matches_eml_files_and_runs_check(tmp_path):
    hook = hook_definition()
    assert hook["id"] == "maillint" and hook["language"] == "python"
    assert hook["entry"] == "maillint check"
    pattern = re.compile(hook["files"])
    assert pattern.search("templates/welcome.eml") and not pattern.search("welcome.eml.txt")
    assert "files: '\\.eml$'" in (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    good, bad = tmp_path / "good.eml", tmp_path / "bad.eml"
    good.write_bytes(CLEAN)
    bad.write_bytes(LONG)
    (tmp_path / ".maillint.toml").write_text("", encoding="utf-8")
    command = [str(BIN / "maillint"), *hook["entry"].split()[1:]]
    for files, status in (([good], 0), ([good, bad], 1)):
        result = subprocess.run(
            [*command, *map(str, files)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=WAIT * 3,
        )
        assert result.returncode == status, result.stdout + result.stderr


def test_the_readme_pre_commit_config_runs_maillint_in_a_real_repository(tmp_path):
    # The README's .pre-commit-config.yaml, run by pre-commit itself in a new
    # git repository: a clean .eml passes, a bad one fails the commit check.
    yaml_block = code_block("yaml", "repo: local")
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "templates"
    repo.mkdir()
    (repo / ".pre-commit-config.yaml").write_text(yaml_block, encoding="utf-8")
    (repo / "welcome.eml").write_bytes(CLEAN)
    (repo / "notes.txt").write_bytes(LONG)  # not .eml: the hook must not look at it
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "PRE_COMMIT_HOME": str(tmp_path / "cache"),
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }

    def run(*command: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            command, cwd=repo, env=env, capture_output=True, text=True, timeout=WAIT * 6
        )

    pre_commit = [sys.executable, "-m", "pre_commit", "run", "--all-files"]
    assert run(git, "init", "-q").returncode == 0
    assert run(git, "add", ".").returncode == 0
    passed = run(*pre_commit)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "maillint" in passed.stdout and "Passed" in passed.stdout
    (repo / "broken.eml").write_bytes(LONG)
    assert run(git, "add", "broken.eml").returncode == 0
    failed = run(*pre_commit)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "broken.eml:7:999: LN001" in failed.stdout
    assert "welcome.eml:7:999" not in failed.stdout and "notes.txt" not in failed.stdout
