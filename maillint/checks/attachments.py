"""AT: attachment names, from each part's Content-Type and Content-Disposition.

A part's file name may be written in two places, Content-Type ``name`` (the
MIME-1 way, which Japanese handsets read) and Content-Disposition ``filename``
(RFC 2183, which most desktop readers prefer), and in several encodings. The
names are decoded once per message, the way readers decode them, and the six
rules read the result; a finding says which encoding each name used:
``name (RFC 2047, ISO-2022-JP) is '見積.pdf' but filename (RFC 2231, UTF-8) is
'見積書.pdf'``.  Every finding points at the parameter in its field, names the
field and the part (``None`` for the message itself).  Nothing here raises on
any input, and the work is linear in the size of the header fields.

Decisions where the catalog is silent:

* Which parts carry a file: every part that is not a multipart and has a
  ``name`` in its Content-Type or a ``filename`` in its Content-Disposition,
  whatever the disposition: ``inline`` images and the message itself (a
  single-part message whose body is the file) count, since handsets and
  readers show and save them under that name, and a deceptive name is as
  dangerous inline.  message/rfc822 parts count, and so do the parts of a
  forwarded message: the recipient's reader shows them alike.  ``name`` in
  Content-Disposition and ``filename`` in Content-Type are not file names
  (RFC 2045, RFC 2183) and are not read.  The protocol parts of
  multipart/signed and multipart/encrypted (RFC 1847: ``signature.asc``,
  ``smime.p7s``, the PGP control part and ciphertext) are handled by
  readers as a protocol, not offered as files the sender attached: AT001 to
  AT004 leave them alone, AT005 and AT006 still judge them.
* Decoding, per form. RFC 2231 values (``filename*=``, ``filename*0*=``...)
  are decoded by ``maillint.mimeparams`` (continuations joined, then decoded
  in section 0's charset); a single-section value is decoded again as
  readers do (Shift_JIS as CP932, Microsoft's ISO-2022-JP through CP932).
  RFC 2047 words inside a plain value are recognised with the EW rules' own
  pattern and charset check and decoded as lenient readers decode them (a B
  word without its ``=`` padding, an EW002 error, still decodes); adjacent
  words in one charset are decoded together and the white space between
  words dropped (RFC 2047 6.2); a word in an unknown charset stays as
  written. Raw 8-bit octets are decoded in the first of: ``charsets.guess``
  (ASCII, UTF-8, ISO-2022-JP escapes, a confident chardet), the charsets the
  message declares (the part's own first), then Shift_JIS, EUC-JP and
  windows-1252. Beside ISO-2022-JP, raw 8-bit Japanese is Shift_JIS (what
  handsets and Windows mailers wrote), so a declared ISO-2022-JP counts as
  Shift_JIS here. A quoted Shift_JIS name holding a character whose second
  octet is 0x5C (``表``, ``ソ``) is also tried as written, without reading
  that octet as a quoted-pair backslash.
* AT001 compares the names after Unicode NFC normalisation, and nothing
  else: ``ガイド`` written with combining voiced marks (macOS) and with
  precomposed ones are the same name on every screen, but case and spaces
  are kept (``A.GIF`` and ``a.gif`` are two files on a handset or Unix).
  It compares the forms that an RFC 2231 reader uses: ``filename*=`` over a
  plain ``filename=`` fallback, ``name*=`` over ``name=``.  An empty name
  counts as no name.
* AT004 fires when every file-name parameter of the part is in RFC 2231
  form (no plain ``filename=`` fallback, no plain ``name=``).
* AT005 looks at every plain parameter of every part's Content-Type and
  Content-Disposition (file names and others alike), one finding per
  parameter holding well-formed encoded words.
* AT006 judges every file-name parameter as written, fallbacks and repeats
  included, since different readers pick different ones; one finding per
  distinct decoded name of a part, at the first parameter holding it.
  Bidirectional controls are the embeddings, overrides and isolates
  (U+202A-U+202E, U+2066-U+2069); the marks LRM, RLM and ALM do not reorder
  text and are legitimate in right-to-left names, so they pass.  ``..`` is
  reported as a path component (``..``, ``../x``), not inside a name
  (``a..b.txt``).  A double extension is an executable or script type that
  Windows runs on a double-click after a document, image, archive or media
  type, judged on the name as Windows saves it (trailing dots and spaces
  removed, white space padding before the last dot ignored).
"""

from __future__ import annotations

import binascii
import re
import unicodedata
import weakref
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from maillint.charsets import codec_for, decode, guess, mime_name, reader_codec

# The EW rules' own pattern and judgement of a word's charset and data, so
# that both families see the same words.
from maillint.checks.encoded_words import WORD, _charset_verdict, _octets
from maillint.checks.examples import message
from maillint.findings import Hit
from maillint.mime import Part
from maillint.mimeparams import Param, ParsedValue, parse_disposition
from maillint.parse import HeaderField, ParsedMessage
from maillint.registry import rule

# Parameter forms: plain ones are read by every reader, RFC 2231 ones only by
# readers that implement it.
PLAIN_FORMS = ("token", "quoted")
# RFC 2231 7: ext-octet := "%" 2(DIGIT / "A"-"F") (lowercase accepted, as everywhere).
PERCENT_ESCAPE = re.compile(rb"%([0-9A-Fa-f]{2})")
WSP = b" \t\r\n"
# Raw 8-bit octets: the charsets tried after the guess and the declared ones.
FALLBACK_CODECS = ("shift_jis", "euc_jp", "cp1252")
SJIS_CODECS = frozenset({"shift_jis", "cp932", "shift_jis_2004", "shift_jisx0213"})
# A Shift_JIS double-byte character (its second octet may be 0x5C, a
# backslash), or a quoted-pair: how a Shift_JIS writer's quoted string reads.
SJIS_QUOTED_PAIR = re.compile(rb"([\x81-\x9f\xe0-\xfc].)|\\(.)", re.DOTALL)
# At most this many declared charsets are tried for a raw 8-bit name.
MAX_HINTS = 8
# How much of a name a message quotes.
SHOWN_CHARS = 60

# Characters a finding must not print as they are: C0 and C1 controls, the
# bidirectional and other invisible format characters, line and paragraph
# separators, and the lone surrogates that stand for undecodable octets.
UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e"
    "\u2060-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff]"
)
# AT006: embeddings, overrides and isolates (Unicode UAX #9; Trojan Source).
BIDI_CONTROL = re.compile("[\u202a-\u202e\u2066-\u2069]")
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
SEPARATOR = re.compile(r"[/\\]")
# Types that Windows runs (or hands to a script host) on a double-click.
EXECUTABLE = frozenset(
    {
        "exe", "scr", "com", "bat", "cmd", "pif", "js", "jse", "vbs", "vbe", "vb",
        "wsf", "wsh", "ws", "wsc", "hta", "msi", "msp", "mst", "msc", "lnk", "jar",
        "ps1", "ps1xml", "ps2", "psc1", "psc2", "cpl", "reg", "scf", "sct", "inf",
        "chm", "hlp", "application", "gadget", "appref-ms", "appx", "msix", "url",
    }
)  # fmt: skip
# Types a recipient opens without a second thought: documents, images, media, archives.
DOCUMENT = frozenset(
    {
        "pdf", "doc", "docx", "docm", "xls", "xlsx", "xlsm", "ppt", "pptx", "pps",
        "ppsx", "rtf", "txt", "csv", "odt", "ods", "odp", "xml", "htm", "html",
        "eml", "msg", "jpg", "jpeg", "jpe", "png", "gif", "bmp", "tif", "tiff",
        "webp", "heic", "svg", "mp3", "mp4", "m4a", "wav", "avi", "mov", "wmv",
        "mpg", "mpeg", "zip", "rar", "7z", "gz", "lzh", "cab", "iso", "img",
        "hwp", "jtd", "ics", "vcf",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class FileName:
    """One file-name parameter as written, decoded as readers decode it.

    ``how`` says how it was written (``plain``, ``RFC 2047, ISO-2022-JP``,
    ``RFC 2231, UTF-8``, ``raw 8-bit, guessed Shift_JIS``).
    """

    header_field: HeaderField
    param: Param
    text: str
    how: str

    @property
    def offset(self) -> int:
        """Where the parameter starts in the message."""
        return self.header_field.offset_of(self.param.index)

    @property
    def plain(self) -> bool:
        return self.param.form in PLAIN_FORMS

    @property
    def present(self) -> bool:
        """A name a reader can show: not empty, not only white space."""
        return bool(self.text.strip())

    def described(self) -> str:
        """``name (RFC 2047, ISO-2022-JP) is '見積.pdf'``, as messages say it."""
        return f"{self.param.name} ({self.how}) is {_quote(self.text)}"


@dataclass(frozen=True, slots=True)
class Attachment:
    """A part that carries a file name: the names readers use and every one written.

    ``name`` and ``filename`` are the parameters an RFC 2231 reader uses (the
    extended form over a plain fallback); ``written`` holds every file-name
    parameter of both fields in file order, fallbacks and repeats included.
    """

    part: Part
    name: FileName | None
    filename: FileName | None
    written: tuple[FileName, ...]
    protocol: bool = False

    @property
    def path(self) -> str | None:
        return self.part.path or None


@dataclass(frozen=True, slots=True)
class WordParam:
    """A plain parameter value holding RFC 2047 encoded words (AT005)."""

    header_field: HeaderField
    param: Param
    charsets: tuple[str, ...]
    part: Part


@dataclass(frozen=True, slots=True)
class Analysis:
    """Everything the AT rules read, computed once per message."""

    attachments: tuple[Attachment, ...]
    word_params: tuple[WordParam, ...]


# -- showing names ----------------------------------------------------------------


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # an octet that did not decode
        return f"\\x{code - 0xDC00:02X}"
    return f"\\u{code:04X}" if code > 0xFF else f"\\x{code:02X}"


def _quote(text: str) -> str:
    """A name as a message quotes it: invisible and control characters escaped, bounded."""
    shown = UNSAFE.sub(_escape, text[:SHOWN_CHARS])
    return f"'{shown}...'" if len(text) > SHOWN_CHARS else f"'{shown}'"


def _plural(count: int, word: str) -> str:
    return word if count == 1 else f"{word}s"


# -- decoding -----------------------------------------------------------------------


def _octets_of(text: str) -> bytes:
    """The octets of a parameter value: surrogates back to 8-bit octets (never raises)."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace")


def _charset_label(label: str | None) -> str:
    """A charset as messages name it: its MIME name when a codec knows it."""
    if not label:
        return "no charset"
    codec = codec_for(label)
    return mime_name(codec) if codec is not None else _quote(label)


def _decode_strict(data: bytes, codec: str) -> str | None:
    """``data`` decoded as readers decode ``codec`` (its superset), or None."""
    found = decode(data, codec)
    return found.text if found.ok else None


def _decode_lenient(data: bytes, codec: str) -> str:
    """``data`` decoded as readers decode ``codec``, replacement characters for the rest."""
    text = _decode_strict(data, codec)
    if text is not None:
        return text
    try:
        return data.decode(reader_codec(codec), "replace")
    except Exception:  # noqa: BLE001 - some codecs take no error handler but "strict"
        return data.decode("utf-8", "replace")


def _raw_octets(param: Param) -> tuple[bytes, bytes | None]:
    """The octets of a plain value; for a quoted 8-bit value holding a
    backslash, also its octets as a Shift_JIS writer meant them (a 0x5C that
    is the second octet of a double-byte character, as in ``表`` or ``ソ``,
    is not a quoted-pair), else None."""
    octets = _octets_of(param.value)
    raw = param.raw
    if param.form != "quoted" or "\\" not in raw or octets.isascii():
        return octets, None
    inner = _octets_of(raw[1:-1] if len(raw) > 1 and raw.endswith('"') else raw[1:])
    meant = SJIS_QUOTED_PAIR.sub(lambda m: m.group(1) or m.group(2), inner)
    return octets, (meant if meant != octets else None)


def _decode_raw(
    octets: bytes, sjis: bytes | None, hints: tuple[str, ...]
) -> tuple[str, str | None]:
    """Raw octets as text: (text, the codec that read them, None when none did).

    ``sjis``: the octets as a Shift_JIS writer meant them, tried first with
    the Shift_JIS codecs.
    """
    if octets.isascii() and b"\x1b" not in octets:
        return octets.decode("ascii"), "ascii"
    found = guess(octets)
    order = ([found.codec] if found is not None else []) + [*hints, *FALLBACK_CODECS]
    tried: set[str] = set()
    for codec in order:
        if codec in tried:
            continue
        tried.add(codec)
        candidates = (sjis, octets) if sjis is not None and codec in SJIS_CODECS else (octets,)
        for data in candidates:
            text = _decode_strict(data, codec)
            if text is not None:
                return text, codec
    return octets.decode("ascii", "surrogateescape"), None


def _raw_how(octets: bytes, codec: str | None) -> str:
    if codec == "ascii":
        return "plain"
    if octets.isascii():
        return f"unencoded {mime_name(codec)} escapes" if codec else "unencoded escapes"
    return f"raw 8-bit, guessed {mime_name(codec)}" if codec else "raw 8-bit, charset unknown"


def _word_octets(match: re.Match[bytes]) -> bytes | None:
    """The octets of a closed B or Q word, decoded as lenient readers do: a B
    word that lacks its ``=`` padding (EW002 reports it) still decodes."""
    encoding, text = match.group("encoding").upper(), match.group("text")
    if encoding not in (b"B", b"Q") or not text:
        return None
    strict = _octets(encoding, text)
    if strict is not None or encoding == b"Q":
        return strict
    core = text.rstrip(b"=")
    try:
        return binascii.a2b_base64(core + b"=" * (-len(core) % 4))
    except (binascii.Error, ValueError):
        return None


def _words(octets: bytes) -> tuple[list[tuple[str | None, bytes]], list[str]]:
    """Split a plain value into runs: (codec, octets) for decodable RFC 2047
    words (adjacent ones in one charset joined), (None, octets) for the text
    between them; and the charsets of its encoded words, in order.

    A word is ``=?charset?B?...?=`` or ``=?charset?Q?...?=`` with a charset
    token, as the EW rules find it. White space between two words is dropped
    (RFC 2047 6.2); a word in a charset no codec knows, or whose data does not
    decode, stays as written.
    """
    # Each run's octets are collected as a list of pieces and joined once at
    # the end: adding each word to a growing bytes object copied the run
    # again for every word (200,000 words in one name took seconds).
    runs: list[tuple[str | None, list[bytes]]] = []
    charsets: list[str] = []
    position = 0
    after_word = False
    for match in WORD.finditer(octets):
        if match.group("close") is None:
            continue
        problem, codec, _ = _charset_verdict(match.group("charset"))
        data = _word_octets(match)
        if problem is not None or data is None:
            continue  # not an encoded word: text, as written
        label = match.group("charset").partition(b"*")[0].decode("ascii", "replace")
        charsets.append(mime_name(codec) if codec is not None else label)
        if codec is None:
            continue  # an unknown charset: the word stays in the text, as written
        between = octets[position : match.start()]
        if after_word and not between.strip(WSP):
            between = b""
        if between:
            runs.append((None, [between]))
        if not between and after_word and runs and runs[-1][0] == codec:
            runs[-1][1].append(data)
        else:
            runs.append((codec, [data]))
        position = match.end()
        after_word = True
    if charsets and position < len(octets):
        runs.append((None, [octets[position:]]))
    return [(codec, b"".join(pieces)) for codec, pieces in runs], charsets


def _distinct(items: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def _decode_plain(header_field: HeaderField, param: Param, hints: tuple[str, ...]) -> FileName:
    """A token or quoted value: RFC 2047 words, raw 8-bit octets, or plain ASCII."""
    octets, sjis = _raw_octets(param)
    runs, charsets = _words(octets) if b"=?" in octets else ([], [])
    if not charsets:
        text, codec = _decode_raw(octets, sjis, hints)
        return FileName(header_field, param, text, _raw_how(octets, codec))
    pieces: list[str] = []
    raw_8bit = False
    for codec, data in runs:
        if codec is not None:
            pieces.append(_decode_lenient(data, codec))
        else:
            text, _ = _decode_raw(data, None, hints)
            raw_8bit = raw_8bit or not data.isascii()
            pieces.append(text)
    how = "RFC 2047, " + " and ".join(_distinct(charsets))
    if raw_8bit:
        how += ", with raw 8-bit text"
    return FileName(header_field, param, "".join(pieces), how)


def _rfc2231_octets(raw: str) -> bytes | None:
    """The octets of a single-section ``name*=charset'lang'%XX`` value as written."""
    text = raw[1:-1] if len(raw) > 1 and raw[0] == raw[-1] == '"' else raw
    pieces = text.split("'", 2)
    if len(pieces) < 3:
        return None
    return PERCENT_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), _octets_of(pieces[2]))


def _decode_extended(header_field: HeaderField, param: Param) -> FileName:
    """An RFC 2231 value: as ``mimeparams`` joined and decoded it, a single
    section decoded again as readers decode its charset."""
    text = param.value
    codec = codec_for(param.charset) if param.charset else None
    if param.form == "rfc2231" and codec is not None:
        octets = _rfc2231_octets(param.raw)
        decoded = _decode_strict(octets, codec) if octets is not None else None
        text = decoded if decoded is not None else text
    kind = "RFC 2231" if param.form == "rfc2231" else "RFC 2231 continuations"
    return FileName(header_field, param, text, f"{kind}, {_charset_label(param.charset)}")


def _decode_param(header_field: HeaderField, param: Param, hints: tuple[str, ...]) -> FileName:
    if param.form in PLAIN_FORMS:
        return _decode_plain(header_field, param, hints)
    return _decode_extended(header_field, param)


# -- the parts ----------------------------------------------------------------------


def _written(parsed: ParsedValue, name: str) -> list[Param]:
    """Every parameter ``name`` as written (winner, fallbacks, repeats), in file order."""
    found = [param for param in parsed.duplicates if param.name == name]
    winner = parsed.params.get(name)
    if winner is not None:
        found.append(winner)
    return sorted(found, key=lambda param: param.index)


def _fields(part: Part) -> list[tuple[HeaderField, ParsedValue, str]]:
    """The part's first Content-Type and Content-Disposition, parsed, with the
    parameter that holds a file name in each."""
    found: list[tuple[HeaderField, ParsedValue, str]] = []
    content_type = part.header.get("content-type")
    if content_type is not None and part.content_type is not None:
        found.append((content_type, part.content_type, "name"))
    disposition = part.header.get("content-disposition")
    if disposition is not None:
        found.append((disposition, parse_disposition(disposition.text()), "filename"))
    return found


def _codec_hint(label: str | None) -> str | None:
    """The codec a declared charset suggests for raw 8-bit octets, if any."""
    codec = codec_for(label) if label else None
    if codec is None or codec == "ascii":
        return None
    if codec.startswith("iso2022_jp"):
        return "shift_jis"  # raw 8-bit Japanese beside ISO-2022-JP text is Shift_JIS
    return codec


class _Hints:
    """The charsets a message declares, gathered once and only when a raw
    8-bit name needs them: charset parameters and RFC 2231 charsets of every
    part, in file order."""

    def __init__(self, parts: list[Part]) -> None:
        self.parts = parts
        self.declared: tuple[str, ...] | None = None

    def _gather(self) -> tuple[str, ...]:
        found: dict[str, None] = {}
        for part in self.parts:
            labels = [part.charset]
            for _, parsed, _ in _fields(part):
                labels.extend(param.charset for param in parsed.params.values())
            for label in labels:
                codec = _codec_hint(label)
                if codec is not None:
                    found.setdefault(codec)
                if len(found) >= MAX_HINTS:
                    return tuple(found)
        return tuple(found)

    def for_part(self, part: Part) -> tuple[str, ...]:
        if self.declared is None:
            self.declared = self._gather()
        own = _codec_hint(part.charset)
        return (own, *self.declared) if own is not None else self.declared


def _attachment(
    part: Part,
    fields: list[tuple[HeaderField, ParsedValue, str]],
    hints: _Hints,
    protocol: bool,
) -> Attachment | None:
    """The part's file names decoded, or None when it has none."""
    written: list[FileName] = []
    chosen: dict[str, FileName] = {}
    for header_field, parsed, name in fields:
        for param in _written(parsed, name):
            needs_hints = param.form in PLAIN_FORMS and not _octets_of(param.value).isascii()
            decoded = _decode_param(
                header_field, param, hints.for_part(part) if needs_hints else ()
            )
            written.append(decoded)
            if param is parsed.params.get(name):
                chosen[name] = decoded
    if not written:
        return None
    return Attachment(part, chosen.get("name"), chosen.get("filename"), tuple(written), protocol)


def _word_params(
    part: Part, fields: list[tuple[HeaderField, ParsedValue, str]]
) -> Iterator[WordParam]:
    """The plain parameters of the part's fields that hold RFC 2047 encoded words."""
    for header_field, parsed, _ in fields:
        for param in sorted(
            [*parsed.params.values(), *parsed.duplicates], key=lambda param: param.index
        ):
            if param.form in PLAIN_FORMS and "=?" in param.value:
                charsets = _words(_octets_of(param.value))[1]
                if charsets:
                    yield WordParam(header_field, param, _distinct(charsets), part)


def _analyse(message: ParsedMessage) -> Analysis:
    parts = list(message.mime.walk())
    hints = _Hints(parts)
    attachments: list[Attachment] = []
    word_params: list[WordParam] = []
    protocol: set[int] = set()  # ids of the RFC 1847 protocol parts
    for part in parts:
        if part.type == "multipart/signed":
            protocol.update(id(child) for child in part.children[1:])
        elif part.type == "multipart/encrypted":
            protocol.update(id(child) for child in part.children)
        fields = _fields(part)
        if not fields:
            continue
        word_params.extend(_word_params(part, fields))
        if part.is_multipart:
            continue  # a container, not a file
        found = _attachment(part, fields, hints, id(part) in protocol)
        if found is not None:
            attachments.append(found)
    return Analysis(tuple(attachments), tuple(word_params))


def _files(message: ParsedMessage) -> Iterator[Attachment]:
    """The parts that carry a file the sender attached (not RFC 1847 protocol parts)."""
    for attachment in analyse(message).attachments:
        if not attachment.protocol:
            yield attachment


# The analysis of the last message linted (six rules ask for it in a row); a
# weak reference, so that a linted message is not kept alive by the cache.
_last: tuple[weakref.ref[ParsedMessage], Analysis] | None = None


def analyse(message: ParsedMessage) -> Analysis:
    """The decoded file names and encoded-word parameters of a message (cached)."""
    global _last
    cached = _last
    if cached is not None and cached[0]() is message:
        return cached[1]
    result = _analyse(message)
    _last = (weakref.ref(message), result)
    return result


# -- examples ------------------------------------------------------------------------

MIME = b"MIME-Version: 1.0\r\n"


def _with_file(headers: bytes) -> bytes:
    """An example message: a text part, then a PDF part with these header fields."""
    body = (
        b"--b\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nThe file.\r\n"
        b"--b\r\n" + headers + b"Content-Transfer-Encoding: base64\r\n\r\n"
        b"JVBERi0xLjQK\r\n--b--\r\n"
    )
    return message(extra=MIME + b"Content-Type: multipart/mixed; boundary=b\r\n", body=body)


def _pdf(name: bytes, filename: bytes | None = None) -> bytes:
    """The example's file part header: Content-Type with ``name``, a Content-Disposition."""
    content_type = b"Content-Type: application/pdf" + (b"; " + name if name else b"") + b"\r\n"
    if filename is None:
        return content_type
    return content_type + b"Content-Disposition: attachment; " + filename + b"\r\n"


BOTH = _pdf(b'name="report.pdf"', b'filename="report.pdf"')


# -- the rules ----------------------------------------------------------------------


@rule(
    "AT001",
    "name-filename-mismatch",
    severity="warning",
    summary="Content-Type name and Content-Disposition filename differ once decoded",
    references=("RFC 2045 5.1", "RFC 2183 2.3", "RFC 2231", "RFC 2047 5"),
    bad=_with_file(_pdf(b'name="report.pdf"', b'filename="invoice.pdf"')),
    good=_with_file(
        _pdf(
            b'name="=?UTF-8?B?6KaL56mNLnBkZg==?="',
            b"filename*=UTF-8''%E8%A6%8B%E7%A9%8D.pdf",
        )
    ),
)
def name_filename_mismatch(message: ParsedMessage, params: Mapping[str, object]) -> Iterator[Hit]:
    """What it does: decodes the Content-Type ``name`` and the
    Content-Disposition ``filename`` of each part that has both (RFC 2047
    words, RFC 2231 values with their continuations and charsets, raw 8-bit
    octets in a guessed charset, plain strings) and reports, at ``filename``,
    a part whose two names differ after Unicode NFC normalisation. The
    finding gives both names and how each was encoded: ``name (RFC 2047,
    ISO-2022-JP) is '見積.pdf' but filename (RFC 2231, UTF-8) is
    '見積書.pdf'``. The RFC 2231 form of each is compared when a plain
    fallback stands beside it; the same name written in two encodings is
    not a mismatch, nor is a difference only in Unicode normalisation, but a
    difference in case is.

    Why it matters: readers disagree on which name to use. Most desktop
    readers save the file under ``filename``; Japanese handsets show
    ``name`` (Vodafone's developer FAQ, mail Q11). Two recipients of the same
    mail see two file names, and a filter that checks one name lets through a
    file saved under the other (``name="report.pdf"`` with
    ``filename="report.exe"``).
    """
    for attachment in _files(message):
        name, filename = attachment.name, attachment.filename
        if name is None or filename is None or not name.present or not filename.present:
            continue
        if unicodedata.normalize("NFC", name.text) == unicodedata.normalize("NFC", filename.text):
            continue
        yield Hit(
            filename.offset,
            f"{name.described()} but {filename.described()}: readers that go by one or the "
            "other show and save the file under different names",
            field=filename.header_field.name,
            part=attachment.path,
        )


@rule(
    "AT002",
    "missing-content-type-name",
    severity="warning",
    summary="a file name only in Content-Disposition filename, none in Content-Type name",
    references=(
        "RFC 2045 5.1",
        "RFC 2183 2.3",
        "Vodafone Japan developer FAQ, mail Q11 (seeds/000_4ad4282fe65638e9.txt)",
    ),
    bad=_with_file(_pdf(b"", b'filename="report.pdf"')),
    good=_with_file(BOTH),
    fixable=True,
)
def missing_content_type_name(
    message: ParsedMessage, params: Mapping[str, object]
) -> Iterator[Hit]:
    """What it does: reports, at the ``filename`` parameter, a part whose file
    name is only in Content-Disposition ``filename`` (in any form): its
    Content-Type has no ``name`` parameter, an empty one, or the part has no
    Content-Type at all. Inline parts count: a handset shows an inline image
    as an attachment too. The finding gives the name and its encoding. It is
    a `warning` in the default profile and an `error` in the jp-mobile
    profiles.

    Why it matters: receivers that read only Content-Type ``name`` see a file
    without a name, or no attachment at all. The Vodafone Japan developer FAQ
    (mail, Q11) says its handsets decide that a part is an attachment by the
    Content-Type ``name`` parameter, not by Content-Disposition; SoftBank
    handsets themselves write only ``name``. Write the name in both places:
    ``Content-Type: application/pdf; name="..."`` and
    ``Content-Disposition: attachment; filename="..."``.
    """
    for attachment in _files(message):
        name, filename = attachment.name, attachment.filename
        if filename is None or not filename.present or (name is not None and name.present):
            continue
        why = "Content-Type has no name parameter"
        if name is not None:
            why = "Content-Type's name parameter is empty"
        elif attachment.part.header.get("content-type") is None:
            why = "the part has no Content-Type field"
        yield Hit(
            filename.offset,
            f"file name {_quote(filename.text)} ({filename.how}) is only in Content-Disposition "
            f"filename; {why}, so receivers that read only Content-Type name (Vodafone Japan "
            "handsets) show no attachment name",
            field=filename.header_field.name,
            part=attachment.path,
        )


@rule(
    "AT003",
    "missing-disposition-filename",
    severity="info",
    summary="a file name only in Content-Type name, none in Content-Disposition filename",
    references=("RFC 2183 2.3", "RFC 2045 5.1", "RFC 2046 4.5.1"),
    bad=_with_file(_pdf(b'name="report.pdf"')),
    good=_with_file(BOTH),
    fixable=True,
)
def missing_disposition_filename(
    message: ParsedMessage, params: Mapping[str, object]
) -> Iterator[Hit]:
    """What it does: reports, at the ``name`` parameter, a part whose file
    name is only in Content-Type ``name``: no Content-Disposition field, or
    one without a ``filename`` (or with an empty one). The finding gives the
    name and its encoding. SoftBank handsets write parts this way.

    Why it matters: RFC 2183 made Content-Disposition ``filename`` the place
    for a file name, and RFC 2046 marks ``name`` as deprecated for
    application/octet-stream. Readers still fall back to ``name``, so this is
    only worth knowing: some save the file under a made-up name
    (``ATT00001.bin``) or show it inline. Writing both serves every reader.
    """
    for attachment in _files(message):
        name, filename = attachment.name, attachment.filename
        if name is None or not name.present or (filename is not None and filename.present):
            continue
        if attachment.part.header.get("content-disposition") is None:
            why = "the part has no Content-Disposition field"
        elif filename is None:
            why = "Content-Disposition has no filename parameter"
        else:
            why = "Content-Disposition's filename is empty"
        yield Hit(
            name.offset,
            f"file name {_quote(name.text)} ({name.how}) is only in Content-Type name; {why}",
            field=name.header_field.name,
            part=attachment.path,
        )


@rule(
    "AT004",
    "rfc2231-only-filename",
    severity="warning",
    summary="the file name exists only in RFC 2231 form (filename*=), with no plain fallback",
    references=("RFC 2231 3", "RFC 2231 4", "RFC 2183 2.3", "RFC 6266 4.3"),
    bad=_with_file(_pdf(b"", b"filename*=UTF-8''%E8%A6%8B%E7%A9%8D.pdf")),
    good=_with_file(
        _pdf(
            b'name="=?UTF-8?B?6KaL56mNLnBkZg==?="',
            b"filename*=UTF-8''%E8%A6%8B%E7%A9%8D.pdf",
        )
    ),
    fixable=True,
)
def rfc2231_only_filename(message: ParsedMessage, params: Mapping[str, object]) -> Iterator[Hit]:
    """What it does: reports a part whose every file-name parameter is in the
    RFC 2231 form (``filename*=``, ``filename*0*=``..., ``name*=``): no
    plain ``filename=`` fallback and no plain ``name=``. The finding, at the
    ``filename*`` parameter (``name*`` when there is none), gives the name,
    the charset and whether continuations were used.

    Why it matters: RFC 2231 is the standard way to write a non-ASCII or long
    file name, but many older readers and mobile handsets do not implement
    it (Japanese handsets read only Content-Type ``name``, Vodafone's
    developer FAQ says). They show the file without a name, or under a
    made-up one. Add ``name="..."`` (RFC 2047 words in it are what
    Japanese mailers and Outlook write, and what handsets read) or a plain
    ``filename="..."`` fallback beside ``filename*=`` (RFC 6266 4.3 does the
    same for HTTP).
    """
    for attachment in _files(message):
        written = [name for name in attachment.written if name.present]
        if not written or any(name.plain for name in written):
            continue
        target = attachment.filename or attachment.name or written[0]
        yield Hit(
            target.offset,
            f"file name {_quote(target.text)} is only in RFC 2231 form, "
            f"{target.param.name}* ({target.how}): older and mobile clients do not read it; "
            'add name="..." or a plain filename="..." fallback',
            field=target.header_field.name,
            part=attachment.path,
        )


@rule(
    "AT005",
    "rfc2047-in-parameter",
    severity="info",
    summary="an RFC 2047 encoded word inside a Content-Type or Content-Disposition parameter",
    references=("RFC 2047 5", "RFC 2231", "RFC 2183 2.3"),
    bad=_with_file(
        _pdf(
            b'name="=?ISO-2022-JP?B?GyRCOCs1URsoQi5wZGY=?="',
            b"filename*=iso-2022-jp''%1B%24B8%2B5Q%1B%28B.pdf",
        )
    ),
    good=_with_file(BOTH),
)
def rfc2047_in_parameter(message: ParsedMessage, params: Mapping[str, object]) -> Iterator[Hit]:
    """What it does: reports, at the parameter, each plain parameter value of
    a Content-Type or Content-Disposition field (file names and any other)
    that holds well-formed RFC 2047 encoded words
    (``name="=?ISO-2022-JP?B?...?="``), with their charsets. One finding per
    parameter. The AT rules decode such names before comparing or judging
    them.

    Why it matters: RFC 2047 5 says an encoded word MUST NOT appear within a
    quoted string or a parameter value; RFC 2231 is the standard form. It is
    nonetheless what most Japanese mailers, Outlook and Gmail write, and
    what Japanese handsets read, so this is `info`: readers that follow the
    RFC (and tools that process attachments) see ``=?ISO-2022-JP?B?...?=``
    as the name. EW004 reports the same word as misplaced; a profile keeps
    one or the other.
    """
    for found in analyse(message).word_params:
        count = len(found.charsets)
        yield Hit(
            found.header_field.offset_of(found.param.index),
            f"parameter '{found.param.name}' holds RFC 2047 encoded words "
            f"({_plural(count, 'charset')} {', '.join(found.charsets)}): not standard in a "
            "parameter value (RFC 2047 5), though Japanese mailers and Outlook write it; "
            "RFC 2231 is the standard form",
            field=found.header_field.name,
            part=found.part.path or None,
        )


# -- AT006 --------------------------------------------------------------------------


def _bidi(text: str) -> str | None:
    found = BIDI_CONTROL.search(text)
    if found is None:
        return None
    char = found.group()
    return (
        f"bidirectional control U+{ord(char):04X} ({unicodedata.name(char, '?')}), "
        "which reorders how the name is shown"
    )


def _control(text: str) -> str | None:
    found = CONTROL.search(text)
    return None if found is None else f"control character U+{ord(found.group()):04X}"


def _path(text: str) -> list[str]:
    found = SEPARATOR.search(text)
    if found is None:
        return ["'..' (the parent directory) as the whole name"] if text == ".." else []
    problems = [f"path separator '{found.group()}'"]
    if ".." in SEPARATOR.split(text):
        problems.append("'..' (the parent directory)")
    return problems


def _saved_as(text: str) -> str:
    """The name as Windows saves it: trailing dots and spaces removed."""
    return text.rstrip(". ")


def _double_extension(text: str) -> str | None:
    saved = _saved_as(text)
    stem, dot, last = saved.rpartition(".")
    if not dot or last.lower() not in EXECUTABLE:
        return None
    _, dot, previous = stem.rpartition(".")
    previous = previous.strip()
    if not dot or previous.lower() not in DOCUMENT:
        return None
    return f"double extension '.{previous}.{last}': a .{last} file that looks like a .{previous}"


def _trailing(text: str) -> str | None:
    if not text or text[-1] not in ". ":
        return None
    return (
        f"trailing {'dot' if text[-1] == '.' else 'space'}, which Windows removes "
        f"(saved as {_quote(_saved_as(text))})"
    )


def deceptions(text: str) -> list[str]:
    """What makes a file name deceptive, in words; empty when nothing does."""
    problems = [_bidi(text), _control(text), *_path(text), _double_extension(text)]
    problems.append(_trailing(text))
    return [problem for problem in problems if problem is not None]


@rule(
    "AT006",
    "deceptive-filename",
    severity="error",
    summary="a file name with control characters, bidi overrides, path separators, '..', "
    "a double extension such as .pdf.exe, or trailing dots or spaces",
    references=(
        "RFC 2183 2.3",
        "RFC 2183 5",
        "Unicode UAX #9",
        "CVE-2021-42574 (Trojan Source)",
        "MITRE ATT&CK T1036.002, T1036.007",
    ),
    bad=_with_file(_pdf(b'name="invoice.pdf.exe"', b'filename="invoice.pdf.exe"')),
    good=_with_file(_pdf(b'name="invoice.2024.pdf"', b'filename="invoice.2024.pdf"')),
)
def deceptive_filename(message: ParsedMessage, params: Mapping[str, object]) -> Iterator[Hit]:
    """What it does: decodes every file-name parameter of each part (``name``
    and ``filename``, fallbacks and repeats included, since readers pick
    different ones) and reports, once per distinct name at the first
    parameter holding it: bidirectional embeddings, overrides and isolates
    (U+202A-U+202E, U+2066-U+2069), C0 and C1 control characters, path
    separators ``/`` and ``\\``, ``..`` as a path component, a double
    extension that ends in an executable or script type after a document,
    image, media or archive type (``.pdf.exe``, ``.jpg.scr``,
    ``.doc      .js``), and trailing dots or spaces.

    Why it matters: these are how malware poses as a document. A
    right-to-left override makes ``invoice<U+202E>fdp.exe`` show as
    ``invoiceexe.pdf``; Windows hides known extensions, so
    ``invoice.pdf.exe`` shows as ``invoice.pdf``; Windows strips trailing
    dots and spaces, so ``invoice.exe.`` is saved as ``invoice.exe``, past a
    filter that looked at the last extension. Path separators and ``..`` ask
    a careless reader to write outside the download folder (RFC 2183 2.3:
    a file name is a terminal component only, never a path). Control
    characters break readers and logs.
    """
    for attachment in analyse(message).attachments:
        seen: set[str] = set()
        for name in attachment.written:
            if name.text in seen or not name.present:
                continue
            seen.add(name.text)
            problems = deceptions(name.text)
            if problems:
                yield Hit(
                    name.offset,
                    f"deceptive file name {_quote(name.text)} in {name.param.name} "
                    f"({name.how}): " + "; ".join(problems),
                    field=name.header_field.name,
                    part=attachment.path,
                )
