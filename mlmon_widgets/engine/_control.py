"""Control charts on a series of window statistics: I-MR, X-bar, p, EWMA and tabular CUSUM.

The charts live in small modules and this one gathers them under the name the rest of the
package imports: :mod:`._shewhart` (individuals, X-bar and p charts, run rules against given
limits), :mod:`._ewma_cusum`, :mod:`._threshold_checks` (relative and absolute thresholds),
:mod:`._seasonal` (STL profile), :mod:`._control_constants` (Montgomery's constants),
:mod:`._control_results` (result dataclasses) and :mod:`._control_input` (input checks).
Limits follow Montgomery, *Introduction to Statistical Quality Control* (chapters 6, 7 and 9);
run rules are in :mod:`._rules_runs` (Nelson's numbering).
"""

from __future__ import annotations

from ._control_constants import _C4_TABLE as _C4_TABLE
from ._control_constants import _D2_TABLE as _D2_TABLE
from ._control_constants import C4 as C4
from ._control_constants import D2 as D2
from ._control_constants import _c4 as _c4
from ._control_constants import _moving_range_sigma as _moving_range_sigma
from ._control_constants import control_constants
from ._control_input import MIN_BASELINE as MIN_BASELINE
from ._control_input import RECOMMENDED_BASELINE as RECOMMENDED_BASELINE
from ._control_input import _as_series as _as_series
from ._control_input import _baseline_mask as _baseline_mask
from ._control_input import _broadcast as _broadcast
from ._control_input import _check_int as _check_int
from ._control_input import _check_real as _check_real
from ._control_input import _describe_baseline as _describe_baseline
from ._control_input import _is_missing_scalar as _is_missing_scalar
from ._control_input import _skipped as _skipped
from ._control_input import _usable_baseline as _usable_baseline
from ._control_results import ControlChartResult, ControlConstants, CusumResult, ThresholdResult
from ._ewma_cusum import _centre_and_sigma as _centre_and_sigma
from ._ewma_cusum import cusum_chart, ewma_chart
from ._rules_runs import NELSON_RULES
from ._seasonal import _seasonal_profile as _seasonal_profile
from ._shewhart import _shewhart as _shewhart
from ._shewhart import _standardise as _standardise
from ._shewhart import individuals_chart, p_chart, run_rules, xbar_chart
from ._threshold_checks import absolute_threshold, relative_threshold

__all__ = [
    "NELSON_RULES",
    "ControlChartResult",
    "ControlConstants",
    "CusumResult",
    "ThresholdResult",
    "absolute_threshold",
    "control_constants",
    "cusum_chart",
    "ewma_chart",
    "individuals_chart",
    "p_chart",
    "relative_threshold",
    "run_rules",
    "xbar_chart",
]
