"""Parse once, run every enabled rule, return a Report.

This is the one place where hits become findings: the severity comes from the
profile (lowered by a hit's cap), the line and column from the source's line
index, and the findings are sorted by position.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from maillint import overview
from maillint.findings import Finding, Severity
from maillint.parse import ParsedMessage, parse
from maillint.profiles import Profile, load_profile, narrow
from maillint.registry import all_rules


@dataclass
class Report:
    """The findings for one message.

    ``index`` is the message's 1-based number inside an mbox (None for a lone
    message); ``form`` the line-ending form it was linted in (wire or stored).
    ``data`` holds the message's octets only when asked for (``keep_source``):
    the HTML report shows them, other formats need not pay the memory.
    """

    path: str
    findings: list[Finding]
    profile: str
    form: str
    size: int
    index: int | None = None
    first_line: int = 1
    subject: str | None = None
    sender: str | None = None
    parts: list[overview.PartInfo] = field(default_factory=list)
    data: bytes | None = None

    def counts(self) -> Counter[Severity]:
        """Number of findings per severity."""
        return Counter(f.severity for f in self.findings)

    def worst(self) -> Severity | None:
        """The highest severity among the findings, or None when clean."""
        return max((f.severity for f in self.findings), default=None)

    def fails(self, fail_on: Severity) -> bool:
        """True when some finding is at least as severe as ``fail_on``."""
        worst = self.worst()
        return worst is not None and worst >= fail_on

    def to_dict(self) -> dict[str, object]:
        """The machine form that the JSON (and later formats) start from."""
        counts = self.counts()
        return {
            "path": self.path,
            "index": self.index,
            "first_line": self.first_line,
            "profile": self.profile,
            "line_endings": self.form,
            "size": self.size,
            "subject": self.subject,
            "from": self.sender,
            "parts": [part.to_dict() for part in self.parts],
            "counts": {str(s): counts.get(s, 0) for s in reversed(Severity)},
            "findings": [f.to_dict() for f in self.findings],
        }


def run_rules(message: ParsedMessage, profile: Profile) -> list[Finding]:
    """Run the profile's enabled rules over a parsed message."""
    registry = all_rules()
    source = message.source
    depth_setting = profile.settings.get("MM007")
    if depth_setting is not None and "max-depth" in depth_setting.params:
        message.max_depth = int(depth_setting.params["max-depth"])  # bounds the MIME tree
    findings: list[Finding] = []
    for code, setting in profile.enabled().items():
        rule = registry[code]
        assert setting.severity is not None
        for hit in rule.check(message, setting.params):
            severity = setting.severity if hit.cap is None else min(setting.severity, hit.cap)
            line, column = source.locate(hit.offset)
            findings.append(
                Finding(
                    code=code,
                    name=rule.name,
                    severity=severity,
                    message=hit.message,
                    line=line,
                    column=column,
                    offset=source.base_offset + hit.offset,
                    path=message.path,
                    field=hit.field,
                    part=hit.part,
                )
            )
    findings.sort(key=lambda f: (f.offset, f.code))
    return findings


def resolve_profile(
    profile: Profile | str | None,
    select: list[str] | tuple[str, ...] | None = None,
    ignore: list[str] | tuple[str, ...] | None = None,
) -> Profile:
    """A Profile from a Profile, a name or path, or None (the default profile)."""
    if not isinstance(profile, Profile):
        profile = load_profile(profile or "default")
    if select or ignore:
        profile = narrow(profile, select=select or (), ignore=ignore or ())
    return profile


def lint_bytes(
    data: bytes,
    *,
    profile: Profile | str | None = None,
    select: list[str] | tuple[str, ...] | None = None,
    ignore: list[str] | tuple[str, ...] | None = None,
    line_endings: str = "wire",
    path: str = "<bytes>",
    index: int | None = None,
    first_line: int = 1,
    base_offset: int = 0,
    keep_source: bool = False,
) -> Report:
    """Lint one message given as raw octets.

    Bytes handed to the API are the wire form by default (every line must end
    in CRLF); pass ``line_endings="auto"`` to treat an LF-only file as stored.
    ``keep_source`` keeps the octets on the report (for the HTML report).
    """
    resolved = resolve_profile(profile, select, ignore)
    message = parse(
        bytes(data),
        line_endings=line_endings,
        path=path,
        first_line=first_line,
        base_offset=base_offset,
    )
    findings = run_rules(message, resolved)
    return Report(
        path=path,
        findings=findings,
        profile=resolved.name,
        form=message.form,
        size=len(data),
        index=index,
        first_line=first_line,
        subject=overview.header_text(message, "subject"),
        sender=overview.header_text(message, "from"),
        parts=overview.parts(message),
        data=bytes(data) if keep_source else None,
    )
