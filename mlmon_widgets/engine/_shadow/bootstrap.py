"""The paired bootstrap of a shadow comparison, vectorised over every cell of a call.

A paired bootstrap resamples rows, and each resampled row carries both models' scores, so
the two models always see the same resample. Here it is the Poisson bootstrap (Hanley and
MacGibbon 2006; Chamandy et al. 2012): replicate ``b`` gives every row an independent
Poisson(1) weight, the same weight for both models and for every cell (segment x window)
the row belongs to. That makes one replicate one pass over the rows for all cells at once
(``numpy.bincount`` over the finest cells, then sums up to coarser ones), instead of one
resample per cell. Its standard errors equal the multinomial bootstrap's to O(1/n).

For metrics that are means of a per-row value (log loss, Brier score, MAE, the score
difference) no replicate is drawn: the bootstrap variance of a mean of paired per-row
differences ``d`` has the closed form ``sum((d - mean(d))**2) / n**2`` (the limit of
infinitely many replicates, so no Monte-Carlo error). Replicates are drawn for the metrics
that are not means: calibration error, RMSE and the latency/memory percentiles.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

#: Poisson(1) cumulative probabilities used to turn float32 uniforms into weights (a
#: weight above 10 has probability 1e-8 and is cut at 10).
_POISSON_CDF = sps.poisson.cdf(np.arange(10), 1.0).astype(np.float32)


def poisson_weights(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` independent Poisson(1) weights (uint8), by inverting the CDF of uniforms."""
    u = rng.random(n, dtype=np.float32)
    w = np.zeros(n, dtype=np.uint8)
    for c in _POISSON_CDF:
        w += u > c
    return w


def mean_std_error(d: np.ndarray) -> float:
    """The bootstrap standard error of ``mean(d)`` in closed form: ``std(d, ddof=0) / sqrt(n)``."""
    n = len(d)
    if n < 2:
        return math.nan
    return float(np.std(d) / math.sqrt(n))


@dataclass(frozen=True)
class Grid:
    """The finest cells of one segment column: window x segment value (window-major)."""

    code: np.ndarray  # finest cell of each row, -1 when the row takes no part
    n_windows: int
    n_values: int

    @property
    def size(self) -> int:
        return self.n_windows * self.n_values

    def levels(self, cells: np.ndarray) -> dict[str, np.ndarray]:
        """Sums of ``cells`` (finest cells first, any trailing axes) at every level."""
        shaped = cells.reshape(self.n_windows, self.n_values, *cells.shape[1:])
        return {
            "overall": shaped.sum(axis=(0, 1))[None, None],
            "window": shaped.sum(axis=1)[:, None],
            "segment": shaped.sum(axis=0)[None, :],
            "cell": shaped,
        }


def _ece(sums: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Calibration error from per-bin sums of (score - label) and total weights."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.abs(sums).sum(axis=-1) / weight


def calibration_replicates(
    grid: Grid,
    bins_live: np.ndarray,
    bins_shadow: np.ndarray,
    resid_live: np.ndarray,
    resid_shadow: np.ndarray,
    weights: Iterator[np.ndarray],
    n_bins: int = 10,
) -> dict[str, np.ndarray]:
    """Bootstrap replicates of ``ECE_shadow - ECE_live`` at every level of ``grid``.

    Returns ``{level: array (replicates, windows, values)}``. Rows with ``grid.code < 0``
    (unlabelled, not scored) take no part.
    """
    use = grid.code >= 0
    code = grid.code[use].astype(np.int64)
    key_l = code * n_bins + bins_live[use]
    key_s = code * n_bins + bins_shadow[use]
    r_l, r_s = resid_live[use], resid_shadow[use]
    size = grid.size
    out: dict[str, list[np.ndarray]] = {}
    for w in weights:
        w = w[use].astype(np.float64)
        s_l = np.bincount(key_l, w * r_l, size * n_bins).reshape(size, n_bins)
        s_s = np.bincount(key_s, w * r_s, size * n_bins).reshape(size, n_bins)
        total = np.bincount(code, w, size)
        lv_l, lv_s, lv_w = grid.levels(s_l), grid.levels(s_s), grid.levels(total)
        for level in lv_w:
            diff = _ece(lv_s[level], lv_w[level]) - _ece(lv_l[level], lv_w[level])
            out.setdefault(level, []).append(diff)
    return {level: np.stack(parts) for level, parts in out.items()}


def weighted_quantiles(
    values: np.ndarray, starts: np.ndarray, ends: np.ndarray, w: np.ndarray, qs: np.ndarray
) -> np.ndarray:
    """Weighted quantiles (inverted CDF) of runs ``values[starts[i]:ends[i]]`` (each sorted).

    Returns an array (runs, quantiles); NaN for a run whose weights sum to 0.
    """
    # Integer weights: an integer running sum is exact and ten times faster than floats.
    kind = np.int32 if 10 * len(w) < 2**31 else np.int64
    cum = np.zeros(len(w) + 1, dtype=kind)
    np.cumsum(w, dtype=kind, out=cum[1:])
    low, high = cum[starts], cum[ends]
    total = high - low
    targets = np.ceil(low[:, None] + qs[None, :] * total[:, None]).astype(kind)
    pos = np.searchsorted(cum, targets, side="left") - 1
    pos = np.clip(pos, starts[:, None], np.maximum(ends - 1, starts)[:, None])
    out = values[np.minimum(pos, len(values) - 1)] if len(values) else np.full(pos.shape, np.nan)
    return np.where(total[:, None] > 0, out, np.nan)


@dataclass(frozen=True)
class SortedRuns:
    """One model's resource values sorted within each window (and overall)."""

    order: np.ndarray  # row positions, sorted by (window, value)
    values: np.ndarray
    starts: np.ndarray
    ends: np.ndarray

    @classmethod
    def build(cls, values: np.ndarray, window: np.ndarray, n_windows: int) -> SortedRuns:
        keep = np.flatnonzero(np.isfinite(values) & (window >= 0))
        order = keep[np.lexsort((values[keep], window[keep]))]
        counts = np.bincount(window[order], minlength=n_windows)
        ends = np.cumsum(counts)
        return cls(order, values[order], ends - counts, ends)


def quantile_replicates(
    runs: tuple[SortedRuns, SortedRuns],
    overall: tuple[SortedRuns, SortedRuns],
    qs: np.ndarray,
    weights: Iterator[np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    """Replicates of ``quantile(shadow) - quantile(live)``: per window and overall.

    Returns ``(per_window (replicates, windows, quantiles), overall (replicates, 1, q))``.
    """
    per_window, whole = [], []
    for w in weights:
        parts = []
        for group in (runs, overall):
            live, shadow = (
                weighted_quantiles(r.values, r.starts, r.ends, w[r.order], qs) for r in group
            )
            parts.append(shadow - live)
        per_window.append(parts[0])
        whole.append(parts[1])
    return np.stack(per_window), np.stack(whole)


def replicate_std(replicates: np.ndarray) -> np.ndarray:
    """Standard deviation over the replicate axis (0), ignoring NaN replicates."""
    finite = np.isfinite(replicates)
    count = finite.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        filled = np.where(finite, replicates, 0.0)
        mean = filled.sum(axis=0) / count
        var = (np.where(finite, replicates - mean, 0.0) ** 2).sum(axis=0) / (count - 1)
    return np.where(count >= max(2, replicates.shape[0] // 2), np.sqrt(var), np.nan)
