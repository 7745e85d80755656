"""Which judged windows alert, and how an alert message describes the trend.

A window alerts when its severity is one of the alert levels and, with persistence N of M,
at least N of the last M windows (itself included) breached. The notebook's views and
``mlmon check`` count alerts with these same functions.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._validation import check_int
from ._vocabulary import ALERT_LEVELS


def recent_counts(breach: np.ndarray, m: int) -> np.ndarray:
    """Per window, how many of the last ``m`` windows (itself included) breached.

    Examples
    --------
    >>> recent_counts(np.array([True, False, True, True]), 3).tolist()
    [1, 1, 2, 2]
    """
    total = np.cumsum(np.asarray(breach, dtype=np.int64))
    before = np.concatenate([np.zeros(m, dtype=np.int64), total])[: len(total)]
    return total - before


def persistent_alerts(
    severity: Sequence[str] | np.ndarray,
    *,
    levels: Sequence[str] = ALERT_LEVELS,
    n: int = 1,
    m: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """Which windows of one series alert, and how many of the last ``m`` breached.

    Parameters
    ----------
    severity : array-like of str
        The severity of each window, in time order.
    levels : sequence of str, default ('warning', 'critical')
        Severities that breach.
    n, m : int, default 1 and 1
        A window alerts when at least ``n`` of the last ``m`` windows breached.

    Returns
    -------
    (numpy.ndarray of bool, numpy.ndarray of int)
        Alerting windows, and the count of breaching windows among the last ``m``.

    Examples
    --------
    >>> alerting, counts = persistent_alerts(["critical", "ok", "warning", "warning"], n=2, m=3)
    >>> alerting.tolist(), counts.tolist()
    ([False, False, True, True], [1, 1, 2, 2])
    """
    m = check_int("m", m, minimum=1)
    n = check_int("n", n, minimum=1, maximum=m)
    breach = np.isin(np.asarray(severity, dtype=object), list(levels))
    counts = recent_counts(breach, m)
    return breach & (counts >= n), counts


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
