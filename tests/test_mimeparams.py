"""Content-Type and Content-Disposition values: parameters, RFC 2231, positions."""

from __future__ import annotations

import random
import urllib.parse

import pytest

from maillint.mimeparams import (
    MAX_PROBLEMS,
    Param,
    ParsedValue,
    parse_content_type,
    parse_disposition,
)
from support import calls


def messages(parsed: ParsedValue) -> list[str]:
    return [problem.message for problem in parsed.problems]


def at(value: str, parsed: ParsedValue) -> list[tuple[str, str]]:
    """(message, the text from the problem's index) for every problem."""
    return [(p.message, value[p.index :]) for p in parsed.problems]


def surrogates(data: bytes) -> str:
    """A field value as maillint's parser hands it over."""
    return data.decode("ascii", "surrogateescape")


# --- type, subtype, plain parameters -------------------------------------------------


def test_type_and_subtype_without_parameters():
    parsed = parse_content_type("Text/HTML")
    assert (parsed.maintype, parsed.subtype, parsed.params) == ("text", "html", {})
    assert parsed.ok() and parsed.duplicates == []


def test_token_and_quoted_parameters():
    value = ' multipart/Mixed; Boundary="b1=_x y"; charset=UTF-8'
    parsed = parse_content_type(value)
    assert (parsed.maintype, parsed.subtype) == ("multipart", "mixed")
    assert parsed.params["boundary"] == Param(
        "boundary", "b1=_x y", "quoted", None, None, value.index("Boundary"), '"b1=_x y"'
    )
    assert parsed.params["charset"] == Param(
        "charset", "UTF-8", "token", None, None, value.index("charset"), "UTF-8"
    )
    assert parsed.get("BOUNDARY") == "b1=_x y" and parsed.get("name") is None
    assert parsed.ok()


def test_quoted_pairs_are_resolved():
    value = r'text/plain; name="a \"quoted\" \\ name\.txt"'
    parsed = parse_content_type(value)
    assert parsed.get("name") == 'a "quoted" \\ name.txt'
    assert parsed.params["name"].raw == r'"a \"quoted\" \\ name\.txt"'
    assert parsed.ok()


def test_comments_and_white_space_between_tokens():
    value = ' text (main) / plain (sub) ; (a (nested \\) one) here) charset = "utf-8" (Plain) ;'
    parsed = parse_content_type(value)
    assert (parsed.maintype, parsed.subtype, parsed.get("charset")) == ("text", "plain", "utf-8")
    assert parsed.ok()


def test_token_value_followed_by_a_comment_is_fine():
    parsed = parse_content_type("text/plain; charset=us-ascii (Plain text)")
    assert parsed.get("charset") == "us-ascii" and parsed.ok()


def test_missing_subtype():
    for value, where in [("text", ""), ("text/", ""), ("text; charset=x", "; charset=x")]:
        parsed = parse_content_type(value)
        assert parsed.maintype == "text" and parsed.subtype == ""
        assert len(parsed.problems) == 1
        assert value[parsed.problems[0].index :] == where
    assert messages(parse_content_type("text;x=y")) == ["missing '/' and subtype"]
    assert messages(parse_content_type("text/;x=y")) == ["missing subtype after '/'"]
    assert parse_content_type("text; charset=x").get("charset") == "x"


@pytest.mark.parametrize("value", ["", "   ", " (only a comment) ", "\t"])
def test_empty_value(value):
    for parse in (parse_content_type, parse_disposition):
        parsed = parse(value)
        assert messages(parsed) == ["empty value"]
        assert (parsed.maintype, parsed.subtype, parsed.params) == ("", "", {})


def test_trailing_semicolon_is_tolerated():
    for value in ["text/plain;", "text/plain; charset=utf-8;", "text/plain; charset=utf-8 ;  "]:
        assert parse_content_type(value).ok(), value
    assert parse_disposition("attachment;").ok()


def test_empty_parameters_are_reported_once_per_run():
    value = "multipart/alternative ; ; ;; ;;; boundary=foo"
    parsed = parse_content_type(value)
    assert at(value, parsed) == [("empty parameter (';;')", "; ; ;; ;;; boundary=foo")]
    assert parsed.get("boundary") == "foo"


# --- values that should have been quoted ---------------------------------------------


def test_unquoted_value_with_a_space_is_kept():
    value = "attachment; filename=my report.doc ; size=10"
    parsed = parse_disposition(value)
    assert parsed.get("filename") == "my report.doc"
    assert parsed.params["filename"].raw == "my report.doc"
    assert parsed.get("size") == "10"
    assert at(value, parsed) == [
        ("parameter value with a space must be quoted", " report.doc ; size=10")
    ]


def test_unquoted_value_with_tspecials_or_8bit():
    value = "multipart/related; type=text/html; name==?utf-8?B?YQ==?="
    parsed = parse_content_type(value)
    assert parsed.get("type") == "text/html"
    assert parsed.get("name") == "=?utf-8?B?YQ==?="
    assert at(value, parsed) == [
        ("parameter value with '/' must be quoted", "/html; name==?utf-8?B?YQ==?="),
        ("parameter value with '=' must be quoted", "=?utf-8?B?YQ==?="),
    ]
    value = surrogates(b"attachment; filename=caf\xc3\xa9.txt")
    parsed = parse_disposition(value)
    assert parsed.get("filename") == "caf\udcc3\udca9.txt"
    assert messages(parsed) == ["parameter value with 8-bit octets must be quoted"]
    assert value[parsed.problems[0].index] == "\udcc3"


def test_unquoted_value_with_parentheses():
    # A comment after a token is fine, but text after the comment is part of the value.
    value = "application/pdf; name=Invoice_(302).pdf"
    parsed = parse_content_type(value)
    assert parsed.get("name") == "Invoice_(302).pdf"
    assert at(value, parsed) == [("parameter value with '(' must be quoted", "(302).pdf")]


def test_8bit_inside_quoted_string_is_not_a_problem_here():
    value = surrogates(b'attachment; filename="\xe6\x97\xa5\xe6\x9c\xac.txt"')
    parsed = parse_disposition(value)
    assert parsed.get("filename") == "\udce6\udc97\udca5\udce6\udc9c\udcac.txt"
    assert parsed.ok()


def test_encoded_words_in_quoted_values_are_kept_as_written():
    value = 'application/octet-stream; name="=?ISO-2022-JP?B?GyRCJEgbKEI=?="'
    parsed = parse_content_type(value)
    assert parsed.get("name") == "=?ISO-2022-JP?B?GyRCJEgbKEI=?="
    assert parsed.params["name"].form == "quoted" and parsed.ok()


# --- malformed structure --------------------------------------------------------------


def test_missing_equals_and_missing_value():
    value = "text/html;iso-8859-1; name=; charset="
    parsed = parse_content_type(value)
    assert at(value, parsed) == [
        ("missing '=' after parameter name 'iso-8859-1'", "; name=; charset="),
        ("missing value for parameter 'name'", "; charset="),
        ("missing value for parameter 'charset'", ""),
    ]
    assert parsed.get("name") == "" and parsed.get("charset") == ""
    assert "iso-8859-1" not in parsed.params


def test_missing_semicolon_before_a_parameter():
    value = 'application/pdf name="a.pdf" size=3'
    parsed = parse_content_type(value)
    assert parsed.get("name") == "a.pdf" and parsed.get("size") == "3"
    assert at(value, parsed) == [
        ("missing ';' before parameter", 'name="a.pdf" size=3'),
        ("missing ';' before parameter", "size=3"),
    ]


def test_unexpected_text_is_skipped_to_the_next_parameter():
    value = 'text/plain> junk; charset="x" more; format=flowed'
    parsed = parse_content_type(value)
    assert at(value, parsed) == [
        ("unexpected text after the media type", '> junk; charset="x" more; format=flowed'),
        ("unexpected text after parameter 'charset'", "more; format=flowed"),
    ]
    assert parsed.get("charset") == "x" and parsed.get("format") == "flowed"


def test_missing_or_invalid_type():
    value = ' ; name="payroll.zip"'
    parsed = parse_content_type(value)
    assert at(value, parsed) == [("missing media type", value[1:])]
    assert parsed.get("name") == "payroll.zip"
    value = '"text/plain"; charset=x'
    parsed = parse_content_type(value)
    assert messages(parsed) == ["media type must be a token"]
    assert (parsed.maintype, parsed.get("charset")) == ("", "x")
    value = 'filename="a.txt"'
    parsed = parse_disposition(value)
    assert messages(parsed) == ["missing disposition type before parameters"]
    assert parsed.maintype == "" and parsed.get("filename") == "a.txt"


def test_unclosed_quoted_string_and_comment_are_reported_at_their_start():
    value = 'text/plain; charset="utf-8; format=flowed'
    parsed = parse_content_type(value)
    assert at(value, parsed) == [("unclosed quoted string", '"utf-8; format=flowed')]
    assert parsed.get("charset") == "utf-8; format=flowed"
    value = "text/plain; charset=utf-8 (a (b) c"
    parsed = parse_content_type(value)
    assert at(value, parsed) == [("unclosed comment", "(a (b) c")]
    assert parsed.get("charset") == "utf-8"


def test_duplicate_boundary_first_wins_and_the_other_is_recorded():
    # CVE-2024-28054: receivers disagree on which boundary counts.
    value = 'multipart/mixed; boundary="bar"; BOUNDARY="foo"'
    parsed = parse_content_type(value)
    assert parsed.get("boundary") == "bar"
    assert [(d.name, d.value, value[d.index :]) for d in parsed.duplicates] == [
        ("boundary", "foo", 'BOUNDARY="foo"')
    ]
    assert parsed.ok()


# --- RFC 2231 -------------------------------------------------------------------------


def test_rfc2231_extended_value_in_utf8():
    value = "attachment; filename*=UTF-8'ja'%E6%97%A5%E6%9C%AC.txt"
    parsed = parse_disposition(value)
    param = parsed.params["filename"]
    assert (param.value, param.form, param.charset, param.language) == (
        "日本.txt",
        "rfc2231",
        "utf-8",
        "ja",
    )
    assert param.raw == "UTF-8'ja'%E6%97%A5%E6%9C%AC.txt"
    assert value[param.index :].startswith("filename*=") and parsed.ok()


def test_rfc2231_extended_value_in_iso_2022_jp():
    encoded = urllib.parse.quote("あいう.pdf".encode("iso-2022-jp"), safe=".")
    parsed = parse_content_type(f"application/pdf; name*=iso-2022-jp''{encoded}")
    assert parsed.get("name") == "あいう.pdf"
    assert (parsed.params["name"].charset, parsed.params["name"].language) == ("iso-2022-jp", None)
    assert parsed.ok()


def test_rfc2231_unknown_charset_and_invalid_octets():
    value = "attachment; filename*=x-klingon''%41%E3"
    parsed = parse_disposition(value)
    assert parsed.get("filename") == "A\ufffd"
    assert at(value, parsed) == [
        ("unknown charset 'x-klingon' in parameter 'filename'", "x-klingon''%41%E3")
    ]
    value = "attachment; filename*=utf-8''ok%FF"
    parsed = parse_disposition(value)
    assert parsed.get("filename") == "ok\ufffd"
    assert messages(parsed) == ["value is not valid utf-8 in parameter 'filename'"]
    # A codec that is not a text encoding is an unknown charset, not a crash.
    parsed = parse_disposition("a; f*=hex''41")
    assert messages(parsed) == ["unknown charset 'hex' in parameter 'f'"]


def test_rfc2231_without_charset_quotes_and_with_empty_charset():
    value = "attachment; filename*=%41%42.txt"
    parsed = parse_disposition(value)
    assert parsed.get("filename") == "AB.txt" and parsed.params["filename"].charset is None
    assert at(value, parsed) == [("RFC 2231 value must start with charset'language'", "%41%42.txt")]
    parsed = parse_disposition("attachment; filename*=''%41%E3")
    assert parsed.get("filename") == "A\udce3" and parsed.ok()


def test_rfc2231_quoted_extended_value_and_stray_percent():
    value = "attachment; filename*=\"utf-8''100%.txt\""
    parsed = parse_disposition(value)
    assert parsed.get("filename") == "100%.txt"
    assert messages(parsed) == [
        "RFC 2231 extended value must not be quoted",
        "'%' not followed by two hex digits in RFC 2231 value",
    ]


def test_rfc2231_plain_continuations():
    # RFC 2231 3.
    value = (
        "message/external-body; access-type=URL;"
        ' URL*0="ftp://";\r\n URL*1="cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar"'
    )
    parsed = parse_content_type(value)
    param = parsed.params["url"]
    assert param.value == "ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar"
    assert (param.form, param.charset, param.raw) == ("rfc2231-continued", None, '"ftp://"')
    assert value[param.index :].startswith("URL*0=") and parsed.ok()


def test_rfc2231_extended_continuations_out_of_order():
    # RFC 2231 4.1, sections shuffled; the UTF-8 of "é" is split across sections.
    value = (
        'application/x-stuff; title*2="isn\'t it! "; title*1*=%2A%2A%2Afun%2A%2A%2A%20;'
        " title*3*=caf%C3; title*0*=us-ascii'en'This%20is%20even%20more%20; title*4*=%A9"
    )
    parsed = parse_content_type(value.replace("us-ascii", "utf-8"))
    param = parsed.params["title"]
    assert param.value == "This is even more ***fun*** isn't it! café"
    assert (param.charset, param.language) == ("utf-8", "en")
    assert param.raw == "utf-8'en'This%20is%20even%20more%20"
    assert value.replace("us-ascii", "utf-8")[param.index :].startswith("title*0*=")
    assert parsed.ok()


def test_rfc2231_gaps_duplicates_and_bounds():
    value = "a/b; t*3=d; t*1=b; t*1=x; t*5000=z; t*07=q"
    parsed = parse_content_type(value)
    assert parsed.get("t") == "bdq"
    # In the order of their indices: a gap is reported at the section after it.
    assert at(value, parsed) == [
        ("missing section 2 of parameter 't'", "t*3=d; t*1=b; t*1=x; t*5000=z; t*07=q"),
        ("missing section 0 of parameter 't'", "t*1=b; t*1=x; t*5000=z; t*07=q"),
        ("duplicate section 1 of parameter 't'", "t*1=x; t*5000=z; t*07=q"),
        ("section number over 999 in 't*5000'", "t*5000=z; t*07=q"),
        ("section number with a leading zero in 't*07'", "t*07=q"),
        ("missing sections 4-6 of parameter 't'", "t*07=q"),
    ]
    # A section number too long for int() is bounded, not converted.
    parsed = parse_content_type("a/b; t*" + "9" * 5000 + "=x")
    assert parsed.params == {} and "section number over 999" in messages(parsed)[0]


def test_rfc2231_form_wins_over_the_plain_one():
    value = "attachment; filename=fallback.txt; filename*=utf-8''%C3%A9.txt"
    parsed = parse_disposition(value)
    assert parsed.get("filename") == "é.txt"
    assert [(d.form, d.value) for d in parsed.duplicates] == [("token", "fallback.txt")]
    assert parsed.ok()
    value = 'attachment; filename*0="a"; filename*1="b"; filename="ab"; filename*=x'
    parsed = parse_disposition(value)
    assert (parsed.get("filename"), parsed.params["filename"].form) == ("ab", "rfc2231-continued")
    assert [d.form for d in parsed.duplicates] == ["quoted", "rfc2231"]


def test_disposition_with_filename_and_parameters():
    value = 'Attachment; filename="report.pdf"; size=1024; creation-date="Mon, 1 Jan 2024"'
    parsed = parse_disposition(value)
    assert (parsed.maintype, parsed.subtype) == ("attachment", "")
    assert parsed.get("filename") == "report.pdf"
    assert parsed.get("creation-date") == "Mon, 1 Jan 2024"
    assert parsed.ok()


# --- positions and robustness ---------------------------------------------------------

INDEX_CASES = [
    ' multipart/mixed;\tboundary="----=_Part_1"; charset=utf-8',
    'text/plain (c) ; (x) Name = "a b" ; format=flowed;',
    "attachment; filename*0*=utf-8''%E3%81; filename*1*=%82; FILENAME=x",
    'a/b; x=1 y=2; z="3"; x=4',
    "a/b;;; q=unquoted value; r=(c)s",
]


@pytest.mark.parametrize("value", INDEX_CASES)
def test_indices_point_at_the_attribute(value):
    for parse in (parse_content_type, parse_disposition):
        parsed = parse(value)
        for param in [*parsed.params.values(), *parsed.duplicates]:
            assert value[param.index :].lower().startswith(param.name), (value, param)
        for problem in parsed.problems:
            assert 0 <= problem.index <= len(value)


def test_messages_are_printable_ascii():
    value = surrogates(b"a/b; \xff\xfe=1; f*=\xe9''x; n\xe9*=x; g*=utf-8''%ZZ; h*1=\x01")
    for parse in (parse_content_type, parse_disposition):
        for problem in parse(value).problems:
            assert problem.message.isascii() and problem.message.isprintable(), problem


def _check_invariants(value: str, parsed: ParsedValue) -> None:
    assert isinstance(parsed.maintype, str) and isinstance(parsed.subtype, str)
    for name, param in parsed.params.items():
        assert name == param.name and isinstance(param.value, str)
        assert 0 <= param.index < len(value)
    for problem in parsed.problems:
        assert 0 <= problem.index <= len(value)


def test_random_strings_never_raise():
    rng = random.Random(2024)
    alphabet = " \t\r\n;=/\"()\\*'%abcXYZ09-_.\x00\x7f\udc80\udcff\u00e9\ud800あ"
    for _ in range(3000):
        value = "".join(rng.choice(alphabet) for _ in range(rng.randrange(40)))
        for prefix in ("", "text/plain; ", "attachment; f*0*="):
            for parse in (parse_content_type, parse_disposition):
                _check_invariants(prefix + value, parse(prefix + value))


AFTER_TYPE = "unexpected text after the disposition type"
DUPLICATE_T1 = "duplicate section 1 of parameter 't'"
TOO_MANY = "too many problems; the rest not reported"
SPACES = " ".join(["x"] * 50_000)


def summary(parsed: ParsedValue) -> tuple:
    """type, subtype, {name: (form, value)}, [(index, message)] of the problems."""
    params = {name: (param.form, param.value) for name, param in parsed.params.items()}
    problems = [(problem.index, problem.message) for problem in parsed.problems]
    assert parsed.duplicates == []
    return (parsed.maintype, parsed.subtype, params, problems)


# Each value is built at a size n (100,000 here); what parse_content_type and then
# parse_disposition make of it.  A disposition has no subtype: "/..." is text after it.
@pytest.mark.parametrize(
    ("build", "as_type", "as_disposition"),
    [
        (
            lambda n: "(" * n,
            ("", "", {}, [(0, "unclosed comment"), (0, "empty value")]),
            ("", "", {}, [(0, "unclosed comment"), (0, "empty value")]),
        ),
        (
            lambda n: "text/plain; a=b " + "(" * n + ")" * n,
            ("text", "plain", {"a": ("token", "b")}, []),
            ("text", "", {"a": ("token", "b")}, [(4, AFTER_TYPE)]),
        ),
        (
            lambda n: "text/plain (" + "\\" * (n + 1),
            ("text", "plain", {}, [(11, "unclosed comment")]),
            ("text", "", {}, [(4, AFTER_TYPE)]),
        ),
        (
            lambda n: '"' * n,
            ("", "", {}, [(0, "media type must be a token")]),
            ("", "", {}, [(0, "disposition type must be a token")]),
        ),
        (
            lambda n: ";" * n,
            ("", "", {}, [(0, "missing media type"), (0, "empty parameter (';;')")]),
            ("", "", {}, [(0, "missing disposition type"), (0, "empty parameter (';;')")]),
        ),
        (  # one problem a section after the first, up to MAX_PROBLEMS
            lambda n: "a/b" + "; t*1=x" * (n // 5),
            (
                "a",
                "b",
                {"t": ("rfc2231-continued", "x")},
                [(12 + 7 * i, DUPLICATE_T1) for i in range(MAX_PROBLEMS)] + [(7012, TOO_MANY)],
            ),
            (
                "a",
                "",
                {"t": ("rfc2231-continued", "x")},
                [(1, AFTER_TYPE)]
                + [(12 + 7 * i, DUPLICATE_T1) for i in range(MAX_PROBLEMS - 1)]
                + [(7005, TOO_MANY)],
            ),
        ),
        (
            lambda n: "a/b; n=" + " x" * (n // 2),
            (
                "a",
                "b",
                {"n": ("token", SPACES)},
                [(9, "parameter value with a space must be quoted")],
            ),
            (
                "a",
                "",
                {"n": ("token", SPACES)},
                [(1, AFTER_TYPE), (9, "parameter value with a space must be quoted")],
            ),
        ),
        (
            lambda n: "a/b; n*=utf-8''" + "%" * n,
            (
                "a",
                "b",
                {"n": ("rfc2231", "%" * 100_000)},
                [(8, "'%' not followed by two hex digits in RFC 2231 value")],
            ),
            (
                "a",
                "",
                {"n": ("rfc2231", "%" * 100_000)},
                [(1, AFTER_TYPE), (8, "'%' not followed by two hex digits in RFC 2231 value")],
            ),
        ),
    ],
    ids=["deep", "deep-closed", "backslashes", "quotes", "semicolons", "sections", "spaces", "pct"],
)
def test_pathological_values_are_linear(build, as_type, as_disposition):
    value = build(100_000)
    for parse, expected in ((parse_content_type, as_type), (parse_disposition, as_disposition)):
        parsed = parse(value)
        _check_invariants(value, parsed)
        assert summary(parsed) == expected
        # Ten times the value: x10 the calls at most (most of these are regular
        # expressions, whose time only benchmarks/pathological.py shows: param-*).
        assert calls(parse, value) <= 12 * calls(parse, build(10_000))


def test_megabyte_of_garbage_and_the_problem_cap():
    rng = random.Random(7)
    value = "".join(rng.choice(' ;=/"()\\x\udc80') for _ in range(1_000_000))
    parsed = parse_content_type(value)
    _check_invariants(value, parsed)
    parsed = parse_content_type("a/b" + "; x=a b" * 5000)
    assert len(parsed.problems) == MAX_PROBLEMS + 1
    assert parsed.problems[-1].message == "too many problems; the rest not reported"
