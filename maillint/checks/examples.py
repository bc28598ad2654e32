"""Building blocks for the bad and good examples that every rule carries.

A rule's examples are whole messages, as bytes; most share a valid header
section, so it is written once here.  ``message(...)`` assembles one in the
wire form (CRLF).
"""

from __future__ import annotations

HEAD = (
    b"From: Alice <alice@example.com>\r\n"
    b"To: bob@example.org\r\n"
    b"Date: Mon, 01 Jan 2024 09:00:00 +0900\r\n"
    b"Message-ID: <20240101090000.1@example.com>\r\n"
    b"Subject: hello\r\n"
)
BODY = b"Hello Bob.\r\n"


def message(*, extra: bytes = b"", body: bytes = BODY, head: bytes = HEAD) -> bytes:
    """A complete message: the shared header section, extra fields, empty line, body."""
    return head + extra + b"\r\n" + body
