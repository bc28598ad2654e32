"""LN family: lines and octets, asserted as (code, line, column) tuples."""

from __future__ import annotations

from maillint import Severity
from support import HEAD, hits, lint, msg


def test_line_too_long_points_at_column_999():
    data = msg(body=b"ok\r\n" + b"x" * 1203 + b"\r\n")
    assert hits(data, "LN001") == [("LN001", 8, 999)]
    assert "1203 octets" in lint(data, "LN001").findings[0].message


def test_line_of_exactly_998_octets_is_fine():
    assert hits(msg(body=b"x" * 998 + b"\r\n"), "LN001") == []
    assert hits(msg(body=b"x" * 999 + b"\r\n"), "LN001") == [("LN001", 7, 999)]


def test_long_header_line_is_found_too():
    data = msg(extra=b"X-Long: " + b"a" * 1000 + b"\r\n")
    assert hits(data, "LN001") == [("LN001", 6, 999)]


def test_line_over_78_counts_octets_without_charset():
    assert hits(msg(body=b"y" * 79 + b"\r\n"), "LN002") == [("LN002", 7, 79)]
    assert hits(msg(body=b"y" * 78 + b"\r\n"), "LN002") == []


def test_line_over_78_counts_characters_of_declared_charset():
    # 40 hiragana: 120 octets in UTF-8, but 40 characters.
    text = ("あ" * 40).encode("utf-8")
    data = msg(
        extra=b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n",
        body=text + b"\r\n",
    )
    assert hits(data, "LN002") == []
    long_text = ("あ" * 80).encode("utf-8")
    data = msg(
        extra=b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n",
        body=long_text + b"\r\n",
    )
    # Column of the 79th character: 78 characters of 3 octets each precede it.
    assert hits(data, "LN002") == [("LN002", 9, 78 * 3 + 1)]


def test_bare_lf_in_wire_form_is_one_error_with_count():
    data = HEAD + b"\r\nline one\nline two\nline three\r\n"
    report = lint(data, "LN003")
    assert [(f.code, f.line, f.column) for f in report.findings] == [("LN003", 7, 9)]
    assert report.findings[0].severity is Severity.ERROR
    assert "2 bare LFs" in report.findings[0].message


def test_unix_form_file_gets_one_info_finding():
    data = msg().replace(b"\r\n", b"\n")
    report = lint(data, "LN003", line_endings="auto")
    assert report.form == "stored"
    assert [(f.code, f.severity) for f in report.findings] == [("LN003", Severity.INFO)]
    assert report.findings[0].line == 1


def test_mixed_file_stays_wire_form_in_auto_mode():
    data = HEAD.replace(b"\r\n", b"\n", 1) + b"\r\nbody\r\n"
    report = lint(data, "LN003", line_endings="auto")
    assert report.form == "wire"
    assert [(f.code, f.line, f.severity) for f in report.findings] == [("LN003", 1, Severity.ERROR)]


def test_stored_form_can_be_forced_and_wire_form_too():
    data = msg().replace(b"\r\n", b"\n")
    assert lint(data, "LN003", line_endings="wire").findings[0].severity is Severity.ERROR
    assert lint(data, "LN003", line_endings="stored").findings[0].severity is Severity.INFO


def test_bare_cr_reported_once_with_count():
    data = HEAD + b"\r\none\rtwo\rthree\r\n"
    report = lint(data, "LN004")
    assert [(f.code, f.line, f.column) for f in report.findings] == [("LN004", 7, 4)]
    assert "2 bare CRs" in report.findings[0].message
    assert hits(msg(), "LN004") == []


def test_nul_octet_first_place_and_count():
    data = msg(body=b"a\x00b\r\nc\x00\x00\r\n")
    report = lint(data, "LN005")
    assert [(f.code, f.line, f.column) for f in report.findings] == [("LN005", 7, 2)]
    assert "3 NUL octets on 2 lines" in report.findings[0].message


def test_control_character_warning_in_header_info_in_body():
    data = msg(extra=b"X-A: a\x07b\x07\r\nX-B: \x7f\r\n", body=b"page\x0cbreak\r\n")
    report = lint(data, "LN006")
    got = [(f.code, f.line, f.column, f.severity, f.field) for f in report.findings]
    assert got == [
        ("LN006", 6, 7, Severity.WARNING, "X-A"),
        ("LN006", 7, 6, Severity.WARNING, "X-B"),
        ("LN006", 9, 5, Severity.INFO, None),
    ]


def test_control_character_in_folded_field_points_at_continuation():
    data = msg(extra=b"X-A: fine\r\n  bad\x01\r\n")
    assert hits(data, "LN006") == [("LN006", 7, 6)]


def test_esc_is_left_to_jp_rules_in_body_but_reported_in_header():
    jis = b"\x1b$B$3$s$K$A$O\x1b(B"
    assert hits(msg(body=jis + b"\r\n"), "LN006") == []
    assert hits(msg(extra=b"X-Raw: " + jis + b"\r\n"), "LN006") == [("LN006", 6, 8)]


def test_tab_is_not_a_control_problem():
    assert hits(msg(extra=b"X-A: a\tb\r\n", body=b"a\tb\r\n"), "LN006") == []


def test_smuggling_sequences():
    for sequence, line in (
        (b"a\n.\r\nb\r\n", 8),
        (b"a\r\n.\nb\r\n", 8),
        (b"a\r.\r\nb\r\n", 8),  # a bare CR ends a line in the index too
        (b"a\n.\nb\r\n", 8),
    ):
        assert hits(msg(body=sequence), "LN007") == [("LN007", line, 1)], sequence


def test_real_end_of_data_lookalike_with_crlf_is_only_a_leading_dot():
    data = msg(body=b"a\r\n.\r\nb\r\n")
    assert hits(data, "LN007") == []
    assert hits(data, "LN008") == [("LN008", 8, 1)]


def test_lone_dot_in_unix_form_file_is_not_smuggling():
    data = msg(body=b"a\r\n.\r\nb\r\n").replace(b"\r\n", b"\n")
    assert hits(data, "LN007", line_endings="auto") == []


def test_leading_dot_only_in_body():
    data = msg(body=b".hidden\r\nfine\r\n..two\r\n")
    assert hits(data, "LN008") == [("LN008", 7, 1), ("LN008", 9, 1)]


def test_missing_final_newline():
    assert hits(HEAD + b"\r\nno newline", "LN009") == [("LN009", 7, 11)]
    assert hits(msg(), "LN009") == []
    unix = msg().replace(b"\r\n", b"\n")
    assert hits(unix, "LN009", line_endings="auto") == []
    assert hits(unix[:-1], "LN009", line_endings="auto") == [("LN009", 7, 11)]


def test_clean_message_has_no_line_findings():
    assert hits(msg(), "LN") == []


def test_line_over_78_uses_each_parts_charset():
    kanji = ("漢" * 60).encode("utf-8")  # 60 characters, 180 octets
    latin = ("é" * 60).encode("latin-1")  # 60 characters, 60 octets
    data = msg(
        extra=b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n',
        body=b"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        + kanji
        + b"\r\n--b\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\n"
        + latin
        + b"\r\n--b\r\nContent-Type: application/octet-stream\r\n\r\n"
        + kanji
        + b"\r\n--b--\r\n",
    )
    # Only the attachment's line, which has no charset, counts in octets.
    assert hits(data, "LN002") == [("LN002", 20, 79)]
