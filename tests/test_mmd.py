"""mmd: the unbiased squared MMD against a direct computation, its p-values calibrated.

References: Gretton et al. (2012), "A kernel two-sample test", eq. 3 (the unbiased
statistic, here computed by a plain double loop) and the permutation test; Zaremba,
Gretton & Blaschko (2013), "B-tests" (the block statistic and its normal null).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

import mlmon_widgets as mm
from mlmon_widgets.engine._multivariate.encoding import encode
from mlmon_widgets.engine._multivariate.mmd import unbiased_mmd2


def _loop_mmd2(x: np.ndarray, y: np.ndarray, sigma: float) -> float:
    """Eq. 3 of Gretton et al. (2012), term by term."""

    def k(u, v):
        return np.exp(-np.sum((u - v) ** 2) / (2 * sigma**2))

    m, n = len(x), len(y)
    xx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    yy = sum(k(y[i], y[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    xy = sum(k(x[i], y[j]) for i in range(m) for j in range(n)) / (m * n)
    return xx + yy - 2 * xy


def _mixed(rng, n, shift=0.0):
    frame = pd.DataFrame(
        {
            "x": rng.normal(shift, 2.0, n),
            "z": rng.exponential(1.0, n),
            "c": rng.choice(["a", "b", "c"], n),
        }
    )
    frame.loc[rng.random(n) < 0.1, "x"] = np.nan
    frame.loc[rng.random(n) < 0.1, "c"] = None
    return frame


def test_statistic_equals_the_double_loop_on_mixed_data():
    rng = np.random.default_rng(1)
    ref, cur = _mixed(rng, 40), _mixed(rng, 35, shift=0.5)
    result = mm.mmd(ref, cur, permutations=20)
    encoded = encode(ref, cur)
    want = _loop_mmd2(encoded.reference, encoded.current, result.bandwidth)
    assert result.method == "exact" and result.exact
    assert result.statistic == pytest.approx(want, rel=1e-12, abs=1e-15)
    assert unbiased_mmd2(encoded.reference, encoded.current, result.bandwidth) == pytest.approx(
        want, rel=1e-12, abs=1e-15
    )


def test_the_encoding_is_the_reference_standardisation():
    rng = np.random.default_rng(2)
    ref = pd.DataFrame({"x": rng.normal(5, 3, 200), "c": rng.choice(["p", "q"], 200)})
    cur = pd.DataFrame({"x": rng.normal(5, 3, 100), "c": rng.choice(["p", "q", "r"], 100)})
    encoded = encode(ref, cur)
    x = ref["x"].to_numpy()
    np.testing.assert_allclose(encoded.reference[:, 0], (x - x.mean()) / np.std(x), rtol=1e-14)
    np.testing.assert_allclose(
        encoded.current[:, 0], (cur["x"].to_numpy() - x.mean()) / np.std(x), rtol=1e-14
    )
    # the reference's categories (in the order they appear), then the new ones
    assert encoded.columns[0] == "x" and set(encoded.columns[1:3]) == {"c=p", "c=q"}
    assert encoded.columns[3] == "c=r"
    # two categories are at squared distance 1, as one standard deviation is
    one_hot = encoded.current[:, 1:]
    p, r = one_hot[cur["c"] == "p"][0], one_hot[cur["c"] == "r"][0]
    assert np.sum((p - r) ** 2) == pytest.approx(1.0)
    sigma = 0.7
    result = mm.mmd(ref, cur, bandwidth=sigma, permutations=10)
    assert result.bandwidth == sigma
    # the exact path (kernel blocks and label sums) equals the plain kernel matrices
    want = unbiased_mmd2(encoded.reference, encoded.current, sigma)
    assert result.statistic == pytest.approx(want, rel=1e-12)


def test_permutation_pvalue_equals_a_plain_relabelling_loop():
    rng = np.random.default_rng(3)
    ref = pd.DataFrame({"x": rng.normal(size=30), "y": rng.normal(size=30)})
    cur = pd.DataFrame({"x": rng.normal(0.4, 1, 25), "y": rng.normal(size=25)})
    result = mm.mmd(ref, cur, permutations=199, seed=7)
    encoded = encode(ref, cur)
    pooled = np.vstack((encoded.reference, encoded.current))
    draw = np.random.default_rng(7)
    null = []
    for _ in range(199):
        mask = np.zeros(len(pooled), dtype=bool)
        mask[draw.permutation(len(pooled))[:30]] = True
        null.append(unbiased_mmd2(pooled[mask], pooled[~mask], result.bandwidth))
    null = np.array(null)
    np.testing.assert_allclose(result.null, null, rtol=1e-10, atol=1e-13)
    k = int(np.sum(null >= result.statistic - 1e-12))
    assert result.pvalue == (k + 1) / 200
    assert result.pvalue > 0


def test_exact_pvalues_are_uniform_under_the_null():
    pvalues = []
    for seed in range(200):
        rng = np.random.default_rng(100 + seed)
        ref = pd.DataFrame(rng.normal(size=(30, 3)), columns=list("abc"))
        cur = pd.DataFrame(rng.normal(size=(30, 3)), columns=list("abc"))
        pvalues.append(mm.mmd(ref, cur, permutations=99, seed=seed).pvalue)
    assert sps.kstest(pvalues, "uniform").pvalue > 0.01


def test_block_false_alarms_within_alpha():
    """200 null runs at alpha = 0.05: rejections within the binomial 99% upper bound."""
    rejected = 0
    for seed in range(200):
        rng = np.random.default_rng(500 + seed)
        ref = pd.DataFrame(rng.normal(size=(400, 4)), columns=list("abcd"))
        cur = pd.DataFrame(rng.normal(size=(400, 4)), columns=list("abcd"))
        rejected += mm.mmd(ref, cur, method="block", seed=seed).pvalue < 0.05
    assert rejected <= sps.binom.ppf(0.99, 200, 0.05)


def test_block_statistic_estimates_the_exact_one():
    rng = np.random.default_rng(4)
    ref = pd.DataFrame(rng.normal(size=(1500, 3)), columns=list("abc"))
    cur = pd.DataFrame(rng.normal(0.3, 1, size=(1500, 3)), columns=list("abc"))
    exact = mm.mmd(ref, cur, method="exact", permutations=10, bandwidth=1.5)
    block = mm.mmd(ref, cur, method="block", bandwidth=1.5)
    assert block.method == "block" and not block.exact
    assert abs(block.statistic - exact.statistic) < 4 * block.std_error


def test_a_flipped_correlation_that_no_single_feature_shows():
    """Marginals unchanged, correlation 0.8 -> -0.8 at 5,000 rows a side."""
    rng = np.random.default_rng(5)
    n = 5000
    ref = pd.DataFrame(rng.multivariate_normal([0, 0], [[1, 0.8], [0.8, 1]], n), columns=["u", "v"])
    cur = pd.DataFrame(
        rng.multivariate_normal([0, 0], [[1, -0.8], [-0.8, 1]], n), columns=["u", "v"]
    )
    table = mm.drift_table(ref, cur)
    assert (table["severity"] == "ok").all()
    result = mm.mmd(ref, cur)
    assert result.method == "block"  # 10,000 rows: beyond the exact path's 4,000
    assert result.pvalue < 1e-6


def test_refusals_name_the_argument():
    rng = np.random.default_rng(6)
    ref = pd.DataFrame({"x": rng.normal(size=50)})
    with pytest.raises(ValueError, match="kernel"):
        mm.mmd(ref, ref, kernel="laplace")
    with pytest.raises(ValueError, match="method"):
        mm.mmd(ref, ref, method="linear")
    with pytest.raises(ValueError, match="bandwidth"):
        mm.mmd(ref, ref, bandwidth=0)
    with pytest.raises(ValueError, match="bandwidth"):
        mm.mmd(ref, ref, bandwidth="mean")
    with pytest.raises(ValueError, match="at least 4 rows"):
        mm.mmd(ref, ref.iloc[:3])
    with pytest.raises(ValueError, match="current has no column 'x'"):
        mm.mmd(ref, pd.DataFrame({"y": [1.0] * 10}))
    with pytest.raises(ValueError, match="no finite value in the reference"):
        mm.mmd(pd.DataFrame({"x": [np.nan] * 10}), ref)


def test_a_small_sample_against_a_large_one():
    """12 rows against 5,000: the exact test on a subsample, calibrated; block caps the larger."""
    rejected = 0
    for seed in range(100):
        rng = np.random.default_rng(900 + seed)
        ref = pd.DataFrame(rng.normal(size=(5000, 2)), columns=["a", "b"])
        cur = pd.DataFrame(rng.normal(size=(12, 2)), columns=["a", "b"])
        found = mm.mmd(ref, cur, permutations=99, seed=seed)
        rejected += found.pvalue < 0.05
    assert found.method == "exact" and found.n_reference + found.n_current == 4000
    assert rejected <= sps.binom.ppf(0.99, 100, 0.05)
    rng = np.random.default_rng(1)
    big = pd.DataFrame(rng.normal(size=(50_000, 2)), columns=["a", "b"])
    small = pd.DataFrame(rng.normal(size=(1000, 2)), columns=["a", "b"])
    found = mm.mmd(big, small)
    assert found.method == "block" and found.n_reference == 10_000
