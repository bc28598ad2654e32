"""Repairs of how a part's body is declared: the transfer encoding (TE002,
TE004) and the missing charset (CS003).

Apart from ``reencode``, which writes the bodies, so that this module holds
only the decisions: declare 8bit or re-encode, which charset to name.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from maillint.charsets import decode, guess, iso2022jp_escape, mime_name
from maillint.checks.japanese import JIS_FAMILY, scan_jis
from maillint.decode import decoded_body
from maillint.findings import Finding
from maillint.fix.context import (
    CTE,
    IDENTITY,
    Context,
    _append_params,
    _header_insert,
    _mime_version_needed,
    _part_label,
    _Refused,
    _set_encoding,
    _with_version,
    repairs,
)
from maillint.fix.model import Edit, Fix, Skip
from maillint.fix.reencode import _reencode, _rewrap
from maillint.mime import Part

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


def _check_iso2022(data: bytes, codec: str) -> None:
    """Refuse to name a 7-bit ISO-2022 charset for text it does not describe.

    Found by the long fuzz run: chardet is sure of ISO-2022-JP as soon as it
    sees escape sequences, and the lenient decoder of Microsoft's variant lets
    an octet above 127 through; once declared, the text is judged as
    ISO-2022-JP and fails JP001 (8-bit octets) or JP003 (a line that does not
    return to ASCII), errors the undeclared text did not have.
    """
    name = mime_name(codec)
    if not data.isascii():
        raise _Refused(f"{name} is a 7-bit charset, and the text holds octets above 127 (JP001)")
    if codec in JIS_FAMILY and scan_jis(data).unreset_count:
        raise _Refused(f"a line of the text does not return to ASCII, as {name} requires (JP003)")


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
    if found.codec.startswith("iso2022"):
        _check_iso2022(data, found.codec)
    label = mime_name(found.codec).encode("ascii")
    content_type = part.header.get_all("content-type")
    if len(content_type) > 1:
        raise _Refused("it has more than one Content-Type field")
    if content_type:
        header_field = content_type[0]
        parsed = part.content_type
        if parsed is None or parsed.problems:
            raise _Refused("its Content-Type does not parse (MM002)")
        edits: tuple[Edit, ...] = (_append_params(ctx, header_field, [b"charset=" + label]),)
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
