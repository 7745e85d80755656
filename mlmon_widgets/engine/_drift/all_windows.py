"""Every window of one feature at once: the vectorised path of drift_table and drift_over_time.

A feature's production values for a chunk of windows are gathered into one flat array
(window after window), sorted once globally so that the look-ups into the sorted reference
run on ordered keys, then re-ordered window by window (a stable radix sort on the window
number). Bin counts are one ``bincount`` over (window, bin); the KS statistic is the
largest integer gap of the two ECDFs per window (``maximum.reduceat``); Wasserstein, PSI,
JS, KL and the chi-squared tests are vectorised over windows. KS p-values are scipy's:
exact ones (both samples of at most 10,000 values) from ``scipy.stats.ks_2samp`` once per
distinct (sizes, statistic), asymptotic ones from ``scipy.stats.kstwo`` once per distinct
(statistic, effective size). The numbers are those of the one-window path, which seasonal
windows and lossy sketches still take (``tests/test_all_windows.py`` checks both agree).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps
from scipy.stats import _stats_py as _scipy_stats_py

from .._data.columns import CodedColumn, NumericColumn
from .._data.windows import Windows
from .._vocabulary import JS, KL, P_KS, P_TAILS, PSI, PSI_TAILS, WASSERSTEIN
from .baseline import CategoricalFeature, NumericFeature
from .counts import binned_distances_rows, chi2_rows, tail_chi2_rows
from .kernels import KS_EXACT_MAX_N, TAIL_MIN_EXPECTED, SortedReference, coarse_counts
from .smirnov import kstwo_sf

#: Values gathered per chunk of windows (bounds the working memory of one feature).
CHUNK_VALUES = 4_000_000
#: Windows per chunk (window numbers within a chunk fit the 16-bit radix sort).
CHUNK_WINDOWS = 32_767
_CONSTANT_NOTE = "reference is constant: any change is an infinite normed Wasserstein"


@dataclass
class Chunk:
    """Consecutive windows ``first:first + size``, their rows gathered window after window."""

    first: int
    index: slice | np.ndarray  # positions into the production rows
    window: np.ndarray  # window number within the chunk, per gathered row (non-decreasing)
    lengths: np.ndarray  # rows per window

    @property
    def size(self) -> int:
        return len(self.lengths)


def chunks(windows: Windows, max_values: int = CHUNK_VALUES) -> Iterator[Chunk]:
    """The windows in chunks of at most ``max_values`` gathered rows (one window at least)."""
    lengths = (windows.ends - windows.starts).astype(np.int64)
    first = 0
    while first < len(lengths):
        cumulative = np.cumsum(lengths[first : first + CHUNK_WINDOWS])
        size = max(1, int(np.searchsorted(cumulative, max_values, side="right")))
        last = first + size
        own = lengths[first:last]
        starts, ends = windows.starts[first:last], windows.ends[first:last]
        window = np.repeat(np.arange(size, dtype=np.int16), own)
        index: slice | np.ndarray
        if windows.order is None and np.array_equal(starts[1:], ends[:-1]):
            index = slice(int(starts[0]), int(ends[-1]))
        else:
            offsets = np.cumsum(own) - own
            index = np.arange(int(own.sum()), dtype=np.int64) + np.repeat(starts - offsets, own)
            if windows.order is not None:
                index = windows.order[index]
        yield Chunk(first, index, window, own)
        first = last


def _share(count: np.ndarray, total: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, count / np.maximum(total, 1), np.nan)


def _too_few(side: str, count: int, min_rows: int) -> str:
    return f"{side} has {count} usable value(s), fewer than min_rows={min_rows}"


def _notes(n: np.ndarray, reference_n: int, min_rows: int) -> list[str]:
    """The 'too few values' note of every window (empty where the tests run)."""
    if reference_n < min_rows:
        note = _too_few("reference", reference_n, min_rows)
        return [note if k > 0 else _too_few("window", 0, min_rows) for k in n.tolist()]
    return [_too_few("window", k, min_rows) if k < min_rows else "" for k in n.tolist()]


class KSPValues:
    """scipy's two-sided KS p-values, each computed once per distinct statistic and sizes."""

    def __init__(self) -> None:
        self._exact: dict[tuple[int, int, int], float] = {}
        self._asymptotic: dict[tuple[int, int, int], float] = {}

    def exact(self, reference: np.ndarray, current_sorted: np.ndarray, numerator: int) -> float:
        """``ks_2samp(reference, current).pvalue`` (exact method): a function of the sizes and D.

        scipy's exact computation is called directly where this scipy has it (its public
        wrapper costs more than the computation at small windows); otherwise, or where it
        gives up (then scipy itself falls back to the asymptotic formula), ``ks_2samp``.
        """
        n1, n2 = len(reference), len(current_sorted)
        key = (n1, n2, int(numerator))
        if key not in self._exact:
            p = _exact_ks_pvalue(n1, n2, int(numerator))
            if p is None:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)
                    p = float(sps.ks_2samp(reference, current_sorted).pvalue)
            self._exact[key] = p
        return self._exact[key]

    def asymptotic(self, numerators: np.ndarray, n1: np.ndarray, n2: np.ndarray) -> np.ndarray:
        """``ks_2samp(method='asymp')``'s p-value: ``kstwo.sf(D, round(n1 n2 / (n1 + n2)))``.

        ``D = numerators / (n1 n2)``; scipy evaluates each distinct (D, sizes) once.
        """
        keys = list(zip(numerators.tolist(), np.asarray(n1).tolist(), n2.tolist(), strict=True))
        new = sorted({key for key in keys if key not in self._asymptotic})
        if new:
            k, m1, m2 = (np.asarray(v, dtype=float) for v in zip(*new, strict=True))
            p = np.clip(kstwo_sf(k / (m1 * m2), np.round(m1 * m2 / (m1 + m2))), 0, 1)
            self._asymptotic.update(zip(new, p.tolist(), strict=True))
        return np.fromiter((self._asymptotic[key] for key in keys), dtype=float, count=len(keys))


#: scipy's exact two-sample KS probability (private, so looked up and checked in tests).
_ATTEMPT_EXACT = getattr(_scipy_stats_py, "_attempt_exact_2kssamp", None)


def _exact_ks_pvalue(n1: int, n2: int, numerator: int) -> float | None:
    """Scipy's exact two-sided p-value for ``D = numerator / (n1 n2)``.

    None where it cannot tell: the caller then asks scipy's public ``ks_2samp``.
    """
    g = math.gcd(n1, n2)
    if _ATTEMPT_EXACT is None or n1 // g >= np.iinfo(np.int32).max / (n2 // g):
        return None
    try:  # (its warnings are silenced once per feature, where the windows are looped)
        success, _, p = _ATTEMPT_EXACT(n1, n2, g, numerator / (n1 * n2), "two-sided")
    except Exception:
        return None
    if not success or not 0 <= p <= 1:
        return None
    return float(p)


def _ranked(
    ref: np.ndarray, values: np.ndarray, window: np.ndarray, n: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Values sorted within each window, their windows, and the reference's counts.

    Returns the sorted values, their window numbers and, per value, the reference counts at
    or below it (``le1``) and strictly below it (``lt1``).

    One global sort puts the look-ups into the sorted reference on ordered keys (several
    times faster than random ones); a stable radix sort on the window number then brings
    the values back window by window, each window still sorted.
    """
    order = np.argsort(values)
    ordered = values[order]
    le1 = np.searchsorted(ref, ordered, side="right")
    tie = (le1 > 0) & (ref[np.maximum(le1 - 1, 0)] == ordered)
    lt1 = le1
    if tie.any():
        lt1 = le1.copy()
        lt1[tie] = np.searchsorted(ref, ordered[tie], side="left")
    by_window = np.argsort(window[order], kind="stable")
    le1_w = le1[by_window]
    lt1_w = le1_w if lt1 is le1 else lt1[by_window]
    window_sorted = np.repeat(np.arange(len(n), dtype=np.int64), n)
    return ordered[by_window], window_sorted, le1_w, lt1_w


def numeric_windows(
    feature: NumericFeature,
    reference: SortedReference,
    column: NumericColumn,
    chunk: Chunk,
    min_rows: int,
    p_values: KSPValues,
) -> dict[str, object]:
    """The statistics of every window of ``chunk`` for one numeric feature (column arrays)."""
    size = chunk.size
    values = column.values[chunk.index]
    window = chunk.window
    n_rows = chunk.lengths
    finite = np.isfinite(values)
    if finite.all():  # the usual case: no missing, infinite or invalid values
        n_nan = n_invalid = np.zeros(size, dtype=np.int64)
        n = n_rows
    else:
        n_nan = np.bincount(window[np.isnan(values)], minlength=size)
        n_invalid = np.zeros(size, dtype=np.int64)
        if column.invalid is not None:
            n_invalid = np.bincount(window[column.invalid[chunk.index]], minlength=size)
        values, window = values[finite], window[finite]
        n = np.bincount(window, minlength=size)
    out: dict[str, object] = {
        "n_current": n,
        "n": n_rows,
        "missing_current": _share(n_nan - n_invalid, n_rows),
        "nonfinite_current": _share(n_rows - n - n_nan, n_rows),
        "invalid_current": _share(n_invalid, n_rows),
        "insufficient": (n < min_rows) | (feature.n < min_rows),
        "note": _notes(n, feature.n, min_rows),
    }
    outside = (values < feature.min) | (values > feature.max)
    if outside.any():
        out["out_of_range"] = _share(np.bincount(window[outside], minlength=size), n)
    else:
        out["out_of_range"] = _share(np.zeros(size), n)
    tested = ~out["insufficient"]  # type: ignore[operator]
    if not tested.any():
        return out
    ref = reference.values
    current, window, le1, lt1 = _ranked(ref, values, window, n)
    starts = np.cumsum(n) - n  # of every window in ``current``
    seen = n > 0
    out.update(_binned(feature, current, window, size, tested))
    # Distinct values per window with the window's counts below (lt2) and at-or-below (le2).
    first = np.empty(len(current), dtype=bool)
    first[0] = True
    np.not_equal(current[1:], current[:-1], out=first[1:])
    first[starts[seen]] = True
    if first.all():  # no ties within a window (continuous data): no gathers needed
        at, u, le1_u, lt1_u = np.arange(len(current)), current, le1, lt1
        own = window
    else:
        at = np.flatnonzero(first)
        u, le1_u, lt1_u, own = current[at], le1[at], lt1[at], window[at]
    lt2 = at - starts[own]
    le2 = np.append(at[1:], len(current)) - starts[own]
    distinct_start = np.searchsorted(own, np.flatnonzero(seen))
    n_seen = n[seen]
    numerators = np.zeros(size, dtype=np.int64)
    numerators[seen] = reference.ks_numerators(le1_u, lt1_u, le2, lt2, distinct_start, n_seen)
    distances = np.full(size, np.nan)
    distances[seen] = reference.wasserstein_segments(u, le2, le1_u, distinct_start, n_seen)
    ks_d = numerators / (float(reference.n) * np.maximum(n, 1))
    p_ks = np.full(size, np.nan)
    exact = tested & (np.maximum(n, reference.n) <= KS_EXACT_MAX_N)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for w in np.flatnonzero(exact).tolist():
            own_values = current[starts[w] : starts[w] + n[w]]
            p_ks[w] = p_values.exact(ref, own_values, int(numerators[w]))
    asymptotic = np.flatnonzero(tested & ~exact)
    if len(asymptotic):  # computed with every other feature's, once, by the caller
        out["_asymptotic"] = (asymptotic, numerators[asymptotic], reference.n, n[asymptotic])
    out["statistic"] = np.where(tested, ks_d, np.nan)
    out[P_KS] = p_ks
    out["method"] = np.where(tested, "exact", None)
    if feature.std > 0:
        out[WASSERSTEIN] = np.where(tested, distances / feature.std, np.nan)
    else:
        constant = np.where(distances == 0, 0.0, math.inf)
        out[WASSERSTEIN] = np.where(tested, constant, np.nan)
        out["note"] = [
            _CONSTANT_NOTE if t else note
            for t, note in zip(tested.tolist(), out["note"], strict=True)  # type: ignore[arg-type]
        ]
    return out


def _binned(
    feature: NumericFeature,
    current: np.ndarray,
    window: np.ndarray,
    size: int,
    tested: np.ndarray,
) -> dict[str, np.ndarray]:
    """PSI, JS, KL (decile bins) and the tail-refined PSI and chi-squared test per window."""
    return binned_from_counts(feature, _counts(current, window, fine_edges(feature), size), tested)


def fine_edges(feature: NumericFeature) -> np.ndarray:
    """The edges a numeric feature's windows are counted on: tail-refined where it has them."""
    if feature.tail_edges is not None and feature.tail_counts is not None:
        return feature.tail_edges
    return feature.edges


def binned_from_counts(
    feature: NumericFeature, fine: np.ndarray, tested: np.ndarray
) -> dict[str, np.ndarray]:
    """PSI, JS, KL and the tail-refined PSI and chi-squared test from windows x bins counts.

    ``fine`` counts each window's values on :func:`fine_edges` (bins closed on the left,
    outer bins open); only the ``tested`` windows get values, the others NaN.
    """
    out: dict[str, np.ndarray] = {}
    size = len(fine)
    rows = np.flatnonzero(tested)
    if feature.tail_edges is not None and feature.tail_counts is not None:
        fine = fine[rows]
        counts = coarse_counts(feature.tail_edges, fine.T, feature.edges).T
        psi_tails, _, _ = binned_distances_rows(feature.tail_counts, fine)
        _, p_tails = tail_chi2_rows(feature.tail_counts, fine, TAIL_MIN_EXPECTED)
        out[PSI_TAILS] = _spread(psi_tails, rows, size)
        out[P_TAILS] = _spread(p_tails, rows, size)
    else:
        counts = fine[rows]
    distances = binned_distances_rows(feature.counts, counts)
    for name, values in zip((PSI, JS, KL), distances, strict=True):
        out[name] = _spread(values, rows, size)
    return out


def _counts(current: np.ndarray, window: np.ndarray, edges: np.ndarray, size: int) -> np.ndarray:
    """Windows x bins counts (bins closed on the left, outer bins open)."""
    k = len(edges) + 1
    bins = np.searchsorted(edges, current, side="right")
    flat = np.bincount(window.astype(np.int64) * k + bins, minlength=size * k)
    return flat.reshape(size, k)


def _spread(values: np.ndarray, rows: np.ndarray, size: int) -> np.ndarray:
    out = np.full(size, np.nan)
    out[rows] = values
    return out


def categorical_windows(
    feature: CategoricalFeature,
    to_reference: np.ndarray,
    column: CodedColumn,
    chunk: Chunk,
    min_rows: int,
    max_categories: int,
    merge_tail: object,
) -> dict[str, object]:
    """The statistics of every window of ``chunk`` for one categorical or boolean feature.

    ``to_reference`` maps the column's labels to the baseline's categories (-1: unseen);
    windows with more categories than ``max_categories`` fall back to ``merge_tail``, the
    one-window function that merges the rarest.
    """
    size = chunk.size
    codes = column.codes[chunk.index]
    window = chunk.window.astype(np.int64)
    n_rows = chunk.lengths
    labels = len(column.labels)
    valid = codes >= 0
    counts = np.bincount(window[valid] * labels + codes[valid], minlength=size * labels)
    counts = counts.reshape(size, labels)
    missing = np.bincount(window[codes == -1], minlength=size)
    invalid = np.bincount(window[codes == -2], minlength=size)
    return categorical_from_counts(
        feature,
        to_reference,
        counts,
        (n_rows, missing, invalid),
        min_rows,
        max_categories,
        merge_tail,
    )


def categorical_from_counts(
    feature: CategoricalFeature,
    to_reference: np.ndarray,
    counts: np.ndarray,
    rows: tuple[np.ndarray, np.ndarray, np.ndarray],
    min_rows: int,
    max_categories: int,
    merge_tail: object,
) -> dict[str, object]:
    """The statistics of windows given their windows x labels ``counts``.

    ``to_reference`` maps the labels to the baseline's categories (-1: unseen); ``rows``
    holds each window's rows, missing values and invalid values.
    """
    size = len(counts)
    n_rows, missing, invalid = rows
    known = to_reference >= 0
    k = len(feature.labels)
    aligned = np.zeros((size, k), dtype=np.int64)
    np.add.at(aligned.T, to_reference[known], counts[:, known].T)
    unseen = counts[:, ~known]
    n = counts.sum(axis=1)
    out: dict[str, object] = {
        "n_current": n,
        "n": n_rows,
        "missing_current": _share(missing, n_rows),
        "invalid_current": _share(invalid, n_rows),
        "unseen_categories": (unseen > 0).sum(axis=1),
        "unseen_share": _share(unseen.sum(axis=1), n),
        "insufficient": (n < min_rows) | (feature.n < min_rows),
        "note": _notes(n, feature.n, min_rows),
    }
    tested = ~out["insufficient"]  # type: ignore[operator]
    if not tested.any():
        return out
    reference = np.concatenate([feature.counts, np.zeros(unseen.shape[1], dtype=np.int64)])
    current = np.concatenate([aligned, unseen], axis=1)
    present = (reference + current) > 0
    many = tested & (present.sum(axis=1) > max_categories)
    plain = np.flatnonzero(tested & ~many)
    statistic, p_value, _ = chi2_rows(reference, current[plain])
    distances = binned_distances_rows(reference, current[plain], present[plain])
    for name, values in zip(
        ("statistic", "p_value", PSI, JS, KL), (statistic, p_value, *distances), strict=True
    ):
        out[name] = _spread(values, plain, size)
    notes = out["note"]
    for w in np.flatnonzero(many):
        stats = merge_tail(reference, current[w], max_categories)  # type: ignore[operator]
        for name, value in stats.items():
            if name == "note":
                notes[w] = value  # type: ignore[index]
            else:
                out[name][w] = value  # type: ignore[index]
    out["method"] = np.where(tested, "exact", None)
    return out
