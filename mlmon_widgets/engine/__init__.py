"""The analysis engine: pure computation on pandas/numpy/scipy/statsmodels.

Nothing here imports a widget library; results are tidy DataFrames or small dataclasses.
"""

from ._baseline import Baseline, CategoricalFeature, NumericFeature
from ._control import (
    ControlChartResult,
    ControlConstants,
    CusumResult,
    ThresholdResult,
    absolute_threshold,
    control_constants,
    cusum_chart,
    ewma_chart,
    individuals_chart,
    p_chart,
    relative_threshold,
    run_rules,
    xbar_chart,
)
from ._detail import feature_detail
from ._drift import drift_over_time, drift_table, window_statistics
from ._limits import LimitRule, RelativeRule, judge_limits, window_phases
from ._performance import join_labels, performance_over_time
from ._quality import data_quality
from ._roles import infer_role, infer_roles
from ._rules import Rule
from ._rules_runs import NELSON_RULES
from ._severity import SEVERITIES, adjust_pvalues, classify, severity_codes
from ._thresholds import rules_from_suggestions, suggest_thresholds, thresholds_from_chunks
from ._validation import DataWarning, MlmonWarning, RoleWarning
from ._windows import Windows, make_windows

__all__ = [
    "NELSON_RULES",
    "SEVERITIES",
    "Baseline",
    "CategoricalFeature",
    "ControlChartResult",
    "ControlConstants",
    "CusumResult",
    "DataWarning",
    "LimitRule",
    "MlmonWarning",
    "NumericFeature",
    "RelativeRule",
    "RoleWarning",
    "Rule",
    "ThresholdResult",
    "Windows",
    "absolute_threshold",
    "adjust_pvalues",
    "classify",
    "control_constants",
    "cusum_chart",
    "data_quality",
    "drift_over_time",
    "drift_table",
    "ewma_chart",
    "feature_detail",
    "individuals_chart",
    "infer_role",
    "infer_roles",
    "join_labels",
    "judge_limits",
    "make_windows",
    "p_chart",
    "performance_over_time",
    "relative_threshold",
    "rules_from_suggestions",
    "run_rules",
    "severity_codes",
    "suggest_thresholds",
    "thresholds_from_chunks",
    "window_phases",
    "window_statistics",
    "xbar_chart",
]
