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
    Context,
    _append_params,
    _header_insert,
    _is_root,
    _part_label,
    _Refused,
    repairs,
)
from maillint.fix.model import Edit, Fix, Skip
from maillint.fix.words import Replacement, _ascii_compatible, _next_word
from maillint.mimeparams import Param
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
    # RFC 2047 2: a line holding an encoded word has at most 76 characters
    # (EW006).  The first word follows ' key="'; each later one a space, and
    # the last is followed by the closing quote.
    room = 73 - len(key)
    while at < len(text):
        word, at = _next_word(rep, at, room)
        words.append(word)
        room = 74
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


def _file_text(name) -> str:
    text = name.text
    if any(0xD800 <= ord(char) <= 0xDFFF for char in text):
        raise _Refused("the charset of the file name cannot be told")
    if "=?" in text:
        # Found by the long fuzz run: a decoded name that is itself "=?...?=",
        # copied plain, would be read (and judged, EW002) as an encoded word.
        raise _Refused("the file name itself looks like an RFC 2047 encoded word")
    return text


# -- HD006 in Content-Type and Content-Disposition: raw 8-bit file names -----------

FILE_NAME_PARAMS = frozenset({"name", "filename"})


def encode_raw_names(ctx: Context, header_field: HeaderField, hint: str | None) -> Fix:
    """HD006's repair for a Content-Type or Content-Disposition field: each
    ``name`` or ``filename`` written in raw 8-bit octets is rewritten in the
    form AT002's repair writes: RFC 2231 (``filename*=UTF-8''...``), or RFC 2047
    in the carrier's charset under a Japanese carrier profile, whose handsets
    read only that.  Anything else with 8-bit octets in the field is refused:
    there is no standard place for it."""
    from maillint.fix.words import _read_octets  # words imports this module's users
    from maillint.mimeparams import parse_content_type, parse_disposition

    text = header_field.text()
    parse_value = parse_content_type if header_field.key == "content-type" else parse_disposition
    parsed = parse_value(text)
    if parsed.problems or parsed.duplicates:
        raise _Refused("it does not parse, or repeats a parameter")
    raw = [param for param in parsed.params.values() if not param.raw.isascii()]
    if not raw or any(
        param.name not in FILE_NAME_PARAMS or param.form not in ("token", "quoted")
        for param in raw
    ):
        raise _Refused("8-bit octets outside a plain name or filename parameter")
    if not _without(text, raw).isascii():
        raise _Refused("8-bit octets outside a plain name or filename parameter")
    octets = [param.value.encode("ascii", "surrogateescape") for param in raw]
    codec = _read_octets(octets, hint)
    if codec is None:
        raise _Refused("the charset of the file name cannot be told")
    form = "rfc2047" if _carrier_charsets(ctx) else "rfc2231"
    edits = []
    for param, name_octets in zip(raw, octets, strict=True):
        name_text = name_octets.decode(codec)
        if "=?" in name_text:
            raise _Refused("the file name itself looks like an RFC 2047 encoded word")
        written = (b";" + ctx.eol + b" ").join(_name_params(ctx, param.name, name_text, form=form))
        edits.append(_replace_param(ctx, header_field, text, param, written))
    names = " and ".join(param.name for param in raw)
    return Fix(
        ("HD006",),
        tuple(edits),
        f"{header_field.name}: raw 8-bit {names} written in {form.upper().replace('RFC', 'RFC ')}"
        f" form (octets read as {mime_name(codec)})",
    )


def _without(text: str, params: list[Param]) -> str:
    """A field's text with ``params`` (name, ``=`` and value as written) cut out."""
    pieces, position = [], 0
    for start, end in sorted((p.index, text.index(p.raw, p.index) + len(p.raw)) for p in params):
        pieces.append(text[position:start])
        position = end
    return "".join(pieces) + text[position:]


def _replace_param(
    ctx: Context, header_field: HeaderField, text: str, param: Param, written: bytes
) -> Edit:
    """An edit that puts ``written`` where ``param`` stands, with the white space
    before it; on a line of its own when it would not fit on the current one.
    White space that starts a continuation line stays (a line break before it
    would make an empty line, the end of the header section)."""
    end = text.index(param.raw, param.index) + len(param.raw)
    start = param.index
    while start > 0 and text[start - 1] in " \t":
        start -= 1
    offset = header_field.offset_of(start)
    column = offset - ctx.source.starts[ctx.source.line_index_at(offset)]
    limit = int(ctx.param("LN002", "max-chars", 78))
    first_line = written.split(ctx.eol, 1)[0]
    fits = column == 0 or column + 1 + len(first_line) <= limit  # column 0: a continuation line
    lead = b" " if fits else ctx.eol + b" "
    return Edit(offset, header_field.offset_of(end - 1) + 1, lead + written)


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
