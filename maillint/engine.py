"""Parse once, run every enabled rule, return a Report.

This is the one place where hits become findings: the severity comes from the
profile (lowered by a hit's cap), the line and column from the source's line
index, and the findings are sorted by position.  It also applies the limits
of the profile (ML001's parameters): how much of the message is parsed, and
how many findings of one rule one message may carry before the rest are
summed up in one finding ("and N more").
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from maillint import overview
from maillint.carriers import select as select_carriers
from maillint.checks.limits import limits_from
from maillint.findings import Finding, Hit, Severity, printable
from maillint.parse import DEFAULT_LIMITS, Limits, ParsedMessage, parse
from maillint.profiles import Profile, RuleSetting, load_profile, narrow
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
    carriers: list[str] = field(default_factory=list)  # "softbank: To user@softbank.ne.jp"
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
            "carriers": self.carriers,
            "counts": {str(s): counts.get(s, 0) for s in reversed(Severity)},
            "findings": [f.to_dict() for f in self.findings],
        }


# The last few (profile, overlays) -> runs: one profile lints many messages, so
# the list of runs is worked out once, not per message. Keyed by identity (a
# profile is immutable), holding the profiles so that an id is never reused.
_RUNS_CACHE: dict[tuple[int, ...], tuple[list[Profile], list[tuple[str, RuleSetting]]]] = {}


def _runs(profile: Profile, overlays: list[Profile]) -> list[tuple[str, RuleSetting]]:
    """(code, setting) of every rule to run: the profile's, with carrier overlays on top.

    A rule that an overlay sets runs with the overlay's setting instead of the
    profile's (once per overlay that sets it); rules that ``--select`` or
    ``--ignore`` excluded stay excluded.
    """
    key = (id(profile), *map(id, overlays))
    cached = _RUNS_CACHE.get(key)
    if cached is None:
        if len(_RUNS_CACHE) >= 16:
            _RUNS_CACHE.clear()
        cached = _RUNS_CACHE[key] = ([profile, *overlays], _compute_runs(profile, overlays))
    return cached[1]


def _compute_runs(profile: Profile, overlays: list[Profile]) -> list[tuple[str, RuleSetting]]:
    overridden = {code for overlay in overlays for code in overlay.settings} - profile.excluded
    runs = [(c, s) for c, s in profile.enabled().items() if c not in overridden]
    for overlay in overlays:
        runs.extend(
            (code, setting)
            for code, setting in overlay.settings.items()
            if setting.severity is not None and code not in profile.excluded
        )
    return runs


def limits_of(profile: Profile) -> Limits:
    """The profile's limits: ML001's parameters, read whether or not ML001 runs."""
    setting = profile.settings.get("ML001")
    return DEFAULT_LIMITS if setting is None else limits_from(setting.params)


def _finding(message: ParsedMessage, code: str, name: str, severity: Severity, hit: Hit) -> Finding:
    line, column = message.source.locate(hit.offset)
    return Finding(
        code=code,
        name=name,
        severity=severity,
        message=printable(hit.message),
        line=line,
        column=column,
        offset=message.source.base_offset + hit.offset,
        path=message.path,
        field=None if hit.field is None else printable(hit.field),
        part=hit.part,
    )


def run_rules(
    message: ParsedMessage, profile: Profile, overlays: list[Profile] | None = None
) -> list[Finding]:
    """Run the profile's enabled rules (and carrier overlays) over a parsed message.

    A rule's findings beyond ``max-findings-per-rule`` are counted, not kept:
    one more finding of that rule, at the first one left out and as severe as
    the worst, says how many.  (When carrier overlays run a rule twice, the
    run that left out the most is the one counted.)
    """
    registry = all_rules()
    depth_setting = profile.settings.get("MM007")
    if depth_setting is not None and "max-depth" in depth_setting.params:
        message.max_depth = int(depth_setting.params["max-depth"])  # bounds the MIME tree
    limit = message.limits.max_findings
    found: dict[tuple[str, int, str], Finding] = {}
    kept: Counter[str] = Counter()
    left_out: dict[str, tuple[int, Hit, Severity]] = {}  # code -> (count, first, worst)
    for code, setting in _runs(profile, overlays or []):
        rule = registry[code]
        assert setting.severity is not None
        count, first, worst = 0, None, setting.severity
        for hit in rule.check(message, setting.params):
            severity = setting.severity if hit.cap is None else min(setting.severity, hit.cap)
            key = (code, hit.offset, hit.message)
            if key in found:
                if found[key].severity < severity:  # the same finding from two carrier
                    found[key] = _finding(message, code, rule.name, severity, hit)  # overlays
                continue
            if kept[code] >= limit:
                worst = severity if first is None else max(worst, severity)
                first = first or hit
                count += 1
                continue
            kept[code] += 1
            found[key] = _finding(message, code, rule.name, severity, hit)
        if first is not None and count > left_out.get(code, (0,))[0]:
            left_out[code] = (count, first, worst)
    for code, (count, first, worst) in left_out.items():
        text = (
            f"and {count} more like this, not listed "
            f"(max-findings-per-rule {limit}); the first of them here"
        )
        summary = Hit(first.offset, text, field=first.field, part=first.part)
        found[(code, -1, text)] = _finding(message, code, registry[code].name, worst, summary)
    return sorted(found.values(), key=lambda f: (f.offset, f.code))


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
    carrier: str = "auto",
    envelope: list[str] | tuple[str, ...] = (),
) -> Report:
    """Lint one message given as raw octets.

    Bytes handed to the API are the wire form by default (every line must end
    in CRLF); pass ``line_endings="auto"`` to treat an LF-only file as stored.
    ``keep_source`` keeps the octets on the report (for the HTML report).
    ``carrier`` is ``auto`` (carrier profiles chosen by the recipients in To,
    Cc, Bcc and ``envelope``), ``none``, or a profile name to apply anyway.
    """
    resolved = resolve_profile(profile, select, ignore)
    path = printable(path)  # a file name may hold octets that are not UTF-8, or a newline
    message = parse(
        bytes(data),
        line_endings=line_endings,
        path=path,
        first_line=first_line,
        base_offset=base_offset,
        limits=limits_of(resolved),
    )
    chosen = select_carriers(message, carrier, envelope)
    findings = run_rules(message, resolved, [overlay for overlay, _ in chosen])
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
        carriers=[match.reason for _, match in chosen],
        data=bytes(data) if keep_source else None,
    )
