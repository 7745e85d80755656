"""Segment benchmark: find_slices at full scale, segment_drift against a plain groupby loop.

- ``find_slices`` on 1,000,000 production rows (and as many reference rows), 20 candidate
  columns (12 numeric, 8 categorical) at depth 2, scoring 10 features, with one planted
  slice it must find; seconds and peak traced memory against the frames' size (target:
  under 20 s, memory under 3x the production frame).
- ``segment_drift`` over 10 segments x 50 features x 90 daily windows, against what a user
  writes by hand: a pandas groupby over segment and day with scipy's ``ks_2samp`` and a
  decile PSI per feature (numeric) or ``chi2_contingency`` (categorical), in the same run
  (target: at most 0.3x the loop).

Run: ``python benchmarks/segment_bench.py [--rows 1000000] [--write docs/benchmarks.md]``.
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
import pandas as pd
from drift_bench import frame_bytes, measure, plain_psi
from scipy import stats

import mlmon_widgets as mm

from _report import heading, publish

N_NUMERIC, N_CATEGORICAL, N_SCORED = 12, 8, 10


def slice_frames(rows: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Reference and production with 20 columns; ``num_03`` shifts where ``cat_00 == 'c2'``
    and ``num_00 >= 0`` in production (about 6% of rows)."""
    rng = np.random.default_rng(seed)

    shares = [np.random.default_rng(100 + i).dirichlet(np.ones(4 + i) * 3) for i in range(8)]

    def frame(shift: float) -> pd.DataFrame:
        data: dict[str, object] = {}
        base = rng.normal(size=rows)
        for i in range(N_NUMERIC):
            data[f"num_{i:02d}"] = 0.3 * base + rng.normal(size=rows) * (1 + i / 12)
        for i in range(N_CATEGORICAL):
            levels = [f"c{k}" for k in range(4 + i)]
            data[f"cat_{i:02d}"] = pd.Categorical.from_codes(
                rng.choice(len(levels), rows, p=shares[i]), categories=levels
            )
        out = pd.DataFrame(data)
        planted = (out["cat_00"] == "c2").to_numpy() & (out["num_00"] >= 0).to_numpy()
        out.loc[planted, "num_03"] += shift
        return out

    return frame(0.0), frame(0.6)


def segment_frames(seed: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    """10 segments x 50 features (40 numeric, 10 categorical) x 90 days of 200 rows each."""
    rng = np.random.default_rng(seed)
    segments = [f"s{k}" for k in range(10)]

    def frame(rows: int, days: int | None) -> pd.DataFrame:
        data: dict[str, object] = {"segment": rng.choice(segments, rows)}
        for i in range(40):
            data[f"num_{i:02d}"] = rng.normal(size=rows)
        for i in range(10):
            data[f"cat_{i:02d}"] = rng.choice([f"v{k}" for k in range(5)], rows)
        if days is not None:
            data["day"] = pd.Timestamp("2024-01-01") + pd.to_timedelta(
                np.sort(rng.integers(0, days * 86_400, rows)), unit="s"
            )
        return pd.DataFrame(data)

    return frame(50_000, None), frame(10 * 90 * 200, 90)


def plain_segment_loop(reference: pd.DataFrame, production: pd.DataFrame) -> int:
    """The hand-written version: groupby segment and day, scipy per feature."""
    tests = 0
    features = [c for c in reference.columns if c != "segment"]
    ref_groups = dict(tuple(reference.groupby("segment")))
    for (segment, _), rows in production.groupby(["segment", production["day"].dt.floor("D")]):
        ref = ref_groups[segment]
        for name in features:
            r, c = ref[name], rows[name]
            if name.startswith("cat"):
                table = pd.concat([r.value_counts(), c.value_counts()], axis=1).fillna(0)
                stats.chi2_contingency(table.T.to_numpy())
            else:
                stats.ks_2samp(r.to_numpy(), c.to_numpy())
                plain_psi(r.to_numpy(), c.to_numpy())
            tests += 1
    return tests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--write", default=None, help="append the results to this markdown file")
    args = parser.parse_args()
    warnings.simplefilter("ignore", mm.RoleWarning)

    reference, production = slice_frames(args.rows)
    scored = [f"num_{i:02d}" for i in range(6)] + [f"cat_{i:02d}" for i in range(4)]
    slices_s, slices_peak, found = measure(
        mm.find_slices, production, reference=reference, features=scored
    )
    top = found.iloc[0]
    conditions = {(c.column, c.op) for c in top["conditions"]}
    assert top["target"] == "num_03" and conditions == {("cat_00", "=="), ("num_00", ">=")}, top
    prod_bytes = frame_bytes(production)

    seg_ref, seg_prod = segment_frames()
    loop_s, loop_peak, tests = measure(plain_segment_loop, seg_ref, seg_prod)
    seg_s, seg_peak, table = measure(
        mm.segment_drift, seg_ref, seg_prod, "segment", time="day", window="1D"
    )
    assert len(table) == tests == 10 * 50 * 90, (len(table), tests)

    lines = [
        *heading("segment_bench", f"python benchmarks/segment_bench.py --rows {args.rows}"),
        f"- find_slices: production and reference {args.rows:,} rows each, "
        f"{N_NUMERIC} numeric + {N_CATEGORICAL} categorical candidate columns, depth 2, "
        f"{len(scored)} scored features; production frame {prod_bytes / 2**20:.0f} MiB; "
        f"{found.attrs['slices']:,} slices and {found.attrs['tests']:,} tests; found "
        f"`{top['slice']}` ({top['target']}, PSI {top['value']:.2f})",
        f"- segment_drift: 10 segments x 50 features x 90 daily windows of 200 rows "
        f"({len(seg_prod):,} production rows, {len(seg_ref):,} reference rows)",
        "",
        "| run | seconds | peak memory (MiB) | ratio | target |",
        "| --- | ---: | ---: | --- | --- |",
        f"| find_slices | {slices_s:.1f} | {slices_peak / 2**20:.0f} | "
        f"{slices_peak / prod_bytes:.2f}x the production frame | < 20 s, < 3x |",
        f"| plain groupby + scipy loop | {loop_s:.1f} | {loop_peak / 2**20:.0f} | | |",
        f"| segment_drift | {seg_s:.1f} | {seg_peak / 2**20:.0f} | {seg_s / loop_s:.2f}x the loop "
        "| <= 0.3x |",
    ]
    publish(lines, args.write)


if __name__ == "__main__":
    main()
