"""Monitoring configs: what the notebook exports and production evaluates with ``mlmon check``.

:class:`MonitoringConfig` holds the baseline, thresholds and alerting rules as plain data
that round-trips exactly through YAML and JSON; :func:`evaluate` turns a config and a batch
of production data into an alerts table. This module is the config's one door: other
layers import from here, never from ``mlmon_widgets.config._*``. Uses the engine's door
only; no widget library.
"""

from ..engine import (
    ALERT_LEVELS,
    DECISIONS,
    DOMAINS,
    LATENCY_METRICS,
    QUALITY_METRICS,
    REJECT,
    as_source,
)
from ._alerting import Levels, Persistence, QualityThresholds, Routing
from ._config import MonitoringConfig
from ._data import ENGINES, open_data, read_data
from ._errors import ConfigError
from ._evaluate import ALERT_COLUMNS, evaluate, retraining_events
from ._io import MAX_BYTES
from ._model import ModelInfo
from ._performance import PERFORMANCE_METRICS, PerformanceRules
from ._promotion import PromotionRules, evaluate_promotion
from ._suppressions import DAYS, OneOffSuppression, RecurringSuppression
from ._version import SCHEMA_VERSION, newer_gate_note
from ._window import WindowSpec

__all__ = [
    "ALERT_COLUMNS",
    "ALERT_LEVELS",
    "DAYS",
    "DECISIONS",
    "DOMAINS",
    "ENGINES",
    "LATENCY_METRICS",
    "MAX_BYTES",
    "PERFORMANCE_METRICS",
    "QUALITY_METRICS",
    "REJECT",
    "SCHEMA_VERSION",
    "ConfigError",
    "Levels",
    "ModelInfo",
    "MonitoringConfig",
    "OneOffSuppression",
    "PerformanceRules",
    "Persistence",
    "PromotionRules",
    "QualityThresholds",
    "RecurringSuppression",
    "Routing",
    "WindowSpec",
    "as_source",
    "evaluate",
    "evaluate_promotion",
    "newer_gate_note",
    "open_data",
    "read_data",
    "retraining_events",
]
