"""The vectorised all-windows path gives the one-window path's numbers (and scipy's).

``drift_over_time`` computes every window of a feature at once; a live view's append, a
seasonal window and a lossy sketch still take the one-window functions. Both must agree to
rounding on every statistic, note and flag, whatever the data: ties, missing, infinite and
invalid values, empty and small windows, overlapping and unsorted windows, exact and
asymptotic KS, a constant reference, unseen and too many categories.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats as sps

import mlmon_widgets as mm
from mlmon_widgets.engine._data.windows import Windows, make_windows
from mlmon_widgets.engine._drift import all_windows
from mlmon_widgets.engine._drift.kernels import ks_pvalue_asymptotic
from mlmon_widgets.engine._drift.statistics import (
    _DEFAULTS,
    STAT_COLUMNS,
    CategoricalAligner,
    _categorical_window,
    _numeric_window,
    compute,
    prepare_column,
)


@pytest.fixture(autouse=True)
def _all_windows_path(monkeypatch):
    """Every grid here takes the all-windows path (a few windows would go one by one)."""
    from mlmon_widgets.engine._drift import statistics

    monkeypatch.setattr(statistics, "ONE_BY_ONE_MAX", 0)


FLOAT_COLUMNS = [
    "statistic",
    "p_value",
    "p_ks",
    "p_tails",
    "psi",
    "psi_tails",
    "js",
    "kl",
    "wasserstein",
    "missing_current",
    "nonfinite_current",
    "invalid_current",
    "out_of_range",
    "unseen_share",
]


def one_window_rows(baseline, production, windows, names, min_rows=20, max_categories=100):
    """The statistics window by window through the one-window functions."""
    rows = []
    for name in names:
        feature = baseline.features[name]
        column = prepare_column(feature, production[name])
        exact = baseline.sorted_reference(name)
        for w in range(len(windows)):
            if feature.kind == "numeric":
                out = _numeric_window(feature, exact, column, windows.rows(w), min_rows)
                pending = out.pop("_pending_n", None)
                if pending is not None:
                    out["p_ks"] = float(ks_pvalue_asymptotic(out["statistic"], *pending))
            else:
                aligner = CategoricalAligner(feature, column)
                out = _categorical_window(
                    feature, aligner, column, windows.rows(w), min_rows, max_categories
                )
            rows.append({"window": w, "feature": name, **_DEFAULTS, **out})
    return pd.DataFrame(rows)


def assert_same(batch: pd.DataFrame, single: pd.DataFrame) -> None:
    batch = batch.set_index(["feature", "window"]).sort_index()
    single = single.set_index(["feature", "window"]).sort_index()
    assert batch.index.equals(single.index)
    for column in FLOAT_COLUMNS:
        if column not in single:
            continue
        got = batch[column].to_numpy(dtype=float)
        want = single[column].to_numpy(dtype=float)
        if column == "p_value":  # the batch frame holds the gate's p for numeric rows
            numeric = (batch["test"] == "ks").to_numpy()
            got, want = got[~numeric], want[~numeric]
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-13, err_msg=column)
    for column in ("n_current", "n", "unseen_categories"):
        if column in single:
            expected = single[column].fillna(0).astype(np.int64).to_numpy()
            np.testing.assert_array_equal(batch[column].to_numpy(), expected, err_msg=column)
    assert (
        batch["insufficient"].astype(bool).tolist()
        == single["insufficient"].fillna(False).astype(bool).tolist()
    )
    assert batch["note"].tolist() == single["note"].fillna("").tolist()
    method = single["method"].where(single["method"].notna(), None).tolist()
    assert batch["method"].where(batch["method"].notna(), None).tolist() == method


def frames(seed: int, n_ref: int, n_prod: int, ties: bool):
    rng = np.random.default_rng(seed)

    def numbers(n: int, shift: float) -> np.ndarray:
        x = rng.normal(shift, 1, n)
        return np.round(x, 1) if ties else x

    reference = pd.DataFrame(
        {
            "x": numbers(n_ref, 0),
            "heavy": rng.lognormal(0, 1, n_ref),
            "flat": np.full(n_ref, 3.0),
            "c": rng.choice(list("abcd"), n_ref),
        }
    )
    production = pd.DataFrame(
        {
            "x": numbers(n_prod, 0.3),
            "heavy": rng.lognormal(0.1, 1.2, n_prod),
            "flat": np.where(rng.random(n_prod) < 0.5, 3.0, 4.0),
            "c": rng.choice(list("abcde"), n_prod),
        }
    )
    production.loc[rng.random(n_prod) < 0.05, "x"] = np.nan
    production.loc[rng.random(n_prod) < 0.01, "x"] = np.inf
    production.loc[rng.random(n_prod) < 0.03, "c"] = None
    production["ts"] = pd.Timestamp("2024-01-01") + pd.to_timedelta(
        np.sort(rng.uniform(0, 30, n_prod)), unit="D"
    )
    return reference, production


@pytest.mark.parametrize(
    ("n_ref", "n_prod", "ties", "windows"),
    [
        (3_000, 6_000, False, {"window": "1D"}),  # exact KS p-values
        (3_000, 6_000, True, {"window": "2D", "step": "1D"}),  # ties, overlapping windows
        (12_000, 8_000, False, {"rows": 700}),  # asymptotic KS p-values
        (12_000, 1_500, True, {"window": "12h"}),  # ties, some windows below min_rows
    ],
)
def test_all_windows_equal_the_one_window_path(n_ref, n_prod, ties, windows):
    reference, production = frames(1, n_ref, n_prod, ties)
    baseline = mm.Baseline.fit(reference)
    time = {"time": "ts"} if "window" in windows else {}
    grid = make_windows(production, **time, **windows)
    names = ["x", "heavy", "flat", "c"]
    batch = compute(baseline, None, production, grid, names, min_rows=20, max_categories=100)
    assert list(batch.columns) == ["window", *STAT_COLUMNS]
    assert_same(batch, one_window_rows(baseline, production, grid, names))
    if windows.get("window") == "12h":
        assert 0 < batch["insufficient"].mean() < 1


def test_unsorted_rows_and_empty_windows():
    reference, production = frames(2, 2_000, 3_000, False)
    production = production.sample(frac=1.0, random_state=0)  # windows gather by time order
    production = production[(production["ts"].dt.day % 5) != 0]  # whole days with no rows
    baseline = mm.Baseline.fit(reference)
    grid = make_windows(production, time="ts", window="1D")
    assert grid.order is not None and ((grid.ends - grid.starts) == 0).any()
    names = ["x", "heavy", "c"]
    batch = compute(baseline, None, production, grid, names, min_rows=20, max_categories=100)
    assert_same(batch, one_window_rows(baseline, production, grid, names))


def test_invalid_values_and_too_many_categories():
    rng = np.random.default_rng(3)
    reference = pd.DataFrame(
        {"v": rng.normal(size=2_000), "cat": rng.choice([f"k{i}" for i in range(30)], 2_000)}
    )
    values = rng.normal(size=3_000).astype(object)
    values[rng.random(3_000) < 0.02] = "n/a"
    production = pd.DataFrame({"v": values, "cat": rng.choice([f"k{i}" for i in range(40)], 3_000)})
    baseline = mm.Baseline.fit(reference, roles={"v": "numeric", "cat": "categorical"})
    grid = make_windows(production, rows=500)
    for cap in (100, 12):  # 12: every window merges its rarest categories
        batch = compute(
            baseline, None, production, grid, ["v", "cat"], min_rows=20, max_categories=cap
        )
        single = one_window_rows(baseline, production, grid, ["v", "cat"], max_categories=cap)
        assert_same(batch, single)
    assert (batch.loc[batch["feature"] == "v", "invalid_current"] > 0).all()
    assert batch.loc[batch["feature"] == "cat", "note"].str.contains("merged").all()


def test_reference_below_min_rows_and_all_missing_windows():
    reference = pd.DataFrame({"x": np.arange(10.0), "c": list("ab") * 5})
    production = pd.DataFrame({"x": [np.nan] * 30 + list(np.arange(60.0)), "c": ["a"] * 90})
    baseline = mm.Baseline.fit(reference)
    grid = make_windows(production, rows=30)
    batch = compute(baseline, None, production, grid, ["x", "c"], min_rows=20, max_categories=100)
    assert_same(batch, one_window_rows(baseline, production, grid, ["x", "c"]))
    assert batch["note"].str.startswith("reference has 10").sum() == 5
    assert batch["note"].iloc[0] == "window has 0 usable value(s), fewer than min_rows=20"


def test_windows_whose_values_continue_the_previous_windows_ties():
    """A window's smallest value equal to the previous window's largest is still its own."""
    rng = np.random.default_rng(5)
    reference = pd.DataFrame({"x": rng.integers(0, 4, 500).astype(float)})
    production = pd.DataFrame({"x": np.repeat([2.0, 2.0, 1.0, 3.0, 3.0], 60)})
    production.loc[[10, 70, 200], "x"] = [1.0, 3.0, 0.0]
    baseline = mm.Baseline.fit(reference)
    grid = make_windows(production, rows=60)
    batch = compute(baseline, None, production, grid, ["x"], min_rows=20, max_categories=100)
    assert_same(batch, one_window_rows(baseline, production, grid, ["x"]))


def test_p_values_and_wasserstein_are_scipys_window_by_window():
    reference, production = frames(4, 12_000, 5_000, True)
    grid = make_windows(production, rows=600)
    table = mm.drift_over_time(reference, production, rows=600, features=["x", "heavy"])
    for _, row in table.iterrows():
        w = int(row["window"])
        cur = production[row["feature"]].to_numpy(dtype=float)[grid.rows(w)]
        cur = cur[np.isfinite(cur)]
        ref = reference[row["feature"]].to_numpy()
        ks = sps.ks_2samp(ref, cur)
        assert row["statistic"] == pytest.approx(ks.statistic, rel=1e-12)
        assert row["p_ks"] == pytest.approx(ks.pvalue, rel=1e-9, abs=1e-300)
        w1 = sps.wasserstein_distance(ref, cur) / np.std(ref)
        assert row["wasserstein"] == pytest.approx(w1, rel=1e-9)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    seed=st.integers(0, 10_000),
    n_ref=st.integers(1, 400),
    lengths=st.lists(st.integers(0, 120), min_size=1, max_size=8),
    digits=st.sampled_from([0, 1, 6]),
    min_rows=st.integers(1, 30),
)
def test_property_batch_equals_one_window(seed, n_ref, lengths, digits, min_rows):
    rng = np.random.default_rng(seed)
    reference = pd.DataFrame({"x": np.round(rng.normal(size=n_ref), digits)})
    values = np.round(rng.normal(0.2, 1.3, sum(lengths)), digits)
    values[rng.random(len(values)) < 0.1] = np.nan
    production = pd.DataFrame({"x": values})
    baseline = mm.Baseline.fit(reference)
    ends = np.cumsum(lengths)
    starts = ends - np.asarray(lengths)
    grid = Windows(None, starts, ends, starts, ends)
    batch = compute(baseline, None, production, grid, ["x"], min_rows=min_rows, max_categories=100)
    single = one_window_rows(baseline, production, grid, ["x"], min_rows=min_rows)
    assert_same(batch, single)
    assert not math.isnan(batch["n"].sum())


def test_chunks_cover_every_window_once():
    production = pd.DataFrame({"x": np.arange(1_000.0)})
    grid = make_windows(production, rows=30, step=10)
    seen = []
    for chunk in all_windows.chunks(grid, max_values=100):
        assert chunk.size >= 1
        seen.extend(range(chunk.first, chunk.first + chunk.size))
        rows = np.arange(1_000)[chunk.index]
        expected = np.concatenate(
            [np.arange(1_000)[grid.rows(w)] for w in range(chunk.first, chunk.first + chunk.size)]
        )
        np.testing.assert_array_equal(rows, expected)
    assert seen == list(range(len(grid)))


def test_exact_p_values_are_scipys_public_ones():
    """The exact KS p-value taken from scipy's computation directly equals ks_2samp's."""
    rng = np.random.default_rng(6)
    reference = np.round(rng.normal(size=3_000), 2)
    for size in (5, 17, 60, 250, 1_000):
        for shift in (0.0, 0.3, 1.5):
            current = np.sort(np.round(rng.normal(shift, 1, size), 2))
            public = sps.ks_2samp(reference, current)
            numerator = round(public.statistic * len(reference) * size)
            got = all_windows.KSPValues().exact(reference, current, numerator)
            assert got == pytest.approx(public.pvalue, rel=1e-12, abs=1e-300)
    assert all_windows._ATTEMPT_EXACT is not None  # this scipy still has the fast path
