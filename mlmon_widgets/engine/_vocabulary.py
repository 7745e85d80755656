"""The one vocabulary of mlmon_widgets: every layer and every front end reads it from here.

Severities (their order, labels and colours), alert levels and routes, the two metric
catalogues (drift effect metrics with their default thresholds; performance metrics with
their direction, unit and range), corrections, limit names, sides, tasks, window statuses,
roles and feature kinds are defined once, here. Code elsewhere uses these names instead of
writing the words out (a test enforces it), and the front ends receive
:func:`vocabulary` from Python instead of hard-coding any of it.

To add a drift statistic or a performance metric, add it to its catalogue here first; see
``docs/architecture.md`` for the other files to touch.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

# ------------------------------------------------------------------ severities
OK = "ok"
WARNING = "warning"
CRITICAL = "critical"
INSUFFICIENT_DATA = "insufficient_data"
OFF = "off"
#: Severities of a judged window, in the order of their codes (``severity_codes``).
SEVERITIES = (OK, WARNING, CRITICAL, INSUFFICIENT_DATA, OFF)
#: Severities that raise an alert, least severe first.
ALERT_LEVELS = (WARNING, CRITICAL)
#: How bad a severity is, for "worst first" orderings (higher is worse).
SEVERITY_RANK: Mapping[str, int] = MappingProxyType(
    {OK: 0, INSUFFICIENT_DATA: 1, OFF: 1, WARNING: 3, CRITICAL: 4}
)
#: What people read for a severity.
SEVERITY_LABELS: Mapping[str, str] = MappingProxyType(
    {
        OK: OK,
        WARNING: WARNING,
        CRITICAL: CRITICAL,
        INSUFFICIENT_DATA: "too few rows",
        OFF: "rule off",
    }
)
#: Paul Tol's colour-blind-safe colours, readable on light and dark themes.
SEVERITY_COLOURS: Mapping[str, str] = MappingProxyType(
    {
        OK: "#88CCEE",
        WARNING: "#DDAA33",
        CRITICAL: "#BB5566",
        INSUFFICIENT_DATA: "#BBBBBB",
        OFF: "#DDDDDD",
    }
)

# ------------------------------------------------------------------ window statuses
PENDING = "pending"
#: Status of a performance window: scored, labels still pending, or too few rows.
WINDOW_STATUSES = (OK, PENDING, INSUFFICIENT_DATA)
#: What people read for a window status.
STATUS_LABELS: Mapping[str, str] = MappingProxyType(
    {OK: "scored", PENDING: "labels pending", INSUFFICIENT_DATA: "too few labelled rows"}
)
#: Status of a column in a data-quality table.
QUALITY_STATUSES = (OK, "dtype_changed", "missing", "new")
#: Data-quality rates that can alert (each as an increase over the reference's own rate).
QUALITY_METRICS = ("missing_rate", "invalid_rate", "out_of_range", "unseen_share")

# ------------------------------------------------------------------ alert routes
DATA_QUALITY = "data_quality"
DRIFT = "drift"
PERFORMANCE = "performance"
LATENCY = "latency"
#: Alert domains and the route key each goes to by default.
ROUTES: Mapping[str, str] = MappingProxyType(
    {
        DATA_QUALITY: "data-engineering",
        DRIFT: "ml-engineering",
        PERFORMANCE: "ml-engineering",
        LATENCY: "platform",
    }
)
DOMAINS = tuple(ROUTES)

# ------------------------------------------------------------------ tests and corrections
#: Multiple-testing corrections (statsmodels ``multipletests`` methods, and none).
CORRECTIONS = ("fdr_bh", "bonferroni", "holm", "none")

# ------------------------------------------------------------------ columns
#: Roles a column can have. ``version`` is the model version: a new value is a retraining
#: event, recorded, never tested for drift.
VERSION = "version"
ROLES = ("numeric", "categorical", "boolean", "datetime", "id", VERSION, "ignore")
#: Roles whose columns are compared for drift.
FEATURE_KINDS = ("numeric", "categorical", "boolean")
#: The operators of a row filter's condition: a category (or several), a one-sided cut of
#: a numeric column, a missing value.
CONDITION_OPERATORS = ("==", "in", "<", ">=", "is missing")

# ------------------------------------------------------------------ seasonality
#: Seasonal baselines: a phase per weekday, per hour of the day, per hour of the week, per
#: day of the month or per month of the year.
SEASONALITIES: Mapping[str, int] = MappingProxyType(
    {"weekday": 7, "hour": 24, "weekday-hour": 168, "monthday": 31, "month": 12}
)
#: What people read for a feature that follows each seasonality.
SEASONALITY_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "weekday": "weekly",
        "hour": "daily",
        "weekday-hour": "weekly and daily",
        "monthday": "monthly",
        "month": "yearly",
    }
)
#: Short weekday names, Monday first (pandas' ``dt.weekday`` order).
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
#: Short month names, January first.
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# ------------------------------------------------------------------ control limits
#: Which deviations from the centre are bad (and raise alerts).
SIDES = ("lower", "upper", "both")
LOWER, UPPER, BOTH = SIDES
#: What people read for each side.
SIDE_LABELS = ("alert when low", "alert when high", "alert both ways")
#: The four limits of a window.
LIMIT_NAMES = ("lower_warning", "lower_critical", "upper_warning", "upper_critical")
#: Kinds of model a performance section describes.
TASKS = ("classification", "regression")
CLASSIFICATION, REGRESSION = TASKS


# ------------------------------------------------------------------ drift metrics
@dataclass(frozen=True)
class DriftMetric:
    """One drift effect metric: where its value is stored and how it is judged by default.

    Attributes
    ----------
    name : str
        The name rules and configs use.
    column : str
        The drift table column holding its value.
    label : str
        What people read.
    kinds : tuple of str
        Feature kinds it applies to.
    defaults : mapping
        Feature kind -> (warning, critical) of the default rule (a kind missing here: the
        metric is not part of that kind's default rule).
    scale : float
        Top of a colour scale of the metric (twice its usual critical threshold).
    """

    name: str
    column: str
    label: str
    kinds: tuple[str, ...]
    defaults: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    scale: float = 1.0


_ALL_KINDS = FEATURE_KINDS
_NUMERIC = ("numeric",)
#: The drift effect metrics, by name.
DRIFT_METRICS: Mapping[str, DriftMetric] = MappingProxyType(
    {
        "psi": DriftMetric(
            "psi",
            "psi",
            "PSI",
            _ALL_KINDS,
            {kind: (0.1, 0.25) for kind in _ALL_KINDS},
            scale=0.5,
        ),
        "psi_tails": DriftMetric(
            "psi_tails",
            "psi_tails",
            "PSI (tail-refined bins)",
            _NUMERIC,
            {"numeric": (0.1, 0.25)},
            scale=0.5,
        ),
        "js": DriftMetric(
            "js",
            "js",
            "Jensen-Shannon",
            _ALL_KINDS,
            {"categorical": (0.1, 0.2), "boolean": (0.1, 0.2)},
            scale=0.4,
        ),
        "kl": DriftMetric("kl", "kl", "KL divergence (smoothed)", _ALL_KINDS, scale=0.5),
        "wasserstein": DriftMetric(
            "wasserstein",
            "wasserstein",
            "Wasserstein (normed)",
            _NUMERIC,
            {"numeric": (0.1, 0.25)},
            scale=0.5,
        ),
        "ks": DriftMetric("ks", "statistic", "KS statistic D", _NUMERIC, scale=0.5),
    }
)
#: Drift metric names in catalogue order.
DRIFT_METRIC_NAMES = tuple(DRIFT_METRICS)
PSI, PSI_TAILS, JS, KL, WASSERSTEIN, KS = DRIFT_METRIC_NAMES
#: Drift metric -> the feature kinds it applies to.
METRIC_KINDS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {m.name: m.kinds for m in DRIFT_METRICS.values()}
)
#: Drift metric -> the drift table column holding its value.
METRIC_COLUMNS: Mapping[str, str] = MappingProxyType(
    {m.name: m.column for m in DRIFT_METRICS.values()}
)


# ------------------------------------------------------------------ drift gates
@dataclass(frozen=True)
class DriftGate:
    """The default rule's p-value gate for numeric features, and the effect metrics with it.

    Attributes
    ----------
    name : str
        The name configs and ``gate=`` arguments use.
    tests : tuple of str
        The p-value columns combined into ``p_value`` for a numeric feature (one column:
        used as it is; several: their Bonferroni combination). Categorical and boolean
        features always use chi-squared.
    numeric_metrics : tuple of str
        The effect metrics of the numeric default rule (with their catalogue thresholds).
    label : str
        What people read.
    """

    name: str
    tests: tuple[str, ...]
    numeric_metrics: tuple[str, ...]
    label: str


#: The p-value column of each component test of a numeric feature: KS, and chi-squared on
#: the tail-refined bins.
P_KS, P_TAILS = "p_ks", "p_tails"
#: The gates, by name. ``'ks'`` is the rule of configs of schema version 1 (KS alone; PSI on
#: deciles and normed Wasserstein); ``'ks_tails'`` (the default) adds a chi-squared test
#: on tail-refined bins, combined with KS by the Bonferroni combination, and PSI on those bins.
DRIFT_GATES: Mapping[str, DriftGate] = MappingProxyType(
    {
        "ks": DriftGate("ks", (P_KS,), (PSI, WASSERSTEIN), "KS"),
        "ks_tails": DriftGate(
            "ks_tails",
            (P_KS, P_TAILS),
            (PSI, PSI_TAILS, WASSERSTEIN),
            "KS and tail-refined chi-squared (Bonferroni combination)",
        ),
    }
)
GATE_KS, GATE_KS_TAILS = tuple(DRIFT_GATES)
#: The gate of new tables, views and configs.
DEFAULT_GATE = GATE_KS_TAILS


def gate_thresholds(gate: str = DEFAULT_GATE) -> Mapping[str, Mapping[str, tuple[float, float]]]:
    """Feature kind -> {metric: (warning, critical)}: the default rule of each kind.

    Examples
    --------
    >>> dict(gate_thresholds("ks")["numeric"])
    {'psi': (0.1, 0.25), 'wasserstein': (0.1, 0.25)}
    >>> list(gate_thresholds()["numeric"])
    ['psi', 'psi_tails', 'wasserstein']
    """
    used = DRIFT_GATES[gate].numeric_metrics
    return MappingProxyType(
        {
            kind: MappingProxyType(
                {
                    m.name: m.defaults[kind]
                    for m in DRIFT_METRICS.values()
                    if kind in m.defaults and (kind != FEATURE_KINDS[0] or m.name in used)
                }
            )
            for kind in FEATURE_KINDS
        }
    )


#: Feature kind -> {metric: (warning, critical)}: the default rule of the default gate.
DEFAULT_THRESHOLDS: Mapping[str, Mapping[str, tuple[float, float]]] = gate_thresholds()
#: The p-value shown on a -log10 scale (a view of the test, not an effect metric).
NEGLOG10P = "neglog10p"
#: Top of the -log10 p colour scale (p = 1e-20).
NEGLOG10P_SCALE = 20.0
#: What a heatmap can colour its cells by: the severity, an effect metric or the p-value.
COLOUR_BY = ("severity", "psi", "psi_tails", "js", "wasserstein", NEGLOG10P)


# ------------------------------------------------------------------ performance metrics
@dataclass(frozen=True)
class PerformanceMetric:
    """One performance metric of :func:`performance_over_time`.

    Attributes
    ----------
    name, label : str
        The name configs use and what people read.
    tasks : tuple of str
        Tasks it is computed for.
    side : {'lower', 'upper', 'both'}
        Which deviation is bad (the side whose limits alert by default).
    needs_labels : bool
        Computed only from labelled rows (pending until labels arrive).
    needs_scores : bool
        Needs probabilities (``score``), not only the predicted classes.
    unit : str
        Unit of its values (empty for shares and scores).
    low, high : float
        The range its values can take.
    """

    name: str
    label: str
    tasks: tuple[str, ...]
    side: str
    needs_labels: bool = False
    needs_scores: bool = False
    unit: str = ""
    low: float = 0.0
    high: float = 1.0


ACCURACY = "accuracy"
PRECISION = "precision"
RECALL = "recall"
F1 = "f1"
ROC_AUC = "roc_auc"
LOG_LOSS = "log_loss"
CALIBRATION_ERROR = "calibration_error"
POSITIVE_RATE = "positive_rate"
MEAN_SCORE = "mean_score"
CONFIDENCE = "confidence"
MAE = "mae"
RMSE = "rmse"
BIAS = "bias"
MEAN_PREDICTION = "mean_prediction"
#: The share of rows without a usable prediction.
MISSING_PREDICTION = "missing_prediction"
#: The metric counting a window's rows.
ROW_COUNT = "rows"
LATENCY_P50 = "latency_p50"
LATENCY_P95 = "latency_p95"
LATENCY_P99 = "latency_p99"

_C, _R, _B = (CLASSIFICATION,), (REGRESSION,), TASKS
_INF = math.inf


def _metric(name: str, label: str, tasks: tuple[str, ...], side: str, **kw: Any) -> tuple:
    return name, PerformanceMetric(name, label, tasks, side, **kw)


_LABELS = {"needs_labels": True}
_SCORES = {"needs_labels": True, "needs_scores": True}
#: The performance metrics, by name, in the order performance_over_time reports them.
PERFORMANCE_METRICS: Mapping[str, PerformanceMetric] = MappingProxyType(
    dict(
        [
            _metric(ACCURACY, ACCURACY, _C, LOWER, **_LABELS),
            _metric(PRECISION, PRECISION, _C, LOWER, **_LABELS),
            _metric(RECALL, RECALL, _C, LOWER, **_LABELS),
            _metric(F1, "F1", _C, LOWER, **_LABELS),
            _metric(ROC_AUC, "ROC AUC", _C, LOWER, **_SCORES),
            _metric(LOG_LOSS, "log loss", _C, UPPER, **_SCORES, high=_INF),
            _metric(CALIBRATION_ERROR, "calibration error", _C, UPPER, **_SCORES),
            _metric(POSITIVE_RATE, "positive rate", _C, BOTH),
            _metric(MEAN_SCORE, "mean score", _C, BOTH, needs_scores=True),
            _metric(CONFIDENCE, CONFIDENCE, _C, BOTH, needs_scores=True, low=0.5),
            _metric(MAE, "MAE", _R, UPPER, **_LABELS, high=_INF),
            _metric(RMSE, "RMSE", _R, UPPER, **_LABELS, high=_INF),
            _metric(BIAS, BIAS, _R, BOTH, **_LABELS, low=-_INF, high=_INF),
            _metric(MEAN_PREDICTION, "mean prediction", _R, BOTH, low=-_INF, high=_INF),
            _metric(MISSING_PREDICTION, "missing predictions", _B, UPPER),
            _metric(ROW_COUNT, "rows", _B, BOTH, high=_INF),
            _metric(LATENCY_P50, "latency p50", _B, UPPER, unit="ms", high=_INF),
            _metric(LATENCY_P95, "latency p95", _B, UPPER, unit="ms", high=_INF),
            _metric(LATENCY_P99, "latency p99", _B, UPPER, unit="ms", high=_INF),
        ]
    )
)
#: Latency percentiles (they need a latency column and alert in the latency domain).
LATENCY_METRICS = (LATENCY_P50, LATENCY_P95, LATENCY_P99)
#: The latency percentiles, as numbers.
LATENCY_PERCENTILES = tuple(int(m.rpartition("_p")[2]) for m in LATENCY_METRICS)
#: Metrics that need labels.
LABELLED = frozenset(m.name for m in PERFORMANCE_METRICS.values() if m.needs_labels)
#: Classification metrics that need probabilities (``score``), not only classes.
SCORE_METRICS = tuple(
    m.name for m in PERFORMANCE_METRICS.values() if m.needs_scores and m.tasks == _C
)


# ------------------------------------------------------------------ shadow comparisons
BRIER = "brier"
AGREEMENT = "agreement"
SCORE_KS = "score_ks"
MEMORY_P50 = "memory_p50"
MEMORY_P95 = "memory_p95"
MEMORY_P99 = "memory_p99"
#: Resource use per model (a latency and, optionally, a memory column per model).
MEMORY_METRICS = (MEMORY_P50, MEMORY_P95, MEMORY_P99)
#: Shadow-comparison metrics that are not performance metrics, by name.
_SHADOW_ONLY: Mapping[str, PerformanceMetric] = MappingProxyType(
    dict(
        [
            _metric(BRIER, "Brier score", _C, UPPER, **_SCORES),
            _metric(AGREEMENT, "agreement", _B, BOTH),
            _metric(SCORE_KS, "KS of the scores", _B, BOTH, needs_scores=True),
            _metric(MEMORY_P50, "memory p50", _B, UPPER, unit="MB", high=_INF),
            _metric(MEMORY_P95, "memory p95", _B, UPPER, unit="MB", high=_INF),
            _metric(MEMORY_P99, "memory p99", _B, UPPER, unit="MB", high=_INF),
        ]
    )
)
#: What compare_models reports, in report order: labelled metrics (paired tests), then
#: label-free ones, then resource use. ``side`` is the bad side of the shadow-minus-live
#: difference (``'lower'``: lower is worse, as for ROC AUC).
SHADOW_METRICS: Mapping[str, PerformanceMetric] = MappingProxyType(
    {
        name: {**PERFORMANCE_METRICS, **_SHADOW_ONLY}[name]
        for name in (
            ACCURACY,
            ROC_AUC,
            LOG_LOSS,
            BRIER,
            CALIBRATION_ERROR,
            MAE,
            RMSE,
            AGREEMENT,
            POSITIVE_RATE,
            MEAN_SCORE,
            SCORE_KS,
            *LATENCY_METRICS,
            *MEMORY_METRICS,
        )
    }
)
#: Metrics of the pair, not of each model: ``difference`` holds the statistic itself
#: (the share of rows where both decide alike; the KS distance between the two scores).
PAIR_METRICS = (AGREEMENT, SCORE_KS)
#: Resource metrics (p50/p95/p99 per model, differences in the column's unit).
RESOURCE_METRICS = (*LATENCY_METRICS, *MEMORY_METRICS)
#: Metrics a promotion gate can put a margin on (resources have budgets instead).
GATE_METRICS = tuple(m for m in SHADOW_METRICS if m not in (*PAIR_METRICS, *RESOURCE_METRICS))

#: What a promotion gate decides.
DECISIONS = ("promote", "hold", "reject")
PROMOTE, HOLD, REJECT = DECISIONS
DECISION_LABELS: Mapping[str, str] = MappingProxyType(
    {PROMOTE: "promote", HOLD: "hold: not enough evidence yet", REJECT: "reject"}
)
#: Colour of each decision (the severity palette's: ok, warning, critical).
DECISION_COLOURS: Mapping[str, str] = MappingProxyType(
    {
        PROMOTE: SEVERITY_COLOURS[OK],
        HOLD: SEVERITY_COLOURS[WARNING],
        REJECT: SEVERITY_COLOURS[CRITICAL],
    }
)
#: What the gate found for one metric in one segment (the forest plot's marks).
FINDINGS = ("superior", "non_inferior", "undecided", "worse", "inferior")
SUPERIOR, NON_INFERIOR, UNDECIDED, WORSE, INFERIOR = FINDINGS
FINDING_LABELS: Mapping[str, str] = MappingProxyType(
    {
        SUPERIOR: "better (interval above zero)",
        NON_INFERIOR: "not worse than the margin",
        UNDECIDED: "not decided yet",
        WORSE: "significantly worse, within the margin",
        INFERIOR: "worse than the margin",
    }
)
#: Colour of each finding (the severity palette's: better or not worse is ok).
FINDING_COLOURS: Mapping[str, str] = MappingProxyType(
    {
        SUPERIOR: SEVERITY_COLOURS[OK],
        NON_INFERIOR: SEVERITY_COLOURS[OK],
        UNDECIDED: SEVERITY_COLOURS[INSUFFICIENT_DATA],
        WORSE: SEVERITY_COLOURS[WARNING],
        INFERIOR: SEVERITY_COLOURS[CRITICAL],
    }
)


def task_metrics(task: str) -> tuple[str, ...]:
    """Every metric of a task, in report order.

    Examples
    --------
    >>> task_metrics("regression")[:3]
    ('mae', 'rmse', 'bias')
    """
    return tuple(m.name for m in PERFORMANCE_METRICS.values() if task in m.tasks)


def labelled_metrics(task: str) -> tuple[str, ...]:
    """The metrics of a task that need labels, in report order."""
    return tuple(m for m in task_metrics(task) if m in LABELLED)


def bad_side(metric: str) -> str:
    """Which side of ``metric`` is bad: ``'lower'``, ``'upper'`` or ``'both'``."""
    known = PERFORMANCE_METRICS.get(metric)
    return known.side if known is not None else BOTH


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def vocabulary() -> dict[str, Any]:
    """The vocabulary as plain JSON data, for the front ends.

    Examples
    --------
    >>> words = vocabulary()
    >>> words["severities"][:3], words["severity_colours"]["critical"]
    (['ok', 'warning', 'critical'], '#BB5566')
    """
    return _plain(
        {
            "severities": SEVERITIES,
            "alert_levels": ALERT_LEVELS,
            "severity_labels": SEVERITY_LABELS,
            "severity_colours": SEVERITY_COLOURS,
            "statuses": WINDOW_STATUSES,
            "status_labels": STATUS_LABELS,
            "corrections": CORRECTIONS,
            "sides": SIDES,
            "limit_names": LIMIT_NAMES,
            "colour_by": COLOUR_BY,
            "drift_metrics": {
                m.name: {
                    "column": m.column,
                    "label": m.label,
                    "kinds": m.kinds,
                    "defaults": m.defaults,
                    "scale": m.scale,
                }
                for m in DRIFT_METRICS.values()
            },
            "gates": {g.name: {"label": g.label, "tests": g.tests} for g in DRIFT_GATES.values()},
            "default_gate": DEFAULT_GATE,
            "neglog10p": {"name": NEGLOG10P, "label": "-log10 p", "scale": NEGLOG10P_SCALE},
            "rule_off": OFF,
            "insufficient": INSUFFICIENT_DATA,
            "pending": PENDING,
            "side_labels": dict(zip(SIDES, SIDE_LABELS, strict=True)),
            "decisions": DECISIONS,
            "decision_labels": DECISION_LABELS,
            "decision_colours": DECISION_COLOURS,
            "findings": FINDINGS,
            "finding_labels": FINDING_LABELS,
            "finding_colours": FINDING_COLOURS,
            "pair_metrics": PAIR_METRICS,
            "shadow_metrics": {
                m.name: {"label": m.label, "side": m.side, "unit": m.unit}
                for m in SHADOW_METRICS.values()
            },
            "performance_metrics": {
                m.name: {
                    "label": m.label,
                    "side": m.side,
                    "needs_labels": m.needs_labels,
                    "unit": m.unit,
                }
                for m in PERFORMANCE_METRICS.values()
            },
        }
    )
