"""Baseline masks and notes shared by the control charts and threshold checks.

The baseline (None, an int or a boolean mask) becomes a mask, missing points are reported;
values and scalars are checked by the engine's one validation family (``_validation``).
"""

from __future__ import annotations

import numbers
from collections.abc import Hashable
from typing import Any

import numpy as np
import pandas as pd

from .._validation import as_float_series

#: Fewer usable baseline points than this raise an error.
MIN_BASELINE = 5
#: Fewer usable baseline points than this give a note (Montgomery suggests 20 to 25).
RECOMMENDED_BASELINE = 20


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
        notes.append(
            f"{len(skipped)} missing point(s) skipped (not plotted, not part of any run): "
            f"{label_list(skipped)}"
        )
    return skipped


def _broadcast(name: str, value: Any, count: int) -> np.ndarray:
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        out = np.full(count, float(value))
    else:
        out = as_float_series(name, value).to_numpy()
        if len(out) != count:
            raise ValueError(f"{name} must be a number or have one entry per point ({count})")
    if np.isnan(out).any():
        raise ValueError(f"{name} must not contain NaN")
    return out


def label_list(labels: Any, limit: int = 10) -> str:
    """Index labels for a note: dates as dates, times as times, at most ``limit`` of them.

    Examples
    --------
    >>> label_list([pd.Timestamp("2024-03-19"), pd.Timestamp("2024-03-20 06:00")])
    '2024-03-19, 2024-03-20 06:00'
    >>> label_list(range(14), limit=3)
    '0, 1, 2 and 11 more'
    """
    items = list(labels)

    def text(x: Any) -> str:
        if isinstance(x, (pd.Timestamp, np.datetime64)):
            stamp = pd.Timestamp(x)
            return f"{stamp:%Y-%m-%d}" if stamp == stamp.normalize() else f"{stamp:%Y-%m-%d %H:%M}"
        return str(x.item() if isinstance(x, np.generic) else x)

    shown = ", ".join(text(x) for x in items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")
