"""``maillint mailpit`` against a stand-in for Mailpit's HTTP API on 127.0.0.1."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from click.testing import CliRunner
from smtp_support import LOCAL, WAIT, Lines

from maillint.cli import main
from maillint.engine import resolve_profile
from maillint.mailpit import (
    MailpitError,
    WebhookServer,
    fetch_raw,
    lint_message_id,
    message_id_from_payload,
    raw_url,
)
from support import msg

CLEAN = msg()
LONG = msg(body=b"x" * 1000 + b"\r\n")
MESSAGES = {"clean1": CLEAN, "long22": LONG, "a/b": CLEAN}


class FakeMailpit(BaseHTTPRequestHandler):
    """Answers ``GET /api/v1/message/{ID}/raw`` from MESSAGES, like Mailpit's API."""

    requests: list[tuple[str, str | None]] = []
    prefix = "/api/v1/message/"

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        self.requests.append((self.path, self.headers.get("Authorization")))
        message_id = None
        if self.path.startswith(self.prefix) and self.path.endswith("/raw"):
            message_id = urllib.request.unquote(self.path[len(self.prefix) : -len("/raw")])
        data = MESSAGES.get(message_id) if message_id is not None else None
        if data is None:
            self.send_error(404, "Not Found")
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@contextlib.contextmanager
def in_thread(server):
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(WAIT)


@pytest.fixture
def mailpit():
    FakeMailpit.requests = []
    with in_thread(ThreadingHTTPServer((LOCAL, 0), FakeMailpit)) as server:
        yield f"http://{LOCAL}:{server.server_address[1]}"


def post(url: str, body: bytes) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=body, method="POST")
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=WAIT) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


# ---------------------------------------------------------------- fetching


def test_raw_url_keeps_the_id_one_segment():
    assert raw_url("http://h:8025/", "a/b") == "http://h:8025/api/v1/message/a%2Fb/raw"


def test_fetch_and_lint(mailpit):
    assert fetch_raw(mailpit, "long22") == LONG
    report = lint_message_id(mailpit, "long22")
    assert report.path == "mailpit:long22"
    assert ("LN001", 7, 999) in [(f.code, f.line, f.column) for f in report.findings]
    assert lint_message_id(mailpit, "a/b").path == "mailpit:a/b"
    assert FakeMailpit.requests[-1][0] == "/api/v1/message/a%2Fb/raw"


def test_fetch_errors_are_one_line(mailpit):
    with pytest.raises(MailpitError, match="message nope: HTTP 404"):
        fetch_raw(mailpit, "nope")
    with pytest.raises(MailpitError, match="not an http"):
        fetch_raw("file:///etc", "x")


def test_basic_auth(mailpit):
    fetch_raw(mailpit, "clean1", auth=("me", "pw"))
    expected = "Basic " + base64.b64encode(b"me:pw").decode()
    assert FakeMailpit.requests[-1][1] == expected


# ---------------------------------------------------------------- the webhook


def test_payload_id():
    summary = {"ID": "iAfZVVe2UQfNSG5BAjgYwa", "MessageID": "x@y", "Subject": "hi"}
    assert message_id_from_payload(json.dumps(summary).encode()) == "iAfZVVe2UQfNSG5BAjgYwa"
    assert message_id_from_payload(b'{"Data": {"ID": "nested"}}') == "nested"
    for bad in (b"not json", b'{"id": 3}', b"[]"):
        with pytest.raises(ValueError):
            message_id_from_payload(bad)


@pytest.fixture
def webhook(mailpit):
    reports, errors = [], []
    server = WebhookServer(
        (LOCAL, 0),
        base_url=mailpit,
        profile=resolve_profile(None),
        on_report=reports.append,
        on_error=errors.append,
    )
    with in_thread(server):
        yield f"http://{LOCAL}:{server.port}/", reports, errors


def test_webhook_lints_each_announced_message(webhook):
    url, reports, errors = webhook
    status, doc = post(url, json.dumps({"ID": "long22", "Subject": "hello"}).encode())
    assert status == 200 and doc["id"] == "long22" and doc["fails"] is True
    assert doc["report"]["path"] == "mailpit:long22"
    assert "LN001" in [f["code"] for f in doc["report"]["findings"]]
    status, doc = post(url, b'{"ID": "clean1"}')
    assert status == 200 and doc["fails"] is False
    assert [r.path for r in reports] == ["mailpit:long22", "mailpit:clean1"] and errors == []


def test_webhook_errors(webhook):
    url, reports, errors = webhook
    assert post(url, b"{}")[0] == 400
    status, doc = post(url, b'{"ID": "gone"}')
    assert status == 502 and "HTTP 404" in doc["error"]
    assert reports == [] and len(errors) == 2 and errors[1].startswith("mailpit:gone: ")


# ---------------------------------------------------------------- the command


def test_command_lints_the_ids_given(mailpit):
    result = CliRunner().invoke(main, ["mailpit", "--isolated", "--url", mailpit, "clean1"])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(main, ["mailpit", "--isolated", "--url", mailpit, "long22"])
    assert result.exit_code == 1
    assert "mailpit:long22:7:999: LN001 [error] line is 1000 octets (limit 998)" in result.stdout
    result = CliRunner().invoke(
        main, ["mailpit", "--isolated", "--url", mailpit, "--format", "json", "clean1", "gone"]
    )
    assert result.exit_code == 2
    assert json.loads(result.stdout)["summary"]["messages"] == 1
    assert "maillint: error: mailpit:gone: message gone: HTTP 404" in result.stderr


def test_command_listens_for_the_webhook(mailpit):
    command = [sys.executable, "-m", "maillint", "mailpit", "--isolated", "--url", mailpit]
    process = subprocess.Popen(
        [*command, "--listen", f"{LOCAL}:0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )
    out = Lines(process.stdout)
    try:
        start = out.next()
        assert start.startswith(f"maillint mailpit: listening on http://{LOCAL}:")
        url = start.split(" on ")[1].split(" ")[0].rstrip(";")
        status, _ = post(url, b'{"ID": "long22"}')
        assert status == 200
        assert out.next().startswith("mailpit:long22:7:79: LN002 [warning]")
    finally:
        process.terminate()
        process.wait(timeout=WAIT)
        process.stderr.close()
        out.rest()
