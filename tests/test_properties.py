"""Property-based checks of the statistics and of the Baseline round trip (hypothesis)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from mlmon_widgets import Baseline, drift_table
from mlmon_widgets.stats import chi2, js_distance, kl_divergence, ks, psi, wasserstein

SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

VALUE = st.floats(-1e9, 1e9, allow_nan=False, allow_infinity=False)
# a few repeated magnitudes so that ties and duplicate bin edges come up often
TIED_VALUE = st.one_of(VALUE, st.sampled_from([0.0, 1.0, -1.0, 2.5, 1e6]))


def finite_arrays(min_size: int = 1, max_size: int = 80):
    return hnp.arrays(np.float64, st.integers(min_size, max_size), elements=TIED_VALUE)


@st.composite
def with_missing(draw, min_size: int = 1, max_size: int = 80):
    """A float sample with at least one finite value and NaN / +-inf sprinkled in."""
    values = draw(finite_arrays(min_size, max_size))
    extra = draw(st.lists(st.sampled_from([np.nan, np.inf, -np.inf]), max_size=5))
    out = np.concatenate([values, np.asarray(extra, dtype=float)])
    order = draw(st.permutations(range(len(out))))
    return out[list(order)]


CATEGORY = st.sampled_from(["a", "b", "c", "d", "long category", "é", "1"])


@st.composite
def categories(draw, min_size: int = 1, max_size: int = 60):
    values = draw(st.lists(CATEGORY, min_size=min_size, max_size=max_size))
    missing = draw(st.lists(st.sampled_from([None, np.nan, pd.NA]), max_size=4))
    out = values + missing
    return [out[i] for i in draw(st.permutations(range(len(out))))]


def permuted(draw, values):
    order = list(draw(st.permutations(range(len(values)))))
    if isinstance(values, np.ndarray):
        return values[order]
    return [values[i] for i in order]


# ------------------------------------------------------------------ ranges
@SETTINGS
@given(ref=with_missing(), cur=with_missing(), bins=st.integers(2, 12))
def test_numeric_binned_statistics_ranges(ref, cur, bins):
    p = psi(ref, cur, bins=bins)
    assert p >= 0.0
    j = js_distance(ref, cur, bins=bins)
    assert 0.0 <= j <= 1.0
    k = kl_divergence(ref, cur, bins=bins)
    assert k >= 0.0


@SETTINGS
@given(ref=categories(), cur=categories())
def test_categorical_binned_statistics_ranges(ref, cur):
    assert psi(ref, cur) >= 0.0
    assert 0.0 <= js_distance(ref, cur) <= 1.0
    assert kl_divergence(ref, cur) >= 0.0
    statistic, pvalue = chi2(ref, cur)
    assert statistic >= 0.0
    assert 0.0 <= pvalue <= 1.0


@SETTINGS
@given(values=with_missing(), bins=st.integers(2, 12), data=st.data())
def test_identical_samples_give_zero_psi(values, bins, data):
    assert psi(values, values, bins=bins) == 0.0
    assert psi(values, permuted(data.draw, values), bins=bins) == 0.0
    assert js_distance(values, values, bins=bins) == 0.0
    assert kl_divergence(values, values, bins=bins) == 0.0


@SETTINGS
@given(values=categories())
def test_identical_categorical_samples_give_zero_psi(values):
    assert psi(values, values) == 0.0
    assert js_distance(values, values) == 0.0
    assert kl_divergence(values, values) == 0.0


@SETTINGS
@given(ref=with_missing(max_size=60), cur=with_missing(max_size=60))
def test_ks_ranges(ref, cur):
    d, p = ks(ref, cur)
    assert 0.0 <= d <= 1.0
    assert 0.0 <= p <= 1.0


@settings(max_examples=8, deadline=None)
@given(
    ref=hnp.arrays(
        np.float64, st.integers(10_001, 12_000), elements=st.sampled_from([0.0, 1.0, 2.0, 3.5])
    ),
    cur=finite_arrays(1, 50),
)
def test_ks_ranges_asymptotic(ref, cur):
    d, p = ks(ref, cur)
    assert 0.0 <= d <= 1.0
    assert 0.0 <= p <= 1.0


# ------------------------------------------------------------------ row order
@SETTINGS
@given(ref=with_missing(), cur=with_missing(), data=st.data())
def test_numeric_statistics_invariant_to_row_order(ref, cur, data):
    ref2, cur2 = permuted(data.draw, ref), permuted(data.draw, cur)
    for f in (psi, js_distance, kl_divergence):
        assert f(ref2, cur2) == pytest.approx(f(ref, cur), rel=1e-12, abs=1e-15), f.__name__
    assert tuple(ks(ref2, cur2)) == tuple(ks(ref, cur))
    w1, w2 = wasserstein(ref, cur), wasserstein(ref2, cur2)
    assert w2 == pytest.approx(w1, rel=1e-12, abs=1e-15)


@SETTINGS
@given(ref=categories(), cur=categories(), data=st.data())
def test_categorical_statistics_invariant_to_row_order(ref, cur, data):
    ref2, cur2 = permuted(data.draw, ref), permuted(data.draw, cur)
    for f in (psi, js_distance, kl_divergence):
        assert f(ref2, cur2) == pytest.approx(f(ref, cur), rel=1e-9, abs=1e-12), f.__name__
    s1, p1 = chi2(ref, cur)
    s2, p2 = chi2(ref2, cur2)
    assert s2 == pytest.approx(s1, rel=1e-9, abs=1e-12)
    assert p2 == pytest.approx(p1, rel=1e-9, abs=1e-12)


# ------------------------------------------------------------------ Baseline round trip
ROLES = {"num": "numeric", "cat": "categorical", "flag": "boolean"}


@st.composite
def frames(draw, min_rows: int = 1, max_rows: int = 40, shift: bool = False):
    n = draw(st.integers(min_rows, max_rows))
    offset = draw(st.sampled_from([0.0, 0.0, 3.0, -50.0])) if shift else 0.0
    num = draw(
        hnp.arrays(
            np.float64,
            n,
            elements=st.one_of(
                st.floats(-1e9, 1e9, allow_nan=False, allow_infinity=False),
                st.sampled_from([0.0, 1.0, 2.0, 10.0]),
                st.just(np.nan),
            ),
        )
    )
    cat = draw(st.lists(st.one_of(CATEGORY, st.none()), min_size=n, max_size=n))
    flag = draw(st.lists(st.sampled_from([True, False, None]), min_size=n, max_size=n))
    nullable_flag = draw(st.booleans())
    return pd.DataFrame(
        {
            "num": num + offset,
            "cat": pd.Series(cat, dtype=object),
            "flag": pd.Series(flag, dtype="boolean" if nullable_flag else object),
        }
    )


def json_round_trip(baseline: Baseline) -> Baseline:
    return Baseline.from_dict(json.loads(json.dumps(baseline.to_dict())))


@SETTINGS
@given(df=frames())
def test_baseline_round_trips_through_json(df):
    baseline = Baseline.fit(df, roles=ROLES)
    stored = baseline.to_dict()
    restored = json_round_trip(baseline)
    assert restored.to_dict() == stored
    assert json_round_trip(restored).to_dict() == stored
    assert Baseline.from_json(baseline.to_json()).to_dict() == stored


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ref=frames(min_rows=5, max_rows=60), cur=frames(min_rows=5, max_rows=60, shift=True))
def test_drift_table_from_stored_baseline_matches_fitted(ref, cur):
    baseline = Baseline.fit(ref, roles=ROLES)
    restored = json_round_trip(baseline)
    assert restored.features["num"].sketch.lossless  # <= 10,000 rows: always lossless
    kwargs = {"min_rows": 3, "alpha": 0.5}
    fitted = drift_table(baseline, cur, **kwargs)
    stored = drift_table(restored, cur, **kwargs)
    assert stored["severity"].tolist() == fitted["severity"].tolist()
    assert stored["method"].tolist() == fitted["method"].tolist()
    for column in ("statistic", "p_value", "psi", "js", "kl", "wasserstein"):
        np.testing.assert_allclose(
            stored[column].to_numpy(float),
            fitted[column].to_numpy(float),
            rtol=1e-9,
            atol=1e-12,
            err_msg=column,
        )
