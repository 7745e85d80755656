"""DriftHeatmap: features x windows coloured by severity or by a drift metric."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import traitlets
from pandas.tseries.frequencies import to_offset

from ..engine import (
    Baseline,
    Rule,
    Windows,
    classify,
    feature_detail,
    make_windows,
    severity_codes,
    thresholds_from_chunks,
    window_statistics,
)
from ..engine._drift import MAX_CATEGORIES, MIN_ROWS
from ..engine._rules import DEFAULT_THRESHOLDS, resolve_rules
from ..engine._severity import CORRECTIONS, SEVERITIES
from ..engine._validation import check_frame, check_option, check_probability
from ..engine._windows import _calendar
from ._base import MlmonWidget, reports_errors
from ._grid import window_grid
from ._labels import window_labels as _labels
from ._serialize import pack, plain

METRICS = ("severity", "psi", "js", "wasserstein", "neglog10p")
#: Value at the top of each metric's colour scale (twice the default critical threshold).
SCALE = {"psi": 0.5, "js": 0.4, "wasserstein": 0.5, "neglog10p": 20.0}
NO_DATA = 255
_CODES = {s: i for i, s in enumerate(SEVERITIES)}
_RANK = {"critical": 4, "warning": 3, "off": 1, "insufficient_data": 1, "ok": 0}


class DriftHeatmap(MlmonWidget):
    """A live heatmap of drift: rows are features, columns are windows.

    Rows are sorted by worst severity, then by effect; cells are coloured by severity or by
    a metric (``'psi'``, ``'js'``, ``'wasserstein'``, ``'neglog10p'``); windows with too few
    rows are hatched. Clicking a cell opens a detail pane (distributions, the metric over
    all windows with its thresholds, the numbers) and sets :attr:`selected`, which a
    notebook cell can observe. :meth:`append` adds production rows and updates only the
    windows they touch.

    Parameters
    ----------
    reference : pandas.DataFrame or Baseline
        Reference data (or a fitted :class:`~mlmon_widgets.Baseline` that keeps its data).
    production : pandas.DataFrame
        Logged production data.
    time, window, rows
        Windows as in :func:`~mlmon_widgets.drift_over_time` (tumbling windows).
    roles, alpha, correction, thresholds, min_rows, max_categories, features
        As in :func:`~mlmon_widgets.drift_over_time`.
    metric : {'severity', 'psi', 'js', 'wasserstein', 'neglog10p'}, default 'severity'
        What colours the cells.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> ref = pd.DataFrame({"x": rng.normal(size=2000)})
    >>> prod = pd.DataFrame({"ts": pd.date_range("2024-01-01", periods=3000, freq="h"),
    ...                      "x": rng.normal(size=3000)})
    >>> heatmap = DriftHeatmap(ref, prod, time="ts", window="7D")
    >>> heatmap.table.shape[0], heatmap.selected
    (18, None)
    """

    _bundle = "heatmap.js"

    metric = traitlets.Unicode("severity").tag(sync=True)
    filter = traitlets.Unicode("").tag(sync=True)
    selected = traitlets.Dict(allow_none=True, default_value=None).tag(sync=True)
    _rows = traitlets.List(traitlets.Unicode()).tag(sync=True)
    _windows = traitlets.Dict().tag(sync=True)
    _cells = traitlets.Dict().tag(sync=True)
    _scale = traitlets.Dict().tag(sync=True)
    _detail = traitlets.Dict().tag(sync=True)
    thresholds = traitlets.Dict().tag(sync=True)
    alpha = traitlets.Float(0.01).tag(sync=True)
    correction = traitlets.Unicode("fdr_bh").tag(sync=True)
    _backtest = traitlets.Dict().tag(sync=True)

    def __init__(
        self,
        reference: pd.DataFrame | Baseline | None = None,
        production: pd.DataFrame | None = None,
        *,
        time: str | None = None,
        window: object | None = None,
        rows: int | None = None,
        roles: Mapping[str, str] | None = None,
        alpha: float = 0.01,
        correction: str = "fdr_bh",
        thresholds: Mapping[str, Any] | None = None,
        min_rows: int = MIN_ROWS,
        max_categories: int = MAX_CATEGORIES,
        features: Sequence[str] | None = None,
        metric: str = "severity",
        **kwargs: Any,
    ) -> None:
        super().__init__(metric=metric, alpha=alpha, correction=correction, **kwargs)
        self._pending_thresholds = dict(thresholds or {})
        self._chunk_stats: pd.DataFrame | None = None
        self.on_msg(self._on_front_end_message)
        self._limits = {
            "min_rows": min_rows,
            "max_categories": max_categories,
            "features": features,
        }
        self._baseline: Baseline | None = None
        self._chunks: list[pd.DataFrame] = []
        if reference is None and production is None:
            return  # from_frame fills the state
        if reference is None or production is None:
            raise TypeError("DriftHeatmap needs both reference and production (or use from_frame)")
        check_frame("production", production, allow_empty_rows=True)
        if isinstance(reference, Baseline):
            if not reference.exact:
                raise ValueError("DriftHeatmap needs a Baseline fitted with keep_reference=True")
            self._baseline = reference
        else:
            self._baseline = Baseline.fit(reference, roles=roles)
        self._spec = {"time": time, "window": window, "rows": rows}
        self._compute_all(production)
        self._reference = reference if isinstance(reference, pd.DataFrame) else reference._reference
        self._start()

    def _start(self) -> None:
        """Once the statistics exist: rules, severities, row order, backtest, first render."""
        first = self._stats.drop_duplicates("feature")
        self._kinds = dict(zip(first["feature"], first["kind"].astype(str), strict=True))
        self.thresholds = self._pending_thresholds  # validated against the features now
        self._classify()
        self._rows = self._row_order()
        self._chunk_stats = self._reference_chunks()
        self._false_alarm_cache = None
        self._update_backtest()
        self._publish()
        self._ready = True

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_frame(
        cls, table: pd.DataFrame, *, metric: str = "severity", **kwargs: Any
    ) -> DriftHeatmap:
        """A heatmap of a :func:`~mlmon_widgets.drift_over_time` result.

        Without the raw data the detail pane shows the numbers and the metric over time but
        no distributions, and :meth:`append` is not available.
        """
        required = {"window", "window_start", "window_end", "feature", "severity", "psi"}
        missing = sorted(required - set(table.columns))
        if missing:
            raise ValueError(
                f"table lacks column(s) {missing}; pass the result of drift_over_time()"
            )
        widget = cls(metric=metric, **kwargs)
        widget._spec = None
        widget._stats = table.drop(columns=["window_start", "window_end"]).sort_values(
            "window", kind="stable", ignore_index=True
        )
        first = table.drop_duplicates("window").sort_values("window")
        widget._window_labels = (first["window_start"].to_numpy(), first["window_end"].to_numpy())
        widget._start()
        return widget

    def _time_sorted(self, frame: pd.DataFrame) -> pd.DataFrame:
        time = self._spec["time"]
        if time is None:
            return frame.reset_index(drop=True)
        return frame.sort_values(time, kind="stable").reset_index(drop=True)

    # ------------------------------------------------------------------ state
    @property
    def table(self) -> pd.DataFrame:
        """The drift table behind the view (one row per window x feature), with reasons."""
        table = classify(self._stats, **self._options)
        starts, ends = self._window_labels
        table.insert(1, "window_start", starts[table["window"].to_numpy()])
        table.insert(2, "window_end", ends[table["window"].to_numpy()])
        return table.sort_values("window", kind="stable").reset_index(drop=True)

    @property
    def _options(self) -> dict[str, Any]:
        return {
            "alpha": self.alpha,
            "correction": self.correction,
            "thresholds": self.thresholds or None,
        }

    def _feature_codes(self) -> np.ndarray:
        """Row (display position) of every statistics row's feature, cached per table."""
        cached = getattr(self, "_codes_cache", None)
        if cached is None or cached[0] is not self._stats:
            codes = pd.Categorical(self._stats["feature"], categories=self._rows).codes
            cached = (self._stats, codes)
            self._codes_cache = cached
        return cached[1]

    def _classify(self) -> None:
        self._p_adjusted, self._codes = severity_codes(self._stats, **self._options)

    def _row_order(self) -> list[str]:
        t = self._stats
        rank = np.array([_RANK[s] for s in SEVERITIES])[self._codes]
        effect = t[["psi", "js", "wasserstein"]].max(axis=1, skipna=True).fillna(0).to_numpy()
        order = (
            pd.DataFrame({"feature": t["feature"].to_numpy(), "rank": rank, "effect": effect})
            .groupby("feature", sort=False)
            .agg(
                rank=("rank", "max"),
                alerts=("rank", lambda r: int((r >= 3).sum())),
                effect=("effect", "max"),
            )
            .sort_values(["rank", "alerts", "effect"], ascending=False, kind="stable")
        )
        return [str(f) for f in order.index]

    @staticmethod
    def _row_of_window(table: pd.DataFrame, window: int) -> int:
        """First row of ``window`` in a table sorted by window."""
        return int(np.searchsorted(table["window"].to_numpy(), window, side="left"))

    def _matrices(
        self, first: int, n_windows: int, *, until: int | None = None, only_severity: bool = False
    ) -> dict[str, np.ndarray]:
        """Window-major (windows x features) arrays of each metric for windows first..until."""
        until = n_windows if until is None else until
        lo = self._row_of_window(self._stats, first)
        hi = self._row_of_window(self._stats, until)
        part = self._stats.iloc[lo:hi]
        w = part["window"].to_numpy() - first
        f = self._feature_codes()[lo:hi]
        shape = (until - first, len(self._rows))
        codes = np.full(shape, NO_DATA, dtype=np.uint8)
        codes[w, f] = self._codes[lo:hi]
        if only_severity:
            return {"severity": codes}
        out = {}
        for metric in ("psi", "js", "wasserstein"):
            grid = np.full(shape, np.nan, dtype=np.float32)
            grid[w, f] = part[metric].to_numpy(dtype=float)
            out[metric] = grid
        with np.errstate(divide="ignore"):
            p = part["p_value"].to_numpy(dtype=float)
            grid = np.full(shape, np.nan, dtype=np.float32)
            grid[w, f] = np.minimum(-np.log10(p), 300.0)
        out["neglog10p"] = grid
        out["severity"] = codes
        return out

    def _n_windows(self) -> int:
        return len(self._window_labels[0])

    def _publish(self) -> None:
        """Send the whole state (first render)."""
        n = self._n_windows()
        cells: dict[str, Any] = {"shape": [n, len(self._rows)]}
        self._grids = self._matrices(0, n)
        for name, grid in self._grids.items():
            cells[name] = pack(grid)
        with self.hold_sync():
            self._windows = _labels(*self._window_labels)
            self._scale = dict(SCALE)
            self._cells = cells

    # ------------------------------------------------------------------ validation
    @traitlets.validate("thresholds")
    def _check_thresholds(self, proposal: Any) -> dict[str, Any]:
        value = dict(proposal["value"] or {})
        kinds = getattr(self, "_kinds", None)
        if kinds is None:  # no data yet: validated when it arrives
            return value
        try:
            rules = resolve_rules(value, kinds)
        except (TypeError, ValueError) as err:
            raise traitlets.TraitError(str(err)) from None
        return {f: ("off" if r.is_off else r.to_dict()) for f, r in rules.items()}

    @traitlets.validate("alpha")
    def _check_alpha(self, proposal: Any) -> float:
        try:
            return check_probability("alpha", proposal["value"])
        except (TypeError, ValueError) as err:
            raise traitlets.TraitError(str(err)) from None

    @traitlets.validate("correction")
    def _check_correction(self, proposal: Any) -> str:
        try:
            return check_option("correction", proposal["value"], CORRECTIONS)
        except ValueError as err:
            raise traitlets.TraitError(str(err)) from None

    @traitlets.observe("thresholds", "alpha", "correction")
    @reports_errors("recounting the alerts")
    def _on_rules(self, change: Any) -> None:
        if not getattr(self, "_ready", False):
            return
        old_codes = self._grids["severity"]
        self._classify()
        self._send_changes(self._n_windows(), old_codes)
        self._update_backtest()
        self._refresh_detail()

    # ------------------------------------------------------------------ backtest
    def _reference_chunks(self) -> pd.DataFrame | None:
        """Statistics of reference chunks the size of a production window (computed once)."""
        reference = getattr(self, "_reference", None)
        if reference is None or self._baseline is None:
            return None
        time, window = self._spec["time"], self._spec["window"]
        if time is not None and window is not None and time in reference.columns:
            chunks = make_windows(reference, time=time, window=window)
        else:
            sizes = (self._ends - self._starts)[self._ends > self._starts]
            if not len(sizes):
                return None
            chunks = make_windows(reference, rows=max(int(np.median(sizes)), 1))
        if len(chunks) < 2:
            return None
        return window_statistics(self._baseline, reference, chunks, **self._limits)

    def _update_backtest(self) -> None:
        """Alerts per severity over the shown history, per feature, and the false-alarm rate."""
        rows = self._feature_codes()
        n = len(self._rows)
        warning = np.bincount(rows[self._codes == 1], minlength=n)
        critical = np.bincount(rows[self._codes == 2], minlength=n)
        false_alarm, overall = self._false_alarms()
        self._backtest = plain(
            {
                "windows": self._n_windows(),
                "warning": int(warning.sum()),
                "critical": int(critical.sum()),
                "false_alarm": overall,
                "chunks": None
                if self._chunk_stats is None
                else int(self._chunk_stats["window"].nunique()),
                "features": {
                    f: {
                        "warning": int(warning[i]),
                        "critical": int(critical[i]),
                        "false_alarm": float(false_alarm[i]),
                    }
                    for i, f in enumerate(self._rows)
                },
            }
        )

    def _false_alarms(self) -> tuple[np.ndarray, float | None]:
        """Share of reference chunks that would alert, per feature and overall (cached)."""
        key = (self.alpha, self.correction, repr(sorted(self.thresholds.items())))
        cached = getattr(self, "_false_alarm_cache", None)
        if cached is not None and cached[0] == key:
            return cached[1]
        n = len(self._rows)
        false_alarm = np.full(n, np.nan)
        overall = None
        if self._chunk_stats is not None and len(self._chunk_stats):
            _, codes = severity_codes(self._chunk_stats, **self._options)
            usable = ~self._chunk_stats["insufficient"].to_numpy(dtype=bool)
            alerts = (codes == 1) | (codes == 2)
            chunk_rows = pd.Categorical(self._chunk_stats["feature"], categories=self._rows).codes
            tested = np.bincount(chunk_rows[usable], minlength=n)
            hits = np.bincount(chunk_rows[usable & alerts], minlength=n)
            with np.errstate(invalid="ignore", divide="ignore"):
                false_alarm = np.where(tested > 0, hits / tested, np.nan)
            overall = float(hits.sum() / tested.sum()) if tested.sum() else None
        self._false_alarm_cache = (key, (false_alarm, overall))
        return false_alarm, overall

    def suggest_thresholds(
        self, features: Sequence[str] | None = None, *, metric: str = "psi", method: str = "sigma"
    ) -> pd.DataFrame:
        """Set thresholds from the metric's spread over reference chunks ("suggest from history").

        Uses :func:`~mlmon_widgets.thresholds_from_chunks` on chunks the size of a production
        window (computed once); the view recolours and the backtest updates at once.

        Parameters
        ----------
        features : list of str, optional
            Features to set (default: all).
        metric, method
            As in :func:`~mlmon_widgets.suggest_thresholds`.

        Returns
        -------
        pandas.DataFrame
            The suggestions, with the false-alarm rates they imply on the chunks.
        """
        if self._chunk_stats is None:
            raise ValueError(
                "suggestions need the reference data in chunks of at least two production "
                "windows; build the heatmap from a reference DataFrame with enough rows"
            )
        chunks = self._chunk_stats
        if features is not None:
            unknown = sorted(set(features) - set(self._rows))
            if unknown:
                raise ValueError(f"features {unknown} are not in this heatmap")
            chunks = chunks[chunks["feature"].isin(list(features))]
        suggestions = thresholds_from_chunks(
            chunks, metric=metric, method=method, alpha=self.alpha, correction=self.correction
        )
        rules = dict(self.thresholds)
        for name, row in suggestions.iterrows():
            rules[str(name)] = {
                "metric": row["metric"],
                "warning": float(row["warning"]),
                "critical": float(row["critical"]),
            }
        self.thresholds = rules
        return suggestions

    def to_config(
        self, *, model: str = "model", version: str = "", note: str = "", **options: Any
    ) -> Any:
        """The monitoring config of this view: baseline, window, thresholds, alpha, correction.

        Production runs it unchanged with ``mlmon check`` (or
        :func:`mlmon_widgets.config.evaluate`).

        Parameters
        ----------
        model, version, note : str
            What the config is for.
        **options
            Other :class:`~mlmon_widgets.config.MonitoringConfig` fields (``routing``,
            ``suppressions``, ``persistence``, ``quality``, ``alert_levels``, ...).

        Returns
        -------
        MonitoringConfig
        """
        from ..config import MonitoringConfig

        if self._baseline is None or self._spec is None:
            raise TypeError("to_config needs a heatmap built from data (it exports the baseline)")
        window = self._spec["window"]
        if window is not None and not isinstance(window, str):
            window = pd.tseries.frequencies.to_offset(window).freqstr
        return MonitoringConfig.from_baseline(
            self._baseline,
            model=model,
            version=version,
            note=note,
            time=self._spec["time"],
            window=window,
            rows=self._spec["rows"],
            **window_grid(self._anchor if self._spec["rows"] is None else None),
            rules=dict(self.thresholds),
            alpha=self.alpha,
            correction=self.correction,
            min_rows=self._limits["min_rows"],
            **options,
        )

    @reports_errors("suggesting thresholds")
    def _on_front_end_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "suggest":
            feature = content.get("feature")
            metric = content.get("metric") or "psi"
            self.suggest_thresholds(None if feature is None else [feature], metric=metric)

    @traitlets.validate("metric")
    def _check_metric(self, proposal: Any) -> str:
        value = proposal["value"]
        if value not in METRICS:
            shown = ", ".join(repr(m) for m in METRICS)
            raise traitlets.TraitError(f"metric must be one of: {{{shown}}}; got {value!r}")
        return value

    @traitlets.validate("selected")
    def _check_selected(self, proposal: Any) -> dict | None:
        value = proposal["value"]
        if value is None:
            return None
        feature, window = value.get("feature"), value.get("window")
        if feature not in self._rows:
            raise traitlets.TraitError(f"selected feature {feature!r} is not in this heatmap")
        if not isinstance(window, int) or not 0 <= window < self._n_windows():
            raise traitlets.TraitError(
                f"selected window must be an integer in [0, {self._n_windows()}); got {window!r}"
            )
        return {"feature": feature, "window": window, "label": self._windows["label"][window]}

    @traitlets.observe("selected")
    @reports_errors("showing the selected cell")
    def _on_select(self, change: Any) -> None:
        value = change["new"]
        self._detail = (
            {} if value is None else plain(self._detail_for(value["feature"], value["window"]))
        )

    # ------------------------------------------------------------------ detail pane
    def _rows_between(self, start: int, end: int) -> pd.DataFrame:
        """Rows ``start:end`` (positions in time order) across the stored chunks."""
        parts, offset = [], 0
        for chunk in self._chunks:
            lo, hi = max(start - offset, 0), min(end - offset, len(chunk))
            if lo < hi:
                parts.append(chunk.iloc[lo:hi])
            offset += len(chunk)
        if not parts:
            return self._chunks[0].iloc[:0]
        return parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)

    def _rows_of_window(self, window: int) -> pd.DataFrame:
        return self._rows_between(int(self._starts[window]), int(self._ends[window]))

    def _thresholds_of(self, feature: str, kind: str) -> dict[str, list[float | None]]:
        rules = (
            resolve_rules(self._options["thresholds"], {feature: kind})
            if self._options["thresholds"] and feature in self._options["thresholds"]
            else {}
        )
        limits: dict[str, list[float | None]] = {}
        rule: Rule | None = rules.get(feature)
        if rule is not None and not rule.is_off:
            limits[{"ks": "statistic"}.get(rule.metric, rule.metric)] = [
                rule.warning,
                rule.critical,
            ]
        elif rule is None:
            for metric, (warning, critical) in DEFAULT_THRESHOLDS[kind].items():
                limits[metric] = [warning, critical]
        limits["neglog10p"] = [-math.log10(self._options["alpha"]), None]
        return limits

    def _detail_for(self, feature: str, window: int) -> dict[str, Any]:
        table = self._stats
        lo = self._row_of_window(table, window)
        hi = self._row_of_window(table, window + 1)
        match = np.flatnonzero(table["feature"].iloc[lo:hi].to_numpy() == feature)
        if not len(match):
            return {
                "feature": feature,
                "window": window,
                "label": self._windows["label"][window],
                "severity": "no data",
                "reason": "no statistics for this window",
                "numbers": [],
            }
        row = table.iloc[[lo + int(match[0])]].assign(
            p_adjusted=self._p_adjusted[lo + int(match[0])],
            severity=SEVERITIES[self._codes[lo + int(match[0])]],
        )
        # The reason of this row alone: its p-value already corrected across the whole view.
        rules = {k: v for k, v in (self._options["thresholds"] or {}).items() if k == feature}
        explained = classify(
            row.assign(p_value=row["p_adjusted"]),
            alpha=self._options["alpha"],
            correction="none",
            thresholds=rules,
        ).iloc[0]
        r = row.iloc[0]
        numbers: list[list[Any]] = [
            ["rows in window", int(r["n"])],
            ["usable values", int(r["n_current"])],
            ["reference values", int(r["n_reference"])],
            [f"{r['test']} statistic", float(r["statistic"])],
            ["p-value", float(r["p_value"])],
            ["corrected p", float(r["p_adjusted"])],
            ["PSI", float(r["psi"])],
            ["JS distance", float(r["js"])],
            ["missing rate", float(r["missing_current"])],
        ]
        if r["kind"] == "numeric":
            numbers.insert(8, ["Wasserstein (normed)", float(r["wasserstein"])])
            numbers.append(["out of reference range", float(r["out_of_range"])])
        else:
            numbers.append(["unseen categories", int(r["unseen_categories"])])
            numbers.append(["unseen share", float(r["unseen_share"])])
        numbers.append(["rule", str(explained["rule"])])
        detail: dict[str, Any] = {
            "feature": feature,
            "window": window,
            "label": self._windows["label"][window],
            "kind": str(r["kind"]),
            "severity": str(r["severity"]),
            "reason": str(explained["reason"]),
            "numbers": numbers,
            "thresholds": self._thresholds_of(feature, str(r["kind"])),
            "default_metric": "wasserstein" if r["kind"] == "numeric" else "js",
            "bars": None,
            "ecdf": None,
            "message": "",
        }
        if self._baseline is None:
            detail["message"] = (
                "distributions need the data: build the heatmap with "
                "DriftHeatmap(reference, production, ...) instead of from_frame"
            )
        elif any(feature in chunk.columns for chunk in self._chunks):
            values = self._rows_of_window(window)
            if feature in values.columns:
                detail.update(feature_detail(self._baseline, feature, values[feature]))
        return detail

    # ------------------------------------------------------------------ live updates
    def append(self, new_rows: pd.DataFrame) -> None:
        """Add production rows; recompute only the windows they touch and send only those.

        The windows the new rows fall in (the last one, if it is still filling, and any new
        ones) are computed against the cached baseline; the correction is rerun over all
        windows, and cells whose severity changes through it are sent too. The view updates
        in place, keeping the selection and the scroll position. Rows older than the last
        window make the whole view recompute (correct, but not incremental).

        Parameters
        ----------
        new_rows : pandas.DataFrame
            Rows with the production frame's columns (and its time column).
        """
        if self._spec is None or self._baseline is None:
            raise TypeError(
                "append needs a heatmap built from data; from_frame heatmaps are static"
            )
        check_frame("new_rows", new_rows, allow_empty_rows=True)
        if len(new_rows) == 0:
            return
        new = self._time_sorted(new_rows)
        time = self._spec["time"]
        n_windows = self._n_windows()
        total = sum(len(c) for c in self._chunks)
        if n_windows == 0:  # nothing shown yet: the first rows set up windows, rows and rules
            self._compute_all(pd.concat([*self._chunks, new], ignore_index=True))
            self._pending_thresholds = dict(self.thresholds)
            self._start()
            self.send({"type": "reload"})
            return
        if time is not None:
            last_time = self._chunks[-1][time].iloc[-1] if total else None
            first_new = new[time].iloc[0]
            if last_time is not None and first_new < last_time:
                self._recompute(pd.concat([*self._chunks, new], ignore_index=True))
                return
        first = max(n_windows - 1, 0)
        if (
            self._spec["rows"] is None
            and n_windows
            and new[time].iloc[0] >= self._window_labels[1][-1]
        ):
            first = n_windows  # the last window is complete: only new windows
        tail_from = int(self._starts[first]) if first < n_windows else total
        tail = pd.concat([self._rows_between(tail_from, total), new], ignore_index=True)
        self._chunks.append(new)
        if self._spec["rows"] is None:
            windows = make_windows(
                tail, time=time, window=self._spec["window"], origin=self._anchor
            )
            if windows.first_index > first:  # a gap in time: its windows are shown empty
                windows = self._with_empty_windows(windows, first)
            first = windows.first_index
        else:
            windows = make_windows(tail, time=time, rows=self._spec["rows"])
        stats = window_statistics(self._baseline, tail, windows, **self._limits)
        stats = stats.sort_values("window", kind="stable", ignore_index=True)
        stats["window"] += first
        kept = self._stats.iloc[: self._row_of_window(self._stats, first)]
        old_codes_cache = self._feature_codes()[: len(kept)]
        self._stats = pd.concat([kept, stats], ignore_index=True)
        new_codes = pd.Categorical(stats["feature"], categories=self._rows).codes
        self._codes_cache = (self._stats, np.concatenate([old_codes_cache, new_codes]))
        self._starts = np.concatenate([self._starts[:first], windows.starts + tail_from])
        self._ends = np.concatenate([self._ends[:first], windows.ends + tail_from])
        old_starts, old_ends = self._window_labels
        shift = tail_from if np.issubdtype(windows.labels_start.dtype, np.integer) else 0
        self._window_labels = (
            np.concatenate([old_starts[:first], windows.labels_start + shift]),
            np.concatenate([old_ends[:first], windows.labels_end + shift]),
        )
        old_codes = self._grids["severity"]
        self._classify()
        self._send_changes(first, old_codes)
        self._update_backtest()
        self._refresh_detail()

    def _with_empty_windows(self, windows: Windows, first: int) -> Windows:
        """``windows`` preceded by empty windows from grid position ``first`` on."""
        offset = _calendar(to_offset(self._spec["window"]))
        grid = pd.date_range(self._anchor, periods=windows.first_index + 1, freq=offset)
        starts = grid[first : windows.first_index]
        ends = grid[first + 1 : windows.first_index + 1]
        empty = np.zeros(len(starts), dtype=np.int64)
        return Windows(
            windows.order,
            np.concatenate([empty, windows.starts]),
            np.concatenate([empty, windows.ends]),
            np.concatenate([starts.to_numpy(), windows.labels_start]),
            np.concatenate([ends.to_numpy(), windows.labels_end]),
            anchor=windows.anchor,
            first_index=first,
        )

    def _refresh_detail(self) -> None:
        """Recompute the selected cell's detail (its corrected p and severity may change)."""
        if self.selected is not None:
            self._detail = plain(
                self._detail_for(self.selected["feature"], self.selected["window"])
            )

    def _compute_all(self, production: pd.DataFrame) -> None:
        """Windows and statistics of all of ``production`` (sorted by time here)."""
        ordered = self._time_sorted(production)
        windows = make_windows(ordered, **self._spec)
        self._anchor = windows.anchor
        self._starts, self._ends = windows.starts.copy(), windows.ends.copy()
        self._window_labels = (windows.labels_start, windows.labels_end)
        self._chunks = [ordered]
        self._stats = window_statistics(
            self._baseline, ordered, windows, **self._limits
        ).sort_values("window", kind="stable", ignore_index=True)
        self._classify()

    def _recompute(self, production: pd.DataFrame) -> None:
        """Recompute every window (rows arrived out of order) and resend the whole state.

        Window numbers change, so the selection is cleared rather than left on another window.
        """
        self._compute_all(production)
        self._update_backtest()
        self._publish()
        self.send({"type": "reload"})
        self.selected = None

    def _send_changes(self, first: int, old_codes: np.ndarray) -> None:
        n_windows = self._n_windows()
        block = self._matrices(first, n_windows)
        before = self._matrices(0, n_windows, until=first, only_severity=True)["severity"]
        changed = np.flatnonzero(before.ravel() != old_codes[:first].ravel()).astype(np.uint32)
        buffers: list[memoryview] = []

        def ref(array: np.ndarray) -> dict[str, Any]:
            packed = pack(array)
            buffers.append(packed.pop("buffer"))
            return {**packed, "buffer": len(buffers) - 1}

        labels = _labels(self._window_labels[0][first:], self._window_labels[1][first:])
        content = {
            "type": "patch",
            "first": first,
            "n_windows": n_windows,
            "windows": labels,
            "block": {name: ref(grid) for name, grid in block.items()},
            "changed": {"index": ref(changed), "severity": ref(before.ravel()[changed])},
        }
        self._send_patch(content, buffers)
        self._grids = {
            name: np.concatenate(
                [self._grids[name][:first] if name != "severity" else before, grid]
            )
            for name, grid in block.items()
        }
        cells: dict[str, Any] = {"shape": [n_windows, len(self._rows)]}
        cells.update({name: pack(grid) for name, grid in self._grids.items()})
        self._set_quietly(_cells=cells, _windows=_labels(*self._window_labels))
