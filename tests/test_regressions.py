"""Inputs that once crashed maillint, linted on every run (``tests/data/regressions/``).

Each was found by the fuzzers (``tests/test_fuzz.py``, ``fuzz/lint_fuzzer.py``)
or by hand; the properties are the fuzzers' own: a report, every position
inside the input, every output format encodable, the JSON faithful.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_fuzz import check_outputs, check_positions, lint_all

REGRESSIONS = Path(__file__).parent / "data" / "regressions"
INPUTS = sorted(p for p in REGRESSIONS.iterdir() if p.suffix == ".eml")


def test_there_are_regression_inputs():
    assert INPUTS


@pytest.mark.parametrize("path", INPUTS, ids=[p.name for p in INPUTS])
@pytest.mark.parametrize("line_endings", ["wire", "auto"])
def test_regression_input_lints(path, line_endings):
    data = path.read_bytes()
    report = lint_all(data, line_endings, keep_source=True, path=path.name)
    check_positions(data, report)
    check_outputs(report)
