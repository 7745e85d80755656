"""Delayed labels: attach the ground truth that has arrived to the logged predictions."""

from __future__ import annotations

import pandas as pd

from .._validation import check_frame


def join_labels(
    predictions: pd.DataFrame,
    labels: pd.DataFrame,
    *,
    on: str,
    label: str,
    label_time: str | None = None,
    as_of: pd.Timestamp | str | None = None,
) -> pd.DataFrame:
    """Attach the labels that have arrived to the predictions (a left join on ``on``).

    Parameters
    ----------
    predictions : pandas.DataFrame
        One row per prediction, with the id column ``on``.
    labels : pandas.DataFrame
        One row per labelled id: ``on``, ``label`` and optionally ``label_time``.
    on : str
        The id column in both frames.
    label : str
        The label column in ``labels``; it is added to the result.
    label_time, as_of
        When both are given, labels that arrive after ``as_of`` count as not arrived yet
        (to replay what was known at a past moment).

    Returns
    -------
    pandas.DataFrame
        ``predictions`` (same rows, same order) with ``label`` and a boolean ``labelled``.

    Examples
    --------
    >>> import pandas as pd
    >>> preds = pd.DataFrame({"id": [1, 2, 3], "score": [0.9, 0.2, 0.6]})
    >>> labels = pd.DataFrame({"id": [1, 3], "y": [True, False],
    ...                        "at": pd.to_datetime(["2024-01-05", "2024-02-01"])})
    >>> join_labels(preds, labels, on="id", label="y", label_time="at", as_of="2024-01-31")
       id  score      y  labelled
    0   1    0.9   True      True
    1   2    0.2   <NA>     False
    2   3    0.6   <NA>     False
    """
    check_frame("predictions", predictions, allow_empty_rows=True)
    check_frame("labels", labels, allow_empty_rows=True)
    for name, frame, column in (
        ("predictions", predictions, on),
        ("labels", labels, on),
        ("labels", labels, label),
    ):
        if column not in frame.columns:
            raise ValueError(f"{name} has no column {column!r}")
    if label in predictions.columns:
        raise ValueError(f"predictions already has a column {label!r}; rename it before joining")
    duplicated = labels[on].duplicated()
    if duplicated.any():
        raise ValueError(
            f"labels has {int(duplicated.sum())} duplicate id(s) in {on!r}; keep one label per id"
        )
    arrived = labels
    if label_time is not None and as_of is not None:
        if label_time not in labels.columns:
            raise ValueError(f"labels has no column {label_time!r}")
        arrived = labels[labels[label_time] <= pd.Timestamp(as_of)]
    joined = predictions.merge(
        arrived[[on, label]], on=on, how="left", validate="many_to_one", sort=False
    )
    joined.index = predictions.index
    joined[label] = (
        joined[label].astype("boolean") if _is_boolish(arrived[label]) else joined[label]
    )
    joined["labelled"] = joined[label].notna().to_numpy()
    return joined


def _is_boolish(series: pd.Series) -> bool:
    return pd.api.types.is_bool_dtype(series.dtype)
