"""Benchmark maillint: speed and memory, next to baselines measured in the same run.

How fast maillint is on a given machine means little on its own, so every
figure is printed next to two baselines timed in the same run on the same
files, and as a ratio to them:

* read: open and read every file.  Nothing that looks at the files costs less.
* stdlib parse: read, then ``email.message_from_bytes(data, policy=default)``,
  walk every MIME part and parse every header field.  This is what any tool
  that checks less than maillint pays.  Header fields go through the policy one
  by one (``raw_items`` then ``header_fetch_parse``, which is what ``items()``
  does), so that a field the stdlib raises on counts as an error rather than
  ending the message; mboxes are split with one regular expression, in C.

maillint is timed in process with ``maillint.runner.run(paths, jobs=1)`` (one
core, like the baselines; reading and mbox splitting included), and end to end
as ``python -m maillint check --format json`` in a child process, with ``-j 1``
and with the default jobs (every core): that shows the process start cost and
the parallel speed-up.  Every time is the best of ``--repeat`` runs (3, or 1
with ``--quick``; after one untimed warm-up pass) with ``time.perf_counter``,
the run least disturbed by the rest of the machine; a figure whose runs add up
to more than 20 s is not repeated further.  The load average is printed at the
start and the end: above the core count, other work has slowed the figures.

Inputs: every file of the stdlib's own email test data (``test/test_email/data``,
the ``msg_*.txt`` messages and the images and sounds beside them), the corpus
given by ``--corpus`` (by default ``/work/shared/corpus`` when it exists; read
in place, never copied), any other ``PATH`` given, and synthetic inputs made in
memory and written to a temporary folder: a message with a large base64
attachment in long lines, an mbox of many small messages and a header section
of many fields.  Each synthetic input runs at a size N and 2N; the ratio of the
times shows whether the cost stays close to linear (x2.0).

Memory: the peak RSS of each ``maillint check`` child (``wait4``; with jobs,
the largest process of the tree), and the ``tracemalloc`` peak of linting the
largest synthetic messages in process, next to their size and the stdlib's.

There are no assertions: this prints figures for people to compare.

    python benchmarks/bench.py              # full run, a few minutes
    python benchmarks/bench.py --quick      # synthetic inputs a tenth the size, one run each, ~30 s
    python benchmarks/bench.py --corpus DIR PATH...  # other messages too
    python benchmarks/bench.py --cprofile   # also the hottest maillint functions
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import email
import email.policy
import io
import os
import pstats
import random
import re
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TypeVar

import maillint
from maillint.registry import all_rules
from maillint.runner import LintOptions, default_jobs, run

DEFAULT_CORPUS = Path("/work/shared/corpus")
# Files that sit next to messages in a corpus folder but are not messages.
NOT_MESSAGES = {".md", ".rst", ".tsv", ".csv", ".json", ".py"}
# An mbox postmark line: at the start, or after an empty line (LF or CRLF).
POSTMARK = re.compile(rb"(?:\A|\n\r?\n)From [^\n]*\n")
REPEAT_BUDGET = 20.0  # seconds: past this, one more run tells little
MB = 1_000_000
T = TypeVar("T")

HEAD = (
    b"From: Alice <alice@example.com>\r\n"
    b"To: Bob <bob@example.org>\r\n"
    b"Date: Mon, 01 Jan 2024 09:00:00 +0900\r\n"
    b"Message-ID: <%d.bench@example.com>\r\n"
    b"Subject: benchmark message %d\r\n"
    b"MIME-Version: 1.0\r\n"
)


@dataclass
class Row:
    """One input, timed three ways, with what maillint found in it."""

    name: str
    files: int
    messages: int
    size: int
    read: float
    stdlib: float
    maillint: float
    findings: int = 0
    errors: int = 0
    stdlib_errors: int = 0


# --- timing -------------------------------------------------------------------------


def best_of(func: Callable[[], T], repeat: int) -> tuple[float, T]:
    """The lowest wall time of ``repeat`` calls (the run least disturbed), and a result."""
    times: list[float] = []
    while len(times) < repeat and sum(times) < REPEAT_BUDGET:
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return min(times), result


def read_files(paths: list[str]) -> list[bytes]:
    """Baseline 1: open and read every file, nothing else."""
    contents = []
    for path in paths:
        with open(path, "rb") as stream:
            contents.append(stream.read())
    return contents


def split_messages(data: bytes) -> list[bytes]:
    """An mbox's messages (split in C), or the data as one message."""
    if not data.startswith(b"From "):
        return [data]
    return POSTMARK.split(data)[1:]


def stdlib_messages(data: bytes) -> tuple[int, int]:
    """Parse one file's messages with the stdlib, touching every part and header field.

    Returns the number of messages and of header fields (or messages) the
    stdlib raised on: real mail makes it raise, which is worth knowing too.
    """
    messages = failures = 0
    for raw in split_messages(data):
        messages += 1
        try:
            message = email.message_from_bytes(raw, policy=email.policy.default)
            for part in message.walk():
                for name, value in part.raw_items():
                    try:
                        str(part.policy.header_fetch_parse(name, value))
                    except Exception:  # noqa: BLE001 - counted, like a lint error
                        failures += 1
        except Exception:  # noqa: BLE001
            failures += 1
    return messages, failures


def stdlib_parse(paths: list[str]) -> int:
    """Baseline 2: read every file and parse it with the stdlib; returns the failures."""
    return sum(stdlib_messages(data)[1] for data in read_files(paths))


def measure(name: str, paths: list[str], options: LintOptions, repeat: int) -> Row:
    """Time reading, the stdlib parse and maillint (one process, one core) on the same files."""
    size = sum(len(data) for data in read_files(paths))  # also warms the page cache
    read, _ = best_of(lambda: read_files(paths), repeat)
    stdlib, stdlib_errors = best_of(lambda: stdlib_parse(paths), repeat)
    lint, results = best_of(lambda: run(paths, options, jobs=1), repeat)
    return Row(
        name=name,
        files=len(paths),
        messages=len(results.reports),
        size=size,
        read=read,
        stdlib=stdlib,
        maillint=lint,
        findings=sum(len(report.findings) for report in results.reports),
        errors=len(results.errors),
        stdlib_errors=stdlib_errors,
    )


# Forks and times the command given, then prints: seconds, exit status, peak RSS.
# A child's peak RSS starts at its parent's (Linux keeps the high-water mark
# across fork and exec), so the benchmark, which holds large inputs, does not
# spawn the command itself: this small, fresh interpreter does.
LAUNCHER = """
import os, sys, time
null = os.open(os.devnull, os.O_WRONLY)
start = time.perf_counter()
pid = os.posix_spawn(sys.argv[1], sys.argv[1:], os.environ,
                     file_actions=[(os.POSIX_SPAWN_DUP2, null, 1), (os.POSIX_SPAWN_DUP2, null, 2)])
_, status, usage = os.wait4(pid, 0)
rss = usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024)
print(time.perf_counter() - start, os.waitstatus_to_exitcode(status), rss)
"""


def spawn(argv: list[str]) -> tuple[float, int, int]:
    """Run a command with its output discarded: wall time, exit status, peak RSS in bytes.

    ``wait4`` gives the rusage of that one child, including the children it
    reaped (worker processes): the RSS of its largest process.
    """
    launched = subprocess.run(
        [sys.executable, "-c", LAUNCHER, *argv], capture_output=True, check=True, text=True
    )
    seconds, status, rss = launched.stdout.split()
    return float(seconds), int(status), int(rss)


def cli_argv(paths: list[str], jobs: int | None) -> list[str]:
    """``maillint check`` as a user runs it; isolated, so it lints with the default profile."""
    argv = [sys.executable, "-m", "maillint", "check", "--format", "json", "-q"]
    argv += ["--output", os.devnull, "--isolated"]
    if jobs is not None:
        argv += ["-j", str(jobs)]
    return argv + paths


def best_spawn(argv: list[str], repeat: int) -> tuple[float, int, int]:
    """The best time of ``repeat`` runs, with the exit status and the highest peak RSS."""
    runs = [spawn(argv) for _ in range(repeat)]
    return min(r[0] for r in runs), runs[-1][1], max(r[2] for r in runs)


def traced_peak(func: Callable[[bytes], object], data: bytes) -> int:
    """Peak bytes Python allocates while ``func(data)`` runs (``data`` itself not counted)."""
    tracemalloc.start()
    try:
        func(data)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# --- inputs -------------------------------------------------------------------------


def stdlib_data_folder() -> Path:
    """The stdlib's email test data, where the ``test`` package is installed."""
    import test  # the stdlib's own test package

    return Path(test.__file__).parent / "test_email" / "data"


def message_files(path: Path) -> list[str]:
    """A file as itself; a folder as every file under it, but its README and manifest.

    The folder is walked here rather than by maillint, whose walk only takes
    ``.eml`` and suffixless names: every tool must be timed on the same files.
    """
    if not path.is_dir():
        return [str(path)]
    found = []
    for root, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith(".") and Path(name).suffix.lower() not in NOT_MESSAGES:
                found.append(os.path.join(root, name))
    return found


def base64_message(megabytes: int, seed: int = 1) -> bytes:
    """A multipart message with a text part and a base64 attachment in 4,000-octet lines.

    Lines over 998 octets make every line a finding (LN001, LN002), so the cost
    of findings is in the figure too.
    """
    payload = base64.b64encode(random.Random(seed).randbytes(megabytes * MB * 3 // 4))
    lines = [payload[i : i + 4000] for i in range(0, len(payload), 4000)]
    return (
        HEAD % (seed, seed)
        + b'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
        + b"--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee the attachment.\r\n"
        + b'--b1\r\nContent-Type: application/octet-stream; name="data.bin"\r\n'
        + b"Content-Transfer-Encoding: base64\r\n\r\n"
        + b"\r\n".join(lines)
        + b"\r\n--b1--\r\n"
    )


def mbox(count: int) -> bytes:
    """An mbox of ``count`` small messages in the Unix storage form (LF), as mboxes are."""
    chunks = []
    for i in range(count):
        body = b"Hello Bob,\r\n\r\nmessage %d of the mbox.\r\n>From here on, quoted.\r\n" % i
        message = HEAD % (i, i) + b"Content-Type: text/plain; charset=us-ascii\r\n\r\n" + body
        chunks.append(b"From alice@example.com Mon Jan  1 09:00:00 2024\n")
        chunks.append(message.replace(b"\r\n", b"\n") + b"\n")
    return b"".join(chunks)


def many_fields(count: int) -> bytes:
    """A header section of ``count`` fields: a third Received, some folded, as in real mail."""
    fields = []
    for i in range(count):
        if i % 3 == 0:
            fields.append(b"Received: from host%d.example.net by mx.example.com;\r\n" % i)
            fields.append(b"\tMon, 01 Jan 2024 09:00:00 +0000\r\n")
        else:
            fields.append(b"X-Field-%d: value %d\r\n" % (i, i))
    return b"".join(fields) + HEAD % (0, 0) + b"\r\nShort body.\r\n"


@dataclass(frozen=True)
class Synthetic:
    """A generated input, run at ``size`` and twice that."""

    name: str
    unit: str
    make: Callable[[int], bytes]
    size: int
    suffix: str = ".eml"


def synthetic_cases(quick: bool) -> list[Synthetic]:
    """Full sizes show scaling on real-sized extremes; quick ones are a tenth."""
    scale = 10 if quick else 1
    return [
        Synthetic("base64 message", "MB", base64_message, 20 // scale),
        Synthetic("mbox", "msgs", mbox, 5000 // scale, ".mbox"),
        Synthetic("header", "fields", many_fields, 100_000 // scale),
    ]


# --- output -------------------------------------------------------------------------


def ms(seconds: float) -> str:
    """A duration in a unit that keeps three digits or so."""
    if seconds < 0.001:
        return f"{seconds * 1e6:.0f} us"
    return f"{seconds * 1000:.1f} ms" if seconds < 10 else f"{seconds:.2f} s"


COLUMNS = (
    f"{'input':<26}{'files':>6}{'msgs':>7}{'MB':>8}{'read':>11}{'stdlib parse':>14}"
    f"{'maillint':>11}{'x read':>9}{'x parse':>9}{'msg/s':>9}{'MB/s':>8}{'findings':>10}"
)


def format_row(row: Row) -> str:
    """One table line: the three times, maillint's ratios to them, and its throughput."""
    line = (
        f"{row.name:<26}{row.files:>6}{row.messages:>7}{row.size / MB:>8.2f}"
        f"{ms(row.read):>11}{ms(row.stdlib):>14}{ms(row.maillint):>11}"
        f"{row.maillint / row.read:>8.1f}x{row.maillint / row.stdlib:>8.2f}x"
        f"{row.messages / row.maillint:>9.0f}{row.size / MB / row.maillint:>8.1f}"
        f"{row.findings:>10}"
    )
    notes = []
    if row.errors:
        notes.append(f"maillint: {row.errors} input errors")
    if row.stdlib_errors:
        notes.append(f"stdlib raised {row.stdlib_errors} times")
    return line + (f"   ({'; '.join(notes)})" if notes else "")


def format_scaling(name: str, small: Row, large: Row) -> str:
    """Time at 2N over time at N: 2.0 is linear."""
    return (
        f"  scaling {name}, 2N/N: read {large.read / small.read:.2f}x"
        f"   stdlib parse {large.stdlib / small.stdlib:.2f}x"
        f"   maillint {large.maillint / small.maillint:.2f}x   (2.00x is linear)"
    )


# --- the parts of a run -------------------------------------------------------------


def warm_up(paths: list[str], options: LintOptions) -> None:
    """One untimed pass of each tool, so that no first figure pays for imports and caches."""
    stdlib_parse(paths)
    run(paths, options, jobs=1)


def time_inputs(cases: list[tuple[str, list[str]]], options: LintOptions, repeat: int) -> None:
    """One table line per real input: stdlib test data, corpus, given paths."""
    for name, paths in cases:
        print(format_row(measure(name, paths, options, repeat)), flush=True)


def time_synthetic(
    cases: list[Synthetic], folder: Path, options: LintOptions, repeat: int
) -> dict[str, Path]:
    """Each synthetic input at N and 2N, then the ratio; returns the 2N files."""
    largest = {}
    for case in cases:
        rows = []
        for size in (case.size, 2 * case.size):
            path = folder / f"{case.name.replace(' ', '-')}-{size}{case.suffix}"
            path.write_bytes(case.make(size))
            name = f"{case.name} {size:,} {case.unit}"
            rows.append(measure(name, [str(path)], options, repeat))
            print(format_row(rows[-1]), flush=True)
            largest[case.name] = path
        print(format_scaling(case.name, *rows), flush=True)
    return largest


def time_cli(cases: list[tuple[str, list[str]]], options: LintOptions, repeat: int) -> None:
    """``maillint check`` in a child process: start cost, -j 1 against every core.

    The same two job counts are timed in process too (``run``), so the gap
    shows what the process start and the rendering of the report cost.
    """
    jobs = default_jobs()
    python, _, python_rss = best_spawn([sys.executable, "-c", "pass"], repeat)
    one = cases[0][1][:1]
    start, _, start_rss = best_spawn(cli_argv(one, 1), repeat)
    print(
        f"{'process start':<26}python -c pass {ms(python)} (RSS {python_rss / MB:.0f} MB)"
        f"   maillint check, 1 message {ms(start)} (RSS {start_rss / MB:.0f} MB)"
    )
    for name, paths in cases:
        single, status, single_rss = best_spawn(cli_argv(paths, 1), repeat)
        multi, _, multi_rss = best_spawn(cli_argv(paths, None), repeat)
        inner_single, _ = best_of(partial(run, paths, options, jobs=1), repeat)
        inner_multi, _ = best_of(partial(run, paths, options, jobs=jobs), repeat)
        print(
            f"{name:<26}{len(paths):>6} files   -j 1 {ms(single):>9} (RSS {single_rss / MB:.0f} MB)"
            f"   -j {jobs} {ms(multi):>9} (RSS {multi_rss / MB:.0f} MB)"
            f"   speed-up {single / multi:.2f}x   exit {status}"
            f"   | in process: jobs=1 {ms(inner_single)}   jobs={jobs} {ms(inner_multi)}"
            f"   speed-up {inner_single / inner_multi:.2f}x",
            flush=True,
        )


def time_memory(largest: dict[str, Path], options: LintOptions) -> None:
    """tracemalloc peak of one in-process lint, next to the message size and the stdlib's."""
    profile = options.build_profile()
    for name in ("base64 message", "header"):
        data = largest[name].read_bytes()
        lint = traced_peak(partial(maillint.lint_bytes, profile=profile, line_endings="auto"), data)
        std = traced_peak(stdlib_messages, data)
        print(
            f"{name + ' ' + f'{len(data) / MB:.1f} MB':<26}"
            f"maillint peak {lint / MB:.1f} MB ({lint / len(data):.1f}x size)"
            f"   stdlib parse peak {std / MB:.1f} MB ({std / len(data):.1f}x size)",
            flush=True,
        )


def print_profile(paths: list[str], options: LintOptions, top: int = 15) -> None:
    """cProfile of the in-process lint: the maillint functions by cumulative time."""
    profiler = cProfile.Profile()
    profiler.runcall(run, paths, options, jobs=1)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(r"maillint[/\\]", top)
    print(out.getvalue())


def load() -> str:
    """The 1-minute load average: above the core count, other work slows every figure."""
    return f"load average {os.getloadavg()[0]:.2f}"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", metavar="PATH", help="more files, folders, mboxes")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="a folder of messages")
    parser.add_argument("--repeat", type=int, help="runs per figure, best kept [default: 3]")
    parser.add_argument("--quick", action="store_true", help="small synthetic inputs, one run each")
    parser.add_argument("--cprofile", action="store_true", help="profile maillint on the inputs")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Run every measurement and print the table."""
    args = parse_args(argv)
    repeat = max(1, args.repeat or (1 if args.quick else 3))
    options = LintOptions()
    cases = [("stdlib test messages", message_files(stdlib_data_folder()))]
    if args.corpus.is_dir():
        cases.append((args.corpus.name, message_files(args.corpus)))
    cases += [(Path(p).name or p, message_files(Path(p))) for p in args.paths]
    cases = [(name, paths) for name, paths in cases if paths]
    rules = len(options.build_profile().enabled())
    print(
        f"maillint {maillint.__version__} ({rules} rules enabled, of {len(all_rules())}),"
        f" Python {sys.version.split()[0]}, {default_jobs()} cores, best of {repeat}"
        f"{' (quick)' if args.quick else ''}, {load()}\n"
    )
    warm_up(cases[0][1], options)
    print(COLUMNS)
    time_inputs(cases, options, repeat)
    with tempfile.TemporaryDirectory(prefix="maillint-bench-") as tmp:
        largest = time_synthetic(synthetic_cases(args.quick), Path(tmp), options, repeat)
        print("\nmaillint check (child process, JSON to /dev/null)")
        time_cli(cases, options, repeat)
        print("\nmemory (tracemalloc, in process)")
        time_memory(largest, options)
    print(f"\nat the end: {load()}")
    if args.cprofile:
        paths = max(cases, key=lambda case: len(case[1]))[1]
        print(f"\ncProfile of maillint on {len(paths)} files")
        print_profile(paths, options)


if __name__ == "__main__":
    main()
