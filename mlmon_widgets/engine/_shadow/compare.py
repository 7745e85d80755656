"""compare_models: a live and a shadow model on the same rows, metric by metric, paired."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from .._data.windows import make_windows, time_values
from .._drift.severity import adjust_pvalues
from .._performance.metrics import ece_from_bins
from .._segments.drift import MAX_SEGMENTS, _labels, _segmentings, check_segment_count
from .._validation import DataWarning, check_frame, check_positive_int, check_real, warn
from .._vocabulary import (
    ACCURACY,
    AGREEMENT,
    BRIER,
    CALIBRATION_ERROR,
    CLASSIFICATION,
    CORRECTIONS,
    INSUFFICIENT_DATA,
    LATENCY_METRICS,
    LATENCY_PERCENTILES,
    LOG_LOSS,
    MAE,
    MEAN_SCORE,
    MEMORY_METRICS,
    OK,
    PENDING,
    POSITIVE_RATE,
    REGRESSION,
    RMSE,
    ROC_AUC,
    SCORE_KS,
)
from .bootstrap import (
    Grid,
    SortedRuns,
    calibration_replicates,
    mean_std_error,
    poisson_weights,
    quantile_replicates,
    replicate_std,
)
from .intervals import intervals_at
from .paired import delong, mcnemar_pvalue, normal_pvalue
from .rows import CALIBRATION_BINS, PairedRows, model_columns

#: Columns of :func:`compare_models`, in order.
COMPARISON_COLUMNS = (
    "metric",
    "segment_column",
    "segment_value",
    "window",
    "window_start",
    "window_end",
    "n",
    "n_labelled",
    "coverage",
    "live",
    "shadow",
    "difference",
    "std_error",
    "ci_low",
    "ci_high",
    "p_value",
    "p_adjusted",
    "live_only",
    "shadow_only",
    "status",
    "method",
    "note",
)
#: Key of ``DataFrame.attrs`` where a comparison keeps what a gate needs besides the rows.
ATTRS_KEY = "mlmon_comparison"
_QUANTILES = np.array(LATENCY_PERCENTILES, dtype=float) / 100
_RESOURCE_METRICS = {"latency": LATENCY_METRICS, "memory": MEMORY_METRICS}


@dataclass(frozen=True)
class _Cell:
    segment_column: str
    segment_value: str
    window: int | None  # None: the whole period
    code: int  # segment value's code (0 without a segment)
    grid: int  # which Grid (0: no segment; k: the k-th segment column)
    rows: np.ndarray


def _row(metric: str, cell: _Cell, **values: Any) -> dict[str, Any]:
    base = {c: np.nan for c in COMPARISON_COLUMNS}
    base.update(
        metric=metric,
        segment_column=cell.segment_column,
        segment_value=cell.segment_value,
        window=cell.window,
        live_only=np.nan,
        shadow_only=np.nan,
        status=OK,
        method="",
        note="",
    )
    base.update(values)
    return base


class _Comparison:
    """One call's state: the rows, windows, segments and bootstrap replicates."""

    def __init__(self, rows: PairedRows, settings: dict[str, Any]) -> None:
        self.rows = rows
        self.s = settings
        self.out: list[dict[str, Any]] = []

    # ------------------------------------------------------------------ status of a cell
    def _labelled_status(
        self, n_scored: int, n_labelled: int, n_observable: int
    ) -> tuple[str, str, float]:
        coverage = n_labelled / n_observable if n_observable else math.nan
        min_rows, min_coverage = self.s["min_rows"], self.s["min_coverage"]
        if n_observable and coverage < min_coverage:
            return (
                PENDING,
                f"label coverage {coverage:.0%} < {min_coverage:.0%}: pending, not scored on "
                "the rows labelled first",
                coverage,
            )
        if n_labelled < min_rows:
            return (
                INSUFFICIENT_DATA,
                f"{n_labelled} labelled row(s), fewer than min_rows={min_rows}",
                coverage,
            )
        return OK, "", coverage

    # ------------------------------------------------------------------ one cell
    def cell(self, cell: _Cell, replicates: dict[str, Any]) -> None:
        r = self.rows
        idx = cell.rows
        scored = idx[r.scored[idx]]
        n_scored = len(scored)
        lab = idx[r.labelled[idx]]
        observable = scored if r.observed is None else scored[r.observed[scored]]
        status, note, coverage = self._labelled_status(n_scored, len(lab), len(observable))
        if self.s["observed_note"]:
            note = f"{note}; {self.s['observed_note']}" if note else self.s["observed_note"]
        common = {"n": n_scored, "n_labelled": len(lab), "coverage": coverage}
        if r.y is not None:
            for metric in self.s["labelled_metrics"]:
                row = _row(metric, cell, **common, status=status, note=note)
                if status == OK:
                    row.update(self._labelled(metric, lab, cell, replicates))
                self.out.append(row)
        free = OK if n_scored >= self.s["min_rows"] else INSUFFICIENT_DATA
        free_note = (
            ""
            if free == OK
            else f"{n_scored} scored row(s), fewer than min_rows={self.s['min_rows']}"
        )
        for metric in self.s["free_metrics"]:
            row = _row(metric, cell, **common, status=free, note=free_note)
            if free == OK:
                row.update(self._free(metric, scored))
            self.out.append(row)
        if cell.segment_column == "":
            self._resources(cell, replicates)

    def _labelled(
        self, metric: str, lab: np.ndarray, cell: _Cell, replicates: dict[str, Any]
    ) -> dict[str, Any]:
        r = self.rows
        if metric == ACCURACY:
            return _paired_outcomes(r.correct_live[lab], r.correct_shadow[lab])
        if metric == ROC_AUC:
            auc_l, auc_s, se = delong(r.y[lab], r.p_live[lab], r.p_shadow[lab])
            diff = auc_s - auc_l
            return {
                "live": auc_l,
                "shadow": auc_s,
                "difference": diff,
                "std_error": se,
                "p_value": normal_pvalue(diff, se),
                "method": "DeLong",
            }
        if metric == CALIBRATION_ERROR:
            bins = self.s["bins"]
            values = [
                ece_from_bins(r.y[lab], p[lab], b[lab], CALIBRATION_BINS)
                for p, b in ((r.p_live, bins[0]), (r.p_shadow, bins[1]))
            ]
            diff = values[1] - values[0]
            se = _replicate_se(replicates.get(("ece", cell.grid)), cell)
            return {
                "live": values[0],
                "shadow": values[1],
                "difference": diff,
                "std_error": se,
                "p_value": normal_pvalue(diff, se),
                "method": f"paired Poisson bootstrap ({self.s['n_bootstrap']})",
            }
        if metric == RMSE:
            e_l, e_s = self.s["losses"][RMSE]
            mse_l, mse_s = float(e_l[lab].mean()), float(e_s[lab].mean())
            rm_l, rm_s = math.sqrt(mse_l), math.sqrt(mse_s)
            influence = (
                (e_s[lab] - mse_s) / (2 * rm_s) - (e_l[lab] - mse_l) / (2 * rm_l)
                if rm_l > 0 and rm_s > 0
                else None
            )
            se = mean_std_error(influence) if influence is not None else math.nan
            diff = rm_s - rm_l
            return {
                "live": rm_l,
                "shadow": rm_s,
                "difference": diff,
                "std_error": se,
                "p_value": normal_pvalue(diff, se),
                "method": "paired bootstrap (delta method)",
            }
        l_l, l_s = self.s["losses"][metric]
        return _paired_means(l_l[lab], l_s[lab])

    def _free(self, metric: str, scored: np.ndarray) -> dict[str, Any]:
        r = self.rows
        if metric == AGREEMENT:
            same = r.decision_live[scored] == r.decision_shadow[scored]
            return {"difference": float(same.mean()), "method": "Wilson interval"}
        if metric == POSITIVE_RATE:
            return _paired_outcomes(r.decision_live[scored], r.decision_shadow[scored])
        a, b = r.p_live[scored], r.p_shadow[scored]
        if metric == MEAN_SCORE:
            return _paired_means(a, b)
        result = sps.ks_2samp(b, a)
        return {
            "difference": float(result.statistic),
            "p_value": float(result.pvalue),
            "method": "two-sample KS (conservative for paired scores)",
        }

    def _resources(self, cell: _Cell, replicates: dict[str, Any]) -> None:
        for kind, (v_l, v_s) in self.rows.resources.items():
            idx = cell.rows
            both = idx[np.isfinite(v_l[idx]) & np.isfinite(v_s[idx])]
            n = len(both)
            ok = n >= self.s["min_rows"]
            reps = replicates.get(("resource", kind))
            for j, metric in enumerate(_RESOURCE_METRICS[kind]):
                row = _row(
                    metric,
                    _Cell("", "", cell.window, 0, 0, idx),
                    n=n,
                    n_labelled=np.nan,
                    coverage=np.nan,
                )
                if not ok:
                    row.update(
                        status=INSUFFICIENT_DATA,
                        note=f"{n} paired value(s), fewer than min_rows={self.s['min_rows']}",
                    )
                else:
                    live, shadow = (float(np.quantile(v[both], _QUANTILES[j])) for v in (v_l, v_s))
                    se = math.nan
                    if reps is not None:
                        per_window, whole = reps
                        values = (
                            whole[:, 0, j] if cell.window is None else per_window[:, cell.window, j]
                        )
                        se = float(replicate_std(values[:, None])[0])
                    diff = shadow - live
                    row.update(
                        live=live,
                        shadow=shadow,
                        difference=diff,
                        std_error=se,
                        p_value=normal_pvalue(diff, se),
                        method=f"paired Poisson bootstrap ({self.s['n_bootstrap']})",
                    )
                self.out.append(row)


def _paired_outcomes(live: np.ndarray, shadow: np.ndarray) -> dict[str, Any]:
    """A paired 0/1 outcome (right, or decided positive) of both models on the same rows.

    McNemar's exact test on the discordant pairs; ``std_error`` is the Wald SE of the paired
    difference (for the sample-size estimate of a hold; the interval is Newcombe's).
    """
    n = len(live)
    live_only, shadow_only = int(np.sum(live & ~shadow)), int(np.sum(shadow & ~live))
    discordant = live_only + shadow_only - (shadow_only - live_only) ** 2 / n
    return {
        "live": float(live.mean()),
        "shadow": float(shadow.mean()),
        "difference": (shadow_only - live_only) / n,
        "std_error": math.sqrt(max(discordant, 0.0)) / n,
        "p_value": mcnemar_pvalue(live_only, shadow_only),
        "live_only": live_only,
        "shadow_only": shadow_only,
        "method": "McNemar exact; Newcombe interval",
    }


def _paired_means(live: np.ndarray, shadow: np.ndarray) -> dict[str, Any]:
    """Means of a per-row value of both models; the bootstrap SE of their difference exactly."""
    diff = float(shadow.mean() - live.mean())
    se = mean_std_error(shadow - live)
    return {
        "live": float(live.mean()),
        "shadow": float(shadow.mean()),
        "difference": diff,
        "std_error": se,
        "p_value": normal_pvalue(diff, se),
        "method": "paired bootstrap (exact variance of a mean)",
    }


def _replicate_se(levels: dict[str, np.ndarray] | None, cell: _Cell) -> float:
    if levels is None:
        return math.nan
    if cell.segment_column == "":
        values = (
            levels["overall"][:, 0, 0]
            if cell.window is None
            else levels["window"][:, cell.window, 0]
        )
    else:
        values = (
            levels["segment"][:, 0, cell.code]
            if cell.window is None
            else levels["cell"][:, cell.window, cell.code]
        )
    return float(replicate_std(values[:, None])[0])


def _weights(seed: int, stream: int, n: int, count: int):
    rng = np.random.default_rng([seed, stream])
    for _ in range(count):
        yield poisson_weights(rng, n)


def compare_models(
    frame: pd.DataFrame,
    *,
    live: str,
    shadow: str,
    label: str | None = None,
    time: str | None = None,
    window: object | None = None,
    by: Any = None,
    latency: Any = None,
    memory: Any = None,
    task: str = CLASSIFICATION,
    threshold: Any = 0.5,
    observed: str | None = None,
    min_coverage: float = 0.8,
    min_rows: int = 50,
    confidence_level: float = 0.95,
    correction: str = "fdr_bh",
    n_bootstrap: int = 200,
    max_segments: int = MAX_SEGMENTS,
    seed: int = 0,
) -> pd.DataFrame:
    """Compare a live and a shadow model on the same rows: every metric, paired.

    Both models scored the same rows (``live`` and ``shadow`` name their columns), so
    every comparison is paired: it tests the difference on the rows themselves, which is
    far more sensitive than comparing two summary numbers (the noise both models share
    cancels). Each row of the result is one metric, overall or in one segment, over the
    whole period or one window:

    - **accuracy** at each model's decision threshold: McNemar's exact test on the
      discordant pairs (as ``statsmodels.stats.contingency_tables.mcnemar(exact=True)``)
      and Newcombe's square-and-add interval for the paired difference;
    - **ROC AUC**: DeLong's test and normal interval for two correlated AUCs (as R's
      ``pROC::roc.test(method='delong')``);
    - **log loss, Brier score, calibration error** (classification) and **MAE, RMSE**
      (regression): the paired bootstrap over rows, with its normal interval
      ``difference -/+ z * SE``. For means of a per-row loss the bootstrap variance is
      used in closed form (no Monte-Carlo error), RMSE by the delta method on the MSEs,
      calibration error by ``n_bootstrap`` Poisson replicates (seeded);
    - without labels: **agreement** (share of rows both models decide alike, Wilson
      interval), **positive rate** (McNemar and Newcombe on the decisions), **mean
      score** (the mean score difference) and **score_ks** (KS distance between the two
      score distributions: descriptive, and conservative for positively correlated
      scores);
    - **latency** (and **memory**) p50/p95/p99 per model and their paired bootstrap
      differences, overall and per window (not per segment).

    Labels arrive late: labelled metrics use the rows labelled so far and are
    ``pending`` in a cell whose label coverage is below ``min_coverage``;
    label-free metrics use every row both models scored.

    Parameters
    ----------
    frame : pandas.DataFrame
        Predictions of both models on the same rows, with their (possibly missing) labels
        (e.g. from :func:`join_labels`).
    live, shadow : str
        Score columns (probabilities of the positive class, or boolean decisions, or
        predicted values for regression) of the live and the shadow model.
    label : str, optional
        The label column (0/1 or bool; numbers for regression). Without it only the
        label-free metrics are reported.
    time, window : optional
        Windows as in :func:`performance_over_time`; rows ``window`` NaN are the whole
        period. ``time`` alone (no windows) still tells a gate which part of the business
        cycle the rows cover.
    by : str, tuple or list, optional
        Segments as in :func:`segment_drift` (each column on its own, a tuple crossed).
    latency, memory : dict or pair, optional
        One column per model: ``{'live': 'latency_ms', 'shadow': 'shadow_latency_ms'}``.
    task : {'classification', 'regression'}
    threshold : float or dict, default 0.5
        Decision threshold of both models, or ``{'live': t1, 'shadow': t2}``: each model
        is judged at its own.
    observed : str, optional
        A boolean column: True where a label can arrive at all (e.g. only applications the
        live model approved get a repayment outcome). Coverage is then counted over those
        rows, and every labelled row says, and a warning says, that the comparison favours
        the live model (the shadow is judged only where the live model chose to look).
    min_coverage, min_rows
        As in :func:`performance_over_time`.
    confidence_level : float, default 0.95
        Level of ``ci_low`` / ``ci_high``.
    correction : {'fdr_bh', 'bonferroni', 'holm', 'none'}
        Correction of ``p_adjusted`` over every p-value of the call (metrics x segments x
        windows).
    n_bootstrap : int, default 200
        Poisson bootstrap replicates for calibration error and percentiles (0: none).
    max_segments : int
        A segment column with more distinct values is refused.
    seed : int
        Seed of the bootstrap.

    Returns
    -------
    pandas.DataFrame
        One row per metric x segment x window, columns ``metric``, ``segment_column`` and
        ``segment_value`` (``''`` for the whole population), ``window``, ``window_start``,
        ``window_end`` (NaN/NaT for the whole period), ``n`` (rows both models scored),
        ``n_labelled``, ``coverage``, ``live``, ``shadow``, ``difference`` (shadow minus
        live; for ``agreement`` and ``score_ks`` the statistic itself), ``std_error``,
        ``ci_low``, ``ci_high``, ``p_value`` (for a zero difference), ``p_adjusted``,
        ``live_only`` / ``shadow_only`` (discordant pairs of accuracy and positive rate),
        ``status`` (``'ok'``, ``'pending'``, ``'insufficient_data'``), ``method`` and
        ``note``. ``DataFrame.attrs['mlmon_comparison']`` keeps what a promotion gate needs
        besides the rows (hours seen, rows per day, the call's settings).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> n = 2000
    >>> y = rng.random(n) < 0.3
    >>> signal = np.where(y, 1.0, -1.0)
    >>> live = 1 / (1 + np.exp(-(signal + rng.normal(0, 1.5, n))))
    >>> shadow = 1 / (1 + np.exp(-(signal + rng.normal(0, 1.0, n))))  # less noise
    >>> frame = pd.DataFrame({"y": y, "live": live, "shadow": shadow})
    >>> table = compare_models(frame, live="live", shadow="shadow", label="y")
    >>> auc = table[table["metric"] == "roc_auc"].iloc[0]
    >>> bool(auc["shadow"] > auc["live"]), bool(auc["ci_low"] > 0), auc["method"]
    (True, True, 'DeLong')
    """
    check_frame("frame", frame, allow_empty_rows=True)
    if window is not None and time is None:
        raise ValueError("window= needs time= (the timestamp column the windows are cut on)")
    confidence_level = check_real("confidence_level", confidence_level, low=0, high=1)
    if not 0 < confidence_level < 1:
        raise ValueError(
            f"confidence_level must be strictly between 0 and 1; got {confidence_level!r}"
        )
    if correction not in CORRECTIONS:
        raise ValueError(f"correction must be one of {', '.join(CORRECTIONS)}; got {correction!r}")
    n_bootstrap = check_positive_int("n_bootstrap", n_bootstrap, minimum=0)
    min_rows = check_positive_int("min_rows", min_rows)
    min_coverage = check_real("min_coverage", min_coverage, low=0, high=1)
    rows = PairedRows.build(
        frame,
        live=live,
        shadow=shadow,
        label=label,
        task=task,
        threshold=threshold,
        observed=observed,
        latency=model_columns("latency", latency),
        memory=model_columns("memory", memory),
    )
    n_rows = len(frame)
    grid = make_windows(frame, time=time, window=window) if window is not None else None
    n_windows = len(grid) if grid is not None else 1
    window_of = np.zeros(n_rows, dtype=np.int64)
    if grid is not None:
        window_of[:] = -1
        for w in range(n_windows):
            window_of[grid.rows(w)] = w

    if task == REGRESSION:
        labelled_metrics: tuple[str, ...] = (MAE, RMSE)
        free_metrics: tuple[str, ...] = (MEAN_SCORE, SCORE_KS)
    elif rows.probabilities:
        labelled_metrics = (ACCURACY, ROC_AUC, LOG_LOSS, BRIER, CALIBRATION_ERROR)
        free_metrics = (AGREEMENT, POSITIVE_RATE, MEAN_SCORE, SCORE_KS)
    else:
        labelled_metrics = (ACCURACY,)
        free_metrics = (AGREEMENT, POSITIVE_RATE)
    losses: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    if label is not None:
        kinds = {LOG_LOSS: "log", BRIER: "brier", MAE: "abs", RMSE: "square"}
        for metric in labelled_metrics:
            if metric in kinds:
                losses[metric] = rows.losses(kinds[metric])
    observed_note = ""
    if observed is not None:
        share = float(rows.observed.mean()) if n_rows else math.nan
        observed_note = (
            f"labels only where {observed!r} (observable on {share:.0%} of rows): the comparison "
            "favours the live model"
        )
        warn(
            f"labels exist only where {observed!r} is True ({share:.0%} of rows, the rows the "
            "live model chose): labelled metrics judge the shadow model where the live model "
            "decided to look, which favours the live model",
            DataWarning,
        )
    settings = {
        "min_rows": min_rows,
        "min_coverage": min_coverage,
        "labelled_metrics": labelled_metrics,
        "free_metrics": free_metrics,
        "losses": losses,
        "bins": rows.calibration_bins() if rows.probabilities else None,
        "n_bootstrap": n_bootstrap,
        "observed_note": observed_note,
    }

    # segments: codes per segment column
    segmentings = _segmentings(by) if by is not None else []
    segment_codes: list[tuple[str, list[str], np.ndarray]] = []
    for segmenting in segmentings:
        for column in segmenting:
            if column not in frame.columns:
                raise ValueError(f"segment column {column!r} is not in the data")
        labels = _labels(frame, segmenting)
        values = sorted(labels.unique(), key=lambda v: (v == "(missing)", v))
        check_segment_count(segmenting, len(values), max_segments)
        codes = pd.Categorical(labels, categories=values).codes.astype(np.int64)
        segment_codes.append((" & ".join(segmenting), list(values), codes))

    # bootstrap replicates, every cell at once
    replicates: dict[Any, Any] = {}
    if n_bootstrap and label is not None and CALIBRATION_ERROR in labelled_metrics:
        # The first segment column's cells sum up to the windows and the whole period too.
        whole = [("", ["(all)"], np.zeros(n_rows, dtype=np.int64))]
        grids = [*whole, *segment_codes]
        for k, (_, values, codes) in enumerate(grids):
            if k == 0 and segment_codes:
                continue
            v = len(values)
            code = np.where(rows.labelled & (window_of >= 0), window_of * v + codes, -1)
            replicates[("ece", k)] = calibration_replicates(
                Grid(code, n_windows, v),
                *settings["bins"],
                np.nan_to_num(rows.p_live - np.nan_to_num(rows.y)),
                np.nan_to_num(rows.p_shadow - np.nan_to_num(rows.y)),
                _weights(seed, 1 + k, n_rows, n_bootstrap),
            )
        if segment_codes:
            replicates[("ece", 0)] = replicates[("ece", 1)]
    if n_bootstrap:
        for j, (kind, (v_l, v_s)) in enumerate(rows.resources.items()):
            both = np.isfinite(v_l) & np.isfinite(v_s)
            wins = np.where(both, window_of, -1)
            alls = np.where(both & (window_of >= 0), 0, -1)
            runs = tuple(SortedRuns.build(v, wins, n_windows) for v in (v_l, v_s))
            whole = tuple(SortedRuns.build(v, alls, 1) for v in (v_l, v_s))
            replicates[("resource", kind)] = quantile_replicates(
                runs, whole, _QUANTILES, _weights(seed, 100 + j, n_rows, n_bootstrap)
            )

    job = _Comparison(rows, settings)
    everything = np.flatnonzero(window_of >= 0)
    by_window = (
        [np.flatnonzero(window_of == w) for w in range(n_windows)] if grid is not None else []
    )
    job.cell(_Cell("", "", None, 0, 0, everything), replicates)
    for w, idx in enumerate(by_window):
        job.cell(_Cell("", "", w, 0, 0, idx), replicates)
    for k, (name, values, codes) in enumerate(segment_codes, start=1):
        for code, value in enumerate(values):
            job.cell(
                _Cell(name, value, None, code, k, everything[codes[everything] == code]), replicates
            )
            for w, idx in enumerate(by_window):
                job.cell(_Cell(name, value, w, code, k, idx[codes[idx] == code]), replicates)

    out = pd.DataFrame.from_records(job.out, columns=list(COMPARISON_COLUMNS))
    out["window"] = out["window"].astype("Int64")
    if grid is not None:
        starts = pd.Series(grid.labels_start)
        ends = pd.Series(grid.labels_end)
        w = out["window"]
        has = w.notna().to_numpy()
        out["window_start"] = pd.Series(pd.NaT, index=out.index, dtype=starts.dtype)
        out["window_end"] = pd.Series(pd.NaT, index=out.index, dtype=ends.dtype)
        positions = w[has].to_numpy(dtype=np.int64)
        out.loc[has, "window_start"] = starts.iloc[positions].to_numpy()
        out.loc[has, "window_end"] = ends.iloc[positions].to_numpy()
    else:
        out["window_start"] = pd.NaT
        out["window_end"] = pd.NaT
    for column in ("n", "n_labelled", "live_only", "shadow_only"):
        out[column] = out[column].astype("Int64")
    low, high = intervals_at(out, confidence_level)
    out["ci_low"], out["ci_high"] = low, high
    out["p_adjusted"] = adjust_pvalues(
        out["p_value"].to_numpy(dtype=float), method=correction, alpha=1 - confidence_level
    )
    out.attrs[ATTRS_KEY] = _coverage(frame, time, rows, label, settings, confidence_level)
    return out


def _coverage(
    frame: pd.DataFrame,
    time: str | None,
    rows: PairedRows,
    label: str | None,
    settings: dict[str, Any],
    confidence_level: float,
) -> dict[str, Any]:
    """What a gate needs besides the rows: the hours seen and the rates of rows per day."""
    info: dict[str, Any] = {
        "confidence_level": confidence_level,
        "min_rows": settings["min_rows"],
        "labelled": label is not None,
        "hours_seen": [],
        "rows_per_day": math.nan,
        "labelled_per_day": math.nan,
    }
    if time is None and not isinstance(frame.index, pd.DatetimeIndex):
        return info
    stamps = time_values(frame, time)
    scored = stamps[rows.scored].dropna()
    if scored.empty:
        return info
    hours = pd.DatetimeIndex(scored.dt.floor("h").unique()).sort_values()
    info["hours_seen"] = hours
    span_days = max((scored.max() - scored.min()) / pd.Timedelta(days=1), 1.0)
    info["rows_per_day"] = len(scored) / span_days
    info["labelled_per_day"] = float(rows.labelled.sum()) / span_days
    return info


__all__: Sequence[str] = ("COMPARISON_COLUMNS", "compare_models")
