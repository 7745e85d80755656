"""Out-of-core drift: a Parquet dataset larger than memory, streamed, and on Dask.

Writes a dataset of ROWS rows x 20 float32 features and a timestamp (100,000,000 rows by
default: about 8 GB of values, written from a generator row group by row group, never held
at once) into a folder, then measures, each in a fresh process:

- ``drift_over_time(reference, parquet_dataset(folder), time='ts', window='1D')`` streamed
  by record batch in one process: seconds, rows per second, peak memory (the process's
  high-water mark, everything included);
- the same on a Dask ``LocalCluster`` (2 worker processes) over ``dd.read_parquet`` (one
  partition per row group): peak memory of every process together (client, scheduler and
  workers);
- ``mlmon check CONFIG FOLDER --engine arrow`` of a config of the 20 features (baseline in
  a sidecar file), end to end in a fresh process;
- the baseline, in the same run: the in-memory engine on a pandas frame of BASELINE_ROWS
  rows of the same data (read whole), seconds and rows per second.

Targets (issue 13): peak memory under 2 GB for the streamed run; the results equal the
in-memory engine (shown by tests/test_scale.py and tests/test_dask.py, not here).

Usage: python benchmarks/scale_bench.py [--rows 100000000] [--folder /tmp/mlmon-scale]
       [--write docs/benchmarks.md] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import shutil
import subprocess
import sys
import time

import numpy as np
import pandas as pd

from _report import heading, publish

FEATURES = 20
ROW_GROUP = 1_000_000
REFERENCE_ROWS = 20_000
BASELINE_ROWS = 5_000_000
DAYS = 365


def write_dataset(folder: pathlib.Path, rows: int, seed: int = 0) -> float:
    """ROWS rows over DAYS days, in files of 10 row groups; returns the seconds it took."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    start = time.perf_counter()
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    seconds = DAYS * 86_400
    written, part = 0, 0
    writer = None
    while written < rows:
        n = min(ROW_GROUP, rows - written)
        if writer is None or written % (10 * ROW_GROUP) == 0:
            if writer is not None:
                writer.close()
            path = folder / f"part-{part:04d}.parquet"
            part += 1
            writer = None
        offset = np.linspace(written, written + n, n, endpoint=False) / rows * seconds
        data = {"ts": pd.Timestamp("2025-01-01") + pd.to_timedelta(offset.astype(np.int64), "s")}
        drift = (written / rows) > 0.8  # the last fifth of the year drifts in two features
        for i in range(FEATURES):
            shift = 0.2 if drift and i < 2 else 0.0
            data[f"f{i:02d}"] = rng.normal(shift, 1.0, n).astype(np.float32)
        table = pa.Table.from_pandas(pd.DataFrame(data), preserve_index=False)
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema, compression="none")
        writer.write_table(table, row_group_size=ROW_GROUP)
        written += n
    if writer is not None:
        writer.close()
    return time.perf_counter() - start


def reference(seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {f"f{i:02d}": rng.normal(0, 1, REFERENCE_ROWS).astype(np.float32) for i in range(FEATURES)}
    )


def _peak_mb(pids: list[int]) -> float:
    """Sum of the high-water marks (VmHWM) of the given processes, in MB."""
    total = 0
    for pid in pids:
        try:
            for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def run_streamed(folder: str) -> dict:
    import mlmon_widgets as mm

    start = time.perf_counter()
    table = mm.drift_over_time(reference(), mm.parquet_dataset(folder), time="ts", window="1D")
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "peak_mb": _peak_mb([os.getpid()]),
        "windows": int(table["window"].nunique()),
        "alerts": int((table["severity"] != "ok").sum()),
        "rows": int(table.groupby("window")["n"].first().sum()),
    }


def run_dask(folder: str) -> dict:
    import dask.dataframe as dd
    import psutil
    from distributed import Client, LocalCluster

    import mlmon_widgets as mm

    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    client = Client(cluster)
    try:
        start = time.perf_counter()
        frame = dd.read_parquet(folder, split_row_groups=True)  # a partition per row group
        table = mm.drift_over_time(reference(), frame, time="ts", window="1D")
        seconds = time.perf_counter() - start
        pids = [os.getpid(), *(p.pid for p in psutil.Process().children(recursive=True))]
        peak = _peak_mb(pids)
    finally:
        client.close()
        cluster.close()
    return {
        "seconds": seconds,
        "peak_mb": peak,
        "windows": int(table["window"].nunique()),
        "alerts": int((table["severity"] != "ok").sum()),
        "rows": int(table.groupby("window")["n"].first().sum()),
    }


def run_check(folder: str) -> dict:
    """``mlmon check CONFIG FOLDER --engine arrow`` of a config of the 20 features."""
    import contextlib
    import io
    import tempfile

    import mlmon_widgets as mm
    from mlmon_widgets import cli

    baseline = mm.Baseline.fit(reference())
    config = mm.MonitoringConfig.from_baseline(baseline, model="scale", time="ts", window="1D")
    with tempfile.TemporaryDirectory() as tmp:
        path = pathlib.Path(tmp) / "monitoring.yaml"
        config.to_yaml(path, baseline_file=True)
        out = io.StringIO()
        start = time.perf_counter()
        with contextlib.redirect_stdout(out):
            code = cli.main(["check", str(path), folder, "--engine", "arrow"])
        seconds = time.perf_counter() - start
    header = out.getvalue().splitlines()[0]
    return {"seconds": seconds, "peak_mb": _peak_mb([os.getpid()]), "code": code, "header": header}


def run_baseline(folder: str) -> dict:
    import pyarrow.dataset as ds

    import mlmon_widgets as mm

    frame = ds.dataset(folder, format="parquet").head(BASELINE_ROWS).to_pandas()
    start = time.perf_counter()
    mm.drift_over_time(reference(), frame, time="ts", window="1D")
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "rows": len(frame), "peak_mb": _peak_mb([os.getpid()])}


def _child(kind: str, folder: str) -> dict:
    """Run one measurement in a fresh process (its own memory high-water mark)."""
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--folder", folder],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000_000)
    parser.add_argument("--folder", default="/tmp/mlmon-scale")
    parser.add_argument("--write", default=None)
    parser.add_argument("--keep", action="store_true", help="keep the dataset afterwards")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        runs = {"streamed": run_streamed, "dask": run_dask, "baseline": run_baseline}
        run = {**runs, "check": run_check}[args.child]
        print(json.dumps(run(args.folder)))
        return
    folder = pathlib.Path(args.folder)
    if folder.exists():
        shutil.rmtree(folder)
    written = write_dataset(folder, args.rows)
    size = sum(p.stat().st_size for p in folder.glob("*.parquet")) / 2**30
    try:
        baseline = _child("baseline", str(folder))
        streamed = _child("streamed", str(folder))
        distributed = _child("dask", str(folder))
        check = _child("check", str(folder))
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    base_rate = baseline["rows"] / baseline["seconds"]
    lines = [
        *heading("scale_bench", f"python benchmarks/scale_bench.py --rows {args.rows}"),
        f"- dataset: {args.rows:,} rows x {FEATURES} float32 features + a timestamp, "
        f"{size:.1f} GB of Parquet (uncompressed) written in {written:.0f} s; reference "
        f"{REFERENCE_ROWS:,} rows (exact KS); daily windows",
        "",
        "| run | seconds | rows / s | peak memory | vs in-memory rows / s |",
        "|---|---|---|---|---|",
        f"| in-memory engine, first {baseline['rows']:,} rows (baseline) | "
        f"{baseline['seconds']:.1f} | {base_rate:,.0f} | {baseline['peak_mb']:,.0f} MB | 1.00x |",
    ]
    for name, run in (
        ("streamed from Parquet, one process", streamed),
        ("Dask LocalCluster, 2 workers", distributed),
    ):
        rate = run["rows"] / run["seconds"]
        lines.append(
            f"| {name} | {run['seconds']:.1f} | {rate:,.0f} | {run['peak_mb']:,.0f} MB "
            f"(all processes) | {rate / base_rate:.2f}x |"
        )
    check_rate = args.rows / check["seconds"]
    lines.append(
        f"| `mlmon check CONFIG FOLDER --engine arrow` (drift and data quality) | "
        f"{check['seconds']:.1f} | {check_rate:,.0f} | {check['peak_mb']:,.0f} MB | "
        f"{check_rate / base_rate:.2f}x |"
    )
    lines += [
        "",
        f"- `mlmon check` said: {check['header']}",
        f"- windows: {streamed['windows']} (both runs), rows judged: {streamed['rows']:,} "
        f"(streamed) / {distributed['rows']:,} (Dask); window x feature alerts: "
        f"{streamed['alerts']} / {distributed['alerts']}",
        f"- target: streamed peak memory under 2 GB: "
        f"{'met' if streamed['peak_mb'] < 2048 else 'NOT met'} ({streamed['peak_mb']:,.0f} MB)",
    ]
    publish(lines, args.write)


if __name__ == "__main__":
    main()
