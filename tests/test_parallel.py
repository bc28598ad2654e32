"""Parallel runs: -j N gives the output of -j 1, octet for octet, in input order.

Batches are made tiny here (monkeypatched sizes), so that even a few small
files and one small mbox are cut into many tasks spread over the workers: the
code paths of a large run, on inputs a test can afford.  No test asserts a time.
"""

from __future__ import annotations

import functools
import gzip
import json
import multiprocessing
import os
import pickle

import pytest
from click.testing import CliRunner

from maillint import runner
from maillint.cli import main
from maillint.inputs import InputError
from maillint.progress import ProgressBar
from maillint.runner import LintOptions, Task, lint_partition, make_tasks, run
from support import msg

CLEAN = msg()
LONG = msg(body=b"x" * 1000 + b"\r\n")
UNIX = msg(body=b"a line\r\n>From quoted\r\n" + b"y" * 90 + b"\r\n").replace(b"\r\n", b"\n")
POSTMARK = b"From alice@example.com Mon Jan  1 09:00:00 2024\n"


def invoke(*args: str, input: bytes | None = None):
    return CliRunner().invoke(main, ["check", "--isolated", *args], input=input)


@pytest.fixture
def tiny_batches(monkeypatch):
    """Every file and every message its own task; every file large enough to be split."""
    monkeypatch.setattr(runner, "BATCH_BYTES", 1)
    monkeypatch.setattr(runner, "SPLIT_BYTES", 1)
    monkeypatch.setattr(runner, "IN_FLIGHT", 1)


@pytest.fixture
def inputs(tmp_path):
    """Files, a folder, an mbox, a gzip mbox and a missing file, in a known order."""
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    for number in range(12):
        data = (CLEAN, LONG, UNIX)[number % 3]
        (folder / "sub" / f"m{number:02}.eml").write_bytes(data)
    box = b"".join(POSTMARK + m.replace(b"\r\n", b"\n") + b"\n" for m in (LONG, UNIX, CLEAN) * 5)
    (tmp_path / "box.mbox").write_bytes(box)
    (tmp_path / "box.mbox.gz").write_bytes(gzip.compress(box))
    return [
        str(tmp_path / "box.mbox"),
        str(folder),
        str(tmp_path / "missing.eml"),
        str(tmp_path / "box.mbox.gz"),
    ]


def test_make_tasks_cuts_an_mbox_into_message_batches(inputs, tiny_batches):
    items = [i for i in runner.expand(inputs[:1])]
    tasks = list(make_tasks(items, LintOptions()))
    assert len(tasks) == 15
    assert all(len(t.messages) == 1 and not t.paths for t in tasks)
    assert [t.messages[0].index for t in tasks] == list(range(1, 16))


def test_make_tasks_batches_small_files_and_keeps_errors_in_place(inputs):
    items = list(runner.expand(inputs))
    tasks = list(make_tasks(items, LintOptions()))
    assert [bool(t.errors) for t in tasks] == [False, True, False]  # small files go together
    assert len(tasks[0].paths) == 13 and tasks[1].errors[0].path.endswith("missing.eml")


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_parallel_output_equals_serial_output(inputs, tiny_batches, fmt):
    serial = invoke("--format", fmt, "-j", "1", *inputs)
    parallel = invoke("--format", fmt, "-j", "3", *inputs)
    assert serial.exit_code == parallel.exit_code == 2  # the missing file
    assert serial.stdout == parallel.stdout
    assert serial.stderr == parallel.stderr
    if fmt == "json":
        results = json.loads(serial.stdout)["results"]
        assert len(results) == 15 + 12 + 15


def test_parallel_run_keeps_input_order(inputs, tiny_batches):
    results = run(inputs, LintOptions(), jobs=2)
    names = [(os.path.basename(r.path), r.index) for r in results.reports]
    expected = [("box.mbox", n) for n in range(1, 16)]
    expected += [(f"m{n:02}.eml", None) for n in range(12)]
    expected += [("box.mbox.gz", n) for n in range(1, 16)]
    assert names == expected
    assert [os.path.basename(e.path) for e in results.errors] == ["missing.eml"]
    serial = run(inputs, LintOptions(), jobs=1)
    assert [r.to_dict() for r in results.reports] == [r.to_dict() for r in serial.reports]


def test_stdin_mbox_is_spread_over_workers_too(inputs, tiny_batches):
    with open(inputs[0], "rb") as stream:
        data = stream.read()
    serial = invoke("--format", "json", "-j", "1", "-", input=data)
    parallel = invoke("--format", "json", "-j", "2", "-", input=data)
    assert serial.stdout == parallel.stdout
    assert len(json.loads(serial.stdout)["results"]) == 15


def test_default_batches_give_the_same_output(inputs):
    assert invoke("-j", "2", *inputs).stdout == invoke("-j", "1", *inputs).stdout


def test_progress_is_called_in_order_up_to_the_total(inputs, tiny_batches):
    calls = []
    run(inputs[1:2], LintOptions(), jobs=2, progress=lambda *a: calls.append(a))
    total = sum(
        os.path.getsize(os.path.join(inputs[1], "sub", n))
        for n in os.listdir(os.path.join(inputs[1], "sub"))
    )
    assert [c[2] for c in calls] == list(range(1, 13))
    assert calls[-1][:2] == (total, total)
    assert [c[0] for c in calls] == sorted(c[0] for c in calls)


def test_progress_bar_waits_throttles_and_erases():
    class Stream:
        text = ""

        def write(self, text):
            self.text += text

        def flush(self):
            pass

    now = [0.0]
    stream = Stream()
    bar = ProgressBar(stream, delay=1.0, rate=10, clock=lambda: now[0])  # type: ignore[arg-type]
    bar(10, 100, 1)
    assert stream.text == ""  # a short run never shows a bar
    now[0] = 2.0
    bar(50_000_000, 100_000_000, 5)
    assert "50%" in stream.text and "5 messages" in stream.text
    drawn = stream.text
    now[0] = 2.01
    bar(60_000_000, 100_000_000, 6)
    assert stream.text == drawn  # at most ten redraws a second
    bar.close()
    assert stream.text.endswith("\r") and stream.text.rsplit("\r", 2)[-2].strip() == ""


def test_progress_bar_only_when_asked_or_on_a_terminal(inputs):
    quiet = invoke("-j", "1", inputs[1])  # not a terminal: no bar
    assert "maillint [" not in quiet.stderr
    forced = invoke("-j", "1", "--progress", inputs[1])
    assert forced.stdout == quiet.stdout  # the bar never reaches the report


def test_a_dead_worker_is_an_error_line_not_a_crash(inputs, tiny_batches, monkeypatch):
    monkeypatch.setattr(runner, "_work", _die_on_long)
    results = run(inputs[1:2], LintOptions(), jobs=2)
    assert results.errors
    assert all("worker process ended abruptly" in e.message for e in results.errors)


def _die_on_long(task: Task):
    if any(p.endswith("m01.eml") for p in task.paths):
        os._exit(3)
    return runner.run_task(task, *runner._WORKER)  # type: ignore[misc]


# ------------------------------------------------------------------ external engines


def test_lint_partition_is_picklable_and_matches_run(inputs):
    options = LintOptions(select=("LN",))
    mapped = functools.partial(lint_partition, options=options)
    assert pickle.loads(pickle.dumps(mapped)).func is lint_partition
    rows = mapped(inputs)
    results = run(inputs, options, jobs=1)
    assert [r for r in rows if "error" not in r] == [r.to_dict() for r in results.reports]
    assert [r for r in rows if "error" in r] == [
        {"path": e.path, "error": e.message} for e in results.errors
    ]


def test_lint_partition_runs_in_fresh_interpreters(inputs):
    """A spawned process imports the function by name, as a cluster's workers do."""
    partitions = [inputs[:2], inputs[2:]]
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        rows = [row for part in pool.map(lint_partition, partitions) for row in part]
    assert rows == lint_partition(inputs)


def test_dask_bag_of_paths(inputs):
    bag = pytest.importorskip("dask.bag")
    paths = [*inputs[:1], *sorted(str(p) for p in runner.expand(inputs[1:2])), *inputs[2:]]
    rows = bag.from_sequence(paths, npartitions=3).map_partitions(lint_partition)
    computed = rows.compute(scheduler="processes", num_workers=2)
    assert computed == lint_partition(paths)


def test_pyspark_map_partitions(inputs):
    pyspark = pytest.importorskip("pyspark")
    try:
        spark = pyspark.SparkContext.getOrCreate()
    except Exception as exc:  # noqa: BLE001 - no Java on this machine
        pytest.skip(f"no Spark context: {exc}")
    try:
        rows = spark.parallelize(inputs, 2).mapPartitions(lint_partition).collect()
    finally:
        spark.stop()
    assert rows == lint_partition(inputs)


def test_input_errors_are_rows_too(tmp_path):
    assert lint_partition([str(tmp_path / "nope.eml")]) == [
        {"path": str(tmp_path / "nope.eml"), "error": "no such file or directory"}
    ]
    assert InputError("a", "b") == InputError("a", "b")
