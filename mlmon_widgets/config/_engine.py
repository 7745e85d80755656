"""Facts the config shares with the engine, in one place.

The engine does not export these names yet (they live in its private modules); reading them
here keeps config validation identical to what the engine accepts.
"""

from __future__ import annotations

from ..engine._baseline import BASELINE_FORMAT
from ..engine._performance import LABELLED, TASKS
from ..engine._roles import FEATURE_KINDS, ROLES
from ..engine._rules import DEFAULT_THRESHOLDS, METRIC_KINDS
from ..engine._severity import CORRECTIONS, METRIC_COLUMNS

__all__ = [
    "BASELINE_FORMAT",
    "CORRECTIONS",
    "DEFAULT_THRESHOLDS",
    "FEATURE_KINDS",
    "LABELLED",
    "METRIC_COLUMNS",
    "METRIC_KINDS",
    "ROLES",
    "TASKS",
]
