"""maillint: a linter for raw Internet mail messages.

The public entry points: ``lint_bytes`` (one message as octets) and the types
it returns.  The CLI is built on the same functions.
"""

from __future__ import annotations

from maillint.engine import Report, lint_bytes
from maillint.findings import Finding, Severity
from maillint.profiles import Profile, ProfileError, load_profile

__version__ = "0.1.0"

__all__ = [
    "Finding",
    "Profile",
    "ProfileError",
    "Report",
    "Severity",
    "__version__",
    "lint_bytes",
    "load_profile",
]
