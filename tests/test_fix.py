"""``maillint fix``: each repair, the four guarantees, signed messages, atomic writing, the CLI.

Messages are written for the tests (``support.msg`` and the builders below);
the guarantees of issue 7 item 4 are also checked as hypothesis properties
over generated messages: the decoded content of every part is unchanged, no
repaired finding remains and no new error appears, ``fix`` is idempotent, and
a message that needs nothing comes back byte-identical.
"""

from __future__ import annotations

import base64
import binascii
import email
import email.header
import email.policy
import os
import stat

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import maillint
from maillint import fix as fixing
from maillint.cli import main
from maillint.findings import Severity
from maillint.fix import REPAIRS, contents, fix_bytes, fix_file, render_diff, same_content
from maillint.parse import parse
from maillint.registry import all_rules
from support import HEAD, lint, msg

MIME = b"MIME-Version: 1.0\r\n"
TEXT_UTF8 = MIME + b"Content-Type: text/plain; charset=utf-8\r\n"


def codes(data: bytes, **options) -> set[str]:
    return {f.code for f in lint(data, **options).findings}


def fixed_codes(report) -> set[str]:
    return {code for note in report.fixed for code in note.codes}


def skipped(report) -> list[str]:
    return [f"{note.codes[0]}: {note.message}" for note in report.skipped]


def header_of(data: bytes) -> bytes:
    return data.split(b"\r\n\r\n", 1)[0]


def decoded_header(data: bytes, name: str) -> str:
    value = email.message_from_bytes(data)[name]
    return str(email.header.make_header(email.header.decode_header(value)))


def same_parts(before: bytes, after: bytes, line_endings: str = "wire") -> bool:
    return same_content(
        contents(parse(before, line_endings=line_endings)),
        contents(parse(after, line_endings=line_endings)),
    )


def multipart(*parts: bytes, extra: bytes = b"") -> bytes:
    body = b"".join(b"--b1\r\n" + part for part in parts) + b"--b1--\r\n"
    return msg(extra=MIME + b"Content-Type: multipart/mixed; boundary=b1\r\n" + extra, body=body)


# -- the table ---------------------------------------------------------------------


def test_every_repaired_rule_is_marked_fixable_and_every_fixable_rule_has_a_repair():
    rules = all_rules()
    assert set(REPAIRS) <= set(rules)
    assert {code for code, rule in rules.items() if rule.fixable} == set(REPAIRS)


def test_explain_says_whether_a_rule_is_fixable():
    runner = CliRunner()
    assert "Fixable: yes" in runner.invoke(main, ["explain", "LN003"]).output
    assert "Fixable: no" in runner.invoke(main, ["explain", "HD009"]).output


def test_the_api_is_exported():
    assert maillint.fix_bytes is fix_bytes
    assert "fix_bytes" in maillint.__all__ and "FixReport" in maillint.__all__


# -- a message that needs nothing --------------------------------------------------


def test_a_clean_message_comes_back_byte_identical():
    data = msg()
    fixed, report = fix_bytes(data)
    assert fixed == data and not report.changed and not report.fixed
    assert report.remaining.findings == []


def test_a_unix_file_keeps_its_form_in_auto_mode():
    data = msg().replace(b"\r\n", b"\n")
    fixed, report = fix_bytes(data, line_endings="auto")
    assert fixed == data
    assert any("kept the Unix storage form" in line for line in skipped(report))


# -- line ends: LN003, LN004, LN007, LN009 -----------------------------------------


def test_bare_lf_and_cr_become_crlf():
    data = HEAD + b"\r\nline one\nline two\rline three\r\n"
    fixed, report = fix_bytes(data)
    assert fixed == HEAD + b"\r\nline one\r\nline two\r\nline three\r\n"
    assert {"LN003", "LN004"} <= fixed_codes(report)
    assert not codes(fixed) & {"LN003", "LN004"}


def test_a_mostly_unix_file_goes_back_to_lf_in_auto_mode_and_to_crlf_with_wire():
    data = msg(body=b"one\ntwo\nthree\n").replace(b"\r\n", b"\n").replace(b"one\n", b"one\r\n")
    fixed, _ = fix_bytes(data, line_endings="auto")
    assert b"\r" not in fixed and fixed == data.replace(b"\r\n", b"\n")
    wired, _ = fix_bytes(data, line_endings="wire")
    assert wired == data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def test_an_lf_only_file_becomes_crlf_with_line_endings_wire():
    data = msg().replace(b"\r\n", b"\n")
    fixed, report = fix_bytes(data, line_endings="wire")
    assert fixed == msg() and "LN003" in fixed_codes(report)


def test_smuggling_sequences_become_ordinary_line_breaks():
    data = msg(body=b"text\n.\r\nMAIL FROM:<evil@example.net>\r\n")
    fixed, report = fix_bytes(data, select=["LN007"])
    assert b"text\r\n.\r\nMAIL" in fixed
    assert fixed_codes(report) == {"LN007"}
    assert "LN007" not in codes(fixed)


def test_a_binary_part_keeps_its_octets_but_not_a_smuggling_sequence():
    binary = b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n"
    data = multipart(binary + b"\x00\x01\nraw\n.\ndata\r\n")
    fixed, report = fix_bytes(data)
    body = fixed.split(b"binary\r\n\r\n", 1)[1]
    assert body.startswith(b"\x00\x01\nraw\r\n.\r\ndata")  # only the dot's breaks changed
    assert "LN007" in fixed_codes(report)
    assert any("declared binary" in line for line in skipped(report))


def test_a_final_line_break_is_added():
    fixed, report = fix_bytes(HEAD + b"\r\nno newline at the end")
    assert fixed.endswith(b"at the end\r\n") and fixed_codes(report) == {"LN009"}


# -- long lines: LN001, LN002, EW006 -------------------------------------------------


def test_a_long_unstructured_header_line_is_folded_at_white_space():
    subject = b"Subject: " + b" ".join([b"word"] * 30)
    data = msg(head=HEAD.replace(b"Subject: hello", subject))
    fixed, report = fix_bytes(data)
    header = header_of(fixed)
    assert all(len(line) <= 78 for line in header.split(b"\r\n"))
    assert email.message_from_bytes(fixed)["Subject"].replace("\r\n", "") == subject[9:].decode()
    assert "LN002" in fixed_codes(report)


def test_a_structured_field_is_not_folded_inside_a_quoted_string():
    name = b'"' + b"a b " * 25 + b'"'
    data = msg(extra=b"Cc: " + name + b" <carol@example.org>, dave@example.org\r\n")
    fixed, _ = fix_bytes(data)
    cc = [line for line in header_of(fixed).split(b"\r\n") if line.startswith(b"Cc:")][0]
    assert name in cc  # the quoted string stays on one line
    assert b'"\r\n <carol@example.org>, dave@example.org\r\n' in fixed


def test_a_line_without_white_space_is_left_with_a_reason():
    data = msg(extra=b"X-Token: " + b"x" * 100 + b"\r\n")
    fixed, report = fix_bytes(data)
    assert fixed == data
    assert "LN002: X-Token: no white space to fold the line at" in skipped(report)


def test_a_long_body_line_is_re_encoded_as_quoted_printable():
    text = "Grüße. " * 40 + "\r\n.\r\n.hidden " + "y" * 100 + "\r\n"
    data = msg(extra=TEXT_UTF8 + b"Content-Transfer-Encoding: 8bit\r\n", body=text.encode())
    fixed, report = fix_bytes(data)
    head, body = fixed.split(b"\r\n\r\n", 1)
    assert b"Content-Transfer-Encoding: quoted-printable" in head
    assert all(len(line) <= 76 and not line.startswith(b".") for line in body.split(b"\r\n"))
    assert binascii.a2b_qp(body) == text.encode()
    assert same_parts(data, fixed)
    assert not codes(fixed) & {"LN001", "LN002", "LN008"} - codes(data)


def test_a_quoted_printable_part_keeps_an_encoded_cr():
    body = b"line=0D\r\n" + b"z" * 90 + b"\r\n"
    data = msg(
        extra=TEXT_UTF8 + b"Content-Transfer-Encoding: quoted-printable\r\n",
        body=body,
    )
    fixed, _ = fix_bytes(data)
    assert b"line=0D\r\n" in fixed and same_parts(data, fixed)


def test_long_base64_lines_are_re_wrapped_at_76():
    payload = bytes(range(256)) * 3
    encoded = base64.b64encode(payload)
    part = b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    data = multipart(part + encoded + b"\r\n")
    fixed, report = fix_bytes(data)
    lines = fixed.split(b"base64\r\n\r\n", 1)[1].split(b"\r\n--b1--")[0].split(b"\r\n")
    assert all(len(line) <= 76 for line in lines)
    assert base64.b64decode(b"".join(lines)) == payload
    assert {"TE004", "LN001"} & fixed_codes(report)


# -- header syntax: HD004, HD005 -------------------------------------------------------


def test_white_space_only_lines_and_space_before_colon_are_removed():
    data = msg(extra=b"X-Note: first\r\n \r\n second\r\nX-Other : value\r\n")
    fixed, report = fix_bytes(data)
    assert b"X-Note: first\r\n second\r\nX-Other: value\r\n" in fixed
    assert fixed_codes(report) == {"HD004", "HD005"}


def part_with(header: bytes) -> bytes:
    """A multipart whose second part (path "2") has the given header lines."""
    return msg(
        extra=MIME + b"Content-Type: multipart/mixed; boundary=b\r\n",
        body=b"--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b\r\n"
        + header
        + b"\r\nQUJD\r\n--b--\r\n",
    )


def test_header_syntax_of_a_mime_part_is_repaired_too():
    data = part_with(
        b"Content-Type : application/octet-stream; name=a.bin\r\n"
        b"Content-Disposition: attachment;\r\n \r\n filename=a.bin\r\n"
        b"Content-Transfer-Encoding: base64\r\n"
    )
    fixed, report = fix_bytes(data)
    assert (
        b"--b\r\nContent-Type: application/octet-stream; name=a.bin\r\n"
        b"Content-Disposition: attachment;\r\n filename=a.bin\r\n" in fixed
    )
    assert fixed_codes(report) == {"HD004", "HD005"}
    assert not codes(fixed)


def filename_of(data: bytes, policy=email.policy.default) -> str:
    """The file name of part 2 as Python's email package reads it."""
    message = email.message_from_bytes(data, policy=policy)
    return message.get_payload(1).get_filename()


def test_a_raw_utf8_file_name_in_a_part_is_rewritten_in_rfc_2231_form():
    data = part_with(
        "Content-Type: application/octet-stream\r\n"
        "Content-Description: Grüße\r\n"
        'Content-Disposition: attachment; filename="Grüße.bin"\r\n'
        "Content-Transfer-Encoding: base64\r\n".encode()
    )
    fixed, report = fix_bytes(data)
    assert (
        b"Content-Type: application/octet-stream; name*=UTF-8''Gr%C3%BC%C3%9Fe.bin\r\n"
        b"Content-Description: =?UTF-8?B?R3LDvMOfZQ==?=\r\n"
        b"Content-Disposition: attachment; filename*=UTF-8''Gr%C3%BC%C3%9Fe.bin\r\n" in fixed
    )
    assert filename_of(fixed) == "Grüße.bin"
    assert fixed_codes(report) == {"HD006", "AT002"}
    assert "Content-Disposition: raw 8-bit filename written in RFC 2231 form" in " ".join(
        note.message for note in report.fixed
    )
    # What stays: a name only in RFC 2231 form (a warning fix has no standard remedy for).
    assert {(f.code, f.severity) for f in lint(fixed).findings} == {("AT004", Severity.WARNING)}
    assert same_parts(data, fixed)


def test_a_long_raw_file_name_becomes_rfc_2231_sections_within_78_columns():
    name = "見積書_2024年度_最終版_確定_お客様控え.pdf"
    data = part_with(
        f'Content-Type: application/pdf; name="{name}"\r\n'
        f'Content-Disposition: attachment;\r\n filename="{name}"\r\n'
        "Content-Transfer-Encoding: base64\r\n".encode()
    )
    fixed, report = fix_bytes(data)
    assert b"filename*0*=UTF-8''%E8%A6%8B" in fixed and b"name*1*=" in fixed
    assert fixed.isascii() and max(map(len, fixed.split(b"\r\n"))) <= 78
    assert filename_of(fixed) == name
    assert not {f.code for f in lint(fixed).findings} & {"HD006", "LN002", "MM002", "MM009"}


def test_a_japanese_carrier_gets_raw_file_names_as_rfc_2047_iso_2022_jp_within_78_columns():
    name = "見積書_2024年度_最終版_確定.pdf"
    data = part_with(
        f'Content-Type: application/pdf; name="{name}"\r\n'
        f'Content-Disposition: attachment; filename="{name}"\r\n'
        "Content-Transfer-Encoding: base64\r\n".encode()
    )
    fixed, report = fix_bytes(data, profile="jp-mobile")
    assert b'filename="=?ISO-2022-JP?B?' in fixed and b'name="=?ISO-2022-JP?B?' in fixed
    assert fixed.isascii() and max(map(len, fixed.split(b"\r\n"))) <= 78
    assert filename_of(fixed, email.policy.compat32).startswith("=?ISO-2022-JP?B?")
    assert str(email.header.make_header(email.header.decode_header(filename_of(fixed)))) == name
    assert fixed_codes(report) == {"HD006"}
    assert not {f.code for f in lint(fixed, profile="jp-mobile").findings} & {
        "HD006", "LN002", "EW001", "EW006"
    }


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (
            'Content-Type: text/plain; charset="ü"\r\n',
            "8-bit octets outside a plain name or filename parameter",
        ),
        (
            "Content-Type: application/pdf; name=Grüße.pdf\r\n",  # unquoted: MM002's
            "it does not parse, or repeats a parameter",
        ),
    ],
)
def test_raw_8bit_that_is_not_a_file_name_is_left_with_a_reason(header, reason):
    data = part_with(header.encode() + b"Content-Transfer-Encoding: base64\r\n")
    fixed, report = fix_bytes(data, select=["HD006"])
    assert fixed == data
    assert skipped(report) == [f"HD006: Content-Type: {reason}"]


# -- RFC 2047: HD006, EW001 ------------------------------------------------------------


def test_raw_utf8_in_the_subject_becomes_encoded_words():
    subject = "Grüße aus Köln, und noch viel mehr Text mit Umlauten: äöüß ÄÖÜ " * 3
    data = msg(head=HEAD.replace(b"Subject: hello", b"Subject: " + subject.strip().encode()))
    fixed, report = fix_bytes(data)
    header = header_of(fixed)
    assert header.isascii()
    assert all(len(line) <= 76 for line in header.split(b"\r\n"))
    assert decoded_header(fixed, "Subject") == subject.strip()
    assert "HD006" in fixed_codes(report)
    assert not codes(fixed) & {"HD006", "EW001", "EW002", "EW004", "EW005", "EW006"}


def test_iso_2022_jp_messages_get_iso_2022_jp_words_that_return_to_ascii():
    subject = "日本語の件名です。とても長い件名なので、複数の単語に分ける必要があります。"
    data = msg(
        head=HEAD.replace(b"Subject: hello", b"Subject: " + subject.encode()),
        extra=MIME + b"Content-Type: text/plain; charset=ISO-2022-JP\r\n",
        body="本文です。\r\n".encode("iso2022_jp"),
    )
    fixed, _ = fix_bytes(data)
    words = [w for w in header_of(fixed).split() if w.startswith(b"=?ISO-2022-JP?B?")]
    assert len(words) > 1
    for word in words:
        assert len(word) <= 75
        assert base64.b64decode(word[16:-2]).endswith(b"\x1b(B")
    assert decoded_header(fixed, "Subject") == subject
    assert not codes(fixed) & {"EW005", "HD006"}


def test_the_message_charset_is_used_when_it_decodes_the_octets():
    data = msg(
        head=HEAD.replace(b"Subject: hello", b"Subject: caf\xe9 cr\xe8me"),
        extra=MIME + b"Content-Type: text/plain; charset=iso-8859-1\r\n",
    )
    fixed, _ = fix_bytes(data)
    assert b"Subject: =?ISO-8859-1?Q?caf=E9_cr=E8me?=\r\n" in fixed
    assert decoded_header(fixed, "Subject") == "café crème"


def test_display_names_are_encoded_and_addresses_are_left_alone():
    data = msg(
        extra='Cc: Jürgen Müller <j@example.org>, "Müller, Hans" <h@example.org>\r\n'.encode()
    )
    fixed, _ = fix_bytes(data)
    assert b"<j@example.org>" in fixed and b"<h@example.org>" in fixed
    decoded = decoded_header(fixed, "Cc")
    assert "Jürgen Müller <j@example.org>" in decoded and "Müller, Hans" in decoded
    assert not codes(fixed) & {"HD006", "AD001", "EW002", "EW004"}


def test_an_eight_bit_address_cannot_be_encoded():
    data = msg(extra="Cc: jürgen@example.org\r\n".encode())
    fixed, report = fix_bytes(data)
    assert fixed == data
    assert any("SMTPUTF8" in line for line in skipped(report))


def test_a_word_next_to_an_encoded_word_keeps_the_space_between():
    data = msg(head=HEAD.replace(b"Subject: hello", "Subject: Grüße =?UTF-8?Q?Bob?=".encode()))
    fixed, _ = fix_bytes(data)
    assert decoded_header(fixed, "Subject") == "Grüße Bob"


def test_a_long_encoded_word_is_split_into_whole_characters():
    text = "日本語のテキスト" * 3
    word = b"=?UTF-8?B?" + base64.b64encode(text.encode()) + b"?="
    data = msg(head=HEAD.replace(b"Subject: hello", b"Subject: " + word))
    assert "EW001" in codes(data)
    fixed, report = fix_bytes(data)
    assert fixed_codes(report) >= {"EW001"}
    assert decoded_header(fixed, "Subject") == text
    assert not codes(fixed) & {"EW001", "EW005", "EW006"}


# -- transfer encodings: TE002 ---------------------------------------------------------


def test_undeclared_8bit_is_declared_8bit():
    data = msg(extra=TEXT_UTF8, body="Grüße, Bob.\r\n".encode())
    fixed, report = fix_bytes(data)
    assert b"Content-Transfer-Encoding: 8bit\r\n" in fixed
    assert fixed_codes(report) == {"TE002"} and "TE002" not in codes(fixed)


def test_a_message_without_mime_version_gets_one_with_the_declaration():
    data = msg(body="Grüße, Bob.\r\n".encode())
    fixed, _ = fix_bytes(data, select=["TE002"])
    assert b"MIME-Version: 1.0\r\nContent-Transfer-Encoding: 8bit\r\n" in fixed


@pytest.fixture
def seven_bit(tmp_path):
    path = tmp_path / "seven.toml"
    path.write_text('extends = "default"\n[rules.TE002]\ntransport = "7bit"\n', encoding="utf-8")
    return str(path)


def test_a_7bit_transport_profile_re_encodes_instead(seven_bit):
    latin = msg(extra=TEXT_UTF8, body=("Grüße, Bob. " * 10 + "\r\n").encode())
    fixed, _ = fix_bytes(latin, profile=seven_bit)
    assert b"Content-Transfer-Encoding: quoted-printable" in fixed and fixed.isascii()
    japanese = msg(extra=TEXT_UTF8, body=("日本語のテキスト" * 5 + "\r\n").encode())
    fixed, _ = fix_bytes(japanese, profile=seven_bit)
    assert b"Content-Transfer-Encoding: base64" in fixed and fixed.isascii()
    assert same_parts(japanese, fixed)


# -- CS003, MM001 -----------------------------------------------------------------------


def test_a_missing_charset_is_added_when_the_text_decodes_in_it():
    data = msg(
        extra=MIME + b"Content-Type: text/plain\r\nContent-Transfer-Encoding: 8bit\r\n",
        body="Grüße, schöne Grüße\r\n".encode(),
    )
    fixed, report = fix_bytes(data)
    assert b"Content-Type: text/plain; charset=UTF-8\r\n" in fixed
    assert fixed_codes(report) == {"CS003"}


def test_mime_version_is_added_before_the_content_fields_or_set_to_1_0():
    data = msg(extra=b"Content-Type: text/plain; charset=us-ascii\r\n")
    fixed, _ = fix_bytes(data)
    assert b"MIME-Version: 1.0\r\nContent-Type: text/plain" in fixed
    wrong = msg(extra=b"MIME-Version: 2.0\r\nContent-Type: text/plain; charset=us-ascii\r\n")
    fixed, _ = fix_bytes(wrong)
    assert b"MIME-Version: 1.0\r\n" in fixed and "MM001" not in codes(fixed)


# -- HD012, HD008: only with add_missing --------------------------------------------------


def test_message_id_and_date_are_added_only_when_asked():
    data = msg(
        head=HEAD.replace(b"Message-ID: <20240101090000.1@example.com>\r\n", b"").replace(
            b"Date: Mon, 01 Jan 2024 09:00:00 +0900\r\n", b""
        )
    )
    fixed, report = fix_bytes(data)
    assert fixed == data
    assert any("use --add-missing" in line for line in skipped(report))
    fixed, report = fix_bytes(data, add_missing=True)
    assert fixed_codes(report) == {"HD008", "HD012"}
    assert not codes(fixed) & {"HD008", "HD011", "HD012", "AD002"}
    assert b"@example.com>" in fixed  # the From domain is the Message-ID's right side


def test_a_missing_from_is_never_invented():
    data = msg(head=HEAD.replace(b"From: Alice <alice@example.com>\r\n", b""))
    fixed, report = fix_bytes(data, add_missing=True)
    assert fixed == data and "HD008" in codes(fixed)
    assert any("only the sender knows it" in line for line in skipped(report))


# -- attachment names: AT002, AT003, AT004 --------------------------------------------


PDF = b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n"
TEXT_PART = b"Content-Type: text/plain; charset=us-ascii\r\n\r\nThe file.\r\n"


def test_a_missing_name_is_added_from_the_filename():
    part = (
        b'Content-Type: application/pdf\r\nContent-Disposition: attachment; filename="a b.pdf"\r\n'
    )
    fixed, report = fix_bytes(multipart(TEXT_PART, part + PDF))
    assert b'Content-Type: application/pdf; name="a b.pdf"\r\n' in fixed
    assert fixed_codes(report) == {"AT002"}


def test_a_missing_filename_is_added_from_the_name_in_rfc_2231_form():
    part = b'Content-Type: application/pdf; name="=?UTF-8?B?6KaL56mNLnBkZg==?="\r\n'
    fixed, report = fix_bytes(multipart(TEXT_PART, part + PDF))
    assert b"Content-Disposition: attachment; filename*=UTF-8''%E8%A6%8B%E7%A9%8D.pdf" in fixed
    assert fixed_codes(report) == {"AT003"}
    assert not codes(fixed) & {"AT001", "AT003"}


def test_a_japanese_carrier_profile_gets_the_name_in_rfc_2047_iso_2022_jp():
    part = (
        b"Content-Type: application/pdf\r\n"
        b"Content-Disposition: attachment; filename*=UTF-8''%E8%A6%8B%E7%A9%8D.pdf\r\n"
    )
    data = multipart(TEXT_PART, part + PDF)
    fixed, report = fix_bytes(data, profile="jp-mobile")
    assert b'name="=?ISO-2022-JP?B?' in fixed
    assert fixed_codes(report) == {"AT002", "AT004"}
    assert not codes(fixed, profile="jp-mobile") & {"AT001", "AT002", "AT004"}
    # The default profile adds the standard form, and leaves AT004 with a reason.
    fixed, report = fix_bytes(data)
    assert b"name*=UTF-8''%E8%A6%8B%E7%A9%8D.pdf" in fixed
    assert any("no standard plain form" in line for line in skipped(report))


# -- signed messages ------------------------------------------------------------------------


DKIM = b"DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=s1; h=from:to:subject; bh=x; b=y\r\n"


def test_dkim_signed_fields_and_body_are_left_alone_without_force():
    data = DKIM + msg(
        head=HEAD.replace(b"Subject: hello", "Subject: Grüße".encode()),
        extra="X-Note: Grüße\r\n".encode(),
        body=b"line\nbare\r\n",
    )
    fixed, report = fix_bytes(data)
    assert "Subject: Grüße".encode() in fixed  # signed: untouched
    assert b"X-Note: =?UTF-8?" in fixed  # not in h=: repaired
    assert b"line\nbare" in fixed  # the body is signed
    notes = skipped(report)
    assert any("signs the Subject field" in line and "--force" in line for line in notes)
    assert any("signs the body" in line for line in notes)
    forced, report = fix_bytes(data, force=True)
    assert b"Subject: =?UTF-8?" in forced and b"line\r\nbare" in forced


def test_a_field_that_dkim_lists_is_not_added():
    dkim = DKIM.replace(b"h=from:to:subject", b"h=from:to:subject:mime-version")
    data = dkim + msg(extra=b"Content-Type: text/plain; charset=us-ascii\r\n")
    fixed, report = fix_bytes(data)
    assert fixed == data
    assert any("signs the MIME-Version field (h=)" in line for line in skipped(report))


def test_multipart_signed_content_is_left_alone_without_force():
    signed = (
        b'Content-Type: multipart/signed; protocol="application/pgp-signature";\r\n boundary=s\r\n'
        b"\r\n--s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        + "Grüße ".encode() * 20
        + b"\r\n--s\r\nContent-Type: application/pgp-signature\r\n\r\nSIG\r\n--s--\r\n"
    )
    data = multipart(TEXT_PART, signed)
    fixed, report = fix_bytes(data)
    assert fixed == data
    assert any("multipart/signed" in line for line in skipped(report))
    forced, _ = fix_bytes(data, force=True)
    assert forced != data and same_parts(data, forced)


# -- mbox ------------------------------------------------------------------------------------


def test_each_message_of_an_mbox_is_fixed_and_the_postmarks_are_kept():
    first = msg(body=b"short\r\n").replace(b"\r\n", b"\n")
    second = msg(body=b"b" * 90 + b" c\r\n").replace(b"\r\n", b"\n")
    data = (
        b"From alice@example.com Mon Jan  1 00:00:00 2024\n"
        + first
        + b"\nFrom bob@example.org Mon Jan  1 00:00:00 2024\n"
        + second
    )
    fixed, reports = fix_file(data, path="box", line_endings="auto")
    assert [r.index for r in reports] == [1, 2]
    assert fixed.startswith(b"From alice@example.com Mon Jan  1 00:00:00 2024\n" + first)
    assert b"\nFrom bob@example.org Mon Jan  1 00:00:00 2024\n" in fixed
    assert not reports[0].changed and reports[1].changed
    again, _ = fix_file(fixed, path="box", line_endings="auto")
    assert again == fixed


def test_a_compressed_file_is_refused():
    with pytest.raises(fixing.FixInputError):
        fix_file(b"\x1f\x8b\x08\x00rest", path="x.gz")


# -- the safety net ---------------------------------------------------------------------------


def test_a_repair_that_would_change_content_is_dropped_and_reported(monkeypatch):
    monkeypatch.setattr("maillint.fix.reencode._qp_line", lambda line: [line.upper()])
    data = msg(extra=TEXT_UTF8 + b"Content-Transfer-Encoding: 8bit\r\n", body=b"y" * 90 + b" z\r\n")
    fixed, report = fix_bytes(data)
    assert fixed == data
    assert any("would change decoded content" in line for line in skipped(report))


def test_a_repair_that_raises_is_reported_not_fatal(monkeypatch):
    def broken(ctx, findings):
        raise RuntimeError("boom")
        yield

    monkeypatch.setitem(REPAIRS, "HD005", broken)
    data = msg(extra=b"X-Other : value\r\n")
    fixed, report = fix_bytes(data)
    assert fixed == data
    assert any("internal error" in line for line in skipped(report))


# -- cases the fuzzers found -------------------------------------------------------------------


def test_a_soft_break_cr_in_quoted_printable_is_removed_not_doubled():
    data = msg(
        extra=TEXT_UTF8 + b"Content-Transfer-Encoding: quoted-printable\r\n",
        body=b"=E6=97=A5=E6=9C=AC=E8=\r\r\n=AA=9E\r\n",
    )
    fixed, report = fix_bytes(data)
    assert b"=E8=\r\n=AA=9E" in fixed and "LN004" in fixed_codes(report)
    assert same_parts(data, fixed) and "CS002" not in codes(fixed)


def test_a_header_is_not_folded_inside_raw_iso_2022_jp():
    jis = b"\x1b$B$3 $s$K$A$O\x1b(B"  # a space inside the double-byte run
    data = msg(extra=b"X-Jis: " + b"word " * 12 + b"x" * 5 + jis + b" tail" * 10 + b"\r\n")
    fixed, report = fix_bytes(data, select=["LN002"])
    assert "LN002" in fixed_codes(report)
    assert jis in fixed  # folded before and after the run, never inside it
    assert "JP003" not in codes(fixed)


def test_a_stray_parenthesis_is_no_place_to_fold():
    data = b"From: \r\n )" + b"x" * 80 + b"\r\nDate: Mon, 01 Jan 2024 09:00:00 +0900\r\n\r\nx\r\n"
    fixed, report = fix_bytes(data, select=["LN002", "HD002"])
    assert fixed == data
    assert "LN002: From: no white space to fold the line at" in skipped(report)


def test_no_charset_is_added_to_text_with_iso_2022_jp_escapes():
    data = b"Content-Type: text/plain\r\n\r\n\xe1\x80\x80\x1b$@\r\n"
    fixed, report = fix_bytes(data, select=["CS003"])
    assert fixed == data
    assert any("ISO-2022-JP escape sequences" in line for line in skipped(report))


# -- the diff ------------------------------------------------------------------------------------


def test_the_diff_shows_line_breaks_and_escapes_what_a_terminal_would_hide():
    before = b"a\r\nb\n\x1b[31mred\\ \xe9 \xc3\xa9 \xe2\x80\xae\r\n"
    after = before.replace(b"b\n", b"b\r\n")
    diff = render_diff(before, after, path="m")
    assert "-b\\n\n+b\\r\\n\n" in diff
    assert "\x1b" not in diff and "\u202e" not in diff
    assert " \\x1b[31mred\\\\ \\xe9 é \\u202e\\r\\n" in diff
    assert render_diff(before, before, path="m") == ""


# -- the four guarantees, as properties ----------------------------------------------------------

WORDS = st.sampled_from(
    [
        "hello",
        "Grüße",
        "café",
        "日本語",
        "テスト",
        "😀",
        "a",
        "x" * 30,
        "=?",
        ".",
        "From",
        "Ünïcödé",
    ]
)
PHRASES = st.lists(WORDS, min_size=1, max_size=30).map(" ".join)
ENDINGS = st.sampled_from([b"\r\n", b"\r\n", b"\r\n", b"\n", b"\r"])


@st.composite
def messages(draw) -> bytes:
    """Messages with many repairable problems (and some that are not)."""
    header = [
        b"From: "
        + draw(st.sampled_from([b"Alice", "Jürgen Müller".encode(), b'"A, B"']))
        + b" <alice@example.com>",
        b"To: bob@example.org",
        b"Subject: " + draw(PHRASES).encode(),
    ]
    if draw(st.booleans()):
        header.append(b"Date: Mon, 01 Jan 2024 09:00:00 +0900")
    if draw(st.booleans()):
        header.append(b"Message-ID: <1@example.com>")
    if draw(st.booleans()):
        header.append(b"X-Long: " + b" ".join([b"word"] * draw(st.integers(1, 40))))
    if draw(st.booleans()):
        header.append(b"X-Folded: first\r\n \r\n second")
    if draw(st.booleans()):
        text = draw(PHRASES)
        word = b"=?UTF-8?B?" + base64.b64encode(text.encode()) + b"?="
        header.append(b"Comments: " + word)
    if draw(st.booleans()):
        header.append(b"X-Spaced : yes")
    if draw(st.booleans()):  # a structured field with specials, 8-bit text and length
        noise = draw(st.text(alphabet=' ()<>",;:@.\\abcü日', max_size=120))
        header.append(b"Cc: " + noise.encode())
    lines = draw(st.lists(PHRASES, min_size=1, max_size=8))
    if draw(st.booleans()):
        lines.insert(1, ".")
    text = "\r\n".join(lines).encode() + b"\r\n"
    shape = draw(st.sampled_from(["plain", "typed", "qp", "multipart"]))
    if shape == "typed":
        header.append(
            b"Content-Type: text/plain" + draw(st.sampled_from([b"", b"; charset=utf-8"]))
        )
    elif shape == "qp":
        header += [b"MIME-Version: 1.0", b"Content-Type: text/plain; charset=utf-8"]
        header.append(b"Content-Transfer-Encoding: quoted-printable")
        text = binascii.b2a_qp(text, istext=True).replace(b"\n", b"\r\n")
    elif shape == "multipart":
        header += [b"MIME-Version: 1.0", b"Content-Type: multipart/mixed; boundary=b1"]
        payload = draw(st.binary(max_size=300))
        width = draw(st.sampled_from([76, 100, 1200]))
        encoded = base64.b64encode(payload)
        lines_64 = [encoded[i : i + width] for i in range(0, len(encoded), width)] or [b""]
        disposition = draw(
            st.sampled_from([b"", b'Content-Disposition: attachment; filename="f.bin"\r\n'])
        )
        name = draw(st.sampled_from([b"", b'; name="f.bin"']))
        text = (
            b"--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            + text
            + b"--b1\r\nContent-Type: application/octet-stream"
            + name
            + b"\r\n"
            + disposition
            + b"Content-Transfer-Encoding: base64\r\n\r\n"
            + b"\r\n".join(lines_64)
            + b"\r\n--b1--\r\n"
        )
    data = b"\r\n".join(header) + b"\r\n\r\n" + text
    if draw(st.booleans()):  # some other line ends, here and there
        pieces = data.split(b"\r\n")
        ends = draw(st.lists(ENDINGS, min_size=len(pieces), max_size=len(pieces)))
        data = b"".join(p + e for p, e in zip(pieces[:-1], ends, strict=False)) + pieces[-1]
    if draw(st.booleans()):
        data = data.rstrip(b"\r\n")
    return data


# More examples for a long run: MAILLINT_FIX_EXAMPLES=2000 pytest tests/test_fix.py
PROPERTY = settings(
    max_examples=int(os.environ.get("MAILLINT_FIX_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
MODES = st.sampled_from(["wire", "auto"])


@PROPERTY
@given(data=messages(), mode=MODES)
def test_decoded_content_is_unchanged(data, mode):
    fixed, _ = fix_bytes(data, line_endings=mode)  # (no binary part: LN007 changes no content)
    assert same_content(
        contents(parse(data, line_endings=mode)), contents(parse(fixed, line_endings=mode))
    )


@PROPERTY
@given(data=messages(), mode=MODES)
def test_no_repaired_finding_remains_and_no_new_error_appears(data, mode):
    fixed, report = fix_bytes(data, line_endings=mode)
    before = lint(data, line_endings=mode).findings
    after = report.remaining.findings
    assert {f.code for f in after if f.severity is Severity.ERROR} <= {
        f.code for f in before if f.severity is Severity.ERROR
    }
    # Every finding left of a repairable rule is there for a reason the report gives.
    explained = {note.codes[0] for note in report.skipped}
    assert {f.code for f in after if f.code in REPAIRS} <= explained
    # A rule whose findings could all be repaired is gone.
    for code in fixed_codes(report) - explained:
        assert code not in {f.code for f in after}, code


@PROPERTY
@given(data=messages(), mode=MODES)
def test_fix_is_idempotent(data, mode):
    fixed, _ = fix_bytes(data, line_endings=mode)
    again, report = fix_bytes(fixed, line_endings=mode)
    assert again == fixed and not report.changed and not report.fixed


CLEAN_WORDS = st.sampled_from(["hello", "world", "mail", "lint", "ok", "a", "test"])


@st.composite
def clean_messages(draw) -> bytes:
    subject = " ".join(draw(st.lists(CLEAN_WORDS, min_size=1, max_size=8)))
    lines = [" ".join(draw(st.lists(CLEAN_WORDS, min_size=1, max_size=10))) for _ in range(3)]
    return msg(
        head=HEAD.replace(b"Subject: hello", b"Subject: " + subject.encode()),
        body="\r\n".join(lines).encode() + b"\r\n",
    )


@PROPERTY
@given(data=clean_messages(), stored=st.booleans())
def test_a_message_that_needs_nothing_is_byte_identical(data, stored):
    if stored:
        data = data.replace(b"\r\n", b"\n")
    mode = "auto" if stored else "wire"
    assume(not [f for f in lint(data, line_endings=mode).findings if f.code != "LN003"])
    fixed, report = fix_bytes(data, line_endings=mode)
    assert fixed == data and not report.changed


# -- the command ---------------------------------------------------------------------------------


def invoke(*args: str, input: bytes | None = None):
    return CliRunner().invoke(main, ["fix", *args], input=input, catch_exceptions=False)


@pytest.fixture(autouse=True)
def no_config(tmp_path, monkeypatch):
    """Run from an empty folder, so no configuration file of the checkout applies."""
    home = tmp_path / "cwd"
    home.mkdir()
    monkeypatch.chdir(home)


BROKEN = msg(
    head=HEAD.replace(b"Subject: hello", "Subject: Grüße".encode()),
    body=b"line one\nline two\r\n",
)


def test_cli_writes_the_fixed_message_to_output_and_reports_on_stderr(tmp_path):
    source, target = tmp_path / "in.eml", tmp_path / "out.eml"
    source.write_bytes(BROKEN)
    result = invoke(str(source), "-o", str(target))
    assert result.exit_code == 0
    assert source.read_bytes() == BROKEN
    assert target.read_bytes() == fix_bytes(BROKEN, line_endings="auto")[0]
    assert f"{source}: fixed HD006 (non-ascii-header): Subject encoded" in result.stderr
    assert "Fixed 2 problems in 1 message; 0 remain" in result.stderr
    assert result.stdout == ""


def test_cli_reads_stdin_and_writes_stdout():
    result = invoke("-", input=BROKEN)
    assert result.exit_code == 0
    assert result.stdout_bytes == fix_bytes(BROKEN, line_endings="auto")[0]
    assert "-: fixed LN003" in result.stderr


def test_cli_exits_one_when_an_error_remains_and_zero_below_fail_on(tmp_path):
    source = tmp_path / "in.eml"
    source.write_bytes(msg(head=HEAD.replace(b"From: Alice <alice@example.com>\r\n", b"")))
    result = invoke(str(source), "-o", str(tmp_path / "out.eml"))
    assert result.exit_code == 1
    assert "HD008 [error] no From field" in result.stderr
    assert "not fixed HD008" in result.stderr


def test_cli_diff_prints_and_writes_nothing(tmp_path):
    source = tmp_path / "in.eml"
    source.write_bytes(BROKEN)
    result = invoke("--diff", str(source))
    assert result.exit_code == 0
    assert "-line one\\n\n+line one\\r\\n" in result.stdout
    assert source.read_bytes() == BROKEN


def test_cli_select_and_ignore_choose_the_repairs(tmp_path):
    source = tmp_path / "in.eml"
    source.write_bytes(BROKEN)
    only = invoke(str(source), "--select", "LN003").stdout_bytes
    assert b"line one\r\n" in only and "Subject: Grüße".encode() in only
    without = invoke(str(source), "--ignore", "HD006").stdout_bytes
    assert b"line one\r\n" in without and "Subject: Grüße".encode() in without


def test_cli_in_place_replaces_the_file_and_keeps_its_permissions(tmp_path):
    source = tmp_path / "in.eml"
    source.write_bytes(BROKEN)
    os.chmod(source, 0o640)
    result = invoke("--in-place", str(source))
    assert result.exit_code == 0
    assert source.read_bytes() == fix_bytes(BROKEN, line_endings="auto")[0]
    assert stat.S_IMODE(os.stat(source).st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cwd", "in.eml"]


def test_cli_in_place_follows_a_symbolic_link(tmp_path):
    real = tmp_path / "real.eml"
    real.write_bytes(BROKEN)
    link = tmp_path / "link.eml"
    link.symlink_to(real)
    assert invoke("--in-place", str(link)).exit_code == 0
    assert link.is_symlink() and real.read_bytes() != BROKEN


def test_cli_in_place_leaves_the_original_intact_when_the_write_fails(tmp_path, monkeypatch):
    source = tmp_path / "in.eml"
    source.write_bytes(BROKEN)

    def failing_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    result = invoke("--in-place", str(source))
    assert result.exit_code == 2
    assert "cannot write: No space left on device" in result.stderr
    assert source.read_bytes() == BROKEN
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cwd", "in.eml"]  # no temporary left


def test_cli_in_place_does_not_touch_a_file_that_needs_nothing(tmp_path):
    source = tmp_path / "clean.eml"
    source.write_bytes(msg())
    os.utime(source, (1_000_000_000, 1_000_000_000))
    assert invoke("--in-place", str(source)).exit_code == 0
    assert os.stat(source).st_mtime == 1_000_000_000


def test_cli_add_missing_and_force(tmp_path):
    source = tmp_path / "in.eml"
    source.write_bytes(
        msg(head=HEAD.replace(b"Message-ID: <20240101090000.1@example.com>\r\n", b""))
    )
    assert b"Message-ID:" not in invoke(str(source)).stdout_bytes
    assert b"Message-ID: <" in invoke(str(source), "--add-missing").stdout_bytes
    signed = tmp_path / "signed.eml"
    signed.write_bytes(DKIM + BROKEN)
    result = invoke(str(signed))
    assert "use --force" in result.stderr and "Subject: Grüße".encode() in result.stdout_bytes
    assert b"Subject: =?UTF-8?" in invoke(str(signed), "--force").stdout_bytes


def test_cli_usage_and_io_errors_exit_two(tmp_path):
    one, two = tmp_path / "a.eml", tmp_path / "b.eml"
    one.write_bytes(BROKEN)
    two.write_bytes(BROKEN)
    assert invoke(str(one), str(two)).exit_code == 2  # several files need --in-place or --diff
    assert invoke("--in-place", "-o", "x.eml", str(one)).exit_code == 2
    assert invoke("--in-place", "-").exit_code == 2
    missing = invoke(str(tmp_path / "missing.eml"))
    assert missing.exit_code == 2 and "cannot read" in missing.stderr
    assert invoke("--diff", str(one), str(two)).exit_code == 0


def test_cli_fixes_a_folder_as_check_walks_it(tmp_path):
    folder = tmp_path / "templates"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.eml").write_bytes(BROKEN)
    (folder / "sub" / "b.eml").write_bytes(BROKEN)
    (folder / "c.txt").write_bytes(BROKEN)
    (folder / "fine.eml").write_bytes(msg())
    assert invoke(str(folder)).exit_code == 2  # a folder needs --in-place or --diff
    diff = invoke("--diff", str(folder))
    assert diff.exit_code == 0
    assert f"--- {folder / 'a.eml'}" in diff.stdout
    assert f"--- {folder / 'sub' / 'b.eml'}" in diff.stdout
    assert "c.txt" not in diff.stdout and "fine.eml" not in diff.stdout
    assert invoke("--in-place", "--include", "*.txt", str(folder)).exit_code == 0
    for name in ("a.eml", "sub/b.eml", "c.txt"):
        assert (folder / name).read_bytes() != BROKEN
        assert not codes((folder / name).read_bytes()) & {"HD006", "LN003"}
    assert (folder / "fine.eml").read_bytes() == msg()


def test_missing_charset_is_never_guessed_as_utf16():
    """Found by the long fuzz run: CS003's repair declared UTF-16-BE for NUL-heavy
    octets, then LN009's final newline made the text undecodable (a new CS002)."""
    data = (
        b"\x00" * 9 + b"\nContenT-type:message/rfc822\n\n\x00\nContent-Transfer-Encoding:\n\n"
        b"\x00\n\x00\x00----.Caaaeiflortt\x00\x00\xe9"
    )

    def errors(raw: bytes) -> set[str]:
        report = maillint.lint_bytes(raw, line_endings="stored")
        return {f.code for f in report.findings if f.severity is Severity.ERROR}

    fixed, _report = fix_bytes(data, line_endings="stored")
    assert errors(fixed) <= errors(data)
    assert b"utf-16" not in fixed.lower()


def test_iso_2022_jp_is_never_declared_for_8bit_text():
    """Found by the long fuzz run: chardet is sure of ISO-2022-JP once it sees
    ESC $ @, and CS003's repair declared it for text holding 0x80, which then
    failed JP001 and JP003, errors the undeclared text did not have."""
    data = b"\rSubject: \x1b$@\x1b \x80\r\n\r\n"

    def errors(raw: bytes) -> set[str]:
        return {f.code for f in maillint.lint_bytes(raw).findings if f.severity is Severity.ERROR}

    fixed, report = fix_bytes(data)
    assert errors(fixed) <= errors(data)
    assert b"ISO-2022-JP" not in fixed
    assert "CS003: the message body: ISO-2022-JP is a 7-bit charset, and the text holds " in (
        "\n".join(skipped(report))
    )


def test_file_name_that_looks_like_an_encoded_word_is_not_copied():
    """Found by the long fuzz run: name*= decoding to '=?us-ascii?B??=' was copied
    into filename= plain, where it reads as a broken encoded word (a new EW002)."""
    data = msg(
        extra=b"MIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; name*=utf-8''%3D%3Fus%2Dascii%3FB%3F%3F%3D\r\n",
    )
    fixed, _report = fix_bytes(data)
    before = {f.code for f in lint(data).findings}
    assert {f.code for f in lint(fixed).findings} - before == set()
