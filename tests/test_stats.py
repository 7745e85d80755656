"""Every public statistic of ``mlmon_widgets.stats`` pinned against an outside reference.

The references are scipy (KS, chi-squared, Wasserstein, Jensen-Shannon, entropy) and, for
PSI, the DESIGN.md formula written out again here without the engine's helpers.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from scipy.spatial.distance import jensenshannon

from mlmon_widgets.stats import (
    StatTestResult,
    chi2,
    js_distance,
    kl_divergence,
    ks,
    psi,
    wasserstein,
)

from .helpers import assert_p_close

FLOOR = 1e-4  # DESIGN.md: an empty bin's proportion is replaced by 1e-4

# ------------------------------------------------------------------ helpers (independent)


def finite(values) -> np.ndarray:
    """The finite numbers of ``values`` (None, NaN, pd.NA and +/-inf dropped)."""
    out = [float(v) for v in values if v is not None and v is not pd.NA]
    arr = np.asarray(out, dtype=float)
    return arr[np.isfinite(arr)]


def numeric_bins(reference, current, bins: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Bin counts per DESIGN.md, written from the spec (not from the engine)."""
    ref, cur = finite(reference), finite(current)
    probs = [k / bins for k in range(1, bins)]
    edges = np.unique(np.quantile(ref, probs))
    r = np.bincount(np.searchsorted(edges, ref, side="right"), minlength=len(edges) + 1)
    c = np.bincount(np.searchsorted(edges, cur, side="right"), minlength=len(edges) + 1)
    return r, c


def category_bins(reference, current) -> tuple[np.ndarray, np.ndarray]:
    """Counts per category over the union of both samples (missing values left out)."""

    def keep(v):
        return not (v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)))

    r = Counter(v for v in reference if keep(v))
    c = Counter(v for v in current if keep(v))
    cats = sorted(set(r) | set(c), key=repr)
    return np.array([r[k] for k in cats]), np.array([c[k] for k in cats])


def floored(counts: np.ndarray) -> np.ndarray:
    p = counts / counts.sum()
    return np.where(p == 0, FLOOR, p)


def psi_formula(r_counts: np.ndarray, c_counts: np.ndarray) -> float:
    r, c = floored(r_counts), floored(c_counts)
    return float(np.sum((c - r) * np.log(c / r)))


def js_reference(r_counts, c_counts) -> float:
    return float(jensenshannon(r_counts / r_counts.sum(), c_counts / c_counts.sum(), base=2))


def kl_reference(r_counts, c_counts) -> float:
    return float(sps.entropy(floored(c_counts), floored(r_counts)))


def chi2_reference(reference, current):
    r, c = category_bins(reference, current)
    res = sps.chi2_contingency(np.vstack([r, c]))
    return res.statistic, res.pvalue, res.dof


def wasserstein_reference(reference, current) -> float:
    ref, cur = finite(reference), finite(current)
    return sps.wasserstein_distance(ref, cur) / np.std(ref)


# ------------------------------------------------------------------ KS
def _ks_cases():
    """(id, reference, current): exact path when both <= 10,000, asymptotic beyond."""
    rng = np.random.default_rng(20240501)
    n = rng.normal
    return [
        ("exact-same-100", n(size=100), n(size=100)),
        ("exact-shift-500v300", n(size=500), n(0.3, 1, size=300)),
        ("exact-scale-2000v1500", n(size=2000), n(0, 2, size=1500)),
        ("exact-10000v10000", n(size=10_000), n(0.02, 1, size=10_000)),
        ("exact-10000v37", n(size=10_000), n(0.5, 1, size=37)),
        ("exact-3v2", n(size=3), n(size=2)),
        ("exact-1v1", np.array([0.0]), np.array([1.0])),
        (
            "exact-ties-int",
            rng.integers(0, 6, 500).astype(float),
            rng.integers(0, 7, 700).astype(float),
        ),
        ("exact-ties-coarse", np.round(n(size=4000), 1), np.round(n(0.05, 1, size=3000), 1)),
        ("exact-identical", np.arange(50.0), np.arange(50.0)[::-1].copy()),
        ("exact-disjoint", n(size=5000), n(100, 1, size=5000)),
        ("exact-lognormal-scaled", rng.lognormal(0, 1, 3000), 1.1 * rng.lognormal(0, 1, 2500)),
        ("asymp-50000v20000-same", n(size=50_000), n(size=20_000)),
        ("asymp-50000v20000-shift", n(size=50_000), n(0.05, 1, size=20_000)),
        ("asymp-20000v50000-scale", n(size=20_000), n(0, 1.05, size=50_000)),
        ("asymp-10001v10", n(size=10_001), n(size=10)),
        ("asymp-200v60000", n(size=200), n(0.2, 1, size=60_000)),
        ("asymp-10001v10001", n(size=10_001), n(size=10_001)),
        (
            "asymp-ties-30000v12000",
            rng.integers(0, 5, 30_000).astype(float),
            rng.integers(0, 5, 12_000).astype(float),
        ),
        (
            "asymp-ties-shifted",
            rng.poisson(3, 40_000).astype(float),
            rng.poisson(3.1, 15_000).astype(float),
        ),
        ("asymp-t3", rng.standard_t(3, 30_000), rng.standard_t(3, 25_000) * 1.02),
        ("asymp-disjoint", n(size=20_000), n(50, 1, size=20_000)),
        ("asymp-current-inside-one-gap", n(size=30_000), np.full(12_000, 0.123456)),
    ]


KS_CASES = _ks_cases()


@pytest.mark.parametrize(
    ("reference", "current"), [c[1:] for c in KS_CASES], ids=[c[0] for c in KS_CASES]
)
def test_ks_matches_scipy_ks_2samp(reference, current):
    expected = sps.ks_2samp(reference, current)
    result = ks(reference, current)
    assert isinstance(result, StatTestResult)
    np.testing.assert_allclose(result.statistic, expected.statistic, rtol=0, atol=1e-12)
    assert_p_close(result.pvalue, float(expected.pvalue))
    exact = max(len(reference), len(current)) <= 10_000
    assert result.method == ("exact" if exact else "asymptotic")


@pytest.mark.parametrize("kind", ["list", "series", "series-with-index"])
def test_ks_accepts_lists_and_series(kind):
    rng = np.random.default_rng(3)
    ref, cur = rng.normal(size=300), rng.normal(0.2, 1, size=200)
    if kind == "list":
        args = (ref.tolist(), cur.tolist())
    elif kind == "series":
        args = (pd.Series(ref), pd.Series(cur))
    else:
        args = (pd.Series(ref, index=np.arange(300) * 7), pd.Series(cur, index=np.arange(200) + 10))
    expected = sps.ks_2samp(ref, cur)
    d, p = ks(*args)
    np.testing.assert_allclose(d, expected.statistic, rtol=0, atol=1e-12)
    assert_p_close(p, float(expected.pvalue))


@pytest.mark.parametrize("large", [False, True], ids=["exact", "asymptotic"])
def test_ks_leaves_out_missing_and_infinite(large):
    rng = np.random.default_rng(4)
    n_ref, n_cur = (30_000, 12_000) if large else (400, 300)
    ref, cur = rng.normal(size=n_ref), rng.normal(0.1, 1, size=n_cur)
    dirty_ref = pd.Series(np.r_[ref, [np.nan, np.inf, -np.inf, np.nan]])
    dirty_cur = [*cur.tolist(), None, np.nan, pd.NA, np.inf, -np.inf]
    expected = sps.ks_2samp(ref, cur)
    result = ks(dirty_ref, dirty_cur)
    np.testing.assert_allclose(result.statistic, expected.statistic, rtol=0, atol=1e-12)
    assert_p_close(result.pvalue, float(expected.pvalue))


def test_ks_nullable_float_dtype():
    rng = np.random.default_rng(5)
    ref, cur = rng.normal(size=200), rng.normal(size=150)
    dirty = pd.Series([*ref.tolist(), pd.NA], dtype="Float64")
    expected = sps.ks_2samp(ref, cur)
    d, p = ks(dirty, cur)
    np.testing.assert_allclose(d, expected.statistic, rtol=0, atol=1e-12)
    assert_p_close(p, float(expected.pvalue))


# ------------------------------------------------------------------ chi-squared
CHI2_CASES = [
    ("k2-yates", ["a"] * 60 + ["b"] * 40, ["a"] * 40 + ["b"] * 60),
    ("k2-yates-small", ["x"] * 7 + ["y"] * 3, ["x"] * 2 + ["y"] * 9),
    ("k4", list("aabbbccccd") * 30, list("abbcccdddd") * 25),
    ("unseen-in-reference", ["a", "b"] * 50, ["a", "b", "c"] * 30),
    ("unseen-in-current", ["a", "b", "c", "d"] * 40, ["a", "b"] * 70),
    ("disjoint", ["a", "b"] * 20, ["c", "d", "e"] * 20),
    ("single-category", ["only"] * 30, ["only"] * 12),
    ("single-each-side", ["a"] * 30, ["b"] * 12),
    ("with-missing", ["a", None, "b", np.nan, "a", pd.NA] * 20, ["b", "b", None, "a"] * 25),
    ("booleans", [True, False, True, True] * 30, [False, False, True] * 30),
    ("integers-as-categories", [1, 2, 3, 3] * 25, [1, 2, 2, 3, 4] * 20),
]


@pytest.mark.parametrize(
    ("reference", "current"), [c[1:] for c in CHI2_CASES], ids=[c[0] for c in CHI2_CASES]
)
def test_chi2_matches_scipy_chi2_contingency(reference, current):
    statistic, pvalue, dof = chi2_reference(reference, current)
    result = chi2(reference, current)
    np.testing.assert_allclose(result.statistic, statistic, rtol=1e-12, atol=1e-12)
    assert_p_close(result.pvalue, pvalue)
    assert result.dof == dof
    assert result.method == "chi2"


def test_chi2_yates_applies_for_two_categories():
    ref, cur = ["a"] * 60 + ["b"] * 40, ["a"] * 40 + ["b"] * 60
    table = np.array([[60, 40], [40, 60]])
    corrected = sps.chi2_contingency(table).statistic
    uncorrected = sps.chi2_contingency(table, correction=False).statistic
    assert corrected < uncorrected
    assert chi2(ref, cur).statistic == pytest.approx(corrected, rel=1e-12)
    # worked by hand: |O - E| = 10 everywhere, Yates uses (10 - 0.5)^2 / 50 per cell
    assert chi2(ref, cur).statistic == pytest.approx(4 * 9.5**2 / 50, rel=1e-12)


def test_chi2_categorical_series_and_strings_agree():
    ref = ["n", "s", "e", "n", "n", "w"] * 20
    cur = ["n", "s", "s", "e", "w", "w", "w"] * 15
    cat_ref = pd.Series(ref, dtype=pd.CategoricalDtype(["n", "s", "e", "w", "unused"]))
    cat_cur = pd.Series(cur, dtype="category")
    statistic, pvalue, dof = chi2_reference(ref, cur)
    for a, b in ((cat_ref, cat_cur), (cat_ref, cur), (np.array(ref), np.array(cur))):
        res = chi2(a, b)
        np.testing.assert_allclose(res.statistic, statistic, rtol=1e-12)
        assert_p_close(res.pvalue, pvalue)
        assert res.dof == dof


def test_chi2_large_counts_pvalue_underflow():
    ref = ["a"] * 50_000 + ["b"] * 50_000
    cur = ["a"] * 90_000 + ["b"] * 10_000
    statistic, pvalue, _ = chi2_reference(ref, cur)
    res = chi2(ref, cur)
    np.testing.assert_allclose(res.statistic, statistic, rtol=1e-12)
    assert_p_close(res.pvalue, pvalue)


def test_chi2_leaves_out_infinite_float_categories():
    # The module docstring: "Missing values (None, NaN, pandas NA) and +/-inf are left out."
    ref = [1.0, 2.0, 3.0] * 20
    cur = [1.0, 2.0, 2.0, 3.0] * 15
    res_clean = chi2(ref, cur)
    res_dirty = chi2([*ref, np.inf, -np.inf], [*cur, np.inf, np.nan])
    assert res_dirty.statistic == pytest.approx(res_clean.statistic, rel=1e-12)
    assert res_dirty.dof == res_clean.dof


# ------------------------------------------------------------------ Wasserstein
def _wasserstein_cases():
    rng = np.random.default_rng(77)
    n = rng.normal
    return [
        ("normal-shift", n(size=5000), n(0.5, 1, size=3000)),
        ("same-distribution", n(size=20_000), n(size=15_000)),
        ("scale", n(size=4000), n(0, 1.5, size=4000)),
        ("large-50000v20000", n(size=50_000), n(0.01, 1, size=20_000)),
        ("very-different-sizes", n(size=30_000), n(0.2, 1, size=7)),
        (
            "ties-int",
            rng.integers(0, 4, 20_000).astype(float),
            rng.integers(0, 5, 7000).astype(float),
        ),
        (
            "ties-identical-support",
            np.repeat([1.0, 2.0, 3.0], 1000),
            np.repeat([1.0, 2.0, 3.0], [400, 500, 600]),
        ),
        ("cauchy", rng.standard_t(1, 20_000), rng.standard_t(1, 7000)),
        ("pareto-0.5", rng.pareto(0.5, 20_000), rng.pareto(0.5, 7000)),
        ("lognormal-sigma3", rng.lognormal(0, 3, 50_000), rng.lognormal(0.01, 3, 20_000)),
        ("offset-1e6", 1e6 + n(0, 1e-3, 20_000), 1e6 + n(1e-5, 1e-3, 7000)),
        ("offset-1e6-grid", 1e6 + np.arange(5000) * 1e-4, 1e6 + np.arange(3000) * 1.5e-4 + 3e-5),
        ("offset-1e9", 1e9 + n(0, 1e-2, 20_000), 1e9 + n(0, 1e-2, 7000)),
        (
            "bimodal-1e6",
            np.r_[n(-1e6, 1, 1000), n(1e6, 1, 1000)],
            np.r_[n(-1e6, 1, 600), n(1e6, 1, 1400)],
        ),
        ("current-far-away", n(size=2000), 1e6 + n(size=3000)),
        ("current-single-value", n(size=1000), np.array([0.25])),
        ("two-values", np.array([0.0, 1.0]), np.array([0.5])),
        # current = reference moved by a hair: W is tiny against the data's spread
        ("one-value-moved-1e-9", np.array([0.0, 1.0, 2.0]), np.array([0.0, 1.0, 2.0 + 1e-9])),
        ("near-identical-500", near := n(size=500), near + 1e-7),
        ("near-identical-20000", near2 := n(size=20_000), near2 + 1e-7),
        ("near-identical-1e6", near3 := 1e6 + n(0, 1e-3, 5000), near3 + 1e-9),
    ]


W_CASES = _wasserstein_cases()


@pytest.mark.parametrize(
    ("reference", "current"), [c[1:] for c in W_CASES], ids=[c[0] for c in W_CASES]
)
def test_wasserstein_matches_scipy_over_reference_std(reference, current):
    expected = wasserstein_reference(reference, current)
    np.testing.assert_allclose(wasserstein(reference, current), expected, rtol=1e-9, atol=0)


def test_wasserstein_identical_sample_is_zero():
    ref = 1e6 + np.random.default_rng(8).normal(0, 1e-3, 5000)
    assert wasserstein(ref, ref.copy()) == 0.0
    assert wasserstein(ref, ref[::-1].copy()) == 0.0


def test_wasserstein_constant_reference():
    # documented: 0 for an identical current sample, inf otherwise
    assert wasserstein([2.0, 2.0, 2.0], [2.0, 2.0]) == 0.0
    assert wasserstein([2.0, 2.0, 2.0], [2.0, 3.0]) == math.inf
    assert wasserstein([0.0] * 10, [1e-12]) == math.inf


def test_wasserstein_leaves_out_missing_and_infinite():
    rng = np.random.default_rng(9)
    ref, cur = rng.normal(size=500), rng.normal(1, 1, size=300)
    expected = wasserstein_reference(ref, cur)
    dirty_ref = [*ref.tolist(), None, np.inf, pd.NA]
    dirty_cur = pd.Series([*cur.tolist(), np.nan, -np.inf])
    np.testing.assert_allclose(wasserstein(dirty_ref, dirty_cur), expected, rtol=1e-9)


# ------------------------------------------------------------------ PSI, JS, KL (numeric)
def _binned_cases():
    rng = np.random.default_rng(11)
    n = rng.normal
    return [
        ("same", n(size=10_000), n(size=10_000), 10),
        ("shift", n(size=10_000), n(0.5, 1, size=8000), 10),
        ("scale", n(size=5000), n(0, 2, size=5000), 10),
        ("bins-5", n(size=3000), n(0.2, 1, size=2000), 5),
        ("bins-20", rng.lognormal(size=3000), rng.lognormal(0.1, 1, 2000), 20),
        ("bins-2", n(size=300), n(size=200), 2),
        (
            "ties-duplicate-edges",
            rng.integers(0, 3, 1000).astype(float),
            rng.integers(0, 4, 800).astype(float),
            10,
        ),
        ("constant-reference", np.full(100, 5.0), np.r_[np.full(50, 5.0), np.full(10, 6.0)], 10),
        (
            "current-beyond-range",
            n(size=2000),
            np.r_[n(size=500), np.full(50, 1e6), np.full(30, -1e6)],
            10,
        ),
        ("current-all-above", n(size=2000), n(50, 1, size=500), 10),
        ("small", np.arange(1.0, 9.0), np.array([0, 3, 4, 4.5, 5, 6, 7, 100.0]), 4),
        ("heavy-tail", rng.standard_t(1, 5000), rng.standard_t(1, 4000) * 1.3, 10),
        ("offset-1e6", 1e6 + n(0, 1e-3, 4000), 1e6 + n(2e-4, 1e-3, 3000), 10),
    ]


BINNED = _binned_cases()
BINNED_IDS = [c[0] for c in BINNED]


@pytest.mark.parametrize(("reference", "current", "bins"), [c[1:] for c in BINNED], ids=BINNED_IDS)
def test_psi_matches_design_formula(reference, current, bins):
    r, c = numeric_bins(reference, current, bins)
    np.testing.assert_allclose(
        psi(reference, current, bins=bins), psi_formula(r, c), rtol=1e-12, atol=1e-15
    )


@pytest.mark.parametrize(("reference", "current", "bins"), [c[1:] for c in BINNED], ids=BINNED_IDS)
def test_js_matches_scipy_jensenshannon(reference, current, bins):
    r, c = numeric_bins(reference, current, bins)
    value = js_distance(reference, current, bins=bins)
    np.testing.assert_allclose(value, js_reference(r, c), rtol=1e-9, atol=1e-12)
    assert 0.0 <= value <= 1.0


@pytest.mark.parametrize(("reference", "current", "bins"), [c[1:] for c in BINNED], ids=BINNED_IDS)
def test_kl_matches_scipy_entropy_on_floored_proportions(reference, current, bins):
    r, c = numeric_bins(reference, current, bins)
    value = kl_divergence(reference, current, bins=bins)
    np.testing.assert_allclose(value, kl_reference(r, c), rtol=1e-9, atol=1e-12)
    assert value >= 0.0


def test_psi_hand_computed_example():
    # reference 1..8, bins=4: np.quantile at 0.25/0.5/0.75 (linear) -> edges 2.75, 4.5, 6.25
    # reference bins: {1,2} {3,4} {5,6} {7,8}                  -> r = 1/4 each
    # current [0, 3, 4, 4.5, 5, 6, 7, 100] (4.5 sits on an edge: closed left, upper bin;
    # 0 and 100 lie beyond the reference range and fall in the open outer bins):
    #   {0} {3,4} {4.5,5,6} {7,100}                           -> c = 1/8, 2/8, 3/8, 2/8
    # PSI = (1/8 - 1/4) ln(1/2) + 0 + (3/8 - 1/4) ln(3/2) + 0
    #     = 0.125 * 0.693147 + 0.125 * 0.405465 = 0.086643 + 0.050683 = 0.137327
    ref = np.arange(1.0, 9.0)
    cur = [0.0, 3.0, 4.0, 4.5, 5.0, 6.0, 7.0, 100.0]
    assert psi(ref, cur, bins=4) == pytest.approx(
        0.125 * math.log(2) + 0.125 * math.log(1.5), rel=1e-12
    )
    assert psi(ref, cur, bins=4) == pytest.approx(0.137327, abs=1e-6)
    # current [3, 3, 4, 5, 5, 6, 7, 8]: first bin empty -> its proportion becomes 1e-4
    #   c = 1e-4, 3/8, 3/8, 2/8
    # PSI = (1e-4 - 0.25) ln(1e-4 / 0.25) + 2 * (0.125 ln 1.5) + 0
    #     = 0.2499 * 7.824046 + 0.101366 = 1.955229 + 0.101366 = 2.056595
    cur2 = [3.0, 3.0, 4.0, 5.0, 5.0, 6.0, 7.0, 8.0]
    assert psi(ref, cur2, bins=4) == pytest.approx(2.056595, abs=1e-6)
    expected = (1e-4 - 0.25) * math.log(1e-4 / 0.25) + 0.25 * math.log(1.5)
    assert psi(ref, cur2, bins=4) == pytest.approx(expected, rel=1e-12)


def test_psi_categorical_hand_computed():
    # r = (a 2/3, b 1/3), c = (a 1/3, b 2/3): PSI = 2 * (1/3) ln 2 = 0.462098
    assert psi(["a", "a", "b"], ["a", "b", "b"]) == pytest.approx(2 / 3 * math.log(2), rel=1e-12)


def test_values_on_an_edge_go_to_the_upper_bin():
    ref = np.arange(1.0, 9.0)  # edges 2.75, 4.5, 6.25 with bins=4; r = 1/4 each
    below = np.nextafter(4.5, 0.0)
    # [4.5, 5, 6, 7]: 4.5 is on the middle edge -> third bin: counts (0, 0, 3, 1)
    # [4.5-, 5, 6, 7]: just below the edge -> second bin:    counts (0, 1, 2, 1)
    r = np.array([2, 2, 2, 2])
    on_edge, under_edge = np.array([0, 0, 3, 1]), np.array([0, 1, 2, 1])
    for cur, counts in (([4.5, 5.0, 6.0, 7.0], on_edge), ([below, 5.0, 6.0, 7.0], under_edge)):
        assert numeric_bins(ref, cur, 4)[1].tolist() == counts.tolist()
        assert psi(ref, cur, bins=4) == pytest.approx(psi_formula(r, counts), rel=1e-12)
        assert js_distance(ref, cur, bins=4) == pytest.approx(js_reference(r, counts), rel=1e-12)
        assert kl_divergence(ref, cur, bins=4) == pytest.approx(kl_reference(r, counts), rel=1e-12)
    assert psi(ref, [4.5, 5.0, 6.0, 7.0], bins=4) != pytest.approx(
        psi(ref, [below, 5.0, 6.0, 7.0], bins=4), rel=1e-3
    )


def test_out_of_range_values_are_counted_in_outer_bins():
    rng = np.random.default_rng(12)
    ref = rng.uniform(0, 1, 1000)
    inside = rng.uniform(0, 1, 900)
    cur = np.r_[inside, np.full(60, 5.0), np.full(40, -5.0)]  # 10% outside the reference range
    r, c = numeric_bins(ref, cur)
    assert c[0] >= 40 and c[-1] >= 60
    assert c.sum() == len(cur)
    assert psi(ref, cur) == pytest.approx(psi_formula(r, c), rel=1e-12)
    # moving the outliers further out changes nothing: the outer bins are open
    far = np.r_[inside, np.full(60, 5e8), np.full(40, -5e8)]
    assert psi(ref, far) == pytest.approx(psi(ref, cur), rel=1e-12)
    assert js_distance(ref, far) == pytest.approx(js_distance(ref, cur), rel=1e-12)
    assert kl_divergence(ref, far) == pytest.approx(kl_divergence(ref, cur), rel=1e-12)
    # and the outliers are not dropped: without them the value differs
    assert psi(ref, inside) != pytest.approx(psi(ref, cur), rel=1e-3)


def test_binned_statistics_leave_out_nan_none_and_inf():
    rng = np.random.default_rng(13)
    ref, cur = rng.normal(size=2000), rng.normal(0.3, 1, size=1500)
    dirty_ref = pd.Series(np.r_[ref, [np.nan] * 300, [np.inf] * 50, [-np.inf] * 50])
    dirty_cur = [*cur.tolist(), None, None, np.nan, np.inf, -np.inf]
    for f in (psi, js_distance, kl_divergence):
        assert f(dirty_ref, dirty_cur) == pytest.approx(f(ref, cur), rel=1e-12), f.__name__


def test_binned_statistics_nullable_float_with_pd_na():
    rng = np.random.default_rng(14)
    ref, cur = rng.normal(size=800), rng.normal(0.3, 1, size=600)
    dirty_ref = pd.Series([*ref.tolist(), pd.NA, pd.NA], dtype="Float64")
    dirty_cur = pd.Series([*cur.tolist(), pd.NA], dtype="Float64")
    r, c = numeric_bins(ref, cur)
    assert psi(dirty_ref, dirty_cur) == pytest.approx(psi_formula(r, c), rel=1e-12)
    assert js_distance(dirty_ref, dirty_cur) == pytest.approx(js_reference(r, c), rel=1e-12)
    assert kl_divergence(dirty_ref, dirty_cur) == pytest.approx(kl_reference(r, c), rel=1e-12)


def test_binned_statistics_list_of_floats_with_pd_na_stay_numeric():
    # pd.NA is a missing value (DESIGN.md / module docstring): a list of floats with a
    # pd.NA in it is still numeric data and must be binned on the reference deciles.
    rng = np.random.default_rng(15)
    ref, cur = rng.normal(size=800), rng.normal(0.3, 1, size=600)
    r, c = numeric_bins(ref, cur)
    assert psi([*ref.tolist(), pd.NA], [*cur.tolist(), pd.NA]) == pytest.approx(
        psi_formula(r, c), rel=1e-12
    )


# ------------------------------------------------------------------ PSI, JS, KL (categorical)
CATEGORICAL_CASES = [
    ("strings", list("aabbbccccd") * 30, list("abbcccdddd") * 25),
    ("unseen-in-current", ["a", "b"] * 50, ["a", "b", "c"] * 30),
    ("unseen-in-reference", ["a", "b", "c", "d"] * 40, ["a", "b"] * 70),
    ("disjoint", ["a", "b"] * 20, ["c", "d", "e"] * 20),
    ("single-category", ["only"] * 30, ["only"] * 12),
    ("with-missing", ["a", None, "b", np.nan, "a", pd.NA] * 20, ["b", "b", None, "a"] * 25),
    ("booleans", [True, False, True, True] * 30, [False, False, True] * 30),
    ("booleans-with-missing", [True, False, None, True] * 30, [False, pd.NA, True] * 30),
]


@pytest.mark.parametrize(
    ("reference", "current"),
    [c[1:] for c in CATEGORICAL_CASES],
    ids=[c[0] for c in CATEGORICAL_CASES],
)
def test_categorical_binned_statistics(reference, current):
    r, c = category_bins(reference, current)
    assert psi(reference, current) == pytest.approx(psi_formula(r, c), rel=1e-12, abs=1e-15)
    assert js_distance(reference, current) == pytest.approx(js_reference(r, c), rel=1e-9, abs=1e-12)
    assert kl_divergence(reference, current) == pytest.approx(
        kl_reference(r, c), rel=1e-9, abs=1e-12
    )


def test_categorical_series_and_numpy_inputs():
    ref = ["n", "s", "e", "n", "n", "w"] * 20
    cur = ["n", "s", "s", "e", "w", "w", "w", "x"] * 15
    r, c = category_bins(ref, cur)
    inputs = [
        (pd.Series(ref, dtype="category"), pd.Series(cur, dtype="category")),
        (pd.Series(ref, dtype=pd.CategoricalDtype(["n", "s", "e", "w", "never"])), cur),
        (np.array(ref), np.array(cur)),
        (pd.Series(ref, dtype="string"), pd.Series(cur, dtype=object)),
    ]
    for a, b in inputs:
        assert psi(a, b) == pytest.approx(psi_formula(r, c), rel=1e-12)
        assert js_distance(a, b) == pytest.approx(js_reference(r, c), rel=1e-9)
        assert kl_divergence(a, b) == pytest.approx(kl_reference(r, c), rel=1e-9)


def test_boolean_arrays_and_nullable_boolean():
    ref = [True, False, True, True, False] * 40
    cur = [True, False, False, False] * 30
    r, c = category_bins(ref, cur)
    for a, b in (
        (np.array(ref), np.array(cur)),
        (pd.Series([*ref, None], dtype="boolean"), pd.Series([*cur, pd.NA], dtype="boolean")),
    ):
        assert psi(a, b) == pytest.approx(psi_formula(r, c), rel=1e-12)
        assert js_distance(a, b) == pytest.approx(js_reference(r, c), rel=1e-9)
        assert kl_divergence(a, b) == pytest.approx(kl_reference(r, c), rel=1e-9)
        res = chi2(a, b)
        statistic, pvalue, _ = chi2_reference(ref, cur)
        assert res.statistic == pytest.approx(statistic, rel=1e-12)
        assert_p_close(res.pvalue, pvalue)


def test_kind_categorical_forces_numbers_into_categories():
    ref = [1.0, 2.0, 2.0, 3.0] * 25
    cur = [1.0, 2.0, 3.0, 3.0, 4.0] * 20
    r, c = category_bins(ref, cur)
    assert psi(ref, cur, kind="categorical") == pytest.approx(psi_formula(r, c), rel=1e-12)
    assert js_distance(ref, cur, kind="categorical") == pytest.approx(js_reference(r, c), rel=1e-9)
    # and kind='numeric' on the same data bins on deciles instead
    rn, cn = numeric_bins(ref, cur)
    assert psi(ref, cur, kind="numeric") == pytest.approx(psi_formula(rn, cn), rel=1e-12)


def test_identical_samples_give_zero():
    rng = np.random.default_rng(16)
    x = rng.normal(size=1000)
    assert psi(x, x) == 0.0
    assert js_distance(x, x) == 0.0
    assert kl_divergence(x, x) == pytest.approx(0.0, abs=1e-15)
    assert wasserstein(x, x) == 0.0
    d, p = ks(x, x)
    assert d == 0.0 and p == 1.0


# ------------------------------------------------------------------ bad input
ALL = [psi, js_distance, kl_divergence, ks, chi2, wasserstein]
GOOD = [0.5, 1.5, 2.5, 3.5]


BAD_INPUTS = [
    ("empty-list", [], ValueError, "no (finite )?values"),
    ("empty-array", np.array([]), ValueError, "no (finite )?values"),
    ("empty-series", pd.Series([], dtype=float), ValueError, "no (finite )?values"),
    ("all-nan", [np.nan, np.nan], ValueError, "no (finite )?values"),
    ("all-nan-array", np.full(5, np.nan), ValueError, "no (finite )?values"),
    ("all-none", [None, None, pd.NA], ValueError, "no (finite )?values"),
    ("2-d", np.ones((3, 2)), ValueError, "1-D"),
    ("2-d-list", [[1.0, 2.0], [3.0, 4.0]], ValueError, "1-D"),
    ("dataframe", pd.DataFrame({"a": [1.0, 2.0]}), TypeError, "1-D|DataFrame"),
]


@pytest.mark.parametrize("side", ["reference", "current"])
@pytest.mark.parametrize(
    ("bad", "error", "pattern"), [b[1:] for b in BAD_INPUTS], ids=[b[0] for b in BAD_INPUTS]
)
@pytest.mark.parametrize("func", ALL, ids=[f.__name__ for f in ALL])
def test_bad_input_gives_clear_error(func, bad, error, pattern, side):
    args = (bad, GOOD) if side == "reference" else (GOOD, bad)
    with pytest.raises(error, match=rf"^{side}\b.*(?:{pattern})"):
        func(*args)


@pytest.mark.parametrize("side", ["reference", "current"])
@pytest.mark.parametrize("func", [ks, wasserstein], ids=["ks", "wasserstein"])
@pytest.mark.parametrize(
    "bad",
    [["a", "b", "c"], np.array(["x", "y"]), pd.Series(["1.0", "x"]), [1.0, "two", 3.0]],
    ids=["strings", "str-array", "str-series", "mixed"],
)
def test_non_numeric_to_ks_and_wasserstein(func, bad, side):
    args = (bad, GOOD) if side == "reference" else (GOOD, bad)
    with pytest.raises(TypeError, match=rf"^{side}\b.*not numbers"):
        func(*args)


@pytest.mark.parametrize("func", [psi, js_distance, kl_divergence])
def test_bad_bins_and_kind(func):
    with pytest.raises((ValueError, TypeError), match="bins"):
        func(GOOD, GOOD, bins=1)
    with pytest.raises(TypeError, match="bins"):
        func(GOOD, GOOD, bins=2.5)
    with pytest.raises(ValueError, match="kind"):
        func(GOOD, GOOD, kind="ordinal")


# ------------------------------------------------------------------ StatTestResult
def test_stat_test_result_unpacks_like_scipy():
    res = ks([0.0, 1.0, 2.0], [0.5, 3.0])
    statistic, pvalue = res
    assert (statistic, pvalue) == (res.statistic, res.pvalue)
    assert res[0] == res.statistic and res[1] == res.pvalue
    assert len(res) == 2
    assert tuple(res) == (res.statistic, res.pvalue)
    expected = sps.ks_2samp([0.0, 1.0, 2.0], [0.5, 3.0])
    assert statistic == pytest.approx(expected.statistic, abs=1e-12)
    assert pvalue == pytest.approx(expected.pvalue, rel=1e-9)
    c = chi2(["a", "b", "b"], ["a", "a", "b"])
    s, p = c
    assert (s, p) == (c.statistic, c.pvalue)
    assert isinstance(c.dof, int)


def test_stat_test_result_is_frozen():
    res = StatTestResult(statistic=0.5, pvalue=0.25, method="exact")
    with pytest.raises(AttributeError):
        res.statistic = 1.0  # type: ignore[misc]
    assert list(res) == [0.5, 0.25]
