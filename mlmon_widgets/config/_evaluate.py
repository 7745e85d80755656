"""evaluate(config, data): the alerts a monitoring config raises on a batch of production data."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..engine import (
    DOMAINS,
    Baseline,
    Windows,
    as_source,
    data_quality,
    is_scalable,
    make_windows,
    version_events,
)
from ._config import MonitoringConfig
from ._drift_alerts import window_drift_alerts
from ._performance_alerts import missing_columns, performance_alerts, performance_table
from ._quality_alerts import empty_batch, missing_column, no_timestamps, quality_alerts
from ._segment_alerts import segment_alerts
from ._suppressions import Suppression

#: Columns of the alerts table, in order.
ALERT_COLUMNS = (
    "window_start",
    "window_end",
    "feature",
    "segment",
    "domain",
    "metric",
    "value",
    "threshold",
    "severity",
    "route",
    "suppressed",
    "message",
)
_DOMAIN_ORDER = {domain: i for i, domain in enumerate(DOMAINS)}


def _add_missing(records: list[dict[str, Any]], lost: dict[str, str]) -> None:
    """Missing-column alerts of the performance columns: one per column, its drift's if any."""
    for column, what in lost.items():
        same = [r for r in records if r["metric"] == "missing_column" and r["feature"] == column]
        if same:
            same[0]["message"] += f"; {what}"
        else:
            records.append(missing_column(column, -1, what))


def _absent(baseline: Baseline, data: Any, lost: dict[str, str]) -> list[dict[str, Any]]:
    """Missing-column alerts of the baseline's features and the performance columns."""
    records = [
        missing_column(c, -1, "its drift and quality are not checked")
        for c in baseline.features
        if c not in data.columns
    ]
    _add_missing(records, lost)
    return records


def _suppressed(periods: Sequence[Suppression], start: Any, end: Any, *, closed: bool) -> bool:
    if not periods or not isinstance(start, pd.Timestamp) or pd.isna(start) or pd.isna(end):
        return False
    return any(p.overlaps(start, end, closed=closed) for p in periods)


def _label(value: Any) -> Any:
    return pd.Timestamp(value) if isinstance(value, np.datetime64) else value


def _labels(windows: Windows, w: int) -> tuple[Any, Any]:
    return _label(windows.labels_start[w]), _label(windows.labels_end[w])


def _finish(
    records: list[dict[str, Any]],
    config: MonitoringConfig,
    windows: Windows | None,
    *,
    closed: bool,
    order: Sequence[str],
) -> pd.DataFrame:
    """Window labels, routes and suppression; rows by window, domain and column order."""
    rank = {name: i for i, name in enumerate(order)}
    records.sort(
        key=lambda r: (
            r["window"],
            r.get("segment", ""),
            _DOMAIN_ORDER[r["domain"]],
            rank.get(r["feature"], -1),
        )
    )
    rows = []
    cache: dict[int, tuple[Any, Any, bool]] = {}
    for record in records:
        w = record.pop("window")
        if "window_start" in record:  # a segment's window, labelled on its own cut
            start, end = record.pop("window_start"), record.pop("window_end")
            segment_suppressed = _suppressed(config.suppressions, start, end, closed=closed)
            route = record.pop("route", None) or getattr(config.routing, record["domain"])
            rows.append(
                {
                    "window_start": start,
                    "window_end": end,
                    **record,
                    "route": route,
                    "suppressed": segment_suppressed,
                }
            )
            continue
        if w not in cache:
            if windows is None or len(windows) == 0:
                start, end, suppressed = pd.NaT, pd.NaT, False
            elif w < 0:  # spans the whole batch: suppressed only if every window is
                start, end = _label(windows.labels_start[0]), _label(windows.labels_end[-1])
                suppressed = all(
                    _suppressed(config.suppressions, *_labels(windows, k), closed=closed)
                    for k in range(len(windows))
                )
            else:
                start, end = _labels(windows, w)
                suppressed = _suppressed(config.suppressions, start, end, closed=closed)
            cache[w] = (start, end, suppressed)
        start, end, suppressed = cache[w]
        route = getattr(config.routing, record["domain"])
        rows.append(
            {
                "window_start": start,
                "window_end": end,
                **record,
                "route": route,
                "suppressed": suppressed,
            }
        )
    out = pd.DataFrame(rows, columns=list(ALERT_COLUMNS))
    out["segment"] = pd.Series(
        ["" if pd.isna(v) else v for v in out["segment"].astype(object)],
        index=out.index,
        dtype=object,
    )
    return out.astype({"value": float, "threshold": float, "suppressed": bool})


def evaluate(
    config: MonitoringConfig, data: pd.DataFrame | Any, *, time: str | None = None
) -> pd.DataFrame:
    """The alerts ``config`` raises on ``data``: drift, data quality, performance, latency.

    Drift is computed by the engine exactly as in the notebook: the stored baseline
    (:meth:`MonitoringConfig.baseline_object`), :func:`~mlmon_widgets.engine.make_windows`
    with the config's window, :func:`~mlmon_widgets.engine.window_statistics` and
    :func:`~mlmon_widgets.engine.classify` with its rules, alpha, correction and
    ``min_rows``; so a window's severity is the one ``drift_over_time(baseline, data, ...)``
    gives. A window alerts when its severity is one of ``config.alert_levels`` and, with
    persistence N of M, at least N of the feature's last M windows (itself included)
    breached. Data-quality rates alert when they reach the reference's own rate plus the
    configured threshold (windows with fewer than ``min_rows`` rows are not judged); a
    configured column missing from ``data`` gives one critical alert, never an exception,
    however few rows the batch has. A batch with rows but not one valid timestamp in the
    time column cannot be cut into windows: one critical ``missing_rate`` alert on it. A
    batch without any row is a pipeline-health alert (``rows``, at the level of
    ``quality.empty_batch``, critical by default), never "all clear".

    With a ``performance`` section, :func:`~mlmon_widgets.engine.performance_over_time`
    runs on the same windows with the section's columns and settings, and each metric's
    :class:`~mlmon_widgets.engine.LimitRule` is judged by
    :func:`~mlmon_widgets.engine.judge_metric` (seasonal phases from the windows' starts
    and the rule's ``origin``), the function a control chart in the notebook judges it
    with: critical beyond the critical limit, warning when 2 of
    the last 3 judged windows lie beyond the warning limit, or the relative check. Only
    windows with status ``ok`` are judged: a window whose labels are ``pending`` (coverage
    below ``min_coverage``) or with fewer than ``min_rows`` labelled rows never alerts on
    a metric that needs labels. Latency percentiles alert in the ``latency`` domain, the
    other metrics in ``performance``; the ``feature`` is the metric's column (the label
    for metrics that need labels, the score or prediction, the latency column; the time
    column for ``rows``) and ``threshold`` the limit crossed (for the relative check: the
    value at which it fires). A missing label, score, prediction or latency column gives
    one critical ``missing_column`` alert and the metrics that need it are skipped; the
    others are still judged. Persistence applies per metric as per feature.

    Alerts in a suppression period are listed with ``suppressed=True``.

    Each of ``config.segments`` is judged the same way on its own rows (the rows its
    filter keeps, cut on the batch's time grid) against its own baseline, with its rules
    and ``min_rows``: the numbers :func:`~mlmon_widgets.engine.segment_drift` shows for it.
    Its alerts carry its name in ``segment`` (empty for the whole data) and in the message,
    and its ``route`` when it has one. A filter column missing from the data gives one
    critical ``missing_column`` alert for the segment.

    Give batches whole windows: the windows are those of the notebook (the config's
    ``window.origin`` and ``timezone``), and a window the batch covers only in part is judged
    on the rows it has (its row count looks low). The 2-of-3 warning and a relative check
    look back at earlier windows of the same batch, so include the ``lag + 2`` windows
    before the ones to judge when a relative check is configured.

    A Dask DataFrame or an Arrow dataset (e.g. :func:`~mlmon_widgets.engine.parquet_dataset`
    of a folder) is judged the same way without being read whole: drift and data quality
    from per-piece counts (or window by window where the pieces come in time order),
    performance window by window from each window's own rows, each segment on its rows
    (each piece filtered as it is read).

    Parameters
    ----------
    config : MonitoringConfig
        Baseline, window, rules and alerting settings.
    data : pandas.DataFrame, dask.dataframe.DataFrame or pyarrow.dataset.Dataset
        A batch of production data (the time column of datetime dtype).
    time : str, optional
        Timestamp column, replacing ``config.window.time``.

    Returns
    -------
    pandas.DataFrame
        One row per alert with ``window_start``, ``window_end`` (as in
        :func:`~mlmon_widgets.engine.drift_over_time`), ``feature`` (the column),
        ``segment`` (the monitored segment's name, ``''`` for the whole data),
        ``domain`` (``'data_quality'``, ``'drift'``, ``'performance'`` or ``'latency'``),
        ``metric``, ``value``, ``threshold``, ``severity`` (``'warning'`` or
        ``'critical'``), ``route`` (``config.routing`` of the domain), ``suppressed`` and
        a one-line ``message`` with value, threshold (or the rule's reason) and trend.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from mlmon_widgets.engine import Baseline
    >>> rng = np.random.default_rng(0)
    >>> ref = pd.DataFrame({"income": rng.normal(50, 10, 2000)})
    >>> config = MonitoringConfig.from_baseline(
    ...     Baseline.fit(ref, roles={"income": "numeric"}), model="credit-risk",
    ...     time="ts", window="1D")
    >>> ts = pd.date_range("2024-05-01", periods=3000, freq="1min")
    >>> income = np.r_[rng.normal(50, 10, 2000), rng.normal(60, 10, 1000)]
    >>> alerts = evaluate(config, pd.DataFrame({"ts": ts, "income": income}))
    >>> alerts[["window_start", "feature", "metric", "severity", "route"]]
      window_start feature       metric  severity           route
    0   2024-05-02  income  wasserstein  critical  ml-engineering
    1   2024-05-03  income    psi_tails  critical  ml-engineering
    >>> print(alerts["message"].iloc[1])
    psi_tails 1.02 >= 0.25 (critical); rising over the last 3 windows
    """
    if not isinstance(config, MonitoringConfig):
        raise TypeError(f"config must be a MonitoringConfig; got {type(config).__name__}")
    if not isinstance(data, pd.DataFrame) and not is_scalable(data):
        raise TypeError(
            "data must be a pandas DataFrame, a Dask DataFrame or a pyarrow.dataset.Dataset; "
            f"got {type(data).__name__}"
        )
    if is_scalable(data):
        data = as_source(data)
    arguments = config.window.arguments(time)
    data = config.window.localize(data, arguments["time"])  # windows in the config's zone
    baseline = config.baseline_object()
    section = config.performance
    order = [arguments["time"] or "", *baseline.features]
    order += [c for c in (section.columns() if section else ()) if c not in order]
    closed = config.window.rows is not None
    time_column = arguments["time"]
    lost = missing_columns(section, data) if section is not None else {}
    if time_column is not None and time_column not in data.columns:
        records = [missing_column(time_column, -1, "the data cannot be cut into windows")]
        records += _absent(baseline, data, lost)
        return _finish(records, config, None, closed=closed, order=order)
    if is_scalable(data):  # (one pass over its time column: rows without one are counted)
        n_rows = data.count_rows()
        windows = make_windows(data, **arguments)
        timeless = time_column is not None and n_rows > 0 and len(windows) == 0
    else:
        n_rows = len(data)
        timeless = time_column is not None and not data[time_column].notna().any()
        windows = None if timeless else make_windows(data, **arguments)
    if windows is None or len(windows) == 0:  # no row to judge: only missing columns alert
        records = _absent(baseline, data, lost)
        if timeless and n_rows:
            records.append(no_timestamps(time_column, n_rows))
        if n_rows == 0:
            records += empty_batch(config)
        return _finish(records, config, windows, closed=closed, order=order)
    records = window_drift_alerts(
        config, baseline, data, windows, rules=config.rules, min_rows=config.min_rows
    )
    quality = data_quality(baseline, data, **arguments)
    records += quality_alerts(quality, baseline, config)
    if section is not None:
        _add_missing(records, lost)
        perf = performance_table(section, data, arguments)
        records += performance_alerts(config, perf, list(lost), time=time_column)
    for segment in config.segments:
        records += segment_alerts(segment, config, data, arguments, windows)
    return _finish(records, config, windows, closed=closed, order=order)


def retraining_events(
    config: MonitoringConfig, data: pd.DataFrame, *, time: str | None = None
) -> pd.DataFrame:
    """Model versions in ``data`` that the config's baseline does not have: retraining events.

    A column of role ``version`` is never tested for drift (a new version is a retraining,
    not drift); this lists each new version once, with the first window it appears in (see
    :func:`~mlmon_widgets.engine.version_events`). ``mlmon check`` prints them after the
    alerts.

    Returns
    -------
    pandas.DataFrame
        ``column``, ``version``, ``window``, ``window_start``, ``rows`` and ``event``.
    """
    arguments = config.window.arguments(time)
    if is_scalable(data):
        data = as_source(data)
    data = config.window.localize(data, arguments["time"])
    baseline = config.baseline_object()
    if arguments["time"] is not None and arguments["time"] not in data.columns:
        arguments = {**arguments, "time": None, "window": None, "rows": None, "origin": None}
    return version_events(baseline, data, **arguments)
