"""SegmentBreakdown: where a feature drifts, segment by segment, and the slices that explain it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import traitlets

from ..engine import (
    ACCURACY,
    ADDITIVE_METRICS,
    COLOUR_BY,
    DRIFT,
    FEATURE_KINDS,
    INSUFFICIENT_DATA,
    LOG_LOSS,
    MIN_ROWS,
    MISSING_SEGMENT,
    NEGLOG10P,
    NOT_ADDITIVE_METRICS,
    OK,
    PERFORMANCE,
    PSI,
    SEVERITY_RANK,
    SLICE_METRICS,
    WARNING,
    Baseline,
    Condition,
    check_frame,
    drift_table,
    explain_change,
    find_slices,
    make_windows,
    performance_over_time,
    segment_drift,
    segment_performance,
    slice_text,
)
from ._base import MlmonWidget, reports_errors
from ._control_chart import ControlChart
from ._heatmap import DriftHeatmap
from ._segment_tables import _CODE, codes, grid, performance_codes, segment_rows, stamp

#: What the segments show: drift of a feature, or a performance metric.
VIEWS = (DRIFT, PERFORMANCE)
#: The drift statistics the bars can show (the heatmap's colourings that are result columns).
STATISTICS = tuple(c for c in COLOUR_BY[1:] if c != NEGLOG10P)


class SegmentBreakdown(MlmonWidget):
    """Segments x windows of one feature's drift, each segment's drift, and the slices found.

    A view of engine results: :func:`~mlmon_widgets.segment_drift` (every segment against
    the same segment of the reference, per window and over the whole period),
    :func:`~mlmon_widgets.drift_table` (the whole data, the reference line of the bars)
    and :func:`~mlmon_widgets.find_slices` (ranked slices with their reason and since
    when). Choose the feature with :attr:`feature`; a click on a segment or a slice sets
    :attr:`selected`, and :meth:`drill` opens a :class:`DriftHeatmap` of it.

    Parameters
    ----------
    reference, production : pandas.DataFrame
        Reference and production rows with the segment columns.
    by : str, tuple of str, or list of them
        The segment columns, as in :func:`~mlmon_widgets.segment_drift`.
    time, window : optional
        Time windows (the segments x windows strips); without them only whole-period values.
    roles, alpha, min_rows, features
        As in :func:`~mlmon_widgets.segment_drift`.
    slices : bool, default True
        Search slices with :func:`~mlmon_widgets.find_slices` (on ``slice_columns``).
    slice_columns : list of str, optional
        The columns slices are cut on (default: ``features``, or every feature column).
    feature : str, optional
        The feature shown first (default: the one that drifts most in any segment).
    label, score, prediction, threshold, min_coverage, n_bootstrap
        With ``label``, the performance view (:attr:`view` ``'performance'``):
        :func:`~mlmon_widgets.segment_performance` per segment (value, 95% interval, and
        whether it is significantly worse than the rest) over the period and per window,
        against :func:`~mlmon_widgets.performance_over_time` of all rows.
    metric : str, optional
        The performance metric shown (default ``'log_loss'`` with a score, else accuracy).
    since : str or pandas.Timestamp, optional
        The performance view's waterfall and slices compare two periods: the production
        rows from ``since`` with those before it (needs ``time=``). Without it, the
        reference rows before production when the reference has labels.

    Examples
    --------
    >>> from mlmon_widgets.datasets import load_demo
    >>> demo = load_demo()
    >>> after = demo.production[demo.production["timestamp"] >= "2024-04-30"]
    >>> view = SegmentBreakdown(demo.reference, after, by=["channel", "region"],
    ...                         time="timestamp", window="1D", roles=demo.roles,
    ...                         features=demo.features)
    >>> view.feature
    'debt_to_income'
    >>> view.selected = {"segment_column": "channel", "segment_value": "partner"}
    >>> view.drill().where
    "channel == 'partner'"
    """

    _bundle = "segment_breakdown.js"
    #: What the segments show: the drift of :attr:`feature`, or the performance :attr:`metric`.
    view = traitlets.Unicode(VIEWS[0]).tag(sync=True)
    feature = traitlets.Unicode("").tag(sync=True)
    #: The drift statistic of the bars and the cells' hover (their colour is the severity).
    statistic = traitlets.Unicode(PSI).tag(sync=True)
    metric = traitlets.Unicode("").tag(sync=True)
    selected = traitlets.Dict(allow_none=True, default_value=None).tag(sync=True)
    #: The segments and slices chosen for production ("monitor this segment"), as text.
    monitored = traitlets.List(traitlets.Unicode()).tag(sync=True)

    def __init__(
        self,
        reference: pd.DataFrame,
        production: pd.DataFrame,
        *,
        by: Any,
        time: str | None = None,
        window: object | None = None,
        roles: Mapping[str, str] | None = None,
        alpha: float = 0.01,
        min_rows: int = MIN_ROWS,
        features: Sequence[str] | None = None,
        slices: bool = True,
        slice_columns: Sequence[str] | None = None,
        feature: str | None = None,
        label: str | None = None,
        score: str | None = None,
        prediction: str | None = None,
        threshold: float = 0.5,
        min_coverage: float = 0.8,
        n_bootstrap: int = 200,
        metric: str | None = None,
        since: object | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        check_frame("reference", reference)
        check_frame("production", production)
        self._data = (reference, production)
        self._spec = {"time": time, "window": window, "roles": roles}
        self._judging = {"alpha": alpha, "min_rows": min_rows}
        self._watch: list[tuple[Condition, ...]] = []
        self._linked: DriftHeatmap | None = None
        self._inputs: dict[str, Any] = {
            "by": by,
            "features": features,
            "slices": slices,
            "slice_columns": slice_columns,
            "label": label,
            "since": since,
            "columns": {"label": label, "score": score, "prediction": prediction},
            "settings": {
                "threshold": threshold,
                "min_coverage": min_coverage,
                "min_rows": min_rows,
                "n_bootstrap": n_bootstrap,
            },
        }
        if label is None and (metric is not None or since is not None):
            raise ValueError("metric= and since= need label= (and score= or prediction=)")
        if since is not None and time is None:
            raise ValueError("since= needs time= (the column it cuts the production rows on)")
        self._compute()
        self.feature = feature if feature is not None else self._worst_feature()
        if label is not None:
            self.metric = metric or (LOG_LOSS if score is not None else ACCURACY)
        self._publish(self._view_tables())

    def _compute(self) -> None:
        """Every engine result the view shows, from the data as it is now."""
        reference, production = self._data
        inputs, spec = self._inputs, self._spec
        by, features, alpha = inputs["by"], inputs["features"], self._judging["alpha"]
        options = {
            "roles": spec["roles"],
            "alpha": alpha,
            "min_rows": self._judging["min_rows"],
            "features": features,
        }
        time, window = spec["time"], spec["window"]
        self._whole = segment_drift(reference, production, by, **options)
        self._windowed = (
            segment_drift(reference, production, by, time=time, window=window, **options)
            if window is not None
            else None
        )
        self._overall = drift_table(reference, production, **options)
        columns = inputs["slice_columns"]
        self._slices = (
            find_slices(
                production,
                reference=reference,
                columns=columns if columns is not None else features,
                features=features,
                roles=spec["roles"],
                time=time,
                window=window,
            )
            if inputs["slices"]
            else pd.DataFrame(columns=["slice", "target", "reason", "since", "conditions"])
        )
        self._features = list(dict.fromkeys(self._whole["feature"]))
        self._perf: tuple[pd.DataFrame, pd.DataFrame | None, pd.DataFrame] | None = None
        self._metrics: list[str] = []
        self._periods: tuple[pd.DataFrame, pd.DataFrame, str] | None = None
        self._found: dict[str, pd.DataFrame] = {}  # performance slices, per metric
        if inputs["label"] is not None:
            columns, settings = inputs["columns"], inputs["settings"]
            whole = segment_performance(production, by, **columns, **settings, alpha=alpha)
            per_window = (
                segment_performance(
                    production, by, **columns, **settings, alpha=alpha, time=time, window=window
                )
                if window is not None
                else None
            )
            total = performance_over_time(
                production, **columns, **settings, rows=max(len(production), 1)
            )
            self._perf = (whole, per_window, total)
            self._metrics = list(dict.fromkeys(whole["metric"]))
            self._periods = self._two_periods()

    def _two_periods(self) -> tuple[pd.DataFrame, pd.DataFrame, str] | None:
        """The rows before and after that the performance waterfall and slices compare."""
        reference, production = self._data
        label, since, time = self._inputs["label"], self._inputs["since"], self._spec["time"]
        if since is not None:
            try:
                cut = pd.Timestamp(since)
            except (TypeError, ValueError) as err:
                raise ValueError(f"since= must be a date or time; got {since!r}") from err
            stamps = pd.to_datetime(production[time])
            if stamps.dt.tz is not None and cut.tz is None:
                cut = cut.tz_localize(stamps.dt.tz)
            elif stamps.dt.tz is None and cut.tz is not None:
                raise ValueError(
                    f"since={since!r} has a time zone but the {time!r} column has none"
                )
            before, after = (stamps < cut).to_numpy(), (stamps >= cut).to_numpy()
            text = f"before {stamp(cut)} → from {stamp(cut)}"  # rows without a time: neither
            return production[before], production[after], text
        if label in reference.columns and reference[label].notna().any():
            return reference, production, "reference → production"
        return None

    @classmethod
    def from_frame(
        cls,
        segments: pd.DataFrame,
        *,
        table: pd.DataFrame | None = None,
        overall: pd.DataFrame | None = None,
        slices: pd.DataFrame | None = None,
        feature: str | None = None,
        **kwargs: Any,
    ) -> SegmentBreakdown:
        """A breakdown of engine results computed elsewhere (a static view).

        Parameters
        ----------
        segments : pandas.DataFrame
            :func:`~mlmon_widgets.segment_drift` over the whole period.
        table : pandas.DataFrame, optional
            :func:`~mlmon_widgets.segment_drift` with windows (the segments x windows strips).
        overall : pandas.DataFrame, optional
            :func:`~mlmon_widgets.drift_table` of all rows (the line the bars compare with).
        slices : pandas.DataFrame, optional
            :func:`~mlmon_widgets.find_slices`.
        feature : str, optional
            The feature shown first.

        Without the raw data there is no waterfall, :meth:`append`, :meth:`drill` or
        :meth:`to_config`.
        """
        required = {"segment_column", "segment_value", "feature", "severity", PSI}
        for name, frame, needed in (
            ("segments", segments, required),
            ("table", table, required | {"window", "window_start"}),
            ("overall", overall, {"severity", PSI}),
            ("slices", slices, {"slice", "target", "reason", "since", "conditions"}),
        ):
            if frame is None:
                continue
            if not isinstance(frame, pd.DataFrame):
                raise TypeError(f"{name} must be a DataFrame, got {type(frame).__name__}")
            missing = sorted(needed - set(frame.columns))
            if missing:
                raise ValueError(
                    f"{name} lacks column(s) {missing}; pass the engine's result "
                    f"({'find_slices' if name == 'slices' else 'segment_drift'}"
                    f"{' / drift_table' if name == 'overall' else ''})"
                )
        widget = cls.__new__(cls)
        MlmonWidget.__init__(widget, **kwargs)
        widget._data = None
        widget._spec = {"time": None, "window": None, "roles": None}
        widget._judging = {"alpha": 0.01, "min_rows": MIN_ROWS}
        widget._watch, widget._linked, widget._inputs = [], None, {}
        widget._whole = segments.reset_index(drop=True)
        widget._windowed = None if table is None else table.reset_index(drop=True)
        if overall is None:
            overall = pd.DataFrame({PSI: [], "severity": [], "kind": []})
        widget._overall = overall
        widget._slices = (
            pd.DataFrame(columns=["slice", "target", "reason", "since", "conditions"])
            if slices is None
            else slices.reset_index(drop=True)
        )
        widget._features = list(dict.fromkeys(widget._whole["feature"]))
        widget._perf, widget._metrics, widget._periods, widget._found = None, [], None, {}
        widget.feature = feature if feature is not None else widget._worst_feature()
        widget._publish(widget._view_tables())
        return widget

    def append(self, new_rows: pd.DataFrame) -> None:
        """Add production rows: the engine results are recomputed and only what changed is sent.

        The segments, windows, slices and (with labels) performance are recomputed on all
        rows; the front end receives a patch of the cells, bars and rows that differ (a new
        window, the last window's new values, a severity the correction moved), or the
        whole state when a new segment or slice changes the layout. A selection that still
        exists is kept, and a linked view from :meth:`drill` receives the rows too.

        Parameters
        ----------
        new_rows : pandas.DataFrame
            Rows with the production frame's columns.
        """
        if self._data is None:
            raise TypeError("append needs a breakdown built from data; from_frame views are static")
        check_frame("new_rows", new_rows, allow_empty_rows=True)
        reference, production = self._data
        missing = sorted(set(production.columns) - set(new_rows.columns))
        if missing:
            raise ValueError(f"new_rows lacks the production column(s) {missing}")
        if len(new_rows) == 0:
            return
        slices_before = self._shown_slices()[0]["slice"].tolist()
        rows = pd.concat([production, new_rows[production.columns]], ignore_index=True)
        self._data = (reference, rows)
        self._compute()
        if self.feature not in self._features:
            self.feature = self._worst_feature()
        if self.selected is not None and not self._still_shown(self.selected, slices_before):
            self.selected = None
        self._update(self._view_tables())
        if self._linked is not None:
            self._linked.append(new_rows)

    def _still_shown(self, selected: dict[str, Any], slices_before: list[str]) -> bool:
        if "slice" in selected:
            index = selected["slice"]
            now = self._shown_slices()[0]["slice"].tolist()
            return index < len(now) and now[index] == slices_before[index]
        known = self._whole[["segment_column", "segment_value"]]
        return bool(
            (
                (known["segment_column"] == selected["segment_column"])
                & (known["segment_value"] == selected["segment_value"])
            ).any()
        )

    # ------------------------------------------------------------------ engine results
    @property
    def segments(self) -> pd.DataFrame:
        """The whole-period drift of every segment x feature (``segment_drift``)."""
        return self._whole.copy()

    @property
    def table(self) -> pd.DataFrame:
        """Segments x features x windows (``segment_drift`` with windows), or None."""
        return None if self._windowed is None else self._windowed.copy()

    @property
    def slices(self) -> pd.DataFrame:
        """The slices found (``find_slices``), best first."""
        return self._slices.copy()

    def _worst_feature(self) -> str:
        """The feature whose alerting segments drift most beyond the whole data's drift."""
        if not self._features:
            return ""
        rank = self._whole["severity"].astype(str).map(SEVERITY_RANK).fillna(-1)
        overall = self._whole["feature"].map(self._overall[PSI]).fillna(0.0)
        excess = (self._whole[PSI] - overall).fillna(-np.inf)
        alerting = rank >= SEVERITY_RANK[WARNING]
        order = self._whole.assign(_alerting=alerting, _excess=excess)
        order = order.sort_values(["_alerting", "_excess"], ascending=False, kind="stable")
        return str(order["feature"].iloc[0])

    # ------------------------------------------------------------------ traits
    @traitlets.validate("feature")
    def _check_feature(self, proposal: Any) -> str:
        value = proposal["value"]
        if self._features and value not in self._features:
            shown = ", ".join(self._features[:10])
            raise traitlets.TraitError(f"feature {value!r} is not shown (features: {shown})")
        return value

    @traitlets.validate("statistic")
    def _check_statistic(self, proposal: Any) -> str:
        value = proposal["value"]
        if value not in STATISTICS:
            raise traitlets.TraitError(
                f"statistic must be one of {', '.join(STATISTICS)}; got {value!r}"
            )
        if hasattr(self, "_whole") and value not in self._whole.columns:
            raise traitlets.TraitError(f"statistic {value!r} is not in these results")
        return value

    @traitlets.observe("feature", "metric", "view", "statistic")
    @reports_errors("choosing what to show")
    def _on_feature(self, change: Any) -> None:
        if not (hasattr(self, "_whole") and change["old"] != change["new"] and self._revision):
            return
        shown = {VIEWS[0]: ("feature", "statistic"), VIEWS[1]: ("metric",)}[self.view]
        if change["name"] == "view" or change["name"] in shown:  # not for the other view's choice
            if self.selected is not None and "slice" in self.selected:
                self.selected = None  # the slices listed are another view's now
            self._publish(self._view_tables())

    @traitlets.validate("metric")
    def _check_metric(self, proposal: Any) -> str:
        value = proposal["value"]
        if value and value not in getattr(self, "_metrics", []):
            shown = ", ".join(getattr(self, "_metrics", [])) or "none: give label="
            raise traitlets.TraitError(f"metric {value!r} is not computed (metrics: {shown})")
        return value

    @traitlets.validate("view")
    def _check_view(self, proposal: Any) -> str:
        value = proposal["value"]
        if value not in VIEWS:
            raise traitlets.TraitError(f"view must be one of {', '.join(VIEWS)}; got {value!r}")
        if value == VIEWS[1] and getattr(self, "_perf", None) is None:
            raise traitlets.TraitError("the performance view needs label= (and score=)")
        return value

    @traitlets.validate("selected")
    def _check_selected(self, proposal: Any) -> dict[str, Any] | None:
        value = proposal["value"]
        if value is None:
            return None
        if set(value) == {"slice"}:
            index = value["slice"]
            shown = len(self._shown_slices()[0])
            if not isinstance(index, int) or not 0 <= index < shown:
                raise traitlets.TraitError(
                    f"selected slice {index!r} is not one of the {shown} shown"
                )
            return {"slice": index}
        if set(value) != {"segment_column", "segment_value"}:
            raise traitlets.TraitError(
                "selected must be {'segment_column', 'segment_value'} or {'slice': index}"
            )
        known = self._whole[["segment_column", "segment_value"]].drop_duplicates()
        match = (known["segment_column"] == value["segment_column"]) & (
            known["segment_value"] == value["segment_value"]
        )
        if not match.any():
            raise traitlets.TraitError(
                f"segment {value['segment_column']} = {value['segment_value']!r} is not shown"
            )
        return {k: str(value[k]) for k in ("segment_column", "segment_value")}

    def where(self) -> tuple[Condition, ...]:
        """The row filter of the selection (a segment's values, or a slice's conditions)."""
        if self.selected is None:
            raise ValueError("select a segment or a slice first (click one, or set .selected)")
        if "slice" in self.selected:
            return tuple(self._shown_slices()[0]["conditions"].iloc[self.selected["slice"]])
        columns = self.selected["segment_column"].split(" & ")
        values = self.selected["segment_value"].split(" & ")
        return tuple(
            Condition(c, "is missing") if v == MISSING_SEGMENT else Condition(c, "==", v)
            for c, v in zip(columns, values, strict=True)
        )

    def monitor(self) -> None:
        """Add the selected segment or slice to those :meth:`to_config` exports."""
        where = self.where()
        if where not in self._watch:
            self._watch.append(where)
            self.monitored = [*self.monitored, slice_text(where)]

    def _on_action(self, action: dict[str, Any]) -> None:
        if action.get("kind") != "monitor":
            super()._on_action(action)
        self.monitor()

    def to_config(
        self, *, model: str = "model", version: str = "", note: str = "", **options: Any
    ) -> Any:
        """A monitoring config of the whole data with a ``segments`` entry per monitored one.

        Each segment gets its own baseline from the reference rows in it, this view's
        ``min_rows`` and the default rules; ``evaluate`` and ``mlmon check`` then judge it
        as :attr:`table` shows it. With labels, each segment also gets its own performance
        limits: those of :meth:`chart` of the segment (a :class:`ControlChart` of its rows),
        which ``evaluate`` then judges as that chart shows. The window keeps this view's grid.

        Parameters
        ----------
        model, version, note : str
            What the config is for.
        **options
            Other :class:`~mlmon_widgets.config.MonitoringConfig` fields.

        Returns
        -------
        MonitoringConfig
        """
        from ..config import MonitoringConfig, WindowSpec

        if self._data is None:
            raise TypeError("to_config() needs a breakdown built from data, not from_frame")
        if self._spec["window"] is None:
            raise ValueError("to_config() needs the breakdown built with time= and window=")
        if not self._watch:
            raise ValueError("monitor a segment first (select one, then .monitor() or the button)")
        reference, production = self._data
        windows = make_windows(production, time=self._spec["time"], window=self._spec["window"])
        spec = WindowSpec.of_grid(
            time=self._spec["time"], window=self._spec["window"], rows=None, anchor=windows.anchor
        )
        config = MonitoringConfig.from_baseline(
            Baseline.fit(reference, roles=self._spec["roles"]),
            model=model,
            version=version,
            note=note,
            **spec.to_dict(),
            alpha=self._judging["alpha"],
            min_rows=self._judging["min_rows"],
            **options,
        )
        for where in self._watch:
            performance = self.chart(where).performance_section() if self._perf else None
            config = config.with_segment(
                reference, where, min_rows=self._judging["min_rows"], performance=performance
            )
        return config

    def chart(self, where: Any = None) -> ControlChart:
        """A :class:`ControlChart` of a segment's performance (default: the selection's).

        The production rows in the segment or slice, with this view's label, score,
        windows, threshold, coverage and ``min_rows``; its limits come from the segment's
        own baseline windows, as :meth:`to_config` exports them.
        """
        if self._data is None or self._perf is None:
            raise TypeError("chart() needs a breakdown built from data with label=")
        if self._spec["window"] is None:
            raise ValueError("chart() needs the breakdown built with time= and window=")
        settings = self._inputs["settings"]
        return ControlChart(
            self._data[1],
            **self._inputs["columns"],
            time=self._spec["time"],
            window=self._spec["window"],
            threshold=settings["threshold"],
            min_coverage=settings["min_coverage"],
            min_rows=settings["min_rows"],
            n_bootstrap=settings["n_bootstrap"],
            where=self.where() if where is None else where,
        )

    def drill(self) -> DriftHeatmap:
        """A :class:`DriftHeatmap` of the selected segment or slice (``where=`` it).

        The heatmap stays linked: a later click on another segment or slice (or a new
        :attr:`selected`) shows that one's rows in the same heatmap, in place, and
        :meth:`append` passes new rows on to it. Each call returns a new linked heatmap.
        """
        if self._data is None:
            raise TypeError(
                "drill() needs a breakdown built from data; from_frame views are static"
            )
        if self._spec["window"] is None:
            raise ValueError("drill() needs the breakdown built with time= and window=")
        reference, production = self._data
        spec = {k: v for k, v in self._spec.items() if v is not None}
        self._linked = DriftHeatmap(reference, production, where=self.where(), **spec)
        return self._linked

    @traitlets.observe("selected")
    @reports_errors("showing the selection in the linked heatmap")
    def _follow(self, change: Any) -> None:
        if self._linked is not None and change["new"] is not None:
            self._linked.refilter(self.where())

    # ------------------------------------------------------------------ tables
    def waterfall(self) -> pd.DataFrame:
        """How each segment explains the change of the value shown between two periods.

        :func:`~mlmon_widgets.explain_change` per segment column: in the drift view, of the
        feature's mean from the reference to production (a numeric feature); in the
        performance view, of :attr:`metric` between the two periods (``since=``, or a
        labelled reference). One row per segment, with ``segment_column``; for a metric
        that is a mean of rows (``additive``) the parts of a column add up to its overall
        change, for ROC AUC each part is the change with the segment left out. Empty (see
        the view's note) where there is nothing to decompose.
        """
        if self._waterfall_note():
            return pd.DataFrame(columns=["segment_column", "segment", "total_effect", "additive"])
        if self.view == VIEWS[1]:
            assert self._periods is not None
            before, after, _ = self._periods
            columns = self._inputs["columns"]
            options = {
                "metric": self.metric,
                **columns,
                "threshold": self._inputs["settings"]["threshold"],
            }
        else:
            assert self._data is not None
            before, after = self._data
            options = {"metric": self.feature}
        parts = []
        for name in dict.fromkeys(self._whole["segment_column"]):
            columns = tuple(name.split(" & "))
            by = columns[0] if len(columns) == 1 else columns
            part = explain_change(before, after, by, **options)
            part = part.reset_index().assign(
                segment_column=name,
                overall_before=part.attrs["overall_before"],
                overall_after=part.attrs["overall_after"],
            )
            parts.append(part)
        return pd.concat(parts, ignore_index=True)

    def _waterfall_note(self) -> str:
        """Why the view has no waterfall ('' when it has one)."""
        if self._data is None:
            return "no waterfall: a from_frame view has no rows to decompose"
        if self.view == VIEWS[1]:
            if self.metric not in ADDITIVE_METRICS + NOT_ADDITIVE_METRICS:
                decomposed = ", ".join(ADDITIVE_METRICS + NOT_ADDITIVE_METRICS)
                return f"no waterfall: {self.metric} is not split by segment ({decomposed} are)"
            if self._periods is None:
                return "no waterfall: give since= (or a labelled reference) to compare two periods"
            return ""
        kind = self._overall["kind"].get(self.feature, "") if "kind" in self._overall else ""
        if str(kind) != FEATURE_KINDS[0]:
            return f"no waterfall: {self.feature} is not numeric (the waterfall splits a mean)"
        return ""

    def _waterfall(self) -> dict[str, dict[str, Any]]:
        parts = self.waterfall()
        if len(parts) == 0:
            return {}
        periods = self._periods[2] if self.view == VIEWS[1] and self._periods else ""
        return {
            "waterfall": {
                "column": parts["segment_column"].astype(str).tolist(),
                "segment": parts["segment"].astype(str).tolist(),
                "mix": parts["mix_effect"].to_numpy(dtype=float),
                "rate": parts["rate_effect"].to_numpy(dtype=float),
                "total": parts["total_effect"].to_numpy(dtype=float),
                "before": parts["overall_before"].to_numpy(dtype=float),
                "after": parts["overall_after"].to_numpy(dtype=float),
                "additive": parts["additive"].to_numpy(dtype=np.uint8),
            },
            "periods": {"text": [periods or "reference → production"]},
        }

    def _view_tables(self) -> dict[str, dict[str, Any]]:
        shared: dict[str, dict[str, Any]] = {
            "features": {"name": list(self._features)},
            "metrics": {"name": list(self._metrics)},
            "views": {"name": list(VIEWS) if self._perf is not None else [VIEWS[0]]},
            "statistics": {"name": [c for c in STATISTICS if c in self._whole.columns]},
        }
        found, why = self._shown_slices()
        shown = {
            "slices": {
                "slice": found["slice"].astype(str).tolist(),
                "target": found["target"].astype(str).tolist(),
                "reason": found["reason"].astype(str).tolist(),
                "since": [stamp(v) for v in found["since"]],
            },
            "notes": {"slices": [why], "waterfall": [self._waterfall_note()]},
        }
        if self.view == VIEWS[1]:
            return {**shared, **shown, **self._performance_tables(), **self._waterfall()}
        return {**shared, **shown, **self._drift_tables(), **self._waterfall()}

    def _shown_slices(self, view: str | None = None) -> tuple[pd.DataFrame, str]:
        """The slices of a view (drift, or the metric's; default: the one shown), or why none."""
        if (view or self.view) != VIEWS[1]:
            why = "" if self._inputs.get("slices", True) else "slices not searched (slices=False)"
            return self._slices, why
        empty = self._slices.iloc[0:0]
        if self.metric not in SLICE_METRICS:
            return empty, f"slices are searched on {' or '.join(SLICE_METRICS)}"
        if self._periods is None:
            return empty, "slices compare two periods: give since= (or a labelled reference)"
        if not self._inputs["slices"]:
            return empty, "slices not searched (slices=False)"
        if self.metric not in self._found:
            before, after, _ = self._periods
            columns = self._inputs["slice_columns"]
            self._found[self.metric] = find_slices(
                after,
                reference=before,
                metric=self.metric,
                **self._inputs["columns"],
                threshold=self._inputs["settings"]["threshold"],
                columns=columns if columns is not None else self._inputs["features"],
                roles=self._spec["roles"],
                time=self._spec["time"],
                window=self._spec["window"],
            )
        return self._found[self.metric], ""

    @property
    def performance_slices(self) -> pd.DataFrame:
        """Where :attr:`metric` got worse between the two periods (``find_slices``), best first."""
        if self._perf is None:
            raise ValueError("performance slices need label= (and score=)")
        return self._shown_slices(VIEWS[1])[0].copy()

    def _drift_tables(self) -> dict[str, dict[str, Any]]:
        whole = self._whole[self._whole["feature"] == self.feature]
        nothing = np.full(len(whole), np.nan)
        tables: dict[str, dict[str, Any]] = {
            "statistic": {"name": [self.statistic]},
            "segments": segment_rows(
                whole, whole[self.statistic], nothing, nothing, codes(whole["severity"])
            ),
            "overall": {
                "measure": np.array(
                    [self._overall[self.statistic].get(self.feature, np.nan)], dtype=float
                ),
                "low": np.array([np.nan]),
                "high": np.array([np.nan]),
                "code": codes(self._overall["severity"].reindex([self.feature])),
            },
        }
        if self._windowed is not None:
            table = self._windowed[self._windowed["feature"] == self.feature]
            tables.update(grid(whole, table, codes(table["severity"]), table[self.statistic]))
        return tables

    def _performance_tables(self) -> dict[str, dict[str, Any]]:
        """The engine's per-segment performance: value, interval, and whether it is worse.

        The colour code is the engine's ``worse`` (drawn as critical), scored and not worse
        (ok), or not scored (pending labels, too few rows: insufficient data).
        """
        assert self._perf is not None
        whole, per_window, total = self._perf
        whole = whole[whole["metric"] == self.metric]
        total = total[total["metric"] == self.metric]
        tables: dict[str, dict[str, Any]] = {
            "statistic": {"name": [self.metric]},
            "segments": segment_rows(
                whole, whole["value"], whole["ci_low"], whole["ci_high"], performance_codes(whole)
            ),
            "overall": {
                "measure": total["value"].to_numpy(dtype=float),
                "low": total["ci_low"].to_numpy(dtype=float),
                "high": total["ci_high"].to_numpy(dtype=float),
                "code": np.array(
                    [_CODE[OK] if (total["status"] == OK).all() else _CODE[INSUFFICIENT_DATA]],
                    dtype=np.uint8,
                ),
            },
        }
        if per_window is not None:
            table = per_window[per_window["metric"] == self.metric]
            tables.update(grid(whole, table, performance_codes(table), table["value"]))
        return tables
