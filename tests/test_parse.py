"""The parser: every line indexed, every field placed, every malformation tolerated."""

from __future__ import annotations

import random

from maillint.parse import parse
from maillint.source import Source


def test_line_index_keeps_terminators_and_offsets():
    source = Source(b"a\r\nb\nc\rd")
    lines = list(source.lines())
    assert [(line.start, line.content, line.terminator) for line in lines] == [
        (0, b"a", b"\r\n"),
        (3, b"b", b"\n"),
        (5, b"c", b"\r"),
        (7, b"d", b""),
    ]
    assert source.locate(0) == (1, 1)
    assert source.locate(4) == (2, 2)
    assert source.locate(7) == (4, 1)


def test_empty_input_has_no_lines_and_locates_to_line_one():
    source = Source(b"")
    assert len(source) == 0
    assert source.locate(0) == (1, 1)


def test_mbox_placement_shifts_lines_not_offsets():
    source = Source(b"x\ny\n", first_line=10, base_offset=100)
    assert source.locate(2) == (11, 1)


def test_fields_are_unfolded_with_positions():
    message = parse(b"Subject: one\r\n two\r\n\tthree\r\nTo: a@b\r\n\r\nbody\r\n")
    subject, to = message.header.fields
    assert subject.name == "Subject" and subject.value == b" one two\tthree"
    assert (subject.first_line, subject.last_line) == (0, 2)
    assert subject.offset_of(subject.value.index(b"three")) == message.source.data.index(b"three")
    assert to.value == b" a@b"
    assert message.header.separator == 4 and message.header.body_start == 5
    assert message.body_offset == message.source.data.index(b"body")


def test_stray_line_inside_header_section():
    message = parse(b"From: a\r\nnot a header\r\nTo: b\r\n\r\nbody\r\n")
    assert message.header.stray_lines == [1]
    assert [f.name for f in message.header.fields] == ["From", "To"]
    assert message.header.body_start == 4


def test_body_without_separator_starts_at_first_non_header_line():
    message = parse(b"From: a\r\nSubject: b\r\nHello there\r\nmore\r\n\r\nparagraph\r\n")
    assert message.header.missing_separator_at == 2
    assert message.header.body_start == 2
    assert message.header.separator is None


def test_leading_continuation_and_odd_names():
    message = parse(b" lost\r\nX Bad: no\r\nSubject : spaced\r\n\x00Nul: x\r\n\r\n")
    assert message.header.leading_continuation == 0
    names = [f.raw_name for f in message.header.fields]
    assert names == [b"Subject", b"\x00Nul"]
    assert message.header.stray_lines == [1]


def test_header_only_message_has_no_body():
    message = parse(b"From: a\r\nTo: b\r\n")
    assert message.header.body_start == 2
    assert message.header.missing_separator_at is None


def test_form_detection():
    assert parse(b"From: a\n\nx\n", line_endings="auto").form == "stored"
    assert parse(b"From: a\r\n\r\nx\n", line_endings="auto").form == "wire"
    assert parse(b"From: a\n\nx\n").form == "wire"


def test_any_octets_parse():
    generator = random.Random(5322)
    for size in (0, 1, 2, 10, 100, 5000):
        for _ in range(20):
            data = bytes(generator.choice(b"\r\n\t :ab\x00\xff-") for _ in range(size))
            message = parse(data, line_endings="auto")
            assert 0 <= message.header.body_start <= len(message.source)
            for header_field in message.header.fields:
                assert 0 <= header_field.start < header_field.end <= len(data)


def test_folded_over_many_lines_is_linear():
    data = b"Subject: x\r\n" + b" y\r\n" * 100_000 + b"\r\nbody\r\n"
    message = parse(data)
    (subject,) = message.header.fields
    assert subject.last_line == 100_000
    assert subject.offset_of(len(subject.value) - 1) == data.index(b"\r\n\r\n") - 1
