"""Split a raw message into its header fields and body, keeping every position.

The stdlib ``email`` parser throws positions away and quietly repairs what it
cannot read, so the header section is parsed here: each field keeps its raw
lines, its span and a map from its unfolded value back to file offsets.  The
parser never fails: what it cannot read it records (stray lines, a leading
continuation, a missing separator) for the HD rules to report.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from maillint.source import Source, line_limit_offset

if TYPE_CHECKING:
    from maillint.mime import Part

# A line that starts a header field: a name (any octets but colon and white
# space; HD001 judges which of them are allowed), optional white space (the
# obsolete form of RFC 5322 4.5, HD005) and a colon.
FIELD_START = re.compile(rb"([^:\x20\t\r\n]*)([ \t]*):")
# A field start whose name is all printable US-ASCII (RFC 5322 2.2): used to
# decide whether a line without colon is a stray line inside the header
# section or the start of a body that lacks its separating empty line.
VALID_FIELD_START = re.compile(rb"[\x21-\x39\x3b-\x7e]+[ \t]*:")
WSP = b" \t"


@dataclass(frozen=True)
class Limits:
    """How much of a hostile message is analysed (the ML001 parameters).

    Past each limit the analysis stops and ML001 says where: lines of the
    message, fields of one header section, MIME parts of the message.
    ``max_findings`` caps the findings of one rule in one message; the rest
    are summed up in one finding of that rule.  The defaults are far above
    real mail and keep the cost of any input in the order of a second and a
    few hundred megabytes.
    """

    max_lines: int = 2_000_000
    max_header_fields: int = 10_000
    max_parts: int = 1_000
    max_findings: int = 100


DEFAULT_LIMITS = Limits()


@dataclass
class HeaderField:
    """One header field with its raw lines, span and unfolded value.

    ``value`` is the field body after the colon, unfolded as RFC 5322 3.2.2
    says (the line breaks removed, nothing else).  ``pieces`` maps it back to
    the file: for each raw line, the index in ``value`` where the line's text
    starts and the message offset of that text.
    """

    name: str
    raw_name: bytes
    first_line: int
    last_line: int
    start: int
    end: int
    colon: int
    value: bytes
    pieces: list[tuple[int, int]] = field(default_factory=list)
    # The name as compared (field names are case-insensitive): rules ask for it
    # dozens of times per message, so it is an attribute, not a property.
    key: str = field(default="", repr=False, compare=False)

    def __post_init__(self) -> None:
        self.key = self.name.lower()

    @property
    def value_offset(self) -> int:
        """Offset of the first octet after the colon."""
        return self.colon + 1

    def offset_of(self, index: int) -> int:
        """Message offset of the octet at ``index`` of the unfolded value."""
        position = max(bisect_right(self.pieces, (index, float("inf"))) - 1, 0)
        value_index, offset = self.pieces[position]
        return offset + (index - value_index)

    def text(self) -> str:
        """The unfolded value as text; octets above 127 kept as surrogates."""
        return self.value.decode("ascii", "surrogateescape")


@dataclass
class HeaderSection:
    """The header fields, and what was found around them.

    ``body_start`` is the index of the first body line (``len(source)`` when
    there is no body).  ``separator`` is the index of the empty line that ends
    the section, ``None`` when there is none; then ``missing_separator_at`` is
    the line where the body was taken to start, if any line was left.
    ``cut`` is the line of the first field left unparsed when the section
    holds more fields than the limit (``None`` when every field was parsed).
    """

    fields: list[HeaderField]
    stray_lines: list[int]
    leading_continuation: int | None
    separator: int | None
    missing_separator_at: int | None
    body_start: int
    cut: int | None = None
    _by_key: dict[str, list[HeaderField]] | None = field(default=None, repr=False, compare=False)

    def _index(self) -> dict[str, list[HeaderField]]:
        """Fields by lowercased name, built once: rules look fields up by name often."""
        if self._by_key is None:
            self._by_key = {}
            for header_field in self.fields:
                self._by_key.setdefault(header_field.key, []).append(header_field)
        return self._by_key

    def get_all(self, name: str) -> list[HeaderField]:
        """Every field of that name, in order (case-insensitive)."""
        return list(self._index().get(name.lower(), ()))

    def get(self, name: str) -> HeaderField | None:
        """The first field of that name, or None."""
        found = self._index().get(name.lower())
        return found[0] if found else None


@dataclass
class ParsedMessage:
    """A message as the rules see it: source, header section, line-ending form.

    ``form`` is ``"wire"`` (every line must end in CRLF) or ``"stored"`` (a
    file in the Unix storage convention, every line ending in LF).
    ``unchecked`` counts the octets past ``limits.max_lines`` lines, left out
    of ``source`` (0 when the whole message is there).
    """

    source: Source
    header: HeaderSection
    form: str
    path: str = "-"
    max_depth: int = 32
    limits: Limits = DEFAULT_LIMITS
    unchecked: int = 0
    _mime: Part | None = None

    @property
    def mime(self) -> Part:
        """The MIME tree, built on first use (LN and HD rules never need it)."""
        if self._mime is None:
            from maillint.mime import build_tree

            self._mime = build_tree(self.source, self.header, self.max_depth, self.limits)
        return self._mime

    @property
    def body_offset(self) -> int:
        """Offset of the first body octet (the end of the data if no body)."""
        if self.header.body_start < len(self.source):
            return self.source.starts[self.header.body_start]
        return len(self.source.data)


def _find_separator(source: Source, start: int, stop: int) -> int | None:
    """Index of the first empty line in ``[start, stop)``, or None."""
    raw_lines = source.raw_lines
    for index in range(start, stop):
        if raw_lines[index] in (b"\r\n", b"\n", b"\r"):
            return index
    return None


def _last_field_start(source: Source, start: int, stop: int) -> int:
    """Index of the last line in ``[start, stop)`` that starts a valid field, or -1."""
    for index in range(stop - 1, start - 1, -1):
        if VALID_FIELD_START.match(source.raw_lines[index]):
            return index
    return -1


def _join_values(fields: list[HeaderField], chunks: list[list[bytes]]) -> None:
    """Unfold: each field's value is its lines' texts without the line breaks."""
    for header_field, texts in zip(fields, chunks, strict=True):
        header_field.value = b"".join(texts)


def parse_header(
    source: Source, start: int = 0, stop: int | None = None, *, max_fields: int | None = None
) -> HeaderSection:
    """Split the header section into fields, tolerating every malformation.

    A line without colon inside the header section is a stray line (HD002)
    when a valid field follows it before the empty line; otherwise the body
    starts there without its separator (HD007).  With no empty line at all,
    the first line that is neither a field nor a continuation starts the body.
    Past ``max_fields`` fields the rest of the section is only skipped over
    (``cut`` says where).
    """
    limit = len(source) if stop is None else stop
    separator = _find_separator(source, start, limit)
    stop = separator if separator is not None else limit
    last_field = _last_field_start(source, start, stop) if separator is not None else -1

    fields: list[HeaderField] = []
    chunks: list[list[bytes]] = []  # the raw texts of each field, joined once at the end
    stray: list[int] = []
    leading: int | None = None
    current: HeaderField | None = None
    cut: int | None = None
    lines = source.raw_lines
    for index in range(start, stop):
        raw = lines[index]
        if cut is not None:  # past the limit: only find where the section ends
            if separator is not None:
                break
            if raw[:1] in (b" ", b"\t") or FIELD_START.match(raw):
                continue
            _join_values(fields, chunks)
            return HeaderSection(fields, stray, leading, None, index, index, cut)
        offset = source.starts[index]
        content = raw.rstrip(b"\r\n")
        if raw[:1] in (b" ", b"\t"):
            if current is None:
                if not fields and not stray and leading is None:
                    leading = index  # a continuation of nothing (after a stray line: of that)
                continue
            current.pieces.append((current.pieces[-1][0] + len(chunks[-1][-1]), offset))
            chunks[-1].append(content)
            current.last_line = index
            current.end = offset + len(raw)
            continue
        match = FIELD_START.match(content)
        if match is None:
            if index < last_field:
                stray.append(index)
                current = None
                continue
            _join_values(fields, chunks)
            return HeaderSection(fields, stray, leading, None, index, index)
        if max_fields is not None and len(fields) >= max_fields:
            cut = index
            continue
        colon = offset + match.end() - 1
        current = HeaderField(
            name=match.group(1).decode("latin-1"),
            raw_name=match.group(1),
            first_line=index,
            last_line=index,
            start=offset,
            end=offset + len(raw),
            colon=colon,
            value=b"",
            pieces=[(0, colon + 1)],
        )
        fields.append(current)
        chunks.append([content[match.end() :]])
    _join_values(fields, chunks)
    if separator is None:
        return HeaderSection(fields, stray, leading, None, None, limit, cut)
    return HeaderSection(fields, stray, leading, separator, None, separator + 1, cut)


def detect_form(data: bytes) -> str:
    """``"stored"`` when every line ends in a bare LF (no CR at all), else ``"wire"``."""
    return "stored" if b"\n" in data and b"\r" not in data else "wire"


def parse(
    data: bytes,
    *,
    line_endings: str = "wire",
    path: str = "-",
    first_line: int = 1,
    base_offset: int = 0,
    limits: Limits = DEFAULT_LIMITS,
) -> ParsedMessage:
    """Parse raw octets. ``line_endings`` is ``wire``, ``stored`` or ``auto``.

    Only the first ``limits.max_lines`` lines are kept and analysed.
    """
    end = line_limit_offset(data, limits.max_lines)
    kept = data if end == len(data) else data[:end]
    source = Source(kept, first_line=first_line, base_offset=base_offset)
    form = detect_form(data) if line_endings == "auto" else line_endings
    header = parse_header(source, max_fields=limits.max_header_fields)
    return ParsedMessage(source, header, form, path, limits=limits, unchecked=len(data) - len(kept))
