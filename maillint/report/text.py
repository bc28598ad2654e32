"""The text format: one line per finding, like a compiler, then a summary.

``path:line:col: CODE [severity] message (name)`` is what editors and CI logs
already know how to turn into links.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from maillint.findings import Finding, Severity
from maillint.registry import all_rules

if TYPE_CHECKING:
    from maillint.report import RenderOptions
    from maillint.runner import Results

COLORS = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.INFO: "36"}


def _paint(text: str, code: str, on: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if on else text


def format_finding(finding: Finding, *, color: bool = False) -> str:
    """One finding as ``path:line:col: CODE [severity] message (name)``."""
    where = _paint(f"{finding.path}:{finding.line}:{finding.column}:", "1", color)
    severity = _paint(f"[{finding.severity}]", COLORS[finding.severity], color)
    code = _paint(finding.code, "1", color)
    return f"{where} {code} {severity} {finding.message} ({finding.name})"


def _count(number: int, word: str) -> str:
    return f"{number} {word}" + ("" if number == 1 else "s")


def summary(results: Results) -> str:
    """``Found 5 problems (2 errors, 3 warnings, 0 infos) in 4 messages (1 clean).``"""
    counts = results.counts()
    total = sum(counts.values())
    messages = len(results.reports)
    clean = sum(1 for r in results.reports if not r.findings)
    parts = ", ".join(_count(counts.get(s, 0), str(s)) for s in reversed(Severity))
    text = f"Found {_count(total, 'problem')} ({parts}) in {_count(messages, 'message')}"
    text += f" ({clean} clean)." if messages else "."
    if results.errors:
        text += f" {_count(len(results.errors), 'input')} could not be read."
    return text


def statistics(results: Results) -> list[str]:
    """Per-code counts, most frequent first (no severity: a rule's findings may differ in it)."""
    registry = all_rules()
    lines = []
    for code, number in sorted(results.code_counts().items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(f"{number:>7}  {code}  {registry[code].name}")
    return lines


def render(results: Results, options: RenderOptions) -> str:
    """The whole text report."""
    out = []
    for report in results.reports:
        out.extend(f"{report.path}: note: carrier profile {reason}" for reason in report.carriers)
        out.extend(format_finding(finding, color=options.color) for finding in report.findings)
    if options.statistics:
        out.extend(statistics(results))
    if not options.quiet:
        out.append(summary(results))
    return "\n".join(out) + ("\n" if out else "")
