"""Charsets: labels to codecs, decoding as readers do, and guessing with chardet.

The one place that knows codecs and chardet.  The rules ask three questions:

* ``codec_for(label)``: which Python codec reads text labelled so (None when
  no codec knows the label: CS001);
* ``decode(data, codec)``: does the text decode strictly (no replacement
  characters), the way mail readers decode that label, and if not, where does
  it fail (CS002);
* ``guess(data, at)``: what does the text look like, when nothing is declared
  or the declaration fails (CS002, CS003).

Readers decode some labels with a superset: Shift_JIS as CP932, EUC-KR as
CP949, GB2312 as GB18030, Big5 as CP950 (the WHATWG Encoding Standard, which
browsers and Thunderbird follow, does the same).  Text that only the superset
reads is not undecodable: the JP rules report its vendor characters instead.
Microsoft's ISO-2022-JP (CP50220/CP50221, what Outlook sends) puts NEC and IBM
characters such as ① inside ``ESC $ B``; Python has no codec for it, so
``decode_iso2022jp_ms`` reads it through JIS -> Shift_JIS -> CP932.

chardet runs last, on a bounded sample, and only through ``guess``: its
releases differ (5.x answers None for empty input and SHIFT_JIS for Japanese
text; 7.x answers utf-8 and CP932, with lower confidences and much faster), so
its answer is normalised here and verified by a strict decode of the sample.
Nothing in this module raises on any input.
"""

from __future__ import annotations

import codecs
import functools
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

# Labels found in mail that Python's codec registry does not know, with the
# codec that reads them.  Sources: the WHATWG Encoding Standard's label table
# (what browsers and Thunderbird accept), the IANA Character Sets registry,
# Microsoft's code page names.  Keys are compared squashed (see _squash).
EXTRA_LABELS: dict[str, str] = {
    # Shift_JIS (WHATWG label x-sjis) and Microsoft's superset (IANA Windows-31J).
    "x-sjis": "shift_jis",
    "windows-31j": "cp932",
    "cswindows31j": "cp932",
    # Microsoft's ISO-2022-JP: read through CP932 by decode_iso2022jp_ms.
    "iso-2022-jp-ms": "iso2022_jp",
    "cp50220": "iso2022_jp",
    "cp50221": "iso2022_jp",
    "cp50222": "iso2022_jp",
    "cseucpkdfmtjapanese": "euc_jp",
    # Korean (WHATWG euc-kr labels; readers use CP949, see READER_CODECS).
    "windows-949": "cp949",
    "cseuckr": "euc_kr",
    "csksc56011987": "euc_kr",
    "ks_c_5601-1989": "euc_kr",
    "iso-ir-149": "euc_kr",
    # Chinese (WHATWG gbk and big5 labels).
    "windows-936": "gbk",
    "csgb2312": "gb2312",
    "cn-big5": "big5",
    "x-x-big5": "big5",
    # Others of the WHATWG table.
    "windows-874": "cp874",
    "dos-874": "cp874",
    "iso-8859-8-i": "iso8859-8",
    "csiso88598i": "iso8859-8",
    "logical": "iso8859-8",
    "iso-8859-6-i": "iso8859-6",
    "iso-8859-6-e": "iso8859-6",
    "iso-8859-8-e": "iso8859-8",
    "latin-9": "iso8859-15",
    "koi8-ru": "koi8-u",
    "unicode-1-1-utf-8": "utf-8",
    "unicode11utf8": "utf-8",
    "unicode20utf8": "utf-8",
    # IANA ISO-10646-UCS-2 is big-endian UCS-2, a subset of UTF-16BE.
    "iso-10646-ucs-2": "utf-16-be",
    "csunicode": "utf-16-be",
    "ucs-2": "utf-16",
}
# Python codecs that are no mail charset: text transforms and internals.
NOT_CHARSETS = frozenset(
    {"unicode-escape", "raw-unicode-escape", "undefined", "idna", "punycode", "charmap", "mbcs"}
)
# No registered charset name is this long (IANA's longest is 45 characters).
MAX_LABEL = 64
# A label as registered names are written: letters and digits in runs joined by
# single separators.  Python's lookup is laxer ("utf-8;" and "utf--8" find
# UTF-8), readers are not (WHATWG compares whole labels).
LABEL = re.compile(r"[a-z0-9]+(?:[-_.:+][a-z0-9]+)*")

# The superset readers decode a label's text with (WHATWG Encoding Standard:
# Shift_JIS is CP932's table, EUC-KR is windows-949, GB2312 and GBK are
# GB18030, Big5 includes the Microsoft additions).  Each is a strict superset
# for decoding: every octet string the label's codec reads, the superset reads.
READER_CODECS: dict[str, str] = {
    "shift_jis": "cp932",
    "euc_kr": "cp949",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "big5": "cp950",
}
# ISO-2022-JP codecs whose text is read through CP932 when the stdlib fails.
ISO_2022_JP = frozenset({"iso2022_jp", "iso2022_jp_ext"})

# Charsets whose members nest: a guess is reported as the smallest member that
# decodes the sample, so chardet 5.x (SHIFT_JIS, GB2312, EUC-KR, ISO-8859-1)
# and 7.x (CP932, GB18030, CP949, Windows-1252) name the same text alike.
FAMILIES: tuple[tuple[str, ...], ...] = (
    ("shift_jis", "cp932"),
    ("euc_kr", "cp949"),
    ("gb2312", "gbk", "gb18030"),
    ("big5", "cp950"),
    ("iso8859-1", "cp1252"),
)
# ISO-8859-1 maps 0x80-0x9F to C1 controls that text never holds: with any of
# them, the text is windows-1252 (smart quotes, the euro sign).
C1_OCTET = re.compile(rb"[\x80-\x9f]")

# Octets chardet sees: enough for its statistics, cheap for chardet 5.x (about
# 30 ms per 4 KiB of Japanese text in pure Python; 7.x needs about 2 ms).
SAMPLE_SIZE = 4096
# The lowest chardet confidence that names a charset.  chardet 5.x says 0.99
# for CJK and Cyrillic text it recognises and about 0.7 for Latin-1; 7.x says
# 0.5-0.96 for CJK and Cyrillic text and 0.1-0.35 for Latin text that many
# single-byte charsets fit, and 0.10 for "nothing fit".  At 0.5, both
# releases name CJK and Cyrillic text, and neither names a charset that 7.x
# itself calls a weak match.
MIN_CONFIDENCE = 0.5

# An ISO-2022-JP designation of a two-octet set (JIS X 0208) or of katakana.
JIS_ESCAPE = re.compile(rb"\x1b(?:\$[@B]|\(I)")
# Text in JIS X 0201 katakana: after ESC ( I, up to the next escape.
KATAKANA_RUN = re.compile(rb"\x1b\(I([^\x1b]*)")
KATAKANA_OCTETS = bytes(range(0x21, 0x60))  # JIS X 0201 katakana after ESC ( I
MAX_VENDOR = 100  # vendor characters listed per text; the rest are only counted


class Guess(NamedTuple):
    """A charset the text looks like: a Python codec name and a confidence (0-1)."""

    codec: str
    confidence: float


@dataclass(frozen=True, slots=True)
class Decoded:
    """The outcome of a strict decode.

    ``codec`` is the codec that read the text (the reader's superset, see
    ``READER_CODECS``).  On failure ``text`` is None, ``error`` is the octet
    index of the first undecodable sequence, ``bad`` its octets (at most
    four) and ``reason`` the codec's words for it.  ``vendor`` lists the
    first ``MAX_VENDOR`` characters of ISO-2022-JP text that only CP932 reads
    (NEC and IBM extensions, half-width katakana), as (octet index,
    character); ``vendor_count`` counts them all.
    """

    codec: str
    text: str | None
    error: int | None = None
    reason: str = ""
    bad: bytes = b""
    vendor: tuple[tuple[int, str], ...] = ()
    vendor_count: int = 0

    @property
    def ok(self) -> bool:
        return self.text is not None


def _squash(label: str) -> str:
    """A label reduced to letters and digits, for comparing spellings."""
    return re.sub(r"[^a-z0-9]", "", label.lower())


_EXTRA = {_squash(label): codec for label, codec in EXTRA_LABELS.items()}


def _lookup(name: str) -> str | None:
    """Python's codec name for ``name`` when it is a text charset, else None."""
    try:
        info = codecs.lookup(name)
    except Exception:  # noqa: BLE001 - LookupError, or ValueError for a NUL in the name
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in NOT_CHARSETS:
        return None
    return info.name


@functools.lru_cache(maxsize=512)
def codec_for(label: str) -> str | None:
    """The Python codec that reads text labelled ``label``, or None when no codec knows it.

    Case and the spelling of separators do not matter (``UTF8``, ``shift-jis``,
    ``ks_c_5601-1987``); WHATWG and IANA aliases that Python lacks are known
    (``x-sjis``, ``windows-31j``, ``cp50221``), and an ``x-`` prefix is tried
    without.  Labels that mean "unknown" (``x-unknown``, ``unknown-8bit``) and
    Python's text transforms (``unicode_escape``, ``base64``) give None.
    """
    name = label.strip().lower()
    if len(name) > MAX_LABEL or not LABEL.fullmatch(name):
        return None
    extra = _EXTRA.get(_squash(name))
    if extra is not None:
        return extra
    found = _lookup(name)
    if found is None and name.startswith("x-"):
        found = _lookup(name[2:])
    return found


def mime_name(codec: str) -> str:
    """The name to write in a charset parameter for a Python codec name."""
    names = {
        "ascii": "US-ASCII",
        "utf-8": "UTF-8",
        "shift_jis": "Shift_JIS",
        "cp932": "Windows-31J",
        "euc_jp": "EUC-JP",
        "iso2022_jp": "ISO-2022-JP",
        "mac-roman": "macintosh",
        "big5": "Big5",
        "hz": "HZ-GB-2312",
    }
    if codec in names:
        return names[codec]
    if codec.startswith("iso8859-"):
        return "ISO-8859-" + codec[8:]
    if re.fullmatch(r"cp125[0-8]", codec):
        return "windows-" + codec[2:]
    return codec.upper().replace("_", "-")


def reader_codec(codec: str) -> str:
    """The codec mail readers decode ``codec``'s label with (itself or a superset)."""
    return READER_CODECS.get(codec, codec)


# -- decoding ------------------------------------------------------------


def decode(data: bytes, codec: str) -> Decoded:
    """Decode strictly, as readers do: with the reader's superset, and ISO-2022-JP
    text that the stdlib refuses through CP932 (``decode_iso2022jp_ms``).

    On failure the error is where the most lenient of these reads fails.
    """
    reader = reader_codec(codec)
    try:
        return Decoded(reader, data.decode(reader))
    except UnicodeDecodeError as error:
        failure = _failure(reader, error)
    except Exception as error:  # noqa: BLE001 - a codec may fail in its own way
        failure = Decoded(reader, None, 0, str(error) or type(error).__name__)
    if codec in ISO_2022_JP:
        try:
            text, vendor, count = decode_iso2022jp_ms(data)
        except UnicodeDecodeError as error:
            failure = _failure(codec, error)
        else:
            return Decoded(codec, text, vendor=tuple(vendor), vendor_count=count)
    return failure


def _failure(codec: str, error: UnicodeDecodeError) -> Decoded:
    bad = bytes(error.object[error.start : min(error.end, error.start + 4)])
    return Decoded(codec, None, error.start, error.reason, bad)


def jis_to_sjis(first: int, second: int) -> bytes:
    """The Shift_JIS octets of a JIS X 0208 code (row and cell octets 0x21-0x7E).

    The mapping is arithmetic and covers all 94 rows, so NEC's row 13 (①, ㈱)
    and the IBM extensions of rows 89-92 land where CP932 has them.
    """
    lead = ((first + 1) >> 1) + (0x70 if first <= 0x5E else 0xB0)
    if first & 1:
        trail = second + (0x1F if second <= 0x5F else 0x20)
    else:
        trail = second + 0x7E
    return bytes((lead, trail))


@functools.cache
def _cp932_of_jis(first: int, second: int) -> str | None:
    """The character CP932 has at a JIS code, or None (both octets 0x21-0x7E)."""
    if not (0x21 <= first <= 0x7E and 0x21 <= second <= 0x7E):
        return None
    try:
        return jis_to_sjis(first, second).decode("cp932")
    except UnicodeDecodeError:
        return None


# The stdlib's decoder keeps its state across an error handler's answer, so a
# handler that reads each two-octet code the stdlib refuses through CP932
# leaves the rest of the work to the C decoder.  What it read is recorded per
# thread for the caller.  Registering the handler is this module's one change
# to the codec machinery; it adds no codec.
CP932_HANDLER = "maillint.iso2022jp-cp932"
_handled = threading.local()


def _read_through_cp932(error: UnicodeError) -> tuple[str, int]:
    """Error handler: a two-octet code the stdlib refuses, read through CP932."""
    if isinstance(error, UnicodeDecodeError) and error.end - error.start == 2:
        char = _cp932_of_jis(error.object[error.start], error.object[error.start + 1])
        if char is not None:
            found = _handled.vendor
            found.count += 1  # inline, not a method: this runs once per character
            if found.count <= MAX_VENDOR:
                found.listed.append((error.start, char))
            return char, error.end
    raise error


codecs.register_error(CP932_HANDLER, _read_through_cp932)


def _jis_reason(error: UnicodeDecodeError) -> str:
    """What went wrong in ISO-2022-JP text, in plainer words than the codec's."""
    bad = error.object[error.start : error.end]
    if error.reason.startswith("incomplete"):
        return "text ends inside a character or an escape sequence"
    if bad[:1] == b"\x1b":
        return "escape sequence that ISO-2022-JP does not have"
    if bad[0] > 0x7F:
        return "8-bit octet in ISO-2022-JP"
    if len(bad) == 2 and all(0x21 <= octet <= 0x7E for octet in bad):
        return "two-octet code in neither JIS X 0208 nor CP932"
    if len(bad) == 2:
        return "half a two-octet character, or a control character or space inside one"
    return "octet outside the set in use (" + error.reason + ")"


class _Vendor:
    """The vendor characters of one text: the first ``MAX_VENDOR`` listed, all counted.

    Listing them all cost about 130 octets of memory per character: 10 MB of
    half-width katakana took 1.8 GB.
    """

    def __init__(self) -> None:
        self.listed: list[tuple[int, str]] = []  # the CP932 handler's, in octet order
        self.count = 0

    def first(self, data: bytes) -> list[tuple[int, str]]:
        """Count the half-width katakana of every ``ESC ( I`` run too, and return
        the first ``MAX_VENDOR`` of all, in octet order."""
        katakana: list[tuple[int, str]] = []
        for run in KATAKANA_RUN.finditer(data):
            octets = run.group(1)
            self.count += len(octets) - len(octets.translate(None, KATAKANA_OCTETS))
            start = run.start(1)
            for offset, octet in enumerate(octets):
                if len(katakana) >= MAX_VENDOR:
                    break
                if 0x21 <= octet <= 0x5F:
                    katakana.append((start + offset, chr(0xFF61 + octet - 0x21)))
        return sorted(self.listed + katakana)[:MAX_VENDOR]


def decode_iso2022jp_ms(data: bytes) -> tuple[str, list[tuple[int, str]], int]:
    """Decode Microsoft's ISO-2022-JP (CP50220/CP50221) through CP932.

    Returns the text, the first ``MAX_VENDOR`` characters only CP932 reads, as
    (octet index, character): NEC special characters (①, ㈱), IBM extensions,
    and half-width katakana (``ESC ( I``), and how many there are in all.
    Codes of JIS X 0208 decode as the stdlib's iso2022_jp decodes them; JIS X
    0212 (``ESC $ ( D``, ISO-2022-JP-1) is refused, as readers of ISO-2022-JP
    refuse it.  Raises UnicodeDecodeError
    at the first octet no reader reads, like a codec.  Runs at C speed: the
    stdlib's iso2022_jp_ext decodes, and a handler reads what it refuses.
    """
    jisx0212 = data.find(b"\x1b$(D")
    text = data if jisx0212 < 0 else data[:jisx0212]
    outer = getattr(_handled, "vendor", None)
    _handled.vendor = vendor = _Vendor()
    try:
        decoded = text.decode("iso2022_jp_ext", CP932_HANDLER)
    except UnicodeDecodeError as error:
        raise UnicodeDecodeError(
            "iso2022_jp", data, error.start, error.end, _jis_reason(error)
        ) from None
    finally:
        _handled.vendor = outer
    if jisx0212 >= 0:
        raise UnicodeDecodeError(
            "iso2022_jp", data, jisx0212, jisx0212 + 4, "JIS X 0212 is not in ISO-2022-JP"
        )
    listed = vendor.first(data)
    return decoded, listed, vendor.count


# -- guessing ------------------------------------------------------------


def iso2022jp_escape(data: bytes) -> int:
    """Index of the first ISO-2022-JP designation of kanji or katakana, or -1.

    In text labelled with any other charset these escapes are control
    characters followed by letters: readers show ``$B$3$s$K$A$O``.
    """
    if b"\x1b" not in data:
        return -1
    found = JIS_ESCAPE.search(data)
    return -1 if found is None else found.start()


def sample_at(data: bytes, index: int = 0, size: int = SAMPLE_SIZE) -> tuple[bytes, bool]:
    """At most ``size`` octets of ``data`` around ``index``, cut at line boundaries.

    The sample starts at the line holding ``index`` (nearer when that line is
    very long) and ends after the last line break that keeps ``index`` inside.
    Returns the sample and whether it reaches the end of the data.
    """
    index = min(max(index, 0), len(data))
    start = data.rfind(b"\n", 0, index) + 1
    if index - start > size // 2:
        start = index - size // 2
    end = start + size
    if end >= len(data):
        return data[start:], True
    cut = data.rfind(b"\n", index, end)
    if cut >= 0:
        end = cut + 1
    return data[start:end], False


def _decodes(sample: bytes, codec: str, complete: bool) -> bool:
    """True when ``sample`` decodes strictly; a cut sample may end inside a character."""
    if codec in ISO_2022_JP:
        return decode(sample, codec).ok
    try:
        codecs.getincrementaldecoder(codec)("strict").decode(sample, final=complete)
    except Exception:  # noqa: BLE001 - UnicodeDecodeError, or LookupError for an odd name
        return False
    return True


def _narrowest(codec: str, sample: bytes, complete: bool) -> str | None:
    """The smallest charset of ``codec``'s family that decodes the sample, or None."""
    family = next((f for f in FAMILIES if codec in f), (codec,))
    for member in family:
        if member == "iso8859-1" and C1_OCTET.search(sample):
            continue
        if _decodes(sample, member, complete):
            return member
    return None


@functools.cache
def _chardet() -> Callable[[bytes], dict] | None:
    """chardet's ``detect``, imported on first use (None when chardet is missing)."""
    try:
        import chardet
    except ImportError:
        return None
    return chardet.detect


def from_chardet(result: object, sample: bytes, complete: bool = True) -> Guess | None:
    """Normalise one ``chardet.detect`` answer for ``sample``, of any release.

    None when chardet names nothing, is below ``MIN_CONFIDENCE``, names a
    charset no codec reads, or names one that does not decode the sample.
    """
    if not isinstance(result, dict):
        return None
    name = result.get("encoding")
    confidence = result.get("confidence")
    if not isinstance(name, str) or not isinstance(confidence, int | float):
        return None
    if confidence < MIN_CONFIDENCE:
        return None
    codec = codec_for(name)
    if codec is None:
        return None
    narrowest = _narrowest(codec, sample, complete)
    return Guess(narrowest, round(min(float(confidence), 1.0), 2)) if narrowest else None


def guess(data: bytes, at: int = 0) -> Guess | None:
    """The charset ``data`` looks like, judged around octet ``at``; None when unsure.

    The cheap answers come first, on the sample: pure ASCII (no 8-bit octet,
    no escape), strict UTF-8, ISO-2022-JP escapes in 7-bit text; each has
    confidence 1.0.  Only then does chardet look at the sample (``sample_at``),
    and its answer counts when it reaches ``MIN_CONFIDENCE`` and the charset
    decodes the sample.  Empty data gives None (chardet 5.x says None, 7.x
    says utf-8: there is nothing to judge).
    """
    sample, complete = sample_at(data, at)
    if not sample:
        return None
    if sample.isascii():
        if b"\x1b" not in sample:
            return Guess("ascii", 1.0)
        if JIS_ESCAPE.search(sample) and _decodes(sample, "iso2022_jp", complete):
            return Guess("iso2022_jp", 1.0)
    elif _decodes(sample, "utf-8", complete):
        return Guess("utf-8", 1.0)
    detect = _chardet()
    if detect is None:
        return None
    try:
        result = detect(sample)
    except Exception:  # noqa: BLE001 - a detector bug must not stop the linter
        return None
    return from_chardet(result, sample, complete)
