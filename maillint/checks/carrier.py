"""CR: what a Japanese mobile carrier does with a message (profile driven).

These rules are off in the default profile: a carrier profile turns them on
with its own limits, by name (``--profile docomo``, ``--carrier docomo``) or
automatically when a recipient's domain belongs to the carrier (the
``domains`` of ``rules/*.toml``).  Every limit is a parameter; the carrier
profiles set them and name the source of each number in a comment.

Lengths are counted as the handsets counted them (RULES.md): in Shift_JIS
octets of the decoded text, whatever the message's charset, so a half-width
character is 1 and a full-width character 2.  ``handset_octets`` is that
count; a character that Shift_JIS (as CP932) cannot write, such as an emoji in
UTF-8 text, counts 2, as the geta mark (〓) a handset shows in its place.

Decisions where the catalog is silent:

* The body is the text the handset shows: the first text/plain part that is
  not an attachment, outside any attached message, transfer-decoded and
  decoded in its charset (leniently: a text that does not decode is counted
  with replacement characters, CS002 reports it).
* A line break counts 2 octets (CR LF, as the mail is carried); the escape
  sequences of ISO-2022-JP count nothing, since the handset counts characters.
* CR001 and CR006 point at the first character past the limit (where the
  preview ends or the text is cut), when the part's lines are the text itself;
  in a base64 or quoted-printable part, at its first body line, with the line
  and character of the decoded text.
* CR002 counts the subject against the body's budget only when the body alone
  fits (otherwise CR001 says it), and CR003 the From address likewise.
* CR004 counts the message as sent: a file in the Unix storage form gains one
  octet per line when its LFs become CRLF.
* CR005 judges the text parts that hold more than ASCII (ASCII is the same in
  every charset) and the encoded words of the fields a handset shows
  (Subject, From, To, Cc, Reply-To).
* CR007 judges every line after the header section, as the carrier's mail
  server does; LN001 reports lines over the RFC limit for every recipient.
* CR008 counts the distinct addresses of To, Cc and Bcc.
* CR009 reports every part that is not the text the handset shows: a non-text
  leaf, an attached message, or a text part marked as an attachment or named.
"""

from __future__ import annotations

import binascii
import codecs
import functools
import re
from bisect import bisect_right
from collections.abc import Callable, Iterator, Mapping

from maillint.carriers import ADDRESS
from maillint.charsets import codec_for, decode, mime_name, reader_codec
from maillint.checks.examples import HEAD, message
from maillint.decode import body_span, decoded_body
from maillint.findings import Hit
from maillint.mime import Part
from maillint.mimeparams import parse_disposition
from maillint.overview import decode_header_text
from maillint.parse import HeaderField, ParsedMessage
from maillint.registry import rule

MAX_HITS = 20
TRANSFORMING = frozenset({"base64", "quoted-printable"})
# What a handset shows for a character its charset cannot write: the geta mark.
GETA = "\u3013"
GETA_HANDLER = "maillint.geta"
# Fields whose text a handset shows, for CR005's look at encoded words.
SHOWN_FIELDS = ("subject", "from", "to", "cc", "reply-to")
ENCODED_WORD = re.compile(rb"=\?([^?\s*]+)(?:\*[^?\s]*)?\?([BbQq])\?([^?\s]*)\?=")
LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _geta(error: UnicodeError) -> tuple[str, int]:
    """Encoding error handler: each character Shift_JIS cannot write becomes 〓."""
    if isinstance(error, UnicodeEncodeError):
        return GETA * (error.end - error.start), error.end
    raise error


codecs.register_error(GETA_HANDLER, _geta)


# -- counting like the handset ----------------------------------------------------


def _normalised(text: str) -> str:
    """Text with every line break as LF (each counts 2, as CR LF)."""
    return LINE_BREAK.sub("\n", text) if "\r" in text else text


def handset_octets(text: str) -> int:
    """The length of ``text`` as a handset counts it: Shift_JIS octets.

    Half-width characters 1, full-width 2 (a character Shift_JIS cannot write
    counts as the geta mark shown in its place), a line break 2 (CR LF).
    Two encodings at C speed: with "replace" each unwritable character is one
    "?", with "ignore" none, so their difference counts them.
    """
    text = _normalised(text)
    replaced = len(text.encode("cp932", "replace"))
    ignored = len(text.encode("cp932", "ignore"))
    return 2 * replaced - ignored + text.count("\n")


def handset_cut(text: str, limit: int) -> int:
    """Index in the LF-normalised ``text`` of the first character past ``limit`` octets.

    Every character counts at least one octet, so the cut lies within the
    first ``limit`` characters: only those are encoded.
    """
    text = _normalised(text)[: max(limit, 0) + 1]
    wire = text.replace("\n", "\r\n")
    octets = wire.encode("cp932", GETA_HANDLER)
    if len(octets) <= limit:
        return len(text)
    # Characters whose octets fit entirely, counted on the CR LF form...
    fitting = len(octets[:limit].decode("cp932", "ignore"))
    # ... and back to the LF form: each CR LF before the cut is one character there.
    head = wire[:fitting]
    return fitting - head.count("\r\n") - (1 if head.endswith("\r") else 0)


def _kb(octets: int) -> str:
    return f"{octets:,} ({octets / 1024:g} KB)" if octets % 1024 == 0 else f"{octets:,}"


# -- the text the handset shows ------------------------------------------------------


def _leaves(message: ParsedMessage) -> Iterator[Part]:
    """Leaf parts in file order, not descending into attached messages."""
    stack = [message.mime]
    while stack:
        part = stack.pop()
        if part.is_message and part is not message.mime:
            yield part  # an attached message: one attachment
            continue
        if not part.children:
            yield part
            continue
        stack.extend(reversed(part.children))


def _disposition(part: Part) -> tuple[str, str | None]:
    """The disposition type (lowercased, "" when absent) and the file name, if any."""
    header_field = part.header.get("content-disposition")
    kind, name = "", None
    if header_field is not None:
        parsed = parse_disposition(header_field.text())
        kind = parsed.maintype.lower()
        name = parsed.get("filename")
    if name is None and part.content_type is not None:
        name = part.content_type.get("name")
    return kind, name


def _is_attachment(part: Part) -> bool:
    if part.is_message or part.is_multipart:
        return True
    kind, name = _disposition(part)
    return kind == "attachment" or name is not None or part.maintype != "text"


def shown_body(message: ParsedMessage) -> Part | None:
    """The part whose text the handset shows: the first text/plain that is no attachment."""
    for part in _leaves(message):
        if part.type == "text/plain" and not _is_attachment(part):
            return part
    return None


def part_text(message: ParsedMessage, part: Part) -> str:
    """A text part's body as text, decoded leniently (never raises)."""
    return _text_of(decoded_body(message.source, part), part.charset)


@functools.lru_cache(maxsize=4)
def _text_of(data: bytes, charset: str | None) -> str:
    """Cached: CR001, CR002, CR003 and CR006 read the same body."""
    codec = codec_for(charset) if charset else None
    if codec is None:
        if data.isascii():
            codec = "iso2022_jp" if b"\x1b$" in data else "ascii"
        else:
            codec = "utf-8" if _decodes(data, "utf-8") else "cp932"
    if codec in ("iso2022_jp", "iso2022_jp_ext"):
        # Counting needs no exact vendor characters: each code the stdlib does
        # not read becomes one replacement character, 2 octets like the
        # character itself (charsets.decode would read it through CP932, slowly).
        return data.decode("iso2022_jp_ext", "replace")
    result = decode(data, codec)
    if result.text is not None:
        return result.text
    try:
        return data.decode(reader_codec(codec), "replace")
    except Exception:  # noqa: BLE001 - a codec may fail in its own way
        return data.decode("latin-1")


def _decodes(data: bytes, codec: str) -> bool:
    try:
        data.decode(codec)
    except UnicodeDecodeError:
        return False
    return True


def _char_place(message: ParsedMessage, part: Part, text: str, index: int) -> tuple[int, str]:
    """Message offset (and wording) of character ``index`` of a part's LF-normalised text.

    Exact when the part's lines are its text (7bit, 8bit, binary): the line is
    found by counting line breaks, the column by encoding the line's head in
    the part's charset.  Otherwise the first body line, with the line and
    character of the decoded text in the wording.
    """
    start, end = body_span(message.source, part)
    line = text.count("\n", 0, index)
    column = index - (text.rfind("\n", 0, index) + 1)
    if part.encoding in TRANSFORMING:
        return start, f" (line {line + 1}, character {column + 1} of the decoded text)"
    source = message.source
    line_index = source.line_index_at(start) + line
    if line_index >= len(source) or source.starts[line_index] >= max(end, start + 1):
        return start, ""
    content = source.line(line_index).content
    head = text[index - column : index]
    codec = codec_for(part.charset) if part.charset else None
    try:
        encoder = codecs.getincrementalencoder(reader_codec(codec or "utf-8"))()
        octets = len(encoder.encode(head, final=False))
    except Exception:  # noqa: BLE001 - characters the charset lacks: fall back to the line
        octets = 0
    return source.starts[line_index] + min(octets, len(content)), ""


def _body_count(message: ParsedMessage) -> tuple[Part, str, int] | None:
    """The part the handset shows, its text (LF line breaks) and its length as counted."""
    part = shown_body(message)
    if part is None:
        return None
    text, octets = _counted(decoded_body(message.source, part), part.charset)
    return part, text, octets


@functools.lru_cache(maxsize=4)
def _counted(data: bytes, charset: str | None) -> tuple[str, int]:
    text = _normalised(_text_of(data, charset))
    return text, handset_octets(text)


def _body_over(message: ParsedMessage, limit: int, consequence: str) -> Iterator[Hit]:
    """A hit for a shown body over ``limit`` octets, at the first character past them.

    Sky mail's long-mail notice (CR001) and the carrier's cut (CR006) both
    begin at that character, so both rules point there and word the length
    alike; ``consequence`` says, after the limit, what the handset makes of it.
    """
    counted = _body_count(message)
    if counted is None:
        return
    part, text, octets = counted
    if octets <= limit:
        return
    offset, where = _char_place(message, part, text, handset_cut(text, limit))
    yield Hit(
        offset,
        f"body is {octets} octets as the handset counts, over the {limit}{consequence}{where}",
        part=part.path or None,
    )


def _to(address: bytes, extra: bytes = b"", body: bytes = b"Hello Bob.\r\n") -> bytes:
    """An example message to a carrier address."""
    return message(head=HEAD.replace(b"bob@example.org", address), extra=extra, body=body)


SJIS_TEXT = (
    b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=Shift_JIS\r\n"
    b"Content-Transfer-Encoding: 8bit\r\n"
)
JIS_TEXT = b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\n"


def _jis_lines(text: str, lines: int) -> bytes:
    return ("".join(text + "\r\n" for _ in range(lines))).encode("iso2022_jp")


# -- the rules ----------------------------------------------------------------------------


@rule(
    "CR001",
    "skymail-body-too-long",
    severity="info",
    summary="sky-mail body over 384 octets (192 full-width characters) as the handset counts",
    params={"max-octets": 384},
    references=('WDIC "スカイメール"', 'WDIC "J-スカイウォーカー"', "RULES.md CR"),
    bad=_to(b"user@t.vodafone.ne.jp", JIS_TEXT, _jis_lines("スカイメールの本文です。" * 3, 6)),
    good=_to(b"user@t.vodafone.ne.jp", JIS_TEXT, _jis_lines("スカイメールの本文です。", 3)),
    default_on=False,
)
def skymail_body_too_long(message: ParsedMessage, params: Mapping[str, object]) -> Iterator[Hit]:
    """What it does: counts the body the handset shows (the first text/plain
    part, decoded) in Shift_JIS octets, half-width characters 1 and full-width
    2, and reports a body over 384 octets at the first character past them.

    Why it matters: Vodafone (J-PHONE) PDC handsets received e-mail as sky mail
    only up to 192 full-width characters. A longer mail arrived as a long mail
    or super mail notice showing its first 384 octets; the rest had to be
    fetched (and paid for) from the mail box, and handsets without the long
    mail service never saw it. Keep what matters in the first 192 full-width
    characters. (Sky mail ended with the PDC network on 2010-03-31.)
    """
    limit = int(params["max-octets"])
    yield from _body_over(
        message,
        limit,
        f" of sky mail: it will arrive as a long-mail notice with the first {limit} octets",
    )


def _subject(message: ParsedMessage) -> tuple[HeaderField, int] | None:
    header_field = message.header.get("subject")
    if header_field is None:
        return None
    return header_field, handset_octets(decode_header_text(header_field.value).strip())


def _value_start(header_field: HeaderField) -> int:
    value = header_field.value
    return header_field.offset_of(len(value) - len(value.lstrip()))


def _sky_mail_field(
    message: ParsedMessage,
    header_field: HeaderField,
    at: int,
    octets: int,
    budget: int,
    alone: str | None,
    together: Callable[[int], str],
) -> Iterator[Hit]:
    """The hit for a header field that keeps the mail from being sky mail (CR002, CR003).

    The field is judged as the handsets did: over its own limit first
    (``alone`` words that; None: within it), else with the body, against the
    ``budget``.  A body over the budget by itself is CR001's finding, not the
    field's, so only a body that fits alone but not with the field's
    ``octets`` is reported, ``together`` wording it from the body's length.
    """
    text = alone
    if text is None:
        counted = _body_count(message)
        body = counted[2] if counted else 0
        if not body <= budget < body + octets:
            return
        text = together(body)
    yield Hit(at, text, field=header_field.name)


@rule(
    "CR002",
    "skymail-subject-too-long",
    severity="info",
    summary="the subject pushes the mail past the sky-mail budget (counted against the "
    "body's 384 octets unless a subject limit is set)",
    params={"max-octets": 384, "max-subject-octets": 0},
    references=('WDIC "スカイメール"', "seeds: Vodafone のメールがスカイメールにならない条件"),
    bad=_to(
        b"user@t.vodafone.ne.jp",
        JIS_TEXT,
        _jis_lines("本文です。" * 6, 6),
    ).replace(b"Subject: hello", b"Subject: =?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?= " + b"x" * 60),
    good=_to(b"user@t.vodafone.ne.jp", JIS_TEXT, _jis_lines("本文です。" * 6, 6)),
    default_on=False,
)
def skymail_subject_too_long(message: ParsedMessage, params: Mapping[str, object]) -> Iterator[Hit]:
    """What it does: counts the subject (decoded) in Shift_JIS octets and
    reports it at the Subject field when subject and body together exceed the
    sky-mail budget (384 octets) while the body alone fits, or when the
    subject alone exceeds ``max-subject-octets`` (0: no such limit).

    Why it matters: a Vodafone handset received a mail as sky mail only while
    it was short, and the subject counted too: "件名だけはある程度の長さ以上だと
    スーパーメールになる" (the project's seed notes). No published figure for the
    subject was found, so by default the subject is counted against the same
    384 octets as the body, and the finding says so; a profile that knows the
    real figure sets ``max-subject-octets``. Over the budget, the mail arrives
    as a long-mail notice instead of the mail itself.
    """
    budget = int(params["max-octets"])
    subject_limit = int(params["max-subject-octets"])
    found = _subject(message)
    if found is None:
        return
    header_field, subject = found
    alone = None
    if subject_limit > 0 and subject > subject_limit:
        alone = (
            f"subject is {subject} octets as the handset counts, over the {subject_limit} "
            "set for sky mail: it will arrive as a long-mail notice"
        )

    def together(body: int) -> str:
        return (
            f"subject ({subject} octets as the handset counts) and body ({body}) are "
            f"{subject + body} together, over the {budget} of sky mail (no subject limit "
            "is published: the subject is counted against the body's budget)"
        )

    yield from _sky_mail_field(
        message, header_field, _value_start(header_field), subject, budget, alone, together
    )


@rule(
    "CR003",
    "skymail-header-too-long",
    severity="info",
    summary="the From address over 55 half-width characters, or From and body together "
    "over 384 octets, in sky mail",
    params={"max-from-chars": 55, "max-octets": 384},
    references=('WDIC "スカイメール"',),
    bad=_to(b"user@t.vodafone.ne.jp").replace(
        b"From: Alice <alice@example.com>",
        b"From: Alice <alice.with.a.rather.long.address.for.a.phone@mail.example.com>",
    ),
    good=_to(b"user@t.vodafone.ne.jp"),
    default_on=False,
)
def skymail_header_too_long(message: ParsedMessage, params: Mapping[str, object]) -> Iterator[Hit]:
    """What it does: reports, at the From field, a sender address longer than
    55 half-width characters, and a sender address and body (the first
    text/plain part, in Shift_JIS octets) together over 384 octets while the
    body alone fits.

    Why it matters: WDIC's article on sky mail gives the conditions for e-mail
    to reach a Vodafone (J-PHONE) PDC handset as sky mail: the From address at
    most 55 half-width characters, the body at most 192 full-width, and From
    and body together at most 192 full-width. A mail that breaks one arrives
    as a long-mail notice instead. Send from a short address.
    """
    from_limit = int(params["max-from-chars"])
    budget = int(params["max-octets"])
    header_field = message.header.get("from")
    if header_field is None:
        return
    found = ADDRESS.search(header_field.value)
    if found is None:
        return
    address = found.group().decode("utf-8", "replace")
    length = handset_octets(address)
    alone = None
    if length > from_limit:
        alone = (
            f"From address is {length} half-width characters, over the {from_limit} of sky "
            "mail: it will arrive as a long-mail notice"
        )

    def together(body: int) -> str:
        return (
            f"From address ({length} octets) and body ({body} as the handset counts) are "
            f"{length + body} together, over the {budget} of sky mail: it will arrive as a "
            "long-mail notice"
        )

    at = header_field.offset_of(found.start())
    yield from _sky_mail_field(message, header_field, at, length, budget, alone, together)


def _wire_size(message: ParsedMessage) -> int:
    data = message.source.data
    if message.form == "stored":
        return len(data) + data.count(b"\n") - data.count(b"\r\n")
    return len(data)


def _raw_offset(message: ParsedMessage, wire: int) -> int:
    """The file offset that is octet ``wire`` of the message as sent."""
    data = message.source.data
    last = max(len(data) - 1, 0)
    if message.form != "stored" or not message.source.starts:
        return min(wire, last)
    # In the stored form every line ends in LF alone: line k starts k octets
    # later when sent (each LF before it becomes CR LF).
    starts = message.source.starts
    index = max(bisect_right(range(len(starts)), wire, key=lambda k: starts[k] + k) - 1, 0)
    line_last = starts[index + 1] - 1 if index + 1 < len(starts) else last
    return min(wire - index, line_last)


@rule(
    "CR004",
    "carrier-message-too-large",
    severity="error",
    summary="the whole message over the carrier's size limit (SoftBank S!Mail 300 KB)",
    params={"max-octets": 307200, "service": "SoftBank S!Mail"},
    references=("SoftBank 3G S!メール: 300 KB", "FOMA user manuals: automatic reception 100 KB"),
    bad=_to(b"user@softbank.ne.jp", body=(b"x" * 76 + b"\r\n") * 4100),
    good=_to(b"user@softbank.ne.jp", body=(b"x" * 76 + b"\r\n") * 100),
    default_on=False,
)
def carrier_message_too_large(
    message: ParsedMessage, params: Mapping[str, object]
) -> Iterator[Hit]:
    """What it does: measures the whole message as it is sent (header, body
    and every attachment, with CRLF line breaks) and reports one over the
    carrier's limit, at the octet where the limit is crossed.

    Why it matters: carriers' mail centers refuse or cut mail over a size:
    SoftBank's S!Mail (3G) carries at most 300 KB, counting body, attachments,
    addresses and subject; docomo's FOMA handsets receive at most 100 KB
    automatically, leaving larger attachments at the i-mode center to be
    fetched by hand (the docomo profile makes that a `warning`). Link to large
    files instead of attaching them.
    """
    limit = int(params["max-octets"])
    size = _wire_size(message)
    if size > limit:
        yield Hit(
            _raw_offset(message, limit),
            f"message is {size:,} octets as sent, over the {_kb(limit)} of "
            f"{params['service']}: the limit is crossed here",
        )


def _allowed(params: Mapping[str, object]) -> tuple[set[str], str]:
    labels = [c for c in params["charsets"] if isinstance(c, str)]  # type: ignore[union-attr]
    allowed = {codec for label in labels if (codec := codec_for(label)) is not None}
    return allowed | {"ascii"}, " or ".join(labels) or "no charset"


@rule(
    "CR005",
    "carrier-charset",
    severity="warning",
    summary="text not in a charset the carrier's classic handsets read (ISO-2022-JP or Shift_JIS)",
    params={"charsets": ["ISO-2022-JP", "Shift_JIS"], "service": "classic Japanese handsets"},
    references=("jpmobile MAIL_CHARSET (docomo, SoftBank: Shift_JIS; au: ISO-2022-JP)",),
    bad=_to(
        b"user@docomo.ne.jp",
        b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n",
        "こんにちは\r\n".encode(),
    ),
    good=_to(b"user@docomo.ne.jp", SJIS_TEXT, "こんにちは\r\n".encode("shift_jis")),
    default_on=False,
)
def carrier_charset(message: ParsedMessage, params: Mapping[str, object]) -> Iterator[Hit]:
    """What it does: reports each text part (not an attachment) holding more
    than ASCII whose charset is not one the carrier's classic handsets read
    (ISO-2022-JP or Shift_JIS by default), at its charset parameter; and each
    field a handset shows (Subject, From, To, Cc, Reply-To) with an encoded
    word in another charset, at the first such word.

    Why it matters: Japanese feature phones (i-mode, EZweb, Vodafone and
    SoftBank handsets) read mail in Shift_JIS and ISO-2022-JP, the charsets the
    carriers' own handsets send (jpmobile sends docomo and SoftBank Shift_JIS,
    au ISO-2022-JP). UTF-8 text, or a label such as Windows-31J, arrives as
    mojibake or is refused by the handset's viewer. Convert the text to
    ISO-2022-JP (or Shift_JIS) for these recipients.
    """
    allowed, names = _allowed(params)
    service = params["service"]
    for part in _leaves(message):
        if part.maintype != "text" or _is_attachment(part):
            continue
        label = part.charset
        codec = codec_for(label) if label else None
        if codec in allowed:
            continue
        data = decoded_body(message.source, part)
        if data.isascii() and b"\x1b" not in data:
            continue  # ASCII reads the same in every charset
        content_type = part.header.get("content-type")
        param = part.content_type.params.get("charset") if part.content_type else None
        if content_type is not None and param is not None:
            offset = content_type.offset_of(param.index)
        elif content_type is not None:
            offset = _value_start(content_type)
        else:
            offset = body_span(message.source, part)[0]
        shown = mime_name(codec) if codec else (label or "no charset")
        where = f"part {part.path}" if part.path else "the body"
        yield Hit(
            offset,
            f"text of {where} is in {shown[:40]}: {service} read {names}",
            field=content_type.name if content_type is not None else None,
            part=part.path or None,
        )
    for header_field in message.header.fields:
        if header_field.key not in SHOWN_FIELDS or b"=?" not in header_field.value:
            continue
        for match in ENCODED_WORD.finditer(header_field.value):
            label = match.group(1).decode("ascii", "replace")
            codec = codec_for(label)
            if codec is None or codec in allowed or _ascii_word(match):
                continue  # an unknown charset is EW003's; ASCII reads the same everywhere
            yield Hit(
                header_field.offset_of(match.start()),
                f"{header_field.name} is encoded in {mime_name(codec)}: {service} read {names}",
                field=header_field.name,
            )
            break


def _ascii_word(match: re.Match[bytes]) -> bool:
    """True when an encoded word's text is ASCII (or does not decode: EW002's)."""
    try:
        if match.group(2) in (b"B", b"b"):
            octets = binascii.a2b_base64(match.group(3))
        else:
            octets = binascii.a2b_qp(match.group(3), header=True)
    except (binascii.Error, ValueError):
        return True
    return octets.isascii()


@rule(
    "CR006",
    "carrier-body-truncated",
    severity="warning",
    summary="a body longer than the carrier delivers, silently cut (i-mode: 2000 "
    "full-width characters, au: 5000)",
    params={"max-octets": 4000, "service": "i-mode mail"},
    references=(
        "NTT docomo, iモードメール ご注意事項",
        "Wikipedia ja: iモードメール",
        "KDDI Eメール manuals: 全角5000文字",
    ),
    bad=_to(b"user@docomo.ne.jp", SJIS_TEXT, ("あ" * 40 + "\r\n").encode("shift_jis") * 60),
    good=_to(b"user@docomo.ne.jp", SJIS_TEXT, ("あ" * 40 + "\r\n").encode("shift_jis") * 40),
    default_on=False,
)
def carrier_body_truncated(message: ParsedMessage, params: Mapping[str, object]) -> Iterator[Hit]:
    """What it does: counts the body the handset shows (the first text/plain
    part, decoded) in Shift_JIS octets and reports one longer than the carrier
    delivers, at the first character that will be cut.

    Why it matters: carriers cut long mail without telling the sender. docomo's
    i-mode center deletes what exceeds the characters a handset receives
    ("超えた部分を自動的に削除します"): 250 full-width characters on mova
    until July 2002, 2000 since; au's EZweb handsets take 5000 full-width
    characters (10000 half-width). The recipient sees a mail that stops in the
    middle. Put the essentials first, or link to the full text.
    """
    limit = int(params["max-octets"])
    yield from _body_over(
        message,
        limit,
        f" ({limit // 2} full-width characters) of {params['service']}: the rest is cut from here",
    )


@rule(
    "CR007",
    "carrier-unbroken-line",
    severity="warning",
    summary="a long body line with no line break, which the carrier's mail servers refuse",
    params={"max-octets": 998, "service": "docomo's mail servers"},
    references=("NTT docomo, iモードメール ご注意事項: Line Too Long",),
    bad=_to(b"user@docomo.ne.jp", body=b"a" * 1200 + b"\r\n"),
    good=_to(b"user@docomo.ne.jp", body=(b"a" * 70 + b"\r\n") * 18),
    default_on=False,
)
def carrier_unbroken_line(message: ParsedMessage, params: Mapping[str, object]) -> Iterator[Hit]:
    """What it does: reports every line after the header section longer than
    the carrier accepts (998 octets without the line break by default), at the
    first octet past the limit.

    Why it matters: docomo warns that mail to i-mode addresses "written without
    line breaks" may be refused with a "Line Too Long" error; its servers answer
    "500 Line Too Long" to lines over 1000 octets with the line break. The
    sender gets a bounce, the recipient nothing. Break the text into lines, or
    send it quoted-printable or base64, whose lines are short.
    """
    limit = int(params["max-octets"])
    source = message.source
    start = message.header.body_start
    lines = source.raw_lines[start:]
    if not lines or max(map(len, lines)) <= limit:
        return
    count, extra_at = 0, 0
    for index in range(start, len(source)):
        if len(source.raw_lines[index]) <= limit:
            continue
        line = source.line(index)
        if len(line.content) <= limit:
            continue
        count += 1
        if count <= MAX_HITS:
            yield Hit(
                line.start + limit,
                f"body line is {len(line.content)} octets without a line break, over the "
                f"{limit} that {params['service']} accept: 'Line Too Long'",
            )
        elif count == MAX_HITS + 1:
            extra_at = line.start + limit
    if count > MAX_HITS:
        yield Hit(extra_at, f"{count - MAX_HITS} more long body lines, from here")


@rule(
    "CR008",
    "carrier-too-many-recipients",
    severity="warning",
    summary="more recipients than the carrier's handsets accept (au: 5 per mail by default)",
    params={"max-recipients": 5, "service": "au handsets"},
    references=("KDDI Eメール manuals: 宛先件数 To/Cc/Bcc 5件",),
    bad=_to(
        b"a@ezweb.ne.jp, b@ezweb.ne.jp, c@ezweb.ne.jp",
        b"Cc: d@ezweb.ne.jp, e@ezweb.ne.jp, f@ezweb.ne.jp\r\n",
    ),
    good=_to(b"a@ezweb.ne.jp, b@ezweb.ne.jp", b"Cc: c@ezweb.ne.jp\r\n"),
    default_on=False,
)
def carrier_too_many_recipients(
    message: ParsedMessage, params: Mapping[str, object]
) -> Iterator[Hit]:
    """What it does: counts the distinct addresses in To, Cc and Bcc and
    reports, at the first address past the limit, a mail with more than the
    carrier's handsets address at once (5 for au by default).

    Why it matters: au handsets send an e-mail to at most 5 addresses, To, Cc
    and Bcc together, unless the user lifts the "宛先件数制限" setting (then 30).
    A recipient who replies to all from the handset cannot send the reply.
    Use a mailing list, or Bcc fewer people.
    """
    limit = int(params["max-recipients"])
    seen: set[bytes] = set()
    over: tuple[HeaderField, int] | None = None
    for name in ("to", "cc", "bcc"):
        for header_field in message.header.get_all(name):
            for match in ADDRESS.finditer(header_field.value):
                address = match.group().lower()
                if address in seen:
                    continue
                seen.add(address)
                if len(seen) == limit + 1:
                    over = (header_field, match.start())
    if over is not None:
        header_field, index = over
        yield Hit(
            header_field.offset_of(index),
            f"{len(seen)} recipients in To, Cc and Bcc, over the {limit} that "
            f"{params['service']} address in one mail: a reply to all from the handset fails",
            field=header_field.name,
        )


def _shown_name(name: str, limit: int = 40) -> str:
    """A file name safe to show: no control or format characters, bounded."""
    cleaned = "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in name[:limit])
    return cleaned + ("..." if len(name) > limit else "")


@rule(
    "CR009",
    "carrier-attachment",
    severity="warning",
    summary="an attachment the carrier does not deliver (i-mode mova strips attachments)",
    params={"service": "i-mode mova handsets"},
    references=("Wikipedia ja: iモードメール (mova: 添付ファイル削除)",),
    bad=_to(
        b"user@docomo.ne.jp",
        b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n',
        b"--b\r\nContent-Type: text/plain\r\n\r\nSee the file.\r\n"
        b'--b\r\nContent-Type: application/pdf; name="a.pdf"\r\n'
        b'Content-Disposition: attachment; filename="a.pdf"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n",
    ),
    good=_to(
        b"user@docomo.ne.jp",
        b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n',
        b"--b\r\nContent-Type: text/plain\r\n\r\nThe file is at https://example.com/a.pdf\r\n"
        b"--b--\r\n",
    ),
    default_on=False,
)
def carrier_attachment(message: ParsedMessage, params: Mapping[str, object]) -> Iterator[Hit]:
    """What it does: reports, at its header, each part the handset would get
    as an attachment rather than as the text it shows: a part that is not
    text, an attached message, or a text part marked as an attachment or
    carrying a file name.

    Why it matters: i-mode on mova handsets never received attachments: the
    i-mode center deleted them and appended "[添付ファイル削除]" (attachment
    deleted) to the text, so the recipient learnt that something was sent but
    not what (mova ran until 2012-03-31). Put the content in the text, or
    link to it.
    """
    shown = shown_body(message)
    count = 0
    for part in _leaves(message):
        if part is shown or part.is_multipart or not _is_attachment(part):
            continue
        count += 1
        if count > MAX_HITS:
            continue
        _kind, name = _disposition(part)
        what = f"attachment '{_shown_name(name)}'" if name else "attachment"
        where = f" in part {part.path}" if part.path else ""
        yield Hit(
            message.source.starts[part.start] if part.start < len(message.source) else 0,
            f"{what} ({part.type}){where}: {params['service']} do not receive "
            "attachments, it is removed before delivery",
            part=part.path or None,
        )
    if count > MAX_HITS:
        yield Hit(0, f"{count - MAX_HITS} more attachments (not listed one by one)")
