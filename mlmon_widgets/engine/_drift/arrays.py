"""Drift statistics on 1-D array-likes (public as :mod:`mlmon_widgets.stats`).

Missing values (None, NaN, pandas NA) and +/-inf are left out. Numeric inputs are binned
on the reference's deciles (PSI, JS, KL); anything else is treated as categories, one bin
per category in the union of both samples. Each function agrees with scipy where scipy
computes the same thing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._data.columns import coded_column, label_counts
from .._validation import check_option, check_positive_int
from .kernels import (
    SortedReference,
    bin_counts,
    chi2_from_counts,
    js_from_counts,
    kl_from_counts,
    ks_pvalue_asymptotic,
    psi_from_counts,
    quantile_edges,
    tail_chi2_from_counts,
    tail_edges,
)

__all__ = [
    "StatTestResult",
    "chi2",
    "js_distance",
    "kl_divergence",
    "ks",
    "psi",
    "psi_tails",
    "tail_chi2",
    "wasserstein",
]


@dataclass(frozen=True)
class StatTestResult:
    """Result of a two-sample test; unpacks as ``statistic, pvalue`` like scipy's results.

    Attributes
    ----------
    statistic : float
    pvalue : float
    method : str
        How the p-value was computed (``'exact'`` or ``'asymptotic'`` for KS, ``'chi2'``).
    dof : int or None
        Degrees of freedom (chi-squared).
    """

    statistic: float
    pvalue: float
    method: str
    dof: int | None = None

    def __iter__(self):
        return iter((self.statistic, self.pvalue))

    def __len__(self) -> int:
        return 2

    def __getitem__(self, index: int) -> float:
        return (self.statistic, self.pvalue)[index]


def _series(name: str, values: Any) -> pd.Series:
    if isinstance(values, pd.DataFrame):
        raise TypeError(f"{name} must be 1-D; got a DataFrame (pass one column)")
    if isinstance(values, pd.Series):
        return values.reset_index(drop=True)
    array = np.asarray(values, dtype=object if isinstance(values, (list, tuple)) else None)
    if array.ndim != 1:
        raise ValueError(f"{name} must be 1-D; got an array of shape {array.shape}")
    if isinstance(values, (list, tuple)):
        series = pd.Series(list(values), dtype=object)
        return series.where(series.notna(), np.nan).infer_objects()  # None, pd.NA -> NaN
    return pd.Series(array)


def _is_numeric(series: pd.Series) -> bool:
    dtype = series.dtype
    return bool(
        pd.api.types.is_numeric_dtype(dtype)
        and not pd.api.types.is_bool_dtype(dtype)
        and not pd.api.types.is_complex_dtype(dtype)
    )


def _kind(reference: pd.Series, current: pd.Series, kind: str | None) -> str:
    if kind is not None:
        return check_option("kind", kind, ("numeric", "categorical"))
    return "numeric" if _is_numeric(reference) and _is_numeric(current) else "categorical"


def _finite_sorted(name: str, series: pd.Series) -> np.ndarray:
    try:
        values = series.to_numpy(dtype="float64", na_value=np.nan)
    except (TypeError, ValueError):
        raise TypeError(
            f"{name} has values that are not numbers; pass kind='categorical' to compare categories"
        ) from None
    finite = np.sort(values[np.isfinite(values)])
    if len(finite) == 0:
        raise ValueError(f"{name} has no finite values to compare (missing values are left out)")
    return finite


def _without_infinities(series: pd.Series) -> pd.Series:
    values = series.astype(object)
    infinite = values.map(lambda v: isinstance(v, (float, np.floating)) and np.isinf(v))
    return values.where(~infinite.astype(bool), None)


def _category_counts(reference: pd.Series, current: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    both = coded_column(
        pd.concat(
            [_without_infinities(reference), _without_infinities(current)], ignore_index=True
        ),
        "categorical",
    )
    n_ref = len(reference)
    r = label_counts(both, slice(0, n_ref))
    c = label_counts(both, slice(n_ref, None))
    for name, counts in (("reference", r), ("current", c)):
        if counts.sum() == 0:
            raise ValueError(f"{name} has no values to compare (missing values are left out)")
    return r, c


def _binned(
    reference: Any, current: Any, bins: int, kind: str | None
) -> tuple[np.ndarray, np.ndarray]:
    ref, cur = _series("reference", reference), _series("current", current)
    if _kind(ref, cur, kind) == "categorical":
        return _category_counts(ref, cur)
    bins = check_positive_int("bins", bins, minimum=2)
    ref_sorted = _finite_sorted("reference", ref)
    edges = quantile_edges(ref_sorted, bins)
    return bin_counts(ref_sorted, edges), bin_counts(_finite_sorted("current", cur), edges)


def psi(reference: Any, current: Any, *, bins: int = 10, kind: str | None = None) -> float:
    """Population stability index of ``current`` against ``reference``.

    PSI = sum over bins of (c - r) ln(c / r), with r and c the reference and current
    proportions and an empty bin's proportion replaced by 1e-4. Numeric bins have interior
    edges at the reference quantiles k/B (closed on the left, outer bins open).
    Bands: < 0.1 no shift, 0.1-0.25 moderate, > 0.25 significant.

    Parameters
    ----------
    reference, current : array-like
        1-D samples; missing and infinite values are left out.
    bins : int, default 10
        Number of quantile bins B for numeric data.
    kind : {'numeric', 'categorical'}, optional
        Force the binning; by default numeric dtypes are numeric, anything else categorical.

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> ref = rng.normal(size=10_000)
    >>> round(psi(ref, rng.normal(size=10_000)), 4)
    0.0012
    >>> round(psi(ref, rng.normal(0.5, 1, size=10_000)), 3)
    0.237
    >>> round(psi(["a", "a", "b"], ["a", "b", "b"]), 4)
    0.4621
    """
    r, c = _binned(reference, current, bins, kind)
    return psi_from_counts(r, c)


def _tail_binned(reference: Any, current: Any, bins: int) -> tuple[np.ndarray, np.ndarray]:
    ref, cur = _series("reference", reference), _series("current", current)
    if not (_is_numeric(ref) and _is_numeric(cur)):
        raise TypeError("tail-refined bins need numeric reference and current samples")
    bins = check_positive_int("bins", bins, minimum=2)
    ref_sorted = _finite_sorted("reference", ref)
    edges = tail_edges(ref_sorted, bins)
    return bin_counts(ref_sorted, edges), bin_counts(_finite_sorted("current", cur), edges)


def psi_tails(reference: Any, current: Any, *, bins: int = 10) -> float:
    """PSI on the reference's quantile bins with the two outer bins split in the tails.

    The bins of :func:`psi` (interior edges at the reference quantiles k/B), with the open
    outer bins split again at the reference's 1% and 5% quantiles (bottom) and 95% and 99%
    (top), so that a change confined to the top or bottom decile, which decile PSI cannot
    see, moves values between bins. Same formula and empty-bin floor as :func:`psi`.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> ref = rng.normal(size=20_000)
    >>> cur = rng.normal(size=20_000)
    >>> cur = np.where(cur > np.quantile(ref, 0.9), cur + 1.0, cur)  # the top decile moves up
    >>> round(psi(ref, cur), 3), round(psi_tails(ref, cur), 3)
    (0.002, 0.57)
    """
    r, c = _tail_binned(reference, current, bins)
    return psi_from_counts(r, c)


def tail_chi2(reference: Any, current: Any, *, bins: int = 10) -> StatTestResult:
    """Chi-squared test of homogeneity on the tail-refined bins of :func:`psi_tails`.

    ``scipy.stats.chi2_contingency`` (default arguments) on the 2 x K table of reference
    and current counts, after merging outer bins inwards until each expects at least
    ``TAIL_MIN_EXPECTED`` (2) values in the smaller sample (from the reference's
    proportions, so the merge never depends on the current values). This is the
    ``p_tails`` component of the default drift gate.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> ref = rng.normal(size=5_000)
    >>> res = tail_chi2(ref, rng.normal(0, 1.5, size=200))  # spread x 1.5 in a small window
    >>> res.pvalue < 1e-6, ks(ref, rng.normal(0, 1.5, size=200)).pvalue > 1e-6
    (True, True)
    """
    r, c = _tail_binned(reference, current, bins)
    statistic, pvalue = tail_chi2_from_counts(r, c)
    return StatTestResult(statistic=statistic, pvalue=pvalue, method="chi2")


def js_distance(reference: Any, current: Any, *, bins: int = 10, kind: str | None = None) -> float:
    """Jensen-Shannon distance (base 2, in [0, 1]) between the binned samples.

    Same bins as :func:`psi`; equals ``scipy.spatial.distance.jensenshannon(r, c, base=2)``
    on the bin proportions.

    Examples
    --------
    >>> round(js_distance(["a", "a", "b"], ["a", "b", "b"]), 4)
    0.2858
    """
    r, c = _binned(reference, current, bins, kind)
    return js_from_counts(r, c)


def kl_divergence(
    reference: Any, current: Any, *, bins: int = 10, kind: str | None = None
) -> float:
    """Smoothed KL divergence KL(current || reference) in nats.

    Same bins as :func:`psi`; empty-bin proportions are floored at 1e-4 and renormalised,
    so this equals ``scipy.stats.entropy(c, r)`` on the floored proportions. Prefer
    :func:`js_distance` for display: KL is unbounded and asymmetric.

    Examples
    --------
    >>> round(kl_divergence(["a", "a", "b"], ["a", "b", "b"]), 4)
    0.2310
    """
    r, c = _binned(reference, current, bins, kind)
    return kl_from_counts(r, c)


def ks(reference: Any, current: Any) -> StatTestResult:
    """Two-sample Kolmogorov-Smirnov test, as ``scipy.stats.ks_2samp`` with default arguments.

    The null hypothesis is that both samples come from the same continuous distribution;
    the alternative, two-sided, that they do not. The reference is sorted once and the
    current sample located in it by binary search; with both samples of at most 10,000
    values the p-value is scipy's exact one, beyond that scipy's asymptotic one.

    Returns
    -------
    StatTestResult
        ``statistic`` (D, in [0, 1]) and ``pvalue``; unpacks as a pair.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> d, p = ks(rng.normal(size=500), rng.normal(0.3, 1, size=500))
    >>> round(d, 2), p < 0.01
    (0.14, True)
    """
    ref = _finite_sorted("reference", _series("reference", reference))
    cur = _finite_sorted("current", _series("current", current))
    d, p, _ = SortedReference(ref).ks(cur)
    method = "exact" if p is not None else "asymptotic"
    if p is None:
        p = float(ks_pvalue_asymptotic(d, len(ref), len(cur)))
    return StatTestResult(statistic=d, pvalue=p, method=method)


def chi2(reference: Any, current: Any) -> StatTestResult:
    """Chi-squared test of homogeneity on the 2 x K table of category counts.

    Equals ``scipy.stats.chi2_contingency`` with default arguments (Yates' correction when
    K = 2) on the counts of each category in the union of both samples.

    Examples
    --------
    >>> res = chi2(["a"] * 60 + ["b"] * 40, ["a"] * 40 + ["b"] * 60)
    >>> round(res.statistic, 3), round(res.pvalue, 4), res.dof
    (7.22, 0.0072, 1)
    """
    r, c = _category_counts(_series("reference", reference), _series("current", current))
    statistic, pvalue, dof = chi2_from_counts(r, c)
    return StatTestResult(statistic=statistic, pvalue=pvalue, method="chi2", dof=dof)


def wasserstein(reference: Any, current: Any) -> float:
    """Wasserstein-1 distance divided by the reference standard deviation.

    Equals ``scipy.stats.wasserstein_distance(reference, current) / numpy.std(reference)``;
    with a constant reference it is 0 for an identical current sample and inf otherwise.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> round(wasserstein(rng.normal(size=5000), rng.normal(0.5, 1, size=5000)), 2)
    0.52
    """
    ref = _finite_sorted("reference", _series("reference", reference))
    cur = _finite_sorted("current", _series("current", current))
    distance = SortedReference(ref).wasserstein(cur)
    std = float(np.std(ref))
    if std == 0:
        return 0.0 if distance == 0 else math.inf
    return distance / std
