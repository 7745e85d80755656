"""find_slices: the slices of the data where a feature drifts, or the model does worse.

The search codes every candidate column once (numeric columns cut at the reference's
deciles, categorical ones by value), counts every slice of depth one and two in one
``bincount`` per column pair and scored feature, and tests all slices at once from those
counts (:mod:`.batch_tests`). Every test it makes counts in a Benjamini-Hochberg
correction; only the slices it reports are re-checked with the full engine statistics.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from .._data.roles import infer_roles
from .._data.windows import make_windows
from .._drift.baseline import Baseline
from .._drift.severity import adjust_pvalues
from .._drift.tables import MIN_ROWS, drift_table
from .._validation import check_frame, check_positive_int, check_probability
from .._vocabulary import (
    ACCURACY,
    CRITICAL,
    DEFAULT_GATE,
    FEATURE_KINDS,
    LOG_LOSS,
    PSI,
    WARNING,
    gate_thresholds,
)
from .batch_tests import chi2_batch, interaction_batch, mean_var, psi_batch, welch_batch
from .encoding import Candidate, Combination, FeatureBins, candidates, feature_bins
from .explain import _row_values

#: Slices re-checked with the full engine statistics (the best by the search's score).
MAX_RECHECKED = 60
#: Metrics where a higher value is better (a slice is worse when its value is lower).
_HIGHER_IS_BETTER = (ACCURACY,)
#: Columns of the result, in order (``feature`` for drift, ``metric`` for performance).
SLICE_COLUMNS = (
    "slice",
    "depth",
    "rows",
    "share",
    "target",
    "statistic",
    "value",
    "compared_with",
    "effect",
    "score",
    "p_value",
    "p_adjusted",
    "severity",
    "since",
    "reason",
    "conditions",
)


@dataclass
class _Found:
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


class _Tests:
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


def _min_rows(min_rows: int | None, n: int) -> int:
    if min_rows is None:
        return max(200, math.ceil(0.01 * n))
    return check_positive_int("min_rows", min_rows)


def _text(cands: list[Candidate], ids: tuple[tuple[int, int], ...]) -> str:
    return " & ".join(cands[c].conditions[i].text for c, i in ids) or "all rows"


def _mask(cands: list[Candidate], ids: tuple[tuple[int, int], ...], reference: bool) -> np.ndarray:
    """The rows of a slice, from the candidates' codes (no re-reading of the columns)."""
    keep: np.ndarray | None = None
    for c, i in ids:
        codes = cands[c].reference_codes if reference else cands[c].codes
        m = cands[c].membership[i][codes] > 0
        keep = m if keep is None else keep & m
    assert keep is not None
    return keep


def _combinations(cands: list[Candidate], max_depth: int) -> list[Combination]:
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


def _blocks(
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


def _search_drift(
    blocks: list[_Block],
    cands: list[Candidate],
    features: list[FeatureBins],
    tests: _Tests,
    *,
    alpha: float,
    min_effect: Mapping[str, float],
) -> list[_Found]:
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
                parent_text = "all rows" if len(ids) == 1 else _text(cands, (ids[strongest],))
                found.append(
                    _Found(
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


def _search_performance(
    blocks: list[_Block],
    cands: list[Candidate],
    loss: tuple[np.ndarray, np.ndarray],
    reference_loss: tuple[np.ndarray, np.ndarray] | None,
    tests: _Tests,
    *,
    alpha: float,
    min_effect: float,
    metric: str,
) -> list[_Found]:
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
                _Found(
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


# ------------------------------------------------------------------ the public function
def find_slices(
    frame: pd.DataFrame,
    *,
    reference: pd.DataFrame | None = None,
    metric: str | None = None,
    label: str | None = None,
    score: str | None = None,
    prediction: str | None = None,
    threshold: float = 0.5,
    features: Sequence[str] | None = None,
    columns: Sequence[str] | None = None,
    max_depth: int = 2,
    min_rows: int | None = None,
    max_share: float = 0.5,
    alpha: float = 0.01,
    min_effect: float | None = None,
    roles: Mapping[str, str] | None = None,
    bins: int = 10,
    max_categories: int = 20,
    time: str | None = None,
    window: object | None = None,
    top: int | None = 20,
    gate: str = DEFAULT_GATE,
) -> pd.DataFrame:
    """Search the slices of ``frame`` where a feature drifts, or where the model does worse.

    A slice is a conjunction of up to ``max_depth`` conditions on different columns: a
    category (``channel == 'partner'``), a one-sided cut of a numeric column at one of its
    reference deciles (``age < 30.9``), or a missing value. Search the rows after a date
    by passing only those rows.

    - **Drift** (``reference=`` without ``label``/``score``/``metric``): each feature inside
      a slice against the same slice of the reference, by Pearson's chi-squared test on
      the baseline's bins (the reference deciles; categories plus one bin for new ones).
    - **Performance** (``label=``/``score=``/``metric=``): a per-row metric (accuracy,
      log loss, or the mean of a column read as a loss) inside the slice against the rest
      of the rows, by a one-sided Welch test; with ``reference=`` as well, how much worse
      the slice became since the reference (difference in differences, normal test), so a
      slice that was always harder is not reported.

    A slice of two conditions is reported only if it is also significantly worse than
    each of its parents alone (performance: than the rest of the parent's rows; drift: a
    likelihood-ratio test that the slice changed differently from the rest of the parent,
    its PSI above the parent's and above the rest's by half of ``min_effect``); a single
    condition's drift must differ from the rest of the rows' in the same way. Every test
    made counts in the Benjamini-Hochberg correction of its family (the slices' own tests;
    the child-versus-parent tests); a slice's ``p_adjusted`` is the largest corrected
    p-value of its tests. The drift slices reported are re-checked with the engine's full
    statistics (:func:`drift_table` on the slice's rows: PSI on the slice's own deciles,
    the default gate) and kept only when it says ``warning`` or ``critical``. Slices that
    mostly overlap a better one of the same target, or mirror it, are left out.

    Parameters
    ----------
    frame : pandas.DataFrame
        The rows to search (production, or the rows after a date).
    reference : pandas.DataFrame, optional
        The reference rows (drift), or the rows before (performance: the change).
    metric : str, optional
        ``'accuracy'``, ``'log_loss'`` or a column (its mean, higher is worse); default
        ``'log_loss'`` with a score, ``'accuracy'`` with a prediction only.
    label, score, prediction, threshold
        Columns of the performance metric (the prediction defaults to score >= threshold).
    features : list of str, optional
        Drift: the features scored inside slices (default: every feature).
    columns : list of str, optional
        The columns slices are cut on (default: every feature column but the label,
        score and prediction).
    max_depth : {1, 2}, default 2
        Conditions per slice.
    min_rows : int, optional
        Rows a slice needs (in ``frame``, and in ``reference`` when given); default
        ``max(200, 1% of the rows)`` on each side.
    max_share : float, default 0.5
        The largest share of the rows a slice may have: a slice is a minority, and the
        complement of a larger one is the slice to report.
    alpha : float, default 0.01
        False discovery rate of the slices reported.
    min_effect : float, optional
        Drift: the smallest PSI reported (default the gate's warning threshold); the
        slice's PSI must also exceed the rest of each parent's by half of it.
        Performance: the smallest difference (default 0).
    roles, bins, max_categories, gate
        Column roles, quantile bins of the cuts, values per categorical column (the most
        frequent), the drift gate of the re-check.
    time, window : optional
        With both, ``since`` is the start of the window from which the slice's effect
        stepped up (a least-squares change point over the windows).
    top : int or None, default 20
        Rows returned, best first (None: all).

    Returns
    -------
    pandas.DataFrame
        One row per slice and feature (or metric), best first by ``score`` (the effect
        times the slice's share of rows): ``slice`` (readable text), ``depth``, ``rows``,
        ``share``, ``target`` (the feature or metric), ``statistic`` (``'psi'`` or the
        metric), ``value`` (inside the slice), ``compared_with`` (drift: the parent's PSI;
        performance: the value elsewhere), ``effect``, ``score``, ``p_value``,
        ``p_adjusted``, ``severity`` (drift), ``since``, ``reason`` and ``conditions``
        (a tuple of :class:`Condition`, for ``where=``). ``.attrs``: ``tests`` (the
        number of tests counted), ``slices`` (the slices large enough to test),
        ``min_rows``, ``mode``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> def frame(n, shift=0.0):
    ...     channel = rng.choice(["branch", "online", "partner"], n, p=[0.4, 0.4, 0.2])
    ...     age = rng.normal(40, 10, n)
    ...     dti = rng.normal(0.3, 0.1, n) + np.where(channel == "partner", shift, 0.0)
    ...     return pd.DataFrame({"channel": channel, "age": age, "dti": dti})
    >>> found = find_slices(frame(20_000, shift=0.06), reference=frame(20_000))
    >>> found[["slice", "target", "severity"]].head(1)
                       slice target  severity
    0  channel == 'partner'    dti  critical
    >>> len(find_slices(frame(20_000), reference=frame(20_000)))
    0
    """
    check_frame("frame", frame)
    performance = label is not None or score is not None or metric is not None
    if not performance and reference is None:
        raise ValueError(
            "find_slices needs reference=<frame> (drift inside slices) or "
            "label=/score=/metric= (performance inside slices)"
        )
    if reference is not None:
        check_frame("reference", reference)
    alpha = check_probability("alpha", alpha)
    if max_depth not in (1, 2):
        raise ValueError(
            f"max_depth must be 1 or 2; got {max_depth!r} (for deeper slices, search again "
            "inside a reported slice's rows)"
        )
    if (time is None) != (window is None):
        raise ValueError("give time= and window= together (to date each slice), or neither")
    used = {c for c in (label, score, prediction, time) if c is not None}
    kinds = _kinds(reference if reference is not None else frame, roles, used)
    slice_columns = _choose("columns", columns, kinds, frame, reference)
    n_min = _min_rows(min_rows, len(frame))
    n_min_ref = _min_rows(min_rows, len(reference)) if reference is not None else 0
    cands = candidates(
        slice_columns, kinds, frame, reference, bins=bins, max_categories=max_categories
    )
    max_share = check_probability("max_share", max_share)
    blocks = _blocks(
        _combinations(cands, max_depth),
        n_min,
        n_min_ref,
        reference is not None,
        max_share * len(frame),
    )
    tests = _Tests()
    scored: list[FeatureBins] = []
    loss: tuple[np.ndarray, np.ndarray] | None = None
    if performance:
        metric = metric or (LOG_LOSS if score is not None else ACCURACY)
        sign = -1.0 if metric in _HIGHER_IS_BETTER else 1.0
        values, usable = _row_values(frame, metric, label, score, prediction, threshold)
        reference_loss = None
        if reference is not None:
            ref_values, ref_usable = _row_values(
                reference, metric, label, score, prediction, threshold
            )
            reference_loss = (sign * ref_values, ref_usable)
        loss = (sign * values, usable)
        found = _search_performance(
            blocks,
            cands,
            loss,
            reference_loss,
            tests,
            alpha=alpha,
            min_effect=0.0 if min_effect is None else float(min_effect),
            metric=metric,
        )
        for f in found:
            f.value, f.compared_with = sign * f.value, sign * f.compared_with
        total_rows = int(usable.sum())
    else:
        assert reference is not None
        names = _choose("features", features, kinds, frame, reference)
        baseline = Baseline.fit(
            reference[names], roles={n: kinds[n] for n in names}, bins=bins, keep_reference=False
        )
        scored = [feature_bins(baseline, n, frame, reference) for n in names]
        defaults = gate_thresholds(gate)
        effects = {
            n: float(min_effect) if min_effect is not None else defaults[kinds[n]][PSI][0]
            for n in names
        }
        found = _search_drift(blocks, cands, scored, tests, alpha=alpha, min_effect=effects)
        total_rows = len(frame)
    adjusted = tests.adjusted(alpha)
    raw = tests.all()
    rows = []
    for f in found:
        p_adj = float(np.nanmax(adjusted[f.tests]))
        if not p_adj <= alpha:
            continue
        rows.append((f, float(np.nanmax(raw[f.tests])), p_adj))
    out = _report(
        rows,
        cands,
        frame,
        reference,
        performance=performance,
        kinds=kinds,
        gate=gate,
        total_rows=total_rows,
    )
    if time is not None and len(out):
        grid = make_windows(frame, time=time, window=window)
        effect_of = _effect_per_window(cands, scored, loss)
        out["since"] = [
            _since(grid, _mask(cands, f.conditions, False), effect_of(f))
            for f in out.attrs["found"]
        ]
    if top is not None:
        out = out.head(check_positive_int("top", top)).reset_index(drop=True)
    out.attrs.update(
        tests=int(tests.size),
        slices=int(sum(b.keep.sum() for b in blocks)),
        min_rows=n_min,
        mode="performance" if performance else "drift",
    )
    return out


def _kinds(source: pd.DataFrame, roles: Mapping[str, str] | None, used: set[str]) -> dict[str, str]:
    """Feature kind of every column that may be cut on or scored (not label, score, time)."""
    inferred = infer_roles(source, roles)
    return {c: r for c, r in inferred.items() if r in FEATURE_KINDS and c not in used}


def _choose(
    what: str,
    given: Sequence[str] | None,
    kinds: Mapping[str, str],
    frame: pd.DataFrame,
    reference: pd.DataFrame | None,
) -> list[str]:
    if given is None:
        return [c for c in kinds if c in frame.columns]
    if isinstance(given, str):
        given = [given]
    out = []
    for column in given:
        for name, data in (("frame", frame), ("reference", reference)):
            if data is not None and column not in data.columns:
                raise ValueError(f"{what}: column {column!r} is not in the {name}")
        if column not in kinds:
            raise ValueError(
                f"{what}: column {column!r} is not a feature column (its role is not one of "
                f"{', '.join(FEATURE_KINDS)}); set roles={{{column!r}: 'categorical'}} to use it"
            )
        out.append(column)
    return out


def _report(
    rows: list[tuple[_Found, float, float]],
    cands: list[Candidate],
    frame: pd.DataFrame,
    reference: pd.DataFrame | None,
    *,
    performance: bool,
    kinds: Mapping[str, str],
    gate: str,
    total_rows: int,
) -> pd.DataFrame:
    """The slices found, re-checked (drift: the engine's drift_table on the slice's rows)."""
    records = []
    order = sorted(rows, key=lambda r: -_search_score(r[0], total_rows, performance))
    for f, p_raw, p_adj in order[:MAX_RECHECKED]:
        text = _text(cands, f.conditions)
        share = f.rows / total_rows if total_rows else math.nan
        record = {
            "slice": text,
            "depth": len(f.conditions),
            "rows": f.rows,
            "share": share,
            "target": f.target,
            "p_value": p_raw,
            "p_adjusted": p_adj,
            "since": pd.NaT,
            "conditions": tuple(cands[c].conditions[i] for c, i in f.conditions),
        }
        if performance:
            effect = f.extra["effect"]
            record.update(
                statistic=f.target,
                value=f.value,
                compared_with=f.compared_with,
                effect=effect,
                severity=None,
                reason=(
                    f"{f.target} {f.value:.3g} in {text} ({share:.0%} of rows) against "
                    f"{f.compared_with:.3g} in the other rows"
                    + ("" if reference is None else f"; {effect:+.3g} more than before")
                ),
            )
        else:
            assert reference is not None
            check = drift_table(
                reference.loc[_mask(cands, f.conditions, True), [f.target]],
                frame.loc[_mask(cands, f.conditions, False), [f.target]],
                roles={f.target: kinds[f.target]},
                gate=gate,
                correction="none",
            ).iloc[0]
            if check["severity"] not in (WARNING, CRITICAL):
                continue
            psi = float(check[PSI])
            record.update(
                statistic=PSI,
                value=psi,
                compared_with=f.compared_with,
                effect=psi,
                severity=str(check["severity"]),
                reason=(
                    f"{f.target} PSI {psi:.2f} in {text} ({share:.0%} of rows) against "
                    f"{f.compared_with:.3f} in {f.parent_text}"
                ),
            )
            f.extra["bins"] = None
        record["score"] = record["effect"] * share
        records.append((record, f))
    records.sort(key=lambda r: -r[0]["score"])
    kept = _distinct(records, cands)
    out = pd.DataFrame([r for r, _ in kept], columns=list(SLICE_COLUMNS))
    out.attrs["found"] = [f for _, f in kept]
    out.attrs["overlapping"] = len(records) - len(kept)
    return out


#: A slice is left out when at least this share of its rows, or of a better slice's rows
#: (same feature or metric), lie in both (``age < 25.6`` or ``age < 37.9`` after
#: ``age < 30.9``): it says the same.
OVERLAP = 0.5


def _distinct(records: list, cands: list[Candidate]) -> list:
    """The records, best first, without repeats of a better one.

    Left out: a slice overlapping mostly with a better one of the same target, and a better one's
    mirror image (its target a condition column here, this target a condition column there).
    """
    kept: list = []
    masks: dict[str, list[np.ndarray]] = {}
    for record, f in records:
        columns = {cands[c].column for c, _ in f.conditions}
        if any(
            g.target in columns and f.target in {cands[c].column for c, _ in g.conditions}
            for _, g in kept
        ):  # the same association seen from the other side (dti in partner, channel in low dti)
            continue
        mask = _mask(cands, f.conditions, False)
        size = int(mask.sum())
        better = masks.setdefault(f.target, [])
        if any((mask & m).sum() >= OVERLAP * max(min(size, int(m.sum())), 1) for m in better):
            continue
        better.append(mask)
        kept.append((record, f))
    return kept


def _search_score(f: _Found, total_rows: int, performance: bool) -> float:
    effect = f.extra["effect"] if performance else f.value
    return effect * f.rows / max(total_rows, 1)


def _effect_per_window(
    cands: list[Candidate],
    scored: list[FeatureBins],
    loss: tuple[np.ndarray, np.ndarray] | None,
):
    """A function of a slice found: its effect in a window's rows, and the rows it rests on.

    Drift: PSI of the slice's bins against the slice's reference; performance: the mean
    loss inside minus outside.
    """
    bins = {b.name: b for b in scored}

    def of(found: _Found):
        if loss is not None:
            values, usable = loss

            def performance(inside: np.ndarray, rows: np.ndarray) -> tuple[float, float]:
                i, o = rows[inside & usable[rows]], rows[~inside & usable[rows]]
                if len(i) == 0 or len(o) == 0:
                    return math.nan, 0.0
                return float(values[i].mean() - values[o].mean()), float(len(i))

            return performance
        feature = bins[found.target]
        ref_mask = _mask(cands, found.conditions, True)
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


def _since(grid, mask: np.ndarray, effect) -> pd.Timestamp:
    """Start of the window from which the slice's effect stepped up (NaT: no step up).

    The least-squares split of the per-window effects (weighted by the slice's rows in
    each window) into a before and an after level; the after level must be higher.
    """
    values, weights = [], []
    for w in range(len(grid)):
        rows = np.arange(len(mask))[grid.rows(w)]
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
