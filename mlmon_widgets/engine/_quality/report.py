"""Data quality per window: row counts, missing values, range, unseen categories, schema."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from .._data.columns import CodedColumn, NumericColumn, coded_column
from .._data.windows import Windows, make_windows
from .._drift.baseline import Baseline, CategoricalFeature, NumericFeature
from .._drift.statistics import CategoricalAligner, prepare_column
from .._scale.sources import is_scalable
from .._validation import check_frame
from .._vocabulary import QUALITY_STATUSES
from .rates import coded_rates, column_records, numeric_rates, quality_frame, versions_as_feature
from .scaled import scaled_quality, scaled_version_events

_, DTYPE_CHANGED, MISSING, NEW = QUALITY_STATUSES


def _numeric_quality(feature: NumericFeature, column: NumericColumn, rows) -> dict[str, float]:
    values = column.values[rows]
    nan = np.isnan(values)
    finite = np.isfinite(values)
    n_invalid = 0 if column.invalid is None else int(column.invalid[rows].sum())
    usable = values[finite]
    outside = int(((usable < feature.min) | (usable > feature.max)).sum())
    nonfinite = int((~finite & ~nan).sum())
    missing = int(nan.sum()) - n_invalid
    return numeric_rates(len(values), missing, n_invalid, nonfinite, len(usable), outside)


def _coded_quality(aligner: CategoricalAligner, column: CodedColumn, rows) -> dict[str, object]:
    codes = column.codes[rows]
    counts = np.bincount(codes[codes >= 0], minlength=len(column.labels))
    missing, invalid = int((codes == -1).sum()), int((codes == -2).sum())
    return coded_rates(aligner, column.labels, counts, len(codes), missing, invalid)


def _window_rates(
    feature: object,
    column: NumericColumn | CodedColumn | None,
    aligner: CategoricalAligner | None,
    missing: np.ndarray | None,
    windows: Windows,
    w: int,
) -> dict[str, object]:
    """One column's rates in window ``w`` of in-memory data."""
    rows_w = windows.rows(w)
    if isinstance(feature, NumericFeature) and isinstance(column, NumericColumn):
        return _numeric_quality(feature, column, rows_w)
    if aligner is not None and isinstance(column, CodedColumn):
        return _coded_quality(aligner, column, rows_w)
    if missing is not None:
        n_rows = int(windows.ends[w] - windows.starts[w])
        return {"missing_rate": float(missing[rows_w].mean()) if n_rows else np.nan}
    return {}


def _windows(
    current: pd.DataFrame, time: Any, window: Any, rows: Any, step: Any, origin: Any
) -> tuple[Windows, bool]:
    windowed = window is not None or rows is not None
    if not windowed:
        return Windows.single(len(current)), False
    return make_windows(
        current, time=time, window=window, rows=rows, step=step, origin=origin
    ), True


#: Columns of :func:`version_events`.
EVENT_COLUMNS = ("column", "version", "window", "window_start", "rows", "event")


def _event(
    name: str, label: str, first: int, start: object, count: int, first_index: int
) -> dict[str, object]:
    shown = (
        pd.Timestamp(start).strftime("%Y-%m-%d %H:%M")  # type: ignore[arg-type]
        if not isinstance(start, (int, np.integer))
        else f"row {int(start)}"
    )
    return {
        "column": name,
        "version": label,
        "window": first + first_index,
        "window_start": start,
        "rows": count,
        "event": f"{name} {label} first seen in the window from {shown} "
        f"({count:,} rows): a retraining event, not drift",
    }


def version_events(
    reference: pd.DataFrame | Baseline,
    current: pd.DataFrame,
    *,
    time: str | None = None,
    window: object | None = None,
    rows: int | None = None,
    roles: Mapping[str, str] | None = None,
    origin: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Model versions of ``current`` that the reference does not have: retraining events.

    A column of role ``version`` (inferred from a name such as ``model_version``) is never
    tested for drift: a new value means the model was retrained or replaced, which is worth
    recording (segment, shadow and history views compare versions), not alerting on.

    Parameters
    ----------
    reference : pandas.DataFrame or Baseline
        The reference (its versions are the known ones).
    current : pandas.DataFrame
        The data to check.
    time, window, rows, roles, origin
        As in :func:`data_quality`.

    Returns
    -------
    pandas.DataFrame
        One row per new version: ``column``, ``version``, ``window`` (the first window it
        appears in; 0 without windows), ``window_start``, ``rows`` (rows of that version in
        all of ``current``) and ``event`` (one line to show).

    Examples
    --------
    >>> import pandas as pd
    >>> ref = pd.DataFrame({"x": [1.0, 2.0], "model_version": ["1.4", "1.4"]})
    >>> cur = pd.DataFrame({"x": [1.0, 2.0, 3.0], "model_version": ["1.4", "1.5", "1.5"]})
    >>> events = version_events(Baseline.fit(ref, roles={"model_version": "version"}), cur)
    >>> events[["column", "version", "rows"]].to_dict("records")
    [{'column': 'model_version', 'version': '1.5', 'rows': 2}]
    """
    if not isinstance(reference, Baseline):
        reference = Baseline.fit(reference, roles=roles, keep_reference=False)
    if is_scalable(current):
        found = scaled_version_events(
            reference, current, time=time, window=window, rows=rows, origin=origin
        )
        records = [
            _event(name, label, first, start, count, 0)
            for name, label, first, start, count in found
        ]
        return pd.DataFrame.from_records(records, columns=list(EVENT_COLUMNS))
    check_frame("current", current, allow_empty_rows=True)
    windows, _ = _windows(current, time, window, rows, None, origin)
    records = []
    for name, known in reference.versions.items():
        if name not in current.columns:
            continue
        column = coded_column(current[name], "categorical")
        seen = set(known)
        for code, label in enumerate(column.labels):
            if str(label) in seen:
                continue
            at = column.codes == code
            first = next((w for w in range(len(windows)) if at[windows.rows(w)].any()), None)
            if first is None:
                continue
            start = windows.labels_start[first]
            records.append(
                _event(name, str(label), first, start, int(at.sum()), windows.first_index)
            )
    return pd.DataFrame.from_records(records, columns=list(EVENT_COLUMNS))


def data_quality(
    reference: pd.DataFrame | Baseline,
    current: pd.DataFrame,
    *,
    time: str | None = None,
    window: object | None = None,
    rows: int | None = None,
    step: object | None = None,
    roles: Mapping[str, str] | None = None,
    origin: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Data-quality findings of ``current`` against the reference, per column (and window).

    A column that vanished or appeared, or whose dtype changed, is a finding here, never an
    exception. Windows work as in :func:`drift_over_time`; without window arguments the
    whole frame is one window and the result is indexed by column.

    Parameters
    ----------
    reference : pandas.DataFrame or Baseline
        The reference (a DataFrame is summarised with :meth:`Baseline.fit`).
    current : pandas.DataFrame
        The data to check.
    time, window, rows, step
        Windowing, as in :func:`drift_over_time`.
    roles : dict, optional
        Roles for a DataFrame reference.
    origin : pandas.Timestamp, optional
        Start of the time-window grid (see :func:`make_windows`).

    Returns
    -------
    pandas.DataFrame
        Per column (x window): ``role``, ``status`` (``'ok'``, ``'dtype_changed'``,
        ``'missing'`` from current, ``'new'`` in current), ``dtype_reference``,
        ``dtype_current``, ``n`` (rows), ``missing_rate``, ``nonfinite_rate`` (+/-inf),
        ``invalid_rate`` (values not readable in the column's role), ``out_of_range``
        (share of numeric values outside the reference min/max), ``unseen_categories``,
        ``unseen_share`` and ``unseen_examples``.

    Examples
    --------
    >>> import pandas as pd
    >>> ref = pd.DataFrame({"age": [30.0, 40, 50, 60], "city": ["a", "b", "a", "b"]})
    >>> cur = pd.DataFrame({"age": [35.0, None, 90, 45], "city": ["a", "c", "c", "b"], "extra": 1})
    >>> q = data_quality(ref, cur)
    >>> q[["status", "missing_rate", "out_of_range", "unseen_categories"]]
            status  missing_rate  out_of_range  unseen_categories
    column
    age         ok          0.25      0.333333                  0
    city        ok          0.00           NaN                  1
    extra      new          0.00           NaN                  0
    """
    if isinstance(reference, Baseline):
        baseline = reference
    else:
        baseline = Baseline.fit(reference, roles=roles, keep_reference=False)
    if is_scalable(current):
        return scaled_quality(
            baseline, current, time=time, window=window, rows=rows, step=step, origin=origin
        )
    check_frame("current", current, allow_empty_rows=True)
    windows, windowed = _windows(current, time, window, rows, step, origin)
    lengths = windows.ends - windows.starts
    records: list[dict] = []
    columns = list(baseline.roles) + [c for c in current.columns if c not in baseline.roles]
    for name in columns:
        present = name in current.columns
        feature = baseline.features.get(name) or versions_as_feature(baseline, name)
        column = prepare_column(feature, current[name]) if feature is not None and present else None
        aligner = (
            CategoricalAligner(feature, column)
            if isinstance(feature, CategoricalFeature) and column is not None
            else None
        )
        missing = current[name].isna().to_numpy() if present else None

        stats = partial(_window_rates, feature, column, aligner, missing, windows)
        dtype = str(current[name].dtype) if present else ""
        records += column_records(baseline, name, dtype, present, lengths, stats)
    return quality_frame(records, windows if windowed else None)
