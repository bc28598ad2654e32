"""TE rules: transfer encodings. Findings are checked as (code, line, column)."""

from __future__ import annotations

import base64
import binascii

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maillint import Severity, lint_bytes
from maillint.registry import all_rules
from support import HEAD, hits, lint, msg

TE_CODES = [f"TE{number:03d}" for number in range(1, 7)]

# The TE table of RULES.md: code, name, default severity (a contract with users).
CATALOG = {
    "TE001": ("unknown-transfer-encoding", "error"),
    "TE002": ("undeclared-8bit", "error"),
    "TE003": ("invalid-base64", "error"),
    "TE004": ("base64-line-too-long", "warning"),
    "TE005": ("invalid-quoted-printable", "error"),
    "TE006": ("encoding-on-multipart", "error"),
}

MIME = b"MIME-Version: 1.0\r\n"
CTE = b"Content-Transfer-Encoding: "
# Lines 1-5 are the shared header, 6-8 the MIME fields, 9 the empty line: a
# body built with part() starts on line 10; the encoding value at column 28.
BODY_LINE = 10
VALUE_COLUMN = len(CTE) + 1


def part(encoding: bytes, body: bytes, content_type: bytes = b"application/octet-stream") -> bytes:
    """A single-part message with the given Content-Type and encoding."""
    extra = MIME + b"Content-Type: " + content_type + b"\r\n" + CTE + encoding + b"\r\n"
    return msg(extra=extra, body=body)


def nested(inner: bytes) -> bytes:
    """``inner`` (a part's header, empty line and body) as part 2.1, inside a
    multipart/alternative inside a multipart/mixed. Its first line is line 17."""
    return msg(
        extra=MIME + b'Content-Type: multipart/mixed; boundary="outer"\r\n',
        body=b"--outer\r\n"  # 9
        b"Content-Type: text/plain\r\n\r\nhello\r\n"  # 10-12
        b"--outer\r\n"  # 13
        b'Content-Type: multipart/alternative; boundary="inner"\r\n\r\n'  # 14-15
        b"--inner\r\n" + inner + b"\r\n--inner--\r\n--outer--\r\n",  # 16
    )


def findings(data: bytes, code: str, **options):
    return lint(data, code, **options).findings


def b64_lines(count: int, seed: int = 0) -> list[bytes]:
    """``count`` full 76-character base64 lines."""
    raw = bytes((seed + i * 7) % 256 for i in range(57 * count))
    text = base64.b64encode(raw)
    return [text[i : i + 76] for i in range(0, len(text), 76)]


# --- the catalog and each rule's own examples --------------------------------


def test_codes_names_and_severities_match_the_catalog():
    rules = all_rules()
    for code, (name, severity) in CATALOG.items():
        assert rules[code].name == name
        assert str(rules[code].severity) == severity
    assert sorted(c for c in rules if c.startswith("TE")) == TE_CODES


@pytest.mark.parametrize("code", TE_CODES)
def test_rule_examples(code):
    rule = all_rules()[code]
    assert hits(rule.bad, code), "the bad example must trigger the rule"
    assert hits(rule.good, code) == [], "the good example must be silent"
    assert "What it does:" in rule.doc and "Why it matters:" in rule.doc


@pytest.mark.parametrize("code", TE_CODES)
def test_plain_message_is_silent(code):
    assert hits(msg(), code) == []


GOOD_NESTED = nested(
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    b"Gr=C3=BC=C3=9Fe, a soft=\r\nbreak and =3D.\r\n"
    b"--inner\r\n"
    b"Content-Type: application/octet-stream\r\n"
    b"Content-Transfer-Encoding: BASE64 (an attachment)\r\n\r\n"
    + b"\r\n".join(b64_lines(3))
    + b"\r\nQUJD\r\nQUI=\r\n"
    b"--inner\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: 8bit\r\n\r\n" + "Grüße\r\n".encode()
)


@pytest.mark.parametrize("code", TE_CODES)
def test_valid_nested_multipart_is_silent(code):
    assert hits(GOOD_NESTED, code) == []


# --- TE001 unknown-transfer-encoding -----------------------------------------


def test_te001_points_at_the_value_and_names_uuencode():
    data = part(b"x-uuencode", b"begin 644 a.txt\r\nend\r\n")
    assert hits(data, "TE001") == [("TE001", 8, VALUE_COLUMN)]
    (finding,) = findings(data, "TE001")
    assert "uuencode is not a MIME transfer encoding" in finding.message
    assert finding.field == "Content-Transfer-Encoding" and finding.part is None


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        (b"7-bit", "did you mean '7bit'?"),
        (b"Quoted Printable", "did you mean 'quoted-printable'?"),
        (b"base64;", "did you mean 'base64'?"),
        (b'"base64"', "did you mean 'base64'?"),
        (b"8bits", "did you mean '8bit'?"),
        (b"x-gzip64", "private x- encoding"),
        (b"text/html", "a media type"),
        (b"base9000", "unknown transfer encoding 'base9000'"),
    ],
)
def test_te001_names_the_likely_intent(value, hint):
    (finding,) = findings(part(value, b"x\r\n"), "TE001")
    assert hint in finding.message


@pytest.mark.parametrize(
    "value",
    [b"7bit", b"8BIT", b"Binary", b"Quoted-Printable", b"base64", b"  base64  ", b"base64 (att)"],
)
def test_te001_known_values_with_case_and_comments_are_fine(value):
    assert hits(part(value, b"QUJD\r\n"), "TE001") == []


def test_te001_comment_before_the_value_and_nested_comments():
    assert hits(part(b"(a (nested) note) 7bit", b"x\r\n"), "TE001") == []
    data = part(b"(note) x-foo (more)", b"x\r\n")
    assert hits(data, "TE001") == [("TE001", 8, VALUE_COLUMN + 7)]


def test_te001_folded_value_points_at_the_continuation_line():
    data = msg(extra=MIME + CTE[:-1] + b"\r\n  x-foo\r\n", body=b"x\r\n")
    assert hits(data, "TE001") == [("TE001", 8, 3)]


def test_te001_empty_value_is_left_to_hd013():
    assert hits(part(b"", b"x\r\n"), "TE001") == []


def test_te001_reports_a_second_field_with_another_mechanism():
    data = part(b"7bit", b"QUJD\r\n").replace(b"\r\n\r\n", b"\r\n" + CTE + b"base64\r\n\r\n", 1)
    assert hits(data, "TE001") == [("TE001", 9, 1)]
    (finding,) = findings(data, "TE001")
    assert "another value" in finding.message and "readers disagree" in finding.message


def test_te001_reports_a_repeated_field_even_when_it_agrees():
    data = part(b"base64", b"QUJD\r\n").replace(
        b"\r\n\r\n", b"\r\n" + CTE + b"BASE64 (again)\r\n\r\n", 1
    )
    (finding,) = findings(data, "TE001")
    assert "the same as the first" in finding.message
    assert (finding.line, finding.column) == (9, 1)


def test_te001_in_a_nested_part_names_the_part():
    data = nested(b"Content-Type: text/plain\r\n" + CTE + b"x-bogus\r\n\r\ntext\r\n")
    (finding,) = findings(data, "TE001")
    assert (finding.line, finding.column, finding.part) == (18, VALUE_COLUMN, "2.1")


def test_te001_every_field_of_a_part_is_checked():
    data = msg(extra=MIME + CTE + b"base64\r\n" + CTE + b"x-second\r\n", body=b"QUJD\r\n")
    # The unknown value, and the second field itself.
    assert sorted(hits(data, "TE001")) == [("TE001", 8, 1), ("TE001", 8, VALUE_COLUMN)]


def test_te001_unknown_on_a_multipart_is_reported_once_by_te001():
    data = msg(
        extra=MIME + b'Content-Type: multipart/mixed; boundary="b"\r\n' + CTE + b"x-zip\r\n",
        body=b"--b\r\n\r\nx\r\n--b--\r\n",
    )
    assert hits(data, "TE001", "TE006") == [("TE001", 8, VALUE_COLUMN)]
    assert "multipart/mixed allows only 7bit" in findings(data, "TE001")[0].message


# --- TE002 undeclared-8bit ---------------------------------------------------


def test_te002_points_at_the_first_8bit_octet_and_counts_lines():
    body = b"plain line\r\nGr\xc3\xbc\xc3\x9fe\r\nascii\r\n\xe2\x82\xac\r\n"
    data = msg(extra=MIME + b"Content-Type: text/plain; charset=utf-8\r\n", body=body)
    assert hits(data, "TE002") == [("TE002", 10, 3)]
    (finding,) = findings(data, "TE002")
    assert "7bit by default" in finding.message and "2 lines" in finding.message


def test_te002_declared_7bit_says_so():
    data = part(b"7bit", b"caf\xe9\r\n", b"text/plain; charset=latin-1")
    assert hits(data, "TE002") == [("TE002", BODY_LINE, 4)]
    assert "declared 7bit" in findings(data, "TE002")[0].message


def test_te002_non_mime_message_defaults_to_7bit():
    assert hits(msg(body=b"ok\r\n\x93quoted\x94\r\n"), "TE002") == [("TE002", 8, 1)]


@pytest.mark.parametrize("encoding", [b"8bit", b"binary", b"x-custom"])
def test_te002_other_declarations_are_not_7bit(encoding):
    assert hits(part(encoding, b"caf\xc3\xa9\r\n", b"text/plain"), "TE002") == []


def test_te002_header_octets_are_hd006s():
    assert hits(msg(extra=b"X-Name: J\xc3\xbcrgen\r\n"), "TE002") == []


def test_te002_in_a_nested_part():
    data = nested(b"Content-Type: text/plain\r\n\r\nok\r\nna\xefve\r\n")
    (finding,) = findings(data, "TE002")
    assert (finding.line, finding.column, finding.part) == (20, 3, "2.1")


def test_te002_reads_leaves_only_not_the_multipart_holding_them():
    # An 8bit part inside a multipart that defaults to 7bit: the part declares
    # itself; the multipart's body is its parts, not content of its own.
    assert hits(GOOD_NESTED, "TE002") == []


def test_te002_embedded_message_is_checked_with_its_own_declaration():
    def embedded(inner_fields: bytes) -> bytes:
        return msg(
            extra=MIME + b"Content-Type: message/rfc822\r\n",
            body=b"Subject: inner\r\n" + inner_fields + b"\r\nna\xefve\r\n",
        )

    assert hits(embedded(MIME + CTE + b"8bit\r\n"), "TE002") == []
    assert hits(embedded(b""), "TE002") == [("TE002", 11, 3)]


# --- TE003 invalid-base64 ----------------------------------------------------


def test_te003_character_outside_the_alphabet():
    data = part(b"base64", b"QUJD\r\nQU*D\r\nQUJD\r\n")
    assert hits(data, "TE003") == [("TE003", BODY_LINE + 1, 3)]
    assert "'*' is not a base64 character" in findings(data, "TE003")[0].message


def test_te003_eight_bit_octet():
    data = part(b"base64", b"QUJD\xff\r\n")
    assert hits(data, "TE003") == [("TE003", BODY_LINE, 5)]
    assert "0xFF" in findings(data, "TE003")[0].message


def test_te003_white_space_inside_a_line_is_bad_at_its_end_is_tolerated():
    assert hits(part(b"base64", b"QUJD  \r\nQUJD\t\r\nQUI=  \r\n"), "TE003") == []
    assert hits(part(b"base64", b"QU  JD\r\n"), "TE003") == [("TE003", BODY_LINE, 3)]
    assert hits(part(b"base64", b"QUI  =\r\n"), "TE003") == [("TE003", BODY_LINE, 4)]


def test_te003_data_after_padding():
    data = part(b"base64", b"QUJDRA==\r\nQUJD\r\nQUJD\r\n")
    assert hits(data, "TE003") == [("TE003", BODY_LINE + 1, 1)]
    (finding,) = findings(data, "TE003")
    assert "after the padding" in finding.message and "1 more bad line" in finding.message


def test_te003_padding_in_the_middle_of_a_line():
    assert hits(part(b"base64", b"QUI=QUJD\r\n"), "TE003") == [("TE003", BODY_LINE, 5)]


@pytest.mark.parametrize(
    ("body", "column", "text"),
    [
        (b"QUJDRA\r\n", 7, "padding missing"),  # after the last character
        (b"QUJDR\r\n", 5, "lone character"),  # at the lone character
        (b"QUJDRA===\r\n", 7, "3 '='"),  # at the first "="
        (b"QUJDREU==\r\n", 8, "does not fit"),
        (b"QUJD==\r\n", 5, "the last group is complete"),
    ],
)
def test_te003_bad_padding(body, column, text):
    data = part(b"base64", body)
    assert hits(data, "TE003") == [("TE003", BODY_LINE, column)]
    assert text in findings(data, "TE003")[0].message


def test_te003_padding_may_be_split_over_lines_and_followed_by_blank_lines():
    assert hits(part(b"base64", b"QUJDRA=\r\n=\r\n\r\n\r\n"), "TE003") == []


def test_te003_empty_body_is_valid():
    assert hits(part(b"base64", b""), "TE003") == []


def test_te003_first_bad_line_of_many_and_the_count_of_the_others():
    lines = b64_lines(2000)
    lines[1200] = lines[1200][:10] + b"!" + lines[1200][11:]
    lines[1500] = lines[1500][:40] + b"." + lines[1500][41:]
    lines[1800] = lines[1800][:5] + b" " + lines[1800][6:]
    data = part(b"base64", b"\r\n".join(lines) + b"\r\n")
    assert hits(data, "TE003") == [("TE003", BODY_LINE + 1200, 11)]
    assert findings(data, "TE003")[0].message.endswith("; 2 more bad lines in this part")


def test_te003_a_line_with_two_problems_counts_once():
    # A bad character and the missing padding on the same (last) line.
    data = part(b"base64", b"QUJD\r\nQ!JDRA\r\n")
    assert findings(data, "TE003")[0].message == "'!' is not a base64 character"
    # Garbage before the padding and data after it on the same line.
    data = part(b"base64", b"QUJD\r\nQ!I=QUJD\r\n")
    assert findings(data, "TE003")[0].message == "'!' is not a base64 character"


def test_te003_mailing_list_footer_after_base64():
    body = b"\r\n".join(b64_lines(3)) + b"\r\nQUI=\r\n-- \r\nList footer\r\n"
    data = part(b"base64", body)
    assert hits(data, "TE003") == [("TE003", BODY_LINE + 4, 1)]


def test_te003_in_a_nested_part_and_stored_form():
    data = nested(b"Content-Type: image/png\r\n" + CTE + b"base64\r\n\r\nQUJD\r\nQU#D")
    (finding,) = findings(data, "TE003")
    assert (finding.line, finding.column, finding.part) == (21, 3, "2.1")
    stored = data.replace(b"\r\n", b"\n")
    assert hits(stored, "TE003", line_endings="auto") == [("TE003", 21, 3)]
    good = nested(b"Content-Type: image/png\r\n" + CTE + b"base64\r\n\r\nQUJD\r\nQUI=")
    assert hits(good.replace(b"\r\n", b"\n"), "TE003", line_endings="auto") == []


def test_te003_unknown_or_other_encodings_are_not_read_as_base64():
    assert hits(part(b"x-base64", b"!!!\r\n"), "TE003") == []
    assert hits(part(b"7bit", b"!!!\r\n"), "TE003") == []


def test_te003_base64_message_rfc822_is_read_as_base64():
    data = part(b"base64", b"U3ViamVjdDogaGkNCg0KaGkNCg==\r\n!\r\n", b"message/rfc822")
    assert hits(data, "TE003") == [("TE003", BODY_LINE + 1, 1)]


ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(list(ALPHABET + b"=" * 8 + b"!-.")), max_size=24))
def test_te003_agrees_with_the_strict_decoder(octets):
    # The C decoder's strict mode (Python 3.11+) is the oracle: for data
    # without white space, TE003 is silent exactly when it accepts the data
    # (but for one leniency of the decoder, below).
    text = bytes(octets)
    try:
        binascii.a2b_base64(text, strict_mode=True)
        valid = True
    except binascii.Error:
        valid = False
    if b"=" in text and len(text.rstrip(b"=")) % 4 == 0:
        # CPython accepts "=" after a complete group even in strict mode; RFC
        # 4648 3.3 pads only an incomplete last group, and so does TE003.
        valid = False
    lines = b"\r\n".join(text[i : i + 7] for i in range(0, len(text), 7))
    assert (hits(part(b"base64", lines + b"\r\n"), "TE003") == []) is valid


# --- TE004 base64-line-too-long ----------------------------------------------


def test_te004_first_long_line_at_column_77_with_the_count():
    lines = b64_lines(10)
    body = b"\r\n".join(lines[:3]) + b"\r\n" + lines[3] + lines[4][:4] + b"\r\n"
    body += lines[5] + b"QUJD" * 30 + b"\r\n" + b"\r\n".join(lines[6:]) + b"\r\n"
    data = part(b"base64", body)
    assert hits(data, "TE004") == [("TE004", BODY_LINE + 3, 77)]
    (finding,) = findings(data, "TE004")
    assert finding.severity is Severity.WARNING
    assert (
        finding.message == "base64 line is 80 characters (limit 76); 1 more long line in this part"
    )


def test_te004_76_characters_is_the_limit_in_both_forms():
    body = b"\r\n".join(b64_lines(4)) + b"\r\n"
    assert hits(part(b"base64", body), "TE004") == []
    stored = part(b"base64", body).replace(b"\r\n", b"\n")
    assert hits(stored, "TE004", line_endings="auto") == []
    assert hits(part(b"base64", b"A" * 77 + b"\r\n"), "TE004") == [("TE004", BODY_LINE, 77)]


def test_te004_last_line_of_a_nested_part_and_other_encodings():
    data = nested(b"Content-Type: image/png\r\n" + CTE + b"base64\r\n\r\n" + b"QUJD" * 25)
    (finding,) = findings(data, "TE004")
    assert (finding.line, finding.column, finding.part) == (20, 77, "2.1")
    assert hits(part(b"7bit", b"x" * 100 + b"\r\n"), "TE004") == []


# --- TE005 invalid-quoted-printable ------------------------------------------


def qp(body: bytes) -> bytes:
    return part(b"quoted-printable", body, b"text/plain; charset=utf-8")


def test_te005_bad_escape():
    data = qp(b"fine=\r\n line\r\nprice=ZZ here\r\n")
    assert hits(data, "TE005") == [("TE005", BODY_LINE + 2, 6)]
    (finding,) = findings(data, "TE005")
    assert finding.severity is Severity.ERROR and "'=' followed by 'ZZ'" in finding.message


@pytest.mark.parametrize(
    ("body", "column"),
    [(b"x=4\r\n", 2), (b"x= y\r\n", 2), (b"a==41\r\n", 2), (b'<a href="x">\r\n', 8)],
)
def test_te005_bad_escapes(body, column):
    assert hits(qp(body), "TE005") == [("TE005", BODY_LINE, column)]


def test_te005_unencoded_8bit_and_control():
    data = qp("café\r\n".encode())
    assert hits(data, "TE005") == [("TE005", BODY_LINE, 4)]
    assert "must be =C3" in findings(data, "TE005")[0].message
    assert hits(qp(b"\x1b$B\r\n"), "TE005") == [("TE005", BODY_LINE, 1)]
    assert hits(qp(b"tab\tinside\r\n"), "TE005") == []


def test_te005_line_over_76_counting_the_soft_break():
    assert hits(qp(b"a" * 76 + b"\r\n" + b"b" * 75 + b"=\r\nc\r\n"), "TE005") == []
    data = qp(b"a" * 76 + b"=\r\nb\r\n")
    assert hits(data, "TE005") == [("TE005", BODY_LINE, 77)]
    assert "77 characters (limit 76)" in findings(data, "TE005")[0].message


def test_te005_lowercase_hex_is_a_warning():
    data = qp(b"caf=c3=a9\r\n")
    assert hits(data, "TE005") == [("TE005", BODY_LINE, 4)]
    (finding,) = findings(data, "TE005")
    assert finding.severity is Severity.WARNING and "'=c3'" in finding.message


def test_te005_trailing_white_space_is_a_warning():
    data = qp(b"one\r\ntwo  \r\nthree\t\r\n")
    assert hits(data, "TE005") == [("TE005", BODY_LINE + 1, 4)]
    (finding,) = findings(data, "TE005")
    assert finding.severity is Severity.WARNING and finding.message.endswith(
        "1 more bad line in this part"
    )
    # After a soft line break too (rule 3: the decoder deletes it, the break stays).
    assert hits(qp(b"soft= \r\nbreak\r\n"), "TE005") == [("TE005", BODY_LINE, 6)]
    assert findings(qp(b"soft= \r\nbreak\r\n"), "TE005")[0].severity is Severity.WARNING


def test_te005_an_error_wins_over_earlier_warnings_and_counts_them():
    data = qp(b"x=3d\r\ny \r\nok\r\nz=G1\r\n")
    assert hits(data, "TE005") == [("TE005", BODY_LINE + 3, 2)]
    (finding,) = findings(data, "TE005")
    assert finding.severity is Severity.ERROR
    assert finding.message.endswith("; 2 more bad lines in this part")


def test_te005_first_bad_line_of_many_and_the_count_of_the_others():
    lines = [b"Line %d of a long text, with =C3=A9 escapes and a soft=" % i for i in range(3000)]
    lines[1000] = b"unencoded \xe9 here"
    lines[2000] = b"=zz"
    lines[2500] = b"x" * 90
    data = qp(b"\r\n".join(lines) + b"\r\n")
    assert hits(data, "TE005") == [("TE005", BODY_LINE + 1000, 11)]
    assert findings(data, "TE005")[0].message.endswith("; 2 more bad lines in this part")


def test_te005_many_bad_lines_are_counted():
    data = qp("é\r\n".encode() * 5000)
    assert findings(data, "TE005")[0].message.endswith("; 4999 more bad lines in this part")


def test_te005_soft_break_at_the_end_of_a_nested_part_and_stored_form():
    good = nested(b"Content-Type: text/plain\r\n" + CTE + b"quoted-printable\r\n\r\na=3D=\r\nb=")
    assert hits(good, "TE005") == []
    assert hits(good.replace(b"\r\n", b"\n"), "TE005", line_endings="auto") == []
    bad = nested(b"Content-Type: text/plain\r\n" + CTE + b"quoted-printable\r\n\r\na=3D=\r\nb=Q")
    (finding,) = findings(bad, "TE005")
    assert (finding.line, finding.column, finding.part) == (21, 2, "2.1")


def test_te005_is_only_for_quoted_printable_parts():
    assert hits(part(b"8bit", "x=Z é \r\n".encode(), b"text/plain"), "TE005") == []


# --- TE006 encoding-on-multipart ---------------------------------------------


MULTIPART_BODY = b"--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--\r\n"


@pytest.mark.parametrize("encoding", [b"base64", b"Quoted-Printable"])
def test_te006_encoded_multipart(encoding):
    data = part(encoding, MULTIPART_BODY, b'multipart/mixed; boundary="b"')
    assert hits(data, "TE006") == [("TE006", 8, VALUE_COLUMN)]
    assert findings(data, "TE006")[0].field == "Content-Transfer-Encoding"


@pytest.mark.parametrize("encoding", [b"7bit", b"8bit", b"binary", b"BINARY (raw)"])
def test_te006_identity_encodings_are_allowed(encoding):
    assert hits(part(encoding, MULTIPART_BODY, b'multipart/mixed; boundary="b"'), "TE006") == []


def test_te006_message_types():
    body = b"U3ViamVjdDogaGkNCg0KaGkNCg==\r\n"
    assert hits(part(b"base64", body, b"message/rfc822"), "TE006") == [("TE006", 8, VALUE_COLUMN)]
    assert hits(part(b"base64", body, b"message/partial; id=1; number=1"), "TE006") != []
    # RFC 6532 3.5: message/global may be encoded.
    assert hits(part(b"base64", body, b"message/global"), "TE006") == []


def test_te006_in_a_nested_multipart():
    data = nested(
        b'Content-Type: multipart/related; boundary="deep"\r\n' + CTE + b"base64\r\n\r\n"
        b"--deep\r\n\r\nx\r\n--deep--"
    )
    (finding,) = findings(data, "TE006")
    assert (finding.line, finding.column, finding.part) == (18, VALUE_COLUMN, "2.1")


# --- robustness --------------------------------------------------------------


ODD_INPUTS = [
    b"",
    b"\r\n",
    b"\n\n\n",
    b"\r\r\r",
    HEAD,  # no body, no separator
    MIME + CTE + b"base64\r\n",  # header only
    MIME + CTE + b"base64\r\n\r\n=",
    MIME + CTE + b"base64\r\n\r\n====\r\n=",
    MIME + CTE + b"quoted-printable\r\n\r\n=",
    MIME + CTE + b"quoted-printable\r\n\r\n= \t",
    MIME + CTE + b"quoted-printable\r\n\r\n\x00\xff=\r=\n=",
    MIME + CTE + b"(unclosed comment base64\r\n\r\nx\r\n",
    MIME + CTE + b"((()\r\n\r\nx\r\n",
    MIME + CTE + b")\\\r\n\r\nx\r\n",
    MIME + CTE + b"\xff\xfe\r\n\r\nx\r\n",
    MIME + b"Content-Type: multipart/mixed; boundary=b\r\n" + CTE + b"base64\r\n\r\n--b\r\n",
    MIME + b"Content-Type: multipart/mixed\r\n" + CTE + b"base64\r\n\r\nQUJD\r\n",
    MIME + b"Content-Type: message/rfc822\r\n\r\n" + CTE + b"quoted-printable\r\n\r\n=Z",
    MIME + CTE + b"base64\r\n\r\n" + b" " * 10000 + b"x",
    MIME + CTE + b"quoted-printable\r\n\r\n" + b" " * 10000 + b"\r\n" + b"=" * 10000,
]


@pytest.mark.parametrize("data", ODD_INPUTS)
def test_odd_inputs_never_raise(data):
    for form in ("wire", "stored", "auto"):
        lint_bytes(data, select=TE_CODES, line_endings=form)


def test_deep_nesting_is_not_read_below_the_limit():
    depth = 60
    head = b"".join(
        b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (i, i)
        for i in range(depth)
    )
    data = MIME + head + b"\xff\r\n"
    assert lint_bytes(data, select=TE_CODES).findings == []


HEADERS = st.sampled_from(
    [
        CTE + b"base64\r\n",
        CTE + b"quoted-printable\r\n",
        CTE + b"7bit\r\n",
        CTE + b"x-foo\r\n",
        b'Content-Type: multipart/mixed; boundary="b"\r\n' + CTE + b"base64\r\n",
        b"Content-Type: message/rfc822\r\n",
    ]
)
BODIES = st.lists(
    st.sampled_from(
        [b"QUJD", b"=", b"=3D", b"=3d", b" ", b"\t", b"\r\n", b"\n", b"\r", b"--b", b"\xe9", b"!"]
    ),
    max_size=60,
).map(b"".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(HEADERS, min_size=1, max_size=3).map(b"".join), BODIES, st.binary(max_size=40))
def test_random_messages_never_raise(header, body, noise):
    data = MIME + header + b"\r\n" + body + noise
    for form in ("wire", "stored"):
        report = lint_bytes(data, select=TE_CODES, line_endings=form)
        for finding in report.findings:
            assert 0 <= finding.offset <= len(data)


def test_large_parts_give_one_finding_per_rule_and_part():
    valid = b"\r\n".join(b64_lines(150_000)) + b"\r\n"  # 11.6 MB
    bad_everywhere = valid.replace(b"\r\n", b"!\r\n")
    qp_text = b"A line of text, =C3=A9 and =3D, then a soft line break here=\r\n" * 100_000
    assert hits(part(b"base64", valid), "TE003", "TE004") == []
    assert len(hits(part(b"base64", bad_everywhere), "TE003", "TE004")) == 2
    assert hits(qp(qp_text), "TE005") == []
    assert len(hits(qp(qp_text.replace(b"=C3", b"\xc3")), "TE005")) == 1


def test_parts_past_the_profile_limit_are_not_read():
    # Past max-parts (ML001) a message/rfc822 is not opened: its body is not
    # content of its own, so its 8-bit text, declared inside, is not TE002's.
    inner = b"Content-Type: message/rfc822\r\n\r\nSubject: x\r\n" + CTE + b"8bit\r\n\r\n\xe9\r\n"
    body = b"".join(b"--b\r\n" + inner for _ in range(1200)) + b"--b--\r\n"
    data = msg(extra=MIME + b'Content-Type: multipart/mixed; boundary="b"\r\n', body=body)
    assert hits(data, "TE002") == []


def reference_qp(body: bytes) -> tuple[int, int, bool, int] | None:
    """TE005 written plainly, line by line: (line index, column, is an error,
    number of bad lines) of the first place of the worst kind, or None."""
    errors, warnings, bad = [], [], 0
    lines = body.splitlines()
    for number, line in enumerate(lines):
        found_error, found_warning = [], []
        if len(line) > 76:
            found_error.append(77)
        for column, octet in enumerate(line, 1):
            if octet > 126 or (octet < 32 and octet != 9):
                found_error.append(column)
            elif octet == 0x3D:
                after = line[column : column + 2]
                if len(after) == 2 and all(c in b"0123456789ABCDEFabcdef" for c in after):
                    if after != after.upper():
                        found_warning.append(column)
                elif line[column:].strip(b" \t") != b"":
                    found_error.append(column)
        if line[-1:] in (b" ", b"\t"):
            found_warning.append(len(line.rstrip(b" \t")) + 1)
        if found_error or found_warning:
            bad += 1
        if found_error:
            errors.append((number, min(found_error)))
        if found_warning:
            warnings.append((number, min(found_warning)))
    if errors:
        return (*errors[0], True, bad)
    if warnings:
        return (*warnings[0], False, bad)
    return None


QP_PIECES = [
    b"a",
    b"=",
    b"=3D",
    b"=3d",
    b"=A",
    b" ",
    b"\t",
    b"\r\n",
    b"\n",
    b"\r",
    b"\xe9",
    b"\x1b",
    b"x" * 30,
]


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(QP_PIECES), max_size=30).map(b"".join))
def test_te005_agrees_with_a_plain_line_by_line_reading(body):
    data = qp(body)
    expected = reference_qp(body)
    found = findings(data, "TE005")
    if expected is None:
        assert found == []
        return
    number, column, is_error, bad = expected
    (finding,) = found
    assert (finding.line, finding.column) == (BODY_LINE + number, column)
    assert (finding.severity is Severity.ERROR) is is_error
    more = f"; {bad - 1} more bad line" if bad > 1 else ""
    assert more in finding.message and ("more bad" in finding.message) == (bad > 1)
