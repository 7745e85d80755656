"""Paired tests and intervals for two models scored on the same rows.

- accuracy (and any paired 0/1 outcome): McNemar's exact test on the discordant pairs and
  Newcombe's square-and-add interval for the difference of paired proportions;
- ROC AUC: DeLong's variance of the difference of two correlated AUCs;
- everything else: the paired bootstrap (see :mod:`.bootstrap`).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats as sps

from .._performance.metrics import wilson_interval


def z_value(confidence: float) -> float:
    """The two-sided normal quantile of a confidence level (1.96 for 0.95)."""
    return float(sps.norm.ppf(0.5 + confidence / 2))


def normal_pvalue(estimate: float, std_error: float) -> float:
    """Two-sided p-value of ``estimate / std_error`` against the standard normal (NaN if no SE)."""
    if not (math.isfinite(estimate) and math.isfinite(std_error)) or std_error <= 0:
        return 0.0 if math.isfinite(estimate) and std_error == 0 and estimate != 0 else math.nan
    return float(2 * sps.norm.sf(abs(estimate) / std_error))


def mcnemar_pvalue(live_only: int, shadow_only: int) -> float:
    """McNemar's exact test: two-sided binomial p-value of the discordant pairs.

    ``live_only`` rows only the live model got right, ``shadow_only`` rows only the shadow
    got right; under "equally accurate" each discordant pair is a fair coin. Equal to
    ``statsmodels.stats.contingency_tables.mcnemar(table, exact=True).pvalue``; 1 without
    discordant pairs.

    Examples
    --------
    >>> round(mcnemar_pvalue(5, 15), 4)
    0.0414
    """
    n = live_only + shadow_only
    if n == 0:
        return 1.0
    return float(min(1.0, 2 * sps.binom.cdf(min(live_only, shadow_only), n, 0.5)))


def _wilson(k: int, n: int, confidence: float) -> tuple[float, float]:
    return wilson_interval(k, n, confidence)


def newcombe_interval(
    both: int, shadow_only: int, live_only: int, neither: int, confidence: float = 0.95
) -> tuple[float, float]:
    """Newcombe's square-and-add interval for a difference of paired proportions.

    The difference is ``p_shadow - p_live`` with ``p_shadow = (both + shadow_only) / n`` and
    ``p_live = (both + live_only) / n`` (``both``: rows both models got right). Each
    proportion gets its Wilson score interval; they are combined with the correlation
    ``phi`` of the paired table, corrected as Newcombe (1998, method 10) does: ``phi``'s
    numerator ``ad - bc`` is reduced by ``n / 2`` when positive (and set to 0 when that
    makes it negative), kept when negative. Chosen over the Wald interval, which is too
    narrow for few discordant pairs, and over Tango's score interval, which needs an
    iterative solve per cell; its coverage stays near nominal down to a few dozen pairs
    (Newcombe 1998, Fagerland et al. 2014).

    Examples
    --------
    The example of Fagerland, Lydersen and Laake (2017, chapter 8): estimate -0.0621,
    95% interval -0.1186 to -0.0046.

    >>> low, high = newcombe_interval(59, 6, 16, 80)
    >>> round(low, 4), round(high, 4)
    (-0.1186, -0.0046)
    """
    a, b, c, d = both, shadow_only, live_only, neither
    n = a + b + c + d
    if n == 0:
        return math.nan, math.nan
    p1, p2 = (a + b) / n, (a + c) / n
    l1, u1 = _wilson(a + b, n, confidence)
    l2, u2 = _wilson(a + c, n, confidence)
    margins = float(a + b) * float(c + d) * float(a + c) * float(b + d)
    phi = 0.0
    if margins > 0:
        num = float(a) * d - float(b) * c
        if num > n / 2:
            num -= n / 2
        elif num >= 0:
            num = 0.0
        phi = num / math.sqrt(margins)
    delta = math.sqrt(max((p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2, 0.0))
    eps = math.sqrt(max((u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2, 0.0))
    diff = p1 - p2
    return max(diff - delta, -1.0), min(diff + eps, 1.0)


def placements(y: np.ndarray, p: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """AUC and DeLong's placement values of one model's scores ``p`` (labels ``y`` 0/1).

    ``v10[i]`` is the share of negatives a positive outranks (ties one half), ``v01[j]``
    the share of positives that outrank a negative; the AUC is the mean of either. Midranks
    give them in one sort (Sun and Xu 2014).
    """
    pos, neg = p[y == 1], p[y == 0]
    m, n = len(pos), len(neg)
    if m == 0 or n == 0:
        return math.nan, np.empty(0), np.empty(0)
    ranks = sps.rankdata(np.concatenate([pos, neg]))
    v10 = (ranks[:m] - sps.rankdata(pos)) / n
    v01 = 1.0 - (ranks[m:] - sps.rankdata(neg)) / m
    return float(v10.mean()), v10, v01


def delong(y: np.ndarray, live: np.ndarray, shadow: np.ndarray) -> tuple[float, float, float]:
    """ROC AUCs of two models on the same rows and the standard error of their difference.

    DeLong, DeLong and Clarke-Pearson (1988): ``var(AUC_s - AUC_l) = (S10_ss + S10_ll -
    2 S10_sl) / m + (S01_ss + S01_ll - 2 S01_sl) / n`` from the covariances (ddof=1) of the
    placement values over the ``m`` positives and ``n`` negatives, as R's
    ``pROC::roc.test(method='delong', paired=TRUE)``. Returns ``(auc_live, auc_shadow,
    std_error)``; NaN without both classes, SE NaN with fewer than two of a class.

    Examples
    --------
    >>> y = np.array([0, 0, 1, 1, 0, 1])
    >>> live, shadow = np.array([.1, .4, .35, .8, .2, .7]), np.array([.2, .3, .6, .9, .1, .5])
    >>> auc_l, auc_s, se = delong(y, live, shadow)
    >>> round(auc_l, 4), round(auc_s, 4)
    (0.8889, 1.0)
    """
    auc_l, v10_l, v01_l = placements(y, live)
    auc_s, v10_s, v01_s = placements(y, shadow)
    m, n = len(v10_l), len(v01_l)
    if m < 2 or n < 2:
        return auc_l, auc_s, math.nan
    d10 = v10_s - v10_l
    d01 = v01_s - v01_l
    variance = float(np.var(d10, ddof=1) / m + np.var(d01, ddof=1) / n)
    return auc_l, auc_s, math.sqrt(max(variance, 0.0))


def wilson_share(k: int, n: int, confidence: float = 0.95) -> tuple[float, float, float]:
    """A share ``k / n`` with its Wilson score interval (NaN for ``n == 0``)."""
    if n == 0:
        return math.nan, math.nan, math.nan
    low, high = _wilson(k, n, confidence)
    return k / n, low, high
