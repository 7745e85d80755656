"""EWMA and tabular CUSUM charts.

Limits follow Montgomery, *Introduction to Statistical Quality Control* (chapter 9).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._validation import as_float_series, check_real
from .constants import _moving_range_sigma
from .inputs import (
    _baseline_mask,
    _describe_baseline,
    _skipped,
    _usable_baseline,
)
from .results import ControlChartResult, CusumResult
from .run_rules import standardise, violations_frame


def _centre_and_sigma(
    value: np.ndarray,
    observed: np.ndarray,
    in_baseline: np.ndarray,
    target: float | None,
    sigma: float | None,
    notes: list[str],
) -> tuple[float, float, int]:
    if target is not None and sigma is not None:
        return target, sigma, 0
    usable = _usable_baseline(in_baseline, observed, notes)
    centre = target if target is not None else float(np.mean(value[usable]))
    spread = sigma if sigma is not None else _moving_range_sigma(value[usable])
    return centre, spread, int(usable.sum())


def ewma_chart(
    values: Any,
    *,
    baseline: Any = None,
    lam: float = 0.2,
    L: float = 3.0,
    target: float | None = None,
    sigma: float | None = None,
) -> ControlChartResult:
    """EWMA chart: ``z_i = lam x_i + (1 - lam) z_(i-1)``, ``z_0`` the centre line.

    The limits vary with i (Montgomery, section 9.2):
    ``centre ± L sigma sqrt(lam / (2 - lam) (1 - (1 - lam)^(2i)))``, i = 1, 2, ... counting
    non-missing points; warning limits use ``2 L / 3`` instead of ``L`` (2 sigma when L = 3).
    Centre and sigma come from the baseline as for :func:`individuals_chart` (mean and
    MR-bar / 1.128) unless given. A missing point is skipped: the statistic carries over.

    Parameters
    ----------
    values : pandas.Series or array-like of float
        One value per window.
    baseline : int, boolean mask or None, default None
        As in :func:`individuals_chart`.
    lam : float, default 0.2
        Weight of the newest point, in (0, 1].
    L : float, default 3.0
        Width of the control limits in sigmas of the EWMA statistic, > 0.
    target, sigma : float, optional
        Known in-control mean and sigma of one observation.

    Returns
    -------
    ControlChartResult
        ``value`` is the EWMA statistic and ``observation`` the raw value; violations are the
        points beyond the control limits (reported as rule 1; run rules do not apply to the
        autocorrelated EWMA statistic).

    Examples
    --------
    >>> result = ewma_chart([10, 10.5, 9.5, 10, 10, 11, 11.5, 12], target=10, sigma=0.5)
    >>> result.points["value"].round(3).tolist()
    [10.0, 10.1, 9.98, 9.984, 9.987, 10.19, 10.452, 10.761]
    >>> list(result.violations["position"])
    [7]
    """
    series = as_float_series("values", values)
    lam = check_real("lam", lam, low=0.0, high=1.0, low_open=True)
    L = check_real("L", L, low=0.0, low_open=True)
    if target is not None:
        target = check_real("target", target)
    if sigma is not None:
        sigma = check_real("sigma", sigma, low=0.0, low_open=True)
    index, x = series.index, series.to_numpy()
    observed = ~np.isnan(x)
    in_baseline = _baseline_mask(baseline, index)
    notes: list[str] = []
    centre, process_sigma, size = _centre_and_sigma(x, observed, in_baseline, target, sigma, notes)
    count = len(x)
    stat = np.full(count, np.nan)
    current = centre
    for i in np.flatnonzero(observed):
        current = lam * x[i] + (1 - lam) * current
        stat[i] = current
    steps = np.maximum(np.cumsum(observed), 1)  # i counts observed points
    sigma_i = process_sigma * np.sqrt(lam / (2 - lam) * (1 - (1 - lam) ** (2 * steps)))
    skipped = _skipped(index, observed, notes)
    deviation = stat - centre
    z = standardise(deviation, sigma_i)
    if process_sigma == 0:
        notes.append(
            "sigma is 0 (the baseline does not vary): the limits equal the centre line and "
            "every point off it is beyond them"
        )
    found = []
    for i in np.flatnonzero(observed):
        if z[i] > L or z[i] < -L:
            found.append((i, "upper" if z[i] > 0 else "lower"))
    obs_pos = np.flatnonzero(observed)
    rank = {int(p): k for k, p in enumerate(obs_pos)}
    violations = violations_frame(
        [(rank[int(i)], 1, side, (rank[int(i)],)) for i, side in found],
        list(index[observed]),
        obs_pos,
    )
    violations["name"] = "beyond_control_limits"
    violations["description"] = f"EWMA statistic beyond its L = {L:g} sigma control limits"
    points = pd.DataFrame(
        {
            "value": stat,
            "observation": x,
            "centre": np.full(count, centre),
            "lcl": centre - L * sigma_i,
            "ucl": centre + L * sigma_i,
            "lwl": centre - 2 * L / 3 * sigma_i,
            "uwl": centre + 2 * L / 3 * sigma_i,
            "sigma": sigma_i,
            "z": z,
            "in_baseline": in_baseline,
            "missing": ~observed,
        },
        index=index,
    )
    return ControlChartResult(
        chart="ewma",
        points=points,
        violations=violations,
        centre=float(centre),
        sigma=float(process_sigma),
        baseline_size=size,
        skipped=skipped,
        notes=tuple(notes),
        parameters={
            "baseline": _describe_baseline(baseline),
            "lam": lam,
            "L": L,
            "target": target,
            "sigma": sigma,
        },
    )


def cusum_chart(
    values: Any,
    *,
    baseline: Any = None,
    k: float = 0.5,
    h: float = 5.0,
    target: float | None = None,
    sigma: float | None = None,
) -> CusumResult:
    """Tabular CUSUM with upper and lower cumulative sums (Montgomery, section 9.1.2).

    ``C+_i = max(0, x_i - (target + K) + C+_(i-1))`` and
    ``C-_i = max(0, (target - K) - x_i + C-_(i-1))`` with ``C+_0 = C-_0 = 0``, ``K = k sigma``
    and ``H = h sigma``; a point signals when a sum exceeds H. Sums are not reset after a
    signal. Target and sigma come from the baseline (mean and MR-bar / 1.128) unless given.
    A missing point is skipped: the sums carry over.

    Parameters
    ----------
    values : pandas.Series or array-like of float
        One value per window.
    baseline : int, boolean mask or None, default None
        As in :func:`individuals_chart`.
    k : float, default 0.5
        Reference value in sigmas (half the shift to detect quickly), >= 0.
    h : float, default 5.0
        Decision interval in sigmas, > 0.
    target, sigma : float, optional
        Known in-control mean and sigma of one observation.

    Returns
    -------
    CusumResult

    Examples
    --------
    >>> result = cusum_chart([10, 11, 9, 12, 13, 13, 14], target=10, sigma=1, h=4)
    >>> result.points["upper"].tolist()
    [0.0, 0.5, 0.0, 1.5, 4.0, 6.5, 10.0]
    >>> result.signals[["position", "side", "run_start"]]
       position   side  run_start
    0         5  upper          3
    1         6  upper          3
    """
    series = as_float_series("values", values)
    k = check_real("k", k, low=0.0, low_open=False)
    h = check_real("h", h, low=0.0, low_open=True)
    if target is not None:
        target = check_real("target", target)
    if sigma is not None:
        sigma = check_real("sigma", sigma, low=0.0, low_open=True)
    index, x = series.index, series.to_numpy()
    observed = ~np.isnan(x)
    in_baseline = _baseline_mask(baseline, index)
    notes: list[str] = []
    mu, process_sigma, size = _centre_and_sigma(x, observed, in_baseline, target, sigma, notes)
    skipped = _skipped(index, observed, notes)
    if process_sigma == 0:
        notes.append(
            "sigma is 0 (the baseline does not vary): K = H = 0, so any point off the target "
            "signals"
        )
    big_k, big_h = k * process_sigma, h * process_sigma
    count = len(x)
    upper, lower = np.full(count, np.nan), np.full(count, np.nan)
    n_up, n_down = np.zeros(count, dtype=np.int64), np.zeros(count, dtype=np.int64)
    cp = cm = 0.0
    runs = [0, 0]
    starts: list[int] = [0, 0]
    rows = []
    obs_pos = np.flatnonzero(observed)
    for i in obs_pos:
        cp = max(0.0, x[i] - (mu + big_k) + cp)
        cm = max(0.0, (mu - big_k) - x[i] + cm)
        for side, stat in enumerate((cp, cm)):
            if stat > 0:
                if runs[side] == 0:
                    starts[side] = int(i)
                runs[side] += 1
            else:
                runs[side] = 0
        upper[i], lower[i] = cp, cm
        n_up[i], n_down[i] = runs
        for side, stat, name in ((0, cp, "upper"), (1, cm, "lower")):
            if stat > big_h:
                sign = 1 if side == 0 else -1
                rows.append(
                    {
                        "index": index[i],
                        "position": int(i),
                        "side": name,
                        "statistic": stat,
                        "run_start": index[starts[side]],
                        "shift_estimate": mu + sign * (big_k + stat / runs[side]),
                    }
                )
    points = pd.DataFrame(
        {
            "value": x,
            "upper": upper,
            "lower": lower,
            "upper_run": n_up,
            "lower_run": n_down,
            "decision": np.full(count, big_h),
            "in_baseline": in_baseline,
            "missing": ~observed,
        },
        index=index,
    )
    signals = pd.DataFrame(
        rows, columns=["index", "position", "side", "statistic", "run_start", "shift_estimate"]
    )
    return CusumResult(
        points=points,
        signals=signals,
        target=float(mu),
        sigma=float(process_sigma),
        baseline_size=size,
        skipped=skipped,
        notes=tuple(notes),
        parameters={
            "baseline": _describe_baseline(baseline),
            "k": k,
            "h": h,
            "target": target,
            "sigma": sigma,
        },
    )
