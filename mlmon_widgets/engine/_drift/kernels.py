"""Numerical kernels shared by the public statistics and the drift engine.

Everything here works on sorted float arrays or on bin counts, so that the reference is
sorted and binned once and every window reuses it. See DESIGN.md's statistical conventions.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import stats as sps
from scipy.special import rel_entr

from .counts import (
    EMPTY_BIN_FLOOR,
    binned_distances_rows,
    chi2_rows,
    fold_bins,
    sparse_tail_folds,
    tail_chi2_rows,
)
from .smirnov import kstwo_sf

#: scipy's ks_2samp is exact when both samples have at most this many values.
KS_EXACT_MAX_N = 10_000
#: Below this x sqrt(m) x spread a prefix-sum Wasserstein is recomputed directly (see there).
_W_RECHECK = 1e9 * np.finfo(float).eps


# ---------------------------------------------------------------- binned distances
def _proportions(counts: np.ndarray) -> np.ndarray:
    counts = np.asarray(counts, dtype=float)
    return counts / counts.sum()


def _floored(counts: np.ndarray) -> np.ndarray:
    p = _proportions(counts)
    return np.where(p == 0, EMPTY_BIN_FLOOR, p)


def psi_from_counts(reference: np.ndarray, current: np.ndarray) -> float:
    """PSI = sum (c - r) ln(c / r) over bins, empty-bin proportions floored at 1e-4."""
    r = _floored(reference)
    c = _floored(current)
    return float(np.sum((c - r) * np.log(c / r)))


def js_from_counts(reference: np.ndarray, current: np.ndarray) -> float:
    """Jensen-Shannon distance, base 2, as ``scipy.spatial.distance.jensenshannon``."""
    p = _proportions(reference)
    q = _proportions(current)
    m = (p + q) / 2.0
    js = (np.sum(rel_entr(p, m)) + np.sum(rel_entr(q, m))) / np.log(2.0)
    return float(np.sqrt(max(js / 2.0, 0.0)))


def kl_from_counts(reference: np.ndarray, current: np.ndarray) -> float:
    """Smoothed KL(current || reference) in nats: floored proportions, renormalised."""
    r = _floored(reference)
    c = _floored(current)
    return float(np.sum(rel_entr(c / c.sum(), r / r.sum())))


def binned_distances(reference: np.ndarray, current: np.ndarray) -> tuple[float, float, float]:
    """PSI, JS distance and smoothed KL at once (the same as the three functions above)."""
    psi, js, kl = binned_distances_rows(reference, current)
    return float(psi[0]), float(js[0]), float(kl[0])


def chi2_from_counts(reference: np.ndarray, current: np.ndarray) -> tuple[float, float, int]:
    """``scipy.stats.chi2_contingency`` (default arguments) on the 2 x K count table.

    Categories empty on both sides are dropped first (they carry no information and would
    make the expected table zero). scipy's computation without its per-call overhead:
    expected counts from the margins, Yates' correction when dof == 1, Pearson's statistic.
    """
    statistic, p_value, dof = chi2_rows(reference, current)
    return float(statistic[0]), float(p_value[0]), int(dof[0])


# ---------------------------------------------------------------- numeric helpers
def quantile_edges(sorted_values: np.ndarray, bins: int) -> np.ndarray:
    """Interior bin edges: reference quantiles k/B, k = 1..B-1, duplicates removed."""
    if len(sorted_values) == 0:
        return np.empty(0)
    probs = np.arange(1, bins) / bins
    return np.unique(np.quantile(sorted_values, probs))


#: Reference quantiles that split the two open outer bins of the decile bins.
TAIL_PROBABILITIES = (0.01, 0.05, 0.95, 0.99)
#: The tail-refined chi-squared test merges outer bins (reference proportion x the smaller
#: sample's size) until each expects at least this many values: chosen by measurement so
#: that the test keeps its level at 200-row windows (see ``tail_chi2_from_counts``).
TAIL_MIN_EXPECTED = 2.0


def tail_edges(sorted_values: np.ndarray, bins: int) -> np.ndarray:
    """Decile-style edges (``quantile_edges``) with the outer bins split in the tails.

    The open outer bins are split at the reference quantiles 1% and 5% (below the first
    edge) and 95% and 99% (above the last), duplicates removed, so that a change confined
    to the top or bottom decile moves values between bins.

    Examples
    --------
    >>> tail_edges(np.arange(101.0), 10)
    array([ 1.,  5., 10., 20., 30., 40., 50., 60., 70., 80., 90., 95., 99.])
    """
    if len(sorted_values) == 0:
        return np.empty(0)
    tails = [q for q in TAIL_PROBABILITIES if q < 1 / bins or q > 1 - 1 / bins]
    probs = np.concatenate((np.arange(1, bins) / bins, tails))
    return np.unique(np.quantile(sorted_values, probs))


def coarse_counts(fine_edges: np.ndarray, fine_counts: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Counts on ``edges`` (a subset of ``fine_edges``) from counts on the finer bins."""
    cut = np.searchsorted(fine_edges, edges, side="left")
    starts = np.concatenate(([0], cut + 1))
    return np.add.reduceat(np.asarray(fine_counts, dtype=np.int64), starts)


def merge_sparse_tails(
    reference: np.ndarray, current: np.ndarray, n_small: int, min_expected: float
) -> tuple[np.ndarray, np.ndarray]:
    """Merge outer bins inwards until each expects ``min_expected`` values in the smaller sample.

    The expectation is the reference proportion times ``n_small``, so which bins are merged
    depends only on the reference and the sample sizes, never on the window's values (the
    test keeps its null distribution).
    """
    lo, hi = sparse_tail_folds(reference, n_small, min_expected)
    return fold_bins(reference, lo, hi), fold_bins(current, lo, hi)


def tail_chi2_from_counts(
    reference: np.ndarray, current: np.ndarray, min_expected: float | None = None
) -> tuple[float, float]:
    """Chi-squared test of the tail-refined bin counts: (statistic, p-value).

    ``scipy.stats.chi2_contingency`` (default arguments) on the 2 x K table of reference
    and current counts, after :func:`merge_sparse_tails`. A table with fewer than two
    non-empty bins has no test: ``(nan, nan)``.

    Calibration (measured on 1,000,000 null windows against a fixed 5,000-row normal
    reference, the production situation; ratio of the rejection rate to the level):

    ======  ======  ======  ======  ======  ======
    rows     0.05    0.01    1e-3    1e-4    1e-5
    ======  ======  ======  ======  ======  ======
    50       0.90    0.97    1.25    1.80    2.0
    200      0.76    0.76    0.89    1.16    1.7
    1000     0.25    0.15    0.09    0.06    0.0
    ======  ======  ======  ======  ======  ======

    so the test keeps its level at the levels a user reads (0.05 to 0.001; also checked on
    2,000 null windows of continuous and discrete data in ``tests/test_power.py``), while
    below 1e-4 at windows under a few hundred rows its p-values are up to about twice too
    small (Pearson's statistic has a heavy tail when a bin expects two values). The
    likelihood ratio (G) was measured too: better in that far tail at 200 rows (0.4 at
    1e-5) but 1.4-1.7 times too liberal at every level at 50 rows, so Pearson's, scipy's
    default, is kept. What decides a false alarm is the whole rule (Bonferroni with KS,
    the correction over every feature x window, the effect gate), measured by
    ``benchmarks/power_bench.py`` at 50- and 200-row windows.
    """
    if min_expected is None:
        min_expected = TAIL_MIN_EXPECTED
    statistic, p_value = tail_chi2_rows(reference, current, min_expected)
    return float(statistic[0]), float(p_value[0])


def bonferroni_combination(p_values: np.ndarray) -> np.ndarray:
    """One p-value from several tests of one hypothesis: ``min(1, k * min(p))`` per row.

    The Bonferroni combination of the k p-values along the last axis is valid under any
    dependence between them (here KS and the tail-refined chi-squared test, which are
    positively dependent). It was chosen over the Cauchy combination by measurement: the
    Cauchy combination of these two tests rejected 6.5% of 2,000 null windows at the 5%
    level (anti-conservative at moderate levels under dependence), while its power on the
    power benchmark was within 0.6 points of Bonferroni's. NaN components (a test that does
    not apply) are left out; all NaN gives NaN.

    Examples
    --------
    >>> bonferroni_combination(np.array([[1e-6, 0.5], [0.7, 0.2], [np.nan, 0.03]]))
    array([2.e-06, 4.e-01, 3.e-02])
    """
    p = np.asarray(p_values, dtype=float)
    present = np.isfinite(p)
    k = present.sum(axis=-1)
    smallest = np.where(present, p, 1.0).min(axis=-1)
    return np.where(k > 0, np.minimum(1.0, k * smallest), np.nan)


def bin_counts(sorted_values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Counts per bin, bins closed on the left, outer bins open (len(edges) + 1 bins)."""
    cut = np.searchsorted(sorted_values, edges, side="left")
    return np.diff(np.concatenate(([0], cut, [len(sorted_values)]))).astype(np.int64)


def distinct_steps(sorted_values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct values of a sorted array with counts below (``lt``) and at-or-below (``le``)."""
    n = len(sorted_values)
    first = np.empty(n, dtype=bool)
    first[:1] = True
    np.not_equal(sorted_values[1:], sorted_values[:-1], out=first[1:])
    lt = np.flatnonzero(first)
    le = np.append(lt[1:], n)
    return sorted_values[lt], lt, le


def ks_pvalue_asymptotic(d: np.ndarray, n1: np.ndarray, n2: np.ndarray) -> np.ndarray:
    """Two-sided p-value of ``scipy.stats.ks_2samp(method='asymp')`` for statistic ``d``."""
    d = np.asarray(d, dtype=float)
    m = np.maximum(n1, n2).astype(float)
    n = np.minimum(n1, n2).astype(float)
    en = m * n / (m + n)
    return np.clip(kstwo_sf(d, np.round(en)), 0, 1)


def _max_cdf_gap(
    f1_at: np.ndarray, f1_before: np.ndarray, lt2: np.ndarray, le2: np.ndarray, n1: float, n2: int
) -> float:
    """Sup |F1 - F2| from both CDFs at, and just before, each distinct current value."""
    at = f1_at / n1 - le2 / n2
    before = f1_before / n1 - lt2 / n2
    top = max(at.max(), before.max())
    bottom = max(-at.min(), -before.min(), 0.0)
    return float(max(top, bottom))


def _integral_abs_linear(a: np.ndarray, b: np.ndarray, width: np.ndarray) -> np.ndarray:
    """Integral of |g| over intervals where g runs linearly from ``a`` to ``b``."""
    same = (a >= 0) == (b >= 0)
    total = np.abs(a) + np.abs(b)
    with np.errstate(invalid="ignore", divide="ignore"):
        crossing = np.where(total > 0, (a * a + b * b) / np.where(total > 0, total, 1.0), 0.0)
    return width * np.where(same, total / 2.0, crossing / 2.0)


# ---------------------------------------------------------------- exact reference
class SortedReference:
    """A reference sample sorted once, for exact KS and Wasserstein against many windows.

    KS follows ``scipy.stats.ks_2samp`` (default arguments): with both samples of at most
    10,000 values scipy itself is called (its exact p-value); beyond, the statistic is found
    by ``searchsorted`` of the window's distinct values into the sorted reference,
    O(m log n), and the p-value is scipy's asymptotic formula. Wasserstein integrates
    |F1 - F2| between the window's values with prefix sums of the (centred) reference.
    """

    def __init__(self, sorted_values: np.ndarray):
        self.values = sorted_values
        self.n = len(sorted_values)
        self._prefix: np.ndarray | None = None
        self._centre = float(sorted_values[self.n // 2]) if self.n else 0.0

    def _prefix_sums(self) -> np.ndarray:
        if self._prefix is None:
            self._prefix = np.concatenate(([0.0], np.cumsum(self.values - self._centre)))
        return self._prefix

    def _integral_cdf(self, x: np.ndarray, k: np.ndarray) -> np.ndarray:
        """G(x), the integral of F1 from -inf to x, in centred units.

        ``k`` may be any count between #(ref < x) and #(ref <= x): reference values equal
        to ``x`` add ``x - r = 0``.
        """
        return (k * (x - self._centre) - self._prefix_sums()[k]) / self.n

    def compare(self, current_sorted: np.ndarray) -> tuple[float, float | None, float]:
        """KS statistic, its p-value (None: use :func:`ks_pvalue_asymptotic`) and Wasserstein."""
        n1, n2 = self.n, len(current_sorted)
        u, lt2, le2 = distinct_steps(current_sorted)
        if max(n1, n2) <= KS_EXACT_MAX_N:
            d, p, _ = self.ks(current_sorted)
            return d, p, self._wasserstein(u, le2, np.searchsorted(self.values, u, side="right"))
        d, distance = self.compare_steps(u, lt2, le2)
        return d, None, distance

    def compare_steps(self, u: np.ndarray, lt2: np.ndarray, le2: np.ndarray) -> tuple[float, float]:
        """KS statistic and Wasserstein distance of a sample given by its distinct values.

        ``u`` are the values, ``lt2`` and ``le2`` the sample's counts below and at or below
        each: the sample itself need not exist (merged counts give it).
        """
        le1 = np.searchsorted(self.values, u, side="right")
        lt1 = np.searchsorted(self.values, u, side="left")
        d = _max_cdf_gap(le1, lt1, lt2, le2, self.n, int(le2[-1]))
        return d, self._wasserstein(u, le2, le1)

    def ks(self, current_sorted: np.ndarray) -> tuple[float, float | None, str]:
        """KS statistic, p-value (None where the asymptotic formula applies) and ``'exact'``."""
        n1, n2 = self.n, len(current_sorted)
        if max(n1, n2) <= KS_EXACT_MAX_N:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                res = sps.ks_2samp(self.values, current_sorted)
            return float(res.statistic), float(res.pvalue), "exact"
        u, lt2, le2 = distinct_steps(current_sorted)
        le1 = np.searchsorted(self.values, u, side="right")
        lt1 = np.searchsorted(self.values, u, side="left")
        return _max_cdf_gap(le1, lt1, lt2, le2, n1, n2), None, "exact"

    def wasserstein(self, current_sorted: np.ndarray) -> float:
        """``scipy.stats.wasserstein_distance(reference, current)`` (not normalised)."""
        u, _, le2 = distinct_steps(current_sorted)
        return self._wasserstein(u, le2, np.searchsorted(self.values, u, side="right"))

    def _wasserstein(self, u: np.ndarray, le2: np.ndarray, le1: np.ndarray) -> float:
        n2 = np.array([int(le2[-1])])
        return float(self.wasserstein_segments(u, le2, le1, np.array([0]), n2)[0])

    def wasserstein_segments(
        self,
        u: np.ndarray,
        le2: np.ndarray,
        le1: np.ndarray,
        starts: np.ndarray,
        n2: np.ndarray,
    ) -> np.ndarray:
        """Wasserstein distance to each of several samples given by their distinct values.

        ``u`` holds the distinct values of every sample, sample after sample, each sorted;
        sample ``j`` starts at ``starts[j]`` and has ``n2[j]`` values; ``le2`` counts its
        values at or below each ``u`` and ``le1`` the reference's. Every sample must have
        at least one value.
        """
        ref, n1 = self.values, self.n
        segments = len(starts)
        ends = np.append(starts[1:], len(u))
        last = ends - 1
        g_u = self._integral_cdf(u, le1)
        total = g_u[starts].copy()  # below the first value F2 = 0: the integral of F1
        if len(u) > 1:
            # Every consecutive pair (u[i], u[i + 1]); a sample sums its own pairs only.
            a, b = u[:-1], u[1:]
            m = np.repeat(n2, ends - starts)[:-1]
            level = le2[:-1]  # F2 = level / m on [a, b)
            need = -(-(level * n1) // m)  # F1(x) >= level / m exactly from ref[need - 1] on
            mid = np.clip(ref[np.maximum(need - 1, 0)], a, b)
            k_mid = np.where(mid == a, le1[:-1], np.where(mid == b, le1[1:], need))
            g_mid = self._integral_cdf(mid, k_mid)
            f = level / m
            # F1 < f on [a, mid) and F1 >= f on [mid, b):
            pair = f * (mid - a) - (g_mid - g_u[:-1]) + (g_u[1:] - g_mid) - f * (b - mid)
            sums = np.concatenate(([0.0], np.cumsum(pair)))
            total += sums[last] - sums[starts]
        top = np.maximum(float(ref[-1]), u[last])
        g_top = self._integral_cdf(top, np.full(segments, n1))
        total += (top - u[last]) - (g_top - g_u[last])  # above the last value F2 = 1
        # The prefix sums carry an absolute rounding error below eps x sqrt(m) x the
        # reference's spread (measured: at most 0.6 of that). For nearly identical samples
        # that is large next to the distance itself, so those rare cases are recomputed the
        # way scipy does (a sum of non-negative terms) to keep 1e-9 relative agreement.
        spread = float(ref[(3 * n1) // 4] - ref[n1 // 4])
        if spread == 0:
            spread_of = top - np.minimum(float(ref[0]), u[starts])
        else:
            spread_of = np.full(segments, spread)
        recheck = total < _W_RECHECK * np.sqrt(ends - starts + 1) * spread_of
        for j in np.flatnonzero(recheck):
            values = np.repeat(u[starts[j] : ends[j]], np.diff(le2[starts[j] : ends[j]], prepend=0))
            total[j] = sps.wasserstein_distance(ref, values)
        return np.maximum(total, 0.0)

    def ks_numerators(
        self,
        le1: np.ndarray,
        lt1: np.ndarray,
        le2: np.ndarray,
        lt2: np.ndarray,
        starts: np.ndarray,
        n2: np.ndarray,
    ) -> np.ndarray:
        """``n1 x n2 x D`` (an integer) of the KS statistic of each of several samples.

        The arguments are as in :meth:`wasserstein_segments`, with ``lt1``/``lt2`` the
        counts strictly below each distinct value; the statistic is the largest gap of the
        two ECDFs at, and just before, each distinct value, in exact integer arithmetic.
        """
        segments = len(starts)
        m = np.repeat(n2.astype(np.int64), np.diff(np.append(starts, len(le1))))
        i64 = np.int64
        at = np.abs(np.asarray(le1, dtype=i64) * m - np.asarray(le2, dtype=i64) * self.n)
        before = np.abs(np.asarray(lt1, dtype=i64) * m - np.asarray(lt2, dtype=i64) * self.n)
        if segments == 0:
            return np.empty(0, dtype=np.int64)
        return np.maximum.reduceat(np.maximum(at, before), starts)


# ---------------------------------------------------------------- quantile sketch
def _refined_ranks(sorted_values: np.ndarray, size: int) -> np.ndarray:
    """``size + 1`` evenly spaced ranks, then as many again where the ECDF is least known.

    Between two kept values the ECDF is interpolated; the area it can be wrong by there is
    at most (rows between them / n) x (their distance), which is large in long tails. The
    gap with the largest such area is split at its middle rank until the budget is spent.
    A child gap always has a smaller area than its parent, so that greedy order is the
    order of all the gaps the halvings can make, sorted by area (ties by rank): they are
    generated level by level and the ``size`` largest kept, without a Python loop.
    """
    n = len(sorted_values)
    ordered = np.unique(np.round(np.linspace(0, n - 1, size + 1)).astype(np.int64))
    lo, hi = ordered[:-1], ordered[1:]
    keep = hi - lo > 1
    lo, hi = lo[keep], hi[keep]
    los, his = [], []
    while len(lo):
        los.append(lo)
        his.append(hi)
        mid = (lo + hi) // 2
        lo, hi = np.concatenate((lo, mid)), np.concatenate((mid, hi))
        keep = hi - lo > 1
        lo, hi = lo[keep], hi[keep]
    if not los:
        return ordered
    lo, hi = np.concatenate(los), np.concatenate(his)
    area = (hi - lo) * (sorted_values[hi] - sorted_values[lo])
    positive = area > 0
    lo, hi, area = lo[positive], hi[positive], area[positive]
    if len(area) > size:  # the largest ``size`` areas (and any tied with the last of them)
        near = area >= np.partition(area, len(area) - size)[len(area) - size]
        lo, hi, area = lo[near], hi[near], area[near]
    chosen = np.lexsort((hi, lo, -area))[:size]
    return np.union1d(ordered, (lo[chosen] + hi[chosen]) // 2)


class QuantileSketch:
    """The reference ECDF kept at distinct values with exact counts below and at-or-below.

    With at most ``size`` distinct values (or at most 10,000 rows) every distinct value is
    kept and the sketch is lossless. Otherwise values at ``size + 1`` evenly spaced ranks are
    kept and the ECDF is interpolated linearly between them, which is within about
    ``1 / size`` of the true ECDF everywhere, so KS from the sketch is within that of the
    exact statistic.
    """

    def __init__(self, values: np.ndarray, lt: np.ndarray, le: np.ndarray, n: int):
        self.values = np.asarray(values, dtype=float)
        self.lt = np.asarray(lt, dtype=np.int64)
        self.le = np.asarray(le, dtype=np.int64)
        self.n = int(n)
        self.lossless = bool(
            self.n == 0
            or (self.lt[0] == 0 and self.le[-1] == self.n and np.all(self.lt[1:] == self.le[:-1]))
        )

    @classmethod
    def from_sorted(cls, sorted_values: np.ndarray, size: int) -> QuantileSketch:
        n = len(sorted_values)
        if n == 0:
            return cls(np.empty(0), np.empty(0), np.empty(0), 0)
        values, lt, le = distinct_steps(sorted_values)
        if len(values) <= size or n <= KS_EXACT_MAX_N:
            return cls(values, lt, le, n)
        ranks = _refined_ranks(sorted_values, size)
        values = np.unique(sorted_values[ranks])
        lt = np.searchsorted(sorted_values, values, side="left")
        le = np.searchsorted(sorted_values, values, side="right")
        return cls(values, lt, le, n)

    def sample(self) -> np.ndarray:
        """The reference sample itself (only for a lossless sketch)."""
        return np.repeat(self.values, self.le - self.lt)

    def counts_at(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Approximate #(ref <= x) and #(ref < x) (exact for a lossless sketch)."""
        v = self.values
        j = np.searchsorted(v, x, side="right") - 1
        jc = np.clip(j, 0, len(v) - 1)
        jn = np.clip(j + 1, 0, len(v) - 1)
        exact = (j >= 0) & (v[jc] == x)
        gap_lo = self.le[jc].astype(float)
        gap_hi = self.lt[jn].astype(float)
        width = v[jn] - v[jc]
        with np.errstate(invalid="ignore", divide="ignore"):
            frac = np.where(width > 0, (x - v[jc]) / np.where(width > 0, width, 1.0), 0.0)
        inside = gap_lo + (gap_hi - gap_lo) * frac
        le = np.where(j < 0, 0.0, np.where(j >= len(v) - 1, float(self.n), inside))
        le = np.where(exact, self.le[jc], le)
        lt = np.where(exact, self.lt[jc], le)
        return le, lt

    def ks_statistic(self, current_sorted: np.ndarray) -> float:
        return self.ks_statistic_steps(*distinct_steps(current_sorted))

    def ks_statistic_steps(self, u: np.ndarray, lt2: np.ndarray, le2: np.ndarray) -> float:
        """:meth:`ks_statistic` of a sample given by its distinct values and counts."""
        le1, lt1 = self.counts_at(u)
        return _max_cdf_gap(le1, lt1, lt2, le2, self.n, int(le2[-1]))

    def wasserstein(self, current_sorted: np.ndarray) -> float:
        """Integral of |F1 - F2| with F1 the sketch's piecewise-linear ECDF."""
        u, _, le2 = distinct_steps(current_sorted)
        return self.wasserstein_steps(u, le2)

    def wasserstein_steps(self, u: np.ndarray, le2: np.ndarray) -> float:
        """:meth:`wasserstein` of a sample given by its distinct values and counts."""
        grid = np.union1d(self.values, u)
        f1_at, _ = self.counts_at(grid)
        # F1 just before the next grid point: the exact count below it at sketch values,
        # the interpolated count elsewhere (F1 is continuous between sketch values).
        _, f1_next = self.counts_at(grid[1:])
        f2 = np.searchsorted(u, grid[:-1], side="right")
        f2_level = np.where(f2 > 0, le2[np.maximum(f2 - 1, 0)], 0) / int(le2[-1])
        a = f1_at[:-1] / self.n - f2_level
        b = f1_next / self.n - f2_level
        return float(np.sum(_integral_abs_linear(a, b, np.diff(grid))))
