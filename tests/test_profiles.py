"""Profiles as data: extends, overrides, strict errors that name file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from maillint import ProfileError, Severity, lint_bytes, load_profile
from maillint.profiles import list_profiles, narrow
from maillint.registry import all_rules
from support import msg

LONG_BODY = msg(body=b"z" * 100 + b"\r\n")


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_default_profile_enables_the_catalog():
    profile = load_profile("default")
    # Every rule but those declared default_on=False (the carrier limits, CR).
    on = {code for code, rule in all_rules().items() if rule.default_on}
    assert profile.enabled().keys() == on and profile.settings.keys() == all_rules().keys()
    assert profile.settings["LN001"].params["max-octets"] == 998
    assert profile.settings["LN002"].severity is Severity.WARNING


def test_builtin_profiles_are_listed_with_descriptions():
    names = {name: description for name, description, _ in list_profiles()}
    assert "default" in names and names["default"]


def test_user_profile_extends_and_overrides(tmp_path):
    path = write(
        tmp_path,
        "house.toml",
        'description = "house style"\nextends = "default"\n\n'
        '[rules]\nLN008 = "off"\n\n'
        '[rules.LN002]\nseverity = "error"\nmax-chars = 100\n',
    )
    profile = load_profile(str(path))
    assert profile.name == "house" and profile.description == "house style"
    assert profile.settings["LN008"].severity is None
    assert profile.settings["LN002"].severity is Severity.ERROR
    assert profile.settings["LN002"].params["max-chars"] == 100
    assert lint_bytes(LONG_BODY, profile=profile, select=["LN002"]).findings == []
    wider = msg(body=b"z" * 101 + b"\r\n")
    (finding,) = lint_bytes(wider, profile=profile, select=["LN002"]).findings
    assert finding.severity is Severity.ERROR and finding.column == 101


def test_profile_extends_a_sibling_file(tmp_path):
    write(tmp_path, "base.toml", 'extends = "default"\n[rules]\nLN002 = "info"\n')
    child = write(tmp_path, "child.toml", 'extends = "base"\n[rules.LN001]\nmax-octets = 500\n')
    profile = load_profile(str(child))
    assert profile.settings["LN002"].severity is Severity.INFO
    assert profile.settings["LN001"].params["max-octets"] == 500


def test_profile_without_extends_starts_from_nothing(tmp_path):
    path = write(tmp_path, "only.toml", '[rules]\nLN005 = "warning"\n')
    assert list(load_profile(str(path)).enabled()) == ["LN005"]


def test_unknown_code_names_file_line_and_suggestion(tmp_path):
    path = write(tmp_path, "typo.toml", 'extends = "default"\n\n[rules]\nLN0001 = "off"\n')
    with pytest.raises(ProfileError) as caught:
        load_profile(str(path))
    text = str(caught.value)
    assert f"{path}:4:" in text and "LN0001" in text and "LN001" in text


def test_unknown_parameter_lists_the_known_ones(tmp_path):
    path = write(tmp_path, "p.toml", 'extends = "default"\n[rules.LN001]\nmax = 10\n')
    with pytest.raises(ProfileError, match=r"p\.toml:3: .*max-octets"):
        load_profile(str(path))


def test_bad_severity_and_bad_type_are_errors(tmp_path):
    bad_severity = write(tmp_path, "s.toml", '[rules]\nLN001 = "fatal"\n')
    with pytest.raises(ProfileError, match=r"s\.toml:2: .*fatal"):
        load_profile(str(bad_severity))
    bad_type = write(tmp_path, "t.toml", '[rules.LN001]\nmax-octets = "998"\n')
    with pytest.raises(ProfileError, match=r"t\.toml:2: .*must be int"):
        load_profile(str(bad_type))


def test_unknown_top_level_key_and_loop(tmp_path):
    key = write(tmp_path, "k.toml", 'extend = "default"\n')
    with pytest.raises(ProfileError, match=r"k\.toml:1: unknown key 'extend'.*extends"):
        load_profile(str(key))
    write(tmp_path, "a.toml", 'extends = "b"\n')
    b = write(tmp_path, "b.toml", 'extends = "a"\n')
    with pytest.raises(ProfileError, match="loop"):
        load_profile(str(b))


def test_missing_profile_lists_known_ones():
    with pytest.raises(ProfileError, match="default"):
        load_profile("defualt")


def test_select_and_ignore_take_codes_and_prefixes():
    profile = load_profile("default")
    selected = narrow(profile, select=["LN00"], ignore=["LN002"])
    assert sorted(selected.enabled()) == [f"LN00{i}" for i in range(1, 10) if i != 2]
    with pytest.raises(ProfileError, match="--ignore.*XX9"):
        narrow(profile, ignore=["XX9"])


def test_select_by_exact_code_turns_on_a_rule_the_profile_turned_off(tmp_path):
    path = write(tmp_path, "quiet.toml", 'extends = "default"\n[rules]\nLN008 = "off"\n')
    profile = load_profile(str(path))
    assert "LN008" in narrow(profile, select=["LN008"]).enabled()
    assert "LN008" not in narrow(profile, select=["LN"]).enabled()


def test_utf8_profile_accepts_valid_utf8_headers_only():
    good = msg(extra="X-Name: Jürgen\r\n".encode())
    bad = msg(extra=b"X-Name: J\xfcrgen\r\n")  # Latin-1, not UTF-8
    assert [f.code for f in lint_bytes(good, select=["HD006"]).findings] == ["HD006"]
    assert lint_bytes(good, profile="utf8", select=["HD006"]).findings == []
    assert [f.code for f in lint_bytes(bad, profile="utf8", select=["HD006"]).findings] == [
        "HD006"
    ]
