"""PromotionGate and promotion_verdict: whether the shadow model should replace the live one."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from .._drift.seasonal import phase_codes, phase_count, phase_label, seasonality_name
from .._validation import (
    check_keys,
    check_list,
    check_mapping,
    check_positive_int,
    check_probability,
    check_real,
    check_string,
    fail,
)
from .._vocabulary import (
    GATE_METRICS,
    HOLD,
    INFERIOR,
    LATENCY_METRICS,
    LOG_LOSS,
    LOWER,
    MEMORY_METRICS,
    NON_INFERIOR,
    OK,
    PROMOTE,
    REJECT,
    ROC_AUC,
    SHADOW_METRICS,
    SUPERIOR,
    UNDECIDED,
    WORSE,
)
from .compare import ATTRS_KEY
from .intervals import intervals_at
from .paired import z_value

_METRIC_KEYS = ("margin", "relative", "superiority")
_GATE_KEYS = (
    "metrics",
    "segments",
    "critical_segments",
    "latency",
    "memory",
    "min_rows",
    "cycle",
    "confidence_level",
    "power",
)
_RESOURCE_BUDGETS = {
    "latency": {f"p{m.rpartition('_p')[2]}_increase_ms": m for m in LATENCY_METRICS},
    "memory": {f"p{m.rpartition('_p')[2]}_increase_mb": m for m in MEMORY_METRICS},
}
_INSTANCE = {"hour": "h", "weekday": "D", "monthday": "D", "month": "M", "weekday-hour": "h"}


@dataclass(frozen=True)
class MetricGate:
    """What one metric must show: not worse than ``margin``, or better if ``superiority``.

    ``margin`` is in the metric's unit, or a share of the live model's value with
    ``relative=True`` (0.02: 2 % of the live log loss). Which way is better comes from the
    metric (higher ROC AUC and accuracy, lower losses).

    Examples
    --------
    >>> MetricGate(margin=0.02, relative=True).to_dict()
    {'margin': 0.02, 'relative': True, 'superiority': False}
    """

    margin: float = 0.0
    relative: bool = False
    superiority: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "margin", check_real("margin", self.margin, low=0))
        for name in ("relative", "superiority"):
            if not isinstance(getattr(self, name), bool):
                fail(TypeError, name, f"must be true or false; got {getattr(self, name)!r}")

    def to_dict(self) -> dict[str, Any]:
        return {"margin": self.margin, "relative": self.relative, "superiority": self.superiority}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], name: str = "metric") -> MetricGate:
        values = check_keys(name, data, optional=_METRIC_KEYS)
        try:
            return cls(**values)
        except (TypeError, ValueError) as err:
            raise type(err)(f"{name}.{err}") from None

    def margin_for(self, live: float) -> float:
        """The absolute margin at the live model's value ``live``."""
        return self.margin * abs(live) if self.relative else self.margin


@dataclass(frozen=True)
class CycleRequirement:
    """The business cycle a comparison must cover: each phase of ``period``, ``min_seen`` times.

    ``period`` is an offset alias of a cycle (``'7D'`` or ``'W'``: every weekday; ``'D'``:
    every hour of the day; ``'MS'``: every day of the month), as a seasonal baseline's.
    """

    period: str = "7D"
    min_seen: int = 2

    def __post_init__(self) -> None:
        seasonality_name(check_string("cycle.period", self.period))
        object.__setattr__(self, "min_seen", check_positive_int("cycle.min_seen", self.min_seen))

    def to_dict(self) -> dict[str, Any]:
        return {"period": self.period, "min_seen": self.min_seen}


def _default_metrics() -> Mapping[str, MetricGate]:
    return MappingProxyType({ROC_AUC: MetricGate(0.01), LOG_LOSS: MetricGate(0.02, relative=True)})


@dataclass(frozen=True)
class PromotionGate:
    """When a shadow model may be promoted: margins, critical segments, budgets, horizon.

    The gate is judged on the whole period of a comparison (:func:`compare_models`),
    once its horizon is reached: at least ``min_rows`` rows (labelled rows for metrics that
    need labels) and the business ``cycle`` covered. It is a fixed-horizon design: until
    then the verdict is ``hold`` whatever the intervals say, so checking it every day is
    not optional stopping.

    Parameters
    ----------
    metrics : dict
        Metric -> :class:`MetricGate` (or its dict). Default: ROC AUC not worse by more
        than 0.01, log loss not worse by more than 2 %.
    segments : dict
        Per-segment overrides: ``{column: {value: {metric: MetricGate}}}``.
    critical_segments : dict
        ``{column: [values]}``: segments where the shadow must be shown not worse than the
        margin (a segment worse beyond it rejects). Other segments are reported, not
        required.
    latency, memory : dict
        Budgets for the paired increase of a percentile: ``{'p95_increase_ms': 20}``
        (``p50``/``p95``/``p99``; memory in ``_increase_mb``).
    min_rows : int, default 1000
    cycle : CycleRequirement, dict or None
        Default: every weekday seen at least twice (``{'period': '7D', 'min_seen': 2}``).
    confidence_level : float, default 0.95
        Family-wise level: each of the ``k`` judged intervals is at ``1 - (1 -
        confidence) / k`` (Bonferroni).
    power : float, default 0.8
        Power assumed when a ``hold`` says how many more rows would be needed.

    Examples
    --------
    >>> gate = PromotionGate.from_dict({"metrics": {"roc_auc": {"margin": 0.01}},
    ...                                 "critical_segments": {"region": ["west"]}})
    >>> gate.to_dict()["critical_segments"], gate.cycle
    ({'region': ['west']}, CycleRequirement(period='7D', min_seen=2))
    """

    metrics: Mapping[str, MetricGate] = field(default_factory=_default_metrics)
    segments: Mapping[str, Mapping[str, Mapping[str, MetricGate]]] = field(default_factory=dict)
    critical_segments: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    latency: Mapping[str, float] = field(default_factory=dict)
    memory: Mapping[str, float] = field(default_factory=dict)
    min_rows: int = 1000
    cycle: CycleRequirement | None = field(default_factory=CycleRequirement)
    confidence_level: float = 0.95
    power: float = 0.8

    def __post_init__(self) -> None:
        metrics = {
            str(k): _metric_gate(f"metrics.{k}", v)
            for k, v in check_mapping("metrics", self.metrics).items()
        }
        for name in metrics:
            if name not in GATE_METRICS:
                allowed = ", ".join(GATE_METRICS)
                reason = f"is not a metric a gate can judge; use one of {allowed}"
                fail(ValueError, "metrics", reason, key=name)
        if not metrics:
            fail(
                ValueError,
                "metrics",
                "must name at least one metric, e.g. {'roc_auc': {'margin': 0.01}}",
            )
        segments: dict[str, dict[str, dict[str, MetricGate]]] = {}
        for column, values in check_mapping("segments", self.segments).items():
            segments[column] = {}
            for value, overrides in check_mapping(f"segments.{column}", values).items():
                segments[column][value] = {
                    m: _metric_gate(f"segments.{column}.{value}.{m}", g)
                    for m, g in check_mapping(f"segments.{column}.{value}", overrides).items()
                }
        critical = {
            column: tuple(
                check_string(f"critical_segments.{column}[]", v)
                for v in check_list(f"critical_segments.{column}", values)
            )
            for column, values in check_mapping("critical_segments", self.critical_segments).items()
        }
        for kind in ("latency", "memory"):
            budgets = check_mapping(kind, getattr(self, kind))
            for key in budgets:
                if key not in _RESOURCE_BUDGETS[kind]:
                    fail(
                        ValueError,
                        kind,
                        f"is not a known budget; use {', '.join(_RESOURCE_BUDGETS[kind])}",
                        key=key,
                    )
            object.__setattr__(
                self,
                kind,
                MappingProxyType({k: check_real(f"{kind}.{k}", v) for k, v in budgets.items()}),
            )
        cycle = self.cycle
        if isinstance(cycle, Mapping):
            values = check_keys("cycle", cycle, optional=("period", "min_seen"))
            cycle = CycleRequirement(**values)
        elif cycle is not None and not isinstance(cycle, CycleRequirement):
            fail(
                TypeError,
                "cycle",
                f"must be a mapping {{'period': '7D', 'min_seen': 2}} or null; got {cycle!r}",
            )
        object.__setattr__(self, "metrics", MappingProxyType(metrics))
        object.__setattr__(self, "segments", MappingProxyType(segments))
        object.__setattr__(self, "critical_segments", MappingProxyType(critical))
        object.__setattr__(self, "cycle", cycle)
        object.__setattr__(self, "min_rows", check_positive_int("min_rows", self.min_rows))
        object.__setattr__(
            self, "confidence_level", check_probability("confidence_level", self.confidence_level)
        )
        object.__setattr__(self, "power", check_probability("power", self.power))

    def to_dict(self) -> dict[str, Any]:
        """Plain data (the config's ``promotion`` section)."""
        return {
            "metrics": {m: g.to_dict() for m, g in self.metrics.items()},
            "segments": {
                c: {v: {m: g.to_dict() for m, g in o.items()} for v, o in values.items()}
                for c, values in self.segments.items()
            },
            "critical_segments": {c: list(v) for c, v in self.critical_segments.items()},
            "latency": dict(self.latency),
            "memory": dict(self.memory),
            "min_rows": self.min_rows,
            "cycle": self.cycle.to_dict() if self.cycle is not None else None,
            "confidence_level": self.confidence_level,
            "power": self.power,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PromotionGate:
        """Read a gate from plain data (unknown keys are refused, naming them)."""
        values = check_keys("promotion", data, optional=_GATE_KEYS)
        return cls(**values)

    def metric_gate(self, metric: str, column: str, value: str) -> MetricGate:
        """The gate of ``metric`` in segment ``column == value`` (its override, or the gate's)."""
        return self.segments.get(column, {}).get(value, {}).get(metric, self.metrics[metric])

    def is_critical(self, column: str, value: str) -> bool:
        return value in self.critical_segments.get(column, ())


def _metric_gate(name: str, value: Any) -> MetricGate:
    if isinstance(value, MetricGate):
        return value
    return MetricGate.from_dict(check_mapping(name, value, none_is_empty=False), name)


@dataclass(frozen=True)
class Verdict:
    """What a promotion gate decided, why, and what each judged interval showed.

    Attributes
    ----------
    decision : {'promote', 'hold', 'reject'}
    reasons : list of str
        Sentences naming the metric, segment and numbers, the deciding ones first.
    findings : pandas.DataFrame
        One row per judged metric x segment (and budget): ``metric``, ``segment_column``,
        ``segment_value``, ``critical_segment``, ``live``, ``shadow``, ``difference``, ``margin``
        (absolute, in the metric's unit, signed so that a difference below it is worse for
        metrics where higher is better), ``level`` (the Bonferroni-adjusted confidence),
        ``ci_low``, ``ci_high``, ``finding`` (superior, non_inferior, undecided, worse,
        inferior), ``needed_rows`` and ``needed_days`` (for an undecided one, at the gate's
        power; NaN when the current effect would never get there).
    cycle_met, rows_met : bool
    """

    decision: str
    reasons: list[str]
    findings: pd.DataFrame
    gate: PromotionGate
    cycle_met: bool
    rows_met: bool

    def to_dict(self) -> dict[str, Any]:
        return {"decision": self.decision, "reasons": list(self.reasons)}


def _signed(metric: str) -> int:
    """+1 where higher is better for the shadow (ROC AUC, accuracy), -1 where lower is."""
    return 1 if SHADOW_METRICS[metric].side == LOWER else -1


def _fmt(value: float, metric: str) -> str:
    unit = SHADOW_METRICS[metric].unit
    text = "nan" if not math.isfinite(value) else f"{value:.4g}"
    return f"{text} {unit}".strip()


def _where(column: str, value: str) -> str:
    return "overall" if column == "" else f"in {column} = {value!r}"


def _cycle(info: Mapping[str, Any], cycle: CycleRequirement | None) -> tuple[bool, str, float]:
    """Whether the cycle is covered, the sentence that says so and days still needed."""
    if cycle is None:
        return True, "", 0.0
    hours = info.get("hours_seen")
    if hours is None or len(hours) == 0:
        return (
            False,
            "the business cycle cannot be checked: the comparison has no time column (give time=)",
            math.nan,
        )
    seasonality = seasonality_name(cycle.period)
    stamps = pd.Series(pd.DatetimeIndex(hours))
    phases = phase_codes(stamps, seasonality, None)
    local = stamps.dt.tz_localize(None) if getattr(stamps.dt, "tz", None) is not None else stamps
    instances = local.dt.to_period(_INSTANCE[seasonality]).astype(str).to_numpy()
    seen = pd.DataFrame({"phase": phases, "instance": instances}).drop_duplicates()
    counts = np.bincount(seen["phase"].to_numpy(), minlength=phase_count(seasonality))
    short = np.flatnonzero(counts < cycle.min_seen)
    if len(short) == 0:
        return (
            True,
            f"business cycle covered: every {seasonality} seen at least {cycle.min_seen} times",
            0.0,
        )
    names = ", ".join(f"{phase_label(seasonality, int(p))} ({counts[p]}x)" for p in short[:7])
    more = "" if len(short) <= 7 else f" and {len(short) - 7} more"
    span = pd.Timedelta(days=7) if seasonality == "weekday" else pd.Timedelta(days=1)
    if seasonality in ("monthday",):
        span = pd.Timedelta(days=31)
    elif seasonality == "month":
        span = pd.Timedelta(days=366)
    days = float((cycle.min_seen - counts.min()) * span / pd.Timedelta(days=1))
    return (
        False,
        f"business cycle not covered yet: every {seasonality} must be seen {cycle.min_seen} times; "
        f"{names}{more} so far (about {days:g} more days)",
        days,
    )


def _needed(effect: float, target: float, se: float, n_now: float, z_a: float, z_p: float) -> float:
    """Rows at which an interval with SE ``se`` at ``n_now`` rows clears ``target`` with power.

    Normal approximation: the SE shrinks as ``1 / sqrt(n)``, the effect stays; the
    interval's worse end clears ``target`` with probability ``power`` once
    ``(effect - target) / (se * sqrt(n_now / n)) >= z_a + z_p``. NaN when the effect does
    not lie beyond the target (it would never clear it).
    """
    gap = effect - target
    if not (math.isfinite(gap) and math.isfinite(se)) or gap <= 0 or se <= 0 or n_now <= 0:
        return math.nan
    return float(n_now * ((z_a + z_p) * se / gap) ** 2)


def _needs_labels(metric: str) -> bool:
    return SHADOW_METRICS[metric].needs_labels


def _record(
    row: Mapping[str, Any],
    low: float,
    high: float,
    level: float,
    finding: str,
    n_now: Any,
    needed: float,
    rate: float,
    **fields: Any,
) -> dict[str, Any]:
    """One judged interval of the findings table; days from the rows' rate per day."""
    now = float(n_now) if pd.notna(n_now) else 0.0
    days = (
        (needed - now) / rate
        if math.isfinite(needed) and rate and math.isfinite(rate)
        else math.nan
    )
    return {
        "metric": row["metric"],
        **fields,
        "live": row["live"],
        "shadow": row["shadow"],
        "difference": row["difference"],
        "level": level,
        "ci_low": low,
        "ci_high": high,
        "finding": finding,
        "status": row["status"],
        "note": row["note"],
        "n": n_now,
        "needed_rows": needed,
        "needed_days": max(days, 0.0) if math.isfinite(days) else math.nan,
    }


def promotion_verdict(
    comparison: pd.DataFrame, gate: PromotionGate | Mapping[str, Any] | None = None
) -> Verdict:
    """Decide whether the shadow model is promoted: ``promote``, ``hold`` or ``reject``.

    Judged on the whole-period rows of ``comparison`` (:func:`compare_models`): every gate
    metric overall and in every segment the comparison has, and each resource budget.
    Each interval is recomputed from the comparison's columns at the Bonferroni-adjusted
    level ``1 - (1 - gate.confidence_level) / k`` (``k`` judged intervals), oriented so that
    positive is better for the shadow, and read against the margin ``m``:

    - ``superior``: the interval lies above 0; ``non_inferior``: above ``-m``;
    - ``inferior``: it lies below ``-m``; ``worse``: below 0 but not below ``-m``;
    - ``undecided``: otherwise, or the cell is pending / has too few rows.

    Decision, once the horizon is reached (``min_rows`` and the cycle; before it:
    ``hold``, whatever the intervals say): ``reject`` when the shadow is ``inferior``
    overall on any gate metric, in any critical segment, or over a latency/memory budget
    (the increase's interval above it); ``promote`` when every gate metric is
    ``non_inferior`` overall (``superior`` where the gate asks for superiority), in every
    critical segment, and every budget is kept (the interval below it); ``hold``
    otherwise, saying for each undecided item how many more rows (and days, at the
    comparison's rate) the current effect would need for the gate's ``power``.

    Examples
    --------
    >>> from mlmon_widgets.engine import compare_models
    >>> rng = np.random.default_rng(0)
    >>> n = 4000
    >>> y = rng.random(n) < 0.3
    >>> signal = np.where(y, 1.0, -1.0)
    >>> frame = pd.DataFrame({
    ...     "y": y,
    ...     "live": 1 / (1 + np.exp(-(signal + rng.normal(0, 1.5, n)))),
    ...     "shadow": 1 / (1 + np.exp(-(signal + rng.normal(0, 1.0, n)))),
    ... })
    >>> table = compare_models(frame, live="live", shadow="shadow", label="y")
    >>> gate = {"metrics": {"roc_auc": {"margin": 0.01}}, "cycle": None}
    >>> verdict = promotion_verdict(table, gate)
    >>> verdict.decision
    'promote'
    >>> print(verdict.reasons[0])  # doctest: +ELLIPSIS
    roc_auc overall: shadow 0.91... vs live 0.81..., difference +0.09... (95% interval ...): better
    """
    if gate is None:
        gate = PromotionGate()
    elif isinstance(gate, Mapping):
        gate = PromotionGate.from_dict(gate)
    elif not isinstance(gate, PromotionGate):
        raise TypeError(f"gate must be a PromotionGate or a mapping; got {type(gate).__name__}")
    if not isinstance(comparison, pd.DataFrame) or "metric" not in comparison.columns:
        raise TypeError("comparison must be the DataFrame compare_models returns")
    info = comparison.attrs.get(ATTRS_KEY, {})
    whole = comparison[comparison["window"].isna()]
    available = set(whole["metric"])
    for metric in gate.metrics:
        if metric not in available:
            hint = " (it needs label= and scores)" if _needs_labels(metric) else ""
            raise ValueError(
                f"gate metric {metric!r} is not in the comparison{hint}; its metrics are "
                f"{', '.join(sorted(available))}"
            )
    judged = whole[whole["metric"].isin(list(gate.metrics))].copy()
    budgets = []
    for kind in ("latency", "memory"):
        for key, budget in getattr(gate, kind).items():
            metric = _RESOURCE_BUDGETS[kind][key]
            rows = whole[(whole["metric"] == metric) & (whole["segment_column"] == "")]
            if rows.empty:
                raise ValueError(
                    f"gate budget {kind}.{key} needs {kind}= columns in compare_models"
                )
            budgets.append((budget, rows.index[0]))
    k = len(judged) + len(budgets)
    level = 1 - (1 - gate.confidence_level) / max(k, 1)
    z_a, z_p = z_value(level), float(sps.norm.ppf(gate.power))
    records: list[dict[str, Any]] = []
    low, high = intervals_at(judged, level)
    overall_n = {r["metric"]: r for r in judged[judged["segment_column"] == ""].to_dict("records")}
    for (idx, row), lo, hi in zip(judged.iterrows(), low, high, strict=True):
        del idx
        metric, column, value = row["metric"], row["segment_column"], row["segment_value"]
        mg = gate.metric_gate(metric, column, value)
        sign = _signed(metric)
        margin = mg.margin_for(row["live"]) if pd.notna(row["live"]) else math.nan
        g_lo, g_hi = (lo, hi) if sign > 0 else (-hi, -lo)
        effect = sign * row["difference"] if pd.notna(row["difference"]) else math.nan
        if row["status"] != OK or not (math.isfinite(g_lo) and math.isfinite(g_hi)):
            finding = UNDECIDED
        elif g_lo > 0:
            finding = SUPERIOR
        elif g_lo > -margin:
            finding = NON_INFERIOR
        elif g_hi < -margin:
            finding = INFERIOR
        elif g_hi < 0:
            finding = WORSE
        else:
            finding = UNDECIDED
        n_now = row["n_labelled"] if _needs_labels(metric) else row["n"]
        target = 0.0 if mg.superiority else -margin
        needed = math.nan
        if finding in (UNDECIDED, WORSE) or (mg.superiority and finding == NON_INFERIOR):
            needed = _needed(
                effect, target, row["std_error"], float(n_now) if pd.notna(n_now) else 0.0, z_a, z_p
            )
        share = 1.0
        top = overall_n.get(metric)
        if column and top is not None and pd.notna(top["n"]) and top["n"]:
            share = float(row["n"]) / float(top["n"])
        rate = info.get("labelled_per_day" if _needs_labels(metric) else "rows_per_day", math.nan)
        records.append(
            _record(
                row,
                lo,
                hi,
                level,
                finding,
                n_now,
                needed,
                rate * share,
                segment_column=column,
                segment_value=value,
                critical_segment=gate.is_critical(column, value),
                required=column == "" or gate.is_critical(column, value),
                superiority=mg.superiority,
                margin=-sign * margin,
            )
        )
    for budget, index in budgets:
        row = whole.loc[index]
        lo, hi = intervals_at(whole.loc[[index]], level)
        lo, hi = float(lo[0]), float(hi[0])
        if row["status"] != OK or not (math.isfinite(lo) and math.isfinite(hi)):
            finding = UNDECIDED
        elif hi <= budget:
            finding = NON_INFERIOR
        elif lo > budget:
            finding = INFERIOR
        else:
            finding = UNDECIDED
        needed = (
            _needed(budget, row["difference"], row["std_error"], float(row["n"]), z_a, z_p)
            if finding == UNDECIDED
            else math.nan
        )
        records.append(
            _record(
                row,
                lo,
                hi,
                level,
                finding,
                row["n"],
                needed,
                info.get("rows_per_day", math.nan),
                segment_column="",
                segment_value="",
                critical_segment=False,
                required=True,
                superiority=False,
                margin=budget,
            )
        )
    findings = pd.DataFrame.from_records(records)
    return _decide(findings, gate, info, whole)


def _sentence(f: Mapping[str, Any]) -> str:
    metric = f["metric"]
    where = _where(f["segment_column"], f["segment_value"])
    if f["status"] != OK:
        why = f" ({f['note']})" if f.get("note") else ""
        return f"{metric} {where}: {f['status'].replace('_', ' ')}, not judged yet{why}"
    level = f"{f['level']:.1%}".replace(".0%", "%")
    core = (
        f"{metric} {where}: shadow {_fmt(f['shadow'], metric)} vs live {_fmt(f['live'], metric)}, "
        f"difference {f['difference']:+.4g} "
        f"({level} interval {f['ci_low']:+.4g} to {f['ci_high']:+.4g})"
    )
    if metric in (*LATENCY_METRICS, *MEMORY_METRICS):
        verdict = {
            NON_INFERIOR: f"within the budget of {f['margin']:+g}",
            INFERIOR: f"over the budget of {f['margin']:+g}",
            UNDECIDED: f"not yet shown within the budget of {f['margin']:+g}",
        }[f["finding"]]
        return f"{core}: {verdict}"
    margin = abs(f["margin"])
    verdict = {
        SUPERIOR: "better",
        NON_INFERIOR: f"not worse than the margin {margin:.4g}",
        WORSE: f"significantly worse, but within the margin {margin:.4g}",
        INFERIOR: f"worse than the margin {margin:.4g}",
        UNDECIDED: f"not yet shown within the margin {margin:.4g}",
    }[f["finding"]]
    return f"{core}: {verdict}"


def _more(f: Mapping[str, Any]) -> str:
    if not math.isfinite(f["needed_rows"]):
        if f["finding"] == UNDECIDED and f["status"] == OK:
            return " (at the current effect it would not get there with more data)"
        return ""
    days = f" (about {f['needed_days']:.0f} more days)" if math.isfinite(f["needed_days"]) else ""
    return f"; about {max(f['needed_rows'] - f['n'], 0):,.0f} more rows needed{days}"


def _decide(
    findings: pd.DataFrame, gate: PromotionGate, info: Mapping[str, Any], whole: pd.DataFrame
) -> Verdict:
    cycle_met, cycle_text, _ = _cycle(info, gate.cycle)
    few = []
    for metric in gate.metrics:
        top = whole[(whole["metric"] == metric) & (whole["segment_column"] == "")].iloc[0]
        count = top["n_labelled"] if _needs_labels(metric) else top["n"]
        count = 0 if pd.isna(count) else int(count)
        if count < gate.min_rows:
            what = "labelled rows" if _needs_labels(metric) else "rows"
            few.append(f"{metric}: {count:,} {what} of the {gate.min_rows:,} the gate requires")
    rows_met = not few
    records = findings.to_dict("records")
    required = [f for f in records if f["required"]]
    optional = [f for f in records if not f["required"]]
    blocking = [
        f
        for f in required
        if f["finding"] == INFERIOR or (f["superiority"] and f["finding"] == WORSE)
    ]
    unmet = [
        f
        for f in required
        if f not in blocking
        and not (
            f["finding"] == SUPERIOR or (f["finding"] == NON_INFERIOR and not f["superiority"])
        )
    ]
    notes = [
        f"{_sentence(f)} (segment not critical: reported, not required)"
        for f in optional
        if f["finding"] in (INFERIOR, WORSE)
    ]
    reasons: list[str] = []
    if not (cycle_met and rows_met):
        decision = HOLD
        reasons.append("the gate judges at a fixed horizon, which is not reached yet")
        if not cycle_met:
            reasons.append(cycle_text)
        reasons.extend(few)
        reasons.extend(f"so far: {_sentence(f)}" for f in required)
    elif blocking:
        decision = REJECT
        reasons.extend(
            _sentence(f) + (" (critical segment)" if f["critical_segment"] else "")
            for f in blocking
        )
        reasons.extend(_sentence(f) for f in required if f not in blocking)
    elif unmet:
        decision = HOLD
        reasons.extend(_sentence(f) + _more(f) for f in unmet)
        reasons.extend(_sentence(f) for f in required if f not in unmet)
    else:
        decision = PROMOTE
        reasons.extend(
            _sentence(f) + (" (critical segment)" if f["critical_segment"] else "")
            for f in required
        )
    reasons.extend(notes)
    if cycle_met and cycle_text:
        reasons.append(cycle_text)
    return Verdict(decision, reasons, findings, gate, cycle_met, rows_met)


__all__: Sequence[str] = (
    "CycleRequirement",
    "MetricGate",
    "PromotionGate",
    "Verdict",
    "promotion_verdict",
)
