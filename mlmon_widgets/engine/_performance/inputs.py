"""Checks of the columns performance metrics are computed from, and latency in milliseconds."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._data.columns import as_floats
from .._vocabulary import CLASSIFICATION


def milliseconds(values: pd.Series) -> pd.Series:
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


def check_columns(
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
    if task != CLASSIFICATION:
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
        values = as_floats(data[score])
        finite = values[np.isfinite(values)]
        slack = 1e-9  # rounding of a probability computed elsewhere
        if len(finite) and (finite.min() < -slack or finite.max() > 1 + slack):
            raise ValueError(
                f"score column {score!r} has values outside [0, 1] (min {finite.min()!r}, max "
                f"{finite.max()!r}): give the predicted probability of the positive class "
                "(e.g. a sigmoid of the logits)"
            )
