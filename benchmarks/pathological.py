"""The pathological inputs of issue 9 at full size: time, memory, and what the report says.

Each input (built by ``tests/hostile.py``) is linted at half its size and at
its full size, with every rule on (the default profile with every code
selected, carrier rules included; the recipients are at carrier domains), each
run in a fresh child process so that its peak RSS is its own.  The table shows
the time of ``lint_bytes`` alone (building the input and loading the profiles
not counted), the ratio
of the two times (x2.0 is linear), the peak RSS of the child, the number of
findings, and the findings that say where the analysis stopped (ML001, MM007).

    python benchmarks/pathological.py            # full sizes, a few minutes
    python benchmarks/pathological.py --quick    # a tenth of the sizes
    python benchmarks/pathological.py only-cr sibling-parts   # some inputs only
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

from hostile import BUILDERS  # noqa: E402

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


def run_one(name: str, size: int) -> dict[str, object]:
    """Lint one input in this process; what the table needs."""
    from maillint import lint_bytes
    from maillint.registry import all_rules

    data = BUILDERS[name](size)
    codes = list(all_rules())
    lint_bytes(BUILDERS[name](1), select=codes)  # one-time costs (profiles, imports) apart
    start = time.perf_counter()
    report = lint_bytes(data, select=codes)
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
    parser.add_argument("names", nargs="*", choices=[[], *SIZES], help="inputs to run")
    parser.add_argument("--quick", action="store_true", help="a tenth of the sizes")
    parser.add_argument("--one", nargs=2, metavar=("NAME", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one[0], int(args.one[1]))))
        return
    header = (
        f"{'input':<18} {'size':>12}  {'unit':<33} {'octets':>11} {'seconds':>8} "
        f"{'ratio':>6} {'RSS MB':>7} {'findings':>8}  cut short at"
    )
    print(header)
    print("-" * len(header))
    for name in args.names or SIZES:
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
