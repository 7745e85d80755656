"""find_slices: the slices of the data where a feature drifts, or the model does worse.

The search (:mod:`.search`) codes every candidate column once, counts every slice of depth
one and two in one ``bincount`` per column pair and scored feature, and tests all slices at
once from those counts; every test it makes counts in a Benjamini-Hochberg correction.
Here: the public function, and the report (only the slices it reports are re-checked with
the full engine statistics, dated by :mod:`.onset`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .._data.roles import infer_roles
from .._data.windows import make_windows
from .._drift.baseline import Baseline
from .._drift.tables import drift_table
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
from .encoding import Candidate, FeatureBins, candidates, feature_bins
from .explain import _row_values
from .onset import effect_per_window, since
from .search import (
    Found,
    Tests,
    blocks_of,
    combinations,
    mask_of,
    min_rows_of,
    search_drift,
    search_performance,
    slice_label,
)

#: Slices re-checked with the full engine statistics (the best by the search's score).
MAX_RECHECKED = 60
#: Metrics where a higher value is better (a slice is worse when its value is lower).
_HIGHER_IS_BETTER = (ACCURACY,)
#: The performance metrics slices are searched on (a per-row value with a bad direction).
SLICE_METRICS = (ACCURACY, LOG_LOSS)
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
    n_min = min_rows_of(min_rows, len(frame))
    n_min_ref = min_rows_of(min_rows, len(reference)) if reference is not None else 0
    cands = candidates(
        slice_columns, kinds, frame, reference, bins=bins, max_categories=max_categories
    )
    max_share = check_probability("max_share", max_share)
    blocks = blocks_of(
        combinations(cands, max_depth),
        n_min,
        n_min_ref,
        reference is not None,
        max_share * len(frame),
    )
    tests = Tests()
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
        found = search_performance(
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
        found = search_drift(blocks, cands, scored, tests, alpha=alpha, min_effect=effects)
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
        effect_of = effect_per_window(cands, scored, loss)
        out["since"] = [
            since(grid, mask_of(cands, f.conditions, False), effect_of(f))
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
    rows: list[tuple[Found, float, float]],
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
        text = slice_label(cands, f.conditions)
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
                reference.loc[mask_of(cands, f.conditions, True), [f.target]],
                frame.loc[mask_of(cands, f.conditions, False), [f.target]],
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
        mask = mask_of(cands, f.conditions, False)
        size = int(mask.sum())
        better = masks.setdefault(f.target, [])
        if any((mask & m).sum() >= OVERLAP * max(min(size, int(m.sum())), 1) for m in better):
            continue
        better.append(mask)
        kept.append((record, f))
    return kept


def _search_score(f: Found, total_rows: int, performance: bool) -> float:
    effect = f.extra["effect"] if performance else f.value
    return effect * f.rows / max(total_rows, 1)
