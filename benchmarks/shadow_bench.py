"""Shadow benchmark: compare_models at full scale and the promotion gate's edit latency.

- ``compare_models`` on 1,000,000 paired rows (both models' scores, labels, latency per
  model) x 5 segments x 90 daily windows: seconds and peak traced memory against the
  frame's size, beside what a point-estimate comparison costs (a pandas groupby over
  segment and day computing accuracy, ROC AUC and log loss of each model, as MLflow's or
  TFMA's validators compare them: no paired test, no interval) in the same run.
- ``ShadowComparison`` on the same rows: Python time of one gate edit (a margin, a critical
  segment) until the verdict and every mark are recomputed (target: under 100 ms).

Run: ``python benchmarks/shadow_bench.py [--rows 1000000] [--write docs/benchmarks.md]``.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd
from drift_bench import frame_bytes, measure
from scipy import stats

import mlmon_widgets as mm
from mlmon_widgets.widgets import ShadowComparison

from _report import heading, publish

SEGMENTS = 5
DAYS = 90


def paired_frame(rows: int, seed: int = 0) -> pd.DataFrame:
    """Labels, two correlated models (the shadow a little less noisy), segments, latencies."""
    rng = np.random.default_rng(seed)
    y = rng.random(rows) < 0.2
    signal = np.where(y, 1.0, -1.0)
    common = rng.normal(0, 1, rows)
    latency = np.exp(np.log(45) + 0.35 * rng.normal(0, 1, rows))
    seconds = np.sort(rng.uniform(0, DAYS * 86400, rows))
    return pd.DataFrame(
        {
            "ts": pd.Timestamp("2024-01-01") + pd.to_timedelta(seconds, unit="s"),
            "segment": pd.Categorical(rng.choice([f"s{k}" for k in range(SEGMENTS)], rows)),
            "y": y,
            "live": 1
            / (1 + np.exp(-(signal + 1.5 * (0.6 * common + 0.8 * rng.normal(0, 1, rows))))),
            "shadow": 1
            / (1 + np.exp(-(signal + 1.4 * (0.6 * common + 0.8 * rng.normal(0, 1, rows))))),
            "latency": latency,
            "shadow_latency": latency * np.exp(rng.normal(0.1, 0.1, rows)),
        }
    )


def point_estimates(frame: pd.DataFrame) -> int:
    """What a point-estimate validator computes: per segment x day, each model's metrics."""
    day = frame["ts"].dt.floor("D")
    out = 0
    for _, part in frame.groupby([frame["segment"].astype(str), day], observed=True):
        y = part["y"].to_numpy()
        for column in ("live", "shadow"):
            p = part[column].to_numpy()
            _ = np.mean((p >= 0.5) == y)
            ranks = stats.rankdata(p)
            n1 = y.sum()
            _ = (ranks[y].sum() - n1 * (n1 + 1) / 2) / (n1 * (len(y) - n1))
            _ = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
            out += 3
    return out


OPTIONS = {
    "live": "live",
    "shadow": "shadow",
    "label": "y",
    "time": "ts",
    "window": "1D",
    "by": "segment",
    "latency": {"live": "latency", "shadow": "shadow_latency"},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--write", default=None, help="append the results to this markdown file")
    args = parser.parse_args()

    frame = paired_frame(args.rows)
    size = frame_bytes(frame)
    loop_s, loop_peak, count = measure(point_estimates, frame)
    compare_s, compare_peak, table = measure(mm.compare_models, frame, **OPTIONS)
    assert table["window"].nunique() == DAYS and count == SEGMENTS * DAYS * 6

    start = time.perf_counter()
    view = ShadowComparison(frame, gate={"metrics": {"roc_auc": {"margin": 0.01}}}, **OPTIONS)
    build_s = time.perf_counter() - start
    edits = []
    for k in range(10):
        gate = dict(view.gate)
        gate["metrics"] = {
            "roc_auc": {"margin": 0.002 + 0.002 * k, "relative": False, "superiority": False}
        }
        gate["critical_segments"] = {"segment": [f"s{k % SEGMENTS}"]}
        start = time.perf_counter()
        view.gate = gate
        edits.append(time.perf_counter() - start)
    edit_ms = 1000 * statistics.median(edits)

    lines = [
        *heading("shadow_bench", f"python benchmarks/shadow_bench.py --rows {args.rows}"),
        f"- {args.rows:,} paired rows x {SEGMENTS} segments x {DAYS} daily windows (frame "
        f"{size / 2**20:.0f} MiB); compare_models gives {len(table):,} rows (McNemar, DeLong, "
        "paired bootstrap with 200 Poisson replicates for calibration error and latency)",
        "",
        "| run | seconds | peak memory (MiB) | ratio | target |",
        "| --- | ---: | ---: | --- | --- |",
        f"| point estimates per segment x day (groupby, no test) | {loop_s:.1f} | "
        f"{loop_peak / 2**20:.0f} | | |",
        f"| compare_models | {compare_s:.1f} | {compare_peak / 2**20:.0f} | "
        f"{compare_s / loop_s:.2f}x the point estimates, memory {compare_peak / size:.2f}x the "
        "frame | seconds |",
        f"| ShadowComparison first build (Python) | {build_s:.1f} | | | |",
        f"| gate edit -> verdict and marks (median of 10) | {edit_ms / 1000:.3f} | | "
        f"{edit_ms:.0f} ms | < 100 ms |",
    ]
    publish(lines, args.write)


if __name__ == "__main__":
    main()
