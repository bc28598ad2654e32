"""The Python API for scripts that send mail: lint before the message leaves.

``lint_bytes`` (in ``engine``) lints octets; this module adds what a sending
script holds instead: an ``email.message.Message`` (``lint_message``), a file or
folder (``lint_path``), and ``check``, which raises ``LintError`` when a
finding reaches ``fail_on`` so that a script can stop with one call.

A message object is linted in the form smtplib would send it: flattened by
``email.generator.BytesGenerator`` with CRLF line ends, Bcc removed, and the
UTF-8 policy when an address needs SMTPUTF8 (``message_bytes`` is that form,
the same code ``smtplib.SMTP.send_message`` runs).
"""

from __future__ import annotations

import copy
import io
import os
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal, NamedTuple

from maillint.engine import Report, lint_bytes
from maillint.findings import Finding, Severity
from maillint.profiles import Profile

if TYPE_CHECKING:
    from email.message import Message

# The email package is imported where a message object is handled, not here:
# `maillint check` never needs it, and email.generator with its imports
# (email.utils, socket, urllib) was a tenth of the command's start-up.

FailOn = Severity | Literal["error", "warning", "info", "never"] | None
"""A threshold: a severity (or its name), or ``"never"``/None for "never fail"."""

Codes = Sequence[str] | None

# smtplib turns every line end of a str message into CRLF (its _fix_eols).
_ANY_EOL = re.compile(r"\r\n|\n|\r(?!\n)")


def parse_fail_on(value: FailOn) -> Severity | None:
    """The severity that fails a message, or None when nothing does (``"never"``)."""
    if value is None or isinstance(value, Severity):
        return value
    text = str(value).strip().lower()
    if text == "never":
        return None
    return Severity.parse(text)


class LintError(Exception):
    """A message has a finding at or above ``fail_on``; ``report`` has them all.

    ``failing`` lists the findings that reached the threshold, worst first.
    """

    def __init__(self, report: Report, fail_on: Severity) -> None:
        super().__init__(report, fail_on)
        self.report = report
        self.fail_on = fail_on

    @property
    def failing(self) -> list[Finding]:
        """The findings at or above ``fail_on``, worst first, then by position."""
        found = [f for f in self.report.findings if f.severity >= self.fail_on]
        return sorted(found, key=lambda f: (-f.severity, f.offset))

    def __str__(self) -> str:
        counts = self.report.counts()
        parts = ", ".join(
            f"{counts[s]} {s}" + ("" if counts[s] == 1 else "s")
            for s in reversed(Severity)
            if counts.get(s)
        )
        lines = [f"{self.report.path}: {parts} (fail-on {self.fail_on})"]
        shown = self.failing[:10]
        lines += [
            f"  {f.line}:{f.column}: {f.code} [{f.severity}] {f.message} ({f.name})" for f in shown
        ]
        if len(self.failing) > len(shown):
            lines.append(f"  ... and {len(self.failing) - len(shown)} more")
        return "\n".join(lines)

    def __reduce__(self):
        return (type(self), (self.report, self.fail_on))


class WireMessage(NamedTuple):
    """A message object as ``smtplib.SMTP.send_message`` would send it."""

    data: bytes
    from_addr: str
    to_addrs: list[str]
    international: bool  # an address is not ASCII: SMTPUTF8 and the UTF-8 policy


def wire_message(
    msg: Message,
    from_addr: str | None = None,
    to_addrs: str | Sequence[str] | None = None,
) -> WireMessage:
    """Flatten ``msg`` exactly as ``smtplib.SMTP.send_message`` does (Python 3.11+).

    The envelope comes from the arguments or, like smtplib, from Sender/From
    and To/Bcc/Cc (the Resent- fields when there is one Resent-Date); Bcc and
    Resent-Bcc are left out of the octets.  Raises ValueError, like smtplib,
    for a message with more than one Resent- block.
    """
    import email.generator
    import email.utils

    resent = msg.get_all("Resent-Date")
    if resent is None:
        prefix = ""
    elif len(resent) == 1:
        prefix = "Resent-"
    else:
        raise ValueError("message has more than one 'Resent-' header block")
    if from_addr is None:
        # RFC 5322 3.6.2: Sender when there is one, else From (as smtplib).
        field = msg[prefix + "Sender"] if (prefix + "Sender") in msg else msg[prefix + "From"]
        from_addr = email.utils.getaddresses([field])[0][1]
    if to_addrs is None:
        candidates = (msg[prefix + "To"], msg[prefix + "Bcc"], msg[prefix + "Cc"])
        fields = [f for f in candidates if f is not None]
        to_addrs = [pair[1] for pair in email.utils.getaddresses(fields)]
    elif isinstance(to_addrs, str):
        to_addrs = [to_addrs]
    to_list = list(to_addrs)
    msg_copy = copy.copy(msg)
    del msg_copy["Bcc"]
    del msg_copy["Resent-Bcc"]
    international = not "".join([from_addr, *to_list]).isascii()
    with io.BytesIO() as out:
        if international:
            generator = email.generator.BytesGenerator(out, policy=msg.policy.clone(utf8=True))
        else:
            generator = email.generator.BytesGenerator(out)
        generator.flatten(msg_copy, linesep="\r\n")
        data = out.getvalue()
    return WireMessage(data, from_addr, to_list, international)


def message_bytes(msg: Message) -> bytes:
    """The octets ``smtplib.SMTP.send_message(msg)`` would send as the message."""
    return wire_message(msg).data


def sendmail_bytes(msg: str | bytes | bytearray | memoryview) -> bytes:
    """The message ``smtplib.SMTP.sendmail`` sends for ``msg``, as the server receives it.

    A str has every line end made CRLF and must be ASCII (UnicodeEncodeError
    otherwise, as in smtplib); bytes travel as they are.  smtplib ends the data
    with CRLF when the message does not, so the receiver gets that CRLF too.
    """
    if isinstance(msg, str):
        data = _ANY_EOL.sub("\r\n", msg).encode("ascii")
    else:
        data = bytes(msg)
    return data if data.endswith(b"\r\n") else data + b"\r\n"


def lint_message(
    msg: Message,
    *,
    profile: Profile | str | None = None,
    select: Codes = None,
    ignore: Codes = None,
) -> Report:
    """Lint a message object in the octets smtplib would send (CRLF, wire form).

    Multipart messages without a boundary get a random one when flattened, as
    they do in smtplib; ``maillint.smtp.LintingSMTP`` lints the very octets it
    sends.
    """
    data = message_bytes(msg)
    return lint_bytes(data, profile=profile, select=_codes(select), ignore=_codes(ignore))


def lint_path(
    path: str | os.PathLike[str],
    *,
    profile: Profile | str | None = None,
    select: Codes = None,
    ignore: Codes = None,
    line_endings: Literal["auto", "wire", "stored"] = "auto",
    include: Sequence[str] | None = None,
) -> list[Report]:
    """Lint a file or a folder as ``maillint check PATH`` does: one report per message.

    A file gives one report, or one per message when it is an mbox (each with
    its ``index`` and its lines counted in the whole file); a folder gives every
    message file below it (``*.eml``, ``*.mbox``, files without a suffix,
    Maildir messages, and names matching an ``include`` glob such as
    ``"*.txt"``), in the CLI's order.  Files are in their stored form by
    default (``line_endings="auto"``).  I/O problems raise OSError: a missing
    path FileNotFoundError, an unreadable file inside a folder OSError naming it.
    """
    from maillint.engine import resolve_profile
    from maillint.inputs import InputError, expand
    from maillint.runner import LintOptions, lint_file

    name = os.fspath(path)
    if not os.path.exists(name):
        raise FileNotFoundError(2, "No such file or directory", name)
    resolved = resolve_profile(profile, _codes(select), _codes(ignore))
    globs = tuple(include or ())
    options = LintOptions(line_endings=line_endings, include=globs)
    reports: list[Report] = []
    for item in expand([name], globs):
        if isinstance(item, InputError):
            raise OSError(f"{item.path}: {item.message}")
        found, errors = lint_file(item, resolved, options)
        if errors:
            raise OSError(f"{errors[0].path}: {errors[0].message}")
        reports.extend(found)
    return reports


def check(
    raw: bytes | bytearray | memoryview | Message,
    *,
    fail_on: FailOn = "error",
    profile: Profile | str | None = None,
    select: Codes = None,
    ignore: Codes = None,
) -> Report:
    """Lint and raise ``LintError`` when a finding reaches ``fail_on``; else the report.

    ``raw`` is the wire form (bytes, every line ending in CRLF) or a message
    object (linted as ``lint_message`` does).  The report comes back when the
    message passes, so that warnings below the threshold can still be shown.
    """
    from email.message import Message

    if isinstance(raw, Message):
        report = lint_message(raw, profile=profile, select=select, ignore=ignore)
    else:
        report = lint_bytes(
            bytes(raw), profile=profile, select=_codes(select), ignore=_codes(ignore)
        )
    threshold = parse_fail_on(fail_on)
    if threshold is not None and report.fails(threshold):
        raise LintError(report, threshold)
    return report


def _codes(codes: Codes) -> list[str] | None:
    if codes is None:
        return None
    if isinstance(codes, str):
        return [c.strip() for c in codes.split(",") if c.strip()]
    return list(codes)


__all__ = [
    "FailOn",
    "LintError",
    "WireMessage",
    "check",
    "lint_message",
    "lint_path",
    "message_bytes",
    "parse_fail_on",
    "sendmail_bytes",
    "wire_message",
]
