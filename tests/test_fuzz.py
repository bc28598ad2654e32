"""Fuzzing: any sequence of octets yields a report, with every position inside the input.

Messages are built from the grammar's pieces (header lines with and without
colons, folding, CR/LF/NUL in odd places, encoded words, parameters and
boundaries, base64 and quoted-printable bodies, nested multiparts,
message/rfc822 parts, ISO-2022-JP escapes) and from mutations of real
messages written below.  Every rule runs: the default profile with every code
selected (so the carrier rules, off by default, run too) and carrier
selection by recipient, with carrier domains among the recipients.

The properties: ``lint_bytes`` returns a report and never raises; every
finding's offset, line and column lie inside the input and agree with each
other; every output format renders and encodes as UTF-8, the JSON output
round-trips to ``Report.to_dict``, and each text finding is one line without
control characters; ``fix_bytes`` (when it exists) keeps its guarantees.

The default run is short.  For a long run::

    pytest tests/test_fuzz.py --hypothesis-profile=long            # 20,000 examples each
    MAILLINT_FUZZ_EXAMPLES=100000 pytest tests/test_fuzz.py --hypothesis-profile=long

(profiles in ``tests/conftest.py``).  A failing example is printed with a
``@reproduce_failure`` blob; commit the input under
``tests/data/regressions/`` so ``test_regressions.py`` lints it forever.
"""

from __future__ import annotations

import base64
import binascii
import quopri
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

import maillint
from hostile import check_outputs, check_positions, lint_all
from maillint import Report, Severity, lint_bytes
from maillint.registry import all_rules

LINE_ENDINGS = st.sampled_from(["wire", "stored", "auto"])


# -- the grammar's pieces ----------------------------------------------------

CARRIER_ADDRESSES = [
    b"taro@docomo.ne.jp",
    b"hanako@ezweb.ne.jp",
    b"jiro@t.vodafone.ne.jp",
    b"saburo@softbank.ne.jp",
    b"shiro@jp-d.ne.jp",
    b"goro@pdx.ne.jp",
]
ADDRESSES = [
    b"alice@example.com",
    b"Alice <alice@example.com>",
    b'"Doe, John" <john@example.org>',
    b"Doe, John <john@example.org>",
    b"group: a@example.com, b@example.com;",
    b"undisclosed-recipients:;",
    b"<>",
    b"a..b@example.com",
    b"x" * 70 + b"@example.com",
    b"@example.com",
    b"bob@[127.0.0.1]",
    b"(comment) bob@example.com (another (nested))",
    b"=?UTF-8?B?5aSq6YOO?= <taro@example.jp>",
    b"\x93\xfa\x96\x7b <sjis@example.jp>",
    b"<<a@@b>>",
    b'"unterminated <a@b>',
] + CARRIER_ADDRESSES
DATES = [
    b"Mon, 01 Jan 2024 09:00:00 +0900",
    b"1 Jan 24 09:00 GMT",
    b"Tue, 31 Feb 2023 25:61:61 +9999",
    b"yesterday",
    b"Mon, 01 Jan 2024 09:00:00 Z",
    b"",
]
MESSAGE_IDS = [b"<1@example.com>", b"<a b@c>", b"no-brackets", b"<@>", b"<x@y> <z@w>"]
CHARSETS = [
    b"us-ascii",
    b"utf-8",
    b"iso-2022-jp",
    b"shift_jis",
    b"euc-jp",
    b"iso-8859-1",
    b"windows-1252",
    b"x-unknown",
    b"",
    b'"utf-8"',
    b"utf-8'ja'",
]
TYPES = [
    b"text/plain",
    b"text/html",
    b"application/octet-stream",
    b"image/png",
    b"message/rfc822",
    b"multipart/mixed",
    b"multipart/alternative",
    b"multipart/digest",
    b"text",
    b"/",
    b"text/plain/extra",
    b"",
]
ENCODINGS = [
    b"7bit",
    b"8bit",
    b"binary",
    b"base64",
    b"quoted-printable",
    b"BASE64",
    b" base64 (comment)",
    b"x-uuencode",
    b"quoted_printable",
    b"",
]
FIELD_NAMES = [
    b"From",
    b"To",
    b"Cc",
    b"Bcc",
    b"Reply-To",
    b"Sender",
    b"Date",
    b"Subject",
    b"Message-ID",
    b"In-Reply-To",
    b"References",
    b"MIME-Version",
    b"Content-Type",
    b"Content-Transfer-Encoding",
    b"Content-Disposition",
    b"Content-ID",
    b"Resent-From",
    b"X-Mailer",
    b"Received",
    b"DKIM-Signature",
]
JAPANESE = ["日本語", "ｶﾀｶﾅ", "①㈱", "森鷗外", "😀", "テスト", "abc", "髙橋"]
INTERESTING = [
    b"\r",
    b"\n",
    b"\r\n",
    b"\x00",
    b"\x1b",
    b"\x1b$B",
    b"\x1b(B",
    b"\x1b(J",
    b"\x1b(I",
    b"\x1b$(D",
    b"--",
    b"--b1",
    b"--b1--",
    b"=?",
    b"?=",
    b"=?utf-8?q?",
    b"=?iso-2022-jp?B?",
    b":",
    b" ",
    b"\t",
    b"=",
    b"=\r\n",
    b";",
    b'"',
    b"(",
    b")",
    b"<",
    b">",
    b"@",
    b"\\",
    b"*0*=",
    b"'",
    b"%",
    b"\xff",
    b"\xe3\x81",
    b"\x82\xa0",
    b".",
    b"\r\n.\r\n",
    b"\n.\n",
    b"From ",
    b"\r\n\r\n",
]

eols = st.sampled_from([b"\r\n"] * 8 + [b"\n", b"\r", b"\n\r", b""])
small_text = st.binary(max_size=30) | st.sampled_from(
    [b"hello", b"", b" ", b"\t", b"x" * 80, b"y" * 1000, b"caf\xc3\xa9", b"\x80\xff"]
)


@st.composite
def japanese_bytes(draw) -> bytes:
    """Japanese text in a Japanese charset, or an ISO-2022-JP escape left open or broken."""
    text = "".join(draw(st.lists(st.sampled_from(JAPANESE), min_size=1, max_size=4)))
    codec = draw(st.sampled_from(["iso-2022-jp", "shift_jis", "euc-jp", "utf-8", "cp932"]))
    data = text.encode(codec, "replace")
    if draw(st.booleans()):
        cut = draw(st.integers(0, len(data)))
        data = data[:cut]  # an escape left open, a character split
    if draw(st.booleans()):
        data += draw(st.sampled_from([b"\x1b$B", b'\x1b$B$"', b"\x1b(I1", b"\x1b", b"\x1b$"]))
    return data


@st.composite
def encoded_word(draw) -> bytes:
    charset = draw(st.sampled_from(CHARSETS + [b"utf-8*ja", b"UTF-8", b"ISO-2022-JP"]))
    encoding = draw(st.sampled_from([b"B", b"Q", b"b", b"q", b"X", b""]))
    raw = draw(japanese_bytes() | small_text)
    if encoding.upper() == b"B":
        data = base64.b64encode(raw)
        if draw(st.booleans()):
            data = data.rstrip(b"=")  # padding dropped
    else:
        data = binascii.b2a_qp(raw, header=True).replace(b"=\n", b"")
    if draw(st.integers(0, 9)) == 0:
        data = draw(st.binary(max_size=20))
    if draw(st.integers(0, 9)) == 0:
        data = data * 10  # longer than 75
    return b"=?" + charset + b"?" + encoding + b"?" + data + b"?="


@st.composite
def parameter(draw) -> bytes:
    name = draw(st.sampled_from([b"charset", b"boundary", b"name", b"filename", b"format", b"x"]))
    form = draw(st.integers(0, 5))
    value = draw(
        st.sampled_from([b"b1", b"b2", b"", b"a b", b'"q', b"x" * 80, b"evil.pdf.exe"])
        | japanese_bytes()
        | encoded_word()
    )
    if form == 0:
        return name + b"=" + value
    if form == 1:
        return name + b'="' + value.replace(b'"', b'\\"') + b'"'
    if form == 2:  # RFC 2231 extended value
        return name + b"*=utf-8''" + re.sub(rb"[^A-Za-z0-9]", lambda m: b"%%%02X" % m[0][0], value)
    if form == 3:  # RFC 2231 continuations, possibly out of order or incomplete
        pieces = [value[i : i + 5] for i in range(0, len(value), 5)] or [b""]
        numbers = draw(st.permutations(range(len(pieces))))
        return b"; ".join(b'%s*%d="%s"' % (name, n, pieces[n]) for n in numbers)
    if form == 4:
        return name
    return name + b"=" + draw(st.binary(max_size=12))


@st.composite
def content_type(draw, mime_type: bytes | None = None) -> bytes:
    mime_type = draw(st.sampled_from(TYPES)) if mime_type is None else mime_type
    params = draw(st.lists(parameter(), max_size=3))
    comment = draw(st.sampled_from([b"", b" (comment)", b" (unbalanced", b"; ;"]))
    return b"; ".join([mime_type, *params]) + comment


@st.composite
def field_value(draw, name: bytes) -> bytes:
    key = name.lower()
    if key in (b"from", b"to", b"cc", b"bcc", b"reply-to", b"sender", b"resent-from"):
        return b", ".join(draw(st.lists(st.sampled_from(ADDRESSES), min_size=0, max_size=4)))
    if key == b"date":
        return draw(st.sampled_from(DATES))
    if key in (b"message-id", b"in-reply-to", b"references", b"content-id"):
        return b" ".join(draw(st.lists(st.sampled_from(MESSAGE_IDS), max_size=3)))
    if key == b"content-type":
        return draw(content_type())
    if key == b"content-transfer-encoding":
        return draw(st.sampled_from(ENCODINGS))
    if key == b"content-disposition":
        disposition = draw(st.sampled_from([b"attachment", b"inline", b"", b"form-data", b"x"]))
        return b"; ".join([disposition, *draw(st.lists(parameter(), max_size=2))])
    if key == b"mime-version":
        return draw(st.sampled_from([b"1.0", b"1.0 (produced by X)", b"2.0", b"(", b""]))
    pieces = draw(st.lists(encoded_word() | small_text | japanese_bytes(), min_size=0, max_size=5))
    return b" ".join(pieces)


@st.composite
def header_line(draw) -> bytes:
    """A field with its folding, or a line without colon, or a stray continuation."""
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return draw(small_text)  # no colon (or, by chance, one)
    if kind == 1:
        return b" " + draw(small_text)  # a continuation of whatever came before
    name = draw(st.sampled_from(FIELD_NAMES) | st.binary(max_size=8))
    space = draw(st.sampled_from([b"", b"", b" ", b"\t"]))
    value = draw(field_value(name))
    colon_space = draw(st.sampled_from([b" ", b" ", b"", b"  "]))
    line = name + space + b":" + colon_space + value
    folds = draw(st.integers(0, 2))
    for _ in range(folds):  # fold at a space, or insert a whitespace-only line
        at = line.find(b" ", draw(st.integers(0, len(line))))
        if at > 0:
            line = line[:at] + b"\r\n" + line[at:]
        else:
            line += b"\r\n \t"
    return line


def join_lines(lines: list[bytes], eol: bytes) -> bytes:
    return b"".join(line + eol for line in lines)


@st.composite
def base64_body(draw) -> bytes:
    data = draw(st.binary(max_size=300) | japanese_bytes())
    width = draw(st.sampled_from([76, 76, 64, 100, 4]))
    text = base64.b64encode(data)
    body = b"\r\n".join(text[i : i + width] for i in range(0, len(text), width))
    damage = draw(st.integers(0, 4))
    if damage == 1:
        body += b"=AAAA"  # data after the padding
    elif damage == 2 and body:
        body = body[: draw(st.integers(0, len(body)))]  # short final group
    elif damage == 3:
        body = body.replace(b"A", b"!", 1)
    return body + b"\r\n"


@st.composite
def qp_body(draw) -> bytes:
    data = draw(japanese_bytes() | small_text | st.text(max_size=80).map(str.encode))
    body = quopri.encodestring(data).replace(b"\n", b"\r\n")
    damage = draw(st.integers(0, 4))
    if damage == 1:
        body += b"=ZZ=\r\n=4"
    elif damage == 2:
        body += b"x" * 100 + b" \r\n"
    elif damage == 3:
        body += b"\xe3\x81\x82\r\n"
    return body


@st.composite
def text_body(draw) -> bytes:
    lines = draw(
        st.lists(
            small_text
            | japanese_bytes()
            | st.sampled_from([b".", b"..", b"From me", b"--b1", b"--b1--", b"\x00", b"\x0c"]),
            max_size=6,
        )
    )
    return join_lines(lines, draw(eols))


@st.composite
def leaf(draw) -> tuple[list[bytes], bytes]:
    """A single part: its header lines and its body."""
    kind = draw(st.integers(0, 4))
    extra = draw(st.lists(header_line(), max_size=2))
    if kind == 0:
        headers = [b"Content-Type: application/octet-stream; name=a.bin"]
        headers += [b"Content-Transfer-Encoding: base64"]
        headers += [b"Content-Disposition: attachment; " + draw(parameter())]
        return headers + extra, draw(base64_body())
    if kind == 1:
        charset = draw(st.sampled_from(CHARSETS))
        headers = [b"Content-Type: text/plain; charset=" + charset]
        return headers + [b"Content-Transfer-Encoding: quoted-printable"] + extra, draw(qp_body())
    if kind == 2:
        headers = [b"Content-Type: text/plain; charset=iso-2022-jp"]
        cte = draw(st.sampled_from([b"7bit", b"8bit", b"base64"]))
        body = join_lines(draw(st.lists(japanese_bytes(), max_size=4)), b"\r\n")
        if cte == b"base64":
            body = base64.encodebytes(body).replace(b"\n", b"\r\n")
        return headers + [b"Content-Transfer-Encoding: " + cte] + extra, body
    if kind == 3:
        return [b"Content-Type: " + draw(content_type())] + extra, draw(text_body())
    return extra, draw(st.binary(max_size=200))


BOUNDARIES = st.sampled_from([b"b1", b"b2", b"b1x", b"", b"a b", b"=_"])


def multipart(children, boundaries=BOUNDARIES):
    @st.composite
    def build(draw) -> tuple[list[bytes], bytes]:
        boundary = draw(boundaries)
        subtype = draw(st.sampled_from([b"mixed", b"alternative", b"related", b"digest"]))
        quoted = draw(st.booleans())
        value = b'"' + boundary + b'"' if quoted else boundary
        headers = [b"Content-Type: multipart/" + subtype + b"; boundary=" + value]
        if draw(st.integers(0, 5)) == 0:
            headers[0] += b"; boundary=other"
        parts = draw(st.lists(children, max_size=4))
        preamble = draw(st.sampled_from([b"", b"This is a MIME message.\r\n", b"hidden\r\n"]))
        body = preamble
        for part_headers, part_body in parts:
            padding = draw(st.sampled_from([b"", b"", b" ", b"\t "]))
            body += b"--" + boundary + padding + b"\r\n" + join_lines(part_headers, b"\r\n")
            body += b"\r\n" + part_body
        close = draw(st.integers(0, 3))
        if close:
            body += b"--" + boundary + b"--" + (b"\r\nepilogue\r\n" if close == 2 else b"\r\n")
        return headers, body

    return build()


@st.composite
def embedded_message(draw, children) -> tuple[list[bytes], bytes]:
    inner_headers, inner_body = draw(children)
    top = [b"From: inner@example.com", b"Subject: fwd"] + inner_headers
    return [b"Content-Type: message/rfc822"], join_lines(top, b"\r\n") + b"\r\n" + inner_body


entities = st.recursive(
    leaf(),
    lambda children: multipart(children) | embedded_message(children),
    max_leaves=6,
)


@st.composite
def grammar_message(draw) -> bytes:
    """A whole message from the pieces, line endings mostly CRLF, sometimes not."""
    recipients = draw(st.lists(st.sampled_from(ADDRESSES), min_size=1, max_size=3))
    top = [
        b"From: " + draw(st.sampled_from(ADDRESSES)),
        b"To: " + b", ".join(recipients),
        b"Date: " + draw(st.sampled_from(DATES)),
        b"Subject: " + draw(field_value(b"Subject")),
        b"Message-ID: " + draw(st.sampled_from(MESSAGE_IDS)),
        b"MIME-Version: 1.0",
    ]
    top = draw(st.permutations(top))[: draw(st.integers(0, len(top)))]
    top += draw(st.lists(header_line(), max_size=5))
    headers, body = draw(entities)
    eol = draw(eols)
    separator = draw(st.sampled_from([eol, eol, eol, b"", b" \r\n"]))
    data = join_lines(top + headers, eol) + separator + body
    if eol == b"\n" and draw(st.booleans()):
        data = data.replace(b"\r\n", b"\n")  # the stored form throughout
    return draw(odd_bytes(data))


@st.composite
def odd_bytes(draw, data: bytes) -> bytes:
    """CR, LF, NUL and other interesting octets dropped in at odd places."""
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.sampled_from(INTERESTING)) + data[at:]
    return data


# -- real messages, mutated --------------------------------------------------

REAL = [
    # A multipart/alternative newsletter with an HTML part and an inline image.
    b"Return-Path: <news@example.com>\r\n"
    b"Received: from mx.example.com (mx.example.com [192.0.2.1])\r\n"
    b"\tby mail.example.org with ESMTPS id 4A1B2C3D\r\n"
    b"\tfor <bob@example.org>; Mon, 01 Jan 2024 09:00:01 +0900\r\n"
    b"From: Example News <news@example.com>\r\n"
    b"To: bob@example.org\r\n"
    b"Subject: =?UTF-8?B?5LuK5pel44Gu44OL44Ol44O844K5?=\r\n"
    b"Date: Mon, 01 Jan 2024 09:00:00 +0900\r\n"
    b"Message-ID: <news.1@example.com>\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: multipart/alternative; boundary="=_alt_1"\r\n'
    b"\r\n"
    b"This is a multi-part message in MIME format.\r\n"
    b"\r\n"
    b"--=_alt_1\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: quoted-printable\r\n"
    b"\r\n"
    b"Today's news: caf=C3=A9 prices are up. A long line that goes on and on =\r\n"
    b"and is soft-broken.\r\n"
    b"--=_alt_1\r\n"
    b'Content-Type: multipart/related; boundary="=_rel_2"\r\n'
    b"\r\n"
    b"--=_rel_2\r\n"
    b"Content-Type: text/html; charset=utf-8\r\n"
    b"\r\n"
    b'<html><body><p>Today\'s news</p><img src="cid:logo@example.com"></body></html>\r\n'
    b"--=_rel_2\r\n"
    b"Content-Type: image/png\r\n"
    b"Content-Transfer-Encoding: base64\r\n"
    b"Content-ID: <logo@example.com>\r\n"
    b'Content-Disposition: inline; filename="logo.png"\r\n'
    b"\r\n"
    b"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJ\r\n"
    b"RU5ErkJggg==\r\n"
    b"--=_rel_2--\r\n"
    b"--=_alt_1--\r\n",
    # A Japanese mobile mail in ISO-2022-JP with an attachment named the Japanese way.
    b"From: =?ISO-2022-JP?B?GyRCOzNFRBsoQg==?= <yamada@example.jp>\r\n"
    b"To: taro@docomo.ne.jp, jiro@t.vodafone.ne.jp\r\n"
    b"Subject: =?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?=\r\n"
    b"Date: Tue, 02 Jan 2024 10:00:00 +0900\r\n"
    b"Message-ID: <jp.2@example.jp>\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: multipart/mixed; boundary=jp_boundary\r\n"
    b"\r\n"
    b"--jp_boundary\r\n"
    b"Content-Type: text/plain; charset=ISO-2022-JP\r\n"
    b"Content-Transfer-Encoding: 7bit\r\n"
    b"\r\n"
    b"\x1b$B$3$s$K$A$O\x1b(B\r\n"
    b"\x1b$BF|K\\8l$N%F%9%H$G$9\x1b(B\r\n"
    b"--jp_boundary\r\n"
    b'Content-Type: application/pdf; name="=?ISO-2022-JP?B?GyRCO3FOQRsoQi5wZGY=?="\r\n'
    b"Content-Transfer-Encoding: base64\r\n"
    b"Content-Disposition: attachment;\r\n"
    b" filename*=ISO-2022-JP''%1B%24B%3Bq%4EA%1B%28B.pdf\r\n"
    b"\r\n"
    b"JVBERi0xLjQKJcfsj6IKNSAwIG9iago8PC9MZW5ndGggNiAwIFI+PgpzdHJlYW0K\r\n"
    b"--jp_boundary--\r\n",
    # A forwarded message inside message/rfc822, stored with LF line ends (mbox-style).
    b"From: carol@example.net\n"
    b"To: dave@example.net\n"
    b"Subject: Fwd: report\n"
    b"Date: Wed, 03 Jan 2024 11:00:00 -0500\n"
    b"MIME-Version: 1.0\n"
    b"Content-Type: multipart/mixed; boundary=outer\n"
    b"\n"
    b"--outer\n"
    b"Content-Type: text/plain\n"
    b"\n"
    b"See below.\n"
    b"--outer\n"
    b"Content-Type: message/rfc822\n"
    b"\n"
    b"From: eve@example.net\n"
    b"Subject: report\n"
    b"Content-Type: text/plain; charset=iso-8859-1\n"
    b"Content-Transfer-Encoding: 8bit\n"
    b"\n"
    b"Caf\xe9 au lait.\n"
    b"--outer--\n",
    # A plain Shift_JIS mail from a handset, no MIME, no space after colons.
    b"From:hanako@ezweb.ne.jp\r\n"
    b"To:saburo@softbank.ne.jp\r\n"
    b"Subject:\x82\xb1\x82\xf1\x82\xc9\x82\xbf\x82\xcd\r\n"
    b"Date: Thu, 04 Jan 2024 12:00:00 +0900\r\n"
    b"Content-Type: text/plain; charset=Shift_JIS\r\n"
    b"\r\n"
    b"\x82\xb1\x82\xf1\x82\xc9\x82\xbf\x82\xcd\xb6\xc0\xb6\xc5\r\n"
    b".\r\n",
]


@st.composite
def mutated_message(draw) -> bytes:
    """A real message with a few splices: deletions, insertions, duplications, cuts."""
    data = draw(st.sampled_from(REAL))
    for _ in range(draw(st.integers(1, 6))):
        size = len(data)
        at = draw(st.integers(0, size))
        length = draw(st.integers(0, 40))
        op = draw(st.integers(0, 5))
        if op == 0:
            data = data[:at] + data[at + length :]
        elif op == 1:
            insert = draw(st.sampled_from(INTERESTING) | st.binary(min_size=1, max_size=8))
            data = data[:at] + insert + data[at:]
        elif op == 2:
            data = data[:at] + data[at : at + length] * draw(st.integers(2, 5)) + data[at:]
        elif op == 3:
            data = data[:at]
        elif op == 4 and size:
            index = min(at, size - 1)
            data = data[:index] + bytes([draw(st.integers(0, 255))]) + data[index + 1 :]
        else:
            data = (
                data[:at]
                + data[at : at + length * 4].replace(b"\r\n", b"\n")
                + data[at + length * 4 :]
            )
    return data


messages = grammar_message() | mutated_message() | st.binary(max_size=400)


# -- the properties ------------------------------------------------------------


@given(data=messages, line_endings=LINE_ENDINGS)
def test_any_message_yields_a_report_inside_the_input(data, line_endings):
    report = lint_all(data, line_endings)
    assert isinstance(report, Report)
    assert report.size == len(data)
    check_positions(data, report)
    check_outputs(report)


@given(data=grammar_message() | mutated_message())
def test_every_output_format_renders_hostile_messages(data):
    report = lint_all(data, "auto", keep_source=True, path="hostile\udcff\x1b[2J.eml")
    check_outputs(report)


@given(data=st.binary(max_size=2000))
def test_random_octets_yield_a_report(data):
    report = lint_all(data)
    check_positions(data, report)


@st.composite
def mbox(draw) -> bytes:
    """Messages behind ``From `` postmarks, with quoted ``>From`` lines and odd line ends."""
    pieces = []
    for message in draw(st.lists(grammar_message() | mutated_message(), min_size=1, max_size=4)):
        postmark = draw(st.sampled_from([b"From a@b Mon Jan  1 00:00:00 2024", b"From ", b"From"]))
        eol = draw(st.sampled_from([b"\n", b"\r\n"]))
        quoted = draw(st.sampled_from([b"", b">From me\n", b">>From me\r\n", b"From me\n"]))
        pieces.append(
            postmark + eol + quoted + message + draw(st.sampled_from([b"\n", b"", b"\r\n"]))
        )
    return draw(odd_bytes(b"".join(pieces)))


@given(data=mbox() | st.binary(max_size=300).map(lambda d: b"From x\n" + d))
def test_positions_lie_inside_the_file_for_every_message_of_an_mbox(data):
    from io import BytesIO

    from maillint.runner import LintOptions, lint_stream

    options = LintOptions(select=tuple(all_rules()), line_endings="auto")
    reports, errors = lint_stream("box.mbox", BytesIO(data), options.build_profile(), options)
    assert not errors
    for report in reports:
        check_positions(data, report, parts=False)


def fix_function():
    """``fix_bytes`` (issue 7), where it exists yet."""
    found = getattr(maillint, "fix_bytes", None)
    if found is None:
        try:
            from maillint.fix import fix_bytes as found
        except ImportError:
            return None
    return found


@given(data=messages, line_endings=LINE_ENDINGS)
def test_fix_keeps_its_guarantees(data, line_endings):
    fix_bytes = fix_function()
    if fix_bytes is None:
        pytest.skip("fix_bytes does not exist yet (issue 7)")
    fixed, report = fix_bytes(data, line_endings=line_endings)
    assert isinstance(fixed, bytes)
    if not report.changed:
        assert fixed == data  # nothing to do: byte-identical
    again, second = fix_bytes(fixed, line_endings=line_endings)
    assert again == fixed and not second.changed  # idempotent
    errors_before = {
        f.code
        for f in lint_bytes(data, line_endings=line_endings).findings
        if f.severity is Severity.ERROR
    }
    errors_after = {f.code for f in report.remaining.findings if f.severity is Severity.ERROR}
    assert errors_after <= errors_before  # no new error
    check_positions(fixed, report.remaining)
