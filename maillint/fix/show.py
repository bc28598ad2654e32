"""Showing what ``fix`` did: the diff (every line break and invisible octet
spelled out), and the lines and summary the CLI prints.

Apart because it only reads ``FixReport``s and octets: nothing here changes
a message.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import Counter

from maillint.fix.context import _count
from maillint.fix.model import FixReport

PRINTABLE_LINE = re.compile(rb"[\x20-\x5b\x5d-\x7e]*")


# -- showing what was done --------------------------------------------------------------------


def _visible(line: bytes) -> str:
    """A line with every invisible or ambiguous octet spelled out (backslash doubled)."""
    content = line.rstrip(b"\r\n")
    ending = line[len(content) :]
    if PRINTABLE_LINE.fullmatch(content):
        text = content.decode("ascii")
    else:
        out = []
        for char in content.decode("utf-8", "surrogateescape"):
            code = ord(char)
            if char == "\\":
                out.append("\\\\")
            elif char == "\t":
                out.append("\\t")
            elif 0xDC80 <= code <= 0xDCFF:
                out.append(f"\\x{code - 0xDC00:02x}")
            elif code < 0x20 or code == 0x7F:
                out.append(f"\\x{code:02x}")
            elif code > 0x7F and unicodedata.category(char) in (
                "Cc",
                "Cf",
                "Cs",
                "Co",
                "Cn",
                "Zl",
                "Zp",
            ):
                out.append(f"\\u{code:04x}")
            else:
                out.append(char)
        text = "".join(out)
    return text + ending.decode("ascii").replace("\r", "\\r").replace("\n", "\\n")


def render_diff(before: bytes, after: bytes, *, path: str) -> str:
    """A unified diff of the octets, one file line per diff line.

    Every line shows its line break (``\\r\\n``, ``\\n``, ``\\r``), so a change of
    line ends is visible, and every octet a terminal would hide or act on is
    escaped (``\\t``, ``\\x1b``, ``\\u202e``; octets that are not UTF-8 as
    ``\\xe9``; a backslash as ``\\\\``).  Valid UTF-8 is shown as text.
    """
    if before == after:
        return ""
    old = [_visible(line) for line in before.splitlines(keepends=True)]
    new = [_visible(line) for line in after.splitlines(keepends=True)]
    lines = difflib.unified_diff(old, new, fromfile=path, tofile=f"{path} (fixed)", lineterm="")
    return "".join(line + "\n" for line in lines)


def _where(report: FixReport) -> str:
    return report.path if report.index is None else f"{report.path} (message {report.index})"


def describe(report: FixReport, *, color: bool = False) -> list[str]:
    """The lines the CLI prints about one message: fixed, not fixed, what remains."""
    from maillint.report.text import format_finding

    where = _where(report)
    out = []
    for note in report.fixed:
        times = f" ({note.count} times)" if note.count > 1 else ""
        out.append(f"{where}: fixed {', '.join(note.codes)} ({note.names}): {note.message}{times}")
    for note in report.skipped:
        times = f" ({note.count} times)" if note.count > 1 else ""
        out.append(
            f"{where}: not fixed {', '.join(note.codes)} ({note.names}): {note.message}{times}"
        )
    out.extend(format_finding(finding, color=color) for finding in report.remaining.findings)
    return out


def summary(reports: list[FixReport]) -> str:
    """``Fixed 3 problems in 1 message; 2 remain (1 error, 1 warning, 0 infos).``"""
    from maillint.findings import Severity

    fixed = sum(note.count * len(note.codes) for r in reports for note in r.fixed)
    counts: Counter = Counter()
    for report in reports:
        counts.update(report.remaining.counts())
    remaining = sum(counts.values())
    detail = ", ".join(
        f"{counts.get(s, 0)} {s}" + ("" if counts.get(s, 0) == 1 else "s")
        for s in reversed(Severity)
    )
    changed = sum(1 for r in reports if r.changed)
    return (
        f"Fixed {_count(fixed, 'problem')} in {_count(changed, 'message')}; "
        f"{remaining} remain{'s' if remaining == 1 else ''} ({detail})."
    )
