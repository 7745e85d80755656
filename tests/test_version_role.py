"""The model version: a role of its own, recorded as retraining events, never tested for drift."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import mlmon_widgets as mm
from mlmon_widgets import cli
from mlmon_widgets.config import ConfigError, MonitoringConfig, evaluate, retraining_events
from mlmon_widgets.engine import version_events


@pytest.fixture
def frames(rng):
    ref = pd.DataFrame({"x": rng.normal(size=2000), "model_version": "1.4.0"})
    ts = pd.date_range("2024-05-01", periods=3000, freq="144s")
    prod = pd.DataFrame({"ts": ts, "x": rng.normal(size=3000), "model_version": "1.4.0"})
    prod.loc[prod["ts"] >= "2024-05-03", "model_version"] = "1.5.0"
    return ref, prod


@pytest.mark.parametrize("name", ["model_version", "modelVersion", "Model Version", "version"])
def test_a_column_named_like_the_model_version_is_inferred_as_one(name):
    with pytest.warns(mm.RoleWarning, match="looks like the model version"):
        assert mm.infer_roles(pd.DataFrame({name: ["1.4"] * 30})) == {name: "version"}
    assert mm.infer_role(pd.Series([1.0, 2.0]), "conversion") == "numeric"
    assert mm.infer_role(pd.Series(["a", "b"]), "versions_seen") == "categorical"


def test_a_new_version_is_an_event_not_drift(frames):
    ref, prod = frames
    roles = {"model_version": "version"}
    table = mm.drift_over_time(ref, prod, time="ts", window="1D", roles=roles)
    assert set(table["feature"]) == {"x"}  # never tested for drift
    events = version_events(mm.Baseline.fit(ref, roles=roles), prod, time="ts", window="1D")
    assert events[["column", "version", "window", "rows"]].to_dict("records") == [
        {"column": "model_version", "version": "1.5.0", "window": 2, "rows": 1800}
    ]
    assert "first seen in the window from 2024-05-03" in events["event"].iloc[0]
    quality = mm.data_quality(ref, prod, time="ts", window="1D", roles=roles)
    versions = quality[quality["column"] == "model_version"]
    assert versions["role"].eq("version").all()
    assert (
        versions["unseen_examples"].tolist() == ["", "", "1.5.0", "1.5.0", "1.5.0"][: len(versions)]
    )


def test_the_config_keeps_the_versions_and_production_reports_the_event(frames, tmp_path, capsys):
    ref, prod = frames
    baseline = mm.Baseline.fit(ref, roles={"model_version": "version"})
    assert baseline.to_dict()["versions"] == {"model_version": ["1.4.0"]}
    assert mm.Baseline.from_dict(json.loads(baseline.to_json())).versions == baseline.versions
    config = MonitoringConfig.from_baseline(baseline, model="m", time="ts", window="1D")
    again = MonitoringConfig.from_yaml(config.to_yaml())
    alerts = evaluate(again, prod)
    assert "model_version" not in set(alerts["feature"])  # no alert of any domain
    assert retraining_events(again, prod)["version"].tolist() == ["1.5.0"]
    bad = config.to_dict()
    bad["baseline"]["versions"] = {"x": ["1"]}
    with pytest.raises(
        ConfigError, match=r"^baseline.versions.x: is not a column of role 'version'"
    ):
        MonitoringConfig.from_dict(bad)
    path, batch = tmp_path / "monitoring.yaml", tmp_path / "batch.parquet"
    config.to_yaml(path)
    prod.to_parquet(batch)
    capsys.readouterr()
    assert cli.main(["check", str(path), str(batch)]) == 0  # no alert: a new version is no drift
    out = capsys.readouterr().out
    assert "retraining events" in out and "model_version 1.5.0 first seen" in out


def test_old_baselines_without_versions_still_load(frames):
    ref, _ = frames
    data = mm.Baseline.fit(ref[["x"]]).to_dict()
    assert "versions" not in data  # unchanged for a reference without a version column
    assert mm.Baseline.from_dict(data).versions == {}
    assert np.isfinite(data["features"]["x"]["mean"])
