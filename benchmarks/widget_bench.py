"""DriftHeatmap benchmark: bytes sent and Python time, first render vs one append.

200 features x 365 daily windows (the scale the heatmap must handle). Measures, in one
process, the bytes a real comm would carry (JSON plus binary buffers) and the Python time
of building the widget and of ``append`` of one new day; targets: the append sends under
5% of the first render's bytes and takes under 100 ms. With ``--browser`` it also opens the
widget in JupyterLab (Debian Chromium via Playwright) and measures the time to first paint
and to the view being updated after ``append``.

Usage: python benchmarks/widget_bench.py [--features 200] [--days 365] [--browser]
       [--write docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings

import comm
import numpy as np
import pandas as pd
from comm.base_comm import BaseComm

from mlmon_widgets.widgets import DriftHeatmap

from _report import heading, publish


class CountingComm(BaseComm):
    def __init__(self, *args, **kwargs):
        self.bytes = 0
        super().__init__(*args, **kwargs)

    def publish_msg(self, msg_type, data=None, metadata=None, buffers=None, **keys):
        import json

        self.bytes += len(json.dumps(data or {}, default=str).encode())
        self.bytes += sum(memoryview(b).nbytes for b in buffers or [])


def make_data(features: int, days: int, rows_per_day: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    n_cat = features // 10
    names = [f"num_{i:03d}" for i in range(features - n_cat)] + [
        f"cat_{i:03d}" for i in range(n_cat)
    ]

    def frame(n: int) -> pd.DataFrame:
        data = {}
        for name in names:
            if name.startswith("num"):
                data[name] = rng.normal(size=n)
            else:
                data[name] = pd.Categorical.from_codes(
                    rng.integers(0, 6, n), categories=list("abcdef")
                )
        return pd.DataFrame(data)

    reference = frame(20_000)
    production = frame(rows_per_day * (days + 1))
    production.insert(
        0,
        "ts",
        pd.date_range("2024-01-01", periods=len(production), freq=f"{86400 // rows_per_day}s"),
    )
    cut = rows_per_day * days
    return reference, production.iloc[:cut], production.iloc[cut:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--features", type=int, default=200)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--rows-per-day", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5, help="appends timed (one new day each)")
    parser.add_argument("--browser", action="store_true", help="also time the view in JupyterLab")
    parser.add_argument("--write", default=None)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    made: list[CountingComm] = []
    comm.create_comm = lambda *a, **k: made.append(CountingComm(*a, **k)) or made[-1]

    reference, production, _ = make_data(args.features, args.days + args.repeats, args.rows_per_day)
    cut = args.rows_per_day * args.days
    history, later = production.iloc[:cut], production.iloc[cut:]
    start = time.perf_counter()
    heatmap = DriftHeatmap(reference, history, time="ts", window="1D")
    build_s = time.perf_counter() - start
    channel = made[-1]
    first_bytes = channel.bytes
    append_s, append_bytes = [], []
    for k in range(args.repeats):
        day = later.iloc[k * args.rows_per_day : (k + 1) * args.rows_per_day]
        channel.bytes = 0
        start = time.perf_counter()
        heatmap.append(day)
        append_s.append(time.perf_counter() - start)
        append_bytes.append(channel.bytes)
    recount_s = []
    for k in range(args.repeats):
        feature = heatmap.columns_of("features")["name"][k]
        start = time.perf_counter()
        heatmap.thresholds = {
            feature: {"metric": "psi", "warning": 0.01 * (k + 1), "critical": 0.5}
        }
        recount_s.append(time.perf_counter() - start)
    start = time.perf_counter()
    heatmap.alpha = 0.005
    recount_s.append(time.perf_counter() - start)
    assert heatmap._error == "", heatmap._error
    sent = statistics.median(append_bytes)
    took = statistics.median(append_s) * 1000
    lines = [
        *heading("widget_bench", " ".join(["python", *sys.argv])),
        f"- data: {args.features} features ({args.features // 10} categorical) x {args.days} "
        f"daily windows of {args.rows_per_day} rows; reference 20,000 rows",
        "",
        "| measure | value | target |",
        "| --- | ---: | --- |",
        f"| first render: bytes sent | {first_bytes:,} | |",
        f"| first render: Python time (all statistics) | {build_s:.1f} s | |",
        f"| append one day: bytes sent (median of {args.repeats}) | {sent:,.0f} "
        f"({sent / first_bytes:.2%} of first render) | under 5% |",
        f"| append one day: Python time (median of {args.repeats}) | {took:.0f} ms "
        f"(max {max(append_s) * 1000:.0f} ms) | under 100 ms |",
        f"| threshold or alpha change: recount, recolour, backtest (median of "
        f"{len(recount_s)}) | {statistics.median(recount_s) * 1000:.0f} ms "
        f"(max {max(recount_s) * 1000:.0f} ms) | under 100 ms |",
    ]
    if args.browser:
        from browser_timing import time_in_browser

        paint, render_ms, update, patch_ms = time_in_browser(
            args.features, args.days, args.rows_per_day
        )
        lines += [
            f"| browser: run the cell to first paint (wall clock) | {paint:.2f} s | |",
            f"| browser: front end's own render time | {render_ms:.0f} ms | |",
            f"| browser: append called to view updated (wall clock) | {update * 1000:.0f} ms | |",
            f"| browser: front end's own patch time | {patch_ms:.1f} ms | |",
        ]
    publish(lines, args.write)


if __name__ == "__main__":
    main()
