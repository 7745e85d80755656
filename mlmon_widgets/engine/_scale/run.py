"""The passes over a large source: its time range, the partials, the crossing cells.

1. The time column's range (with a time window): the window grid is the one
   :func:`make_windows` draws from the first and last timestamps.
2. Every feature's partials, merged.
3. Only where some window's ECDFs cross inside a cell holding several values (exact
   references only): those cells' values.

Then each feature is finished (:mod:`.finish`) and recorded as the in-memory engine
records it; severities and the correction are the caller's, as for in-memory data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._data.windows import Windows, make_windows, time_values, warn_untimed
from .._drift.all_windows import fine_edges
from .._drift.baseline import Baseline, FeatureSummary, NumericFeature
from .._drift.kernels import SortedReference, distinct_steps
from .._drift.statistics import (
    _common,
    _Recorder,
    _Rows,
    feature_reference,
    missing_column_rows,
)
from .._vocabulary import FEATURE_KINDS
from .finish import NumericSetup, categorical_rows, crossing_keys, numeric_rows
from .in_order import in_time_order, windows_in_order
from .partials import (
    CategoricalPartial,
    NumericPartial,
    Partials,
    piece_cell_values,
    piece_partials,
)
from .plan import FeaturePlan, Plan, nanoseconds
from .sources import Pieces

_NAT = np.iinfo(np.int64).min


@dataclass
class TimeRange:
    """The time range of the pieces seen: first and last timestamps, rows without one.

    ``spans`` holds each piece's first and last time in int64 nanoseconds (the int64
    minimum for a piece without any).
    """

    first: pd.Timestamp | None
    last: pd.Timestamp | None
    untimed: int
    spans: list[tuple[int, int]]

    def __add__(self, other: TimeRange) -> TimeRange:
        firsts = [t for t in (self.first, other.first) if t is not None]
        lasts = [t for t in (self.last, other.last) if t is not None]
        return TimeRange(
            min(firsts) if firsts else None,
            max(lasts) if lasts else None,
            self.untimed + other.untimed,
            self.spans + other.spans,
        )


def piece_time_range(frame: pd.DataFrame, time: str | None) -> TimeRange:
    """The time range of one piece."""
    times = time_values(frame, time)
    timed = times.dropna()
    untimed = len(times) - len(timed)
    if not len(timed):
        return TimeRange(None, None, untimed, [(_NAT, _NAT)])
    first, last = timed.min(), timed.max()
    span = (int(nanoseconds([first])[0]), int(nanoseconds([last])[0]))
    return TimeRange(first, last, untimed, [span])


#: Why row windows are refused on a large source.
ROWS_REFUSED = (
    "rows= windows need every row in memory, in order; with a Dask DataFrame or an Arrow "
    "dataset use time windows (time=..., window='1D')"
)


def scaled_windows(
    pieces: Pieces,
    *,
    time: str | None,
    window: object,
    step: object | None,
    origin: pd.Timestamp | None = None,
) -> tuple[Windows, TimeRange]:
    """The time windows of a large source and its time range, piece by piece.

    The windows are those :func:`make_windows` cuts from its first and last times.
    """
    if time is not None and time not in pieces.columns:
        raise ValueError(f"time column {time!r} is not in the data")
    if time is None and pieces.kind == "arrow":
        raise ValueError(
            "an Arrow dataset has no index to take timestamps from: pass time='<column>' "
            "(a frame's DatetimeIndex is stored as a column, named after the index)"
        )
    span: TimeRange = pieces.reduce([time] if time else [], piece_time_range, time)
    if span.untimed:
        warn_untimed(span.untimed, time)
    if span.first is None:
        empty = pd.DataFrame({"t": pd.to_datetime([])})
        return make_windows(empty, time="t", window=window), span
    ends = pd.DatetimeIndex([span.first, span.last])
    mini = pd.DataFrame({time: ends}) if time else pd.DataFrame(index=ends)
    return make_windows(mini, time=time, window=window, step=step, origin=origin), span


@dataclass
class ScaledData:
    """A large source and the time column its windows are cut on (None: one window)."""

    pieces: Pieces
    time: str | None = None
    span: TimeRange | None = None  # from the time pass, with time windows


class CellValues(dict):
    """Values of the crossing cells per feature: (keys, values), added up by concatenation."""

    def __add__(self, other: CellValues) -> CellValues:
        out = CellValues(self)
        for name, (keys, values) in other.items():
            if name in out:
                out[name] = (
                    np.concatenate((out[name][0], keys)),
                    np.concatenate((out[name][1], values)),
                )
            else:
                out[name] = (keys, values)
        return out


def _cell_values(frame: pd.DataFrame, plan: Plan, wanted: dict[str, np.ndarray]) -> CellValues:
    return CellValues(piece_cell_values(frame, plan, wanted))


def _setup(name: str, summary: NumericFeature, exact: SortedReference | None) -> NumericSetup:
    """A numeric feature's grid: its distinct reference values, or a lossy sketch's."""
    if exact is None and summary.sketch.lossless and summary.n:
        exact = SortedReference(summary.sketch.sample())
    if exact is not None:
        grid, _, le = distinct_steps(exact.values)
    elif summary.n:
        grid, le = summary.sketch.values, summary.sketch.le
    else:
        grid, le = np.empty(0), np.empty(0, dtype=np.int64)
    plan = FeaturePlan(
        name,
        FEATURE_KINDS[0],
        np.asarray(grid, dtype=float),
        fine_edges(summary),
        summary.min,
        summary.max,
    )
    return NumericSetup(summary, plan, exact, np.asarray(le, dtype=np.int64))


def scaled_statistics(
    baseline: Baseline,
    reference: pd.DataFrame | None,
    data: ScaledData,
    windows: Windows | None,
    features: list[str],
    *,
    min_rows: int,
    max_categories: int,
) -> pd.DataFrame:
    """The statistics of :func:`compute` for a large source (``windows``: None for one)."""
    seasonal = baseline.seasonal
    if seasonal is not None and set(features) & set(seasonal.features):
        raise ValueError(
            "a seasonal baseline compares each window with its own phases, which a Dask "
            "DataFrame or an Arrow dataset does not support yet; pass a pandas DataFrame"
        )
    summaries, setups = {}, {}
    plans = []
    for name in features:
        summary, exact = feature_reference(baseline, reference, name)
        summaries[name] = summary
        if isinstance(summary, NumericFeature):
            setups[name] = _setup(name, summary, exact)
            plans.append(setups[name].plan)
        else:
            plans.append(FeaturePlan(name, summary.kind))
    span = data.span
    if windows is not None and len(windows) and span is not None:
        if in_time_order(span.spans):
            exact = {n: s.exact for n, s in setups.items() if s.exact is not None}
            return windows_in_order(
                baseline,
                data.pieces,
                span.spans,
                data.time,
                windows,
                features,
                min_rows=min_rows,
                max_categories=max_categories,
                exact=exact,
            )
    starts = ends = None
    if windows is not None:
        starts, ends = nanoseconds(windows.labels_start), nanoseconds(windows.labels_end)
    plan = Plan(tuple(plans), data.time, starts, ends)
    n_windows = plan.n_windows
    partials: Partials = data.pieces.reduce(plan.columns, piece_partials, plan)
    wanted = {
        name: keys
        for name, setup in setups.items()
        if name in partials.features
        and len(keys := crossing_keys(setup, partials.features[name], n_windows))  # type: ignore[arg-type]
    }
    values: CellValues = CellValues()
    if wanted:
        values = data.pieces.reduce(plan.columns, _cell_values, plan, wanted)
    rows = _Rows()
    lengths = partials.rows.dense(n_windows)[:, 0]
    for name in features:
        summary = summaries[name]
        common = _common(name, summary)
        partial = partials.features.get(name)
        if partial is None:
            recorder = _missing(common, summary, lengths)
        elif isinstance(partial, NumericPartial):
            recorder = numeric_rows(
                setups[name],
                partial,
                n_windows,
                common,
                min_rows=min_rows,
                p_values=rows.p_values,
                values=values.get(name),
            )
        else:
            assert isinstance(partial, CategoricalPartial)
            recorder = categorical_rows(
                summary,  # type: ignore[arg-type]
                partial,
                n_windows,
                common,
                min_rows=min_rows,
                max_categories=max_categories,
            )
        recorder.replay(rows)
    return rows.frame()


def _missing(common: dict[str, object], summary: FeatureSummary, lengths: np.ndarray) -> _Recorder:
    out = _Recorder()
    missing_column_rows(out, common, summary, lengths)
    return out
