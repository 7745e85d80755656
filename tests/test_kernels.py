"""The engine's numerical kernels against scipy and against the DESIGN.md formulas."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps

from mlmon_widgets.engine._drift.kernels import (  # white-box: the kernels
    QuantileSketch,
    SortedReference,
    bin_counts,
    ks_pvalue_asymptotic,
    quantile_edges,
)

from .helpers import TINY, assert_p_close

SKETCH_SIZE = 2048


def engine_ks(reference: np.ndarray, current: np.ndarray) -> tuple[float, float]:
    """Statistic and p-value the way the engine assembles them (batch asymptotic p)."""
    ref, cur = np.sort(reference), np.sort(current)
    d, p, method = SortedReference(ref).ks(cur)
    assert method == "exact"
    if max(len(ref), len(cur)) <= 10_000:
        assert p is not None
    else:
        assert p is None
        p = float(ks_pvalue_asymptotic(d, len(ref), len(cur)))
    return d, p


def _pairs():
    rng = np.random.default_rng(31)
    n = rng.normal
    return [
        ("small-same", n(size=200), n(size=150)),
        ("small-shift", n(size=3000), n(0.2, 1, size=2000)),
        (
            "small-ties",
            rng.integers(0, 5, 800).astype(float),
            rng.integers(0, 6, 600).astype(float),
        ),
        ("boundary-10000", n(size=10_000), n(0.03, 1, size=10_000)),
        ("tiny", np.array([1.0, 2.0, 3.0]), np.array([2.5])),
        ("large-same", n(size=50_000), n(size=20_000)),
        ("large-shift", n(size=50_000), n(0.04, 1, size=20_000)),
        ("large-scale", n(size=30_000), n(0, 1.1, size=30_000)),
        ("large-small-window", n(size=60_000), n(0.3, 1, size=25)),
        ("large-window", n(size=300), n(size=40_000)),
        (
            "large-ties",
            rng.integers(0, 7, 40_000).astype(float),
            rng.integers(0, 7, 15_000).astype(float),
        ),
        ("large-ties-many", np.round(n(0, 30, 40_000)), np.round(n(1, 30, 15_000))),
        ("large-lognormal", rng.lognormal(0, 2, 40_000), rng.lognormal(0, 2, 12_000) * 1.05),
        ("large-cauchy", rng.standard_t(1, 40_000), rng.standard_t(1, 12_000)),
        ("large-disjoint", n(size=20_000), n(40, 1, size=20_000)),
        ("large-point-mass", n(size=20_000), np.full(11_000, 0.0)),
        ("large-current-outside-below", n(size=20_000), n(-30, 1, size=500)),
        ("large-offset-1e6", 1e6 + n(0, 1e-3, 30_000), 1e6 + n(1e-4, 1e-3, 12_000)),
        ("tiny-one-value-moved", np.array([0.0, 1.0, 2.0]), np.array([0.0, 1.0, 2.0 + 1e-9])),
        ("small-near-identical", near := n(size=500), near + 1e-7),
        ("large-near-identical", near2 := n(size=20_000), near2 + 1e-7),
        ("large-half-moved", half := n(size=12_000), np.r_[half[:6000], half[6000:] + 1e-6]),
    ]


PAIRS = _pairs()
PAIR_IDS = [p[0] for p in PAIRS]


@pytest.mark.parametrize(("reference", "current"), [p[1:] for p in PAIRS], ids=PAIR_IDS)
def test_sorted_reference_ks_matches_scipy(reference, current):
    expected = sps.ks_2samp(reference, current)
    d, p = engine_ks(reference, current)
    np.testing.assert_allclose(d, expected.statistic, rtol=0, atol=1e-12)
    assert_p_close(p, float(expected.pvalue))


@pytest.mark.parametrize(("reference", "current"), [p[1:] for p in PAIRS], ids=PAIR_IDS)
def test_sorted_reference_wasserstein_matches_scipy(reference, current):
    expected = sps.wasserstein_distance(reference, current)
    got = SortedReference(np.sort(reference)).wasserstein(np.sort(current))
    np.testing.assert_allclose(
        got / np.std(reference), expected / np.std(reference), rtol=1e-9, atol=0
    )


def test_sorted_reference_is_reusable_across_windows():
    rng = np.random.default_rng(32)
    ref = rng.normal(size=40_000)
    sr = SortedReference(np.sort(ref))
    for shift, size in ((0.0, 15_000), (0.1, 500), (0.5, 12_000), (-0.2, 3)):
        cur = rng.normal(shift, 1, size=size)
        expected = sps.ks_2samp(ref, cur)
        d, p, _ = sr.ks(np.sort(cur))
        np.testing.assert_allclose(d, expected.statistic, rtol=0, atol=1e-12)
        if p is None:
            p = float(ks_pvalue_asymptotic(d, len(ref), len(cur)))
        assert_p_close(p, float(expected.pvalue))
        np.testing.assert_allclose(
            sr.wasserstein(np.sort(cur)), sps.wasserstein_distance(ref, cur), rtol=1e-9, atol=0
        )


def test_ks_pvalue_asymptotic_matches_scipy_asymp():
    rng = np.random.default_rng(33)
    d_all, n1_all, n2_all, expected = [], [], [], []
    for n1, n2, shift in (
        (50, 70, 0.3),
        (1000, 1000, 0.05),
        (50_000, 20_000, 0.01),
        (20_000, 50_000, 0.02),
        (7, 100_000, 0.5),
        (12_345, 678, 0.0),
    ):
        a, b = rng.normal(size=n1), rng.normal(shift, 1, size=n2)
        res = sps.ks_2samp(a, b, method="asymp")
        d_all.append(res.statistic)
        n1_all.append(n1)
        n2_all.append(n2)
        expected.append(res.pvalue)
        assert_p_close(float(ks_pvalue_asymptotic(res.statistic, n1, n2)), float(res.pvalue))
    batch = ks_pvalue_asymptotic(np.array(d_all), np.array(n1_all), np.array(n2_all))
    assert batch.shape == (len(expected),)
    for got, want in zip(batch, expected, strict=True):
        assert_p_close(float(got), float(want))
    # limits: D = 0 gives 1, D = 1 gives (nearly) 0, and the result is a probability
    assert float(ks_pvalue_asymptotic(0.0, 100, 100)) == 1.0
    assert float(ks_pvalue_asymptotic(1.0, 50_000, 50_000)) < TINY
    grid = ks_pvalue_asymptotic(np.linspace(0, 1, 101), np.full(101, 30_000), np.full(101, 20_000))
    assert np.all((grid >= 0) & (grid <= 1))
    assert np.all(np.diff(grid) <= 0)


# ------------------------------------------------------------------ bins
@pytest.mark.parametrize("bins", [2, 4, 10, 20])
def test_quantile_edges_and_bin_counts_follow_design(bins):
    rng = np.random.default_rng(34)
    for ref in (
        rng.normal(size=997),
        rng.integers(0, 4, 500).astype(float),
        np.arange(1.0, 9.0),
        np.full(10, 3.0),
        np.array([7.0]),
    ):
        ordered = np.sort(ref)
        edges = quantile_edges(ordered, bins)
        expected_edges = np.unique(np.quantile(ref, [k / bins for k in range(1, bins)]))
        np.testing.assert_array_equal(edges, expected_edges)
        for values in (ref, rng.normal(size=300) * 3, np.r_[edges, edges, [-1e9, 1e9]]):
            got = bin_counts(np.sort(values), edges)
            want = np.bincount(
                np.searchsorted(edges, values, side="right"), minlength=len(edges) + 1
            )
            np.testing.assert_array_equal(got, want)
            assert got.sum() == len(values)


def test_bin_counts_edge_cases():
    edges = np.array([1.0, 2.0])
    np.testing.assert_array_equal(bin_counts(np.array([]), edges), [0, 0, 0])
    # closed on the left: a value on an edge belongs to the bin above it
    np.testing.assert_array_equal(bin_counts(np.array([1.0, 2.0]), edges), [0, 1, 1])
    np.testing.assert_array_equal(bin_counts(np.array([-5.0, 0.999, 1.5, 99.0]), edges), [2, 1, 1])
    # no edges (constant reference): one bin holds everything
    np.testing.assert_array_equal(bin_counts(np.array([1.0, 2.0, 3.0]), np.empty(0)), [3])
    assert quantile_edges(np.empty(0), 10).size == 0


# ------------------------------------------------------------------ quantile sketch
def test_sketch_lossless_when_few_distinct_values():
    rng = np.random.default_rng(35)
    ref = np.sort(rng.integers(0, SKETCH_SIZE, 200_000).astype(float))
    assert len(np.unique(ref)) == SKETCH_SIZE
    sketch = QuantileSketch.from_sorted(ref, SKETCH_SIZE)
    assert sketch.lossless
    assert sketch.n == len(ref)
    np.testing.assert_array_equal(sketch.sample(), ref)


def test_sketch_lossless_when_at_most_10000_rows():
    rng = np.random.default_rng(36)
    for ref in (
        rng.normal(size=10_000),
        rng.lognormal(size=5000),
        np.array([1.5]),
        rng.normal(size=2049),
    ):
        ordered = np.sort(ref)
        sketch = QuantileSketch.from_sorted(ordered, SKETCH_SIZE)
        assert sketch.lossless
        np.testing.assert_array_equal(sketch.sample(), ordered)


def test_sketch_lossy_when_large_and_many_distinct():
    ref = np.sort(np.random.default_rng(37).normal(size=10_001))
    sketch = QuantileSketch.from_sorted(ref, SKETCH_SIZE)
    assert not sketch.lossless
    assert len(sketch.values) <= 2 * SKETCH_SIZE + 1
    assert sketch.n == len(ref)


@pytest.mark.parametrize("size", [16, 100])
def test_lossless_sketch_gives_exact_ks_and_wasserstein(size):
    rng = np.random.default_rng(38)
    ref = np.sort(rng.integers(0, size, 50_000).astype(float))
    sketch = QuantileSketch.from_sorted(ref, size)
    assert sketch.lossless
    for cur in (
        rng.integers(0, size, 20_000),
        rng.integers(-3, size + 5, 300),
        np.full(12_000, size / 2 + 0.5),
    ):
        cur = np.sort(cur.astype(float))
        expected = sps.ks_2samp(ref, cur).statistic
        np.testing.assert_allclose(sketch.ks_statistic(cur), expected, rtol=0, atol=1e-12)
        w = sps.wasserstein_distance(ref, cur) / np.std(ref)
        np.testing.assert_allclose(sketch.wasserstein(cur) / np.std(ref), w, rtol=1e-9, atol=1e-12)


def _mixture(rng, n):
    pick = rng.random(n)
    return np.where(
        pick < 0.3,
        rng.normal(8, 0.1, n),
        np.where(pick < 0.35, rng.exponential(50, n), rng.normal(0, 1, n)),
    )


GENERATORS = {
    "normal": lambda rng, n: rng.normal(size=n),
    "lognormal": lambda rng, n: rng.lognormal(0, 1.5, n),
    "pareto": lambda rng, n: rng.pareto(1.5, n),
    "student-t3": lambda rng, n: rng.standard_t(3, n),
    "discrete-many-values": lambda rng, n: rng.integers(0, 20_000, n).astype(float),
    "discrete-skewed": lambda rng, n: np.floor(rng.exponential(2000, n)),
    "mixture": _mixture,
}


@pytest.mark.parametrize("name", list(GENERATORS))
def test_lossy_sketch_ks_and_wasserstein_accuracy(name):
    gen = GENERATORS[name]
    rng = np.random.default_rng(40 + list(GENERATORS).index(name))
    ref = np.sort(gen(rng, 200_000))
    sketch = QuantileSketch.from_sorted(ref, SKETCH_SIZE)
    assert not sketch.lossless
    exact = SortedReference(ref)
    std = np.std(ref)
    med = np.median(ref)
    windows = [
        gen(rng, 50_000),
        gen(rng, 5000),
        gen(rng, 300) * 1.1,
        gen(rng, 2000) + 0.1 * std,
        np.full(1000, med),  # a point mass between sketch values
        rng.choice(ref[(ref > np.quantile(ref, 0.4)) & (ref < np.quantile(ref, 0.41))], 3000),
        gen(rng, 20_000)[:10] - 3 * std,
    ]
    for cur in windows:
        cur = np.sort(cur)
        d_exact = sps.ks_2samp(ref, cur).statistic
        np.testing.assert_allclose(exact.ks(cur)[0], d_exact, rtol=0, atol=1e-12)
        assert abs(sketch.ks_statistic(cur) - d_exact) <= 1e-3
        w_exact = sps.wasserstein_distance(ref, cur) / std
        assert abs(sketch.wasserstein(cur) / std - w_exact) <= 1e-3


def test_sketch_counts_at_are_exact_at_kept_values_and_bounded_between():
    rng = np.random.default_rng(41)
    ref = np.sort(rng.normal(size=100_000))
    sketch = QuantileSketch.from_sorted(ref, SKETCH_SIZE)
    le, lt = sketch.counts_at(sketch.values)
    np.testing.assert_array_equal(le, np.searchsorted(ref, sketch.values, side="right"))
    np.testing.assert_array_equal(lt, np.searchsorted(ref, sketch.values, side="left"))
    probe = rng.normal(size=10_000) * 1.5
    le, _ = sketch.counts_at(probe)
    true = np.searchsorted(ref, probe, side="right")
    assert np.max(np.abs(le - true)) / len(ref) <= 1 / SKETCH_SIZE
    # outside the range: 0 below, n above
    le, _ = sketch.counts_at(np.array([-1e9, 1e9]))
    assert le.tolist() == [0.0, float(len(ref))]


def _greedy_ranks(sorted_values, size):
    """The sketch's rank refinement as first written: a heap of gaps, split greedily."""
    import heapq
    import itertools

    n = len(sorted_values)
    ranks = set(np.unique(np.round(np.linspace(0, n - 1, size + 1)).astype(np.int64)).tolist())
    heap = []
    for lo, hi in itertools.pairwise(sorted(ranks)):
        if hi - lo > 1:
            heap.append((-(hi - lo) * float(sorted_values[hi] - sorted_values[lo]), lo, hi))
    heapq.heapify(heap)
    for _ in range(size):
        if not heap:
            break
        area, lo, hi = heapq.heappop(heap)
        if area == 0:
            break
        mid = (lo + hi) // 2
        ranks.add(mid)
        for a, b in ((lo, mid), (mid, hi)):
            if b - a > 1:
                heapq.heappush(heap, (-(b - a) * float(sorted_values[b] - sorted_values[a]), a, b))
    return np.fromiter(sorted(ranks), dtype=np.int64)


@pytest.mark.parametrize("seed", range(4))
def test_vectorised_rank_refinement_is_the_greedy_one(seed):
    from mlmon_widgets.engine._drift.kernels import _refined_ranks

    rng = np.random.default_rng(seed)
    samples = [
        rng.lognormal(0, 2, 40_000),
        np.round(rng.normal(size=25_000), 2),  # ties: zero-area gaps
        rng.integers(0, 5, 12_000).astype(float),
        rng.standard_cauchy(30_000),
    ]
    for values in samples:
        ordered = np.sort(values)
        for size in (10, 200, 1000):
            np.testing.assert_array_equal(
                _refined_ranks(ordered, size), _greedy_ranks(ordered, size)
            )
