"""ML: maillint's own limits, where the analysis of a hostile message stops.

A message built to break parsers (millions of lines, header fields or MIME
parts) must still yield a report in bounded time and memory, so the analysis
stops at the limits of the profile, and this family says where it stopped: a
finding, never silence.  The limits are ML001's parameters, so they live in
the profile like every other number, are validated like them and can be
raised or lowered per profile; the engine reads them even when ML001 is off
(then the cut is silent, as the profile asked).  Two limits live elsewhere:
the nesting depth is MM007's ``max-depth`` (MM007 reports it), and the
findings of one rule in one message beyond ``max-findings-per-rule`` are
summed up by the engine in one more finding *of that rule* ("and N more"), so
that selecting or ignoring the rule keeps or drops its summary with it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from maillint.checks.examples import message
from maillint.findings import Hit
from maillint.mime import Part
from maillint.parse import DEFAULT_LIMITS, HeaderSection, Limits, ParsedMessage
from maillint.registry import rule
from maillint.source import Source

PARAMS = {
    "max-lines": DEFAULT_LIMITS.max_lines,
    "max-header-fields": DEFAULT_LIMITS.max_header_fields,
    "max-parts": DEFAULT_LIMITS.max_parts,
    "max-findings-per-rule": DEFAULT_LIMITS.max_findings,
}


def limits_from(params: Mapping[str, object]) -> Limits:
    """The limits that ML001's parameters set (defaults for any not given)."""
    return Limits(
        max_lines=int(params.get("max-lines", DEFAULT_LIMITS.max_lines)),
        max_header_fields=int(params.get("max-header-fields", DEFAULT_LIMITS.max_header_fields)),
        max_parts=int(params.get("max-parts", DEFAULT_LIMITS.max_parts)),
        max_findings=int(params.get("max-findings-per-rule", DEFAULT_LIMITS.max_findings)),
    )


def _many_parts(count: int) -> bytes:
    """An example message: a multipart with ``count`` empty parts."""
    return message(
        extra=b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n",
        body=b"--b\r\n" * count + b"--b--\r\n",
    )


def _line_start(source: Source, index: int) -> int:
    """Offset of line ``index``; the end of the data when there is no such line."""
    return source.starts[index] if index < len(source) else len(source.data)


def _header_cut(source: Source, header: HeaderSection, limit: int, part: Part) -> Iterator[Hit]:
    if header.cut is not None:
        yield Hit(
            _line_start(source, header.cut),
            f"more than {limit} header fields (max-header-fields): "
            "this field and the rest of the header section were not checked",
            part=part.path or None,
        )


@rule(
    "ML001",
    "analysis-cut-short",
    severity="warning",
    summary="a resource limit of the profile stopped the analysis: the rest was not checked",
    params=PARAMS,
    references=(
        "ClamAV clamd.conf MaxFiles, MaxScanSize",
        "Postfix header_size_limit, mime_nesting_limit",
    ),
    bad=_many_parts(DEFAULT_LIMITS.max_parts + 1),
    good=_many_parts(3),
)
def analysis_cut_short(message: ParsedMessage, params: Mapping[str, object]) -> Iterator[Hit]:
    """What it does: reports each place where the analysis stopped at one of
    the profile's limits, and what was left unchecked: after ``max-lines``
    lines of the message (at the end of the last line read), after
    ``max-header-fields`` fields of one header section (at the first field
    not read), after ``max-parts`` MIME parts (at the delimiter of the first
    part not made; the delimiters are still followed, so the parts before it
    keep their true extent). The parameters are the limits themselves: the
    engine applies them whether or not this rule is on. A fourth,
    ``max-findings-per-rule``, caps the findings of one rule in one message;
    the rest are summed up in one more finding of that rule, at the first one
    left out ("and N more"). Nesting depth is MM007's ``max-depth``.

    Why it matters: no real message comes near these limits, and a message
    that does was built to exhaust the memory or time of the programs that
    read it (spam filters, virus scanners, archives). Stopping keeps
    maillint's own cost bounded; saying so keeps the report honest, since
    whatever lies past the limit may hold problems that were not reported.
    """
    limits = message.limits
    source = message.source
    if message.unchecked:
        yield Hit(
            len(source.data),
            f"more than {limits.max_lines} lines (max-lines): "
            f"the last {message.unchecked} octets were not checked",
        )
    for part in message.mime.walk():
        yield from _header_cut(source, part.header, limits.max_header_fields, part)
        if part.cut is not None:
            yield Hit(
                _line_start(source, part.cut),
                f"more than {limits.max_parts} MIME parts (max-parts): "
                "the parts from here on were not parsed or checked",
                part=part.path or None,
            )
