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

from ..detectors import detector_defaults, detector_from_spec, error_change_points
from ..engine import (
    ACCURACY,
    BIAS,
    CLASSIFICATION,
    LABELLED,
    LATENCY_P95,
    LIMIT_NAMES,
    LOG_LOSS,
    MAE,
    OFF,
    OK,
    PERFORMANCE_METRICS,
    POSITIVE_RATE,
    REGRESSION,
    ROC_AUC,
    SEVERITIES,
    SIDES,
    WINDOW_STATUSES,
    DataWarning,
    LimitRule,
    LiveWindows,
    MetricChart,
    PerformanceSpec,
    check_frame,
    check_option,
    check_positive_int,
    check_rules,
    labelled_metrics,
    make_windows,
    metric_chart,
    pad_windows,
    row_errors,
    window_grid,
    window_performance,
    window_phases,
)
from ._base import MlmonWidget, reports_errors
from ._labels import window_labels
from ._wire import plain

#: The segment selector's entry for every row.
ALL = "(all rows)"
#: Per-window columns of a panel's table (numbers as float32, codes as uint8).
_NUMBERS = ("value", "ci_low", "ci_high", "coverage", "n", "centre", *LIMIT_NAMES)


def _default_metrics(task: str, score: str | None, latency: str | None) -> list[str]:
    if task == REGRESSION:
        metrics = [MAE, BIAS]
    elif score is None:  # decisions only: scores' metrics would be meaningless
        metrics = [ACCURACY, POSITIVE_RATE]
    else:
        metrics = [ROC_AUC, LOG_LOSS]
    return metrics + ([LATENCY_P95] if latency is not None else [])


def _metric_list(metrics: Any, task: str, latency: str | None, score: str | None) -> list[str]:
    if metrics is None:
        return _default_metrics(task, score, latency)
    out = [metrics] if isinstance(metrics, str) else list(metrics)
    if len(set(out)) != len(out):
        raise ValueError(f"metrics has duplicates: {out}")
    if not out:
        raise ValueError(f"metrics is empty; name at least one metric such as {ROC_AUC!r}")
    return out


@contextlib.contextmanager
def _told_once() -> Iterator[None]:
    """Rows without a time are reported once, when the chart is built (and per append)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*have no timestamp", category=DataWarning)
        yield


class ControlChart(MlmonWidget):
    """Model performance per window as control charts: one small multiple per metric.

    Each panel shows the metric per window with its 95% interval, the centre line and the
    warning (2 sigma) and control (3 sigma) limits from a baseline period (sigma from the
    moving range; with ``period``, limits follow the seasonal pattern fitted by STL), the
    windows whose labels are still pending shaded and not scored, Nelson run-rule
    violations and the change points a concept-drift detector finds on the per-row errors,
    each with its reason on hover. Points are coloured by the alert the limits raise, by
    :func:`~mlmon_widgets.engine.metric_chart` through
    :func:`~mlmon_widgets.engine.judge_metric`, the function ``mlmon check`` judges the
    exported config with.

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
        the metric's bad side in the engine's catalogue).
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
    _panels = traitlets.List().tag(sync=True)
    _changes = traitlets.Dict().tag(sync=True)

    def __init__(
        self,
        data: pd.DataFrame,
        *,
        label: str,
        score: str | None = None,
        prediction: str | None = None,
        task: str = CLASSIFICATION,
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
        self._chart = {"revise": bool(revise), "run_rules": check_rules(run_rules)}
        self._chart["period"] = (
            None if period is None else check_positive_int("period", period, minimum=2)
        )
        if self._chart["period"] and rows is not None:
            raise ValueError("period= needs time windows: row windows have no calendar phase")
        self._sides = {m: check_option(f"sides[{m!r}]", s, SIDES) for m, s in (sides or {}).items()}
        self._live = LiveWindows(data, **self._spec)  # warns once about rows without a time
        if baseline is None:  # fixed now, so appended windows keep the limits
            size = min(30, max(5, self._live.n_windows // 3))
            period = self._chart["period"]
            baseline = max(size, 3 * period) if period else size
        self._chart["baseline"] = check_positive_int("baseline", baseline, minimum=5)
        self._perf: dict[str, pd.DataFrame] = {}
        self._cache: dict[tuple[str, str], MetricChart] = {}
        self._user_rules: dict[str, dict[str, dict[str, Any]]] = {}
        self._segment_keys: dict[str, Any] = {}
        self._add_segments(self._live.frame)
        available = list(dict.fromkeys(self._performance(ALL, self._live.frame)["metric"]))
        self._available_set = available
        known = ", ".join(available)
        for what, names in (("metric", metrics), ("sides", self._sides), ("rules", rules or {})):
            unknown = [m for m in names if m not in available]
            if unknown:
                raise ValueError(f"unknown metric(s) in {what}: {unknown}; this data has {known}")
        spec = {"kind": "adwin", **detector_defaults()["adwin"]["params"]}
        super().__init__(
            metrics=metrics,
            detector=spec if detector is None else dict(detector),
            _segments=[ALL, *self._segment_keys],
            _available=available,
            **kwargs,
        )
        try:
            self._user_rules[ALL] = self._check_rules({"value": rules or {}})
        except traitlets.TraitError as err:
            raise ValueError(str(err)) from None
        self._redraw()

    def _vocabulary_extra(self) -> dict[str, Any]:
        return {"detectors": detector_defaults()}

    # ------------------------------------------------------------------ data
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

    def _origin(self) -> dict[str, Any]:
        return {"origin": self._live.anchor} if self._spec["rows"] is None else {}

    def _performance(self, segment: str, frame: pd.DataFrame, first: int = 0) -> pd.DataFrame:
        """The long performance frame of ``segment`` over ``frame``, every window from ``first``.

        ``frame`` holds the rows of window ``first`` on (all rows for ``first=0``); windows
        without rows of the segment are there too (empty), as in a full computation.
        """
        rows = self._rows_of(segment, frame)
        with _told_once():
            windows = make_windows(rows, **self._spec, **self._origin())
        if self._spec["rows"] is None:
            windows = pad_windows(windows, first, self._spec["window"], self._live.anchor)
        else:
            windows.first_index = first  # row windows of a tail count from its first window
        spec = PerformanceSpec(**self._options).check(rows)
        return window_performance(rows, windows, spec)

    def _frame(self, segment: str) -> pd.DataFrame:
        if segment not in self._perf:
            self._perf[segment] = self._performance(segment, self._live.frame)
        return self._perf[segment]

    @property
    def _n_windows(self) -> int:
        return self._live.n_windows

    def _series(self, metric: str, segment: str) -> pd.DataFrame:
        """One row per window of the grid: value, interval, coverage, status and note."""
        perf = self._frame(segment)
        part = perf[perf["metric"] == metric].set_index("window").reindex(range(self._n_windows))
        part["status"] = part["status"].fillna(WINDOW_STATUSES[2])
        part["n"] = part["n"].fillna(0)
        return part

    def _starts(self) -> Any:
        starts = self._live.labels[0]
        if np.issubdtype(np.asarray(starts).dtype, np.integer):
            return pd.RangeIndex(self._n_windows)
        return pd.DatetimeIndex(starts)

    def _time_window(self) -> Any:
        return self._spec["window"] if self._spec["rows"] is None else None

    # ------------------------------------------------------------------ panels
    def _judge(self, metric: str, segment: str | None = None) -> MetricChart:
        """The panel of ``metric``: limits from the baseline (or set by hand), judged."""
        segment = self.segment if segment is None else segment
        key = (segment, metric)
        if key not in self._cache:
            series = self._series(metric, segment)
            self._cache[key] = metric_chart(
                pd.Series(series["value"].to_numpy(dtype=float), index=self._starts()),
                metric=metric,
                judged=(series["status"] == OK).to_numpy(),
                notes=series["note"].to_numpy(dtype=object),
                starts=self._starts(),
                window=self._time_window(),
                side=self._sides.get(metric),
                rule=self._user_rules.get(segment, {}).get(metric),
                **self._chart,
            )
        return self._cache[key]

    def _panel_table(self, metric: str) -> dict[str, Any]:
        series = self._series(metric, self.segment)
        chart = self._judge(metric)
        points = chart.points
        columns: dict[str, Any] = {}
        for name in _NUMBERS:
            source = series if name in series.columns and name not in points else points
            columns[name] = source[name].to_numpy(dtype=np.float64)
        columns["status"] = np.array(
            [WINDOW_STATUSES.index(s) for s in series["status"]], dtype=np.uint8
        )
        columns["severity"] = np.array(
            [SEVERITIES.index(s) for s in points["severity"]], dtype=np.uint8
        )
        columns["reason"] = points["reason"].tolist()
        return columns

    def _panel_meta(self, metric: str) -> dict[str, Any]:
        chart = self._judge(metric)
        violations = chart.violations
        return {
            "metric": metric,
            "label": PERFORMANCE_METRICS[metric].label if metric in PERFORMANCE_METRICS else metric,
            "labelled": metric in LABELLED,
            "baseline": chart.baseline,
            "note": "; ".join(chart.notes),
            "rule": None if chart.rule is None else chart.rule.to_dict(),
            "counts": chart.counts() if chart.rule is not None else None,
            "violations": [
                {"window": int(v.position), "rule": int(v.rule), "description": str(v.description)}
                for v in violations.itertuples(index=False)
            ],
        }

    def _redraw(self, *, detect: bool = True) -> None:
        """Every table of the shown segment and metrics, sent whole."""
        tables = {"windows": window_labels(*self._live.labels)}
        for metric in self.metrics:
            tables[f"panel:{metric}"] = self._panel_table(metric)
        with self.hold_sync():
            self._sync_rules()
            self._publish(tables)
            self._panels = plain([self._panel_meta(m) for m in self.metrics])
            if detect:
                self._changes = plain(self._detect())

    def _sync_rules(self) -> None:
        rules = {}
        for metric in self.metrics:
            rule = self._judge(metric).rule
            if rule is not None:
                rules[metric] = rule.to_dict()
        self._updating = True
        try:
            self.rules = rules
        finally:
            self._updating = False

    # ------------------------------------------------------------------ tables for people
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
        series = self._series(metric, self.segment)
        points = self._judge(metric).points
        table = pd.DataFrame(
            {
                "value": series["value"].to_numpy(dtype=float),
                "ci_low": series["ci_low"].to_numpy(dtype=float),
                "ci_high": series["ci_high"].to_numpy(dtype=float),
                "coverage": series["coverage"].to_numpy(dtype=float),
                "n": series["n"].to_numpy(dtype=np.int64),
                "status": series["status"].to_numpy(dtype=object),
            },
            index=pd.Index(self._live.labels[0], name="window_start"),
        )
        for name in ("centre", *LIMIT_NAMES, "severity", "reason"):
            table[name] = points[name].to_numpy()
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
            hit = table[table["severity"].isin(SEVERITIES[1:3])]
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
        starts = self._live.labels[0]
        return pd.DataFrame(
            {
                "window_start": [starts[p["window"]] for p in points],
                "row": [p["row"] for p in points],
                "reason": [p["reason"] for p in points],
            }
        )

    # ------------------------------------------------------------------ detector
    def _detect(self) -> dict[str, Any]:
        spec = dict(self.detector)
        detector = detector_from_spec(spec)
        if detector is None:
            return {"kind": spec.get("kind"), "points": [], "note": "detector off"}
        opts = self._options
        rows = self._rows_of(self.segment, self._live.frame)
        with _told_once():
            windows = make_windows(rows, **self._spec, **self._origin())
        labelled = labelled_metrics(opts["task"])[0]
        status = self._series(labelled, self.segment)["status"].to_numpy()
        errors = row_errors(
            rows,
            windows,
            label=opts["label"],
            score=opts["score"],
            prediction=opts["prediction"],
            task=opts["task"],
            judged=status == OK,
        )
        what = "absolute error" if opts["task"] == REGRESSION else "squared error"
        if not len(errors):
            return {
                "kind": spec["kind"],
                "points": [],
                "note": "no labelled rows in scored windows",
            }
        found = error_change_points(errors, detector, what=what)
        return {
            "kind": spec["kind"],
            "points": found.to_dict("records"),
            "note": f"{len(found)} change point(s) in the {what} of {len(errors):,} labelled rows",
        }

    # ------------------------------------------------------------------ edits
    @property
    def _available_metrics(self) -> list[str]:
        return self._available or getattr(self, "_available_set", [])

    @traitlets.validate("rules")
    def _check_rules(self, proposal: Any) -> dict[str, Any]:
        out = {}
        for metric, rule in dict(proposal["value"] or {}).items():
            available = self._available_metrics
            if available and metric not in available:
                raise traitlets.TraitError(
                    f"rules: unknown metric {metric!r}; this data has {', '.join(available)}"
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
        spec = dict(proposal["value"] or {"kind": OFF})
        spec.setdefault("kind", "adwin")
        try:
            detector_from_spec(spec)
        except (TypeError, ValueError) as err:
            raise traitlets.TraitError(f"detector: {err}") from None
        return spec

    @traitlets.validate("metrics")
    def _check_metrics(self, proposal: Any) -> list[str]:
        value = list(proposal["value"])
        available = self._available_metrics or value
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
        changed = [m for m, rule in change["new"].items() if change["old"].get(m) != rule]
        for metric in changed:
            user[metric] = change["new"][metric]
        for metric in set(change["old"]) - set(change["new"]):
            user.pop(metric, None)  # back to the baseline's limits
            changed.append(metric)
        for metric in changed:
            self._cache.pop((self.segment, metric), None)
        shown = [m for m in changed if m in self.metrics]
        ops = [
            self._store.splice(f"panel:{m}", 0, self._panel_table(m))
            for m in shown
            if f"panel:{m}" in self._store.data
        ]
        self._patch(ops)
        with self.hold_sync():
            self._sync_rules()
            self._panels = plain([self._panel_meta(m) for m in self.metrics])

    @traitlets.observe("detector")
    @reports_errors("running the detector")
    def _on_detector(self, _change: Any) -> None:
        if getattr(self, "_tables", 0):
            self._changes = plain(self._detect())

    @traitlets.observe("metrics", "segment")
    @reports_errors("drawing the charts")
    def _on_view(self, change: Any) -> None:
        if getattr(self, "_tables", 0):  # the detector runs on a segment's errors only
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
        if isinstance(window, bool) or not isinstance(window, int):
            raise traitlets.TraitError(f"selected window {window!r} is out of range")
        if not 0 <= window < self._n_windows:
            raise traitlets.TraitError(f"selected window {window!r} is out of range")
        return value

    @traitlets.observe("metrics")
    def _drop_hidden_selection(self, change: Any) -> None:
        if self.selected is not None and self.selected["metric"] not in change["new"]:
            self.selected = None

    def _on_action(self, action: dict[str, Any]) -> None:
        if action.get("kind") != "move_limit":
            super()._on_action(action)
            return
        try:
            window = action.get("window")
            self.move_limit(
                action["metric"], action["which"], float(action["value"]), window=window
            )
        finally:
            # Whether refused or applied, the dragged line is drawn where Python has it.
            self._panels = plain([self._panel_meta(m) for m in self.metrics])

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
            phase = window_phases(self._starts(), rule, self._time_window())[window or 0]
            value -= rule.seasonal[int(phase)]
        self.rules = {**self.rules, metric: rule.with_limit(which, value).to_dict()}

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
            rule = self._judge(metric, ALL).rule
            if rule is not None:
                rules[metric] = rule.to_dict()
        opts = self._options
        section = {k: opts[k] for k in ("task", "label", "score", "prediction", "latency")}
        section.update(
            threshold=float(opts["threshold"]),
            min_coverage=float(opts["min_coverage"]),
            min_rows=int(opts["min_rows"]),
            rules=rules,
        )
        return section

    def _window_spec(self) -> Any:
        from ..config import WindowSpec

        window = self._spec["window"]
        return WindowSpec(
            time=self._spec["time"],
            window=None if window is None else to_offset(window).freqstr,
            rows=self._spec["rows"],
            **window_grid(self._live.anchor if window is not None else None),
        )

    def to_config(self, base: Any = None, **options: Any) -> Any:
        """A monitoring config with these performance limits.

        Parameters
        ----------
        base : MonitoringConfig, optional
            A config to extend, such as ``heatmap.to_config()`` (its drift rules, baseline
            and routing are kept; its performance part is replaced). Its windows must be
            this chart's (:meth:`~mlmon_widgets.config.MonitoringConfig.with_performance`).
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
        spec = self._window_spec()
        if base is not None:
            if not isinstance(base, MonitoringConfig):
                raise TypeError(f"base must be a MonitoringConfig; got {type(base).__name__}")
            return base.with_performance(section, window=spec)
        baseline = options.pop("baseline", None)
        if baseline is None:
            raise TypeError("to_config needs base= (e.g. heatmap.to_config()) or baseline=")
        return MonitoringConfig.from_baseline(
            baseline, **spec.to_dict(), performance=section, **options
        )

    # ------------------------------------------------------------------ live
    def append(self, new_rows: pd.DataFrame) -> None:
        """Add production rows; recompute only the windows they touch and send only those.

        Rows older than the last window make the whole chart recompute (correct, but not
        incremental). A failed append leaves the chart as it was.

        Parameters
        ----------
        new_rows : pandas.DataFrame
            Rows with the data's columns.
        """
        check_frame("new_rows", new_rows, allow_empty_rows=True)
        if len(new_rows) == 0:
            return
        saved = (self._live, self._perf, self._cache, dict(self._segment_keys))
        try:
            self._append(new_rows)
        except Exception:
            self._live, self._perf, self._cache, self._segment_keys = saved
            raise

    def _append(self, new_rows: pd.DataFrame) -> None:
        before = [(m, self._judge(m).baseline, self._judge(m).rule) for m in self.metrics]
        live = _copy(self._live)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r".*have no timestamp", category=DataWarning)
            update = live.append(new_rows)
        missing = int(new_rows[self._spec["time"]].isna().sum()) if self._spec["time"] else 0
        if missing:
            warnings.warn(
                f"{missing} appended row(s) without a time set aside", DataWarning, stacklevel=3
            )
        if update is None:
            return
        self._live = live
        keys = list(self._segment_keys)
        self._add_segments(update.rows)
        if list(self._segment_keys) != keys:
            self._segments = [ALL, *self._segment_keys]
        if update.reset:
            self._perf, self._cache = {}, {}
            self._redraw()
            return
        perf = self._frame(self.segment)
        tail = self._performance(self.segment, update.rows, update.first)
        kept = perf[perf["window"] < update.first]
        self._perf = {self.segment: pd.concat([kept, tail], ignore_index=True)}
        self._cache = {}
        after = [(m, self._judge(m).baseline, self._judge(m).rule) for m in self.metrics]
        if after != before:  # the baseline was still filling: new limits judge every window
            self._redraw()
            return
        first = update.first
        ops = [self._store.splice("windows", first, window_labels(*_tail(live.labels, first)))]
        for metric in self.metrics:
            table = self._panel_table(metric)
            ops.append(self._store.splice(f"panel:{metric}", first, _rows_from(table, first)))
        self._patch(ops)
        with self.hold_sync():
            self._sync_rules()
            self._panels = plain([self._panel_meta(m) for m in self.metrics])
            self._changes = plain(self._detect())


def _tail(labels: tuple[Any, Any], first: int) -> tuple[Any, Any]:
    return labels[0][first:], labels[1][first:]


def _rows_from(table: dict[str, Any], first: int) -> dict[str, Any]:
    return {k: v[first:] for k, v in table.items()}


def _copy(live: LiveWindows) -> LiveWindows:
    """A shallow copy an append can change and a failure can drop."""
    clone = LiveWindows.__new__(LiveWindows)
    clone.__dict__.update(live.__dict__)
    clone._chunks = list(live._chunks)
    return clone
