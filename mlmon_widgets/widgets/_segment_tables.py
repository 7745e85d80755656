"""The tables a SegmentBreakdown sends: segment rows, colour codes and the windows grid."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..engine import CRITICAL, INSUFFICIENT_DATA, OK, SEVERITIES

_CODE = {name: code for code, name in enumerate(SEVERITIES)}


def codes(severity: pd.Series) -> np.ndarray:
    return severity.astype(str).map(_CODE).to_numpy(dtype=np.uint8)


def performance_codes(table: pd.DataFrame) -> np.ndarray:
    """The colour code of performance rows: worse (critical), scored (ok), not scored."""
    out = np.where(table["worse"].to_numpy(dtype=bool), _CODE[CRITICAL], _CODE[OK])
    out = np.where(table["status"].to_numpy() == OK, out, _CODE[INSUFFICIENT_DATA])
    return out.astype(np.uint8)


def segment_rows(
    whole: pd.DataFrame, measure: Any, low: Any, high: Any, codes: np.ndarray
) -> dict[str, Any]:
    """The ``segments`` table: each segment's name, share, value, interval, colour code."""
    return {
        "column": whole["segment_column"].astype(str).tolist(),
        "value": whole["segment_value"].astype(str).tolist(),
        "share": whole["segment_share"].to_numpy(dtype=float),
        "measure": np.asarray(measure, dtype=float),
        "low": np.asarray(low, dtype=float),
        "high": np.asarray(high, dtype=float),
        "code": codes,
    }


def stamp(value: Any) -> str:
    if isinstance(value, pd.Timestamp) or isinstance(value, np.datetime64):
        moment = pd.Timestamp(value)
        return moment.isoformat() if moment != moment.normalize() else str(moment.date())
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


def grid(
    whole: pd.DataFrame, table: pd.DataFrame, cell_codes: np.ndarray, values: pd.Series
) -> dict[str, dict[str, Any]]:
    """Windows x segments of a per-window table, in the order of ``whole``'s segments."""
    windows = table.drop_duplicates("window").sort_values("window")
    keys = list(zip(whole["segment_column"], whole["segment_value"], strict=True))
    position = {key: i for i, key in enumerate(keys)}
    column = {w: i for i, w in enumerate(windows["window"])}
    cells = np.full((len(windows), len(keys)), _CODE[INSUFFICIENT_DATA], np.uint8)
    measure = np.full((len(windows), len(keys)), np.nan)
    pairs = zip(table["segment_column"], table["segment_value"], strict=True)
    rows = [position[k] for k in pairs]
    cols = [column[w] for w in table["window"]]
    cells[cols, rows] = cell_codes
    measure[cols, rows] = values.to_numpy(dtype=float)
    return {
        "windows": {"label": [stamp(v) for v in windows["window_start"]]},
        "cells": {"code": cells, "measure": measure},
    }
