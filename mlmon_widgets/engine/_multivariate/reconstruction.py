"""PCA reconstruction error: a cheap per-window signal of a change in how features co-vary.

:meth:`Baseline.fit(..., multivariate=True) <Baseline.fit>` fits, on the reference's
features in a fixed encoding (numeric standardised by the reference's mean and
``numpy.std``, missing values at its median; categories one-hot over the reference's
categories scaled by 1/sqrt(2), a missing or new category all zeros), the principal
components explaining :data:`VARIANCE` of the variance (numpy's SVD). A row's error is
the Euclidean distance between it and its reconstruction from those components; a window's
error is the mean over its rows. When features keep their distributions but change how
they co-vary, the components stop fitting and the error rises.

The thresholds come from the reference itself, as :func:`suggest_thresholds` does: the
reference's row errors are kept as means of consecutive blocks of :data:`BLOCK_ROWS`
rows (in the reference's row order), so for a window of c rows the reference is cut into
chunks of about c rows, and the band is the chunk means' mean +/- 3 standard deviations
(of the chunk means, or, when larger, of a mean of c independent rows estimated from all
the blocks): a pattern inside the reference (seasonality, drift within it) widens the
band. All of it is stored in the baseline and its JSON, so production needs no training
data.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._data.columns import coded_column, numeric_column
from .._data.windows import Windows, make_windows
from .._vocabulary import FEATURE_KINDS
from .encoding import ONE_HOT

#: Share of the reference's variance the kept components explain.
VARIANCE = 0.65
#: Reference rows per stored block of row errors.
BLOCK_ROWS = 50
#: Standard deviations of the chunk means each side of their mean.
SIGMAS = 3.0


@dataclass(eq=False)
class PCAModel:
    """The fixed encoding, the principal components and the reference's block errors."""

    features: tuple[str, ...]
    kinds: tuple[str, ...]
    means: np.ndarray  # per feature (numeric; NaN for categorical)
    scales: np.ndarray
    fills: np.ndarray
    labels: tuple[tuple[str, ...], ...]  # per feature (categorical; () for numeric)
    modes: tuple[int, ...]
    centre: np.ndarray
    components: np.ndarray  # (k, encoded columns)
    explained: float
    block_errors: np.ndarray

    def encode(self, frame: pd.DataFrame) -> np.ndarray:
        """Rows of ``frame`` in the reference's encoding (a missing column is an error)."""
        absent = [n for n in self.features if n not in frame.columns]
        if absent:
            raise ValueError(
                f"the data has no column {absent[0]!r}, which the baseline's "
                "reconstruction model needs"
            )
        columns = []
        for i, name in enumerate(self.features):
            if self.kinds[i] == FEATURE_KINDS[0]:
                values = numeric_column(frame[name]).values
                values = np.where(np.isfinite(values), values, self.fills[i])
                columns.append(((values - self.means[i]) / self.scales[i])[:, None])
                continue
            coded = coded_column(frame[name], self.kinds[i])
            position = {label: k for k, label in enumerate(self.labels[i])}
            remap = np.array(
                [position.get(str(lab), -1) for lab in coded.labels], dtype=np.int64
            )  # (labels are stored as text: True and 'True' are one category)
            known = remap[np.maximum(coded.codes, 0)] if len(remap) else -1
            codes = np.where(coded.codes >= 0, known, -1)
            one_hot = np.zeros((len(frame), len(self.labels[i])))
            one_hot[np.flatnonzero(codes >= 0), codes[codes >= 0]] = ONE_HOT
            columns.append(one_hot)
        return np.hstack(columns) if columns else np.zeros((len(frame), 0))

    def errors(self, encoded: np.ndarray) -> np.ndarray:
        """Each row's distance to its reconstruction from the components."""
        centred = encoded - self.centre
        scores = centred @ self.components.T
        return np.sqrt(np.sum((centred - scores @ self.components) ** 2, axis=1))

    def band(self, rows: int) -> tuple[float, float, int]:
        """(lower, upper, chunks) of the error of a window of ``rows`` rows."""
        per = max(1, round(rows / BLOCK_ROWS))
        chunks = len(self.block_errors) // per
        if chunks < 2:
            return math.nan, math.nan, chunks
        means = self.block_errors[: chunks * per].reshape(chunks, per).mean(axis=1)
        # The chunks' own spread (wider when the reference has a pattern), but never below
        # what a mean of ``rows`` independent rows gives, estimated from every block: a few
        # chunks alone under-estimate it often (20 chunks: by a third in one seeded case,
        # and 2 of 10 null windows fell outside a 3-sigma band), and chunks of one block
        # are too long for windows under 50 rows.
        independent = float(self.block_errors.std(ddof=1)) * math.sqrt(BLOCK_ROWS / rows)
        centre, spread = float(means.mean()), max(float(means.std(ddof=1)), independent)
        return centre - SIGMAS * spread, centre + SIGMAS * spread, chunks

    def to_dict(self) -> dict[str, Any]:
        return {
            "features": list(self.features),
            "kinds": list(self.kinds),
            "means": [None if math.isnan(v) else float(v) for v in self.means],
            "scales": [float(v) for v in self.scales],
            "fills": [None if math.isnan(v) else float(v) for v in self.fills],
            "labels": [list(v) for v in self.labels],
            "modes": list(self.modes),
            "centre": [float(v) for v in self.centre],
            "components": [[float(v) for v in row] for row in self.components],
            "explained": float(self.explained),
            "block_rows": BLOCK_ROWS,
            "block_errors": [float(v) for v in self.block_errors],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PCAModel:
        def floats(key: str) -> np.ndarray:
            return np.array([np.nan if v is None else v for v in data[key]], dtype=float)

        width = len(data["centre"])
        return cls(
            tuple(data["features"]),
            tuple(data["kinds"]),
            floats("means"),
            floats("scales"),
            floats("fills"),
            tuple(tuple(str(v) for v in labels) for labels in data["labels"]),
            tuple(int(v) for v in data["modes"]),
            floats("centre"),
            np.array(data["components"], dtype=float).reshape(-1, width),
            float(data["explained"]),
            floats("block_errors"),
        )


def fit_pca(reference: pd.DataFrame, features: Mapping[str, str]) -> PCAModel:
    """The reconstruction model of ``reference``'s ``features`` (name -> kind)."""
    names, kinds = tuple(features), tuple(features.values())
    means, scales, fills, labels, modes = [], [], [], [], []
    for name, kind in features.items():
        if kind == FEATURE_KINDS[0]:
            values = numeric_column(reference[name]).values
            usable = values[np.isfinite(values)]
            if not len(usable):
                raise ValueError(f"feature {name!r} has no finite value in the reference")
            std = float(usable.std())
            means.append(float(usable.mean()))
            scales.append(std if std > 0 else 1.0)
            fills.append(float(np.median(usable)))
            labels.append(())
            modes.append(-1)
            continue
        coded = coded_column(reference[name], kind)
        counts = np.bincount(coded.codes[coded.codes >= 0], minlength=len(coded.labels))
        means.append(math.nan)
        scales.append(1.0)
        fills.append(math.nan)
        labels.append(tuple(str(v) for v in coded.labels))
        modes.append(int(counts.argmax()) if len(counts) else -1)
    model = PCAModel(
        names,
        kinds,
        np.array(means),
        np.array(scales),
        np.array(fills),
        tuple(labels),
        tuple(modes),
        np.zeros(0),
        np.zeros((0, 0)),
        0.0,
        np.zeros(0),
    )
    encoded = model.encode(reference)
    model.centre = encoded.mean(axis=0)
    _, singular, vt = np.linalg.svd(encoded - model.centre, full_matrices=False)
    variance = singular**2
    total = float(variance.sum())
    if total > 0:
        share = np.cumsum(variance) / total
        keep = int(np.searchsorted(share, VARIANCE - 1e-12) + 1)
        model.explained = float(share[keep - 1])
    else:  # a constant reference: nothing to reconstruct from
        keep, model.explained = 0, 1.0
    model.components = vt[:keep]
    errors = model.errors(encoded)
    blocks = len(errors) // BLOCK_ROWS
    model.block_errors = errors[: blocks * BLOCK_ROWS].reshape(blocks, BLOCK_ROWS).mean(axis=1)
    return model


def reconstruction_error(
    baseline: Any,
    current: pd.DataFrame,
    *,
    time: str | None = None,
    window: object | None = None,
    rows: int | None = None,
) -> pd.DataFrame:
    """The mean PCA reconstruction error of each window, with its band from the reference.

    Parameters
    ----------
    baseline : Baseline
        Fitted with ``multivariate=True`` (it holds the model and the reference's errors).
    current : pandas.DataFrame
        The data to check.
    time, window, rows
        Windows as in :func:`drift_over_time` (none: the whole frame is one window).

    Returns
    -------
    pandas.DataFrame
        One row per window: ``window``, ``window_start``, ``window_end``, ``n``, ``value``
        (the mean error), ``lower``, ``upper`` (the band for a window of ``n`` rows),
        ``alert`` (outside the band) and ``note``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from mlmon_widgets.engine import Baseline
    >>> rng = np.random.default_rng(0)
    >>> same = [[1, 0.9], [0.9, 1]]
    >>> ref = pd.DataFrame(rng.multivariate_normal([0, 0], same, 5000), columns=["u", "v"])
    >>> base = Baseline.fit(ref, multivariate=True)
    >>> flipped = rng.multivariate_normal([0, 0], [[1, -0.9], [-0.9, 1]], 500)
    >>> cur = pd.DataFrame(np.vstack([rng.multivariate_normal([0, 0], same, 500), flipped]),
    ...                    columns=["u", "v"])
    >>> reconstruction_error(base, cur, rows=500)[["window", "n", "alert"]]
       window    n  alert
    0       0  500  False
    1       1  500   True
    """
    model = getattr(baseline, "multivariate", None)
    if model is None:
        raise ValueError(
            "the baseline has no reconstruction model: fit it with "
            "Baseline.fit(reference, multivariate=True)"
        )
    if window is None and rows is None:
        windows = Windows.single(len(current))
    else:
        windows = make_windows(current, time=time, window=window, rows=rows)
    errors = model.errors(model.encode(current))
    records = []
    for w in range(len(windows)):
        own = errors[windows.rows(w)]
        n = len(own)
        lower, upper, chunks = model.band(n) if n else (math.nan, math.nan, 0)
        value = float(own.mean()) if n else math.nan
        note = ""
        if n and chunks < 2:
            note = (
                f"the reference has {len(model.block_errors) * BLOCK_ROWS} rows: too few "
                f"for two chunks of {n} rows, no band"
            )
        alert = bool(n and chunks >= 2 and not lower <= value <= upper)
        records.append(
            {
                "window": w,
                "window_start": windows.labels_start[w],
                "window_end": windows.labels_end[w],
                "n": n,
                "value": value,
                "lower": lower,
                "upper": upper,
                "alert": alert,
                "note": note,
            }
        )
    return pd.DataFrame.from_records(records)
