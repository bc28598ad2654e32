"""AT rules: attachment names. Findings are checked as (code, line, column).

Most messages here are built by ``attached``: the shared header section
(lines 1-5), MIME-Version (6), a multipart/mixed Content-Type (7), the empty
line (8), a text part (lines 9-12: delimiter, Content-Type, empty line,
text), the delimiter of the file part (13), then the file part's header
fields from line 14, one per argument. ``at(field, param)`` is the column
where ``param`` starts in ``field``.
"""

from __future__ import annotations

import base64
import email
import random
import unicodedata
import urllib.parse
from pathlib import Path

import pytest

from maillint import Severity, lint_bytes
from maillint.checks.attachments import deceptions
from maillint.parse import DEFAULT_LIMITS
from maillint.registry import all_rules
from support import calls, hits, lint, msg, mutations

AT_CODES = [f"AT{number:03d}" for number in range(1, 7)]
CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
# The standard library's own test messages (not installed everywhere).
STDLIB_MESSAGES = Path(email.__file__).parent.parent / "test" / "test_email" / "data"

# The AT table of RULES.md: code, name, default severity (a contract with users).
CATALOG = {
    "AT001": ("name-filename-mismatch", "warning"),
    "AT002": ("missing-content-type-name", "warning"),
    "AT003": ("missing-disposition-filename", "info"),
    "AT004": ("rfc2231-only-filename", "warning"),
    "AT005": ("rfc2047-in-parameter", "info"),
    "AT006": ("deceptive-filename", "error"),
}

MIME = b"MIME-Version: 1.0\r\n"
FILE_LINE = 14  # the first header line of the file part built by ``attached``

# 見積書.pdf ("quotation.pdf") in each encoding a Japanese sender uses.
MITSUMORI = "見積書.pdf"
JIS_WORD = b"=?ISO-2022-JP?B?" + base64.b64encode(MITSUMORI.encode("iso-2022-jp")) + b"?="
JIS_PERCENT = urllib.parse.quote(MITSUMORI.encode("iso-2022-jp"), safe="").encode()
UTF8_WORD = b"=?UTF-8?B?" + base64.b64encode(MITSUMORI.encode("utf-8")) + b"?="
UTF8_PERCENT = urllib.parse.quote(MITSUMORI.encode("utf-8")).encode()
SJIS = MITSUMORI.encode("shift_jis")
SJIS_WORD = b"=?Shift_JIS?B?" + base64.b64encode(SJIS) + b"?="


def attached(*fields: bytes, text_part: bool = True) -> bytes:
    """A multipart/mixed message: a text part, then a file part with these header fields."""
    first = b"--b\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nSee the file.\r\n"
    body = (
        (first if text_part else b"")
        + b"--b\r\n"
        + b"".join(field + b"\r\n" for field in fields)
        + b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n"
    )
    return msg(extra=MIME + b"Content-Type: multipart/mixed; boundary=b\r\n", body=body)


def at(field: bytes, param: bytes) -> int:
    """The 1-based column of ``param`` in the header line ``field``."""
    return field.index(param) + 1


def codes(data: bytes, *selected: str) -> list[tuple[str, int, int]]:
    return hits(data, *(selected or AT_CODES))


def messages(data: bytes, code: str) -> list[str]:
    return [f.message for f in lint(data, code).findings]


PDF_NAME = b'Content-Type: application/pdf; name="report.pdf"'
PDF_FILENAME = b'Content-Disposition: attachment; filename="report.pdf"'


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
def test_good_examples_hold_nothing_worse_than_info(code):
    """Every good example is a sound attachment for the whole family (an RFC
    2047 name, the Japanese way of writing one, is AT005's info)."""
    found = lint(all_rules()[code].good, *AT_CODES).findings
    assert all(f.code == "AT005" and f.severity is Severity.INFO for f in found)


@pytest.mark.parametrize("code", sorted(CATALOG))
def test_rules_are_documented(code):
    doc = all_rules()[code].doc
    assert "What it does:" in doc and "Why it matters:" in doc


# --- plain, well-formed attachments are silent --------------------------------


def test_name_and_filename_alike_are_silent():
    assert codes(attached(PDF_NAME, PDF_FILENAME)) == []


def test_tokens_and_quoted_strings_are_the_same_name():
    assert (
        codes(
            attached(
                b"Content-Type: application/pdf; name=report.pdf",
                b'Content-Disposition: attachment; filename="report.pdf"',
            )
        )
        == []
    )


def test_parts_without_file_names_are_silent():
    data = attached(b"Content-Type: application/pdf", b"Content-Disposition: attachment")
    assert codes(data) == []
    assert codes(msg(extra=MIME + b"Content-Type: text/plain; charset=us-ascii\r\n")) == []


def test_a_message_without_mime_is_silent():
    assert codes(msg()) == []


# --- AT001 name-filename-mismatch ---------------------------------------------


def test_at001_plain_names_that_differ():
    disposition = b'Content-Disposition: attachment; filename="invoice.pdf"'
    data = attached(PDF_NAME, disposition)
    assert codes(data) == [("AT001", FILE_LINE + 1, at(disposition, b"filename"))]
    [finding] = lint(data, "AT001").findings
    assert finding.part == "2" and finding.field == "Content-Disposition"
    assert finding.message.startswith(
        "name (plain) is 'report.pdf' but filename (plain) is 'invoice.pdf'"
    )


def test_at001_names_the_encoding_of_each():
    content_type = b'Content-Type: application/pdf; name="' + JIS_WORD + b'"'
    disposition = (
        b"Content-Disposition: attachment; filename*=UTF-8''"
        + urllib.parse.quote("見積.pdf").encode()
    )
    data = attached(content_type, disposition)
    assert codes(data, "AT001") == [("AT001", FILE_LINE + 1, at(disposition, b"filename*"))]
    assert messages(data, "AT001")[0].startswith(
        "name (RFC 2047, ISO-2022-JP) is '見積書.pdf' but filename (RFC 2231, UTF-8) is '見積.pdf'"
    )


def test_at001_same_japanese_name_in_two_encodings_is_silent():
    """ISO-2022-JP: RFC 2047 B words in name, RFC 2231 in filename*."""
    data = attached(
        b'Content-Type: application/pdf; name="' + JIS_WORD + b'"',
        b"Content-Disposition: attachment; filename*=iso-2022-jp''" + JIS_PERCENT,
    )
    assert codes(data, "AT001", "AT002", "AT003", "AT004", "AT006") == []


def test_at001_rfc2231_continuations_are_joined_before_comparing():
    data = attached(
        b'Content-Type: application/pdf; name="' + JIS_WORD + b'"',
        b"Content-Disposition: attachment;\r\n filename*0*=iso-2022-jp''"
        + JIS_PERCENT[:31]
        + b";\r\n filename*1*="
        + JIS_PERCENT[31:],
    )
    assert codes(data, "AT001", "AT004") == []


def test_at001_words_folded_over_lines_are_joined():
    """Outlook folds a long name into several words; the white space between goes."""
    text = "長いファイル名の見積書_2024年度_第3四半期.pdf".encode("iso-2022-jp")
    words = [text[:22] + b"\x1b(B", b"\x1b$B" + text[22:]]
    encoded = b"\r\n ".join(b"=?ISO-2022-JP?B?" + base64.b64encode(word) + b"?=" for word in words)
    data = attached(
        b'Content-Type: application/pdf;\r\n name="' + encoded + b'"',
        b'Content-Disposition: attachment;\r\n filename="' + encoded + b'"',
    )
    assert codes(data, "AT001") == []


def test_at001_raw_shift_jis_name_against_rfc2231():
    data = attached(
        b'Content-Type: application/pdf; name="' + SJIS + b'"',
        b"Content-Disposition: attachment; filename*=shift_jis''"
        + urllib.parse.quote(SJIS).encode(),
    )
    assert codes(data, "AT001") == []
    other = attached(
        b'Content-Type: application/pdf; name="' + SJIS + b'"',
        b"Content-Disposition: attachment; filename*=utf-8''"
        + urllib.parse.quote("x.pdf").encode(),
    )
    assert "name (raw 8-bit, guessed Shift_JIS) is '見積書.pdf'" in messages(other, "AT001")[0]


def test_at001_shift_jis_0x5c_is_not_a_quoted_pair():
    """表 is 0x95 0x5C in Shift_JIS: the backslash is half of the character."""
    name = "表計算ソフト.xls".encode("shift_jis")
    assert b"\\" in name
    data = attached(
        b'Content-Type: application/vnd.ms-excel; name="' + name + b'"',
        b"Content-Disposition: attachment; filename*=utf-8''"
        + urllib.parse.quote("表計算ソフト.xls").encode(),
    )
    assert codes(data, "AT001", "AT006") == []


def test_at001_utf8_everywhere_is_silent():
    data = attached(
        b'Content-Type: application/pdf; name="' + MITSUMORI.encode() + b'"',
        b'Content-Disposition: attachment; filename="' + UTF8_WORD + b'"',
    )
    assert codes(data, "AT001") == []


def test_at001_compares_after_nfc():
    nfd = unicodedata.normalize("NFD", "ガイド.pdf")
    assert nfd != "ガイド.pdf"
    data = attached(
        b'Content-Type: application/pdf; name="'
        + b"=?UTF-8?B?"
        + base64.b64encode("ガイド.pdf".encode())
        + b'?="',
        b"Content-Disposition: attachment; filename*=UTF-8''" + urllib.parse.quote(nfd).encode(),
    )
    assert codes(data, "AT001") == []


def test_at001_case_counts():
    disposition = b'Content-Disposition: attachment; filename="REPORT.PDF"'
    assert codes(attached(PDF_NAME, disposition), "AT001") == [
        ("AT001", FILE_LINE + 1, at(disposition, b"filename"))
    ]


def test_at001_compares_the_rfc2231_form_over_the_plain_fallback():
    disposition = (
        b"Content-Disposition: attachment; filename=\"mitsumori.pdf\"; filename*=UTF-8''"
        + UTF8_PERCENT
    )
    data = attached(b'Content-Type: application/pdf; name="' + UTF8_WORD + b'"', disposition)
    assert codes(data, "AT001") == []
    name_only_fallback = attached(
        b'Content-Type: application/pdf; name="mitsumori.pdf"', disposition
    )
    assert codes(name_only_fallback, "AT001") == [
        ("AT001", FILE_LINE + 1, at(disposition, b"filename*"))
    ]


def test_at001_ignores_an_empty_name():
    data = attached(b'Content-Type: application/pdf; name=""', PDF_FILENAME)
    assert codes(data, "AT001") == []


# --- AT002 missing-content-type-name --------------------------------------------


def test_at002_filename_only():
    data = attached(b"Content-Type: application/pdf", PDF_FILENAME)
    assert codes(data) == [("AT002", FILE_LINE + 1, at(PDF_FILENAME, b"filename"))]
    [finding] = lint(data, "AT002").findings
    assert finding.severity is Severity.WARNING and finding.field == "Content-Disposition"
    assert "file name 'report.pdf' (plain) is only in Content-Disposition filename" in (
        finding.message
    )
    assert "Content-Type has no name parameter" in finding.message


def test_at002_empty_name_and_missing_content_type():
    empty = attached(b'Content-Type: application/pdf; name=""', PDF_FILENAME)
    assert codes(empty) == [("AT002", FILE_LINE + 1, at(PDF_FILENAME, b"filename"))]
    assert "name parameter is empty" in messages(empty, "AT002")[0]
    missing = attached(PDF_FILENAME)
    assert codes(missing) == [("AT002", FILE_LINE, at(PDF_FILENAME, b"filename"))]
    assert "the part has no Content-Type field" in messages(missing, "AT002")[0]


def test_at002_inline_parts_count():
    disposition = b'Content-Disposition: inline; filename="photo.jpg"'
    data = attached(b"Content-Type: image/jpeg", disposition)
    assert codes(data) == [("AT002", FILE_LINE + 1, at(disposition, b"filename"))]


def test_at002_rfc2231_filename_only_says_how():
    disposition = b"Content-Disposition: attachment; filename*=iso-2022-jp''" + JIS_PERCENT
    data = attached(b"Content-Type: application/pdf", disposition)
    assert codes(data, "AT002") == [("AT002", FILE_LINE + 1, at(disposition, b"filename*"))]
    assert "'見積書.pdf' (RFC 2231, ISO-2022-JP)" in messages(data, "AT002")[0]


def test_at002_is_silent_with_name():
    assert codes(attached(PDF_NAME, PDF_FILENAME), "AT002") == []
    assert codes(attached(PDF_NAME), "AT002") == []


# --- AT003 missing-disposition-filename ------------------------------------------


def test_at003_softbank_style_name_only():
    """SoftBank handsets write only Content-Type name (RFC 2047, Shift_JIS)."""
    content_type = b'Content-Type: image/jpeg; name="' + SJIS_WORD + b'"'
    data = attached(content_type)
    assert codes(data) == [
        ("AT003", FILE_LINE, at(content_type, b"name")),
        ("AT005", FILE_LINE, at(content_type, b"name")),
    ]
    found = {f.code: f for f in lint(data, *AT_CODES).findings}
    assert found["AT003"].severity is Severity.INFO
    assert "file name '見積書.pdf' (RFC 2047, Shift_JIS) is only in Content-Type name" in (
        found["AT003"].message
    )


def test_at003_disposition_without_filename():
    data = attached(PDF_NAME, b"Content-Disposition: attachment")
    assert codes(data) == [("AT003", FILE_LINE, at(PDF_NAME, b"name"))]
    assert "Content-Disposition has no filename parameter" in messages(data, "AT003")[0]


def test_at003_the_message_itself_as_the_file():
    content_type = b'Content-Type: application/pdf; name="report.pdf"'
    data = msg(extra=MIME + content_type + b"\r\n", body=b"JVBERi0xLjQK\r\n")
    assert codes(data) == [("AT003", 7, at(content_type, b"name"))]
    [finding] = lint(data, "AT003").findings
    assert finding.part is None and finding.field == "Content-Type"


# --- AT004 rfc2231-only-filename --------------------------------------------------


def test_at004_filename_star_only():
    disposition = b"Content-Disposition: attachment; filename*=UTF-8''" + UTF8_PERCENT
    data = attached(b"Content-Type: application/pdf", disposition)
    assert codes(data, "AT004") == [("AT004", FILE_LINE + 1, at(disposition, b"filename*"))]
    assert messages(data, "AT004")[0].startswith(
        "file name '見積書.pdf' is only in RFC 2231 form, filename* (RFC 2231, UTF-8)"
    )


def test_at004_continuations_only():
    disposition = b"Content-Disposition: attachment; filename*0*=UTF-8''" + UTF8_PERCENT[:27]
    data = attached(
        b"Content-Type: application/pdf", disposition + b";\r\n filename*1*=" + UTF8_PERCENT[27:]
    )
    assert codes(data, "AT004") == [("AT004", FILE_LINE + 1, at(disposition, b"filename*0*"))]
    assert "RFC 2231 continuations, UTF-8" in messages(data, "AT004")[0]


def test_at004_name_star_too():
    content_type = b"Content-Type: application/pdf; name*=UTF-8''" + UTF8_PERCENT
    disposition = b"Content-Disposition: attachment; filename*=UTF-8''" + UTF8_PERCENT
    assert codes(attached(content_type, disposition), "AT004") == [
        ("AT004", FILE_LINE + 1, at(disposition, b"filename*"))
    ]
    assert codes(attached(content_type), "AT004") == [
        ("AT004", FILE_LINE, at(content_type, b"name*"))
    ]


def test_at004_silent_with_a_plain_fallback_or_a_name():
    star = b"filename*=UTF-8''" + UTF8_PERCENT
    with_fallback = attached(
        b"Content-Type: application/pdf",
        b'Content-Disposition: attachment; filename="mitsumori.pdf"; ' + star,
    )
    assert codes(with_fallback, "AT004") == []
    thunderbird = attached(
        b'Content-Type: application/pdf; name="' + UTF8_WORD + b'"',
        b"Content-Disposition: attachment; " + star,
    )
    assert codes(thunderbird, "AT001", "AT002", "AT003", "AT004", "AT006") == []


# --- AT005 rfc2047-in-parameter ---------------------------------------------------


def test_at005_outlook_style_words_in_both():
    content_type = b'Content-Type: application/pdf; name="' + JIS_WORD + b'"'
    disposition = b'Content-Disposition: attachment; filename="' + JIS_WORD + b'"'
    data = attached(content_type, disposition)
    assert codes(data) == [
        ("AT005", FILE_LINE, at(content_type, b"name")),
        ("AT005", FILE_LINE + 1, at(disposition, b"filename")),
    ]
    first = lint(data, "AT005").findings[0]
    assert first.severity is Severity.INFO and first.field == "Content-Type" and first.part == "2"
    assert "parameter 'name' holds RFC 2047 encoded words (charset ISO-2022-JP)" in first.message


def test_at005_any_parameter_any_part():
    content_type = b'Content-Type: text/plain; charset=us-ascii; x-note="=?UTF-8?Q?caf=C3=A9?="'
    data = msg(extra=MIME + content_type + b"\r\n")
    assert codes(data) == [("AT005", 7, at(content_type, b"x-note"))]


def test_at005_silent_for_rfc2231_plain_and_broken_words():
    assert (
        codes(
            attached(
                b"Content-Type: application/pdf; name*=UTF-8''" + UTF8_PERCENT,
                b"Content-Disposition: attachment; filename*=UTF-8''" + UTF8_PERCENT,
            ),
            "AT005",
        )
        == []
    )
    assert codes(attached(PDF_NAME, PDF_FILENAME), "AT005") == []
    for value in (b"=?UTF-8?B?6KaL?", b"a=?b.pdf", b"=?UTF-8?X?abc?=", b"1+1=?2.txt"):
        data = attached(b'Content-Type: application/pdf; name="' + value + b'"', PDF_FILENAME)
        assert codes(data, "AT005") == [], value


def test_at005_names_every_charset():
    content_type = b'Content-Type: application/pdf; name="' + JIS_WORD + b" " + UTF8_WORD + b'"'
    [text] = messages(attached(content_type), "AT005")
    assert "(charsets ISO-2022-JP, UTF-8)" in text


# --- AT006 deceptive-filename ------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("invoice\u202efdp.exe", "bidirectional control U+202E (RIGHT-TO-LEFT OVERRIDE)"),
        ("photo\u202dgpj.scr", "U+202D (LEFT-TO-RIGHT OVERRIDE)"),
        ("a\u2066b\u2069.txt", "U+2066 (LEFT-TO-RIGHT ISOLATE)"),
        ("a\u2067b.txt", "U+2067"),
        ("a\u2068b.txt", "U+2068"),
        ("bell\x07.txt", "control character U+0007"),
        ("next\x85line.txt", "control character U+0085"),
        ("tab\there.txt", "control character U+0009"),
        ("/etc/passwd", "path separator '/'"),
        ("C:\\Windows\\evil.dll", "path separator '\\'"),
        ("../../.bashrc", "'..' (the parent directory)"),
        ("..", "'..' (the parent directory) as the whole name"),
        ("invoice.pdf.exe", "double extension '.pdf.exe'"),
        ("IMG_0001.JPG.scr", "double extension '.JPG.scr'"),
        ("report.doc          .js", "double extension '.doc.js'"),
        ("scan.tiff.lnk", "double extension '.tiff.lnk'"),
        ("invoice.pdf.exe.", "trailing dot, which Windows removes (saved as 'invoice.pdf.exe')"),
        ("readme.txt ", "trailing space"),
    ],
)
def test_deceptions(name, problem):
    assert any(problem in found for found in deceptions(name)), deceptions(name)


@pytest.mark.parametrize(
    "name",
    [
        "report.pdf",
        "v1.2.3.tar.gz",
        "a..b.txt",
        "setup.exe",
        "invoice.exe.pdf",
        "notes.backup.exe",
        "\u05e9\u05dc\u05d5\u05dd\u200f.pdf",  # a right-to-left mark in a Hebrew name
        "見積書.pdf",
        "ﾌｧｲﾙ.txt",
        ".profile",
    ],
)
def test_no_deception(name):
    assert deceptions(name) == []


def test_at006_plain_double_extension_reported_once_for_both_names():
    content_type = b'Content-Type: application/octet-stream; name="invoice.pdf.exe"'
    disposition = b'Content-Disposition: attachment; filename="invoice.pdf.exe"'
    data = attached(content_type, disposition)
    assert codes(data) == [("AT006", FILE_LINE, at(content_type, b"name"))]
    [finding] = lint(data, "AT006").findings
    assert finding.severity is Severity.ERROR
    assert finding.message == (
        "deceptive file name 'invoice.pdf.exe' in name (plain): double extension '.pdf.exe': "
        "a .exe file that looks like a .pdf"
    )


def test_at006_right_to_left_override_in_rfc2231_is_shown_escaped():
    disposition = b"Content-Disposition: attachment; filename*=UTF-8''invoice%E2%80%AEfdp.exe"
    data = attached(b'Content-Type: application/pdf; name="invoice.pdf"', disposition)
    assert codes(data, "AT006") == [("AT006", FILE_LINE + 1, at(disposition, b"filename*"))]
    [text] = messages(data, "AT006")
    assert "'invoice\\u202Efdp.exe'" in text and "\u202e" not in text


def test_at006_right_to_left_override_in_an_rfc2047_word():
    word = b"=?UTF-8?B?" + base64.b64encode("doc\u202excod.scr".encode()) + b"?="
    content_type = b'Content-Type: application/octet-stream; name="' + word + b'"'
    data = attached(content_type, b'Content-Disposition: attachment; filename="' + word + b'"')
    assert codes(data, "AT006") == [("AT006", FILE_LINE, at(content_type, b"name"))]
    assert "(RFC 2047, UTF-8)" in messages(data, "AT006")[0]


def test_at006_judges_the_fallback_and_repeats_too():
    """Readers pick different parameters: each written name is judged."""
    disposition = (
        b"Content-Disposition: attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf.exe"
    )
    assert codes(attached(PDF_NAME, disposition), "AT006") == [
        ("AT006", FILE_LINE + 1, at(disposition, b"filename*"))
    ]
    content_type = b'Content-Type: application/pdf; name="a.pdf"; name="a.pdf.exe"'
    assert codes(attached(content_type), "AT006") == [
        ("AT006", FILE_LINE, at(content_type, b'name="a.pdf.exe"'))
    ]


def test_at006_control_character_in_a_q_word_and_path_in_a_quoted_pair():
    content_type = b'Content-Type: text/plain; name="=?UTF-8?Q?a=07b.txt?="'
    assert codes(attached(content_type), "AT006") == [
        ("AT006", FILE_LINE, at(content_type, b"name"))
    ]
    windows_path = b'Content-Type: text/plain; name="C:\\\\temp\\\\a.txt"'
    data = attached(windows_path)
    assert codes(data, "AT006") == [("AT006", FILE_LINE, at(windows_path, b"name"))]
    assert "'C:\\temp\\a.txt'" in messages(data, "AT006")[0]


def test_at006_silent_for_ordinary_names():
    for name in (b"report.pdf", b"v1.2.tar.gz", SJIS_WORD, JIS_WORD, b"a..b.txt"):
        data = attached(
            b'Content-Type: application/octet-stream; name="' + name + b'"',
            b'Content-Disposition: attachment; filename="' + name + b'"',
        )
        assert codes(data, "AT006") == [], name


# --- Japanese mail as senders write it ----------------------------------------------


def test_softbank_message_with_shift_jis_body():
    """A handset's message: Shift_JIS text, an image with only a name."""
    body = (
        b"--b\r\nContent-Type: text/plain; charset=Shift_JIS\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n" + "写真です".encode("shift_jis") + b"\r\n"
        b'--b\r\nContent-Type: image/jpeg; name="' + "写真.jpg".encode("shift_jis") + b'"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n/9j/4AAQ\r\n--b--\r\n"
    )
    data = msg(extra=MIME + b"Content-Type: multipart/mixed; boundary=b\r\n", body=body)
    found = lint(data, *AT_CODES).findings
    assert [(f.code, f.line) for f in found] == [("AT003", 15)]
    assert "'写真.jpg' (raw 8-bit, guessed Shift_JIS)" in found[0].message


def test_euc_jp_raw_name_decoded_by_the_declared_charset():
    name = "資料.txt".encode("euc_jp")
    body = (
        b"--b\r\nContent-Type: text/plain; charset=EUC-JP\r\n\r\nx\r\n"
        b'--b\r\nContent-Type: text/plain; name="' + name + b'"\r\n'
        b"Content-Disposition: attachment; filename*=utf-8''"
        + urllib.parse.quote("資料.txt").encode()
        + b"\r\n\r\nx\r\n--b--\r\n"
    )
    data = msg(extra=MIME + b"Content-Type: multipart/mixed; boundary=b\r\n", body=body)
    assert codes(data, "AT001") == []


def test_undecodable_raw_octets_do_not_raise():
    content_type = b'Content-Type: application/pdf; name="\xff\xfe\x80.pdf"'
    data = attached(content_type, b'Content-Disposition: attachment; filename="x.pdf"')
    [text] = messages(data, "AT001")
    assert "name (raw 8-bit, guessed windows-1252)" in text or "\\x" in text


# --- robustness ------------------------------------------------------------------------

ODD_INPUTS = [
    b"",
    b"\r\n",
    b"Content-Type: application/pdf; name=\r\n\r\n",
    b'Content-Type: application/pdf; name="\r\n\r\n',
    b'Content-Type: ; name="a\\\r\n\r\n',
    b"Content-Disposition: filename=a.exe\r\n\r\n",
    b"Content-Type: a/b; name*=''\r\nContent-Disposition: x; filename*0*=%\r\n\r\n",
    b"Content-Type: a/b; name*=x-unknown''%FF%FE\r\n\r\n",
    b"Content-Type: a/b; name*=iso-2022-jp''%1B%24B%FF%FF\r\n\r\n",
    b'Content-Type: a/b; name="=?ISO-2022-JP?B?GyRC?="\r\n\r\n',
    b'Content-Type: a/b; name="=?UNKNOWN?B?YWJj?= =?utf-8?q?=FF?="\r\n\r\n',
    b'Content-Type: a/b; name="=?utf-8?b?????="; name*5*=a\r\n\r\n',
    b'Content-Type: a/b; name="\\\x95\\"\r\n\r\n',
    b"Content-Type: multipart/mixed; boundary=x; name=a.pdf.exe\r\n\r\n--x\r\n\r\n--x--\r\n",
    b"Content-Type: message/rfc822; name=fwd.eml\r\n\r\n"
    b'Content-Type: application/pdf; name="inner.pdf.exe"\r\n\r\nx\r\n',
]


@pytest.mark.parametrize("data", ODD_INPUTS)
def test_odd_inputs_do_not_raise(data):
    for line_endings in ("wire", "auto"):
        lint_bytes(data, select=AT_CODES, line_endings=line_endings)


def test_forwarded_message_parts_are_judged():
    data = ODD_INPUTS[-1]
    found = lint(data, "AT003", "AT006").findings
    assert [(f.code, f.line, f.part) for f in found] == [
        ("AT003", 1, None),
        ("AT003", 3, None),
        ("AT006", 3, None),
    ]


def test_multipart_containers_are_not_files():
    data = ODD_INPUTS[-2]
    assert codes(data, "AT003", "AT006") == []


def test_unix_storage_form_reads_the_same():
    data = attached(
        b"Content-Type: application/pdf", b'Content-Disposition: attachment; filename="a.pdf.exe "'
    )
    wire = codes(data)
    stored = hits(data.replace(b"\r\n", b"\n"), *AT_CODES, line_endings="auto")
    assert wire == stored
    assert [code for code, _, _ in wire] == ["AT002", "AT006"]


def test_random_mutations_do_not_raise():
    rng = random.Random(2231)
    seed = bytearray(
        attached(
            b'Content-Type: application/pdf; name="' + JIS_WORD + b'"; name="' + SJIS + b'"',
            b"Content-Disposition: attachment; filename*0*=iso-2022-jp''"
            + JIS_PERCENT[:20]
            + b";\r\n filename*1*="
            + JIS_PERCENT[20:]
            + b'; filename="a\\\\b"',
        )
    )
    alphabet = b"-;=\"\r\n \t:/\\()*%'?\x1b\x95\xff"
    for data in mutations(bytes(seed), alphabet, rng):
        lint_bytes(data, select=AT_CODES)


def many_attachments(count: int) -> bytes:
    """``count`` parts, each named 見積<n>.pdf by an encoded word in ``name`` (AT005)
    and by RFC 2231 in ``filename``: five lines a part, the first on line 9."""
    part = (
        b'--s\r\nContent-Type: application/pdf; name="=?UTF-8?B?6KaL56mNLnBkZg==?="\r\n'
        b"Content-Disposition: attachment; filename*=UTF-8''%E8%A6%8B%E7%A9%8D{}.pdf\r\n\r\nx\r\n"
    )
    body = b"".join(part.replace(b"{}", str(i).encode()) for i in range(count))
    return msg(
        extra=MIME + b"Content-Type: multipart/mixed; boundary=s\r\n", body=body + b"--s--\r\n"
    )


def test_many_attachments_stay_linear():
    max_parts, max_findings = DEFAULT_LIMITS.max_parts, DEFAULT_LIMITS.max_findings

    def check(data: bytes, count: int) -> None:
        found = codes(data, *AT_CODES, "ML001")
        # Each part: AT005 on its Content-Type line, AT001 (見積.pdf is not 見積<n>.pdf)
        # on the next; past max-findings-per-rule one more of each sums up the rest.
        listed = min(count, max_parts, max_findings + 1)
        expected = [
            hit
            for i in range(listed)
            for hit in (("AT005", 10 + 5 * i, 32), ("AT001", 11 + 5 * i, 34))
        ]
        if count > max_parts:  # How many parts are analysed is the engine's limit (ML001).
            expected.append(("ML001", 9 + 5 * max_parts, 1))
        assert found == expected

    lint(many_attachments(1), *AT_CODES)  # one-time costs apart
    work = {count: calls(check, many_attachments(count), count) for count in (100, 1_000, 20_000)}
    assert work[1_000] <= 12 * work[100]  # every part analysed: linear in the parts
    assert work[20_000] <= 2 * work[1_000]  # past max-parts, the parts are only skipped over
    # The time: benchmarks/pathological.py at-many-parts.


@pytest.mark.parametrize(
    ("value", "expected", "shown"),
    [
        (
            b"=?UTF-8?Q?a?= " * 50_000,
            [("AT005", 14, 32), ("AT006", 14, 32), ("AT001", 15, 34)],
            "deceptive file name 'aaaaaaaaaa",
        ),
        (b"=?" * 200_000, [("AT001", 15, 34)], "name (plain) is '=?=?=?=?=?"),
        (
            b"\xe8\xa6\x8b" * 100_000,
            [("AT001", 15, 34)],
            "name (raw 8-bit, guessed UTF-8) is '見見",
        ),
        (b"\x95\\" * 100_000, [("AT001", 15, 34)], "name (raw 8-bit, guessed Shift_JIS) is '表表"),
        (
            b"a/" * 200_000 + b".pdf.exe",
            [("AT006", 14, 32), ("AT001", 15, 34)],
            "path separator '/'; double extension '.pdf.exe'",
        ),
    ],
    ids=["encoded-words", "openers", "utf-8", "shift-jis", "path"],
)
def test_huge_names_are_judged_whole(value, expected, shown):
    # Their time is benchmarks/pathological.py's (at-name-*).
    data = attached(b'Content-Type: application/pdf; name="' + value + b'"', PDF_FILENAME)
    report = lint_bytes(data, select=AT_CODES)
    assert [(f.code, f.line, f.column) for f in report.findings] == expected
    assert any(shown in f.message for f in report.findings)
    assert all(len(f.message) < 500 for f in report.findings)  # the name shown cut, not whole


def test_long_names_are_shown_bounded():
    name = b"x" * 500 + b".pdf.exe"
    [text] = messages(attached(b'Content-Type: application/pdf; name="' + name + b'"'), "AT006")
    assert len(text) < 300 and "..." in text


# --- real mail ------------------------------------------------------------------------


def _files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file())


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is not beside the repo")
def test_corpus_does_not_raise():
    for path in _files(CORPUS):
        if path.suffix in (".md", ".tsv"):
            continue
        lint_bytes(path.read_bytes(), select=AT_CODES, line_endings="auto")


def test_stdlib_test_messages_do_not_raise():
    if not STDLIB_MESSAGES.is_dir():
        pytest.skip("the standard library's test messages are not installed")
    for path in STDLIB_MESSAGES.glob("msg_*.txt"):
        lint_bytes(path.read_bytes(), select=AT_CODES, line_endings="auto")


def test_signature_parts_are_protocol_not_files():
    """RFC 1847: the signature of multipart/signed is no file the sender attached."""
    body = (
        b"--s\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nSigned text.\r\n"
        b'--s\r\nContent-Type: application/pgp-signature; name="signature.asc"\r\n'
        b"Content-Description: OpenPGP digital signature\r\n\r\n"
        b"-----BEGIN PGP SIGNATURE-----\r\n-----END PGP SIGNATURE-----\r\n--s--\r\n"
    )
    content_type = (
        b"Content-Type: multipart/signed; micalg=pgp-sha256;\r\n"
        b' protocol="application/pgp-signature"; boundary=s\r\n'
    )
    data = msg(extra=MIME + content_type, body=body)
    assert codes(data) == []
    deceptive = data.replace(b'name="signature.asc"', b'name="../signature.asc"')
    assert [code for code, _, _ in codes(deceptive)] == ["AT006"]


def test_words_without_base64_padding_decode_as_readers_read_them():
    """EW002 reports the missing padding; readers add it back and so do the AT rules."""
    word = b"=?UTF-8?B?" + base64.b64encode(MITSUMORI.encode()).rstrip(b"=") + b"?="
    assert not word.endswith(b"=?=")
    data = attached(
        b'Content-Type: application/pdf; name="' + word + b'"',
        b"Content-Disposition: attachment; filename*=UTF-8''" + UTF8_PERCENT,
    )
    assert codes(data) == [("AT005", FILE_LINE, len(b"Content-Type: application/pdf; ") + 1)]


def test_unknown_charset_word_stays_as_written():
    content_type = b'Content-Type: application/pdf; name="=?X-NONE?B?YWJj?="'
    data = attached(content_type, b'Content-Disposition: attachment; filename="abc"')
    assert codes(data, "AT001", "AT005") == [
        ("AT005", FILE_LINE, at(content_type, b"name")),
        ("AT001", FILE_LINE + 1, len(b"Content-Disposition: attachment; ") + 1),
    ]
    assert "name (RFC 2047, X-NONE) is '=?X-NONE?B?YWJj?='" in messages(data, "AT001")[0]


def test_vendor_characters_decode_as_readers_decode_them():
    """① is CP932 (read for Shift_JIS) and Microsoft's ISO-2022-JP (Outlook)."""
    name = "資料①.pdf"
    ms_jis = b"\x1b$B;qNA\x1b(B" + b"\x1b$B-!\x1b(B.pdf"  # 資料 then NEC row 13 ①
    data = attached(
        b'Content-Type: application/pdf; name="=?ISO-2022-JP?B?'
        + base64.b64encode(ms_jis)
        + b'?="',
        b"Content-Disposition: attachment; filename*=shift_jis''"
        + urllib.parse.quote(name.encode("cp932")).encode(),
    )
    assert codes(data, "AT001") == []


def test_raw_utf8_name():
    content_type = b'Content-Type: application/pdf; name="' + MITSUMORI.encode() + b'"'
    [text] = messages(attached(content_type), "AT003")
    assert "'見積書.pdf' (raw 8-bit, guessed UTF-8)" in text
