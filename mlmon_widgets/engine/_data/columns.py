"""Turn a pandas column into the arrays the statistics run on, whatever its dtype.

Numeric columns become float64 arrays (missing values NaN, unparseable values NaN and
flagged invalid); categorical and boolean columns become integer codes into a table of
normalised labels. Each column is converted once per call; windows then slice the arrays.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass
class NumericColumn:
    """A numeric column as float64: NaN where missing or invalid."""

    values: np.ndarray
    invalid: np.ndarray | None  # True where a value could not be read as a number

    def __len__(self) -> int:
        return len(self.values)


@dataclass
class CodedColumn:
    """A categorical or boolean column as codes into ``labels`` (-1 missing, -2 invalid)."""

    codes: np.ndarray
    labels: list  # normalised labels (str for categorical, bool for boolean)

    def __len__(self) -> int:
        return len(self.codes)


def normalise_label(value: object) -> str:
    """The text label of a categorical value; integral floats print as integers.

    A category read as ``1`` in one file and ``1.0`` in another is the same category.

    Examples
    --------
    >>> normalise_label(1.0), normalise_label(2), normalise_label("a"), normalise_label(True)
    ('1', '2', 'a', 'True')
    """
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if (
        isinstance(value, (float, np.floating))
        and math.isfinite(value)
        and float(value).is_integer()
    ):
        return str(int(value))
    if isinstance(value, (np.integer,)):
        return str(int(value))
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return str(value)


_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}


def _boolean_label(value: object) -> bool | None:
    """True/False for a value that reads as a boolean, None if it does not."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    return None


def as_floats(series: pd.Series) -> np.ndarray:
    """A numeric, boolean or categorical-of-numbers column as float64, missing as NaN.

    Examples
    --------
    >>> as_floats(pd.Series([1, None, 0], dtype="Int64").astype("category")).tolist()
    [1.0, nan, 0.0]
    """
    if isinstance(series.dtype, pd.CategoricalDtype):  # e.g. dictionary-encoded Parquet
        categories = pd.Series(series.cat.categories).to_numpy(dtype=float, na_value=np.nan)
        codes = series.cat.codes.to_numpy()
        out = np.full(len(series), np.nan)
        out[codes >= 0] = categories[codes[codes >= 0]]
        return out
    return series.to_numpy(dtype=float, na_value=np.nan)


def numeric_column(series: pd.Series) -> NumericColumn:
    """Read a column as float64; values that are not numbers become NaN and are flagged invalid."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype) or (
        pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_complex_dtype(dtype)
    ):
        values = series.to_numpy(dtype="float64", na_value=np.nan)
        return NumericColumn(values=values, invalid=None)
    if pd.api.types.is_datetime64_any_dtype(dtype):
        raise TypeError(
            f"column {series.name!r} holds datetimes but is monitored as numeric; "
            f"set its role to 'datetime' or convert it"
        )
    coerced = pd.to_numeric(series.astype(object), errors="coerce")
    values = np.asarray(coerced, dtype="float64")
    missing = np.asarray(series.isna())
    invalid = np.isnan(values) & ~missing
    return NumericColumn(values=values, invalid=invalid if invalid.any() else None)


def coded_column(series: pd.Series, kind: str) -> CodedColumn:
    """Read a column as codes into normalised labels (``kind`` 'categorical' or 'boolean')."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    codes = np.asarray(codes, dtype=np.int64)
    if kind == "boolean":
        raw_labels = [_boolean_label(u) for u in uniques]
    else:
        raw_labels = [normalise_label(u) for u in uniques]
    labels: list = []
    position: dict = {}
    remap = np.empty(len(raw_labels) + 2, dtype=np.int64)
    remap[-1] = -1  # missing stays missing (index -1 wraps to the last slot)
    remap[-2] = -2
    for i, label in enumerate(raw_labels):
        if label is None:
            remap[i] = -2
            continue
        if label not in position:
            position[label] = len(labels)
            labels.append(label)
        remap[i] = position[label]
    return CodedColumn(codes=remap[codes], labels=labels)


def label_counts(column: CodedColumn, rows: np.ndarray | slice) -> np.ndarray:
    """Counts per label of ``column`` over ``rows`` (missing and invalid left out)."""
    codes = column.codes[rows]
    return np.bincount(codes[codes >= 0], minlength=len(column.labels))
