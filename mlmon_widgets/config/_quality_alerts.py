"""Data-quality alerts of ``evaluate``: rates above the reference's, missing columns, no rows."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..engine import (
    CRITICAL,
    DATA_QUALITY,
    OFF,
    QUALITY_METRICS,
    QUALITY_STATUSES,
    ROW_COUNT,
    WARNING,
    Baseline,
    quality_levels,
    reference_rate,
    trend,
)
from ._config import MonitoringConfig
from ._drift_alerts import alerting, persistence_text

_MISSING_STATUS = QUALITY_STATUSES[2]
MISSING_RATE, _, _, UNSEEN_SHARE = QUALITY_METRICS
#: What an alert on the whole batch (not one of its columns) names as its feature.
BATCH = "(batch)"


def missing_column(column: str, window: int, what: str) -> dict[str, Any]:
    """The critical alert of a configured column absent from the data."""
    return {
        "window": window,
        "feature": column,
        "domain": DATA_QUALITY,
        "metric": "missing_column",
        "value": np.nan,
        "threshold": np.nan,
        "severity": CRITICAL,
        "message": f"column {column!r} is missing from the data ({CRITICAL}); {what}",
    }


def no_timestamps(column: str, rows: int) -> dict[str, Any]:
    """The critical alert of a batch that cannot be cut into windows."""
    return {
        "window": -1,
        "feature": column,
        "domain": DATA_QUALITY,
        "metric": MISSING_RATE,
        "value": 1.0,
        "threshold": np.nan,
        "severity": CRITICAL,
        "message": f"column {column!r}: no valid timestamps: the data cannot be cut into "
        f"windows ({CRITICAL}); its {rows:,} row(s) are not checked",
    }


def empty_batch(config: MonitoringConfig) -> list[dict[str, Any]]:
    """A batch without any row: a broken pipeline, never "all clear" (unless turned off)."""
    level = config.quality.empty_batch
    if level == OFF:
        return []
    return [
        {
            "window": -1,
            "feature": BATCH,
            "domain": DATA_QUALITY,
            "metric": ROW_COUNT,
            "value": 0.0,
            "threshold": 1.0,
            "severity": level,
            "message": f"the batch has no rows ({level}): nothing was checked; is the "
            "pipeline that writes it broken? (quality.empty_batch sets this level)",
        }
    ]


def quality_alerts(
    quality: pd.DataFrame, baseline: Baseline, config: MonitoringConfig
) -> list[dict[str, Any]]:
    """Alert records of a windowed :func:`~mlmon_widgets.engine.data_quality` table."""
    records = []
    for column, group in quality.groupby("column", sort=False, observed=True):
        column = str(column)
        if column not in baseline.features:
            continue
        group = group.sort_values("window", kind="stable")
        windows = group["window"].to_numpy()
        if (group["status"] == _MISSING_STATUS).any():
            records.append(missing_column(column, -1, "its drift and quality are not checked"))
            continue
        judged = group["n"].to_numpy() >= config.min_rows
        for metric in QUALITY_METRICS:
            levels = getattr(config.quality, metric)
            if levels is None or metric not in group:
                continue
            values = group[metric].to_numpy(dtype=float)
            reference = reference_rate(baseline, column, metric)
            severity = quality_levels(
                values,
                warning=levels.warning,
                critical=levels.critical,
                reference=reference,
                judged=judged,
            )
            alerts, counts = alerting(severity, config)
            for i in np.flatnonzero(alerts):
                sev = str(severity[i])
                extra = levels.warning if sev == WARNING else levels.critical
                threshold = reference + extra
                basis = f"; reference {reference:.3g} + {extra:g}" if reference > 0 else ""
                message = (
                    f"{metric} {values[i]:.3g} >= {threshold:.3g} ({sev}{basis}); "
                    f"{trend(values, i)}{persistence_text(config, counts[i])}"
                )
                if metric == UNSEEN_SHARE and group["unseen_examples"].iloc[i]:
                    message += f"; unseen: {group['unseen_examples'].iloc[i]}"
                records.append(
                    {
                        "window": int(windows[i]),
                        "feature": column,
                        "domain": DATA_QUALITY,
                        "metric": metric,
                        "value": float(values[i]),
                        "threshold": float(threshold),
                        "severity": sev,
                        "message": message,
                    }
                )
    return records
