"""A part's body as octets: raw as it stands in the file, and transfer-decoded.

Decoding is done in C (``binascii``) and at most once per part: the result is
kept on the part, since several rule families (TE, CS, JP, AT) read it.  A
decoding that fails yields what could be decoded; the TE rules report why.
"""

from __future__ import annotations

import binascii
import re

from maillint.mime import Part
from maillint.source import Source

# Everything a lenient base64 reader skips, padding included (it is recomputed).
NOT_BASE64_DATA = re.compile(rb"[^A-Za-z0-9+/]")


def body_span(source: Source, part: Part) -> tuple[int, int]:
    """Message offsets of a part's body: from its first body line to the end of its last.

    The line break before a boundary delimiter belongs to the delimiter
    (RFC 2046 5.1.1), so a child part's body stops before it.
    """
    if part.body_start >= part.end:
        start = (
            source.starts[part.body_start] if part.body_start < len(source) else len(source.data)
        )
        return start, start
    start = source.starts[part.body_start]
    last = source.line(part.end - 1)
    end = last.end
    if part.path and part.end < len(source):  # followed by a delimiter line
        end -= len(last.terminator)
    return start, end


def raw_body(source: Source, part: Part) -> bytes:
    """The body octets as they stand in the file."""
    start, end = body_span(source, part)
    return source.data[start:end]


def _lenient_base64(data: bytes) -> bytes:
    """Decode base64 as readers do: skip what is not base64, stop at the padding.

    binascii already skips foreign characters and stops at a complete final
    group; it only refuses data whose last group is short (missing padding),
    which is completed here, or a lone trailing sextet, which carries no octet.
    """
    try:
        return binascii.a2b_base64(data)
    except (binascii.Error, ValueError):
        pass
    cleaned = NOT_BASE64_DATA.sub(b"", data.split(b"=", 1)[0])
    extra = len(cleaned) % 4
    if extra == 1:
        cleaned = cleaned[:-1]
    elif extra:
        cleaned += b"=" * (4 - extra)
    return binascii.a2b_base64(cleaned)


def transfer_decode(data: bytes, encoding: str) -> bytes:
    """Undo a Content-Transfer-Encoding leniently (as a reader would); unknown ones pass through."""
    if encoding == "base64":
        return _lenient_base64(data)
    if encoding == "quoted-printable":
        return binascii.a2b_qp(data)
    return data


def decoded_body(source: Source, part: Part) -> bytes:
    """The body after transfer decoding, computed once per part."""
    if part.decoded is None:
        part.decoded = transfer_decode(raw_body(source, part), part.encoding)
    return part.decoded
