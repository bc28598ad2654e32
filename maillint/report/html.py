"""The HTML format: one self-contained page that a person opens in a browser.

The page holds an index of every message (worst first), totals, each message's
raw source line by line with every finding marked on its line and column, the
MIME tree, and the documentation of every rule that occurred.  It needs no
network: no external script, style, font or image.

Every octet of a message is attacker-controlled, so:

- jinja2 autoescapes everything (``autoescape=True``, explicitly: the template is
  a ``.j2`` file, which ``select_autoescape()`` would not recognise) and an
  undefined name is an error (``StrictUndefined``); no message text is ever
  marked safe, and nothing from a message becomes a link or markup;
- invisible and direction-changing characters (C0/C1 controls, U+202E and its
  kin, zero-width characters) are shown as visible tokens, never passed through;
- the only data for the script is ``|tojson`` inside
  ``<script type="application/json">``;
- a Content-Security-Policy meta tag allows nothing but the page's own inline
  style and script, named by the sha256 of their exact text, computed here.

Large inputs stay usable: a message of more than ``FULL_SOURCE_LINES`` lines
shows its header sections, the first and last lines of each MIME part and the
lines around each finding, with a marker saying how many lines were left out;
the page as a whole shows at most ``PAGE_LINE_BUDGET`` source lines, given to the
worst messages first, after which a message shows only the lines around its
findings; clean messages come last and collapsed.  Filters by severity and by
rule code are plain checkboxes and radio buttons read by CSS, so they work with
scripting off; the small inline script only makes them exact and sorts the index.
"""

from __future__ import annotations

import base64
import codecs
import hashlib
import os.path
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

from maillint.explain import show_bytes
from maillint.findings import Finding, Severity
from maillint.registry import Rule, all_rules

if TYPE_CHECKING:
    import jinja2

    from maillint.engine import Report
    from maillint.overview import PartInfo
    from maillint.report import RenderOptions
    from maillint.runner import Results

FULL_SOURCE_LINES = 2_000  # a message up to this many lines is shown whole
HEAD_LINES = 60  # else: its first lines (the header section, mostly) ...
PART_HEAD_LINES = 12  # ... the first lines of each MIME part (its header, the body's start) ...
PART_TAIL_LINES = 2  # ... the last lines of each part ...
CONTEXT_LINES = 2  # ... and the lines around each finding
SMALL_GAP = 2  # a gap this small is shown rather than marked
PAGE_LINE_BUDGET = 150_000  # source lines over the whole page, worst messages first
MAX_FINDINGS_SHOWN = 1_000  # per message; the rest are counted
MAX_LINE_OCTETS = 5_000  # octets shown of one line; the rest are counted
MAX_TEXT = 300  # characters shown of a subject, sender or path

SEVERITIES = tuple(reversed(Severity))  # error, warning, info

# Characters that change how text around them is shown without being seen
# themselves: bidirectional controls (U+202E turns "exe.txt" into "txt.exe"),
# zero-width characters, line separators, Unicode tags.  Shown as U+XXXX.
_INVISIBLE = (
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u2028-\u202e"
    "\u2060-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb\U000e0000-\U000e007f"
    "\ue000-\uf8ff\U000f0000-\U0010ffff"  # private use: carriers' emoji, unknown to fonts
)
# On decoded text: a tab, a C0/C1 control or DEL, an invisible character, octets that did not
# decode (surrogate escapes), a run of other non-ASCII characters.
_TEXT_TOKENS = re.compile(
    "(\t)|([\x00-\x08\x0a-\x1f\x7f-\x9f])|([" + _INVISIBLE + "])|([\udc80-\udcff]+)"
    "|([^\x00-\x9f\udc80-\udcff" + _INVISIBLE + "]+)"
)
# ISO-2022-JP (RFC 1468) designations: ESC $ @, ESC $ B, ESC $ ( D, ESC ( B, ESC ( J, ESC ( I.
_ISO2022_ESCAPE = re.compile(rb"\x1b(\$[@B]|\$\(D|\([BJI])")
_ISO2022_TEXT = {b"$@", b"$B", b"$(D"}
_SAFE_CODE = re.compile(r"[A-Za-z0-9_-]+\Z")
_UNDECODED = re.compile("[\udc80-\udcff]")
# What senders labelled X usually meant: decoding with the superset shows more of the text.
_SUPERSETS = {
    "shift_jis": "cp932",
    "euc_jp": "euc_jis_2004",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "big5": "big5hkscs",
    "euc_kr": "cp949",
}
_PLAIN_LINE = re.compile(rb"[\x20-\x7e]*\Z")  # printable ASCII only: shown as it is

_CONTROL_NAMES = (
    "NUL SOH STX ETX EOT ENQ ACK BEL BS HT LF VT FF CR SO SI "
    "DLE DC1 DC2 DC3 DC4 NAK SYN ETB CAN EM SUB ESC FS GS RS US"
).split()

# Charsets a message may declare that we decode its 8-bit lines with.  An
# allowlist: Python also has codecs like unicode_escape that would show text
# the octets do not hold.
_MAIL_CODECS = (
    "shift_jis",
    "cp932",
    "euc_jp",
    "euc_jis_2004",
    "shift_jis_2004",
    "euc_kr",
    "cp949",
    "gb2312",
    "gbk",
    "gb18030",
    "big5",
    "big5hkscs",
    "cp950",
    "koi8_r",
    "koi8_u",
    "mac_roman",
    "tis_620",
)

Seg = tuple[str, str, str]  # (CSS class, text, title): class and title are ours, text escaped


# --- text made visible ----------------------------------------------------------------------


def _char_name(char: str) -> str:
    code = ord(char)
    if code < 0x20:
        return f"0x{code:02X} {_CONTROL_NAMES[code]}"
    if code == 0x7F:
        return "0x7F DEL"
    if unicodedata.category(char) == "Co":
        return f"U+{code:04X} private-use character (a carrier's emoji?)"
    return f"U+{code:04X} " + unicodedata.name(char, "control or format character")


def _control_picture(char: str) -> str:
    """A control as its short name (NUL, BEL, ESC): fonts lack the U+2400 control pictures."""
    code = ord(char)
    if code < 0x20:
        return _CONTROL_NAMES[code]
    if code == 0x7F:
        return "DEL"
    return f"U+{code:04X}"


def plain(text: str | None, limit: int = MAX_TEXT) -> str:
    """Message text for a one-line field: controls and invisible characters spelled out, capped."""
    if text is None:
        return ""
    if len(text) > limit:
        text = text[:limit] + f"… [{len(text) - limit} more characters]"
    out = []
    pos = 0
    for match in _TEXT_TOKENS.finditer(text):
        tab, control, invisible, undecoded, _wide = match.groups()
        special = tab or control or invisible or (undecoded and undecoded[0])
        if not special:
            continue
        out.append(text[pos : match.start()])
        out.append(" " if tab else f"<{_char_name(special).split(' ', 1)[0]}>")
        pos = match.end()
    out.append(text[pos:])
    return "".join(out)


def _text_segs(text: str, mark: str, mark_title: str, where: str = "") -> Iterator[Seg]:
    """Decoded text as segments: tabs kept; controls, invisible characters and octets that
    did not decode (surrogate escapes, shown as \\xNN) made visible."""
    pos = 0
    for match in _TEXT_TOKENS.finditer(text):
        if match.start() > pos:
            yield ("", text[pos : match.start()], "")
        tab, control, invisible, undecoded, wide = match.groups()
        if tab:
            yield ("tab", "\t", "tab")
        elif control:
            yield ("ctl", _control_picture(control), _char_name(control))
        elif invisible:
            yield ("inv", f"U+{ord(invisible):04X}", _char_name(invisible))
        elif undecoded:
            shown = "".join(f"\\x{ord(c) - 0xDC00:02x}" for c in undecoded)
            yield ("hex", shown, f"{len(undecoded)} 8-bit octets, {where}")
        else:
            yield (mark, wide, mark_title)
        pos = match.end()
    if pos < len(text):
        yield ("", text[pos:], "")


def _iso2022_segs(data: bytes, state: bytes) -> tuple[list[Seg], bytes]:
    """A 7-bit line with ISO-2022-JP escapes: the ESC made visible, the JIS text decoded."""
    segs: list[Seg] = []

    def run(chunk: bytes, designation: bytes) -> None:
        if not chunk:
            return
        if designation in _ISO2022_TEXT:
            try:
                text = (b"\x1b" + designation + chunk + b"\x1b(B").decode("iso2022_jp_2")
            except UnicodeDecodeError:
                pass
            else:
                title = f"ISO-2022-JP text: {len(chunk)} octets"
                segs.extend(_text_segs(text, "jis", title))
                return
            title = "ISO-2022-JP octets outside JIS X 0208 (a carrier's emoji?)"
            segs.append(("hex", chunk.decode("ascii"), title))
            return
        segs.extend(_text_segs(chunk.decode("ascii"), "", ""))

    pos = 0
    for match in _ISO2022_ESCAPE.finditer(data):
        run(data[pos : match.start()], state)
        state = match.group(1)
        shown = " ".join(chr(o) for o in state)
        segs.append(("esc", "ESC" + state.decode("ascii"), f"ESC {shown}: ISO-2022 designation"))
        pos = match.end()
    run(data[pos:], state)
    return segs, state


@cache
def mail_codec(charset: str | None) -> str | None:
    """The Python codec for a declared charset, when it is one we decode mail text with."""
    if not charset:
        return None
    try:
        name = codecs.lookup(charset).name
    except (LookupError, ValueError):
        return None
    if name.startswith(("iso8859", "cp125", "latin")) or name in _MAIL_CODECS:
        return name
    return None


def _codecs_for(charset: str | None) -> list[str]:
    """The codecs to try on an 8-bit line: the declared charset (and its usual superset) first."""
    codec = mail_codec(charset)
    if not codec or codec == "utf-8":
        return ["utf-8"]
    superset = _SUPERSETS.get(codec)
    return [codec, superset, "utf-8"] if superset else [codec, "utf-8"]


def _line_codec(data: bytes, charset: str | None) -> str:
    """How to show a line: ascii, or the first codec that decodes it all, or else the one
    that leaves the fewest octets undecoded (those are shown as \\xNN)."""
    if data.isascii():
        return "ascii"
    candidates = _codecs_for(charset)
    for codec in candidates:
        try:
            data.decode(codec)
        except UnicodeDecodeError:
            continue
        return codec
    return min(candidates, key=lambda c: _UNDECODED.subn("", data.decode(c, "surrogateescape"))[1])


def _piece_segs(data: bytes, codec: str, charset: str | None, state: bytes):
    if not data:
        return [], state
    if codec == "ascii":
        if b"\x1b" in data:
            return _iso2022_segs(data, state)
        return list(_text_segs(data.decode("ascii"), "", "")), state
    text = data.decode(codec, "surrogateescape")
    if codec == "utf-8":
        mark, title = "u8", "8-bit text (UTF-8)"
    elif codec == mail_codec(charset):
        mark, title = "cs", f"8-bit text decoded as {charset}"
    else:
        mark, title = "cs", f"8-bit text decoded as {codec}, the usual superset of {charset}"
    where = "not valid UTF-8" if codec == "utf-8" else f"valid in neither {charset} nor UTF-8"
    return list(_text_segs(text, mark, title, where)), state


def line_segments(
    content: bytes, charset: str | None = None, marks: dict[int, list[Seg]] | None = None
) -> list[Seg]:
    """One line's content as segments to show, with ``marks`` inserted at 0-based octet positions.

    The content is never changed except for what cannot be shown as it is:
    controls, invisible characters and undecodable octets become visible tokens;
    a line longer than ``MAX_LINE_OCTETS`` is cut with a marker counting the rest.
    """
    marks = marks or {}
    shown = content[:MAX_LINE_OCTETS]
    if len(shown) < len(content):  # never cut a UTF-8 sequence in the middle
        end = len(shown)
        while end > len(shown) - 3 and 0x80 <= content[end] < 0xC0:
            end -= 1
        shown = content[:end]
    codec = _line_codec(shown, charset)
    segs: list[Seg] = []
    start = 0
    state = b"(B"
    late: list[Seg] = []
    # trailing white space is made visible (a folded line of blanks, a space before CRLF)
    trail = len(shown.rstrip(b" \t")) if len(shown) == len(content) else len(shown) + 1
    trailing = False
    for position in sorted(set(marks) | {trail}):
        if position > len(shown):
            late.extend(marks.get(position, ()))
            continue
        at = max(start, position)
        if codec == "utf-8":
            while start < at < len(shown) and 0x80 <= shown[at] < 0xC0:
                at -= 1
        piece, state = _piece_segs(shown[start:at], codec, charset, state)
        segs.extend(_as_trailing(piece) if trailing else piece)
        trailing = trailing or position == trail
        segs.extend(marks.get(position, ()))
        start = at
    piece, state = _piece_segs(shown[start:], codec, charset, state)
    segs.extend(_as_trailing(piece) if trailing else piece)
    if len(shown) < len(content):
        left = len(content) - len(shown)
        segs.append(("cut", f"… {left:,} more octets not shown", ""))
    segs.extend(late)
    return segs


def _as_trailing(segs: list[Seg]) -> list[Seg]:
    return [
        (f"{cls} ws".strip(), text, title or "trailing white space") for cls, text, title in segs
    ]


def _eol_class(terminator: bytes, form: str, last: bool) -> str:
    """The CSS class that shows a line's terminator after its text."""
    if terminator == b"\r\n":
        return "e-crlf"
    if terminator == b"\n":
        return "e-lfs" if form == "stored" else "e-lf"
    if terminator == b"\r":
        return "e-cr"
    return "e-none" if last else "e-crlf"


# --- the page's model -------------------------------------------------------------------------


def code_class(code: str) -> str:
    """A rule code as a CSS class and id fragment (codes come from the registry, not messages)."""
    if _SAFE_CODE.match(code):
        return code
    return "x" + code.encode().hex()


@dataclass
class FindingView:
    finding: Finding
    anchor: str  # the id of its line, when shown
    shown: bool
    classes: str
    title: str
    message: str


@dataclass
class LineView:
    number: int
    text: str | None  # the whole line, when it is plain printable ASCII with no mark
    segs: list[Seg]  # otherwise, its segments
    eol: str
    findings: list[FindingView]
    target: bool  # a link points here: it gets an id
    kind: str = "line"


@dataclass
class GapView:
    first: int
    last: int
    note: str
    kind: str = "gap"

    @property
    def count(self) -> int:
        return self.last - self.first + 1


@dataclass
class PartView:
    part: PartInfo
    label: str
    depth: int
    anchor: str | None


@dataclass
class MessageView:
    number: int
    report: Report
    name: str
    subject: str
    sender: str
    counts: dict[str, int]
    worst: str | None
    codes: list[str]
    pairs: list[str]
    findings: list[FindingView]
    more_findings: str
    parts: list[PartView]
    rows: list[LineView | GapView] = field(default_factory=list)
    short: str = ""  # the name under the inputs' common folder, for the index
    total_lines: int = 0
    shown_lines: int = 0
    source_note: str = ""
    show_source: bool = False

    @property
    def anchor(self) -> str:
        return f"m{self.number}"

    @property
    def classes(self) -> str:
        """Classes the filters read: which severities and codes the message holds."""
        if not self.report.findings:
            return "x k-clean"
        kinds = "".join(s[0] for s in ("error", "warning", "info") if self.counts[s])
        return " ".join(["x", f"k-{kinds}"] + [f"h-{code_class(c)}" for c in self.codes])

    @property
    def opened(self) -> bool:
        return bool(self.counts["error"] or self.counts["warning"])

    def sort_key(self) -> tuple[int, ...]:
        return (-self.counts["error"], -self.counts["warning"], -self.counts["info"], self.number)


@dataclass
class RuleView:
    rule: Rule
    count: int
    messages: int
    paragraphs: list[str]
    bad: list[str]
    good: list[str]

    @property
    def slug(self) -> str:
        return code_class(self.rule.code)


def _finding_title(f: Finding) -> str:
    where = f"line {f.line}, col {f.column}"
    return f"{f.code} {f.name} [{f.severity}]: {plain(f.message, 1000)} ({where})"


def _finding_view(number: int, f: Finding, first_line: int, shown: set[int]) -> FindingView:
    index = f.line - first_line
    return FindingView(
        finding=f,
        anchor=f"m{number}-L{f.line}",
        shown=index in shown,
        classes=f"f s-{f.severity} c-{code_class(f.code)}",
        title=_finding_title(f),
        message=plain(f.message, 1000),
    )


def _leaves(parts: list[PartInfo]) -> list[PartInfo]:
    """The parts that hold no other part (their line ranges do not overlap)."""
    out = []
    for i, part in enumerate(parts):
        nxt = parts[i + 1] if i + 1 < len(parts) else None
        if nxt is None or not (part.first_line <= nxt.first_line <= part.last_line):
            out.append(part)
    return out


def _charsets(parts: list[PartInfo], first_line: int, count: int) -> list[str | None]:
    """The declared charset of the leaf part each line belongs to (index: 0-based line)."""
    out: list[str | None] = [None] * count
    for part in _leaves(parts):
        if part.charset:
            start = max(part.first_line - first_line, 0)
            stop = min(part.last_line - first_line + 1, count)
            out[start:stop] = [part.charset] * max(stop - start, 0)
    return out


def _choose_lines(
    count: int, focus: Iterable[int], parts: list[PartInfo], first_line: int, whole: bool
) -> list[int]:
    """0-based indexes of the lines to show: all, or the ones that matter (see module doc)."""
    if whole and count <= FULL_SOURCE_LINES:
        return list(range(count))
    keep: set[int] = set()
    if whole:
        keep.update(range(min(HEAD_LINES, count)))
        keep.update(range(max(count - PART_TAIL_LINES, 0), count))
        for part in parts:
            start = part.first_line - first_line
            stop = part.last_line - first_line
            keep.update(range(max(start, 0), min(start + PART_HEAD_LINES, stop + 1, count)))
            keep.update(range(max(stop - PART_TAIL_LINES + 1, start, 0), min(stop + 1, count)))
    for index in focus:
        keep.update(range(max(index - CONTEXT_LINES, 0), min(index + CONTEXT_LINES + 1, count)))
    chosen = sorted(keep)
    # a gap of a line or two costs more to mark than to show
    filled: list[int] = []
    for index in chosen:
        if filled and 1 < index - filled[-1] <= SMALL_GAP + 1:
            filled.extend(range(filled[-1] + 1, index))
        filled.append(index)
    return filled


def _gap_note(first: int, last: int, leaves: list[PartInfo]) -> str:
    count = last - first + 1
    text = f"{count:,} line{'s' if count != 1 else ''} not shown (lines {first:,}–{last:,})"
    inside = [p for p in leaves if p.first_line <= first and last <= p.last_line]
    if inside:
        part = inside[0]
        where = f"in part {part.path}" if part.path else "in the message"
        text += f" {where}: {part.type}, {part.encoding}"
    return text


def _part_label(part: PartInfo) -> str:
    return part.path or "(message)"


class _Budget:
    def __init__(self, lines: int) -> None:
        self.left = lines


def _message_view(number: int, report: Report) -> MessageView:
    counts = report.counts()
    code_counts = Counter(f.code for f in report.findings)
    worst = report.worst()
    path = plain(report.path, limit=1000)
    return MessageView(
        number=number,
        report=report,
        name=path if report.index is None else f"{path} #{report.index}",
        subject=plain(report.subject),
        sender=plain(report.sender),
        counts={str(s): counts.get(s, 0) for s in SEVERITIES},
        worst=str(worst) if worst is not None else None,
        codes=sorted(code_counts, key=lambda c: (-code_counts[c], c)),
        pairs=sorted({f"{f.severity} {f.code}" for f in report.findings}),
        findings=[],
        more_findings="",
        parts=[],
    )


def _fill_source(view: MessageView, budget: _Budget) -> None:
    """Choose and build the lines, findings and parts a message shows."""
    report = view.report
    data = report.data if report.data is not None else b""
    raw_lines = data.splitlines(keepends=True)
    count = len(raw_lines)
    first_line = report.first_line
    view.total_lines = count
    findings = report.findings[:MAX_FINDINGS_SHOWN]
    left_out = report.findings[MAX_FINDINGS_SHOWN:]
    if left_out:
        more = Counter(f.code for f in left_out)
        listed = ", ".join(f"{c} ×{n:,}" for c, n in more.most_common(8))
        view.more_findings = f"{len(left_out):,} more findings not shown ({listed})"
    focus = {min(max(f.line - first_line, 0), max(count - 1, 0)) for f in findings}
    if report.data is None:
        view.source_note = "The source was not kept for this report."
        chosen: list[int] = []
    elif count == 0:
        view.source_note = "The message is empty."
        chosen = []
    else:
        whole_cost = count if count <= FULL_SOURCE_LINES else None
        if not report.findings:
            whole = budget.left >= (whole_cost or FULL_SOURCE_LINES)
            chosen = _choose_lines(count, (), report.parts, first_line, whole=True) if whole else []
            if not whole:
                view.source_note = "Clean message; its source is left out of this large report."
        else:
            whole = budget.left >= (whole_cost or FULL_SOURCE_LINES)
            chosen = _choose_lines(count, focus, report.parts, first_line, whole=whole)
            if not whole:
                view.source_note = (
                    "This report is large: only the lines around this message's findings are shown."
                )
        budget.left -= len(chosen)
    shown = set(chosen)
    view.findings = [_finding_view(view.number, f, first_line, shown) for f in findings]
    view.show_source = bool(chosen)
    view.shown_lines = len(chosen)

    # marks per line (0-based index) and per octet position
    per_line: dict[int, list[FindingView]] = {}
    for fv in view.findings:
        index = min(max(fv.finding.line - first_line, 0), max(count - 1, 0))
        per_line.setdefault(index, []).append(fv)
    charsets = _charsets(report.parts, first_line, count) if chosen else []
    targets = {part.first_line - first_line for part in report.parts}  # the MIME tree links here
    leaves = _leaves(report.parts)
    rows: list[LineView | GapView] = []
    previous = -1
    for index in chosen:
        if index > previous + 1:
            first, last = previous + 1 + first_line, index - 1 + first_line
            rows.append(GapView(first, last, _gap_note(first, last, leaves)))
        previous = index
        raw = raw_lines[index]
        content = raw.rstrip(b"\r\n")
        terminator = raw[len(content) :]
        line_findings = per_line.get(index, [])
        marks: dict[int, list[Seg]] = {}
        for fv in line_findings:
            position = max(fv.finding.column - 1, 0)
            marks.setdefault(position, []).append((f"mk {fv.classes}", "", fv.title))
        simple = (
            not marks
            and len(content) <= MAX_LINE_OCTETS
            and _PLAIN_LINE.match(content) is not None
            and content[-1:] not in (b" ", b"\t")
        )
        rows.append(
            LineView(
                number=index + first_line,
                text=content.decode("ascii") if simple else None,
                segs=[] if simple else line_segments(content, charsets[index], marks),
                eol=_eol_class(terminator, report.form, index == count - 1),
                findings=line_findings,
                target=bool(line_findings) or index in targets,
            )
        )
    if chosen and previous < count - 1:
        first, last = previous + 1 + first_line, count - 1 + first_line
        rows.append(GapView(first, last, _gap_note(first, last, leaves)))
    view.rows = rows
    view.parts = [
        PartView(
            part=part,
            label=_part_label(part),
            depth=min(part.depth, 12),
            anchor=f"m{view.number}-L{part.first_line}"
            if (part.first_line - first_line) in shown
            else None,
        )
        for part in report.parts
    ]


def _paragraphs(doc: str) -> list[str]:
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", doc) if p.strip()]


@dataclass
class Page:
    profile: str
    version: str
    fail_on: str
    messages: list[MessageView]
    index: list[MessageView]
    totals: dict[str, int]
    clean: int
    failing: int
    rules: list[RuleView]
    codes: list[str]
    errors: list
    data: dict[str, object]
    budget_note: str
    prefix: str

    @property
    def by_code(self) -> dict[str, RuleView]:
        return {r.rule.code: r for r in self.rules}


def build_page(results: Results, options: RenderOptions) -> Page:
    """Everything the template shows, computed once."""
    from maillint import __version__

    views = [_message_view(n, report) for n, report in enumerate(results.reports, start=1)]
    prefix = _common_folder([r.path for r in results.reports])
    for view in views:
        view.short = view.name[len(prefix) + 1 :] if prefix else view.name
    index = sorted(views, key=MessageView.sort_key)
    budget = _Budget(PAGE_LINE_BUDGET)
    for view in index:  # the worst messages get the line budget first
        _fill_source(view, budget)
    counts = results.counts()
    code_counts = results.code_counts()
    code_messages = Counter(code for v in views for code in v.codes)
    registry = all_rules()
    codes = sorted(code_counts, key=lambda c: (-code_counts[c], c))
    rules = []
    for code in sorted(code_counts):
        rule = registry.get(code)
        if rule is None:
            continue
        rules.append(
            RuleView(
                rule=rule,
                count=code_counts[code],
                messages=code_messages[code],
                paragraphs=_paragraphs(rule.doc),
                bad=show_bytes(rule.bad),
                good=show_bytes(rule.good),
            )
        )
    data = {
        "messages": [
            {
                "n": v.number,
                "name": v.name,
                "subject": v.subject,
                "from": v.sender,
                "error": v.counts["error"],
                "warning": v.counts["warning"],
                "info": v.counts["info"],
                "size": v.report.size,
                "pairs": v.pairs,
            }
            for v in views
        ],
    }
    trimmed = sum(1 for v in views if v.source_note and v.report.findings)
    budget_note = (
        f"The report is large: {trimmed:,} messages show only the lines around their findings."
        if trimmed
        else ""
    )
    return Page(
        profile=results.profile,
        version=__version__,
        fail_on=str(options.fail_on),
        messages=views,
        index=index,
        totals={str(s): counts.get(s, 0) for s in SEVERITIES},
        clean=sum(1 for v in views if not v.report.findings),
        failing=sum(1 for r in results.reports if r.fails(options.fail_on)),
        rules=rules,
        codes=codes,
        errors=[(plain(e.path, 1000), plain(e.message, 1000)) for e in results.errors],
        data=data,
        budget_note=budget_note,
        prefix=plain(prefix, limit=1000),
    )


def _common_folder(paths: list[str]) -> str:
    """The folder all inputs are under (the index shows names below it), or ""."""
    folders = {os.path.dirname(p) for p in paths}
    if len(paths) < 2 or "" in folders or len({os.path.isabs(f) for f in folders}) != 1:
        return ""
    try:
        common = os.path.commonpath(sorted(folders))
    except ValueError:
        return ""
    return (
        ""
        if common in ("", "/", ".") or not all(p.startswith(common + "/") for p in paths)
        else common
    )


# --- style, script, policy --------------------------------------------------------------------


@cache
def _asset(name: str) -> str:
    text = resources.files("maillint.report").joinpath("templates", name).read_text("utf-8")
    return text.replace("\r", "")


def _style(codes: list[str]) -> str:
    """The page's stylesheet: the static file, then the filter rules for the codes present."""
    rules = []
    for code in codes:
        c = code_class(code)
        rules.append(
            f"#code-{c}:checked~main .f:not(.c-{c}),"
            f"#code-{c}:checked~main .x:not(.h-{c}){{display:none}}\n"
            f"#code-{c}:checked~header .cur-{c}{{display:inline-block}}\n"
            f"#code-{c}:checked~main .pick-{c}{{background:var(--sel);font-weight:bold}}\n"
        )
    return _asset("report.css") + "".join(rules)


def _script() -> str:
    return _asset("report.js")


def csp_hash(text: str) -> str:
    """A CSP source expression for an inline element with exactly this text."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def content_security_policy(style: str, script: str) -> str:
    """Nothing but this page's own inline style and script: no fetch, no frame, no form."""
    return (
        "default-src 'none'; "
        f"style-src {csp_hash(style)}; "
        f"script-src {csp_hash(script)}; "
        "img-src 'none'; font-src 'none'; connect-src 'none'; frame-src 'none'; "
        "base-uri 'none'; form-action 'none'"
    )


@cache
def _environment() -> jinja2.Environment:
    import jinja2  # here, not at the top: only this format pays for importing it

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("maillint.report", "templates"),
        autoescape=True,  # explicit: select_autoescape() does not know a .j2 name
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["code_class"] = code_class
    env.filters["num"] = "{:,}".format
    return env


def render(results: Results, options: RenderOptions) -> str:
    """The whole page, one self-contained HTML document."""
    from markupsafe import Markup

    page = build_page(results, options)
    style = _style(page.codes)
    script = _script()
    for text, tag in ((style, "</style"), (script, "</script")):
        if tag in text.lower():  # our own files; a guard, not a sanitizer
            raise ValueError(f"inline asset contains {tag}")
    template = _environment().get_template("report.html.j2")
    return template.render(
        page=page,
        style=Markup(style),  # our stylesheet, not message text
        script=Markup(script),  # our script, not message text
        csp=content_security_policy(style, script),
        severities=[str(s) for s in SEVERITIES],
    )
