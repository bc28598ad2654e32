"""AD: addresses and message identifiers (RFC 5322 3.4, 3.6.4, 4.4, 4.5; RFC 5321 4.5.3.1).

The stdlib parser (``email._header_value_parser``) gives no positions, and
some inputs make it raise or recurse, so address fields are read here with a
small tokenizer and a recursive-descent parser over its tokens.  Both work on
the field's unfolded octets, so every index maps back to the message with
``HeaderField.offset_of``; octets above 127 count as atom text (RFC 6532):
whether they are allowed at all is HD006's question.  Comments are skipped
with a depth counter, not recursion, and every token is looked at a bounded
number of times, so a To of 10,000 addresses or a comment nested 10,000 deep
costs linear time.  Nothing here raises on any octet string: a problem is a
value (``Problem``), never an exception that leaves the module.

Decisions where the catalog is silent:

* The obsolete forms of RFC 5322 4.4 and 4.5.4 that readers must accept are
  reported as ``warning`` (a capped finding of the same rule), as HD005 and
  HD011 do: a source route (``<@relay:user@host>``), empty list members
  (``a@x,,b@x``, a trailing comma), white space or comments inside a local
  part, a domain or a msg-id, a quoted id-left, and text that is not a msg-id
  in In-Reply-To and References (``<id@host>; from bob on Monday``).
  ``a@b (comment)`` is not obsolete at all: a comment may follow any address.
* A group in From or Sender is allowed by RFC 6854 only for special uses and
  most readers do not expect it: ``warning``.
* A display name that breaks the grammar but is followed by ``<addr-spec>``
  (``Doe, John <j@x>``, ``bob@x <bob@x>``, ``Re: Bob <b@x>``) is AD003's
  warning, not an AD001 error: the angle brackets still say where the address
  is.  In fields that allow groups, ``name:`` opens a group, so a colon there
  is AD001 when no ``;`` closes it.  Such a name may hold at most three
  commas, and none after an ``@`` (``a@x, Bob <b@x>`` is two addresses).
* One finding per display name (AD003) and per address (AD004), at the
  first offending character, so that a long list stays readable.
* Controls and NUL in a display name are LN005's and LN006's; inside an
  addr-spec they break the address (AD001).
* Resent-Message-ID is checked like Message-ID, Resent-Reply-To (RFC 822)
  like Reply-To.
* An empty or white-space-only field is HD013's; a field of comments only is
  AD001's (except Bcc, which may be empty).
* Specials inside an RFC 2047 encoded word (``=?utf-8?q?Doe,_John?=``) are
  the EW rules' business, not AD003's; raw ISO-2022-JP runs (``ESC $ B ...``)
  are read as atom text, since their double-byte octets include specials.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from maillint.checks.examples import message
from maillint.findings import Hit, Severity
from maillint.parse import HeaderField, ParsedMessage
from maillint.registry import rule

# How each address field's body parses (RFC 5322 3.6.2, 3.6.3, 3.6.6).
MAILBOX_LIST = "mailbox-list"
ONE_MAILBOX = "mailbox"
ADDRESS_LIST = "address-list"
OPTIONAL_LIST = "optional-address-list"  # Bcc: an address-list, or nothing
ADDRESS_FIELDS = {
    "from": MAILBOX_LIST,
    "resent-from": MAILBOX_LIST,
    "sender": ONE_MAILBOX,
    "resent-sender": ONE_MAILBOX,
    "reply-to": ADDRESS_LIST,
    "to": ADDRESS_LIST,
    "cc": ADDRESS_LIST,
    "resent-to": ADDRESS_LIST,
    "resent-cc": ADDRESS_LIST,
    "resent-reply-to": ADDRESS_LIST,  # RFC 822 only, still seen
    "bcc": OPTIONAL_LIST,
    "resent-bcc": OPTIONAL_LIST,
}
# msg-id fields (RFC 5322 3.6.4, 3.6.6): True where one or more ids are allowed.
MSG_ID_FIELDS = {
    "message-id": False,
    "resent-message-id": False,
    "in-reply-to": True,
    "references": True,
}

# Token kinds.
ATOM = "atom"
QUOTED = "quoted"
LITERAL = "literal"
SPECIAL = "special"
BROKEN = "broken"
END = "end"

# One token of a structured field body.  An atom is a run of atext (RFC 5322
# 3.2.3), octets above 127 (RFC 6532), controls (judged where they matter), or
# a raw ISO-2022-JP double-byte run up to its next ESC.  Quoted strings and
# domain literals may hold quoted pairs; possessive quantifiers keep a string
# without its closing quote from backtracking.  A comment is only opened here:
# ``_comment_end`` finds its end.  Every octet matches one branch.
TOKEN = re.compile(
    rb"(?P<space>[ \t]+)"
    rb"|(?P<atom>(?:[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~\x80-\xff\x00-\x08\x0a-\x1a\x1c-\x1f\x7f]++"
    rb"|\x1b\$\(?[@-Z][\x21-\x7e]*?(?=\x1b)|\x1b\([@-Z]|\x1b)++)"
    rb'|(?P<quoted>"(?:[^"\\\x1b]|\\.|\x1b\$\(?[@-Z][\x21-\x7e]*?(?=\x1b)|\x1b\([@-Z]|\x1b)*+")'
    rb'|(?P<open_quote>")'
    rb"|(?P<literal>\[(?:[^\[\]\\]|\\.)*+\])"
    rb"|(?P<comment>\()"
    rb"|(?P<special>.)",
    re.DOTALL,
)
# Inside a comment: a quoted pair (skipped whole) or a parenthesis.
COMMENT_PART = re.compile(rb"\\.|[()]", re.DOTALL)
# Controls that no atom of an addr-spec or msg-id may hold (RFC 5322 3.2.3).
CONTROL = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")
# What the dtext of a msg-id's no-fold-literal may not hold: white space,
# controls, quoted pairs (RFC 5322 3.6.4; they are obsolete syntax, 4.5.4).
NOT_DTEXT = re.compile(rb"[\x00-\x20\x7f\\]")
# An RFC 2047 encoded word, as a span of the field body.
ENCODED_WORD = re.compile(rb"=\?[^?\s\"()<>]+\?[BbQq]\?[^?\s\"()<>]*\?=")

# A display name with more commas than this before its '<' is not taken as
# one name (and the bound keeps the fallback scan linear).
MAX_NAME_COMMAS = 3


class Token(NamedTuple):
    """A lexical token: its kind, span in the field body, octets, and whether
    white space or a comment came before it."""

    kind: str
    start: int
    end: int
    text: bytes
    gap: bool


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong in a field body, at an index of the body."""

    index: int
    message: str
    obsolete: bool = False


@dataclass(frozen=True, slots=True)
class Mailbox:
    """An addr-spec that parsed: where its parts start, their octets, and the
    unquoted dots that make its local part invalid (index, what is wrong)."""

    local_start: int
    local: bytes
    bad_dots: tuple[tuple[int, str], ...]
    domain_start: int
    domain: bytes


@dataclass(frozen=True, slots=True)
class DisplayName:
    """A display name holding specials outside quotes: the first one, and which."""

    index: int
    specials: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ParsedAddresses:
    """An address field read: its good mailboxes, sloppy names and problems."""

    mailboxes: tuple[Mailbox, ...]
    names: tuple[DisplayName, ...]
    problems: tuple[Problem, ...]


class _Broken(Exception):
    """Raised inside the parser to abandon one address; never leaves the module."""

    def __init__(self, index: int, message: str) -> None:
        super().__init__(message)
        self.problem = Problem(index, message)


def _comment_end(data: bytes, start: int) -> int:
    """Index just past the comment opened at ``start``, or -1 when it is not closed."""
    depth = 0
    for match in COMMENT_PART.finditer(data, start):
        part = match.group()
        if part == b"(":
            depth += 1
        elif part == b")":
            depth -= 1
            if depth == 0:
                return match.end()
    return -1


def tokenize(data: bytes) -> list[Token]:
    """The tokens of a structured field body, always ending with an END token.

    White space and comments become the ``gap`` flag of the next token.  A
    comment or quoted string that is not closed becomes a BROKEN token that
    swallows the rest of the body.
    """
    tokens: list[Token] = []
    append = tokens.append
    position, end, gap = 0, len(data), False
    while position < end:
        match = TOKEN.match(data, position)
        assert match is not None  # the last branch matches any octet
        kind = match.lastgroup
        if kind == "space":
            gap, position = True, match.end()
            continue
        if kind == "comment":
            close = _comment_end(data, position)
            if close < 0:
                append(Token(BROKEN, position, end, b"comment not closed by ')'", gap))
                break
            gap, position = True, close
            continue
        if kind == "open_quote":
            append(Token(BROKEN, position, end, b"quoted string not closed", gap))
            break
        append(Token(kind or SPECIAL, position, match.end(), match.group(), gap))
        gap, position = False, match.end()
    append(Token(END, end, end, b"", gap))
    return tokens


def _is(token: Token, char: bytes) -> bool:
    return token.kind == SPECIAL and token.text == char


def _describe(token: Token) -> str:
    """A token as a message names it."""
    if token.kind == END:
        return "end of field"
    text = token.text[:20].decode("ascii", "backslashreplace")
    return repr(text) if token.kind != LITERAL else "'['"


class _AddressParser:
    """RFC 5322 3.4 address lists, with the obsolete forms of 4.4.

    ``_element`` parses one address strictly; when that fails, ``_sloppy_name``
    tries the one common way to break the grammar without losing the address,
    specials in a display name before ``<addr-spec>``; when that fails too,
    the problem is recorded and parsing resumes after the next comma.
    """

    def __init__(self, value: bytes, kind: str) -> None:
        self.value = value
        self.tokens = tokenize(value)
        self.groups = kind in (ADDRESS_LIST, OPTIONAL_LIST)
        self.single = kind == ONE_MAILBOX
        self.optional = kind == OPTIONAL_LIST
        self.last_semicolon = max(
            (k for k, token in enumerate(self.tokens) if _is(token, b";")), default=-1
        )
        self.encoded_words = (
            [m.span() for m in ENCODED_WORD.finditer(value)] if b"=?" in value else []
        )
        self.i = 0
        self.mailboxes: list[Mailbox] = []
        self.names: list[DisplayName] = []
        self.problems: list[Problem] = []
        self.null_member_at: int | None = None  # where in ``problems`` (noted once)
        self.spaces: list[int] = []  # obsolete white space inside the current addr-spec

    def parse(self) -> ParsedAddresses:
        count = self._list(in_group=False)
        if count == 0 and not self.optional and all(p.obsolete for p in self.problems):
            start = len(self.value) - len(self.value.lstrip(b" \t"))
            self.problems.append(Problem(start, "no address in the field"))
        return ParsedAddresses(tuple(self.mailboxes), tuple(self.names), tuple(self.problems))

    # -- lists and elements -------------------------------------------------

    def _list(self, *, in_group: bool) -> int:
        """Comma-separated elements up to the end (or the ';' of a group); their count."""
        count = 0
        expect = True  # no element since the start or the last comma
        comma: Token | None = None
        while True:
            token = self.tokens[self.i]
            if token.kind == END or (in_group and _is(token, b";")):
                break
            if _is(token, b","):
                if expect:
                    self._note_null_member(token)
                comma, expect = token, True
                self.i += 1
                continue
            if self.single and count == 1 and not in_group:
                self.problems.append(Problem(token.start, "more than one mailbox (one allowed)"))
                return count
            count += 1
            self._guarded_element(in_group=in_group)
            expect = False
        if expect and comma is not None:
            self._note_null_member(comma)
        return count

    def _note_null_member(self, comma: Token) -> None:
        if self.null_member_at is None:
            self.null_member_at = len(self.problems)
            self.problems.append(
                Problem(comma.start, "empty list member (obsolete syntax)", obsolete=True)
            )

    def _guarded_element(self, *, in_group: bool) -> None:
        """One element; on failure, the sloppy-name reading, else a problem and resync."""
        start = self.i
        marks = (len(self.mailboxes), len(self.names), len(self.problems))
        try:
            self._element(in_group=in_group)
            self._end_of_element(in_group=in_group)
            return
        except _Broken as strict:
            problem, resume = strict.problem, self.i
        self._rollback(start, marks)
        try:
            if self._sloppy_name(in_group=in_group):
                return
        except _Broken as loose:
            problem, resume = loose.problem, max(resume, self.i)
        self._rollback(start, marks)
        # Resume after what was read, not inside it: each token is parsed a
        # bounded number of times however the field is broken.
        self.i = resume
        self.problems.append(problem)
        self._resync(in_group=in_group)

    def _rollback(self, start: int, marks: tuple[int, int, int]) -> None:
        self.i = start
        del self.mailboxes[marks[0] :]
        del self.names[marks[1] :]
        del self.problems[marks[2] :]
        if self.null_member_at is not None and self.null_member_at >= marks[2]:
            self.null_member_at = None

    def _resync(self, *, in_group: bool) -> None:
        """Skip to the next comma (or the ';' that ends the group, or the end)."""
        tokens = self.tokens
        while tokens[self.i].kind != END:
            token = tokens[self.i]
            if _is(token, b",") or (in_group and _is(token, b";")):
                return
            self.i += 1

    def _end_of_element(self, *, in_group: bool) -> None:
        token = self.tokens[self.i]
        if token.kind == END or _is(token, b",") or (in_group and _is(token, b";")):
            return
        if token.kind == BROKEN:
            raise _Broken(token.start, token.text.decode())
        raise _Broken(token.start, f"expected ',' between addresses, found {_describe(token)}")

    def _element(self, *, in_group: bool) -> None:
        """address = mailbox / group (RFC 5322 3.4)."""
        first = self.tokens[self.i]
        if _is(first, b"<"):
            self._angle_addr()
            return
        words = self._words()
        token = self.tokens[self.i]
        if token.kind == BROKEN:
            raise _Broken(token.start, token.text.decode())
        if not words:
            raise _Broken(token.start, f"expected an address, found {_describe(token)}")
        if _is(token, b"@"):
            self.i += 1
            self._addr_spec(words)
        elif _is(token, b"<"):
            self._display_name(words)
            self._angle_addr()
        elif _is(token, b":") and not in_group and self._group_possible():
            self._group(words, token)
        elif _is(token, b":"):
            where = "a group cannot hold a group" if in_group else "no ';' closes the group"
            raise _Broken(token.start, f"unexpected ':' ({where})")
        elif token.kind == END or _is(token, b",") or _is(token, b";"):
            raise _Broken(words[0].start, "address has no '@domain'")
        else:
            raise _Broken(token.start, f"unexpected {_describe(token)} in address")

    def _group_possible(self) -> bool:
        # In From and Sender a colon opens a group only when a ';' follows;
        # otherwise it is a sloppy display name ("Re: Bob <b@x>").
        return self.groups or self.last_semicolon > self.i

    def _group(self, words: list[Token], colon: Token) -> None:
        """group = display-name ":" [group-list] ";" [CFWS]."""
        self._display_name(words)
        if not self.groups:
            self.problems.append(
                Problem(
                    colon.start,
                    "group syntax in a mailbox field (RFC 6854 allows it only for special uses)",
                    obsolete=True,
                )
            )
        self.i += 1
        self._list(in_group=True)
        if _is(self.tokens[self.i], b";"):
            self.i += 1
        else:
            name = b" ".join(w.text for w in words)[:30].decode("ascii", "backslashreplace")
            self.problems.append(Problem(colon.start, f"group '{name}:' is not closed by ';'"))

    def _words(self) -> list[Token]:
        """The atoms, quoted strings and dots at the cursor (a phrase or local part)."""
        tokens = self.tokens
        start = self.i
        while True:
            token = tokens[self.i]
            if token.kind in (ATOM, QUOTED) or _is(token, b"."):
                self.i += 1
            else:
                return tokens[start : self.i]

    # -- names and addresses ------------------------------------------------

    def _in_encoded_word(self, index: int) -> bool:
        spans = self.encoded_words
        if not spans:
            return False
        position = bisect_right(spans, (index, len(self.value) + 1)) - 1
        return position >= 0 and spans[position][0] <= index < spans[position][1]

    def _display_name(self, words: list[Token]) -> None:
        """A phrase that parsed: only obs-phrase dots can be specials in it (RFC 5322 4.1)."""
        for token in words:
            if _is(token, b".") and not self._in_encoded_word(token.start):
                self.names.append(DisplayName(token.start, (".",)))
                return

    def _sloppy_name(self, *, in_group: bool) -> bool:
        """Read the element as a display name with unquoted specials, then ``<addr-spec>``.

        The name runs from the cursor to the first '<'.  It may not cross the
        end of the field or of a group, a broken token, a colon where a colon
        opens a group, more than MAX_NAME_COMMAS commas, or a comma after an
        '@' (``a@x, Bob <b@x>`` is two addresses, not one name).
        """
        tokens = self.tokens
        start = k = self.i
        specials: list[str] = []
        commas = 0
        seen_at = False
        while True:
            token = tokens[k]
            if token.kind in (END, BROKEN):
                return False
            if token.kind == LITERAL:
                specials += ["[", "]"]
            elif token.kind == SPECIAL and not self._in_encoded_word(token.start):
                char = token.text.decode("latin-1")
                if char == "<":
                    break
                if char == ";" and in_group:
                    return False
                if char == ":" and self.groups and not in_group:
                    return False
                if char == ",":
                    if seen_at or commas == MAX_NAME_COMMAS:
                        return False
                    commas += 1
                seen_at = seen_at or char == "@"
                specials.append(char)
            k += 1
        if k == start:
            return False
        if specials:
            first = next(
                t.start
                for t in tokens[start:k]
                if t.kind in (SPECIAL, LITERAL) and not self._in_encoded_word(t.start)
            )
            self.names.append(DisplayName(first, tuple(dict.fromkeys(specials))))
        self.i = k
        self._angle_addr()
        self._end_of_element(in_group=in_group)
        return True

    def _angle_addr(self) -> None:
        """angle-addr = [CFWS] "<" [obs-route] addr-spec ">" [CFWS]."""
        opening = self.tokens[self.i]
        self.i += 1
        token = self.tokens[self.i]
        if _is(token, b"@") or _is(token, b","):
            self._route()
            token = self.tokens[self.i]
        if _is(token, b">"):
            raise _Broken(opening.start, "empty address '<>'")
        words = self._words()
        token = self.tokens[self.i]
        if token.kind == BROKEN:
            raise _Broken(token.start, token.text.decode())
        if not words:
            raise _Broken(token.start, f"expected an address after '<', found {_describe(token)}")
        if not _is(token, b"@"):
            if token.kind == END:
                raise _Broken(opening.start, "'<' is not closed by '>'")
            if _is(token, b">"):
                raise _Broken(words[0].start, "address has no '@domain'")
            raise _Broken(token.start, f"unexpected {_describe(token)} in address")
        self.i += 1
        self._addr_spec(words)
        token = self.tokens[self.i]
        if _is(token, b">"):
            self.i += 1
        elif token.kind == END:
            raise _Broken(opening.start, "'<' is not closed by '>'")
        elif token.kind == BROKEN:
            raise _Broken(token.start, token.text.decode())
        else:
            raise _Broken(token.start, f"expected '>', found {_describe(token)}")

    def _route(self) -> None:
        """obs-route = obs-domain-list ":" (RFC 5322 4.4); read and set aside."""
        start = self.tokens[self.i]
        while True:
            token = self.tokens[self.i]
            if _is(token, b","):
                self.i += 1
                continue
            if not _is(token, b"@"):
                raise _Broken(
                    token.start, f"expected '@' in source route, found {_describe(token)}"
                )
            self.i += 1
            self._domain()
            token = self.tokens[self.i]
            if _is(token, b":"):
                self.i += 1
                break
            if not _is(token, b","):
                raise _Broken(
                    token.start, f"expected ':' after source route, found {_describe(token)}"
                )
        self.problems.append(
            Problem(
                start.start, "source route (obsolete syntax: receivers ignore it)", obsolete=True
            )
        )

    def _addr_spec(self, words: list[Token]) -> None:
        """addr-spec = local-part "@" domain; the cursor is after the '@'."""
        self.spaces.clear()
        local_start, local, bad_dots = self._local_part(words)
        domain_start = self.tokens[self.i].start
        domain = self._domain()
        self.mailboxes.append(Mailbox(local_start, local, bad_dots, domain_start, domain))
        if self.spaces:
            self.problems.append(
                Problem(
                    self.spaces[0],
                    "white space or comment inside the address (obsolete syntax)",
                    obsolete=True,
                )
            )

    def _local_part(self, words: list[Token]) -> tuple[int, bytes, tuple[tuple[int, str], ...]]:
        """local-part = dot-atom / quoted-string / obs-local-part (RFC 5322 3.4.1, 4.4).

        Dots at the ends or doubled are AD004's (a warning), not a parse error.
        """
        bad_dots: list[tuple[int, str]] = []
        last = len(words) - 1
        previous: Token | None = None
        for k, token in enumerate(words):
            if token.kind == SPECIAL:
                if k == 0:
                    bad_dots.append((token.start, "starts with '.'"))
                elif previous is not None and previous.kind == SPECIAL:
                    bad_dots.append((previous.start, "has '..'"))
                if k == last and k != 0:
                    bad_dots.append((token.start, "ends with '.'"))
            else:
                if previous is not None and previous.kind != SPECIAL:
                    raise _Broken(token.start, "space in the local part (quote it, or add '<' '>')")
                _check_controls(token)
            if k and token.gap:
                self.spaces.append(token.start)
            previous = token
        if all(token.kind == SPECIAL for token in words):
            raise _Broken(words[0].start, "local part holds only dots")
        return words[0].start, b"".join(t.text for t in words), tuple(bad_dots)

    def _domain(self) -> bytes:
        """domain = dot-atom / domain-literal / obs-domain (RFC 5322 3.4.1, 4.4)."""
        token = self.tokens[self.i]
        if token.kind == LITERAL:
            self.i += 1
            return token.text
        if token.kind == BROKEN:
            raise _Broken(token.start, token.text.decode())
        if _is(token, b"."):
            raise _Broken(token.start, "domain starts with '.'")
        if token.kind != ATOM:
            raise _Broken(token.start, f"expected a domain after '@', found {_describe(token)}")
        parts = []
        while True:
            token = self.tokens[self.i]
            _check_controls(token)
            if parts and token.gap:
                self.spaces.append(token.start)
            parts.append(token.text)
            self.i += 1
            dot = self.tokens[self.i]
            if not _is(dot, b"."):
                return b".".join(parts)
            following = self.tokens[self.i + 1]
            if _is(following, b"."):
                raise _Broken(dot.start, "'..' in the domain")
            if following.kind in (QUOTED, LITERAL, BROKEN):
                raise _Broken(following.start, f"unexpected {_describe(following)} in the domain")
            if following.kind != ATOM:
                raise _Broken(dot.start, "'.' at the end of the domain")
            if dot.gap:
                self.spaces.append(dot.start)
            self.i += 1


def _check_controls(token: Token) -> None:
    found = CONTROL.search(token.text) if token.kind == ATOM else None
    if found:
        raise _Broken(
            token.start + found.start(),
            f"control character 0x{token.text[found.start()]:02X} in the address",
        )


@lru_cache(maxsize=64)
def parse_addresses(kind: str, value: bytes) -> ParsedAddresses:
    """Read an address field body (cached: five rules read the same fields)."""
    return _AddressParser(value, kind).parse()


def _address_fields(message: ParsedMessage) -> Iterator[tuple[HeaderField, ParsedAddresses]]:
    """Every address field that is not empty (HD013's), with its reading."""
    for field in message.header.fields:
        kind = ADDRESS_FIELDS.get(field.key)
        if kind is not None and field.value.strip(b" \t"):
            yield field, parse_addresses(kind, field.value)


# -- msg-ids ------------------------------------------------------------------


def _msg_id(tokens: list[Token], i: int) -> tuple[int, Problem | None]:
    """Judge the msg-id whose '<' is at ``tokens[i]``: (index after it, problem).

    msg-id = [CFWS] "<" id-left "@" id-right ">" [CFWS] (RFC 5322 3.6.4), with
    id-left = dot-atom-text and id-right = dot-atom-text / no-fold-literal;
    the obsolete forms of 4.5.4 (a local-part and a domain: quoted strings,
    white space and comments inside) are noted as such.
    """
    opening = tokens[i]
    end = i + 1
    while tokens[end].kind not in (END, BROKEN) and not (
        _is(tokens[end], b">") or _is(tokens[end], b"<")
    ):
        end += 1
    if not _is(tokens[end], b">"):
        if tokens[end].kind == BROKEN:
            return end, Problem(tokens[end].start, tokens[end].text.decode())
        return end, Problem(opening.start, "'<' is not closed by '>'")
    inside = tokens[i + 1 : end]
    after = end + 1
    if not inside:
        return after, Problem(opening.start, "empty msg-id '<>'")
    ats = [k for k, token in enumerate(inside) if _is(token, b"@")]
    if not ats:
        return after, Problem(opening.start, "msg-id has no '@'")
    if len(ats) > 1:
        return after, Problem(opening.start, "msg-id has more than one '@'")
    left, right = inside[: ats[0]], inside[ats[0] + 1 :]
    error = _id_part(left, "left") or _id_part(right, "right")
    if error:
        return after, Problem(opening.start, error)
    obsolete = (
        any(token.gap for token in inside)
        or tokens[end].gap
        or any(token.kind == QUOTED for token in left)
        or any(token.kind == LITERAL and NOT_DTEXT.search(token.text[1:-1]) for token in right)
    )
    if obsolete:
        return after, Problem(
            opening.start,
            "obsolete msg-id syntax (white space, comment or quotes inside '<' '>')",
            obsolete=True,
        )
    return after, None


def _id_part(tokens: list[Token], side: str) -> str | None:
    """What is wrong with an id-left or id-right (dot-separated words), or None."""
    if not tokens:
        return f"msg-id has nothing {'before' if side == 'left' else 'after'} '@'"
    if side == "right" and len(tokens) == 1 and tokens[0].kind == LITERAL:
        return None
    previous: Token | None = None
    for token in tokens:
        is_dot = _is(token, b".")
        if token.kind == ATOM:
            if CONTROL.search(token.text):
                return "control character in msg-id"
        elif not is_dot and not (token.kind == QUOTED and side == "left"):
            return f"unexpected {_describe(token)} in msg-id"
        if previous is not None and is_dot == _is(previous, b"."):
            return "'..' in msg-id" if is_dot else "space in msg-id"
        previous = token
    if _is(tokens[0], b".") or _is(tokens[-1], b"."):
        return f"id-{side} of msg-id starts or ends with '.'"
    return None


def parse_msg_ids(value: bytes, *, multiple: bool) -> list[Problem]:
    """The problems of a Message-ID (one msg-id) or In-Reply-To/References body."""
    tokens = tokenize(value)
    problems: list[Problem] = []
    found = 0
    stray: Token | None = None
    phrase_only = True  # the stray text is an obs-phrase (RFC 5322 4.5.4)
    i = 0
    while tokens[i].kind != END:
        token = tokens[i]
        if token.kind == BROKEN:
            problems.append(Problem(token.start, token.text.decode()))
            break
        if not _is(token, b"<"):
            stray = stray or token
            phrase_only = phrase_only and (token.kind in (ATOM, QUOTED) or _is(token, b"."))
            i += 1
            continue
        found += 1
        if found == 2 and not multiple:
            problems.append(Problem(token.start, "more than one msg-id (one allowed)"))
            return problems
        i, problem = _msg_id(tokens, i)
        if problem is not None:
            problems.append(problem)
    if stray is not None:
        if multiple and (found or phrase_only):
            problems.append(
                Problem(stray.start, "text that is not a msg-id (obsolete syntax)", obsolete=True)
            )
        elif found:
            problems.append(
                Problem(stray.start, f"unexpected {_describe(stray)} beside the msg-id")
            )
        else:
            problems.append(Problem(stray.start, "not a msg-id: '<id-left@id-right>' expected"))
    elif not found:
        start = len(value) - len(value.lstrip(b" \t"))
        problems.append(Problem(start, "no msg-id in the field"))
    problems.sort(key=lambda p: p.index)
    return problems


# -- the rules ------------------------------------------------------------------


def _problem_hits(field: HeaderField, problems) -> Iterator[Hit]:
    """Hits for grammar problems of a field: obsolete syntax is a warning (RFC 5322 4)."""
    for problem in problems:
        yield Hit(
            field.offset_of(problem.index),
            problem.message,
            field=field.name,
            cap=Severity.WARNING if problem.obsolete else None,
        )


@rule(
    "AD001",
    "invalid-address",
    severity="error",
    summary="an address field that does not parse as an RFC 5322 address list",
    references=("RFC 5322 3.4", "RFC 5322 3.6.2", "RFC 5322 3.6.3", "RFC 5322 4.4", "RFC 6854"),
    bad=message(extra=b"Cc: Bob <bob@example.org\r\n"),
    good=message(extra=b"Cc: undisclosed-recipients:;\r\nBcc:\r\n"),
)
def invalid_address(message: ParsedMessage, params: Mapping[str, object]) -> Iterator[Hit]:
    """What it does: parses From, Sender, Reply-To, To, Cc, Bcc and their
    Resent- forms with the address grammar of RFC 5322 3.4 (From: one or more
    mailboxes, Sender: exactly one, the others: addresses or groups, Bcc: may
    be empty) and reports each address that does not parse, at the offending
    character: ``bob@@example.org``, ``<carol@example.org`` without its ``>``,
    ``bob`` without a domain, ``"Alice <a@x>`` with an open quote, two
    addresses without a comma, a group without its ``;``. After a broken
    address, parsing resumes at the next comma. RFC 2047 encoded words in
    display names and octets above 127 (HD006) are fine here.

    The obsolete syntax of RFC 5322 4.4, which readers must accept but writers
    must not produce, is a `warning`: a source route (``<@relay:bob@x>``),
    empty list members (``a@x,,b@x``), white space inside an address
    (``bob . smith@x``); so is a group in From or Sender (RFC 6854). A display
    name with unquoted specials before ``<addr-spec>`` is AD003's, dots in a
    local part AD004's; an empty field is HD013's.

    Why it matters: a receiver that cannot parse an address drops it, takes
    only part of it, or guesses: replies go to the wrong place or nowhere, and
    many servers reject a message whose From does not parse (DMARC needs it).
    """
    for field, parsed in _address_fields(message):
        yield from _problem_hits(field, parsed.problems)


@rule(
    "AD002",
    "invalid-message-id",
    severity="error",
    summary="Message-ID, In-Reply-To or References not made of <id-left@id-right> items",
    references=("RFC 5322 3.6.4", "RFC 5322 4.5.4"),
    bad=message(extra=b"In-Reply-To: 20231231.7@example.org\r\n"),
    good=message(extra=b"In-Reply-To: <20231231.7@example.org>\r\n"),
)
def invalid_message_id(message: ParsedMessage, params: Mapping[str, object]) -> Iterator[Hit]:
    """What it does: checks that Message-ID and Resent-Message-ID hold exactly
    one msg-id and In-Reply-To and References one or more, each of the form
    ``<id-left@id-right>`` (RFC 5322 3.6.4: dot-atoms, or a ``[literal]`` on
    the right), separated by white space or comments. Each bad item is
    reported at its start: no angle brackets, no ``@`` or more than one, a
    ``<`` never closed, ``..`` or a space inside.

    Readers must accept the obsolete forms of RFC 5322 4.5.4; they are a
    `warning`: quotes, white space or comments inside the brackets, and, once
    per field, text that is not a msg-id in In-Reply-To and References:
    phrases (``Your message of "Mon, 1 Jan 2024"``) and, beside at least one
    msg-id, the notes old mail programs appended (``<id@x>; from bob on
    Mon``). Such text alone, when it is not even a phrase
    (``In-Reply-To: bob@example.org``), is an error. An empty field is
    HD013's.

    Why it matters: mail programs thread conversations by these identifiers
    and remove duplicates by them. An identifier they cannot parse breaks the
    thread or is replaced by a relay, and spam filters score a malformed
    Message-ID.
    """
    for field in message.header.fields:
        multiple = MSG_ID_FIELDS.get(field.key)
        if multiple is None or not field.value.strip(b" \t"):
            continue
        yield from _problem_hits(field, parse_msg_ids(field.value, multiple=multiple))


@rule(
    "AD003",
    "unquoted-special-in-display-name",
    severity="warning",
    summary="a display name holding specials (, ; @ . : < > [ ] \\) outside quotes",
    references=("RFC 5322 3.2.3", "RFC 5322 3.4", "RFC 5322 4.1"),
    bad=message(extra=b"Cc: Doe, John <john@example.org>\r\n"),
    good=message(
        extra=b'Cc: "Doe, John" <john@example.org>, =?UTF-8?B?5bGx55Sw?= <y@example.jp>\r\n'
    ),
)
def unquoted_special_in_display_name(
    message: ParsedMessage, params: Mapping[str, object]
) -> Iterator[Hit]:
    """What it does: reports a display name (the text before ``<addr-spec>``,
    or a group's name) that holds specials outside a quoted string, once per
    name, at the first special: ``Doe, John <j@x>``, ``bob@example.org
    <bob@example.org>``, ``John Q. Public <j@x>``. A dot alone is obsolete
    syntax that readers must accept (RFC 5322 4.1) and is still reported,
    since writers must not produce it. Specials inside RFC 2047 encoded words
    are the EW rules' business.

    Why it matters: specials are the address grammar's punctuation. Outside
    quotes a comma splits the name into two addresses (replies go to a
    recipient called "Doe"), an ``@`` makes the name look like the address,
    and strict parsers reject the field. The fix is to quote the name:
    ``"Doe, John" <j@x>``.
    """
    for field, parsed in _address_fields(message):
        for name in parsed.names:
            listed = " ".join(repr(char) for char in name.specials)
            yield Hit(
                field.offset_of(name.index),
                f"display name holds {listed} outside quotes: quote the name",
                field=field.name,
            )


@rule(
    "AD004",
    "invalid-local-part-dots",
    severity="warning",
    summary="a local part with '..', or starting or ending with '.', unquoted",
    references=("RFC 5322 3.4.1", "RFC 5322 3.2.3"),
    bad=message(extra=b"Cc: taro..yamada.@docomo.ne.jp\r\n"),
    good=message(extra=b'Cc: "taro..yamada."@docomo.ne.jp\r\n'),
)
def invalid_local_part_dots(message: ParsedMessage, params: Mapping[str, object]) -> Iterator[Hit]:
    """What it does: reports an address whose local part, outside quotes,
    holds two dots in a row or starts or ends with a dot
    (``taro..yamada.@docomo.ne.jp``), once per address, at the first such dot.
    A quoted local part (``"taro..yamada."@docomo.ne.jp``) is fine.

    Why it matters: a dot-atom may not hold empty atoms (RFC 5322 3.2.3).
    docomo and au let their users register such addresses until 2009, and
    they still receive mail; but many mail programs and servers refuse to send
    to them. Quoting the local part makes the address valid and reaches the
    same mailbox.
    """
    for field, parsed in _address_fields(message):
        for mailbox in parsed.mailboxes:
            if mailbox.bad_dots:
                index = mailbox.bad_dots[0][0]
                what = " and ".join(dict.fromkeys(reason for _, reason in mailbox.bad_dots))
                yield Hit(
                    field.offset_of(index),
                    f"local part {what}: quote it",
                    field=field.name,
                )


@rule(
    "AD005",
    "address-too-long",
    severity="error",
    summary="a local part over 64 octets, a domain over 255 or a path over 256",
    params={"max-local-part": 64, "max-domain": 255, "max-path": 256},
    references=("RFC 5321 4.5.3.1.1", "RFC 5321 4.5.3.1.2", "RFC 5321 4.5.3.1.3"),
    bad=message(extra=b"Cc: " + b"a" * 65 + b"@example.org\r\n"),
    good=message(extra=b"Cc: " + b"a" * 64 + b"@example.org\r\n"),
)
def address_too_long(message: ParsedMessage, params: Mapping[str, object]) -> Iterator[Hit]:
    """What it does: measures every address as SMTP would send it (quotes of
    a quoted local part included, comments and white space not) and reports a
    local part over ``max-local-part`` octets at its start, a domain over
    ``max-domain`` at its start, and otherwise a path (``<local@domain>``)
    over ``max-path`` at the start of the address.

    Why it matters: RFC 5321 4.5.3.1 sets these as the sizes every SMTP server
    must accept; beyond them a server may refuse the recipient or the whole
    message, and some truncate the address.
    """
    max_local = int(params["max-local-part"])
    max_domain = int(params["max-domain"])
    max_path = int(params["max-path"])
    for field, parsed in _address_fields(message):
        for mailbox in parsed.mailboxes:
            local, domain = len(mailbox.local), len(mailbox.domain)
            if local > max_local:
                yield Hit(
                    field.offset_of(mailbox.local_start),
                    f"local part is {local} octets (limit {max_local})",
                    field=field.name,
                )
            if domain > max_domain:
                yield Hit(
                    field.offset_of(mailbox.domain_start),
                    f"domain is {domain} octets (limit {max_domain})",
                    field=field.name,
                )
            path = local + domain + 3  # '<', '@', '>'
            if path > max_path and local <= max_local and domain <= max_domain:
                yield Hit(
                    field.offset_of(mailbox.local_start),
                    f"path is {path} octets (limit {max_path})",
                    field=field.name,
                )
