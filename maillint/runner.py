"""Lint many inputs (files, folders, mboxes, gzip, stdin), in parallel when it pays.

The CLI and any caller that lints paths go through ``run``: it expands the
paths, reads each file as messages, lints them with one resolved profile and
collects the reports and the I/O errors, in the order the inputs were given.

Parallel runs.  The work is cut into *tasks* of about ``BATCH_BYTES`` octets:
a batch of small files, which a worker opens and reads itself, or a batch of
messages that this process read from a large mbox (or standard input), so that
the messages of one big archive are spread over the workers too.  Tasks go to
a pool of worker processes, at most ``IN_FLIGHT`` per worker at a time (memory
stays bounded by a few batches however large the input), and their results
are taken back in submission order: the output is the same, octet for octet,
whatever the number of jobs.  With one job, or a single task, the same tasks
run in this process.

Worker processes receive the profile's *specification* (``LintOptions``) and
resolve it once each, since a resolved profile holds read-only mappings that
do not pickle.  The same holds for ``lint_partition``, the function to map
with an external engine (a Dask bag, Spark's ``mapPartitions``) over paths.
"""

from __future__ import annotations

import os
import signal
import sys
import traceback
from bisect import bisect_left, bisect_right
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from itertools import chain
from pathlib import Path
from typing import BinaryIO

from maillint.engine import Report, lint_bytes, resolve_profile
from maillint.findings import Finding, Severity
from maillint.inputs import (
    DECOMPRESSION_ERRORS,
    InputError,
    MessageInput,
    describe_read_error,
    expand,
    open_messages,
    read_messages,
)
from maillint.profiles import Profile, with_overrides

# A task holds about this many octets of input, or this many files or messages:
# large enough that handing it to a process costs little beside linting it,
# small enough that the workers share the end of the run evenly.
BATCH_BYTES = 1 << 20
BATCH_ITEMS = 256
# A file at least this large is opened here: when it is an mbox its messages
# are spread over the workers; anything else goes to a worker as a path.
SPLIT_BYTES = 4 << 20
# Tasks queued per worker: enough to keep every worker busy, few enough that
# the messages read ahead of the workers stay a few megabytes.
IN_FLIGHT = 3
READ_ERRORS = (OSError, *DECOMPRESSION_ERRORS)

Progress = Callable[[int, int, int], None]
"""``progress(done, total, messages)``: input octets done and in all, messages linted."""


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
    mbox_quoting: str = "mboxrd"  # how >From lines of an mbox are unquoted: mboxrd, mboxo, none
    include: tuple[str, ...] = ()  # globs of other file names to lint inside folders

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


Outcome = tuple[list[Report], list[InputError]]


# ------------------------------------------------------------------ one message, one file


def _to_file_positions(finding: Finding, base_offset: int, shifts: tuple[int, ...]) -> Finding:
    """A finding in an unquoted mbox message, placed on the file's own octets.

    Each ``>`` removed before the finding moves it one octet on; on a line that
    lost its ``>``, the column is one more too. Lines do not move.
    """
    relative = finding.offset - base_offset
    shift = bisect_right(shifts, relative)
    line_start = relative - (finding.column - 1)
    position = bisect_left(shifts, line_start)
    on_quoted_line = position < len(shifts) and shifts[position] == line_start
    return replace(finding, offset=finding.offset + shift, column=finding.column + on_quoted_line)


def lint_input(item: MessageInput, profile: Profile, options: LintOptions) -> Report:
    """Lint one message read from a file or stdin; positions are the file's."""
    data, shifts = item.unquoted()
    report = lint_bytes(
        data,
        profile=profile,
        line_endings=options.line_endings,
        keep_source=options.keep_source,
        carrier=options.carrier,
        path=item.path,
        index=item.index,
        first_line=item.first_line,
        base_offset=item.base_offset,
    )
    if shifts:
        report.findings = [_to_file_positions(f, item.base_offset, shifts) for f in report.findings]
        report.size = len(item.data)
        if options.keep_source:
            report.data = item.data  # the stored octets, which the positions refer to
    return report


def _internal_error(name: str, exc: Exception, item: MessageInput | None = None) -> InputError:
    """A bug met while linting, as an error line that asks to report it."""
    where = traceback.extract_tb(exc.__traceback__)[-1]
    detail = f"{type(exc).__name__}: {exc} ({Path(where.filename).name}:{where.lineno})"
    which = f"message {item.index}: " if item is not None and item.index is not None else ""
    return InputError(name, f"{which}internal error, please report: {detail}")


def _lint_items(
    items: Iterable[MessageInput], name: str, profile: Profile, options: LintOptions
) -> Outcome:
    """Lint messages one by one; a read error ends them, a bug costs one message."""
    reports: list[Report] = []
    errors: list[InputError] = []
    try:
        for item in items:
            try:
                reports.append(lint_input(item, profile, options))
            except Exception as exc:  # noqa: BLE001 - one bad message must not stop the others
                errors.append(_internal_error(name, exc, item))
    except READ_ERRORS as exc:
        errors.append(InputError(name, describe_read_error(exc)))
    except Exception as exc:  # noqa: BLE001 - a bug while reading: the other inputs go on
        errors.append(_internal_error(name, exc))
    return reports, errors


def lint_stream(name: str, stream: BinaryIO, profile: Profile, options: LintOptions) -> Outcome:
    """Lint every message of an open stream (gzip, mbox or one message)."""
    return _lint_items(
        read_messages(name, stream, quoting=options.mbox_quoting), name, profile, options
    )


def lint_file(path: str, profile: Profile, options: LintOptions) -> Outcome:
    """Lint one file (every message of it when it is an mbox)."""
    try:
        with open(path, "rb") as stream:
            return lint_stream(path, stream, profile, options)
    except OSError as exc:
        return [], [InputError(path, describe_read_error(exc))]


# ------------------------------------------------------------------ tasks


@dataclass(frozen=True)
class Task:
    """A unit of work: files a worker reads, messages read here, or errors in their place.

    ``weight`` is the octets of input the task accounts for (for progress).
    """

    paths: tuple[str, ...] = ()
    messages: tuple[MessageInput, ...] = ()
    name: str = ""  # the input the messages come from
    errors: tuple[InputError, ...] = ()
    weight: int = 0

    @property
    def has_work(self) -> bool:
        return bool(self.paths or self.messages)


def run_task(task: Task, profile: Profile, options: LintOptions) -> Outcome:
    """Lint a task's files or messages: reports and errors, in input order."""
    reports: list[Report] = []
    errors: list[InputError] = list(task.errors)
    for path in task.paths:
        found, failed = lint_file(path, profile, options)
        reports += found
        errors += failed
    if task.messages:
        found, failed = _lint_items(task.messages, task.name, profile, options)
        reports += found
        errors += failed
    return reports, errors


def _file_size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0  # the worker that opens it reports why


def _message_tasks(name: str, stream: BinaryIO, options: LintOptions, raw=None) -> Iterator[Task]:
    """The messages of an open stream, read here, in batches."""
    batch: list[MessageInput] = []
    octets = 0
    done = 0

    def flush() -> Task:
        nonlocal batch, octets, done
        position = _tell(raw)
        task = Task(messages=tuple(batch), name=name, weight=max(position - done, 0))
        batch, octets, done = [], 0, position
        return task

    try:
        for item in read_messages(name, stream, quoting=options.mbox_quoting):
            batch.append(item)
            octets += len(item.data)
            if octets >= BATCH_BYTES or len(batch) >= BATCH_ITEMS:
                yield flush()
    except READ_ERRORS as exc:
        error = InputError(name, describe_read_error(exc))
    except Exception as exc:  # noqa: BLE001 - a bug while reading: as lint_file reports it
        error = _internal_error(name, exc)
    else:
        if batch:
            yield flush()
        return
    if batch:
        yield flush()
    yield Task(errors=(error,))


def _tell(raw) -> int:
    try:
        return raw.tell() if raw is not None else 0
    except (OSError, ValueError):
        return 0


def _large_file_tasks(path: str, size: int, options: LintOptions) -> Iterator[Task]:
    """A large file: an mbox (plain or gzip) in batches of messages, anything else as a path."""
    try:
        stream = open(path, "rb")
    except OSError as exc:
        yield Task(errors=(InputError(path, describe_read_error(exc)),))
        return
    with stream:
        try:
            is_mbox, _ = open_messages(stream)
            stream.seek(0)
        except READ_ERRORS:
            is_mbox = False  # a worker reads it and reports the error
        if not is_mbox:
            yield Task(paths=(path,), weight=size)
            return
        yield from _message_tasks(path, stream, options, raw=stream)


def make_tasks(
    items: Iterable[str | InputError],
    options: LintOptions,
    *,
    stdin: BinaryIO | None = None,
    stdin_filename: str = "-",
) -> Iterator[Task]:
    """The inputs cut into tasks, in input order (see the module's documentation)."""
    paths: list[str] = []
    octets = 0

    def flush() -> Iterator[Task]:
        nonlocal paths, octets
        if paths:
            yield Task(paths=tuple(paths), weight=octets)
        paths, octets = [], 0

    for item in items:
        if isinstance(item, InputError):
            yield from flush()
            yield Task(errors=(item,))
        elif item == "-":
            yield from flush()
            stream = stdin if stdin is not None else sys.stdin.buffer
            yield from _message_tasks(stdin_filename, stream, options)
        else:
            size = _file_size(item)
            if size >= SPLIT_BYTES:
                yield from flush()
                yield from _large_file_tasks(item, size, options)
                continue
            paths.append(item)
            octets += size
            if octets >= BATCH_BYTES or len(paths) >= BATCH_ITEMS:
                yield from flush()
    yield from flush()


# ------------------------------------------------------------------ workers


_WORKER: tuple[Profile, LintOptions] | None = None


def _init_worker(options: LintOptions) -> None:
    global _WORKER
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _WORKER = (options.build_profile(), options)


def _work(task: Task) -> Outcome:
    assert _WORKER is not None
    return run_task(task, *_WORKER)


def default_jobs() -> int:
    """All the cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def _broken(task: Task, exc: BaseException) -> Outcome:
    """A task whose worker process died: one error per input it held."""
    text = f"worker process ended abruptly ({type(exc).__name__}); input not linted"
    names = list(task.paths) or ([task.name] if task.messages else [])
    return [], [*task.errors, *(InputError(name, text) for name in names)]


def _in_pool(tasks: Iterator[Task], options: LintOptions, jobs: int) -> Iterator[Outcome]:
    """Outcomes of tasks run by ``jobs`` worker processes, in task order.

    At most ``jobs * IN_FLIGHT`` tasks are queued: the messages read ahead of
    the workers stay a few batches. A worker that dies (killed for memory,
    say) costs its task an error line per input; the pool is then broken, and
    so is every task after it.
    """
    # Imported here: one process (small runs, -j 1) never needs them, and they
    # were a tenth of the command's start-up.
    from concurrent.futures import Future, ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    with ProcessPoolExecutor(jobs, initializer=_init_worker, initargs=(options,)) as pool:
        pending: deque[tuple[Task, Future[Outcome] | None]] = deque()

        def take() -> Outcome:
            task, future = pending.popleft()
            if future is None:
                return [], list(task.errors)
            try:
                return future.result()
            except BrokenProcessPool as exc:
                return _broken(task, exc)

        try:
            for task in tasks:
                future = None
                if task.has_work:
                    try:
                        future = pool.submit(_work, task)
                    except BrokenProcessPool as exc:
                        future = Future()
                        future.set_exception(exc)
                pending.append((task, future))
                while len(pending) > jobs * IN_FLIGHT:
                    yield take()
            while pending:
                yield take()
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def _outcomes(
    tasks: Iterator[Task], options: LintOptions, jobs: int, profile: Profile
) -> Iterator[Outcome]:
    """Run the tasks in a pool when there are at least two to share, else here."""
    ahead: list[Task] = []
    if jobs > 1:
        for task in tasks:
            ahead.append(task)
            if sum(t.has_work for t in ahead) >= 2:
                yield from _in_pool(chain(ahead, tasks), options, jobs)
                return
    for task in chain(ahead, tasks):
        yield run_task(task, profile, options)


def run(
    paths: Iterable[str],
    options: LintOptions,
    *,
    jobs: int | None = None,
    stdin: BinaryIO | None = None,
    stdin_filename: str = "-",
    progress: Progress | None = None,
) -> Results:
    """Lint every input; reports come back in input order, whatever ``jobs`` is.

    ``progress``, when given, is called after each task with the input
    octets done, the total (0 when unknown, as for standard input) and the
    messages linted so far.
    """
    profile = options.build_profile()  # a bad profile fails here, before any work
    results = Results(profile.name)
    items = list(expand(list(paths), options.include))
    total = sum(_file_size(i) for i in items if isinstance(i, str) and i != "-") if progress else 0
    tasks = make_tasks(items, options, stdin=stdin, stdin_filename=stdin_filename)
    weights: deque[int] = deque()

    def weighed(tasks: Iterator[Task]) -> Iterator[Task]:
        for task in tasks:
            weights.append(task.weight)
            yield task

    done = 0
    jobs = max(1, jobs or default_jobs())
    for reports, errors in _outcomes(weighed(tasks), options, jobs, profile):
        results.reports.extend(reports)
        results.errors.extend(errors)
        if progress is not None:
            done += weights.popleft() if weights else 0
            progress(done, total, len(results.reports))
    return results


# ------------------------------------------------------------------ external engines


_PARTITION_PROFILE: tuple[LintOptions, Profile] | None = None


def lint_partition(paths: Iterable[str], options: LintOptions | None = None) -> list[dict]:
    """Lint the files of one partition: one dict per message, and one per unreadable input.

    The function an external engine maps over a collection of paths, in
    each of its worker processes; it is importable by name and picklable
    (bind options with ``functools.partial``), and the profile is resolved
    once per process. A message gives ``Report.to_dict()`` (the JSON format's
    record); an input that cannot be read gives ``{"path": ..., "error": ...}``::

        import dask.bag as db
        from maillint.runner import lint_partition
        rows = db.from_sequence(paths, npartitions=64).map_partitions(lint_partition).compute()

        rows = spark.sparkContext.parallelize(paths, 64).mapPartitions(lint_partition).collect()
    """
    global _PARTITION_PROFILE
    options = options or LintOptions()
    if _PARTITION_PROFILE is None or _PARTITION_PROFILE[0] != options:
        _PARTITION_PROFILE = (options, options.build_profile())
    profile = _PARTITION_PROFILE[1]
    rows: list[dict] = []
    for item in expand([os.fspath(p) for p in paths], options.include):
        if isinstance(item, InputError):
            rows.append({"path": item.path, "error": item.message})
            continue
        reports, errors = lint_file(item, profile, options)
        rows += [report.to_dict() for report in reports]
        rows += [{"path": error.path, "error": error.message} for error in errors]
    return rows


__all__ = [
    "LintOptions",
    "Progress",
    "Results",
    "Task",
    "default_jobs",
    "lint_file",
    "lint_input",
    "lint_partition",
    "lint_stream",
    "make_tasks",
    "run",
    "run_task",
    "write_atomic",
]


# -- writing files (``maillint fix``) ----------------------------------------------


def write_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Replace the file at ``path`` with ``data``, atomically.

    The octets go to a temporary file in the same folder (so that the rename
    stays on one file system), are flushed to disk, get the permissions of
    the file they replace (a new file: what the umask allows) and its owner
    where the process may set it, and only then take its place with
    ``os.replace``.  On any error the temporary file is removed and the
    original is left as it was.  A symbolic link is followed: its target is
    replaced, the link stays.
    """
    import stat
    import tempfile

    target = os.path.realpath(os.fspath(path))
    folder = os.path.dirname(target) or "."
    try:
        existing: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        existing = None
    if existing is not None:
        mode = stat.S_IMODE(existing.st_mode)
    else:
        umask = os.umask(0o022)
        os.umask(umask)
        mode = 0o666 & ~umask
    descriptor, temporary = tempfile.mkstemp(
        dir=folder, prefix=f".{os.path.basename(target)}.", suffix=".tmp"
    )
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        if existing is not None:
            try:
                os.chown(temporary, existing.st_uid, existing.st_gid)
            except OSError:
                pass  # only root may give a file away; the mode is what matters
        os.replace(temporary, target)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
    try:  # the rename itself on disk, where the platform allows it
        folder_descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(folder_descriptor)
    except OSError:
        pass
    finally:
        os.close(folder_descriptor)
