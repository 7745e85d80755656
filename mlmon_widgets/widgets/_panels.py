"""What a control chart's panels send: a judged metric chart as wire columns and captions."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..engine import (
    LABELLED,
    LIMIT_NAMES,
    PERFORMANCE_METRICS,
    ROC_AUC,
    SEVERITIES,
    WINDOW_STATUSES,
    MetricChart,
    default_metrics,
)

#: Per-window columns of a panel's table sent as numbers (codes go as uint8).
NUMBERS = ("value", "ci_low", "ci_high", "coverage", "n", "centre", *LIMIT_NAMES)


def metric_list(metrics: Any, task: str, latency: str | None, score: str | None) -> list[str]:
    """The metrics to chart: as given (one name or several), or the engine's defaults."""
    if metrics is None:
        return default_metrics(task, score=score, latency=latency)
    out = [metrics] if isinstance(metrics, str) else list(metrics)
    if len(set(out)) != len(out):
        raise ValueError(f"metrics has duplicates: {out}")
    if not out:
        raise ValueError(f"metrics is empty; name at least one metric such as {ROC_AUC!r}")
    return out


def codes(names: pd.Series, vocabulary: tuple[str, ...]) -> np.ndarray:
    """Names as their positions in a vocabulary tuple (what the front end's codes mean)."""
    return np.array([vocabulary.index(n) for n in names], dtype=np.uint8)


def panel_table(chart: MetricChart) -> dict[str, Any]:
    """The per-window columns of a panel, as the front end draws them."""
    points = chart.points
    columns: dict[str, Any] = {name: points[name].to_numpy(dtype=np.float64) for name in NUMBERS}
    columns["status"] = codes(points["status"], WINDOW_STATUSES)
    columns["severity"] = codes(points["severity"], SEVERITIES)
    columns["reason"] = points["reason"].tolist()
    columns["rules"] = rule_bits(chart.violations, len(points))
    return columns


def rule_bits(violations: pd.DataFrame, count: int) -> np.ndarray:
    """Per window, the Nelson rules it violates as bits (rule r sets bit r - 1).

    A column of the panel's table, so an append sends the new windows' violations only.
    """
    bits = np.zeros(count, dtype=np.uint8)
    for position, rule in zip(violations["position"], violations["rule"], strict=True):
        bits[int(position)] |= np.uint8(1 << (int(rule) - 1))
    return bits


def panel_meta(metric: str, chart: MetricChart) -> dict[str, Any]:
    """A panel's caption: label, baseline, notes, rule, alert counts, what its run rules mean."""
    known = PERFORMANCE_METRICS.get(metric)
    return {
        "metric": metric,
        "label": known.label if known is not None else metric,
        "labelled": metric in LABELLED,
        "baseline": chart.baseline,
        "note": "; ".join(chart.notes),
        "rule": None if chart.rule is None else chart.rule.to_dict(),
        "counts": chart.counts() if chart.rule is not None else None,
        # What each violated rule means here (the table's ``rules`` bits say where).
        "rule_notes": {
            str(int(rule)): str(description)
            for rule, description in zip(
                chart.violations["rule"], chart.violations["description"], strict=True
            )
        },
    }
