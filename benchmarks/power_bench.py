"""Power and false alarms of the default drift rule at small windows, against the rules before it.

A power study as a user would set it up: 50 features (40 numeric: normal, lognormal and
Poisson; 10 categorical), a 5,000-row reference and 30 production windows of 200 rows. In a
shifted frame 12 features change by an effect size d: 5 mean shifts of d standard
deviations, 3 spread changes by a factor 1 + d, 2 right-tail changes (values above the
reference's 90th percentile move up by 2d standard deviations) and 2 categorical shifts (a
share d of rows moves to one category). Null frames change nothing.

Rules compared on the same frames (the statistics are computed once, then judged by each):
- ``ks_tails``: the default gate (KS and a chi-squared test on tail-refined bins, Bonferroni
  combination; effect metrics PSI, tail PSI, normed Wasserstein);
- ``ks``: the rule before it (KS alone; PSI and normed Wasserstein), still used by configs
  of schema version 1;
- plain KS / chi-squared p < 0.05, uncorrected, no effect gate;
- NannyML's defaults (Jensen-Shannon with thresholds from reference chunks of the window's
  size, mean +/- 3 standard deviations), when ``--nannyml PYTHON`` names the interpreter
  of a virtual environment where nannyml is installed (run there with
  ``NML_DISABLE_USAGE_LOGGING=1``, in the same run and on the same frames).

Usage: python benchmarks/power_bench.py [--null-repetitions 20] [--repetitions 10]
       [--nannyml /path/to/venv/bin/python] [--write docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import mlmon_widgets as mm

from _report import heading, publish

N_REFERENCE, N_WINDOWS, WINDOW = 5_000, 30, 200
#: Null frames are also run at the smallest windows a test runs on (min_rows).
SMALL = 50
CATEGORIES = list("abcde")
CATEGORY_P = np.array([0.4, 0.25, 0.15, 0.12, 0.08])
#: Kind of change of each shifted feature (the other 38 stay put).
SHIFTED = {
    **{f"normal_{i}": "mean" for i in range(2)},
    **{f"lognormal_{i}": "mean" for i in range(2)},
    "poisson_0": "mean",
    "normal_2": "spread",
    "lognormal_2": "spread",
    "poisson_1": "spread",
    "normal_3": "tail",
    "lognormal_3": "tail",
    "cat_0": "category",
    "cat_1": "category",
}
EFFECTS = (0.1, 0.25, 0.5)
ALERT = ("warning", "critical")


def _draw(name: str, rng: np.random.Generator, n: int) -> np.ndarray:
    kind = name.rsplit("_", 1)[0]
    if kind == "normal":
        return rng.normal(10.0, 2.0, n)
    if kind == "lognormal":
        return rng.lognormal(3.0, 0.5, n)
    if kind == "poisson":
        return rng.poisson(4.0, n).astype(float)
    return rng.choice(CATEGORIES, n, p=CATEGORY_P)


def _names() -> list[str]:
    numeric = [f"{k}_{i}" for k in ("normal", "lognormal", "poisson") for i in range(14)][:40]
    return numeric + [f"cat_{i}" for i in range(10)]


def _shift(values: np.ndarray, change: str, d: float, ref: np.ndarray, rng) -> np.ndarray:
    if change == "category":
        moved = rng.random(len(values)) < d
        return np.where(moved, CATEGORIES[-1], values)
    sd = float(np.std(ref))
    if change == "mean":
        return values + d * sd
    if change == "spread":
        centre = float(np.mean(ref))
        return centre + (values - centre) * (1.0 + d)
    top = np.quantile(ref, 0.9)
    return np.where(values > top, values + 2.0 * d * sd, values)


def frames(seed: int, d: float, window: int = WINDOW) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A reference and 30 windows of production, with the 12 features shifted by ``d``."""
    rng = np.random.default_rng(seed)
    names = _names()
    reference = pd.DataFrame({n: _draw(n, rng, N_REFERENCE) for n in names})
    n = N_WINDOWS * window
    production = {}
    for name in names:
        values = _draw(name, rng, n)
        if d > 0 and name in SHIFTED:
            values = _shift(values, SHIFTED[name], d, reference[name].to_numpy(), rng)
        production[name] = values
    return reference, pd.DataFrame(production)


def _alerts(judged: pd.DataFrame) -> pd.Series:
    return judged["severity"].astype(str).isin(ALERT)


def judge_all(reference: pd.DataFrame, production: pd.DataFrame, window: int) -> pd.DataFrame:
    """One row per feature x window: whether each rule alerts."""
    stats = mm.drift_over_time(reference, production, rows=window)
    out = stats[["window", "feature", "kind"]].copy()
    out["ks_tails"] = _alerts(mm.classify(stats, gate="ks_tails", explain=False))
    out["ks"] = _alerts(mm.classify(stats, gate="ks", explain=False))
    plain = np.where(stats["kind"] == "numeric", stats["p_ks"], stats["p_value"])
    out["plain"] = plain < 0.05
    return out


_NANNYML = r"""
import json, sys, warnings
import pandas as pd
import nannyml as nml
warnings.filterwarnings("ignore")
reference = pd.read_parquet(sys.argv[1])
production = pd.read_parquet(sys.argv[2])
features = list(reference.columns)
calc = nml.UnivariateDriftCalculator(column_names=features, chunk_size=int(sys.argv[3]))
calc.fit(reference)
result = calc.calculate(production).filter(period="analysis").to_df()
alerts = {}
for name in features:
    method = result[name]
    col = [c for c in method.columns.get_level_values(0).unique()][0]
    alerts[name] = [bool(a) for a in method[col]["alert"]]
print(json.dumps(alerts))
"""


def nannyml_alerts(
    python: str, reference: pd.DataFrame, production: pd.DataFrame, window: int
) -> pd.Series:
    """NannyML 0.13's defaults on the same frames, in its own environment."""
    with tempfile.TemporaryDirectory() as tmp:
        ref_path, prod_path = os.path.join(tmp, "ref.parquet"), os.path.join(tmp, "prod.parquet")
        reference.to_parquet(ref_path)
        production.to_parquet(prod_path)
        env = {**os.environ, "NML_DISABLE_USAGE_LOGGING": "1"}
        out = subprocess.run(
            [python, "-c", _NANNYML, ref_path, prod_path, str(window)],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
    alerts = json.loads(out.stdout.strip().splitlines()[-1])
    rows = [(w, f, a) for f, values in alerts.items() for w, a in enumerate(values)]
    frame = pd.DataFrame(rows, columns=["window", "feature", "nannyml"])
    return frame.set_index(["window", "feature"])["nannyml"]


def run(seed: int, d: float, nannyml: str | None, window: int = WINDOW) -> pd.DataFrame:
    reference, production = frames(seed, d, window)
    judged = judge_all(reference, production, window)
    if nannyml:
        nml = nannyml_alerts(nannyml, reference, production, window)
        judged = judged.join(nml, on=["window", "feature"])
    judged["d"] = d
    change = judged["feature"].map(SHIFTED) if d > 0 else pd.Series(index=judged.index)
    judged["change"] = change.astype(object).fillna("none")
    return judged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--null-repetitions", type=int, default=20)
    parser.add_argument("--repetitions", type=int, default=10)
    parser.add_argument("--nannyml", default=None, help="python of a venv with nannyml")
    parser.add_argument("--write", default=None, help="append the results to this markdown file")
    args = parser.parse_args()
    start = time.perf_counter()
    null = pd.concat([run(seed, 0.0, args.nannyml) for seed in range(args.null_repetitions)])
    small = pd.concat(
        [run(500 + seed, 0.0, args.nannyml, SMALL) for seed in range(args.null_repetitions)]
    )
    shifted = pd.concat(
        [
            run(1000 + 100 * k + seed, d, args.nannyml)
            for k, d in enumerate(EFFECTS)
            for seed in range(args.repetitions)
        ]
    )
    seconds = time.perf_counter() - start
    rules = ["ks_tails", "ks", "plain"] + (["nannyml"] if args.nannyml else [])
    names = {
        "ks_tails": "new default (ks_tails)",
        "ks": "previous default (ks)",
        "plain": "KS/chi2 p < 0.05",
        "nannyml": "NannyML 0.13 defaults",
    }
    lines = [
        *heading(
            "power_bench",
            "python benchmarks/power_bench.py "
            f"--null-repetitions {args.null_repetitions} --repetitions {args.repetitions}"
            + (" --nannyml VENV/bin/python" if args.nannyml else ""),
        ),
        f"- data: 50 features (40 numeric: normal, lognormal, Poisson; 10 categorical), "
        f"reference {N_REFERENCE:,} rows, {N_WINDOWS} windows of {WINDOW} rows; 12 shifted "
        "features (5 mean, 3 spread, 2 right tail, 2 categorical) at effect size d; "
        f"{args.null_repetitions} null frames per window size ({len(null):,} window-feature "
        f"tests each, at {WINDOW} and {SMALL} rows) and "
        f"{args.repetitions} shifted frames per d; time {seconds:.0f} s",
        "",
        "Null false-alarm rate (share of window-feature tests of null frames that alert; "
        "repetitions with any alert):",
        "",
        "| window rows | rule | false alarms | rate | repetitions with any alert |",
        "| ---: | --- | ---: | ---: | ---: |",
    ]
    for rows, part in ((WINDOW, null), (SMALL, small)):
        for rule in rules:
            per_rep = part.groupby(np.arange(len(part)) // (50 * N_WINDOWS))[rule].any()
            lines.append(
                f"| {rows} | {names[rule]} | {int(part[rule].sum())} of {len(part):,} | "
                f"{part[rule].mean():.2e} | {int(per_rep.sum())} of {len(per_rep)} |"
            )
    moved = shifted[shifted["change"] != "none"]
    lines += [
        "",
        "Power (share of shifted window-feature tests that alert), overall and by kind:",
        "",
        "| d | rule | all | mean | spread | tail | category |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for d in EFFECTS:
        part = moved[moved["d"] == d]
        for rule in rules:
            by = part.groupby("change")[rule].mean()
            cells = " | ".join(
                f"{100 * by.get(k, np.nan):.0f}%" for k in ("mean", "spread", "tail", "category")
            )
            lines.append(f"| {d:g} | {names[rule]} | {100 * part[rule].mean():.1f}% | {cells} |")
    unshifted = shifted[shifted["change"] == "none"]
    lines += [
        "",
        "Unshifted features of the shifted frames (false alarms beside a real change):",
        "",
        "| rule | false alarms | rate |",
        "| --- | ---: | ---: |",
    ]
    for rule in rules:
        lines.append(
            f"| {names[rule]} | {int(unshifted[rule].sum())} of {len(unshifted):,} | "
            f"{unshifted[rule].mean():.2e} |"
        )
    publish(lines, args.write)


if __name__ == "__main__":
    main()
