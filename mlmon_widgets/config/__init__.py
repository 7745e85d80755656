"""Monitoring configs: what the notebook exports and production evaluates with ``mlmon check``.

:class:`MonitoringConfig` holds the baseline, thresholds and alerting rules as plain data
that round-trips exactly through YAML and JSON; :func:`evaluate` turns a config and a batch
of production data into an alerts table. Uses the engine only; no widget library.
"""

from ._config import ALERT_LEVELS, MonitoringConfig
from ._data import read_data
from ._errors import ConfigError
from ._evaluate import ALERT_COLUMNS, evaluate
from ._io import MAX_BYTES
from ._parts import (
    DOMAINS,
    QUALITY_METRICS,
    Levels,
    ModelInfo,
    Persistence,
    QualityThresholds,
    Routing,
    WindowSpec,
)
from ._performance_rules import LATENCY_METRICS, PERFORMANCE_METRICS, PerformanceRules
from ._suppressions import DAYS, OneOffSuppression, RecurringSuppression
from ._version import SCHEMA_VERSION

__all__ = [
    "ALERT_COLUMNS",
    "ALERT_LEVELS",
    "DAYS",
    "DOMAINS",
    "LATENCY_METRICS",
    "MAX_BYTES",
    "PERFORMANCE_METRICS",
    "QUALITY_METRICS",
    "SCHEMA_VERSION",
    "ConfigError",
    "Levels",
    "ModelInfo",
    "MonitoringConfig",
    "OneOffSuppression",
    "PerformanceRules",
    "Persistence",
    "QualityThresholds",
    "RecurringSuppression",
    "Routing",
    "WindowSpec",
    "evaluate",
    "read_data",
]
