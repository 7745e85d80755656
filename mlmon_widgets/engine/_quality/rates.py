"""The data-quality rates of one window from its counts (in memory or merged partials)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from .._data.windows import Windows
from .._drift.baseline import Baseline, CategoricalFeature
from .._drift.statistics import CategoricalAligner
from .._vocabulary import OK, QUALITY_STATUSES, VERSION

_, DTYPE_CHANGED, MISSING, NEW = QUALITY_STATUSES


def _rate(count: int, total: int) -> float:
    return count / total if total else np.nan


def numeric_rates(
    n_rows: int, missing: int, invalid: int, nonfinite: int, usable: int, outside: int
) -> dict[str, float]:
    """Missing, +/-inf and invalid shares of the rows; out-of-range share of usable values."""
    return {
        "missing_rate": _rate(missing, n_rows),
        "nonfinite_rate": _rate(nonfinite, n_rows),
        "invalid_rate": _rate(invalid, n_rows),
        "out_of_range": _rate(outside, usable),
    }


def coded_rates(
    aligner: CategoricalAligner,
    labels: list,
    counts: np.ndarray,
    n_rows: int,
    missing: int,
    invalid: int,
) -> dict[str, object]:
    """Missing and invalid shares, and the unseen categories of a window's label counts."""
    _, unseen = aligner.split(counts)
    valid = int(counts.sum())
    return {
        "missing_rate": _rate(missing, n_rows),
        "invalid_rate": _rate(invalid, n_rows),
        "unseen_categories": int((unseen > 0).sum()),
        "unseen_share": _rate(int(unseen.sum()), valid),
        "unseen_examples": ", ".join(
            str(labels[i])
            for i in np.flatnonzero(~aligner.known)[np.argsort(-unseen)][:5]
            if counts[i] > 0
        ),
    }


def versions_as_feature(baseline: Baseline, name: str) -> CategoricalFeature | None:
    """The model versions of the reference as categories (new ones show as unseen)."""
    if baseline.roles.get(name) != VERSION or name not in baseline.versions:
        return None
    labels = list(baseline.versions[name])
    counts = np.ones(len(labels), dtype=np.int64)
    return CategoricalFeature(
        name, "categorical", "", len(labels), len(labels), 0, 0, labels, counts
    )


def column_records(
    baseline: Baseline,
    name: str,
    dtype: str,
    present: bool,
    lengths: np.ndarray,
    stats: Callable[[int], dict[str, object]],
) -> list[dict]:
    """One column's records, window by window (``stats(w)``: its rates in window ``w``)."""
    role = baseline.roles.get(name, "")
    dtype_ref = baseline.dtypes.get(name, "")
    if not role:
        status = NEW
    elif not present:
        status = MISSING
    elif dtype_ref != dtype:
        status = DTYPE_CHANGED
    else:
        status = OK
    records = []
    for w, n_rows in enumerate(np.asarray(lengths, dtype=np.int64).tolist()):
        record = {
            "window": w,
            "column": name,
            "role": role or None,
            "status": status,
            "dtype_reference": dtype_ref or None,
            "dtype_current": dtype or None,
            "n": n_rows,
            "missing_rate": np.nan,
            "nonfinite_rate": 0.0,
            "invalid_rate": 0.0,
            "out_of_range": np.nan,
            "unseen_categories": 0,
            "unseen_share": np.nan,
            "unseen_examples": "",
        }
        record.update(stats(w))
        if not present:
            record["missing_rate"] = 1.0 if n_rows else np.nan
        records.append(record)
    return records


def quality_frame(records: list[dict], windows: Windows | None) -> pd.DataFrame:
    """The table of :func:`data_quality`: by column, or by window x column with windows."""
    out = pd.DataFrame.from_records(records)
    out["status"] = pd.Categorical(out["status"], categories=QUALITY_STATUSES)
    if windows is None:
        return out.drop(columns="window").set_index("column")
    out.insert(1, "window_start", windows.labels_start[out["window"].to_numpy()])
    out.insert(2, "window_end", windows.labels_end[out["window"].to_numpy()])
    return out.sort_values("window", kind="stable").reset_index(drop=True)
