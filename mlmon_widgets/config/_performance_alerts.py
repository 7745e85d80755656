"""Performance and latency alerts of ``evaluate``: the config's limit rules on a batch."""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..engine import (
    BOTH,
    LATENCY,
    LATENCY_METRICS,
    LOWER,
    OK,
    PERFORMANCE,
    DataWarning,
    LimitRule,
    is_scalable,
    judge_metric,
    performance_over_time,
    trend,
)
from ._config import MonitoringConfig
from ._drift_alerts import alerting, persistence_text
from ._performance import PerformanceRules


def missing_columns(section: PerformanceRules, data: pd.DataFrame) -> dict[str, str]:
    """Configured columns absent from ``data`` -> what is not checked because of it."""
    out = {}
    for column in dict.fromkeys(section.columns()):
        if column in data.columns:
            continue
        lost = [m for m in section.rules if column in section.needs(m)]
        if column == section.label:
            what = "the metrics that need labels"
        elif column == section.latency:
            what = "the latency percentiles"
        else:
            what = "the metrics of the predictions"
        judged = f" ({', '.join(lost)})" if lost else ""
        out[column] = f"{what}{judged} are not checked"
    return out


def piece_frame(data: pd.DataFrame, section: PerformanceRules, time: str | None) -> pd.DataFrame:
    """:func:`_frame` of one piece of a large source (a module-level function for Dask)."""
    return _frame(section, data, time)


def _frame(section: PerformanceRules, data: pd.DataFrame, time: str | None) -> pd.DataFrame:
    """The columns performance_over_time reads; a missing label or prediction is all NaN."""
    columns: dict[str, Any] = {}
    if time is not None:
        columns[time] = data[time]
    for column in (section.label, *section.predictions()):
        columns[column] = data[column] if column in data.columns else np.nan
    if section.latency is not None and section.latency in data.columns:
        columns[section.latency] = data[section.latency]
    return pd.DataFrame(columns, index=data.index)


def performance_table(
    section: PerformanceRules, data: pd.DataFrame, arguments: dict[str, Any]
) -> pd.DataFrame:
    """:func:`~mlmon_widgets.engine.performance_over_time` of the batch (no bootstrap)."""
    if is_scalable(data):  # each piece cut to the same columns as it is read
        missing = {
            c: "float64" for c in (section.label, *section.predictions()) if c not in data.columns
        }
        frame = data.mapped(piece_frame, section, arguments["time"], added=missing)
    else:
        frame = _frame(section, data, arguments["time"])
    options = section.arguments()
    if section.latency not in frame.columns:
        options["latency"] = None
    if section.score is not None and section.prediction not in (None, *data.columns):
        # Without the predicted classes the score's metrics are still judged, from the score
        # alone; those of the classes are skipped (PerformanceRules.needs).
        options["prediction"] = None
    try:
        with warnings.catch_warnings():
            # evaluate has cut the same windows and warned about rows without a timestamp.
            warnings.simplefilter("ignore", DataWarning)
            return performance_over_time(frame, **options, **arguments, n_bootstrap=0)
    except (TypeError, ValueError) as err:
        columns = ", ".join(repr(c) for c in section.columns() if c in data.columns)
        raise ValueError(f"performance metrics of columns {columns}: {err}") from None


def judged_windows(group: pd.DataFrame) -> np.ndarray:
    """Windows a metric is judged on: those with status ``ok``, as in a control chart.

    A metric that needs labels is ``pending`` below ``min_coverage`` and
    ``insufficient_data`` below ``min_rows`` labelled rows; the others are always ``ok``.
    """
    return (group["status"] == OK).to_numpy()


def _threshold(
    row: pd.Series, severity: str, rule: LimitRule, earlier: float, by_limit: bool
) -> float:
    """The limit crossed, or the value at which the relative check would have fired."""
    if by_limit:
        lower = row[f"lower_{severity}"]
        return float(lower if row["value"] < lower else row[f"upper_{severity}"])
    assert rule.relative is not None
    share = getattr(rule.relative, severity) * abs(earlier)
    below = rule.side == LOWER or (rule.side == BOTH and row["value"] < earlier)
    return float(earlier - share if below else earlier + share)


def performance_alerts(
    config: MonitoringConfig,
    perf: pd.DataFrame,
    missing: Sequence[str],
    *,
    time: str | None,
    section: PerformanceRules | None = None,
) -> list[dict[str, Any]]:
    """Alert records of every rule whose columns are all in the batch.

    ``section`` is the rules judged (default: the config's; a segment's own otherwise).
    """
    section = config.performance if section is None else section
    assert section is not None
    records = []
    groups = {str(m): g.sort_values("window") for m, g in perf.groupby("metric", sort=False)}
    for metric, rule in section.rules.items():
        group = groups.get(metric)
        if group is None or any(c in missing for c in section.needs(metric)):
            continue
        values = group["value"].to_numpy(dtype=float)
        judged = judged_windows(group)
        where = {"starts": group["window_start"].to_numpy(), "window": config.window.window}
        judgement = judge_metric(values, rule, judged=judged, **where)
        severity = judgement["severity"].to_numpy(dtype=str)
        alerts, counts = alerting(severity, config)
        if not alerts.any():
            continue
        by_limits = severity
        if rule.relative is not None:
            plain = dataclasses.replace(rule, relative=None)
            by_limits = judge_metric(values, plain, judged=judged, **where)["severity"]
            by_limits = by_limits.to_numpy(dtype=str)
        shown = np.where(judged, values, np.nan)
        domain = LATENCY if metric in LATENCY_METRICS else PERFORMANCE
        feature = section.source(metric) or time or "index"
        for i in np.flatnonzero(alerts):
            sev = str(severity[i])
            lag = rule.relative.lag if rule.relative is not None else 0
            earlier = shown[i - lag] if 0 < lag <= i else np.nan
            row = judgement.iloc[i]
            records.append(
                {
                    "window": int(i),  # the windows of evaluate, in order
                    "feature": feature,
                    "domain": domain,
                    "metric": metric,
                    "value": float(values[i]),
                    "threshold": _threshold(row, sev, rule, earlier, by_limits[i] == sev),
                    "severity": sev,
                    "message": f"{metric} {sev}: {row['reason']}; {trend(shown, i)}"
                    f"{persistence_text(config, counts[i])}",
                }
            )
    return records
