"""Alerts of the monitored segments: each judged as the whole data is, on its own rows."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..engine import Windows, is_scalable, make_windows, select_rows
from ._config import MonitoringConfig
from ._drift_alerts import window_drift_alerts
from ._performance_alerts import missing_columns, performance_alerts, performance_table
from ._quality_alerts import missing_column
from ._segments import SegmentRule


def _label(value: Any) -> Any:
    return pd.Timestamp(value) if not isinstance(value, (int, float)) else value


def segment_rows(data: pd.DataFrame, where: Any) -> pd.DataFrame:
    """The rows of ``data`` a segment's conditions keep (module-level: it runs on workers)."""
    return data[select_rows(data, where)].reset_index(drop=True)


def segment_alerts(
    segment: SegmentRule,
    config: MonitoringConfig,
    data: Any,
    arguments: dict[str, Any],
    windows: Windows,
) -> list[dict[str, Any]]:
    """The drift and performance alerts of one segment, windows labelled, segment named.

    The segment's rows are cut on the whole batch's time grid (the config's origin, or
    the batch's first window), compared with the segment's own baseline under its rules
    and ``min_rows`` and the config's alpha, gate and correction: what
    ``segment_drift`` and ``drift_over_time`` on the segment's rows give. Its performance
    limits (if any) are judged on its rows as a ``ControlChart(..., where=...)`` judges them.
    """
    absent = [c.column for c in segment.where if c.column not in data.columns]
    if absent:
        record = missing_column(absent[0], -1, f"the segment {segment.name!r} is not checked")
        return [{**record, "segment": segment.name}]
    if is_scalable(data):  # each piece filtered as it is read
        rows = data.mapped(segment_rows, segment.where, needs=[c.column for c in segment.where])
    else:
        rows = segment_rows(data, segment.where)
    origin = arguments["origin"] if arguments["origin"] is not None else windows.anchor
    cut = make_windows(rows, **{**arguments, "origin": origin})
    if len(cut) == 0:
        return []
    records = window_drift_alerts(
        config,
        segment.baseline_object(),
        rows,
        cut,
        rules=segment.rules,
        min_rows=segment.min_rows or config.min_rows,
    )
    section = segment.performance
    if section is not None:
        lost = missing_columns(section, rows)
        for column, what in lost.items():
            records.append(missing_column(column, -1, f"{what} in the segment"))
        perf = performance_table(section, rows, {**arguments, "origin": origin})
        records += performance_alerts(
            config, perf, list(lost), time=arguments["time"], section=section
        )
    for record in records:
        w = record["window"]
        if w < 0:  # a missing column: the whole batch
            record["window_start"], record["window_end"] = pd.NaT, pd.NaT
        else:
            record["window_start"] = _label(cut.labels_start[w])
            record["window_end"] = _label(cut.labels_end[w])
            record["window"] = cut.first_index + w - windows.first_index  # the batch's order
        record["segment"] = segment.name
        record["message"] = f"in {segment.name}: {record['message']}"
        if segment.route is not None:
            record["route"] = segment.route
    return records


__all__ = ("segment_alerts",)
