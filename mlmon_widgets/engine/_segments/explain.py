"""explain_change: how much of a metric's change each segment's mix and rate explain."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._performance.metrics import _auc
from .._validation import check_frame
from .._vocabulary import ACCURACY, LOG_LOSS, MEAN_SCORE, POSITIVE_RATE, ROC_AUC
from .drift import MISSING_SEGMENT, _labels, _segmentings

#: Metrics that are means of a per-row value, so that a change splits exactly into parts.
ADDITIVE = (ACCURACY, POSITIVE_RATE, MEAN_SCORE, LOG_LOSS)
#: Metrics that are not (their contributions are leave-one-segment-out, not additive).
NOT_ADDITIVE = (ROC_AUC,)
_EPS = 1e-15


def _row_values(
    frame: pd.DataFrame,
    metric: str,
    label: str | None,
    score: str | None,
    prediction: str | None,
    threshold: float,
) -> tuple[np.ndarray, np.ndarray]:
    """The per-row value whose mean is ``metric`` (and the rows it is defined on)."""

    def column(name: str | None, what: str) -> np.ndarray:
        if name is None:
            raise ValueError(f"metric {metric!r} needs {what}=<column>")
        if name not in frame.columns:
            raise ValueError(f"{what} column {name!r} is not in the data")
        return pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float, na_value=np.nan)

    def predicted() -> np.ndarray:
        if prediction is not None:
            return column(prediction, "prediction")
        s = column(score, "score")
        return np.where(np.isnan(s), np.nan, (s >= threshold).astype(float))

    if metric == ACCURACY:
        y, p = column(label, "label"), predicted()
        values = (y == p).astype(float)
        return values, np.isfinite(y) & np.isfinite(p)
    if metric == POSITIVE_RATE:
        p = predicted()
        return p, np.isfinite(p)
    if metric == MEAN_SCORE:
        s = column(score, "score")
        return s, np.isfinite(s)
    if metric == LOG_LOSS:
        y, s = column(label, "label"), np.clip(column(score, "score"), _EPS, 1 - _EPS)
        values = -(y * np.log(s) + (1 - y) * np.log(1 - s))
        return values, np.isfinite(values)
    if metric in frame.columns:  # the mean of a column (a rate for a boolean one)
        values = pd.to_numeric(frame[metric], errors="coerce").to_numpy(
            dtype=float, na_value=np.nan
        )
        return values, np.isfinite(values)
    raise ValueError(
        f"metric must be a column of the data or one of {', '.join(ADDITIVE + NOT_ADDITIVE)}; "
        f"got {metric!r}"
    )


def _by_segment(values: np.ndarray, usable: np.ndarray, labels: pd.Series) -> pd.DataFrame:
    frame = pd.DataFrame({"segment": labels.to_numpy()[usable], "v": values[usable]})
    grouped = frame.groupby("segment", sort=False)["v"]
    return pd.DataFrame({"n": grouped.size(), "value": grouped.mean()})


def explain_change(
    before: pd.DataFrame,
    after: pd.DataFrame,
    by: Any,
    *,
    metric: str,
    label: str | None = None,
    score: str | None = None,
    prediction: str | None = None,
    threshold: float = 0.5,
) -> pd.DataFrame:
    """Split the change of ``metric`` between two periods into each segment's mix and rate.

    For a metric that is a mean of rows (a column's mean or rate, accuracy, positive rate,
    mean score, log loss) the overall change is sum over segments of
    ``s1 * m1 - s0 * m0``, which splits exactly (Kitagawa, with symmetric midpoint
    weights) into a **mix effect** ``(s1 - s0) * (m0 + m1) / 2`` (the segment's share
    changed) and a **rate effect** ``(m1 - m0) * (s0 + s1) / 2`` (the metric changed
    inside it); the parts add up to the overall change. A segment absent from one period
    has share 0 there and takes the other period's value, so its effect is all mix.
    ROC AUC is not a mean of rows: each segment gets the change of the overall AUC with
    that segment left out (``additive`` False: these do not add up).

    Parameters
    ----------
    before, after : pandas.DataFrame
        The two periods' rows.
    by : str or tuple of str
        The segment column, or columns crossed.
    metric : str
        A column of the data (its mean), or one of ``{'accuracy', 'positive_rate',
        'mean_score', 'log_loss', 'roc_auc'}``.
    label, score, prediction : str, optional
        Columns the performance metrics need (the prediction defaults to score >=
        ``threshold``).
    threshold : float, default 0.5
        Decision threshold on the score.

    Returns
    -------
    pandas.DataFrame
        One row per segment value: ``share_before``, ``share_after``, ``value_before``,
        ``value_after``, ``mix_effect``, ``rate_effect``, ``total_effect``, ``additive``;
        ``.attrs['overall_change']`` (the sum of ``total_effect`` for additive metrics),
        ``.attrs['overall_before']`` and ``.attrs['overall_after']``.

    Examples
    --------
    >>> def period(n_a, bad_a, n_b, bad_b):  # rows per channel and how many are bad
    ...     bad = [1] * bad_a + [0] * (n_a - bad_a) + [1] * bad_b + [0] * (n_b - bad_b)
    ...     return pd.DataFrame({"channel": ["a"] * n_a + ["b"] * n_b, "bad": bad})
    >>> before, after = period(80, 4, 20, 4), period(50, 3, 50, 10)
    >>> parts = explain_change(before, after, "channel", metric="bad")
    >>> parts[["share_before", "share_after", "mix_effect", "rate_effect"]].round(3).reset_index()
      segment  share_before  share_after  mix_effect  rate_effect
    0       a           0.8          0.5      -0.017        0.006
    1       b           0.2          0.5       0.060        0.000
    >>> round(parts.attrs["overall_change"], 3), round(float(parts["total_effect"].sum()), 3)
    (0.05, 0.05)
    """
    check_frame("before", before)
    check_frame("after", after)
    segmenting = _segmentings(by)
    if len(segmenting) != 1:
        raise TypeError("explain_change takes one segment column, or a tuple of them crossed")
    columns = segmenting[0]
    for column in columns:
        for name, frame in (("before", before), ("after", after)):
            if column not in frame.columns:
                raise ValueError(f"segment column {column!r} is not in {name}")
    if metric in NOT_ADDITIVE:
        return _leave_one_out(before, after, columns, label, score)
    parts = []
    overall = []
    for frame in (before, after):
        values, usable = _row_values(frame, metric, label, score, prediction, threshold)
        if not usable.any():
            raise ValueError(f"metric {metric!r} has no usable rows in one of the periods")
        parts.append(_by_segment(values, usable, _labels(frame, columns)))
        overall.append(float(values[usable].mean()))
    b, a = parts
    segments = sorted(set(b.index) | set(a.index), key=lambda v: (v == MISSING_SEGMENT, v))
    b, a = b.reindex(segments), a.reindex(segments)
    s0 = (b["n"] / b["n"].sum()).fillna(0.0).to_numpy()
    s1 = (a["n"] / a["n"].sum()).fillna(0.0).to_numpy()
    m0, m1 = b["value"].to_numpy(dtype=float), a["value"].to_numpy(dtype=float)
    m0 = np.where(np.isnan(m0), m1, m0)  # absent before: all mix
    m1 = np.where(np.isnan(m1), m0, m1)
    out = pd.DataFrame(
        {
            "share_before": s0,
            "share_after": s1,
            "value_before": b["value"].to_numpy(dtype=float),
            "value_after": a["value"].to_numpy(dtype=float),
            "mix_effect": (s1 - s0) * (m0 + m1) / 2,
            "rate_effect": (m1 - m0) * (s0 + s1) / 2,
        },
        index=pd.Index(segments, name="segment"),
    )
    out["total_effect"] = out["mix_effect"] + out["rate_effect"]
    out["additive"] = True
    out.attrs.update(
        overall_before=overall[0], overall_after=overall[1], overall_change=overall[1] - overall[0]
    )
    return out


def _leave_one_out(before, after, columns, label, score) -> pd.DataFrame:
    def auc(frame: pd.DataFrame) -> float:
        y = pd.to_numeric(frame[label], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        p = pd.to_numeric(frame[score], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        ok = np.isfinite(y) & np.isfinite(p)
        return _auc(y[ok].astype(int), p[ok])

    if label is None or score is None:
        raise ValueError(f"metric {ROC_AUC!r} needs label=<column> and score=<column>")
    lb, la = _labels(before, columns), _labels(after, columns)
    segments = sorted(set(lb) | set(la), key=lambda v: (v == MISSING_SEGMENT, v))
    total = auc(after) - auc(before)
    rows = []
    for value in segments:
        without = auc(after[la != value]) - auc(before[lb != value])
        rows.append(
            {
                "share_before": float((lb == value).mean()),
                "share_after": float((la == value).mean()),
                "value_before": auc(before[lb == value]),
                "value_after": auc(after[la == value]),
                "mix_effect": np.nan,
                "rate_effect": np.nan,
                "total_effect": total - without,
                "additive": False,
            }
        )
    out = pd.DataFrame(rows, index=pd.Index(segments, name="segment"))
    out.attrs.update(overall_before=auc(before), overall_after=auc(after), overall_change=total)
    return out
