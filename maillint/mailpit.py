"""``maillint mailpit``: lint the messages Mailpit catches.

Mailpit (the development mail sink) checks HTML compatibility and links, not
the message format.  This companion fetches a message's raw source from
Mailpit's API (``GET {url}/api/v1/message/{ID}/raw``) and lints it, either for
the IDs given, or for every message Mailpit announces to its webhook
(``mailpit --webhook-url http://127.0.0.1:8026/``, or ``MP_WEBHOOK_URL``): Mailpit
POSTs the new message's summary as JSON, and its ``ID`` is all this needs.

The raw source is Mailpit's stored copy, so it is linted with
``line_endings="auto"`` (an LF-only copy is in stored form, as with a file).
"""

from __future__ import annotations

import base64
import json
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from maillint.engine import Report, lint_bytes
from maillint.findings import Severity
from maillint.inputs import InputError
from maillint.profiles import Profile
from maillint.runner import Results

DEFAULT_URL = "http://127.0.0.1:8025"
DEFAULT_LISTEN = ("127.0.0.1", 8026)
MAX_MESSAGE = 64 * 1024 * 1024  # octets read from Mailpit for one message
MAX_PAYLOAD = 1024 * 1024  # octets of a webhook request body


class MailpitError(Exception):
    """A message could not be fetched from Mailpit (one line, for the console)."""


def raw_url(base_url: str, message_id: str) -> str:
    """``{base}/api/v1/message/{ID}/raw``, the ID quoted so it stays one path segment."""
    return f"{base_url.rstrip('/')}/api/v1/message/{urllib.parse.quote(message_id, safe='')}/raw"


def fetch_raw(
    base_url: str,
    message_id: str,
    *,
    auth: tuple[str, str] | None = None,
    timeout: float = 10.0,
) -> bytes:
    """The raw source of one message, as Mailpit stored it."""
    if urllib.parse.urlsplit(base_url).scheme not in ("http", "https"):
        raise MailpitError(f"{base_url}: not an http(s) URL")
    request = urllib.request.Request(raw_url(base_url, message_id))
    if auth is not None:
        token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode("ascii")
        request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            data = response.read(MAX_MESSAGE + 1)
    except urllib.error.HTTPError as exc:
        raise MailpitError(f"message {message_id}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise MailpitError(f"cannot reach Mailpit at {base_url}: {reason}") from None
    if len(data) > MAX_MESSAGE:
        raise MailpitError(f"message {message_id}: larger than {MAX_MESSAGE} octets")
    return data


def lint_message_id(
    base_url: str,
    message_id: str,
    *,
    profile: Profile | str | None = None,
    auth: tuple[str, str] | None = None,
    timeout: float = 10.0,
    keep_source: bool = False,
) -> Report:
    """Fetch one message from Mailpit and lint it; its path is ``mailpit:ID``.

    ``keep_source`` keeps the octets on the report (the HTML format shows them).
    """
    data = fetch_raw(base_url, message_id, auth=auth, timeout=timeout)
    return lint_bytes(
        data,
        profile=profile,
        line_endings="auto",
        path=f"mailpit:{message_id}",
        keep_source=keep_source,
    )


def lint_ids(
    base_url: str,
    ids: Sequence[str],
    profile: Profile,
    *,
    auth: tuple[str, str] | None = None,
    timeout: float = 10.0,
    keep_source: bool = False,
) -> Results:
    """Lint several messages; one that cannot be fetched is an error, the others go on."""
    results = Results(profile.name)
    for message_id in ids:
        try:
            report = lint_message_id(
                base_url,
                message_id,
                profile=profile,
                auth=auth,
                timeout=timeout,
                keep_source=keep_source,
            )
        except MailpitError as exc:
            results.errors.append(InputError(f"mailpit:{message_id}", str(exc)))
        else:
            results.reports.append(report)
    return results


def message_id_from_payload(body: bytes) -> str:
    """The message ID in a webhook body: Mailpit's message summary, ``{"ID": ...}``."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ValueError("the webhook body is not JSON") from None
    candidates = [payload]
    if isinstance(payload, dict):
        candidates += [v for v in payload.values() if isinstance(v, dict)]
    for candidate in candidates:
        if isinstance(candidate, dict):
            value = candidate.get("ID")
            if isinstance(value, str) and value.strip():
                return value.strip()
    raise ValueError('the webhook body has no "ID"')


OnReport = Callable[[Report], None]
OnError = Callable[[str], None]


class WebhookServer(ThreadingHTTPServer):
    """Receives Mailpit's webhook: each POST names a message to fetch and lint.

    The reply is 200 with ``{"id", "fails", "report"}`` (``fails``: a finding
    reached ``fail_on``; ``report``: the report's JSON form), 400 for a body
    without an ID, 502 when Mailpit cannot be read.
    ``on_report`` sees every report; ``on_error`` every problem, as one line.
    """

    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        *,
        base_url: str,
        profile: Profile,
        on_report: OnReport,
        on_error: OnError,
        auth: tuple[str, str] | None = None,
        timeout: float = 10.0,
        fail_on: Severity = Severity.ERROR,
        keep_source: bool = False,
    ) -> None:
        self.base_url = base_url
        self.fail_on = fail_on
        self.keep_source = keep_source
        self.profile = profile
        self.on_report = on_report
        self.on_error = on_error
        self.auth = auth
        self.timeout = timeout
        self._lock = threading.Lock()  # one report on the console at a time
        super().__init__(address, _WebhookRequest)

    @property
    def port(self) -> int:
        return self.server_address[1]

    def lint(self, message_id: str) -> Report:
        report = lint_message_id(
            self.base_url,
            message_id,
            profile=self.profile,
            auth=self.auth,
            timeout=self.timeout,
            keep_source=self.keep_source,
        )
        with self._lock:
            self.on_report(report)
        return report

    def error(self, text: str) -> None:
        with self._lock:
            self.on_error(text)


class _WebhookRequest(BaseHTTPRequestHandler):
    server: WebhookServer
    server_version = "maillint-mailpit"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib's name
        """Requests are not logged: the reports are the output."""

    def _reply(self, status: int, doc: dict[str, Any]) -> None:
        body = json.dumps(doc, ensure_ascii=False).encode("utf-8") + b"\n"
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 < length <= MAX_PAYLOAD:
            self._reply(400, {"error": "expected a JSON body with the message ID"})
            return
        try:
            message_id = message_id_from_payload(self.rfile.read(length))
        except ValueError as exc:
            self.server.error(f"webhook: {exc}")
            self._reply(400, {"error": str(exc)})
            return
        try:
            report = self.server.lint(message_id)
        except MailpitError as exc:
            self.server.error(f"mailpit:{message_id}: {exc}")
            self._reply(502, {"id": message_id, "error": str(exc)})
            return
        fails = report.fails(self.server.fail_on)
        doc = report.to_dict()
        self._reply(200, {"id": message_id, "fails": fails, "report": doc})

    def do_GET(self) -> None:  # noqa: N802
        self._reply(200, {"service": "maillint mailpit webhook", "mailpit": self.server.base_url})


__all__ = [
    "DEFAULT_LISTEN",
    "DEFAULT_URL",
    "MailpitError",
    "WebhookServer",
    "fetch_raw",
    "lint_ids",
    "lint_message_id",
    "message_id_from_payload",
    "raw_url",
]
