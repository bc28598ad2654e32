"""Parse Content-Type and Content-Disposition field values, keeping positions.

``email.message.Message.get_param`` repairs what it cannot read and throws
positions away, and different receivers repair differently (which duplicate
``boundary`` wins, whether ``filename*`` beats ``filename``).  A linter needs
the opposite: every parameter as written, where it starts, and every deviation
from the grammar with its index in the field value, so that a rule can point
at it.  The parser never raises and runs in linear time on any ``str``: field
values come from arbitrary mail, spam included.

The value is the unfolded field body decoded with ``"ascii",
"surrogateescape"``, so an index here is also an octet index into the field
value (``HeaderField.offset_of`` maps it to the file), and 8-bit octets appear
as lone surrogates U+DC80..U+DCFF.

Grammar: RFC 2045 5.1 (Content-Type), RFC 2183 2 (Content-Disposition),
RFC 2231 (parameter value continuations, charsets and languages), with the
CFWS of RFC 5322 3.2.2 allowed between the tokens, as RFC 2045 inherits it
from RFC 822's structured fields.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

# RFC 2045 5.1: token := 1*<any (US-ASCII) CHAR except SPACE, CTLs, or tspecials>,
# tspecials being ()<>@,;:\"/[]?= .
TOKEN_CHARS = r"!#$%&'*+\-.0-9A-Z^_`a-z{|}~"
TOKEN = re.compile(f"[{TOKEN_CHARS}]+")
NOT_TOKEN_CHAR = re.compile(f"[^{TOKEN_CHARS}]")
# A parameter where a separator or a type was expected: "name=" (comments are
# not looked through; this only decides how to recover).
TOKEN_THEN_EQUALS = re.compile(f"[{TOKEN_CHARS}]+[ \\t]*=")
# White space between tokens.  CR and LF are not white space in an unfolded
# value, but a bare one is the LN rules' business: here it only separates.
WHITE_SPACE = re.compile(r"[ \t\r\n]*")
# A run of parameter separators, to be read (and reported) as one: ";;;".
SEPARATORS = re.compile(r";(?:[ \t\r\n]*;)*")
# Runs of comment text and quoted-string text that need no attention
# (RFC 5322 3.2.2 ctext, 3.2.4 qtext), skipped at C speed.
COMMENT_TEXT = re.compile(r"[^()\\]+")
QUOTED_TEXT = re.compile(r'[^"\\]+')
# RFC 2231 7: ext-octet := "%" 2(DIGIT / "A"-"F"); lowercase hex is accepted
# silently, as every decoder does.
PERCENT_ESCAPE = re.compile(rb"%([0-9A-Fa-f]{2})")
BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
# RFC 2231 7: section := "*" ("0" / ("1"-"9") *DIGIT).
SECTION_DIGITS = re.compile(r"[0-9]+")

# Sections are numbered 0..MAX_SECTION, so a parameter has at most 1000 of
# them; larger numbers are reported and dropped (a section number is never
# converted from a long digit string, which Python refuses past 4300 digits).
MAX_SECTION = 999
# 1 MB of garbage would give hundreds of thousands of problems, none useful
# after the first few hundred.
MAX_PROBLEMS = 1000

# Where the helpers below record a problem: (index, message).
_Reporter = Callable[[int, str], None]


@dataclass(frozen=True)
class Param:
    """One parameter, decoded, with where it was written.

    ``name`` is lowercased, without the RFC 2231 ``*``/``*N``/``*N*`` suffix.
    ``form`` is ``"token"``, ``"quoted"``, ``"rfc2231"`` (``name*=``) or
    ``"rfc2231-continued"`` (``name*0=``, ``name*0*=``, ...).  For a continued
    parameter ``index`` and ``raw`` are those of its lowest-numbered section
    (section 0 when present).  ``raw`` is the value as written, quotes included.
    """

    name: str
    value: str
    form: str
    charset: str | None
    language: str | None
    index: int
    raw: str


@dataclass(frozen=True)
class Problem:
    """A deviation from the grammar, at an index of the field value.

    The index may equal ``len(value)`` when something is missing at the end.
    """

    index: int
    message: str


@dataclass
class ParsedValue:
    """A Content-Type or Content-Disposition value, parsed.

    ``params`` holds the first occurrence of each name, except that an RFC 2231
    form (``name*=`` or ``name*0...``) is preferred to a plain ``name=`` (see
    ``_choose``); every other occurrence is in ``duplicates``, ordered by index.
    """

    maintype: str
    subtype: str
    params: dict[str, Param] = field(default_factory=dict)
    duplicates: list[Param] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def get(self, name: str) -> str | None:
        """The decoded value of a parameter (name case-insensitive), or None."""
        param = self.params.get(name.lower())
        return None if param is None else param.value

    def ok(self) -> bool:
        """True when no syntax problem was found (duplicates are not problems)."""
        return not self.problems


@dataclass
class _Section:
    """One ``attribute=value`` as written, before RFC 2231 sections are joined."""

    name: str
    section: int | None  # the N of name*N / name*N*, None for name / name*
    extended: bool  # a trailing "*": the value is charset'lang'%XX-encoded
    index: int  # of the attribute
    value_index: int
    raw: str
    text: str  # quotes removed and quoted-pairs resolved
    quoted: bool


def _show(text: str, limit: int = 40) -> str:
    """Text safe to put in a message: ASCII only (no lone surrogates), bounded."""
    shown = text[:limit].encode("ascii", "backslashreplace").decode("ascii")
    return shown + "..." if len(text) > limit else shown


def _describe(char: str) -> str:
    """Name a character that a token cannot hold, for a problem message."""
    if char == " ":
        return "a space"
    if char == "\t":
        return "a tab"
    if ord(char) >= 0x80:
        return "8-bit octets"
    if ord(char) < 0x20 or char == "\x7f":
        return "a control character"
    return f"'{char}'"


def _to_bytes(text: str) -> bytes:
    """The octets a value was decoded from: surrogates back to 8-bit octets.

    Values are ASCII plus surrogates when they come from a field decoded with
    surrogateescape; any other character (a caller's own str) goes as UTF-8,
    and an unpaired surrogate outside U+DC80..U+DCFF as '?', so this never raises.
    """
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace")


def _decode_charset(data: bytes, charset: str | None) -> tuple[str, str | None]:
    """Decode RFC 2231 octets in their charset: (text, problem message or None).

    With no charset (RFC 2231 allows it empty) the octets stay as they came,
    8-bit ones as surrogates.  An unknown charset is decoded as UTF-8 with
    replacement characters, the likeliest reading of real mail.
    """
    if not charset:
        return data.decode("ascii", "surrogateescape"), None
    try:
        return data.decode(charset), None
    except LookupError:  # unknown, or a bytes-to-bytes codec such as "hex"
        return data.decode("utf-8", "replace"), f"unknown charset '{_show(charset)}'"
    except UnicodeDecodeError:
        problem = f"value is not valid {_show(charset)}"
    except Exception:  # noqa: BLE001 - a charset name reaches any codec (NUL, surrogates, idna)
        return data.decode("utf-8", "replace"), f"unknown charset '{_show(charset)}'"
    try:
        return data.decode(charset, "replace"), problem
    except Exception:  # noqa: BLE001 - some codecs support no error handler but "strict"
        return data.decode("utf-8", "replace"), problem


def _split_name(attribute: str) -> tuple[str, str | None, bool]:
    """``name*N*`` into (name, "N" or None, extended), per RFC 2231 3 and 4."""
    extended = len(attribute) > 1 and attribute.endswith("*")
    core = attribute[:-1] if extended else attribute
    head, star, tail = core.rpartition("*")
    if star and head and SECTION_DIGITS.fullmatch(tail):
        return head.lower(), tail, extended
    return core.lower(), None, extended


class _Scanner:
    """The state of one parse: the text, the problems, the sections found."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.end = len(text)
        self.problems: list[Problem] = []
        self.truncated: int | None = None
        self.sections: list[_Section] = []

    def problem(self, index: int, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(index, message))
        elif self.truncated is None:
            self.truncated = index

    def next_semicolon(self, index: int) -> int:
        """Index of the next ";" at or after ``index``, or the end: where to resume."""
        found = self.text.find(";", index)
        return self.end if found < 0 else found

    def skip_cfws(self, index: int) -> int:
        """Skip white space and comments (RFC 5322 3.2.2 CFWS)."""
        text = self.text
        while True:
            index = WHITE_SPACE.match(text, index).end()
            if index >= self.end or text[index] != "(":
                return index
            index = self.skip_comment(index)

    def skip_comment(self, start: int) -> int:
        """Skip a comment, nested ones and quoted-pairs included.

        Iterative with a depth counter: a message with 100,000 "(" must neither
        overflow the stack nor be rescanned.
        """
        text = self.text
        depth = 0
        index = start
        while index < self.end:
            char = text[index]
            if char == "(":
                depth += 1
                index += 1
            elif char == ")":
                depth -= 1
                index += 1
                if depth == 0:
                    return index
            elif char == "\\":
                index += 2
            else:
                index = COMMENT_TEXT.match(text, index).end()
        self.problem(start, "unclosed comment")
        return self.end

    def quoted_string(self, start: int) -> tuple[str, int]:
        """The content of the quoted string at ``start`` and the index after it.

        Quoted-pairs are resolved (RFC 5322 3.2.4); 8-bit octets are kept, as
        other rules judge raw 8-bit text.  Unclosed: the rest of the value.
        """
        text = self.text
        parts: list[str] = []
        index = start + 1
        while index < self.end:
            run = QUOTED_TEXT.match(text, index)
            if run:
                parts.append(run.group())
                index = run.end()
                continue
            if text[index] == '"':
                return "".join(parts), index + 1
            if index + 1 < self.end:  # a quoted-pair
                parts.append(text[index + 1])
            index += 2
        self.problem(start, "unclosed quoted string")
        return "".join(parts), self.end

    def value(self, index: int, attribute: str) -> tuple[str, str, bool, int]:
        """The value at ``index``: (text, raw, quoted, index after it).

        A token may be followed by comments (``charset=us-ascii (Plain)``).
        Anything else up to the next ";" is taken as an unquoted value that
        should have been quoted, as every receiver reads it (``name=my file.doc``).
        """
        text = self.text
        if index >= self.end or text[index] == ";":
            self.problem(index, f"missing value for parameter '{_show(attribute)}'")
            return "", "", False, index
        if text[index] == '"':
            content, after = self.quoted_string(index)
            return content, text[index:after], True, after
        token = TOKEN.match(text, index)
        if token:
            after = self.skip_cfws(token.end())
            if after >= self.end or text[after] == ";":
                # ``after``, not the token's end: an unclosed comment is reported once.
                return token.group(), token.group(), False, after
        raw = text[index : self.next_semicolon(index)].rstrip(" \t\r\n")
        bad = NOT_TOKEN_CHAR.search(raw)
        if bad:  # always, unless an unclosed comment took the rest
            where = index + bad.start()
            self.problem(where, f"parameter value with {_describe(bad.group())} must be quoted")
        return raw, raw, False, index + len(raw)

    def parameter(self, index: int) -> tuple[int, str]:
        """Parse ``attribute = value`` at ``index``: (index after it, its name)."""
        text = self.text
        name = TOKEN.match(text, index)
        if name is None:
            self.problem(index, "expected a parameter name")
            return self.next_semicolon(index), ""
        attribute = name.group()
        equals = self.skip_cfws(name.end())
        if equals >= self.end or text[equals] != "=":
            self.problem(equals, f"missing '=' after parameter name '{_show(attribute)}'")
            return self.next_semicolon(equals), attribute
        start = self.skip_cfws(equals + 1)
        content, raw, quoted, after = self.value(start, attribute)
        base, digits, extended = _split_name(attribute)
        section = None
        if digits is not None:
            if len(digits) > 3 or int(digits) > MAX_SECTION:
                self.problem(index, f"section number over {MAX_SECTION} in '{_show(attribute)}'")
                return after, attribute
            if len(digits) > 1 and digits[0] == "0":
                self.problem(index, f"section number with a leading zero in '{_show(attribute)}'")
            section = int(digits)
        if extended and quoted:
            # RFC 2231 7: an extended value is not a quoted-string.
            self.problem(start, "RFC 2231 extended value must not be quoted")
        self.sections.append(_Section(base, section, extended, index, start, raw, content, quoted))
        return after, attribute

    def parameters(self, index: int, after: str, leading: bool = False) -> None:
        """``*(";" parameter)`` from ``index``; ``after`` names what precedes.

        A trailing ";" is tolerated silently (very common, and harmless).
        ``leading``: the first parameter has no ";" before it (a missing type).
        """
        text = self.text
        if leading:
            index, after = self._next(index)
        while True:
            index = self.skip_cfws(index)
            if index >= self.end:
                return
            if text[index] == ";":
                run = SEPARATORS.match(text, index)
                if run.group().count(";") > 1:
                    self.problem(index, "empty parameter (';;')")
                index = self.skip_cfws(run.end())
                if index >= self.end:
                    return
                if text[index] == ";":  # "; (comment) ;"
                    self.problem(index, "empty parameter (';;')")
                    continue
            elif TOKEN_THEN_EQUALS.match(text, index):
                self.problem(index, "missing ';' before parameter")
            else:
                self.problem(index, f"unexpected text after {after}")
                index = self.next_semicolon(index)
                continue
            index, after = self._next(index)

    def _next(self, index: int) -> tuple[int, str]:
        """Parse one parameter; name it for the next "unexpected text" problem."""
        index, attribute = self.parameter(index)
        return index, f"parameter '{_show(attribute)}'" if attribute else "a parameter"

    def leading_type(self, what: str) -> tuple[str, int] | None:
        """Read the type token at the start, or record why there is none.

        Returns (lowercased token, index after it), or None after recording a
        problem and parsing the parameters that follow.
        """
        text = self.text
        index = self.skip_cfws(0)
        if index >= self.end:
            self.problem(0, "empty value")
            return None
        if TOKEN_THEN_EQUALS.match(text, index):
            # "Content-Disposition: filename=a.txt": a parameter, no type.
            self.problem(index, f"missing {what} before parameters")
            self.parameters(index, what, leading=True)
            return None
        token = TOKEN.match(text, index)
        if token is None:
            missing = text[index] == ";"
            self.problem(index, f"missing {what}" if missing else f"{what} must be a token")
            self.parameters(self.next_semicolon(index), what)
            return None
        return token.group().lower(), token.end()

    def result(self, maintype: str, subtype: str) -> ParsedValue:
        """Join the sections into parameters and package everything."""
        params, duplicates = _assemble(self.sections, self.problem)
        problems = sorted(self.problems, key=lambda problem: problem.index)
        if self.truncated is not None:
            problems.append(Problem(self.truncated, "too many problems; the rest not reported"))
        return ParsedValue(maintype, subtype, params, duplicates, problems)


def _extended_initial(
    text: str, index: int, report: _Reporter
) -> tuple[str | None, str | None, str]:
    """Split RFC 2231 ``charset'language'rest``: (charset, language, rest).

    Without any quote the whole value is text with no charset, as Python's
    email package reads it; with one quote, the text before it is taken as the
    charset (Python would ignore it), the likelier intent of ``utf-8'%E3...``.
    """
    parts = text.split("'", 2)
    if len(parts) < 3:
        report(index, "RFC 2231 value must start with charset'language'")
        parts = [parts[0], "", parts[1]] if len(parts) == 2 else ["", "", parts[0]]
    charset, language, rest = parts
    return charset.lower() or None, language or None, rest


def _percent_decode(text: str, index: int, report: _Reporter) -> bytes:
    """RFC 2231 ``%XX`` escapes to octets; a stray "%" is kept as it is."""
    bad = BAD_PERCENT.search(text)
    if bad:
        report(index, "'%' not followed by two hex digits in RFC 2231 value")
    return PERCENT_ESCAPE.sub(lambda match: bytes([int(match.group(1), 16)]), _to_bytes(text))


def _single(section: _Section, report: _Reporter) -> Param:
    """A ``name*=charset'lang'%XX`` parameter (RFC 2231 4)."""
    charset, language, rest = _extended_initial(section.text, section.value_index, report)
    data = _percent_decode(rest, section.value_index, report)
    value, problem = _decode_charset(data, charset)
    if problem:
        report(section.value_index, f"{problem} in parameter '{_show(section.name)}'")
    return Param(section.name, value, "rfc2231", charset, language, section.index, section.raw)


def _continued(name: str, sections: dict[int, _Section], report: _Reporter) -> Param:
    """Join ``name*0``, ``name*1``... in section order (RFC 2231 3 and 4.1).

    Every section becomes octets (extended ones percent-decoded, plain ones as
    written), then the whole is decoded in section 0's charset: a multi-octet
    character may be split across sections.  Only section 0 carries
    charset'language'.  Gaps are reported and the sections present are joined.
    """
    numbers = sorted(sections)
    expected = 0
    for number in numbers:
        if number != expected:
            missing = f"{expected}" if number == expected + 1 else f"{expected}-{number - 1}"
            plural = "section" if number == expected + 1 else "sections"
            shown = _show(name)
            report(sections[number].index, f"missing {plural} {missing} of parameter '{shown}'")
        expected = number + 1
    first = sections[numbers[0]]
    charset = language = None
    data = bytearray()
    for number in numbers:
        section = sections[number]
        text = section.text
        if section.extended:
            if number == 0:
                charset, language, text = _extended_initial(text, section.value_index, report)
            data += _percent_decode(text, section.value_index, report)
        else:
            data += _to_bytes(text)
    value, problem = _decode_charset(bytes(data), charset)
    if problem:
        report(first.value_index, f"{problem} in parameter '{_show(name)}'")
    return Param(name, value, "rfc2231-continued", charset, language, first.index, first.raw)


def _choose(candidates: list[Param]) -> tuple[Param, list[Param]]:
    """The parameter that counts, and the rest as duplicates.

    An RFC 2231 form wins over a plain one: senders write both, the plain one
    as a fallback for old readers (RFC 2231 is silent; RFC 6266 4.3 says so for
    HTTP, and Thunderbird, Gmail and Go's mime package do it).  Python's
    ``get_param`` takes the plain one, so both are kept for the rules.  Among
    the same kind, the first one written wins.
    """
    candidates.sort(key=lambda param: param.index)
    winner = next((p for p in candidates if p.form.startswith("rfc2231")), candidates[0])
    return winner, [param for param in candidates if param is not winner]


def _assemble(sections: list[_Section], report: _Reporter) -> tuple[dict[str, Param], list[Param]]:
    """Turn the sections as written into parameters and duplicates."""
    candidates: dict[str, list[Param]] = {}
    continued: dict[str, dict[int, _Section]] = {}
    for section in sections:
        found = candidates.setdefault(section.name, [])
        if section.section is not None:
            numbered = continued.setdefault(section.name, {})
            if section.section in numbered:
                report(
                    section.index,
                    f"duplicate section {section.section} of parameter '{_show(section.name)}'",
                )
            else:
                numbered[section.section] = section
        elif section.extended:
            found.append(_single(section, report))
        else:
            form = "quoted" if section.quoted else "token"
            found.append(
                Param(section.name, section.text, form, None, None, section.index, section.raw)
            )
    for name, numbered in continued.items():
        candidates[name].append(_continued(name, numbered, report))
    params: dict[str, Param] = {}
    duplicates: list[Param] = []
    for name, found in candidates.items():
        winner, rest = _choose(found)
        params[name] = winner
        duplicates.extend(rest)
    duplicates.sort(key=lambda param: param.index)
    return params, duplicates


def parse_content_type(value: str) -> ParsedValue:
    """Parse ``type "/" subtype *(";" parameter)`` (RFC 2045 5.1).

    CFWS is allowed around "/" as between any tokens of a structured field.
    """
    scanner = _Scanner(value)
    found = scanner.leading_type("media type")
    if found is None:
        return scanner.result("", "")
    maintype, index = found
    subtype = ""
    slash = scanner.skip_cfws(index)
    if slash < scanner.end and value[slash] == "/":
        start = scanner.skip_cfws(slash + 1)
        token = TOKEN.match(value, start)
        if token:
            subtype = token.group().lower()
            index = token.end()
        else:
            scanner.problem(start, "missing subtype after '/'")
            index = start
    else:
        scanner.problem(slash, "missing '/' and subtype")
        index = slash
    scanner.parameters(index, "the media type")
    return scanner.result(maintype, subtype)


def parse_disposition(value: str) -> ParsedValue:
    """Parse ``disposition-type *(";" disposition-parm)`` (RFC 2183 2)."""
    scanner = _Scanner(value)
    found = scanner.leading_type("disposition type")
    if found is None:
        return scanner.result("", "")
    disposition, index = found
    scanner.parameters(index, "the disposition type")
    return scanner.result(disposition, "")
