"""Performance on windows with delayed labels: pinned to textbook formulas and statsmodels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.weightstats import DescrStatsW

from mlmon_widgets.engine import join_labels, performance_over_time


@pytest.fixture
def scored(rng) -> pd.DataFrame:
    n = 3000
    y = rng.random(n) < 0.3
    score = np.clip(0.25 + 0.35 * y + rng.normal(0, 0.2, n), 0.001, 0.999)
    ts = pd.date_range("2024-01-01", periods=n, freq="h")
    return pd.DataFrame(
        {"id": np.arange(n), "ts": ts, "score": score, "y": y, "latency": rng.lognormal(3, 0.5, n)}
    )


def metric(table, name, window=0):
    row = table[(table["metric"] == name) & (table["window"] == window)]
    return row.iloc[0]


def test_classification_metrics_match_formulas(scored):
    table = performance_over_time(scored, label="y", score="score", rows=1000, n_bootstrap=0)
    part = scored.iloc[:1000]
    y, p = part["y"].to_numpy(), part["score"].to_numpy()
    pred = p >= 0.5
    tp, fp, fn = (pred & y).sum(), (pred & ~y).sum(), (~pred & y).sum()
    assert metric(table, "accuracy")["value"] == pytest.approx((pred == y).mean())
    assert metric(table, "precision")["value"] == pytest.approx(tp / (tp + fp))
    assert metric(table, "recall")["value"] == pytest.approx(tp / (tp + fn))
    f1 = 2 * tp / (2 * tp + fp + fn)
    assert metric(table, "f1")["value"] == pytest.approx(f1)
    u = stats.mannwhitneyu(p[y], p[~y]).statistic
    assert metric(table, "roc_auc")["value"] == pytest.approx(u / (y.sum() * (~y).sum()))
    logloss = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert metric(table, "log_loss")["value"] == pytest.approx(logloss)
    low, high = proportion_confint((pred == y).sum(), 1000, alpha=0.05, method="wilson")
    assert (
        metric(table, "accuracy")["ci_low"],
        metric(table, "accuracy")["ci_high"],
    ) == pytest.approx((low, high))
    assert metric(table, "positive_rate")["value"] == pytest.approx(pred.mean())
    assert metric(table, "confidence")["value"] == pytest.approx(np.maximum(p, 1 - p).mean())
    assert metric(table, "rows")["value"] == 1000


def test_calibration_error_by_hand():
    frame = pd.DataFrame({"score": [0.05, 0.05, 0.95, 0.95] * 20, "y": [0, 0, 1, 0] * 20})
    table = performance_over_time(
        frame, label="y", score="score", rows=80, min_rows=10, n_bootstrap=0
    )
    # bin 0: mean score 0.05, positives 0 -> 0.05; bin 9: 0.95 vs 0.5 -> 0.45; weights 1/2 each
    assert metric(table, "calibration_error")["value"] == pytest.approx(0.5 * 0.05 + 0.5 * 0.45)


def test_auc_bootstrap_interval_contains_the_estimate(scored):
    table = performance_over_time(scored, label="y", score="score", rows=1000, n_bootstrap=200)
    auc = metric(table, "roc_auc")
    assert auc["ci_low"] < auc["value"] < auc["ci_high"]


def test_pending_windows_are_never_scored(scored):
    late = scored.copy()
    late["y"] = late["y"].astype("boolean")
    late.loc[late.index >= 2500, "y"] = pd.NA  # the last 500 rows: labels not arrived
    late.loc[(late.index >= 2000) & (late.index < 2500) & (late["score"] > 0.5), "y"] = pd.NA
    table = performance_over_time(late, label="y", score="score", rows=500, n_bootstrap=0)
    accuracy = table[table["metric"] == "accuracy"].set_index("window")
    assert list(accuracy["status"]) == ["ok", "ok", "ok", "ok", "pending", "pending"]
    assert accuracy.loc[4:, "value"].isna().all()
    assert accuracy.loc[4, "coverage"] < 0.8 and "pending" in accuracy.loc[4, "note"]
    # prediction metrics need no labels and are there for every window
    positive = table[table["metric"] == "positive_rate"]
    assert positive["value"].notna().all() and (positive["status"] == "ok").all()


def test_means_of_rows_have_student_t_intervals_equal_to_statsmodels(scored, rng):
    table = performance_over_time(scored, label="y", score="score", rows=1000, n_bootstrap=0)
    part = scored.iloc[1000:2000]
    y, p = part["y"].to_numpy(), part["score"].to_numpy()
    per_row = {
        "log_loss": -(y * np.log(p) + (1 - y) * np.log(1 - p)),
        "mean_score": p,
        "confidence": np.maximum(p, 1 - p),
    }
    for name, values in per_row.items():
        row = metric(table, name, window=1)
        assert (row["ci_low"], row["ci_high"]) == pytest.approx(
            DescrStatsW(values).tconfint_mean(alpha=0.05), rel=1e-12
        ), name
        assert row["ci_low"] < row["value"] < row["ci_high"]
    assert np.isnan(metric(table, "f1")["ci_low"])  # no interval claimed where none is computed
    n = 400
    truth = rng.normal(10, 2, n)
    frame = pd.DataFrame({"y": truth, "yhat": truth + rng.normal(0.5, 1, n)})
    reg = performance_over_time(frame, label="y", score="yhat", task="regression", rows=n)
    err = (frame["yhat"] - frame["y"]).to_numpy()
    for name, values in (("mae", np.abs(err)), ("bias", err)):
        row = metric(reg, name)
        assert (row["ci_low"], row["ci_high"]) == pytest.approx(
            DescrStatsW(values).tconfint_mean(alpha=0.05), rel=1e-12
        ), name
    low, high = DescrStatsW(err**2).tconfint_mean(alpha=0.05)
    row = metric(reg, "rmse")
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((np.sqrt(low), np.sqrt(high)))


def test_regression_and_latency(rng):
    n = 600
    y = rng.normal(10, 2, n)
    frame = pd.DataFrame({"y": y, "yhat": y + rng.normal(0.5, 1, n), "ms": rng.exponential(30, n)})
    table = performance_over_time(
        frame, label="y", score="yhat", task="regression", rows=600, latency="ms"
    )
    err = frame["yhat"] - frame["y"]
    assert metric(table, "mae")["value"] == pytest.approx(err.abs().mean())
    assert metric(table, "rmse")["value"] == pytest.approx(np.sqrt((err**2).mean()))
    assert metric(table, "bias")["value"] == pytest.approx(err.mean())
    assert metric(table, "latency_p95")["value"] == pytest.approx(np.percentile(frame["ms"], 95))


def test_join_labels_as_of(scored):
    preds = scored[["id", "ts", "score"]]
    labels = scored[["id", "y"]].assign(arrives=scored["ts"] + pd.Timedelta("30D")).iloc[::2]
    joined = join_labels(
        preds, labels, on="id", label="y", label_time="arrives", as_of="2024-03-01"
    )
    assert len(joined) == len(preds) and list(joined["id"]) == list(preds["id"])
    arrived = labels["arrives"] <= "2024-03-01"
    assert joined["labelled"].sum() == arrived.sum()
    assert joined.loc[joined["labelled"], "y"].tolist() == labels.loc[arrived, "y"].tolist()


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (
            lambda f: join_labels(
                f.drop(columns="y"), f.assign(id=0)[["id", "y"]], on="id", label="y"
            ),
            "duplicate id",
        ),
        (lambda f: join_labels(f, f[["id", "y"]], on="id", label="y"), "already has a column 'y'"),
        (lambda f: join_labels(f, f[["id"]], on="id", label="y"), "labels has no column 'y'"),
        (
            lambda f: performance_over_time(f, label="nope", score="score", rows=10),
            "label column 'nope'",
        ),
        (lambda f: performance_over_time(f, label="y", rows=10), "give score="),
        (
            lambda f: performance_over_time(f, label="y", score="score", rows=10, task="ranking"),
            "task must be one of",
        ),
    ],
)
def test_bad_input(scored, call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call(scored)


def test_missing_predictions_are_left_out_and_counted(rng):
    y = rng.random(200) < 0.3
    s = rng.random(200)
    s[:10] = np.nan
    table = performance_over_time(
        pd.DataFrame({"y": y, "s": s}), label="y", score="s", rows=200, n_bootstrap=0
    )
    expected = ((s[10:] >= 0.5) == y[10:]).mean()
    assert metric(table, "accuracy")["value"] == pytest.approx(expected)
    assert metric(table, "missing_prediction")["value"] == pytest.approx(0.05)
    assert "10 row(s) without a prediction left out" in metric(table, "accuracy")["note"]
    assert np.isfinite(metric(table, "roc_auc")["value"])
    empty = performance_over_time(
        pd.DataFrame({"y": y, "s": np.nan}), label="y", score="s", rows=200
    )
    assert metric(empty, "accuracy")["status"] == "insufficient_data"


def test_boolean_predictions_with_missing_values(rng):
    y = rng.random(300) < 0.5
    pred = pd.array(rng.random(300) < 0.5, dtype="boolean")
    pred[:5] = pd.NA
    table = performance_over_time(
        pd.DataFrame({"y": y, "p": pred}), label="y", prediction="p", rows=300
    )
    ok = ~pd.isna(pred)
    expected = (np.asarray(pred[ok], dtype=bool) == y[np.asarray(ok)]).mean()
    assert metric(table, "accuracy")["value"] == pytest.approx(expected)


def test_regression_needs_a_score(rng):
    with pytest.raises(ValueError, match="regression needs score="):
        performance_over_time(
            pd.DataFrame({"y": [1.0], "p": [1.0]}),
            label="y",
            prediction="p",
            task="regression",
            rows=1,
        )


def test_bootstrap_aucs_equal_ranking_each_resample():
    from mlmon_widgets.engine._performance.metrics import _auc, _bootstrap_aucs  # white-box

    rng = np.random.default_rng(11)
    for n, ties in ((300, False), (257, True), (40, True)):
        y = (rng.random(n) < 0.3).astype(float)
        p = rng.random(n)
        if ties:
            p = np.round(p, 1)  # many tied scores
        idx = rng.integers(0, n, size=(60, n))
        expected = np.array([_auc(y[i], p[i]) for i in idx])
        np.testing.assert_allclose(_bootstrap_aucs(y, p, idx), expected, rtol=1e-12, atol=1e-15)
    one_class = _bootstrap_aucs(np.zeros(5), np.arange(5.0), np.zeros((2, 5), dtype=int))
    assert np.isnan(one_class).all()


def test_decisions_come_from_the_prediction_column_and_scores_from_score(scored):
    frame = scored.assign(decision=scored["score"] >= 0.35)  # a threshold the model chose
    table = performance_over_time(
        frame, label="y", score="score", prediction="decision", rows=1000, n_bootstrap=0
    )
    part = frame.iloc[:1000]
    y, decision = part["y"].to_numpy(), part["decision"].to_numpy()
    assert metric(table, "accuracy")["value"] == pytest.approx((decision == y).mean())
    assert metric(table, "positive_rate")["value"] == pytest.approx(decision.mean())
    auc = performance_over_time(part, label="y", score="score", rows=1000, n_bootstrap=0)
    assert metric(table, "roc_auc")["value"] == pytest.approx(metric(auc, "roc_auc")["value"])


def test_label_free_metrics_need_min_rows_rows_but_outages_still_show(scored):
    frame = scored.iloc[:1010].copy()
    frame.loc[1000:, "score"] = np.nan  # the last 10 rows: no prediction at all
    table = performance_over_time(
        frame, label="y", score="score", rows=1000, latency="latency", min_rows=50, n_bootstrap=0
    )
    small = table[table["window"] == 1].set_index("metric")
    assert small.loc["latency_p95", "status"] == "insufficient_data"
    assert small.loc["latency_p95", "note"] == "10 latency value(s), fewer than min_rows=50"
    assert small.loc["positive_rate", "status"] == "insufficient_data"
    assert (
        "0 row(s) with a prediction, fewer than min_rows=50" in small.loc["positive_rate", "note"]
    )
    assert small.loc["rows", "status"] == "ok" and small.loc["rows", "value"] == 10
    assert small.loc["missing_prediction", "status"] == "insufficient_data"  # 10 rows < 50
    full = table[table["window"] == 0].set_index("metric")
    assert (full.loc[["latency_p95", "positive_rate", "rows"], "status"] == "ok").all()
    outage = scored.iloc[:200].assign(score=np.nan)
    out = performance_over_time(outage, label="y", score="score", rows=200, n_bootstrap=0)
    missing = out.set_index("metric").loc["missing_prediction"]
    assert missing["status"] == "ok" and missing["value"] == 1.0


def test_min_coverage_above_one_is_refused(scored):
    with pytest.raises(
        ValueError, match=r"min_coverage must be a finite number in \[0, 1\]; got 1\.5"
    ):
        performance_over_time(scored, label="y", score="score", rows=1000, min_coverage=1.5)
    table = performance_over_time(
        scored, label="y", score="score", rows=1000, min_coverage=1, n_bootstrap=0
    )
    assert (metric(table, "accuracy")["status"]) == "ok"


def test_values_that_would_give_wrong_metrics_are_refused_by_column(scored):
    with pytest.raises(ValueError, match=r"label column 'y' must hold 0/1 or booleans.*\[-1\]"):
        performance_over_time(
            scored.assign(y=np.where(scored.y, 1, -1)), label="y", score="score", rows=1000
        )
    with pytest.raises(ValueError, match=r"score column 'score' has values outside \[0, 1\]"):
        performance_over_time(
            scored.assign(score=scored.score * 4 - 2), label="y", score="score", rows=1000
        )
    with pytest.raises(TypeError, match="latency column 'latency' must hold numbers"):
        performance_over_time(
            scored.assign(latency="fast"), label="y", score="score", rows=1000, latency="latency"
        )
    with pytest.raises(TypeError, match="label column 'y' must hold numbers or booleans"):
        performance_over_time(
            scored.assign(y=scored.y.map({True: "yes", False: "no"})),
            label="y",
            score="score",
            rows=1000,
        )
    # Regression labels are any numbers; an object column of booleans with gaps is fine.
    blanks = scored.assign(y=pd.Series(scored.y, dtype=object).where(scored.index % 7 > 0))
    performance_over_time(blanks, label="y", score="score", rows=1000, n_bootstrap=0)


def test_latency_durations_are_read_in_milliseconds(scored):
    as_numbers = performance_over_time(
        scored, label="y", score="score", rows=1000, latency="latency", n_bootstrap=0
    )
    for unit in ("ms", "us", "s"):
        durations = scored.assign(
            latency=pd.to_timedelta(scored.latency, unit="ms").astype(f"timedelta64[{unit}]")
        )
        table = performance_over_time(
            durations, label="y", score="score", rows=1000, latency="latency", n_bootstrap=0
        )
        p95 = metric(table, "latency_p95")["value"]
        expected = metric(as_numbers, "latency_p95")["value"]
        tolerance = {"ms": 1.0, "us": 1e-3, "s": 1000.0}[unit]  # the unit's own resolution
        assert p95 == pytest.approx(expected, abs=tolerance)


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 5000), st.floats(0, 1), st.sampled_from([0.8, 0.9, 0.95, 0.99, 0.999]))
def test_wilson_interval_equals_statsmodels(n, share, confidence):
    from mlmon_widgets.engine._performance.metrics import wilson_interval  # white-box

    k = round(share * n)
    expected = proportion_confint(k, n, alpha=1 - confidence, method="wilson")
    assert wilson_interval(k, n, confidence) == pytest.approx(expected, rel=1e-12, abs=1e-15)
