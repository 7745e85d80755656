"""Suppression periods: one-off (maintenance) and weekly recurring ("Sundays 00:00-06:00 UTC").

An alert is suppressed when its window overlaps a suppression period; it is still listed,
with ``suppressed=True``. Naive timestamps (in the data and in a one-off period) are UTC.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ._checks import check_keys, check_list, check_string
from ._errors import ConfigError, nested

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?")
_CLOCK = re.compile(r"([01]\d|2[0-3]):([0-5]\d)|24:00")


def utc(value: Any) -> pd.Timestamp:
    """A timestamp in UTC (naive ones are taken to be UTC)."""
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _iso(text: Any) -> pd.Timestamp:
    check_string(text)
    if not _ISO.fullmatch(text):
        raise ConfigError(
            f"must be an ISO-8601 date-time such as '2024-05-04T22:00:00Z'; got {text!r}"
        )
    try:
        return utc(text)
    except ValueError:
        raise ConfigError(f"is not a valid date-time: {text!r}") from None


def _clock(text: Any) -> dt.timedelta:
    check_string(text)
    if not _CLOCK.fullmatch(text):
        raise ConfigError(f"must be a time of day 'HH:MM' (00:00 to 24:00); got {text!r}")
    hours, minutes = (int(p) for p in text.split(":"))
    return dt.timedelta(hours=hours, minutes=minutes)


def _zone(name: Any) -> dt.tzinfo:
    check_string(name, nonempty=True)
    if name == "UTC":
        return dt.UTC
    try:
        return zoneinfo.ZoneInfo(name)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        raise ConfigError(
            f"is not a known time zone (an IANA name such as 'Europe/Paris'): {name!r}"
        ) from None


@dataclass(frozen=True)
class OneOffSuppression:
    """A single period, e.g. a maintenance night: ``start`` to ``end`` (ISO-8601)."""

    start: str
    end: str
    reason: str = ""

    def __post_init__(self) -> None:
        with nested("start"):
            start = _iso(self.start)
        with nested("end"):
            end = _iso(self.end)
            if not end > start:
                raise ConfigError(f"must be after start ({self.start}); got {self.end!r}")
        with nested("reason"):
            check_string(self.reason)

    @classmethod
    def from_dict(cls, data: Any) -> OneOffSuppression:
        """Read ``{'start': ..., 'end': ..., 'reason': ...}``."""
        return cls(**check_keys(data, required=("start", "end"), optional=("reason",)))

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        return {"start": self.start, "end": self.end, "reason": self.reason}

    def overlaps(self, start: pd.Timestamp, end: pd.Timestamp, *, closed: bool = False) -> bool:
        """Whether ``[start, end)`` (``[start, end]`` if ``closed``) meets this period."""
        first, last = utc(self.start), utc(self.end)
        window_start, window_end = utc(start), utc(end)
        before_end = first <= window_end if closed else first < window_end
        return before_end and window_start < last


@dataclass(frozen=True)
class RecurringSuppression:
    """A weekly period: on ``days``, from ``start`` to ``end`` (``'HH:MM'``) in ``timezone``.

    An ``end`` at or before ``start`` runs past midnight into the next day
    (``friday 22:00-02:00`` ends on Saturday); ``'24:00'`` is the end of the day.
    """

    days: tuple[str, ...]
    start: str
    end: str
    timezone: str = "UTC"
    reason: str = ""

    def __post_init__(self) -> None:
        with nested("days"):
            days = check_list(self.days)
            if not days:
                raise ConfigError("must name at least one day of the week")
            for i, day in enumerate(days):
                if day not in DAYS:
                    raise ConfigError(f"must be one of {', '.join(DAYS)}; got {day!r}", (i,))
            if len(set(days)) < len(days):
                raise ConfigError("names a day twice")
        object.__setattr__(self, "days", tuple(days))
        with nested("start"):
            if _clock(self.start) >= dt.timedelta(days=1):
                raise ConfigError("must be before 24:00")
        with nested("end"):
            if _clock(self.end) == _clock(self.start):
                raise ConfigError(f"must differ from start ({self.start})")
        with nested("timezone"):
            _zone(self.timezone)
        with nested("reason"):
            check_string(self.reason)

    @classmethod
    def from_dict(cls, data: Any) -> RecurringSuppression:
        """Read ``{'days': ['sunday'], 'start': '00:00', 'end': '06:00', 'timezone': 'UTC'}``."""
        given = check_keys(data, required=("days", "start", "end"), optional=("timezone", "reason"))
        return cls(**given)

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        return {
            "days": list(self.days),
            "start": self.start,
            "end": self.end,
            "timezone": self.timezone,
            "reason": self.reason,
        }

    def overlaps(self, start: pd.Timestamp, end: pd.Timestamp, *, closed: bool = False) -> bool:
        """Whether ``[start, end)`` (``[start, end]`` if ``closed``) meets one of the periods."""
        zone = _zone(self.timezone)
        first, last = utc(start), utc(end)
        begin, finish = _clock(self.start), _clock(self.end)
        if finish <= begin:
            finish += dt.timedelta(days=1)
        wanted = {DAYS.index(d) for d in self.days}
        day = first.tz_convert(zone).date() - dt.timedelta(days=1)
        stop = last.tz_convert(zone).date()
        while day <= stop:
            if day.weekday() in wanted:
                midnight = dt.datetime.combine(day, dt.time(), tzinfo=zone)
                period_start = utc(_wall(midnight, begin, zone))
                period_end = utc(_wall(midnight, finish, zone))
                before_end = period_start <= last if closed else period_start < last
                if before_end and first < period_end:
                    return True
            day += dt.timedelta(days=1)
        return False


def _wall(midnight: dt.datetime, offset: dt.timedelta, zone: dt.tzinfo) -> dt.datetime:
    """Wall-clock time ``offset`` after ``midnight`` in ``zone`` (DST-aware)."""
    naive = midnight.replace(tzinfo=None) + offset
    return naive.replace(tzinfo=zone)


Suppression = OneOffSuppression | RecurringSuppression


def suppression_from_dict(data: Any) -> Suppression:
    """A recurring period when ``days`` is given, else a one-off period."""
    if isinstance(data, dict) and "days" in data:
        return RecurringSuppression.from_dict(data)
    return OneOffSuppression.from_dict(data)
