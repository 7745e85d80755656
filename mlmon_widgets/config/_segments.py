"""Monitored segments: a row filter with its own baseline, drift rules and minimum rows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..engine import OFF, Baseline, Condition, Rule, as_conditions, select_rows, slice_text
from ._baseline_check import check_baseline, plain_copy
from ._checks import check_int, check_keys, check_list, check_string
from ._errors import ConfigError, nested
from ._performance import PerformanceRules, rules_of
from ._rules import check_rules

_KEYS = ("name", "where", "baseline")
_OPTIONAL = ("rules", "min_rows", "route", "performance")


def _where(value: Any) -> tuple[Condition, ...]:
    items = check_list(list(value) if isinstance(value, tuple) else value)
    if not items:
        raise ConfigError("must name at least one condition ({column, op, value})")
    out = []
    for i, item in enumerate(items):
        with nested(i):
            if isinstance(item, Condition):
                out.append(item)
                continue
            given = check_keys(item, required=("column", "op"), optional=("value",))
            try:
                out.append(Condition.from_dict(given))
            except (TypeError, ValueError) as err:
                raise ConfigError(str(err)) from None
    return tuple(out)


@dataclass(frozen=True)
class SegmentRule:
    """One monitored segment, judged in ``evaluate`` exactly as the whole data is.

    Parameters
    ----------
    name : str
        How alerts name the segment (default: the filter as text, ``channel == 'partner'``).
    where : list of Condition (or their dicts)
        The row filter (all conditions hold).
    baseline : dict or Baseline
        The segment's own reference summary (fitted on the reference rows the filter keeps).
    rules : dict, optional
        Feature -> drift rule, as ``MonitoringConfig.rules`` (default thresholds elsewhere).
    min_rows : int, optional
        Windows of the segment with fewer rows are not judged (default: the config's).
    route : str, optional
        The route of the segment's alerts (default: the domain's route).
    performance : PerformanceRules or dict, optional
        The segment's own performance limits (a ``ControlChart(..., where=...)``'s
        :meth:`performance_section`), judged on its rows as the whole data's are.
    """

    name: str
    where: tuple[Condition, ...]
    baseline: dict[str, Any] = field(repr=False)
    rules: dict[str, Rule] = field(default_factory=dict)
    min_rows: int | None = None
    route: str | None = None
    performance: PerformanceRules | None = None

    __hash__ = None  # type: ignore[assignment]  # holds dicts

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        with nested("where"):
            set_(self, "where", _where(self.where))
        with nested("name"):
            set_(self, "name", check_string(self.name) or slice_text(self.where))
        with nested("baseline"):
            baseline = self.baseline
            if isinstance(baseline, Baseline):
                baseline = baseline.to_dict()
            set_(self, "baseline", plain_copy(check_baseline(baseline)))
        with nested("rules"):
            set_(self, "rules", check_rules(self.rules, self.baseline))
        if self.min_rows is not None:
            with nested("min_rows"):
                set_(self, "min_rows", check_int(self.min_rows, minimum=1))
        if self.route is not None:
            with nested("route"):
                check_string(self.route)
        with nested("performance"):
            set_(self, "performance", rules_of(self.performance))

    @classmethod
    def fit(
        cls,
        reference: pd.DataFrame,
        where: Any,
        *,
        roles: Mapping[str, str] | None = None,
        bins: int = 10,
        name: str = "",
        rules: Mapping[str, Any] | None = None,
        min_rows: int | None = None,
        route: str | None = None,
        performance: Any = None,
    ) -> SegmentRule:
        """The segment of ``reference`` that ``where`` keeps, with its own baseline.

        The filter's columns are constant inside the segment and are not monitored in it.

        Examples
        --------
        >>> ref = pd.DataFrame({"channel": ["partner", "branch"] * 100, "x": [1.5, 2.5] * 100})
        >>> rule = SegmentRule.fit(ref, {"channel": "partner"})
        >>> rule.name, list(rule.baseline["features"]), rule.baseline["n_rows"]
        ("channel == 'partner'", ['x'], 100)
        """
        where = as_conditions(where)
        rows = reference[select_rows(reference, where)]
        if len(rows) == 0:
            raise ValueError(f"no reference row is in the segment {slice_text(where)}")
        segment_roles = dict(roles or {})
        for condition in where:
            segment_roles[condition.column] = "ignore"
        baseline = Baseline.fit(rows, roles=segment_roles, bins=bins)
        return cls(
            name=name,
            where=where,
            baseline=baseline.to_dict(),
            rules=dict(rules or {}),
            min_rows=min_rows,
            route=route,
            performance=performance,
        )

    def baseline_object(self) -> Baseline:
        """The segment's baseline as a Baseline (sketch only)."""
        return Baseline.from_dict(self.baseline)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "where": [c.to_dict() for c in self.where],
            "rules": {f: OFF if r.is_off else r.to_dict() for f, r in self.rules.items()},
        }
        if self.min_rows is not None:
            out["min_rows"] = self.min_rows
        if self.route is not None:
            out["route"] = self.route
        if self.performance is not None:
            out["performance"] = self.performance.to_dict()
        out["baseline"] = plain_copy(self.baseline)
        return out

    @classmethod
    def from_dict(cls, data: Any) -> SegmentRule:
        given = check_keys(data, required=_KEYS, optional=_OPTIONAL)
        return cls(**given)


def segments_of(value: Any) -> tuple[SegmentRule, ...]:
    """The ``segments`` section: a list of SegmentRule (or dicts), names unique."""
    out = []
    for i, item in enumerate(check_list(list(value) if isinstance(value, tuple) else value)):
        with nested(i):
            out.append(item if isinstance(item, SegmentRule) else SegmentRule.from_dict(item))
    names = [s.name for s in out]
    for i, name in enumerate(names):
        if name in names[:i]:
            raise ConfigError(f"names the segment {name!r} twice; give each a name", (i, "name"))
    return tuple(out)
