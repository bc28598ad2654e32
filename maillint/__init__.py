"""maillint: a linter for raw Internet mail messages.

The public entry points: ``lint_bytes`` (one message as octets) and the types
it returns; for sending scripts ``lint_message`` (an ``email.message.Message``
as smtplib would send it), ``lint_path`` (a file, mbox or folder) and ``check``
(raises ``LintError`` when a finding reaches ``fail_on``); ``fix_bytes``
repairs what can be repaired without changing what the message says, and
returns the fixed octets with a ``FixReport``.  The CLI is built on the same
functions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from maillint.api import LintError, check, lint_message, lint_path
from maillint.engine import Report, lint_bytes
from maillint.findings import Finding, Severity
from maillint.profiles import Profile, ProfileError, load_profile

if TYPE_CHECKING:  # for type checkers; at run time __getattr__ imports them lazily
    from maillint.fix import FixReport, fix_bytes

__version__ = "0.1.0"

__all__ = [
    "Finding",
    "FixReport",
    "LintError",
    "Profile",
    "ProfileError",
    "Report",
    "Severity",
    "__version__",
    "check",
    "fix_bytes",
    "lint_bytes",
    "lint_message",
    "lint_path",
    "load_profile",
]


def __getattr__(name: str) -> object:
    """``fix_bytes`` and ``FixReport``, imported on first use (PEP 562): the
    repair machinery is heavy, and linting alone never needs it."""
    if name in ("fix_bytes", "FixReport"):
        from maillint import fix

        return getattr(fix, name)
    raise AttributeError(f"module 'maillint' has no attribute {name!r}")
