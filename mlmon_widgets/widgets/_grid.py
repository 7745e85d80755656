"""Where a widget's time windows sit: the origin and time zone a monitoring config keeps."""

from __future__ import annotations

import datetime
from typing import Any

import pandas as pd

from ..engine._windows import known_time_zone


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
