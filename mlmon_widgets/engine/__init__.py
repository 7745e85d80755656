"""The analysis engine: pure computation on pandas/numpy/scipy/statsmodels.

Nothing here imports a widget library; results are tidy DataFrames or small dataclasses.
"""

from ._baseline import Baseline, CategoricalFeature, NumericFeature
from ._detail import feature_detail
from ._drift import drift_over_time, drift_table, window_statistics
from ._performance import join_labels, performance_over_time
from ._quality import data_quality
from ._roles import infer_role, infer_roles
from ._rules import Rule
from ._severity import SEVERITIES, adjust_pvalues, classify, severity_codes
from ._thresholds import rules_from_suggestions, suggest_thresholds, thresholds_from_chunks
from ._validation import DataWarning, MlmonWarning, RoleWarning
from ._windows import Windows, make_windows

__all__ = [
    "SEVERITIES",
    "Baseline",
    "CategoricalFeature",
    "DataWarning",
    "MlmonWarning",
    "NumericFeature",
    "RoleWarning",
    "Rule",
    "Windows",
    "adjust_pvalues",
    "classify",
    "data_quality",
    "drift_over_time",
    "drift_table",
    "feature_detail",
    "infer_role",
    "infer_roles",
    "join_labels",
    "make_windows",
    "performance_over_time",
    "rules_from_suggestions",
    "severity_codes",
    "suggest_thresholds",
    "thresholds_from_chunks",
    "window_statistics",
]
