"""Hostile input: pathological messages, and what every report of one must hold.

The builders serve the tests and ``benchmarks/pathological.py``: each takes
one number (the size that grows: octets, fields, lines, depth, parts) and
returns a whole message in the wire form, the recipients at carrier domains so
that carrier selection and its rules run too.  The checks are the fuzzers'
properties (``test_fuzz.py``, ``test_regressions.py``): every rule runs, every
position lies inside the input, every output format renders and encodes.
"""

from __future__ import annotations

import base64
import json
import re
from bisect import bisect_right

from maillint import Report, lint_bytes
from maillint.registry import all_rules
from maillint.report import FORMATS, RenderOptions
from maillint.report.json_format import to_dict
from maillint.report.text import format_finding
from maillint.runner import Results

# Control characters that must never reach a line of the text report: they
# would split it, or drive the terminal (ESC).
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

HEAD = (
    b"From: Mallory <mallory@example.com>\r\n"
    b"To: victim@t.vodafone.ne.jp, victim@docomo.ne.jp\r\n"
    b"Date: Mon, 01 Jan 2024 09:00:00 +0900\r\n"
    b"Message-ID: <hostile.1@example.com>\r\n"
    b"MIME-Version: 1.0\r\n"
)


def single_line(octets: int) -> bytes:
    """A body that is one line of ``octets`` octets, without a line break."""
    return HEAD + b"Subject: one line\r\n\r\n" + b"x" * octets


def header_fields(count: int) -> bytes:
    """``count`` header fields besides the usual ones."""
    return HEAD + b"Subject: fields\r\n" + b"X-Filler: padding\r\n" * count + b"\r\nbody\r\n"


def folded_header(lines: int) -> bytes:
    """One Subject folded over ``lines`` continuation lines."""
    return HEAD + b"Subject: folded\r\n" + b" again\r\n" * lines + b"\r\nbody\r\n"


def nested_multiparts(depth: int) -> bytes:
    """Multiparts nested ``depth`` deep around one text part, every one closed."""
    opening = b"".join(
        b"--n%d\r\nContent-Type: multipart/mixed; boundary=n%d\r\n\r\n" % (i, i + 1)
        for i in range(depth - 1)
    )
    closing = b"".join(b"--n%d--\r\n" % i for i in range(depth - 1, -1, -1))
    return (
        HEAD
        + b"Subject: nested\r\nContent-Type: multipart/mixed; boundary=n0\r\n\r\n"
        + opening
        + b"--n%d\r\n\r\nleaf\r\n" % (depth - 1)
        + closing
    )


def sibling_parts(count: int) -> bytes:
    """A multipart/mixed with ``count`` small text parts."""
    part = b"--s\r\nContent-Type: text/plain\r\n\r\npart\r\n"
    return (
        HEAD
        + b"Subject: siblings\r\nContent-Type: multipart/mixed; boundary=s\r\n\r\n"
        + part * count
        + b"--s--\r\n"
    )


def boundary_prefix_lines(lines: int) -> bytes:
    """A boundary that begins ``lines`` body lines that are not delimiters."""
    cycle = [b"--frontierX", b"--frontier-", b"--frontier--x", b"--frontier=", b"--frontier.1"]
    body = b"".join(cycle[i % len(cycle)] + b"\r\n" for i in range(lines))
    return (
        HEAD
        + b"Subject: prefix\r\nContent-Type: multipart/mixed; boundary=frontier\r\n\r\n"
        + b"--frontier\r\nContent-Type: text/plain\r\n\r\n"
        + body
        + b"--frontier--\r\n"
    )


def base64_part(octets: int) -> bytes:
    """An attachment of ``octets`` octets (decoded), base64 in lines of 76."""
    chunk = base64.encodebytes(bytes(range(256)) * 3).replace(b"\n", b"\r\n")  # 768 octets
    return (
        HEAD
        + b"Subject: base64\r\nContent-Type: application/octet-stream; name=big.bin\r\n"
        + b"Content-Transfer-Encoding: base64\r\n"
        + b"Content-Disposition: attachment; filename=big.bin\r\n\r\n"
        + chunk * max(1, octets // 768)
    )


def encoded_word_subject(octets: int) -> bytes:
    """A Subject of about ``octets`` octets of encoded words, folded as RFC 2047 asks."""
    word = b" =?UTF-8?B?44GC44GE44GG44GI44GK?=\r\n"
    return HEAD + b"Subject:" + word * max(1, octets // len(word)) + b"\r\nbody\r\n"


def only_cr(octets: int) -> bytes:
    """Nothing but CR."""
    return b"\r" * octets


BUILDERS = {
    "single-line": single_line,
    "header-fields": header_fields,
    "folded-header": folded_header,
    "nested-multiparts": nested_multiparts,
    "sibling-parts": sibling_parts,
    "boundary-prefix": boundary_prefix_lines,
    "base64-part": base64_part,
    "encoded-words": encoded_word_subject,
    "only-cr": only_cr,
}


# -- what every report must hold ----------------------------------------------


def lint_all(data: bytes, line_endings: str = "wire", **options) -> Report:
    """Lint with every rule: the default profile, every code selected (carrier
    rules, off by default, too), carrier profiles chosen by recipient."""
    return lint_bytes(
        data, select=list(all_rules()), carrier="auto", line_endings=line_endings, **options
    )


def _lines_of(data: bytes) -> tuple[list[bytes], list[int]]:
    raw = data.splitlines(keepends=True)
    starts, offset = [], 0
    for line in raw:
        starts.append(offset)
        offset += len(line)
    return raw, starts


def check_positions(data: bytes, report: Report, *, parts: bool = True) -> None:
    """Every finding inside ``data``: offset, line and column, and agreeing.

    ``data`` is the whole file (an mbox's positions are the file's); ``parts``
    checks that each finding's part is one the report lists.
    """
    raw, starts = _lines_of(data)
    paths = {part.path for part in report.parts}
    for finding in report.findings:
        assert 0 <= finding.offset <= len(data), finding
        index = max(bisect_right(starts, finding.offset) - 1, 0)
        expected = {(index + 1, finding.offset - (starts or [0])[index] + 1)}
        # A point just past a line break is also "past the end of the line before":
        # the end of a message inside an mbox, or of a file ending in a line break.
        if raw and finding.offset == starts[index] and index:
            expected.add((index, len(raw[index - 1]) + 1))
        if raw and finding.offset == len(data) and data.endswith((b"\n", b"\r")):
            expected |= {(len(raw), len(raw[-1]) + 1), (len(raw) + 1, 1)}
            assert (finding.line, finding.column) in expected, finding
            continue
        assert (finding.line, finding.column) in expected, finding
        if raw:
            assert 1 <= finding.line <= len(raw), finding
            assert 1 <= finding.column <= len(raw[finding.line - 1]) + 1, finding
        else:
            assert (finding.line, finding.column) == (1, 1), finding
        assert not parts or finding.part is None or finding.part in paths, (finding, paths)
        assert isinstance(finding.message, str) and finding.message, finding


def check_outputs(report: Report) -> None:
    """Every format renders and encodes as UTF-8; the JSON round-trips; text lines stay lines."""
    results = Results(report.profile, [report])
    options = RenderOptions()
    rendered = json.loads(FORMATS["json"](results, options).encode("utf-8"))
    assert rendered == to_dict(results)  # faithful: nothing but JSON types, nothing lost
    for finding in report.findings:
        line = format_finding(finding)
        assert not CONTROL.search(line), line  # one line, nothing for the terminal to obey
        line.encode("utf-8")
    for name, render in FORMATS.items():
        if name != "html" or report.data is not None:
            render(results, options).encode("utf-8")
