"""The fix loop (steps 1 to 5 of the package docstring): propose, choose,
apply, check the content, repeat; ``fix_bytes`` and ``fix_file``.

Apart from the repairs, which only propose: everything that decides what is
applied, and the guarantee that content stays as it was, is here.
"""

from __future__ import annotations

import io
import sys
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, replace
from typing import Any

from maillint import overview
from maillint.carriers import select as select_carriers
from maillint.decode import body_span, transfer_decode
from maillint.engine import Report, limits_of, resolve_profile, run_rules
from maillint.findings import Finding
from maillint.fix.context import (
    CR,
    CRLF,
    LF,
    REPAIRS,
    Context,
    Repair,
    _inside,
    _qp_line_ends,
)
from maillint.fix.model import Edit, Fix, FixInputError, FixOptions, FixReport, Note, Skip
from maillint.inputs import GZIP_MAGIC, MBOX_POSTMARK, split_mbox
from maillint.parse import ParsedMessage, parse
from maillint.profiles import Profile

# Importing the repair modules fills REPAIRS (their @repairs decorators run at
# import).  The order of these imports is the repairs' priority order, which
# _propose and _choose follow: when two fixes touch the same octets, the
# earlier repair's is applied and the other waits for the next pass.  A repair
# module may import from ``context``, ``model``, ``words`` and ``reencode``,
# never from a repair module listed after it (that would register it first).
# isort: off
import maillint.fix.lines  # LN003, LN004, LN007, LN009  # noqa: F401
import maillint.fix.fields  # HD004, HD005, MM001  # noqa: F401
import maillint.fix.words  # HD006, EW001  # noqa: F401
import maillint.fix.folding  # LN001, LN002, EW006  # noqa: F401
import maillint.fix.bodies  # TE002, TE004, CS003  # noqa: F401
import maillint.fix.names  # AT002, AT003, AT004  # noqa: F401
import maillint.fix.missing  # HD012, HD008  # noqa: F401
# isort: on


# More passes than any combination of repairs needs: each pass settles at
# least one field or part, and line ends are all settled in the first.
MAX_PASSES = 12


# -- the loop ---------------------------------------------------------------------------------


def _propose(ctx: Context, findings: list[Finding]) -> tuple[list[Fix], list[Skip]]:
    """Every repair's proposals for one pass, in the table's order."""
    fixes: list[Fix] = []
    skips: list[Skip] = []
    mine: dict[Repair, list[Finding]] = {}
    for finding in findings:
        function = REPAIRS.get(finding.code)
        if function is not None:
            mine.setdefault(function, []).append(finding)
    for function in dict.fromkeys(REPAIRS.values()):
        if function not in mine:
            continue
        try:
            for item in function(ctx, mine[function]):
                if isinstance(item, Fix):
                    if item.edits:
                        fixes.append(item)
                else:
                    skips.append(item)
        except Exception as exc:  # noqa: BLE001 - a repair's bug must not lose the message
            code = mine[function][0].code
            skips.append(Skip(code, f"internal error in the repair, please report: {exc!r}"))
    return fixes, skips


def _conflicts(taken: list[tuple[int, int]], edit: Edit) -> bool:
    """Whether an edit touches one already taken (sorted, disjoint ranges)."""
    position = max(bisect_left(taken, (edit.start,)) - 1, 0)
    for start, end in taken[position:]:
        if start > edit.end:
            return False
        if start == end or edit.start == edit.end:
            if start <= edit.end and edit.start <= end:
                return True
        elif edit.start < end and start < edit.end:
            return True
    return False


def _unsigned(ctx: Context, fix: Fix) -> tuple[Fix | None, list[Skip]]:
    """The fix without what a signature covers (all or nothing unless ``divisible``),
    and why what was left out was left out."""
    if ctx.options.force or fix.neutral:
        return fix, []
    if fix.divisible:
        reasons = [ctx.refuses(Fix(fix.codes, (edit,), fix.message)) for edit in fix.edits]
        kept = tuple(edit for edit, why in zip(fix.edits, reasons, strict=True) if why is None)
        why = next((why for why in reasons if why is not None), None)
        rest = replace(fix, edits=kept) if kept else None
    else:
        why = ctx.refuses(fix)
        rest = None if why is not None else fix
    if why is None:
        return fix, []
    return rest, [Skip(code, f"{why}: use --force to repair it anyway") for code in fix.codes]


def _choose(ctx: Context, fixes: list[Fix], banned: set) -> tuple[list[Fix], list[Skip]]:
    """The fixes to apply this pass: not banned, not refused for a signature, not overlapping."""
    taken: list[tuple[int, int]] = []
    added: set[str] = set()  # fields added by a chosen fix: two would add it twice
    chosen: list[Fix] = []
    refused: list[Skip] = []
    for proposed in fixes:
        if proposed.key in banned:
            continue
        fix, skips = _unsigned(ctx, proposed)
        refused.extend(skips)
        if fix is None:
            continue
        if any(_conflicts(taken, edit) for edit in fix.edits) or added & set(fix.adds):
            continue  # the next pass, on the repaired octets
        added.update(fix.adds)
        for edit in fix.edits:
            taken.insert(bisect_left(taken, (edit.start, edit.end)), (edit.start, edit.end))
        chosen.append(fix)
    return chosen, refused


def _apply(data: bytes, fixes: list[Fix]) -> bytes:
    """The octets with every edit applied (edits are disjoint)."""
    edits = sorted((e for f in fixes for e in f.edits), key=lambda e: (e.start, e.end))
    out: list[bytes] = []
    last = 0
    for edit in edits:
        out.append(data[last : edit.start])
        out.append(edit.data)
        last = edit.end
    out.append(data[last:])
    return b"".join(out)


@dataclass(frozen=True)
class Content:
    """A leaf part's decoded content, in the form the guarantee compares.

    Text, and parts whose octets stand in the file as lines (7bit, 8bit,
    quoted-printable), are compared with their line ends made alike, since
    text's line break is CRLF in canonical form (RFC 2046 4.1.1) whatever the
    file holds; quoted-printable has its line ends made LF as its decoder
    reads them (``_qp_line_ends``), so an encoded ``=0D`` stays a CR.
    The message's last line break is the transport's (SMTP adds one), so a
    part that ends the message is compared without it.  base64 and binary
    attachments are compared octet for octet.
    """

    path: str
    type: str
    data: bytes
    span: tuple[int, int]
    lines: bool


def _normalise(data: bytes) -> bytes:
    return data.replace(CRLF, LF).replace(CR, LF)


def _canonical(raw: bytes, encoding: str, text: bool, last: bool) -> bytes:
    if encoding == "base64":
        data = transfer_decode(raw, encoding)
        return _normalise(data) if text else data
    if encoding == "binary" and not text:
        return raw
    if encoding == "quoted-printable":
        data = _normalise(transfer_decode(_qp_line_ends(raw), encoding))
    else:
        data = _normalise(raw)
    if last and data.endswith(LF):
        data = data[:-1]
    return data


def contents(message: ParsedMessage) -> list[Content]:
    """The decoded content of every leaf part, in file order."""
    source = message.source
    found = []
    for part in message.mime.walk():
        if part.children:
            continue
        start, end = body_span(source, part)
        text = part.maintype == "text"
        data = _canonical(source.data[start:end], part.encoding, text, end == len(source.data))
        lines = text or part.encoding not in ("base64", "binary")
        found.append(Content(part.path, part.type, data, (start, end), lines))
    return found


def same_content(
    before: list[Content], after: list[Content], exempt: tuple[Edit, ...] = ()
) -> bool:
    """Whether every leaf part says what it said (parts touched by ``exempt`` edits aside)."""
    if [(c.path, c.type) for c in before] != [(c.path, c.type) for c in after]:
        return False
    for old, new in zip(before, after, strict=True):
        if old.data == new.data:
            continue
        if old.lines != new.lines and _normalise(old.data) == _normalise(new.data):
            continue  # re-encoded between a line form and base64: line ends aside
        if any(_inside(edit, *old.span) or edit.start == old.span[0] for edit in exempt):
            continue
        return False
    return True


class _Linter:
    """Lint octets the way the run asked, keeping the parsed message for the repairs."""

    def __init__(
        self,
        profile: Profile,
        *,
        line_endings: str,
        carrier: str,
        envelope,
        path: str,
        index: int | None,
        first_line: int,
        base_offset: int,
    ) -> None:
        self.profile = profile
        self.line_endings = line_endings
        self.carrier = carrier
        self.envelope = tuple(envelope)
        self.path = path
        self.index = index
        self.first_line = first_line
        self.base_offset = base_offset

    def parse(self, data: bytes, *, capped: bool = False) -> ParsedMessage:
        """Parse as the profile's limits say; every finding kept unless ``capped``
        (repairs need them all; the report shows them as ``check`` does)."""
        limits = limits_of(self.profile)
        return parse(
            data,
            line_endings=self.line_endings,
            path=self.path,
            first_line=self.first_line,
            base_offset=self.base_offset,
            limits=limits if capped else replace(limits, max_findings=sys.maxsize),
        )

    def __call__(
        self, data: bytes, *, capped: bool = False
    ) -> tuple[ParsedMessage, list[Profile], Report]:
        message = self.parse(data, capped=capped)
        chosen = select_carriers(message, self.carrier, self.envelope)
        overlays = [overlay for overlay, _ in chosen]
        findings = run_rules(message, self.profile, overlays)
        report = Report(
            path=self.path,
            findings=findings,
            profile=self.profile.name,
            form=message.form,
            size=len(data),
            index=self.index,
            first_line=self.first_line,
            subject=overview.header_text(message, "subject"),
            sender=overview.header_text(message, "from"),
            parts=overview.parts(message),
            carriers=[match.reason for _, match in chosen],
        )
        return message, overlays, report


def _verified(
    lint: _Linter, data: bytes, message: ParsedMessage, chosen: list[Fix]
) -> tuple[bytes, list[Fix], list[Fix]]:
    """Apply the fixes, keeping only those that leave every part's content as it was."""
    before = contents(message)
    exempt = tuple(e for f in chosen if f.content for e in f.edits)
    candidate = _apply(data, chosen)
    if same_content(before, contents(lint.parse(candidate)), exempt):
        return candidate, chosen, []
    good: list[Fix] = []
    bad: list[Fix] = []
    for fix in chosen:  # find the culprit: one fix at a time
        trial = _apply(data, [*good, fix])
        if same_content(before, contents(lint.parse(trial)), exempt):
            good.append(fix)
        else:
            bad.append(fix)
    return _apply(data, good), good, bad


def _cut_short(message: ParsedMessage) -> str | None:
    """Why a message is not repaired at all: the profile's limits (ML001) stopped
    its analysis, so what lies past them is unknown."""
    if message.unchecked or message.header.cut is not None:
        return "not repaired: the profile's limits (ML001) stopped the analysis of this message"
    for part in message.mime.walk():
        if part.cut is not None or part.header.cut is not None:
            return "not repaired: the profile's limits (ML001) stopped the analysis of its parts"
    return None


def fix_bytes(
    data: bytes,
    *,
    profile: Profile | str | None = None,
    select: list[str] | tuple[str, ...] | None = None,
    ignore: list[str] | tuple[str, ...] | None = None,
    line_endings: str = "wire",
    add_missing: bool = False,
    force: bool = False,
    carrier: str = "auto",
    envelope: list[str] | tuple[str, ...] = (),
    path: str = "<bytes>",
    index: int | None = None,
    first_line: int = 1,
    base_offset: int = 0,
) -> tuple[bytes, FixReport]:
    """Repair one message given as raw octets; return the fixed octets and a FixReport.

    ``select``/``ignore`` choose the rules, hence the repairs that run.  Bytes
    are the wire form by default, as for ``lint_bytes``; ``line_endings="auto"``
    keeps an LF-only file in its Unix form.  ``add_missing`` lets HD012 and
    HD008 invent a Message-ID and a Date; ``force`` repairs signed content too
    (breaking the signature).  A message that needs nothing comes back
    byte-identical.
    """
    resolved = resolve_profile(profile, select, ignore)
    options = FixOptions(line_endings=line_endings, add_missing=add_missing, force=force)
    lint = _Linter(
        resolved,
        line_endings=line_endings,
        carrier=carrier,
        envelope=envelope,
        path=path,
        index=index,
        first_line=first_line,
        base_offset=base_offset,
    )
    current = bytes(data)
    applied: list[Fix] = []
    banned: set = set()
    rejected: list[Skip] = []
    passes = 0
    message, overlays, report = lint(current)
    while True:
        short = _cut_short(message)
        if short is not None:
            skips = [Skip(code, short) for code in sorted({f.code for f in report.findings})]
            break
        ctx = Context(message, resolved, overlays, options, base_offset, report.findings)
        proposed, skips = _propose(ctx, report.findings)
        chosen, refused = _choose(ctx, proposed, banned)
        skips += refused
        if not chosen or passes >= MAX_PASSES:
            break
        current, good, bad = _verified(lint, current, message, chosen)
        for fix in bad:
            banned.add(fix.key)
            rejected.extend(
                Skip(code, f"not applied: it would change decoded content ({fix.message})")
                for code in fix.codes
            )
        if not good:
            continue
        applied.extend(good)
        passes += 1
        message, overlays, report = lint(current)
    cap = limits_of(resolved).max_findings
    if max(Counter(f.code for f in report.findings).values(), default=0) > cap:
        report = lint(current, capped=True)[2]  # as check reports it: "and N more"
    fixed = Counter(fix.key for fix in applied)
    left = Counter((skip.code, skip.reason) for skip in [*skips, *rejected])
    return current, FixReport(
        path=path,
        index=index,
        fixed=[Note(codes, message_, count) for (codes, message_), count in fixed.items()],
        skipped=[Note((code,), reason, count) for (code, reason), count in left.items()],
        remaining=report,
        changed=current != data,
        passes=passes,
    )


def fix_file(
    data: bytes, *, path: str = "<bytes>", **options: Any
) -> tuple[bytes, list[FixReport]]:
    """Repair a file's octets: one message, or every message of an mbox.

    In an mbox the postmark lines (``From ...``) and the empty lines between
    messages are kept as they are; each message is fixed on its own and its
    report carries its place in the fixed file.
    """
    if data.startswith(GZIP_MAGIC):
        raise FixInputError("compressed input: decompress it first (fix writes what it reads)")
    if not data.startswith(MBOX_POSTMARK):
        fixed, report = fix_bytes(data, path=path, **options)
        return fixed, [report]
    out: list[bytes] = []
    reports: list[FixReport] = []
    last = 0
    written = 0
    lines = 0
    for item in split_mbox(path, io.BytesIO(data), quoting="none"):
        between = data[last : item.base_offset]
        out.append(between)
        written += len(between)
        lines += len(between.splitlines())
        fixed, report = fix_bytes(
            item.data,
            path=path,
            index=item.index,
            first_line=lines + 1,
            base_offset=written,
            **options,
        )
        out.append(fixed)
        written += len(fixed)
        lines += len(fixed.splitlines())
        reports.append(report)
        last = item.base_offset + len(item.data)
    out.append(data[last:])
    return b"".join(out), reports
