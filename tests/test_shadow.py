"""Shadow comparisons: paired tests pinned to statsmodels and R's pROC, and compare_models."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.proportion import proportion_confint

import mlmon_widgets as mm
from mlmon_widgets.engine import (
    COMPARISON_COLUMNS,
    DataWarning,
    delong,
    disagreements,
    mcnemar_pvalue,
    newcombe_interval,
    rows_in_region,
    score_histogram,
)

REFERENCE = Path(__file__).parent / "reference"


def paired_frame(
    n: int = 2000,
    seed: int = 0,
    live_noise: float = 1.5,
    shadow_noise: float = 1.0,
    days: int = 0,
) -> pd.DataFrame:
    """Labels, two models' probabilities (shared noise, so they correlate), a segment."""
    rng = np.random.default_rng(seed)
    y = rng.random(n) < 0.3
    signal = np.where(y, 1.0, -1.0)
    common = rng.normal(0, 1, n)
    live = 1 / (1 + np.exp(-(signal + live_noise * (0.6 * common + 0.8 * rng.normal(0, 1, n)))))
    shadow = 1 / (1 + np.exp(-(signal + shadow_noise * (0.6 * common + 0.8 * rng.normal(0, 1, n)))))
    frame = pd.DataFrame(
        {"y": y, "live": live, "shadow": shadow, "group": rng.choice(["a", "b"], n, p=[0.7, 0.3])}
    )
    if days:
        seconds = np.sort(rng.uniform(0, days * 86400, n))
        frame["t"] = pd.Timestamp("2024-01-01") + pd.to_timedelta(seconds, unit="s")
    return frame


def row(table: pd.DataFrame, metric: str, column: str = "", value: str = "") -> pd.Series:
    whole = table[table["window"].isna()]
    hit = whole[
        (whole["metric"] == metric)
        & (whole["segment_column"] == column)
        & (whole["segment_value"] == value)
    ]
    assert len(hit) == 1, (metric, column, value)
    return hit.iloc[0]


# --- the paired statistics --------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 40), st.integers(0, 40), st.integers(0, 30), st.integers(0, 30))
def test_mcnemar_equals_statsmodels_exact(
    both: int, live_only: int, shadow_only: int, neither: int
):
    table = [[both, live_only], [shadow_only, neither]]
    expected = mcnemar(table, exact=True).pvalue
    assert mcnemar_pvalue(live_only, shadow_only) == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_newcombe_equals_fagerland_lydersen_laake_reference():
    # contingencytables (Fagerland, Lydersen & Laake, "Statistical Analysis of Contingency
    # Tables", chapter 8), tests/testthat/test-ch8.R: n = [[59, 6], [16, 80]],
    # Newcombe square-and-add: estimate -0.0621 (95% CI -0.1186 to -0.0046).
    low, high = newcombe_interval(59, 6, 16, 80)
    assert (round(low, 4), round(high, 4)) == (-0.1186, -0.0046)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 60), st.integers(0, 30), st.integers(0, 30), st.integers(0, 60))
def test_newcombe_holds_the_estimate_and_stays_in_range(a: int, b: int, c: int, d: int):
    n = a + b + c + d
    if n == 0:
        assert all(math.isnan(v) for v in newcombe_interval(a, b, c, d))
        return
    low, high = newcombe_interval(a, b, c, d)
    estimate = (b - c) / n
    assert -1 <= low <= estimate + 1e-12 <= high + 2e-12 <= 1 + 3e-12
    wider = newcombe_interval(a, b, c, d, confidence=0.99)
    assert wider[0] <= low + 1e-12 and wider[1] >= high - 1e-12


def test_newcombe_reduces_to_wilson_when_one_side_is_certain():
    # Live right on every row: its Wilson interval [l2, 1] with p2 = 1, phi = 0; the
    # interval is p1 - p2 -/+ the Wilson distances of p1 alone.
    low, high = newcombe_interval(30, 0, 10, 0)
    wl, wh = proportion_confint(30, 40, alpha=0.05, method="wilson")
    _, u2 = proportion_confint(40, 40, alpha=0.05, method="wilson")
    assert low == pytest.approx(-0.25 - math.hypot(0.75 - wl, u2 - 1), abs=1e-12)
    assert high == pytest.approx(
        -0.25 + math.hypot(wh - 0.75, 1 - proportion_confint(40, 40, method="wilson")[0]), abs=1e-12
    )


def _data(seed: int, n: int, ties: bool):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.4).astype(int)
    live = np.clip(0.35 + 0.25 * y + rng.normal(0, 0.2, n), 0, 1)
    shadow = np.clip(0.3 + 0.35 * y + rng.normal(0, 0.2, n), 0, 1)
    if ties:
        live, shadow = np.round(live, 2), np.round(shadow, 2)
    return y, live, shadow


PROC = json.loads((REFERENCE / "proc_delong.json").read_text())


@pytest.mark.parametrize("case", PROC["cases"], ids=lambda c: f"n{c['n']}")
def test_delong_equals_recorded_proc(case):
    y, live, shadow = _data(case["seed"], case["n"], case["ties"])
    auc_l, auc_s, se = delong(y, live, shadow)
    want = case["pROC"]
    z = sps.norm.ppf(0.975)
    assert auc_l == pytest.approx(want["auc_live"], rel=1e-12)
    assert auc_s == pytest.approx(want["auc_shadow"], rel=1e-12)
    assert (auc_s - auc_l) / se == pytest.approx(want["z"], rel=1e-10)
    assert 2 * sps.norm.sf(abs(auc_s - auc_l) / se) == pytest.approx(want["p_value"], rel=1e-9)
    assert auc_s - auc_l - z * se == pytest.approx(want["ci_low"], rel=1e-9, abs=1e-13)
    assert auc_s - auc_l + z * se == pytest.approx(want["ci_high"], rel=1e-9)


@pytest.mark.skipif(shutil.which("Rscript") is None, reason="R is not installed here")
def test_delong_equals_proc_run_now(tmp_path):
    """Where R and pROC are installed, run them (and check the recorded values are theirs)."""
    probe = subprocess.run(["Rscript", "-e", "library(pROC)"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip("R's pROC package is not installed (Debian: r-cran-proc)")
    for case in PROC["cases"]:
        y, live, shadow = _data(case["seed"], case["n"], case["ties"])
        path = tmp_path / f"case{case['seed']}.csv"
        pd.DataFrame({"y": y, "live": live, "shadow": shadow}).to_csv(
            path, index=False, float_format="%.17g"
        )
        out = subprocess.run(
            ["Rscript", str(REFERENCE / "proc_delong.R"), str(path)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        now = dict(zip(case["pROC"], map(float, out), strict=True))
        for key, value in case["pROC"].items():
            assert now[key] == pytest.approx(value, rel=1e-12, abs=1e-15), key
        auc_l, auc_s, se = delong(y, live, shadow)
        assert (auc_s - auc_l) / se == pytest.approx(now["z"], rel=1e-10)


def test_delong_variance_by_hand_on_a_small_dataset():
    """Placement values and the variance of the difference from their definition (a double loop)."""
    y = np.array([1, 0, 1, 1, 0, 0, 1, 0])
    live = np.array([0.9, 0.3, 0.6, 0.4, 0.4, 0.1, 0.8, 0.7])
    shadow = np.array([0.7, 0.2, 0.9, 0.5, 0.3, 0.4, 0.6, 0.1])

    def psi(a: float, b: float) -> float:
        return 1.0 if a > b else 0.5 if a == b else 0.0

    pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    comps = []
    for p in (live, shadow):
        v10 = np.array([np.mean([psi(p[i], p[j]) for j in neg]) for i in pos])
        v01 = np.array([np.mean([psi(p[i], p[j]) for i in pos]) for j in neg])
        comps.append((v10.mean(), v10, v01))
    s10 = np.cov(np.vstack([comps[0][1], comps[1][1]]))
    s01 = np.cov(np.vstack([comps[0][2], comps[1][2]]))
    var = (s10[0, 0] + s10[1, 1] - 2 * s10[0, 1]) / len(pos) + (
        s01[0, 0] + s01[1, 1] - 2 * s01[0, 1]
    ) / len(neg)
    auc_l, auc_s, se = delong(y, live, shadow)
    assert (auc_l, auc_s) == pytest.approx((comps[0][0], comps[1][0]), abs=1e-15)
    assert se**2 == pytest.approx(var, rel=1e-12)


# --- compare_models ---------------------------------------------------------------------------


def test_columns_and_metrics_of_a_comparison():
    frame = paired_frame()
    table = mm.compare_models(frame, live="live", shadow="shadow", label="y")
    assert list(table.columns) == list(COMPARISON_COLUMNS)
    assert table["metric"].tolist() == [
        "accuracy",
        "roc_auc",
        "log_loss",
        "brier",
        "calibration_error",
        "agreement",
        "positive_rate",
        "mean_score",
        "score_ks",
    ]
    assert (table["status"] == "ok").all()
    assert (table["segment_column"] == "").all() and table["window"].isna().all()


def test_accuracy_is_mcnemar_and_newcombe_on_the_rows():
    frame = paired_frame(n=800, seed=3)
    frame["y"] = frame["y"].astype("boolean")
    frame.loc[frame.index[::7], "y"] = pd.NA  # unlabelled rows count for agreement only
    table = mm.compare_models(
        frame,
        live="live",
        shadow="shadow",
        label="y",
        threshold={"live": 0.4, "shadow": 0.6},
        min_coverage=0.5,
    )
    acc = row(table, "accuracy")
    labelled = frame["y"].notna().to_numpy()
    y = frame["y"].to_numpy(dtype=float, na_value=np.nan)[labelled] == 1
    right_l = (frame["live"].to_numpy()[labelled] >= 0.4) == y
    right_s = (frame["shadow"].to_numpy()[labelled] >= 0.6) == y
    b, c = int(np.sum(right_l & ~right_s)), int(np.sum(right_s & ~right_l))
    table2 = [[int(np.sum(right_l & right_s)), b], [c, int(np.sum(~right_l & ~right_s))]]
    assert (acc["live_only"], acc["shadow_only"]) == (b, c)
    assert acc["p_value"] == pytest.approx(mcnemar(table2, exact=True).pvalue, rel=1e-12)
    assert (acc["ci_low"], acc["ci_high"]) == pytest.approx(
        newcombe_interval(table2[0][0], c, b, table2[1][1]), rel=1e-12
    )
    assert acc["n_labelled"] == labelled.sum() and acc["n"] == len(frame)
    agreement = row(table, "agreement")
    same = (frame["live"] >= 0.4) == (frame["shadow"] >= 0.6)
    assert agreement["difference"] == pytest.approx(same.mean()) and agreement["n"] == len(frame)


def test_bootstrap_metrics_use_the_exact_variance_of_a_mean():
    frame = paired_frame(n=1500, seed=4)
    table = mm.compare_models(frame, live="live", shadow="shadow", label="y")
    y = frame["y"].to_numpy(dtype=float)
    for metric, loss in (
        ("brier", lambda p: (p - y) ** 2),
        ("log_loss", lambda p: -(y * np.log(p) + (1 - y) * np.log(1 - p))),
    ):
        d = loss(frame["shadow"].to_numpy()) - loss(frame["live"].to_numpy())
        got = row(table, metric)
        assert got["difference"] == pytest.approx(d.mean(), rel=1e-12)
        assert got["std_error"] == pytest.approx(np.std(d) / np.sqrt(len(d)), rel=1e-12)
        z = sps.norm.ppf(0.975)
        assert got["ci_low"] == pytest.approx(d.mean() - z * got["std_error"], rel=1e-12)


def test_calibration_error_bootstrap_agrees_with_a_plain_resampling_loop():
    frame = paired_frame(n=1200, seed=5)
    table = mm.compare_models(frame, live="live", shadow="shadow", label="y", n_bootstrap=400)
    y = frame["y"].to_numpy(dtype=float)
    p_l, p_s = frame["live"].to_numpy(), frame["shadow"].to_numpy()

    def ece(p, y):
        bins = np.minimum((p * 10).astype(int), 9)
        return np.abs(np.bincount(bins, p - y, 10)).sum() / len(p)

    rng = np.random.default_rng(1)
    reps = []
    for _ in range(400):
        i = rng.integers(0, len(y), len(y))
        reps.append(ece(p_s[i], y[i]) - ece(p_l[i], y[i]))
    got = row(table, "calibration_error")
    assert got["difference"] == pytest.approx(ece(p_s, y) - ece(p_l, y), rel=1e-12)
    # Two Monte-Carlo estimates of one standard error (400 replicates each: ~5% noise).
    assert got["std_error"] == pytest.approx(np.std(reps, ddof=1), rel=0.2)


def test_windows_and_segments_equal_the_comparison_of_their_rows():
    frame = paired_frame(n=3000, seed=6, days=6)
    table = mm.compare_models(
        frame,
        live="live",
        shadow="shadow",
        label="y",
        time="t",
        window="2D",
        by="group",
        n_bootstrap=0,
    )
    assert set(table["window"].dropna()) == {0, 1, 2}
    days = (frame["t"] - frame["t"].min().floor("D")).dt.days // 2
    for w in range(3):
        part = frame[(days == w).to_numpy() & (frame["group"] == "b").to_numpy()]
        alone = mm.compare_models(part, live="live", shadow="shadow", label="y", n_bootstrap=0)
        cell = table[(table["window"] == w) & (table["segment_value"] == "b")].set_index("metric")
        for metric in ("accuracy", "roc_auc", "log_loss", "positive_rate", "mean_score"):
            mine = alone.set_index("metric").loc[metric]
            for column in (
                "n",
                "live",
                "shadow",
                "difference",
                "std_error",
                "p_value",
                "ci_low",
                "ci_high",
            ):
                assert cell.loc[metric, column] == pytest.approx(
                    mine[column], rel=1e-12, nan_ok=True
                ), (w, metric, column)
    starts = table.loc[table["window"] == 1, "window_start"].unique()
    assert len(starts) == 1 and starts[0] == frame["t"].min().floor("D") + pd.Timedelta(days=2)


def test_p_adjusted_corrects_over_every_test_of_the_call():
    frame = paired_frame(n=1200, seed=7)
    table = mm.compare_models(frame, live="live", shadow="shadow", label="y", by="group")
    p = table["p_value"].to_numpy(dtype=float)
    tested = np.isfinite(p)
    expected = mm.adjust_pvalues(p, method="fdr_bh", alpha=0.05)
    assert np.allclose(table["p_adjusted"].to_numpy(dtype=float)[tested], expected[tested])
    bonferroni = mm.compare_models(
        frame, live="live", shadow="shadow", label="y", by="group", correction="bonferroni"
    )
    assert np.allclose(bonferroni["p_adjusted"][tested], np.minimum(p[tested] * tested.sum(), 1))


def test_delayed_labels_make_labelled_metrics_pending():
    frame = paired_frame(n=2000, seed=8, days=4)
    late = (frame["t"] >= frame["t"].min().floor("D") + pd.Timedelta(days=3)).to_numpy()
    keep = np.random.default_rng(0).random(len(frame)) < 0.5
    frame["y"] = pd.array(np.where(late & ~keep, None, frame["y"]), dtype="boolean")
    table = mm.compare_models(frame, live="live", shadow="shadow", label="y", time="t", window="1D")
    last = table[table["window"] == 3].set_index("metric")
    assert (last.loc[["accuracy", "roc_auc", "log_loss"], "status"] == "pending").all()
    assert (
        last.loc["accuracy", "live"] != last.loc["accuracy", "live"]
    )  # NaN, not a number of the early labels
    assert (last.loc[["agreement", "mean_score"], "status"] == "ok").all()
    assert (table[table["window"] == 0]["status"] == "ok").all()


def test_observed_column_warns_that_the_comparison_favours_the_live_model():
    frame = paired_frame(n=1000, seed=9)
    frame["approved"] = frame["live"] < 0.6
    frame["y"] = pd.array(np.where(frame["approved"], frame["y"], None), dtype="boolean")
    with pytest.warns(DataWarning, match="favours the live model"):
        table = mm.compare_models(
            frame, live="live", shadow="shadow", label="y", observed="approved"
        )
    acc = row(table, "accuracy")
    assert acc["status"] == "ok"  # coverage is counted over the observable rows
    assert acc["coverage"] == pytest.approx(1.0) and "favours the live model" in acc["note"]


def test_latency_percentiles_and_their_paired_bootstrap():
    rng = np.random.default_rng(10)
    n = 3000
    z = rng.normal(0, 1, n)
    frame = paired_frame(n=n, seed=10)
    frame["lat"] = np.exp(np.log(45) + 0.35 * z)
    frame["slat"] = np.exp(np.log(45) + 0.35 * (0.8 * z + 0.6 * rng.normal(0, 1, n))) + 5
    table = mm.compare_models(
        frame, live="live", shadow="shadow", latency={"live": "lat", "shadow": "slat"}
    )
    for metric, q in (("latency_p50", 0.5), ("latency_p95", 0.95), ("latency_p99", 0.99)):
        got = row(table, metric)
        assert got["live"] == pytest.approx(np.quantile(frame["lat"], q))
        assert got["shadow"] == pytest.approx(np.quantile(frame["slat"], q))
        assert got["std_error"] > 0 and got["ci_low"] < got["difference"] < got["ci_high"]
    assert not table["metric"].str.startswith("memory").any()


def test_bootstrap_intervals_cover_the_true_difference_at_their_nominal_rate():
    """Brier (closed-form bootstrap) and latency p95 (Poisson replicates), 300 seeded runs."""
    covered = {"brier": 0, "latency_p95": 0}
    runs = 300
    for seed in range(runs):
        rng = np.random.default_rng(seed)
        n = 600
        q = rng.uniform(0.2, 0.8, n)
        y = rng.random(n) < q
        live = q + rng.uniform(-0.1, 0.1, n)
        shadow = q + rng.uniform(-0.15, 0.15, n)
        z = rng.normal(0, 1, n)
        frame = pd.DataFrame(
            {
                "y": y,
                "live": live,
                "shadow": shadow,
                "lat": np.exp(np.log(45) + 0.35 * z),
                "slat": np.exp(np.log(45) + 0.35 * (0.8 * z + 0.6 * rng.normal(0, 1, n))) + 5,
            }
        )
        table = mm.compare_models(
            frame,
            live="live",
            shadow="shadow",
            label="y",
            latency=("lat", "slat"),
            n_bootstrap=200,
            seed=seed,
        )
        truth = {"brier": (0.3**2 - 0.2**2) / 12, "latency_p95": 5.0}
        for metric, value in truth.items():
            got = row(table, metric)
            covered[metric] += got["ci_low"] <= value <= got["ci_high"]
    for metric, count in covered.items():
        # 95% intervals: binomial(300, 0.95) lies in [272, 298] with probability > 0.999.
        assert 272 <= count <= 298, (metric, count)


def test_equal_models_reject_at_about_the_nominal_rate():
    """Exchangeable paired models: a 1% test rejects about 1% of 1,000 seeded runs."""
    rejected = {"accuracy": 0, "roc_auc": 0, "log_loss": 0}
    runs = 1000
    for seed in range(runs):
        rng = np.random.default_rng(seed)
        n = 300
        y = rng.random(n) < 0.4
        signal = np.where(y, 0.8, -0.8)
        common = rng.normal(0, 1, n)
        live = 1 / (1 + np.exp(-(signal + 0.7 * common + 0.7 * rng.normal(0, 1, n))))
        shadow = 1 / (1 + np.exp(-(signal + 0.7 * common + 0.7 * rng.normal(0, 1, n))))
        frame = pd.DataFrame({"y": y, "live": live, "shadow": shadow})
        table = mm.compare_models(
            frame, live="live", shadow="shadow", label="y", n_bootstrap=0
        ).set_index("metric")
        for metric in rejected:
            rejected[metric] += table.loc[metric, "p_value"] < 0.01
    for metric, count in rejected.items():
        # At most about 1%: binomial(1000, 0.01) exceeds 20 with probability < 0.001.
        assert count <= 20, (metric, count)


def test_decisions_only_and_regression():
    frame = paired_frame(n=600, seed=11)
    decisions = frame.assign(live=frame["live"] >= 0.5, shadow=frame["shadow"] >= 0.5)
    table = mm.compare_models(decisions, live="live", shadow="shadow", label="y")
    assert table["metric"].tolist() == ["accuracy", "agreement", "positive_rate"]
    rng = np.random.default_rng(0)
    target = rng.normal(0, 1, 600)
    reg = pd.DataFrame(
        {"y": target, "a": target + rng.normal(0, 0.5, 600), "b": target + rng.normal(0, 0.4, 600)}
    )
    table = mm.compare_models(reg, live="a", shadow="b", label="y", task="regression")
    assert table["metric"].tolist() == ["mae", "rmse", "mean_score", "score_ks"]
    rmse = row(table, "rmse")
    e_a, e_b = reg["a"] - reg["y"], reg["b"] - reg["y"]
    assert rmse["live"] == pytest.approx(np.sqrt(np.mean(e_a**2)))
    # Delta method: the SE of RMSE_b - RMSE_a from the per-row influence values.
    r_a, r_b = np.sqrt(np.mean(e_a**2)), np.sqrt(np.mean(e_b**2))
    influence = (e_b**2 - r_b**2) / (2 * r_b) - (e_a**2 - r_a**2) / (2 * r_a)
    assert rmse["std_error"] == pytest.approx(np.std(influence) / np.sqrt(600), rel=1e-10)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"live": "live", "shadow": "live"}, ValueError, "same column"),
        ({"live": "nope", "shadow": "shadow"}, ValueError, "live column 'nope'"),
        ({"live": "live", "shadow": "shadow", "latency": "lat"}, TypeError, "one column per model"),
        (
            {"live": "live", "shadow": "shadow", "latency": {"live": "lat"}},
            ValueError,
            "one column per model",
        ),
        ({"live": "live", "shadow": "shadow", "label": "group"}, TypeError, "label column 'group'"),
        ({"live": "live", "shadow": "shadow", "threshold": 1.5}, ValueError, "threshold"),
        (
            {"live": "live", "shadow": "shadow", "confidence_level": 1.0},
            ValueError,
            "confidence_level",
        ),
        ({"live": "live", "shadow": "shadow", "window": "1D"}, ValueError, "window= needs time="),
        (
            {"live": "live", "shadow": "shadow", "by": "missing"},
            ValueError,
            "segment column 'missing'",
        ),
        (
            {"live": "live", "shadow": "shadow", "observed": "group"},
            TypeError,
            "observed column 'group'",
        ),
    ],
)
def test_bad_input_names_the_argument(kwargs, error, match):
    frame = paired_frame(n=200)
    with pytest.raises(error, match=match):
        mm.compare_models(frame, **kwargs)


def test_scores_outside_zero_one_are_refused():
    frame = paired_frame(n=200).assign(shadow=lambda f: f["shadow"] * 3)
    with pytest.raises(ValueError, match="score column 'shadow' has values outside"):
        mm.compare_models(frame, live="live", shadow="shadow", label="y")


def test_too_few_rows_is_insufficient_data_not_a_number():
    frame = paired_frame(n=30)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = mm.compare_models(frame, live="live", shadow="shadow", label="y")
    assert (table["status"] == "insufficient_data").all()
    assert table["difference"].isna().all()
    assert "30 labelled row(s)" in table.loc[0, "note"]


def test_memory_percentiles_per_model():
    frame = paired_frame(n=600, seed=13)
    rng = np.random.default_rng(13)
    frame["mem"] = rng.normal(300, 20, 600)
    frame["smem"] = frame["mem"] + 40
    table = mm.compare_models(
        frame, live="live", shadow="shadow", memory={"live": "mem", "shadow": "smem"}
    )
    got = row(table, "memory_p95")
    assert got["difference"] == pytest.approx(40.0)
    assert got["live"] == pytest.approx(np.quantile(frame["mem"], 0.95))
    assert got["std_error"] == pytest.approx(0.0, abs=1e-9)  # a constant paired increase
    gate = {
        "metrics": {"mean_score": {"margin": 1.0}},
        "memory": {"p95_increase_mb": 20},
        "cycle": None,
        "min_rows": 100,
    }
    verdict = mm.promotion_verdict(table, gate)
    assert verdict.decision == "reject" and "memory_p95 overall" in verdict.reasons[0]


def test_disagreements_histogram_and_region():
    frame = paired_frame(n=500, seed=12)
    worst = disagreements(frame, live="live", shadow="shadow", n=5)
    assert len(worst) == 5
    assert ((worst["live"] >= 0.5) != (worst["shadow"] >= 0.5)).all()
    gaps = worst["score_difference"].abs().to_numpy()
    assert (np.diff(gaps) <= 0).all() and gaps[0] == pytest.approx(
        (frame["shadow"] - frame["live"])[(frame["live"] >= 0.5) != (frame["shadow"] >= 0.5)]
        .abs()
        .max()
    )
    hist = score_histogram(frame, live="live", shadow="shadow", bins=10)
    assert hist.counts.sum() == 500 and hist.counts.shape == (10, 10)
    expected, _, _ = np.histogram2d(
        frame["live"], frame["shadow"], bins=[np.linspace(0, 1, 11)] * 2
    )
    assert np.array_equal(hist.counts, expected)
    region = rows_in_region(
        frame, live="live", shadow="shadow", live_range=(0.5, 1), shadow_range=(0, 0.5)
    )
    assert ((region["live"] >= 0.5) & (region["shadow"] <= 0.5)).all()
    assert len(region) == int(((frame["live"] >= 0.5) & (frame["shadow"] <= 0.5)).sum())
