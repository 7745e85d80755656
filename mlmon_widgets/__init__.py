"""mlmon_widgets: investigate production ML models from a notebook.

The analysis engine (drift statistics, baselines, windows, data quality, thresholds) and
the monitoring config (:class:`MonitoringConfig`, :func:`evaluate`) are re-exported here;
:mod:`mlmon_widgets.stats` has the statistics on plain arrays and
:mod:`mlmon_widgets.widgets` the interactive widgets.
"""

from .config import MonitoringConfig, evaluate
from .engine import (
    Baseline,
    CategoricalFeature,
    DataWarning,
    MlmonWarning,
    NumericFeature,
    PromotionGate,
    RoleWarning,
    Rule,
    Windows,
    adjust_pvalues,
    classify,
    compare_models,
    data_quality,
    detect_seasonality,
    drift_over_time,
    drift_table,
    explain_change,
    find_slices,
    infer_role,
    infer_roles,
    join_labels,
    make_windows,
    mmd,
    parquet_dataset,
    performance_over_time,
    promotion_verdict,
    rules_from_suggestions,
    segment_drift,
    segment_performance,
    severity_codes,
    suggest_thresholds,
    window_statistics,
)

__version__ = "0.1.0"

__all__ = [
    "Baseline",
    "CategoricalFeature",
    "DataWarning",
    "MlmonWarning",
    "MonitoringConfig",
    "NumericFeature",
    "PromotionGate",
    "RoleWarning",
    "Rule",
    "Windows",
    "__version__",
    "adjust_pvalues",
    "classify",
    "compare_models",
    "data_quality",
    "detect_seasonality",
    "drift_over_time",
    "drift_table",
    "evaluate",
    "explain_change",
    "find_slices",
    "infer_role",
    "infer_roles",
    "join_labels",
    "make_windows",
    "mmd",
    "parquet_dataset",
    "performance_over_time",
    "promotion_verdict",
    "rules_from_suggestions",
    "segment_drift",
    "segment_performance",
    "severity_codes",
    "suggest_thresholds",
    "window_statistics",
]
