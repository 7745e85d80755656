"""Partial results of one piece of data, and their merge (addition, in row order).

Everything here is a count or a sum keyed by window (and by cell or label), so the partial
of two pieces together equals the sum of their partials: integers exactly, the sums of
offsets to rounding. A numeric feature keeps per window its rows, missing, invalid and
finite values and its counts on the bin edges, and per (window, cell) of the grid the count
of values and the sum of their distances to the cell's inner edge (what the Wasserstein
distance needs where the ECDFs do not cross inside the cell). A categorical feature keeps
per window the rows, missing and invalid values and the count of every label, labels in the
order they first appear (the order the in-memory engine sees them in).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._data.columns import CodedColumn, NumericColumn
from .._drift.statistics import DEFAULT_JOBS, THREAD_ROWS, column_for
from .._vocabulary import FEATURE_KINDS
from .plan import OTHER, FeaturePlan, Plan


def _add_rows(keys: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """Row sums of integer ``values`` grouped by ``keys`` (0 <= key < size)."""
    # bincount sums in float64: exact for counts below 2**53
    columns = [np.bincount(keys, weights=c, minlength=size) for c in values.T]
    return np.stack(columns, axis=1).astype(np.int64).reshape(size, values.shape[1])


def _local(window: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct windows of a piece and each row's position among them."""
    unique, inverse = np.unique(window, return_inverse=True)
    return unique, inverse.reshape(-1)


@dataclass
class Keyed:
    """Rows of integer counts (and optional float sums) under sorted, distinct int64 keys."""

    keys: np.ndarray
    counts: np.ndarray  # (len(keys), columns) int64
    sums: np.ndarray | None = None  # (len(keys),) float64

    @classmethod
    def group(cls, keys: np.ndarray, counts: np.ndarray, sums: np.ndarray | None = None) -> Keyed:
        """Sum the rows that share a key."""
        unique, inverse = np.unique(keys, return_inverse=True)
        inverse = inverse.reshape(-1)
        total = _add_rows(inverse, counts, len(unique))
        summed = None if sums is None else np.bincount(inverse, weights=sums, minlength=len(unique))
        return cls(unique, total, summed)

    def __add__(self, other: Keyed) -> Keyed:
        if not len(other.keys):
            return self
        if not len(self.keys):
            return other
        sums = None
        if self.sums is not None and other.sums is not None:
            sums = np.concatenate((self.sums, other.sums))
        return Keyed.group(
            np.concatenate((self.keys, other.keys)),
            np.concatenate((self.counts, other.counts)),
            sums,
        )

    def dense(self, size: int) -> np.ndarray:
        """The counts as ``size`` rows, zero where a key is absent."""
        out = np.zeros((size, self.counts.shape[1]), dtype=np.int64)
        out[self.keys] = self.counts
        return out


#: Threads over features per piece (the drift engine's default).
PIECE_JOBS = DEFAULT_JOBS
#: Columns of a numeric feature's per-window counts, before its bin counts.
NUMERIC_COUNTS = ("rows", "missing", "invalid", "finite", "outside")
#: Columns of a categorical feature's per-window counts, before its label counts.
CATEGORICAL_COUNTS = ("rows", "missing", "invalid")


@dataclass
class NumericPartial:
    """A numeric feature's partial: counts per window, counts and sums per (window, cell).

    Per window: rows, missing, invalid and finite values, then the bin counts; per (window,
    cell): the count of values and the sum of their distances to the cell's inner edge.
    """

    windows: Keyed
    cells: Keyed

    def __add__(self, other: NumericPartial) -> NumericPartial:
        return NumericPartial(self.windows + other.windows, self.cells + other.cells)


@dataclass
class CategoricalPartial:
    """Per window: rows, missing and invalid values, then the count of each of ``labels``."""

    labels: list
    windows: Keyed

    def __add__(self, other: CategoricalPartial) -> CategoricalPartial:
        position = {label: i for i, label in enumerate(self.labels)}
        labels = self.labels + [lab for lab in other.labels if lab not in position]
        width = len(CATEGORICAL_COUNTS)
        mine = self._padded(len(labels))
        theirs = np.zeros((len(other.windows.keys), width + len(labels)), dtype=np.int64)
        theirs[:, :width] = other.windows.counts[:, :width]
        index = {label: i for i, label in enumerate(labels)}
        columns = [width + index[lab] for lab in other.labels]
        theirs[:, columns] = other.windows.counts[:, width:]
        return CategoricalPartial(labels, mine + Keyed(other.windows.keys, theirs))

    def _padded(self, n_labels: int) -> Keyed:
        counts = self.windows.counts
        extra = len(CATEGORICAL_COUNTS) + n_labels - counts.shape[1]
        if extra:
            counts = np.pad(counts, ((0, 0), (0, extra)))
        return Keyed(self.windows.keys, counts)


def cell_of(grid: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each value's cell on ``grid`` and its distance to the cell's inner edge.

    Cell ``2 i + 1`` is the grid value ``grid[i]``; cell ``2 i`` the open interval below it
    (above ``grid[i - 1]``), cell ``2 k`` the values above the last. The distance is
    measured from the lower edge (from ``grid[0]`` down, for the values below it), 0 on a
    grid value.
    """
    k = len(grid)
    i = np.searchsorted(grid, values, side="left")
    on = i < k
    on[on] = grid[i[on]] == values[on]
    cell = 2 * i + on
    below = np.where(i > 0, grid[np.maximum(i - 1, 0)], grid[0])
    distance = np.where(on, 0.0, np.where(i > 0, values - below, grid[0] - values))
    return cell, distance


def numeric_partial(
    feature: FeaturePlan, column: NumericColumn, rows: np.ndarray, window: np.ndarray
) -> NumericPartial:
    """The partial of one numeric column: ``rows`` into it, ``window`` of each."""
    assert feature.edges is not None
    present, local = _local(window)
    size = len(present)
    values = column.values[rows]
    nan = np.isnan(values)
    invalid = np.zeros(len(rows), dtype=bool) if column.invalid is None else column.invalid[rows]
    finite = np.isfinite(values)
    v, w = values[finite], local[finite]
    bins = len(feature.edges) + 1
    fine = np.bincount(w * bins + np.searchsorted(feature.edges, v, "right"), minlength=size * bins)
    counts = np.column_stack(
        [
            np.bincount(local, minlength=size),
            np.bincount(local[nan & ~invalid], minlength=size),
            np.bincount(local[invalid], minlength=size),
            np.bincount(w, minlength=size),
            np.bincount(w[(v < feature.low) | (v > feature.high)], minlength=size),
            fine.reshape(size, bins),
        ]
    ).astype(np.int64)
    if feature.grid is not None and len(feature.grid):
        cell, distance = cell_of(feature.grid, v)
        key = present[w] * feature.cells + cell
        cells = Keyed.group(key, np.ones((len(v), 1), dtype=np.int64), distance)
    else:  # a reference without a finite value: nothing to compare the values with
        cells = Keyed(np.empty(0, dtype=np.int64), np.zeros((0, 1), dtype=np.int64), np.empty(0))
    return NumericPartial(Keyed(present, counts), cells)


def categorical_partial(
    column: CodedColumn, rows: np.ndarray, window: np.ndarray
) -> CategoricalPartial:
    """The partial of one categorical or boolean column."""
    present, local = _local(window)
    size, labels = len(present), len(column.labels)
    codes = column.codes[rows]
    valid = codes >= 0
    per_label = np.bincount(local[valid] * labels + codes[valid], minlength=size * labels)
    counts = np.column_stack(
        [
            np.bincount(local, minlength=size),
            np.bincount(local[codes == -1], minlength=size),
            np.bincount(local[codes == -2], minlength=size),
            per_label.reshape(size, labels),
        ]
    ).astype(np.int64)
    return CategoricalPartial(list(column.labels), Keyed(present, counts))


@dataclass
class MissingPartial:
    """Per window: rows and missing values of a column that is not a feature."""

    windows: Keyed

    def __add__(self, other: MissingPartial) -> MissingPartial:
        return MissingPartial(self.windows + other.windows)


def missing_partial(series: pd.Series, rows: np.ndarray, window: np.ndarray) -> MissingPartial:
    """The partial of a column whose missing values alone are counted."""
    present, local = _local(window)
    missing = series.isna().to_numpy()[rows]
    counts = np.column_stack(
        [
            np.bincount(local, minlength=len(present)),
            np.bincount(local[missing], minlength=len(present)),
        ]
    ).astype(np.int64)
    return MissingPartial(Keyed(present, counts))


@dataclass
class Partials:
    """The partials of every feature, the rows per window and the rows without a time."""

    features: dict[str, NumericPartial | CategoricalPartial | MissingPartial]
    rows: Keyed
    untimed: int = 0

    def __add__(self, other: Partials) -> Partials:
        merged = dict(self.features)
        for name, partial in other.features.items():
            merged[name] = merged[name] + partial if name in merged else partial  # type: ignore[operator]
        return Partials(merged, self.rows + other.rows, self.untimed + other.untimed)


def _feature_partial(
    feature: FeaturePlan, frame: pd.DataFrame, rows: np.ndarray, window: np.ndarray
) -> NumericPartial | CategoricalPartial | MissingPartial:
    if feature.kind == OTHER:
        return missing_partial(frame[feature.name], rows, window)
    column = column_for(feature.kind, frame[feature.name])
    if feature.kind == FEATURE_KINDS[0]:
        return numeric_partial(feature, column, rows, window)  # type: ignore[arg-type]
    return categorical_partial(column, rows, window)  # type: ignore[arg-type]


def piece_partials(frame: pd.DataFrame, plan: Plan) -> Partials:
    """The partials of one piece (a pandas frame with the plan's columns).

    Features run in threads (:data:`PIECE_JOBS`): their searchsorted and bincounts release
    the GIL.
    """
    rows, window, untimed = plan.rows(frame)
    present = [f for f in plan.features if f.name in frame.columns]
    jobs = min(PIECE_JOBS, os.cpu_count() or 1, max(len(present), 1))
    if jobs > 1 and len(frame) >= THREAD_ROWS:
        with ThreadPoolExecutor(jobs) as pool:
            done = list(pool.map(lambda f: _feature_partial(f, frame, rows, window), present))
    else:
        done = [_feature_partial(f, frame, rows, window) for f in present]
    features = {f.name: partial for f, partial in zip(present, done, strict=True)}
    ones = np.ones((len(window), 1), dtype=np.int64)
    return Partials(features, Keyed.group(window, ones), untimed)


def piece_cell_values(
    frame: pd.DataFrame, plan: Plan, wanted: dict[str, np.ndarray]
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The values of one piece that fall in the ``wanted`` (window, cell) keys per feature."""
    rows, window, _ = plan.rows(frame)
    out = {}
    for feature in plan.features:
        keys = wanted.get(feature.name)
        if keys is None or not len(keys) or feature.name not in frame.columns:
            continue
        assert feature.grid is not None
        values = column_for(feature.kind, frame[feature.name]).values[rows]  # type: ignore[union-attr]
        finite = np.isfinite(values)
        v, w = values[finite], window[finite]
        cell, _ = cell_of(feature.grid, v)
        key = w * feature.cells + cell
        hit = np.isin(key, keys)
        out[feature.name] = (key[hit], v[hit])
    return out
