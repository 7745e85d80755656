"""The asymptotic KS p-value summed vectorised equals scipy's kstwo.sf (1e-9 relative)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import mlmon_widgets as mm
from mlmon_widgets.engine._drift import smirnov  # white-box: the branch and its guard


def close(mine: np.ndarray, theirs: np.ndarray) -> None:
    theirs = np.asarray(theirs, dtype=float)
    above = theirs > 1e-300
    np.testing.assert_allclose(mine[above], theirs[above], rtol=1e-9, atol=0)
    assert (mine[~above] <= 1e-300).all()


@pytest.mark.skipif(not smirnov.EXTENDED, reason="numpy.longdouble is double here: scipy is used")
@pytest.mark.parametrize("n", [150, 1_000, 20_000, 250_000, 1_000_000])
def test_the_summed_branch_equals_scipy(n):
    squared = np.array([2.2001, 4.0, 9.0, 40.0, 150.0, 369.0])
    d = np.sqrt(squared / n)
    d = d[d < 0.5]
    assert smirnov._fast(d, np.full(len(d), float(n))).all()
    close(smirnov.kstwo_sf(d, n), stats.kstwo.sf(d, n))


@settings(max_examples=40, deadline=None)
@given(st.integers(141, 30_000), st.floats(2.2, 369.9))
def test_random_sizes_and_statistics_equal_scipy(n, squared):
    d = np.sqrt(squared / n)
    if d >= 0.5:
        return
    close(smirnov.kstwo_sf(np.array([d]), np.array([float(n)])), stats.kstwo.sf([d], n))


def test_every_other_branch_is_scipys_own():
    d = np.array([0.0, 1e-6, 0.001, 0.3, 0.6, 0.99, 1.0, 0.02, 0.02, 0.2])
    n = np.array([500.0, 500.0, 500.0, 100.0, 500.0, 500.0, 500.0, 2_000_000.0, 2_000_001.0, 5e4])
    fast = smirnov._fast(d, n)
    assert not fast[:9].any() and fast[9] == (5e4 * 0.2**2 < 370)
    np.testing.assert_array_equal(smirnov.kstwo_sf(d[:9], n[:9]), stats.kstwo.sf(d[:9], n[:9]))


def test_drift_severities_do_not_depend_on_the_summed_branch(monkeypatch):
    rng = np.random.default_rng(2)
    n = 3000
    reference = pd.DataFrame({f"x{i}": rng.normal(size=n) for i in range(6)})
    current = pd.DataFrame({f"x{i}": rng.normal(0.04 * i, 1, n) for i in range(6)})
    fast = mm.drift_table(reference, current)
    monkeypatch.setattr(smirnov, "EXTENDED", False)
    plain = mm.drift_table(reference, current)
    assert (fast["severity"] == plain["severity"]).all()
    np.testing.assert_allclose(fast["p_ks"], plain["p_ks"], rtol=1e-9)
