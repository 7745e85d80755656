"""Relative and absolute thresholds on a series of window statistics."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._validation import as_float_series, check_int, check_option, check_real
from .inputs import _skipped
from .results import ThresholdResult


def relative_threshold(
    values: Any,
    *,
    lag: int = 7,
    fraction: float = 0.05,
    direction: str = "below",
) -> ThresholdResult:
    """Points that changed by more than ``fraction`` relative to the point ``lag`` windows earlier.

    ``change = (value - reference) / |reference|`` with ``reference`` the value ``lag``
    positions earlier; "more than 5% below last week" on daily windows is ``lag=7,
    fraction=0.05, direction='below'`` and breaches where ``change < -0.05``. Comparisons are
    strict. Points with no reference (the first ``lag``, or a missing or zero reference) have
    no change and never breach; missing points are skipped and reported.

    Parameters
    ----------
    values : pandas.Series or array-like of float
        One value per window, regularly spaced.
    lag : int, default 7
        How many windows back the reference is (>= 1).
    fraction : float, default 0.05
        Relative change that breaches, > 0.
    direction : {'below', 'above', 'both'}, default 'below'
        Which way a change breaches.

    Returns
    -------
    ThresholdResult
        ``points`` has ``value``, ``reference``, ``change``, ``lower``/``upper`` (the threshold
        in value units: ``reference ∓ fraction |reference|``) and ``breach``.

    Examples
    --------
    >>> result = relative_threshold([100, 100, 94, 99], lag=1, fraction=0.05)
    >>> result.points["change"].round(3).tolist()
    [nan, 0.0, -0.06, 0.053]
    >>> list(result.breaches)
    [2]
    """
    series = as_float_series("values", values)
    lag = check_int("lag", lag, minimum=1)
    fraction = check_real("fraction", fraction, low=0.0, low_open=True)
    direction = check_option("direction", direction, ("below", "above", "both"))
    value = series.to_numpy()
    reference = series.shift(lag).to_numpy()
    notes: list[str] = []
    skipped = _skipped(series.index, ~np.isnan(value), notes)
    scale = np.abs(reference)
    with np.errstate(invalid="ignore", divide="ignore"):
        change = np.where(scale > 0, (value - reference) / np.where(scale > 0, scale, 1), np.nan)
    zero_ref = (reference == 0) & ~np.isnan(value)
    if zero_ref.any():
        notes.append(
            f"{int(zero_ref.sum())} point(s) have a reference of 0, so no relative change: "
            f"{list(series.index[zero_ref][:10])}"
        )
    lower = reference - fraction * scale if direction in ("below", "both") else None
    upper = reference + fraction * scale if direction in ("above", "both") else None
    breach = np.zeros(len(value), dtype=bool)
    valid = ~np.isnan(change)
    if lower is not None:
        breach |= valid & (np.nan_to_num(change) < -fraction)
    if upper is not None:
        breach |= valid & (np.nan_to_num(change) > fraction)
    nan = np.full(len(value), np.nan)
    points = pd.DataFrame(
        {
            "value": value,
            "reference": reference,
            "change": change,
            "lower": nan if lower is None else lower,
            "upper": nan if upper is None else upper,
            "breach": breach,
        },
        index=series.index,
    )
    return ThresholdResult(
        points=points,
        breaches=series.index[breach],
        skipped=skipped,
        notes=tuple(notes),
        parameters={"lag": lag, "fraction": fraction, "direction": direction},
    )


def absolute_threshold(
    values: Any,
    *,
    lower: float | None = None,
    upper: float | None = None,
) -> ThresholdResult:
    """Points strictly below ``lower`` or strictly above ``upper``.

    Parameters
    ----------
    values : pandas.Series or array-like of float
        One value per window; missing points are skipped and reported.
    lower, upper : float, optional
        Fixed thresholds; at least one is required and ``lower <= upper``.

    Returns
    -------
    ThresholdResult

    Examples
    --------
    >>> list(absolute_threshold([0.91, 0.88, 0.93], lower=0.9).breaches)
    [1]
    """
    series = as_float_series("values", values)
    if lower is None and upper is None:
        raise ValueError("pass lower, upper or both")
    low = -np.inf if lower is None else check_real("lower", lower)
    high = np.inf if upper is None else check_real("upper", upper)
    if low > high:
        raise ValueError(f"lower ({low}) must not exceed upper ({high})")
    value = series.to_numpy()
    notes: list[str] = []
    skipped = _skipped(series.index, ~np.isnan(value), notes)
    breach = ~np.isnan(value) & ((np.nan_to_num(value) < low) | (np.nan_to_num(value) > high))
    count = len(value)
    points = pd.DataFrame(
        {
            "value": value,
            "lower": np.full(count, np.nan if lower is None else low),
            "upper": np.full(count, np.nan if upper is None else high),
            "breach": breach,
        },
        index=series.index,
    )
    return ThresholdResult(
        points=points,
        breaches=series.index[breach],
        skipped=skipped,
        notes=tuple(notes),
        parameters={"lower": lower, "upper": upper},
    )
