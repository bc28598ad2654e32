"""The pathological inputs of issue 9 at full size: time, memory, and what the report says.

Each input (those of issue 9, built by ``tests/hostile.py``; then the hostile
inputs of the rule families' tests, built here, named by family: addr-, at-,
cs-, ew-, hd-, jp-, param-) is linted at half its size and at its full size,
with every rule on (the default profile with every code selected, carrier
rules included; the recipients are at carrier domains where the input does not
replace them), each run in a fresh child process so that its peak RSS is its
own.  A family's input is at full size ten times what its test lints, so
``--quick`` runs the test's size: the tests check what the report says and
count the work in function calls, never the time, which is this table's.
The table shows the time of ``lint_bytes`` alone (building the input and
loading the profiles not counted), the ratio of the two times (x2.0 is
linear), the peak RSS of the child, the number of findings, and the findings
that say where the analysis stopped (ML001, MM007).

    python benchmarks/pathological.py            # full sizes, several minutes
    python benchmarks/pathological.py --quick    # a tenth of the sizes
    python benchmarks/pathological.py only-cr sibling-parts   # some inputs only
    python benchmarks/pathological.py --quick jp-              # the inputs named jp-...
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from hostile import BUILDERS as ISSUE_9  # noqa: E402
from hostile import HEAD  # noqa: E402

# The full size of each input, as issue 9 names it (the unit is the builder's).
SIZES = {
    "single-line": (100_000_000, "octets in one line"),
    "header-fields": (100_000, "header fields"),
    "folded-header": (100_000, "continuation lines"),
    "nested-multiparts": (10_000, "levels of nesting"),
    "sibling-parts": (100_000, "sibling parts"),
    "boundary-prefix": (1_000_000, "lines starting with the boundary"),
    "base64-part": (100_000_000, "octets, base64"),
    "encoded-words": (1_000_000, "octets of encoded words"),
    "only-cr": (100_000_000, "CR octets"),
}
CUT_CODES = ("ML001", "MM007")

# -- the hostile inputs of the families' tests (test_<family>.py), by family prefix ------

CARRIER_TO = b"To: victim@t.vodafone.ne.jp, victim@docomo.ne.jp"


def message(
    fields: bytes = b"Subject: hostile\r\n", body: bytes = b"body\r\n", to: bytes = b""
) -> bytes:
    """HEAD (To replaced by ``to`` when given), ``fields``, the body."""
    head = HEAD.replace(CARRIER_TO, b"To: " + to) if to else HEAD
    return head + fields + b"\r\n" + body


def addresses(template: bytes, tail: bytes = b""):
    """A To of ``count`` addresses ``template % i``, one a line (test_addresses.py)."""
    return lambda count: message(to=b",\r\n ".join(template % i for i in range(count)) + tail)


def many_attachments(count: int) -> bytes:
    """``count`` parts named by RFC 2047 in name and RFC 2231 in filename (test_attachments.py)."""
    part = (
        b'--s\r\nContent-Type: application/pdf; name="=?UTF-8?B?6KaL56mNLnBkZg==?="\r\n'
        b"Content-Disposition: attachment; filename*=UTF-8''%E8%A6%8B%E7%A9%8D{}.pdf\r\n\r\nx\r\n"
    )
    body = b"".join(part.replace(b"{}", b"%d" % i) for i in range(count))
    fields = b"Subject: files\r\nContent-Type: multipart/mixed; boundary=s\r\n"
    return message(fields, body + b"--s--\r\n")


def file_named(unit: bytes, tail: bytes = b""):
    """A PDF whose name is ``unit * count + tail`` and filename report.pdf (test_attachments.py)."""

    def build(count: int) -> bytes:
        part = (
            b'--b\r\nContent-Type: application/pdf; name="%s"\r\n'
            b'Content-Disposition: attachment; filename="report.pdf"\r\n'
            b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n"
        )
        fields = b"Subject: file\r\nContent-Type: multipart/mixed; boundary=b\r\n"
        return message(fields, part % (unit * count + tail))

    return build


def subject(unit: bytes, head: bytes = b""):
    """A Subject of ``head + unit * count``, one line (test_encoded_words.py, test_japanese.py)."""
    return lambda count: message(b"Subject: " + head + unit * count + b"\r\n")


def structured(unit: bytes):
    """``unit * count`` as To, a Content-Type parameter, Message-ID (test_encoded_words.py)."""

    def build(count: int) -> bytes:
        value = unit * count
        data = message(
            b"Subject: fields\r\nContent-Type: text/plain; name=" + value + b"\r\n", to=value
        )
        return data.replace(b"<hostile.1@example.com>", value)

    return build


def japanese(unit: bytes, tail: bytes = b"", charset: bytes = b"ISO-2022-JP"):
    """A text/plain body ``unit * count + tail`` in ``charset`` (test_japanese, test_charsets)."""
    encoding = b"7bit" if charset == b"ISO-2022-JP" else b"8bit"
    fields = (
        b"Subject: jp\r\nContent-Type: text/plain; charset=%s\r\nContent-Transfer-Encoding: %s\r\n"
    )
    return lambda count: message(fields % (charset, encoding), unit * count + tail)


def parameters(build):
    """``build(count)`` as the Content-Type and the Content-Disposition (test_mimeparams.py)."""

    def message_with(count: int) -> bytes:
        value = build(count).encode("utf-8", "surrogateescape")
        fields = b"Subject: params\r\nContent-Type: " + value + b"\r\nContent-Disposition: " + value
        return message(fields + b"\r\n")

    return message_with


NEC = b"\x1b$B" + b"-!" * 60 + b"\x1b(B\r\n"  # a line of 60 NEC characters (①)
FROM_THE_TESTS = {
    "addr-named": (addresses(b"User %d <user@example.org>"), 100_000, "addresses in To"),
    "addr-comma": (addresses(b"Doe, J%d <j@example.org>"), 100_000, "addresses, ',' in the name"),
    "addr-no-domain": (addresses(b"a%d"), 100_000, "addresses without @domain"),
    "addr-groups": (addresses(b"G%d: a@b"), 100_000, "groups, each in the one before"),
    "addr-junk": (addresses(b"G%d: a@b", b"; junk"), 100_000, "groups, then junk"),
    "at-many-parts": (many_attachments, 200_000, "parts named by RFC 2047 and 2231"),
    "at-name-words": (file_named(b"=?UTF-8?Q?a?= "), 500_000, "encoded words in name="),
    "at-name-openers": (file_named(b"=?"), 2_000_000, "'=?' in name="),
    "at-name-utf-8": (file_named("見".encode()), 1_000_000, "raw UTF-8 characters in name="),
    "at-name-sjis": (file_named(b"\x95\\"), 1_000_000, "raw Shift_JIS '表' in name="),
    "at-name-path": (file_named(b"a/", b".pdf.exe"), 2_000_000, "'a/' in name=, then .pdf.exe"),
    "cs-jis-vendor": (
        japanese(b"\x1b$B-!$3$s$K$A$O\x1b(B abc\r\n"),
        500_000,
        "ISO-2022-JP lines, each with ①",
    ),
    "ew-openers": (subject(b"=?"), 1_000_000, "'=?' in Subject"),
    "ew-unknown": (subject(b"=?a?b?c"), 500_000, "'=?a?b?c' in Subject"),
    "ew-unclosed": (subject(b"=?UTF-8?Q?"), 500_000, "'=?UTF-8?Q?' in Subject"),
    "ew-long-b": (subject(b"A", b"=?UTF-8?B?"), 1_000_000, "base64 octets of an unclosed word"),
    "ew-closers": (subject(b"?="), 1_000_000, "'?=' in Subject"),
    "ew-adjacent": (subject(b"=?UTF-8?Q?a?="), 500_000, "words without space in Subject"),
    "ew-quote": (subject(b"=?UTF-8?Q?a?= ", b'"'), 200_000, "words after '\"' in Subject"),
    "ew-in-quotes": (structured(b'"=?'), 500_000, "'\"=?' in 3 structured fields"),
    "ew-in-comments": (structured(b"(=?"), 500_000, "'(=?' in 3 structured fields"),
    "ew-in-angles": (structured(b"<=?a?q?b?=@"), 300_000, "'<=?a?q?b?=@' in 3 struct. fields"),
    "ew-backslashes": (structured(b"\\"), 100_000, "'\\' in 3 structured fields"),
    "hd-subjects": (
        lambda count: b"Subject: v\r\n" * count + b"\r\n",
        1_000_000,
        "Subject fields, nothing else",
    ),
    "hd-blank-fold": (
        lambda count: b"To: a@b.example,\r\n" + b" \r\n" * count + b"\r\n",
        1_000_000,
        "lines of white space folding To",
    ),
    "jp-nec": (japanese(NEC), 80_000, "ISO-2022-JP lines of 60 NEC chars"),
    "jp-katakana": (
        japanese(b"\x1b(I" + b"1" * 60 + b"\x1b(B\r\n"),
        160_000,
        "lines of 60 half-width katakana",
    ),
    "jp-escapes": (japanese(b"\x1b$B$3\x1b(Ba", b"\r\n"), 1_200_000, "escape pairs on one line"),
    "jp-esc": (japanese(b"\x1b"), 10_000_000, "ESC octets"),
    "jp-shifts": (japanese(b"\x0e\x0f"), 5_000_000, "SO SI pairs"),
    "jp-unreset": (japanese(b"\x1b$B$3$3\r\n"), 1_000_000, "lines left in JIS X 0208"),
    "jp-8bit": (japanese(b"\xf8\x9f"), 5_000_000, "emoji in Shift_JIS, labelled JIS"),
    "jp-sjis-emoji": (
        japanese(b"\xf8\x9f", charset=b"Shift_JIS"),
        5_000_000,
        "emoji in Shift_JIS (JP002 on)",
    ),
    "jp-subject-words": (
        subject(b" =?ISO-2022-JP?B?GyRCLSE=?="),
        50_000,
        "ISO-2022-JP words of ① in Subject",
    ),
    "param-deep": (parameters(lambda n: "(" * n), 1_000_000, "'(' in Content-Type, -Disposition"),
    "param-deep-closed": (
        parameters(lambda n: "text/plain; a=b " + "(" * n + ")" * n),
        1_000_000,
        "'(' then ')' after a parameter",
    ),
    "param-backslashes": (
        parameters(lambda n: "text/plain (" + "\\" * (n + 1)),
        1_000_000,
        "'\\' in a comment",
    ),
    "param-quotes": (
        parameters(lambda n: '"' * n),
        1_000_000,
        "'\"' in Content-Type, -Disposition",
    ),
    "param-semicolons": (
        parameters(lambda n: ";" * n),
        1_000_000,
        "';' in Content-Type, -Disposition",
    ),
    "param-sections": (
        parameters(lambda n: "a/b" + "; t*1=x" * n),
        200_000,
        "RFC 2231 sections, all number 1",
    ),
    "param-spaces": (parameters(lambda n: "a/b; n=" + " x" * n), 500_000, "' x' in a token value"),
    "param-pct": (
        parameters(lambda n: "a/b; n*=utf-8''" + "%" * n),
        1_000_000,
        "'%' in an RFC 2231 value",
    ),
}
# Parameters the test turns on, by input: the default profile with these overrides.
OVERRIDES = {"jp-sjis-emoji": {"JP002": {"shift-jis": True}}}

BUILDERS = {**ISSUE_9, **{name: build for name, (build, _, _) in FROM_THE_TESTS.items()}}
SIZES.update({name: (size, unit) for name, (_, size, unit) in FROM_THE_TESTS.items()})


def run_one(name: str, size: int) -> dict[str, object]:
    """Lint one input in this process; what the table needs."""
    from maillint import lint_bytes
    from maillint.profiles import load_profile, with_overrides
    from maillint.registry import all_rules

    data = BUILDERS[name](size)
    codes = list(all_rules())
    options: dict[str, object] = {}
    if name in OVERRIDES:
        options["profile"] = with_overrides(load_profile("default"), OVERRIDES[name], None)
    # One-time costs (profiles, imports) apart:
    lint_bytes(BUILDERS[name](1), select=codes, **options)  # type: ignore[arg-type]
    start = time.perf_counter()
    report = lint_bytes(data, select=codes, **options)  # type: ignore[arg-type]
    seconds = time.perf_counter() - start
    cut = [f"{f.code} {f.line}:{f.column}" for f in report.findings if f.code in CUT_CODES]
    return {
        "octets": len(data),
        "seconds": seconds,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "findings": len(report.findings),
        "cut": cut,
    }


def in_child(name: str, size: int) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, __file__, "--one", name, str(size)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "names",
        nargs="*",
        help="inputs to run, or a prefix of their names (jp-): " + ", ".join(SIZES),
    )
    parser.add_argument("--quick", action="store_true", help="a tenth of the sizes")
    parser.add_argument("--one", nargs=2, metavar=("NAME", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one[0], int(args.one[1]))))
        return
    chosen = [
        name for name in SIZES if not args.names or any(name.startswith(n) for n in args.names)
    ]
    unknown = [n for n in args.names if not any(name.startswith(n) for name in SIZES)]
    if unknown:
        parser.error(f"no input named {', '.join(unknown)}")
    header = (
        f"{'input':<18} {'size':>12}  {'unit':<33} {'octets':>11} {'seconds':>8} "
        f"{'ratio':>6} {'RSS MB':>7} {'findings':>8}  cut short at"
    )
    print(header)
    print("-" * len(header))
    for name in chosen:
        full, unit = SIZES[name]
        if args.quick:
            full //= 10
        previous = None
        for size in (full // 2, full):
            row = in_child(name, size)
            if "error" in row:
                print(f"{name:<18} {size:>12,}  {unit:<33} failed: {row['error']}")
                continue
            seconds = float(row["seconds"])  # type: ignore[arg-type]
            ratio = f"x{seconds / previous:.1f}" if previous else ""
            previous = max(seconds, 1e-6)
            print(
                f"{name:<18} {size:>12,}  {unit:<33} {row['octets']:>11,} {seconds:>8.2f} "
                f"{ratio:>6} {row['rss_mb']:>7.0f} {row['findings']:>8}  "
                + (", ".join(row["cut"]) or "-")  # type: ignore[arg-type]
            )
        sys.stdout.flush()


if __name__ == "__main__":
    main()
