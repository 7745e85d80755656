"""ControlChart: model performance per window as control charts, with alert limits to drag."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import traitlets
from pandas.tseries.frequencies import to_offset

from ..detectors import ADWIN, PageHinkley, detect_changes
from ..engine import (
    LimitRule,
    individuals_chart,
    judge_limits,
    make_windows,
    performance_over_time,
    window_phases,
)
from ..engine._limits import LIMIT_NAMES
from ..engine._performance import LABELLED
from ..engine._rules_runs import check_rules
from ..engine._validation import DataWarning, check_frame, check_option, check_positive_int, warn
from ._base import MlmonWidget, reports_errors
from ._grid import window_grid
from ._labels import window_labels
from ._serialize import plain

#: Which side of each metric is bad (the side whose limits alert).
SIDES = {
    "accuracy": "lower",
    "precision": "lower",
    "recall": "lower",
    "f1": "lower",
    "roc_auc": "lower",
    "log_loss": "upper",
    "calibration_error": "upper",
    "mae": "upper",
    "rmse": "upper",
    "missing_prediction": "upper",
    "latency_p50": "upper",
    "latency_p95": "upper",
    "latency_p99": "upper",
}
DETECTORS = {"adwin": ADWIN, "page_hinkley": PageHinkley}
_STATUS = {"ok": 0, "pending": 1, "insufficient_data": 2}
_SEVERITY = {"ok": 0, "warning": 1, "critical": 2, "insufficient_data": 3}
ALL = "(all rows)"


def _metric_list(
    metrics: Sequence[str] | str | None, task: str, latency: str | None, score: str | None
) -> list:
    if metrics is None:
        if task == "regression":
            metrics = ["mae", "bias"]
        elif score is None:  # decisions only: scores' metrics would be meaningless
            metrics = ["accuracy", "positive_rate"]
        else:
            metrics = ["roc_auc", "log_loss"]
        if latency is not None:
            metrics.append("latency_p95")
    elif isinstance(metrics, str):
        metrics = [metrics]
    out = list(metrics)
    if len(set(out)) != len(out):
        raise ValueError(f"metrics has duplicates: {out}")
    if not out:
        raise ValueError("metrics is empty; name at least one metric such as 'roc_auc'")
    return out


@contextlib.contextmanager
def _told_once() -> Iterator[None]:
    """Rows without a time are reported once, when the chart is built (and per append)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*have no timestamp", category=DataWarning)
        yield


def _is_time(labels: Any) -> bool:
    """Whether window labels are time stamps (naive, tz-aware) rather than row positions."""
    labels = np.asarray(labels)
    if np.issubdtype(labels.dtype, np.datetime64):
        return True
    return len(labels) > 0 and isinstance(labels[0], pd.Timestamp)


def _join(first: Any, second: Any) -> Any:
    """Two runs of window labels (times, time zone kept, or row positions) as one."""
    if _is_time(first) or _is_time(second):
        joined = pd.DatetimeIndex(first).append(pd.DatetimeIndex(second))
        return joined if joined.tz is not None else joined.to_numpy()
    return np.concatenate([np.asarray(first, dtype=np.int64), np.asarray(second, dtype=np.int64)])


def _tail(panel: dict[str, Any], first: int) -> dict[str, Any]:
    """The part of a panel from window ``first`` on (violations: those completed there)."""
    out = {}
    for key, value in panel.items():
        if key == "violations":
            out[key] = [v for v in value if v["window"] >= first]
        elif isinstance(value, list):
            out[key] = value[first:]
        else:
            out[key] = value
    return out


class ControlChart(MlmonWidget):
    """Model performance per window as control charts: one small multiple per metric.

    Each panel shows the metric per window with its 95% interval, the centre line and the
    warning (2 sigma) and control (3 sigma) limits from a baseline period (sigma from the
    moving range; with ``period``, limits follow the seasonal pattern fitted by STL), the
    windows whose labels are still pending shaded and not scored, Nelson run-rule
    violations and the change points a concept-drift detector finds on the per-row errors,
    each with its reason on hover. Points are coloured by the alert the limits raise
    (:class:`~mlmon_widgets.engine.LimitRule`: critical beyond the control limit, warning
    for 2 of 3 beyond the warning limit), exactly as ``mlmon check`` does with the exported
    config.

    Limits are dragged on the chart or typed in each panel's rule editor; :attr:`rules`
    holds them (metric -> ``LimitRule.to_dict()``) and :meth:`to_config` exports them.
    :attr:`detector` (``{'kind': 'adwin', 'delta': 0.002}``, ``{'kind': 'page_hinkley',
    'threshold': 50, 'delta': 0.005}`` or ``{'kind': 'off'}``) is editable too, and the
    detections are redrawn at once. :meth:`append` adds production rows and sends only the
    windows they touch.

    Parameters
    ----------
    data : pandas.DataFrame
        Predictions with their labels as far as they have arrived (see
        :func:`~mlmon_widgets.join_labels`), a time column for time windows.
    label, score, prediction, task, threshold, latency, min_coverage, min_rows, n_bootstrap
        As in :func:`~mlmon_widgets.performance_over_time`.
    time, window, rows
        Tumbling windows as in :func:`~mlmon_widgets.performance_over_time`.
    metrics : str or sequence of str, optional
        Metrics to chart (default ROC AUC and log loss, or MAE and bias for regression,
        plus latency p95 when ``latency`` is given).
    baseline : int, optional
        Number of first windows the limits come from (default: a third of the windows at
        construction, at least 5 and at most 30, and at least three seasons with
        ``period``; appended windows do not change it).
    revise : bool, default True
        Montgomery's revised (Phase I) limits: baseline windows beyond the trial limits (an
        incident inside the baseline) are left out and the limits computed again; the
        panel's note names them. False: the plain trial limits.
    run_rules : {'western_electric', 'nelson'} or list of int, default 'western_electric'
        The run rules marked on the charts (Nelson's numbering; Western Electric's are 1,
        2, 5 and 6, the ones that point at a shift; 'nelson' adds trends, alternation and
        stratification).
    period : int, optional
        Season length in windows (7 for daily windows with a weekly pattern).
    sides : dict, optional
        Metric -> ``'lower'``, ``'upper'`` or ``'both'``: which deviations alert (default:
        lower for accuracy-like metrics, upper for losses, errors and latency).
    rules : dict, optional
        Metric -> :class:`~mlmon_widgets.engine.LimitRule` (or its dict) replacing the
        limits from the baseline.
    segment : str, optional
        A column whose values can be selected to chart one segment (time windows only).
    detector : dict or None, default ``{'kind': 'adwin', 'delta': 0.002}``
        The concept-drift detector run on the per-row errors of the scored windows
        (squared error of the score, or absolute error for regression).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> n = 6000
    >>> y = rng.random(n) < 0.3
    >>> score = np.clip(0.3 + 0.3 * y + rng.normal(0, 0.2, n), 0, 1)
    >>> frame = pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=n, freq="h"),
    ...                       "y": y, "score": score})
    >>> chart = ControlChart(frame, label="y", score="score", time="ts", window="7D",
    ...                      metrics=["accuracy"], n_bootstrap=0)
    >>> sorted(chart.rules["accuracy"])
    ['centre', 'critical', 'side', 'sigma', 'warning']
    """

    _bundle = "control_chart.js"

    metrics = traitlets.List(traitlets.Unicode()).tag(sync=True)
    segment = traitlets.Unicode(ALL).tag(sync=True)
    rules = traitlets.Dict().tag(sync=True)
    detector = traitlets.Dict().tag(sync=True)
    selected = traitlets.Dict(allow_none=True, default_value=None).tag(sync=True)
    _segments = traitlets.List(traitlets.Unicode()).tag(sync=True)
    _available = traitlets.List(traitlets.Unicode()).tag(sync=True)
    _windows = traitlets.Dict().tag(sync=True)
    _panels = traitlets.List().tag(sync=True)
    _changes = traitlets.Dict().tag(sync=True)

    def __init__(
        self,
        data: pd.DataFrame,
        *,
        label: str,
        score: str | None = None,
        prediction: str | None = None,
        task: str = "classification",
        time: str | None = None,
        window: object | None = None,
        rows: int | None = None,
        metrics: Sequence[str] | str | None = None,
        baseline: int | None = None,
        revise: bool = True,
        run_rules: Any = "western_electric",
        period: int | None = None,
        sides: Mapping[str, str] | None = None,
        rules: Mapping[str, Any] | None = None,
        segment: str | None = None,
        detector: Mapping[str, Any] | None = None,
        threshold: float = 0.5,
        latency: str | None = None,
        min_coverage: float = 0.8,
        min_rows: int = 50,
        n_bootstrap: int = 100,
        **kwargs: Any,
    ) -> None:
        check_frame("data", data, allow_empty_rows=False)
        metrics = _metric_list(metrics, task, latency, score)
        if segment is not None:
            if segment not in data.columns:
                raise ValueError(f"segment column {segment!r} is not in the data")
            if window is None:
                raise ValueError("segment= needs time windows (window= with time=)")
        self._spec = {"time": time, "window": window, "rows": rows}
        self._options = {
            "label": label,
            "score": score,
            "prediction": prediction,
            "task": task,
            "threshold": threshold,
            "latency": latency,
            "min_coverage": min_coverage,
            "min_rows": min_rows,
            "n_bootstrap": n_bootstrap,
        }
        self._segment_column = segment
        self._revise = bool(revise)
        self._run_rules = check_rules(run_rules)
        self._period = None if period is None else check_positive_int("period", period, minimum=2)
        self._baseline_size = (
            None if baseline is None else check_positive_int("baseline", baseline, minimum=5)
        )
        self._sides = dict(sides or {})
        for metric, side in self._sides.items():
            check_option(f"sides[{metric!r}]", side, ("lower", "upper", "both"))
        if self._period and rows is not None:
            raise ValueError("period= needs time windows: row windows have no calendar phase")
        self._data = self._sorted(data)
        self._perf: dict[str, pd.DataFrame] = {}
        self._cache: dict[tuple[str, str], tuple[dict[str, Any], LimitRule | None]] = {}
        self._user_rules: dict[str, dict[str, dict[str, Any]]] = {}
        windows = make_windows(self._data, **self._spec)
        self._anchor = getattr(windows, "anchor", None)
        self._labels = (windows.labels_start, windows.labels_end)
        if self._baseline_size is None:  # fixed now, so appended windows keep the limits
            size = min(30, max(5, len(windows) // 3))
            self._baseline_size = max(size, 3 * self._period) if self._period else size
        perf = self._performance(ALL, self._data)
        available = list(dict.fromkeys(perf["metric"]))
        known = ", ".join(available)
        for what, names in (("metric", metrics), ("sides", self._sides), ("rules", rules or {})):
            unknown = [m for m in names if m not in available]
            if unknown:
                raise ValueError(f"unknown metric(s) in {what}: {unknown}; this data has {known}")
        self._segment_keys: dict[str, Any] = {}
        self._add_segments(self._data)
        segments = [ALL, *self._segment_keys]
        detector = {"kind": "adwin", "delta": 0.002} if detector is None else dict(detector)
        super().__init__(
            metrics=metrics,
            detector=detector,
            _segments=segments,
            _available=available,
            **kwargs,
        )
        try:
            self._user_rules[ALL] = self._check_rules({"value": rules or {}})
        except traitlets.TraitError as err:
            raise ValueError(str(err)) from None
        self.on_msg(self._on_front_end_message)
        self._redraw()

    # ------------------------------------------------------------------ data
    def _sorted(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Rows in time order (missing times last); a DatetimeIndex is kept as the time."""
        time = self._spec["time"]
        if time is None:
            if isinstance(frame.index, pd.DatetimeIndex):
                return frame.sort_index(kind="stable", na_position="last")
            return frame.reset_index(drop=True)
        if time not in frame.columns:
            raise ValueError(f"time column {time!r} is not in the data")
        return frame.sort_values(time, kind="stable", ignore_index=True)

    def _times(self, frame: pd.DataFrame) -> pd.Series | None:
        """The time of every row (a column or the DatetimeIndex), or None for row order."""
        time = self._spec["time"]
        if time is not None:
            return frame[time]
        if isinstance(frame.index, pd.DatetimeIndex):
            return frame.index.to_series()
        return None

    def _add_segments(self, frame: pd.DataFrame) -> None:
        """Remember the segment values of ``frame`` by their text (what the selector shows)."""
        if self._segment_column is None:
            return
        for value in frame[self._segment_column].dropna().unique():
            key = str(value)
            if isinstance(value, float) and value.is_integer():
                key = str(int(value))  # 2 and 2.0 (an int column with a NaN) are one segment
            self._segment_keys.setdefault(key, value)
        self._segment_keys = dict(sorted(self._segment_keys.items()))

    def _rows_of(self, segment: str, frame: pd.DataFrame) -> pd.DataFrame:
        if segment == ALL:
            return frame
        return frame[frame[self._segment_column] == self._segment_keys[segment]]

    def _performance(self, segment: str, frame: pd.DataFrame) -> pd.DataFrame:
        """The long performance frame of ``segment`` over ``frame``, windows on the grid."""
        rows = self._rows_of(segment, frame)
        origin = self._anchor if self._spec["rows"] is None else None
        with _told_once():
            return performance_over_time(rows, **self._spec, origin=origin, **self._options)

    def _frame(self, segment: str) -> pd.DataFrame:
        if segment not in self._perf:
            self._perf[segment] = self._performance(segment, self._data)
        return self._perf[segment]

    def _n_windows(self) -> int:
        return len(self._labels[0])

    def _series(self, metric: str, segment: str | None = None) -> pd.DataFrame:
        """One row per window of the grid: value, interval, coverage and status."""
        perf = self._frame(self.segment if segment is None else segment)
        if "metric" not in perf.columns:  # no rows at all in this segment
            perf = pd.DataFrame(
                columns=[
                    "metric",
                    "window",
                    "value",
                    "ci_low",
                    "ci_high",
                    "coverage",
                    "n",
                    "status",
                    "note",
                ]
            )
        part = perf[perf["metric"] == metric].set_index("window")
        n = self._n_windows()
        part = part.reindex(range(n))
        part["status"] = part["status"].fillna("insufficient_data")
        part["n"] = part["n"].fillna(0)
        return part

    def _window_starts(self) -> Any:
        starts = self._labels[0]
        if _is_time(starts):
            return pd.DatetimeIndex(starts)
        return pd.RangeIndex(self._n_windows())

    def _baseline_windows(self) -> int:
        return min(self._baseline_size, self._n_windows())

    # ------------------------------------------------------------------ panels
    def _side(self, metric: str) -> str:
        return self._sides.get(metric, SIDES.get(metric, "both"))

    def _panel(
        self, metric: str, segment: str | None = None
    ) -> tuple[dict[str, Any], LimitRule | None]:
        segment = self.segment if segment is None else segment
        series = self._series(metric, segment)
        starts = self._window_starts()
        judged = (series["status"] == "ok").to_numpy()
        values = pd.Series(
            np.where(judged, series["value"].to_numpy(dtype=float), np.nan), index=starts
        )
        note = ""
        violations: list[dict[str, Any]] = []
        rule: LimitRule | None = None
        k = self._baseline_windows()
        try:
            chart = individuals_chart(
                values,
                baseline=k,
                period=self._period,
                rules=self._run_rules,
                revise=self._revise,
            )
        except ValueError as err:
            chart = None
            note = f"no limits from the baseline: {err}"
        if chart is not None:
            if chart.sigma > 0:
                rule = LimitRule.from_chart(chart, side=self._side(metric))
            else:
                note = "the baseline is constant (sigma 0): no limits"
            for row in chart.violations.itertuples(index=False):
                violations.append(
                    {
                        "window": int(row.position),
                        "rule": int(row.rule),
                        "name": str(row.name),
                        "description": str(row.description),
                    }
                )
            notes = [n for n in chart.notes if "missing point(s) skipped" not in n]
            if note:
                notes.insert(0, note)
            note = "; ".join(notes)
        notes = [note] if note else []
        if self._baseline_size > self._n_windows():
            notes.append(
                f"baseline of {self._baseline_size} windows asked, {k} exist: the limits come "
                "from all of them and move as windows arrive"
            )
        unscored = int((~judged).sum())
        if unscored:
            notes.append(f"{unscored} window(s) not scored (labels pending or too few rows)")
        user = self._user_rules.get(segment, {})
        if metric in user:
            rule = LimitRule.from_dict(user[metric])
            notes = [
                "limits set by hand (run-rule markers keep the baseline's sigma)",
                *notes[1:],
            ]
        note = "; ".join(notes)
        panel: dict[str, Any] = {
            "metric": metric,
            "labelled": metric in LABELLED,
            "values": series["value"].to_numpy(dtype=float),
            "ci_low": series["ci_low"].to_numpy(dtype=float),
            "ci_high": series["ci_high"].to_numpy(dtype=float),
            "coverage": series["coverage"].to_numpy(dtype=float),
            "n": series["n"].to_numpy(dtype=float),
            "status": [_STATUS.get(s, 2) for s in series["status"]],
            "violations": violations,
            "baseline": k,
            "note": note,
            "rule": None,
        }
        if rule is None:
            panel["severity"] = [3 if not j else 0 for j in judged]
            panel["reasons"] = ["" for _ in judged]
            panel["backtest"] = None
            return panel, None
        window = self._spec["window"] if self._spec["rows"] is None else None
        phases = window_phases(starts, rule, window) if rule.period else None
        judgement = judge_limits(values, rule, phases=phases, judged=judged)
        severity = judgement["severity"].to_numpy()
        for name in ("centre", *LIMIT_NAMES):
            panel[name] = judgement[name].to_numpy(dtype=float)
        panel["severity"] = [_SEVERITY[s] for s in severity]
        reasons = judgement["reason"].to_numpy(dtype=object)
        notes = series["note"].fillna("").to_numpy(dtype=object)
        why = ~judged & (notes != "")
        reasons[why] = "not judged: " + notes[why]
        panel["reasons"] = reasons.tolist()
        panel["rule"] = rule.to_dict()
        panel["backtest"] = {
            "warning": int((severity == "warning").sum()),
            "critical": int((severity == "critical").sum()),
            "in_baseline": int(np.isin(severity[:k], ("warning", "critical")).sum()),
        }
        return panel, rule

    def points(self, metric: str) -> pd.DataFrame:
        """The chart of ``metric`` as a table: one row per window of the shown segment.

        Returns
        -------
        pandas.DataFrame
            Indexed by window start (or first row): ``value``, ``ci_low``, ``ci_high``,
            ``coverage``, ``n``, ``status`` (``'ok'``, ``'pending'``,
            ``'insufficient_data'``), ``centre``, the four limits, ``severity`` (the alert
            the limits raise, as ``mlmon check`` would) and ``reason``.
        """
        if metric not in self._available:
            raise ValueError(
                f"unknown metric {metric!r}; this data has {', '.join(self._available)}"
            )
        panel, _ = self._panel(metric)
        statuses = {v: k for k, v in _STATUS.items()}
        severities = {v: k for k, v in _SEVERITY.items()}
        table = pd.DataFrame(
            {
                "value": panel["values"],
                "ci_low": panel["ci_low"],
                "ci_high": panel["ci_high"],
                "coverage": panel["coverage"],
                "n": panel["n"].astype(np.int64),
                "status": [statuses[s] for s in panel["status"]],
            },
            index=pd.Index(self._labels[0], name="window_start"),
        )
        for name in ("centre", *LIMIT_NAMES):
            table[name] = panel.get(name, np.full(len(table), np.nan))
        table["severity"] = [severities[s] for s in panel["severity"]]
        table["reason"] = panel["reasons"]
        return table

    def alerts(self) -> pd.DataFrame:
        """Windows of the shown metrics and segment whose limits raise a warning or critical.

        Returns
        -------
        pandas.DataFrame
            ``window_start``, ``metric``, ``value``, ``severity`` and ``reason``, in time
            order.
        """
        parts = []
        for metric in self.metrics:
            table = self.points(metric)
            hit = table[table["severity"].isin(["warning", "critical"])]
            parts.append(hit[["value", "severity", "reason"]].assign(metric=metric).reset_index())
        out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
        columns = ["window_start", "metric", "value", "severity", "reason"]
        return out.reindex(columns=columns).sort_values(
            "window_start", kind="stable", ignore_index=True
        )

    def change_points(self) -> pd.DataFrame:
        """The detector's change points on the shown segment's errors.

        Returns
        -------
        pandas.DataFrame
            ``window_start`` (of the window the change falls in), ``row`` (position among
            the labelled rows of scored windows, in time order) and ``reason``.
        """
        points = self._detect()["points"]
        starts = self._labels[0]
        return pd.DataFrame(
            {
                "window_start": [starts[p["window"]] for p in points],
                "row": [p["row"] for p in points],
                "reason": [p["reason"] for p in points],
            }
        )

    def _panels_now(
        self, changed: Sequence[str] = ()
    ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """Panels of the shown metrics; cached ones are reused unless their metric changed."""
        panels, rules = [], {}
        for metric in self.metrics:
            key = (self.segment, metric)
            if key not in self._cache or metric in changed:
                panel, rule = self._panel(metric)
                self._cache[key] = (plain(self._listed(panel)), rule)
            panel, rule = self._cache[key]
            panels.append(panel)
            if rule is not None:
                rules[metric] = rule.to_dict()
        return panels, rules

    @staticmethod
    def _listed(panel: dict[str, Any]) -> dict[str, Any]:
        return {k: v.tolist() if isinstance(v, np.ndarray) else v for k, v in panel.items()}

    def _redraw(self, changed: Sequence[str] = (), *, detect: bool = True) -> None:
        panels, rules = self._panels_now(changed)
        with self.hold_sync():
            self._windows = window_labels(*self._labels)
            self._set_rules(rules)
            self._panels = panels
            if detect:
                self._changes = plain(self._detect())

    def _set_rules(self, rules: dict[str, Any]) -> None:
        self._updating = True
        try:
            self.rules = rules
        finally:
            self._updating = False

    # ------------------------------------------------------------------ detector
    def _errors(self) -> tuple[np.ndarray, np.ndarray]:
        """Per-row errors of labelled rows in scored windows (time order) and their windows."""
        opts = self._options
        rows = self._rows_of(self.segment, self._data)
        with _told_once():
            windows = make_windows(
                rows,
                **self._spec,
                **({"origin": self._anchor} if self._spec["rows"] is None else {}),
            )
        status = self._series(self._labelled_metric())["status"].to_numpy()
        position = np.full(len(rows), -1, dtype=np.int64)
        order = windows.order if windows.order is not None else np.arange(len(rows))
        for w in range(len(windows)):
            position[order[windows.starts[w] : windows.ends[w]]] = w + windows.first_index
        label = rows[opts["label"]]
        source = opts["score"] or opts["prediction"]
        pred = rows[source].to_numpy(dtype=float, na_value=np.nan)
        y = label.to_numpy(dtype=float, na_value=np.nan)
        keep = np.isfinite(pred) & np.isfinite(y) & (position >= 0)
        keep &= status[np.clip(position, 0, len(status) - 1)] == "ok"
        err = np.abs(pred - y) if opts["task"] == "regression" else (pred - y) ** 2
        return err[keep], position[keep]

    def _labelled_metric(self) -> str:
        return "accuracy" if self._options["task"] == "classification" else "mae"

    def _detect(self) -> dict[str, Any]:
        spec = self.detector
        kind = spec.get("kind", "off")
        if kind == "off":
            return {"kind": "off", "points": [], "note": "detector off"}
        params = {k: v for k, v in spec.items() if k != "kind"}
        detector = DETECTORS[kind](**params)
        errors, window = self._errors()
        if len(errors) == 0:
            return {"kind": kind, "points": [], "note": "no labelled rows in scored windows"}
        found = detect_changes(errors, detector)
        what = "absolute error" if self._options["task"] == "regression" else "squared error"
        shown = ", ".join(
            f"{k}={v:g}" if isinstance(v, (int, float)) else f"{k}={v!r}" for k, v in params.items()
        )
        points = []
        span = 1000
        for i in found:
            before = errors[max(0, i - span) : i + 1].mean()
            after = errors[i + 1 : i + 1 + span]
            change = f" (mean {before:.3g} before" + (
                f", {after.mean():.3g} after)" if len(after) else ")"
            )
            points.append(
                {
                    "window": int(window[i]),
                    "row": int(i),
                    "reason": f"{type(detector).__name__}({shown}) detected a change in the "
                    f"{what} at labelled row {int(i):,}{change}",
                }
            )
        return {
            "kind": kind,
            "points": points,
            "note": f"{len(points)} change point(s) in the {what} of {len(errors):,} labelled rows",
        }

    # ------------------------------------------------------------------ edits
    @traitlets.validate("rules")
    def _check_rules(self, proposal: Any) -> dict[str, Any]:
        out = {}
        for metric, rule in dict(proposal["value"] or {}).items():
            if self._available and metric not in self._available:
                known = ", ".join(self._available)
                raise traitlets.TraitError(
                    f"rules: unknown metric {metric!r}; this data has {known}"
                )
            try:
                out[metric] = (
                    rule.to_dict()
                    if isinstance(rule, LimitRule)
                    else LimitRule.from_dict(rule).to_dict()
                )
            except (TypeError, ValueError) as err:
                raise traitlets.TraitError(f"rules[{metric!r}]: {err}") from None
        return out

    @traitlets.validate("detector")
    def _check_detector(self, proposal: Any) -> dict[str, Any]:
        spec = dict(proposal["value"] or {"kind": "off"})
        kind = spec.get("kind", "adwin")
        if kind not in (*DETECTORS, "off"):
            raise traitlets.TraitError(
                f"detector kind must be 'adwin', 'page_hinkley' or 'off'; got {kind!r}"
            )
        spec["kind"] = kind
        if kind != "off":
            params = {k: v for k, v in spec.items() if k != "kind"}
            try:
                DETECTORS[kind](**params)
            except (TypeError, ValueError) as err:
                raise traitlets.TraitError(f"detector: {err}") from None
        return spec

    @traitlets.validate("metrics")
    def _check_metrics(self, proposal: Any) -> list[str]:
        value = list(proposal["value"])
        available = self._available or value
        unknown = [m for m in value if m not in available]
        if unknown or not value or len(set(value)) != len(value):
            raise traitlets.TraitError(
                f"metrics must be some of {', '.join(available)}; got {value!r}"
            )
        return value

    @traitlets.validate("segment")
    def _check_segment(self, proposal: Any) -> str:
        value = proposal["value"]
        if self._segments and value not in self._segments:
            raise traitlets.TraitError(f"segment must be one of {self._segments!r}; got {value!r}")
        return value

    @traitlets.observe("rules")
    @reports_errors("applying the limits")
    def _on_rules(self, change: Any) -> None:
        if getattr(self, "_updating", False):
            return
        user = self._user_rules.setdefault(self.segment, {})
        changed = []
        for metric, rule in change["new"].items():
            if change["old"].get(metric) != rule:
                user[metric] = rule
                changed.append(metric)
        for metric in set(change["old"]) - set(change["new"]):
            user.pop(metric, None)  # back to the baseline's limits
            changed.append(metric)
        panels, rules = self._panels_now(changed)
        update = {str(i): p for i, p in enumerate(panels) if p["metric"] in changed}
        self._set_quietly(_panels=panels)
        self._set_rules(rules)
        if update:
            self.send({"type": "panels", "panels": update})

    @traitlets.observe("detector")
    @reports_errors("running the detector")
    def _on_detector(self, _change: Any) -> None:
        if self._panels:
            self._changes = plain(self._detect())

    @traitlets.observe("metrics", "segment")
    @reports_errors("drawing the charts")
    def _on_view(self, change: Any) -> None:
        if self._panels:  # the detector runs on a segment's errors, whatever the metrics
            self._redraw(detect=change["name"] == "segment")

    @traitlets.validate("selected")
    def _check_selected(self, proposal: Any) -> dict | None:
        value = proposal["value"]
        if value is None:
            return None
        if not isinstance(value, dict) or set(value) != {"metric", "window"}:
            raise traitlets.TraitError("selected must be None or {'metric': ..., 'window': ...}")
        if value["metric"] not in self.metrics:
            raise traitlets.TraitError(f"selected metric {value['metric']!r} is not shown")
        window = value["window"]
        if (
            isinstance(window, bool)
            or not isinstance(window, int)
            or not 0 <= window < self._n_windows()
        ):
            raise traitlets.TraitError(f"selected window {window!r} is out of range")
        return value

    @traitlets.observe("metrics")
    def _drop_hidden_selection(self, change: Any) -> None:
        if self.selected is not None and self.selected["metric"] not in change["new"]:
            self.selected = None

    @reports_errors("moving a limit")
    def _on_front_end_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if not isinstance(content, dict) or content.get("type") != "limit":
            return
        try:
            self.move_limit(
                content["metric"],
                content["which"],
                float(content["value"]),
                window=content.get("window"),
            )
        except Exception:
            self.send({"type": "redraw"})  # the dropped line goes back where it was
            raise

    def move_limit(
        self, metric: str, which: str, value: float, *, window: int | None = None
    ) -> None:
        """Move one limit of ``metric`` to ``value`` (what dragging a line does).

        Parameters
        ----------
        metric : str
            A shown metric with limits.
        which : {'lower_warning', 'lower_critical', 'upper_warning', 'upper_critical'}
            The line.
        value : float
            Its new value at ``window`` (with a seasonal profile the line follows the
            pattern: the distance from the window's centre is kept for every window).
        window : int, optional
            The window the value was read at (default: the first).
        """
        if metric not in self.rules:
            raise ValueError(f"{metric!r} has no limits to move; shown: {sorted(self.rules)}")
        rule = LimitRule.from_dict(self.rules[metric])
        if rule.period:
            starts = self._window_starts()
            time_window = self._spec["window"] if self._spec["rows"] is None else None
            phase = window_phases(starts, rule, time_window)[window or 0]
            value -= rule.seasonal[int(phase)]
        moved = rule.with_limit(which, value)
        self.rules = {**self.rules, metric: moved.to_dict()}

    # ------------------------------------------------------------------ export
    def performance_section(self) -> dict[str, Any]:
        """The ``performance`` part of a monitoring config: columns, windows and limits.

        The limits are those of all rows (a segment's own limits are for investigation and
        are not exported), for the shown metrics and any metric whose limits were set by
        hand and then hidden.
        """
        rules = {}
        hidden = [m for m in self._user_rules.get(ALL, {}) if m not in self.metrics]
        for metric in [*self.metrics, *hidden]:
            _, rule = self._panel(metric, ALL)
            if rule is not None:
                rules[metric] = rule.to_dict()
        opts = self._options
        return {
            "task": opts["task"],
            "label": opts["label"],
            "score": opts["score"],
            "prediction": opts["prediction"],
            "threshold": float(opts["threshold"]),
            "latency": opts["latency"],
            "min_coverage": float(opts["min_coverage"]),
            "min_rows": int(opts["min_rows"]),
            "rules": rules,
        }

    def to_config(self, base: Any = None, **options: Any) -> Any:
        """A monitoring config with these performance limits.

        Parameters
        ----------
        base : MonitoringConfig, optional
            A config to extend, such as ``heatmap.to_config()`` (its drift rules, baseline
            and routing are kept; its performance part is replaced).
        **options
            Without ``base``: the arguments of
            :meth:`~mlmon_widgets.config.MonitoringConfig.from_baseline` (``baseline`` a
            fitted :class:`~mlmon_widgets.Baseline`, ``model``, ...), window and time
            filled in from this chart.

        Returns
        -------
        MonitoringConfig
        """
        from ..config import MonitoringConfig

        section = self.performance_section()
        window = self._spec["window"]
        if window is not None:
            window = to_offset(window).freqstr
        if base is not None:
            if not isinstance(base, MonitoringConfig):
                raise TypeError(f"base must be a MonitoringConfig; got {type(base).__name__}")
            theirs = base.window
            mine = window_grid(self._anchor if self._spec["rows"] is None else None)
            same = (
                theirs.time == self._spec["time"]
                and theirs.rows == self._spec["rows"]
                and (theirs.window is None) == (window is None)
                and (window is None or to_offset(theirs.window) == to_offset(window))
                and theirs.timezone == mine["timezone"]
                and (window is None or self._on_grid(theirs))
            )
            if not same:
                raise ValueError(
                    f"base has other windows ({theirs.to_dict()}) than this chart "
                    f"({mine}) "
                    f"(time={self._spec['time']!r}, window={window!r}, rows={self._spec['rows']!r})"
                    ": the limits are per window of the chart; build both on the same windows"
                )
            return MonitoringConfig.from_dict({**base.to_dict(), "performance": section})
        baseline = options.pop("baseline", None)
        if baseline is None:
            raise TypeError("to_config needs base= (e.g. heatmap.to_config()) or baseline=")
        return MonitoringConfig.from_baseline(
            baseline,
            time=self._spec["time"],
            window=window,
            **window_grid(self._anchor if self._spec["rows"] is None else None),
            rows=self._spec["rows"],
            performance=section,
            **options,
        )

    def _on_grid(self, spec: Any) -> bool:
        """Whether this chart's windows start on the grid of ``spec`` (a WindowSpec)."""
        if spec.origin is None or self._anchor is None:
            return spec.origin is None
        start = pd.DataFrame({"t": [pd.Timestamp(self._anchor)]})
        cut = make_windows(start, time="t", window=spec.window, origin=pd.Timestamp(spec.origin))
        return pd.Timestamp(cut.labels_start[0]) == pd.Timestamp(self._anchor)

    # ------------------------------------------------------------------ live
    def append(self, new_rows: pd.DataFrame) -> None:
        """Add production rows; recompute only the windows they touch and send only those.

        Rows older than the last window make the whole chart recompute (correct, but not
        incremental).

        Parameters
        ----------
        new_rows : pandas.DataFrame
            Rows with the data's columns.
        """
        check_frame("new_rows", new_rows, allow_empty_rows=True)
        if len(new_rows) == 0:
            return
        missing = [c for c in self._data.columns if c not in new_rows.columns]
        if missing:
            raise ValueError(f"new_rows lacks the column(s) {missing} of the data")
        new = self._sorted(new_rows[list(self._data.columns)])
        saved = (self._data, self._labels, self._anchor, self._perf, self._cache)
        keys = dict(self._segment_keys)
        try:
            self._append(new)
        except Exception:  # a failed append leaves the chart as it was
            self._data, self._labels, self._anchor, self._perf, self._cache = saved
            self._segment_keys = keys
            raise
        if list(self._segment_keys) != list(keys):
            self._segments = [ALL, *self._segment_keys]

    def _append(self, new: pd.DataFrame) -> None:
        keep_index = self._spec["time"] is None and isinstance(self._data.index, pd.DatetimeIndex)
        combined = pd.concat([self._data, new], ignore_index=not keep_index)
        old_times, new_times = self._times(self._data), self._times(new)
        self._add_segments(new)
        if old_times is not None:
            if new_times.isna().any():
                warn(
                    f"{int(new_times.isna().sum())} appended row(s) without a time set aside",
                    DataWarning,
                )
            old_max, new_min = old_times.max(), new_times.min()
            if pd.notna(new_min) and pd.notna(old_max) and new_min < old_max:
                self._data = self._sorted(combined)  # older rows: everything again
                self._recompute_all()
                return
            if old_times.isna().any() or new_times.isna().any():
                combined = self._sorted(combined)  # rows without a time stay last
        n = self._n_windows()
        first = max(n - 1, 0)
        rows = self._spec["rows"]
        if rows is not None:
            tail_from = first * rows
        else:
            valid = pd.DatetimeIndex(old_times.dropna())  # a sorted prefix
            tail_from = int(valid.searchsorted(pd.Timestamp(self._labels[0][first])))
        tail = combined.iloc[tail_from:]
        if old_times is not None:
            tail = tail[self._times(tail).notna().to_numpy()]
        origin = {"origin": self._anchor} if rows is None else {}
        windows = make_windows(tail, **self._spec, **origin)
        shift = first if rows is not None else 0
        first_new = windows.first_index + shift
        starts, ends = np.asarray(windows.labels_start), np.asarray(windows.labels_end)
        if not _is_time(starts):  # row positions in the tail
            starts, ends = starts + tail_from, ends + tail_from
        old_starts, old_ends = self._labels
        if first_new > len(old_starts):  # cannot happen on the grid; be safe
            self._data = combined
            self._recompute_all()
            return
        perf = self._frame(self.segment)
        tail_perf = self._performance(self.segment, tail)
        if rows is not None and "window" in tail_perf:
            tail_perf["window"] += shift
        kept = perf[perf["window"] < first_new] if "window" in perf else None
        self._data = combined
        self._labels = (
            _join(old_starts[:first_new], starts),
            _join(old_ends[:first_new], ends),
        )
        self._perf = {self.segment: pd.concat([kept, tail_perf], ignore_index=True)}
        limits = [(p["metric"], p["baseline"], p["rule"]) for p in self._panels]
        self._cache.clear()
        panels, rules = self._panels_now()
        windows_labels = window_labels(*self._labels)
        changes = plain(self._detect())
        if limits != [(p["metric"], p["baseline"], p["rule"]) for p in panels]:
            # The baseline was still filling: new limits judge every window again.
            with self.hold_sync():
                self._windows = windows_labels
                self._set_rules(rules)
                self._panels = panels
                self._changes = changes
            return
        patch = {
            "type": "patch",
            "first": first_new,
            "windows": {k: v[first_new:] for k, v in windows_labels.items()},
            "panels": [_tail(panel, first_new) for panel in panels],
            "changes": changes,
        }
        self._set_quietly(_windows=windows_labels, _panels=panels, _changes=changes)
        self._set_rules(rules)
        self.send(patch)

    def _recompute_all(self) -> None:
        windows = make_windows(self._data, **self._spec)
        self._anchor = getattr(windows, "anchor", None)
        self._labels = (windows.labels_start, windows.labels_end)
        self._perf = {}
        self._cache.clear()
        self._redraw()
        self.send({"type": "reload"})
