"""Where messages come from: files, folders, Maildirs, mboxes, gzip and standard input.

Everything is read as a stream, one message at a time, so memory follows the
largest message rather than the whole input: an mbox is split as its chunks
arrive (the search for the next ``From `` line is ``bytes.find``, in C), and a
``.gz`` file (``.eml.gz``, ``.mbox.gz``, or any file that starts with the gzip
magic) is decompressed on the way.

Each message of an mbox keeps its place in the file (first line, byte offset)
so that findings point at the file's own lines.  Lines are counted as the
line index of a message counts them (CRLF, LF or a bare CR each end a line),
so a finding's line in an mbox is its line in the message plus the line the
message starts on.

``>From`` quoting.  An mbox writer quotes a body line that starts with
``From `` as ``>From `` (mboxo), or any line matching ``>*From `` by one more
``>`` (mboxrd).  The message that was sent had no ``>``: so it is unquoted
before linting (mboxrd by default: the same as mboxo for every ``>From `` line,
and right for ``>>From `` lines too).  A ``MessageInput`` holds the octets as
stored and says how to unquote them; whoever lints it (a worker process, in a
parallel run) unquotes, and keeps the positions of the unquoted lines so that
every finding maps back to the file's own octets: one more octet of offset for
each unquoted line before it, one more column on an unquoted line itself.
Line numbers do not change (unquoting never removes a line break).
"""

from __future__ import annotations

import fnmatch
import gzip
import os
import stat
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from maillint.findings import printable

MESSAGE_SUFFIXES = {".eml", ".mbox", ".mbx", ".mail"}
COMPRESSED_SUFFIXES = {".gz"}
MBOX_POSTMARK = b"From "
GZIP_MAGIC = b"\x1f\x8b"
MBOX_QUOTING = ("mboxrd", "mboxo", "none")
CHUNK_SIZE = 1 << 20  # an mbox is read in chunks of this size
# Errors that a corrupt or truncated gzip stream raises while it is read.
DECOMPRESSION_ERRORS = (EOFError, zlib.error, gzip.BadGzipFile)


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


@dataclass(frozen=True)
class MessageInput:
    """One message to lint, with its place in the file it came from.

    ``index`` is the 1-based number of the message in an mbox, None otherwise.
    ``data`` are the octets as they stand in the file; ``quoting`` is how an
    mbox quoted its ``From `` lines (``none`` outside an mbox).
    """

    path: str
    data: bytes
    index: int | None = None
    first_line: int = 1
    base_offset: int = 0
    quoting: str = "none"

    def unquoted(self) -> tuple[bytes, tuple[int, ...]]:
        """The octets as sent, and the offsets (in them) of the lines that lost a ``>``."""
        return unquote(self.data, self.quoting)


@dataclass(frozen=True)
class InputError:
    """An input that could not be read: shown as one line, exit status 2.

    The path is shown as ``printable`` makes it: a file name whose octets are
    not UTF-8 (or that holds a newline) still gives one line that any output
    encoding takes, its odd octets as ``\\xNN``, as in the reports.
    """

    path: str
    message: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", printable(self.path))


def _is_maildir(folder: Path) -> bool:
    """A folder with ``cur``, ``new`` and ``tmp`` (the three a Maildir always has)."""
    return all((folder / sub).is_dir() for sub in ("cur", "new", "tmp"))


def _is_maildir_message(path: Path) -> bool:
    """Files in a Maildir's cur/ or new/ have names like ``1700000000.M1P2.host:2,S``."""
    parent = path.parent
    return parent.name in ("cur", "new") and (parent.parent / "tmp").is_dir()


def _looks_like_message_file(path: Path, include: tuple[str, ...] = ()) -> bool:
    if path.name.startswith("."):
        return False
    if any(fnmatch.fnmatchcase(path.name, pattern) for pattern in include):
        return True
    if path.suffix.lower() in COMPRESSED_SUFFIXES:
        path = path.with_suffix("")  # message.eml.gz, box.mbox.gz, 1700000000.M1P2.host.gz
    return path.suffix.lower() in MESSAGE_SUFFIXES or not path.suffix or _is_maildir_message(path)


def expand(paths: list[str], include: tuple[str, ...] = ()) -> Iterator[str | InputError]:
    """Files to read, in a stable order: given files as they are, folders walked.

    A file named explicitly is always linted, whatever it is (a FIFO or
    ``<(command)`` is read like standard input); inside folders only regular
    files (or links to them) named ``*.eml`` (and ``.mbox``), without a
    suffix, Maildir messages and the same compressed (``.gz``) are: a FIFO,
    socket or device met in a folder is skipped, as ``grep -r`` does, since
    opening one could wait forever.  A Maildir's ``tmp/`` (messages still
    being delivered) is skipped.  Symbolic links to folders are not followed
    (a link loop cannot hang the walk); a name that cannot be looked up (a
    dangling link, a link loop) is an error line saying why.  ``include``
    adds glob patterns of other file names to lint in folders (``*.txt``,
    as the stdlib's test messages are named), matched case-sensitively.
    """
    for name in paths:
        if name == "-":
            yield name
            continue
        try:
            mode = os.stat(name).st_mode
        except OSError as exc:
            yield InputError(name, _describe(exc))
            continue
        if stat.S_ISDIR(mode):
            yield from _walk(Path(name), include)
        else:
            yield name


def _walk(folder: Path, include: tuple[str, ...] = ()) -> Iterator[str | InputError]:
    errors: list[InputError] = []

    def on_error(exc: OSError) -> None:
        errors.append(InputError(exc.filename or str(folder), _describe(exc)))

    for root, dirs, files in os.walk(folder, onerror=on_error):
        dirs.sort()
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        if "tmp" in dirs and _is_maildir(Path(root)):
            dirs.remove("tmp")
        yield from errors
        errors.clear()
        for file_name in sorted(files):
            path = Path(root, file_name)
            if not _looks_like_message_file(path, include):
                continue
            try:
                mode = os.stat(path).st_mode  # through a link: what would be read
            except OSError as exc:  # a dangling link, a link loop, a file gone since
                yield InputError(str(path), _describe(exc))
                continue
            if stat.S_ISREG(mode):
                yield str(path)
    yield from errors


def _describe(exc: OSError) -> str:
    """A one-line, lowercase description of an I/O error."""
    text = exc.strerror or exc.__class__.__name__
    return text[:1].lower() + text[1:]


def describe_read_error(exc: Exception) -> str:
    """One lowercase line for an error met while reading an input (I/O or decompression)."""
    if isinstance(exc, gzip.BadGzipFile):
        return f"not a valid gzip file: {exc}"
    if isinstance(exc, EOFError):
        return "compressed data ends early (truncated gzip file)"
    if isinstance(exc, zlib.error):
        return f"corrupt gzip data: {exc}"
    if isinstance(exc, OSError):
        return _describe(exc)
    return str(exc)


# ------------------------------------------------------------------ reading


def _read_exactly(stream: Readable, size: int) -> bytes:
    """Up to ``size`` octets: fewer only at the end of the stream (a pipe may return less)."""
    data = stream.read(size)
    while len(data) < size:
        more = stream.read(size - len(data))
        if not more:
            break
        data += more
    return data


class _Prefixed:
    """A stream whose first octets were already read: they come back first."""

    def __init__(self, head: bytes, stream: Readable) -> None:
        self.head = head
        self.stream = stream

    def read(self, size: int = -1) -> bytes:
        if not self.head:
            return self.stream.read(size)
        if size is None or size < 0:
            data, self.head = self.head + self.stream.read(), b""
            return data
        data, self.head = self.head[:size], self.head[size:]
        return data

    def read1(self, size: int = -1) -> bytes:
        if self.head:
            return self.read(size)
        return getattr(self.stream, "read1", self.stream.read)(size)


def _rewound(stream: Readable, head: bytes) -> Readable:
    """The stream positioned before ``head`` again: seek back if it can, else replay it."""
    seekable = getattr(stream, "seekable", None)
    if seekable is not None and seekable():
        try:
            stream.seek(-len(head), os.SEEK_CUR)  # type: ignore[attr-defined]
            return stream
        except (OSError, ValueError):
            pass
    return _Prefixed(head, stream)


def open_messages(stream: Readable) -> tuple[bool, Readable]:
    """(is an mbox, the stream to read the messages from): gzip undone, nothing consumed."""
    head = _read_exactly(stream, len(MBOX_POSTMARK))
    if head.startswith(GZIP_MAGIC):
        stream = gzip.GzipFile(fileobj=_rewound(stream, head), mode="rb")  # type: ignore[arg-type]
        head = _read_exactly(stream, len(MBOX_POSTMARK))
    return head == MBOX_POSTMARK, _rewound(stream, head)


def read_messages(
    path: str, stream: Readable, *, quoting: str = "mboxrd"
) -> Iterator[MessageInput]:
    """The messages in an open binary stream: one, or every message of an mbox.

    A gzip stream is decompressed first. ``quoting`` is how ``>From`` lines of
    an mbox are unquoted: ``mboxrd``, ``mboxo`` or ``none`` (kept as stored).
    """
    is_mbox, stream = open_messages(stream)
    if is_mbox:
        yield from split_mbox(path, stream, quoting=quoting)
    else:
        yield MessageInput(path, stream.read())


def count_lines(data: bytes | bytearray, start: int = 0, end: int | None = None) -> int:
    """Line terminators in ``data[start:end]`` as ``bytes.splitlines`` counts them.

    CRLF, LF and a bare CR each end one line.  Without CR (an mbox in the
    Unix form) that is one ``count`` of LF; otherwise three, all in C.
    """
    end = len(data) if end is None else end
    lf = data.count(b"\n", start, end)
    if data.find(b"\r", start, end) < 0:
        return lf
    return lf + data.count(b"\r", start, end) - data.count(b"\r\n", start, end)


def _blank_line_before(buffer: bytearray, newline: int, start: int) -> int:
    """Length of the empty line that ends with the LF at ``newline`` (0: not empty).

    The empty line must lie in the message, which starts at ``start`` (just
    after the postmark line's LF).
    """
    if newline >= start and buffer[newline - 1] == 0x0A:  # LF, then the empty line LF
        return 1
    if newline - 1 >= start and buffer[newline - 1] == 0x0D and buffer[newline - 2] == 0x0A:
        return 2  # LF, then the empty line CR LF
    return 0


def unquote(data: bytes, quoting: str = "mboxrd") -> tuple[bytes, tuple[int, ...]]:
    """``data`` with one ``>`` removed from each quoted ``From `` line, and where.

    mboxrd: every line matching ``>+From `` loses one ``>``; mboxo: only
    ``>From ``; none: nothing changes. Returns the new data and the offsets,
    in it, of the lines that changed.
    """
    if quoting == "none":
        return data, ()
    removed: list[int] = []
    position = data.find(b">From ")
    while position >= 0:
        start = position
        if quoting == "mboxrd":
            while start > 0 and data[start - 1] == 0x3E:  # '>'
                start -= 1
        if start == 0 or data[start - 1] == 0x0A:
            removed.append(start)
        position = data.find(b">From ", position + 6)
    if not removed:
        return data, ()
    pieces, previous = [], 0
    for start in removed:
        pieces.append(data[previous:start])
        previous = start + 1
    pieces.append(data[previous:])
    return b"".join(pieces), tuple(start - n for n, start in enumerate(removed))


def split_mbox(
    path: str,
    stream: Readable,
    *,
    quoting: str = "mboxrd",
    chunk_size: int = CHUNK_SIZE,
) -> Iterator[MessageInput]:
    """Split an mbox on ``From `` lines that follow an empty line (or start the file).

    The postmark line itself is the mbox's, not the message's, and so is the
    empty line before the next postmark; both are left out of the message but
    counted in the line numbers and offsets. The stream is read ``chunk_size``
    octets at a time; a message is held whole only once it is complete.
    """
    buffer = bytearray()
    offset, line = 0, 1  # file offset and line number of buffer[0]: a postmark line
    at_end = False
    index = 0

    # read1: at most one read below (a gzip stream then returns what it could
    # decompress before an error, rather than losing it to one large read).
    read = getattr(stream, "read1", stream.read)

    def fill() -> bool:
        nonlocal at_end
        if at_end:
            return False
        chunk = read(chunk_size)
        if not chunk:
            at_end = True
            return False
        buffer.extend(chunk)
        return True

    fill()
    while True:
        postmark_end = buffer.find(b"\n")
        while postmark_end < 0 and fill():
            postmark_end = buffer.find(b"\n")
        start = len(buffer) if postmark_end < 0 else postmark_end + 1
        search = max(start - 1, 0)
        while True:
            newline = buffer.find(b"\n" + MBOX_POSTMARK, search)
            if newline >= 0:
                blank = _blank_line_before(buffer, newline, start)
                if blank:
                    break
                search = newline + 1
                continue
            search = max(len(buffer) - len(MBOX_POSTMARK), search)
            if not fill():
                break
        if newline < 0 and index and start >= len(buffer):
            return  # a last postmark line with nothing after it: no message
        index += 1
        line += count_lines(buffer, 0, start)
        if newline >= 0:
            end, following = newline + 1 - blank, newline + 1
        else:
            end = following = len(buffer)
            if buffer.endswith(b"\n\r\n") or buffer[start:] == b"\r\n":
                end -= 2
            elif buffer.endswith(b"\n\n") or buffer[start:] == b"\n":
                end -= 1
            end = max(end, start)
        with memoryview(buffer) as view:
            data = bytes(view[start:end])  # one copy (a bytearray slice would make two)
        yield MessageInput(path, data, index, line, offset + start, quoting)
        if newline < 0:
            return
        line += count_lines(buffer, start, following)
        offset += following
        del buffer[:following]
