"""Bad input: a clear error naming the column or argument, or a defined result with a reason.

pytest turns every warning into an error here, so none of these may leak a numpy
RuntimeWarning either.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mlmon_widgets as mm


@pytest.fixture
def ref(rng) -> pd.DataFrame:
    return pd.DataFrame({"x": rng.normal(size=500), "c": rng.choice(list("ab"), 500)})


@pytest.fixture
def timed(ref) -> pd.DataFrame:
    return ref.assign(ts=pd.date_range("2024-01-01", periods=len(ref), freq="h"))


# ------------------------------------------------------------------ frames and columns
def test_empty_reference_is_an_error(ref):
    with pytest.raises(ValueError, match="reference has no rows"):
        mm.drift_table(ref.iloc[:0], ref)


def test_empty_current_is_insufficient(ref):
    table = mm.drift_table(ref, ref.iloc[:0])
    assert (table["severity"] == "insufficient_data").all()
    assert table["reason"].str.contains("0 usable").all()


def test_not_a_frame(ref):
    with pytest.raises(TypeError, match="current must be a pandas DataFrame"):
        mm.drift_table(ref, ref.to_numpy())


def test_duplicate_column_names(ref):
    doubled = pd.concat([ref, ref[["x"]]], axis=1)
    with pytest.raises(ValueError, match=r"reference has duplicate column names \['x'\]"):
        mm.drift_table(doubled, ref)
    with pytest.raises(ValueError, match=r"current has duplicate column names \['x'\]"):
        mm.drift_table(ref, doubled)


def test_non_string_column_names(rng, ref):
    with pytest.raises(TypeError, match=r"not strings: 0 \(int\), 1 \(int\).*map\(str\)"):
        mm.drift_table(pd.DataFrame(rng.normal(size=(100, 2))), ref)


def test_feature_missing_on_one_side(ref):
    table = mm.drift_table(ref, ref[["x"]])
    assert table.loc["c", "severity"] == "insufficient_data"
    assert table.loc["c", "reason"] == "column is missing from the current data"
    assert table.loc["x", "severity"] == "ok"
    quality = mm.data_quality(ref[["x"]], ref)
    assert quality.loc["c", "status"] == "new"


def test_all_nan_columns(ref):
    cur = mm.drift_table(ref, ref.assign(x=np.nan))
    assert cur.loc["x", "severity"] == "insufficient_data"
    assert cur.loc["x", "missing_current"] == 1.0
    reference = mm.drift_table(ref.assign(x=np.nan, c=None), ref)
    assert (reference["severity"] == "insufficient_data").all()
    assert reference["reason"].str.startswith("reference has 0 usable").all()


def test_constant_columns(ref):
    same = mm.drift_table(ref.assign(x=1.0), ref.assign(x=1.0)).loc["x"]
    assert same["severity"] == "ok" and same["wasserstein"] == 0.0
    changed = mm.drift_table(ref.assign(x=1.0), ref.assign(x=2.0)).loc["x"]
    assert changed["wasserstein"] == np.inf
    assert changed["severity"] == "critical"
    assert "reference is constant" in changed["reason"]


def test_infinities_are_left_out_and_counted(ref):
    cur = ref.copy()
    cur.loc[:49, "x"] = np.inf
    cur.loc[50:59, "x"] = -np.inf
    row = mm.drift_table(ref, cur).loc["x"]
    assert row["n_current"] == 440
    assert row["nonfinite_current"] == pytest.approx(60 / 500)
    assert np.isfinite(row["statistic"]) and np.isfinite(row["wasserstein"])
    back = mm.drift_table(cur, ref).loc["x"]
    assert back["n_reference"] == 440


def test_mixed_type_object_column(ref):
    mixed = ref.assign(c=["a", 1] * 250)
    with pytest.raises(TypeError, match=r"column 'c' mixes value types \(number, str\).*roles="):
        mm.drift_table(mixed, ref)
    table = mm.drift_table(mixed, ref, roles={"c": "categorical"})
    assert table.loc["c", "kind"] == "categorical"


def test_numbers_as_text_in_current_are_read(ref):
    row = mm.drift_table(ref, ref.assign(x=ref["x"].astype(str))).loc["x"]
    assert row["severity"] == "ok" and row["invalid_current"] == 0.0


def test_unreadable_values_are_invalid_not_errors(ref):
    row = mm.drift_table(ref, ref.assign(x=pd.Timestamp("2024-01-01"))).loc["x"]
    assert row["severity"] == "insufficient_data"
    assert row["invalid_current"] == 1.0


def test_unsupported_dtype_names_the_column(ref):
    with pytest.raises(TypeError, match=r"column 'z' has dtype complex128.*'ignore'"):
        mm.drift_table(ref.assign(z=1j), ref)


def test_id_like_columns_are_excluded_with_a_warning(ref):
    with_id = ref.assign(customer=[f"C{i:05d}" for i in range(len(ref))])
    with pytest.warns(mm.RoleWarning, match="'customer' looks like an id"):
        table = mm.drift_table(with_id, with_id)
    assert "customer" not in table.index
    kept = mm.drift_table(with_id, with_id, roles={"customer": "categorical"}, max_categories=600)
    assert "customer" in kept.index


def test_thousands_of_levels_are_merged_with_a_note():
    big = pd.DataFrame({"c": [f"lvl{i % 3000}" for i in range(60_000)]})
    row = mm.drift_table(big, big.sample(frac=0.2, random_state=0)).loc["c"]
    assert row["severity"] == "ok"
    assert "2901 least frequent merged" in row["note"]


# ------------------------------------------------------------------ time and windows
def test_time_column_not_datetime(timed):
    text = timed.assign(ts=timed["ts"].astype(str))
    with pytest.raises(TypeError, match=r"time column 'ts' is not datetime.*pd.to_datetime"):
        mm.drift_over_time(timed, text, time="ts", window="1D")


def test_time_column_missing_or_not_given(ref, timed):
    with pytest.raises(ValueError, match="time column 'when' is not in the production data"):
        mm.drift_over_time(ref, timed, time="when", window="1D")
    with pytest.raises(ValueError, match="time windows need timestamps"):
        mm.drift_over_time(ref, ref, window="1D")


def test_naive_and_aware_timestamps_mixed(ref):
    stamps = list(pd.date_range("2024-01-01", periods=250, freq="h")) + list(
        pd.date_range("2024-02-01", periods=250, freq="h", tz="UTC")
    )
    with pytest.raises(ValueError, match="mixes time-zone-aware and naive"):
        mm.drift_over_time(
            ref, ref.assign(ts=pd.Series(stamps, dtype=object)), time="ts", window="1D"
        )


def test_aware_timestamps_in_different_zones_become_utc(ref):
    stamps = list(pd.date_range("2024-01-01", periods=250, freq="h", tz="Europe/Paris")) + list(
        pd.date_range("2024-02-01", periods=250, freq="h", tz="UTC")
    )
    res = mm.drift_over_time(
        ref, ref.assign(ts=pd.Series(stamps, dtype=object)), time="ts", window="1D"
    )
    assert str(res["window_start"].dt.tz) == "UTC"
    assert res.drop_duplicates("window")["n"].sum() == 500


def test_rows_without_timestamp_are_counted_in_a_warning(timed):
    gaps = timed.copy()
    gaps.loc[:9, "ts"] = pd.NaT
    with pytest.warns(mm.DataWarning, match="10 row"):
        res = mm.drift_over_time(timed, gaps, time="ts", window="1D")
    assert res.drop_duplicates("window")["n"].sum() == 490


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"window": "1 day", "time": "ts"}, ValueError, "window='1 day' is not a pandas offset"),
        ({"window": "1s", "time": "ts"}, ValueError, "choose a larger window"),
        (
            {"window": "1D", "step": "2D", "time": "ts"},
            ValueError,
            "step .* must not exceed window",
        ),
        ({"rows": 10, "window": "1D"}, ValueError, "exactly one of window"),
        ({}, ValueError, "exactly one of window"),
        ({"rows": 10, "step": 20}, ValueError, r"step \(20\) must not exceed rows \(10\)"),
        ({"rows": 0}, ValueError, "rows must be an integer >= 1"),
        ({"rows": 2.5}, TypeError, "rows must be an integer"),
    ],
)
def test_window_arguments(timed, kwargs, error, match):
    with pytest.raises(error, match=match):
        mm.drift_over_time(timed, timed, **kwargs)


def test_windows_with_too_few_rows(timed):
    res = mm.drift_over_time(timed, timed, time="ts", window="1D", min_rows=30)
    assert (res["severity"] == "insufficient_data").all()  # 24 rows a day
    assert res["reason"].str.contains("fewer than min_rows=30").all()


# ------------------------------------------------------------------ options
@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"correction": "bh"}, ValueError, r"correction must be one of \{'fdr_bh'"),
        ({"alpha": 2}, ValueError, "alpha must be a finite number in \\(0, 1\\)"),
        ({"alpha": "0.05"}, TypeError, "alpha must be a number"),
        ({"min_rows": 0}, ValueError, "min_rows must be an integer >= 1"),
        ({"bins": 1}, ValueError, "bins must be an integer >= 2"),
        ({"max_categories": 1}, ValueError, "max_categories must be an integer >= 2"),
        ({"features": "x"}, TypeError, "features must be a list"),
        ({"roles": {"x": "number"}}, ValueError, r"roles\['x'\] must be one of"),
        ({"roles": {"q": "numeric"}}, ValueError, r"roles names unknown column\(s\) \['q'\]"),
        (
            {"thresholds": {"zz": "off"}},
            ValueError,
            r"thresholds names unknown column\(s\) \['zz'\]",
        ),
        (
            {"thresholds": {"c": {"metric": "wasserstein", "warning": 1, "critical": 2}}},
            ValueError,
            "does not apply to categorical feature 'c'",
        ),
        (
            {"thresholds": {"x": {"metric": "psi", "warning": 1, "critical": 0.5}}},
            ValueError,
            "warning .* must not exceed critical",
        ),
        (
            {"thresholds": {"x": {"metric": "psi", "warning": "a", "critical": 0.5}}},
            TypeError,
            r"thresholds\['x'\]: warning must be a number",
        ),
        (
            {"thresholds": {"x": {"metric": "psi", "warn": 1}}},
            ValueError,
            r"thresholds\['x'\]\['warn'\] is not a known key; allowed keys are metric",
        ),
        ({"thresholds": {"x": 0.2}}, TypeError, "must be a Rule"),
        ({"windw": 2}, TypeError, "unexpected keyword"),
    ],
)
def test_option_errors_name_the_argument(ref, kwargs, error, match):
    with pytest.raises(error, match=match):
        mm.drift_table(ref, ref, **kwargs)


def test_roles_with_a_baseline_are_refused(ref):
    with pytest.raises(ValueError, match="roles are fixed by the baseline"):
        mm.drift_table(mm.Baseline.fit(ref), ref, roles={"x": "numeric"})


def test_warnings_point_at_the_callers_line(ref):
    with_id = ref.assign(customer=[f"C{i:05d}" for i in range(len(ref))])
    with pytest.warns(mm.RoleWarning) as record:
        mm.drift_table(with_id, with_id)
    assert record[0].filename == __file__
    assert "roles={'customer': 'id'}" in str(record[0].message)


def test_empty_production_over_time_is_an_empty_table(timed):
    res = mm.drift_over_time(timed, timed.iloc[:0], time="ts", window="1D")
    assert len(res) == 0 and "severity" in res.columns
