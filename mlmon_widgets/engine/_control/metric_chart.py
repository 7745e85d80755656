"""A metric per window judged by control limits from a baseline: one panel of a ControlChart.

:func:`metric_chart` turns the rows of one metric of :func:`performance_over_time` into what
a control chart shows and what production would raise: limits from an individuals chart of
the baseline windows (or a rule set by hand), the run-rule violations, and every window's
severity and reason from :func:`judge_metric`, the function ``mlmon check`` uses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._validation import check_option, check_positive_int
from .._vocabulary import ALERT_LEVELS, INSUFFICIENT_DATA, LIMIT_NAMES, OK, SIDES, bad_side
from .limits import LimitRule, judge_metric
from .shewhart import individuals_chart

#: Columns of :attr:`MetricChart.points`, in order.
POINT_COLUMNS = ("value", "judged", "centre", *LIMIT_NAMES, "severity", "reason")


@dataclass(frozen=True, eq=False)
class MetricChart:
    """One metric per window under control limits.

    Attributes
    ----------
    metric : str
        The metric's name.
    points : pandas.DataFrame
        One row per window (indexed like the input): ``value``, ``judged`` (scored: labels
        arrived and enough rows), ``centre``, the four limits (NaN without limits or on a
        side that does not alert), ``severity`` and ``reason`` (why a window alerts, or
        why it is not judged).
    rule : LimitRule or None
        The limits (None when the baseline gives none).
    violations : pandas.DataFrame
        Run-rule violations of the baseline's chart: ``position``, ``rule``, ``name``,
        ``description``.
    baseline : int
        Windows the limits come from.
    notes : tuple of str
        How the limits were reached, what was left out.
    """

    metric: str
    points: pd.DataFrame = field(repr=False)
    rule: LimitRule | None
    violations: pd.DataFrame = field(repr=False)
    baseline: int
    notes: tuple[str, ...] = ()

    def counts(self) -> dict[str, int]:
        """Windows per alert level, and how many of them lie in the baseline period.

        Examples
        --------
        >>> chart = metric_chart([0.9, 0.91, 0.89, 0.9, 0.92, 0.9, 0.7], baseline=6)
        >>> chart.counts()
        {'warning': 0, 'critical': 1, 'in_baseline': 0}
        """
        severity = self.points["severity"].to_numpy()
        out = {level: int((severity == level).sum()) for level in ALERT_LEVELS}
        out["in_baseline"] = int(np.isin(severity[: self.baseline], ALERT_LEVELS).sum())
        return out


def _violations(chart: Any) -> pd.DataFrame:
    columns = ["position", "rule", "name", "description"]
    if chart is None:
        return pd.DataFrame(columns=columns)
    return chart.violations[columns].reset_index(drop=True)


def metric_chart(
    values: Any,
    *,
    metric: str = "",
    judged: Any = None,
    notes: Any = None,
    starts: Any = None,
    window: Any = None,
    baseline: int = 30,
    period: int | None = None,
    revise: bool = True,
    run_rules: Any = "western_electric",
    side: str | None = None,
    rule: LimitRule | Mapping[str, Any] | None = None,
) -> MetricChart:
    """A metric per window with limits from its first ``baseline`` windows, judged.

    Parameters
    ----------
    values : pandas.Series or array-like of float
        The metric per window, in time order (NaN: no value).
    metric : str, optional
        Its name (the side that alerts follows the metric catalogue).
    judged : array-like of bool, optional
        Whether each window is scored (False: labels pending, too few rows): unjudged
        windows take no part in the limits and never alert.
    notes : array-like of str, optional
        Why each window is not scored (shown as its reason).
    starts : array-like, optional
        The windows' starts, for the seasonal phase of time windows.
    window : str or pandas offset, optional
        The time windows' length (None for row windows).
    baseline : int, default 30
        Windows the limits come from (all there are when fewer exist).
    period : int, optional
        Season length in windows: limits follow an STL seasonal profile.
    revise : bool, default True
        Montgomery's revised (Phase I) limits.
    run_rules : {'western_electric', 'nelson'} or list of int
        The run rules to mark.
    side : {'lower', 'upper', 'both'}, optional
        Which deviations alert (default: the metric's bad side).
    rule : LimitRule or dict, optional
        Limits set by hand, replacing the baseline's.

    Returns
    -------
    MetricChart

    Examples
    --------
    >>> chart = metric_chart([0.90, 0.91, 0.89, 0.90, 0.92, 0.90, 0.70], metric="accuracy",
    ...                      baseline=6)
    >>> chart.rule.side, chart.points["severity"].tolist()[-2:]
    ('lower', ['ok', 'critical'])
    """
    series = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values, float))
    n = len(series)
    baseline = check_positive_int("baseline", baseline)
    side = bad_side(metric) if side is None else check_option("side", side, SIDES)
    ok = np.ones(n, dtype=bool) if judged is None else np.asarray(judged, dtype=bool)
    value = series.to_numpy(dtype=float)
    shown = pd.Series(np.where(ok, value, np.nan), index=series.index)
    k = min(baseline, n)
    found: list[str] = []
    chart = None
    limits: LimitRule | None = None
    try:
        chart = individuals_chart(shown, baseline=k, period=period, rules=run_rules, revise=revise)
    except ValueError as err:
        found.append(f"no limits from the baseline: {err}")
    if chart is not None:
        if chart.sigma > 0:
            limits = LimitRule.from_chart(chart, side=side)
        else:
            found.append("the baseline is constant (sigma 0): no limits")
        found += [note for note in chart.notes if "missing point(s) skipped" not in note]
    if baseline > n:
        found.append(
            f"baseline of {baseline} windows asked, {k} exist: the limits come from all of "
            "them and move as windows arrive"
        )
    unscored = int((~ok).sum())
    if unscored:
        found.append(f"{unscored} window(s) not scored (labels pending or too few rows)")
    if rule is not None:
        limits = rule if isinstance(rule, LimitRule) else LimitRule.from_dict(rule)
        found = ["limits set by hand (run-rule markers keep the baseline's sigma)", *found[1:]]
    points = pd.DataFrame({"value": value, "judged": ok}, index=series.index)
    given = [""] * n if notes is None else list(notes)
    why = np.asarray(["" if pd.isna(x) else str(x) for x in given], dtype=object)
    if limits is None:
        for name in ("centre", *LIMIT_NAMES):
            points[name] = np.nan
        points["severity"] = np.where(ok, OK, INSUFFICIENT_DATA)
        points["reason"] = ""
    else:
        judgement = judge_metric(value, limits, starts=starts, window=window, judged=ok)
        for name in ("centre", *LIMIT_NAMES, "severity", "reason"):
            points[name] = judgement[name].to_numpy()
    reasons = points["reason"].to_numpy(dtype=object)
    explained = ~ok & (why != "")
    reasons[explained] = ["not judged: " + text for text in why[explained]]
    points["reason"] = reasons
    return MetricChart(
        metric=metric,
        points=points[list(POINT_COLUMNS)],
        rule=limits,
        violations=_violations(chart),
        baseline=k,
        notes=tuple(found),
    )


__all__ = ("MetricChart", "metric_chart")
