"""mlmon check benchmark: one day's batch against a 40-feature config, end to end.

Each run is a fresh process (`mlmon check CONFIG DATA`, imports included), timed from the
outside; beside it, in the same run, the import of what any such command needs (pandas,
scipy.stats, statsmodels, pyarrow) as the yardstick. The config holds a baseline of 40
numeric features fitted on 20,000 reference rows (bins, tail bins and the sketch), written
three ways: inline YAML, JSON, and YAML with the baseline in a JSON file beside it
(``to_yaml(path, baseline_file=True)``). Target: under 2 s end to end.

Run: ``python benchmarks/check_bench.py [--runs 5] [--write docs/benchmarks.md]``.
"""

from __future__ import annotations

import argparse
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import pandas as pd

import mlmon_widgets as mm

from _report import heading, publish

FEATURES = 40
REFERENCE_ROWS = 20_000
BATCH_ROWS = 10_000


def write_inputs(folder: pathlib.Path) -> dict[str, pathlib.Path]:
    rng = np.random.default_rng(0)
    reference = pd.DataFrame(
        {f"f{i:02d}": rng.normal(size=REFERENCE_ROWS) for i in range(FEATURES)}
    )
    reference["ts"] = pd.Timestamp("2024-01-01") + pd.to_timedelta(
        np.arange(REFERENCE_ROWS) * 60, unit="s"
    )
    baseline = mm.Baseline.fit(reference, roles={"ts": "datetime"})
    config = mm.MonitoringConfig.from_baseline(baseline, model="bench", time="ts", window="1D")
    batch = pd.DataFrame({f"f{i:02d}": rng.normal(size=BATCH_ROWS) for i in range(FEATURES)})
    batch["ts"] = pd.Timestamp("2024-03-01") + pd.to_timedelta(np.arange(BATCH_ROWS) * 8, unit="s")
    paths = {
        "inline YAML": folder / "inline.yaml",
        "JSON": folder / "config.json",
        "YAML + baseline file": folder / "split.yaml",
        "batch": folder / "batch.parquet",
    }
    config.to_yaml(paths["inline YAML"])
    config.to_json(paths["JSON"])
    config.to_yaml(paths["YAML + baseline file"], baseline_file=True)
    batch.to_parquet(paths["batch"])
    return paths


def timed(command: list[str], runs: int) -> tuple[float, list[float]]:
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        seconds.append(time.perf_counter() - start)
        if done.returncode not in (0, 1):
            raise RuntimeError(f"{command} failed: {done.stderr}")
    return statistics.median(seconds), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--write", default=None, help="append the results to this markdown file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_inputs(pathlib.Path(tmp))
        sizes = {k: p.stat().st_size for k, p in paths.items()}
        side = pathlib.Path(tmp) / "split.baseline.json"
        imports = "import pandas, scipy.stats, statsmodels.stats.multitest, pyarrow.parquet"
        yard, _ = timed([sys.executable, "-c", imports], args.runs)
        rows = []
        for kind in ("inline YAML", "JSON", "YAML + baseline file"):
            command = [
                sys.executable,
                "-m",
                "mlmon_widgets.cli",
                "check",
                str(paths[kind]),
                str(paths["batch"]),
            ]
            median, all_runs = timed(command, args.runs)
            size = sizes[kind] + (side.stat().st_size if kind.endswith("file") else 0)
            rows.append((kind, median, max(all_runs), size))
    lines = [
        *heading("check_bench", f"python benchmarks/check_bench.py --runs {args.runs}"),
        f"- `mlmon check` of a {BATCH_ROWS:,}-row one-day batch against a {FEATURES}-feature "
        f"config (baseline fitted on {REFERENCE_ROWS:,} rows), a fresh process per run, "
        f"median of {args.runs}",
        "",
        "| run | seconds (median) | max | files (MB) | target |",
        "| --- | ---: | ---: | ---: | --- |",
        f"| import pandas, scipy.stats, statsmodels, pyarrow (yardstick) | {yard:.2f} | | | |",
        *[
            f"| mlmon check, {kind} | {median:.2f} | {worst:.2f} | {size / 1e6:.1f} | "
            f"{'< 2 s' if kind != 'inline YAML' else ''} |"
            for kind, median, worst, size in rows
        ],
    ]
    publish(lines, args.write)


if __name__ == "__main__":
    main()
