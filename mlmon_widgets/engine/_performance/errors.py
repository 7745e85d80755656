"""Per-row errors of the labelled rows of scored windows: what a concept-drift detector reads."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._data.columns import as_floats
from .._data.windows import Windows
from .._validation import check_option
from .._vocabulary import REGRESSION, TASKS


def row_errors(
    data: pd.DataFrame,
    windows: Windows,
    *,
    label: str,
    score: str | None = None,
    prediction: str | None = None,
    task: str = TASKS[0],
    judged: Any = None,
) -> pd.DataFrame:
    """The error of every labelled row of the judged windows, in time order.

    The error is the squared error of the score (the Brier contribution) for
    classification and the absolute error for regression. Rows without a label or a
    prediction, rows in no window and rows of windows that are not judged (labels pending,
    too few rows) are left out: a detector must not read the rows labelled first.

    Parameters
    ----------
    data : pandas.DataFrame
        Predictions with their labels as far as they arrived.
    windows : Windows
        Windows over ``data`` (from :func:`make_windows`).
    label, score, prediction, task
        As in :func:`performance_over_time` (the score is used when given).
    judged : array-like of bool, optional
        Per window of the grid (index ``windows.first_index + w``), whether it is scored;
        default: every window.

    Returns
    -------
    pandas.DataFrame
        ``row`` (position in ``data``), ``window`` (on the grid) and ``error``.

    Examples
    --------
    >>> import pandas as pd
    >>> from mlmon_widgets.engine import make_windows
    >>> frame = pd.DataFrame({"y": [1, 0, 1, None], "p": [0.9, 0.2, 0.4, 0.5]})
    >>> errors = row_errors(frame, make_windows(frame, rows=2), label="y", score="p")
    >>> errors.round(2).to_dict("list")
    {'row': [0, 1, 2], 'window': [0, 0, 1], 'error': [0.01, 0.04, 0.36]}
    """
    check_option("task", task, TASKS)
    source = score if score is not None else prediction
    if source is None:
        raise ValueError("give score= or prediction= (the column the errors are taken from)")
    position = np.full(len(data), -1, dtype=np.int64)
    order = windows.order if windows.order is not None else np.arange(len(data))
    for w in range(len(windows)):
        position[order[windows.starts[w] : windows.ends[w]]] = w + windows.first_index
    pred = as_floats(data[source])
    y = as_floats(data[label])
    keep = np.isfinite(pred) & np.isfinite(y) & (position >= 0)
    if judged is not None:
        scored = np.append(np.asarray(judged, dtype=bool), False)  # beyond: not judged
        keep &= scored[np.clip(position, 0, len(scored) - 1)]
    rows = order[np.isin(order, np.flatnonzero(keep))]  # time order
    diff = pred[rows] - y[rows]
    error = np.abs(diff) if task == REGRESSION else diff**2
    return pd.DataFrame({"row": rows, "window": position[rows], "error": error})
