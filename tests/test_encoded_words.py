"""EW rules: RFC 2047 encoded words. Findings are checked as (code, line, column)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maillint import lint_bytes
from maillint.checks.encoded_words import field_words
from maillint.findings import Hit
from maillint.parse import parse
from maillint.registry import all_rules
from support import HEAD, calls, hits, lint, msg

EW_CODES = [f"EW{number:03d}" for number in range(1, 7)]
CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"

# Valid words as real encoders write them (email.header.Header): a Japanese
# subject in ISO-2022-JP B words, each returning to ASCII, and UTF-8 Q words.
JAPANESE_SUBJECT = (
    b"=?iso-2022-jp?b?GyRCRnxLXDhsJE43b0w+JEckOSEjRDkkJDdvTD4kckojGyhC?=\r\n"
    b" =?iso-2022-jp?b?GyRCP3QkTklkOWYyPThsJEtKLCQxJEZBdyRqJF4kORsoQg==?="
)
UTF8_Q_SUBJECT = (
    b"=?utf-8?q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln=2C_sch=C3=B6ne_Gr=C3=BC?=\r\n"
    b" =?utf-8?q?=C3=9Fe_und_noch_mehr_Text_f=C3=BCr_zwei_W=C3=B6rter?="
)


def with_subject(value: bytes) -> bytes:
    """The shared message with its Subject body replaced (line 5, body at column 10)."""
    return msg(head=HEAD.replace(b"Subject: hello", b"Subject: " + value))


def with_to(value: bytes) -> bytes:
    """The shared message with its To body replaced (line 2, body at column 5)."""
    return msg(head=HEAD.replace(b"To: bob@example.org", b"To: " + value))


def subject_hits(value: bytes, *codes: str) -> list[tuple[str, int, int]]:
    return hits(with_subject(value), *(codes or EW_CODES))


def messages(data: bytes, code: str) -> list[str]:
    return [f.message for f in lint(data, code).findings]


def run_ew(data: bytes) -> list[Hit]:
    """The EW rules' hits alone, without the rest of the engine (for counting their work)."""
    field_words.cache_clear()
    message = parse(data)
    rules = all_rules()
    return [hit for code in EW_CODES for hit in rules[code].check(message, rules[code].params)]


# --- valid mail is silent ------------------------------------------------------


@pytest.mark.parametrize(
    "subject",
    [
        JAPANESE_SUBJECT,
        UTF8_Q_SUBJECT,
        b"=?utf-8?b?R3LDvMOfZSBhdXMgS8O2bG4sIHNjaMO2bmUgR3LDvMOfZQ==?=",
        b"=?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?=\r\n =?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?=",
        b"Re: [list] =?UTF-8?Q?caf=c3=a9?= and more",  # lowercase hex is accepted
        b"=?utf-8*en?Q?caf=C3=A9?=",  # RFC 2231 language suffix
        b"=?shift_jis?B?g2WDWINn?=",
        b"=?euc-jp?B?pKKkpA==?=",
        b"=?UTF-8?Q?a?=\t=?UTF-8?Q?b?=",  # white space between words is ignored (6.2)
    ],
)
def test_valid_encoded_words_are_silent(subject):
    assert subject_hits(subject) == []


@pytest.mark.parametrize(
    "text",
    [
        b"a=?b",
        b"=?",
        b"what =? is this",
        b"see http://example.com/x?a=?b?c",
        b"=?x?y",
        b"1+1=?2",
        b"=? a ? b ?=",
    ],
)
def test_ordinary_text_holding_equals_question_mark_is_not_a_word(text):
    assert subject_hits(text) == []


def test_display_names_and_comments_are_the_right_place():
    to = b"=?UTF-8?Q?Bj=C3=B6rn?= <bjorn@example.org> (=?UTF-8?Q?caf=C3=A9?=)"
    assert hits(with_to(to), *EW_CODES) == []
    # Specials delimit a word in a structured field as white space does.
    assert hits(with_to(b"=?UTF-8?Q?Bj=C3=B6rn?=<bjorn@example.org>"), *EW_CODES) == []


# --- EW001 encoded-word-too-long -----------------------------------------------


def test_word_longer_than_75_characters_points_at_its_start():
    word = b"=?UTF-8?Q?" + b"a" * 64 + b"?="  # 76 characters
    assert subject_hits(word, "EW001") == [("EW001", 5, 10)]
    assert "76 characters (limit 75)" in messages(with_subject(word), "EW001")[0]


def test_word_of_exactly_75_characters_is_fine():
    assert subject_hits(b"=?UTF-8?Q?" + b"a" * 63 + b"?=", "EW001") == []


def test_long_word_on_a_continuation_line_reports_that_line():
    value = b"=?UTF-8?Q?short?=\r\n =?UTF-8?Q?" + b"b" * 70 + b"?="
    assert subject_hits(value, "EW001") == [("EW001", 6, 2)]


# --- EW002 malformed-encoded-word ----------------------------------------------


@pytest.mark.parametrize(
    "word",
    [
        b"=?UTF-8?X?abc?=",  # encoding other than B or Q
        b"=?UTF-8??abc?=",  # no encoding
        b"=??Q?abc?=",  # no charset
        b"=?UTF(8?Q?abc?=",  # charset is not a token
        b"=?UTF-8*?Q?abc?=",  # empty language
        b"=?UTF-8?Q??=",  # empty encoded text
        b"=?UTF-8?B?Y2Fmw6k?=",  # base64 without its padding
        b"=?UTF-8?B?Y2Fm=w6k?=",  # '=' inside base64
        b"=?UTF-8?B?Y2Fmw6k*?=",  # not a base64 character
        b"=?UTF-8?B?YQ===?=",  # too much padding
        b"=?UTF-8?Q?caf=C?=",  # '=' without two hex digits
        b"=?UTF-8?Q?caf=ZZ?=",
        b"=?UTF-8?Q?caf\xc3\xa9?=",  # raw 8-bit in Q text
        b"=?UTF-8?Q?what?is?=",  # '?' inside the text
        b"=?UTF-8?Q?not closed",  # space inside, never closed
        b"=?UTF-8?B?Y2Fm",  # the field ends before '?='
    ],
)
def test_malformed_words_point_at_their_start(word):
    assert subject_hits(word, "EW002") == [("EW002", 5, 10)]


def test_lowercase_b_and_q_are_fine():
    assert subject_hits(b"=?utf-8?b?Y2Fmw6k=?= =?utf-8?q?caf=C3=A9?=", "EW002") == []


def test_word_folded_in_the_middle():
    # milter-manager's folded-mime-incomplete: one word broken by a fold.
    value = b"=?ISO-2022-JP?B?GyRCJUYlOSVI\r\n JWEhPCVrGyhC?="
    assert subject_hits(value, "EW002") == [("EW002", 5, 10)]
    assert "white space inside" in messages(with_subject(value), "EW002")[0]
    # The same with the fold right after the charset.
    assert subject_hits(b"x =?UTF-8?\r\n Q?abc?=", "EW002") == [("EW002", 5, 12)]


def test_space_inside_q_text():
    assert subject_hits(b"=?UTF-8?Q?hello world?=", "EW002") == [("EW002", 5, 10)]


def test_malformed_word_on_a_continuation_line():
    value = b"=?UTF-8?Q?fine?=\r\n =?UTF-8?Q?bad=X?="
    assert subject_hits(value, "EW002") == [("EW002", 6, 2)]


def test_q_word_in_a_display_name_allows_only_a_narrow_set():
    # RFC 2047 5(3): a ',' or '.' must be encoded inside a phrase.
    assert hits(with_to(b"=?UTF-8?Q?Doe,_John?= <j@example.org>"), "EW002") == [("EW002", 2, 5)]
    assert hits(with_to(b"=?UTF-8?Q?Doe=2C_John?= <j@example.org>"), "EW002") == []
    # The same text is fine in an unstructured field.
    assert subject_hits(b"=?UTF-8?Q?Doe,_John?=", "EW002") == []


def test_q_word_in_a_comment_may_not_hold_parentheses():
    to = b"j@example.org (=?UTF-8?Q?a)b?=)"
    assert hits(with_to(to), "EW002") == [("EW002", 2, 20)]


# --- EW003 unknown-encoded-word-charset ----------------------------------------


def test_unknown_charset():
    assert subject_hits(b"=?X-NO-SUCH?Q?abc?=", "EW003") == [("EW003", 5, 10)]
    assert subject_hits(b"=?base64?Q?abc?=", "EW003") == [("EW003", 5, 10)]  # not a charset


@pytest.mark.parametrize(
    "charset",
    [
        b"utf-8",
        b"UTF8",
        b"us-ascii",
        b"iso-2022-jp",
        b"ISO-2022-JP-2",
        b"shift_jis",
        b"Shift_JIS",
        b"euc-jp",
        b"iso-8859-1",
        b"windows-1252",
        b"gb2312",
        b"gbk",
        b"ks_c_5601-1987",
        b"big5",
        b"koi8-r",
        b"Windows-31J",
        b"cp932",
        b"utf-8*ja",
        b"iso-2022-jp*ja-JP",
    ],
)
def test_common_charsets_and_aliases_are_known(charset):
    assert subject_hits(b"=?" + charset + b"?Q?abc?=", "EW003") == []


def test_charset_that_is_not_a_token_is_only_malformed():
    assert subject_hits(b"=?UTF(8?Q?abc?=", "EW002", "EW003") == [("EW002", 5, 10)]


# --- EW004 encoded-word-in-wrong-place -----------------------------------------


def test_word_inside_a_quoted_string():
    assert hits(with_to(b'"=?UTF-8?Q?Bj=C3=B6rn?=" <b@example.org>'), "EW004") == [("EW004", 2, 6)]


def test_quoted_string_of_several_words_is_one_finding():
    to = b'"=?UTF-8?Q?a?= =?UTF-8?Q?b?= =?UTF-8?Q?c?=" <b@example.org>'
    assert hits(with_to(to), "EW004") == [("EW004", 2, 6)]


def test_word_inside_an_addr_spec():
    assert hits(with_to(b"Bob <=?UTF-8?Q?bob?=@example.org>"), "EW004") == [("EW004", 2, 10)]
    assert hits(with_to(b"=?UTF-8?Q?bob?=@example.org"), "EW004") == [("EW004", 2, 5)]


def test_word_inside_a_msg_id():
    data = msg(head=HEAD.replace(b"<20240101090000.1@", b"<=?UTF-8?Q?x?=@"))
    assert hits(data, "EW004") == [("EW004", 4, 14)]


def test_word_in_a_parameter_value():
    extra = (
        b"MIME-Version: 1.0\r\n"
        b'Content-Type: text/plain; name="=?UTF-8?B?Y2Fmw6kudHh0?="\r\n'
        b"Content-Disposition: attachment;\r\n"
        b" filename==?UTF-8?B?Y2Fmw6kudHh0?=\r\n"
    )
    data = msg(extra=extra)
    assert hits(data, "EW004") == [("EW004", 7, 33), ("EW004", 9, 11)]
    assert all("parameter value" in text and "AT005" in text for text in messages(data, "EW004"))


def test_word_in_a_comment_of_content_type_is_fine():
    extra = b"MIME-Version: 1.0\r\nContent-Type: text/plain (=?UTF-8?Q?caf=C3=A9?=)\r\n"
    assert hits(msg(extra=extra), "EW004") == []


@pytest.mark.parametrize(
    ("value", "column"),
    [
        (b"Re:=?UTF-8?Q?caf=C3=A9?=", 13),  # after text
        (b"abc=?UTF-8?Q?x?=", 13),
        (b"=?UTF-8?Q?x?=abc", 10),  # before text
        (b"(=?UTF-8?Q?x?=)", 11),  # parentheses are text in an unstructured field
    ],
)
def test_word_not_delimited_by_white_space(value, column):
    assert subject_hits(value, "EW004") == [("EW004", 5, column)]


def test_two_words_glued_together_report_the_second():
    assert subject_hits(b"=?UTF-8?Q?a?==?UTF-8?Q?b?=", "EW004") == [("EW004", 5, 23)]
    text = messages(with_subject(b"=?UTF-8?Q?a?==?UTF-8?Q?b?="), "EW004")[0]
    assert "another" in text


def test_misplaced_word_on_a_continuation_line():
    value = b"=?UTF-8?Q?a?=\r\n x=?UTF-8?Q?b?="
    assert subject_hits(value, "EW004") == [("EW004", 6, 3)]


# --- EW005 encoded-word-splits-character ---------------------------------------


def test_utf8_word_ending_inside_a_character():
    value = b"=?UTF-8?B?44GC44E=?= =?UTF-8?B?hA==?="
    assert subject_hits(value, "EW005") == [("EW005", 5, 10)]


def test_shift_jis_word_ending_on_a_lead_byte():
    assert subject_hits(b"=?Shift_JIS?B?g2WDWIM=?=", "EW005") == [("EW005", 5, 10)]


def test_euc_jp_word_ending_inside_a_character():
    assert subject_hits(b"=?EUC-JP?B?pKKk?=", "EW005") == [("EW005", 5, 10)]


def test_iso_2022_jp_word_that_does_not_return_to_ascii():
    # ESC $ B %F%9%H with no ESC ( B before the end of the word.
    value = b"=?ISO-2022-JP?B?GyRCJUYlOSVI?="
    assert subject_hits(value, "EW005") == [("EW005", 5, 10)]
    assert "ESC $ B" in messages(with_subject(value), "EW005")[0]


def test_iso_2022_jp_word_ending_inside_an_escape_sequence():
    value = b"x\r\n =?ISO-2022-JP?B?GyRCJUYlOSVIGyQ=?="
    assert subject_hits(value, "EW005") == [("EW005", 6, 2)]
    assert "escape sequence" in messages(with_subject(value), "EW005")[0]


def test_octets_the_charset_does_not_hold_are_not_a_split():
    # A docomo emoji (F9 91) labelled Shift_JIS: a charset problem, not a split.
    assert subject_hits(b"=?shift_jis?B?g2WDWINn+ZE=?=", "EW005") == []


def test_japanese_multi_word_subject_is_silent():
    assert subject_hits(JAPANESE_SUBJECT, "EW005") == []


# --- EW006 encoded-word-line-too-long ------------------------------------------


def test_long_line_holding_a_word_points_at_column_77():
    value = b"a subject that runs on and on and on, long before =?UTF-8?Q?caf=C3=A9?= at last"
    assert subject_hits(value, "EW006") == [("EW006", 5, 77)]


def test_folded_before_the_word_is_fine():
    value = b"a subject that runs on and on and on,\r\n long before =?UTF-8?Q?caf=C3=A9?= ok"
    assert subject_hits(value, "EW006") == []


def test_long_line_without_a_word_is_not_ew006():
    assert subject_hits(b"=?UTF-8?Q?x?=\r\n " + b"y" * 100, "EW006") == []


def test_long_continuation_line_reports_that_line():
    value = b"=?UTF-8?Q?x?=\r\n " + b"y" * 70 + b" =?UTF-8?Q?z?="
    assert subject_hits(value, "EW006") == [("EW006", 6, 77)]


def test_line_of_exactly_76_characters_is_fine():
    value = b"=?UTF-8?Q?" + b"a" * 55 + b"?="  # "Subject: " + 67 = 76
    assert subject_hits(value, "EW006") == []
    assert subject_hits(value[:-2] + b"a?=", "EW006") == [("EW006", 5, 77)]


# --- every part, embedded messages too -----------------------------------------


def test_words_in_part_headers_and_embedded_messages():
    data = (
        HEAD + b"MIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n'
        b"\r\n"
        b"--b\r\n"
        b"Content-Type: text/plain\r\n"
        b"Content-Description: =?UTF-8?Q?bad=?=\r\n"
        b"\r\n"
        b"text\r\n"
        b"--b\r\n"
        b"Content-Type: message/rfc822\r\n"
        b"\r\n"
        b"Subject: =?X-NOPE?Q?abc?=\r\n"
        b"\r\n"
        b"inner\r\n"
        b"--b--\r\n"
    )
    report = lint_bytes(data, select=EW_CODES)
    found = [(f.code, f.line, f.column, f.field, f.part) for f in report.findings]
    assert found == [
        ("EW002", 11, 22, "Content-Description", "1"),
        ("EW003", 17, 10, "Subject", "2"),
    ]


def test_findings_on_the_root_have_no_part():
    finding = lint(with_subject(b"=?UTF-8?Q?=Z?="), "EW002").findings[0]
    assert (finding.field, finding.part) == ("Subject", None)


# --- robustness and speed ------------------------------------------------------


def test_many_bad_words_in_one_field_are_capped():
    value = b" ".join([b"=?UTF-8?Q?=Z?="] * 30)
    found = subject_hits(value, "EW002")
    assert len(found) == 21
    assert "10 more" in messages(with_subject(value), "EW002")[-1]


def assert_summed_up(data: bytes, expected: dict[str, tuple[int, tuple[int, int], str]]) -> None:
    """Per EW code: how many findings, (line, column) of the first, how the last begins."""
    found: dict[str, tuple[int, tuple[int, int], str]] = {}
    for f in lint(data, *EW_CODES).findings:
        count, first, _ = found.get(f.code, (0, (f.line, f.column), ""))
        found[f.code] = (count + 1, first, f.message)
    assert {code: (count, first) for code, (count, first, _) in found.items()} == {
        code: (count, first) for code, (count, first, _) in expected.items()
    }
    for code, (_, _, message) in expected.items():
        assert found[code][2].startswith(message), (code, found[code][2])


SUMMED_UP = {
    "EW002": "malformed encoded words",
    "EW003": "encoded words in unknown charsets",
    "EW004": "misplaced encoded words",
}


def capped(code: str, column: int, more: int, field: str = "Subject", line: int = 5) -> dict:
    """A rule's 20 findings from (line, column), and the 21st that sums up ``more`` others."""
    return {code: (21, (line, column), f"{more} more {SUMMED_UP[code]} in {field}")}


def once(code: str, column: int, message: str) -> dict:
    """One finding, at column ``column`` of the Subject line."""
    return {code: (1, (5, column), message)}


def long_line(octets: int, line: int = 5) -> dict:
    """EW006 at column 77 of the one line of the field."""
    return {"EW006": (1, (line, 77), f"line holding an encoded word is {octets} characters")}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (b"=?", {}),
        (b"=?=?", {}),
        (
            b"=?" * 100_000,
            capped("EW002", 10, 19980) | capped("EW004", 10, 19980) | long_line(200009),
        ),
        (
            b"=?a?b?c" * 50_000,
            capped("EW002", 10, 24980) | capped("EW003", 10, 24980) | long_line(350009),
        ),
        (b"=?UTF-8?Q?" * 50_000, capped("EW002", 10, 24980) | long_line(500009)),
        (
            b"=?UTF-8?B?" + b"A" * 100_000,
            once("EW002", 10, "encoded word is not closed by '?='") | long_line(100019),
        ),
        (
            b"?=" * 100_000,
            capped("EW002", 11, 19980) | capped("EW004", 11, 19980) | long_line(200009),
        ),
        (b"=?UTF-8?Q?a?=" * 50_000, capped("EW004", 23, 49979) | long_line(650009)),
        (
            b'"' + b"=?UTF-8?Q?a?= " * 20_000,
            once("EW004", 11, "encoded word directly after '\"'") | long_line(280010),
        ),
    ],
    ids=[
        "opener",
        "two-openers",
        "openers",
        "unknown",
        "unclosed",
        "long-b",
        "closers",
        "adjacent",
        "quote",
    ],
)
def test_hostile_subjects_do_not_raise_and_are_summed_up(value, expected):
    # Their time is benchmarks/pathological.py's (ew-openers ... ew-quote).
    assert_summed_up(with_subject(value), expected)


def unknown_charsets_in(field: str, line: int, column: int, octets: int) -> dict:
    """``<=?a?q?b?=@`` 30,000 times in a field: words in charset 'a', none of them
    separated by white space, on one line of ``octets`` characters."""
    return (
        capped("EW003", column, 29980, field, line)
        | capped("EW004", column, 29980, field, line)
        | long_line(octets, line)
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (b'"=?' * 50_000, [{}, {}, {}]),
        (b"(=?" * 50_000, [{}, {}, {}]),
        (
            b"<=?a?q?b?=@" * 30_000,
            [
                unknown_charsets_in("To", 2, 6, 330004),
                unknown_charsets_in("Content-Type", 6, 33, 330031),
                unknown_charsets_in("Message-ID", 4, 14, 330012),
            ],
        ),
        (b"\\" * 10_000, [{}, {}, {}]),
    ],
    ids=["quotes", "comments", "angles", "backslashes"],
)
def test_hostile_structured_fields_do_not_raise_and_are_summed_up(value, expected):
    # In To, in a Content-Type parameter, as the Message-ID.  Their time is
    # benchmarks/pathological.py's (ew-in-quotes ... ew-backslashes).
    inputs = [
        with_to(value),
        msg(extra=b"Content-Type: text/plain; name=" + value + b"\r\n"),
        msg(head=HEAD.replace(b"<20240101090000.1@example.com>", value)),
    ]
    for data, wanted in zip(inputs, expected, strict=True):
        assert_summed_up(data, wanted)


def test_one_megabyte_of_encoded_words_is_linear():
    word = b"=?UTF-8?B?44GC44GE44GG44GI44GK?=\r\n "

    def silent(data: bytes) -> None:
        assert run_ew(data) == []

    silent(with_subject(word + b"end"))  # one-time costs apart
    small = calls(silent, with_subject(word * 3_000 + b"end"))
    large = calls(silent, with_subject(word * 30_000 + b"end"))  # about 1 MB
    assert large <= 12 * small  # ten times the words; quadratic would be x100
    # The time: benchmarks/pathological.py encoded-words.


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_random_subject_bytes_never_raise(value):
    lint(with_subject(value.replace(b"\r", b"").replace(b"\n", b"")), *EW_CODES)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [b"=?", b"?=", b"?", b"=", b"utf-8", b"iso-2022-jp", b"B", b"Q", b"GyRC", b"=1B"]
            + [b" ", b'"', b"(", b")", b"<", b">", b"@", b",", b"\x1b", b"\xff", b"*"]
        ),
        max_size=40,
    )
)
def test_random_word_like_fields_never_raise(pieces):
    value = b"".join(pieces)
    data = with_to(value) + b""
    lint(data, *EW_CODES)
    lint(with_subject(value), *EW_CODES)
    lint(msg(extra=b"Content-Disposition: attachment; filename=" + value + b"\r\n"), *EW_CODES)


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is not beside the repo")
def test_known_corpus_problems_are_caught():
    base = CORPUS / "milter-manager__test-mails" / "normal" / "headers" / "subject"
    broken = (base / "folded-mime-incomplete.eml").read_bytes()
    found = lint_bytes(broken, select=EW_CODES, line_endings="auto").findings
    assert [(f.code, f.line, f.column) for f in found] == [("EW002", 6, 10)]
    good = (base / "folded-base64-iso-2022-jp.eml").read_bytes()
    assert lint_bytes(good, select=EW_CODES, line_endings="auto").findings == []
