"""Repairs of header syntax that touch one field in place: a white-space-only
folded line (HD004), white space before the colon (HD005), and MIME-Version
(MM001).

Apart because they are small, local and need nothing but the field: the place
to add a repair of that kind.
"""

from __future__ import annotations

from collections.abc import Iterator

from maillint.findings import Finding
from maillint.fix.context import Context, _content_end, repairs
from maillint.fix.model import Edit, Fix, Skip

# -- HD004 and HD005: header syntax -----------------------------------------------------


@repairs("HD004")
def whitespace_only_lines(ctx: Context, findings: list[Finding]) -> Iterator[Fix | Skip]:
    """A folded line made only of white space is removed (its field keeps its text)."""
    for finding in findings:
        line = ctx.source.line(ctx.line_of(finding))
        yield Fix(
            ("HD004",),
            (Edit(line.start, line.end, b""),),
            f"removed a white-space-only line from {finding.field}",
        )


@repairs("HD005")
def space_before_colon(ctx: Context, findings: list[Finding]) -> Iterator[Fix | Skip]:
    """``Subject : x`` becomes ``Subject: x``."""
    for finding in findings:
        header_field = ctx.field_of(finding)
        if header_field is None:
            yield Skip("HD005", "the field was not found")
            continue
        name_end = header_field.start + len(header_field.raw_name)
        yield Fix(
            ("HD005",),
            (Edit(name_end, header_field.colon, b""),),
            f"removed white space before the colon of {header_field.name}",
        )


# -- MM001: MIME-Version --------------------------------------------------------------


@repairs("MM001")
def mime_version(ctx: Context, findings: list[Finding]) -> Iterator[Fix | Skip]:
    """``MIME-Version: 1.0`` added before the first Content-* field, or a wrong value made 1.0."""
    header = ctx.message.header
    existing = header.get_all("mime-version")
    if len(existing) > 1:
        yield Skip("MM001", "more than one MIME-Version field")
        return
    if existing:
        version = existing[0]
        yield Fix(
            ("MM001",),
            (Edit(version.value_offset, _content_end(ctx.source, version), b" 1.0"),),
            "MIME-Version set to 1.0 (the only version there is)",
        )
        return
    first = next(
        (f for f in header.fields if f.key.startswith("content-") and f.key != "content-length"),
        None,
    )
    if first is None:
        yield Skip("MM001", "no Content-* field found")
        return
    yield Fix(
        ("MM001",),
        (Edit(first.start, first.start, b"MIME-Version: 1.0" + ctx.eol),),
        "MIME-Version: 1.0 added",
        adds=("MIME-Version",),
    )
