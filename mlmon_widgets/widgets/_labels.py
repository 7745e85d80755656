"""Window labels for display: dates, times or row ranges."""

from __future__ import annotations

import numpy as np
import pandas as pd


def window_labels(starts: np.ndarray, ends: np.ndarray) -> dict[str, list[str]]:
    """Window labels for display: dates, times or row ranges."""
    if np.issubdtype(np.asarray(starts).dtype, np.datetime64) or (
        len(starts) and isinstance(starts[0], pd.Timestamp)
    ):
        s = pd.DatetimeIndex(starts)
        e = pd.DatetimeIndex(ends)
        daily = bool(len(s)) and all(t == t.normalize() for t in s[:50])
        label = [t.strftime("%Y-%m-%d" if daily else "%Y-%m-%d %H:%M") for t in s]
        return {
            "label": label,
            "start": [t.isoformat() for t in s],
            "end": [t.isoformat() for t in e],
        }
    return {
        "label": [f"rows {int(a)}–{int(b)}" for a, b in zip(starts, ends, strict=True)],
        "start": [str(int(a)) for a in starts],
        "end": [str(int(b)) for b in ends],
    }
