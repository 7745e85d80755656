"""Alert rules on a metric's control limits: the rule a ControlChart exports and production runs.

A :class:`LimitRule` holds the in-control centre and sigma of one metric per window (from a
baseline period), the side that is bad, the warning and critical limits in sigma, an optional
seasonal profile and an optional relative check. :func:`judge_limits` gives every window its
severity and a one-line reason, the same in the notebook and in ``mlmon check``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

from .._data.windows import calendar_offset
from .._validation import (
    as_float_series,
    check_int,
    check_iso_stamp,
    check_keys,
    check_option,
    check_real,
)
from .._vocabulary import (
    ALERT_LEVELS,
    BOTH,
    CRITICAL,
    INSUFFICIENT_DATA,
    LIMIT_NAMES,
    LOWER,
    OK,
    SIDES,
    UPPER,
    WARNING,
)
from .results import ControlChartResult

#: Columns of :func:`judge_limits`, in order.
JUDGEMENT_COLUMNS = ("value", "centre", *LIMIT_NAMES, "change", "severity", "reason")
_WARNING_RUN = (2, 3)  # Western Electric: 2 of 3 consecutive points beyond 2 sigma


def _positive(name: str, value: Any) -> float:
    return check_real(name, value, low=0, low_open=True)


@dataclass(frozen=True)
class RelativeRule:
    """Alert when a metric moved by more than a share of its value ``lag`` windows earlier.

    ``warning`` and ``critical`` are relative changes (0.05 = 5%) in the rule's bad
    direction: for a ``'lower'`` rule "more than 5% below ``lag`` windows ago".
    """

    lag: int
    warning: float
    critical: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "lag", check_int("relative.lag", self.lag, minimum=1))
        for name in ALERT_LEVELS:
            object.__setattr__(self, name, _positive(f"relative.{name}", getattr(self, name)))
        if self.warning > self.critical:
            raise ValueError(
                f"relative.critical must be >= relative.warning ({self.warning:g}); "
                f"got {self.critical:g}"
            )

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        return {"lag": self.lag, **{level: getattr(self, level) for level in ALERT_LEVELS}}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RelativeRule:
        """Read :meth:`to_dict` output."""
        return cls(**check_keys("relative", data, required=("lag", *ALERT_LEVELS)))


@dataclass(frozen=True)
class LimitRule:
    """Control-limit alert rule of one metric per window.

    A window is **critical** when its value lies beyond the critical limit
    (``centre ± critical * sigma``) on an alerting side, and a **warning** when it and at
    least one of the two judged windows before it lie beyond the warning limit on the same
    side (Western Electric's "2 of 3 beyond 2 sigma", Nelson rule 5): a single point beyond
    2 sigma happens in 1 window of 22 by chance and is not worth an alert. With
    ``relative``, a change beyond its levels against the value ``lag`` windows earlier
    raises the same severities; the window gets the worse of the two.

    Parameters
    ----------
    centre, sigma : float
        In-control mean and sigma of one window's value (``sigma > 0``).
    side : {'lower', 'upper', 'both'}, default 'both'
        Which deviations alert: 'lower' for accuracy or AUC, 'upper' for log loss,
        error or latency.
    warning, critical : float, default 2 and 3
        Limits in sigma, ``0 < warning <= critical``.
    seasonal : sequence of float, optional
        Seasonal offset of each phase (one per window of a season): the limits of a window
        of phase ``k`` are ``centre + seasonal[k] ± ... sigma``.
    origin : str, optional
        ISO time stamp of a window start of phase 0, so production finds the phase of a
        window from its start (needed with ``seasonal`` on time windows).
    relative : RelativeRule, optional
        A relative check beside the limits.

    Examples
    --------
    >>> rule = LimitRule(centre=0.9, sigma=0.01, side="lower")
    >>> rule.limits()
    {'lower_warning': 0.88, 'lower_critical': 0.87, 'upper_warning': nan, 'upper_critical': nan}
    """

    centre: float
    sigma: float
    side: str = BOTH
    warning: float = 2.0
    critical: float = 3.0
    seasonal: tuple[float, ...] = ()
    origin: str | None = None
    relative: RelativeRule | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "centre", check_real("centre", self.centre))
        object.__setattr__(self, "sigma", _positive("sigma", self.sigma))
        check_option("side", self.side, SIDES)
        for name in ALERT_LEVELS:
            object.__setattr__(self, name, _positive(name, getattr(self, name)))
        if self.warning > self.critical:
            raise ValueError(
                f"critical must be >= warning ({self.warning:g} sigma); got {self.critical:g}"
            )
        if isinstance(self.seasonal, (str, bytes, Mapping)) or not isinstance(
            self.seasonal, (Sequence, np.ndarray)
        ):
            raise TypeError(f"seasonal must be a sequence of numbers; got {self.seasonal!r}")
        seasonal = tuple(check_real(f"seasonal[{k}]", v) for k, v in enumerate(self.seasonal))
        if len(seasonal) == 1:
            raise ValueError("seasonal needs one offset per phase of a season (at least 2)")
        object.__setattr__(self, "seasonal", seasonal)
        if self.origin is not None:
            check_iso_stamp("origin", self.origin)
        if isinstance(self.relative, Mapping):
            object.__setattr__(self, "relative", RelativeRule.from_dict(self.relative))
        elif self.relative is not None and not isinstance(self.relative, RelativeRule):
            raise TypeError(f"relative must be a RelativeRule or None; got {self.relative!r}")

    @property
    def period(self) -> int | None:
        """Season length in windows, or None without a seasonal profile."""
        return len(self.seasonal) or None

    def limits(self, phase: int = 0) -> dict[str, float]:
        """The four limits of a window of ``phase`` (NaN on a side that does not alert)."""
        centre = self.centre + (self.seasonal[phase % len(self.seasonal)] if self.seasonal else 0)
        out = {}
        for side, sign in ((LOWER, -1), (UPPER, 1)):
            alerting = self.side in (side, BOTH)
            for level in ALERT_LEVELS:
                value = centre + sign * getattr(self, level) * self.sigma
                out[f"{side}_{level}"] = round(value, 12) if alerting else math.nan
        return out

    def with_limit(self, which: str, value: float) -> LimitRule:
        """A copy with limit ``which`` (e.g. ``'lower_warning'``) moved to ``value``.

        The limit becomes a distance from the centre in sigma (the same on both sides); a
        warning moved beyond the critical limit pushes the critical limit with it, and a
        critical limit moved inside the warning one pulls the warning limit in.
        """
        check_option("which", which, LIMIT_NAMES)
        side, _, level = which.partition("_")
        value = check_real(which, value)
        distance = (value - self.centre) * (1 if side == UPPER else -1) / self.sigma
        if distance <= 0:
            raise ValueError(
                f"{which} must lie {'above' if side == UPPER else 'below'} the centre "
                f"{self.centre:.4g}; got {value:.4g}"
            )
        levels = {name: getattr(self, name) for name in ALERT_LEVELS}
        levels[level] = distance
        if level == WARNING:
            levels[CRITICAL] = max(levels[CRITICAL], distance)
        else:
            levels[WARNING] = min(levels[WARNING], distance)
        return _replace(self, **levels)

    def to_dict(self) -> dict[str, Any]:
        """Plain data (round-trips through :meth:`from_dict` and JSON exactly)."""
        out: dict[str, Any] = {
            "centre": self.centre,
            "sigma": self.sigma,
            "side": self.side,
            **{level: getattr(self, level) for level in ALERT_LEVELS},
        }
        if self.seasonal:
            out["seasonal"] = list(self.seasonal)
        if self.origin is not None:
            out["origin"] = self.origin
        if self.relative is not None:
            out["relative"] = self.relative.to_dict()
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LimitRule:
        """Read :meth:`to_dict` output."""
        data = check_keys("rule", data, required=("centre", "sigma"), optional=_OPTIONAL)
        if isinstance(data.get("seasonal"), list):
            data["seasonal"] = tuple(data["seasonal"])
        return cls(**data)

    @classmethod
    def from_chart(
        cls,
        chart: ControlChartResult,
        *,
        side: str = BOTH,
        warning: float = 2.0,
        critical: float = 3.0,
        relative: RelativeRule | None = None,
    ) -> LimitRule:
        """The rule of an individuals chart's baseline: its centre, sigma and season.

        Examples
        --------
        >>> from mlmon_widgets.engine import individuals_chart
        >>> chart = individuals_chart([0.91, 0.92, 0.90, 0.91, 0.93, 0.92], baseline=6)
        >>> rule = LimitRule.from_chart(chart, side="lower")
        >>> round(rule.centre, 4), round(rule.sigma, 4)  # MR-bar 0.014 / d2 1.128
        (0.915, 0.0124)
        """
        if not isinstance(chart, ControlChartResult) or chart.chart != "individuals":
            raise TypeError("chart must be the result of individuals_chart")
        seasonal: tuple[float, ...] = ()
        origin = None
        period = chart.parameters.get("period")
        if period:
            seasonal = tuple(float(v) for v in chart.points["seasonal"].to_numpy()[:period])
            first = chart.points.index[0]
            if isinstance(first, pd.Timestamp):
                origin = first.isoformat()
        return cls(
            centre=chart.centre,
            sigma=chart.sigma,
            side=side,
            warning=warning,
            critical=critical,
            seasonal=seasonal,
            origin=origin,
            relative=relative,
        )


_OPTIONAL = ("side", *ALERT_LEVELS, "seasonal", "origin", "relative")


def _replace(rule: LimitRule, **changes: Any) -> LimitRule:
    data = rule.to_dict()
    data.update(changes)
    return LimitRule.from_dict(data)


def window_phases(starts: Any, rule: LimitRule, window: Any = None) -> np.ndarray | None:
    """Phase of each window for ``rule``'s seasonal profile (None without one).

    With an ``origin`` and time windows of length ``window`` (a pandas offset), a window
    starting at ``t`` has phase ``round((t - origin) / window) mod period``; for calendar
    windows (``'W'``, ``'MS'``, ``'ME'``, ``'B'``...) the steps are counted on the calendar
    (the nearest window start of the grid through ``origin``). Otherwise phases count from
    the first window. A naive ``origin`` is taken in the time zone of ``starts`` and an
    aware one is compared in UTC with naive ``starts``.
    """
    period = rule.period
    if period is None:
        return None
    n = len(starts)
    if rule.origin is None or window is None:
        return np.arange(n) % period
    offset = calendar_offset(to_offset(window))
    origin = pd.Timestamp(rule.origin)
    stamps = pd.DatetimeIndex(starts)
    if (stamps.tz is None) != (origin.tz is None):
        origin = origin.tz_localize(stamps.tz) if origin.tz is None else origin.tz_convert(None)
    elif stamps.tz is not None:
        origin = origin.tz_convert(stamps.tz)  # an ISO offset such as +01:00 vs a named zone
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if isinstance(offset, pd.offsets.Tick):
        steps = np.floor((stamps - origin) / pd.Timedelta(offset) + 0.5).astype(np.int64)
    else:
        # Count single calendar steps ('MS' for '3MS'), then windows of n steps.
        unit = offset.base
        low, high = min(stamps.min(), origin), max(stamps.max(), origin)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", pd.errors.PerformanceWarning)
            # One unit beyond both ends, so the last start also has a grid point after it.
            grid = pd.date_range(
                unit.rollback(low) - unit, unit.rollforward(high) + unit, freq=unit
            )
        at = grid.get_indexer(pd.DatetimeIndex([origin, *stamps]), method="nearest")
        steps = np.floor((at[1:] - at[0]) / offset.n + 0.5).astype(np.int64)
    return np.mod(steps, period)


def _describe(value: float, limit: float, side: str, level: str, sigmas: float) -> str:
    where = "below the lower" if side == LOWER else "above the upper"
    name = "control" if level == CRITICAL else WARNING
    return f"{value:.4g} {where} {name} limit {limit:.4g} ({sigmas:g} sigma)"


def judge_limits(
    values: Any,
    rule: LimitRule,
    *,
    phases: Sequence[int] | np.ndarray | None = None,
    judged: Any = None,
) -> pd.DataFrame:
    """Severity and reason of every window of a metric under ``rule``.

    Parameters
    ----------
    values : pandas.Series or array-like of float
        The metric per window, in time order (NaN: no value).
    rule : LimitRule
        Limits, side and relative check.
    phases : array-like of int, optional
        Seasonal phase of each window (see :func:`window_phases`); default: counted from the
        first window.
    judged : array-like of bool, optional
        False for windows that must not be judged (labels pending, too few rows): they get
        ``insufficient_data`` and are left out of the 2-of-3 runs, like missing values,
        and are no reference for the relative check of the window ``lag`` later.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``values``: ``value``, ``centre``, the four limits (NaN on a side
        that does not alert), ``change`` (relative change against ``lag`` windows earlier,
        NaN without a relative rule), ``severity`` (``'ok'``, ``'warning'``, ``'critical'``
        or ``'insufficient_data'``) and ``reason`` (empty when ok).

    Examples
    --------
    >>> rule = LimitRule(centre=0.9, sigma=0.01, side="lower")
    >>> out = judge_limits([0.9, 0.875, 0.91, 0.92, 0.875, 0.878, 0.86], rule)
    >>> out[["value", "severity"]]
       value  severity
    0  0.900        ok
    1  0.875        ok
    2  0.910        ok
    3  0.920        ok
    4  0.875        ok
    5  0.878   warning
    6  0.860  critical
    >>> print(out["reason"].iloc[5])
    2 of the last 3 windows beyond 2 sigma: 0.878 below the lower warning limit 0.88 (2 sigma)
    """
    if not isinstance(rule, LimitRule):
        raise TypeError(f"rule must be a LimitRule; got {type(rule).__name__}")
    series = as_float_series("values", values)
    value = series.to_numpy()
    n = len(value)
    if phases is None:
        phase = np.arange(n) % rule.period if rule.period else np.zeros(n, dtype=np.int64)
    else:
        phase = np.asarray(phases, dtype=np.int64)
        if phase.shape != (n,):
            raise ValueError(f"phases must have one entry per value ({n}); got {phase.shape}")
        top = rule.period or 1
        if len(phase) and (phase.min() < 0 or phase.max() >= top):
            raise ValueError(f"phases must lie in 0..{top - 1} (the rule's season); got {phase}")
    ok = np.ones(n, dtype=bool) if judged is None else np.asarray(judged, dtype=bool)
    if ok.shape != (n,):
        raise ValueError(f"judged must have one entry per value ({n}); got {ok.shape}")
    ok = ok & np.isfinite(value)
    offset = np.asarray(rule.seasonal, dtype=float)[phase] if rule.seasonal else np.zeros(n)
    centre = rule.centre + offset
    limits = {}
    for side, sign in ((LOWER, -1.0), (UPPER, 1.0)):
        alerting = rule.side in (side, BOTH)
        for level in ALERT_LEVELS:
            line = centre + sign * getattr(rule, level) * rule.sigma
            limits[f"{side}_{level}"] = np.round(line, 12) if alerting else np.full(n, np.nan)
    severity = np.where(ok, OK, INSUFFICIENT_DATA).astype(object)
    reason = np.where(ok, "", "no value").astype(object)
    if judged is not None:
        reason[~np.asarray(judged, dtype=bool)] = "not judged (labels pending or too few rows)"
    rank = {OK: 0, WARNING: 1, CRITICAL: 2}
    with np.errstate(invalid="ignore"):
        beyond = {
            (side, level): ok
            & (
                value < limits[f"{side}_{level}"]
                if side == LOWER
                else value > limits[f"{side}_{level}"]
            )
            for side in (LOWER, UPPER)
            for level in ALERT_LEVELS
        }
    need, span = _WARNING_RUN
    judged_pos = np.flatnonzero(ok)
    for side in (LOWER, UPPER):
        if rule.side not in (side, BOTH):
            continue
        warn_hits = beyond[(side, WARNING)][judged_pos]
        for j, i in enumerate(judged_pos):
            if beyond[(side, CRITICAL)][i]:
                severity[i] = CRITICAL
                reason[i] = _describe(
                    value[i], limits[f"{side}_{CRITICAL}"][i], side, CRITICAL, rule.critical
                )
            elif warn_hits[j] and warn_hits[max(0, j - span + 1) : j + 1].sum() >= need:
                if rank[severity[i]] < 1:
                    severity[i] = WARNING
                    reason[i] = (
                        f"{need} of the last {span} windows beyond {rule.warning:g} sigma: "
                        + _describe(
                            value[i], limits[f"{side}_{WARNING}"][i], side, WARNING, rule.warning
                        )
                    )
    change = np.full(n, np.nan)
    if rule.relative is not None:
        lag = rule.relative.lag
        # Only a judged window is a reference: a pending or thin window's value is not.
        earlier = np.full(n, np.nan)
        earlier[lag:] = np.where(ok, value, np.nan)[:-lag] if lag < n else []
        with np.errstate(invalid="ignore", divide="ignore"):
            change = np.where(np.abs(earlier) > 0, (value - earlier) / np.abs(earlier), np.nan)
        bad = {LOWER: -change, UPPER: change, BOTH: np.abs(change)}[rule.side]
        for level in reversed(ALERT_LEVELS):
            hit = ok & np.isfinite(bad) & (bad > getattr(rule.relative, level))
            for i in np.flatnonzero(hit):
                if rank[severity[i]] < rank[level]:
                    severity[i] = level
                    direction = "below" if change[i] < 0 else "above"
                    reason[i] = (
                        f"{value[i]:.4g} is {abs(change[i]):.1%} {direction} the value "
                        f"{lag} windows earlier ({earlier[i]:.4g}; {level} beyond "
                        f"{getattr(rule.relative, level):.0%})"
                    )
    return pd.DataFrame(
        {
            "value": value,
            "centre": centre,
            **limits,
            "change": change,
            "severity": severity,
            "reason": reason,
        },
        index=series.index,
        columns=list(JUDGEMENT_COLUMNS),
    )


def judge_metric(
    values: Any,
    rule: LimitRule,
    *,
    starts: Any = None,
    window: Any = None,
    judged: Any = None,
) -> pd.DataFrame:
    """:func:`judge_limits` of a metric per window, with the seasonal phase of each window.

    This is how the notebook's control chart and ``mlmon check`` judge a performance or
    latency metric: the phases come from :func:`window_phases` (the windows' starts, the
    rule's ``origin`` and the window length), then :func:`judge_limits` decides.

    Parameters
    ----------
    values : array-like of float
        The metric per window, in time order.
    rule : LimitRule
        The limits.
    starts : array-like, optional
        The windows' starts (time stamps, or positions for row windows).
    window : str or pandas offset, optional
        The time windows' length (None for row windows).
    judged : array-like of bool, optional
        False for windows not to judge (labels pending, too few rows).

    Returns
    -------
    pandas.DataFrame
        As :func:`judge_limits`.

    Examples
    --------
    >>> rule = LimitRule(centre=0.9, sigma=0.01, side="lower")
    >>> judge_metric([0.9, 0.86], rule, judged=[True, False])["severity"].tolist()
    ['ok', 'insufficient_data']
    """
    n = len(values)
    starts = np.arange(n) if starts is None else starts
    phases = window_phases(starts, rule, window) if rule.period else None
    return judge_limits(values, rule, phases=phases, judged=judged)


__all__: Sequence[str] = (
    "LimitRule",
    "RelativeRule",
    "judge_limits",
    "judge_metric",
    "window_phases",
)
