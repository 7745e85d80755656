"""Performance per window of a Dask DataFrame or an Arrow dataset.

Metrics such as ROC AUC, percentiles and bootstrap intervals do not merge from sums, so
each window is computed exactly from its own rows: the windows are finished group by group
as time-ordered pieces pass (:mod:`.._scale.in_order`), or from rows parked on disk by
window when the pieces are in any order (:mod:`.._scale.spill`), each by the in-memory
:func:`window_performance` with its windows numbered on the whole call's grid (so every
window draws its bootstrap from the same stream as in memory).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._data.windows import Windows
from .._scale.in_order import group_frame, groups, in_time_order
from .._scale.plan import nanoseconds
from .._scale.run import ROWS_REFUSED, scaled_windows
from .._scale.sources import Pieces, pieces_of
from .._scale.spill import window_frames
from .over_time import PERFORMANCE_COLUMNS, PerformanceSpec, window_performance


def _group_performance(
    frames: list[pd.DataFrame], spec: PerformanceSpec, grid: tuple, first: int, last: int
) -> pd.DataFrame:
    time, starts, ends, labels_start, labels_end, first_index = grid
    rows, order, lo, hi = group_frame(frames, time, starts, ends, first, last)
    windows = Windows(
        order,
        lo,
        hi,
        labels_start[first:last],
        labels_end[first:last],
        first_index=first_index + first,
    )
    return window_performance(rows, windows, spec.check(rows))


def _spilled(
    pieces: Pieces,
    columns: list[str],
    spec: PerformanceSpec,
    windows: Windows,
    starts: np.ndarray,
    ends: np.ndarray,
    time: str | None,
) -> pd.DataFrame:
    """Window by window from rows parked on disk (pieces not in time order)."""
    parts = []
    for w, rows in window_frames(pieces, columns, time, starts, ends):
        one = Windows(
            None,
            np.array([0]),
            np.array([len(rows)]),
            windows.labels_start[w : w + 1],
            windows.labels_end[w : w + 1],
            first_index=windows.first_index + w,
        )
        parts.append(window_performance(rows, one, spec.check(rows)))
    out = pd.concat(parts, ignore_index=True)
    out["window"] = out["window"].astype(np.int64)
    return out


def scaled_performance(
    data: object,
    spec: PerformanceSpec,
    *,
    time: str | None,
    window: object | None,
    rows: int | None,
    origin: pd.Timestamp | None,
) -> pd.DataFrame:
    """:func:`performance_over_time` of a large source, window by window."""
    if rows is not None or window is None:
        raise ValueError(ROWS_REFUSED)
    pieces = pieces_of(data)
    for name in ("label", "score", "prediction", "latency"):
        column = getattr(spec, name)
        if column is not None and column not in pieces.columns:
            raise ValueError(f"{name} column {column!r} is not in the data")
    windows, span = scaled_windows(pieces, time=time, window=window, step=None, origin=origin)
    if not len(windows):
        return pd.DataFrame(columns=list(PERFORMANCE_COLUMNS))
    starts, ends = nanoseconds(windows.labels_start), nanoseconds(windows.labels_end)
    grid = (time, starts, ends, windows.labels_start, windows.labels_end, windows.first_index)
    columns = [c for c in (time, spec.label, spec.score, spec.prediction, spec.latency) if c]
    if not in_time_order(span.spans):
        return _spilled(pieces, list(dict.fromkeys(columns)), spec, windows, starts, ends, time)
    parts = pieces.grouped(
        list(dict.fromkeys(columns)),
        groups(span.spans, starts, ends),
        _group_performance,
        spec,
        grid,
    )
    out = pd.concat(parts, ignore_index=True)
    out["window"] = out["window"].astype(np.int64)
    return out
