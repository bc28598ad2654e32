"""Automatic repairs that keep what the message says: ``maillint fix``.

The loop is ruff's fix loop, applied to octets:

1. Parse the message once and lint it; the same ``ParsedMessage`` (its line
   index, header fields and MIME tree) serves the rules and the repairs.
2. Each repair in ``REPAIRS`` (one small function, declared for the rule
   codes it repairs) reads its rules' findings and proposes ``Fix``es, groups
   of ``Edit``s (a range of the current octets and what replaces it) that
   apply together, or ``Skip``s that say why a finding is left alone.
3. A fix whose edits touch an edit already taken in this pass waits for the
   next pass; one that touches signed content is refused unless ``force``.
   The rest are applied in one go, front to back over the sorted edits, so
   every offset refers to the octets the pass parsed.
4. The result is checked: the decoded content of every leaf part (the text
   after transfer decoding, line ends aside; attachment octets exactly) must
   be what it was.  A fix that breaks this is dropped and reported.
5. Repeat on the new octets until a pass proposes nothing.  The last lint is
   the report of what remains, and the output is a fixed point: ``fix`` of a
   fixed message proposes nothing and changes nothing.

Decisions where the issue leaves a choice:

* Line ends.  A file in the Unix storage form (every line ends in LF) keeps
  it: LN003 is only ``info`` there, and ``--line-endings wire`` is how to ask
  for CRLF.  A file that mixes the two keeps the ending most of its lines
  have (``auto``), so a Unix file with a few stray CRLFs becomes a clean Unix
  file; ``--line-endings wire`` (the API's default) always gives CRLF.  Bodies
  declared ``binary`` are data and keep their octets (an SMTP smuggling
  sequence in them excepted: removing it is the point).
* Header folding inserts a line break before existing white space and never
  adds or removes any, so the unfolded value is unchanged (RFC 5322 2.2.3).
  In structured fields it folds only outside quoted strings, comments,
  ``<...>`` and ``[...]``.
* Raw 8-bit header text is decoded as UTF-8 when it is valid UTF-8, else in
  the message's charset, else in a charset chardet is sure of and that
  decodes it strictly; it is then encoded in the message's charset when that
  charset can hold the text, in UTF-8 otherwise.  Only unstructured fields
  and display names are encoded; an address itself cannot be.
* 7-bit transport: the TE002 parameter ``transport`` (``8bit`` by default,
  ``7bit`` in a profile for receivers without 8BITMIME).  With ``7bit``, text
  is re-encoded as quoted-printable (base64 when that is shorter, as for
  Japanese UTF-8), other parts as base64.
* Signed messages: the body and the fields listed in ``h=`` of a
  DKIM-Signature (or ARC-Message-Signature), the field itself, and the content
  of every multipart/signed part are signed.  Converting an all-LF file to
  CRLF is exempt: that is what the transport does to it anyway.
* A file that starts with ``From `` is an mbox: each message is fixed, the
  postmark lines and separators are kept as they are.
"""

from __future__ import annotations

import base64
import binascii
import difflib
import email.utils
import io
import re
import sys
import time
import unicodedata
import uuid
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from maillint import overview
from maillint.carriers import select as select_carriers
from maillint.charsets import (
    codec_for,
    decode,
    guess,
    iso2022jp_escape,
    mime_name,
    reader_codec,
)
from maillint.checks.addresses import ADDRESS_FIELDS, ATOM, QUOTED, parse_addresses, tokenize
from maillint.checks.encoded_words import ADDRESS, TEXT, WORD, _field_kind, field_words
from maillint.decode import body_span, decoded_body, transfer_decode
from maillint.engine import Report, limits_of, resolve_profile, run_rules
from maillint.findings import Finding
from maillint.inputs import GZIP_MAGIC, MBOX_POSTMARK, split_mbox
from maillint.mime import Part
from maillint.parse import HeaderField, ParsedMessage, parse
from maillint.profiles import Profile
from maillint.registry import all_rules
from maillint.source import terminator_of

__all__ = [
    "FixInputError",
    "FixReport",
    "Note",
    "describe",
    "fix_bytes",
    "fix_file",
    "render_diff",
    "summary",
]

CRLF, LF, CR = b"\r\n", b"\n", b"\r"
WSP = b" \t"
CTE = "Content-Transfer-Encoding"
IDENTITY = frozenset({"7bit", "8bit"})
# More passes than any combination of repairs needs: each pass settles at
# least one field or part, and line ends are all settled in the first.
MAX_PASSES = 12
# Longest field value that is re-encoded as RFC 2047 words (octets).
MAX_REWRITE = 16384
QP_LINE = 76  # RFC 2045 6.7 (5)
BASE64_LINE = 76  # RFC 2045 6.8
WORD_LIMIT = 75  # RFC 2047 2
EW_LINE = 76  # RFC 2047 2
DKIM_FIELDS = frozenset({"dkim-signature", "arc-message-signature"})

BREAK = re.compile(rb"\r\n|\r|\n")
# A line holding a single dot, with the line breaks around it (as LN007 reads it).
LONE_DOT = re.compile(rb"(\r\n|\n|\r)\.(?=(\r\n|\n|\r))")
WSP_RUN = re.compile(rb"[ \t]+")
# ISO-2022-JP designations (RFC 1468 and its extensions), and those back to ASCII.
JIS_SWITCH = re.compile(rb"\x1b(?:\$\(?[@-Z]|\([@-Z])")
JIS_TO_ASCII = frozenset({b"\x1b(B", b"\x1b(J"})
# A CR not followed by LF and not right after "=" (a quoted-printable soft break).
BARE_CR_NOT_SOFT = re.compile(rb"(?<!=)\r(?!\n)")
NON_WSP_RUN = re.compile(rb"[^ \t]+")
EIGHT_BIT = re.compile(rb"[\x80-\xff]")
# What a structured field's fold scan stops at (RFC 5322 3.2): a quoted pair,
# the delimiters of quoted strings, comments, angle addresses and domain
# literals, and runs of white space.
STRUCTURE = re.compile(rb'\\.|["()<>\[\]]|[ \t]+', re.DOTALL)
QUOTED_PAIR = re.compile(rb"\\(.)", re.DOTALL)
# A DKIM tag (RFC 6376 3.2): name = value, up to the next ";".
DKIM_TAG = re.compile(rb"([A-Za-z][A-Za-z0-9_]*)[ \t\r\n]*=([^;]*)")
BASE64_TEXT = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
# Q text safe in every place a word may stand, a display name included
# (RFC 2047 5(3)): letters, digits and ! * + - /.
Q_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!*+-/")
PRINTABLE_LINE = re.compile(rb"[\x20-\x5b\x5d-\x7e]*")
KEPT_STORED = (
    "kept the Unix storage form (every line ends in LF); --line-endings wire converts it to CRLF"
)
UNSTRUCTURED_ENCODABLE = frozenset(
    {"subject", "comments", "content-description", "organization", "thread-topic"}
)


# -- what repairs produce ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace ``data[start:end]`` (empty: insert at ``start``) with ``data``."""

    start: int
    end: int
    data: bytes


@dataclass(frozen=True)
class Fix:
    """Edits that repair one thing, applied together or not at all.

    ``codes`` are the rules it repairs (the first is the one it is filed
    under).  ``adds`` names the message-header fields it adds (a field that a
    DKIM signature lists must not be added).  ``content`` marks a fix whose
    point is to change decoded content (an SMTP smuggling sequence in a binary
    part); ``neutral`` one that no signature can notice; ``divisible`` one
    whose edits may be applied one without the other (line ends).
    """

    codes: tuple[str, ...]
    edits: tuple[Edit, ...]
    message: str
    adds: tuple[str, ...] = ()
    content: bool = False
    neutral: bool = False
    divisible: bool = False

    @property
    def key(self) -> tuple[tuple[str, ...], str]:
        return self.codes, self.message


@dataclass(frozen=True)
class Skip:
    """A finding (or kind of finding) the repair leaves alone, and why."""

    code: str
    reason: str


@dataclass(frozen=True)
class FixOptions:
    """How to repair: the line-ending form, and the two opt-ins."""

    line_endings: str = "wire"
    add_missing: bool = False
    force: bool = False


@dataclass(frozen=True)
class Note:
    """A line of the fix report: what was fixed, or not and why; ``count`` times."""

    codes: tuple[str, ...]
    message: str
    count: int = 1

    @property
    def names(self) -> str:
        rules = all_rules()
        return ", ".join(rules[code].name for code in self.codes if code in rules)

    def to_dict(self) -> dict[str, object]:
        return {"codes": list(self.codes), "message": self.message, "count": self.count}


@dataclass
class FixReport:
    """What ``fix`` did to one message: fixed, left alone (and why), what remains.

    ``remaining`` is the lint report of the fixed message; ``changed`` says
    whether any octet changed; ``passes`` how many fix passes changed it.
    """

    path: str
    index: int | None
    fixed: list[Note]
    skipped: list[Note]
    remaining: Report
    changed: bool
    passes: int

    def fails(self, fail_on) -> bool:
        """True when a remaining finding reaches ``fail_on``."""
        return self.remaining.fails(fail_on)

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "index": self.index,
            "changed": self.changed,
            "passes": self.passes,
            "fixed": [note.to_dict() for note in self.fixed],
            "skipped": [note.to_dict() for note in self.skipped],
            "remaining": self.remaining.to_dict(),
        }


# -- the context a repair works in ----------------------------------------------


@dataclass(frozen=True)
class Signed:
    """A range of the octets that a signature covers, and whose signature."""

    start: int
    end: int
    why: str


class Context:
    """One pass: the parsed message, its settings, and lookups the repairs share."""

    def __init__(
        self,
        message: ParsedMessage,
        profile: Profile,
        overlays: list[Profile],
        options: FixOptions,
        base: int,
        findings: list[Finding] | None = None,
    ) -> None:
        self.message = message
        self.findings = findings or []
        self.source = message.source
        self.data = message.source.data
        self.profile = profile
        self.overlays = overlays
        self.options = options
        self.base = base
        self.eol = LF if message.form == "stored" else CRLF
        self._owners: tuple[list[int], list[tuple[int, Part, bool]]] | None = None
        self._signed: tuple[list[Signed], set[str], str] | None = None

    # -- settings

    def param(self, code: str, key: str, default: Any) -> Any:
        """A rule parameter as the run uses it: a carrier overlay's, else the profile's."""
        for overlay in reversed(self.overlays):
            setting = overlay.settings.get(code)
            if setting is not None and key in setting.params:
                return setting.params[key]
        setting = self.profile.settings.get(code)
        if setting is not None and key in setting.params:
            return setting.params[key]
        return default

    def enabled(self, code: str) -> bool:
        setting = self.profile.settings.get(code)
        return setting is not None and setting.severity is not None

    # -- places

    def offset(self, finding: Finding) -> int:
        """A finding's offset in this message's octets."""
        return finding.offset - self.base

    def line_of(self, finding: Finding) -> int:
        return self.source.line_index_at(self.offset(finding))

    def owner(self, index: int) -> tuple[Part, HeaderField | None] | None:
        """The part whose header (with the field) or leaf body holds line ``index``."""
        if self._owners is None:
            spans: list[tuple[int, Part, bool]] = []
            starts: list[int] = []
            for part in self.message.mime.walk():
                spans.append((part.start, part, True))
                if not part.children:
                    spans.append((part.body_start, part, False))
            spans.sort(key=lambda item: item[0])
            starts = [start for start, _, _ in spans]
            self._owners = starts, spans
        starts, spans = self._owners
        position = bisect_right(starts, index) - 1
        while position >= 0:
            start, part, is_header = spans[position]
            stop = part.body_start if is_header else part.end
            if start <= index < stop:
                if not is_header:
                    return part, None
                found = _field_at_line(part.header.fields, index)
                return (part, found) if found is not None else None
            if start < index and not is_header:
                return None  # in a part's body range but past its end: a delimiter line
            position -= 1
        return None

    def leaf(self, path: str | None) -> Part | None:
        """The leaf part at a finding's path (None: the message itself)."""
        wanted = path or ""
        for part in self.message.mime.walk():
            if part.path == wanted and not part.children:
                return part
        return None

    def also(self, part: Part, codes: tuple[str, ...]) -> set[str]:
        """Which of ``codes`` are reported for a part's body (TE by its path, LN by its lines)."""
        found = set()
        for finding in self.findings:
            if finding.code not in codes:
                continue
            if finding.code.startswith("LN"):
                index = self.line_of(finding)
                if part.body_start <= index < part.end and not part.children:
                    found.add(finding.code)
            elif (finding.part or "") == part.path:
                found.add(finding.code)
        return found

    def root_field(self, finding: Finding) -> HeaderField | None:
        """The message-header field that holds a finding's offset."""
        offset = self.offset(finding)
        for header_field in self.message.header.fields:
            if header_field.start <= offset < header_field.end:
                return header_field
        return None

    # -- signatures

    def _signatures(self) -> tuple[list[Signed], set[str], str]:
        if self._signed is None:
            self._signed = _signed_content(self.message)
        return self._signed

    def signed_ranges(self) -> list[Signed]:
        return self._signatures()[0]

    def refuses(self, fix: Fix) -> str | None:
        """Why a fix may not be applied without ``force``: the signature it breaks."""
        ranges, names, signer = self._signatures()
        for edit in fix.edits:
            for signed in ranges:
                if _inside(edit, signed.start, signed.end):
                    return signed.why
        for name in fix.adds:
            if name.lower() in names:
                return f"{signer} signs the {name} field (h=): adding one breaks it"
        return None


def _field_at_line(fields: list[HeaderField], index: int) -> HeaderField | None:
    position = bisect_right([f.first_line for f in fields], index) - 1
    if position >= 0 and fields[position].last_line >= index:
        return fields[position]
    return None


def _inside(edit: Edit, start: int, end: int) -> bool:
    """Whether an edit changes octets of ``[start, end)`` (an insertion: strictly inside)."""
    if edit.start == edit.end:
        return start < edit.start < end
    return edit.start < end and start < edit.end


def _signed_content(message: ParsedMessage) -> tuple[list[Signed], set[str], str]:
    """The signed ranges, the field names DKIM signs, and who signs (for messages)."""
    ranges: list[Signed] = []
    names: set[str] = set()
    signers: list[str] = []
    header = message.header
    for header_field in header.fields:
        if header_field.key not in DKIM_FIELDS:
            continue
        tags = {m.group(1).lower(): m.group(2) for m in DKIM_TAG.finditer(header_field.value)}
        listed = tags.get(b"h", b"").replace(b" ", b"").replace(b"\t", b"")
        names |= {n.decode("latin-1").lower() for n in listed.split(b":") if n}
        domain = tags.get(b"d", b"").strip(b" \t").decode("latin-1")
        signers.append(f"{header_field.name} (d={domain})" if domain else header_field.name)
    signer = signers[0] if signers else ""
    if signers:
        names |= DKIM_FIELDS
        ranges.append(
            Signed(message.body_offset, len(message.source.data), f"{signer} signs the body")
        )
        for header_field in header.fields:
            if header_field.key in names:
                ranges.append(
                    Signed(
                        header_field.start,
                        header_field.end,
                        f"{signer} signs the {header_field.name} field",
                    )
                )
    source = message.source
    for part in message.mime.walk():
        if part.type == "multipart/signed" and part.body_start < part.end:
            start, end = body_span(source, part)
            where = f"part {part.path}" if part.path else "the message"
            ranges.append(
                Signed(start, end, f"{where} is multipart/signed: its signature covers it")
            )
    return ranges, names, signer


# -- the table of repairs ---------------------------------------------------------

Repair = Callable[[Context, list[Finding]], Iterator[Fix | Skip]]
REPAIRS: dict[str, Repair] = {}


def repairs(*codes: str) -> Callable[[Repair], Repair]:
    """Declare a repair for rule ``codes``; declaration order is priority order."""

    def register(function: Repair) -> Repair:
        for code in codes:
            if code in REPAIRS:
                raise ValueError(f"two repairs for {code}")
            REPAIRS[code] = function
        return function

    return register


# -- shared helpers ----------------------------------------------------------------


def _count(number: int, word: str) -> str:
    return f"{number} {word}" + ("" if number == 1 else "s")


def _part_label(part: Part) -> str:
    if not part.path:
        return "the message body"
    return f"part {part.path}" + (" (forwarded message)" if part.embedded else "")


def _line_terminator(source, index: int) -> bytes:
    return terminator_of(source.raw_lines[index])


def _content_end(source, header_field: HeaderField) -> int:
    """Offset just past a field's last octet before its line break."""
    return header_field.end - len(_line_terminator(source, header_field.last_line))


def _is_root(ctx: Context, part: Part) -> bool:
    return part is ctx.message.mime


def _header_insert(ctx: Context, part: Part, lines: list[bytes]) -> Edit | str:
    """An insertion of new fields at the end of a part's header, or why not."""
    header = part.header
    if header.separator is None:
        return "its header section has no empty line after it"
    if header.fields:
        last = header.fields[-1]
        if not _line_terminator(ctx.source, last.last_line):
            return "its last header line has no line break"
        offset = last.end
    else:
        offset = ctx.source.starts[header.separator]
    return Edit(offset, offset, b"".join(line + ctx.eol for line in lines))


def _mime_version_needed(ctx: Context, part: Part) -> list[bytes]:
    """``MIME-Version: 1.0`` when a Content-* field is added to a message without one."""
    if _is_root(ctx, part) and ctx.message.header.get("mime-version") is None:
        return [b"MIME-Version: 1.0"]
    return []


def _set_encoding(ctx: Context, part: Part, token: bytes) -> tuple[list[Edit], tuple[str, ...]]:
    """Edits that declare a part's Content-Transfer-Encoding (and names of added fields)."""
    found = part.header.get_all(CTE)
    if len(found) > 1:
        raise _Refused("it has more than one Content-Transfer-Encoding field")
    if found:
        existing = found[0]
        return [Edit(existing.value_offset, _content_end(ctx.source, existing), b" " + token)], ()
    extra = _mime_version_needed(ctx, part)
    edit = _header_insert(ctx, part, [*extra, b"Content-Transfer-Encoding: " + token])
    if isinstance(edit, str):
        raise _Refused(edit)
    return [edit], ("MIME-Version", CTE) if extra else (CTE,)


def _with_version(adds: tuple[str, ...]) -> str:
    return ", with MIME-Version: 1.0" if "MIME-Version" in adds else ""


class FixInputError(ValueError):
    """An input ``fix`` cannot write back as it read it (a compressed mbox)."""


class _Refused(Exception):
    """Raised inside a repair's helpers: this thing cannot be repaired, and why."""


def _normalise(data: bytes) -> bytes:
    return data.replace(CRLF, LF).replace(CR, LF)


# -- line ends: LN003, LN004, LN007 ------------------------------------------------


PLAIN, BINARY, QP = "plain", "binary", "quoted-printable"


def _regions(message: ParsedMessage) -> list[tuple[int, int, str]]:
    """The message cut into ranges by how their line ends may change: the bodies
    of leaf parts declared binary (data) and quoted-printable (a CR may belong
    to a soft break), and the rest."""
    spans = []
    for part in message.mime.walk():
        if part.children or part.body_start >= part.end or part.encoding not in (BINARY, QP):
            continue
        start, end = body_span(message.source, part)
        spans.append((start, end, part.encoding))
    spans.sort()
    regions: list[tuple[int, int, str]] = []
    position = 0
    for start, end, kind in spans:
        regions.append((position, start, PLAIN))
        regions.append((start, end, kind))
        position = end
    regions.append((position, len(message.source.data), PLAIN))
    return [region for region in regions if region[0] < region[1]]


def _line_end_target(ctx: Context, codes: set[str]) -> bytes:
    """The line end to write: the form's, or in ``auto`` the one most lines already have."""
    if ctx.message.form == "stored":
        return LF
    if ctx.options.line_endings == "auto" and "LN003" in codes:
        data = ctx.data
        crlf = data.count(CRLF)
        if data.count(LF) - crlf > crlf:
            return LF
    return CRLF


Choice = Callable[[int, bytes], "bytes | None"]


def _convert(data: bytes, start: int, end: int, choose: Choice) -> tuple[bytes, Counter]:
    """``data[start:end]`` with each line end replaced by what ``choose`` says (None: kept)."""
    pieces: list[bytes] = []
    counts: Counter = Counter()
    last = start
    for match in BREAK.finditer(data, start, end):
        ending = match.group()
        replacement = choose(match.start(), ending)
        if replacement is not None and replacement != ending:
            pieces.append(data[last : match.start()])
            pieces.append(replacement)
            last = match.end()
            counts[ending] += 1
    pieces.append(data[last:end])
    return b"".join(pieces), counts


def _cut(start: int, end: int, points: list[int]) -> list[tuple[int, int]]:
    """``[start, end)`` cut at the given points."""
    inner = sorted({p for p in points if start < p < end})
    edges = [start, *inner, end]
    return list(zip(edges, edges[1:], strict=False))


def _soft_break_cr(data: bytes, at: int) -> bool:
    """A bare CR right after a quoted-printable ``=`` and before a line end: decoders
    read ``=`` CR ... LF as one soft line break, so the CR is removed, not doubled."""
    return data[at - 1 : at] == b"=" and data[at + 1 : at + 2] in (CR, LF)


@repairs("LN003", "LN004", "LN007")
def line_endings(ctx: Context, findings: list[Finding]) -> Iterator[Fix | Skip]:
    """Bare LF and CR, and smuggling sequences, become the file's line end."""
    codes = {f.code for f in findings}
    data = ctx.data
    if "LN003" in codes and ctx.message.form == "stored":
        codes.discard("LN003")
        yield Skip("LN003", KEPT_STORED)
    if not codes:
        return
    target = _line_end_target(ctx, codes)
    dots: set[int] = set()
    if "LN007" in codes:
        stored = ctx.message.form == "stored"
        for match in LONE_DOT.finditer(data):
            before, after = match.group(1), match.group(2)
            if before == after == CRLF or (stored and before == after == LF):
                continue
            dots.update((match.start(1), match.end()))
    regions = _regions(ctx.message)
    if target == LF and any(CR in data[s:e] for s, e, kind in regions if kind == BINARY):
        target = CRLF  # a file keeps LF only when no CR is left, and binary parts keep theirs

    def plain(at: int, ending: bytes) -> bytes | None:
        if at in dots:
            return target
        if ending == LF and "LN003" in codes:
            return target
        if ending == CR and "LN004" in codes:
            return target
        if ending == CRLF and "LN003" in codes and target == LF:
            return target  # CRLF in a file going back to LF
        return None

    def quoted(at: int, ending: bytes) -> bytes | None:
        if ending == CR and _soft_break_cr(data, at) and ("LN004" in codes or at in dots):
            return b""
        if ending == CR and data[at - 1 : at] == b"=":
            return None  # "=" CR then text: one soft break to decoders, kept
        return plain(at, ending)

    def binary(at: int, ending: bytes) -> bytes | None:
        return target if at in dots else None

    neutral = CR not in data and target == CRLF  # stored form to wire form: the transport's job
    cuts = [] if neutral else [p for s in ctx.signed_ranges() for p in (s.start, s.end)]
    edits: list[Edit] = []
    smuggling: list[Edit] = []
    totals: Counter = Counter()
    kept: Counter = Counter()  # line ends left: in binary bodies, in soft breaks
    for start, end, kind in regions:
        choose = {PLAIN: plain, QP: quoted, BINARY: binary}[kind]
        for piece_start, piece_end in _cut(start, end, cuts):
            new, counts = _convert(data, piece_start, piece_end, choose)
            if kind != PLAIN:
                left = _convert(data, piece_start, piece_end, plain)[1]
                kept[kind] += sum(left.values()) - sum(counts.values())
            if not counts:
                continue
            if kind == BINARY:
                smuggling.append(Edit(piece_start, piece_end, new))
            else:
                totals += counts
                edits.append(Edit(piece_start, piece_end, new))
    name = "CRLF" if target == CRLF else "LF (the file's own line end)"
    for kind, why in (
        (BINARY, "in parts declared binary: their octets are data"),
        (QP, "inside quoted-printable soft line breaks"),
    ):
        if kept[kind] > 0:
            for code in sorted(codes & {"LN003", "LN004"}):
                yield Skip(code, f"{_count(kept[kind], 'line end')} {why}")
    if edits:
        said = [
            _count(totals[ending], label)
            for ending, label in ((LF, "bare LF"), (CR, "bare CR"), (CRLF, "CRLF"))
            if totals[ending]
        ]
        fixed = tuple(
            code
            for code, done in (
                ("LN003", totals[LF] or totals[CRLF]),
                ("LN004", totals[CR]),
                ("LN007", dots),
            )
            if code in codes and done
        )
        yield Fix(
            fixed or tuple(sorted(codes)),
            tuple(edits),
            f"{' and '.join(said)} made {name}",
            neutral=neutral,
            divisible=True,
        )
    if smuggling:
        yield Fix(
            ("LN007",),
            tuple(smuggling),
            f"line breaks around a lone dot in a binary part made {name}",
            content=True,
            divisible=True,
        )


# -- LN009: the final line break ------------------------------------------------------


@repairs("LN009")
def final_newline(ctx: Context, findings: list[Finding]) -> Iterator[Fix | Skip]:
    """A line break at the end of the message, as SMTP clients add one."""
    data = ctx.data
    for part in ctx.message.mime.walk():
        if part.children or part.encoding != "binary":
            continue
        if body_span(ctx.source, part)[1] == len(data):
            yield Skip("LN009", "the message ends in a binary part, whose octets are data")
            return
    yield Fix(("LN009",), (Edit(len(data), len(data), ctx.eol),), "line break added at the end")


# -- HD004 and HD005: header syntax -----------------------------------------------------


@repairs("HD004")
def whitespace_only_lines(ctx: Context, findings: list[Finding]) -> Iterator[Fix | Skip]:
    """A folded line made only of white space is removed (its field keeps its text)."""
    for finding in findings:
        line = ctx.source.line(ctx.line_of(finding))
        yield Fix(
            ("HD004",),
            (Edit(line.start, line.end, b""),),
            f"removed a white-space-only line from {finding.field}",
        )


@repairs("HD005")
def space_before_colon(ctx: Context, findings: list[Finding]) -> Iterator[Fix | Skip]:
    """``Subject : x`` becomes ``Subject: x``."""
    for finding in findings:
        header_field = ctx.root_field(finding)
        if header_field is None:
            yield Skip("HD005", "the field was not found")
            continue
        name_end = header_field.start + len(header_field.raw_name)
        yield Fix(
            ("HD005",),
            (Edit(name_end, header_field.colon, b""),),
            f"removed white space before the colon of {header_field.name}",
        )


# -- MM001: MIME-Version --------------------------------------------------------------


@repairs("MM001")
def mime_version(ctx: Context, findings: list[Finding]) -> Iterator[Fix | Skip]:
    """``MIME-Version: 1.0`` added before the first Content-* field, or a wrong value made 1.0."""
    header = ctx.message.header
    existing = header.get_all("mime-version")
    if len(existing) > 1:
        yield Skip("MM001", "more than one MIME-Version field")
        return
    if existing:
        version = existing[0]
        yield Fix(
            ("MM001",),
            (Edit(version.value_offset, _content_end(ctx.source, version), b" 1.0"),),
            "MIME-Version set to 1.0 (the only version there is)",
        )
        return
    first = next(
        (f for f in header.fields if f.key.startswith("content-") and f.key != "content-length"),
        None,
    )
    if first is None:
        yield Skip("MM001", "no Content-* field found")
        return
    yield Fix(
        ("MM001",),
        (Edit(first.start, first.start, b"MIME-Version: 1.0" + ctx.eol),),
        "MIME-Version: 1.0 added",
        adds=("MIME-Version",),
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
    """Raw 8-bit text in unstructured fields and display names becomes RFC 2047 words."""
    hint = _message_charset(ctx.message)
    for finding in findings:
        header_field = ctx.root_field(finding)
        if header_field is None:
            yield Skip("HD006", "the field was not found")
            continue
        try:
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


# -- long lines: LN001, LN002 (and EW006, the same fold) -------------------------------------


@repairs("LN001", "LN002", "EW006")
def long_lines(ctx: Context, findings: list[Finding]) -> Iterator[Fix | Skip]:
    """Header lines are folded at white space; text bodies re-encoded as quoted-printable."""
    limits = {
        "LN001": int(ctx.param("LN001", "max-octets", 998)),
        "LN002": int(ctx.param("LN002", "max-chars", 78)),
        "EW006": int(ctx.param("EW006", "max-chars", EW_LINE)),
    }
    header_lines: dict[int, tuple[HeaderField, int, set[str]]] = {}
    bodies: dict[int, tuple[Part, set[str]]] = {}
    for finding in findings:
        index = ctx.line_of(finding)
        found = ctx.owner(index)
        if found is None:
            yield Skip(finding.code, "a line outside every header field and part body")
            continue
        part, header_field = found
        if header_field is not None:
            old = header_lines.get(index)
            limit = min(limits[finding.code], old[1]) if old else limits[finding.code]
            header_lines[index] = (header_field, limit, (old[2] if old else set()) | {finding.code})
        else:
            entry = bodies.setdefault(id(part), (part, set()))
            entry[1].add(finding.code)
    by_field: dict[int, list[tuple[int, int, set[str]]]] = {}
    fields: dict[int, HeaderField] = {}
    for index, (header_field, limit, codes) in sorted(header_lines.items()):
        by_field.setdefault(header_field.start, []).append((index, limit, codes))
        fields[header_field.start] = header_field
    for start, lines in by_field.items():
        yield from _fold_field(ctx, fields[start], lines)
    for part, codes in bodies.values():
        yield from _long_body(ctx, part, codes)


def _fold_field(
    ctx: Context, header_field: HeaderField, lines: list[tuple[int, int, set[str]]]
) -> Iterator[Fix | Skip]:
    source = ctx.source
    structured = _field_kind(header_field.key) != TEXT
    runs = _fold_runs(header_field.value, structured)
    edits: list[Edit] = []
    codes: set[str] = set()
    pieces = header_field.pieces
    for index, limit, line_codes in lines:
        number = index - header_field.first_line
        value_start, offset = pieces[number]
        value_end = pieces[number + 1][0] if number + 1 < len(pieces) else len(header_field.value)
        line = source.line(index)
        shift = offset - line.start - value_start  # column of value index i is i + shift
        candidates = [s + shift for s, e in runs if value_start < s and e < value_end]
        folds = _greedy(candidates, len(line.content), limit)
        if not folds:
            for code in sorted(line_codes):
                yield Skip(code, f"{header_field.name}: no white space to fold the line at")
            continue
        codes |= line_codes
        edits.extend(Edit(line.start + column, line.start + column, ctx.eol) for column in folds)
    if edits:
        yield Fix(
            tuple(sorted(codes)),
            tuple(edits),
            f"folded the {header_field.name} field at white space",
        )


def _greedy(candidates: list[int], length: int, limit: int) -> list[int]:
    """Columns to fold a line of ``length`` at, each line within ``limit`` where it can be."""
    folds: list[int] = []
    start = 0
    position = 0
    while length - start > limit:
        fitting = [c for c in candidates[position:] if start < c <= start + limit]
        if fitting:
            chosen = fitting[-1]
        else:
            later = [c for c in candidates[position:] if c > start]
            if not later:
                break
            chosen = later[0]
        folds.append(chosen)
        start = chosen
        position = candidates.index(chosen) + 1
    return folds


def _long_body(ctx: Context, part: Part, codes: set[str]) -> Iterator[Fix | Skip]:
    label = _part_label(part)
    encoding = part.encoding
    try:
        if encoding == "base64":
            yield _rewrap(ctx, part, tuple(sorted(codes)))
        elif part.maintype == "text" and encoding in (*IDENTITY, "quoted-printable"):
            settled = codes | ctx.also(part, ("TE002",))  # quoted-printable is 7-bit too
            yield _reencode(ctx, part, tuple(sorted(settled)), force_qp=True)
        else:
            reason = f"{label} is {part.type}, {encoding}: only text parts are re-encoded"
            for code in sorted(codes):
                yield Skip(code, reason)
    except _Refused as refused:
        for code in sorted(codes):
            yield Skip(code, f"{label}: {refused}")


# -- re-encoding bodies: quoted-printable, base64 ------------------------------------------


def _qp_token(octet: int) -> bytes:
    if 33 <= octet <= 126 and octet != 61 or octet in (9, 32):
        return bytes((octet,))
    return b"=%02X" % octet


QP_TOKENS = tuple(_qp_token(octet) for octet in range(256))


def _qp_line(line: bytes) -> list[bytes]:
    """One line of text as quoted-printable lines: soft breaks keep each within 76,
    and no line starts with a dot (SMTP's end-of-data, LN008) or ``From ``
    (mbox quoting)."""
    encoded = binascii.b2a_qp(line, quotetabs=False, istext=False, header=False)
    pieces = encoded.split(b"=\n")
    if not any(p[:1] == b"." or p[:5] == b"From " for p in pieces):
        return pieces
    tokens = [QP_TOKENS[octet] for octet in line]
    if line[-1:] in (b" ", b"\t"):
        tokens[-1] = b"=%02X" % line[-1]  # white space ending a line is encoded (rule 3)
    out: list[bytes] = []
    current = b""
    for index, token in enumerate(tokens):
        if len(current) + len(token) > QP_LINE - 1:
            out.append(current)
            current = b""
        if not current and (token == b"." or line[index : index + 5] == b"From "):
            token = b"=%02X" % line[index]
        current += token
    out.append(current)
    return out


def _qp_body(lines: list[bytes], ends: bool, eol: bytes) -> bytes:
    """Lines of text (their octets, without line breaks) as quoted-printable:
    one hard line break between them (and after the last when ``ends``),
    soft breaks keeping every line within 76 characters."""
    encoded = [(b"=" + eol).join(_qp_line(line)) for line in lines]
    return eol.join(encoded) + (eol if ends and lines else b"")


def _qp_lines(raw: bytes) -> tuple[list[bytes], bool]:
    """The decoded lines of a quoted-printable body, as the decoder reads it
    (``_qp_line_ends``; ``=`` before a line end is a soft break), and whether
    it ends with a line break.  An encoded CR stays data
    in its line and is encoded again."""
    decoded = binascii.a2b_qp(_qp_line_ends(raw))
    lines = decoded.split(LF)
    ends = decoded.endswith(LF)
    return (lines[:-1] if ends else lines), ends


def _base64_body(octets: bytes, eol: bytes, *, final: bool) -> bytes:
    """base64 in lines of 76; a line break after the last only where the message ends
    (before a delimiter, the line break belongs to the delimiter)."""
    data = base64.b64encode(octets)
    lines = eol.join(data[i : i + BASE64_LINE] for i in range(0, len(data), BASE64_LINE))
    return lines + eol if final else lines


def _reencode(ctx: Context, part: Part, codes: tuple[str, ...], *, force_qp: bool = False) -> Fix:
    """The part's body re-encoded: quoted-printable for text (base64 when that is
    much shorter and ``force_qp`` is not set), base64 for anything else."""
    if part.header.separator is None:
        raise _Refused("its header section has no empty line after it")
    start, end = body_span(ctx.source, part)
    raw = ctx.data[start:end]
    final = end == len(ctx.data)
    if part.encoding == "quoted-printable":
        lines, ends = _qp_lines(raw)
        body, token = _qp_body(lines, ends, ctx.eol), b"quoted-printable"
    elif part.maintype == "text" and (force_qp or len(EIGHT_BIT.findall(raw)) * 6 <= len(raw)):
        body = _qp_body(raw.splitlines(), raw[-1:] in (CR, LF), ctx.eol)
        token = b"quoted-printable"
    else:
        octets = raw
        if final:
            # The message's last line break is the transport's, not the part's.
            octets = octets[: len(octets) - len(terminator_of(octets))]
        if part.maintype == "text":
            # Text's canonical line break is CRLF (RFC 2045 6.8, RFC 2046 4.1.1).
            ending = CRLF if octets[-1:] in (CR, LF) else b""
            octets = CRLF.join(octets.splitlines()) + ending
        body, token = _base64_body(octets, ctx.eol, final=final), b"base64"
    edits, adds = _set_encoding(ctx, part, token)
    edits.append(Edit(start, end, body))
    name = token.decode("ascii")
    why = "no line over 76" if token == b"quoted-printable" else "7-bit"
    return Fix(
        codes,
        tuple(edits),
        f"{_part_label(part)} re-encoded as {name} ({why})" + _with_version(adds),
        adds=adds,
    )


def _rewrap(ctx: Context, part: Part, codes: tuple[str, ...]) -> Fix:
    start, end = body_span(ctx.source, part)
    raw = ctx.data[start:end]
    if raw.translate(None, BASE64_TEXT + b" \t\r\n"):
        raise _Refused("its base64 data holds other characters (TE003)")
    data = raw.translate(None, b" \t\r\n")
    lines = [data[i : i + BASE64_LINE] for i in range(0, len(data), BASE64_LINE)]
    body = ctx.eol.join(lines) + (ctx.eol if raw[-1:] in (CR, LF) and lines else b"")
    return Fix(codes, (Edit(start, end, body),), f"{_part_label(part)}: base64 re-wrapped at 76")


# -- transfer encodings: TE002, TE004 ---------------------------------------------------------


@repairs("TE002")
def declare_8bit(ctx: Context, findings: list[Finding]) -> Iterator[Fix | Skip]:
    """Declare 8bit, or re-encode when the profile's transport is 7-bit."""
    transport = str(ctx.param("TE002", "transport", "8bit")).lower()
    if transport not in ("7bit", "8bit"):
        yield Skip("TE002", f"the profile's TE002 transport is {transport!r}, not 7bit or 8bit")
        return
    for finding in findings:
        part = ctx.leaf(finding.part)
        if part is None:
            yield Skip("TE002", "the part was not found")
            continue
        try:
            if transport == "8bit":
                edits, adds = _set_encoding(ctx, part, b"8bit")
                yield Fix(
                    ("TE002",),
                    tuple(edits),
                    f"{_part_label(part)} declared Content-Transfer-Encoding: 8bit"
                    + _with_version(adds),
                    adds=adds,
                )
            elif (
                part.encoding == "binary" or part.header.get(CTE) and part.encoding not in IDENTITY
            ):
                yield Skip("TE002", f"{_part_label(part)}: its encoding is {part.encoding}")
            else:
                settled = {"TE002"} | ctx.also(part, ("LN001", "LN002"))
                yield _reencode(ctx, part, tuple(sorted(settled)))
        except _Refused as refused:
            yield Skip("TE002", f"{_part_label(part)}: {refused}")


@repairs("TE004")
def rewrap_base64(ctx: Context, findings: list[Finding]) -> Iterator[Fix | Skip]:
    """base64 lines re-wrapped at 76 characters (the data unchanged)."""
    for path in dict.fromkeys(f.part for f in findings):
        part = ctx.leaf(path)
        if part is None:
            yield Skip("TE004", "the part was not found")
            continue
        try:
            yield _rewrap(ctx, part, ("TE004",))
        except _Refused as refused:
            yield Skip("TE004", f"{_part_label(part)}: {refused}")


# -- CS003: the missing charset ------------------------------------------------------------------


# Charsets in which CR, LF and ASCII are not single octets: a text/* body may not
# be in them (RFC 2046 4.1.1), and a line-ending repair would break their text.
NOT_ASCII_COMPATIBLE = re.compile(r"utf[-_]?(16|32)([-_]?[bl]e)?|utf[-_]?7", re.IGNORECASE)


@repairs("CS003")
def add_charset(ctx: Context, findings: list[Finding]) -> Iterator[Fix | Skip]:
    """The charset the text decodes in, when chardet and a strict decode agree."""
    for finding in findings:
        part = next(
            (
                p
                for p in ctx.message.mime.walk()
                if p.path == (finding.part or "") and p.maintype == "text"
            ),
            None,
        )
        if part is None:
            yield Skip("CS003", "the part was not found")
            continue
        try:
            yield _add_charset(ctx, part)
        except _Refused as refused:
            yield Skip("CS003", f"{_part_label(part)}: {refused}")


def _add_charset(ctx: Context, part: Part) -> Fix:
    data = decoded_body(ctx.source, part)
    found = guess(data, 0)
    if found is None or found.codec == "ascii":
        raise _Refused("no confident guess of its charset")
    if NOT_ASCII_COMPATIBLE.fullmatch(found.codec):
        raise _Refused(
            f"the guess {mime_name(found.codec)} is not ASCII-compatible, "
            "which text/* may not use (RFC 2046 4.1.1, RFC 2781 1)"
        )
    if not decode(data, found.codec).ok:
        raise _Refused(f"the text does not decode strictly as {mime_name(found.codec)}")
    if not found.codec.startswith("iso2022") and iso2022jp_escape(data) >= 0:
        raise _Refused("8-bit text with ISO-2022-JP escape sequences: no charset fits it (CS002)")
    label = mime_name(found.codec).encode("ascii")
    content_type = part.header.get_all("content-type")
    if len(content_type) > 1:
        raise _Refused("it has more than one Content-Type field")
    if content_type:
        header_field = content_type[0]
        parsed = part.content_type
        if parsed is None or parsed.problems:
            raise _Refused("its Content-Type does not parse (MM002)")
        value = header_field.value
        kept = value.rstrip(WSP)
        if kept.endswith(b";"):
            kept = kept[:-1].rstrip(WSP)
        start = header_field.offset_of(len(kept)) if kept else header_field.value_offset
        end = _content_end(ctx.source, header_field)
        last_line = ctx.source.line(header_field.last_line)
        column = start - last_line.start if start >= last_line.start else len(kept)
        addition = b"; charset=" + label
        if column + len(addition) > int(ctx.param("LN002", "max-chars", 78)):
            addition = b";" + ctx.eol + b" charset=" + label
        edits: tuple[Edit, ...] = (Edit(start, end, addition),)
        adds: tuple[str, ...] = ()
    else:
        extra = _mime_version_needed(ctx, part)
        edit = _header_insert(ctx, part, [*extra, b"Content-Type: text/plain; charset=" + label])
        if isinstance(edit, str):
            raise _Refused(edit)
        edits = (edit,)
        adds = ("MIME-Version", "Content-Type") if extra else ("Content-Type",)
    confidence = "" if found.confidence >= 1 else f", {found.confidence:.0%} confidence"
    return Fix(
        ("CS003",),
        edits,
        f"{_part_label(part)}: charset={label.decode()} added (the text decodes in it{confidence})"
        + _with_version(adds),
        adds=adds,
    )


# -- AT002, AT003, AT004: attachment names ------------------------------------------

# RFC 2231 7: attribute-char, what an extended value may hold unescaped.
ATTRIBUTE_CHARS = frozenset(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$&+-.^_`|~"
)
# A value that a plain quoted string can carry (RFC 2045 5.1, RFC 5322 3.2.4).
PLAIN_NAME = re.compile(r"[\x20-\x7e]+")
SECTION = 60  # characters of an RFC 2231 section or RFC 2047 word in a parameter


def _quoted(text: str) -> bytes:
    return b'"' + text.encode("ascii").replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'


def _rfc2231(key: str, text: str) -> list[bytes]:
    """``key*=UTF-8''...``, in numbered sections when long (RFC 2231 3, 4)."""
    escaped = [
        bytes((octet,)) if octet in ATTRIBUTE_CHARS else b"%%%02X" % octet
        for octet in text.encode("utf-8")
    ]
    value = b"".join(escaped)
    name = key.encode("ascii")
    if len(value) <= SECTION:
        return [name + b"*=UTF-8''" + value]
    sections: list[bytes] = []
    current = b"UTF-8''"
    for piece in escaped:
        if len(current) + len(piece) > SECTION:
            sections.append(current)
            current = b""
        current += piece
    sections.append(current)
    return [name + b"*%d*=" % number + section for number, section in enumerate(sections)]


def _rfc2047_quoted(key: str, text: str, charsets: list[str], eol: bytes) -> list[bytes]:
    """``key="=?charset?B?...?="``, words folded inside the quotes, in the first
    of ``charsets`` that holds the text (UTF-8 otherwise)."""
    codec, label = "utf-8", "UTF-8"
    for candidate in charsets:
        found = codec_for(candidate)
        if found is None or not _ascii_compatible(found):
            continue
        try:
            text.encode(found)
        except UnicodeError:
            continue
        codec, label = found, mime_name(found)
        break
    rep = Replacement(0, 0, text, codec, label, "B")
    words = []
    at = 0
    while at < len(text):
        word, at = _next_word(rep, at, SECTION + len(label) + 7)
        words.append(word)
    return [key.encode("ascii") + b'="' + (eol + b" ").join(words) + b'"']


def _name_params(ctx: Context, key: str, text: str, *, form: str) -> list[bytes]:
    """A file-name parameter: plain when the name is printable ASCII, else ``form``."""
    if PLAIN_NAME.fullmatch(text):
        return [key.encode("ascii") + b"=" + _quoted(text)]
    if form == "rfc2047":
        return _rfc2047_quoted(key, text, _carrier_charsets(ctx), ctx.eol)
    return _rfc2231(key, text)


def _carrier_charsets(ctx: Context) -> list[str]:
    """The charsets a Japanese carrier profile expects (CR005's), or none."""
    found = ctx.param("CR005", "charsets", [])
    on = ctx.enabled("CR005") or any(
        setting is not None and setting.severity is not None
        for setting in (overlay.settings.get("CR005") for overlay in ctx.overlays)
    )
    return [str(label) for label in found] if on and isinstance(found, list | tuple) else []


def _append_params(ctx: Context, header_field: HeaderField, params: list[bytes]) -> Edit:
    """An edit that adds parameters at the end of a field, folding before each
    one that would make its line too long."""
    limit = int(ctx.param("LN002", "max-chars", 78))
    value = header_field.value
    kept = value.rstrip(WSP)
    if kept.endswith(b";"):
        kept = kept[:-1].rstrip(WSP)
    start = header_field.offset_of(len(kept)) if kept else header_field.value_offset
    end = _content_end(ctx.source, header_field)
    line_start = ctx.source.starts[ctx.source.line_index_at(start)]
    column = start - line_start
    out = b""
    for param in params:
        first_line = param.split(ctx.eol, 1)[0]
        if column + 2 + len(first_line) > limit:
            out += b";" + ctx.eol + b" " + param
        else:
            out += b"; " + param
        column = len(out.rsplit(ctx.eol, 1)[-1]) if ctx.eol in out else column + 2 + len(param)
    return Edit(start, end, out)


def _file_text(name) -> str:
    text = name.text
    if any(0xD800 <= ord(char) <= 0xDFFF for char in text):
        raise _Refused("the charset of the file name cannot be told")
    if "=?" in text:
        # Found by the long fuzz run: a decoded name that is itself "=?...?=",
        # copied plain, would be read (and judged, EW002) as an encoded word.
        raise _Refused("the file name itself looks like an RFC 2047 encoded word")
    return text


@repairs("AT002", "AT003", "AT004")
def attachment_names(ctx: Context, findings: list[Finding]) -> Iterator[Fix | Skip]:
    """The missing ``name`` or ``filename`` added from the other one."""
    from maillint.checks.attachments import analyse

    wanted: dict[str | None, set[str]] = {}
    for finding in findings:
        wanted.setdefault(finding.part, set()).add(finding.code)
    for attachment in analyse(ctx.message).attachments:
        codes = wanted.pop(attachment.path, None)
        if codes is None or attachment.protocol:
            continue
        try:
            yield _name_fix(ctx, attachment, codes)
        except _Refused as refused:
            for code in sorted(codes):
                yield Skip(code, f"{_part_label(attachment.part)}: {refused}")
    for codes in wanted.values():
        for code in sorted(codes):
            yield Skip(code, "the part was not found")


def _name_fix(ctx: Context, attachment, codes: set[str]) -> Fix:
    part = attachment.part
    label = _part_label(part)
    if "AT002" in codes or "AT004" in codes:
        source = (
            attachment.filename if "AT002" in codes else (attachment.filename or attachment.name)
        )
        if source is None:
            raise _Refused("no file name to copy")
        text = _file_text(source)
        content_type = part.header.get_all("content-type")
        if len(content_type) != 1 or part.content_type is None or part.content_type.problems:
            raise _Refused("it needs one Content-Type field that parses")
        if "AT002" in codes and "name" in part.content_type.params:
            raise _Refused("its Content-Type has an empty name parameter")
        if PLAIN_NAME.fullmatch(text) or _carrier_charsets(ctx):
            form = "rfc2047"  # printable ASCII stays plain; a carrier's handsets read RFC 2047
        elif "AT002" in codes:
            form = "rfc2231"  # the standard form; a plain fallback (AT004) would need RFC 2047
        else:
            raise _Refused(
                "a non-ASCII name has no standard plain form: RFC 2047 in a parameter is what "
                "Japanese handsets read (the jp-mobile profiles add it) but not standard (EW004)"
            )
        params = _name_params(ctx, "name", text, form=form)
        edit = _append_params(ctx, content_type[0], params)
        fixed = codes & {"AT002", "AT004"} if form == "rfc2047" else {"AT002"}
        how = "" if PLAIN_NAME.fullmatch(text) else f" ({form.upper().replace('RFC', 'RFC ')})"
        return Fix(
            tuple(sorted(fixed)),
            (edit,),
            f"{label}: Content-Type name added from the file name{how}",
        )
    source = attachment.name
    if source is None:
        raise _Refused("no file name to copy")
    text = _file_text(source)
    params = _name_params(ctx, "filename", text, form="rfc2231")
    disposition = part.header.get_all("content-disposition")
    if len(disposition) > 1:
        raise _Refused("it has more than one Content-Disposition field")
    if disposition:
        from maillint.mimeparams import parse_disposition

        parsed = parse_disposition(disposition[0].text())
        if parsed.problems or "filename" in parsed.params:
            raise _Refused("its Content-Disposition does not parse or has an empty filename")
        edit = _append_params(ctx, disposition[0], params)
        adds: tuple[str, ...] = ()
    else:
        # Text was shown inline without a disposition; anything else is a file.
        kind = b"inline" if part.maintype == "text" else b"attachment"
        field_line = b"Content-Disposition: " + kind + b";"
        joined = (b";" + ctx.eol + b" ").join(params)
        line = field_line + b" " + joined
        if len(field_line) + 1 + len(params[0].split(ctx.eol, 1)[0]) > 78:
            line = field_line + ctx.eol + b" " + joined
        found = _header_insert(ctx, part, [line])
        if isinstance(found, str):
            raise _Refused(found)
        edit = found
        adds = ("Content-Disposition",) if _is_root(ctx, part) else ()
    return Fix(
        ("AT003",),
        (edit,),
        f"{label}: Content-Disposition filename added from Content-Type name",
        adds=adds,
    )


# -- HD012, HD008: fields that invent data ------------------------------------------


def _from_domain(message: ParsedMessage) -> str:
    """The domain of the first From address, for a new Message-ID's right side."""
    header_field = message.header.get("from")
    if header_field is not None:
        parsed = parse_addresses("mailbox-list", header_field.value)
        for mailbox in parsed.mailboxes:
            domain = mailbox.domain.strip(b"[]")
            if domain and re.fullmatch(rb"[A-Za-z0-9.-]+", domain):
                return domain.decode("ascii").lower()
    return "maillint.invalid"


@repairs("HD012")
def add_message_id(ctx: Context, findings: list[Finding]) -> Iterator[Fix | Skip]:
    """A new Message-ID, only with ``add_missing`` (it is data the sender never made)."""
    if not ctx.options.add_missing:
        yield Skip("HD012", "adding a Message-ID invents data: use --add-missing")
        return
    identifier = (
        f"<{time.strftime('%Y%m%d%H%M%S', time.gmtime())}.{uuid.uuid4().hex[:16]}"
        f"@{_from_domain(ctx.message)}>"
    )
    edit = _header_insert(ctx, ctx.message.mime, [b"Message-ID: " + identifier.encode("ascii")])
    if isinstance(edit, str):
        yield Skip("HD012", edit)
        return
    yield Fix(("HD012",), (edit,), f"Message-ID {identifier} added", adds=("Message-ID",))


@repairs("HD008")
def add_date(ctx: Context, findings: list[Finding]) -> Iterator[Fix | Skip]:
    """A Date of now, only with ``add_missing``; a missing From cannot be made up."""
    for finding in findings:
        if (finding.field or "").lower() != "date":
            yield Skip("HD008", "a missing From cannot be repaired: only the sender knows it")
            continue
        if not ctx.options.add_missing:
            yield Skip("HD008", "adding a Date invents data: use --add-missing")
            continue
        date = email.utils.formatdate(localtime=True)
        edit = _header_insert(ctx, ctx.message.mime, [b"Date: " + date.encode("ascii")])
        if isinstance(edit, str):
            yield Skip("HD008", edit)
            continue
        yield Fix(("HD008",), (edit,), f"Date: {date} added", adds=("Date",))


# -- the loop ---------------------------------------------------------------------------------


def _propose(ctx: Context, findings: list[Finding]) -> tuple[list[Fix], list[Skip]]:
    """Every repair's proposals for one pass, in the table's order."""
    fixes: list[Fix] = []
    skips: list[Skip] = []
    mine: dict[Repair, list[Finding]] = {}
    for finding in findings:
        function = REPAIRS.get(finding.code)
        if function is not None:
            mine.setdefault(function, []).append(finding)
    for function in dict.fromkeys(REPAIRS.values()):
        if function not in mine:
            continue
        try:
            for item in function(ctx, mine[function]):
                if isinstance(item, Fix):
                    if item.edits:
                        fixes.append(item)
                else:
                    skips.append(item)
        except Exception as exc:  # noqa: BLE001 - a repair's bug must not lose the message
            code = mine[function][0].code
            skips.append(Skip(code, f"internal error in the repair, please report: {exc!r}"))
    return fixes, skips


def _conflicts(taken: list[tuple[int, int]], edit: Edit) -> bool:
    """Whether an edit touches one already taken (sorted, disjoint ranges)."""
    position = max(bisect_left(taken, (edit.start,)) - 1, 0)
    for start, end in taken[position:]:
        if start > edit.end:
            return False
        if start == end or edit.start == edit.end:
            if start <= edit.end and edit.start <= end:
                return True
        elif edit.start < end and start < edit.end:
            return True
    return False


def _unsigned(ctx: Context, fix: Fix) -> tuple[Fix | None, list[Skip]]:
    """The fix without what a signature covers (all or nothing unless ``divisible``),
    and why what was left out was left out."""
    if ctx.options.force or fix.neutral:
        return fix, []
    if fix.divisible:
        reasons = [ctx.refuses(Fix(fix.codes, (edit,), fix.message)) for edit in fix.edits]
        kept = tuple(edit for edit, why in zip(fix.edits, reasons, strict=True) if why is None)
        why = next((why for why in reasons if why is not None), None)
        rest = replace(fix, edits=kept) if kept else None
    else:
        why = ctx.refuses(fix)
        rest = None if why is not None else fix
    if why is None:
        return fix, []
    return rest, [Skip(code, f"{why}: use --force to repair it anyway") for code in fix.codes]


def _choose(ctx: Context, fixes: list[Fix], banned: set) -> tuple[list[Fix], list[Skip]]:
    """The fixes to apply this pass: not banned, not refused for a signature, not overlapping."""
    taken: list[tuple[int, int]] = []
    added: set[str] = set()  # fields added by a chosen fix: two would add it twice
    chosen: list[Fix] = []
    refused: list[Skip] = []
    for proposed in fixes:
        if proposed.key in banned:
            continue
        fix, skips = _unsigned(ctx, proposed)
        refused.extend(skips)
        if fix is None:
            continue
        if any(_conflicts(taken, edit) for edit in fix.edits) or added & set(fix.adds):
            continue  # the next pass, on the repaired octets
        added.update(fix.adds)
        for edit in fix.edits:
            taken.insert(bisect_left(taken, (edit.start, edit.end)), (edit.start, edit.end))
        chosen.append(fix)
    return chosen, refused


def _apply(data: bytes, fixes: list[Fix]) -> bytes:
    """The octets with every edit applied (edits are disjoint)."""
    edits = sorted((e for f in fixes for e in f.edits), key=lambda e: (e.start, e.end))
    out: list[bytes] = []
    last = 0
    for edit in edits:
        out.append(data[last : edit.start])
        out.append(edit.data)
        last = edit.end
    out.append(data[last:])
    return b"".join(out)


@dataclass(frozen=True)
class Content:
    """A leaf part's decoded content, in the form the guarantee compares.

    Text, and parts whose octets stand in the file as lines (7bit, 8bit,
    quoted-printable), are compared with their line ends made alike, since
    text's line break is CRLF in canonical form (RFC 2046 4.1.1) whatever the
    file holds; quoted-printable has its line ends made LF as its decoder
    reads them (``_qp_line_ends``), so an encoded ``=0D`` stays a CR.
    The message's last line break is the transport's (SMTP adds one), so a
    part that ends the message is compared without it.  base64 and binary
    attachments are compared octet for octet.
    """

    path: str
    type: str
    data: bytes
    span: tuple[int, int]
    lines: bool


def _qp_line_ends(raw: bytes) -> bytes:
    """A quoted-printable body with its line ends made LF, as its decoder reads
    them: CRLF and LF are one hard line break, a bare CR a line break too,
    except right after "=" (decoders read "=" CR ... LF as one soft break)."""
    return BARE_CR_NOT_SOFT.sub(LF, raw).replace(CRLF, LF)


def _canonical(raw: bytes, encoding: str, text: bool, last: bool) -> bytes:
    if encoding == "base64":
        data = transfer_decode(raw, encoding)
        return _normalise(data) if text else data
    if encoding == "binary" and not text:
        return raw
    if encoding == "quoted-printable":
        data = _normalise(transfer_decode(_qp_line_ends(raw), encoding))
    else:
        data = _normalise(raw)
    if last and data.endswith(LF):
        data = data[:-1]
    return data


def contents(message: ParsedMessage) -> list[Content]:
    """The decoded content of every leaf part, in file order."""
    source = message.source
    found = []
    for part in message.mime.walk():
        if part.children:
            continue
        start, end = body_span(source, part)
        text = part.maintype == "text"
        data = _canonical(source.data[start:end], part.encoding, text, end == len(source.data))
        lines = text or part.encoding not in ("base64", "binary")
        found.append(Content(part.path, part.type, data, (start, end), lines))
    return found


def same_content(
    before: list[Content], after: list[Content], exempt: tuple[Edit, ...] = ()
) -> bool:
    """Whether every leaf part says what it said (parts touched by ``exempt`` edits aside)."""
    if [(c.path, c.type) for c in before] != [(c.path, c.type) for c in after]:
        return False
    for old, new in zip(before, after, strict=True):
        if old.data == new.data:
            continue
        if old.lines != new.lines and _normalise(old.data) == _normalise(new.data):
            continue  # re-encoded between a line form and base64: line ends aside
        if any(_inside(edit, *old.span) or edit.start == old.span[0] for edit in exempt):
            continue
        return False
    return True


class _Linter:
    """Lint octets the way the run asked, keeping the parsed message for the repairs."""

    def __init__(
        self,
        profile: Profile,
        *,
        line_endings: str,
        carrier: str,
        envelope,
        path: str,
        index: int | None,
        first_line: int,
        base_offset: int,
    ) -> None:
        self.profile = profile
        self.line_endings = line_endings
        self.carrier = carrier
        self.envelope = tuple(envelope)
        self.path = path
        self.index = index
        self.first_line = first_line
        self.base_offset = base_offset

    def parse(self, data: bytes, *, capped: bool = False) -> ParsedMessage:
        """Parse as the profile's limits say; every finding kept unless ``capped``
        (repairs need them all; the report shows them as ``check`` does)."""
        limits = limits_of(self.profile)
        return parse(
            data,
            line_endings=self.line_endings,
            path=self.path,
            first_line=self.first_line,
            base_offset=self.base_offset,
            limits=limits if capped else replace(limits, max_findings=sys.maxsize),
        )

    def __call__(
        self, data: bytes, *, capped: bool = False
    ) -> tuple[ParsedMessage, list[Profile], Report]:
        message = self.parse(data, capped=capped)
        chosen = select_carriers(message, self.carrier, self.envelope)
        overlays = [overlay for overlay, _ in chosen]
        findings = run_rules(message, self.profile, overlays)
        report = Report(
            path=self.path,
            findings=findings,
            profile=self.profile.name,
            form=message.form,
            size=len(data),
            index=self.index,
            first_line=self.first_line,
            subject=overview.header_text(message, "subject"),
            sender=overview.header_text(message, "from"),
            parts=overview.parts(message),
            carriers=[match.reason for _, match in chosen],
        )
        return message, overlays, report


def _verified(
    lint: _Linter, data: bytes, message: ParsedMessage, chosen: list[Fix]
) -> tuple[bytes, list[Fix], list[Fix]]:
    """Apply the fixes, keeping only those that leave every part's content as it was."""
    before = contents(message)
    exempt = tuple(e for f in chosen if f.content for e in f.edits)
    candidate = _apply(data, chosen)
    if same_content(before, contents(lint.parse(candidate)), exempt):
        return candidate, chosen, []
    good: list[Fix] = []
    bad: list[Fix] = []
    for fix in chosen:  # find the culprit: one fix at a time
        trial = _apply(data, [*good, fix])
        if same_content(before, contents(lint.parse(trial)), exempt):
            good.append(fix)
        else:
            bad.append(fix)
    return _apply(data, good), good, bad


def _cut_short(message: ParsedMessage) -> str | None:
    """Why a message is not repaired at all: the profile's limits (ML001) stopped
    its analysis, so what lies past them is unknown."""
    if message.unchecked or message.header.cut is not None:
        return "not repaired: the profile's limits (ML001) stopped the analysis of this message"
    for part in message.mime.walk():
        if part.cut is not None or part.header.cut is not None:
            return "not repaired: the profile's limits (ML001) stopped the analysis of its parts"
    return None


def fix_bytes(
    data: bytes,
    *,
    profile: Profile | str | None = None,
    select: list[str] | tuple[str, ...] | None = None,
    ignore: list[str] | tuple[str, ...] | None = None,
    line_endings: str = "wire",
    add_missing: bool = False,
    force: bool = False,
    carrier: str = "auto",
    envelope: list[str] | tuple[str, ...] = (),
    path: str = "<bytes>",
    index: int | None = None,
    first_line: int = 1,
    base_offset: int = 0,
) -> tuple[bytes, FixReport]:
    """Repair one message given as raw octets; return the fixed octets and a FixReport.

    ``select``/``ignore`` choose the rules, hence the repairs that run.  Bytes
    are the wire form by default, as for ``lint_bytes``; ``line_endings="auto"``
    keeps an LF-only file in its Unix form.  ``add_missing`` lets HD012 and
    HD008 invent a Message-ID and a Date; ``force`` repairs signed content too
    (breaking the signature).  A message that needs nothing comes back
    byte-identical.
    """
    resolved = resolve_profile(profile, select, ignore)
    options = FixOptions(line_endings=line_endings, add_missing=add_missing, force=force)
    lint = _Linter(
        resolved,
        line_endings=line_endings,
        carrier=carrier,
        envelope=envelope,
        path=path,
        index=index,
        first_line=first_line,
        base_offset=base_offset,
    )
    current = bytes(data)
    applied: list[Fix] = []
    banned: set = set()
    rejected: list[Skip] = []
    passes = 0
    message, overlays, report = lint(current)
    while True:
        short = _cut_short(message)
        if short is not None:
            skips = [Skip(code, short) for code in sorted({f.code for f in report.findings})]
            break
        ctx = Context(message, resolved, overlays, options, base_offset, report.findings)
        proposed, skips = _propose(ctx, report.findings)
        chosen, refused = _choose(ctx, proposed, banned)
        skips += refused
        if not chosen or passes >= MAX_PASSES:
            break
        current, good, bad = _verified(lint, current, message, chosen)
        for fix in bad:
            banned.add(fix.key)
            rejected.extend(
                Skip(code, f"not applied: it would change decoded content ({fix.message})")
                for code in fix.codes
            )
        if not good:
            continue
        applied.extend(good)
        passes += 1
        message, overlays, report = lint(current)
    cap = limits_of(resolved).max_findings
    if max(Counter(f.code for f in report.findings).values(), default=0) > cap:
        report = lint(current, capped=True)[2]  # as check reports it: "and N more"
    fixed = Counter(fix.key for fix in applied)
    left = Counter((skip.code, skip.reason) for skip in [*skips, *rejected])
    return current, FixReport(
        path=path,
        index=index,
        fixed=[Note(codes, message_, count) for (codes, message_), count in fixed.items()],
        skipped=[Note((code,), reason, count) for (code, reason), count in left.items()],
        remaining=report,
        changed=current != data,
        passes=passes,
    )


def fix_file(
    data: bytes, *, path: str = "<bytes>", **options: Any
) -> tuple[bytes, list[FixReport]]:
    """Repair a file's octets: one message, or every message of an mbox.

    In an mbox the postmark lines (``From ...``) and the empty lines between
    messages are kept as they are; each message is fixed on its own and its
    report carries its place in the fixed file.
    """
    if data.startswith(GZIP_MAGIC):
        raise FixInputError("compressed input: decompress it first (fix writes what it reads)")
    if not data.startswith(MBOX_POSTMARK):
        fixed, report = fix_bytes(data, path=path, **options)
        return fixed, [report]
    out: list[bytes] = []
    reports: list[FixReport] = []
    last = 0
    written = 0
    lines = 0
    for item in split_mbox(path, io.BytesIO(data), quoting="none"):
        between = data[last : item.base_offset]
        out.append(between)
        written += len(between)
        lines += len(between.splitlines())
        fixed, report = fix_bytes(
            item.data,
            path=path,
            index=item.index,
            first_line=lines + 1,
            base_offset=written,
            **options,
        )
        out.append(fixed)
        written += len(fixed)
        lines += len(fixed.splitlines())
        reports.append(report)
        last = item.base_offset + len(item.data)
    out.append(data[last:])
    return b"".join(out), reports


# -- showing what was done --------------------------------------------------------------------


def _visible(line: bytes) -> str:
    """A line with every invisible or ambiguous octet spelled out (backslash doubled)."""
    content = line.rstrip(b"\r\n")
    ending = line[len(content) :]
    if PRINTABLE_LINE.fullmatch(content):
        text = content.decode("ascii")
    else:
        out = []
        for char in content.decode("utf-8", "surrogateescape"):
            code = ord(char)
            if char == "\\":
                out.append("\\\\")
            elif char == "\t":
                out.append("\\t")
            elif 0xDC80 <= code <= 0xDCFF:
                out.append(f"\\x{code - 0xDC00:02x}")
            elif code < 0x20 or code == 0x7F:
                out.append(f"\\x{code:02x}")
            elif code > 0x7F and unicodedata.category(char) in (
                "Cc",
                "Cf",
                "Cs",
                "Co",
                "Cn",
                "Zl",
                "Zp",
            ):
                out.append(f"\\u{code:04x}")
            else:
                out.append(char)
        text = "".join(out)
    return text + ending.decode("ascii").replace("\r", "\\r").replace("\n", "\\n")


def render_diff(before: bytes, after: bytes, *, path: str) -> str:
    """A unified diff of the octets, one file line per diff line.

    Every line shows its line break (``\\r\\n``, ``\\n``, ``\\r``), so a change of
    line ends is visible, and every octet a terminal would hide or act on is
    escaped (``\\t``, ``\\x1b``, ``\\u202e``; octets that are not UTF-8 as
    ``\\xe9``; a backslash as ``\\\\``).  Valid UTF-8 is shown as text.
    """
    if before == after:
        return ""
    old = [_visible(line) for line in before.splitlines(keepends=True)]
    new = [_visible(line) for line in after.splitlines(keepends=True)]
    lines = difflib.unified_diff(old, new, fromfile=path, tofile=f"{path} (fixed)", lineterm="")
    return "".join(line + "\n" for line in lines)


def _where(report: FixReport) -> str:
    return report.path if report.index is None else f"{report.path} (message {report.index})"


def describe(report: FixReport, *, color: bool = False) -> list[str]:
    """The lines the CLI prints about one message: fixed, not fixed, what remains."""
    from maillint.report.text import format_finding

    where = _where(report)
    out = []
    for note in report.fixed:
        times = f" ({note.count} times)" if note.count > 1 else ""
        out.append(f"{where}: fixed {', '.join(note.codes)} ({note.names}): {note.message}{times}")
    for note in report.skipped:
        times = f" ({note.count} times)" if note.count > 1 else ""
        out.append(
            f"{where}: not fixed {', '.join(note.codes)} ({note.names}): {note.message}{times}"
        )
    out.extend(format_finding(finding, color=color) for finding in report.remaining.findings)
    return out


def summary(reports: list[FixReport]) -> str:
    """``Fixed 3 problems in 1 message; 2 remain (1 error, 1 warning, 0 infos).``"""
    from maillint.findings import Severity

    fixed = sum(note.count * len(note.codes) for r in reports for note in r.fixed)
    counts: Counter = Counter()
    for report in reports:
        counts.update(report.remaining.counts())
    remaining = sum(counts.values())
    detail = ", ".join(
        f"{counts.get(s, 0)} {s}" + ("" if counts.get(s, 0) == 1 else "s")
        for s in reversed(Severity)
    )
    changed = sum(1 for r in reports if r.changed)
    return (
        f"Fixed {_count(fixed, 'problem')} in {_count(changed, 'message')}; "
        f"{remaining} remain{'s' if remaining == 1 else ''} ({detail})."
    )
