"""How production data is cut into windows: the config's ``window`` section."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import pandas as pd
from pandas.tseries.frequencies import to_offset

from ..engine import (
    DataWarning,
    as_source,
    in_zone,
    is_scalable,
    known_time_zone,
    make_windows,
    warn,
    window_grid,
    zoned,
)
from ._checks import check_int, check_iso_stamp, check_keys, check_string
from ._errors import ConfigError, nested


def _plain(obj: Any) -> dict[str, Any]:
    return {f.name: getattr(obj, f.name) for f in fields(obj)}


@dataclass(frozen=True)
class WindowSpec:
    """How production data is cut into windows: exactly one of ``window`` and ``rows``.

    ``window`` is a pandas offset such as ``'1D'`` or ``'6h'`` over the ``time`` column;
    ``rows`` a row count (in time order when ``time`` is given). ``origin`` (an ISO time
    stamp of a window start) puts production's windows on the notebook's grid, so a
    ``'7D'`` window of a batch starting on a Wednesday is still the notebook's week;
    ``timezone`` (an IANA name such as ``'Europe/Paris'``) is the zone the windows are cut
    in: time-zone-aware times (and the UTC times a CSV gives) are converted to it first.
    """

    time: str | None = None
    window: str | None = None
    rows: int | None = None
    origin: str | None = None
    timezone: str | None = None

    def __post_init__(self) -> None:
        if self.time is not None:
            with nested("time"):
                check_string(self.time, nonempty=True)
        if (self.window is None) == (self.rows is None):
            raise ConfigError("give exactly one of window (a pandas offset) and rows")
        for name in ("origin", "timezone"):
            if getattr(self, name) is not None and self.window is None:
                raise ConfigError("needs time windows (window=), not rows", (name,))
        if self.origin is not None:
            with nested("origin"):
                check_string(self.origin, nonempty=True, hint=" (quote it in YAML)")
                if self.origin.strip().lower() in ("now", "today"):
                    raise ConfigError(f"must be a fixed time stamp; got {self.origin!r}")
                check_iso_stamp(self.origin)
        if self.timezone is not None:
            with nested("timezone"):
                check_string(self.timezone, nonempty=True)
                if not known_time_zone(self.timezone):
                    raise ConfigError(
                        f"must be a time zone name such as 'Europe/Paris' or 'UTC'; got "
                        f"{self.timezone!r}"
                    )
        if self.rows is not None:
            with nested("rows"):
                check_int(self.rows, minimum=1)
            return
        with nested("window"):
            check_string(self.window, nonempty=True)
            try:
                offset = to_offset(self.window)
            except (TypeError, ValueError):
                offset = None
            start = pd.Timestamp("2024-01-01")
            if offset is None or not start + offset > start:
                raise ConfigError(
                    f"must be a positive pandas offset such as '1D', '6h' or '7D'; "
                    f"got {self.window!r}"
                )

    @classmethod
    def of_grid(
        cls, *, time: str | None, window: Any = None, rows: int | None = None, anchor: Any = None
    ) -> WindowSpec:
        """The spec of windows a notebook cut: by rows, or by time from ``anchor`` on.

        The anchor (the first window's start, with its time zone) becomes ``origin`` and
        ``timezone``, so production cuts the same windows.

        Examples
        --------
        >>> WindowSpec.of_grid(time="ts", window="1D", anchor=pd.Timestamp("2024-03-01"))
        WindowSpec(time='ts', window='D', rows=None, origin='2024-03-01T00:00:00', timezone=None)
        """
        if window is None:
            return cls(time=time, rows=rows)
        return cls(time=time, window=to_offset(window).freqstr, **window_grid(anchor))

    @classmethod
    def from_dict(cls, data: Any) -> WindowSpec:
        """Read ``{'time': ..., 'window': ...}`` or ``{'time': ..., 'rows': ...}``."""
        return cls(**check_keys(data, optional=("time", "window", "rows", "origin", "timezone")))

    def to_dict(self) -> dict[str, Any]:
        """Plain data (None for the unused one of window and rows; origin, time zone if set)."""
        out = _plain(self)
        for name in ("origin", "timezone"):
            if out[name] is None:
                del out[name]
        return out

    def arguments(self, time: str | None = None) -> dict[str, Any]:
        """Keyword arguments of :func:`~mlmon_widgets.engine.make_windows`."""
        origin = None if self.origin is None else pd.Timestamp(self.origin)
        return {
            "time": time or self.time,
            "window": self.window,
            "rows": self.rows,
            "origin": origin,
        }

    def same_windows(self, other: WindowSpec) -> bool:
        """Whether ``other`` cuts the same windows: time column, length or rows, zone, grid.

        Examples
        --------
        >>> week = WindowSpec(time="ts", window="7D", origin="2024-03-04")
        >>> week.same_windows(WindowSpec(time="ts", window="7D", origin="2024-03-11"))
        True
        >>> week.same_windows(WindowSpec(time="ts", window="7D", origin="2024-03-05"))
        False
        >>> week.same_windows(WindowSpec(time="ts", window="7D"))  # not pinned: follows
        True
        """
        if (self.time, self.rows, self.timezone) != (other.time, other.rows, other.timezone):
            return False
        if (self.window is None) != (other.window is None):
            return False
        if self.window is None:
            return True
        if to_offset(self.window) != to_offset(other.window):
            return False
        if self.origin is None or other.origin is None:
            return True  # a grid not pinned follows the other's
        start = pd.Timestamp(other.origin)
        cut = make_windows(
            pd.DataFrame({"t": [start]}),
            time="t",
            window=self.window,
            origin=pd.Timestamp(self.origin),
        )
        return pd.Timestamp(cut.labels_start[0]) == start

    def localize(self, data: pd.DataFrame, time: str | None = None) -> pd.DataFrame:
        """``data`` with its times in :attr:`timezone` (a copy when anything changes).

        Aware times (a column or a DatetimeIndex) are converted to the zone. Naive times are
        taken as wall-clock times in the zone, with a :class:`DataWarning` saying so (times
        that do not exist or repeat at a daylight-saving change are set aside).
        """
        if self.timezone is None:
            return data
        if is_scalable(data):
            return self._localize_source(data, time or self.time)
        column = time or self.time
        if column is None:
            index = data.index
            if not isinstance(index, pd.DatetimeIndex):
                return data
            return data.set_axis(self._in_zone(index, "the index"), axis=0)
        if column not in data.columns:
            return data
        values = data[column]
        if not pd.api.types.is_datetime64_any_dtype(values.dtype):
            return data
        return data.assign(**{column: self._in_zone(values, f"column {column!r}")})

    def _localize_source(self, data: Any, column: str | None) -> Any:
        """A Dask DataFrame or Arrow dataset whose pieces are put in the zone as they are read."""
        source = as_source(data)
        dtype = source.dtypes.get(column or "", "")
        if column is None or column not in source.columns or not dtype.startswith("datetime64"):
            return data
        if ", " not in dtype:  # 'datetime64[ns]' is naive, 'datetime64[ns, UTC]' aware
            self.warn_naive(f"column {column!r}")
        assert self.timezone is not None
        return source.mapped(zoned, column, self.timezone)

    def _in_zone(self, values: Any, what: str) -> Any:
        stamps = values.dt if isinstance(values, pd.Series) else values
        if stamps.tz is None:
            self.warn_naive(what)
        return in_zone(values, self.timezone)

    def warn_naive(self, what: str) -> None:
        """The warning that naive times are read as wall-clock times in the config's zone."""
        warn(
            f"the times of {what} have no time zone: taken as wall-clock times in "
            f"{self.timezone} (the config's window.timezone); give aware times to be sure",
            DataWarning,
        )
