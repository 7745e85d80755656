"""From merged partials to the statistics of the in-memory engine, exactly.

A numeric window is rebuilt as a *surrogate* sample: the values on a grid value stay
there; the values inside a cell are put at their mean, unless the two ECDFs cross inside
that cell. Against the reference the surrogate has the same ECDF at every grid value and
cell edge, so the same KS statistic (hence p-value); and where the ECDFs do not cross
inside a cell, ``|F_ref - F_window|`` there is linear in the values, so the Wasserstein
distance depends on the cell's values through their sum only: the surrogate has the same
distance. The few cells where they do cross take their actual values, fetched by a second
pass (:func:`crossing_keys`). Bin counts (PSI, JS, KL, the tail test) come from the
partials themselves. The surrogate then runs through the in-memory functions, so every
number, note and flag is theirs.

With a lossy sketch (a baseline without its reference data, on more than 10,000 values)
the reference ECDF inside a sketch cell is interpolated: then each cell's values are at
their mean with no second pass, and KS is within the largest reference share of one
sketch cell of the in-memory sketch's statistic (``method`` is 'sketch' either way).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._data.columns import CodedColumn, NumericColumn
from .._data.windows import Windows
from .._drift.all_windows import (
    _CONSTANT_NOTE,
    CHUNK_VALUES,
    _share,
    binned_from_counts,
    categorical_from_counts,
    chunks,
    numeric_windows,
)
from .._drift.baseline import CategoricalFeature, NumericFeature
from .._drift.kernels import SortedReference
from .._drift.statistics import (
    CHI2_TEST,
    KS_TEST,
    ONE_BY_ONE_MAX,
    CategoricalAligner,
    _numeric_window,
    _Recorder,
    _too_few,
    category_statistics,
)
from .._vocabulary import WASSERSTEIN
from .partials import NUMERIC_COUNTS, CategoricalPartial, NumericPartial
from .plan import FeaturePlan


@dataclass
class NumericSetup:
    """A numeric feature ready to summarise and finish: its plan and its reference."""

    summary: NumericFeature
    plan: FeaturePlan
    exact: SortedReference | None  # None: a lossy sketch
    le: np.ndarray  # reference values at or below each grid value


def _cells(
    setup: NumericSetup, partial: NumericPartial, finite: np.ndarray
) -> dict[str, np.ndarray]:
    """Per occupied cell: window, grid position, count, the surrogate value and crossing."""
    grid = setup.plan.grid
    assert grid is not None
    k, width = len(grid), setup.plan.cells
    keys, count = partial.cells.keys, partial.cells.counts[:, 0]
    distance = partial.cells.sums if partial.cells.sums is not None else np.zeros(len(keys))
    window, cell = keys // width, keys % width
    i, on = cell // 2, cell % 2 == 1
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = distance / np.maximum(count, 1)
    lower = grid[np.clip(i - 1, 0, k - 1)]
    upper = grid[np.clip(i, 0, k - 1)]
    inside = np.where(i == 0, grid[0] - mean, lower + mean)
    # A cell whose sum overflowed (values near the float limit) has no usable mean: with
    # an exact reference its values are fetched like a crossing cell's; with a sketch it
    # sits at the largest float on its side.
    overflow = ~on & ~np.isfinite(inside)
    big = np.finfo(float).max
    inside = np.nan_to_num(inside, nan=0.0, posinf=big, neginf=-big)
    lo = np.where(i == 0, -big, np.nextafter(lower, np.inf))
    hi = np.where(i == k, big, np.nextafter(upper, -np.inf))
    value = np.where(on, upper, np.clip(inside, lo, hi))
    crossing = np.zeros(len(keys), dtype=bool)
    if setup.exact is not None and len(keys):
        starts = np.flatnonzero(np.r_[True, window[1:] != window[:-1]])
        total = np.cumsum(count)
        before = total - count
        before = before - np.repeat(before[starts], np.diff(np.append(starts, len(keys))))
        m, n1 = finite[window], setup.exact.n
        level = setup.le[np.clip(i - 1, 0, k - 1)] * m  # F_ref inside the cell, x n1 x m
        gap = ~on & (i > 0) & (i < k) & (count >= 2)
        crossing = gap & (before * n1 < level) & (level < (before + count) * n1)
        crossing |= overflow
    return {"keys": keys, "window": window, "count": count, "value": value, "crossing": crossing}


def crossing_keys(setup: NumericSetup, partial: NumericPartial, n_windows: int) -> np.ndarray:
    """The (window, cell) keys whose actual values the Wasserstein distance needs."""
    if setup.exact is None or not len(partial.cells.keys):
        return np.empty(0, dtype=np.int64)
    finite = partial.windows.dense(n_windows)[:, NUMERIC_COUNTS.index("finite")]
    cells = _cells(setup, partial, finite)
    return cells["keys"][cells["crossing"]]


def _pieces_of_cells(
    setup: NumericSetup,
    cells: dict[str, np.ndarray],
    values: tuple[np.ndarray, np.ndarray] | None,
    first: int,
    last: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Windows ``first:last``'s surrogate as (window, value, count) runs.

    Sorted by window then value: each cell's value with its count, each crossing cell's
    actual values.
    """
    lo, hi = np.searchsorted(cells["window"], [first, last], side="left")
    keys, count, value = cells["keys"][lo:hi], cells["count"][lo:hi], cells["value"][lo:hi]
    crossing = cells["crossing"][lo:hi]
    wanted = keys[crossing]
    keep = ~crossing
    keys, value, count = keys[keep], value[keep], count[keep]
    if len(wanted):
        got_keys, got = values if values is not None else (np.empty(0, np.int64), np.empty(0))
        inside = (got_keys >= (wanted[0] if len(wanted) else 0)) & np.isin(got_keys, wanted)
        got_keys, got = got_keys[inside], got[inside]
        expected = cells["count"][lo:hi][crossing]
        found = np.bincount(np.searchsorted(wanted, got_keys), minlength=len(wanted))
        if len(got_keys) != expected.sum() or not np.array_equal(found, expected):
            raise RuntimeError(
                f"feature {setup.summary.name!r}: the data changed between the two passes "
                "over it; run again on data that is not being written to"
            )
        keys = np.concatenate((keys, got_keys))
        value = np.concatenate((value, got))
        count = np.concatenate((count, np.ones(len(got), dtype=np.int64)))
    order = np.lexsort((value, keys))
    width = setup.plan.cells
    return keys[order] // width, value[order], count[order]


def _surrogate(
    setup: NumericSetup,
    cells: dict[str, np.ndarray] | None,
    finite: np.ndarray,
    values: tuple[np.ndarray, np.ndarray] | None,
    first: int,
    last: int,
) -> np.ndarray:
    """Windows ``first:last``'s surrogate values, window after window."""
    if cells is None:  # no reference value to compare with: only the counts matter
        return np.zeros(int(finite[first:last].sum()))
    _, value, count = _pieces_of_cells(setup, cells, values, first, last)
    return np.repeat(value, count)


def _steps(value: np.ndarray, count: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct values (sorted) with the counts below and at or below each."""
    distinct = np.r_[True, value[1:] != value[:-1]] if len(value) else np.zeros(0, bool)
    starts = np.flatnonzero(distinct)
    counts = np.add.reduceat(count, starts) if len(starts) else np.zeros(0, np.int64)
    le = np.cumsum(counts)
    return value[starts], le - counts, le


def _large_window(
    setup: NumericSetup, value: np.ndarray, count: np.ndarray, min_rows: int
) -> dict[str, object]:
    """``_numeric_window`` of one window too large to expand, from its (value, count) runs.

    The same computation as the in-memory one-window path beyond 10,000 values (KS from
    the ECDF counts, Wasserstein by prefix sums, the p-value resolved with the table's).
    """
    summary = setup.summary
    n = int(count.sum())
    u, lt2, le2 = _steps(value, count)
    outside = int(count[(value < summary.min) | (value > summary.max)].sum())
    out: dict[str, object] = {"test": KS_TEST, "n_current": n, "out_of_range": outside / n}
    if summary.n < min_rows:
        out.update(insufficient=True, note=_too_few("reference", summary.n, min_rows))
        return out
    if setup.exact is not None:
        d, distance = setup.exact.compare_steps(u, lt2, le2)
        method = "exact"
    else:
        d = summary.sketch.ks_statistic_steps(u, lt2, le2)
        distance = summary.sketch.wasserstein_steps(u, le2)
        method = "exact" if summary.sketch.lossless else "sketch"
    out.update(statistic=d, method=method, _pending_n=(summary.n, n))
    if summary.std > 0:
        out[WASSERSTEIN] = distance / summary.std
    else:
        out[WASSERSTEIN] = 0.0 if distance == 0 else math.inf
        out["note"] = _CONSTANT_NOTE
    return out


def _groups(finite: np.ndarray) -> list[tuple[int, int]]:
    """Consecutive windows holding at most :data:`CHUNK_VALUES` values together.

    A larger window makes a group alone: the surrogate of one group at a time is in memory.
    """
    out, first, total = [], 0, 0
    for w, k in enumerate(finite.tolist()):
        if w > first and total + k > CHUNK_VALUES:
            out.append((first, w))
            first, total = w, 0
        total += k
    if len(finite):
        out.append((first, len(finite)))
    return out


def _windows(lengths: np.ndarray) -> Windows:
    ends = np.cumsum(lengths)
    starts = ends - lengths
    return Windows(None, starts, ends, starts, ends)


def _counted(out: dict[str, object], counts: np.ndarray, summary: NumericFeature) -> None:
    """Overwrite the surrogate's row shares and bin statistics with the partials' own."""
    n_rows, missing, invalid, finite = (
        counts[:, NUMERIC_COUNTS.index(c)] for c in ("rows", "missing", "invalid", "finite")
    )
    out["n"] = n_rows
    out["missing_current"] = _share(missing, n_rows)
    out["nonfinite_current"] = _share(n_rows - finite - missing - invalid, n_rows)
    out["invalid_current"] = _share(invalid, n_rows)
    tested = ~np.asarray(out["insufficient"], dtype=bool)
    if tested.any():
        out.update(binned_from_counts(summary, counts[:, len(NUMERIC_COUNTS) :], tested))


def numeric_rows(
    setup: NumericSetup,
    partial: NumericPartial,
    n_windows: int,
    common: dict[str, object],
    *,
    min_rows: int,
    p_values: object,
    values: tuple[np.ndarray, np.ndarray] | None = None,
) -> _Recorder:
    """A numeric feature's rows, as the in-memory engine records them.

    Windows are finished a group at a time (at most :data:`CHUNK_VALUES` surrogate values
    in memory); a window larger than that alone is finished from its (value, count) runs,
    never expanded.
    """
    counts = partial.windows.dense(n_windows)
    finite = counts[:, NUMERIC_COUNTS.index("finite")]
    grid = setup.plan.grid
    cells = _cells(setup, partial, finite) if grid is not None and len(grid) else None
    summary = setup.summary
    one_by_one = setup.exact is None or n_windows <= ONE_BY_ONE_MAX
    out = _Recorder()
    for first, last in _groups(finite):
        if last - first == 1 and finite[first] > CHUNK_VALUES and cells is not None:
            _, value, count = _pieces_of_cells(setup, cells, values, first, last)
            stats = _large_window(setup, value, count, min_rows)
            stats["insufficient"] = bool(stats.get("insufficient", False))
            _counted(stats, counts[first:last], summary)
            out.add(first, **common, **_scalars(stats))
            continue
        column = NumericColumn(_surrogate(setup, cells, finite, values, first, last), None)
        windows = _windows(finite[first:last])
        if one_by_one:
            for w in range(last - first):
                stats = _numeric_window(summary, setup.exact, column, windows.rows(w), min_rows)
                stats["insufficient"] = bool(stats.get("insufficient", False))
                _counted(stats, counts[first + w : first + w + 1], summary)
                out.add(first + w, **common, **_scalars(stats))
            continue
        for chunk in chunks(windows):
            stats = numeric_windows(summary, setup.exact, column, chunk, min_rows, p_values)  # type: ignore[arg-type]
            rows = slice(first + chunk.first, first + chunk.first + chunk.size)
            _counted(stats, counts[rows], summary)
            out.extend(first + chunk.first, chunk.size, {**common, "test": KS_TEST, **stats})
    return out


def _scalars(stats: dict[str, object]) -> dict[str, object]:
    """One window's statistics with its length-1 arrays as plain values."""
    return {k: v[0].item() if isinstance(v, np.ndarray) else v for k, v in stats.items()}


def categorical_rows(
    summary: CategoricalFeature,
    partial: CategoricalPartial,
    n_windows: int,
    common: dict[str, object],
    *,
    min_rows: int,
    max_categories: int,
) -> _Recorder:
    """A categorical or boolean feature's rows, as the in-memory engine records them."""
    counts = partial.windows.dense(n_windows)
    if counts.shape[1] < 3 + len(partial.labels):
        counts = np.pad(counts, ((0, 0), (0, 3 + len(partial.labels) - counts.shape[1])))
    coded = CodedColumn(np.zeros(0, dtype=np.int64), list(partial.labels))
    to_reference = CategoricalAligner(summary, coded).to_reference
    stats = categorical_from_counts(
        summary,
        to_reference,
        counts[:, 3:],
        (counts[:, 0], counts[:, 1], counts[:, 2]),
        min_rows,
        max_categories,
        category_statistics,
    )
    out = _Recorder()
    out.extend(0, n_windows, {**common, "test": CHI2_TEST, **stats})
    return out
