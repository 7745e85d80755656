"""segment_performance: every performance metric per segment, against the rest of the rows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from .._data.windows import Windows, make_windows
from .._drift.severity import adjust_pvalues
from .._performance.over_time import performance_over_time
from .._validation import check_frame, check_probability
from .._vocabulary import BOTH, CLASSIFICATION, LOWER, OK, PERFORMANCE_METRICS, UPPER
from .drift import MAX_SEGMENTS, MISSING_SEGMENT, _labels, _segmentings, check_segment_count
from .explain import ADDITIVE, _row_values

#: Metrics with a per-row value, tested against the rest of the rows (Welch's t-test).
TESTED = ADDITIVE


def segment_performance(
    frame: pd.DataFrame,
    by: Any,
    *,
    label: str,
    score: str | None = None,
    prediction: str | None = None,
    time: str | None = None,
    window: object | None = None,
    threshold: float = 0.5,
    min_coverage: float = 0.8,
    min_rows: int = 50,
    latency: str | None = None,
    n_bootstrap: int = 200,
    alpha: float = 0.01,
    max_segments: int = MAX_SEGMENTS,
    seed: int = 0,
) -> pd.DataFrame:
    """Every metric of :func:`performance_over_time` per segment, and how it differs from the rest.

    Within a segment each row is :func:`performance_over_time` run on the segment's rows
    alone (intervals, coverage, pending windows included), on the whole frame's window
    grid. ``value_rest`` is the same metric on the other rows of the window and
    ``difference`` the segment's value minus it; for metrics that are means of a per-row
    value (accuracy, positive rate, mean score, log loss) ``p_value`` is Welch's t-test of
    the segment's rows against the rest's (``scipy.stats.ttest_ind``, ``equal_var=False``)
    and ``p_adjusted`` its Benjamini-Hochberg correction over every test of the call; only
    scored windows (status ``ok`` on both sides) are tested.

    Parameters
    ----------
    frame : pandas.DataFrame
        Predictions with their (possibly missing) labels and the segment column(s).
    by : str, tuple of str, or list of them
        As in :func:`segment_drift`.
    label, score, prediction, time, window, threshold, min_coverage, min_rows
        As in :func:`performance_over_time` (classification).
    latency, n_bootstrap, seed
        As in :func:`performance_over_time` (classification).
    alpha : float, default 0.01
        Level of the corrected p-value (``worse`` marks significant differences).
    max_segments : int, default 50
        A segment column with more distinct values is refused (bin it first).

    Returns
    -------
    pandas.DataFrame
        ``segment_column``, ``segment_value``, ``segment_share``, the columns of
        :func:`performance_over_time`, ``value_rest``, ``difference``, ``p_value``,
        ``p_adjusted``, ``significant`` and ``worse`` (significant, and in the direction
        that is bad for the metric: lower accuracy, higher log loss).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> n = 4000
    >>> young = rng.random(n) < 0.2
    >>> y = rng.random(n) < 0.3
    >>> noise = np.where(young, 0.45, 0.15)  # the model is worse for the young
    >>> score = np.clip(0.3 + 0.4 * y + rng.normal(0, noise), 0, 1)
    >>> frame = pd.DataFrame({"age": np.where(young, "under 30", "30+"), "y": y, "score": score})
    >>> table = segment_performance(frame, "age", label="y", score="score", n_bootstrap=0)
    >>> acc = table[table["metric"] == "accuracy"].set_index("segment_value")
    >>> bool(acc.loc["under 30", "difference"] < 0), bool(acc.loc["under 30", "worse"])
    (True, True)
    """
    check_frame("frame", frame, allow_empty_rows=True)
    alpha = check_probability("alpha", alpha)
    if (time is None) != (window is None):
        raise ValueError("give time= and window= together (time windows), or neither")
    grid = (
        make_windows(frame, time=time, window=window)
        if window is not None
        else Windows.single(len(frame))
    )
    origin = grid.anchor
    options = {
        "label": label,
        "score": score,
        "prediction": prediction,
        "task": CLASSIFICATION,
        "threshold": threshold,
        "min_coverage": min_coverage,
        "min_rows": min_rows,
        "latency": latency,
        "n_bootstrap": n_bootstrap,
        "seed": seed,
    }
    windowing = {"time": time, "window": window, "origin": origin} if window is not None else {}
    parts = []
    for segmenting in _segmentings(by):
        for column in segmenting:
            if column not in frame.columns:
                raise ValueError(f"segment column {column!r} is not in the data")
        name = " & ".join(segmenting)
        labels = _labels(frame, segmenting)
        values = sorted(labels.unique(), key=lambda v: (v == MISSING_SEGMENT, v))
        check_segment_count(segmenting, len(values), max_segments)
        for value in values:
            inside = (labels == value).to_numpy()
            mine = performance_over_time(frame[inside], **options, **_one(windowing, inside))
            rest = performance_over_time(frame[~inside], **options, **_one(windowing, ~inside))
            table = _against_rest(mine, rest, frame, inside, grid, options)
            table.insert(0, "segment_share", _shares(table, grid, inside))
            table.insert(0, "segment_value", value)
            table.insert(0, "segment_column", name)
            parts.append(table)
    out = pd.concat(parts, ignore_index=True)
    out["p_adjusted"] = adjust_pvalues(out["p_value"].to_numpy(), method="fdr_bh", alpha=alpha)
    with np.errstate(invalid="ignore"):
        out["significant"] = out["p_adjusted"].to_numpy() < alpha
    out["worse"] = out["significant"] & _bad_direction(out)
    return out


def _bad_direction(table: pd.DataFrame) -> np.ndarray:
    """Whether each difference goes the way that is bad for its metric (its ``side``)."""
    sides = table["metric"].map(
        lambda m: PERFORMANCE_METRICS[m].side if m in PERFORMANCE_METRICS else BOTH
    )
    difference = table["difference"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        lower = (sides == LOWER).to_numpy() & (difference < 0)
        upper = (sides == UPPER).to_numpy() & (difference > 0)
    return lower | upper | (sides == BOTH).to_numpy()


def _one(windowing: dict[str, Any], rows: np.ndarray) -> dict[str, Any]:
    """The windows of a part: the grid's, or one window of all its rows."""
    return windowing or {"rows": max(int(rows.sum()), 1)}


def _shares(table: pd.DataFrame, grid: Windows, inside: np.ndarray) -> np.ndarray:
    out = np.full(len(table), np.nan)
    for w in np.unique(table["window"].to_numpy()):
        if 0 <= w < len(grid):
            rows = grid.rows(int(w))
            share = float(inside[rows].mean()) if len(inside[rows]) else np.nan
            out[table["window"].to_numpy() == w] = share
    return out


def _against_rest(
    mine: pd.DataFrame,
    rest: pd.DataFrame,
    frame: pd.DataFrame,
    inside: np.ndarray,
    grid: Windows,
    options: dict[str, Any],
) -> pd.DataFrame:
    keys = ["window", "metric"]
    other = rest.set_index(keys)[["value", "status"]].rename(
        columns={"value": "value_rest", "status": "status_rest"}
    )
    table = mine.join(other, on=keys)
    table["difference"] = table["value"] - table["value_rest"]
    p = np.full(len(table), np.nan)
    per_row: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for i, row in enumerate(table.itertuples(index=False)):
        if row.metric not in TESTED or row.status != OK or row.status_rest != OK:
            continue
        if not 0 <= row.window < len(grid):
            continue
        if row.metric not in per_row:
            per_row[row.metric] = _row_values(
                frame,
                row.metric,
                options["label"],
                options["score"],
                options["prediction"],
                options["threshold"],
            )
        values, usable = per_row[row.metric]
        rows = np.zeros(len(frame), dtype=bool)
        rows[grid.rows(int(row.window))] = True
        a = values[rows & usable & inside]
        b = values[rows & usable & ~inside]
        if len(a) > 1 and len(b) > 1 and (a.var() > 0 or b.var() > 0):
            p[i] = float(sps.ttest_ind(a, b, equal_var=False).pvalue)
    table["p_value"] = p
    return table.drop(columns="status_rest")


__all__: Sequence[str] = ("segment_performance",)
