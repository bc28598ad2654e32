"""Hypothesis profiles for the whole suite.

``default`` keeps the suite short (hypothesis' usual 100 examples per property,
no deadline: one example may lint a large message).  ``long`` is for fuzzing
runs, e.g. ``pytest tests/test_fuzz.py --hypothesis-profile=long``; the number
of examples per property is ``MAILLINT_FUZZ_EXAMPLES`` (default 20,000).  The
environment variable ``MAILLINT_HYPOTHESIS_PROFILE=long`` chooses the profile
where the command line cannot be changed.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile("default", deadline=None)
settings.register_profile(
    "long",
    deadline=None,
    max_examples=int(os.environ.get("MAILLINT_FUZZ_EXAMPLES", "20000")),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
settings.load_profile(os.environ.get("MAILLINT_HYPOTHESIS_PROFILE", "default"))
