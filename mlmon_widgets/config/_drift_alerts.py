"""Drift alerts of ``evaluate``: the windows whose classified severity alerts, with a message."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..engine import (
    DRIFT,
    METRIC_COLUMNS,
    WARNING,
    Baseline,
    Rule,
    Windows,
    classify,
    gate_thresholds,
    persistent_alerts,
    trend,
    window_statistics,
)
from ._config import MonitoringConfig


def persistence_text(config: MonitoringConfig, count: int) -> str:
    """``'; 2 of the last 3 windows breached'`` with persistence over several windows."""
    m = config.persistence.m
    return f"; {count} of the last {m} windows breached" if m > 1 else ""


def alerting(severity: np.ndarray, config: MonitoringConfig) -> tuple[np.ndarray, np.ndarray]:
    """Which windows of one series alert under the config's levels and persistence."""
    return persistent_alerts(
        severity, levels=config.alert_levels, n=config.persistence.n, m=config.persistence.m
    )


def drift_alerts(
    table: pd.DataFrame, config: MonitoringConfig, *, rules: Mapping[str, Rule] | None = None
) -> list[dict[str, Any]]:
    """Alert records of a classified drift table (one per alerting feature x window).

    ``rules`` are the rules the table was classified with (default: the config's).
    """
    rules = config.rules if rules is None else rules
    records = []
    for feature, group in table.groupby("feature", sort=False, observed=True):
        group = group.sort_values("window", kind="stable")
        severity = group["severity"].astype(str).to_numpy()
        alerts, counts = alerting(severity, config)
        if not alerts.any():
            continue
        rule = rules.get(str(feature))
        kind = str(group["kind"].iloc[0])
        defaults = gate_thresholds(config.gate)[kind]
        levels = {rule.metric: rule.levels()} if rule is not None else defaults
        values = {m: group[METRIC_COLUMNS[m]].to_numpy(dtype=float) for m in levels}
        windows = group["window"].to_numpy()
        for i in np.flatnonzero(alerts):
            sev = severity[i]
            reached = {
                m: (values[m][i], w if sev == WARNING else c) for m, (w, c) in levels.items()
            }
            with np.errstate(over="ignore"):  # a subnormal threshold: the ratio is inf
                metric = max(
                    reached,
                    key=lambda m: (
                        reached[m][0] >= reached[m][1],
                        reached[m][0] / reached[m][1] if reached[m][1] > 0 else np.inf,
                    ),
                )
            value, threshold = reached[metric]
            records.append(
                {
                    "window": int(windows[i]),
                    "feature": str(feature),
                    "domain": DRIFT,
                    "metric": metric,
                    "value": float(value),
                    "threshold": float(threshold),
                    "severity": sev,
                    "message": f"{metric} {value:.3g} >= {threshold:g} ({sev}); "
                    f"{trend(values[metric], i)}{persistence_text(config, counts[i])}",
                }
            )
    return records


def window_drift_alerts(
    config: MonitoringConfig,
    baseline: Baseline,
    data: pd.DataFrame,
    windows: Windows,
    *,
    rules: Mapping[str, Rule],
    min_rows: int,
) -> list[dict[str, Any]]:
    """Drift alerts of ``data``'s windows against ``baseline``, for its features present.

    The engine's statistics and classification, with the config's alpha, gate and
    correction and these rules and ``min_rows``.
    """
    stats = window_statistics(baseline, data, windows, min_rows=min_rows)
    table = classify(
        stats,
        alpha=config.alpha,
        gate=config.gate,
        correction=config.correction,
        thresholds=rules,
        explain=False,
    )
    present = [c for c in baseline.features if c in data.columns]
    return drift_alerts(table[table["feature"].isin(present)], config, rules=rules)


__all__ = ("alerting", "drift_alerts", "persistence_text", "window_drift_alerts")
