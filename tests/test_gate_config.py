"""The drift gate in configs: new exports carry it, an older config keeps the gate it had.

A config of schema version 1 was written when numeric drift was gated by KS alone; it is
judged that way still (production never changes behaviour silently) and ``mlmon check``
says, once, that a newer gate exists.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mlmon_widgets as mm
from mlmon_widgets import cli
from mlmon_widgets.config import ConfigError, MonitoringConfig, evaluate
from mlmon_widgets.widgets import DriftHeatmap

from .test_evaluate import START, baseline, config, reference


def _spread_batch(days: int = 7, seed: int = 5, per_day: int = 200) -> pd.DataFrame:
    """200 rows a day; income's spread grows x 1.4 from day 2 (KS alone is slow to see it)."""
    rng = np.random.default_rng(seed)
    frame = reference(seed, days * per_day)
    step = pd.Timedelta(days=1) / per_day
    frame.insert(0, "ts", pd.date_range(START, periods=days * per_day, freq=step))
    later = frame["ts"] >= START + pd.Timedelta(days=2)
    frame.loc[later, "income"] = 50 + 1.4 * rng.normal(0, 10, later.sum())
    return frame


def _cells(table: pd.DataFrame) -> list[tuple[str, pd.Timestamp]]:
    return sorted(zip(table["feature"], table["window_start"], strict=True))


def _version_1(cfg: MonitoringConfig) -> dict:
    data = cfg.to_dict()
    data["schema_version"] = 1
    data.pop("gate")
    return data


def test_a_new_config_writes_the_default_gate_and_judges_as_drift_over_time():
    cfg = config()
    assert cfg.schema_version == 2 and cfg.gate == "ks_tails"
    assert cfg.to_dict()["gate"] == "ks_tails"
    batch = _spread_batch()
    alerts = evaluate(cfg, batch)
    table = mm.drift_over_time(baseline(), batch, time="ts", window="1D")
    judged = table[table["severity"].isin(["warning", "critical"])]
    assert _cells(alerts[alerts["domain"] == "drift"]) == _cells(judged)


def test_a_version_1_config_keeps_ks_alone():
    batch = _spread_batch()
    old = MonitoringConfig.from_dict(_version_1(config()))
    assert old.gate == "ks" and "gate" not in old.to_dict()
    alerts = evaluate(old, batch)
    table = mm.drift_over_time(baseline(), batch, time="ts", window="1D", gate="ks")
    judged = table[table["severity"].isin(["warning", "critical"])]
    assert _cells(alerts[alerts["domain"] == "drift"]) == _cells(judged)
    # the new gate sees the spread change in more windows than KS alone
    new = evaluate(config(), batch)
    assert (new["domain"] == "drift").sum() > (alerts["domain"] == "drift").sum()


def test_a_version_1_config_cannot_name_the_new_gate():
    data = _version_1(config()) | {"gate": "ks_tails"}
    with pytest.raises(ConfigError, match=r"^gate: needs schema_version 2 or later"):
        MonitoringConfig.from_dict(data)
    with pytest.raises(ConfigError, match=r"^gate: must be one of"):
        MonitoringConfig.from_dict(config().to_dict() | {"gate": "cvm"})
    assert MonitoringConfig.from_dict(_version_1(config()) | {"gate": "ks"}).gate == "ks"


def test_mlmon_check_says_once_that_a_newer_gate_exists(tmp_path, capsys):
    MonitoringConfig.from_dict(_version_1(config())).to_yaml(tmp_path / "old.yaml")
    config().to_yaml(tmp_path / "new.yaml")
    _spread_batch().to_parquet(tmp_path / "batch.parquet")
    code = cli.main(["check", str(tmp_path / "old.yaml"), str(tmp_path / "batch.parquet")])
    _, err = capsys.readouterr()
    assert code in (0, 1)
    assert err.count("newer gate") == 1 and err.count("\n") == 1
    assert "schema_version 1" in err and "gate: ks_tails" in err
    cli.main(["check", str(tmp_path / "new.yaml"), str(tmp_path / "batch.parquet")])
    assert "newer gate" not in capsys.readouterr().err


def test_the_heatmap_exports_its_gate():
    batch = _spread_batch()
    for gate in ("ks_tails", "ks"):
        heatmap = DriftHeatmap(reference(), batch, time="ts", window="1D", gate=gate)
        cfg = heatmap.to_config(model="m")
        assert cfg.gate == gate
        shown = heatmap.table
        alerts = evaluate(cfg, batch)
        expected = shown[shown["severity"].isin(["warning", "critical"])]
        got = alerts[alerts["domain"] == "drift"]
        assert len(got) == len(expected)
    with pytest.raises(ValueError, match="gate"):
        DriftHeatmap(reference(), batch, time="ts", window="1D", gate="nope")
