"""Drift rules read from a config: one feature's rule, and a rules mapping for a baseline."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..engine import ALERT_LEVELS, METRIC_KINDS, OFF, Rule
from ._checks import check_keys, check_mapping, check_number, check_option
from ._errors import ConfigError, nested


def _rule(value: Any, kind: str) -> Rule:
    if isinstance(value, Rule):
        rule = value
    elif value == OFF:
        rule = Rule.off()
    elif value is False:
        raise ConfigError(
            "must be a rule or 'off'; got false (YAML reads a bare off as false: write 'off')"
        )
    else:
        given = check_keys(value, required=("metric",), optional=ALERT_LEVELS)
        with nested("metric"):
            metric = check_option(given["metric"], (*METRIC_KINDS, OFF))
        if metric == OFF:
            check_keys(given, required=("metric",))
            rule = Rule.off()
        else:
            check_keys(given, required=("metric", *ALERT_LEVELS))
            levels = {}
            for name in ALERT_LEVELS:
                with nested(name):
                    levels[name] = check_number(given[name], minimum=0)
            warning, critical = (levels[name] for name in ALERT_LEVELS)
            if warning > critical:
                raise ConfigError(
                    f"must be >= warning ({warning:g}); got {critical:g}", (ALERT_LEVELS[1],)
                )
            rule = Rule(metric, **levels)
    if not rule.is_off and kind not in METRIC_KINDS[rule.metric]:
        allowed = ", ".join(m for m, kinds in METRIC_KINDS.items() if kind in kinds)
        raise ConfigError(
            f"does not apply to a {kind} feature; use one of {allowed} (or 'off')", ("metric",)
        )
    return rule


def check_rules(given: Any, baseline: Mapping[str, Any]) -> dict[str, Rule]:
    """Feature -> Rule for the features of ``baseline`` (a ``Baseline.to_dict()``)."""
    features = baseline["features"]
    rules = {}
    for feature, value in check_mapping(given).items():
        with nested(feature):
            if feature not in features:
                shown = ", ".join(list(features)[:20]) or "none"
                raise ConfigError(f"is not a feature of the baseline (its features: {shown})")
            rules[feature] = _rule(value, features[feature]["kind"])
    return rules
