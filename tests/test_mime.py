"""The MIME tree: paths, spans, boundaries, nesting without recursion."""

from __future__ import annotations

from maillint.decode import decoded_body
from maillint.parse import Limits, parse

TOP = b"From: a@example.com\r\nMIME-Version: 1.0\r\n"


def tree(data: bytes, **options):
    message = parse(data, **options)
    return message, message.mime


def spans(root):
    return [(p.path, p.type, p.start, p.body_start, p.end) for p in root.walk()]


def test_single_part_message_is_a_leaf_root():
    _, root = tree(TOP + b"Content-Type: text/plain; charset=utf-8\r\n\r\nhi\r\n")
    assert spans(root) == [("", "text/plain", 0, 4, 5)]
    assert root.charset == "utf-8" and root.encoding == "7bit"


def test_multipart_children_have_paths_and_line_spans():
    data = (
        TOP + b'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
        b"preamble\r\n"  # 4
        b"--b1\r\n"  # 5
        b"Content-Type: text/plain\r\n\r\none\r\n"  # 6-8
        b"--b1\r\n"  # 9
        b"Content-Type: application/octet-stream\r\n"  # 10
        b"Content-Transfer-Encoding: base64\r\n\r\nAAAA\r\n"  # 11-13
        b"--b1--\r\n"  # 14
        b"epilogue\r\n"  # 15
    )
    _, root = tree(data)
    assert spans(root) == [
        ("", "multipart/mixed", 0, 4, 16),
        ("1", "text/plain", 6, 8, 9),
        ("2", "application/octet-stream", 10, 13, 14),
    ]
    assert root.delimiters == [5, 9, 14] and root.close_line == 14
    assert root.children[1].encoding == "base64"


def test_nested_multipart_and_embedded_message():
    data = (
        TOP + b"Content-Type: multipart/mixed; boundary=outer\r\n\r\n"
        b"--outer\r\n"  # 4
        b"Content-Type: multipart/alternative; boundary=inner\r\n\r\n"  # 5-6
        b"--inner\r\n\r\nplain\r\n"  # 7-9
        b"--inner\r\nContent-Type: text/html\r\n\r\n<p>html</p>\r\n"  # 10-13
        b"--inner--\r\n"  # 14
        b"--outer\r\n"  # 15
        b"Content-Type: message/rfc822\r\n\r\n"  # 16-17
        b"Subject: inside\r\nContent-Type: multipart/mixed; boundary=deep\r\n\r\n"  # 18-20
        b"--deep\r\n\r\nx\r\n--deep--\r\n"  # 21-24
        b"--outer--\r\n"  # 25
    )
    _, root = tree(data)
    assert [(p.path, p.type, p.embedded) for p in root.walk()] == [
        ("", "multipart/mixed", False),
        ("1", "multipart/alternative", False),
        ("1.1", "text/plain", False),
        ("1.2", "text/html", False),
        ("2", "message/rfc822", False),
        ("2", "multipart/mixed", True),
        ("2.1", "text/plain", False),
    ]
    embedded = root.children[1].children[0]
    assert embedded.header.get("subject").value == b" inside"
    assert (embedded.start, embedded.end) == (18, 25)
    assert embedded.close_line == 24


def test_missing_close_delimiter_and_missing_boundary():
    data = TOP + b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nx\r\n"
    _, root = tree(data)
    assert root.delimiters == [4] and root.close_line is None
    assert root.children[0].end == 7
    _, lost = tree(TOP + b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--c\r\n\r\nx\r\n")
    assert lost.delimiters == [] and lost.children == []


def test_enclosing_delimiter_closes_an_unclosed_inner_multipart():
    data = (
        TOP + b"Content-Type: multipart/mixed; boundary=a\r\n\r\n"
        b"--a\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"  # 4-6
        b"--b\r\n\r\ninner\r\n"  # 7-9
        b"--a\r\n\r\nsecond\r\n--a--\r\n"  # 10-13
    )
    _, root = tree(data)
    inner = root.children[0]
    assert inner.close_line is None and inner.end == 10
    assert inner.children[0].end == 10
    assert [c.path for c in root.children] == ["1", "2"]


def test_transport_padding_after_delimiter_and_lf_only_files():
    data = TOP + b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b \t\r\n\r\nx\r\n--b--  \r\n"
    _, root = tree(data)
    assert root.delimiters == [4, 7] and root.close_line == 7
    _, unix = tree(data.replace(b"\r\n", b"\n"))
    assert unix.delimiters == [4, 7]


def test_same_boundary_nested_innermost_wins():
    data = (
        TOP + b"Content-Type: multipart/mixed; boundary=b\r\n\r\n"
        b"--b\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
        b"--b\r\n\r\nx\r\n--b--\r\n"
    )
    _, root = tree(data)
    assert [p.path for p in root.walk()] == ["", "1", "1.1"]


def test_digest_children_default_to_message_rfc822():
    data = TOP + (
        b"Content-Type: multipart/digest; boundary=d\r\n\r\n"
        b"--d\r\n\r\nSubject: s\r\n\r\nbody\r\n--d--\r\n"
    )
    _, root = tree(data)
    assert [(p.path, p.type, p.embedded) for p in root.walk()] == [
        ("", "multipart/digest", False),
        ("1", "message/rfc822", False),
        ("1", "text/plain", True),
    ]


def test_nesting_ten_thousand_deep_stops_at_the_limit():
    depth = 10_000
    head = b"".join(
        b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (i, i)
        for i in range(depth)
    )
    data = TOP + head + b"\r\nleaf\r\n"
    message, root = tree(data)
    parts = list(root.walk())
    assert len(parts) == 33  # the root and 32 levels below it
    assert parts[-1].depth == 32 and parts[-1].too_deep
    assert message.mime is root  # built once


def test_hundred_thousand_siblings():
    count = 100_000
    body = b"".join(b"--s\r\n\r\n%d\r\n" % i for i in range(count)) + b"--s--\r\n"
    data = TOP + b"Content-Type: multipart/mixed; boundary=s\r\n\r\n" + body
    _, root = tree(data, limits=Limits(max_parts=count))  # the default limit is lower (ML001)
    assert len(root.children) == count
    assert root.children[-1].path == str(count)


def test_transfer_encoding_ignores_comments_and_case():
    data = TOP + (
        b"Content-Type: text/plain\r\nContent-Transfer-Encoding: (attached) BASE64 (file)\r\n\r\n"
        b"aGVsbG8=\r\n"
    )
    message, root = tree(data)
    assert root.encoding == "base64"
    assert decoded_body(message.source, root) == b"hello"
