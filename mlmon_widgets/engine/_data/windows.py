"""Cutting production data into windows: by time (pandas offsets) or by row count."""

from __future__ import annotations

import datetime
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

from .._validation import DataWarning, check_positive_int, warn

#: More windows than this in one call is almost certainly a wrong window size.
MAX_WINDOWS = 100_000


@dataclass
class Windows:
    """Windows over ``frame``'s rows.

    ``order`` puts the rows in time order (None: already in order); window ``i`` covers
    ordered positions ``starts[i]:ends[i]``; ``labels_start``/``labels_end`` are what the
    result shows (timestamps, or row positions without a time column).
    """

    order: np.ndarray | None
    starts: np.ndarray
    ends: np.ndarray
    labels_start: np.ndarray
    labels_end: np.ndarray
    #: Start of the time grid (first window's start when no origin was given), else None.
    anchor: pd.Timestamp | None = None
    #: Position of the first window on the grid (windows before the data are not listed).
    first_index: int = 0
    #: Windows of a large source (a Dask DataFrame, an Arrow dataset): its time column and
    #: time range piece by piece, which the statistics over it reuse (None otherwise).
    source: Any = None

    def __len__(self) -> int:
        return len(self.starts)

    def rows(self, i: int) -> slice | np.ndarray:
        """Row positions (into the original frame) of window ``i``."""
        if self.order is None:
            return slice(int(self.starts[i]), int(self.ends[i]))
        return self.order[self.starts[i] : self.ends[i]]

    @classmethod
    def single(cls, n_rows: int) -> Windows:
        """One window over all rows (what :func:`drift_table` compares)."""
        z = np.array([0])
        return cls(None, z, np.array([n_rows]), z, np.array([n_rows]))


def time_values(frame: pd.DataFrame, time: str | None) -> pd.Series:
    """The timestamps of ``frame`` (a column, or a DatetimeIndex when ``time`` is None)."""
    if time is None:
        if isinstance(frame.index, pd.DatetimeIndex):
            return pd.Series(frame.index, index=pd.RangeIndex(len(frame)))
        raise ValueError(
            "time windows need timestamps: pass time='<column>' naming the timestamp column "
            "(or give the frame a DatetimeIndex), or use rows=N for row-count windows"
        )
    if time not in frame.columns:
        raise ValueError(f"time column {time!r} is not in the production data")
    values = frame[time]
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return values.reset_index(drop=True)
    if values.dtype == object:
        non_null = values.dropna()
        is_ts = non_null.map(lambda v: isinstance(v, pd.Timestamp) or hasattr(v, "tzinfo")).all()
        if len(non_null) and is_ts:
            aware = non_null.map(lambda v: v.tzinfo is not None)
            if aware.all():
                return pd.to_datetime(values, utc=True).reset_index(drop=True)
            if aware.any():
                raise ValueError(
                    f"time column {time!r} mixes time-zone-aware and naive timestamps; make them "
                    f"consistent, e.g. pd.to_datetime(df[{time!r}], utc=True) if naive means UTC"
                )
    raise TypeError(
        f"time column {time!r} is not datetime (dtype {values.dtype}); parse it first, "
        f"e.g. df[{time!r}] = pd.to_datetime(df[{time!r}])"
    )


def _offset(name: str, value: object) -> pd.DateOffset:
    try:
        offset = to_offset(value)
    except (ValueError, TypeError):
        raise ValueError(
            f"{name}={value!r} is not a pandas offset; use e.g. '1D', '6h', '7D' or 'W'"
        ) from None
    return offset


def calendar_offset(offset: pd.DateOffset) -> pd.DateOffset:
    """Period-end offsets ('ME', 'QE', 'YE') as their period-start twins.

    A window is [start, next start): with 'ME' that has to be the calendar month, not the
    stretch from one month end to the next.
    """
    if isinstance(offset, pd.offsets.MonthEnd):
        return pd.offsets.MonthBegin(offset.n)
    if isinstance(offset, pd.offsets.QuarterEnd):
        return pd.offsets.QuarterBegin(offset.n, startingMonth=offset.startingMonth % 12 + 1)
    if isinstance(offset, pd.offsets.YearEnd):
        return pd.offsets.YearBegin(offset.n, month=offset.month % 12 + 1)
    return offset


def known_time_zone(name: object) -> bool:
    """Whether ``name`` is a time zone pandas can localize to (``'Europe/Paris'``, ``'UTC'``)."""
    try:
        pd.Timestamp("2024-01-01").tz_localize(name)
    except Exception:  # the zone libraries raise several kinds
        return False
    return True


def _in_zone(origin: pd.Timestamp, first: pd.Timestamp) -> pd.Timestamp:
    """``origin`` in the time zone of the data (naive data: its UTC wall clock)."""
    if first.tz is None:
        return origin.tz_convert("UTC").tz_localize(None) if origin.tz is not None else origin
    return origin.tz_localize(first.tz) if origin.tz is None else origin.tz_convert(first.tz)


def _back_to(anchor: pd.Timestamp, first: pd.Timestamp, offset: pd.DateOffset) -> pd.Timestamp:
    """The start on ``anchor``'s grid of the window that holds ``first`` (earlier)."""
    if isinstance(offset, pd.offsets.Tick):
        step = pd.Timedelta(offset)
        return anchor - step * int(-(-(anchor - first) // step))
    while anchor > first:
        anchor = anchor - offset
    return anchor


def _anchor(first: pd.Timestamp, offset: pd.DateOffset) -> pd.Timestamp:
    """Start of the window that contains the first timestamp (day boundary for '1D', ...)."""
    nanos = getattr(offset, "nanos", None) if isinstance(offset, pd.offsets.Tick) else None
    if nanos is not None:
        day = pd.Timedelta(days=1).value
        # Windows of a day or more start at midnight of the first day; shorter ones at the
        # last multiple of their length since midnight (6h windows at 0h, 6h, 12h, 18h).
        if nanos >= day or day % nanos:
            return first.normalize()
        return first.floor(offset)
    return offset.rollback(first.normalize())


def make_windows(
    frame: pd.DataFrame,
    *,
    time: str | None = None,
    window: object | None = None,
    rows: int | None = None,
    step: object | None = None,
    origin: pd.Timestamp | None = None,
) -> Windows:
    """Windows over ``frame`` by time (``window`` an offset) or by rows (``rows=N``).

    ``step`` makes them sliding (an offset for time windows, an int for row windows); it may
    not exceed the window, so no row is skipped. Rows without a timestamp are set aside
    with a :class:`DataWarning` that counts them. Time windows start at ``origin`` (by
    default the floor of the first timestamp to the window: midnight for ``'1D'``) and
    continue on that grid; windows that end before the first row are left out and
    ``first_index`` says how many, so windows over new rows line up with earlier ones. An
    ``origin`` after the first row fixes the grid all the same (the windows start earlier on
    it, and ``first_index`` is 0). ``frame`` may also be a Dask DataFrame or an Arrow
    dataset (time windows only): its time column is read once, piece by piece.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"ts": pd.date_range("2024-01-01 05:00", periods=6, freq="8h")})
    >>> w = make_windows(frame, time="ts", window="1D")
    >>> [str(pd.Timestamp(s).date()) for s in w.labels_start], (w.ends - w.starts).tolist()
    (['2024-01-01', '2024-01-02'], [3, 3])
    >>> later = make_windows(frame.iloc[4:], time="ts", window="1D", origin=w.anchor)
    >>> later.first_index, (later.ends - later.starts).tolist()
    (1, [2])
    """
    from .._scale.sources import is_scalable  # (the large-data layer builds on this one)

    if is_scalable(frame):
        from .._scale.run import ROWS_REFUSED, scaled_windows
        from .._scale.sources import pieces_of

        if rows is not None:
            raise ValueError(ROWS_REFUSED)
        windows, span = scaled_windows(
            pieces_of(frame), time=time, window=window, step=step, origin=origin
        )
        windows.source = (time, span)
        return windows
    if (window is None) == (rows is None):
        raise ValueError(
            "give exactly one of window= (a time offset, with time=) or rows= (a row count)"
        )
    n = len(frame)
    if rows is not None:
        rows = check_positive_int("rows", rows)
        step_rows = rows if step is None else check_positive_int("step", step)
        if step_rows > rows:
            raise ValueError(
                f"step ({step_rows}) must not exceed rows ({rows}): "
                "rows between windows would be skipped"
            )
        order = None
        times = None
        if time is not None or isinstance(frame.index, pd.DatetimeIndex):
            times, order, n = sorted_times(frame, time)
            if n == 0:  # no row has a time: no window to label
                empty = np.zeros(0, dtype=np.int64)
                return Windows(order, empty, empty, empty, empty)
        starts = []
        s = 0
        while True:
            starts.append(s)
            if s + rows >= n:
                break
            s += step_rows
        _check_count(len(starts))
        starts_arr = np.asarray(starts, dtype=np.int64)
        ends = np.minimum(starts_arr + rows, n)
        if times is None:
            return Windows(order, starts_arr, ends, starts_arr, ends)
        last = np.maximum(ends - 1, starts_arr)
        safe = np.minimum(last, max(n - 1, 0))
        t = times.to_numpy()
        return Windows(order, starts_arr, ends, t[np.minimum(starts_arr, max(n - 1, 0))], t[safe])
    times, order, n = sorted_times(frame, time)
    offset = calendar_offset(_offset("window", window))
    step_offset = offset if step is None else calendar_offset(_offset("step", step))
    if n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Windows(order, empty, empty, empty, empty)
    first, last = times.iloc[0], times.iloc[-1]
    anchor = _anchor(first, offset) if origin is None else _in_zone(pd.Timestamp(origin), first)
    if anchor > first:  # the origin fixes the grid, not where it starts: step back on it
        anchor = _back_to(anchor, first, offset)
    jumped = 0
    if isinstance(step_offset, pd.offsets.Tick) and isinstance(offset, pd.offsets.Tick):
        # Far before the data: jump over the windows that end by the first row instead of
        # listing them (window j ends at anchor + j * step + length).
        gap, length, stride = first - anchor, pd.Timedelta(offset), pd.Timedelta(step_offset)
        if gap >= length:
            jumped = int((gap - length) // stride) + 1
            anchor = anchor + stride * jumped
    if anchor + step_offset > anchor + offset:
        raise ValueError(
            f"step ({step}) must not exceed window ({window}): "
            "rows between windows would be skipped"
        )
    starts_t = pd.date_range(anchor, last, freq=step_offset)
    if len(starts_t) == 0 or starts_t[0] > anchor:
        starts_t = pd.DatetimeIndex([anchor]).append(starts_t)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pd.errors.PerformanceWarning)
        ends_t = starts_t + offset
    keep = np.flatnonzero(ends_t > first)
    skipped = int(keep[0]) if len(keep) else len(starts_t)
    starts_t, ends_t = starts_t[skipped:], ends_t[skipped:]
    _check_count(len(starts_t))
    t = times.to_numpy()
    starts = np.searchsorted(t, starts_t.to_numpy(), side="left")
    ends = np.searchsorted(t, ends_t.to_numpy(), side="left")
    return Windows(
        order,
        starts,
        ends,
        starts_t.to_numpy(),
        ends_t.to_numpy(),
        anchor=anchor,
        first_index=skipped + jumped,
    )


def _check_count(count: int) -> None:
    if count > MAX_WINDOWS:
        raise ValueError(
            f"this would make {count} windows (at most {MAX_WINDOWS}); choose a larger window"
        )


def in_zone(values: Any, timezone: str) -> Any:
    """Timestamps in ``timezone``: aware ones converted, naive ones taken as its wall clock.

    Naive times that do not exist or repeat at a daylight-saving change become NaT.
    """
    stamps = values.dt if isinstance(values, pd.Series) else values
    if stamps.tz is not None:
        return stamps.tz_convert(timezone)
    return stamps.tz_localize(timezone, ambiguous="NaT", nonexistent="NaT")


def zoned(frame: pd.DataFrame, time: str | None, timezone: str) -> pd.DataFrame:
    """``frame`` with its time column (or DatetimeIndex) in ``timezone`` (see :func:`in_zone`).

    Examples
    --------
    >>> frame = pd.DataFrame({"ts": pd.to_datetime(["2024-03-31 01:30", "2024-03-31 02:30"])})
    >>> zoned(frame, "ts", "Europe/Paris")["ts"].tolist()
    [Timestamp('2024-03-31 01:30:00+0100', tz='Europe/Paris'), NaT]
    """
    if time is None:
        if not isinstance(frame.index, pd.DatetimeIndex):
            return frame
        return frame.set_axis(in_zone(frame.index, timezone), axis=0)
    if time not in frame.columns or not pd.api.types.is_datetime64_any_dtype(frame[time].dtype):
        return frame
    return frame.assign(**{time: in_zone(frame[time], timezone)})


def warn_untimed(count: int, time: str | None) -> None:
    """The warning for rows left out of every window for want of a timestamp."""
    warn(
        f"{count} row(s) have no timestamp in {time or 'the index'!s} and are "
        "left out of every window; fill or drop them to include them",
        DataWarning,
    )


def sorted_times(frame: pd.DataFrame, time: str | None) -> tuple[pd.Series, np.ndarray | None, int]:
    """Timestamps in order, the permutation that sorts the rows (None if sorted) and the count.

    Rows without a timestamp are left out of every window and counted in a warning.
    """
    times = time_values(frame, time)
    missing = times.isna().to_numpy()
    order = None
    if missing.any():
        warn_untimed(int(missing.sum()), time)
        order = np.flatnonzero(~missing)
        times = times[~missing]
    if not times.is_monotonic_increasing:
        sorter = np.argsort(times.to_numpy(), kind="stable")
        order = sorter if order is None else order[sorter]
        times = times.iloc[sorter]
    return times.reset_index(drop=True), order, len(times)


def pad_windows(windows: Windows, first: int, window: object, anchor: pd.Timestamp) -> Windows:
    """``windows`` (on the grid of ``anchor``) preceded by empty windows from position ``first``.

    When rows arrive after a gap in time, the windows of the gap have no rows; they are still
    windows of the view (shown empty), so the windows of new rows start at ``first``.

    Examples
    --------
    >>> frame = pd.DataFrame({"t": pd.to_datetime(["2024-01-04 10:00"])})
    >>> cut = make_windows(frame, time="t", window="1D", origin=pd.Timestamp("2024-01-01"))
    >>> padded = pad_windows(cut, 1, "1D", pd.Timestamp("2024-01-01"))
    >>> padded.first_index, [str(pd.Timestamp(s).date()) for s in padded.labels_start]
    (1, ['2024-01-02', '2024-01-03', '2024-01-04'])
    """
    if windows.first_index <= first:
        return windows
    offset = calendar_offset(to_offset(window))
    grid = pd.date_range(anchor, periods=windows.first_index + 1, freq=offset)
    starts = grid[first : windows.first_index]
    ends = grid[first + 1 : windows.first_index + 1]
    empty = np.zeros(len(starts), dtype=np.int64)

    def joined(times: pd.DatetimeIndex, labels: Any) -> Any:
        both = times.append(pd.DatetimeIndex(labels))
        return both if both.tz is not None else both.to_numpy()

    return Windows(
        windows.order,
        np.concatenate([empty, windows.starts]),
        np.concatenate([empty, windows.ends]),
        joined(starts, windows.labels_start),
        joined(ends, windows.labels_end),
        anchor=windows.anchor,
        first_index=first,
    )


def window_grid(anchor: Any) -> dict[str, str | None]:
    """``origin`` and ``timezone`` of a config's WindowSpec for windows starting at ``anchor``.

    None for both with row windows (or an unknown anchor).

    Examples
    --------
    >>> window_grid(pd.Timestamp("2024-03-01", tz="Europe/Paris"))
    {'origin': '2024-03-01T00:00:00+01:00', 'timezone': 'Europe/Paris'}
    >>> window_grid(None)
    {'origin': None, 'timezone': None}
    """
    if anchor is None or pd.isna(anchor):
        return {"origin": None, "timezone": None}
    anchor = pd.Timestamp(anchor)
    return {"origin": anchor.isoformat(), "timezone": zone_name(anchor.tz)}


def zone_name(tz: Any) -> str | None:
    """The IANA name of a time zone object (zoneinfo, pytz, dateutil), or None.

    A fixed offset has no name to keep: the origin's offset says it all.

    Examples
    --------
    >>> import zoneinfo, datetime
    >>> zone_name(zoneinfo.ZoneInfo("Europe/Paris")), zone_name(datetime.timezone.utc)
    ('Europe/Paris', 'UTC')
    >>> zone_name(datetime.timezone(datetime.timedelta(hours=2), "EST")) is None
    True
    """
    if tz is None:
        return None
    if isinstance(tz, datetime.timezone):
        return "UTC" if tz.utcoffset(None) == datetime.timedelta(0) else None
    name = getattr(tz, "key", None) or getattr(tz, "zone", None)  # zoneinfo, pytz
    path = getattr(tz, "_filename", None)  # dateutil: a file of the zone database
    if name is None and isinstance(path, str):
        name = path.split("zoneinfo/")[-1] if "zoneinfo/" in path else path
    if name is None and type(tz).__name__ == "tzutc":
        name = "UTC"
    return str(name) if name is not None and known_time_zone(name) else None
