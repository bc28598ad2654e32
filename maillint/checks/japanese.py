"""JP: Japanese text in ISO-2022-JP (RFC 1468), and Shift_JIS text sent to carriers.

ISO-2022-JP is 7-bit text that switches between character sets with escape
sequences: ``ESC ( B`` ASCII, ``ESC ( J`` JIS X 0201 Roman, ``ESC $ B`` JIS X
0208-1983, ``ESC $ @`` JIS C 6226-1978 (RFC 1468).  Everything else is not
ISO-2022-JP: ``ESC ( I`` and SO/SI (half-width katakana, JIS X 0201),
``ESC $ ( D`` (JIS X 0212, ISO-2022-JP-1), the sets of ISO-2022-JP-2 and
-2004, and the codes of JIS X 0208's empty rows where Microsoft put NEC and
IBM characters (CP50220, what Outlook sends: ①, ㈱) and carriers put emoji
(au's ISO-2022-JP).  The scanner here follows the escape sequences line by
line, as RFC 1468 requires every line to end in ASCII (or JIS X 0201 Roman),
and reports where a line does not, and every character that is not ASCII,
JIS X 0201 Roman or JIS X 0208, with its place.

Decisions where the catalog is silent:

* Where ISO-2022-JP text is looked for: the body of every text/* part whose
  charset is ISO-2022-JP (or one of its labels: CP50220, ISO-2022-JP-MS...),
  or that has no charset parameter but holds an ISO-2022-JP designation (the
  JUNET convention of pre-MIME Japanese mail); raw header lines holding
  escape sequences (unencoded ISO-2022-JP, which LN006 and HD006 report as
  such, is still read as ISO-2022-JP by Japanese readers); and RFC 2047
  encoded words in ISO-2022-JP.  JP001 and JP003 also judge the variants
  ISO-2022-JP-1, -2, -3 and -2004 (7-bit, lines end in ASCII); JP002 judges
  ISO-2022-JP alone, since the variants exist to carry more characters.
* Each line is read as starting in ASCII (RFC 1468, JIS X 0208:1997 annex 2),
  so one line that is not reset is one finding, not a cascade.
* JP003 judges encoded words too, as the catalog says, although EW005 reports
  the same words as a `warning` for every charset: JP003 is the ISO-2022-JP
  error, EW005 the general RFC 2047 one.  Ignore either in a profile.
* Shift_JIS text (the JP002 parameter ``shift-jis``, which the jp-mobile
  profiles turn on) is judged by its octets: the NEC special characters (lead
  octet 0x87), the NEC-selected and IBM extensions (0xED, 0xEE, 0xFA-0xFC),
  the user-defined area where carriers put their emoji (0xF0-0xF9), and the
  codes of no JIS X 0208 row.  Half-width katakana are part of Shift_JIS (JIS
  X 0201) and handsets show them: they are not reported there.  Undecodable
  octets are CS002's.
* A part or field reports at most ``MAX_HITS`` characters or lines one by
  one, then one finding with the count of the rest.
* Base64 and quoted-printable parts are judged after decoding; their findings
  point at the first body line and say the line and octet in the decoded text.

Everything runs in linear time: lines and runs of JIS X 0208 text are
checked by the stdlib's C codecs, and only a run that fails is walked code by
code.  Nothing here raises on any octet string.
"""

from __future__ import annotations

import binascii
import functools
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from maillint.charsets import _cp932_of_jis, codec_for, guess, mime_name
from maillint.checks.examples import message
from maillint.decode import body_span, decoded_body
from maillint.findings import Hit
from maillint.mime import Part
from maillint.parse import HeaderField, ParsedMessage
from maillint.registry import rule

MAX_HITS = 20

# Codecs of the ISO-2022-JP family (``charsets.codec_for`` names).  JP002 judges
# the first set; JP001 and JP003 all of them.
PLAIN_JIS = frozenset({"iso2022_jp", "iso2022_jp_ext"})
JIS_FAMILY = PLAIN_JIS | {"iso2022_jp_1", "iso2022_jp_2", "iso2022_jp_3", "iso2022_jp_2004"}
SHIFT_JIS = frozenset({"shift_jis", "cp932", "shift_jis_2004", "shift_jisx0213"})

SO, SI = 0x0E, 0x0F
# What changes the state of ISO-2022 text: a designation (ESC ( F, ESC $ F,
# ESC $ ( F), a G2 designation (ESC . F), and runs of SO and SI (the last one
# decides).  An ESC that starts none of these changes nothing (CS002 reports it).
CONTROL = re.compile(rb"\x1b(?:\$\(?[\x40-\x7e]|\([\x40-\x7e]|\.[\x40-\x7e])|[\x0e\x0f]+")
# An ISO-2022-JP designation of a two-octet set or of katakana (the JUNET test).
JIS_DESIGNATION = re.compile(rb"\x1b(?:\$[@B]|\(I)")
EIGHT_BIT = re.compile(rb"[\x80-\xff]")
# Encoded words, closed and well formed enough to decode (EW002 judges the rest).
WORD = re.compile(rb"=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=")
# Shift_JIS text up to the first character outside JIS X 0201 and JIS X 0208's
# rows (one token at a time, so a match never starts inside a character):
# single octets 0x00-0x80 and 0xA0-0xDF, and two-octet codes whose lead octet
# belongs to the rows of JIS X 0208 (0x81-0x84 rows 1-8, 0x88-0x9F and
# 0xE0-0xEA rows 16-84).
SJIS_STANDARD_RUN = re.compile(
    rb"(?:[\x81-\x84\x88-\x9f\xe0-\xea][\x40-\x7e\x80-\xfc]|[\x00-\x80\xa0-\xdf])*"
)

# Kinds of character set.
ASCII = "ascii"  # ASCII or JIS X 0201 Roman: a line may end here
KANJI = "kanji"  # JIS X 0208 (or JIS C 6226)
KATAKANA = "katakana"  # JIS X 0201 katakana
OTHER = "other"  # a set that ISO-2022-JP does not have


@dataclass(frozen=True, slots=True)
class CharacterSet:
    """A set an escape sequence designates: its name, octets per character, kind."""

    name: str
    width: int
    kind: str
    escape: bytes


def _show_escape(sequence: bytes) -> str:
    """An escape sequence as people write it: ESC $ B."""
    if sequence in (b"\x0e", b"\x0f"):
        return "SO" if sequence == b"\x0e" else "SI"
    return " ".join(["ESC", *sequence[1:].decode("ascii", "backslashreplace")])


_KNOWN_SETS = {
    b"\x1b(B": ("ASCII", 1, ASCII),
    b"\x1b(J": ("JIS X 0201 Roman", 1, ASCII),
    b"\x1b$B": ("JIS X 0208", 2, KANJI),
    b"\x1b$@": ("JIS C 6226-1978", 2, KANJI),
    b"\x1b$(B": ("JIS X 0208", 2, KANJI),
    b"\x1b(I": ("JIS X 0201 katakana", 1, KATAKANA),
    b"\x1b$(D": ("JIS X 0212 (ISO-2022-JP-1)", 2, OTHER),
    b"\x1b$(O": ("JIS X 0213 plane 1 (ISO-2022-JP-3)", 2, OTHER),
    b"\x1b$(Q": ("JIS X 0213 plane 1 (ISO-2022-JP-2004)", 2, OTHER),
    b"\x1b$(P": ("JIS X 0213 plane 2 (ISO-2022-JP-3)", 2, OTHER),
    b"\x1b$A": ("GB 2312 (ISO-2022-JP-2)", 2, OTHER),
    b"\x1b$(C": ("KS C 5601 (ISO-2022-JP-2)", 2, OTHER),
}
ASCII_SET = CharacterSet("ASCII", 1, ASCII, b"\x1b(B")


@functools.lru_cache(maxsize=64)
def _designated(sequence: bytes) -> CharacterSet:
    known = _KNOWN_SETS.get(sequence)
    if known is not None:
        return CharacterSet(*known, sequence)
    width = 2 if sequence[1:2] == b"$" else 1
    return CharacterSet(f"the set of {_show_escape(sequence)}", width, OTHER, sequence)


# How the characters of a two-octet set outside ISO-2022-JP are read, to name them.
_OTHER_DECODERS = {
    b"\x1b$(D": lambda a, b: bytes((0x8F, a | 0x80, b | 0x80)).decode("euc_jp"),
    b"\x1b$(O": lambda a, b: bytes((a | 0x80, b | 0x80)).decode("euc_jis_2004"),
    b"\x1b$(Q": lambda a, b: bytes((a | 0x80, b | 0x80)).decode("euc_jis_2004"),
    b"\x1b$(P": lambda a, b: bytes((0x8F, a | 0x80, b | 0x80)).decode("euc_jis_2004"),
    b"\x1b$A": lambda a, b: bytes((a | 0x80, b | 0x80)).decode("gb2312"),
    b"\x1b$(C": lambda a, b: bytes((a | 0x80, b | 0x80)).decode("euc_kr"),
}


# -- naming characters ----------------------------------------------------


def _shown(char: str) -> str:
    """A character as a message shows it: itself when printable, and its code point."""
    category = unicodedata.category(char)
    if category[0] in "CZ" and char != " ":
        return f"U+{ord(char):04X}"
    return f"'{char}' (U+{ord(char):04X})"


@functools.cache
def _jisx0208() -> frozenset[int]:
    """Every code (first octet << 8 | second) that JIS X 0208 assigns, as Python reads it."""
    codes = set()
    for first in range(0x21, 0x7F):
        for second in range(0x21, 0x7F):
            try:
                (b"\x1b$B" + bytes((first, second)) + b"\x1b(B").decode("iso2022_jp")
            except UnicodeDecodeError:
                continue
            codes.add(first << 8 | second)
    return frozenset(codes)


def _describe_jis(first: int, second: int) -> str:
    """What a two-octet code outside JIS X 0208 is: "'①' (U+2460) is ..."."""
    row = first - 0x20
    code = f"JIS 0x{first:02X}{second:02X}"
    char = _cp932_of_jis(first, second)
    if char is not None:
        if row == 13:
            what = "an NEC special character of CP932"
        elif 89 <= row <= 92:
            # au's ISO-2022-JP puts emoji in rows 85-91 too (jpmobile's au tables).
            what = "an NEC-selected IBM extension of CP932, or a carrier's emoji"
        else:
            what = "a Microsoft extension of CP932"
        return f"{_shown(char)} at {code} is {what}, not JIS X 0208"
    if row >= 85:
        return f"{code} (row {row}) is a carrier's emoji or a user-defined character"
    return f"{code} (row {row}) is unassigned in JIS X 0208"


def _describe_other(charset: CharacterSet, first: int, second: int) -> str:
    decoder = _OTHER_DECODERS.get(charset.escape)
    code = f"0x{first:02X}{second:02X}"
    if decoder is not None:
        try:
            return f"{_shown(decoder(first, second))} at {code} of {charset.name} is not JIS X 0208"
        except (UnicodeDecodeError, ValueError):
            pass
    return f"code {code} of {charset.name} is not JIS X 0208"


def _katakana(octet: int, how: str) -> str:
    char = chr(0xFF61 + octet - 0x21)
    return f"{_shown(char)} is half-width katakana (JIS X 0201, after {how}), not JIS X 0208"


# -- scanning ISO-2022-JP ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Unreset:
    """A line that does not end in ASCII: where it ends, and the set it is left in."""

    end: int  # index of the line's end (its terminator, or the end of the text)
    mode: str  # "in JIS X 0208 mode (ESC $ B at octet 5) without ESC ( B"


@dataclass(frozen=True, slots=True)
class Outside:
    """A character ISO-2022-JP cannot carry: its index and its description."""

    index: int
    what: str


@dataclass(frozen=True, slots=True)
class Scan:
    """What a scan found: the first MAX_HITS + 1 of each kind, and how many in all."""

    unreset: tuple[Unreset, ...]
    unreset_count: int
    outside: tuple[Outside, ...]
    outside_count: int


class _Found:
    """A scan's findings as they come: described while few, only counted after."""

    def __init__(self) -> None:
        self.unreset: list[Unreset] = []
        self.unreset_count = 0
        self.outside: list[Outside] = []
        self.outside_count = 0

    @property
    def full(self) -> bool:
        """True once enough characters are described: the rest are only counted."""
        return len(self.outside) > MAX_HITS

    def add(self, index: int, what: str) -> None:
        self.outside_count += 1
        if not self.full:
            self.outside.append(Outside(index, what))

    def line(self, end: int, mode: str) -> None:
        self.unreset_count += 1
        if len(self.unreset) <= MAX_HITS:
            self.unreset.append(Unreset(end, mode))

    def result(self) -> Scan:
        return Scan(
            tuple(self.unreset), self.unreset_count, tuple(self.outside), self.outside_count
        )


# The octets that are half-width katakana after ESC ( I or SO (0x21-0x5F).
KATAKANA_OCTETS = bytes(range(0x21, 0x60))
NOT_KATAKANA_OCTETS = bytes(set(range(256)) - set(KATAKANA_OCTETS))


def _kanji_run(run: bytes, start: int, found: _Found) -> None:
    """Report the codes of a JIS X 0208 run that are not JIS X 0208."""
    try:
        (b"\x1b$B" + run + b"\x1b(B").decode("iso2022_jp")
        return  # the common case, at C speed
    except UnicodeDecodeError:
        pass
    if found.full:
        # Only counted: the C decoder puts one replacement character per bad code.
        text = (b"\x1b$B" + run + b"\x1b(B").decode("iso2022_jp", "replace")
        found.outside_count += text.count("\ufffd")
        return
    table = _jisx0208()
    for index in range(0, len(run) - 1, 2):
        first, second = run[index], run[index + 1]
        if not (0x21 <= first <= 0x7E and 0x21 <= second <= 0x7E):
            continue  # not a code at all: CS002 reports undecodable text
        if (first << 8 | second) not in table:
            found.add(start + index, _describe_jis(first, second))


def _run(run: bytes, start: int, charset: CharacterSet, shifted: bool, found: _Found) -> None:
    """Judge a run of text in one set (and shift state)."""
    if not run:
        return
    if shifted or charset.kind == KATAKANA:
        if found.full:
            found.outside_count += len(run.translate(None, NOT_KATAKANA_OCTETS))
            return
        how = "SO" if shifted else "ESC ( I"
        for i, octet in enumerate(run):
            if 0x21 <= octet <= 0x5F:
                found.add(start + i, _katakana(octet, how))
                if found.full:
                    found.outside_count += len(run[i + 1 :].translate(None, NOT_KATAKANA_OCTETS))
                    return
    elif charset.kind == KANJI:
        _kanji_run(run, start, found)
    elif charset.kind == OTHER:
        width = charset.width
        if found.full:
            found.outside_count += len(run) // width
            return
        for index in range(0, len(run) - width + 1, width):
            first, second = run[index], run[index + width - 1]
            if not (0x21 <= first <= 0x7E and 0x21 <= second <= 0x7E):
                continue
            if width == 2:
                found.add(start + index, _describe_other(charset, first, second))
            else:
                found.add(start + index, f"octet 0x{first:02X} of {charset.name}")
            if found.full:
                found.outside_count += (len(run) - index - width) // width
                return


def _scan_line(text: bytes, start: int, end: int, found: _Found) -> None:
    """Follow the escape sequences of one line (``text[start:end]``, terminator excluded)."""
    charset, since = ASCII_SET, -1
    shifted, shifted_at = False, -1
    position = start
    for match in CONTROL.finditer(text, start, end):
        _run(text[position : match.start()], position, charset, shifted, found)
        token = match.group()
        if token[-1] == SO:
            if not shifted:
                shifted_at = match.end() - 1
            shifted = True
        elif token[-1] == SI:
            shifted = False
        elif token[1:2] in (b"$", b"("):
            charset, since = _designated(token), match.start()
        elif token[1:2] == b".":
            found.add(match.start(), f"{_show_escape(token)} designates a G2 set of ISO-2022-JP-2")
        position = match.end()
    _run(text[position:end], position, charset, shifted, found)
    if shifted:
        found.line(
            end, f"shifted out to katakana (SO at octet {shifted_at - start + 1}) without SI"
        )
    elif charset.kind != ASCII:
        found.line(
            end,
            f"in {charset.name} mode ({_show_escape(charset.escape)} at octet "
            f"{since - start + 1}) without ESC ( B",
        )


def _plain_line(line: bytes) -> bool:
    """True when a line holds only ASCII, JIS X 0201 Roman and JIS X 0208, and ends in ASCII.

    Checked by the stdlib's C decoder (which knows no other set, but lets SO
    and SI through: those lines take the slow path).
    """
    if b"\x0e" in line or b"\x0f" in line:
        return False
    last = line.rfind(b"\x1b")
    if last >= 0 and line[last : last + 3] not in (b"\x1b(B", b"\x1b(J"):
        return False
    try:
        line.decode("iso2022_jp")
    except UnicodeDecodeError:
        return False
    return True


@functools.lru_cache(maxsize=8)
def scan_jis(text: bytes) -> Scan:
    """Follow ISO-2022-JP text line by line: lines not reset to ASCII, characters outside.

    Each line is read as starting in ASCII.  Cached: the three JP rules scan
    the same decoded body.
    """
    found = _Found()
    if b"\x1b" not in text and b"\x0e" not in text and b"\x0f" not in text:
        return found.result()
    position = 0
    for raw in text.splitlines(keepends=True):
        end = position + len(raw)
        if b"\x1b" in raw or b"\x0e" in raw or b"\x0f" in raw:
            content = raw.rstrip(b"\r\n")
            if not _plain_line(content):
                _scan_line(text, position, position + len(content), found)
        position = end
    return found.result()


# -- scanning Shift_JIS ------------------------------------------------------------


def _describe_sjis(lead: int, trail: int) -> str:
    code = f"Shift_JIS 0x{lead:02X}{trail:02X}"
    try:
        char: str | None = bytes((lead, trail)).decode("cp932")
    except UnicodeDecodeError:
        char = None
    if char is not None:
        if lead == 0x87:
            return f"{_shown(char)} at {code} is an NEC special character of CP932"
        if lead in (0xED, 0xEE):
            return f"{_shown(char)} at {code} is an NEC-selected IBM extension of CP932"
        if 0xFA <= lead <= 0xFC:
            return f"{_shown(char)} at {code} is an IBM extension of CP932"
    if 0xF0 <= lead <= 0xF9:
        return f"{code} is in the user-defined area (a carrier's emoji or a user-defined character)"
    return f"{code} is outside the rows of JIS X 0208"


@functools.lru_cache(maxsize=8)
def scan_sjis(text: bytes) -> Scan:
    """Characters of Shift_JIS text outside JIS X 0201 and JIS X 0208."""
    found = _Found()
    position, size = 0, len(text)
    while position < size:
        match = SJIS_STANDARD_RUN.match(text, position)
        position = match.end() if match else position
        if position >= size:
            break
        lead = text[position]
        trail = text[position + 1] if position + 1 < size else -1
        if 0x81 <= lead <= 0xFC and (0x40 <= trail <= 0x7E or 0x80 <= trail <= 0xFC):
            if found.full:
                found.outside_count += 1
            else:
                found.add(position, _describe_sjis(lead, trail))
            position += 2
        else:
            position += 1  # not a character: CS002 reports undecodable text
    return found.result()


# -- where the text is -----------------------------------------------------------


TRANSFORMING = frozenset({"base64", "quoted-printable"})
OUTSIDE = "characters outside JIS X 0208"
JIS_NAMES = {
    "iso2022_jp": "ISO-2022-JP",
    "iso2022_jp_ext": "ISO-2022-JP",
    "iso2022_jp_1": "ISO-2022-JP-1",
    "iso2022_jp_2": "ISO-2022-JP-2",
    "iso2022_jp_3": "ISO-2022-JP-3",
    "iso2022_jp_2004": "ISO-2022-JP-2004",
}


def _name(codec: str) -> str:
    """The charset's name as labels write it."""
    return JIS_NAMES.get(codec) or mime_name(codec)


def _part_codec(message: ParsedMessage, part: Part) -> str | None:
    """The ISO-2022-JP or Shift_JIS codec a text part is read with, else None."""
    charset = part.charset
    if charset:
        return codec_for(charset)
    data = decoded_body(message.source, part)
    if data.isascii() and JIS_DESIGNATION.search(data):
        return "iso2022_jp"  # no charset, but ISO-2022-JP escapes: JUNET's convention
    return None


def _text_parts(message: ParsedMessage, codecs: frozenset[str]) -> Iterator[tuple[Part, str]]:
    for part in message.mime.walk():
        if part.maintype != "text" or part.children:
            continue
        codec = _part_codec(message, part)
        if codec in codecs:
            yield part, codec


def _label(part: Part) -> str:
    return f"part {part.path}" if part.path else "the body"


def _place(message: ParsedMessage, part: Part, data: bytes, index: int) -> tuple[int, str]:
    """Message offset and wording for octet ``index`` of a part's decoded body."""
    start, _ = body_span(message.source, part)
    if part.encoding not in TRANSFORMING:
        return start + index, ""
    line = data.count(b"\n", 0, index) + 1
    column = index - (data.rfind(b"\n", 0, index) + 1) + 1
    return start, f" (line {line}, octet {column} of the {part.encoding}-decoded text)"


@functools.lru_cache(maxsize=256)
def _word_codec(label: bytes) -> str | None:
    name = label.split(b"*", 1)[0].decode("ascii", "replace")
    return codec_for(name)


@functools.lru_cache(maxsize=64)
def _value_words(value: bytes, codecs: frozenset[str]) -> tuple[tuple[int, str, bytes], ...]:
    """(index, codec, octets) of each closed encoded word of a field body in ``codecs``.

    Cached: the three JP rules read the same fields.
    """
    words = []
    for match in WORD.finditer(value):
        codec = _word_codec(match.group(1))
        if codec not in codecs:
            continue
        try:
            if match.group(2) in (b"B", b"b"):
                octets = binascii.a2b_base64(match.group(3), strict_mode=True)
            else:
                octets = binascii.a2b_qp(match.group(3), header=True)
        except (binascii.Error, ValueError):
            continue  # EW002's
        words.append((match.start(), codec, octets))
    return tuple(words)


def _word_fields(
    message: ParsedMessage, codecs: frozenset[str]
) -> Iterator[tuple[HeaderField, str | None, tuple[tuple[int, str, bytes], ...]]]:
    """Every header field (of every part) holding encoded words in ``codecs``, with them."""
    for part in message.mime.walk():
        for header_field in part.header.fields:
            if b"=?" not in header_field.value:
                continue
            words = _value_words(header_field.value, codecs)
            if words:
                yield header_field, part.path or None, words


def _word_hits(
    message: ParsedMessage,
    codecs: frozenset[str],
    noun: str,
    judge: Callable[[str, bytes], str | None],
) -> Iterator[Hit]:
    """A hit at each encoded word that ``judge(codec, octets)`` finds fault with,
    at most MAX_HITS per field, then one with the count of the rest."""
    for header_field, path, words in _word_fields(message, codecs):
        capped = _Capped(noun, header_field.name, header_field.name, path)
        for index, codec, octets in words:
            problem = judge(codec, octets)
            if problem is not None:
                hit = capped.add(header_field.offset_of(index), problem)
                if hit is not None:
                    yield hit
        rest = capped.rest()
        if rest is not None:
            yield rest


def _raw_header_lines(message: ParsedMessage) -> Iterator[tuple[HeaderField, str | None, int]]:
    """(field, part path, line index) of every header line holding an escape sequence."""
    source = message.source
    for part in message.mime.walk():
        for header_field in part.header.fields:
            if b"\x1b" not in header_field.value and b"\x0e" not in header_field.value:
                continue
            for index in range(header_field.first_line, header_field.last_line + 1):
                raw = source.raw_lines[index]
                if b"\x1b" in raw or b"\x0e" in raw or b"\x0f" in raw:
                    yield header_field, part.path or None, index


class _Capped:
    """Hits of one part or field: the first MAX_HITS one by one, then a count of the rest."""

    def __init__(self, noun: str, where: str, header_field: str | None, part: str | None) -> None:
        self.noun, self.where, self.field, self.part = noun, where, header_field, part
        self.count = 0
        self.extra_at = 0

    def add(self, offset: int, text: str) -> Hit | None:
        self.count += 1
        if self.count <= MAX_HITS:
            return Hit(offset, text, field=self.field, part=self.part)
        if self.count == MAX_HITS + 1:
            self.extra_at = offset
        return None

    def rest(self, total: int | None = None) -> Hit | None:
        total = self.count if total is None else total
        if total <= MAX_HITS:
            return None
        return Hit(
            self.extra_at,
            f"{total - MAX_HITS} more {self.noun} in {self.where}, from here "
            "(not listed one by one)",
            field=self.field,
            part=self.part,
        )


# -- examples ---------------------------------------------------------------------

JIS_TEXT = b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\n"


def _jis_message(body: bytes, encoding: bytes = b"7bit") -> bytes:
    return message(extra=JIS_TEXT + b"Content-Transfer-Encoding: " + encoding + b"\r\n", body=body)


# "こんにちは", "ご注意" and "①" in ISO-2022-JP (① is JIS code 0x2D21, NEC's row 13).
HELLO = "こんにちは".encode("iso2022_jp")
CAUTION = "ご注意".encode("iso2022_jp")
CIRCLED_ONE = b"\x1b$B-!\x1b(B"


# -- the rules --------------------------------------------------------------------


@rule(
    "JP001",
    "iso-2022-jp-not-7bit",
    severity="error",
    summary="ISO-2022-JP text holding octets above 127, or declared 8bit",
    references=("RFC 1468", "RFC 2045 6.2", "RFC 1554"),
    bad=_jis_message("こんにちは\r\n".encode("shift_jis"), b"8bit"),
    good=_jis_message(HELLO + b"\r\n"),
)
def iso_2022_jp_not_7bit(message: ParsedMessage, params: Mapping[str, object]) -> Iterator[Hit]:
    """What it does: in every text part whose charset is ISO-2022-JP (or a
    variant: ISO-2022-JP-1, -2, -3, -2004, CP50220), reports a
    Content-Transfer-Encoding of 8bit or binary, and the first octet above 127
    of the text (after base64 or quoted-printable decoding) with their count,
    naming the charset the text looks like. Encoded words in ISO-2022-JP whose
    octets go above 127 are reported at their ``=?``.

    Why it matters: ISO-2022-JP is a 7-bit encoding (RFC 1468): every octet is
    below 128 and the Japanese characters are reached through escape sequences.
    8-bit octets in it are another charset under the wrong label, most often
    Shift_JIS or EUC-JP text written by a program that then labelled it
    ISO-2022-JP, or 8-bit half-width katakana: the reader decodes them as
    garbage or drops them. Declaring 8bit for 7-bit text is harmless to most
    readers but tells relays that the part needs 8BITMIME, and is the telltale
    of such a mislabelling. Convert the text to ISO-2022-JP, or label it with
    the charset it is in.
    """
    for part, codec in _text_parts(message, JIS_FAMILY):
        name = _name(codec)
        if part.encoding in ("8bit", "binary"):
            header_field = part.header.get("content-transfer-encoding")
            if header_field is not None:
                value = header_field.value
                yield Hit(
                    header_field.value_offset + len(value) - len(value.lstrip()),
                    f"{name} text of {_label(part)} declared {part.encoding}: "
                    "ISO-2022-JP is 7-bit (declare 7bit)",
                    field=header_field.name,
                    part=part.path or None,
                )
        data = decoded_body(message.source, part)
        if data.isascii():
            continue
        first = EIGHT_BIT.search(data)
        assert first is not None
        count = len(data) - len(data.translate(None, bytes(range(0x80, 0x100))))
        offset, where = _place(message, part, data, first.start())
        found = guess(data, first.start())
        looks = f"; it looks like {mime_name(found.codec)}" if found else ""
        yield Hit(
            offset,
            f"{name} text of {_label(part)} holds {count} octet{'s' if count > 1 else ''} "
            f"above 127, first 0x{first.group()[0]:02X}{where}{looks}",
            part=part.path or None,
        )
    yield from _word_hits(message, JIS_FAMILY, "8-bit encoded words", _eight_bit_word)


def _eight_bit_word(codec: str, octets: bytes) -> str | None:
    if octets.isascii():
        return None
    first = EIGHT_BIT.search(octets)
    assert first is not None
    found = guess(octets)
    looks = f"; it looks like {mime_name(found.codec)}" if found else ""
    return (
        f"{_name(codec)} encoded word holds octets above 127, first 0x{first.group()[0]:02X}{looks}"
    )


@rule(
    "JP002",
    "outside-jis-x-0208",
    severity="warning",
    summary="characters ISO-2022-JP cannot carry: half-width katakana, vendor "
    "extensions (① ㈱), emoji",
    params={"shift-jis": False},
    references=("RFC 1468", "JIS X 0208:1997 annex 2", "IANA Shift_JIS registration"),
    bad=_jis_message(CAUTION + b" " + CIRCLED_ONE + b"\r\n"),
    good=_jis_message(CAUTION + b" (1)\r\n"),
)
def outside_jis_x_0208(message: ParsedMessage, params: Mapping[str, object]) -> Iterator[Hit]:
    """What it does: follows the escape sequences of ISO-2022-JP text (bodies
    of text parts, raw header lines, encoded words) and names, at its place,
    every character that is not ASCII, JIS X 0201 Roman or JIS X 0208:
    half-width katakana (after ``ESC ( I`` or SO), the NEC special characters
    and IBM extensions of CP932 that Microsoft's ISO-2022-JP puts in JIS X
    0208's empty rows (①, ㈱, Ⅰ), codes of rows 85-94 where carriers put emoji,
    and characters of the sets of ISO-2022-JP-1, -2 and -2004 (JIS X 0212,
    JIS X 0213, GB 2312, KS C 5601). With the parameter ``shift-jis`` (on in
    the jp-mobile profiles) Shift_JIS text is judged too: NEC and IBM
    characters and the user-defined area where carriers put emoji are
    reported; half-width katakana are part of Shift_JIS and are not.

    Why it matters: RFC 1468 defines ISO-2022-JP as ASCII, JIS X 0201 Roman
    and JIS X 0208, nothing more. Windows and Macs read the vendor characters
    through CP932, but strict readers, Unix tools and the handsets of Japanese
    carriers show a geta mark (〓), a wrong character, or nothing: "①" may
    become "(1)" or vanish. Half-width katakana in ISO-2022-JP are an escape
    sequence most readers do not know. Write the text with JIS X 0208
    characters only ("(1)" for "①", "(株)" for "㈱", full-width katakana), or
    send it in UTF-8 where the recipient reads UTF-8.
    """
    for part, _codec in _text_parts(message, PLAIN_JIS):
        data = decoded_body(message.source, part)
        scan = scan_jis(data)
        capped = _Capped(OUTSIDE, _label(part), None, part.path or None)
        for outside in scan.outside:
            offset, where = _place(message, part, data, outside.index)
            hit = capped.add(offset, f"{outside.what}: ISO-2022-JP cannot carry it{where}")
            if hit is not None:
                yield hit
        rest = capped.rest(scan.outside_count)
        if rest is not None:
            yield rest
    if params.get("shift-jis"):
        for part, codec in _text_parts(message, SHIFT_JIS):
            data = decoded_body(message.source, part)
            sjis = scan_sjis(data)
            outside_list, total = sjis.outside, sjis.outside_count
            capped = _Capped(OUTSIDE, _label(part), None, part.path or None)
            for outside in outside_list:
                offset, where = _place(message, part, data, outside.index)
                hit = capped.add(
                    offset,
                    f"{outside.what}: a handset reading {_name(codec)} may show it garbled "
                    f"or not at all{where}",
                )
                if hit is not None:
                    yield hit
            rest = capped.rest(total)
            if rest is not None:
                yield rest
    yield from _header_outside(message, bool(params.get("shift-jis")))


def _header_outside(message: ParsedMessage, shift_jis: bool) -> Iterator[Hit]:
    """JP002 in raw header lines and encoded words."""
    source = message.source
    for header_field, path, index in _raw_header_lines(message):
        line = source.line(index)
        scan = scan_jis(line.content)
        capped = _Capped(OUTSIDE, header_field.name, header_field.name, path)
        for outside in scan.outside:
            hit = capped.add(
                line.start + outside.index,
                f"{outside.what} (raw ISO-2022-JP in the header)",
            )
            if hit is not None:
                yield hit
        rest = capped.rest(scan.outside_count)
        if rest is not None:
            yield rest
    codecs = PLAIN_JIS | SHIFT_JIS if shift_jis else PLAIN_JIS
    yield from _word_hits(message, codecs, "encoded words outside JIS X 0208", _outside_word)


def _outside_word(codec: str, octets: bytes) -> str | None:
    scan = scan_jis(octets) if codec in PLAIN_JIS else scan_sjis(octets)
    total = scan.outside_count
    if not total:
        return None
    names = "; ".join(outside.what for outside in scan.outside[:3])
    more = f"; and {total - 3} more" if total > 3 else ""
    return f"{_name(codec)} encoded word: {names}{more}"


@rule(
    "JP003",
    "escape-not-reset",
    severity="error",
    summary="an ISO-2022-JP line or encoded word that does not end in ASCII mode",
    references=("RFC 1468", "RFC 2047 5", "JIS X 0208:1997 annex 2"),
    bad=_jis_message(b"\x1b$B$3$s$K$A$O\r\n"),
    good=_jis_message(HELLO + b"\r\n"),
)
def escape_not_reset(message: ParsedMessage, params: Mapping[str, object]) -> Iterator[Hit]:
    """What it does: follows the escape sequences of every line of ISO-2022-JP
    text (bodies of text parts in ISO-2022-JP or a variant, and raw header
    lines holding escape sequences) and reports, at the end of the line, each
    line that does not end in ASCII or JIS X 0201 Roman: left in JIS X 0208
    (no ``ESC ( B`` after ``ESC $ B``), in katakana, or shifted out by SO.
    Also each ISO-2022-JP encoded word whose octets do not end in ASCII, at
    its ``=?``.

    Why it matters: RFC 1468 requires every line of ISO-2022-JP text, and the
    text itself, to end in ASCII, so that each line can be read alone. A reader
    that carries the state over shows the next line, and the rest of the
    message, as kanji garbage; a reader that resets it at the line break loses
    nothing only by luck. An encoded word is decoded alone (RFC 2047 5), so a
    word that ends in JIS X 0208 leaves what follows it garbled. End every line
    and every word with ``ESC ( B``.
    """
    for part, codec in _text_parts(message, JIS_FAMILY):
        data = decoded_body(message.source, part)
        scan = scan_jis(data)
        capped = _Capped("lines not reset to ASCII", _label(part), None, part.path or None)
        for line in scan.unreset:
            offset, where = _place(message, part, data, line.end)
            hit = capped.add(offset, f"{_name(codec)} line ends {line.mode}{where}")
            if hit is not None:
                yield hit
        rest = capped.rest(scan.unreset_count)
        if rest is not None:
            yield rest
    source = message.source
    for header_field, path, index in _raw_header_lines(message):
        line = source.line(index)
        for unreset in scan_jis(line.content).unreset:
            yield Hit(
                line.start + unreset.end,
                f"raw ISO-2022-JP header line ends {unreset.mode}",
                field=header_field.name,
                part=path,
            )
    yield from _word_hits(message, JIS_FAMILY, "encoded words not reset to ASCII", _unreset_word)


def _unreset_word(codec: str, octets: bytes) -> str | None:
    problem = _word_end(octets)
    if problem is None:
        return None
    return f"{_name(codec)} encoded word ends {problem} before '?='"


def _word_end(octets: bytes) -> str | None:
    """The mode an encoded word's octets end in, when it is not ASCII."""
    if b"\x1b" not in octets and b"\x0e" not in octets:
        return None
    last = octets.rfind(b"\x1b")
    if b"\x0e" not in octets and octets[last : last + 3] in (b"\x1b(B", b"\x1b(J"):
        return None  # the common case
    found = _Found()
    # A word is one piece of text: its line breaks (there should be none) do not reset it.
    _scan_line(octets, 0, len(octets), found)
    if found.unreset:
        return found.unreset[0].mode
    tail = octets[octets.rfind(b"\x1b") :]
    if tail in (b"\x1b", b"\x1b$", b"\x1b(", b"\x1b$("):
        return "in the middle of an escape sequence"
    return None
