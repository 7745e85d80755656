"""segment_drift: the drift table of each segment, against the same segment of the reference."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._data.roles import infer_roles
from .._data.windows import Windows, make_windows
from .._drift.baseline import Baseline
from .._drift.severity import classify
from .._drift.tables import MAX_CATEGORIES, MIN_ROWS, window_statistics
from .._validation import check_frame, check_option, check_positive_int
from .._vocabulary import DEFAULT_GATE, FEATURE_KINDS

#: The segment of rows whose segment column is missing.
MISSING_SEGMENT = "(missing)"
#: Segment columns with more distinct values than this are refused (bin them first).
MAX_SEGMENTS = 50
#: What a segment is compared with: the same segment of the reference, or all of it.
AGAINST = ("same", "all")


def _segmentings(by: Any) -> list[tuple[str, ...]]:
    """``by`` as a list of column tuples: each column on its own, a tuple crossed."""
    if isinstance(by, str):
        return [(by,)]
    if isinstance(by, tuple):
        return [tuple(by)]
    if not isinstance(by, Sequence) or not by:
        raise TypeError("by must be a column name, a tuple of columns (crossed) or a list of them")
    return [(b,) if isinstance(b, str) else tuple(b) for b in by]


def _labels(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.Series:
    """The segment value of every row: its value(s) as text, ``(missing)`` where absent."""
    parts = []
    for column in columns:
        values = frame[column]
        text = values.astype(object).map(str).where(values.notna(), MISSING_SEGMENT)
        parts.append(text.to_numpy(dtype=object))
    joined = parts[0] if len(parts) == 1 else [" & ".join(p) for p in zip(*parts, strict=True)]
    return pd.Series(joined, index=frame.index, dtype=object)


def check_segment_count(segmenting: tuple[str, ...], count: int, max_segments: int) -> None:
    """Refuse a segment column with more values than ``max_segments``, suggesting bins."""
    if count > max_segments:
        raise ValueError(
            f"segment column {' & '.join(segmenting)!r} has {count} values, more than "
            f"max_segments={max_segments}; bin it first, e.g. pd.cut(df[{segmenting[0]!r}], "
            "bins=5) or pd.qcut(..., q=5), or raise max_segments"
        )


def segment_drift(
    reference: pd.DataFrame,
    production: pd.DataFrame,
    by: Any,
    *,
    time: str | None = None,
    window: object | None = None,
    against: str = "same",
    roles: Mapping[str, str] | None = None,
    alpha: float = 0.01,
    correction: str = "fdr_bh",
    thresholds: Mapping[str, Any] | None = None,
    min_rows: int = MIN_ROWS,
    bins: int = 10,
    max_categories: int = MAX_CATEGORIES,
    max_segments: int = MAX_SEGMENTS,
    features: Sequence[str] | None = None,
    gate: str = DEFAULT_GATE,
) -> pd.DataFrame:
    """Drift of every feature inside every segment: one row per segment x feature [x window].

    Each segment of production is compared with the **same segment** of the reference,
    binned on that segment's own reference (``against='same'``, what a segment rule
    exported with its own baseline checks), or with the whole reference
    (``against='all'``). Within a segment the result is exactly :func:`drift_over_time`
    (or :func:`drift_table` without ``window``) run on the segment's rows alone: the
    multiple-testing correction runs over that segment's features x windows. Segments too
    small for a test are ``insufficient_data`` (never merged into others); rows whose
    segment column is missing form the segment ``(missing)``.

    Parameters
    ----------
    reference, production : pandas.DataFrame
        Reference and production rows with the segment column(s).
    by : str, tuple of str, or list of them
        A column (each of its values a segment), a tuple of columns (their values crossed:
        ``'partner & north'``), or a list of either, each broken down on its own.
    time, window : optional
        Time windows, as in :func:`drift_over_time` (on the whole production's grid, so a
        segment's windows line up with the others'); without them one row per feature.
    against : {'same', 'all'}, default 'same'
        Compare with the same segment of the reference, or with all of it.
    roles, alpha, correction, thresholds, min_rows, bins, max_categories, features, gate
        As in :func:`drift_over_time`; the segment columns are never tested as features.
    max_segments : int, default 50
        A segment column with more distinct values is refused (bin it first).

    Returns
    -------
    pandas.DataFrame
        Columns ``segment_column``, ``segment_value``, ``segment_share`` (the segment's
        share of production rows, per window when windowed), ``feature``, then those of
        :func:`drift_over_time` (``window``, ``window_start``, ``window_end`` when windowed).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> def frame(n, shift=0.0):
    ...     channel = rng.choice(["branch", "partner"], n, p=[0.8, 0.2])
    ...     dti = rng.normal(0.3, 0.1, n) + np.where(channel == "partner", shift, 0.0)
    ...     return pd.DataFrame({"channel": channel, "dti": dti})
    >>> table = segment_drift(frame(5000), frame(3000, shift=0.05), "channel")
    >>> table[["segment_value", "segment_share", "severity"]].round(1)
      segment_value  segment_share  severity
    0        branch            0.8        ok
    1       partner            0.2  critical
    >>> from mlmon_widgets.engine import drift_table
    >>> str(drift_table(frame(5000), frame(3000, shift=0.05)).loc["dti", "severity"])
    'ok'
    """
    check_frame("reference", reference)
    check_frame("production", production, allow_empty_rows=True)
    check_option("against", against, AGAINST)
    max_segments = check_positive_int("max_segments", max_segments)
    segmentings = _segmentings(by)
    columns = sorted({c for s in segmentings for c in s})
    for column in columns:
        for name, frame in (("reference", reference), ("production", production)):
            if column not in frame.columns:
                raise ValueError(f"segment column {column!r} is not in the {name} data")
    if (time is None) != (window is None):
        raise ValueError("give time= and window= together (time windows), or neither")
    column_roles = dict(infer_roles(reference, roles))
    for column in columns:  # a segment column is constant inside its segments
        column_roles[column] = "ignore"
    names = [n for n, r in column_roles.items() if r in FEATURE_KINDS]
    if features is not None:
        names = [n for n in names if n in set(features)]
    grid = make_windows(production, time=time, window=window) if window is not None else None
    options = {"alpha": alpha, "correction": correction, "thresholds": thresholds, "gate": gate}
    whole = None
    parts = []
    for segmenting in segmentings:
        name = " & ".join(segmenting)
        ref_labels, prod_labels = _labels(reference, segmenting), _labels(production, segmenting)
        values = list(dict.fromkeys([*ref_labels.unique(), *prod_labels.unique()]))
        check_segment_count(segmenting, len(values), max_segments)
        for value in sorted(values, key=lambda v: (v == MISSING_SEGMENT, v)):
            ref_rows = reference[ref_labels == value]
            prod_rows = production[prod_labels == value].reset_index(drop=True)
            absent = len(ref_rows) == 0
            if against == "all" or absent:
                if whole is None:
                    whole = Baseline.fit(reference, roles=column_roles, bins=bins)
                baseline = whole
            else:
                baseline = Baseline.fit(ref_rows, roles=column_roles, bins=bins)
            windows = _windows(prod_rows, time, window, grid)
            stats = window_statistics(
                baseline,
                prod_rows,
                windows,
                min_rows=min_rows,
                max_categories=max_categories,
                features=names,
            )
            if absent and against == "same":
                stats["insufficient"] = True
                stats["note"] = f"segment {value!r} has no rows in the reference"
            table = classify(stats, **options)
            table = _place(table, windows, grid, prod_rows, production, time)
            table.insert(0, "segment_value", value)
            table.insert(0, "segment_column", name)
            parts.append(table)
    out = pd.concat(parts, ignore_index=True)
    if grid is None:
        out = out.drop(columns="window")
    return out


def _windows(rows: pd.DataFrame, time: str | None, window: Any, grid: Windows | None) -> Windows:
    if grid is None:
        return Windows.single(len(rows))
    return make_windows(rows, time=time, window=window, origin=grid.anchor)


def _place(
    table: pd.DataFrame,
    windows: Windows,
    grid: Windows | None,
    rows: pd.DataFrame,
    production: pd.DataFrame,
    time: str | None,
) -> pd.DataFrame:
    """Windows numbered on the whole production's grid, with the segment's share of rows."""
    local = table["window"].to_numpy()
    if grid is None:
        share = len(rows) / len(production) if len(production) else np.nan
        table.insert(0, "segment_share", share)
        return table
    table["window"] = local + windows.first_index - grid.first_index
    table.insert(1, "window_start", windows.labels_start[local])
    table.insert(2, "window_end", windows.labels_end[local])
    sizes = (windows.ends - windows.starts)[local]
    at = table["window"].to_numpy()
    inside = (at >= 0) & (at < len(grid))
    totals = np.full(len(table), np.nan)
    totals[inside] = (grid.ends - grid.starts)[at[inside]]
    with np.errstate(invalid="ignore", divide="ignore"):
        table.insert(0, "segment_share", np.where(totals > 0, sizes / totals, np.nan))
    return table.sort_values(["window"], kind="stable").reset_index(drop=True)
