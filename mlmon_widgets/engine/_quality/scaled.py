"""Data quality of a Dask DataFrame or an Arrow dataset, from merged per-piece counts.

Every quality rate is a ratio of counts (rows, missing, invalid, non-finite, outside the
reference range, per category), so the partials of :mod:`.._scale.partials` give exactly
the in-memory table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._data.columns import CodedColumn
from .._drift.baseline import Baseline, CategoricalFeature, NumericFeature
from .._drift.statistics import CategoricalAligner
from .._scale.partials import (
    CATEGORICAL_COUNTS,
    NUMERIC_COUNTS,
    CategoricalPartial,
    MissingPartial,
    NumericPartial,
    piece_partials,
)
from .._scale.plan import OTHER, FeaturePlan, Plan, nanoseconds
from .._scale.run import ROWS_REFUSED, scaled_windows
from .._scale.sources import pieces_of
from .._vocabulary import FEATURE_KINDS
from .rates import coded_rates, column_records, numeric_rates, quality_frame, versions_as_feature


def _plan(name: str, feature: object) -> FeaturePlan:
    if isinstance(feature, NumericFeature):
        return FeaturePlan(name, FEATURE_KINDS[0], None, np.empty(0), feature.min, feature.max)
    if isinstance(feature, CategoricalFeature):
        return FeaturePlan(name, feature.kind)
    return FeaturePlan(name, OTHER)


def _numeric(counts: np.ndarray):  # type: ignore[no-untyped-def]
    rows, missing, invalid, finite, outside = (
        counts[:, NUMERIC_COUNTS.index(c)].tolist() for c in NUMERIC_COUNTS
    )

    def stats(w: int) -> dict[str, object]:
        nonfinite = rows[w] - finite[w] - missing[w] - invalid[w]
        return numeric_rates(rows[w], missing[w], invalid[w], nonfinite, finite[w], outside[w])

    return stats


def _coded(feature: CategoricalFeature, partial: CategoricalPartial, n_windows: int):  # type: ignore[no-untyped-def]
    counts = partial.windows.dense(n_windows)
    width = len(CATEGORICAL_COUNTS)
    if counts.shape[1] < width + len(partial.labels):
        counts = np.pad(counts, ((0, 0), (0, width + len(partial.labels) - counts.shape[1])))
    aligner = CategoricalAligner(feature, CodedColumn(np.zeros(0, dtype=np.int64), partial.labels))

    def stats(w: int) -> dict[str, object]:
        row = counts[w]
        return coded_rates(aligner, partial.labels, row[width:], row[0], row[1], row[2])

    return stats


def scaled_quality(
    baseline: Baseline,
    current: object,
    *,
    time: str | None,
    window: object | None,
    rows: int | None,
    step: object | None,
    origin: pd.Timestamp | None,
) -> pd.DataFrame:
    """:func:`data_quality` of a Dask DataFrame or an Arrow dataset."""
    if rows is not None:
        raise ValueError(ROWS_REFUSED)
    pieces = pieces_of(current)
    windows = None
    if window is not None:
        windows, _ = scaled_windows(pieces, time=time, window=window, step=step, origin=origin)
    columns = list(baseline.roles) + [c for c in pieces.columns if c not in baseline.roles]
    features = {n: baseline.features.get(n) or versions_as_feature(baseline, n) for n in columns}
    plans = tuple(_plan(name, features[name]) for name in columns)
    starts = ends = None
    if windows is not None:
        starts, ends = nanoseconds(windows.labels_start), nanoseconds(windows.labels_end)
    plan = Plan(plans, time if windows is not None else None, starts, ends)
    partials = pieces.reduce(plan.columns, piece_partials, plan)
    n_windows = plan.n_windows
    lengths = partials.rows.dense(n_windows)[:, 0]
    dtypes = pieces.dtypes
    records: list[dict] = []
    for name in columns:
        partial = partials.features.get(name)
        feature = features[name]
        if isinstance(partial, NumericPartial):
            stats = _numeric(partial.windows.dense(n_windows))
        elif isinstance(partial, CategoricalPartial) and isinstance(feature, CategoricalFeature):
            stats = _coded(feature, partial, n_windows)
        elif isinstance(partial, MissingPartial):
            counts = partial.windows.dense(n_windows)

            def stats(w: int, counts: np.ndarray = counts) -> dict[str, object]:
                return {"missing_rate": counts[w, 1] / counts[w, 0] if counts[w, 0] else np.nan}

        else:

            def stats(w: int) -> dict[str, object]:
                return {}

        present = name in pieces.columns
        records += column_records(baseline, name, dtypes.get(name, ""), present, lengths, stats)
    return quality_frame(records, windows)


def scaled_version_events(
    baseline: Baseline,
    current: object,
    *,
    time: str | None,
    window: object | None,
    rows: int | None,
    origin: pd.Timestamp | None,
) -> list[tuple[str, str, int, object, int]]:
    """(column, version, first window, its start, rows) of each new version of a large source.

    The counts per window and version come from the categorical partials: a version's first
    window is the first that counts it, its rows those of the whole source.
    """
    if rows is not None:
        raise ValueError(ROWS_REFUSED)
    pieces = pieces_of(current)
    names = [n for n in baseline.versions if n in pieces.columns]
    if not names:
        return []
    plans = tuple(FeaturePlan(n, "categorical") for n in names)
    windows = None
    if window is not None:
        windows, _ = scaled_windows(pieces, time=time, window=window, step=None, origin=origin)
    starts = ends = None
    if windows is not None:
        starts, ends = nanoseconds(windows.labels_start), nanoseconds(windows.labels_end)
    plan = Plan(plans, time if windows is not None else None, starts, ends)
    by_window = pieces.reduce(plan.columns, piece_partials, plan)
    overall = Plan(plans, None) if windows is not None else plan
    totals = (
        by_window if windows is None else pieces.reduce(overall.columns, piece_partials, overall)
    )
    width = len(CATEGORICAL_COUNTS)
    events = []
    for name in names:
        seen = set(baseline.versions[name])
        partial, whole = by_window.features[name], totals.features[name]
        counts = partial.windows.dense(plan.n_windows)
        total = whole.windows.dense(1)[0]
        for label in whole.labels:
            if str(label) in seen:
                continue
            rows_of = 0
            if label in partial.labels:
                column = width + partial.labels.index(label)
                if column < counts.shape[1]:
                    hit = np.flatnonzero(counts[:, column] > 0)
                    rows_of = len(hit)
            if not rows_of:
                continue
            first = int(hit[0])
            start = windows.labels_start[first] if windows is not None else 0
            grid = first + (windows.first_index if windows is not None else 0)
            count = int(total[width + whole.labels.index(label)])
            events.append((name, str(label), grid, start, count))
    return events
