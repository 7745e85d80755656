"""Model performance on windows, with labels that arrive late.

Labels (ground truth) usually arrive days after the predictions. :func:`join_labels` attaches
the labels that have arrived; :func:`performance_over_time` computes the metrics per window
and marks a window ``pending`` when too few of its rows have a label yet, instead of scoring
it on a biased subset (the rows labelled first are rarely a random sample).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats as sps
from statsmodels.stats.proportion import proportion_confint

from ._validation import check_frame, check_option, check_positive_int, check_probability
from ._windows import make_windows

TASKS = ("classification", "regression")
#: Metrics that need labels (the others describe predictions and operations).
LABELLED = {
    "accuracy",
    "precision",
    "recall",
    "f1",
    "roc_auc",
    "log_loss",
    "calibration_error",
    "mae",
    "rmse",
    "bias",
}
_EPS = 1e-15


def join_labels(
    predictions: pd.DataFrame,
    labels: pd.DataFrame,
    *,
    on: str,
    label: str,
    label_time: str | None = None,
    as_of: pd.Timestamp | str | None = None,
) -> pd.DataFrame:
    """Attach the labels that have arrived to the predictions (a left join on ``on``).

    Parameters
    ----------
    predictions : pandas.DataFrame
        One row per prediction, with the id column ``on``.
    labels : pandas.DataFrame
        One row per labelled id: ``on``, ``label`` and optionally ``label_time``.
    on : str
        The id column in both frames.
    label : str
        The label column in ``labels``; it is added to the result.
    label_time, as_of
        When both are given, labels that arrive after ``as_of`` count as not arrived yet
        (to replay what was known at a past moment).

    Returns
    -------
    pandas.DataFrame
        ``predictions`` (same rows, same order) with ``label`` and a boolean ``labelled``.

    Examples
    --------
    >>> import pandas as pd
    >>> preds = pd.DataFrame({"id": [1, 2, 3], "score": [0.9, 0.2, 0.6]})
    >>> labels = pd.DataFrame({"id": [1, 3], "y": [True, False],
    ...                        "at": pd.to_datetime(["2024-01-05", "2024-02-01"])})
    >>> join_labels(preds, labels, on="id", label="y", label_time="at", as_of="2024-01-31")
       id  score      y  labelled
    0   1    0.9   True      True
    1   2    0.2   <NA>     False
    2   3    0.6   <NA>     False
    """
    check_frame("predictions", predictions, allow_empty_rows=True)
    check_frame("labels", labels, allow_empty_rows=True)
    for name, frame, column in (
        ("predictions", predictions, on),
        ("labels", labels, on),
        ("labels", labels, label),
    ):
        if column not in frame.columns:
            raise ValueError(f"{name} has no column {column!r}")
    if label in predictions.columns:
        raise ValueError(f"predictions already has a column {label!r}; rename it before joining")
    duplicated = labels[on].duplicated()
    if duplicated.any():
        raise ValueError(
            f"labels has {int(duplicated.sum())} duplicate id(s) in {on!r}; keep one label per id"
        )
    arrived = labels
    if label_time is not None and as_of is not None:
        if label_time not in labels.columns:
            raise ValueError(f"labels has no column {label_time!r}")
        arrived = labels[labels[label_time] <= pd.Timestamp(as_of)]
    joined = predictions.merge(
        arrived[[on, label]], on=on, how="left", validate="many_to_one", sort=False
    )
    joined.index = predictions.index
    joined[label] = (
        joined[label].astype("boolean") if _is_boolish(arrived[label]) else joined[label]
    )
    joined["labelled"] = joined[label].notna().to_numpy()
    return joined


def _is_boolish(series: pd.Series) -> bool:
    return pd.api.types.is_bool_dtype(series.dtype)


def _milliseconds(values: pd.Series) -> pd.Series:
    """Latency as numbers: durations (timedelta) in milliseconds, numbers as they are."""
    if pd.api.types.is_timedelta64_dtype(values.dtype):
        return values / pd.Timedelta(milliseconds=1)
    return values


def _numeric(values: pd.Series) -> bool:
    """Numbers or booleans (also an object column of them, as a CSV with blanks gives)."""
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):  # e.g. a dictionary-encoded Parquet column
        return _numeric(pd.Series(dtype.categories))
    if pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
        return True
    kind = pd.api.types.infer_dtype(values, skipna=True)
    return kind in ("boolean", "integer", "floating", "mixed-integer-float", "empty")


def _check_columns(
    data: pd.DataFrame,
    task: str,
    *,
    label: str,
    score: str | None,
    prediction: str | None,
    latency: str | None,
) -> None:
    """Clear errors for columns whose values would give silently wrong metrics."""
    for name, column in (("label", label), ("score", score), ("prediction", prediction)):
        if column is not None and not _numeric(data[column]):
            raise TypeError(
                f"{name} column {column!r} must hold numbers or booleans; got dtype "
                f"{data[column].dtype} (parse it first)"
            )
    if latency is not None:
        values = data[latency]
        if not (_numeric(values) or pd.api.types.is_timedelta64_dtype(values.dtype)):
            raise TypeError(
                f"latency column {latency!r} must hold numbers (e.g. milliseconds) or durations; "
                f"got dtype {values.dtype}"
            )
    if task != "classification":
        return
    for name, column in (("label", label), ("prediction", prediction)):
        if column is None:
            continue
        present = data[column].dropna()
        odd = present[~present.isin([0, 1])]
        if len(odd):
            raise ValueError(
                f"{name} column {column!r} must hold 0/1 or booleans for classification; found "
                f"{sorted(set(odd.tolist()))[:5]} (map the classes to 0 and 1 first)"
            )
    if score is not None:
        values = data[score].to_numpy(dtype=float, na_value=np.nan)
        finite = values[np.isfinite(values)]
        slack = 1e-9  # rounding of a probability computed elsewhere
        if len(finite) and (finite.min() < -slack or finite.max() > 1 + slack):
            raise ValueError(
                f"score column {score!r} has values outside [0, 1] (min {finite.min()!r}, max "
                f"{finite.max()!r}): give the predicted probability of the positive class "
                "(e.g. a sigmoid of the logits)"
            )


def _classification(
    y: np.ndarray,
    p: np.ndarray,
    threshold: float,
    rng,
    n_boot: int,
    pred: np.ndarray | None = None,
) -> dict:
    """Metrics of binary labels ``y`` (0/1) and scores ``p`` (probability of 1).

    ``pred`` (the model's decisions) defaults to ``p >= threshold``.
    """
    if pred is None:
        pred = p >= threshold
    n = len(y)
    tp = int(np.sum(pred & (y == 1)))
    fp = int(np.sum(pred & (y == 0)))
    fn = int(np.sum(~pred & (y == 1)))
    correct = int(np.sum(pred == (y == 1)))

    def share(k: int, total: int) -> tuple[float, float, float]:
        if total == 0:
            return np.nan, np.nan, np.nan
        low, high = proportion_confint(k, total, alpha=0.05, method="wilson")
        return k / total, float(low), float(high)

    out = {
        "accuracy": share(correct, n),
        "precision": share(tp, tp + fp),
        "recall": share(tp, tp + fn),
    }
    prec, rec = out["precision"][0], out["recall"][0]
    f1 = 2 * prec * rec / (prec + rec) if (prec + rec) > 0 else np.nan
    out["f1"] = (f1, np.nan, np.nan)
    out["roc_auc"] = _auc_with_ci(y, p, rng, n_boot)
    clipped = np.clip(p, _EPS, 1 - _EPS)
    out["log_loss"] = (
        float(-np.mean(y * np.log(clipped) + (1 - y) * np.log(1 - clipped))),
        np.nan,
        np.nan,
    )
    out["calibration_error"] = (_ece(y, p), np.nan, np.nan)
    return out


def _auc(y: np.ndarray, p: np.ndarray) -> float:
    """ROC AUC as the Mann-Whitney U statistic over n1 x n0 (ties count one half)."""
    n1 = int(y.sum())
    n0 = len(y) - n1
    if n1 == 0 or n0 == 0:
        return np.nan
    ranks = sps.rankdata(p)
    return float((ranks[y == 1].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def _bootstrap_aucs(y: np.ndarray, p: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """ROC AUC of every resample ``p[idx[b]]``, ``y[idx[b]]`` (rows of ``idx``) at once.

    A resample is a multiset of the original rows, so its Mann-Whitney U comes from how
    often it draws each row: one sort of the scores, then per resample the positive and
    negative counts of each distinct score and the negatives strictly below it (ties
    count one half). Identical to ranking each resample, without sorting it.
    """
    n = len(y)
    order = np.argsort(p, kind="stable")
    sorted_p = p[order]
    positive = y[order] == 1
    starts = np.flatnonzero(np.r_[True, sorted_p[1:] != sorted_p[:-1]])
    rank_of = np.empty(n, dtype=np.int64)
    rank_of[order] = np.arange(n)
    out = np.empty(len(idx))
    chunk = max(1, 2_000_000 // max(n, 1))
    for lo in range(0, len(idx), chunk):
        part = rank_of[idx[lo : lo + chunk]]
        b = len(part)
        flat = (np.arange(b)[:, None] * n + part).ravel()
        counts = np.bincount(flat, minlength=b * n).reshape(b, n).astype(float)
        pos = np.add.reduceat(counts * positive, starts, axis=1)
        neg = np.add.reduceat(counts * ~positive, starts, axis=1)
        below = np.cumsum(neg, axis=1) - neg
        u = np.sum(pos * (below + 0.5 * neg), axis=1)
        n1, n0 = pos.sum(axis=1), neg.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[lo : lo + b] = np.where((n1 > 0) & (n0 > 0), u / (n1 * n0), np.nan)
    return out


def _auc_with_ci(y: np.ndarray, p: np.ndarray, rng, n_boot: int) -> tuple[float, float, float]:
    auc = _auc(y, p)
    if np.isnan(auc) or n_boot == 0:
        return auc, np.nan, np.nan
    idx = rng.integers(0, len(y), size=(n_boot, len(y)))
    boots = _bootstrap_aucs(y, p, idx)
    boots = boots[np.isfinite(boots)]
    if len(boots) < n_boot // 2:
        return auc, np.nan, np.nan
    low, high = np.quantile(boots, [0.025, 0.975])
    return auc, float(low), float(high)


def _ece(y: np.ndarray, p: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error: |mean score - positive share|, weighted over equal bins."""
    which = np.minimum((p * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        inside = which == b
        if inside.any():
            total += inside.sum() / len(p) * abs(p[inside].mean() - y[inside].mean())
    return float(total)


def performance_over_time(
    data: pd.DataFrame,
    *,
    label: str,
    score: str | None = None,
    prediction: str | None = None,
    task: str = "classification",
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
        bootstrap percentile for AUC), ``n`` (rows), ``n_labelled``, ``coverage``,
        ``status`` (``'ok'``, ``'pending'``, ``'insufficient_data'``) and ``note``.

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
    check_frame("data", data, allow_empty_rows=True)
    check_option("task", task, TASKS)
    check_probability("threshold", threshold, open_left=False) if task == "classification" else None
    if isinstance(min_coverage, (int, float)) and not isinstance(min_coverage, bool):
        min_coverage = 1.0 if min_coverage == 1 else min_coverage
    if min_coverage != 1.0:
        min_coverage = check_probability("min_coverage", min_coverage, open_left=False)
    min_rows = check_positive_int("min_rows", min_rows)
    n_bootstrap = check_positive_int("n_bootstrap", n_bootstrap, minimum=0)
    for name, column in (
        ("label", label),
        ("score", score),
        ("prediction", prediction),
        ("latency", latency),
    ):
        if column is not None and column not in data.columns:
            raise ValueError(f"{name} column {column!r} is not in the data")
    if score is None and prediction is None:
        raise ValueError("give score= (probabilities or predictions) or prediction= (classes)")
    if task == "regression" and score is None:
        raise ValueError("regression needs score= (the predicted values)")
    _check_columns(data, task, label=label, score=score, prediction=prediction, latency=latency)
    windows = make_windows(data, time=time, window=window, rows=rows, origin=origin)
    records = []
    for w in range(len(windows)):
        # One stream per window of the grid: a window's interval does not depend on which
        # other windows are computed in the same call (an append recomputes only the last).
        rng = np.random.default_rng([seed, w + windows.first_index])
        part = data.iloc[windows.rows(w)]
        n = len(part)
        source = score if score is not None else prediction
        p = part[source].to_numpy(dtype=float, na_value=np.nan)
        # Rows without a usable prediction are left out of every metric and counted.
        scored = np.isfinite(p)
        if prediction is not None and score is not None:
            classes = part[prediction].to_numpy(dtype=float, na_value=np.nan)
            scored &= np.isfinite(classes)
        n_scored = int(scored.sum())
        labels = part[label]
        labelled = labels.notna().to_numpy() & scored
        n_labelled = int(labelled.sum())
        coverage = n_labelled / n_scored if n_scored else np.nan
        values: dict[str, tuple[float, float, float]] = {}
        values["missing_prediction"] = (1 - n_scored / n if n else np.nan, np.nan, np.nan)
        if task == "classification":
            if prediction is not None:
                pred = part[prediction].to_numpy(dtype=float, na_value=np.nan) >= 0.5
            else:
                pred = p >= threshold
            k = int(pred[scored].sum())
            low, high = (
                proportion_confint(k, n_scored, alpha=0.05, method="wilson")
                if n_scored
                else (np.nan, np.nan)
            )
            values["positive_rate"] = (
                k / n_scored if n_scored else np.nan,
                float(low),
                float(high),
            )
            usable = p[scored]
            values["mean_score"] = (float(usable.mean()) if n_scored else np.nan, np.nan, np.nan)
            values["confidence"] = (
                float(np.maximum(usable, 1 - usable).mean()) if n_scored else np.nan,
                np.nan,
                np.nan,
            )
        else:
            yhat = p
            values["mean_prediction"] = (
                float(yhat[scored].mean()) if n_scored else np.nan,
                np.nan,
                np.nan,
            )
        n_latency = 0
        if latency is not None:
            lat = _milliseconds(part[latency]).to_numpy(dtype=float, na_value=np.nan)
            lat = lat[np.isfinite(lat)]
            n_latency = len(lat)
            for q in (50, 95, 99):
                values[f"latency_p{q}"] = (
                    float(np.percentile(lat, q)) if len(lat) else np.nan,
                    np.nan,
                    np.nan,
                )
        values["rows"] = (float(n), np.nan, np.nan)
        status, note = "ok", ""
        if n_labelled < min_rows:
            status, note = (
                "insufficient_data",
                f"{n_labelled} labelled row(s), fewer than min_rows={min_rows}",
            )
        if n and coverage < min_coverage:
            status = "pending"
            note = (
                f"label coverage {coverage:.0%} < {min_coverage:.0%}: pending, "
                "not scored on the rows labelled first"
            )
        if n_scored < n:
            left_out = f"{n - n_scored} row(s) without a prediction left out"
            note = f"{note}; {left_out}" if note else left_out
        if status == "ok":
            y = labels[labelled].to_numpy(dtype=float)
            if task == "classification":
                decisions = pred[labelled] if prediction is not None else None
                values.update(
                    _classification(
                        y, p[labelled].astype(float), threshold, rng, n_bootstrap, decisions
                    )
                )
            else:
                err = yhat[labelled] - y
                values["mae"] = (float(np.mean(np.abs(err))), np.nan, np.nan)
                values["rmse"] = (float(np.sqrt(np.mean(err**2))), np.nan, np.nan)
                values["bias"] = (float(np.mean(err)), np.nan, np.nan)
        metrics = (
            ["accuracy", "precision", "recall", "f1", "roc_auc", "log_loss", "calibration_error"]
            if task == "classification"
            else ["mae", "rmse", "bias"]
        )
        for metric in metrics:
            values.setdefault(metric, (np.nan, np.nan, np.nan))

        # Label-free metrics need min_rows values of their own: rows with a prediction,
        # latencies measured; the share of missing predictions needs min_rows rows (so an
        # outage still shows) and the row count is always judged.
        def gate(count: int, what: str) -> tuple[str, str]:
            if count >= min_rows:
                return "ok", ""
            return "insufficient_data", f"{count} {what}, fewer than min_rows={min_rows}"

        free = {
            "rows": ("ok", ""),
            "missing_prediction": gate(n, "row(s)"),
            **{f"latency_p{q}": gate(n_latency, "latency value(s)") for q in (50, 95, 99)},
        }
        status_free, note_free = gate(n_scored, "row(s) with a prediction")
        for metric, (value, low, high) in values.items():
            needs_labels = metric in LABELLED
            records.append(
                {
                    "window": w + windows.first_index,
                    "window_start": windows.labels_start[w],
                    "window_end": windows.labels_end[w],
                    "metric": metric,
                    "value": value,
                    "ci_low": low,
                    "ci_high": high,
                    "n": n,
                    "n_labelled": n_labelled,
                    "coverage": coverage,
                    "status": status if needs_labels else free.get(metric, (status_free, ""))[0],
                    "note": note if needs_labels else free.get(metric, (status_free, note_free))[1],
                }
            )
    return pd.DataFrame.from_records(records)


__all__: Sequence[str] = ("join_labels", "performance_over_time")
