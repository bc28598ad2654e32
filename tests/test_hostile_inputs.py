"""Inputs that are not messages: one clear line each, and every other input still linted.

A folder holding a FIFO, a socket, a symbolic link loop, a dangling link, a
file that cannot be read, a 0-byte file and a file whose name is not UTF-8;
a file that vanishes between the walk and the read; a FIFO named on the
command line.  The CLI runs in a child process with a timeout, so that a hang
fails the test instead of stopping the suite.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import maillint.runner
from maillint.inputs import InputError, expand
from maillint.runner import LintOptions, run
from support import msg

GOOD = msg()
NO_FROM = b"Subject: hi\r\n\r\nbody\r\n"
NOT_UTF8 = os.fsdecode(b"caf\xe9.eml")  # the name as Python holds it (surrogate escapes)


def cli(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "maillint", "check", *args],
        input=stdin,
        capture_output=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A folder with one of every kind of non-message, and three messages."""
    root = tmp_path / "in"
    root.mkdir()
    (root / "ok.eml").write_bytes(GOOD)
    (root / "empty.eml").write_bytes(b"")
    os.mkfifo(root / "fifo")
    os.mkfifo(root / "fifo.eml")
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(root / "socket"))
    (root / "loop1").symlink_to("loop2")
    (root / "loop2").symlink_to("loop1")
    (root / "dangling.eml").symlink_to(root / "nowhere")
    (root / "up").symlink_to(root)  # a link back to the folder: not followed
    if Path("/proc/self/mem").exists():
        (root / "unreadable.eml").symlink_to("/proc/self/mem")  # opens, then EIO: root too
    try:
        (root / NOT_UTF8).write_bytes(NO_FROM)
    except (OSError, UnicodeEncodeError):
        pytest.skip("this file system takes only UTF-8 names")
    return root


def test_a_folder_of_non_messages(folder):
    done = cli("-j", "1", "--format", "json", str(folder))
    assert done.returncode == 2  # real I/O errors: the loop, the dangling link, EIO
    report = json.loads(done.stdout)
    linted = sorted(Path(r["path"]).name for r in report["results"])
    assert linted == ["caf\\xe9.eml", "empty.eml", "ok.eml"]  # FIFOs and the socket skipped
    errors = {Path(e["path"]).name: e["message"] for e in report["errors"]}
    expected = {
        "dangling.eml": "no such file or directory",
        "loop1": "too many levels of symbolic links",
        "loop2": "too many levels of symbolic links",
    }
    if (folder / "unreadable.eml").is_symlink():
        expected["unreadable.eml"] = "input/output error"
    assert errors == expected
    stderr = done.stderr.decode("utf-8").splitlines()
    assert len(stderr) == len(expected)  # one line each
    assert all(line.startswith("maillint: error: ") for line in stderr)


def test_a_folder_of_non_messages_in_parallel(folder):
    single = cli("-j", "1", "--format", "json", str(folder))
    parallel = cli("-j", "2", "--format", "json", str(folder))
    assert parallel.returncode == single.returncode == 2
    assert json.loads(parallel.stdout) == json.loads(single.stdout)


def test_an_empty_file_is_an_empty_message(tmp_path):
    empty = tmp_path / "empty.eml"
    empty.write_bytes(b"")
    done = cli(str(empty))
    assert done.returncode == 1  # findings, not an I/O error
    assert b"empty.eml:1:1: HD008 [error] no From field" in done.stdout


def test_a_non_utf8_name_is_shown_with_escapes(folder):
    done = cli("-j", "1", str(folder / NOT_UTF8))
    assert done.returncode == 1
    assert b"caf\\xe9.eml:1:1: " in done.stdout
    done = cli("-j", "1", str(folder / NOT_UTF8) + ".missing")
    assert (
        done.stderr
        == b"maillint: error: "
        + os.fsencode(folder).replace(b"\xe9", b"\\xe9")
        + b"/caf\\xe9.eml.missing: no such file or directory\n"
    )


def test_a_fifo_named_on_the_command_line_is_read(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)

    def writer() -> None:
        with open(fifo, "wb") as stream:
            stream.write(GOOD)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    results = run([str(fifo)], LintOptions(), jobs=1)
    thread.join(10)
    assert [r.path for r in results.reports] == [str(fifo)] and not results.errors


def test_a_link_loop_named_on_the_command_line(tmp_path):
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    assert list(expand([str(tmp_path / "a")])) == [
        InputError(str(tmp_path / "a"), "too many levels of symbolic links")
    ]


def test_a_file_that_vanishes_mid_run(tmp_path, monkeypatch):
    first, second, third = (tmp_path / f"{n}.eml" for n in ("1", "2", "3"))
    for path in (first, second, third):
        path.write_bytes(GOOD)
    real = maillint.runner.lint_bytes

    def lint_then_delete(data, **options):
        if options["path"] == str(first):
            second.unlink()  # gone after the walk, before its turn
        return real(data, **options)

    monkeypatch.setattr(maillint.runner, "lint_bytes", lint_then_delete)
    results = run([str(tmp_path)], LintOptions(), jobs=1)
    assert [r.path for r in results.reports] == [str(first), str(third)]
    assert results.errors == [InputError(str(second), "no such file or directory")]
