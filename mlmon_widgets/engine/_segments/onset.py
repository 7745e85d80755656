"""When a reported slice began: the window from which its effect stepped up."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy import stats as sps

from .._data.windows import Windows
from .batch_tests import psi_batch
from .encoding import Candidate, FeatureBins
from .search import Found, mask_of


def effect_per_window(
    cands: list[Candidate],
    scored: list[FeatureBins],
    loss: tuple[np.ndarray, np.ndarray] | None,
):
    """A function of a slice found: its effect in a window's rows, and the rows it rests on.

    Drift: PSI of the slice's bins against the slice's reference; performance: the mean
    loss inside minus outside.
    """
    bins = {b.name: b for b in scored}

    def of(found: Found):
        if loss is not None:
            values, usable = loss

            def performance(inside: np.ndarray, rows: np.ndarray) -> tuple[float, float]:
                i, o = rows[inside & usable[rows]], rows[~inside & usable[rows]]
                if len(i) == 0 or len(o) == 0:
                    return math.nan, 0.0
                return float(values[i].mean() - values[o].mean()), float(len(i))

            return performance
        feature = bins[found.target]
        ref_mask = mask_of(cands, found.conditions, True)
        ref_counts = np.bincount(feature.reference_codes[ref_mask], minlength=feature.size + 1)[
            : feature.size
        ]

        def drift(inside: np.ndarray, rows: np.ndarray) -> tuple[float, float]:
            codes = feature.codes[rows[inside]]
            counts = np.bincount(codes, minlength=feature.size + 1)[: feature.size]
            if counts.sum() == 0:
                return math.nan, 0.0
            value = psi_batch(ref_counts[None, :].astype(float), counts[None, :].astype(float))
            return float(value[0]), float(counts.sum())

        return drift

    return of


def since(grid: Windows, mask: np.ndarray, effect: Callable) -> pd.Timestamp:
    """Start of the window from which the slice's effect stepped up (NaT: no step up).

    The least-squares split of the per-window effects (weighted by the slice's rows in
    each window) into a before and an after level; the after level must be higher (see
    :func:`step_start`). Without a step, the first window with rows of the slice.
    """
    values, weights = [], []
    positions = np.arange(len(mask))
    for w in range(len(grid)):
        rows = positions[grid.rows(w)]
        value, weight = effect(mask[rows], rows)
        values.append(value)
        weights.append(weight if np.isfinite(value) else 0.0)
    values_, weights_ = np.nan_to_num(np.array(values)), np.array(weights)
    start = step_start(values_, weights_)
    if start is None:  # no step up inside the rows searched: there from their start
        present = np.flatnonzero(weights_ > 0)
        start = int(present[0]) if len(present) else None
    return pd.NaT if start is None else pd.Timestamp(grid.labels_start[start])


def step_start(values: np.ndarray, weights: np.ndarray, *, alpha: float = 0.01) -> int | None:
    """The position where ``values`` step up, if they do significantly (else None).

    The weighted least-squares fit of one step, over every split; the step counts when
    its F statistic against one constant level has p < ``alpha`` after a Bonferroni
    correction over the splits tried, and the level after is the higher one.

    Examples
    --------
    >>> step_start(np.array([0.0, 0.1, 0.0, 0.1, 1.0, 1.1, 0.9, 1.0]), np.ones(8))
    4
    >>> step_start(np.array([1.0, 1.1, 0.0, 0.1, 0.0, 0.1]), np.ones(6)) is None
    True
    """
    positions = np.flatnonzero(weights > 0)
    if len(positions) < 4:
        return None
    x, w = values[positions], weights[positions]
    w = w / w.mean()
    cw, cx, cxx = np.cumsum(w), np.cumsum(w * x), np.cumsum(w * x * x)
    before_w, before_x, before_xx = cw[:-1], cx[:-1], cxx[:-1]
    after_w, after_x, after_xx = cw[-1] - before_w, cx[-1] - before_x, cxx[-1] - before_xx
    sse = before_xx - before_x**2 / before_w + after_xx - after_x**2 / after_w
    k = int(np.argmin(sse))
    if after_x[k] / after_w[k] <= before_x[k] / before_w[k]:
        return None
    flat = cxx[-1] - cx[-1] ** 2 / cw[-1]
    dof = len(x) - 2
    if not sse[k] > 0:
        return int(positions[k + 1]) if flat > 0 else None
    f_stat = (flat - sse[k]) / (sse[k] / dof)
    if sps.f.sf(f_stat, 1, dof) * (len(x) - 1) >= alpha:
        return None
    return int(positions[k + 1])
