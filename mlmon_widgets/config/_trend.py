"""Persistence (N of the last M windows) and the trend phrase of an alert message."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ._config import MonitoringConfig


def recent_counts(breach: np.ndarray, m: int) -> np.ndarray:
    """Per window, how many of the last ``m`` windows (itself included) breached."""
    total = np.cumsum(breach.astype(np.int64))
    before = np.concatenate([np.zeros(m, dtype=np.int64), total])[: len(total)]
    return total - before


def breaches(severity: np.ndarray, config: MonitoringConfig) -> tuple[np.ndarray, np.ndarray]:
    """Which windows alert (after persistence) and how many recent windows breached."""
    breach = np.isin(severity, config.alert_levels)
    counts = recent_counts(breach, config.persistence.m)
    return breach & (counts >= config.persistence.n), counts


def persistence_text(config: MonitoringConfig, count: int) -> str:
    """``'; 2 of the last 3 windows breached'`` with persistence over several windows."""
    m = config.persistence.m
    return f"; {count} of the last {m} windows breached" if m > 1 else ""


def trend(values: np.ndarray, i: int, *, span: int = 3) -> str:
    """How the value of window ``i`` compares with the windows just before it.

    Only consecutive windows with a value count (a window with too few rows breaks the run).

    Examples
    --------
    >>> trend(np.array([0.1, 0.2, 0.3]), 2)
    'rising over the last 3 windows'
    >>> trend(np.array([0.3, 0.1, 0.2]), 2)
    'up from 0.1 in the previous window'
    >>> trend(np.array([np.nan, 0.2]), 1)
    'no value in the previous window'
    """
    run = [values[i]]
    j = i - 1
    while j >= 0 and len(run) < span and np.isfinite(values[j]):
        run.insert(0, values[j])
        j -= 1
    if len(run) == 1:
        return "first window" if i == 0 else "no value in the previous window"
    steps = np.diff(run)
    if len(run) >= 3 and (steps > 0).all():
        return f"rising over the last {len(run)} windows"
    if len(run) >= 3 and (steps < 0).all():
        return f"falling over the last {len(run)} windows"
    previous = run[-2]
    if run[-1] > previous:
        return f"up from {previous:.3g} in the previous window"
    if run[-1] < previous:
        return f"down from {previous:.3g} in the previous window"
    return "unchanged from the previous window"
