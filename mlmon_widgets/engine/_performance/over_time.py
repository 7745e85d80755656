"""Model performance on windows, with labels that arrive late.

Labels (ground truth) usually arrive days after the predictions. :func:`join_labels` attaches
the labels that have arrived; :func:`performance_over_time` computes the metrics per window
and marks a window ``pending`` when too few of its rows have a label yet, instead of scoring
it on a biased subset (the rows labelled first are rarely a random sample).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._data.columns import as_floats
from .._data.windows import Windows, make_windows
from .._scale.sources import is_scalable
from .._validation import (
    check_frame,
    check_option,
    check_positive_int,
    check_probability,
    check_real,
)
from .._vocabulary import (
    BIAS,
    CLASSIFICATION,
    CONFIDENCE,
    INSUFFICIENT_DATA,
    LABELLED,
    LATENCY_METRICS,
    LATENCY_PERCENTILES,
    MAE,
    MEAN_PREDICTION,
    MEAN_SCORE,
    MISSING_PREDICTION,
    OK,
    PENDING,
    POSITIVE_RATE,
    REGRESSION,
    RMSE,
    ROW_COUNT,
    TASKS,
    labelled_metrics,
)
from .inputs import check_columns, milliseconds
from .metrics import classification_metrics, mean_with_ci, wilson_interval

#: Columns of :func:`performance_over_time`, in order.
PERFORMANCE_COLUMNS = (
    "window",
    "window_start",
    "window_end",
    "metric",
    "value",
    "ci_low",
    "ci_high",
    "n",
    "n_labelled",
    "coverage",
    "status",
    "note",
)
_NONE = (np.nan, np.nan, np.nan)


@dataclass(frozen=True)
class PerformanceSpec:
    """The columns and settings of a performance computation, checked against the data."""

    label: str
    score: str | None = None
    prediction: str | None = None
    task: str = CLASSIFICATION
    threshold: float = 0.5
    min_coverage: float = 0.8
    min_rows: int = 50
    latency: str | None = None
    n_bootstrap: int = 200
    seed: int = 0

    def check(self, data: pd.DataFrame) -> PerformanceSpec:
        """The spec with its numbers normalised; errors name the argument or the column."""
        check_option("task", self.task, TASKS)
        if self.task == CLASSIFICATION:
            check_probability("threshold", self.threshold, open_left=False)
        coverage = check_real("min_coverage", self.min_coverage, low=0, high=1)
        min_rows = check_positive_int("min_rows", self.min_rows)
        n_bootstrap = check_positive_int("n_bootstrap", self.n_bootstrap, minimum=0)
        for name in ("label", "score", "prediction", "latency"):
            column = getattr(self, name)
            if column is not None and column not in data.columns:
                raise ValueError(f"{name} column {column!r} is not in the data")
        if self.score is None and self.prediction is None:
            raise ValueError("give score= (probabilities or predictions) or prediction= (classes)")
        if self.task == REGRESSION and self.score is None:
            raise ValueError("regression needs score= (the predicted values)")
        check_columns(
            data,
            self.task,
            label=self.label,
            score=self.score,
            prediction=self.prediction,
            latency=self.latency,
        )
        return PerformanceSpec(
            **{
                **self.__dict__,
                "min_coverage": coverage,
                "min_rows": min_rows,
                "n_bootstrap": n_bootstrap,
            }
        )


def _share(k: int, total: int) -> tuple[float, float, float]:
    if total == 0:
        return _NONE
    low, high = wilson_interval(k, total)
    return k / total, low, high


def _mean(values: np.ndarray) -> tuple[float, float, float]:
    return mean_with_ci(values)


def _one_window(part: pd.DataFrame, spec: PerformanceSpec, rng: np.random.Generator) -> list:
    """(metric, value, ci_low, ci_high, n, n_labelled, coverage, status, note) of one window."""
    n = len(part)
    source = spec.score if spec.score is not None else spec.prediction
    p = as_floats(part[source])
    # Rows without a usable prediction are left out of every metric and counted.
    scored = np.isfinite(p)
    if spec.prediction is not None and spec.score is not None:
        scored &= np.isfinite(as_floats(part[spec.prediction]))
    n_scored = int(scored.sum())
    labels = part[spec.label]
    labelled = labels.notna().to_numpy() & scored
    n_labelled = int(labelled.sum())
    coverage = n_labelled / n_scored if n_scored else np.nan
    values: dict[str, tuple[float, float, float]] = {}
    values[MISSING_PREDICTION] = (1 - n_scored / n if n else np.nan, np.nan, np.nan)
    if spec.task == CLASSIFICATION:
        if spec.prediction is not None:
            pred = as_floats(part[spec.prediction]) >= 0.5
        else:
            pred = p >= spec.threshold
        values[POSITIVE_RATE] = _share(int(pred[scored].sum()), n_scored)
        usable = p[scored]
        values[MEAN_SCORE] = _mean(usable)
        values[CONFIDENCE] = _mean(np.maximum(usable, 1 - usable))
    else:
        values[MEAN_PREDICTION] = _mean(p[scored])
    n_latency = 0
    if spec.latency is not None:
        lat = as_floats(milliseconds(part[spec.latency]))
        lat = lat[np.isfinite(lat)]
        n_latency = len(lat)
        for metric, q in zip(LATENCY_METRICS, LATENCY_PERCENTILES, strict=True):
            values[metric] = (float(np.percentile(lat, q)) if len(lat) else np.nan, np.nan, np.nan)
    values[ROW_COUNT] = (float(n), np.nan, np.nan)
    status, note = OK, ""
    if n_labelled < spec.min_rows:
        status = INSUFFICIENT_DATA
        note = f"{n_labelled} labelled row(s), fewer than min_rows={spec.min_rows}"
    if n and coverage < spec.min_coverage:
        status = PENDING
        note = (
            f"label coverage {coverage:.0%} < {spec.min_coverage:.0%}: pending, "
            "not scored on the rows labelled first"
        )
    if n_scored < n:
        left_out = f"{n - n_scored} row(s) without a prediction left out"
        note = f"{note}; {left_out}" if note else left_out
    if status == OK:
        y = as_floats(labels)[labelled]
        if spec.task == CLASSIFICATION:
            decisions = pred[labelled] if spec.prediction is not None else None
            values.update(
                classification_metrics(
                    y, p[labelled].astype(float), spec.threshold, rng, spec.n_bootstrap, decisions
                )
            )
        else:
            err = p[labelled] - y
            values[MAE] = mean_with_ci(np.abs(err))
            mse, low, high = mean_with_ci(err**2)  # the square root of the MSE's interval
            values[RMSE] = (
                float(np.sqrt(mse)),
                float(np.sqrt(max(low, 0.0))),
                float(np.sqrt(high)),
            )
            values[BIAS] = mean_with_ci(err)
    for metric in labelled_metrics(spec.task):
        values.setdefault(metric, _NONE)

    # Label-free metrics need min_rows values of their own: rows with a prediction,
    # latencies measured; the share of missing predictions needs min_rows rows (so an
    # outage still shows) and the row count is always judged.
    def gate(count: int, what: str) -> tuple[str, str]:
        if count >= spec.min_rows:
            return OK, ""
        return INSUFFICIENT_DATA, f"{count} {what}, fewer than min_rows={spec.min_rows}"

    free = {
        ROW_COUNT: (OK, ""),
        MISSING_PREDICTION: gate(n, "row(s)"),
        **{metric: gate(n_latency, "latency value(s)") for metric in LATENCY_METRICS},
    }
    scored_gate = gate(n_scored, "row(s) with a prediction")
    rows = []
    for metric, (value, low, high) in values.items():
        if metric in LABELLED:
            judged = (status, note)
        else:
            judged = free.get(metric, scored_gate)
        rows.append((metric, value, low, high, n, n_labelled, coverage, *judged))
    return rows


def window_performance(data: pd.DataFrame, windows: Windows, spec: PerformanceSpec) -> pd.DataFrame:
    """The rows of :func:`performance_over_time` for given windows of ``data``.

    ``window`` counts on the grid (``windows.first_index`` on); each window's bootstrap draws
    from its own stream of ``spec.seed``, so a window's interval does not depend on which
    other windows are computed in the same call (a live append recomputes only the last).
    """
    records = []
    for w in range(len(windows)):
        grid = w + windows.first_index
        rng = np.random.default_rng([spec.seed, grid])
        part = data.iloc[windows.rows(w)]
        for row in _one_window(part, spec, rng):
            records.append((grid, windows.labels_start[w], windows.labels_end[w], *row))
    return pd.DataFrame.from_records(records, columns=list(PERFORMANCE_COLUMNS))


def performance_over_time(
    data: pd.DataFrame,
    *,
    label: str,
    score: str | None = None,
    prediction: str | None = None,
    task: str = CLASSIFICATION,
    time: str | None = None,
    window: object | None = None,
    rows: int | None = None,
    threshold: float = 0.5,
    min_coverage: float = 0.8,
    min_rows: int = 50,
    latency: str | None = None,
    n_bootstrap: int = 200,
    seed: int = 0,
    origin: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Model performance per window, with confidence intervals and label coverage.

    Every window carries its label coverage (the share of its rows whose label has
    arrived). Metrics that need labels are computed only when the coverage reaches
    ``min_coverage``; below it the window is ``pending`` (value NaN) rather than scored on
    the rows labelled first, which are rarely a random sample. Prediction-distribution and
    operational metrics need no labels and are always computed.

    Parameters
    ----------
    data : pandas.DataFrame
        Predictions with their (possibly missing) labels, e.g. from :func:`join_labels`.
    label : str
        The label column (0/1 or bool for classification, numbers for regression).
    score : str, optional
        Predicted probability of the positive class (classification) or the prediction
        (regression).
    prediction : str, optional
        Boolean predicted class (the model's decisions: accuracy, precision, recall, F1
        and the positive rate use it; ROC AUC, log loss and calibration use ``score``);
        default ``score >= threshold``.
    task : {'classification', 'regression'}
    time, window, rows
        Windows as in :func:`drift_over_time`.
    threshold : float, default 0.5
        Decision threshold on ``score``.
    min_coverage : float, default 0.8
        Label coverage below which labelled metrics are pending.
    min_rows : int, default 50
        Fewer labelled rows than this gives ``insufficient_data`` for the metrics that
        need labels; fewer rows with a prediction, for the others (a latency percentile of
        five rows is noise). The row count is always judged, and the share of missing
        predictions whenever the window has ``min_rows`` rows, so an outage still shows.
    latency : str, optional
        A latency column: p50/p95/p99 per window.
    n_bootstrap : int, default 200
        Bootstrap resamples for the ROC AUC interval (0: none).
    seed : int
        Seed of the bootstrap (each window draws from its own stream of this seed).
    origin : pandas.Timestamp, optional
        Start of the time-window grid (as in :func:`make_windows`), so windows over later
        rows line up with earlier ones; ``window`` then counts from the grid's origin.

    Returns
    -------
    pandas.DataFrame
        One row per window x metric: ``window``, ``window_start``, ``window_end``,
        ``metric``, ``value``, ``ci_low``, ``ci_high`` (95%: Wilson for proportions,
        bootstrap percentile for AUC, Student's t for means of a per-row value: log loss,
        mean score, confidence, MAE, bias, and the square root of the MSE's for RMSE;
        none for F1, calibration error, latency percentiles and counts), ``n`` (rows),
        ``n_labelled``, ``coverage``, ``status`` (``'ok'``, ``'pending'``,
        ``'insufficient_data'``) and ``note``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> n = 400
    >>> y = rng.random(n) < 0.3
    >>> score = np.clip(0.3 + 0.4 * y + rng.normal(0, 0.2, n), 0, 1)
    >>> late = pd.array(np.where(np.arange(n) < 300, y, pd.NA), dtype="boolean")  # 100 unlabelled
    >>> frame = pd.DataFrame({"score": score, "y": late})
    >>> perf = performance_over_time(frame, label="y", score="score", rows=100, n_bootstrap=0)
    >>> accuracy = perf[perf["metric"] == "accuracy"]
    >>> print(accuracy[["window", "coverage", "status"]].to_string(index=False))
     window  coverage  status
          0       1.0      ok
          1       1.0      ok
          2       1.0      ok
          3       0.0 pending
    """
    options = {
        "label": label,
        "score": score,
        "prediction": prediction,
        "task": task,
        "threshold": threshold,
        "min_coverage": min_coverage,
        "min_rows": min_rows,
        "latency": latency,
        "n_bootstrap": n_bootstrap,
        "seed": seed,
    }
    if is_scalable(data):
        from .scaled import scaled_performance  # (it builds on this module)

        return scaled_performance(
            data, PerformanceSpec(**options), time=time, window=window, rows=rows, origin=origin
        )
    check_frame("data", data, allow_empty_rows=True)
    spec = PerformanceSpec(**options).check(data)
    windows = make_windows(data, time=time, window=window, rows=rows, origin=origin)
    return window_performance(data, windows, spec)


__all__: Sequence[str] = ("PerformanceSpec", "performance_over_time", "window_performance")
