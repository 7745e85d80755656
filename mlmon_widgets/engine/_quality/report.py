"""Data quality per window: row counts, missing values, range, unseen categories, schema."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .._data.columns import CodedColumn, NumericColumn, coded_column
from .._data.windows import Windows, make_windows
from .._drift.baseline import Baseline, CategoricalFeature, NumericFeature
from .._drift.statistics import CategoricalAligner, prepare_column
from .._validation import check_frame
from .._vocabulary import OK, QUALITY_STATUSES, VERSION

_, DTYPE_CHANGED, MISSING, NEW = QUALITY_STATUSES


def _numeric_quality(feature: NumericFeature, column: NumericColumn, rows) -> dict[str, float]:
    values = column.values[rows]
    n_rows = len(values)
    nan = np.isnan(values)
    finite = np.isfinite(values)
    n_invalid = 0 if column.invalid is None else int(column.invalid[rows].sum())
    usable = values[finite]
    outside = int(((usable < feature.min) | (usable > feature.max)).sum())
    return {
        "missing_rate": (int(nan.sum()) - n_invalid) / n_rows if n_rows else np.nan,
        "nonfinite_rate": int((~finite & ~nan).sum()) / n_rows if n_rows else np.nan,
        "invalid_rate": n_invalid / n_rows if n_rows else np.nan,
        "out_of_range": outside / len(usable) if len(usable) else np.nan,
    }


def _coded_quality(aligner: CategoricalAligner, column: CodedColumn, rows) -> dict[str, float]:
    codes = column.codes[rows]
    n_rows = len(codes)
    valid = codes[codes >= 0]
    counts = np.bincount(valid, minlength=len(column.labels))
    _, unseen = aligner.split(counts)
    return {
        "missing_rate": int((codes == -1).sum()) / n_rows if n_rows else np.nan,
        "invalid_rate": int((codes == -2).sum()) / n_rows if n_rows else np.nan,
        "unseen_categories": int((unseen > 0).sum()),
        "unseen_share": int(unseen.sum()) / len(valid) if len(valid) else np.nan,
        "unseen_examples": ", ".join(
            str(column.labels[i])
            for i in np.flatnonzero(~aligner.known)[np.argsort(-unseen)][:5]
            if counts[i] > 0
        ),
    }


def _versions_as_feature(baseline: Baseline, name: str) -> CategoricalFeature | None:
    """The model versions of the reference as categories (new ones show as unseen)."""
    if baseline.roles.get(name) != VERSION or name not in baseline.versions:
        return None
    labels = list(baseline.versions[name])
    counts = np.ones(len(labels), dtype=np.int64)
    return CategoricalFeature(
        name, "categorical", "", len(labels), len(labels), 0, 0, labels, counts
    )


def _windows(
    current: pd.DataFrame, time: Any, window: Any, rows: Any, step: Any, origin: Any
) -> tuple[Windows, bool]:
    windowed = window is not None or rows is not None
    if not windowed:
        return Windows.single(len(current)), False
    return make_windows(
        current, time=time, window=window, rows=rows, step=step, origin=origin
    ), True


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
    check_frame("current", current, allow_empty_rows=True)
    if not isinstance(reference, Baseline):
        reference = Baseline.fit(reference, roles=roles, keep_reference=False)
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
            shown = (
                pd.Timestamp(start).strftime("%Y-%m-%d %H:%M")
                if not isinstance(start, (int, np.integer))
                else f"row {int(start)}"
            )
            records.append(
                {
                    "column": name,
                    "version": str(label),
                    "window": first + windows.first_index,
                    "window_start": start,
                    "rows": int(at.sum()),
                    "event": f"{name} {label!s} first seen in the window from {shown} "
                    f"({int(at.sum()):,} rows): a retraining event, not drift",
                }
            )
    columns = ["column", "version", "window", "window_start", "rows", "event"]
    return pd.DataFrame.from_records(records, columns=columns)


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
    check_frame("current", current, allow_empty_rows=True)
    if isinstance(reference, Baseline):
        baseline = reference
    else:
        baseline = Baseline.fit(reference, roles=roles, keep_reference=False)
    windows, windowed = _windows(current, time, window, rows, step, origin)
    records: list[dict] = []
    columns = list(baseline.roles) + [c for c in current.columns if c not in baseline.roles]
    for name in columns:
        role = baseline.roles.get(name, "")
        dtype_ref = baseline.dtypes.get(name, "")
        present = name in current.columns
        dtype_cur = str(current[name].dtype) if present else ""
        if not role:
            status = NEW
        elif not present:
            status = MISSING
        elif dtype_ref != dtype_cur:
            status = DTYPE_CHANGED
        else:
            status = OK
        feature = baseline.features.get(name) or _versions_as_feature(baseline, name)
        column = prepare_column(feature, current[name]) if feature is not None and present else None
        aligner = (
            CategoricalAligner(feature, column)
            if isinstance(feature, CategoricalFeature) and column is not None
            else None
        )
        missing = current[name].isna().to_numpy() if present else None
        for w in range(len(windows)):
            rows_w = windows.rows(w)
            n_rows = int(windows.ends[w] - windows.starts[w])
            record = {
                "window": w,
                "column": name,
                "role": role or None,
                "status": status,
                "dtype_reference": dtype_ref or None,
                "dtype_current": dtype_cur or None,
                "n": n_rows,
                "missing_rate": np.nan,
                "nonfinite_rate": 0.0,
                "invalid_rate": 0.0,
                "out_of_range": np.nan,
                "unseen_categories": 0,
                "unseen_share": np.nan,
                "unseen_examples": "",
            }
            if isinstance(feature, NumericFeature) and isinstance(column, NumericColumn):
                record.update(_numeric_quality(feature, column, rows_w))
            elif aligner is not None and isinstance(column, CodedColumn):
                record.update(_coded_quality(aligner, column, rows_w))
            elif missing is not None:
                record["missing_rate"] = float(missing[rows_w].mean()) if n_rows else np.nan
            elif not present:
                record["missing_rate"] = 1.0 if n_rows else np.nan
            records.append(record)
    out = pd.DataFrame.from_records(records)
    out["status"] = pd.Categorical(out["status"], categories=QUALITY_STATUSES)
    if not windowed:
        return out.drop(columns="window").set_index("column")
    out.insert(1, "window_start", windows.labels_start[out["window"].to_numpy()])
    out.insert(2, "window_end", windows.labels_end[out["window"].to_numpy()])
    return out.sort_values("window", kind="stable").reset_index(drop=True)
