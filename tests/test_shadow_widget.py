"""ShadowComparison in Python: a view of compare_models and promotion_verdict, as mlmon check."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

from mlmon_widgets.config import MonitoringConfig, evaluate_promotion
from mlmon_widgets.engine import FINDINGS, Baseline, compare_models, promotion_verdict
from mlmon_widgets.widgets import ShadowComparison
from mlmon_widgets.widgets._wire import plain

from .test_config_promotion import batch

GATE = {"metrics": {"roc_auc": {"margin": 0.01}}, "min_rows": 2000}
OPTIONS = {
    "live": "live",
    "shadow": "shadow",
    "label": "y",
    "time": "ts",
    "window": "7D",
    "by": "group",
    "latency": {"live": "lat", "shadow": "slat"},
    "n_bootstrap": 50,
}


@pytest.fixture()
def view() -> ShadowComparison:
    return ShadowComparison(batch(seed=3, worse_in_b=0.8), gate=GATE, **OPTIONS)


def test_the_view_shows_the_engines_comparison_and_verdict(view):
    frame = view._frame
    expected = compare_models(frame, **{k: v for k, v in OPTIONS.items()})
    pd.testing.assert_frame_equal(view.comparison, expected)
    verdict = promotion_verdict(expected, GATE)
    assert view.decision == verdict.decision
    assert view.columns_of("reasons")["text"] == verdict.reasons
    assert view.columns_of("verdict")["decision"] == [verdict.decision]
    forest = view.columns_of("forest")
    gated = forest["gated"].astype(bool)
    found = verdict.findings
    assert list(np.asarray(forest["metric"])[gated]) == found["metric"].tolist()
    assert [FINDINGS[c] for c in forest["finding"][gated]] == found["finding"].tolist()
    np.testing.assert_allclose(forest["low"][gated], found["ci_low"], rtol=1e-6)


def test_editing_the_gate_recomputes_the_verdict_and_patches_the_marks(view, monkeypatch):
    assert view.decision == "promote"
    sent = []
    monkeypatch.setattr(view, "send", lambda content, buffers=None: sent.append(content))
    view.gate = {**view.gate, "critical_segments": {"group": ["b"]}}
    assert view.decision == "reject"
    assert view.columns_of("verdict")["decision"] == ["reject"]
    assert sent and sent[-1]["type"] == "patch"  # only what changed is sent
    forest = view.columns_of("forest")
    b = [
        i
        for i, v in enumerate(forest["segment_value"])
        if v == "b" and forest["metric"][i] == "roc_auc"
    ]
    assert forest["critical_segment"][b[0]] == 1 and FINDINGS[forest["finding"][b[0]]] == "inferior"


def test_a_gate_the_engine_refuses_is_shown_not_applied(view):
    before = dict(view.gate)
    view.set_state({"gate": {**before, "metrics": {"roc_auc": {"margin": -1}}}})
    assert "not applied" in view._error and "margin" in view._error
    assert view.gate == before and view.decision == "promote"


def test_the_metric_shown_over_time_and_its_refusal(view):
    view.metric = "log_loss"
    table = view.comparison
    rows = table[
        (table["metric"] == "log_loss") & (table["segment_column"] == "") & table["window"].notna()
    ]
    np.testing.assert_allclose(
        view.columns_of("windows")["difference"], rows["difference"], rtol=1e-6
    )
    view.set_state({"metric": "agreement"})  # a pair metric has no difference over time
    assert "not applied" in view._error and view.metric == "log_loss"


def test_the_selected_region_comes_back_as_rows(view):
    view.region = {"live": [0.6, 1.0], "shadow": [0.0, 0.4]}
    frame = view._frame
    inside = frame["live"].between(0.6, 1.0) & frame["shadow"].between(0.0, 0.4)
    assert view.selected_count == int(inside.sum()) > 0
    pd.testing.assert_frame_equal(view.selected_rows, frame[inside])
    view.region = None
    assert view.selected_count == 0 and view.selected_rows.empty


def test_the_saved_state_is_light(view):
    state = view.get_state()
    tables = json.dumps(plain(state["_tables"]), default=lambda b: f"<{len(b)} bytes>")
    buffers = sum(
        len(c["buffer"])
        for t in state["_tables"]["tables"].values()
        for c in t["columns"].values()
        if isinstance(c, dict)
    )
    assert len(tables) + buffers < 100_000, (len(tables), buffers)
    assert len(view._esm) < 40_000  # the bundled front end, stored once per instance


def test_append_recomputes_on_all_rows(view):
    more = batch(seed=4, n=3000).assign(ts=lambda f: f["ts"] + pd.Timedelta(days=21))
    view.append(more)
    whole = pd.concat([batch(seed=3, worse_in_b=0.8), more], ignore_index=True)
    pd.testing.assert_frame_equal(view.comparison, compare_models(whole, **OPTIONS))
    with pytest.raises(ValueError, match="lack the column"):
        view.append(more.drop(columns="shadow"))


def test_to_config_gives_the_same_verdict_in_production(view):
    reference = batch(seed=99)
    roles = {c: "ignore" for c in ("y", "live", "shadow", "lat", "slat")} | {"ts": "datetime"}
    base = MonitoringConfig.from_baseline(
        Baseline.fit(reference, roles=roles), model="m", time="ts", window="7D"
    )
    view.gate = {**view.gate, "critical_segments": {"group": ["b"]}}
    config = MonitoringConfig.from_yaml(view.to_config(base).to_yaml())
    assert config.promotion.gate == view._gate
    verdict = evaluate_promotion(config, view._frame)
    assert verdict.decision == view.decision == "reject"
    assert verdict.reasons == view.verdict.reasons
    assert dataclasses.replace(config, promotion=None).promotion is None
    with pytest.raises(ValueError, match="single segment columns"):
        view.to_config(base, by=[("group", "ts")])
