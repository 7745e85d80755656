"""What every piece of the data is summarised against: the features' grids and the windows.

A plan is small and picklable: it travels once to every Dask worker. A numeric feature's
``grid`` holds the distinct reference values (or a lossy sketch's values) that split the
line into cells: a cell is either one grid value or the open interval between two
consecutive ones (and the two unbounded intervals outside). Counts per cell give the KS
statistic against the reference exactly; ``edges`` are the bins of PSI, JS, KL and the
tail test.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._data.windows import time_values

#: The kind of a column that is not a feature (an id, a timestamp, a new column).
OTHER = "other"


@dataclass(frozen=True)
class FeaturePlan:
    """One feature: its kind and, for a numeric one, its cell grid and bin edges."""

    name: str
    kind: str  # a feature kind, or OTHER: only its missing values are counted
    grid: np.ndarray | None = None  # None: no cells (data quality needs none)
    edges: np.ndarray | None = None
    low: float = np.nan  # the reference's range: values outside it are counted
    high: float = np.nan

    @property
    def cells(self) -> int:
        """Cells of the grid: each value, the gaps between them and the two outer gaps."""
        return 0 if self.grid is None else 2 * len(self.grid) + 1


def nanoseconds(times: pd.Series | np.ndarray) -> np.ndarray:
    """Timestamps as int64 nanoseconds (UTC for zone-aware ones); NaT as the int64 minimum."""
    index = pd.DatetimeIndex(times)
    if index.tz is not None:
        index = index.tz_convert("UTC").tz_localize(None)
    return index.as_unit("ns").asi8


@dataclass(frozen=True)
class Plan:
    """The features to summarise and the windows (None: one window over every row)."""

    features: tuple[FeaturePlan, ...]
    time: str | None
    starts: np.ndarray | None = None  # window starts, int64 ns (closed)
    ends: np.ndarray | None = None  # window ends, int64 ns (open)

    @property
    def n_windows(self) -> int:
        return 1 if self.starts is None else len(self.starts)

    @property
    def columns(self) -> list[str]:
        """The columns a piece needs."""
        names = [f.name for f in self.features]
        return names if self.time is None or self.time in names else [*names, self.time]

    def rows(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, int]:
        """Each (row, window) membership of ``frame``'s rows, and its rows without a time.

        Returns row positions and window numbers (a row of several sliding windows appears
        once per window), ordered by window then row, and the count of rows without a
        timestamp (left out of every window, as :func:`make_windows` does).
        """
        n = len(frame)
        if self.starts is None or self.ends is None:
            return np.arange(n, dtype=np.int64), np.zeros(n, dtype=np.int64), 0
        times = nanoseconds(time_values(frame, self.time))
        timed = times != np.iinfo(np.int64).min
        last = np.searchsorted(self.starts, times, side="right") - 1  # latest window started
        first = np.searchsorted(self.ends, times, side="right")  # earliest window not ended
        inside = timed & (last >= first)
        count = np.where(inside, last - first + 1, 0)
        rows = np.repeat(np.arange(n, dtype=np.int64), count)
        offsets = np.arange(len(rows), dtype=np.int64) - np.repeat(np.cumsum(count) - count, count)
        windows = np.repeat(first, count) + offsets
        order = np.argsort(windows, kind="stable")
        return rows[order], windows[order], int((~timed).sum())
