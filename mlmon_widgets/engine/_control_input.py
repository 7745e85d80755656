"""Input checks shared by the control charts and threshold checks.

Values become float Series with their index kept, scalars are checked against a range, and the
baseline (None, an int or a boolean mask) becomes a mask; every error names the argument.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Hashable
from typing import Any

import numpy as np
import pandas as pd

#: Fewer usable baseline points than this raise an error.
MIN_BASELINE = 5
#: Fewer usable baseline points than this give a note (Montgomery suggests 20 to 25).
RECOMMENDED_BASELINE = 20


def _is_missing_scalar(x: Any) -> bool:
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def _as_series(name: str, values: Any) -> pd.Series:
    """``values`` as a float Series (index kept), or a TypeError/ValueError naming ``name``."""
    if isinstance(values, pd.DataFrame):
        raise TypeError(
            f"{name} must be one-dimensional (a Series, list or 1-D array); got a DataFrame"
        )
    if values is None or isinstance(values, (str, bytes)) or np.isscalar(values):
        raise TypeError(f"{name} must be a Series, list or 1-D array of numbers; got {values!r}")
    series = values if isinstance(values, pd.Series) else None
    if series is None:
        arr = np.asarray(values, dtype=object) if isinstance(values, list) else np.asarray(values)
        if arr.ndim != 1:
            raise ValueError(f"{name} must be one-dimensional; got shape {arr.shape}")
        series = pd.Series(arr)
    if len(series) == 0:
        raise ValueError(f"{name} is empty; pass at least one value per window")
    dtype = series.dtype
    if pd.api.types.is_object_dtype(dtype):
        bad = [
            x
            for x in series
            if not (
                _is_missing_scalar(x) or (isinstance(x, numbers.Real) and not isinstance(x, bool))
            )
        ]
        if bad:
            raise TypeError(f"{name} must hold numbers; found non-numeric value(s) {bad[:5]}")
    elif pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype):
        raise TypeError(f"{name} must hold numbers; got dtype {dtype}")
    elif pd.api.types.is_complex_dtype(dtype):
        raise TypeError(f"{name} must hold real numbers; got dtype {dtype}")
    out = pd.Series(series.to_numpy(dtype=float, na_value=np.nan), index=series.index)
    if np.isinf(out.to_numpy()).any():
        where = list(out.index[np.isinf(out.to_numpy())][:5])
        raise ValueError(f"{name} has infinite values at {where}; pass finite numbers or NaN")
    return out


def _check_real(
    name: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = True,
    high_open: bool = False,
) -> float:
    """``value`` as a finite float in the given range, or an error naming ``name``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number; got {value!r}")
    value = float(value)
    ok = math.isfinite(value)
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value < high if high_open else value <= high
    if not ok:
        lo = "" if low is None else ("(" if low_open else "[") + f"{low:g}"
        hi = "" if high is None else f"{high:g}" + (")" if high_open else "]")
        span = (
            f" in {lo or '(-inf'}, {hi or 'inf)'}" if (low is not None or high is not None) else ""
        )
        raise ValueError(f"{name} must be a finite number{span}; got {value!r}")
    return value


def _check_int(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer >= {minimum}; got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}")
    return int(value)


def _baseline_mask(baseline: Any, index: pd.Index) -> np.ndarray:
    """Boolean mask of baseline points: all (None), the first ``baseline`` (int) or a mask."""
    n = len(index)
    if baseline is None:
        return np.ones(n, dtype=bool)
    if isinstance(baseline, (int, np.integer)) and not isinstance(baseline, (bool, np.bool_)):
        if not 1 <= baseline <= n:
            raise ValueError(
                f"baseline must be between 1 and the number of points ({n}); got {baseline}"
            )
        mask = np.zeros(n, dtype=bool)
        mask[: int(baseline)] = True
        return mask
    if isinstance(baseline, pd.Series) and not baseline.index.equals(index):
        raise ValueError("baseline mask must have the same index as the values")
    if isinstance(baseline, (bool, np.bool_, str, float)):
        raise TypeError(
            f"baseline must be None, an int (the first points) or a boolean mask; got {baseline!r}"
        )
    mask = np.asarray(baseline)
    if mask.dtype != bool:
        raise TypeError(f"baseline must be an int or a boolean mask; got an array of {mask.dtype}")
    if mask.shape != (n,):
        raise ValueError(
            f"baseline mask must have one entry per point ({n}); got shape {mask.shape}"
        )
    return mask.copy()


def _describe_baseline(baseline: Any) -> int | str | None:
    """How the baseline was chosen, as plain data: None, the int, or ``'mask'``."""
    if baseline is None:
        return None
    if isinstance(baseline, (int, np.integer)) and not isinstance(baseline, (bool, np.bool_)):
        return int(baseline)
    return "mask"


def _usable_baseline(mask: np.ndarray, observed: np.ndarray, notes: list[str]) -> np.ndarray:
    usable = mask & observed
    count = int(usable.sum())
    if count < MIN_BASELINE:
        raise ValueError(
            f"baseline has {count} non-missing point(s); at least {MIN_BASELINE} are needed to "
            "estimate control limits: pass a longer baseline"
        )
    if count < RECOMMENDED_BASELINE:
        notes.append(
            f"limits come from {count} baseline points; Montgomery recommends at least "
            f"{RECOMMENDED_BASELINE} for reliable limits"
        )
    return usable


def _skipped(index: pd.Index, observed: np.ndarray, notes: list[str]) -> tuple[Hashable, ...]:
    skipped = tuple(index[~observed])
    if skipped:
        shown = list(skipped[:10]) + (["..."] if len(skipped) > 10 else [])
        notes.append(
            f"{len(skipped)} missing point(s) skipped (not plotted, not part of any run): {shown}"
        )
    return skipped


def _broadcast(name: str, value: Any, count: int) -> np.ndarray:
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        out = np.full(count, float(value))
    else:
        out = _as_series(name, value).to_numpy()
        if len(out) != count:
            raise ValueError(f"{name} must be a number or have one entry per point ({count})")
    if np.isnan(out).any():
        raise ValueError(f"{name} must not contain NaN")
    return out
