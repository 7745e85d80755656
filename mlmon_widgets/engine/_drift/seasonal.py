"""Seasonal baselines: per phase (a weekday, an hour, ...) a reference summary of its own.

A window is compared with the reference rows of its own phase; a window spanning several
phases with the mixture of those phases, weighted by the window's own rows per phase. The
mixture is built from the phases' stored summaries only (their ECDF sketches and category
counts), never from the raw reference, so a notebook and ``mlmon check`` with the same
config compare against the same numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._validation import check_option, check_positive_int
from .._vocabulary import MONTH_NAMES, SEASONALITIES, WEEKDAY_NAMES
from .kernels import QuantileSketch

#: Fewer reference rows than this in a phase: the phase compares with the whole reference.
MIN_PHASE_ROWS = 200


def seasonality_name(value: str) -> str:
    """The seasonality a name or a pandas offset alias stands for.

    An offset alias names the **cycle**, whose natural parts are the phases: a day
    (``'D'``, ``'24h'``) has hour phases (``'hour'``), a week (``'W'``, ``'W-SUN'``,
    ``'7D'``) weekday phases (``'weekday'``), a month (``'MS'``, ``'ME'``) day-of-month
    phases (``'monthday'``: days 29-31 are phases of their own, with fewer rows) and a
    year (``'YS'``, ``'YE'``) month phases (``'month'``). Other cycles are refused.

    Examples
    --------
    >>> [seasonality_name(v) for v in ("weekday", "W", "D", "MS", "YS")]
    ['weekday', 'weekday', 'hour', 'monthday', 'month']
    """
    if not isinstance(value, str):
        raise TypeError(f"seasonality must be a string; got {type(value).__name__}")
    if value in SEASONALITIES:
        return value
    refusal = (
        f"seasonality must be one of {', '.join(SEASONALITIES)} or an offset alias of a "
        f"cycle with natural phases: a day ('D'), a week ('W'), a month ('MS') or a year "
        f"('YS'); got {value!r}"
    )
    try:
        offset = pd.tseries.frequencies.to_offset(value)
    except (TypeError, ValueError) as err:
        raise ValueError(refusal) from err
    offsets = pd.offsets
    if isinstance(offset, (offsets.Tick, offsets.Day)):  # Day is not a Tick from pandas 3
        span = pd.Timedelta(days=offset.n) if isinstance(offset, offsets.Day) else offset
        if pd.Timedelta(span) == pd.Timedelta("1D"):
            return "hour"
        if pd.Timedelta(span) == pd.Timedelta("7D"):
            return "weekday"
    elif offset.n == 1 and isinstance(offset, offsets.Week):
        return "weekday"
    elif offset.n == 1 and isinstance(offset, (offsets.MonthBegin, offsets.MonthEnd)):
        return "monthday"
    elif offset.n == 1 and isinstance(offset, (offsets.YearBegin, offsets.YearEnd)):
        return "month"
    raise ValueError(refusal)


def phase_count(seasonality: str) -> int:
    """How many phases a seasonality has (7, 24, 168, 31 or 12)."""
    return SEASONALITIES[check_option("seasonality", seasonality, tuple(SEASONALITIES))]


def phase_label(seasonality: str, code: int) -> str:
    """A phase for people: ``'Sat'``, ``'14h'``, ``'Sat 14h'``, ``'day 15'``, ``'Mar'``."""
    if seasonality == "weekday":
        return WEEKDAY_NAMES[code]
    if seasonality == "hour":
        return f"{code:02d}h"
    if seasonality == "monthday":
        return f"day {code + 1}"
    if seasonality == "month":
        return MONTH_NAMES[code]
    return f"{WEEKDAY_NAMES[code // 24]} {code % 24:02d}h"


def phase_codes(times: pd.Series, seasonality: str, timezone: str | None) -> np.ndarray:
    """The phase of each timestamp (-1 where there is none), in local time of ``timezone``.

    Aware timestamps are converted to ``timezone`` first (a phase is the wall clock there:
    across a DST change the hour phases follow local time); naive ones are taken as that
    zone's wall clock already.

    Examples
    --------
    >>> t = pd.Series(pd.to_datetime(["2024-03-30 23:30", "2024-03-31 03:30", None]))
    >>> phase_codes(t, "weekday", None).tolist(), phase_codes(t, "hour", None).tolist()
    ([5, 6, -1], [23, 3, -1])
    >>> utc = t.dt.tz_localize("UTC")
    >>> phase_codes(utc, "weekday-hour", "Europe/Paris").tolist()  # 00:30 and 05:30 local
    [144, 149, -1]
    """
    phase_count(seasonality)
    values = pd.Series(times).reset_index(drop=True)
    if not pd.api.types.is_datetime64_any_dtype(values.dtype):
        values = pd.to_datetime(values)
    if timezone is not None and getattr(values.dt, "tz", None) is not None:
        values = values.dt.tz_convert(timezone)
    missing = values.isna().to_numpy()

    def part(values: pd.Series, offset: int = 0) -> np.ndarray:
        return values.fillna(offset).to_numpy(dtype=np.int64) - offset

    if seasonality == "monthday":
        codes = part(values.dt.day, 1)
    elif seasonality == "month":
        codes = part(values.dt.month, 1)
    else:
        weekday, hour = part(values.dt.day_of_week), part(values.dt.hour)
        codes = {"weekday": weekday, "hour": hour, "weekday-hour": weekday * 24 + hour}[seasonality]
    return np.where(missing, -1, codes)


def order_statistics(sketch: QuantileSketch, k: int) -> np.ndarray:
    """``k`` evenly spaced order statistics of the sample a sketch summarises (sorted).

    With a lossless sketch these are values of the sample itself (all of them for
    ``k = n``); a lossy sketch gives its interpolated quantiles at the same ranks.
    """
    n = sketch.n
    ranks = np.minimum(((np.arange(k) + 0.5) * n / k).astype(np.int64), n - 1)
    if sketch.lossless:
        counts = sketch.le  # values[i] holds ranks lt[i] .. le[i] - 1
        return sketch.values[np.searchsorted(counts, ranks, side="right")]
    mids = (sketch.lt + sketch.le - 1) / 2.0
    return np.interp(ranks, mids, sketch.values)


@dataclass(eq=False)
class SeasonalPhases:
    """The phases of a seasonal baseline: per phase, each seasonal feature's own summary.

    ``phases[i]`` maps a feature to its summary on the reference rows of phase ``i``, or is
    None when the phase had fewer than ``min_rows`` reference rows (it then compares with
    the whole reference, and results say so).
    """

    seasonality: str
    time: str
    timezone: str | None
    min_rows: int
    features: tuple[str, ...]
    n_rows: np.ndarray
    phases: list[dict[str, Any] | None]
    _mixtures: dict[tuple, Any] = field(default_factory=dict, repr=False)

    @property
    def fallback(self) -> list[int]:
        """Phases compared with the whole reference (too few reference rows)."""
        return [i for i, p in enumerate(self.phases) if p is None]

    def label(self, counts: np.ndarray) -> str:
        """The phase(s) a window with ``counts`` rows per phase is compared with."""
        present = np.flatnonzero(counts)
        names = [phase_label(self.seasonality, int(i)) for i in present]
        shown = ", ".join(names) if len(names) <= 3 else f"{len(names)} phases"
        low = [phase_label(self.seasonality, i) for i in present if self.phases[i] is None]
        if low:
            shown += f" (too few reference rows in {', '.join(low[:3])}: whole reference)"
        return shown

    def summary(self, name: str, counts: np.ndarray, whole: Any, fit: Any) -> Any:
        """The summary a window with ``counts`` rows per phase compares feature ``name`` with.

        One phase: that phase's own summary (the engine run on the phase's reference rows).
        Several: the mixture weighted by ``counts`` (cached per distinct weights).
        """
        present = np.flatnonzero(counts)
        parts = [(self.phases[i] or {}).get(name, whole) for i in present]
        weights = counts[present]
        if len(present) == 1 or all(p is parts[0] for p in parts):
            return parts[0]
        key = (name, tuple(present.tolist()), tuple(weights.tolist()))
        if key not in self._mixtures:
            if len(self._mixtures) > 4096:
                self._mixtures.clear()
            self._mixtures[key] = _mixture(name, parts, weights, fit)
        return self._mixtures[key]

    def to_dict(self) -> dict[str, Any]:
        return {
            "seasonality": self.seasonality,
            "time": self.time,
            "timezone": self.timezone,
            "min_rows": self.min_rows,
            "features": list(self.features),
            "n_rows": [int(n) for n in self.n_rows],
            "phases": [
                None if p is None else {name: f.to_dict() for name, f in p.items()}
                for p in self.phases
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], read_feature: Any) -> SeasonalPhases:
        seasonality = str(data["seasonality"])
        phases = [
            None if p is None else {name: read_feature(name, f) for name, f in p.items()}
            for p in data["phases"]
        ]
        if len(phases) != phase_count(seasonality):
            raise ValueError(
                f"a {seasonality!r} baseline has {phase_count(seasonality)} phases; "
                f"got {len(phases)}"
            )
        return cls(
            seasonality=seasonality,
            time=str(data["time"]),
            timezone=data.get("timezone"),
            min_rows=int(data["min_rows"]),
            features=tuple(data["features"]),
            n_rows=np.asarray(data["n_rows"], dtype=np.int64),
            phases=phases,
        )


def _mixture(name: str, parts: Sequence[Any], weights: np.ndarray, fit: Any) -> Any:
    """A summary of the mixture of ``parts`` in proportions ``weights`` (one feature)."""
    share = weights / weights.sum()
    if parts[0].kind == "numeric":
        # The largest sample whose phase shares follow the weights, drawn as evenly spaced
        # order statistics of each phase: a sample of the mixture, binned and sketched as
        # any reference is.
        usable = [(p, s) for p, s in zip(parts, share, strict=True) if p.n > 0]
        total = min(int(p.n / s) for p, s in usable)
        sample = np.concatenate(
            [order_statistics(p.sketch, max(round(total * s), 1)) for p, s in usable]
        )
        missing = float(sum(s * p.n_missing / max(p.n_rows, 1) for p, s in usable))
        return fit(name, pd.Series(np.sort(sample)), missing)
    labels: list = []
    for p in parts:
        labels += [label for label in p.labels if label not in labels]
    size = min(p.n / s for p, s in zip(parts, share, strict=True) if p.n > 0)
    counts = np.zeros(len(labels))
    position = {label: i for i, label in enumerate(labels)}
    for p, s in zip(parts, share, strict=True):
        if p.n:
            for label, count in zip(p.labels, p.counts, strict=True):
                counts[position[label]] += size * s * count / p.n
    return type(parts[0])(
        name=name,
        kind=parts[0].kind,
        dtype=parts[0].dtype,
        n_rows=round(size),
        n=round(size),
        n_missing=0,
        n_invalid=0,
        labels=labels,
        counts=counts,
    )


def fit_phases(
    reference: pd.DataFrame,
    codes: np.ndarray,
    *,
    seasonality: str,
    time: str,
    timezone: str | None,
    features: Sequence[str],
    min_rows: int,
    fit_one: Any,
) -> SeasonalPhases:
    """Fit each feature on each phase's reference rows (phases below ``min_rows``: None)."""
    min_rows = check_positive_int("min_phase_rows", min_rows)
    n = phase_count(seasonality)
    n_rows = np.bincount(codes[codes >= 0], minlength=n)
    phases: list[dict[str, Any] | None] = []
    for phase in range(n):
        if n_rows[phase] < min_rows:
            phases.append(None)
            continue
        rows = reference.iloc[np.flatnonzero(codes == phase)]
        phases.append({name: fit_one(rows[name], name)[0] for name in features})
    return SeasonalPhases(
        seasonality=seasonality,
        time=time,
        timezone=timezone,
        min_rows=min_rows,
        features=tuple(features),
        n_rows=n_rows,
        phases=phases,
    )
