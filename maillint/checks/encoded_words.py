"""EW: RFC 2047 encoded words, in every header field of every MIME part.

Each field body is scanned once with a compiled regex for things that look
like encoded words; every word found is judged once (its syntax, its charset,
its place in the field, whether it splits a character) and the result is
cached, so the six rules share one pass.  The scan is linear: no pattern can
restart inside a run it has already read, and every look-around is bounded,
so a 1 MB Subject of encoded words or 100,000 "=?" in a row cost linear time.
Nothing here raises on any octet string.

Decisions where the catalog is silent:

* What counts as an encoded word.  ``=?`` starts one only when the shape
  ``=?charset?encoding?text`` follows, each piece free of ``?`` and white
  space.  Such a candidate is judged when it ends in ``?=``.  One that does
  not is judged only when it is plainly a real word that got broken: its
  charset is not empty and its encoding is B or Q (the text then stops at
  white space, at a ``?`` or at the end of the field), or ``=?charset?`` is
  followed by white space and, within 80 characters, a token ending in
  ``?=`` (a fold in the middle of the word).  Anything else holding ``=?``
  (``a=?b``, ``1+1=?2``, a URL query, ``=?x?y``) is ordinary text and is
  not reported.
* The charset is an RFC 2047 token; ``.`` is allowed too, since the
  registered name ``ANSI_X3.4-1968`` holds one.  An RFC 2231 language suffix
  (``utf-8*ja``) must be a language tag; it is removed before the lookup.
* Charsets are looked up with ``maillint.charsets.codec_for``, as CS001
  looks up a part's charset: case and separators do not matter, WHATWG and
  IANA aliases Python lacks are known (``Windows-31J``, ``x-sjis``), and
  codecs that are not character sets (``base64``, ``unicode_escape``) or
  labels meaning "unknown" (``unknown-8bit``) count as unknown.
* Q text: ``=`` must be followed by two hex digits (lowercase accepted, as
  every decoder does); only printable ASCII but ``?`` is allowed.  In a display
  name (RFC 2047 5(3)) a Q word may only hold letters, digits and
  ``! * + - / = _``, and in a comment (5(2)) no ``(``, ``)`` or ``"``: a word
  that breaks this is malformed (EW002), since a reader that tokenises the
  field first cuts the word apart.  An empty encoded text is malformed too
  (RFC 2047 2: ``encoded-text = 1*...``).
* B text must be base64 with its ``=`` padding: a length that is not a
  multiple of 4 is malformed, although many decoders add the padding back.
* Places (EW004).  Unstructured fields (Subject, Comments, X-..., and every
  field not named below) may hold words anywhere, separated from text and
  from each other by white space (RFC 2047 5(1)); ``Re:=?...?=`` and two
  words glued ``?==?`` are reported.  Address fields: words belong in display
  names and comments; inside a quoted string or an addr-spec they are
  misplaced.  In a display name or a comment, specials such as ``<``, ``,``
  or ``(`` delimit a word as white space does.  Message-ID, In-Reply-To,
  References, Content-ID: a word inside ``<...>`` is misplaced.
  Content-Type and Content-Disposition: a word outside a comment is in a
  parameter value, where RFC 2047 5 forbids it; AT005 reports the same
  practice as `info`, since it is widespread in Japan.
  A quoted string or ``<...>`` holding several words is one finding, at the
  first.
* EW005 decodes the octets strictly: a word holding octets its charset does
  not have (a carrier's emoji labelled Shift_JIS) is not judged, since where
  its characters end is then a guess; the JP and CS rules see such text.
  UTF-7 words are never split (a base64 run ends with the word).
* Every finding but EW006 points at the word's ``=?``; EW006 at column 77 of
  the line.  A field that holds more than 20 findings of one rule reports the
  first 20 and one more finding with the count of the rest.
"""

from __future__ import annotations

import binascii
import codecs
import re
from bisect import bisect_right
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache

from maillint.charsets import codec_for, mime_name, reader_codec
from maillint.checks.addresses import ADDRESS_FIELDS
from maillint.checks.examples import HEAD, message
from maillint.findings import Hit
from maillint.parse import HeaderField, ParsedMessage
from maillint.registry import rule

# A candidate encoded word (RFC 2047 2): "=?" charset "?" encoding "?" text,
# then "?=" when it is closed.  No piece may hold "?" or white space, so the
# text stops at the first "?" (encoded-text excludes it) and a failed attempt
# never reads past the third "?" after its start: the scan is linear.
WORD = re.compile(
    rb"=\?(?P<charset>[^?\s]*)\?"
    rb"(?:(?P<encoding>[^?\s]*)\?(?P<text>[^?\s]*)(?P<close>\?=)?)?"
)
# After a word that stopped at white space: the next token (not itself a
# word) ends in "?=" soon, so the word was folded or holds a raw space.
REST_OF_SPLIT_WORD = re.compile(rb"\s+(?!=\?)\S{0,80}?\?=")
# RFC 2047 2 charset token (no especials but "."; see the module notes) and
# the RFC 2231 5 language suffix.
CHARSET_NAME = re.compile(rb"[!#$%&'+\-.0-9A-Z^_`a-z{|}~]+")
LANGUAGE = re.compile(rb"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*")
# B: the base64 alphabet of RFC 2045 6.8 (padding is checked apart).
NOT_BASE64 = re.compile(rb"[^A-Za-z0-9+/]")
# Q (RFC 2047 4.2): printable ASCII but "?" (white space cannot reach here),
# "=" only before two hex digits; in a phrase (5(3)) a narrower set, in a
# comment (5(2)) no parentheses or double quote.
NOT_Q_CHAR = re.compile(rb"[^\x21-\x3e\x40-\x7e]")
BAD_Q_ESCAPE = re.compile(rb"=(?![0-9A-Fa-f]{2})")
NOT_PHRASE_Q_CHAR = re.compile(rb"[^A-Za-z0-9!*+\-/=_]")
NOT_COMMENT_Q_CHAR = re.compile(rb'[()"]')
# What a structured field's scan stops at: a quoted pair (skipped whole), a
# parenthesis, a double quote, an angle bracket.
STRUCTURE = re.compile(rb'\\.|[()"<>]', re.DOTALL)
# The rest of a dot-atom followed by "@": a word right before it is a local part.
LOCAL_PART_TAIL = re.compile(rb"[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~.]{0,512}@")
# ISO-2022-JP escape sequences (RFC 1468, ISO-2022-JP-2/-3/-2004): the
# designations back to ASCII or JIS X 0201 Roman end a word correctly.
JIS_ESCAPE = re.compile(rb"\x1b(?:\$\(.|\$[@AB]|\([A-Z]|\.[AF]|N.)", re.DOTALL)
JIS_ESCAPE_PREFIXES = frozenset({b"\x1b", b"\x1b$", b"\x1b(", b"\x1b$(", b"\x1b.", b"\x1bN"})
JIS_ASCII = frozenset({b"\x1b(B", b"\x1b(J"})
JIS_SETS = {
    b"\x1b$B": "JIS X 0208",
    b"\x1b$@": "JIS C 6226",
    b"\x1b(I": "JIS X 0201 katakana",
    b"\x1b$(D": "JIS X 0212",
    b"\x1b$(O": "JIS X 0213 plane 1",
    b"\x1b$(Q": "JIS X 0213 plane 1",
    b"\x1b$(P": "JIS X 0213 plane 2",
    b"\x1b$A": "GB 2312",
    b"\x1b$(C": "KS C 5601",
}
WSP = b" \t\r\n"
# RFC 5322 3.2.3 specials: in a structured field they delimit a word.
SPECIALS = b'()<>[]:;@\\,."'
MAX_WORD = 75  # RFC 2047 2
MAX_LINE = 76  # RFC 2047 2
MAX_HITS_PER_FIELD = 20
SAID = ""  # a place problem already reported for the same quoted string or <...>

# How a field's body holds encoded words.
TEXT = "text"  # unstructured (RFC 5322 3.6.5 and every unknown field): anywhere
ADDRESS = "address"  # display names and comments
MSG_ID = "msg-id"  # comments and obsolete phrases, never inside <...>
PARAMS = "params"  # comments only: a parameter value is the wrong place
STRUCTURED = "structured"  # comments and phrases
# Address fields beyond RFC 5322's (AD reads those): RFC 8098, and the
# common unregistered ones.
MORE_ADDRESS_FIELDS = frozenset(
    {
        "disposition-notification-to",
        "mail-followup-to",
        "mail-reply-to",
        "return-receipt-to",
        "errors-to",
    }
)
MSG_ID_FIELDS = frozenset(
    {"message-id", "resent-message-id", "in-reply-to", "references", "content-id"}
)
PARAM_FIELDS = frozenset({"content-type", "content-disposition"})
STRUCTURED_FIELDS = frozenset(
    {
        "date",
        "resent-date",
        "received",
        "return-path",
        "keywords",
        "mime-version",
        "content-transfer-encoding",
        "content-language",
        "list-id",
    }
)

# Regions of a structured field body.
PLAIN = "plain"
COMMENT = "comment"
QUOTED = "quoted"
ANGLE = "angle"
PHRASE = "phrase"  # a PLAIN region of an address field outside any addr-spec


@dataclass(frozen=True, slots=True)
class EncodedWord:
    """One encoded word of a field body, judged: what each rule reports, or None.

    ``start`` and ``end`` index the unfolded field value; ``closed`` is False
    for a broken word that never reaches its ``?=``.
    """

    start: int
    end: int
    closed: bool
    malformed: str | None
    unknown_charset: str | None
    misplaced: str | None
    split: str | None


def _show(octets: bytes) -> str:
    """Octets as a message quotes them: printable ASCII as is, the rest escaped."""
    return repr(octets[:30].decode("ascii", "backslashreplace"))


def _field_kind(key: str) -> str:
    if key in ADDRESS_FIELDS or key in MORE_ADDRESS_FIELDS:
        return ADDRESS
    if key in MSG_ID_FIELDS:
        return MSG_ID
    if key in PARAM_FIELDS:
        return PARAMS
    if key in STRUCTURED_FIELDS:
        return STRUCTURED
    return TEXT


# -- charsets -----------------------------------------------------------------


@lru_cache(maxsize=256)
def _charset_verdict(charset: bytes) -> tuple[str | None, str | None, str | None]:
    """A word's charset piece judged: (why it is bad syntax, its codec, why no
    codec reads it).  An RFC 2231 language suffix is checked, then removed."""
    if not charset:
        return "no charset", None, None
    name, star, language = charset.partition(b"*")
    if not CHARSET_NAME.fullmatch(name):
        return f"charset {_show(name)} is not a token", None, None
    if star and not LANGUAGE.fullmatch(language):
        problem = f"language {_show(language)} after '*' is not a language tag (RFC 2231 5)"
        return problem, None, None
    label = name.decode("ascii")
    codec = codec_for(label)
    return None, codec, None if codec is not None else f"no codec knows the charset {label!r}"


# -- the encoded text ---------------------------------------------------------


def _base64_problem(text: bytes) -> str | None:
    core = text.rstrip(b"=")
    padding = len(text) - len(core)
    bad = NOT_BASE64.search(core)
    if bad is not None:
        if bad.group() == b"=":
            return "'=' inside the base64 text (padding goes only at the end)"
        return f"{_show(bad.group())} is not a base64 character"
    if padding > 2:
        return f"{padding} '=' of padding (at most 2)"
    if len(text) % 4:
        hint = " (its '=' padding is missing)" if not padding and len(text) % 4 > 1 else ""
        return f"base64 text is {len(text)} characters, not a multiple of 4{hint}"
    return None


def _q_problem(text: bytes, region: str) -> str | None:
    bad = NOT_Q_CHAR.search(text)
    if bad is not None:
        return f"octet 0x{bad.group()[0]:02X} in Q text (only printable ASCII)"
    escape = BAD_Q_ESCAPE.search(text)
    if escape is not None:
        following = _show(text[escape.end() : escape.end() + 2])
        return f"'=' in Q text is not followed by two hex digits (found {following})"
    if region == PHRASE:
        bad = NOT_PHRASE_Q_CHAR.search(text)
        if bad is not None:
            return (
                f"{_show(bad.group())} is not allowed in a Q word in a display name "
                "(RFC 2047 5(3): encode it as =XX)"
            )
    elif region == COMMENT:
        bad = NOT_COMMENT_Q_CHAR.search(text)
        if bad is not None:
            return f"{_show(bad.group())} is not allowed in a Q word in a comment (RFC 2047 5(2))"
    return None


def _unclosed_problem(value: bytes, end: int) -> str:
    """Why a word that starts well never reaches its "?=" (``end``: where it stopped)."""
    after = value[end : end + 1]
    if after == b"?":
        return "'?' inside the encoded text, or the word is not closed by '?='"
    if after and REST_OF_SPLIT_WORD.match(value, end):
        return "white space inside the encoded word (folded or split in the middle)"
    return "encoded word is not closed by '?='"


def _malformed(match: re.Match[bytes], region: str) -> str | None:
    """What is wrong with a candidate's syntax or data, if anything."""
    problem = _charset_verdict(match.group("charset"))[0]
    if problem is not None:
        return problem
    encoding = match.group("encoding").upper()
    if encoding not in (b"B", b"Q"):
        return f"encoding {_show(match.group('encoding'))} is not B or Q"
    text = match.group("text")
    if not text:
        return "empty encoded text"
    if encoding == b"B":
        return _base64_problem(text)
    return _q_problem(text, region)


def _octets(encoding: bytes, text: bytes) -> bytes | None:
    """The decoded octets of well-formed encoded text."""
    try:
        if encoding.upper() == b"B":
            return binascii.a2b_base64(text, strict_mode=True)
        return binascii.a2b_qp(text, header=True)
    except (binascii.Error, ValueError):
        return None


def _jis_problem(octets: bytes) -> str | None:
    """How ISO-2022-JP octets fail to end in ASCII mode (RFC 1468), if they do."""
    last = octets.rfind(b"\x1b")
    if last < 0:
        return None
    escape = JIS_ESCAPE.match(octets, last)
    if escape is None:
        if octets[last:] in JIS_ESCAPE_PREFIXES:
            return "the word ends inside an ISO-2022-JP escape sequence"
        return None  # not an escape sequence of ISO-2022-JP: the JP and CS rules judge it
    sequence = escape.group()
    if sequence in JIS_ASCII:
        return None
    problem = (
        f"ISO-2022-JP word ends after {_show_escape(sequence)} "
        f"({JIS_SETS.get(sequence, 'not ASCII')}), without ESC ( B before '?='"
    )
    if sequence.startswith(b"\x1b$") and (len(octets) - escape.end()) % 2:
        problem += ", and inside a double-byte character"
    return problem


def _show_escape(sequence: bytes) -> str:
    """An escape sequence as people write it: ESC $ B."""
    return " ".join(["ESC", *sequence[1:].decode("ascii", "backslashreplace")])


def _split(octets: bytes, codec: str) -> str | None:
    """How the octets end inside a character or outside the initial mode, if they do."""
    if codec.startswith("iso2022_jp"):
        return _jis_problem(octets)
    if codec == "iso2022_kr":
        if octets.rfind(b"\x0e") > octets.rfind(b"\x0f"):
            return "ISO-2022-KR word ends shifted out (SO without SI)"
        return None
    if codec == "utf-7":
        return None  # a UTF-7 base64 run ends with the word: nothing is split
    try:
        # Decoded as readers decode the label (Shift_JIS as CP932...).
        decoder = codecs.getincrementaldecoder(reader_codec(codec))("strict")
        decoder.decode(octets, final=False)
        pending = decoder.getstate()[0]
    except Exception:  # noqa: BLE001 - octets the charset does not hold are not a split
        return None
    if pending:
        count = len(pending)
        return (
            f"the word ends inside a {mime_name(codec)} character "
            f"({count} octet{'s' if count > 1 else ''} of it; the rest is not in this word)"
        )
    return None


# -- places -------------------------------------------------------------------


def _regions(value: bytes) -> tuple[list[int], list[str]]:
    """Where comments, quoted strings and ``<...>`` start and end in a structured body.

    Returns sorted starts and the region that begins at each; a quoted pair
    is skipped whole, parentheses nest, a string or comment not closed runs
    to the end.
    """
    starts, kinds = [0], [PLAIN]
    depth, quoted, angle = 0, False, False
    for match in STRUCTURE.finditer(value):
        char = match.group()
        if len(char) == 2:
            continue
        at = match.start()
        outside = ANGLE if angle else PLAIN
        if quoted:
            if char == b'"':
                quoted = False
                starts.append(at + 1)
                kinds.append(outside)
        elif depth:
            if char == b"(":
                depth += 1
            elif char == b")":
                depth -= 1
                if not depth:
                    starts.append(at + 1)
                    kinds.append(outside)
        elif char == b'"':
            quoted = True
            starts.append(at)
            kinds.append(QUOTED)
        elif char == b"(":
            depth = 1
            starts.append(at)
            kinds.append(COMMENT)
        elif char == b"<":
            angle = True
            starts.append(at)
            kinds.append(ANGLE)
        elif char == b">" and angle:
            angle = False
            starts.append(at + 1)
            kinds.append(PLAIN)
    return starts, kinds


def _in_bare_addr_spec(value: bytes, start: int, end: int) -> bool:
    """A word outside ``<...>`` that is part of a local part or a domain."""
    return bool(LOCAL_PART_TAIL.match(value, end)) or value[start - 1 : start] == b"@"


def _wrong_place(kind: str, region: str, value: bytes, start: int, end: int) -> str | None:
    """Why a word is not allowed where it stands (RFC 2047 5), if it is not."""
    if region == COMMENT or (kind in (TEXT, STRUCTURED) and region == PLAIN):
        return None
    if kind == PARAMS:
        return (
            "encoded word in a parameter value: RFC 2047 5 does not allow it there "
            "(RFC 2231 is the standard form; AT005 notes the practice)"
        )
    if region == QUOTED:
        return "encoded word inside a quoted string: readers do not decode it there"
    if kind == MSG_ID:
        return "encoded word inside a msg-id" if region == ANGLE else None
    if kind == ADDRESS and (region == ANGLE or _in_bare_addr_spec(value, start, end)):
        return "encoded word inside an addr-spec: an address cannot be encoded"
    return None


def _delimiters(kind: str, region: str) -> bytes:
    """The octets that may stand next to a word in this place, besides the field's ends."""
    if kind == TEXT:
        return WSP
    if region == COMMENT:
        return WSP + b"()"
    return WSP + SPECIALS


def _not_delimited(value: bytes, start: int, end: int, allowed: bytes, glued: bool) -> str | None:
    """Why a word is not set apart by white space (RFC 2047 5(1)), if it is not."""
    if glued:
        return "encoded word directly after another one: white space must separate them"
    before = value[start - 1 : start]
    if before and before not in allowed:
        return f"encoded word directly after {_show(before)}: white space must separate them"
    after = value[end : end + 1]
    if after and after not in allowed and value[end : end + 2] != b"=?":
        return f"encoded word directly before {_show(after)}: white space must separate them"
    return None


# -- one field ----------------------------------------------------------------


def _broken_word(match: re.Match[bytes], value: bytes) -> bool:
    """Whether a candidate without its "?=" is a real word that got broken:
    ``=?charset?B?`` or ``=?charset?Q?`` then text, or ``=?charset?`` then
    white space and a token ending in "?=" (a fold in the middle)."""
    if not match.group("charset"):
        return False
    encoding = match.group("encoding")
    if encoding is None:
        return REST_OF_SPLIT_WORD.match(value, match.end()) is not None
    return encoding.upper() in (b"B", b"Q")


@lru_cache(maxsize=64)
def field_words(kind: str, value: bytes) -> tuple[EncodedWord, ...]:
    """Every encoded word of a field body of that kind, judged (cached: six rules ask)."""
    if b"=?" not in value:
        return ()
    if kind == TEXT:
        starts, kinds = [0], [PLAIN]
    else:
        starts, kinds = _regions(value)
    words: list[EncodedWord] = []
    previous_end = -1
    reported = -1  # the quoted string or <...> whose misplaced words were reported
    for match in WORD.finditer(value):
        closed = match.group("close") is not None
        if not closed and not _broken_word(match, value):
            continue  # ordinary text that holds "=?"
        start, end = match.span()
        index = bisect_right(starts, start) - 1
        region = kinds[index]
        place = _wrong_place(kind, region, value, start, end) if closed else None
        if place is not None and region in (QUOTED, ANGLE):
            # One finding per quoted string or <...>, however many words it holds.
            place, reported = (SAID if index == reported else place), index
        words.append(_judge(match, kind, region, value, place, previous_end == start))
        previous_end = end if closed else -1
    return tuple(words)


def _judge(
    match: re.Match[bytes],
    kind: str,
    region: str,
    value: bytes,
    place: str | None,
    glued: bool,
) -> EncodedWord:
    """Judge one candidate; ``place`` is why it stands where it may not (SAID
    when another word of the same quoted string or ``<...>`` said it), or None."""
    start, end = match.span()
    closed = match.group("close") is not None
    text_region = region
    if kind == ADDRESS and region == PLAIN and not _in_bare_addr_spec(value, start, end):
        text_region = PHRASE
    malformed = _malformed(match, text_region) if closed else _unclosed_problem(value, end)
    _, codec, unknown = _charset_verdict(match.group("charset"))
    misplaced = place or None
    split = None
    if closed:
        if place is None:
            misplaced = _not_delimited(value, start, end, _delimiters(kind, region), glued)
        if malformed is None and codec is not None:
            octets = _octets(match.group("encoding"), match.group("text"))
            split = _split(octets, codec) if octets is not None else None
    return EncodedWord(start, end, closed, malformed, unknown, misplaced, split)


def _fields(message: ParsedMessage) -> Iterator[tuple[str | None, HeaderField]]:
    """Every header field of every part (embedded messages too), with its part path."""
    for part in message.mime.walk():
        path = part.path or None
        for header_field in part.header.fields:
            yield path, header_field


def _report(
    message: ParsedMessage, judge: Callable[[EncodedWord], str | None], noun: str
) -> Iterator[Hit]:
    """A hit for each word that ``judge`` finds fault with, at most
    MAX_HITS_PER_FIELD per field, then one with the count of the rest."""
    for path, header_field in _fields(message):
        if b"=?" not in header_field.value:
            continue
        count = 0
        extra_at = 0
        for word in field_words(_field_kind(header_field.key), header_field.value):
            problem = judge(word)
            if problem is None:
                continue
            count += 1
            if count <= MAX_HITS_PER_FIELD:
                yield Hit(
                    header_field.offset_of(word.start),
                    problem,
                    field=header_field.name,
                    part=path,
                )
            elif count == MAX_HITS_PER_FIELD + 1:
                extra_at = header_field.offset_of(word.start)
        if count > MAX_HITS_PER_FIELD:
            yield Hit(
                extra_at,
                f"{count - MAX_HITS_PER_FIELD} more {noun} in {header_field.name}, from here "
                "(not listed one by one)",
                field=header_field.name,
                part=path,
            )


def _subject(value: bytes) -> bytes:
    """The shared example message with another Subject body."""
    return message(head=HEAD.replace(b"Subject: hello", b"Subject: " + value))


# -- the rules ----------------------------------------------------------------


@rule(
    "EW001",
    "encoded-word-too-long",
    severity="error",
    summary="an encoded word longer than 75 characters",
    params={"max-chars": MAX_WORD},
    references=("RFC 2047 2",),
    bad=_subject(b"=?UTF-8?Q?" + b"a" * 66 + b"?="),
    good=_subject(b"=?UTF-8?Q?" + b"a" * 40 + b"?=\r\n =?UTF-8?Q?" + b"a" * 26 + b"?="),
    fixable=True,
)
def encoded_word_too_long(message: ParsedMessage, params: Mapping[str, object]) -> Iterator[Hit]:
    """What it does: reports, at its ``=?``, every encoded word longer than
    75 characters, from ``=?`` to ``?=`` inclusive, in any header field of any
    part.

    Why it matters: RFC 2047 2 says an encoded word MUST NOT be more than 75
    characters long. Readers built on that limit leave a longer word
    undecoded, so the recipient sees ``=?UTF-8?B?...`` instead of the text.
    Split the text over several words, each holding whole characters,
    separated by a fold.
    """
    limit = int(params["max-chars"])
    yield from _report(
        message,
        lambda word: (
            f"encoded word is {word.end - word.start} characters (limit {limit})"
            if word.closed and word.end - word.start > limit
            else None
        ),
        "long encoded words",
    )


@rule(
    "EW002",
    "malformed-encoded-word",
    severity="error",
    summary="an encoded word with bad syntax, an encoding other than B or Q, or bad data",
    references=("RFC 2047 2", "RFC 2047 4", "RFC 2047 5", "RFC 2045 6.8"),
    bad=_subject(b"=?UTF-8?Q?caf=C?="),
    good=_subject(b"=?UTF-8?Q?caf=C3=A9?= =?UTF-8?B?Y2Fmw6k=?="),
)
def malformed_encoded_word(message: ParsedMessage, params: Mapping[str, object]) -> Iterator[Hit]:
    """What it does: reports, at its ``=?``, each encoded word that breaks the
    syntax of RFC 2047: an empty or ill-formed charset or language, an
    encoding other than B or Q (either case), empty encoded text, base64 text
    with characters outside the alphabet or without its ``=`` padding, Q text
    with ``=`` not followed by two hex digits or with octets outside printable
    ASCII, a ``?`` or white space inside the word (a word folded in the
    middle), or a word never closed by ``?=``. In a display name, a Q word may
    hold only letters, digits and ``! * + - / = _`` (RFC 2047 5(3)); in a
    comment, no ``(``, ``)`` or ``"`` (5(2)).

    Only text shaped like ``=?charset?encoding?...?=`` is judged, or a word
    that starts as ``=?charset?B?`` or ``=?charset?Q?`` and then breaks:
    ordinary text that happens to hold ``=?`` is left alone.

    Why it matters: readers leave a word they cannot parse as it is, so the
    recipient sees ``=?ISO-2022-JP?B?GyRC...`` instead of the subject or the
    sender's name; lenient readers guess, and different readers guess
    differently.
    """
    yield from _report(message, lambda word: word.malformed, "malformed encoded words")


@rule(
    "EW003",
    "unknown-encoded-word-charset",
    severity="error",
    summary="an encoded word in a charset that no codec knows",
    references=("RFC 2047 2", "RFC 2231 5", "IANA Character Sets registry"),
    bad=_subject(b"=?X-NO-SUCH-CHARSET?Q?caf=E9?="),
    good=_subject(b"=?ISO-8859-1?Q?caf=E9?= =?utf-8*en?Q?caf=C3=A9?="),
)
def unknown_encoded_word_charset(
    message: ParsedMessage, params: Mapping[str, object]
) -> Iterator[Hit]:
    """What it does: reports, at its ``=?``, each encoded word whose charset
    no codec knows. The RFC 2231 language suffix (``utf-8*ja``) is removed
    first, names are compared case-insensitively with their common aliases
    (``shift_jis``, ``ks_c_5601-1987``, ``Windows-31J``...), and a codec that
    is not a character set (``base64``) counts as unknown. A charset that is
    not even a token is EW002's.

    Why it matters: a reader that does not know the charset cannot turn the
    octets into characters: it shows the raw word, or octets in the wrong
    charset. Use a registered charset name, preferably UTF-8.
    """
    yield from _report(
        message, lambda word: word.unknown_charset, "encoded words in unknown charsets"
    )


@rule(
    "EW004",
    "encoded-word-in-wrong-place",
    severity="warning",
    summary="an encoded word in a quoted string, an addr-spec, a parameter value, "
    "or not delimited by white space",
    references=("RFC 2047 5", "RFC 2047 6.2", "RFC 2231"),
    bad=message(extra=b'Cc: "=?UTF-8?Q?Bj=C3=B6rn?=" <bjorn@example.org>\r\n'),
    good=message(
        extra=b"Cc: =?UTF-8?Q?Bj=C3=B6rn?= <bjorn@example.org> (=?UTF-8?Q?caf=C3=A9?=)\r\n"
    ),
)
def encoded_word_in_wrong_place(
    message: ParsedMessage, params: Mapping[str, object]
) -> Iterator[Hit]:
    """What it does: reports, at its ``=?``, an encoded word where RFC 2047 5
    does not allow one: inside a quoted string, inside an addr-spec (the
    address itself) or a msg-id, in a Content-Type or Content-Disposition
    parameter value (RFC 2231 is the standard way to put non-ASCII text there;
    AT005 reports the same practice as `info`), or not set apart by white
    space: ``Re:=?UTF-8?Q?...?=``, ``abc=?UTF-8?Q?x?=``, or two words glued
    as ``?==?``. In a display name or a comment, specials such as ``<``, ``,``
    and parentheses delimit a word as white space does. Words separated only by
    white space are fine: readers drop that white space (RFC 2047 6.2).

    Why it matters: readers decode encoded words only where RFC 2047 allows
    them. Elsewhere the recipient sees the raw ``=?...?=`` text, an address
    no server can deliver to, or a file name that differs from reader to
    reader.
    """
    yield from _report(message, lambda word: word.misplaced, "misplaced encoded words")


@rule(
    "EW005",
    "encoded-word-splits-character",
    severity="warning",
    summary="an encoded word that ends inside a multibyte character or, in ISO-2022-JP, "
    "outside ASCII mode",
    references=("RFC 2047 5", "RFC 1468"),
    bad=_subject(b"=?UTF-8?B?44GC44E=?= =?UTF-8?B?hA==?="),
    good=_subject(b"=?ISO-2022-JP?B?GyRCJCIbKEI=?= =?ISO-2022-JP?B?GyRCJCQbKEI=?="),
)
def encoded_word_splits_character(
    message: ParsedMessage, params: Mapping[str, object]
) -> Iterator[Hit]:
    """What it does: decodes each well-formed encoded word in a known charset
    and reports, at its ``=?``, a word whose octets end inside a multibyte
    character (the first octets of a UTF-8, Shift_JIS, EUC or GB character,
    the rest in the next word), and an ISO-2022-JP word that does not end in
    ASCII mode (its last escape sequence is not ``ESC ( B`` or ``ESC ( J``) or
    ends inside an escape sequence.

    Why it matters: RFC 2047 5 says each encoded word MUST represent an
    integral number of characters, and RFC 1468 that ISO-2022-JP text ends in
    ASCII. Readers decode each word alone: the split character becomes two
    replacement marks, and the rest of a JIS word is shown as ASCII garbage.
    """
    yield from _report(message, lambda word: word.split, "encoded words splitting characters")


@rule(
    "EW006",
    "encoded-word-line-too-long",
    severity="warning",
    summary="a header line holding an encoded word is longer than 76 characters",
    params={"max-chars": MAX_LINE},
    references=("RFC 2047 2",),
    bad=_subject(
        b"a subject that runs on and on and on, long before =?UTF-8?Q?caf=C3=A9?= at last"
    ),
    good=_subject(
        b"a subject that runs on and on and on,\r\n long before =?UTF-8?Q?caf=C3=A9?= at last"
    ),
    fixable=True,
)
def encoded_word_line_too_long(
    message: ParsedMessage, params: Mapping[str, object]
) -> Iterator[Hit]:
    """What it does: reports, at column 77, each physical header line (field
    name included, line break not counted) that is longer than 76 characters
    and holds the start of an encoded word. A long field is fine as long as
    every line with an encoded word is folded short.

    Why it matters: RFC 2047 2 says each line of a header field that contains
    an encoded word is limited to 76 characters, so that the words survive
    gateways and readers that handle only short lines. Fold before the word,
    or split it into shorter words.
    """
    limit = int(params["max-chars"])
    source = message.source
    for path, header_field in _fields(message):
        if b"=?" not in header_field.value:
            continue
        done: set[int] = set()
        for word in field_words(_field_kind(header_field.key), header_field.value):
            index = source.line_index_at(header_field.offset_of(word.start))
            if index in done:
                continue
            done.add(index)
            line = source.line(index)
            if len(line.content) > limit:
                yield Hit(
                    line.start + limit,
                    f"line holding an encoded word is {len(line.content)} characters "
                    f"(limit {limit})",
                    field=header_field.name,
                    part=path,
                )
