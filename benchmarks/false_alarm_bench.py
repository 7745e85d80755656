"""False alarms on i.i.d. data at the defaults, the issue's full check (100 repetitions).

50 i.i.d. normal features x 30 windows of 5,000 rows against a 20,000-row reference, at
the default alpha, correction and thresholds: count the repetitions with any warning or
critical window (target: at most 1 in 100), and check that a 0.2 sigma mean shift in one
feature is flagged in every shifted window. The same simulation runs with 20 repetitions
in the test suite (tests/test_false_alarms.py).

Usage: python benchmarks/false_alarm_bench.py [--repetitions 100] [--write docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from tests.test_false_alarms import alarms, simulate

from _report import heading, publish


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repetitions", type=int, default=100)
    parser.add_argument("--write", default=None, help="append the results to this markdown file")
    args = parser.parse_args()
    start = time.perf_counter()
    per_rep = [alarms(simulate(seed)) for seed in range(args.repetitions)]
    seconds = time.perf_counter() - start
    dirty = sum(a > 0 for a in per_rep)
    shifted = simulate(1000, shift_from=20, shift=0.2)
    f00 = shifted[shifted["feature"] == "f00"].set_index("window")["severity"]
    caught = int(f00.loc[20:].isin(["warning", "critical"]).sum())
    lines = [
        *heading(
            "false_alarm_bench",
            f"python benchmarks/false_alarm_bench.py --repetitions {args.repetitions}",
        ),
        "- data: 50 i.i.d. N(0, 1) features, 30 windows of 5,000 rows, reference 20,000 rows;"
        " defaults (alpha 0.01, fdr_bh, gate ks_tails: PSI, tail PSI, Wasserstein 0.1/0.25)",
        "",
        "| check | result | target |",
        "| --- | --- | --- |",
        f"| repetitions with any warning/critical | {dirty} of {args.repetitions} "
        f"({sum(per_rep)} alerting windows of {args.repetitions * 1500:,} tests) | "
        "at most 1 in 100 |",
        f"| 0.2 sigma shift in one feature, windows flagged | {caught} of 10 | all |",
        f"| time | {seconds:.0f} s ({seconds / args.repetitions:.2f} s per repetition) | |",
    ]
    publish(lines, args.write)


if __name__ == "__main__":
    main()
