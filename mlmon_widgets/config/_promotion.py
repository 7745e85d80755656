"""The config's ``promotion`` section: a shadow model's columns and its promotion gate.

``mlmon check`` evaluates it with :func:`evaluate_promotion`: the engine's
:func:`~mlmon_widgets.engine.compare_models` on the batch (the config's windows) and
:func:`~mlmon_widgets.engine.promotion_verdict` with the stored gate, the two functions the
``ShadowComparison`` widget shows, so both give the same verdict and numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..engine import PromotionGate, Verdict, compare_models, promotion_verdict
from ._checks import check_keys, check_list, check_mapping, check_number, check_string
from ._errors import ConfigError, nested

_KEYS = ("live", "shadow", "label", "by", "latency", "memory", "threshold", "min_coverage", "gate")
_MODELS = ("live", "shadow")


def _pair(value: Any) -> dict[str, str] | None:
    if value is None:
        return None
    given = check_keys(value, required=_MODELS)
    out = {}
    for model in _MODELS:
        with nested(model):
            out[model] = check_string(given[model], nonempty=True)
    return out


@dataclass(frozen=True)
class PromotionRules:
    """Which columns hold the two models' outputs, and the gate that decides a promotion.

    Parameters
    ----------
    live, shadow : str
        Score columns of the live and the shadow model (the same rows).
    label : str, optional
        The label column (labelled metrics need it).
    by : list of str
        Segment columns the gate judges (each on its own).
    latency, memory : dict, optional
        ``{'live': column, 'shadow': column}``.
    threshold : float or dict, default 0.5
        Decision threshold(s), as in :func:`~mlmon_widgets.engine.compare_models`.
    min_coverage : float, default 0.8
    gate : PromotionGate or dict
    """

    live: str
    shadow: str
    label: str | None = None
    by: tuple[str, ...] = ()
    latency: Mapping[str, str] | None = None
    memory: Mapping[str, str] | None = None
    threshold: Any = 0.5
    min_coverage: float = 0.8
    gate: PromotionGate = field(default_factory=PromotionGate)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        for name in ("live", "shadow"):
            with nested(name):
                check_string(getattr(self, name), nonempty=True)
        if self.label is not None:
            with nested("label"):
                check_string(self.label, nonempty=True)
        with nested("by"):
            columns = check_list(list(self.by) if isinstance(self.by, tuple) else self.by)
            for i, column in enumerate(columns):
                with nested(i):
                    check_string(column, nonempty=True)
            set_(self, "by", tuple(columns))
        for name in ("latency", "memory"):
            with nested(name):
                set_(self, name, _pair(getattr(self, name)))
        with nested("threshold"):
            if isinstance(self.threshold, Mapping):
                given = check_keys(self.threshold, required=_MODELS)
                for model in _MODELS:
                    with nested(model):
                        check_number(given[model], minimum=0, maximum=1, exclusive_maximum=True)
                set_(self, "threshold", dict(given))
            else:
                set_(
                    self,
                    "threshold",
                    check_number(self.threshold, minimum=0, maximum=1, exclusive_maximum=True),
                )
        with nested("min_coverage"):
            set_(self, "min_coverage", check_number(self.min_coverage, minimum=0, maximum=1))
        with nested("gate"):
            gate = self.gate
            if not isinstance(gate, PromotionGate):
                try:
                    gate = PromotionGate.from_dict(check_mapping(gate))
                except (TypeError, ValueError) as err:
                    if isinstance(err, ConfigError):
                        raise
                    reason = str(err)
                    if reason.startswith("promotion"):
                        reason = reason.partition(" ")[2]
                    raise ConfigError(reason) from None
            set_(self, "gate", gate)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PromotionRules:
        return cls(**check_keys(data, required=_MODELS, optional=_KEYS))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"live": self.live, "shadow": self.shadow}
        if self.label is not None:
            out["label"] = self.label
        out["by"] = list(self.by)
        for name in ("latency", "memory"):
            if getattr(self, name) is not None:
                out[name] = dict(getattr(self, name))
        out["threshold"] = self.threshold
        out["min_coverage"] = self.min_coverage
        out["gate"] = self.gate.to_dict()
        return out

    def compare(
        self, data: pd.DataFrame, *, time: str | None, window: str | None, **options: Any
    ) -> pd.DataFrame:
        """:func:`~mlmon_widgets.engine.compare_models` of ``data`` with these columns."""
        return compare_models(
            data,
            live=self.live,
            shadow=self.shadow,
            label=self.label,
            time=time,
            window=window,
            by=list(self.by) or None,
            latency=self.latency,
            memory=self.memory,
            threshold=self.threshold,
            min_coverage=self.min_coverage,
            **options,
        )


def promotion_of(value: Any) -> PromotionRules | None:
    """The ``promotion`` section (None: no shadow model)."""
    if value is None or isinstance(value, PromotionRules):
        return value
    return PromotionRules.from_dict(check_mapping(value))


def evaluate_promotion(config: Any, data: pd.DataFrame, *, time: str | None = None) -> Verdict:
    """The promotion verdict of ``config``'s gate on ``data`` (a batch with both score columns).

    The comparison runs on the config's time windows (``window.time`` / ``window.window``;
    with row windows, on the whole batch), exactly as the widget runs it.
    """
    rules = config.promotion
    if rules is None:
        raise ValueError(
            "the config has no promotion section (export one from ShadowComparison.to_config)"
        )
    column = time or config.window.time
    window = config.window.window if config.window.window is not None else None
    if window is None:
        column = None
    table = rules.compare(data, time=column, window=window)
    return promotion_verdict(table, rules.gate)
