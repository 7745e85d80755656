"""Where a widget's time windows sit: the origin and time zone a monitoring config keeps."""

from __future__ import annotations

from typing import Any

import pandas as pd


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
    zone = None
    if anchor.tz is not None:
        name = str(anchor.tz)
        try:  # a named zone (DST rules) is kept; a fixed offset is already in the origin
            pd.Timestamp("2024-01-01").tz_localize(name)
            zone = name
        except Exception:  # the zone libraries raise several kinds
            zone = None
    return {"origin": anchor.isoformat(), "timezone": zone}
