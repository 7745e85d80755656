"""The slice search: every slice of one or two conditions tested at once, from counts.

Each candidate column is coded once; every slice of a column, or of two crossed, is counted
from one ``bincount`` per column pair and scored feature, and tested in batches
(:mod:`.batch_tests`), each test's p-value kept in its family for one correction.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats as sps

from .._drift.severity import adjust_pvalues
from .._drift.tables import MIN_ROWS
from .._validation import check_positive_int
from .batch_tests import chi2_batch, interaction_batch, mean_var, psi_batch, welch_batch
from .encoding import Candidate, Combination, FeatureBins


@dataclass
class Found:
    """A slice x feature (or metric) that passed the search's own filters."""

    conditions: tuple[tuple[int, int], ...]  # (candidate, condition) pairs
    target: str
    tests: list[int]
    rows: int
    reference_rows: int
    value: float
    compared_with: float
    parent_text: str
    extra: dict = field(default_factory=dict)


class Tests:
    """Every p-value the search computes, each in its family.

    Two families, each corrected on its own: a slice's own tests, and the child-versus-
    parent tests. Apart, the parent tests (mostly true nulls: a drift that is everywhere
    does not differ between a slice and the rest) are not judged at the lenient level the
    many real own-test discoveries of a wide drift would give them in one family.
    """

    def __init__(self) -> None:
        self.chunks: list[np.ndarray] = []
        self.families: list[int] = []
        self.size = 0

    def add(self, p: np.ndarray, family: int = 0) -> np.ndarray:
        p = np.asarray(p, dtype=float)
        index = np.arange(self.size, self.size + len(p))
        self.chunks.append(p)
        self.families.append(family)
        self.size += len(p)
        return index

    def all(self) -> np.ndarray:
        return np.concatenate(self.chunks) if self.chunks else np.empty(0)

    def adjusted(self, alpha: float) -> np.ndarray:
        """Benjamini-Hochberg within each family."""
        raw = self.all()
        family = (
            np.concatenate(
                [np.full(len(c), f) for c, f in zip(self.chunks, self.families, strict=True)]
            )
            if self.chunks
            else np.empty(0, dtype=int)
        )
        out = np.full(len(raw), np.nan)
        for f in np.unique(family):
            inside = family == f
            out[inside] = adjust_pvalues(raw[inside], method="fdr_bh", alpha=alpha)
        return out


def min_rows_of(min_rows: int | None, n: int) -> int:
    if min_rows is None:
        return max(200, math.ceil(0.01 * n))
    return check_positive_int("min_rows", min_rows)


def slice_label(cands: list[Candidate], ids: tuple[tuple[int, int], ...]) -> str:
    return " & ".join(cands[c].conditions[i].text for c, i in ids) or "all rows"


def mask_of(
    cands: list[Candidate], ids: tuple[tuple[int, int], ...], reference: bool
) -> np.ndarray:
    """The rows of a slice, from the candidates' codes (no re-reading of the columns)."""
    keep: np.ndarray | None = None
    for c, i in ids:
        codes = cands[c].reference_codes if reference else cands[c].codes
        m = cands[c].membership[i][codes] > 0
        keep = m if keep is None else keep & m
    assert keep is not None
    return keep


def combinations(cands: list[Candidate], max_depth: int) -> list[Combination]:
    out = [Combination.of(cands, (k,)) for k in range(len(cands))]
    if max_depth >= 2:
        out += [
            Combination.of(cands, (a, b))
            for a in range(len(cands))
            for b in range(a + 1, len(cands))
        ]
    return out


@dataclass
class _Block:
    """The slices of one combination that are large enough, with their parents' positions."""

    combo: Combination
    keep: np.ndarray  # bool per slice of the combination
    ids: list[tuple[tuple[int, int], ...]]
    parents: list[np.ndarray | None]  # per parent: index into its depth-1 slices (None: root)


def blocks_of(
    combos: list[Combination],
    min_rows: int,
    min_reference_rows: int,
    reference: bool,
    max_rows: float,
) -> list[_Block]:
    blocks = []
    for combo in combos:
        rows = combo.row_counts(False)
        keep = (rows >= min_rows) & (rows <= max_rows)
        if reference:
            keep &= combo.row_counts(True) >= min_reference_rows
        if not keep.any():
            continue
        ids = [s for s, k in zip(combo.ids(), keep, strict=True) if k]
        if len(combo.members) == 1:
            parents: list[np.ndarray | None] = [None]
        else:
            parents = [combo.parent_index(p)[keep] for p in range(len(combo.members))]
        blocks.append(_Block(combo, keep, ids, parents))
    return blocks


def search_drift(
    blocks: list[_Block],
    cands: list[Candidate],
    features: list[FeatureBins],
    tests: Tests,
    *,
    alpha: float,
    min_effect: Mapping[str, float],
) -> list[Found]:
    """Per feature and slice: drift inside, and beyond what each parent explains.

    The slice against the same slice of the reference (chi-squared on the baseline's
    bins), and for each parent (all rows for a single condition, each
    condition alone for two) whether the slice changed differently from the rest of it.
    """
    found = []
    for bins in features:
        smallest = min_effect[bins.name]
        root = bins.root_counts(True), bins.root_counts(False)
        level1: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for block in blocks:
            if bins.name in block.combo.columns:
                continue
            ref = bins.slice_counts(block.combo, True)
            cur = bins.slice_counts(block.combo, False)
            if len(block.combo.members) == 1:
                level1[block.combo.members[0]] = ref, cur
            ref, cur = ref[block.keep], cur[block.keep]
            counted = (ref.sum(axis=1) >= MIN_ROWS) & (cur.sum(axis=1) >= MIN_ROWS)
            _, p_own = chi2_batch(ref, cur)
            p_own = np.where(counted, p_own, np.nan)
            own = psi_batch(ref, cur)
            index = [tests.add(p_own)]
            passes = counted & (p_own < alpha) & (own >= smallest)
            parent_effects = []
            for member, position in zip(block.combo.members, block.parents, strict=True):
                if position is None:
                    p_ref = np.broadcast_to(root[0], ref.shape)
                    p_cur = np.broadcast_to(root[1], cur.shape)
                else:
                    p_ref, p_cur = (a[position] for a in level1[member])
                _, p_int, _ = interaction_batch(ref, cur, p_ref - ref, p_cur - cur)
                p_int = np.where(counted, p_int, np.nan)
                parent = psi_batch(p_ref, p_cur)
                rest = psi_batch(p_ref - ref, p_cur - cur)
                index.append(tests.add(p_int, 1))
                passes &= (p_int < alpha) & (own - rest >= smallest / 2) & (own > parent)
                parent_effects.append(parent)
            for s in np.flatnonzero(passes):
                effects = [float(e[s]) for e in parent_effects]
                strongest = int(np.argmax(effects))
                ids = block.ids[s]
                parent_text = "all rows" if len(ids) == 1 else slice_label(cands, (ids[strongest],))
                found.append(
                    Found(
                        conditions=ids,
                        target=bins.name,
                        tests=[int(i[s]) for i in index],
                        rows=int(cur[s].sum()),
                        reference_rows=int(ref[s].sum()),
                        value=float(own[s]),
                        compared_with=effects[strongest],
                        parent_text=parent_text,
                    )
                )
    return found


@dataclass
class _Sums:
    """Count, sum and sum of squares of the per-row loss in every slice of a block."""

    n: np.ndarray
    total: np.ndarray
    squares: np.ndarray

    @classmethod
    def of(cls, combo: Combination, loss: np.ndarray, usable: np.ndarray, reference: bool):
        codes = combo.codes(reference)[usable]
        values = loss[usable]

        def per_slice(weights: np.ndarray | None) -> np.ndarray:
            flat = np.bincount(codes, weights=weights, minlength=combo.size)
            return combo.membership @ flat

        return cls(per_slice(None), per_slice(values), per_slice(values * values))

    def take(self, index: Any) -> _Sums:
        return _Sums(self.n[index], self.total[index], self.squares[index])

    def minus(self, other: _Sums) -> _Sums:
        return _Sums(self.n - other.n, self.total - other.total, self.squares - other.squares)


def _worse(
    inside: _Sums,
    outside: _Sums,
    reference: tuple[_Sums, _Sums] | None,
) -> tuple[np.ndarray, np.ndarray]:
    """How much worse inside is than outside, and the one-sided p-value.

    Welch's t-test of the two groups' mean loss; with a reference period, the change of
    that difference since the reference (difference in differences, normal test).
    """
    difference, se, p = welch_batch(
        inside.n, inside.total, inside.squares, outside.n, outside.total, outside.squares
    )
    if reference is None:
        return difference, p
    ref_in, ref_out = reference
    m_in, v_in = mean_var(ref_in.n, ref_in.total, ref_in.squares)
    m_out, v_out = mean_var(ref_out.n, ref_out.total, ref_out.squares)
    effect = difference - (m_in - m_out)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = effect / np.sqrt(se**2 + v_in + v_out)
    p = np.where(np.isfinite(z), sps.norm.sf(z), np.nan)
    return effect, p


def search_performance(
    blocks: list[_Block],
    cands: list[Candidate],
    loss: tuple[np.ndarray, np.ndarray],
    reference_loss: tuple[np.ndarray, np.ndarray] | None,
    tests: Tests,
    *,
    alpha: float,
    min_effect: float,
    metric: str,
) -> list[Found]:
    """Per slice: worse than the rest of the rows, and worse than the rest of each parent.

    For two conditions, also worse than the rest of each parent condition's rows; with a
    reference, worse by more than it was.
    """
    values, usable = loss
    whole = _Sums(*(np.array([x]) for x in _totals(values, usable)))
    whole_ref = None
    if reference_loss is not None:
        whole_ref = _Sums(*(np.array([x]) for x in _totals(*reference_loss)))
    level1: dict[int, tuple[_Sums, _Sums | None]] = {}
    found = []
    for block in blocks:
        cur = _Sums.of(block.combo, values, usable, False)
        ref = _Sums.of(block.combo, *reference_loss, True) if reference_loss is not None else None
        if len(block.combo.members) == 1:
            level1[block.combo.members[0]] = cur, ref
        cur = cur.take(block.keep)
        ref = ref.take(block.keep) if ref is not None else None
        parents: list[tuple[_Sums, _Sums | None]] = []
        for member, position in zip(block.combo.members, block.parents, strict=True):
            if position is None:
                parents.append((whole, whole_ref))
            else:
                p_cur, p_ref = level1[member]
                parents.append(
                    (p_cur.take(position), p_ref.take(position) if p_ref is not None else None)
                )
        effect, p_own = _worse(
            cur, whole.minus(cur), (ref, whole_ref.minus(ref)) if ref is not None else None
        )
        index = [tests.add(p_own)]
        passes = (p_own < alpha) & (effect > min_effect)
        if ref is not None:  # worse than the rest now, not only less good than it was
            now, _, _ = welch_batch(cur.n, cur.total, cur.squares, *_unpack(whole.minus(cur)))
            passes &= now > 0
        if len(block.combo.members) > 1:
            for p_cur, p_ref in parents:
                _, p_parent = _worse(
                    cur, p_cur.minus(cur), (ref, p_ref.minus(ref)) if ref is not None else None
                )
                index.append(tests.add(p_parent, 1))
                passes &= p_parent < alpha
        for s in np.flatnonzero(passes):
            ids = block.ids[s]
            inside = cur.total[s] / cur.n[s]
            rest = (whole.total[0] - cur.total[s]) / (whole.n[0] - cur.n[s])
            found.append(
                Found(
                    conditions=ids,
                    target=metric,
                    tests=[int(i[s]) for i in index],
                    rows=int(cur.n[s]),
                    reference_rows=int(ref.n[s]) if ref is not None else 0,
                    value=float(inside),
                    compared_with=float(rest),
                    parent_text="the other rows",
                    extra={"effect": float(effect[s])},
                )
            )
    return found


def _unpack(sums: _Sums) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return sums.n, sums.total, sums.squares


def _totals(values: np.ndarray, usable: np.ndarray) -> tuple[float, float, float]:
    v = values[usable]
    return float(len(v)), float(v.sum()), float((v * v).sum())
