"""Where two models disagree: the rows, and the joint distribution of their scores."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._data.columns import as_floats
from .._validation import check_frame, check_positive_int
from .rows import model_thresholds


def _scores(frame: pd.DataFrame, live: str, shadow: str) -> tuple[np.ndarray, np.ndarray]:
    check_frame("frame", frame, allow_empty_rows=True)
    for name, column in (("live", live), ("shadow", shadow)):
        if column not in frame.columns:
            raise ValueError(f"{name} column {column!r} is not in the data")
    return as_floats(frame[live]), as_floats(frame[shadow])


def disagreements(
    frame: pd.DataFrame,
    *,
    live: str,
    shadow: str,
    threshold: object = 0.5,
    n: int | None = 20,
) -> pd.DataFrame:
    """The rows where the two models decide differently, largest score gap first.

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows scored by both models.
    live, shadow : str
        Their score columns.
    threshold : float or dict
        Decision thresholds as in :func:`compare_models`.
    n : int or None, default 20
        How many rows (None: all of them).

    Returns
    -------
    pandas.DataFrame
        The rows of ``frame`` (their own index and columns) with ``score_difference``
        (shadow minus live), sorted by its absolute value, descending.

    Examples
    --------
    >>> frame = pd.DataFrame({"a": [0.1, 0.6, 0.45, 0.9], "b": [0.2, 0.3, 0.7, 0.95]})
    >>> disagreements(frame, live="a", shadow="b")["score_difference"].round(2).tolist()
    [-0.3, 0.25]
    """
    p_l, p_s = _scores(frame, live, shadow)
    t_l, t_s = model_thresholds(threshold)
    scored = np.isfinite(p_l) & np.isfinite(p_s)
    differ = scored & ((p_l >= t_l) != (p_s >= t_s))
    gap = p_s - p_l
    positions = np.flatnonzero(differ)
    positions = positions[np.argsort(-np.abs(gap[positions]), kind="stable")]
    if n is not None:
        positions = positions[: check_positive_int("n", n)]
    out = frame.iloc[positions].copy()
    out["score_difference"] = gap[positions]
    return out


@dataclass(frozen=True)
class ScoreHistogram:
    """Counts of rows by (live score bin, shadow score bin) on equal bins of [low, high]."""

    counts: np.ndarray  # (bins, bins): counts[i, j] live bin i, shadow bin j
    edges: np.ndarray
    n: int


def score_histogram(
    frame: pd.DataFrame, *, live: str, shadow: str, bins: int = 40
) -> ScoreHistogram:
    """The 2-D histogram of the two models' scores (what a scatter of millions of rows shows).

    Bins are equal over the range of both scores (``[0, 1]`` for probabilities); rows
    missing either score are left out.

    Examples
    --------
    >>> frame = pd.DataFrame({"a": [0.1, 0.6, 0.45, 0.9], "b": [0.2, 0.3, 0.7, 0.95]})
    >>> h = score_histogram(frame, live="a", shadow="b", bins=2)
    >>> h.counts.tolist(), h.n
    ([[1, 1], [1, 1]], 4)
    """
    p_l, p_s = _scores(frame, live, shadow)
    bins = check_positive_int("bins", bins)
    ok = np.isfinite(p_l) & np.isfinite(p_s)
    a, b = p_l[ok], p_s[ok]
    low = min(0.0, float(a.min()), float(b.min())) if ok.any() else 0.0
    high = max(1.0, float(a.max()), float(b.max())) if ok.any() else 1.0
    edges = np.linspace(low, high, bins + 1)
    counts, _, _ = np.histogram2d(a, b, bins=[edges, edges])
    return ScoreHistogram(counts.astype(np.int64), edges, int(ok.sum()))


def rows_in_region(
    frame: pd.DataFrame,
    *,
    live: str,
    shadow: str,
    live_range: tuple[float, float],
    shadow_range: tuple[float, float],
) -> pd.DataFrame:
    """The rows whose live score lies in ``live_range`` and shadow score in ``shadow_range``.

    Both ranges are closed.

    Examples
    --------
    >>> frame = pd.DataFrame({"a": [0.1, 0.6, 0.45, 0.9], "b": [0.2, 0.3, 0.7, 0.95]})
    >>> region = {"live_range": (0.4, 1), "shadow_range": (0, 0.5)}
    >>> rows_in_region(frame, live="a", shadow="b", **region).index.tolist()
    [1]
    """
    p_l, p_s = _scores(frame, live, shadow)
    (a0, a1), (b0, b1) = sorted(map(float, live_range)), sorted(map(float, shadow_range))
    inside = (p_l >= a0) & (p_l <= a1) & (p_s >= b0) & (p_s <= b1)
    return frame[inside]


__all__: Sequence[str] = ("ScoreHistogram", "disagreements", "rows_in_region", "score_histogram")
