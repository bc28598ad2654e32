"""Inputs: mbox splitting and >From quoting, gzip, Maildir, stdin, and the walk.

The central promise: an mbox, a Maildir or a gzip file gives the same findings
as the same messages saved as separate files, with every position mapped to
the place in the file it came from.
"""

from __future__ import annotations

import gzip
import io
import re
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maillint.inputs import (
    InputError,
    count_lines,
    expand,
    open_messages,
    read_messages,
    split_mbox,
    unquote,
)
from maillint.runner import LintOptions, lint_file, run
from support import msg

POSTMARK = b"From alice@example.com Mon Jan  1 09:00:00 2024\n"
CLEAN = msg().replace(b"\r\n", b"\n")
LONG = msg(body=b"intro\r\n" + b"x" * 1200 + b"\r\n").replace(b"\r\n", b"\n")
# A body line that starts with "From " (quoted in an mbox), 1200 octets long:
# LN001 at its column 999 in the message, column 1000 in the mbox (one more '>').
FROM_LINE = msg(body=b"Hello\r\nFrom here on" + b"y" * 1188 + b"\r\nBye\r\n").replace(
    b"\r\n", b"\n"
)
# Quoted lines of every depth, and a line that only looks quoted.
QUOTED_BODY = b"a\n>From one\n>>From two\nx>From not at a line start\n>>>From three\n"


def mbox_of(*messages: bytes, quote: bool = True) -> bytes:
    """An mboxrd file: each message after a postmark, an empty line after each."""
    out = []
    for message in messages:
        if quote:
            message = _quote(message)
        out += [POSTMARK, message, b"\n"]
    return b"".join(out)


def _quote(message: bytes) -> bytes:
    """mboxrd quoting: one more '>' before every line matching >*From ."""
    lines = message.split(b"\n")
    return b"\n".join(
        b">" + line if line.lstrip(b">").startswith(b"From ") else line for line in lines
    )


def messages_of(data: bytes, **options) -> list:
    return list(split_mbox("box", io.BytesIO(data), **options))


def findings(reports) -> list[tuple]:
    return [
        (f.code, f.line, f.column, f.offset, f.message, f.part, f.field)
        for report in reports
        for f in report.findings
    ]


LINE_IN_TEXT = re.compile(r"\bline (\d+)")  # "duplicate Subject field (first on line 5)"


def placed(reports, first_line: int, base_offset: int, shifts=()) -> list[tuple]:
    """Findings of a lone file, moved to where the message sits in an mbox."""
    moved = []
    for code, line, column, offset, text, part, field in findings(reports):
        line_start = offset - (column - 1)
        shift = sum(1 for s in shifts if s <= offset)
        on_quoted = line_start in shifts
        text = LINE_IN_TEXT.sub(lambda m: f"line {int(m.group(1)) + first_line - 1}", text)
        moved.append(
            (
                code,
                line + first_line - 1,
                column + on_quoted,
                offset + base_offset + shift,
                text,
                part,
                field,
            )
        )
    return moved


def lint_path(path: Path, **options):
    results = run([str(path)], LintOptions(**options), jobs=1)
    assert results.errors == []
    return results.reports


# ------------------------------------------------------------------ splitting


def test_mbox_messages_keep_their_place_in_the_file():
    data = mbox_of(CLEAN, LONG)
    first, second = messages_of(data)
    assert (first.index, second.index) == (1, 2)
    assert first.data == CLEAN and second.data == LONG
    assert (first.first_line, first.base_offset) == (2, len(POSTMARK))
    assert data[second.base_offset :].startswith(LONG)
    assert data.splitlines(keepends=True)[second.first_line - 1] == LONG.splitlines(True)[0]


def test_postmark_needs_an_empty_line_before_it():
    data = POSTMARK + b"Subject: a\n\nbody\nFrom the start of a line\n"
    (only,) = messages_of(data)
    assert only.data.endswith(b"From the start of a line\n")


def test_crlf_mbox_and_the_empty_messages():
    data = b"From a\r\nSubject: x\r\n\r\nbody\r\n\r\nFrom b\r\n\r\nFrom c\r\nX: y\r\n"
    first, second, third = messages_of(data)
    assert first.data == b"Subject: x\r\n\r\nbody\r\n"
    assert second.data == b""
    assert (third.data, third.first_line) == (b"X: y\r\n", 9)


def test_a_last_postmark_with_nothing_after_it_is_no_message():
    assert len(messages_of(POSTMARK + CLEAN + b"\n" + POSTMARK)) == 1


def test_bare_cr_counts_as_a_line_break_as_in_a_lone_message():
    first_message = b"Subject: a\rb\n\nbody\n"
    data = mbox_of(first_message, CLEAN)
    second = messages_of(data)[1]
    assert second.first_line == 1 + len(data[: second.base_offset].splitlines())
    assert count_lines(first_message) == len(first_message.splitlines())


ATOMS = [POSTMARK, b"\n", b"\r\n", b"text\n", b">From x\n", b">>From y\r\n", b"From z\n", b"t"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(ATOMS), max_size=14), st.sampled_from([1, 2, 5, 64, 1 << 20]))
def test_any_mbox_splits_the_same_in_any_chunk_size_and_maps_back(atoms, chunk_size):
    data = POSTMARK + b"".join(atoms)
    whole = messages_of(data)
    assert messages_of(data, chunk_size=chunk_size) == whole
    lines = data.splitlines(keepends=True)
    for item in whole:
        stored = item.data
        assert data[item.base_offset : item.base_offset + len(stored)] == stored
        if stored:
            assert b"".join(lines[item.first_line - 1 :]).startswith(stored)


# ------------------------------------------------------------------ >From quoting


def test_unquote_mboxrd_mboxo_and_none():
    data, shifts = unquote(QUOTED_BODY, "mboxrd")
    assert data == b"a\nFrom one\n>From two\nx>From not at a line start\n>>From three\n"
    assert [data[s : s + 4] for s in shifts] == [b"From", b">Fro", b">>Fr"]
    data, shifts = unquote(QUOTED_BODY, "mboxo")
    assert data == b"a\nFrom one\n>>From two\nx>From not at a line start\n>>>From three\n"
    assert shifts == (2,)
    assert unquote(QUOTED_BODY, "none") == (QUOTED_BODY, ())


def test_messages_keep_the_stored_octets_and_unquote_on_demand():
    message = CLEAN + QUOTED_BODY
    (item,) = messages_of(mbox_of(message))
    assert item.data == _quote(message)
    assert item.unquoted()[0] == message
    (plain,) = messages_of(mbox_of(message), quoting="none")
    assert plain.unquoted() == (_quote(message), ())


def test_quoted_from_line_is_linted_as_sent_with_the_file_positions(tmp_path):
    alone = tmp_path / "alone.eml"
    alone.write_bytes(FROM_LINE)
    box = tmp_path / "box.mbox"
    data = mbox_of(CLEAN, FROM_LINE)
    box.write_bytes(data)
    reports = lint_path(box)
    item = messages_of(data)[1]
    shifts = item.unquoted()[1]
    assert shifts  # the "From here on" line lost its '>'
    expected = placed(lint_path(alone), item.first_line, item.base_offset, shifts)
    assert findings(reports[1:]) == expected
    ln001 = next(f for f in reports[1].findings if f.code == "LN001")
    assert data[ln001.offset - ln001.column + 1 : ln001.offset].startswith(b">From here on")
    assert ln001.column == 1000 and data[ln001.offset - 1 : ln001.offset + 1] == b"yy"


def test_a_998_octet_from_line_is_not_too_long_once_unquoted(tmp_path):
    line = b"From " + b"z" * 993  # 998 octets as sent; 999 as stored with its '>'
    box = tmp_path / "box.mbox"
    box.write_bytes(mbox_of(msg(body=line + b"\r\n").replace(b"\r\n", b"\n")))
    assert "LN001" not in {f.code for r in lint_path(box) for f in r.findings}
    stored = {f.code for r in lint_path(box, mbox_quoting="none") for f in r.findings}
    assert "LN001" in stored


def test_keep_source_keeps_the_stored_octets(tmp_path):
    box = tmp_path / "box.mbox"
    data = mbox_of(FROM_LINE)
    box.write_bytes(data)
    (report,) = lint_path(box, keep_source=True)
    assert report.data == _quote(FROM_LINE) == data[len(POSTMARK) : -1]
    assert report.size == len(report.data)


# ------------------------------------------------------------------ same findings as files


def test_mbox_gives_the_findings_of_the_same_messages_as_files(tmp_path):
    messages = [CLEAN, LONG, msg(extra=b"Subject: again\r\n"), LONG.replace(b"\n", b"\r\n")]
    data = mbox_of(*messages)
    (tmp_path / "box.mbox").write_bytes(data)
    reports = lint_path(tmp_path / "box.mbox")
    assert [r.index for r in reports] == [1, 2, 3, 4]
    for number, (message, item, report) in enumerate(
        zip(messages, messages_of(data), reports, strict=True)
    ):
        single = tmp_path / f"{number}.eml"
        single.write_bytes(message)
        assert findings([report]) == placed(lint_path(single), item.first_line, item.base_offset)
        assert report.form == lint_path(single)[0].form


def test_maildir_gives_the_findings_of_the_same_files(tmp_path):
    maildir = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    (maildir / "cur" / "1700000000.M1P2.host:2,S").write_bytes(LONG)
    (maildir / "new" / "1700000001.M3P4.host").write_bytes(CLEAN)
    (maildir / "tmp" / "1700000002.M5P6.host").write_bytes(LONG)  # still being delivered
    reports = lint_path(maildir)
    assert [Path(r.path).parent.name for r in reports] == ["cur", "new"]
    assert [r.index for r in reports] == [None, None]
    loose = tmp_path / "loose.eml"
    loose.write_bytes(LONG)
    strip = [(f.code, f.line, f.column, f.offset, f.message) for f in reports[0].findings]
    assert strip == [
        (f.code, f.line, f.column, f.offset, f.message) for f in lint_path(loose)[0].findings
    ]


def test_gzip_files_give_the_findings_of_the_plain_files(tmp_path):
    data = mbox_of(CLEAN, LONG)
    (tmp_path / "box.mbox").write_bytes(data)
    (tmp_path / "box.mbox.gz").write_bytes(gzip.compress(data))
    (tmp_path / "long.eml").write_bytes(LONG)
    (tmp_path / "long.eml.gz").write_bytes(gzip.compress(LONG))
    for plain, packed in (("box.mbox", "box.mbox.gz"), ("long.eml", "long.eml.gz")):
        one, two = lint_path(tmp_path / plain), lint_path(tmp_path / packed)
        assert findings(one) == findings(two)
        assert [(r.index, r.first_line, r.form) for r in one] == [
            (r.index, r.first_line, r.form) for r in two
        ]


def test_gzip_is_known_by_its_magic_not_its_name(tmp_path):
    (tmp_path / "packed").write_bytes(gzip.compress(LONG))
    (tmp_path / "plain.eml.gz").write_bytes(LONG)
    assert findings(lint_path(tmp_path / "packed")) == findings(
        lint_path(tmp_path / "plain.eml.gz")
    )


def test_truncated_or_corrupt_gzip_is_an_input_error(tmp_path):
    packed = gzip.compress(mbox_of(*[LONG] * 50))
    (tmp_path / "cut.mbox.gz").write_bytes(packed[: len(packed) // 2])
    (tmp_path / "bad.eml.gz").write_bytes(packed[:10] + b"\xff" * 40)
    options = LintOptions()
    profile = options.build_profile()
    reports, errors = lint_file(str(tmp_path / "cut.mbox.gz"), profile, options)
    assert 0 < len(reports) < 50
    assert errors == [InputError(str(tmp_path / "cut.mbox.gz"), errors[0].message)]
    assert "gzip" in errors[0].message
    reports, errors = lint_file(str(tmp_path / "bad.eml.gz"), profile, options)
    assert reports == [] and "gzip" in errors[0].message


class Pipe(io.RawIOBase):
    """A non-seekable stream that returns at most ``step`` octets a read, like a pipe."""

    def __init__(self, data: bytes, step: int = 3) -> None:
        self.data, self.step = data, step

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        size = len(self.data) if size is None or size < 0 else min(size, self.step)
        chunk, self.data = self.data[:size], self.data[size:]
        return chunk


@pytest.mark.parametrize("packed", [False, True])
def test_stdin_may_be_an_mbox_or_gzip_and_is_read_as_a_stream(packed):
    data = mbox_of(CLEAN, LONG)
    stream = Pipe(gzip.compress(data) if packed else data)
    items = list(read_messages("-", stream))
    assert [i.data for i in items] == [CLEAN, LONG]
    assert [i.data for i in read_messages("-", Pipe(LONG))] == [LONG]


def test_open_messages_consumes_nothing():
    for data in (LONG, mbox_of(LONG), gzip.compress(LONG)):
        for stream in (io.BytesIO(data), Pipe(data)):
            is_mbox, opened = open_messages(stream)
            assert is_mbox == data.startswith(b"From ")
            assert opened.read() == (LONG if data[:2] == b"\x1f\x8b" else data)


# ------------------------------------------------------------------ the walk


def test_walk_takes_compressed_messages_and_skips_maildir_tmp(tmp_path):
    for sub in ("cur", "new", "tmp"):
        (tmp_path / "md" / sub).mkdir(parents=True)
    names = {
        "a.eml.gz": LONG,
        "b.mbox.gz": mbox_of(LONG),
        "notes.txt.gz": b"",
        "md/cur/1.M1.host:2,S.gz": LONG,
        "md/tmp/2.M2.host": LONG,
    }
    for name, data in names.items():
        (tmp_path / name).write_bytes(data)
    found = [Path(p).relative_to(tmp_path).as_posix() for p in expand([str(tmp_path)])]
    assert found == ["a.eml.gz", "b.mbox.gz", "md/cur/1.M1.host:2,S.gz"]


def test_a_tmp_folder_outside_a_maildir_is_walked(tmp_path):
    (tmp_path / "tmp").mkdir()
    (tmp_path / "tmp" / "m.eml").write_bytes(LONG)
    assert [Path(p).name for p in expand([str(tmp_path)])] == ["m.eml"]


def test_message_input_replace_keeps_it_frozen():
    (item,) = messages_of(mbox_of(CLEAN))
    assert replace(item, index=5).index == 5 and item.index == 1
