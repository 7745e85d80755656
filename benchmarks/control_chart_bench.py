"""ControlChart benchmark: a year of daily windows on 730,000 predictions.

Measures, in one process, the Python time and the bytes a real comm carries for: the
first render (performance per window with bootstrap AUC intervals, control limits, run
rules, alerts, the detector on every labelled row's error); ``append`` of one new day;
moving one limit (what dragging a line does); and changing the detector's delta. Ratios
are against the first render measured in the same run; targets: an append sends under 5%
of the first render's bytes and takes under 10% of its time, a limit move takes under
100 ms (the heatmap's recount target).

Usage: python benchmarks/control_chart_bench.py [--days 365] [--rows-per-day 2000]
       [--repeats 5] [--write docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import pathlib
import statistics
import sys
import time
import warnings

import comm
import pandas as pd

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from widget_bench import CountingComm

from mlmon_widgets.widgets import ControlChart
from tests.performance_data import predictions

from _report import heading, publish

METRICS = ["accuracy", "roc_auc", "log_loss", "latency_p95"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--rows-per-day", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--write", default=None)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    made: list[CountingComm] = []
    comm.create_comm = lambda *a, **k: made.append(CountingComm(*a, **k)) or made[-1]
    total_days = args.days + args.repeats
    data = predictions(
        days=total_days,
        per_day=args.rows_per_day,
        worse_from=int(args.days * 0.8),
        pending_days=30,
    )
    start_day = data["ts"].min().normalize()
    day = (data["ts"] - start_day) // pd.Timedelta("1D")
    history = data[day < args.days]
    start = time.perf_counter()
    chart = ControlChart(
        history,
        label="label",
        score="score",
        time="ts",
        window="1D",
        latency="latency",
        metrics=METRICS,
        n_bootstrap=100,
    )
    build_s = time.perf_counter() - start
    channel = made[-1]
    first_bytes = channel.bytes
    append_s, append_bytes = [], []
    for k in range(args.repeats):
        channel.bytes = 0
        start = time.perf_counter()
        chart.append(data[day == args.days + k])
        append_s.append(time.perf_counter() - start)
        append_bytes.append(channel.bytes)
    limit_s, limit_bytes = [], []
    rule = chart.rules["accuracy"]
    for k in range(args.repeats):
        channel.bytes = 0
        start = time.perf_counter()
        chart.move_limit("accuracy", "lower_critical", rule["centre"] - (4 + k) * rule["sigma"])
        limit_s.append(time.perf_counter() - start)
        limit_bytes.append(channel.bytes)
    detector_s = []
    for k in range(args.repeats):
        start = time.perf_counter()
        chart.detector = {"kind": "adwin", "delta": 0.002 * (k + 2)}
        detector_s.append(time.perf_counter() - start)
    assert chart._error == "", chart._error
    sent = statistics.median(append_bytes)
    took = statistics.median(append_s)
    lines = [
        *heading("control_chart_bench", " ".join(["python", *sys.argv])),
        f"- data: {len(history):,} predictions over {args.days} daily windows "
        f"({args.rows_per_day:,} a day), labels pending for the last 30 days; metrics "
        f"{', '.join(METRICS)} (AUC with a 100-resample bootstrap); ADWIN on every labelled "
        "row's squared error",
        "",
        "| measure | value | target |",
        "| --- | ---: | --- |",
        f"| first render: Python time | {build_s:.2f} s | |",
        f"| first render: bytes sent | {first_bytes:,} | |",
        f"| append one day: Python time (median of {args.repeats}) | {took * 1000:.0f} ms "
        f"({took / build_s:.1%} of first render; max {max(append_s) * 1000:.0f} ms) "
        "| under 10% |",
        f"| append one day: bytes sent (median of {args.repeats}) | {sent:,.0f} "
        f"({sent / first_bytes:.2%} of first render) | under 5% |",
        f"| move one limit: recount, redraw (median of {args.repeats}) | "
        f"{statistics.median(limit_s) * 1000:.0f} ms (max {max(limit_s) * 1000:.0f} ms; "
        f"{statistics.median(limit_bytes):,.0f} bytes) | under 100 ms |",
        f"| change the detector's delta: rerun on all labelled rows (median of "
        f"{args.repeats}) | {statistics.median(detector_s) * 1000:.0f} ms | |",
    ]
    publish(lines, args.write)


if __name__ == "__main__":
    main()
