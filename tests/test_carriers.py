"""Carrier profiles chosen by recipient domain and applied on top of the user's profile.

These tests use a profiles folder of their own, so they test the mechanism
whatever carrier profiles the project ships.
"""

from __future__ import annotations

import shutil

import pytest

from maillint import Severity, carriers, lint_bytes, profiles
from maillint.parse import parse
from support import HEAD, msg

LONG = msg(body=b"x" * 90 + b"\r\n")  # LN002 at 7:79


@pytest.fixture
def rules_folder(tmp_path, monkeypatch):
    folder = tmp_path / "rules"
    folder.mkdir()
    shutil.copy(profiles.rules_dir() / "default.toml", folder / "default.toml")
    (folder / "phone.toml").write_text(
        'description = "a test carrier"\nextends = "default"\ncarrier = "phoneco"\n'
        'domains = ["phone.example", "*.phone.example", "[ab].mobile.example"]\n'
        '[rules.LN002]\nseverity = "error"\nmax-chars = 60\n'
    )
    (folder / "pager.toml").write_text(
        'extends = "default"\ncarrier = "pagerco"\ndomains = ["pager.example"]\n'
        '[rules]\nLN002 = "info"\nLN008 = "off"\n'
    )
    monkeypatch.setattr(profiles, "rules_dir", lambda: folder)
    carriers.carrier_profiles.cache_clear()
    yield folder
    carriers.carrier_profiles.cache_clear()


def to(address: bytes, body: bytes = b"x" * 70 + b"\r\n") -> bytes:
    return msg(head=HEAD.replace(b"To: bob@example.org", b"To: " + address), body=body)


def test_lookup_by_exact_wildcard_and_letter_domains(rules_folder):
    assert carriers.lookup("u@phone.example").profile == "phone"
    assert carriers.lookup("u@Sub.Phone.Example").carrier == "phoneco"
    assert carriers.lookup("u@a.mobile.example").profile == "phone"
    assert carriers.lookup("u@c.mobile.example") is None
    assert carriers.lookup("u@example.org") is None


def test_overlay_applies_only_its_own_rules(rules_folder):
    overlay = profiles.load_overlay("phone")
    assert set(overlay.settings) == {"LN002"}
    report = lint_bytes(to(b"user@sub.phone.example"), select=["LN"])
    assert report.carriers == ["phone: To user@sub.phone.example"]
    (finding,) = report.findings
    assert (finding.code, finding.severity, finding.column) == ("LN002", Severity.ERROR, 61)


def test_no_carrier_recipient_leaves_the_profile_alone(rules_folder):
    report = lint_bytes(to(b"user@example.org"), select=["LN"])
    assert report.carriers == [] and report.findings == []


def test_several_carriers_each_apply_with_their_own_settings(rules_folder):
    data = msg(
        head=HEAD.replace(b"To: bob@example.org", b"To: a@pager.example\r\nCc: b@phone.example"),
        body=b"x" * 90 + b"\r\n.dot\r\n",
    )
    report = lint_bytes(data, select=["LN"])
    assert report.carriers == ["pager: To a@pager.example", "phone: Cc b@phone.example"]
    codes = [(f.code, f.column, f.severity) for f in report.findings]
    # LN002 once per carrier, each with its limit; LN008, which pager turns off,
    # is taken from the overlays only (none runs it), not from the user's profile.
    assert codes == [("LN002", 61, Severity.ERROR), ("LN002", 79, Severity.INFO)]


def test_identical_findings_from_two_overlays_collapse_to_the_stricter(rules_folder):
    (rules_folder / "pager.toml").write_text(
        'extends = "default"\ncarrier = "pagerco"\ndomains = ["pager.example"]\n'
        '[rules.LN002]\nseverity = "info"\nmax-chars = 60\n'
    )
    carriers.carrier_profiles.cache_clear()
    data = msg(
        head=HEAD.replace(b"To: bob@example.org", b"To: a@pager.example, b@phone.example"),
        body=b"x" * 90 + b"\r\n",
    )
    report = lint_bytes(data, select=["LN"])
    assert [(f.code, f.severity) for f in report.findings] == [("LN002", Severity.ERROR)]


def test_carrier_choice_none_and_by_name_and_envelope(rules_folder):
    data = to(b"user@phone.example")
    assert lint_bytes(data, select=["LN"], carrier="none").findings == []
    plain = to(b"user@example.org")
    forced = lint_bytes(plain, select=["LN"], carrier="phone")
    assert forced.carriers == ["phone: --carrier"] and forced.findings[0].code == "LN002"
    enveloped = lint_bytes(plain, select=["LN"], envelope=["x@phone.example"])
    assert enveloped.carriers == ["phone: envelope x@phone.example"]


def test_ignore_wins_over_carrier_overlay(rules_folder):
    report = lint_bytes(to(b"user@phone.example"), select=["LN"], ignore=["LN002"])
    assert report.findings == []


def test_hostile_recipient_fields_are_linear_and_safe(rules_folder):
    field = b"To: " + b"@" * 200_000 + b"a@" * 50_000 + b"\r\n"
    report = lint_bytes(msg(extra=field), select=["LN001"])
    assert report.carriers == []


def test_a_long_run_without_at_sign_does_not_hide_the_carrier():
    # Found by benchmarks/pathological.py (ew-backslashes): the domain pattern
    # rescanned such a run from each of its positions; now a match starts
    # only where a run starts, and the carrier after the run is still found.
    field = b"To: " + b"\\" * 100_000 + b", user@docomo.ne.jp\r\n"
    report = lint_bytes(msg(extra=field), select=["LN001"])
    assert report.carriers == ["docomo: To user@docomo.ne.jp"]
    found = carriers.recipients(parse(msg(extra=field)))
    assert found == [("To", "bob@example.org"), ("To", "user@docomo.ne.jp")]
