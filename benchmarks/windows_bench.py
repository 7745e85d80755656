"""All windows at once: drift_over_time at 200 features x 365 windows against today's paths.

The heatmap's scale (the same frames as ``widget_bench.py``: 200 features, 20 of them
categorical, 365 daily windows of 200 rows, a 20,000-row reference, where scipy's KS p-value
is asymptotic). Measured in one process:

- ``drift_over_time`` on a fitted baseline with every window of a feature at once (the
  vectorised path) and window by window (the path before it, forced in the same run);
  target: at least 10x faster, and the same numbers (the largest differences are printed);
- a plain scipy loop (``ks_2samp``, decile PSI with ``numpy.histogram``,
  ``chi2_contingency``) over every 10th feature, its time per window x feature scaled to
  all of them;
- ``DriftHeatmap`` first render (fit, statistics, reference chunks, tables): under 2 s.

Usage: python benchmarks/windows_bench.py [--features 200] [--days 365] [--write docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd
from drift_bench import plain_psi
from scipy import stats
from widget_bench import make_data

import mlmon_widgets as mm
from mlmon_widgets.engine._drift import statistics  # noqa: TID251 (white-box: force the old path)
from mlmon_widgets.widgets import DriftHeatmap

from _report import heading, publish


def plain_loop(reference: pd.DataFrame, production: pd.DataFrame, names: list[str]) -> int:
    """Window by window and feature by feature, as a user would write it with scipy."""
    tests = 0
    for _, rows in production.groupby(production["ts"].dt.floor("D")):
        for name in names:
            r, c = reference[name], rows[name]
            if isinstance(r.dtype, pd.CategoricalDtype):
                table = pd.concat([r.value_counts(), c.value_counts()], axis=1).fillna(0)
                stats.chi2_contingency(table.T.to_numpy())
            else:
                r, c = r.to_numpy(), c.to_numpy()
                stats.ks_2samp(r, c)
                plain_psi(r, c)
                stats.wasserstein_distance(r, c)
            tests += 1
    return tests


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - start, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--features", type=int, default=200)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--write", default=None)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    reference, production, _ = make_data(args.features, args.days, 200)
    options = {"time": "ts", "window": "1D", "progress": False}

    fit_s, baseline = timed(mm.Baseline.fit, reference)
    all_s, together = timed(mm.drift_over_time, baseline, production, **options)
    saved = statistics.ONE_BY_ONE_MAX
    statistics.ONE_BY_ONE_MAX = 10**9  # the one-window path for every window
    try:
        one_s, alone = timed(mm.drift_over_time, baseline, production, **options)
    finally:
        statistics.ONE_BY_ONE_MAX = saved
    names = list(reference.columns[::10])
    loop_s, tests = timed(plain_loop, reference, production, names)
    per_test = loop_s / tests
    loop_all = per_test * len(together)
    render_s, _ = timed(DriftHeatmap, reference, production, time="ts", window="1D")

    differences = {}
    for column in ("psi", "psi_tails", "js", "p_ks", "p_tails", "wasserstein", "p_adjusted"):
        a, b = together[column].to_numpy(float), alone[column].to_numpy(float)
        both = np.isfinite(a) & np.isfinite(b)
        scale = np.maximum(np.abs(b[both]), 1e-300)
        differences[column] = float(np.max(np.abs(a[both] - b[both]) / scale, initial=0.0))
    same = (together["severity"].astype(str) == alone["severity"].astype(str)).all()
    worst = max(differences, key=differences.get)

    lines = [
        *heading("windows_bench", "python benchmarks/windows_bench.py"),
        f"- data: {args.features} features ({args.features // 10} categorical) x "
        f"{args.days} daily windows of 200 rows ({len(together):,} window x feature tests); "
        f"reference {len(reference):,} rows (KS p-values asymptotic)",
        f"- the two paths agree: severities {'identical' if same else 'DIFFER'}; largest "
        f"relative difference {differences[worst]:.1e} ({worst})",
        "",
        "| run | seconds | ratio | target |",
        "| --- | ---: | --- | --- |",
        f"| Baseline.fit (20,000 rows) | {fit_s:.2f} | | |",
        f"| drift_over_time, window by window (the path before) | {one_s:.2f} | | |",
        f"| drift_over_time, all windows at once | {all_s:.2f} | {one_s / all_s:.1f}x faster "
        f"than window by window; {all_s / loop_all:.3f}x the loop | >= 10x |",
        f"| plain scipy loop ({tests:,} tests, {per_test * 1e3:.2f} ms each), scaled to "
        f"{len(together):,} | {loop_all:.1f} | | |",
        f"| DriftHeatmap first render (fit, statistics, reference chunks, tables) | "
        f"{render_s:.2f} | | < 2 s |",
    ]
    publish(lines, args.write)


if __name__ == "__main__":
    main()
