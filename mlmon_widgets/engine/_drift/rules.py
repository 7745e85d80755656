"""Per-feature drift rules: an effect metric with warning and critical thresholds, or off."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from .._validation import check_keys, check_mapping, check_names, check_option, check_real
from .._vocabulary import ALERT_LEVELS, DRIFT_METRIC_NAMES, METRIC_KINDS, OFF, WARNING

METRICS = DRIFT_METRIC_NAMES
_RULE_KEYS = ("metric", *ALERT_LEVELS)


@dataclass(frozen=True)
class Rule:
    """An effect-size rule for one feature: a metric with warning and critical thresholds.

    ``Rule.off()`` turns alerting off for the feature (its statistics are still computed).

    Parameters
    ----------
    metric : {'psi', 'js', 'kl', 'wasserstein', 'ks', 'off'}
        ``wasserstein`` is the normed Wasserstein distance; ``ks`` the KS statistic D.
    warning, critical : float
        Non-negative, ``warning <= critical``; a value at or above a threshold reaches it.

    Examples
    --------
    >>> Rule("psi", warning=0.2, critical=0.4)
    Rule(metric='psi', warning=0.2, critical=0.4)
    >>> Rule.off().is_off
    True
    """

    metric: str
    warning: float | None = None
    critical: float | None = None

    def __post_init__(self) -> None:
        if self.metric == OFF:
            if self.warning is not None or self.critical is not None:
                raise ValueError(f"a rule that is {OFF!r} takes no thresholds")
            return
        check_option("metric", self.metric, (*METRICS, OFF))
        for name in ALERT_LEVELS:
            object.__setattr__(self, name, check_real(name, getattr(self, name), low=0))
        if self.warning > self.critical:  # type: ignore[operator]
            raise ValueError(f"warning ({self.warning}) must not exceed critical ({self.critical})")

    @classmethod
    def off(cls) -> Rule:
        """A rule that never alerts."""
        return cls(OFF)

    @property
    def is_off(self) -> bool:
        """True for :meth:`off` rules."""
        return self.metric == OFF

    def to_dict(self) -> dict[str, Any]:
        """Plain data: ``{'metric', 'warning', 'critical'}``, or ``{'metric': 'off'}``."""
        if self.is_off:
            return {"metric": OFF}
        return {"metric": self.metric, **{level: getattr(self, level) for level in ALERT_LEVELS}}

    def levels(self) -> tuple[float, float]:
        """(warning, critical) of a rule that is not off."""
        return (self.warning, self.critical)  # type: ignore[return-value]


RuleLike = Rule | Mapping[str, Any] | str


def as_rule(feature: str, value: RuleLike) -> Rule:
    """Read one rule given as a :class:`Rule`, a dict or the string ``'off'``."""
    name = f"thresholds[{feature!r}]"
    if isinstance(value, Rule):
        return value
    if value == OFF:
        return Rule.off()
    if isinstance(value, Mapping):
        given = check_keys(name, value, required=("metric",), optional=ALERT_LEVELS)
        try:
            return Rule(**given)
        except (TypeError, ValueError) as err:
            raise type(err)(f"{name}: {err}") from None
    raise TypeError(
        f"{name} must be a Rule, a dict with metric/warning/critical, or {OFF!r}; got {value!r}"
    )


def rules_from_table(table: pd.DataFrame) -> dict[str, Rule]:
    """Rules of a table shaped like :func:`suggest_thresholds`' (index: feature)."""
    missing = [c for c in _RULE_KEYS if c not in table.columns]
    if missing:
        raise ValueError(
            f"thresholds given as a table needs the columns {list(_RULE_KEYS)} (as "
            f"suggest_thresholds returns) and the features as its index; {missing} missing"
        )
    return {
        str(feature): Rule(str(row["metric"]), float(row[WARNING]), float(row[ALERT_LEVELS[1]]))
        for feature, row in table.iterrows()
    }


def resolve_rules(thresholds: Any, kinds: Mapping[str, str]) -> dict[str, Rule]:
    """Validate user rules against the features and their kinds.

    ``thresholds`` is a dict feature -> rule (a :class:`Rule`, its dict or ``'off'``), or
    the table :func:`suggest_thresholds` returns.
    """
    if isinstance(thresholds, pd.DataFrame):
        thresholds = rules_from_table(thresholds)
    given = check_mapping("thresholds", thresholds)
    check_names("thresholds", given, kinds)
    rules: dict[str, Rule] = {}
    for feature, value in given.items():
        rule = as_rule(feature, value)
        if not rule.is_off and kinds[feature] not in METRIC_KINDS[rule.metric]:
            allowed = [m for m, ks in METRIC_KINDS.items() if kinds[feature] in ks]
            raise ValueError(
                f"thresholds[{feature!r}]: metric {rule.metric!r} does not apply to "
                f"{kinds[feature]} feature {feature!r}; use one of {allowed}"
            )
        rules[feature] = rule
    return rules
