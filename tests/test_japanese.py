"""JP rules: ISO-2022-JP hygiene (RFC 1468), and Shift_JIS sent to carriers.

Findings are checked as (code, line, column); messages only where they carry
the fact under test (the character named, a count, the decoded place).
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maillint import Report, lint_bytes
from maillint.checks.japanese import scan_jis, scan_sjis
from maillint.profiles import load_profile, with_overrides
from support import HEAD, calls, hits, lint, msg

JP = ["JP001", "JP002", "JP003"]
CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"

HELLO = "こんにちは".encode("iso2022_jp")  # ESC $ B ... ESC ( B, 16 octets
CIRCLED_ONE = b"\x1b$B-!\x1b(B"  # ① at JIS 0x2D21 (NEC row 13), as Outlook sends it
KABUSHIKI = b"\x1b$B-j\x1b(B"  # ㈱ at JIS 0x2D6A


def jis(body: bytes, encoding: bytes = b"7bit", charset: bytes = b"ISO-2022-JP") -> bytes:
    """A message whose body (line 10) is text/plain in ISO-2022-JP."""
    return msg(
        extra=b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset="
        + charset
        + b"\r\nContent-Transfer-Encoding: "
        + encoding
        + b"\r\n",
        body=body,
    )


def sjis(body: bytes, charset: bytes = b"Shift_JIS") -> bytes:
    return jis(body, b"8bit", charset)


def with_subject(value: bytes) -> bytes:
    return msg(head=HEAD.replace(b"Subject: hello", b"Subject: " + value))


def b_word(octets: bytes, charset: bytes = b"ISO-2022-JP") -> bytes:
    return b"=?" + charset + b"?B?" + base64.b64encode(octets) + b"?="


def messages(data: bytes, code: str, **options) -> list[str]:
    return [f.message for f in lint(data, code, **options).findings]


SHIFT_JIS_ON = with_overrides(load_profile("default"), {"JP002": {"shift-jis": True}}, None)


# --- clean Japanese mail is silent ---------------------------------------------------


def test_clean_iso_2022_jp_everywhere_is_silent():
    body = (
        HELLO
        + b"\r\n"
        + "日本語の本文、ＡＢＣと ｶﾅ なし。".replace("ｶﾅ", "カナ").encode("iso2022_jp")
        + b"\r\n\x1b$B$3\x1b(J\\\x1b(B\r\n"
    )
    data = jis(body).replace(b"Subject: hello", b"Subject: " + b_word("件名".encode("iso2022_jp")))
    assert hits(data, *JP) == []


def test_jis_roman_ends_a_line_and_base64_iso_2022_jp_is_fine():
    assert hits(jis(b"\x1b$B$3\x1b(J\r\n"), *JP) == []
    assert hits(jis(base64.encodebytes(HELLO + b"\r\n"), b"base64"), *JP) == []


def test_other_charsets_are_not_judged_as_iso_2022_jp():
    utf8 = jis("①㈱ｱ\r\n".encode(), b"8bit", b"UTF-8")
    assert hits(utf8, *JP) == []
    assert hits(sjis("①㈱ｱ\r\n".encode("cp932")), *JP) == []  # shift-jis is off by default


# --- JP001 -----------------------------------------------------------------------------


def test_8bit_declaration_is_reported_at_its_value():
    assert hits(jis(HELLO + b"\r\n", b"8bit"), "JP001") == [("JP001", 8, 28)]
    assert hits(jis(HELLO + b"\r\n", b"binary"), "JP001") == [("JP001", 8, 28)]


def test_8bit_octets_are_counted_and_located():
    body = b"abc " + "日本語のテキストです。".encode("shift_jis") * 20 + b"\r\n"
    (finding,) = lint(jis(body), "JP001").findings
    assert (finding.line, finding.column) == (10, 5)
    assert "holds 320 octets above 127, first 0x93" in finding.message
    assert "looks like Shift_JIS" in finding.message


def test_8bit_octets_in_base64_point_at_the_first_body_line_with_the_decoded_place():
    body = base64.encodebytes(b"ok\r\nxy" + "あ".encode("euc_jp") + b"\r\n")
    (message,) = messages(jis(body, b"base64"), "JP001")
    assert "first 0xA4 (line 2, octet 3 of the base64-decoded text)" in message
    assert hits(jis(body, b"base64"), "JP001") == [("JP001", 10, 1)]


def test_8bit_encoded_word():
    data = with_subject(b_word("テスト".encode("shift_jis")))
    assert hits(data, "JP001") == [("JP001", 5, 10)]


# --- JP002 -----------------------------------------------------------------------------


def test_nec_characters_are_named_with_line_and_column():
    data = jis(HELLO + b" " + CIRCLED_ONE + KABUSHIKI + b"\r\n")
    findings = lint(data, "JP002").findings
    assert [(f.line, f.column) for f in findings] == [(10, 21), (10, 29)]
    assert "'①' (U+2460) at JIS 0x2D21 is an NEC special character of CP932" in (
        findings[0].message
    )
    assert "'㈱'" in findings[1].message
    assert findings[0].message.endswith("ISO-2022-JP cannot carry it")


def test_ibm_extension_and_emoji_rows():
    data = jis(b"\x1b$B|r\x1b(B\r\n\x1b$Bu!\x1b(B\r\n")
    first, second = messages(data, "JP002")
    assert "'ⅱ' (U+2171) at JIS 0x7C72 is an NEC-selected IBM extension" in first
    assert "JIS 0x7521 (row 85) is a carrier's emoji" in second
    assert hits(data, "JP002") == [("JP002", 10, 4), ("JP002", 11, 4)]


def test_half_width_katakana_by_escape_and_by_shift_out():
    data = jis(b"a\x1b(I12\x1b(B\r\nb\x0e3\x0fc\r\n")
    assert hits(data, "JP002") == [("JP002", 10, 5), ("JP002", 10, 6), ("JP002", 11, 3)]
    first, _, third = messages(data, "JP002")
    assert "'ｱ' (U+FF71) is half-width katakana (JIS X 0201, after ESC ( I)" in first
    assert "after SO" in third


def test_sets_of_the_other_iso_2022_jp_variants():
    data = jis(b"\x1b$(D0!\x1b(B\r\n\x1b.A\x1bNi\r\n")
    first, second = messages(data, "JP002")
    assert "'丂' (U+4E02) at 0x3021 of JIS X 0212 (ISO-2022-JP-1)" in first
    assert "ESC . A designates a G2 set of ISO-2022-JP-2" in second


def test_iso_2022_jp_2_text_is_not_judged_by_jp002():
    data = jis(b"\x1b$(D0!\x1b(B\r\n", charset=b"ISO-2022-JP-2")
    assert hits(data, "JP002") == []


def test_microsoft_labels_are_iso_2022_jp():
    assert hits(jis(CIRCLED_ONE + b"\r\n", charset=b"CP50220"), "JP002") == [("JP002", 10, 4)]


def test_base64_body_names_the_decoded_line_and_octet():
    body = base64.encodebytes(b"line1\r\n" + CIRCLED_ONE + b"\r\n")
    data = jis(body, b"base64")
    assert hits(data, "JP002") == [("JP002", 10, 1)]
    assert "(line 2, octet 4 of the base64-decoded text)" in messages(data, "JP002")[0]


def test_raw_header_and_encoded_words():
    data = with_subject(b"\x1b$B-!\x1b(B and " + b_word(b"\x1b$B-!$3\x1b(B"))
    assert hits(data, "JP002") == [("JP002", 5, 13), ("JP002", 5, 23)]
    raw, word = messages(data, "JP002")
    assert raw.endswith("(raw ISO-2022-JP in the header)")
    assert word.startswith("ISO-2022-JP encoded word: '①'")


def test_many_characters_are_listed_twenty_then_counted():
    data = jis((b"\x1b$B" + b"-!" * 50 + b"\x1b(B\r\n") * 2)
    findings = lint(data, "JP002").findings
    assert len(findings) == 21
    assert findings[-1].message.startswith("80 more characters outside JIS X 0208 in the body")
    assert scan_jis(data).outside_count == 100


def test_shift_jis_is_judged_when_the_parameter_is_on():
    body = "①㈱ｱ漢字".encode("cp932") + b"\xf8\x9f\xfa\x40\r\n"
    data = sjis(body)
    assert hits(data, "JP002", profile=SHIFT_JIS_ON) == [
        ("JP002", 10, 1),
        ("JP002", 10, 3),
        ("JP002", 10, 10),
        ("JP002", 10, 12),
    ]
    nec, kabu, emoji, ibm = messages(data, "JP002", profile=SHIFT_JIS_ON)
    assert "'①' (U+2460) at Shift_JIS 0x8740 is an NEC special character of CP932" in nec
    assert "Shift_JIS 0xF89F is in the user-defined area" in emoji
    assert "IBM extension" in ibm
    # Half-width katakana (0xB1) are Shift_JIS: not reported.
    assert hits(sjis("ｱｲｳ漢字\r\n".encode("shift_jis")), "JP002", profile=SHIFT_JIS_ON) == []
    assert scan_sjis(body).outside_count == 4


def test_shift_jis_encoded_word_when_the_parameter_is_on():
    data = with_subject(b_word("①".encode("cp932"), b"Shift_JIS"))
    assert hits(data, "JP002") == []
    assert hits(data, "JP002", profile=SHIFT_JIS_ON) == [("JP002", 5, 10)]


# --- JP003 -----------------------------------------------------------------------------


def test_line_not_reset_is_reported_at_its_end_once():
    data = jis(b"\x1b$B$3$s\r\nascii after\r\n" + HELLO + b"\r\n")
    assert hits(data, "JP003") == [("JP003", 10, 8)]
    (message,) = messages(data, "JP003")
    assert message == (
        "ISO-2022-JP line ends in JIS X 0208 mode (ESC $ B at octet 1) without ESC ( B"
    )


def test_katakana_mode_and_shift_out_at_line_end():
    data = jis(b"\x1b(I1\r\n\x0e1\r\nlast \x1b$@0!")
    assert hits(data, "JP003") == [("JP003", 10, 5), ("JP003", 11, 3), ("JP003", 12, 11)]
    katakana, shifted, last = messages(data, "JP003")
    assert "JIS X 0201 katakana mode (ESC ( I at octet 1)" in katakana
    assert "shifted out to katakana (SO at octet 1) without SI" in shifted
    assert "JIS C 6226-1978 mode (ESC $ @ at octet 6)" in last


def test_undeclared_charset_with_jis_escapes_is_iso_2022_jp():
    data = msg(body=b"\x1b$B$3$s\r\n")
    assert hits(data, "JP003") == [("JP003", 7, 8)]


def test_variants_are_judged_by_jp003():
    assert hits(jis(b"\x1b$(D0!\r\n", charset=b"ISO-2022-JP-2"), "JP003") == [("JP003", 10, 7)]


def test_raw_header_line_and_encoded_word_not_reset():
    data = with_subject(b"\x1b$B$3 " + b_word(b"\x1b$B$3"))
    assert hits(data, "JP003") == [("JP003", 5, 16), ("JP003", 5, 42)]
    word, raw = messages(data, "JP003")
    assert word.startswith("ISO-2022-JP encoded word ends in JIS X 0208 mode")
    assert raw.startswith("raw ISO-2022-JP header line ends in JIS X 0208 mode")


def test_word_ending_inside_an_escape_sequence():
    data = with_subject(b_word(b"abc\x1b$"))
    assert "ends in the middle of an escape sequence" in messages(data, "JP003")[0]


def test_stored_form_positions():
    data = jis(b"\x1b$B$3\r\n").replace(b"\r\n", b"\n")
    assert hits(data, "JP003", line_endings="auto") == [("JP003", 10, 6)]


# --- robustness ------------------------------------------------------------------------


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400), st.sampled_from([b"ISO-2022-JP", b"Shift_JIS", b"CP50220"]))
def test_any_body_never_raises(body, charset):
    for encoding in (b"7bit", b"base64", b"quoted-printable"):
        data = jis(body, encoding, charset).replace(b"Subject: hello", b"Subject: " + body[:60])
        lint_bytes(data, select=JP, profile=SHIFT_JIS_ON)


@settings(max_examples=100)
@given(
    st.lists(
        st.sampled_from(
            [
                b"\x1b",
                b"$",
                b"(",
                b"B",
                b"I",
                b"@",
                b"-!",
                b"\x0e",
                b"\x0f",
                b".",
                b"N",
                b"\r\n",
                b"\xa4",
                b"a",
            ]
        ),
        max_size=80,
    )
)
def test_escape_soup_never_raises(pieces):
    text = b"".join(pieces)
    scan_jis(text)
    scan_sjis(text)
    lint_bytes(with_subject(b_word(text[:40])) + text, select=JP, profile=SHIFT_JIS_ON)


def summed_up(code: str, positions, more: str) -> tuple[list[tuple[str, int, int]], str]:
    """A rule's 20 findings at ``positions`` (line, column) and the 21st that sums up the rest."""
    return [(code, line, column) for line, column in positions], more


NONE: tuple[list[tuple[str, int, int]], str] = ([], "")


# The body is (unit, count, tail): ``unit * count + tail``, about 1 MB.
@pytest.mark.parametrize(
    ("body", "in_jis", "in_sjis"),
    [
        (  # NEC row 13: one JP002 a character, two octets apart, on line 10
            (b"\x1b$B" + b"-!" * 60 + b"\x1b(B\r\n", 8000, b""),
            summed_up("JP002", [(10, 4 + 2 * i) for i in range(21)], "479980 more characters"),
            NONE,
        ),
        (  # half-width katakana by ESC ( I: one JP002 an octet
            (b"\x1b(I" + b"1" * 60 + b"\x1b(B\r\n", 16000, b""),
            summed_up("JP002", [(10, 4 + i) for i in range(21)], "959980 more characters"),
            NONE,
        ),
        ((b"\x1b$B$3\x1b(Ba", 120_000, b"\r\n"), NONE, NONE),
        ((b"\x1b", 1_000_000, b""), NONE, NONE),
        ((b"\x0e\x0f", 500_000, b""), NONE, NONE),
        (  # a JP003 a line, at its end
            (b"\x1b$B$3$3\r\n", 100_000, b""),
            summed_up("JP003", [(10 + i, 8) for i in range(21)], "99980 more lines not reset"),
            NONE,
        ),
        (  # octets above 127 in ISO-2022-JP: one JP001; in Shift_JIS, emoji outside JIS X 0208
            (b"\xf8\x9f", 500_000, b""),
            ([("JP001", 10, 1)], "ISO-2022-JP text of the body holds 1000000 octets above 127"),
            summed_up("JP002", [(10, 1 + 2 * i) for i in range(21)], "499980 more characters"),
        ),
    ],
    ids=["nec", "katakana", "escapes", "esc", "shifts", "unreset", "sjis-emoji"],
)
def test_hostile_bodies_take_linear_time(body, in_jis, in_sjis):
    unit, count, tail = body

    def check(text: bytes) -> tuple[Report, Report]:
        jis_report = lint_bytes(jis(text), select=JP)
        return jis_report, lint_bytes(sjis(text), select=JP, profile=SHIFT_JIS_ON)

    for report, (expected, last) in zip(check(unit * count + tail), (in_jis, in_sjis), strict=True):
        assert [(f.code, f.line, f.column) for f in report.findings] == expected
        assert not expected or report.findings[-1].message.startswith(last)
    # The work at a hundredth and a tenth of the size (the time at full size is
    # benchmarks/pathological.py's, jp-*): a quadratic scan would be x100.
    check(unit + tail)  # one-time costs apart
    small, large = (calls(check, unit * (count // d) + tail) for d in (100, 10))
    assert large <= 12 * small


def test_many_encoded_words_in_one_field_are_capped():
    data = with_subject(b" ".join([b_word(b"\x1b$B-!")] * 5000))
    report = lint_bytes(data, select=JP)
    # Both at each of the first 21 words (26 octets and a space apart, from column 10).
    assert [(f.code, f.line, f.column) for f in report.findings] == [
        (code, 5, 10 + 27 * i) for i in range(21) for code in ("JP002", "JP003")
    ]
    by_code = {code: [f for f in report.findings if f.code == code] for code in JP}
    assert by_code["JP002"][-1].message.startswith("4980 more encoded words outside JIS X 0208")
    assert by_code["JP003"][-1].message.startswith("4980 more encoded words not reset to ASCII")
    # The time: benchmarks/pathological.py jp-subject-words.


# --- real mail (the shared corpus, when it is beside the checkout) ----------------------


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is not beside the repo")
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # circled digits and an IBM roman numeral in ISO-2022-JP (jpmobile's spec, line 422)
        (
            "jpmobile__jpmobile/spec/unit/email-fixtures/iphone-circled-numbers-in-jis.eml",
            [("JP002", 4, 10), ("JP002", 15, 22), ("JP002", 15, 24)],
        ),
        # half-width katakana after ESC ( I, from an iPhone
        (
            "jpmobile__jpmobile/spec/unit/email-fixtures/iphone-jis.eml",
            [("JP002", 13, 6), ("JP002", 13, 15), ("JP002", 13, 23)],
        ),
        # au's ISO-2022-JP emoji (row 87)
        ("milter-manager__test-mails/normal/emoji/au.eml", [("JP002", 12, 4)]),
        # ① in au's ISO-2022-JP-KDDI
        (
            "milter-manager__test-mails/normal/machine-dependent/au-iso-2022-jp-extra-7bit.eml",
            [("JP002", 12, 10)],
        ),
        # raw ISO-2022-JP in a Subject, correctly reset: nothing for the JP rules
        ("milter-manager__test-mails/normal/headers/subject/raw-iso-2022-jp.eml", []),
        ("milter-manager__test-mails/normal/headers/subject/folded-raw-iso-2022-jp.eml", []),
        ("jpmobile__jpmobile/spec/unit/email-fixtures/docomo-jis.eml", []),
    ],
)
def test_corpus_messages(name, expected):
    data = (CORPUS / name).read_bytes()
    assert hits(data, *JP, line_endings="auto", carrier="none") == expected
