"""What repairs produce (``Edit``, ``Fix``, ``Skip``) and what ``fix`` reports.

Plain data, shared by every other module of the package and by its callers:
kept apart so that the repairs, the loop and the display share these types
without importing one another.
"""

from __future__ import annotations

from dataclasses import dataclass

from maillint.engine import Report
from maillint.registry import all_rules

# -- what repairs produce ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace ``data[start:end]`` (empty: insert at ``start``) with ``data``."""

    start: int
    end: int
    data: bytes


@dataclass(frozen=True)
class Fix:
    """Edits that repair one thing, applied together or not at all.

    ``codes`` are the rules it repairs (the first is the one it is filed
    under).  ``adds`` names the message-header fields it adds (a field that a
    DKIM signature lists must not be added).  ``content`` marks a fix whose
    point is to change decoded content (an SMTP smuggling sequence in a binary
    part); ``neutral`` one that no signature can notice; ``divisible`` one
    whose edits may be applied one without the other (line ends).
    """

    codes: tuple[str, ...]
    edits: tuple[Edit, ...]
    message: str
    adds: tuple[str, ...] = ()
    content: bool = False
    neutral: bool = False
    divisible: bool = False

    @property
    def key(self) -> tuple[tuple[str, ...], str]:
        return self.codes, self.message


@dataclass(frozen=True)
class Skip:
    """A finding (or kind of finding) the repair leaves alone, and why."""

    code: str
    reason: str


@dataclass(frozen=True)
class FixOptions:
    """How to repair: the line-ending form, and the two opt-ins."""

    line_endings: str = "wire"
    add_missing: bool = False
    force: bool = False


@dataclass(frozen=True)
class Note:
    """A line of the fix report: what was fixed, or not and why; ``count`` times."""

    codes: tuple[str, ...]
    message: str
    count: int = 1

    @property
    def names(self) -> str:
        rules = all_rules()
        return ", ".join(rules[code].name for code in self.codes if code in rules)

    def to_dict(self) -> dict[str, object]:
        return {"codes": list(self.codes), "message": self.message, "count": self.count}


@dataclass
class FixReport:
    """What ``fix`` did to one message: fixed, left alone (and why), what remains.

    ``remaining`` is the lint report of the fixed message; ``changed`` says
    whether any octet changed; ``passes`` how many fix passes changed it.
    """

    path: str
    index: int | None
    fixed: list[Note]
    skipped: list[Note]
    remaining: Report
    changed: bool
    passes: int

    def fails(self, fail_on) -> bool:
        """True when a remaining finding reaches ``fail_on``."""
        return self.remaining.fails(fail_on)

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "index": self.index,
            "changed": self.changed,
            "passes": self.passes,
            "fixed": [note.to_dict() for note in self.fixed],
            "skipped": [note.to_dict() for note in self.skipped],
            "remaining": self.remaining.to_dict(),
        }


class FixInputError(ValueError):
    """An input ``fix`` cannot write back as it read it (a compressed mbox)."""
