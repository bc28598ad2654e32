"""Findings: what a rule reports, and the severities they carry.

A rule yields ``Hit``s (an offset and a message); the engine turns them into
``Finding``s, stamping code, name and severity from the registry and the
profile and computing line and column in one place.  Keeping the two apart
means a rule never decides its own severity and never computes positions.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

# What must not reach a report line as it stands: C0 and C1 controls and DEL
# (they split lines and drive terminals), lone surrogates (undecodable octets
# kept by ``surrogateescape``; no output encoding takes them) and the
# bidirectional controls that reorder what a person reads (CVE-2021-42574).
UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")
SURROGATE = re.compile("[\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    char = ord(match.group())
    if 0xDC80 <= char <= 0xDCFF:
        return f"\\x{char - 0xDC00:02x}"  # an octet that did not decode: shown as the octet
    return f"\\x{char:02x}" if char <= 0xFF else f"\\u{char:04x}"


def printable(text: str) -> str:
    """Text safe on one line of any report: control characters, undecodable
    octets and bidirectional controls spelled out as ``\\xNN`` / ``\\uNNNN``.

    Messages quote the message (field names, parameter values) and paths come
    from file systems (a name may hold a newline, or octets that are not
    UTF-8), so the engine passes both through here once.
    """
    return UNPRINTABLE.sub(_escape, text) if UNPRINTABLE.search(text) else text


def encodable(text: str) -> str:
    """Text that every output encoding takes: only undecodable octets spelled out.

    For values a report shows in a field of their own (a subject, a part's
    type), where the format escapes the rest in its own way.
    """
    return SURROGATE.sub(_escape, text) if SURROGATE.search(text) else text


class Severity(enum.IntEnum):
    """Ordered so that ``max()`` and comparisons mean "worse than"."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @classmethod
    def parse(cls, text: str) -> Severity:
        """Read a severity name as written in profiles and on the command line."""
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(
                f"unknown severity {text!r} (expected error, warning or info)"
            ) from None

    def __str__(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, slots=True)
class Hit:
    """One problem as a rule sees it: where (byte offset) and what.

    ``cap`` lowers the severity for this hit only (the finding gets the lower
    of the profile's severity and ``cap``): a control character is a warning in
    a header but only worth knowing in a body; a bare LF in a Unix-form file is
    information, not an error.  A profile can still lower any rule further.
    """

    offset: int
    message: str
    field: str | None = None
    part: str | None = None
    cap: Severity | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    """A located, classified problem in one message.

    ``line`` and ``column`` are 1-based; the column counts octets, the only unit
    that is unambiguous in a message whose charset may be unknown or wrong.
    ``offset`` is the 0-based byte offset in the input file (for an mbox, in
    the whole file, like ``line``).
    """

    code: str
    name: str
    severity: Severity
    message: str
    line: int
    column: int
    offset: int
    path: str
    field: str | None = None
    part: str | None = None

    def to_dict(self) -> dict[str, object]:
        """The machine form every output format starts from."""
        # Built by hand: dataclasses.asdict deep-copies, and JSON output of a
        # large run spent more time there than in linting.
        return {
            "code": self.code,
            "name": self.name,
            "severity": str(self.severity),
            "message": self.message,
            "line": self.line,
            "column": self.column,
            "offset": self.offset,
            "path": self.path,
            "field": self.field,
            "part": self.part,
        }
