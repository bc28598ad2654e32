"""Every defect the stdlib's parser records on its own test messages is a maillint finding too.

The stdlib's ``email`` package marks what it had to repair as defects on the
message (``msg.defects`` on each part, and on parsed header values). For each
of its own test messages that carries a defect, maillint must report at least
one finding of the matching kind. The mapping below is the one the issue's
note lists.
"""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

import pytest

from maillint import lint_bytes

try:
    import test as stdlib_test

    DATA = Path(stdlib_test.__file__).parent / "test_email" / "data"
except ImportError:  # pragma: no cover - Pythons packaged without their tests
    DATA = Path("/nonexistent")

# Stdlib defect class -> maillint codes that report the same problem.
MAPPING: dict[str, set[str]] = {
    "CloseBoundaryNotFoundDefect": {"MM006"},
    "StartBoundaryNotFoundDefect": {"MM005", "MM006", "MM010"},
    "MultipartInvariantViolationDefect": {"MM003", "MM005"},
    "NoBoundaryInMultipartDefect": {"MM003"},
    "MissingHeaderBodySeparatorDefect": {"HD007", "HD002"},
    "FirstHeaderLineIsContinuationDefect": {"HD003"},
    "MisplacedEnvelopeHeaderDefect": {"HD002"},
    "InvalidBase64PaddingDefect": {"TE003"},
    "InvalidBase64CharactersDefect": {"TE003"},
    "InvalidBase64LengthDefect": {"TE003"},
    "InvalidMultipartContentTransferEncodingDefect": {"TE006"},
    "UndecodableBytesDefect": {"HD006", "CS002", "TE002"},
    "NonASCIILocalPartDefect": {"HD006"},
    "NonPrintableDefect": {"LN005", "LN006"},
    "InvalidDateDefect": {"HD011"},
    "HeaderMissingRequiredValue": {"HD013", "AD001", "AD002"},
    # The header registry's catch-all: an address, id, date, content type or
    # disposition that does not parse.
    "InvalidHeaderDefect": {
        "AD001",
        "AD002",
        "HD002",
        "HD011",
        "HD013",
        "MM002",
        "MM009",
        "EW002",
        "HD006",
    },
}


def stdlib_defects(raw: bytes) -> set[str]:
    """The defect classes the stdlib records anywhere in a message."""
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    found: set[str] = set()
    for part in parsed.walk():
        found.update(type(d).__name__ for d in part.defects)
        for _name, value in part.items():
            found.update(type(d).__name__ for d in getattr(value, "defects", ()))
    return found


MESSAGES = sorted(DATA.glob("msg_*.txt"))


@pytest.mark.skipif(not MESSAGES, reason="this Python has no test/test_email/data")
@pytest.mark.parametrize("path", MESSAGES, ids=lambda p: p.name)
def test_stdlib_defects_have_matching_findings(path: Path):
    raw = path.read_bytes()
    defects = stdlib_defects(raw)
    codes = {f.code for f in lint_bytes(raw, line_endings="auto").findings}
    for defect in defects:
        assert defect in MAPPING, f"{path.name}: no mapping for {defect}"
        assert MAPPING[defect] & codes, f"{path.name}: {defect} but only {sorted(codes)}"
