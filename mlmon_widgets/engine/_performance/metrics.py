"""Metrics of one window: classification metrics with Wilson, Student-t and bootstrap intervals.

ROC AUC is the Mann-Whitney U statistic; its bootstrap resamples are scored from one sort.
Metrics that are means of a per-row value (log loss, mean score, MAE, ...) get Student's t
interval of that mean.
"""

from __future__ import annotations

import numpy as np
from scipy import special
from scipy import stats as sps

from .._vocabulary import ACCURACY, CALIBRATION_ERROR, F1, LOG_LOSS, PRECISION, RECALL, ROC_AUC

_EPS = 1e-15


def wilson_interval(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson's score interval of a proportion ``k / n``, in closed form.

    The formula of ``statsmodels.stats.proportion.proportion_confint(method='wilson')``
    (equal to 1e-12, test), without its per-call overhead: windows x metrics call it
    thousands of times per chart.
    """
    z = float(special.ndtri(0.5 + confidence / 2))
    q = k / n
    denominator = 1 + z * z / n
    centre = (q + z * z / (2 * n)) / denominator
    half = z * np.sqrt(q * (1 - q) / n + z * z / (4 * n * n)) / denominator
    return float(centre - half), float(centre + half)


def mean_with_ci(values: np.ndarray) -> tuple[float, float, float]:
    """The mean of per-row values with its 95% Student-t interval.

    ``mean -/+ t(0.975, n - 1) * s / sqrt(n)`` with the sample standard deviation ``s``
    (ddof=1), as ``statsmodels``' ``DescrStatsW.tconfint_mean``; the central limit theorem
    makes it a good interval for a mean loss at the row counts a window is scored on
    (``min_rows``). Fewer than two values: no interval.
    """
    n = len(values)
    if n == 0:
        return np.nan, np.nan, np.nan
    mean = float(np.mean(values))
    if n < 2:
        return mean, np.nan, np.nan
    half = float(special.stdtrit(n - 1, 0.975) * np.std(values, ddof=1) / np.sqrt(n))
    return mean, mean - half, mean + half


def classification_metrics(
    y: np.ndarray,
    p: np.ndarray,
    threshold: float,
    rng,
    n_boot: int,
    pred: np.ndarray | None = None,
) -> dict:
    """Metrics of binary labels ``y`` (0/1) and scores ``p`` (probability of 1).

    ``pred`` (the model's decisions) defaults to ``p >= threshold``.
    """
    if pred is None:
        pred = p >= threshold
    n = len(y)
    tp = int(np.sum(pred & (y == 1)))
    fp = int(np.sum(pred & (y == 0)))
    fn = int(np.sum(~pred & (y == 1)))
    correct = int(np.sum(pred == (y == 1)))

    def share(k: int, total: int) -> tuple[float, float, float]:
        if total == 0:
            return np.nan, np.nan, np.nan
        low, high = wilson_interval(k, total)
        return k / total, low, high

    out = {ACCURACY: share(correct, n), PRECISION: share(tp, tp + fp), RECALL: share(tp, tp + fn)}
    prec, rec = out[PRECISION][0], out[RECALL][0]
    f1 = 2 * prec * rec / (prec + rec) if (prec + rec) > 0 else np.nan
    out[F1] = (f1, np.nan, np.nan)
    out[ROC_AUC] = _auc_with_ci(y, p, rng, n_boot)
    clipped = np.clip(p, _EPS, 1 - _EPS)
    out[LOG_LOSS] = mean_with_ci(-(y * np.log(clipped) + (1 - y) * np.log(1 - clipped)))
    out[CALIBRATION_ERROR] = (_ece(y, p), np.nan, np.nan)
    return out


def _auc(y: np.ndarray, p: np.ndarray) -> float:
    """ROC AUC as the Mann-Whitney U statistic over n1 x n0 (ties count one half)."""
    n1 = int(y.sum())
    n0 = len(y) - n1
    if n1 == 0 or n0 == 0:
        return np.nan
    ranks = sps.rankdata(p)
    return float((ranks[y == 1].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def _bootstrap_aucs(y: np.ndarray, p: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """ROC AUC of every resample ``p[idx[b]]``, ``y[idx[b]]`` (rows of ``idx``) at once.

    A resample is a multiset of the original rows, so its Mann-Whitney U comes from how
    often it draws each row: one sort of the scores, then per resample the positive and
    negative counts of each distinct score and the negatives strictly below it (ties
    count one half). Identical to ranking each resample, without sorting it.
    """
    n = len(y)
    order = np.argsort(p, kind="stable")
    sorted_p = p[order]
    positive = y[order] == 1
    starts = np.flatnonzero(np.r_[True, sorted_p[1:] != sorted_p[:-1]])
    rank_of = np.empty(n, dtype=np.int64)
    rank_of[order] = np.arange(n)
    out = np.empty(len(idx))
    chunk = max(1, 2_000_000 // max(n, 1))
    distinct = len(starts) == n  # no ties: each score is its own group, in integers
    pos_cols = np.flatnonzero(positive)
    for lo in range(0, len(idx), chunk):
        part = rank_of[idx[lo : lo + chunk]]
        b = len(part)
        flat = (np.arange(b)[:, None] * n + part).ravel()
        counts = np.bincount(flat, minlength=b * n).reshape(b, n)
        if distinct:
            # Draw counts are integers: the negatives below each positive by a running sum,
            # exact, and a tie term that vanishes (a score is a positive or a negative).
            neg = counts * ~positive
            below = np.cumsum(neg, axis=1) - neg
            u = np.sum(counts[:, pos_cols] * below[:, pos_cols], axis=1).astype(float)
            n1 = counts[:, pos_cols].sum(axis=1).astype(float)
            n0 = neg.sum(axis=1).astype(float)
        else:
            counts = counts.astype(float)
            pos = np.add.reduceat(counts * positive, starts, axis=1)
            neg = np.add.reduceat(counts * ~positive, starts, axis=1)
            below = np.cumsum(neg, axis=1) - neg
            u = np.sum(pos * (below + 0.5 * neg), axis=1)
            n1, n0 = pos.sum(axis=1), neg.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[lo : lo + b] = np.where((n1 > 0) & (n0 > 0), u / (n1 * n0), np.nan)
    return out


def _auc_with_ci(y: np.ndarray, p: np.ndarray, rng, n_boot: int) -> tuple[float, float, float]:
    auc = _auc(y, p)
    if np.isnan(auc) or n_boot == 0:
        return auc, np.nan, np.nan
    idx = rng.integers(0, len(y), size=(n_boot, len(y)))
    boots = _bootstrap_aucs(y, p, idx)
    boots = boots[np.isfinite(boots)]
    if len(boots) < n_boot // 2:
        return auc, np.nan, np.nan
    low, high = np.quantile(boots, [0.025, 0.975])
    return auc, float(low), float(high)


def ece_from_bins(y: np.ndarray, p: np.ndarray, which: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error from each row's bin: ``sum_b |sum_{i in b} (p_i - y_i)| / n``.

    The same as weighting each bin's ``|mean score - positive share|`` by its share of rows.
    """
    if len(p) == 0:
        return np.nan
    return float(np.abs(np.bincount(which, p - y, bins)).sum() / len(p))


def _ece(y: np.ndarray, p: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error: |mean score - positive share|, weighted over equal bins."""
    which = np.minimum((p * bins).astype(int), bins - 1)
    return ece_from_bins(y, p, which, bins)
