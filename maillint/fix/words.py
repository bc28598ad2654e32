"""Repairs that write RFC 2047 encoded words: raw 8-bit header text (HD006)
and encoded words over 75 characters (EW001), and what both need to write
the words and fold the field they rewrite.

Apart because it is the largest piece of header knowledge: charsets, Q and B
encoding, where a structured field may fold.  ``folding`` reuses its fold
points, ``names`` its words.
"""

from __future__ import annotations

import base64
import binascii
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass

from maillint.charsets import codec_for, decode, guess, mime_name, reader_codec
from maillint.checks.addresses import ADDRESS_FIELDS, ATOM, QUOTED, parse_addresses, tokenize
from maillint.checks.encoded_words import ADDRESS, TEXT, WORD, _field_kind, field_words
from maillint.checks.headers import PARAMETER_FIELDS
from maillint.findings import Finding
from maillint.fix.context import (
    EIGHT_BIT,
    WSP,
    Context,
    _count,
    _line_terminator,
    _Refused,
    repairs,
)
from maillint.fix.model import Edit, Fix, Skip
from maillint.parse import HeaderField, ParsedMessage

# Longest field value that is re-encoded as RFC 2047 words (octets).
MAX_REWRITE = 16384
WORD_LIMIT = 75  # RFC 2047 2
EW_LINE = 76  # RFC 2047 2
WSP_RUN = re.compile(rb"[ \t]+")
# ISO-2022-JP designations (RFC 1468 and its extensions), and those back to ASCII.
JIS_SWITCH = re.compile(rb"\x1b(?:\$\(?[@-Z]|\([@-Z])")
JIS_TO_ASCII = frozenset({b"\x1b(B", b"\x1b(J"})
NON_WSP_RUN = re.compile(rb"[^ \t]+")
# What a structured field's fold scan stops at (RFC 5322 3.2): a quoted pair,
# the delimiters of quoted strings, comments, angle addresses and domain
# literals, and runs of white space.
STRUCTURE = re.compile(rb'\\.|["()<>\[\]]|[ \t]+', re.DOTALL)
QUOTED_PAIR = re.compile(rb"\\(.)", re.DOTALL)
# Q text safe in every place a word may stand, a display name included
# (RFC 2047 5(3)): letters, digits and ! * + - /.
Q_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!*+-/")
UNSTRUCTURED_ENCODABLE = frozenset(
    {"subject", "comments", "content-description", "organization", "thread-topic"}
)


# -- RFC 2047 words: HD006 and EW001 ------------------------------------------------------


@dataclass(frozen=True)
class Replacement:
    """Text that replaces ``value[start:end]`` as encoded words of one charset."""

    start: int
    end: int
    text: str
    codec: str
    label: str
    letter: str


def _q(octets: bytes) -> bytes:
    """Q encoding (RFC 2047 4.2) restricted to what a display name allows."""
    return b"".join(
        bytes((o,)) if o in Q_SAFE else b"_" if o == 0x20 else b"=%02X" % o for o in octets
    )


def _encoded(octets: bytes, letter: str) -> bytes:
    return base64.b64encode(octets) if letter == "B" else _q(octets)


def _letter(codec: str, octets: bytes) -> str:
    if codec.startswith("iso2022"):
        return "B"  # the convention for ISO-2022-JP words (RFC 1468)
    return "Q" if len(_q(octets)) <= len(base64.b64encode(octets)) else "B"


def _next_word(rep: Replacement, start: int, room: int) -> tuple[bytes, int]:
    """The longest encoded word of ``rep.text[start:]`` that fits ``room``, and where it ends.

    Whole characters only; an ISO-2022-JP word is encoded on its own, so it
    starts and ends in ASCII mode.  At least one character, even if it does
    not fit.
    """
    head = b"=?" + rep.label.encode("ascii") + b"?" + rep.letter.encode("ascii") + b"?"
    overhead = len(head) + 2
    best: tuple[bytes, int] | None = None
    end = start + 1
    while end <= len(rep.text):
        encoded = _encoded(rep.text[start:end].encode(rep.codec), rep.letter)
        if overhead + len(encoded) > room and best is not None:
            break
        best = (encoded, end)
        if overhead + len(encoded) >= room:
            break
        end += 1
    assert best is not None
    return head + best[0] + b"?=", best[1]


def _min_word(rep: Replacement) -> int:
    return len(rep.label) + 7 + 8  # "=?" label "?X?" ... "?=" and one character in B


def _ascii_mode(value: bytes, runs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The runs of white space where raw ISO-2022-JP text (RFC 1468) is in ASCII
    mode: a fold elsewhere would end a header line outside ASCII (JP003)."""
    runs = [run for run in runs if value[run[0] : run[0] + 1] in (b" ", b"\t")]  # a fold's WSP
    if b"\x1b" not in value:
        return runs
    switches = [(m.start(), m.group() in JIS_TO_ASCII) for m in JIS_SWITCH.finditer(value)]
    starts = [at for at, _ in switches]
    kept = []
    for run in runs:
        position = bisect_right(starts, run[0]) - 1
        if position < 0 or switches[position][1]:
            kept.append(run)
    return kept


def _fold_runs(value: bytes, structured: bool) -> list[tuple[int, int]]:
    """Runs of white space that a fold may go before: (start, end) in the value.

    Not the first octet of the value, not trailing white space, and in a
    structured field only outside quoted strings, comments, ``<...>`` and
    ``[...]``.
    """
    size = len(value)
    if not structured:
        runs = [(m.start(), m.end()) for m in WSP_RUN.finditer(value)]
        return _ascii_mode(value, [(a, b) for a, b in runs if 0 < a and b < size])
    runs = []
    quoted = False
    depth = angle = bracket = 0
    for match in STRUCTURE.finditer(value):
        token = match.group()
        if token[:1] == b"\\":
            continue
        if quoted:
            quoted = token != b'"'
            continue
        if depth:
            depth += 1 if token == b"(" else -1 if token == b")" else 0
            continue
        if token == b'"':
            quoted = True
        elif token == b"(":
            depth = 1
        elif token == b"<":
            angle += 1
        elif token == b">":
            angle = max(angle - 1, 0)
        elif token == b"[":
            bracket += 1
        elif token == b"]":
            bracket = max(bracket - 1, 0)
        elif token[:1] in WSP and not angle and not bracket and 0 < match.start() < size:
            if match.end() < size:
                runs.append((match.start(), match.end()))
    return _ascii_mode(value, runs)


def _compose(
    value: bytes,
    prefix: int,
    replacements: list[Replacement],
    runs: list[tuple[int, int]],
    *,
    limit: int,
    eol: bytes,
) -> bytes:
    """A field body (what follows the colon) with the replacements encoded, folded.

    Lines stay within ``limit`` where white space allows: a fold goes before an
    existing run of white space (never adding or removing any), and between
    two encoded words of one replacement (white space there is not text,
    RFC 2047 6.2).  ``prefix`` is the length of the line before the body.
    """
    pieces: list[bytes | Replacement] = []
    fold_before: list[bool] = []
    starts = sorted({start for start, _ in runs})

    def plain(a: int, b: int) -> None:
        cut_points = [p for p in starts[bisect_left(starts, a) : bisect_left(starts, b)] if p > 0]
        edges = [a, *[p for p in cut_points if p > a], b]
        for left, right in zip(edges, edges[1:], strict=False):
            if left < right:
                pieces.append(value[left:right])
                fold_before.append(left in cut_points)

    position = 0
    for rep in replacements:
        plain(position, rep.start)
        pieces.append(rep)
        fold_before.append(False)
        position = rep.end
    plain(position, len(value))

    out = bytearray()
    column = prefix
    for index, piece in enumerate(pieces):
        if isinstance(piece, bytes):
            width = len(piece)
            following = pieces[index + 1] if index + 1 < len(pieces) else None
            if isinstance(following, Replacement):
                width += _min_word(following)
            if fold_before[index] and column + width > limit and column > 0:
                out += eol
                column = 0
            out += piece
            column += len(piece)
            continue
        at = 0
        first = True
        while at < len(piece.text):
            if first:
                room = max(min(WORD_LIMIT, limit - column), _min_word(piece))
            else:
                room = min(WORD_LIMIT, limit - column - 1)
                if room < _min_word(piece):
                    out += eol
                    column = 0
                    room = min(WORD_LIMIT, limit - 1)
                out += b" "
                column += 1
            word, at = _next_word(piece, at, room)
            out += word
            column += len(word)
            first = False
    return bytes(out)


def _rewrite(
    ctx: Context, header_field: HeaderField, replacements: list[Replacement], structured: bool
) -> Edit:
    """The edit that replaces a whole field with its value re-encoded and folded."""
    source = ctx.source
    prefix = source.data[header_field.start : header_field.colon + 1]
    value = header_field.value
    body = _compose(
        value,
        len(prefix),
        replacements,
        _fold_runs(value, structured),
        limit=int(ctx.param("EW006", "max-chars", EW_LINE)),
        eol=ctx.eol,
    )
    ending = ctx.eol if _line_terminator(source, header_field.last_line) else b""
    return Edit(header_field.start, header_field.end, prefix + body + ending)


def _ascii_compatible(codec: str) -> bool:
    try:
        return "=?a_Z".encode(codec) == b"=?a_Z"
    except (LookupError, UnicodeError):
        return False


def _message_charset(message: ParsedMessage) -> str | None:
    """The codec of the message's text: the first text part with a charset it names."""
    for part in message.mime.walk():
        if part.children or part.maintype != "text" or not part.charset:
            continue
        codec = codec_for(part.charset)
        if codec is not None:
            return codec
    return None


def _read_octets(chunks: list[bytes], hint: str | None) -> str | None:
    """The codec that decodes every chunk strictly: UTF-8, the hint, or chardet's sure guess."""
    candidates = ["utf-8"]
    if hint:
        candidates.append(hint)
    for codec in candidates:
        if all(decode(chunk, codec).ok for chunk in chunks):
            return codec
    found = guess(b" ".join(chunks))
    if found is not None and found.codec != "ascii":
        if all(decode(chunk, found.codec).ok for chunk in chunks):
            return found.codec
    return None


def _target(texts: list[str], hint: str | None) -> tuple[str, str]:
    """(codec, label) to encode the texts in: the message's charset if it holds them, else UTF-8."""
    if hint and _ascii_compatible(hint) and hint != "utf-7":
        try:
            for text in texts:
                text.encode(hint)
        except UnicodeError:
            pass
        else:
            return hint, mime_name(hint)
    return "utf-8", "UTF-8"


def _unstructured_runs(value: bytes) -> list[tuple[int, int, bytes]]:
    """Runs of words holding 8-bit octets: (start, end, octets), words of a run
    separated by white space only."""
    runs: list[tuple[int, int, bytes]] = []
    previous_in_run = False
    for match in NON_WSP_RUN.finditer(value):
        if match.group().isascii():
            previous_in_run = False
            continue
        if previous_in_run:
            start, _, _ = runs[-1]
            runs[-1] = (start, match.end(), value[start : match.end()])
        else:
            runs.append((match.start(), match.end(), match.group()))
        previous_in_run = True
    return runs


def _unquote(quoted: bytes) -> bytes:
    return QUOTED_PAIR.sub(rb"\1", quoted[1:-1])


def _display_name_runs(value: bytes, kind: str) -> list[tuple[int, int, bytes]]:
    """Runs of display-name words holding 8-bit octets (quoted strings unquoted)."""
    parsed = parse_addresses(kind, value)
    if any(not problem.obsolete for problem in parsed.problems):
        raise _Refused("the field does not parse as addresses (AD001)")
    for mailbox in parsed.mailboxes:
        if not (mailbox.local.isascii() and mailbox.domain.isascii()):
            raise _Refused("8-bit octets in an address itself, which needs SMTPUTF8")
    runs: list[tuple[int, int, bytes]] = []
    previous_in_run = False
    for token in tokenize(value):
        if token.kind not in (ATOM, QUOTED) or token.text.isascii():
            previous_in_run = False
            continue
        text = _unquote(token.text) if token.kind == QUOTED else token.text
        between = value[runs[-1][1] : token.start] if runs else b""
        if previous_in_run and token.gap and not between.strip(WSP):
            start, _, octets = runs[-1]
            runs[-1] = (start, token.end, octets + between + text)
        else:
            runs.append((token.start, token.end, text))
        previous_in_run = True
    return runs


def _is_encoded_word(token: bytes) -> bool:
    match = WORD.fullmatch(token)
    return match is not None and match.group("close") is not None


def _pads(value: bytes, start: int, end: int) -> tuple[bytes, bytes]:
    """White space to carry inside a run's words: what separates it from a
    neighbouring encoded word, which readers would otherwise drop."""
    before = after = b""
    left = value[:start]
    stripped = left.rstrip(WSP)
    if stripped != left and _is_encoded_word(stripped.rsplit(None, 1)[-1] if stripped else b""):
        before = left[len(stripped) :]
    right = value[end:]
    trimmed = right.lstrip(WSP)
    if trimmed != right and trimmed and _is_encoded_word(trimmed.split(None, 1)[0]):
        after = right[: len(right) - len(trimmed)]
    return before, after


@repairs("HD006")
def encode_8bit_header(ctx: Context, findings: list[Finding]) -> Iterator[Fix | Skip]:
    """Raw 8-bit text in unstructured fields and display names becomes RFC 2047 words; raw
    file names in Content-Type and Content-Disposition are rewritten by ``names``."""
    # Imported here: names borrows this module's encoded-word writer.
    from maillint.fix.names import encode_raw_names

    hint = _message_charset(ctx.message)
    for finding in findings:
        header_field = ctx.field_of(finding)
        if header_field is None:
            yield Skip("HD006", "the field was not found")
            continue
        try:
            if header_field.key in PARAMETER_FIELDS:
                yield encode_raw_names(ctx, header_field, hint)
            else:
                yield _encode_field(ctx, header_field, hint)
        except _Refused as refused:
            yield Skip("HD006", f"{header_field.name}: {refused}")


def _encode_field(ctx: Context, header_field: HeaderField, hint: str | None) -> Fix:
    value = header_field.value
    if len(value) > MAX_REWRITE:
        raise _Refused(f"longer than {MAX_REWRITE} octets")
    kind = _field_kind(header_field.key)
    if kind == ADDRESS:
        runs = _display_name_runs(value, kind=_address_kind(header_field.key))
        structured = True
    elif kind == TEXT and (
        header_field.key in UNSTRUCTURED_ENCODABLE or header_field.key.startswith("x-")
    ):
        runs = _unstructured_runs(value)
        structured = False
    else:
        raise _Refused("a structured field: only unstructured fields and display names are encoded")
    covered = sum(len(EIGHT_BIT.findall(value, start, end)) for start, end, _ in runs)
    if covered != len(EIGHT_BIT.findall(value)):
        raise _Refused("8-bit octets outside display names (in a comment or an address)")
    codec = _read_octets([octets for _, _, octets in runs], hint)
    if codec is None:
        raise _Refused("the charset of its 8-bit octets cannot be told")
    reader = reader_codec(codec)
    texts = []
    for start, end, octets in runs:
        before, after = _pads(value, start, end)
        texts.append(
            before.decode("ascii")
            + octets.decode(reader if reader != "iso2022_jp" else codec)
            + after.decode("ascii")
        )
    target, label = _target(texts, hint)
    replacements = [
        Replacement(start, end, text, target, label, _letter(target, text.encode(target)))
        for (start, end, _), text in zip(runs, texts, strict=True)
    ]
    edit = _rewrite(ctx, header_field, replacements, structured)
    return Fix(
        ("HD006",),
        (edit,),
        f"{header_field.name} encoded as RFC 2047 words in {label}"
        + ("" if codec == target else f" (its octets read as {mime_name(codec)})"),
    )


def _address_kind(key: str) -> str:
    return ADDRESS_FIELDS.get(key, "address-list")


@repairs("EW001")
def split_long_words(ctx: Context, findings: list[Finding]) -> Iterator[Fix | Skip]:
    """An encoded word over 75 characters becomes several, each of whole characters."""
    limit = int(ctx.param("EW001", "max-chars", WORD_LIMIT))
    seen: set[int] = set()
    for finding in findings:
        found = ctx.owner(ctx.line_of(finding))
        if found is None or found[1] is None:
            yield Skip("EW001", "the field was not found")
            continue
        part, header_field = found
        if header_field.start in seen:
            continue
        seen.add(header_field.start)
        try:
            yield _split_words(ctx, header_field, limit)
        except _Refused as refused:
            yield Skip("EW001", f"{header_field.name}: {refused}")


def _split_words(ctx: Context, header_field: HeaderField, limit: int) -> Fix:
    value = header_field.value
    if len(value) > MAX_REWRITE:
        raise _Refused(f"longer than {MAX_REWRITE} octets")
    kind = _field_kind(header_field.key)
    replacements = []
    for word in field_words(kind, value):
        if not word.closed or word.end - word.start <= limit:
            continue
        if word.malformed or word.unknown_charset:
            raise _Refused("a long encoded word that is malformed or in an unknown charset")
        if word.misplaced:
            raise _Refused("a long encoded word where RFC 2047 allows none: not split")
        match = WORD.match(value, word.start)
        assert match is not None
        label = match.group("charset").decode("ascii")
        letter = match.group("encoding").decode("ascii").upper()
        text = match.group("text")
        codec = codec_for(label.partition("*")[0])
        if codec is None:
            raise _Refused(f"unknown charset {label!r}")
        try:
            octets = (
                binascii.a2b_base64(text) if letter == "B" else binascii.a2b_qp(text, header=True)
            )
        except (binascii.Error, ValueError):
            raise _Refused("its encoded text does not decode") from None
        reader = reader_codec(codec)
        result = decode(octets, codec)
        if not result.ok or result.text is None:
            raise _Refused(f"its octets do not decode as {mime_name(codec)}")
        try:
            result.text.encode(reader)
        except UnicodeError:
            raise _Refused(
                f"it holds characters that {mime_name(codec)} cannot write back"
            ) from None
        replacements.append(Replacement(word.start, word.end, result.text, reader, label, letter))
    if not replacements:
        raise _Refused("no long encoded word found")
    structured = kind != TEXT
    edit = _rewrite(ctx, header_field, replacements, structured)
    return Fix(
        ("EW001",),
        (edit,),
        f"{header_field.name}: {_count(len(replacements), 'long encoded word')} split",
    )
