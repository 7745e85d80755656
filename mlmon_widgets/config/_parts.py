"""The small parts of a monitoring config: model, window, levels, routing, persistence."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from typing import Any

import pandas as pd
from pandas.tseries.frequencies import to_offset

from ..engine import DataWarning
from ..engine._validation import warn
from ..engine._windows import known_time_zone
from ._checks import check_int, check_keys, check_number, check_string
from ._errors import ConfigError, nested

#: An ISO-8601 date or time stamp, with an optional UTC offset (the schema's pattern too).
ISO_STAMP = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$"


def _plain(obj: Any) -> dict[str, Any]:
    return {f.name: getattr(obj, f.name) for f in fields(obj)}


@dataclass(frozen=True)
class ModelInfo:
    """The monitored model: its name and version (a string: quote ``'1.2'`` in YAML)."""

    name: str
    version: str = ""

    def __post_init__(self) -> None:
        with nested("name"):
            check_string(self.name, nonempty=True)
        with nested("version"):
            check_string(self.version, hint=" (quote it in YAML, e.g. version: '1.2')")

    @classmethod
    def from_dict(cls, data: Any) -> ModelInfo:
        """Read ``{'name': ..., 'version': ...}``."""
        return cls(**check_keys(data, required=("name",), optional=("version",)))

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        return _plain(self)


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
                try:
                    if not re.match(ISO_STAMP, self.origin):
                        raise ValueError(self.origin)
                    pd.Timestamp(self.origin)
                except (TypeError, ValueError):
                    raise ConfigError(
                        f"must be an ISO time stamp such as '2024-03-01T00:00:00'; got "
                        f"{self.origin!r}"
                    ) from None
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

    def localize(self, data: pd.DataFrame, time: str | None = None) -> pd.DataFrame:
        """``data`` with its times in :attr:`timezone` (a copy when anything changes).

        Aware times (a column or a DatetimeIndex) are converted to the zone. Naive times are
        taken as wall-clock times in the zone, with a :class:`DataWarning` saying so (times
        that do not exist or repeat at a daylight-saving change are set aside).
        """
        if self.timezone is None:
            return data
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

    def _in_zone(self, values: Any, what: str) -> Any:
        stamps = values.dt if isinstance(values, pd.Series) else values
        if stamps.tz is not None:
            return stamps.tz_convert(self.timezone)
        warn(
            f"the times of {what} have no time zone: taken as wall-clock times in "
            f"{self.timezone} (the config's window.timezone); give aware times to be sure",
            DataWarning,
        )
        return stamps.tz_localize(self.timezone, ambiguous="NaT", nonexistent="NaT")


@dataclass(frozen=True)
class Levels:
    """Warning and critical thresholds of a data-quality rate, ``0 < warning <= critical <= 1``."""

    warning: float
    critical: float

    def __post_init__(self) -> None:
        for name in ("warning", "critical"):
            with nested(name):
                value = check_number(getattr(self, name), minimum=0, exclusive_minimum=True)
                check_number(value, maximum=1)
            object.__setattr__(self, name, value)
        if self.warning > self.critical:
            raise ConfigError(
                f"must be >= warning ({self.warning:g}); got {self.critical:g}", ("critical",)
            )

    @classmethod
    def from_dict(cls, data: Any) -> Levels | None:
        """Read ``{'warning': ..., 'critical': ...}``, or ``'off'`` (None)."""
        if data == "off":
            return None
        return cls(**check_keys(data, required=("warning", "critical")))

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        return _plain(self)


#: Data-quality rates with thresholds, as increases over the reference's own rate.
QUALITY_METRICS = ("missing_rate", "invalid_rate", "out_of_range", "unseen_share")


@dataclass(frozen=True)
class QualityThresholds:
    """Thresholds of the data-quality alerts; ``None`` turns one off.

    Each rate is compared with the reference's own rate plus the threshold (the reference
    has no out-of-range values or unseen categories, so those are plain shares): a column
    that was 20% missing in the reference warns at ``0.2 + missing_rate.warning``. A
    configured column missing from the data is always critical.
    """

    missing_rate: Levels | None = field(default_factory=lambda: Levels(0.1, 0.5))
    invalid_rate: Levels | None = field(default_factory=lambda: Levels(0.001, 0.05))
    out_of_range: Levels | None = field(default_factory=lambda: Levels(0.05, 0.2))
    unseen_share: Levels | None = field(default_factory=lambda: Levels(0.01, 0.1))

    def __post_init__(self) -> None:
        for name in QUALITY_METRICS:
            value = getattr(self, name)
            if value is not None and not isinstance(value, Levels):
                with nested(name):
                    object.__setattr__(self, name, Levels.from_dict(value))

    @classmethod
    def from_dict(cls, data: Any) -> QualityThresholds:
        """Read ``{'missing_rate': {'warning': ..., 'critical': ...} or 'off', ...}``."""
        given = check_keys(data, optional=QUALITY_METRICS)
        values = {}
        for name, value in given.items():
            with nested(name):
                values[name] = Levels.from_dict(value)
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """Plain data (``'off'`` for a rate without alerts)."""
        return {
            name: "off" if getattr(self, name) is None else getattr(self, name).to_dict()
            for name in QUALITY_METRICS
        }


#: Alert domains and their default route keys.
DOMAINS = ("data_quality", "drift", "performance", "latency")


@dataclass(frozen=True)
class Routing:
    """Where each domain's alerts go: free-form route keys (a team, a channel, a pager)."""

    data_quality: str = "data-engineering"
    drift: str = "ml-engineering"
    performance: str = "ml-engineering"
    latency: str = "platform"

    def __post_init__(self) -> None:
        for name in DOMAINS:
            with nested(name):
                check_string(getattr(self, name), nonempty=True)

    @classmethod
    def from_dict(cls, data: Any) -> Routing:
        """Read ``{'drift': 'ml-oncall', ...}`` (missing domains keep their default)."""
        return cls(**check_keys(data, optional=DOMAINS))

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        return _plain(self)


@dataclass(frozen=True)
class Persistence:
    """Alert only when ``n`` of the last ``m`` windows (this one included) breach."""

    n: int = 1
    m: int = 1

    def __post_init__(self) -> None:
        with nested("m"):
            check_int(self.m, minimum=1, maximum=1000)
        with nested("n"):
            check_int(self.n, minimum=1, maximum=self.m)

    @classmethod
    def from_dict(cls, data: Any) -> Persistence:
        """Read ``{'n': 2, 'm': 3}``."""
        return cls(**check_keys(data, optional=("n", "m")))

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        return _plain(self)
