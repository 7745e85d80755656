"""Mixed numeric and categorical features as one numeric matrix, fixed by the reference.

Numeric features are standardised by the reference's mean and ``numpy.std`` (ddof=0; a
constant feature is only centred); categorical and boolean features are one-hot encoded
over the reference's categories and the current ones, scaled by 1/sqrt(2) so that two
different categories are at squared distance 1, as two values one standard deviation
apart are: each categorical feature weighs as one numeric feature. A missing value takes
the reference's median (numeric) or mode (categorical), and a feature with missing values
in either sample gets an indicator column (1 where missing), so missingness itself can
drift.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._data.columns import coded_column, numeric_column
from .._data.roles import infer_roles
from .._validation import check_frame, check_names
from .._vocabulary import FEATURE_KINDS

#: The scale of a one-hot column: two categories are at squared distance 1.
ONE_HOT = 1 / np.sqrt(2.0)


@dataclass(frozen=True)
class Encoded:
    """The two samples as matrices (rows x encoded columns) and the columns' names."""

    reference: np.ndarray
    current: np.ndarray
    columns: tuple[str, ...]
    features: tuple[str, ...]


def _numeric(name: str, ref: pd.Series, cur: pd.Series) -> tuple[list, list, list[str]]:
    r, c = numeric_column(ref).values, numeric_column(cur).values
    r = np.where(np.isfinite(r), r, np.nan)
    c = np.where(np.isfinite(c), c, np.nan)
    usable = r[np.isfinite(r)]
    if not len(usable):
        raise ValueError(f"feature {name!r} has no finite value in the reference")
    mean, std = float(usable.mean()), float(usable.std())
    fill = float(np.median(usable))
    scale = std if std > 0 else 1.0
    columns_r = [(np.where(np.isnan(r), fill, r) - mean) / scale]
    columns_c = [(np.where(np.isnan(c), fill, c) - mean) / scale]
    names = [name]
    if np.isnan(r).any() or np.isnan(c).any():
        columns_r.append(np.isnan(r).astype(float))
        columns_c.append(np.isnan(c).astype(float))
        names.append(f"{name} (missing)")
    return columns_r, columns_c, names


def _categorical(
    name: str, kind: str, ref: pd.Series, cur: pd.Series
) -> tuple[list, list, list[str]]:
    r, c = coded_column(ref, kind), coded_column(cur, kind)
    labels = list(r.labels) + [lab for lab in c.labels if lab not in set(r.labels)]
    position = {label: i for i, label in enumerate(labels)}
    codes_r = np.array([position[lab] for lab in r.labels], dtype=np.int64)
    codes_c = np.array([position[lab] for lab in c.labels], dtype=np.int64)
    rr = np.where(r.codes >= 0, codes_r[np.maximum(r.codes, 0)] if len(codes_r) else -1, -1)
    cc = np.where(c.codes >= 0, codes_c[np.maximum(c.codes, 0)] if len(codes_c) else -1, -1)
    known = rr[rr >= 0]
    if not len(known):
        raise ValueError(f"feature {name!r} has no category in the reference")
    mode = int(np.bincount(known, minlength=len(labels)).argmax())
    columns_r, columns_c = [], []
    for k in range(len(labels)):
        columns_r.append(np.where(rr < 0, k == mode, rr == k) * ONE_HOT)
        columns_c.append(np.where(cc < 0, k == mode, cc == k) * ONE_HOT)
    names = [f"{name}={label}" for label in labels]
    if (rr < 0).any() or (cc < 0).any():
        columns_r.append((rr < 0).astype(float))
        columns_c.append((cc < 0).astype(float))
        names.append(f"{name} (missing)")
    return columns_r, columns_c, names


def encode(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    *,
    features: Sequence[str] | None = None,
    roles: Mapping[str, str] | None = None,
) -> Encoded:
    """Both samples in the reference's encoding (see the module's description)."""
    check_frame("reference", reference)
    check_frame("current", current)
    kinds = {n: r for n, r in infer_roles(reference, roles).items() if r in FEATURE_KINDS}
    if features is not None:
        if isinstance(features, str):
            raise TypeError("features must be a list of column names, not a single string")
        check_names("features", features, list(kinds))
        names = [n for n in kinds if n in set(features)]
    else:
        names = list(kinds)
    missing = [n for n in names if n not in current.columns]
    if missing:
        raise ValueError(f"current has no column {missing[0]!r}; pass features= without it")
    if not names:
        raise ValueError("no feature to compare: give features= (numeric or categorical columns)")
    # Written into the two matrices feature by feature (grown by doubling when categories
    # come), so that a feature's temporary columns are the only copy beside them.
    width = max(len(names), 1)
    out_r = np.empty((len(reference), width))
    out_c = np.empty((len(current), width))
    labels: list[str] = []
    for name in names:
        if kinds[name] == FEATURE_KINDS[0]:
            r, c, n = _numeric(name, reference[name], current[name])
        else:
            r, c, n = _categorical(name, kinds[name], reference[name], current[name])
        while len(labels) + len(n) > width:
            width *= 2
            out_r = np.pad(out_r, ((0, 0), (0, width - out_r.shape[1])))
            out_c = np.pad(out_c, ((0, 0), (0, width - out_c.shape[1])))
        for k, (column_r, column_c) in enumerate(zip(r, c, strict=True)):
            out_r[:, len(labels) + k] = column_r
            out_c[:, len(labels) + k] = column_c
        labels += n
        del r, c
    used = len(labels)
    return Encoded(
        out_r[:, :used] if used < width else out_r,
        out_c[:, :used] if used < width else out_c,
        tuple(labels),
        tuple(names),
    )
