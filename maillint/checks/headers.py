"""HD: the header section (RFC 5322 2.2, 3.6, 4.5), over the parsed fields.

The parser (``maillint.parse``) has already split the section into fields and
recorded what it could not read (stray lines, a leading continuation, a missing
separator); these rules report that, then judge the fields: their names, their
octets, which ones are there and how often, and the Date's syntax.  Every rule
walks the field list once, so a header of 100,000 fields, or one field folded
over 100,000 lines, costs linear time; nothing here raises on any octet string.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator, Mapping

from maillint.checks.examples import BODY, HEAD, message
from maillint.findings import Hit, Severity
from maillint.parse import HeaderField, ParsedMessage
from maillint.registry import rule

# An octet that RFC 5322 2.2 does not allow in a field name: anything outside
# printable US-ASCII 33-126 (the parser already stops a name at the colon).
BAD_NAME_OCTET = re.compile(rb"[^\x21-\x39\x3b-\x7e]")
EIGHT_BIT = re.compile(rb"[\x80-\xff]")
HIGH_OCTETS = bytes(range(0x80, 0x100))
WSP = b" \t"
# The first line of a message stored in mbox form ("From sender date").
MBOX_FROM = b"From "
UTF8_BOM = b"\xef\xbb\xbf"

# MIME fields whose 8-bit text belongs in RFC 2231 parameters, not RFC 2047 words.
PARAMETER_FIELDS = frozenset({"content-type", "content-disposition"})

# RFC 5322 3.6: the fields that may appear at most once ("Max number 1").
UNIQUE_FIELDS = frozenset(
    name.lower()
    for name in (
        "Date",
        "From",
        "Sender",
        "Reply-To",
        "To",
        "Cc",
        "Bcc",
        "Message-ID",
        "In-Reply-To",
        "References",
        "Subject",
    )
)

# Fields whose syntax needs at least one token: RFC 5322 3.6 (address lists,
# msg-ids, date-time, path, received, keywords), their Resent- forms (3.6.6)
# and the MIME fields (RFC 2045, 2183).  Not here, because their grammar allows
# an empty body: Bcc and Resent-Bcc (3.6.3), and every unstructured field
# (Subject, Comments, Content-Description, X-...: 3.6.5, *([FWS] VCHAR)).
CONTENT_REQUIRED = frozenset(
    name.lower()
    for name in (
        "From",
        "Sender",
        "Reply-To",
        "To",
        "Cc",
        "Date",
        "Message-ID",
        "In-Reply-To",
        "References",
        "Keywords",
        "Return-Path",
        "Received",
        "Resent-Date",
        "Resent-From",
        "Resent-Sender",
        "Resent-To",
        "Resent-Cc",
        "Resent-Message-ID",
        "MIME-Version",
        "Content-Type",
        "Content-Transfer-Encoding",
        "Content-Disposition",
        "Content-ID",
    )
)

# What an address-list scan stops at: a quoted pair (skipped whole, so an
# escaped quote or parenthesis does not count) or a special of RFC 5322 3.2.3.
ADDRESS_SPECIAL = re.compile(rb'\\.|["(),:;<>@]', re.DOTALL)
# What a comment scan stops at: a quoted pair or a parenthesis (comments nest).
COMMENT_SPECIAL = re.compile(rb"\\.|[()]", re.DOTALL)

# RFC 5322 3.3 date-time once comments are replaced by a space and the ends
# stripped.  The white space between tokens is optional here so that the
# obsolete forms of 4.3 (CFWS made optional around every token) match too; the
# check then tells the current form from the obsolete one.  No two neighbouring
# quantifiers share a character class, so a failing match cannot backtrack
# quadratically over a long run of spaces or digits.
DATE_TIME = re.compile(
    rb"(?:(?P<dow>[A-Za-z]+)(?P<dow_space>[ \t]*),[ \t]*)?"
    rb"(?P<day>[0-9]{1,2})(?P<s1>[ \t]*)"
    rb"(?P<month>[A-Za-z]+)(?P<s2>[ \t]*)"
    rb"(?P<year>[0-9]+)(?P<s3>[ \t]*)"
    rb"(?P<hour>[0-9]{1,2})(?P<t1>[ \t]*):(?P<t2>[ \t]*)(?P<minute>[0-9]{1,2})"
    rb"(?:(?P<t3>[ \t]*):(?P<t4>[ \t]*)(?P<second>[0-9]{1,2}))?"
    rb"(?P<s4>[ \t]*)"
    rb"(?P<zone>[+-][0-9]{4}|[A-Za-z]+)\Z"
)
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
# RFC 5322 4.3 obs-zone: the named zones, and the military letters (all but J).
OBS_ZONES = frozenset({"ut", "gmt", "est", "edt", "cst", "cdt", "mst", "mdt", "pst", "pdt"})

DATE_BAD = HEAD.replace(b"Mon, 01 Jan 2024", b"Fri, 30 Feb 2024")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _file_line(message: ParsedMessage, index: int) -> int:
    """The line number people see for a 0-based line index of the message."""
    return message.source.first_line + index


def _sections(message: ParsedMessage) -> Iterator[tuple[list[HeaderField], str | None]]:
    """The fields of every header section, with the path of its part.

    The message's own section comes first (path None), then each MIME part's
    and each message/rfc822 part's, in file order: RFC 2045 3 gives a body
    part's fields the syntax of RFC 5322 fields, and readers parse them with
    the same code, so a bad name, a blank continuation or a raw 8-bit
    file name there breaks the same way.
    """
    for part in message.mime.walk():
        yield part.header.fields, part.path or None


@rule(
    "HD001",
    "invalid-field-name",
    severity="error",
    summary="a field name that is empty or holds an octet outside printable US-ASCII",
    references=("RFC 5322 2.2", "RFC 5322 3.6.8"),
    bad=message(extra=b"X-Gr\xfc\xdfe: hallo\r\n"),
    good=message(extra=b"X-Greeting: hallo\r\n"),
)
def invalid_field_name(message: ParsedMessage, params: Mapping[str, object]) -> Iterator[Hit]:
    """What it does: reports a field whose name is empty (the line starts with
    a colon) or holds an octet other than printable US-ASCII (33-126): a
    control character, NUL, DEL or an 8-bit octet. One finding per field, at
    the first offending octet (at the colon for an empty name), with the count.

    Why it matters: RFC 5322 2.2 defines a field name as printable US-ASCII
    characters except the colon. Receivers disagree on what to do with other
    octets: some drop the field, some end the header section there and push
    the rest into the body, some reject the message. RFC 2047 encoding is not
    allowed in names; use a plain ASCII name. The header sections of MIME
    parts are checked too.
    """
    for fields, path in _sections(message):
        for field in fields:
            yield from _name_problem(field, path)


def _name_problem(field: HeaderField, path: str | None) -> Iterator[Hit]:
    if not field.raw_name:
        yield Hit(field.colon, "empty field name (the line starts with a colon)", part=path)
        return
    found = BAD_NAME_OCTET.search(field.raw_name)
    if found is None:
        return
    if field.start == 0 and field.raw_name.startswith(UTF8_BOM):
        yield Hit(0, "UTF-8 byte order mark before the first field name", field=field.name)
        return
    count = len(BAD_NAME_OCTET.findall(field.raw_name))
    octet = found.group()[0]
    more = f" ({count} in this name)" if count > 1 else ""
    yield Hit(
        field.start + found.start(),
        f"octet 0x{octet:02X} in field name{more}",
        field=field.name,
        part=path,
    )


@rule(
    "HD002",
    "not-a-header-line",
    severity="error",
    summary="a line in the header section that is neither a field nor a continuation",
    references=("RFC 5322 2.2", "RFC 5322 3.5"),
    bad=HEAD + b"this line has no colon\r\nX-After: value\r\n\r\n" + BODY,
    good=message(extra=b"X-After: value\r\n"),
)
def not_a_header_line(message: ParsedMessage, params: Mapping[str, object]) -> Iterator[Hit]:
    """What it does: reports each line inside the header section (a field
    follows it before the empty line) that has no colon and does not start
    with white space, so that it is neither a field nor a continuation. A line
    without colon after the last field is taken as the start of a body that
    lacks its empty line instead (HD007). MIME parts' header sections are
    checked too.

    An mbox ``From `` line on the first line of a file in the Unix storage
    form is the envelope line of that format and only an `info` finding; in
    the wire form it is an error like any other line without colon.

    Why it matters: RFC 5322 allows nothing but fields in the header section.
    Receivers disagree on such a line: some drop it, some end the header
    section there and show the fields after it as body text, some reject the
    message. It often comes from a folded line that lost its leading space.
    """
    source = message.source
    for part in message.mime.walk():
        path = part.path or None
        for index in part.header.stray_lines:
            if part.path or part.embedded:
                yield Hit(
                    source.starts[index],
                    "line in the part's header section is not a field (no colon)",
                    part=path,
                )
    for index in message.header.stray_lines:
        start = source.starts[index]
        if index == 0 and source.raw_lines[0].startswith(MBOX_FROM):
            if message.form == "stored":
                yield Hit(
                    start,
                    "mbox 'From ' line: the envelope of the Unix storage form, not a field",
                    cap=Severity.INFO,
                )
            else:
                yield Hit(start, "mbox 'From ' line before the header section is not a field")
            continue
        yield Hit(start, "line in the header section is not a field (no colon)")


@rule(
    "HD003",
    "leading-continuation",
    severity="error",
    summary="the first header line starts with white space (a continuation of nothing)",
    references=("RFC 5322 2.2.3", "RFC 5322 3.5"),
    bad=b" X-Orphan: continued\r\n" + message(),
    good=message(),
)
def leading_continuation(message: ParsedMessage, params: Mapping[str, object]) -> Iterator[Hit]:
    """What it does: reports a message whose first line starts with a space or
    a tab. Such a line continues a field, and there is no field before it.
    Continuation lines after a stray line (HD002) are part of that line's
    problem and are not reported again.

    Why it matters: a folded line belongs to the field above it (RFC 5322
    2.2.3). At the top of a message there is none, so receivers drop the line,
    take it as a field of its own, or decide the header section is empty and
    show every field as body text.
    """
    if message.header.leading_continuation == 0:
        yield Hit(0, "first header line starts with white space (continues no field)")


@rule(
    "HD004",
    "whitespace-only-continuation",
    severity="error",
    summary="a folded line made only of white space",
    references=("RFC 5322 3.2.2", "RFC 5322 4.2"),
    bad=message(extra=b"X-Note: first\r\n \r\n second\r\n"),
    good=message(extra=b"X-Note: first\r\n second\r\n"),
    fixable=True,
)
def whitespace_only_continuation(
    message: ParsedMessage, params: Mapping[str, object]
) -> Iterator[Hit]:
    """What it does: reports every continuation line of a field that holds
    nothing but spaces and tabs, at the start of the line.

    Why it matters: RFC 5322 3.2.2 says a folded line MUST hold at least one
    non-white-space character; a line of white space alone is obsolete syntax
    (4.2) that must not be generated. Many receivers take such a line as the
    empty line that ends the header section, so every field after it lands in
    the body. The header sections of MIME parts are checked too.
    """
    lines = message.source.raw_lines
    starts = message.source.starts
    for fields, path in _sections(message):
        for field in fields:
            for index in range(field.first_line + 1, field.last_line + 1):
                if not lines[index].strip(b" \t\r\n"):
                    yield Hit(
                        starts[index],
                        f"continuation line of {field.name} holds only white space",
                        field=field.name,
                        part=path,
                    )


@rule(
    "HD005",
    "space-before-colon",
    severity="warning",
    summary="white space between a field name and its colon",
    references=("RFC 5322 2.2", "RFC 5322 4.5"),
    bad=message(extra=b"X-Note : value\r\n"),
    good=message(extra=b"X-Note: value\r\n"),
    fixable=True,
)
def space_before_colon(message: ParsedMessage, params: Mapping[str, object]) -> Iterator[Hit]:
    """What it does: reports a field name followed by spaces or tabs before
    the colon (``Subject : hi``), at the first white space octet.

    Why it matters: the name must be followed directly by the colon (RFC 5322
    2.2); white space there is obsolete syntax (4.5) that readers must accept
    but writers must not produce. Some parsers take the space as part of the
    name and no longer recognise the field (a ``Subject `` that is no Subject),
    and some filters are fooled by it. The header sections of MIME parts are
    checked too.
    """
    for fields, path in _sections(message):
        for field in fields:
            name_end = field.start + len(field.raw_name)
            if field.colon > name_end:
                yield Hit(
                    name_end,
                    f"white space between field name {field.name!r} and the colon",
                    field=field.name,
                    part=path,
                )


@rule(
    "HD006",
    "non-ascii-header",
    severity="error",
    summary="an octet above 127 in a field body (must be RFC 2047-encoded)",
    params={"allow-utf8": False},
    references=("RFC 5322 2.2", "RFC 2047", "RFC 6532 3.2"),
    bad=message(head=HEAD.replace(b"Subject: hello", b"Subject: caf\xc3\xa9")),
    good=message(head=HEAD.replace(b"Subject: hello", b"Subject: =?UTF-8?Q?caf=C3=A9?=")),
    fixable=True,
)
def non_ascii_header(message: ParsedMessage, params: Mapping[str, object]) -> Iterator[Hit]:
    """What it does: reports a field body holding octets above 127, once per
    field, at the first such octet, with their count. With the parameter
    ``allow-utf8`` (profiles for RFC 6532 / SMTPUTF8 mail), a body that is
    valid UTF-8 passes and one that is not is still reported, at the first
    octet that does not decode. Octets in field names are HD001's; ESC, the
    start of raw ISO-2022-JP, is not above 127 and is reported as a control
    character (LN006). The header sections of MIME parts are checked too: a
    raw 8-bit file name in Content-Disposition or Content-Type is the usual
    case there, and its remedy is RFC 2231 (``filename*=UTF-8''...``).

    Why it matters: RFC 5322 header fields are US-ASCII. Text in other
    characters must be carried in RFC 2047 encoded words (``=?UTF-8?B?...?=``).
    Raw 8-bit octets are read in whatever charset the receiver guesses, so the
    subject or the sender's name arrives garbled; servers without SMTPUTF8 may
    reject or rewrite the message.
    """
    allow_utf8 = bool(params.get("allow-utf8", False))
    for fields, path in _sections(message):
        for field in fields:
            if not field.value.isascii():
                yield from _eight_bit(field, path, allow_utf8)


def _eight_bit(field: HeaderField, path: str | None, allow_utf8: bool) -> Iterator[Hit]:
    """HD006's finding for one field whose body holds octets above 127."""
    value = field.value
    count = len(value) - len(value.translate(None, HIGH_OCTETS))
    octets = _plural(count, "octet")
    if allow_utf8:
        try:
            value.decode("utf-8")
        except UnicodeDecodeError as error:
            yield Hit(
                field.offset_of(error.start),
                f"{field.name} is not valid UTF-8 ({octets} above 127; "
                f"first bad octet 0x{value[error.start]:02X} here)",
                field=field.name,
                part=path,
            )
        return
    found = EIGHT_BIT.search(value)
    assert found is not None
    remedy = "RFC 2231-encoded" if field.key in PARAMETER_FIELDS else "RFC 2047-encoded"
    yield Hit(
        field.offset_of(found.start()),
        f"{field.name} holds {octets} above 127 (not {remedy}), first here",
        field=field.name,
        part=path,
    )


@rule(
    "HD007",
    "missing-header-body-separator",
    severity="error",
    summary="the header section does not end with an empty line before the body",
    references=("RFC 5322 2.1", "RFC 5322 3.5"),
    bad=HEAD + BODY,
    good=message(),
)
def missing_separator(message: ParsedMessage, params: Mapping[str, object]) -> Iterator[Hit]:
    """What it does: reports the line where the body was taken to start
    although no empty line came before it: a line that is neither a field nor
    a continuation, after the last field. A message made of header fields
    only, with no body, needs no empty line and is not reported. The header
    section of every MIME part (and of a message inside message/rfc822) is
    checked the same way (RFC 2046 5.1.1: a body part's header fields end with
    an empty line too).

    Why it matters: the empty line is the only thing that ends the header
    section (RFC 5322 2.1). Without it, receivers disagree on where the body
    starts: the first body line may be read as a broken field, dropped, or
    cause the message to be rejected; a body line that looks like a field
    (``Note: ...``) is taken as one.
    """
    for part in message.mime.walk():
        index = part.header.missing_separator_at
        if index is None:
            continue
        whose = "the part's header section" if part.path or part.embedded else "the header section"
        yield Hit(
            message.source.starts[index],
            f"no empty line between {whose} and the body, which starts here",
            part=part.path or None,
        )


@rule(
    "HD008",
    "missing-required-field",
    severity="error",
    summary="no Date or no From field",
    references=("RFC 5322 3.6",),
    bad=message(head=HEAD.replace(b"Date: Mon, 01 Jan 2024 09:00:00 +0900\r\n", b"")),
    good=message(),
    fixable=True,
)
def missing_required_field(message: ParsedMessage, params: Mapping[str, object]) -> Iterator[Hit]:
    """What it does: reports, at the start of the message, a missing Date and
    a missing From (one finding for each). Any input is a message here: an
    empty file or binary noise has neither field and is reported too. The
    finding's field is the missing field's name.

    Why it matters: RFC 5322 3.6 requires exactly one Date and one From in
    every message. Servers add a Date, or reject the message, or file it as
    spam; a message without From cannot be answered and is refused by many
    receivers (Gmail among them).
    """
    present = {field.key for field in message.header.fields}
    for name in ("Date", "From"):
        if name.lower() not in present:
            yield Hit(0, f"no {name} field (RFC 5322 requires one)", field=name)


@rule(
    "HD009",
    "duplicate-field",
    severity="error",
    summary="more than one of a field that may appear only once (Date, From, Subject, ...)",
    references=("RFC 5322 3.6",),
    bad=message(extra=b"Subject: hello again\r\n"),
    good=message(extra=b"Comments: one\r\nComments: two\r\n"),
)
def duplicate_field(message: ParsedMessage, params: Mapping[str, object]) -> Iterator[Hit]:
    """What it does: reports the second and later occurrences of Date, From,
    Sender, Reply-To, To, Cc, Bcc, Message-ID, In-Reply-To, References and
    Subject, naming the line of the first. Names compare case-insensitively.
    Fields that may repeat (Received, Comments, Keywords, Resent-*, X-...) are
    not reported.

    Why it matters: RFC 5322 3.6 allows these fields at most once. Readers
    pick different copies: one shows the first Subject, another the last, a
    filter checks a third; a second From is a classic way to make a reader
    show a sender that DKIM and DMARC never checked.
    """
    first: dict[str, HeaderField] = {}
    for field in message.header.fields:
        key = field.key
        if key not in UNIQUE_FIELDS:
            continue
        earlier = first.setdefault(key, field)
        if earlier is not field:
            yield Hit(
                field.start,
                f"duplicate {field.name} field (first on line "
                f"{_file_line(message, earlier.first_line)})",
                field=field.name,
            )


def count_mailboxes(value: bytes) -> int:
    """How many mailboxes an address list holds, without raising on any input.

    A linear scan over the specials: quoted strings, comments (nested) and
    quoted pairs are skipped; commas and semicolons outside angle brackets end
    an item, a colon outside them ends a group's display name; an item is a
    mailbox when it holds an ``@`` outside quotes and comments. So an unquoted
    comma in a display name (``Smith, John <j@example.com>``, AD003's
    business) does not make a second mailbox.  The stdlib's ``getaddresses``
    is not used: it recurses once per nested comment or group colon and raises
    RecursionError on a few thousand of them.
    """
    count = 0
    has_at = False
    quoted = False
    depth = 0  # comment nesting
    angle = 0
    for match in ADDRESS_SPECIAL.finditer(value):
        token = match.group()
        if len(token) == 2:  # a quoted pair
            continue
        if quoted:
            quoted = token != b'"'
        elif depth:
            depth += {b"(": 1, b")": -1}.get(token, 0)
        elif token == b'"':
            quoted = True
        elif token == b"(":
            depth = 1
        elif token == b"<":
            angle += 1
        elif token == b">":
            angle = max(angle - 1, 0)
        elif token == b"@":
            has_at = True
        elif angle == 0 and token in b",;":
            count += has_at
            has_at = False
        elif angle == 0 and token == b":":
            has_at = False  # what came before was a group's display name
    return count + has_at


@rule(
    "HD010",
    "missing-sender",
    severity="error",
    summary="From holds more than one mailbox and there is no Sender",
    references=("RFC 5322 3.6.2",),
    bad=message(
        head=HEAD.replace(
            b"From: Alice <alice@example.com>",
            b"From: Alice <alice@example.com>, Carol <carol@example.com>",
        )
    ),
    good=message(
        head=HEAD.replace(
            b"From: Alice <alice@example.com>",
            b"From: Alice <alice@example.com>, Carol <carol@example.com>\r\n"
            b"Sender: Alice <alice@example.com>",
        )
    ),
)
def missing_sender(message: ParsedMessage, params: Mapping[str, object]) -> Iterator[Hit]:
    """What it does: reports a From field that names more than one mailbox
    (``From: a@example.com, b@example.com``, or a group of several) when the
    message has no Sender field. Mailboxes are counted as the addresses
    holding an ``@``, outside quoted strings and comments; whether each one is
    well formed is AD001's business.

    Why it matters: RFC 5322 3.6.2 says that when From holds more than one
    author, Sender MUST name the single mailbox that actually sent the
    message. Without it, a DMARC receiver must check every author's domain
    and apply the strictest policy (RFC 7489 6.6.1); many simply reject such
    mail, and replies go to every author.
    """
    fields = message.header.fields
    if any(field.key == "sender" for field in fields):
        return
    for field in fields:
        if field.key != "from":
            continue
        count = count_mailboxes(field.value)
        if count > 1:
            yield Hit(
                field.start,
                f"From holds {count} mailboxes and there is no Sender field",
                field=field.name,
            )


def _strip_comments(value: bytes) -> tuple[bytes, int | None] | None:
    """The value with each comment replaced by a space, and where the first
    comment started in that result (None when there is none). None when the
    parentheses do not balance."""
    if b"(" not in value and b")" not in value:
        return value, None
    parts: list[bytes] = []
    length = 0
    first: int | None = None
    depth = 0
    last = 0
    for match in COMMENT_SPECIAL.finditer(value):
        token = match.group()
        if token == b"(":
            if depth == 0:
                text = value[last : match.start()]
                parts.append(text)
                length += len(text)
                first = length if first is None else first
            depth += 1
        elif token == b")":
            if depth == 0:
                return None
            depth -= 1
            if depth == 0:
                parts.append(b" ")
                length += 1
                last = match.end()
    if depth:
        return None
    parts.append(value[last:])
    return b"".join(parts), first


def _zone_problem(zone: str) -> tuple[str | None, str | None]:
    """(error, obsolete-form note) for an alphabetic zone."""
    lower = zone.lower()
    if lower in OBS_ZONES:
        return None, f"alphabetic zone {zone!r}"
    if len(zone) == 1:
        if lower == "j":
            return f"zone {zone!r} is not a zone (military letters exclude J)", None
        return None, f"military zone {zone!r} (read as -0000)"
    if 3 <= len(zone) <= 5:
        return None, f"zone {zone!r} is not defined by RFC 5322 (read as -0000)"
    return f"zone {zone!r} is not a time zone", None


def check_date(value: bytes) -> tuple[str | None, list[str]]:
    """Judge a Date field body: (error, obsolete forms found).

    ``error`` is None when the value is a date-time of RFC 5322 3.3 or of its
    obsolete grammar (4.3); the list names the obsolete forms used.
    """
    stripped = _strip_comments(value)
    if stripped is None:
        return "unbalanced parentheses in Date", []
    text, comment_at = stripped
    obsolete: list[str] = []
    if comment_at is not None and text[comment_at:].strip(WSP):
        obsolete.append("comment inside the date-time")
    match = DATE_TIME.match(text.strip(WSP))
    if match is None:
        return "Date is not an RFC 5322 date-time (like 'Mon, 01 Jan 2024 09:00:00 +0900')", []
    part = {key: (group or b"").decode("ascii") for key, group in match.groupdict().items()}
    if part["dow_space"]:
        obsolete.append("white space before the comma")
    if not part["s1"] or not part["s2"] or not part["s3"]:
        obsolete.append("no white space between date tokens")
    if part["t1"] or part["t2"] or part["t3"] or part["t4"]:
        obsolete.append("white space around ':' in the time")

    dow = part["dow"].lower()
    if dow and dow not in DAY_NAMES:
        return f"day name {part['dow']!r} is not one of Mon, Tue, ... Sun", []
    if part["month"].lower() not in MONTHS:
        return f"month {part['month']!r} is not one of Jan, Feb, ... Dec", []
    month = MONTHS.index(part["month"].lower()) + 1
    digits = part["year"]
    if len(digits) > 9:
        return f"year has {len(digits)} digits", []
    year = int(digits)
    if len(digits) < 4:
        # RFC 5322 4.3: add 2000 to a two-digit year below 50, else 1900.
        year += 2000 if len(digits) == 2 and year < 50 else 1900
        obsolete.append(f"{len(digits)}-digit year")
    if year < 1900:
        return f"year {year} is before 1900", []
    for name, width in (("hour", 2), ("minute", 2), ("second", 2)):
        if part[name] and len(part[name]) != width:
            return f"{name} {part[name]!r} must have two digits", []
    hour, minute = int(part["hour"]), int(part["minute"])
    second = int(part["second"] or 0)
    if hour > 23 or minute > 59 or second > 60:
        return f"time {part['hour']}:{part['minute']}:{part['second'] or '00'} does not exist", []

    zone = part["zone"]
    if zone[0] in "+-":
        if not part["s4"]:
            return "no white space before the zone", []
        if int(zone[3:]) > 59:
            return f"zone {zone} has more than 59 minutes", []
    else:
        error, note = _zone_problem(zone)
        if error:
            return error, []
        assert note is not None
        obsolete.append(note)

    # The Gregorian calendar repeats every 400 years, weekdays included, so a
    # year of any size is checked through its equivalent in 2000-2399.
    try:
        date = datetime.date(2000 + year % 400, month, int(part["day"]))
    except ValueError:
        return f"day {part['day']} {part['month']} {year} does not exist", []
    if dow and DAY_NAMES.index(dow) != date.weekday():
        actual = DAY_NAMES[date.weekday()].capitalize()
        return (
            f"{part['dow']} does not match {part['day']} {part['month']} {year} (a {actual})",
            [],
        )
    return None, obsolete


@rule(
    "HD011",
    "invalid-date",
    severity="error",
    summary="Date is not an RFC 5322 date-time or names a day that does not exist",
    references=("RFC 5322 3.3", "RFC 5322 4.3"),
    bad=message(head=DATE_BAD),
    good=message(),
)
def invalid_date(message: ParsedMessage, params: Mapping[str, object]) -> Iterator[Hit]:
    """What it does: parses each Date field with the grammar of RFC 5322 3.3
    and reports, at the start of its body, a value that is not a date-time, a
    day that does not exist (30 Feb, day 0), a day-of-week that is not the
    day the date falls on (3.3: it MUST be), a time that does not exist (hour
    24, minute 60; second 60 is a leap second and passes), a year before 1900,
    or a numeric zone with more than 59 minutes. Comments are allowed after
    the zone (``+0000 (UTC)``); the day-of-week and the seconds are optional.

    The obsolete forms of RFC 5322 4.3, which readers must accept but writers
    must not produce, are reported as ``warning``: a two- or three-digit year,
    an alphabetic zone (UT, GMT, the US zones, military letters other than J,
    and other zones of three to five letters such as JST, which 4.3 says to
    read as -0000), comments anywhere but at the end, white space before the
    comma or around the colons of the time, and missing white space between
    the day, the month, the year and the time. An empty Date is HD013's.

    Why it matters: readers sort and display mail by Date; one they cannot
    parse shows as 1970 or the time of arrival, and spam filters score it.
    A day name that contradicts the date is a common sign of forged mail.
    """
    for field in message.header.fields:
        if field.key != "date" or not field.value.strip(WSP):
            continue
        error, obsolete = check_date(field.value)
        if error is not None:
            yield Hit(field.value_offset, error, field=field.name)
        elif obsolete:
            yield Hit(
                field.value_offset,
                "obsolete date syntax: " + ", ".join(obsolete),
                field=field.name,
                cap=Severity.WARNING,
            )


@rule(
    "HD012",
    "missing-message-id",
    severity="warning",
    summary="no Message-ID field",
    references=("RFC 5322 3.6.4",),
    bad=message(
        head=HEAD.replace(b"Message-ID: <20240101090000.1@example.com>\r\n", b""),
    ),
    good=message(),
    fixable=True,
)
def missing_message_id(message: ParsedMessage, params: Mapping[str, object]) -> Iterator[Hit]:
    """What it does: reports, at the start of the message, a message without a
    Message-ID field.

    Why it matters: RFC 5322 3.6.4 says every message SHOULD have one. Replies
    thread by it (In-Reply-To, References), duplicates are removed by it, and
    spam filters score its absence; a relay that adds one on the way makes an
    identifier the sender never knew.
    """
    if not any(field.key == "message-id" for field in message.header.fields):
        yield Hit(0, "no Message-ID field", field="Message-ID")


@rule(
    "HD013",
    "empty-field",
    severity="warning",
    summary="a field with an empty body where its syntax requires content",
    references=("RFC 5322 3.6", "RFC 2045", "RFC 2183"),
    bad=message(extra=b"Cc: \r\n"),
    good=message(extra=b"Bcc:\r\nX-Empty:\r\n"),
)
def empty_field(message: ParsedMessage, params: Mapping[str, object]) -> Iterator[Hit]:
    """What it does: reports a field whose body is empty or only white space
    when its grammar needs at least one token: From, Sender, Reply-To, To,
    Cc, Date, Message-ID, In-Reply-To, References, Keywords, Return-Path,
    Received, their Resent- forms (but Resent-Bcc), MIME-Version,
    Content-Type, Content-Transfer-Encoding, Content-Disposition and
    Content-ID. Bcc may be empty (RFC 5322 3.6.3), and so may an unstructured
    field (Subject, Comments, Content-Description, X-...): an empty Subject is
    legal and is not reported. A body made only of a comment is AD001's.

    Why it matters: an empty structured field does not parse. Receivers treat
    an empty To or From as a missing one, reject the message, or fill in a
    value of their own; an empty Content-Type is read as text/plain with
    whatever charset the reader guesses.
    """
    for field in message.header.fields:
        if field.key in CONTENT_REQUIRED and not field.value.strip(WSP):
            yield Hit(field.value_offset, f"empty {field.name} field", field=field.name)


@rule(
    "HD014",
    "header-section-too-large",
    severity="warning",
    summary="more header fields or octets than receiving MTAs commonly accept",
    params={"max-fields": 1000, "max-octets": 102400},
    references=("Postfix header_size_limit", "Haraka smtp.ini [headers] max_lines"),
    bad=message(extra=b"X-Filler: padding\r\n" * 1000),
    good=message(),
)
def header_section_too_large(message: ParsedMessage, params: Mapping[str, object]) -> Iterator[Hit]:
    """What it does: reports, once, a header section with more than
    ``max-fields`` fields or more than ``max-octets`` octets (the empty line
    not counted), at the place where it crosses the first limit: the first
    field past ``max-fields``, or the octet past ``max-octets``.

    The defaults: 102400 octets is Postfix's ``header_size_limit``; Postfix
    applies it to each multi-line header field and discards the excess, and
    here it applies to the whole section, which is stricter (sendmail's
    ``MaxHeadersLength`` caps the whole section at 32768 by default: a profile
    can set that). 1000 fields is Haraka's default for header lines
    (``smtp.ini``, ``[headers] max_lines``); a field has at least one line, so
    counting fields against it is the lenient reading.

    Why it matters: MTAs bound the memory a header section may take. Beyond
    their limit they reject the message, or truncate the header and push the
    rest into the body; a huge header is also a denial-of-service pattern.
    """
    max_fields = int(params["max-fields"])
    max_octets = int(params["max-octets"])
    header = message.header
    source = message.source
    fields = header.fields
    end = header.separator if header.separator is not None else header.missing_separator_at
    octets = source.starts[end] if end is not None else len(source.data)
    places = []
    problems = []
    if len(fields) > max_fields:
        places.append(fields[max_fields].start)
        problems.append(f"{len(fields)} fields (limit {max_fields})")
    if octets > max_octets:
        places.append(max_octets)
        problems.append(f"{octets} octets (limit {max_octets})")
    if problems:
        yield Hit(min(places), "header section has " + " and ".join(problems))


@rule(
    "HD015",
    "no-space-after-colon",
    severity="info",
    summary="no space after a field's colon (From:x): legal, but a spam fingerprint",
    references=("RFC 5322 2.2", "rspamd HEADER_*_EMPTY_DELIMITER"),
    bad=message(head=HEAD.replace(b"Subject: hello", b"Subject:hello")),
    good=message(),
)
def no_space_after_colon(message: ParsedMessage, params: Mapping[str, object]) -> Iterator[Hit]:
    """What it does: reports a field whose body starts right after the colon,
    without a space or a tab (``From:alice@example.com``), once per field, at
    the first octet of the body. An empty body is not reported.

    Why it matters: the space is not required by RFC 5322, but every common
    mail program writes one. Its absence is a known fingerprint of bulk and
    spam software (rspamd scores ``HEADER_FROM_EMPTY_DELIMITER`` and its
    siblings), and some handsets (SoftBank) emit it, so such mail is more
    likely to be filed as spam.
    """
    for field in message.header.fields:
        if field.value and field.value[:1] not in (b" ", b"\t"):
            yield Hit(
                field.value_offset,
                f"no space after the colon of {field.name}",
                field=field.name,
            )
