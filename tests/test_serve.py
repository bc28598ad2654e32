"""``maillint serve``: real SMTP conversations on 127.0.0.1 (smtplib, raw sockets, upstreams)."""

from __future__ import annotations

import base64
import json
import logging
import os
import smtplib
import ssl
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from smtp_support import (
    LOCAL,
    WAIT,
    Lines,
    RawClient,
    Recorder,
    assert_multiline,
    free_port,
    make_certificate,
    serving,
    upstream,
)

from maillint.cli import main
from maillint.engine import Report
from maillint.findings import Finding, Severity
from maillint.smtp.server import (
    ServeConfig,
    ServeError,
    is_loopback,
    multiline_reply,
    parse_credentials,
    parse_hostport,
    read_auth_file,
    rejection_reply,
)
from support import msg

CLEAN = msg()
LONG = msg(body=b"x" * 1000 + b"\r\n")  # LN001 error at 7:999, LN002 warning at 7:79
WARN_ONLY = msg(body=b"y" * 90 + b"\r\n")
FROM, TO = "alice@example.com", ["bob@example.org"]
USER, PASSWORD = "alice", "correct horse battery"


def smtp(server, **kwargs) -> smtplib.SMTP:
    return smtplib.SMTP(LOCAL, server.port, timeout=WAIT, **kwargs)


def stored(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.eml"))


# ---------------------------------------------------------------- replies and EHLO


def test_multiline_reply_format():
    assert multiline_reply(550, ["a", "b", "c"]) == "550-a\r\n550-b\r\n550 c"
    assert multiline_reply(250, ["only"]) == "250 only"
    # attacker-controlled text cannot break the reply apart
    assert multiline_reply(550, ["x\r\n250 OK\x00é"]) == "550 x\\x0d\\x0a250 OK\\x00\\xe9"


def test_ehlo_is_a_correct_multiline_reply(tmp_path):
    with serving(store=tmp_path) as (server, _), RawClient(server.port) as client:
        greeting = client.reply()
        assert greeting[0].startswith(b"220 ") and b"ESMTP maillint" in greeting[0]
        lines = client.command(b"EHLO client.test")
        assert_multiline(lines, 250)
        keywords = [line[4:].strip().split(b" ")[0] for line in lines[1:]]
        assert {b"PIPELINING", b"SIZE", b"8BITMIME", b"SMTPUTF8"} <= set(keywords)
        assert b"AUTH" not in keywords  # no --auth: not offered
        assert b"250-SIZE 33554432\r\n" in lines
        assert client.command(b"AUTH PLAIN AGFsaWNlAHg=")[0].startswith(b"502 5.5.1")
        assert client.command(b"QUIT")[0].startswith(b"221")


# ---------------------------------------------------------------- sink


def test_sink_stores_the_message_its_report_and_an_index(tmp_path):
    with serving(store=tmp_path) as (server, lines), smtp(server) as client:
        assert client.sendmail(FROM, TO, CLEAN) == {}
    [eml] = stored(tmp_path)
    assert eml.read_bytes() == CLEAN
    doc = json.loads(eml.with_suffix(".json").read_text(encoding="utf-8"))
    assert doc["tool"] == "maillint" and doc["summary"]["messages"] == 1
    assert doc["results"][0]["path"] == eml.name
    assert doc["envelope"]["mail_from"] == FROM and doc["envelope"]["rcpt_tos"] == TO
    assert doc["envelope"]["peer"].startswith("127.0.0.1:")
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert eml.name in index and "Content-Security-Policy" in index
    assert len(lines) == 1 and f"stored {eml.name}" in lines[0]


def test_the_success_reply_names_the_file(tmp_path):
    with serving(store=tmp_path) as (server, _), smtp(server) as client:
        client.ehlo()
        client.mail(FROM)
        client.rcpt(TO[0])
        code, reply = client.data(WARN_ONLY)
    [eml] = stored(tmp_path)
    assert code == 250
    assert reply.decode() == f"2.0.0 stored as {eml.name} (1 warning)"


def test_index_escapes_what_the_message_says(tmp_path):
    evil = msg(body=b"hi\r\n").replace(b"Subject: hello", b"Subject: <script>alert(1)</script>")
    with serving(store=tmp_path) as (server, _), smtp(server) as client:
        client.sendmail(FROM, TO, evil)
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in index and "&lt;script&gt;alert(1)" in index
    assert "Content-Security-Policy" in index


def test_store_keeps_earlier_messages_in_the_index(tmp_path):
    with serving(store=tmp_path) as (server, _), smtp(server) as client:
        client.sendmail(FROM, TO, CLEAN)
    with serving(store=tmp_path) as (server, _), smtp(server) as client:
        client.sendmail(FROM, TO, WARN_ONLY)
    names = [p.name for p in stored(tmp_path)]
    assert len(names) == 2
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert all(name in index for name in names)


# ---------------------------------------------------------------- rejection


def test_a_failing_message_is_rejected_with_a_multiline_550(tmp_path):
    with serving(store=tmp_path) as (server, lines), RawClient(server.port) as client:
        client.reply()
        client.command(b"EHLO client.test")
        assert client.command(b"MAIL FROM:<alice@example.com>")[0].startswith(b"250")
        assert client.command(b"RCPT TO:<bob@example.org>")[0].startswith(b"250")
        assert client.command(b"DATA")[0].startswith(b"354")
        client.send(LONG + b".\r\n")
        reply = client.reply()
        assert_multiline(reply, 550)
        assert reply == [
            b"550-5.6.0 LN001 line 7: line is 1000 octets (limit 998) [error]\r\n",
            b"550-5.6.0 LN002 line 7: line is 1000 octets (limit 78) [warning]\r\n",
            b"550 5.6.0 message rejected by maillint: 1 error, 1 warning (reject-on error)\r\n",
        ]
        # the session goes on
        assert client.command(b"NOOP")[0].startswith(b"250")
    assert stored(tmp_path) == []  # rejected: not kept
    assert len(lines) == 1 and "rejected 550" in lines[0] and "LN001 line 7" in lines[0]


def test_smtplib_sees_the_findings(tmp_path):
    with serving(store=tmp_path) as (server, _), smtp(server) as client:
        with pytest.raises(smtplib.SMTPDataError) as caught:
            client.sendmail(FROM, TO, LONG)
    assert caught.value.smtp_code == 550
    assert caught.value.smtp_error.decode().splitlines() == [
        "5.6.0 LN001 line 7: line is 1000 octets (limit 998) [error]",
        "5.6.0 LN002 line 7: line is 1000 octets (limit 78) [warning]",
        "5.6.0 message rejected by maillint: 1 error, 1 warning (reject-on error)",
    ]


def test_reject_on_warning_and_never(tmp_path):
    with serving(store=tmp_path, reject_on=Severity.WARNING) as (server, _), smtp(server) as c:
        with pytest.raises(smtplib.SMTPDataError):
            c.sendmail(FROM, TO, WARN_ONLY)
    with serving(store=tmp_path, reject_on=None) as (server, _), smtp(server) as c:
        c.sendmail(FROM, TO, LONG)
    assert [p.read_bytes() for p in stored(tmp_path)] == [LONG]


def test_rejection_reply_is_bounded_and_ascii():
    findings = [
        Finding("HD999", "made-up", Severity.WARNING, f"field «件名» {i}" + "x" * 600, i, 1, i, "m")
        for i in range(1, 51)
    ]
    report = Report(path="m", findings=findings, profile="default", form="wire", size=1)
    reply = rejection_reply(report, Severity.WARNING)
    lines = reply.split("\r\n")
    assert len(lines) == 32  # 30 findings, "... and 20 more", the summary
    assert lines[0].startswith("550-5.6.0 HD999 line 1: field \\xab\\u4ef6\\u540d\\xbb 1xxx")
    assert lines[30] == "550-5.6.0 ... and 20 more findings"
    assert lines[-1] == "550 5.6.0 message rejected by maillint: 50 warnings (reject-on warning)"
    assert reply.isascii() and all(len(line) <= 510 for line in lines)


# ---------------------------------------------------------------- what DATA may carry


def test_a_5000_octet_line_arrives_end_to_end(tmp_path):
    long_line = msg(body=b"A" * 5000 + b"\r\nend\r\n")
    with serving(store=tmp_path) as (server, _), smtp(server) as client:
        with pytest.raises(smtplib.SMTPDataError) as caught:
            client.sendmail(FROM, TO, long_line)
    # linted (LN001 names the length), not refused by the SMTP layer as "500 Line too long"
    assert caught.value.smtp_code == 550
    assert b"LN001 line 7: line is 5000 octets (limit 998)" in caught.value.smtp_error
    with serving(store=tmp_path, reject_on=None) as (server, _), smtp(server) as client:
        client.sendmail(FROM, TO, long_line)
    [eml] = stored(tmp_path)
    assert eml.read_bytes() == long_line


def test_nul_and_all_128_ascii_characters_are_accepted_and_linted(tmp_path):
    data = msg(body=bytes(range(128)) + b"\r\n")  # NUL, bare CR, bare LF, every control
    with serving(store=tmp_path) as (server, lines), RawClient(server.port) as client:
        client.reply()
        client.command(b"EHLO client.test")
        client.command(b"MAIL FROM:<alice@example.com>")
        client.command(b"RCPT TO:<bob@example.org>")
        client.command(b"DATA")
        client.send(data + b".\r\n")
        reply = client.reply()
        assert_multiline(reply, 550)
        text = b"".join(reply)
        for code in (b"LN005", b"LN003", b"LN004"):  # nul-octet, bare-lf, bare-cr
            assert code in text
        assert client.command(b"NOOP")[0].startswith(b"250")  # alive
    with serving(store=tmp_path, reject_on=None) as (server, _), RawClient(server.port) as client:
        client.reply()
        client.command(b"EHLO client.test")
        client.command(b"MAIL FROM:<alice@example.com>")
        client.command(b"RCPT TO:<bob@example.org>")
        client.command(b"DATA")
        client.send(data + b".\r\n")
        assert client.reply()[0].startswith(b"250 2.0.0 stored as")
    [eml] = stored(tmp_path)
    assert eml.read_bytes() == data


def test_dot_stuffed_lines_are_unstuffed(tmp_path):
    data = msg(body=b".leading dot\r\n..two\r\n")
    with serving(store=tmp_path) as (server, _), smtp(server) as client:
        client.sendmail(FROM, TO, data)  # smtplib stuffs, the server unstuffs
    assert stored(tmp_path)[0].read_bytes() == data


def test_size_is_enforced(tmp_path):
    with serving(store=tmp_path, max_size=2000) as (server, _), RawClient(server.port) as client:
        client.reply()
        assert b"250-SIZE 2000\r\n" in client.command(b"EHLO client.test")
        assert client.command(b"MAIL FROM:<alice@example.com> SIZE=5000")[0].startswith(b"552")
    with serving(store=tmp_path, max_size=2000) as (server, _), RawClient(server.port) as client:
        client.reply()
        client.command(b"EHLO client.test")
        client.command(b"MAIL FROM:<alice@example.com>")  # no SIZE declared
        client.command(b"RCPT TO:<bob@example.org>")
        client.command(b"DATA")
        client.send(msg(body=b"x" * 70 + b"\r\n") * 30 + b".\r\n")
        assert client.reply()[0].startswith(b"552")
    assert stored(tmp_path) == []


def test_smtputf8_and_8bitmime(tmp_path):
    data = msg(body="こんにちは\r\n".encode())
    rcpt = "ユーザー@例え.jp"
    with serving(store=tmp_path, reject_on=None) as (server, _), smtp(server) as client:
        client.sendmail(FROM, [rcpt], data, mail_options=["SMTPUTF8", "BODY=8BITMIME"])
    [eml] = stored(tmp_path)
    assert eml.read_bytes() == data
    envelope = json.loads(eml.with_suffix(".json").read_text(encoding="utf-8"))["envelope"]
    assert envelope["rcpt_tos"] == [rcpt]
    assert {"SMTPUTF8", "BODY=8BITMIME"} <= set(envelope["mail_options"])


def test_pipelined_commands_get_their_replies_in_order(tmp_path):
    with serving(store=tmp_path) as (server, lines), RawClient(server.port) as client:
        client.reply()
        assert b"250-PIPELINING\r\n" in client.command(b"EHLO client.test")
        client.send(
            b"MAIL FROM:<alice@example.com>\r\n"
            b"RCPT TO:<bob@example.org>\r\n"
            b"RCPT TO:<carol@example.net>\r\n"
            b"DATA\r\n"
        )
        replies = [client.reply() for _ in range(4)]
        assert [r[0][:3] for r in replies] == [b"250", b"250", b"250", b"354"]
        client.send(CLEAN + b".\r\nMAIL FROM:<alice@example.com>\r\nRSET\r\nQUIT\r\n")
        replies = [client.reply() for _ in range(4)]
        assert [r[0][:3] for r in replies] == [b"250", b"250", b"250", b"221"]
    [eml] = stored(tmp_path)
    envelope = json.loads(eml.with_suffix(".json").read_text(encoding="utf-8"))["envelope"]
    assert envelope["rcpt_tos"] == ["bob@example.org", "carol@example.net"]


def test_null_sender_is_accepted(tmp_path):
    with serving(store=tmp_path) as (server, lines), smtp(server) as client:
        client.sendmail("", TO, CLEAN)
    assert "from=<>" in lines[0]


# ---------------------------------------------------------------- AUTH


def plain(*parts: str) -> str:
    return base64.b64encode("\0".join(parts).encode()).decode()


@pytest.fixture
def auth_server(tmp_path):
    with serving(store=tmp_path, users={USER: PASSWORD}) as (server, lines):
        yield server, lines


def test_auth_is_required_before_mail(auth_server):
    server, _ = auth_server
    with RawClient(server.port) as client:
        client.reply()
        lines = client.command(b"EHLO client.test")
        assert_multiline(lines, 250)
        assert b"250-AUTH CRAM-MD5 LOGIN PLAIN\r\n" in lines  # on loopback: without TLS
        assert client.command(b"MAIL FROM:<alice@example.com>")[0].startswith(b"530 5.7.0")


@pytest.mark.parametrize(
    "blob",
    [plain(USER, USER, PASSWORD), plain("", USER, PASSWORD)],
    ids=["with-authzid", "without-authzid"],
)
def test_auth_plain_both_forms(auth_server, blob):
    server, _ = auth_server
    with RawClient(server.port) as client:
        client.reply()
        client.command(b"EHLO client.test")
        assert client.command(b"AUTH PLAIN " + blob.encode()) == [
            b"235 2.7.0 Authentication successful\r\n"
        ]
        assert client.command(b"MAIL FROM:<alice@example.com>")[0].startswith(b"250")
    with RawClient(server.port) as client:  # and as an answer to the 334
        client.reply()
        client.command(b"EHLO client.test")
        assert client.command(b"AUTH PLAIN") == [b"334 \r\n"]
        assert client.command(blob.encode())[0].startswith(b"235")


def test_auth_plain_for_another_identity_is_refused(auth_server):
    server, _ = auth_server
    with RawClient(server.port) as client:
        client.reply()
        client.command(b"EHLO client.test")
        reply = client.command(b"AUTH PLAIN " + plain("root", USER, PASSWORD).encode())
        assert reply[0].startswith(b"535")


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN", "CRAM-MD5"])
def test_smtplib_logs_in_with_each_mechanism(auth_server, tmp_path, mechanism):
    server, lines = auth_server
    with smtp(server) as client:
        client.ehlo()
        client.user, client.password = USER, PASSWORD
        method = {
            "PLAIN": client.auth_plain,
            "LOGIN": client.auth_login,
            "CRAM-MD5": client.auth_cram_md5,
        }[mechanism]
        code, _ = client.auth(mechanism, method)
        assert code == 235
        client.sendmail(FROM, TO, CLEAN)
    assert f"user={USER}" in lines[0]


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN", "CRAM-MD5"])
def test_a_wrong_password_gets_535(auth_server, mechanism):
    server, _ = auth_server
    with smtp(server) as client:
        client.ehlo()
        client.user, client.password = USER, "wrong"
        method = {
            "PLAIN": client.auth_plain,
            "LOGIN": client.auth_login,
            "CRAM-MD5": client.auth_cram_md5,
        }[mechanism]
        with pytest.raises(smtplib.SMTPAuthenticationError) as caught:
            client.auth(mechanism, method)
        assert caught.value.smtp_code == 535


@pytest.mark.parametrize(
    "start",
    [b"AUTH LOGIN", b"AUTH PLAIN", b"AUTH CRAM-MD5"],
    ids=["LOGIN", "PLAIN", "CRAM-MD5"],
)
def test_a_star_cancels_the_exchange_with_501(auth_server, start):
    server, _ = auth_server
    with RawClient(server.port) as client:
        client.reply()
        client.command(b"EHLO client.test")
        assert client.command(start)[0].startswith(b"334 ")
        assert client.command(b"*")[0].startswith(b"501 ")
        # not authenticated, and the session goes on
        assert client.command(b"MAIL FROM:<alice@example.com>")[0].startswith(b"530")
        reply = client.command(b"AUTH PLAIN " + plain("", USER, PASSWORD).encode())
        assert reply[0].startswith(b"235")


def test_passwords_never_appear_in_logs_or_files(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    folder = tmp_path / "store"
    secret_forms = [
        PASSWORD,
        plain(USER, USER, PASSWORD),
        plain("", USER, PASSWORD),
        base64.b64encode(PASSWORD.encode()).decode(),
    ]
    with serving(store=folder, users={USER: PASSWORD}) as (server, lines):
        for mechanism in ("PLAIN", "LOGIN", "CRAM-MD5"):
            with smtp(server) as client:
                client.ehlo()
                client.user, client.password = USER, PASSWORD
                method = "auth_" + mechanism.lower().replace("-", "_")
                client.auth(mechanism, getattr(client, method))
                client.sendmail(FROM, TO, CLEAN)
        with RawClient(server.port) as client:
            client.reply()
            client.command(b"EHLO client.test")
            client.command(b"AUTH PLAIN " + plain("", USER, PASSWORD).encode())
            client.command(b"AUTH LOGIN")  # already authenticated: 503
        with RawClient(server.port) as client:  # a wrong password typed as the answer
            client.reply()
            client.command(b"EHLO client.test")
            client.command(b"AUTH LOGIN")
            client.command(base64.b64encode(USER.encode()))
            client.command(base64.b64encode(PASSWORD.encode() + b"!"))
            client.command(b"AUTH LOGIN")
            client.command(base64.b64encode(USER.encode()))
            client.command(PASSWORD.encode())  # not even base64: still not logged
        assert repr(server.config).count(PASSWORD) == 0
    assert any(r.name == "mail.log" for r in caplog.records)  # aiosmtpd's log was captured
    logged = caplog.text + "\n".join(lines)
    files = "".join(p.read_text(encoding="utf-8", errors="replace") for p in folder.iterdir())
    assert len(lines) == 3
    for secret in secret_forms:
        assert secret not in logged
        assert secret not in files


def test_starttls_before_auth_when_tls_is_required(tmp_path):
    cert, key = make_certificate(tmp_path)
    settings = dict(
        store=tmp_path / "store",
        users={USER: PASSWORD},
        auth_require_tls=True,  # what any non-loopback address gets
        tls_cert=str(cert),
        tls_key=str(key),
    )
    with serving(**settings) as (server, _):
        with RawClient(server.port) as client:
            client.reply()
            lines = client.command(b"EHLO client.test")
            assert b"250-STARTTLS\r\n" in lines and not any(b"AUTH" in x for x in lines)
            reply = client.command(b"AUTH PLAIN " + plain("", USER, PASSWORD).encode())
            assert reply[0].startswith(b"538 5.7.11")  # encryption required
        with smtp(server) as client:
            client.starttls(context=ssl.create_default_context(cafile=str(cert)))
            client.ehlo()
            assert "PLAIN" in client.esmtp_features["auth"]
            client.login(USER, PASSWORD)
            client.sendmail(FROM, TO, CLEAN)
    assert len(stored(tmp_path / "store")) == 1


def test_auth_file(tmp_path):
    path = tmp_path / "users"
    path.write_text("# who may send\nalice:one:with colon\n\nbob:two\n", encoding="utf-8")
    assert read_auth_file(path) == {"alice": "one:with colon", "bob": "two"}
    path.write_text("nobody\n", encoding="utf-8")
    with pytest.raises(ServeError, match=r"users:1: expected user:password"):
        read_auth_file(path)


# ---------------------------------------------------------------- relay


def test_relay_forwards_unchanged_and_passes_the_upstream_reply(tmp_path):
    data = msg(body=b".dot first\r\nplain\r\n")
    with upstream() as (port, recorder):
        with serving(relay=(LOCAL, port)) as (server, lines), smtp(server) as client:
            client.ehlo()
            client.mail(FROM)
            client.rcpt(TO[0])
            client.rcpt("carol@example.net")
            code, reply = client.data(data)
            with pytest.raises(smtplib.SMTPDataError):
                client.sendmail(FROM, TO, LONG)  # rejected here, never forwarded
    assert (code, reply) == (250, b"2.0.0 queued as U1")
    [received] = recorder.messages
    assert received.content == data  # no X-Peer, no Received: the same octets
    assert received.mail_from == FROM
    assert received.rcpt_tos == [TO[0], "carol@example.net"]
    assert recorder.commands.count("DATA") == 1
    assert "relayed 250" in lines[0] and "rejected 550" in lines[1]


def test_relay_passes_an_upstream_recipient_refusal_back(tmp_path):
    refusal = "550 5.1.1 <nobody@example.org>: no such user"
    recorder = Recorder(refuse_rcpt={"nobody@example.org": refusal})
    with upstream(recorder) as (port, _):
        with serving(relay=(LOCAL, port)) as (server, lines), RawClient(server.port) as client:
            client.reply()
            client.command(b"EHLO client.test")
            client.command(b"MAIL FROM:<alice@example.com>")
            client.command(b"RCPT TO:<bob@example.org>")
            client.command(b"RCPT TO:<nobody@example.org>")
            client.command(b"DATA")
            client.send(CLEAN + b".\r\n")
            reply = client.reply()
    assert_multiline(reply, 550)
    assert reply[0] == b"550-<nobody@example.org>: 550 5.1.1 <nobody@example.org>: no such user\r\n"
    assert reply[-1] == b"550 nothing was sent: every recipient must be accepted\r\n"
    assert recorder.messages == [] and "RSET" in recorder.commands
    assert "not relayed 550" in lines[0]


@pytest.mark.parametrize(
    "data_reply", ["554 5.7.1 looks like spam", "452 4.3.1 insufficient system storage"]
)
def test_relay_passes_an_upstream_data_refusal_back(data_reply):
    with upstream(Recorder(data_reply=data_reply)) as (port, _):
        with serving(relay=(LOCAL, port)) as (server, _), smtp(server) as client:
            with pytest.raises(smtplib.SMTPDataError) as caught:
                client.sendmail(FROM, TO, CLEAN)
    code, text = data_reply.split(" ", 1)
    assert (caught.value.smtp_code, caught.value.smtp_error.decode()) == (int(code), text)


def test_relay_to_an_unreachable_upstream_is_a_temporary_failure():
    with serving(relay=(LOCAL, free_port())) as (server, lines), smtp(server) as client:
        with pytest.raises(smtplib.SMTPDataError) as caught:
            client.sendmail(FROM, TO, CLEAN)
    assert caught.value.smtp_code == 451
    assert caught.value.smtp_error.startswith(b"4.4.1 upstream 127.0.0.1:")
    assert "not relayed 451" in lines[0]


def test_relay_with_starttls_and_auth(tmp_path):
    cert, key = make_certificate(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    from aiosmtpd.smtp import AuthResult

    def authenticator(server, session, envelope, mechanism, data):
        ok = (data.login, data.password) == (b"relay", b"relay-secret")
        return AuthResult(success=ok, handled=False)

    upstream_settings = dict(
        tls_context=context, require_starttls=True, authenticator=authenticator, auth_required=True
    )
    with upstream(**upstream_settings) as (port, recorder):
        relay = dict(relay=(LOCAL, port), relay_tls=True, relay_cafile=str(cert))
        with serving(**relay, relay_auth=("relay", "relay-secret")) as (server, _):
            with smtp(server) as client:
                client.sendmail(FROM, TO, CLEAN)
        with serving(**relay, relay_auth=("relay", "wrong")) as (server, _):
            with smtp(server) as client, pytest.raises(smtplib.SMTPDataError) as caught:
                client.sendmail(FROM, TO, CLEAN)
    assert [m.content for m in recorder.messages] == [CLEAN]
    assert caught.value.smtp_code == 451
    assert caught.value.smtp_error.startswith(b"4.7.0 upstream refused our credentials: 535")


# ---------------------------------------------------------------- configuration


def test_loopback_detection():
    for host in ("127.0.0.1", "127.3.2.1", "::1", "[::1]", "localhost"):
        assert is_loopback(host), host
    for host in ("0.0.0.0", "::", "192.0.2.10"):
        assert not is_loopback(host), host


def test_a_non_loopback_address_needs_auth_or_allow_open(tmp_path):
    with pytest.raises(ServeError, match="not a loopback address"):
        ServeConfig(host="0.0.0.0", store=tmp_path).validate()
    ServeConfig(host="0.0.0.0", store=tmp_path, allow_open=True).validate()
    with pytest.raises(ServeError, match="only after STARTTLS"):
        ServeConfig(host="0.0.0.0", store=tmp_path, users={USER: PASSWORD}).validate()
    assert ServeConfig(host="0.0.0.0").requires_tls_for_auth()
    assert not ServeConfig(host="127.0.0.1").requires_tls_for_auth()


def test_exactly_one_of_store_and_relay(tmp_path):
    with pytest.raises(ServeError, match="either --store"):
        ServeConfig().validate()
    with pytest.raises(ServeError, match="either --store"):
        ServeConfig(store=tmp_path, relay=(LOCAL, 25)).validate()


def test_option_parsers():
    assert parse_hostport("mail.example.com:587") == ("mail.example.com", 587)
    assert parse_hostport("[::1]:2525") == ("::1", 2525)
    assert parse_hostport("mx") == ("mx", 25)
    assert parse_credentials("u:p:q") == ("u", "p:q")
    with pytest.raises(ServeError):
        parse_credentials("no-colon")


def test_cli_refuses_a_public_address_before_binding(tmp_path):
    result = CliRunner().invoke(main, ["serve", "--host", "0.0.0.0", "--store", str(tmp_path)])
    assert result.exit_code == 2
    assert "not a loopback address" in result.stderr and "--allow-open" in result.stderr
    result = CliRunner().invoke(main, ["serve", "--port", "0"])
    assert result.exit_code == 2 and "either --store DIR" in result.stderr


# ---------------------------------------------------------------- the real command


def test_maillint_serve_command_one_line_per_message(tmp_path):
    users = tmp_path / "users"
    users.write_text(f"{USER}:{PASSWORD}\n", encoding="utf-8")
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    command = [sys.executable, "-m", "maillint", "serve", "--port", "0", "--isolated"]
    process = subprocess.Popen(
        [*command, "--auth-file", str(users), "--store", str(tmp_path / "store")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    out = Lines(process.stdout)
    try:
        start = out.next()
        assert start.startswith("maillint serve: listening on 127.0.0.1:")
        assert "AUTH required (1 user)" in start
        port = int(start.split("127.0.0.1:")[1].split(" ")[0])
        with smtplib.SMTP(LOCAL, port, timeout=WAIT) as client:
            client.login(USER, PASSWORD)
            client.sendmail(FROM, TO, CLEAN)
            with pytest.raises(smtplib.SMTPDataError):
                client.sendmail(FROM, TO, LONG)
        first, second = out.next(), out.next()
        assert f"from=<{FROM}> to=<{TO[0]}> stored" in first and f"user={USER}" in first
        assert "rejected 550; 1 error, 1 warning; worst: LN001 line 7 line-too-long" in second
    finally:
        process.terminate()
        process.wait(timeout=WAIT)
    err = process.stderr.read()
    process.stderr.close()
    assert process.returncode == 0, err
    assert out.rest() == "" and PASSWORD not in err
