"""Pathological inputs: bounded cost, a complete report, and a finding where analysis stopped.

Each input of issue 9 is linted with every rule on, at a size small enough for
the suite (``benchmarks/pathological.py`` runs the full sizes and prints the
times); the test checks what the report says, and how the work (the count of
function calls, never the time) grows with the input.  The limits (ML001's
parameters, MM007's depth) are checked as profile data too.
"""

from __future__ import annotations

from collections import Counter

import pytest

from hostile import BUILDERS
from maillint import ProfileError, lint_bytes, load_profile
from maillint.decode import decoded_body
from maillint.parse import DEFAULT_LIMITS, Limits, parse
from maillint.registry import all_rules
from support import calls, msg


def lint_all(data: bytes, **options):
    return lint_bytes(data, select=list(all_rules()), **options)


def codes(report) -> Counter[str]:
    return Counter(f.code for f in report.findings)


def own_codes(report) -> dict[str, int]:
    """How many findings of each code, the carrier rules (CR, tested in
    test_carrier_rules.py) left out."""
    return {code: n for code, n in codes(report).items() if not code.startswith("CR")}


def only(report, code: str):
    found = [f for f in report.findings if f.code == code]
    assert len(found) == 1, found
    return found[0]


def test_long_single_line():
    report = lint_all(BUILDERS["single-line"](2_000_000))
    long_line = only(report, "LN001")
    assert (long_line.line, long_line.column) == (8, 999)
    assert "2000000 octets" in long_line.message
    assert "ML001" not in codes(report)  # nothing was cut: one line is no reason to stop
    assert own_codes(report) == {"LN001": 1, "LN002": 1, "LN009": 1}


def test_many_header_fields_stop_at_the_limit():
    data = BUILDERS["header-fields"](20_000)
    report = lint_all(data)
    cut = only(report, "ML001")
    # 6 fields before the fillers, one line each: field 10,001 is on line 10,001.
    assert (cut.line, cut.column) == (DEFAULT_LIMITS.max_header_fields + 1, 1)
    assert "max-header-fields" in cut.message
    assert "HD014" in codes(report)  # the section is still judged too large
    assert own_codes(report) == {"HD014": 1, "ML001": 1}
    assert len(parse(data).header.fields) == DEFAULT_LIMITS.max_header_fields
    assert parse(data).header.body_start == 20_006 + 1  # the body is still found


def test_header_folded_over_many_lines():
    data = BUILDERS["folded-header"](50_000)
    message = parse(data)
    subject = message.header.get("subject")
    assert subject is not None and subject.last_line - subject.first_line == 50_000
    assert subject.value == b" folded" + b" again" * 50_000
    report = lint_all(data)
    assert "ML001" not in codes(report)
    assert report.subject is not None and report.subject.endswith("…")  # shown cut, not whole
    assert own_codes(report) == {"HD014": 1}


def test_deep_nesting_stops_at_max_depth():
    report = lint_all(BUILDERS["nested-multiparts"](2_000))
    deep = only(report, "MM007")
    assert "depth 32" in deep.message and "not parsed" in deep.message
    assert max(part.depth for part in report.parts) == 32
    assert own_codes(report) == {"MM007": 1, "MM010": 23}


def test_many_sibling_parts_stop_at_max_parts():
    data = BUILDERS["sibling-parts"](5_000)
    report = lint_all(data)
    cut = only(report, "ML001")
    assert "max-parts" in cut.message
    # 7 header lines and the separator, then 4 lines a part: part 1,001 starts at line 4,009.
    assert (cut.line, cut.column) == (8 + 4 * DEFAULT_LIMITS.max_parts + 1, 1)
    children = parse(data).mime.children
    assert len(children) == DEFAULT_LIMITS.max_parts
    assert (children[-1].start + 1, children[-1].end) == (cut.line - 3, cut.line - 1)
    assert not {"MM005", "MM006"} & set(codes(report))  # the close-delimiter is still found
    assert own_codes(report) == {"ML001": 1}


def test_boundary_prefix_of_every_body_line():
    report = lint_all(BUILDERS["boundary-prefix"](50_000))
    assert [p.path for p in report.parts] == ["", "1"]
    assert report.parts[1].last_line == 11 + 50_000  # 11 lines before the body lines
    assert own_codes(report) == {}  # no MM005, MM006, MM010, ML001


def test_large_base64_part():
    data = BUILDERS["base64-part"](2_000_000)
    report = lint_all(data)
    assert own_codes(report) == {}  # no TE003, TE004, ML001
    message = parse(data)
    assert len(decoded_body(message.source, message.mime)) == 768 * (2_000_000 // 768)


def test_subject_of_encoded_words():
    report = lint_all(BUILDERS["encoded-words"](200_000))
    counts = codes(report)
    assert all(n <= DEFAULT_LIMITS.max_findings + 1 for n in counts.values()), counts
    assert report.subject is not None and report.subject.startswith("あいうえお")
    # Every word is well formed and folded: the header section is only too large.
    assert own_codes(report) == {"HD014": 1}
    too_large = only(report, "HD014")
    assert (too_large.line, too_large.column) == (2926, 11)
    assert too_large.message.startswith("header section has 200180 octets")


def test_only_cr():
    data = BUILDERS["only-cr"](300_000)
    report = lint_all(data)
    bare_cr = only(report, "LN004")
    assert "300000 bare CRs" in bare_cr.message and (bare_cr.line, bare_cr.column) == (1, 1)
    assert own_codes(report) == {"HD008": 2, "HD012": 1, "LN004": 1, "LN009": 1}


def test_lines_past_max_lines_are_not_analysed(tmp_path):
    profile = tmp_path / "small.toml"
    profile.write_text('extends = "default"\n\n[rules.ML001]\nmax-lines = 100000\n')
    data = BUILDERS["only-cr"](300_000)
    report = lint_all(data, profile=str(profile))
    cut = only(report, "ML001")
    assert "more than 100000 lines" in cut.message and "200000 octets" in cut.message
    assert cut.offset == 100_000 and cut.line == 100_000  # the end of the last line read
    assert "100000 bare CRs" in only(report, "LN004").message
    assert report.size == len(data)


def test_findings_per_rule_are_summed_up_past_the_limit():
    long_lines = (b"x" * 1000 + b"\r\n") * 300
    report = lint_all(msg(body=long_lines))
    found = [f for f in report.findings if f.code == "LN001"]
    assert len(found) == DEFAULT_LIMITS.max_findings + 1
    summary = found[-1]
    assert summary.message.startswith("and 200 more like this")
    assert summary.line == 7 + DEFAULT_LIMITS.max_findings  # the first one left out
    assert summary.severity == found[0].severity


def test_the_limits_are_profile_parameters(tmp_path):
    profile = tmp_path / "tight.toml"
    profile.write_text(
        'extends = "default"\n\n[rules.ML001]\nmax-parts = 10\nmax-findings-per-rule = 2\n'
    )
    report = lint_all(BUILDERS["sibling-parts"](50), profile=str(profile))
    assert len(report.parts) == 11
    assert "more than 10 MIME parts" in only(report, "ML001").message
    report = lint_all(msg(body=(b"x" * 1000 + b"\r\n") * 5), profile=str(profile))
    messages = [f.message for f in report.findings if f.code == "LN001"]
    assert len(messages) == 3 and messages[-1].startswith("and 3 more like this")


def test_a_silenced_ml001_still_limits(tmp_path):
    profile = tmp_path / "quiet.toml"
    profile.write_text('extends = "default"\n\n[rules.ML001]\nseverity = "off"\nmax-parts = 3\n')
    report = lint_bytes(BUILDERS["sibling-parts"](50), profile=str(profile))
    assert len(report.parts) == 4 and "ML001" not in codes(report)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("[rules.ML001]\nmax-parts = -1\n", "tight.toml:4: ML001.max-parts must not be negative"),
        ("[rules.ML001]\nmax-part = 10\n", "tight.toml:4: ML001 has no parameter 'max-part'"),
        ('[rules.ML001]\nmax-lines = "many"\n', "tight.toml:4: ML001.max-lines must be int"),
    ],
)
def test_bad_limits_name_the_file_and_line(tmp_path, text, error):
    profile = tmp_path / "tight.toml"
    profile.write_text('extends = "default"\n\n' + text)
    with pytest.raises(ProfileError, match=error.replace(".", r"\.")):
        load_profile(str(profile))


def test_default_limits_are_ml001_defaults():
    rule = all_rules()["ML001"]
    assert dict(rule.params) == {
        "max-lines": DEFAULT_LIMITS.max_lines,
        "max-header-fields": DEFAULT_LIMITS.max_header_fields,
        "max-parts": DEFAULT_LIMITS.max_parts,
        "max-findings-per-rule": DEFAULT_LIMITS.max_findings,
    }
    assert Limits() == DEFAULT_LIMITS


# Sizes where the input, not the fixed cost of a message, makes most of the work;
# where a limit applies, one size below it (every field, part analysed) and one past.
LINEAR_SIZES = [
    ("single-line", 1_000_000),
    ("header-fields", 2_000),
    ("header-fields", 5_000),
    ("folded-header", 20_000),
    ("nested-multiparts", 8),
    ("nested-multiparts", 5_000),
    ("sibling-parts", 250),
    ("sibling-parts", 2_000),
    ("boundary-prefix", 20_000),
    ("base64-part", 1_000_000),
    ("encoded-words", 100_000),
    ("only-cr", 200_000),
]


@pytest.mark.parametrize(("name", "size"), LINEAR_SIZES, ids=[f"{n}-{s}" for n, s in LINEAR_SIZES])
def test_cost_grows_linearly(name, size):
    # The work counted in function calls: four times the input, at most five times
    # the calls (quadratic: 16).  One long line, base64 and CRs are read in C, in a
    # constant number of calls: their time is benchmarks/pathological.py's.
    build = BUILDERS[name]
    lint_all(build(1))  # one-time costs (the profile, compiled patterns) apart
    small, large = calls(lint_all, build(size)), calls(lint_all, build(4 * size))
    assert large <= 5 * small, f"{name}: x4 input made x{large / small:.1f} calls"
