"""Lint many inputs (files, folders, mboxes, stdin), in parallel when it pays.

The CLI and any caller that lints paths go through ``run``: it expands the
paths, reads each file as messages, lints them with one resolved profile and
collects the reports and the I/O errors, in the order the inputs were given.
Worker processes receive the profile's *specification* and resolve it once
each, since a resolved profile holds read-only mappings that do not pickle.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from maillint.engine import Report, lint_bytes, resolve_profile
from maillint.findings import Severity
from maillint.inputs import InputError, MessageInput, expand, read_messages
from maillint.profiles import Profile, with_overrides


@dataclass(frozen=True)
class LintOptions:
    """What to lint with: picklable, so worker processes can rebuild the profile."""

    profile: str | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    overrides: tuple[tuple[str, object], ...] = ()
    overrides_path: str | None = None
    line_endings: str = "auto"
    keep_source: bool = False  # keep each message's octets on its report (HTML shows them)
    carrier: str = "auto"  # carrier profiles: auto, none or a profile name

    def build_profile(self) -> Profile:
        """Resolve the profile: named or given file, config overrides, select/ignore."""
        profile = resolve_profile(self.profile)
        if self.overrides:
            path = Path(self.overrides_path) if self.overrides_path else None
            profile = with_overrides(profile, dict(self.overrides), path)
        return resolve_profile(profile, self.select, self.ignore)


@dataclass
class Results:
    """Everything one run produced: a report per message, an error per bad input."""

    profile: str
    reports: list[Report] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)

    def counts(self) -> Counter[Severity]:
        """Findings per severity over all messages."""
        total: Counter[Severity] = Counter()
        for report in self.reports:
            total.update(report.counts())
        return total

    def code_counts(self) -> Counter[str]:
        """Findings per rule code over all messages."""
        return Counter(f.code for r in self.reports for f in r.findings)

    def fails(self, fail_on: Severity) -> bool:
        """True when any message has a finding at or above ``fail_on``."""
        return any(r.fails(fail_on) for r in self.reports)


def lint_input(item: MessageInput, profile: Profile, options: LintOptions) -> Report:
    """Lint one message read from a file or stdin."""
    return lint_bytes(
        item.data,
        profile=profile,
        line_endings=options.line_endings,
        keep_source=options.keep_source,
        carrier=options.carrier,
        path=item.path,
        index=item.index,
        first_line=item.first_line,
        base_offset=item.base_offset,
    )


def lint_stream(
    name: str, stream: BinaryIO, profile: Profile, options: LintOptions
) -> tuple[list[Report], list[InputError]]:
    """Lint every message of an open stream; a bug becomes an error line, not a crash."""
    reports: list[Report] = []
    try:
        for item in read_messages(name, stream):
            reports.append(lint_input(item, profile, options))
    except OSError as exc:
        return reports, [InputError(name, exc.strerror or str(exc))]
    except Exception as exc:  # noqa: BLE001 - one bad input must not stop the others
        where = traceback.extract_tb(exc.__traceback__)[-1]
        detail = f"{type(exc).__name__}: {exc} ({Path(where.filename).name}:{where.lineno})"
        return reports, [InputError(name, f"internal error, please report: {detail}")]
    return reports, []


def lint_file(
    path: str, profile: Profile, options: LintOptions
) -> tuple[list[Report], list[InputError]]:
    """Lint one file (every message of it when it is an mbox)."""
    try:
        with open(path, "rb") as stream:
            return lint_stream(path, stream, profile, options)
    except OSError as exc:
        return [], [InputError(path, (exc.strerror or str(exc)).lower())]


_WORKER: tuple[Profile, LintOptions] | None = None


def _init_worker(options: LintOptions) -> None:
    global _WORKER
    _WORKER = (options.build_profile(), options)


def _work(path: str) -> tuple[list[Report], list[InputError]]:
    assert _WORKER is not None
    return lint_file(path, *_WORKER)


def default_jobs() -> int:
    """All the cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def run(
    paths: Iterable[str],
    options: LintOptions,
    *,
    jobs: int | None = None,
    stdin: BinaryIO | None = None,
    stdin_filename: str = "-",
) -> Results:
    """Lint every input; reports come back in input order, whatever ``jobs`` is."""
    profile = options.build_profile()
    results = Results(profile.name)
    items = list(expand(list(paths)))
    files = [i for i in items if isinstance(i, str) and i != "-"]
    jobs = max(1, jobs or default_jobs())
    parallel = jobs > 1 and len(files) >= 4 * jobs
    outcomes: dict[str, tuple[list[Report], list[InputError]]] = {}
    if parallel:
        with ProcessPoolExecutor(jobs, initializer=_init_worker, initargs=(options,)) as pool:
            chunk = max(1, len(files) // (jobs * 8))
            outcomes = dict(zip(files, pool.map(_work, files, chunksize=chunk), strict=True))
    for item in items:
        if isinstance(item, InputError):
            results.errors.append(item)
            continue
        if item == "-":
            stream = stdin if stdin is not None else sys.stdin.buffer
            reports, errors = lint_stream(stdin_filename, stream, profile, options)
        else:
            reports, errors = outcomes.get(item) or lint_file(item, profile, options)
        results.reports.extend(reports)
        results.errors.extend(errors)
    return results
