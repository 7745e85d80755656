"""Control charts on a series of window statistics: I-MR, X-bar, p, EWMA and tabular CUSUM.

Limits follow Montgomery, *Introduction to Statistical Quality Control* (chapters 6, 7 and 9).
Run rules are in :mod:`._rules_runs` (Nelson's numbering); relative and absolute thresholds
sit beside the charts here.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import gammaln

from ._rules_runs import NELSON_RULES, check_rules, find_violations, violations_frame
from ._validation import check_option

#: Fewer usable baseline points than this raise an error.
MIN_BASELINE = 5
#: Fewer usable baseline points than this give a note (Montgomery suggests 20 to 25).
RECOMMENDED_BASELINE = 20

# Montgomery, Appendix VI: d2 (mean relative range) and c4 for subgroup sizes n = 2..25.
# fmt: off
_D2_TABLE = [
    1.128, 1.693, 2.059, 2.326, 2.534, 2.704, 2.847, 2.970, 3.078, 3.173, 3.258, 3.336,
    3.407, 3.472, 3.532, 3.588, 3.640, 3.689, 3.735, 3.778, 3.819, 3.858, 3.895, 3.931,
]
_C4_TABLE = [
    0.7979, 0.8862, 0.9213, 0.9400, 0.9515, 0.9594, 0.9650, 0.9693, 0.9727, 0.9754, 0.9776,
    0.9794, 0.9810, 0.9823, 0.9835, 0.9845, 0.9854, 0.9862, 0.9869, 0.9876, 0.9882, 0.9887,
    0.9892, 0.9896,
]
# fmt: on
D2: dict[int, float] = dict(zip(range(2, 26), _D2_TABLE, strict=True))
C4: dict[int, float] = dict(zip(range(2, 26), _C4_TABLE, strict=True))


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class ControlConstants:
    """Montgomery's control chart constants for subgroup size ``n``.

    ``d2`` and ``c4`` are the table values (n = 2..25); ``A2 = 3 / (d2 sqrt(n))`` and
    ``A3 = 3 / (c4 sqrt(n))`` give the X-bar limits ``centre ± A2 R-bar`` or ``± A3 S-bar``.
    """

    n: int
    d2: float
    c4: float
    A2: float
    A3: float


@dataclass(frozen=True, eq=False)
class ControlChartResult:
    """A Shewhart-type or EWMA control chart with its run-rule violations.

    Attributes
    ----------
    chart : {'individuals', 'xbar', 'p', 'ewma'}
        Which chart.
    points : pandas.DataFrame
        One row per window, indexed like the input: ``value`` (the plotted statistic),
        ``centre``, ``lcl``/``ucl`` (control limits, 3 sigma or ``L`` for EWMA), ``lwl``/``uwl``
        (warning limits, 2 sigma), ``sigma`` (of the plotted statistic at that point), ``z``
        (``(value - centre) / sigma``), ``in_baseline`` and ``missing``, plus chart-specific
        columns.
    violations : pandas.DataFrame
        One row per rule firing, at the point that completes the pattern: ``index`` (label),
        ``position`` (0-based position in the series), ``rule`` (Nelson's number), ``name``,
        ``side`` (``'upper'``/``'lower'`` for rules 1, 2, 5, 6; ``'increasing'``/``'decreasing'``
        for rule 3; None for 4, 7, 8), ``description`` and ``indices`` (labels of the points
        involved).
    centre : float
        Baseline centre line (for a seasonal chart, the mean of the seasonally adjusted
        baseline; for a p-chart, p-bar).
    sigma : float
        Process sigma of one observation (``MR-bar / d2`` for individuals, ``R-bar / d2`` or
        ``S-bar / c4`` for X-bar, ``sqrt(p-bar (1 - p-bar))`` for p).
    baseline_size : int
        Number of non-missing baseline points the limits come from.
    skipped : tuple
        Index labels of the missing points (not plotted, not part of any run).
    notes : tuple of str
        Everything the user should know about how the result was reached.
    parameters : dict
        The arguments that shaped the limits (for exporting a monitoring config).
    """

    chart: str
    points: pd.DataFrame = field(repr=False)
    violations: pd.DataFrame = field(repr=False)
    centre: float
    sigma: float
    baseline_size: int
    skipped: tuple[Hashable, ...] = ()
    notes: tuple[str, ...] = ()
    parameters: Mapping[str, Any] = field(default_factory=dict)

    @property
    def out_of_control(self) -> pd.Index:
        """Labels of the points beyond the control limits."""
        pts = self.points
        beyond = (pts["value"] > pts["ucl"]) | (pts["value"] < pts["lcl"])
        return pts.index[beyond.to_numpy()]


@dataclass(frozen=True, eq=False)
class CusumResult:
    """A tabular CUSUM chart.

    Attributes
    ----------
    points : pandas.DataFrame
        One row per window: ``value``, ``upper`` (C+), ``lower`` (C-), ``upper_run`` and
        ``lower_run`` (N+ and N-, consecutive periods with a non-zero sum), ``decision``
        (H = h sigma), ``missing``, ``in_baseline``.
    signals : pandas.DataFrame
        One row per point where C+ or C- exceeds H: ``index``, ``position``, ``side``,
        ``statistic``, ``run_start`` (label of the first point of the current run, Montgomery's
        estimate of when the shift began) and ``shift_estimate`` (the new mean,
        ``target + K + C+ / N+`` or ``target - K - C- / N-``).
    target, sigma : float
        The in-control mean and sigma of one observation.
    baseline_size : int
        Non-missing baseline points used for the estimates (0 when both were given).
    skipped, notes, parameters
        As in :class:`ControlChartResult`.
    """

    points: pd.DataFrame = field(repr=False)
    signals: pd.DataFrame = field(repr=False)
    target: float
    sigma: float
    baseline_size: int
    skipped: tuple[Hashable, ...] = ()
    notes: tuple[str, ...] = ()
    parameters: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class ThresholdResult:
    """Points checked against an absolute or relative threshold.

    Attributes
    ----------
    points : pandas.DataFrame
        One row per window with ``value``, ``lower`` and ``upper`` (the threshold in value
        units, NaN where it does not apply) and ``breach``; relative checks add ``reference``
        (the value ``lag`` windows earlier) and ``change`` (relative to ``|reference|``).
    breaches : pandas.Index
        Labels of the points that breach.
    skipped, notes, parameters
        As in :class:`ControlChartResult`.
    """

    points: pd.DataFrame = field(repr=False)
    breaches: pd.Index
    skipped: tuple[Hashable, ...] = ()
    notes: tuple[str, ...] = ()
    parameters: Mapping[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- validation


def _is_missing_scalar(x: Any) -> bool:
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def _as_series(name: str, values: Any) -> pd.Series:
    """``values`` as a float Series (index kept), or a TypeError/ValueError naming ``name``."""
    if isinstance(values, pd.DataFrame):
        raise TypeError(
            f"{name} must be one-dimensional (a Series, list or 1-D array); got a DataFrame"
        )
    if values is None or isinstance(values, (str, bytes)) or np.isscalar(values):
        raise TypeError(f"{name} must be a Series, list or 1-D array of numbers; got {values!r}")
    series = values if isinstance(values, pd.Series) else None
    if series is None:
        arr = np.asarray(values, dtype=object) if isinstance(values, list) else np.asarray(values)
        if arr.ndim != 1:
            raise ValueError(f"{name} must be one-dimensional; got shape {arr.shape}")
        series = pd.Series(arr)
    if len(series) == 0:
        raise ValueError(f"{name} is empty; pass at least one value per window")
    dtype = series.dtype
    if pd.api.types.is_object_dtype(dtype):
        bad = [
            x
            for x in series
            if not (
                _is_missing_scalar(x) or (isinstance(x, numbers.Real) and not isinstance(x, bool))
            )
        ]
        if bad:
            raise TypeError(f"{name} must hold numbers; found non-numeric value(s) {bad[:5]}")
    elif pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype):
        raise TypeError(f"{name} must hold numbers; got dtype {dtype}")
    elif pd.api.types.is_complex_dtype(dtype):
        raise TypeError(f"{name} must hold real numbers; got dtype {dtype}")
    out = pd.Series(series.to_numpy(dtype=float, na_value=np.nan), index=series.index)
    if np.isinf(out.to_numpy()).any():
        where = list(out.index[np.isinf(out.to_numpy())][:5])
        raise ValueError(f"{name} has infinite values at {where}; pass finite numbers or NaN")
    return out


def _check_real(
    name: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = True,
    high_open: bool = False,
) -> float:
    """``value`` as a finite float in the given range, or an error naming ``name``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number; got {value!r}")
    value = float(value)
    ok = math.isfinite(value)
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value < high if high_open else value <= high
    if not ok:
        lo = "" if low is None else ("(" if low_open else "[") + f"{low:g}"
        hi = "" if high is None else f"{high:g}" + (")" if high_open else "]")
        span = (
            f" in {lo or '(-inf'}, {hi or 'inf)'}" if (low is not None or high is not None) else ""
        )
        raise ValueError(f"{name} must be a finite number{span}; got {value!r}")
    return value


def _check_int(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer >= {minimum}; got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}")
    return int(value)


def _baseline_mask(baseline: Any, index: pd.Index) -> np.ndarray:
    """Boolean mask of baseline points: all (None), the first ``baseline`` (int) or a mask."""
    n = len(index)
    if baseline is None:
        return np.ones(n, dtype=bool)
    if isinstance(baseline, (int, np.integer)) and not isinstance(baseline, (bool, np.bool_)):
        if not 1 <= baseline <= n:
            raise ValueError(
                f"baseline must be between 1 and the number of points ({n}); got {baseline}"
            )
        mask = np.zeros(n, dtype=bool)
        mask[: int(baseline)] = True
        return mask
    if isinstance(baseline, pd.Series) and not baseline.index.equals(index):
        raise ValueError("baseline mask must have the same index as the values")
    if isinstance(baseline, (bool, np.bool_, str, float)):
        raise TypeError(
            f"baseline must be None, an int (the first points) or a boolean mask; got {baseline!r}"
        )
    mask = np.asarray(baseline)
    if mask.dtype != bool:
        raise TypeError(f"baseline must be an int or a boolean mask; got an array of {mask.dtype}")
    if mask.shape != (n,):
        raise ValueError(
            f"baseline mask must have one entry per point ({n}); got shape {mask.shape}"
        )
    return mask.copy()


def _describe_baseline(baseline: Any) -> int | str | None:
    """How the baseline was chosen, as plain data: None, the int, or ``'mask'``."""
    if baseline is None:
        return None
    if isinstance(baseline, (int, np.integer)) and not isinstance(baseline, (bool, np.bool_)):
        return int(baseline)
    return "mask"


def _usable_baseline(mask: np.ndarray, observed: np.ndarray, notes: list[str]) -> np.ndarray:
    usable = mask & observed
    count = int(usable.sum())
    if count < MIN_BASELINE:
        raise ValueError(
            f"baseline has {count} non-missing point(s); at least {MIN_BASELINE} are needed to "
            "estimate control limits: pass a longer baseline"
        )
    if count < RECOMMENDED_BASELINE:
        notes.append(
            f"limits come from {count} baseline points; Montgomery recommends at least "
            f"{RECOMMENDED_BASELINE} for reliable limits"
        )
    return usable


def _skipped(index: pd.Index, observed: np.ndarray, notes: list[str]) -> tuple[Hashable, ...]:
    skipped = tuple(index[~observed])
    if skipped:
        shown = list(skipped[:10]) + (["..."] if len(skipped) > 10 else [])
        notes.append(
            f"{len(skipped)} missing point(s) skipped (not plotted, not part of any run): {shown}"
        )
    return skipped


def _moving_range_sigma(x: np.ndarray) -> float:
    """MR-bar / d2 (d2 = 1.128) over consecutive points of ``x``."""
    return float(np.mean(np.abs(np.diff(x))) / D2[2])


# --------------------------------------------------------------------------- core


def _standardise(deviation: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """``deviation / sigma``; where sigma is 0: 0 on the centre line, ±inf off it."""
    z = np.full(len(deviation), np.nan)
    positive = sigma > 0
    np.divide(deviation, sigma, out=z, where=positive)
    zero = (sigma == 0) & ~np.isnan(deviation)
    off = deviation[zero]
    z[zero] = np.where(off > 0, np.inf, np.where(off < 0, -np.inf, 0.0))
    return z


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
    z = _standardise(deviation, sigma_i)
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


# --------------------------------------------------------------------------- charts


def individuals_chart(
    values: Any,
    *,
    baseline: Any = None,
    period: int | None = None,
    target: float | None = None,
    sigma: float | None = None,
    rules: Iterable[int] | str | None = None,
) -> ControlChartResult:
    """Individuals (I-MR) chart of one statistic per window, with Nelson run rules.

    The centre line is the mean of the baseline points and sigma is ``MR-bar / d2`` with
    ``d2 = 1.128``, MR-bar being the mean absolute difference of consecutive non-missing
    baseline points (Montgomery, section 6.4). Warning limits sit at 2 sigma, control limits
    at 3 sigma.

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
    series = _as_series("values", values)
    rules_used = check_rules(rules)
    index = series.index
    value = series.to_numpy()
    observed = ~np.isnan(value)
    in_baseline = _baseline_mask(baseline, index)
    notes: list[str] = []
    if target is not None:
        target = _check_real("target", target)
    if sigma is not None:
        sigma = _check_real("sigma", sigma, low=0.0)
    if period is not None:
        period = _check_int("period", period, 2)
    parameters: dict[str, Any] = {
        "baseline": _describe_baseline(baseline),
        "period": period,
        "target": target,
        "sigma": sigma,
        "rules": rules_used,
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
        adjusted = (value - offset)[usable]
        centre = target if target is not None else float(np.mean(adjusted))
        process_sigma = sigma if sigma is not None else _moving_range_sigma(adjusted)
        if period is not None and sigma is None:
            cycles = (np.flatnonzero(in_baseline)[-1] - np.flatnonzero(in_baseline)[0] + 1) / period
            factor = math.sqrt((cycles + 1) / (cycles - 1))
            process_sigma *= factor
            notes.append(
                f"sigma widened by sqrt((c + 1) / (c - 1)) = {factor:.3f} for the error of a "
                f"seasonal component estimated from c = {cycles:.3g} baseline cycles"
            )
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


def control_constants(n: int) -> ControlConstants:
    """Montgomery's constants d2, c4, A2 and A3 for subgroup size ``n`` (2 to 25).

    Parameters
    ----------
    n : int
        Subgroup size, 2 to 25 (Montgomery's Appendix VI).

    Returns
    -------
    ControlConstants

    Examples
    --------
    >>> c = control_constants(5)
    >>> c.d2, c.c4, round(c.A2, 3), round(c.A3, 3)
    (2.326, 0.94, 0.577, 1.427)
    """
    n = _check_int("n", n, 2)
    if n not in D2:
        raise ValueError(f"n must be between 2 and 25 (Montgomery's table); got {n}")
    d2, c4 = D2[n], C4[n]
    return ControlConstants(n, d2, c4, 3 / (d2 * math.sqrt(n)), 3 / (c4 * math.sqrt(n)))


def _c4(n: int) -> float:
    """c4 from the table for n <= 25, else exactly: sqrt(2/(n-1)) Gamma(n/2) / Gamma((n-1)/2)."""
    if n in C4:
        return C4[n]
    return math.sqrt(2 / (n - 1)) * math.exp(gammaln(n / 2) - gammaln((n - 1) / 2))


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
    flat = _as_series("subgroups", list(raw.ravel()))
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
    counts_s = _as_series("counts", counts)
    n_s = _as_series("n", n)
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
    series = _as_series("values", values)
    lam = _check_real("lam", lam, low=0.0, high=1.0)
    L = _check_real("L", L, low=0.0)
    if target is not None:
        target = _check_real("target", target)
    if sigma is not None:
        sigma = _check_real("sigma", sigma, low=0.0)
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
    z = _standardise(deviation, sigma_i)
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
    series = _as_series("values", values)
    k = _check_real("k", k, low=0.0, low_open=False)
    h = _check_real("h", h, low=0.0)
    if target is not None:
        target = _check_real("target", target)
    if sigma is not None:
        sigma = _check_real("sigma", sigma, low=0.0)
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


def run_rules(
    values: Any,
    *,
    centre: Any,
    sigma: Any,
    rules: Iterable[int] | str | None = None,
) -> pd.DataFrame:
    """Nelson run-rule violations of a series against a given centre line and sigma.

    Parameters
    ----------
    values : pandas.Series or array-like of float
        The plotted points; NaN points are skipped (runs continue across them).
    centre, sigma : float or array-like of float
        Centre line and sigma of each point (scalars for constant limits); sigma >= 0.
    rules : iterable of int, {'nelson', 'western_electric'} or None, default None
        As in :func:`individuals_chart`, whose Notes list the rules.

    Returns
    -------
    pandas.DataFrame
        The violations table of :class:`ControlChartResult`.

    Examples
    --------
    >>> run_rules([0, 1, 2, 3, 4, 5, 4], centre=2.5, sigma=2, rules=[3])[["position", "side"]]
       position        side
    0         5  increasing
    """
    series = _as_series("values", values)
    rules_used = check_rules(rules)
    count = len(series)
    centre_i = _broadcast("centre", centre, count)
    sigma_i = _broadcast("sigma", sigma, count)
    if (sigma_i < 0).any():
        raise ValueError("sigma must be >= 0")
    value = series.to_numpy()
    observed = ~np.isnan(value)
    deviation = value - centre_i
    z = _standardise(deviation, sigma_i)
    found = find_violations(deviation[observed], z[observed], rules_used)
    return violations_frame(found, list(series.index[observed]), np.flatnonzero(observed))


def _broadcast(name: str, value: Any, count: int) -> np.ndarray:
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        out = np.full(count, float(value))
    else:
        out = _as_series(name, value).to_numpy()
        if len(out) != count:
            raise ValueError(f"{name} must be a number or have one entry per point ({count})")
    if np.isnan(out).any():
        raise ValueError(f"{name} must not contain NaN")
    return out


# --------------------------------------------------------------------------- thresholds


def relative_threshold(
    values: Any,
    *,
    lag: int = 7,
    fraction: float = 0.05,
    direction: str = "below",
) -> ThresholdResult:
    """Points that changed by more than ``fraction`` relative to the point ``lag`` windows earlier.

    ``change = (value - reference) / |reference|`` with ``reference`` the value ``lag``
    positions earlier; "more than 5% below last week" on daily windows is ``lag=7,
    fraction=0.05, direction='below'`` and breaches where ``change < -0.05``. Comparisons are
    strict. Points with no reference (the first ``lag``, or a missing or zero reference) have
    no change and never breach; missing points are skipped and reported.

    Parameters
    ----------
    values : pandas.Series or array-like of float
        One value per window, regularly spaced.
    lag : int, default 7
        How many windows back the reference is (>= 1).
    fraction : float, default 0.05
        Relative change that breaches, > 0.
    direction : {'below', 'above', 'both'}, default 'below'
        Which way a change breaches.

    Returns
    -------
    ThresholdResult
        ``points`` has ``value``, ``reference``, ``change``, ``lower``/``upper`` (the threshold
        in value units: ``reference ∓ fraction |reference|``) and ``breach``.

    Examples
    --------
    >>> result = relative_threshold([100, 100, 94, 99], lag=1, fraction=0.05)
    >>> result.points["change"].round(3).tolist()
    [nan, 0.0, -0.06, 0.053]
    >>> list(result.breaches)
    [2]
    """
    series = _as_series("values", values)
    lag = _check_int("lag", lag, 1)
    fraction = _check_real("fraction", fraction, low=0.0)
    direction = check_option("direction", direction, ("below", "above", "both"))
    value = series.to_numpy()
    reference = series.shift(lag).to_numpy()
    notes: list[str] = []
    skipped = _skipped(series.index, ~np.isnan(value), notes)
    scale = np.abs(reference)
    with np.errstate(invalid="ignore", divide="ignore"):
        change = np.where(scale > 0, (value - reference) / np.where(scale > 0, scale, 1), np.nan)
    zero_ref = (reference == 0) & ~np.isnan(value)
    if zero_ref.any():
        notes.append(
            f"{int(zero_ref.sum())} point(s) have a reference of 0, so no relative change: "
            f"{list(series.index[zero_ref][:10])}"
        )
    lower = reference - fraction * scale if direction in ("below", "both") else None
    upper = reference + fraction * scale if direction in ("above", "both") else None
    breach = np.zeros(len(value), dtype=bool)
    valid = ~np.isnan(change)
    if lower is not None:
        breach |= valid & (np.nan_to_num(change) < -fraction)
    if upper is not None:
        breach |= valid & (np.nan_to_num(change) > fraction)
    nan = np.full(len(value), np.nan)
    points = pd.DataFrame(
        {
            "value": value,
            "reference": reference,
            "change": change,
            "lower": nan if lower is None else lower,
            "upper": nan if upper is None else upper,
            "breach": breach,
        },
        index=series.index,
    )
    return ThresholdResult(
        points=points,
        breaches=series.index[breach],
        skipped=skipped,
        notes=tuple(notes),
        parameters={"lag": lag, "fraction": fraction, "direction": direction},
    )


def absolute_threshold(
    values: Any,
    *,
    lower: float | None = None,
    upper: float | None = None,
) -> ThresholdResult:
    """Points strictly below ``lower`` or strictly above ``upper``.

    Parameters
    ----------
    values : pandas.Series or array-like of float
        One value per window; missing points are skipped and reported.
    lower, upper : float, optional
        Fixed thresholds; at least one is required and ``lower <= upper``.

    Returns
    -------
    ThresholdResult

    Examples
    --------
    >>> list(absolute_threshold([0.91, 0.88, 0.93], lower=0.9).breaches)
    [1]
    """
    series = _as_series("values", values)
    if lower is None and upper is None:
        raise ValueError("pass lower, upper or both")
    low = -np.inf if lower is None else _check_real("lower", lower)
    high = np.inf if upper is None else _check_real("upper", upper)
    if low > high:
        raise ValueError(f"lower ({low}) must not exceed upper ({high})")
    value = series.to_numpy()
    notes: list[str] = []
    skipped = _skipped(series.index, ~np.isnan(value), notes)
    breach = ~np.isnan(value) & ((np.nan_to_num(value) < low) | (np.nan_to_num(value) > high))
    count = len(value)
    points = pd.DataFrame(
        {
            "value": value,
            "lower": np.full(count, np.nan if lower is None else low),
            "upper": np.full(count, np.nan if upper is None else high),
            "breach": breach,
        },
        index=series.index,
    )
    return ThresholdResult(
        points=points,
        breaches=series.index[breach],
        skipped=skipped,
        notes=tuple(notes),
        parameters={"lower": lower, "upper": upper},
    )


__all__ = [
    "NELSON_RULES",
    "ControlChartResult",
    "ControlConstants",
    "CusumResult",
    "ThresholdResult",
    "absolute_threshold",
    "control_constants",
    "cusum_chart",
    "ewma_chart",
    "individuals_chart",
    "p_chart",
    "relative_threshold",
    "run_rules",
    "xbar_chart",
]
