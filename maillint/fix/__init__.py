"""Automatic repairs that keep what the message says: ``maillint fix``.

The loop is ruff's fix loop, applied to octets:

1. Parse the message once and lint it; the same ``ParsedMessage`` (its line
   index, header fields and MIME tree) serves the rules and the repairs.
2. Each repair in ``REPAIRS`` (one small function, declared for the rule
   codes it repairs) reads its rules' findings and proposes ``Fix``es, groups
   of ``Edit``s (a range of the current octets and what replaces it) that
   apply together, or ``Skip``s that say why a finding is left alone.
3. A fix whose edits touch an edit already taken in this pass waits for the
   next pass; one that touches signed content is refused unless ``force``.
   The rest are applied in one go, front to back over the sorted edits, so
   every offset refers to the octets the pass parsed.
4. The result is checked: the decoded content of every leaf part (the text
   after transfer decoding, line ends aside; attachment octets exactly) must
   be what it was.  A fix that breaks this is dropped and reported.
5. Repeat on the new octets until a pass proposes nothing.  The last lint is
   the report of what remains, and the output is a fixed point: ``fix`` of a
   fixed message proposes nothing and changes nothing.

Decisions where the issue leaves a choice:

* Line ends.  A file in the Unix storage form (every line ends in LF) keeps
  it: LN003 is only ``info`` there, and ``--line-endings wire`` is how to ask
  for CRLF.  A file that mixes the two keeps the ending most of its lines
  have (``auto``), so a Unix file with a few stray CRLFs becomes a clean Unix
  file; ``--line-endings wire`` (the API's default) always gives CRLF.  Bodies
  declared ``binary`` are data and keep their octets (an SMTP smuggling
  sequence in them excepted: removing it is the point).
* Header folding inserts a line break before existing white space and never
  adds or removes any, so the unfolded value is unchanged (RFC 5322 2.2.3).
  In structured fields it folds only outside quoted strings, comments,
  ``<...>`` and ``[...]``.
* Raw 8-bit header text is decoded as UTF-8 when it is valid UTF-8, else in
  the message's charset, else in a charset chardet is sure of and that
  decodes it strictly; it is then encoded in the message's charset when that
  charset can hold the text, in UTF-8 otherwise.  Only unstructured fields
  and display names are encoded; an address itself cannot be.  A raw 8-bit
  ``name`` or ``filename`` parameter (in any part's header) is rewritten in
  RFC 2231 form, or as RFC 2047 words in quotes under a Japanese carrier
  profile, like the names AT002's repair adds; an unquoted one (MM002) or
  8-bit octets in any other parameter are left alone.
* 7-bit transport: the TE002 parameter ``transport`` (``8bit`` by default,
  ``7bit`` in a profile for receivers without 8BITMIME).  With ``7bit``, text
  is re-encoded as quoted-printable (base64 when that is shorter, as for
  Japanese UTF-8), other parts as base64.
* Signed messages: the body and the fields listed in ``h=`` of a
  DKIM-Signature (or ARC-Message-Signature), the field itself, and the content
  of every multipart/signed part are signed.  Converting an all-LF file to
  CRLF is exempt: that is what the transport does to it anyway.
* A file that starts with ``From `` is an mbox: each message is fixed, the
  postmark lines and separators are kept as they are.

The package, one responsibility a module:

* ``model``: what repairs produce (``Edit``, ``Fix``, ``Skip``) and the report.
* ``context``: the ``Context`` a repair works in, signed content, the
  ``REPAIRS`` table and the helpers the repairs share.
* The repairs, one family a module: ``lines`` (LN003, LN004, LN007, LN009),
  ``fields`` (HD004, HD005, MM001), ``words`` (HD006, EW001: RFC 2047),
  ``folding`` (LN001, LN002, EW006), ``bodies`` (TE002, TE004, CS003),
  ``names`` (AT002, AT003, AT004) and ``missing`` (HD012, HD008, which invent
  data); ``reencode`` writes the quoted-printable and base64 bodies that
  ``folding`` and ``bodies`` share.
* ``loop``: the passes (steps 1 to 5), the content check, ``fix_bytes`` and
  ``fix_file``; it imports the repair modules, in their priority order.
* ``show``: the diff and the lines the CLI prints.
"""

from __future__ import annotations

from maillint.fix.context import REPAIRS
from maillint.fix.loop import contents, fix_bytes, fix_file, same_content
from maillint.fix.model import FixInputError, FixReport, Note
from maillint.fix.show import describe, render_diff, summary

__all__ = [
    "REPAIRS",
    "FixInputError",
    "FixReport",
    "Note",
    "contents",
    "describe",
    "fix_bytes",
    "fix_file",
    "render_diff",
    "same_content",
    "summary",
]
