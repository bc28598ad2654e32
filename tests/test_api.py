"""The Python API: lint_message (smtplib's octets), lint_path, check and LintError."""

from __future__ import annotations

import email
import email.policy
import pickle
import smtplib
import zipfile
from email.message import EmailMessage, Message
from pathlib import Path

import pytest

import maillint
from maillint import LintError, Severity, check, lint_message, lint_path
from maillint.api import message_bytes, parse_fail_on, sendmail_bytes, wire_message
from support import HEAD, msg

ROOT = Path(__file__).resolve().parent.parent
LONG = msg(body=b"x" * 1000 + b"\r\n")  # LN001 error at 7:999, LN002 warning at 7:79
WARN_ONLY = msg(body=b"y" * 90 + b"\r\n")  # LN002 warning only


class Capture(smtplib.SMTP):
    """smtplib.SMTP that records what send_message hands to sendmail (no connection)."""

    def __init__(self, smtputf8: bool = True) -> None:
        super().__init__()
        self.smtputf8 = smtputf8
        self.sent: tuple | None = None

    def ehlo_or_helo_if_needed(self) -> None:
        pass

    def has_extn(self, opt: str) -> bool:
        return self.smtputf8 and opt.lower() == "smtputf8"

    def sendmail(self, from_addr, to_addrs, msg, mail_options=(), rcpt_options=()):
        self.sent = (from_addr, list(to_addrs), msg, tuple(mail_options))
        return {}


def smtplib_octets(message: Message) -> tuple:
    capture = Capture()
    capture.send_message(message)
    assert capture.sent is not None
    return capture.sent


def email_message(**fields: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Alice <alice@example.com>"
    message["To"] = "bob@example.org"
    message["Date"] = "Mon, 01 Jan 2024 09:00:00 +0900"
    message["Message-ID"] = "<20240101090000.1@example.com>"
    message["Subject"] = "hello"
    for name, value in fields.items():
        message[name.replace("_", "-")] = value
    message.set_content("Hello Bob.\n")
    return message


# ---------------------------------------------------------------- lint_message


def test_message_bytes_are_what_smtplib_sends():
    message = email_message(Bcc="carol@example.net")
    from_addr, to_addrs, octets, options = smtplib_octets(message)
    assert message_bytes(message) == octets
    assert b"\r\n" in octets and b"Bcc" not in octets
    wire = wire_message(message)
    assert (wire.from_addr, wire.to_addrs, wire.international) == (from_addr, to_addrs, False)
    assert "carol@example.net" in wire.to_addrs
    assert "Bcc" in message  # the caller's message is left alone


def test_compat32_message_is_mangled_as_smtplib_does():
    message = email.message_from_bytes(HEAD + b"\r\nFrom the start\r\n")  # compat32 policy
    octets = smtplib_octets(message)[2]
    assert message_bytes(message) == octets
    assert b"\r\n>From the start\r\n" in octets  # compat32 mangles From_ lines, like smtplib


def test_international_addresses_use_the_utf8_policy():
    message = email_message()
    del message["To"]
    message["To"] = "ユーザー@例え.jp"
    _, to_addrs, octets, options = smtplib_octets(message)
    wire = wire_message(message)
    assert wire.data == octets and wire.international
    assert options == ("SMTPUTF8", "BODY=8BITMIME")
    assert "ユーザー@例え.jp".encode() in octets  # raw UTF-8, no encoded-word


def test_resent_fields_choose_the_envelope_like_smtplib():
    message = email_message()
    message["Resent-Date"] = "Tue, 02 Jan 2024 09:00:00 +0900"
    message["Resent-From"] = "dave@example.com"
    message["Resent-To"] = "erin@example.org"
    from_addr, to_addrs, octets, _ = smtplib_octets(message)
    wire = wire_message(message)
    assert (wire.from_addr, wire.to_addrs, wire.data) == (from_addr, to_addrs, octets)
    assert from_addr == "dave@example.com"
    message["Resent-Date"] = "Wed, 03 Jan 2024 09:00:00 +0900"
    with pytest.raises(ValueError, match="more than one 'Resent-' header block"):
        wire_message(message)


def test_lint_message_lints_the_crlf_wire_form():
    message = email.message_from_bytes(HEAD + b"\n" + b"z" * 1000 + b"\n")  # LF in, CRLF out
    report = lint_message(message)
    assert report.form == "wire"
    codes = {(f.code, f.line, f.column) for f in report.findings}
    assert ("LN001", 7, 999) in codes
    assert not [f for f in report.findings if f.code == "LN003"]  # no bare LF after flattening


def test_clean_email_message_has_no_errors():
    report = lint_message(email_message())
    assert not report.fails(Severity.ERROR), report.findings


def test_lint_message_takes_select_and_ignore():
    message = email.message_from_bytes(LONG)
    assert {f.code for f in lint_message(message, select=["LN001"]).findings} == {"LN001"}
    assert "LN001" not in {f.code for f in lint_message(message, ignore=["LN001"]).findings}


# ---------------------------------------------------------------- check and LintError


def test_check_returns_the_report_of_a_passing_message():
    report = check(WARN_ONLY)
    assert [f.code for f in report.findings] == ["LN002"]


def test_check_raises_lint_error_carrying_the_report():
    with pytest.raises(LintError) as caught:
        check(LONG)
    error = caught.value
    assert error.fail_on is Severity.ERROR
    assert error.report.fails(Severity.ERROR)
    assert [f.code for f in error.failing] == ["LN001"]
    text = str(error)
    assert "1 error, 1 warning (fail-on error)" in text
    assert "7:999: LN001 [error] line is 1000 octets (limit 998) (line-too-long)" in text


def test_check_fail_on_warning_and_never():
    with pytest.raises(LintError):
        check(WARN_ONLY, fail_on="warning")
    with pytest.raises(LintError):
        check(WARN_ONLY, fail_on=Severity.WARNING)
    assert check(LONG, fail_on="never").fails(Severity.ERROR)
    with pytest.raises(ValueError, match="unknown severity"):
        check(LONG, fail_on="fatal")


def test_check_accepts_a_message_object():
    with pytest.raises(LintError):
        check(email.message_from_bytes(LONG))


def test_parse_fail_on():
    assert parse_fail_on("Warning") is Severity.WARNING
    assert parse_fail_on("never") is None and parse_fail_on(None) is None


def test_lint_error_pickles():
    with pytest.raises(LintError) as caught:
        check(LONG)
    again = pickle.loads(pickle.dumps(caught.value))
    assert isinstance(again, LintError)
    assert again.report.findings == caught.value.report.findings
    assert str(again) == str(caught.value)


# ---------------------------------------------------------------- sendmail_bytes


def test_sendmail_bytes_is_what_the_server_receives():
    assert sendmail_bytes("a\nb\rc\r\nd") == b"a\r\nb\r\nc\r\nd\r\n"  # smtplib's _fix_eols + CRLF
    assert sendmail_bytes(b"a\nb") == b"a\nb\r\n"  # bytes travel as they are
    with pytest.raises(UnicodeEncodeError):
        sendmail_bytes("caf\u00e9")  # smtplib refuses a non-ASCII str too


# ---------------------------------------------------------------- lint_path


def test_lint_path_of_one_file_in_stored_form(tmp_path):
    path = tmp_path / "hello.eml"
    path.write_bytes(msg().replace(b"\r\n", b"\n"))
    [report] = lint_path(path)
    assert report.path == str(path) and report.index is None
    assert report.form == "stored"
    assert not report.fails(Severity.WARNING)


def test_lint_path_of_an_mbox_gives_a_report_per_message(tmp_path):
    one = msg().replace(b"\r\n", b"\n")
    two = LONG.replace(b"\r\n", b"\n")
    path = tmp_path / "sent.mbox"
    path.write_bytes(b"From alice Mon Jan  1 09:00:00 2024\n" + one + b"\n")
    with path.open("ab") as out:
        out.write(b"From alice Mon Jan  1 09:01:00 2024\n" + two)
    reports = lint_path(str(path))
    assert [r.index for r in reports] == [1, 2]
    assert not reports[0].fails(Severity.ERROR)
    long_line = [f for f in reports[1].findings if f.code == "LN001"]
    # lines count in the whole file: postmark, 7 lines, blank, postmark, 6 lines, the long one
    assert [(f.line, f.column) for f in long_line] == [(17, 999)]


def test_lint_path_of_a_folder(tmp_path):
    (tmp_path / "a.eml").write_bytes(msg())
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.eml").write_bytes(LONG)
    (tmp_path / "notes.txt").write_text("not a message")
    reports = lint_path(tmp_path, select=["LN001"])
    assert [Path(r.path).name for r in reports] == ["a.eml", "b.eml"]
    assert [len(r.findings) for r in reports] == [0, 1]


def test_lint_path_of_a_folder_takes_include_globs(tmp_path):
    (tmp_path / "a.eml").write_bytes(LONG)
    (tmp_path / "msg_1.txt").write_bytes(LONG)
    assert [Path(r.path).name for r in lint_path(tmp_path)] == ["a.eml"]
    found = lint_path(tmp_path, include=["*.txt"])
    assert [Path(r.path).name for r in found] == ["a.eml", "msg_1.txt"]


def test_lint_path_takes_a_profile_object(tmp_path):
    (tmp_path / "long.eml").write_bytes(LONG)
    profile = maillint.load_profile("default")
    [report] = lint_path(tmp_path / "long.eml", profile=profile, ignore=["LN001"])
    assert "LN001" not in {f.code for f in report.findings}


def test_an_edited_profile_file_takes_effect_on_the_next_call(tmp_path, monkeypatch):
    # Built-in profiles are read once per process; a user's file must not be.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "team.toml").write_text('extends = "default"\n[rules.LN002]\nseverity = "off"\n')
    assert "LN002" not in {
        f.code for f in maillint.lint_bytes(WARN_ONLY, profile="team.toml").findings
    }
    (tmp_path / "team.toml").write_text('extends = "default"\n[rules.LN002]\nseverity = "error"\n')
    report = maillint.lint_bytes(WARN_ONLY, profile="team.toml")
    assert [(f.code, f.severity) for f in report.findings] == [("LN002", Severity.ERROR)]


def test_the_default_profile_is_the_same_on_every_call():
    first = maillint.lint_bytes(LONG)
    assert [(f.code, f.line) for f in maillint.lint_bytes(LONG).findings] == [
        (f.code, f.line) for f in first.findings
    ]
    assert {f.code for f in first.findings} == {"LN001", "LN002"}


def test_lint_path_raises_for_a_missing_path(tmp_path):
    with pytest.raises(FileNotFoundError):
        lint_path(tmp_path / "nope.eml")


# ---------------------------------------------------------------- the package surface


def test_public_names():
    for name in ("lint_bytes", "lint_message", "lint_path", "check", "LintError", "Report"):
        assert name in maillint.__all__ and hasattr(maillint, name)
    finding = check(WARN_ONLY).findings[0]
    assert (finding.code, finding.name, finding.severity, finding.line, finding.column) == (
        "LN002",
        "line-over-78",
        Severity.WARNING,
        7,
        79,
    )
    assert finding.message == "line is 90 octets (limit 78)"


def test_py_typed_marker_is_in_the_package_and_the_wheel(tmp_path):
    assert (ROOT / "maillint" / "py.typed").is_file()
    builders = pytest.importorskip("hatchling.builders.wheel")
    [wheel] = list(builders.WheelBuilder(str(ROOT)).build(directory=str(tmp_path)))
    names = zipfile.ZipFile(wheel).namelist()
    assert "maillint/py.typed" in names
    assert "maillint/smtp/server.py" in names and "maillint/mailpit.py" in names
