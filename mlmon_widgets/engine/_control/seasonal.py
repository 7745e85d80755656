"""The seasonal profile of a control chart baseline from a robust STL fit."""

from __future__ import annotations

import numpy as np
import pandas as pd


def _seasonal_profile(
    value: np.ndarray, usable: np.ndarray, in_baseline: np.ndarray, period: int, notes: list[str]
) -> np.ndarray:
    """The seasonal component of every point from a robust STL fit on the baseline block.

    The component of a phase (position modulo ``period``) is the mean of STL's seasonal
    component over the baseline points of that phase: one value per phase, used alike inside
    and after the baseline.
    """
    from statsmodels.tsa.seasonal import STL

    where = np.flatnonzero(in_baseline)
    start, end = int(where[0]), int(where[-1])
    if not in_baseline[start : end + 1].all():
        raise ValueError("with period, baseline must be one contiguous block of points")
    if end - start + 1 < 2 * period:
        raise ValueError(
            f"with period={period}, baseline must cover at least two periods "
            f"({2 * period} points) to fit STL; got {end - start + 1}"
        )
    span = pd.Series(np.where(usable, value, np.nan)[start : end + 1])
    if span.isna().any():
        notes.append(
            f"{int(span.isna().sum())} missing baseline point(s) linearly interpolated for the "
            "STL fit only"
        )
        span = span.interpolate(limit_direction="both")
    fit = STL(span.to_numpy(), period=period, robust=True).fit()
    phases = np.arange(len(value)) % period
    block_phases = phases[start : end + 1]
    by_phase = np.array([fit.seasonal[block_phases == p].mean() for p in range(period)])
    cycles = (end - start + 1) / period
    notes.append(
        f"limits on seasonally adjusted values (STL, period={period}, robust, "
        f"{cycles:.3g} baseline cycles): value minus the seasonal component of its phase"
    )
    return by_phase[phases]
