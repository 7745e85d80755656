"""The paired interval of every comparison row, at any confidence level.

``compare_models`` gives its intervals at the call's level; a promotion gate needs them at
a Bonferroni-adjusted level. Both come from here, from the columns of the comparison alone,
so the widget, :func:`promotion_verdict` and ``mlmon check`` agree to the last digit:

- ``accuracy`` and ``positive_rate`` (0/1 outcomes of the same rows): Newcombe's
  square-and-add interval from the paired table (``n_labelled`` or ``n``, the two
  proportions and the discordant counts ``live_only`` / ``shadow_only``);
- ``agreement``: the Wilson interval of the share;
- ``score_ks``: none (a distance, tested by its p-value only);
- everything else: ``difference -/+ z * std_error`` (DeLong's SE for ROC AUC, the paired
  bootstrap's for the rest).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._vocabulary import ACCURACY, AGREEMENT, POSITIVE_RATE, SCORE_KS
from .paired import newcombe_interval, wilson_share, z_value

#: Metrics whose interval is Newcombe's paired interval.
NEWCOMBE = (ACCURACY, POSITIVE_RATE)


def paired_table(row: pd.Series | dict) -> tuple[int, int, int, int] | None:
    """(both, shadow_only, live_only, neither) of a Newcombe row, or None if incomplete."""
    n = row["n_labelled"] if row["metric"] == ACCURACY else row["n"]
    values = (n, row["live"], row["shadow"], row["live_only"], row["shadow_only"])
    if any(pd.isna(v) for v in values):
        return None
    n, live_only, shadow_only = int(n), int(row["live_only"]), int(row["shadow_only"])
    both = round(row["live"] * n) - live_only
    neither = n - both - live_only - shadow_only
    if both < 0 or neither < 0:
        return None
    return both, shadow_only, live_only, neither


def intervals_at(
    table: pd.DataFrame, confidence: float | np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Paired intervals ``(low, high)`` of every row of a comparison at ``confidence``.

    ``confidence`` is one level or one per row.
    """
    n = len(table)
    level = np.broadcast_to(np.asarray(confidence, dtype=float), (n,))
    low, high = np.full(n, np.nan), np.full(n, np.nan)
    metric = table["metric"].to_numpy()
    diff = table["difference"].to_numpy(dtype=float)
    se = table["std_error"].to_numpy(dtype=float)
    z = np.array([z_value(c) for c in level]) if n else np.empty(0)
    normal = ~np.isin(metric, (*NEWCOMBE, AGREEMENT, SCORE_KS))
    low[normal] = diff[normal] - z[normal] * se[normal]
    high[normal] = diff[normal] + z[normal] * se[normal]
    records = table.to_dict("records")
    for i in np.flatnonzero(np.isin(metric, NEWCOMBE)):
        counts = paired_table(records[i])
        if counts is not None:
            low[i], high[i] = newcombe_interval(*counts, confidence=float(level[i]))
    for i in np.flatnonzero(metric == AGREEMENT):
        k, total = records[i]["difference"], records[i]["n"]
        if not (pd.isna(k) or pd.isna(total)) and total > 0:
            _, low[i], high[i] = wilson_share(round(k * total), int(total), float(level[i]))
    return low, high
