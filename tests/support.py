"""Helpers shared by the tests: build messages, lint them, read findings as tuples."""

from __future__ import annotations

import cProfile
import sys

from maillint import Report, lint_bytes

HEAD = (
    b"From: Alice <alice@example.com>\r\n"
    b"To: bob@example.org\r\n"
    b"Date: Mon, 01 Jan 2024 09:00:00 +0900\r\n"
    b"Message-ID: <20240101090000.1@example.com>\r\n"
    b"Subject: hello\r\n"
)


def msg(extra: bytes = b"", body: bytes = b"Hello Bob.\r\n", head: bytes = HEAD) -> bytes:
    """A wire-form message: the valid header section, extra fields, empty line, body."""
    return head + extra + b"\r\n" + body


def lint(data: bytes, *codes: str, **options) -> Report:
    """Lint with only the given rules (or the whole default profile when none)."""
    return lint_bytes(data, select=list(codes) or None, **options)


def hits(data: bytes, *codes: str, **options) -> list[tuple[str, int, int]]:
    """(code, line, column) of every finding of the given rules."""
    return [(f.code, f.line, f.column) for f in lint(data, *codes, **options).findings]


def mutations(seed: bytes, alphabet: bytes, rng, count: int = 300):
    """``count`` copies of ``seed``, each with 1-12 random replacements, deletions
    and insertions of octets from ``alphabet``: cheap robustness inputs."""
    for _ in range(count):
        data = bytearray(seed)
        for _ in range(rng.randint(1, 12)):
            position = rng.randrange(len(data))
            action = rng.random()
            if action < 0.4:
                data[position] = rng.choice(alphabet)
            elif action < 0.7:
                del data[position : position + rng.randint(1, 20)]
            else:
                data[position:position] = bytes(
                    rng.choice(alphabet) for _ in range(rng.randint(1, 5))
                )
        yield bytes(data)


def calls(fn, /, *args, **kwargs) -> int:
    """How many function calls ``fn(*args, **kwargs)`` makes: a count of work
    that, unlike a wall-clock time, is the same on every run and every machine.

    Every call of a Python function (a generator or coroutine resumed counts
    again) and of a C function (a builtin, a method of ``bytes``, ``re.Pattern.search``)
    is counted once.  The counting is cProfile's, which hooks the interpreter
    where ``sys.setprofile`` does and counts the same "call" and "c_call" events
    in C, at a quarter of the cost of a Python profile function; the profiler in
    place before (a debugger's, or none) is put back afterwards, whatever ``fn``
    raised.  Comparing two input sizes shows how the cost grows:
    ``calls(f, large) <= 12 * calls(f, small)`` for ten times the input fails on
    code that calls something once per pair of items (about x100).

    What it does not see: work inside one C call (a regular expression that
    backtracks, a codec, ``bytes.find`` from every line to the end of the input:
    one call a line, but each as long as the input), and loops of bytecode that
    call nothing (indexing and arithmetic in a ``while``).  That is why
    ``benchmarks/pathological.py`` prints the times of the same inputs.  Count
    once one-time costs (a profile read, a regex compiled) are paid, on inputs
    not linted before (some checks cache their results by field value).  Calls
    made in other threads are not counted.
    """
    previous = sys.getprofile()
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        fn(*args, **kwargs)
    finally:
        profiler.disable()
        sys.setprofile(previous)
    return sum(entry.callcount for entry in profiler.getstats())
