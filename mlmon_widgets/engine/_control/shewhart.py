"""Shewhart charts (individuals, X-bar, p) and run rules against given limits.

Limits follow Montgomery, *Introduction to Statistical Quality Control* (chapters 6 and 7).
The run rules themselves are in :mod:`._rules_runs` (Nelson's numbering).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from .._validation import as_float_series, check_int, check_option, check_real
from .constants import D2, _c4, _moving_range_sigma
from .inputs import (
    MIN_BASELINE,
    _baseline_mask,
    _describe_baseline,
    _skipped,
    _usable_baseline,
    label_list,
)
from .results import ControlChartResult
from .run_rules import check_rules, find_violations, standardise, violations_frame
from .seasonal import _seasonal_profile


def _shewhart(
    chart: str,
    index: pd.Index,
    value: np.ndarray,
    centre_i: np.ndarray,
    sigma_i: np.ndarray,
    observed: np.ndarray,
    in_baseline: np.ndarray,
    rules: tuple[int, ...],
    *,
    centre: float,
    sigma: float,
    baseline_size: int,
    notes: list[str],
    parameters: dict[str, Any],
    extra: Mapping[str, Any] | None = None,
    clip: tuple[float, float] | None = None,
) -> ControlChartResult:
    """Limits at 2 and 3 sigma around ``centre_i``, run rules on the observed points."""
    skipped = _skipped(index, observed, notes)
    deviation = np.where(observed, value - centre_i, np.nan)
    z = standardise(deviation, sigma_i)
    if (sigma_i[observed] == 0).any():
        notes.append(
            "sigma is 0 (the baseline does not vary): the limits equal the centre line, every "
            "point off it is beyond the limits (z = ±inf) and rule 7 is not applied"
        )
        rules = tuple(r for r in rules if r != 7)
    limits = {}
    for col, k in (("lcl", -3), ("lwl", -2), ("uwl", 2), ("ucl", 3)):
        limits[col] = centre_i + k * sigma_i
        if clip is not None:
            limits[col] = np.clip(limits[col], *clip)
    points = pd.DataFrame(
        {
            "value": value,
            "centre": centre_i,
            "lcl": limits["lcl"],
            "ucl": limits["ucl"],
            "lwl": limits["lwl"],
            "uwl": limits["uwl"],
            "sigma": sigma_i,
            "z": z,
            "in_baseline": in_baseline,
            "missing": ~observed,
            **(extra or {}),
        },
        index=index,
    )
    positions = np.flatnonzero(observed)
    found = find_violations(deviation[observed], z[observed], rules)
    violations = violations_frame(found, list(index[observed]), positions)
    return ControlChartResult(
        chart=chart,
        points=points,
        violations=violations,
        centre=float(centre),
        sigma=float(sigma),
        baseline_size=baseline_size,
        skipped=skipped,
        notes=tuple(notes),
        parameters=parameters,
    )


def _plain_label(x: Any) -> Any:
    return x.isoformat() if isinstance(x, pd.Timestamp) else (x.item() if hasattr(x, "item") else x)


def _revise(
    usable: np.ndarray,
    adjusted: np.ndarray,
    centre: float,
    sigma: float,
    estimate: Any,
    index: pd.Index,
    notes: list[str],
) -> tuple[np.ndarray, float, float]:
    """Montgomery's revised limits: drop baseline points beyond 3 sigma and estimate again."""
    usable = usable.copy()
    dropped: list[Any] = []
    while sigma > 0:
        with np.errstate(invalid="ignore"):
            beyond = usable & (np.abs(adjusted - centre) > 3 * sigma)
        if not beyond.any():
            break
        if int((usable & ~beyond).sum()) < MIN_BASELINE:
            notes.append(
                "revision stopped: leaving out the points beyond the limits would leave fewer "
                f"than {MIN_BASELINE} baseline points"
            )
            break
        dropped += list(index[beyond])
        usable &= ~beyond
        centre, sigma = estimate(usable)
    if dropped:
        notes.append(
            f"revised limits: {len(dropped)} baseline point(s) beyond the trial limits left out "
            f"({label_list(dropped)})"
        )
    return usable, centre, sigma


def individuals_chart(
    values: Any,
    *,
    baseline: Any = None,
    period: int | None = None,
    target: float | None = None,
    sigma: float | None = None,
    rules: Iterable[int] | str | None = None,
    revise: bool = False,
) -> ControlChartResult:
    """Individuals (I-MR) chart of one statistic per window, with Nelson run rules.

    The centre line is the mean of the baseline points and sigma is ``MR-bar / d2`` with
    ``d2 = 1.128``, MR-bar being the mean absolute difference of consecutive non-missing
    baseline points (Montgomery, section 6.4). Warning limits sit at 2 sigma, control limits
    at 3 sigma. With ``revise=True`` the limits are Montgomery's revised (Phase I) limits:
    baseline points beyond the trial control limits are left out and the limits computed
    again, until no baseline point is beyond them, so one incident inside the baseline (a
    latency spike) does not widen the limits for good.

    Parameters
    ----------
    values : pandas.Series or array-like of float
        One value per window (for example a metric per day), in time order; a Series keeps
        its index (window starts) on the result. NaN points are skipped and reported.
    baseline : int, boolean mask or None, default None
        The in-control period the limits come from: the first ``baseline`` points, a boolean
        mask (one entry per point; a Series must share the index of ``values``), or None for
        all points. At least 5 non-missing points are required; fewer than 20 give a note.
    period : int, optional
        Season length in windows (7 for daily windows with a weekly pattern). Then a robust
        STL (``statsmodels.tsa.seasonal.STL``) is fitted on the baseline, which must be one
        contiguous block of at least ``2 * period`` points (missing points interpolated for
        the fit only). The seasonal component of a phase (position modulo ``period``, counted
        from the first point) is the mean of STL's seasonal component over the baseline points
        of that phase, and the chart is drawn on the seasonally adjusted values ``value -
        seasonal``: centre = their baseline mean (the trend level; the trend is not
        extrapolated, so a shift after the baseline alerts), sigma = their MR-bar / d2 times
        ``sqrt((c + 1) / (c - 1))`` with c the number of baseline cycles, and the plotted
        limits follow the pattern (``centre + seasonal ± 3 sigma``), so the pattern itself
        does not alert. The factor allows for the seasonal component being estimated from
        the same c cycles: in-sample residuals vary about ``(c - 1) / c`` as much as the
        noise, later points ``(c + 1) / c`` as much; without it, 8 weekly cycles give about
        five times the nominal rate of rule 1 after the baseline on seasonal white noise,
        with it about twice, and 16 cycles about the nominal rate.
    target, sigma : float, optional
        Known in-control mean and sigma, replacing the baseline estimates (``sigma > 0``).
    rules : iterable of int, {'nelson', 'western_electric'} or None, default None
        Nelson rules to apply: None or ``'nelson'`` for all eight, ``'western_electric'`` for
        rules 1, 2, 5 and 6, or rule numbers.
    revise : bool, default False
        Revise the limits as in Phase I (above); the points left out are in
        ``parameters['revised_out']`` and a note. The moving ranges are then those of the
        remaining baseline points in order.

    Returns
    -------
    ControlChartResult
        ``points`` (one row per window) and ``violations`` (one row per rule firing);
        ``points['moving_range']`` is the MR series (absolute difference from the previous
        non-missing point, seasonally adjusted with ``period``). With ``period``, ``points``
        also has ``seasonal`` and ``adjusted`` (value - seasonal).

    Notes
    -----
    Run rules (Nelson, 1984, numbered as in Minitab), on the non-missing points in order; a
    rule fires at the point that completes the pattern and again at each further point
    that extends it. "Beyond" is strict (a point on a limit is not beyond it).

    1. One point beyond 3 sigma.
    2. Nine points in a row on the same side of the centre line (a point on it breaks the run).
    3. Six points in a row steadily increasing or decreasing (ties break the run).
    4. Fourteen points in a row alternating up and down.
    5. Two of three consecutive points beyond 2 sigma on the same side.
    6. Four of five consecutive points beyond 1 sigma on the same side.
    7. Fifteen points in a row within 1 sigma (either side).
    8. Eight points in a row beyond 1 sigma (either side, not necessarily the same one).

    Limits from a short baseline alert more often than the nominal 0.27% per point, because
    sigma is itself estimated (Quesenberry, 1993): on normal noise, rule 1 fires on about
    0.7% of later points with 28 baseline points, 0.5% with 56 and 0.36% with 112 (seasonal
    charts with 4, 8 and 16 weekly cycles: 0.54%, 0.42% and 0.30%). Prefer long baselines.

    When sigma is 0 (a constant baseline) the limits collapse onto the centre line, every
    point off it counts as beyond the limits, rule 7 is not applied, and a note says so.

    Examples
    --------
    >>> accuracy = [0.91, 0.92, 0.90, 0.91, 0.93, 0.92, 0.91, 0.90, 0.92, 0.91, 0.84]
    >>> result = individuals_chart(accuracy, baseline=10)
    >>> round(result.centre, 3), round(result.sigma, 4)
    (0.913, 0.0118)
    >>> result.violations[["position", "rule", "name"]]
       position  rule            name
    0        10     1  beyond_3_sigma
    """
    series = as_float_series("values", values)
    rules_used = check_rules(rules)
    index = series.index
    value = series.to_numpy()
    observed = ~np.isnan(value)
    in_baseline = _baseline_mask(baseline, index)
    notes: list[str] = []
    if target is not None:
        target = check_real("target", target)
    if sigma is not None:
        sigma = check_real("sigma", sigma, low=0.0, low_open=True)
    if period is not None:
        period = check_int("period", period, minimum=2)
    parameters: dict[str, Any] = {
        "baseline": _describe_baseline(baseline),
        "period": period,
        "target": target,
        "sigma": sigma,
        "rules": rules_used,
        "revise": bool(revise),
    }
    offset = np.zeros(len(value))
    extra: dict[str, Any] = {}
    if target is not None and sigma is not None and period is None:
        size = 0
        centre, process_sigma = target, sigma
    else:
        usable = _usable_baseline(in_baseline, observed, notes)
        size = int(usable.sum())
        if period is not None:
            offset = _seasonal_profile(value, usable, in_baseline, period, notes)
            extra = {"seasonal": offset, "adjusted": value - offset}
        factor = 1.0
        if period is not None and sigma is None:
            cycles = (np.flatnonzero(in_baseline)[-1] - np.flatnonzero(in_baseline)[0] + 1) / period
            factor = math.sqrt((cycles + 1) / (cycles - 1))
            notes.append(
                f"sigma widened by sqrt((c + 1) / (c - 1)) = {factor:.3f} for the error of a "
                f"seasonal component estimated from c = {cycles:.3g} baseline cycles"
            )
        all_adjusted = value - offset

        def estimate(mask: np.ndarray) -> tuple[float, float]:
            adjusted = all_adjusted[mask]
            c = target if target is not None else float(np.mean(adjusted))
            s = sigma if sigma is not None else _moving_range_sigma(adjusted) * factor
            return c, s

        centre, process_sigma = estimate(usable)
        if revise:
            usable, centre, process_sigma = _revise(
                usable, all_adjusted, centre, process_sigma, estimate, index, notes
            )
            parameters["revised_out"] = [
                _plain_label(x) for x in index[in_baseline & observed & ~usable]
            ]
            size = int(usable.sum())
    n = len(value)
    centre_i = centre + offset
    moving_range = np.full(n, np.nan)
    obs_pos = np.flatnonzero(observed)
    moving_range[obs_pos[1:]] = np.abs(np.diff((value - offset)[obs_pos]))
    extra["moving_range"] = moving_range
    return _shewhart(
        "individuals",
        index,
        value,
        centre_i,
        np.full(n, process_sigma),
        observed,
        in_baseline,
        rules_used,
        centre=centre,
        sigma=process_sigma,
        baseline_size=size,
        notes=notes,
        parameters=parameters,
        extra=extra,
    )


def xbar_chart(
    subgroups: Any,
    *,
    baseline: Any = None,
    spread: str = "range",
    rules: Iterable[int] | str | None = None,
) -> ControlChartResult:
    """X-bar chart of subgroup means, sigma from R-bar / d2(n) or S-bar / c4(n).

    The centre line is the grand mean of the baseline subgroup means; the limits are
    ``centre ± k sigma / sqrt(n)`` with k = 2 (warning) and 3 (control), which for k = 3 is
    Montgomery's ``± A2 R-bar`` or ``± A3 S-bar``.

    Parameters
    ----------
    subgroups : pandas.DataFrame or 2-D array-like of float
        One row per window, one column per observation; every row has the same size ``n``. A
        DataFrame keeps its index. Rows with a missing value are skipped and reported.
    baseline : int, boolean mask or None, default None
        As in :func:`individuals_chart`.
    spread : {'range', 'std'}, default 'range'
        ``'range'``: sigma = R-bar / d2(n), n from 2 to 25. ``'std'``: sigma = S-bar / c4(n)
        with the sample standard deviation (ddof=1); c4 from Montgomery's table up to 25 and
        from its gamma-function formula beyond.
    rules : iterable of int, {'nelson', 'western_electric'} or None, default None
        As in :func:`individuals_chart`.

    Returns
    -------
    ControlChartResult
        ``points`` also has ``range`` and ``std`` per subgroup; ``parameters['n']`` is n.

    Examples
    --------
    >>> groups = [[10, 12, 11], [11, 11, 13], [9, 10, 11], [12, 10, 11], [10, 11, 12]]
    >>> result = xbar_chart(groups)
    >>> round(result.centre, 3), round(float(result.points["ucl"].iloc[0]), 3)
    (10.933, 12.979)
    """
    spread = check_option("spread", spread, ("range", "std"))
    rules_used = check_rules(rules)
    if isinstance(subgroups, pd.DataFrame):
        index = subgroups.index
        raw: Any = subgroups.to_numpy()
    else:
        raw = np.asarray(subgroups, dtype=object if isinstance(subgroups, list) else None)
        index = pd.RangeIndex(len(raw)) if raw.ndim >= 1 else pd.RangeIndex(0)
    if raw.ndim != 2:
        raise ValueError(
            f"subgroups must be two-dimensional (one row per window); got shape {raw.shape}"
        )
    if raw.shape[0] == 0:
        raise ValueError("subgroups is empty; pass one row per window")
    flat = as_float_series("subgroups", list(raw.ravel()))
    data = flat.to_numpy().reshape(raw.shape)
    n = raw.shape[1]
    if spread == "range" and n not in D2:
        raise ValueError(
            f"subgroups must have 2 to 25 columns for spread='range'; got {n} "
            "(use spread='std' for larger subgroups)"
        )
    if n < 2:
        raise ValueError(f"subgroups must have at least 2 columns; got {n}")
    observed = ~np.isnan(data).any(axis=1)
    safe = np.where(observed[:, None], data, 0.0)
    means = np.where(observed, safe.mean(axis=1), np.nan)
    ranges = np.where(observed, safe.max(axis=1) - safe.min(axis=1), np.nan)
    stds = np.where(observed, safe.std(axis=1, ddof=1), np.nan)
    in_baseline = _baseline_mask(baseline, index)
    notes: list[str] = []
    usable = _usable_baseline(in_baseline, observed, notes)
    centre = float(means[usable].mean())
    if spread == "range":
        sigma = float(ranges[usable].mean() / D2[n])
    else:
        sigma = float(stds[usable].mean() / _c4(n))
    count = len(means)
    return _shewhart(
        "xbar",
        index,
        means,
        np.full(count, centre),
        np.full(count, sigma / math.sqrt(n)),
        observed,
        in_baseline,
        rules_used,
        centre=centre,
        sigma=sigma,
        baseline_size=int(usable.sum()),
        notes=notes,
        parameters={
            "baseline": _describe_baseline(baseline),
            "n": n,
            "spread": spread,
            "rules": rules_used,
        },
        extra={"range": ranges, "std": stds},
    )


def p_chart(
    counts: Any,
    n: Any,
    *,
    baseline: Any = None,
    rules: Iterable[int] | str | None = None,
) -> ControlChartResult:
    """p-chart of a proportion per window, with limits that vary with each window's size.

    ``p_i = counts_i / n_i``; the centre line is ``p-bar = sum(counts) / sum(n)`` over the
    baseline windows and the limits are ``p-bar ± k sqrt(p-bar (1 - p-bar) / n_i)`` with
    k = 2 (warning) and 3 (control), clipped to [0, 1] (Montgomery, section 7.2.2). Run rules
    use ``z = (p_i - p-bar) / sqrt(p-bar (1 - p-bar) / n_i)``, the standardised chart.

    Parameters
    ----------
    counts : pandas.Series or array-like of float
        Events per window (for example misclassified rows); NaN windows are skipped.
    n : pandas.Series or array-like of float
        Trials per window, the same length; every n_i must be > 0 (drop empty windows first)
        and ``0 <= counts_i <= n_i``.
    baseline : int, boolean mask or None, default None
        As in :func:`individuals_chart`.
    rules : iterable of int, {'nelson', 'western_electric'} or None, default None
        As in :func:`individuals_chart`.

    Returns
    -------
    ControlChartResult
        ``points`` also has ``count`` and ``n``; ``sigma`` is ``sqrt(p-bar (1 - p-bar))``.

    Examples
    --------
    >>> result = p_chart([5, 4, 6, 5, 5, 20], [100, 100, 100, 100, 100, 200], baseline=5)
    >>> round(result.centre, 3)
    0.05
    >>> result.points[["value", "lcl", "ucl"]].round(4).iloc[[0, 5]]
       value  lcl     ucl
    0   0.05  0.0  0.1154
    5   0.10  0.0038  0.0962
    >>> list(result.violations["rule"])
    [1]
    """
    counts_s = as_float_series("counts", counts)
    n_s = as_float_series("n", n)
    if len(counts_s) != len(n_s):
        raise ValueError(
            f"counts and n must have the same length; got {len(counts_s)} and {len(n_s)}"
        )
    rules_used = check_rules(rules)
    c, size = counts_s.to_numpy(), n_s.to_numpy()
    index = counts_s.index
    zero = size == 0
    if zero.any():
        raise ValueError(
            f"n is 0 at {list(index[zero][:10])}; a proportion needs at least one trial: "
            "drop those windows before charting"
        )
    if (size < 0).any():
        raise ValueError(f"n must be > 0; got negative values at {list(index[size < 0][:10])}")
    if (c < 0).any():
        raise ValueError(f"counts must be >= 0; got negative values at {list(index[c < 0][:10])}")
    over = c > size
    if over.any():
        raise ValueError(f"counts exceed n at {list(index[over][:10])}; counts must be <= n")
    observed = ~(np.isnan(c) | np.isnan(size))
    in_baseline = _baseline_mask(baseline, index)
    notes: list[str] = []
    usable = _usable_baseline(in_baseline, observed, notes)
    pbar = float(c[usable].sum() / size[usable].sum())
    process_sigma = math.sqrt(pbar * (1 - pbar))
    with np.errstate(invalid="ignore", divide="ignore"):
        p = c / size
        sigma_i = process_sigma / np.sqrt(size)
    return _shewhart(
        "p",
        index,
        p,
        np.full(len(p), pbar),
        sigma_i,
        observed,
        in_baseline,
        rules_used,
        centre=pbar,
        sigma=process_sigma,
        baseline_size=int(usable.sum()),
        notes=notes,
        parameters={"baseline": _describe_baseline(baseline), "rules": rules_used},
        extra={"count": c, "n": size},
        clip=(0.0, 1.0),
    )
