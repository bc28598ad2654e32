"""CR rules and the carrier profiles the project ships (rules/*.toml).

tests/test_carriers.py tests the selection mechanism with a profile folder of
its own; this file tests the real profiles: their domains (subdomain forms
included), selection through the API and the CLI, counting like the handset
on ISO-2022-JP, Shift_JIS and UTF-8 bodies, and every CR rule under the
carrier that turns it on.
"""

from __future__ import annotations

import base64
import re
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maillint import Severity, carriers, lint_bytes, load_profile
from maillint.checks.carrier import handset_cut, handset_octets
from maillint.cli import main
from maillint.profiles import list_profiles, load_overlay, rules_dir, with_overrides
from maillint.registry import all_rules
from support import HEAD, msg

CR = [f"CR{number:03d}" for number in range(1, 10)]
JP_CR = ["JP", "CR", "AT002"]

# Every carrier domain of RULES.md, in the forms a recipient has: exact,
# subdomains where the carrier has them, any letter case.
DOMAINS = {
    "docomo": ["docomo.ne.jp", "DoCoMo.ne.jp"],
    "au": ["ezweb.ne.jp", "biz.ezweb.ne.jp", "abc.biz.ezweb.ne.jp", "au.com", "biz.au.com"],
    "softbank": ["softbank.ne.jp", "i.softbank.jp", "disney.ne.jp"],
    "vodafone-skymail": [
        *(f"{letter}.vodafone.ne.jp" for letter in "dhtckrnsq"),
        *(f"jp-{letter}.ne.jp" for letter in "dhtckrnsq"),
        "T.Vodafone.ne.jp",
    ],
    "willcom": ["pdx.ne.jp", "di.pdx.ne.jp", "wm.pdx.ne.jp", "willcom.com"],
    "emobile": ["emnet.ne.jp"],
    "ymobile": ["ymobile.ne.jp"],
    "uqmobile": ["uqmobile.jp"],
}
NOT_CARRIERS = [
    "example.org",
    "x.vodafone.ne.jp",  # not a region letter
    "vodafone.ne.jp",
    "jp-x.ne.jp",
    "jp-tt.ne.jp",
    "mail.docomo.ne.jp",  # docomo has no subdomain addresses
    "docomo.ne.jp.example.com",
    "www.au.com",
    "ezweb.ne.jp.example",
    "softbank.jp",
    "notpdx.ne.jp",
]


def to(recipients: bytes, body: bytes = b"Hello.\r\n", extra: bytes = b"") -> bytes:
    return msg(
        head=HEAD.replace(b"To: bob@example.org", b"To: " + recipients), extra=extra, body=body
    )


def text(charset: bytes, encoding: bytes = b"8bit") -> bytes:
    return (
        b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset="
        + charset
        + b"\r\nContent-Transfer-Encoding: "
        + encoding
        + b"\r\n"
    )


def findings(data: bytes, *codes: str, **options) -> list[tuple[str, int, int, Severity]]:
    """(code, line, column, severity), carrier rules chosen as a user's run chooses them."""
    report = lint_bytes(data, select=list(codes) or JP_CR, **options)
    return [(f.code, f.line, f.column, f.severity) for f in report.findings]


def messages(data: bytes, code: str, **options) -> list[str]:
    report = lint_bytes(data, select=JP_CR, **options)
    return [f.message for f in report.findings if f.code == code]


@pytest.fixture(autouse=True)
def fresh_carrier_profiles():
    carriers.carrier_profiles.cache_clear()
    yield
    carriers.carrier_profiles.cache_clear()


# --- the profiles and their domains --------------------------------------------------


@pytest.mark.parametrize("profile", sorted(DOMAINS))
def test_each_carrier_domain_selects_its_profile(profile):
    for domain in DOMAINS[profile]:
        match = carriers.lookup(f"user@{domain}")
        assert match is not None and match.profile == profile, domain
        assert match.carrier == load_overlay(profile).carrier


@pytest.mark.parametrize("domain", NOT_CARRIERS)
def test_other_domains_select_nothing(domain):
    assert carriers.lookup(f"user@{domain}") is None


def test_lookup_takes_addresses_as_people_write_them():
    assert carriers.lookup("Taro <taro@t.vodafone.ne.jp>").profile == "vodafone-skymail"
    assert carriers.lookup("taro@docomo.ne.jp.").carrier == "docomo"
    match = carriers.lookup("user@t.vodafone.ne.jp")
    assert (match.carrier, match.profile) == ("Vodafone/J-PHONE", "vodafone-skymail")


def test_domains_come_from_the_profiles_only():
    """Every carrier profile names its domains; no domain selects two profiles."""
    seen = {}
    for name, _description, path in list_profiles():
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        if "domains" not in data:
            continue
        assert data.get("carrier"), name
        assert data.get("extends") == "jp-mobile", name
        for pattern in data["domains"]:
            assert pattern not in seen, f"{pattern} in {name} and {seen.get(pattern)}"
            seen[pattern] = name
    assert set(seen.values()) == set(DOMAINS)
    assert {p.name for p in carriers.carrier_profiles()} == set(DOMAINS)


def test_every_number_and_domain_in_a_carrier_profile_names_its_source():
    """A key holding a number or the domains has a comment saying where it comes from
    in its table (the comment block above it, or the one above the table)."""
    for name in ["jp-mobile", *DOMAINS]:
        lines = (rules_dir() / f"{name}.toml").read_text(encoding="utf-8").splitlines()
        comments: list[str] = []
        for line in lines:
            stripped = line.strip()
            if stripped.startswith("["):
                comments = []
            elif stripped.startswith("#"):
                comments.append(stripped)
            elif re.match(r"[\w-]+\s*=\s*(\d|\[)", stripped) and not stripped.startswith(
                "charsets"
            ):
                said = " ".join(comments).lower()
                assert "source" in said or "jpmobile" in said, f"{name}: {stripped}"


def test_jp_mobile_is_what_every_carrier_shares():
    overlay = load_overlay("jp-mobile")
    assert overlay.settings["AT002"].severity is Severity.ERROR
    assert overlay.settings["JP002"].params["shift-jis"] is True
    assert overlay.settings["CR005"].severity is Severity.WARNING
    for name in DOMAINS:
        carrier = load_overlay(name)
        assert carrier.settings["AT002"].severity is Severity.ERROR, name
        assert carrier.settings["JP001"].severity is Severity.ERROR, name


def test_carrier_limits_are_off_in_the_default_profile():
    default = load_profile("default")
    for code in CR:
        assert default.settings[code].severity is None
        assert not all_rules()[code].default_on


def test_skymail_profile_numbers():
    skymail = load_overlay("vodafone-skymail").settings
    assert skymail["CR001"].params["max-octets"] == 384
    assert skymail["CR002"].params["max-subject-octets"] == 0
    assert skymail["CR003"].params["max-from-chars"] == 55
    assert {c for c in CR if c in skymail and skymail[c].severity} == {
        "CR001",
        "CR002",
        "CR003",
        "CR005",
    }


# --- selection through the API and the CLI ---------------------------------------------


SKY_LONG = to(
    b"user@t.vodafone.ne.jp",
    ("スカイメールの本文です。" * 4 + "\r\n").encode("iso2022_jp") * 5,
    text(b"ISO-2022-JP", b"7bit"),
)


def test_recipient_selects_the_carrier_and_the_report_says_why():
    report = lint_bytes(SKY_LONG, select=JP_CR)
    assert report.carriers == ["vodafone-skymail: To user@t.vodafone.ne.jp"]
    (finding,) = report.findings
    assert (finding.code, finding.severity) == ("CR001", Severity.INFO)
    assert finding.message == (
        "body is 490 octets as the handset counts, over the 384 of sky mail: it will "
        "arrive as a long-mail notice with the first 384 octets"
    )


def test_cc_bcc_envelope_none_and_forced():
    body = SKY_LONG.split(b"\r\n\r\n", 1)[1]
    plain = to(b"bob@example.org", body, text(b"ISO-2022-JP", b"7bit"))
    assert lint_bytes(plain, select=JP_CR).findings == []
    for source, recipients in (
        (b"Cc", b"bob@example.org\r\nCc: u@jp-k.ne.jp"),
        (b"Bcc", b"bob@example.org\r\nBcc: u@jp-k.ne.jp"),
    ):
        report = lint_bytes(to(recipients, body, text(b"ISO-2022-JP", b"7bit")), select=JP_CR)
        assert report.carriers == [f"vodafone-skymail: {source.decode()} u@jp-k.ne.jp"]
    enveloped = lint_bytes(plain, select=JP_CR, envelope=["x@d.vodafone.ne.jp"])
    assert enveloped.carriers == ["vodafone-skymail: envelope x@d.vodafone.ne.jp"]
    assert [f.code for f in enveloped.findings] == ["CR001"]
    assert lint_bytes(SKY_LONG, select=JP_CR, carrier="none").findings == []
    forced = lint_bytes(plain, select=JP_CR, carrier="vodafone-skymail")
    assert forced.carriers == ["vodafone-skymail: --carrier"]


def test_several_carriers_each_apply():
    data = to(
        b"a@docomo.ne.jp, b@ezweb.ne.jp",
        ("あ" * 40 + "\r\n").encode("shift_jis") * 130,
        text(b"Shift_JIS"),
    )
    report = lint_bytes(data, select=JP_CR)
    assert report.carriers == ["au: To b@ezweb.ne.jp", "docomo: To a@docomo.ne.jp"]
    cut = [m for m in messages(data, "CR006")]
    assert len(cut) == 2
    assert any("over the 4000 (2000 full-width characters) of i-mode mail" in m for m in cut)
    assert any("over the 10000 (5000 full-width characters) of au EZweb mail" in m for m in cut)


def test_cli_check_carrier_and_lookup(tmp_path):
    path = tmp_path / "sky.eml"
    path.write_bytes(SKY_LONG)
    runner = CliRunner()
    result = runner.invoke(
        main, ["check", "--isolated", "--select", "CR,JP", str(path)], catch_exceptions=False
    )
    assert "note: carrier profile vodafone-skymail: To user@t.vodafone.ne.jp" in result.stdout
    assert "CR001" in result.stdout and result.exit_code == 0
    quiet = runner.invoke(
        main, ["check", "--isolated", "--carrier", "none", "--select", "CR", str(path)]
    )
    assert "CR001" not in quiet.stdout
    forced = runner.invoke(
        main, ["check", "--isolated", "--carrier", "docomo", "--select", "CR", str(path)]
    )
    assert "note: carrier profile docomo: --carrier" in forced.stdout
    looked = runner.invoke(
        main, ["carrier", "user@t.vodafone.ne.jp", "a@biz.ezweb.ne.jp", "x@example.org"]
    )
    assert looked.stdout.splitlines() == [
        "user@t.vodafone.ne.jp: Vodafone/J-PHONE (profile vodafone-skymail)",
        "a@biz.ezweb.ne.jp: au (profile au)",
        "x@example.org: no carrier profile",
    ]


def test_carrier_profile_as_the_users_profile():
    report = lint_bytes(SKY_LONG, profile="vodafone-skymail", carrier="none", select=JP_CR)
    assert [f.code for f in report.findings] == ["CR001"]


# --- counting like the handset --------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "octets"),
    [
        ("abc", 3),
        ("日本語", 6),
        ("ｱｲｳ", 3),  # half-width katakana: 1 each
        ("①㈱", 4),  # NEC characters are full-width
        ("😀", 2),  # no Shift_JIS form: counted as the geta mark shown instead
        ("a\r\nb\nc\rd", 10),  # every line break 2 (CR LF)
        ("", 0),
    ],
)
def test_handset_octets(value, octets):
    assert handset_octets(value) == octets


def test_handset_cut_is_the_first_character_past_the_limit():
    assert handset_cut("あいう", 4) == 2
    assert handset_cut("あいう", 5) == 2  # the third would end at octet 6
    assert handset_cut("ab\ncd", 3) == 2  # "ab" then CR LF: the break does not fit
    assert handset_cut("ab\ncd", 4) == 3
    assert handset_cut("short", 384) == 5


BODY_TEXT = "日本語の本文です。ｶﾀｶﾅもあります。\r\n" * 12  # 12 * (15 * 2 + 4 + 2) = 432


@pytest.mark.parametrize(
    ("charset", "encoding", "encode"),
    [
        (b"ISO-2022-JP", b"7bit", lambda t: t.encode("iso2022_jp_ext")),
        (b"Shift_JIS", b"8bit", lambda t: t.encode("shift_jis")),
        (b"UTF-8", b"8bit", lambda t: t.encode("utf-8")),
        (b"UTF-8", b"base64", lambda t: base64.encodebytes(t.encode("utf-8"))),
        (b"ISO-2022-JP", b"quoted-printable", lambda t: t.encode("iso2022_jp_ext")),
    ],
    ids=["iso-2022-jp", "shift_jis", "utf-8", "utf-8-base64", "iso-2022-jp-qp"],
)
def test_same_text_counts_the_same_in_every_charset(charset, encoding, encode):
    data = to(b"user@t.vodafone.ne.jp", encode(BODY_TEXT), text(charset, encoding))
    (message,) = messages(data, "CR001")
    assert message.startswith("body is 432 octets as the handset counts, over the 384")


def test_cut_points_at_the_first_character_past_the_budget():
    line = "スカイメールの本文です。" * 3  # 36 full-width: 72 octets + CR LF = 74
    lines = (line + "\r\n") * 6  # 384 = 5 * 74 + 14: 7 characters into line 6
    jis = to(b"user@t.vodafone.ne.jp", lines.encode("iso2022_jp"), text(b"ISO-2022-JP", b"7bit"))
    # Line 15 (the body starts on line 10); ESC $ B then 7 characters: column 18.
    assert findings(jis, *JP_CR) == [("CR001", 15, 18, Severity.INFO)]
    sjis = to(b"user@t.vodafone.ne.jp", lines.encode("shift_jis"), text(b"Shift_JIS"))
    assert findings(sjis, *JP_CR) == [("CR001", 15, 15, Severity.INFO)]
    utf8 = to(b"user@t.vodafone.ne.jp", lines.encode(), text(b"UTF-8"))
    cr001 = [f for f in findings(utf8, *JP_CR) if f[0] == "CR001"]
    assert cr001 == [("CR001", 15, 22, Severity.INFO)]  # 7 characters of 3 octets
    encoded = to(
        b"user@t.vodafone.ne.jp",
        base64.encodebytes(lines.encode("shift_jis")),
        text(b"Shift_JIS", b"base64"),
    )
    assert "(line 6, character 8 of the decoded text)" in messages(encoded, "CR001")[0]


def test_exactly_the_budget_is_fine():
    fits = to(b"u@t.vodafone.ne.jp", ("あ" * 191 + "\r\n").encode("shift_jis"), text(b"Shift_JIS"))
    assert messages(fits, "CR001") == []  # 382 + 2
    over = to(b"u@t.vodafone.ne.jp", ("あ" * 192 + "\r\n").encode("shift_jis"), text(b"Shift_JIS"))
    assert len(messages(over, "CR001")) == 1


def test_the_body_is_the_first_text_plain_part():
    data = to(
        b"u@t.vodafone.ne.jp",
        b"--b\r\nContent-Type: text/html; charset=Shift_JIS\r\n\r\n"
        + ("あ" * 300).encode("shift_jis")
        + b"\r\n--b\r\nContent-Type: text/plain; charset=Shift_JIS\r\n\r\n"
        + "短い本文".encode("shift_jis")
        + b"\r\n--b--\r\n",
        b'MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary="b"\r\n',
    )
    assert messages(data, "CR001") == []


# --- the other sky-mail rules ----------------------------------------------------------


def test_cr002_subject_against_the_budget_and_a_subject_limit():
    body = ("本文です。" * 6 + "\r\n").encode("iso2022_jp") * 6  # 372 octets
    fits = to(b"u@t.vodafone.ne.jp", body, text(b"ISO-2022-JP", b"7bit"))
    assert messages(fits, "CR002") == []  # "hello": 377
    long = fits.replace(b"Subject: hello", b"Subject: " + b"s" * 20)
    assert findings(long, "CR002") == [("CR002", 5, 10, Severity.INFO)]
    assert "are 392 together, over the 384 of sky mail" in messages(long, "CR002")[0]
    strict = with_overrides(load_profile("default"), {"CR002": {"max-subject-octets": 10}}, None)
    report = lint_bytes(long, profile=strict, carrier="none", select=["CR002"])
    assert "subject is 20 octets as the handset counts, over the 10" in (report.findings[0].message)


def test_cr003_from_address_and_from_plus_body():
    long_from = to(b"u@t.vodafone.ne.jp").replace(
        b"Alice <alice@example.com>", b"<" + b"a" * 50 + b"@example.com>"
    )
    assert findings(long_from, "CR003") == [("CR003", 1, 8, Severity.INFO)]
    assert (
        "From address is 62 half-width characters, over the 55" in (messages(long_from, "CR003")[0])
    )
    body = ("あ" * 180 + "\r\n").encode("shift_jis")  # 362: fits alone, not with From (17)
    data = to(b"u@t.vodafone.ne.jp", body, text(b"Shift_JIS"))
    assert "are 379 together" not in " ".join(messages(data, "CR003"))
    body = ("あ" * 185 + "\r\n").encode("shift_jis")  # 372 + 17 = 389
    data = to(b"u@t.vodafone.ne.jp", body, text(b"Shift_JIS"))
    assert (
        "From address (17 octets) and body (372 as the handset counts) are 389"
        in (messages(data, "CR003")[0])
    )


# --- docomo, au, SoftBank ---------------------------------------------------------------


def big(recipient: bytes, size: int) -> bytes:
    return to(recipient, (b"x" * 76 + b"\r\n") * (size // 78 + 1))


def test_cr004_sizes_per_carrier():
    data = big(b"u@softbank.ne.jp", 310_000)
    line, column = data.count(b"\n", 0, 307_200) + 1, 307_200 - data.rfind(b"\n", 0, 307_200)
    assert findings(data, "CR004") == [("CR004", line, column, Severity.ERROR)]
    assert (
        "over the 307,200 (300 KB) of SoftBank S!Mail"
        in (messages(big(b"u@softbank.ne.jp", 310_000), "CR004")[0])
    )
    assert messages(big(b"u@softbank.ne.jp", 300_000), "CR004") == []
    docomo = findings(big(b"u@docomo.ne.jp", 110_000), "CR004")
    assert [(f[0], f[3]) for f in docomo] == [("CR004", Severity.WARNING)]
    assert messages(big(b"u@ezweb.ne.jp", 500_000), "CR004") == []  # no au figure


def test_cr004_counts_the_stored_form_as_sent():
    data = big(b"u@docomo.ne.jp", 1320 * 78).replace(b"\r\n", b"\n")
    assert len(data) < 102_400
    report = lint_bytes(data, select=JP_CR, line_endings="auto")
    (finding,) = [f for f in report.findings if f.code == "CR004"]
    sent = len(data) + data.count(b"\n")
    assert finding.message.startswith(f"message is {sent:,} octets")
    wire = data.replace(b"\n", b"\r\n")
    column = 102_400 - wire.rfind(b"\n", 0, 102_400)
    assert (finding.line, finding.column) == (wire.count(b"\n", 0, 102_400) + 1, column)


def test_cr005_charsets():
    utf8 = to(b"u@docomo.ne.jp", "こんにちは\r\n".encode(), text(b"UTF-8"))
    assert findings(utf8, "CR005") == [("CR005", 7, 27, Severity.WARNING)]
    assert messages(utf8, "CR005") == [
        "text of the body is in UTF-8: docomo handsets read ISO-2022-JP or Shift_JIS"
    ]
    for charset, encode in ((b"Shift_JIS", "shift_jis"), (b"ISO-2022-JP", "iso2022_jp")):
        assert (
            messages(to(b"u@docomo.ne.jp", "本文\r\n".encode(encode), text(charset)), "CR005") == []
        )
    ascii_utf8 = to(b"u@docomo.ne.jp", b"plain ASCII\r\n", text(b"UTF-8"))
    assert messages(ascii_utf8, "CR005") == []
    subject = to(b"u@ezweb.ne.jp").replace(b"Subject: hello", b"Subject: =?UTF-8?B?5pel5pys?=")
    assert findings(subject, "CR005") == [("CR005", 5, 10, Severity.WARNING)]
    ascii_word = subject.replace(b"5pel5pys", b"aGVsbG8=")  # "hello" in a UTF-8 word
    assert messages(ascii_word, "CR005") == []
    cp932 = to(b"u@softbank.ne.jp", "㈱\r\n".encode("cp932"), text(b"Windows-31J"))
    assert "is in Windows-31J" in messages(cp932, "CR005")[0]
    # Y!mobile and UQ mobile: no source on their charsets, not judged.
    assert messages(utf8.replace(b"docomo.ne.jp", b"ymobile.ne.jp"), "CR005") == []


def test_cr006_cut_per_carrier():
    body = ("あ" * 40 + "\r\n").encode("shift_jis") * 60  # 60 * 82 = 4920
    docomo = to(b"u@docomo.ne.jp", body, text(b"Shift_JIS"))
    # 4000 = 48 * 82 + 64: 32 characters into the 49th line (line 58), column 65.
    assert findings(docomo, "CR006") == [("CR006", 58, 65, Severity.WARNING)]
    assert messages(docomo, "CR006")[0].endswith("of i-mode mail: the rest is cut from here")
    assert messages(to(b"u@ezweb.ne.jp", body, text(b"Shift_JIS")), "CR006") == []
    au = to(b"u@ezweb.ne.jp", body * 3, text(b"Shift_JIS"))
    assert "body is 14760 octets" in messages(au, "CR006")[0]


def test_cr007_unbroken_lines_at_docomo():
    data = to(b"u@docomo.ne.jp", b"a" * 1200 + b"\r\n")
    assert findings(data, "CR007") == [("CR007", 7, 999, Severity.WARNING)]
    assert messages(to(b"u@ezweb.ne.jp", b"a" * 1200 + b"\r\n"), "CR007") == []


def test_cr008_recipients_at_au():
    data = to(b"a@ezweb.ne.jp, b@example.org, c@example.org", extra=b"Cc: d@x.jp, e@x.jp\r\n")
    assert messages(data, "CR008") == []  # 5
    six = data.replace(b"Cc: d@x.jp", b"Cc: D@x.jp, a@EZWEB.ne.jp, f@x.jp")  # a@ twice: 6
    assert findings(six, "CR008") == [("CR008", 6, 36, Severity.WARNING)]  # e@x.jp
    assert messages(six, "CR008")[0].startswith("6 recipients in To, Cc and Bcc, over the 5")


def test_cr009_attachments_at_docomo_and_the_shown_text_is_not_one():
    data = to(
        b"u@docomo.ne.jp",
        b"--b\r\nContent-Type: text/plain\r\n\r\nSee the file.\r\n"
        b'--b\r\nContent-Type: image/jpeg; name="photo.jpg"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n/9j/\r\n"
        b"--b\r\nContent-Type: message/rfc822\r\n\r\nSubject: fwd\r\n\r\nhi\r\n--b--\r\n",
        b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n',
    )
    assert findings(data, "CR009") == [
        ("CR009", 14, 1, Severity.INFO),  # the file part's first header line
        ("CR009", 19, 1, Severity.INFO),
    ]
    first, second = messages(data, "CR009")
    assert first.startswith("attachment 'photo.jpg' (image/jpeg) in part 2: i-mode mova")
    assert second.startswith("attachment (message/rfc822) in part 3")


# --- what the carrier profiles add to the other families --------------------------------


def test_at002_is_an_error_for_carrier_recipients():
    file_part = (
        b"--b\r\nContent-Type: text/plain\r\n\r\nSee the file.\r\n"
        b"--b\r\nContent-Type: application/pdf\r\n"
        b'Content-Disposition: attachment; filename="a.pdf"\r\n\r\nx\r\n--b--\r\n'
    )
    mixed = b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n'
    pc = lint_bytes(to(b"bob@example.org", file_part, mixed), select=["AT002"])
    phone = lint_bytes(to(b"u@softbank.ne.jp", file_part, mixed), select=["AT002"])
    assert [f.severity for f in pc.findings] == [Severity.WARNING]
    assert [f.severity for f in phone.findings] == [Severity.ERROR]


def test_shift_jis_vendor_characters_are_judged_for_carrier_recipients():
    body = "①番\r\n".encode("cp932")
    pc = to(b"bob@example.org", body, text(b"Shift_JIS"))
    assert [c for c, *_ in findings(pc, "JP002")] == []
    phone = to(b"u@docomo.ne.jp", body, text(b"Shift_JIS"))
    assert findings(phone, "JP002") == [("JP002", 10, 1, Severity.WARNING)]


# --- robustness --------------------------------------------------------------------------


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.binary(max_size=600),
    st.sampled_from(sorted(DOMAINS)),
    st.sampled_from([b"ISO-2022-JP", b"Shift_JIS", b"UTF-8", b"x-unknown"]),
    st.sampled_from([b"7bit", b"base64", b"quoted-printable"]),
)
def test_any_body_to_any_carrier_never_raises(body, profile, charset, encoding):
    data = to(b"u@x.jp", body, text(charset, encoding)).replace(
        b"Subject: hello", b"Subject: " + body[:80]
    )
    lint_bytes(data, select=JP_CR, carrier=profile)
    lint_bytes(data, select=JP_CR, carrier=profile, line_endings="stored")


def test_hostile_messages_give_their_findings():
    # Large inputs built to be slow; benchmarks/pathological.py prints their times.
    cases = [
        (
            to(b"u@t.vodafone.ne.jp", ("日本語😀" * 20 + "\r\n").encode() * 20_000, text(b"UTF-8")),
            "vodafone-skymail",
            {("CR001", 12, 98), ("CR005", 7, 27)},
        ),
        (
            to(b"u@docomo.ne.jp", b"\x82\xa0" * 1_000_000, text(b"ISO-2022-JP")),
            "docomo",
            {("CR004", 10, 102148), ("CR006", 10, 1), ("CR007", 10, 999), ("JP001", 8, 28)},
        ),
        (to(b"u@ezweb.ne.jp, " * 50_000), "au", set()),
        (
            to(b"u@docomo.ne.jp", b"a" * 2_000_000),
            "docomo",
            {("CR004", 7, 102247), ("CR006", 7, 4001), ("CR007", 7, 999)},
        ),
        (
            to(
                b"u@docomo.ne.jp",
                b"--b\r\nContent-Type: image/gif\r\n\r\nx\r\n" * 5000 + b"--b--\r\n",
                b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n',
            ),
            "docomo",
            {("CR004", 11686, 13), ("CR009", 1, 1), ("CR009", 10, 1)},
        ),
    ]
    for data, carrier, expected in cases:
        report = lint_bytes(data, select=JP_CR)
        assert [reason.split(":")[0] for reason in report.carriers] == [carrier]
        found = {(f.code, f.line, f.column) for f in report.findings}
        assert expected <= found and {code for code, _, _ in found} == {
            code for code, _, _ in expected
        }


def test_readme_example_report_is_what_maillint_prints(monkeypatch, tmp_path):
    """The README's Japanese mobile mail section shows a real run on examples/."""
    root = Path(__file__).resolve().parent.parent
    readme = (root / "README.md").read_text(encoding="utf-8")
    command = "$ maillint check examples/skymail-too-long.eml examples/docomo-attachment.eml\n"
    shown = readme.split(command, 1)[1].split("```", 1)[0]
    monkeypatch.chdir(root)
    result = CliRunner().invoke(
        main,
        ["check", "--isolated", "examples/skymail-too-long.eml", "examples/docomo-attachment.eml"],
    )
    assert result.stdout == shown
