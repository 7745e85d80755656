"""mlmon_widgets: investigate production ML models from a notebook.

The analysis engine (drift statistics, baselines, windows, data quality, thresholds) is
re-exported here; :mod:`mlmon_widgets.stats` has the statistics on plain arrays.
"""

from .engine import (
    Baseline,
    CategoricalFeature,
    DataWarning,
    MlmonWarning,
    NumericFeature,
    RoleWarning,
    Rule,
    Windows,
    adjust_pvalues,
    classify,
    data_quality,
    drift_over_time,
    drift_table,
    infer_role,
    infer_roles,
    make_windows,
    rules_from_suggestions,
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
    "NumericFeature",
    "RoleWarning",
    "Rule",
    "Windows",
    "__version__",
    "adjust_pvalues",
    "classify",
    "data_quality",
    "drift_over_time",
    "drift_table",
    "infer_role",
    "infer_roles",
    "make_windows",
    "rules_from_suggestions",
    "severity_codes",
    "suggest_thresholds",
    "window_statistics",
]
