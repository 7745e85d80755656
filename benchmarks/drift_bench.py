"""Drift engine benchmark: drift_table and drift_over_time against a plain scipy loop.

Reference and current: ROWS rows each, 40 numeric + 10 categorical columns. Reports
seconds (a plain run) and peak memory (a second run under tracemalloc, which sees numpy
and pandas allocations; the peak is what the call allocates on top of its inputs) and the
ratios the targets are set on, all measured in this one process:

- drift_table at most 0.25x the plain loop (ks_2samp, numpy.histogram PSI,
  wasserstein_distance, chi2_contingency over the same columns);
- drift_over_time over the same current rows cut into 100 windows at most 2x drift_table;
- peak memory of each under 3x the input frames.

Usage: python benchmarks/drift_bench.py [--rows 1000000] [--write docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import gc
import time
import tracemalloc
import warnings

import numpy as np
import pandas as pd
from scipy import stats

import mlmon_widgets as mm

from _report import heading, publish

N_NUMERIC, N_CATEGORICAL, N_WINDOWS = 40, 10, 100


def make_frames(rows: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)

    def frame(shift: float) -> pd.DataFrame:
        data = {}
        for i in range(N_NUMERIC):
            data[f"num_{i:02d}"] = rng.normal(shift * (i % 3 == 0), 1 + i / 40, rows)
        for i in range(N_CATEGORICAL):
            levels = [f"level_{k}" for k in range(5 + i)]
            probs = rng.dirichlet(np.ones(len(levels)))
            data[f"cat_{i:02d}"] = pd.Categorical.from_codes(
                rng.choice(len(levels), rows, p=probs), categories=levels
            )
        return pd.DataFrame(data)

    return frame(0.0), frame(0.05)


def plain_loop(reference: pd.DataFrame, current: pd.DataFrame) -> dict:
    """What a user would write by hand with scipy and numpy, column by column."""
    out = {}
    for name in reference.columns:
        r, c = reference[name], current[name]
        if isinstance(r.dtype, pd.CategoricalDtype):
            table = pd.concat([r.value_counts(), c.value_counts()], axis=1).fillna(0).T.to_numpy()
            out[name] = stats.chi2_contingency(table)[:2]
            continue
        r, c = r.to_numpy(), c.to_numpy()
        ks = stats.ks_2samp(r, c)
        psi = plain_psi(r, c)
        w = stats.wasserstein_distance(r, c) / np.std(r)
        out[name] = (ks.statistic, ks.pvalue, psi, w)
    return out


def plain_psi(r: np.ndarray, c: np.ndarray) -> float:
    """The yardstick's PSI: reference deciles, empty bins floored at 1e-4 (as users write it)."""
    edges = np.quantile(r, np.linspace(0, 1, 11))
    edges[0], edges[-1] = -np.inf, np.inf
    rp = np.histogram(r, edges)[0] / len(r)
    cp = np.histogram(c, edges)[0] / len(c)
    rp, cp = np.where(rp == 0, 1e-4, rp), np.where(cp == 0, 1e-4, cp)
    return float(np.sum((cp - rp) * np.log(cp / rp)))


def measure(fn, *args, **kwargs) -> tuple[float, float, object]:
    """Seconds of one plain run, then peak traced memory of a second run (tracemalloc slows it)."""
    gc.collect()
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    seconds = time.perf_counter() - start
    del result
    gc.collect()
    tracemalloc.start()
    result = fn(*args, **kwargs)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return seconds, peak, result


def frame_bytes(frame: pd.DataFrame) -> int:
    return int(frame.memory_usage(deep=True).sum())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--write", default=None, help="append the results to this markdown file")
    args = parser.parse_args()
    warnings.simplefilter("ignore", mm.RoleWarning)

    reference, current = make_frames(args.rows)
    inputs = frame_bytes(reference) + frame_bytes(current)
    rows_per_window = -(-args.rows // N_WINDOWS)

    loop_s, loop_peak, _ = measure(plain_loop, reference, current)
    table_s, table_peak, table = measure(mm.drift_table, reference, current, progress=False)
    over_s, over_peak, over = measure(
        mm.drift_over_time, reference, current, rows=rows_per_window, progress=False
    )
    assert len(table) == N_NUMERIC + N_CATEGORICAL
    assert over["window"].nunique() == N_WINDOWS

    results = [
        ("plain scipy/numpy loop", loop_s, loop_peak, ""),
        ("drift_table", table_s, table_peak, f"{table_s / loop_s:.2f}x loop (target <= 0.25x)"),
        (
            f"drift_over_time, {N_WINDOWS} windows",
            over_s,
            over_peak,
            f"{over_s / table_s:.2f}x drift_table (target <= 2x)",
        ),
    ]
    lines = [
        *heading("drift_bench", f"python benchmarks/drift_bench.py --rows {args.rows}"),
        f"- data: reference and current {args.rows:,} rows each, {N_NUMERIC} numeric + "
        f"{N_CATEGORICAL} categorical columns; input frames {inputs / 2**20:.0f} MiB",
        "",
        "| run | seconds | peak memory (MiB) | peak / input | ratio |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for name, seconds, peak, ratio in results:
        lines.append(
            f"| {name} | {seconds:.2f} | {peak / 2**20:.0f} | {peak / inputs:.2f}x | {ratio} |"
        )
    publish(lines, args.write)


if __name__ == "__main__":
    main()
