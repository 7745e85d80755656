"""Binned statistics of many windows at once, on count matrices (one row per window).

The single-window functions of :mod:`.kernels` are these with one row, so a window gets
the same numbers whether it is computed alone (a live append) or with all the others.
"""

from __future__ import annotations

import numpy as np
from scipy import special

#: Proportion that replaces an empty bin's proportion in PSI and KL.
EMPTY_BIN_FLOOR = 1e-4


def _as_rows(reference: np.ndarray, current: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    current = np.atleast_2d(np.asarray(current, dtype=float))
    reference = np.broadcast_to(np.asarray(reference, dtype=float), current.shape)
    return reference, current


def binned_distances_rows(
    reference: np.ndarray, current: np.ndarray, present: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """PSI, JS distance (base 2) and smoothed KL(current || reference) of every row.

    ``reference`` is one count vector (or one per row), ``current`` a windows x bins count
    matrix. ``present`` (windows x bins, optional) marks the bins that exist for a row
    (categories seen on either side); the others are left out, as if the row had only its
    present bins. Empty-bin proportions are floored at 1e-4 in PSI and KL (KL renormalised).
    """
    r_counts, c_counts = _as_rows(reference, current)
    if present is None:
        present = np.ones(c_counts.shape, dtype=bool)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = r_counts / r_counts.sum(axis=1, keepdims=True)
        q = c_counts / c_counts.sum(axis=1, keepdims=True)
        r = np.where(present, np.where(p == 0, EMPTY_BIN_FLOOR, p), 1.0)
        c = np.where(present, np.where(q == 0, EMPTY_BIN_FLOOR, q), 1.0)
        psi = np.sum((c - r) * np.log(c / r), axis=1)
        m = (p + q) / 2.0
        js = (special.rel_entr(p, m) + special.rel_entr(q, m)).sum(axis=1) / np.log(2.0)
        r_norm = np.where(present, r, 0.0)
        c_norm = np.where(present, c, 0.0)
        r_norm = r_norm / r_norm.sum(axis=1, keepdims=True)
        c_norm = c_norm / c_norm.sum(axis=1, keepdims=True)
        kl = np.where(present, special.rel_entr(c_norm, r_norm), 0.0).sum(axis=1)
    return psi, np.sqrt(np.maximum(js / 2.0, 0.0)), kl


def chi2_rows(
    reference: np.ndarray, current: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``scipy.stats.chi2_contingency`` (default arguments) of each 2 x K table.

    Row ``i``'s table is ``reference`` (or its row ``i``) over ``current[i]``. Bins empty on
    both sides are dropped first; a table with fewer than two bins left gives statistic 0,
    p-value 1 and 0 degrees of freedom. Yates' correction applies where dof == 1, as in
    scipy. Returns (statistic, p-value, dof) arrays.
    """
    r_obs, c_obs = _as_rows(reference, current)
    column = r_obs + c_obs
    present = column > 0
    dof = present.sum(axis=1) - 1
    r_total = r_obs.sum(axis=1, keepdims=True)
    c_total = c_obs.sum(axis=1, keepdims=True)
    total = r_total + c_total
    with np.errstate(invalid="ignore", divide="ignore"):
        r_exp = r_total * column / total
        c_exp = c_total * column / total
        yates = (dof == 1)[:, None]
        terms = []
        for observed, expected in ((r_obs, r_exp), (c_obs, c_exp)):
            diff = expected - observed
            corrected = observed + np.minimum(0.5, np.abs(diff)) * np.sign(diff)
            observed = np.where(yates, corrected, observed)
            terms.append(np.where(present, (observed - expected) ** 2 / expected, 0.0))
        statistic = terms[0].sum(axis=1) + terms[1].sum(axis=1)
    tested = dof >= 1
    statistic = np.where(tested, statistic, 0.0)
    p_value = np.where(tested, special.chdtrc(np.maximum(dof, 1), statistic), 1.0)
    return statistic, p_value, np.maximum(dof, 0)


def sparse_tail_folds(reference: np.ndarray, n_small: int, min_expected: float) -> tuple[int, int]:
    """The bins ``lo:hi`` kept when sparse outer bins are merged inwards.

    Outer bins merge until each expects ``min_expected`` values in a sample of ``n_small``,
    which depends only on the reference and the sample size, never on the window's values.
    """
    reference = np.asarray(reference, dtype=np.int64)
    expected = reference / max(int(reference.sum()), 1) * n_small
    lo, hi = 0, len(reference)
    while hi - lo > 2 and expected[lo] < min_expected:
        expected[lo + 1] += expected[lo]
        lo += 1
    while hi - lo > 2 and expected[hi - 1] < min_expected:
        expected[hi - 2] += expected[hi - 1]
        hi -= 1
    return lo, hi


def fold_bins(counts: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Bins ``lo:hi`` of the last axis, the bins outside added to the outermost kept ones."""
    counts = np.asarray(counts, dtype=np.int64)
    if lo == 0 and hi == counts.shape[-1]:
        return counts
    inner = counts[..., lo:hi].copy()
    inner[..., 0] += counts[..., :lo].sum(axis=-1)
    inner[..., -1] += counts[..., hi:].sum(axis=-1)
    return inner


def tail_chi2_rows(
    reference: np.ndarray, current: np.ndarray, min_expected: float
) -> tuple[np.ndarray, np.ndarray]:
    """The tail-refined chi-squared test of every row (see ``kernels.tail_chi2_from_counts``).

    Sparse outer bins are merged as each row's sample size requires; a row with fewer than two
    non-empty bins after merging has no test (NaN, NaN).
    """
    reference = np.asarray(reference, dtype=np.int64)
    current = np.atleast_2d(np.asarray(current, dtype=np.int64))
    statistic = np.full(len(current), np.nan)
    p_value = np.full(len(current), np.nan)
    n_small = np.minimum(int(reference.sum()), current.sum(axis=1))
    sizes, of_size = np.unique(n_small, return_inverse=True)
    folds = np.array([sparse_tail_folds(reference, int(k), min_expected) for k in sizes])
    folds = folds.reshape(-1, 2)[np.asarray(of_size).reshape(-1)]
    for lo, hi in np.unique(folds, axis=0).tolist():  # rows merged alike are tested at once
        rows = np.flatnonzero((folds[:, 0] == lo) & (folds[:, 1] == hi))
        ref, cur = fold_bins(reference, lo, hi), fold_bins(current[rows], lo, hi)
        stat, p, _ = chi2_rows(ref, cur)
        testable = np.count_nonzero(ref + cur, axis=1) >= 2
        statistic[rows] = np.where(testable, stat, np.nan)
        p_value[rows] = np.where(testable, p, np.nan)
    return statistic, p_value
