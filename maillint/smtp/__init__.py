"""SMTP for sending scripts: a drop-in smtplib client that lints, and ``maillint serve``.

``LintingSMTP`` and ``LintingSMTP_SSL`` (``maillint.smtp.client``) are the
stdlib classes with a lint step before each message; the SMTP server that
lints what any client sends is in ``maillint.smtp.server`` (it needs aiosmtpd,
and is imported only when used).
"""

from __future__ import annotations

from maillint.api import LintError
from maillint.smtp.client import LintingSMTP, LintingSMTP_SSL

__all__ = ["LintError", "LintingSMTP", "LintingSMTP_SSL"]
