"""What a person wants to see of a message beside its findings.

The subject and sender as text (RFC 2047 decoded) and the MIME tree as a flat
list, for the reports that show messages (HTML index, JSON).  Cheap, and
never raises: a header that cannot be decoded is shown with replacement
characters rather than hidden.  Everything here is the message's own text,
so it goes through ``encodable``: octets that did not decode would make any
output encoding fail.
"""

from __future__ import annotations

import email.header
from dataclasses import asdict, dataclass

from maillint.findings import encodable
from maillint.parse import ParsedMessage

MAX_SHOWN_PARTS = 1000
# Shown text is cut before decoding: the stdlib's decode_header is quadratic on
# some hostile inputs, and nobody reads a subject of more than a few kB.
MAX_DECODED_OCTETS = 2048


@dataclass(frozen=True)
class PartInfo:
    """One MIME part as the reports list it (lines are the file's, 1-based)."""

    path: str
    type: str
    charset: str | None
    encoding: str
    depth: int
    embedded: bool
    first_line: int
    last_line: int

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def decode_header_text(raw: bytes) -> str:
    """A header field body as text: encoded words decoded, 8-bit octets as UTF-8 or Latin-1.

    Only the first ``MAX_DECODED_OCTETS`` are shown (with an ellipsis after).
    """
    cut = len(raw) > MAX_DECODED_OCTETS
    raw = raw[:MAX_DECODED_OCTETS]
    text = raw.decode("utf-8", "replace") if _is_utf8(raw) else raw.decode("latin-1")
    text = " ".join(text.split())
    try:
        text = str(email.header.make_header(email.header.decode_header(text)))
    except Exception:  # noqa: BLE001 - a broken word is EW002's business; show it raw
        pass
    return text + "…" if cut else text


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def header_text(message: ParsedMessage, name: str) -> str | None:
    """The decoded text of the first field of that name, or None."""
    found = message.header.get(name)
    return None if found is None else encodable(decode_header_text(found.value))


def parts(message: ParsedMessage) -> list[PartInfo]:
    """The MIME tree, flattened in file order (at most MAX_SHOWN_PARTS entries)."""
    source = message.source
    shown = []
    for part in message.mime.walk():
        if len(shown) == MAX_SHOWN_PARTS:
            break
        last = max(part.end - 1, part.start)
        shown.append(
            PartInfo(
                path=part.path,
                type=encodable(part.type),
                charset=None if part.charset is None else encodable(part.charset),
                encoding=encodable(part.encoding),
                depth=part.depth,
                embedded=part.embedded,
                first_line=part.start + source.first_line,
                last_line=last + source.first_line,
            )
        )
    return shown
