"""Monitored segments in the config: round trip, refusals, and evaluate == segment_drift."""

from __future__ import annotations

import json

import jsonschema
import numpy as np
import pandas as pd
import pytest

from mlmon_widgets.cli import main
from mlmon_widgets.config import ConfigError, MonitoringConfig, evaluate
from mlmon_widgets.engine import Baseline, Condition, find_slices, segment_drift


def _frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(0)

    def frame(n: int, start: str, shift: float) -> pd.DataFrame:
        channel = rng.choice(["branch", "online", "partner"], n, p=[0.4, 0.4, 0.2])
        ts = pd.Timestamp(start) + pd.to_timedelta(np.sort(rng.integers(0, 10 * 86_400, n)), "s")
        day = (ts - pd.Timestamp(start)).days.to_numpy()
        dti = rng.normal(0.3, 0.1, n) + np.where((channel == "partner") & (day >= 5), shift, 0)
        return pd.DataFrame(
            {"ts": ts, "channel": channel, "dti": dti, "age": rng.normal(40, 10, n)}
        )

    return frame(20_000, "2024-01-01", 0.0), frame(20_000, "2024-03-01", 0.06)


@pytest.fixture(scope="module")
def setup():
    reference, production = _frames()
    roles = {"ts": "datetime", "channel": "categorical"}
    config = MonitoringConfig.from_baseline(
        Baseline.fit(reference, roles=roles), model="credit", time="ts", window="1D"
    )
    config = config.with_segment(
        reference, {"channel": "partner"}, min_rows=40, route="partner-risk-team"
    )
    return reference, production, config


def test_segments_round_trip_and_validate_against_the_schema(setup):
    _, _, config = setup
    data = config.to_dict()
    assert [s["name"] for s in data["segments"]] == ["channel == 'partner'"]
    assert MonitoringConfig.from_json(config.to_json()) == config
    assert MonitoringConfig.from_yaml(config.to_yaml()) == config
    jsonschema.validate(json.loads(config.to_json()), MonitoringConfig.json_schema())
    segment = config.segments[0]
    assert segment.where == (Condition("channel", "==", "partner"),)
    assert "channel" not in segment.baseline["features"]  # constant inside the segment
    plain = {k: v for k, v in data.items() if k != "segments"}
    assert "segments" not in MonitoringConfig.from_dict(plain).to_dict()


def test_bad_segments_are_refused_with_their_path(setup):
    _, _, config = setup
    data = config.to_dict()
    bad = json.loads(json.dumps(data))
    bad["segments"][0]["where"] = [{"column": "channel", "op": "<=", "value": 3}]
    with pytest.raises(ConfigError, match=r"segments\[0\]\.where\[0\]: .*op must be one of"):
        MonitoringConfig.from_dict(bad)
    bad = json.loads(json.dumps(data))
    bad["segments"][0]["rules"] = {"channel": {"metric": "psi", "warning": 0.1, "critical": 0.2}}
    with pytest.raises(ConfigError, match=r"segments\[0\]\.rules\.channel: is not a feature"):
        MonitoringConfig.from_dict(bad)
    bad = json.loads(json.dumps(data))
    bad["segments"] = bad["segments"] * 2
    with pytest.raises(ConfigError, match=r"names the segment .* twice"):
        MonitoringConfig.from_dict(bad)
    bad = json.loads(json.dumps(data))
    bad["segments"][0]["where"] = []
    with pytest.raises(ConfigError, match=r"segments\[0\]\.where: must name at least one"):
        MonitoringConfig.from_dict(bad)


def test_evaluate_judges_a_segment_as_segment_drift_shows_it(setup):
    reference, production, config = setup
    alerts = evaluate(config, production)
    mine = alerts[alerts["segment"] == "channel == 'partner'"]
    assert len(mine)
    shown = segment_drift(
        reference,
        production,
        "channel",
        time="ts",
        window="1D",
        roles={"ts": "datetime", "channel": "categorical"},
        min_rows=40,
    )
    shown = shown[
        (shown["segment_value"] == "partner") & shown["severity"].isin(["warning", "critical"])
    ]
    key = ["window_start", "feature", "severity"]
    assert sorted(map(tuple, mine[key].to_numpy())) == sorted(map(tuple, shown[key].to_numpy()))
    assert (mine["route"] == "partner-risk-team").all()
    assert mine["message"].str.startswith("in channel == 'partner': ").all()
    assert mine["window_start"].min() == pd.Timestamp("2024-03-06")  # the shift's first day


def test_a_slice_found_becomes_a_monitored_segment(setup):
    reference, production, config = setup
    after = production[production["ts"] >= "2024-03-06"]
    found = find_slices(after, reference=reference, columns=["channel", "age"], features=["dti"])
    top = found.iloc[0]
    assert top["slice"] == "channel == 'partner'"
    plain = MonitoringConfig.from_dict(
        {k: v for k, v in config.to_dict().items() if k != "segments"}
    )
    again = plain.with_segment(reference, top["conditions"], min_rows=40)
    assert again.segments[0].where == config.segments[0].where


def test_a_missing_filter_column_is_one_critical_alert(setup):
    _, production, config = setup
    alerts = evaluate(config, production.drop(columns="channel"))
    lost = alerts[alerts["segment"] == "channel == 'partner'"]
    assert list(lost["metric"]) == ["missing_column"] and list(lost["severity"]) == ["critical"]


def test_mlmon_check_names_the_segment(setup, tmp_path, capsys):
    _, production, config = setup
    config.to_json(tmp_path / "config.json")
    production.to_parquet(tmp_path / "batch.parquet")
    code = main(["check", str(tmp_path / "config.json"), str(tmp_path / "batch.parquet")])
    out = capsys.readouterr().out
    assert code == 1
    header = next(line for line in out.splitlines() if line.startswith("window_start"))
    assert header.split()[:3] == ["window_start", "feature", "segment"]
    assert "in channel == 'partner': " in out


def test_a_segments_performance_limits_are_judged_as_its_control_chart_judges_them(tmp_path):
    """The limits of ControlChart(..., where=segment), exported as the segment's own
    performance rules, raise in evaluate exactly the alerts the chart shows."""
    from mlmon_widgets.widgets import ControlChart

    from .performance_data import assert_segment_alerts_are_the_charts, predictions

    xss = "<img src=x onerror=alert(1)>"  # the degrading segment of predictions()
    data = predictions()
    options = dict(label="label", score="score", time="ts", window="1D", n_bootstrap=0)
    chart = ControlChart(data, **options, metrics=["accuracy", "log_loss"], where={"segment": xss})
    shown = chart.alerts()
    assert len(shown) > 0  # the segment degrades from day 42
    whole = ControlChart(data, **options, metrics=["accuracy"])
    baseline = Baseline.fit(data[["score", "segment"]], roles={"segment": "categorical"})
    config = whole.to_config(baseline=baseline, model="m")
    config = config.with_segment(data, {"segment": xss}, performance=chart.performance_section())
    config = MonitoringConfig.from_yaml(config.to_yaml())
    alerts = evaluate(config, data)
    mine = assert_segment_alerts_are_the_charts(alerts, f"segment == {xss!r}", shown)
    assert mine["message"].str.startswith(f"in segment == {xss!r}: ").all()
