"""Production rows that keep arriving, cut into windows on a fixed grid.

A live view computes every window once, then on each append only the windows the new rows
touch: :class:`LiveWindows` keeps the rows in time order (in the chunks they came in, never
copied into one frame), the grid of the first windows, and says which windows an append
changes and over which rows to recompute them (:class:`WindowUpdate`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._validation import check_frame
from .windows import Windows, make_windows, pad_windows, sorted_times, time_values


@dataclass(frozen=True)
class WindowUpdate:
    """Windows to compute after an append: ``windows`` over ``rows``, from grid window ``first``.

    ``windows.first_index == first``: window ``w`` of ``windows`` is window ``first + w``
    of the view, and every window from ``first`` on is in ``windows``. With ``reset`` the
    view's windows were all cut again (rows arrived out of order): ``first`` is 0 and
    nothing computed before can be kept.
    """

    first: int
    windows: Windows
    rows: pd.DataFrame
    reset: bool = False


class LiveWindows:
    """Rows in time order, cut into tumbling windows by time (``window``) or rows (``rows``).

    Rows without a time are set aside (with the warning :func:`make_windows` gives) and
    counted in :attr:`set_aside`; they belong to no window.

    Parameters
    ----------
    frame : pandas.DataFrame
        The first rows (any order: they are sorted here).
    time : str, optional
        The time column (None: the DatetimeIndex, or row order for ``rows`` windows).
    window : str or pandas offset, optional
        Time windows of this length.
    rows : int, optional
        Row-count windows instead.

    Examples
    --------
    >>> import pandas as pd
    >>> ts = pd.date_range("2024-01-01", periods=6, freq="12h")
    >>> live = LiveWindows(pd.DataFrame({"ts": ts[:3], "x": [1, 2, 3]}), time="ts", window="1D")
    >>> live.n_windows
    2
    >>> update = live.append(pd.DataFrame({"ts": ts[3:], "x": [4, 5, 6]}))
    >>> update.first, len(update.windows), len(update.rows), live.n_windows
    (1, 2, 4, 3)
    """

    def __init__(
        self,
        frame: pd.DataFrame,
        *,
        time: str | None = None,
        window: Any = None,
        rows: int | None = None,
    ) -> None:
        self.spec = {"time": time, "window": window, "rows": rows}
        self.set_aside = 0
        self._cut(frame)

    # ------------------------------------------------------------------ state
    def _ordered(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Rows with a time, in time order (row order for row windows without a time)."""
        time = self.spec["time"]
        if time is None and not isinstance(frame.index, pd.DatetimeIndex):
            return frame.reset_index(drop=True)
        if time is not None and time not in frame.columns:
            raise ValueError(f"time column {time!r} is not in the data")
        _, order, n = sorted_times(frame, time)  # warns about rows without a time
        self.set_aside += len(frame) - n
        kept = frame if order is None else frame.iloc[order]
        return kept if time is None else kept.reset_index(drop=True)

    def _cut(self, frame: pd.DataFrame) -> WindowUpdate:
        ordered = self._ordered(frame)
        windows = make_windows(ordered, **self.spec)
        self.anchor = windows.anchor
        self.starts, self.ends = windows.starts.copy(), windows.ends.copy()
        self.labels = (windows.labels_start, windows.labels_end)
        self._chunks = [ordered]
        self._frame: pd.DataFrame | None = ordered
        return WindowUpdate(0, windows, ordered, reset=True)

    @property
    def n_windows(self) -> int:
        """Windows so far (empty ones included)."""
        return len(self.starts)

    @property
    def n_rows(self) -> int:
        """Rows in windows so far."""
        return sum(len(c) for c in self._chunks)

    @property
    def frame(self) -> pd.DataFrame:
        """Every row in a window, in time order (one frame, built when asked)."""
        if self._frame is None:
            keep_index = self.spec["time"] is None and isinstance(
                self._chunks[0].index, pd.DatetimeIndex
            )
            self._frame = pd.concat(self._chunks, ignore_index=not keep_index)
        return self._frame

    def rows_between(self, start: int, end: int) -> pd.DataFrame:
        """Rows ``start:end`` (positions in time order) across the stored chunks."""
        parts, offset = [], 0
        for chunk in self._chunks:
            lo, hi = max(start - offset, 0), min(end - offset, len(chunk))
            if lo < hi:
                parts.append(chunk.iloc[lo:hi])
            offset += len(chunk)
        if not parts:
            return self._chunks[0].iloc[:0]
        keep_index = isinstance(parts[0].index, pd.DatetimeIndex) and self.spec["time"] is None
        return parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=not keep_index)

    def window_rows(self, w: int) -> pd.DataFrame:
        """The rows of window ``w``."""
        return self.rows_between(int(self.starts[w]), int(self.ends[w]))

    def everything(self) -> WindowUpdate:
        """Every window over every row (what a first computation needs)."""
        windows = Windows(
            None,
            self.starts.copy(),
            self.ends.copy(),
            self.labels[0],
            self.labels[1],
            anchor=self.anchor,
        )
        return WindowUpdate(0, windows, self.frame, reset=True)

    def copy(self) -> LiveWindows:
        """A copy an append can change while this one stays as it is."""
        clone = LiveWindows.__new__(LiveWindows)
        clone.__dict__.update(self.__dict__)
        clone._chunks = list(self._chunks)
        return clone

    # ------------------------------------------------------------------ append
    def append(self, new_rows: pd.DataFrame) -> WindowUpdate | None:
        """Add rows; the windows they change (None when ``new_rows`` is empty).

        Rows at or after the last window's start extend the last window or add new ones
        (a gap in time gives empty windows, shown as such); older rows cut every window
        again (``reset``).
        """
        check_frame("new_rows", new_rows, allow_empty_rows=True)
        if len(new_rows) == 0:
            return None
        missing = [c for c in self._chunks[0].columns if c not in new_rows.columns]
        if missing:
            raise ValueError(f"new_rows lacks the column(s) {missing} of the data")
        new = self._ordered(new_rows[list(self._chunks[0].columns)])
        time, n = self.spec["time"], self.n_windows
        if len(new) == 0:
            return None
        if n == 0 or self._older(new):
            return self._cut(pd.concat([self.frame, new], ignore_index=time is not None))
        total = self.n_rows
        first = n - 1
        if self.spec["rows"] is None and self._stamps(new)[0] >= pd.Timestamp(self.labels[1][-1]):
            first = n  # the last window is complete: only new windows
        tail_from = int(self.starts[first]) if first < n else total
        tail = pd.concat([self.rows_between(tail_from, total), new], ignore_index=time is not None)
        self._chunks.append(new)
        self._frame = None
        if self.spec["rows"] is None:
            windows = make_windows(tail, time=time, window=self.spec["window"], origin=self.anchor)
            # A gap in time: its windows are shown empty.
            windows = pad_windows(windows, first, self.spec["window"], self.anchor)
        else:
            cut = make_windows(tail, time=time, rows=self.spec["rows"])
            windows = Windows(
                cut.order,
                cut.starts,
                cut.ends,
                cut.labels_start + (tail_from if _positions(cut.labels_start) else 0),
                cut.labels_end + (tail_from if _positions(cut.labels_end) else 0),
                first_index=first,
            )
        first = windows.first_index
        self.starts = np.concatenate([self.starts[:first], windows.starts + tail_from])
        self.ends = np.concatenate([self.ends[:first], windows.ends + tail_from])
        self.labels = (
            _join(self.labels[0][:first], windows.labels_start),
            _join(self.labels[1][:first], windows.labels_end),
        )
        return WindowUpdate(first, windows, tail)

    def _stamps(self, frame: pd.DataFrame) -> pd.DatetimeIndex:
        return pd.DatetimeIndex(time_values(frame, self.spec["time"]))

    def _older(self, new: pd.DataFrame) -> bool:
        """Whether ``new`` has rows before the last stored row."""
        if self.spec["time"] is None and not isinstance(new.index, pd.DatetimeIndex):
            return False
        last = self._stamps(self._chunks[-1])[-1:] if self.n_rows else []
        return bool(len(last)) and self._stamps(new)[0] < last[0]


def _positions(labels: Any) -> bool:
    """Whether window labels are row positions (not time stamps)."""
    return np.issubdtype(np.asarray(labels).dtype, np.integer)


def _join(first: Any, second: Any) -> Any:
    """Two runs of window labels (times, time zone kept, or row positions) as one."""
    if _positions(first) and _positions(second):
        return np.concatenate([np.asarray(first), np.asarray(second)])
    if len(first) == 0:
        return second
    joined = pd.DatetimeIndex(first).append(pd.DatetimeIndex(second))
    return joined if joined.tz is not None else joined.to_numpy()
