"""The raw octets of one message and an index of its lines.

Everything maillint reports is a position in these octets, so the index keeps
every line exactly as it is: where it starts, and how it ends (CRLF, a bare LF,
a bare CR, or nothing at the end of the data).  ``bytes.splitlines`` splits on
exactly those three terminators, in C.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_right
from dataclasses import dataclass
from itertools import accumulate, islice

CRLF = b"\r\n"
LF = b"\n"
CR = b"\r"
# A line terminator as ``bytes.splitlines`` sees it (of the ones mail knows).
TERMINATOR = re.compile(rb"\r\n|\r|\n")
LIMIT_BLOCK = 1 << 16


def terminator_of(line: bytes) -> bytes:
    """The terminator a line (as split with keepends) ends with: CRLF, LF, CR or b""."""
    if line.endswith(CRLF):
        return CRLF
    if line.endswith(LF):
        return LF
    if line.endswith(CR):
        return CR
    return b""


def _terminators(data: bytes, start: int = 0, end: int | None = None) -> int:
    """How many line terminators ``data[start:end]`` holds (CRLF counts once), in C."""
    end = len(data) if end is None else end
    return data.count(LF, start, end) + data.count(CR, start, end) - data.count(CRLF, start, end)


def line_limit_offset(data: bytes, max_lines: int) -> int:
    """The offset just past line ``max_lines`` (the end of the data when it has fewer).

    Terminators are counted in C, a block at a time, up to the block where the
    limit falls; only that block is walked line by line.
    """
    if max_lines <= 0:
        return 0
    if data.count(LF) + data.count(CR) < max_lines:
        return len(data)  # an upper bound, and only the fast one-octet counts (no CRLF count)
    if _terminators(data) < max_lines:
        return len(data)
    start, needed = 0, max_lines
    while True:
        end = min(start + LIMIT_BLOCK, len(data))
        if data[end - 1 : end] == CR and data[end : end + 1] == LF:
            end += 1  # keep a CRLF in one block
        count = _terminators(data, start, end)
        if count >= needed:
            break
        needed -= count
        start = end
    last = next(islice(TERMINATOR.finditer(data, start, end), needed - 1, None))
    return last.end()


@dataclass(frozen=True, slots=True)
class Line:
    """One line: its 0-based index, start offset, content and terminator."""

    index: int
    start: int
    content: bytes
    terminator: bytes

    @property
    def number(self) -> int:
        """The 1-based line number people see."""
        return self.index + 1

    @property
    def end(self) -> int:
        """Offset just past the terminator."""
        return self.start + len(self.content) + len(self.terminator)


class Source:
    """A message's octets with a line index.

    ``first_line`` and ``base_offset`` place the message inside a larger file
    (a message of an mbox): findings report file positions, so a person can go
    straight to the line in their editor.
    """

    __slots__ = ("data", "raw_lines", "starts", "first_line", "base_offset")

    def __init__(self, data: bytes, *, first_line: int = 1, base_offset: int = 0) -> None:
        self.data = data
        self.raw_lines: list[bytes] = data.splitlines(keepends=True)
        # map(len) keeps the loop in C (a generator expression was a tenth of a
        # lint); an array of machine integers takes 8 octets a line where a list
        # of ints took 36, half the size of the message again for base64 lines.
        self.starts: array[int] = array("q", accumulate(map(len, self.raw_lines), initial=0))
        self.starts.pop()  # the offset past the last line starts no line
        self.first_line = first_line
        self.base_offset = base_offset

    def __len__(self) -> int:
        return len(self.raw_lines)

    def line(self, index: int) -> Line:
        """The line at a 0-based index."""
        raw = self.raw_lines[index]
        term = terminator_of(raw)
        return Line(index, self.starts[index], raw[: len(raw) - len(term)], term)

    def lines(self, start: int = 0, stop: int | None = None):
        """Iterate over lines ``start`` to ``stop`` (0-based, stop exclusive)."""
        stop = len(self.raw_lines) if stop is None else stop
        for index in range(start, stop):
            yield self.line(index)

    def line_index_at(self, offset: int) -> int:
        """The 0-based index of the line holding ``offset`` (message-relative)."""
        if not self.starts:
            return 0
        return max(bisect_right(self.starts, offset) - 1, 0)

    def locate(self, offset: int) -> tuple[int, int]:
        """File line and 1-based octet column of a message-relative offset."""
        index = self.line_index_at(offset)
        start = self.starts[index] if self.starts else 0
        return index + self.first_line, offset - start + 1
