"""HD rules: the header section. Findings are checked as (code, line, column)."""

from __future__ import annotations

import random

import pytest

from maillint import Severity, lint_bytes, load_profile
from maillint.checks.headers import check_date, count_mailboxes
from maillint.profiles import with_overrides
from maillint.registry import all_rules
from support import HEAD, calls, hits, lint, msg

HD_CODES = [f"HD{number:03d}" for number in range(1, 16)]

# The HD table of RULES.md: code, name, default severity (a contract with users).
CATALOG = {
    "HD001": ("invalid-field-name", "error"),
    "HD002": ("not-a-header-line", "error"),
    "HD003": ("leading-continuation", "error"),
    "HD004": ("whitespace-only-continuation", "error"),
    "HD005": ("space-before-colon", "warning"),
    "HD006": ("non-ascii-header", "error"),
    "HD007": ("missing-header-body-separator", "error"),
    "HD008": ("missing-required-field", "error"),
    "HD009": ("duplicate-field", "error"),
    "HD010": ("missing-sender", "error"),
    "HD011": ("invalid-date", "error"),
    "HD012": ("missing-message-id", "warning"),
    "HD013": ("empty-field", "warning"),
    "HD014": ("header-section-too-large", "warning"),
    "HD015": ("no-space-after-colon", "info"),
}

DATE_LINE = b"Date: Mon, 01 Jan 2024 09:00:00 +0900\r\n"
FROM_LINE = b"From: Alice <alice@example.com>\r\n"
MID_LINE = b"Message-ID: <20240101090000.1@example.com>\r\n"


def with_date(value: bytes) -> bytes:
    """The shared message with its Date body replaced (line 3, body at column 6)."""
    return msg(head=HEAD.replace(DATE_LINE, b"Date:" + value + b"\r\n"))


def with_subject(value: bytes) -> bytes:
    """The shared message with its Subject body replaced (line 5, body at column 9)."""
    return msg(head=HEAD.replace(b"Subject: hello", b"Subject:" + value))


def severities(data: bytes, code: str, **options) -> list[Severity]:
    return [f.severity for f in lint(data, code, **options).findings]


# --- the catalog and each rule's own examples --------------------------------


def test_codes_names_and_severities_match_the_catalog():
    rules = all_rules()
    for code, (name, severity) in CATALOG.items():
        assert rules[code].name == name
        assert str(rules[code].severity) == severity
    assert sorted(c for c in rules if c.startswith("HD")) == HD_CODES


@pytest.mark.parametrize("code", HD_CODES)
def test_rule_examples(code):
    rule = all_rules()[code]
    assert hits(rule.bad, code), "the bad example must trigger the rule"
    assert hits(rule.good, code) == [], "the good example must be silent"
    assert "What it does:" in rule.doc and "Why it matters:" in rule.doc


@pytest.mark.parametrize("code", HD_CODES)
def test_valid_message_is_silent(code):
    assert hits(msg(), code) == []


# --- HD001 invalid-field-name ------------------------------------------------


def test_hd001_eight_bit_name_points_at_the_octet():
    data = msg(extra=b"X-Gr\xfc\xdfe: hallo\r\n")
    assert hits(data, "HD001") == [("HD001", 6, 5)]
    assert "2 in this name" in lint(data, "HD001").findings[0].message


def test_hd001_control_and_nul_in_name():
    assert hits(msg(extra=b"X-\x00Bad: x\r\n"), "HD001") == [("HD001", 6, 3)]
    assert hits(msg(extra=b"X-Bad\x7f: x\r\n"), "HD001") == [("HD001", 6, 6)]


def test_hd001_empty_name_points_at_the_colon():
    assert hits(msg(extra=b": no name\r\n"), "HD001") == [("HD001", 6, 1)]


def test_hd001_byte_order_mark_before_first_field():
    findings = lint(b"\xef\xbb\xbf" + msg(), "HD001").findings
    assert [(f.line, f.column) for f in findings] == [(1, 1)]
    assert findings[0].field == "\xef\xbb\xbfFrom"


def test_hd001_every_printable_name_is_valid():
    assert hits(msg(extra=b"X-!#$%&'*+-.^_`{|}~0189: x\r\n"), "HD001") == []


def test_hd001_sets_the_field():
    (finding,) = lint(msg(extra=b"X-B\xe4d: x\r\n"), "HD001").findings
    assert finding.field == "X-B\xe4d"


# --- HD002 not-a-header-line -------------------------------------------------


def test_hd002_line_without_colon_inside_the_section():
    data = HEAD + b"no colon here\r\nX-After: y\r\n\r\nbody\r\n"
    assert hits(data, "HD002") == [("HD002", 6, 1)]


def test_hd002_several_stray_lines():
    data = FROM_LINE + b"one\r\ntwo\r\n" + DATE_LINE + b"\r\nbody\r\n"
    assert hits(data, "HD002") == [("HD002", 2, 1), ("HD002", 3, 1)]


def test_hd002_mbox_from_line_is_info_in_stored_form():
    envelope = b"From alice@example.com Mon Jan  1 09:00:00 2024\r\n"
    stored = (envelope + msg()).replace(b"\r\n", b"\n")
    report = lint(stored, "HD002", line_endings="auto")
    assert [(f.line, f.column, f.severity) for f in report.findings] == [(1, 1, Severity.INFO)]


def test_hd002_mbox_from_line_is_an_error_in_wire_form():
    data = b"From alice@example.com Mon Jan  1 09:00:00 2024\r\n" + msg()
    assert severities(data, "HD002") == [Severity.ERROR]


def test_hd002_line_after_the_last_field_is_hd007_not_hd002():
    data = HEAD + b"Hello Bob.\r\n"
    assert hits(data, "HD002") == []
    assert hits(data, "HD007") == [("HD007", 6, 1)]


# --- HD003 leading-continuation ----------------------------------------------


def test_hd003_first_line_starts_with_white_space():
    assert hits(b" X-Orphan: x\r\n" + msg(), "HD003") == [("HD003", 1, 1)]
    assert hits(b"\tX-Orphan: x\r\n" + msg(), "HD003") == [("HD003", 1, 1)]


def test_hd003_reported_once_for_several_leading_lines():
    assert hits(b" one\r\n two\r\n" + msg(), "HD003") == [("HD003", 1, 1)]


def test_hd003_not_for_a_continuation_after_a_stray_line():
    data = HEAD + b"stray\r\n continued\r\nX-After: y\r\n\r\nbody\r\n"
    assert hits(data, "HD003") == []
    assert hits(data, "HD002") == [("HD002", 6, 1)]


# --- HD004 whitespace-only-continuation --------------------------------------


def test_hd004_space_only_continuation():
    data = msg(extra=b"X-Note: first\r\n \r\n second\r\n")
    assert hits(data, "HD004") == [("HD004", 7, 1)]


def test_hd004_tab_only_and_every_such_line():
    data = msg(extra=b"X-Note: first\r\n\t\r\n  \t \r\n end\r\n")
    assert hits(data, "HD004") == [("HD004", 7, 1), ("HD004", 8, 1)]


def test_hd004_last_line_before_the_separator():
    data = HEAD.replace(b"Subject: hello\r\n", b"Subject: hello\r\n   \r\n") + b"\r\nbody\r\n"
    assert hits(data, "HD004") == [("HD004", 6, 1)]


def test_hd004_ordinary_folding_is_silent():
    assert hits(msg(extra=b"X-Note: first\r\n second\r\n\tthird\r\n"), "HD004") == []


# --- HD005 space-before-colon ------------------------------------------------


def test_hd005_points_at_the_white_space():
    assert hits(msg(extra=b"X-Note : v\r\n"), "HD005") == [("HD005", 6, 7)]
    assert hits(msg(extra=b"X-Note\t\t: v\r\n"), "HD005") == [("HD005", 6, 7)]


def test_hd005_severity_is_warning():
    assert severities(msg(extra=b"X-Note : v\r\n"), "HD005") == [Severity.WARNING]


# --- HD006 non-ascii-header --------------------------------------------------


def test_hd006_raw_utf8_subject():
    data = with_subject(b" caf\xc3\xa9 cr\xc3\xa8me")
    findings = lint(data, "HD006").findings
    assert [(f.code, f.line, f.column) for f in findings] == [("HD006", 5, 13)]
    assert "4 octets" in findings[0].message
    assert findings[0].field == "Subject"


def test_hd006_one_finding_per_field():
    data = msg(extra=b"X-A: \xe9\xe9\r\nX-B: ok \xff\r\n")
    assert hits(data, "HD006") == [("HD006", 6, 6), ("HD006", 7, 9)]


def test_hd006_eight_bit_on_a_continuation_line():
    data = msg(extra=b"X-Note: first\r\n second \xe9\r\n")
    assert hits(data, "HD006") == [("HD006", 7, 9)]


def test_hd006_encoded_word_and_esc_are_not_reported():
    assert hits(with_subject(b" =?UTF-8?Q?caf=C3=A9?="), "HD006") == []
    # Raw ISO-2022-JP is 7-bit (ESC sequences): LN006's business, not HD006's.
    assert hits(with_subject(b" \x1b$B$3$s\x1b(B"), "HD006") == []


def test_hd006_eight_bit_name_is_not_hd006():
    assert hits(msg(extra=b"X-\xe9: ascii\r\n"), "HD006") == []


def allow_utf8_profile():
    return with_overrides(load_profile("default"), {"HD006": {"allow-utf8": True}}, None)


def test_hd006_allow_utf8_passes_valid_utf8():
    data = with_subject(b" caf\xc3\xa9 \xf0\x9f\x8e\x89")
    assert hits(data, "HD006", profile=allow_utf8_profile()) == []
    assert hits(data, "HD006") == [("HD006", 5, 13)]


def test_hd006_allow_utf8_reports_invalid_utf8_where_it_breaks():
    data = with_subject(b" caf\xc3\xa9 and latin-1 \xe9t\xe9")
    assert hits(data, "HD006", profile=allow_utf8_profile()) == [("HD006", 5, 28)]
    overlong = with_subject(b" \xc0\xaf")
    assert hits(overlong, "HD006", profile=allow_utf8_profile()) == [("HD006", 5, 10)]


# --- HD007 missing-header-body-separator -------------------------------------


def test_hd007_body_without_empty_line():
    assert hits(HEAD + b"Hello Bob.\r\nmore\r\n", "HD007") == [("HD007", 6, 1)]


def test_hd007_header_only_message_needs_no_separator():
    assert hits(HEAD, "HD007") == []


def test_hd007_garbage_file():
    assert hits(b"// not a message\r\n", "HD007") == [("HD007", 1, 1)]


# --- HD008 missing-required-field --------------------------------------------


def test_hd008_missing_date():
    data = msg(head=HEAD.replace(DATE_LINE, b""))
    findings = lint(data, "HD008").findings
    assert [(f.code, f.line, f.column) for f in findings] == [("HD008", 1, 1)]
    assert findings[0].field == "Date"


def test_hd008_missing_both():
    data = msg(head=HEAD.replace(DATE_LINE, b"").replace(FROM_LINE, b""))
    assert hits(data, "HD008") == [("HD008", 1, 1), ("HD008", 1, 1)]
    assert sorted(f.field for f in lint(data, "HD008").findings) == ["Date", "From"]


def test_hd008_names_compare_case_insensitively():
    data = msg(head=HEAD.replace(b"From:", b"FROM:").replace(b"Date:", b"date:"))
    assert hits(data, "HD008") == []


@pytest.mark.parametrize("data", [b"", b"\x00\xff\x13binary noise", b"\r\n\r\nbody\r\n"])
def test_hd008_any_input_is_a_message(data):
    assert hits(data, "HD008") == [("HD008", 1, 1), ("HD008", 1, 1)]


# --- HD009 duplicate-field ---------------------------------------------------


def test_hd009_second_and_later_occurrences():
    data = msg(extra=b"Subject: again\r\nsubject: third\r\n")
    findings = lint(data, "HD009").findings
    assert [(f.code, f.line, f.column) for f in findings] == [("HD009", 6, 1), ("HD009", 7, 1)]
    assert all("line 5" in f.message for f in findings)
    assert [f.field for f in findings] == ["Subject", "subject"]


def test_hd009_names_the_file_line_inside_an_mbox():
    data = msg(extra=b"Subject: again\r\n")
    (finding,) = lint(data, "HD009", first_line=101).findings
    assert (finding.line, finding.column) == (106, 1)
    assert "line 105" in finding.message


def test_hd009_every_unique_field():
    extra = b"".join(
        name + b": x\r\n"
        for name in (b"Sender", b"Reply-To", b"Cc", b"Bcc", b"In-Reply-To", b"References")
    )
    data = msg(extra=extra + extra + HEAD)
    assert len(hits(data, "HD009")) == 6 + 5


def test_hd009_repeatable_fields_are_silent():
    data = msg(extra=b"Received: a\r\nReceived: b\r\nComments: a\r\nComments: b\r\n")
    assert hits(data, "HD009") == []


# --- HD010 missing-sender ----------------------------------------------------


def with_from(value: bytes, extra: bytes = b"") -> bytes:
    return msg(head=HEAD.replace(FROM_LINE, b"From: " + value + b"\r\n" + extra))


def test_hd010_two_authors_without_sender():
    data = with_from(b"Alice <alice@example.com>, bob@example.org")
    findings = lint(data, "HD010").findings
    assert [(f.code, f.line, f.column) for f in findings] == [("HD010", 1, 1)]
    assert "2 mailboxes" in findings[0].message


def test_hd010_sender_present():
    data = with_from(b"a@example.com, b@example.com", b"Sender: a@example.com\r\n")
    assert hits(data, "HD010") == []


def test_hd010_folded_group_of_two():
    data = with_from(b"Team: a@example.com,\r\n b@example.com;")
    assert hits(data, "HD010") == [("HD010", 1, 1)]


@pytest.mark.parametrize(
    "value",
    [
        b"Smith, John <john@example.com>",
        b'"a@b.example, c@d.example" <e@example.com>',
        b"e@example.com (by a@b.example, c@d.example)",
        b"<@relay1,@relay2:e@example.com>",
        b"undisclosed-recipients:;",
    ],
)
def test_hd010_single_mailbox_forms(value):
    assert hits(with_from(value), "HD010") == []


def test_count_mailboxes_never_raises():
    assert count_mailboxes(b"(" * 10000 + b"a@b") == 0
    assert count_mailboxes(b":" * 10000) == 0
    assert count_mailboxes(b"a@b," * 1000) == 1000
    assert count_mailboxes(b'"\\') == 0


# --- HD011 invalid-date ------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        b" Mon, 01 Jan 2024 09:00:00 +0900",
        b" Mon, 1 Jan 2024 09:00 -0000",
        b" 01 Jan 2024 09:00:00 +0000 (UTC)",
        b" mon, 01 jan 2024 09:00:00 +0000",
        b" Thu, 29 Feb 2024 23:59:60 +0000",
        b" Mon, 01 Jan 2024\r\n 09:00:00 +0900",
    ],
)
def test_hd011_valid_dates(value):
    assert hits(with_date(value), "HD011") == []


@pytest.mark.parametrize(
    "value",
    [
        b" Fri, 30 Feb 2024 09:00:00 +0900",  # no such day
        b" Thu, 29 Feb 2023 09:00:00 +0900",  # not a leap year
        b" Tue, 01 Jan 2024 09:00:00 +0900",  # 1 Jan 2024 is a Monday
        b" Mon, 01 Jan 2024 09:00:00",  # no zone
        b" Mon, 01 Jan 2024 09:00:00 +0900 JST",  # text after the zone
        b" 2024-01-01T09:00:00+09:00",  # ISO 8601
        b" Monday, 01 Jan 2024 09:00:00 +0900",
        b" Mon, 01 January 2024 09:00:00 +0900",
        b" Mon, 01 Jan 2024 9:00:00 +0900",  # one-digit hour
        b" Mon, 01 Jan 2024 24:00:00 +0900",
        b" Mon, 01 Jan 2024 09:60:00 +0900",
        b" Mon, 01 Jan 2024 09:00:00 +0960",
        b" Mon, 01 Jan 2024 09:00:00+0900",
        b" Sun, 01 Jan 1899 09:00:00 +0000",
        b" Mon, 01 Jan 2024 09:00:00 +0900 (unclosed",
        b" Mon, 01 Jan 2024 09:00:00 J",
        b" \xe6\x9c\x88, 01 Jan 2024 09:00:00 +0900",
    ],
)
def test_hd011_errors(value):
    data = with_date(value)
    assert hits(data, "HD011") == [("HD011", 3, 6)]
    assert severities(data, "HD011") == [Severity.ERROR]


@pytest.mark.parametrize(
    "value",
    [
        b" Mon, 01 Jan 24 09:00:00 +0900",  # two-digit year
        b" Mon, 01 Jan 124 09:00:00 +0900",  # three-digit year (2024)
        b" Mon, 01 Jan 2024 09:00:00 GMT",
        b" Mon, 01 Jan 2024 09:00:00 UT",
        b" Mon, 01 Jan 2024 09:00:00 EST",
        b" Mon, 01 Jan 2024 09:00:00 Z",  # military
        b" Mon, 01 Jan 2024 09:00:00 JST",  # 4.3: unknown zone, read as -0000
        b" Mon (Monday), 01 Jan 2024 09:00:00 +0900",  # comment inside
        b" Mon , 01 Jan 2024 09 : 00 : 00 +0900",  # CFWS around tokens
        b" 21 Nov 97 09:55:06 GMT",
    ],
)
def test_hd011_obsolete_forms_are_warnings(value):
    data = with_date(value)
    assert hits(data, "HD011") == [("HD011", 3, 6)]
    assert severities(data, "HD011") == [Severity.WARNING]


def test_hd011_obsolete_year_checked_with_its_century():
    # 01 Jan 99 is 1999 (a Friday), 01 Jan 24 is 2024 (a Monday).
    assert severities(with_date(b" Fri, 01 Jan 99 09:00:00 +0000"), "HD011") == [Severity.WARNING]
    assert severities(with_date(b" Mon, 01 Jan 99 09:00:00 +0000"), "HD011") == [Severity.ERROR]


def test_hd011_empty_date_is_left_to_hd013():
    data = with_date(b" ")
    assert hits(data, "HD011") == []
    assert hits(data, "HD013") == [("HD013", 3, 6)]


def test_hd011_every_date_field_is_checked():
    data = msg(extra=b"Date: yesterday\r\n")
    assert hits(data, "HD011") == [("HD011", 6, 6)]


def test_check_date_reports_obsolete_forms():
    error, obsolete = check_date(b" 21 Nov 97 09:55:06 GMT")
    assert error is None and len(obsolete) == 2
    assert check_date(b" Mon, 01 Jan 2024 09:00:00 +0900") == (None, [])


# --- HD012 missing-message-id ------------------------------------------------


def test_hd012_missing_message_id():
    data = msg(head=HEAD.replace(MID_LINE, b""))
    assert hits(data, "HD012") == [("HD012", 1, 1)]
    assert severities(data, "HD012") == [Severity.WARNING]


def test_hd012_name_case_does_not_matter():
    assert hits(msg(head=HEAD.replace(b"Message-ID", b"Message-Id")), "HD012") == []


# --- HD013 empty-field -------------------------------------------------------


def test_hd013_empty_cc():
    assert hits(msg(extra=b"Cc: \r\n"), "HD013") == [("HD013", 6, 4)]
    assert hits(msg(extra=b"Cc:\r\n"), "HD013") == [("HD013", 6, 4)]


def test_hd013_folded_white_space_only():
    assert hits(msg(extra=b"To:\r\n \r\n"), "HD013") == [("HD013", 6, 4)]


@pytest.mark.parametrize(
    "extra",
    [b"Bcc:\r\n", b"Resent-Bcc: \r\n", b"Comments:\r\n", b"X-Empty:\r\n", b"Keywords: a\r\n"],
)
def test_hd013_fields_that_may_be_empty(extra):
    assert hits(msg(extra=extra), "HD013") == []


def test_hd013_empty_subject_is_legal():
    assert hits(with_subject(b""), "HD013") == []


@pytest.mark.parametrize(
    "name", [b"Content-Type", b"MIME-Version", b"In-Reply-To", b"Reply-To", b"Received"]
)
def test_hd013_structured_fields(name):
    assert hits(msg(extra=name + b": \r\n"), "HD013") == [("HD013", 6, len(name) + 2)]


# --- HD014 header-section-too-large ------------------------------------------


def test_hd014_too_many_fields_points_at_the_first_one_past_the_limit():
    data = msg(extra=b"X-Filler: padding\r\n" * 996)  # 5 + 996 = 1001 fields
    findings = lint(data, "HD014").findings
    assert [(f.code, f.line, f.column) for f in findings] == [("HD014", 1001, 1)]
    assert "1001 fields" in findings[0].message


def test_hd014_at_the_limit_is_silent():
    assert hits(msg(extra=b"X-Filler: padding\r\n" * 995), "HD014") == []


def test_hd014_too_many_octets():
    big = b"X-Big: " + b"x" * 900 + b"\r\n"  # 909 octets a field
    head = HEAD + big * 113  # 153 + 113 * 909 = 102870 octets
    assert len(head) == 102870
    findings = lint(head + b"\r\nbody\r\n", "HD014").findings
    assert len(findings) == 1
    assert "102870 octets" in findings[0].message
    assert findings[0].offset == 102400  # the first octet past the limit


def test_hd014_one_finding_for_both_limits_with_profile_parameters():
    profile = with_overrides(
        load_profile("default"), {"HD014": {"max-fields": 3, "max-octets": 100}}, None
    )
    findings = lint_bytes(msg(), profile=profile, select=["HD014"]).findings
    # The fourth field (line 4) comes before the 101st octet (line 4, column 15).
    assert [(f.line, f.column) for f in findings] == [(4, 1)]
    assert "5 fields" in findings[0].message and "octets" in findings[0].message


# --- HD015 no-space-after-colon ----------------------------------------------


def test_hd015_no_space_after_colon():
    data = with_subject(b"hello")
    assert hits(data, "HD015") == [("HD015", 5, 9)]
    assert severities(data, "HD015") == [Severity.INFO]


def test_hd015_once_per_field():
    data = msg(head=HEAD.replace(b"To: ", b"To:").replace(b"Subject: ", b"Subject:"))
    assert hits(data, "HD015") == [("HD015", 2, 4), ("HD015", 5, 9)]


@pytest.mark.parametrize("extra", [b"X-Empty:\r\n", b"X-Tab:\tvalue\r\n", b"X-Fold:\r\n value\r\n"])
def test_hd015_silent(extra):
    assert hits(msg(extra=extra), "HD015") == []


# --- hostile input ------------------------------------------------------------


def _odd_inputs() -> dict[str, bytes]:
    rng = random.Random(5322)
    return {
        "empty": b"",
        "noise": rng.randbytes(20000),
        "noise-lines": b"\r\n".join(rng.randbytes(rng.randrange(0, 40)) for _ in range(500)),
        "lone-cr": b"\r" * 1000,
        "lone-lf": b"\n" * 1000,
        "nul-names": b"\x00\x00: x\r\n\x00\r\n: y\r\n \r\n\r\n",
        "eight-bit-names": bytes(range(128, 256)) + b": x\r\n\r\n",
        "colons": b":" * 5000,
        "dates": b"Date: " + b"(" * 3000 + b"\r\nDate: ()()\r\nDate: \xff, 1 \xff 99 9:9 \xff\r\n",
        "many-fields": b"X-F: v\r\n" * 100_000 + b"\r\nbody\r\n",
        "long-fold": b"Subject: a\r\n" + b" \xe9\r\n" * 100_000 + b"\r\n",
    }


@pytest.mark.parametrize("name", list(_odd_inputs()))
def test_odd_inputs_never_raise_and_stay_inside_the_input(name):
    data = _odd_inputs()[name]
    report = lint_bytes(data, select=HD_CODES, line_endings="auto")
    lines = data.splitlines(keepends=True) or [b""]
    for finding in report.findings:
        assert 1 <= finding.line <= len(lines), finding
        assert 1 <= finding.column <= len(lines[finding.line - 1]) + 1, finding
        assert 0 <= finding.offset <= len(data), finding


def test_large_headers_stay_linear():
    missing = [("HD008", 1, 1), ("HD008", 1, 1), ("HD012", 1, 1)]  # no Date, From, Message-ID

    def many_fields(data: bytes, count: int) -> None:
        # One HD009 per Subject after the first: 100 listed, the 101st sums up the rest;
        # the engine reads max-header-fields (10,000) of them.
        report = lint_bytes(data, select=HD_CODES)
        found = [(f.code, f.line, f.column) for f in report.findings]
        too_many = [("HD014", 1001, 1)]  # where the section passes 1,000 fields
        assert found == missing + [("HD009", line, 1) for line in range(2, 103)] + too_many
        assert report.findings[-2].message.startswith("and 9899 more like this")
        assert report.findings[-1].message == (
            f"header section has 10000 fields (limit 1000) and {12 * count} octets (limit 102400)"
        )

    def long_fold(data: bytes, count: int) -> None:
        # One HD004 per line of white space alone; HD014 where the section passes 102,400 octets.
        report = lint_bytes(data, select=HD_CODES)
        found = [(f.code, f.line, f.column) for f in report.findings]
        too_large = [("HD014", 34129, 2)] if len(data) > 102_400 else []
        assert found == missing + [("HD004", line, 1) for line in range(2, 103)] + too_large
        assert report.findings[len(missing) + 100].message.startswith(f"and {count - 100} more")

    work = {}
    for count in (10_000, 100_000):
        work["fields", count] = calls(many_fields, b"Subject: v\r\n" * count + b"\r\n", count)
        data = b"To: a@b.example,\r\n" + b" \r\n" * count + b"\r\n"
        work["fold", count] = calls(long_fold, data, count)
    # Ten times the input: a quadratic rule would be x100.  Past max-header-fields,
    # the fields are not analysed: no more work.  The time: benchmarks/pathological.py hd-*.
    assert work["fields", 100_000] <= 2 * work["fields", 10_000]
    assert work["fold", 100_000] <= 12 * work["fold", 10_000]


def test_part_header_without_empty_line_is_hd007_in_that_part():
    # As the stdlib's msg_47.txt: a part's header runs straight into its text.
    data = msg(
        extra=b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=foo\r\n",
        body=b"--foo\r\nContent-Type: text/plain\r\nbar\r\n\r\n"
        b"--foo\r\nContent-Type: text/html\r\n\r\n<p>x</p>\r\n--foo--\r\n",
    )
    report = lint(data, "HD007", "HD002")
    assert [(f.code, f.line, f.column, f.part) for f in report.findings] == [
        ("HD007", 11, 1, "1")
    ]


def test_stray_line_in_a_part_header_is_hd002():
    data = msg(
        extra=b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=foo\r\n",
        body=b"--foo\r\nContent-Type: text/plain\r\nstray line\r\nX-A: b\r\n\r\n"
        b"body\r\n--foo--\r\n",
    )
    assert hits(data, "HD002", "HD007") == [("HD002", 11, 1)]


# --- HD001, HD004, HD005, HD006 in the header sections of MIME parts ----------

MIXED = b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=foo\r\n"


def in_a_part(part_header: bytes) -> bytes:
    """A multipart whose second part (path "2") has the given header lines; they
    start on line 14 (lines 6-7 MIXED, 9-12 the first part, 13 its delimiter)."""
    return msg(
        extra=MIXED,
        body=b"--foo\r\nContent-Type: text/plain\r\n\r\nhello\r\n--foo\r\n"
        + part_header
        + b"\r\nQUJD\r\n--foo--\r\n",
    )


def found(data: bytes, *codes: str, **options) -> list[tuple[str, int, int, str | None]]:
    return [(f.code, f.line, f.column, f.part) for f in lint(data, *codes, **options).findings]


def test_raw_8bit_file_name_in_a_part_is_hd006_with_the_rfc2231_remedy():
    data = in_a_part(
        b"Content-Type: application/pdf\r\n"
        b'Content-Disposition: attachment; filename="r\xc3\xa9sum\xc3\xa9.pdf"\r\n'
    )
    assert found(data, "HD006") == [("HD006", 15, 45, "2")]
    (finding,) = lint(data, "HD006").findings
    assert "not RFC 2231-encoded" in finding.message and finding.field == "Content-Disposition"


def test_raw_8bit_in_a_part_description_names_rfc2047():
    data = in_a_part(b"Content-Type: text/plain\r\nContent-Description: caf\xc3\xa9\r\n")
    (finding,) = lint(data, "HD006").findings
    assert (finding.line, finding.part) == (15, "2")
    assert "not RFC 2047-encoded" in finding.message


def test_utf8_profile_accepts_utf8_in_part_headers_but_not_latin1():
    good = in_a_part(b'Content-Disposition: attachment; filename="caf\xc3\xa9.txt"\r\n')
    bad = in_a_part(b'Content-Disposition: attachment; filename="caf\xe9.txt"\r\n')
    assert found(good, "HD006", profile="utf8") == []
    assert [f.part for f in lint(bad, "HD006", profile="utf8").findings] == ["2"]


def test_bad_name_blank_continuation_and_space_before_colon_in_a_part():
    data = in_a_part(
        b"Content-Type: application/octet-stream\r\n"
        b"X-Gr\xfc\xdfe: hallo\r\n"
        b"Content-Description : a file\r\n"
        b"Content-Disposition: attachment;\r\n"
        b"  \r\n"
        b" filename=a.bin\r\n"
    )
    assert found(data, "HD001", "HD004", "HD005") == [
        ("HD001", 15, 5, "2"),
        ("HD005", 16, 20, "2"),
        ("HD004", 18, 1, "2"),
    ]


def test_part_headers_that_are_fine_give_no_hd_finding():
    data = in_a_part(
        b"Content-Type: application/pdf; name=report.pdf\r\n"
        b"Content-Disposition: attachment;\r\n filename*=UTF-8''r%C3%A9sum%C3%A9.pdf\r\n"
    )
    assert found(data, "HD001", "HD004", "HD005", "HD006") == []
