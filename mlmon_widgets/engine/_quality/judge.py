"""The severity of a data-quality rate: its increase over the reference's own rate."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._drift.baseline import Baseline
from .._vocabulary import ALERT_LEVELS, OK, QUALITY_METRICS

_SEVERITY = np.array([OK, *ALERT_LEVELS], dtype=object)


def reference_rate(baseline: Baseline, column: str, metric: str) -> float:
    """The reference's own rate of ``metric`` for ``column`` (0 for shares it cannot have).

    The reference has no values outside its own range and no unseen categories, so only the
    missing and invalid rates can be above 0.
    """
    feature = baseline.features[column]
    if metric not in QUALITY_METRICS[:2] or feature.n_rows == 0:
        return 0.0
    count = feature.n_missing if metric == QUALITY_METRICS[0] else feature.n_invalid
    return count / feature.n_rows


def quality_levels(
    values: Any,
    *,
    warning: float,
    critical: float,
    reference: float = 0.0,
    judged: Any = None,
) -> np.ndarray:
    """Severity of each window's rate: ``warning`` / ``critical`` above the reference's rate.

    Windows that are not judged (too few rows) and windows without a rate are ``ok``.

    Examples
    --------
    >>> quality_levels([0.05, 0.25, 0.7, 0.9], warning=0.1, critical=0.5, reference=0.1,
    ...                judged=[True, True, True, False]).tolist()
    ['ok', 'warning', 'critical', 'ok']
    """
    rates = np.asarray(values, dtype=float)
    with np.errstate(invalid="ignore"):
        level = (rates >= reference + warning).astype(np.int8) + (rates >= reference + critical)
    level[~np.isfinite(rates)] = 0
    if judged is not None:
        level[~np.asarray(judged, dtype=bool)] = 0
    return _SEVERITY[level]
