"""The MIME tree of a message, every part with its lines and header fields.

Built in one forward pass over the lines that start with ``--`` (the only
lines that can be boundary delimiters, RFC 2046 5.1.1), with an explicit stack
of open multiparts instead of recursion: a message nested 10,000 deep costs
no more stack than a flat one, and nesting beyond the profile's limit (MM007)
is not descended into at all.  Past the profile's ``max-parts`` (ML001) no
part is created: the delimiters are still matched, so the parts that were
made keep their true extent.  Every part records what the MM rules report:
where its delimiters are, whether the close-delimiter came, what lies in the
preamble and the epilogue.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass, field

from maillint.mimeparams import ParsedValue, parse_content_type
from maillint.parse import DEFAULT_LIMITS, HeaderField, HeaderSection, Limits, parse_header
from maillint.source import Source

# A line that starts with "--": at the start of the data, or after any line
# break (after an LF, which ends CRLF lines too, or after a bare CR).
DASH_AFTER_BREAK = (b"\n--", b"\r--")
DEFAULT_MAX_DEPTH = 32
TRANSPORT_PADDING = b" \t"
TRANSFER_WSP = b" \t"
# What matters inside a comment of a structured field: a quoted pair, "(" and ")".
COMMENT_SPECIAL = re.compile(rb"\\.|[()]", re.DOTALL)


def _blank_comments(value: bytes) -> bytes:
    """The value with every comment (RFC 5322 3.2.2, nested) replaced by as many
    spaces, so that indexes stay those of the field; an unclosed comment runs
    to the end."""
    pieces: list[bytes] = []
    depth = 0
    opened = 0
    last = 0
    for match in COMMENT_SPECIAL.finditer(value):
        token = match.group()
        if token == b"(":
            if depth == 0:
                opened = match.start()
            depth += 1
        elif token == b")" and depth:
            depth -= 1
            if depth == 0:
                pieces.append(value[last:opened] + b" " * (match.end() - opened))
                last = match.end()
    if depth:
        pieces.append(value[last:opened] + b" " * (len(value) - opened))
    else:
        pieces.append(value[last:])
    return b"".join(pieces)


def mechanism(header_field: HeaderField) -> tuple[str, int]:
    """The mechanism of a Content-Transfer-Encoding field, lowercased, with the
    comments and white space around it removed (RFC 2045 6.1 allows CFWS), and
    the index in the field's value where it starts."""
    value = header_field.value
    if b"(" in value:
        value = _blank_comments(value)
    token = value.strip(TRANSFER_WSP)
    index = len(value) - len(value.lstrip(TRANSFER_WSP))
    return token.decode("latin-1").lower(), index


@dataclass
class Part:
    """One MIME entity: a header section and a body, as line indexes.

    ``start`` is the first header line, ``body_start`` the first body line and
    ``end`` the index just past the last body line.  The root part is the
    message itself (path ``""``); children of a multipart at path ``P`` are
    ``P.1``, ``P.2``...; the message inside a message/rfc822 part at ``P`` is an
    ``embedded`` child with the same path, whose own parts are ``P.1``, ...
    """

    path: str
    depth: int
    header: HeaderSection
    start: int
    body_start: int
    end: int
    embedded: bool = False
    default_type: str = "text/plain"
    children: list[Part] = field(default_factory=list)
    boundary: bytes | None = None
    delimiters: list[int] = field(default_factory=list)
    close_line: int | None = None
    too_deep: bool = False
    cut: int | None = None  # the delimiter line of the first child not made (max-parts)
    decoded: bytes | None = None  # the transfer-decoded body, once computed (decode.py)
    _content_type: ParsedValue | None = None
    # "maintype/subtype" as declared, "" when absent or unreadable; None until
    # first asked.  Rules ask a part's type tens of times per message.
    _declared_type: str | None = None

    @property
    def content_type(self) -> ParsedValue | None:
        """The parsed Content-Type field, None when the part has none."""
        if self._content_type is None:
            header_field = self.header.get("content-type")
            if header_field is not None:
                self._content_type = parse_content_type(header_field.text())
        return self._content_type

    @property
    def type(self) -> str:
        """``maintype/subtype``, lowercased; the default when absent or unreadable."""
        declared = self._declared_type
        if declared is None:
            parsed = self.content_type
            declared = (
                f"{parsed.maintype}/{parsed.subtype}"
                if parsed is not None and parsed.maintype and parsed.subtype
                else ""
            )
            self._declared_type = declared
        return declared or self.default_type

    @property
    def maintype(self) -> str:
        return self.type.partition("/")[0]

    @property
    def is_multipart(self) -> bool:
        return self.maintype == "multipart"

    @property
    def is_message(self) -> bool:
        """message/rfc822 (and message/global): a whole message inside the part."""
        return self.type in ("message/rfc822", "message/global")

    @property
    def charset(self) -> str | None:
        """The declared charset parameter, lowercased, or None."""
        parsed = self.content_type
        value = parsed.get("charset") if parsed is not None else None
        return value.strip().lower() if value else None

    @property
    def encoding(self) -> str:
        """The Content-Transfer-Encoding mechanism, lowercased, comments removed;
        ``7bit`` when absent or empty (RFC 2045 6.1)."""
        header_field = self.header.get("content-transfer-encoding")
        if header_field is None:
            return "7bit"
        return mechanism(header_field)[0] or "7bit"

    def walk(self) -> Iterator[Part]:
        """This part and every part below it, in file order, without recursion."""
        stack = [self]
        while stack:
            part = stack.pop()
            yield part
            stack.extend(reversed(part.children))


def _boundary_of(part: Part) -> bytes | None:
    parsed = part.content_type
    value = parsed.get("boundary") if parsed is not None else None
    if not value:
        return None
    return (
        value.encode("ascii", "surrogateescape")
        if value.isascii()
        else value.encode("utf-8", "surrogateescape")
    )


def _dash_line_starts(data: bytes) -> list[int]:
    """Offsets of the lines that start with ``--``.

    ``bytes.find`` runs in C at memchr speed; a regular expression anchored on
    ``^`` or a look-behind is tried at every position and was the costliest
    step of a lint (48 ms per MB, against 0.5 ms for this).
    """
    starts = [0] if data.startswith(b"--") else []
    for pattern in DASH_AFTER_BREAK:
        position = data.find(pattern)
        while position >= 0:
            starts.append(position + 1)
            position = data.find(pattern, position + 3)
    return starts


class _TreeBuilder:
    """The one-pass builder; ``build`` is its only entry point."""

    def __init__(
        self, source: Source, root_header: HeaderSection, max_depth: int, limits: Limits
    ) -> None:
        self.source = source
        self.max_depth = max_depth
        self.limits = limits
        self.parts = 0  # made so far, the message itself not counted
        self.dash_lines = sorted({source.line_index_at(o) for o in _dash_line_starts(source.data)})
        self.root = Part("", 0, root_header, 0, root_header.body_start, len(source))
        self.stack: list[Part] = []
        self.active: dict[bytes, list[int]] = {}  # boundary -> stack positions using it

    def build(self) -> Part:
        self._open(self.root)
        for index in self.dash_lines:
            if index < self.root.body_start or not self.stack:
                continue
            self._dash_line(index)
        while self.stack:
            self._pop(len(self.source))
        return self.root

    # -- opening parts -------------------------------------------------

    def _open(self, part: Part) -> None:
        """Register a part whose header is known: descend if it is a container."""
        if part.is_multipart:
            part.boundary = _boundary_of(part)
            if part.boundary is None:
                return
            if part.depth >= self.max_depth:
                part.too_deep = True
                return
            self.active.setdefault(part.boundary, []).append(len(self.stack))
            self.stack.append(part)
        elif part.is_message and part.encoding in ("7bit", "8bit", "binary"):
            if part.depth >= self.max_depth:
                part.too_deep = True
                return
            if self.parts >= self.limits.max_parts:
                part.cut = part.body_start
                return
            inner = self._part_at(
                part.body_start, part.end, part.path, part.depth + 1, embedded=True
            )
            part.children.append(inner)
            self._open(inner)

    def _part_at(self, start: int, end: int, path: str, depth: int, *, embedded: bool) -> Part:
        """A part whose header starts at line ``start``; its header ends before any '--' line."""
        stop = self._next_dash_line(start, end)
        header = parse_header(self.source, start, stop, max_fields=self.limits.max_header_fields)
        self.parts += 1
        return Part(path, depth, header, start, header.body_start, end, embedded=embedded)

    def _next_dash_line(self, start: int, end: int) -> int:
        position = bisect_left(self.dash_lines, start)
        if position < len(self.dash_lines):
            return min(self.dash_lines[position], end)
        return end

    # -- delimiters ----------------------------------------------------

    def _match(self, index: int) -> tuple[int, bool] | None:
        """(stack position, is_close) when line ``index`` delimits an open multipart."""
        content = self.source.raw_lines[index].rstrip(b"\r\n")[2:].rstrip(TRANSPORT_PADDING)
        positions = self.active.get(content)
        if positions:
            return positions[-1], False
        if content.endswith(b"--"):
            positions = self.active.get(content[:-2])
            if positions:
                return positions[-1], True
        return None

    def _dash_line(self, index: int) -> None:
        found = self._match(index)
        if found is None:
            return
        position, is_close = found
        while len(self.stack) - 1 > position:
            self._pop(index)  # an inner multipart ended without its close-delimiter
        owner = self.stack[-1]
        if owner.close_line is not None:
            return  # a delimiter in the epilogue: ignored, like every reader does
        if owner.cut is not None and not is_close:
            return  # past max-parts: only the close-delimiter still matters
        self._end_last_child(owner, index)
        owner.delimiters.append(index)
        if is_close:
            owner.close_line = index
            return
        if self.parts >= self.limits.max_parts:
            if owner.cut is None:
                owner.cut = index
            return
        number = len(owner.children) + 1
        path = f"{owner.path}.{number}" if owner.path else str(number)
        child = self._part_at(index + 1, owner.end, path, owner.depth + 1, embedded=False)
        if owner.type == "multipart/digest":
            child.default_type = "message/rfc822"
        owner.children.append(child)
        self._open(child)

    def _end_last_child(self, owner: Part, index: int) -> None:
        """The open child of ``owner`` (and its embedded messages) end at line ``index``."""
        if owner.children and owner.close_line is None:
            for part in owner.children[-1].walk():
                part.end = min(part.end, index)

    def _pop(self, index: int) -> None:
        part = self.stack.pop()
        self._end_last_child(part, index)
        part.end = min(part.end, index)
        self.active[part.boundary].pop()  # type: ignore[index]
        if not self.active[part.boundary]:  # type: ignore[index]
            del self.active[part.boundary]  # type: ignore[arg-type]


def build_tree(
    source: Source,
    header: HeaderSection,
    max_depth: int = DEFAULT_MAX_DEPTH,
    limits: Limits = DEFAULT_LIMITS,
) -> Part:
    """The MIME tree of a parsed message (the root is the message itself)."""
    return _TreeBuilder(source, header, max_depth, limits).build()
