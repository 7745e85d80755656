"""drift_table: columns, severities, reference as DataFrame or Baseline, sketch vs exact."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

import mlmon_widgets as mm
from mlmon_widgets import stats as ms

from .conftest import make_frame

REQUIRED = [
    "kind",
    "test",
    "statistic",
    "p_value",
    "p_adjusted",
    "psi",
    "js",
    "wasserstein",
    "n_reference",
    "n_current",
    "missing_reference",
    "missing_current",
    "drifted",
    "severity",
]


def test_columns_and_kinds(frames):
    ref, cur = frames
    table = mm.drift_table(ref, cur)
    assert table.index.name == "feature"
    assert list(table.index) == ["x", "y", "color", "flag"]
    assert set(REQUIRED) <= set(table.columns)
    assert table["kind"].tolist() == ["numeric", "numeric", "categorical", "boolean"]
    assert table["test"].tolist() == ["ks", "ks", "chi2", "chi2"]
    assert table.loc[["color", "flag"], "wasserstein"].isna().all()
    assert (table["severity"] == "ok").all()
    assert not table["drifted"].any()


def test_statistics_equal_the_public_stats_and_scipy(frames):
    ref, cur = frames
    table = mm.drift_table(ref, cur, correction="none")
    for name in ("x", "y"):
        res = stats.ks_2samp(ref[name], cur[name])
        assert table.loc[name, "statistic"] == pytest.approx(res.statistic, abs=1e-12)
        assert table.loc[name, "p_ks"] == pytest.approx(res.pvalue, rel=1e-9)
        tails = ms.tail_chi2(ref[name], cur[name]).pvalue
        assert table.loc[name, "p_tails"] == pytest.approx(tails, rel=1e-9)
        assert table.loc[name, "p_value"] == min(1.0, 2 * min(table.loc[name, "p_ks"], tails))
        assert table.loc[name, "psi"] == pytest.approx(ms.psi(ref[name], cur[name]), rel=1e-12)
        expected_w = stats.wasserstein_distance(ref[name], cur[name]) / np.std(ref[name])
        assert table.loc[name, "wasserstein"] == pytest.approx(expected_w, rel=1e-9)
    for name in ("color", "flag"):
        counts = pd.concat([ref[name].value_counts(), cur[name].value_counts()], axis=1).fillna(0)
        res = stats.chi2_contingency(counts.T.to_numpy())
        assert table.loc[name, "statistic"] == pytest.approx(res.statistic, rel=1e-12)
        assert table.loc[name, "p_value"] == pytest.approx(res.pvalue, rel=1e-9)
        assert table.loc[name, "js"] == pytest.approx(
            ms.js_distance(ref[name], cur[name]), rel=1e-12
        )


def test_correction_runs_across_features(frames):
    ref, cur = frames
    table = mm.drift_table(ref, cur, correction="holm")
    expected = multipletests(table["p_value"], method="holm")[1]
    np.testing.assert_allclose(table["p_adjusted"], expected, rtol=1e-12)


def test_shift_is_critical_and_reason_names_the_metric(rng):
    ref = make_frame(rng, 5000)
    cur = make_frame(rng, 5000, shift=0.6)
    table = mm.drift_table(ref, cur)
    assert table.loc["x", "severity"] == "critical"
    assert table.loc["x", "drifted"]
    assert "wasserstein" in table.loc["x", "reason"]
    assert table.loc["y", "severity"] == "ok"


def test_significant_but_small_change_is_ok(rng):
    """At large n a tiny shift is significant; the effect gate keeps it from alerting."""
    ref = pd.DataFrame({"x": rng.normal(0, 1, 200_000)})
    cur = pd.DataFrame({"x": rng.normal(0.04, 1, 200_000)})
    row = mm.drift_table(ref, cur).loc["x"]
    assert row["p_adjusted"] < 1e-6
    assert row["severity"] == "ok"
    assert row["reason"].startswith("significant")


def test_small_samples_are_insufficient_not_alarming(rng):
    ref = pd.DataFrame({"x": rng.normal(size=500)})
    cur = pd.DataFrame({"x": rng.normal(3, 1, size=20)})
    row = mm.drift_table(ref, cur).loc["x"]
    assert row["severity"] == "insufficient_data"
    assert np.isnan(row["p_value"]) and np.isnan(row["psi"])
    assert "min_rows=50" in row["reason"]
    assert mm.drift_table(ref, cur, min_rows=10).loc["x", "severity"] == "critical"


def test_rules_replace_the_default_per_feature(rng):
    ref = make_frame(rng, 5000)
    cur = make_frame(rng, 5000, shift=0.6)
    strict = mm.drift_table(ref, cur, thresholds={"x": mm.Rule("psi", warning=0.2, critical=5.0)})
    assert strict.loc["x", "severity"] == "warning"
    assert strict.loc["x", "rule"] == "psi 0.2/5"
    off = mm.drift_table(ref, cur, thresholds={"x": "off"})
    assert off.loc["x", "severity"] == "off"
    assert not off.loc["x", "drifted"]
    as_dict = mm.drift_table(
        ref, cur, thresholds={"x": {"metric": "ks", "warning": 0.1, "critical": 0.2}}
    )
    assert as_dict.loc["x", "severity"] == "critical"


def test_classify_recomputes_severity_without_statistics(rng):
    ref = make_frame(rng, 5000)
    cur = make_frame(rng, 5000, shift=0.3)
    table = mm.drift_table(ref, cur)
    again = mm.classify(table, alpha=0.01)
    pd.testing.assert_series_equal(again["severity"], table["severity"])
    loose = mm.classify(
        table, thresholds={"x": {"metric": "psi", "warning": 10.0, "critical": 20.0}}
    )
    assert loose.loc["x", "severity"] == "ok"
    none = mm.classify(table, correction="none")
    np.testing.assert_array_equal(none["p_adjusted"], table["p_value"])


def test_baseline_reference_gives_the_same_result(frames):
    ref, cur = frames
    direct = mm.drift_table(ref, cur)
    baseline = mm.Baseline.fit(ref)
    via_baseline = mm.drift_table(baseline, cur)
    pd.testing.assert_frame_equal(direct, via_baseline)


def test_stored_baseline_with_lossless_sketch_is_exact(frames):
    ref, cur = frames  # 4,000 rows: the sketch keeps every value
    stored = mm.Baseline.from_json(mm.Baseline.fit(ref).to_json())
    table = mm.drift_table(stored, cur)
    direct = mm.drift_table(ref, cur)
    assert (table["method"].dropna() == "exact").all()
    pd.testing.assert_frame_equal(table, direct)


def test_stored_baseline_with_lossy_sketch_is_close_and_says_so(rng):
    ref = pd.DataFrame({"x": rng.standard_t(3, 60_000), "y": rng.lognormal(size=60_000)})
    cur = pd.DataFrame(
        {"x": rng.standard_t(3, 30_000) + 0.05, "y": rng.lognormal(0.02, size=30_000)}
    )
    stored = mm.Baseline.from_dict(json.loads(json.dumps(mm.Baseline.fit(ref).to_dict())))
    sketch = mm.drift_table(stored, cur)
    exact = mm.drift_table(ref, cur)
    assert (sketch["method"] == "sketch").all() and (exact["method"] == "exact").all()
    np.testing.assert_allclose(sketch["statistic"], exact["statistic"], atol=1e-3)
    np.testing.assert_allclose(sketch["wasserstein"], exact["wasserstein"], atol=1e-3)
    np.testing.assert_allclose(sketch["psi"], exact["psi"], rtol=1e-12)
    assert (sketch["severity"] == exact["severity"]).all()


def test_baseline_round_trip_is_exact_through_json(frames):
    ref, _ = frames
    baseline = mm.Baseline.fit(ref)
    data = baseline.to_dict()
    again = mm.Baseline.from_dict(json.loads(json.dumps(data)))
    assert again.to_dict() == data
    assert not again.exact and baseline.exact
    with pytest.raises(ValueError, match="not a baseline"):
        mm.Baseline.from_dict({"format": "something-else"})


def test_features_subset_and_missing_column(frames):
    ref, cur = frames
    table = mm.drift_table(ref, cur, features=["x", "color"])
    assert list(table.index) == ["x", "color"]
    with pytest.raises(ValueError, match="unknown column"):
        mm.drift_table(ref, cur, features=["nope"])


def test_nullable_and_arrow_dtypes(rng):
    n = 3000

    def frame(shift: float) -> pd.DataFrame:
        ints = pd.array(rng.integers(0, 20, n), dtype="Int64")
        ints[::50] = pd.NA
        return pd.DataFrame(
            {
                "ints": ints,
                "floats": pd.array(rng.normal(shift, 1, n), dtype="Float64"),
                "arrow": pd.Series(rng.normal(size=n), dtype="float64[pyarrow]"),
                "text": pd.Series(rng.choice(["a", "b", None], n), dtype="string"),
                "arrow_text": pd.Series(rng.choice(["p", "q"], n), dtype="string[pyarrow]"),
                "cat": pd.Categorical(rng.choice(["u", "v", "w"], n)),
                "flag": pd.array(rng.random(n) < 0.5, dtype="boolean"),
            }
        )

    table = mm.drift_table(frame(0.0), frame(1.0))
    assert table["kind"].to_dict() == {
        "ints": "numeric",
        "floats": "numeric",
        "arrow": "numeric",
        "text": "categorical",
        "arrow_text": "categorical",
        "cat": "categorical",
        "flag": "boolean",
    }
    assert table.loc["ints", "missing_reference"] == pytest.approx(0.02)
    assert table.loc["text", "missing_current"] > 0.25
    assert table.loc["floats", "severity"] == "critical"
    assert (table.drop(index="floats")["severity"] == "ok").all()


def test_thresholds_accept_the_table_suggest_thresholds_returns(frames):
    ref, cur = frames
    suggested = mm.suggest_thresholds(ref, rows=400)
    table = mm.drift_over_time(ref, cur, rows=500, thresholds=suggested)
    again = mm.drift_over_time(ref, cur, rows=500, thresholds=mm.rules_from_suggestions(suggested))
    pd.testing.assert_series_equal(table["severity"], again["severity"])
    assert table.loc[table["feature"] == "x", "rule"].iloc[0].startswith("psi ")
    with pytest.raises(ValueError, match=r"needs the columns \['metric', 'warning', 'critical'\]"):
        mm.drift_table(ref, cur, thresholds=suggested[["metric"]])
