"""LintingSMTP and LintingSMTP_SSL against a stock aiosmtpd server on 127.0.0.1."""

from __future__ import annotations

import email
import smtplib
import ssl
from email.message import EmailMessage

import pytest
from smtp_support import LOCAL, WAIT, free_port, make_certificate, upstream

from maillint import LintError, ProfileError, Severity
from maillint.api import message_bytes
from maillint.smtp import LintingSMTP, LintingSMTP_SSL
from support import msg

CLEAN = msg()
LONG = msg(body=b"x" * 1000 + b"\r\n")  # LN001 error, LN002 warning
WARN_ONLY = msg(body=b"y" * 90 + b"\r\n")  # LN002 warning
FROM, TO = "alice@example.com", ["bob@example.org"]


def email_message(body: str = "Hello Bob.\n") -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Alice <alice@example.com>"
    message["To"] = "bob@example.org"
    message["Bcc"] = "carol@example.net"
    message["Date"] = "Mon, 01 Jan 2024 09:00:00 +0900"
    message["Message-ID"] = "<20240101090000.1@example.com>"
    message["Subject"] = "hello"
    message.set_content(body)
    return message


def test_is_a_drop_in_subclass():
    assert issubclass(LintingSMTP, smtplib.SMTP)
    assert issubclass(LintingSMTP_SSL, smtplib.SMTP_SSL)


def test_a_clean_message_is_sent_as_is():
    with upstream() as (port, recorder), LintingSMTP(LOCAL, port, timeout=WAIT) as client:
        assert client.sendmail(FROM, TO, CLEAN) == {}
        assert client.last_report is not None and not client.last_report.findings
    [received] = recorder.messages
    assert (received.mail_from, received.rcpt_tos, received.content) == (FROM, TO, CLEAN)


def test_a_failing_message_sends_no_command_at_all():
    with upstream() as (port, recorder), LintingSMTP(LOCAL, port, timeout=WAIT) as client:
        with pytest.raises(LintError) as caught:
            client.sendmail(FROM, TO, LONG)
        assert recorder.commands == []  # not even the EHLO smtplib sends on first use
        assert caught.value.report is client.last_report
        assert [f.code for f in caught.value.failing] == ["LN001"]
        # the connection is still good for the next message
        client.sendmail(FROM, TO, CLEAN)
    assert [m.content for m in recorder.messages] == [CLEAN]
    assert recorder.commands == ["EHLO", "MAIL", "RCPT", "DATA"]


def test_a_failing_message_later_in_a_session_sends_nothing_for_it():
    with upstream() as (port, recorder), LintingSMTP(LOCAL, port, timeout=WAIT) as client:
        client.sendmail(FROM, TO, CLEAN)
        before = list(recorder.commands)
        with pytest.raises(LintError):
            client.send_message(email.message_from_bytes(LONG))
        assert recorder.commands == before
    assert len(recorder.messages) == 1


def test_send_message_sends_the_octets_it_linted():
    message = email_message()
    with upstream() as (port, recorder), LintingSMTP(LOCAL, port, timeout=WAIT) as client:
        client.send_message(message)
        report = client.last_report
    [received] = recorder.messages
    assert received.content == message_bytes(message)
    assert report is not None and report.size == len(received.content)
    assert received.rcpt_tos == ["bob@example.org", "carol@example.net"]
    assert b"Bcc" not in received.content


def test_a_str_message_is_linted_with_crlf_line_ends():
    text = CLEAN.decode("ascii").replace("\r\n", "\n")
    with upstream() as (port, recorder), LintingSMTP(LOCAL, port, timeout=WAIT) as client:
        client.sendmail(FROM, TO, text)
        assert not [f for f in client.last_report.findings if f.code == "LN003"]
    assert recorder.messages[0].content == CLEAN


def test_fail_on_warning_and_never():
    with upstream() as (port, recorder):
        with LintingSMTP(LOCAL, port, timeout=WAIT, fail_on="warning") as client:
            with pytest.raises(LintError):
                client.sendmail(FROM, TO, WARN_ONLY)
        with LintingSMTP(LOCAL, port, timeout=WAIT) as client:
            client.sendmail(FROM, TO, WARN_ONLY)  # default: error
        with LintingSMTP(LOCAL, port, timeout=WAIT, fail_on="never") as client:
            client.sendmail(FROM, TO, LONG)
            assert client.last_report.fails(Severity.ERROR)
    assert [m.content for m in recorder.messages] == [WARN_ONLY, LONG]


def test_profile_select_and_ignore():
    with upstream() as (port, recorder):
        with LintingSMTP(LOCAL, port, timeout=WAIT, select=["HD"]) as client:
            client.sendmail(FROM, TO, LONG)  # LN rules are not selected
        with LintingSMTP(LOCAL, port, timeout=WAIT, ignore=["LN001"]) as client:
            client.sendmail(FROM, TO, LONG)
    assert len(recorder.messages) == 2


def test_a_bad_profile_fails_before_connecting():
    port = free_port()  # nothing listens there: connecting first would fail differently
    with pytest.raises(ProfileError):
        LintingSMTP(LOCAL, port, timeout=WAIT, profile="no-such-profile")


def test_international_addresses_need_smtputf8():
    message = email_message()
    del message["To"], message["Bcc"]
    message["To"] = "ユーザー@例え.jp"
    # HD006 reports raw UTF-8 in a header, which only SMTPUTF8 (RFC 6532) allows.
    with upstream(enable_SMTPUTF8=True) as (port, recorder):
        with LintingSMTP(LOCAL, port, timeout=WAIT, ignore=["HD006"]) as client:
            client.send_message(message)
    [received] = recorder.messages
    assert "SMTPUTF8" in received.mail_options and received.rcpt_tos == ["ユーザー@例え.jp"]
    assert received.content == message_bytes(message)
    with upstream() as (port, recorder):
        client = LintingSMTP(LOCAL, port, timeout=WAIT, ignore=["HD006"])
        with client, pytest.raises(smtplib.SMTPNotSupportedError):
            client.send_message(message)
    assert "MAIL" not in recorder.commands


def test_linting_smtp_ssl(tmp_path):
    cert, key = make_certificate(tmp_path)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    client_context = ssl.create_default_context(cafile=str(cert))
    with upstream(ssl=server_context) as (port, recorder):
        with LintingSMTP_SSL(LOCAL, port, timeout=WAIT, context=client_context) as client:
            with pytest.raises(LintError):
                client.sendmail(FROM, TO, LONG)
            client.sendmail(FROM, TO, CLEAN)
    assert [m.content for m in recorder.messages] == [CLEAN]
    assert recorder.commands == ["EHLO", "MAIL", "RCPT", "DATA"]
