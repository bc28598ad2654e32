"""Re-encoding a part's body as quoted-printable or base64, and re-wrapping
base64: no repair of its own.

Apart so that the two repairs that re-encode (``folding`` for long lines,
``bodies`` for TE002 and TE004) share it without importing each other, which
would change the order the repairs register in (their priority, ``loop``).
"""

from __future__ import annotations

import base64
import binascii

from maillint.decode import body_span
from maillint.fix.context import (
    CR,
    CRLF,
    EIGHT_BIT,
    LF,
    Context,
    _part_label,
    _qp_line_ends,
    _Refused,
    _set_encoding,
    _with_version,
)
from maillint.fix.model import Edit, Fix
from maillint.mime import Part
from maillint.source import terminator_of

QP_LINE = 76  # RFC 2045 6.7 (5)
BASE64_LINE = 76  # RFC 2045 6.8
BASE64_TEXT = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="


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
