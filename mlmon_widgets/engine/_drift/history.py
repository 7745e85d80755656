"""Drift over windows of production rows that keep arriving: what a live drift view holds.

:class:`DriftHistory` keeps the baseline, the rows in windows (:class:`LiveWindows`) and the
statistics of every window; an append computes only the windows the new rows touch. It
judges with :func:`severity_codes` (the function :func:`classify` and ``mlmon check`` use),
lays the judged table out as windows x features grids, explains one cell
(:func:`cell_detail`) and gives the reference chunks its false alarms are counted on.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._data.live import LiveWindows, WindowUpdate
from .._vocabulary import COLOUR_BY, DEFAULT_GATE, METRIC_COLUMNS, NEGLOG10P, SEVERITIES
from .baseline import Baseline
from .detail import cell_detail
from .seasonal import phase_codes
from .seasonality import detect_seasonality
from .severity import classify, gated_pvalues, severity_codes
from .tables import MAX_CATEGORIES, MIN_ROWS, window_statistics
from .thresholds import reference_chunks

#: A cell without statistics (a window before a feature existed) in a severity grid.
NO_DATA = 255
#: The grids a drift view colours by (besides severity codes): effect metrics and -log10 p.
GRID_COLUMNS = tuple(METRIC_COLUMNS.get(c, c) for c in COLOUR_BY[1:])


class DriftHistory:
    """Statistics of every window of production against a baseline, growing by appends.

    Parameters
    ----------
    baseline : Baseline
        The reference summary (with its data for distributions and reference chunks).
    production : pandas.DataFrame or None
        The first rows (None: a history read from a drift table, see :meth:`from_table`).
    time, window, rows
        Tumbling windows, as in :func:`drift_over_time`.
    min_rows, max_categories, features
        As in :func:`drift_over_time`.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> baseline = Baseline.fit(pd.DataFrame({"x": rng.normal(size=2000)}))
    >>> history = DriftHistory(baseline, pd.DataFrame({"x": rng.normal(size=300)}), rows=100)
    >>> history.n_windows, history.append(pd.DataFrame({"x": rng.normal(size=100)})).first
    (3, 2)
    >>> _, codes = history.judge()
    >>> [SEVERITIES[c] for c in codes]
    ['ok', 'ok', 'ok', 'ok']
    """

    def __init__(
        self,
        baseline: Baseline | None,
        production: pd.DataFrame | None,
        *,
        time: str | None = None,
        window: Any = None,
        rows: int | None = None,
        min_rows: int = MIN_ROWS,
        max_categories: int = MAX_CATEGORIES,
        features: Sequence[str] | None = None,
    ) -> None:
        self.baseline = baseline
        self.spec = {"time": time, "window": window, "rows": rows}
        self.limits = {"min_rows": min_rows, "max_categories": max_categories, "features": features}
        self.live: LiveWindows | None = None
        if production is not None:
            self.live = LiveWindows(production, **self.spec)
            self._compute(self.live.everything())

    @classmethod
    def from_table(cls, table: pd.DataFrame) -> DriftHistory:
        """A history of a :func:`drift_over_time` result (no rows: no appends, no distributions)."""
        history = cls(None, None)
        history.stats = table.drop(columns=["window_start", "window_end"]).sort_values(
            "window", kind="stable", ignore_index=True
        )
        first = table.drop_duplicates("window").sort_values("window")
        history.labels = (first["window_start"].to_numpy(), first["window_end"].to_numpy())
        return history

    # ------------------------------------------------------------------ windows
    @property
    def n_windows(self) -> int:
        """Windows so far."""
        return len(self.labels[0])

    @property
    def kinds(self) -> dict[str, str]:
        """Feature -> kind, in the order of the statistics."""
        first = self.stats.drop_duplicates("feature")
        return dict(zip(first["feature"], first["kind"].astype(str), strict=True))

    def _compute(self, update: WindowUpdate) -> None:
        stats = window_statistics(self.baseline, update.rows, update.windows, **self.limits)
        stats = stats.sort_values("window", kind="stable", ignore_index=True)
        stats["window"] += update.first
        if update.reset or update.first == 0:
            self.stats = stats
        else:
            kept = self.stats.iloc[: self._row_of_window(update.first)]
            self.stats = pd.concat([kept, stats], ignore_index=True)
        self.labels = self.live.labels  # type: ignore[union-attr]

    def append(self, rows: pd.DataFrame) -> WindowUpdate | None:
        """Add production rows; the windows they changed (statistics computed for those)."""
        if self.live is None:
            raise TypeError("append needs a history built from data; from_table is static")
        update = self.live.append(rows)
        if update is not None:
            self._compute(update)
        return update

    def _row_of_window(self, window: int) -> int:
        """First statistics row of ``window`` (the statistics are sorted by window)."""
        return int(np.searchsorted(self.stats["window"].to_numpy(), window, side="left"))

    # ------------------------------------------------------------------ judgement
    def judge(
        self,
        *,
        alpha: float = 0.01,
        correction: str = "fdr_bh",
        thresholds: Any = None,
        gate: str = DEFAULT_GATE,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Corrected p-values and severity codes of every row (:func:`severity_codes`)."""
        return severity_codes(
            self.stats, alpha=alpha, correction=correction, thresholds=thresholds, gate=gate
        )

    def table(self, **rules: Any) -> pd.DataFrame:
        """The drift table (:func:`classify` with ``rules``) with window starts and ends."""
        table = classify(self.stats, **rules)
        starts, ends = self.labels
        table.insert(1, "window_start", starts[table["window"].to_numpy()])
        table.insert(2, "window_end", ends[table["window"].to_numpy()])
        return table.sort_values("window", kind="stable").reset_index(drop=True)

    def grids(
        self,
        codes: np.ndarray,
        features: Sequence[str],
        first: int = 0,
        until: int | None = None,
        gate: str = DEFAULT_GATE,
    ) -> dict[str, np.ndarray]:
        """Windows x features arrays of windows ``first..until``: severity codes and metrics.

        ``severity`` holds codes into ``SEVERITIES`` (:data:`NO_DATA` where a feature has no
        statistics), the others float32 values; ``neglog10p`` is ``-log10 p`` (at most 300).
        """
        until = self.n_windows if until is None else until
        lo, hi = self._row_of_window(first), self._row_of_window(until)
        part = self.stats.iloc[lo:hi]
        w = part["window"].to_numpy() - first
        f = pd.Categorical(part["feature"], categories=list(features)).codes
        shape = (until - first, len(features))
        out = {"severity": np.full(shape, NO_DATA, dtype=np.uint8)}
        out["severity"][w, f] = codes[lo:hi]
        for column in GRID_COLUMNS:
            grid = np.full(shape, np.nan, dtype=np.float32)
            if column == NEGLOG10P:
                with np.errstate(divide="ignore"):
                    values = np.minimum(-np.log10(gated_pvalues(part, gate)), 300.0)
            elif column in part:
                values = part[column].to_numpy(dtype=float)
            else:  # a table from before the metric existed
                values = np.nan
            grid[w, f] = values
            out[column] = grid
        return out

    def detail(
        self,
        feature: str,
        window: int,
        p_adjusted: np.ndarray,
        codes: np.ndarray,
        *,
        alpha: float,
        thresholds: Any,
        gate: str = DEFAULT_GATE,
    ) -> dict[str, Any] | None:
        """:func:`cell_detail` of one cell (None when the feature has no statistics there)."""
        lo, hi = self._row_of_window(window), self._row_of_window(window + 1)
        match = np.flatnonzero(self.stats["feature"].iloc[lo:hi].to_numpy() == feature)
        if not len(match):
            return None
        i = lo + int(match[0])
        values, summary = None, None
        if self.live is not None and self.baseline is not None:
            rows = self.live.window_rows(window)
            values = rows[feature] if feature in rows.columns else None
            summary = self._phase_summary(feature, rows)
        return cell_detail(
            self.stats.iloc[i],
            p_adjusted=float(p_adjusted[i]),
            severity=SEVERITIES[codes[i]],
            alpha=alpha,
            thresholds=thresholds,
            baseline=self.baseline,
            values=values,
            gate=gate,
            summary=summary,
        )

    def _phase_summary(self, feature: str, rows: pd.DataFrame) -> Any:
        """What a seasonal feature's window was compared with (None: the whole reference)."""
        seasonal = self.baseline.seasonal if self.baseline is not None else None
        if seasonal is None or feature not in seasonal.features or seasonal.time not in rows:
            return None
        codes = phase_codes(rows[seasonal.time], seasonal.seasonality, seasonal.timezone)
        counts = np.bincount(codes[codes >= 0], minlength=len(seasonal.phases))
        if not counts.any():
            return None
        whole = self.baseline.features[feature]
        return seasonal.summary(feature, counts, whole, self.baseline.fit_mixture)

    # ------------------------------------------------------------------ seasonality
    def seasonality_hints(self, seasonality: str) -> dict[str, str]:
        """Features whose reference follows ``seasonality``: feature -> why.

        Empty without the reference data or its time column; see :func:`detect_seasonality`.
        """
        time = self.spec["time"]
        reference = None if self.baseline is None else self.baseline._reference
        if reference is None or time is None or time not in reference.columns:
            return {}
        names = [n for n in self.kinds if n in reference.columns]
        found = detect_seasonality(reference, time=time, features=names, roles=self.baseline.roles)
        wanted = found["suggested"].map(
            lambda s: s is not None and (s == seasonality or seasonality in s.split("-"))
        )
        return {str(f): str(r) for f, r in found.loc[wanted, "reason"].items()}

    def with_seasonal(self, features: Sequence[str], seasonality: str) -> DriftHistory:
        """The same rows and windows, ``features`` compared by phase (all windows recomputed)."""
        if self.baseline is None or self.live is None:
            raise TypeError("seasonal features need a history built from data")
        baseline = self.baseline.with_seasonality(
            list(features), seasonality=seasonality, time=self.spec["time"]
        )
        return DriftHistory(baseline, self.live.frame, **self.spec, **self.limits)

    def reference_chunks(self) -> pd.DataFrame | None:
        """Statistics of reference chunks the size of a window (None without the reference)."""
        if self.baseline is None or self.baseline._reference is None or self.live is None:
            return None
        sizes = self.live.ends - self.live.starts
        rows = int(np.median(sizes[sizes > 0])) if (sizes > 0).any() else None
        return reference_chunks(
            self.baseline,
            self.baseline._reference,
            time=self.spec["time"],
            window=self.spec["window"],
            rows=rows,  # when the reference has no time column: chunks of a window's rows
            **self.limits,
        )
