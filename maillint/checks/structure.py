"""MM: MIME structure (RFC 2045, 2046, 2183), over the MIME tree of ``maillint.mime``.

The tree is built once, in one forward pass, and records what these rules
report: each part's header section, its boundary, the line indexes of its
delimiters and close-delimiter, where descent stopped.  The rules only read
it.  Each walks the tree a bounded number of times and looks at each field or
line once, so 100,000 sibling parts or nesting 10,000 deep cost linear time;
nothing here raises on any input.  A finding names the part (``Hit.part``:
its path, ``None`` for the message itself) and, where there is one, the field.

Decisions where the catalog is silent:

* MM001: MIME-Version counts as 1.0 once comments and white space are
  removed (RFC 2045 4 shows ``1.0 (produced by MetaSend Vx.x)`` and
  ``(produced by MetaSend Vx.x) 1.0`` as equivalent); leading zeros are
  harmless (``1.00``).  Any other version, or garbage, is reported at the
  value whenever the field is present.  Content-Length is not a MIME field
  (mbox writers add it) and does not count as a Content-* field.  Only the
  message's own header is judged, not those of message/rfc822 parts: RFC
  2045 4 requires MIME-Version there only "if the embedded message is itself
  claimed to be MIME-conformant", and forwarded or bounced headers are not
  the sender's to fix.
* MM002 and MM009 also report a second Content-Type (Content-Disposition)
  field in the same header, and a parameter written twice in the same form
  (RFC 6838 4.3: "It is an error for a specific parameter to be specified
  more than once"): receivers disagree on which one applies, which is how
  attachment filters are bypassed (``name="a.txt"; name="b.exe"``).  A plain
  parameter beside its RFC 2231 form (``filename=`` with ``filename*=``) is
  the fallback RFC 2231 readers expect, not a repeat.  A repeated
  ``boundary`` is MM010's.
* MM004: an empty ``boundary=""`` is an invalid boundary (RFC 2046: 1 to 70
  bchars), not a missing one.
* MM005 also reports a multipart whose only delimiter is the close-delimiter:
  it has no body part, which RFC 2046 5.1.1 requires.
* MM006 points at the line where the multipart ends: the enclosing
  delimiter that cut it off, or the last line of the message.
* MM008: a text/html part has a text alternative when some enclosing
  multipart/alternative has another child that offers text/plain: a
  text/plain part, a multipart/alternative holding one, or another multipart
  (related, mixed, signed...) whose first part offers it.  multipart/related
  and the other multiparts are transparent on the way up, so
  alternative[text/plain, related[text/html, image]] is fine, and
  mixed[text/plain, text/html] is not (two bodies, no alternative).  An HTML
  file (Content-Disposition attachment, or a ``name`` or ``filename``
  parameter) is not body text and is not judged, nor is a text/plain file an
  alternative; messages inside message/rfc822 parts are forwarded mail, not
  the sender's to fix.
* MM009: unknown disposition types are fine: RFC 2183 2.8 says to treat them
  as ``attachment``.  ``size`` must be digits (RFC 2183 2.7).
* MM010: a nested boundary is reported when it equals an enclosing one, when
  an enclosing one is a prefix of it (RFC 2046 5.1.1: readers may match a
  delimiter by how the line starts, so ``--outerX`` also delimits the outer
  multipart, and the outer delimiter must not appear inside its parts "as
  the prefix of any line"), and when it is a prefix of an enclosing one (the
  catalog's wording: a reader that matches by prefix takes the outer
  delimiter lines for the inner multipart's).  Each boundary is looked up
  among the prefixes of the enclosing ones, at most 70 look-ups however deep
  the nesting; an enclosing boundary longer than 70 octets (already an MM004
  error) is compared for equality only.  A second ``boundary`` parameter is
  reported when it repeats one in the same field and form, or when its
  value differs from the first (in any field or form: the ambiguity itself).
* MM011: a short preamble (at most 500 octets) that mentions MIME is the
  conventional note for readers that do not understand MIME ("This is a
  multi-part message in MIME format.", OpenPGP and S/MIME notices, DSN
  notes) and is not reported; any other non-blank preamble, and any
  non-blank epilogue, is.  One finding per preamble and per epilogue, at its
  first non-blank octet.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping

from maillint.checks.examples import message
from maillint.findings import Hit
from maillint.mime import Part
from maillint.mimeparams import Param, ParsedValue, parse_content_type, parse_disposition
from maillint.parse import HeaderField, ParsedMessage
from maillint.registry import rule
from maillint.source import Source

# RFC 2046 5.1.1: bcharsnospace := DIGIT / ALPHA / "'" / "(" / ")" / "+" / "_"
# / "," / "-" / "." / "/" / ":" / "=" / "?"; bchars adds the space, which may
# not end the boundary.  Matched on the decoded str value of the parameter.
NOT_BCHAR = re.compile(r"[^0-9A-Za-z'()+_,\-./:=? ]")
MAX_BOUNDARY = 70
# RFC 2045 4: version := "MIME-Version" ":" 1*DIGIT "." 1*DIGIT, with comments.
VERSION = re.compile(rb"([0-9]+)\.([0-9]+)")
# What a comment scan stops at: a quoted pair or a parenthesis (comments nest).
COMMENT_SPECIAL = re.compile(rb"\\.|[()]", re.DOTALL)
WHITE_SPACE = b" \t\r\n"
# The first octet of text that a reader would have to show.
NON_BLANK = re.compile(rb"[^ \t\r\n]")
MIME_WORD = re.compile(rb"mime", re.IGNORECASE)
NOTICE_LIMIT = 500
DIGITS = re.compile(r"[0-9]+")
# Parameters that RFC 2231 may carry in two forms, plain and extended.
PLAIN_FORMS = ("token", "quoted")

MIME = b"MIME-Version: 1.0\r\n"


def _multipart(params: bytes, body: bytes, *, subtype: bytes = b"mixed") -> bytes:
    """An example message: MIME-Version, a multipart Content-Type, the body."""
    return message(
        extra=MIME + b"Content-Type: multipart/" + subtype + b"; " + params + b"\r\n", body=body
    )


def _nested(depth: int) -> bytes:
    """An example message with multiparts nested ``depth`` deep around one text part."""
    head = b"".join(
        b"Content-Type: multipart/mixed; boundary=n%d_\r\n\r\n--n%d_\r\n" % (i, i)
        for i in range(1, depth)
    )
    tail = b"".join(b"--n%d_--\r\n" % i for i in range(depth - 1, 0, -1))
    return _multipart(
        b"boundary=n0_", b"--n0_\r\n" + head + b"\r\nleaf\r\n" + tail + b"--n0_--\r\n"
    )


TWO_PARTS = b"--b\r\n\r\none\r\n--b\r\n\r\ntwo\r\n--b--\r\n"
ALTERNATIVE = (
    b"--a\r\nContent-Type: text/plain\r\n\r\nHello\r\n"
    b"--a\r\nContent-Type: text/html\r\n\r\n<p>Hello</p>\r\n--a--\r\n"
)


# -- helpers -----------------------------------------------------------------


def _part(part: Part) -> str | None:
    """The part as findings name it: its path, None for the message itself."""
    return part.path or None


def _show(text: str | bytes, limit: int = 40) -> str:
    """Text safe to put in a message: ASCII only, bounded."""
    if isinstance(text, bytes):
        text = text.decode("ascii", "surrogateescape")
    shown = text[:limit].encode("ascii", "backslashreplace").decode("ascii")
    return shown + "..." if len(text) > limit else shown


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _line_offset(source: Source, index: int) -> int:
    """Offset of the line at ``index``; the end of the data past the last line."""
    return source.starts[index] if index < len(source) else len(source.data)


def _anchor(message: ParsedMessage, part: Part) -> tuple[int, str | None]:
    """Where a finding about a part points: its Content-Type field, else its header."""
    header_field = part.header.get("content-type")
    if header_field is not None:
        return header_field.start, header_field.name
    return _line_offset(message.source, part.start), None


def _boundary_param(part: Part) -> tuple[HeaderField, Param] | None:
    """The Content-Type field and the ``boundary`` parameter the tree uses."""
    parsed = part.content_type
    header_field = part.header.get("content-type")
    if parsed is None or header_field is None:
        return None
    param = parsed.params.get("boundary")
    return None if param is None else (header_field, param)


def _parsed_fields(
    part: Part, name: str, parse: Callable[[str], ParsedValue]
) -> Iterator[tuple[HeaderField, ParsedValue]]:
    """Every field ``name`` of the part, parsed (the first Content-Type from the cache)."""
    for number, header_field in enumerate(part.header.get_all(name)):
        if number == 0 and name == "content-type" and part.content_type is not None:
            yield header_field, part.content_type
        else:
            yield header_field, parse(header_field.text())


def _repeats(params: list[Param]) -> Iterator[tuple[Param, Param]]:
    """(later, earlier) for each parameter written again in the same form.

    ``params`` in file order.  A plain ``name=`` beside ``name*=`` is the
    fallback that RFC 2231 readers expect, not a repeat.
    """
    seen: dict[tuple[str, bool], Param] = {}
    for param in params:
        key = (param.name, param.form in PLAIN_FORMS)
        earlier = seen.setdefault(key, param)
        if earlier is not param:
            yield param, earlier


def _written(parsed: ParsedValue, name: str | None = None) -> list[Param]:
    """The parameters as written (winners and duplicates), in file order."""
    found = [*parsed.params.values(), *parsed.duplicates]
    if name is not None:
        found = [param for param in found if param.name == name]
    return sorted(found, key=lambda param: param.index)


def _field_problems(
    header_field: HeaderField, parsed: ParsedValue, what: str, part: Part
) -> Iterator[Hit]:
    """The first syntax problem of a parsed field, with the count of all."""
    if not parsed.problems:
        return
    problem = parsed.problems[0]
    more = len(parsed.problems) - 1
    extra = f" (and {_plural(more, 'more problem')})" if more else ""
    yield Hit(
        header_field.offset_of(problem.index),
        f"{what} does not parse: {problem.message}{extra}",
        field=header_field.name,
        part=_part(part),
    )


def _stripped(header_field: HeaderField) -> bytes:
    return header_field.value.strip(WHITE_SPACE)


def repeated_fields(
    fields: list[HeaderField], part: Part, same: Callable[[HeaderField], object] = _stripped
) -> Iterator[Hit]:
    """Every field after the first of the same name (MM002, MM009, TE001);
    ``same`` gives what two fields must share to say the same thing."""
    first = same(fields[0])
    for header_field in fields[1:]:
        name = header_field.name
        if same(header_field) == first:
            text = f"second {name} field, the same as the first"
        else:
            text = f"second {name} field with another value: readers disagree on which applies"
        yield Hit(header_field.start, text, field=name, part=_part(part))


def _repeated_params(header_field: HeaderField, parsed: ParsedValue, part: Part) -> Iterator[Hit]:
    """Parameters other than ``boundary`` (MM010's) written twice (RFC 6838 4.3)."""
    if not parsed.duplicates:
        return
    written = [param for param in _written(parsed) if param.name != "boundary"]
    for param, earlier in _repeats(written):
        values = "the same value" if param.value == earlier.value else "different values"
        yield Hit(
            header_field.offset_of(param.index),
            f"parameter '{_show(param.name)}' given twice, with {values}",
            field=header_field.name,
            part=_part(part),
        )


# -- MM001 -------------------------------------------------------------------


def _uncommented(value: bytes) -> bytes:
    """The value with its comments removed (nested ones and quoted pairs included)."""
    kept: list[bytes] = []
    depth = 0
    position = 0
    for found in COMMENT_SPECIAL.finditer(value):
        token = found.group()
        if depth == 0:
            kept.append(value[position : found.start()])
        if token == b"(":
            depth += 1
        elif token == b")" and depth:
            depth -= 1
        elif depth == 0:
            kept.append(token)  # a stray ")" or a quoted pair outside a comment is text
        position = found.end()
    if depth == 0:
        kept.append(value[position:])
    return b"".join(kept)


def _is_version_1_0(value: bytes) -> bool:
    text = _uncommented(value).translate(None, WHITE_SPACE)
    found = VERSION.fullmatch(text)
    return (
        found is not None
        and found.group(1).lstrip(b"0") == b"1"
        and not found.group(2).lstrip(b"0")
    )


@rule(
    "MM001",
    "missing-mime-version",
    severity="warning",
    summary="Content-* fields without MIME-Version: 1.0",
    references=("RFC 2045 4", "RFC 2049 2"),
    bad=message(extra=b"Content-Type: text/plain; charset=us-ascii\r\n"),
    good=message(extra=MIME + b"Content-Type: text/plain; charset=us-ascii\r\n"),
    fixable=True,
)
def missing_mime_version(message: ParsedMessage, params: Mapping[str, object]) -> Iterator[Hit]:
    """What it does: reports a message that has Content-* fields (Content-Type,
    Content-Transfer-Encoding, Content-Disposition...; not the mbox
    Content-Length) but no MIME-Version field, at the first Content-* field.
    A MIME-Version field whose value is not 1.0 (comments and white space
    aside, as RFC 2045 4 allows: ``1.0 (produced by X)``) is reported at its
    value, with or without Content-* fields. Only the message's own header is
    judged, not the headers of forwarded messages inside it.

    Why it matters: RFC 2045 4 requires MIME-Version at the top level of a
    MIME message; it is what tells a reader that the Content-* fields are
    MIME. Readers that follow the RFC treat a message without it as plain
    RFC 822 text, showing multipart bodies raw and attachments as encoded
    text, and spam filters score its absence.
    """
    header = message.header
    version = header.get("mime-version")
    if version is not None:
        if not _is_version_1_0(version.value):
            value = version.value
            index = len(value) - len(value.lstrip(WHITE_SPACE))
            shown = _show(value.strip(WHITE_SPACE))
            text = f"MIME-Version is '{shown}', not 1.0" if shown else "MIME-Version is empty"
            yield Hit(version.offset_of(index), text, field=version.name)
        return
    for header_field in header.fields:
        if header_field.key.startswith("content-") and header_field.key != "content-length":
            yield Hit(
                header_field.start,
                f"{header_field.name} field but no MIME-Version: 1.0 in the message header",
                field=header_field.name,
            )
            return


# -- MM002 -------------------------------------------------------------------


@rule(
    "MM002",
    "invalid-content-type",
    severity="error",
    summary="Content-Type does not parse (type/subtype, parameters)",
    references=("RFC 2045 5.1", "RFC 2231", "RFC 6838 4.3"),
    bad=message(extra=MIME + b"Content-Type: text; charset=us-ascii\r\n"),
    good=message(extra=MIME + b"Content-Type: text/plain; charset=us-ascii\r\n"),
)
def invalid_content_type(message: ParsedMessage, params: Mapping[str, object]) -> Iterator[Hit]:
    """What it does: parses the Content-Type field of the message and of every
    part inside it (nested multiparts and forwarded messages included) and
    reports the first place where it breaks RFC 2045 5.1 or RFC 2231: no
    subtype, a parameter without ``=`` or value, a value with spaces or
    specials that is not quoted, an unclosed quoted string or comment, broken
    RFC 2231 sections. One finding per field, with the count of further
    problems. It also reports a second Content-Type field in the same
    header, and a parameter written twice (RFC 6838 4.3; a plain one beside
    its RFC 2231 form is the usual fallback and fine).

    Why it matters: a Content-Type that does not parse is read as text/plain
    by some receivers and repaired differently by others, so the same message
    shows an attachment in one reader and raw base64 in another; attachment
    filters that read it one way are bypassed by readers that read it the
    other. Quote parameter values that hold spaces or any of ``()<>@,;:\\"/[]?=``.
    """
    for part in message.mime.walk():
        fields = list(_parsed_fields(part, "content-type", parse_content_type))
        for header_field, parsed in fields:
            yield from _field_problems(header_field, parsed, "Content-Type", part)
            yield from _repeated_params(header_field, parsed, part)
        if len(fields) > 1:
            yield from repeated_fields([header_field for header_field, _ in fields], part)


# -- MM003 to MM007: boundaries and delimiters -------------------------------


@rule(
    "MM003",
    "missing-boundary",
    severity="error",
    summary="a multipart Content-Type without a boundary parameter",
    references=("RFC 2046 5.1.1", "RFC 2045 5.1"),
    bad=message(extra=MIME + b"Content-Type: multipart/mixed\r\n", body=TWO_PARTS),
    good=_multipart(b"boundary=b", TWO_PARTS),
)
def missing_boundary(message: ParsedMessage, params: Mapping[str, object]) -> Iterator[Hit]:
    """What it does: reports every multipart (message or part) whose
    Content-Type has no ``boundary`` parameter, at its Content-Type field.

    Why it matters: RFC 2046 5.1.1 makes the boundary parameter mandatory for
    every multipart type: it is the only thing that says where the parts
    begin and end. Without it the body cannot be split; readers show it as
    one block of raw text, or guess a boundary from the lines that start with
    ``--``, and guess differently.
    """
    for part in message.mime.walk():
        if part.is_multipart and _boundary_param(part) is None:
            offset, name = _anchor(message, part)
            yield Hit(
                offset, f"{part.type} without a boundary parameter", field=name, part=_part(part)
            )


def _boundary_faults(value: str) -> list[str]:
    """What is wrong with a boundary value by RFC 2046 5.1.1; empty when nothing."""
    if not value:
        return ["boundary is empty"]
    faults = []
    if len(value) > MAX_BOUNDARY:
        faults.append(f"boundary is {len(value)} characters (limit {MAX_BOUNDARY})")
    bad = NOT_BCHAR.search(value)
    if bad:
        char = bad.group()
        if ord(char) > 0x7F:  # 8-bit octets arrive as lone surrogates
            what = "8-bit octets"
        elif ord(char) < 0x20 or char == "\x7f":
            what = "a control character"
        else:
            what = f"'{char}'"
        faults.append(f"boundary holds {what}, outside the RFC 2046 bchars")
    elif value.endswith(" "):
        faults.append("boundary ends with a space")
    return faults


@rule(
    "MM004",
    "invalid-boundary",
    severity="error",
    summary="a boundary longer than 70 characters or holding characters outside RFC 2046 bchars",
    references=("RFC 2046 5.1.1",),
    bad=_multipart(b'boundary="b<1>"', TWO_PARTS.replace(b"--b", b"--b<1>")),
    good=_multipart(b'boundary="b=_1 2"', TWO_PARTS.replace(b"--b", b"--b=_1 2")),
)
def invalid_boundary(message: ParsedMessage, params: Mapping[str, object]) -> Iterator[Hit]:
    """What it does: reports a multipart's boundary parameter that is empty,
    longer than 70 characters, ends with a space, or holds a character other
    than the RFC 2046 bchars: letters, digits, space and ``'()+_,-./:=?``.
    One finding per parameter, at the parameter.

    Why it matters: RFC 2046 5.1.1 limits boundaries to these characters so
    that they survive every gateway unchanged, and to 70 characters so that
    a delimiter line stays within 76. Receivers that enforce the grammar
    reject the boundary and cannot split the message; some gateways rewrap
    or re-encode the delimiter lines, which then match nothing.
    """
    for part in message.mime.walk():
        if not part.is_multipart:
            continue
        found = _boundary_param(part)
        if found is None:
            continue
        header_field, param = found
        faults = _boundary_faults(param.value)
        if faults:
            yield Hit(
                header_field.offset_of(param.index),
                "; ".join(faults),
                field=header_field.name,
                part=_part(part),
            )


@rule(
    "MM005",
    "boundary-not-found",
    severity="error",
    summary="no delimiter line for the declared boundary",
    references=("RFC 2046 5.1.1",),
    bad=_multipart(b"boundary=b", TWO_PARTS.replace(b"--b", b"--c")),
    good=_multipart(b"boundary=b", TWO_PARTS),
)
def boundary_not_found(message: ParsedMessage, params: Mapping[str, object]) -> Iterator[Hit]:
    """What it does: reports a multipart whose body holds no delimiter line
    (``--`` and the boundary, on a line of its own) for its declared
    boundary, at its Content-Type field; also one whose only delimiter is the
    close-delimiter, so that it has no body part. A multipart nested too
    deep to be read (MM007) is not judged.

    Why it matters: without a delimiter the multipart has no parts: the
    whole body is preamble, which readers do not show, so the recipient sees
    an empty message. It usually means the boundary was changed in the
    header but not in the body (or the other way round), or that a relay
    rewrapped the delimiter lines.
    """
    for part in message.mime.walk():
        if not part.is_multipart or part.boundary is None or part.too_deep:
            continue
        if part.delimiters and part.delimiters[0] != part.close_line:
            continue
        offset, name = _anchor(message, part)
        delimiter = _show(b"--" + part.boundary)
        text = (
            f"only the close-delimiter '{delimiter}--', no body part"
            if part.delimiters
            else f"no delimiter line '{delimiter}' in the body"
        )
        yield Hit(offset, text, field=name, part=_part(part))


@rule(
    "MM006",
    "missing-closing-boundary",
    severity="error",
    summary="a multipart without its close-delimiter (--boundary--)",
    references=("RFC 2046 5.1.1",),
    bad=_multipart(b"boundary=b", TWO_PARTS.replace(b"--b--\r\n", b"")),
    good=_multipart(b"boundary=b", TWO_PARTS),
)
def missing_closing_boundary(message: ParsedMessage, params: Mapping[str, object]) -> Iterator[Hit]:
    """What it does: reports a multipart that has delimiters but no
    close-delimiter (``--boundary--``), at the line where it ends: the
    delimiter of an enclosing multipart that cut it off, or the last line of
    the message.

    Why it matters: RFC 2046 5.1.1 ends every multipart body with the
    close-delimiter. Without it, readers cannot tell a complete message from
    one truncated in transit; some drop the last part, some report the
    message as damaged, and a nested multipart left open makes readers
    disagree on which parts belong to it.
    """
    source = message.source
    for part in message.mime.walk():
        if not part.delimiters or part.close_line is not None or part.too_deep:
            continue
        closing = _show(b"--" + (part.boundary or b"") + b"--")
        if part.end < len(source):
            offset = source.starts[part.end]
            text = f"{part.type} cut off here by an enclosing delimiter, without '{closing}'"
        else:
            offset = source.starts[max(part.end - 1, 0)]
            text = f"{part.type} ends with the message, without '{closing}'"
        yield Hit(offset, text, part=_part(part))


@rule(
    "MM007",
    "nesting-too-deep",
    severity="error",
    summary="MIME nesting beyond the profile's limit (parsing stops descending)",
    params={"max-depth": 32},
    references=("RFC 2046 5.1", "RFC 2046 5.2.1"),
    bad=_nested(33),
    good=_nested(32),
)
def nesting_too_deep(message: ParsedMessage, params: Mapping[str, object]) -> Iterator[Hit]:
    """What it does: reports each multipart or message/rfc822 part nested
    deeper than ``max-depth`` levels (default 32), at its Content-Type field.
    Nothing below it is parsed or checked. The limit bounds the MIME tree
    before it is built (the engine passes it on), so a message nested 10,000
    deep costs no more than one nested 32 deep.

    Why it matters: no legitimate mail nests that deep. Deep nesting is a
    denial-of-service device against scanners and readers (stack overflows,
    exponential work) and a way to hide a payload below the depth an
    antivirus looks at.
    """
    limit = params.get("max-depth", message.max_depth)
    for part in message.mime.walk():
        if part.too_deep:
            offset, name = _anchor(message, part)
            yield Hit(
                offset,
                f"{part.type} at nesting depth {part.depth} (limit {limit}): "
                "its contents are not parsed",
                field=name,
                part=_part(part),
            )


# -- MM008 -------------------------------------------------------------------


def _is_attached_file(part: Part) -> bool:
    """Marked as an attachment, or carrying a file name: a file, not body text."""
    parsed = part.content_type
    if parsed is not None and "name" in parsed.params:
        return True
    header_field = part.header.get("content-disposition")
    if header_field is None:
        return False
    disposition = parse_disposition(header_field.text())
    return disposition.maintype == "attachment" or "filename" in disposition.params


def _offers_plain(parts: list[Part]) -> dict[int, bool]:
    """For every part (by id), whether it offers a text/plain reading of itself.

    ``parts`` is in walk (pre-)order, so reversed it visits children before
    their parent: one pass, no recursion.
    """
    offers: dict[int, bool] = {}
    for part in reversed(parts):
        if part.type == "text/plain":
            offers[id(part)] = not _is_attached_file(part)
        elif part.type == "multipart/alternative":
            offers[id(part)] = any(offers[id(child)] for child in part.children)
        elif part.is_multipart and part.children:
            offers[id(part)] = offers[id(part.children[0])]
        else:
            offers[id(part)] = False  # a forwarded message is no alternative
    return offers


@rule(
    "MM008",
    "html-without-text-alternative",
    severity="info",
    summary="text/html with no text/plain alternative",
    references=("RFC 2046 5.1.4", "RFC 2387"),
    bad=message(
        extra=MIME + b"Content-Type: text/html; charset=us-ascii\r\n", body=b"<p>Hi</p>\r\n"
    ),
    good=_multipart(b"boundary=a", ALTERNATIVE, subtype=b"alternative"),
)
def html_without_text_alternative(
    message: ParsedMessage, params: Mapping[str, object]
) -> Iterator[Hit]:
    """What it does: reports a text/html body (the message itself, or a part
    that is not an attached file: no Content-Disposition attachment, no file
    name) that no enclosing multipart/alternative pairs with a text/plain
    alternative, at its Content-Type field. multipart/related and other
    multiparts between them are looked through: alternative[text/plain,
    related[text/html, image]] has its alternative; mixed[text/plain,
    text/html] has none. Messages forwarded inside message/rfc822 parts are
    not judged.

    Why it matters: readers that do not render HTML (text terminals, screen
    readers set to text, many handsets, privacy-minded settings) show the
    markup or nothing. HTML-only mail is also a classic spam signal
    (SpamAssassin's MIME_HTML_ONLY). Send multipart/alternative with a
    text/plain part first.
    """
    root = message.mime
    parts = list(root.walk())
    offers = _offers_plain(parts)
    # Top-down: (part, covered by an alternative above, inside a forwarded message).
    stack: list[tuple[Part, bool, bool]] = [(root, False, False)]
    while stack:
        part, covered, forwarded = stack.pop()
        forwarded = forwarded or part.embedded
        if part.type == "text/html" and not covered and not forwarded:
            if not _is_attached_file(part):
                offset, name = _anchor(message, part)
                yield Hit(
                    offset,
                    "text/html without a text/plain alternative",
                    field=name,
                    part=_part(part),
                )
        if not part.children:
            continue
        if part.type == "multipart/alternative":
            plain = sum(offers[id(child)] for child in part.children)
            for child in reversed(part.children):
                others = plain - offers[id(child)]
                stack.append((child, covered or others > 0, forwarded))
        elif part.is_message:
            stack.extend((child, False, forwarded) for child in reversed(part.children))
        else:
            stack.extend((child, covered, forwarded) for child in reversed(part.children))


# -- MM009 -------------------------------------------------------------------


@rule(
    "MM009",
    "invalid-content-disposition",
    severity="error",
    summary="Content-Disposition does not parse (RFC 2183)",
    references=("RFC 2183 2", "RFC 2231", "RFC 6838 4.3"),
    bad=message(extra=MIME + b"Content-Disposition: attachment; filename=my file.txt\r\n"),
    good=message(extra=MIME + b'Content-Disposition: attachment; filename="my file.txt"\r\n'),
)
def invalid_content_disposition(
    message: ParsedMessage, params: Mapping[str, object]
) -> Iterator[Hit]:
    """What it does: parses the Content-Disposition field of the message and
    of every part and reports the first place where it breaks RFC 2183 or
    RFC 2231: no disposition type (``filename=a.txt`` alone), an unquoted
    value with spaces or specials, an unclosed quote, a ``size`` that is not
    a number. One finding per field. Unknown disposition types are not
    reported: RFC 2183 2.8 says to treat them as ``attachment``. Also
    reported: a second Content-Disposition field in the same header, and a
    parameter written twice (a plain one beside its RFC 2231 form is the
    usual fallback and fine).

    Why it matters: receivers that cannot read the field fall back to
    guessing: one shows the attachment inline or under another name, another
    drops the name altogether. Filters that check attachment names read a
    different name than the recipient's reader sees.
    """
    for part in message.mime.walk():
        fields = list(_parsed_fields(part, "content-disposition", parse_disposition))
        for header_field, parsed in fields:
            yield from _field_problems(header_field, parsed, "Content-Disposition", part)
            size = parsed.params.get("size")
            if not parsed.problems and size is not None and not DIGITS.fullmatch(size.value):
                yield Hit(
                    header_field.offset_of(size.index),
                    f"size is '{_show(size.value)}', not a number of octets",
                    field=header_field.name,
                    part=_part(part),
                )
            yield from _repeated_params(header_field, parsed, part)
        if len(fields) > 1:
            yield from repeated_fields([header_field for header_field, _ in fields], part)


# -- MM010 -------------------------------------------------------------------


def _forget(counter: Counter, key: object) -> None:
    """Take one ``key`` out of ``counter``, dropping it at zero."""
    counter[key] -= 1
    if not counter[key]:
        del counter[key]


class _Enclosing:
    """The boundaries of the multiparts around the part being looked at.

    Pushed and popped as a depth-first walk enters and leaves a multipart.
    ``whole`` counts the boundaries; ``lengths`` the lengths of those of at
    most 70 octets; ``prefixes`` maps every prefix of those to the stack of
    boundaries having it.  So each question costs at most 70 look-ups of at
    most 70 octets, however deep the nesting.
    """

    def __init__(self) -> None:
        self.whole: Counter[bytes] = Counter()
        self.lengths: Counter[int] = Counter()
        self.prefixes: dict[bytes, list[bytes]] = {}

    def push(self, boundary: bytes) -> None:
        self.whole[boundary] += 1
        if len(boundary) <= MAX_BOUNDARY:
            self.lengths[len(boundary)] += 1
            for end in range(1, len(boundary) + 1):
                self.prefixes.setdefault(boundary[:end], []).append(boundary)

    def pop(self, boundary: bytes) -> None:
        _forget(self.whole, boundary)
        if len(boundary) <= MAX_BOUNDARY:
            _forget(self.lengths, len(boundary))
            for end in range(1, len(boundary) + 1):
                holders = self.prefixes[boundary[:end]]
                holders.pop()
                if not holders:
                    del self.prefixes[boundary[:end]]

    def conflict(self, boundary: bytes) -> str | None:
        """Why ``boundary`` clashes with an enclosing one, or None."""
        shown = _show(boundary)
        if boundary in self.whole:
            return f"boundary '{shown}' is the same as an enclosing multipart's"
        for length in self.lengths:
            if length < len(boundary) and boundary[:length] in self.whole:
                return (
                    f"boundary '{shown}' starts with the enclosing boundary "
                    f"'{_show(boundary[:length])}' (its delimiter lines also delimit "
                    "the enclosing multipart)"
                )
        holders = self.prefixes.get(boundary) if len(boundary) <= MAX_BOUNDARY else None
        if holders:
            return (
                f"boundary '{shown}' is a prefix of the enclosing boundary "
                f"'{_show(holders[-1])}' (the enclosing delimiter lines start like this one's)"
            )
        return None


def _repeated_boundaries(part: Part) -> Iterator[Hit]:
    """Boundary parameters after the first: in the same field and form (RFC 6838
    4.3), or with another value in any field or form (the ambiguity itself)."""
    first: Param | None = None
    for header_field, parsed in _parsed_fields(part, "content-type", parse_content_type):
        written = _written(parsed, "boundary")
        repeated = {id(param) for param, _ in _repeats(written)}
        for param in written:
            if first is None:
                first = param
            elif param.value != first.value or id(param) in repeated:
                values = "the same value" if param.value == first.value else "another value"
                yield Hit(
                    header_field.offset_of(param.index),
                    f"second boundary parameter, with {values} ('{_show(param.value)}' after "
                    f"'{_show(first.value)}'): receivers disagree on which one applies",
                    field=header_field.name,
                    part=_part(part),
                )


@rule(
    "MM010",
    "ambiguous-boundary",
    severity="error",
    summary="two boundary parameters, or a nested boundary equal to or prefix of an enclosing one",
    references=("RFC 2046 5.1.1", "RFC 2046 5.1.2", "CVE-2024-28054"),
    bad=_multipart(b'boundary="b"; boundary="c"', TWO_PARTS),
    good=_multipart(b'boundary="b"', TWO_PARTS),
)
def ambiguous_boundary(message: ParsedMessage, params: Mapping[str, object]) -> Iterator[Hit]:
    """What it does: reports a second boundary parameter of a multipart, at
    that parameter: one written again in the same Content-Type field (even
    with the same value), or one with another value (in any of the part's
    Content-Type fields, plain or RFC 2231). It also reports a nested
    multipart whose boundary equals an enclosing multipart's boundary,
    starts with it, or is a prefix of it, at the nested boundary parameter;
    an enclosing boundary longer than the RFC maximum of 70 octets (an MM004
    error) is compared for equality only.

    Why it matters: with two boundaries, receivers disagree on which one
    splits the body: one sees a harmless text part where another sees an
    executable attachment (amavisd-new, CVE-2024-28054). RFC 2046 5.1.1 lets
    readers match a delimiter by how the line starts and forbids the
    enclosing delimiter inside a part, even as the prefix of a line: with
    nested boundaries that are equal or prefixes of each other, a delimiter
    line of one multipart is read as a delimiter of the other.
    """
    enclosing = _Enclosing()
    stack: list[tuple[Part, bool]] = [(message.mime, False)]
    while stack:
        part, leaving = stack.pop()
        if leaving:
            enclosing.pop(part.boundary)  # type: ignore[arg-type]
            continue
        if part.is_multipart:
            yield from _repeated_boundaries(part)
        if part.is_multipart and part.boundary is not None:
            clash = enclosing.conflict(part.boundary)
            found = _boundary_param(part)
            if clash is not None and found is not None:
                header_field, param = found
                yield Hit(
                    header_field.offset_of(param.index),
                    clash,
                    field=header_field.name,
                    part=_part(part),
                )
            if part.children:
                enclosing.push(part.boundary)
                stack.append((part, True))
        stack.extend((child, False) for child in reversed(part.children))


# -- MM011 -------------------------------------------------------------------


def _first_text(data: bytes, start: int, end: int) -> int | None:
    """Offset of the first non-blank octet in ``data[start:end]``, or None."""
    found = NON_BLANK.search(data, start, end)
    return None if found is None else found.start()


def _is_mime_notice(data: bytes, start: int, end: int) -> bool:
    """A short preamble that mentions MIME: the note for readers without MIME."""
    if end - start > 4 * NOTICE_LIMIT:  # not sliced: a long preamble is more than the note
        return False
    text = data[start:end].strip(WHITE_SPACE)
    return len(text) <= NOTICE_LIMIT and MIME_WORD.search(text) is not None


def _epilogue_text(source: Source, part: Part, offset: int) -> str:
    line = source.raw_lines[source.line_index_at(offset)].lstrip(WHITE_SPACE)
    if part.boundary and line.startswith(b"--" + part.boundary):
        return "delimiter line after the close-delimiter: readers drop the parts that follow"
    return "text in the epilogue, which readers do not show"


@rule(
    "MM011",
    "hidden-preamble-or-epilogue",
    severity="info",
    summary="text in a multipart's preamble or epilogue, which readers do not show",
    references=("RFC 2046 5.1.1",),
    bad=_multipart(b"boundary=b", b"Please send the money to...\r\n" + TWO_PARTS),
    good=_multipart(
        b"boundary=b", b"This is a multi-part message in MIME format.\r\n\r\n" + TWO_PARTS
    ),
)
def hidden_preamble_or_epilogue(
    message: ParsedMessage, params: Mapping[str, object]
) -> Iterator[Hit]:
    """What it does: reports non-blank text before the first delimiter of a
    multipart (the preamble) or after its close-delimiter (the epilogue), at
    the first non-blank octet, once for each. A short preamble that mentions
    MIME ("This is a multi-part message in MIME format.", the OpenPGP and
    S/MIME notices) is the conventional note for readers that do not
    understand MIME and is not reported. A multipart without delimiters is
    MM005's.

    Why it matters: RFC 2046 5.1.1 says the preamble and epilogue are to be
    ignored, so readers never show them. Text there is invisible to the
    recipient but not to filters that read the raw message: a place to hide
    content from one or the other, or text the sender thought was sent and
    nobody will ever see. Delimiter lines after the close-delimiter are
    epilogue too: parts the reader silently drops.
    """
    source = message.source
    data = source.data
    for part in message.mime.walk():
        if not part.delimiters:
            continue
        start = _line_offset(source, part.body_start)
        end = source.starts[part.delimiters[0]]
        found = _first_text(data, start, end)
        if found is not None and not _is_mime_notice(data, start, end):
            yield Hit(found, "text in the preamble, which readers do not show", part=_part(part))
        if part.close_line is not None:
            found = _first_text(
                data, _line_offset(source, part.close_line + 1), _line_offset(source, part.end)
            )
            if found is not None:
                yield Hit(found, _epilogue_text(source, part, found), part=_part(part))
