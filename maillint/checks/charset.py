"""CS: charsets of text parts (RFC 2045 5.1, RFC 2046 4.1.2), over the MIME tree.

Every charset question goes to ``maillint.charsets``: these rules only choose
the parts, point at the place, and word the finding.  A part's body is
transfer-decoded once (``decoded_body``, shared with the TE rules) and decoded
in its charset once; chardet runs only where nothing is declared or the
declaration fails, on a bounded sample, and at most ``MAX_GUESSES`` times per
rule and message, so a message of 10,000 broken parts stays fast.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from maillint.charsets import (
    Guess,
    codec_for,
    decode,
    guess,
    iso2022jp_escape,
    mime_name,
    reader_codec,
)
from maillint.checks.examples import message
from maillint.decode import body_span, decoded_body
from maillint.findings import Hit
from maillint.mime import Part
from maillint.mimeparams import Param
from maillint.parse import ParsedMessage
from maillint.registry import rule

EIGHT_BIT = re.compile(rb"[\x80-\xff]")
# Transfer encodings whose decoded octets are not the octets in the file.
TRANSFORMING = frozenset({"base64", "quoted-printable"})
# chardet runs per rule and message; parts beyond these get no guess.
MAX_GUESSES = 10
# Codec error reasons in plainer words.
REASONS = {
    "ordinal not in range(128)": "8-bit octet",
    "character maps to <undefined>": "octet the charset leaves undefined",
}

MIME_TEXT = b"MIME-Version: 1.0\r\nContent-Transfer-Encoding: 8bit\r\n"


def _text(charset: bytes | None) -> bytes:
    """Example fields: a text/plain part with the given charset parameter."""
    parameter = b"; charset=" + charset if charset is not None else b""
    return MIME_TEXT + b"Content-Type: text/plain" + parameter + b"\r\n"


def _shown(text: str, limit: int = 40) -> str:
    """A label safe to put in a message: ASCII only, bounded."""
    shown = text[:limit].encode("ascii", "backslashreplace").decode("ascii")
    return shown + "..." if len(text) > limit else shown


def _charset_param(part: Part) -> Param | None:
    """The charset parameter of a part's Content-Type, as written, or None."""
    parsed = part.content_type
    return None if parsed is None else parsed.params.get("charset")


def _text_parts(message: ParsedMessage) -> Iterator[Part]:
    """The text/* parts (leaves by nature), embedded messages' included."""
    for part in message.mime.walk():
        if part.maintype == "text":
            yield part


def _where(message: ParsedMessage, part: Part, index: int) -> tuple[int, str]:
    """Message offset and wording for octet ``index`` of a part's decoded body.

    For 7bit, 8bit and binary parts the decoded octets are the file's, so the
    offset is exact; for base64 and quoted-printable it is the first body line,
    and the wording gives the decoded offset.
    """
    start, _ = body_span(message.source, part)
    if part.encoding in TRANSFORMING:
        return start, f" at octet {index} of the {part.encoding}-decoded body"
    return start + index, ""


def _looks_like(found: Guess | None, declared: str | None = None) -> str:
    """The clause naming a guess; empty when there is none or it is the declared charset."""
    if found is None:
        return ""
    if declared is not None and reader_codec(found.codec) == reader_codec(declared):
        return ""
    confidence = "" if found.confidence >= 1 else f" ({found.confidence:.0%} confidence)"
    return f"; it looks like {mime_name(found.codec)}{confidence}"


class _Guesser:
    """``guess`` with a budget, so that chardet runs a bounded number of times."""

    def __init__(self, limit: int = MAX_GUESSES) -> None:
        self.left = limit

    def __call__(self, data: bytes, at: int) -> Guess | None:
        if self.left <= 0:
            return None
        self.left -= 1
        return guess(data, at)


def _part_label(part: Part) -> str:
    return f"part {part.path}" if part.path else "the body"


@rule(
    "CS001",
    "unknown-charset",
    severity="error",
    summary="a charset parameter that no codec knows",
    references=("RFC 2045 5.1", "RFC 2046 4.1.2", "RFC 2978", "WHATWG Encoding Standard"),
    bad=message(extra=_text(b"utf-9"), body=b"Hello Bob.\r\n"),
    good=message(extra=_text(b"utf-8"), body=b"Hello Bob.\r\n"),
)
def unknown_charset(message: ParsedMessage, params: Mapping[str, object]) -> Iterator[Hit]:
    """What it does: reports a Content-Type charset parameter, on any part,
    whose value no codec knows, at the parameter. Spellings differ freely
    (``UTF8``, ``shift-jis``, ``ks_c_5601-1987``), and the aliases browsers and
    mail readers accept are known (``x-sjis``, ``windows-31j``); labels that
    say "unknown" (``x-unknown``, ``unknown-8bit``) and empty values are not.

    Why it matters: a reader that does not know the charset falls back to a
    guess or to its own default, and the text arrives garbled. Write the
    registered name of the charset the text is really in (IANA Character
    Sets), such as UTF-8, ISO-8859-1, Shift_JIS or ISO-2022-JP.
    """
    for part in message.mime.walk():
        param = _charset_param(part)
        if param is None:
            continue
        label = param.value.strip()
        if codec_for(label) is not None:
            continue
        content_type = part.header.get("content-type")
        if content_type is None:
            continue
        what = f"unknown charset '{_shown(label)}'" if label else "empty charset parameter"
        yield Hit(
            content_type.offset_of(param.index),
            f"{what} in {_part_label(part)}",
            field=content_type.name,
            part=part.path or None,
        )


@rule(
    "CS002",
    "charset-decode-error",
    severity="error",
    summary="text that does not decode in its declared charset",
    references=("RFC 2045 5.1", "RFC 2046 4.1.2", "RFC 3629", "RFC 1468"),
    bad=message(extra=_text(b"utf-8"), body=b"Caf\xe9 au lait\r\n"),
    good=message(extra=_text(b"utf-8"), body=b"Caf\xc3\xa9 au lait\r\n"),
)
def charset_decode_error(message: ParsedMessage, params: Mapping[str, object]) -> Iterator[Hit]:
    """What it does: decodes every text part in its declared charset, after
    the transfer encoding, and reports the first octet that does not decode:
    in 7bit and 8bit parts at that octet, in base64 and quoted-printable parts
    at the first body line with the decoded offset. Where the text looks like
    another charset (pure ASCII, valid UTF-8, ISO-2022-JP escapes, or chardet
    when it is confident), the finding names it. Text is decoded the way
    readers decode its label: Shift_JIS as CP932, EUC-KR as CP949, GB2312 as
    GB18030, and ISO-2022-JP with Microsoft's NEC and IBM characters (JP002
    reports those characters, not this rule). ISO-2022-JP escape sequences in
    text labelled with another charset are reported too, at the first one:
    such text decodes, but as control characters and letters.

    Why it matters: the reader decodes with the declared charset and shows
    replacement characters, or mojibake, from the first bad octet on. The
    usual cause is a program that writes text in one charset and labels it
    with another (a Shift_JIS body labelled UTF-8, Windows-1252 labelled
    UTF-8): label the text with the charset it is in, or convert it.
    """
    guesser = _Guesser()
    for part in _text_parts(message):
        param = _charset_param(part)
        codec = codec_for(param.value) if param is not None else None
        if codec is None:
            continue  # no charset (CS003) or an unknown one (CS001)
        data = decoded_body(message.source, part)
        result = decode(data, codec)
        if result.ok:
            escape = -1 if codec.startswith("iso2022") else iso2022jp_escape(data)
            if escape >= 0:
                yield _escapes_hit(message, part, codec, escape)
            continue
        if result.error is None:
            continue
        index = min(result.error, len(data))
        offset, where = _where(message, part, index)
        reason = REASONS.get(result.reason, result.reason)
        octets = " ".join(f"0x{octet:02X}" for octet in result.bad)
        yield Hit(
            offset,
            f"text of {_part_label(part)} does not decode as {mime_name(codec)}: "
            f"{reason}{f' ({octets})' if octets else ''}{where}"
            f"{_looks_like(guesser(data, index), codec)}",
            part=part.path or None,
        )


def _escapes_hit(message: ParsedMessage, part: Part, codec: str, index: int) -> Hit:
    """ISO-2022-JP text under another label: it decodes, as garbage."""
    offset, where = _where(message, part, index)
    data = decoded_body(message.source, part)
    looks = "; it looks like ISO-2022-JP" if decode(data, "iso2022_jp").ok else ""
    return Hit(
        offset,
        f"text of {_part_label(part)} holds ISO-2022-JP escape sequences but is labelled "
        f"{mime_name(codec)}{where}{looks}",
        part=part.path or None,
    )


@rule(
    "CS003",
    "missing-charset",
    severity="warning",
    summary="8-bit text with no charset parameter (defaults to US-ASCII)",
    references=("RFC 2045 5.2", "RFC 2046 4.1.2", "RFC 6657 4"),
    bad=message(extra=_text(None), body=b"Caf\xc3\xa9 au lait\r\n"),
    good=message(extra=_text(b"utf-8"), body=b"Caf\xc3\xa9 au lait\r\n"),
    fixable=True,
)
def missing_charset(message: ParsedMessage, params: Mapping[str, object]) -> Iterator[Hit]:
    """What it does: reports a text part with octets above 127 (after the
    transfer encoding) and no charset parameter, including a message with no
    Content-Type at all. It points at the first 8-bit octet (in base64 and
    quoted-printable parts, at the first body line with the decoded offset)
    and names the charset the text looks like: valid UTF-8, or chardet's guess
    when it is confident.

    Why it matters: without a charset parameter, text is US-ASCII (RFC 2045
    5.2, RFC 2046 4.1.2), so 8-bit octets have no meaning. Readers guess, each
    differently, and the text is garbled for some of them. Add the charset the
    text is in to the Content-Type field.
    """
    guesser = _Guesser()
    for part in _text_parts(message):
        if _charset_param(part) is not None:
            continue
        data = decoded_body(message.source, part)
        if data.isascii():
            continue
        first = EIGHT_BIT.search(data)
        assert first is not None
        offset, where = _where(message, part, first.start())
        ran = guesser.left > 0
        found = guesser(data, first.start())
        guessed = _looks_like(found) or ("; no confident guess of its charset" if ran else "")
        yield Hit(
            offset,
            f"8-bit text in {_part_label(part)} but no charset parameter "
            f"(US-ASCII by default){where}{guessed}",
            part=part.path or None,
        )
