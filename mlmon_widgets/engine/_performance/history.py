"""Model performance over windows of rows that keep arriving, per segment, under limits.

:class:`PerformanceHistory` is what a live performance view holds: the rows in windows
(:class:`LiveWindows`), the performance of every window for all rows and for each segment,
the per-row errors a concept-drift detector reads, and :func:`performance_chart`, the
judged chart of one metric (the limits and alerts of :func:`metric_chart`, the function
``mlmon check`` judges with, beside the metric's interval, coverage and status).
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from .._control.limits import LimitRule, window_phases
from .._control.metric_chart import MetricChart, metric_chart
from .._data.live import LiveWindows, WindowUpdate
from .._data.windows import make_windows, pad_windows
from .._validation import DataWarning, check_frame
from .._vocabulary import (
    ACCURACY,
    ALERT_LEVELS,
    BIAS,
    LATENCY_P95,
    LIMIT_NAMES,
    LOG_LOSS,
    MAE,
    OK,
    POSITIVE_RATE,
    REGRESSION,
    ROC_AUC,
    WINDOW_STATUSES,
    labelled_metrics,
)
from .errors import row_errors
from .over_time import PerformanceSpec, window_performance

#: The segment of every row.
ALL = "(all rows)"
#: Columns of :func:`performance_chart` beside those of :attr:`MetricChart.points`.
SERIES_COLUMNS = ("ci_low", "ci_high", "coverage", "n", "status")


@contextlib.contextmanager
def _told_once() -> Iterator[None]:
    """Rows without a time are reported once, when the rows arrive, not per segment."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*have no timestamp", category=DataWarning)
        yield


class PerformanceHistory:
    """Performance per window of all rows and of each value of a segment column.

    Parameters
    ----------
    data : pandas.DataFrame
        Predictions with their labels as far as they arrived.
    spec : PerformanceSpec
        The columns and settings (label, score, prediction, task, ...).
    time, window, rows
        Tumbling windows, as in :func:`performance_over_time`.
    segment : str, optional
        A column whose values are segments (time windows only).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> y = rng.random(600) < 0.3
    >>> frame = pd.DataFrame({"y": y, "p": np.clip(0.3 + 0.4 * y + rng.normal(0, 0.2, 600), 0, 1)})
    >>> history = PerformanceHistory(frame, PerformanceSpec("y", "p", n_bootstrap=0), rows=100)
    >>> history.series("accuracy")["status"].tolist()
    ['ok', 'ok', 'ok', 'ok', 'ok', 'ok']
    """

    def __init__(
        self,
        data: pd.DataFrame,
        spec: PerformanceSpec,
        *,
        time: str | None = None,
        window: Any = None,
        rows: int | None = None,
        segment: str | None = None,
    ) -> None:
        check_frame("data", data)
        self.spec = spec.check(data)
        self.windows = {"time": time, "window": window, "rows": rows}
        if segment is not None:
            if segment not in data.columns:
                raise ValueError(f"segment column {segment!r} is not in the data")
            if window is None:
                raise ValueError("segment= needs time windows (window= with time=)")
        self.segment_column = segment
        self.live = LiveWindows(data, **self.windows)  # warns once about rows without a time
        self.segments: dict[str, Any] = {}
        self._add_segments(self.live.frame)
        self._perf: dict[str, pd.DataFrame] = {}

    # ------------------------------------------------------------------ segments
    def _add_segments(self, frame: pd.DataFrame) -> None:
        """Remember the segment values of ``frame`` by their text (what a selector shows)."""
        if self.segment_column is None:
            return
        for value in frame[self.segment_column].dropna().unique():
            key = str(value)
            if isinstance(value, float) and value.is_integer():
                key = str(int(value))  # 2 and 2.0 (an int column with a NaN) are one segment
            self.segments.setdefault(key, value)
        self.segments = dict(sorted(self.segments.items()))

    def rows_of(self, segment: str, frame: pd.DataFrame | None = None) -> pd.DataFrame:
        """The rows of ``segment`` (:data:`ALL` for every row) in ``frame`` (default: all)."""
        frame = self.live.frame if frame is None else frame
        if segment == ALL:
            return frame
        if segment not in self.segments:
            raise ValueError(f"segment must be one of {[ALL, *self.segments]!r}; got {segment!r}")
        return frame[frame[self.segment_column] == self.segments[segment]]

    # ------------------------------------------------------------------ performance
    def _windows(self, rows: pd.DataFrame, first: int) -> Any:
        """Windows of ``rows`` on the grid, every window from ``first`` (empty ones too)."""
        origin = {"origin": self.live.anchor} if self.windows["rows"] is None else {}
        with _told_once():
            windows = make_windows(rows, **self.windows, **origin)
        if self.windows["rows"] is None:
            return pad_windows(windows, first, self.windows["window"], self.live.anchor)
        windows.first_index = first  # row windows of a tail count from its first window
        return windows

    def _compute(self, segment: str, frame: pd.DataFrame, first: int = 0) -> pd.DataFrame:
        rows = self.rows_of(segment, frame)
        return window_performance(rows, self._windows(rows, first), self.spec)

    def frame(self, segment: str = ALL) -> pd.DataFrame:
        """:func:`performance_over_time` of ``segment``, windows on the grid (cached)."""
        if segment not in self._perf:
            self._perf[segment] = self._compute(segment, self.live.frame)
        return self._perf[segment]

    @property
    def metrics(self) -> list[str]:
        """The metrics the data gives, in report order."""
        return list(dict.fromkeys(self.frame(ALL)["metric"]))

    def series(self, metric: str, segment: str = ALL) -> pd.DataFrame:
        """One row per window of the grid: value, interval, coverage, n, status and note."""
        perf = self.frame(segment)
        part = perf[perf["metric"] == metric].set_index("window").reindex(range(self.n_windows))
        part["status"] = part["status"].fillna(WINDOW_STATUSES[2])
        part["n"] = part["n"].fillna(0)
        return part

    @property
    def n_windows(self) -> int:
        """Windows so far."""
        return self.live.n_windows

    def starts(self) -> pd.Index:
        """The windows' starts (a DatetimeIndex, or positions for row windows)."""
        starts = self.live.labels[0]
        if np.issubdtype(np.asarray(starts).dtype, np.integer):
            return pd.RangeIndex(self.n_windows)
        return pd.DatetimeIndex(starts)

    def moved_limit(
        self, rule: LimitRule, which: str, value: float, *, window: int | None = None
    ) -> LimitRule:
        """``rule`` with limit ``which`` moved to ``value`` as read at ``window`` (default 0).

        What dragging a line does: with a seasonal profile the line follows the pattern, so
        the value read at a window is taken relative to that window's seasonal centre.
        """
        if rule.period:
            time_window = self.windows["window"] if self.windows["rows"] is None else None
            phase = window_phases(self.starts(), rule, time_window)[window or 0]
            value -= rule.seasonal[int(phase)]
        return rule.with_limit(which, value)

    def append(self, rows: pd.DataFrame, *, keep: str = ALL) -> WindowUpdate | None:
        """Add rows; windows from ``update.first`` on are recomputed for segment ``keep``.

        Other segments are computed again when asked for. A failure leaves the history as
        it was.
        """
        live = self.live.copy()
        update = live.append(rows)
        if update is None:
            return None
        keys = dict(self.segments)
        self._add_segments(update.rows)
        try:
            if update.reset:
                tail = None
            else:
                kept = self.frame(keep)
                tail = self._compute(keep, update.rows, update.first)
                tail = pd.concat([kept[kept["window"] < update.first], tail], ignore_index=True)
        except Exception:
            self.segments = keys
            raise
        self.live = live
        self._perf = {} if tail is None else {keep: tail}
        return update

    def errors(self, segment: str = ALL) -> pd.DataFrame:
        """:func:`row_errors` of the segment's labelled rows in its scored windows."""
        rows = self.rows_of(segment)
        scored = self.series(labelled_metrics(self.spec.task)[0], segment)["status"] == OK
        return row_errors(
            rows,
            self._windows(rows, 0),
            label=self.spec.label,
            score=self.spec.score,
            prediction=self.spec.prediction,
            task=self.spec.task,
            judged=scored.to_numpy(),
        )


def performance_chart(
    history: PerformanceHistory, metric: str, segment: str = ALL, **options: Any
) -> MetricChart:
    """:func:`metric_chart` of ``metric`` over the windows of ``segment``.

    The chart's points gain the metric's interval, label coverage, row count and status;
    windows that are not scored (labels pending, too few rows) are never judged and give
    their reason. ``options`` are those of :func:`metric_chart` (baseline, period, ...).
    """
    series = history.series(metric, segment)
    starts = history.starts()
    window = history.windows["window"] if history.windows["rows"] is None else None
    chart = metric_chart(
        pd.Series(series["value"].to_numpy(dtype=float), index=starts),
        metric=metric,
        judged=(series["status"] == OK).to_numpy(),
        notes=series["note"].to_numpy(dtype=object),
        starts=starts,
        window=window,
        **options,
    )
    for column in SERIES_COLUMNS:
        chart.points[column] = series[column].to_numpy()
    return chart


def default_metrics(task: str, *, score: str | None, latency: str | None) -> list[str]:
    """The metrics a performance view shows first.

    Ranking and loss (the decisions' accuracy and positive rate without scores, MAE and bias
    for regression), and latency p95 when there is a latency column.

    Examples
    --------
    >>> default_metrics("classification", score="p", latency="ms")
    ['roc_auc', 'log_loss', 'latency_p95']
    """
    if task == REGRESSION:
        metrics = [MAE, BIAS]
    elif score is None:  # decisions only: the scores' metrics would be meaningless
        metrics = [ACCURACY, POSITIVE_RATE]
    else:
        metrics = [ROC_AUC, LOG_LOSS]
    return metrics + ([LATENCY_P95] if latency is not None else [])


def chart_table(chart: MetricChart, starts: Any) -> pd.DataFrame:
    """A :func:`performance_chart` as a table people read, indexed by window start.

    Columns ``value``, ``ci_low``, ``ci_high``, ``coverage``, ``n``, ``status``, ``centre``,
    the four limits, ``severity`` (the alert the limits raise) and ``reason``.
    """
    columns = ["value", *SERIES_COLUMNS[:4], "status", "centre", *LIMIT_NAMES]
    table = chart.points[[*columns, "severity", "reason"]].copy()
    table["n"] = table["n"].astype(np.int64)
    table.index = pd.Index(starts, name="window_start")
    return table


def chart_alerts(charts: dict[str, MetricChart], starts: Any) -> pd.DataFrame:
    """The windows of several charts that alert, in time order.

    Columns ``window_start``, ``metric``, ``value``, ``severity`` and ``reason``.
    """
    parts = []
    for metric, chart in charts.items():
        table = chart_table(chart, starts)
        hit = table[table["severity"].isin(ALERT_LEVELS)]
        parts.append(hit[["value", "severity", "reason"]].assign(metric=metric).reset_index())
    columns = ["window_start", "metric", "value", "severity", "reason"]
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    return out.reindex(columns=columns).sort_values(
        "window_start", kind="stable", ignore_index=True
    )
