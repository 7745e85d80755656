"""ControlChart: model performance per window as control charts, with alert limits to drag."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import traitlets

from ..detectors import change_summary, detector_defaults, detector_from_spec
from ..engine import (
    ALL,
    CLASSIFICATION,
    OFF,
    REGRESSION,
    SIDES,
    LimitRule,
    MetricChart,
    PerformanceHistory,
    PerformanceSpec,
    as_conditions,
    chart_alerts,
    chart_table,
    check_frame,
    check_option,
    check_positive_int,
    check_rules,
    performance_chart,
    select_rows,
    slice_text,
)
from ._base import MlmonWidget, reports_errors
from ._labels import window_labels
from ._panels import metric_list, panel_meta, panel_table
from ._wire import plain


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
    where : mapping, Condition or list of Condition, optional
        Chart only the rows the filter keeps (``{'channel': 'partner'}``, or a
        ``conditions`` cell of :func:`~mlmon_widgets.find_slices`); appended rows are
        filtered too. ``segment=`` then chooses values inside those rows.
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
        where: Any = None,
        **kwargs: Any,
    ) -> None:
        check_frame("data", data, allow_empty_rows=False)
        self._where = as_conditions(where)
        if self._where:
            data = data[select_rows(data, self._where)].reset_index(drop=True)
            if len(data) == 0:
                raise ValueError(f"no row of data is in {slice_text(self._where)}")
        metrics = metric_list(metrics, task, latency, score)
        self._spec = {"time": time, "window": window, "rows": rows}
        spec = PerformanceSpec(label, score, prediction, task, threshold, min_coverage, min_rows)
        spec = dataclasses.replace(spec, latency=latency, n_bootstrap=n_bootstrap)
        self._chart = {"revise": bool(revise), "run_rules": check_rules(run_rules)}
        self._chart["period"] = (
            None if period is None else check_positive_int("period", period, minimum=2)
        )
        if self._chart["period"] and rows is not None:
            raise ValueError("period= needs time windows: row windows have no calendar phase")
        self._sides = {m: check_option(f"sides[{m!r}]", s, SIDES) for m, s in (sides or {}).items()}
        self._history = PerformanceHistory(data, spec, **self._spec, segment=segment)
        if baseline is None:  # fixed now, so appended windows keep the limits
            size = min(30, max(5, self._history.n_windows // 3))
            period = self._chart["period"]
            baseline = max(size, 3 * period) if period else size
        self._chart["baseline"] = check_positive_int("baseline", baseline, minimum=5)
        self._cache: dict[tuple[str, str], MetricChart] = {}
        self._user_rules: dict[str, dict[str, dict[str, Any]]] = {}
        available = self._history.metrics
        self._available_set = available
        known = ", ".join(available)
        for what, names in (("metric", metrics), ("sides", self._sides), ("rules", rules or {})):
            unknown = [m for m in names if m not in available]
            if unknown:
                raise ValueError(f"unknown metric(s) in {what}: {unknown}; this data has {known}")
        defaults = {"kind": "adwin", **detector_defaults()["adwin"]["params"]}
        super().__init__(
            metrics=metrics,
            detector=defaults if detector is None else dict(detector),
            _segments=[ALL, *self._history.segments],
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

    # ------------------------------------------------------------------ panels
    def _judge(self, metric: str, segment: str | None = None) -> MetricChart:
        """The panel of ``metric``: limits from the baseline (or set by hand), judged."""
        segment = self.segment if segment is None else segment
        key = (segment, metric)
        if key not in self._cache:
            self._cache[key] = performance_chart(
                self._history,
                metric,
                segment,
                side=self._sides.get(metric),
                rule=self._user_rules.get(segment, {}).get(metric),
                **self._chart,
            )
        return self._cache[key]

    def _panel_table(self, metric: str) -> dict[str, Any]:
        return panel_table(self._judge(metric))

    def _panel_meta(self, metric: str) -> dict[str, Any]:
        return panel_meta(metric, self._judge(metric))

    def _redraw(self, *, detect: bool = True) -> None:
        """Every table of the shown segment and metrics, sent whole."""
        tables = {"windows": window_labels(*self._history.live.labels)}
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
        """The chart of ``metric`` for the shown segment, as a table (one row per window).

        From :func:`~mlmon_widgets.engine.chart_table`: value, interval, coverage, n, status,
        centre, the four limits, the alert they raise (as ``mlmon check`` would), its reason.
        """
        if metric not in self._available:
            known = ", ".join(self._available)
            raise ValueError(f"unknown metric {metric!r}; this data has {known}")
        return chart_table(self._judge(metric), self._history.live.labels[0])

    def alerts(self) -> pd.DataFrame:
        """Windows of the shown metrics and segment whose limits raise a warning or critical."""
        charts = {metric: self._judge(metric) for metric in self.metrics}
        return chart_alerts(charts, self._history.live.labels[0])

    def change_points(self) -> pd.DataFrame:
        """The detector's change points on the shown segment's errors.

        Returns
        -------
        pandas.DataFrame
            ``window_start`` (of the window the change falls in), ``row`` (position among
            the labelled rows of scored windows, in time order) and ``reason``.
        """
        points = self._detect()["points"]
        starts = self._history.live.labels[0]
        return pd.DataFrame(
            {
                "window_start": [starts[p["window"]] for p in points],
                "row": [p["row"] for p in points],
                "reason": [p["reason"] for p in points],
            }
        )

    def _detect(self) -> dict[str, Any]:
        what = "absolute error" if self._history.spec.task == REGRESSION else "squared error"
        return change_summary(self._history.errors(self.segment), self.detector, what=what)

    # ------------------------------------------------------------------ edits
    @property
    def where(self) -> str:
        """The row filter charted, as text (``'all rows'`` without one)."""
        return slice_text(self._where)

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
        if not 0 <= window < self._history.n_windows:
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
        moved = self._history.moved_limit(rule, which, value, window=window)
        self.rules = {**self.rules, metric: moved.to_dict()}

    # ------------------------------------------------------------------ export
    def performance_section(self) -> dict[str, Any]:
        """The ``performance`` part of a monitoring config: columns, windows and limits.

        The limits are those of all rows (a segment's own limits are for investigation and
        are not exported), for the shown metrics and any metric whose limits were set by
        hand and then hidden.
        """
        from ..config import PerformanceRules

        hidden = [m for m in self._user_rules.get(ALL, {}) if m not in self.metrics]
        charts = {metric: self._judge(metric, ALL) for metric in [*self.metrics, *hidden]}
        rules = {m: chart.rule for m, chart in charts.items() if chart.rule is not None}
        return PerformanceRules.from_spec(self._history.spec, rules).to_dict()

    def _window_spec(self) -> Any:
        from ..config import WindowSpec

        return WindowSpec.of_grid(**self._spec, anchor=self._history.live.anchor)

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
        if self._where:
            new_rows = new_rows[select_rows(new_rows, self._where)]
        before = [(m, self._judge(m).baseline, self._judge(m).rule) for m in self.metrics]
        segments = list(self._history.segments)
        update = self._history.append(new_rows, keep=self.segment)
        if update is None:
            return
        self._cache = {}
        if list(self._history.segments) != segments:
            self._segments = [ALL, *self._history.segments]
        after = [(m, self._judge(m).baseline, self._judge(m).rule) for m in self.metrics]
        if update.reset or after != before:  # rows out of order, or the baseline was filling
            self._redraw()
            return
        first = update.first
        starts, ends = self._history.live.labels
        ops = [self._store.splice("windows", first, window_labels(starts[first:], ends[first:]))]
        for metric in self.metrics:
            table = {k: v[first:] for k, v in self._panel_table(metric).items()}
            ops.append(self._store.splice(f"panel:{metric}", first, table))
        self._patch(ops)
        with self.hold_sync():
            self._sync_rules()
            self._panels = plain([self._panel_meta(m) for m in self.metrics])
            self._changes = plain(self._detect())
