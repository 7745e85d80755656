"""Concept-drift detectors benchmark: updates per second, streaming and batch, beside river.

ADWIN and Page-Hinkley (default parameters) on one seeded series of 1,000,000 values (unit
normal noise, the mean moving by 0.5 halfway): a streaming loop of ``update`` over the
values, and the batch helper ``detect`` on the same array (median of ``--repeats`` runs
after a warm-up call), beside river's own detectors in the same run when river is
installed. Every implementation must report the same detection indices. Target: the batch
helper at least as fast as river's detector; without river, at least 1,000,000 values per
second for Page-Hinkley.

Usage: python benchmarks/detector_bench.py [--n 1000000] [--repeats 5]
       [--write docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import numpy as np

from mlmon_widgets.detectors import ADWIN, PageHinkley

from _report import heading, publish


def make_series(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.normal(0.0, 1.0, n) + np.where(np.arange(n) < n // 2, 0.0, 0.5)


def stream(detector, values: list[float]) -> tuple[float, list[int]]:
    """Seconds for a loop of ``update`` over ``values``, and the detection indices."""
    found = []
    update = detector.update
    start = time.perf_counter()
    for i, x in enumerate(values):
        update(x)
        if detector.drift_detected:
            found.append(i)
    return time.perf_counter() - start, found


def batch(detector, values: np.ndarray, repeats: int) -> tuple[float, list[int]]:
    """Median seconds of ``detector.detect(values)`` after a warm-up call, and its indices."""
    found = detector.detect(values).tolist()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        detector.detect(values)
        times.append(time.perf_counter() - start)
    return statistics.median(times), found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="values in the series")
    parser.add_argument("--repeats", type=int, default=5, help="timed batch runs (median)")
    parser.add_argument("--write", default=None, help="append the report to this markdown file")
    args = parser.parse_args()
    values = make_series(args.n)
    as_list = values.tolist()
    try:
        import river
        from river import drift
    except ImportError:
        river, drift = None, None

    rows, verdicts = [], []
    for name, ours in (("ADWIN", ADWIN), ("PageHinkley", PageHinkley)):
        seconds, expected = stream(ours(), as_list)
        results = [(f"mlmon_widgets `{name}().update` loop", seconds, expected)]
        batch_s, found = batch(ours(), values, args.repeats)
        results.append((f"mlmon_widgets `{name}().detect` (batch)", batch_s, found))
        river_s = None
        if drift is not None:
            river_s, found = stream(getattr(drift, name)(), as_list)
            results.append(
                (f"river {river.__version__} `drift.{name}().update` loop", river_s, found)
            )
        for label, took, indices in results:
            if indices != expected:
                raise SystemExit(f"{label} detected {indices[:5]}..., expected {expected[:5]}...")
            rows.append(
                f"| {name} | {label} | {took:.3f} s | {args.n / took:,.0f} | {len(indices)} |"
            )
        if river_s is not None:
            met = batch_s <= river_s
            verdicts.append(
                f"- {name}: batch helper {river_s / batch_s:.1f}x river's detector "
                f"(target: at least as fast): {'met' if met else 'NOT met'}"
            )
        elif name == "PageHinkley":
            met = args.n / batch_s >= 1_000_000
            verdicts.append(
                f"- {name}: batch helper {args.n / batch_s:,.0f} values/s without river to compare "
                f"(target: at least 1,000,000): {'met' if met else 'NOT met'}"
            )
    lines = [
        *heading("detector_bench", " ".join(["python", *sys.argv])),
        f"- data: {args.n:,} values, normal noise (sd 1), mean +0.5 from the middle, seed 0; "
        f"default parameters; batch time is the median of {args.repeats} runs after a warm-up; "
        "every implementation reported the same detection indices",
        "",
        "| detector | implementation | time | values per second | detections |",
        "| --- | --- | ---: | ---: | ---: |",
        *rows,
        "",
        *verdicts,
    ]
    publish(lines, args.write)


if __name__ == "__main__":
    main()
