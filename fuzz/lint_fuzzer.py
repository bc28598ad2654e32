"""libFuzzer target (atheris): any octets must lint without an exception, inside the input.

Every rule runs (the default profile with every code selected, carrier rules
included, carrier selection by recipient) on the fuzzer's input, in the wire
form and in the ``auto`` form; each finding's offset, line and column
must lie inside the input and the JSON report must encode as UTF-8.  An
exception is a crash: libFuzzer writes the input to ``-artifact_prefix``.
libFuzzer's ``-timeout`` turns a hang into a crash, and ``-rss_limit_mb`` a
memory blow-up.

    pip install atheris
    python fuzz/lint_fuzzer.py -max_total_time=1800 -timeout=10 -rss_limit_mb=3072 \\
        -max_len=65536 -artifact_prefix=fuzz/artifacts/ \\
        /tmp/maillint-fuzz-corpus fuzz/seeds [/work/shared/corpus]

The first folder collects the inputs libFuzzer finds interesting (keep it out
of the repository); the others are seeds (``fuzz/seeds`` are small messages
written for this target).  Reproduce a crash with
``python fuzz/lint_fuzzer.py fuzz/artifacts/crash-...``, then copy the input
to ``tests/data/regressions/`` (``tests/test_regressions.py`` lints each one).
"""

from __future__ import annotations

import json
import sys
from bisect import bisect_right

import atheris

with atheris.instrument_imports():
    from maillint import lint_bytes
    from maillint.registry import all_rules
    from maillint.report import RenderOptions
    from maillint.report.json_format import render
    from maillint.runner import Results

CODES = list(all_rules())


def check(data: bytes, line_endings: str) -> None:
    report = lint_bytes(data, select=CODES, carrier="auto", line_endings=line_endings)
    lines = data.splitlines(keepends=True)
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line))
    for finding in report.findings:
        if not 0 <= finding.offset <= len(data):
            raise AssertionError(f"offset outside the input: {finding}")
        index = max(bisect_right(starts, finding.offset) - 1, 0)
        expected = (index + 1, finding.offset - starts[index] + 1)
        if (finding.line, finding.column) != expected:
            raise AssertionError(f"line and column {expected} expected: {finding}")
    text = render(Results(report.profile, [report]), RenderOptions())
    json.loads(text.encode("utf-8"))


def test_one_input(data: bytes) -> None:
    check(data, "wire")
    check(data, "auto")


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
