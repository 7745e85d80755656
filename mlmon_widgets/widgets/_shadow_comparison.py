"""ShadowComparison: should the challenger be promoted? Paired differences, gate, verdict."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import traitlets

from ..config import MonitoringConfig, PromotionRules
from ..engine import (
    DECISIONS,
    FINDINGS,
    GATE_METRICS,
    PAIR_METRICS,
    RESOURCE_METRICS,
    PromotionGate,
    Verdict,
    check_frame,
    compare_models,
    model_columns,
    model_thresholds,
    promotion_verdict,
    rows_in_region,
    score_histogram,
)
from ._base import MlmonWidget, reports_errors
from ._segment_tables import stamp

_BINS = 40
_RESOURCE_BINS = 40


def _text(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


class ShadowComparison(MlmonWidget):
    """A live and a shadow model on the same rows: paired differences, the gate and its verdict.

    A view of :func:`~mlmon_widgets.compare_models` (computed once: every metric overall,
    per segment and per window, with paired intervals) and
    :func:`~mlmon_widgets.promotion_verdict` of the :attr:`gate` (recomputed from that
    table on every edit, so the verdict and every mark follow a dragged margin at once).
    It shows the verdict with its reasons, a forest plot of each metric's difference
    (overall and per segment, at the gate's Bonferroni-adjusted level, coloured by what
    the gate found), the difference over the windows, a 2-D histogram of the two models'
    scores whose disagreement region can be selected (the rows come back as
    :attr:`selected_rows`) and the latency distributions side by side.

    Parameters
    ----------
    frame : pandas.DataFrame
        Predictions of both models with their labels so far (``join_labels``).
    live, shadow, label, time, window, by, latency, memory, threshold, min_coverage
        As in :func:`~mlmon_widgets.compare_models`.
    gate : PromotionGate or dict, optional
        The promotion gate (default :class:`~mlmon_widgets.PromotionGate`); edited in place.
    n_bootstrap, seed
        As in :func:`~mlmon_widgets.compare_models`.

    Examples
    --------
    >>> from mlmon_widgets.datasets import load_demo
    >>> import mlmon_widgets as mm
    >>> demo = load_demo()
    >>> frame = mm.join_labels(demo.production, demo.labels, on="application_id", label="defaulted")
    >>> view = ShadowComparison(frame, live="score", shadow="shadow_score", label="defaulted",
    ...                         time="timestamp", window="7D", by="channel", threshold=0.25,
    ...                         min_coverage=0.5, n_bootstrap=0)
    >>> view.verdict.decision in ("promote", "hold", "reject")
    True
    """

    _bundle = "shadow_comparison.js"
    #: The promotion gate as plain data (:meth:`PromotionGate.to_dict`); set it to edit the gate.
    gate = traitlets.Dict().tag(sync=True)
    #: The metric of the over-time panel.
    metric = traitlets.Unicode("").tag(sync=True)
    #: The selected score region ``{'live': [low, high], 'shadow': [low, high]}`` (or None).
    region = traitlets.Dict(allow_none=True, default_value=None).tag(sync=True)
    #: How many rows the region holds (shown next to it).
    selected_count = traitlets.Int(0).tag(sync=True)

    def __init__(
        self,
        frame: pd.DataFrame,
        *,
        live: str,
        shadow: str,
        label: str | None = None,
        time: str | None = None,
        window: object | None = None,
        by: Any = None,
        latency: Any = None,
        memory: Any = None,
        threshold: Any = 0.5,
        min_coverage: float = 0.8,
        gate: PromotionGate | Mapping[str, Any] | None = None,
        n_bootstrap: int = 200,
        seed: int = 0,
        **kwargs: Any,
    ) -> None:
        check_frame("frame", frame, allow_empty_rows=True)
        self._frame = frame
        self._options = {
            "live": live,
            "shadow": shadow,
            "label": label,
            "time": time,
            "window": window,
            "by": by,
            "latency": latency,
            "memory": memory,
            "threshold": threshold,
            "min_coverage": min_coverage,
            "n_bootstrap": n_bootstrap,
            "seed": seed,
        }
        if gate is None:
            gate = PromotionGate()
        elif not isinstance(gate, PromotionGate):
            gate = PromotionGate.from_dict(gate)
        self.comparison = compare_models(frame, **self._options)
        self._gate = gate
        self.verdict: Verdict = promotion_verdict(self.comparison, gate)
        self.selected_rows = frame.iloc[:0]
        super().__init__(**kwargs)
        self.gate = gate.to_dict()
        present = [m for m in GATE_METRICS if m in set(self.comparison["metric"])]
        self.metric = next(iter(gate.metrics)) if gate.metrics else (present[0] if present else "")
        self._publish(self._view_tables())

    # ------------------------------------------------------------------ engine results
    def _gate_tables(self) -> dict[str, dict[str, Any]]:
        """The verdict and the forest plot (what a gate edit changes)."""
        whole = self.comparison[self.comparison["window"].isna()]
        found = self.verdict.findings
        keys = {
            (r.metric, r.segment_column, r.segment_value): r for r in found.itertuples(index=False)
        }
        rows = whole[whole["metric"].isin(GATE_METRICS)]
        names, labels, columns, values, finding, critical, gated = [], [], [], [], [], [], []
        difference, low, high, margin, level, status, live, shadow = ([] for _ in range(8))
        for r in rows.itertuples(index=False):
            hit = keys.get((r.metric, r.segment_column, r.segment_value))
            names.append(r.metric)
            columns.append(r.segment_column)
            values.append(r.segment_value)
            labels.append(
                "overall" if r.segment_column == "" else f"{r.segment_column} = {r.segment_value}"
            )
            difference.append(r.difference)
            live.append(r.live)
            shadow.append(r.shadow)
            status.append(r.status)
            if hit is not None:
                low.append(hit.ci_low)
                high.append(hit.ci_high)
                margin.append(hit.margin)
                level.append(hit.level)
                finding.append(FINDINGS.index(hit.finding) if hit.finding in FINDINGS else 255)
                critical.append(bool(hit.critical_segment))
                gated.append(True)
            else:
                low.append(r.ci_low)
                high.append(r.ci_high)
                margin.append(np.nan)
                level.append(
                    self.comparison.attrs.get("mlmon_comparison", {}).get("confidence_level", 0.95)
                )
                finding.append(255)
                critical.append(self._gate.is_critical(r.segment_column, r.segment_value))
                gated.append(False)
        reasons = list(self.verdict.reasons)
        return {
            "verdict": {
                "decision": [self.verdict.decision],
                "cycle": [str(self.verdict.cycle_met)],
            },
            "reasons": {"text": reasons},
            "forest": {
                "metric": names,
                "label": labels,
                "segment_column": columns,
                "segment_value": values,
                "status": status,
                "live": np.asarray(live, dtype=float),
                "shadow": np.asarray(shadow, dtype=float),
                "difference": np.asarray(difference, dtype=float),
                "low": np.asarray(low, dtype=float),
                "high": np.asarray(high, dtype=float),
                "margin": np.asarray(margin, dtype=float),
                "level": np.asarray(level, dtype=float),
                "finding": np.asarray(finding, dtype=np.uint8),
                "critical_segment": np.asarray(critical, dtype=np.uint8),
                "gated": np.asarray(gated, dtype=np.uint8),
            },
        }

    def _window_table(self) -> dict[str, Any]:
        table = self.comparison
        rows = table[
            table["window"].notna()
            & (table["segment_column"] == "")
            & (table["metric"] == self.metric)
        ]
        rows = rows.sort_values("window")
        return {
            "window": rows["window"].to_numpy(dtype=np.int32),
            "start": [stamp(v) for v in rows["window_start"]],
            "difference": rows["difference"].to_numpy(dtype=float),
            "low": rows["ci_low"].to_numpy(dtype=float),
            "high": rows["ci_high"].to_numpy(dtype=float),
            "status": [str(s) for s in rows["status"]],
        }

    def _static_tables(self) -> dict[str, dict[str, Any]]:
        live, shadow = self._options["live"], self._options["shadow"]
        hist = score_histogram(self._frame, live=live, shadow=shadow, bins=_BINS)
        out: dict[str, dict[str, Any]] = {
            "histogram": {"counts": hist.counts.astype(np.uint32), "edges": hist.edges},
            "metrics": {
                "name": [m for m in GATE_METRICS if m in set(self.comparison["metric"])],
            },
        }
        pair = model_thresholds(self._options["threshold"])
        out["thresholds"] = {"value": np.asarray(pair, dtype=float)}
        cols = model_columns("latency", self._options["latency"])
        if cols is not None:
            values = [
                pd.to_numeric(self._frame[c], errors="coerce").to_numpy(dtype=float) for c in cols
            ]
            finite = np.concatenate([v[np.isfinite(v)] for v in values])
            top = float(np.quantile(finite, 0.995)) if len(finite) else 1.0
            edges = np.linspace(0.0, max(top, 1e-9), _RESOURCE_BINS + 1)
            whole = self.comparison[
                self.comparison["window"].isna() & (self.comparison["segment_column"] == "")
            ]
            marks = whole[
                whole["metric"].isin(RESOURCE_METRICS) & whole["metric"].str.startswith("latency")
            ]
            out["latency"] = {
                "live": np.histogram(np.clip(values[0], 0, top), edges)[0].astype(np.uint32),
                "shadow": np.histogram(np.clip(values[1], 0, top), edges)[0].astype(np.uint32),
                "edges": edges,
            }
            out["latency_marks"] = {
                "metric": [str(m) for m in marks["metric"]],
                "live": marks["live"].to_numpy(dtype=float),
                "shadow": marks["shadow"].to_numpy(dtype=float),
            }
        out["segments"] = {
            "column": [c for c in self.comparison["segment_column"].unique() if c],
        }
        return out

    def _view_tables(self) -> dict[str, dict[str, Any]]:
        """Every table; the histograms are computed once per data (a gate edit reuses them)."""
        self._static = self._static_tables()
        return {**self._static, **self._gate_tables(), "windows": self._window_table()}

    # ------------------------------------------------------------------ what the user does
    @traitlets.validate("gate")
    def _valid_gate(self, proposal: Any) -> dict[str, Any]:
        try:
            return PromotionGate.from_dict(proposal["value"]).to_dict()
        except (TypeError, ValueError) as err:
            raise traitlets.TraitError(str(err)) from None

    @traitlets.observe("gate")
    @reports_errors("applying the gate")
    def _gate_changed(self, change: Any) -> None:
        gate = PromotionGate.from_dict(change["new"])
        if gate == self._gate and self._store.data:
            return
        self._gate = gate
        self.verdict = promotion_verdict(self.comparison, gate)
        if self._store.data:
            self._update({**self._static, **self._gate_tables(), "windows": self._window_table()})

    @traitlets.validate("metric")
    def _valid_metric(self, proposal: Any) -> str:
        metric = proposal["value"]
        known = set(self.comparison["metric"]) - set(PAIR_METRICS)
        if metric and metric not in known:
            raise traitlets.TraitError(
                f"metric must be one of {', '.join(sorted(known))}; got {metric!r}"
            )
        return metric

    @traitlets.observe("metric")
    @reports_errors("showing the metric")
    def _metric_changed(self, _change: Any) -> None:
        if self._store.data:
            self._update({**self._static, **self._gate_tables(), "windows": self._window_table()})

    @traitlets.observe("region")
    @reports_errors("selecting the region")
    def _region_changed(self, change: Any) -> None:
        region = change["new"]
        if not region:
            self.selected_rows = self._frame.iloc[:0]
        else:
            self.selected_rows = rows_in_region(
                self._frame,
                live=self._options["live"],
                shadow=self._options["shadow"],
                live_range=tuple(region["live"]),
                shadow_range=tuple(region["shadow"]),
            )
        self.selected_count = len(self.selected_rows)

    # ------------------------------------------------------------------ live and export
    def append(self, rows: pd.DataFrame) -> None:
        """Add newly scored rows: the comparison and the verdict are recomputed on all rows."""
        check_frame("rows", rows, allow_empty_rows=True)
        missing = [c for c in self._frame.columns if c not in rows.columns]
        if missing:
            raise ValueError(f"rows lack the column(s) {missing} of the frame")
        self._frame = pd.concat([self._frame, rows[self._frame.columns]], ignore_index=True)
        self.comparison = compare_models(self._frame, **self._options)
        self.verdict = promotion_verdict(self.comparison, self._gate)
        self._update(self._view_tables())

    def to_config(self, config: MonitoringConfig, *, by: Any = None) -> MonitoringConfig:
        """``config`` with a ``promotion`` section: these columns and the current gate.

        ``mlmon check CONFIG DATA`` then gives the verdict this widget shows on the same
        rows. ``by`` replaces the segment columns (a column made in the notebook, such as
        an age band, must exist in the production batch too).
        """
        segments = self._options["by"] if by is None else by
        if isinstance(segments, str):
            segments = [segments]
        for column in segments or ():
            if not isinstance(column, str):
                raise ValueError(
                    "the config's promotion section takes single segment columns; "
                    f"got {column!r} (cross them in the data first)"
                )
        rules = PromotionRules(
            live=self._options["live"],
            shadow=self._options["shadow"],
            label=self._options["label"],
            by=tuple(segments or ()),
            latency=_as_dict(model_columns("latency", self._options["latency"])),
            memory=_as_dict(model_columns("memory", self._options["memory"])),
            threshold=self._options["threshold"],
            min_coverage=self._options["min_coverage"],
            gate=self._gate,
        )
        return dataclasses.replace(config, promotion=rules)

    @property
    def decision(self) -> str:
        """The current verdict's decision (one of promote, hold, reject)."""
        assert self.verdict.decision in DECISIONS
        return self.verdict.decision


def _as_dict(pair: tuple[str, str] | None) -> dict[str, str] | None:
    return None if pair is None else {"live": pair[0], "shadow": pair[1]}


__all__ = ["ShadowComparison"]
