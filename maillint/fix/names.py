"""Repairs of attachment names (AT002, AT003, AT004): the missing ``name`` or
``filename`` parameter copied from the other, in the form readers expect
(plain, RFC 2231, or RFC 2047 for Japanese carriers).

Apart because it is about parameters and carriers, not header text; it
borrows the writing of encoded words from ``words``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from maillint.charsets import codec_for, mime_name
from maillint.findings import Finding
from maillint.fix.context import (
    WSP,
    Context,
    _content_end,
    _header_insert,
    _is_root,
    _part_label,
    _Refused,
    repairs,
)
from maillint.fix.model import Edit, Fix, Skip
from maillint.fix.words import Replacement, _ascii_compatible, _next_word
from maillint.parse import HeaderField

# -- AT002, AT003, AT004: attachment names ------------------------------------------

# RFC 2231 7: attribute-char, what an extended value may hold unescaped.
ATTRIBUTE_CHARS = frozenset(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$&+-.^_`|~"
)
# A value that a plain quoted string can carry (RFC 2045 5.1, RFC 5322 3.2.4).
PLAIN_NAME = re.compile(r"[\x20-\x7e]+")
SECTION = 60  # characters of an RFC 2231 section or RFC 2047 word in a parameter


def _quoted(text: str) -> bytes:
    return b'"' + text.encode("ascii").replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'


def _rfc2231(key: str, text: str) -> list[bytes]:
    """``key*=UTF-8''...``, in numbered sections when long (RFC 2231 3, 4)."""
    escaped = [
        bytes((octet,)) if octet in ATTRIBUTE_CHARS else b"%%%02X" % octet
        for octet in text.encode("utf-8")
    ]
    value = b"".join(escaped)
    name = key.encode("ascii")
    if len(value) <= SECTION:
        return [name + b"*=UTF-8''" + value]
    sections: list[bytes] = []
    current = b"UTF-8''"
    for piece in escaped:
        if len(current) + len(piece) > SECTION:
            sections.append(current)
            current = b""
        current += piece
    sections.append(current)
    return [name + b"*%d*=" % number + section for number, section in enumerate(sections)]


def _rfc2047_quoted(key: str, text: str, charsets: list[str], eol: bytes) -> list[bytes]:
    """``key="=?charset?B?...?="``, words folded inside the quotes, in the first
    of ``charsets`` that holds the text (UTF-8 otherwise)."""
    codec, label = "utf-8", "UTF-8"
    for candidate in charsets:
        found = codec_for(candidate)
        if found is None or not _ascii_compatible(found):
            continue
        try:
            text.encode(found)
        except UnicodeError:
            continue
        codec, label = found, mime_name(found)
        break
    rep = Replacement(0, 0, text, codec, label, "B")
    words = []
    at = 0
    while at < len(text):
        word, at = _next_word(rep, at, SECTION + len(label) + 7)
        words.append(word)
    return [key.encode("ascii") + b'="' + (eol + b" ").join(words) + b'"']


def _name_params(ctx: Context, key: str, text: str, *, form: str) -> list[bytes]:
    """A file-name parameter: plain when the name is printable ASCII, else ``form``."""
    if PLAIN_NAME.fullmatch(text):
        return [key.encode("ascii") + b"=" + _quoted(text)]
    if form == "rfc2047":
        return _rfc2047_quoted(key, text, _carrier_charsets(ctx), ctx.eol)
    return _rfc2231(key, text)


def _carrier_charsets(ctx: Context) -> list[str]:
    """The charsets a Japanese carrier profile expects (CR005's), or none."""
    found = ctx.param("CR005", "charsets", [])
    on = ctx.enabled("CR005") or any(
        setting is not None and setting.severity is not None
        for setting in (overlay.settings.get("CR005") for overlay in ctx.overlays)
    )
    return [str(label) for label in found] if on and isinstance(found, list | tuple) else []


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


def _file_text(name) -> str:
    text = name.text
    if any(0xD800 <= ord(char) <= 0xDFFF for char in text):
        raise _Refused("the charset of the file name cannot be told")
    if "=?" in text:
        # Found by the long fuzz run: a decoded name that is itself "=?...?=",
        # copied plain, would be read (and judged, EW002) as an encoded word.
        raise _Refused("the file name itself looks like an RFC 2047 encoded word")
    return text


@repairs("AT002", "AT003", "AT004")
def attachment_names(ctx: Context, findings: list[Finding]) -> Iterator[Fix | Skip]:
    """The missing ``name`` or ``filename`` added from the other one."""
    from maillint.checks.attachments import analyse

    wanted: dict[str | None, set[str]] = {}
    for finding in findings:
        wanted.setdefault(finding.part, set()).add(finding.code)
    for attachment in analyse(ctx.message).attachments:
        codes = wanted.pop(attachment.path, None)
        if codes is None or attachment.protocol:
            continue
        try:
            yield _name_fix(ctx, attachment, codes)
        except _Refused as refused:
            for code in sorted(codes):
                yield Skip(code, f"{_part_label(attachment.part)}: {refused}")
    for codes in wanted.values():
        for code in sorted(codes):
            yield Skip(code, "the part was not found")


def _name_fix(ctx: Context, attachment, codes: set[str]) -> Fix:
    part = attachment.part
    label = _part_label(part)
    if "AT002" in codes or "AT004" in codes:
        source = (
            attachment.filename if "AT002" in codes else (attachment.filename or attachment.name)
        )
        if source is None:
            raise _Refused("no file name to copy")
        text = _file_text(source)
        content_type = part.header.get_all("content-type")
        if len(content_type) != 1 or part.content_type is None or part.content_type.problems:
            raise _Refused("it needs one Content-Type field that parses")
        if "AT002" in codes and "name" in part.content_type.params:
            raise _Refused("its Content-Type has an empty name parameter")
        if PLAIN_NAME.fullmatch(text) or _carrier_charsets(ctx):
            form = "rfc2047"  # printable ASCII stays plain; a carrier's handsets read RFC 2047
        elif "AT002" in codes:
            form = "rfc2231"  # the standard form; a plain fallback (AT004) would need RFC 2047
        else:
            raise _Refused(
                "a non-ASCII name has no standard plain form: RFC 2047 in a parameter is what "
                "Japanese handsets read (the jp-mobile profiles add it) but not standard (EW004)"
            )
        params = _name_params(ctx, "name", text, form=form)
        edit = _append_params(ctx, content_type[0], params)
        fixed = codes & {"AT002", "AT004"} if form == "rfc2047" else {"AT002"}
        how = "" if PLAIN_NAME.fullmatch(text) else f" ({form.upper().replace('RFC', 'RFC ')})"
        return Fix(
            tuple(sorted(fixed)),
            (edit,),
            f"{label}: Content-Type name added from the file name{how}",
        )
    source = attachment.name
    if source is None:
        raise _Refused("no file name to copy")
    text = _file_text(source)
    params = _name_params(ctx, "filename", text, form="rfc2231")
    disposition = part.header.get_all("content-disposition")
    if len(disposition) > 1:
        raise _Refused("it has more than one Content-Disposition field")
    if disposition:
        from maillint.mimeparams import parse_disposition

        parsed = parse_disposition(disposition[0].text())
        if parsed.problems or "filename" in parsed.params:
            raise _Refused("its Content-Disposition does not parse or has an empty filename")
        edit = _append_params(ctx, disposition[0], params)
        adds: tuple[str, ...] = ()
    else:
        # Text was shown inline without a disposition; anything else is a file.
        kind = b"inline" if part.maintype == "text" else b"attachment"
        field_line = b"Content-Disposition: " + kind + b";"
        joined = (b";" + ctx.eol + b" ").join(params)
        line = field_line + b" " + joined
        if len(field_line) + 1 + len(params[0].split(ctx.eol, 1)[0]) > 78:
            line = field_line + ctx.eol + b" " + joined
        found = _header_insert(ctx, part, [line])
        if isinstance(found, str):
            raise _Refused(found)
        edit = found
        adds = ("Content-Disposition",) if _is_root(ctx, part) else ()
    return Fix(
        ("AT003",),
        (edit,),
        f"{label}: Content-Disposition filename added from Content-Type name",
        adds=adds,
    )
