"""The rule registry: every rule documented, its own examples proving it, the docs in sync."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from maillint import lint_bytes
from maillint.explain import rules_table
from maillint.profiles import rules_dir
from maillint.registry import all_rules

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT.parent / "shared" / "RULES.md"
RULES = all_rules()
# Codes this project added after the shared catalog (RULES.md) was written:
# new codes, never renumbered ones. Filed for the catalog in the issue notes.
ADDED_CODES = {"ML001": ("analysis-cut-short", "warning")}


@pytest.mark.parametrize("code", sorted(RULES))
def test_bad_example_fires_and_good_example_is_silent(code):
    rule = RULES[code]
    bad = [f for f in lint_bytes(rule.bad, select=[code]).findings if f.code == code]
    good = [f for f in lint_bytes(rule.good, select=[code]).findings if f.code == code]
    assert bad, f"{code}: its bad example does not trigger it"
    assert not good, f"{code}: its good example triggers it: {good}"
    for finding in bad:
        assert 1 <= finding.line <= rule.bad.count(b"\n") + 1
        assert 0 <= finding.offset <= len(rule.bad)


@pytest.mark.parametrize("code", sorted(RULES))
def test_rule_has_documentation(code):
    rule = RULES[code]
    assert re.fullmatch(r"[A-Z]{2}\d{3}", rule.code)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.name)
    assert rule.summary and rule.summary == rule.summary.strip()
    assert "What it does:" in rule.doc and "Why it matters:" in rule.doc, code
    assert rule.references, f"{code} cites no source"


def test_codes_and_names_are_unique():
    names = [r.name for r in RULES.values()]
    assert len(names) == len(set(names))


@pytest.mark.skipif(not CATALOG.is_file(), reason="the shared rule catalog is not beside the repo")
def test_codes_names_and_severities_match_the_catalog():
    catalog = {
        m.group(1): (m.group(2), m.group(3))
        for m in re.finditer(
            r"^\| ([A-Z]{2}\d{3}) \| ([a-z0-9-]+) \| (\w+) \|", CATALOG.read_text(), re.M
        )
    }
    for code, rule in RULES.items():
        expected = catalog.get(code) or ADDED_CODES.get(code)
        assert expected, f"{code} is in neither RULES.md nor ADDED_CODES"
        assert (rule.name, str(rule.severity)) == expected, code
    assert not set(ADDED_CODES) & set(catalog), "now in the catalog: drop it from ADDED_CODES"


def test_default_profile_lists_every_rule_as_declared():
    data = tomllib.loads((rules_dir() / "default.toml").read_text(encoding="utf-8"))
    assert "extends" not in data
    table = data["rules"]
    assert sorted(table) == sorted(RULES), "run scripts/sync_generated.py"
    for code, rule in RULES.items():
        entry = dict(table[code])
        assert entry.pop("severity") == (str(rule.severity) if rule.default_on else "off"), code
        assert entry == dict(rule.params), code


def test_readme_rule_table_is_current():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert rules_table() in readme, "run scripts/sync_generated.py"
