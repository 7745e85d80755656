"""The ``performance`` section of a monitoring config: control-limit rules on model metrics.

A :class:`PerformanceRules` names the columns :func:`~mlmon_widgets.engine.performance_over_time`
reads (label, score or prediction, latency), its settings, and one
:class:`~mlmon_widgets.engine.LimitRule` per metric: the rule a control chart in the notebook
exports, evaluated unchanged by ``mlmon check``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..engine import (
    ALERT_LEVELS,
    CLASSIFICATION,
    LABELLED,
    LATENCY_METRICS,
    POSITIVE_RATE,
    REGRESSION,
    ROW_COUNT,
    SCORE_METRICS,
    SIDES,
    TASKS,
    LimitRule,
    task_metrics,
)
from ._checks import (
    check_int,
    check_iso_stamp,
    check_keys,
    check_list,
    check_mapping,
    check_number,
    check_option,
    check_string,
)
from ._errors import ConfigError, PathPart, nested
from ._window import WindowSpec

#: Metrics with a rule per task, as :func:`~mlmon_widgets.engine.performance_over_time` names them.
PERFORMANCE_METRICS = {task: task_metrics(task) for task in TASKS}
_RULE_KEYS = ("side", *ALERT_LEVELS, "seasonal", "origin", "relative")
_FIELD = re.compile(r"(?P<name>[a-z_]+(\.[a-z_]+)?(\[\d+\])?) (?P<reason>(must|needs) .*)", re.S)


def _path(name: str) -> tuple[PathPart, ...]:
    """``'relative.lag'`` -> ``('relative', 'lag')``, ``'seasonal[3]'`` -> ``('seasonal', 3)``."""
    parts: list[PathPart] = []
    for part in name.split("."):
        key, _, index = part.partition("[")
        parts.append(key)
        if index:
            parts.append(int(index.rstrip("]")))
    return tuple(parts)


def _wrapped(err: Exception) -> ConfigError:
    """A LimitRule refusal (``'sigma must be ...'``) as a ConfigError at that field."""
    text = str(err)
    match = _FIELD.fullmatch(text)
    if match is None:
        return ConfigError(text)
    return ConfigError(match["reason"], _path(match["name"]))


def limit_rule(value: Any) -> LimitRule:
    """Read and validate one rule (:meth:`LimitRule.to_dict` output, or a LimitRule)."""
    if isinstance(value, LimitRule):
        data = value.to_dict()
    else:
        data = dict(check_keys(value, required=("centre", "sigma"), optional=_RULE_KEYS))
    for name in ("centre", "sigma", *ALERT_LEVELS):
        if name in data:
            with nested(name):
                check_number(data[name])
    if "side" in data:
        with nested("side"):
            check_option(data["side"], SIDES)
    if "seasonal" in data:
        with nested("seasonal"):
            seasonal = check_list(data["seasonal"])
            for i, offset in enumerate(seasonal):
                with nested(i):
                    check_number(offset)
        data["seasonal"] = seasonal
    if data.get("origin") is not None:
        with nested("origin"):
            check_iso_stamp(data["origin"])
    if data.get("relative") is not None:
        with nested("relative"):
            relative = dict(check_keys(data["relative"], required=("lag", *ALERT_LEVELS)))
            with nested("lag"):
                relative["lag"] = check_int(relative["lag"], minimum=1)
            for name in ALERT_LEVELS:
                with nested(name):
                    check_number(relative[name])
        data["relative"] = relative
    try:
        return LimitRule.from_dict(data)
    except (TypeError, ValueError) as err:
        raise _wrapped(err) from None


def _column(value: Any) -> str | None:
    if value is not None:
        check_string(value, nonempty=True)
    return value


@dataclass(frozen=True)
class PerformanceRules:
    """Performance and latency alerts: which columns to read and a rule per metric.

    The metrics are those of :func:`~mlmon_widgets.engine.performance_over_time`, computed
    on the config's windows with these settings; each rule is a
    :class:`~mlmon_widgets.engine.LimitRule` (centre and sigma of the metric per window,
    the bad side, warning and critical limits in sigma, optional seasonal profile and
    relative check), judged by :func:`~mlmon_widgets.engine.judge_limits`.

    Parameters
    ----------
    label : str
        The label (ground truth) column; a batch may lack it (labels not arrived yet): then
        only the metrics that need no label are judged.
    task : {'classification', 'regression'}, default 'classification'
    score : str, optional
        Predicted probability of the positive class (classification) or the predicted value
        (regression, required).
    prediction : str, optional
        Predicted class (classification only); give ``score``, ``prediction`` or both.
    threshold : float, default 0.5
        Decision threshold on ``score``, in [0, 1).
    latency : str, optional
        Latency column, needed by rules on ``latency_p50``, ``latency_p95``, ``latency_p99``.
    min_coverage : float, default 0.8
        Label coverage below which a window's labelled metrics are pending (never alert).
    min_rows : int, default 50
        Windows with fewer labelled rows are not judged on the metrics that need labels.
    rules : dict, default {}
        Metric name -> :class:`~mlmon_widgets.engine.LimitRule` or its ``to_dict()``.

    Examples
    --------
    >>> section = PerformanceRules.from_dict({
    ...     "label": "defaulted", "score": "score", "latency": "latency_ms",
    ...     "rules": {"accuracy": {"centre": 0.91, "sigma": 0.012, "side": "lower"}},
    ... })
    >>> section.rules["accuracy"].limits()["lower_critical"]
    0.874
    >>> try:
    ...     PerformanceRules.from_dict({"label": "y", "score": "p", "rules": {"auc": {}}})
    ... except ConfigError as err:
    ...     print(err)
    rules.auc: is not a metric of a classification model; use one of accuracy, precision,
    recall, f1, roc_auc, log_loss, calibration_error, positive_rate, mean_score, ...
    """

    label: str
    task: str = CLASSIFICATION
    score: str | None = None
    prediction: str | None = None
    threshold: float = 0.5
    latency: str | None = None
    min_coverage: float = 0.8
    min_rows: int = 50
    rules: dict[str, LimitRule] = field(default_factory=dict)

    __hash__ = None  # type: ignore[assignment]  # holds a dict

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        with nested("task"):
            check_option(self.task, TASKS)
        with nested("label"):
            check_string(self.label, nonempty=True)
        for name in ("score", "prediction", "latency"):
            with nested(name):
                _column(getattr(self, name))
        if self.task == REGRESSION:
            if self.score is None:
                raise ConfigError("is required for regression (the predicted values)", ("score",))
            if self.prediction is not None:
                raise ConfigError(
                    "is the predicted class of a classifier; for regression give score only",
                    ("prediction",),
                )
        elif self.score is None and self.prediction is None:
            raise ConfigError(
                "give score (probabilities), prediction (classes) or both", ("score",)
            )
        with nested("threshold"):
            set_(
                self,
                "threshold",
                check_number(self.threshold, minimum=0, maximum=1, exclusive_maximum=True),
            )
        with nested("min_coverage"):
            set_(self, "min_coverage", check_number(self.min_coverage, minimum=0, maximum=1))
        with nested("min_rows"):
            set_(self, "min_rows", check_int(self.min_rows, minimum=1))
        self._check_rules()

    def _check_rules(self) -> None:
        known = PERFORMANCE_METRICS[self.task]
        rules = {}
        with nested("rules"):
            given = check_mapping(self.rules)
            for metric, value in given.items():
                with nested(metric):
                    if metric not in known:
                        raise ConfigError(
                            f"is not a metric of a {self.task} model; use one of "
                            + ", ".join(known)
                        )
                    if metric in LATENCY_METRICS and self.latency is None:
                        raise ConfigError(
                            "needs the latency column: set performance.latency (e.g. latency_ms)"
                        )
                    if (
                        metric in SCORE_METRICS
                        and self.task == CLASSIFICATION
                        and self.score is None
                    ):
                        raise ConfigError(
                            "needs probabilities: set performance.score (classes in "
                            "performance.prediction are not enough)"
                        )
                    rules[metric] = limit_rule(value)
        object.__setattr__(self, "rules", rules)

    def check_windows(self, window: WindowSpec) -> None:
        """Refuse rules the config's windows cannot judge (seasonal or ``rows`` on row windows)."""
        for metric, rule in self.rules.items():
            path: tuple[PathPart, ...] = ("rules", metric)
            if window.rows is not None:
                if metric == ROW_COUNT:
                    raise ConfigError(
                        "cannot be judged on row windows (every window has the same rows); "
                        "use time windows (window:)",
                        path,
                    )
                if rule.seasonal:
                    raise ConfigError(
                        "needs time windows (window:), not row windows: the phase of a "
                        "window comes from its start",
                        (*path, "seasonal"),
                    )
            elif rule.seasonal and rule.origin is None:
                raise ConfigError(
                    "is required with seasonal: the start of a window of phase 0, such as "
                    "'2024-04-01T00:00:00'",
                    (*path, "origin"),
                )

    # -- what a metric reads ------------------------------------------------------------

    def predictions(self) -> tuple[str, ...]:
        """The configured prediction columns (score and/or prediction)."""
        return tuple(c for c in (self.score, self.prediction) if c is not None)

    def columns(self) -> tuple[str, ...]:
        """Every configured column: label, score, prediction, latency (those given)."""
        return (self.label, *self.predictions(), *((self.latency,) if self.latency else ()))

    def needs(self, metric: str) -> tuple[str, ...]:
        """Columns ``metric`` is computed from: without one of them it is not judged."""
        if metric in LATENCY_METRICS:
            return (self.latency,) if self.latency else ()
        if metric == ROW_COUNT:
            return ()
        read = self.predictions()
        if metric in SCORE_METRICS and self.score is not None:
            read = (self.score,)  # probabilities only: no need of the predicted classes
        return (self.label, *read) if metric in LABELLED else read

    def source(self, metric: str) -> str | None:
        """The column an alert on ``metric`` is reported for (None for ``rows``)."""
        if metric in LATENCY_METRICS:
            return self.latency
        if metric == ROW_COUNT:
            return None
        if metric in LABELLED:
            return self.label
        if metric == POSITIVE_RATE and self.prediction is not None:
            return self.prediction
        return self.score if self.score is not None else self.prediction

    # -- plain data ---------------------------------------------------------------------

    @classmethod
    def from_spec(cls, spec: Any, rules: dict[str, Any]) -> PerformanceRules:
        """The section of a :class:`~mlmon_widgets.engine.PerformanceSpec` and its rules.

        What a control chart in the notebook exports: the columns and settings it computed
        the metrics with, and a limit rule per metric.
        """
        fields = ("label", "task", "score", "prediction", "threshold", "latency")
        given = {name: getattr(spec, name) for name in fields}
        given.update(min_coverage=float(spec.min_coverage), min_rows=int(spec.min_rows))
        return cls(**given, rules=dict(rules))

    @classmethod
    def from_dict(cls, data: Any) -> PerformanceRules:
        """Read :meth:`to_dict` output (or a hand-written section)."""
        given = check_keys(
            data,
            required=("label",),
            optional=(
                "task",
                "score",
                "prediction",
                "threshold",
                "latency",
                "min_coverage",
                "min_rows",
                "rules",
            ),
        )
        return cls(**given)

    def to_dict(self) -> dict[str, Any]:
        """Plain data (every key, ``None`` for a column not given)."""
        return {
            "task": self.task,
            "label": self.label,
            "score": self.score,
            "prediction": self.prediction,
            "threshold": self.threshold,
            "latency": self.latency,
            "min_coverage": self.min_coverage,
            "min_rows": self.min_rows,
            "rules": {metric: rule.to_dict() for metric, rule in self.rules.items()},
        }

    def arguments(self) -> dict[str, Any]:
        """Keyword arguments of :func:`~mlmon_widgets.engine.performance_over_time`."""
        return {
            "label": self.label,
            "score": self.score,
            "prediction": self.prediction,
            "task": self.task,
            "threshold": self.threshold,
            "latency": self.latency,
            "min_coverage": self.min_coverage,
            "min_rows": self.min_rows,
        }


def rules_of(value: Any) -> PerformanceRules | None:
    """A section from a PerformanceRules, its :meth:`~PerformanceRules.to_dict` or None."""
    if value is None or isinstance(value, PerformanceRules):
        return value
    return PerformanceRules.from_dict(value)
