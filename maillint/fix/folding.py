"""Repairs of long lines (LN001, LN002, and EW006, the same fold): header
lines are folded at existing white space, text bodies re-encoded as
quoted-printable, base64 re-wrapped.

Apart because one finding may be a header line or a body line: this module
sorts them out and hands bodies to ``reencode``.
"""

from __future__ import annotations

from collections.abc import Iterator

from maillint.checks.encoded_words import TEXT, _field_kind
from maillint.findings import Finding
from maillint.fix.context import IDENTITY, Context, _part_label, _Refused, repairs
from maillint.fix.model import Edit, Fix, Skip
from maillint.fix.reencode import _reencode, _rewrap
from maillint.fix.words import EW_LINE, _fold_runs
from maillint.mime import Part
from maillint.parse import HeaderField

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
