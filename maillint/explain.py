"""A rule's documentation as text: for ``maillint explain`` and the README table.

Both read the registry, so the documentation a user sees and the rules that
run can never disagree.
"""

from __future__ import annotations

from itertools import groupby

from maillint.registry import Rule, all_rules

SHOWN_OCTETS = 96
SHOWN_REPEATS = 3


def show_bytes(data: bytes) -> list[str]:
    """An example message, line by line, with CR, LF and other invisible octets spelled out.

    A run of identical lines (the 1000 fields of a header that is too large)
    shows its first ``SHOWN_REPEATS`` and a count of the rest.
    """
    lines = []
    for raw, group in groupby(data.splitlines(keepends=True)):
        text = "".join(_show_octet(o) for o in raw[:SHOWN_OCTETS])
        if len(raw) > SHOWN_OCTETS:
            text += f"… [{len(raw) - SHOWN_OCTETS} more octets]"
        count = sum(1 for _ in group)
        lines.extend([text] * min(count, SHOWN_REPEATS))
        if count > SHOWN_REPEATS:
            lines.append(f"… [the line above {count - SHOWN_REPEATS} more times]")
    return lines


def _show_octet(octet: int) -> str:
    if octet == 0x0D:
        return "\\r"
    if octet == 0x0A:
        return "\\n"
    if octet == 0x09:
        return "\\t"
    if 0x20 <= octet < 0x7F:
        return chr(octet)
    return f"\\x{octet:02x}"


def find_rule(key: str) -> Rule | None:
    """A rule by code (any case) or by name."""
    rules = all_rules()
    key = key.strip()
    if key.upper() in rules:
        return rules[key.upper()]
    return next((r for r in rules.values() if r.name == key.lower()), None)


def explain(rule: Rule) -> str:
    """The full documentation of one rule."""
    out = [f"{rule.code} {rule.name} [{rule.severity}]", rule.summary, "", rule.doc, ""]
    if rule.params:
        out.append("Parameters: " + ", ".join(f"{k} = {v!r}" for k, v in rule.params.items()))
    if rule.references:
        out.append("References: " + "; ".join(rule.references))
    out.append("Fixable: " + ("yes" if rule.fixable else "no"))
    for title, example in (("Bad", rule.bad), ("Good", rule.good)):
        out.append("")
        out.append(f"{title} example:")
        out.extend("    " + line for line in show_bytes(example))
    return "\n".join(out) + "\n"


def rules_table() -> str:
    """The Markdown table of every rule, as the README carries it."""
    out = ["| code | name | severity | what |", "|---|---|---|---|"]
    for rule in all_rules().values():
        out.append(f"| {rule.code} | {rule.name} | {rule.severity} | {rule.summary} |")
    return "\n".join(out) + "\n"
