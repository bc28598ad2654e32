"""CS rules and the charset adapter (maillint.charsets).

The adapter tests pass with every chardet the project allows (pyproject.toml:
chardet>=5.0; run against 5.0.0 and 7.x): they use text both releases are
confident about, or fix chardet's answer with a stand-in detector.
"""

from __future__ import annotations

import base64
import codecs
import random

import pytest

from maillint import charsets
from maillint.charsets import (
    MIN_CONFIDENCE,
    SAMPLE_SIZE,
    Guess,
    codec_for,
    decode,
    decode_iso2022jp_ms,
    from_chardet,
    guess,
    jis_to_sjis,
    mime_name,
    sample_at,
)
from maillint.checks.charset import MAX_GUESSES
from support import calls, hits, lint, msg

# Real Japanese sentences (Natsume Soseki; a business letter).
NEKO = "吾輩は猫である。名前はまだ無い。\r\nどこで生れたかとんと見当がつかぬ。\r\n"
LETTER = (
    "お世話になっております。明日の会議の資料を送付いたします。\r\n"
    "ご確認のほど、よろしくお願い申し上げます。\r\n"
)
RUSSIAN = "Привет, как дела? Это тестовое сообщение. Мы получили ваше письмо и ответим завтра.\r\n"
CHINESE = "中文测试文本，这是一封电子邮件。我们明天见面。请确认您的出席情况，谢谢。\r\n"
KOREAN = "한국어 테스트 메시지입니다. 안녕하세요. 내일 회의는 오후 세시에 있습니다.\r\n"
FRENCH = "Bonjour à tous, la réunion de demain est déplacée à jeudi. À bientôt, François.\r\n"

# ESC sequences of ISO-2022-JP (RFC 1468).
KANJI = b"\x1b$B"
ASCII = b"\x1b(B"


def text_part(charset: bytes | None, cte: bytes = b"8bit") -> bytes:
    """MIME fields of a single text/plain part (header lines 6, 7, 8)."""
    parameter = b"; charset=" + charset if charset is not None else b""
    return (
        b"MIME-Version: 1.0\r\n"
        b"Content-Transfer-Encoding: " + cte + b"\r\n"
        b"Content-Type: text/plain" + parameter + b"\r\n"
    )


def messages_of(findings, code):
    return [f.message for f in findings if f.code == code]


class FakeDetector:
    """A chardet.detect stand-in with a fixed answer, counting its calls."""

    def __init__(self, encoding: str | None, confidence: float) -> None:
        self.answer = {"encoding": encoding, "confidence": confidence, "language": None}
        self.calls = 0

    def __call__(self, data: bytes) -> dict:
        self.calls += 1
        return dict(self.answer)


@pytest.fixture
def detector(monkeypatch):
    """Install a FakeDetector: ``detector(encoding, confidence)``."""

    def install(encoding: str | None, confidence: float) -> FakeDetector:
        fake = FakeDetector(encoding, confidence)
        monkeypatch.setattr(charsets, "_chardet", lambda: fake)
        return fake

    return install


# -- labels ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "codec"),
    [
        ("utf-8", "utf-8"),
        ("UTF8", "utf-8"),
        (" utf-8 ", "utf-8"),
        ("unicode-1-1-utf-8", "utf-8"),
        ("unicode-1-1-utf-7", "utf-7"),
        ("us-ascii", "ascii"),
        ("ANSI_X3.4-1968", "ascii"),
        ("iso-8859-1", "iso8859-1"),
        ("latin-9", "iso8859-15"),
        ("shift_jis", "shift_jis"),
        ("Shift-JIS", "shift_jis"),
        ("x-sjis", "shift_jis"),
        ("cp932", "cp932"),
        ("windows-31j", "cp932"),
        ("ISO-2022-JP", "iso2022_jp"),
        ("csISO2022JP", "iso2022_jp"),
        ("iso-2022-jp-ms", "iso2022_jp"),
        ("cp50220", "iso2022_jp"),
        ("cp50221", "iso2022_jp"),
        ("euc-jp", "euc_jp"),
        ("x-euc-jp", "euc_jp"),
        ("ks_c_5601-1987", "euc_kr"),
        ("windows-949", "cp949"),
        ("gb2312", "gb2312"),
        ("x-gbk", "gbk"),
        ("big5", "big5"),
        ("windows-1252", "cp1252"),
        ("windows-874", "cp874"),
        ("iso-8859-8-i", "iso8859-8"),
        ("x-mac-roman", "mac-roman"),
        ("koi8-r", "koi8-r"),
    ],
)
def test_codec_for_knows_labels_and_aliases(label, codec):
    assert codec_for(label) == codec


@pytest.mark.parametrize(
    "label",
    [
        "",
        "   ",
        "x-unknown",
        "unknown-8bit",
        "x-user-defined",
        "utf-9",
        "utf-8;",
        "base64",
        "hex",
        "rot13",
        "unicode_escape",
        "idna",
        "undefined",
        "utf-8\x00",
        "utf-\udcff",
        "ｕｔｆ-8",
        "x" * 1000,
    ],
)
def test_codec_for_refuses_what_no_codec_knows(label):
    assert codec_for(label) is None


def test_mime_name():
    assert mime_name("shift_jis") == "Shift_JIS"
    assert mime_name("iso2022_jp") == "ISO-2022-JP"
    assert mime_name("iso8859-15") == "ISO-8859-15"
    assert mime_name("cp1252") == "windows-1252"
    assert mime_name("euc_jp") == "EUC-JP"
    assert mime_name("koi8-r") == "KOI8-R"


# -- decoding --------------------------------------------------------------


def test_decode_strict_reports_the_first_bad_octet():
    result = decode(b"ok\xc3\xa9 then \xe9 and \xff", "utf-8")
    assert not result.ok and result.text is None
    assert result.error == 10
    assert "continuation" in result.reason or "invalid" in result.reason
    assert decode("café".encode(), "utf-8").text == "café"


def test_decode_reads_labels_as_readers_do():
    vendor = "①から③まで、㈱山田商事。".encode("cp932")
    assert not _stdlib_decodes(vendor, "shift_jis")
    result = decode(vendor, "shift_jis")
    assert result.ok and result.codec == "cp932" and result.text.startswith("①")
    assert decode("똠방각하".encode("cp949"), "euc_kr").ok
    assert decode("𠀀".encode("gb18030"), "gb2312").ok
    assert not decode(b"caf\xe9", "ascii").ok


def test_decode_never_raises():
    assert not decode(b"abc", "no-such-codec").ok
    assert not decode(b"\x00\x01\x02", "utf-16").ok
    assert decode(b"", "utf-8").text == ""


def _stdlib_decodes(data: bytes, codec: str) -> bool:
    try:
        data.decode(codec)
    except UnicodeDecodeError:
        return False
    return True


# -- Microsoft's ISO-2022-JP (CP50220/CP50221) -------------------------------


def test_jis_to_sjis_matches_cp932():
    # ① is JIS 0x2D21 (NEC row 13), 髙 0x7C62 (NEC-selected IBM extension, row 92).
    assert jis_to_sjis(0x2D, 0x21) == "①".encode("cp932")
    assert jis_to_sjis(0x7C, 0x62) == "髙".encode("cp932")
    assert jis_to_sjis(0x30, 0x21) == "亜".encode("shift_jis")
    assert jis_to_sjis(0x24, 0x22) == "あ".encode("shift_jis")


def test_circled_digit_in_iso2022jp_decodes_through_cp932():
    # "会議は①から" as Outlook writes it: ① (0x2D21) inside ESC $ B.
    data = KANJI + "会議は".encode("iso2022_jp")[3:-3] + b"-!" + "から".encode("iso2022_jp")[3:-3]
    data += ASCII + b"\r\n"
    assert not _stdlib_decodes(data, "iso2022_jp")
    text, vendor, count = decode_iso2022jp_ms(data)
    assert text == "会議は①から\r\n"
    assert vendor == [(9, "①")] and count == 1
    result = decode(data, "iso2022_jp")
    assert result.ok and result.text == text and result.vendor == ((9, "①"),)
    assert result.vendor_count == 1


def test_cp50221_vendor_characters_and_katakana():
    data = KANJI + b"-j|b" + ASCII + b" x " + b"\x1b(I" + b"1" + ASCII + b"\r\n"
    text, vendor, count = decode_iso2022jp_ms(data)
    assert text == "㈱髙 x ｱ\r\n"
    assert vendor == [(3, "㈱"), (5, "髙"), (16, "ｱ")] and count == 3


def test_iso2022jp_route_runs_at_codec_speed():
    line = KANJI + b"-!$3$s$K$A$O" + ASCII + b" abc\r\n"  # "①こんにちは abc"
    data = line * 50_000  # 1.1 MB, a vendor character on every line
    result = decode(data, "iso2022_jp")
    assert result.ok and result.vendor_count == 50_000
    assert len(result.vendor) == 100  # the first MAX_VENDOR listed, the rest counted
    assert result.vendor[1] == (len(line) + 3, "①")
    # The codec decodes in C: Python is called a few times per vendor character
    # (three today), never per octet; standard text is one codec call.  The time:
    # benchmarks/pathological.py cs-jis-vendor.
    assert calls(decode, data, "iso2022_jp") <= 4 * 50_000
    standard = (KANJI + b"$3$s$K$A$O" + ASCII + b" abc\r\n") * 50_000  # "こんにちは abc"
    assert calls(decode, standard, "iso2022_jp") <= 10


def test_vendor_characters_are_counted_all_and_listed_first_in_octet_order():
    # 10 MB of half-width katakana listed in full took 1.8 GB (benchmark jp-katakana).
    katakana_line = b"\x1b(I" + b"1" * 60 + ASCII + b"\r\n"
    nec_line = KANJI + b"-!" + ASCII + b"\r\n"
    data = nec_line + katakana_line * 1000 + nec_line
    text, vendor, count = decode_iso2022jp_ms(data)
    assert count == 2 + 60_000 and text.count("ｱ") == 60_000
    assert len(vendor) == 100
    assert vendor[0] == (3, "①") and vendor[1] == (len(nec_line) + 3, "ｱ")
    assert vendor == sorted(vendor)


def test_iso2022jp_route_matches_the_stdlib_on_standard_text():
    data = NEKO.encode("iso2022_jp") + b"\x1b(J\\~" + ASCII
    assert decode_iso2022jp_ms(data) == (data.decode("iso2022_jp"), [], 0)


@pytest.mark.parametrize(
    ("data", "index"),
    [
        (KANJI + b"$3\x7f\x7f" + ASCII, 5),  # not a JIS code
        (KANJI + b"$3$" + ASCII, 5),  # half a character
        (KANJI + b"~~" + ASCII, 3),  # row 94: no reader has it
        (b"abc\x1b$Zdef", 3),  # an escape sequence ISO-2022-JP does not have
        (b"ab\xe9" + KANJI + b"$3" + ASCII, 2),  # an 8-bit octet
        (KANJI + b"$3$", 5),  # the text ends inside a character
        (b"ok " + b"\x1b$(D0!" + ASCII, 3),  # JIS X 0212 is ISO-2022-JP-1, not ISO-2022-JP
        (b"\x1b(I1a" + ASCII, 4),  # not a JIS X 0201 katakana code
    ],
)
def test_iso2022jp_route_reports_what_no_reader_reads(data, index):
    with pytest.raises(UnicodeDecodeError) as raised:
        decode_iso2022jp_ms(data)
    assert raised.value.start == index
    result = decode(data, "iso2022_jp")
    assert not result.ok and result.error == index


# -- sampling and guessing ---------------------------------------------------


def test_sample_is_bounded_cut_at_a_line_and_holds_the_octet():
    data = b"".join(b"line %05d\r\n" % n for n in range(2000))  # 12 octets a line
    sample, complete = sample_at(data, 6000)
    assert not complete
    assert len(sample) <= SAMPLE_SIZE
    start = data.index(sample)
    assert start == 6000 - 6000 % 12 and sample.endswith(b"\r\n")
    assert sample_at(data[:100], 50) == (data[48:100], True)  # from line 4 on
    assert sample_at(b"", 0) == (b"", True)


def test_sample_of_one_long_line_holds_the_octet():
    data = b"a" * 100_000
    sample, complete = sample_at(data, 90_000)
    start = 90_000 - SAMPLE_SIZE // 2
    assert sample == data[start : start + SAMPLE_SIZE] and not complete


def test_cheap_answers_come_before_chardet(detector):
    fake = detector("EUC-JP", 0.99)
    assert guess(b"plain text\r\n") == Guess("ascii", 1.0)
    assert guess(LETTER.encode("utf-8")) == Guess("utf-8", 1.0)
    assert guess(NEKO.encode("iso2022_jp")) == Guess("iso2022_jp", 1.0)
    assert fake.calls == 0
    assert guess(NEKO.encode("euc_jp")) == Guess("euc_jp", 0.99)
    assert fake.calls == 1


def test_iso2022jp_with_vendor_characters_is_still_iso2022jp(detector):
    detector(None, 0.0)
    data = KANJI + b'-!-"' + ASCII + b"\r\n"
    assert guess(data) == Guess("iso2022_jp", 1.0)


@pytest.mark.parametrize("text", [NEKO, LETTER])
@pytest.mark.parametrize("codec", ["shift_jis", "euc_jp", "iso2022_jp"])
def test_japanese_charsets_are_told_apart(text, codec):
    found = guess(text.encode(codec))
    assert found is not None and found.codec == codec
    assert found.confidence >= MIN_CONFIDENCE


def test_cp932_text_is_not_called_shift_jis():
    text = "会議の議題は次の通りです。①予算の確認②日程の調整③担当者の決定。㈱山田商事の髙橋様。\r\n"
    found = guess(text.encode("cp932"))
    # chardet 7.x says CP932; chardet 5.0 is not confident: never a wrong name.
    assert found is None or found.codec == "cp932"


@pytest.mark.parametrize(
    ("text", "codec"),
    [(RUSSIAN, "koi8-r"), (CHINESE, "gb2312"), (KOREAN, "euc_kr")],
)
def test_chardet_path_names_other_charsets(text, codec):
    found = guess(text.encode(codec))
    assert found is not None and found.codec == codec


def test_guess_looks_at_the_octet_it_is_asked_about():
    data = b"ascii line\r\n" * 1000 + NEKO.encode("euc_jp")
    assert guess(data) == Guess("ascii", 1.0)
    found = guess(data, len(data) - 5)
    assert found is not None and found.codec == "euc_jp"


def test_empty_input_has_no_guess(detector):
    assert guess(b"") is None
    # chardet 7.x answers utf-8 (confidence 0.10) for empty input, 5.x None:
    # both normalise to None.
    assert from_chardet({"encoding": "utf-8", "confidence": 0.1, "language": None}, b"") is None
    assert from_chardet({"encoding": None, "confidence": 0.0, "language": None}, b"") is None


def test_binary_noise_has_no_guess():
    assert guess(random.Random(1).randbytes(300)) is None
    assert guess(random.Random(2).randbytes(2000)) is None


def test_confidence_below_threshold_gives_no_guess(detector):
    sample = NEKO.encode("shift_jis")
    detector("SHIFT_JIS", MIN_CONFIDENCE - 0.01)
    assert guess(sample) is None
    detector("SHIFT_JIS", MIN_CONFIDENCE)
    assert guess(sample) == Guess("shift_jis", MIN_CONFIDENCE)


@pytest.mark.parametrize(
    ("answer", "text", "codec", "expected"),
    [
        # chardet 5.x and 7.x names for the same text agree once normalised.
        ("SHIFT_JIS", NEKO, "shift_jis", "shift_jis"),
        ("CP932", NEKO, "shift_jis", "shift_jis"),
        ("SHIFT_JIS", "①②③の件、承知しました。", "cp932", "cp932"),
        ("GB2312", CHINESE, "gb2312", "gb2312"),
        ("GB18030", CHINESE, "gb2312", "gb2312"),
        ("EUC-KR", KOREAN, "euc_kr", "euc_kr"),
        ("CP949", KOREAN, "euc_kr", "euc_kr"),
        ("ISO-8859-1", FRENCH, "latin-1", "iso8859-1"),
        ("Windows-1252", FRENCH, "latin-1", "iso8859-1"),
        ("ISO-8859-1", "“Quoted” text – with dashes\r\n", "cp1252", "cp1252"),
        ("MacCyrillic", RUSSIAN, "mac-cyrillic", "mac-cyrillic"),
        # Verification: a name that does not decode the sample is no guess.
        ("utf-8", NEKO, "shift_jis", None),
        ("ascii", NEKO, "euc_jp", None),
        # A name no codec knows, and no name at all.
        ("EUC-TW", NEKO, "euc_jp", None),
        (None, NEKO, "euc_jp", None),
    ],
)
def test_chardet_answers_are_normalised_and_verified(answer, text, codec, expected):
    sample = text.encode(codec)
    found = from_chardet({"encoding": answer, "confidence": 0.9, "language": ""}, sample)
    assert (found.codec if found else None) == expected


@pytest.mark.parametrize("result", [None, [], {"encoding": 5}, {"confidence": "high"}, {}])
def test_malformed_chardet_answers_give_no_guess(result):
    assert from_chardet(result, b"\xe9t\xe9") is None


def test_a_failing_detector_gives_no_guess(monkeypatch):
    def broken(data):
        raise RuntimeError("detector bug")

    monkeypatch.setattr(charsets, "_chardet", lambda: broken)
    assert guess(NEKO.encode("euc_jp")) is None


def test_truncated_sample_still_verifies(detector):
    # A sample cut inside a multi-octet character verifies with a final=False decode.
    detector("EUC-JP", 0.99)
    data = ("あ" * 5000).encode("euc_jp")
    assert guess(data, 0) == Guess("euc_jp", 0.99)


# -- CS001 unknown-charset -----------------------------------------------------


def test_cs001_points_at_the_parameter():
    data = msg(text_part(b"x-unknown"), b"Hello.\r\n")
    assert hits(data, "CS001") == [("CS001", 8, 27)]
    findings = lint(data, "CS001").findings
    assert findings[0].message == "unknown charset 'x-unknown' in the body"
    assert findings[0].field == "Content-Type"


def test_cs001_on_a_folded_field_in_a_part():
    data = msg(
        b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n',
        b"--b\r\n"  # line 9
        b"Content-Type: text/plain;\r\n"  # line 10
        b'\tcharset="utf-9"\r\n'  # line 11
        b"\r\n"
        b"Hello.\r\n"
        b"--b--\r\n",
    )
    assert hits(data, "CS001") == [("CS001", 11, 2)]
    finding = lint(data, "CS001").findings[0]
    assert finding.part == "1" and "part 1" in finding.message


def test_cs001_empty_and_odd_labels():
    assert hits(msg(text_part(b'""'), b"Hi.\r\n"), "CS001") == [("CS001", 8, 27)]
    odd = msg(text_part(b'"utf-8\xff"'), b"Hi.\r\n")
    assert hits(odd, "CS001") == [("CS001", 8, 27)]
    assert "\\udcff" in lint(odd, "CS001").findings[0].message


@pytest.mark.parametrize(
    "label",
    [b"utf-8", b"UTF8", b"us-ascii", b"x-sjis", b"windows-31j", b"ks_c_5601-1987", b"cp50221"],
)
def test_cs001_silent_on_known_labels(label):
    assert hits(msg(text_part(label), b"Hi.\r\n"), "CS001") == []


# -- CS002 charset-decode-error ------------------------------------------------


def test_cs002_points_at_the_bad_octet_of_an_8bit_part():
    data = msg(text_part(b"utf-8"), "Grüße\r\n".encode() + b"Caf\xe9 au lait\r\n")
    # Body starts on line 10; the bad octet is line 11, column 4.
    assert hits(data, "CS002") == [("CS002", 11, 4)]
    message = lint(data, "CS002").findings[0].message
    assert message.startswith("text of the body does not decode as UTF-8: invalid continuation")
    assert "(0xE9)" in message


def test_cs002_names_the_charset_the_text_looks_like():
    data = msg(text_part(b"utf-8"), NEKO.encode("shift_jis"))
    assert hits(data, "CS002") == [("CS002", 10, 1)]
    assert "it looks like Shift_JIS" in lint(data, "CS002").findings[0].message

    data = msg(text_part(b"shift_jis"), b"ok\r\n" + LETTER.encode("utf-8"))
    # CP932 reads UTF-8 octets in pairs until the 38th octet of line 11 (0x98).
    assert hits(data, "CS002") == [("CS002", 11, 38)]
    assert lint(data, "CS002").findings[0].message.endswith("; it looks like UTF-8")


@pytest.mark.parametrize("charset", [b"us-ascii", b"utf-8", b"iso-8859-1"])
def test_cs002_iso2022jp_under_another_label(charset):
    # It decodes (ESC is a control character) but reads "$B$3$s$K$A$O".
    data = msg(text_part(charset, b"7bit"), b"Hello\r\nJP: " + NEKO.encode("iso2022_jp"))
    assert hits(data, "CS002") == [("CS002", 11, 5)]
    message = lint(data, "CS002").findings[0].message
    assert "holds ISO-2022-JP escape sequences but is labelled" in message
    assert message.endswith("; it looks like ISO-2022-JP")


def test_cs002_base64_points_at_the_first_body_line():
    body = base64.encodebytes(b"line one\nCaf\xe9\n").replace(b"\n", b"\r\n")
    data = msg(text_part(b"utf-8", b"base64"), body)
    assert hits(data, "CS002") == [("CS002", 10, 1)]
    assert "at octet 12 of the base64-decoded body" in lint(data, "CS002").findings[0].message


def test_cs002_quoted_printable_points_at_the_first_body_line():
    data = msg(text_part(b"us-ascii", b"quoted-printable"), b"abc\r\nd=E9f\r\n")
    assert hits(data, "CS002") == [("CS002", 10, 1)]
    message = lint(data, "CS002").findings[0].message
    assert "as US-ASCII" in message and "at octet 6 of the quoted-printable-decoded body" in message


def test_cs002_in_a_multipart():
    data = msg(
        b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n',
        b"--b\r\n"  # line 9
        b"Content-Type: text/plain; charset=utf-8\r\n"
        b"\r\n"
        b"hello\r\n"
        b"--b\r\n"  # line 13
        b"Content-Type: text/plain; charset=iso-2022-jp\r\n"
        b"Content-Transfer-Encoding: 7bit\r\n"
        b"\r\n"
        b"first line\r\n"  # line 17
        b"second \x1b$B$3\x8e\x1b(B\r\n"  # line 18: an 8-bit octet in ISO-2022-JP
        b"--b--\r\n",
    )
    assert hits(data, "CS002") == [("CS002", 18, 13)]
    finding = lint(data, "CS002").findings[0]
    assert finding.part == "2"
    # (chardet 5.0 then names windows-1252 at 73%; 7.x names nothing.)
    assert finding.message.startswith(
        "text of part 2 does not decode as ISO-2022-JP: 8-bit octet in ISO-2022-JP (0x8E)"
    )


def test_cs002_names_an_iso2022jp_code_no_reader_has():
    # JIS row 86 (0x76): no JIS X 0208 character, no CP932 one (au sends its emoji so).
    data = msg(text_part(b"iso-2022-jp"), b"ok " + KANJI + b"$3v}" + ASCII + b"\r\n")
    assert hits(data, "CS002") == [("CS002", 10, 9)]
    assert (
        lint(data, "CS002")
        .findings[0]
        .message.startswith(
            "text of the body does not decode as ISO-2022-JP: "
            "two-octet code in neither JIS X 0208 nor CP932 (0x76 0x7D)"
        )
    )


@pytest.mark.parametrize(
    ("charset", "body"),
    [
        (b"us-ascii", b"Hello Bob.\r\n"),
        (b"utf-8", LETTER.encode("utf-8")),
        (b"iso-2022-jp", NEKO.encode("iso2022_jp")),
        (b"ISO-2022-JP", KANJI + b'-!-"' + ASCII + b"\r\n"),  # cp50220: JP002's business
        (b"shift_jis", NEKO.encode("shift_jis")),
        (b"Shift_JIS", "①㈱髙\r\n".encode("cp932")),  # CP932: JP002's business
        (b"euc-jp", LETTER.encode("euc_jp")),
        (b"iso-8859-1", FRENCH.encode("latin-1")),
        (b"ks_c_5601-1987", KOREAN.encode("cp949")),
    ],
)
def test_cs002_silent_on_text_in_its_charset(charset, body):
    assert hits(msg(text_part(charset), body), "CS002") == []


def test_cs002_silent_on_base64_text_in_its_charset():
    body = base64.encodebytes(LETTER.encode("utf-8")).replace(b"\n", b"\r\n")
    assert hits(msg(text_part(b"utf-8", b"base64"), body), "CS002") == []


def test_cs002_leaves_unknown_charsets_and_non_text_parts_alone():
    assert hits(msg(text_part(b"x-unknown"), b"\xff\xfe\r\n"), "CS002") == []
    fields = b"MIME-Version: 1.0\r\nContent-Type: application/octet-stream; charset=utf-8\r\n"
    assert hits(msg(fields, b"\xff\xfe\r\n"), "CS002") == []


def test_cs002_guesses_a_bounded_number_of_times(monkeypatch):
    calls = []
    real = charsets.guess

    def counting(data, at=0):
        calls.append(at)
        return real(data, at)

    monkeypatch.setattr("maillint.checks.charset.guess", counting)
    parts = b"".join(
        b"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + NEKO.encode("shift_jis")
        for _ in range(MAX_GUESSES + 5)
    )
    data = msg(
        b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n',
        parts + b"--b--\r\n",
    )
    findings = lint(data, "CS002").findings
    assert len(findings) == MAX_GUESSES + 5
    assert len(calls) == MAX_GUESSES
    assert "looks like" not in findings[-1].message


# -- CS003 missing-charset -----------------------------------------------------


def test_cs003_points_at_the_first_8bit_octet_and_names_the_guess():
    data = msg(text_part(None), b"Hello\r\nCaf\xc3\xa9\r\n")
    assert hits(data, "CS003") == [("CS003", 11, 4)]
    message = lint(data, "CS003").findings[0].message
    assert message == (
        "8-bit text in the body but no charset parameter (US-ASCII by default); it looks like UTF-8"
    )


def test_cs003_without_any_content_type():
    data = msg(b"", NEKO.encode("euc_jp"))
    assert hits(data, "CS003") == [("CS003", 7, 1)]
    assert "it looks like EUC-JP" in lint(data, "CS003").findings[0].message


def test_cs003_in_a_base64_part():
    body = base64.encodebytes(b"abc " + NEKO.encode("shift_jis")).replace(b"\n", b"\r\n")
    data = msg(text_part(None, b"base64"), body)
    assert hits(data, "CS003") == [("CS003", 10, 1)]
    message = lint(data, "CS003").findings[0].message
    assert "at octet 4 of the base64-decoded body" in message
    assert "it looks like Shift_JIS" in message


def test_cs003_says_when_there_is_no_confident_guess(detector):
    detector("Windows-1252", 0.2)
    data = msg(text_part(None), FRENCH.encode("latin-1"))
    message = lint(data, "CS003").findings[0].message
    assert message.endswith("; no confident guess of its charset")


@pytest.mark.parametrize(
    ("fields", "body"),
    [
        (text_part(None), b"Plain ASCII.\r\n"),
        (text_part(b"utf-8"), "Grüße\r\n".encode()),
        (text_part(b"x-unknown"), b"\xe9\r\n"),  # CS001's business
        (text_part(None), NEKO.encode("iso2022_jp")),  # 7-bit: not this rule's
        (b"MIME-Version: 1.0\r\nContent-Type: image/png\r\n", b"\x89PNG\r\n"),
    ],
)
def test_cs003_silent(fields, body):
    assert hits(msg(fields, body), "CS003") == []


# -- robustness -----------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\r\n\xff\xfe\xfd",
        msg(text_part(b"utf-16"), b"\x00a\x00"),
        msg(text_part(b"utf-7"), b"+\xff-\r\n"),
        msg(text_part(b"iso-2022-jp"), b"\x1b$B\x1b$B\x1b(\x1b\r\n"),
        msg(text_part(b"utf-8", b"base64"), b"!!!!====\r\n"),
        msg(text_part(b"\x00\xff" * 50), b"\xff\r\n"),
        msg(text_part(b"hz-gb-2312"), b"~{\xff~}\r\n"),
        msg(text_part(b"utf-8", b"x-uuencode"), b"\xc3\r\n"),
        msg(
            b"MIME-Version: 1.0\r\nContent-Type: message/rfc822\r\n",
            msg(text_part(b"utf-8"), b"\xe9\r\n"),
        ),
    ],
)
def test_never_raises(data):
    report = lint(data, "CS001", "CS002", "CS003")
    for finding in report.findings:
        assert finding.code in ("CS001", "CS002", "CS003")


def test_embedded_message_parts_are_checked():
    inner = msg(text_part(b"utf-8"), b"\xe9\r\n")
    data = msg(b"MIME-Version: 1.0\r\nContent-Type: message/rfc822\r\n", inner)
    # The inner message starts on line 9, its body on line 9 + 9 = 18.
    assert hits(data, "CS002") == [("CS002", 18, 1)]


def test_codecs_module_untouched():
    # The adapter registers nothing: looking up a label it invents still fails.
    with pytest.raises(LookupError):
        codecs.lookup("cp50221")
