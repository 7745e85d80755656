"""What a set of drift rules would have raised: alerts over the history, false alarms on chunks.

The severities come from :func:`severity_codes`, the judgement :func:`classify` and
``mlmon check`` use; the false-alarm rate is the share of reference chunks (the size of a
production window, compared with the whole reference) that the same rules would flag.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._vocabulary import (
    ALERT_LEVELS,
    CRITICAL,
    DEFAULT_GATE,
    JS,
    METRIC_COLUMNS,
    PSI,
    SEVERITIES,
    SEVERITY_RANK,
    WARNING,
    WASSERSTEIN,
)
from .severity import severity_codes

_ALERT_CODES = [SEVERITIES.index(level) for level in ALERT_LEVELS]
#: The effect metrics a "largest effect" ordering compares (one scale of about 0 to 1).
EFFECT_COLUMNS = [METRIC_COLUMNS[m] for m in (PSI, JS, WASSERSTEIN)]


@dataclass(frozen=True, eq=False)
class Backtest:
    """Alerts per feature over the shown windows and the false-alarm rate on reference chunks.

    Attributes
    ----------
    windows : int
        Windows of the history.
    features : pandas.DataFrame
        Indexed by feature: ``warning`` and ``critical`` (windows at that severity),
        ``false_alarm`` (share of tested reference chunks that would alert; NaN without
        chunks).
    false_alarm : float or None
        Share of all tested reference chunks that would alert (None without chunks).
    chunks : int or None
        Reference chunks (None without chunks).
    """

    windows: int
    features: pd.DataFrame = field(repr=False)
    false_alarm: float | None
    chunks: int | None

    def to_dict(self) -> dict[str, Any]:
        """Plain data: totals, and per feature the counts and the false-alarm rate."""
        return {
            "windows": self.windows,
            WARNING: int(self.features[WARNING].sum()),
            CRITICAL: int(self.features[CRITICAL].sum()),
            "false_alarm": self.false_alarm,
            "chunks": self.chunks,
            "features": {
                str(name): {
                    WARNING: int(row[WARNING]),
                    CRITICAL: int(row[CRITICAL]),
                    "false_alarm": float(row["false_alarm"]),
                }
                for name, row in self.features.iterrows()
            },
        }


def _false_alarms(
    chunks: pd.DataFrame, names: list[str], options: Mapping[str, Any]
) -> tuple[np.ndarray, float | None]:
    _, codes = severity_codes(chunks, **options)
    usable = ~chunks["insufficient"].to_numpy(dtype=bool)
    alerts = np.isin(codes, _ALERT_CODES)
    rows = pd.Categorical(chunks["feature"], categories=names).codes
    tested = np.bincount(rows[usable & (rows >= 0)], minlength=len(names))
    hits = np.bincount(rows[usable & alerts & (rows >= 0)], minlength=len(names))
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(tested > 0, hits / tested, np.nan)
    overall = float(hits.sum() / tested.sum()) if tested.sum() else None
    return rate, overall


def backtest(
    stats: pd.DataFrame,
    *,
    alpha: float = 0.01,
    correction: str = "fdr_bh",
    thresholds: Any = None,
    chunks: pd.DataFrame | None = None,
    gate: str = DEFAULT_GATE,
    features: Sequence[str] | None = None,
    codes: np.ndarray | None = None,
) -> Backtest:
    """Alerts the rules raise over ``stats`` and their false-alarm rate on reference chunks.

    Parameters
    ----------
    stats : pandas.DataFrame
        :func:`window_statistics` of the history (one row per window x feature).
    alpha, correction, thresholds, gate
        The rules, as in :func:`classify`.
    chunks : pandas.DataFrame, optional
        :func:`window_statistics` of the reference cut into chunks the size of a window.
    features : sequence of str, optional
        The features, in the order to report them (default: as in ``stats``).
    codes : numpy.ndarray, optional
        ``severity_codes(stats, ...)`` when the caller has them already.

    Returns
    -------
    Backtest

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from mlmon_widgets.engine import Baseline, make_windows, window_statistics
    >>> rng = np.random.default_rng(0)
    >>> ref = pd.DataFrame({"x": rng.normal(size=4000)})
    >>> prod = pd.DataFrame({"x": np.r_[rng.normal(size=600), rng.normal(1, 1, 400)]})
    >>> baseline = Baseline.fit(ref)
    >>> stats = window_statistics(baseline, prod, make_windows(prod, rows=200))
    >>> chunks = window_statistics(baseline, ref, make_windows(ref, rows=200))
    >>> result = backtest(stats, chunks=chunks)
    >>> result.features[["warning", "critical", "false_alarm"]]
             warning  critical  false_alarm
    feature
    x              0         2          0.0
    """
    options = {"alpha": alpha, "correction": correction, "thresholds": thresholds, "gate": gate}
    names = list(features) if features is not None else list(dict.fromkeys(stats["feature"]))
    if codes is None:
        _, codes = severity_codes(stats, **options)
    rows = pd.Categorical(stats["feature"], categories=names).codes
    counts = {
        level: np.bincount(rows[(codes == code) & (rows >= 0)], minlength=len(names))
        for level, code in zip(ALERT_LEVELS, _ALERT_CODES, strict=True)
    }
    rate, overall = np.full(len(names), np.nan), None
    n_chunks = None
    if chunks is not None and len(chunks):
        rate, overall = _false_alarms(chunks, names, options)
        n_chunks = int(chunks["window"].nunique())
    table = pd.DataFrame({**counts, "false_alarm": rate}, index=pd.Index(names, name="feature"))
    n_windows = int(stats["window"].nunique()) if len(stats) else 0
    return Backtest(windows=n_windows, features=table, false_alarm=overall, chunks=n_chunks)


def feature_order(stats: pd.DataFrame, codes: np.ndarray) -> list[str]:
    """Features worst first: by worst severity, then alerts, then largest effect.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> stats = pd.DataFrame({"feature": ["a", "b", "a", "b"], "psi": [0.01, 0.3, 0.02, 0.4],
    ...                       "js": np.nan, "wasserstein": np.nan})
    >>> feature_order(stats, np.array([0, 2, 0, 1]))
    ['b', 'a']
    """
    rank = np.array([SEVERITY_RANK[s] for s in SEVERITIES])[codes]
    effect = stats[EFFECT_COLUMNS].max(axis=1, skipna=True).fillna(0).to_numpy()
    alert_rank = SEVERITY_RANK[WARNING]
    order = (
        pd.DataFrame({"feature": stats["feature"].to_numpy(), "rank": rank, "effect": effect})
        .groupby("feature", sort=False)
        .agg(
            rank=("rank", "max"),
            alerts=("rank", lambda r: int((r >= alert_rank).sum())),
            effect=("effect", "max"),
        )
        .sort_values(["rank", "alerts", "effect"], ascending=False, kind="stable")
    )
    return [str(f) for f in order.index]
