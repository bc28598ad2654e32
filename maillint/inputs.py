"""Where messages come from: files, folders, Maildirs, mboxes and standard input.

An mbox is read as a stream, one message at a time, so memory follows the
largest message rather than the whole file.  Each message keeps its place in
the file (first line, byte offset) so findings point at the file's own lines.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

MESSAGE_SUFFIXES = {".eml", ".mbox", ".mbx", ".mail"}
MBOX_POSTMARK = b"From "


@dataclass(frozen=True)
class MessageInput:
    """One message to lint, with its place in the file it came from.

    ``index`` is the 1-based number of the message in an mbox, None otherwise.
    """

    path: str
    data: bytes
    index: int | None = None
    first_line: int = 1
    base_offset: int = 0


@dataclass(frozen=True)
class InputError:
    """An input that could not be read: shown as one line, exit status 2."""

    path: str
    message: str


def _is_maildir_message(path: Path) -> bool:
    """Files in a Maildir's cur/ or new/ have names like ``1700000000.M1P2.host:2,S``."""
    parent = path.parent
    return parent.name in ("cur", "new") and (parent.parent / "tmp").is_dir()


def _looks_like_message_file(path: Path) -> bool:
    if path.name.startswith("."):
        return False
    return path.suffix.lower() in MESSAGE_SUFFIXES or not path.suffix or _is_maildir_message(path)


def expand(paths: list[str]) -> Iterator[str | InputError]:
    """Files to read, in a stable order: given files as they are, folders walked.

    A file named explicitly is always linted; inside folders only ``*.eml``
    (and ``.mbox``), files without a suffix and Maildir messages are. Symbolic
    links to folders are not followed (a link loop cannot hang the walk).
    """
    for name in paths:
        if name == "-":
            yield name
            continue
        path = Path(name)
        if path.is_dir():
            yield from _walk(path)
        elif path.exists():
            yield name
        else:
            yield InputError(name, "no such file or directory")


def _walk(folder: Path) -> Iterator[str | InputError]:
    errors: list[InputError] = []

    def on_error(exc: OSError) -> None:
        errors.append(InputError(exc.filename or str(folder), _describe(exc)))

    for root, dirs, files in os.walk(folder, onerror=on_error):
        dirs.sort()
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        yield from errors
        errors.clear()
        for file_name in sorted(files):
            path = Path(root, file_name)
            if _looks_like_message_file(path):
                yield str(path)
    yield from errors


def _describe(exc: OSError) -> str:
    """A one-line, lowercase description of an I/O error."""
    text = exc.strerror or exc.__class__.__name__
    return text[:1].lower() + text[1:]


def read_messages(path: str, stream: BinaryIO) -> Iterator[MessageInput]:
    """The messages in an open binary stream: one, or every message of an mbox."""
    head = stream.read(len(MBOX_POSTMARK))
    if head == MBOX_POSTMARK:
        yield from split_mbox(path, stream, head)
    else:
        yield MessageInput(path, head + stream.read())


def split_mbox(path: str, stream: BinaryIO, head: bytes = b"") -> Iterator[MessageInput]:
    """Split an mbox on ``From `` lines that follow an empty line (or start the file).

    The postmark line itself is the mbox's, not the message's, and so is the
    empty line before the next postmark; both are left out of the message but
    counted in the line numbers and offsets.
    """
    first = head + stream.readline()
    line_number, offset = 1, 0
    current: list[bytes] = []
    index = 0
    start_line, start_offset = line_number + 1, offset + len(first)
    line_number, offset = 2, len(first)
    previous_blank = False
    for line in stream:
        if previous_blank and line.startswith(MBOX_POSTMARK):
            index += 1
            yield MessageInput(path, b"".join(current[:-1]), index, start_line, start_offset)
            current = []
            start_line, start_offset = line_number + 1, offset + len(line)
        else:
            current.append(line)
        previous_blank = line in (b"\n", b"\r\n")
        line_number += 1
        offset += len(line)
    if current or index == 0:
        if current and current[-1] in (b"\n", b"\r\n"):
            current.pop()
        yield MessageInput(path, b"".join(current), index + 1, start_line, start_offset)
