"""The GitHub Actions format: workflow-command annotations and a Markdown step summary.

Each finding becomes one line that the Actions runner turns into an annotation
on the file, line and column::

    ::error file=examples/long-line.eml,line=7,col=999,title=LN001 line-too-long::line is ...

``warning`` and ``notice`` carry the other severities.  Values are escaped as
the runner's own toolkit does (``%``, CR and LF everywhere; ``:`` and ``,`` too
in properties), so no message text can end a command early or start another.

The runner shows only the first 10 annotations of each level in a step, so
the format also writes a Markdown summary: appended to the file named by
``$GITHUB_STEP_SUMMARY`` when it is set (as it is in every Actions step),
otherwise printed after the annotations.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

from maillint.findings import Finding, Severity
from maillint.registry import all_rules

if TYPE_CHECKING:
    from maillint.report import RenderOptions
    from maillint.runner import Results

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
SUMMARY_ROWS = 200  # findings listed in the summary; the rest are counted
# Every character Markdown (GFM) gives a meaning to, ``:`` ``@`` ``.`` included so that no
# URL or address in a message becomes an autolink.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~&:@])")


def escape_data(text: str) -> str:
    """A command's message, as actions/toolkit's escapeData."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A command's property value, as actions/toolkit's escapeProperty."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding) -> str:
    """One finding as an ``::error``/``::warning``/``::notice`` workflow command."""
    properties = ",".join(
        f"{key}={escape_property(value)}"
        for key, value in (
            ("file", finding.path),
            ("line", str(finding.line)),
            ("col", str(finding.column)),
            ("title", f"{finding.code} {finding.name}"),
        )
    )
    return f"::{COMMANDS[finding.severity]} {properties}::{escape_data(finding.message)}"


def markdown_text(text: str) -> str:
    """Text for a Markdown table cell: one line, every special character escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}" + ("" if count == 1 else "s")


def summary(results: Results) -> str:
    """The Markdown step summary: totals, rules by frequency, the findings worst first."""
    counts = results.counts()
    messages = len(results.reports)
    clean = sum(1 for r in results.reports if not r.findings)
    parts = ", ".join(_plural(counts.get(s, 0), str(s)) for s in reversed(Severity))
    out = [
        "## maillint",
        "",
        f"**{parts}** in {_plural(messages, 'message')} ({clean:,} clean), "
        f"profile `{results.profile}`.",
    ]
    if results.errors:
        out.append("")
        out.append(f"{_plural(len(results.errors), 'input')} could not be read:")
        out.append("")
        out.extend(f"- {markdown_text(e.path)}: {markdown_text(e.message)}" for e in results.errors)
    code_counts = results.code_counts()
    if code_counts:
        registry = all_rules()
        out += ["", "| rule | name | findings |", "|---|---|---:|"]
        for code, number in sorted(code_counts.items(), key=lambda kv: (-kv[1], kv[0])):
            name = registry[code].name if code in registry else ""
            out.append(f"| {code} | {name} | {number:,} |")
        findings = [f for r in results.reports for f in r.findings]
        findings.sort(key=lambda f: -f.severity)  # stable: input order within a severity
        out += ["", "| where | severity | rule | message |", "|---|---|---|---|"]
        for f in findings[:SUMMARY_ROWS]:
            where = markdown_text(f"{f.path}:{f.line}:{f.column}")
            message = markdown_text(f.message)
            out.append(f"| {where} | {f.severity} | {f.code} {f.name} | {message} |")
        if len(findings) > SUMMARY_ROWS:
            out.append("")
            out.append(
                f"{_plural(len(findings) - SUMMARY_ROWS, 'more finding')} not listed; "
                "the annotations in the log hold every one."
            )
    return "\n".join(out) + "\n"


def render(results: Results, options: RenderOptions) -> str:
    """The annotations, one per line; the summary to $GITHUB_STEP_SUMMARY or after them."""
    lines = [annotation(f) for report in results.reports for f in report.findings]
    lines += [
        f"::error file={escape_property(e.path)},title=maillint::{escape_data(e.message)}"
        for e in results.errors
    ]
    text = summary(results)
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if target:
        try:
            with open(target, "a", encoding="utf-8") as out:
                out.write(text + "\n")
        except OSError as exc:
            problem = f"cannot write the step summary to {target}: {exc.strerror or exc}"
            lines.append(f"::warning title=maillint::{escape_data(problem)}")
    else:
        lines += ["", text.rstrip("\n")]
    return "\n".join(lines) + "\n"
