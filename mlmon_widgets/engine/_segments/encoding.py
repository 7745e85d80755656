"""Columns as small integer codes: the conditions a slice search tries, the bins it counts in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._data.columns import coded_column, numeric_column
from .._drift.baseline import Baseline, NumericFeature
from .._drift.kernels import quantile_edges
from .conditions import Condition


@dataclass
class Candidate:
    """A column a slice may be cut on: every row's code and the conditions over the codes.

    ``membership[i, k]`` says whether code ``k`` satisfies condition ``i``.
    """

    column: str
    codes: np.ndarray
    reference_codes: np.ndarray | None
    size: int  # number of codes
    conditions: list[Condition]
    membership: np.ndarray  # (conditions, size) float 0/1


def _candidate(
    column: str,
    code: Callable[[pd.DataFrame], np.ndarray],
    frame: pd.DataFrame,
    reference: pd.DataFrame | None,
    missing: int,
    conds: list[Condition],
    rows: list[np.ndarray],
) -> Candidate:
    """A coded candidate (codes ``0..missing``, ``missing`` the last).

    A condition for missing values is added when either side has any.
    """
    frame_codes = code(frame)
    reference_codes = code(reference) if reference is not None else None
    if (frame_codes == missing).any() or (
        reference_codes is not None and (reference_codes == missing).any()
    ):
        conds.append(Condition(column, "is missing"))
        rows.append(np.arange(missing + 1) == missing)
    membership = np.array(rows, dtype=float)
    return Candidate(column, frame_codes, reference_codes, missing + 1, conds, membership)


def _numeric_candidate(
    column: str, frame: pd.DataFrame, reference: pd.DataFrame | None, bins: int
) -> Candidate | None:
    source = reference if reference is not None else frame
    values = numeric_column(source[column]).values
    finite = np.sort(values[np.isfinite(values)])
    edges = quantile_edges(finite, bins)
    if len(edges) == 0:
        return None
    n_values = len(edges) + 1
    missing = n_values

    def code(data: pd.DataFrame) -> np.ndarray:
        x = numeric_column(data[column]).values
        out = np.searchsorted(edges, x, side="right").astype(np.int16)
        out[np.isnan(x)] = missing
        return out

    conds: list[Condition] = []
    rows: list[np.ndarray] = []
    codes = np.arange(n_values + 1)
    for j, edge in enumerate(edges, start=1):
        conds.append(Condition(column, "<", float(edge)))
        rows.append(codes < j)
        conds.append(Condition(column, ">=", float(edge)))
        rows.append((codes >= j) & (codes < missing))
    return _candidate(column, code, frame, reference, missing, conds, rows)


def _categorical_candidate(
    column: str,
    frame: pd.DataFrame,
    reference: pd.DataFrame | None,
    kind: str,
    max_categories: int,
) -> Candidate | None:
    coded = coded_column(frame[column], kind)
    counts = np.bincount(coded.codes[coded.codes >= 0], minlength=len(coded.labels))
    order = np.argsort(-counts, kind="stable")[:max_categories]
    labels = [coded.labels[i] for i in order]
    if not labels:
        return None
    position = {label: i for i, label in enumerate(labels)}
    other, missing = len(labels), len(labels) + 1

    def code(data: pd.DataFrame) -> np.ndarray:
        c = coded_column(data[column], kind)
        lookup = [position.get(label, other) for label in c.labels] + [other, missing]
        lookup = np.array(lookup, dtype=np.int16)
        index = np.where(c.codes == -1, len(c.labels) + 1, len(c.labels))
        return lookup[np.where(c.codes >= 0, c.codes, index)]

    codes = np.arange(missing + 1)
    conds = [Condition(column, "==", label) for label in labels]
    rows = [codes == i for i in range(len(labels))]
    return _candidate(column, code, frame, reference, missing, conds, rows)


def candidates(
    columns: list[str],
    kinds: dict[str, str],
    frame: pd.DataFrame,
    reference: pd.DataFrame | None,
    *,
    bins: int,
    max_categories: int,
) -> list[Candidate]:
    """The candidate columns, coded, with the conditions a slice may use.

    Numeric columns are cut at the reference's ``bins``-quantiles (one-sided, ``x < e``
    and ``x >= e``), categorical ones by their ``max_categories`` most frequent values; a
    missing value is a condition of its own.
    """
    out = []
    for column in columns:
        if kinds[column] == "numeric":
            candidate = _numeric_candidate(column, frame, reference, bins)
        else:
            candidate = _categorical_candidate(
                column, frame, reference, kinds[column], max_categories
            )
        if candidate is not None:
            out.append(candidate)
    return out


@dataclass
class Combination:
    """Slices on one candidate column, or on two crossed (conditions of both, and-ed).

    Slice ``s`` of a pair is condition ``s // n_b`` of the first column and ``s % n_b``
    of the second; ``membership`` (slices, size) maps the combined codes to slices.
    """

    members: tuple[int, ...]
    parts: tuple[Candidate, ...]
    membership: np.ndarray

    @classmethod
    def of(cls, cands: list[Candidate], members: tuple[int, ...]) -> Combination:
        parts = tuple(cands[k] for k in members)
        membership = parts[0].membership
        for part in parts[1:]:
            membership = np.kron(membership, part.membership)
        return cls(members, parts, membership)

    @property
    def size(self) -> int:
        return int(np.prod([p.size for p in self.parts]))

    @property
    def columns(self) -> set[str]:
        return {p.column for p in self.parts}

    def codes(self, reference: bool) -> np.ndarray:
        """The combined code of every row (int64: products of the parts' sizes)."""
        out: np.ndarray | None = None
        for part in self.parts:
            codes = part.reference_codes if reference else part.codes
            out = codes.astype(np.int64) if out is None else out * part.size + codes
        assert out is not None
        return out

    def ids(self) -> list[tuple[tuple[int, int], ...]]:
        """Each slice as (candidate, condition) pairs."""
        grids = np.meshgrid(*[np.arange(len(p.conditions)) for p in self.parts], indexing="ij")
        flat = [g.ravel() for g in grids]
        return [
            tuple((m, int(f[s])) for m, f in zip(self.members, flat, strict=True))
            for s in range(len(flat[0]))
        ]

    def parent_index(self, position: int) -> np.ndarray:
        """For every slice, its index among the slices of member ``position`` alone."""
        counts = [len(p.conditions) for p in self.parts]
        grids = np.meshgrid(*[np.arange(c) for c in counts], indexing="ij")
        return grids[position].ravel()

    def row_counts(self, reference: bool) -> np.ndarray:
        return self.membership @ np.bincount(self.codes(reference), minlength=self.size)


@dataclass
class FeatureBins:
    """A scored feature as bin codes (``size`` bins; code ``size`` = not counted)."""

    name: str
    codes: np.ndarray
    reference_codes: np.ndarray
    size: int

    def counts(self, codes: np.ndarray, size: int, reference: bool) -> np.ndarray:
        """Counts (size, bins) of this feature's bins per combined code ``codes``."""
        k1 = self.size + 1
        feature = self.reference_codes if reference else self.codes
        flat = np.bincount(codes * k1 + feature, minlength=size * k1)
        return flat.reshape(size, k1)[:, : self.size].astype(float)

    def slice_counts(self, combo: Combination, reference: bool) -> np.ndarray:
        """Counts (slices, bins) of this feature's bins in every slice of ``combo``."""
        return combo.membership @ self.counts(combo.codes(reference), combo.size, reference)

    def root_counts(self, reference: bool) -> np.ndarray:
        codes = self.reference_codes if reference else self.codes
        return np.bincount(codes, minlength=self.size + 1)[: self.size].astype(float)


def feature_bins(
    baseline: Baseline, name: str, frame: pd.DataFrame, reference: pd.DataFrame
) -> FeatureBins:
    """Bins of a feature on the baseline, as codes of the frame's and reference's rows.

    Numeric: its quantile bins; categorical: its reference categories plus one bin for
    categories new in production. Missing values are not counted.
    """
    summary = baseline.features[name]
    if isinstance(summary, NumericFeature):
        edges = summary.edges
        size = len(edges) + 1

        def code(data: pd.DataFrame) -> np.ndarray:
            x = numeric_column(data[name]).values
            out = np.searchsorted(edges, x, side="right").astype(np.int16)
            out[~np.isfinite(x)] = size
            return out

    else:
        position = {label: i for i, label in enumerate(summary.labels)}
        new = len(summary.labels)
        size = new + 1

        def code(data: pd.DataFrame) -> np.ndarray:
            c = coded_column(data[name], summary.kind)
            lookup = [position.get(label, new) for label in c.labels] + [size]
            lookup = np.array(lookup, dtype=np.int16)
            return lookup[np.where(c.codes >= 0, c.codes, len(c.labels))]

    return FeatureBins(name, code(frame), code(reference), size)
