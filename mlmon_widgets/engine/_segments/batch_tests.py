"""Tests over many slices at once, from counts and sums: what the slice search scores with.

Each function takes a batch of tables along the first axis and returns one value per
table, equal to scipy's on each table alone (tests pin them).
"""

from __future__ import annotations

import numpy as np
from scipy import stats as sps

from .._drift.kernels import EMPTY_BIN_FLOOR

#: Iterative proportional fitting stops when no fitted count moves by more than this.
_IPF_TOLERANCE = 1e-9
_IPF_MAX_ITERATIONS = 200


def chi2_batch(reference: np.ndarray, current: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pearson's chi-squared test of each 2 x K table ``[reference[i], current[i]]``.

    As ``scipy.stats.chi2_contingency`` with its defaults: bins empty on both sides are
    dropped, Yates' correction when one degree of freedom remains; a table with fewer than
    two non-empty bins gets statistic 0 and p-value 1.

    Returns
    -------
    statistic, p_value : numpy.ndarray
    """
    table = np.stack([reference, current], axis=1).astype(float)  # (S, 2, K)
    col = table.sum(axis=1)  # (S, K)
    row = table.sum(axis=2)  # (S, 2)
    total = row.sum(axis=1)
    used = col > 0
    dof = used.sum(axis=1) - 1
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = row[:, :, None] * col[:, None, :] / total[:, None, None]
        diff = table - expected
        yates = (dof == 1)[:, None, None]
        diff = np.where(yates, diff - np.minimum(0.5, np.abs(diff)) * np.sign(diff), diff)
        terms = np.where(used[:, None, :], diff**2 / expected, 0.0)
    statistic = np.nan_to_num(terms.sum(axis=(1, 2)))
    valid = (dof >= 1) & (row > 0).all(axis=1)
    statistic = np.where(valid, statistic, 0.0)
    p = np.where(valid, sps.chi2.sf(statistic, np.maximum(dof, 1)), 1.0)
    return statistic, p


def psi_batch(reference: np.ndarray, current: np.ndarray) -> np.ndarray:
    """PSI of each pair of count rows, empty-bin proportions floored as the engine's PSI."""
    r = reference / np.maximum(reference.sum(axis=1, keepdims=True), 1)
    c = current / np.maximum(current.sum(axis=1, keepdims=True), 1)
    r = np.where(r == 0, EMPTY_BIN_FLOOR, r)
    c = np.where(c == 0, EMPTY_BIN_FLOOR, c)
    return np.sum((c - r) * np.log(c / r), axis=1)


def interaction_batch(
    child_reference: np.ndarray,
    child_current: np.ndarray,
    rest_reference: np.ndarray,
    rest_current: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Whether the child changes differently from the rest of its parent, per table.

    For each 2 (period) x 2 (child, rest of the parent) x K (bin) table, the likelihood-
    ratio test (G-squared) of the model of homogeneous association, fitted by iterative
    proportional fitting: under it the change from reference to current, bin by bin (as
    odds ratios), is the same in the child as in the rest of its parent, so the parent's
    change explains the child's. Degrees of freedom: the bins where both members and both
    periods have rows, minus one.

    Returns
    -------
    statistic, p_value, expected : numpy.ndarray
        ``expected`` (S, K) is the child's current counts the parent's change predicts.
    """
    observed = np.stack(
        [
            np.stack([child_reference, rest_reference], axis=1),
            np.stack([child_current, rest_current], axis=1),
        ],
        axis=1,
    ).astype(float)  # (S, period, member, K)
    fitted = np.ones_like(observed)

    def scale(axis: int) -> None:
        nonlocal fitted
        target = observed.sum(axis=axis, keepdims=True)
        current = fitted.sum(axis=axis, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            factor = np.where(current > 0, target / current, 0.0)
        fitted = fitted * factor

    for _ in range(_IPF_MAX_ITERATIONS):
        before = fitted
        scale(3)  # period x member
        scale(2)  # period x bin
        scale(1)  # member x bin
        if np.max(np.abs(fitted - before), initial=0.0) < _IPF_TOLERANCE * max(
            1.0, float(observed.max(initial=0.0))
        ):
            break
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(observed > 0, observed * np.log(observed / fitted), 0.0)
    statistic = np.maximum(2.0 * np.nan_to_num(terms).sum(axis=(1, 2, 3)), 0.0)
    member_bin = observed.sum(axis=1) > 0  # (S, member, K)
    period_bin = observed.sum(axis=2) > 0  # (S, period, K)
    usable = member_bin.all(axis=1) & period_bin.all(axis=1)
    dof = usable.sum(axis=1) - 1
    p = np.where(dof >= 1, sps.chi2.sf(statistic, np.maximum(dof, 1)), 1.0)
    return statistic, p, fitted[:, 1, 0, :]


def welch_batch(
    n1: np.ndarray,
    sum1: np.ndarray,
    sq1: np.ndarray,
    n2: np.ndarray,
    sum2: np.ndarray,
    sq2: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Welch's t-test that group 1's mean is greater than group 2's, from counts and sums.

    As ``scipy.stats.ttest_ind(a, b, equal_var=False, alternative='greater')``; NaN where a
    group has fewer than two rows or both have no spread.

    Returns
    -------
    difference, standard_error, p_value : numpy.ndarray
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        m1, m2 = sum1 / n1, sum2 / n2
        v1 = np.maximum(sq1 - n1 * m1**2, 0.0) / (n1 - 1)
        v2 = np.maximum(sq2 - n2 * m2**2, 0.0) / (n2 - 1)
        a, b = v1 / n1, v2 / n2
        se = np.sqrt(a + b)
        t = (m1 - m2) / se
        df = (a + b) ** 2 / (a**2 / (n1 - 1) + b**2 / (n2 - 1))
        p = sps.t.sf(t, df)
    bad = (n1 < 2) | (n2 < 2) | ~(se > 0)
    return m1 - m2, se, np.where(bad, np.nan, p)


def mean_var(
    n: np.ndarray, total: np.ndarray, squares: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Mean and the variance of the mean (sample variance / n) from counts and sums."""
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = total / n
        variance = np.maximum(squares - n * mean**2, 0.0) / (n - 1)
        return mean, variance / n
