"""``LintingSMTP`` and ``LintingSMTP_SSL``: smtplib's classes, linting every message first.

``sendmail`` and ``send_message`` lint the message in the octets the server
will receive, before any SMTP command for that message is sent (not even the
EHLO that smtplib sends on first use), and raise ``maillint.LintError`` when a
finding reaches ``fail_on``.  Nothing of a failing message is sent and the
connection stays usable for the next one.  Everything else is smtplib's.
"""

from __future__ import annotations

import smtplib
from collections.abc import Sequence
from email.message import Message
from typing import Any

from maillint.api import Codes, FailOn, LintError, parse_fail_on, sendmail_bytes, wire_message
from maillint.engine import Report, lint_bytes, resolve_profile
from maillint.findings import Severity
from maillint.profiles import Profile


class _Linting:
    """The lint step shared by both classes (a mixin placed before the smtplib class)."""

    fail_on: Severity | None
    last_report: Report | None

    def __init__(
        self,
        *args: Any,
        fail_on: FailOn = "error",
        profile: Profile | str | None = None,
        select: Codes = None,
        ignore: Codes = None,
        **kwargs: Any,
    ) -> None:
        """Both classes' constructor: the lint keywords are taken here, the rest is smtplib's.

        The mixin stands before the smtplib class in each class's MRO, so this
        one ``__init__`` serves both, and ``super()`` is that smtplib class.
        """
        # Resolved once, before smtplib connects: a bad profile or threshold
        # fails here, not mid-send.
        self.fail_on = parse_fail_on(fail_on)
        self._profile = resolve_profile(
            profile, list(select) if select else None, list(ignore) if ignore else None
        )
        self.last_report = None
        super().__init__(*args, **kwargs)

    def lint(self, data: bytes) -> Report:
        """Lint the octets of one message; raise ``LintError`` when it fails."""
        report = lint_bytes(data, profile=self._profile, path="<smtp message>")
        self.last_report = report
        if self.fail_on is not None and report.fails(self.fail_on):
            raise LintError(report, self.fail_on)
        return report

    def sendmail(  # type: ignore[override]
        self,
        from_addr: str,
        to_addrs: str | Sequence[str],
        msg: str | bytes,
        mail_options: Sequence[str] = (),
        rcpt_options: Sequence[str] = (),
    ) -> dict[str, tuple[int, bytes]]:
        """smtplib's ``sendmail``, after linting ``msg`` (raises ``LintError`` first)."""
        data = sendmail_bytes(msg)
        self.lint(data)
        # The CRLF that smtplib would append is part of ``data`` already.
        return super().sendmail(  # type: ignore[misc]
            from_addr, to_addrs, data, mail_options, rcpt_options
        )

    def send_message(  # type: ignore[override]
        self,
        msg: Message,
        from_addr: str | None = None,
        to_addrs: str | Sequence[str] | None = None,
        mail_options: Sequence[str] = (),
        rcpt_options: Sequence[str] = (),
    ) -> dict[str, tuple[int, bytes]]:
        """smtplib's ``send_message``: flattened as smtplib does, linted, then sent."""
        wire = wire_message(msg, from_addr, to_addrs)
        self.lint(sendmail_bytes(wire.data))
        self.ehlo_or_helo_if_needed()  # type: ignore[attr-defined]
        if wire.international:
            if not self.has_extn("smtputf8"):  # type: ignore[attr-defined]
                raise smtplib.SMTPNotSupportedError(
                    "One or more source or delivery addresses require"
                    " internationalized email support, but the server"
                    " does not advertise the required SMTPUTF8 capability"
                )
            mail_options = (*mail_options, "SMTPUTF8", "BODY=8BITMIME")
        # smtplib's own sendmail: the octets are linted already.
        return super().sendmail(  # type: ignore[misc]
            wire.from_addr, wire.to_addrs, wire.data, mail_options, rcpt_options
        )


class LintingSMTP(_Linting, smtplib.SMTP):
    """``smtplib.SMTP`` that lints each message before sending it.

    Takes smtplib's arguments, plus keyword-only ``fail_on`` (``"error"`` by
    default; ``"warning"``, ``"info"``, or ``"never"`` to only record),
    ``profile``, ``select`` and ``ignore``.  ``last_report`` holds the report
    of the last message linted, passing or not.
    """


class LintingSMTP_SSL(_Linting, smtplib.SMTP_SSL):  # noqa: N801 - smtplib's naming
    """``smtplib.SMTP_SSL`` that lints each message before sending it (see LintingSMTP)."""


__all__ = ["LintError", "LintingSMTP", "LintingSMTP_SSL"]
