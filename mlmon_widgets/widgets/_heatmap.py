"""DriftHeatmap: features x windows coloured by severity or by a drift metric."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import traitlets

from ..engine import (
    COLOUR_BY,
    CORRECTIONS,
    DEFAULT_GATE,
    MAX_CATEGORIES,
    MIN_ROWS,
    PSI,
    SEASONALITIES,
    SEASONALITY_LABELS,
    Baseline,
    DriftHistory,
    as_conditions,
    backtest,
    check_frame,
    check_gate,
    check_names,
    check_option,
    check_probability,
    feature_order,
    resolve_rules,
    seasonality_name,
    select_rows,
    slice_text,
    thresholds_from_chunks,
)
from ._base import MlmonWidget, reports_errors
from ._labels import window_labels
from ._wire import plain

SEASONALITY_NAMES = tuple(SEASONALITIES)


class DriftHeatmap(MlmonWidget):
    """A live heatmap of drift: rows are features, columns are windows.

    Rows are sorted by worst severity, then by effect; cells are coloured by severity or by
    a metric (``'psi'``, ``'js'``, ``'wasserstein'``, ``'neglog10p'``); windows with too few
    rows are hatched. Clicking a cell opens a detail pane (distributions, the metric over
    all windows with its thresholds, the numbers) and sets :attr:`selected`, which a
    notebook cell can observe. :meth:`append` adds production rows and updates only the
    windows they touch. Every severity, count and detail comes from the engine
    (:func:`~mlmon_widgets.engine.severity_codes`, :func:`~mlmon_widgets.engine.backtest`,
    :func:`~mlmon_widgets.engine.cell_detail`), as ``mlmon check`` judges the exported
    config.

    Parameters
    ----------
    reference : pandas.DataFrame or Baseline
        Reference data (or a fitted :class:`~mlmon_widgets.Baseline` that keeps its data).
    production : pandas.DataFrame
        Logged production data.
    time, window, rows
        Windows as in :func:`~mlmon_widgets.drift_over_time` (tumbling windows).
    roles, alpha, correction, thresholds, min_rows, max_categories, features, gate
        As in :func:`~mlmon_widgets.drift_over_time`; :meth:`to_config` exports the gate.
    metric : {'severity', 'psi', 'psi_tails', 'js', 'wasserstein', 'neglog10p'}, default 'severity'
        What colours the cells.
    seasonality : str, default 'weekday'
        How features in :attr:`seasonal` are compared: each window with the reference rows
        of its own phase(s), by a name or an offset alias as in
        :meth:`~mlmon_widgets.Baseline.fit` (``'W'``: weekdays, ``'MS'``: days of the month).
        The view offers the features whose reference follows it
        (:func:`~mlmon_widgets.detect_seasonality`); a seasonal ``Baseline`` sets both.
    where : mapping, Condition or list of Condition, optional
        Show one segment: only the reference and production rows the filter keeps
        (``{'channel': 'partner'}``, or a ``conditions`` cell of
        :func:`~mlmon_widgets.find_slices`), so the segment is compared with the same
        segment of the reference; appended rows are filtered too. The filter's columns are
        not monitored (constant inside). Needs the reference as a DataFrame.

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

    metric = traitlets.Unicode(COLOUR_BY[0]).tag(sync=True)
    filter = traitlets.Unicode("").tag(sync=True)
    selected = traitlets.Dict(allow_none=True, default_value=None).tag(sync=True)
    thresholds = traitlets.Dict().tag(sync=True)
    alpha = traitlets.Float(0.01).tag(sync=True)
    correction = traitlets.Unicode(CORRECTIONS[0]).tag(sync=True)
    #: Features compared by phase (a Saturday with Saturdays), exported with the baseline.
    seasonal = traitlets.List(traitlets.Unicode()).tag(sync=True)
    _detail = traitlets.Dict().tag(sync=True)
    _backtest = traitlets.Dict().tag(sync=True)
    _seasonality = traitlets.Dict().tag(sync=True)

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
        correction: str = CORRECTIONS[0],
        thresholds: Any = None,
        min_rows: int = MIN_ROWS,
        max_categories: int = MAX_CATEGORIES,
        features: Sequence[str] | None = None,
        metric: str = COLOUR_BY[0],
        gate: str = DEFAULT_GATE,
        seasonality: str = SEASONALITY_NAMES[0],
        where: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(metric=metric, alpha=alpha, correction=correction, **kwargs)
        self._where = as_conditions(where)
        self._gate = check_gate(gate)
        self._season = seasonality_name(seasonality)
        self._kinds: dict[str, str] = {}
        if reference is None and production is None:
            return  # from_frame fills the state
        if reference is None or production is None:
            raise TypeError("DriftHeatmap needs both reference and production (or use from_frame)")
        check_frame("production", production, allow_empty_rows=True)
        self._source: dict[str, Any] = {
            "reference": reference,
            "production": production,
            "roles": roles,
            "spec": {"time": time, "window": window, "rows": rows},
            "limits": {
                "min_rows": min_rows,
                "max_categories": max_categories,
                "features": features,
            },
            "appended": [],
        }
        self._load()
        self._start(thresholds)

    def _load(self) -> None:
        """The baseline and the statistics of the rows :attr:`where` selects."""
        source = self._source
        if source["appended"]:
            joined = [source["production"], *source["appended"]]
            source["production"], source["appended"] = pd.concat(joined, ignore_index=True), []
        reference, production, roles = source["reference"], source["production"], source["roles"]
        if self._where:
            if isinstance(reference, Baseline):
                raise ValueError(
                    "where= needs the reference as a DataFrame: the segment's own baseline "
                    "is fitted on its reference rows"
                )
            check_frame("reference", reference)
            reference = reference[select_rows(reference, self._where)]
            production = production[select_rows(production, self._where)]
            production = production.reset_index(drop=True)
            roles = {**(roles or {}), **{c.column: "ignore" for c in self._where}}
        if isinstance(reference, Baseline):
            if not reference.exact:
                raise ValueError("DriftHeatmap needs a Baseline fitted with keep_reference=True")
            baseline = reference
        else:
            baseline = Baseline.fit(reference, roles=roles)
        if baseline.seasonal is not None:
            self._season = baseline.seasonal.seasonality
            self.seasonal = list(baseline.seasonal.features)
        self._history = DriftHistory(baseline, production, **source["spec"], **source["limits"])
        hints = self._history.seasonality_hints(self._season)
        self._seasonality = {
            "seasonality": self._season,
            "label": SEASONALITY_LABELS[self._season],
            "hints": hints,
        }

    def refilter(self, where: Any) -> None:
        """Show other rows in place: the same heatmap on the rows ``where`` selects.

        The statistics, rows and backtest are recomputed for the new filter (a mapping such
        as ``{'channel': 'partner'}``, a slice's conditions, or None for all rows); rules,
        alpha, correction and colouring are kept. :meth:`SegmentBreakdown.drill` uses this
        to keep its linked heatmap on the segment last clicked.
        """
        if getattr(self, "_source", None) is None:
            raise TypeError(
                "refilter needs a heatmap built from data; from_frame heatmaps are static"
            )
        self._where = as_conditions(where)
        self.selected = None
        self._load()
        self._start(self.thresholds)

    @classmethod
    def from_frame(
        cls, table: pd.DataFrame, *, metric: str = COLOUR_BY[0], **kwargs: Any
    ) -> DriftHeatmap:
        """A heatmap of a :func:`~mlmon_widgets.drift_over_time` result.

        Without the raw data the detail pane shows the numbers and the metric over time but
        no distributions, and :meth:`append` is not available.
        """
        required = {"window", "window_start", "window_end", "feature", "severity", PSI}
        missing = sorted(required - set(table.columns))
        if missing:
            raise ValueError(
                f"table lacks column(s) {missing}; pass the result of drift_over_time()"
            )
        widget = cls(metric=metric, **kwargs)
        widget._history = DriftHistory.from_table(table)
        widget._start(None)
        return widget

    def _start(self, thresholds: Any) -> None:
        """Once the statistics exist: rules, severities, row order, backtest, first render."""
        self._ready = False
        self._kinds = self._history.kinds
        self.thresholds = self._rules_of(thresholds)  # validated once there are features
        self._classify()
        self._features = feature_order(self._history.stats, self._codes)
        self._chunks = self._history.reference_chunks()
        self._publish(self._all_tables())
        self._recount()
        self._ready = True

    def _rules_of(self, thresholds: Any) -> dict[str, Any]:
        """Rules as plain data, checked against the features (kept as given before any)."""
        if thresholds is None or not self._kinds:
            return dict(thresholds or {})
        rules = resolve_rules(thresholds, self._kinds)
        return {f: r.to_dict() if not r.is_off else r.metric for f, r in rules.items()}

    # ------------------------------------------------------------------ state
    @property
    def where(self) -> str:
        """The row filter shown, as text (``'all rows'`` without one)."""
        return slice_text(self._where)

    @property
    def table(self) -> pd.DataFrame:
        """The drift table behind the view (one row per window x feature), with reasons."""
        return self._history.table(**self._options)

    def backtest(self) -> pd.DataFrame:
        """Per feature: the alerts over the shown windows and the false alarms on reference chunks.

        ``warning`` and ``critical`` count the windows the rules raise; ``false_alarm`` is the
        share of reference chunks they would flag (NaN without chunks).
        """
        return self._judged_backtest().features

    @property
    def _options(self) -> dict[str, Any]:
        return {
            "alpha": self.alpha,
            "correction": self.correction,
            "thresholds": self.thresholds or None,
            "gate": self._gate,
        }

    def _classify(self) -> None:
        self._p_adjusted, self._codes = self._history.judge(**self._options)

    def _grids(self, first: int, until: int | None = None) -> dict[str, np.ndarray]:
        return self._history.grids(self._codes, self._features, first, until, gate=self._gate)

    def _window_table(self, first: int) -> dict[str, list[str]]:
        starts, ends = self._history.labels
        return window_labels(starts[first:], ends[first:])

    def _all_tables(self) -> dict[str, dict[str, Any]]:
        return {
            "features": {"name": list(self._features)},
            "windows": self._window_table(0),
            "cells": self._grids(0),
        }

    # ------------------------------------------------------------------ validation
    @traitlets.validate("thresholds")
    def _check_thresholds(self, proposal: Any) -> dict[str, Any]:
        value = dict(proposal["value"] or {})
        if not self._kinds:  # no data yet: validated when it arrives
            return value
        try:
            return self._rules_of(value)
        except (TypeError, ValueError) as err:
            raise traitlets.TraitError(str(err)) from None

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

    @traitlets.validate("metric")
    def _check_metric(self, proposal: Any) -> str:
        try:
            return check_option("metric", proposal["value"], COLOUR_BY)
        except ValueError as err:
            raise traitlets.TraitError(str(err)) from None

    @traitlets.validate("selected")
    def _check_selected(self, proposal: Any) -> dict | None:
        value = proposal["value"]
        if value is None:
            return None
        feature, window = value.get("feature"), value.get("window")
        if feature not in self._features:
            raise traitlets.TraitError(f"selected feature {feature!r} is not in this heatmap")
        n = self._history.n_windows
        if not isinstance(window, int) or not 0 <= window < n:
            raise traitlets.TraitError(
                f"selected window must be an integer in [0, {n}); got {window!r}"
            )
        return {"feature": feature, "window": window, "label": self._label(window)}

    def _label(self, window: int) -> str:
        starts, ends = self._history.labels
        return window_labels(starts[window : window + 1], ends[window : window + 1])["label"][0]

    # ------------------------------------------------------------------ seasonality
    @traitlets.validate("seasonal")
    def _check_seasonal(self, proposal: Any) -> list[str]:
        value = list(dict.fromkeys(proposal["value"]))
        if self._kinds:
            check_names("seasonal", value, list(self._kinds))
        return value

    @traitlets.observe("seasonal")
    @reports_errors("comparing by phase")
    def _on_seasonal(self, change: Any) -> None:
        if not getattr(self, "_ready", False):
            return
        self._history = self._history.with_seasonal(change["new"], self._season)
        self.selected = None
        self._start(self.thresholds)

    # ------------------------------------------------------------------ rules
    @traitlets.observe("thresholds", "alpha", "correction")
    @reports_errors("recounting the alerts")
    def _on_rules(self, change: Any) -> None:
        if not getattr(self, "_ready", False):
            return
        self._classify()
        self._recolour(self._history.n_windows, [])
        self._recount()

    def _recolour(self, first: int, ops: list[dict[str, Any]]) -> None:
        """Send ``ops`` and the cells before window ``first`` whose severity changed."""
        before = self._store.data["cells"][COLOUR_BY[0]][:first].copy()
        after = self._grids(0, first)[COLOUR_BY[0]] if first else before
        changed = np.flatnonzero(before.ravel() != after.ravel())
        if len(changed):
            ops.append(self._store.scatter("cells", COLOUR_BY[0], changed, after.ravel()[changed]))
        self._patch(ops)

    def _judged_backtest(self) -> Any:
        return backtest(
            self._history.stats,
            **self._options,
            chunks=self._chunks,
            features=self._features,
            codes=self._codes,
        )

    def _recount(self) -> None:
        """The backtest line and the selected cell's detail, after the rules or data changed."""
        self._backtest = plain(self._judged_backtest().to_dict())
        if self.selected is not None:
            self._detail = plain(
                self._detail_for(self.selected["feature"], self.selected["window"])
            )

    def suggest_thresholds(
        self, features: Sequence[str] | None = None, *, metric: str = PSI, method: str = "sigma"
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
        if self._chunks is None:
            raise ValueError(
                "suggestions need the reference data in chunks of at least two production "
                "windows; build the heatmap from a reference DataFrame with enough rows"
            )
        chunks = self._chunks
        if features is not None:
            unknown = sorted(set(features) - set(self._features))
            if unknown:
                raise ValueError(f"features {unknown} are not in this heatmap")
            chunks = chunks[chunks["feature"].isin(list(features))]
        suggestions = thresholds_from_chunks(
            chunks,
            metric=metric,
            method=method,
            alpha=self.alpha,
            correction=self.correction,
            gate=self._gate,
        )
        self.thresholds = {**self.thresholds, **self._rules_of(suggestions)}
        return suggestions

    def _on_action(self, action: dict[str, Any]) -> None:
        if action.get("kind") != "suggest":
            super()._on_action(action)
        feature = action.get("feature")
        metric = action.get("metric") or PSI
        self.suggest_thresholds(None if feature is None else [feature], metric=metric)

    # ------------------------------------------------------------------ detail pane
    @traitlets.observe("selected")
    @reports_errors("showing the selected cell")
    def _on_select(self, change: Any) -> None:
        value = change["new"]
        self._detail = (
            {} if value is None else plain(self._detail_for(value["feature"], value["window"]))
        )

    def _detail_for(self, feature: str, window: int) -> dict[str, Any]:
        where = {"feature": feature, "window": window, "label": self._label(window), "message": ""}
        detail = self._history.detail(
            feature,
            window,
            self._p_adjusted,
            self._codes,
            alpha=self.alpha,
            thresholds=self.thresholds,
            gate=self._gate,
        )
        if detail is None:
            return {**where, "severity": "no data", "reason": "no statistics for this window"}
        if self._history.baseline is None:
            where["message"] = (
                "distributions need the data: build the heatmap with "
                "DriftHeatmap(reference, production, ...) instead of from_frame"
            )
        return {**detail, **where}

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
        if self._history.live is None:
            raise TypeError(
                "append needs a heatmap built from data; from_frame heatmaps are static"
            )
        check_frame("new_rows", new_rows, allow_empty_rows=True)
        self._source["appended"].append(new_rows)  # joined only if refilter needs them
        if self._where:
            new_rows = new_rows[select_rows(new_rows, self._where)]
        empty_before = self._history.n_windows == 0
        update = self._history.append(new_rows)
        if update is None:
            return
        if update.reset:
            if empty_before:  # the first rows set up the rows, rules and chunks
                self._start(self.thresholds)
            else:
                self._classify()
                self._publish(self._all_tables())
                self.selected = None  # window numbers changed
            self._recount()
            return
        first = update.first
        self._classify()
        ops = [
            self._store.splice("windows", first, self._window_table(first)),
            self._store.splice("cells", first, self._grids(first)),
        ]
        self._recolour(first, ops)
        self._recount()

    # ------------------------------------------------------------------ export
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
        from ..config import MonitoringConfig, WindowSpec

        history = self._history
        if history.baseline is None or history.live is None:
            raise TypeError("to_config needs a heatmap built from data (it exports the baseline)")
        spec = WindowSpec.of_grid(**history.spec, anchor=history.live.anchor)
        return MonitoringConfig.from_baseline(
            history.baseline,
            model=model,
            version=version,
            note=note,
            **spec.to_dict(),
            rules=dict(self.thresholds),
            alpha=self.alpha,
            correction=self.correction,
            gate=self._gate,
            min_rows=history.limits["min_rows"],
            **options,
        )
