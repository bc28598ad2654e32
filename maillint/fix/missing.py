"""Repairs that add a missing field whose value must be invented: a
Message-ID (HD012) and a Date (HD008), only with ``add_missing``.

Apart because they make up data the sender never wrote, which no other repair
does; they come last in the repairs' order (``loop``).
"""

from __future__ import annotations

import email.utils
import re
import time
import uuid
from collections.abc import Iterator

from maillint.checks.addresses import parse_addresses
from maillint.findings import Finding
from maillint.fix.context import Context, _header_insert, repairs
from maillint.fix.model import Fix, Skip
from maillint.parse import ParsedMessage

# -- HD012, HD008: fields that invent data ------------------------------------------


def _from_domain(message: ParsedMessage) -> str:
    """The domain of the first From address, for a new Message-ID's right side."""
    header_field = message.header.get("from")
    if header_field is not None:
        parsed = parse_addresses("mailbox-list", header_field.value)
        for mailbox in parsed.mailboxes:
            domain = mailbox.domain.strip(b"[]")
            if domain and re.fullmatch(rb"[A-Za-z0-9.-]+", domain):
                return domain.decode("ascii").lower()
    return "maillint.invalid"


@repairs("HD012")
def add_message_id(ctx: Context, findings: list[Finding]) -> Iterator[Fix | Skip]:
    """A new Message-ID, only with ``add_missing`` (it is data the sender never made)."""
    if not ctx.options.add_missing:
        yield Skip("HD012", "adding a Message-ID invents data: use --add-missing")
        return
    identifier = (
        f"<{time.strftime('%Y%m%d%H%M%S', time.gmtime())}.{uuid.uuid4().hex[:16]}"
        f"@{_from_domain(ctx.message)}>"
    )
    edit = _header_insert(ctx, ctx.message.mime, [b"Message-ID: " + identifier.encode("ascii")])
    if isinstance(edit, str):
        yield Skip("HD012", edit)
        return
    yield Fix(("HD012",), (edit,), f"Message-ID {identifier} added", adds=("Message-ID",))


@repairs("HD008")
def add_date(ctx: Context, findings: list[Finding]) -> Iterator[Fix | Skip]:
    """A Date of now, only with ``add_missing``; a missing From cannot be made up."""
    for finding in findings:
        if (finding.field or "").lower() != "date":
            yield Skip("HD008", "a missing From cannot be repaired: only the sender knows it")
            continue
        if not ctx.options.add_missing:
            yield Skip("HD008", "adding a Date invents data: use --add-missing")
            continue
        date = email.utils.formatdate(localtime=True)
        edit = _header_insert(ctx, ctx.message.mime, [b"Date: " + date.encode("ascii")])
        if isinstance(edit, str):
            yield Skip("HD008", edit)
            continue
        yield Fix(("HD008",), (edit,), f"Date: {date} added", adds=("Date",))
