"""What every repair works with: the ``Context`` of one pass (settings, places,
signed content), the ``REPAIRS`` table and its ``repairs`` decorator, and the
helpers more than one repair needs.

The repair modules import from here and from ``model`` only (and ``words``
and ``reencode`` for what they share), so a repair can be read on its own.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from maillint.decode import body_span
from maillint.findings import Finding
from maillint.fix.model import Edit, Fix, FixOptions, Skip
from maillint.mime import Part
from maillint.parse import HeaderField, ParsedMessage
from maillint.profiles import Profile
from maillint.source import terminator_of

CRLF, LF, CR = b"\r\n", b"\n", b"\r"
WSP = b" \t"
CTE = "Content-Transfer-Encoding"
IDENTITY = frozenset({"7bit", "8bit"})
EIGHT_BIT = re.compile(rb"[\x80-\xff]")
# A CR not followed by LF and not right after "=" (a quoted-printable soft break).
BARE_CR_NOT_SOFT = re.compile(rb"(?<!=)\r(?!\n)")
DKIM_FIELDS = frozenset({"dkim-signature", "arc-message-signature"})
# A DKIM tag (RFC 6376 3.2): name = value, up to the next ";".
DKIM_TAG = re.compile(rb"([A-Za-z][A-Za-z0-9_]*)[ \t\r\n]*=([^;]*)")


# -- the context a repair works in ----------------------------------------------


@dataclass(frozen=True)
class Signed:
    """A range of the octets that a signature covers, and whose signature."""

    start: int
    end: int
    why: str


class Context:
    """One pass: the parsed message, its settings, and lookups the repairs share."""

    def __init__(
        self,
        message: ParsedMessage,
        profile: Profile,
        overlays: list[Profile],
        options: FixOptions,
        base: int,
        findings: list[Finding] | None = None,
    ) -> None:
        self.message = message
        self.findings = findings or []
        self.source = message.source
        self.data = message.source.data
        self.profile = profile
        self.overlays = overlays
        self.options = options
        self.base = base
        self.eol = LF if message.form == "stored" else CRLF
        self._owners: tuple[list[int], list[tuple[int, Part, bool]]] | None = None
        self._signed: tuple[list[Signed], set[str], str] | None = None

    # -- settings

    def param(self, code: str, key: str, default: Any) -> Any:
        """A rule parameter as the run uses it: a carrier overlay's, else the profile's."""
        for overlay in reversed(self.overlays):
            setting = overlay.settings.get(code)
            if setting is not None and key in setting.params:
                return setting.params[key]
        setting = self.profile.settings.get(code)
        if setting is not None and key in setting.params:
            return setting.params[key]
        return default

    def enabled(self, code: str) -> bool:
        setting = self.profile.settings.get(code)
        return setting is not None and setting.severity is not None

    # -- places

    def offset(self, finding: Finding) -> int:
        """A finding's offset in this message's octets."""
        return finding.offset - self.base

    def line_of(self, finding: Finding) -> int:
        return self.source.line_index_at(self.offset(finding))

    def owner(self, index: int) -> tuple[Part, HeaderField | None] | None:
        """The part whose header (with the field) or leaf body holds line ``index``."""
        if self._owners is None:
            spans: list[tuple[int, Part, bool]] = []
            starts: list[int] = []
            for part in self.message.mime.walk():
                spans.append((part.start, part, True))
                if not part.children:
                    spans.append((part.body_start, part, False))
            spans.sort(key=lambda item: item[0])
            starts = [start for start, _, _ in spans]
            self._owners = starts, spans
        starts, spans = self._owners
        position = bisect_right(starts, index) - 1
        while position >= 0:
            start, part, is_header = spans[position]
            stop = part.body_start if is_header else part.end
            if start <= index < stop:
                if not is_header:
                    return part, None
                found = _field_at_line(part.header.fields, index)
                return (part, found) if found is not None else None
            if start < index and not is_header:
                return None  # in a part's body range but past its end: a delimiter line
            position -= 1
        return None

    def leaf(self, path: str | None) -> Part | None:
        """The leaf part at a finding's path (None: the message itself)."""
        wanted = path or ""
        for part in self.message.mime.walk():
            if part.path == wanted and not part.children:
                return part
        return None

    def also(self, part: Part, codes: tuple[str, ...]) -> set[str]:
        """Which of ``codes`` are reported for a part's body (TE by its path, LN by its lines)."""
        found = set()
        for finding in self.findings:
            if finding.code not in codes:
                continue
            if finding.code.startswith("LN"):
                index = self.line_of(finding)
                if part.body_start <= index < part.end and not part.children:
                    found.add(finding.code)
            elif (finding.part or "") == part.path:
                found.add(finding.code)
        return found

    def field_of(self, finding: Finding) -> HeaderField | None:
        """The header field that holds a finding's offset: in the message's
        header, or in the header of the MIME part the finding names (HD rules
        report the header sections of parts too)."""
        offset = self.offset(finding)
        path = finding.part or ""
        for part in self.message.mime.walk():
            if part.path != path:
                continue
            for header_field in part.header.fields:
                if header_field.start <= offset < header_field.end:
                    return header_field
        return None

    # -- signatures

    def _signatures(self) -> tuple[list[Signed], set[str], str]:
        if self._signed is None:
            self._signed = _signed_content(self.message)
        return self._signed

    def signed_ranges(self) -> list[Signed]:
        return self._signatures()[0]

    def refuses(self, fix: Fix) -> str | None:
        """Why a fix may not be applied without ``force``: the signature it breaks."""
        ranges, names, signer = self._signatures()
        for edit in fix.edits:
            for signed in ranges:
                if _inside(edit, signed.start, signed.end):
                    return signed.why
        for name in fix.adds:
            if name.lower() in names:
                return f"{signer} signs the {name} field (h=): adding one breaks it"
        return None


def _field_at_line(fields: list[HeaderField], index: int) -> HeaderField | None:
    position = bisect_right([f.first_line for f in fields], index) - 1
    if position >= 0 and fields[position].last_line >= index:
        return fields[position]
    return None


def _inside(edit: Edit, start: int, end: int) -> bool:
    """Whether an edit changes octets of ``[start, end)`` (an insertion: strictly inside)."""
    if edit.start == edit.end:
        return start < edit.start < end
    return edit.start < end and start < edit.end


def _signed_content(message: ParsedMessage) -> tuple[list[Signed], set[str], str]:
    """The signed ranges, the field names DKIM signs, and who signs (for messages)."""
    ranges: list[Signed] = []
    names: set[str] = set()
    signers: list[str] = []
    header = message.header
    for header_field in header.fields:
        if header_field.key not in DKIM_FIELDS:
            continue
        tags = {m.group(1).lower(): m.group(2) for m in DKIM_TAG.finditer(header_field.value)}
        listed = tags.get(b"h", b"").replace(b" ", b"").replace(b"\t", b"")
        names |= {n.decode("latin-1").lower() for n in listed.split(b":") if n}
        domain = tags.get(b"d", b"").strip(b" \t").decode("latin-1")
        signers.append(f"{header_field.name} (d={domain})" if domain else header_field.name)
    signer = signers[0] if signers else ""
    if signers:
        names |= DKIM_FIELDS
        ranges.append(
            Signed(message.body_offset, len(message.source.data), f"{signer} signs the body")
        )
        for header_field in header.fields:
            if header_field.key in names:
                ranges.append(
                    Signed(
                        header_field.start,
                        header_field.end,
                        f"{signer} signs the {header_field.name} field",
                    )
                )
    source = message.source
    for part in message.mime.walk():
        if part.type == "multipart/signed" and part.body_start < part.end:
            start, end = body_span(source, part)
            where = f"part {part.path}" if part.path else "the message"
            ranges.append(
                Signed(start, end, f"{where} is multipart/signed: its signature covers it")
            )
    return ranges, names, signer


# -- the table of repairs ---------------------------------------------------------

Repair = Callable[[Context, list[Finding]], Iterator[Fix | Skip]]
REPAIRS: dict[str, Repair] = {}


def repairs(*codes: str) -> Callable[[Repair], Repair]:
    """Declare a repair for rule ``codes``; declaration order is priority order
    (across modules, the order in which ``loop`` imports them)."""

    def register(function: Repair) -> Repair:
        for code in codes:
            if code in REPAIRS:
                raise ValueError(f"two repairs for {code}")
            REPAIRS[code] = function
        return function

    return register


# -- shared helpers ----------------------------------------------------------------


def _count(number: int, word: str) -> str:
    return f"{number} {word}" + ("" if number == 1 else "s")


def _part_label(part: Part) -> str:
    if not part.path:
        return "the message body"
    return f"part {part.path}" + (" (forwarded message)" if part.embedded else "")


def _line_terminator(source, index: int) -> bytes:
    return terminator_of(source.raw_lines[index])


def _content_end(source, header_field: HeaderField) -> int:
    """Offset just past a field's last octet before its line break."""
    return header_field.end - len(_line_terminator(source, header_field.last_line))


def _append_params(ctx: Context, header_field: HeaderField, params: list[bytes]) -> Edit:
    """An edit that adds parameters at the end of a field, folding before each
    one that would make its line too long."""
    limit = int(ctx.param("LN002", "max-chars", 78))
    value = header_field.value
    kept = value.rstrip(WSP)
    if kept.endswith(b";"):
        kept = kept[:-1].rstrip(WSP)
    start = header_field.offset_of(len(kept)) if kept else header_field.value_offset
    end = _content_end(ctx.source, header_field)
    line_start = ctx.source.starts[ctx.source.line_index_at(start)]
    column = start - line_start
    out = b""
    for param in params:
        first_line = param.split(ctx.eol, 1)[0]
        if column + 2 + len(first_line) > limit:
            out += b";" + ctx.eol + b" " + param
        else:
            out += b"; " + param
        column = len(out.rsplit(ctx.eol, 1)[-1]) if ctx.eol in out else column + 2 + len(param)
    return Edit(start, end, out)


def _is_root(ctx: Context, part: Part) -> bool:
    return part is ctx.message.mime


def _header_insert(ctx: Context, part: Part, lines: list[bytes]) -> Edit | str:
    """An insertion of new fields at the end of a part's header, or why not."""
    header = part.header
    if header.separator is None:
        return "its header section has no empty line after it"
    if header.fields:
        last = header.fields[-1]
        if not _line_terminator(ctx.source, last.last_line):
            return "its last header line has no line break"
        offset = last.end
    else:
        offset = ctx.source.starts[header.separator]
    return Edit(offset, offset, b"".join(line + ctx.eol for line in lines))


def _mime_version_needed(ctx: Context, part: Part) -> list[bytes]:
    """``MIME-Version: 1.0`` when a Content-* field is added to a message without one."""
    if _is_root(ctx, part) and ctx.message.header.get("mime-version") is None:
        return [b"MIME-Version: 1.0"]
    return []


def _set_encoding(ctx: Context, part: Part, token: bytes) -> tuple[list[Edit], tuple[str, ...]]:
    """Edits that declare a part's Content-Transfer-Encoding (and names of added fields)."""
    found = part.header.get_all(CTE)
    if len(found) > 1:
        raise _Refused("it has more than one Content-Transfer-Encoding field")
    if found:
        existing = found[0]
        return [Edit(existing.value_offset, _content_end(ctx.source, existing), b" " + token)], ()
    extra = _mime_version_needed(ctx, part)
    edit = _header_insert(ctx, part, [*extra, b"Content-Transfer-Encoding: " + token])
    if isinstance(edit, str):
        raise _Refused(edit)
    return [edit], ("MIME-Version", CTE) if extra else (CTE,)


def _with_version(adds: tuple[str, ...]) -> str:
    return ", with MIME-Version: 1.0" if "MIME-Version" in adds else ""


class _Refused(Exception):
    """Raised inside a repair's helpers: this thing cannot be repaired, and why."""


def _qp_line_ends(raw: bytes) -> bytes:
    """A quoted-printable body with its line ends made LF, as its decoder reads
    them: CRLF and LF are one hard line break, a bare CR a line break too,
    except right after "=" (decoders read "=" CR ... LF as one soft break)."""
    return BARE_CR_NOT_SOFT.sub(LF, raw).replace(CRLF, LF)
