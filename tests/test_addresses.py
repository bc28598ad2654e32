"""AD family: addresses and message identifiers, asserted as (code, line, column) tuples.

The shared header section (support.HEAD) takes lines 1-5, so a field passed as
``extra`` is on line 6.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maillint import Severity
from maillint.parse import DEFAULT_LIMITS
from support import HEAD, calls, hits, lint, msg

AD = ("AD001", "AD002", "AD003", "AD004", "AD005")


def with_to(value: bytes) -> bytes:
    """A message whose To (line 2) is ``value`` (which may be folded)."""
    return msg(head=HEAD.replace(b"To: bob@example.org\r\n", b"To: " + value + b"\r\n"))


def with_from(value: bytes) -> bytes:
    """A message whose From (line 1) is ``value``."""
    return msg(
        head=HEAD.replace(b"From: Alice <alice@example.com>\r\n", b"From: " + value + b"\r\n")
    )


def severities(data: bytes, code: str) -> list[Severity]:
    return [f.severity for f in lint(data, code).findings]


# -- AD001 invalid-address ------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "column"),
    [
        (b"Cc: bob@@example.org", 9),  # the second '@', where the domain should start
        (b"Cc: <carol@example.org", 5),  # the '<' that is never closed
        (b"Cc: Carol <carol@example.org", 11),
        (b"Cc: bob", 5),  # no domain
        (b"Cc: <bob>", 6),
        (b'Cc: "Alice <alice@example.org>', 5),  # the open quote
        (b"Cc: alice@example.org (work", 23),  # the open comment
        (b"Cc: alice@example.org bob@example.org", 23),  # a missing comma
        (b"Cc: Alice <alice@example.org> Bob <bob@example.org>", 31),
        (b"Cc: Friends: alice@example.org", 12),  # a group without ';'
        (b"Cc: <>", 5),
        (b"Cc: alice@example.org.", 22),  # a dot ending the domain
        (b"Cc: alice@.example.org", 11),
        (b"Cc: alice@example..org", 18),
        (b"Cc: (nobody)", 5),  # comments only: no address
        (b"Cc: Big Bug bb@example.org", 9),  # a name without angle brackets
        (b"Cc: a\x00b@example.org", 6),  # a NUL inside the address itself
        (b"Cc: <Undisclosed-Recipient:@example.org;>", 27),
        (b"Sender: alice@example.org, bob@example.org", 28),  # one mailbox only
    ],
)
def test_broken_address_points_at_the_offending_character(field, column):
    assert hits(msg(extra=field + b"\r\n"), "AD001") == [("AD001", 6, column)]


def test_bad_address_on_a_folded_continuation_line():
    data = with_to(b"alice@example.org,\r\n bob@@example.org")
    assert hits(data, "AD001") == [("AD001", 3, 6)]
    data = with_to(b"alice@example.org, Carol\r\n\t<carol@example.org")
    assert hits(data, "AD001") == [("AD001", 3, 2)]


def test_parsing_resumes_after_a_broken_address():
    data = msg(extra=b"Cc: a@@example.org, b@example.org, <c@example.org\r\n")
    assert hits(data, "AD001") == [("AD001", 6, 7), ("AD001", 6, 36)]


def test_finding_names_the_field_and_is_an_error():
    report = lint(msg(extra=b"Resent-To: bob\r\n"), "AD001")
    assert [(f.code, f.field, f.severity) for f in report.findings] == [
        ("AD001", "Resent-To", Severity.ERROR)
    ]


@pytest.mark.parametrize(
    "field",
    [
        b"Cc: =?UTF-8?B?5bGx55SwIOWkqumDjg==?= <taro@example.jp>",
        b"Cc: =?ISO-2022-JP?B?GyRCOzNFRBsoQg==?= <taro@docomo.ne.jp>, =?UTF-8?Q?J=C3=B6rg?= <j@x>",
        b'Cc: "Yamada, Taro" <taro@example.jp>, "a b"@example.org',
        b'Cc: "taro..yamada."@docomo.ne.jp',
        b"Cc: undisclosed-recipients:;",
        b"Cc: undisclosed-recipients: ;",
        b"Cc: Team: alice@example.org, Bob <bob@example.org>;, carol@example.org",
        b"Cc: alice@example.org (Alice), Bob <bob@example.org> (work)",
        b"Cc: <alice@[192.0.2.1]>, carol@[IPv6:2001:db8::1]",
        b"Cc: \xe5\xb1\xb1\xe7\x94\xb0 <taro@example.jp>",  # 8-bit: HD006's business
        b"Cc: \x1b$B;3ED\x1b(B <taro@example.jp>",  # raw ISO-2022-JP: LN006's business
        b"Cc: Ali\x00ce <alice@example.org>",  # a NUL in a name: LN005's business
        b"Bcc:",
        b"Bcc: (hidden)",
        b"Cc: ",  # empty: HD013's business
        b"Resent-From: alice@example.org, bob@example.org",
        b"Resent-Sender: Alice <alice@example.org>",
        b"Reply-To: list: ;",
    ],
)
def test_valid_addresses_are_silent(field):
    assert hits(msg(extra=field + b"\r\n"), "AD001") == []


@pytest.mark.parametrize(
    ("field", "column"),
    [
        (b"Cc: <@relay.example:bob@example.org>", 6),  # source route
        (b"Cc: alice@example.org,,bob@example.org", 23),  # empty list member
        (b"Cc: alice@example.org,", 22),  # trailing comma
        (b"Cc: john . doe@example.org", 10),  # white space inside the local part
    ],
)
def test_obsolete_address_syntax_is_a_warning(field, column):
    data = msg(extra=field + b"\r\n")
    assert hits(data, "AD001") == [("AD001", 6, column)]
    assert severities(data, "AD001") == [Severity.WARNING]


def test_group_in_from_is_a_warning():
    data = with_from(b"undisclosed-sender:;")
    assert hits(data, "AD001") == [("AD001", 1, 25)]
    assert severities(data, "AD001") == [Severity.WARNING]


# -- AD002 invalid-message-id ---------------------------------------------------


@pytest.mark.parametrize(
    ("field", "column"),
    [
        (b"In-Reply-To: 20231231.7@example.org", 14),  # no angle brackets
        (b"In-Reply-To: <20231231.7>", 14),  # no '@'
        (b"In-Reply-To: <a@b@example.org>", 14),
        (b"In-Reply-To: <a..b@example.org>", 14),
        (b"In-Reply-To: <a.@example.org>", 14),
        (b"In-Reply-To: <a b@example.org>", 14),
        (b"In-Reply-To: <a@example.org", 14),
        (b"In-Reply-To: <>", 14),
        (b"In-Reply-To: (no id)", 14),
        (b"References: <a@example.org> <b.example.org>", 29),  # the bad item only
        (b"References: <a@example.org> (open", 29),
        (b"Resent-Message-ID: <1@example.org> <2@example.org>", 36),
    ],
)
def test_bad_msg_id_points_at_the_item(field, column):
    assert hits(msg(extra=field + b"\r\n"), "AD002") == [("AD002", 6, column)]


def test_message_id_holds_exactly_one_msg_id():
    two = HEAD.replace(b"<20240101090000.1@example.com>", b"<1@example.com> <2@example.com>")
    assert hits(msg(head=two), "AD002") == [("AD002", 4, 29)]
    bare = HEAD.replace(b"<20240101090000.1@example.com>", b"20240101090000.1@example.com")
    assert hits(msg(head=bare), "AD002") == [("AD002", 4, 13)]


def test_bad_msg_id_on_a_folded_continuation_line():
    data = msg(extra=b"References: <a@example.org>\r\n <b@example.org>\r\n\t<c-example.org>\r\n")
    assert hits(data, "AD002") == [("AD002", 8, 2)]


@pytest.mark.parametrize(
    "field",
    [
        b"In-Reply-To: <20231231.7@example.org>",
        b"References: <a@example.org><b@example.org>\r\n\t<c@[192.0.2.1]> (thread)",
        b"References: <CAF=x+y_z$1@mail.example.com> <1%2@example.org>",
        b"In-Reply-To:",  # empty: HD013's business
    ],
)
def test_valid_msg_ids_are_silent(field):
    assert hits(msg(extra=field + b"\r\n"), "AD002") == []


@pytest.mark.parametrize(
    ("field", "column"),
    [
        (b"In-Reply-To: <a@example.org>; from bob on Mon, 1 Jan 2024", 29),
        (b'In-Reply-To: Your message of "Mon, 01 Jan 2024 09:00:00 +0900"', 14),
        (b"References: <a@example.org>, <b@example.org>", 28),
        (b'In-Reply-To: <"a b"@example.org>', 14),
        (b"In-Reply-To: < a@example.org >", 14),
    ],
)
def test_obsolete_msg_id_syntax_is_a_warning(field, column):
    data = msg(extra=field + b"\r\n")
    assert hits(data, "AD002") == [("AD002", 6, column)]
    assert severities(data, "AD002") == [Severity.WARNING]


# -- AD003 unquoted-special-in-display-name ---------------------------------------


@pytest.mark.parametrize(
    ("field", "column"),
    [
        (b"Cc: Doe, John <john@example.org>", 8),
        (b"Cc: john@example.org <john@example.org>", 9),
        (b"Cc: John Q. Public <john@example.org>", 11),  # obs-phrase: still reported
        (b"Cc: Sales [Tokyo] <sales@example.jp>", 11),
        (b"Cc: Ann; Bob <ab@example.org>", 8),
        (b"Cc: Team A. B: alice@example.org;", 11),  # a group's name
        (b"Cc: alice@example.org, Doe, John <john@example.org>", 27),
    ],
)
def test_special_in_display_name_points_at_the_special(field, column):
    data = msg(extra=field + b"\r\n")
    assert hits(data, "AD003") == [("AD003", 6, column)]
    assert hits(data, "AD001") == []


def test_colon_in_a_from_display_name():
    assert hits(with_from(b"Re: Alice <alice@example.com>"), "AD003", "AD001") == [("AD003", 1, 9)]


def test_special_in_display_name_on_a_folded_continuation_line():
    data = with_to(b"alice@example.org,\r\n Doe, John <john@example.org>")
    assert hits(data, "AD003") == [("AD003", 3, 5)]


def test_one_finding_per_display_name():
    data = msg(extra=b"Cc: j.doe@example.org <j.doe@example.org>, A. B. <ab@example.org>\r\n")
    assert hits(data, "AD003") == [("AD003", 6, 6), ("AD003", 6, 45)]


@pytest.mark.parametrize(
    "field",
    [
        b'Cc: "Doe, John" <john@example.org>, "John Q. Public" <jqp@example.org>',
        b"Cc: =?UTF-8?B?5bGx55Sw?= <taro@example.jp>",
        b"Cc: =?UTF-8?Q?Doe,_John?= <john@example.org>",  # inside an encoded word: EW's
        b"Cc: John (Q. Public) <john@example.org>",  # inside a comment
        b"Cc: undisclosed-recipients:;",
    ],
)
def test_quoted_or_encoded_display_names_are_silent(field):
    assert hits(msg(extra=field + b"\r\n"), "AD003") == []


# -- AD004 invalid-local-part-dots ------------------------------------------------


@pytest.mark.parametrize(
    ("field", "column"),
    [
        (b"Cc: taro..yamada.@docomo.ne.jp", 9),  # one finding, at the first bad dot
        (b"Cc: .taro@ezweb.ne.jp", 5),
        (b"Cc: taro.@docomo.ne.jp", 9),
        (b"Cc: Taro <taro.@ezweb.ne.jp>", 15),
        (b'Cc: "taro"..yamada@docomo.ne.jp', 11),
    ],
)
def test_bad_dots_in_local_part_point_at_the_dot(field, column):
    data = msg(extra=field + b"\r\n")
    assert hits(data, "AD004") == [("AD004", 6, column)]
    assert hits(data, "AD001") == []


def test_bad_dots_on_a_folded_continuation_line():
    data = with_to(b"alice@example.org,\r\n  hanako.@docomo.ne.jp")
    assert hits(data, "AD004") == [("AD004", 3, 9)]


@pytest.mark.parametrize(
    "field",
    [
        b"Cc: taro.yamada@docomo.ne.jp",
        b'Cc: "taro..yamada."@docomo.ne.jp, ".taro"@ezweb.ne.jp',
        b"Cc: Taro Yamada. <taro@docomo.ne.jp>",  # a dot in the name is AD003's
    ],
)
def test_good_local_parts_are_silent(field):
    assert hits(msg(extra=field + b"\r\n"), "AD004") == []


# -- AD005 address-too-long -------------------------------------------------------


def test_local_part_over_64_octets():
    assert hits(msg(extra=b"Cc: " + b"a" * 65 + b"@example.org\r\n"), "AD005") == [("AD005", 6, 5)]
    assert hits(msg(extra=b"Cc: " + b"a" * 64 + b"@example.org\r\n"), "AD005") == []
    quoted = b'Cc: Q <"' + b"a" * 63 + b'"@example.org>\r\n'  # quotes count: 65
    assert hits(msg(extra=quoted), "AD005") == [("AD005", 6, 8)]


def test_domain_over_255_octets():
    domain = b".".join([b"d" * 63] * 4)  # 255 octets: within its limit, but the path
    assert hits(msg(extra=b"Cc: a@" + domain + b"\r\n"), "AD005") == [("AD005", 6, 5)]
    # 256 octets: the domain is reported, and the path that it makes too long is not.
    assert hits(msg(extra=b"Cc: a@x" + domain + b"\r\n"), "AD005") == [("AD005", 6, 7)]


def test_path_over_256_octets():
    domain = b".".join([b"d" * 63] * 3)  # 191 octets
    assert hits(msg(extra=b"Cc: " + b"a" * 62 + b"@" + domain + b"\r\n"), "AD005") == []
    data = msg(extra=b"Cc: " + b"a" * 63 + b"@" + domain + b"\r\n")  # <63@191> = 257
    assert hits(data, "AD005") == [("AD005", 6, 5)]


def test_too_long_address_on_a_folded_continuation_line():
    data = with_to(b"alice@example.org,\r\n " + b"b" * 70 + b"@example.org")
    assert hits(data, "AD005") == [("AD005", 3, 2)]


def test_limits_are_parameters(tmp_path):
    profile = tmp_path / "short.toml"
    profile.write_text(
        'extends = "default"\n[rules.AD005]\nmax-local-part = 5\nmax-domain = 8\nmax-path = 14\n'
    )
    head = b"From: al@ex.org\r\nDate: Mon, 01 Jan 2024 09:00:00 +0900\r\n"
    data = msg(head=head, extra=b"Cc: abcdef@ex.org, abc@example.org, abcd@exam.org\r\n")
    assert hits(data, "AD005", profile=str(profile)) == [
        ("AD005", 3, 5),  # local part of 6
        ("AD005", 3, 24),  # domain of 11
        ("AD005", 3, 37),  # path of 4 + 8 + 3 = 15
    ]
    assert hits(data, "AD005") == []


# -- robustness and size -----------------------------------------------------------


def odd_inputs() -> list[bytes]:
    noise = random.Random(5322).randbytes(4000)
    return [
        b"",
        noise,
        b"From:" + noise[:300] + b"\r\nTo:" + noise[300:600] + b"\r\n\r\n",
        with_from(b"Al\x00ice \xff\xfe <al\x00ice@exa\xe9mple.com>"),
        with_from(b'"Alice <alice@example.com>'),
        with_from(b"Alice <<alice@example.com"),
        with_from(b"Alice alice@example.com>>"),
        with_to(b"(" * 10_000 + b"x" + b")" * 10_000 + b" bob@example.org"),
        with_to(b"(" * 10_000 + b"bob@example.org"),
        with_to(b")" * 10_000),
        with_to(b'"' * 9_999 + b"\\"),
        with_to(b"<" * 10_000 + b">" * 5_000),
        with_to(b"@" * 5_000 + b":" * 5_000 + b";" * 5_000),
        with_to(b"\x1b$B" * 3_000),
        with_to(b"=?" * 3_000 + b"?=<"),
        msg(extra=b"References: " + b"<" * 5_000 + b"@" * 5_000 + b"\r\n"),
        msg(extra=b"In-Reply-To: " + b"(" * 10_000 + b"\r\n"),
        msg(extra=b"Message-ID: <a@[b\\" + b"]" * 100 + b"\r\n"),
        b"To:\r\n \r\n\t<a@b\r\nFrom\r\n",
        b"From: a@b\rTo: c@d\n\nbody",
    ]


@pytest.mark.parametrize("data", odd_inputs(), ids=lambda d: repr(d[:24]))
def test_odd_inputs_never_raise_and_stay_inside_the_input(data):
    report = lint(data, *AD)
    lines = data.count(b"\n") + 1
    for finding in report.findings:
        assert finding.code in AD
        assert 1 <= finding.line <= lines
        assert 0 <= finding.offset <= len(data)


ADDRESS_BYTES = st.binary(max_size=200) | st.text(
    alphabet=st.sampled_from(list('abc@.,;:<>()[]"\\ \t=?Q\x00\x1b$B\xe9')), max_size=80
).map(lambda text: text.encode("utf-8"))


@settings(max_examples=300, deadline=None)
@given(
    name=st.sampled_from([b"From", b"Sender", b"To", b"Bcc", b"Message-ID", b"References"]),
    value=ADDRESS_BYTES,
)
def test_any_octets_in_an_address_field_lint_without_error(name, value):
    value = value.replace(b"\r", b"").replace(b"\n", b"")
    data = msg(extra=name + b":" + value + b"\r\n")
    for finding in lint(data, *AD).findings:
        assert 0 <= finding.offset <= len(data)
        assert finding.line == 6


MAX_FINDINGS = DEFAULT_LIMITS.max_findings


@pytest.mark.parametrize(
    ("template", "tail", "expected"),
    [
        (b"User %d <user@example.org>", b"", lambda count: []),
        # A comma in each display name: the first on line 2 after "To: Doe", then " Doe".
        (
            b"Doe, J%d <j@example.org>",
            b"",
            lambda count: (
                [("AD003", 2, 8)] + [("AD003", line, 5) for line in range(3, MAX_FINDINGS + 3)]
            ),
        ),
        (
            b"a%d",
            b"",
            lambda count: (
                [("AD001", 2, 5)] + [("AD001", line, 2) for line in range(3, MAX_FINDINGS + 3)]
            ),
        ),
        # Each group opens inside the one before: the ':' after " G<n>" on line n + 2.
        (
            b"G%d: a@b",
            b"",
            lambda count: [
                ("AD001", line, 3 + len(str(line - 2))) for line in range(3, MAX_FINDINGS + 4)
            ],
        ),
        # "; junk" after the last group, " G<count - 1>: a@b; " before it.
        (b"G%d: a@b", b"; junk", lambda count: [("AD001", count + 1, 10 + len(str(count - 1)))]),
    ],
    ids=["named", "comma-in-name", "no-domain", "groups-in-groups", "junk-after-groups"],
)
def test_ten_thousand_addresses_take_linear_time(template, tail, expected):
    def check(data: bytes, count: int) -> None:
        report = lint(data, *AD)
        assert [(f.code, f.line, f.column) for f in report.findings] == expected(count)
        if len(report.findings) > MAX_FINDINGS:  # one per address: one more sums up the rest
            more = f"and {count - MAX_FINDINGS} more like this"
            assert report.findings[-1].message.startswith(more)

    lint(with_to(b"a@b"), *AD)  # one-time costs (the profile, compiled patterns) apart
    work = {}
    for count in (1_000, 10_000):
        data = with_to(b",\r\n ".join(template % i for i in range(count)) + tail)
        work[count] = calls(check, data, count)
    # Ten times the addresses; quadratic is x100.  The time: benchmarks/pathological.py addr-*.
    assert work[10_000] <= 12 * work[1_000]
