"""Repairs of line ends: bare LF and CR, SMTP smuggling sequences (LN003,
LN004, LN007), and the final line break (LN009).

Apart because line ends cut across every part: they are settled over the
whole file at once, region by region (binary and quoted-printable bodies keep
what is data or a soft break), and around signed ranges.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator

from maillint.decode import body_span
from maillint.findings import Finding
from maillint.fix.context import CR, CRLF, LF, Context, _count, repairs
from maillint.fix.model import Edit, Fix, Skip
from maillint.parse import ParsedMessage

BREAK = re.compile(rb"\r\n|\r|\n")
# A line holding a single dot, with the line breaks around it (as LN007 reads it).
LONE_DOT = re.compile(rb"(\r\n|\n|\r)\.(?=(\r\n|\n|\r))")
KEPT_STORED = (
    "kept the Unix storage form (every line ends in LF); --line-endings wire converts it to CRLF"
)


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
