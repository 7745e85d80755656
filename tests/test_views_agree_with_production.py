"""What a widget shows as an alert is what production raises, for any edit of its rules.

The heatmap judges with the engine's ``severity_codes`` and the control chart with
``judge_metric``, the functions ``evaluate`` calls; random edits of thresholds, alpha, the
correction, limits, sides and relative checks, exported through YAML and evaluated as
``mlmon check`` does, give the same alerts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlmon_widgets import Baseline
from mlmon_widgets.config import MonitoringConfig, evaluate
from mlmon_widgets.engine import CORRECTIONS, DRIFT_METRICS, SIDES
from mlmon_widgets.widgets import ControlChart, DriftHeatmap

from .performance_data import predictions

KEY = ["window_start", "feature", "severity"]
SETTINGS = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def drift():
    rng = np.random.default_rng(5)
    ref = pd.DataFrame(
        {
            "x": rng.normal(size=3000),
            "y": rng.exponential(size=3000),
            "c": rng.choice(list("abc"), 3000, p=[0.5, 0.3, 0.2]),
        }
    )
    ts = pd.date_range("2024-01-01", periods=12 * 300, freq="288s")
    prod = pd.DataFrame(
        {
            "ts": ts,
            "x": rng.normal(size=len(ts)) + 0.04 * (ts.day - 1),
            "y": rng.exponential(size=len(ts)),
            "c": rng.choice(list("abc"), len(ts), p=[0.45, 0.3, 0.25]),
        }
    )
    return ref, prod, DriftHeatmap(ref, prod, time="ts", window="1D")


def rule_for(kind: str):
    metrics = [m for m, meta in DRIFT_METRICS.items() if kind in meta.kinds]
    levels = st.tuples(st.floats(0, 0.6), st.floats(0, 0.6)).map(sorted)
    return st.one_of(
        st.just("off"),
        st.builds(
            lambda m, lv: {"metric": m, "warning": lv[0], "critical": lv[1]},
            st.sampled_from(metrics),
            levels,
        ),
    )


@SETTINGS
@given(data=st.data())
def test_heatmap_alerts_are_evaluates_for_any_rules(drift, data, tmp_path_factory):
    _, prod, heatmap = drift
    kinds = {"x": "numeric", "y": "numeric", "c": "categorical"}
    chosen = data.draw(st.lists(st.sampled_from(list(kinds)), unique=True))
    rules = {f: data.draw(rule_for(kinds[f])) for f in chosen}
    heatmap.thresholds = rules
    heatmap.alpha = data.draw(st.sampled_from([0.001, 0.01, 0.05, 0.2]))
    heatmap.correction = data.draw(st.sampled_from(CORRECTIONS))
    shown = heatmap.table
    shown = shown[shown["severity"].isin(["warning", "critical"])]
    path = tmp_path_factory.mktemp("config") / "monitoring.yaml"
    heatmap.to_config(model="m").to_yaml(path)
    alerts = evaluate(MonitoringConfig.load(path), prod)
    alerts = alerts[alerts["domain"] == "drift"]
    assert _keys(alerts) == _keys(shown)
    counts = heatmap.backtest()[["warning", "critical"]].sum()
    assert (
        counts.to_dict()
        == shown["severity"]
        .astype(str)
        .value_counts()
        .reindex(["warning", "critical"], fill_value=0)
        .to_dict()
    )


@pytest.fixture(scope="module")
def performance():
    data = predictions()
    early = data[data.ts < "2024-04-25"]
    chart = ControlChart(
        early,
        label="label",
        score="score",
        time="ts",
        window="1D",
        latency="latency",
        metrics=["accuracy", "latency_p95"],
        n_bootstrap=0,
    )
    baseline = Baseline.fit(early[["score"]], roles={"score": "numeric"})
    return early, chart, dict(chart.rules), baseline


@SETTINGS
@given(data=st.data())
def test_control_chart_alerts_are_evaluates_for_any_limits(performance, data, tmp_path_factory):
    early, chart, start, baseline = performance
    rules = {}
    for metric, rule in start.items():
        edited = {**rule, "side": data.draw(st.sampled_from(SIDES))}
        edited["warning"] = data.draw(st.floats(0.5, 4))
        edited["critical"] = edited["warning"] + data.draw(st.floats(0, 3))
        if data.draw(st.booleans()):
            lag = data.draw(st.integers(1, 7))
            low = data.draw(st.floats(0.01, 0.3))
            edited["relative"] = {"lag": lag, "warning": low, "critical": low * 2}
        rules[metric] = edited
    chart.rules = rules
    if data.draw(st.booleans()):  # a dragged line, as the front end asks
        which = data.draw(st.sampled_from(["lower_critical", "upper_warning"]))
        centre, sigma = rules["accuracy"]["centre"], rules["accuracy"]["sigma"]
        offset = data.draw(st.floats(0.5, 5)) * sigma
        value = centre - offset if which.startswith("lower") else centre + offset
        chart.set_state(
            {
                "_action": {
                    "kind": "move_limit",
                    "metric": "accuracy",
                    "which": which,
                    "value": value,
                    "nonce": str(data.draw(st.integers())),
                }
            }
        )
    shown = chart.alerts().rename(columns={"metric": "feature"})
    path = tmp_path_factory.mktemp("config") / "monitoring.yaml"
    chart.to_config(baseline=baseline, model="m").to_yaml(path)
    alerts = evaluate(MonitoringConfig.load(path), early)
    alerts = alerts[alerts["domain"].isin(["performance", "latency"])]
    assert _keys(alerts.assign(feature=alerts["metric"])) == _keys(shown)


def _keys(frame: pd.DataFrame) -> list[tuple]:
    return sorted(
        (pd.Timestamp(t), str(f), str(s))
        for t, f, s in zip(frame[KEY[0]], frame[KEY[1]], frame[KEY[2]], strict=True)
    )


def test_the_data_raise_alerts_to_compare(drift, performance):
    """The properties above compare real alerts: with their default rules both views alert."""
    _, _, heatmap = drift
    heatmap.thresholds, heatmap.alpha, heatmap.correction = {}, 0.01, "fdr_bh"
    assert heatmap.table["severity"].isin(["warning", "critical"]).sum() > 3
    _, chart, start, _ = performance
    chart.rules = start
    assert len(chart.alerts()) > 3
