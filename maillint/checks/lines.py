"""LN: lines and octets, over the raw message (header section and body alike).

These rules look at octets, not at a parsed structure, so they scan the data
with C-speed primitives (``bytes.count``, compiled regexes, ``max(map(len))``)
and touch Python per line only where a line is already known to be suspect.
"""

from __future__ import annotations

import codecs
import re
import weakref
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Mapping
from itertools import compress
from itertools import count as numbers

from maillint.charsets import codec_for
from maillint.checks.examples import BODY, HEAD, message
from maillint.findings import Hit, Severity
from maillint.parse import ParsedMessage
from maillint.registry import rule

# C0 controls and DEL other than HTAB, LF, CR, and other than NUL (LN005) and
# ESC in a body (ISO-2022-JP text is made of ESC sequences: the JP rules judge it).
HEADER_CONTROL = re.compile(rb"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")
BODY_CONTROL = re.compile(rb"[\x01-\x08\x0b\x0c\x0e-\x1a\x1c-\x1f\x7f]")
# A bare LF (not preceded by CR) and a bare CR (not followed by LF).
BARE_LF = re.compile(rb"(?<!\r)\n")
BARE_CR = re.compile(rb"\r(?!\n)")
# The octets BODY_CONTROL matches, for counting them with bytes.translate.
BODY_CONTROL_OCTETS = bytes([*range(0x01, 0x09), 0x0B, 0x0C, *range(0x0E, 0x1B), 0x1C, 0x1D])
BODY_CONTROL_OCTETS += bytes([0x1E, 0x1F, 0x7F])
# A dot at the start of a line: after an LF (which ends CRLF lines too) or a bare CR.
DOT_AFTER_BREAK = (b"\n.", b"\r.")


# LN007 and LN008 look for the same dots, LN001 and LN002 for the same long
# lines: the last message's scan is kept and the second rule reuses it (the
# engine runs a message's rules one after the other, so one entry is all it
# takes). The message is held by a weak reference: nothing of it outlives it.
_NOBODY = weakref.ref(lambda: None)  # a dead reference, never a message
_DOTS: tuple[weakref.ref, list[int]] = (_NOBODY, [])
_LONG: tuple[weakref.ref, int, list[int]] = (_NOBODY, 0, [])
SHARED_LIMIT = 78  # long lines are scanned for at this length (LN002's) or less


def _dot_line_starts(message: ParsedMessage, start: int = 0) -> list[int]:
    """Offsets, in order, of the dots that start a line (from ``start`` on).

    ``bytes.find`` runs in C; a regular expression that starts with a
    line-break alternation is tried at every offset, 15 ms per MB.
    """
    global _DOTS
    memo = _DOTS
    if memo[0]() is not message:
        data = message.source.data
        dots = [0] if data[:1] == b"." else []
        for pattern in DOT_AFTER_BREAK if b"\r" in data else DOT_AFTER_BREAK[:1]:
            position = data.find(pattern)
            while position >= 0:
                dots.append(position + 1)
                position = data.find(pattern, position + 2)
        dots.sort()
        memo = _DOTS = (weakref.ref(message), dots)
    return memo[1][bisect_left(memo[1], start) :] if start else memo[1]


def _break_before(data: bytes, offset: int) -> bytes:
    """The line break that ends just before ``offset``: CRLF, LF, CR or b""."""
    if data[offset - 2 : offset] == b"\r\n" and offset >= 2:
        return b"\r\n"
    return data[offset - 1 : offset] if offset and data[offset - 1] in b"\r\n" else b""


def _break_at(data: bytes, offset: int) -> bytes:
    """The line break that starts at ``offset``: CRLF, LF, CR or b""."""
    if data[offset : offset + 2] == b"\r\n":
        return b"\r\n"
    octet = data[offset : offset + 1]
    return octet if octet in (b"\r", b"\n") else b""


def _line_breaks(message: ParsedMessage) -> int:
    """Line breaks (CRLF, LF or a bare CR) in the message, from its line index.

    The lines split on exactly these, so the count costs nothing; with one
    count of CR (or of LF) it gives the bare LFs (or CRs) without counting
    CRLF, the slowest of the three counts.
    """
    raw_lines = message.source.raw_lines
    if not raw_lines:
        return 0
    return len(raw_lines) - (raw_lines[-1][-1:] not in (b"\n", b"\r"))


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _long_lines(message: ParsedMessage, limit: int) -> Iterator[int]:
    """Indexes of lines whose content exceeds ``limit`` octets."""
    global _LONG
    raw_lines = message.source.raw_lines
    memo = _LONG
    if memo[0]() is not message or memo[1] > limit:
        # Lines longer than the limit with their terminator, found without a
        # Python loop over the lines (compress and map run in C).
        scan = min(limit, SHARED_LIMIT)
        found = list(compress(numbers(), map(scan.__lt__, map(len, raw_lines))))
        memo = _LONG = (weakref.ref(message), scan, found)
    for index in memo[2]:
        raw = raw_lines[index]
        if len(raw) > limit and len(raw.rstrip(b"\r\n")) > limit:
            yield index


@rule(
    "LN001",
    "line-too-long",
    severity="error",
    summary="a line longer than 998 octets, not counting CRLF",
    params={"max-octets": 998},
    references=("RFC 5322 2.1.1", "RFC 5321 4.5.3.1.6"),
    bad=message(body=b"x" * 1200 + b"\r\n"),
    good=message(body=b"x" * 70 + b"\r\n" + b"x" * 70 + b"\r\n"),
    fixable=True,
)
def line_too_long(message: ParsedMessage, params: Mapping[str, object]) -> Iterator[Hit]:
    """What it does: reports every line longer than 998 octets, at column 999.

    Why it matters: RFC 5322 2.1.1 says each line MUST be no more than 998
    characters, not counting the CRLF. SMTP servers may reject such a message,
    and many relays wrap or truncate the line, corrupting the text or an
    encoded attachment. Encode the body (quoted-printable or base64) or wrap it.
    """
    limit = int(params["max-octets"])
    source = message.source
    for index in _long_lines(message, limit):
        line = source.line(index)
        yield Hit(
            line.start + limit,
            f"line is {len(line.content)} octets (limit {limit})",
        )


def _text_part_charsets(message: ParsedMessage) -> tuple[list[int], list[tuple[int, str]]]:
    """Body line ranges of the leaf text parts with a declared charset, for bisecting.

    Only parts whose lines are the text itself (7bit, 8bit, binary) count in
    characters: a quoted-printable or base64 line is ASCII by construction.
    """
    starts: list[int] = []
    spans: list[tuple[int, str]] = []
    for part in message.mime.walk():
        if part.children or part.maintype != "text" or not part.charset:
            continue
        if part.encoding not in ("7bit", "8bit", "binary"):
            continue
        codec = codec_for(part.charset)  # None for unknown names and bytes codecs ("hex")
        if codec is None:
            continue
        starts.append(part.body_start)
        spans.append((part.end, codec))
    return starts, spans


def _charset_at(index: int, table: tuple[list[int], list[tuple[int, str]]]) -> str | None:
    starts, spans = table
    position = bisect_right(starts, index) - 1
    if position < 0:
        return None
    end, charset = spans[position]
    return charset if index < end else None


@rule(
    "LN002",
    "line-over-78",
    severity="warning",
    summary="a line longer than 78 characters, not counting CRLF",
    params={"max-chars": 78},
    references=("RFC 5322 2.1.1",),
    bad=message(body=b"y" * 100 + b"\r\n"),
    good=message(body=b"y" * 78 + b"\r\n"),
    fixable=True,
)
def line_over_78(message: ParsedMessage, params: Mapping[str, object]) -> Iterator[Hit]:
    """What it does: reports lines longer than 78 characters. In the body of a
    text part with a declared charset (single-part or inside a multipart),
    characters are counted in that charset (a UTF-8 line of 40 kanji is 120
    octets but 40 characters); elsewhere, octets.

    Why it matters: RFC 5322 2.1.1 says lines SHOULD be no more than 78
    characters, so that they display on every reader without wrapping. Many
    readers wrap or scroll such lines, and some receivers fold them.
    """
    limit = int(params["max-chars"])
    source = message.source
    table: tuple[list[int], list[tuple[int, str]]] | None = None
    for index in _long_lines(message, limit):
        line = source.line(index)
        if table is None:
            table = _text_part_charsets(message)  # only when some line is long
        charset = _charset_at(index, table)
        length, column, unit = len(line.content), limit, "octets"
        if charset is not None:
            text = codecs.decode(line.content, charset, "replace")
            if len(text) <= limit:
                continue
            length, unit = len(text), "characters"
            # Re-encoded, a replaced octet may take more room than it did (U+FFFD
            # is 3 octets in UTF-8): the column must stay on the line.
            column = min(len(codecs.encode(text[:limit], charset, "replace")), len(line.content))
        yield Hit(line.start + column, f"line is {length} {unit} (limit {limit})")


@rule(
    "LN003",
    "bare-lf",
    severity="error",
    summary="LF not preceded by CR (reported once per message, with the count)",
    references=("RFC 5322 2.3", "RFC 5321 2.3.8"),
    bad=HEAD + b"\r\nline one\nline two\r\n",
    good=message(),
    fixable=True,
)
def bare_lf(message: ParsedMessage, params: Mapping[str, object]) -> Iterator[Hit]:
    """What it does: finds LF octets that are not part of a CRLF and reports
    the first, with the count. A file whose every line ends in LF alone is in
    the Unix storage form: then a single `info` finding says so, since the LF
    becomes CRLF when the message is sent. Bytes given to the API, the SMTP
    server and the smtplib wrapper are the wire form, where every bare LF is an
    error.

    Why it matters: RFC 5322 2.3 allows CR and LF only together, as CRLF. A
    message that mixes CRLF and bare LF is read differently by different
    receivers (lines joined, headers ending early), and bare LF is one half of
    the SMTP smuggling attacks.
    """
    data = message.source.data
    # Of the line breaks, those that are not CR or CRLF (each holds one CR).
    count = _line_breaks(message) - (data.count(b"\r") if b"\r" in data else 0)
    if count == 0:
        return
    first = BARE_LF.search(data)
    assert first is not None
    if message.form == "stored":
        yield Hit(
            first.start(),
            f"file is in Unix storage form: {_plural(count, 'line')} end in LF alone "
            "(they become CRLF when sent)",
            cap=Severity.INFO,
        )
        return
    yield Hit(first.start(), f"{_plural(count, 'bare LF')} (LF without CR), first here")


@rule(
    "LN004",
    "bare-cr",
    severity="error",
    summary="CR not followed by LF (reported once per message, with the count)",
    references=("RFC 5322 2.3",),
    bad=HEAD + b"\r\nline one\rline two\r\n",
    good=message(),
    fixable=True,
)
def bare_cr(message: ParsedMessage, params: Mapping[str, object]) -> Iterator[Hit]:
    """What it does: finds CR octets that are not followed by LF and reports
    the first, with the count.

    Why it matters: RFC 5322 2.3 allows CR only as part of CRLF. Receivers
    disagree on whether a lone CR ends a line (old Mac files) or is text, so a
    header may end early or swallow the next one.
    """
    data = message.source.data
    if b"\r" not in data:
        return
    count = _line_breaks(message) - data.count(b"\n")  # those that are not LF or CRLF
    if count == 0:
        return
    first = BARE_CR.search(data)
    assert first is not None
    yield Hit(first.start(), f"{_plural(count, 'bare CR')} (CR without LF), first here")


@rule(
    "LN005",
    "nul-octet",
    severity="error",
    summary="a NUL octet anywhere in the message",
    references=("RFC 5322 2.3", "RFC 5322 4.1"),
    bad=message(body=b"before\x00after\r\n"),
    good=message(),
)
def nul_octet(message: ParsedMessage, params: Mapping[str, object]) -> Iterator[Hit]:
    """What it does: reports the first NUL octet, with the count of all.

    Why it matters: RFC 5322 excludes NUL from message text. Programs written
    in C treat it as the end of a string: MTAs and filters have truncated
    messages at a NUL, or crashed on it. Binary data belongs in a base64 part.
    """
    data = message.source.data
    count = data.count(b"\x00") if b"\x00" in data else 0  # memchr first: ten times as fast
    if count:
        lines = len({message.source.line_index_at(m.start()) for m in re.finditer(b"\x00", data)})
        where = f" on {_plural(lines, 'line')}" if lines > 1 else ""
        yield Hit(data.find(b"\x00"), f"{_plural(count, 'NUL octet')}{where}, first here")


@rule(
    "LN006",
    "control-character",
    severity="warning",
    summary="a C0 control or DEL other than HTAB, CR, LF (info in a body)",
    references=("RFC 5322 3.2.5", "RFC 5322 4.1"),
    bad=message(extra=b"X-Note: bell\x07here\r\n"),
    good=message(extra=b"X-Note: tab\there\r\n"),
)
def control_character(message: ParsedMessage, params: Mapping[str, object]) -> Iterator[Hit]:
    """What it does: reports C0 control characters and DEL (other than HTAB,
    CR and LF; NUL is LN005) in header fields, once per field, and in the body
    once per message as `info`. ESC in a body is left to the JP rules, since
    ISO-2022-JP text is made of escape sequences; in a header field ESC is
    reported (raw ISO-2022-JP must be RFC 2047-encoded there).

    Why it matters: RFC 5322 allows controls only in obsolete syntax; they are
    invisible, confuse terminals and parsers, and are a common sign of a
    message built by concatenating binary data.
    """
    header = message.header
    for field in header.fields:
        found = HEADER_CONTROL.search(field.value)
        if found:
            count = len(HEADER_CONTROL.findall(field.value))
            octet = found.group()[0]
            yield Hit(
                field.offset_of(found.start()),
                f"control character 0x{octet:02X} in {field.name}"
                + (f" ({count} in this field)" if count > 1 else ""),
                field=field.name,
            )
    data, body_offset = message.source.data, message.body_offset
    # Counting by deleting (bytes.translate, in C) is four times as fast as a
    # regex search over the body, and the header section is small.
    count = len(data) - len(data.translate(None, BODY_CONTROL_OCTETS))
    if count:
        count -= len(BODY_CONTROL.findall(data, 0, body_offset))
    found = BODY_CONTROL.search(data, body_offset) if count else None
    if found:
        yield Hit(
            found.start(),
            f"{_plural(count, 'control character')} in the body, first 0x{found.group()[0]:02X}",
            cap=Severity.INFO,
        )


@rule(
    "LN007",
    "smtp-smuggling-sequence",
    severity="error",
    summary="an end-of-data look-alike such as <LF>.<LF> or <CR><LF>.<LF>",
    references=("RFC 5321 4.1.1.4", "SMTP smuggling, SEC Consult 2023"),
    bad=message(body=b"text\n.\r\nMAIL FROM:<evil@example.net>\r\n"),
    good=message(body=b"text\r\n..dot-stuffed\r\n"),
    fixable=True,
)
def smtp_smuggling(message: ParsedMessage, params: Mapping[str, object]) -> Iterator[Hit]:
    """What it does: reports a line made of a single dot where one of the line
    breaks around it is not CRLF: `<LF>.<LF>`, `<LF>.<CR><LF>`, `<CR><LF>.<LF>`,
    `<CR>.<CR><LF>` and the like. In a file in the Unix storage form, `<LF>.<LF>`
    is an ordinary lone-dot line (LN008's business) and is not reported.

    Why it matters: SMTP ends the data with `<CRLF>.<CRLF>`. Servers disagree on
    whether these look-alikes end it too, so the text after one can be read by
    the next hop as new SMTP commands: a second, forged message (SMTP
    smuggling, CVE-2023-51764 and others).
    """
    stored = message.form == "stored"
    data = message.source.data
    for dot in _dot_line_starts(message):
        before, after = _break_before(data, dot), _break_at(data, dot + 1)
        if not before or not after:
            continue
        if before == after == b"\r\n" or (stored and before == after == b"\n"):
            continue
        yield Hit(
            dot,
            f"lone dot between {_name_break(before)} and {_name_break(after)} "
            "looks like the end of SMTP data",
        )


def _name_break(sequence: bytes) -> str:
    return {b"\r\n": "<CR><LF>", b"\n": "<LF>", b"\r": "<CR>"}[sequence]


@rule(
    "LN008",
    "leading-dot-line",
    severity="info",
    summary="a body line that starts with '.'",
    references=("RFC 5321 4.5.2",),
    bad=message(body=b"Hello\r\n.signature\r\n"),
    good=message(body=b"Hello\r\n signature\r\n"),
)
def leading_dot_line(message: ParsedMessage, params: Mapping[str, object]) -> Iterator[Hit]:
    """What it does: reports body lines that start with a dot.

    Why it matters: harmless when the SMTP client dot-stuffs (RFC 5321 4.5.2
    doubles the dot on the wire and the server removes it), but a hand-written
    client that does not loses the dot, or ends the message at a line holding
    only a dot.
    """
    source = message.source
    if message.header.body_start >= len(source):
        return
    for dot in _dot_line_starts(message, source.starts[message.header.body_start]):
        yield Hit(dot, "body line starts with '.'")


@rule(
    "LN009",
    "missing-final-newline",
    severity="info",
    summary="the message does not end with CRLF",
    references=("RFC 5322 2.1", "RFC 5321 4.1.1.4"),
    bad=HEAD + b"\r\nno newline at the end",
    good=message(body=BODY),
    fixable=True,
)
def missing_final_newline(message: ParsedMessage, params: Mapping[str, object]) -> Iterator[Hit]:
    """What it does: reports a message whose last line has no line break (in
    the Unix storage form, no LF).

    Why it matters: SMTP clients must add a CRLF before the terminating dot,
    and not all do; a last line without one can be joined to the dot, and the
    end of data is never seen.
    """
    data = message.source.data
    if not data:
        return
    ending = b"\n" if message.form == "stored" else b"\r\n"
    if not data.endswith(ending):
        yield Hit(len(data), "message does not end with a line break")
