"""Per-feature drift rules and the default effect-size thresholds (DESIGN.md, Severity)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ._validation import check_mapping, check_names

#: Effect metrics a rule can use, with the feature kinds they apply to.
METRIC_KINDS: dict[str, tuple[str, ...]] = {
    "psi": ("numeric", "categorical", "boolean"),
    "js": ("numeric", "categorical", "boolean"),
    "kl": ("numeric", "categorical", "boolean"),
    "wasserstein": ("numeric",),
    "ks": ("numeric",),
}
METRICS = tuple(METRIC_KINDS)


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
        if self.metric == "off":
            if self.warning is not None or self.critical is not None:
                raise ValueError("an 'off' rule takes no thresholds")
            return
        if self.metric not in METRIC_KINDS:
            shown = ", ".join(repr(m) for m in (*METRICS, "off"))
            raise ValueError(f"metric must be one of: {{{shown}}}; got {self.metric!r}")
        for name in ("warning", "critical"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise TypeError(f"{name} must be a number; got {value!r}")
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"{name} must be a finite number >= 0; got {value!r}")
            object.__setattr__(self, name, float(value))
        if self.warning > self.critical:  # type: ignore[operator]
            raise ValueError(f"warning ({self.warning}) must not exceed critical ({self.critical})")

    @classmethod
    def off(cls) -> Rule:
        """A rule that never alerts."""
        return cls("off")

    @property
    def is_off(self) -> bool:
        """True for :meth:`off` rules."""
        return self.metric == "off"

    def to_dict(self) -> dict[str, Any]:
        """Plain data: ``{'metric': ..., 'warning': ..., 'critical': ...}`` or ``'off'``."""
        if self.is_off:
            return {"metric": "off"}
        return {"metric": self.metric, "warning": self.warning, "critical": self.critical}


RuleLike = Rule | Mapping[str, Any] | str

#: Default effect thresholds per feature kind: metric -> (warning, critical).
DEFAULT_THRESHOLDS: dict[str, dict[str, tuple[float, float]]] = {
    "numeric": {"psi": (0.1, 0.25), "wasserstein": (0.1, 0.25)},
    "categorical": {"psi": (0.1, 0.25), "js": (0.1, 0.2)},
    "boolean": {"psi": (0.1, 0.25), "js": (0.1, 0.2)},
}


def as_rule(feature: str, value: RuleLike) -> Rule:
    """Read one rule given as a :class:`Rule`, a dict or the string ``'off'``."""
    if isinstance(value, Rule):
        return value
    if value == "off":
        return Rule.off()
    if isinstance(value, Mapping):
        unknown = set(value) - {"metric", "warning", "critical"}
        if unknown:
            raise TypeError(
                f"thresholds[{feature!r}] has unknown key(s) {sorted(unknown)}; "
                "use 'metric', 'warning' and 'critical'"
            )
        try:
            return Rule(**value)
        except (TypeError, ValueError) as err:
            raise type(err)(f"thresholds[{feature!r}]: {err}") from None
    raise TypeError(
        f"thresholds[{feature!r}] must be a Rule, a dict with metric/warning/critical, "
        f"or 'off'; got {value!r}"
    )


def resolve_rules(
    thresholds: Mapping[str, RuleLike] | None, kinds: Mapping[str, str]
) -> dict[str, Rule]:
    """Validate user rules against the features and their kinds."""
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
