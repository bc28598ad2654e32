"""MM rules: MIME structure. Findings are checked as (code, line, column).

Most messages here are built by ``mp``: the shared header section (lines 1-5),
``MIME-Version: 1.0`` (line 6), the Content-Type (line 7), any extra fields,
the empty line, and the body (from line 9 when there are no extra fields).
"""

from __future__ import annotations

import random

import pytest

from maillint import Severity, lint_bytes, load_profile
from maillint.profiles import with_overrides
from maillint.registry import all_rules
from support import hits, lint, msg, mutations

MM_CODES = [f"MM{number:03d}" for number in range(1, 12)]

# The MM table of RULES.md: code, name, default severity (a contract with users).
CATALOG = {
    "MM001": ("missing-mime-version", "warning"),
    "MM002": ("invalid-content-type", "error"),
    "MM003": ("missing-boundary", "error"),
    "MM004": ("invalid-boundary", "error"),
    "MM005": ("boundary-not-found", "error"),
    "MM006": ("missing-closing-boundary", "error"),
    "MM007": ("nesting-too-deep", "error"),
    "MM008": ("html-without-text-alternative", "info"),
    "MM009": ("invalid-content-disposition", "error"),
    "MM010": ("ambiguous-boundary", "error"),
    "MM011": ("hidden-preamble-or-epilogue", "info"),
}

MIME = b"MIME-Version: 1.0\r\n"


def mp(content_type: bytes, body: bytes, extra: bytes = b"") -> bytes:
    """A MIME message: the shared header, MIME-Version (6), Content-Type (7), extra, body."""
    return msg(extra=MIME + b"Content-Type: " + content_type + b"\r\n" + extra, body=body)


def parts(boundary: bytes, *bodies: bytes, close: bool = True) -> bytes:
    """A multipart body: each part (its header, empty line, text) after a delimiter."""
    text = b"".join(b"--" + boundary + b"\r\n" + body for body in bodies)
    return text + (b"--" + boundary + b"--\r\n" if close else b"")


def part(content_type: bytes | None, text: bytes = b"text\r\n", extra: bytes = b"") -> bytes:
    """One body part: an optional Content-Type, extra fields, the empty line, the text."""
    header = b"Content-Type: " + content_type + b"\r\n" if content_type else b""
    return header + extra + b"\r\n" + text


def codes(data: bytes) -> list[tuple[str, int, int]]:
    return hits(data, *MM_CODES)


# --- the catalog and each rule's own examples --------------------------------


def test_codes_names_and_severities_match_the_catalog():
    rules = all_rules()
    for code, (name, severity) in CATALOG.items():
        assert (rules[code].name, str(rules[code].severity)) == (name, severity)


@pytest.mark.parametrize("code", sorted(CATALOG))
def test_own_examples(code):
    rule = all_rules()[code]
    assert [f for f in lint(rule.bad, code).findings if f.code == code]
    assert not lint(rule.good, code).findings


@pytest.mark.parametrize("code", sorted(CATALOG))
def test_good_examples_are_clean_for_the_whole_family(code):
    """Every rule's good example is a well-formed message for every MM rule."""
    assert codes(all_rules()[code].good) == []


WELL_FORMED = mp(
    b'multipart/mixed; boundary="outer"',
    parts(
        b"outer",
        part(
            b'multipart/alternative; boundary="alt"',
            parts(
                b"alt",
                part(b"text/plain; charset=utf-8", b"Hello\r\n"),
                part(
                    b"multipart/related; boundary=rel",
                    parts(
                        b"rel",
                        part(b"text/html; charset=utf-8", b"<p>Hello</p>\r\n"),
                        part(b"image/png", b"iVBORw0KGgo=\r\n", b"Content-ID: <i@x>\r\n"),
                    ),
                ),
            ),
        ),
        part(
            b"message/rfc822",
            b"From: c@example.com\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: multipart/mixed; boundary=inner\r\n\r\n"
            + parts(b"inner", part(b"text/plain", b"forwarded\r\n")),
        ),
        part(
            b'application/pdf; name="a.pdf"',
            b"JVBERi0=\r\n",
            b'Content-Disposition: attachment; filename="a.pdf"\r\n'
            b"Content-Transfer-Encoding: base64\r\n",
        ),
    ),
)


def test_well_formed_nested_message_is_clean():
    assert codes(WELL_FORMED) == []


def test_findings_name_the_part_and_the_field():
    data = mp(b"multipart/mixed; boundary=b", parts(b"b", part(b"text; charset=x")))
    (finding,) = lint(data, "MM002").findings
    assert (finding.part, finding.field) == ("1", "Content-Type")
    (root,) = lint(msg(extra=MIME + b"Content-Type: text\r\n"), "MM002").findings
    assert (root.part, root.field) == (None, "Content-Type")


# --- MM001 missing-mime-version ------------------------------------------------


def test_mm001_content_field_without_mime_version_at_the_first_one():
    assert hits(msg(extra=b"Content-Type: text/plain\r\n"), "MM001") == [("MM001", 6, 1)]
    data = msg(
        extra=b"X-Note: a\r\nContent-Transfer-Encoding: 7bit\r\nContent-Type: text/plain\r\n"
    )
    assert hits(data, "MM001") == [("MM001", 7, 1)]


@pytest.mark.parametrize(
    "value",
    [
        b" 1.0",
        b"1.0",
        b" 1.0 (produced by MetaSend Vx.x)",
        b" (produced by MetaSend Vx.x) 1.0",
        b" 1.(produced by MetaSend Vx.x)0",
        b" 1.0 (nested (comment) here)",
        b" 1.00",
    ],
)
def test_mm001_version_1_0_modulo_comments_and_white_space(value):
    data = msg(extra=b"MIME-Version:" + value + b"\r\nContent-Type: text/plain\r\n")
    assert hits(data, "MM001") == []


@pytest.mark.parametrize(
    ("value", "column"),
    [(b" 2.0", 15), (b"   1.1", 17), (b" 1,0", 15), (b" 1.0)", 15), (b" (1.0)", 15), (b"", 14)],
)
def test_mm001_other_versions_are_reported_at_the_value(value, column):
    data = msg(extra=b"MIME-Version:" + value + b"\r\nContent-Type: text/plain\r\n")
    assert hits(data, "MM001") == [("MM001", 6, column)]


def test_mm001_silent_without_content_fields_and_for_content_length():
    assert hits(msg(), "MM001") == []
    assert hits(msg(extra=b"Content-Length: 12\r\n"), "MM001") == []


def test_mm001_does_not_judge_forwarded_headers():
    inner = b"From: c@example.com\r\nContent-Type: text/plain\r\n\r\nhi\r\n"
    data = mp(b"multipart/mixed; boundary=b", parts(b"b", part(b"message/rfc822", inner)))
    assert hits(data, "MM001") == []


# --- MM002 invalid-content-type -------------------------------------------------


def test_mm002_missing_subtype_at_the_place_of_the_slash():
    # "Content-Type: text" is 18 octets: the '/' was expected at column 19.
    assert hits(msg(extra=MIME + b"Content-Type: text; charset=x\r\n"), "MM002") == [
        ("MM002", 7, 19)
    ]


def test_mm002_points_into_folded_lines():
    data = msg(extra=MIME + b"Content-Type: text/plain;\r\n\tname=my file.txt\r\n")
    # line 8 is "\tname=my file.txt": the space is at column 9.
    assert hits(data, "MM002") == [("MM002", 8, 9)]


def test_mm002_in_a_part_of_a_nested_multipart():
    inner = parts(b"in", part(b"text/plain"), part(b'text/plain; charset="utf-8'))
    data = mp(
        b"multipart/mixed; boundary=out",
        parts(b"out", part(b"multipart/mixed; boundary=in", inner)),
    )
    # 9 --out, 10 Content-Type (multipart), 11 empty, 12 --in, 13-15 part 1.1,
    # 16 --in, 17 the bad Content-Type: the quote opens at column 35.
    assert hits(data, "MM002") == [("MM002", 17, 35)]


def test_mm002_inside_a_message_rfc822_part():
    inner = b"From: c@example.com\r\nContent-Type: text/\r\n\r\nhi\r\n"
    data = mp(b"multipart/mixed; boundary=b", parts(b"b", part(b"message/rfc822", inner)))
    # 9 --b, 10 message/rfc822, 11 empty, 12 From, 13 "Content-Type: text/": column 20.
    assert hits(data, "MM002") == [("MM002", 13, 20)]


def test_mm002_one_finding_per_field():
    data = msg(extra=MIME + b"Content-Type: text/plain; a; b; c\r\n")
    assert hits(data, "MM002") == [("MM002", 7, 28)]  # "=" expected after "a"
    (finding,) = lint(data, "MM002").findings
    assert "2 more problems" in finding.message


def test_mm002_second_content_type_field_and_repeated_parameter():
    data = msg(
        extra=MIME
        + b'Content-Type: application/pdf; name="a.pdf"; name="b.exe"\r\n'
        + b"Content-Type: text/plain\r\n"
    )
    assert hits(data, "MM002") == [("MM002", 7, 46), ("MM002", 8, 1)]


def test_mm002_plain_parameter_beside_its_rfc2231_form_is_fine():
    data = msg(
        extra=MIME + b"Content-Type: application/pdf; name=\"a.pdf\"; name*=utf-8''%C3%A4.pdf\r\n"
    )
    assert hits(data, "MM002") == []


@pytest.mark.parametrize(
    "value",
    [
        b"text/plain",
        b"TEXT/PLAIN; CHARSET=US-ASCII",
        b"text/plain; charset=us-ascii (Plain text)",
        b'text/plain; charset="utf-8";',
        b"text / plain ; charset = utf-8",
        b"application/x-stuff; title*0*=us-ascii'en'This%20is; title*1=\" fine\"",
        b'multipart/mixed; boundary="=_a b:c/d?"',
    ],
)
def test_mm002_valid_content_types(value):
    assert hits(msg(extra=MIME + b"Content-Type: " + value + b"\r\n"), "MM002") == []


# --- MM003 missing-boundary ------------------------------------------------------


def test_mm003_multipart_without_boundary_root_and_nested():
    assert hits(mp(b"multipart/mixed", parts(b"b", part(None))), "MM003") == [("MM003", 7, 1)]
    data = mp(b"multipart/mixed; boundary=b", parts(b"b", part(b"multipart/alternative; x=y")))
    assert hits(data, "MM003") == [("MM003", 10, 1)]


def test_mm003_silent_with_boundary_and_for_non_multiparts():
    assert hits(mp(b"multipart/mixed; boundary=b", parts(b"b", part(None))), "MM003") == []
    assert hits(msg(extra=MIME + b"Content-Type: text/plain\r\n"), "MM003") == []


def test_mm003_rfc2231_boundary_counts():
    data = mp(b"multipart/mixed; boundary*=us-ascii''b", parts(b"b", part(None)))
    assert hits(data, "MM003", "MM004", "MM005") == []


# --- MM004 invalid-boundary ---------------------------------------------------------


@pytest.mark.parametrize(
    "boundary",
    [
        b'"' + b"b" * 71 + b'"',
        b'"a<b"',
        b'"a\xe9b"',
        b'"ab "',
        b'""',
        b'"a\\"b"',
    ],
)
def test_mm004_invalid_boundaries_at_the_parameter(boundary):
    data = mp(b"multipart/mixed; boundary=" + boundary, b"--x\r\n\r\nx\r\n--x--\r\n")
    # "Content-Type: multipart/mixed; " is 31 octets: the parameter starts at 32.
    assert hits(data, "MM004") == [("MM004", 7, 32)]


@pytest.mark.parametrize(
    "boundary",
    [b"b" * 70, b"0aZ'()+_,-./:=? z", b"=_NextPart_000_0001_01D0A566.DD8BD380"],
)
def test_mm004_valid_boundaries(boundary):
    data = mp(b'multipart/mixed; boundary="' + boundary + b'"', parts(boundary, part(None)))
    assert hits(data, "MM004", "MM005", "MM006") == []


def test_mm004_in_a_nested_part_and_a_folded_field():
    inner = (
        b'Content-Type: multipart/mixed;\r\n boundary="in>"\r\n\r\n--in>\r\n\r\nx\r\n--in>--\r\n'
    )
    data = mp(b"multipart/mixed; boundary=out", b"--out\r\n" + inner + b"--out--\r\n")
    assert hits(data, "MM004") == [("MM004", 11, 2)]


# --- MM005 boundary-not-found --------------------------------------------------------


def test_mm005_no_delimiter_at_the_content_type():
    data = mp(b"multipart/mixed; boundary=b", b"--c\r\n\r\nx\r\n--c--\r\n")
    assert hits(data, "MM005") == [("MM005", 7, 1)]


def test_mm005_only_a_close_delimiter():
    data = mp(b"multipart/mixed; boundary=b", b"\r\n--b--\r\n")
    assert hits(data, "MM005") == [("MM005", 7, 1)]


def test_mm005_delimiter_must_be_a_whole_line():
    # "--bx" is not a delimiter for "b"; "--b  " (transport padding) is.
    assert hits(mp(b"multipart/mixed; boundary=b", b"--bx\r\n\r\nx\r\n"), "MM005") == [
        ("MM005", 7, 1)
    ]
    padded = mp(b"multipart/mixed; boundary=b", b"--b  \r\n\r\nx\r\n--b-- \r\n")
    assert hits(padded, "MM005", "MM006") == []


def test_mm005_nested_and_inside_a_forwarded_message():
    inner = b"Content-Type: multipart/mixed; boundary=gone\r\n\r\nno parts\r\n"
    data = mp(b"multipart/mixed; boundary=b", parts(b"b", part(b"message/rfc822", inner)))
    # 9 --b, 10 message/rfc822, 11 empty, 12 the embedded Content-Type.
    assert hits(data, "MM005") == [("MM005", 12, 1)]
    (finding,) = lint(data, "MM005").findings
    assert finding.part == "1"


# --- MM006 missing-closing-boundary ---------------------------------------------------


def test_mm006_message_ends_without_close_delimiter_at_the_last_line():
    data = mp(
        b"multipart/mixed; boundary=b", parts(b"b", part(None, b"one\r\nlast\r\n"), close=False)
    )
    # 9 --b, 10 empty, 11 one, 12 last.
    assert hits(data, "MM006") == [("MM006", 12, 1)]


def test_mm006_nested_multipart_cut_off_by_the_enclosing_delimiter():
    inner = part(b"multipart/alternative; boundary=in", parts(b"in", part(None), close=False))
    data = mp(b"multipart/mixed; boundary=out", parts(b"out", inner, part(None)))
    # 9 --out, 10 Content-Type, 11 empty, 12 --in, 13 empty, 14 text, 15 --out.
    assert hits(data, "MM006") == [("MM006", 15, 1)]
    closed = part(b"multipart/alternative; boundary=in", parts(b"in", part(None)))
    assert hits(mp(b"multipart/mixed; boundary=out", parts(b"out", closed)), "MM006") == []


def test_mm006_inside_a_forwarded_message():
    inner = b"Content-Type: multipart/mixed; boundary=in\r\n\r\n--in\r\n\r\nx\r\n"
    data = mp(b"multipart/mixed; boundary=b", parts(b"b", part(b"message/rfc822", inner)))
    # 9 --b, 10-11 part header, 12-13 embedded header, 14 --in, 15 empty, 16 x, 17 --b--.
    assert hits(data, "MM006") == [("MM006", 17, 1)]


def test_mm006_silent_without_any_delimiter():
    # No delimiter at all is MM005's business.
    assert hits(mp(b"multipart/mixed; boundary=b", b"text\r\n"), "MM006") == []


# --- MM007 nesting-too-deep ------------------------------------------------------------


def nested(depth: int) -> bytes:
    """Multiparts nested ``depth`` deep (the root is level 0), each closed."""
    head = b"".join(
        b"Content-Type: multipart/mixed; boundary=n%d_\r\n\r\n--n%d_\r\n" % (i, i)
        for i in range(1, depth)
    )
    tail = b"".join(b"--n%d_--\r\n" % i for i in range(depth - 1, 0, -1))
    return mp(
        b"multipart/mixed; boundary=n0_",
        b"--n0_\r\n" + head + b"\r\nleaf\r\n" + tail + b"--n0_--\r\n",
    )


def test_mm007_at_the_content_type_where_descent_stopped():
    assert hits(nested(32), *MM_CODES) == []
    # Level k's Content-Type is on line 7 + 3k; level 32 (0-based) is the 33rd multipart.
    assert hits(nested(33), "MM007") == [("MM007", 7 + 3 * 32, 1)]
    (finding,) = lint(nested(33), "MM007").findings
    assert finding.part == ".".join(["1"] * 32)


def test_mm007_follows_the_profile_parameter():
    profile = with_overrides(load_profile("default"), {"MM007": {"max-depth": 2}}, None)
    report = lint_bytes(nested(4), profile=profile, select=["MM007"])
    assert [(f.line, f.column) for f in report.findings] == [(13, 1)]


def test_mm007_message_rfc822_too_deep():
    profile = with_overrides(load_profile("default"), {"MM007": {"max-depth": 1}}, None)
    inner = b"Content-Type: text/plain\r\n\r\nx\r\n"
    data = mp(b"multipart/mixed; boundary=b", parts(b"b", part(b"message/rfc822", inner)))
    report = lint_bytes(data, profile=profile, select=["MM007"])
    assert [(f.code, f.line, f.column) for f in report.findings] == [("MM007", 10, 1)]


def test_mm007_ten_thousand_deep_is_one_finding():
    levels = b"".join(
        b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (i, i)
        for i in range(1, 10_000)
    )
    data = mp(b"multipart/mixed; boundary=b0", b"--b0\r\n" + levels + b"\r\nleaf\r\n")
    found = hits(data, *MM_CODES)
    assert [finding for finding in found if finding[0] == "MM007"] == [("MM007", 7 + 3 * 32, 1)]


# --- MM008 html-without-text-alternative ---------------------------------------------------


def test_mm008_html_root():
    data = msg(extra=MIME + b"Content-Type: text/html\r\n", body=b"<p>hi</p>\r\n")
    assert hits(data, "MM008") == [("MM008", 7, 1)]
    assert lint(data, "MM008").findings[0].severity is Severity.INFO


def test_mm008_html_in_mixed_beside_plain_is_not_an_alternative():
    data = mp(b"multipart/mixed; boundary=b", parts(b"b", part(b"text/plain"), part(b"text/html")))
    # 9 --b, 10-12 plain, 13 --b, 14 text/html.
    assert hits(data, "MM008") == [("MM008", 14, 1)]


def test_mm008_alternative_without_plain():
    data = mp(
        b"multipart/alternative; boundary=a",
        parts(b"a", part(b"text/enriched"), part(b"text/html")),
    )
    assert hits(data, "MM008") == [("MM008", 14, 1)]


@pytest.mark.parametrize(
    "body",
    [
        # alternative[plain, html]
        parts(b"a", part(b"text/plain"), part(b"text/html")),
        # alternative[plain, related[html, image]]
        parts(
            b"a",
            part(b"text/plain"),
            part(
                b"multipart/related; boundary=r",
                parts(b"r", part(b"text/html"), part(b"image/png")),
            ),
        ),
        # alternative[related[plain, image], html]
        parts(
            b"a",
            part(
                b"multipart/related; boundary=r",
                parts(b"r", part(b"text/plain"), part(b"image/png")),
            ),
            part(b"text/html"),
        ),
        # alternative[html, plain]: the order is another matter
        parts(b"a", part(b"text/html"), part(b"text/plain")),
    ],
)
def test_mm008_alternatives_with_plain(body):
    assert hits(mp(b"multipart/alternative; boundary=a", body), "MM008") == []


def test_mm008_related_around_alternative_and_html_attachments():
    alternative = part(
        b"multipart/alternative; boundary=a", parts(b"a", part(b"text/plain"), part(b"text/html"))
    )
    related = mp(b"multipart/related; boundary=r", parts(b"r", alternative, part(b"image/png")))
    assert hits(related, "MM008") == []
    attachments = mp(
        b"multipart/mixed; boundary=m",
        parts(
            b"m",
            part(b"text/plain"),
            part(b"text/html", extra=b"Content-Disposition: attachment\r\n"),
            part(b'text/html; name="page.html"'),
            part(b"text/html", extra=b'Content-Disposition: inline; filename="p.html"\r\n'),
        ),
    )
    assert hits(attachments, "MM008") == []


def test_mm008_plain_attachment_is_no_alternative():
    data = mp(
        b"multipart/alternative; boundary=a",
        parts(
            b"a",
            part(b"text/plain", extra=b"Content-Disposition: attachment\r\n"),
            part(b"text/html"),
        ),
    )
    # 9 --a, 10-13 plain attachment, 14 --a, 15 text/html.
    assert hits(data, "MM008") == [("MM008", 15, 1)]


def test_mm008_forwarded_html_is_not_judged():
    inner = b"From: c@example.com\r\nContent-Type: text/html\r\n\r\n<p>x</p>\r\n"
    data = mp(
        b"multipart/mixed; boundary=b",
        parts(b"b", part(b"text/plain"), part(b"message/rfc822", inner)),
    )
    assert hits(data, "MM008") == []


# --- MM009 invalid-content-disposition ---------------------------------------------------


@pytest.mark.parametrize(
    ("value", "column"),
    [
        (b" attachment; filename=my file.txt", 45),  # the space in the unquoted value
        (b" filename=a.txt", 22),  # no disposition type
        (b' attachment; filename="a.txt', 43),  # unclosed quote
        (b" attachment; size=12kB", 34),  # size not a number
        (b"", 21),  # empty
    ],
)
def test_mm009_invalid_dispositions(value, column):
    data = msg(extra=MIME + b"Content-Disposition:" + value + b"\r\n")
    assert hits(data, "MM009") == [("MM009", 6 + 1, column)]


@pytest.mark.parametrize(
    "value",
    [
        b"inline",
        b"attachment",
        b"x-unknown-type",
        b'attachment; filename="a b.txt"; size=1024',
        b"attachment; filename*=utf-8''%E2%82%AC.txt; filename=\"euro.txt\"",
        b'attachment; creation-date="Mon, 01 Jan 2024 09:00:00 +0900"',
    ],
)
def test_mm009_valid_dispositions(value):
    assert hits(msg(extra=MIME + b"Content-Disposition: " + value + b"\r\n"), "MM009") == []


def test_mm009_in_a_part_second_field_and_repeated_parameter():
    data = mp(
        b"multipart/mixed; boundary=b",
        parts(
            b"b",
            part(
                b"application/octet-stream",
                extra=b'Content-Disposition: attachment; name="w.exe"; name="i.txt"\r\n'
                b"Content-Disposition: inline\r\n",
            ),
        ),
    )
    # 9 --b, 10 Content-Type, 11 the first disposition (second name at 48), 12 the second.
    assert hits(data, "MM009") == [("MM009", 11, 48), ("MM009", 12, 1)]


# --- MM010 ambiguous-boundary ----------------------------------------------------------------


def test_mm010_two_boundary_parameters():
    data = mp(b'multipart/mixed; boundary="bar"; boundary="foo"', parts(b"bar", part(None)))
    assert hits(data, "MM010") == [("MM010", 7, 48)]
    same = mp(b"multipart/mixed; boundary=bar; boundary=bar", parts(b"bar", part(None)))
    assert hits(same, "MM010") == [("MM010", 7, 46)]


def test_mm010_rfc2231_form_beside_plain_with_the_same_value_is_fine():
    data = mp(b"multipart/mixed; boundary=bar; boundary*=us-ascii''bar", parts(b"bar", part(None)))
    assert hits(data, "MM010") == []
    other = mp(b"multipart/mixed; boundary=bar; boundary*=us-ascii''foo", parts(b"foo", part(None)))
    assert hits(other, "MM010") == [("MM010", 7, 46)]


def test_mm010_boundaries_in_two_content_type_fields():
    data = mp(
        b"multipart/mixed; boundary=bar",
        parts(b"bar", part(None)),
        extra=b"Content-Type: multipart/mixed; boundary=foo\r\n",
    )
    assert hits(data, "MM010") == [("MM010", 8, 32)]


@pytest.mark.parametrize(
    ("outer", "inner"),
    [
        (b"same", b"same"),  # equal
        (b"abc", b"abc_alt"),  # the enclosing boundary is a prefix of the nested one
        (b"abc_0_", b"abc"),  # the nested boundary is a prefix of the enclosing one
    ],
)
def test_mm010_nested_boundary_clashes(outer, inner):
    nested_part = part(b"multipart/alternative; boundary=" + inner, parts(inner, part(None)))
    data = mp(b"multipart/mixed; boundary=" + outer, parts(outer, nested_part))
    # line 10: "Content-Type: multipart/alternative; boundary=...": the parameter at 38.
    assert ("MM010", 10, 38) in hits(data, "MM010")


def test_mm010_distinct_nested_boundaries_and_siblings_are_fine():
    first = part(b"multipart/alternative; boundary=a1", parts(b"a1", part(None)))
    second = part(b"multipart/alternative; boundary=a1", parts(b"a1", part(None)))
    data = mp(b"multipart/mixed; boundary=out", parts(b"out", first, second))
    assert hits(data, "MM010") == []  # siblings may share a boundary: they do not nest


def test_mm010_clash_through_a_forwarded_message():
    inner = (
        b"Content-Type: multipart/mixed; boundary=outer2\r\n\r\n--outer2\r\n\r\nx\r\n--outer2--\r\n"
    )
    data = mp(b"multipart/mixed; boundary=outer", parts(b"outer", part(b"message/rfc822", inner)))
    # 12: the embedded Content-Type; its boundary parameter starts at column 32.
    assert hits(data, "MM010") == [("MM010", 12, 32)]


# --- MM011 hidden-preamble-or-epilogue -------------------------------------------------------


def test_mm011_preamble_text_at_its_first_non_blank_octet():
    data = mp(b"multipart/mixed; boundary=b", b"\r\n   hidden text\r\n" + parts(b"b", part(None)))
    assert hits(data, "MM011") == [("MM011", 10, 4)]
    assert lint(data, "MM011").findings[0].severity is Severity.INFO


@pytest.mark.parametrize(
    "preamble",
    [
        b"This is a multi-part message in MIME format.\r\n",
        b"This is a MIME-encapsulated message\r\n\r\n",
        b"This is an OpenPGP/MIME signed message (RFC 4880 and 3156)\r\n",
        b"This message is in MIME format. Since your mail reader does not understand\r\n"
        b"this format, some or all of this message may not be legible.\r\n",
        b"\r\n \t\r\n",
        b"",
    ],
)
def test_mm011_conventional_or_blank_preambles_are_fine(preamble):
    data = mp(b"multipart/mixed; boundary=b", preamble + parts(b"b", part(None)) + b"\r\n\r\n")
    assert hits(data, "MM011") == []


def test_mm011_a_long_preamble_mentioning_mime_is_still_reported():
    preamble = b"This is a multi-part message in MIME format.\r\n" + b"spam spam spam\r\n" * 40
    data = mp(b"multipart/mixed; boundary=b", preamble + parts(b"b", part(None)))
    assert hits(data, "MM011") == [("MM011", 9, 1)]


def test_mm011_epilogue_and_delimiter_after_close():
    data = mp(b"multipart/mixed; boundary=b", parts(b"b", part(None)) + b"\r\nfooter\r\n")
    # 9 --b, 10 empty, 11 text, 12 --b--, 13 empty, 14 footer.
    assert hits(data, "MM011") == [("MM011", 14, 1)]
    late = mp(b"multipart/mixed; boundary=b", parts(b"b", part(None)) + b"--b\r\n\r\nlate\r\n")
    (finding,) = lint(late, "MM011").findings
    assert (finding.line, finding.column) == (13, 1)
    assert "delimiter line after the close-delimiter" in finding.message


def test_mm011_nested_preamble_and_epilogue():
    inner = part(
        b"multipart/alternative; boundary=in",
        b"inner preamble\r\n" + parts(b"in", part(None)) + b"inner epilogue\r\n",
    )
    data = mp(b"multipart/mixed; boundary=out", parts(b"out", inner))
    # 12 inner preamble, 13 --in, 14 empty, 15 text, 16 --in--, 17 inner epilogue.
    assert hits(data, "MM011") == [("MM011", 12, 1), ("MM011", 17, 1)]
    (first, _) = lint(data, "MM011").findings
    assert first.part == "1"


# --- robustness and cost -------------------------------------------------------------------


ODD_INPUTS = [
    b"",
    b"\r\n",
    b"\n\n\n",
    b"--",
    b"--\r\n--\r\n",
    b"Content-Type: multipart/mixed; boundary=\r\n\r\n--\r\n--\r\n",
    b'Content-Type: multipart/mixed; boundary="\\\r\n\r\n--\\\r\n',
    b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b",
    b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n",
    b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b--",
    b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
    b"Content-Type: multipart/mixed; boundary=b\r\n",
    b"Content-Type: message/rfc822\r\n\r\n",
    b"Content-Type: message/rfc822\r\n\r\nContent-Type: message/rfc822\r\n\r\n",
    b"Content-Type: multipart/digest; boundary=d\r\n\r\n--d\r\n\r\n--d--\r\n",
    b"Content-Type: \xff\xfe/\x00; boundary*0*=x'y'%; boundary*1=\"\r\n\r\n",
    b"Content-Type: multipart/mixed; boundary=\xe3\x81\x82\r\n\r\n--\xe3\x81\x82\r\n\r\nx\r\n",
    b'MIME-Version: ((((((\r\nContent-Disposition: ;;;"\r\n\r\n',
    b"Content-Type: text/html\r",
    b"\x00\x01\x02\x03",
]


@pytest.mark.parametrize("data", ODD_INPUTS)
def test_odd_inputs_do_not_raise(data):
    for line_endings in ("wire", "auto"):
        lint_bytes(data, select=MM_CODES, line_endings=line_endings)


def test_unix_storage_form_reads_the_same():
    data = mp(
        b"multipart/mixed; boundary=b", b"hidden\r\n" + parts(b"b", part(b"text/html"), close=False)
    )
    wire = hits(data, *MM_CODES)
    stored = hits(data.replace(b"\r\n", b"\n"), *MM_CODES, line_endings="auto")
    assert wire == stored
    assert [code for code, _, _ in wire] == ["MM011", "MM008", "MM006"]


def test_random_mutations_do_not_raise():
    rng = random.Random(2046)
    seed = bytearray(WELL_FORMED)
    alphabet = b"-;=\"\r\n \t:/\\()*%'\xff"
    for data in mutations(bytes(seed), alphabet, rng):
        lint_bytes(data, select=MM_CODES)


def test_hundred_thousand_siblings_are_read_without_findings():
    count = 100_000
    body = b"".join(b"--s\r\n\r\n<p>%d</p>\r\n" % i for i in range(count)) + b"--s--\r\n"
    data = msg(extra=MIME + b"Content-Type: multipart/mixed; boundary=s\r\n", body=body)
    assert hits(data, *MM_CODES) == []


def test_many_nested_multipart_siblings_are_read_without_findings():
    count = 20_000
    inner = b"Content-Type: multipart/alternative; boundary=%s\r\n\r\n--%s\r\n\r\nx\r\n--%s--\r\n"
    body = b"".join(b"--s\r\n" + inner % ((b"i%d" % i,) * 3) for i in range(count)) + b"--s--\r\n"
    data = msg(extra=MIME + b"Content-Type: multipart/mixed; boundary=s\r\n", body=body)
    assert hits(data, *MM_CODES) == []
