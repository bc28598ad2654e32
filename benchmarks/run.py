"""The benchmark of issue 8: maillint against reading and the stdlib, on a generated corpus.

    python benchmarks/run.py            # everything, a few minutes on two cores
    python benchmarks/run.py --quick    # a smaller corpus and sizes, about a minute

It generates a deterministic corpus (``benchmarks/corpus.py``: short ASCII mail,
ISO-2022-JP, multipart/alternative with HTML, multipart/mixed with base64
attachments of 20 kB-1 MB, broken messages) in a temporary folder, then times,
in interleaved rounds (each round runs every measure once, in a rotating
order, so that a slow moment of the machine hits all of them alike), the
median of ``--rounds``:

  (a)  read       open and read every file
  (b)  stdlib     email.message_from_bytes(raw, policy=email.policy.default)
                  and get_content() on every leaf part
  (b') compat32   email.message_from_bytes(raw): the bare parse, the fastest
                  thing the stdlib does
  (c)  maillint check -j 1   (every default rule on, output to /dev/null)
  (d)  maillint check        (all cores)

Every measure is a child process, started the same way and timed from spawn
to exit (so (c) and (d) include maillint's start, about 0.3 s, and the
baselines the interpreter's), with its peak resident memory (``wait4``; for
(d) the largest process of the pool).  Then it prints MB/s, messages/s and the
ratios the issue sets targets for: c/b <= 0.5, c/b' <= 1.5, c/a, and the
speed-up c/d >= 0.9 x cores.

Then: the time and peak memory of one message of 1, 10 and 100 MB (and each
rule's time at each size: no rule may grow worse than linearly), a 1 GB mbox
of 100 kB messages (peak RSS must stay under 200 MB; written to /tmp and
deleted), a single 200 MB message, and with ``--profile`` the cProfile of
maillint on the corpus.  No figure is asserted: this prints, people judge.
"""

from __future__ import annotations

import argparse
import cProfile
import email
import email.policy
import io
import os
import platform
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402  (benchmarks/corpus.py, beside this file)

MB = 1_000_000

# Spawns the command given, waits for it, prints: seconds, exit status, peak RSS
# in bytes.  A process's peak RSS starts at its parent's when it is forked (Linux
# keeps the high-water mark across exec), so the benchmark, which holds large
# inputs, never starts a measured command itself: this small interpreter does.
LAUNCHER = """
import os, sys, time
null = os.open(os.devnull, os.O_WRONLY)
start = time.perf_counter()
pid = os.posix_spawn(sys.argv[1], sys.argv[1:], os.environ,
                     file_actions=[(os.POSIX_SPAWN_DUP2, null, 1), (os.POSIX_SPAWN_DUP2, null, 2)])
_, status, usage = os.wait4(pid, 0)
print(time.perf_counter() - start, os.waitstatus_to_exitcode(status), usage.ru_maxrss * 1024,
      usage.ru_utime + usage.ru_stime)
"""


@dataclass
class Timing:
    """The runs of one measure: seconds and peak RSS of each."""

    name: str
    label: str
    argv: list[str]
    seconds: list[float] = field(default_factory=list)
    rss: list[int] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


class Spawned(NamedTuple):
    seconds: float  # wall time
    status: int
    rss: int  # peak resident set of the largest process, bytes
    cpu: float  # user + system seconds of the process and the workers it waited for


def spawn(argv: list[str]) -> Spawned:
    """Wall time, exit status, peak RSS and CPU time of a command, its output discarded."""
    done = subprocess.run(
        [sys.executable, "-c", LAUNCHER, *argv], capture_output=True, text=True, check=True
    )
    seconds, status, rss, cpu = done.stdout.split()
    return Spawned(float(seconds), int(status), int(rss), float(cpu))


def maillint_argv(paths: list[str], jobs: int | None) -> list[str]:
    argv = [sys.executable, "-m", "maillint", "check", "--isolated", "--exit-zero"]
    if jobs is not None:
        argv += ["-j", str(jobs)]
    return argv + paths


def baseline_argv(kind: str, folder: Path) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--measure", kind, str(folder)]


# ------------------------------------------------------------------ the baselines (children)


def corpus_files(folder: Path) -> list[str]:
    """Every file under the folder, in the order maillint walks it."""
    found = []
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        found += [os.path.join(root, name) for name in sorted(files)]
    return found


def baseline(kind: str, folder: Path) -> None:
    """(a), (b) or (b') over every file of the folder, in this process."""
    policy = email.policy.default
    for path in corpus_files(folder):
        with open(path, "rb") as stream:
            raw = stream.read()
        if kind == "compat32":
            email.message_from_bytes(raw)
        elif kind == "stdlib":
            message = email.message_from_bytes(raw, policy=policy)
            for part in message.walk():
                if part.is_multipart():
                    continue
                try:
                    part.get_content()
                except Exception:  # noqa: BLE001, S110 - broken mail raises; still timed
                    pass


# ------------------------------------------------------------------ report helpers


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        memory = 0
    return (
        f"{model}, {cores()} cores, {memory:.0f} GiB RAM, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}"
    )


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def load() -> str:
    return f"load average {os.getloadavg()[0]:.2f}"


def fmt_seconds(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


# ------------------------------------------------------------------ parts of the run


def measure_corpus(folder: Path, count: int, size: int, rounds: int) -> dict[str, Timing]:
    """The interleaved rounds of (a) to (d); prints the table and the ratios."""
    paths = [str(folder)]
    measures = [
        Timing("a", "(a)  read", baseline_argv("read", folder)),
        Timing("b", "(b)  stdlib parse + get_content", baseline_argv("stdlib", folder)),
        Timing("b'", "(b') stdlib compat32 parse", baseline_argv("compat32", folder)),
        Timing("c", "(c)  maillint check -j 1", maillint_argv(paths, 1)),
        Timing("d", f"(d)  maillint check -j {cores()}", maillint_argv(paths, None)),
    ]
    for timing in measures:  # warm-up: page cache, .pyc files; not counted
        spawn(timing.argv)
    for number in range(rounds):
        shift = number % len(measures)
        for timing in measures[shift:] + measures[:shift]:
            spawned = spawn(timing.argv)
            timing.seconds.append(spawned.seconds)
            timing.rss.append(spawned.rss)
            timing.cpu.append(spawned.cpu)
    print(f"{'':36}{'median':>10}{'MB/s':>9}{'msgs/s':>9}{'peak RSS':>11}{'CPU':>9}   runs (s)")
    for timing in measures:
        runs = " ".join(f"{s:.2f}" for s in timing.seconds)
        print(
            f"{timing.label:<36}{fmt_seconds(timing.median):>10}"
            f"{size / MB / timing.median:>9.1f}{count / timing.median:>9.0f}"
            f"{max(timing.rss) / MB:>8.0f} MB{statistics.median(timing.cpu):>8.2f}s   {runs}"
        )
    by = {t.name: t.median for t in measures}
    c = by["c"]
    print()
    print(f"c/b  = {c / by['b']:.2f}   (target <= 0.5)")
    compat = by["b'"]
    print(f"c/b' = {c / compat:.2f}   (target <= 1.5)")
    print(f"c/a  = {c / by['a']:.1f}")
    print(f"c/d  = {c / by['d']:.2f}x speed-up on {cores()} cores (target >= {0.9 * cores():.1f})")
    cpu_c, cpu_d = (statistics.median(t.cpu) for t in measures[3:5])
    print(
        f"CPU time of (d) over (c): {cpu_d / cpu_c:.2f} (the work parallel running adds);"
        f" a speed-up needs idle cores: {load()} on {cores()} cores"
    )
    return {t.name: t for t in measures}


def startup(folder: Path) -> None:
    """What a run costs before any message: interpreter, imports, profile."""
    one = corpus_files(folder)[:1]
    python = statistics.median(spawn([sys.executable, "-c", "pass"])[0] for _ in range(3))
    lint = [spawn(maillint_argv(one, 1)) for _ in range(3)]
    print(
        f"start: python -c pass {fmt_seconds(python)};"
        f" maillint check on one message {fmt_seconds(statistics.median(r.seconds for r in lint))}"
        f" (CPU {statistics.median(r.cpu for r in lint):.2f} s, peak RSS"
        f" {max(r.rss for r in lint) / MB:.0f} MB)"
    )


def rule_times(data: bytes, repeat: int = 3) -> dict[str, float]:
    """CPU seconds of each step of one lint, in process: parse, MIME tree, each rule.

    The least of ``repeat`` lints (each from a fresh parse) for each step:
    the machine's other work only ever adds time. The first rule to decode a
    part pays for the decoding (the others reuse it), as in a real lint.
    """
    from maillint.engine import _runs, resolve_profile
    from maillint.parse import parse
    from maillint.registry import all_rules

    profile = resolve_profile(None)
    registry = all_rules()
    best: dict[str, float] = {}
    for _ in range(repeat):
        times: dict[str, float] = {}
        start = time.process_time()
        message = parse(data, line_endings="auto")
        times["parse"] = time.process_time() - start
        start = time.process_time()
        message.mime  # noqa: B018 - built on first use; timed apart
        times["mime tree"] = time.process_time() - start
        for code, setting in _runs(profile, []):
            start = time.process_time()
            for _ in registry[code].check(message, setting.params):
                pass
            times[code] = times.get(code, 0.0) + time.process_time() - start
        for name, seconds in times.items():
            best[name] = min(best.get(name, seconds), seconds)
        del message
    return best


def scaling(folder: Path, sizes: list[float], rounds: int) -> None:
    """One message of each size: the CLI's time and memory, and each rule's time per MB."""
    per_rule: dict[float, dict[str, float]] = {}
    print(f"{'message':>10}{'maillint -j 1':>15}{'MB/s':>8}{'peak RSS':>11}{'RSS/size':>10}")
    for megabytes in sizes:
        data = corpus.big_message(megabytes)
        path = folder / f"big-{megabytes:g}MB.eml"
        path.write_bytes(data)
        runs = [spawn(maillint_argv([str(path)], 1)) for _ in range(rounds)]
        seconds = statistics.median(r.seconds for r in runs)
        rss = max(r.rss for r in runs)
        print(
            f"{len(data) / MB:>8.1f}MB{fmt_seconds(seconds):>15}{len(data) / MB / seconds:>8.1f}"
            f"{rss / MB:>8.0f} MB{rss / len(data):>9.1f}x"
        )
        per_rule[megabytes] = {k: v / (len(data) / MB) for k, v in rule_times(data).items()}
        path.unlink()
        del data
    small, large = sizes[0], sizes[-1]
    middle = sizes[-2] if len(sizes) > 2 else small
    top = sorted(per_rule[large], key=per_rule[large].get, reverse=True)[:12]
    print(f"\nCPU ms per MB of each step (in process, least of 3), the costliest at {large:g} MB:")
    header = "".join(f"{f'{s:g} MB':>10}" for s in sizes)
    ratios = f"{f'{large:g}/{small:g}':>10}" + (
        f"{f'{large:g}/{middle:g}':>10}" * (middle != small)
    )
    print(
        f"{'step':<12}{header}{ratios}"
        f"   (1.0 is linear; a quadratic step would be x{large / small:g})"
    )

    def growth(name: str, base: float) -> float:
        before = per_rule[base].get(name, 0)
        return per_rule[large][name] / before if before > 0 else float("nan")

    for name in top:
        cells = "".join(f"{per_rule[s].get(name, 0) * 1000:>10.2f}" for s in sizes)
        extra = f"{growth(name, middle):>10.2f}" if middle != small else ""
        print(f"{name:<12}{cells}{growth(name, small):>10.2f}{extra}")
    worst = max(
        (growth(n, small), n)
        for n in per_rule[large]
        if per_rule[small].get(n, 0) * small >= 0.001  # steps under 1 ms are noise
    )
    print(
        f"largest growth per MB over all steps, {small:g} to {large:g} MB:"
        f" {worst[1]} x{worst[0]:.2f}"
    )


def free_space(folder: Path) -> int:
    return shutil.disk_usage(folder).free


def archive(folder: Path, gigabytes: float) -> None:
    """A large mbox of 100 kB messages: time and peak RSS, -j 1 and all cores."""
    count = int(gigabytes * 1e9 / 100_000)
    if free_space(folder) < gigabytes * 1e9 * 1.5:
        print(f"skipped: {gigabytes:g} GB mbox needs more free space in {folder}")
        return
    path = folder / "archive.mbox"
    with open(path, "wb") as stream:
        for data in corpus.mbox_messages(count, 100_000):
            stream.write(b"From archive@example.com Mon Jan  1 09:00:00 2024\n")
            stream.write(data.replace(b"\nFrom ", b"\n>From "))
            stream.write(b"\n")
    size = path.stat().st_size
    print(f"{size / 1e9:.2f} GB mbox, {count:,} messages of ~100 kB ({path})")
    try:
        for jobs in (1, None):
            seconds, status, rss, _ = spawn(maillint_argv([str(path)], jobs))
            label = "-j 1" if jobs == 1 else f"-j {cores()}"
            print(
                f"  maillint check {label:<5} {fmt_seconds(seconds):>9}"
                f"  {size / MB / seconds:6.1f} MB/s  {count / seconds:7.0f} msgs/s"
                f"  peak RSS {rss / MB:.0f} MB (target < 200 MB)  exit {status}"
            )
    finally:
        path.unlink()


def huge(folder: Path, megabytes: float) -> None:
    """One message of ``megabytes``: time and peak RSS, as a multiple of its size.

    Run twice: with the default limits (ML001 stops the analysis after
    2,000,000 lines, which a message this size of 76-octet lines passes) and
    with ``max-lines`` raised so that every line is linted.
    """
    data = corpus.big_message(megabytes)
    path = folder / "huge.eml"
    path.write_bytes(data)
    size, lines = len(data), data.count(b"\n")
    del data
    config = folder / "all-lines.toml"
    config.write_text("[rules.ML001]\nmax-lines = 100000000\n")
    print(f"{size / MB:.0f} MB message, {lines:,} lines")
    try:
        runs = [("default limits", ["--isolated"]), ("max-lines raised", ["--config", str(config)])]
        for label, options in runs:
            argv = [sys.executable, "-m", "maillint", "check", *options, "--exit-zero", "-j", "1"]
            seconds, status, rss, _ = spawn([*argv, str(path)])
            print(
                f"  {label:<17} maillint check -j 1 {fmt_seconds(seconds)}"
                f" ({size / MB / seconds:.1f} MB/s), peak RSS {rss / MB:.0f} MB"
                f" = {rss / size:.1f}x the message, exit {status}"
            )
    finally:
        path.unlink()


def profile_corpus(folder: Path, top: int) -> None:
    """cProfile of maillint over the corpus in process (one core), by own time."""
    from maillint.runner import LintOptions, run

    options = LintOptions()
    run([str(folder)], options, jobs=1)  # warm
    profiler = cProfile.Profile()
    profiler.runcall(run, [str(folder)], options, jobs=1)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    text = out.getvalue()
    print(text[text.index("   ncalls") :] if "   ncalls" in text else text)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=float, default=100, help="corpus size in MB [100]")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds [5]")
    parser.add_argument(
        "--scaling", default="1,10,100", help="single-message sizes in MB [1,10,100]"
    )
    parser.add_argument("--archive-gb", type=float, default=1.0, help="mbox size, 0: skip [1]")
    parser.add_argument("--huge-mb", type=float, default=200, help="one message, 0: skip [200]")
    parser.add_argument("--profile", action="store_true", help="cProfile maillint on the corpus")
    parser.add_argument("--quick", action="store_true", help="20 MB corpus, 3 rounds, no 1 GB")
    parser.add_argument("--tmp", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument("--measure", nargs=2, metavar=("KIND", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.size, args.rounds, args.scaling = 20, 3, "1,10,30"
        args.archive_gb, args.huge_mb = 0, 0
    return args


def section(title: str) -> None:
    print(f"\n== {title} ({load()})", flush=True)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.measure:
        baseline(args.measure[0], Path(args.measure[1]))
        return
    import maillint
    from maillint.runner import LintOptions

    rules = len(LintOptions().build_profile().enabled())
    print(f"maillint {maillint.__version__}, {rules} rules enabled (default profile)")
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory(prefix="maillint-bench-", dir=args.tmp) as tmp:
        folder = Path(tmp) / "corpus"
        started = time.perf_counter()
        files = corpus.write(folder, args.size)
        size = sum(p.stat().st_size for p in files)
        kinds: dict[str, int] = {}
        for number in range(len(files)):
            kind = corpus.message(number)[0]
            kinds[kind] = kinds.get(kind, 0) + 1
        mix = ", ".join(f"{n} {k}" for k, n in kinds.items())
        print(
            f"corpus: {len(files)} messages, {size / MB:.1f} MB ({mix}),"
            f" generated in {time.perf_counter() - started:.1f} s"
        )
        section(f"corpus, median of {args.rounds} interleaved rounds")
        measure_corpus(folder, len(files), size, args.rounds)
        startup(folder)
        sizes = [float(s) for s in args.scaling.split(",") if s]
        if sizes:
            section("one message of growing size")
            scaling(Path(tmp), sizes, 3 if max(sizes) <= 30 else 1)
        if args.archive_gb:
            section(f"a {args.archive_gb:g} GB mbox")
            archive(Path(tmp), args.archive_gb)
        if args.huge_mb:
            section(f"a single {args.huge_mb:g} MB message")
            huge(Path(tmp), args.huge_mb)
        if args.profile:
            section("cProfile of maillint on the corpus, one core, by own time")
            profile_corpus(folder, 30)
    print(f"\nat the end: {load()}")


if __name__ == "__main__":
    main()
