"""TE: transfer encodings (RFC 2045 6), over the raw body of every MIME part.

These rules judge a part's body as it stands in the file, before any decoding:
the octets a 7bit part may hold, and whether base64 and quoted-printable data
is well formed.  A valid body of any size is confirmed by a few passes in C
(``bytes.translate``, ``isascii``, ``count`` and ``find``, and ``map`` over the
line list); Python reads a part line by line only after that fast check has
failed, and then only the lines that hold a problem, found by regexes whose
every match starts at a bad octet and ends with its line, so that no match can
restart inside a line.  Each rule reports a part once, at its first bad place,
with the count of the other bad lines.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Mapping
from itertools import compress, count
from operator import itemgetter, not_

from maillint.checks.examples import message
from maillint.checks.structure import repeated_fields
from maillint.decode import body_span
from maillint.findings import Hit, Severity
from maillint.mime import Part, mechanism
from maillint.parse import ParsedMessage
from maillint.registry import rule
from maillint.source import Source

CTE = "Content-Transfer-Encoding"
WSP = b" \t"
KNOWN = frozenset({"7bit", "8bit", "binary", "quoted-printable", "base64"})
IDENTITY = frozenset({"7bit", "8bit", "binary"})
# RFC 2045 6.4 and RFC 2046 5.2: composite types whose body must not be
# encoded.  message/global is left out on purpose: RFC 6532 3.5 allows it to
# be base64 or quoted-printable.
COMPOSITE_MESSAGES = frozenset({"message/rfc822", "message/partial", "message/external-body"})
# Spellings of a known encoding once everything but letters and digits is
# dropped ("7-bit", "Quoted Printable", "base64;", '"base64"'), or close to
# one ("8bits"): named in the message as the likely intent.
COMPACT = {"7bit": "7bit", "8bit": "8bit", "binary": "binary", "base64": "base64"}
COMPACT["quotedprintable"] = "quoted-printable"
UUENCODE = frozenset({"x-uuencode", "uuencode", "x-uue", "uue", "x-uu"})
NOT_ALNUM = re.compile(r"[^a-z0-9]")
# What a comment scan stops at: a quoted pair or a parenthesis (comments nest).

# base64 (RFC 2045 6.8, Table 1).
BASE64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
BREAKS_AND_PADDING = b"\r\n="
# A bad place in base64 data before its padding, and the rest of its line (so
# that each match is one line and ``findall`` counts lines): an octet outside
# the alphabet, where white space counts only when the line goes on after it.
# White space at the end of a line is tolerated (see TE003).  The pattern
# starts with one character class, so the regex engine skips good data in C;
# the look-behinds make a run of spaces be tried once, at its start.
BASE64_BAD = re.compile(
    rb"[^A-Za-z0-9+/=\r\n]"
    rb"(?:(?<![ \t])|(?<![ \t][ \t])[ \t]*+(?=[^\r\n]))"
    rb"[^\r\n]*"
)
# After the first "=", anything but more padding, white space and line breaks
# is data after the padding.
AFTER_PADDING_BAD = re.compile(rb"[^=\r\n \t][^\r\n]*")
# The 77th character of a raw line is past the limit unless it ends the line.
LINE_LIMIT = 76
PAST_LIMIT = itemgetter(slice(LINE_LIMIT, LINE_LIMIT + 1))
NOT_PAST_LIMIT = frozenset({b"", b"\r", b"\n"})


def _qp_classes() -> bytes:
    """quoted-printable (RFC 2045 6.7): a ``bytes.translate`` table giving each
    octet its class, so that a body is judged through substring counts and
    searches on its classes, in C: ``H`` an uppercase hex digit, ``x`` another
    printable character, ``=``, ``s`` SP or HTAB, ``n`` CR or LF, ``!`` an
    octet that must be encoded (controls, DEL, 8-bit: rules 1 and 2)."""
    table = bytearray(b"!" * 256)
    table[0x21:0x7F] = b"x" * (0x7F - 0x21)
    for octet in b"0123456789ABCDEF":
        table[octet] = ord("H")
    table[ord("=")] = ord("=")
    table[ord(" ")] = table[ord("\t")] = ord("s")
    table[ord("\r")] = table[ord("\n")] = ord("n")
    return bytes(table)


QP_CLASSES = _qp_classes()
# A line found bad is then judged with these, on its own.  Errors: "="
# followed by neither two hex digits nor (white space and) a line break, an
# octet that must be encoded.  Matched from a start, this pattern consumes
# everything else, so its end is the first error.
QP_NO_ERROR = re.compile(
    rb"(?:[^=\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\xff]++"
    rb"|=[0-9A-Fa-f]{2}"
    rb"|=(?=[ \t]*+(?:[\r\n]|\Z)))*+"
)
# Warnings: lowercase hex digits; white space ending a line (tried once per
# run of white space, at its start).
QP_LOWERCASE_HEX = re.compile(rb"=(?:[a-f][0-9A-Fa-f]|[0-9A-F][a-f])")
QP_TRAILING_SPACE = re.compile(rb"[ \t](?<![ \t][ \t])[ \t]*+(?=[\r\n]|\Z)")
# In the marked classes (_qp_marks): a bad place, and the rest of its line.
QP_MARKED_LINE = re.compile(rb"[!=LT][^n]*")

# 7bit (RFC 2045 2.7, 6.2): an octet above 127, and the rest of its line.
EIGHT_BIT_LINE = re.compile(rb"[\x80-\xff][^\r\n]*")

MIME = b"MIME-Version: 1.0\r\n"
TEXT = MIME + b"Content-Type: text/plain; charset=utf-8\r\n"
ATTACHMENT = MIME + b"Content-Type: application/octet-stream\r\n"
MIXED = MIME + b'Content-Type: multipart/mixed; boundary="b1"\r\n'
MULTIPART_BODY = b"--b1\r\nContent-Type: text/plain\r\n\r\nHello Bob.\r\n--b1--\r\n"


def _plural(number: int, word: str) -> str:
    return f"{number} {word}" if number == 1 else f"{number} {word}s"


def _more(number: int, what: str = "bad line") -> str:
    """The tail of a message that counts the other places."""
    return f"; {_plural(number, 'more ' + what)} in this part" if number > 0 else ""


def transfer_encoding(part: Part) -> str:
    """The part's effective transfer encoding: its first Content-Transfer-Encoding
    field's mechanism, ``7bit`` when there is none or it is empty (RFC 2045 6.1)."""
    header_field = part.header.get(CTE)
    if header_field is None:
        return "7bit"
    return mechanism(header_field)[0] or "7bit"


def _leaves(message: ParsedMessage) -> Iterator[Part]:
    """Parts whose body is content: no children (a multipart's body is its
    parts, a message/rfc822's is the embedded message, which is walked as its
    own parts), and not left unparsed below the nesting limit (MM007) or past
    the number of parts the profile allows (ML001)."""
    for part in message.mime.walk():
        if not part.children and not part.too_deep and part.cut is None:
            yield part


def _unknown_reason(token: str) -> str:
    """Why an unknown mechanism is unknown, and what was likely meant."""
    shown = token if len(token) <= 40 else token[:40] + "..."
    text = f"unknown transfer encoding {shown!r}"
    if token in UUENCODE:
        return text + ": uuencode is not a MIME transfer encoding (RFC 2045 6.1); use base64"
    compact = NOT_ALNUM.sub("", token)
    close = difflib.get_close_matches(compact, COMPACT, n=1, cutoff=0.8)
    guess = COMPACT.get(compact) or (COMPACT[close[0]] if close else None)
    if guess is not None:
        return text + f" (did you mean {guess!r}?)"
    if token.startswith("x-"):
        return text + ": a private x- encoding (RFC 2045 6.3) that readers do not know"
    if "/" in token:
        return text + ": a media type, not an encoding"
    return text


@rule(
    "TE001",
    "unknown-transfer-encoding",
    severity="error",
    summary="a Content-Transfer-Encoding other than 7bit, 8bit, binary, quoted-printable, base64",
    references=("RFC 2045 6.1", "RFC 2045 6.3", "RFC 2045 6.4"),
    bad=message(
        extra=TEXT + b"Content-Transfer-Encoding: x-uuencode\r\n",
        body=b"begin 644 hello.txt\r\n+2&5L;&\\@0F]B+@H`\r\n`\r\nend\r\n",
    ),
    good=message(extra=TEXT + b"Content-Transfer-Encoding: 7BIT (plain text)\r\n"),
)
def unknown_transfer_encoding(
    message: ParsedMessage, params: Mapping[str, object]
) -> Iterator[Hit]:
    """What it does: reports, at its first octet, a Content-Transfer-Encoding
    mechanism that is not one of 7bit, 8bit, binary, quoted-printable or
    base64. Case does not matter and comments and white space around the
    mechanism are allowed (``BASE64 (attachment)`` is fine). The message names
    the likely intent of a misspelling (``7-bit``, ``quoted printable``,
    ``base64;``), and says so when the value is uuencode (``x-uuencode``),
    which is not a MIME encoding at all, or a private ``x-`` token. On a
    multipart or message/rfc822 this is the only finding (TE006 reports the
    known encodings there). An empty field is HD013's. A second
    Content-Transfer-Encoding field in the same header is reported too, as
    MM002 does for a second Content-Type: whatever its value, one reader
    decodes by the first and another by the last.

    Why it matters: RFC 2045 6.4 says a reader MUST treat a part with an
    unrecognized encoding as application/octet-stream: the text is not shown,
    and the reader offers an opaque attachment instead, or shows the encoded
    data as is. Private ``x-`` encodings (RFC 2045 6.3) are known only to
    their own software.
    """
    for part in message.mime.walk():
        fields = part.header.get_all(CTE)
        for header_field in fields:
            token, index = mechanism(header_field)
            if not token or token in KNOWN:
                continue
            text = _unknown_reason(token)
            if part.is_multipart or part.type in COMPOSITE_MESSAGES:
                text += f"; a {part.type} allows only 7bit, 8bit or binary"
            yield Hit(
                header_field.offset_of(index),
                text,
                field=header_field.name,
                part=part.path or None,
            )
        if len(fields) > 1:
            yield from repeated_fields(fields, part, same=lambda f: mechanism(f)[0])


@rule(
    "TE002",
    "undeclared-8bit",
    severity="error",
    summary="octets above 127 in a part declared (or defaulting to) 7bit",
    references=("RFC 2045 2.7", "RFC 2045 6.2", "RFC 6152"),
    bad=message(extra=TEXT, body="Grüße, Bob.\r\n".encode()),
    good=message(
        extra=TEXT + b"Content-Transfer-Encoding: 8bit\r\n", body="Grüße, Bob.\r\n".encode()
    ),
    params={"transport": "8bit"},
    fixable=True,
)
def undeclared_8bit(message: ParsedMessage, params: Mapping[str, object]) -> Iterator[Hit]:
    """What it does: reports, once per part, the first octet above 127 in the
    body of a part whose Content-Transfer-Encoding is 7bit, or absent (then it
    defaults to 7bit), with the number of lines of the part that hold such
    octets. Only parts whose body is content are read: a multipart's body is
    its parts, and the message inside a message/rfc822 part is checked as its
    own parts, each with its own declaration. Octets above 127 in header
    fields are HD006's. The parameter ``transport`` (``8bit`` or ``7bit``)
    says what the message travels over; it changes nothing reported, only
    how ``maillint fix`` repairs the part: by declaring ``8bit``, or, for a
    7-bit transport (a receiver without 8BITMIME), by re-encoding it as
    quoted-printable or base64.

    Why it matters: 7bit data is US-ASCII only (RFC 2045 2.7, 6.2). A relay
    that speaks to a server without 8BITMIME (RFC 6152) forwards the message
    as if it were 7bit, and 8-bit octets are then stripped of their top bit,
    rejected, or re-encoded by guesswork. Declare ``8bit`` (and send with
    8BITMIME), or encode the part as quoted-printable or base64.
    """
    data = message.source.data
    source = message.source
    for part in _leaves(message):
        if transfer_encoding(part) != "7bit":
            continue
        start, end = body_span(source, part)
        if data[start:end].isascii():
            continue
        first = EIGHT_BIT_LINE.search(data, start, end)
        if first is None:  # pragma: no cover - isascii() said there is one
            continue
        lines = len(EIGHT_BIT_LINE.findall(data, first.start(), end))
        header_field = part.header.get(CTE)
        declared = (
            "declared 7bit"
            if header_field is not None and mechanism(header_field)[0]
            else "7bit by default"
        )
        yield Hit(
            first.start(),
            f"octet 0x{data[first.start()]:02X} in a part that is {declared} "
            f"(octets above 127 on {_plural(lines, 'line')} of this part)",
            part=part.path or None,
        )


def _has(pattern: re.Pattern[bytes], data: bytes, start: int, end: int) -> bool:
    return start < end and pattern.search(data, start, end) is not None


def _base64_padding_problem(
    body: bytes, start: int, data_count: int, first_pad: int
) -> tuple[int, str] | None:
    """(offset, message) when the padding does not close the data correctly.

    ``data_count`` is the number of alphabet characters; ``first_pad`` the
    body index of the first "=" (-1 when none) with nothing but padding, white
    space and line breaks after it.  The data plus its padding must fill whole
    groups of 4, with 2 "=" after 2 characters of a group and 1 after 3.
    """
    pads = body.count(b"=") if first_pad >= 0 else 0
    rest = data_count % 4
    if pads == (-data_count) % 4 and pads <= 2:
        return None
    if pads > 2:
        return start + first_pad, f"{pads} '=' of padding (at most 2)"
    if rest == 1:
        last = len(body.rstrip(b"=\r\n \t")) - 1
        return (
            start + last,
            "base64 data ends with a lone character of a group (truncated data?)",
        )
    if pads == 0:
        end = len(body.rstrip(b"\r\n \t"))
        missing = "=" * (4 - rest)
        return (
            start + end,
            f"padding missing: the last group has {rest} characters (expected {missing!r})",
        )
    expected = f"expected {'=' * (4 - rest)!r}" if rest else "the last group is complete"
    return start + first_pad, f"padding {'=' * pads!r} does not fit: {expected}"


def _content_end(source: Source, index: int) -> int:
    """Offset just past the content of line ``index`` (before its line break)."""
    line = source.line(index)
    return line.start + len(line.content)


def _bad_before_padding(source: Source, offset: int, before_end: int) -> bool:
    """Whether the line holding ``offset`` has a bad character before the
    padding (ending at ``before_end``): then that line is counted already."""
    line = source.line_index_at(offset)
    end = min(before_end, _content_end(source, line))
    return _has(BASE64_BAD, source.data, source.starts[line], end)


def _base64_problems(message: ParsedMessage, part: Part) -> tuple[int, str, int] | None:
    """(offset of the first bad character, what is wrong there, count of the
    other bad lines) for a base64 body, or None when it is valid.

    The fast path is two ``bytes.translate`` calls in C: the octets left once
    the alphabet is deleted are the line breaks and the padding of valid data,
    and their number gives the data length that the padding must complete.
    Only when something else is left does a regex look for it.
    """
    source = message.source
    data = source.data
    start, end = body_span(source, part)
    body = data[start:end]
    others = body.translate(None, BASE64_ALPHABET)
    data_count = len(body) - len(others)
    first_pad = body.find(b"=")
    pad_at = end if first_pad < 0 else start + first_pad
    # The data before the padding, and the first "=" (it ends a line's run of
    # white space the way any character does, but it is never bad itself).
    before_end = min(pad_at + 1, end)
    places: list[tuple[int, str]] = []
    bad_lines = 0

    if others.translate(None, BREAKS_AND_PADDING):  # something besides breaks and "="
        found = BASE64_BAD.search(data, start, before_end)
        if found is not None:
            octet = data[found.start()]
            if octet in WSP:
                what = "white space inside a line of base64 data"
            elif 32 < octet < 127:
                what = f"{chr(octet)!r} is not a base64 character"
            else:
                what = f"octet 0x{octet:02X} is not a base64 character"
            places.append((found.start(), what))
            bad_lines += len(BASE64_BAD.findall(data, found.start(), before_end))

    after = AFTER_PADDING_BAD.search(data, pad_at, end) if first_pad >= 0 else None
    if after is not None:
        places.append((after.start(), "base64 data after the padding '='"))
        bad_lines += len(AFTER_PADDING_BAD.findall(data, after.start(), end))
        if _bad_before_padding(source, after.start(), before_end):
            bad_lines -= 1
    elif not places:
        # The length the padding must complete means something only when no
        # character outside the alphabet may have taken the place of data.
        problem = _base64_padding_problem(body, start, data_count, first_pad)
        if problem is not None:
            places.append(problem)
            bad_lines += 1
    if not places:
        return None
    offset, what = min(places)
    return offset, what, bad_lines - 1


@rule(
    "TE003",
    "invalid-base64",
    severity="error",
    summary="base64 data with characters outside the alphabet, bad padding, or data after padding",
    references=("RFC 2045 6.8", "RFC 4648 3.3", "RFC 4648 4"),
    bad=message(
        extra=ATTACHMENT + b"Content-Transfer-Encoding: base64\r\n",
        body=b"SGVsbG8g!Qm9i\r\nLg==\r\n",
    ),
    good=message(
        extra=ATTACHMENT + b"Content-Transfer-Encoding: base64\r\n",
        body=b"SGVsbG8gQm9i\r\nLg==\r\n",
    ),
)
def invalid_base64(message: ParsedMessage, params: Mapping[str, object]) -> Iterator[Hit]:
    """What it does: checks the body of every base64 part and reports the
    first bad place, with the number of other lines that hold one: an octet
    outside the base64 alphabet (RFC 2045 6.8 Table 1), white space inside a
    line, data after the "=" padding (often two encodings glued together, or
    a footer a mailing list appended), and padding that does not close the
    data: missing, too much, or after a lone last character (truncated data).

    Line breaks are not data: CRLF, and bare LF or CR, are LN003's and
    LN004's business. White space at the end of a line is tolerated: every
    decoder skips it, and like the transport padding allowed after a boundary
    delimiter (RFC 2046 5.1.1) it is added by gateways rather than by the
    encoder. White space inside a line is reported, as RFC 2045 6.8 says it
    "probably indicate[s] a transmission error". The padding is judged only
    when every other character is in the alphabet, since a stray character
    may have taken the place of data. "=" after a complete group of 4 is bad
    padding (RFC 4648 3.3), though CPython's strict decoder accepts it.

    Why it matters: RFC 2045 6.8 tells decoders to ignore characters outside
    the alphabet, and so the data they decode differs from what was sent,
    silently; decoders disagree on what to do after the padding (stop, or go
    on), and strict ones reject the part. A damaged attachment cannot be
    opened, and a text part shows garbage.
    """
    for part in _leaves(message):
        if transfer_encoding(part) != "base64":
            continue
        found = _base64_problems(message, part)
        if found is not None:
            offset, what, others = found
            yield Hit(offset, what + _more(others), part=part.path or None)


def _long_lines(lines: list[bytes], first: int) -> Iterator[int]:
    """Indexes (numbered from ``first``) of the lines longer than 76 characters
    not counting the line break, found in C: a line is too long when its 77th
    octet exists and is not a line break."""
    fine = map(NOT_PAST_LIMIT.__contains__, map(PAST_LIMIT, lines))
    return compress(count(first), map(not_, fine))


def _count_long_lines(lines: list[bytes]) -> int:
    return len(lines) - sum(map(NOT_PAST_LIMIT.__contains__, map(PAST_LIMIT, lines)))


@rule(
    "TE004",
    "base64-line-too-long",
    severity="warning",
    summary="a base64 line longer than 76 characters",
    references=("RFC 2045 6.8",),
    bad=message(
        extra=ATTACHMENT + b"Content-Transfer-Encoding: base64\r\n",
        body=b"QUFB" * 20 + b"\r\n",
    ),
    good=message(
        extra=ATTACHMENT + b"Content-Transfer-Encoding: base64\r\n",
        body=b"QUFB" * 19 + b"\r\nQUFB\r\n",
    ),
    fixable=True,
)
def base64_line_too_long(message: ParsedMessage, params: Mapping[str, object]) -> Iterator[Hit]:
    """What it does: reports, once per base64 part, the first line longer than
    76 characters (not counting its line break), at column 77, with the number
    of such lines.

    Why it matters: RFC 2045 6.8 says the encoded stream MUST be represented
    in lines of no more than 76 characters. Longer lines break the SMTP line
    limit when they pass 998 (LN001), and are folded or truncated by relays
    and handsets that enforce the MIME limit, which corrupts the data.
    """
    source = message.source
    for part in _leaves(message):
        if transfer_encoding(part) != "base64" or part.body_start >= part.end:
            continue
        lines = source.raw_lines[part.body_start : part.end]
        index = next(_long_lines(lines, part.body_start), None)
        if index is None:
            continue
        number = _count_long_lines(lines)
        line = source.line(index)
        yield Hit(
            line.start + LINE_LIMIT,
            f"base64 line is {len(line.content)} characters (limit 76)"
            + _more(number - 1, "long line"),
            part=part.path or None,
        )


def _qp_error(data: bytes, offset: int) -> str:
    """What is wrong with the octet at ``offset`` (found by ``QP_NO_ERROR``)."""
    octet = data[offset]
    if octet == 0x3D:  # "="
        following = re.split(rb"[\r\n]", data[offset + 1 : offset + 3])[0]
        shown = following.decode("latin-1")
        return f"'=' followed by {shown!r} is neither an =XX escape nor a soft line break"
    kind = "8-bit octet" if octet > 0x7F else "control character"
    return f"unencoded {kind} 0x{octet:02X} (must be ={octet:02X})"


def _qp_valid(classes: bytes) -> bool:
    """True when a body, given as its octet classes, holds no octet that must
    be encoded, no "=" but uppercase escapes and soft line breaks, and no white
    space at the end of a line (line lengths are checked apart)."""
    if b"!" in classes or b"sn" in classes or classes.endswith(b"s"):
        return False
    escapes = classes.count(b"=HH") + classes.count(b"=n") + classes.endswith(b"=")
    return classes.count(b"=") == escapes


def _qp_marks(source: Source, part: Part, start: int, classes: bytes) -> bytearray:
    """The octet classes of a quoted-printable body with its bad places marked:
    ``!`` an octet that must be encoded, ``=`` an "=" that starts neither an
    uppercase escape nor a soft line break, ``T`` white space ending a line,
    ``L`` the 77th character of a long line.  Every good "=" is masked as
    ``e``.  Replacements keep lengths, so offsets stay those of the body."""
    marks = bytearray(classes.replace(b"=HH", b"eHH").replace(b"=n", b"en").replace(b"sn", b"Tn"))
    if marks.endswith(b"="):  # a soft line break at the very end
        marks[-1] = ord("e")
    elif marks.endswith(b"s"):  # white space at the very end
        marks[-1] = ord("T")
    lines = source.raw_lines[part.body_start : part.end]
    for index in _long_lines(lines, part.body_start):
        marks[source.starts[index] + LINE_LIMIT - start] = ord("L")
    return marks


def _qp_first_error(source: Source, lo: int, hi: int) -> tuple[int, str] | None:
    """The first error on the line between offsets ``lo`` and ``hi``: a bad
    "=", an octet that must be encoded, a line longer than 76."""
    data = source.data
    if hi - lo > LINE_LIMIT:
        hi_scan = lo + LINE_LIMIT  # the long line is the first error from there on
        too_long: tuple[int, str] | None = (
            hi_scan,
            f"encoded line is {hi - lo} characters (limit 76)",
        )
    else:
        hi_scan, too_long = hi, None
    clean = QP_NO_ERROR.match(data, lo, hi)  # never None: it matches b""
    error_at = clean.end() if clean is not None else lo
    if error_at < hi_scan:
        return error_at, _qp_error(data, error_at)
    return too_long


def _qp_first_warning(data: bytes, lo: int, hi: int) -> tuple[int, str] | None:
    """The first warning-class problem between ``lo`` and ``hi``: lowercase hex
    digits, white space at the end of the line."""
    places = []
    found = QP_LOWERCASE_HEX.search(data, lo, hi)
    if found is not None:
        escape = found.group().decode("ascii")
        places.append((found.start(), f"lowercase hex digits in {escape!r} (must be uppercase)"))
    found = QP_TRAILING_SPACE.search(data, lo, hi)
    if found is not None:
        places.append((found.start(), "white space at the end of a line (decoders delete it)"))
    return min(places, default=None)


def _qp_problems(message: ParsedMessage, part: Part) -> tuple[int, str, int, bool] | None:
    """(offset, what, count of other bad lines, whether it is only a warning)
    for the first bad place of a quoted-printable body, or None when valid.

    A valid body costs one ``bytes.translate``, a few substring counts and the
    line-length check, all in C.  Otherwise the bad lines are found in the
    marked classes (``_qp_marks``) and judged one by one until the first error,
    the good lines never read in Python; the rest are only counted, in C.
    """
    source = message.source
    start, end = body_span(source, part)
    classes = source.data[start:end].translate(QP_CLASSES)
    lines = source.raw_lines[part.body_start : part.end]
    if _qp_valid(classes) and next(_long_lines(lines, 0), None) is None:
        return None
    marks = _qp_marks(source, part, start, classes)
    error: tuple[int, str] | None = None
    warning: tuple[int, str] | None = None
    bad_lines = 0
    for found in QP_MARKED_LINE.finditer(marks):
        bad_lines += 1
        if error is not None:  # only the count is left to find: in C
            bad_lines += len(QP_MARKED_LINE.findall(marks, found.end()))
            break
        index = source.line_index_at(start + found.start())
        lo = source.starts[index]
        hi = min(_content_end(source, index), end)
        error = _qp_first_error(source, lo, hi)
        if error is None and warning is None:
            warning = _qp_first_warning(source.data, lo, hi)
    if error is not None:
        return error[0], error[1], bad_lines - 1, False
    if warning is not None:
        return warning[0], warning[1], bad_lines - 1, True
    return None


@rule(
    "TE005",
    "invalid-quoted-printable",
    severity="error",
    summary="quoted-printable data with a bad '=' escape, unencoded 8-bit, or lines over 76",
    references=("RFC 2045 6.7",),
    bad=message(
        extra=TEXT + b"Content-Transfer-Encoding: quoted-printable\r\n",
        body=b"Price: 100=\r\n% off =E2=82=AC =G0\r\n",
    ),
    good=message(
        extra=TEXT + b"Content-Transfer-Encoding: quoted-printable\r\n",
        body=b"Price: 100=\r\n% off =E2=82=AC =3D0\r\n",
    ),
)
def invalid_quoted_printable(message: ParsedMessage, params: Mapping[str, object]) -> Iterator[Hit]:
    """What it does: checks the body of every quoted-printable part against
    RFC 2045 6.7 and reports, once per part, the first bad place with the
    number of other bad lines. Errors: an "=" followed by neither two hex
    digits nor a line break (rule 1; white space between a soft-break "=" and
    the line break is tolerated, as rule 3 tells decoders to delete it), an
    unencoded octet above 127 or control character other than HTAB (rules 1
    and 2), and an encoded line longer than 76 characters, not counting the
    line break but counting a soft-break "=" (rule 5).

    Two problems are only a `warning`, as decoders repair them: lowercase hex
    digits (``=3d``: rule 1 says uppercase MUST be sent, and "a robust
    implementation" reads lowercase), and white space at the end of a line
    (rule 3 forbids sending it, and tells decoders to delete it, so the
    spaces are lost, but nothing else). When a part holds errors, the finding
    points at its first error, and counts every bad line.

    Why it matters: decoders differ on a bad escape (keep it as text, drop
    it, or stop), so the text the recipient reads is not what was sent;
    8-bit octets in a part declared quoted-printable are exposed to the
    7bit transport the encoding exists to survive; long lines are folded by
    relays, which adds line breaks to the decoded text.
    """
    for part in _leaves(message):
        if transfer_encoding(part) != "quoted-printable":
            continue
        found = _qp_problems(message, part)
        if found is not None:
            offset, what, others, warning = found
            yield Hit(
                offset,
                what + _more(others),
                part=part.path or None,
                cap=Severity.WARNING if warning else None,
            )


@rule(
    "TE006",
    "encoding-on-multipart",
    severity="error",
    summary="a multipart or message/rfc822 with an encoding other than 7bit, 8bit or binary",
    references=("RFC 2045 6.4", "RFC 2046 5.1", "RFC 2046 5.2", "RFC 6532 3.5"),
    bad=message(extra=MIXED + b"Content-Transfer-Encoding: base64\r\n", body=MULTIPART_BODY),
    good=message(extra=MIXED + b"Content-Transfer-Encoding: 7bit\r\n", body=MULTIPART_BODY),
)
def encoding_on_multipart(message: ParsedMessage, params: Mapping[str, object]) -> Iterator[Hit]:
    """What it does: reports, at the value, a Content-Transfer-Encoding of
    quoted-printable or base64 on a multipart, message/rfc822, message/partial
    or message/external-body part (an unknown value there is TE001's).
    message/global is not reported: RFC 6532 3.5 allows it to be encoded.

    Why it matters: RFC 2045 6.4 forbids encoding a composite entity: only its
    leaf parts are encoded. Readers do not decode a multipart before looking
    for its boundaries: most ignore the field and read the body as it stands,
    some decode it first, so the same message shows different parts, or none.
    """
    for part in message.mime.walk():
        if not (part.is_multipart or part.type in COMPOSITE_MESSAGES):
            continue
        header_field = part.header.get(CTE)
        if header_field is None:
            continue
        token, index = mechanism(header_field)
        if token in KNOWN and token not in IDENTITY:
            yield Hit(
                header_field.offset_of(index),
                f"{token} on a {part.type} part (only 7bit, 8bit or binary are allowed)",
                field=header_field.name,
                part=part.path or None,
            )
