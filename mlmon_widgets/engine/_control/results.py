"""Result objects of the control charts and threshold checks: frozen dataclasses."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd


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
